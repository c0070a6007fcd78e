//! Applying a payment, or a refund's end, in the merchant's own SQL transaction: the
//! ledger's rows and the merchant's write commit or roll back together.

use super::{checked, conflict, unavailable, unsettled, Applier, Outcome};
use crate::Order;
use paywire::ledger::{Payment, RefundOutcome, RefundResult};
use paywire_sqlx::{Accepted, Applied, Backend, Refund, Refunded, Released};
use sqlx::{Pool, Transaction};
use std::future::Future;

/// The merchant's side, with the ledger in its own SQL database: its orders, and its
/// write inside the transaction that also records the payment.
pub trait SqlShop<DB: Backend>: Send + Sync + 'static {
    /// The order `payment` is for, or `None` if the merchant placed no such order.
    fn order(&self, payment: &Payment) -> impl Future<Output = Option<Order>> + Send;

    /// Writes the payment through `tx` (marks the order paid). The ledger's row is
    /// already in `tx`; both are committed after this returns `Ok`. An `Err` or a
    /// panic rolls both back, and the gateway's next delivery calls it again.
    fn apply(
        &self,
        tx: &mut Transaction<'static, DB>,
        payment: &Payment,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// Writes a refund's success through `tx` (marks the merchant's refund done),
    /// reported by the gateway's refund notification. The ledger has already marked
    /// the refund succeeded in `tx` ([`paywire_sqlx::complete_refund`], whether or
    /// not its acceptance was recorded from the gateway's answer; a refund the books
    /// never recorded, made by hand at the gateway, is recorded first with
    /// [`paywire_sqlx::refund_once`]), and both are committed after this returns
    /// `Ok`: called once per refund. An `Err` or a panic rolls both back, and the
    /// gateway's next delivery calls it again. Does nothing unless written. A refund
    /// the gateway closed is taken back from the books ([`paywire_sqlx::close_refund`])
    /// without calling it, unless its success was written before (then it is kept).
    fn refunded(
        &self,
        tx: &mut Transaction<'static, DB>,
        refund: &RefundOutcome,
    ) -> impl Future<Output = Result<(), String>> + Send {
        let _ = (tx, refund);
        async { Ok(()) }
    }
}

/// A shop shared with the rest of the merchant's program.
impl<S: SqlShop<DB>, DB: Backend> SqlShop<DB> for std::sync::Arc<S> {
    fn order(&self, payment: &Payment) -> impl Future<Output = Option<Order>> + Send {
        S::order(self, payment)
    }

    fn apply(
        &self,
        tx: &mut Transaction<'static, DB>,
        payment: &Payment,
    ) -> impl Future<Output = Result<(), String>> + Send {
        S::apply(self, tx, payment)
    }

    fn refunded(
        &self,
        tx: &mut Transaction<'static, DB>,
        refund: &RefundOutcome,
    ) -> impl Future<Output = Result<(), String>> + Send {
        S::refunded(self, tx, refund)
    }
}

/// A [`SqlShop`] and its database: begin, record, write, commit.
pub struct InTransaction<S, DB: Backend> {
    shop: S,
    pool: Pool<DB>,
}

impl<S, DB: Backend> InTransaction<S, DB> {
    pub(crate) fn new(shop: S, pool: Pool<DB>) -> Self {
        InTransaction { shop, pool }
    }
}

impl<S: SqlShop<DB>, DB: Backend> Applier for InTransaction<S, DB> {
    async fn apply_once(&self, payment: Payment) -> Outcome {
        let order = match checked(&payment, self.shop.order(&payment).await) {
            Ok(order) => order,
            Err(outcome) => return outcome,
        };
        let unavailable = |e: &dyn std::fmt::Display| {
            tracing::warn!(order = %payment.key, error = %e, "the database could not answer");
            Outcome::Unavailable
        };
        let mut tx = match paywire_sqlx::begin(&self.pool).await {
            Ok(tx) => tx,
            Err(e) => return unavailable(&e),
        };
        match paywire_sqlx::apply_once(&mut tx, &payment, &order.expected()).await {
            Ok(Applied::Fresh) => {}
            Ok(Applied::Done) => return Outcome::Applied,
            Ok(Applied::Mismatch(mismatch)) => return Outcome::Refused(mismatch.to_string()),
            Ok(Applied::Conflict(conflict)) => {
                tracing::error!(order = %payment.key, %conflict, "a second, different payment of an applied order");
                return Outcome::Refused(conflict.to_string());
            }
            Err(e) => return unavailable(&e),
        }
        if let Err(e) = self.shop.apply(&mut tx, &payment).await {
            tracing::warn!(order = %payment.key, error = %e, "the shop's write failed; rolled back, the gateway will deliver again");
            return Outcome::NotApplied; // `tx` dropped: rolled back
        }
        // A commit whose answer is lost may have landed: the next delivery finds it
        // done, or applies it if it did not.
        match tx.commit().await {
            Ok(()) => Outcome::Applied,
            Err(e) => unavailable(&e),
        }
    }

