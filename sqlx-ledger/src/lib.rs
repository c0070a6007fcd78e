//! # paywire-sqlx
//!
//! paywire's ledger inside the merchant's own SQL transaction. The row that says "this
//! payment was applied" is written by the same transaction as the merchant's own write
//! (the order marked paid, the goods released), so the two commit or roll back together.
//! Whatever fails — the process dies after the write, the write panics, the gateway gives
//! up on a slow answer and delivers again, the acknowledgement is lost — a payment is
//! applied exactly once, and a refund never takes an order above what was paid.
//!
//! PostgreSQL serves several instances of the merchant (the unique key makes a second
//! transaction wait for the first, then find the payment applied); a SQLite file serves
//! one process (begin with `BEGIN IMMEDIATE`, as [`begin`] does, so two writers queue
//! instead of failing). MariaDB (InnoDB, feature `mysql`) serves several instances like
//! PostgreSQL: a second insert waits for the first and its duplicate-key error, which
//! leaves the transaction open, says the payment is there. Its tables compare order and
//! refund numbers byte for byte (`utf8mb4_nopad_bin`): under MariaDB's default collation
//! `A1` and `a1` would be one order, and the second one's payment acknowledged and never
//! applied. Only MariaDB is tested; MySQL 8 has no `utf8mb4_nopad_bin` (its
//! `utf8mb4_0900_bin` is the equivalent), so its migration would differ.
//!
//! ```no_run
//! use paywire::ledger::{Expected, Payment};
//! use paywire_sqlx::Applied;
//! use sqlx::SqlitePool;
//!
//! async fn on_payment(pool: &SqlitePool, payment: &Payment, expected: &Expected<'_>)
//!     -> Result<bool, paywire_sqlx::Error>
//! {
//!     let mut tx = paywire_sqlx::begin(pool).await?;
//!     match paywire_sqlx::apply_once(&mut tx, payment, expected).await? {
//!         Applied::Fresh => {
//!             sqlx::query("UPDATE orders SET paid = 1 WHERE out_trade_no = ?1")
//!                 .bind(&payment.order)
//!                 .execute(&mut *tx)
//!                 .await?;
//!             tx.commit().await?; // the payment row and the merchant's write, together
//!             Ok(true) // acknowledge
//!         }
//!         Applied::Done => Ok(true), // applied before: acknowledge only
//!         Applied::Mismatch(_) | Applied::Conflict(_) => Ok(false), // never apply; alert
//!     }
//! }
//! ```
//!
//! Refunds are keyed on the merchant's refund number: [`refund_once`] records one in a
//! transaction you commit *before* sending it, under the order's row lock, so refunded so
//! far + this refund never exceeds what was paid, however many instances refund at once.
//! Then send it; when the gateway takes it, [`accept_refund`]; when it answers that it did
//! not, [`release_refund`] frees the room. Without an answer (the process died between
//! the commit and the send, the answer was lost), the refund stays recorded and
//! [`unaccepted_refunds`] lists it: a sweep asks the gateway (its refund query, or the
//! same refund sent again where the gateway keys refunds on the number) and accepts or
//! releases each. When the gateway reports that a refund succeeded (the money is back
//! with the payer; WeChat Pay's refund notification, after an answer that only took it),
//! [`complete_refund`] marks that once, in the transaction that writes the merchant's
//! own "refund done". A refund the gateway reports closed instead (no money went back, a
//! final state) is taken back with [`close_refund`], accepted or not, so its room can be
//! refunded under a new number.
//!
//! Create the tables with [`migrate`] (or run the file in `migrations/` for your database
//! with your own migration tool).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backend;
mod refund;

pub use backend::Backend;
pub use refund::{
    accept_refund, close_refund, complete_refund, refund_once, release_refund, unaccepted_refunds,
    Accepted, Refund, Refunded, Released, Unaccepted,
};

use backend::NewPayment;
use paywire::ledger::{Expected, Mismatch, Payment};
use paywire::Fen;
use sqlx::{Pool, Transaction};

/// What [`apply_once`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a fresh payment is written and the transaction committed; the others are not applied"]
pub enum Applied {
    /// Not applied before; the ledger row is written in your transaction. Write the
    /// payment in the same transaction and commit: both land, or neither.
    Fresh,
    /// Applied before (this transaction waited for the one that applied it, if it was
    /// still open): acknowledge, write nothing.
    Done,
    /// The payment does not match what the merchant knows of its order (amount,
    /// currency, gateway order): never apply it; answer an error and alert.
    Mismatch(Mismatch),
    /// The order was applied before with another payment (another amount or gateway
    /// order id): a second payment of one order, or a forgery. Never apply it; alert.
    Conflict(Conflict),
}

