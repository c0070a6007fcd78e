//! [`MemoryLedger`]: the ledger's keys in this process's memory.

use super::{ClaimState, LedgerError, LedgerStore, RefundState, RefundTakeBack};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Entry {
    token: String,
    done: bool,
    expires: Instant,
}

/// One refund of an order: reserved by `token` until `expires`, then in doubt (it may
/// have been sent: still counted, its number open to another sender), or done
/// (`expires: None`). Kept until released or taken back.
#[derive(Debug)]
struct RefundEntry {
    token: String,
    amount: u64,
    expires: Option<Instant>,
}

#[derive(Debug, Default)]
struct Keys {
    entries: HashMap<String, Entry>,
    /// Refunds by order, then by refund number.
    refunds: HashMap<String, HashMap<String, RefundEntry>>,
    /// Operations left before the next sweep of expired entries.
    until_sweep: usize,
}

impl Keys {
    /// The live entry of `key`, forgetting it first if it has expired.
    fn live(&mut self, key: &str, now: Instant) -> Option<&mut Entry> {
        if self.entries.get(key).is_some_and(|e| e.expires <= now) {
            self.entries.remove(key);
        }
        self.entries.get_mut(key)
    }

    /// Forgets expired entries once every so many operations (as many as there were
    /// entries left by the last sweep, at least 1024), so memory follows the retention
    /// period at amortised constant cost.
    fn sweep(&mut self, now: Instant) {
        if self.until_sweep > 0 {
            self.until_sweep -= 1;
            return;
        }
        self.entries.retain(|_, e| e.expires > now);
        self.until_sweep = self.entries.len().max(1024);
    }
}

/// A [`LedgerStore`] in memory, for a merchant running one instance (and for tests).
/// Committed orders are kept for the ledger's retention period, claims for their lease.
/// It never fails; a restart forgets everything, so several instances, or one that
/// restarts while gateways still redeliver, need a shared store such as
/// `RedisLedger` (feature `redis`) or the merchant's own database.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    keys: Mutex<Keys>,
}

