//! A gateway's notifications as a merchant's endpoint receives them: verified with the
//! keys given once, the payment or refund they report, and the acknowledgement the
//! gateway expects.

use paywire::ledger::{Payment, RefundOutcome};
use paywire::VerifyError;

/// What an authentic notification reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A successful payment of an order.
    Payment(Payment),
    /// How a refund ended (WeChat Pay Global's `REFUND.*` events).
    Refund(RefundOutcome),
    /// Nothing to apply: a payment that failed, an event paywire does not read.
    Nothing,
}

impl From<Option<Payment>> for Notice {
    fn from(payment: Option<Payment>) -> Notice {
        payment.map_or(Notice::Nothing, Notice::Payment)
    }
}

/// Verifies one delivery (its headers, its raw body, the time now in Unix seconds):
/// what it reports.
pub type VerifyNotification =
    dyn Fn(&http::HeaderMap, &[u8], i64) -> Result<Notice, VerifyError> + Send + Sync;

/// The receiving end of one gateway's notifications, its keys loaded.
pub struct Receiver {
    gateway: &'static str,
    ack: &'static str,
    verify: Box<VerifyNotification>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("gateway", &self.gateway)
            .field("ack", &self.ack)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver for `gateway` (its registry id) answering `ack` with HTTP 200 to what
    /// it accepts, for a gateway whose notifications report payments only: `verify`
    /// gives the payment, `None` for an authentic notification that reports none.
    pub fn new(
        gateway: &'static str,
        ack: &'static str,
        verify: impl Fn(&http::HeaderMap, &[u8], i64) -> Result<Option<Payment>, VerifyError>
            + Send
            + Sync
            + 'static,
    ) -> Receiver {
        Receiver::of_notices(gateway, ack, move |headers, body, now| {
            verify(headers, body, now).map(Notice::from)
        })
    }

    /// A receiver for a gateway whose notifications report payments and refunds.
    pub fn of_notices(
        gateway: &'static str,
        ack: &'static str,
        verify: impl Fn(&http::HeaderMap, &[u8], i64) -> Result<Notice, VerifyError>
            + Send
            + Sync
            + 'static,
    ) -> Receiver {
        Receiver {
            gateway,
            ack,
            verify: Box::new(verify),
        }
    }

    /// The gateway's registry id, which is also the route (`/xorpay`) a merchant's
    /// router gives it.
    pub fn gateway(&self) -> &'static str {
        self.gateway
    }

    /// The body of the acknowledgement (with HTTP 200): `success`, `ok`, or empty.
    pub fn ack(&self) -> &'static str {
        self.ack
    }

    /// Verifies a delivery: what it reports.
    pub fn verify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Notice, VerifyError> {
        (self.verify)(headers, body, now)
    }
}
