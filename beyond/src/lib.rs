//! Gateways paywire does not ship, declared in a crate of their own with nothing
//! but paywire's public API, as a merchant would declare the next gateway:
//!
//! - [`alipay`]: Alipay's open platform, `RSA2` (sorted `k=v`, SHA256withRSA, base64),
//!   a request and the asynchronous notification;
//! - [`unionpay`]: UnionPay's QR-code front, the SwiftPass protocol (sorted MD5);
//! - [`unionpay_acp`]: UnionPay's full-channel notification (SHA-256, then RSA, over every
//!   member, empty ones included: `sign_empty = "keep"`), through `custom(...)`;
//! - [`douyin`]: Douyin's guaranteed payment (values only, the salt sorted in, MD5),
//!   through `sign = custom(...)`.
//!
//! The tests check each against vectors from the gateways' public SDKs.

#![forbid(unsafe_code)]

pub mod alipay;
pub mod douyin;
pub mod unionpay;
pub mod unionpay_acp;
