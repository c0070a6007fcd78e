//! `paywire soak`: many orders over all five gateways against the sandbox, with a merchant
//! on `paywire-axum` (one or several instances behind one notify URL) that fails
//! deliveries on purpose: HTTP 500 before verifying or after applying, slow answers,
//! dropped connections, and inside the write a failure, a death before or after it, a
//! slow write, a panic after it. Payments are applied through a ledger apart from the
//! shop's database (in memory, or Redis shared by the instances) or inside the shop's own
//! SQL transaction (a SQLite file, or PostgreSQL shared by the instances); the soak can
//! kill and restart its own Redis or PostgreSQL mid-run. The report counts what was lost,
//! applied twice or mismatched; all three must be 0.

mod recover;
mod redeliver;
mod refunds;

use crate::demo::{Demo, Row};
use crate::merchant::{database, Fault, FaultCounts, MerchantLedger, MerchantOptions};
use crate::sockets::PeakConnections;
use paywire::ledger::Ledger;
use paywire_providers::GATEWAYS;
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::mariadb_server::MariadbServer;
use paywire_sandbox::postgres_server::PostgresServer;
use paywire_sandbox::redis_server::RedisServer;
use paywire_sandbox::Gateway;
pub use recover::RecoveryReport;
pub use redeliver::RedeliveryReport;
pub use refunds::RefundReport;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What to soak.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// Orders in all.
    pub orders: u32,
    /// Orders in flight at once.
    pub concurrency: usize,
    /// Fraction of notification deliveries the merchant fails.
    pub fail_rate: f64,
    /// The faults failed deliveries are spread over.
    pub faults: Vec<Fault>,
    /// Merchant instances behind the one notify URL.
    pub instances: usize,
    /// Where payments are applied.
    pub ledger: SoakLedger,
    /// With a server the soak starts itself (Redis, PostgreSQL): kill it a quarter of the
    /// way through and start it again after this long.
    pub outage: Option<Duration>,
    /// The ledger's claim lease (how long an abandoned claim blocks its order).
    pub lease: Duration,
    /// Seed of the merchant's fault choices.
    pub seed: u64,
    /// How progress is shown on stderr.
    pub progress: crate::progress::Progress,
}

impl Default for SoakOptions {
    fn default() -> Self {
        SoakOptions {
            orders: 200,
            concurrency: 8,
            fail_rate: 0.3,
            faults: vec![Fault::Before, Fault::After, Fault::Slow, Fault::Drop],
            instances: 1,
            progress: crate::progress::Progress::Quiet,
            ledger: SoakLedger::Memory,
            outage: None,
            lease: Duration::from_secs(4),
            seed: 1,
        }
    }
}

/// Where the soak's merchant applies payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SoakLedger {
    /// A ledger in the merchant's memory, shared by its instances.
    Memory,
    /// A ledger in Redis: a `redis://` URL, or `None` for a `redis-server` the soak
    /// starts on loopback.
    Redis(Option<String>),
    /// Inside the shop's transaction on a SQLite file in a temporary folder.
    Sqlite,
    /// Inside the shop's transaction on PostgreSQL: a `postgres://` URL, or `None` for a
    /// server the soak starts on loopback.
    Postgres(Option<String>),
    /// Inside the shop's transaction on MariaDB: a `mysql://` URL, or `None` for a server
    /// the soak starts on loopback.
    Mariadb(Option<String>),
}

impl SoakLedger {
    /// Parses `--ledger NAME` with its optional `--ledger-url`.
    pub fn parse(name: &str, url: Option<String>) -> Result<SoakLedger, String> {
        match (name, url) {
            ("memory", None) => Ok(SoakLedger::Memory),
            ("sqlite", None) => Ok(SoakLedger::Sqlite),
            ("memory" | "sqlite", Some(_)) => Err(format!("--ledger {name} takes no --ledger-url")),
            ("redis", url) => Ok(SoakLedger::Redis(url.filter(|u| u != "auto"))),
            ("postgres", url) => Ok(SoakLedger::Postgres(url.filter(|u| u != "auto"))),
            ("mariadb", url) => Ok(SoakLedger::Mariadb(url.filter(|u| u != "auto"))),
            (other, _) => Err(format!(
                "unknown ledger {other:?}: use memory, redis, sqlite, postgres or mariadb"
            )),
        }
    }

