//! The named text formats (`#[pay(url)]`, `#[pay(trade_no)]`, ...) and the markup classes
//! of their values, from `paywire-text-formats`, the list the runtime reads too; here,
//! the identifiers generated code names them by.

use proc_macro2::Ident;
use quote::format_ident;

pub use paywire_text_formats::{Markup, TextFormat};

/// The `paywire::schema::TextFormat` variant `format` names.
pub fn format_variant(format: TextFormat) -> Ident {
    format_ident!("{}", format.variant_name())
}

/// The `paywire::__private::Markup` variant (and `paywire::__private::markup` type)
/// `markup` names.
pub fn markup_variant(markup: Markup) -> Ident {
    format_ident!("{}", markup.variant_name())
}
