//! Derive macros for [paywire](https://docs.rs/paywire): `#[derive(PayRequest)]`,
//! `#[derive(PayResponse)]` and `#[derive(PayObject)]`. Each is a pipeline: parse the
//! attributes (`syntax`), build a normalised model (`model`), check it across fields
//! into a checked model (`check`), emit code (`emit/`, one file per thing emitted).
//! Every mistake is reported at once on its own span; on error a stub impl is emitted
//! so one mistake does not cascade.
//!

#![forbid(unsafe_code)]
#![doc = include_str!("../ATTRIBUTES.md")]

mod check;
mod ctxt;
mod emit;
mod keys;
mod model;
mod syntax;
mod text_format;

use model::Derive;
use proc_macro::TokenStream;

/// Derives `paywire::PayRequest` for a struct that mirrors a gateway's parameter table.
#[proc_macro_derive(PayRequest, attributes(pay))]
pub fn derive_pay_request(input: TokenStream) -> TokenStream {
    derive(input, Derive::Request)
}

/// Derives `paywire::PayResponse` for a response or notification: decoded from the
/// declared format, verified with the declared signature over every received field.
#[proc_macro_derive(PayResponse, attributes(pay))]
pub fn derive_pay_response(input: TokenStream) -> TokenStream {
    derive(input, Derive::Response)
}

/// Derives `paywire::PayObject` for a nested object of a request.
#[proc_macro_derive(PayObject, attributes(pay))]
pub fn derive_pay_object(input: TokenStream) -> TokenStream {
    derive(input, Derive::Object)
}

fn derive(input: TokenStream, derive: Derive) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    let mut cx = ctxt::Ctxt::default();
    let model = model::build(&mut cx, &input, derive).map(|c| check::check(&mut cx, c));
    match (cx.into_error(), model) {
        (None, Some(container)) => emit::expand(&container).into(),
        (error, _) => {
            let errors = error.map(|e| e.to_compile_error()).unwrap_or_default();
            let stub = emit::fallback(&input, derive);
            quote::quote!(#errors #stub).into()
        }
    }
}
