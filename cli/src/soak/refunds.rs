//! The soak's refunds: after the payments settle, every paid order of a gateway that
//! declares refunds is refunded by every merchant instance at once, each through its own
//! refund books over one shared store: half, the rest, and one fen more than was paid.
//! The books are the merchant's ledger: a refund ledger over the payments' store (memory,
//! Redis), or the shop's own SQL database, where `paywire_sqlx::refund_once` records the
//! refund in a transaction before it is sent and `release_refund` takes it back when the
//! gateway refuses it.
//! The report counts what the ledgers let through and what the gateway (the sandbox) then
//! holds: refunds lost (committed but absent), made twice (more refunds at the gateway
//! than refund numbers committed), and orders refunded above what was paid; and whether
//! each refund notification's success was written once.

mod books;
mod ends;
mod notices;
mod sweep;

pub use books::RefundBooks;
use books::{Reservation, Reserved};

use crate::demo::Demo;
use paywire::ledger::{OrderKey, Refund};
use paywire::Fen;
use paywire_providers::registry::{Credentials, Found, Lifecycle, Step, Stepping};
use paywire_providers::GATEWAYS;
use paywire_sandbox::Gateway;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

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
    /// Attempts given up because the books kept failing (the database or Redis answered
    /// an error, or no connection was free) for 10 s: nothing recorded,
    /// nothing sent. Each failed try is rolled back, so it is tried again until then.
    pub books_failed: usize,
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
    /// below counts each as made at most once. Also the refunds whose recording
    /// transaction failed to commit (recorded or not, they were not sent).
    pub unresolved: usize,
    /// Committed refunds the gateway does not hold.
    pub lost: usize,
    /// Refunds the gateway made beyond the refund numbers committed and the refunds left
    /// unresolved.
    pub applied_twice: usize,
    /// Orders whose refunds at the gateway add up to more than was paid.
    pub above_paid: usize,
    /// Refunds the books held as never accepted by the gateway once every instance was
    /// done (the shop's database: recorded and never accepted,
    /// `paywire_sqlx::unaccepted_refunds`; a refund ledger: in doubt, reserved and their
    /// lease run out, `Ledger::refunds_in_doubt`), which a sweep then sent again under
    /// their numbers and saw accepted (where the gateway keys refunds on the number).
    pub swept: usize,
    /// Refunds the books still hold as never accepted after the sweep: those of
    /// gateways without refund numbers, left for a look at the gateway's records. They
    /// count against their order's cap meanwhile.
    pub unaccepted: usize,
    /// Orders missing a refund at the gateway that would have fitted: the plan's refunds
    /// add up to one fen more than was paid, so exactly one of them is refused (whichever
    /// comes last), and every other one must be made. A refund no instance recorded and
    /// sent leaves its order short.
    pub short: usize,
    /// Refunds made at gateways that notify a refund's end (WeChat Pay Global), which
    /// were sent with the merchant's notify URL, held in progress by the gateway and then
    /// done: their success is notified.
    pub notified: usize,
    /// Of those, refunds whose success the merchant never wrote once the deliveries
    /// settled.
    pub notices_missing: usize,
    /// Of those, refunds whose success the merchant wrote more than once.
    pub notices_twice: usize,
    /// Refunds the gateway closed instead (every third it held): no money went back, and
    /// their room is free again.
    pub closed: usize,
    /// Closed refunds whose success the merchant wrote anyway.
    pub closed_written: usize,
    /// Orders at gateways that notify a refund's end on which the books and the gateway
    /// disagree once the notifications settled: the shop's SQL database and a refund
    /// ledger apart from it must both hold exactly the refunds the gateway did not close
    /// (a closed refund not taken back shows here).
    pub books_disagree: usize,
    /// Copies of the ends of those refunds (done or closed) the gateway sent again, three
    /// at once, after the books agreed: the counts above are taken again after them.
    pub notices_sent_again: usize,
    /// Of those copies, the ones the merchant never acknowledged.
    pub notices_again_unacknowledged: usize,
}

