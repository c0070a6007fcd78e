//! SwiftPass `pay.weixin.wap`: XML in, signed XML out; notifications in XML, acknowledged
//! with the plain text `success`.

use super::{first_line, nonce, object, xml};
use crate::notify::{Ack, Outgoing};
use crate::state::{unix_now, Gateway, Order, Placed};
use crate::{clock, App};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use paywire::verify::{expected_signature, signatures_match};
use paywire::NodeObject;
use paywire::Secret;
use paywire::{PayRequest, PayResponse};
use paywire_providers::registry::Credentials;
use paywire_providers::swiftpass::{PayNotification, WapPay, WapPayResponse};
use std::collections::BTreeMap;
use std::sync::Arc;

/// SwiftPass in the sandbox: its gateway URL and notification.
pub const SIMULATOR: super::Simulator = super::Simulator {
    gateway: Gateway::SWIFTPASS,
    call_path: "/pay/gateway",
    routes: |router| router.route("/swiftpass/pay/gateway", axum::routing::post(gateway)),
    notification,
    credentials: |config| Credentials {
        merchant_id: Some(config.swiftpass.mch_id.clone()),
        key: Some(Secret::new(config.swiftpass.key.as_str())),
        ..Credentials::default()
    },
    banner: |app, d| {
        let c = &app.config.swiftpass;
        format!(
            "mch_id={} key={}",
            c.mch_id,
            super::shown(&c.key, &d.swiftpass.key)
        )
    },
};

fn xml_response(body: String) -> Response {
    (
        [(http::header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// An unsigned communication-level failure (`status` non-zero), as the gateway sends it.
fn failure(message: &str) -> Response {
    xml_response(xml(&object(&[
        ("status", "400".into()),
        ("message", message.into()),
    ])))
}

/// Signs `fields` with the merchant's key (sorted MD5, `&key=`) and renders the XML.
fn signed(mut fields: NodeObject, key: &str) -> String {
    let sign = expected_signature(WapPayResponse::SCHEMA, &fields, key);
    let _ = fields.insert("sign".into(), paywire::Node::Text(sign));
    xml(&fields)
}

/// `POST /swiftpass/pay/gateway`.
pub async fn gateway(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let config = &app.config.swiftpass;
    let received = match WapPay::from_body(&body) {
        Ok(r) => r,
        Err(e) => return failure(&format!("参数格式校验错误: {}", first_line(&e))),
    };
    let expected = expected_signature(WapPay::SCHEMA, &received.fields, &config.key);
    if !received
        .signature
        .as_deref()
        .is_some_and(|s| signatures_match(&expected, s))
    {
        return failure("签名错误");
    }
    let request = received.request;
    if request.mch_id != config.mch_id {
        return failure("商户号不存在");
    }
    if let Err(errors) = request.validate() {
        return failure(&format!("参数格式校验错误: {}", first_line(&errors)));
    }
    if let Err(rule) = crate::loopback::target(&request.notify_url) {
        return failure(&format!("参数格式校验错误: #/notify_url: {rule}"));
    }
    let mut fingerprint = request.clone();
    fingerprint.nonce_str.clear();
    let id = app.orders.fresh_id("SP");
    let order = Order {
        id: id.clone(),
        gateway: Gateway::SWIFTPASS,
        out_trade_no: request.out_trade_no.clone(),
        amount_fen: request.total_fee.get(),
        notify_url: Some(request.notify_url.clone()),
        code_url: None,
        transaction_id: app.orders.fresh_id("42000"),
        paid: false,
        deliveries: Vec::new(),
        acknowledged: false,
        extra: BTreeMap::from([(
            "attach".to_owned(),
            request.attach.clone().unwrap_or_default(),
        )]),
        fingerprint: crate::state::fingerprint(&fingerprint),
    };
    let common = |result_code: &str| {
        vec![
            ("version", "2.0".to_owned()),
            ("charset", "UTF-8".to_owned()),
            ("sign_type", "MD5".to_owned()),
            ("status", "0".to_owned()),
            ("message", "OK".to_owned()),
            ("result_code", result_code.to_owned()),
            ("mch_id", config.mch_id.clone()),
            ("nonce_str", nonce(&app)),
        ]
    };
    let order = match app.orders.place(order) {
        Placed::New(o) | Placed::Same(o) => o,
        Placed::Full => return failure(crate::state::FULL),
        Placed::Conflict => {
            let mut fields = common("1");
            fields.push(("err_code", "OUT_TRADE_NO_USED".into()));
            fields.push(("err_msg", "商户订单号重复".into()));
            return xml_response(signed(object(&fields), &config.key));
        }
    };
    let mut fields = common("0");
    fields.push(("trade_type", "pay.weixin.wap".into()));
    fields.push(("prepay_id", format!("wx{}", order.transaction_id)));
    fields.push((
        "mweb_url",
        format!("{}/_sandbox/orders/{}/cashier", app.base_url, order.id),
    ));
    xml_response(signed(object(&fields), &config.key))
}

/// The signed payment notification for a paid order.
pub fn notification(app: &App, order: &Order) -> Option<Outgoing> {
    let config = &app.config.swiftpass;
    let fields = object(&[
        ("version", "2.0".into()),
        ("charset", "UTF-8".into()),
        ("sign_type", "MD5".into()),
        ("status", "0".into()),
        ("result_code", "0".into()),
        ("mch_id", config.mch_id.clone()),
        ("nonce_str", nonce(app)),
        ("out_trade_no", order.out_trade_no.clone()),
        ("transaction_id", order.transaction_id.clone()),
        ("total_fee", order.amount_fen.to_string()),
        ("pay_result", "0".into()),
        ("time_end", clock::compact(unix_now())),
        (
            "attach",
            order.extra.get("attach").cloned().unwrap_or_default(),
        ),
        ("bank_type", "CMB_CREDIT".into()),
    ]);
    // Notifications are signed with the same rule as responses.
    let sign = expected_signature(PayNotification::SCHEMA, &fields, &config.key);
    let mut fields = fields;
    let _ = fields.insert("sign".into(), paywire::Node::Text(sign));
    Some(Outgoing {
        url: order.notify_url.clone()?,
        content_type: "text/xml; charset=utf-8",
        headers: Vec::new(),
        body: xml(&fields).into_bytes(),
        ack: Ack::Text(paywire_providers::swiftpass::NOTIFY_ACK),
    })
}

/// SwiftPass credentials.
#[derive(Clone, serde::Deserialize)]
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

redacted_debug!(SwiftpassConfig {
    shown: [mch_id],
    hidden: [key]
});
