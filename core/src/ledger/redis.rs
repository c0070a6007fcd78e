//! [`RedisLedger`]: one ledger for every instance behind a load balancer, so a
//! notification retried to another instance is still applied once.

use super::{ClaimState, LedgerError, LedgerStore, RefundState, RefundTakeBack};
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

/// Reserves refund `ARGV[1]` of `ARGV[2]` fen against the order whose refunds are the
/// hash `KEYS[1]`, paid `ARGV[3]` fen, for token `ARGV[4]` for `ARGV[5]` ms. Each field
/// is a refund number; its value `claim|TOKEN|FEN|EXPIRY_MS` (server time) or
/// `done|TOKEN|FEN`. A reservation past its expiry may have been sent: it still counts
/// against the cap, and its number may be taken over by another token.
const RESERVE_REFUND: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local amount = tonumber(ARGV[2])
local paid = tonumber(ARGV[3])
local reserved = 0
local mine = nil
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local state, token, fen, expiry = string.match(all[i + 1], '^(%a+)|([^|]+)|(%d+)|?(%d*)$')
  if all[i] == ARGV[1] then
    local live = state == 'done' or (expiry ~= nil and expiry ~= '' and tonumber(expiry) > now)
    mine = {state, token, tonumber(fen), live}
  else
    reserved = reserved + tonumber(fen)
  end
end
local claim = 'claim|' .. ARGV[4] .. '|' .. ARGV[2] .. '|' .. (now + tonumber(ARGV[5]))
if mine then
  if mine[3] ~= amount then return 'conflict' end
  if mine[1] == 'done' then return 'done' end
  if mine[2] == ARGV[4] or not mine[4] then
    redis.call('HSET', KEYS[1], ARGV[1], claim)
    return 'fresh'
  end
  return 'busy'
end
if reserved + amount > paid then return 'above|' .. reserved end
redis.call('HSET', KEYS[1], ARGV[1], claim)
return 'fresh'
";

/// Marks refund `ARGV[1]` (`ARGV[2]` fen) done for token `ARGV[3]`, if this token holds
/// or committed it, or nobody holds it live; another token's answers `lost`.
const COMMIT_REFUND: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v then
  local state, token, fen, expiry = string.match(v, '^(%a+)|([^|]+)|(%d+)|?(%d*)$')
  local live = state == 'done' or (expiry ~= nil and expiry ~= '' and tonumber(expiry) > now)
  if live and token ~= ARGV[3] then return 'lost' end
end
redis.call('HSET', KEYS[1], ARGV[1], 'done|' .. ARGV[3] .. '|' .. ARGV[2])
return 'ok'
";

/// Deletes refund `ARGV[1]`'s reservation only while token `ARGV[2]` holds it.
const RELEASE_REFUND: &str = r"
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, 7 + #ARGV[2]) == 'claim|' .. ARGV[2] .. '|' then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 'ok'
";

/// Records refund `ARGV[1]` done with `ARGV[2]` fen unless it is held: `fresh` when
/// recorded now (absent), `done` when it was done or in doubt (a reservation past its
/// expiry: counted already, done now), `busy` for a live reservation, `conflict` for
/// another amount.
const COUNT_REFUND: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then
  redis.call('HSET', KEYS[1], ARGV[1], 'done|notified|' .. ARGV[2])
  return 'fresh'
end
local state, token, fen, expiry = string.match(v, '^(%a+)|([^|]+)|(%d+)|?(%d*)$')
if tonumber(fen) ~= tonumber(ARGV[2]) then return 'conflict' end
if state == 'done' then return 'done' end
if expiry ~= nil and expiry ~= '' and tonumber(expiry) > now then return 'busy' end
redis.call('HSET', KEYS[1], ARGV[1], 'done|' .. token .. '|' .. ARGV[2])
return 'done'
";

/// Deletes refund `ARGV[1]` if it is done, or in doubt (a reservation past its expiry),
/// with `ARGV[2]` fen (`taken`); a live reservation answers `reserved`, another amount
/// `conflict`, no refund `absent`.
const TAKE_BACK_REFUND: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return 'absent' end
local state, token, fen, expiry = string.match(v, '^(%a+)|([^|]+)|(%d+)|?(%d*)$')
if tonumber(fen) ~= tonumber(ARGV[2]) then return 'conflict' end
if state ~= 'done' and expiry ~= nil and expiry ~= '' and tonumber(expiry) > now then
  return 'reserved'
end
redis.call('HDEL', KEYS[1], ARGV[1])
return 'taken'
";

/// The refunds of the hash `KEYS[1]` reserved and past their expiry, as a flat list of
/// refund number and fen.
const REFUNDS_IN_DOUBT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local listed = {}
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local state, token, fen, expiry = string.match(all[i + 1], '^(%a+)|([^|]+)|(%d+)|?(%d*)$')
  if state == 'claim' and expiry ~= nil and expiry ~= '' and tonumber(expiry) <= now then
    table.insert(listed, all[i])
    table.insert(listed, fen)
  end
