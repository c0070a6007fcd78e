//! # paywire
//!
//! Declare a payment gateway's parameter table once, as an annotated struct, and get
//! validation, the canonical sign string, the signature and the JSON / XML / form body.
//!
//! ```
//! use paywire::{Fen, PayRequest, Secret};
//!
//! /// A SwiftPass-style order, trimmed.
//! #[derive(Debug, Clone, PayRequest)]
//! #[pay(format = "xml", sign = "md5-sorted", sign_key = "key", constant(service = "pay.weixin.wap"))]
//! struct Order {
//!     /// 商户订单号
//!     #[pay(len = 1..=32)]
//!     out_trade_no: String,
//!     /// 商品描述
//!     #[pay(len = 1..=128)]
//!     body: String,
//!     /// 总金额, fen
//!     #[pay(range = 1..=999_999_999)]
//!     total_fee: Fen,
//! }
//!
//! let order = Order { out_trade_no: "1415659990".into(), body: "H5支付测试".into(), total_fee: Fen::new(1) };
//! let key = Secret::new("my-key");
//! assert_eq!(
//!     order.sign_string_redacted(),
//!     "body=H5支付测试&out_trade_no=1415659990&service=pay.weixin.wap&total_fee=1&key=***"
//! );
//! let body = order.to_body(&key).unwrap();
//! assert!(body.as_str().starts_with("<xml><service>pay.weixin.wap</service>"));
//! ```
//!
//! The crate is sans-IO: it turns a request into bytes and bytes back into a request;
//! it never opens a socket (except the optional `client` module).
//!
//! ## What it holds
//!
//! - **Declaring**: `#[derive(PayRequest)]`, `#[derive(PayResponse)]` and
//!   `#[derive(PayObject)]` with the `#[pay(...)]` attributes (the reference is
//!   `paywire-macros`' documentation); [`Fen`] and [`Yuan`] for money (never a float),
//!   [`JsonText`] and [`Encrypted`] for documents inside a text member, [`Secret`] for
//!   keys (never printed).
//! - **Receiving**: [`PayResponse::verify_body`] returns a [`verify::Verified`] value
//!   (also [`Verified`] here), signature checked over every received member, the body
//!   decoded strictly ([`decode`]: duplicates, DTDs, entities, oversized input refused),
//!   the declared rules checked.
//! - **Applying once**: [`ledger`] keeps a payment applied once and refunds never above
//!   what was paid, in memory or Redis; `paywire-sqlx` does it inside the merchant's own
//!   SQL transaction.
//! - **Schemes**: [`sign`] (sorted MD5 / HMAC-SHA256, concatenated MD5, a sign type chosen
//!   at run time, your own `custom(Type)`), and with the `rsa` feature `keys`
//!   (SHA256withRSA for Alipay RSA2, SwiftPass `RSA_1_256`, WeChat Pay v3).
//! - **Schemas**: every declaration's table as `SCHEMA`, printed by [`schema_table`] and
//!   as JSON Schema by [`json_schema`].
//!
//! ## Features
//!
//! | feature | adds |
//! |---|---|
//! | `rsa` | `keys`: RSA keys from PEM and X.509, SHA256withRSA (AWS-LC) |
//! | `client` | `client`: an async HTTP client (reqwest, rustls on AWS-LC) |
//! | `redis` | `ledger::RedisLedger`: the ledger shared by several instances |
//!
//! Without features the crate builds with no C compiler.
//!
//! ## Where the gateways are
//!
//! The five shipped gateways (SwiftPass, WeChat Pay Global v3, XorPay, weidoufu, featapi)
//! and WeChat Pay v2's refund notification are declared in `paywire-providers`, one
//! folder each, listed in its registry; `paywire-sandbox` simulates them on loopback,
//! `paywire-axum` serves their notifications, and `paywire-cli` is the `paywire` command
//! (`sign`, `call`, `verify`, `schema`, `demo`, `soak`). A gateway of your own is a
//! declaration in your crate, with `sign = custom(YourScheme)` if its signature is
//! unusual.

#![forbid(unsafe_code)]
#![cfg_attr(paywire_docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

mod body;
#[cfg(feature = "client")]
#[cfg_attr(paywire_docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod decode;
mod derive_checks;
mod encode;
mod encrypted;
mod error;
pub mod http_request;
pub mod indexed;
pub mod json_schema;
mod json_text;
#[cfg(feature = "rsa")]
#[cfg_attr(paywire_docsrs, doc(cfg(feature = "rsa")))]
pub mod keys;
pub mod ledger;
mod member_writers;
mod money;
mod object;
mod path;
pub mod rules;
pub mod schema;
pub mod schema_table;
mod secret;
mod serde_support;
pub mod sign;
mod text_or_number;
mod validate;
mod value;
pub mod verify;
mod wire_enum;
mod words;

#[doc(hidden)]
pub mod __private;

pub use body::Body;
pub use decode::node::{Node, NodeObject};
pub use encrypted::{Encrypted, MemberCipher};
pub use error::VerifyError;
pub use error::{Actual, Error, SchemaError, SchemaErrors, Violation};
pub use json_text::JsonText;
pub use money::{Fen, MoneyError, Yuan};
pub use object::{PayObject, PayRequest, Received};
pub use path::Path;
pub use secret::Secret;
pub use text_or_number::TextOrNumber;
pub use value::{FieldAccess, Wire, WireArray, WireValue};
pub use verify::response::{PayResponse, Verified};

/// Derives [`PayRequest`] (and [`PayObject`], serde `Serialize`/`Deserialize`) for a struct
/// that mirrors a gateway's parameter table. See the crate docs for the attribute language.
pub use paywire_macros::PayRequest;

/// Derives [`PayResponse`] (and [`PayObject`], serde `Serialize`/`Deserialize`) for a
/// response or notification: decoded from the declared format, its signature verified
/// over every received field, unknown fields kept.
pub use paywire_macros::PayResponse;

/// Derives [`PayObject`] (and serde `Serialize`/`Deserialize`) for a nested object of a
/// request, such as WeChat Pay Global's `amount` or `payer`.
pub use paywire_macros::PayObject;
