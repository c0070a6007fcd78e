//! What signs a request and verifies a message: the merchant's credentials, as text and
//! loaded keys (a PEM file is the caller's to read), and the time and headers of one
//! call.

use paywire::keys::MerchantKey;
use paywire::Secret;

/// A merchant's credentials at one gateway. Each endpoint takes what its gateway needs
/// and names what is missing by the command line's option for it. `Debug` shows secrets
/// as `***`.
#[derive(Default, Clone)]
pub struct Credentials {
    /// The merchant's id at the gateway (`--mchid`): WeChat Pay's `mchid`, SwiftPass's
    /// `mch_id`, weidoufu's `access_key`, XorPay's `aid`.
    pub merchant_id: Option<String>,
    /// The merchant's WeChat appid (`--appid`), which a WeChat Pay v2 refund notification
    /// must name.
    pub appid: Option<String>,
    /// The signing key of the digest schemes (`--key`): an MD5 key, a SecretKey, an app
    /// secret.
    pub key: Option<Secret>,
    /// featapi's OAuth2 bearer token (`--token`).
    pub token: Option<Secret>,
    /// The merchant certificate's serial (`--serial`, WeChat Pay v3).
    pub serial: Option<String>,
    /// The merchant's RSA key (`--private-key PEM`: WeChat Pay v3, SwiftPass RSA_1_256).
    pub private_key: Option<MerchantKey>,
    /// The platform certificate, PEM (`--platform-cert`, WeChat Pay v3).
    pub platform_cert_pem: Option<String>,
    /// The platform's public key, PEM (`--platform-public-key`: WeChat Pay v3's
    /// public-key mode, SwiftPass RSA_1_256).
    pub platform_public_key_pem: Option<String>,
    /// The id WeChat Pay gave with its public key (`--platform-key-id`, `PUB_KEY_ID_...`).
    pub platform_key_id: Option<String>,
    /// WeChat Pay's APIv3 key (`--apiv3-key`), which decrypts notifications.
    pub apiv3_key: Option<Secret>,
    /// The WeChat Pay key that signs the parameters a front end receives (`paySign`), for
    /// gateways that pass them on; checked where given.
    pub wechat_key: Option<Secret>,
}

/// `Some("***")` for a secret that is set: its presence, never its value.
fn redacted<T>(secret: &Option<T>) -> Option<&'static str> {
    secret.as_ref().map(|_| "***")
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("merchant_id", &self.merchant_id)
            .field("appid", &self.appid)
            .field("key", &redacted(&self.key))
            .field("token", &redacted(&self.token))
            .field("serial", &self.serial)
            .field("private_key", &redacted(&self.private_key))
            .field("platform_cert_pem", &self.platform_cert_pem.is_some())
            .field(
                "platform_public_key_pem",
                &self.platform_public_key_pem.is_some(),
            )
            .field("platform_key_id", &self.platform_key_id)
            .field("apiv3_key", &redacted(&self.apiv3_key))
            .field("wechat_key", &redacted(&self.wechat_key))
            .finish()
    }
}

/// What signs one request.
#[derive(Debug, Default, Clone)]
pub struct SignOptions {
    /// The merchant's credentials.
    pub credentials: Credentials,
    /// The Unix time to sign with (WeChat Pay v3; default now).
    pub timestamp: Option<i64>,
    /// The nonce to sign with (WeChat Pay v3; default derived from the time and body).
    pub nonce: Option<String>,
    /// What the order was paid (`--paid-fen`): a refund whose request names no paid total
    /// (XorPay's) is sent only when it is at most this.
    pub paid: Option<paywire::Fen>,
}

/// What verifies one received message.
#[derive(Debug, Default, Clone)]
pub struct VerifyOptions {
    /// The merchant's credentials (its key, the platform's keys).
    pub credentials: Credentials,
    /// The headers the message came with (WeChat Pay v3 signs in them).
    pub headers: http::HeaderMap,
    /// The time a signature's timestamp is checked against (Unix seconds; default now).
    pub now: Option<i64>,
}

impl VerifyOptions {
    /// `now`, or the system clock.
    pub fn now(&self) -> i64 {
        self.now.unwrap_or_else(unix_now)
    }
}

/// The system clock in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_never_print_keys_or_tokens() {
        let credentials = Credentials {
            key: Some(Secret::new("k-61307e5f2aebcace")),
            token: Some(Secret::new("t-bearer-9f8e7d")),
            apiv3_key: Some(Secret::new("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb")),
            wechat_key: Some(Secret::new("w-5c0ffee5")),
            platform_public_key_pem: Some("-----BEGIN PUBLIC KEY-----MIIBIjAN".into()),
            ..Credentials::default()
        };
        let sign = SignOptions {
            credentials: credentials.clone(),
            ..SignOptions::default()
        };
        let verify = VerifyOptions {
            credentials,
            ..VerifyOptions::default()
        };
        for printed in [format!("{sign:?}"), format!("{verify:#?}")] {
            for secret in [
                "61307e5f2aebcace",
                "9f8e7d",
                "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
                "5c0ffee5",
                "MIIBIjAN",
            ] {
                assert!(!printed.contains(secret), "{printed}");
            }
            assert!(printed.contains("***"), "{printed}");
        }
    }
}
