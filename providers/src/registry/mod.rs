//! The gateway registry: what every shipped gateway offers, in one shape, so that the
//! command line, `paywire-axum`, the demo and the soak loop over [`crate::GATEWAYS`]
//! instead of naming gateways.
//!
//! A gateway fills one [`Gateway`] in its own folder from functions it already has:
//! its request endpoints (schema, `sign`, `build`), the messages it verifies, the
//! receiver of its notifications, and how its sample order is placed.

mod lifecycle;
mod options;
mod receive;
mod report;
mod resolve;
mod sample;

pub use lifecycle::{BuildRefund, BuildStep, Found, Lifecycle, ReadStep, Step, Stepping};
pub use options::{unix_now, Credentials, SignOptions, VerifyOptions};
pub use receive::{Notice, Receiver, VerifyNotification};
pub use report::{
    answer_json, built, decode, error_answer, fields_json, keyed_unsigned, need, outcome,
    read_unsigned, required, secret, signed, usage, with_key, KeyOption, KeyedRequest, Outcome,
    SignFailure,
};
pub use resolve::{ReadResolution, Resolution, Resolve, ResolveQuery};
pub use sample::{Answered, Place, Placing, ReadPlaced};

use paywire::schema::Schema;
use serde_json::Value;

/// An answer as the gateway sent it.
pub type Answer = http::Response<Vec<u8>>;

/// How the answer to a built request is read.
pub type ReadAnswer = Box<dyn FnOnce(&Answer, &VerifyOptions) -> Outcome + Send>;

/// A request ready to send, and how its answer is read (featapi reads it against the
/// order; the others verify it as their `*/response` message).
pub struct Built {
    /// The request, as sent.
    pub request: http::Request<Vec<u8>>,
    /// Reads the answer.
    pub read_answer: ReadAnswer,
}

impl Built {
    /// A request and the reader of its answer.
    pub fn new(
        request: http::Request<Vec<u8>>,
        read_answer: impl FnOnce(&Answer, &VerifyOptions) -> Outcome + Send + 'static,
    ) -> Self {
        Built {
            request,
            read_answer: Box::new(read_answer),
        }
    }
}

/// Signs a request given as JSON keyed by wire names (the endpoint's name, the input, the
/// options) into a report: the sign string with the key starred, the signature, the body.
pub type Sign = fn(&'static str, &[u8], &SignOptions) -> Result<Value, SignFailure>;

/// Builds the HTTP request for a JSON input (the endpoint's name, the base URL, the
/// input, the options).
pub type Build = fn(&'static str, &str, &[u8], &SignOptions) -> Result<Built, SignFailure>;

/// Places a gateway's sample order.
pub type PlaceSample = fn(&Place<'_>) -> Result<Placing, String>;

/// Builds a gateway's notification receiver from the merchant's credentials, or says
/// which one is missing.
pub type MakeReceiver = fn(&Credentials) -> Result<Receiver, String>;

/// One request endpoint.
pub struct Endpoint {
    /// `gateway/endpoint`.
    pub name: &'static str,
    /// Its parameter table.
    pub schema: &'static Schema,
    /// Validates, signs and encodes a request.
    pub sign: Sign,
    /// Builds the request to send.
    pub build: Build,
    /// Builds the query that says what happened when the request got no answer; `None`
    /// where sending the request again is harmless (queries) or no query exists.
    pub resolve: Option<Resolve>,
}

/// One kind of message a gateway sends that can be verified.
pub struct Message {
    /// `gateway/response` or `gateway/notify`.
    pub name: &'static str,
    /// Verifies raw bytes (and headers, from the options).
    pub verify: fn(&[u8], &VerifyOptions) -> Outcome,
}

/// Everything paywire offers of one gateway.
pub struct Gateway {
    /// Its id: the first word of its endpoint names, its route under a merchant's notify
    /// URL and its prefix in the sandbox (`xorpay`, `wechat-global`).
    pub id: &'static str,
    /// Its request endpoints.
    pub endpoints: &'static [Endpoint],
    /// The messages it verifies.
    pub messages: &'static [Message],
    /// The receiver of its notifications, from the merchant's credentials; `None` for a
    /// gateway that documents no notification.
    pub receiver: Option<MakeReceiver>,
    /// Places its sample order (the demo's, the soak's); `None` for a protocol with
    /// messages to verify and no order of its own (WeChat Pay v2's refund notification),
    /// which the demo and the soak leave out.
    pub sample: Option<PlaceSample>,
    /// Its steps after the order (the demo's); `None` where none is declared.
    pub lifecycle: Option<Lifecycle>,
}

/// Every gateway, searched by name.
pub struct Registry(pub &'static [&'static Gateway]);

impl Registry {
    /// Every gateway, in registry order.
    pub fn gateways(&self) -> impl Iterator<Item = &'static Gateway> {
        self.0.iter().copied()
    }

    /// The gateways that take orders (those with a sample order), in registry order: what
    /// the demo and the soak run.
    pub fn ordering(&self) -> impl Iterator<Item = &'static Gateway> {
        self.gateways().filter(|g| g.sample.is_some())
    }

    /// The gateway with this id.
    pub fn gateway(&self, id: &str) -> Option<&'static Gateway> {
        self.gateways().find(|g| g.id == id)
    }

    /// Every endpoint, in registry order.
    pub fn endpoints(&self) -> impl Iterator<Item = &'static Endpoint> {
        self.0.iter().flat_map(|g| g.endpoints.iter())
    }

    /// Every message kind, in registry order.
    pub fn messages(&self) -> impl Iterator<Item = &'static Message> {
        self.0.iter().flat_map(|g| g.messages.iter())
    }

    /// The endpoint called `name`, or an error listing them.
    pub fn endpoint(&self, name: &str) -> Result<&'static Endpoint, String> {
        self.endpoints().find(|e| e.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.endpoints().map(|e| e.name).collect();
            format!("unknown endpoint {name:?}; use one of {}", names.join(", "))
        })
    }

    /// The message kind called `name`, or an error listing them.
    pub fn message(&self, name: &str) -> Result<&'static Message, String> {
        self.messages().find(|m| m.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.messages().map(|m| m.name).collect();
            format!("unknown kind {name:?}; use one of {}", names.join(", "))
        })
    }

    /// Every endpoint and message name: words that carry no secret.
    pub fn names(&self) -> Vec<&'static str> {
        self.endpoints()
            .map(|e| e.name)
            .chain(self.messages().map(|m| m.name))
            .collect()
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .finish()
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message").field("name", &self.name).finish()
    }
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("id", &self.id)
            .field("endpoints", &self.endpoints)
            .field("messages", &self.messages)
            .field("notifies", &self.receiver.is_some())
            .finish()
    }
}
