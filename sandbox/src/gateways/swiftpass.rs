//! SwiftPass `pay.weixin.wap`: XML in, signed XML out; notifications in XML, acknowledged
//! with the plain text `success`.

use super::{first_line, nonce, object, xml};
use crate::notify::{Ack, Headers, Outgoing};
use crate::state::{unix_now, Gateway, Order, Placed};
use crate::{clock, lifecycle, App};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use paywire::decode::{self, Limits};
use paywire::keys::{MerchantKey, PublicKey};
use paywire::schema::{EmptyValues, Format};
use paywire::sign::{Custom, SignTypeVerify, SignTypeVerifyKey};
use paywire::verify::{expected_signature, signatures_match, Verifying};
use paywire::Fen;
use paywire::NodeObject;
use paywire::Secret;
use paywire::{PayRequest, PayResponse};
use paywire_providers::registry::Credentials;
use paywire_providers::swiftpass::{
    PayNotification, RefundQuery, RefundQueryAnswer, RefundRecord, RefundStatus, TradeClose,
    TradeQuery, TradeRefund, WapPay, WapPayResponse,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// SwiftPass in the sandbox: its gateway URL and notification.
pub const SIMULATOR: super::Simulator = super::Simulator {
    gateway: Gateway::SWIFTPASS,
    call_path: "/pay/gateway",
    routes: |router| router.route("/swiftpass/pay/gateway", axum::routing::post(gateway)),
    notification,
    refund_end: None,
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

/// `POST /swiftpass/pay/gateway`: one URL for every service, told apart by `service`.
pub async fn gateway(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let service = decode::parse_body(Format::Xml, &body, &Limits::default())
        .ok()
        .and_then(|fields| {
            fields
                .get("service")
                .and_then(|n| n.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    match service.as_str() {
        "unified.trade.query" => query(&app, &body),
        "unified.trade.close" => close(&app, &body),
        "unified.trade.refund" => refund(&app, &body),
        "unified.trade.refundquery" => refund_query(&app, &body),
        _ => wap_pay(&app, &body),
    }
}

/// The members every answer starts with.
fn common(app: &App, result_code: &str) -> Vec<(&'static str, String)> {
    vec![
        ("version", "2.0".to_owned()),
        ("charset", "UTF-8".to_owned()),
        ("sign_type", "MD5".to_owned()),
        ("status", "0".to_owned()),
        ("message", "OK".to_owned()),
        ("result_code", result_code.to_owned()),
        ("mch_id", app.config.swiftpass.mch_id.clone()),
        ("nonce_str", nonce(app)),
    ]
}

/// `pay.weixin.wap`: places the order.
fn wap_pay(app: &App, body: &[u8]) -> Response {
    let config = &app.config.swiftpass;
    let received = match WapPay::from_body(body) {
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
        paid_at: None,
        closed: false,
        failed: false,
        refunds: Vec::new(),
        deliveries: Vec::new(),
        deliveries_not_kept: 0,
        acknowledged: false,
        extra: BTreeMap::from([(
            "attach".to_owned(),
            request.attach.clone().unwrap_or_default(),
        )]),
        fingerprint: crate::state::fingerprint(&fingerprint),
    };
    let order = match app.orders.place(order) {
        Placed::New(o) | Placed::Same(o) => o,
        Placed::Full => return failure(crate::state::FULL),
        Placed::Conflict => {
            return Answering::Md5.refused(app, "OUT_TRADE_NO_USED", "商户订单号重复")
        }
    };
    let mut fields = common(app, "0");
    fields.push(("trade_type", "pay.weixin.wap".into()));
    fields.push(("prepay_id", format!("wx{}", order.transaction_id)));
    fields.push((
        "mweb_url",
        format!("{}/_sandbox/orders/{}/cashier", app.base_url, order.id),
    ));
    xml_response(signed(object(&fields), &config.key))
}

/// A request of `R`, read, its signature checked under the `sign_type` it names (MD5 with
/// the merchant's key, RSA_1_256 with the merchant's public key), its merchant and rules
/// checked; with how the answer is signed (in the request's type). Otherwise the message
/// of the gateway's unsigned refusal.
fn received<R: PayRequest>(app: &App, body: &[u8]) -> Result<(R, Answering), String> {
    let config = &app.config.swiftpass;
    let received =
        R::from_body(body).map_err(|e| format!("参数格式校验错误: {}", first_line(&e)))?;
    let signature = received.signature.as_deref().unwrap_or_default();
    let rsa = received.fields.get("sign_type").and_then(|n| n.as_str()) == Some("RSA_1_256");
    let (key, answering) = if rsa {
        let public = PublicKey::from_pem(MERCHANT_PUBLIC_KEY_PEM).map_err(|e| e.to_string())?;
        (SignTypeVerifyKey::Rsa(public), Answering::Rsa)
    } else {
        let key = Secret::new(config.key.as_str());
        (SignTypeVerifyKey::Md5(key), Answering::Md5)
    };
    let authentic =
        <Custom<SignTypeVerify> as Verifying>::check(R::SCHEMA, &received.fields, signature, &key);
    if signature.is_empty() || authentic.is_err() {
        return Err("签名错误".into());
    }
    if received.fields.get("mch_id").and_then(|n| n.as_str()) != Some(config.mch_id.as_str()) {
        return Err("商户号不存在".into());
    }
    received
        .request
        .validate()
        .map_err(|errors| format!("参数格式校验错误: {}", first_line(&errors)))?;
    Ok((received.request, answering))
}

/// The merchant's public key (the sandbox's throwaway pair), which checks RSA_1_256
/// requests.
const MERCHANT_PUBLIC_KEY_PEM: &str = include_str!("../../keys/merchant_public_key.pem");

/// The platform's private key, which signs the answers to RSA_1_256 requests; the
/// merchant checks them with `sandbox/keys/` platform public key.
const PLATFORM_PRIVATE_KEY_PEM: &str = include_str!("../../keys/platform_private_key.pem");

/// How an answer to a lifecycle request is signed: in the request's own sign type.
#[derive(Clone, Copy)]
enum Answering {
    /// Sorted MD5 with the merchant's key.
    Md5,
    /// SHA256withRSA with the platform's key.
    Rsa,
}

impl Answering {
    /// `fields` with their `sign_type`, signed, as the XML answer.
    fn answer(self, app: &App, mut fields: Vec<(&'static str, String)>) -> Response {
        let sign_type = match self {
            Answering::Md5 => "MD5",
            Answering::Rsa => "RSA_1_256",
        };
        for (name, value) in &mut fields {
            if *name == "sign_type" {
                *value = sign_type.to_owned();
            }
        }
        match self {
            Answering::Md5 => xml_response(signed(object(&fields), &app.config.swiftpass.key)),
            Answering::Rsa => {
                let mut members = object(&fields);
                let Ok(platform) = MerchantKey::from_pem(PLATFORM_PRIVATE_KEY_PEM) else {
                    return failure("系统错误");
                };
                let sorted = paywire::verify::sorted_string(&members, EmptyValues::Skip);
                let sign = platform.sign_base64(sorted.as_bytes());
                let _ = members.insert("sign".into(), paywire::Node::Text(sign));
                xml_response(xml(&members))
            }
        }
    }

    /// A verified business refusal: `result_code` 1 with the gateway's error code.
    fn refused(self, app: &App, err_code: &str, err_msg: &str) -> Response {
        let mut fields = common(app, "1");
        fields.push(("err_code", err_code.into()));
        fields.push(("err_msg", err_msg.into()));
        self.answer(app, fields)
    }
}

/// The SwiftPass order with the merchant's number or the gateway's transaction id.
fn find(app: &App, out_trade_no: Option<&str>, transaction_id: Option<&str>) -> Option<Order> {
    let named = |o: &Order| {
        o.gateway == Gateway::SWIFTPASS && transaction_id.is_none_or(|id| o.transaction_id == id)
    };
    match out_trade_no {
        Some(number) => app
            .orders
            .by_merchant_number(number, Some(Gateway::SWIFTPASS))
            .into_iter()
            .find(|o| named(o)),
        None => app.orders.find(named),
    }
}

/// The members naming an order in every answer about it.
fn order_members(order: &Order) -> Vec<(&'static str, String)> {
    vec![
        ("out_trade_no", order.out_trade_no.clone()),
        ("transaction_id", order.transaction_id.clone()),
    ]
}

/// `unified.trade.query`: the order's state.
fn query(app: &App, body: &[u8]) -> Response {
    let (request, answering): (TradeQuery, Answering) = match received(app, body) {
        Ok(received) => received,
        Err(message) => return failure(&message),
    };
    let Some(order) = find(
        app,
        request.out_trade_no.as_deref(),
        request.transaction_id.as_deref(),
    ) else {
        return answering.refused(app, "ORDERNOTEXIST", "订单不存在");
    };
    let mut fields = common(app, "0");
    fields.extend(order_members(&order));
    fields.push(("trade_state", lifecycle::trade_state(&order).into()));
    if order.paid {
        fields.push(("total_fee", order.amount_fen.to_string()));
        fields.push((
            "time_end",
            clock::compact(order.paid_at.unwrap_or_else(unix_now)),
        ));
    }
    answering.answer(app, fields)
}

/// `unified.trade.close`: an unpaid order, closed for good.
fn close(app: &App, body: &[u8]) -> Response {
    let (request, answering): (TradeClose, Answering) = match received(app, body) {
        Ok(received) => received,
        Err(message) => return failure(&message),
    };
    let Some(order) = find(app, Some(&request.out_trade_no), None) else {
        return answering.refused(app, "ORDERNOTEXIST", "订单不存在");
    };
    match lifecycle::close(&app.orders, &order.id) {
        Some(lifecycle::Closing::Closed(_)) => answering.answer(app, common(app, "0")),
        Some(lifecycle::Closing::Paid(_)) => {
            answering.refused(app, "ORDERPAID", "订单已支付,不能关闭")
        }
        None => answering.refused(app, "ORDERNOTEXIST", "订单不存在"),
    }
}

/// `unified.trade.refund`: part or all of a paid order, once per refund number.
fn refund(app: &App, body: &[u8]) -> Response {
    let (request, answering): (TradeRefund, Answering) = match received(app, body) {
        Ok(received) => received,
        Err(message) => return failure(&message),
    };
    let Some(order) = find(
        app,
        request.out_trade_no.as_deref(),
        request.transaction_id.as_deref(),
    ) else {
        return answering.refused(app, "ORDERNOTEXIST", "订单不存在");
    };
    if request.total_fee.get() != order.amount_fen {
        return answering.refused(app, "INVALID_REQUEST", "订单金额与原订单不符");
    }
    let amount = request.refund_fee.get();
    let made = match lifecycle::refund(&app.orders, &order.id, &request.out_refund_no, amount) {
        Some(lifecycle::Refunding::New(r) | lifecycle::Refunding::Same(r)) => r,
        Some(lifecycle::Refunding::NotPaid) => {
            return answering.refused(app, "TRADE_STATE_ERROR", "订单未支付")
        }
        Some(lifecycle::Refunding::AbovePaid { paid, refunded }) => {
            return answering.refused(
                app,
                "REFUND_FEE_INVALID",
                &format!("退款金额超过可退金额: 已支付 {paid} 分, 已退 {refunded} 分"),
            )
        }
        Some(lifecycle::Refunding::Conflict(_)) => {
            return answering.refused(app, "INVALID_REQUEST", "退款单号已用于另一金额")
        }
        Some(lifecycle::Refunding::TooMany) => {
            return answering.refused(app, "REFUND_TIMES_LIMIT", "退款次数超过限制")
        }
        None => return answering.refused(app, "ORDERNOTEXIST", "订单不存在"),
    };
    let mut fields = common(app, "0");
    fields.extend(order_members(&order));
    fields.push(("out_refund_no", made.out_refund_no));
    fields.push(("refund_id", made.refund_id));
    fields.push(("refund_channel", "ORIGINAL".into()));
    fields.push(("refund_fee", made.amount_fen.to_string()));
    answering.answer(app, fields)
}

/// `unified.trade.refundquery`: the order's refunds as the indexed family
/// `out_refund_no_$n`, ..., spelled out by paywire from the typed answer.
fn refund_query(app: &App, body: &[u8]) -> Response {
    let (request, answering): (RefundQuery, Answering) = match received(app, body) {
        Ok(received) => received,
        Err(message) => return failure(&message),
    };
    let by_refund = |o: &Order| {
        o.refunds.iter().any(|r| {
            request
                .refund_id
                .as_deref()
                .is_none_or(|id| r.refund_id == id)
                && request
                    .out_refund_no
                    .as_deref()
                    .is_none_or(|no| r.out_refund_no == no)
        })
    };
    let order = if request.refund_id.is_some() || request.out_refund_no.is_some() {
        app.orders
            .find(|o| o.gateway == Gateway::SWIFTPASS && by_refund(o))
    } else {
        find(
            app,
            request.out_trade_no.as_deref(),
            request.transaction_id.as_deref(),
        )
    };
    let Some(order) = order.filter(|o| !o.refunds.is_empty()) else {
        return answering.refused(app, "REFUNDNOTEXIST", "退款单不存在");
    };
    let answer = RefundQueryAnswer {
        version: Some("2.0".into()),
        charset: Some("UTF-8".into()),
        sign_type: Some("MD5".into()),
        status: "0".into(),
        message: None,
        result_code: "0".into(),
        mch_id: app.config.swiftpass.mch_id.clone(),
        device_info: None,
        nonce_str: nonce(app),
        err_code: None,
        err_msg: None,
        out_trade_no: Some(order.out_trade_no.clone()),
        transaction_id: Some(order.transaction_id.clone()),
        out_transaction_id: None,
        refund_count: Some(order.refunds.len() as u32),
        refunds: order
            .refunds
            .iter()
            .map(|r| RefundRecord {
                out_refund_no: r.out_refund_no.clone(),
                refund_id: r.refund_id.clone(),
                refund_channel: Some("ORIGINAL".into()),
                refund_fee: Fen::new(r.amount_fen),
                coupon_refund_fee: None,
                refund_time: Some(clock::compact(r.at)),
                refund_status: RefundStatus::Success,
                refund_status_info: None,
            })
            .collect(),
    };
    xml_response(signed(
        paywire::indexed::flat_members(&answer),
        &app.config.swiftpass.key,
    ))
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
        (
            "time_end",
            clock::compact(order.paid_at.unwrap_or_else(unix_now)),
        ),
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
        headers: Headers::Fixed(Vec::new()),
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
