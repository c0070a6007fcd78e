//! A merchant's notify endpoint on loopback, built on `paywire-axum` as a merchant would
//! build theirs: each instance is a `paywire_axum::Notifications` router (verify, check
//! the payment against the order, apply it once through the ledger or in the shop's own
//! SQL transaction, acknowledge). Several instances stand behind its one URL, sharing one
//! ledger or database. For soaks, faults are injected around it, never inside it: around
//! the delivery (HTTP 500 before verifying or after applying, answers slower than the
//! gateway waits, connections dropped mid-answer) and inside the shop's write (a failed
//! write, a death before or after the write, a slow write, a panic after the write).

pub(crate) mod database;
mod faults;
mod front;
mod shop;

pub use faults::{Fault, FaultCounts};

use database::{mariadb, postgres, sqlite, Database};
use front::{notify, Front};

use axum::routing::post;
use axum::Router;
use faults::Draw;
use paywire::ledger::{Ledger, Payment};
use paywire::Fen;
use paywire_axum::{Notifications, Receiver, Recovered};
use paywire_providers::registry::{Credentials, MakeReceiver};
use paywire_providers::GATEWAYS;
use paywire_sandbox::{Gateway, SandboxConfig};
use shop::{Books, InstanceShop};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The keys a merchant verifies notifications with: for each gateway of the registry
/// that notifies, how its receiver is made and the credentials it is made with.
#[derive(Clone)]
pub struct MerchantKeys {
    gateways: Vec<(MakeReceiver, Credentials)>,
}

impl MerchantKeys {
    /// The keys that match a sandbox configuration.
    pub fn for_sandbox(config: &SandboxConfig) -> Result<Self, String> {
        let keys = MerchantKeys {
            gateways: GATEWAYS
                .gateways()
                .filter_map(|g| {
                    let make = g.receiver?;
                    Some((
                        make,
                        paywire_sandbox::credentials(config, Gateway::of(g.id)),
                    ))
                })
                .collect(),
        };
        // Made once here so that a missing key is reported before anything starts.
        keys.receivers()?;
        Ok(keys)
    }

    /// One receiver per notifying gateway.
    fn receivers(&self) -> Result<Vec<Receiver>, String> {
        self.gateways
            .iter()
            .map(|(make, credentials)| make(credentials))
            .collect()
    }
}

/// The router of `notifications` for every notifying gateway, verified with `keys`.
macro_rules! routes {
    ($keys:expr, $notifications:expr) => {{
        let mut notifications = $notifications;
        for receiver in $keys.receivers().map_err(std::io::Error::other)? {
            notifications = notifications.receive(receiver);
        }
        let recovery = notifications.recovery();
        let recover: Recover = Box::new(move |payment| {
            let recovery = recovery.clone();
            Box::pin(async move { recovery.apply(payment).await })
        });
        (notifications.router(), recover)
    }};
}

/// Applies a payment the merchant found itself through one instance's once-only step
/// (`paywire_axum::Recovery`).
type Recover = Box<
    dyn Fn(Payment) -> std::pin::Pin<Box<dyn std::future::Future<Output = Recovered> + Send>>
        + Send
        + Sync,
>;

/// Where the instances apply payments.
#[derive(Clone)]
pub enum MerchantLedger {
    /// A ledger apart from the shop's database (memory, Redis): each instance's ledger
    /// (`instance` from 0), its own connection to a shared store.
    Separate(Arc<dyn Fn(usize) -> Result<Ledger, String> + Send + Sync>),
    /// The shop's own SQLite file, the ledger inside its transactions.
    Sqlite(std::path::PathBuf),
    /// The shop's own PostgreSQL database (a URL), the ledger inside its transactions.
    Postgres(String),
    /// The shop's own MariaDB database (a URL), the ledger inside its transactions.
    Mariadb(String),
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
    /// How long a "slow" answer or write takes (longer than the gateway waits).
    pub hang: Duration,
    /// Instances behind the one notify URL.
    pub instances: usize,
    /// Where the instances apply payments.
    pub ledger: MerchantLedger,
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
            ledger: MerchantLedger::Separate(Arc::new(move |_| Ok(shared.clone()))),
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Keeps the panics the soak's faults cause out of the output; any other panic is
/// reported as before.
fn quiet_fault_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or_default();
            if !message.starts_with(shop::FAULT_PANIC) {
                previous(info);
            }
        }));
    });
}

