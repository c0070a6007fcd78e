//! Applying a verified payment exactly once.
//!
//! Verification says a notification is authentic; it does not say whether this merchant
//! has already applied it. A gateway redelivers until it is acknowledged, a merchant
//! runs several instances, and any write can fail after the one before it succeeded.
//! The [`Ledger`] answers, per order, one of three things:
//!
//! - [`Claim::Fresh`]: nobody has applied it; you hold a claim. Apply the payment, then
//!   [`Held::commit`]. If your write fails, [`Held::release`] the claim: the key is free
//!   at once, answer an error, and the gateway's next delivery applies it.
//! - [`Claim::Done`]: applied before. Acknowledge, do not apply.
//! - [`Claim::Busy`]: another instance holds a live claim. Answer an error (5xx); the
//!   gateway retries. A claim whose holder died expires after its lease.
//!
//! A claim that is neither committed nor released (dropped by a panic, by a cancelled
//! handler, or by a process that died) is never freed early: its write may have happened,
//! so the order stays claimed until the lease runs out. Only an explicit
//! [`Held::release`], after the write is known to have failed, frees it at once. This
//! ledger keeps its mark in another store than the merchant's write, so a write that
//! happened and a commit that never came still leave one window: after the lease, the
//! next delivery applies it again. `paywire-sqlx` keeps the mark in the merchant's own
//! transaction and closes that window too.
//!
//! When the ledger cannot answer (its store is down, a timeout), [`Ledger::claim`] returns
//! [`LedgerError::Unavailable`]: answer an error and let the gateway retry; never guess.
//!
//! The key is the merchant's own order (gateway + `out_trade_no`), never the gateway's
//! transaction id: that is what a merchant applies a payment to, and what a forged
//! re-split of a signed message cannot move to another order without the amount and
//! identity checks of [`Payment::check`] noticing.
//!
//! ```
//! use paywire::ledger::{Claim, Ledger, OrderKey};
//!
//! let ledger = Ledger::in_memory();
//! let key = OrderKey::new("swiftpass", "1415659990");
//! // First delivery: the merchant's write fails, so the claim is released.
//! match ledger.claim(&key).unwrap() {
//!     Claim::Fresh(held) => held.release().unwrap(),
//!     other => panic!("{other:?}"),
//! }
//! // The gateway's retry: fresh again; this time the write succeeds.
//! match ledger.claim(&key).unwrap() {
//!     Claim::Fresh(held) => held.commit().unwrap(),
//!     other => panic!("{other:?}"),
//! }
//! // Every later delivery: done, acknowledge without applying.
//! assert!(matches!(ledger.claim(&key).unwrap(), Claim::Done));
//! ```

pub mod contract;
mod memory;
mod payment;
#[cfg(feature = "redis")]
mod redis;
mod refund;

pub use memory::MemoryLedger;
pub use payment::{Expected, Mismatch, MustMatch, Payment};
#[cfg(feature = "redis")]
#[cfg_attr(paywire_docsrs, doc(cfg(feature = "redis")))]
pub use redis::RedisLedger;
pub use refund::{
    HeldRefund, InDoubt, Refund, RefundClaim, RefundOutcome, RefundResult, RefundState,
    RefundTakeBack,
};

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The order a payment is applied to: the gateway's name and the merchant's own order
/// number (`out_trade_no`, XorPay's `order_id`, weidoufu's `out_order_no`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderKey {
    text: String,
}

impl OrderKey {
    /// The key of `order` at `gateway`. The gateway name is a constant of the program
    /// (`"swiftpass"`); it may not contain `:`, which separates it from the order number
    /// so that no two (gateway, order) pairs share a key.
    ///
    /// # Panics
    /// If `gateway` is empty or contains `:` (a programming error, not an input error).
    pub fn new(gateway: &str, order: &str) -> OrderKey {
        assert!(
            !gateway.is_empty() && !gateway.contains(':'),
            "a ledger gateway name is non-empty and has no ':' (got {gateway:?})"
        );
        OrderKey {
            text: format!("{gateway}:{order}"),
        }
    }

    /// The key as stored: `gateway:order`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The gateway's name.
    pub fn gateway(&self) -> &str {
        self.split().0
    }

    /// The merchant's order number.
    pub fn order(&self) -> &str {
        self.split().1
    }

    fn split(&self) -> (&str, &str) {
        // `new` refuses a gateway name with `:`, so the first one separates the two.
        self.text.split_once(':').unwrap_or((&self.text, ""))
    }
}

