//! Body encoders. All three walk the same member list: constants, then the body fields
//! in declaration order (absent ones left out), then the signature.

pub mod form;
pub mod json;
pub mod xml;

use crate::error::Error;
use crate::object::FieldAccess;
use crate::schema::{Format, Location, Schema, SignScheme};
use crate::sign::constant_wire;
use crate::wire::Wire;
use crate::Body;

/// Calls `f` for each member that goes into the body of `object`, in body order.
pub(crate) fn for_each_member<E>(
    object: &dyn FieldAccess,
    mut f: impl FnMut(&'static str, Wire<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let schema = object.object_schema();
    for c in schema.constants {
        f(c.wire_name, constant_wire(c.value))?;
    }
    for (i, field) in schema.fields.iter().enumerate() {
        if field.location != Location::Body {
            continue;
        }
        let value = object.field(i);
        if !value.is_absent() {
            f(field.wire_name, value)?;
        }
    }
    Ok(())
}

/// Encodes a validated request with its signature.
pub(crate) fn encode_request(
    object: &dyn FieldAccess,
    schema: &Schema,
    signature: &str,
) -> Result<Body, Error> {
    let format = schema.format.unwrap_or(Format::Json);
    let sign_field = match schema.sign.scheme {
        SignScheme::None => None,
        _ => Some((schema.sign.field, signature)),
    };
    let bytes = match format {
        Format::Json => Ok(json::encode(object, sign_field)),
        Format::Xml => xml::encode(object, sign_field),
        Format::Form => form::encode(object, sign_field),
    }?;
    Ok(Body::new(bytes, format.content_type()))
}

/// The error for a nested value in a flat format.
pub(crate) fn not_flat(name: &str, format: Format) -> Error {
    Error::Unencodable {
        path: crate::Path::Root.key(name).to_string(),
        format: format.name(),
        reason: "nested objects and arrays need format = \"json\", or a JsonText<T> field",
    }
}