    /// The name `--ledger` takes.
    pub fn name(&self) -> &'static str {
        match self {
            SoakLedger::Memory => "memory",
            SoakLedger::Redis(_) => "redis",
            SoakLedger::Sqlite => "sqlite",
            SoakLedger::Postgres(_) => "postgres",
            SoakLedger::Mariadb(_) => "mariadb",
        }
    }

    /// Whether the "applied" mark is kept apart from the shop's write.
    pub fn is_separate(&self) -> bool {
        matches!(self, SoakLedger::Memory | SoakLedger::Redis(_))
    }
}

/// One gateway's share of the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GatewayReport {
    /// Orders placed with it.
    pub orders: usize,
    /// Orders paid.
    pub paid: usize,
    /// Payments the merchant applied.
    pub applied: usize,
    /// Whether it sends notifications (featapi documents none).
    pub notifies: bool,
}

/// The outcome, as printed with `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    /// Orders placed.
    pub orders: u32,
    /// Orders paid.
    pub paid: usize,
    /// Payments the merchant applied (distinct orders).
    pub applied: usize,
    /// Paid orders of notifying gateways whose payment was never applied.
    pub lost: usize,
    /// Payments applied more than once.
    pub applied_twice: usize,
    /// Verified payments refused because they did not match their order.
    pub amount_mismatch: u64,
    /// Merchant instances.
    pub instances: usize,
    /// Deliveries answered 503 (the ledger could not answer, or another instance held
    /// the order).
    pub guard_unavailable: u64,
    /// Where payments were applied: `memory`, `redis`, `sqlite`, `postgres` or `mariadb`.
    pub ledger: &'static str,
    /// How many times each fault fired.
    pub faults: FaultCounts,
    /// Per gateway.
    pub gateways: BTreeMap<&'static str, GatewayReport>,
    /// Notification delivery attempts the sandbox made.
    pub deliveries: usize,
    /// The sandbox's delivery pool size.
    pub delivery_workers: usize,
    /// The most connections open to the merchant at once during the run, counted in the
    /// kernel's socket tables (`null` where they cannot be read); at most the pool size.
    pub peak_notify_connections: Option<usize>,
    /// Whether the ledger's server (Redis, PostgreSQL) was killed and restarted during
    /// the run.
    pub ledger_restarted: bool,
    /// Median time from placing an order to its payment being applied.
    pub p50_ms: u64,
    /// 99th percentile of the same.
    pub p99_ms: u64,
    /// Wall time of the whole run, settling included.
    pub elapsed_ms: u64,
    /// Orders whose flow failed, with the first reasons.
    pub failures: Vec<String>,
    /// The refunds made after the payments settled.
    pub refunds: RefundReport,
    /// Every paid order queried after the payments settled, and the payments of the
    /// signed answers applied again through the once-only step (none may be written
    /// twice: `applied_twice` is counted after it).
    pub recovery: RecoveryReport,
    /// Every paid order's notification sent again after the payments settled, several
    /// copies at once: each must be acknowledged and none written again (`applied_twice`
    /// is counted after it).
    pub redelivery: RedeliveryReport,
}

impl SoakReport {
    /// Whether nothing was lost, doubled or mismatched, and every flow passed.
    pub fn passed(&self) -> bool {
        self.lost == 0
            && self.applied_twice == 0
            && self.amount_mismatch == 0
            && self.failures.is_empty()
            && self.refunds.passed()
            && self.recovery.failed == 0
            && self.redelivery.unacknowledged == 0
            && self.redelivery.refused.is_empty()
            && self
                .peak_notify_connections
                .is_none_or(|peak| peak <= self.delivery_workers)
    }
}

