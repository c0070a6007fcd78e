//! Where a merchant instance of the soak records its refunds: a refund ledger apart from
//! the shop's database (memory, Redis), or the shop's own SQL database, where
//! `paywire_sqlx::refund_once` records a refund in a committed transaction before it is
//! sent, `accept_refund` marks it taken and `release_refund` takes it back when the
//! gateway refuses it.

use paywire::ledger::{HeldRefund, Ledger, OrderKey, Refund, RefundClaim};
use paywire::Fen;
use paywire_sqlx::{unaccepted_refunds, Accepted, Backend, Refunded, Released, Unaccepted};
use sqlx::{MySqlPool, PgPool, Pool, SqlitePool};
use std::time::Duration;

/// Where one merchant instance records its refunds.
#[derive(Clone)]
pub enum RefundBooks {
    /// A refund ledger apart from the shop's database (memory, Redis): the refund is
    /// reserved, committed once the gateway accepted it, released when it refused it.
    Ledger(Ledger),
    /// The shop's SQLite file: the refund recorded in a committed transaction before it
    /// is sent, released when the gateway refused it.
    Sqlite(SqlitePool),
    /// The shop's PostgreSQL database, as for SQLite.
    Postgres(PgPool),
    /// The shop's MariaDB database, as for SQLite.
    Mariadb(MySqlPool),
}

/// What the books said to a refund.
pub(super) enum Reservation<'l> {
    /// Let through, to be sent.
    Fresh(Reserved<'l>),
    /// Done, busy with another instance, above what was paid, or a conflict.
    HeldBack,
    /// The books failed before recording anything: safe to try again.
    Failed,
    /// The transaction recording it failed to commit: it may or may not be recorded.
    Unknown,
}

/// A refund the books let through, to be sent.
pub(super) enum Reserved<'l> {
    /// Held in a refund ledger.
    Held(HeldRefund<'l>),
    /// Recorded in the shop's database.
    Recorded,
}

