//! What a merchant runs after its refunds: the sweep of the refunds its database recorded
//! and never saw accepted (`paywire_sqlx::unaccepted_refunds`). Where the gateway keys
//! refunds on the merchant's refund number, the refund is sent again under it (a refund
//! the gateway has is answered as before, one it lacks is made once) and its acceptance
//! recorded. Where it does not (sent again, a refund is made twice), the refund is left
//! listed: its order's refunds have to be looked up by other means.

use super::{lifecycle_of, send, Ordered, PaidOrder, RefundBooks};
use crate::demo::Demo;
use paywire::ledger::{OrderKey, Refund};
use paywire_providers::registry::Found;
use paywire_sqlx::Unaccepted;

/// Sweeps the unaccepted refunds of `books`' database once; how many it saw accepted.
/// A refund ledger (memory, Redis) keeps no such list: 0.
pub(super) async fn sweep(demo: &Demo, books: &RefundBooks, paid: &[PaidOrder]) -> usize {
    let mut accepted = 0;
    for refund in books.unaccepted().await {
        if resend(demo, books, paid, &refund).await {
            accepted += 1;
        }
    }
    accepted
}

/// Sends `listed` again under its number, if its gateway keys refunds on it, and records
/// its acceptance; whether it did both.
async fn resend(demo: &Demo, books: &RefundBooks, paid: &[PaidOrder], listed: &Unaccepted) -> bool {
    let Some(paid) = paid
        .iter()
        .find(|o| o.gateway.name() == listed.gateway && o.number == listed.out_trade_no)
    else {
        return false;
    };
    let Some(lifecycle) = lifecycle_of(paid.gateway).filter(|l| l.refund_numbered) else {
        return false;
    };
    let Some(credentials) = demo.credentials_of(paid.gateway) else {
        return false;
    };
    let order = Ordered::of(paid, lifecycle);
    let refund = Refund {
        order: OrderKey::new(paid.gateway.name(), &paid.number),
        refund_no: listed.out_refund_no.clone(),
        amount: listed.amount,
        paid: paid.amount,
    };
    let base_url = demo.sandbox.call_url(paid.gateway);
    let notify_url = order.notify_url(demo);
    let step = order.step(&base_url, credentials, paid.amount, notify_url.as_deref());
    matches!(
        send(demo, lifecycle, &step, &refund).await,
        Ok(Found::Accepted)
    ) && books
        .accept((paid.gateway.name(), &paid.number), &refund)
        .await
}
