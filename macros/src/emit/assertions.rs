//! Compile-time checks that each rule fits its field's type, spanned at the rule's key.

use crate::check::Checked;
use crate::model::{Bounds, Derive, Field, Format};
use proc_macro2::{Delimiter, Group, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};

use super::tokens::{int_bound, type_at};

/// Compile-time checks that a rule fits the field's type, spanned at the rule's key so
/// the error points at the attribute that asked for it: the trait-bound checks as calls,
/// which the caller gathers into one `const` per struct (a bound fails in type checking,
/// each at its own span), and the checks that evaluate and may panic as `const` items of
/// their own, so every one that fails is reported.
pub(crate) fn type_assertions(f: &Field) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut bounds = Vec::new();
    let mut out = Vec::new();
    let text_keys = f
        .len
        .iter()
        .map(|r| r.key)
        .chain(f.chars.iter().map(|r| r.key));
    for span in text_keys.chain(f.formats.iter().map(|x| x.span)) {
        let ty = type_at(&f.ty, span);
        bounds.push(quote_spanned!(span=> _pw::__private::assert_text::<#ty>();));
    }
    if let Some(r) = &f.range {
        // One call: `range_misfit` requires an integer type, then names the bound that
        // does not fit, reported over the whole range expression.
        let ty = type_at(&f.ty, r.key);
        let min = int_bound(r.bounds.min, &ty, "MIN");
        let max = int_bound(r.bounds.max, &ty, "MAX");
        let (low, high) = range_messages(f, r.bounds);
        let low = panic_over(r.expr, &low);
        let high = panic_over(r.expr, &high);
        out.push(quote_spanned!(r.key=>
            const _: () = match _pw::__private::range_misfit::<#ty>(#min, #max) {
                1 => #low,
                2 => #high,
                _ => (),
            };
        ));
    }
    for span in f
        .required_if
        .iter()
        .map(|c| c.key)
        .chain(f.group.iter().map(|g| g.span))
    {
        let ty = type_at(&f.ty, span);
        bounds.push(quote_spanned!(span=> _pw::__private::assert_optional::<#ty>();));
    }
    (bounds, out)
}

/// An indexed family's items are declared objects whose members all travel as text, and
/// its count is an unsigned integer field: checked at the item type and at the count.
pub(crate) fn indexed_assertions(c: &Checked) -> TokenStream {
    let checks = c.fields.iter().zip(&c.counts).filter_map(|(f, count)| {
        let indexed = f.indexed.as_ref()?;
        let item_span = syn::spanned::Spanned::span(&indexed.item);
        let item = type_at(&indexed.item, item_span);
        let count_ty = count.map(|i| {
            let ty = type_at(&c.fields[i].ty, indexed.count.span);
            quote_spanned!(indexed.count.span=> _pw::__private::assert_count::<#ty>();)
        });
        let message = format!(
            "the items of `{}` must have text members only (strings, integers, amounts, or families of their own): a flat body has no nested objects",
            f.wire.value
        );
        Some(quote_spanned! {item_span=>
            const _: () = {
                _pw::__private::assert_item::<#item>();
                #count_ty
            };
            const _: () = ::core::assert!(
                _pw::__private::is_flat_item(<#item as _pw::__private::PayObject>::OBJECT_SCHEMA),
                #message
            );
        })
    });
    quote!(#(#checks)*)
}

/// `one_of`, `required_if` and `signed_if` compare a member's text; a nested object or
/// array has none (its JSON would be compared, which no gateway means). Checked at the
/// rule's key, or where the condition names the member.
pub(crate) fn text_comparison_assertions(c: &Checked) -> TokenStream {
    let one_of = c.fields.iter().filter_map(|f| {
        let span = f.one_of_span?;
        let message = format!(
            "`one_of` compares the text of `{}` with the listed values, and it is a nested object or array, which has no text of its own: put `one_of` on string or integer fields (a nested object's own members)",
            f.wire.value
        );
        Some((&f.ty, span, message))
    });
    let conditions = c
        .conditions
        .iter()
        .flatten()
        .map(|k| (k, "required_if"))
        .chain(c.signed_if.iter().map(|k| (k, "signed_if")));
    let conditions = conditions.map(|(k, rule)| {
        let target = &c.fields[k.field];
        let message = format!(
            "`{rule}` compares the text of `{}` with \"{}\", and it is a nested object or array, which has no text of its own: name a string or integer field",
            target.ident, k.value
        );
        (&target.ty, k.span, message)
    });
    let checks = one_of.chain(conditions).map(|(ty, span, message)| {
        let ty = type_at(ty, span);
        quote_spanned!(span=> const _: () = ::core::assert!(_pw::__private::is_flat::<#ty>(), #message);)
    });
    quote!(#(#checks)*)
}

/// A request in a flat format (XML, form) cannot carry a nested object or array: checked
/// at compile time, at the field's type, rather than when the first body is written.
pub(crate) fn flat_format_assertions(c: &Checked) -> TokenStream {
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
        .filter(|f| !is_plain_scalar(&f.ty) && f.indexed.is_none())
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

/// `String` or a primitive integer, or an `Option` of one, written as such: flat by
/// construction, so its field needs no evaluated check (one `const` fewer per field for
/// the compiler). A type that only looks like one (a struct of the user's named
/// `String`) is still refused when its body is written.
fn is_plain_scalar(ty: &syn::Type) -> bool {
    const SCALARS: &[&str] = &[
        "String", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
        "isize",
    ];
    crate::model::innermost(ty, &["Option"])
        .is_some_and(|last| last.arguments.is_empty() && SCALARS.iter().any(|s| last.ident == s))
}

/// The integer limits of a field whose type is a primitive integer (or an `Option` of
/// one), to name in the message; `None` for any other type.
fn primitive_limits(ty: &syn::Type) -> Option<(String, i128, i128)> {
    let last = crate::model::innermost(ty, &["Option"])?;
    let name = last.ident.to_string();
    let (min, max) = match name.as_str() {
        "u8" => (0, u8::MAX as i128),
        "u16" => (0, u16::MAX as i128),
        "u32" => (0, u32::MAX as i128),
        "u64" | "Fen" | "Yuan" => (0, u64::MAX as i128),
        "i8" => (i8::MIN as i128, i8::MAX as i128),
        "i16" => (i16::MIN as i128, i16::MAX as i128),
        "i32" => (i32::MIN as i128, i32::MAX as i128),
        "i64" => (i64::MIN as i128, i64::MAX as i128),
        _ => return None,
    };
    Some((name, min, max))
}

/// The two messages: the lower bound below the type's, the upper above it.
fn range_messages(f: &Field, bounds: Bounds) -> (String, String) {
    let limits = primitive_limits(&f.ty);
    let (name, low_limit, high_limit) = match &limits {
        Some((name, min, max)) => (
            format!("`{name}`"),
            format!(" (at least {min})"),
            format!(" (at most {max})"),
        ),
        None => (
            "the field's integer type".to_owned(),
            String::new(),
            String::new(),
        ),
    };
    let low = format!(
        "`range` starts at {}, below what {name} can hold{low_limit}; raise the lower bound or use a signed type",
        bounds.min.unwrap_or(0)
    );
    let high = format!(
        "`range` reaches {}, beyond what {name} can hold{high_limit}; lower the upper bound or widen the type",
        bounds.max.unwrap_or(0)
    );
    (low, high)
}

/// `::core::panic!("message")` whose path starts at `first` and whose parentheses end at
/// `last`, so a compile-time panic underlines everything between them.
fn panic_over((first, last): (Span, Span), message: &str) -> TokenStream {
    let mut out = TokenStream::new();
    for (i, tt) in quote!(::core::panic).into_iter().enumerate() {
        let mut tt = tt;
        tt.set_span(if i == 0 { first } else { last });
        out.extend([tt]);
    }
    let mut bang = Punct::new('!', Spacing::Alone);
    bang.set_span(last);
    out.extend([TokenTree::Punct(bang)]);
    let mut literal = proc_macro2::Literal::string(message);
    literal.set_span(last);
    let mut group = Group::new(Delimiter::Parenthesis, literal.into_token_stream());
    group.set_span(last);
    out.extend([TokenTree::Group(group)]);
    out
}
