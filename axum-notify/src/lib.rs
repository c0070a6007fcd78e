//! # paywire-axum
//!
//! Notification endpoints for [axum](https://docs.rs/axum): one route per notifying
//! gateway (SwiftPass, weidoufu, XorPay, WeChat Pay Global) that verifies the
//! notification, checks the payment against the merchant's own order, applies it exactly
//! once through a [`Ledger`], and answers in the gateway's own format.
//!
//! The merchant writes a [`Shop`]: where its orders are, and how a payment is written.
//!
//! ```no_run
//! use paywire::ledger::{Ledger, Payment};
//! use paywire::Fen;
//! use paywire_axum::{Notifications, Order, Shop};
//!
//! struct MyShop;
//!
//! impl Shop for MyShop {
//!     async fn order(&self, payment: &Payment) -> Option<Order> {
//!         // Look the order up by payment.order in your database.
//!         Some(Order::for_amount(Fen::new(100)))
//!     }
//!     async fn apply(&self, payment: &Payment) -> Result<(), String> {
//!         // Mark it paid in your database; an error makes the gateway deliver again.
//!         Ok(())
//!     }
//! }
//!
//! # async fn run() {
//! let app = Notifications::new(MyShop, Ledger::in_memory())
//!     .xorpay(paywire::Secret::new("app-secret"))
//!     .router(); // POST /xorpay (and one route per gateway configured)
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();
//! axum::serve(listener, axum::Router::new().nest("/notify", app)).await.unwrap();
//! # }
//! ```
//!
//! What each delivery gets:
//!
//! | the notification | answer |
//! |---|---|
//! | authentic, a payment of a known order, applied now or before | the gateway's acknowledgement: `success` (SwiftPass, weidoufu), `ok` (XorPay), HTTP 200 (WeChat Pay v3) |
//! | authentic, not a payment (a failure, a refund) | the acknowledgement; nothing applied |
//! | malformed or hostile | 400 |
//! | not authentic (wrong key, forged, stale) | 401 |
//! | for an unknown order, or not matching it (amount, currency, gateway order) | 400; nothing applied |
//! | the merchant's write failed, another instance holds the order, the ledger is down | 500 / 503: the gateway delivers again |
//!
//! Failures carry `{"code": "FAIL", "message": ...}` (WeChat Pay v3's shape; the other
//! gateways read only the status). v3 timestamps are checked against the system clock.

#![warn(missing_docs)]

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http::{HeaderMap, StatusCode};
use paywire::ledger::{Claim, Expected, Ledger, Payment};
use paywire::wechat_v3::PlatformKeys;
use paywire::{Fen, Secret, VerifyError};
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use std::future::Future;
use std::sync::Arc;

/// What the merchant knows of an order before its notification arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The amount it was placed for.
    pub amount: Fen,
    /// Its currency, where the gateway has one (WeChat Pay Global).
    pub currency: Option<String>,
    /// The gateway's id for it, where one came back when it was placed (XorPay's `aoid`).
    pub gateway_order: Option<String>,
}

impl Order {
    /// An order known by its amount alone.
    pub fn for_amount(amount: Fen) -> Order {
        Order {
            amount,
            currency: None,
            gateway_order: None,
        }
    }
}

/// The merchant's side: its orders and its write.
pub trait Shop: Send + Sync + 'static {
    /// The order `payment` is for (`payment.key` names gateway and order number), or
    /// `None` if the merchant placed no such order.
    fn order(&self, payment: &Payment) -> impl Future<Output = Option<Order>> + Send;

    /// Writes the payment (marks the order paid). Called at most once per order while it
    /// succeeds; an `Err` is answered 500 and the gateway's next delivery calls it again.
    fn apply(&self, payment: &Payment) -> impl Future<Output = Result<(), String>> + Send;
}

/// A shop shared with the rest of the merchant's program.
impl<S: Shop> Shop for Arc<S> {
    fn order(&self, payment: &Payment) -> impl Future<Output = Option<Order>> + Send {
        S::order(self, payment)
    }

    fn apply(&self, payment: &Payment) -> impl Future<Output = Result<(), String>> + Send {
        S::apply(self, payment)
    }
}

/// The notifying gateways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gateway {
    Swiftpass,
    Weidoufu,
    Xorpay,
    WechatGlobal,
}

/// The notification endpoints of one merchant: its shop, its ledger and the keys of the
/// gateways it uses.
pub struct Notifications<S> {
    shop: S,
    ledger: Ledger,
    swiftpass: Option<swiftpass::VerifyKey>,
    weidoufu: Option<Secret>,
    xorpay: Option<Secret>,
    wechat_global: Option<(PlatformKeys, Secret)>,
}

/// An answer: a status and a body.
fn answer(status: StatusCode, body: &'static str) -> Response {
    (status, body).into_response()
}

fn fail(status: StatusCode, message: impl std::fmt::Display) -> Response {
    let body = serde_json::json!({"code": "FAIL", "message": message.to_string()});
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Runs a ledger call, which may wait on the network (Redis), off the async workers
/// where the runtime allows it.
fn blocking<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(call),
        _ => call(),
    }
}

impl<S: Shop> Notifications<S> {
    /// Endpoints applying payments to `shop` once, through `ledger` (shared by every
    /// instance of the merchant: a `RedisLedger` when there are several).
    pub fn new(shop: S, ledger: Ledger) -> Self {
        Notifications {
            shop,
            ledger,
            swiftpass: None,
            weidoufu: None,
            xorpay: None,
            wechat_global: None,
        }
    }

