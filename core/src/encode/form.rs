//! `application/x-www-form-urlencoded` bodies: UTF-8, percent-encoded, space as `+`.

use super::{for_each_member, not_flat};
use crate::error::Error;
use crate::object::FieldAccess;
use crate::schema::Format;
use crate::wire::Wire;

fn pair(out: &mut Vec<u8>, name: &str, value: &Wire<'_>) -> Result<(), Error> {
    if matches!(value, Wire::Object(_) | Wire::Array(_)) {
        return Err(not_flat(name, Format::Form));
    }
    value.with_text(|text| {
        if !out.is_empty() {
            out.push(b'&');
        }
        for piece in form_urlencoded::byte_serialize(name.as_bytes()) {
            out.extend_from_slice(piece.as_bytes());
        }
        out.push(b'=');
        for piece in form_urlencoded::byte_serialize(text.as_bytes()) {
            out.extend_from_slice(piece.as_bytes());
        }
    });
    Ok(())
}

/// A request's form body.
pub(crate) fn encode(
    object: &dyn FieldAccess,
    sign: Option<(&str, &str)>,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(256);
    for_each_member(object, |name, value| pair(&mut out, name, &value))?;
    if let Some((name, signature)) = sign {
        pair(&mut out, name, &Wire::Str(signature))?;
    }
    Ok(out)
}
