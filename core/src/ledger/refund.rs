//! Refunds through a separate ledger: each one reserved against its order's cap before it
//! is sent, once per refund number, whatever instance sends it.
//!
//! A refund is keyed on the merchant's refund number within its order. Reserving it
//! checks, atomically in the store, that the refunds done and reserved for the order plus
//! this one stay within what the order was paid; a refund number already done is
//! answered [`RefundClaim::Done`], and the same number with another amount
//! [`RefundClaim::Conflict`]. The reservation is committed once the gateway accepted the
//! refund, released when it is known to have refused it, and otherwise (a crash, a lost
//! answer) left to its lease, after which the same refund number may be sent again where
//! the gateway treats a repeated refund number as the same refund. Where it does not (a
//! refund request that carries no refund number), a refund sent again is a second refund:
//! ask the gateway what it holds before sending it again.
//!
//! A reservation whose lease ran out is in doubt, not free: it may have been sent, so it
//! still counts against the order's cap, and another refund number never takes its room.
//! It is settled by its own number: claimed again (by any instance) and committed or
//! released once the gateway says whether it holds it, or reported succeeded or closed
//! by the gateway's notification ([`Ledger::count_refund`], [`Ledger::take_back_refund`]).
//! Done refunds are kept as long as the store keeps anything, since they count against
//! the cap for good, unless the gateway reports one closed (no money went back).
//! `paywire-sqlx`'s `refund_once` records the refund in the merchant's transaction before
//! it is sent and keeps it counted the same way until it is accepted or released.

use super::{fresh_token, Ledger, LedgerError, OrderKey};
use crate::money::Fen;
use std::fmt;

/// What a store found when asked to reserve a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// Reserved now (or already reserved with this very token).
    Fresh,
    /// This refund number was committed before, for the same amount.
    Done,
    /// Another token holds a live reservation of this refund number (one whose lease ran
    /// out is taken over: [`RefundState::Fresh`]).
    Busy,
    /// The refunds done and reserved for the order (`reserved`, in fen) plus this one
    /// would exceed what it was paid: nothing was reserved.
    AbovePaid {
        /// Fen refunded or reserved so far for the order.
        reserved: u64,
    },
    /// This refund number is known with another amount.
    Conflict,
}

/// What a store found when asked to take back a refund the gateway closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundTakeBack {
    /// It was done, or in doubt (reserved, its lease run out); now taken back: its amount
    /// no longer counts against the order's cap.
    TakenBack,
    /// The store does not hold it: never reserved here (made by hand at the gateway, or
    /// recorded in another store), released, or taken back before.
    Absent,
    /// Reserved and still live: its sender has neither committed nor released it yet.
    /// Nothing taken back; ask again later.
    Reserved,
    /// The refund number is known with another amount: not this refund.
    Conflict,
}

/// A refund reserved and neither committed nor released whose lease ran out: it may have
/// been sent, so it counts against its order's cap until it is settled under its number
/// (see [`Ledger::refunds_in_doubt`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InDoubt {
    /// The merchant's refund number (`out_refund_no`).
    pub refund_no: String,
    /// The amount it was reserved for.
    pub amount: Fen,
}

/// A refund: its order, the merchant's refund number, its amount, and what the order was
/// paid (from the merchant's own record of the payment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// The order refunded.
    pub order: OrderKey,
    /// The merchant's refund number (`out_refund_no`).
    pub refund_no: String,
    /// The amount of this refund.
    pub amount: Fen,
    /// What the order was paid.
    pub paid: Fen,
}

/// How a refund ended, as the gateway's refund notification reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundResult {
    /// The money went back to the payer.
    Succeeded,
    /// The gateway closed the refund: no money went back.
    Closed,
    /// The refund failed on its way to the payer (a cancelled card, say): the gateway
    /// holds the money until the merchant settles it by hand.
    Abnormal,
    /// A state this version does not know: neither a success nor a close as far as it can
    /// tell; the merchant settles it with the gateway.
    Unknown,
}

