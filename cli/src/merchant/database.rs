//! The shop's SQL database in the soak: its pools (the ledger's tables and the shop's own
//! created on the first), and the writes it committed, read back.

use super::shop;
use paywire_sandbox::Gateway;
use sqlx::pool::PoolOptions;
use sqlx::{MySqlPool, PgPool, Pool, SqlitePool};
use std::time::Duration;

/// The shop's SQL database, where its writes are counted.
pub enum Database {
    /// One SQLite file.
    Sqlite(SqlitePool),
    /// A PostgreSQL database.
    Postgres(PgPool),
    /// A MariaDB database.
    Mariadb(MySqlPool),
}

impl Database {
    /// The committed writes of every payment, or of one (`gateway`, `out_trade_no`).
    pub async fn committed(
        &self,
        only: Option<(Gateway, &str)>,
    ) -> Result<Vec<(String, String, i64, i64)>, String> {
        const ALL: &str = "SELECT gateway, out_trade_no, amount_fen, writes FROM soak_applied";
        let (gateway, order) = only.map_or(("", ""), |(g, o)| (g.name(), o));
        let rows = match (self, only.is_some()) {
            (Database::Sqlite(pool), false) => sqlx::query_as(ALL).fetch_all(pool).await,
            (Database::Postgres(pool), false) => sqlx::query_as(ALL).fetch_all(pool).await,
            (Database::Mariadb(pool), false) => sqlx::query_as(ALL).fetch_all(pool).await,
            (Database::Sqlite(pool), true) => {
                sqlx::query_as(concat!(
                    "SELECT gateway, out_trade_no, amount_fen, writes FROM soak_applied",
                    " WHERE gateway = ?1 AND out_trade_no = ?2"
                ))
                .bind(gateway)
                .bind(order)
                .fetch_all(pool)
                .await
            }
            (Database::Mariadb(pool), true) => {
                sqlx::query_as(concat!(
                    "SELECT gateway, out_trade_no, amount_fen, writes FROM soak_applied",
                    " WHERE gateway = ? AND out_trade_no = ?"
                ))
                .bind(gateway)
                .bind(order)
                .fetch_all(pool)
                .await
            }
            (Database::Postgres(pool), true) => {
                sqlx::query_as(concat!(
                    "SELECT gateway, out_trade_no, amount_fen, writes FROM soak_applied",
                    " WHERE gateway = $1 AND out_trade_no = $2"
                ))
                .bind(gateway)
                .bind(order)
                .fetch_all(pool)
                .await
            }
        };
        rows.map_err(|e| e.to_string())
    }

    /// The committed writes of every refund success: gateway, refund number, writes.
    pub async fn refunds_written(&self) -> Result<Vec<(String, String, i64)>, String> {
        const ALL: &str = "SELECT gateway, out_refund_no, writes FROM soak_refunded";
        let rows = match self {
            Database::Sqlite(pool) => sqlx::query_as(ALL).fetch_all(pool).await,
            Database::Postgres(pool) => sqlx::query_as(ALL).fetch_all(pool).await,
            Database::Mariadb(pool) => sqlx::query_as(ALL).fetch_all(pool).await,
        };
        rows.map_err(|e| e.to_string())
    }
}

/// A pool on the shop's SQLite file; `setup` creates the ledger's and the shop's tables.
pub async fn sqlite(file: &std::path::Path, setup: bool) -> std::io::Result<SqlitePool> {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(30));
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(std::io::Error::other)?;
    with_tables(pool, setup, shop::SOAK_TABLE).await
}

/// A pool on the shop's PostgreSQL database; `setup` creates the tables.
pub async fn postgres(url: &str, setup: bool) -> std::io::Result<PgPool> {
    with_tables(server_pool(url).await?, setup, shop::SOAK_TABLE).await
}

/// A pool on the shop's MariaDB database; `setup` creates the tables.
pub async fn mariadb(url: &str, setup: bool) -> std::io::Result<MySqlPool> {
    with_tables(server_pool(url).await?, setup, shop::SOAK_TABLE_MARIADB).await
}

/// A pool on a database server the instances share.
async fn server_pool<DB: paywire_sqlx::Backend>(url: &str) -> std::io::Result<Pool<DB>> {
    PoolOptions::<DB>::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(2))
        .connect(url)
        .await
        .map_err(std::io::Error::other)
}

/// `pool`, with the ledger's tables and the shop's `table` created first when `setup`.
async fn with_tables<DB: paywire_sqlx::Backend>(
    pool: Pool<DB>,
    setup: bool,
    table: &'static str,
) -> std::io::Result<Pool<DB>>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    if setup {
        paywire_sqlx::migrate(&pool)
            .await
            .map_err(std::io::Error::other)?;
        sqlx::raw_sql(table)
            .execute(&pool)
            .await
            .map_err(std::io::Error::other)?;
    }
    Ok(pool)
}
