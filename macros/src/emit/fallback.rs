//! After an error: impls whose bodies never run, so one mistake does not also break every
//! use of the type (thiserror's `fallback.rs`).

use crate::model::Derive;
use proc_macro2::TokenStream;
use quote::quote;

/// After an error: the impls with bodies that are never run, so a single mistake does
/// not also break every use of the type (thiserror's `fallback.rs`).
pub fn fallback(input: &syn::DeriveInput, derive: Derive) -> TokenStream {
    if !input.generics.params.is_empty() {
        return quote!();
    }
    let ident = &input.ident;
    let krate = crate::syntax::lenient_crate_path(&input.attrs)
        .unwrap_or_else(|| syn::parse_quote!(::paywire));
    let request = match derive {
        Derive::Request => Some(quote! {
            impl _pw::__private::PayRequest for #ident {
                type Key = _pw::Secret;
                type Scheme = _pw::__private::Digest;
                const SCHEMA: &'static _pw::__private::Schema = &_pw::__private::EMPTY_SCHEMA;
                fn __write_sign(&self, _: &mut _pw::__private::SignWriter) -> ::core::primitive::usize { ::core::unreachable!() }
                fn __write_body(&self, _: &mut _pw::__private::BodyWriter, _: &_pw::__private::Signature) { ::core::unreachable!() }
            }
        }),
        Derive::Response => Some(quote! {
            impl _pw::__private::PayResponse for #ident {
                type Key = _pw::Secret;
                type Scheme = _pw::__private::Digest;
                const SCHEMA: &'static _pw::__private::Schema = &_pw::__private::EMPTY_SCHEMA;
            }
        }),
        Derive::Object => None,
    };
    quote! {
        #[doc(hidden)]
        const _: () = {
            use #krate as _pw;
            impl _pw::__private::FieldAccess for #ident {
                fn object_schema(&self) -> &'static _pw::__private::Schema { ::core::unreachable!() }
                fn field(&self, _: usize) -> _pw::__private::Wire<'_> { ::core::unreachable!() }
            }
            impl _pw::__private::PayObject for #ident {
                const OBJECT_SCHEMA: &'static _pw::__private::Schema = &_pw::__private::EMPTY_SCHEMA;
                fn decode_fields(
                    _: &_pw::__private::NodeObject,
                    _: &_pw::__private::Path<'_>,
                    _: &mut _pw::__private::DecodeErrors,
                ) -> _pw::__private::Option<Self> { ::core::unreachable!() }
            }
            impl _pw::__private::WireValue for #ident {
                const KIND: _pw::__private::Kind = _pw::__private::Kind::Str;
                fn wire(&self) -> _pw::__private::Wire<'_> { ::core::unreachable!() }
                fn decode(
                    _: _pw::__private::Option<&_pw::__private::Node>,
                    _: &_pw::__private::Path<'_>,
                    _: &mut _pw::__private::DecodeErrors,
                ) -> _pw::__private::Option<Self> { ::core::unreachable!() }
            }
            #request
            impl _pw::__private::serde::Serialize for #ident {
                fn serialize<__S: _pw::__private::serde::Serializer>(&self, _: __S)
                    -> _pw::__private::Result<__S::Ok, __S::Error> { ::core::unreachable!() }
            }
            impl<'de> _pw::__private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: _pw::__private::serde::Deserializer<'de>>(_: __D)
                    -> _pw::__private::Result<Self, __D::Error> { ::core::unreachable!() }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stub(input: &str) -> String {
        let input: syn::DeriveInput = syn::parse_str(input).unwrap();
        fallback(&input, Derive::Request).to_string()
    }

    #[test]
    fn the_stub_uses_the_declared_crate_path_despite_other_mistakes() {
        let out = stub(
            r#"#[pay(format = "jsn", crate = "crate::vendored::payments", sign = 3)] struct Order { id: String }"#,
        );
        assert!(
            out.contains("use crate :: vendored :: payments as _pw"),
            "{out}"
        );
        assert!(!out.contains(":: paywire"), "{out}");
    }

    #[test]
    fn without_a_crate_path_the_stub_uses_paywire() {
        let out = stub(r#"#[pay(format = "jsn")] struct Order { id: String }"#);
        assert!(out.contains("use :: paywire as _pw"), "{out}");
    }
}
