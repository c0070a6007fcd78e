//! The demo's steps after the order, for each gateway that declares them: the paid
//! order's notification sent again (copies at once, none written again), the order
//! queried (paid), part of it refunded, its refunds queried, the rest refunded, the
//! refunds' notifications received (where the gateway sends them), a further refund
//! refused (by the merchant's ledger, which never sends it, and by the
//! gateway, which is sent it anyway to show it refuses too), and a second order placed
//! and closed unpaid.

use super::{Demo, Gateway};
use paywire::ledger::{OrderKey, Refund, RefundClaim};
use paywire::Fen;
use paywire_axum::Recovered;
use paywire_providers::registry::{Found, Step, Stepping};
use paywire_providers::GATEWAYS;
use paywire_sandbox::lifecycle::RefundStatus;
use std::time::Duration;

/// How many copies of a paid order's notification the sandbox sends again at once.
const COPIES_AGAIN: u32 = 3;

/// How many placed orders the demo remembers for the steps after them.
const REMEMBERED: usize = 64;

/// A placed order, as the steps after it need it.
pub(super) struct Remembered {
    gateway: Gateway,
    number: String,
    gateway_order: Option<String>,
    amount: Fen,
    currency: Option<String>,
}

impl Demo {
    /// Remembers a placed order's amount and the gateway's id of it.
    pub(super) fn remember(
        &self,
        gateway: Gateway,
        number: &str,
        gateway_order: Option<String>,
        amount: Fen,
        currency: Option<String>,
    ) {
        let mut placed = self.placed.lock().unwrap_or_else(|p| p.into_inner());
        if placed.len() >= REMEMBERED {
            placed.remove(0);
        }
        placed.push(Remembered {
            gateway,
            number: number.to_owned(),
            gateway_order,
            amount,
            currency,
        });
    }

    fn remembered(
        &self,
        gateway: Gateway,
        number: &str,
    ) -> Option<(Option<String>, Fen, Option<String>)> {
        let placed = self.placed.lock().unwrap_or_else(|p| p.into_inner());
        placed
            .iter()
            .rev()
            .find(|r| r.gateway == gateway && r.number == number)
            .map(|r| (r.gateway_order.clone(), r.amount, r.currency.clone()))
    }

    /// The merchant's credentials at `gateway`.
    pub(crate) fn credentials_of(
        &self,
        gateway: Gateway,
    ) -> Option<&paywire_providers::registry::Credentials> {
        self.credentials
            .iter()
            .find(|(g, _)| *g == gateway)
            .map(|(_, c)| c)
    }

