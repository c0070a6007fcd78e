//! The soak with three merchant instances sharing a ledger in a real `redis-server`,
//! every fault on, and Redis killed and restarted mid-run.

use paywire_cli::merchant::Fault;
use paywire_cli::soak::{run, SoakLedger, SoakOptions};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_every_fault_and_a_redis_restart_loses_nothing_and_doubles_nothing() {
    if paywire_tests::redis_server().is_none() {
        return;
    }
    let options = SoakOptions {
        orders: 100,
        concurrency: 8,
        fail_rate: 0.3,
        // Every fault but a death or panic after the write, which a ledger apart from
        // the shop's database cannot survive (tests/tests/soak_sql.rs shows both).
        faults: Fault::separate_ledger_survives(),
        instances: 3,
        ledger: SoakLedger::Redis(None),
        outage: Some(Duration::from_millis(1500)),
        // The shortest lease that outlasts the outage (a shorter one is refused).
        lease: paywire_cli::soak::shortest_lease_through(Duration::from_millis(1500)),
        seed: 7,
        progress: paywire_cli::progress::Progress::Quiet,
    };
    let report = run(&options).await.unwrap();
    assert!(report.passed(), "{report:#?}");
    assert_eq!(
        (report.lost, report.applied_twice, report.amount_mismatch),
        (0, 0, 0)
    );
    assert_eq!(
        report.applied, 80,
        "every paid order of the four notifying gateways"
    );
    for (name, gateway) in &report.gateways {
        if gateway.notifies {
            assert_eq!(gateway.applied, gateway.paid, "{name}");
        }
    }
    assert!(report.ledger_restarted);
    assert!(report.guard_unavailable > 0, "{report:#?}");
    assert!(
        report.faults.apply_failed > 0 && report.faults.crashed > 0,
        "{report:#?}"
    );
    // Refunds whose every answer was lost stay in doubt in the ledger, counted against
    // their order's cap: the sweep sends those of gateways with refund numbers again and
    // commits them, and lists the rest.
    let refunds = &report.refunds;
    assert_eq!(
        refunds.swept + refunds.unaccepted,
        refunds.unresolved,
        "{refunds:?}"
    );
    assert_eq!(refunds.books_disagree, 0, "{refunds:?}");
}

/// A lease the outage outlasts would let a commit the outage interrupts give up, and a
/// redelivery apply the payment again (with lease and outage both 1.5 s, seed 1 of the
/// command-line soak applied two payments twice): the soak refuses to run it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_the_redis_outage_outlasts_is_refused() {
    let options = SoakOptions {
        ledger: SoakLedger::Redis(None),
        outage: Some(Duration::from_millis(1500)),
        lease: Duration::from_millis(1500),
        ..SoakOptions::default()
    };
    let err = run(&options).await.unwrap_err();
    assert!(err.contains("--lease-ms 3125 or more"), "{err}");
}
