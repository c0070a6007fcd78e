//! Merchant credentials the sandbox accepts, with sandbox defaults that a JSON config
//! file can override field by field.

use paywire::keys::{KeyError, MerchantKey, PublicKey};
use serde::Deserialize;
use std::time::Duration;

/// featapi credentials.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatConfig {
    /// OAuth2 client id.
    pub client_id: String,
    /// OAuth2 client secret.
    pub client_secret: String,
    /// The bearer token the pay endpoint accepts (also what the token endpoint issues).
    pub access_token: String,
    /// The WeChat key featapi signs JSAPI/APP parameters with.
    pub wechat_key: String,
}

impl Default for FeatConfig {
    fn default() -> Self {
        FeatConfig {
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-client-secret".into(),
            access_token: "sandbox-access-token-pay_trade_order".into(),
            wechat_key: "192006250b4c09247ec02edce69f6a2d".into(),
        }
    }
}

/// weidoufu credentials.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WeidoufuConfig {
    /// AccessKey.
    pub access_key: String,
    /// SecretKey (`&secret_key=`).
    pub secret_key: String,
    /// The WeChat key weidoufu signs `pay_sign` with.
    pub wechat_key: String,
}

impl Default for WeidoufuConfig {
    fn default() -> Self {
        WeidoufuConfig {
            access_key: "ak_sandbox_0123456789abcdef".into(),
            secret_key: "sk_sandbox_fedcba9876543210".into(),
            wechat_key: "192006250b4c09247ec02edce69f6a2d".into(),
        }
    }
}

/// SwiftPass credentials.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SwiftpassConfig {
    /// 商户号.
    pub mch_id: String,
    /// MD5 key (`&key=`).
    pub key: String,
}

impl Default for SwiftpassConfig {
    fn default() -> Self {
        SwiftpassConfig {
            mch_id: "175510359638".into(),
            key: "61307e5f2aebcacecbcca6fe5296df9c".into(),
        }
    }
}

/// WeChat Pay Global credentials and keys.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WechatGlobalConfig {
    /// 商户号 (direct mode) or 机构商户号 (institution mode).
    pub mchid: String,
    /// Serial of the merchant's API certificate, as sent in `Authorization`.
    pub merchant_serial: String,
    /// PEM of the merchant's public key (verifies `Authorization`).
    pub merchant_public_key_pem: String,
    /// PEM of the sandbox platform's private key (signs responses and notifications).
    pub platform_private_key_pem: String,
    /// PEM of the sandbox platform's certificate (merchants verify with it).
    pub platform_certificate_pem: String,
    /// APIv3 key, 32 bytes (encrypts notification resources).
    pub apiv3_key: String,
    /// PEM of the platform key the sandbox rotates to (`POST /_sandbox/wechat-global/rotate`).
    pub next_platform_private_key_pem: String,
    /// PEM of its certificate.
    pub next_platform_certificate_pem: String,
}

impl Default for WechatGlobalConfig {
    fn default() -> Self {
        WechatGlobalConfig {
            mchid: "10000100".into(),
            merchant_serial: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
            merchant_public_key_pem: include_str!("../keys/merchant_public_key.pem").into(),
            platform_private_key_pem: include_str!("../keys/platform_private_key.pem").into(),
            platform_certificate_pem: include_str!("../keys/platform_certificate.pem").into(),
            apiv3_key: "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb".into(),
            next_platform_private_key_pem: include_str!("../keys/platform_next_private_key.pem")
                .into(),
            next_platform_certificate_pem: include_str!("../keys/platform_next_certificate.pem")
                .into(),
        }
    }
}

/// XorPay credentials.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct XorpayConfig {
    /// aid (the path parameter).
    pub aid: String,
    /// app secret.
    pub app_secret: String,
    /// The WeChat key XorPay signs `info.paySign` with.
    pub wechat_key: String,
}

impl Default for XorpayConfig {
    fn default() -> Self {
        XorpayConfig {
            aid: "8e1d2b".into(),
            app_secret: "0123456789abcdef0123456789abcdef".into(),
            wechat_key: "192006250b4c09247ec02edce69f6a2d".into(),
        }
    }
}

/// How notifications are retried until the merchant acknowledges.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Delay before the second attempt, in milliseconds; it doubles after each failure.
    pub first_delay_ms: u64,
    /// The largest delay between attempts, in milliseconds.
    pub max_delay_ms: u64,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// Timeout of one delivery, in milliseconds.
    pub timeout_ms: u64,
    /// Deliveries in flight at once, each on one connection; the rest wait their turn.
    pub workers: usize,
}

