//! featapi's OAuth2 token: a sans-IO token request and answer, the [`TokenSource`] the
//! pay call takes its bearer token from, and (feature `client`) a caching
//! client-credentials source.
//!
//! **Not in featapi's document, which names only the scope and the RFC 6749 error
//! shape:** the token endpoint's path ([`TOKEN_PATH`]), the client credentials sent in
//! the form body (RFC 6749 §2.3.1) rather than HTTP Basic, and the grants. They follow
//! RFC 6749 §4.3 / §4.4 and are a guess; pass your provider's token URL if it differs. A
//! token answered without `expires_in` is not cached (fetched again for every call), the
//! one choice that never sends a stale token.

use super::response::{FeatError, OAuthError};
use super::SCOPE;
use paywire::http_request::{join, post};
use paywire::{PayResponse, Secret, VerifyError};
use std::future::Future;

/// The token endpoint's path below the base URL.
pub const TOKEN_PATH: &str = "/oauth/token";

/// How to obtain a token.
#[derive(Debug, Clone)]
pub enum Grant {
    /// `client_credentials`.
    ClientCredentials,
    /// `password`, which featapi requires to carry a `device_id`.
    Password {
        /// The resource owner's user name.
        username: String,
        /// The password.
        password: Secret,
        /// The device id (`device_id is required` otherwise).
        device_id: String,
    },
}

/// The token endpoint's answer as received (private: its token is plain text).
#[derive(Clone, PayResponse)]
#[pay(format = "json", sign = "none")]
struct TokenAnswer {
    /// The bearer token.
    access_token: String,
    /// `Bearer`.
    token_type: String,
    /// Lifetime in seconds.
    expires_in: Option<u64>,
    /// Granted scope.
    scope: Option<String>,
}

/// An issued token. The token is a [`Secret`]: `Debug` prints `***`, and it has no serde
/// form; `access_token.expose()` is the one way to read it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub access_token: Secret,
    /// `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds, as the gateway sent it.
    pub expires_in: Option<u64>,
    /// Granted scope.
    pub scope: Option<String>,
}

impl AccessToken {
    /// How long to cache the token: its lifetime less a minute, at most a day (a lifetime
    /// the gateway announces as centuries is not believed), nothing without one.
    pub fn cache_for(&self) -> std::time::Duration {
        const DAY: u64 = 24 * 3600;
        let seconds = self.expires_in.unwrap_or(0).saturating_sub(60).min(DAY);
        std::time::Duration::from_secs(seconds)
    }
}

/// The token request (form-encoded, scope `pay_trade_order`).
pub fn token_request(
    base_url: &str,
    client_id: &str,
    client_secret: &Secret,
    grant: &Grant,
) -> Result<http::Request<Vec<u8>>, paywire::Error> {
    let mut form = vec![
        ("client_id", client_id.to_owned()),
        ("client_secret", client_secret.expose().to_owned()),
    ];
    match grant {
        Grant::ClientCredentials => form.push(("grant_type", "client_credentials".into())),
        Grant::Password {
            username,
            password,
            device_id,
        } => {
            form.push(("grant_type", "password".into()));
            form.push(("username", username.clone()));
            form.push(("password", password.expose().to_owned()));
            form.push(("device_id", device_id.clone()));
        }
    }
    form.push(("scope", SCOPE.into()));
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", paywire::http_request::path_segment(v)))
        .collect::<Vec<_>>()
        .join("&");
    let body = paywire::Body::form(body.into_bytes());
    post(
        &join(
            base_url,
            &format!("/{}", TOKEN_PATH.trim_start_matches('/')),
        ),
        body,
        &[],
    )
}

/// Reads the token endpoint's answer: the token, or the OAuth2 error typed.
pub fn read_token(status: u16, body: &[u8]) -> Result<AccessToken, FeatError> {
    if !(200..300).contains(&status) {
        let error = OAuthError::decode_unsigned(body)?.value;
        return Err(FeatError::OAuth { status, error });
    }
    let token = TokenAnswer::decode_unsigned(body)?.value;
    if !token.token_type.eq_ignore_ascii_case("bearer") {
        return Err(FeatError::Decode(VerifyError::Decode(
            paywire::decode::DecodeError::Malformed {
                format: "json",
                reason: format!("token_type {:?}, expected Bearer", token.token_type),
            },
        )));
    }
    Ok(AccessToken {
        access_token: Secret::new(token.access_token),
        token_type: token.token_type,
        expires_in: token.expires_in,
        scope: token.scope,
    })
}

