//! WeChat Pay v2: the payment parameters that gateways hand back for the client to call
//! WeChat with (featapi, weidoufu and XorPay do): the JSAPI `WeixinJSBridge` parameters signed with
//! `paySign`, and the APP parameters signed with `sign`, both sorted MD5 with `&key=KEY`,
//! upper-case, which paywire can produce and verify; the refund and refund query with
//! their answers; and the refund notification, whose `req_info` is encrypted with the API
//! key.

use paywire::verify::signatures_match;
use paywire::PayRequest;
use paywire::PayResponse;
use paywire::Secret;
use paywire::TextOrNumber;
use paywire::VerifyError;

mod lifecycle;
mod refund;
mod registry;

pub use lifecycle::*;

pub use refund::{
    decrypt_req_info, encrypt_req_info, open_refund_notification, RefundInfo, RefundNotification,
    ReqInfoCipher, REFUND_NOTIFY_ACK,
};
pub use registry::DESCRIPTOR;

/// `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)` parameters (JSAPI, `signType` MD5).
/// The signature covers exactly `appId, nonceStr, package, signType, timeStamp`.
///
/// ```
/// use paywire_providers::wechat::v2::BridgeParams;
/// use paywire::{PayRequest, Secret};
/// let params = BridgeParams::md5("wx4444aa5566666777", "1653377557", "70041f30d95a41cdb42d07e8e5056a09",
///     "prepay_id=wx2415323785101221eb9b6f10663d3b0000");
/// assert_eq!(
///     params.sign_string_redacted(),
///     "appId=wx4444aa5566666777&nonceStr=70041f30d95a41cdb42d07e8e5056a09\
///      &package=prepay_id=wx2415323785101221eb9b6f10663d3b0000&signType=MD5&timeStamp=1653377557&key=***"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(
    format = "json",
    sign = "md5-sorted",
    sign_key = "key",
    sign_field = "paySign"
)]
pub struct BridgeParams {
    /// 公众号 appid
    #[pay(rename = "appId", len = 1..=32)]
    pub app_id: String,
    /// 时间戳,自1970年以来的秒数 (some gateways send it as a JSON number)
    #[pay(rename = "timeStamp", len = 1..=32)]
    pub time_stamp: TextOrNumber,
    /// 随机串
    #[pay(rename = "nonceStr", len = 1..=32)]
    pub nonce_str: String,
    /// `prepay_id=...`
    #[pay(len = 1..=128)]
    pub package: String,
    /// 微信签名方式: MD5
    #[pay(rename = "signType", one_of("MD5"))]
    pub sign_type: String,
}

impl BridgeParams {
    /// Parameters with `signType` MD5.
    pub fn md5(app_id: &str, time_stamp: &str, nonce_str: &str, package: &str) -> Self {
        BridgeParams {
            app_id: app_id.into(),
            time_stamp: TextOrNumber(time_stamp.into()),
            nonce_str: nonce_str.into(),
            package: package.into(),
            sign_type: "MD5".into(),
        }
    }

