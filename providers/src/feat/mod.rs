//! featapi order pay (`POST https://www.featapi.com/api/pay/order/pay/`).
//!
//! JSON, no body signature: the call carries an OAuth2 bearer token with the scope
//! [`SCOPE`]. Errors follow RFC 6749 §5.2.

mod registry;
mod request;
mod response;
mod token;

pub use registry::*;
pub use request::{request, sample};
pub use response::*;
pub use token::*;

use paywire::{Actual, Path, PayObject, PayRequest, SchemaErrors};

/// Production base URL.
pub const BASE_URL: &str = "https://www.featapi.com";
/// The endpoint's path below the base URL.
pub const PATH: &str = "/api/pay/order/pay/";
/// The OAuth2 scope the bearer token needs.
pub const SCOPE: &str = "pay_trade_order";

/// `pay_method` values. The document lists three, but says this call (WeChat Pay) must
/// send 200, and documents answers for WeChat only: 0 and 100 are refused by validation.
pub mod pay_method {
    /// 银联 (UnionPay): listed, not accepted here.
    pub const UNION_PAY: u32 = 0;
    /// 支付宝 (Alipay): listed, not accepted here.
    pub const ALIPAY: u32 = 100;
    /// 微信 (WeChat Pay): the value this endpoint's WeChat page requires.
    pub const WECHAT: u32 = 200;
}

/// `end_type` values.
pub mod end_type {
    /// Native 二维码支付 (QR code).
    pub const NATIVE: u32 = 0;
    /// 移动端 APP 支付.
    pub const APP: u32 = 100;
    /// JSAPI 支付 (requires `extra_params.open_id`).
    pub const JSAPI: u32 = 200;
    /// H5 支付: listed, but the document describes no answer for it, so validation
    /// refuses it rather than send an order whose answer cannot be read.
    pub const H5: u32 = 300;
}

/// 关于微信支付的调用方法: the order-pay request body.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "json", sign = "none", validate_with = check_end_type)]
pub struct OrderPay {
    /// 使用微信支付方法,必须为200。0为银联,100为支付宝,200为微信,目前仅支持这些方法。
    #[pay(one_of(200))]
    pub pay_method: u32,
    /// 终端交易类型,0为Native二维码支付,100为移动端APP支付,200为JSAPI支付,300为H5支付。
    /// (300 refused: the document describes no H5 answer.)
    #[pay(one_of(0, 100, 200))]
    pub end_type: u32,
    /// 以字典的格式提交可选的额外参数。
    pub extra_params: Option<ExtraParams>,
}

/// `extra_params`: optional extra parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default, PayObject)]
pub struct ExtraParams {
    /// 提交支付的终端向服务端声明正在使用的微信app类型: official_account / feat_ios_app, 默认 official_account。
    #[pay(one_of("official_account", "feat_ios_app"))]
    pub wx_app_type: Option<String>,
    /// 微信用户标识,对应微信app id下的唯一标识;在使用 JSAPI 支付时,这是必填参数。
    pub open_id: Option<String>,
}

impl ExtraParams {
    /// The WeChat app type in effect: the one sent, or the gateway's default `official_account`.
    pub fn wx_app_type(&self) -> &str {
        self.wx_app_type.as_deref().unwrap_or("official_account")
    }
}

/// `extra_params` depends on the top-level `end_type`, so it is checked here rather than
/// with field-level rules: JSAPI needs `open_id`, and the document pairs each end type
/// with one app type (NATIVE and JSAPI with `official_account`, APP with `feat_ios_app`);
/// its answers are documented for those pairs only.
fn check_end_type(order: &OrderPay, at: &Path<'_>, errors: &mut SchemaErrors) {
    let app_type = order
        .extra_params
        .as_ref()
        .map_or("official_account", ExtraParams::wx_app_type);
    let expected = match order.end_type {
        end_type::APP => "feat_ios_app",
        _ => "official_account",
    };
    if [end_type::NATIVE, end_type::APP, end_type::JSAPI].contains(&order.end_type)
        && app_type != expected
    {
        errors.custom(
            &at.key("extra_params").key("wx_app_type"),
            "pair",
            format!(
                "end_type = {} goes with wx_app_type \"{expected}\" (the document's pairs); write \"{expected}\"",
                order.end_type
            ),
            Actual::Text(app_type.to_owned()),
        );
    }
    let has_open_id = order
        .extra_params
        .as_ref()
        .and_then(|e| e.open_id.as_deref())
        .is_some_and(|id| !id.is_empty());
    if order.end_type == end_type::JSAPI && !has_open_id {
        let extra = at.key("extra_params");
        errors.custom(
            &extra.key("open_id"),
            "required_if",
            "end_type = 200 (JSAPI) needs the payer's open_id; fill in extra_params.open_id",
            Actual::Missing,
        );
    }
}
