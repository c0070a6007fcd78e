//! XorPay's HTTP request (sans-IO) and the document's example order.

use crate::xorpay;
use crate::HttpRequest;
use paywire::http_request::{join, path_segment, post};
use paywire::{Error, Fen, PayRequest, Secret, Yuan};

/// XorPay: the signed form body, to `/api/pay/{aid}`.
pub fn request(
    base_url: &str,
    order: &xorpay::JsapiPay,
    app_secret: &Secret,
) -> Result<HttpRequest, Error> {
    let url = join(
        base_url,
        &xorpay::PATH.replace("{aid}", &path_segment(&order.aid)),
    );
    post(&url, order.to_body(app_secret)?, &[])
}

/// XorPay: a JSAPI order priced 50.00 with the document's example values.
pub fn sample() -> xorpay::JsapiPay {
    xorpay::JsapiPay {
        aid: "8e1d2b".into(),
        name: "XorPay 账户充值".into(),
        pay_type: "jsapi".into(),
        price: Yuan(Fen::new(5000)),
        order_id: "14".into(),
        order_uid: None,
        notify_url: "http://example.com:3094/pay_callback".into(),
        return_url: None,
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        more: None,
        expire: Some(7200),
    }
}
