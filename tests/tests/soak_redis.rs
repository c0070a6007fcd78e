//! The soak with three merchant instances sharing a ledger in a real `redis-server`,
//! every fault on, and Redis killed and restarted mid-run.

use paywire_cli::merchant::Fault;
use paywire_cli::soak::{run, SoakOptions};
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
        faults: Fault::ALL.to_vec(),
        instances: 3,
        redis: Some("auto".into()),
        redis_outage: Some(Duration::from_millis(1500)),
        lease: Duration::from_millis(1500),
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
    assert!(report.redis_restarted);
    assert!(report.guard_unavailable > 0, "{report:#?}");
    assert!(
        report.faults.apply_failed > 0 && report.faults.crashed > 0,
        "{report:#?}"
    );
}
