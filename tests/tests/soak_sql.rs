//! The soak's merchant (paywire-axum, faults injected around it and inside its write)
//! with every fault on, the death and the panic after the write included: inside the
//! shop's own transaction (a SQLite file; PostgreSQL shared by three instances, killed and
//! restarted mid-run) nothing is lost and nothing applied twice, and the refunds that
//! follow, recorded in the same database by every instance at once, are never lost, made
//! twice or above what was paid, and each refund WeChat Pay Global notifies is written
//! once in the shop's transaction; with a ledger apart from
//! the shop's database the payments written before a death are applied again, and the
//! soak says so.

use paywire_cli::merchant::Fault;
use paywire_cli::soak::{run, SoakLedger, SoakOptions};
use paywire_sandbox::postgres_server::PostgresServer;
use std::time::Duration;

fn every_fault(ledger: SoakLedger, orders: u32, instances: usize) -> SoakOptions {
    SoakOptions {
        orders,
        concurrency: 8,
        fail_rate: 0.4,
        faults: Fault::ALL.to_vec(),
        instances,
        ledger,
        lease: Duration::from_millis(800),
        seed: 5,
        ..SoakOptions::default()
    }
}

fn assert_nothing_lost_or_doubled(
    report: &paywire_cli::soak::SoakReport,
    orders: u32,
    books: &str,
) {
    assert!(report.passed(), "{report:#?}");
    // The refunds went through the shop's own database, every instance at once.
    let refunds = &report.refunds;
    assert_eq!(refunds.books, books, "{refunds:?}");
    assert!(
        refunds.committed > 0 && refunds.held_back > 0,
        "{refunds:?}"
    );
    // Answers to refund requests lost on purpose: sent again under their numbers, or
    // left reserved where the gateway has none.
    assert!(
        refunds.answers_lost > 0 && refunds.resent > 0,
        "{refunds:?}"
    );
    assert_eq!(
        (refunds.lost, refunds.applied_twice, refunds.above_paid),
        (0, 0, 0),
        "{refunds:?}"
    );
    // Every order's planned refunds (half, then the rest) reached the gateway, however
    // many instances tried them at once.
    assert_eq!(refunds.short, 0, "{refunds:?}");
    // The database listed exactly the refunds whose outcome no answer told; the sweep
    // sent those of gateways with refund numbers again and saw them accepted, and the
    // rest stay listed.
    assert_eq!(
        refunds.swept + refunds.unaccepted,
        refunds.unresolved,
        "{refunds:?}"
    );
    // WeChat Pay Global held its refunds until the soak ended them: each one done was
    // notified and its success written once in the shop's transaction, through the
    // faults inside the write; each one closed was taken back from the books, which then
    // hold exactly what the gateway does.
    assert!(refunds.notified > 0 && refunds.closed > 0, "{refunds:?}");
    assert_eq!(
        (
            refunds.notices_missing,
            refunds.notices_twice,
            refunds.closed_written,
            refunds.books_disagree
        ),
        (0, 0, 0, 0),
        "{refunds:?}"
    );
    assert_eq!((report.lost, report.applied_twice), (0, 0), "{report:#?}");
    assert_eq!(
        report.applied as u32,
        orders / 5 * 4,
        "every paid order of the four notifying gateways"
    );
    let f = &report.faults;
    assert!(
        f.crashed_after_write + f.panicked_after_write > 0
            && f.slow_apply > 0
            && f.apply_failed > 0,
        "{f:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_sqlite_transaction_every_fault_loses_nothing_and_doubles_nothing() {
    let report = run(&every_fault(SoakLedger::Sqlite, 60, 1)).await.unwrap();
    assert_nothing_lost_or_doubled(&report, 60, "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_postgres_transaction_three_instances_and_a_restart_lose_nothing_and_double_nothing() {
    if !PostgresServer::installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install postgresql"
        );
        return;
    }
    let options = SoakOptions {
        outage: Some(Duration::from_millis(1000)),
        ..every_fault(SoakLedger::Postgres(None), 1000, 3)
    };
    let report = run(&options).await.unwrap();
    assert_nothing_lost_or_doubled(&report, 1000, "postgres");
    assert!(report.ledger_restarted, "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_mariadb_transaction_three_instances_and_a_restart_lose_nothing_and_double_nothing() {
    if !paywire_sandbox::mariadb_server::MariadbServer::installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install mariadb-server"
        );
        return;
    }
    let options = SoakOptions {
        outage: Some(Duration::from_millis(1000)),
        ..every_fault(SoakLedger::Mariadb(None), 100, 3)
    };
    let report = run(&options).await.unwrap();
    assert_nothing_lost_or_doubled(&report, 100, "mariadb");
    assert!(report.ledger_restarted, "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_separate_ledger_applies_again_what_was_written_before_a_death_and_says_so() {
    let options = SoakOptions {
        faults: vec![Fault::CrashAfterWrite, Fault::PanicAfterWrite],
        ..every_fault(SoakLedger::Memory, 40, 2)
    };
    let report = run(&options).await.unwrap();
    let f = &report.faults;
    let deaths = f.crashed_after_write + f.panicked_after_write;
    assert!(deaths > 0, "{f:?}");
    // Each death after a write leaves a written payment to a claim that expires; the
    // next delivery writes it again. Nothing is lost, and the doubles are reported.
    assert_eq!(report.lost, 0, "{report:#?}");
    assert!(report.applied_twice > 0, "{report:#?}");
    assert!(report.applied_twice as u64 <= deaths, "{report:#?}");
    assert!(!report.passed());
}
