//! Refunds applied once per refund number, and never above what was paid.

use crate::backend::Backend;
use crate::{column, Error};
use paywire::Fen;
use sqlx::{Pool, Transaction};
use std::time::Duration;

/// A refund the merchant is about to request (or has been notified of), keyed on the
/// merchant's own refund number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund<'a> {
    /// The gateway's name, as in the payment's [`paywire::ledger::OrderKey`].
    pub gateway: &'a str,
    /// The merchant's order number the refund is for.
    pub out_trade_no: &'a str,
    /// The merchant's refund number: the same number for every retry of one refund.
    pub out_refund_no: &'a str,
    /// How much this refund returns.
    pub amount: Fen,
}

/// What [`refund_once`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a fresh refund is committed with the merchant's write; the others are not applied"]
pub enum Refunded {
    /// Recorded in your transaction: the order has now `refunded` of `paid` refunded.
    /// Write your side in the same transaction and commit.
    Fresh {
        /// The order's paid amount.
        paid: Fen,
        /// Refunded so far, this refund included.
        refunded: Fen,
    },
    /// This refund number was recorded before with the same order and amount. Recorded
    /// is not sent: until [`accept_refund`] marks it, [`unaccepted_refunds`] lists it (a
    /// retry after a crash between the commit and the send finds it here).
    Done,
    /// This refund would take the order above what was paid: refused, nothing recorded.
    AbovePaid {
        /// The order's paid amount.
        paid: Fen,
        /// Refunded so far, before this refund.
        refunded: Fen,
        /// This refund's amount.
        requested: Fen,
    },
    /// The order has no payment applied: nothing to refund.
    NotPaid,
    /// This refund number was recorded before for another order or amount: a refund
    /// number reused by mistake, or a forgery. Refused, nothing recorded.
    Conflict,
}

/// Records `refund` in `tx` unless its refund number was recorded before, holding the
/// order's payment row locked so that concurrent refunds of one order (from several
/// instances) are counted one after the other: refunded so far + this refund <= paid.
/// A refund of 0 fen is refused by the table's check, as an [`Error::Database`].
pub async fn refund_once<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
) -> Result<Refunded, Error> {
    let requested = column(refund.amount)?;
    // The row's write lock first (PostgreSQL: this row; SQLite: the database), so what
    // is read next cannot change before this transaction ends.
    if !DB::lock_payment(&mut *tx, refund.gateway, refund.out_trade_no).await? {
        return Ok(Refunded::NotPaid);
    }
    let payment = DB::find_payment(&mut *tx, refund.gateway, refund.out_trade_no)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    if let Some(before) = DB::find_refund(&mut *tx, refund.gateway, refund.out_refund_no).await? {
        return Ok(
            if before.out_trade_no == refund.out_trade_no && before.amount_fen == requested {
                Refunded::Done
            } else {
                Refunded::Conflict
            },
        );
    }
    let fen = |n: i64| Fen::new(u64::try_from(n).unwrap_or(0));
    let refunded = payment.refunded_fen.saturating_add(requested);
    if refunded > payment.amount_fen {
        return Ok(Refunded::AbovePaid {
            paid: fen(payment.amount_fen),
            refunded: fen(payment.refunded_fen),
            requested: refund.amount,
        });
    }
    DB::insert_refund(
        &mut *tx,
        refund.gateway,
        refund.out_trade_no,
        refund.out_refund_no,
        requested,
    )
    .await?;
    Ok(Refunded::Fresh {
        paid: fen(payment.amount_fen),
        refunded: fen(refunded),
    })
}

/// What [`release_refund`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a released refund is taken off the order when the transaction commits"]
pub enum Released {
    /// Deleted in your transaction: the order has now `refunded` of `paid` refunded.
    /// Commit to free the room for another refund.
    Released {
        /// The order's paid amount.
        paid: Fen,
        /// Refunded so far, without the released refund.
        refunded: Fen,
    },
    /// No refund is recorded under this number for this order: nothing to release.
    NotRecorded,
    /// The number is recorded with another order or amount: not this refund, nothing
    /// released.
    Conflict,
    /// The gateway's acceptance of this refund is recorded ([`accept_refund`]): it was
    /// made, so its room stays taken. Nothing released.
    Accepted,
    /// The gateway's word that this refund succeeded is recorded ([`complete_refund`]):
    /// the money went back, so its room stays taken whatever a later message says.
    /// Nothing released.
    Succeeded,
}

