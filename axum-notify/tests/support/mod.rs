//! What the tests' SQL shops share: a fresh SQLite file of their own.

use sqlx::SqlitePool;
use std::path::PathBuf;

/// A fresh SQLite file in a folder named for `name` and this process, with the ledger's
/// tables and the shop's (`tables`, one or more statements); the pool and the folder, to
/// remove at the end.
pub async fn sqlite_shop(name: &str, tables: &'static str) -> (SqlitePool, PathBuf) {
    let dir = std::env::temp_dir().join(format!("paywire-axum-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("shop.db"))
        .create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    paywire_sqlx::migrate(&pool).await.unwrap();
    sqlx::raw_sql(tables).execute(&pool).await.unwrap();
    (pool, dir)
}
