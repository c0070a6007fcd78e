//! Applying a verified payment, or a refund's success, once: through a separate ledger
//! ([`WithLedger`]) or in the merchant's own SQL transaction ([`InTransaction`], feature
//! `sqlx`).

use crate::Order;
use paywire::ledger::{
    Claim, Ledger, LedgerError, OrderKey, Payment, RefundOutcome, RefundResult, RefundState,
    RefundTakeBack,
};
use std::future::Future;
use std::sync::Arc;

/// What applying one payment came to.
pub enum Outcome {
    /// Applied now, or before: acknowledge.
    Applied,
    /// Never to be applied (an unknown order, a payment that does not match it): 400,
    /// with paywire's reason.
    Refused(String),
    /// The merchant's write failed or panicked: 500, the gateway delivers again.
    NotApplied,
    /// Another instance holds the order: 503.
    Busy,
    /// The ledger could not answer: 503.
    Unavailable,
}

/// How a verified payment is applied once; what [`crate::Notifications`] runs for each
/// delivery, to the end even when the gateway stops waiting.
pub trait Applier: Send + Sync + 'static {
    /// Checks `payment` against the merchant's order and applies it at most once.
    #[doc(hidden)]
    fn apply_once(&self, payment: Payment) -> impl Future<Output = Outcome> + Send;

    /// Records a refund's success at most once; takes a closed refund back from the
    /// books; logs the rest.
    #[doc(hidden)]
    fn settle_refund(&self, refund: RefundOutcome) -> impl Future<Output = Outcome> + Send;
}

/// The merchant's side, with a ledger kept apart from its database: its orders and its
/// write.
pub trait Shop: Send + Sync + 'static {
    /// The order `payment` is for (`payment.key` names gateway and order number), or
    /// `None` if the merchant placed no such order.
    fn order(&self, payment: &Payment) -> impl Future<Output = Option<Order>> + Send;

    /// Writes the payment (marks the order paid). Called at most once per order while it
    /// succeeds; an `Err` frees the order and is answered 500, and the gateway's next
    /// delivery calls it again. The error is logged (`tracing`), never sent to the
    /// gateway. A panic leaves the order claimed until the ledger's lease runs out.
    fn apply(&self, payment: &Payment) -> impl Future<Output = Result<(), String>> + Send;

    /// Writes a refund's success, reported by the gateway's refund notification (marks
    /// the merchant's refund done). Called once per refund, through the same ledger and
    /// with the same windows as [`Shop::apply`]; an `Err` is answered 500 and the
    /// gateway's next delivery calls it again. Does nothing unless written: the
    /// notification is acknowledged either way. Refunds that did not succeed are logged,
    /// not passed here.
    ///
    /// The ledger kept apart from the database knows neither the order nor its currency:
    /// check `refund.order` is one of yours and `refund.currency` the one it was placed
    /// in, and answer `Err` otherwise (the example merchant does; in the shop's SQL
    /// transaction paywire checks both).
    fn refunded(&self, refund: &RefundOutcome) -> impl Future<Output = Result<(), String>> + Send {
        let _ = refund;
        async { Ok(()) }
    }
}

/// A shop shared with the rest of the merchant's program.
impl<S: Shop> Shop for Arc<S> {
    fn order(&self, payment: &Payment) -> impl Future<Output = Option<Order>> + Send {
        S::order(self, payment)
    }

    fn apply(&self, payment: &Payment) -> impl Future<Output = Result<(), String>> + Send {
        S::apply(self, payment)
    }

    fn refunded(&self, refund: &RefundOutcome) -> impl Future<Output = Result<(), String>> + Send {
        S::refunded(self, refund)
    }
}

/// A [`Shop`] and a [`Ledger`]: claim, write, commit.
pub struct WithLedger<S> {
    shop: S,
    ledger: Ledger,
}

impl<S> WithLedger<S> {
    pub(crate) fn new(shop: S, ledger: Ledger) -> Self {
        WithLedger { shop, ledger }
    }
}

/// Runs a call of `ledger`, which may wait on the network (Redis) or pause between
/// commit retries, off the async workers where the runtime allows it; a ledger in this
/// process's memory answers at once and is called in place (handing the worker over
/// costs more than the call).
fn blocking<T>(ledger: &Ledger, call: impl FnOnce() -> T) -> T {
    if !ledger.may_block() {
        return call();
    }
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(call),
        _ => call(),
    }
}

