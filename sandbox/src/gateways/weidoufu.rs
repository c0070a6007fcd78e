//! weidoufu mini-program pay: JSON in, `{code, message, data}` out; notifications as
//! `{"sign", "content"}`, acknowledged with `success`. After the order: the query by
//! either order number (unsigned, as weidoufu's page lists it) and refunds (signed like
//! the order, no refund number, at most ten per order).

use super::{first_line, json, nonce};
use crate::notify::{Ack, Headers, Outgoing};
use crate::state::{unix_now, Gateway, Order, Placed};
use crate::{clock, lifecycle, App};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use http::StatusCode;
use paywire::verify::{expected_signature, signatures_match};
use paywire::{Node, NodeObject};
use paywire::{PayRequest, Secret};
use paywire_providers::registry::Credentials;
use paywire_providers::wechat::v2::BridgeParams;
use paywire_providers::weidoufu::{
    sign_notification, MiniappPay, QueryOrder, Refund, MAX_REFUNDS, NOTIFY_ACK,
};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// weidoufu in the sandbox: its mini-program endpoint and notification.
pub const SIMULATOR: super::Simulator = super::Simulator {
    gateway: Gateway::WEIDOUFU,
    call_path: "",
    routes: |router| {
        router
            .route("/weidoufu/pay/miniapp", axum::routing::post(miniapp))
            .route("/weidoufu/pay/query", axum::routing::get(query))
            .route("/weidoufu/pay/refund", axum::routing::post(refund))
    },
    notification,
    refund_end: None,
    credentials: |config| Credentials {
        merchant_id: Some(config.weidoufu.access_key.clone()),
        key: Some(Secret::new(config.weidoufu.secret_key.as_str())),
        wechat_key: Some(Secret::new(config.weidoufu.wechat_key.as_str())),
        ..Credentials::default()
    },
    banner: |app, d| {
        let c = &app.config.weidoufu;
        format!(
            "access_key={} secret_key={}",
            c.access_key,
            super::shown(&c.secret_key, &d.weidoufu.secret_key)
        )
    },
};

fn refuse(message: &str, out_order_no: &str, app: &App) -> Response {
    json(
        StatusCode::OK,
        &json!({"code": 0, "message": message,
                "data": {"mch_trade_no": app.orders.fresh_id("2021"), "out_order_no": out_order_no, "jsapi": ""}}),
    )
}

/// `POST /weidoufu/pay/miniapp`.
pub async fn miniapp(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let config = &app.config.weidoufu;
    let received = match MiniappPay::from_body(&body) {
        Ok(r) => r,
        Err(e) => return refuse(&format!("参数格式校验错误: {}", first_line(&e)), "", &app),
    };
    let request = received.request;
    if request.access_key != config.access_key {
        return refuse("AccessKey 不存在", &request.out_order_no, &app);
    }
    let expected = expected_signature(MiniappPay::SCHEMA, &received.fields, &config.secret_key);
    if !received
        .signature
        .as_deref()
        .is_some_and(|s| signatures_match(&expected, s))
    {
        return refuse("签名错误", &request.out_order_no, &app);
    }
    if let Err(errors) = request.validate() {
        return refuse(
            &format!("参数格式校验错误: {}", first_line(&errors)),
            &request.out_order_no,
            &app,
        );
    }
    if let Err(rule) = crate::loopback::target(&request.notify_url) {
        let message = format!("参数格式校验错误: #/notify_url: {rule}");
        return refuse(&message, &request.out_order_no, &app);
    }
    let extra = BTreeMap::from([
        (
            "attach".to_owned(),
            request.attach.clone().unwrap_or_default(),
        ),
        ("pay_type".to_owned(), request.pay_type.to_string()),
    ]);
    let order = Order {
        id: app.orders.fresh_id("WD"),
        gateway: Gateway::WEIDOUFU,
        out_trade_no: request.out_order_no.clone(),
        amount_fen: request.total_fee.get(),
        notify_url: Some(request.notify_url.clone()),
        code_url: None,
        transaction_id: app.orders.fresh_id("42000"),
        paid: false,
        paid_at: None,
        closed: false,
        failed: false,
        refunds: Vec::new(),
        deliveries: Vec::new(),
        deliveries_not_kept: 0,
        acknowledged: false,
        extra,
        fingerprint: crate::state::fingerprint(&request),
    };
    let order = match app.orders.place(order) {
        Placed::New(o) | Placed::Same(o) => o,
        Placed::Conflict => return refuse("订单号重复", &request.out_order_no, &app),
        Placed::Full => return refuse(crate::state::FULL, &request.out_order_no, &app),
    };
    let jsapi = if request.pay_type == 1 {
        let params = BridgeParams::md5(
            "wx369ab4160391bvbgg",
            &unix_now().to_string(),
            &nonce(&app),
            &format!("prepay_id=wx{}", order.transaction_id),
        );
        let pay_sign = params.signature(&Secret::new(config.wechat_key.as_str()));
        json!({"app_id": params.app_id, "timestamp": params.time_stamp.as_str(), "nonce_str": params.nonce_str,
               "package": params.package, "sign_type": "MD5", "pay_sign": pay_sign})
    } else {
        json!({"trade_no": order.transaction_id})
    };
    json(
        StatusCode::OK,
        &json!({"code": 1, "message": "成功",
                "data": {"mch_trade_no": order.id, "out_order_no": order.out_trade_no, "jsapi": jsapi}}),
    )
}

