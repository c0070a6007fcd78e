//! One module per gateway: its endpoint handlers, answering as the gateways' documents, and
//! the notification it sends when an order is paid.

pub mod feat;
pub mod swiftpass;
pub mod wechat_global;
pub mod weidoufu;
pub mod xorpay;

use crate::App;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use paywire::schema::HexCase;
use paywire::{Node, NodeObject};

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
