//! Typed decoding: from received members to a declared struct, by wire name.

use super::node::{Node, NodeObject};
use super::DecodeError;
use crate::money::MoneyError;
use crate::object::{PayObject, PayRequest, Received};
use crate::path::Path;
use crate::schema::{ConstValue, Location, Schema, SignScheme};
use std::fmt;

/// What is wrong with one received member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required member is missing (or `null`).
    Missing {
        /// What should have been there.
        expected: &'static str,
    },
    /// A member of the wrong JSON type.
    WrongType {
        /// What should have been there.
        expected: &'static str,
        /// What was there.
        got: &'static str,
    },
    /// Text that is not a plain decimal integer.
    NotInteger {
        /// The text.
        text: String,
    },
    /// An integer outside its Rust type.
    IntegerOutOfType {
        /// The value as received.
        text: String,
        /// Smallest value of the type.
        min: i128,
        /// Largest value of the type.
        max: i128,
    },
    /// A yuan amount that is not exact.
    Money {
        /// The text.
        text: String,
        /// Why.
        error: MoneyError,
    },
    /// A [`crate::JsonText`] member whose text is not the expected JSON.
    JsonText {
        /// serde_json's explanation.
        reason: String,
    },
    /// A member the type does not declare.
    Unknown,
    /// A constant with another value.
    ConstantMismatch {
        /// The declared value.
        expected: ConstValue,
        /// The received text.
        got: String,
    },
    /// A constant that was not sent.
    ConstantMissing {
        /// The declared value.
        expected: ConstValue,
    },
    /// The sign field in input that is not a signed body.
    SignatureNotExpected,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { expected } => write!(f, "missing; send {expected}"),
            Problem::WrongType { expected, got } => write!(f, "expected {expected}, got {got}"),
            Problem::NotInteger { text } => write!(f, "expected an integer, got {text:?}"),
            Problem::IntegerOutOfType { text, min, max } => {
                write!(f, "{text} does not fit this field; send an integer from {min} to {max}")
            }
            Problem::Money { text, error } => write!(f, "{text:?}: {error}"),
            Problem::JsonText { reason } => write!(f, "not the expected JSON text: {reason}"),
            Problem::Unknown => f.write_str("unknown field; check its spelling against the parameter table"),
            Problem::ConstantMismatch { expected, got } => {
                write!(f, "must be {:?}, got {got:?}", expected.to_string())
            }
            Problem::ConstantMissing { expected } => write!(f, "missing; send {:?}", expected.to_string()),
            Problem::SignatureNotExpected => f.write_str(
                "the signature is computed by paywire from the key; leave it out (PayRequest::from_body reads signed bodies)",
            ),
        }
    }
}

/// A problem at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// JSON pointer of the member.
    pub path: String,
    /// What is wrong.
    pub problem: Problem,
}

/// Every problem found while decoding, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodeErrors {
    problems: Vec<FieldProblem>,
}

impl DecodeErrors {
    /// No problems yet.
    pub fn new() -> Self {
        DecodeErrors::default()
    }

    /// Records a problem at `at`.
    pub fn push(&mut self, at: &Path<'_>, problem: Problem) {
        self.problems.push(FieldProblem {
            path: at.to_string(),
            problem,
        });
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldProblem> {
        self.problems.iter()
    }
}

impl fmt::Display for DecodeErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}: {}", p.path, p.problem)?;
        }
        Ok(())
    }
}

/// Whether constants must be present in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constants {
    /// Received bodies: the gateway needs them, so they must be there.
    Required,
    /// Hand-written input (the CLI, serde): they may be left out, but if present must match.
    Optional,
}

fn constant_matches(expected: ConstValue, node: &Node) -> bool {
    match (expected, node) {
        (ConstValue::Str(s), Node::Str(t) | Node::Text(t)) => s == t,
        (ConstValue::Int(i), Node::Number(n)) => n.as_i64() == Some(i),
        (ConstValue::Int(i), Node::Text(t)) => t == itoa::Buffer::new().format(i),
        _ => false,
    }
}

