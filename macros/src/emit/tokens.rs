//! Token helpers every part of the emitted code shares: optional values, bounds,
//! variant names and types re-spanned at the attribute that needs them.

use crate::model::{Bounds, Field};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

pub(crate) fn opt<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(_pw::__private::Some(#v)),
        None => quote!(_pw::__private::None),
    }
}

pub(crate) fn len_bounds(b: Bounds) -> TokenStream {
    let min = b.min.unwrap_or(0) as u64;
    let max = opt(b.max.map(|m| m as u64));
    quote!(_pw::__private::LenBounds { min: #min, max: #max })
}

pub(crate) fn int_bound(v: Option<i128>, ty: &TokenStream, which: &str) -> TokenStream {
    match v {
        Some(v) => quote!(#v),
        None => {
            let side = format_ident!("{}", which);
            quote!(<#ty as _pw::__private::IntegerValue>::#side)
        }
    }
}

/// The field's type with every token re-spanned to `span`, so a trait error about the
/// type is reported at the attribute that required the trait.
pub(crate) fn type_at(ty: &syn::Type, span: Span) -> TokenStream {
    fn respan(tt: TokenTree, span: Span) -> TokenTree {
        match tt {
            TokenTree::Group(g) => {
                let inner = g.stream().into_iter().map(|t| respan(t, span)).collect();
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(span);
                group.into()
            }
            mut other => {
                other.set_span(span);
                other
            }
        }
    }
    ty.to_token_stream()
        .into_iter()
        .map(|tt| respan(tt, span))
        .collect()
}

/// `WireValue::wire(&self.field)`, spanned exactly like the field-access arm in `emit`,
/// so a field type that is not a wire value is reported once, not once per use.
pub(crate) fn wire(f: &Field) -> TokenStream {
    let at = at_type(f);
    let value = field_ref(f);
    quote_spanned!(at=> _pw::__private::WireValue::wire(#value))
}

/// `&self.field`, reported at the field's type (see [`at_type`]).
pub(crate) fn field_ref(f: &Field) -> TokenStream {
    let at = at_type(f);
    let mut id = f.ident.clone();
    id.set_span(at);
    quote_spanned!(at=> &self.#id)
}

/// Where the emitted access to a field is reported: at its type, but resolved where the
/// derive runs. (With the type's own span, `self` would take the hygiene of whatever
/// wrote the type, and a field passed into a user's `macro_rules!` would not find it.)
pub(crate) fn at_type(f: &Field) -> Span {
    Span::call_site().located_at(f.ty.span())
}