/// The order `payment` is for, checked: `Err` is the outcome when it must not be applied.
fn checked(payment: &Payment, order: Option<Order>) -> Result<Order, Outcome> {
    let Some(order) = order else {
        return Err(Outcome::Refused(format!("no order {}", payment.key)));
    };
    if let Err(mismatch) = payment.check(&order.expected()) {
        tracing::error!(order = %payment.key, %mismatch, "an authentic payment does not match its order");
        return Err(Outcome::Refused(mismatch.to_string()));
    }
    Ok(order)
}

/// The ledger key under which a refund's success is written once: the refund number
/// within its order, kept apart from the order's own payment key by a gateway name that
/// no gateway has (`:` is not allowed in one) and the order number's length in front.
fn refund_key(refund: &RefundOutcome) -> OrderKey {
    let order = refund.order.order();
    OrderKey::new(
        &format!("{}#refunds", refund.order.gateway()),
        &format!("{}:{order}{}", order.len(), refund.refund_no),
    )
}

/// A refund that did not succeed and that nothing here takes back (abnormal: the money
/// waits for the merchant at the gateway; a state this version does not know): nothing
/// is written, the books keep its room taken (never more refunded than paid), and a
/// person settles it with the gateway.
fn unsettled(refund: &RefundOutcome) -> Outcome {
    tracing::warn!(order = %refund.order, refund = %refund.refund_no, result = %refund.result,
        "the gateway reports a refund that did not succeed; settle it with the gateway");
    Outcome::Applied
}

/// The books hold the refund's number with another order or amount: never applied.
fn conflict(refund: &RefundOutcome) -> Outcome {
    tracing::error!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
        "the books hold this refund number with another order or amount");
    Outcome::Refused(format!(
        "refund {} is recorded with another order or amount",
        refund.refund_no
    ))
}

/// The books (the ledger, the database) could not answer about `refund`: 503.
fn unavailable(refund: &RefundOutcome, e: &dyn std::fmt::Display) -> Outcome {
    tracing::warn!(order = %refund.order, refund = %refund.refund_no, error = %e, "the books could not answer");
    Outcome::Unavailable
}

impl<S: Shop> WithLedger<S> {
    /// Claims `key`, writes, commits: what a payment and a refund's success share. The
    /// write is called only once the claim is held.
    async fn once<W: Future<Output = Result<(), String>> + Send>(
        &self,
        key: &OrderKey,
        write: impl FnOnce() -> W + Send,
    ) -> Outcome {
        match blocking(&self.ledger, || self.ledger.claim(key)) {
            Ok(Claim::Fresh(held)) => match write().await {
                Ok(()) => {
                    // The write stands whether or not the commit lands: acknowledge.
                    if let Err(e) = blocking(&self.ledger, || held.commit()) {
                        tracing::error!(order = %key, error = %e, "applied, but the ledger did not take the commit");
                    }
                    Outcome::Applied
                }
                Err(e) => {
                    tracing::warn!(order = %key, error = %e, "the shop's write failed; the gateway will deliver again");
                    if let Err(e) = blocking(&self.ledger, || held.release()) {
                        tracing::warn!(order = %key, error = %e, "the claim could not be released; it ends with its lease");
                    }
                    Outcome::NotApplied
                }
            },
            Ok(Claim::Done) => Outcome::Applied,
            Ok(Claim::Busy) => Outcome::Busy,
            Err(e) => {
                tracing::warn!(order = %key, error = %e, "the ledger could not answer");
                Outcome::Unavailable
            }
        }
    }
}