    async fn settle_refund(&self, refund: RefundOutcome) -> Outcome {
        match refund.result {
            RefundResult::Succeeded => {}
            RefundResult::Closed => return self.close(&refund).await,
            _ => return unsettled(&refund),
        }
        let unavailable = |e: &dyn std::fmt::Display| unavailable(&refund, e);
        let books = books(&refund);
        let mut tx = match paywire_sqlx::begin(&self.pool).await {
            Ok(tx) => tx,
            Err(e) => return unavailable(&e),
        };
        if let Err(outcome) = same_currency(&mut tx, &refund).await {
            return outcome;
        }
        let accepted = match paywire_sqlx::complete_refund(&mut tx, &books).await {
            Ok(Accepted::NotRecorded) => match record(&mut tx, &refund, &books).await {
                Ok(()) => paywire_sqlx::complete_refund(&mut tx, &books).await,
                Err(outcome) => return outcome,
            },
            accepted => accepted,
        };
        match accepted {
            Ok(Accepted::Marked) => {}
            Ok(Accepted::Before) => return Outcome::Applied,
            Ok(Accepted::Conflict) => return conflict(&refund),
            // Recorded a moment ago in this transaction, under the order's lock, so
            // never found missing; were it, the gateway delivers again.
            Ok(Accepted::NotRecorded) => return Outcome::Busy,
            Err(e) => return unavailable(&e),
        }
        if let Err(e) = self.shop.refunded(&mut tx, &refund).await {
            tracing::warn!(order = %refund.order, refund = %refund.refund_no, error = %e, "the shop's write failed; rolled back, the gateway will deliver again");
            return Outcome::NotApplied;
        }
        match tx.commit().await {
            Ok(()) => Outcome::Applied,
            Err(e) => unavailable(&e),
        }
    }
}

impl<S: SqlShop<DB>, DB: Backend> InTransaction<S, DB> {
    /// A refund the gateway closed (no money went back): taken back from the books,
    /// accepted or not, so its room can be refunded under a new number.
    async fn close(&self, refund: &RefundOutcome) -> Outcome {
        let mut tx = match paywire_sqlx::begin(&self.pool).await {
            Ok(tx) => tx,
            Err(e) => return unavailable(refund, &e),
        };
        if let Err(outcome) = same_currency(&mut tx, refund).await {
            return outcome;
        }
        match paywire_sqlx::close_refund(&mut tx, &books(refund)).await {
            Ok(Released::Released { paid, refunded }) => match tx.commit().await {
                Ok(()) => {
                    tracing::warn!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
                        %refunded, %paid, "the gateway closed a refund: taken back from the books");
                    Outcome::Applied
                }
                Err(e) => unavailable(refund, &e),
            },
            // Closed before, or never recorded: nothing to take back.
            Ok(Released::NotRecorded) => Outcome::Applied,
            // Its success is final at the gateway and the merchant wrote it: the
            // money went back, so the books keep it. Nothing to ask the gateway again.
            Ok(Released::Succeeded) => {
                tracing::error!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
                    "the gateway reports closed a refund it reported succeeded: the books keep it; settle it with the gateway");
                Outcome::Applied
            }
            // `close_refund` takes back accepted refunds too: never `Accepted`.
            Ok(Released::Conflict | Released::Accepted) => conflict(refund),
            Err(e) => unavailable(refund, &e),
        }
    }
}

/// Checks that `refund` is in the currency its order was paid in (where both name one):
/// the books compare amounts in one currency. `Err` is the outcome otherwise.
async fn same_currency<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    refund: &RefundOutcome,
) -> Result<(), Outcome> {
    let Some(currency) = &refund.currency else {
        return Ok(());
    };
    let (gateway, order) = (refund.order.gateway(), refund.order.order());
    match paywire_sqlx::paid(tx, gateway, order).await {
        Ok(Some(paywire_sqlx::Paid {
            currency: Some(paid),
            ..
        })) if &paid != currency => {
            tracing::error!(order = %refund.order, refund = %refund.refund_no, %currency, paid_in = %paid,
                "the gateway reports a refund in another currency than its payment");
            Err(Outcome::Refused(format!(
                "refund {} is in {currency}; its order was paid in {paid}",
                refund.refund_no
            )))
        }
        Ok(_) => Ok(()),
        Err(e) => Err(unavailable(refund, &e)),
    }
}

/// The refund as the books key it.
fn books(refund: &RefundOutcome) -> Refund<'_> {
    Refund {
        gateway: refund.order.gateway(),
        out_trade_no: refund.order.order(),
        out_refund_no: &refund.refund_no,
        amount: refund.amount,
    }
}

/// Records in `tx` a successful refund the books do not hold (made by hand at the
/// gateway, or by a program without them), so that they count it against what the
/// order was paid; `Err` is the outcome when it cannot be recorded.
async fn record<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    refund: &RefundOutcome,
    books: &Refund<'_>,
) -> Result<(), Outcome> {
    let refused = |why: String| {
        tracing::error!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount, %why,
            "the gateway reports a refund the books cannot record");
        Err(Outcome::Refused(why))
    };
    match paywire_sqlx::refund_once(tx, books).await {
        Ok(Refunded::Fresh { .. }) => {
            tracing::warn!(order = %refund.order, refund = %refund.refund_no, amount = %refund.amount,
                "recorded a refund the books did not hold: it was made without them");
            Ok(())
        }
        // The acceptance looked under the order's lock, which this transaction still
        // holds, so nobody recorded it since; were it, the gateway delivers again.
        Ok(Refunded::Done) => Err(Outcome::Busy),
        Ok(Refunded::AbovePaid {
            paid,
            refunded,
            requested,
        }) => refused(format!(
            "refund {} of {requested} fen is above what is left: {refunded} of {paid} fen refunded",
            refund.refund_no
        )),
        Ok(Refunded::NotPaid) => refused(format!(
            "no payment of order {} is recorded",
            refund.order.order()
        )),
        Ok(Refunded::Conflict) => Err(conflict(refund)),
        Err(e) => Err(unavailable(refund, &e)),
    }
}
