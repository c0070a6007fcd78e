//! The ledger in a SQLite file, inside the merchant's transaction: a write that rolls
//! back (a crash, a panic, a dropped transaction) leaves the payment unapplied, so the
//! next delivery applies it, and a committed one is never applied again.

mod support;

use paywire_sqlx::{
    apply_once, begin, migrate, refund_once, release_refund, Applied, Refund, Refunded, Released,
};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::SqlitePool;
use support::{expected, payment, SHOP_TABLE};

/// A fresh database file with the ledger's tables and the merchant's, and `orders` placed.
async fn shop(orders: &[&str]) -> (SqlitePool, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "paywire-sqlite-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("shop.db");
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .unwrap();
    migrate(&pool).await.unwrap();
    sqlx::query(SHOP_TABLE).execute(&pool).await.unwrap();
    for order in orders {
        sqlx::query("INSERT INTO shop_orders (out_trade_no) VALUES (?1)")
            .bind(order)
            .execute(&pool)
            .await
            .unwrap();
    }
    (pool, dir)
}

async fn applied(pool: &SqlitePool, order: &str) -> i64 {
    sqlx::query_scalar("SELECT applied FROM shop_orders WHERE out_trade_no = ?1")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// In `tx`: records the payment of `order` (`fen` notified, 100 expected) and, if fresh,
/// the merchant's write.
async fn record_and_write(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    order: &str,
    fen: u64,
) -> Applied {
    let found = apply_once(tx, &payment(order, fen, "42"), &expected(100))
        .await
        .unwrap();
    if found == Applied::Fresh {
        sqlx::query("UPDATE shop_orders SET applied = applied + 1 WHERE out_trade_no = ?1")
            .bind(order)
            .execute(&mut **tx)
            .await
            .unwrap();
    }
    found
}

/// One delivery as the merchant handles it: apply_once, the merchant's write, commit.
async fn deliver(pool: &SqlitePool, order: &str, fen: u64) -> Applied {
    let mut tx = begin(pool).await.unwrap();
    let found = record_and_write(&mut tx, order, fen).await;
    if found == Applied::Fresh {
        tx.commit().await.unwrap();
    }
    found
}

#[tokio::test]
async fn a_committed_payment_is_done_for_every_later_delivery() {
    let (pool, dir) = shop(&["A1"]).await;
    assert_eq!(deliver(&pool, "A1", 100).await, Applied::Fresh);
    assert_eq!(deliver(&pool, "A1", 100).await, Applied::Done);
    assert_eq!(deliver(&pool, "A1", 100).await, Applied::Done);
    assert_eq!(applied(&pool, "A1").await, 1);
    // The file is the ledger: a new process (a new pool) finds it applied.
    pool.close().await;
    let again = SqlitePool::connect(&format!("sqlite://{}", dir.join("shop.db").display()))
        .await
        .unwrap();
    assert_eq!(deliver(&again, "A1", 100).await, Applied::Done);
    assert_eq!(applied(&again, "A1").await, 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_write_whose_transaction_never_commits_is_applied_once_by_the_next_delivery() {
    let (pool, dir) = shop(&["B1"]).await;
    // The process dies (or the handler is cancelled) after the write, before the commit:
    // the transaction is dropped, and the write and the ledger row roll back together.
    {
        let mut tx = begin(&pool).await.unwrap();
        assert_eq!(record_and_write(&mut tx, "B1", 100).await, Applied::Fresh);
    }
    assert_eq!(
        applied(&pool, "B1").await,
        0,
        "rolled back with the ledger row"
    );
    assert_eq!(deliver(&pool, "B1", 100).await, Applied::Fresh);
    assert_eq!(deliver(&pool, "B1", 100).await, Applied::Done);
    assert_eq!(applied(&pool, "B1").await, 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_write_that_panics_after_it_happened_is_applied_once() {
    let (pool, dir) = shop(&["C1"]).await;
    let handler = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut tx = begin(&pool).await.unwrap();
            assert_eq!(record_and_write(&mut tx, "C1", 100).await, Applied::Fresh);
            panic!("the merchant's code panics after its write");
        })
    };
    assert!(handler.await.unwrap_err().is_panic());
    assert_eq!(deliver(&pool, "C1", 100).await, Applied::Fresh);
    assert_eq!(deliver(&pool, "C1", 100).await, Applied::Done);
    assert_eq!(applied(&pool, "C1").await, 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_payment_that_does_not_match_the_order_or_the_one_applied_is_never_applied() {
    let (pool, dir) = shop(&["D1"]).await;
    assert!(matches!(
        deliver(&pool, "D1", 99).await,
        Applied::Mismatch(paywire::ledger::Mismatch::Amount { .. })
    ));
    assert_eq!(applied(&pool, "D1").await, 0);
    assert_eq!(deliver(&pool, "D1", 100).await, Applied::Fresh);
    // The same order, paid again under another gateway order id: not this payment.
    let mut tx = begin(&pool).await.unwrap();
    let other = apply_once(&mut tx, &payment("D1", 100, "43"), &expected(100))
        .await
        .unwrap();
    match other {
        Applied::Conflict(conflict) => {
            assert_eq!(conflict.applied_gateway_order.as_deref(), Some("42"));
            assert!(conflict.to_string().contains("swiftpass:D1"), "{conflict}");
        }
        found => panic!("{found:?}"),
    }
    drop(tx);
    assert_eq!(applied(&pool, "D1").await, 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// A SwiftPass refund of `fen` under `number` for `order`.
fn refund_of<'a>(order: &'a str, number: &'a str, fen: u64) -> Refund<'a> {
    Refund {
        gateway: "swiftpass",
        out_trade_no: order,
        out_refund_no: number,
        amount: paywire::Fen::new(fen),
    }
}

async fn refund(pool: &SqlitePool, order: &str, number: &str, fen: u64) -> Refunded {
    let mut tx = begin(pool).await.unwrap();
    let refund = refund_of(order, number, fen);
    let found = refund_once(&mut tx, &refund).await.unwrap();
    if matches!(found, Refunded::Fresh { .. }) {
        tx.commit().await.unwrap();
    }
    found
}

#[tokio::test]
async fn refunds_are_applied_once_per_number_and_never_above_what_was_paid() {
    let (pool, dir) = shop(&["E1", "E2"]).await;
    assert_eq!(refund(&pool, "E1", "R0", 10).await, Refunded::NotPaid);
    assert_eq!(deliver(&pool, "E1", 100).await, Applied::Fresh);
    let fen = paywire::Fen::new;
    assert_eq!(
        refund(&pool, "E1", "R1", 60).await,
        Refunded::Fresh {
            paid: fen(100),
            refunded: fen(60)
        }
    );
    assert_eq!(refund(&pool, "E1", "R1", 60).await, Refunded::Done);
    assert_eq!(refund(&pool, "E1", "R1", 30).await, Refunded::Conflict);
    assert_eq!(
        refund(&pool, "E1", "R2", 41).await,
        Refunded::AbovePaid {
            paid: fen(100),
            refunded: fen(60),
            requested: fen(41)
        }
    );
    assert_eq!(
        refund(&pool, "E1", "R2", 40).await,
        Refunded::Fresh {
            paid: fen(100),
            refunded: fen(100)
        }
    );
    assert!(matches!(
        refund(&pool, "E1", "R3", 1).await,
        Refunded::AbovePaid { .. }
    ));
    // A refund of nothing is refused by the table, not recorded.
    let mut tx = begin(&pool).await.unwrap();
    let zero = Refund {
        gateway: "swiftpass",
        out_trade_no: "E1",
        out_refund_no: "R4",
        amount: fen(0),
    };
    assert!(refund_once(&mut tx, &zero).await.is_err());
    let _ = std::fs::remove_dir_all(dir);
}

async fn release(pool: &SqlitePool, order: &str, number: &str, fen: u64) -> Released {
    let mut tx = begin(pool).await.unwrap();
    let refund = refund_of(order, number, fen);
    let found = release_refund(&mut tx, &refund).await.unwrap();
    if matches!(found, Released::Released { .. }) {
        tx.commit().await.unwrap();
    }
    found
}

#[tokio::test]
async fn a_refund_the_gateway_refused_is_released_and_frees_its_room() {
    let (pool, dir) = shop(&["F1"]).await;
    assert_eq!(deliver(&pool, "F1", 100).await, Applied::Fresh);
    let fen = paywire::Fen::new;
    assert!(matches!(
        refund(&pool, "F1", "R1", 70).await,
        Refunded::Fresh { .. }
    ));
    assert!(matches!(
        refund(&pool, "F1", "R2", 40).await,
        Refunded::AbovePaid { .. }
    ));
    // Another amount under the number is not the refund that was recorded: nothing freed.
    assert_eq!(release(&pool, "F1", "R1", 30).await, Released::Conflict);
    assert_eq!(release(&pool, "F1", "R9", 70).await, Released::NotRecorded);
    assert_eq!(
        release(&pool, "F1", "R1", 70).await,
        Released::Released {
            paid: fen(100),
            refunded: fen(0)
        }
    );
    assert_eq!(release(&pool, "F1", "R1", 70).await, Released::NotRecorded);
    assert_eq!(
        refund(&pool, "F1", "R2", 40).await,
        Refunded::Fresh {
            paid: fen(100),
            refunded: fen(40)
        }
    );
    let (refunded, rows): (i64, i64) = sqlx::query_as(
        "SELECT refunded_fen, (SELECT count(*) FROM paywire_refunds) FROM paywire_payments",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((refunded, rows), (40, 1));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn refunds_are_listed_until_the_gateway_s_acceptance_is_recorded() {
    let (pool, dir) = shop(&[]).await;
    support::refunds_are_listed_until_accepted_or_released(&pool).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_refund_s_success_is_marked_once_and_kept() {
    let (pool, dir) = shop(&[]).await;
    support::successes_are_marked_once_and_kept(&pool).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_refund_the_gateway_closed_is_taken_back() {
    let (pool, dir) = shop(&[]).await;
    support::closed_refunds_are_taken_back_accepted_or_not(&pool).await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Another pool on the same file: a second instance of the merchant.
async fn instance(file: &std::path::Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .busy_timeout(std::time::Duration::from_secs(30));
    SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refunds_from_three_pools_never_exceed_what_was_paid() {
    let (first, dir) = shop(&[]).await;
    let file = dir.join("shop.db");
    let instances = [first, instance(&file).await, instance(&file).await];
    support::racing_refunds_never_exceed_what_was_paid(&instances).await;
    let _ = std::fs::remove_dir_all(dir);
}
