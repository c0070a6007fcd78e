//! The soak's refunds: after the payments settle, every paid order of a gateway that
//! declares refunds is refunded by every merchant instance at once, each through its own
//! refund books over one shared store: half, the rest, and one fen more than was paid.
//! The books are the merchant's ledger: a refund ledger over the payments' store (memory,
//! Redis), or the shop's own SQL database, where `paywire_sqlx::refund_once` records the
//! refund in a transaction before it is sent and `release_refund` takes it back when the
//! gateway refuses it.
//! The report counts what the ledgers let through and what the gateway (the sandbox) then
//! holds: refunds lost (committed but absent), made twice (more refunds at the gateway
//! than refund numbers committed), and orders refunded above what was paid.

use crate::demo::Demo;
use paywire::ledger::{HeldRefund, Ledger, OrderKey, Refund, RefundClaim};
use paywire::Fen;
use paywire_providers::registry::{Found, Lifecycle, Step, Stepping};
use paywire_providers::GATEWAYS;
use paywire_sandbox::Gateway;
use paywire_sqlx::{Backend, Refunded, Released};
use serde::Serialize;
use sqlx::{MySqlPool, PgPool, Pool, SqlitePool};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What the refund phase did and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RefundReport {
    /// Where the refunds were recorded: `ledger` (the memory or Redis refund ledger),
    /// `sqlite`, `postgres` or `mariadb` (the shop's own database, in its transactions).
    pub books: &'static str,
    /// Paid orders refunded.
    pub orders: usize,
    /// Refund attempts (every instance tries every planned refund).
    pub attempts: usize,
    /// Attempts the ledger let through, sent to the gateway.
    pub sent: usize,
    /// Refunds committed after the gateway accepted them.
    pub committed: usize,
    /// Attempts the ledger held back (done, busy with another instance, or above what
    /// was paid): never sent.
    pub held_back: usize,
    /// Sent refunds the gateway refused.
    pub refused: usize,
    /// Answers to refund requests lost on purpose (the sandbox processed the request,
    /// then cut its answer off): as many as `--fail-rate` of the refunded orders.
    pub answers_lost: usize,
    /// Refunds sent again under their own number after a lost answer, where the gateway
    /// keys refunds on that number (SwiftPass, WeChat Pay Global).
    pub resent: usize,
    /// Refunds left without an answer: at once where sending again could refund twice
    /// (XorPay has no refund number), elsewhere after every send again went unanswered
    /// too. Kept reserved in the books (the gateway may have made them), so the check
    /// below counts each as made at most once.
    pub unresolved: usize,
    /// Committed refunds the gateway does not hold.
    pub lost: usize,
    /// Refunds the gateway made beyond the refund numbers committed and the refunds left
    /// unresolved.
    pub applied_twice: usize,
    /// Orders whose refunds at the gateway add up to more than was paid.
    pub above_paid: usize,
}

impl RefundReport {
    /// Nothing lost, doubled or above the paid amount.
    pub fn passed(&self) -> bool {
        self.lost == 0 && self.applied_twice == 0 && self.above_paid == 0
    }
}

/// A paid order to refund.
pub struct PaidOrder {
    /// Its gateway.
    pub gateway: Gateway,
    /// The merchant's number.
    pub number: String,
    /// The gateway's id of it.
    pub gateway_order: Option<String>,
    /// What was paid.
    pub amount: Fen,
    /// In which currency, where the gateway has one.
    pub currency: Option<String>,
}

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

/// A refund the books let through, to be sent.
enum Reserved<'l> {
    /// Held in a refund ledger.
    Held(HeldRefund<'l>),
    /// Recorded in the shop's database.
    Recorded,
}

