//! Applying a payment the merchant found itself, by the gateway's signed query answer,
//! through the same once-only step as the notifications: for an order whose notifications
//! never arrived (the merchant was down, or unreachable, through every retry the gateway
//! makes), which would otherwise stay paid at the gateway and unpaid in the books.

use crate::apply::{Applier, Outcome};
use crate::finishing::to_the_end;
use paywire::ledger::Payment;
use std::sync::Arc;

/// What applying a payment found by the merchant's own query came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recovered {
    /// Applied now, or before (by a notification or an earlier call): nothing more to do.
    Applied,
    /// Never to be applied: an unknown order, or a payment that does not match it
    /// (amount, currency, gateway order), with paywire's reason.
    Refused(String),
    /// The merchant's write failed or panicked (logged): call again.
    NotApplied,
    /// A notification or another instance is applying it now: call again later.
    Busy,
    /// The ledger could not answer: call again later.
    Unavailable,
}

/// Applies payments the merchant found itself through the applier of a
/// [`crate::Notifications`] ([`crate::Notifications::recovery`]): the same check against
/// the merchant's order, the same ledger or transaction, the same write. A payment applied
/// by a notification is not applied again here, nor one applied here by a notification
/// that arrives late. Build the payment only from an answer the gateway signed and
/// paywire verified (`swiftpass::TradeQueryAnswer::payment`,
/// `wechat_global::Transaction::payment` from `read_query_answer`): XorPay's and
/// weidoufu's queries are unsigned and name no amount, so their payments come only from
/// their notifications.
pub struct Recovery<A> {
    applier: Arc<A>,
}

impl<A> Clone for Recovery<A> {
    fn clone(&self) -> Self {
        Recovery {
            applier: self.applier.clone(),
        }
    }
}

impl<A: Applier> Recovery<A> {
    pub(crate) fn new(applier: Arc<A>) -> Self {
        Recovery { applier }
    }

    /// Checks `payment` against the merchant's order and applies it at most once. Runs
    /// to the end even if the caller stops waiting, as a delivery does.
    pub async fn apply(&self, payment: Payment) -> Recovered {
        let subject = payment.key.to_string();
        let applier = self.applier.clone();
        let outcome = to_the_end(
            async move { applier.apply_once(payment).await },
            "payment",
            &subject,
        )
        .await;
        match outcome {
            Outcome::Applied => Recovered::Applied,
            Outcome::Refused(reason) => Recovered::Refused(reason),
            Outcome::NotApplied => Recovered::NotApplied,
            Outcome::Busy => Recovered::Busy,
            Outcome::Unavailable => Recovered::Unavailable,
        }
    }
}