impl fmt::Display for OrderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why the ledger gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The store could not answer (down, timed out, refused). Neither apply nor
    /// acknowledge: answer an error (5xx), and the gateway delivers again later.
    #[error("the ledger could not answer: {0}; answer 5xx so the gateway retries")]
    Unavailable(String),
    /// This claim's lease ran out and another holder claimed or applied the order before
    /// the commit: the payment may have been applied twice. Make the lease longer than
    /// your slowest write, or make the write itself unique per order.
    #[error("the claim on {key} expired before its commit and another holder took it")]
    LeaseLost {
        /// The order.
        key: String,
    },
    /// The ledger's settings contradict each other (a commit patience as long as the
    /// lease): fix the configuration.
    #[error("ledger misconfigured: {0}")]
    Misconfigured(String),
}

impl LedgerError {
    /// Whether the store could not answer (as opposed to a lost lease).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, LedgerError::Unavailable(_))
    }
}

/// What a store found for a key when asked to claim it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimState {
    /// The key was free (or already claimed with this very token): it is now claimed.
    Fresh,
    /// The key was committed before.
    Done,
    /// Another token holds a live claim.
    Busy,
}

/// Where a [`Ledger`] keeps its keys: [`MemoryLedger`] for one process, `RedisLedger`
/// (feature `redis`) for several instances; implement it over your own store.
///
/// Every operation is atomic per key, and every one is safe to repeat with the same token
/// (a call retried after a dropped connection must find its own earlier effect). Check a
/// store of your own with [`contract::check`].
pub trait LedgerStore: Send + Sync {
    /// Claims `key` for `token` for `lease`, unless it is done or claimed by another token.
    /// A claim already held by `token` answers [`ClaimState::Fresh`] again.
    fn claim(&self, key: &str, token: &str, lease: Duration) -> Result<ClaimState, LedgerError>;

    /// Marks `key` done for `retention`, if `token` holds it, already committed it, or the
    /// key is free (the lease ran out but nobody else took it: the payment was applied).
    /// Another token's claim or commit is [`LedgerError::LeaseLost`].
    fn commit(&self, key: &str, token: &str, retention: Duration) -> Result<(), LedgerError>;

    /// Frees `key` if, and only if, `token` holds its claim.
    fn release(&self, key: &str, token: &str) -> Result<(), LedgerError>;

    /// Whether a call may wait on something outside this process (the network, a
    /// disk), so that async callers run it off their workers. A store in this process's
    /// memory answers at once: `false`.
    fn may_block(&self) -> bool {
        true
    }

    /// Reserves refund `refund` of `amount` fen against `order`, paid `paid` fen, for
    /// `token` for `lease`: atomically, the order's refunds done plus those reserved
    /// (live, or in doubt: their lease ran out) plus this one must stay within `paid`. A
    /// refund number known with another amount is [`RefundState::Conflict`]; done with
    /// this amount, [`RefundState::Done`]; reserved by this token, or in doubt, reserved
    /// for `token` and [`RefundState::Fresh`].
    /// A store that keeps no refunds answers [`LedgerError::Misconfigured`].
    fn reserve_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
        paid: u64,
        token: &str,
        lease: Duration,
    ) -> Result<RefundState, LedgerError> {
        let _ = (order, refund, amount, paid, token, lease);
        Err(LedgerError::Misconfigured(
            "this ledger store keeps no refunds".into(),
        ))
    }

    /// Marks the refund done for good, if `token` holds or committed it or nobody holds
    /// it live (the lease ran out, the refund was sent: it is recorded, whatever the cap
    /// says now). Another token's live reservation or commit is
    /// [`LedgerError::LeaseLost`].
    fn commit_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
        token: &str,
    ) -> Result<(), LedgerError> {
        let _ = (order, refund, amount, token);
        Err(LedgerError::Misconfigured(
            "this ledger store keeps no refunds".into(),
        ))
    }

    /// Frees the reservation if, and only if, `token` holds it.
    fn release_refund(&self, order: &str, refund: &str, token: &str) -> Result<(), LedgerError> {
        let _ = (order, refund, token);
        Err(LedgerError::Misconfigured(
            "this ledger store keeps no refunds".into(),
        ))
    }

    /// Records refund `refund` of `amount` fen done against `order`, whatever the cap says
    /// (the gateway reports it made), unless the store holds it: [`RefundState::Fresh`]
    /// when recorded now (no refund under this number), [`RefundState::Done`] when done
    /// before or in doubt (now done), [`RefundState::Busy`] for a live
    /// reservation (its sender commits it), [`RefundState::Conflict`] for another amount.
    fn count_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
    ) -> Result<RefundState, LedgerError> {
        let _ = (order, refund, amount);
        Err(LedgerError::Misconfigured(
            "this ledger store keeps no refunds".into(),
        ))
    }

    /// Deletes refund `refund` of `amount` fen if it is done or in doubt, so it no longer
    /// counts against `order`'s cap: [`RefundTakeBack::TakenBack`]. A live reservation is
    /// [`RefundTakeBack::Reserved`] and stays; another amount is
    /// [`RefundTakeBack::Conflict`]; no refund, [`RefundTakeBack::Absent`].
    fn take_back_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
    ) -> Result<RefundTakeBack, LedgerError> {
        let _ = (order, refund, amount);
        Err(LedgerError::Misconfigured(
            "this ledger store keeps no refunds".into(),
        ))
    }

    /// The refunds of `order` reserved and neither committed nor released whose lease ran
    /// out (in doubt), as refund number and fen, by refund number.
    fn refunds_in_doubt(&self, order: &str) -> Result<Vec<(String, u64)>, LedgerError> {
        let _ = order;
        Err(LedgerError::Misconfigured(
            "this ledger store keeps no refunds".into(),
        ))
    }
}

