//! Mutual TLS in `paywire::client`: WeChat Pay v2's refund API (`/secapi/pay/refund`)
//! requires the merchant's client certificate. A loopback server built on rustls asks
//! for one and checks it against its CA (certificates made by Python's `cryptography`,
//! `tests/fixtures/mtls/make_certs.py`); the client presents `ClientOptions::identity`.

use paywire::client::{Client, ClientIdentity, ClientOptions, TransportError};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::{self, server::WebPkiClientVerifier, RootCertStore, ServerConfig};

const CA: &str = include_str!("../fixtures/mtls/ca.pem");
const SERVER: &str = include_str!("../fixtures/mtls/server.pem");
const MERCHANT: &str = include_str!("../fixtures/mtls/merchant.pem");
const STRANGER: &str = include_str!("../fixtures/mtls/stranger.pem");

/// The certificates and the key of a PEM file holding both.
fn split(pem: &str) -> (String, String) {
    let cut = pem.find("-----BEGIN PRIVATE KEY-----").unwrap();
    (pem[..cut].to_owned(), pem[cut..].to_owned())
}

/// Starts a server on 127.0.0.1 that requires a client certificate from the test CA and
/// answers `ok`; returns its URL and the subjects of the certificates it was shown.
async fn server() -> (String, Arc<Mutex<Vec<usize>>>) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(CA.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .unwrap();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(SERVER.as_bytes())
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_slice(SERVER.as_bytes()).unwrap();
    let config = ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}/secapi/pay/refund",
        listener.local_addr().unwrap().port()
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let recorded = recorded.clone();
            tokio::spawn(async move {
                // A handshake without an acceptable client certificate fails here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let shown = tls.get_ref().1.peer_certificates().map_or(0, |c| c.len());
                recorded.lock().unwrap().push(shown);
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (url, seen)
}

fn client(identity: Option<&str>) -> Client {
    let identity = identity.map(|pem| {
        let (certs, key) = split(pem);
        ClientIdentity::from_pem(&certs, &key).unwrap()
    });
    Client::with_options(ClientOptions {
        identity,
        extra_roots_pem: vec![CA.to_owned()],
        proxy_from_env: false,
        ..ClientOptions::default()
    })
    .unwrap()
}

fn post(url: &str) -> http::Request<Vec<u8>> {
    http::Request::post(url)
        .body(b"<xml></xml>".to_vec())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_merchant_s_certificate_is_presented_and_accepted() {
    let (url, seen) = server().await;
    let answer = client(Some(MERCHANT)).send(post(&url)).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.body(), b"ok");
    assert_eq!(
        *seen.lock().unwrap(),
        [1],
        "the server saw one client certificate"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_certificate_or_with_another_ca_s_the_server_refuses_the_handshake() {
    let (url, seen) = server().await;
    for identity in [None, Some(STRANGER)] {
        match client(identity).send(post(&url)).await {
            Err(TransportError::Http(_)) => {}
            other => panic!("{identity:?}: {other:?}"),
        }
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "no refused client got past the handshake"
    );
}

#[test]
fn a_wrong_file_is_refused_when_loaded_and_the_key_is_never_printed() {
    let (certs, key) = split(MERCHANT);
    let error = ClientIdentity::from_pem(&key, &certs).unwrap_err();
    assert!(error.to_string().contains("no PEM certificate"), "{error}");
    let error = ClientIdentity::from_pem(
        &certs,
        "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
    )
    .unwrap_err();
    assert!(error.to_string().contains("do not load"), "{error}");
    let identity = ClientIdentity::from_pem(&certs, &key).unwrap();
    let shown = format!("{identity:?}");
    let key_body = key.lines().nth(1).unwrap();
    assert!(!shown.contains(key_body), "{shown}");
    assert!(shown.contains("***"), "{shown}");
    let options = ClientOptions {
        identity: Some(identity),
        ..ClientOptions::default()
    };
    assert!(!format!("{options:?}").contains(key_body));
}
