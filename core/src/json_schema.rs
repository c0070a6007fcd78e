//! A declared request's table as a JSON Schema (draft 2020-12), for front ends and other
//! services that check the same orders before they reach paywire: the object keyed by
//! wire names that `paywire sign` and serde read.
//!
//! Everything a JSON Schema can say is said exactly: presence (`required`, and
//! `required_if` as `if`/`then`), `one_of` as `enum`, integer ranges, character lengths,
//! text formats as patterns or `format`, nested objects and arrays, no undeclared members.
//! What it cannot say is carried in `x-paywire-*` members beside the nearest standard
//! bound: byte lengths (`maxLength` counts characters, so a byte limit gives only the
//! weaker `maxLength`), amounts in fen for a yuan string, exclusive groups, checks written
//! in Rust (`validate_with`). paywire's own validation stays the authority.

use crate::schema::{FieldSchema, Kind, Location, Rule, Schema, TextFormat};
use serde_json::{json, Map, Value};

/// The JSON Schema of `schema`'s JSON form (constants, which paywire adds, may be given
/// with their fixed value; path parameters are members like the others).
pub fn json_schema(schema: &'static Schema) -> Value {
    let mut root = object(schema);
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema".into();
    root["title"] = schema.name.into();
    root
}

fn object(schema: &'static Schema) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut conditions = Vec::new();
    for c in schema.constants {
        let value = match c.value {
            crate::schema::ConstValue::Str(s) => json!(s),
            crate::schema::ConstValue::Int(i) => json!(i),
        };
        properties.insert(c.wire_name.into(), json!({ "const": value }));
    }
    for field in schema.fields {
        properties.insert(field.wire_name.into(), property(field));
        if !field.optional {
            required.push(field.wire_name);
        }
        for c in field.required_if {
            conditions.push(json!({
                "if": { "properties": { c.wire_name: { "const": c.value } }, "required": [c.wire_name] },
                "then": { "required": [field.wire_name] },
            }));
        }
    }
    let mut out = json!({
        "type": "object",
        "description": schema.doc,
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    if !conditions.is_empty() {
        out["allOf"] = conditions.into();
    }
    let groups: Vec<Value> = schema
        .fields
        .iter()
        .filter_map(|f| f.group.map(|g| json!({ "member": f.wire_name, "group": g.group, "required_in_group": g.required })))
        .collect();
    if !groups.is_empty() {
        out["x-paywire-exclusive-groups"] = groups.into();
    }
    out
}

fn kind(kind: &Kind) -> Value {
    match kind {
        Kind::Str => json!({ "type": "string" }),
        Kind::Int { min, max } => {
            json!({ "type": "integer", "minimum": bound(*min), "maximum": bound(*max) })
        }
        // The integer form; paywire also reads a quoted integer, which gateways send.
        Kind::Fen => json!({ "type": "integer", "minimum": 0, "description": "an amount in fen" }),
        Kind::Yuan => {
            json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": "yuan with at most two decimals, such as \"50.00\"" })
        }
        Kind::JsonText => json!({ "type": "string", "contentMediaType": "application/json" }),
        Kind::Object(inner) => object(inner),
        // Text on the wire; the document inside is described beside it, since a JSON
        // Schema validator sees only the ciphertext.
        Kind::Encrypted { cipher, document } => json!({
            "type": "string",
            "x-paywire-encrypted": { "cipher": cipher, "document": object(document) },
        }),
        Kind::Array(inner) => json!({ "type": "array", "items": self::kind(inner) }),
        // The JSON form of a family is the array of its items; the flat wire spelling
        // (`name_n`, counted by `count`) travels beside it.
        Kind::Indexed { item, count } => json!({
            "type": "array",
            "items": object(item),
            "x-paywire-indexed": { "count": count, "members": "name_$n" },
        }),
        Kind::OneOf(kinds) => json!({ "anyOf": kinds.iter().map(self::kind).collect::<Vec<_>>() }),
    }
}

/// An integer bound as JSON: i128 bounds of u64/i64 fields fit a JSON number exactly.
fn bound(v: i128) -> Value {
    i64::try_from(v)
        .map(Value::from)
        .or_else(|_| u64::try_from(v).map(Value::from))
        .unwrap_or(Value::Null)
}

