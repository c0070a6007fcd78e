//! Indexed member families of flat bodies: SwiftPass's and WeChat Pay's refund queries
//! answer one member per refund and attribute, `out_refund_no_0`, `refund_fee_0`,
//! `out_refund_no_1`, ..., with `refund_count` saying how many refunds there are, and
//! coupons inside a refund as `coupon_refund_fee_0_1` (refund 0, coupon 1).
//!
//! A field declared `#[pay(indexed(count = "refund_count"))] refunds: Vec<Refund>` reads
//! them into items whose members are declared without the suffix. Reading is strict,
//! because a lenient reader is how refunds get lost: every index below the count must
//! have an item, no member may carry an index at or past the count, and an index is
//! plain decimal (`_01` is refused, not read as `_1`). The same family in JSON (serde,
//! `paywire verify`) is an array of the items under the field's name.

use crate::decode::node::{Node, NodeObject};
use crate::decode::problem::{DecodeErrors, Problem};
use crate::object::PayObject;
use crate::path::Path;
use crate::schema::{Kind, Schema};
use crate::value::{FieldAccess, Wire, WireValue};
use std::collections::BTreeMap;

/// Every `_digits` segment of `key` (ending the key or followed by `_`), leftmost first,
/// as (the key without it, the digits).
fn index_segments(key: &str) -> impl Iterator<Item = (String, &str)> {
    let bytes = key.as_bytes();
    (2..bytes.len()).filter_map(move |at| {
        if bytes[at - 1] != b'_' || !bytes[at].is_ascii_digit() {
            return None;
        }
        let end = at
            + bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
        if end < bytes.len() && bytes[end] != b'_' {
            return None;
        }
        let stripped = format!("{}{}", &key[..at - 1], &key[end..]);
        Some((stripped, &key[at..end]))
    })
}

/// Whether `name` is a member of an item of `schema`: one of its plain fields, or a
/// member of one of its own families (`coupon_refund_fee_1` for a nested family).
fn is_item_member(schema: &Schema, name: &str) -> bool {
    schema.fields.iter().any(|field| match field.kind {
        Kind::Indexed { item, .. } => {
            index_segments(name).any(|(inner, _)| is_item_member(item, &inner))
        }
        _ => field.wire_name == name,
    })
}

/// The index a member of the family carries: the leftmost `_digits` segment whose removal
/// leaves a member of the item.
fn family_member(item: &Schema, key: &str) -> Option<(String, String)> {
    index_segments(key)
        .find(|(stripped, _)| is_item_member(item, stripped))
        .map(|(stripped, digits)| (stripped, digits.to_owned()))
}

/// The count member's value: absent is 0; text that is not a count is the count field's
/// own problem to report, so `None` here adds nothing.
fn count_value(object: &NodeObject, count: &str) -> Option<u64> {
    match object.get(count) {
        None | Some(Node::Null) => Some(0),
        Some(Node::Number(n)) => n.as_u64(),
        Some(Node::Text(t) | Node::Str(t)) => t.parse().ok(),
        Some(_) => None,
    }
}