impl RefundReport {
    /// Nothing lost, doubled or above the paid amount, every planned refund made, every
    /// refund success written once and no closed one, and the books agreeing with the
    /// gateway.
    pub fn passed(&self) -> bool {
        self.lost == 0
            && self.applied_twice == 0
            && self.above_paid == 0
            && self.short == 0
            && self.notices_missing == 0
            && self.notices_twice == 0
            && self.closed_written == 0
            && self.books_disagree == 0
            && self.notices_again_unacknowledged == 0
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

/// Per order: the refund numbers committed, and those left unresolved.
type Committed = Mutex<BTreeMap<(Gateway, String), (Vec<String>, Vec<String>)>>;

/// Refunds every order of `paid` from `instances` ledgers at once, each instance with
/// at most `concurrency` refunds under way (as a merchant's refund workers), the answers
/// of the first `fail_rate` × orders refund requests lost, then checks the gateway's
/// record.
pub async fn refund_all(
    demo: Arc<Demo>,
    paid: Vec<PaidOrder>,
    instances: Vec<RefundBooks>,
    fail_rate: f64,
    concurrency: usize,
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
    let workers: Vec<Arc<Semaphore>> = instances
        .iter()
        .map(|_| Arc::new(Semaphore::new(concurrency.max(1))))
        .collect();
    let mut tasks = Vec::new();
    for order in &paid {
        let (gateway, number, amount) = (&order.gateway, &order.number, &order.amount);
        let Some(lifecycle) = lifecycle_of(*gateway) else {
            continue;
        };
        report.lock().unwrap_or_else(|p| p.into_inner()).orders += 1;
        for (suffix, refund_amount) in plan(*amount) {
            for (books, workers) in instances.iter().zip(&workers) {
                let refund = Refund {
                    order: OrderKey::new(gateway.name(), number),
                    refund_no: format!("{number}{suffix}"),
                    amount: refund_amount,
                    paid: *amount,
                };
                let (demo, books, workers, report, committed) = (
                    demo.clone(),
                    books.clone(),
                    workers.clone(),
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
                    let (outcome, sends) = {
                        // One of the instance's refund workers (the semaphore is never
                        // closed, so this waits for one).
                        let _worker = workers.acquire().await;
                        attempt(&demo, &books, &order, &refund).await
                    };
                    let mut report = report.lock().unwrap_or_else(|p| p.into_inner());
                    report.attempts += 1;
                    report.answers_lost += sends.lost;
                    report.resent += sends.resent;
                    if !matches!(
                        outcome,
                        Attempt::HeldBack
                            | Attempt::NotSent
                            | Attempt::BooksFailed
                            | Attempt::RecordUnknown
                    ) {
                        report.sent += 1;
                    }
                    let mut committed = committed.lock().unwrap_or_else(|p| p.into_inner());
                    let entry = committed.entry((gateway, number.clone())).or_default();
                    match outcome {
                        Attempt::HeldBack => report.held_back += 1,
                        Attempt::BooksFailed => report.books_failed += 1,
                        Attempt::Refused => report.refused += 1,
                        Attempt::NotSent => {}
                        Attempt::Unresolved | Attempt::RecordUnknown => {
                            report.unresolved += 1;
                            entry.1.push(refund.refund_no.clone());
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
    // The instances share one database: the first one's list is everyone's.
    if let Some(books) = instances.first() {
        report.swept = sweep::sweep(&demo, books, &paid).await;
        report.unaccepted = books.unaccepted(&sweep::orders(&paid)).await.len();
        let closed = ends::end_all(&demo, &paid);
        notices::count(&demo, &paid, &closed, &mut report).await;
        ends::agree(&demo, books, &paid, &mut report).await;
        // The gateway sends every refund's end again, copies at once: none may be written
        // or taken back twice.
        notices::send_again(&demo, &paid, &mut report).await;
        notices::count(&demo, &paid, &closed, &mut report).await;
        ends::agree(&demo, books, &paid, &mut report).await;
    }
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
        let at_gateway: u64 = order
            .refunds
            .iter()
            .filter(|r| r.status != paywire_sandbox::lifecycle::RefundStatus::Closed)
            .map(|r| r.amount_fen)
            .sum();
        if at_gateway > amount.get() {
            report.above_paid += 1;
        }
        // The plan's refunds add up to one fen more than was paid, so exactly one of them
        // cannot fit: every other one must be made.
        if order.refunds.len() + 1 < plan(*amount).len() && lifecycle_of(*gateway).is_some() {
            report.short += 1;
        }
        let (numbers, unresolved) = committed
            .get(&(*gateway, number.clone()))
            .cloned()
            .unwrap_or_default();
        let made = order.refunds.len();
        report.applied_twice += made.saturating_sub(numbers.len() + unresolved.len());
        report.lost += numbers.len().saturating_sub(made);
    }
    report
}

/// The refunds planned for an order of `paid`, by refund number suffix: half, the rest,
/// and one fen more than was paid (no refund of 0 fen).
fn plan(paid: Fen) -> Vec<(&'static str, Fen)> {
    let half = Fen::new(paid.get().div_ceil(2));
    [
        ("R1", half),
        ("R2", Fen::new(paid.get() - half.get())),
        ("R3", Fen::new(1)),
    ]
    .into_iter()
    .filter(|(_, amount)| amount.get() > 0)
    .collect()
}

/// The lifecycle of `gateway`, where it declares one.
pub(super) fn lifecycle_of(gateway: Gateway) -> Option<&'static Lifecycle> {
    GATEWAYS
        .gateway(gateway.name())
        .and_then(|g| g.lifecycle.as_ref())
}

/// A paid order being refunded, and its gateway's steps.
pub(super) struct Ordered<'a> {
    gateway: Gateway,
    number: &'a str,
    gateway_order: Option<&'a str>,
    currency: Option<&'a str>,
    lifecycle: &'static Lifecycle,
}

impl<'a> Ordered<'a> {
    /// The order as `paid` describes it, refunded through `lifecycle`.
    pub(super) fn of(paid: &'a PaidOrder, lifecycle: &'static Lifecycle) -> Self {
        Ordered {
            gateway: paid.gateway,
            number: &paid.number,
            gateway_order: paid.gateway_order.as_deref(),
            currency: paid.currency.as_deref(),
            lifecycle,
        }
    }

    /// The merchant's notify URL for this order's refunds, where its gateway notifies a
    /// refund's end.
    fn notify_url(&self, demo: &Demo) -> Option<String> {
        self.lifecycle
            .refund_notification
            .then(|| demo.merchant.notify_url(self.gateway))
    }

    /// A step on this order at `base_url`, paid `paid`, its refund's notification sent
    /// to `notify_url`, if any.
    pub(super) fn step<'s>(
        &'s self,
        base_url: &'s str,
        credentials: &'s Credentials,
        paid: Fen,
        notify_url: Option<&'s str>,
    ) -> Step<'s> {
        Step {
            base_url,
            order_number: self.number,
            gateway_order: self.gateway_order,
            credentials,
            paid,
            currency: self.currency,
            notify_url,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    HeldBack,
    BooksFailed,
    /// The transaction recording the refund failed to commit: not sent.
    RecordUnknown,
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

/// How long an instance keeps trying books that fail (a database restarting, no free
/// connection) before it gives a refund up; and its pause between tries.
const BOOKS_PATIENCE: Duration = Duration::from_secs(10);
const BOOKS_PAUSE: Duration = Duration::from_millis(100);

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
    let failing_since = Instant::now();
    let reserved = loop {
        match books.reserve(key, refund).await {
            Reservation::Fresh(reserved) => break reserved,
            Reservation::HeldBack => return (Attempt::HeldBack, sends),
            // Maybe recorded, not sent: if it is not, another instance may record it.
            Reservation::Unknown => return (Attempt::RecordUnknown, sends),
            Reservation::Failed if failing_since.elapsed() < BOOKS_PATIENCE => {
                tokio::time::sleep(BOOKS_PAUSE).await;
            }
            Reservation::Failed => return (Attempt::BooksFailed, sends),
        }
    };
    let Some(credentials) = demo.credentials_of(order.gateway) else {
        unanswered(reserved);
        return (Attempt::NotSent, sends);
    };
    let base_url = demo.sandbox.call_url(order.gateway);
    let notify_url = order.notify_url(demo);
    let step = order.step(&base_url, credentials, refund.paid, notify_url.as_deref());
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
        // Recorded before it was sent: accepted, it is committed already; its acceptance
        // is recorded too (if that write fails, the refund stays listed as unaccepted).
        (Found::Accepted, Reserved::Recorded) => {
            books.accept(key, refund).await;
            Attempt::Committed
        }
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
