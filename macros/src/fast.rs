//! Stage 4, the hot path: straight-line bodies for what every request does on every
//! call — the validity check, the canonical sign string and the body. Each member is one
//! call to an `#[inline(always)]` helper in `paywire::__private` with its name, prefix or
//! tags already spelled out here, so nothing is looked up, sorted or formatted at run
//! time. Reports (which field broke which rule) stay in the table interpreter, which runs
//! only when the check below says no.

use crate::emit::int_bound;
use crate::model::{ConstValue, Container, Field, Format, Scheme, SignEntry};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// `WireValue::wire(&self.field)`, spanned exactly like the field-access arm in `emit`,
/// so a field type that is not a wire value is reported once, not once per use.
fn wire(f: &Field) -> TokenStream {
    let id = &f.ident;
    quote_spanned!(f.ty.span()=> _pw::__private::WireValue::wire(&self.#id))
}

/// The text of a constant as it travels.
fn constant_text(value: &ConstValue) -> String {
    match value {
        ConstValue::Str(s) => s.clone(),
        ConstValue::Int(i) => i.to_string(),
    }
}

/// Body of `PayRequest::__write_sign`: the signed members in canonical order.
pub fn write_sign(c: &Container) -> TokenStream {
    let calls = c.sign_order.iter().map(|entry| {
        let (wire, value) = match entry {
            SignEntry::Field(i) => {
                let f = &c.fields[*i];
                (f.wire.value.clone(), wire(f))
            }
            SignEntry::Constant(i) => {
                let k = &c.constants[*i];
                let text = constant_text(&k.value);
                (k.wire.clone(), quote!(#text))
            }
        };
        let constant = matches!(entry, SignEntry::Constant(_));
        match (c.scheme.is_sorted(), constant) {
            (true, false) => {
                let prefix = format!("&{wire}=");
                quote!(let at = _pw::__private::sign_pair(#value, writer, at, #prefix);)
            }
            (true, true) => {
                let prefix = format!("&{wire}=");
                quote!(let at = writer.pair(at, #prefix, #value);)
            }
            (false, false) => quote!(let at = _pw::__private::sign_value(#value, writer, at);),
            (false, true) => quote!(let at = writer.value(at, #value);),
        }
    });
    let calls: Vec<_> = calls.collect();
    if c.scheme == Scheme::None || calls.is_empty() {
        return quote!(let _ = writer; 0);
    }
    // The length written so far travels by value (see `SignWriter`).
    quote!(let at = 0; #(#calls)* at)
}

/// Body of `PayRequest::__write_body`: constants, body fields in declaration order, the
/// signature last.
pub fn write_body(c: &Container) -> TokenStream {
    let format = c.format.unwrap_or(Format::Json);
    if format == Format::Json {
        return quote!(body.json_request(self, signature.as_str()););
    }
    let xml = format == Format::Xml;
    let tags = |wire: &str| (format!("<{wire}>"), format!("</{wire}>"));
    let constants = c.constants.iter().map(|k| {
        let text = constant_text(&k.value);
        let (open, close) = tags(&k.wire);
        let prefix = format!("{}=", k.wire);
        match (xml, is_markup_free(&text)) {
            (true, true) => quote!(let at = body.xml_trusted(at, #open, #close, #text.as_bytes());),
            (true, false) => quote!(let at = body.xml_text(at, #open, #close, #text, _pw::__private::Markup::Possible);),
            (false, _) => quote!(let at = body.form_text(at, #prefix, #text);),
        }
    });
    let fields = c
        .fields
        .iter()
        .filter(|f| f.location == crate::model::Location::Body)
        .map(|f| {
            let value = wire(f);
            let (open, close) = tags(&f.wire.value);
            let prefix = format!("{}=", f.wire.value);
            if xml {
                let markup = validated_markup(f);
                quote!(let at = _pw::__private::xml_member(#value, body, at, #open, #close, _pw::__private::Markup::#markup);)
            } else {
                quote!(let at = _pw::__private::form_member(#value, body, at, #prefix);)
            }
        });
    // Hex digits: XML takes them as bytes, without a UTF-8 check.
    let sign = (c.scheme != Scheme::None).then(|| {
        let (open, close) = tags(&c.sign_field.value);
        let prefix = format!("{}=", c.sign_field.value);
        if xml {
            quote!(let at = body.xml_trusted(at, #open, #close, signature.as_bytes());)
        } else {
            quote!(let at = body.form_text(at, #prefix, signature.as_str());)
        }
    });
    let unused = sign.is_none().then(|| quote!(let _ = signature;));
    // The length written so far travels by value (see `BodyWriter`).
    quote! {
        let at = body.written();
        #(#constants)* #(#fields)* #sign #unused
        body.set_written(at);
    }
}

/// Text XML can carry as it is: no markup characters and no control characters.
fn is_markup_free(text: &str) -> bool {
    !text
        .bytes()
        .any(|b| b < 0x20 || matches!(b, b'&' | b'<' | b'>') || b == 0xef)
}

/// What a field that has passed validation can hold that XML must escape: the name of
/// a `paywire::__private::Markup` variant.
fn validated_markup(f: &Field) -> proc_macro2::Ident {
    let name = if validated_markup_free(f) {
        "Free"
    } else if f
        .formats
        .iter()
        .any(|x| matches!(x.value, "url" | "https_url"))
    {
        "AmpersandOnly"
    } else {
        "Possible"
    };
    format_ident!("{name}")
}

/// Whether a field that has passed validation can only hold markup-free text.
fn validated_markup_free(f: &Field) -> bool {
    let format_only_clean = f.formats.iter().any(|x| {
        matches!(
            x.value,
            "ip" | "compact_time" | "rfc3339" | "alphanumeric" | "trade_no"
        )
    });
    let listed_clean = !f.one_of.is_empty() && f.one_of.iter().all(|v| is_markup_free(v));
    format_only_clean || listed_clean
}

/// The rule checks of one field on its wire value `__v`.
fn rule_checks(f: &Field) -> Vec<TokenStream> {
    let ty = &f.ty;
    let mut checks = Vec::new();
    if let Some(r) = &f.len {
        let (min, max) = (
            r.bounds.min.unwrap_or(0) as u64,
            r.bounds.max.map_or(u64::MAX, |m| m as u64),
        );
        checks.push(quote!(_pw::__private::fast::len(&__v, #min, #max)));
    }
    if let Some(r) = &f.chars {
        let (min, max) = (
            r.bounds.min.unwrap_or(0) as u64,
            r.bounds.max.map_or(u64::MAX, |m| m as u64),
        );
        checks.push(quote!(_pw::__private::fast::chars(&__v, #min, #max)));
    }
    if let Some(r) = &f.range {
        let ty = quote!(#ty);
        let min = int_bound(r.bounds.min, &ty, "MIN");
        let max = int_bound(r.bounds.max, &ty, "MAX");
        checks.push(quote!(_pw::__private::fast::range(&__v, #min, #max)));
    }
    if !f.one_of.is_empty() {
        let values = &f.one_of;
        checks.push(quote!(_pw::__private::fast::one_of(&__v, &[#(#values),*])));
    }
    for format in &f.formats {
        let variant = format_ident!("{}", crate::emit::camel(format.value));
        checks
            .push(quote!(_pw::__private::fast::format(&__v, _pw::__private::TextFormat::#variant)));
    }
    checks.push(quote!(_pw::__private::fast::nested(&__v)));
    checks
}

/// Body of `FieldAccess::__is_valid`: one `&&` chain that accepts exactly what the
/// interpreter in `paywire::validate` accepts.
pub fn is_valid(c: &Container) -> TokenStream {
    let group_vars: Vec<_> = (0..c.groups.len())
        .map(|g| format_ident!("__group{}", g))
        .collect();
    let group_lets = c.groups.iter().zip(&group_vars).map(|(name, var)| {
        let members = c
            .fields
            .iter()
            .filter(|f| f.group.as_ref().is_some_and(|g| &g.name == name))
            .map(|f| {
                let value = wire(f);
                quote!(!#value.is_absent())
            });
        quote!(let #var = false #(| #members)*;)
    });
    // Exactly one group in use.
    let one_group =
        (!group_vars.is_empty()).then(|| quote!(&& (0u32 #(+ #group_vars as u32)*) == 1));
    let fields = c.fields.iter().enumerate().map(|(index, f)| {
        let value = wire(f);
        let mut demands: Vec<TokenStream> = f
            .required_if
            .iter()
            .map(|cond| {
                let other = wire(&c.fields[cond.field]);
                let value = &cond.value;
                quote!(_pw::__private::fast::text_is(&#other, #value))
            })
            .collect();
        if let Some(g) = f.group.as_ref().filter(|g| g.required) {
            let index = c.groups.iter().position(|name| name == &g.name).unwrap_or(0);
            let var = &group_vars[index];
            demands.push(quote!(#var));
        }
        let demanded = (!demands.is_empty()).then(|| {
            quote!(&& (_pw::__private::fast::present(&__v) || !(false #(|| #demands)*)))
        });
        let rules = rule_checks(f);
        quote! {
            && {
                let __v = #value;
                (const { <Self as _pw::__private::PayObject>::OBJECT_SCHEMA.fields[#index].optional }
                    || _pw::__private::fast::present(&__v))
                    #demanded
                    && (__v.is_absent() || (#(#rules)&&*))
            }
        }
    });
    let custom = c
        .validate_with
        .as_ref()
        .map(|_| quote!(&&_pw::__private::fast::custom(self)));
    quote! {
        #(#group_lets)*
        true #one_group #(#fields)* #custom
    }
}
