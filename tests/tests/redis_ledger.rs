//! The Redis ledger against a real `redis-server` on loopback: instances racing for one
//! order, leases, holder-only release and commit, a dropped connection retried with the
//! claim's own token, Redis down (an error, never a guess) and Redis killed and restarted
//! from its append-only file (nothing committed is forgotten).

use paywire::ledger::{Claim, ClaimState, Ledger, LedgerError, LedgerStore, OrderKey, RedisLedger};
use paywire_tests::redis_server;
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn ledger(url: &str, prefix: &str) -> Ledger {
    Ledger::new(RedisLedger::new(url, prefix).unwrap())
}

#[test]
fn instances_racing_for_one_order_get_one_fresh_claim() {
    let Some(server) = redis_server() else {
        return;
    };
    for round in 0..20 {
        let barrier = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                // Each thread is its own instance: its own ledger and connection.
                let ledger = ledger(&server.url, "paywire:race:");
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    let key = OrderKey::new("swiftpass", &format!("R{round}"));
                    match ledger.claim(&key).unwrap() {
                        Claim::Fresh(held) => {
                            held.commit().unwrap();
                            1
                        }
                        Claim::Busy | Claim::Done => 0,
                    }
                })
            })
            .collect();
        let fresh: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(fresh, 1, "round {round}");
    }
}

#[test]
fn released_claims_free_the_order_and_abandoned_ones_expire() {
    let Some(server) = redis_server() else {
        return;
    };
    let a = ledger(&server.url, "paywire:lease:").with_lease(Duration::from_millis(300));
    let b = ledger(&server.url, "paywire:lease:").with_lease(Duration::from_millis(300));
    let key = OrderKey::new("xorpay", "L1");
    let Claim::Fresh(held) = a.claim(&key).unwrap() else {
        panic!("fresh")
    };
    assert!(matches!(b.claim(&key).unwrap(), Claim::Busy));
    held.release().unwrap();
    let Claim::Fresh(held) = b.claim(&key).unwrap() else {
        panic!("free after release")
    };
    held.abandon(); // b dies holding it
    assert!(matches!(a.claim(&key).unwrap(), Claim::Busy));
    std::thread::sleep(Duration::from_millis(450));
    let Claim::Fresh(held) = a.claim(&key).unwrap() else {
        panic!("free after the lease")
    };
    held.commit().unwrap();
    assert!(matches!(b.claim(&key).unwrap(), Claim::Done));
}

#[test]
fn keeps_the_ledger_contract() {
    let Some(server) = redis_server() else {
        return;
    };
    let store = RedisLedger::new(&server.url, "").unwrap();
    paywire::ledger::contract::check(&store, "paywire:contract:");
}

#[test]
fn a_claim_retried_after_a_dropped_connection_recognises_its_own_token() {
    let Some(server) = redis_server() else {
        return;
    };
    let store = RedisLedger::new(&server.url, "paywire:drop:").unwrap();
    let lease = Duration::from_secs(30);
    assert_eq!(store.claim("k", "mine", lease), Ok(ClaimState::Fresh));
    // Every client connection is cut, as a network blip or a proxy would; the store's
    // pooled connection is now dead.
    let killed = server.command("CLIENT KILL TYPE normal").unwrap();
    assert!(killed.starts_with(':'), "{killed}");
    // The same claim again (what a retry after a lost answer does): its own claim, fresh,
    // not someone else's busy one and not a repeat.
    assert_eq!(store.claim("k", "mine", lease), Ok(ClaimState::Fresh));
    assert_eq!(store.claim("k", "theirs", lease), Ok(ClaimState::Busy));
}

#[test]
fn redis_down_is_unavailable_and_a_restart_keeps_every_commit() {
    let Some(mut server) = redis_server() else {
        return;
    };
    let ledger = Ledger::new(
        RedisLedger::new(&server.url, "paywire:down:")
            .unwrap()
            .with_timeout(Duration::from_millis(300)),
    )
    .with_commit_patience(Duration::from_millis(200))
    .unwrap();
    let done = OrderKey::new("weidoufu", "D1");
    let Claim::Fresh(held) = ledger.claim(&done).unwrap() else {
        panic!("fresh")
    };
    held.commit().unwrap();
    server.kill();
    let err = ledger.claim(&OrderKey::new("weidoufu", "D2")).unwrap_err();
    assert!(
        err.is_unavailable() && err.to_string().contains("redis"),
        "{err}"
    );
    assert!(
        matches!(ledger.claim(&done), Err(LedgerError::Unavailable(_))),
        "no guess"
    );
    assert!(
        !format!("{ledger:?}").contains("redis://"),
        "no URL (it may carry a password) in Debug"
    );
    server.restart().unwrap();
    assert!(
        matches!(ledger.claim(&done).unwrap(), Claim::Done),
        "the commit survived the kill"
    );
    let Claim::Fresh(held) = ledger.claim(&OrderKey::new("weidoufu", "D2")).unwrap() else {
        panic!("the order refused while Redis was down is fresh now")
    };
    held.commit().unwrap();
}
