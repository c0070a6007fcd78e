//! The named text formats of `#[pay(rfc3339)]`, `#[pay(compact_time)]` and friends.

mod ip;
mod url;

use crate::schema::TextFormat;
use std::net::IpAddr;
use url::absolute_url;

/// Whether `s` satisfies `format`.
pub fn matches(format: TextFormat, s: &str) -> bool {
    match format {
        TextFormat::Rfc3339 => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        }
        TextFormat::CompactTime => is_compact_time(s),
        TextFormat::DateTime => is_datetime(s),
        TextFormat::Ip => ip::is_ip(s),
        TextFormat::Url => absolute_url(s).is_some(),
        TextFormat::HttpsUrl => absolute_url(s)
            .is_some_and(|url| (url.https || is_loopback_host(url.host)) && !url.has_query),
        TextFormat::Alphanumeric => s.bytes().all(|b| b.is_ascii_alphanumeric()),
        TextFormat::TradeNo => s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*' | b'@')),
        TextFormat::Utf8mb3 => s.chars().all(|c| c.len_utf8() <= 3),
    }
}

/// Loopback hosts count as secure, as in the W3C Secure Contexts rules browsers follow,
/// so a local merchant (or the sandbox demo) can receive notifications over plain HTTP;
/// any other host must use https.
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `yyyyMMddHHmmss`, a real calendar date and time of day.
fn is_compact_time(s: &str) -> bool {
    if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().unwrap_or(u16::MAX);
    let (year, month, day) = (num(0..4), num(4..6), num(6..8));
    let (hour, minute, second) = (num(8..10), num(10..12), num(12..14));
    let Ok(month) = time::Month::try_from(month as u8) else {
        return false;
    };
    time::Date::from_calendar_date(i32::from(year), month, day as u8).is_ok()
        && time::Time::from_hms(hour as u8, minute as u8, second as u8).is_ok()
}

/// `yyyy-MM-dd HH:mm:ss`: the compact form's digits with their separators in place.
fn is_datetime(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() != 19 {
        return false;
    }
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if separators.iter().any(|&(at, sep)| bytes[at] != sep) {
        return false;
    }
    let digits: String = s
        .char_indices()
        .filter(|(at, _)| separators.iter().all(|&(sep_at, _)| sep_at != *at))
        .map(|(_, c)| c)
        .collect();
    is_compact_time(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    use TextFormat::*;

    #[test]
    fn formats_accept_the_documented_examples_and_refuse_near_misses() {
        let cases: &[(TextFormat, &str, bool)] = &[
            (Rfc3339, "2018-06-08T10:34:56+08:00", true),
            (Rfc3339, "2018-06-08T10:34:56Z", true),
            (Rfc3339, "2018-06-08 10:34:56", false),
            (Rfc3339, "2018-02-30T10:34:56+08:00", false),
            (Rfc3339, "", false),
            (DateTime, "2026-12-06 12:34:56", true),
            (DateTime, "2024-02-29 23:59:59", true),
            (DateTime, "2023-02-29 23:59:59", false),
            (DateTime, "2026-12-06 24:00:00", false),
            (DateTime, "2026-12-06T12:34:56", false),
            (DateTime, "2026-12-06 12:34:5", false),
            (DateTime, "2026-12-06 12:34:56 ", false),
            (DateTime, "2026/12/06 12:34:56", false),
            (DateTime, "２026-12-06 12:34:56", false),
            (DateTime, "+026-12-06 12:34:56", false),
            (DateTime, "", false),
            (CompactTime, "20091225091010", true),
            (CompactTime, "20240229235959", true),
            (CompactTime, "20230229235959", false),
            (CompactTime, "20091225241010", false),
            (CompactTime, "2009122509101", false),
            (CompactTime, "2009122509101０", false),
            (Ip, "14.23.150.211", true),
            (Ip, "2001:db8::1", true),
            (Ip, "14.23.150.256", false),
            (Ip, "localhost", false),
            (Url, "http://wap.tenpay.com/tenpay.asp", true),
            (Url, "https://example.com:8443/a?b=c", true),
            (Url, "/relative/path", false),
            (Url, "ftp://example.com/x", false),
            (Url, "https://exa mple.com/", false),
            (Url, "https://example.com/#frag", false),
            (Url, "HTTP://Example.COM/a", true),
            (Url, "http://user@example.com:8080/x", true),
            (Url, "http://example.com:99999/x", false),
            (Url, "http://example.com:/x", false),
            (Url, "http:///nohost", false),
            (Url, "http://exa<mple.com/", false),
            (Url, "https://例子.cn/notify", false),
            (Url, "http://[::1]:8080/", true),
            (Url, "http://[zz]/", false),
            (HttpsUrl, "https://www.weixin.qq.com/wxpay/pay.php", true),
            (HttpsUrl, "http://www.weixin.qq.com/wxpay/pay.php", false),
            (
                HttpsUrl,
                "https://www.weixin.qq.com/wxpay/pay.php?a=1",
                false,
            ),
            (HttpsUrl, "http://127.0.0.1:8080/notify", true),
            (HttpsUrl, "http://localhost/notify", true),
            (HttpsUrl, "http://[::1]:9000/notify", true),
            (HttpsUrl, "http://127.0.0.1.example.com/notify", false),
            (HttpsUrl, "http://10.0.0.1/notify", false),
            (Alphanumeric, "180901620895069445", true),
            (Alphanumeric, "A1b2", true),
            (Alphanumeric, "18090162089506944_", false),
            (Alphanumeric, "１８", false),
            (TradeNo, "DEMO1764620000_0001-a|b*c@d", true),
            (TradeNo, "1415659990", true),
            (TradeNo, "4200000985&version=2.0", false),
            (TradeNo, "A=B", false),
            (TradeNo, "订单1", false),
            (TradeNo, "A 1", false),
            (Utf8mb3, "image形象店-深圳腾大- QQ公仔", true),
            (Utf8mb3, "gift 🎁", false),
        ];
        for &(format, s, ok) in cases {
            assert_eq!(matches(format, s), ok, "{} {s:?}", format.name());
        }
    }
}
