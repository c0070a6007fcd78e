//! The refund notifications of a soak: every refund the gateway made at a gateway that
//! notifies a refund's end must have its success written by the merchant once
//! (`Shop::refunded`, claimed in the same ledger as payments; `SqlShop::refunded`, in
//! the transaction that marks it succeeded), whatever faults its deliveries met; and
//! once more after the gateway sent every refund's end again, copies at once.

use super::{PaidOrder, RefundReport};
use crate::demo::Demo;
use paywire_sandbox::Gateway;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// How long the last refund notifications may take to be written: their deliveries'
/// retries, and a claim left by a failed write running out its lease.
const SETTLE: Duration = Duration::from_secs(120);

/// Waits until every refund done at a notifying gateway of `paid` is written (or
/// [`SETTLE`] passed), then counts them into `report`, and the `closed` ones written; the
/// writes of every refund, by gateway and refund number, as last read.
pub(super) async fn count(
    demo: &Demo,
    paid: &[PaidOrder],
    closed: &HashSet<(Gateway, String)>,
    report: &mut RefundReport,
) -> HashMap<(Gateway, String), u32> {
    let made: Vec<(Gateway, String)> = super::ends::held_orders(demo, paid)
        .into_iter()
        .flat_map(|order| {
            order
                .refunds
                .into_iter()
                .map(move |r| (order.gateway, r.out_refund_no))
        })
        .filter(|refund| !closed.contains(refund))
        .collect();
    let deadline = tokio::time::Instant::now() + SETTLE;
    let written = loop {
        // The shop's database may be restarting: read again until the deadline.
        let read = demo.merchant.refunds_written().await;
        let settled = read
            .as_ref()
            .is_ok_and(|written| made.iter().all(|r| written.get(r).is_some_and(|n| *n > 0)));
        if settled || tokio::time::Instant::now() >= deadline {
            break read.unwrap_or_default();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    report.notified = made.len();
    report.notices_missing = 0;
    report.notices_twice = 0;
    report.closed = closed.len();
    report.closed_written = closed
        .iter()
        .filter(|refund| written.get(*refund).is_some_and(|n| *n > 0))
        .count();
    for refund in &made {
        match written.get(refund).copied().unwrap_or(0) {
            0 => report.notices_missing += 1,
            1 => {}
            _ => report.notices_twice += 1,
        }
    }
    written
}

/// How many copies of each refund's end the gateway sends again at once.
const COPIES: u32 = 3;

/// Has the gateway send the notification of every refund it ended on `paid`'s orders
/// (done or closed) again, [`COPIES`] at once, and waits until every copy is acknowledged
/// (or [`SETTLE`] passed): the copies sent and those never acknowledged go into `report`.
pub(super) async fn send_again(demo: &Demo, paid: &[PaidOrder], report: &mut RefundReport) {
    let acknowledged = |orders: &[paywire_sandbox::Order]| -> usize {
        orders
            .iter()
            .flat_map(|o| &o.deliveries)
            .filter(|d| d.acknowledged)
            .count()
    };
    let orders = super::ends::held_orders(demo, paid);
    let before = acknowledged(&orders);
    let mut sent = 0;
    for order in &orders {
        for refund in &order.refunds {
            let again = crate::soak::redeliver::when_room(
                || {
                    demo.sandbox
                        .notify_refund_again(order.gateway, &refund.out_refund_no, COPIES)
                },
                SETTLE,
            );
            if again.await.is_ok() {
                sent += COPIES as usize;
            }
        }
    }
    let deadline = tokio::time::Instant::now() + SETTLE;
    let mut acknowledged_again = 0;
    while tokio::time::Instant::now() < deadline {
        acknowledged_again =
            acknowledged(&super::ends::held_orders(demo, paid)).saturating_sub(before);
        if acknowledged_again >= sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    report.notices_sent_again = sent;
    report.notices_again_unacknowledged = sent.saturating_sub(acknowledged_again);
}
