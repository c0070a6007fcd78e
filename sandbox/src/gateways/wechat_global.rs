//! WeChat Pay Global v3 JSAPI: the merchant's `Authorization` is verified, answers carry
//! `Wechatpay-*` headers signed with the sandbox platform key, and notifications are
//! encrypted with the APIv3 key, signed, and acknowledged with any 2xx.

use super::nonce;
use crate::config::ConfigError;
use crate::notify::{Ack, Headers, Outgoing};
use crate::state::{unix_now, Gateway, Order, Orders, Placed};
use crate::{clock, lifecycle, App};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use paywire::decode::DecodeError;
use paywire::keys::MerchantKey;
use paywire::keys::PublicKey;
use paywire::{PayRequest, Secret};
use paywire_providers::registry::Credentials;
use paywire_providers::wechat::v3::{self as wechat_v3, Authorization};
use paywire_providers::wechat_global::{
    CloseOrder, JsapiOrder, QueryOrder, QueryOrderById, QueryRefund, QueryRefunds, RefundRequest,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

/// WeChat Pay Global in the sandbox: its JSAPI and certificates endpoints and its
/// encrypted notification.
pub const SIMULATOR: super::Simulator = super::Simulator {
    gateway: Gateway::WECHAT_GLOBAL,
    call_path: "",
    routes: |router| {
        router
            .route(
                "/wechat-global/v3/global/transactions/jsapi",
                axum::routing::post(jsapi),
            )
            .route(
                "/wechat-global/v3/global/certificates",
                axum::routing::get(certificates),
            )
            .route(
                "/wechat-global/v3/global/transactions/out-trade-no/{out_trade_no}",
                axum::routing::get(query),
            )
            .route(
                "/wechat-global/v3/global/transactions/id/{transaction_id}",
                axum::routing::get(query_by_id),
            )
            .route(
                "/wechat-global/v3/global/transactions/out-trade-no/{out_trade_no}/close",
                axum::routing::post(close),
            )
            .route(
                "/wechat-global/v3/global/refunds",
                axum::routing::post(refund).get(refund_list),
            )
            .route(
                "/wechat-global/v3/global/refunds/out-refund-no/{out_refund_no}",
                axum::routing::get(refund_query),
            )
    },
    notification,
    refund_end: Some(notify_refund_end),
    credentials: |config| {
        let c = &config.wechat_global;
        Credentials {
            merchant_id: Some(c.mchid.clone()),
            serial: Some(c.merchant_serial.clone()),
            // The demo merchant's key pairs with the configured merchant public key only
            // when that is the built-in one.
            private_key: paywire::keys::MerchantKey::from_pem(
                crate::keys::MERCHANT_PRIVATE_KEY_PEM,
            )
            .ok(),
            platform_cert_pem: Some(c.platform_certificate_pem.clone()),
            apiv3_key: Some(Secret::new(c.apiv3_key.as_str())),
            ..Credentials::default()
        }
    },
    banner: |app, d| {
        let c = &app.config.wechat_global;
        format!(
            "mchid={} appid=any (the sample's: {}) serial_no={} apiv3_key={} platform_serial={} keys={}",
            c.mchid,
            paywire_providers::wechat_global::sample_direct()
                .appid
                .unwrap_or_default(),
            c.merchant_serial,
            super::shown(&c.apiv3_key, &d.wechat_global.apiv3_key),
            app.keys.platform_serial,
            if c.platform_private_key_pem == d.wechat_global.platform_private_key_pem {
                "sandbox/keys/"
            } else {
                "from the config"
            }
        )
    },
};

/// The platform key the sandbox signs with now, and the certificates it publishes.
pub struct Platform {
    /// The signing key.
    key: MerchantKey,
    /// Its certificate's serial.
    serial: String,
    /// Whether the sandbox has rotated to the next key (both certificates are published
    /// from then on, as during a real rotation).
    rotated: bool,
}

impl Platform {
    /// The serial of the key in use.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The configured platform key, not yet rotated.
    pub fn new(keys: &LoadedKeys) -> Platform {
        Platform {
            key: keys.platform_private.clone(),
            serial: keys.platform_serial.clone(),
            rotated: false,
        }
    }
}

/// `Wechatpay-*` headers over `body`, signed with the current platform key.
fn sign_headers(app: &App, timestamp: i64, body: &[u8]) -> Vec<(&'static str, String)> {
    sign_with(&app.platform, &app.orders, timestamp, body)
}

/// `Wechatpay-*` headers over `body` with the key `platform` holds now, a nonce from
/// `orders`.
fn sign_with(
    platform: &RwLock<Platform>,
    orders: &Orders,
    timestamp: i64,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let platform = platform.read().unwrap_or_else(|p| p.into_inner());
    wechat_v3::sign_message_headers(
        &platform.key,
        &platform.serial,
        timestamp,
        &super::nonce_of(orders),
        body,
    )
}

/// Switches to the next platform key; its serial.
pub fn rotate(app: &App) -> String {
    let mut platform = app.platform.write().unwrap_or_else(|p| p.into_inner());
    let next = if platform.serial == app.keys.platform_serial {
        (
            &app.keys.next_platform_private,
            &app.keys.next_platform_serial,
        )
    } else {
        (&app.keys.platform_private, &app.keys.platform_serial)
    };
    platform.key = next.0.clone();
    platform.serial = next.1.clone();
    platform.rotated = true;
    platform.serial.clone()
}

/// An answer with its `Wechatpay-*` signature headers.
fn signed(app: &App, status: StatusCode, body: &Value) -> Response {
    let body = body.to_string();
    let headers = sign_headers(app, unix_now(), body.as_bytes());
    let mut response = (
        status,
        [(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )],
        body,
    )
        .into_response();
    for (name, value) in headers {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn error(
    app: &App,
    status: StatusCode,
    code: &str,
    message: &str,
    detail: Option<Value>,
) -> Response {
    let mut body = json!({ "code": code, "message": message });
    if let Some(detail) = detail {
        body["detail"] = detail;
    }
    signed(app, status, &body)
}

/// The gateway's `SYSTEM_ERROR` (HTTP 500): try again later.
fn system_error(app: &App) -> Response {
    error(
        app,
        StatusCode::INTERNAL_SERVER_ERROR,
        "SYSTEM_ERROR",
        "系统错误",
        None,
    )
}

/// Checks the merchant's `Authorization` over `method`, the path the real gateway sees
/// and `body`: the gateway's `SIGN_ERROR` answer if it does not hold.
fn sign_refusal(
    app: &App,
    method: &str,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Option<Response> {
    let config = &app.config.wechat_global;
    let sign_error =
        |message: &str| error(app, StatusCode::UNAUTHORIZED, "SIGN_ERROR", message, None);
    let Some(auth) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(Authorization::parse)
    else {
        return Some(sign_error("Authorization 缺失或格式错误: WECHATPAY2-SHA256-RSA2048 mchid=\"..\",nonce_str=\"..\",timestamp=\"..\",serial_no=\"..\",signature=\"..\""));
    };
    if auth.mchid != config.mchid {
        return Some(sign_error("商户号与签名不匹配"));
    }
    if auth.serial_no != config.merchant_serial {
        return Some(sign_error("商户证书序列号不正确"));
    }
    // Clients sign the path the real gateway sees (`/v3/global/transactions/jsapi`), not
    // the sandbox's per-gateway prefix in front of it.
    let full = uri.path_and_query().map_or("/", |p| p.as_str());
    let path = full.strip_prefix("/wechat-global").unwrap_or(full);
    let Ok(timestamp) = auth.timestamp.parse::<i64>() else {
        return Some(sign_error("timestamp 格式错误"));
    };
    let message = wechat_v3::request_message(method, path, timestamp, &auth.nonce_str, body);
    if app
        .keys
        .merchant_public
        .verify_base64(&message, &auth.signature)
        .is_err()
    {
        return Some(sign_error("签名错误"));
    }
    // A signed timestamp is still input: its distance from now is taken without overflow.
    if unix_now().abs_diff(timestamp) > wechat_v3::TIMESTAMP_WINDOW.unsigned_abs() {
        return Some(sign_error("请求时间戳超出5分钟"));
    }
    None
}

/// `GET /wechat-global/v3/global/certificates`: the platform certificates in use, each
/// encrypted with the APIv3 key, the answer signed with the current platform key.
pub async fn certificates(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    if let Some(refused) = sign_refusal(&app, "GET", &headers, &uri, b"") {
        return refused;
    }
    let config = &app.config.wechat_global;
    let (serial, rotated) = {
        let platform = app.platform.read().unwrap_or_else(|p| p.into_inner());
        (platform.serial.clone(), platform.rotated)
    };
    let mut published = vec![(&app.keys.platform_serial, &config.platform_certificate_pem)];
    if rotated {
        published.push((
            &app.keys.next_platform_serial,
            &config.next_platform_certificate_pem,
        ));
    }
    let apiv3 = Secret::new(config.apiv3_key.as_str());
    let mut data = Vec::new();
    for (published_serial, pem) in published {
        let resource_nonce: String = nonce(&app).chars().take(12).collect();
        let Ok(encrypted) =
            wechat_v3::encrypt_resource(&apiv3, &resource_nonce, "certificate", "certificate", pem)
        else {
            return system_error(&app);
        };
        let current = *published_serial == serial;
        data.push(json!({
            "serial_no": published_serial,
            "effective_time": if current { "2026-01-01T00:00:00+08:00" } else { "2024-01-01T00:00:00+08:00" },
            "expire_time": "2035-12-30T00:00:00+08:00",
            "encrypt_certificate": {"algorithm": encrypted.algorithm, "nonce": encrypted.nonce,
                                    "associated_data": encrypted.associated_data, "ciphertext": encrypted.ciphertext},
        }));
    }
    signed(&app, StatusCode::OK, &json!({ "data": data }))
}

/// `POST /wechat-global/v3/global/transactions/jsapi`.
pub async fn jsapi(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let config = &app.config.wechat_global;
    let injected = app.system_errors_left.fetch_update(
        std::sync::atomic::Ordering::SeqCst,
        std::sync::atomic::Ordering::SeqCst,
        |n| n.checked_sub(1),
    );
    if injected.is_ok() {
        return system_error(&app);
    }
    if let Some(refused) = sign_refusal(&app, "POST", &headers, &uri, &body) {
        return refused;
    }
    let order = match JsapiOrder::from_body(&body) {
        Ok(r) => r.request,
        Err(DecodeError::Fields(problems)) => {
            let first = problems.iter().next();
            let detail = first.map(
                |p| json!({"field": p.path, "issue": p.problem.to_string(), "location": "body"}),
            );
            return error(
                &app,
                StatusCode::BAD_REQUEST,
                "PARAM_ERROR",
                "参数错误",
                detail,
            );
        }
        Err(e) => {
            return error(
                &app,
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                &e.to_string(),
                None,
            )
        }
    };
    if let Err(errors) = order.validate() {
        let first = errors.iter().next();
        let detail = first.map(|e| {
            json!({"field": e.path, "value": e.actual.to_string(), "issue": e.to_string(), "location": "body"})
        });
        return error(
            &app,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "参数格式校验错误",
            detail,
        );
    }
    if let Err(rule) = crate::loopback::target(&order.notify_url) {
        let detail = json!({"field": "#/notify_url", "value": order.notify_url, "issue": rule, "location": "body"});
        return error(
            &app,
            StatusCode::BAD_REQUEST,
            "PARAM_ERROR",
            "参数格式校验错误",
            Some(detail),
        );
    }
    let merchant = order
        .mchid
        .as_deref()
        .or(order.sp_mchid.as_deref())
        .unwrap_or_default();
    // The Authorization named the configured merchant (checked above).
    if merchant != config.mchid {
        return error(
            &app,
            StatusCode::BAD_REQUEST,
            "APPID_MCHID_NOT_MATCH",
            "appid和mchid不匹配",
            None,
        );
    }
    let extra = BTreeMap::from([
        (
            "appid".to_owned(),
            order
                .appid
                .clone()
                .or(order.sp_appid.clone())
                .unwrap_or_default(),
        ),
        (
            "attach".to_owned(),
            order.attach.clone().unwrap_or_default(),
        ),
        ("currency".to_owned(), order.amount.currency.clone()),
        (
            "openid".to_owned(),
            order
                .payer
                .as_ref()
                .and_then(|p| p.openid.clone())
                .unwrap_or_default(),
        ),
    ]);
    let placed = app.orders.place(Order {
        id: app.orders.fresh_id("WG"),
        gateway: Gateway::WECHAT_GLOBAL,
        out_trade_no: order.out_trade_no.clone(),
        amount_fen: order.amount.total,
        notify_url: Some(order.notify_url.clone()),
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
        fingerprint: crate::state::fingerprint(&order),
    });
    match placed {
        Placed::New(o) | Placed::Same(o) => signed(
            &app,
            StatusCode::OK,
            &json!({ "prepay_id": format!("wx{}", o.transaction_id) }),
        ),
        Placed::Conflict => error(
            &app,
            StatusCode::BAD_REQUEST,
            "OUT_TRADE_NO_USED",
            "商户订单号重复",
            None,
        ),
        Placed::Full => error(
            &app,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            crate::state::FULL,
            None,
        ),
    }
}

/// The gateway's answer for an order or refund it does not have.
fn not_found(app: &App, what: &str) -> Response {
    error(app, StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", what, None)
}

/// The merchant a lifecycle request names (direct `mchid` or institution `sp_mchid`)
/// must be the one that signed it: otherwise the gateway's `MCH_NOT_EXISTS`.
fn wrong_merchant(app: &App, mchid: Option<&str>, sp_mchid: Option<&str>) -> Option<Response> {
    let named = mchid.or(sp_mchid).unwrap_or_default();
    (named != app.config.wechat_global.mchid).then(|| {
        error(
            app,
            StatusCode::BAD_REQUEST,
            "MCH_NOT_EXISTS",
            "商户号不存在",
            None,
        )
    })
}

/// A request of `R` after the order: the merchant's `Authorization` over `signed_body`
/// checked, the request read from `input` (its query string or body) with its path
/// parameter, and the merchant it names checked; otherwise the gateway's answer.
fn received<R: PayRequest>(
    app: &App,
    (method, headers, uri): (&str, &HeaderMap, &Uri),
    signed_body: &[u8],
    input: &[u8],
    path_params: &[(&str, &str)],
) -> Result<R, Box<Response>> {
    if let Some(refused) = sign_refusal(app, method, headers, uri, signed_body) {
        return Err(Box::new(refused));
    }
    let location = if method == "GET" { "query" } else { "body" };
    let received = R::from_parts(input, path_params, &paywire::decode::Limits::default())
        .map_err(|e| Box::new(param_error(app, "#", &first_line(&e), location)))?;
    let named = |name: &str| received.fields.get(name).and_then(paywire::Node::as_str);
    if let Some(refused) = wrong_merchant(app, named("mchid"), named("sp_mchid")) {
        return Err(Box::new(refused));
    }
    Ok(received.request)
}

fn global_order(app: &App, out_trade_no: &str) -> Option<Order> {
    app.orders
        .by_merchant_number(out_trade_no, Some(Gateway::WECHAT_GLOBAL))
        .into_iter()
        .next()
}

/// A parameter error naming the first problem, as the gateway reports one.
fn param_error(app: &App, field: &str, issue: &str, location: &str) -> Response {
    let detail = json!({"field": field, "issue": issue, "location": location});
    error(
        app,
        StatusCode::BAD_REQUEST,
        "PARAM_ERROR",
        "参数错误",
        Some(detail),
    )
}

/// The order's transaction as the query answers it.
fn transaction(app: &App, order: &Order) -> Value {
    let extra = |k: &str| order.extra.get(k).cloned().unwrap_or_default();
    let mut out = json!({
        "mchid": app.config.wechat_global.mchid, "appid": extra("appid"),
        "out_trade_no": order.out_trade_no, "transaction_id": order.transaction_id,
        "trade_type": "JSAPI", "trade_state": lifecycle::trade_state(order),
        "attach": extra("attach"),
        "amount": {"total": order.amount_fen, "currency": extra("currency")},
    });
    if order.paid {
        out["success_time"] = clock::rfc3339(order.paid_at.unwrap_or_else(unix_now)).into();
        out["amount"]["payer_total"] = order.amount_fen.into();
        out["amount"]["payer_currency"] = extra("currency").into();
        out["payer"] = json!({"openid": extra("openid")});
    }
    out
}

/// `GET /wechat-global/v3/global/transactions/out-trade-no/{out_trade_no}?mchid=...`.
pub async fn query(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    axum::extract::Path(out_trade_no): axum::extract::Path<String>,
) -> Response {
    let query = uri.query().unwrap_or_default().as_bytes();
    let params = [("out_trade_no", out_trade_no.as_str())];
    if let Err(refused) = received::<QueryOrder>(&app, ("GET", &headers, &uri), b"", query, &params)
    {
        return *refused;
    }
    match global_order(&app, &out_trade_no) {
        Some(order) => signed(&app, StatusCode::OK, &transaction(&app, &order)),
        None => not_found(&app, "订单不存在"),
    }
}

/// `GET /wechat-global/v3/global/transactions/id/{transaction_id}?mchid=...`.
pub async fn query_by_id(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    axum::extract::Path(transaction_id): axum::extract::Path<String>,
) -> Response {
    let query = uri.query().unwrap_or_default().as_bytes();
    let params = [("transaction_id", transaction_id.as_str())];
    if let Err(refused) =
        received::<QueryOrderById>(&app, ("GET", &headers, &uri), b"", query, &params)
    {
        return *refused;
    }
    // WeChat Pay gives an order its id when it is paid.
    let found = app.orders.find(|o| {
        o.gateway == Gateway::WECHAT_GLOBAL && o.paid && o.transaction_id == transaction_id
    });
    match found {
        Some(order) => signed(&app, StatusCode::OK, &transaction(&app, &order)),
        None => not_found(&app, "订单不存在"),
    }
}

/// `POST /wechat-global/v3/global/transactions/out-trade-no/{out_trade_no}/close`:
/// answered 204 with an empty body, signed.
pub async fn close(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    axum::extract::Path(out_trade_no): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let params = [("out_trade_no", out_trade_no.as_str())];
    if let Err(refused) =
        received::<CloseOrder>(&app, ("POST", &headers, &uri), &body, &body, &params)
    {
        return *refused;
    }
    let Some(order) = global_order(&app, &out_trade_no) else {
        return not_found(&app, "订单不存在");
    };
    match lifecycle::close(&app.orders, &order.id) {
        Some(lifecycle::Closing::Closed(_)) => {
            // 204, its empty body signed like any answer's.
            let mut answer = StatusCode::NO_CONTENT.into_response();
            for (name, value) in sign_headers(&app, unix_now(), b"") {
                if let Ok(value) = http::HeaderValue::from_str(&value) {
                    answer.headers_mut().insert(name, value);
                }
            }
            answer
        }
        Some(lifecycle::Closing::Paid(_)) => error(
            &app,
            StatusCode::BAD_REQUEST,
            "ORDERPAID",
            "订单已支付",
            None,
        ),
        None => not_found(&app, "订单不存在"),
    }
}

/// The refund's status in WeChat Pay's words.
fn status_word(status: lifecycle::RefundStatus) -> &'static str {
    match status {
        lifecycle::RefundStatus::Processing => "PROCESSING",
        lifecycle::RefundStatus::Success => "SUCCESS",
        lifecycle::RefundStatus::Closed => "CLOSED",
    }
}

/// The refund as a refund answer or query answers it, in `status` (a refund request's
/// answer always says PROCESSING).
fn refund_answer(order: &Order, refund: &lifecycle::Refund, status: &str) -> Value {
    let currency = order.extra.get("currency").cloned().unwrap_or_default();
    let mut answer = json!({
        "id": refund.refund_id, "out_refund_no": refund.out_refund_no,
        "transaction_id": order.transaction_id, "out_trade_no": order.out_trade_no,
        "status": status, "create_time": clock::rfc3339(refund.at),
        "amount": {"refund": refund.amount_fen, "total": order.amount_fen, "currency": currency,
                   "payer_refund": refund.amount_fen, "payer_currency": currency},
    });
    if status == "SUCCESS" {
        answer["success_time"] = clock::rfc3339(refund.at).into();
    }
    answer
}

/// `POST /wechat-global/v3/global/refunds`: its answer says PROCESSING, as the gateway's
/// does. The refund is made at once, and its notification (when the request names a
/// `notify_url`) and the refund query say SUCCESS; with `hold_refunds` it stays
/// PROCESSING until the sandbox is told to end it (`Sandbox::end_refund`), which sends
/// its notification then.
pub async fn refund(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let request = match received::<RefundRequest>(&app, ("POST", &headers, &uri), &body, &body, &[])
    {
        Ok(request) => request,
        Err(refused) => return *refused,
    };
    if let Err(errors) = request.validate() {
        let first = errors.iter().next();
        let field = first.map_or("body".to_owned(), |e| e.path.clone());
        return param_error(&app, &field, &first_line(&errors), "body");
    }
    if let Some(url) = &request.notify_url {
        if let Err(rule) = crate::loopback::target(url) {
            return param_error(&app, "#/notify_url", rule, "body");
        }
    }
    let order = match (&request.out_trade_no, &request.transaction_id) {
        (Some(number), _) => global_order(&app, number),
        (None, Some(id)) => app
            .orders
            .find(|o| o.gateway == Gateway::WECHAT_GLOBAL && &o.transaction_id == id),
        (None, None) => None,
    };
    let Some(order) = order else {
        return not_found(&app, "订单不存在");
    };
    let currency = order.extra.get("currency").cloned().unwrap_or_default();
    if request.amount.currency != currency || request.amount.total.get() != order.amount_fen {
        return param_error(
            &app,
            "#/amount",
            "amount.total and amount.currency must be the order's",
            "body",
        );
    }
    let (number, fen) = (&request.out_refund_no, request.amount.refund.get());
    let refunding = lifecycle::refund_notified(
        &app.orders,
        &order.id,
        number,
        fen,
        request.notify_url.clone(),
        app.config.hold_refunds,
    );
    let made = match refunding {
        Some(lifecycle::Refunding::New(r)) => {
            let url = request.notify_url.clone();
            if let (lifecycle::RefundStatus::Success, Some(url)) = (r.status, url) {
                notify_refund_end(&app, &order, &r, url);
            }
            r
        }
        Some(lifecycle::Refunding::Same(r)) => r,
        Some(lifecycle::Refunding::NotPaid) => {
            return error(
                &app,
                StatusCode::FORBIDDEN,
                "TRADE_STATE_ERROR",
                "订单状态不正确",
                None,
            )
        }
        Some(lifecycle::Refunding::AbovePaid { paid, refunded }) => {
            return error(
                &app,
                StatusCode::FORBIDDEN,
                "NOT_ENOUGH",
                &format!("可退金额不足: 已支付 {paid}, 已退 {refunded}"),
                None,
            )
        }
        Some(lifecycle::Refunding::Conflict(_)) => {
            return param_error(
                &app,
                "#/out_refund_no",
                "this refund number was used with another amount",
                "body",
            )
        }
        Some(lifecycle::Refunding::TooMany) => {
            return error(
                &app,
                StatusCode::FORBIDDEN,
                "FREQUENCY_LIMITED",
                "退款次数超过限制",
                None,
            )
        }
        None => return not_found(&app, "订单不存在"),
    };
    signed(
        &app,
        StatusCode::OK,
        &refund_answer(&order, &made, "PROCESSING"),
    )
}

/// `GET /wechat-global/v3/global/refunds/out-refund-no/{out_refund_no}?mchid=...`.
pub async fn refund_query(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    uri: Uri,
    axum::extract::Path(out_refund_no): axum::extract::Path<String>,
) -> Response {
    let query = uri.query().unwrap_or_default().as_bytes();
    let params = [("out_refund_no", out_refund_no.as_str())];
    if let Err(refused) =
        received::<QueryRefund>(&app, ("GET", &headers, &uri), b"", query, &params)
    {
        return *refused;
    }
    let found = app
        .orders
        .refund_numbered(Gateway::WECHAT_GLOBAL, &out_refund_no);
    match found {
        Some((order, refund)) => signed(
            &app,
            StatusCode::OK,
            &refund_answer(&order, &refund, status_word(refund.status)),
        ),
        None => error(
            &app,
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_EXISTS",
            "退款单不存在",
            None,
        ),
    }
}

/// `GET /wechat-global/v3/global/refunds?out_trade_no=...&mchid=...`: every refund of
/// the order.
pub async fn refund_list(State(app): State<Arc<App>>, headers: HeaderMap, uri: Uri) -> Response {
    let query = uri.query().unwrap_or_default().as_bytes();
    let request = match received::<QueryRefunds>(&app, ("GET", &headers, &uri), b"", query, &[]) {
        Ok(request) => request,
        Err(refused) => return *refused,
    };
    match global_order(&app, &request.out_trade_no) {
        Some(order) => {
            let data: Vec<Value> = order
                .refunds
                .iter()
                .map(|refund| refund_answer(&order, refund, status_word(refund.status)))
                .collect();
            signed(
                &app,
                StatusCode::OK,
                &json!({"total_count": data.len(), "data": data}),
            )
        }
        None => not_found(&app, "订单不存在"),
    }
}

/// The first line of a report, for the gateway's one-line `issue`.
fn first_line(report: &impl std::fmt::Display) -> String {
    super::first_line(report)
}

/// Sends the encrypted, signed notification of a refund's end (REFUND.SUCCESS or
/// REFUND.CLOSED, as the refund stands) to `url`.
fn notify_refund_end(app: &App, order: &Order, refund: &lifecycle::Refund, url: String) {
    let config = &app.config.wechat_global;
    let currency = order.extra.get("currency").cloned().unwrap_or_default();
    let status = status_word(refund.status);
    let mut notice = json!({
        "mchid": config.mchid, "out_trade_no": order.out_trade_no,
        "transaction_id": order.transaction_id, "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id, "refund_status": status,
        "amount": {"total": order.amount_fen, "refund": refund.amount_fen, "currency": currency,
                   "payer_refund": refund.amount_fen, "payer_currency": currency},
    });
    let (event_type, summary) = match refund.status {
        lifecycle::RefundStatus::Closed => ("REFUND.CLOSED", "退款关闭"),
        _ => {
            notice["success_time"] = clock::rfc3339(refund.at).into();
            ("REFUND.SUCCESS", "退款成功")
        }
    };
    let event_id = format!("EV-{}-{status}", refund.refund_id);
    let outgoing = event(
        app,
        Event {
            id: event_id,
            created: refund.at,
            event_type,
            summary,
            original_type: "refund",
        },
        &notice,
        url,
    );
    if let Some(outgoing) = outgoing {
        app.deliveries.send(order.id.clone(), outgoing);
    }
}

/// What a notification announces, besides its encrypted resource.
struct Event {
    id: String,
    /// When what it announces happened (Unix seconds): the same in every copy.
    created: i64,
    event_type: &'static str,
    summary: &'static str,
    original_type: &'static str,
}

/// A v3 notification: `resource` encrypted with the APIv3 key (associated data and
/// original type both `event.original_type`), the envelope signed in its headers.
fn event(app: &App, event: Event, resource: &Value, url: String) -> Option<Outgoing> {
    let resource_nonce: String = nonce(app).chars().take(12).collect();
    let encrypted = wechat_v3::encrypt_resource(
        &Secret::new(app.config.wechat_global.apiv3_key.as_str()),
        &resource_nonce,
        event.original_type,
        event.original_type,
        &resource.to_string(),
    )
    .ok()?;
    let body = json!({
        "id": event.id, "create_time": clock::rfc3339(event.created),
        "resource_type": "encrypt-resource", "event_type": event.event_type, "summary": event.summary,
        "resource": {"algorithm": encrypted.algorithm, "ciphertext": encrypted.ciphertext,
                     "associated_data": encrypted.associated_data, "original_type": encrypted.original_type,
                     "nonce": encrypted.nonce},
    })
    .to_string();
    // Each delivery attempt is signed when it is made, with the platform key in use then.
    let (platform, orders) = (app.platform.clone(), app.orders.clone());
    let headers = Headers::PerAttempt(Arc::new(move |body: &[u8]| {
        sign_with(&platform, &orders, unix_now(), body)
    }));
    Some(Outgoing {
        url,
        content_type: "application/json; charset=utf-8",
        headers,
        body: body.into_bytes(),
        ack: Ack::Http2xx,
    })
}

/// The encrypted, signed payment notification for a paid order.
pub fn notification(app: &App, order: &Order) -> Option<Outgoing> {
    // The transaction as the query answers it, with what the notification adds.
    let mut transaction = transaction(app, order);
    // The payment as it was made, however the order stands now (refunded since, when the
    // notification is sent again).
    transaction["trade_state"] = "SUCCESS".into();
    transaction["trade_state_desc"] = "支付成功".into();
    transaction["bank_type"] = "OTHERS".into();
    event(
        app,
        Event {
            id: format!("EV-{}", order.transaction_id),
            created: order.paid_at.unwrap_or_else(unix_now),
            event_type: "TRANSACTION.SUCCESS",
            summary: "支付成功",
            original_type: "transaction",
        },
        &transaction,
        order.notify_url.clone()?,
    )
}

/// WeChat Pay Global credentials and keys.
#[derive(Clone, serde::Deserialize)]
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
            merchant_public_key_pem: include_str!("../../keys/merchant_public_key.pem").into(),
            platform_private_key_pem: include_str!("../../keys/platform_private_key.pem").into(),
            platform_certificate_pem: include_str!("../../keys/platform_certificate.pem").into(),
            apiv3_key: "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb".into(),
            next_platform_private_key_pem: include_str!("../../keys/platform_next_private_key.pem")
                .into(),
            next_platform_certificate_pem: include_str!("../../keys/platform_next_certificate.pem")
                .into(),
        }
    }
}

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

impl crate::SandboxConfig {
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
