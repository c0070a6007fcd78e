//! The ledger in a real MariaDB server on loopback (Debian's `mariadb-server`, a data
//! folder of the test's own), shared by several merchant instances: racing deliveries
//! apply a payment once, racing refunds never exceed what was paid, a server killed
//! between the merchant's write and the commit loses nothing and doubles nothing, and
//! order numbers that differ only in case or by a trailing space are different orders.

mod support;

use paywire::Fen;
use paywire_sqlx::{apply_once, begin, migrate, refund_once, Applied, Refund, Refunded};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::MySqlPool;
use std::str::FromStr;
use std::time::Duration;
use support::{expected, mariadb_server, payment};

const SHOP_TABLE: &str = "CREATE TABLE IF NOT EXISTS shop_orders \
    (out_trade_no VARCHAR(64) COLLATE utf8mb4_nopad_bin PRIMARY KEY, applied BIGINT NOT NULL DEFAULT 0)";

/// One merchant instance: its own pool of connections to the shared database, with or
/// without CLIENT_FOUND_ROWS (the merchant's choice, which the ledger must not depend on).
async fn instance_with(url: &str, found_rows: bool) -> MySqlPool {
    let options = MySqlConnectOptions::from_str(url)
        .unwrap()
        .found_rows(found_rows);
    MySqlPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .unwrap()
}

async fn instance(url: &str) -> MySqlPool {
    instance_with(url, true).await
}