end
return listed
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
    reserve_refund: redis::Script,
    commit_refund: redis::Script,
    release_refund: redis::Script,
    count_refund: redis::Script,
    take_back_refund: redis::Script,
    refunds_in_doubt: redis::Script,
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
            reserve_refund: redis::Script::new(RESERVE_REFUND),
            commit_refund: redis::Script::new(COMMIT_REFUND),
            release_refund: redis::Script::new(RELEASE_REFUND),
            count_refund: redis::Script::new(COUNT_REFUND),
            take_back_refund: redis::Script::new(TAKE_BACK_REFUND),
            refunds_in_doubt: redis::Script::new(REFUNDS_IN_DOUBT),
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
        self.call(script, key, args)
    }

    /// Runs `script` as [`RedisLedger::run`] does, its answer read as `T`.
    fn call<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        key: &str,
        args: &[&str],
    ) -> Result<T, LedgerError> {
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
            match invocation.invoke::<T>(&mut connection) {
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

    fn reserve_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
        paid: u64,
        token: &str,
        lease: Duration,
    ) -> Result<RefundState, LedgerError> {
        let key = refunds_key(order);
        let answer = self.run(
            &self.reserve_refund,
            &key,
            &[
                refund,
                &amount.to_string(),
                &paid.to_string(),
                token,
                &millis(lease),
            ],
        )?;
        refund_state(&answer, "reservation")
    }

    fn commit_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
        token: &str,
    ) -> Result<(), LedgerError> {
        let key = refunds_key(order);
        match self
            .run(
                &self.commit_refund,
                &key,
                &[refund, &amount.to_string(), token],
            )?
            .as_str()
        {
            "ok" => Ok(()),
            "lost" => Err(LedgerError::LeaseLost {
                key: format!("{order} refund {refund}"),
            }),
            other => Err(LedgerError::Unavailable(format!(
                "redis refund commit answered {other:?}"
            ))),
        }
    }

    fn release_refund(&self, order: &str, refund: &str, token: &str) -> Result<(), LedgerError> {
        self.run(&self.release_refund, &refunds_key(order), &[refund, token])
            .map(drop)
    }

    fn count_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
    ) -> Result<RefundState, LedgerError> {
        let answer = self.run(
            &self.count_refund,
            &refunds_key(order),
            &[refund, &amount.to_string()],
        )?;
        refund_state(&answer, "count")
    }

    fn take_back_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
    ) -> Result<RefundTakeBack, LedgerError> {
        let answer = self.run(
            &self.take_back_refund,
            &refunds_key(order),
            &[refund, &amount.to_string()],
        )?;
        match answer.as_str() {
            "taken" => Ok(RefundTakeBack::TakenBack),
            "absent" => Ok(RefundTakeBack::Absent),
            "reserved" => Ok(RefundTakeBack::Reserved),
            "conflict" => Ok(RefundTakeBack::Conflict),
            other => Err(LedgerError::Unavailable(format!(
                "redis refund take-back answered {other:?}"
            ))),
        }
    }

    fn refunds_in_doubt(&self, order: &str) -> Result<Vec<(String, u64)>, LedgerError> {
        self.list_in_doubt(order)
    }
}

impl RedisLedger {
    /// [`LedgerStore::refunds_in_doubt`]: the script's flat list read in pairs.
    fn list_in_doubt(&self, order: &str) -> Result<Vec<(String, u64)>, LedgerError> {
        let flat: Vec<String> = self.call(&self.refunds_in_doubt, &refunds_key(order), &[])?;
        let mut listed = Vec::with_capacity(flat.len() / 2);
        for pair in flat.chunks(2) {
            match pair {
                [no, fen] => match fen.parse::<u64>() {
                    Ok(fen) => listed.push((no.clone(), fen)),
                    Err(_) => {
                        return Err(LedgerError::Unavailable(format!(
                            "redis refunds in doubt listed {fen:?} as an amount"
                        )))
                    }
                },
                _ => {
                    return Err(LedgerError::Unavailable(
                        "redis refunds in doubt answered an odd list".into(),
                    ))
                }
            }
        }
        listed.sort();
        Ok(listed)
    }
}

/// A refund script's answer (`fresh`, `done`, `busy`, `conflict`, `above|RESERVED`) read;
/// anything else is [`LedgerError::Unavailable`], naming the `call`.
fn refund_state(answer: &str, call: &str) -> Result<RefundState, LedgerError> {
    match answer {
        "fresh" => Ok(RefundState::Fresh),
        "done" => Ok(RefundState::Done),
        "busy" => Ok(RefundState::Busy),
        "conflict" => Ok(RefundState::Conflict),
        other => match other.strip_prefix("above|").map(str::parse::<u64>) {
            Some(Ok(reserved)) => Ok(RefundState::AbovePaid { reserved }),
            _ => Err(LedgerError::Unavailable(format!(
                "redis refund {call} answered {other:?}"
            ))),
        },
    }
}

/// The hash of an order's refunds: it starts with `:`, which no payment key (a
/// non-empty gateway name first) does.
fn refunds_key(order: &str) -> String {
    format!(":refunds:{order}")
}
