//! # paywire-sandbox
//!
//! A local gateway simulator: a real HTTP server on loopback that speaks the five
//! gateways' wire protocols, decodes and verifies requests with the same paywire schemas,
//! answers as the gateways' documents describe (signed where the gateway signs), keeps orders
//! in memory, and, when a payer pays, sends the gateway's notification to the merchant's
//! `notify_url`, retrying with back-off until it is acknowledged.
//!
//! | prefix | gateway |
//! |---|---|
//! | `/feat/api/pay/order/pay/`, `/feat/oauth/token` | featapi |
//! | `/weidoufu/pay/miniapp` | weidoufu |
//! | `/swiftpass/pay/gateway` | SwiftPass |
//! | `/wechat-global/v3/global/transactions/jsapi` | WeChat Pay Global |
//! | `/xorpay/api/pay/{aid}` | XorPay |
//! | `/`, `/_sandbox/orders` (`?out_trade_no=` finds the merchant's), `/_sandbox/orders/{id or out_trade_no}/pay` | cashier page and payer actions |
//! | `/_sandbox/orders/{id or out_trade_no}/notify?copies=N`, `/_sandbox/{gateway}/refunds/{out_refund_no}/notify?copies=N` | a notification sent again, several copies at once |

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cashier;
pub mod clock;
#[macro_use]
pub mod config;
mod gateways;
pub mod lifecycle;
pub mod loopback;
pub mod mariadb_server;
pub mod notify;
pub mod origin;
pub mod post_once;
pub mod postgres_server;
pub mod redeliver;
pub mod redis_server;
pub mod refund_end;
mod retry;
pub mod server;
mod server_process;
pub mod state;

pub use gateways::credentials;
pub use gateways::{FaultConfig, SandboxConfig};
pub use state::{Delivery, Gateway, Order};

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use gateways::LoadedKeys;
use http::StatusCode;
use state::Orders;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Shared state of a running sandbox.
pub struct App {
    /// Credentials and retry policy.
    pub config: SandboxConfig,
    /// The loaded v3 keys.
    pub keys: LoadedKeys,
    /// Orders and deliveries.
    pub orders: Arc<Orders>,
    /// The notification sender.
    pub deliveries: notify::Deliveries,
    /// The sandbox's own base URL.
    pub base_url: String,
    /// `SYSTEM_ERROR`s still to inject.
    pub system_errors_left: std::sync::atomic::AtomicU32,
    /// Answers still to lose ([`FaultConfig::lost_answers`]).
    pub lost_answers_left: std::sync::atomic::AtomicU32,
    /// The WeChat Pay platform key in use (rotated by `POST /_sandbox/wechat-global/rotate`).
    pub platform: Arc<std::sync::RwLock<gateways::Platform>>,
    /// Held while copies are counted against [`redeliver::MAX_WAITING`] and queued, so
    /// that requests for copies at the same moment cannot pass it together.
    copies: std::sync::Mutex<()>,
}

/// Why the sandbox did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration's keys do not load.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// The sandbox listens on loopback only.
    #[error("the sandbox listens on loopback only (127.0.0.0/8 or ::1), not {0}")]
    NotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running sandbox; dropping it stops the server.
pub struct Sandbox {
    addr: SocketAddr,
    app: Arc<App>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

#[derive(serde::Deserialize)]
struct PayQuery {
    redirect: Option<String>,
}

/// Why an order could not be paid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayError {
    /// No order has this id or merchant order number.
    #[error("no order {0}: neither a sandbox id nor a merchant order number")]
    Unknown(String),
    /// Several gateways have an order with this merchant number: pay it by its id.
    #[error("orders of several gateways have the number {0}: pay one by its sandbox id")]
    Ambiguous(String),
    /// The merchant closed the order: it can no longer be paid.
    #[error("order {0} is closed: a closed order cannot be paid; place a new one")]
    Closed(String),
    /// The payment failed: the order can no longer be paid.
    #[error("order {0}'s payment failed: it cannot be paid now; place a new one")]
    Failed(String),
    /// The order is paid: its payment cannot fail any more.
    #[error("order {0} is paid: a paid order's payment cannot fail")]
    Paid(String),
}

/// The order `key` names: a sandbox id, or a merchant order number one gateway has.
fn order_named(app: &App, key: &str) -> Result<Order, PayError> {
    if let Some(order) = app.orders.get(key) {
        return Ok(order);
    }
    let mut found = app.orders.by_merchant_number(key, None);
    match found.len() {
        0 => Err(PayError::Unknown(key.to_owned())),
        1 => Ok(found.remove(0)),
        _ => Err(PayError::Ambiguous(key.to_owned())),
    }
}