impl Default for RetryConfig {
    fn default() -> Self {
        // 0.2 s doubling to 10 s, 16 attempts: about 112 s in all, longer than a ledger's
        // default 30 s lease and a Redis restart, so a claim abandoned by a dead instance,
        // or an outage of the merchant's ledger, is outlasted.
        RetryConfig {
            first_delay_ms: 200,
            max_delay_ms: 10_000,
            max_attempts: 16,
            timeout_ms: 5_000,
            workers: 32,
        }
    }
}

impl RetryConfig {
    /// The delay after failed attempt `attempt` (1-based).
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(
            self.first_delay_ms
                .saturating_mul(factor)
                .min(self.max_delay_ms),
        )
    }
}

/// How much the HTTP server takes on: a client that opens connections and sends nothing,
/// or sends a body a byte a minute, holds a connection for a bounded time only.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Connections served at once; more wait in the listener's queue until one closes.
    pub max_connections: usize,
    /// Time a connection has to send a request's headers (also between requests on a
    /// kept-alive connection), in milliseconds. Longer than clients keep idle connections
    /// (paywire's client: 50 s), or a client may send a request on a connection just as
    /// the sandbox closes it.
    pub header_timeout_ms: u64,
    /// Time a request has from its headers to its answer, body reading included, in
    /// milliseconds; past it the answer is 408.
    pub request_timeout_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 4096,
            header_timeout_ms: 60_000,
            request_timeout_ms: 30_000,
        }
    }
}

/// Faults the sandbox injects, to test a merchant's error handling.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Answer this many WeChat Pay Global orders with HTTP 500 `SYSTEM_ERROR` first.
    pub wechat_global_system_errors: u32,
}

/// The sandbox's configuration: every field has a sandbox default.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// featapi.
    pub feat: FeatConfig,
    /// weidoufu.
    pub weidoufu: WeidoufuConfig,
    /// SwiftPass.
    pub swiftpass: SwiftpassConfig,
    /// WeChat Pay Global.
    pub wechat_global: WechatGlobalConfig,
    /// XorPay.
    pub xorpay: XorpayConfig,
    /// Notification retries.
    pub retry: RetryConfig,
    /// Injected faults (none by default).
    pub faults: FaultConfig,
    /// Bounds of the HTTP server.
    pub server: ServerConfig,
    /// Bounds of the orders kept in memory.
    pub storage: crate::state::StorageConfig,
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not the expected JSON.
    #[error("config file: {}", json_problem(.0))]
    Json(#[from] serde_json::Error),
    /// A key in it does not load.
    #[error("config file, wechat_global: {0}")]
    Key(#[from] KeyError),
    /// A value of the wrong size.
    #[error("config file: {0}")]
    Invalid(String),
}

/// serde_json's message without the offending value: `invalid type: integer `61307…`,
/// expected a string` would print a key written as a number. Unknown and missing field
/// messages name fields only, and stay as they are.
fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("invalid type") || text.starts_with("invalid value") {
        let expected = text
            .split_once(", expected ")
            .map(|(_, rest)| rest.split(" at line ").next().unwrap_or(rest))
            .unwrap_or("another type");
        format!(
            "a value of the wrong type at line {} column {} (expected {expected}; the value is not repeated here, it may be a key)",
            e.line(),
            e.column()
        )
    } else {
        text
    }
}

/// The keys of a configuration, loaded once.
#[derive(Debug, Clone)]
pub struct LoadedKeys {
    /// The merchant's public key.
    pub merchant_public: PublicKey,
    /// The platform's signing key.
    pub platform_private: MerchantKey,
    /// The platform certificate's serial.
    pub platform_serial: String,
    /// The key rotated to.
    pub next_platform_private: MerchantKey,
    /// Its certificate's serial.
    pub next_platform_serial: String,
}

