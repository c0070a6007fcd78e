//! WeChat Pay's protocols that several gateways share: v2's JSAPI `paySign` (what
//! featapi, weidoufu and XorPay hand a front end) and v3's signed HTTP messages,
//! platform keys and AES-256-GCM resources (WeChat Pay Global).

pub mod v2;
pub mod v3;