/// A refusal of a query or refund: `code: 0`, its message, an empty `data`.
fn refused(message: &str) -> Response {
    json(
        StatusCode::OK,
        &json!({"code": 0, "message": message, "status": "error", "data": ""}),
    )
}

/// The weidoufu order named by either of its numbers (the sandbox's id is weidoufu's
/// `mch_trade_no`).
fn named(app: &App, mch_trade_no: Option<&str>, out_order_no: Option<&str>) -> Option<Order> {
    let order = match (mch_trade_no, out_order_no) {
        (Some(id), _) => app.orders.get(id)?,
        (None, Some(number)) => app
            .orders
            .by_merchant_number(number, Some(Gateway::WEIDOUFU))
            .into_iter()
            .next()?,
        (None, None) => return None,
    };
    (order.gateway == Gateway::WEIDOUFU).then_some(order)
}

/// `GET /weidoufu/pay/query?out_order_no=...` (or `mch_trade_no=`): the order's payment
/// and notification state, unsigned.
pub async fn query(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let request = match QueryOrder::from_body(query.as_bytes()) {
        Ok(received) => received.request,
        Err(e) => return refused(&format!("参数格式校验错误: {}", first_line(&e))),
    };
    if let Err(errors) = request.validate() {
        return refused(&format!("参数格式校验错误: {}", first_line(&errors)));
    }
    let Some(order) = named(
        &app,
        request.mch_trade_no.as_deref(),
        request.out_order_no.as_deref(),
    ) else {
        return refused("订单不存在");
    };
    let status = match (order.paid, order.failed) {
        (true, _) => 2,
        (false, true) => 3,
        (false, false) => 1,
    };
    let notify = if order.acknowledged { 2 } else { 1 };
    json(
        StatusCode::OK,
        &json!({"code": 1, "status": "success",
                "data": {"mch_trade_no": order.id, "out_order_no": order.out_trade_no,
                         "notify": notify, "status": status, "message": "查询成功"}}),
    )
}

/// `POST /weidoufu/pay/refund`: signed like the order; every accepted request is a new
/// refund (weidoufu takes no refund number), at most ten of one order, never above what
/// was paid.
pub async fn refund(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let config = &app.config.weidoufu;
    let received = match Refund::from_body(&body) {
        Ok(r) => r,
        Err(e) => return refused(&format!("参数格式校验错误: {}", first_line(&e))),
    };
    let request = received.request;
    if request.access_key != config.access_key {
        return refused("AccessKey 不存在");
    }
    let expected = expected_signature(Refund::SCHEMA, &received.fields, &config.secret_key);
    if !received
        .signature
        .as_deref()
        .is_some_and(|s| signatures_match(&expected, s))
    {
        return refused("签名错误");
    }
    if let Err(errors) = request.validate() {
        return refused(&format!("参数格式校验错误: {}", first_line(&errors)));
    }
    let Some(order) = named(
        &app,
        request.mch_trade_no.as_deref(),
        request.out_order_no.as_deref(),
    ) else {
        return refused("订单不存在");
    };
    let number = app.orders.fresh_id("WR");
    let amount = request.refund_fee.get();
    match lifecycle::refund_at_most(&app.orders, &order.id, &number, amount, MAX_REFUNDS) {
        Some(lifecycle::Refunding::New(_)) => json(
            StatusCode::OK,
            &json!({"code": 1, "message": "退款成功", "status": "success",
                    "data": {"mch_trade_no": order.id, "out_order_no": order.out_trade_no,
                             "refund_fee": amount, "total_fee": order.amount_fen}}),
        ),
        Some(lifecycle::Refunding::AbovePaid { .. }) => {
            refused("未结算款不足,退款金额超过可退金额")
        }
        Some(lifecycle::Refunding::TooMany) => refused("每个支付订单的部分退款次数不能超过 10 次"),
        Some(lifecycle::Refunding::NotPaid) => refused("订单未支付"),
        _ => refused("订单不存在"),
    }
}

/// The signed payment notification for a paid order.
pub fn notification(app: &App, order: &Order) -> Option<Outgoing> {
    let text = |s: &str| Node::Str(s.to_owned());
    let number = |n: u64| Node::Number(n.into());
    let mut content = NodeObject::new();
    let attach = order.extra.get("attach").cloned().unwrap_or_default();
    let pay_type: u64 = order
        .extra
        .get("pay_type")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let members = [
        ("mch_trade_no", text(&order.id)),
        ("out_order_no", text(&order.out_trade_no)),
        ("transaction_id", text(&order.transaction_id)),
        ("total_fee", number(order.amount_fen)),
        ("attach", text(&attach)),
        ("trade_type", text("JSAPI")),
        ("pay_type", number(pay_type)),
        ("bank_type", text("OTHERS")),
        (
            "pay_time",
            text(&clock::spaced(order.paid_at.unwrap_or_else(unix_now))),
        ),
        ("status", number(1)),
        ("nonce_str", text(&nonce(app))),
    ];
    for (name, value) in members {
        let _ = content.insert(name.to_owned(), value);
    }
    let body = sign_notification(
        &content,
        &Secret::new(app.config.weidoufu.secret_key.as_str()),
    );
    Some(Outgoing {
        url: order.notify_url.clone()?,
        content_type: "application/json; charset=utf-8",
        headers: Headers::Fixed(Vec::new()),
        body: body.into_bytes(),
        ack: Ack::Text(NOTIFY_ACK),
    })
}

/// weidoufu credentials.
#[derive(Clone, serde::Deserialize)]
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

redacted_debug!(WeidoufuConfig {
    shown: [access_key],
    hidden: [secret_key, wechat_key]
});