/// Every gateway of the registry, in turn.
fn gateways() -> Vec<Gateway> {
    GATEWAYS.ordering().map(|g| Gateway::of(g.id)).collect()
}

/// The soak's notification retries: quick, and persistent enough to outlast a claim's
/// lease and a Redis outage several times over (a failure rate of 30 % exhausts 30
/// attempts with odds of 0.3^30).
fn retry_for(options: &SoakOptions) -> RetryConfig {
    let max_delay_ms = 400;
    let outage = options.outage.unwrap_or_default();
    let span_ms = 10_000 + 3 * (options.lease + outage).as_millis() as u64;
    RetryConfig {
        first_delay_ms: 20,
        max_delay_ms,
        max_attempts: 30u32.max((span_ms / max_delay_ms) as u32 + 6),
        timeout_ms: 300,
        ..RetryConfig::default()
    }
}

/// Each instance's ledger: its own connection to one shared store.
fn ledgers(
    options: &SoakOptions,
    url: Option<String>,
) -> Arc<dyn Fn(usize) -> Result<Ledger, String> + Send + Sync> {
    let lease = options.lease;
    // Commits are retried for up to four fifths of the lease: long enough to outlast a
    // short Redis outage, short enough that the claim is still the holder's when the
    // commit lands (no other instance can have taken it over).
    let patience = lease * 4 / 5;
    match url {
        None => {
            let shared = Ledger::in_memory()
                .with_lease(lease)
                .with_commit_patience(patience);
            Arc::new(move |_| shared.clone().map_err(|e| e.to_string()))
        }
        Some(url) => {
            let prefix = format!(
                "paywire:soak:{}:{}:",
                std::process::id(),
                paywire_sandbox::state::unix_now_nanos()
            );
            Arc::new(move |_| redis_ledger(&url, &prefix, lease, patience))
        }
    }
}

#[cfg(feature = "redis")]
fn redis_ledger(
    url: &str,
    prefix: &str,
    lease: Duration,
    patience: Duration,
) -> Result<Ledger, String> {
    let store = paywire::ledger::RedisLedger::new(url, prefix)
        .map_err(|e| e.to_string())?
        .with_timeout(Duration::from_millis(500));
    Ledger::new(store)
        .with_lease(lease)
        .with_commit_patience(patience)
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "redis"))]
fn redis_ledger(url: &str, _: &str, _: Duration, _: Duration) -> Result<Ledger, String> {
    Err(format!(
        "--redis {url}: this build has no Redis support (feature `redis`)"
    ))
}

/// The shortest lease with which exactly once holds through a Redis outage of `outage`:
/// the commits the outage interrupts are retried for four fifths of the lease (see
/// `ledgers`), which must outlast the outage, Redis's restart and the last retry pause
/// (a second for those two).
pub fn shortest_lease_through(outage: Duration) -> Duration {
    (outage + Duration::from_secs(1)) * 5 / 4
}

/// A server the soak started itself and can kill and restart mid-run.
trait OwnServer: Send {
    fn kill(&mut self);
    fn restart(&mut self) -> Result<(), String>;
}

impl OwnServer for RedisServer {
    fn kill(&mut self) {
        RedisServer::kill(self);
    }
    fn restart(&mut self) -> Result<(), String> {
        RedisServer::restart(self).map_err(|e| e.to_string())
    }
}

impl OwnServer for MariadbServer {
    fn kill(&mut self) {
        MariadbServer::kill(self);
    }
    fn restart(&mut self) -> Result<(), String> {
        MariadbServer::restart(self).map_err(|e| e.to_string())
    }
}

impl OwnServer for PostgresServer {
    fn kill(&mut self) {
        PostgresServer::kill(self);
    }
    fn restart(&mut self) -> Result<(), String> {
        PostgresServer::restart(self).map_err(|e| e.to_string())
    }
}