impl SandboxConfig {
    /// Reads a JSON config; absent fields keep their sandbox defaults.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let config: SandboxConfig = serde_json::from_str(text)?;
        config.load_keys()?;
        config.check()?;
        Ok(config)
    }

    /// Checks every number against its range: `Invalid` naming the first field outside.
    pub fn check(&self) -> Result<(), ConfigError> {
        const DAY_MS: u64 = 24 * 3600 * 1000;
        let (server, retry, storage) = (&self.server, &self.retry, &self.storage);
        let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let ranges: [(&str, u64, u64, u64); 10] = [
            (
                "server.max_connections",
                as_u64(server.max_connections),
                1,
                1_000_000,
            ),
            (
                "server.header_timeout_ms",
                server.header_timeout_ms,
                1,
                DAY_MS,
            ),
            (
                "server.request_timeout_ms",
                server.request_timeout_ms,
                1,
                DAY_MS,
            ),
            ("retry.workers", as_u64(retry.workers), 1, 4096),
            ("retry.first_delay_ms", retry.first_delay_ms, 0, DAY_MS),
            ("retry.max_delay_ms", retry.max_delay_ms, 0, DAY_MS),
            ("retry.timeout_ms", retry.timeout_ms, 1, DAY_MS),
            (
                "retry.max_attempts",
                u64::from(retry.max_attempts),
                1,
                10_000,
            ),
            (
                "storage.max_orders",
                as_u64(storage.max_orders),
                1,
                10_000_000,
            ),
            ("storage.max_bytes", as_u64(storage.max_bytes), 1, 16 << 30),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::Invalid(format!(
                    "{name} is {value}, outside {min}..={max}"
                )));
            }
        }
        Ok(())
    }

    /// Loads and checks the v3 keys.
    pub fn load_keys(&self) -> Result<LoadedKeys, ConfigError> {
        let w = &self.wechat_global;
        if w.apiv3_key.len() != 32 {
            return Err(ConfigError::Invalid(format!(
                "wechat_global.apiv3_key must be 32 bytes, got {}",
                w.apiv3_key.len()
            )));
        }
        let (platform_serial, _) = PublicKey::from_certificate_pem(&w.platform_certificate_pem)?;
        let (next_platform_serial, _) =
            PublicKey::from_certificate_pem(&w.next_platform_certificate_pem)?;
        Ok(LoadedKeys {
            merchant_public: PublicKey::from_pem(&w.merchant_public_key_pem)?,
            platform_private: MerchantKey::from_pem(&w.platform_private_key_pem)?,
            platform_serial,
            next_platform_private: MerchantKey::from_pem(&w.next_platform_private_key_pem)?,
            next_platform_serial,
        })
    }
}

/// `Debug` for a credentials struct: its identifiers as they are, every key, secret,
/// token and PEM as `***`, so a printed configuration never carries one.
macro_rules! redacted_debug {
    ($type:ident { shown: [$($shown:ident),*], hidden: [$($hidden:ident),*] }) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &format_args!("***")))*
                    .finish()
            }
        }
    };
}

redacted_debug!(FeatConfig {
    shown: [client_id],
    hidden: [client_secret, access_token, wechat_key]
});
redacted_debug!(WeidoufuConfig {
    shown: [access_key],
    hidden: [secret_key, wechat_key]
});
redacted_debug!(SwiftpassConfig {
    shown: [mch_id],
    hidden: [key]
});
redacted_debug!(WechatGlobalConfig {
    shown: [mchid, merchant_serial],
    hidden: [
        merchant_public_key_pem,
        platform_private_key_pem,
        platform_certificate_pem,
        apiv3_key,
        next_platform_private_key_pem,
        next_platform_certificate_pem
    ]
});
redacted_debug!(XorpayConfig {
    shown: [aid],
    hidden: [app_secret, wechat_key]
});

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn a_printed_configuration_carries_no_key() {
        let config = SandboxConfig::default();
        let printed = format!("{config:?} {config:#?}");
        let secrets = [
            config.feat.client_secret.as_str(),
            &config.feat.access_token,
            &config.feat.wechat_key,
            &config.weidoufu.secret_key,
            &config.swiftpass.key,
            &config.xorpay.app_secret,
            &config.wechat_global.apiv3_key,
            "PRIVATE KEY",
            "BEGIN",
        ];
        for secret in secrets {
            assert!(!printed.contains(secret), "{secret} printed");
        }
        assert!(printed.contains(&config.swiftpass.mch_id) && printed.contains("***"));
    }

    #[test]
    fn a_config_error_never_repeats_a_value() {
        for text in [
            r#"{"swiftpass": {"key": 61307512345}}"#,
            r#"{"xorpay": {"app_secret": ["hunter2-61307512345"]}}"#,
            r#"{"wechat_global": {"apiv3_key": {"k": "61307512345"}}}"#,
        ] {
            let err = SandboxConfig::from_json(text).unwrap_err().to_string();
            assert!(
                !err.contains("61307512345") && err.contains("wrong type"),
                "{err}"
            );
            assert!(err.contains("line 1"), "{err}");
        }
        let err = SandboxConfig::from_json(r#"{"swiftpass": {"kye": "x"}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `kye`"), "{err}");
    }
}
