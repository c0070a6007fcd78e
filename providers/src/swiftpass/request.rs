//! SwiftPass's HTTP request (sans-IO) and the document's example order.

use crate::swiftpass;
use crate::HttpRequest;
use paywire::http_request::post;
use paywire::{Error, Fen};

/// SwiftPass: the signed XML body, posted to `gateway_url` exactly as the provider
/// assigned it (for a base URL with the usual path, [`swiftpass::gateway_url`]); `key` is
/// the MD5 key for [`swiftpass::WapPay`], the merchant's RSA key for
/// [`swiftpass::WapPayRsa`].
pub fn request<O: swiftpass::WapOrder>(
    gateway_url: &str,
    order: &O,
    key: &O::Key,
) -> Result<HttpRequest, Error> {
    post(gateway_url, order.to_body(key)?, &[])
}

/// SwiftPass: the request example of SwiftPass's document.
pub fn sample() -> swiftpass::WapPay {
    swiftpass::WapPay {
        version: None,
        charset: Some("UTF-8".into()),
        sign_type: Some("MD5".into()),
        out_trade_no: "1415659990".into(),
        mch_id: "10000100".into(),
        sub_appid: "wx2421b1c4370ec43b".into(),
        device_info: None,
        nonce_str: "1add1a30ac87aa2db72f57a2375d8fec".into(),
        body: "H5支付测试".into(),
        attach: Some("支付测试".into()),
        mch_create_ip: "14.23.150.211".into(),
        notify_url: "http://wxpay.wxutil.com/pub_v2/pay/notify.v2.php".into(),
        time_start: None,
        time_expire: None,
        goods_tag: None,
        limit_credit_pay: None,
        sub_openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        total_fee: Fen::new(1),
    }
}

/// SwiftPass with `sign_type` RSA_1_256: the same request example of SwiftPass's document.
pub fn sample_rsa() -> swiftpass::WapPayRsa {
    let md5 = sample();
    swiftpass::WapPayRsa {
        version: md5.version,
        charset: md5.charset,
        out_trade_no: md5.out_trade_no,
        mch_id: md5.mch_id,
        sub_appid: md5.sub_appid,
        device_info: md5.device_info,
        nonce_str: md5.nonce_str,
        body: md5.body,
        attach: md5.attach,
        mch_create_ip: md5.mch_create_ip,
        notify_url: md5.notify_url,
        time_start: md5.time_start,
        time_expire: md5.time_expire,
        goods_tag: md5.goods_tag,
        limit_credit_pay: md5.limit_credit_pay,
        sub_openid: md5.sub_openid,
        total_fee: md5.total_fee,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paywire::Secret;

    /// SwiftPass-style providers assign the whole gateway URL; it is posted to as given.
    #[test]
    fn swiftpass_posts_to_the_gateway_url_the_provider_assigned() {
        let order = sample();
        let key = Secret::new("61307e5f2aebcacecbcca6fe5296df9c");
        for url in [
            "https://pay.example-provider.cn/gateway.do",
            "https://pay.swiftpass.cn/pay/gateway",
            "http://127.0.0.1:8080/swiftpass/pay/gateway",
        ] {
            let request = request(url, &order, &key).unwrap();
            assert_eq!(request.uri().to_string(), url);
        }
        assert_eq!(
            swiftpass::gateway_url("http://127.0.0.1:8080/swiftpass/"),
            "http://127.0.0.1:8080/swiftpass/pay/gateway"
        );
    }
}
