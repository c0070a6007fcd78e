//! Orders in memory, and the record of every notification delivery.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The gateways the sandbox speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Gateway {
    /// featapi
    Feat,
    /// weidoufu
    Weidoufu,
    /// SwiftPass
    Swiftpass,
    /// WeChat Pay Global
    WechatGlobal,
    /// XorPay
    Xorpay,
}

impl Gateway {
    /// The URL prefix and display name.
    pub fn name(self) -> &'static str {
        match self {
            Gateway::Feat => "feat",
            Gateway::Weidoufu => "weidoufu",
            Gateway::Swiftpass => "swiftpass",
            Gateway::WechatGlobal => "wechat-global",
            Gateway::Xorpay => "xorpay",
        }
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
    /// Every notification delivery attempt.
    pub deliveries: Vec<Delivery>,
    /// Whether a delivery was acknowledged.
    pub acknowledged: bool,
    /// Gateway-specific fields the notification needs (attach, pay_type, ...).
    #[serde(skip)]
    pub extra: BTreeMap<String, String>,
    /// The exact request, to tell a retry from a different order with the same number.
    #[serde(skip)]
    pub fingerprint: String,
}

/// The sandbox's memory.
#[derive(Debug, Default)]
pub struct Orders {
    next: AtomicU64,
    orders: Mutex<BTreeMap<String, Order>>,
}

/// What placing an order found.
pub enum Placed {
    /// A new order.
    New(Order),
    /// The same request again: the existing order.
    Same(Order),
    /// The same order number with different parameters.
    Conflict,
}

impl Orders {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Order>> {
        self.orders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh identifier with a prefix.
    pub fn fresh_id(&self, prefix: &str) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}{}{n:06}", unix_now())
    }

    /// Places an order unless the gateway already has one with this number.
    pub fn place(&self, order: Order) -> Placed {
        let mut orders = self.lock();
        if let Some(existing) = orders
            .values()
            .find(|o| o.gateway == order.gateway && o.out_trade_no == order.out_trade_no)
        {
            return if existing.fingerprint == order.fingerprint {
                Placed::Same(existing.clone())
            } else {
                Placed::Conflict
            };
        }
        orders.insert(order.id.clone(), order.clone());
        Placed::New(order)
    }

    /// Marks an order paid; `None` if unknown, otherwise the order and whether this call
    /// changed it.
    pub fn pay(&self, id: &str) -> Option<(Order, bool)> {
        let mut orders = self.lock();
        let order = orders.get_mut(id)?;
        let changed = !order.paid;
        order.paid = true;
        Some((order.clone(), changed))
    }

    /// Records a delivery attempt.
    pub fn record(&self, id: &str, delivery: Delivery) {
        if let Some(order) = self.lock().get_mut(id) {
            order.acknowledged |= delivery.acknowledged;
            order.deliveries.push(delivery);
        }
    }

    /// One order.
    pub fn get(&self, id: &str) -> Option<Order> {
        self.lock().get(id).cloned()
    }

    /// Every order, oldest first.
    pub fn all(&self) -> Vec<Order> {
        self.lock().values().cloned().collect()
    }
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
