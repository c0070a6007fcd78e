//! Ready-made paywire declarations for five gateways, one module each, mirroring every
//! row of the providers' parameter tables.
//!
//! | module | gateway | wire | signature |
//! |---|---|---|---|
//! | [`feat`] | featapi order pay (WeChat via `pay_method = 200`) | JSON | none (OAuth2 bearer, scope `pay_trade_order`) |
//! | [`weidoufu`] | weidoufu mini-program pay | JSON | sorted MD5, `&secret_key=`, upper |
//! | [`swiftpass`] | SwiftPass `pay.weixin.wap` | XML | sorted MD5, `&key=`, upper |
//! | [`wechat_global`] | WeChat Pay Global v3 JSAPI | JSON | RSA `Authorization` header (body unsigned) |
//! | [`xorpay`] | XorPay JSAPI | form | MD5 of `name+pay_type+price+order_id+notify_url+secret`, lower |

#![warn(missing_docs)]

pub mod feat;
pub mod swiftpass;
pub mod wechat_global;
pub mod weidoufu;
pub mod xorpay;

/// A gateway request as each `request` function builds it, for whatever HTTP client sends
/// it.
type HttpRequest = http::Request<Vec<u8>>;
