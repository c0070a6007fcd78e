//! Renders a [`Schema`] as the provider-style parameter table (markdown), nested objects
//! as further tables below it.

use crate::schema::{FieldSchema, Kind, Location, Rule, Schema, SignScheme};
use std::fmt::Write as _;

fn presence(schema: &Schema, field: &FieldSchema) -> String {
    let mut parts = Vec::new();
    if field.location == Location::Path {
        parts.push("path parameter".to_owned());
    }
    if !field.optional {
        parts.push("required".to_owned());
    } else if let Some(g) = field.group {
        parts.push(if g.required {
            format!("required in group `{}`", g.group)
        } else {
            format!("optional in group `{}`", g.group)
        });
    }
    for c in field.required_if {
        parts.push(format!("required if {} = {}", c.wire_name, c.value));
    }
    if field.optional && field.group.is_none() && field.required_if.is_empty() {
        parts.push("optional".to_owned());
    }
    if schema.sign.scheme != SignScheme::None && !field.signed {
        parts.push("not signed".to_owned());
    }
    parts.join(", ")
}

fn limits(field: &FieldSchema) -> String {
    field
        .rules
        .iter()
        .map(|rule| match rule {
            Rule::Len(b) => format!("len {b} bytes"),
            Rule::Chars(b) => format!("chars {b}"),
            Rule::Range(b) => format!("range {b}"),
            Rule::OneOf(values) => format!("one of {}", values.join(" / ")),
            Rule::Format(f) => f.name().to_owned(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// How an object sits in its parent's member.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holding {
    /// The member's value.
    Value,
    /// An element of the member's array.
    Element,
    /// An item of an indexed family, counted by this member.
    Indexed(&'static str),
    /// The document the member's encrypted text holds.
    Encrypted,
}

/// The objects a field's kind holds, each with how it sits there.
fn nested(kind: &Kind, holding: Holding, out: &mut Vec<(&'static Schema, Holding)>) {
    match kind {
        Kind::Object(s) => out.push((s, holding)),
        Kind::Encrypted { document, .. } => out.push((document, Holding::Encrypted)),
        Kind::Array(inner) => nested(inner, Holding::Element, out),
        Kind::Indexed { item, count } => out.push((item, Holding::Indexed(count))),
        Kind::OneOf(kinds) => kinds.iter().for_each(|k| nested(k, holding, out)),
        _ => {}
    }
}

/// A table still to print: its heading, the member path of the object (empty for the
/// top level), the object's schema, and the suffix its members carry on the wire (`_$n`
/// for the items of an indexed family, `_$n_$m` for a family inside one).
type Pending = (String, String, &'static Schema, String);

fn table(out: &mut String, (title, at, schema, suffix): &Pending, pending: &mut Vec<Pending>) {
    let _ = writeln!(out, "### {title}\n");
    if !schema.doc.is_empty() {
        let _ = writeln!(out, "{}\n", schema.doc);
    }
    out.push_str("| wire name | type | presence | limits | description |\n|---|---|---|---|---|\n");
    for c in schema.constants {
        let _ = writeln!(
            out,
            "| `{}` | constant | always sent | = `{}` | |",
            c.wire_name, c.value
        );
    }
    for field in schema.fields {
        let _ = writeln!(
            out,
            "| `{}{suffix}` | {} | {} | {} | {} |",
            field.wire_name,
            cell(&field.kind.to_string()),
            presence(schema, field),
            cell(&limits(field)),
            cell(field.doc)
        );
        let mut objects = Vec::new();
        nested(&field.kind, Holding::Value, &mut objects);
        // A member of several shapes names each object after its table's path.
        let several = objects.len() > 1;
        for (inner, holding) in objects {
            let mark = if holding == Holding::Element {
                "[]"
            } else {
                ""
            };
            let path = if at.is_empty() {
                format!("{}{mark}", field.wire_name)
            } else {
                format!("{at}.{}{mark}", field.wire_name)
            };
            let mut title = if several {
                format!("`{path}` ({})", inner.name)
            } else {
                format!("`{path}`")
            };
            let mut inner_suffix = suffix.clone();
            if let Holding::Indexed(count) = holding {
                let letter = ["n", "m", "k", "j"]
                    .get(suffix.matches('$').count())
                    .unwrap_or(&"i");
                inner_suffix.push_str(&format!("_${letter}"));
                let _ = write!(
                    title,
                    ", an indexed family: member `name{inner_suffix}` of item ${letter}, ${letter} from 0 to {count}{suffix} - 1"
                );
            }
            if holding == Holding::Encrypted {
                title.push_str(", encrypted: the document inside, once opened with the key");
                inner_suffix.clear();
            }
            pending.push((title, path, inner, inner_suffix));
        }
    }
    if schema.sign.scheme != SignScheme::None {
        let case = match schema.sign.case {
            crate::schema::HexCase::Upper => "upper-case hex",
            crate::schema::HexCase::Lower => "lower-case hex",
        };
        let (shape, how) = match schema.sign.scheme {
            SignScheme::Md5Concat => (
                case,
                "MD5 of the signed values in order, then the secret".to_owned(),
            ),
            SignScheme::RsaSha256Sorted => (
                "base64",
                "SHA256withRSA (PKCS#1 v1.5) over the sorted fields, no key suffix".to_owned(),
            ),
            SignScheme::Custom(name) => (
                "text",
                format!("`{name}` (a custom scheme) over the sorted fields"),
            ),
            scheme => (
                case,
                format!(
                    "{} over the sorted fields, then `&{}=SECRET`",
                    scheme.name(),
                    schema.sign.key_name
                ),
            ),
        };
        let empties = if schema.sign.empty == crate::schema::EmptyValues::Keep
            && schema.sign.scheme.is_sorted()
        {
            "; empty values signed as `name=`"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| `{}` | string | computed | {shape} | {how}{empties} |",
            schema.sign.field
        );
    }
    out.push('\n');
}

/// The parameter table of `schema` and of every nested object, as markdown.
pub fn markdown(schema: &'static Schema) -> String {
    let mut out = String::new();
    if let Some(format) = schema.format {
        let _ = writeln!(
            out,
            "## {}\n\nformat: {} · signature: {}\n",
            schema.name,
            format.name(),
            schema.sign.scheme
        );
    }
    let mut pending: Vec<Pending> =
        vec![(schema.name.to_owned(), String::new(), schema, String::new())];
    let mut i = 0;
    while i < pending.len() {
        let next = pending[i].clone();
        table(&mut out, &next, &mut pending);
        i += 1;
    }
    out
}

fn kind_json(kind: &Kind) -> serde_json::Value {
    match kind {
        Kind::Object(s) => json_object(s),
        Kind::Encrypted { cipher, document } => serde_json::json!({
            "type": "string (encrypted)",
            "cipher": cipher,
            "document": json_object(document),
        }),
        Kind::Array(inner) => serde_json::json!({ "type": "array", "items": kind_json(inner) }),
        Kind::Indexed { item, count } => serde_json::json!({
            "type": "indexed family",
            "count": count,
            "items": json_object(item),
        }),
        Kind::OneOf(kinds) => {
            serde_json::json!({ "one_of": kinds.iter().map(kind_json).collect::<Vec<_>>() })
        }
        other => serde_json::json!({ "type": other.to_string() }),
    }
}

fn json_object(schema: &'static Schema) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = schema
        .fields
        .iter()
        .map(|f| {
            let mut v = kind_json(&f.kind);
            v["wire_name"] = f.wire_name.into();
            v["presence"] = presence(schema, f).into();
            v["required"] = (!f.optional).into();
            v["limits"] = limits(f).into();
            v["location"] = if f.location == Location::Path {
                "path"
            } else {
                "body"
            }
            .into();
            v["signed"] = f.signed.into();
            v["doc"] = f.doc.into();
            v
        })
        .collect();
    let constants: Vec<serde_json::Value> = schema
        .constants
        .iter()
        .map(|c| serde_json::json!({ "wire_name": c.wire_name, "value": c.value.to_string() }))
        .collect();
    serde_json::json!({ "type": "object", "name": schema.name, "doc": schema.doc, "constants": constants, "fields": fields })
}

/// The parameter table of `schema` as JSON: fields (nested objects inline), constants,
/// format and signature rule.
pub fn json(schema: &'static Schema) -> serde_json::Value {
    let mut v = json_object(schema);
    v["format"] = schema.format.map(|f| f.name()).into();
    v["signature"] = serde_json::json!({
        "scheme": schema.sign.scheme.to_string(),
        "field": schema.sign.field,
        "key_name": schema.sign.key_name,
        "empty_values": schema.sign.empty.name(),
        "case": match schema.sign.case { crate::schema::HexCase::Upper => "upper", crate::schema::HexCase::Lower => "lower" },
    });
    v
}
