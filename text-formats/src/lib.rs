//! The named text formats of paywire's declaration language, the one list both the
//! derive (which reads the attribute keys and writes the variants) and the runtime
//! (which checks values and describes them in errors) read. The checks themselves are
//! paywire's (`paywire::rules`).

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// A named text format checked by validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// RFC 3339 date-time with offset, `2018-06-08T10:34:56+08:00` (`#[pay(rfc3339)]`).
    Rfc3339,
    /// `yyyyMMddHHmmss`, `20091225091010` (`#[pay(compact_time)]`).
    CompactTime,
    /// `yyyy-MM-dd HH:mm:ss`, `2026-12-06 12:34:56` (`#[pay(datetime)]`): a real
    /// calendar date and time of day, in the gateway's own time zone.
    DateTime,
    /// An IPv4 or IPv6 address (`#[pay(ip)]`).
    Ip,
    /// An absolute `http` or `https` URL (`#[pay(url)]`).
    Url,
    /// An absolute `https` URL without a query string (`#[pay(https_url)]`); plain `http`
    /// is accepted only for loopback hosts, which browsers also treat as secure.
    HttpsUrl,
    /// ASCII letters and digits only (`#[pay(alphanumeric)]`).
    Alphanumeric,
    /// A merchant order number as WeChat-family gateways allow it: ASCII letters, digits
    /// and `_ - | * @` (`#[pay(trade_no)]`). No `&` or `=`, so a value cannot carry a
    /// second `k=v` member inside a sorted sign string.
    TradeNo,
    /// No 4-byte UTF-8 characters such as emoji (`#[pay(utf8mb3)]`).
    Utf8mb3,
}

impl TextFormat {
    /// Every format, in the order the attribute reference lists them.
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

    /// The attribute spelling (`#[pay(compact_time)]`).
    pub const fn name(self) -> &'static str {
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

    /// The format an attribute key names, if any.
    pub fn from_name(name: &str) -> Option<TextFormat> {
        TextFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The variant's name, as generated code spells it (`CompactTime`).
    pub const fn variant_name(self) -> &'static str {
        match self {
            TextFormat::Rfc3339 => "Rfc3339",
            TextFormat::CompactTime => "CompactTime",
            TextFormat::DateTime => "DateTime",
            TextFormat::Ip => "Ip",
            TextFormat::Url => "Url",
            TextFormat::HttpsUrl => "HttpsUrl",
            TextFormat::Alphanumeric => "Alphanumeric",
            TextFormat::TradeNo => "TradeNo",
            TextFormat::Utf8mb3 => "Utf8mb3",
        }
    }

    /// What a valid value looks like, for error messages.
    pub const fn describe(self) -> &'static str {
        match self {
            TextFormat::Rfc3339 => "an RFC 3339 time such as 2018-06-08T10:34:56+08:00",
            TextFormat::CompactTime => "yyyyMMddHHmmss such as 20091225091010",
            TextFormat::DateTime => "yyyy-MM-dd HH:mm:ss such as 2026-12-06 12:34:56",
            TextFormat::Ip => "an IPv4 or IPv6 address such as 14.23.150.211",
            TextFormat::Url => "an absolute http(s) URL such as https://example.com/notify",
            TextFormat::HttpsUrl => {
                "an absolute https URL without a query string such as https://example.com/notify (http only on loopback)"
            }
            TextFormat::Alphanumeric => "ASCII letters and digits only",
            TextFormat::TradeNo => "ASCII letters, digits and _ - | * @ only",
            TextFormat::Utf8mb3 => {
                "no 4-byte UTF-8 characters (emoji and other non-BMP characters)"
            }
        }
    }

    /// What a value that passed this format can still hold that XML must escape.
    pub const fn markup(self) -> Markup {
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

/// What a validated text value can hold that XML must escape, decided when the code is
/// generated from the field's rules (bodies are written only after validation).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Markup {
    /// Anything: the value is scanned for every byte XML needs escaped.
    Possible,
    /// At most `&` (`url`, `https_url` refuse every other byte XML escapes).
    AmpersandOnly,
    /// Nothing (`ip`, `compact_time`, `rfc3339`, `alphanumeric`, `one_of` with clean
    /// values): copied as it is.
    Free,
}

impl Markup {
    /// The variant's name, as generated code spells it (`AmpersandOnly`).
    pub const fn variant_name(self) -> &'static str {
        match self {
            Markup::Possible => "Possible",
            Markup::AmpersandOnly => "AmpersandOnly",
            Markup::Free => "Free",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TextFormat;

    #[test]
    fn every_name_reads_back_as_its_format() {
        for format in TextFormat::ALL {
            assert_eq!(TextFormat::from_name(format.name()), Some(format));
        }
        assert_eq!(TextFormat::from_name("URL"), None);
    }
}
