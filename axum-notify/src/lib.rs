//! # paywire-axum
//!
//! Notification endpoints for [axum](https://docs.rs/axum): one route per notifying
//! gateway that verifies the notification, checks the payment against the merchant's own
//! order, applies it exactly once, and answers in the gateway's own format. Each gateway
//! of `paywire-providers` gives its [`Receiver`] (`xorpay::receiver(app_secret)`,
//! `swiftpass::receiver(key)`, `wechat_global::receiver(platform_keys, apiv3_key)`, ...),
//! and [`Notifications::receive`] routes it at `/<gateway id>`.
//!
//! Where the "applied" mark lives decides what can go wrong; prefer the first row:
//!
//! | | crash after the write | panic after the write | write slower than the gateway waits | ledger down longer than the commit patience |
//! |---|---|---|---|---|
//! | [`Notifications::in_transaction`] (feature `sqlx`: PostgreSQL, SQLite), [`SqlShop`] | once | once | once | nothing applied; retried |
//! | [`Notifications::new`] with a `Ledger` (memory, Redis), [`Shop`] | twice, after the lease | twice, after the lease | once | twice, if the acknowledgement is lost too |
//!
//! With the SQL ledger the payment row is written by the merchant's own transaction, so
//! the write and the mark commit or roll back together. With a separate ledger, the
//! claim → write → commit sequence runs to the end even when the gateway gives up (what
//! is left of it moves to a task of its own), and only a write that returned `Err` frees
//! the order at once; a panic leaves the claim to its lease, after which the next
//! delivery applies it again unless the merchant's write is itself conditional on the
//! order's state.
//!
//! ```no_run
//! use paywire::ledger::Payment;
//! use paywire::Fen;
//! use paywire_axum::axum; // the axum paywire-axum is built with
//! use paywire_axum::{Notifications, Order, SqlShop};
//! use sqlx::{Sqlite, SqlitePool, Transaction};
//!
//! struct MyShop;
//!
//! impl SqlShop<Sqlite> for MyShop {
//!     async fn order(&self, payment: &Payment) -> Option<Order> {
//!         // Look the order up by payment.order in your database; XorPay orders keep the
//!         // aoid its answer gave (`.gateway_order(aoid)`).
//!         Some(Order::new(Fen::new(100)))
//!     }
//!     async fn apply(&self, tx: &mut Transaction<'static, Sqlite>, payment: &Payment)
//!         -> Result<(), String>
//!     {
//!         sqlx::query("UPDATE orders SET paid = 1 WHERE out_trade_no = ?1")
//!             .bind(&payment.order)
//!             .execute(&mut **tx)
//!             .await
//!             .map_err(|e| e.to_string())?;
//!         Ok(())
//!     }
//! }
//!
//! # async fn run() {
//! let pool = SqlitePool::connect("sqlite://shop.db").await.unwrap();
//! paywire_sqlx::migrate(&pool).await.unwrap();
//! let app = Notifications::in_transaction(MyShop, pool)
//!     .receive(paywire_providers::xorpay::receiver(paywire::Secret::new("app-secret")))
//!     .router(); // POST /xorpay (and one route per gateway received)
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
//! | authentic, a refund that succeeded (WeChat Pay Global's `REFUND.SUCCESS`, at the payments' route) | the shop's `refunded` write, once, whether or not the refund's acceptance was recorded from the gateway's answer (with a separate ledger after `Ledger::count_refund` counts it against the order's cap, a refund made by hand at the gateway included; with the SQL ledger in the same transaction that marks its success: [`paywire_sqlx::complete_refund`], after [`paywire_sqlx::refund_once`] for a refund the books never held, made by hand at the gateway); then the acknowledgement |
//! | authentic, a refund the gateway closed (no money went back) | taken back from the books, its room free for another refund: with the SQL ledger [`paywire_sqlx::close_refund`], with a separate ledger `Ledger::take_back_refund` (503 while the refund's sender still holds its reservation: the gateway delivers again once it is committed); never one whose success was written before (kept; logged as an error); logged (`tracing`, warn); the acknowledgement |
//! | authentic, a refund that is abnormal (its way back to the payer failed), or in a state this version does not know | logged (`tracing`, warn); the acknowledgement; nothing written: the books keep its room taken until the merchant settles it with the gateway |
//! | authentic, neither (a payment that failed) | the acknowledgement; nothing applied |
//! | empty, malformed or hostile | 400 |
//! | not authentic (wrong key, forged, stale) | 401 |
//! | for an unknown order, or not matching it (amount, currency, gateway order) | 400; nothing applied |
//! | a refund the books hold with another order or amount, one that does not fit in what is left of the payment, one in another currency than its payment, or of an order with no payment recorded (SQL ledger) | 400; nothing written |
//! | the merchant's write failed or panicked, another instance holds the order, the ledger is down | 500 / 503: the gateway delivers again |
//!
//! Failures carry `{"code": "FAIL", "message": ...}` (WeChat Pay v3's shape; the other
//! gateways read only the status). The message is paywire's own: the merchant's error
//! text goes to `tracing`, never to the gateway. v3 timestamps are checked against the
//! system clock.
//!
//! Gateways deliver a notification again, even one acknowledged, and sometimes several
//! copies at once: a copy of a payment or a refund already written is answered with the
//! acknowledgement and written no second time. To try your own shop against that, run it
//! behind `paywire-sandbox` and have it send copies (`Sandbox::notify_again`,
//! `Sandbox::notify_refund_again`, or `POST /_sandbox/orders/{id}/notify?copies=N`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod apply;
mod finishing;
mod recovery;