/// Pays the order `key` names as its payer would, sending its notification (or settling
/// it, for a gateway that sends none) the first time.
fn pay_order(app: &App, key: &str) -> Result<Order, PayError> {
    let id = order_named(app, key)?.id;
    let (order, newly_paid) = app
        .orders
        .pay(&id)
        .ok_or_else(|| PayError::Unknown(key.to_owned()))?;
    if order.closed {
        return Err(PayError::Closed(key.to_owned()));
    }
    if order.failed {
        return Err(PayError::Failed(key.to_owned()));
    }
    if newly_paid {
        let outgoing =
            gateways::simulator(order.gateway).and_then(|s| (s.notification)(app, &order));
        match outgoing {
            Some(outgoing) => app.deliveries.send(order.id.clone(), outgoing),
            None => app.orders.settle(&order.id),
        }
    }
    Ok(order)
}

/// Fails the payment of the unpaid order `key` names, as a declined card would.
fn fail_order(app: &App, key: &str) -> Result<Order, PayError> {
    let id = order_named(app, key)?.id;
    let order =
        lifecycle::fail(&app.orders, &id).ok_or_else(|| PayError::Unknown(key.to_owned()))?;
    if order.paid {
        return Err(PayError::Paid(key.to_owned()));
    }
    Ok(order)
}

/// `POST /_sandbox/orders/{key}/fail`: the payer's payment fails (`PAYERROR`).
async fn fail(State(app): State<Arc<App>>, Path(key): Path<String>) -> Response {
    match fail_order(&app, &key) {
        Ok(order) => axum::Json(order).into_response(),
        Err(e) => {
            let status = match e {
                PayError::Unknown(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::CONFLICT,
            };
            (
                status,
                axum::Json(serde_json::json!({"error": e.to_string()})),
            )
                .into_response()
        }
    }
}

/// `POST /_sandbox/orders/{key}/pay`: `key` is the sandbox's id or the merchant's order
/// number.
async fn pay(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    Query(q): Query<PayQuery>,
) -> Response {
    let order = match pay_order(&app, &key) {
        Ok(order) => order,
        Err(e) => {
            let status = match e {
                PayError::Unknown(_) => StatusCode::NOT_FOUND,
                PayError::Ambiguous(_)
                | PayError::Closed(_)
                | PayError::Failed(_)
                | PayError::Paid(_) => StatusCode::CONFLICT,
            };
            return (
                status,
                axum::Json(serde_json::json!({"error": e.to_string()})),
            )
                .into_response();
        }
    };
    if q.redirect.is_some() {
        return Redirect::to("/").into_response();
    }
    axum::Json(order).into_response()
}

/// The most orders one listing returns.
const MAX_PAGE: usize = 1000;

#[derive(serde::Deserialize)]
struct PageQuery {
    offset: Option<usize>,
    limit: Option<usize>,
    out_trade_no: Option<String>,
    gateway: Option<String>,
}

/// `GET /_sandbox/orders?offset=N&limit=M`: a page of orders, oldest first (100 by
/// default, at most 1 000), with the total kept. `?out_trade_no=X` (and `&gateway=ID`)
/// lists the orders with the merchant's number `X` instead.
async fn list(State(app): State<Arc<App>>, Query(q): Query<PageQuery>) -> Response {
    if let Some(number) = q.out_trade_no {
        let gateway = match q.gateway.as_deref().map(Gateway::named) {
            None => None,
            Some(Some(gateway)) => Some(gateway),
            Some(None) => {
                return (
                    StatusCode::BAD_REQUEST,
                    axum::Json(serde_json::json!({"error": "no such gateway"})),
                )
                    .into_response()
            }
        };
        let orders = app.orders.by_merchant_number(&number, gateway);
        return axum::Json(state::Page {
            total: orders.len(),
            offset: 0,
            orders,
        })
        .into_response();
    }
    let limit = q.limit.unwrap_or(100).min(MAX_PAGE);
    // Serialized where the orders are kept: a page of large orders is never copied.
    app.orders.with_page(
        state::Listed::OldestFirst,
        q.offset.unwrap_or(0),
        limit,
        |page| axum::Json(page).into_response(),
    )
}

async fn one(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.orders.get(&id) {
        Some(order) => axum::Json(order).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"error": "no such order"})),
        )
            .into_response(),
    }
}

/// `POST /_sandbox/wechat-global/rotate`: signs with the other platform key from now on,
/// publishing both certificates; `{"serial": ...}` of the key now in use.
async fn rotate(State(app): State<Arc<App>>) -> axum::Json<serde_json::Value> {
    let serial = gateways::rotate_platform(&app);
    axum::Json(serde_json::json!({ "serial": serial }))
}

