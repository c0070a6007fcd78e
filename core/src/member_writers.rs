//! What the code the derives generate calls once per member and request: the sign
//! string's pairs and values, the XML, JSON and form members, each chosen per member at
//! compile time (its tags' length, its markup class). Reached through
//! `paywire::__private`.

use crate::encode::xml::Markup;
use crate::encode::BodyWriter;
use crate::sign::{SignWriter, Signature};
use crate::value::{Wire, WireValue};

/// Sorted schemes: one signed field after the first `at` bytes, `prefix` being `&name=`
/// (empty values are skipped). Returns the new length.
///
/// The prefix is an array so that its length `P` is a constant: the copy is one or two
/// fixed moves. Unlike the body writers this one is inlined into each signed member: it
/// is two copies into the stack buffer, and a copy per member cost the 50-request crate
/// little build time for 435 fewer instructions per SwiftPass request
/// (docs/PERFORMANCE.md, "Compile cost").
#[inline(always)]
pub fn sign_pair<const P: usize>(
    value: Wire<'_>,
    writer: &mut SignWriter,
    at: usize,
    prefix: &'static [u8; P],
) -> usize {
    // Tests in order rather than a jump table, as in `xml_member`; amounts are formatted
    // right here, on the stack.
    if let Wire::Str(s) = value {
        writer.pair(at, prefix, s)
    } else if value.is_absent() {
        at
    } else if let Wire::UInt(u) = value {
        writer.pair(at, prefix, itoa::Buffer::new().format(u))
    } else {
        writer.pair_wire(at, prefix, &value)
    }
}

/// `md5-concat`: one signed field's value after the first `at` bytes.
#[inline]
pub fn sign_value(value: Wire<'_>, writer: &mut SignWriter, at: usize) -> usize {
    // Tests in order rather than a jump table, as in `xml_member`.
    if let Wire::Str(s) = value {
        writer.value(at, s)
    } else if value.is_absent() {
        at
    } else if let Wire::UInt(u) = value {
        writer.value(at, itoa::Buffer::new().format(u))
    } else {
        writer.value_wire(at, &value)
    }
}

/// XML bodies: one member as `<name>value</name>` after the first `at` bytes, left out
/// when absent; `tags` is `<name></name>`, the two tags the derive spelled out.
///
/// These per-member writers are shared rather than inlined into each member: a copy per
/// member made a crate of 50 SwiftPass requests build 3.3 times as long as with serde's
/// derive (docs/PERFORMANCE.md, "Compile cost"), and this one is small enough that the
/// optimizer would inline it again unless told not to. The tags are an array and the
/// markup class a type, so the tags' length and the class are constants of an
/// instantiation shared by every member whose name is as long and whose value is of the
/// same class.
#[inline(never)]
pub fn xml_member<const T: usize, M: markup::Class>(
    value: Wire<'_>,
    body: &mut BodyWriter,
    at: usize,
    tags: &'static [u8; T],
    markup: M,
) -> usize {
    // Tests in order rather than a `match`, which compiled to a jump table (one indirect
    // jump shared by every member, whatever its kind). Text is the common case;
    // numbers and the rest are written apart.
    if let Wire::Str(s) = value {
        xml_text_member(s, body, at, tags, markup)
    } else if value.is_absent() {
        at
    } else {
        body.xml_general(at, tags, &value, M::MARKUP)
    }
}

/// XML bodies: one field, as [`xml_member`]; text goes to [`xml_text_member`] as it is,
/// in two registers, instead of as a [`Wire`] on the stack, and an absent value costs
/// a test here instead of a call.
#[inline]
pub fn xml_field<V: WireValue, const T: usize, M: markup::Class>(
    value: &V,
    body: &mut BodyWriter,
    at: usize,
    tags: &'static [u8; T],
    markup: M,
) -> usize {
    match value.__text() {
        Some(text) => xml_text_member(text, body, at, tags, markup),
        None => match value.wire() {
            Wire::Absent => at,
            wire => xml_member(wire, body, at, tags, markup),
        },
    }
}

/// XML bodies: one text member, as [`xml_member`].
#[inline(never)]
pub fn xml_text_member<const T: usize, M: markup::Class>(
    text: &str,
    body: &mut BodyWriter,
    at: usize,
    tags: &'static [u8; T],
    _markup: M,
) -> usize {
    match body.xml_text_leaf(at, tags, text.as_bytes(), M::MARKUP) {
        Some(end) => end,
        None => body.xml_general(at, tags, &Wire::Str(text), M::MARKUP),
    }
}

/// XML bodies: the signature member, as [`xml_member`] with `markup` the class of what
/// the scheme returns. Hex digests are copied as bytes: they are ASCII digits, and
/// checking that they are UTF-8 cost more than writing them.
#[inline(never)]
pub fn xml_signature<const T: usize, M: markup::Class>(
    signature: &Signature,
    body: &mut BodyWriter,
    at: usize,
    tags: &'static [u8; T],
    _markup: M,
) -> usize {
    if let Signature::Digest(digest) = signature {
        if let Some(end) = body.xml_text_leaf(at, tags, digest.as_bytes(), Markup::Free) {
            return end;
        }
    }
    body.xml_general(at, tags, &Wire::Str(signature.as_str()), M::MARKUP)
}

/// XML bodies: members known when the code was generated (constants), written as they
/// are: `elements` holds whole elements, tags and text without markup.
#[inline(never)]
pub fn xml_literal<const N: usize>(
    body: &mut BodyWriter,
    at: usize,
    elements: &'static [u8; N],
) -> usize {
    body.put(at, elements)
}

/// What a validated value can hold that XML must escape ([`Markup`]), as types: the
/// derive names one per member, so `xml_member` is instantiated per class and the
/// class's branch is decided when it is compiled.
pub mod markup {
    use super::Markup;

    /// A [`Markup`] class as a type.
    pub trait Class {
        /// The class.
        const MARKUP: Markup;
    }
    /// [`Markup::Possible`].
    #[derive(Clone, Copy, Debug)]
    pub struct Possible;
    impl Class for Possible {
        const MARKUP: Markup = Markup::Possible;
    }
    /// [`Markup::AmpersandOnly`].
    #[derive(Clone, Copy, Debug)]
    pub struct AmpersandOnly;
    impl Class for AmpersandOnly {
        const MARKUP: Markup = Markup::AmpersandOnly;
    }
    /// [`Markup::Free`].
    #[derive(Clone, Copy, Debug)]
    pub struct Free;
    impl Class for Free {
        const MARKUP: Markup = Markup::Free;
    }
}

/// JSON: one member as `,"name":value` appended to `out`, left out when absent (the
/// object's writer turns the first comma into `{`).
#[inline]
pub fn json_member(value: Wire<'_>, out: &mut Vec<u8>, prefix: &'static str) {
    if !value.is_absent() {
        out.extend_from_slice(prefix.as_bytes());
        crate::value::json::write_value(out, &value);
    }
}

/// Form bodies: one member as `name=value` after the first `at` bytes, left out when
/// absent.
#[inline]
pub fn form_member<const P: usize>(
    value: Wire<'_>,
    body: &mut BodyWriter,
    at: usize,
    prefix: &'static [u8; P],
) -> usize {
    match value {
        Wire::Absent => at,
        Wire::Str(s) => body.form_text(at, prefix, s),
        other => body.form_wire(at, prefix, &other),
    }
}
