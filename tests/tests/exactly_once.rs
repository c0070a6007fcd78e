//! A paid order is never lost and never applied twice, whatever fails: the merchant's
//! write, its process, its ledger, or a signed message bent into another one. Each case
//! failed on the verifier that claimed a replay guard as a side effect: the retry of a
//! failed write, and a paid notification after a non-paid one, came back `Replayed`; a
//! merged SwiftPass member and a re-split XorPay notification were accepted.
//!
//! Genuine notifications here are signed by the test itself with the md-5 crate over a
//! string it writes out by hand, following the gateways' rules.

use md5::{Digest, Md5};
use paywire::ledger::{
    Claim, ClaimState, Expected, Ledger, LedgerError, LedgerStore, MemoryLedger, Mismatch, OrderKey,
};
use paywire::{Fen, Secret};
use paywire_cli::merchant::Fault;
use paywire_cli::soak::{run, SoakOptions};
use paywire_providers::{swiftpass, xorpay};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

const KEY: &str = "61307e5f2aebcacecbcca6fe5296df9c";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A SwiftPass notification with `members` (in this order), signed by the sorted MD5 rule.
fn swiftpass_body(members: &[(&str, String)]) -> String {
    let mut sorted: Vec<_> = members.iter().filter(|(_, v)| !v.is_empty()).collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let text: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let sign = hex(&Md5::digest(format!("{}&key={KEY}", text.join("&")))).to_uppercase();
    with_signature(members, &sign)
}

fn with_signature(members: &[(&str, String)], sign: &str) -> String {
    let mut xml = String::from("<xml>");
    for (k, v) in members {
        xml.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
    }
    xml + &format!("<sign>{sign}</sign></xml>")
}

fn signature_of(body: &str) -> &str {
    body.split("<sign>")
        .nth(1)
        .unwrap()
        .split("</sign>")
        .next()
        .unwrap()
}

fn notification(pay_result: &str) -> Vec<(&'static str, String)> {
    vec![
        ("version", "2.0".into()),
        ("status", "0".into()),
        ("result_code", "0".into()),
        ("mch_id", "175510359638".into()),
        ("nonce_str", "9d0b1a0f7d5e4a6c8b2f".into()),
        ("out_trade_no", "1415659990".into()),
        ("transaction_id", "4200000985202103031441826014".into()),
        ("total_fee", "1".into()),
        ("pay_result", pay_result.into()),
        ("time_end", "20240301120000".into()),
    ]
}

fn key() -> swiftpass::VerifyKey {
    swiftpass::VerifyKey::Md5(Secret::new(KEY))
}

/// The README's handler, reduced: verify, claim, write (which may fail), commit.
fn deliver(body: &str, ledger: &Ledger, write: impl FnOnce() -> Result<(), ()>) -> u16 {
    let Ok(verified) = swiftpass::verify_notification(body.as_bytes(), &key()) else {
        return 400;
    };
    let Some(payment) = verified.value.payment() else {
        return 200; // not a payment: acknowledge, apply nothing
    };
    match ledger.claim(&payment.key) {
        Ok(Claim::Fresh(held)) => match write() {
            Ok(()) => {
                held.commit().unwrap();
                200
            }
            Err(()) => {
                held.release().unwrap(); // the write failed: free the order at once
                500
            }
        },
        Ok(Claim::Done) => 200,
        Ok(Claim::Busy) | Err(_) => 503,
    }
}

/// [`deliver`] with a write that succeeds and counts how often it ran.
fn apply(body: &str, ledger: &Ledger, applied: &mut u32) -> u16 {
    deliver(body, ledger, || {
        *applied += 1;
        Ok(())
    })
}

#[test]
fn a_write_that_fails_after_verification_is_applied_on_the_retry() {
    let ledger = Ledger::in_memory();
    let body = swiftpass_body(&notification("0"));
    let mut applied = 0;
    assert_eq!(deliver(&body, &ledger, || Err(())), 500);
    assert_eq!(apply(&body, &ledger, &mut applied), 200);
    assert_eq!(apply(&body, &ledger, &mut applied), 200);
    assert_eq!(applied, 1, "applied on the retry, and only once");
}

#[test]
fn a_non_paid_notification_first_never_blocks_the_paid_one() {
    let ledger = Ledger::in_memory();
    let mut applied = 0;
    let unpaid = swiftpass_body(&notification("1"));
    assert_eq!(apply(&unpaid, &ledger, &mut applied), 200);
    assert_eq!(
        applied, 0,
        "a non-paid notification is acknowledged, never applied"
    );
    let paid = swiftpass_body(&notification("0"));
    assert_eq!(apply(&paid, &ledger, &mut applied), 200);
    assert_eq!(applied, 1);
}