fn check_members(
    object: &NodeObject,
    schema: &Schema,
    at: &Path<'_>,
    errors: &mut DecodeErrors,
    constants: Constants,
) {
    for (name, node) in object.iter() {
        if schema.field(name).is_some() {
            continue;
        }
        let path = at.key(name);
        if let Some(c) = schema.constant(name) {
            if !constant_matches(c.value, node) {
                errors.push(
                    &path,
                    Problem::ConstantMismatch {
                        expected: c.value,
                        got: node.to_string(),
                    },
                );
            }
        } else if name == schema.sign.field && schema.sign.scheme != SignScheme::None {
            errors.push(&path, Problem::SignatureNotExpected);
        } else if !schema.allow_unknown {
            errors.push(&path, Problem::Unknown);
        }
    }
    if constants == Constants::Required {
        for c in schema.constants {
            if object.get(c.wire_name).is_none() {
                errors.push(
                    &at.key(c.wire_name),
                    Problem::ConstantMissing { expected: c.value },
                );
            }
        }
    }
}

/// Decodes a declared object from an object's members, checking unknown members and
/// constants.
pub fn decode_members<T: PayObject>(
    object: &NodeObject,
    at: &Path<'_>,
    errors: &mut DecodeErrors,
    constants: Constants,
) -> Option<T> {
    let before = errors.len();
    check_members(object, T::OBJECT_SCHEMA, at, errors, constants);
    let value = T::decode_fields(object, at, errors);
    if errors.len() > before {
        None
    } else {
        value
    }
}

/// Decodes a declared object from a node, checking unknown members and constants.
pub fn decode_object<T: PayObject>(
    node: Option<&Node>,
    at: &Path<'_>,
    errors: &mut DecodeErrors,
    constants: Constants,
) -> Option<T> {
    match node {
        None | Some(Node::Null) => {
            errors.push(
                at,
                Problem::Missing {
                    expected: "an object",
                },
            );
            None
        }
        Some(Node::Object(object)) => decode_members(object, at, errors, constants),
        Some(other) => {
            errors.push(
                at,
                Problem::WrongType {
                    expected: "an object",
                    got: other.type_name(),
                },
            );
            None
        }
    }
}

/// Decodes a received request body's members (the sign field is taken out first).
pub fn decode_request<T: PayRequest>(
    mut fields: NodeObject,
    path_params: &[(&str, &str)],
) -> Result<Received<T>, DecodeError> {
    let schema = T::SCHEMA;
    let mut errors = DecodeErrors::new();
    let signature = match schema.sign.scheme {
        SignScheme::None => None,
        _ => match fields.remove(schema.sign.field) {
            None => None,
            Some(Node::Str(s) | Node::Text(s)) => Some(s),
            Some(other) => {
                let path = Path::Root;
                errors.push(
                    &path.key(schema.sign.field),
                    Problem::WrongType {
                        expected: "a string",
                        got: other.type_name(),
                    },
                );
                None
            }
        },
    };
    let raw = fields.clone();
    for &(name, value) in path_params {
        let is_path_field = schema
            .field(name)
            .is_some_and(|f| f.location == Location::Path);
        let root = Path::Root;
        if !is_path_field {
            errors.push(&root.key(name), Problem::Unknown);
        } else if fields
            .insert(name.to_owned(), Node::Text(value.to_owned()))
            .is_err()
        {
            return Err(DecodeError::Duplicate {
                path: root.key(name).to_string(),
            });
        }
    }
    let request = decode_members::<T>(&fields, &Path::Root, &mut errors, Constants::Required);
    match request {
        Some(request) if errors.is_empty() => Ok(Received {
            request,
            signature,
            fields: raw,
        }),
        _ => Err(DecodeError::Fields(errors)),
    }
}
