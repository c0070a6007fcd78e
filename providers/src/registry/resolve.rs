//! The resolve step: when a request got no answer, the gateway may or may not have acted
//! on it. Sending it again blind could pay or refund twice at a gateway that does not
//! deduplicate, and giving up could lose a payment; instead the order (or the refund) is
//! queried, and the query's verified answer says what happened.

use super::{Answer, SignFailure, SignOptions, VerifyOptions};

/// What the query found about a request whose answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The order is placed and paid.
    Paid,
    /// The order is placed and not paid: send the order again under the same number
    /// (the gateway answers the same order) to get its payment link.
    NotPaid,
    /// The order is closed.
    Closed,
    /// The refund is done.
    Refunded,
    /// The refund is accepted and not done yet: query it again later; never send it
    /// under a new refund number.
    RefundPending,
    /// The gateway knows no such order or refund: the request did not arrive, so it can
    /// be sent again, under the same order or refund number.
    NotFound,
    /// The query could not tell (no answer to it either, or one that did not verify).
    Unknown(String),
}

impl Resolution {
    /// One word for reports: `paid`, `not_paid`, `closed`, `refunded`,
    /// `refund_pending`, `not_found`, `unknown`.
    pub fn word(&self) -> &'static str {
        match self {
            Resolution::Paid => "paid",
            Resolution::NotPaid => "not_paid",
            Resolution::Closed => "closed",
            Resolution::Refunded => "refunded",
            Resolution::RefundPending => "refund_pending",
            Resolution::NotFound => "not_found",
            Resolution::Unknown(_) => "unknown",
        }
    }

    /// What to do next, for people.
    pub fn advice(&self) -> String {
        match self {
            Resolution::Paid => "the gateway says the order is paid: if no notification of it was applied, apply the payment of its signed query answer once, through the same step as the notifications (paywire-axum's Notifications::recovery: the same checks, the same ledger); where the query answer is unsigned, wait for the signed notification".into(),
            Resolution::NotPaid => "the order is placed and not paid: send it again under the same order number for its payment link".into(),
            Resolution::Closed => "the order is closed".into(),
            Resolution::Refunded => "the refund is done: record it once; do not send it again".into(),
            Resolution::RefundPending => "the refund is accepted and in progress: query it later; never send it under a new refund number".into(),
            Resolution::NotFound => "the gateway has no such order or refund: the request did not arrive; send it again under the same number".into(),
            Resolution::Unknown(why) => format!("still unknown ({why}): query again before sending anything"),
        }
    }
}

/// Reads the query's answer into a resolution.
pub type ReadResolution = Box<dyn FnOnce(&Answer, &VerifyOptions) -> Resolution + Send>;

/// The query that resolves a lost answer, and how its answer is read.
pub struct ResolveQuery {
    /// The query, as sent.
    pub request: http::Request<Vec<u8>>,
    /// Reads its answer.
    pub read: ReadResolution,
}

/// Builds the query for an endpoint's input (the endpoint's name, the base URL, the
/// input, the options): the same order or refund, named as the input names it.
pub type Resolve = fn(&'static str, &str, &[u8], &SignOptions) -> Result<ResolveQuery, SignFailure>;