impl RefundResult {
    /// One word for logs: `succeeded`, `closed`, `abnormal`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundResult::Succeeded => "succeeded",
            RefundResult::Closed => "closed",
            RefundResult::Abnormal => "abnormal",
            RefundResult::Unknown => "unknown",
        }
    }
}

impl fmt::Display for RefundResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a refund ended, reported by a verified refund notification. Gateways' refund
/// notification types build it (`notice.outcome()`); decrypted or verified means
/// authentic, not that the merchant's books hold the refund: check it against them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOutcome {
    /// The order refunded (gateway + the merchant's order number).
    pub order: OrderKey,
    /// The merchant's refund number (`out_refund_no`).
    pub refund_no: String,
    /// The amount of this refund.
    pub amount: Fen,
    /// The refund's currency, where the gateway names one.
    pub currency: Option<String>,
    /// The gateway's own id of the refund.
    pub gateway_refund: Option<String>,
    /// How it ended.
    pub result: RefundResult,
}

/// The ledger's answer for one refund.
#[derive(Debug)]
#[must_use = "a fresh refund is sent, then committed, or released when the gateway refused it"]
pub enum RefundClaim<'l> {
    /// Reserved for you: send the refund, then [`HeldRefund::commit`].
    Fresh(HeldRefund<'l>),
    /// Sent and committed before: do not send it again.
    Done,
    /// Another instance is sending it: try again later.
    Busy,
    /// Over the cap: refunded and reserved so far plus this refund exceed what was paid.
    AbovePaid {
        /// Refunded or reserved so far.
        reserved: Fen,
        /// What the order was paid.
        paid: Fen,
    },
    /// The refund number is known with another amount: a new refund needs a new number.
    Conflict,
}

/// A live reservation of one refund. Dropped, it stays reserved until its lease ends, then
/// in doubt: the refund may have been sent, so it counts against the cap until its number
/// is claimed again and settled.
#[must_use = "a reserved refund is committed once sent, released when refused; dropped, it holds its amount for its lease"]
pub struct HeldRefund<'l> {
    ledger: &'l Ledger,
    order: OrderKey,
    refund_no: String,
    amount: u64,
    token: String,
}

impl fmt::Debug for HeldRefund<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeldRefund")
            .field("order", &self.order)
            .field("refund_no", &self.refund_no)
            .field("amount", &self.amount)
            .finish_non_exhaustive()
    }
}

/// The largest amount a store is asked to add up: 2^53 fen, below which every store's
/// arithmetic (Redis's Lua numbers included) is exact.
const MAX_FEN: u64 = 1 << 53;

impl Ledger {
    /// Reserves `refund` against its order's cap: see [`RefundClaim`].
    pub fn claim_refund(&self, refund: &Refund) -> Result<RefundClaim<'_>, LedgerError> {
        let (amount, paid) = (refund.amount.get(), refund.paid.get());
        if amount == 0 || amount > MAX_FEN || paid > MAX_FEN {
            return Err(LedgerError::Misconfigured(format!(
                "a refund is 1 to {MAX_FEN} fen of an order paid at most as much (got {amount} of {paid})"
            )));
        }
        let token = fresh_token()?;
        let state = self.store.reserve_refund(
            refund.order.as_str(),
            &refund.refund_no,
            amount,
            paid,
            &token,
            self.lease,
        )?;
        Ok(match state {
            RefundState::Fresh => RefundClaim::Fresh(HeldRefund {
                ledger: self,
                order: refund.order.clone(),
                refund_no: refund.refund_no.clone(),
                amount,
                token,
            }),
            RefundState::Done => RefundClaim::Done,
            RefundState::Busy => RefundClaim::Busy,
            RefundState::AbovePaid { reserved } => RefundClaim::AbovePaid {
                reserved: Fen::new(reserved),
                paid: refund.paid,
            },
            RefundState::Conflict => RefundClaim::Conflict,
        })
    }
}

