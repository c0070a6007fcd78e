//! Typed decoding: one body that builds the struct from received members by wire name,
//! one shared generic call per member.

use crate::check::Checked;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub(crate) fn decode_fields(c: &Checked) -> TokenStream {
    let vars: Vec<_> = (0..c.fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    let idents = c.fields.iter().map(|f| &f.ident);
    let lets = c.fields.iter().zip(&vars).map(|(f, var)| {
        let ty = &f.ty;
        let wire = &f.wire.value;
        match &f.indexed {
            Some(indexed) => {
                let item = &indexed.item;
                let count = &indexed.count.value;
                quote!(let #var = _pw::__private::decode_indexed::<#item>(
                    object, at, <Self as _pw::__private::PayObject>::OBJECT_SCHEMA, #wire, #count, errors,
                );)
            }
            None => quote!(let #var = <#ty as _pw::__private::WireValue>::__decode_member(object, at, #wire, errors);),
        }
    });
    // Every member is decoded (and its problem recorded) before one check of them all:
    // one exit, where a `?` per member would give each its own drop path.
    let destructure = if vars.is_empty() {
        quote!()
    } else {
        quote!(let (#(_pw::__private::Some(#vars),)*) = (#(#vars,)*) else { return _pw::__private::None; };)
    };
    quote! {
        #(#lets)*
        #destructure
        _pw::__private::Some(Self { #(#idents: #vars),* })
    }
}