/// Where the pay call gets its bearer token.
pub trait TokenSource: Send + Sync {
    /// A token valid for scope `pay_trade_order`.
    fn token(&self) -> impl Future<Output = Result<Secret, FeatError>> + Send;
}

/// A token obtained elsewhere.
#[derive(Debug, Clone)]
pub struct StaticToken(pub Secret);

impl TokenSource for StaticToken {
    async fn token(&self) -> Result<Secret, FeatError> {
        Ok(self.0.clone())
    }
}

/// Client credentials, fetched with paywire's client and cached until a minute before
/// they expire.
#[cfg(feature = "client")]
pub struct ClientCredentials {
    client: paywire::client::Client,
    base_url: String,
    client_id: String,
    client_secret: Secret,
    cached: std::sync::Mutex<Option<(Secret, std::time::Instant)>>,
}

#[cfg(feature = "client")]
impl ClientCredentials {
    /// A source for `client_id` at `base_url` (featapi's `BASE_URL`, or the sandbox's).
    pub fn new(
        client: paywire::client::Client,
        base_url: &str,
        client_id: &str,
        client_secret: Secret,
    ) -> Self {
        ClientCredentials {
            client,
            base_url: base_url.to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            cached: std::sync::Mutex::new(None),
        }
    }
}

#[cfg(feature = "client")]
impl TokenSource for ClientCredentials {
    async fn token(&self) -> Result<Secret, FeatError> {
        let cached = self
            .cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some((token, until)) = cached {
            if std::time::Instant::now() < until {
                return Ok(token);
            }
        }
        let request = token_request(
            &self.base_url,
            &self.client_id,
            &self.client_secret,
            &Grant::ClientCredentials,
        )
        .map_err(|e| FeatError::Transport(e.to_string()))?;
        let answer = self
            .client
            .send(request)
            .await
            .map_err(|e| FeatError::Transport(e.to_string()))?;
        let token = read_token(answer.status().as_u16(), answer.body())?;
        let now = std::time::Instant::now();
        // `cache_for` is at most a day, so the sum cannot overflow; checked all the same.
        if let Some(until) = now.checked_add(token.cache_for()) {
            *self.cached.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((token.access_token.clone(), until));
        }
        Ok(token.access_token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_answer_reads_into_a_secret_and_never_prints_it() {
        let body = br#"{"access_token":"tok-3f9a","token_type":"bearer","expires_in":7200,"scope":"pay_trade_order"}"#;
        let token = read_token(200, body).unwrap();
        assert_eq!(token.access_token.expose(), "tok-3f9a");
        let printed = format!("{token:?}");
        assert!(
            !printed.contains("tok-3f9a") && printed.contains("***"),
            "{printed}"
        );
        assert_eq!(token.cache_for(), std::time::Duration::from_secs(7140));
    }

    #[test]
    fn huge_empty_and_tiny_lifetimes_are_bounded() {
        for (expires_in, seconds) in [
            (Some(u64::MAX), 24 * 3600),
            (Some(10u64.pow(15)), 24 * 3600),
            (Some(30), 0),
            (None, 0),
        ] {
            let body = match expires_in {
                Some(n) => {
                    format!(r#"{{"access_token":"t","token_type":"Bearer","expires_in":{n}}}"#)
                }
                None => r#"{"access_token":"t","token_type":"Bearer"}"#.to_owned(),
            };
            let token = read_token(200, body.as_bytes()).unwrap();
            assert_eq!(token.cache_for().as_secs(), seconds, "{body}");
            // What the caching source adds to now: never an overflow.
            assert!(std::time::Instant::now()
                .checked_add(token.cache_for())
                .is_some());
        }
        let too_big = br#"{"access_token":"t","token_type":"Bearer","expires_in":1e400}"#;
        assert!(
            read_token(200, too_big).is_err(),
            "not a u64: refused, no panic"
        );
    }
}
