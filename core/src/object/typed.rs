//! Typed decoding: from received members to a declared struct, by wire name.

use super::{PayObject, PayRequest, Received};
use crate::decode::node::{Node, NodeObject};
use crate::decode::problem::{DecodeErrors, Problem};
use crate::decode::DecodeError;
use crate::path::Path;
use crate::schema::{ConstValue, Location, Schema, SignScheme};

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
        } else if !schema.allow_unknown && !errors.ignores_unknown() {
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
