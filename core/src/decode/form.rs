//! Strict `application/x-www-form-urlencoded`: `+` is a space, `%XX` must be two hex
//! digits, the decoded bytes must be UTF-8 (no replacement characters), names are unique.

use super::node::{Node, NodeObject};
use super::{checked_text, DecodeError, Limits};
use crate::schema::Format;
use std::borrow::Cow;

/// Parses a form body into its fields. An empty body is an empty form.
pub fn parse(body: &[u8], limits: &Limits) -> Result<NodeObject, DecodeError> {
    let text = checked_text(body, limits)?;
    let mut fields = NodeObject::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode_component(name)?.into_owned();
        let value = decode_component(value)?.into_owned();
        if name.is_empty() {
            return Err(DecodeError::malformed(
                Format::Form,
                format!("a pair with no name: {pair:?}"),
            ));
        }
        fields
            .insert(name, Node::Text(value))
            .map_err(|(name, _)| DecodeError::Duplicate {
                path: crate::path::Path::Root.key(&name).to_string(),
            })?;
    }
    Ok(fields)
}

fn decode_component(raw: &str) -> Result<Cow<'_, str>, DecodeError> {
    let bytes = raw.as_bytes();
    for (i, _) in raw.match_indices('%') {
        let hex = bytes.get(i + 1..i + 3);
        if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
            return Err(DecodeError::malformed(
                Format::Form,
                format!("`%` at offset {i} of {raw:?} is not followed by two hex digits"),
            ));
        }
    }
    let spaced: Cow<'_, [u8]> = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " ").into_bytes())
    } else {
        Cow::Borrowed(bytes)
    };
    let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(decoded).map(Cow::Owned).map_err(|e| {
        DecodeError::malformed(
            Format::Form,
            format!(
                "{raw:?} decodes to bytes that are not UTF-8 (at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}
