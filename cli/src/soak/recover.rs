//! After the payments settle, the merchant asks the gateway about every paid order whose
//! gateway signs its query answer, and applies the payment the answer carries through the
//! notifications' own once-only step (`paywire_axum::Notifications::recovery`), as it
//! would recover a payment whose notifications never got through. Every one was applied
//! by its notification already, through the same faults, so the recovery must find each
//! applied and write nothing again (the report's `applied_twice` counts the writes after
//! it).

use super::refunds::{lifecycle_of, Ordered, PaidOrder};
use crate::demo::Demo;
use paywire_axum::Recovered;
use paywire_providers::registry::Found;
use serde::Serialize;

/// What the recovery phase did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecoveryReport {
    /// Paid orders queried (at gateways that declare a query).
    pub queried: usize,
    /// Signed answers whose payment went through the once-only step and was found
    /// applied (or applied now).
    pub recovered: usize,
    /// Queries answered paid without a payment: the gateway does not sign the answer.
    pub unsigned: usize,
    /// Queries or recoveries that failed (no answer, not paid, refused, the ledger busy
    /// or down).
    pub failed: usize,
    /// The first ten failures' reasons.
    pub reasons: Vec<String>,
}

/// Queries every order of `paid` whose gateway declares a query, and recovers what the
/// signed answers carry through the merchant's first instance.
pub async fn recover_all(demo: &Demo, paid: &[PaidOrder]) -> RecoveryReport {
    let mut report = RecoveryReport::default();
    for order in paid {
        let Some(lifecycle) = lifecycle_of(order.gateway) else {
            continue;
        };
        let Some(credentials) = demo.credentials_of(order.gateway) else {
            continue;
        };
        let base_url = demo.sandbox.call_url(order.gateway);
        let ordered = Ordered::of(order, lifecycle);
        let step = ordered.step(&base_url, credentials, order.amount, None);
        report.queried += 1;
        let failure = match demo.step((lifecycle.query)(&step)).await {
            Ok(Found::Paid(Some(payment))) => match demo.merchant.recover(payment).await {
                Recovered::Applied => {
                    report.recovered += 1;
                    continue;
                }
                other => format!("{}: recovering: {other:?}", order.number),
            },
            Ok(Found::Paid(None)) => {
                report.unsigned += 1;
                continue;
            }
            Ok(other) => format!("{}: queried: {other:?}", order.number),
            Err(e) => format!("{}: query: {e}", order.number),
        };
        report.failed += 1;
        if report.reasons.len() < 10 {
            report.reasons.push(failure);
        }
    }
    report
}
