//! One module per gateway: its endpoint handlers, answering as the gateways' documents,
//! the notification it sends when an order is paid, and the credentials a merchant uses
//! with it; [`SIMULATORS`] lists them.

pub mod feat;
pub mod swiftpass;
pub mod wechat_global;
pub mod weidoufu;
pub mod xorpay;

use crate::notify::Outgoing;
use crate::state::{Gateway, Order, Orders};
use crate::App;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use paywire::schema::HexCase;
use paywire::{Node, NodeObject};

impl Gateway {
    /// featapi.
    pub const FEAT: Gateway = Gateway::of(paywire_providers::feat::DESCRIPTOR.id);
    /// weidoufu.
    pub const WEIDOUFU: Gateway = Gateway::of(paywire_providers::weidoufu::GATEWAY);
    /// SwiftPass.
    pub const SWIFTPASS: Gateway = Gateway::of(paywire_providers::swiftpass::GATEWAY);
    /// WeChat Pay Global.
    pub const WECHAT_GLOBAL: Gateway = Gateway::of(paywire_providers::wechat_global::GATEWAY);
    /// XorPay.
    pub const XORPAY: Gateway = Gateway::of(paywire_providers::xorpay::GATEWAY);
}

pub use feat::FeatConfig;
pub use swiftpass::SwiftpassConfig;
pub use wechat_global::{rotate as rotate_platform, LoadedKeys, Platform, WechatGlobalConfig};
pub use weidoufu::WeidoufuConfig;
pub use xorpay::XorpayConfig;

/// Faults the sandbox injects, to test a merchant's error handling.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Answer this many WeChat Pay Global orders with HTTP 500 `SYSTEM_ERROR` first.
    pub wechat_global_system_errors: u32,
    /// Lose the answers of this many gateway requests first (any gateway's API, not
    /// `/_sandbox/`): each request is processed, then its connection closes before the
    /// answer arrives, as when a network or a proxy fails after the gateway acted.
    pub lost_answers: u32,
}

/// The sandbox's configuration: every field has a sandbox default.
#[derive(Debug, Clone, Default, serde::Deserialize)]
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
    pub retry: crate::config::RetryConfig,
    /// Injected faults (none by default).
    pub faults: FaultConfig,
    /// Bounds of the HTTP server.
    pub server: crate::config::ServerConfig,
    /// Bounds of the orders kept in memory.
    pub storage: crate::state::StorageConfig,
    /// Gateways that notify a refund's end (WeChat Pay Global) hold each refund in
    /// progress (`PROCESSING`, counted against what was paid) until
    /// `POST /_sandbox/{gateway}/refunds/{out_refund_no}/succeed` or `/close`
    /// ([`crate::Sandbox::end_refund`]) ends it, as a gateway takes its time; `false` (the
    /// default): made at once.
    pub hold_refunds: bool,
}

impl SandboxConfig {
    /// Reads a JSON config; absent fields keep their sandbox defaults.
    pub fn from_json(text: &str) -> Result<Self, crate::config::ConfigError> {
        let config: SandboxConfig = serde_json::from_str(text)?;
        config.load_keys()?;
        config.check()?;
        Ok(config)
    }

    /// Checks every number against its range: `Invalid` naming the first field outside.
    pub fn check(&self) -> Result<(), crate::config::ConfigError> {
        crate::config::check_bounds(&self.server, &self.retry, &self.storage)
    }
}

impl FaultConfig {
    /// How many v3 orders are answered HTTP 500 `SYSTEM_ERROR` first.
    pub fn system_errors(&self) -> u32 {
        self.wechat_global_system_errors
    }
}

/// One simulated gateway.
pub struct Simulator {
    /// The gateway.
    pub gateway: Gateway,
    /// What `paywire call --base-url` takes below `/<gateway id>` (SwiftPass: its whole
    /// gateway URL, `/pay/gateway`; the others: nothing, their request builders add
    /// their paths).
    pub call_path: &'static str,
    /// Adds its endpoints, under `/<gateway id>/`.
    pub routes: fn(axum::Router<std::sync::Arc<App>>) -> axum::Router<std::sync::Arc<App>>,
    /// The notification of a paid order; `None` for a gateway that sends none.
    pub notification: fn(&App, &Order) -> Option<Outgoing>,
    /// Whether it holds refunds in progress under [`SandboxConfig::hold_refunds`], and
    /// how it notifies a refund's end (to the URL the refund named): `None` for a
    /// gateway that makes refunds at once and notifies none.
    pub refund_end: Option<fn(&App, &Order, &crate::state::Refund, String)>,
    /// The credentials a merchant uses with it under `config`.
    pub credentials: fn(&SandboxConfig) -> paywire_providers::registry::Credentials,
    /// Its banner line after the URL: the credentials, a secret set in the configuration
    /// as `***` (the second configuration is the default one).
    pub banner: fn(&App, &SandboxConfig) -> String,
}

/// Every simulated gateway, in the order the banner lists them.
pub const SIMULATORS: &[Simulator] = &[
    feat::SIMULATOR,
    weidoufu::SIMULATOR,
    swiftpass::SIMULATOR,
    wechat_global::SIMULATOR,
    xorpay::SIMULATOR,
];

/// The simulator of `gateway`.
pub fn simulator(gateway: Gateway) -> Option<&'static Simulator> {
    SIMULATORS.iter().find(|s| s.gateway == gateway)
}

/// The credentials a merchant uses with `gateway` under `config` (none for a gateway
/// the sandbox does not simulate).
pub fn credentials(
    config: &SandboxConfig,
    gateway: Gateway,
) -> paywire_providers::registry::Credentials {
    simulator(gateway)
        .map(|s| (s.credentials)(config))
        .unwrap_or_default()
}

/// `value` if it is the built-in throwaway `default`, else `***` (it may be a real one).
pub fn shown(value: &str, default: &str) -> String {
    if value == default {
        value.to_owned()
    } else {
        "***".to_owned()
    }
}

/// A JSON answer.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    (
        status,
        [(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        value.to_string(),
    )
        .into_response()
}

/// Text-valued members as a [`NodeObject`], in order, empty values left out.
pub fn object(pairs: &[(&str, String)]) -> NodeObject {
    let mut object = NodeObject::new();
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        // Names are distinct literals chosen by the sandbox itself.
        let _ = object.insert((*name).to_owned(), Node::Text(value.clone()));
    }
    object
}

/// A flat XML body of `object`'s members, text escaped.
pub fn xml(object: &NodeObject) -> String {
    let mut out = String::from("<xml>");
    for (name, node) in object.iter() {
        let text = node
            .to_string()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        out.push_str(&format!("<{name}>{text}</{name}>"));
    }
    out.push_str("</xml>");
    out
}

/// A 32-character hex nonce, distinct per call.
pub fn nonce(app: &App) -> String {
    nonce_of(&app.orders)
}

/// A fresh nonce from `orders`' counter, as [`nonce`] makes one.
pub fn nonce_of(orders: &Orders) -> String {
    paywire::sign::md5_hex(orders.fresh_id("nonce").as_bytes(), HexCase::Lower)
}

/// The first line of a validation report, for gateways that answer with one message.
pub fn first_line(report: &impl std::fmt::Display) -> String {
    report
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod redaction_tests {
    use super::SandboxConfig;

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