/// Where the merchant applies payments, and the server the soak started for it.
struct Placement {
    merchant: MerchantLedger,
    server: Option<Arc<Mutex<dyn OwnServer>>>,
    /// The temporary folder of a SQLite file, removed at the end.
    folder: Option<std::path::PathBuf>,
}

fn placement(options: &SoakOptions) -> Result<Placement, String> {
    let owns_server = matches!(
        options.ledger,
        SoakLedger::Redis(None) | SoakLedger::Postgres(None) | SoakLedger::Mariadb(None)
    );
    if options.outage.is_some() && !owns_server {
        return Err(format!(
            "--outage-ms needs a server the soak starts itself: --ledger redis, postgres or mariadb \
             without --ledger-url (not {})",
            options.ledger.name()
        ));
    }
    let own = |server| Some(server);
    let (merchant, server, folder): (MerchantLedger, Option<Arc<Mutex<dyn OwnServer>>>, _) =
        match &options.ledger {
            SoakLedger::Memory => (MerchantLedger::Separate(ledgers(options, None)), None, None),
            SoakLedger::Redis(Some(url)) => (
                MerchantLedger::Separate(ledgers(options, Some(url.clone()))),
                None,
                None,
            ),
            SoakLedger::Redis(None) => {
                let server = RedisServer::start().map_err(|e| e.to_string())?;
                let url = server.url.clone();
                let server: Arc<Mutex<dyn OwnServer>> = Arc::new(Mutex::new(server));
                (
                    MerchantLedger::Separate(ledgers(options, Some(url))),
                    own(server),
                    None,
                )
            }
            SoakLedger::Sqlite => {
                let folder = std::env::temp_dir().join(format!(
                    "paywire-soak-{}-{}",
                    std::process::id(),
                    paywire_sandbox::state::unix_now_nanos()
                ));
                std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
                let file = folder.join("shop.db");
                (MerchantLedger::Sqlite(file), None, Some(folder))
            }
            SoakLedger::Postgres(Some(url)) => (MerchantLedger::Postgres(url.clone()), None, None),
            SoakLedger::Postgres(None) => {
                let server = PostgresServer::start().map_err(|e| e.to_string())?;
                let url = server.url.clone();
                let server: Arc<Mutex<dyn OwnServer>> = Arc::new(Mutex::new(server));
                (MerchantLedger::Postgres(url), own(server), None)
            }
            SoakLedger::Mariadb(Some(url)) => (MerchantLedger::Mariadb(url.clone()), None, None),
            SoakLedger::Mariadb(None) => {
                let server = MariadbServer::start().map_err(|e| e.to_string())?;
                let url = server.url.clone();
                let server: Arc<Mutex<dyn OwnServer>> = Arc::new(Mutex::new(server));
                (MerchantLedger::Mariadb(url), own(server), None)
            }
        };
    Ok(Placement {
        merchant,
        server,
        folder,
    })
}

/// Runs a soak.
pub async fn run(options: &SoakOptions) -> Result<SoakReport, String> {
    let started = Instant::now();
    if let (Some(outage), true) = (options.outage, options.ledger.is_separate()) {
        let shortest = shortest_lease_through(outage);
        if options.lease < shortest {
            return Err(format!(
                "a lease of {} ms does not outlast a Redis outage of {} ms: a commit the \
                 outage interrupts would give up, and a redelivery could apply the payment \
                 again; give --lease-ms {} or more",
                options.lease.as_millis(),
                outage.as_millis(),
                shortest.as_millis()
            ));
        }
    }
    let placement = placement(options)?;
    let result = soak(options, &placement, started).await;
    if let Some(folder) = &placement.folder {
        let _ = std::fs::remove_dir_all(folder);
    }
    result
}

