//! XorPay JSAPI: a form in, `{status, aoid, expires_in, info}` out; notifications as a
//! form, acknowledged with `ok`.

use super::{json, nonce, object};
use crate::notify::{Ack, Headers, Outgoing};
use crate::state::{unix_now, Gateway, Order, Placed};
use crate::{clock, lifecycle, App};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use http::StatusCode;
use paywire::decode::Limits;
use paywire::verify::{expected_signature, signatures_match};
use paywire::{PayRequest, PayResponse, Secret, Violation};
use paywire_providers::registry::Credentials;
use paywire_providers::wechat::v2::BridgeParams;
use paywire_providers::xorpay::{JsapiPay, PayNotification, QueryOrder, Refund, NOTIFY_ACK};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// XorPay in the sandbox: its pay endpoint and notification.
pub const SIMULATOR: super::Simulator = super::Simulator {
    gateway: Gateway::XORPAY,
    call_path: "",
    routes: |router| {
        router
            .route("/xorpay/api/pay/{aid}", axum::routing::post(pay))
            .route("/xorpay/api/query2/{aid}", axum::routing::get(query))
            .route("/xorpay/api/refund/{aoid}", axum::routing::post(refund))
    },
    notification,
    refund_end: None,
    credentials: |config| Credentials {
        merchant_id: Some(config.xorpay.aid.clone()),
        key: Some(Secret::new(config.xorpay.app_secret.as_str())),
        wechat_key: Some(Secret::new(config.xorpay.wechat_key.as_str())),
        ..Credentials::default()
    },
    banner: |app, d| {
        let c = &app.config.xorpay;
        format!(
            "aid={} app_secret={}",
            c.aid,
            super::shown(&c.app_secret, &d.xorpay.app_secret)
        )
    },
};

fn status(code: &str) -> Response {
    json(StatusCode::OK, &json!({ "status": code }))
}

/// `POST /xorpay/api/pay/{aid}`.
pub async fn pay(State(app): State<Arc<App>>, Path(aid): Path<String>, body: Bytes) -> Response {
    let config = &app.config.xorpay;
    if aid != config.aid {
        return status("aid_not_exist");
    }
    let received = match JsapiPay::from_parts(&body, &[("aid", &aid)], &Limits::default()) {
        Ok(r) => r,
        Err(_) => return status("missing_argument"),
    };
    let expected = expected_signature(JsapiPay::SCHEMA, &received.fields, &config.app_secret);
    if !received
        .signature
        .as_deref()
        .is_some_and(|s| signatures_match(&expected, s))
    {
        return status("sign_error");
    }
    let request = received.request;
    if let Err(errors) = request.validate() {
        let pay_type_wrong = errors
            .iter()
            .any(|e| e.path == "#/pay_type" && matches!(e.violation, Violation::Rule(_)));
        return status(if pay_type_wrong {
            "pay_type_error"
        } else {
            "missing_argument"
        });
    }
    if let Err(rule) = crate::loopback::target(&request.notify_url) {
        // XorPay's answer has no message member for parameter errors; the sandbox adds
        // one so the developer sees which parameter and why.
        let message = format!("notify_url: {rule}");
        return json(
            StatusCode::OK,
            &json!({ "status": "missing_argument", "message": message }),
        );
    }
    let order = Order {
        id: app.orders.fresh_id("XP"),
        gateway: Gateway::XORPAY,
        out_trade_no: request.order_id.clone(),
        amount_fen: request.price.fen().get(),
        notify_url: Some(request.notify_url.clone()),
        // The JSAPI endpoint takes pay_type jsapi only (validated above): no QR code.
        code_url: None,
        transaction_id: paywire::sign::md5_hex(
            request.order_id.as_bytes(),
            paywire::schema::HexCase::Lower,
        ),
        paid: false,
        paid_at: None,
        closed: false,
        failed: false,
        refunds: Vec::new(),
        deliveries: Vec::new(),
        deliveries_not_kept: 0,
        acknowledged: false,
        extra: BTreeMap::from([("more".to_owned(), request.more.clone().unwrap_or_default())]),
        fingerprint: crate::state::fingerprint(&request),
    };
    let order = match app.orders.place(order) {
        Placed::New(o) | Placed::Same(o) => o,
        Placed::Conflict => return status("order_exist"),
        // No documented status says "try again later"; this is the closest, and names no
        // fault of the request.
        Placed::Full => return status("wechat_api_error"),
    };
    let params = BridgeParams::md5(
        "wxeeeeeeeeeeeeeeee",
        &unix_now().to_string(),
        &nonce(&app),
        &format!("prepay_id=wx{}", order.transaction_id),
    );
    let pay_sign = params.signature(&Secret::new(config.wechat_key.as_str()));
    json(
        StatusCode::OK,
        &json!({"status": "ok", "aoid": order.transaction_id, "expires_in": request.expire.unwrap_or(7200),
                "info": {"appId": params.app_id, "timeStamp": params.time_stamp.as_str(), "nonceStr": params.nonce_str,
                         "package": params.package, "signType": "MD5", "paySign": pay_sign}}),
    )
}