/// Takes back a refund [`refund_once`] recorded, for a refund the gateway refused: its
/// row is deleted and its amount taken off the order's refunded sum, under the order's
/// payment row lock like [`refund_once`].
///
/// Call it only when the gateway answered that it did not make the refund. A refund sent
/// without an answer may have been made: keep its row, query the refund (or send it
/// again under the same number) instead; released, its room could be refunded twice.
pub async fn release_refund<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
) -> Result<Released, Error> {
    match locked_refund(tx, refund).await? {
        Recorded::Not => Ok(Released::NotRecorded),
        Recorded::Otherwise => Ok(Released::Conflict),
        Recorded::Accepted { .. } | Recorded::Succeeded => Ok(Released::Accepted),
        Recorded::Unaccepted { amount_fen } => delete_locked(tx, refund, amount_fen).await,
    }
}

/// Takes back a refund the gateway reports closed (WeChat Pay's `CLOSED`: a final state
/// in which no money went back), accepted or not: its row is deleted and its amount
/// taken off the order's refunded sum, under the order's payment row lock like
/// [`release_refund`], so the room is free for another refund under a new number.
///
/// Call it only on the gateway's word that the refund is closed (its refund query or
/// its verified refund notification); a refund merely unanswered, or abnormal (the
/// money on its way back failed and waits for the merchant), is not closed. A refund
/// whose success is recorded ([`complete_refund`]) is kept ([`Released::Succeeded`]):
/// success is final at the gateway, so a close reported after it contradicts it, and
/// taking it back could refund its room twice. Never answers [`Released::Accepted`].
pub async fn close_refund<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
) -> Result<Released, Error> {
    match locked_refund(tx, refund).await? {
        Recorded::Not => Ok(Released::NotRecorded),
        Recorded::Otherwise => Ok(Released::Conflict),
        Recorded::Succeeded => Ok(Released::Succeeded),
        Recorded::Accepted { amount_fen } | Recorded::Unaccepted { amount_fen } => {
            delete_locked(tx, refund, amount_fen).await
        }
    }
}

/// Deletes `refund`'s row, found under its order's lock, and takes `amount_fen` off the
/// order's refunded sum.
async fn delete_locked<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
    amount_fen: i64,
) -> Result<Released, Error> {
    let payment = DB::find_payment(&mut *tx, refund.gateway, refund.out_trade_no)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    DB::delete_refund(
        &mut *tx,
        refund.gateway,
        refund.out_trade_no,
        refund.out_refund_no,
        amount_fen,
    )
    .await?;
    let fen = |n: i64| Fen::new(u64::try_from(n).unwrap_or(0));
    Ok(Released::Released {
        paid: fen(payment.amount_fen),
        refunded: fen(payment.refunded_fen - amount_fen),
    })
}

/// What [`accept_refund`] and [`complete_refund`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a marked refund is marked when the transaction commits"]
pub enum Accepted {
    /// Marked in your transaction: commit.
    Marked,
    /// Marked before (for [`accept_refund`], accepted or succeeded; for
    /// [`complete_refund`], succeeded): nothing to do.
    Before,
    /// No refund is recorded under this number: [`refund_once`] was not called for it,
    /// or [`release_refund`] took it back.
    NotRecorded,
    /// The number is recorded with another order or amount: not this refund, nothing
    /// marked.
    Conflict,
}

/// Records that the gateway took `refund` (its answer accepted it, or a refund query
/// found it), so [`unaccepted_refunds`] no longer lists it and [`release_refund`] no
/// longer takes it back.
///
/// A refund is recorded by [`refund_once`] before it is sent; between the two, or
/// between sending it and reading the answer, the process can die or the answer be lost.
/// Marking each refund the gateway took leaves exactly those to look into.
pub async fn accept_refund<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
) -> Result<Accepted, Error> {
    mark(tx, refund, Mark::Accepted).await
}

/// Records the gateway's word that `refund` succeeded (its verified refund notification
/// or refund query: the money is back with the payer), and its acceptance where that was
/// not recorded. Apart from [`accept_refund`]: a gateway takes a refund first (WeChat Pay
/// answers `PROCESSING`) and reports its success later, so a refund accepted on the
/// answer is marked here once more, and the merchant's own "refund done" write belongs
/// in the transaction that marks it here, once. Under the order's payment row lock like
/// [`accept_refund`]; [`close_refund`] no longer takes such a refund back.
pub async fn complete_refund<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
) -> Result<Accepted, Error> {
    mark(tx, refund, Mark::Succeeded).await
}

/// What [`mark`] records of a refund.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// The gateway took it.
    Accepted,
    /// The gateway reports the money back with the payer (accepted too).
    Succeeded,
}

