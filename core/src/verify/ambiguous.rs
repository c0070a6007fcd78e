//! Refusing a received member that could be two: under a sorted `k=v&k=v` sign string, a
//! value holding `&name=` signs exactly as that member and a separate `name` would, so a
//! signature over one message also covers the other. An attacker who holds one signed
//! message can merge a member into its neighbour (Alipay: `out_trade_no =
//! "ORDER-1&point_amount=0.00"`) and the signature still holds.

use crate::decode::node::{Node, NodeObject};
use crate::error::VerifyError;
use crate::schema::{Format, Rule, Schema, TextFormat};

/// Refuses `fields` when a member's value holds `&NAME=` for a NAME that is a member of
/// the message (declared in `schema`, or received). URL members (`#[pay(url)]`,
/// `#[pay(https_url)]`) may hold a query string and are exempt.
pub fn refuse_swallowed_members(schema: &Schema, fields: &NodeObject) -> Result<(), VerifyError> {
    for (name, node) in fields.iter() {
        let text = match node {
            Node::Text(text) | Node::Str(text) => std::borrow::Cow::Borrowed(text.as_str()),
            Node::Null | Node::Bool(_) | Node::Number(_) => continue,
            other => std::borrow::Cow::Owned(other.to_string()),
        };
        if memchr::memchr(b'&', text.as_bytes()).is_none() || holds_url(schema, name) {
            continue;
        }
        for swallowed in inner_names(&text) {
            if is_member(schema, fields, swallowed) {
                return Err(VerifyError::malformed(
                    schema.format.unwrap_or(Format::Json),
                    format!(
                        "member `{name}` holds `&{swallowed}=`, which the sorted sign string cannot \
                         tell apart from a member `{swallowed}` of its own: refused as ambiguous"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The NAMEs of every `&NAME=` in `text`.
fn inner_names(text: &str) -> impl Iterator<Item = &str> {
    memchr::memchr_iter(b'&', text.as_bytes()).filter_map(move |at| {
        let rest = &text[at + 1..];
        let (name, _) = rest.split_once('=')?;
        (!name.is_empty() && !name.contains('&')).then_some(name)
    })
}

fn is_member(schema: &Schema, fields: &NodeObject, name: &str) -> bool {
    fields.get(name).is_some()
        || schema.field(name).is_some()
        || schema.constant(name).is_some()
        || schema.sign.field == name
}

fn holds_url(schema: &Schema, name: &str) -> bool {
    schema.field(name).is_some_and(|field| {
        field.rules.iter().any(|rule| {
            matches!(
                rule,
                Rule::Format(TextFormat::Url) | Rule::Format(TextFormat::HttpsUrl)
            )
        })
    })
}
