//! Browsers may not change the sandbox's state from other pages: a web page the developer
//! visits could otherwise pay sandbox orders or place them (a form posts anywhere, and a
//! `no-cors` fetch still sends its request).
//!
//! Every request must name a loopback host in `Host` (a page on a rebound DNS name
//! reaches the same socket with its own name there). A request that is not `GET`, `HEAD`
//! or `OPTIONS` must come from the sandbox's own origin when it comes from a browser:
//! `Origin`, if sent, is `http://127.0.0.1:PORT`, `http://localhost:PORT` or
//! `http://[::1]:PORT`, and `Sec-Fetch-Site`, if sent, is `same-origin` or `none` (typed
//! in the address bar). API clients send neither and are served as before.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{header, Method, StatusCode};

/// Why a request was refused, in the answer's body.
pub const CROSS_ORIGIN: &str =
    "the sandbox refuses state-changing requests from other origins: pay from its own cashier page, or call it from a program (no Origin header)";

/// Why a request naming another host was refused.
pub const NOT_LOOPBACK_HOST: &str =
    "the sandbox answers requests for 127.0.0.1, [::1] or localhost only (Host header)";

/// The host part of a `Host` header or an origin's authority, brackets kept for IPv6.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split_once(']').map_or(authority, |(h, _)| h);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Whether `host` (no port, no brackets) names this machine's loopback.
fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `origin` is the sandbox's own, at `port`.
fn is_own_origin(origin: &str, port: u16) -> bool {
    let Some(authority) = origin.strip_prefix("http://") else {
        return false;
    };
    let own_port = authority
        .rsplit_once(':')
        .and_then(|(_, p)| p.parse::<u16>().ok())
        == Some(port);
    own_port && is_loopback_host(host_of(authority))
}

/// Why `request` may not reach the sandbox, if it may not.
pub fn refusal(method: &Method, headers: &http::HeaderMap, port: u16) -> Option<Response> {
    let text = |name| headers.get(name).map(|v| v.to_str().unwrap_or("\u{0}"));
    if let Some(host) = text(header::HOST) {
        if !is_loopback_host(host_of(host)) {
            return Some((StatusCode::MISDIRECTED_REQUEST, NOT_LOOPBACK_HOST).into_response());
        }
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let foreign_origin = text(header::ORIGIN).is_some_and(|o| !is_own_origin(o, port));
    let foreign_fetch = text(http::HeaderName::from_static("sec-fetch-site"))
        .is_some_and(|site| !matches!(site, "same-origin" | "none"));
    (foreign_origin || foreign_fetch).then(|| (StatusCode::FORBIDDEN, CROSS_ORIGIN).into_response())
}

/// The middleware: [`refusal`] or the route.
pub async fn same_origin_only(port: u16, request: Request, next: Next) -> Response {
    match refusal(request.method(), request.headers(), port) {
        Some(refused) => refused,
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: Method, headers: &[(&str, &str)]) -> Option<StatusCode> {
        let mut map = http::HeaderMap::new();
        for (name, value) in headers {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(value.as_bytes()).unwrap(),
            );
        }
        refusal(&method, &map, 8080).map(|r| r.status())
    }

    #[test]
    fn api_clients_and_the_sandbox_s_own_pages_are_served() {
        assert_eq!(check(Method::POST, &[]), None);
        assert_eq!(check(Method::POST, &[("host", "127.0.0.1:8080")]), None);
        for own in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            let headers = [("origin", own), ("sec-fetch-site", "same-origin")];
            assert_eq!(check(Method::POST, &headers), None, "{own}");
        }
        assert_eq!(check(Method::POST, &[("sec-fetch-site", "none")]), None);
        // Reading is allowed from anywhere on loopback.
        assert_eq!(
            check(Method::GET, &[("origin", "http://evil.example")]),
            None
        );
        assert_eq!(check(Method::GET, &[("host", "[::1]:8080")]), None);
    }

    #[test]
    fn other_origins_and_other_hosts_are_refused() {
        let forbidden = Some(StatusCode::FORBIDDEN);
        for origin in [
            "http://evil.example",
            "http://127.0.0.1:8081",
            "https://127.0.0.1:8080",
            "http://127.0.0.1:8080.evil.example",
            "http://evil.example:8080",
            "null",
            "",
        ] {
            assert_eq!(
                check(Method::POST, &[("origin", origin)]),
                forbidden,
                "{origin:?}"
            );
        }
        for site in ["cross-site", "same-site", "", "SAME-ORIGIN"] {
            assert_eq!(
                check(Method::POST, &[("sec-fetch-site", site)]),
                forbidden,
                "{site:?}"
            );
        }
        // An own Origin with a cross-site fetch is still refused: both must agree.
        let mixed = [
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "cross-site"),
        ];
        assert_eq!(check(Method::PUT, &mixed), forbidden);
        let misdirected = Some(StatusCode::MISDIRECTED_REQUEST);
        for host in [
            "evil.example:8080",
            "evil.example",
            "10.0.0.1:8080",
            "[2001:db8::1]:8080",
        ] {
            assert_eq!(check(Method::GET, &[("host", host)]), misdirected, "{host}");
        }
        let non_text = [("origin", "http://127.0.0.1:8080\u{80}")];
        assert_eq!(check(Method::POST, &non_text), forbidden);
    }
}
