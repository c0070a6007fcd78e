//! The refund notifications of a soak whose books are a refund ledger apart from the
//! shop's database: every refund the gateway made at a gateway that notifies a refund's
//! end must have its success written by the merchant once (`Shop::refunded`, claimed in
//! the same ledger as payments), whatever faults its deliveries met.

use super::{lifecycle_of, PaidOrder, RefundReport};
use crate::demo::Demo;
use paywire_sandbox::Gateway;
use std::time::Duration;

/// How long the last refund notifications may take to be written: their deliveries'
/// retries, and a claim left by a failed write running out its lease.
const SETTLE: Duration = Duration::from_secs(120);

/// Waits until every refund made at a notifying gateway of `paid` is written (or
/// [`SETTLE`] passed), then counts them into `report`.
pub(super) async fn count(demo: &Demo, paid: &[PaidOrder], report: &mut RefundReport) {
    let made: Vec<(Gateway, String)> = paid
        .iter()
        .filter(|o| lifecycle_of(o.gateway).is_some_and(|l| l.refund_notification))
        .filter_map(|o| {
            demo.sandbox
                .orders_numbered(&o.number, Some(o.gateway))
                .into_iter()
                .next()
        })
        .flat_map(|order| {
            order
                .refunds
                .into_iter()
                .map(move |r| (order.gateway, r.out_refund_no))
        })
        .collect();
    let written = |(gateway, refund_no): &(Gateway, String)| {
        demo.merchant.refund_written(*gateway, refund_no)
    };
    let deadline = tokio::time::Instant::now() + SETTLE;
    while made.iter().any(|r| written(r) == 0) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    report.notified = made.len();
    for refund in &made {
        match written(refund) {
            0 => report.notices_missing += 1,
            1 => {}
            _ => report.notices_twice += 1,
        }
    }
}
