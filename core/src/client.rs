//! An async HTTP client for calling real gateways (feature `client`): reqwest over rustls,
//! timeouts, a size limit on answers, a tracing span per call, and no automatic retry.
//! A pay call is sent again only when the gateway's own answer says the same request may
//! be repeated ([`Client::send_repeatable`]); anything else could charge twice.

use crate::decode::Limits;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Timeouts and limits of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Time for the whole call, answer included.
    pub timeout: Duration,
    /// Largest answer accepted.
    pub max_answer_bytes: usize,
    /// Whether `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` from the environment are used
    /// (as reqwest does by default); `false` connects directly.
    pub proxy_from_env: bool,
    /// How long an idle kept-alive connection is kept for the next call. Shorter than
    /// the server keeps it, so a call never goes out on a connection the server is
    /// closing at that moment (a pay call sent so fails with no way to tell whether it
    /// arrived). The default, 50 s, is under nginx's default 75 s and the sandbox's 60 s.
    pub idle_timeout: Duration,
    /// Whether a connection is kept, once its call is answered, for the next call to the
    /// same host (the default). `false` closes each connection after its call, so the
    /// connections open never outnumber the calls under way: a kept connection is open
    /// too, and one that finished opening after its call took another kept one is kept
    /// beside it.
    pub keep_alive: bool,
    /// The merchant's certificate and key, presented when the server asks for one
    /// (mutual TLS: WeChat Pay v2's refund API, `/secapi/pay/refund`, requires it).
    pub identity: Option<ClientIdentity>,
    /// CA certificates (PEM) trusted besides the system's: a gateway's private CA, or a
    /// test server's. Empty by default.
    pub extra_roots_pem: Vec<String>,
}

/// A client certificate chain and its private key, for mutual TLS. The key is held as a
/// [`Secret`](crate::Secret): zeroized on drop, never printed.
#[derive(Clone)]
pub struct ClientIdentity {
    certificates_pem: String,
    key_pem: crate::Secret,
}

impl ClientIdentity {
    /// The certificate chain (the merchant's certificate first) and its PKCS#8, PKCS#1
    /// or SEC1 private key, both PEM; checked now, so a wrong file is reported before the
    /// first call. (WeChat Pay's `apiclient_cert.pem` and `apiclient_key.pem`.)
    pub fn from_pem(certificates_pem: &str, key_pem: &str) -> Result<Self, TransportError> {
        if !certificates_pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(TransportError::Identity(
                "the certificate file holds no PEM certificate".into(),
            ));
        }
        if !key_pem.contains("PRIVATE KEY-----") {
            return Err(TransportError::Identity(
                "the key file holds no PEM private key".into(),
            ));
        }
        let identity = ClientIdentity {
            certificates_pem: certificates_pem.to_owned(),
            key_pem: crate::Secret::new(key_pem),
        };
        identity.to_reqwest()?;
        Ok(identity)
    }

    fn to_reqwest(&self) -> Result<reqwest::Identity, TransportError> {
        let pem = zeroize::Zeroizing::new(format!(
            "{}\n{}",
            self.certificates_pem,
            self.key_pem.expose()
        ));
        reqwest::Identity::from_pem(pem.as_bytes()).map_err(|e| {
            TransportError::Identity(format!("the certificate and key do not load: {e}"))
        })
    }
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field(
                "certificates_pem",
                &format_args!("{} bytes", self.certificates_pem.len()),
            )
            .field("key_pem", &self.key_pem)
            .finish()
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_answer_bytes: Limits::default().max_bytes,
            proxy_from_env: true,
            idle_timeout: Duration::from_secs(50),
            keep_alive: true,
            identity: None,
            extra_roots_pem: Vec::new(),
        }
    }
}

/// Why a call got no answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The call took longer than the timeout. The gateway may still have processed it:
    /// query the order before placing it again.
    #[error("no answer within {0:?}; the gateway may still have processed the request, query it before retrying")]
    Timeout(Duration),
    /// The request could not be sent or the answer not read.
    #[error("HTTP: {0}")]
    Http(String),
    /// The answer is larger than the limit.
    #[error("the answer is over the {limit}-byte limit")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Building the request failed.
    #[error(transparent)]
    Request(#[from] crate::error::Error),
    /// The client certificate, its key or an extra root does not load.
    #[error("TLS identity: {0}")]
    Identity(String),
}

/// An HTTP client for `http::Request<Vec<u8>>`s built by paywire.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    options: ClientOptions,
}

impl Client {
    /// A client with the default timeouts.
    pub fn new() -> Result<Self, TransportError> {
        Self::with_options(ClientOptions::default())
    }

    /// A client with explicit timeouts and limits.
    pub fn with_options(options: ClientOptions) -> Result<Self, TransportError> {
        // rustls needs a process-wide crypto provider; another library may have installed
        // one already, which is fine.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut builder = reqwest::Client::builder();
        if !options.proxy_from_env {
            builder = builder.no_proxy();
        }
        if let Some(identity) = &options.identity {
            builder = builder.identity(identity.to_reqwest()?);
        }
        for pem in &options.extra_roots_pem {
            let root = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| {
                TransportError::Identity(format!("an extra root does not load: {e}"))
            })?;
            builder = builder.add_root_certificate(root);
        }
        if !options.keep_alive {
            builder = builder.pool_max_idle_per_host(0);
        }
        let http = builder
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .pool_idle_timeout(options.idle_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TransportError::Http(e.to_string()))?;
        Ok(Client { http, options })
    }

    /// Sends one request and reads the whole answer. Never retries.
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let span = tracing::info_span!(
            "paywire.call",
            method = %request.method(),
            host = request.uri().host().unwrap_or_default(),
            path = request.uri().path(),
        );
        self.send_inner(request).instrument(span).await
    }

    async fn send_inner(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let started = Instant::now();
        let request =
            reqwest::Request::try_from(request).map_err(|e| TransportError::Http(e.to_string()))?;
        let mut response = self
            .http
            .execute(request)
            .await
            .map_err(|e| self.classify(e))?;
        let limit = self.options.max_answer_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(TransportError::TooLarge { limit });
        }
        let mut builder = http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        let answer = builder
            .body(body)
            .map_err(|e| TransportError::Http(e.to_string()))?;
        tracing::info!(
            status = answer.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "answered"
        );
        Ok(answer)
    }

    fn classify(&self, error: reqwest::Error) -> TransportError {
        if error.is_timeout() {
            TransportError::Timeout(self.options.timeout)
        } else {
            TransportError::Http(error.to_string())
        }
    }

    /// Sends `make()`'s request, and sends a fresh one from `make` (new timestamp, nonce
    /// and signature) only while `may_repeat` says the answer allows it, such as WeChat
    /// Pay's `SYSTEM_ERROR` ("请用相同参数重新调用"); at most `attempts` calls, with a short
    /// back-off. Transport errors are returned at once: a timed-out pay call may have
    /// been processed.
    pub async fn send_repeatable(
        &self,
        make: impl Fn() -> Result<http::Request<Vec<u8>>, crate::error::Error>,
        may_repeat: impl Fn(&http::Response<Vec<u8>>) -> bool,
        attempts: u32,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1;
        loop {
            let answer = self.send(make()?).await?;
            if attempt >= attempts.max(1) || !may_repeat(&answer) {
                return Ok(answer);
            }
            tracing::warn!(attempt, "the gateway asked for the same request again");
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
            attempt += 1;
        }
    }
}
