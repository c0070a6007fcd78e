//! What the command line knows of one gateway: its request endpoints (for `sign`, `call`
//! and `schema`) and the messages it verifies (for `verify`). Each gateway fills one
//! [`Gateway`] in `crate::gateways`; the commands only look names up.

use crate::commands::sign::{SignFailure, SignOptions};
use crate::commands::verify::{Outcome, VerifyOptions};
use paywire::schema::Schema;
use serde_json::Value;

/// An answer as `call` received it.
pub type Answer = http::Response<Vec<u8>>;

/// How `call` reads the answer to the request it sent.
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

/// One request endpoint.
pub struct Endpoint {
    /// `gateway/endpoint`, as typed on the command line.
    pub name: &'static str,
    /// Its parameter table.
    pub schema: &'static Schema,
    /// Validates, signs and encodes the request given as JSON (`name`, the input, the
    /// options) into `paywire sign`'s report.
    pub sign: fn(&'static str, &[u8], &SignOptions) -> Result<Value, SignFailure>,
    /// Builds the HTTP request `paywire call` sends (`name`, the base URL, the input, the
    /// options).
    pub build: fn(&'static str, &str, &[u8], &SignOptions) -> Result<Built, SignFailure>,
}

/// One kind of message `paywire verify` checks.
pub struct Message {
    /// `gateway/response` or `gateway/notify`.
    pub name: &'static str,
    /// Verifies raw bytes (and headers, from the options).
    pub verify: fn(&[u8], &VerifyOptions) -> Outcome,
}

/// Everything the command line does with one gateway.
pub struct Gateway {
    /// Its request endpoints.
    pub endpoints: &'static [Endpoint],
    /// The messages it verifies.
    pub messages: &'static [Message],
}

/// A table of gateways, searched by name.
pub struct Table(pub &'static [&'static Gateway]);

impl Table {
    /// Every endpoint, in table order.
    pub fn endpoints(&self) -> impl Iterator<Item = &'static Endpoint> {
        self.0.iter().flat_map(|g| g.endpoints.iter())
    }

    /// Every message kind, in table order.
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

    /// Every endpoint and message name: words of the command line that carry no secret.
    pub fn names(&self) -> Vec<&'static str> {
        self.endpoints()
            .map(|e| e.name)
            .chain(self.messages().map(|m| m.name))
            .collect()
    }
}
