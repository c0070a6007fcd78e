//! Refunds through the separate ledgers (memory, and Redis on a real `redis-server`):
//! each refund number applied once, and refunded so far plus this refund never above what
//! was paid, with instances racing (each its own ledger and connection), reservations
//! released after a refusal, abandoned ones held for their lease and counted after it
//! (they may have been sent) and listed in doubt, and a commit after the lease still
//! recorded.

use paywire::ledger::{InDoubt, Ledger, OrderKey, RedisLedger, Refund, RefundClaim};
use paywire::Fen;
use paywire_tests::redis_server;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

fn refund(order: &str, no: &str, fen: u64, paid: u64) -> Refund {
    Refund {
        order: OrderKey::new("swiftpass", order),
        refund_no: no.into(),
        amount: Fen::new(fen),
        paid: Fen::new(paid),
    }
}

/// Three instances race refunds of one order (paid 1000 fen) for `rounds` rounds: 12
/// threads, each sending refunds of 70 to 330 fen under numbers some of which collide.
/// Whatever wins, the refunds committed never sum above 1000, each number is committed
/// once, and an order refunded in full refuses more.
fn race(instances: Vec<Ledger>, tag: &str) {
    for round in 0..8 {
        let order = format!("{tag}-{round}");
        let committed = Arc::new(Mutex::new(Vec::<(String, u64)>::new()));
        let barrier = Arc::new(Barrier::new(12));
        let handles: Vec<_> = (0..12)
            .map(|t| {
                let ledger = instances[t % instances.len()].clone();
                let (barrier, committed, order) =
                    (barrier.clone(), committed.clone(), order.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for n in 0..6u64 {
                        // Numbers collide across threads (the same refund sent twice),
                        // always with the same amount.
                        let no = format!("R{}", (t as u64 * 7 + n * 3) % 17);
                        let fen = 70 + ((t as u64 * 7 + n * 3) % 17) * 15;
                        match ledger
                            .claim_refund(&refund(&order, &no, fen, 1000))
                            .unwrap()
                        {
                            RefundClaim::Fresh(held) => {
                                // Sending it to the gateway takes a while, so other
                                // instances reserve meanwhile.
                                std::thread::sleep(Duration::from_millis(2));
                                // One refusal in five by the gateway: released.
                                if (t as u64 + n).is_multiple_of(5) {
                                    held.release().unwrap();
                                } else {
                                    held.commit().unwrap();
                                    committed.lock().unwrap().push((no, fen));
                                }
                            }
                            RefundClaim::Done
                            | RefundClaim::Busy
                            | RefundClaim::AbovePaid { .. } => {}
                            RefundClaim::Conflict => panic!("same number, same amount"),
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let committed = committed.lock().unwrap().clone();
        let total: u64 = committed.iter().map(|(_, f)| f).sum();
        assert!(
            total <= 1000,
            "round {round}: {total} refunded of 1000: {committed:?}"
        );
        let mut numbers: Vec<&String> = committed.iter().map(|(n, _)| n).collect();
        numbers.sort();
        let before = numbers.len();
        numbers.dedup();
        assert_eq!(
            numbers.len(),
            before,
            "a refund number committed twice: {committed:?}"
        );
        assert!(total > 0, "round {round}: nothing refunded");
    }
}

#[test]
fn racing_instances_never_refund_above_what_was_paid_in_memory() {
    let shared = Ledger::in_memory();
    race(vec![shared.clone(), shared.clone(), shared], "mem");
}

#[test]
fn racing_instances_never_refund_above_what_was_paid_through_redis() {
    let Some(server) = redis_server() else {
        return;
    };
    let instances = (0..3)
        .map(|_| Ledger::new(RedisLedger::new(&server.url, "paywire:refund-race:").unwrap()))
        .collect();
    race(instances, "redis");
}

/// Every ledger answers the same way to the same sequence.
fn answers(a: Ledger, b: Ledger) {
    let a = a.with_lease(Duration::from_millis(300));
    let b = b.with_lease(Duration::from_millis(300));
    // Reserved by a: b finds it busy, and the rest of the cap only.
    let RefundClaim::Fresh(first) = a.claim_refund(&refund("O1", "R1", 600, 1000)).unwrap() else {
        panic!("fresh")
    };
    assert!(matches!(
        b.claim_refund(&refund("O1", "R1", 600, 1000)).unwrap(),
        RefundClaim::Busy
    ));
    match b.claim_refund(&refund("O1", "R2", 500, 1000)).unwrap() {
        RefundClaim::AbovePaid { reserved, paid } => {
            assert_eq!((reserved, paid), (Fen::new(600), Fen::new(1000)));
        }
        other => panic!("{other:?}"),
    }
    // The same number with another amount is another refund: refused.
    assert!(matches!(
        b.claim_refund(&refund("O1", "R1", 601, 1000)).unwrap(),
        RefundClaim::Conflict
    ));
    // Refused by the gateway: released, the amount free again.
    first.release().unwrap();
    let RefundClaim::Fresh(second) = b.claim_refund(&refund("O1", "R2", 500, 1000)).unwrap() else {
        panic!("free after release")
    };
    second.commit().unwrap();
    assert!(matches!(
        a.claim_refund(&refund("O1", "R2", 500, 1000)).unwrap(),
        RefundClaim::Done
    ));
    // Abandoned (a crash after sending): held for its lease, then free.
    let RefundClaim::Fresh(abandoned) = a.claim_refund(&refund("O1", "R3", 500, 1000)).unwrap()
    else {
        panic!("fresh")
    };
    abandoned.abandon();
    assert!(matches!(
        b.claim_refund(&refund("O1", "R4", 1, 1000)).unwrap(),
        RefundClaim::AbovePaid { .. }
    ));
    std::thread::sleep(Duration::from_millis(450));
    // After the lease it may still have been sent: another number finds it counted.
    assert!(matches!(
        b.claim_refund(&refund("O1", "R4", 1, 1000)).unwrap(),
        RefundClaim::AbovePaid { .. }
    ));
    // Listed in doubt, by every instance, to be settled under its own number.
    let o1 = OrderKey::new("swiftpass", "O1");
    let in_doubt = vec![InDoubt {
        refund_no: "R3".into(),
        amount: Fen::new(500),
    }];
    assert_eq!(a.refunds_in_doubt(&o1).unwrap(), in_doubt);
    assert_eq!(b.refunds_in_doubt(&o1).unwrap(), in_doubt);
    // The same number again after the lease (the gateway treats it as the same refund).
    let RefundClaim::Fresh(again) = b.claim_refund(&refund("O1", "R3", 500, 1000)).unwrap() else {
        panic!("free after the lease")
    };
    again.commit().unwrap();
    assert_eq!(a.refunds_in_doubt(&o1).unwrap(), vec![], "settled");
    assert!(matches!(
        a.claim_refund(&refund("O1", "R5", 1, 1000)).unwrap(),
        RefundClaim::AbovePaid { .. }
    ));
    // A commit whose lease ran out while nobody took the number is still recorded.
    let RefundClaim::Fresh(late) = a.claim_refund(&refund("O2", "L1", 100, 100)).unwrap() else {
        panic!("fresh")
    };
    std::thread::sleep(Duration::from_millis(450));
    late.commit().unwrap();
    assert!(matches!(
        b.claim_refund(&refund("O2", "L1", 100, 100)).unwrap(),
        RefundClaim::Done
    ));
    // Another order's cap is its own.
    assert!(matches!(
        b.claim_refund(&refund("O3", "R1", 100, 100)).unwrap(),
        RefundClaim::Fresh(_)
    ));
}

#[test]
fn the_memory_ledger_keeps_each_refund_once_within_the_cap() {
    let shared = Ledger::in_memory();
    answers(shared.clone(), shared);
}

#[test]
fn the_redis_ledger_keeps_each_refund_once_within_the_cap() {
    let Some(server) = redis_server() else {
        return;
    };
    let ledger = || Ledger::new(RedisLedger::new(&server.url, "paywire:refund:").unwrap());
    answers(ledger(), ledger());
}

#[test]
fn nothing_and_impossible_amounts_are_refused_before_the_store() {
    let ledger = Ledger::in_memory();
    assert!(ledger.claim_refund(&refund("O", "R", 0, 100)).is_err());
    assert!(ledger
        .claim_refund(&refund("O", "R", 1 << 54, 1 << 54))
        .is_err());
}

#[test]
fn a_redis_that_is_down_answers_unavailable_never_a_guess() {
    let Some(mut server) = redis_server() else {
        return;
    };
    let ledger = Ledger::new(
        RedisLedger::new(&server.url, "paywire:refund-down:")
            .unwrap()
            .with_timeout(Duration::from_millis(200)),
    );
    server.kill();
    let err = ledger.claim_refund(&refund("O", "R", 1, 100)).unwrap_err();
    assert!(err.is_unavailable(), "{err}");
}

#[test]
fn both_stores_keep_the_refund_contract() {
    paywire::ledger::contract::check_refunds(&paywire::ledger::MemoryLedger::new(), "contract:");
    if let Some(server) = redis_server() {
        let store = RedisLedger::new(&server.url, "paywire:refund-contract:").unwrap();
        paywire::ledger::contract::check_refunds(&store, "contract:");
    }
}
