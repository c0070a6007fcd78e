//! The ledger in a real MariaDB server on loopback (Debian's `mariadb-server`, a data
//! folder of the test's own), shared by several merchant instances: the tests every
//! shared server passes (`support::shared_server_tests`: racing deliveries and refunds, a
//! panicking transaction, a server killed between write and commit), with merchant pools
//! with and without CLIENT_FOUND_ROWS, and order numbers that differ only in case or by a
//! trailing space kept apart.

mod support;

use paywire_sqlx::Applied;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::MySqlPool;
use std::str::FromStr;
use std::time::Duration;

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

async fn other_instance(url: &str) -> MySqlPool {
    instance_with(url, false).await
}

support::shared_server_tests! {
    db: sqlx::MySql,
    server: mariadb_server,
    param: "?",
    shop_table: SHOP_TABLE,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_numbers_differing_in_case_or_a_trailing_space_are_different_orders() {
    let Some(server) = support::mariadb_server() else {
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
