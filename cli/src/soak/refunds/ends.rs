//! The end of the refunds the soak's gateway held in progress (the sandbox holds those of
//! the gateways that notify a refund's end): every third closed (no money went back; its
//! room is free again at the gateway and, once the merchant took its notification, in the
//! merchant's books), the others done. Then the books must agree with the gateway: the
//! shop's SQL database and a refund ledger apart from it both hold exactly the refunds
//! the gateway did not close (a reservation whose lease ran out still counts until the
//! gateway's success or close settles it).

use super::{lifecycle_of, PaidOrder, RefundBooks, RefundReport};
use crate::demo::Demo;
use paywire_sandbox::lifecycle::RefundStatus;
use paywire_sandbox::Gateway;
use std::collections::HashSet;
use std::time::Duration;

/// How long the books may take to agree: the closing notifications' retries, and the
/// reservations a separate ledger holds for their lease first.
const SETTLE: Duration = Duration::from_secs(120);

/// Ends every refund held in progress at the gateways of `paid`, closing every third;
/// the refunds closed, by gateway and refund number.
pub(super) fn end_all(demo: &Demo, paid: &[PaidOrder]) -> HashSet<(Gateway, String)> {
    let mut closed = HashSet::new();
    let mut ended = 0usize;
    for order in held_orders(demo, paid) {
        for refund in &order.refunds {
            if refund.status != RefundStatus::Processing {
                continue;
            }
            ended += 1;
            let end = if ended.is_multiple_of(3) {
                RefundStatus::Closed
            } else {
                RefundStatus::Success
            };
            let done = demo
                .sandbox
                .end_refund(order.gateway, &refund.out_refund_no, end);
            if done.is_ok() && end == RefundStatus::Closed {
                closed.insert((order.gateway, refund.out_refund_no.clone()));
            }
        }
    }
    closed
}

/// Waits until the books agree with the gateway on every order of a gateway that
/// notifies a refund's end (or [`SETTLE`] passed); the orders on which they do not go
/// into `report.books_disagree`.
pub(super) async fn agree(
    demo: &Demo,
    books: &RefundBooks,
    paid: &[PaidOrder],
    report: &mut RefundReport,
) {
    let deadline = tokio::time::Instant::now() + SETTLE;
    loop {
        let mut disagree = 0;
        for order in held_orders(demo, paid) {
            let at_gateway: u64 = order
                .refunds
                .iter()
                .filter(|r| r.status != RefundStatus::Closed)
                .map(|r| r.amount_fen)
                .sum();
            let in_books = books
                .refunded((order.gateway.name(), &order.out_trade_no))
                .await;
            if in_books != Some(at_gateway) {
                disagree += 1;
            }
        }
        if disagree == 0 || tokio::time::Instant::now() >= deadline {
            report.books_disagree = disagree;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The gateway's record of every order of `paid` at a gateway that notifies a refund's
/// end.
pub(super) fn held_orders(demo: &Demo, paid: &[PaidOrder]) -> Vec<paywire_sandbox::Order> {
    paid.iter()
        .filter(|o| lifecycle_of(o.gateway).is_some_and(|l| l.refund_notification))
        .filter_map(|o| {
            demo.sandbox
                .orders_numbered(&o.number, Some(o.gateway))
                .into_iter()
                .next()
        })
        .collect()
}