/// A payment that differs from the one applied to its order before.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: applied before as {applied_fen} fen (gateway order {applied_gateway_order:?}); now notified as {notified_fen} fen (gateway order {notified_gateway_order:?})")]
pub struct Conflict {
    /// The order, `gateway:out_trade_no`.
    pub key: String,
    /// The amount applied before, in fen.
    pub applied_fen: u64,
    /// The gateway's order id applied before.
    pub applied_gateway_order: Option<String>,
    /// The amount now notified, in fen.
    pub notified_fen: u64,
    /// The gateway's order id now notified.
    pub notified_gateway_order: Option<String>,
}

/// Why the ledger gave no answer. The transaction should be rolled back (dropping it does)
/// and the gateway answered with an error, so it delivers again.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not answer, or refused a statement.
    #[error("the ledger's database could not answer: {0}")]
    Database(#[from] sqlx::Error),
    /// An amount that does not fit the ledger's `BIGINT` column.
    #[error("{0} fen does not fit the ledger's amount column (at most 9223372036854775807)")]
    Amount(u64),
}

/// Creates the ledger's tables if they are not there (`CREATE TABLE IF NOT EXISTS`).
pub async fn migrate<DB: Backend>(pool: &Pool<DB>) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    DB::create_tables(&mut conn).await?;
    Ok(())
}

/// Begins a transaction for [`apply_once`] and the merchant's write: `BEGIN IMMEDIATE`
/// on SQLite (it takes the write lock at once, so a second writer waits instead of
/// failing with `SQLITE_BUSY` when it upgrades), a plain `BEGIN` elsewhere.
pub async fn begin<DB: Backend>(pool: &Pool<DB>) -> Result<Transaction<'static, DB>, Error> {
    Ok(match DB::BEGIN {
        Some(statement) => pool.begin_with(statement).await?,
        None => pool.begin().await?,
    })
}

/// Records `payment` as applied, in `tx`, unless it was applied before; checks it against
/// `expected` first. Keyed on the merchant's order (gateway + order number) by the
/// table's primary key, so of two transactions applying one order, one inserts and the
/// other waits for it, then finds it [`Applied::Done`] (or [`Applied::Fresh`], if the
/// first rolled back).
pub async fn apply_once<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    payment: &Payment,
    expected: &Expected<'_>,
) -> Result<Applied, Error> {
    if let Err(mismatch) = payment.check(expected) {
        return Ok(Applied::Mismatch(mismatch));
    }
    let (gateway, order) = (payment.key.gateway(), payment.key.order());
    let row = NewPayment {
        gateway,
        out_trade_no: order,
        amount_fen: column(payment.amount)?,
        currency: payment.currency.as_deref(),
        gateway_order: payment.gateway_order.as_deref(),
    };
    if DB::insert_payment(&mut *tx, &row).await? {
        return Ok(Applied::Fresh);
    }
    let stored = DB::find_payment(&mut *tx, gateway, order)
        .await?
        .ok_or_else(|| {
            // Inserted by a transaction that committed, yet not found: it can only have been
            // deleted in between, which paywire never does.
            sqlx::Error::RowNotFound
        })?;
    let same_gateway_order = match (&stored.gateway_order, &payment.gateway_order) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    if stored.amount_fen == row.amount_fen && same_gateway_order {
        Ok(Applied::Done)
    } else {
        Ok(Applied::Conflict(Conflict {
            key: payment.key.to_string(),
            applied_fen: u64::try_from(stored.amount_fen).unwrap_or(0),
            applied_gateway_order: stored.gateway_order,
            notified_fen: payment.amount.get(),
            notified_gateway_order: payment.gateway_order.clone(),
        }))
    }
}

/// A payment the ledger applied, as [`paid`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    /// The amount paid.
    pub amount: Fen,
    /// Its currency, where the gateway names one.
    pub currency: Option<String>,
    /// The gateway's id of the order, where it gave one.
    pub gateway_order: Option<String>,
    /// What its refunds recorded so far add up to ([`refund_once`], less those released
    /// or closed).
    pub refunded: Fen,
}

/// The payment applied to the merchant's order `out_trade_no` at `gateway`, read in `tx`;
/// `None` if none was. Check a refund's currency against it, say, before recording the
/// refund.
pub async fn paid<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    gateway: &str,
    out_trade_no: &str,
) -> Result<Option<Paid>, Error> {
    let fen = |n: i64| Fen::new(u64::try_from(n).unwrap_or(0));
    Ok(DB::find_payment(&mut *tx, gateway, out_trade_no)
        .await?
        .map(|stored| Paid {
            amount: fen(stored.amount_fen),
            currency: stored.currency,
            gateway_order: stored.gateway_order,
            refunded: fen(stored.refunded_fen),
        }))
}

/// An amount as the `BIGINT` column holds it.
fn column(amount: Fen) -> Result<i64, Error> {
    i64::try_from(amount.get()).map_err(|_| Error::Amount(amount.get()))
}
