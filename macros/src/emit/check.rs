//! The validity check: one `&&` chain per request that accepts exactly what the table
//! interpreter in `paywire::validate` accepts, so reports run only when it says no.

use crate::check::Checked;
use crate::model::Field;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::tokens::{int_bound, wire};

/// The rule checks of one field on its wire value `__v`.
pub(crate) fn rule_checks(f: &Field) -> Vec<TokenStream> {
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
        // Integers listed as integers are compared as numbers, not formatted first.
        let numbers: Option<Vec<i128>> = values
            .iter()
            .map(|v| v.parse::<i128>().ok().filter(|n| n.to_string() == *v))
            .collect();
        match numbers {
            Some(numbers) => checks.push(
                quote!(_pw::__private::fast::one_of_int(&__v, &[#(#numbers),*], &[#(#values),*])),
            ),
            None => checks.push(quote!(_pw::__private::fast::one_of(&__v, &[#(#values),*]))),
        }
    }
    for format in &f.formats {
        let variant = crate::text_format::format_variant(format.value);
        checks
            .push(quote!(_pw::__private::fast::format(&__v, _pw::__private::TextFormat::#variant)));
    }
    checks.push(quote!(_pw::__private::fast::nested(&__v)));
    checks
}

/// Body of `FieldAccess::__is_valid`: one `&&` chain that accepts exactly what the
/// interpreter in `paywire::validate` accepts.
pub(crate) fn is_valid(c: &Checked) -> TokenStream {
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
        let mut demands: Vec<TokenStream> = c.conditions[index]
            .iter()
            .map(|cond| {
                let other = wire(&c.fields[cond.field]);
                let value = &cond.value;
                quote!(_pw::__private::fast::text_is(&#other, #value))
            })
            .collect();
        if let Some(g) = f.group.as_ref().filter(|g| g.required) {
            let index = c
                .groups
                .iter()
                .position(|name| name == &g.name)
                .unwrap_or(0);
            let var = &group_vars[index];
            demands.push(quote!(#var));
        }
        let demanded = (!demands.is_empty())
            .then(|| quote!(&& (_pw::__private::fast::present(&__v) || !(false #(|| #demands)*))));
        let rules = rule_checks(f);
        let counted = f.indexed.as_ref().map(|indexed| {
            let count = &indexed.count.value;
            let ident = &f.ident;
            quote!(&& _pw::__private::fast::count_matches(self, #count, self.#ident.len()))
        });
        // The type's own constant, as the table's `optional` is: a path, not a `const`
        // block per field for the compiler to evaluate.
        let ty = &f.ty;
        quote! {
            && {
                let __v = #value;
                (<#ty as _pw::__private::WireValue>::OPTIONAL
                    || _pw::__private::fast::present(&__v))
                    #demanded
                    && (__v.is_absent() || (#(#rules)&&*))
                    #counted
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
