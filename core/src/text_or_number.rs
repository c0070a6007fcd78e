//! [`TextOrNumber`]: text that some gateways send as a JSON number.

use crate::decode::node::Node;
use crate::decode::problem::{DecodeErrors, Problem};
use crate::path::Path;
use crate::schema::Kind;
use crate::value::{Wire, WireValue};
use std::fmt;

/// A value that is text on the wire but that some gateways send as a JSON number, such as
/// a `timeStamp` (featapi sends `1653377557`, weidoufu `'1620895076'`). The digits are
/// kept exactly as received and sent as a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TextOrNumber(pub String);

impl TextOrNumber {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TextOrNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for TextOrNumber {
    fn from(s: &str) -> Self {
        TextOrNumber(s.to_owned())
    }
}

impl WireValue for TextOrNumber {
    const KIND: Kind = Kind::Str;
    fn wire(&self) -> Wire<'_> {
        Wire::Str(&self.0)
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match node {
            None | Some(Node::Null) => {
                errors.push(
                    at,
                    Problem::Missing {
                        expected: "a string or number",
                    },
                );
                None
            }
            Some(Node::Str(s) | Node::Text(s)) => Some(TextOrNumber(s.clone())),
            Some(Node::Number(n)) => Some(TextOrNumber(n.to_string())),
            Some(other) => {
                errors.push(
                    at,
                    Problem::WrongType {
                        expected: "a string or number",
                        got: other.type_name(),
                    },
                );
                None
            }
        }
    }
}
