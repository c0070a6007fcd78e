//! Compile-time checks that each rule fits its field's type, spanned at the rule's key.

use crate::model::{Container, Derive, Field, Format};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::tokens::{int_bound, type_at};

/// Compile-time checks that a rule fits the field's type, spanned at the rule's key so
/// the error points at the attribute that asked for it.
pub(crate) fn type_assertions(f: &Field) -> TokenStream {
    let mut out = Vec::new();
    let text_keys = f
        .len
        .iter()
        .map(|r| r.key)
        .chain(f.chars.iter().map(|r| r.key));
    for span in text_keys.chain(f.formats.iter().map(|x| x.span)) {
        let ty = type_at(&f.ty, span);
        out.push(quote_spanned!(span=> const _: () = _pw::__private::assert_text::<#ty>();));
    }
    if let Some(r) = &f.range {
        // One check: `range_fits` requires an integer type, then compares the bounds.
        let ty = type_at(&f.ty, r.key);
        let min = int_bound(r.bounds.min, &ty, "MIN");
        let max = int_bound(r.bounds.max, &ty, "MAX");
        out.push(quote_spanned!(r.expr=>
            const _: () = ::core::assert!(
                _pw::__private::range_fits::<#ty>(#min, #max),
                "`range` reaches beyond what the field's integer type can hold; narrow the range or widen the type"
            );
        ));
    }
    for span in f
        .required_if
        .iter()
        .map(|c| c.key)
        .chain(f.group.iter().map(|g| g.span))
    {
        let ty = type_at(&f.ty, span);
        out.push(quote_spanned!(span=> const _: () = _pw::__private::assert_optional::<#ty>();));
    }
    quote!(#(#out)*)
}

/// A request in a flat format (XML, form) cannot carry a nested object or array: checked
/// at compile time, at the field's type, rather than when the first body is written.
pub(crate) fn flat_format_assertions(c: &Container) -> TokenStream {
    let flat = matches!(c.format, Some(Format::Xml | Format::Form));
    if c.derive != Derive::Request || !flat {
        return quote!();
    }
    let format = if c.format == Some(Format::Xml) {
        "an XML"
    } else {
        "a form"
    };
    let checks = c.body_fields()
        .map(|f| {
            let span = syn::spanned::Spanned::span(&f.ty);
            let ty = type_at(&f.ty, span);
            let message = format!(
                "`{}` is a nested object or array, which {format} body cannot carry: use format = \"json\", or a JsonText<T> field (the object as JSON text)",
                f.wire.value
            );
            quote_spanned!(span=> const _: () = ::core::assert!(_pw::__private::is_flat::<#ty>(), #message);)
        });
    quote!(#(#checks)*)
}
