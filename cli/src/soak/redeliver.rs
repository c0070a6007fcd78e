//! After the payments settle, the gateway sends every paid order's notification again,
//! several copies at once, as gateways do, through the same merchant faults. Every
//! payment was applied already, so each copy must be verified, found applied and
//! acknowledged, and nothing written again (the report's `applied_twice` counts the
//! writes after it).

use crate::demo::Demo;
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::redeliver::NotifyAgainError;
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

/// How many copies of each notification are sent again at once.
pub const COPIES: u32 = 3;

/// What the phase sent and what the merchant answered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RedeliveryReport {
    /// Paid orders whose notification was sent again.
    pub orders: usize,
    /// Copies sent, three an order, at once.
    pub copies: usize,
    /// Copies the merchant acknowledged (each after at most the retries of a first
    /// delivery).
    pub acknowledged: usize,
    /// Copies never acknowledged while the sandbox kept trying: an authentic notification
    /// of a payment applied before, refused.
    pub unacknowledged: usize,
    /// Orders the sandbox would not notify again, with the first reasons.
    pub refused: Vec<String>,
}

/// Sends every paid order's notification again, [`COPIES`] at once, and waits until the
/// merchant acknowledged them all or the sandbox's retries of them are over.
pub async fn redeliver_all(demo: &Demo, retry: RetryConfig) -> RedeliveryReport {
    let mut report = RedeliveryReport::default();
    let mut before: HashMap<String, usize> = HashMap::new();
    for order in demo.sandbox.orders() {
        if !order.paid || order.notify_url.is_none() {
            continue;
        }
        let asked = when_room(
            || demo.sandbox.notify_again(&order.id, COPIES),
            retries_span(retry),
        );
        match asked.await {
            Ok(_) => {
                report.orders += 1;
                report.copies += COPIES as usize;
                before.insert(order.id.clone(), acknowledged(&order));
            }
            Err(e) if report.refused.len() < 10 => report.refused.push(e.to_string()),
            Err(_) => {}
        }
    }
    let deadline = tokio::time::Instant::now() + retries_span(retry);
    loop {
        let orders = demo.sandbox.orders();
        let acknowledged_now: usize = orders
            .iter()
            .filter_map(|o| {
                Some(
                    acknowledged(o)
                        .saturating_sub(*before.get(&o.id)?)
                        .min(COPIES as usize),
                )
            })
            .sum();
        report.acknowledged = acknowledged_now;
        if acknowledged_now == report.copies || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    report.unacknowledged = report.copies - report.acknowledged;
    report
}

/// What `ask` answers, asked again while the sandbox refuses because too many deliveries
/// are waiting (it takes more once the merchant has acknowledged some), for at most
/// `patience`: many orders' copies are more than it queues at once.
pub(super) async fn when_room<T>(
    mut ask: impl FnMut() -> Result<T, NotifyAgainError>,
    patience: Duration,
) -> Result<T, NotifyAgainError> {
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match ask() {
            Err(NotifyAgainError::TooManyWaiting { .. })
                if tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            answered => return answered,
        }
    }
}

/// The order's acknowledged deliveries.
fn acknowledged(order: &paywire_sandbox::Order) -> usize {
    order.deliveries.iter().filter(|d| d.acknowledged).count()
}

/// How long the sandbox keeps trying one notification: every attempt's timeout and
/// every delay after one, plus a margin for the pool's queue.
fn retries_span(retry: RetryConfig) -> Duration {
    let delays: Duration = (1..retry.max_attempts).map(|a| retry.delay_after(a)).sum();
    let attempts = Duration::from_millis(retry.timeout_ms) * retry.max_attempts;
    delays + attempts + Duration::from_secs(30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn copies_refused_for_want_of_room_are_asked_for_again_until_there_is_some() {
        let mut refusals = 2;
        let asked = when_room(
            || {
                if refusals == 0 {
                    return Ok("sent");
                }
                refusals -= 1;
                Err(NotifyAgainError::TooManyWaiting { waiting: 10_000 })
            },
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(asked, Ok("sent"));
        assert_eq!(refusals, 0);
    }

    #[tokio::test]
    async fn past_its_patience_or_for_another_reason_the_refusal_stands() {
        let full =
            || -> Result<(), _> { Err(NotifyAgainError::TooManyWaiting { waiting: 10_000 }) };
        let asked = when_room(full, Duration::ZERO).await;
        assert_eq!(
            asked,
            Err(NotifyAgainError::TooManyWaiting { waiting: 10_000 })
        );
        let mut asks = 0;
        let unpaid = when_room(
            || -> Result<(), _> {
                asks += 1;
                Err(NotifyAgainError::NotPaid("X".into()))
            },
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(
            (unpaid, asks),
            (Err(NotifyAgainError::NotPaid("X".into())), 1)
        );
    }
}
