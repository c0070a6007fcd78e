//! The per-call writers of requests: the canonical sign string and the XML or form body,
//! one call of a shared member writer per member with names, prefixes and tags spelled
//! out here, so nothing is looked up, sorted or formatted at run time.

use crate::check::{Checked, SignEntry};
use crate::model::{ConstValue, Field, Format, Scheme};
use crate::text_format::Markup;
use proc_macro2::TokenStream;
use quote::quote;

use super::tokens::{field_ref, wire};

/// The text of a constant as it travels.
pub(crate) fn constant_text(value: &ConstValue) -> String {
    match value {
        ConstValue::Str(s) => s.clone(),
        ConstValue::Int(i) => i.to_string(),
    }
}

/// A tag or prefix as a byte-string literal (`b"<name>"`): an array, whose length the
/// shared member writers take as a constant.
fn bytes(text: &str) -> proc_macro2::Literal {
    proc_macro2::Literal::byte_string(text.as_bytes())
}

/// One XML member through the shared `writer` of `__private`: the value, the member's
/// two tags as one array, `b"<name></name>"` (the writers split it in the middle), and
/// the markup class as a type.
fn xml_write(writer: &str, value: TokenStream, wire: &str, markup: Markup) -> TokenStream {
    let writer = proc_macro2::Ident::new(writer, proc_macro2::Span::call_site());
    let tags = bytes(&format!("<{wire}></{wire}>"));
    let markup = crate::text_format::markup_variant(markup);
    quote!(let at = _pw::__private::#writer(#value, body, at, #tags, _pw::__private::markup::#markup);)
}

/// Body of `PayRequest::__write_sign`: the signed members in canonical order.
pub(crate) fn write_sign(c: &Checked) -> TokenStream {
    let calls = c.sign_order.iter().map(|entry| {
        let (wire, value) = match entry {
            SignEntry::Field(i) => {
                let f = &c.fields[*i];
                (f.wire.value.as_str(), wire(f))
            }
            SignEntry::Constant(i) => {
                let k = &c.constants[*i];
                let text = constant_text(&k.value);
                (k.wire.as_str(), quote!(_pw::__private::Wire::Str(#text)))
            }
        };
        if c.scheme.is_sorted() {
            let prefix = bytes(&format!("&{wire}="));
            quote!(let at = _pw::__private::sign_pair(#value, writer, at, #prefix);)
        } else {
            quote!(let at = _pw::__private::sign_value(#value, writer, at);)
        }
    });
    let calls: Vec<_> = calls.collect();
    // A custom scheme reads the members from the table instead (`sign::Members`).
    if matches!(c.scheme, Scheme::None | Scheme::Custom) || calls.is_empty() {
        return quote!(let _ = writer; 0);
    }
    // The length written so far travels by value (see `SignWriter`).
    quote!(let at = 0; #(#calls)* at)
}

/// Body of `PayRequest::__write_body`: constants, body fields in declaration order, the
/// signature last, each through the same shared member writer (a writer inlined here
/// would be a copy per request in every debug build).
pub(crate) fn write_body(c: &Checked) -> TokenStream {
    let format = c.format.unwrap_or(Format::Json);
    if format == Format::Json {
        return quote!(body.json_request(self, signature.as_str()););
    }
    // One member: its value, its wire name, and what the value can hold that XML must
    // escape.
    let member = |value: TokenStream, wire: &str, markup: Markup| {
        if format == Format::Xml {
            xml_write("xml_member", value, wire, markup)
        } else {
            let prefix = bytes(&format!("{wire}="));
            quote!(let at = _pw::__private::form_member(#value, body, at, #prefix);)
        }
    };
    let constants = constant_members(c, format, member);
    let fields = c.body_fields().map(|f| {
        if format == Format::Xml {
            xml_write(
                "xml_field",
                field_ref(f),
                &f.wire.value,
                validated_markup(f),
            )
        } else {
            member(wire(f), &f.wire.value, validated_markup(f))
        }
    });
    // Hex digits and base64 hold no markup; what a custom scheme returns is escaped like
    // any text.
    let sign = (c.scheme != Scheme::None).then(|| {
        let markup = if c.scheme == Scheme::Custom {
            Markup::Possible
        } else {
            Markup::Free
        };
        let wire = &c.sign_field.value;
        if format == Format::Xml {
            return xml_write("xml_signature", quote!(signature), wire, markup);
        }
        let value = quote!(_pw::__private::Wire::Str(signature.as_str()));
        member(value, wire, markup)
    });
    let unused = sign.is_none().then(|| quote!(let _ = signature;));
    // The length written so far travels by value (see `BodyWriter`).
    quote! {
        let at = body.written();
        #(#constants)* #(#fields)* #sign #unused
        body.set_written(at);
    }
}

/// The body's constants, each through `member`, except that in XML consecutive constants
/// without markup are whole elements known now, written as one literal.
fn constant_members(
    c: &Checked,
    format: Format,
    member: impl Fn(TokenStream, &str, Markup) -> TokenStream,
) -> Vec<TokenStream> {
    let mut calls = Vec::new();
    let mut elements = String::new();
    for k in &c.constants {
        let text = constant_text(&k.value);
        let markup = if is_markup_free(&text) {
            Markup::Free
        } else {
            Markup::Possible
        };
        if format == Format::Xml && markup == Markup::Free {
            elements.push_str(&format!("<{0}>{text}</{0}>", k.wire));
            continue;
        }
        calls.push(literal_elements(&mut elements));
        calls.push(member(
            quote!(_pw::__private::Wire::Str(#text)),
            &k.wire,
            markup,
        ));
    }
    calls.push(literal_elements(&mut elements));
    calls
}

/// The XML elements gathered in `elements`, written as one literal (nothing when there
/// are none); `elements` is left empty.
fn literal_elements(elements: &mut String) -> TokenStream {
    if elements.is_empty() {
        return TokenStream::new();
    }
    let literal = bytes(&std::mem::take(elements));
    quote!(let at = _pw::__private::xml_literal(body, at, #literal);)
}

/// Body of `FieldAccess::__write_json_members`: `,"name":value` per member (constants,
/// then the body fields in declaration order), prefixes and constants spelled out here;
/// the writer turns the first comma into `{`.
pub(crate) fn write_json_members(c: &Checked) -> TokenStream {
    let constants = c.constants.iter().map(|k| {
        let value = match &k.value {
            ConstValue::Str(s) => json_string(s),
            ConstValue::Int(i) => i.to_string(),
        };
        let member = format!(",{}:{value}", json_string(&k.wire));
        quote!(out.extend_from_slice(#member.as_bytes());)
    });
    let fields = c.body_fields().map(|f| {
        let value = wire(f);
        let prefix = format!(",{}:", json_string(&f.wire.value));
        quote!(_pw::__private::json_member(#value, out, #prefix);)
    });
    quote! {
        #(#constants)* #(#fields)*
        true
    }
}

/// `text` as a JSON string, escaped exactly as serde_json escapes it.
pub(crate) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text XML can carry as it is: no markup characters and no control characters.
pub(crate) fn is_markup_free(text: &str) -> bool {
    !text
        .bytes()
        .any(|b| b < 0x20 || matches!(b, b'&' | b'<' | b'>') || b == 0xef)
}

/// What a field that has passed validation can hold that XML must escape: the cleanest
/// of what its formats and its `one_of` list prove.
pub(crate) fn validated_markup(f: &Field) -> Markup {
    let listed = (!f.one_of.is_empty() && f.one_of.iter().all(|v| is_markup_free(v)))
        .then_some(Markup::Free);
    let proven = f.formats.iter().map(|x| x.value.markup()).chain(listed);
    if proven.clone().any(|m| m == Markup::Free) {
        Markup::Free
    } else if proven.into_iter().any(|m| m == Markup::AmpersandOnly) {
        Markup::AmpersandOnly
    } else {
        Markup::Possible
    }
}
