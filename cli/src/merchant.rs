//! A merchant's notify endpoint on loopback, written the way paywire tells merchants to
//! write theirs: verify (pure), check the payment against the order, claim it in the
//! ledger, write, commit, acknowledge. Several instances can stand behind its one URL,
//! sharing one ledger and one database. For soaks it fails on purpose: HTTP 500 before
//! verifying or after applying, answers slower than the gateway waits, connections
//! dropped mid-answer, a database write that fails, and an instance that dies holding a
//! claim.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http::StatusCode;
use paywire::ledger::{Claim, Expected, Ledger, Payment};
use paywire::wechat_v3::PlatformKeys;
use paywire::{Fen, Secret, VerifyError};
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use paywire_sandbox::{Gateway, SandboxConfig};
use serde::Serialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The keys a merchant verifies notifications with.
pub struct MerchantKeys {
    swiftpass: Secret,
    weidoufu: Secret,
    xorpay: Secret,
    wechat_platform: PlatformKeys,
    apiv3: Secret,
}

impl MerchantKeys {
    /// The keys that match a sandbox configuration.
    pub fn for_sandbox(config: &SandboxConfig) -> Result<Self, String> {
        let mut wechat_platform = PlatformKeys::new();
        wechat_platform
            .add_certificate_pem(&config.wechat_global.platform_certificate_pem)
            .map_err(|e| e.to_string())?;
        Ok(MerchantKeys {
            swiftpass: Secret::new(config.swiftpass.key.as_str()),
            weidoufu: Secret::new(config.weidoufu.secret_key.as_str()),
            xorpay: Secret::new(config.xorpay.app_secret.as_str()),
            wechat_platform,
            apiv3: Secret::new(config.wechat_global.apiv3_key.as_str()),
        })
    }
}

/// A way the merchant fails a delivery on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// HTTP 500 without looking at the notification.
    Before,
    /// Apply, then answer HTTP 500.
    After,
    /// Apply, then answer later than the gateway waits.
    Slow,
    /// Apply, then drop the connection mid-answer.
    Drop,
    /// The merchant's own database write fails after verification: release, answer 500.
    ApplyError,
    /// The instance dies between claiming and writing: the claim is abandoned (neither
    /// committed nor released) and the connection drops.
    Crash,
}

impl Fault {
    /// Every fault, in the order `--faults all` lists them.
    pub const ALL: [Fault; 6] = [
        Fault::Before,
        Fault::After,
        Fault::Slow,
        Fault::Drop,
        Fault::ApplyError,
        Fault::Crash,
    ];

    /// The name `--faults` takes.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Before => "before",
            Fault::After => "after",
            Fault::Slow => "slow",
            Fault::Drop => "drop",
            Fault::ApplyError => "apply-error",
            Fault::Crash => "crash",
        }
    }

    /// Parses `all` or a comma-separated list of names.
    pub fn parse_list(list: &str) -> Result<Vec<Fault>, String> {
        if list.trim() == "all" {
            return Ok(Fault::ALL.to_vec());
        }
        let mut faults = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let fault = Fault::ALL
                .into_iter()
                .find(|f| f.name() == name)
                .ok_or_else(|| {
                    let names: Vec<_> = Fault::ALL.iter().map(|f| f.name()).collect();
                    format!(
                        "unknown fault {name:?}: use all, or some of {}",
                        names.join(",")
                    )
                })?;
            if !faults.contains(&fault) {
                faults.push(fault);
            }
        }
        Ok(faults)
    }
}

/// How many times each fault fired, as the soak report prints it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FaultCounts {
    /// HTTP 500 before verifying.
    pub before: u64,
    /// HTTP 500 after applying (or after finding it applied).
    pub after: u64,
    /// Answers slower than the gateway waits.
    pub slow: u64,
    /// Connections dropped mid-answer.
    pub drop: u64,
    /// Database writes that failed after verification.
    pub apply_failed: u64,
    /// Instances that died holding a claim.
    pub crashed: u64,
}

