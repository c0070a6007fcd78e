//! The outgoing value model: every declared field turns into a [`Wire`] through the
//! [`WireValue`] trait, and the validator, the sign-string writer and the three encoders
//! all read that one view. The trait is where type-driven behaviour lives: what "length"
//! means, what an absent value is, how a value is decoded back.

pub(crate) mod json;

use crate::decode::node::{Node, NodeObject};
use crate::decode::problem::{DecodeErrors, Problem};
use crate::error::SchemaErrors;
use crate::money::{Fen, Yuan};
use crate::path::Path;
use crate::schema::{ConstValue, Kind, Location, Schema};

/// A borrowed view of one field's value, as it goes on the wire.
pub enum Wire<'a> {
    /// `None`: the field is not sent.
    Absent,
    /// A string.
    Str(&'a str),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (fen, counts).
    UInt(u64),
    /// Fen rendered as yuan with two decimals, a string on the wire.
    Yuan(u64),
    /// A value embedded as JSON text ([`crate::JsonText`]), a string on the wire.
    JsonText(&'a dyn EmbeddedJson),
    /// A nested declared object.
    Object(&'a dyn FieldAccess),
    /// An array of values.
    Array(&'a dyn WireArray),
}

impl Wire<'_> {
    /// Whether the field is not sent.
    pub fn is_absent(&self) -> bool {
        matches!(self, Wire::Absent)
    }

    /// Whether the value counts as missing for a required field: absent or empty text.
    pub fn is_missing(&self) -> bool {
        match self {
            Wire::Absent => true,
            Wire::Str(s) => s.is_empty(),
            _ => false,
        }
    }

    /// The value as an integer, for `range` checks.
    pub fn as_integer(&self) -> Option<i128> {
        match *self {
            Wire::Int(i) => Some(i128::from(i)),
            Wire::UInt(u) | Wire::Yuan(u) => Some(i128::from(u)),
            _ => None,
        }
    }
}

/// Formats fen as `"50.00"` without allocating.
pub(crate) struct YuanBuf {
    bytes: [u8; 24],
    len: usize,
}

impl YuanBuf {
    pub(crate) fn new() -> Self {
        YuanBuf {
            bytes: [0; 24],
            len: 0,
        }
    }

    pub(crate) fn format(&mut self, fen: u64) -> &str {
        let mut ints = itoa::Buffer::new();
        let whole = ints.format(fen / 100).as_bytes();
        let cents = (fen % 100) as u8;
        self.bytes[..whole.len()].copy_from_slice(whole);
        self.bytes[whole.len()] = b'.';
        self.bytes[whole.len() + 1] = b'0' + cents / 10;
        self.bytes[whole.len() + 2] = b'0' + cents % 10;
        self.len = whole.len() + 3;
        // Only ASCII digits and '.' were written.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// An array value, seen element by element.
pub trait WireArray {
    /// Number of elements.
    fn len(&self) -> usize;
    /// Whether there are no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Element `index`.
    fn get(&self, index: usize) -> Wire<'_>;
}

impl<T: WireValue> WireArray for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, index: usize) -> Wire<'_> {
        self[index].wire()
    }
}

/// A type that can be a field of a declared struct.
///
/// Implemented for strings, integers, [`Fen`], [`Yuan`], [`crate::JsonText`], `Option<T>`,
/// `Vec<T>` and every struct deriving `PayObject`; implement it for your own types to use
/// them as fields.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a paywire field",
    label = "not a wire value",
    note = "fields are String, integers, paywire::Fen, paywire::Yuan, paywire::JsonText<T>, Option<T>, Vec<T>, or a struct deriving PayObject"
)]
pub trait WireValue: Sized {
    /// The wire shape, shown in `SCHEMA`.
    const KIND: Kind;
    /// Whether the field may be absent: `Option<T>`, or a type whose own value stands
    /// for "nothing sent".
    const OPTIONAL: bool = false;
    /// The value as it goes on the wire.
    fn wire(&self) -> Wire<'_>;
    /// Reads the value back from a received node (`None` when the member is missing).
    /// Problems are pushed to `errors`; `None` is returned after any problem.
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self>;

