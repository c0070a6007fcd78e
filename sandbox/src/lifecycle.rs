//! An order's life after it is placed, the same at every simulated gateway: an unpaid
//! order can be closed (and then never paid), a paid one refunded in parts under the
//! merchant's refund numbers, never above what was paid and at most [`MAX_REFUNDS`]
//! times, and a refund sent again under its number is the same refund.

use crate::state::{unix_now, Gateway, Order, Orders};
pub use crate::state::{Refund, RefundStatus};

/// The most refunds one order takes (WeChat Pay's limit of partial refunds, which the
/// WeChat-family gateways share).
pub const MAX_REFUNDS: usize = 50;

/// What closing an order found.
#[derive(Debug, Clone)]
pub enum Closing {
    /// Closed now, or already closed.
    Closed(Order),
    /// Paid: a paid order is refunded, not closed.
    Paid(Order),
}

/// Marks the unpaid order `id`'s payment failed, as when the payer's bank declines it;
/// `None` if unknown, the order unchanged (and paid) if it is paid.
pub fn fail(orders: &Orders, id: &str) -> Option<Order> {
    orders.with_order(id, |order| {
        if !order.paid {
            order.failed = true;
        }
        order.clone()
    })
}

/// Closes the unpaid order `id`; `None` if unknown.
pub fn close(orders: &Orders, id: &str) -> Option<Closing> {
    orders.with_order(id, |order| {
        if order.paid {
            Closing::Paid(order.clone())
        } else {
            order.closed = true;
            Closing::Closed(order.clone())
        }
    })
}

/// What a refund request found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refunding {
    /// A new refund.
    New(Refund),
    /// The refund with this number, made before with the same amount.
    Same(Refund),
    /// The order is not paid (or closed).
    NotPaid,
    /// This refund would take the refunds above what was paid.
    AbovePaid {
        /// What the order was paid, in fen.
        paid: u64,
        /// What was refunded before, in fen.
        refunded: u64,
    },
    /// The refund number was used before with another amount.
    Conflict(Refund),
    /// The order has as many refunds as the gateway takes ([`MAX_REFUNDS`] unless it
    /// says otherwise).
    TooMany,
}

/// What the order's refunds add up to, in fen: those done and those in progress, not
/// those closed.
pub fn refunded(order: &Order) -> u64 {
    order
        .refunds
        .iter()
        .filter(|r| r.status != RefundStatus::Closed)
        .map(|r| r.amount_fen)
        .sum()
}

/// Refunds `amount_fen` of the order `id` under the merchant's `out_refund_no`; `None`
/// if the order is unknown. Checked and recorded under one lock, so concurrent refunds
/// never add up past the paid amount.
pub fn refund(
    orders: &Orders,
    id: &str,
    out_refund_no: &str,
    amount_fen: u64,
) -> Option<Refunding> {
    refund_at_most(orders, id, out_refund_no, amount_fen, MAX_REFUNDS)
}

/// [`refund`] at a gateway that takes at most `max_refunds` refunds of one order.
pub fn refund_at_most(
    orders: &Orders,
    id: &str,
    out_refund_no: &str,
    amount_fen: u64,
    max_refunds: usize,
) -> Option<Refunding> {
    let made = Made {
        max_refunds,
        held: false,
        notify_url: None,
    };
    make_refund(orders, id, out_refund_no, amount_fen, made)
}

/// [`refund`] at a gateway that notifies a refund's end to `notify_url` (if any), which
/// the refund keeps so that its notification can be sent again: `held` in progress until
/// [`settle_refund`] ends it, or else done at once.
pub fn refund_notified(
    orders: &Orders,
    id: &str,
    out_refund_no: &str,
    amount_fen: u64,
    notify_url: Option<String>,
    held: bool,
) -> Option<Refunding> {
    let made = Made {
        max_refunds: MAX_REFUNDS,
        held,
        notify_url,
    };
    make_refund(orders, id, out_refund_no, amount_fen, made)
}

/// How a gateway makes a new refund.
struct Made {
    max_refunds: usize,
    /// Held in progress until settled, or done at once.
    held: bool,
    /// Where its end is notified.
    notify_url: Option<String>,
}

fn make_refund(
    orders: &Orders,
    id: &str,
    out_refund_no: &str,
    amount_fen: u64,
    made: Made,
) -> Option<Refunding> {
    let Made {
        max_refunds,
        held,
        notify_url,
    } = made;
    let refund_id = orders.fresh_id("RF");
    orders.with_order(id, |order| {
        if let Some(known) = order
            .refunds
            .iter()
            .find(|r| r.out_refund_no == out_refund_no)
        {
            return if known.amount_fen == amount_fen {
                Refunding::Same(known.clone())
            } else {
                Refunding::Conflict(known.clone())
            };
        }
        if !order.paid {
            return Refunding::NotPaid;
        }
        let before = refunded(order);
        if amount_fen == 0 || before + amount_fen > order.amount_fen {
            return Refunding::AbovePaid {
                paid: order.amount_fen,
                refunded: before,
            };
        }
        if order.refunds.len() >= max_refunds {
            return Refunding::TooMany;
        }
        let status = if held {
            RefundStatus::Processing
        } else {
            RefundStatus::Success
        };
        let refund = Refund {
            out_refund_no: out_refund_no.to_owned(),
            refund_id,
            amount_fen,
            at: unix_now(),
            status,
            notify_url,
        };
        order.refunds.push(refund.clone());
        Refunding::New(refund)
    })
}

/// What settling a held refund found.
#[derive(Debug, Clone)]
pub enum Settling {
    /// Settled now: the order and the refund as they stand.
    Settled(Box<Order>, Refund),
    /// It was settled before (or never held): nothing changed.
    NotProcessing(Refund),
}

/// Ends the refund `out_refund_no` of a `gateway` order held in progress, as `status`
/// (done or closed; a closed refund's room is free again); `None` if no order of
/// `gateway` holds it.
pub fn settle_refund(
    orders: &Orders,
    gateway: Gateway,
    out_refund_no: &str,
    status: RefundStatus,
) -> Option<Settling> {
    let order = orders.find(|o| {
        o.gateway == gateway && o.refunds.iter().any(|r| r.out_refund_no == out_refund_no)
    })?;
    orders.with_order(&order.id, |order| {
        let refund = order
            .refunds
            .iter_mut()
            .find(|r| r.out_refund_no == out_refund_no)?;
        if refund.status != RefundStatus::Processing {
            return Some(Settling::NotProcessing(refund.clone()));
        }
        refund.status = status;
        let refund = refund.clone();
        Some(Settling::Settled(Box::new(order.clone()), refund))
    })?
}

/// The order's state in the WeChat family's words: `NOTPAY`, `SUCCESS`, `REFUND` (some
/// of it refunded), `CLOSED` or `PAYERROR`.
pub fn trade_state(order: &Order) -> &'static str {
    // Refunds closed without any money going back leave the order as paid.
    let refunded = order
        .refunds
        .iter()
        .any(|r| r.status != RefundStatus::Closed);
    match (order.closed, order.paid, !refunded) {
        _ if order.failed => "PAYERROR",
        (true, _, _) => "CLOSED",
        (_, true, false) => "REFUND",
        (_, true, true) => "SUCCESS",
        _ => "NOTPAY",
    }
}