impl RefundBooks {
    /// The report's name for these books.
    pub(super) fn name(&self) -> &'static str {
        match self {
            RefundBooks::Ledger(_) => "ledger",
            RefundBooks::Sqlite(_) => "sqlite",
            RefundBooks::Postgres(_) => "postgres",
            RefundBooks::Mariadb(_) => "mariadb",
        }
    }

    /// Reserves `refund` (numbered and capped by the books).
    pub(super) async fn reserve(&self, order: Order<'_>, refund: &Refund) -> Reservation<'_> {
        match self {
            RefundBooks::Ledger(ledger) => match ledger.claim_refund(refund) {
                Ok(RefundClaim::Fresh(held)) => Reservation::Fresh(Reserved::Held(held)),
                Ok(_) => Reservation::HeldBack,
                Err(_) => Reservation::Failed,
            },
            RefundBooks::Sqlite(pool) => record(pool, sql_refund(order, refund)).await,
            RefundBooks::Postgres(pool) => record(pool, sql_refund(order, refund)).await,
            RefundBooks::Mariadb(pool) => record(pool, sql_refund(order, refund)).await,
        }
    }

    /// Records that the gateway took a refund recorded in the shop's database; whether it
    /// was recorded. A refund ledger's `commit` does this for the memory and Redis books.
    pub(super) async fn accept(&self, order: Order<'_>, refund: &Refund) -> bool {
        match self {
            RefundBooks::Ledger(_) => true,
            RefundBooks::Sqlite(pool) => accept(pool, sql_refund(order, refund)).await,
            RefundBooks::Postgres(pool) => accept(pool, sql_refund(order, refund)).await,
            RefundBooks::Mariadb(pool) => accept(pool, sql_refund(order, refund)).await,
        }
    }

    /// What the books count as refunded of `order` (`None` if they cannot answer): the
    /// refunds done and reserved, for a refund ledger; the order's refunded sum, for the
    /// shop's database.
    pub(super) async fn refunded(&self, (gateway, out_trade_no): Order<'_>) -> Option<u64> {
        let sum = |fen: Result<i64, sqlx::Error>| fen.ok().and_then(|f| u64::try_from(f).ok());
        match self {
            RefundBooks::Ledger(ledger) => {
                // Nothing fits in an order paid 0: the answer says what is held.
                let probe = Refund {
                    order: OrderKey::new(gateway, out_trade_no),
                    refund_no: "soak-probe".into(),
                    amount: Fen::new(1),
                    paid: Fen::new(0),
                };
                match ledger.claim_refund(&probe) {
                    Ok(RefundClaim::AbovePaid { reserved, .. }) => Some(reserved.get()),
                    _ => None,
                }
            }
            RefundBooks::Sqlite(pool) => sum(sqlx::query_scalar(
                "SELECT refunded_fen FROM paywire_payments WHERE gateway = ?1 AND out_trade_no = ?2",
            )
            .bind(gateway)
            .bind(out_trade_no)
            .fetch_one(pool)
            .await),
            RefundBooks::Postgres(pool) => sum(sqlx::query_scalar(
                "SELECT refunded_fen FROM paywire_payments WHERE gateway = $1 AND out_trade_no = $2",
            )
            .bind(gateway)
            .bind(out_trade_no)
            .fetch_one(pool)
            .await),
            RefundBooks::Mariadb(pool) => sum(sqlx::query_scalar(
                "SELECT refunded_fen FROM paywire_payments WHERE gateway = ? AND out_trade_no = ?",
            )
            .bind(gateway)
            .bind(out_trade_no)
            .fetch_one(pool)
            .await),
        }
    }

    /// The refunds the books hold and never saw accepted (none if they cannot answer):
    /// those the shop's database lists (`unaccepted_refunds`), or a refund ledger's
    /// refunds in doubt (reserved, their lease run out) among `orders`.
    pub(super) async fn unaccepted(&self, orders: &[Order<'_>]) -> Vec<Unaccepted> {
        let listed = match self {
            RefundBooks::Ledger(ledger) => return in_doubt(ledger, orders),
            RefundBooks::Sqlite(pool) => unaccepted_refunds(pool, Duration::ZERO).await,
            RefundBooks::Postgres(pool) => unaccepted_refunds(pool, Duration::ZERO).await,
            RefundBooks::Mariadb(pool) => unaccepted_refunds(pool, Duration::ZERO).await,
        };
        listed.unwrap_or_default()
    }

    /// Takes back a refund the gateway refused; whether it was.
    pub(super) async fn release(
        &self,
        reserved: Reserved<'_>,
        order: Order<'_>,
        refund: &Refund,
    ) -> bool {
        match (self, reserved) {
            (_, Reserved::Held(held)) => held.release().is_ok(),
            (RefundBooks::Sqlite(pool), Reserved::Recorded) => {
                release(pool, sql_refund(order, refund)).await
            }
            (RefundBooks::Postgres(pool), Reserved::Recorded) => {
                release(pool, sql_refund(order, refund)).await
            }
            (RefundBooks::Mariadb(pool), Reserved::Recorded) => {
                release(pool, sql_refund(order, refund)).await
            }
            (RefundBooks::Ledger(_), Reserved::Recorded) => false,
        }
    }
}

/// The refunds of `orders` in doubt in `ledger`, listed as the shop's database lists its
/// unaccepted ones.
fn in_doubt(ledger: &Ledger, orders: &[Order<'_>]) -> Vec<Unaccepted> {
    let mut listed = Vec::new();
    for &(gateway, out_trade_no) in orders {
        let order = OrderKey::new(gateway, out_trade_no);
        for refund in ledger.refunds_in_doubt(&order).unwrap_or_default() {
            listed.push(Unaccepted {
                gateway: gateway.to_owned(),
                out_trade_no: out_trade_no.to_owned(),
                out_refund_no: refund.refund_no,
                amount: refund.amount,
            });
        }
    }
    listed
}

/// An order as the SQL ledger keys it: the gateway's name and the merchant's number.
pub(super) type Order<'a> = (&'a str, &'a str);

/// The soak's refund as the SQL ledger keys it.
fn sql_refund<'a>(
    (gateway, out_trade_no): Order<'a>,
    refund: &'a Refund,
) -> paywire_sqlx::Refund<'a> {
    paywire_sqlx::Refund {
        gateway,
        out_trade_no,
        out_refund_no: &refund.refund_no,
        amount: refund.amount,
    }
}

/// Records `refund` in its own committed transaction.
async fn record<DB: Backend>(
    pool: &Pool<DB>,
    refund: paywire_sqlx::Refund<'_>,
) -> Reservation<'static> {
    let Ok(mut tx) = paywire_sqlx::begin(pool).await else {
        return Reservation::Failed;
    };
    match paywire_sqlx::refund_once(&mut tx, &refund).await {
        Ok(Refunded::Fresh { .. }) => match tx.commit().await {
            Ok(()) => Reservation::Fresh(Reserved::Recorded),
            Err(_) => Reservation::Unknown,
        },
        // Dropped, the transaction rolls back.
        Ok(_) => Reservation::HeldBack,
        Err(_) => Reservation::Failed,
    }
}

/// Marks `refund` accepted in a committed transaction; whether it did.
async fn accept<DB: Backend>(pool: &Pool<DB>, refund: paywire_sqlx::Refund<'_>) -> bool {
    let Ok(mut tx) = paywire_sqlx::begin(pool).await else {
        return false;
    };
    match paywire_sqlx::accept_refund(&mut tx, &refund).await {
        Ok(Accepted::Marked) => tx.commit().await.is_ok(),
        Ok(Accepted::Before) => true,
        _ => false,
    }
}

/// Deletes the refund recorded for `refund`; whether it did.
async fn release<DB: Backend>(pool: &Pool<DB>, refund: paywire_sqlx::Refund<'_>) -> bool {
    let Ok(mut tx) = paywire_sqlx::begin(pool).await else {
        return false;
    };
    match paywire_sqlx::release_refund(&mut tx, &refund).await {
        Ok(Released::Released { .. }) => tx.commit().await.is_ok(),
        _ => false,
    }
}
