//! The named text formats (`#[pay(url)]`, `#[pay(trade_no)]`, ...): the one list of their
//! keys, the `paywire::schema::TextFormat` variant each emits, and what a value that has
//! passed one can still hold that XML must escape.

use proc_macro2::Ident;
use quote::format_ident;

/// What XML must escape in a value that has passed a field's rules: the variants of
/// `paywire::__private::Markup`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    /// Nothing: no `<`, `>`, `&` or control character can be there.
    Free,
    /// `&` alone (URLs: their query strings).
    AmpersandOnly,
    /// Anything.
    Possible,
}

impl Markup {
    /// Its name as a `paywire::__private::Markup` variant and as a type in
    /// `paywire::__private::markup`.
    pub fn variant(self) -> Ident {
        match self {
            Markup::Free => format_ident!("Free"),
            Markup::AmpersandOnly => format_ident!("AmpersandOnly"),
            Markup::Possible => format_ident!("Possible"),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Rfc3339,
    CompactTime,
    DateTime,
    Ip,
    Url,
    HttpsUrl,
    Alphanumeric,
    TradeNo,
    Utf8mb3,
}

impl TextFormat {
    pub const ALL: [TextFormat; 9] = [
        TextFormat::Rfc3339,
        TextFormat::CompactTime,
        TextFormat::DateTime,
        TextFormat::Ip,
        TextFormat::Url,
        TextFormat::HttpsUrl,
        TextFormat::Alphanumeric,
        TextFormat::TradeNo,
        TextFormat::Utf8mb3,
    ];

    /// The attribute key, as written in `#[pay(...)]`.
    pub fn key(self) -> &'static str {
        match self {
            TextFormat::Rfc3339 => "rfc3339",
            TextFormat::CompactTime => "compact_time",
            TextFormat::DateTime => "datetime",
            TextFormat::Ip => "ip",
            TextFormat::Url => "url",
            TextFormat::HttpsUrl => "https_url",
            TextFormat::Alphanumeric => "alphanumeric",
            TextFormat::TradeNo => "trade_no",
            TextFormat::Utf8mb3 => "utf8mb3",
        }
    }

    pub fn from_key(key: &str) -> Option<TextFormat> {
        TextFormat::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The `paywire::schema::TextFormat` variant it names.
    pub fn variant(self) -> Ident {
        match self {
            TextFormat::Rfc3339 => format_ident!("Rfc3339"),
            TextFormat::CompactTime => format_ident!("CompactTime"),
            TextFormat::DateTime => format_ident!("DateTime"),
            TextFormat::Ip => format_ident!("Ip"),
            TextFormat::Url => format_ident!("Url"),
            TextFormat::HttpsUrl => format_ident!("HttpsUrl"),
            TextFormat::Alphanumeric => format_ident!("Alphanumeric"),
            TextFormat::TradeNo => format_ident!("TradeNo"),
            TextFormat::Utf8mb3 => format_ident!("Utf8mb3"),
        }
    }

    /// What a value that passed this format can hold that XML must escape.
    pub fn markup(self) -> Markup {
        match self {
            TextFormat::Rfc3339
            | TextFormat::CompactTime
            | TextFormat::DateTime
            | TextFormat::Ip
            | TextFormat::Alphanumeric
            | TextFormat::TradeNo => Markup::Free,
            TextFormat::Url | TextFormat::HttpsUrl => Markup::AmpersandOnly,
            TextFormat::Utf8mb3 => Markup::Possible,
        }
    }
}
