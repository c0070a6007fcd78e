//! [`JsonText`]: a typed value that travels as JSON text inside a string field.

use crate::decode::node::Node;
use crate::decode::problem::{DecodeErrors, Problem};
use crate::decode::{json, Limits};
use crate::path::Path;
use crate::schema::Kind;
use crate::value::{EmbeddedJson, Wire, WireValue};

/// A value carried as compact JSON text in a string field, such as weidoufu's
/// `ledger: '[{"amount":1,"sub_mch_no":"..."}]'`. The text is what is signed, what `len`
/// measures and what goes on the wire; the Rust side stays typed, and the rules of the
/// objects inside are validated like any nested object's.
///
/// ```
/// use paywire::JsonText;
/// let ids = JsonText(vec![1u32, 2]);
/// assert_eq!(ids.to_text(), "[1,2]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonText<T>(pub T);

impl<T: WireValue> JsonText<T> {
    /// The compact JSON text.
    pub fn to_text(&self) -> String {
        // Room for a typical value (weidoufu's one-receiver ledger is ~40 bytes), so it
        // is not grown byte by byte.
        let mut out = Vec::with_capacity(128);
        crate::value::json::write_value(&mut out, &self.0.wire());
        // The JSON writer only writes UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

impl<T: WireValue> EmbeddedJson for JsonText<T> {
    fn text(&self) -> String {
        self.to_text()
    }
    fn inner(&self) -> Wire<'_> {
        self.0.wire()
    }
}

impl<T: WireValue> WireValue for JsonText<T> {
    const KIND: Kind = Kind::JsonText;
    fn wire(&self) -> Wire<'_> {
        Wire::JsonText(self)
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match node {
            None | Some(Node::Null) => {
                errors.push(
                    at,
                    Problem::Missing {
                        expected: "a string of JSON text",
                    },
                );
                None
            }
            Some(Node::Str(s) | Node::Text(s)) => {
                match json::parse(s.as_bytes(), &Limits::default()) {
                    Ok(inner) => T::decode(Some(&inner), at, errors).map(JsonText),
                    Err(e) => {
                        errors.push(
                            at,
                            Problem::JsonText {
                                reason: e.to_string(),
                            },
                        );
                        None
                    }
                }
            }
            Some(other) => {
                errors.push(
                    at,
                    Problem::WrongType {
                        expected: "a string of JSON text",
                        got: other.type_name(),
                    },
                );
                None
            }
        }
    }
}
