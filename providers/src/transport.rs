//! Sans-IO requests for the five endpoints: each builds an `http::Request<Vec<u8>>` with
//! the right method, URL (path parameters filled in), `Content-Type`, `Authorization`
//! where the gateway needs one, and the signed body. Base URLs are parameters (each
//! module's `BASE_URL` is production); point them at the sandbox in tests.

use crate::{feat, swiftpass, wechat_global, weidoufu, xorpay};
use http::header::AUTHORIZATION;
use paywire::transport::{join, path_segment, post};
use paywire::wechat_v3::MerchantSigner;
use paywire::{Error, PayRequest, Secret};

type HttpRequest = http::Request<Vec<u8>>;

/// featapi: the order with `Authorization: Bearer TOKEN` (a token with scope `pay_trade_order`).
pub fn feat(
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

/// weidoufu: the signed JSON body.
pub fn weidoufu(
    base_url: &str,
    order: &weidoufu::MiniappPay,
    secret_key: &Secret,
) -> Result<HttpRequest, Error> {
    post(
        &join(base_url, weidoufu::PATH),
        order.to_body(secret_key)?,
        &[],
    )
}

/// SwiftPass: the signed XML body, posted to `gateway_url` exactly as the provider
/// assigned it (for a base URL with the usual path, [`swiftpass::gateway_url`]); `key` is
/// the MD5 key for [`swiftpass::WapPay`], the merchant's RSA key for
/// [`swiftpass::WapPayRsa`].
pub fn swiftpass<O: swiftpass::WapOrder>(
    gateway_url: &str,
    order: &O,
    key: &O::Key,
) -> Result<HttpRequest, Error> {
    post(gateway_url, order.to_body(key)?, &[])
}

/// XorPay: the signed form body, to `/api/pay/{aid}`.
pub fn xorpay(
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

/// WeChat Pay Global: the JSON body with its `WECHATPAY2-SHA256-RSA2048` `Authorization`,
/// signed over the path actually requested.
pub fn wechat_global(
    base_url: &str,
    order: &wechat_global::JsapiOrder,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let url = join(base_url, wechat_global::PATH);
    let body = order.to_unsigned_body()?;
    // Signed over the path the gateway sees, whatever prefix the base URL carries (the
    // sandbox's `/wechat-global`, a proxy's): WeChat Pay verifies `/v3/...` itself.
    let authorization = signer.authorization(
        "POST",
        wechat_global::PATH,
        timestamp,
        nonce,
        body.as_bytes(),
    );
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
/// [`paywire::wechat_v3::read_certificates`].
pub fn wechat_global_certificates(
    base_url: &str,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let path = paywire::wechat_v3::GLOBAL_CERTIFICATES_PATH;
    let url = join(base_url, path);
    let authorization =
        paywire::wechat_v3::certificates_authorization(signer, path, timestamp, nonce);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples;

    /// SwiftPass-style providers assign the whole gateway URL; it is posted to as given.
    #[test]
    fn swiftpass_posts_to_the_gateway_url_the_provider_assigned() {
        let order = samples::swiftpass_wap();
        let key = Secret::new("61307e5f2aebcacecbcca6fe5296df9c");
        for url in [
            "https://pay.example-provider.cn/gateway.do",
            "https://pay.swiftpass.cn/pay/gateway",
            "http://127.0.0.1:8080/swiftpass/pay/gateway",
        ] {
            let request = swiftpass(url, &order, &key).unwrap();
            assert_eq!(request.uri().to_string(), url);
        }
        assert_eq!(
            swiftpass::gateway_url("http://127.0.0.1:8080/swiftpass/"),
            "http://127.0.0.1:8080/swiftpass/pay/gateway"
        );
    }
}
