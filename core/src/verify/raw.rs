//! Canonical strings over raw received fields. Here the names are only known at run time
//! (unknown fields are signed too), so they are sorted here.

use crate::decode::node::{Node, NodeObject};
use crate::schema::{EmptyValues, Schema, SignEntry, SignSpec};
use crate::sign::Members;
use std::borrow::Cow;

/// The text a received value is signed as: strings as-is (borrowed), numbers as written,
/// nested values as compact JSON; `None` for `null` (treated as empty).
pub fn node_text(node: &Node) -> Option<Cow<'_, str>> {
    match node {
        Node::Null => None,
        Node::Text(text) | Node::Str(text) => Some(Cow::Borrowed(text)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// `k=v&k=v` over every field, sorted by name (byte order); fields with an empty value
/// are left out unless `empty` keeps them.
pub fn sorted_string(fields: &NodeObject, empty: EmptyValues) -> String {
    received_members(fields, empty).to_sorted_string()
}

/// The received fields as a sorted scheme signs them, in name byte order (`null` is
/// never signed; an empty string only when `empty` keeps it).
pub(crate) fn received_members(fields: &NodeObject, empty: EmptyValues) -> Members<'_> {
    Members::sorted(
        fields
            .iter()
            .filter_map(|(name, node)| node_text(node).map(|text| (name, text))),
        empty,
    )
}

/// [`sorted_string`] under `spec`'s rule for empty values, followed by
/// `&{key_name}={secret}`.
pub fn sorted_sign_string(fields: &NodeObject, spec: &SignSpec, secret: &str) -> String {
    let members = received_members(fields, spec.empty);
    let mut out =
        String::with_capacity(members.text_len() + spec.key_name.len() + secret.len() + 2);
    members.push_sorted_string(&mut out);
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(spec.key_name);
    out.push('=');
    out.push_str(secret);
    out
}

/// The md5-concat string over raw fields: the values of the schema's signed fields in
/// their declared order, then the secret.
pub fn concat_sign_string(schema: &Schema, fields: &NodeObject, secret: &str) -> String {
    let mut out = String::new();
    for entry in schema.sign.order {
        let name = match *entry {
            SignEntry::Field(i) => schema.fields[usize::from(i)].wire_name,
            SignEntry::Constant(i) => schema.constants[usize::from(i)].wire_name,
        };
        if let Some(text) = fields.get(name).and_then(node_text) {
            out.push_str(&text);
        }
    }
    out.push_str(secret);
    out
}