    /// SwiftPass notifications at `POST /swiftpass`, verified with `key`.
    pub fn swiftpass(mut self, key: swiftpass::VerifyKey) -> Self {
        self.swiftpass = Some(key);
        self
    }

    /// weidoufu notifications at `POST /weidoufu`, verified with the SecretKey.
    pub fn weidoufu(mut self, secret_key: Secret) -> Self {
        self.weidoufu = Some(secret_key);
        self
    }

    /// XorPay notifications at `POST /xorpay`, verified with the app secret.
    pub fn xorpay(mut self, app_secret: Secret) -> Self {
        self.xorpay = Some(app_secret);
        self
    }

    /// WeChat Pay Global notifications at `POST /wechat-global`, verified with the
    /// platform keys and decrypted with the APIv3 key.
    pub fn wechat_global(mut self, platform: PlatformKeys, apiv3_key: Secret) -> Self {
        self.wechat_global = Some((platform, apiv3_key));
        self
    }

    /// One route per configured gateway; nest it where the notify URLs point.
    pub fn router(self) -> Router {
        let routes = [
            (self.swiftpass.is_some(), "/swiftpass", Gateway::Swiftpass),
            (self.weidoufu.is_some(), "/weidoufu", Gateway::Weidoufu),
            (self.xorpay.is_some(), "/xorpay", Gateway::Xorpay),
            (
                self.wechat_global.is_some(),
                "/wechat-global",
                Gateway::WechatGlobal,
            ),
        ];
        let state = Arc::new(self);
        let mut router = Router::new();
        for (configured, path, gateway) in routes {
            if configured {
                router = router.route(
                    path,
                    post(move |State(n): State<Arc<Self>>, headers: HeaderMap, body: Bytes| async move {
                        n.handle(gateway, &headers, &body).await
                    }),
                );
            }
        }
        router.with_state(state)
    }

    /// Verifies: the payment the notification reports, if it reports one.
    fn verify(
        &self,
        gateway: Gateway,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Option<Payment>, VerifyError> {
        // Only configured gateways are routed; without a key nothing is authentic.
        let missing = || VerifyError::SignatureMismatch;
        Ok(match gateway {
            Gateway::Swiftpass => {
                let key = self.swiftpass.as_ref().ok_or_else(missing)?;
                swiftpass::verify_notification(body, key)?.value.payment()
            }
            Gateway::Weidoufu => {
                let key = self.weidoufu.as_ref().ok_or_else(missing)?;
                weidoufu::verify_notification(body, key)?.value.payment()
            }
            Gateway::Xorpay => {
                let key = self.xorpay.as_ref().ok_or_else(missing)?;
                xorpay::verify_notification(body, key)?.value.payment()
            }
            Gateway::WechatGlobal => {
                let (keys, apiv3) = self.wechat_global.as_ref().ok_or_else(missing)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                wechat_global::open_notification(keys, headers, body, now, apiv3)?
                    .1
                    .payment()
            }
        })
    }

    /// The gateway's acknowledgement.
    fn ack(gateway: Gateway) -> Response {
        match gateway {
            Gateway::Swiftpass => answer(StatusCode::OK, swiftpass::NOTIFY_ACK),
            Gateway::Weidoufu => answer(StatusCode::OK, weidoufu::NOTIFY_ACK),
            Gateway::Xorpay => answer(StatusCode::OK, xorpay::NOTIFY_ACK),
            Gateway::WechatGlobal => answer(StatusCode::OK, ""),
        }
    }

    /// One delivery: verify, check, claim, apply, commit, answer.
    async fn handle(&self, gateway: Gateway, headers: &HeaderMap, body: &[u8]) -> Response {
        let payment = match self.verify(gateway, headers, body) {
            Ok(Some(payment)) => payment,
            Ok(None) => return Self::ack(gateway),
            Err(e) if e.is_malformed() => return fail(StatusCode::BAD_REQUEST, e),
            Err(e) => return fail(StatusCode::UNAUTHORIZED, e),
        };
        let Some(order) = self.shop.order(&payment).await else {
            return fail(StatusCode::BAD_REQUEST, format!("no order {}", payment.key));
        };
        let expected = Expected {
            amount: order.amount,
            currency: order.currency.as_deref(),
            gateway_order: order.gateway_order.as_deref(),
        };
        if let Err(mismatch) = payment.check(&expected) {
            return fail(StatusCode::BAD_REQUEST, mismatch);
        }
        match blocking(|| self.ledger.claim(&payment.key)) {
            Ok(Claim::Fresh(held)) => match self.shop.apply(&payment).await {
                Ok(()) => {
                    // The write stands whether or not the commit lands: acknowledge.
                    let _ = blocking(|| held.commit());
                    Self::ack(gateway)
                }
                Err(e) => {
                    let _ = blocking(|| held.release());
                    fail(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("not applied: {e}"),
                    )
                }
            },
            Ok(Claim::Done) => Self::ack(gateway),
            Ok(Claim::Busy) => fail(StatusCode::SERVICE_UNAVAILABLE, "being applied elsewhere"),
            Err(e) => fail(StatusCode::SERVICE_UNAVAILABLE, e),
        }
    }
}