/// The `lost_answers` fault: a gateway request is processed, then its answer is cut off
/// (its body fails after its first bytes, so the connection closes mid-answer).
async fn lose_answer(
    State(app): State<Arc<App>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let gateway_call =
        request.method() == http::Method::POST && !request.uri().path().starts_with("/_sandbox/");
    let response = next.run(request).await;
    let lose = gateway_call
        && app
            .lost_answers_left
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| n.checked_sub(1),
            )
            .is_ok();
    if !lose {
        return response;
    }
    // The first bytes, then a failed read of the rest: the server aborts the connection
    // mid-answer, and the client sees a body that never ends properly.
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(http::header::CONTENT_LENGTH);
    let cut = futures_util::stream::iter([
        Ok(axum::body::Bytes::from_static(b"<xml>")),
        Err(std::io::Error::other("the answer is lost on purpose")),
    ]);
    Response::from_parts(parts, axum::body::Body::from_stream(cut))
}

fn router(app: Arc<App>, port: u16) -> Router {
    let mut router = Router::new()
        .route("/", get(cashier::page))
        .route("/_sandbox/orders", get(list))
        .route("/_sandbox/orders/{id}", get(one))
        .route("/_sandbox/orders/{id}/pay", post(pay))
        .route("/_sandbox/orders/{id}/fail", post(fail))
        .route("/_sandbox/orders/{id}/notify", post(redeliver::order_route))
        .route("/_sandbox/orders/{id}/cashier", get(cashier::order_page))
        .route("/_sandbox/wechat-global/rotate", post(rotate))
        .route(
            "/_sandbox/{gateway}/refunds/{out_refund_no}/{end}",
            post(refund_end::route),
        );
    for simulator in gateways::SIMULATORS {
        router = (simulator.routes)(router);
    }
    router
        .layer(DefaultBodyLimit::max(
            paywire::decode::Limits::default().max_bytes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            lose_answer,
        ))
        .layer(axum::middleware::from_fn(move |request, next| {
            origin::same_origin_only(port, request, next)
        }))
        .with_state(app)
}

