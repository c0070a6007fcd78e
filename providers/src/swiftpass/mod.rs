//! SwiftPass-style WeChat WAP pay (`service = pay.weixin.wap`), posted as `text/xml` to
//! the gateway URL the provider assigns. Two sign types, one field table:
//! [`WapPay`], sorted MD5 with `&key=KEY`, upper-case hex (`sign_type` MD5, the default);
//! [`WapPayRsa`], SHA256withRSA over the same sorted string without a key, base64
//! (`sign_type` RSA_1_256), signed with the merchant's private key.

mod answer;
mod lifecycle;
mod registry;
mod request;
mod response;
mod steps;

pub use lifecycle::*;
pub use registry::*;
pub use request::{request, sample, sample_rsa};
pub use response::*;

use paywire::{Fen, PayRequest};

/// A common production base URL; SwiftPass-style providers assign their own, so pass yours.
pub const BASE_URL: &str = "https://pay.swiftpass.cn";
/// The gateway path most SwiftPass-style providers use below their base URL (the
/// document gives none: the provider assigns the whole URL).
pub const PATH: &str = "/pay/gateway";

/// `base_url` with [`PATH`] below it, for providers that use the usual path.
pub fn gateway_url(base_url: &str) -> String {
    paywire::http_request::join(base_url, PATH)
}

/// A `pay.weixin.wap` request under either sign type: what the transport accepts.
pub trait WapOrder: PayRequest + sealed::Sealed {}
impl WapOrder for WapPay {}
impl WapOrder for WapPayRsa {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::WapPay {}
    impl Sealed for super::WapPayRsa {}
}

/// Declares the request struct once per sign type: the document's table, with the
/// sign type's own `#[pay(...)]` and `sign_type` member spliced in.
macro_rules! wap_pay {
    ($(#[$attr:meta])* $name:ident { $($sign_type:tt)* }) => {
        #[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
        $(#[$attr])*
        pub struct $name {
            /// 版本号,默认值是 1.0
            #[pay(len = 1..=8)]
            pub version: Option<String>,
            /// 字符集,可选值 UTF-8,默认为 UTF-8
            #[pay(len = 1..=8, one_of("UTF-8"))]
            pub charset: Option<String>,
            $($sign_type)*
            /// 商户订单号
            #[pay(len = 1..=45, trade_no)]
            pub out_trade_no: String,
            /// 商户号, 由服务商提供
            #[pay(len = 1..=45)]
            pub mch_id: String,
            /// 微信分配的子商户公众账号ID,如需在支付完成后获取sub_openid则此参数必传。
            #[pay(len = 1..=45)]
            pub sub_appid: String,
            /// 终端设备号
            #[pay(len = 1..=32)]
            pub device_info: Option<String>,
            /// 随机字符串
            #[pay(len = 1..=32)]
            pub nonce_str: String,
            /// 商品简单描述,该字段须严格按照规范传递
            #[pay(len = 1..=128)]
            pub body: String,
            /// 商户附加信息,可做扩展参数 (String(128) as the table says; not its text's "255 字符内")
            #[pay(len = 1..=128)]
            pub attach: Option<String>,
            /// 订单生成的机器 IP
            #[pay(len = 1..=16, ip)]
            pub mch_create_ip: String,
            /// 接收通知的 URL, 需给绝对路径,255字符内
            #[pay(len = 1..=255, url)]
            pub notify_url: String,
            /// 订单生成时间,格式为 yyyyMMddHHmmss,时区为 GMT+8 beijing
            #[pay(len = 14, compact_time)]
            pub time_start: Option<String>,
            /// 订单失效时间,格式为 yyyyMMddHHmmss,时区为 GMT+8 beijing
            #[pay(len = 14, compact_time)]
            pub time_expire: Option<String>,
            /// 商品标记,微信平台配置的商品标记,用于优惠券或者满减使用
            #[pay(len = 1..=32)]
            pub goods_tag: Option<String>,
            /// 是否限制信用卡:1 禁用信用卡;0 或者不传此参数则不禁用
            #[pay(len = 1..=32, one_of("0", "1"))]
            pub limit_credit_pay: Option<String>,
            /// 用户 openid: 商户sub_appid下的openid
            #[pay(len = 1..=128)]
            pub sub_openid: String,
            /// 总金额,单位:分 (in the document's request example)
            #[pay(range = 1..=999_999_999)]
            pub total_fee: Fen,
        }
    };
}

wap_pay! {
    /// 微信WAP支付 with `sign_type` MD5: the request body. `total_fee` is not in the
    /// document's table but is in its request example (and the gateway cannot take an
    /// order without an amount).
    #[pay(
        format = "xml",
        sign = "md5-sorted",
        sign_key = "key",
        sign_case = "upper",
        constant(service = "pay.weixin.wap")
    )]
    WapPay {
        /// 签名方式,取值:MD5 默认: MD5
        #[pay(len = 1..=8, one_of("MD5"))]
        pub sign_type: Option<String>,
    }
}

wap_pay! {
    /// 微信WAP支付 with `sign_type` RSA_1_256: the same members as [`WapPay`], `sign_type`
    /// always RSA_1_256, the sorted string (no key suffix) signed with SHA256withRSA and the
    /// merchant's private key ([`MerchantKey`](paywire::keys::MerchantKey)), base64. The
    /// document's request table lists MD5 only; RSA_1_256 is the sign type SwiftPass-style
    /// providers also offer, and the one their answers and notifications then carry,
    /// signed with the platform's key: verify those with [`VerifyKey::Rsa`].
    #[pay(
        format = "xml",
        sign = "rsa-sha256-sorted",
        constant(service = "pay.weixin.wap", sign_type = "RSA_1_256")
    )]
    WapPayRsa {}
}
