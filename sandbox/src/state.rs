//! Orders in memory, and the record of every notification delivery.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// A gateway the sandbox speaks, by its id in `paywire_providers::GATEWAYS` (`xorpay`,
/// `wechat-global`): its URL prefix, and the name its orders carry. Each simulator in
/// `gateways` names its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Gateway(&'static str);

impl Gateway {
    /// The gateway with registry id `id`.
    pub const fn of(id: &'static str) -> Gateway {
        Gateway(id)
    }

    /// The registered gateway called `name`, if there is one.
    pub fn named(name: &str) -> Option<Gateway> {
        paywire_providers::GATEWAYS
            .gateway(name)
            .map(|g| Gateway(g.id))
    }

    /// The URL prefix and display name: the registry id.
    pub fn name(self) -> &'static str {
        self.0
    }
}

/// One delivery attempt of a notification.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// 1-based attempt number.
    pub attempt: u32,
    /// The HTTP status the merchant answered, if it answered.
    pub status: Option<u16>,
    /// The start of the merchant's answer (or the transport error).
    pub answer: String,
    /// Whether this attempt was acknowledged the way the gateway expects.
    pub acknowledged: bool,
}

impl Delivery {
    /// An attempt the merchant never answered: not made, or failed on the way.
    pub fn unanswered(attempt: u32, answer: String) -> Delivery {
        Delivery {
            attempt,
            status: None,
            answer,
            acknowledged: false,
        }
    }
}

/// The most delivery attempts an order keeps: notifications sent again and again to a
/// merchant that never acknowledges add attempts without end, so the oldest beyond these
/// are counted ([`Order::deliveries_not_kept`]) and no longer kept.
pub const MAX_DELIVERIES_KEPT: usize = 1000;

/// One refund of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refund {
    /// The merchant's refund number.
    pub out_refund_no: String,
    /// The gateway's id of the refund.
    pub refund_id: String,
    /// Amount in fen.
    pub amount_fen: u64,
    /// When it was made (Unix seconds).
    pub at: i64,
    /// Where it stands: done at once, unless the gateway holds its refunds until told
    /// (WeChat Pay Global's `hold_refunds`).
    pub status: RefundStatus,
    /// Where its end is notified, for a refund held until it is settled.
    pub notify_url: Option<String>,
}

impl Refund {
    /// Bytes it holds, for the sandbox's memory bound.
    pub fn size(&self) -> usize {
        self.out_refund_no.len()
            + self.refund_id.len()
            + self.notify_url.as_ref().map_or(0, String::len)
            + std::mem::size_of::<Refund>()
    }
}

/// Where a refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Taken, its money not yet back with the payer: it counts against what was paid.
    Processing,
    /// The money is back with the payer.
    Success,
    /// Closed without any money going back: it no longer counts against what was paid.
    Closed,
}

/// A placed order.
#[derive(Debug, Clone, Serialize)]
pub struct Order {
    /// The sandbox's order id (used in `/_sandbox/orders/{id}/pay`).
    pub id: String,
    /// The gateway it was placed with.
    pub gateway: Gateway,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Amount in fen (0 where the request carries none, as with featapi).
    pub amount_fen: u64,
    /// Where the notification goes, if the gateway sends one.
    pub notify_url: Option<String>,
    /// The QR code content for NATIVE orders.
    pub code_url: Option<String>,
    /// The gateway's own transaction id, assigned when paid.
    pub transaction_id: String,
    /// Whether the payer has paid.
    pub paid: bool,
    /// When the payer paid (Unix seconds).
    pub paid_at: Option<i64>,
    /// Whether the merchant closed the order unpaid: it can no longer be paid.
    pub closed: bool,
    /// Whether the payer's payment failed (`POST /_sandbox/orders/{id}/fail`): the order
    /// can no longer be paid; the merchant places a new one.
    pub failed: bool,
    /// The refunds made, in the order they were made.
    pub refunds: Vec<Refund>,
    /// The newest notification delivery attempts, at most [`MAX_DELIVERIES_KEPT`],
    /// oldest first.
    pub deliveries: Vec<Delivery>,
    /// Attempts made before the oldest kept in `deliveries`, counted, not kept.
    pub deliveries_not_kept: u64,
    /// Whether a delivery was acknowledged.
    pub acknowledged: bool,
    /// Gateway-specific fields the notification needs (attach, pay_type, ...).
    #[serde(skip)]
    pub extra: BTreeMap<String, String>,
    /// A digest of the exact request ([`fingerprint`]), to tell a retry from a different
    /// order with the same number.
    #[serde(skip)]
    pub fingerprint: String,
}

