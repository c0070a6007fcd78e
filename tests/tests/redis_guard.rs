//! The Redis replay guard against a real `redis-server` on loopback: guards on several
//! connections race for one id and exactly one wins; ids expire; and when Redis is gone
//! the guard says so instead of guessing.

use paywire::verify::RedisReplayGuard;
use paywire::{ReplayGuard, VerifyError};
use paywire_tests::RedisServer;
use std::sync::{Arc, Barrier};
use std::time::Duration;

#[test]
fn two_instances_racing_for_one_notification_exactly_one_wins() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    for round in 0..20 {
        let id = format!("race-{round}");
        let barrier = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                // Each thread is its own instance: its own guard and connection.
                let guard =
                    RedisReplayGuard::new(&server.url, "paywire:test:", Duration::from_secs(60))
                        .unwrap();
                let barrier = barrier.clone();
                let id = id.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    guard.first_time(&id).unwrap()
                })
            })
            .collect();
        let winners = handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|won| *won)
            .count();
        assert_eq!(winners, 1, "round {round}");
    }
}

#[test]
fn ids_expire_after_their_ttl() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let guard = RedisReplayGuard::new(&server.url, "paywire:ttl:", Duration::from_secs(1)).unwrap();
    assert_eq!(guard.first_time("n1"), Ok(true));
    assert_eq!(guard.first_time("n1"), Ok(false));
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(guard.first_time("n1"), Ok(true), "forgotten after the TTL");
}

#[test]
fn redis_down_is_an_error_not_a_replay_and_the_verifier_says_so() {
    let Some(mut server) = RedisServer::start() else {
        return;
    };
    let guard =
        RedisReplayGuard::new(&server.url, "paywire:down:", Duration::from_secs(60)).unwrap();
    assert_eq!(guard.first_time("before"), Ok(true));
    server.stop();
    let err = guard.first_time("after").unwrap_err();
    assert!(err.to_string().contains("redis"), "{err}");
    // Through a verifier: a valid notification is neither accepted nor called a replay.
    let v = paywire_tests::vector("xorpay_notify");
    let body = paywire_tests::text(&v, "/body").as_bytes().to_vec();
    let secret = paywire::Secret::new(paywire_tests::text(&v, "/secret"));
    let result = paywire_providers::xorpay::verify_notification(&body, &secret, &guard);
    assert!(matches!(result, Err(VerifyError::Guard(_))), "{result:?}");
    assert!(
        !format!("{guard:?}").contains("redis://"),
        "no URL (it may carry a password) in Debug"
    );
}
