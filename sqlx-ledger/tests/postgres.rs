//! The ledger in a real PostgreSQL server on loopback (Debian's `postgresql`, a cluster of
//! the test's own), shared by several merchant instances: racing deliveries apply a
//! payment once, racing refunds never exceed what was paid, and a server killed between
//! the merchant's write and the commit loses nothing and doubles nothing (the tests in
//! `support::shared_server_tests`).

mod support;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::time::Duration;

/// One merchant instance: its own pool of connections to the shared database.
async fn instance(url: &str) -> PgPool {
    PgPoolOptions::new()
        .max_connections(4)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .unwrap()
}

/// Another instance, alike (PostgreSQL's pools have no flag the ledger could depend on).
async fn other_instance(url: &str) -> PgPool {
    instance(url).await
}

support::shared_server_tests! {
    db: sqlx::Postgres,
    server: postgres_server,
    param: "$1",
    shop_table: support::SHOP_TABLE,
}
