//! One module per gateway: its endpoint handlers, answering as the gateways' documents,
//! the notification it sends when an order is paid, and the credentials a merchant uses
//! with it; [`SIMULATORS`] lists them.

pub mod feat;
pub mod swiftpass;
pub mod wechat_global;
pub mod weidoufu;
pub mod xorpay;

use crate::notify::Outgoing;
use crate::state::{Gateway, Order};
use crate::{App, SandboxConfig};
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

/// One simulated gateway.
pub struct Simulator {
    /// The gateway.
    pub gateway: Gateway,
    /// Adds its endpoints, under `/<gateway id>/`.
    pub routes: fn(axum::Router<std::sync::Arc<App>>) -> axum::Router<std::sync::Arc<App>>,
    /// The notification of a paid order; `None` for a gateway that sends none.
    pub notification: fn(&App, &Order) -> Option<Outgoing>,
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
    paywire::sign::md5_hex(app.orders.fresh_id("nonce").as_bytes(), HexCase::Lower)
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
