//! The behaviour every [`LedgerStore`] must have, as a check a store's own tests call.

use super::{ClaimState, LedgerError, LedgerStore, RefundState, RefundTakeBack};
use std::time::Duration;

/// Checks `store` against the ledger's contract, under keys starting with `prefix` (use a
/// fresh one per run): a claim is repeatable by its token and busy for any other; only
/// the token's holder commits or releases it; a commit is repeatable and never undone by
/// a release; a lapsed lease frees the key, and a commit after it with nobody else in
/// between still closes the order. Panics, naming the rule, on the first violation.
/// Sleeps about 120 ms for the lease checks.
///
/// ```
/// paywire::ledger::contract::check(&paywire::ledger::MemoryLedger::new(), "test:");
/// ```
pub fn check(store: &dyn LedgerStore, prefix: &str) {
    let lease = Duration::from_secs(30);
    let key = format!("{prefix}contract");
    let key = key.as_str();
    let claim = |token: &str| store.claim(key, token, lease);
    assert_eq!(claim("t1"), Ok(ClaimState::Fresh), "a free key is fresh");
    assert_eq!(
        claim("t1"),
        Ok(ClaimState::Fresh),
        "a claim repeated by its token is fresh"
    );
    assert_eq!(
        claim("t2"),
        Ok(ClaimState::Busy),
        "another token's live claim is busy"
    );
    store.release(key, "t2").expect("release answers");
    assert_eq!(
        claim("t2"),
        Ok(ClaimState::Busy),
        "only the holder releases a claim"
    );
    assert_eq!(
        store.commit(key, "t2", lease),
        Err(LedgerError::LeaseLost {
            key: key.to_owned()
        }),
        "only the holder commits a claim"
    );
    store.commit(key, "t1", lease).expect("the holder commits");
    store
        .commit(key, "t1", lease)
        .expect("a commit repeated after a lost answer still succeeds");
    store.release(key, "t1").expect("release answers");
    assert_eq!(
        claim("t3"),
        Ok(ClaimState::Done),
        "a release never undoes a commit"
    );

    let short = format!("{prefix}contract-lease");
    let short = short.as_str();
    let blip = Duration::from_millis(20);
    assert_eq!(store.claim(short, "t1", blip), Ok(ClaimState::Fresh));
    std::thread::sleep(blip * 3);
    store
        .commit(short, "t1", lease)
        .expect("a commit after the lease, with nobody else in between, still closes the order");
    assert_eq!(store.claim(short, "t2", lease), Ok(ClaimState::Done));

    let lapsed = format!("{prefix}contract-lapsed");
    let lapsed = lapsed.as_str();
    assert_eq!(store.claim(lapsed, "t1", blip), Ok(ClaimState::Fresh));
    std::thread::sleep(blip * 3);
    assert_eq!(
        store.claim(lapsed, "t2", lease),
        Ok(ClaimState::Fresh),
        "a lapsed lease frees the key"
    );
    assert_eq!(
        store.commit(lapsed, "t1", lease),
        Err(LedgerError::LeaseLost {
            key: lapsed.to_owned()
        }),
        "a commit after another holder took the key over is a lost lease"
    );
}