/// How much the sandbox keeps in memory.
///
/// When a new order would pass either bound, the orders settled longest ago (paid and
/// acknowledged, paid and out of delivery attempts, or paid at a gateway that sends no
/// notification) are forgotten to make room; when every kept order is still open, the
/// new order is refused with the gateway's own system error, and nothing kept is lost.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Orders kept at most.
    pub max_orders: usize,
    /// Bytes of order text (identifiers, URLs, echoed fields, delivery records) kept at
    /// most; a measure of the sandbox's memory, not an exact one.
    pub max_bytes: usize,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            max_orders: 50_000,
            max_bytes: 64 << 20,
        }
    }
}

/// One kept order and what the bounds count of it.
#[derive(Debug)]
struct Entry {
    order: Order,
    seq: u64,
    bytes: usize,
    settled: bool,
}

/// The orders, their indexes and their running size.
#[derive(Debug, Default)]
struct Book {
    by_id: HashMap<String, Entry>,
    by_number: HashMap<(Gateway, String), String>,
    /// Every kept id by when it was placed.
    placed: BTreeMap<u64, String>,
    placed_count: u64,
    /// Ids of settled orders, settled longest ago first; may name forgotten ones.
    settled: VecDeque<String>,
    bytes: usize,
}

impl Book {
    /// Copies of the orders `ids` name.
    fn copies<'a>(&self, ids: impl Iterator<Item = &'a String>) -> Vec<Order> {
        ids.filter_map(|id| self.by_id.get(id).map(|e| e.order.clone()))
            .collect()
    }

    /// The orders `ids` name, where they are kept, as the page at `offset`.
    fn view<'a>(&'a self, offset: usize, ids: impl Iterator<Item = &'a String>) -> PageView<'a> {
        PageView {
            total: self.placed.len(),
            offset,
            orders: ids
                .filter_map(|id| self.by_id.get(id))
                .map(|e| &e.order)
                .collect(),
        }
    }

    /// Forgets the order settled longest ago; `false` if none is settled.
    fn evict_one(&mut self) -> bool {
        while let Some(id) = self.settled.pop_front() {
            let Some(entry) = self.by_id.get(&id) else {
                continue;
            };
            if !entry.settled {
                continue;
            }
            let entry = self.by_id.remove(&id).expect("looked up above");
            self.by_number
                .remove(&(entry.order.gateway, entry.order.out_trade_no.clone()));
            self.bytes -= entry.bytes;
            self.placed.remove(&entry.seq);
            return true;
        }
        false
    }
}

impl Order {
    /// Every delivery attempt made for it: those kept and those only counted.
    pub fn attempts(&self) -> u64 {
        self.deliveries.len() as u64 + self.deliveries_not_kept
    }
}

/// What the bounds count of an order: its text, roughly as much as it holds in memory.
fn size_of(order: &Order) -> usize {
    let text = order.id.len()
        + order.out_trade_no.len()
        + order.notify_url.as_ref().map_or(0, String::len)
        + order.code_url.as_ref().map_or(0, String::len)
        + order.transaction_id.len()
        + order.fingerprint.len()
        + order.refunds.iter().map(Refund::size).sum::<usize>()
        + order
            .extra
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
        + order
            .deliveries
            .iter()
            .map(|d| d.answer.len())
            .sum::<usize>();
    text + std::mem::size_of::<Order>() + order.deliveries.len() * std::mem::size_of::<Delivery>()
}

/// The sandbox's memory: orders by id and by merchant order number, within
/// [`StorageConfig`]'s bounds.
#[derive(Debug, Default)]
pub struct Orders {
    next: AtomicU64,
    limits: StorageConfig,
    book: Mutex<Book>,
}

/// What placing an order found.
pub enum Placed {
    /// A new order.
    New(Order),
    /// The same request again: the existing order.
    Same(Order),
    /// The same order number with different parameters.
    Conflict,
    /// No room: every kept order is still open (see [`StorageConfig`]).
    Full,
}

/// The message of a refusal for want of room, in every gateway's error shape.
pub const FULL: &str = "系统繁忙: the sandbox keeps no more open orders (storage.max_orders / storage.max_bytes); pay or let settle the ones it has, or raise the bounds";

/// A page of orders, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// Orders kept in all.
    pub total: usize,
    /// The position of the first order shown among them.
    pub offset: usize,
    /// The orders shown.
    pub orders: Vec<Order>,
}

/// The order a page lists orders in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// Oldest first (the listing).
    OldestFirst,
    /// Newest first (the cashier page).
    NewestFirst,
}