#[cfg(feature = "sqlx")]
pub use apply::{InTransaction, SqlShop};
pub use apply::{Shop, WithLedger};
/// The axum this crate builds its router with: serve [`Notifications::router`] with it,
/// so the versions always agree.
pub use axum;
/// The `http` types the handlers take.
pub use http;
pub use recovery::{Recovered, Recovery};

use apply::{Applier, Outcome};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http::{HeaderMap, StatusCode};
use paywire::ledger::{Expected, Ledger};
use paywire::Fen;
pub use paywire_providers::registry::{Notice, Receiver};
use std::sync::Arc;

/// What the merchant knows of an order before its notification arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The amount it was placed for.
    pub amount: Fen,
    /// Its currency, where the gateway has one (WeChat Pay Global: required).
    pub currency: Option<String>,
    /// The gateway's id for it, where one came back when it was placed (XorPay's `aoid`:
    /// required).
    pub gateway_order: Option<String>,
}

impl Order {
    /// An order placed for `amount`. Name what else its gateway returned or requires:
    /// a payment that must be checked against something the order does not name is
    /// refused (see [`paywire::ledger::MustMatch`]).
    pub fn new(amount: Fen) -> Order {
        Order {
            amount,
            currency: None,
            gateway_order: None,
        }
    }

    /// An order known by its amount alone (no currency, no gateway order id).
    pub fn for_amount(amount: Fen) -> Order {
        Order::new(amount)
    }

    /// The order's currency (`HKD`): WeChat Pay Global's payments are checked against it.
    pub fn currency(mut self, currency: impl Into<String>) -> Order {
        self.currency = Some(currency.into());
        self
    }

    /// The gateway's id for the order, from its answer when the order was placed
    /// (XorPay's `aoid`): XorPay's payments are checked against it.
    pub fn gateway_order(mut self, id: impl Into<String>) -> Order {
        self.gateway_order = Some(id.into());
        self
    }

    /// What [`Payment::check`] compares.
    fn expected(&self) -> Expected<'_> {
        Expected {
            amount: self.amount,
            currency: self.currency.as_deref(),
            gateway_order: self.gateway_order.as_deref(),
        }
    }
}