/// `GET /xorpay/api/query2/{aid}?order_id=...&sign=...`: the order's status, unsigned.
pub async fn query(
    State(app): State<Arc<App>>,
    Path(aid): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let config = &app.config.xorpay;
    if aid != config.aid {
        return status("aid_not_exist");
    }
    let query = query.unwrap_or_default();
    let received =
        match QueryOrder::from_parts(query.as_bytes(), &[("aid", &aid)], &Limits::default()) {
            Ok(r) => r,
            Err(_) => return status("missing_argument"),
        };
    let expected = expected_signature(QueryOrder::SCHEMA, &received.fields, &config.app_secret);
    if !received
        .signature
        .as_deref()
        .is_some_and(|s| signatures_match(&expected, s))
    {
        return status("sign_error");
    }
    let number = received.request.order_id;
    let Some(order) = app
        .orders
        .by_merchant_number(&number, Some(Gateway::XORPAY))
        .into_iter()
        .next()
    else {
        return status("not_exist");
    };
    let state = match (order.closed, order.paid, order.acknowledged) {
        (true, _, _) => "expire",
        (_, true, true) => "success",
        (_, true, false) => "payed",
        _ => "new",
    };
    let mut answer =
        json!({"status": state, "aoid": order.transaction_id, "order_id": order.out_trade_no});
    if order.paid {
        answer["pay_price"] = paywire::Fen::new(order.amount_fen).to_yuan_string().into();
        answer["pay_time"] = clock::spaced(order.paid_at.unwrap_or_else(unix_now)).into();
    }
    json(StatusCode::OK, &answer)
}

/// `POST /xorpay/api/refund/{aoid}` with `price` and `sign = md5(price + secret)`. XorPay
/// takes no refund number: every accepted request is a new refund, which is why paywire
/// never retries one blind.
pub async fn refund(
    State(app): State<Arc<App>>,
    Path(aoid): Path<String>,
    body: Bytes,
) -> Response {
    let config = &app.config.xorpay;
    let received = match Refund::from_parts(&body, &[("aoid", &aoid)], &Limits::default()) {
        Ok(r) => r,
        Err(_) => return status("missing_argument"),
    };
    let expected = expected_signature(Refund::SCHEMA, &received.fields, &config.app_secret);
    if !received
        .signature
        .as_deref()
        .is_some_and(|s| signatures_match(&expected, s))
    {
        return status("sign_error");
    }
    let Some(order) = app
        .orders
        .find(|o| o.gateway == Gateway::XORPAY && o.transaction_id == aoid)
    else {
        return status("order_error");
    };
    let number = app.orders.fresh_id("XR");
    let amount = received.request.price.fen().get();
    match lifecycle::refund(&app.orders, &order.id, &number, amount) {
        Some(lifecycle::Refunding::New(_)) => status("ok"),
        Some(lifecycle::Refunding::AbovePaid { .. }) => status("price_error"),
        _ => status("order_error"),
    }
}

/// The signed payment notification for a paid order.
pub fn notification(app: &App, order: &Order) -> Option<Outgoing> {
    let pairs = vec![
        ("aoid", order.transaction_id.clone()),
        ("order_id", order.out_trade_no.clone()),
        (
            "pay_price",
            paywire::Fen::new(order.amount_fen).to_yuan_string(),
        ),
        (
            "pay_time",
            clock::spaced(order.paid_at.unwrap_or_else(unix_now)),
        ),
        ("more", order.extra.get("more").cloned().unwrap_or_default()),
        ("detail", "{\"bank_type\":\"OTHERS\"}".to_owned()),
    ];
    let sign = expected_signature(
        PayNotification::SCHEMA,
        &object(&pairs),
        &app.config.xorpay.app_secret,
    );
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        form.append_pair(name, value);
    }
    form.append_pair("sign", &sign);
    Some(Outgoing {
        url: order.notify_url.clone()?,
        content_type: "application/x-www-form-urlencoded",
        headers: Headers::Fixed(Vec::new()),
        body: form.finish().into_bytes(),
        ack: Ack::Text(NOTIFY_ACK),
    })
}

/// XorPay credentials.
#[derive(Clone, serde::Deserialize)]
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

redacted_debug!(XorpayConfig {
    shown: [aid],
    hidden: [app_secret, wechat_key]
});