    /// Reads the member `name` of `object`: what the derived typed decoding calls once
    /// per field, so one copy per field type serves every struct of a crate.
    #[doc(hidden)]
    #[inline]
    fn __decode_member(
        object: &NodeObject,
        at: &Path<'_>,
        name: &'static str,
        errors: &mut DecodeErrors,
    ) -> Option<Self> {
        Self::decode(object.get(name), &at.key(name), errors)
    }

    /// The value's text when it is plain text, the usual case, which the member writers
    /// take without building a [`Wire`]: `None` for every other value (then [`wire`]
    /// says what it is, absent included).
    ///
    /// [`wire`]: WireValue::wire
    #[doc(hidden)]
    #[inline]
    fn __text(&self) -> Option<&str> {
        None
    }
}

/// Takes the node of a required value, reporting it missing otherwise.
fn required<'n>(
    node: Option<&'n Node>,
    expected: &'static str,
    at: &Path<'_>,
    errors: &mut DecodeErrors,
) -> Option<&'n Node> {
    match node {
        None | Some(Node::Null) => {
            errors.push(at, Problem::Missing { expected });
            None
        }
        Some(n) => Some(n),
    }
}

impl WireValue for String {
    const KIND: Kind = Kind::Str;
    fn wire(&self) -> Wire<'_> {
        Wire::Str(self)
    }
    #[inline]
    fn __text(&self) -> Option<&str> {
        Some(self)
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match required(node, "a string", at, errors)? {
            Node::Str(s) | Node::Text(s) => Some(s.clone()),
            other => {
                errors.push(
                    at,
                    Problem::WrongType {
                        expected: "a string",
                        got: other.type_name(),
                    },
                );
                None
            }
        }
    }
}

impl<T: WireValue> WireValue for Option<T> {
    const KIND: Kind = T::KIND;
    const OPTIONAL: bool = true;
    fn wire(&self) -> Wire<'_> {
        match self {
            Some(v) => v.wire(),
            None => Wire::Absent,
        }
    }
    #[inline]
    fn __text(&self) -> Option<&str> {
        self.as_ref().and_then(T::__text)
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match node {
            None | Some(Node::Null) => Some(None),
            Some(n) => T::decode(Some(n), at, errors).map(Some),
        }
    }
}

impl<T: WireValue> WireValue for Vec<T> {
    const KIND: Kind = Kind::Array(&T::KIND);
    fn wire(&self) -> Wire<'_> {
        Wire::Array(self)
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match required(node, "an array", at, errors)? {
            Node::Array(items) => {
                let before = errors.len();
                let decoded: Vec<Option<T>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| T::decode(Some(n), &at.index(i), errors))
                    .collect();
                if errors.len() > before {
                    return None;
                }
                decoded.into_iter().collect()
            }
            other => {
                errors.push(
                    at,
                    Problem::WrongType {
                        expected: "an array",
                        got: other.type_name(),
                    },
                );
                None
            }
        }
    }
}

/// Parses an integer from a received node: a JSON number, or the text of an XML element
/// or form value (plain decimal digits, `-` allowed for signed types, nothing else).
pub(crate) fn decode_integer(
    node: Option<&Node>,
    min: i128,
    max: i128,
    at: &Path<'_>,
    errors: &mut DecodeErrors,
) -> Option<i128> {
    let value = match required(node, "an integer", at, errors)? {
        Node::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        Node::Text(t) => {
            let digits = t.strip_prefix('-').unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(at, Problem::NotInteger { text: t.clone() });
                return None;
            }
            t.parse::<i128>().ok()
        }
        other => {
            errors.push(
                at,
                Problem::WrongType {
                    expected: "an integer",
                    got: other.type_name(),
                },
            );
            return None;
        }
    };
    match value {
        Some(v) if v >= min && v <= max => Some(v),
        _ => {
            let text = node.map(|n| n.to_string()).unwrap_or_default();
            errors.push(at, Problem::IntegerOutOfType { text, min, max });
            None
        }
    }
}

macro_rules! integer_wire_value {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl WireValue for $t {
            const KIND: Kind = Kind::Int { min: <$t>::MIN as i128, max: <$t>::MAX as i128 };
            fn wire(&self) -> Wire<'_> {
                Wire::$variant((*self).into())
            }
            fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
                decode_integer(node, <$t>::MIN as i128, <$t>::MAX as i128, at, errors)
                    .and_then(|v| <$t>::try_from(v).ok())
            }
        }
    )*};
}

