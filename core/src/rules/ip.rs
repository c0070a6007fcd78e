//! `#[pay(ip)]`: an IPv4 or IPv6 address exactly as the standard library reads one.
//! Gateways ask for the payer's IPv4 address on nearly every order, so dotted quads are
//! read here in one pass; an address with a `:` can only be IPv6 and goes to
//! `Ipv6Addr::from_str`. The tests hold the fast path to the standard library's answers.

use std::net::Ipv6Addr;

/// Whether `s` is an IPv4 address in dotted-decimal form (four decimal octets of at
/// most 255, no leading zeros, nothing else) or an IPv6 address.
pub(super) fn is_ip(s: &str) -> bool {
    // An IPv4 address holds no `:` and an IPv6 address always does.
    is_ipv4(s.as_bytes()) || (s.contains(':') && s.parse::<Ipv6Addr>().is_ok())
}

/// Four octets of one to three digits, separated by dots.
fn is_ipv4(bytes: &[u8]) -> bool {
    let mut at = 0;
    for octet in 0..4 {
        if octet > 0 {
            if bytes.get(at) != Some(&b'.') {
                return false;
            }
            at += 1;
        }
        let start = at;
        let mut value = 0u32;
        while let Some(&b) = bytes
            .get(at)
            .filter(|b| b.is_ascii_digit() && at - start < 3)
        {
            value = value * 10 + u32::from(b - b'0');
            at += 1;
        }
        let digits = at - start;
        if digits == 0 || value > 255 || (digits > 1 && bytes[start] == b'0') {
            return false;
        }
    }
    at == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::is_ip;
    use std::net::IpAddr;

    fn std_says(s: &str) -> bool {
        s.parse::<IpAddr>().is_ok()
    }

    /// Four (and three and five) octets drawn from near misses of every kind.
    #[test]
    fn dotted_quads_get_the_standard_librarys_answer() {
        let octets = [
            "", "0", "00", "01", "1", "9", "10", "09", "99", "100", "199", "200", "249", "250",
            "255", "256", "260", "300", "999", "0255", "1000", " 1", "+1", "-1", "a", "1a", "١",
        ];
        let mut compared = 0;
        for a in octets {
            for b in octets {
                for c in octets {
                    assert_eq!(
                        is_ip(&format!("{a}.{b}.{c}")),
                        std_says(&format!("{a}.{b}.{c}"))
                    );
                    for d in octets {
                        for s in [format!("{a}.{b}.{c}.{d}"), format!("{a}.{b}.{c}.{d}.1")] {
                            assert_eq!(is_ip(&s), std_says(&s), "{s:?}");
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(compared, 2 * 27 * 27 * 27 * 27);
    }

    /// Every string of up to six characters over digits, dots and a stray letter.
    #[test]
    fn short_strings_get_the_standard_librarys_answer() {
        let alphabet = ['0', '1', '2', '5', '6', '9', '.', 'x'];
        let mut strings = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for s in &longer {
                assert_eq!(is_ip(s), std_says(s), "{s:?}");
            }
            strings = longer;
        }
        assert!(is_ip("1.2.3.4") && !is_ip(""));
    }

    #[test]
    fn ipv6_and_hostile_text_get_the_standard_librarys_answer() {
        for s in [
            "::1",
            "2001:db8::1",
            "::ffff:14.23.150.211",
            "1:2:3:4:5:6:7:8:9",
            "[::1]",
            "14.23.150.211:80",
            "14.23.150.211\0",
            "14.23.150.211 ",
            "１４.23.150.211",
            "14.23.150.211.",
            ".14.23.150.211",
            "14..23.150",
        ] {
            assert_eq!(is_ip(s), std_says(s), "{s:?}");
        }
    }
}