#[test]
fn a_write_that_panics_after_it_happened_keeps_the_order_claimed_for_the_lease() {
    let ledger = Ledger::in_memory().with_lease(Duration::from_millis(300));
    let body = swiftpass_body(&notification("0"));
    let mut applied = 0;
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        deliver(&body, &ledger, || {
            applied += 1;
            panic!("the merchant's code panics after its write")
        })
    }));
    assert!(panicked.is_err());
    // The write happened: the panic must not free the order for the next delivery.
    assert_eq!(apply(&body, &ledger, &mut applied), 503, "held, not freed");
    assert_eq!(applied, 1);
    // After the lease the order is free again: the window a ledger outside the merchant's
    // own transaction leaves (paywire-sqlx closes it).
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(apply(&body, &ledger, &mut applied), 200);
    assert_eq!(applied, 2);
}

#[test]
fn an_instance_that_dies_holding_a_claim_blocks_only_until_the_lease_ends() {
    let ledger = Ledger::in_memory().with_lease(Duration::from_millis(150));
    let key = OrderKey::new(swiftpass::GATEWAY, "1415659990");
    let Claim::Fresh(held) = ledger.claim(&key).unwrap() else {
        panic!("fresh")
    };
    held.abandon(); // the process died between claiming and committing
    let body = swiftpass_body(&notification("0"));
    let mut applied = 0;
    assert_eq!(apply(&body, &ledger, &mut applied), 503, "busy: retry");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(apply(&body, &ledger, &mut applied), 200);
    assert_eq!(applied, 1);
}

#[test]
fn two_instances_racing_on_one_delivery_apply_it_once() {
    let ledger = Ledger::in_memory();
    let body = swiftpass_body(&notification("0"));
    let applied = std::sync::atomic::AtomicUsize::new(0);
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                barrier.wait();
                deliver(&body, &ledger, || {
                    applied.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    Ok(())
                })
            });
        }
    });
    assert_eq!(applied.load(Ordering::SeqCst), 1);
    assert_eq!(deliver(&body, &ledger, || Ok(())), 200, "done");
}

/// A store that can be switched off, as a Redis outage would.
struct Flaky {
    down: Arc<AtomicBool>,
    inner: MemoryLedger,
}

impl Flaky {
    fn check(&self) -> Result<(), LedgerError> {
        match self.down.load(Ordering::SeqCst) {
            true => Err(LedgerError::Unavailable("switched off".into())),
            false => Ok(()),
        }
    }
}

impl LedgerStore for Flaky {
    fn claim(&self, key: &str, token: &str, lease: Duration) -> Result<ClaimState, LedgerError> {
        self.check()?;
        self.inner.claim(key, token, lease)
    }
    fn commit(&self, key: &str, token: &str, retention: Duration) -> Result<(), LedgerError> {
        self.check()?;
        self.inner.commit(key, token, retention)
    }
    fn release(&self, key: &str, token: &str) -> Result<(), LedgerError> {
        self.check()?;
        self.inner.release(key, token)
    }
}

#[test]
fn a_ledger_that_cannot_answer_gets_5xx_and_the_payment_is_applied_later() {
    let down = Arc::new(AtomicBool::new(true));
    let ledger = Ledger::new(Flaky {
        down: down.clone(),
        inner: MemoryLedger::new(),
    });
    let body = swiftpass_body(&notification("0"));
    let mut applied = 0;
    assert_eq!(apply(&body, &ledger, &mut applied), 503, "never a guess");
    assert_eq!(applied, 0);
    down.store(false, Ordering::SeqCst);
    assert_eq!(apply(&body, &ledger, &mut applied), 200);
    assert_eq!(applied, 1);
}

/// Claims an order, takes the store down for `outage`, and commits with `patience`:
/// how long the commit took, after checking that it landed.
fn commit_through_outage(order: &str, outage: Duration, patience: Duration) -> Duration {
    let down = Arc::new(AtomicBool::new(false));
    let ledger = Ledger::new(Flaky {
        down: down.clone(),
        inner: MemoryLedger::new(),
    })
    .with_commit_patience(patience)
    .unwrap();
    let key = OrderKey::new("xorpay", order);
    let Claim::Fresh(held) = ledger.claim(&key).unwrap() else {
        panic!("fresh")
    };
    down.store(true, Ordering::SeqCst);
    let flip = down.clone();
    let back = std::thread::spawn(move || {
        std::thread::sleep(outage);
        flip.store(false, Ordering::SeqCst);
    });
    let started = std::time::Instant::now();
    held.commit().unwrap();
    let took = started.elapsed();
    back.join().unwrap();
    assert!(matches!(ledger.claim(&key).unwrap(), Claim::Done));
    took
}

#[test]
fn a_commit_waits_out_a_short_outage() {
    commit_through_outage("O1", Duration::from_millis(200), Duration::from_secs(5));
}

/// A commit retried through an outage lands soon after the store is back, not up to a
/// second later: the claim it commits lives only for its lease, and an outage that ends
/// close to the commit patience must not make the commit give up (then a lost
/// acknowledgement would bring a redelivery that applies the payment again).
#[test]
fn a_commit_lands_soon_after_the_store_comes_back() {
    let outage = Duration::from_millis(1100);
    let took = commit_through_outage("O2", outage, Duration::from_millis(1500));
    assert!(
        took < Duration::from_millis(1400),
        "committed after {took:?}"
    );
}

