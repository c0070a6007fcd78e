//! WeChat Pay Global's HTTP requests (sans-IO): the JSAPI order with its v3
//! `Authorization`, the platform certificate download, and the header naming a platform
//! key; and the document's two example orders.

use crate::wechat::v3::MerchantSigner;
use crate::wechat_global as wg;
use crate::HttpRequest;
use http::header::AUTHORIZATION;
use paywire::http_request::{join, post};
use paywire::{Error, PayRequest};

/// WeChat Pay Global: the JSON body with its `WECHATPAY2-SHA256-RSA2048` `Authorization`,
/// signed over the path actually requested.
pub fn request(
    base_url: &str,
    order: &wg::JsapiOrder,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let url = join(base_url, wg::PATH);
    let body = order.to_unsigned_body()?;
    // Signed over the path the gateway sees, whatever prefix the base URL carries (the
    // sandbox's `/wechat-global`, a proxy's): WeChat Pay verifies `/v3/...` itself.
    let authorization = signer.authorization("POST", wg::PATH, timestamp, nonce, body.as_bytes());
    post(
        &url,
        body,
        &[
            (AUTHORIZATION, authorization),
            (http::header::ACCEPT, "application/json".to_owned()),
        ],
    )
}

/// WeChat Pay Global: the platform certificate download, `GET /v3/global/certificates`
/// signed over the path the gateway sees (an empty body). Read the answer with
/// [`crate::wechat::v3::read_certificates`].
pub fn certificates_request(
    base_url: &str,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let path = crate::wechat::v3::GLOBAL_CERTIFICATES_PATH;
    let url = join(base_url, path);
    let authorization =
        crate::wechat::v3::certificates_authorization(signer, path, timestamp, nonce);
    let mut value =
        http::HeaderValue::from_str(&authorization).map_err(|_| Error::Unencodable {
            path: "Authorization".into(),
            format: "header",
            reason: "a header value must be visible ASCII",
        })?;
    value.set_sensitive(true);
    http::Request::get(&url)
        .header(AUTHORIZATION, value)
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| Error::Unencodable {
            path: "url".into(),
            format: "url",
            reason: "not a valid absolute URL; check the base URL",
        })
}

/// Names the platform key a v3 request was prepared for (`Wechatpay-Serial`): WeChat Pay
/// reads it when a request carries fields encrypted with a platform key, and in
/// public-key mode (`PUB_KEY_ID_...`). The header is not part of the signed message.
pub fn name_platform_key(request: &mut HttpRequest, serial: &str) -> Result<(), Error> {
    let value = http::HeaderValue::from_str(serial).map_err(|_| Error::Unencodable {
        path: "Wechatpay-Serial".into(),
        format: "header",
        reason: "a header value must be visible ASCII",
    })?;
    request.headers_mut().insert("Wechatpay-Serial", value);
    Ok(())
}

/// WeChat Pay Global: a direct-mode JSAPI order (the direct example of WeChat Pay Global's document, with a payer).
pub fn sample_direct() -> wg::JsapiOrder {
    let mut order = wg::JsapiOrder::new(
        wg::Merchant::Direct {
            mchid: "10000100".into(),
            appid: "wx2421b1c4370ec43b".into(),
        },
        "image形象店-深圳腾大- QQ公仔",
        "YX202111100020Z",
        "https://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
        "4111",
        wg::Amount {
            total: 10,
            currency: "HKD".into(),
        },
    );
    order.payer = Some(wg::Payer {
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        ..wg::Payer::default()
    });
    order
}

/// WeChat Pay Global: an institution-mode JSAPI order (the merchant of the first example
/// in WeChat Pay Global's document, with the payer JSAPI needs).
pub fn sample_institution() -> wg::JsapiOrder {
    let mut order = wg::JsapiOrder::new(
        wg::Merchant::Institution {
            sp_mchid: "10000100".into(),
            sp_appid: "wxdace645e0bc2c424".into(),
            sub_mchid: "20000100".into(),
            sub_appid: None,
        },
        "QR code test",
        "YX201710140020Z",
        "https://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
        "4111",
        wg::Amount {
            total: 10,
            currency: "HKD".into(),
        },
    );
    order.payer = Some(wg::Payer {
        sp_openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        ..wg::Payer::default()
    });
    order
}