async fn soak(
    options: &SoakOptions,
    placement: &Placement,
    started: Instant,
) -> Result<SoakReport, String> {
    let retry = retry_for(options);
    let merchant = MerchantOptions {
        fail_rate: options.fail_rate.clamp(0.0, 0.95),
        faults: options.faults.clone(),
        seed: options.seed,
        hang: Duration::from_millis(retry.timeout_ms * 2),
        instances: options.instances.max(1),
        ledger: placement.merchant.clone(),
        ..MerchantOptions::default()
    };
    // Refunds stay in progress at the gateways that notify a refund's end until the soak
    // ends them, some closed, as a gateway takes its time and sometimes closes one.
    let config = paywire_sandbox::SandboxConfig {
        retry,
        hold_refunds: true,
        ..paywire_sandbox::SandboxConfig::default()
    };
    let demo = Arc::new(Demo::start_configured(config, merchant).await?);
    let connections = PeakConnections::start(demo.merchant.addr().port());
    let placed = Arc::new(AtomicU32::new(0));
    let outage = match (&placement.server, options.outage) {
        (Some(server), Some(pause)) => Some(tokio::spawn(restart_mid_run(
            server.clone(),
            pause,
            placed.clone(),
            options.orders / 4,
        ))),
        _ => None,
    };
    let reporter = Arc::new(crate::progress::Reporter::new(
        options.progress,
        u64::from(options.orders),
        "orders",
        Box::new(std::io::stderr()),
    ));
    let semaphore = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = Vec::with_capacity(options.orders as usize);
    let turns = gateways();
    for i in 0..options.orders {
        let demo = demo.clone();
        let reporter = reporter.clone();
        let gateway = turns[i as usize % turns.len()];
        let permit = semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        placed.fetch_add(1, Ordering::Relaxed);
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            let row = demo.flow(gateway, &mut std::io::sink()).await;
            reporter.advance();
            row
        }));
    }
    let mut rows: Vec<Row> = Vec::with_capacity(tasks.len());
    for task in tasks {
        rows.push(task.await.map_err(|e| e.to_string())?);
    }
    let ledger_restarted = match outage {
        Some(task) => task.await.map_err(|e| e.to_string())??,
        None => false,
    };
    reporter.phase("settling the last deliveries");
    settle(&demo, retry).await;
    reporter.phase("sending every paid order's notification again, copies at once");
    let redelivery = redeliver::redeliver_all(&demo, retry).await;
    reporter.phase("recovering every paid order from its signed query answer");
    let recovery = recover::recover_all(&demo, &paid_orders(&demo)).await;
    demo.merchant.refresh().await?;
    reporter.phase("refunding every paid order from every instance at once");
    let refunds = refunds::refund_all(
        demo.clone(),
        paid_orders(&demo),
        refund_books(&placement.merchant, options.instances.max(1)).await?,
        options.fail_rate,
        options.concurrency,
    )
    .await;
    reporter.finish();
    let peak_notify_connections = connections.finish();
    let mut report = report(options, &demo, &rows, ledger_restarted, started);
    report.refunds = refunds;
    report.recovery = recovery;
    report.redelivery = redelivery;
    report.delivery_workers = retry.workers;
    report.peak_notify_connections = peak_notify_connections;
    Ok(report)
}

/// Every paid order: its gateway, number, the gateway's id of it (the sandbox's, which is
/// what XorPay's answer gave as `aoid`), amount and currency.
fn paid_orders(demo: &Demo) -> Vec<refunds::PaidOrder> {
    demo.sandbox
        .orders()
        .into_iter()
        .filter(|o| o.paid)
        .map(|o| refunds::PaidOrder {
            gateway: o.gateway,
            amount: paywire::Fen::new(o.amount_fen),
            currency: o.extra.get("currency").cloned().filter(|c| !c.is_empty()),
            number: o.out_trade_no,
            gateway_order: Some(o.transaction_id),
        })
        .collect()
}

