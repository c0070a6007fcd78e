//! The sandbox's configuration: each gateway's merchant credentials (declared beside its
//! simulator), retries, server and storage bounds, with sandbox defaults that a JSON
//! config file can override field by field.

use paywire::keys::KeyError;
use serde::Deserialize;
use std::time::Duration;

/// How notifications are retried until the merchant acknowledges.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Delay before the second attempt, in milliseconds; it doubles after each failure.
    pub first_delay_ms: u64,
    /// The largest delay between attempts, in milliseconds.
    pub max_delay_ms: u64,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// Timeout of one delivery, in milliseconds.
    pub timeout_ms: u64,
    /// Deliveries in flight at once, each on one connection; the rest wait their turn.
    pub workers: usize,
}

impl Default for RetryConfig {
    fn default() -> Self {
        // 0.2 s doubling to 10 s, 16 attempts: about 112 s in all, longer than a ledger's
        // default 30 s lease and a Redis restart, so a claim abandoned by a dead instance,
        // or an outage of the merchant's ledger, is outlasted.
        RetryConfig {
            first_delay_ms: 200,
            max_delay_ms: 10_000,
            max_attempts: 16,
            timeout_ms: 5_000,
            workers: 32,
        }
    }
}

impl RetryConfig {
    /// The delay after failed attempt `attempt` (1-based).
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(
            self.first_delay_ms
                .saturating_mul(factor)
                .min(self.max_delay_ms),
        )
    }
}

/// How much the HTTP server takes on: a client that opens connections and sends nothing,
/// or sends a body a byte a minute, holds a connection for a bounded time only.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Connections served at once; more wait in the listener's queue until one closes.
    pub max_connections: usize,
    /// Time a connection has to send a request's headers (also between requests on a
    /// kept-alive connection), in milliseconds. Longer than clients keep idle connections
    /// (paywire's client: 50 s), or a client may send a request on a connection just as
    /// the sandbox closes it.
    pub header_timeout_ms: u64,
    /// Time a request has from its headers to its answer, body reading included, in
    /// milliseconds; past it the answer is 408.
    pub request_timeout_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 4096,
            header_timeout_ms: 60_000,
            request_timeout_ms: 30_000,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not the expected JSON.
    #[error("config file: {}", json_problem(.0))]
    Json(#[from] serde_json::Error),
    /// A key in it does not load.
    #[error("config file, wechat_global: {0}")]
    Key(#[from] KeyError),
    /// A value of the wrong size.
    #[error("config file: {0}")]
    Invalid(String),
}

/// serde_json's message without the offending value: `invalid type: integer `61307…`,
/// expected a string` would print a key written as a number. Unknown and missing field
/// messages name fields only, and stay as they are.
fn json_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("invalid type") || text.starts_with("invalid value") {
        let expected = text
            .split_once(", expected ")
            .map(|(_, rest)| rest.split(" at line ").next().unwrap_or(rest))
            .unwrap_or("another type");
        format!(
            "a value of the wrong type at line {} column {} (expected {expected}; the value is not repeated here, it may be a key)",
            e.line(),
            e.column()
        )
    } else {
        text
    }
}

/// Checks every bound of the server, the retries and the storage against its range:
/// `Invalid` naming the first field outside.
pub fn check_bounds(
    server: &ServerConfig,
    retry: &RetryConfig,
    storage: &crate::state::StorageConfig,
) -> Result<(), ConfigError> {
    {
        const DAY_MS: u64 = 24 * 3600 * 1000;
        let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let ranges: [(&str, u64, u64, u64); 10] = [
            (
                "server.max_connections",
                as_u64(server.max_connections),
                1,
                1_000_000,
            ),
            (
                "server.header_timeout_ms",
                server.header_timeout_ms,
                1,
                DAY_MS,
            ),
            (
                "server.request_timeout_ms",
                server.request_timeout_ms,
                1,
                DAY_MS,
            ),
            ("retry.workers", as_u64(retry.workers), 1, 4096),
            ("retry.first_delay_ms", retry.first_delay_ms, 0, DAY_MS),
            ("retry.max_delay_ms", retry.max_delay_ms, 0, DAY_MS),
            ("retry.timeout_ms", retry.timeout_ms, 1, DAY_MS),
            (
                "retry.max_attempts",
                u64::from(retry.max_attempts),
                1,
                10_000,
            ),
            (
                "storage.max_orders",
                as_u64(storage.max_orders),
                1,
                10_000_000,
            ),
            ("storage.max_bytes", as_u64(storage.max_bytes), 1, 16 << 30),
        ];
        for (name, value, min, max) in ranges {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::Invalid(format!(
                    "{name} is {value}, outside {min}..={max}"
                )));
            }
        }
        Ok(())
    }
}

/// `Debug` for a credentials struct: its identifiers as they are, every key, secret,
/// token and PEM as `***`, so a printed configuration never carries one.
macro_rules! redacted_debug {
    ($type:ident { shown: [$($shown:ident),*], hidden: [$($hidden:ident),*] }) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &format_args!("***")))*
                    .finish()
            }
        }
    };
}
