//! The named text formats of `#[pay(rfc3339)]`, `#[pay(compact_time)]` and friends.

use crate::schema::TextFormat;
use crate::words::{any_word, bytes_below, bytes_equal, HIGHS, ONES};
use std::net::IpAddr;

/// Whether `s` satisfies `format`.
pub fn matches(format: TextFormat, s: &str) -> bool {
    match format {
        TextFormat::Rfc3339 => {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
        }
        TextFormat::CompactTime => is_compact_time(s),
        TextFormat::Ip => s.parse::<IpAddr>().is_ok(),
        TextFormat::Url => absolute_url(s).is_some(),
        TextFormat::HttpsUrl => absolute_url(s)
            .is_some_and(|url| (url.https || is_loopback_host(url.host)) && !url.has_query),
        TextFormat::Alphanumeric => s.bytes().all(|b| b.is_ascii_alphanumeric()),
        TextFormat::Utf8mb3 => s.chars().all(|c| c.len_utf8() <= 3),
    }
}

/// Bytes allowed anywhere in a URL (the specification of [`url_forbids`]): visible ASCII but the ones RFC 3986 excludes and `#`.
#[cfg(test)]
const URL_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = b'!' as usize;
    while b < 0x7f {
        table[b] = true;
        b += 1;
    }
    let excluded = b"#<>\"{}|\\^`";
    let mut i = 0;
    while i < excluded.len() {
        table[excluded[i] as usize] = false;
        i += 1;
    }
    table
};

/// Whether any of eight bytes is outside `URL_BYTE`, tested at once: controls and
/// space, DEL and non-ASCII, and the ten excluded characters, paired where two differ
/// in one bit (`"#`, `<>`, `\\^`, `|}`).
#[inline(always)]
fn url_forbids(word: u64) -> bool {
    let hits = bytes_below(word, 0x21)
        | word
        | bytes_equal(word, 0x7f)
        | bytes_equal(word | ONES, b'#')
        | bytes_equal(word | (ONES * 0x02), b'>')
        | bytes_equal(word | (ONES * 0x02), b'^')
        | bytes_equal(word, b'`')
        | bytes_equal(word, b'{')
        | bytes_equal(word | ONES, b'}');
    hits & HIGHS != 0
}

/// The parts of an absolute http(s) URL that the rules need.
struct Url<'a> {
    https: bool,
    host: &'a str,
    has_query: bool,
}

/// An absolute `http` or `https` URL with a host and an optional port, checked in one
/// pass without allocating: visible ASCII only, none of the characters RFC 3986 excludes
/// (`<>"{}|\^` and backquote), and no fragment (a gateway cannot call one back).
fn absolute_url(s: &str) -> Option<Url<'_>> {
    let bytes = s.as_bytes();
    let starts = |prefix: &[u8]| {
        bytes
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let (https, scheme_len) = if starts(b"https://") {
        (true, 8)
    } else if starts(b"http://") {
        (false, 7)
    } else {
        return None;
    };
    if any_word(bytes, url_forbids) {
        return None;
    }
    let rest = &bytes[scheme_len..];
    // The authority runs to the first `/` or `?`; userinfo ends at its last `@`.
    let end = rest
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    let has_query = rest[end..].contains(&b'?');
    let authority = &rest[..end];
    let host_start = authority
        .iter()
        .rposition(|&b| b == b'@')
        .map_or(0, |at| at + 1);
    let host_port = &s[scheme_len + host_start..scheme_len + end];
    let (host, port) = if host_port.starts_with('[') {
        bracketed_host(host_port)?
    } else {
        match host_port.bytes().rposition(|b| b == b':') {
            Some(c) => (&host_port[..c], Some(&host_port[c + 1..])),
            None => (host_port, None),
        }
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok());
    (host_ok && port_ok).then_some(Url {
        https,
        host,
        has_query,
    })
}

/// `[v6]` or `[v6]:port`: the host with its brackets, and the port.
fn bracketed_host(host_port: &str) -> Option<(&str, Option<&str>)> {
    let (inside, after) = host_port[1..].split_once(']')?;
    inside.parse::<std::net::Ipv6Addr>().ok()?;
    let port = match after {
        "" => None,
        p => Some(p.strip_prefix(':')?),
    };
    Some((&host_port[..inside.len() + 2], port))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_test_agrees_with_the_url_byte_table_for_every_byte_in_every_position() {
        for b in 0..=255u8 {
            for position in 0..8 {
                let mut word = [b'a'; 8];
                word[position] = b;
                assert_eq!(
                    url_forbids(u64::from_le_bytes(word)),
                    !URL_BYTE[usize::from(b)],
                    "byte {b:#x} at {position}"
                );
            }
        }
    }
    use TextFormat::*;

    #[test]
    fn formats_accept_the_documented_examples_and_refuse_near_misses() {
        let cases: &[(TextFormat, &str, bool)] = &[
            (Rfc3339, "2018-06-08T10:34:56+08:00", true),
            (Rfc3339, "2018-06-08T10:34:56Z", true),
            (Rfc3339, "2018-06-08 10:34:56", false),
            (Rfc3339, "2018-02-30T10:34:56+08:00", false),
            (Rfc3339, "", false),
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
            (Utf8mb3, "image形象店-深圳腾大- QQ公仔", true),
            (Utf8mb3, "gift 🎁", false),
        ];
        for &(format, s, ok) in cases {
            assert_eq!(matches(format, s), ok, "{} {s:?}", format.name());
        }
    }
}
