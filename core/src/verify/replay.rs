//! Replay protection for notifications: each notification identity is accepted once.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

/// Remembers which notifications were already accepted. Implement it over a shared store
/// (Redis, a database) when several instances receive notifications.
pub trait ReplayGuard: Send + Sync {
    /// Records `id`; returns `true` the first time, `false` for a repeat. Must be atomic:
    /// of two concurrent calls with one id, exactly one returns `true`.
    fn first_time(&self, id: &str) -> bool;
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
    fn first_time(&self, id: &str) -> bool {
        // A poisoned lock only means another thread panicked mid-insert; the sets are
        // still consistent enough to answer, so carry on with them.
        let mut guard = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let (set, order) = &mut *guard;
        if !set.insert(id.to_owned()) {
            return false;
        }
        order.push_back(id.to_owned());
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_once_and_stays_bounded() {
        let guard = MemoryReplayGuard::new(2);
        assert!(guard.first_time("a"));
        assert!(!guard.first_time("a"));
        assert!(guard.first_time("b"));
        assert!(guard.first_time("c"), "evicts a");
        assert!(!guard.first_time("c"));
        assert!(guard.first_time("a"), "a was forgotten after two newer ids");
    }

    #[test]
    fn concurrent_first_time_has_exactly_one_winner() {
        let guard = std::sync::Arc::new(MemoryReplayGuard::default());
        let winners: usize = (0..8)
            .map(|_| {
                let g = guard.clone();
                std::thread::spawn(move || usize::from(g.first_time("same-id")))
            })
            .map(|h| h.join().unwrap())
            .sum();
        assert_eq!(winners, 1);
    }
}