impl Ledger {
    /// Counts refund `refund_no` of `amount` of `order` against the order's cap on the
    /// gateway's word that it succeeded (its verified refund notification), so that a
    /// refund made without this ledger (by hand in the gateway's console, by another
    /// program) still counts: [`RefundState::Fresh`] when recorded now, whatever the cap
    /// says (the money went back); [`RefundState::Done`] when the ledger had it done, or
    /// in doubt (reserved, its lease run out: counted already, done now);
    /// [`RefundState::Busy`] while its sender holds the reservation (its commit counts
    /// it); [`RefundState::Conflict`] when the number is known with another amount, which
    /// is not this refund. Never [`RefundState::AbovePaid`]. A store that keeps no refunds
    /// answers [`LedgerError::Misconfigured`].
    pub fn count_refund(
        &self,
        order: &OrderKey,
        refund_no: &str,
        amount: Fen,
    ) -> Result<RefundState, LedgerError> {
        if amount.get() == 0 || amount.get() > MAX_FEN {
            return Err(LedgerError::Misconfigured(format!(
                "a refund is 1 to {MAX_FEN} fen (got {amount})"
            )));
        }
        self.store
            .count_refund(order.as_str(), refund_no, amount.get())
    }

    /// Takes back refund `refund_no` of `amount` of `order`, done before or in doubt
    /// (reserved, its lease run out), on the
    /// gateway's word that it closed it (WeChat Pay's `CLOSED`: a final state in which no
    /// money went back), so its room can be refunded under a new number. A live
    /// reservation is left to its sender ([`RefundTakeBack::Reserved`]): it commits or
    /// releases it, and the close is taken back on the gateway's next delivery.
    ///
    /// Call it only on the gateway's verified word; a refund merely unanswered, or
    /// abnormal (the money's way back failed and waits for the merchant), is not closed.
    /// A store that keeps no refunds answers [`LedgerError::Misconfigured`].
    pub fn take_back_refund(
        &self,
        order: &OrderKey,
        refund_no: &str,
        amount: Fen,
    ) -> Result<RefundTakeBack, LedgerError> {
        self.store
            .take_back_refund(order.as_str(), refund_no, amount.get())
    }
}

impl Ledger {
    /// The refunds of `order` in doubt: reserved, neither committed nor released, their
    /// lease run out (the sender died, or never learnt the gateway's answer). Each still
    /// counts against the order's cap. Settle one under its own number: ask the gateway
    /// (its refund query) whether it holds it, then claim it again with the same amount
    /// ([`Ledger::claim_refund`] answers `Fresh`) and commit it if the gateway holds it or
    /// release it if not; where the gateway keys refunds on the refund number, sending it
    /// again under that number does the same. A store that keeps no refunds answers
    /// [`LedgerError::Misconfigured`].
    pub fn refunds_in_doubt(&self, order: &OrderKey) -> Result<Vec<InDoubt>, LedgerError> {
        let listed = self.store.refunds_in_doubt(order.as_str())?;
        Ok(listed
            .into_iter()
            .map(|(refund_no, amount)| InDoubt {
                refund_no,
                amount: Fen::new(amount),
            })
            .collect())
    }
}

impl HeldRefund<'_> {
    /// Marks the refund done, once the gateway accepted it. A store that cannot answer is
    /// retried for the ledger's commit patience.
    pub fn commit(self) -> Result<(), LedgerError> {
        self.ledger.patiently(|store| {
            store.commit_refund(
                self.order.as_str(),
                &self.refund_no,
                self.amount,
                &self.token,
            )
        })
    }

    /// Frees the reserved amount now, because the gateway refused the refund. Call it
    /// only when the refund is known not to have been made.
    pub fn release(self) -> Result<(), LedgerError> {
        self.ledger
            .store
            .release_refund(self.order.as_str(), &self.refund_no, &self.token)
    }

    /// Leaves the reservation to its lease, then in doubt: what dropping it does.
    pub fn abandon(self) {}
}
