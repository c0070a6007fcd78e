//! Sans-IO HTTP requests: a body becomes an `http::Request<Vec<u8>>` (method, URL with
//! path parameters, headers, body) for whatever HTTP client the caller uses; nothing
//! here opens a socket.

use crate::body::Body;
use crate::error::Error;
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};

/// Joins a base URL (`https://api.example.com` or a sandbox prefix such as
/// `http://127.0.0.1:8080/weidoufu`) and a path (`/pay/miniapp`).
pub fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Percent-encodes one path segment (for path parameters such as XorPay's `{aid}`).
pub fn path_segment(value: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// The path and query of a URL, as signed by schemes that sign the request line.
pub fn path_and_query(url: &str) -> Result<String, Error> {
    let uri: http::Uri = url.parse().map_err(|_| invalid_url(url))?;
    Ok(uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()))
}

fn invalid_url(url: &str) -> Error {
    Error::Unencodable {
        path: url.to_owned(),
        format: "url",
        reason: "not a valid absolute URL; check the base URL",
    }
}

/// A `POST` of `body` to `url` with its content type and extra `headers`.
pub fn post(
    url: &str,
    body: Body,
    headers: &[(HeaderName, String)],
) -> Result<http::Request<Vec<u8>>, Error> {
    let mut builder = http::Request::builder().method(http::Method::POST).uri(url);
    builder = builder.header(
        CONTENT_TYPE,
        HeaderValue::from_str(body.content_type()).map_err(|_| invalid_url(url))?,
    );
    for (name, value) in headers {
        let mut value = HeaderValue::from_str(value).map_err(|_| Error::Unencodable {
            path: name.to_string(),
            format: "header",
            reason: "a header value must be visible ASCII",
        })?;
        // A bearer token or signature: `Debug` of the request prints `Sensitive` instead.
        if name == http::header::AUTHORIZATION {
            value.set_sensitive(true);
        }
        builder = builder.header(name, value);
    }
    builder
        .body(body.into_bytes())
        .map_err(|_| invalid_url(url))
}

/// A `GET` of `url` with `query` (a form body) as its query string, for gateways whose
/// queries are signed parameters in the URL (XorPay's `query2`).
pub fn get(url: &str, query: Body) -> Result<http::Request<Vec<u8>>, Error> {
    let target = match query.as_str() {
        "" => url.to_owned(),
        text => format!("{url}?{text}"),
    };
    http::Request::builder()
        .method(http::Method::GET)
        .uri(target)
        .body(Vec::new())
        .map_err(|_| invalid_url(url))
}
