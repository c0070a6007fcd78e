//! A gateway's sample order, placed end to end: what the demo and the soak send to the
//! sandbox for each gateway, built from the gateway's own sample and the merchant's
//! credentials.

use super::options::Credentials;
use super::Answer;
use paywire::Fen;

/// Where and for whom a sample order is placed.
pub struct Place<'a> {
    /// The gateway's base URL.
    pub base_url: &'a str,
    /// Where the gateway sends its notification.
    pub notify_url: &'a str,
    /// The merchant's order number (letters and digits, 18 or more).
    pub order_number: &'a str,
    /// The merchant's credentials at the gateway.
    pub credentials: &'a Credentials,
    /// The time to sign with (Unix seconds).
    pub now: i64,
}

/// Reads the gateway's answer to a placed order.
pub type ReadPlaced = Box<dyn FnOnce(&Answer) -> Result<Answered, String> + Send>;

/// A sample order ready to send.
pub struct Placing {
    /// The request.
    pub request: http::Request<Vec<u8>>,
    /// Its sign string with the key starred, for a trace; `None` where the signature is
    /// not over a sign string of members.
    pub sign_string: Option<String>,
    /// The amount the order is placed for.
    pub amount: Fen,
    /// Its currency, where the gateway has one.
    pub currency: Option<String>,
    /// Reads the answer.
    pub read: ReadPlaced,
}

/// What the gateway's answer said, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// What was checked, in a few words (`signature verified, mweb_url received`).
    pub summary: String,
    /// The gateway's id for the order, where its notification must carry the same one
    /// (XorPay's `aoid`).
    pub gateway_order: Option<String>,
    /// The number the gateway tracks the order by when the request carried none of the
    /// merchant's (featapi: the `pr` of its `code_url`).
    pub tracked_as: Option<String>,
    /// A QR code's content for the payer, where the answer carries one.
    pub code_url: Option<String>,
}

impl Answered {
    /// An answer checked as `summary` says, carrying nothing else the merchant keeps.
    pub fn checked(summary: impl Into<String>) -> Answered {
        Answered {
            summary: summary.into(),
            gateway_order: None,
            tracked_as: None,
            code_url: None,
        }
    }
}