    /// Sends `request` (traced) and returns the answer as the registry's readers take it.
    pub(crate) async fn exchange_raw(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, String> {
        let reply = self.exchange(None, request).await?;
        let mut answer = http::Response::new(reply.body);
        *answer.status_mut() =
            http::StatusCode::from_u16(reply.status).map_err(|e| e.to_string())?;
        *answer.headers_mut() = reply.headers;
        Ok(answer)
    }

    /// Sends a step and reads what its answer says.
    pub(crate) async fn step(&self, stepping: Result<Stepping, String>) -> Result<Found, String> {
        let Stepping { request, read } = stepping?;
        read(&self.exchange_raw(request).await?)
    }

    /// Has the sandbox send the notification of the paid order `number` again,
    /// [`COPIES_AGAIN`] at once, and waits until the merchant acknowledged every copy:
    /// the copies, or `None` where the gateway sends no notification.
    async fn notified_again(&self, gateway: Gateway, number: &str) -> Result<Option<u32>, String> {
        let Some(order) = self.sandbox.orders_numbered(number, Some(gateway)).pop() else {
            return Err(format!("the sandbox holds no order {number}"));
        };
        if order.notify_url.is_none() {
            return Ok(None);
        }
        let acknowledged =
            |o: &paywire_sandbox::Order| o.deliveries.iter().filter(|d| d.acknowledged).count();
        let before = acknowledged(&order);
        let twice_before = self.merchant.applied_twice();
        self.sandbox
            .notify_again(&order.id, COPIES_AGAIN)
            .map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + self.notify_timeout;
        loop {
            let now = self.sandbox.orders_numbered(number, Some(gateway)).pop();
            let copies = now
                .as_ref()
                .map_or(0, |o| acknowledged(o).saturating_sub(before));
            if copies >= COPIES_AGAIN as usize {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(format!(
                    "{copies} of the {COPIES_AGAIN} copies sent again acknowledged after {} s",
                    self.notify_timeout.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if self.merchant.applied_twice() > twice_before {
            return Err("a notification sent again was applied twice".into());
        }
        Ok(Some(COPIES_AGAIN))
    }

    /// The steps after the paid order `number`; `None` where the gateway declares none.
    pub async fn after_the_order(
        &self,
        gateway: Gateway,
        number: &str,
    ) -> Option<Result<String, String>> {
        let lifecycle = GATEWAYS.gateway(gateway.name())?.lifecycle.as_ref()?;
        Some(self.run_steps(gateway, number, lifecycle).await)
    }

    async fn run_steps(
        &self,
        gateway: Gateway,
        number: &str,
        lifecycle: &paywire_providers::registry::Lifecycle,
    ) -> Result<String, String> {
        let credentials = self
            .credentials_of(gateway)
            .ok_or_else(|| format!("no credentials for {}", gateway.name()))?;
        let (gateway_order, paid, currency) = self
            .remembered(gateway, number)
            .ok_or_else(|| format!("order {number} was not placed by the demo"))?;
        let base_url = self.sandbox.call_url(gateway);
        let notify_url = self.merchant.notify_url(gateway);
        let step = Step {
            base_url: &base_url,
            order_number: number,
            gateway_order: gateway_order.as_deref(),
            credentials,
            paid,
            currency: currency.as_deref(),
            notify_url: lifecycle.refund_notification.then_some(notify_url.as_str()),
        };
        let mut done = Vec::new();

        // As gateways do, the sandbox sends the acknowledged notification again, several
        // copies at once: each is acknowledged, none written again.
        if let Some(copies) = self.notified_again(gateway, number).await? {
            done.push(format!(
                "notified again ({copies} copies at once): not written again"
            ));
        }

        match self.step((lifecycle.query)(&step)).await? {
            Found::Paid(None) => done.push("query: paid".to_owned()),
            // A signed answer's payment, applied through the notifications' step as a
            // merchant recovers one whose notifications never got through: its
            // notification applied it already, so nothing is written twice.
            Found::Paid(Some(payment)) => {
                match self.merchant.recover(payment).await {
                    Recovered::Applied => {}
                    other => return Err(format!("recovering the queried payment: {other:?}")),
                }
                if self.merchant.applied_twice() > 0 {
                    return Err("the queried payment was applied twice".into());
                }
                done.push("query: paid (its signed payment recovered: written once)".to_owned());
            }
            other => return Err(format!("query of the paid order: {other:?}")),
        }

        // Part, then the rest; a 1-fen order is refunded whole in the first part. Where
        // the sandbox holds refunds in progress, the demo ends them: the first done, the
        // rest closed by the gateway (taken back from the books), then made again, done.
        let held = self.sandbox.config().hold_refunds && lifecycle.refund_notification;
        let part = Fen::new(paid.get().div_ceil(2));
        let rest = Fen::new(paid.get() - part.get());
        self.refund_once(gateway, &step, lifecycle, "R1", part, Duration::ZERO)
            .await?;
        if held {
            self.end_refund(gateway, &format!("{number}-R1"), RefundStatus::Success)?;
        }
        done.push(format!("refunded {} of {}", part.get(), paid.get()));
        if let Some(refunds) = lifecycle.refunds {
            match self.step(refunds(&step)).await? {
                Found::Refunded(total) if total == part => {
                    done.push(format!("refund query: {} refunded", total.get()))
                }
                other => return Err(format!("refund query after the first refund: {other:?}")),
            }
        }
        let mut made = vec![format!("{number}-R1")];
        if rest.get() > 0 && held {
            self.refund_once(gateway, &step, lifecycle, "R2", rest, Duration::ZERO)
                .await?;
            self.end_refund(gateway, &format!("{number}-R2"), RefundStatus::Closed)?;
            // The closing notification frees the room in the books: until then the same
            // amount does not fit.
            self.refund_once(gateway, &step, lifecycle, "R2B", rest, self.notify_timeout)
                .await?;
            self.end_refund(gateway, &format!("{number}-R2B"), RefundStatus::Success)?;
            done.push(format!(
                "then the other {}, closed by the gateway and taken back from the books, then made again",
                rest.get()
            ));
            made.push(format!("{number}-R2B"));
        } else if rest.get() > 0 {
            self.refund_once(gateway, &step, lifecycle, "R2", rest, Duration::ZERO)
                .await?;
            done.push(format!("then the other {}", rest.get()));
            made.push(format!("{number}-R2"));
        }
        if lifecycle.refund_notification {
            self.refunds_notified(gateway, &made).await?;
            done.push(format!(
                "refund notifications: {} received, each written once",
                made.len()
            ));
        }

        // Nothing is left: the ledger never sends a further refund; sent anyway, the
        // gateway refuses it too.
        let further = Refund {
            order: OrderKey::new(gateway.name(), number),
            refund_no: format!("{number}-R3"),
            amount: Fen::new(1),
            paid,
        };
        match self
            .refunds
            .claim_refund(&further)
            .map_err(|e| e.to_string())?
        {
            RefundClaim::AbovePaid { .. } => {}
            other => {
                return Err(format!(
                    "a refund past the paid amount: the ledger said {other:?}"
                ))
            }
        }
        match self
            .step((lifecycle.refund)(
                &step,
                &further.refund_no,
                further.amount,
            ))
            .await?
        {
            Found::Refused(_) => done.push("a further refund refused (ledger and gateway)".into()),
            other => {
                return Err(format!(
                    "a refund past the paid amount: the gateway said {other:?}"
                ))
            }
        }

        if let Some(close) = lifecycle.close {
            let second = self.order_number();
            self.place(gateway, &second).await?;
            let step = Step {
                order_number: &second,
                ..step
            };
            match self.step(close(&step)).await? {
                Found::Accepted => {}
                other => return Err(format!("close of an unpaid order: {other:?}")),
            }
            match self.step((lifecycle.query)(&step)).await? {
                Found::Closed => done.push("an unpaid order closed".into()),
                other => return Err(format!("query of the closed order: {other:?}")),
            }
        }
        Ok(done.join("; "))
    }

    /// Waits for the merchant to have written the success of each refund in `made`,
    /// which the gateway notifies; an error if one is missing after the notification
    /// timeout or was written more than once.
    async fn refunds_notified(&self, gateway: Gateway, made: &[String]) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + self.notify_timeout;
        for refund_no in made {
            loop {
                let written = self.merchant.refunds_written().await?;
                match written
                    .get(&(gateway, refund_no.clone()))
                    .copied()
                    .unwrap_or(0)
                {
                    0 if tokio::time::Instant::now() < deadline => {
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                    1 => break,
                    n => {
                        return Err(format!(
                            "refund {refund_no}'s notification written {n} times"
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    /// One refund through the ledger: reserved against what was paid (asked again while
    /// it does not fit, for up to `wait`: a closed refund's notification takes its amount
    /// back), sent, committed once accepted, released when refused.
    async fn refund_once(
        &self,
        gateway: Gateway,
        step: &Step<'_>,
        lifecycle: &paywire_providers::registry::Lifecycle,
        suffix: &str,
        amount: Fen,
        wait: Duration,
    ) -> Result<(), String> {
        let refund = Refund {
            order: OrderKey::new(gateway.name(), step.order_number),
            refund_no: format!("{}-{suffix}", step.order_number),
            amount,
            paid: step.paid,
        };
        let deadline = tokio::time::Instant::now() + wait;
        let held = loop {
            match self.refunds.claim_refund(&refund) {
                Ok(RefundClaim::Fresh(held)) => break held,
                Ok(RefundClaim::AbovePaid { .. }) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(other) => {
                    return Err(format!(
                        "refund {}: the ledger did not reserve it ({other:?})",
                        refund.refund_no
                    ))
                }
                Err(e) => return Err(e.to_string()),
            }
        };
        match self
            .step((lifecycle.refund)(step, &refund.refund_no, amount))
            .await
        {
            Ok(Found::Accepted) => held.commit().map_err(|e| e.to_string()),
            Ok(other) => {
                held.release().map_err(|e| e.to_string())?;
                Err(format!("refund {}: {other:?}", refund.refund_no))
            }
            // No answer: it may have been made; the reservation stays until its lease ends.
            Err(e) => {
                held.abandon();
                Err(format!("refund {}: {e}", refund.refund_no))
            }
        }
    }

    /// Ends refund `refund_no` the sandbox holds in progress, as the gateway would.
    fn end_refund(
        &self,
        gateway: Gateway,
        refund_no: &str,
        end: RefundStatus,
    ) -> Result<(), String> {
        self.sandbox
            .end_refund(gateway, refund_no, end)
            .map(drop)
            .map_err(|e| e.to_string())
    }
}
