//! The soak with the merchant's replay guard shared through a real `redis-server`.

use paywire_cli::soak::{run, SoakOptions};
use paywire_tests::RedisServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_a_redis_guard_loses_nothing_and_applies_nothing_twice() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let options = SoakOptions {
        orders: 50,
        concurrency: 8,
        fail_rate: 0.3,
        redis: Some(server.url.clone()),
        seed: 7,
    };
    let report = run(&options).await.unwrap();
    assert_eq!((report.lost, report.applied_twice), (0, 0), "{report:?}");
    assert_eq!(report.applied, 40);
    assert!(report.failures.is_empty(), "{:?}", report.failures);
}
