//! The statements each database runs. PostgreSQL numbers its parameters `$1`, SQLite
//! `?1`, MariaDB writes `?` (so every statement binds in the order its placeholders
//! appear); a second payment is found by the insert's conflict (`ON CONFLICT DO NOTHING`,
//! or MariaDB's duplicate-key error, which leaves its transaction open), and a payment row
//! is locked by a no-op update or, where rows affected depend on the connection's flags
//! (MariaDB), by `SELECT ... FOR UPDATE`. Everything else is the same SQL, so one macro
//! writes the three implementations.

use sqlx::Database;

/// A payment row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPayment {
    pub amount_fen: i64,
    pub currency: Option<String>,
    pub gateway_order: Option<String>,
    pub refunded_fen: i64,
}

/// A refund row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRefund {
    pub out_trade_no: String,
    pub amount_fen: i64,
    /// Whether the gateway's acceptance is recorded.
    pub accepted: bool,
    /// Whether the gateway's word that the refund succeeded is recorded.
    pub succeeded: bool,
}

/// A refund row recorded and not accepted: gateway, order, refund number, amount.
pub type UnacceptedRow = (String, String, String, i64);

/// A payment row to insert.
pub struct NewPayment<'a> {
    pub gateway: &'a str,
    pub out_trade_no: &'a str,
    pub amount_fen: i64,
    pub currency: Option<&'a str>,
    pub gateway_order: Option<&'a str>,
}

/// A database the ledger runs in: PostgreSQL (feature `postgres`), SQLite (feature
/// `sqlite`) or MariaDB (feature `mysql`). Sealed: the statements are written for these.
pub trait Backend: Database + Statements {
    /// The ledger's tables, as `CREATE TABLE IF NOT EXISTS` statements (the file in
    /// `migrations/` for this database).
    const SCHEMA: &'static str;

    /// The statement that begins a ledger transaction, where it is not a plain `BEGIN`.
    const BEGIN: Option<&'static str>;
}

pub(crate) use sealed::Statements;

mod sealed {
    use super::{NewPayment, StoredPayment, StoredRefund, UnacceptedRow};
    use sqlx::Database;
    use std::future::Future;