/// A page of orders seen where they are kept; serialized as [`Page`] is.
#[derive(Debug, Serialize)]
pub struct PageView<'a> {
    /// Orders kept in all.
    pub total: usize,
    /// The position of the first order shown among them.
    pub offset: usize,
    /// The orders shown.
    pub orders: Vec<&'a Order>,
}

impl PageView<'_> {
    /// A copy of the page.
    pub fn copied(self) -> Page {
        Page {
            total: self.total,
            offset: self.offset,
            orders: self.orders.into_iter().cloned().collect(),
        }
    }
}

impl Orders {
    /// An empty store within `limits`.
    pub fn new(limits: StorageConfig) -> Orders {
        Orders {
            limits,
            ..Orders::default()
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh identifier with a prefix.
    pub fn fresh_id(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}{}{n:06}", unix_now())
    }

    /// Places an order unless the gateway already has one with this number, forgetting
    /// settled orders if it needs the room.
    pub fn place(&self, order: Order) -> Placed {
        let mut book = self.lock();
        let number = (order.gateway, order.out_trade_no.clone());
        if let Some(existing) = book
            .by_number
            .get(&number)
            .and_then(|id| book.by_id.get(id))
        {
            return if existing.order.fingerprint == order.fingerprint {
                Placed::Same(existing.order.clone())
            } else {
                Placed::Conflict
            };
        }
        let bytes = size_of(&order);
        while book.by_id.len() >= self.limits.max_orders
            || book.bytes + bytes > self.limits.max_bytes
        {
            if !book.evict_one() {
                return Placed::Full;
            }
        }
        book.bytes += bytes;
        book.placed_count += 1;
        let seq = book.placed_count;
        book.by_number.insert(number, order.id.clone());
        book.placed.insert(seq, order.id.clone());
        let entry = Entry {
            order: order.clone(),
            seq,
            bytes,
            settled: false,
        };
        book.by_id.insert(order.id.clone(), entry);
        Placed::New(order)
    }

    /// Marks an order paid; `None` if unknown, otherwise the order and whether this call
    /// changed it.
    pub fn pay(&self, id: &str) -> Option<(Order, bool)> {
        let mut book = self.lock();
        let entry = book.by_id.get_mut(id)?;
        // A closed or failed order stays unpaid: the caller sees `paid` false.
        let changed = !entry.order.paid && !entry.order.closed && !entry.order.failed;
        if changed {
            entry.order.paid = true;
            entry.order.paid_at = Some(unix_now());
        }
        Some((entry.order.clone(), changed))
    }

    /// Changes the order `id` with `change`, keeping the memory accounting right; `None`
    /// if unknown.
    pub fn with_order<R>(&self, id: &str, change: impl FnOnce(&mut Order) -> R) -> Option<R> {
        let mut book = self.lock();
        let entry = book.by_id.get_mut(id)?;
        let before = size_of(&entry.order);
        let result = change(&mut entry.order);
        let after = size_of(&entry.order);
        entry.bytes = (entry.bytes + after).saturating_sub(before);
        book.bytes = (book.bytes + after).saturating_sub(before);
        Some(result)
    }

    /// Records a delivery attempt.
    pub fn record(&self, id: &str, delivery: Delivery) {
        let mut book = self.lock();
        let Some(entry) = book.by_id.get_mut(id) else {
            return;
        };
        let added = delivery.answer.len() + std::mem::size_of::<Delivery>();
        entry.order.acknowledged |= delivery.acknowledged;
        entry.order.deliveries.push(delivery);
        let mut freed = 0;
        if entry.order.deliveries.len() > MAX_DELIVERIES_KEPT {
            let oldest = entry.order.deliveries.remove(0);
            freed = oldest.answer.len() + std::mem::size_of::<Delivery>();
            entry.order.deliveries_not_kept += 1;
        }
        entry.bytes = entry.bytes + added - freed;
        book.bytes = book.bytes + added - freed;
    }

    /// Marks a paid order settled: nothing more will happen to it, so it may be forgotten
    /// when room is needed.
    pub fn settle(&self, id: &str) {
        let mut book = self.lock();
        let Some(entry) = book.by_id.get_mut(id) else {
            return;
        };
        if entry.order.paid && !entry.settled {
            entry.settled = true;
            book.settled.push_back(id.to_owned());
        }
    }

    /// The orders with the merchant's number `number`, at `gateway` or at any gateway of
    /// the registry.
    pub fn by_merchant_number(&self, number: &str, gateway: Option<Gateway>) -> Vec<Order> {
        let book = self.lock();
        let gateways: Vec<Gateway> = match gateway {
            Some(g) => vec![g],
            None => paywire_providers::GATEWAYS
                .gateways()
                .map(|g| Gateway::of(g.id))
                .collect(),
        };
        let ids: Vec<&String> = gateways
            .into_iter()
            .filter_map(|g| book.by_number.get(&(g, number.to_owned())))
            .collect();
        book.copies(ids.into_iter())
    }

    /// One order.
    pub fn get(&self, id: &str) -> Option<Order> {
        self.lock().by_id.get(id).map(|e| e.order.clone())
    }

    /// Up to `limit` orders from position `offset`, oldest first.
    pub fn page(&self, offset: usize, limit: usize) -> Page {
        self.with_page(Listed::OldestFirst, offset, limit, |page| page.copied())
    }

    /// Up to `limit` orders after skipping the `offset` newest, newest first.
    pub fn newest(&self, offset: usize, limit: usize) -> Page {
        self.with_page(Listed::NewestFirst, offset, limit, |page| page.copied())
    }

    /// What `show` makes of a page of orders (as [`Orders::page`] or [`Orders::newest`]
    /// lists them) seen where they are kept, the book locked meanwhile: an answer built
    /// from them copies no order, however large.
    pub fn with_page<R>(
        &self,
        listed: Listed,
        offset: usize,
        limit: usize,
        show: impl FnOnce(PageView<'_>) -> R,
    ) -> R {
        let book = self.lock();
        let ids: Box<dyn Iterator<Item = &String>> = match listed {
            Listed::OldestFirst => Box::new(book.placed.values()),
            Listed::NewestFirst => Box::new(book.placed.values().rev()),
        };
        show(book.view(offset, ids.skip(offset).take(limit)))
    }

    /// How many orders are kept.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The oldest order that `matches`, copied alone: the others are looked at where they
    /// are kept, so a lookup by a member no index holds (a transaction id, a refund
    /// number) costs no copy of the whole book.
    pub fn find(&self, matches: impl Fn(&Order) -> bool) -> Option<Order> {
        let book = self.lock();
        book.placed
            .values()
            .filter_map(|id| book.by_id.get(id))
            .map(|entry| &entry.order)
            .find(|order| matches(order))
            .cloned()
    }

    /// The `gateway` order holding refund `out_refund_no`, and that refund (copies).
    pub fn refund_numbered(
        &self,
        gateway: Gateway,
        out_refund_no: &str,
    ) -> Option<(Order, Refund)> {
        let order = self.find(|o| {
            o.gateway == gateway && o.refunds.iter().any(|r| r.out_refund_no == out_refund_no)
        })?;
        let refund = order
            .refunds
            .iter()
            .find(|r| r.out_refund_no == out_refund_no)
            .cloned()?;
        Some((order, refund))
    }

    /// Every order, oldest first: a copy of them all, for tests and tools in the same
    /// process (the HTTP listing is paged).
    pub fn all(&self) -> Vec<Order> {
        self.page(0, usize::MAX).orders
    }
}

/// What tells a retry of a request from a different order with the same number: a
/// SHA-256 of the request's printed form, so a large request is not kept twice.
pub fn fingerprint(request: &impl std::fmt::Debug) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{request:?}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Nanoseconds since the Unix epoch: a name that does not repeat within a process.
pub fn unix_now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(n: u32) -> Order {
        Order {
            id: format!("ID{n}"),
            gateway: Gateway::of("a-gateway"),
            out_trade_no: format!("N{n}"),
            amount_fen: 1,
            notify_url: None,
            code_url: None,
            transaction_id: String::new(),
            paid: false,
            paid_at: None,
            closed: false,
            failed: false,
            refunds: Vec::new(),
            deliveries: Vec::new(),
            deliveries_not_kept: 0,
            acknowledged: false,
            extra: BTreeMap::new(),
            fingerprint: format!("F{n}"),
        }
    }

    fn ids(orders: &Orders) -> Vec<String> {
        orders.all().into_iter().map(|o| o.id).collect()
    }

    fn limits(max_orders: usize) -> StorageConfig {
        StorageConfig {
            max_orders,
            ..StorageConfig::default()
        }
    }

    #[test]
    fn a_full_store_forgets_the_order_settled_longest_ago_and_never_an_open_one() {
        let orders = Orders::new(limits(3));
        for n in 1..=3 {
            assert!(matches!(orders.place(order(n)), Placed::New(_)));
        }
        assert!(matches!(orders.place(order(4)), Placed::Full));
        // Settling needs a payment first: an open order is never settled.
        orders.settle("ID3");
        assert!(matches!(orders.place(order(4)), Placed::Full));
        orders.pay("ID3").unwrap();
        orders.settle("ID3");
        orders.pay("ID2").unwrap();
        orders.settle("ID2");
        assert!(matches!(orders.place(order(4)), Placed::New(_)));
        assert_eq!(
            ids(&orders),
            ["ID1", "ID2", "ID4"],
            "ID3 settled first, went first"
        );
        assert!(matches!(orders.place(order(5)), Placed::New(_)));
        assert_eq!(ids(&orders), ["ID1", "ID4", "ID5"]);
        assert!(matches!(orders.place(order(6)), Placed::Full));
        // A forgotten order's number is free again; a kept one's still conflicts.
        let mut again = order(7);
        again.out_trade_no = "N3".into();
        orders.pay("ID5").unwrap();
        orders.settle("ID5");
        assert!(matches!(orders.place(again), Placed::New(_)));
        let mut taken = order(8);
        taken.out_trade_no = "N1".into();
        assert!(matches!(orders.place(taken), Placed::Conflict));
        assert!(matches!(orders.place(order(1)), Placed::Same(_)));
    }

    #[test]
    fn the_byte_bound_counts_echoed_fields_and_delivery_records() {
        let one = size_of(&order(1));
        let orders = Orders::new(StorageConfig {
            max_orders: 100,
            max_bytes: one * 3 + 10,
        });
        let mut big = order(1);
        big.extra.insert("more".into(), "m".repeat(one * 3));
        assert!(
            matches!(orders.place(big), Placed::Full),
            "larger than the bound"
        );
        assert!(orders.is_empty());
        for n in 2..=4 {
            assert!(matches!(orders.place(order(n)), Placed::New(_)));
        }
        assert!(matches!(orders.place(order(5)), Placed::Full));
        orders.pay("ID2").unwrap();
        orders.record("ID2", Delivery::unanswered(1, "x".repeat(200)));
        orders.settle("ID2");
        assert!(matches!(orders.place(order(5)), Placed::New(_)));
        assert_eq!(ids(&orders), ["ID3", "ID4", "ID5"]);
    }

    #[test]
    fn pages_go_oldest_first_and_newest_first_without_copying_the_rest() {
        let orders = Orders::default();
        for n in 1..=5 {
            let _ = orders.place(order(n));
        }
        let page = orders.page(1, 2);
        assert_eq!((page.total, page.offset), (5, 1));
        let shown: Vec<_> = page.orders.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(shown, ["ID2", "ID3"]);
        let newest: Vec<_> = orders
            .newest(0, 2)
            .orders
            .into_iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(newest, ["ID5", "ID4"]);
        assert!(orders.page(9, 2).orders.is_empty());
    }

    #[test]
    fn a_fingerprint_is_a_fixed_size_digest_that_tells_requests_apart() {
        let long = "x".repeat(200 * 1024);
        assert_eq!(fingerprint(&long).len(), 64);
        assert_eq!(fingerprint(&"a"), fingerprint(&"a"));
        assert_ne!(fingerprint(&"a"), fingerprint(&"b"));
        // The digest of the printed form `"abc"`, as `sha256sum` gives it.
        assert_eq!(
            fingerprint(&"abc"),
            "6cc43f858fbb763301637b5af970e2a46b46f461f27e5a0f41e009c59b827b25"
        );
    }

    /// Every attempt is recorded, but an order keeps the newest
    /// [`MAX_DELIVERIES_KEPT`] of them and counts the rest: copies sent again and again
    /// to a merchant that never acknowledges cannot grow one order without bound.
    #[test]
    fn an_order_keeps_its_newest_deliveries_and_counts_the_rest() {
        let orders = Orders::default();
        let _ = orders.place(order(1));
        let extra = 5;
        for attempt in 1..=(MAX_DELIVERIES_KEPT + extra) {
            let attempt = u32::try_from(attempt).unwrap();
            orders.record("ID1", Delivery::unanswered(attempt, "refused".into()));
        }
        let kept = orders.get("ID1").unwrap();
        assert_eq!(kept.deliveries.len(), MAX_DELIVERIES_KEPT);
        assert_eq!(kept.deliveries_not_kept, extra as u64);
        assert_eq!(kept.attempts(), (MAX_DELIVERIES_KEPT + extra) as u64);
        assert_eq!(
            kept.deliveries[0].attempt,
            1 + extra as u32,
            "the oldest go first"
        );
        assert_eq!(
            orders.lock().bytes,
            size_of(&kept),
            "the kept records are what is counted"
        );
    }
}
