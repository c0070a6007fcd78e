//! A gateway's steps after the order, for the demo: query, refund, refund query, close.
//! Each builds a signed request from the merchant's order and credentials, and reads the
//! gateway's answer into what it found. The merchant's ledger, not these steps, decides
//! whether a refund is sent.

use super::options::Credentials;
use super::Answer;
use paywire::ledger::Payment;
use paywire::Fen;

/// The order a step is about.
pub struct Step<'a> {
    /// The gateway's base URL (SwiftPass: its whole gateway URL).
    pub base_url: &'a str,
    /// The merchant's order number.
    pub order_number: &'a str,
    /// The gateway's id of the order, where its requests need it (XorPay's `aoid`).
    pub gateway_order: Option<&'a str>,
    /// The merchant's credentials at the gateway.
    pub credentials: &'a Credentials,
    /// What the order was placed (and paid) for.
    pub paid: Fen,
    /// Its currency, where the gateway has one (WeChat Pay Global's refunds name it).
    pub currency: Option<&'a str>,
    /// Where a gateway that notifies a refund's end sends the notification (the
    /// refund's `notify_url`); `None` for none.
    pub notify_url: Option<&'a str>,
}

/// What the gateway's answer to a step says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The order is paid (some of it may be refunded); with its payment where the
    /// gateway signed the answer: apply that once, through
    /// the notifications' own step (`paywire_axum::Notifications::recovery`), if no
    /// notification of it was applied. `None` where the answer is unsigned.
    Paid(Option<Payment>),
    /// The order is not paid.
    NotPaid,
    /// The order is closed.
    Closed,
    /// The request was accepted (a refund, a close).
    Accepted,
    /// The refunds of the order that are done add up to this.
    Refunded(Fen),
    /// The gateway refused the request, and why.
    Refused(String),
}

/// Reads a step's answer.
pub type ReadStep = Box<dyn FnOnce(&Answer) -> Result<Found, String> + Send>;

/// A step ready to send.
pub struct Stepping {
    /// The request.
    pub request: http::Request<Vec<u8>>,
    /// Reads its answer.
    pub read: ReadStep,
}

/// Builds a step's request for an order.
pub type BuildStep = fn(&Step<'_>) -> Result<Stepping, String>;

/// Builds a refund of `amount` under the merchant's refund number.
pub type BuildRefund = fn(&Step<'_>, &str, Fen) -> Result<Stepping, String>;

/// The steps a gateway offers after the order.
pub struct Lifecycle {
    /// The order's state.
    pub query: BuildStep,
    /// A refund of part or all of a paid order.
    pub refund: BuildRefund,
    /// What the order's refunds add up to; `None` where the gateway has no refund query.
    pub refunds: Option<BuildStep>,
    /// Closes an unpaid order; `None` where the gateway has no close.
    pub close: Option<BuildStep>,
    /// Whether the gateway keys refunds on the merchant's refund number, so a refund sent
    /// again under its number (after a lost answer) is answered as before, never made
    /// twice. Where it is `false` (XorPay) a refund without an answer must not be sent
    /// again: it stays reserved in the merchant's books until someone checks it.
    pub refund_numbered: bool,
    /// Whether the gateway notifies a refund's end to the refund's `notify_url`
    /// ([`Step::notify_url`]), as it notifies a payment.
    pub refund_notification: bool,
}