/// Claims payments once, over a [`LedgerStore`]. Cheap to clone (the store is shared).
/// Its calls block (a Redis store waits on the network, and [`Held::commit`] pauses
/// between retries): from async code, call them inside `tokio::task::block_in_place` or
/// `spawn_blocking`.
#[derive(Clone)]
pub struct Ledger {
    store: Arc<dyn LedgerStore>,
    lease: Duration,
    retention: Duration,
    commit_patience: Duration,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("lease", &self.lease)
            .field("retention", &self.retention)
            .field("commit_patience", &self.commit_patience)
            .finish_non_exhaustive()
    }
}

impl Ledger {
    /// How long a claim lives when its holder neither commits nor releases it.
    pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
    /// How long a committed order is remembered: longer than any gateway redelivers.
    pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
    /// How long [`Held::commit`] retries a store that cannot answer.
    pub const DEFAULT_COMMIT_PATIENCE: Duration = Duration::from_secs(10);

    /// A ledger over `store`, with the default lease, retention and commit patience.
    pub fn new(store: impl LedgerStore + 'static) -> Ledger {
        Ledger {
            store: Arc::new(store),
            lease: Self::DEFAULT_LEASE,
            retention: Self::DEFAULT_RETENTION,
            commit_patience: Self::DEFAULT_COMMIT_PATIENCE,
        }
    }

    /// A ledger in this process's memory: enough for one instance.
    pub fn in_memory() -> Ledger {
        Ledger::new(MemoryLedger::new())
    }

    /// The same ledger with claims that expire after `lease` (at least 1 ms). Make it
    /// longer than your slowest write plus its commit. A commit patience that would not
    /// end within the new lease is shortened to four fifths of it, so a commit retried
    /// through an outage still lands while the claim is this holder's.
    pub fn with_lease(mut self, lease: Duration) -> Ledger {
        self.lease = lease.max(Duration::from_millis(1));
        if self.commit_patience >= self.lease {
            self.commit_patience = self.lease * 4 / 5;
        }
        self
    }

    /// The same ledger remembering committed orders for `retention` (at least 1 s).
    pub fn with_retention(mut self, retention: Duration) -> Ledger {
        self.retention = retention.max(Duration::from_secs(1));
        self
    }

    /// The same ledger with commits retried for at most `patience` while the store cannot
    /// answer: longer than the ledger outages you plan for, and shorter than the lease
    /// (see [`Held::commit`]). A patience of the lease or longer is
    /// [`LedgerError::Misconfigured`]: a commit retried that long could land after the
    /// claim expired and another delivery applied the payment again.
    pub fn with_commit_patience(mut self, patience: Duration) -> Result<Ledger, LedgerError> {
        if patience >= self.lease {
            return Err(LedgerError::Misconfigured(format!(
                "a commit patience of {patience:?} does not end within the lease of {:?}; \
                 make the lease longer (with_lease first) or the patience shorter",
                self.lease
            )));
        }
        self.commit_patience = patience;
        Ok(self)
    }

    /// How long [`Held::commit`] retries a store that cannot answer.
    pub fn commit_patience(&self) -> Duration {
        self.commit_patience
    }

    /// Whether its calls may wait on the network or a disk (see
    /// [`LedgerStore::may_block`]); [`Held::commit`] also pauses between retries when the
    /// store cannot answer, which only a store that may block does.
    pub fn may_block(&self) -> bool {
        self.store.may_block()
    }

