//! The sandbox delivers notifications to this machine only: a `notify_url` must name a
//! loopback host (`127.0.0.0/8`, `[::1]` or `localhost`), and `localhost` is sent to
//! `127.0.0.1` directly, so no name is ever resolved and no packet leaves the machine.

use std::net::{IpAddr, Ipv4Addr};

/// Why a `notify_url` is refused.
pub const RULE: &str =
    "the sandbox delivers to loopback only: use http://127.0.0.1:PORT/..., http://[::1]:PORT/... or http://localhost:PORT/...";

/// The URL to connect to for `notify_url`: itself for a loopback address, `localhost`
/// rewritten to `127.0.0.1`; `Err` with [`RULE`] for any other host, a name included.
pub fn target(notify_url: &str) -> Result<String, &'static str> {
    let uri: http::Uri = notify_url.parse().map_err(|_| RULE)?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(RULE);
    }
    let authority = uri.authority().ok_or(RULE)?;
    if authority.as_str().contains('@') {
        return Err(RULE); // userinfo: the host a reader sees is not the one connected to
    }
    let host = uri.host().ok_or(RULE)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        let port = uri.port().map(|p| format!(":{p}")).unwrap_or_default();
        let rest = uri.path_and_query().map_or("/", |p| p.as_str());
        let scheme = uri.scheme_str().unwrap_or("http");
        return Ok(format!("{scheme}://{}{port}{rest}", Ipv4Addr::LOCALHOST));
    }
    match bare.parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() => Ok(notify_url.to_owned()),
        _ => Err(RULE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_pass_and_everything_else_is_refused() {
        for (url, to) in [
            (
                "http://127.0.0.1:8080/notify",
                "http://127.0.0.1:8080/notify",
            ),
            ("http://127.8.9.10/n?a=1", "http://127.8.9.10/n?a=1"),
            ("http://[::1]:9000/n", "http://[::1]:9000/n"),
            ("http://localhost:7000/n?x=1", "http://127.0.0.1:7000/n?x=1"),
            ("https://LOCALHOST/n", "https://127.0.0.1/n"),
        ] {
            assert_eq!(target(url).as_deref(), Ok(to), "{url}");
        }
        for url in [
            "http://10.200.0.1:8080/notify",
            "http://169.254.169.254/latest/meta-data",
            "http://192.168.1.1/",
            "http://example.com/notify",
            "http://127.0.0.1.example.com/notify",
            "http://localhost.example.com/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::2]/",
            "http://0.0.0.0:8080/",
            "http://user@127.0.0.1@10.0.0.1/",
            "http://evil@127.0.0.1/",
            "ftp://127.0.0.1/",
            "/relative",
            "",
        ] {
            assert_eq!(target(url), Err(RULE), "{url}");
        }
    }
}