integer_wire_value!(
    u8 => UInt, u16 => UInt, u32 => UInt, u64 => UInt,
    i8 => Int, i16 => Int, i32 => Int, i64 => Int,
);

/// A number written out (`-3`, `9.90`) rather than other text: a sign, digits, a point.
fn looks_numeric(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

impl WireValue for Fen {
    const KIND: Kind = Kind::Fen;
    fn wire(&self) -> Wire<'_> {
        Wire::UInt(self.get())
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        // A JSON string of decimal digits is an exact amount too: some gateways quote
        // their integers, and refusing an authentic notification for it would have it
        // retried for ever. Anything else in quotes (a sign, a point, spaces) is refused.
        let quoted_digits = match node {
            Some(Node::Str(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                Some(Node::Text(s.clone()))
            }
            _ => None,
        };
        // A number that is not a whole number of fen, or negative, or too large, is named
        // as an amount (`1.5` is most likely yuan), not as an integer type's range.
        let not_fen = match node {
            Some(Node::Number(n)) if n.as_u64().is_none() => match n.as_f64() {
                // A whole number past u64 (JSON keeps it as a float): too large.
                Some(f) if f >= 0.0 && f.fract() == 0.0 => Some(format!("{f:.0}")),
                _ => Some(n.to_string()),
            },
            Some(Node::Text(t) | Node::Str(t)) if looks_numeric(t) && t.parse::<u64>().is_err() => {
                Some(t.clone())
            }
            _ => None,
        };
        if let Some(text) = not_fen {
            errors.push(at, Problem::NotFen { text });
            return None;
        }
        decode_integer(
            quoted_digits.as_ref().or(node),
            0,
            i128::from(u64::MAX),
            at,
            errors,
        )
        .and_then(|v| u64::try_from(v).ok())
        .map(Fen::new)
    }
}

impl WireValue for Yuan {
    const KIND: Kind = Kind::Yuan;
    fn wire(&self) -> Wire<'_> {
        Wire::Yuan(self.fen().get())
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match required(node, "a yuan string such as \"50.00\"", at, errors)? {
            Node::Str(s) | Node::Text(s) => match s.parse::<Yuan>() {
                Ok(y) => Some(y),
                Err(error) => {
                    errors.push(
                        at,
                        Problem::Money {
                            text: s.clone(),
                            error,
                        },
                    );
                    None
                }
            },
            other => {
                // A JSON number here would be a float: refuse it rather than round.
                errors.push(
                    at,
                    Problem::WrongType {
                        expected: "a yuan string such as \"50.00\"",
                        got: other.type_name(),
                    },
                );
                None
            }
        }
    }
}

/// Object-safe access to a declared struct's fields by index into its schema. This one
/// view is what validation reports, the JSON encoder, nested objects and serde consume,
/// so the derive emits a single `match` per struct for them. (A request's per-call hot
/// path, its validity check, sign string and XML/form body, is emitted straight-line.)
pub trait FieldAccess {
    /// The struct's schema.
    fn object_schema(&self) -> &'static Schema;
    /// The value of field `index` (declaration order, as in [`Schema::fields`]).
    fn field(&self, index: usize) -> Wire<'_>;
    /// Checks declared with `#[pay(validate_with = path)]`, run after the field rules.
    fn custom_checks(&self, at: &Path<'_>, errors: &mut SchemaErrors) {
        let _ = (at, errors);
    }
    /// Whether every declared rule holds, without a report: the fast path of validation,
    /// emitted by the derive. `false` only sends validation to the reporting interpreter.
    #[doc(hidden)]
    fn __is_valid(&self) -> bool {
        false
    }
    /// Appends `,"name":value` for every member that travels in the body (constants, then
    /// fields in declaration order), emitted straight-line by the derive. An
    /// implementation written by hand keeps this default, `false`, and the JSON writer
    /// walks its schema instead, writing the same text (`tests/tests/json_members.rs`
    /// compares the two on every shipped request).
    #[doc(hidden)]
    fn __write_json_members(&self, out: &mut Vec<u8>) -> bool {
        let _ = out;
        false
    }
}

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

/// The view of a [`JsonText`](crate::JsonText) that validation and encoding need.
pub trait EmbeddedJson {
    /// The JSON text.
    fn text(&self) -> String;
    /// The value inside, for validation.
    fn inner(&self) -> Wire<'_>;
}