/// Checks `store`'s refunds against the ledger's contract, under orders starting with
/// `prefix`: a reservation is repeatable by its token and busy for another; the order's
/// cap counts refunds done and reserved; a number known with another amount conflicts;
/// only the holder releases; a commit is repeatable, never undone by a release, and
/// recorded even after its lease; a reservation whose lease ran out still counts against
/// the cap (it may have been sent), listed in doubt, until its number is taken over and released, reported
/// done or taken back; a refund the gateway reports made is counted once,
/// beyond the cap if need be, and leaves a live reservation to its sender; a refund done
/// is taken back once (a closed refund), freeing its amount, while a live reservation is
/// not. Panics, naming the rule, on the
/// first violation.
/// Sleeps about 120 ms for the lease checks.
///
/// ```
/// paywire::ledger::contract::check_refunds(&paywire::ledger::MemoryLedger::new(), "test:");
/// ```
pub fn check_refunds(store: &dyn LedgerStore, prefix: &str) {
    let lease = Duration::from_secs(30);
    let order = format!("{prefix}refunds");
    let order = order.as_str();
    let reserve = |refund: &str, amount: u64, token: &str| {
        store.reserve_refund(order, refund, amount, 100, token, lease)
    };
    assert_eq!(
        reserve("R1", 60, "t1"),
        Ok(RefundState::Fresh),
        "a refund within the cap is fresh"
    );
    assert_eq!(
        reserve("R1", 60, "t1"),
        Ok(RefundState::Fresh),
        "repeated by its token, fresh"
    );
    assert_eq!(
        reserve("R1", 60, "t2"),
        Ok(RefundState::Busy),
        "another token's reservation is busy"
    );
    assert_eq!(
        reserve("R1", 61, "t2"),
        Ok(RefundState::Conflict),
        "another amount conflicts"
    );
    assert_eq!(
        reserve("R2", 41, "t2"),
        Ok(RefundState::AbovePaid { reserved: 60 }),
        "reservations count against the cap"
    );
    store
        .release_refund(order, "R1", "t2")
        .expect("release answers");
    assert_eq!(
        reserve("R1", 60, "t2"),
        Ok(RefundState::Busy),
        "only the holder releases"
    );
    store
        .commit_refund(order, "R1", 60, "t1")
        .expect("the holder commits");
    store
        .commit_refund(order, "R1", 60, "t1")
        .expect("a repeated commit succeeds");
    store
        .release_refund(order, "R1", "t1")
        .expect("release answers");
    assert_eq!(
        reserve("R1", 60, "t3"),
        Ok(RefundState::Done),
        "a release never undoes a commit"
    );
    assert_eq!(
        reserve("R2", 40, "t2"),
        Ok(RefundState::Fresh),
        "the rest of the cap is free"
    );
    store
        .release_refund(order, "R2", "t2")
        .expect("the holder releases");
    assert_eq!(
        reserve("R3", 40, "t4"),
        Ok(RefundState::Fresh),
        "a release frees its amount"
    );

    let late = format!("{prefix}refunds-late");
    let late = late.as_str();
    let blip = Duration::from_millis(20);
    assert_eq!(
        store.reserve_refund(late, "L1", 10, 10, "t1", blip),
        Ok(RefundState::Fresh)
    );
    std::thread::sleep(blip * 3);
    store
        .commit_refund(late, "L1", 10, "t1")
        .expect("a commit after the lease, with nobody else in between, is recorded");
    assert_eq!(
        store.reserve_refund(late, "L2", 1, 10, "t2", lease),
        Ok(RefundState::AbovePaid { reserved: 10 }),
        "a late commit counts against the cap"
    );

    let doubt = format!("{prefix}refunds-in-doubt");
    let doubt = doubt.as_str();
    assert_eq!(
        store.reserve_refund(doubt, "D1", 60, 100, "t1", blip),
        Ok(RefundState::Fresh)
    );
    std::thread::sleep(blip * 3);
    assert_eq!(
        store.reserve_refund(doubt, "D2", 41, 100, "t2", lease),
        Ok(RefundState::AbovePaid { reserved: 60 }),
        "a reservation whose lease ran out may have been sent: it still counts against the cap"
    );
    assert_eq!(
        store.refunds_in_doubt(doubt),
        Ok(vec![("D1".to_owned(), 60)]),
        "a reservation whose lease ran out is listed in doubt"
    );
    assert_eq!(
        store.reserve_refund(doubt, "D1", 61, 100, "t2", lease),
        Ok(RefundState::Conflict),
        "after its lease, the number still conflicts with another amount"
    );
    assert_eq!(
        store.reserve_refund(doubt, "D1", 60, 100, "t2", lease),
        Ok(RefundState::Fresh),
        "after its lease, the same refund is taken over by another sender"
    );
    assert_eq!(
        store.refunds_in_doubt(doubt),
        Ok(vec![]),
        "a live reservation is not in doubt"
    );
    assert_eq!(
        store.commit_refund(doubt, "D1", 60, "t1"),
        Err(LedgerError::LeaseLost {
            key: format!("{doubt} refund D1")
        }),
        "the first sender's commit after the takeover is a lost lease"
    );
    store
        .release_refund(doubt, "D1", "t2")
        .expect("the sender that took it over releases it");
    assert_eq!(
        store.reserve_refund(doubt, "D2", 41, 100, "t3", lease),
        Ok(RefundState::Fresh),
        "released, its amount is free"
    );
    for (refund, amount) in [("D3", 20), ("D4", 30)] {
        assert_eq!(
            store.reserve_refund(doubt, refund, amount, 100, "t4", blip),
            Ok(RefundState::Fresh)
        );
    }
    std::thread::sleep(blip * 3);
    assert_eq!(
        store.refunds_in_doubt(doubt),
        Ok(vec![("D3".to_owned(), 20), ("D4".to_owned(), 30)]),
        "refunds in doubt are listed by number, live and done ones not"
    );
    assert_eq!(
        store.count_refund(doubt, "D3", 21),
        Ok(RefundState::Conflict),
        "a success of another amount than the refund in doubt is not this refund"
    );
    assert_eq!(
        store.count_refund(doubt, "D3", 20),
        Ok(RefundState::Done),
        "a success of the refund in doubt marks it done: it was counted already"
    );
    assert_eq!(
        store.take_back_refund(doubt, "D4", 30),
        Ok(RefundTakeBack::TakenBack),
        "a refund in doubt the gateway closed is taken back"
    );
    assert_eq!(
        store.reserve_refund(doubt, "D5", 39, 100, "t5", lease),
        Ok(RefundState::Fresh),
        "the room of the refund taken back is free, the success's is not"
    );
    assert_eq!(
        store.reserve_refund(doubt, "D6", 1, 100, "t5", lease),
        Ok(RefundState::AbovePaid { reserved: 100 })
    );
    assert_eq!(
        store.refunds_in_doubt(doubt),
        Ok(vec![]),
        "settled, done or taken back, none is in doubt"
    );

    let closed = format!("{prefix}refunds-closed");
    let closed = closed.as_str();
    assert_eq!(
        store.reserve_refund(closed, "C1", 60, 100, "t1", lease),
        Ok(RefundState::Fresh)
    );
    assert_eq!(
        store.take_back_refund(closed, "C1", 60),
        Ok(RefundTakeBack::Reserved),
        "a live reservation is left to its sender"
    );
    store
        .commit_refund(closed, "C1", 60, "t1")
        .expect("the holder commits");
    assert_eq!(
        store.take_back_refund(closed, "C1", 59),
        Ok(RefundTakeBack::Conflict),
        "another amount is not this refund"
    );
    assert_eq!(
        store.take_back_refund(closed, "C1", 60),
        Ok(RefundTakeBack::TakenBack),
        "a refund done is taken back"
    );
    assert_eq!(
        store.take_back_refund(closed, "C1", 60),
        Ok(RefundTakeBack::Absent),
        "taken back once"
    );
    assert_eq!(
        store.take_back_refund(closed, "C9", 1),
        Ok(RefundTakeBack::Absent),
        "a refund never held is absent"
    );
    assert_eq!(
        store.reserve_refund(closed, "C2", 100, 100, "t2", lease),
        Ok(RefundState::Fresh),
        "a refund taken back frees its amount"
    );

    let counted = format!("{prefix}refunds-counted");
    let counted = counted.as_str();
    assert_eq!(
        store.reserve_refund(counted, "K1", 60, 100, "t1", lease),
        Ok(RefundState::Fresh)
    );
    assert_eq!(
        store.count_refund(counted, "K1", 60),
        Ok(RefundState::Busy),
        "a live reservation is its sender's to commit"
    );
    assert_eq!(
        store.count_refund(counted, "K1", 61),
        Ok(RefundState::Conflict),
        "another amount is not this refund"
    );
    assert_eq!(
        store.count_refund(counted, "K2", 50),
        Ok(RefundState::Fresh),
        "a refund made without the ledger is counted, beyond the cap if need be"
    );
    assert_eq!(
        store.count_refund(counted, "K2", 50),
        Ok(RefundState::Done),
        "counted once"
    );
    store
        .commit_refund(counted, "K1", 60, "t1")
        .expect("the holder commits");
    assert_eq!(
        store.count_refund(counted, "K1", 60),
        Ok(RefundState::Done),
        "a committed refund is counted already"
    );
    assert_eq!(
        store.reserve_refund(counted, "K3", 1, 110, "t3", lease),
        Ok(RefundState::AbovePaid { reserved: 110 }),
        "counted refunds count against the cap"
    );
}
