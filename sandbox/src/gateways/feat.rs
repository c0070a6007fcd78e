//! featapi order pay behind an OAuth2 bearer token (scope `pay_trade_order`), with the
//! token endpoint and RFC 6749 errors. featapi documents no payment notification, so
//! paying a featapi order sends none.

use super::{json, nonce};
use crate::state::{unix_now, Gateway, Order, Placed};
use crate::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use http::StatusCode;
use paywire::{PayRequest, Secret, TextOrNumber};
use paywire_providers::feat::{end_type, OrderPay, SCOPE};
use paywire_providers::registry::Credentials;
use paywire_providers::wechat::v2::{AppParams, BridgeParams};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

/// featapi in the sandbox: its token and pay endpoints; it sends no notification.
pub const SIMULATOR: super::Simulator = super::Simulator {
    gateway: Gateway::FEAT,
    call_path: "",
    routes: |router| {
        router
            .route("/feat/oauth/token", axum::routing::post(token))
            .route("/feat/api/pay/order/pay/", axum::routing::post(pay))
    },
    notification: |_, _| None,
    refund_end: None,
    credentials: |config| Credentials {
        token: Some(Secret::new(config.feat.access_token.as_str())),
        wechat_key: Some(Secret::new(config.feat.wechat_key.as_str())),
        ..Credentials::default()
    },
    banner: |app, d| {
        let c = &app.config.feat;
        format!(
            "client_id={} client_secret={} token={} (POST {}/feat/oauth/token)",
            c.client_id,
            super::shown(&c.client_secret, &d.feat.client_secret),
            super::shown(&c.access_token, &d.feat.access_token),
            app.base_url
        )
    },
};

fn oauth_error(status: StatusCode, error: &str, description: Option<&str>) -> Response {
    let body = match description {
        Some(d) => json!({ "error": error, "error_description": d }),
        None => json!({ "error": error }),
    };
    json(status, &body)
}

/// `POST /feat/oauth/token` (form): `client_credentials`, or `password` with `device_id`.
pub async fn token(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let config = &app.config.feat;
    let form: BTreeMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != config.client_id || get("client_secret") != config.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            Some("unknown client or wrong secret"),
        );
    }
    match get("grant_type") {
        "client_credentials" => {}
        "password" if get("device_id").is_empty() => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("device_id is required"),
            )
        }
        "password" => {}
        "" => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("grant_type is required"),
            )
        }
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", None),
    }
    let scope = get("scope");
    if !scope.is_empty() && scope != SCOPE {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", None);
    }
    json(
        StatusCode::OK,
        &json!({"access_token": config.access_token, "token_type": "Bearer", "expires_in": 7200, "scope": SCOPE}),
    )
}

/// `POST /feat/api/pay/order/pay/`.
pub async fn pay(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let config = &app.config.feat;
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match bearer.strip_prefix("Bearer ") {
        None => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                Some("a bearer token is required"),
            )
        }
        Some(token) if token != config.access_token => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                Some("the token is unknown or expired"),
            )
        }
        Some(_) => {}
    }
    let request = match OrderPay::from_body(&body) {
        Ok(r) => r.request,
        Err(e) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some(&super::first_line(&e)),
            )
        }
    };
    if let Err(errors) = request.validate() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some(&super::first_line(&errors)),
        );
    }
    let wx_app_type = request
        .extra_params
        .as_ref()
        .map_or("official_account", |e| e.wx_app_type())
        .to_owned();
    let id = app.orders.fresh_id("FT");
    let transaction_id = app.orders.fresh_id("42000");
    let prepay_id = format!("wx{transaction_id}");
    let native = (wx_app_type.as_str(), request.end_type) == ("official_account", end_type::NATIVE);
    let order = Order {
        id: id.clone(),
        gateway: Gateway::FEAT,
        out_trade_no: id.clone(),
        amount_fen: 0,
        notify_url: None,
        code_url: native.then(|| format!("weixin://wxpay/bizpayurl?pr={id}")),
        transaction_id,
        paid: false,
        paid_at: None,
        closed: false,
        failed: false,
        refunds: Vec::new(),
        deliveries: Vec::new(),
        deliveries_not_kept: 0,
        acknowledged: false,
        extra: BTreeMap::new(),
        fingerprint: id.clone(),
    };
    let order = match app.orders.place(order) {
        Placed::New(order) => order,
        Placed::Full => {
            return oauth_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                Some(crate::state::FULL),
            )
        }
        Placed::Same(_) | Placed::Conflict => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                Some("duplicate order"),
            )
        }
    };
    let wechat_key = Secret::new(config.wechat_key.as_str());
    // One reading of the clock: the signed timestamp and the sent one must be the same.
    let now = unix_now();
    match (wx_app_type.as_str(), request.end_type) {
        ("official_account", end_type::NATIVE) => json(
            StatusCode::OK,
            &json!({"data": {"trade_type": "NATIVE", "code_url": order.code_url, "prepay_id": prepay_id}}),
        ),
        ("feat_ios_app", end_type::APP) => {
            let params = AppParams {
                appid: "wxjifrogd7x8g09t5s".into(),
                partnerid: "1486158932".into(),
                prepayid: prepay_id,
                package: "Sign=WXPay".into(),
                noncestr: nonce(&app),
                timestamp: TextOrNumber(now.to_string()),
            };
            let sign = params.signature(&wechat_key);
            json(
                StatusCode::OK,
                &json!({"data": {"package": params.package, "timestamp": now, "prepayid": params.prepayid,
                                 "appid": params.appid, "partnerid": params.partnerid, "noncestr": params.noncestr,
                                 "sign": sign}}),
            )
        }
        ("official_account", end_type::JSAPI) => {
            let params = BridgeParams::md5(
                "wx4444aa5566666777",
                &now.to_string(),
                &nonce(&app),
                &format!("prepay_id={prepay_id}"),
            );
            let pay_sign = params.signature(&wechat_key);
            json(
                StatusCode::OK,
                &json!({"appId": params.app_id, "timeStamp": now, "nonceStr": params.nonce_str,
                        "package": params.package, "signType": "MD5", "paySign": pay_sign}),
            )
        }
        (app_type, end) => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some(&format!(
                "wx_app_type {app_type} does not support end_type {end}"
            )),
        ),
    }
}

/// featapi credentials.
#[derive(Clone, serde::Deserialize)]
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

redacted_debug!(FeatConfig {
    shown: [client_id],
    hidden: [client_secret, access_token, wechat_key]
});