/// Marks `refund` as `mark` says under its order's lock, unless it is marked so (or
/// further) before.
async fn mark<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
    mark: Mark,
) -> Result<Accepted, Error> {
    match (locked_refund(tx, refund).await?, mark) {
        (Recorded::Not, _) => return Ok(Accepted::NotRecorded),
        (Recorded::Otherwise, _) => return Ok(Accepted::Conflict),
        (Recorded::Succeeded, _) | (Recorded::Accepted { .. }, Mark::Accepted) => {
            return Ok(Accepted::Before)
        }
        (Recorded::Accepted { .. } | Recorded::Unaccepted { .. }, _) => {}
    }
    let (gateway, number) = (refund.gateway, refund.out_refund_no);
    match mark {
        Mark::Accepted => DB::mark_refund_accepted(&mut *tx, gateway, number).await?,
        Mark::Succeeded => DB::mark_refund_succeeded(&mut *tx, gateway, number).await?,
    }
    Ok(Accepted::Marked)
}

/// How `refund` stands in the books, read under its order's payment row lock, so that of
/// two calls on one refund (an acceptance and a release, two releases) the second sees
/// what the first did.
enum Recorded {
    /// No refund under this number, or no payment of this order.
    Not,
    /// The number is recorded with another order or amount.
    Otherwise,
    /// Recorded, and the gateway's acceptance too; its amount as stored.
    Accepted { amount_fen: i64 },
    /// Recorded, and the gateway's word that it succeeded (accepted too).
    Succeeded,
    /// Recorded, acceptance not recorded; its amount as stored.
    Unaccepted { amount_fen: i64 },
}

async fn locked_refund<DB: Backend>(
    tx: &mut Transaction<'_, DB>,
    refund: &Refund<'_>,
) -> Result<Recorded, Error> {
    let requested = column(refund.amount)?;
    if !DB::lock_payment(&mut *tx, refund.gateway, refund.out_trade_no).await? {
        return Ok(Recorded::Not);
    }
    let Some(found) = DB::find_refund(&mut *tx, refund.gateway, refund.out_refund_no).await? else {
        return Ok(Recorded::Not);
    };
    Ok(
        if found.out_trade_no != refund.out_trade_no || found.amount_fen != requested {
            Recorded::Otherwise
        } else if found.succeeded {
            Recorded::Succeeded
        } else if found.accepted {
            Recorded::Accepted {
                amount_fen: requested,
            }
        } else {
            Recorded::Unaccepted {
                amount_fen: requested,
            }
        },
    )
}

/// A refund recorded by [`refund_once`] whose acceptance by the gateway was never
/// recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unaccepted {
    /// The gateway's name.
    pub gateway: String,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// The refund's amount.
    pub amount: Fen,
}

impl Unaccepted {
    /// The refund as [`accept_refund`] and [`release_refund`] take it.
    pub fn refund(&self) -> Refund<'_> {
        Refund {
            gateway: &self.gateway,
            out_trade_no: &self.out_trade_no,
            out_refund_no: &self.out_refund_no,
            amount: self.amount,
        }
    }
}

/// The refunds recorded at least `older_than` ago and never accepted ([`accept_refund`]),
/// oldest first: sent by no one (the process died after recording them), or sent
/// without an answer. For each, ask the gateway (its refund query), or send it again
/// under the same number where the gateway keys refunds on it; then accept it, or
/// release it if the gateway says it does not have it. A refund is never dropped from the
/// books by age alone: it may have been made.
///
/// `older_than` leaves alone the refunds being sent right now; make it longer than a
/// refund request takes. SQLite keeps the recording time to the second.
pub async fn unaccepted_refunds<DB: Backend>(
    pool: &Pool<DB>,
    older_than: Duration,
) -> Result<Vec<Unaccepted>, Error> {
    // A century, so that no database's interval arithmetic overflows.
    const LONGEST_MS: i64 = 100 * 365 * 24 * 3600 * 1000;
    let older_than_ms = i64::try_from(older_than.as_millis())
        .unwrap_or(LONGEST_MS)
        .min(LONGEST_MS);
    let mut conn = pool.acquire().await?;
    let rows = DB::unaccepted_refunds(&mut conn, older_than_ms).await?;
    Ok(rows
        .into_iter()
        .map(
            |(gateway, out_trade_no, out_refund_no, amount_fen)| Unaccepted {
                gateway,
                out_trade_no,
                out_refund_no,
                amount: Fen::new(u64::try_from(amount_fen).unwrap_or(0)),
            },
        )
        .collect())
}
