//! The behaviour every [`LedgerStore`] must have, as a check a store's own tests call.

use super::{ClaimState, LedgerError, LedgerStore};
use std::time::Duration;

/// Checks `store` against the ledger's contract, under keys starting with `prefix` (use a
/// fresh one per run): a claim is repeatable by its token and busy for any other; only
/// the token's holder commits or releases it; a commit is repeatable and never undone by
/// a release; a lapsed lease frees the key, and a commit after it with nobody else in
/// between still closes the order. Panics, naming the rule, on the first violation.
/// Sleeps about 60 ms for the lease check.
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