fn property(field: &FieldSchema) -> Value {
    let mut out = kind(&field.kind);
    let is_text = matches!(
        field.kind,
        Kind::Str | Kind::JsonText | Kind::Encrypted { .. }
    );
    if !field.doc.is_empty() {
        out["description"] = field.doc.into();
    }
    // A required text that is empty counts as missing.
    if !field.optional && is_text {
        out["minLength"] = 1.into();
    }
    for rule in field.rules {
        match *rule {
            Rule::Chars(b) => {
                out["minLength"] = b.min.max(out["minLength"].as_u64().unwrap_or(0)).into();
                if let Some(max) = b.max {
                    out["maxLength"] = max.into();
                }
            }
            Rule::Len(b) => {
                // A string of n characters has at least n bytes: the byte maximum bounds
                // the characters too (the exact rule travels beside it).
                if let Some(max) = b.max {
                    out["maxLength"] = max.into();
                }
                out["x-paywire-len-bytes"] = json!({ "min": b.min, "max": b.max });
            }
            Rule::Range(b) => match field.kind {
                Kind::Yuan => {
                    out["x-paywire-range-fen"] = json!({ "min": bound(b.min), "max": bound(b.max) })
                }
                _ => {
                    out["minimum"] = bound(b.min);
                    out["maximum"] = bound(b.max);
                }
            },
            Rule::OneOf(values) => {
                out["enum"] = match field.kind {
                    Kind::Int { .. } | Kind::Fen => values
                        .iter()
                        .map(|v| {
                            v.parse::<i64>()
                                .map(Value::from)
                                .unwrap_or_else(|_| json!(v))
                        })
                        .collect(),
                    _ => values.iter().map(|v| json!(v)).collect(),
                };
            }
            Rule::Format(format) => text_format(&mut out, format),
        }
    }
    if field.location == Location::Path {
        out["x-paywire-location"] = "path".into();
    }
    out
}

/// An IPv4 address as a dotted quad (octets 0-255 without leading zeros) or an IPv6
/// address in any of its text forms (RFC 4291 2.2, an IPv4 tail included), as the
/// standard library reads them; `tests/tests/json_schema.rs` holds the two to the same
/// answers under Python's `jsonschema`.
fn ip_pattern() -> String {
    const OCTET: &str = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    const GROUP: &str = "[0-9A-Fa-f]{1,4}";
    let v4 = format!("{OCTET}(?:\\.{OCTET}){{3}}");
    // `k` groups before `::`, up to `max` after it.
    let compressed = |k: usize, tail: &str| {
        let head = match k {
            0 => String::new(),
            k => format!("(?:{GROUP}:){{{}}}{GROUP}", k - 1),
        };
        format!("{head}::{tail}")
    };
    let mut forms = vec![
        format!("(?:{GROUP}:){{7}}{GROUP}"),
        format!("(?:{GROUP}:){{6}}{v4}"),
    ];
    for k in 0..8 {
        let tail = match 7 - k {
            0 => String::new(),
            m => format!("(?:{GROUP}(?::{GROUP}){{0,{}}})?", m - 1),
        };
        forms.push(compressed(k, &tail));
    }
    for k in 0..6 {
        let tail = match 5 - k {
            0 => v4.clone(),
            m => format!("(?:{GROUP}:){{0,{m}}}{v4}"),
        };
        forms.push(compressed(k, &tail));
    }
    format!("^(?:{v4}|{})$", forms.join("|"))
}

fn text_format(out: &mut Value, format: TextFormat) {
    out["x-paywire-format"] = format.name().into();
    let pattern = match format {
        TextFormat::Rfc3339 => {
            out["format"] = "date-time".into();
            return;
        }
        TextFormat::Url | TextFormat::HttpsUrl => {
            out["format"] = "uri".into();
            if format == TextFormat::HttpsUrl {
                "^https?://[^?]*$"
            } else {
                "^https?://"
            }
        }
        TextFormat::Ip => {
            out["pattern"] = portable(&ip_pattern()).into();
            return;
        }
        // No portable pattern (a character class of 4-byte UTF-8 differs between
        // engines): the exact rule travels in x-paywire-format.
        TextFormat::Utf8mb3 => return,
        TextFormat::CompactTime => "^[0-9]{14}$",
        TextFormat::DateTime => "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$",
        TextFormat::Alphanumeric => "^[A-Za-z0-9]*$",
        TextFormat::TradeNo => "^[A-Za-z0-9_|*@-]*$",
    };
    out["pattern"] = portable(pattern).into();
}

/// `pattern` (anchored with `^`) refusing any newline: `$` is the end of the text in
/// ECMA-262, which JSON Schema names, but also the place before a final newline in
/// Python's and PCRE's engines, where `"1.2.3.4\n"` would pass.
fn portable(pattern: &str) -> String {
    match pattern.strip_prefix('^') {
        Some(rest) => format!("^(?!.*\n){rest}"),
        None => format!("^(?!.*\n)(?:{pattern})"),
    }
}
