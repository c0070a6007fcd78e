//! What a merchant runs after its refunds: the sweep of the refunds its books hold and
//! never saw accepted: those its database recorded (`paywire_sqlx::unaccepted_refunds`),
//! or a refund ledger's refunds in doubt (`Ledger::refunds_in_doubt`: reserved, their
//! lease run out), which are claimed again under their number first. Where the gateway
//! keys refunds on the merchant's refund number, the refund is sent again under it (a
//! refund the gateway has is answered as before, one it lacks is made once) and its
//! acceptance recorded (a ledger's claim committed, or released if the gateway refuses
//! it). Where it does not (sent again, a refund is made twice), the refund is left
//! listed: its order's refunds have to be looked up by other means.

use super::{lifecycle_of, send, Ordered, PaidOrder, RefundBooks, Reservation, Reserved};
use crate::demo::Demo;
use paywire::ledger::{OrderKey, Refund};
use paywire_providers::registry::Found;
use paywire_sqlx::Unaccepted;

/// Sweeps the unaccepted refunds of `books` once; how many it saw accepted. A refund
/// ledger's abandoned reservations are waited for first, to their lease's end.
pub(super) async fn sweep(demo: &Demo, books: &RefundBooks, paid: &[PaidOrder]) -> usize {
    if let RefundBooks::Ledger(ledger) = books {
        tokio::time::sleep(ledger.lease()).await;
    }
    let mut accepted = 0;
    for refund in books.unaccepted(&orders(paid)).await {
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
    let key = (paid.gateway.name(), paid.number.as_str());
    // A refund in doubt in a refund ledger is claimed again under its own number.
    let held = match books {
        RefundBooks::Ledger(_) => match books.reserve(key, &refund).await {
            Reservation::Fresh(reserved) => Some(reserved),
            _ => return false,
        },
        _ => None,
    };
    let base_url = demo.sandbox.call_url(paid.gateway);
    let notify_url = order.notify_url(demo);
    let step = order.step(&base_url, credentials, paid.amount, notify_url.as_deref());
    let found = send(demo, lifecycle, &step, &refund).await;
    match (found, held) {
        (Ok(Found::Accepted), Some(Reserved::Held(held))) => held.commit().is_ok(),
        (Ok(Found::Accepted), _) => books.accept(key, &refund).await,
        // Refused: not made, its room free again.
        (Ok(_), Some(reserved)) => {
            books.release(reserved, key, &refund).await;
            false
        }
        // Unanswered again: left in doubt.
        _ => false,
    }
}

/// The orders of `paid` as the books key them.
pub(super) fn orders(paid: &[PaidOrder]) -> Vec<super::books::Order<'_>> {
    paid.iter()
        .map(|o| (o.gateway.name(), o.number.as_str()))
        .collect()
}
