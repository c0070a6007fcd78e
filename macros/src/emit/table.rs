//! The `'static` schema table: every field's wire name, type, rules, presence and doc
//! line, which reports, decoders, serde, the JSON encoder and `paywire schema` read.

use crate::check::{Checked, SignEntry};
use crate::model::{Case, ConstValue, Derive, Field, Format, Location, Scheme};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::tokens::{int_bound, len_bounds, opt, type_at};

pub(crate) fn rules(f: &Field) -> TokenStream {
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
        let variant = crate::text_format::format_variant(format.value);
        out.push(quote!(_pw::__private::Rule::Format(_pw::__private::TextFormat::#variant)));
    }
    quote!(&[#(#out),*])
}

pub(crate) fn field_schema(c: &Checked, index: usize) -> TokenStream {
    let f = &c.fields[index];
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
    let conditions = c.conditions[index].iter().map(|cond| condition(c, cond));
    let group = opt(f.group.as_ref().map(|g| {
        let name = &g.name;
        let required = g.required;
        quote!(_pw::__private::GroupMember { group: #name, required: #required })
    }));
    // An indexed family is its items' schema and its count; it may have no items.
    let (kind, optional) = match &f.indexed {
        Some(indexed) => {
            let item = &indexed.item;
            let count = &indexed.count.value;
            (
                quote!(_pw::__private::Kind::Indexed {
                    item: <#item as _pw::__private::PayObject>::OBJECT_SCHEMA,
                    count: #count,
                }),
                quote!(true),
            )
        }
        None => (
            quote!(_pw::__private::kind_of::<#ty>()),
            quote!(_pw::__private::is_optional::<#ty>()),
        ),
    };
    quote! {
        _pw::__private::FieldSchema {
            rust_name: #rust_name,
            wire_name: #wire,
            kind: #kind,
            optional: #optional,
            location: #location,
            signed: #signed,
            rules: #rules,
            required_if: &[#(#conditions),*],
            group: #group,
            doc: #doc,
        }
    }
}

pub(crate) fn schema(c: &Checked) -> TokenStream {
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
        Scheme::RsaSha256Sorted => quote!(RsaSha256Sorted),
        Scheme::Custom => {
            let name = c
                .custom_scheme
                .as_ref()
                .map_or_else(String::new, |p| quote!(#p).to_string().replace(' ', ""));
            quote!(Custom(#name))
        }
    };
    let case = match c.case {
        Case::Upper => quote!(Upper),
        Case::Lower => quote!(Lower),
    };
    let key_name = if c.scheme.has_key_suffix() {
        c.key_name.as_str()
    } else {
        ""
    };
    let sign_field = &c.sign_field.value;
    let empty = if c.keep_empty {
        quote!(Keep)
    } else {
        quote!(Skip)
    };
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
    let fields = (0..c.fields.len()).map(|index| field_schema(c, index));
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
    let signed_if = opt(c.signed_if.as_ref().map(|cond| condition(c, cond)));
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
                empty: _pw::__private::EmptyValues::#empty,
            },
            fields: &[#(#fields),*],
            constants: &[#(#constants),*],
            allow_unknown: #allow_unknown,
            groups: &[#(#groups),*],
            signed_if: #signed_if,
        }
    }
}

/// A resolved condition (`required_if`, `signed_if`) as the schema's `Condition`.
fn condition(c: &Checked, cond: &crate::check::Condition) -> TokenStream {
    let index = cond.field as u16;
    let name = &c.fields[cond.field].wire.value;
    let value = &cond.value;
    quote!(_pw::__private::Condition { field: #index, wire_name: #name, value: #value })
}