/// Each instance's refund books: a refund ledger over the payments' shared store where
/// that store is apart from the shop (memory, Redis), else the shop's own database (each
/// instance its own pool), where refunds are recorded by `paywire_sqlx::refund_once`.
async fn refund_books(
    merchant: &MerchantLedger,
    instances: usize,
) -> Result<Vec<refunds::RefundBooks>, String> {
    let mut books = Vec::with_capacity(instances);
    for i in 0..instances {
        books.push(match merchant {
            MerchantLedger::Separate(make) => refunds::RefundBooks::Ledger(make(i)?),
            MerchantLedger::Sqlite(file) => refunds::RefundBooks::Sqlite(
                database::sqlite(file, false)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
            MerchantLedger::Postgres(url) => refunds::RefundBooks::Postgres(
                database::postgres(url, false)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
            MerchantLedger::Mariadb(url) => refunds::RefundBooks::Mariadb(
                database::mariadb(url, false)
                    .await
                    .map_err(|e| e.to_string())?,
            ),
        });
    }
    Ok(books)
}

/// Kills the soak's Redis or PostgreSQL once `after` orders are placed and starts it
/// again `pause` later; `true` once it is back.
async fn restart_mid_run(
    server: Arc<Mutex<dyn OwnServer>>,
    pause: Duration,
    placed: Arc<AtomicU32>,
    after: u32,
) -> Result<bool, String> {
    while placed.load(Ordering::Relaxed) < after.max(1) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.lock().unwrap_or_else(|p| p.into_inner()).kill();
    tokio::time::sleep(pause).await;
    tokio::task::spawn_blocking(move || {
        server
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .restart()
            .map(|()| true)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Waits until every paid order with a notification is acknowledged or out of attempts.
async fn settle(demo: &Demo, retry: RetryConfig) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let pending = demo
            .sandbox
            .orders()
            .iter()
            .filter(|o| {
                o.paid
                    && o.notify_url.is_some()
                    && !o.acknowledged
                    && (o.deliveries.len() as u32) < retry.max_attempts
            })
            .count();
        if pending == 0 || tokio::time::Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn report(
    options: &SoakOptions,
    demo: &Demo,
    rows: &[Row],
    ledger_restarted: bool,
    started: Instant,
) -> SoakReport {
    let orders = demo.sandbox.orders();
    let merchant = &demo.merchant;
    let mut gateways: BTreeMap<&'static str, GatewayReport> = GATEWAYS
        .ordering()
        .map(|g| {
            let report = GatewayReport {
                notifies: g.receiver.is_some(),
                ..GatewayReport::default()
            };
            (g.id, report)
        })
        .collect();
    let mut lost = 0;
    for order in &orders {
        let entry = gateways.entry(order.gateway.name()).or_default();
        entry.orders += 1;
        if order.paid {
            entry.paid += 1;
            if entry.notifies && !merchant.is_applied(order.gateway, &order.out_trade_no) {
                lost += 1;
            }
        }
    }
    let applied = merchant.applied();
    for payment in &applied {
        gateways.entry(payment.gateway.name()).or_default().applied += 1;
    }
    let mut latencies: Vec<u64> = rows
        .iter()
        .filter(|r| r.passed())
        .map(|r| r.elapsed.as_millis() as u64)
        .collect();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0)
    };
    let failures: Vec<String> = rows
        .iter()
        .filter(|r| !r.passed())
        .take(5)
        .map(|r| {
            format!(
                "{} {}: {:?} / {:?}",
                r.gateway.name(),
                r.order,
                r.response,
                r.notification
            )
        })
        .collect();
    SoakReport {
        orders: options.orders,
        paid: orders.iter().filter(|o| o.paid).count(),
        applied: applied.len(),
        lost,
        applied_twice: merchant.applied_twice(),
        amount_mismatch: merchant.amount_mismatches(),
        instances: options.instances.max(1),
        guard_unavailable: merchant.ledger_unavailable(),
        ledger: options.ledger.name(),
        faults: merchant.faults(),
        gateways,
        deliveries: orders.iter().map(|o| o.attempts() as usize).sum(),
        delivery_workers: 0,
        peak_notify_connections: None,
        ledger_restarted,
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        elapsed_ms: started.elapsed().as_millis() as u64,
        failures,
        refunds: RefundReport::default(),
        recovery: RecoveryReport::default(),
        redelivery: RedeliveryReport::default(),
    }
}
