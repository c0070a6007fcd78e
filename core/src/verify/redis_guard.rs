//! [`RedisReplayGuard`]: one replay guard for every instance behind a load balancer, so a
//! notification retried to another instance is still applied once.

use super::replay::{GuardError, ReplayGuard};
use std::sync::Mutex;
use std::time::Duration;

/// A [`ReplayGuard`] over Redis: `SET key 1 NX EX ttl` claims an id atomically, so of any
/// number of instances racing for one notification exactly one wins. When Redis cannot
/// answer, [`ReplayGuard::first_time`] returns an error (answer 5xx; the gateway retries),
/// never a guess.
///
/// The calls are blocking, with short timeouts; from async code call the verifier inside
/// `tokio::task::block_in_place` or `spawn_blocking`.
pub struct RedisReplayGuard {
    client: redis::Client,
    connection: Mutex<Option<redis::Connection>>,
    prefix: String,
    ttl: Duration,
    timeout: Duration,
}

impl std::fmt::Debug for RedisReplayGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never print it.
        f.debug_struct("RedisReplayGuard")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RedisReplayGuard {
    /// A guard on `url` (`redis://127.0.0.1:6379/`), remembering ids for `ttl` under
    /// keys starting with `prefix`.
    pub fn new(url: &str, prefix: &str, ttl: Duration) -> Result<Self, GuardError> {
        let client =
            redis::Client::open(url).map_err(|_| GuardError("not a valid redis:// URL".into()))?;
        Ok(RedisReplayGuard {
            client,
            connection: Mutex::new(None),
            prefix: prefix.to_owned(),
            ttl: ttl.max(Duration::from_secs(1)),
            timeout: Duration::from_secs(2),
        })
    }

    fn connect(&self) -> Result<redis::Connection, GuardError> {
        let connection = self
            .client
            .get_connection_with_timeout(self.timeout)
            .map_err(|e| GuardError(format!("redis connect: {e}")))?;
        connection
            .set_read_timeout(Some(self.timeout))
            .map_err(|e| GuardError(e.to_string()))?;
        connection
            .set_write_timeout(Some(self.timeout))
            .map_err(|e| GuardError(e.to_string()))?;
        Ok(connection)
    }

    fn set_nx(&self, connection: &mut redis::Connection, key: &str) -> redis::RedisResult<bool> {
        let reply: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg("1")
            .arg("NX")
            .arg("EX")
            .arg(self.ttl.as_secs())
            .query(connection)?;
        Ok(reply.is_some())
    }
}

impl ReplayGuard for RedisReplayGuard {
    fn first_time(&self, id: &str) -> Result<bool, GuardError> {
        let key = format!("{}{id}", self.prefix);
        let mut slot = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        // One reconnect: a connection dropped by Redis or the network is routine.
        for attempt in 0..2 {
            let mut connection = match slot.take() {
                Some(c) => c,
                None => self.connect()?,
            };
            match self.set_nx(&mut connection, &key) {
                Ok(first) => {
                    *slot = Some(connection);
                    return Ok(first);
                }
                // SET NX is idempotent for our purpose only if it did not run; an I/O error
                // leaves that unknown, so do not retry it as if it had not.
                Err(e) if attempt == 0 && e.is_connection_dropped() && !e.is_timeout() => continue,
                Err(e) => return Err(GuardError(format!("redis SET NX: {e}"))),
            }
        }
        Err(GuardError("redis: connection lost twice".into()))
    }
}