    /// Checks a `paySign` a gateway handed over, in constant time.
    pub fn verify_pay_sign(&self, pay_sign: &str, key: &Secret) -> Result<(), VerifyError> {
        if pay_sign.is_empty() {
            return Err(VerifyError::SignatureMissing {
                field: "paySign".into(),
            });
        }
        if signatures_match(&self.signature(key), pay_sign) {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }
}

/// APP pay parameters (`wx.requestPayment` / the WeChat SDK's `PayReq`), signed with `sign`
/// over `appid, noncestr, package, partnerid, prepayid, timestamp`.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "json", sign = "md5-sorted", sign_key = "key")]
pub struct AppParams {
    /// 应用 appid
    pub appid: String,
    /// 商户号
    pub partnerid: String,
    /// 预支付交易会话ID
    pub prepayid: String,
    /// 扩展字段, `Sign=WXPay`
    pub package: String,
    /// 随机字符串
    pub noncestr: String,
    /// 时间戳 (seconds)
    pub timestamp: TextOrNumber,
}

impl AppParams {
    /// Checks a `sign` a gateway handed over, in constant time.
    pub fn verify_sign(&self, sign: &str, key: &Secret) -> Result<(), VerifyError> {
        if sign.is_empty() {
            return Err(VerifyError::SignatureMissing {
                field: "sign".into(),
            });
        }
        if signatures_match(&self.signature(key), sign) {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }
}

/// JSAPI parameters as a gateway returns them, `paySign` included (featapi's JSAPI
/// response, XorPay's `info`). [`SignedBridgeParams::verify`] checks the `paySign`.
///
/// Serialised with serde, it is exactly the object `WeixinJSBridge.invoke(
/// 'getBrandWCPayRequest', …)` takes (`appId, timeStamp, nonceStr, package, signType,
/// paySign`), so a page can pass the JSON on unchanged; for `uni.requestPayment` use
/// [`SignedBridgeParams::uni_request_payment`].
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct SignedBridgeParams {
    /// 公众号 appid
    #[pay(rename = "appId")]
    pub app_id: String,
    /// 时间戳
    #[pay(rename = "timeStamp")]
    pub time_stamp: TextOrNumber,
    /// 随机串
    #[pay(rename = "nonceStr")]
    pub nonce_str: String,
    /// `prepay_id=...`
    pub package: String,
    /// 签名方式
    #[pay(rename = "signType")]
    pub sign_type: String,
    /// 签名
    #[pay(rename = "paySign")]
    pub pay_sign: String,
}

impl SignedBridgeParams {
    /// The parameters without the signature.
    pub fn params(&self) -> BridgeParams {
        BridgeParams {
            app_id: self.app_id.clone(),
            time_stamp: self.time_stamp.clone(),
            nonce_str: self.nonce_str.clone(),
            package: self.package.clone(),
            sign_type: self.sign_type.clone(),
        }
    }

    /// The object a uni-app page passes to `uni.requestPayment` for WeChat Pay (the
    /// parameters under uni-app's names, without `appId`, which the mini-program implies).
    pub fn uni_request_payment(&self) -> UniRequestPayment {
        UniRequestPayment {
            provider: "wxpay",
            order_info: "wx",
            time_stamp: self.time_stamp.as_str().to_owned(),
            nonce_str: self.nonce_str.clone(),
            package: self.package.clone(),
            sign_type: self.sign_type.clone(),
            pay_sign: self.pay_sign.clone(),
        }
    }

    /// Checks `paySign` with the WeChat merchant key (MD5 `signType` only; for `RSA`, the
    /// v3 scheme, see [`crate::wechat::v3`]).
    pub fn verify(&self, key: &Secret) -> Result<(), VerifyError> {
        if self.sign_type != "MD5" {
            return Err(VerifyError::SignTypeMismatch {
                expected: "MD5",
                received: self.sign_type.clone(),
            });
        }
        self.params().verify_pay_sign(&self.pay_sign, key)
    }
}

/// The argument of `uni.requestPayment({...})` for WeChat Pay, as the uni-app demo of
/// weidoufu's document writes it: serialised with serde, it is
/// `{"provider":"wxpay","orderInfo":"wx","timeStamp":…,"nonceStr":…,"package":…,
/// "signType":…,"paySign":…}`; add the callbacks on the page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UniRequestPayment {
    /// `wxpay`.
    pub provider: &'static str,
    /// `wx`, as the demo passes it (read by uni-app's App platform only).
    pub order_info: &'static str,
    /// 时间戳, as a string (WeChat takes it as one, whichever the gateway sent).
    pub time_stamp: String,
    /// 随机串.
    pub nonce_str: String,
    /// `prepay_id=...`.
    pub package: String,
    /// 签名方式.
    pub sign_type: String,
    /// 签名.
    pub pay_sign: String,
}