/// Reads the family `field` of `outer`, counted by the member `count`, from `object`: the
/// flat members `name_n`, or (JSON) an array under `field`. Used by the derived decoding.
pub fn decode_indexed<T: PayObject>(
    object: &NodeObject,
    at: &Path<'_>,
    outer: &'static Schema,
    field: &'static str,
    count: &'static str,
    errors: &mut DecodeErrors,
) -> Option<Vec<T>> {
    let before = errors.len();
    let expected = count_value(object, count);
    let mut items: BTreeMap<usize, NodeObject> = BTreeMap::new();
    for (key, node) in object.iter() {
        if outer.field(key).is_some() || outer.constant(key).is_some() {
            continue;
        }
        let Some((member, digits)) = family_member(T::OBJECT_SCHEMA, key) else {
            continue;
        };
        let path = at.key(key);
        let index = match digits.parse::<usize>() {
            Ok(n) if digits.len() == 1 || !digits.starts_with('0') => n,
            _ => {
                errors.push(
                    &path,
                    Problem::Indexed {
                        reason: format!(
                            "the index `{digits}` is not a plain decimal; items are numbered 0, 1, 2, ... without leading zeros"
                        ),
                    },
                );
                continue;
            }
        };
        if let Some(total) = expected.filter(|total| index as u64 >= *total) {
            errors.push(
                &path,
                Problem::Indexed {
                    reason: format!(
                        "item {index} is past {count} = {total}; items are numbered 0 to {count} - 1"
                    ),
                },
            );
            continue;
        }
        let _ = items.entry(index).or_default().insert(member, node.clone());
    }
    let array = object.get(field);
    if let Some(node) = array {
        if !items.is_empty() {
            errors.push(
                &at.key(field),
                Problem::Indexed {
                    reason: format!(
                        "the family `{field}` came both as an array and as `_$n` members; send one form"
                    ),
                },
            );
            return None;
        }
        let decoded = <Vec<T> as WireValue>::decode(Some(node), &at.key(field), errors)?;
        if let Some(total) = expected.filter(|total| *total != decoded.len() as u64) {
            if object.get(count).is_some() {
                errors.push(
                    &at.key(count),
                    Problem::Indexed {
                        reason: format!(
                            "{count} = {total}, but `{field}` has {} items",
                            decoded.len()
                        ),
                    },
                );
                return None;
            }
        }
        return (errors.len() == before).then_some(decoded);
    }
    let total = expected?;
    if total > object.len() as u64 {
        // Each item needs at least one member, so this many cannot be there: said once,
        // rather than once per missing index.
        errors.push(
            &at.key(count),
            Problem::Indexed {
                reason: format!(
                    "{count} = {total}, but the body carries items for {} indexes",
                    items.len()
                ),
            },
        );
        return None;
    }
    let family = at.key(field);
    let mut out = Vec::with_capacity(total as usize);
    for index in 0..total as usize {
        let item_at = family.index(index);
        match items.get(&index) {
            Some(members) => {
                if let Some(item) = T::decode_fields(members, &item_at, errors) {
                    out.push(item);
                }
            }
            None => errors.push(
                &item_at,
                Problem::Indexed {
                    reason: format!(
                        "{count} = {total}, but item {index} has none of its members (such as `{}_{index}`)",
                        T::OBJECT_SCHEMA.fields.first().map_or("", |f| f.wire_name)
                    ),
                },
            ),
        }
    }
    (errors.len() == before).then_some(out)
}

/// One flat member on its way out: the name without indices, the `_n` suffixes, the text.
struct FlatMember {
    name: &'static str,
    indices: String,
    text: String,
}

fn flat_members_into(object: &dyn FieldAccess, out: &mut Vec<FlatMember>) {
    let schema = object.object_schema();
    for c in schema.constants {
        out.push(FlatMember {
            name: c.wire_name,
            indices: String::new(),
            text: c.value.to_string(),
        });
    }
    for (i, field) in schema.fields.iter().enumerate() {
        let value = object.field(i);
        if let (Kind::Indexed { .. }, Wire::Array(items)) = (field.kind, &value) {
            for n in 0..items.len() {
                if let Wire::Object(item) = items.get(n) {
                    let mut inner = Vec::new();
                    flat_members_into(item, &mut inner);
                    out.extend(inner.into_iter().map(|m| FlatMember {
                        indices: format!("_{n}{}", m.indices),
                        ..m
                    }));
                }
            }
            continue;
        }
        if let Some(text) = value.with_text(str::to_owned) {
            out.push(FlatMember {
                name: field.wire_name,
                indices: String::new(),
                text,
            });
        }
    }
}

/// The members `object` travels as in a flat body (XML, form), every family spelled out
/// as `name_n` members: what a gateway (or the sandbox standing in for one) signs and
/// sends. Constants first, then fields in declaration order; absent fields are left out.
pub fn flat_members(object: &dyn FieldAccess) -> NodeObject {
    let mut members = Vec::new();
    flat_members_into(object, &mut members);
    let mut out = NodeObject::new();
    for m in members {
        // Names are distinct: wire names are checked at compile time, and every family
        // member carries its own index.
        let _ = out.insert(format!("{}{}", m.name, m.indices), Node::Text(m.text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::index_segments;

    #[test]
    fn index_segments_are_found_leftmost_first() {
        let found: Vec<_> = index_segments("coupon_refund_fee_0_12").collect();
        assert_eq!(
            found,
            vec![
                ("coupon_refund_fee_12".to_owned(), "0"),
                ("coupon_refund_fee_0".to_owned(), "12")
            ]
        );
        assert_eq!(index_segments("refund_fee").count(), 0);
        assert_eq!(index_segments("refund_3rd").count(), 0);
        assert_eq!(index_segments("_0").count(), 0, "no name before the index");
        assert_eq!(
            index_segments("refund_fee_01").collect::<Vec<_>>(),
            vec![("refund_fee".to_owned(), "01")]
        );
    }
}
