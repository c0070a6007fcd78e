//! `paywire soak`: many orders over all five gateways against the sandbox, with a merchant
//! that fails a fraction of notification deliveries (HTTP 500 before or after applying,
//! answers slower than the gateway waits, connections dropped mid-answer). The merchant
//! applies payments through a replay guard (in memory, or Redis shared between
//! instances), so retried and duplicated notifications are acknowledged but applied once.
//! The report says how many were lost or applied twice (both must be 0).

use crate::demo::{Demo, Row};
use crate::merchant::MerchantOptions;
use paywire::{MemoryReplayGuard, ReplayGuard};
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::Gateway;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// What to soak.
#[derive(Debug, Clone)]
pub struct SoakOptions {
    /// Orders in all.
    pub orders: u32,
    /// Orders in flight at once.
    pub concurrency: usize,
    /// Fraction of notification deliveries the merchant fails.
    pub fail_rate: f64,
    /// A Redis URL for a shared replay guard; in memory when `None`.
    pub redis: Option<String>,
    /// Seed of the merchant's fault choices.
    pub seed: u64,
}

/// The outcome, as printed with `--json`.
#[derive(Debug, Clone, Serialize)]
pub struct SoakReport {
    /// Orders placed.
    pub orders: u32,
    /// Gateways they were spread over.
    pub providers: usize,
    /// Orders paid.
    pub paid: usize,
    /// Notification delivery attempts the sandbox made.
    pub deliveries: usize,
    /// Payments the merchant applied.
    pub applied: usize,
    /// Paid orders with a notification that was never applied.
    pub lost: usize,
    /// Payments applied more than once.
    pub applied_twice: usize,
    /// Median time from placing an order to its payment being applied.
    pub p50_ms: u64,
    /// 99th percentile of the same.
    pub p99_ms: u64,
    /// Orders whose flow failed, with the first reasons.
    pub failures: Vec<String>,
}

/// The soak's notification retries: quick and persistent, so a 30 % failure rate
/// settles in seconds (0.3^30 chances of exhausting them).
const SOAK_RETRY: RetryConfig = RetryConfig {
    first_delay_ms: 20,
    max_delay_ms: 400,
    max_attempts: 30,
    timeout_ms: 300,
};

const GATEWAYS: [Gateway; 5] = [
    Gateway::Feat,
    Gateway::Weidoufu,
    Gateway::Swiftpass,
    Gateway::WechatGlobal,
    Gateway::Xorpay,
];

/// Runs a soak.
pub async fn run(options: &SoakOptions) -> Result<SoakReport, String> {
    let guard: Arc<dyn ReplayGuard> = match &options.redis {
        Some(url) => {
            #[cfg(feature = "redis")]
            {
                let prefix = format!(
                    "paywire:soak:{}:{}:",
                    std::process::id(),
                    paywire_sandbox::state::unix_now()
                );
                Arc::new(
                    paywire::verify::RedisReplayGuard::new(url, &prefix, Duration::from_secs(3600))
                        .map_err(|e| e.to_string())?,
                )
            }
            #[cfg(not(feature = "redis"))]
            {
                return Err(format!(
                    "--redis {url}: this build has no Redis support (feature `redis`)"
                ));
            }
        }
        None => Arc::new(MemoryReplayGuard::new(1_000_000)),
    };
    let merchant = MerchantOptions {
        fail_rate: options.fail_rate.clamp(0.0, 0.95),
        seed: options.seed,
        hang: Duration::from_millis(SOAK_RETRY.timeout_ms * 2),
        guard,
        ..MerchantOptions::default()
    };
    let demo = Arc::new(Demo::start_with(SOAK_RETRY, merchant).await?);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = Vec::with_capacity(options.orders as usize);
    for i in 0..options.orders {
        let demo = demo.clone();
        let permit = semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| e.to_string())?;
        tasks.push(tokio::spawn(async move {
            let _permit = permit;
            match GATEWAYS[i as usize % GATEWAYS.len()] {
                Gateway::Feat => demo.feat(&mut std::io::sink()).await,
                Gateway::Weidoufu => demo.weidoufu().await,
                Gateway::Swiftpass => demo.swiftpass().await,
                Gateway::WechatGlobal => demo.wechat_global().await,
                Gateway::Xorpay => demo.xorpay().await,
            }
        }));
    }
    let mut rows: Vec<Row> = Vec::with_capacity(tasks.len());
    for task in tasks {
        rows.push(task.await.map_err(|e| e.to_string())?);
    }
    // Let the sandbox's retries settle: every paid order with a notification acknowledged
    // or out of attempts.
    let settle_deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let pending = demo
            .sandbox
            .orders()
            .iter()
            .filter(|o| {
                o.paid
                    && o.notify_url.is_some()
                    && !o.acknowledged
                    && (o.deliveries.len() as u32) < SOAK_RETRY.max_attempts
            })
            .count();
        if pending == 0 || tokio::time::Instant::now() >= settle_deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let orders = demo.sandbox.orders();
    let notifying: Vec<_> = orders
        .iter()
        .filter(|o| o.paid && o.notify_url.is_some())
        .collect();
    let lost = notifying
        .iter()
        .filter(|o| !demo.merchant.is_applied(o.gateway, &o.out_trade_no))
        .count();
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
    Ok(SoakReport {
        orders: options.orders,
        providers: GATEWAYS.len(),
        paid: orders.iter().filter(|o| o.paid).count(),
        deliveries: orders.iter().map(|o| o.deliveries.len()).sum(),
        applied: demo.merchant.applied().len(),
        lost,
        applied_twice: demo.merchant.applied_twice(),
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        failures,
    })
}
