//! `#[pay(url)]` and `#[pay(https_url)]`: absolute `http`/`https` URLs, checked in one
//! pass over the authority without allocating. It runs on every request that carries a
//! notify URL, so it is written for speed; `tests::spec` below is the same rule written
//! plainly, and the tests hold the two to the same answers.

use crate::words::{alphanumeric, any_byte, any_word, bytes_equal, first_hit, HIGHS};

/// Whether a byte is outside the bytes a URL may hold anywhere: controls and space, DEL
/// and non-ASCII, the characters RFC 3986 excludes (`<>"{}|\^` and backquote), and `#`,
/// since a gateway cannot call a fragment back. Written as comparisons joined by `|`,
/// which the compiler makes sixteen bytes at a time.
#[inline(always)]
fn url_forbids(b: u8) -> bool {
    (b <= b' ')
        | (b >= 0x7f)
        | (b == b'"')
        | (b == b'#')
        | (b == b'<')
        | (b == b'>')
        | (b == b'\\')
        | (b == b'^')
        | (b == b'`')
        | (b == b'{')
        | (b == b'|')
        | (b == b'}')
}

/// Whether a byte may stand in a host name: a letter, digit, `-`, `.` or `_` (the
/// [`Class::Host`] bytes), as comparisons the compiler can make sixteen at a time.
#[inline(always)]
fn host_byte(b: u8) -> bool {
    alphanumeric(b) | (b == b'-') | (b == b'.') | (b == b'_')
}

/// The parts of an absolute http(s) URL that the rules need.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Url<'a> {
    pub(super) https: bool,
    pub(super) host: &'a str,
    pub(super) has_query: bool,
}

/// What a byte of the authority means to [`absolute_url`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A letter, digit, `-`, `.` or `_`: may stand in a host name (and digits in a port).
    Host,
    /// `@`: what came before was userinfo.
    At,
    /// `:`: a port follows (or, in userinfo, a password).
    Colon,
    /// Anything else a URL may hold: fine in userinfo, not in a host or port.
    Other,
}

const CLASS: [Class; 256] = {
    let mut table = [Class::Other; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' {
            table[b] = Class::Host;
        }
        b += 1;
    }
    table[b'@' as usize] = Class::At;
    table[b':' as usize] = Class::Colon;
    table
};

/// `https://` or `http://` in any letter case: whether it is https, and its length.
fn scheme(bytes: &[u8]) -> Option<(bool, usize)> {
    let first: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    let word = u64::from_le_bytes(first);
    // Setting bit 5 folds the letters' case (and maps no other byte onto a letter).
    if word | 0x20_2020_2020 == u64::from_le_bytes(*b"https://") {
        Some((true, 8))
    } else if (word | 0x2020_2020) & 0x00ff_ffff_ffff_ffff == u64::from_le_bytes(*b"http://\0") {
        Some((false, 7))
    } else {
        None
    }
}

/// An absolute `http` or `https` URL with a host and an optional port: visible ASCII
/// only, none of the characters RFC 3986 excludes, and no fragment. The authority runs
/// to the first `/` or `?`; userinfo ends at its last `@`; a port follows the host's
/// `:`; a bracketed host must be an IPv6 address.
pub(super) fn absolute_url(s: &str) -> Option<Url<'_>> {
    let bytes = s.as_bytes();
    let (https, scheme_len) = scheme(bytes)?;
    if any_byte(bytes, url_forbids) {
        return None;
    }
    let rest = &bytes[scheme_len..];
    let end =
        first_hit(rest, |w| bytes_equal(w, b'/') | bytes_equal(w, b'?')).unwrap_or(rest.len());
    let has_query = rest.get(end) == Some(&b'?')
        || any_word(&rest[end..], |w| bytes_equal(w, b'?') & HIGHS != 0);
    let authority = &rest[..end];
    // Every byte checked above is ASCII, so these are character boundaries.
    let at = |from: usize, to: usize| &s[scheme_len + from..scheme_len + to];
    let url = |host| Url {
        https,
        host,
        has_query,
    };
    // The common case: a host name alone.
    if !any_byte(authority, |b| !host_byte(b)) {
        return (!authority.is_empty()).then(|| url(at(0, end)));
    }
    // Userinfo, a port or a bracketed host. `plain`: every byte since the last `@` may
    // stand in a host or port, with at most one `:` among them.
    let (mut host_start, mut colon, mut plain) = (0, None, true);
    for (i, &b) in authority.iter().enumerate() {
        match CLASS[usize::from(b)] {
            Class::Host => {}
            Class::At => (host_start, colon, plain) = (i + 1, None, true),
            Class::Colon => {
                plain &= colon.is_none();
                colon = Some(i);
            }
            Class::Other => plain = false,
        }
    }
    if authority.get(host_start) == Some(&b'[') {
        let (host, port) = bracketed_host(at(host_start, end))?;
        return port_ok(port).then(|| url(host));
    }
    let host = at(host_start, colon.unwrap_or(end));
    let port = colon.map(|c| at(c + 1, end));
    (plain && !host.is_empty() && port_ok(port)).then(|| url(host))
}