impl MemoryLedger {
    /// An empty ledger store.
    pub fn new() -> MemoryLedger {
        MemoryLedger::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Keys> {
        // A poisoned lock means a thread panicked between two statements that each leave
        // the map consistent; carry on with it.
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LedgerStore for MemoryLedger {
    fn claim(&self, key: &str, token: &str, lease: Duration) -> Result<ClaimState, LedgerError> {
        let now = Instant::now();
        let mut keys = self.lock();
        keys.sweep(now);
        let state = match keys.live(key, now) {
            Some(entry) if entry.done => ClaimState::Done,
            Some(entry) if entry.token == token => {
                entry.expires = now + lease;
                ClaimState::Fresh
            }
            Some(_) => ClaimState::Busy,
            None => {
                keys.entries.insert(
                    key.to_owned(),
                    Entry {
                        token: token.to_owned(),
                        done: false,
                        expires: now + lease,
                    },
                );
                ClaimState::Fresh
            }
        };
        Ok(state)
    }

    fn commit(&self, key: &str, token: &str, retention: Duration) -> Result<(), LedgerError> {
        let now = Instant::now();
        let mut keys = self.lock();
        match keys.live(key, now) {
            Some(entry) if entry.token == token => {
                entry.done = true;
                entry.expires = now + retention;
                Ok(())
            }
            Some(_) => Err(LedgerError::LeaseLost {
                key: key.to_owned(),
            }),
            None => {
                keys.entries.insert(
                    key.to_owned(),
                    Entry {
                        token: token.to_owned(),
                        done: true,
                        expires: now + retention,
                    },
                );
                Ok(())
            }
        }
    }

    fn release(&self, key: &str, token: &str) -> Result<(), LedgerError> {
        let now = Instant::now();
        let mut keys = self.lock();
        if keys
            .live(key, now)
            .is_some_and(|e| !e.done && e.token == token)
        {
            keys.entries.remove(key);
        }
        Ok(())
    }

    fn may_block(&self) -> bool {
        false
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
        let now = Instant::now();
        let mut keys = self.lock();
        let refunds = keys.refunds.entry(order.to_owned()).or_default();
        if let Some(mine) = refunds.get_mut(refund) {
            return Ok(match mine.expires {
                _ if mine.amount != amount => RefundState::Conflict,
                None => RefundState::Done,
                // Its own token, or another's whose lease ran out: it is counted already.
                Some(expires) if mine.token == token || expires <= now => {
                    mine.token = token.to_owned();
                    mine.expires = Some(now + lease);
                    RefundState::Fresh
                }
                Some(_) => RefundState::Busy,
            });
        }
        let reserved: u64 = refunds.values().map(|r| r.amount).sum();
        if reserved.saturating_add(amount) > paid {
            return Ok(RefundState::AbovePaid { reserved });
        }
        refunds.insert(
            refund.to_owned(),
            RefundEntry {
                token: token.to_owned(),
                amount,
                expires: Some(now + lease),
            },
        );
        Ok(RefundState::Fresh)
    }

    fn commit_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
        token: &str,
    ) -> Result<(), LedgerError> {
        let now = Instant::now();
        let mut keys = self.lock();
        let refunds = keys.refunds.entry(order.to_owned()).or_default();
        match refunds.get_mut(refund) {
            Some(r) if r.token == token => r.expires = None,
            Some(r) if r.expires.is_some_and(|e| e <= now) => {
                *r = RefundEntry {
                    token: token.to_owned(),
                    amount,
                    expires: None,
                }
            }
            Some(_) => {
                return Err(LedgerError::LeaseLost {
                    key: format!("{order} refund {refund}"),
                })
            }
            None => {
                refunds.insert(
                    refund.to_owned(),
                    RefundEntry {
                        token: token.to_owned(),
                        amount,
                        expires: None,
                    },
                );
            }
        }
        Ok(())
    }

    fn release_refund(&self, order: &str, refund: &str, token: &str) -> Result<(), LedgerError> {
        let mut keys = self.lock();
        if let Some(refunds) = keys.refunds.get_mut(order) {
            if refunds
                .get(refund)
                .is_some_and(|r| r.token == token && r.expires.is_some())
            {
                refunds.remove(refund);
            }
        }
        Ok(())
    }

    fn count_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
    ) -> Result<RefundState, LedgerError> {
        let now = Instant::now();
        let mut keys = self.lock();
        let refunds = keys.refunds.entry(order.to_owned()).or_default();
        Ok(match refunds.get_mut(refund) {
            Some(r) if r.amount != amount => RefundState::Conflict,
            Some(r) => match r.expires {
                None => RefundState::Done,
                // In doubt, and counted already: the gateway's word makes it done.
                Some(expires) if expires <= now => {
                    r.expires = None;
                    RefundState::Done
                }
                Some(_) => RefundState::Busy,
            },
            None => {
                refunds.insert(
                    refund.to_owned(),
                    RefundEntry {
                        token: String::new(),
                        amount,
                        expires: None,
                    },
                );
                RefundState::Fresh
            }
        })
    }

    fn refunds_in_doubt(&self, order: &str) -> Result<Vec<(String, u64)>, LedgerError> {
        let now = Instant::now();
        let keys = self.lock();
        let mut listed: Vec<(String, u64)> = keys
            .refunds
            .get(order)
            .into_iter()
            .flatten()
            .filter(|(_, r)| r.expires.is_some_and(|e| e <= now))
            .map(|(no, r)| (no.clone(), r.amount))
            .collect();
        listed.sort();
        Ok(listed)
    }

    fn take_back_refund(
        &self,
        order: &str,
        refund: &str,
        amount: u64,
    ) -> Result<RefundTakeBack, LedgerError> {
        let now = Instant::now();
        let mut keys = self.lock();
        let Some(refunds) = keys.refunds.get_mut(order) else {
            return Ok(RefundTakeBack::Absent);
        };
        let Some(found) = refunds.get(refund) else {
            return Ok(RefundTakeBack::Absent);
        };
        Ok(match found.expires {
            _ if found.amount != amount => RefundTakeBack::Conflict,
            Some(expires) if expires > now => RefundTakeBack::Reserved,
            // Done, or in doubt after its lease: counted, and no longer.
            _ => {
                refunds.remove(refund);
                RefundTakeBack::TakenBack
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{Claim, Ledger, OrderKey};
    use std::sync::{Arc, Barrier};

    #[test]
    fn released_claims_free_the_order_and_commits_close_it() {
        let ledger = Ledger::in_memory();
        let key = OrderKey::new("swiftpass", "A1");
        let Claim::Fresh(held) = ledger.claim(&key).unwrap() else {
            panic!("fresh")
        };
        assert!(matches!(ledger.claim(&key).unwrap(), Claim::Busy));
        held.release().unwrap();
        let Claim::Fresh(held) = ledger.claim(&key).unwrap() else {
            panic!("fresh after release")
        };
        held.commit().unwrap();
        assert!(matches!(ledger.claim(&key).unwrap(), Claim::Done));
        assert!(matches!(
            ledger.claim(&OrderKey::new("xorpay", "A1")).unwrap(),
            Claim::Fresh(_)
        ));
    }

    #[test]
    fn an_abandoned_claim_expires_after_its_lease() {
        let ledger = Ledger::in_memory().with_lease(Duration::from_millis(80));
        let key = OrderKey::new("weidoufu", "B2");
        let Claim::Fresh(held) = ledger.claim(&key).unwrap() else {
            panic!("fresh")
        };
        held.abandon();
        assert!(matches!(ledger.claim(&key).unwrap(), Claim::Busy));
        std::thread::sleep(Duration::from_millis(120));
        assert!(matches!(ledger.claim(&key).unwrap(), Claim::Fresh(_)));
    }

    #[test]
    fn a_commit_patience_that_outlasts_the_lease_is_refused() {
        let ledger = Ledger::in_memory().with_lease(Duration::from_secs(2));
        let err = ledger
            .clone()
            .with_commit_patience(Duration::from_secs(2))
            .unwrap_err();
        assert!(matches!(err, LedgerError::Misconfigured(_)), "{err:?}");
        assert!(err.to_string().contains("lease"), "{err}");
        let ok = ledger
            .with_commit_patience(Duration::from_millis(1999))
            .unwrap();
        assert_eq!(ok.commit_patience(), Duration::from_millis(1999));
        // A lease shorter than the default patience (10 s) shortens the patience.
        let short = Ledger::in_memory().with_lease(Duration::from_secs(1));
        assert_eq!(short.commit_patience(), Duration::from_millis(800));
    }

    #[test]
    fn keeps_the_ledger_contract() {
        crate::ledger::contract::check(&MemoryLedger::new(), "memory:");
    }

    #[test]
    fn of_eight_racing_claims_exactly_one_is_fresh() {
        let ledger = Ledger::in_memory();
        let barrier = Arc::new(Barrier::new(8));
        let fresh: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (ledger, barrier) = (&ledger, barrier.clone());
                    s.spawn(move || {
                        barrier.wait();
                        match ledger.claim(&OrderKey::new("xorpay", "same")).unwrap() {
                            Claim::Fresh(held) => {
                                held.abandon();
                                1
                            }
                            _ => 0,
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(fresh, 1);
    }

    #[test]
    fn expired_entries_are_swept() {
        let store = MemoryLedger::new();
        for i in 0..3000 {
            store
                .claim(&format!("k{i}"), "t", Duration::from_millis(1))
                .unwrap();
        }
        std::thread::sleep(Duration::from_millis(5));
        for i in 0..4100 {
            store
                .claim(&format!("n{i}"), "t", Duration::from_secs(60))
                .unwrap();
        }
        let keys = store.lock();
        assert!(
            !keys.entries.keys().any(|k| k.starts_with('k')),
            "expired claims were swept"
        );
        assert_eq!(
            keys.entries.keys().filter(|k| k.starts_with('n')).count(),
            4100
        );
    }
}
