//! Body encoders. All three walk the same member list: constants, then the body fields
//! in declaration order (absent ones left out), then the signature.

pub mod form;
pub mod json;
pub mod xml;

use crate::error::Error;
use crate::object::FieldAccess;
use crate::schema::ConstValue;
use crate::schema::{Format, Location, SignScheme};
use crate::wire::Wire;
use crate::Body;

/// The wire view of a declared constant.
pub(crate) fn constant_wire(value: ConstValue) -> Wire<'static> {
    match value {
        ConstValue::Str(s) => Wire::Str(s),
        ConstValue::Int(i) => Wire::Int(i),
    }
}

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

/// A request body being written: the derive emits one call per member (constants, the
/// body fields in declaration order, then the signature), each with its element or pair
/// prefix built at compile time. The first member that cannot be written is remembered
/// and reported when the body is finished; nothing is silently dropped.
pub struct BodyWriter {
    pub(crate) out: Vec<u8>,
    format: Format,
    failure: Option<Error>,
}

impl BodyWriter {
    /// An empty body of `format`.
    pub(crate) fn new(format: Format) -> Self {
        let mut out = Vec::with_capacity(1024);
        if format == Format::Xml {
            out.extend_from_slice(b"<xml>");
        }
        BodyWriter {
            out,
            format,
            failure: None,
        }
    }

    /// Records a member that cannot be written; the first one is reported.
    #[cold]
    pub(crate) fn fail(&mut self, error: Error) {
        if self.failure.is_none() {
            self.failure = Some(error);
        }
    }

    /// A JSON request: the object (nested values included) and its signature member.
    pub fn json_request(&mut self, object: &dyn FieldAccess, signature: &str) {
        let spec = &object.object_schema().sign;
        let sign = match spec.scheme {
            SignScheme::None => None,
            _ => Some((spec.field, signature)),
        };
        json::write_object(&mut self.out, object, sign);
    }

    /// The finished body, or the first member that could not be written.
    pub(crate) fn finish(mut self) -> Result<Body, Error> {
        if let Some(error) = self.failure {
            return Err(error);
        }
        if self.format == Format::Xml {
            self.out.extend_from_slice(b"</xml>");
        }
        Ok(Body::new(self.out, self.format.content_type()))
    }
}

/// The error for a nested value in a flat format.
pub(crate) fn not_flat(name: &str, format: Format) -> Error {
    Error::Unencodable {
        path: crate::Path::Root.key(name).to_string(),
        format: format.name(),
        reason: "nested objects and arrays need format = \"json\", or a JsonText<T> field",
    }
}