/// The notification endpoints of one merchant: how it applies payments (its shop and
/// ledger, or its shop and database) and the keys of the gateways it uses.
pub struct Notifications<A> {
    applier: Arc<A>,
    receivers: Vec<Arc<Receiver>>,
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

impl<S: Shop> Notifications<WithLedger<S>> {
    /// Endpoints applying payments to `shop` once through `ledger`, a mark kept apart
    /// from the shop's own database (shared by every instance of the merchant: a
    /// `RedisLedger` when there are several). Prefer [`Notifications::in_transaction`]
    /// where the shop's database is SQL.
    pub fn new(shop: S, ledger: Ledger) -> Self {
        Self::with(WithLedger::new(shop, ledger))
    }
}

#[cfg(feature = "sqlx")]
impl<S, DB> Notifications<InTransaction<S, DB>>
where
    S: SqlShop<DB>,
    DB: paywire_sqlx::Backend,
{
    /// Endpoints applying payments to `shop` once, in its own database: each delivery
    /// begins a transaction on `pool`, records the payment with
    /// [`paywire_sqlx::apply_once`], lets the shop write in the same transaction, and
    /// commits both before acknowledging. Create the ledger's tables once with
    /// [`paywire_sqlx::migrate`].
    pub fn in_transaction(shop: S, pool: sqlx::Pool<DB>) -> Self {
        Self::with(InTransaction::new(shop, pool))
    }
}

impl<A: Applier> Notifications<A> {
    fn with(applier: A) -> Self {
        Notifications {
            applier: Arc::new(applier),
            receivers: Vec::new(),
        }
    }

    /// Receives a gateway's notifications at `POST /<gateway id>` (`/xorpay`,
    /// `/wechat-global`), verified by `receiver` with the keys it was made with. A
    /// gateway received twice keeps the last receiver.
    pub fn receive(mut self, receiver: Receiver) -> Self {
        self.receivers.retain(|r| r.gateway() != receiver.gateway());
        self.receivers.push(Arc::new(receiver));
        self
    }

    /// Applies payments the merchant found itself (an order whose notifications never
    /// arrived, found paid by the gateway's signed query answer) through the same
    /// once-only step as these endpoints; keep it before [`Notifications::router`]
    /// consumes them.
    pub fn recovery(&self) -> Recovery<A> {
        Recovery::new(self.applier.clone())
    }

    /// One route per received gateway; nest it where the notify URLs point.
    pub fn router(self) -> Router {
        let receivers = self.receivers.clone();
        let state = Arc::new(self);
        let mut router = Router::new();
        for receiver in receivers {
            let path = format!("/{}", receiver.gateway());
            router = router.route(
                &path,
                post(
                    move |State(n): State<Arc<Self>>, headers: HeaderMap, body: Bytes| async move {
                        n.handle(&receiver, &headers, &body).await
                    },
                ),
            );
        }
        router.with_state(state)
    }

    /// The gateway's acknowledgement.
    fn ack(receiver: &Receiver) -> Response {
        (StatusCode::OK, receiver.ack()).into_response()
    }

    /// One delivery: verify, then apply once (finished even if the connection closes), and
    /// answer.
    async fn handle(&self, receiver: &Receiver, headers: &HeaderMap, body: &[u8]) -> Response {
        if body.trim_ascii().is_empty() {
            return fail(StatusCode::BAD_REQUEST, "the notification is empty");
        }
        let notice = match receiver.verify(headers, body, unix_now()) {
            Ok(notice) => notice,
            Err(e) if e.is_malformed() => return fail(StatusCode::BAD_REQUEST, e),
            Err(e) => return fail(StatusCode::UNAUTHORIZED, e),
        };
        let (what, subject) = match &notice {
            Notice::Payment(payment) => ("payment", payment.key.to_string()),
            Notice::Refund(refund) => (
                "refund",
                format!("{} refund {}", refund.order, refund.refund_no),
            ),
            _ => return Self::ack(receiver),
        };
        // The gateway giving up on this connection drops this future; `Finishing` then
        // hands the write under way to a task of its own, which finishes and commits it,
        // and the next delivery finds it done.
        let applier = self.applier.clone();
        let applying = async move {
            match notice {
                Notice::Payment(payment) => applier.apply_once(payment).await,
                Notice::Refund(refund) => applier.settle_refund(refund).await,
                _ => Outcome::Applied,
            }
        };
        let outcome = finishing::to_the_end(applying, what, &subject).await;
        match outcome {
            Outcome::Applied => Self::ack(receiver),
            Outcome::Refused(reason) => fail(StatusCode::BAD_REQUEST, reason),
            Outcome::NotApplied => fail(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the {what} was not applied; deliver it again"),
            ),
            Outcome::Busy => fail(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the {what} is being applied; deliver it again"),
            ),
            Outcome::Unavailable => fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "the ledger could not answer; deliver it again",
            ),
        }
    }
}

/// The system clock in Unix seconds, which v3 timestamps are checked against.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
