//! The declared rules checked on received members that have not (or could not) become a
//! typed value: a body with a decoding problem (a string where an amount goes, a member
//! missing) still has its lengths, formats and ranges reported in the same round, so whoever
//! mends it mends it once.

use super::node::{Node, NodeObject};
use crate::error::SchemaErrors;
use crate::money::Yuan;
use crate::path::Path;
use crate::schema::{Kind, Schema};
use crate::validate::validate_into;
use crate::value::{FieldAccess, Wire};

/// Checks `schema`'s rules (required, lengths, formats, ranges, allowed values, groups,
/// `required_if`) on the received `members`, as validation checks a typed value.
///
/// Members whose value cannot be shown to a rule as its declared kind (a string where an
/// integer goes, an array, an indexed family, an embedded JSON text) are left out and
/// nothing is reported under their paths: decoding reports those. Checks declared with
/// `validate_with` need the typed value and are not run.
pub fn check_received(schema: &'static Schema, members: &NodeObject) -> SchemaErrors {
    let received = Received::new(schema, members, "#");
    let mut errors = SchemaErrors::new();
    validate_into(&received, &Path::Root, &mut errors);
    let mut left_out = Vec::new();
    received.left_out(&mut left_out);
    errors.retain(|e| {
        !left_out
            .iter()
            .any(|path| e.path == *path || e.path.starts_with(&format!("{path}/")))
    });
    errors
}

/// `text` if it is an integer as the typed decoder reads one: an optional `-`, then
/// decimal digits.
fn integer_text(text: &str) -> Option<&str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// Received members seen through a schema, as a typed value would show them.
struct Received<'a> {
    schema: &'static Schema,
    /// Each field's value, or `None` where it cannot be shown as its kind.
    values: Vec<Option<Value<'a>>>,
    /// The path of the object, `#` at the root.
    at: String,
}

enum Value<'a> {
    Absent,
    Str(&'a str),
    Int(i64),
    UInt(u64),
    /// An amount in yuan, in fen.
    Yuan(u64),
    Object(Box<Received<'a>>),
}

impl<'a> Received<'a> {
    fn new(schema: &'static Schema, members: &'a NodeObject, at: &str) -> Self {
        let values = schema
            .fields
            .iter()
            .map(|field| {
                let path = format!("{at}/{}", field.wire_name);
                match (field.kind, members.get(field.wire_name)) {
                    (_, None | Some(Node::Null)) => Some(Value::Absent),
                    (Kind::Str, Some(node)) => node.as_str().map(Value::Str),
                    (Kind::Int { .. }, Some(Node::Number(n))) => n.as_i64().map(Value::Int),
                    // XML and forms carry integers as text, as the typed decoder reads them.
                    (Kind::Int { .. }, Some(Node::Text(t))) => {
                        integer_text(t).and_then(|t| t.parse().ok()).map(Value::Int)
                    }
                    (Kind::Fen, Some(Node::Number(n))) => n.as_u64().map(Value::UInt),
                    // Text, and in JSON a quoted amount, of decimal digits only.
                    (Kind::Fen, Some(Node::Text(t) | Node::Str(t)))
                        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) =>
                    {
                        t.parse().ok().map(Value::UInt)
                    }
                    (Kind::Yuan, Some(Node::Text(t) | Node::Str(t))) => {
                        t.parse::<Yuan>().ok().map(|y| Value::Yuan(y.fen().get()))
                    }
                    (Kind::Object(inner), Some(Node::Object(object))) => {
                        Some(Value::Object(Box::new(Received::new(inner, object, &path))))
                    }
                    _ => None,
                }
            })
            .collect();
        Received {
            schema,
            values,
            at: at.to_owned(),
        }
    }

    /// The paths of the members left out, here and in nested objects.
    fn left_out(&self, out: &mut Vec<String>) {
        for (field, value) in self.schema.fields.iter().zip(&self.values) {
            match value {
                None => out.push(format!("{}/{}", self.at, field.wire_name)),
                Some(Value::Object(inner)) => inner.left_out(out),
                Some(_) => {}
            }
        }
    }
}

impl FieldAccess for Received<'_> {
    fn object_schema(&self) -> &'static Schema {
        self.schema
    }

    fn field(&self, index: usize) -> Wire<'_> {
        match self.values.get(index) {
            Some(Some(Value::Str(s))) => Wire::Str(s),
            Some(Some(Value::Int(i))) => Wire::Int(*i),
            Some(Some(Value::UInt(u))) => Wire::UInt(*u),
            Some(Some(Value::Yuan(fen))) => Wire::Yuan(*fen),
            Some(Some(Value::Object(inner))) => Wire::Object(&**inner),
            // Left out (reported by decoding), or absent.
            Some(Some(Value::Absent) | None) | None => Wire::Absent,
        }
    }
}
