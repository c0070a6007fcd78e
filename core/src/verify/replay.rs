//! Replay protection for notifications: each notification identity is accepted once.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

/// The guard's store could not answer. The notification must then be neither applied nor
/// acknowledged: answer an error, and the gateway delivers it again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the replay guard could not answer: {0}")]
pub struct GuardError(pub String);

/// Remembers which notifications were already accepted. Implement it over a shared store
/// (Redis, a database) when several instances receive notifications.
pub trait ReplayGuard: Send + Sync {
    /// Records `id`; `Ok(true)` the first time, `Ok(false)` for a repeat. Must be atomic:
    /// of two concurrent calls with one id, exactly one returns `Ok(true)`. An error means
    /// "unknown", never "repeat": a payment acknowledged on a guess could be lost.
    fn first_time(&self, id: &str) -> Result<bool, GuardError>;
}

/// An in-memory [`ReplayGuard`] that remembers the most recent `capacity` identities
/// (oldest forgotten first), so memory stays bounded.
#[derive(Debug)]
pub struct MemoryReplayGuard {
    capacity: usize,
    seen: Mutex<(HashSet<String>, VecDeque<String>)>,
}

impl MemoryReplayGuard {
    /// A guard remembering at most `capacity` identities (at least 1).
    pub fn new(capacity: usize) -> Self {
        MemoryReplayGuard {
            capacity: capacity.max(1),
            seen: Mutex::new((HashSet::new(), VecDeque::new())),
        }
    }
}

impl Default for MemoryReplayGuard {
    /// Remembers the last 100 000 identities: days of notifications for most merchants.
    fn default() -> Self {
        MemoryReplayGuard::new(100_000)
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn first_time(&self, id: &str) -> Result<bool, GuardError> {
        // A poisoned lock only means another thread panicked mid-insert; the sets are
        // still consistent enough to answer, so carry on with them.
        let mut guard = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        if !set.insert(id.to_owned()) {
            return Ok(false);
        }
        order.push_back(id.to_owned());
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_once_and_stays_bounded() {
        let guard = MemoryReplayGuard::new(2);
        assert_eq!(guard.first_time("a"), Ok(true));
        assert_eq!(guard.first_time("a"), Ok(false));
        assert_eq!(guard.first_time("b"), Ok(true));
        assert_eq!(guard.first_time("c"), Ok(true), "evicts a");
        assert_eq!(guard.first_time("c"), Ok(false));
        assert_eq!(
            guard.first_time("a"),
            Ok(true),
            "a was forgotten after two newer ids"
        );
    }

    #[test]
    fn concurrent_first_time_has_exactly_one_winner() {
        let guard = std::sync::Arc::new(MemoryReplayGuard::default());
        let winners: usize = (0..8)
            .map(|_| {
                let g = guard.clone();
                std::thread::spawn(move || usize::from(g.first_time("same-id").unwrap()))
            })
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(winners, 1);
    }
}