/// How the merchant behaves.
#[derive(Clone)]
pub struct MerchantOptions {
    /// Fail the first this many deliveries with HTTP 500, whatever the rate.
    pub fail_first: u32,
    /// Fail this fraction of deliveries, spread over `faults`.
    pub fail_rate: f64,
    /// The faults to choose from.
    pub faults: Vec<Fault>,
    /// Seed of the fault choices, so a run can be repeated.
    pub seed: u64,
    /// How long a "slow" answer takes (longer than the gateway waits).
    pub hang: Duration,
    /// Instances behind the one notify URL.
    pub instances: usize,
    /// Each instance's ledger (`instance` from 0): its own connection to a shared store.
    pub ledger: Arc<dyn Fn(usize) -> Result<Ledger, String> + Send + Sync>,
}

impl Default for MerchantOptions {
    fn default() -> Self {
        let shared = Ledger::in_memory();
        MerchantOptions {
            fail_first: 0,
            fail_rate: 0.0,
            faults: vec![Fault::Before, Fault::After, Fault::Slow, Fault::Drop],
            seed: 1,
            hang: Duration::from_millis(600),
            instances: 1,
            ledger: Arc::new(move |_| Ok(shared.clone())),
        }
    }
}

/// One payment the merchant applied after verifying its notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The gateway.
    pub gateway: Gateway,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The amount paid, in fen.
    pub amount_fen: u64,
}

/// What the merchant knows of an order it placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedOrder {
    /// The amount.
    pub amount: Fen,
    /// The currency, where the gateway has one.
    pub currency: Option<String>,
    /// The gateway's id for the order, where its answer carried one (XorPay's `aoid`).
    pub gateway_order: Option<String>,
}

/// What every instance shares: the merchant's database (orders placed, payments applied)
/// and its counters.
#[derive(Default)]
struct Shop {
    placed: Mutex<HashMap<(Gateway, String), PlacedOrder>>,
    /// How many times each payment was written (more than once would be a bug).
    applied: Mutex<HashMap<(Gateway, String), (Applied, u32)>>,
    refused: Mutex<Vec<String>>,
    mismatches: AtomicU64,
    unavailable: AtomicU64,
    commit_failed: AtomicU64,
    faults: Mutex<FaultCounts>,
    fail_first: AtomicU32,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

struct Instance {
    keys: Arc<MerchantKeys>,
    ledger: Ledger,
    rng: Mutex<u64>,
}

struct Front {
    shop: Shop,
    options: MerchantOptions,
    instances: Vec<Instance>,
    next: AtomicUsize,
    /// The last notification body received per gateway (for `demo --verbose`).
    last: Mutex<HashMap<Gateway, Vec<u8>>>,
}

/// The answer a delivery gets before any deliberate fault on the way out.
enum Outcome {
    /// Acknowledge (applied now or before, or not a payment).
    Ack,
    /// A 4xx/5xx answer, with a reason.
    Error(StatusCode, String),
    /// The instance died: no answer at all.
    Died,
}

impl Front {
    fn fault(&self, instance: &Instance) -> Option<Fault> {
        if self
            .shop
            .fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Some(Fault::Before);
        }
        if self.options.fail_rate <= 0.0 || self.options.faults.is_empty() {
            return None;
        }
        // xorshift64*: deterministic for a seed, good enough to pick faults.
        let mut state = lock(&instance.rng);
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        let draw = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
        let mode = self.options.faults[(draw % self.options.faults.len() as u64) as usize];
        (unit < self.options.fail_rate).then_some(mode)
    }

    fn count(&self, fault: Fault) {
        let mut counts = lock(&self.shop.faults);
        match fault {
            Fault::Before => counts.before += 1,
            Fault::After => counts.after += 1,
            Fault::Slow => counts.slow += 1,
            Fault::Drop => counts.drop += 1,
            Fault::ApplyError => counts.apply_failed += 1,
            Fault::Crash => counts.crashed += 1,
        }
    }