/// A running merchant notify endpoint.
pub struct Merchant {
    addr: SocketAddr,
    front: Arc<Front>,
    /// Each instance's recovery, in instance order.
    recoveries: Vec<Recover>,
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
        let books = Arc::new(Books::default());
        let database = match &options.ledger {
            MerchantLedger::Separate(_) => None,
            MerchantLedger::Sqlite(file) => Some(Database::Sqlite(sqlite(file, true).await?)),
            MerchantLedger::Postgres(url) => Some(Database::Postgres(postgres(url, true).await?)),
            MerchantLedger::Mariadb(url) => Some(Database::Mariadb(mariadb(url, true).await?)),
        };
        if options.faults.iter().any(|f| f.in_the_write()) && options.fail_rate > 0.0 {
            quiet_fault_panics();
        }
        let mut instances = Vec::new();
        let mut recoveries = Vec::new();
        for i in 0..options.instances.max(1) {
            let seed = options.seed.wrapping_add(i as u64 * 0x9e37_79b9);
            // The front draws the faults around a delivery, each shop those in its write.
            let draw = |seed: u64, write: bool| {
                Draw::new(seed, options.fail_rate, &options.faults, |f| {
                    f.in_the_write() == write
                })
            };
            let shop = InstanceShop::new(books.clone(), draw(seed ^ 0x5eed, true), options.hang);
            let (router, recover) = match &options.ledger {
                MerchantLedger::Separate(ledgers) => {
                    let ledger = ledgers(i).map_err(std::io::Error::other)?;
                    routes!(keys, Notifications::new(shop, ledger))
                }
                MerchantLedger::Sqlite(file) => {
                    let pool = sqlite(file, false).await?;
                    routes!(keys, Notifications::in_transaction(shop, pool))
                }
                MerchantLedger::Postgres(url) => {
                    let pool = postgres(url, false).await?;
                    routes!(keys, Notifications::in_transaction(shop, pool))
                }
                MerchantLedger::Mariadb(url) => {
                    let pool = mariadb(url, false).await?;
                    routes!(keys, Notifications::in_transaction(shop, pool))
                }
            };
            instances.push((router, draw(seed, false)));
            recoveries.push(recover);
        }
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let front = Arc::new(Front {
            books,
            database,
            instances,
            next: AtomicUsize::new(0),
            hang: options.hang,
            fail_first: AtomicU32::new(options.fail_first),
            refused: Mutex::new(Vec::new()),
            refused_after_verifying: AtomicU64::new(0),
            unavailable: AtomicU64::new(0),
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
            recoveries,
            _shutdown: tx,
        })
    }

    /// Applies `payment`, found by the gateway's signed query answer, through the first
    /// instance's once-only step, as its notification would be: never twice.
    pub async fn recover(&self, payment: Payment) -> Recovered {
        match self.recoveries.first() {
            Some(recover) => recover(payment).await,
            None => Recovered::Unavailable,
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The notify URL for a gateway.
    pub fn notify_url(&self, gateway: Gateway) -> String {
        format!("http://{}/notify/{}", self.addr, gateway.name())
    }

    /// How many times the success of each refund, reported by the gateway's refund
    /// notification, was written, by gateway and refund number: as the shop's SQL
    /// database committed them, or as a separate-ledger merchant counted them in memory.
    pub async fn refunds_written(&self) -> Result<HashMap<(Gateway, String), u32>, String> {
        let Some(database) = &self.front.database else {
            return Ok(lock(&self.front.books.refunds).clone());
        };
        let rows = database.refunds_written().await?;
        Ok(rows
            .into_iter()
            .filter_map(|(gateway, refund_no, writes)| {
                let writes = u32::try_from(writes).unwrap_or(u32::MAX);
                Some(((Gateway::named(&gateway)?, refund_no), writes))
            })
            .collect())
    }

    /// Records an order the merchant placed, before its notification can arrive.
    pub fn placed(&self, gateway: Gateway, out_trade_no: &str, order: PlacedOrder) {
        lock(&self.front.books.placed).insert((gateway, out_trade_no.to_owned()), order);
    }

    /// The last notification body `gateway` delivered, as received.
    pub fn last_notification(&self, gateway: Gateway) -> Option<Vec<u8>> {
        lock(&self.front.last).get(&gateway).cloned()
    }

    /// Reads what the shop's SQL database committed into the counts `applied`,
    /// `applied_twice` and `is_applied` report (a separate-ledger merchant counts in
    /// memory as it writes).
    pub async fn refresh(&self) -> Result<(), String> {
        if self.front.database.is_none() {
            return Ok(());
        }
        let rows = self.committed(None).await?;
        lock(&self.front.books.applied).clear();
        self.record(rows);
        Ok(())
    }

    /// The committed writes of every payment, or of one (`gateway`, `out_trade_no`).
    async fn committed(
        &self,
        only: Option<(Gateway, &str)>,
    ) -> Result<Vec<(String, String, i64, i64)>, String> {
        match &self.front.database {
            None => Ok(Vec::new()),
            Some(database) => database.committed(only).await,
        }
    }

    /// Puts committed rows into the counts.
    fn record(&self, rows: Vec<(String, String, i64, i64)>) {
        let mut applied = lock(&self.front.books.applied);
        for (gateway, out_trade_no, amount, writes) in rows {
            let Some(gateway) = Gateway::named(&gateway) else {
                continue;
            };
            let written = Applied {
                gateway,
                out_trade_no: out_trade_no.clone(),
                amount_fen: u64::try_from(amount).unwrap_or(0),
            };
            let writes = u32::try_from(writes).unwrap_or(u32::MAX);
            applied.insert((gateway, out_trade_no), (written, writes));
        }
    }

    /// Payments applied so far (each once).
    pub fn applied(&self) -> Vec<Applied> {
        lock(&self.front.books.applied)
            .values()
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// Payments applied more than once (a correct merchant has none).
    pub fn applied_twice(&self) -> usize {
        lock(&self.front.books.applied)
            .values()
            .filter(|(_, n)| *n > 1)
            .count()
    }

    /// Notifications refused so far, with the reason.
    pub fn refused(&self) -> Vec<String> {
        lock(&self.front.refused).clone()
    }

    /// Authentic notifications refused after verifying (an unknown order, a payment that
    /// does not match its order).
    pub fn amount_mismatches(&self) -> u64 {
        self.front.refused_after_verifying.load(Ordering::Relaxed)
    }

    /// Deliveries answered 503 (the ledger could not answer, or another instance held
    /// the order).
    pub fn ledger_unavailable(&self) -> u64 {
        self.front.unavailable.load(Ordering::Relaxed)
    }

    /// How many times each fault fired.
    pub fn faults(&self) -> FaultCounts {
        lock(&self.front.books.faults).clone()
    }

    /// Whether the payment of `out_trade_no` was applied.
    pub fn is_applied(&self, gateway: Gateway, out_trade_no: &str) -> bool {
        lock(&self.front.books.applied).contains_key(&(gateway, out_trade_no.to_owned()))
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
            // One row of the shop's database, not the whole table every 20 ms.
            if let Ok(rows) = self.committed(Some((gateway, out_trade_no))).await {
                self.record(rows);
            }
            let found = lock(&self.front.books.applied)
                .get(&(gateway, out_trade_no.to_owned()))
                .map(|(a, _)| a.clone());
            if found.is_some() || tokio::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
