//! XorPay JSAPI pay (`POST https://xorpay.com/api/pay/{aid}`), form-encoded, signed with
//! MD5 over `name + pay_type + price + order_id + notify_url + app_secret`, lower-case.

mod lifecycle;
mod registry;
mod request;
mod response;
mod steps;

pub use lifecycle::*;
pub use registry::*;
pub use request::{request, sample};
pub use response::*;

use paywire::{PayRequest, Yuan};

/// Production base URL.
pub const BASE_URL: &str = "https://xorpay.com";
/// The endpoint's path template below the base URL; `{aid}` is the merchant's app id.
pub const PATH: &str = "/api/pay/{aid}";

/// JSAPI 网页支付: the request.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "form", sign = "md5-concat", sign_case = "lower")]
pub struct JsapiPay {
    /// 用户 appid (aid), the URL path parameter: 请在 XorPay 后台查看后替换
    #[pay(path, len = 1..)]
    pub aid: String,
    /// 商品名称
    #[pay(sign = 1)]
    pub name: String,
    /// 支付类型: jsapi
    ///
    /// `native` and `alipay` belong to XorPay's other pages and answer with other `info`
    /// shapes, which this endpoint's answer cannot carry: refused.
    #[pay(sign = 2, one_of("jsapi"))]
    pub pay_type: String,
    /// 价格如: 50.00
    #[pay(sign = 3, range = 1..)]
    pub price: Yuan,
    /// 你平台订单号,需要唯一
    #[pay(sign = 4, len = 1..=64, trade_no)]
    pub order_id: String,
    /// 订单用户,如邮箱
    pub order_uid: Option<String>,
    /// 回调地址
    #[pay(sign = 5, url)]
    pub notify_url: String,
    /// 支付成功后前台跳转地址(需联系客服开通点金计划)
    #[pay(url)]
    pub return_url: Option<String>,
    /// 支付用户的openid (jsapi 必传)
    #[pay(required_if(pay_type = "jsapi"))]
    pub openid: Option<String>,
    /// 订单其他信息,回调时原样传回
    pub more: Option<String>,
    /// 订单过期秒数,默认 7200
    #[pay(range = 1..)]
    pub expire: Option<u32>,
}