#[test]
fn a_merged_swiftpass_member_is_refused_though_its_signature_holds() {
    let genuine = swiftpass_body(&notification("0"));
    let sign = signature_of(&genuine);
    // `version` folded into `transaction_id`: the sorted string, so the MD5, is unchanged.
    let mut merged = notification("0");
    merged.retain(|(k, _)| *k != "version");
    for (k, v) in merged.iter_mut() {
        if *k == "transaction_id" {
            v.push_str("&version=2.0");
        }
    }
    let forged = with_signature(&merged, sign);
    let err = swiftpass::verify_notification(forged.as_bytes(), &key()).unwrap_err();
    assert!(err.is_malformed(), "{err:?}");
    assert!(
        err.to_string()
            .contains("`transaction_id` holds `&version=`"),
        "{err}"
    );
    // `total_fee` folded into `time_end`: the amount is gone, `is_paid()` would still hold.
    let mut dropped = notification("0");
    dropped.retain(|(k, _)| *k != "total_fee");
    for (k, v) in dropped.iter_mut() {
        if *k == "time_end" {
            v.push_str("&total_fee=1");
        }
    }
    let forged = with_signature(&dropped, sign);
    let err = swiftpass::verify_notification(forged.as_bytes(), &key()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("time_end") && text.contains("total_fee"),
        "{text}"
    );
}

#[test]
fn a_resplit_xorpay_notification_verifies_but_is_never_applied() {
    let secret = "0123456789abcdef0123456789abcdef";
    let aoid = "2c56a1c8e7f34e0f9b2f7d3d1e0a9b8c";
    // Genuinely signed for ORDER-11, 0.01 yuan.
    let sign = hex(&Md5::digest(format!(
        "{aoid}ORDER-110.012024-03-01 12:00:00{secret}"
    )));
    let form = |order: &str, price: &str| {
        format!("aoid={aoid}&order_id={order}&pay_price={price}&pay_time=2024-03-01+12%3A00%3A00&sign={sign}")
    };
    let secret = Secret::new(secret);
    let genuine = xorpay::verify_notification(form("ORDER-11", "0.01").as_bytes(), &secret)
        .unwrap()
        .value
        .payment()
        .unwrap();
    // One character moved between neighbours: another order, another amount, same MD5.
    let moved = xorpay::verify_notification(form("ORDER-1", "10.01").as_bytes(), &secret)
        .unwrap()
        .value
        .payment()
        .unwrap();
    assert_eq!(moved.key.as_str(), "xorpay:ORDER-1");
    // The merchant's ORDER-1 is for 10.01 yuan, and XorPay gave it another aoid.
    let order_1 = Expected {
        amount: Fen::new(1001),
        currency: None,
        gateway_order: Some("9f0e1d2c3b4a59687766554433221100"),
    };
    assert!(matches!(
        moved.check(&order_1),
        Err(Mismatch::GatewayOrder { .. })
    ));
    // A merchant that kept no aoid still refuses it on the amount, if ORDER-1 differs.
    let order_1_without_aoid = Expected {
        amount: Fen::new(2000),
        gateway_order: None,
        ..order_1
    };
    assert!(matches!(
        moved.check(&order_1_without_aoid),
        Err(Mismatch::Amount { .. })
    ));
    // The genuine one matches its own order.
    let order_11 = Expected {
        amount: Fen::new(1),
        currency: None,
        gateway_order: Some(aoid),
    };
    assert_eq!(genuine.check(&order_11), Ok(()));
    // Moves that break a format are refused by verification itself.
    for (order, price, time) in [
        ("ORDER-11", "0.0", "12024-03-01+12%3A00%3A00"),
        ("ORDER-110", ".01", "2024-03-01+12%3A00%3A00"),
    ] {
        let body =
            format!("aoid={aoid}&order_id={order}&pay_price={price}&pay_time={time}&sign={sign}");
        assert!(
            xorpay::verify_notification(body.as_bytes(), &secret).is_err(),
            "{body}"
        );
    }
}

fn soak(faults: Vec<Fault>) -> SoakOptions {
    SoakOptions {
        orders: 40,
        concurrency: 8,
        fail_rate: 0.4,
        faults,
        instances: 2,
        lease: Duration::from_millis(400),
        seed: 11,
        ..SoakOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_failed_writes_are_applied_on_a_later_delivery() {
    let report = run(&soak(vec![Fault::ApplyError])).await.unwrap();
    assert!(report.passed(), "{report:#?}");
    assert!(report.faults.apply_failed > 0, "{report:#?}");
    assert_eq!(
        report.applied, 32,
        "every paid order of the four notifying gateways"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_instances_that_die_holding_claims_lose_nothing() {
    let report = run(&soak(vec![Fault::Crash, Fault::Drop, Fault::After]))
        .await
        .unwrap();
    assert!(report.passed(), "{report:#?}");
    assert!(report.faults.crashed > 0, "{report:#?}");
    assert_eq!(
        (report.lost, report.applied_twice, report.applied),
        (0, 0, 32)
    );
}
