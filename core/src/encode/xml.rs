//! Flat `<xml>` bodies. Text is escaped (`&`, `<`, `>`, and `\r` as `&#13;` so a parser's
//! line-ending normalisation cannot change it), so `]]>`, `<` and `&` in a value stay
//! text and can never open or close an element.

use super::{for_each_member, not_flat};
use crate::decode::xml::is_xml_char;
use crate::error::Error;
use crate::object::FieldAccess;
use crate::schema::Format;
use crate::wire::Wire;

fn escape_into(out: &mut Vec<u8>, text: &str) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let replacement: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#13;",
            _ => continue,
        };
        out.extend_from_slice(&text.as_bytes()[start..i]);
        out.extend_from_slice(replacement);
        start = i + 1;
    }
    out.extend_from_slice(&text.as_bytes()[start..]);
}

fn element(out: &mut Vec<u8>, name: &str, value: &Wire<'_>) -> Result<(), Error> {
    if matches!(value, Wire::Object(_) | Wire::Array(_)) {
        return Err(not_flat(name, Format::Xml));
    }
    let clean = value.with_text(|text| {
        if !text.chars().all(is_xml_char) {
            return false;
        }
        out.push(b'<');
        out.extend_from_slice(name.as_bytes());
        out.push(b'>');
        escape_into(out, text);
        out.extend_from_slice(b"</");
        out.extend_from_slice(name.as_bytes());
        out.push(b'>');
        true
    });
    if clean == Some(false) {
        return Err(Error::Unencodable {
            path: crate::Path::Root.key(name).to_string(),
            format: "xml",
            reason: "contains a control character that XML 1.0 cannot carry; remove it",
        });
    }
    Ok(())
}

/// A request's XML body.
pub(crate) fn encode(
    object: &dyn FieldAccess,
    sign: Option<(&str, &str)>,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"<xml>");
    for_each_member(object, |name, value| element(&mut out, name, &value))?;
    if let Some((name, signature)) = sign {
        element(&mut out, name, &Wire::Str(signature))?;
    }
    out.extend_from_slice(b"</xml>");
    Ok(out)
}