    /// The lease of a claim.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// Runs a commit on the store, retrying while the store cannot answer, for the
    /// commit patience. The last try is at the deadline; no pause is longer than a quarter
    /// second, so the commit lands soon after the store is back, while the claim is still
    /// its holder's.
    fn patiently(
        &self,
        commit: impl Fn(&dyn LedgerStore) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let deadline = Instant::now() + self.commit_patience;
        let mut pause = Duration::from_millis(25);
        loop {
            match commit(self.store.as_ref()) {
                Err(LedgerError::Unavailable(_)) if Instant::now() < deadline => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    std::thread::sleep(pause.min(left));
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
                other => return other,
            }
        }
    }

    /// Claims the payment of `key`: see [`Claim`].
    pub fn claim(&self, key: &OrderKey) -> Result<Claim<'_>, LedgerError> {
        let token = fresh_token()?;
        Ok(match self.store.claim(key.as_str(), &token, self.lease)? {
            ClaimState::Fresh => Claim::Fresh(Held {
                ledger: self,
                key: key.clone(),
                token,
            }),
            ClaimState::Done => Claim::Done,
            ClaimState::Busy => Claim::Busy,
        })
    }
}

/// The ledger's answer for one order.
#[derive(Debug)]
#[must_use = "a fresh claim is applied and committed, or released when the write failed"]
pub enum Claim<'l> {
    /// Not applied yet, and now claimed by you: apply, then [`Held::commit`].
    Fresh(Held<'l>),
    /// Applied before: acknowledge without applying.
    Done,
    /// Another instance holds a live claim: answer an error (5xx) so the gateway retries.
    Busy,
}

/// A live claim on one order. [`Held::commit`] marks the order done, [`Held::release`]
/// frees it after a failed write. Dropping it does neither: the write may have happened
/// (a panic, a cancelled task), so the order stays claimed until the lease runs out.
#[must_use = "a claim is committed after the write succeeds, released after it failed; dropped, it holds the order for its lease"]
pub struct Held<'l> {
    ledger: &'l Ledger,
    key: OrderKey,
    token: String,
}

impl fmt::Debug for Held<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Held")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl Held<'_> {
    /// The order claimed.
    pub fn key(&self) -> &OrderKey {
        &self.key
    }

    /// Marks the order applied, after your own write succeeded. A store that cannot
    /// answer is retried for the ledger's commit patience. If it still fails, your write
    /// stands: acknowledge the notification anyway (an error answer would bring a
    /// redelivery after the lease, which would apply it again) and alert someone.
    ///
    /// So exactly once holds through a ledger outage that ends within the commit
    /// patience, which itself must end within the lease (the claim must still be this
    /// holder's when the commit lands). If the ledger stays down longer and the
    /// acknowledgement is lost too, the gateway's next delivery finds the order free
    /// and applies it again: a write that is conditional on the order's state (README,
    /// "Responses and notifications") closes that window as well.
    pub fn commit(self) -> Result<(), LedgerError> {
        self.ledger
            .patiently(|store| store.commit(self.key.as_str(), &self.token, self.ledger.retention))
    }

    /// Frees the order now, because your write failed: the next delivery applies it.
    /// Call it only when the write is known not to have happened (it returned an error,
    /// its transaction rolled back).
    pub fn release(self) -> Result<(), LedgerError> {
        self.ledger.store.release(self.key.as_str(), &self.token)
    }

    /// Leaves the claim to expire with its lease, neither committed nor released: what
    /// dropping it does, and what happens when the holding process dies.
    pub fn abandon(self) {}
}

/// The claim's token, so only its holder can commit or release: 128 random bits drawn
/// once per process, then a count of the claims this process has made, as hex. Unique
/// across the merchant's instances (they share a Redis ledger) without asking the
/// operating system for randomness on every delivery.
fn fresh_token() -> Result<String, LedgerError> {
    static PROCESS: OnceLock<u128> = OnceLock::new();
    static CLAIMS: AtomicU64 = AtomicU64::new(0);
    let process = match PROCESS.get() {
        Some(process) => *process,
        None => {
            let mut bytes = [0u8; 16];
            getrandom::getrandom(&mut bytes).map_err(|e| {
                LedgerError::Unavailable(format!("no randomness for a claim token: {e}"))
            })?;
            *PROCESS.get_or_init(|| u128::from_le_bytes(bytes))
        }
    };
    let claim = CLAIMS.fetch_add(1, Ordering::Relaxed);
    Ok(format!("{process:032x}{claim:016x}"))
}
