//! Stage 4: code generation from the checked model. The output is small on purpose: one
//! `match` for field access, one decode body, a `'static` schema table, and one-line
//! serde impls; reports, decoding and JSON are non-generic code in `paywire` reading the
//! table. The per-call hot path of requests is emitted by [`crate::fast`].

use crate::model::{
    Bounds, Case, ConstValue, Container, Derive, Field, Format, Location, Scheme, SignEntry,
};
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

fn opt<T: quote::ToTokens>(v: Option<T>) -> TokenStream {
    match v {
        Some(v) => quote!(_pw::__private::Some(#v)),
        None => quote!(_pw::__private::None),
    }
}

fn len_bounds(b: Bounds) -> TokenStream {
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

fn rules(f: &Field) -> TokenStream {
    let ty = &f.ty;
    let mut out = Vec::new();
    if let Some(r) = &f.len {
        let b = len_bounds(r.bounds);
        out.push(quote!(_pw::__private::Rule::Len(#b)));
    }
    if let Some(r) = &f.chars {
        let b = len_bounds(r.bounds);
        out.push(quote!(_pw::__private::Rule::Chars(#b)));
    }
    if let Some(r) = &f.range {
        let ty = type_at(ty, r.key);
        let min = int_bound(r.bounds.min, &ty, "MIN");
        let max = int_bound(r.bounds.max, &ty, "MAX");
        out.push(quote_spanned!(r.key=> _pw::__private::Rule::Range(_pw::__private::IntBounds { min: #min, max: #max })));
    }
    if !f.one_of.is_empty() {
        let values = &f.one_of;
        out.push(quote!(_pw::__private::Rule::OneOf(&[#(#values),*])));
    }
    for format in &f.formats {
        let variant = format_ident!("{}", camel(format.value));
        out.push(quote!(_pw::__private::Rule::Format(_pw::__private::TextFormat::#variant)));
    }
    quote!(&[#(#out),*])
}

pub(crate) fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The field's type with every token re-spanned to `span`, so a trait error about the
/// type is reported at the attribute that required the trait.
fn type_at(ty: &syn::Type, span: Span) -> TokenStream {
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

/// Compile-time checks that a rule fits the field's type, spanned at the rule's key so
/// the error points at the attribute that asked for it.
fn type_assertions(f: &Field) -> TokenStream {
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

fn field_schema(c: &Container, f: &Field) -> TokenStream {
    let ty = &f.ty;
    let rust_name = f.ident.to_string();
    let wire = &f.wire.value;
    let doc = &f.doc;
    let location = match f.location {
        Location::Body => quote!(_pw::__private::Location::Body),
        Location::Path => quote!(_pw::__private::Location::Path),
    };
    let signed = f.signed(c.scheme);
    let rules = rules(f);
    let conditions = f.required_if.iter().map(|cond| {
        let index = cond.field as u16;
        let name = &c.fields[cond.field].wire.value;
        let value = &cond.value;
        quote!(_pw::__private::Condition { field: #index, wire_name: #name, value: #value })
    });
    let group = opt(f.group.as_ref().map(|g| {
        let name = &g.name;
        let required = g.required;
        quote!(_pw::__private::GroupMember { group: #name, required: #required })
    }));
    quote! {
        _pw::__private::FieldSchema {
            rust_name: #rust_name,
            wire_name: #wire,
            kind: _pw::__private::kind_of::<#ty>(),
            optional: _pw::__private::is_optional::<#ty>(),
            location: #location,
            signed: #signed,
            rules: #rules,
            required_if: &[#(#conditions),*],
            group: #group,
            doc: #doc,
        }
    }
}

fn schema(c: &Container) -> TokenStream {
    let name = c.ident.to_string();
    let doc = &c.doc;
    let format = opt(c.format.map(|f| match f {
        Format::Json => quote!(_pw::__private::Format::Json),
        Format::Xml => quote!(_pw::__private::Format::Xml),
        Format::Form => quote!(_pw::__private::Format::Form),
    }));
    let scheme = match c.scheme {
        Scheme::None => quote!(None),
        Scheme::Md5Sorted => quote!(Md5Sorted),
        Scheme::HmacSha256Sorted => quote!(HmacSha256Sorted),
        Scheme::Md5Concat => quote!(Md5Concat),
    };
    let case = match c.case {
        Case::Upper => quote!(Upper),
        Case::Lower => quote!(Lower),
    };
    let key_name = &c.key_name;
    let sign_field = &c.sign_field.value;
    let order = c.sign_order.iter().map(|e| match e {
        SignEntry::Field(i) => {
            let i = *i as u16;
            quote!(_pw::__private::SignEntry::Field(#i))
        }
        SignEntry::Constant(i) => {
            let i = *i as u16;
            quote!(_pw::__private::SignEntry::Constant(#i))
        }
    });
    let fields = c.fields.iter().map(|f| field_schema(c, f));
    let constants = c.constants.iter().map(|k| {
        let wire = &k.wire;
        let value = match &k.value {
            ConstValue::Str(s) => quote!(_pw::__private::ConstValue::Str(#s)),
            ConstValue::Int(i) => quote!(_pw::__private::ConstValue::Int(#i)),
        };
        quote!(_pw::__private::Constant { wire_name: #wire, value: #value })
    });
    let groups = &c.groups;
    let allow_unknown = c.derive == Derive::Response;
    quote! {
        &_pw::__private::Schema {
            name: #name,
            doc: #doc,
            format: #format,
            sign: _pw::__private::SignSpec {
                scheme: _pw::__private::SignScheme::#scheme,
                key_name: #key_name,
                case: _pw::__private::HexCase::#case,
                field: #sign_field,
                order: &[#(#order),*],
            },
            fields: &[#(#fields),*],
            constants: &[#(#constants),*],
            allow_unknown: #allow_unknown,
            groups: &[#(#groups),*],
        }
    }
}

fn decode_fields(c: &Container) -> TokenStream {
    let vars: Vec<_> = (0..c.fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    let idents = c.fields.iter().map(|f| &f.ident);
    let lets = c.fields.iter().zip(&vars).map(|(f, var)| {
        let ty = &f.ty;
        let wire = &f.wire.value;
        quote!(let #var = <#ty as _pw::__private::WireValue>::decode(object.get(#wire), &at.key(#wire), errors);)
    });
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

/// The impls for a checked model.
pub fn expand(c: &Container) -> TokenStream {
    let ident = &c.ident;
    let krate = &c.crate_path;
    let schema = schema(c);
    let arms = c.fields.iter().enumerate().map(|(i, f)| {
        let id = &f.ident;
        quote_spanned!(f.ty.span()=> #i => _pw::__private::WireValue::wire(&self.#id),)
    });
    let decode = decode_fields(c);
    let assertions = c.fields.iter().map(type_assertions);
    let custom = c.validate_with.as_ref().map(|path| {
        quote! {
            fn custom_checks(&self, at: &_pw::__private::Path<'_>, errors: &mut _pw::__private::SchemaErrors) {
                #path(self, at, errors)
            }
        }
    });
    let is_valid = crate::fast::is_valid(c);
    let request = match c.derive {
        Derive::Request => {
            let write_sign = crate::fast::write_sign(c);
            let write_body = crate::fast::write_body(c);
            Some(quote! {
                #[automatically_derived]
                impl _pw::__private::PayRequest for #ident {
                    const SCHEMA: &'static _pw::__private::Schema = <Self as _pw::__private::PayObject>::OBJECT_SCHEMA;
                    #[inline]
                    fn __write_sign(&self, writer: &mut _pw::__private::SignWriter) -> ::core::primitive::usize {
                        #write_sign
                    }
                    fn __write_body(&self, body: &mut _pw::__private::BodyWriter, signature: &_pw::__private::HexDigest) {
                        #write_body
                    }
                }
            })
        }
        Derive::Response => Some(quote! {
            #[automatically_derived]
            impl _pw::__private::PayResponse for #ident {
                const SCHEMA: &'static _pw::__private::Schema = <Self as _pw::__private::PayObject>::OBJECT_SCHEMA;
            }
        }),
        Derive::Object => None,
    };
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            use #krate as _pw;

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

            #(#assertions)*
        };
    }
}

/// After an error: the impls with bodies that are never run, so a single mistake does
/// not also break every use of the type (thiserror's `fallback.rs`).
pub fn fallback(input: &syn::DeriveInput, derive: Derive) -> TokenStream {
    if !input.generics.params.is_empty() {
        return quote!();
    }
    let ident = &input.ident;
    let request = match derive {
        Derive::Request => Some(quote! {
            impl _pw::__private::PayRequest for #ident {
                const SCHEMA: &'static _pw::__private::Schema = &_pw::__private::EMPTY_SCHEMA;
                fn __write_sign(&self, _: &mut _pw::__private::SignWriter) -> ::core::primitive::usize { ::core::unreachable!() }
                fn __write_body(&self, _: &mut _pw::__private::BodyWriter, _: &_pw::__private::HexDigest) { ::core::unreachable!() }
            }
        }),
        Derive::Response => Some(quote! {
            impl _pw::__private::PayResponse for #ident {
                const SCHEMA: &'static _pw::__private::Schema = &_pw::__private::EMPTY_SCHEMA;
            }
        }),
        Derive::Object => None,
    };
    quote! {
        #[doc(hidden)]
        const _: () = {
            use ::paywire as _pw;
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
