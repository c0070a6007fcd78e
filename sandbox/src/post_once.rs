//! One HTTP/1.1 POST over a connection of its own, driven inside the caller's future:
//! when the call ends, or the caller drops it (a timeout), the connection is closed at
//! once. A pooled client's connections outlive their calls (kept for the next call, or
//! finishing their opening or closing in a task of their own), so a pool of N delivery
//! workers could hold more than N connections to a merchant; these cannot.

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::net::{IpAddr, SocketAddr};

/// The largest answer read: a merchant acknowledges with a word.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Why a POST got no answer.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The URL is not `http://` to an IP address.
    #[error("not an http:// URL to an IP address: {0}")]
    Url(String),
    /// Connecting, sending or reading failed.
    #[error("{0}")]
    Transport(String),
    /// The answer was larger than 64 KiB.
    #[error("the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
}

/// Whether `url` is one [`post`] takes: `http://` (TLS goes through a pooled client).
pub fn takes(url: &str) -> bool {
    url.starts_with("http://")
}

/// POSTs `body` to `url` (`http://` to an IP address, as the loopback rule leaves it) with
/// `headers`, over a connection opened for it and closed when this returns or is dropped:
/// the answer's status and body.
pub async fn post(
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<(http::StatusCode, Bytes), PostError> {
    let uri: http::Uri = url.parse().map_err(|_| PostError::Url(url.to_owned()))?;
    if uri.scheme_str() != Some("http") {
        return Err(PostError::Url(url.to_owned()));
    }
    let host = uri.host().ok_or_else(|| PostError::Url(url.to_owned()))?;
    let ip: IpAddr = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| PostError::Url(url.to_owned()))?;
    let address = SocketAddr::new(ip, uri.port_u16().unwrap_or(80));
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = http::Request::post(target).header(
        http::header::HOST,
        uri.authority().map_or(host, |a| a.as_str()),
    );
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| PostError::Url(e.to_string()))?;

    let transport = |e: &dyn std::fmt::Display| PostError::Transport(e.to_string());
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| transport(&e))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| transport(&e))?;
    let exchange = async move {
        let answer = sender
            .send_request(request)
            .await
            .map_err(|e| transport(&e))?;
        let (parts, body) = answer.into_parts();
        let body = Limited::new(body, MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    PostError::TooLarge
                } else {
                    PostError::Transport(e.to_string())
                }
            })?
            .to_bytes();
        Ok((parts.status, body))
        // `sender` dropped here: the connection then ends.
    };
    // The connection is driven beside the exchange, in this future: it ends once the
    // exchange is done (or fails), and both are dropped together if the caller gives up.
    let (answer, _) = tokio::join!(exchange, connection);
    answer
}

#[cfg(test)]
mod tests {
    use super::{post, PostError};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server on loopback that answers one request with `answer`; its URL.
    async fn answering(answer: Vec<u8>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notify?x=1", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.ends_with(b"<xml/>") {
                let n = stream.read(&mut buf).await.unwrap();
                assert!(n > 0, "the request ended early: {request:?}");
                request.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&request).to_lowercase();
            assert!(head.starts_with("post /notify?x=1 http/1.1\r\n"), "{head}");
            assert!(head.contains("\r\ncontent-length: 6\r\n"), "{head}");
            assert!(head.contains("\r\nx-test: yes\r\n"), "{head}");
            let _ = stream.write_all(&answer).await;
        });
        url
    }

    fn headers() -> Vec<(&'static str, String)> {
        vec![("x-test", "yes".to_owned())]
    }

    #[tokio::test]
    async fn an_answer_comes_back_with_its_status_and_body() {
        let url = answering(b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuccess".to_vec()).await;
        let (status, body) = post(&url, &headers(), b"<xml/>".to_vec()).await.unwrap();
        assert_eq!((status.as_u16(), &body[..]), (200, &b"success"[..]));
    }

    #[tokio::test]
    async fn a_chunked_answer_is_read_whole() {
        let answer = b"HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\n\r\n4\r\nfail\r\n3\r\ned!\r\n0\r\n\r\n";
        let url = answering(answer.to_vec()).await;
        let (status, body) = post(&url, &headers(), b"<xml/>".to_vec()).await.unwrap();
        assert_eq!((status.as_u16(), &body[..]), (500, &b"failed!"[..]));
    }

    #[tokio::test]
    async fn an_answer_over_64_kib_is_refused() {
        let mut answer = b"HTTP/1.1 200 OK\r\ncontent-length: 70000\r\n\r\n".to_vec();
        answer.resize(answer.len() + 70_000, b'a');
        let url = answering(answer).await;
        let refused = post(&url, &headers(), b"<xml/>".to_vec()).await;
        assert!(matches!(refused, Err(PostError::TooLarge)), "{refused:?}");
    }

    #[tokio::test]
    async fn an_answer_cut_off_or_malformed_is_a_transport_error() {
        for answer in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuc"[..],
            &b"NOT HTTP AT ALL\r\n\r\n"[..],
            &b""[..],
        ] {
            let url = answering(answer.to_vec()).await;
            let refused = post(&url, &headers(), b"<xml/>".to_vec()).await;
            assert!(
                matches!(refused, Err(PostError::Transport(_))),
                "{answer:?}: {refused:?}"
            );
        }
    }

    #[tokio::test]
    async fn only_http_to_an_ip_address_is_posted() {
        for url in [
            "https://127.0.0.1/n",
            "http://localhost:1/n",
            "http://example.com/n",
            "ftp://127.0.0.1/n",
            "not a url",
            "",
        ] {
            let refused = post(url, &headers(), Vec::new()).await;
            assert!(
                matches!(refused, Err(PostError::Url(_))),
                "{url}: {refused:?}"
            );
        }
    }
}