    /// The ledger's statements for one database; private, which seals [`super::Backend`].
    pub trait Statements: Database {
        fn create_tables(
            conn: &mut Self::Connection,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Inserts the payment unless its key is there; whether it inserted.
        fn insert_payment(
            conn: &mut Self::Connection,
            row: &NewPayment<'_>,
        ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

        fn find_payment(
            conn: &mut Self::Connection,
            gateway: &str,
            out_trade_no: &str,
        ) -> impl Future<Output = Result<Option<StoredPayment>, sqlx::Error>> + Send;

        /// Takes the payment row's write lock (a no-op update); whether the row exists.
        fn lock_payment(
            conn: &mut Self::Connection,
            gateway: &str,
            out_trade_no: &str,
        ) -> impl Future<Output = Result<bool, sqlx::Error>> + Send;

        fn find_refund(
            conn: &mut Self::Connection,
            gateway: &str,
            out_refund_no: &str,
        ) -> impl Future<Output = Result<Option<StoredRefund>, sqlx::Error>> + Send;

        /// Records the refund and adds it to the payment's refunded sum.
        fn insert_refund(
            conn: &mut Self::Connection,
            gateway: &str,
            out_trade_no: &str,
            out_refund_no: &str,
            amount_fen: i64,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Sets the refund's `accepted_at`, unless it is set.
        fn mark_refund_accepted(
            conn: &mut Self::Connection,
            gateway: &str,
            out_refund_no: &str,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Sets the refund's `succeeded_at`, and its `accepted_at` where it is not set,
        /// unless `succeeded_at` is set.
        fn mark_refund_succeeded(
            conn: &mut Self::Connection,
            gateway: &str,
            out_refund_no: &str,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Refunds without `accepted_at`, recorded at least `older_than_ms` ago, oldest
        /// first.
        fn unaccepted_refunds(
            conn: &mut Self::Connection,
            older_than_ms: i64,
        ) -> impl Future<Output = Result<Vec<UnacceptedRow>, sqlx::Error>> + Send;

        /// Deletes the refund and takes it off the payment's refunded sum.
        fn delete_refund(
            conn: &mut Self::Connection,
            gateway: &str,
            out_trade_no: &str,
            out_refund_no: &str,
            amount_fen: i64,
        ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
    }
}

/// The statements of a schema file: split at each `;` that ends a line.
fn statements(schema: &str) -> impl Iterator<Item = &str> {
    schema.split(";\n").map(str::trim).filter(|s| {
        s.lines()
            .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with("--"))
    })
}

/// How a backend takes a payment row's write lock.
#[derive(Clone, Copy)]
enum Lock {
    /// A no-op `UPDATE`, whose rows affected say whether the row exists.
    Update,
    /// `SELECT ... FOR UPDATE`, whose row says it.
    Select,
}

/// Whether an insert's error is the unique key's conflict (a second payment of the same
/// order), which MariaDB raises where the others skip the row.
fn is_conflict(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

macro_rules! backend {
    ($db:ty, $schema:literal, $begin:expr, $conflict:literal, $lock:expr, $current:literal, $now:literal, $cutoff:literal, [$p1:literal, $p2:literal, $p3:literal, $p4:literal, $p5:literal]) => {
        impl Backend for $db {
            const SCHEMA: &'static str = include_str!($schema);
            const BEGIN: Option<&'static str> = $begin;
        }

        impl Statements for $db {
            async fn create_tables(conn: &mut Self::Connection) -> Result<(), sqlx::Error> {
                for statement in statements(Self::SCHEMA) {
                    sqlx::query(statement).execute(&mut *conn).await?;
                }
                Ok(())
            }

            async fn insert_payment(
                conn: &mut Self::Connection,
                row: &NewPayment<'_>,
            ) -> Result<bool, sqlx::Error> {
                let done = sqlx::query(concat!(
                    "INSERT INTO paywire_payments ",
                    "(gateway, out_trade_no, amount_fen, currency, gateway_order) VALUES (",
                    $p1,
                    ", ",
                    $p2,
                    ", ",
                    $p3,
                    ", ",
                    $p4,
                    ", ",
                    $p5,
                    ")",
                    $conflict
                ))
                .bind(row.gateway)
                .bind(row.out_trade_no)
                .bind(row.amount_fen)
                .bind(row.currency)
                .bind(row.gateway_order)
                .execute(&mut *conn)
                .await;
                match done {
                    Ok(done) => Ok(done.rows_affected() == 1),
                    Err(e) if is_conflict(&e) => Ok(false),
                    Err(e) => Err(e),
                }
            }

            async fn find_payment(
                conn: &mut Self::Connection,
                gateway: &str,
                out_trade_no: &str,
            ) -> Result<Option<StoredPayment>, sqlx::Error> {
                let row: Option<(i64, Option<String>, Option<String>, i64)> =
                    sqlx::query_as(concat!(
                        "SELECT amount_fen, currency, gateway_order, refunded_fen ",
                        "FROM paywire_payments WHERE gateway = ",
                        $p1,
                        " AND out_trade_no = ",
                        $p2,
                        $current
                    ))
                    .bind(gateway)
                    .bind(out_trade_no)
                    .fetch_optional(&mut *conn)
                    .await?;
                Ok(row.map(
                    |(amount_fen, currency, gateway_order, refunded_fen)| StoredPayment {
                        amount_fen,
                        currency,
                        gateway_order,
                        refunded_fen,
                    },
                ))
            }

            async fn lock_payment(
                conn: &mut Self::Connection,
                gateway: &str,
                out_trade_no: &str,
            ) -> Result<bool, sqlx::Error> {
                Ok(match $lock {
                    Lock::Update => {
                        sqlx::query(concat!(
                            "UPDATE paywire_payments SET refunded_fen = refunded_fen ",
                            "WHERE gateway = ",
                            $p1,
                            " AND out_trade_no = ",
                            $p2
                        ))
                        .bind(gateway)
                        .bind(out_trade_no)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected()
                            == 1
                    }
                    Lock::Select => {
                        let row: Option<(i64,)> = sqlx::query_as(concat!(
                            "SELECT refunded_fen FROM paywire_payments WHERE gateway = ",
                            $p1,
                            " AND out_trade_no = ",
                            $p2,
                            " FOR UPDATE"
                        ))
                        .bind(gateway)
                        .bind(out_trade_no)
                        .fetch_optional(&mut *conn)
                        .await?;
                        row.is_some()
                    }
                })
            }

            async fn find_refund(
                conn: &mut Self::Connection,
                gateway: &str,
                out_refund_no: &str,
            ) -> Result<Option<StoredRefund>, sqlx::Error> {
                let row: Option<(String, i64, bool, bool)> = sqlx::query_as(concat!(
                    "SELECT out_trade_no, amount_fen, accepted_at IS NOT NULL, ",
                    "succeeded_at IS NOT NULL ",
                    "FROM paywire_refunds WHERE gateway = ",
                    $p1,
                    " AND out_refund_no = ",
                    $p2
                ))
                .bind(gateway)
                .bind(out_refund_no)
                .fetch_optional(&mut *conn)
                .await?;
                Ok(row.map(
                    |(out_trade_no, amount_fen, accepted, succeeded)| StoredRefund {
                        out_trade_no,
                        amount_fen,
                        accepted,
                        succeeded,
                    },
                ))
            }

            async fn mark_refund_accepted(
                conn: &mut Self::Connection,
                gateway: &str,
                out_refund_no: &str,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(concat!(
                    "UPDATE paywire_refunds SET accepted_at = ",
                    $now,
                    " WHERE gateway = ",
                    $p1,
                    " AND out_refund_no = ",
                    $p2,
                    " AND accepted_at IS NULL"
                ))
                .bind(gateway)
                .bind(out_refund_no)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn mark_refund_succeeded(
                conn: &mut Self::Connection,
                gateway: &str,
                out_refund_no: &str,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(concat!(
                    "UPDATE paywire_refunds SET succeeded_at = ",
                    $now,
                    ", accepted_at = COALESCE(accepted_at, ",
                    $now,
                    ") WHERE gateway = ",
                    $p1,
                    " AND out_refund_no = ",
                    $p2,
                    " AND succeeded_at IS NULL"
                ))
                .bind(gateway)
                .bind(out_refund_no)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn unaccepted_refunds(
                conn: &mut Self::Connection,
                older_than_ms: i64,
            ) -> Result<Vec<UnacceptedRow>, sqlx::Error> {
                sqlx::query_as(concat!(
                    "SELECT gateway, out_trade_no, out_refund_no, amount_fen ",
                    "FROM paywire_refunds WHERE accepted_at IS NULL AND applied_at <= ",
                    $cutoff,
                    " ORDER BY applied_at"
                ))
                .bind(older_than_ms)
                .fetch_all(&mut *conn)
                .await
            }

            async fn insert_refund(
                conn: &mut Self::Connection,
                gateway: &str,
                out_trade_no: &str,
                out_refund_no: &str,
                amount_fen: i64,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(concat!(
                    "INSERT INTO paywire_refunds ",
                    "(gateway, out_refund_no, out_trade_no, amount_fen) VALUES (",
                    $p1,
                    ", ",
                    $p2,
                    ", ",
                    $p3,
                    ", ",
                    $p4,
                    ")"
                ))
                .bind(gateway)
                .bind(out_refund_no)
                .bind(out_trade_no)
                .bind(amount_fen)
                .execute(&mut *conn)
                .await?;
                sqlx::query(concat!(
                    "UPDATE paywire_payments SET refunded_fen = refunded_fen + ",
                    $p1,
                    " WHERE gateway = ",
                    $p2,
                    " AND out_trade_no = ",
                    $p3
                ))
                .bind(amount_fen)
                .bind(gateway)
                .bind(out_trade_no)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            async fn delete_refund(
                conn: &mut Self::Connection,
                gateway: &str,
                out_trade_no: &str,
                out_refund_no: &str,
                amount_fen: i64,
            ) -> Result<(), sqlx::Error> {
                sqlx::query(concat!(
                    "DELETE FROM paywire_refunds WHERE gateway = ",
                    $p1,
                    " AND out_refund_no = ",
                    $p2
                ))
                .bind(gateway)
                .bind(out_refund_no)
                .execute(&mut *conn)
                .await?;
                sqlx::query(concat!(
                    "UPDATE paywire_payments SET refunded_fen = refunded_fen - ",
                    $p1,
                    " WHERE gateway = ",
                    $p2,
                    " AND out_trade_no = ",
                    $p3
                ))
                .bind(amount_fen)
                .bind(gateway)
                .bind(out_trade_no)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }
        }
    };
}

#[cfg(feature = "postgres")]
backend!(
    sqlx::Postgres,
    "../migrations/postgres/0001_paywire_ledger.sql",
    None,
    " ON CONFLICT (gateway, out_trade_no) DO NOTHING",
    Lock::Update,
    "",
    "now()",
    "now() - $1::BIGINT * INTERVAL '1 millisecond'",
    ["$1", "$2", "$3", "$4", "$5"]
);

#[cfg(feature = "sqlite")]
backend!(
    sqlx::Sqlite,
    "../migrations/sqlite/0001_paywire_ledger.sql",
    Some("BEGIN IMMEDIATE"),
    " ON CONFLICT (gateway, out_trade_no) DO NOTHING",
    Lock::Update,
    "",
    "CURRENT_TIMESTAMP",
    "datetime('now', '-' || (?1 / 1000.0) || ' seconds')",
    ["?1", "?2", "?3", "?4", "?5"]
);

// MariaDB: a plain insert, whose duplicate-key error is the conflict (the statement fails,
// the transaction stays open); `INSERT IGNORE` would also turn a value too long for its
// column into a truncated row. The lock is `FOR UPDATE`: a no-op update's rows affected
// depend on the connection's CLIENT_FOUND_ROWS flag, which the merchant's pool sets. The
// payment row is read with a shared lock, so what is checked is the committed row, not the
// snapshot REPEATABLE READ may hold from earlier in the merchant's transaction; shared, as
// the transactions whose insert found the key already hold a shared lock on it, and two of
// them upgrading to `FOR UPDATE` would deadlock.
#[cfg(feature = "mysql")]
backend!(
    sqlx::MySql,
    "../migrations/mysql/0001_paywire_ledger.sql",
    None,
    "",
    Lock::Select,
    " LOCK IN SHARE MODE",
    "CURRENT_TIMESTAMP(6)",
    "NOW(6) - INTERVAL (? * 1000) MICROSECOND",
    ["?", "?", "?", "?", "?"]
);