impl RefundBooks {
    /// The report's name for these books.
    fn name(&self) -> &'static str {
        match self {
            RefundBooks::Ledger(_) => "ledger",
            RefundBooks::Sqlite(_) => "sqlite",
            RefundBooks::Postgres(_) => "postgres",
            RefundBooks::Mariadb(_) => "mariadb",
        }
    }

    /// Reserves `refund` (numbered and capped by the books); `None` when they hold it
    /// back: done, busy with another instance, above what was paid, or a conflict.
    async fn reserve(&self, order: Order<'_>, refund: &Refund) -> Option<Reserved<'_>> {
        match self {
            RefundBooks::Ledger(ledger) => match ledger.claim_refund(refund) {
                Ok(RefundClaim::Fresh(held)) => Some(Reserved::Held(held)),
                _ => None,
            },
            RefundBooks::Sqlite(pool) => record(pool, sql_refund(order, refund)).await,
            RefundBooks::Postgres(pool) => record(pool, sql_refund(order, refund)).await,
            RefundBooks::Mariadb(pool) => record(pool, sql_refund(order, refund)).await,
        }
    }

    /// Takes back a refund the gateway refused; whether it was.
    async fn release(&self, reserved: Reserved<'_>, order: Order<'_>, refund: &Refund) -> bool {
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

/// An order as the SQL ledger keys it: the gateway's name and the merchant's number.
type Order<'a> = (&'a str, &'a str);

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

/// Records `refund` in its own committed transaction; `Some` when it was fresh.
async fn record<DB: Backend>(
    pool: &Pool<DB>,
    refund: paywire_sqlx::Refund<'_>,
) -> Option<Reserved<'static>> {
    let mut tx = paywire_sqlx::begin(pool).await.ok()?;
    match paywire_sqlx::refund_once(&mut tx, &refund).await {
        Ok(Refunded::Fresh { .. }) => tx.commit().await.ok().map(|()| Reserved::Recorded),
        _ => None,
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

/// Per order: the refund numbers committed, and how many refunds were left unresolved.
type Committed = Mutex<BTreeMap<(Gateway, String), (Vec<String>, usize)>>;

/// Refunds every order of `paid` from `instances` ledgers at once, the answers of the
/// first `fail_rate` × orders refund requests lost, then checks the gateway's record.
pub async fn refund_all(
    demo: Arc<Demo>,
    paid: Vec<PaidOrder>,
    instances: Vec<RefundBooks>,
    fail_rate: f64,
) -> RefundReport {
    let report = Arc::new(Mutex::new(RefundReport {
        books: instances.first().map_or("", RefundBooks::name),
        ..RefundReport::default()
    }));
    let refundable = paid
        .iter()
        .filter(|o| lifecycle_of(o.gateway).is_some())
        .count();
    // Rounded to whole answers; the rate is checked to lie in 0..=1 when the soak starts.
    demo.sandbox
        .lose_next_answers((refundable as f64 * fail_rate).round() as u32);
    let committed: Arc<Committed> = Arc::default();
    let mut tasks = Vec::new();
    for order in &paid {
        let (gateway, number, amount) = (&order.gateway, &order.number, &order.amount);
        let Some(lifecycle) = lifecycle_of(*gateway) else {
            continue;
        };
        report.lock().unwrap_or_else(|p| p.into_inner()).orders += 1;
        let half = Fen::new(amount.get().div_ceil(2));
        let plan = [
            ("R1", half),
            ("R2", Fen::new(amount.get() - half.get())),
            ("R3", Fen::new(1)),
        ];
        for (suffix, refund_amount) in plan {
            if refund_amount.get() == 0 {
                continue;
            }
            for books in &instances {
                let refund = Refund {
                    order: OrderKey::new(gateway.name(), number),
                    refund_no: format!("{number}{suffix}"),
                    amount: refund_amount,
                    paid: *amount,
                };
                let (demo, books, report, committed) = (
                    demo.clone(),
                    books.clone(),
                    report.clone(),
                    committed.clone(),
                );
                let (gateway, number) = (*gateway, number.clone());
                let (gateway_order, currency) =
                    (order.gateway_order.clone(), order.currency.clone());
                tasks.push(tokio::spawn(async move {
                    let order = Ordered {
                        gateway,
                        number: &number,
                        gateway_order: gateway_order.as_deref(),
                        currency: currency.as_deref(),
                        lifecycle,
                    };
                    let (outcome, sends) = attempt(&demo, &books, &order, &refund).await;
                    let mut report = report.lock().unwrap_or_else(|p| p.into_inner());
                    report.attempts += 1;
                    report.answers_lost += sends.lost;
                    report.resent += sends.resent;
                    if !matches!(outcome, Attempt::HeldBack | Attempt::NotSent) {
                        report.sent += 1;
                    }
                    let mut committed = committed.lock().unwrap_or_else(|p| p.into_inner());
                    let entry = committed.entry((gateway, number.clone())).or_default();
                    match outcome {
                        Attempt::HeldBack => report.held_back += 1,
                        Attempt::Refused => report.refused += 1,
                        Attempt::NotSent => {}
                        Attempt::Unresolved => {
                            report.unresolved += 1;
                            entry.1 += 1;
                        }
                        Attempt::Committed => {
                            report.committed += 1;
                            entry.0.push(refund.refund_no.clone());
                        }
                    }
                }));
            }
        }
    }
    for task in tasks {
        let _ = task.await;
    }
    let mut report = report.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let committed = committed.lock().unwrap_or_else(|p| p.into_inner()).clone();
    for PaidOrder {
        gateway,
        number,
        amount,
        ..
    } in &paid
    {
        let Some(order) = demo
            .sandbox
            .orders_numbered(number, Some(*gateway))
            .into_iter()
            .next()
        else {
            continue;
        };
        let at_gateway: u64 = order.refunds.iter().map(|r| r.amount_fen).sum();
        if at_gateway > amount.get() {
            report.above_paid += 1;
        }
        let (numbers, unresolved) = committed
            .get(&(*gateway, number.clone()))
            .cloned()
            .unwrap_or_default();
        let made = order.refunds.len();
        report.applied_twice += made.saturating_sub(numbers.len() + unresolved);
        report.lost += numbers.len().saturating_sub(made);
    }
    report
}

/// The lifecycle of `gateway`, where it declares one.
fn lifecycle_of(gateway: Gateway) -> Option<&'static Lifecycle> {
    GATEWAYS
        .gateway(gateway.name())
        .and_then(|g| g.lifecycle.as_ref())
}

/// A paid order being refunded, and its gateway's steps.
struct Ordered<'a> {
    gateway: Gateway,
    number: &'a str,
    gateway_order: Option<&'a str>,
    currency: Option<&'a str>,
    lifecycle: &'static Lifecycle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    HeldBack,
    NotSent,
    Refused,
    Unresolved,
    Committed,
}

/// What one attempt's sending met: answers lost, and sends again under the same number.
#[derive(Default)]
struct Sends {
    lost: usize,
    resent: usize,
}

/// Times a refund is sent again under its number after a lost answer.
const RESENDS: usize = 3;

/// One instance's try at one refund: reserved, sent, committed when accepted, released
/// when refused. Without an answer it is sent again under the same number where the
/// gateway keys refunds on it; where it does not, sending again could refund twice, so it
/// is left reserved (it may have been made) and counted unresolved, as it is when every
/// send again went unanswered too.
async fn attempt(
    demo: &Demo,
    books: &RefundBooks,
    order: &Ordered<'_>,
    refund: &Refund,
) -> (Attempt, Sends) {
    let mut sends = Sends::default();
    let key = (order.gateway.name(), order.number);
    let Some(reserved) = books.reserve(key, refund).await else {
        return (Attempt::HeldBack, sends);
    };
    let Some(credentials) = demo.credentials_of(order.gateway) else {
        unanswered(reserved);
        return (Attempt::NotSent, sends);
    };
    let base_url = demo.sandbox.call_url(order.gateway);
    let step = Step {
        base_url: &base_url,
        order_number: order.number,
        gateway_order: order.gateway_order,
        credentials,
        paid: refund.paid,
        currency: order.currency,
    };
    let found = loop {
        match send(demo, order.lifecycle, &step, refund).await {
            Ok(found) => break found,
            Err(_) => {
                sends.lost += 1;
                if !order.lifecycle.refund_numbered || sends.resent == RESENDS {
                    unanswered(reserved);
                    return (Attempt::Unresolved, sends);
                }
                sends.resent += 1;
            }
        }
    };
    let outcome = match (found, reserved) {
        (Found::Accepted, Reserved::Held(held)) => match held.commit() {
            Ok(()) => Attempt::Committed,
            // Made, and still reserved until its lease ends.
            Err(_) => Attempt::Unresolved,
        },
        // Recorded before it was sent: accepted, it is committed already.
        (Found::Accepted, Reserved::Recorded) => Attempt::Committed,
        (_, reserved) => {
            let _ = books.release(reserved, key, refund).await;
            Attempt::Refused
        }
    };
    (outcome, sends)
}

/// Sends the refund once; the gateway's answer read, or why there is none.
async fn send(
    demo: &Demo,
    lifecycle: &Lifecycle,
    step: &Step<'_>,
    refund: &Refund,
) -> Result<Found, String> {
    let Stepping { request, read } = (lifecycle.refund)(step, &refund.refund_no, refund.amount)?;
    read(&demo.exchange_raw(request).await?)
}

/// A reserved refund whose outcome is unknown: held for its lease, or kept recorded.
fn unanswered(reserved: Reserved<'_>) {
    if let Reserved::Held(held) = reserved {
        held.abandon();
    }
}