/// No port, or one to five digits naming a port number (no sign).
fn port_ok(port: Option<&str>) -> bool {
    port.is_none_or(|p| {
        (1..=5).contains(&p.len())
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes allowed anywhere in a URL: visible ASCII but the ones RFC 3986 excludes and `#`.
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

    /// The rule written plainly, one question at a time, as the specification of
    /// [`absolute_url`].
    fn spec(s: &str) -> Option<Url<'_>> {
        let lower = s.to_ascii_lowercase();
        let (https, scheme_len) = if lower.starts_with("https://") {
            (true, 8)
        } else if lower.starts_with("http://") {
            (false, 7)
        } else {
            return None;
        };
        if !s.bytes().all(|b| URL_BYTE[usize::from(b)]) {
            return None;
        }
        let rest = &s[scheme_len..];
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let has_query = rest[end..].contains('?');
        let authority = &rest[..end];
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if host_port.starts_with('[') {
            bracketed_host(host_port)?
        } else {
            match host_port.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            }
        };
        let host_ok = !host.is_empty()
            && (host.starts_with('[')
                || host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')));
        let port_ok = port.is_none_or(|p| {
            (1..=5).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n <= 65535)
        });
        (host_ok && port_ok).then_some(Url {
            https,
            host,
            has_query,
        })
    }

    #[test]
    fn the_host_byte_test_agrees_with_the_class_table_for_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(
                host_byte(b),
                CLASS[usize::from(b)] == Class::Host,
                "byte {b:#x}"
            );
        }
    }

    #[test]
    fn the_byte_test_agrees_with_the_url_byte_table_for_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(url_forbids(b), !URL_BYTE[usize::from(b)], "byte {b:#x}");
        }
    }

    /// Every combination of the schemes, userinfos, hosts, ports, paths and queries below:
    /// 222 950 URLs, many of them near misses.
    fn generated_urls() -> impl Iterator<Item = String> {
        const SCHEMES: [&str; 7] = [
            "http://", "https://", "HTTPS://", "hTtP://", "ftp://", "http:/", "",
        ];
        const USERINFOS: [&str; 7] = ["", "user@", "user:pw@", "a@b@", "@", "u:p:q@", "we ird@"];
        const HOSTS: [&str; 13] = [
            "example.com",
            "a",
            "",
            "exa_mple-1.cn",
            "exa%41mple.com",
            "ex!ample.com",
            "[::1]",
            "[2001:db8::7]",
            "[zz]",
            "[::1",
            "例子.cn",
            "ex\"ample",
            "a:b",
        ];
        const PORTS: [&str; 10] = [
            "", ":", ":0", ":8080", ":65535", ":65536", ":123456", ":8a", "::80", ":+80",
        ];
        const PATHS: [&str; 7] = ["", "/", "/a/b.php", "/a@b:c", "/x#frag", "/<tag>", "/%20"];
        const QUERIES: [&str; 5] = ["", "?", "?a=1&b=2", "?x=/y?z", "?q=a b"];
        SCHEMES.into_iter().flat_map(|scheme| {
            USERINFOS.into_iter().flat_map(move |userinfo| {
                HOSTS.into_iter().flat_map(move |host| {
                    PORTS.into_iter().flat_map(move |port| {
                        PATHS.into_iter().flat_map(move |path| {
                            QUERIES.into_iter().map(move |query| {
                                format!("{scheme}{userinfo}{host}{port}{path}{query}")
                            })
                        })
                    })
                })
            })
        })
    }

    #[test]
    fn the_one_pass_scanner_agrees_with_the_plain_rule() {
        let mut compared = 0;
        for url in generated_urls() {
            assert_eq!(absolute_url(&url), spec(&url), "{url:?}");
            compared += 1;
        }
        assert_eq!(compared, 7 * 7 * 13 * 10 * 7 * 5);
    }

    /// Whatever the rule accepts, a WHATWG URL parser (the `url` crate, as reqwest and
    /// browsers read URLs) accepts too and reads alike: the same scheme, the same host
    /// (after its letter case is folded), the same port, a query exactly when the rule
    /// saw one, and no fragment. So a notify URL paywire lets through cannot reach a
    /// gateway as a different host. The rule is the stricter of the two (it refuses
    /// `ex!ample.com`, `例子.cn` and a space, which a WHATWG parser maps or
    /// percent-encodes), so only this direction is asked; the other is counted.
    #[test]
    fn every_url_the_rule_accepts_a_whatwg_parser_reads_alike() {
        let (mut accepted, mut refused_by_both, mut refused_here_only) = (0, 0, 0);
        for text in generated_urls() {
            let parsed = url::Url::parse(&text);
            let Some(ours) = absolute_url(&text) else {
                if parsed.is_ok() {
                    refused_here_only += 1;
                } else {
                    refused_by_both += 1;
                }
                continue;
            };
            let theirs =
                parsed.unwrap_or_else(|e| panic!("{text:?}: accepted here, not by url: {e}"));
            assert_eq!(theirs.scheme() == "https", ours.https, "{text:?}");
            assert_eq!(
                theirs.host_str(),
                Some(ours.host.to_ascii_lowercase().as_str()),
                "{text:?}"
            );
            let authority = text.split_once("//").map_or("", |(_, rest)| rest);
            let authority = &authority[..authority.find(['/', '?']).unwrap_or(authority.len())];
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let written_port = host_port
                .strip_prefix(ours.host)
                .and_then(|p| p.strip_prefix(':'))
                .filter(|p| !p.is_empty())
                .map(|p| p.parse::<u16>().unwrap());
            let default = if ours.https { 443 } else { 80 };
            assert_eq!(
                theirs.port_or_known_default(),
                Some(written_port.unwrap_or(default)),
                "{text:?}"
            );
            assert_eq!(theirs.query().is_some(), ours.has_query, "{text:?}");
            assert_eq!(theirs.fragment(), None, "{text:?}");
            accepted += 1;
        }
        assert_eq!(
            accepted + refused_by_both + refused_here_only,
            7 * 7 * 13 * 10 * 7 * 5
        );
        assert!(accepted > 9_000, "not vacuous: {accepted} accepted");
        println!(
            "accepted by both: {accepted}; refused by both: {refused_by_both}; \
             refused here, parsed by url: {refused_here_only}"
        );
    }

    #[test]
    fn every_single_byte_in_every_part_gets_the_same_answer() {
        for b in 0..=255u8 {
            let c = char::from(b);
            for url in [
                format!("http://{c}/"),
                format!("http://ex{c}ample.com/"),
                format!("http://u{c}@example.com/"),
                format!("http://example.com:80{c}/"),
                format!("https://example.com/p{c}th"),
                format!("https://example.com/?q{c}"),
                format!("https://[::1]{c}/"),
            ] {
                assert_eq!(absolute_url(&url), spec(&url), "{url:?}");
            }
        }
    }
}