impl<S: Shop> WithLedger<S> {
    /// A refund that succeeded: counted against its order's cap in the ledger's refunds
    /// (a refund made without them, by hand at the gateway, counts too), then written
    /// once under a claim on the refund's own key.
    async fn succeeded(&self, refund: &RefundOutcome) -> Outcome {
        let counted = blocking(&self.ledger, || {
            self.ledger
                .count_refund(&refund.order, &refund.refund_no, refund.amount)
        });
        match counted {
            Ok(RefundState::Fresh) => {
                tracing::warn!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
                    "counted a refund the ledger did not hold: it was made without it");
            }
            // Counted before, or its sender's commit counts it.
            Ok(RefundState::Done | RefundState::Busy) => {}
            Ok(RefundState::Conflict) => return conflict(refund),
            // Never answered by the stores' `count_refund`; a store of the merchant's own
            // that does left the refund uncounted, and the write still happens.
            Ok(RefundState::AbovePaid { .. }) => {
                tracing::warn!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
                    "the ledger's store did not count a refund the gateway made");
            }
            // A store that keeps no refunds: nothing to count; the write still happens.
            Err(LedgerError::Misconfigured(_)) => {}
            Err(e) => return unavailable(refund, &e),
        }
        self.once(&refund_key(refund), || self.shop.refunded(refund))
            .await
    }

    /// A refund the gateway closed: taken back from the ledger's refunds (where the
    /// merchant reserved it with `Ledger::claim_refund`), under a claim on the refund's
    /// own key, so that a success written under that key is never taken back and a
    /// success and a close of one refund never run at once.
    async fn close(&self, refund: &RefundOutcome) -> Outcome {
        let held = match blocking(&self.ledger, || self.ledger.claim(&refund_key(refund))) {
            Ok(Claim::Fresh(held)) => held,
            Ok(Claim::Done) => {
                tracing::error!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
                    "the gateway reports closed a refund it reported succeeded: the books keep it; settle it with the gateway");
                return Outcome::Applied;
            }
            Ok(Claim::Busy) => return Outcome::Busy,
            Err(e) => return unavailable(refund, &e),
        };
        let taken = blocking(&self.ledger, || {
            self.ledger
                .take_back_refund(&refund.order, &refund.refund_no, refund.amount)
        });
        let outcome = match taken {
            Ok(RefundTakeBack::TakenBack) => {
                tracing::warn!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
                    "the gateway closed a refund: taken back from the books");
                Outcome::Applied
            }
            // Closed before, never reserved here, or released by its sender.
            Ok(RefundTakeBack::Absent) => Outcome::Applied,
            // Its sender still holds it: the gateway's next delivery takes it back once
            // the sender committed.
            Ok(RefundTakeBack::Reserved) => Outcome::Busy,
            Ok(RefundTakeBack::Conflict) => conflict(refund),
            // A store that keeps no refunds: nothing of it to take back.
            Err(LedgerError::Misconfigured(_)) => unsettled(refund),
            Err(e) => unavailable(refund, &e),
        };
        // No success was written under the refund's key: free it whatever came of this.
        if let Err(e) = blocking(&self.ledger, || held.release()) {
            tracing::warn!(order = %refund.order, refund = %refund.refund_no, error = %e,
                "the claim could not be released; it ends with its lease");
        }
        outcome
    }
}

impl<S: Shop> Applier for WithLedger<S> {
    async fn apply_once(&self, payment: Payment) -> Outcome {
        if let Err(outcome) = checked(&payment, self.shop.order(&payment).await) {
            return outcome;
        }
        self.once(&payment.key, || self.shop.apply(&payment)).await
    }

    async fn settle_refund(&self, refund: RefundOutcome) -> Outcome {
        match refund.result {
            RefundResult::Succeeded => self.succeeded(&refund).await,
            RefundResult::Closed => self.close(&refund).await,
            _ => unsettled(&refund),
        }
    }
}

#[cfg(feature = "sqlx")]
pub use sql::{InTransaction, SqlShop};

#[cfg(feature = "sqlx")]
mod sql;

#[cfg(test)]
mod tests {
    use super::refund_key;
    use paywire::ledger::{OrderKey, RefundOutcome, RefundResult};
    use paywire::Fen;
    use std::collections::HashMap;

    fn outcome(order: &str, refund_no: &str) -> RefundOutcome {
        RefundOutcome {
            order: OrderKey::new("wechat-global", order),
            refund_no: refund_no.to_owned(),
            amount: Fen::new(1),
            currency: None,
            gateway_refund: None,
            result: RefundResult::Succeeded,
        }
    }

    #[test]
    fn refund_keys_are_one_per_order_and_refund_and_never_an_order_s_key() {
        // Pieces that would run together without the length in front ("1" + "2:3" and
        // "12" + ":3"), and the key text of the payments themselves.
        let pieces = [
            "",
            "1",
            "12",
            "2",
            "2:3",
            ":3",
            ":",
            "1:",
            "#refunds",
            "a#refunds:1",
        ];
        let mut seen: HashMap<String, (&str, &str)> = HashMap::new();
        for order in pieces {
            for refund_no in pieces {
                let key = refund_key(&outcome(order, refund_no)).as_str().to_owned();
                if let Some(before) = seen.insert(key.clone(), (order, refund_no)) {
                    panic!("{key:?} for both {before:?} and {:?}", (order, refund_no));
                }
                for payment_order in pieces {
                    let payment = OrderKey::new("wechat-global", payment_order);
                    assert_ne!(payment.as_str(), key, "a refund key is an order's key");
                }
            }
        }
        assert_eq!(seen.len(), pieces.len() * pieces.len());
    }
}