async fn shop(url: &str, orders: &[&str]) -> MySqlPool {
    let pool = instance(url).await;
    migrate(&pool).await.unwrap();
    sqlx::query(SHOP_TABLE).execute(&pool).await.unwrap();
    for order in orders {
        sqlx::query("INSERT INTO shop_orders (out_trade_no) VALUES (?)")
            .bind(order)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool
}

async fn applied(pool: &MySqlPool, order: &str) -> i64 {
    sqlx::query_scalar("SELECT applied FROM shop_orders WHERE out_trade_no = ?")
        .bind(order)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// In `tx`: records the payment of `order` (`fen` notified, 100 expected) and, if fresh,
/// the merchant's write.
async fn record_and_write(
    tx: &mut sqlx::Transaction<'static, sqlx::MySql>,
    order: &str,
    fen: u64,
) -> Applied {
    let found = apply_once(tx, &payment(order, fen, "42"), &expected(100))
        .await
        .unwrap();
    if found == Applied::Fresh {
        sqlx::query("UPDATE shop_orders SET applied = applied + 1 WHERE out_trade_no = ?")
            .bind(order)
            .execute(&mut **tx)
            .await
            .unwrap();
    }
    found
}

/// One delivery: apply_once, the merchant's write, a pause (a slow database), commit.
async fn deliver(pool: &MySqlPool, order: &str, pause: Duration) -> Applied {
    let mut tx = begin(pool).await.unwrap();
    let found = record_and_write(&mut tx, order, 100).await;
    if found == Applied::Fresh {
        tokio::time::sleep(pause).await;
        tx.commit().await.unwrap();
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_racing_on_one_payment_apply_it_once() {
    let Some(server) = mariadb_server() else {
        return;
    };
    let orders = ["M0", "M1", "M2", "M3", "M4"];
    let first = shop(&server.url, &orders).await;
    // Instances with and without CLIENT_FOUND_ROWS: the ledger reads neither way's
    // rows-affected count.
    let instances = [
        first,
        instance_with(&server.url, false).await,
        instance(&server.url).await,
    ];
    for order in orders {
        // Every instance gets the delivery at once; the first to insert holds the key
        // while its write is slow, the others wait on it, then find it done.
        let racing: Vec<_> = instances
            .iter()
            .map(|pool| {
                let pool = pool.clone();
                tokio::spawn(async move { deliver(&pool, order, Duration::from_millis(50)).await })
            })
            .collect();
        let mut fresh = 0;
        for handle in racing {
            match handle.await.unwrap() {
                Applied::Fresh => fresh += 1,
                Applied::Done => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(fresh, 1, "{order}");
        assert_eq!(applied(&instances[0], order).await, 1, "{order}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_that_rolls_back_leaves_the_payment_to_the_next_delivery() {
    let Some(server) = mariadb_server() else {
        return;
    };
    let pool = shop(&server.url, &["N1"]).await;
    let handler = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut tx = begin(&pool).await.unwrap();
            assert_eq!(record_and_write(&mut tx, "N1", 100).await, Applied::Fresh);
            panic!("the merchant's code panics after its write");
        })
    };
    assert!(handler.await.unwrap_err().is_panic());
    assert_eq!(deliver(&pool, "N1", Duration::ZERO).await, Applied::Fresh);
    assert_eq!(deliver(&pool, "N1", Duration::ZERO).await, Applied::Done);
    assert_eq!(applied(&pool, "N1").await, 1);
    // Another amount for the applied order: a conflict, never a second application.
    let mut tx = begin(&pool).await.unwrap();
    let found = apply_once(&mut tx, &payment("N1", 90, "42"), &expected(90))
        .await
        .unwrap();
    assert!(matches!(found, Applied::Conflict(_)), "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_numbers_differing_in_case_or_a_trailing_space_are_different_orders() {
    let Some(server) = mariadb_server() else {
        return;
    };
    let orders = ["CASE-a", "CASE-A", "CASE-A "];
    let pool = shop(&server.url, &orders).await;
    for order in orders {
        assert_eq!(
            deliver(&pool, order, Duration::ZERO).await,
            Applied::Fresh,
            "{order:?}"
        );
    }
    for order in orders {
        assert_eq!(applied(&pool, order).await, 1, "{order:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_between_the_write_and_the_commit_loses_nothing_and_doubles_nothing() {
    let Some(mut server) = mariadb_server() else {
        return;
    };
    let pool = shop(&server.url, &["X1", "X2"]).await;
    // X1 committed before the crash; X2 written, not committed, when the server dies.
    assert_eq!(deliver(&pool, "X1", Duration::ZERO).await, Applied::Fresh);
    let mut tx = begin(&pool).await.unwrap();
    assert_eq!(record_and_write(&mut tx, "X2", 100).await, Applied::Fresh);
    server.kill();
    assert!(
        tx.commit().await.is_err(),
        "the commit cannot land on a dead server"
    );
    pool.close().await;
    server.restart().unwrap();

    let pool = instance(&server.url).await;
    assert_eq!(
        applied(&pool, "X1").await,
        1,
        "the acknowledged commit survived"
    );
    assert_eq!(
        applied(&pool, "X2").await,
        0,
        "the uncommitted write rolled back"
    );
    assert_eq!(deliver(&pool, "X1", Duration::ZERO).await, Applied::Done);
    assert_eq!(deliver(&pool, "X2", Duration::ZERO).await, Applied::Fresh);
    assert_eq!(deliver(&pool, "X2", Duration::ZERO).await, Applied::Done);
    assert_eq!(applied(&pool, "X2").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refunds_from_three_instances_never_exceed_what_was_paid() {
    let Some(server) = mariadb_server() else {
        return;
    };
    let orders: Vec<String> = (0..10).map(|i| format!("G{i}")).collect();
    let first = shop(&server.url, &[]).await;
    let instances = [
        first,
        instance_with(&server.url, false).await,
        instance(&server.url).await,
    ];
    for order in &orders {
        let mut tx = begin(&instances[0]).await.unwrap();
        let found = apply_once(&mut tx, &payment(order, 100, "42"), &expected(100))
            .await
            .unwrap();
        assert_eq!(found, Applied::Fresh);
        tx.commit().await.unwrap();
    }
    for order in &orders {
        // Three instances, each refunding 40 of 100 under its own refund number, twice
        // (a retry of the same number): two refunds fit, the third never does.
        let racing: Vec<_> = (0..6)
            .map(|i| {
                let pool = instances[i % 3].clone();
                let order = order.clone();
                tokio::spawn(async move {
                    let mut tx = begin(&pool).await.unwrap();
                    let number = format!("{order}-R{}", i % 3);
                    let refund = Refund {
                        gateway: "swiftpass",
                        out_trade_no: &order,
                        out_refund_no: &number,
                        amount: Fen::new(40),
                    };
                    let found = refund_once(&mut tx, &refund).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    tx.commit().await.unwrap();
                    found
                })
            })
            .collect();
        let mut fresh = 0;
        for handle in racing {
            match handle.await.unwrap() {
                Refunded::Fresh { refunded, .. } => {
                    assert!(refunded <= Fen::new(100));
                    fresh += 1;
                }
                Refunded::Done | Refunded::AbovePaid { .. } => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(fresh, 2, "{order}");
        let (refunded, recorded): (i64, i64) = sqlx::query_as(
            "SELECT p.refunded_fen, CAST((SELECT COALESCE(SUM(amount_fen), 0) FROM paywire_refunds r \
             WHERE r.gateway = p.gateway AND r.out_trade_no = p.out_trade_no) AS SIGNED) \
             FROM paywire_payments p WHERE p.out_trade_no = ?",
        )
        .bind(order)
        .fetch_one(&instances[0])
        .await
        .unwrap();
        assert_eq!((refunded, recorded), (80, 80), "{order}");
    }
}
