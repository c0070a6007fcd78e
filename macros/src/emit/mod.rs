//! Stage 4: code generation from the checked model, one file per thing emitted: the
//! `'static` schema table (`table`), typed decoding (`access`), compile-time type checks
//! (`assertions`), the validity check (`check`), the sign and body writers of requests
//! (`writers`) and the stand-in impls after an error (`fallback`), over shared token
//! helpers (`tokens`). Reports, decoding and JSON are non-generic code in `paywire`
//! reading the table; only the per-call hot path of requests is emitted straight-line.

mod access;
mod assertions;
mod check;
mod fallback;
mod table;
mod tokens;
mod writers;

pub use fallback::fallback;

use crate::check::Checked;
use crate::model::{Derive, Scheme};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// The type that names the declared scheme (`PayRequest::Scheme`): the custom type's
/// adapter is spelled at the type's span, so a type that is not a scheme is pointed at.
fn scheme_type(c: &Checked) -> TokenStream {
    match (c.scheme, &c.custom_scheme) {
        (Scheme::RsaSha256Sorted, _) => quote!(_pw::__private::RsaSha256),
        (Scheme::None, _) => quote!(_pw::__private::Unsigned),
        (Scheme::Custom, Some(path)) => {
            quote_spanned!(path.span()=> _pw::__private::Custom<#path>)
        }
        _ => quote!(_pw::__private::Digest),
    }
}

/// The impls for a checked model.
pub fn expand(c: &Checked) -> TokenStream {
    let ident = &c.ident;
    let krate = &c.crate_path;
    let schema = table::schema(c);
    let arms = c.fields.iter().enumerate().map(|(i, f)| {
        let at = tokens::at_type(f);
        let mut id = f.ident.clone();
        id.set_span(at);
        quote_spanned!(at=> #i => _pw::__private::WireValue::wire(&self.#id),)
    });
    let decode = access::decode_fields(c);
    let (bounds, evaluated): (Vec<_>, Vec<_>) =
        c.fields.iter().map(assertions::type_assertions).unzip();
    let (bounds, evaluated) = (bounds.concat(), evaluated.concat());
    let assertions = quote! {
        const _: () = { #(#bounds)* };
        #(#evaluated)*
    };
    let flat_format = assertions::flat_format_assertions(c);
    let indexed = assertions::indexed_assertions(c);
    let text_comparisons = assertions::text_comparison_assertions(c);
    let custom = c.validate_with.as_ref().map(|path| {
        quote! {
            fn custom_checks(&self, at: &_pw::__private::Path<'_>, errors: &mut _pw::__private::SchemaErrors) {
                #path(self, at, errors)
            }
        }
    });
    let is_valid = check::is_valid(c);
    let json_members = writers::write_json_members(c);
    let scheme = scheme_type(c);
    let span = c
        .custom_scheme
        .as_ref()
        .map_or_else(proc_macro2::Span::call_site, |p| p.span());
    let request_key = quote_spanned!(span=> <#scheme as _pw::__private::Signing>::Key);
    let response_key = quote_spanned!(span=> <#scheme as _pw::__private::Verifying>::Key);
    let request = match c.derive {
        Derive::Request => {
            let write_sign = writers::write_sign(c);
            let write_body = writers::write_body(c);
            Some(quote! {
                #[automatically_derived]
                impl _pw::__private::PayRequest for #ident {
                    type Key = #request_key;
                    type Scheme = #scheme;
                    const SCHEMA: &'static _pw::__private::Schema = <Self as _pw::__private::PayObject>::OBJECT_SCHEMA;
                    #[inline]
                    fn __write_sign(&self, writer: &mut _pw::__private::SignWriter) -> ::core::primitive::usize {
                        #write_sign
                    }
                    fn __write_body(&self, body: &mut _pw::__private::BodyWriter, signature: &_pw::__private::Signature) {
                        #write_body
                    }
                }
            })
        }
        Derive::Response => Some(quote! {
            #[automatically_derived]
            impl _pw::__private::PayResponse for #ident {
                type Key = #response_key;
                type Scheme = #scheme;
                const SCHEMA: &'static _pw::__private::Schema = <Self as _pw::__private::PayObject>::OBJECT_SCHEMA;
            }
        }),
        Derive::Object => None,
    };
    // The runtime this derive was built with: against another version of `paywire` the
    // build fails here, naming the version it expected, instead of deep in the generated
    // code.
    let version = quote::format_ident!(
        "VERSION_{}_{}",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR")
    );
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate as _pw;
            const _: () = _pw::__private::#version;

            #[automatically_derived]
            impl _pw::__private::FieldAccess for #ident {
                fn object_schema(&self) -> &'static _pw::__private::Schema {
                    <Self as _pw::__private::PayObject>::OBJECT_SCHEMA
                }
                fn field(&self, index: usize) -> _pw::__private::Wire<'_> {
                    match index {
                        #(#arms)*
                        _ => _pw::__private::Wire::Absent,
                    }
                }
                #custom
                fn __is_valid(&self) -> ::core::primitive::bool {
                    #is_valid
                }
                fn __write_json_members(&self, out: &mut _pw::__private::Vec<u8>) -> ::core::primitive::bool {
                    #json_members
                }
            }

            #[automatically_derived]
            impl _pw::__private::PayObject for #ident {
                const OBJECT_SCHEMA: &'static _pw::__private::Schema = #schema;
                fn decode_fields(
                    object: &_pw::__private::NodeObject,
                    at: &_pw::__private::Path<'_>,
                    errors: &mut _pw::__private::DecodeErrors,
                ) -> _pw::__private::Option<Self> {
                    #decode
                }
            }

            #[automatically_derived]
            impl _pw::__private::WireValue for #ident {
                const KIND: _pw::__private::Kind =
                    _pw::__private::Kind::Object(<Self as _pw::__private::PayObject>::OBJECT_SCHEMA);
                fn wire(&self) -> _pw::__private::Wire<'_> {
                    _pw::__private::Wire::Object(self)
                }
                fn decode(
                    node: _pw::__private::Option<&_pw::__private::Node>,
                    at: &_pw::__private::Path<'_>,
                    errors: &mut _pw::__private::DecodeErrors,
                ) -> _pw::__private::Option<Self> {
                    _pw::__private::decode_object::<Self>(node, at, errors)
                }
            }

            #request

            #[automatically_derived]
            impl _pw::__private::serde::Serialize for #ident {
                fn serialize<__S: _pw::__private::serde::Serializer>(
                    &self,
                    serializer: __S,
                ) -> _pw::__private::Result<__S::Ok, __S::Error> {
                    _pw::__private::serialize_object(self, serializer)
                }
            }

            #[automatically_derived]
            impl<'de> _pw::__private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: _pw::__private::serde::Deserializer<'de>>(
                    deserializer: __D,
                ) -> _pw::__private::Result<Self, __D::Error> {
                    _pw::__private::deserialize_object::<Self, __D>(deserializer)
                }
            }

            #assertions
            #flat_format
            #indexed
            #text_comparisons
        };
    }
}
