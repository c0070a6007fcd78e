//! featapi's HTTP request (sans-IO) and the document's example order.

use crate::feat;
use crate::HttpRequest;
use http::header::AUTHORIZATION;
use paywire::http_request::{join, post};
use paywire::{Error, PayRequest, Secret};

/// featapi: the order with `Authorization: Bearer TOKEN` (a token with scope `pay_trade_order`).
pub fn request(
    base_url: &str,
    order: &feat::OrderPay,
    access_token: &Secret,
) -> Result<HttpRequest, Error> {
    let body = order.to_unsigned_body()?;
    let bearer = format!("Bearer {}", access_token.expose());
    post(
        &join(base_url, feat::PATH),
        body,
        &[(AUTHORIZATION, bearer)],
    )
}

/// featapi: a NATIVE (QR code) WeChat order for the official account.
pub fn sample() -> feat::OrderPay {
    feat::OrderPay {
        pay_method: feat::pay_method::WECHAT,
        end_type: feat::end_type::NATIVE,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some("official_account".into()),
            open_id: None,
        }),
    }
}
