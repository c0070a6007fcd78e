//! [`RedisLedger`]: one ledger for every instance behind a load balancer, so a
//! notification retried to another instance is still applied once.

use super::{ClaimState, LedgerError, LedgerStore};
use std::sync::Mutex;
use std::time::Duration;

/// Claims `KEYS[1]` for token `ARGV[1]` for `ARGV[2]` ms. A claim already carrying this
/// token is renewed and answered `fresh`, so a call retried after a dropped connection
/// recognises its own first attempt.
const CLAIM: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'claim:' .. ARGV[1], 'PX', ARGV[2])
  return 'fresh'
end
if string.sub(v, 1, 5) == 'done:' then return 'done' end
if v == 'claim:' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 'fresh'
end
return 'busy'
";

/// Marks `KEYS[1]` done for `ARGV[2]` ms if token `ARGV[1]` holds or committed it, or
/// nobody does; another token's claim or commit answers `lost`.
const COMMIT: &str = r"
local v = redis.call('GET', KEYS[1])
if (not v) or v == 'claim:' .. ARGV[1] or v == 'done:' .. ARGV[1] then
  redis.call('SET', KEYS[1], 'done:' .. ARGV[1], 'PX', ARGV[2])
  return 'ok'
end
return 'lost'
";

/// Deletes `KEYS[1]` only while token `ARGV[1]` holds its claim (compare-and-delete).
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == 'claim:' .. ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 'ok'
";

/// A [`LedgerStore`] over Redis. Every operation is one Lua script, atomic on the server;
/// claims carry a random token, so only their holder commits or releases them, and a
/// claim expires by Redis's own `PX` when its holder dies. Run Redis with append-only
/// persistence (`appendonly yes`) so a restart keeps what was committed.
///
/// When Redis cannot answer, every call returns [`LedgerError::Unavailable`] (answer 5xx;
/// the gateway retries), never a guess. The calls block, with short timeouts; from async
/// code call the ledger inside `tokio::task::block_in_place` or `spawn_blocking`.
pub struct RedisLedger {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
    prefix: String,
    timeout: Duration,
    claim: redis::Script,
    commit: redis::Script,
    release: redis::Script,
}

impl std::fmt::Debug for RedisLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password: never print it.
        f.debug_struct("RedisLedger")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisLedger {
    /// A store on `url` (`redis://127.0.0.1:6379/`) keeping its keys under `prefix`.
    pub fn new(url: &str, prefix: &str) -> Result<Self, LedgerError> {
        let client = redis::Client::open(url)
            .map_err(|_| LedgerError::Unavailable("not a valid redis:// URL".into()))?;
        Ok(RedisLedger {
            client,
            idle: Mutex::new(Vec::new()),
            prefix: prefix.to_owned(),
            timeout: Duration::from_secs(2),
            claim: redis::Script::new(CLAIM),
            commit: redis::Script::new(COMMIT),
            release: redis::Script::new(RELEASE),
        })
    }

    /// The same store with `timeout` for connecting and for each answer (default 2 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(10));
        self
    }

    fn connect(&self) -> Result<redis::Connection, LedgerError> {
        let unavailable = |e: redis::RedisError| LedgerError::Unavailable(format!("redis: {e}"));
        let connection = self
            .client
            .get_connection_with_timeout(self.timeout)
            .map_err(unavailable)?;
        connection
            .set_read_timeout(Some(self.timeout))
            .map_err(unavailable)?;
        connection
            .set_write_timeout(Some(self.timeout))
            .map_err(unavailable)?;
        Ok(connection)
    }

    /// Runs `script` on `key` with `args`, on an idle connection or a new one. Each script
    /// is safe to repeat with the same token, so a dropped connection is retried once on a
    /// fresh one.
    fn run(&self, script: &redis::Script, key: &str, args: &[&str]) -> Result<String, LedgerError> {
        let key = format!("{}{key}", self.prefix);
        let mut last = String::new();
        for attempt in 0..2 {
            let pooled = match attempt {
                0 => self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop(),
                _ => None,
            };
            let mut connection = match pooled {
                Some(c) => c,
                None => self.connect()?,
            };
            let mut invocation = script.key(&key);
            for arg in args {
                invocation.arg(*arg);
            }
            match invocation.invoke::<String>(&mut connection) {
                Ok(answer) => {
                    self.idle
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(connection);
                    return Ok(answer);
                }
                Err(e) => last = format!("redis: {e}"),
            }
        }
        Err(LedgerError::Unavailable(last))
    }
}

fn millis(duration: Duration) -> String {
    duration.as_millis().max(1).to_string()
}

impl LedgerStore for RedisLedger {
    fn claim(&self, key: &str, token: &str, lease: Duration) -> Result<ClaimState, LedgerError> {
        match self
            .run(&self.claim, key, &[token, &millis(lease)])?
            .as_str()
        {
            "fresh" => Ok(ClaimState::Fresh),
            "done" => Ok(ClaimState::Done),
            "busy" => Ok(ClaimState::Busy),
            other => Err(LedgerError::Unavailable(format!(
                "redis claim answered {other:?}"
            ))),
        }
    }

    fn commit(&self, key: &str, token: &str, retention: Duration) -> Result<(), LedgerError> {
        match self
            .run(&self.commit, key, &[token, &millis(retention)])?
            .as_str()
        {
            "ok" => Ok(()),
            "lost" => Err(LedgerError::LeaseLost {
                key: key.to_owned(),
            }),
            other => Err(LedgerError::Unavailable(format!(
                "redis commit answered {other:?}"
            ))),
        }
    }

    fn release(&self, key: &str, token: &str) -> Result<(), LedgerError> {
        self.run(&self.release, key, &[token]).map(drop)
    }
}