impl Sandbox {
    /// Starts the sandbox on `addr` (port 0 picks a free port); loopback only.
    pub async fn start(config: SandboxConfig, addr: SocketAddr) -> Result<Sandbox, StartError> {
        if !addr.ip().is_loopback() {
            return Err(StartError::NotLoopback(addr));
        }
        config.check()?;
        let keys = config.load_keys()?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let system_errors = config.faults.system_errors();
        let lost_answers = config.faults.lost_answers;
        let orders = Arc::new(Orders::new(config.storage));
        let platform = Arc::new(std::sync::RwLock::new(gateways::Platform::new(&keys)));
        let app = Arc::new(App {
            platform,
            deliveries: notify::Deliveries::start(orders.clone(), config.retry),
            config,
            keys,
            orders,
            base_url: format!("http://{addr}"),
            system_errors_left: std::sync::atomic::AtomicU32::new(system_errors),
            lost_answers_left: std::sync::atomic::AtomicU32::new(lost_answers),
            copies: std::sync::Mutex::new(()),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let limits = app.config.server;
        tokio::spawn(server::serve(
            listener,
            router(app.clone(), addr.port()),
            limits,
            rx,
        ));
        Ok(Sandbox {
            addr,
            app,
            shutdown: Some(tx),
        })
    }

    /// Loses the answers of the next `n` gateway requests (as
    /// [`FaultConfig::lost_answers`] does at start): each is processed, then its
    /// connection closes before the answer arrives.
    pub fn lose_next_answers(&self, n: u32) {
        self.app
            .lost_answers_left
            .store(n, std::sync::atomic::Ordering::SeqCst);
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.app.base_url.clone()
    }

    /// The base URL to give a provider's request builder in place of its production one.
    pub fn base_url(&self, gateway: Gateway) -> String {
        format!("{}/{}", self.app.base_url, gateway.name())
    }

    /// The URL `paywire call --base-url` takes for `gateway`: [`Sandbox::base_url`], and
    /// for SwiftPass its whole gateway URL.
    pub fn call_url(&self, gateway: Gateway) -> String {
        let path = gateways::simulator(gateway).map_or("", |s| s.call_path);
        format!("{}{path}", self.base_url(gateway))
    }

    /// The configuration in use.
    pub fn config(&self) -> &SandboxConfig {
        &self.app.config
    }

    /// The serial of the platform key the sandbox signs with now (v3).
    pub fn platform_serial(&self) -> String {
        let platform = self.app.platform.read().unwrap_or_else(|p| p.into_inner());
        platform.serial().to_owned()
    }

    /// Rotates to the other platform key, as `POST /_sandbox/wechat-global/rotate` does:
    /// its serial.
    pub fn rotate_platform_key(&self) -> String {
        gateways::rotate_platform(&self.app)
    }

    /// Pays the order `key` names (the sandbox's id, or the merchant's order number one
    /// gateway has) as its payer would, as `POST /_sandbox/orders/{key}/pay` does.
    pub fn pay(&self, key: &str) -> Result<Order, PayError> {
        pay_order(&self.app, key)
    }

    /// Fails the payment of the unpaid order `key` (a sandbox id or a merchant number)
    /// names, as a declined card would: it can no longer be paid.
    pub fn fail(&self, key: &str) -> Result<Order, PayError> {
        fail_order(&self.app, key)
    }

    /// Ends refund `out_refund_no` of a `gateway` order, held in progress
    /// ([`SandboxConfig::hold_refunds`]), as `end` (success or closed), and notifies it
    /// as the gateway does.
    pub fn end_refund(
        &self,
        gateway: Gateway,
        out_refund_no: &str,
        end: lifecycle::RefundStatus,
    ) -> Result<state::Refund, refund_end::EndRefundError> {
        refund_end::end_refund(&self.app, gateway, out_refund_no, end)
    }

    /// Sends the payment notification of the paid order `key` names (a sandbox id or a
    /// merchant number) again, `copies` at once (1 to [`redeliver::MAX_COPIES`]), as
    /// `POST /_sandbox/orders/{key}/notify?copies=N` does: each is delivered and retried
    /// until acknowledged, like the first.
    pub fn notify_again(
        &self,
        key: &str,
        copies: u32,
    ) -> Result<Order, redeliver::NotifyAgainError> {
        redeliver::notify_order(&self.app, key, copies)
    }

    /// Sends the notification of the end of `gateway`'s refund `out_refund_no` (its
    /// success, or its close) again, `copies` at once, as
    /// `POST /_sandbox/{gateway}/refunds/{out_refund_no}/notify?copies=N` does.
    pub fn notify_refund_again(
        &self,
        gateway: Gateway,
        out_refund_no: &str,
        copies: u32,
    ) -> Result<state::Refund, redeliver::NotifyAgainError> {
        redeliver::notify_refund(&self.app, gateway, out_refund_no, copies)
    }

    /// Notifications waiting for delivery: queued, being attempted, or waiting for their
    /// next attempt (neither acknowledged nor given up yet).
    pub fn deliveries_waiting(&self) -> usize {
        self.app.deliveries.pending()
    }

    /// The orders with the merchant's number `out_trade_no` (at `gateway`, or at any).
    pub fn orders_numbered(&self, out_trade_no: &str, gateway: Option<Gateway>) -> Vec<Order> {
        self.app.orders.by_merchant_number(out_trade_no, gateway)
    }

    /// Every order.
    pub fn orders(&self) -> Vec<Order> {
        self.app.orders.all()
    }

    /// Waits until order `id`'s notification is acknowledged, or `timeout` passes.
    pub async fn wait_acknowledged(&self, id: &str, timeout: Duration) -> Option<Order> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let order = self.app.orders.get(id)?;
            if order.acknowledged || tokio::time::Instant::now() >= deadline {
                return Some(order);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// One line per gateway: `NAME  URL  credentials`, as printed at start, then the
    /// cashier page's URL and the payer's actions without it. The built-in
    /// throwaway credentials are shown, so a developer can copy them; a secret set in the
    /// configuration is shown as `***`, since it may be a real one.
    pub fn banner(&self) -> Vec<String> {
        let defaults = SandboxConfig::default();
        let mut lines: Vec<String> = gateways::SIMULATORS
            .iter()
            .map(|s| {
                let name = s.gateway.name();
                let url = self.call_url(s.gateway);
                format!("{name:<14} {url}  {}", (s.banner)(&self.app, &defaults))
            })
            .collect();
        lines.push(format!(
            "cashier        {}/  (or POST /_sandbox/orders/{{id or out_trade_no}}/pay, /fail, /notify?copies=N)",
            self.app.base_url
        ));
        lines
    }

    /// The credentials a merchant uses with `gateway` here, as the registry's endpoints
    /// and receivers take them.
    pub fn credentials(&self, gateway: Gateway) -> paywire_providers::registry::Credentials {
        gateways::credentials(&self.app.config, gateway)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The sandbox's throwaway keys (see `sandbox/keys/README.md`): not secret, not real.
pub mod keys {
    /// The demo merchant's private key (PKCS#8 PEM); the sandbox holds its public half.
    pub const MERCHANT_PRIVATE_KEY_PEM: &str = include_str!("../keys/merchant_private_key.pem");
    /// The sandbox platform's certificate (PEM); merchants verify v3 answers with it.
    pub const PLATFORM_CERTIFICATE_PEM: &str = include_str!("../keys/platform_certificate.pem");
}
