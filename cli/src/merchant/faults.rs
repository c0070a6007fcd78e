//! The ways the soak's merchant fails on purpose, and how often each fired.

use serde::Serialize;
use std::sync::Mutex;

/// A way the merchant fails a delivery on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// HTTP 500 without looking at the notification.
    Before,
    /// Apply, then answer HTTP 500.
    After,
    /// Apply, then answer later than the gateway waits.
    Slow,
    /// Apply, then drop the connection mid-answer.
    Drop,
    /// The merchant's own database write fails: answered 500, applied on a redelivery.
    ApplyError,
    /// The instance dies between claiming and writing (its write task panics before the
    /// write): the claim is left to its lease, the transaction rolls back.
    Crash,
    /// The write takes longer than the gateway waits for an answer.
    SlowApply,
    /// The instance dies after its write, before the commit (its write task panics after
    /// the write). A separate ledger (memory, Redis) applies the payment again once the
    /// claim's lease ends; in the merchant's transaction (SQLite, PostgreSQL) the write
    /// rolls back and is applied once.
    CrashAfterWrite,
    /// The write panics after it happened: for the ledger, the same as a crash after
    /// the write, with the process still alive.
    PanicAfterWrite,
}

impl Fault {
    /// Every fault, in the order `--faults all` lists them.
    pub const ALL: [Fault; 9] = [
        Fault::Before,
        Fault::After,
        Fault::Slow,
        Fault::Drop,
        Fault::ApplyError,
        Fault::Crash,
        Fault::SlowApply,
        Fault::CrashAfterWrite,
        Fault::PanicAfterWrite,
    ];

    /// The faults a ledger kept apart from the merchant's database (memory, Redis)
    /// survives without applying a payment twice: all but a death or a panic after the
    /// write, which only the merchant's own transaction closes.
    pub fn separate_ledger_survives() -> Vec<Fault> {
        Fault::ALL
            .into_iter()
            .filter(|f| !matches!(f, Fault::CrashAfterWrite | Fault::PanicAfterWrite))
            .collect()
    }

    /// The name `--faults` takes.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Before => "before",
            Fault::After => "after",
            Fault::Slow => "slow",
            Fault::Drop => "drop",
            Fault::ApplyError => "apply-error",
            Fault::Crash => "crash",
            Fault::SlowApply => "slow-apply",
            Fault::CrashAfterWrite => "crash-after-write",
            Fault::PanicAfterWrite => "panic-after-write",
        }
    }

    /// Whether the fault strikes inside the merchant's write (drawn by the shop), as
    /// opposed to around the delivery (drawn by the front).
    pub fn in_the_write(self) -> bool {
        matches!(
            self,
            Fault::ApplyError
                | Fault::Crash
                | Fault::SlowApply
                | Fault::CrashAfterWrite
                | Fault::PanicAfterWrite
        )
    }

    /// Parses `all` or a comma-separated list of names.
    pub fn parse_list(list: &str) -> Result<Vec<Fault>, String> {
        if list.trim() == "all" {
            return Ok(Fault::ALL.to_vec());
        }
        let mut faults = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let fault = Fault::ALL
                .into_iter()
                .find(|f| f.name() == name)
                .ok_or_else(|| {
                    let names: Vec<_> = Fault::ALL.iter().map(|f| f.name()).collect();
                    format!(
                        "unknown fault {name:?}: use all, or some of {}",
                        names.join(",")
                    )
                })?;
            if !faults.contains(&fault) {
                faults.push(fault);
            }
        }
        Ok(faults)
    }
}

/// How many times each fault fired, as the soak report prints it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FaultCounts {
    /// HTTP 500 before verifying.
    pub before: u64,
    /// HTTP 500 after applying (or after finding it applied).
    pub after: u64,
    /// Answers slower than the gateway waits.
    pub slow: u64,
    /// Connections dropped mid-answer.
    pub drop: u64,
    /// Database writes that failed.
    pub apply_failed: u64,
    /// Instances that died before their write.
    pub crashed: u64,
    /// Writes slower than the gateway waits.
    pub slow_apply: u64,
    /// Instances that died after their write, before the commit.
    pub crashed_after_write: u64,
    /// Writes that panicked after they happened.
    pub panicked_after_write: u64,
}

impl FaultCounts {
    /// Counts one firing of `fault`.
    pub fn count(&mut self, fault: Fault) {
        let counter = match fault {
            Fault::Before => &mut self.before,
            Fault::After => &mut self.after,
            Fault::Slow => &mut self.slow,
            Fault::Drop => &mut self.drop,
            Fault::ApplyError => &mut self.apply_failed,
            Fault::Crash => &mut self.crashed,
            Fault::SlowApply => &mut self.slow_apply,
            Fault::CrashAfterWrite => &mut self.crashed_after_write,
            Fault::PanicAfterWrite => &mut self.panicked_after_write,
        };
        *counter += 1;
    }
}

/// Draws faults: a fraction `rate` of the draws fire, spread over `faults`, from a seeded
/// xorshift64* (deterministic for a seed, good enough to pick faults).
pub struct Draw {
    state: Mutex<u64>,
    rate: f64,
    faults: Vec<Fault>,
}

impl Draw {
    /// Draws among `faults` (those of one side: the front's or the write's), each draw
    /// firing with the share of `rate` those faults have of `all`.
    pub fn new(seed: u64, rate: f64, all: &[Fault], side: impl Fn(Fault) -> bool) -> Draw {
        let faults: Vec<Fault> = all.iter().copied().filter(|f| side(*f)).collect();
        let share = if all.is_empty() {
            0.0
        } else {
            faults.len() as f64 / all.len() as f64
        };
        Draw {
            state: Mutex::new(seed.max(1)),
            rate: rate * share,
            faults,
        }
    }

    /// The fault this delivery gets, if any.
    pub fn next(&self) -> Option<Fault> {
        if self.rate <= 0.0 || self.faults.is_empty() {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        let draw = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
        let fault = self.faults[(draw % self.faults.len() as u64) as usize];
        (unit < self.rate).then_some(fault)
    }
}
