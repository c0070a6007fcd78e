//! What a merchant runs after its refunds: the sweep of the refunds its database recorded
//! and never saw accepted (`paywire_sqlx::unaccepted_refunds`). Where the gateway keys
//! refunds on the merchant's refund number, the refund is sent again under it (a refund
//! the gateway has is answered as before, one it lacks is made once) and its acceptance
//! recorded. Where it does not (sent again, a refund is made twice), the refund is left
//! listed: its order's refunds have to be looked up by other means.

use super::{lifecycle_of, send, PaidOrder, RefundBooks};
use crate::demo::Demo;
use paywire::ledger::{OrderKey, Refund};
use paywire_providers::registry::{Found, Step};
use paywire_sqlx::{Backend, Unaccepted};
use sqlx::Pool;
use std::time::Duration;

/// Sweeps the unaccepted refunds of `books`' database once; how many it saw accepted.
/// A refund ledger (memory, Redis) keeps no such list: 0.
pub(super) async fn sweep(demo: &Demo, books: &RefundBooks, paid: &[PaidOrder]) -> usize {
    let listed = match books {
        RefundBooks::Ledger(_) => return 0,
        RefundBooks::Sqlite(pool) => unaccepted(pool).await,
        RefundBooks::Postgres(pool) => unaccepted(pool).await,
        RefundBooks::Mariadb(pool) => unaccepted(pool).await,
    };
    let mut accepted = 0;
    for refund in listed {
        if resend(demo, books, paid, &refund).await {
            accepted += 1;
        }
    }
    accepted
}

/// Every refund the database lists as recorded and never accepted (none if it fails).
async fn unaccepted<DB: Backend>(pool: &Pool<DB>) -> Vec<Unaccepted> {
    paywire_sqlx::unaccepted_refunds(pool, Duration::ZERO)
        .await
        .unwrap_or_default()
}

/// Sends `listed` again under its number, if its gateway keys refunds on it, and records
/// its acceptance; whether it did both.
async fn resend(demo: &Demo, books: &RefundBooks, paid: &[PaidOrder], listed: &Unaccepted) -> bool {
    let Some(order) = paid
        .iter()
        .find(|o| o.gateway.name() == listed.gateway && o.number == listed.out_trade_no)
    else {
        return false;
    };
    let Some(lifecycle) = lifecycle_of(order.gateway).filter(|l| l.refund_numbered) else {
        return false;
    };
    let Some(credentials) = demo.credentials_of(order.gateway) else {
        return false;
    };
    let refund = Refund {
        order: OrderKey::new(order.gateway.name(), &order.number),
        refund_no: listed.out_refund_no.clone(),
        amount: listed.amount,
        paid: order.amount,
    };
    let base_url = demo.sandbox.call_url(order.gateway);
    let step = Step {
        base_url: &base_url,
        order_number: &order.number,
        gateway_order: order.gateway_order.as_deref(),
        credentials,
        paid: order.amount,
        currency: order.currency.as_deref(),
    };
    let key: (&str, &str) = (order.gateway.name(), &order.number);
    matches!(
        send(demo, lifecycle, &step, &refund).await,
        Ok(Found::Accepted)
    ) && books.accept(key, &refund).await
}
