//! Ready-made paywire declarations for five gateways, one folder each, mirroring every
//! row of the providers' parameter tables, and the [`registry`] that lists them.
//!
//! | module | gateway | wire | signature |
//! |---|---|---|---|
//! | [`feat`] | featapi order pay (WeChat via `pay_method = 200`) | JSON | none (OAuth2 bearer, scope `pay_trade_order`) |
//! | [`weidoufu`] | weidoufu mini-program pay | JSON | sorted MD5, `&secret_key=`, upper |
//! | [`swiftpass`] | SwiftPass `pay.weixin.wap` | XML | sorted MD5, `&key=`, upper |
//! | [`wechat_global`] | WeChat Pay Global v3 JSAPI | JSON | RSA `Authorization` header (body unsigned) |
//! | [`xorpay`] | XorPay JSAPI | form | MD5 of `name+pay_type+price+order_id+notify_url+secret`, lower |
//!
//! Each folder fills one [`registry::Gateway`] (its endpoints, the messages it verifies,
//! its notification receiver, its sample order); [`GATEWAYS`] lists them, and the command
//! line, `paywire-axum`, the demo and the soak read that list instead of naming gateways.

#![forbid(unsafe_code)]
#![cfg_attr(paywire_docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod feat;
pub mod registry;
pub mod swiftpass;
pub mod wechat;
pub mod wechat_global;
pub mod weidoufu;
pub mod xorpay;

/// Every shipped gateway, in the order tools list them, then WeChat Pay v2, whose refund
/// notification is verified here though it takes no order of its own.
pub static GATEWAYS: registry::Registry = registry::Registry(&[
    &feat::DESCRIPTOR,
    &weidoufu::DESCRIPTOR,
    &swiftpass::DESCRIPTOR,
    &wechat_global::DESCRIPTOR,
    &xorpay::DESCRIPTOR,
    &wechat::v2::DESCRIPTOR,
]);

/// A gateway request as each `request` function builds it, for whatever HTTP client sends
/// it.
type HttpRequest = http::Request<Vec<u8>>;
