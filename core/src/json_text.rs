//! [`JsonText`]: a typed value that travels as JSON text inside a string field.

use crate::decode::node::Node;
use crate::decode::typed::{DecodeErrors, Problem};
use crate::path::Path;
use crate::schema::Kind;
use crate::wire::{Wire, WireValue};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value carried as compact JSON text in a string field, such as weidoufu's
/// `ledger: '[{"amount":1,"sub_mch_no":"..."}]'`. The text is what is signed, what `len`
/// measures and what goes on the wire; the Rust side stays typed.
///
/// ```
/// use paywire::JsonText;
/// let ids = JsonText(vec![1, 2]);
/// assert_eq!(ids.to_text(), "[1,2]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JsonText<T>(pub T);

impl<T: Serialize> JsonText<T> {
    /// The compact JSON text.
    pub fn to_text(&self) -> String {
        // Serializing plain data into a Vec cannot fail; a map with non-string keys
        // would, and gives an empty string that validation then reports as missing.
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

impl<T: Serialize + DeserializeOwned> WireValue for JsonText<T> {
    const KIND: Kind = Kind::JsonText;
    fn wire(&self) -> Wire<'_> {
        Wire::Text(self.to_text())
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
            Some(Node::Str(s) | Node::Text(s)) => match serde_json::from_str(s) {
                Ok(v) => Some(JsonText(v)),
                Err(e) => {
                    errors.push(
                        at,
                        Problem::JsonText {
                            reason: e.to_string(),
                        },
                    );
                    None
                }
            },
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