    fn refuse(&self, gateway: Gateway, status: StatusCode, reason: String) -> Outcome {
        lock(&self.shop.refused).push(format!("{}: {reason}", gateway.name()));
        Outcome::Error(status, reason)
    }

    /// Verifies, checks, claims, writes and commits: the merchant's whole handler.
    fn handle(
        &self,
        instance: &Instance,
        fault: Option<Fault>,
        gateway: Gateway,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Outcome {
        // 1. Verify: pure, so a redelivery verifies again.
        let payment = match verify(&instance.keys, gateway, headers, body) {
            Ok(Some(payment)) => payment,
            // Authentic but not a payment (a failure, a refund): acknowledge, apply nothing.
            Ok(None) => return Outcome::Ack,
            Err(e) if e.is_malformed() => {
                return self.refuse(gateway, StatusCode::BAD_REQUEST, e.to_string())
            }
            Err(e) => return self.refuse(gateway, StatusCode::UNAUTHORIZED, e.to_string()),
        };
        // 2. Match everything the merchant knows of its order.
        let order = lock(&self.shop.placed)
            .get(&(gateway, payment.order.clone()))
            .cloned();
        let Some(order) = order else {
            let reason = format!("no order {} placed", payment.order);
            return self.refuse(gateway, StatusCode::BAD_REQUEST, reason);
        };
        let expected = Expected {
            amount: order.amount,
            currency: order.currency.as_deref(),
            gateway_order: order.gateway_order.as_deref(),
        };
        if let Err(mismatch) = payment.check(&expected) {
            self.shop.mismatches.fetch_add(1, Ordering::Relaxed);
            return self.refuse(gateway, StatusCode::BAD_REQUEST, mismatch.to_string());
        }
        // 3. Claim the order in the ledger.
        let held = match instance.ledger.claim(&payment.key) {
            Ok(Claim::Fresh(held)) => held,
            Ok(Claim::Done) => return Outcome::Ack,
            Ok(Claim::Busy) => {
                return Outcome::Error(StatusCode::SERVICE_UNAVAILABLE, "busy".into())
            }
            Err(e) => {
                self.shop.unavailable.fetch_add(1, Ordering::Relaxed);
                return Outcome::Error(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
            }
        };
        // 4. Write; on failure the claim is released (dropped) and the gateway retries.
        match fault {
            Some(Fault::Crash) => {
                self.count(Fault::Crash);
                held.abandon();
                return Outcome::Died;
            }
            Some(Fault::ApplyError) => {
                self.count(Fault::ApplyError);
                let _ = held.release();
                let reason = "database write failed".to_owned();
                return Outcome::Error(StatusCode::INTERNAL_SERVER_ERROR, reason);
            }
            _ => self.write(gateway, &payment),
        }
        // 5. Commit. If the ledger cannot take it, the write stands: acknowledge anyway.
        if let Err(e) = held.commit() {
            self.shop.commit_failed.fetch_add(1, Ordering::Relaxed);
            lock(&self.shop.refused).push(format!("{}: commit: {e}", gateway.name()));
        }
        Outcome::Ack
    }

    /// The merchant's database write: deliberately not idempotent, so a ledger that let a
    /// payment through twice shows up as `applied_twice`.
    fn write(&self, gateway: Gateway, payment: &Payment) {
        let applied = Applied {
            gateway,
            out_trade_no: payment.order.clone(),
            amount_fen: payment.amount.get(),
        };
        let mut map = lock(&self.shop.applied);
        let entry = map
            .entry((gateway, payment.order.clone()))
            .or_insert((applied, 0));
        entry.1 += 1;
    }
}

/// The gateway's verifier; `Some` payment when the notification reports one.
fn verify(
    keys: &MerchantKeys,
    gateway: Gateway,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<Payment>, VerifyError> {
    Ok(match gateway {
        Gateway::Swiftpass => {
            let key = swiftpass::VerifyKey::Md5(keys.swiftpass.clone());
            swiftpass::verify_notification(body, &key)?.value.payment()
        }
        Gateway::Weidoufu => weidoufu::verify_notification(body, &keys.weidoufu)?
            .value
            .payment(),
        Gateway::Xorpay => xorpay::verify_notification(body, &keys.xorpay)?
            .value
            .payment(),
        Gateway::WechatGlobal => {
            let now = paywire_sandbox::state::unix_now();
            let (_, transaction) = wechat_global::open_notification(
                &keys.wechat_platform,
                headers,
                body,
                now,
                &keys.apiv3,
            )?;
            transaction.payment()
        }
        Gateway::Feat => None,
    })
}

fn ack_text(gateway: Gateway) -> &'static str {
    match gateway {
        Gateway::Swiftpass => swiftpass::NOTIFY_ACK,
        Gateway::Weidoufu => weidoufu::NOTIFY_ACK,
        Gateway::Xorpay => xorpay::NOTIFY_ACK,
        // WeChat Pay v3 takes any 2xx; featapi sends none.
        Gateway::WechatGlobal | Gateway::Feat => "",
    }
}

/// A body that fails after its first chunk: the server aborts the connection mid-answer,
/// and the gateway sees a truncated response.
fn dropped_connection() -> Response {
    let chunks = vec![
        Ok(Bytes::from_static(b"succ")),
        Err(std::io::Error::other("connection dropped")),
    ];
    (
        StatusCode::OK,
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
        .into_response()
}

async fn notify(
    State(front): State<Arc<Front>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(gateway) = gateway_of(&name) else {
        return (StatusCode::NOT_FOUND, "unknown gateway").into_response();
    };
    lock(&front.last).insert(gateway, body.to_vec());
    if gateway == Gateway::Feat {
        return (StatusCode::NOT_FOUND, "featapi sends no notification").into_response();
    }
    // The load balancer: deliveries spread over the instances in turn.
    let index = front.next.fetch_add(1, Ordering::Relaxed) % front.instances.len();
    let instance = &front.instances[index];
    let fault = front.fault(instance);
    if let Some(Fault::Before) = fault {
        front.count(Fault::Before);
        return (StatusCode::INTERNAL_SERVER_ERROR, "temporarily down").into_response();
    }
    // A shared ledger (Redis) blocks; keep it off the async workers.
    let outcome =
        tokio::task::block_in_place(|| front.handle(instance, fault, gateway, &headers, &body));
    match outcome {
        Outcome::Died => dropped_connection(),
        Outcome::Error(status, reason) => (status, reason).into_response(),
        Outcome::Ack => match fault {
            Some(f @ Fault::After) => {
                front.count(f);
                (StatusCode::INTERNAL_SERVER_ERROR, "failed after applying").into_response()
            }
            Some(f @ Fault::Slow) => {
                front.count(f);
                tokio::time::sleep(front.options.hang).await;
                (StatusCode::OK, ack_text(gateway)).into_response()
            }
            Some(f @ Fault::Drop) => {
                front.count(f);
                dropped_connection()
            }
            _ => (StatusCode::OK, ack_text(gateway)).into_response(),
        },
    }
}

fn gateway_of(name: &str) -> Option<Gateway> {
    [
        Gateway::Feat,
        Gateway::Weidoufu,
        Gateway::Swiftpass,
        Gateway::WechatGlobal,
        Gateway::Xorpay,
    ]
    .into_iter()
    .find(|g| g.name() == name)
}

/// A running merchant notify endpoint.
pub struct Merchant {
    addr: SocketAddr,
    front: Arc<Front>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Merchant {
    /// Starts the endpoint on a free loopback port; it fails the first `fail_first`
    /// deliveries with HTTP 500.
    pub async fn start(keys: MerchantKeys, fail_first: u32) -> std::io::Result<Merchant> {
        Merchant::start_with(
            keys,
            MerchantOptions {
                fail_first,
                ..MerchantOptions::default()
            },
        )
        .await
    }

    /// Starts the endpoint with explicit options.
    pub async fn start_with(
        keys: MerchantKeys,
        options: MerchantOptions,
    ) -> std::io::Result<Merchant> {
        let keys = Arc::new(keys);
        let mut instances = Vec::new();
        for i in 0..options.instances.max(1) {
            let ledger = (options.ledger)(i).map_err(std::io::Error::other)?;
            instances.push(Instance {
                keys: keys.clone(),
                ledger,
                rng: Mutex::new(options.seed.wrapping_add(i as u64 * 0x9e37_79b9).max(1)),
            });
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let front = Arc::new(Front {
            shop: Shop {
                fail_first: AtomicU32::new(options.fail_first),
                ..Shop::default()
            },
            options,
            instances,
            next: AtomicUsize::new(0),
            last: Mutex::new(HashMap::new()),
        });
        let app = Router::new()
            .route("/notify/{gateway}", post(notify))
            .with_state(front.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Merchant {
            addr,
            front,
            _shutdown: tx,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The notify URL for a gateway.
    pub fn notify_url(&self, gateway: Gateway) -> String {
        format!("http://{}/notify/{}", self.addr, gateway.name())
    }

    /// Records an order the merchant placed, before its notification can arrive.
    pub fn placed(&self, gateway: Gateway, out_trade_no: &str, order: PlacedOrder) {
        lock(&self.front.shop.placed).insert((gateway, out_trade_no.to_owned()), order);
    }

    /// The last notification body `gateway` delivered, as received.
    pub fn last_notification(&self, gateway: Gateway) -> Option<Vec<u8>> {
        lock(&self.front.last).get(&gateway).cloned()
    }

    /// Payments applied so far (each once).
    pub fn applied(&self) -> Vec<Applied> {
        lock(&self.front.shop.applied)
            .values()
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// Payments applied more than once (a correct merchant has none).
    pub fn applied_twice(&self) -> usize {
        lock(&self.front.shop.applied)
            .values()
            .filter(|(_, n)| *n > 1)
            .count()
    }

    /// Notifications refused so far, with the reason.
    pub fn refused(&self) -> Vec<String> {
        lock(&self.front.shop.refused).clone()
    }

    /// Verified payments refused because they did not match their order.
    pub fn amount_mismatches(&self) -> u64 {
        self.front.shop.mismatches.load(Ordering::Relaxed)
    }

    /// Deliveries answered 5xx because the ledger could not answer.
    pub fn ledger_unavailable(&self) -> u64 {
        self.front.shop.unavailable.load(Ordering::Relaxed)
    }

    /// Commits the ledger could not take after the write (acknowledged all the same).
    pub fn commit_failures(&self) -> u64 {
        self.front.shop.commit_failed.load(Ordering::Relaxed)
    }

    /// How many times each fault fired.
    pub fn faults(&self) -> FaultCounts {
        lock(&self.front.shop.faults).clone()
    }

    /// Whether the payment of `out_trade_no` was applied.
    pub fn is_applied(&self, gateway: Gateway, out_trade_no: &str) -> bool {
        lock(&self.front.shop.applied).contains_key(&(gateway, out_trade_no.to_owned()))
    }

    /// Waits until the payment of `out_trade_no` is applied, or `timeout` passes.
    pub async fn wait_applied(
        &self,
        gateway: Gateway,
        out_trade_no: &str,
        timeout: Duration,
    ) -> Option<Applied> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = lock(&self.front.shop.applied)
                .get(&(gateway, out_trade_no.to_owned()))
                .map(|(a, _)| a.clone());
            if found.is_some() || tokio::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
