//! XorPay's steps after the order, for the demo: the query (unsigned) and the refund
//! (by the gateway's `aoid`, refused above the paid amount before signing). XorPay has
//! no refund query and no close.

use crate::registry::{self, Found, Lifecycle, Step, Stepping};
use crate::xorpay::{self, LifecycleError, QueryStatus};
use paywire::{Fen, Secret, Yuan};

/// The steps.
pub const LIFECYCLE: Lifecycle = Lifecycle {
    query,
    refund,
    refunds: None,
    close: None,
    refund_numbered: false,
    refund_notification: false,
};

fn secret(step: &Step<'_>) -> Result<Secret, String> {
    registry::need(&step.credentials.key, "xorpay needs --key (the app secret)")
}

fn query(step: &Step<'_>) -> Result<Stepping, String> {
    let aid = registry::need(
        &step.credentials.merchant_id,
        "xorpay needs --mchid (the aid)",
    )?;
    let query = xorpay::QueryOrder {
        aid,
        order_id: step.order_number.to_owned(),
    };
    let request =
        xorpay::query_request(step.base_url, &query, &secret(step)?).map_err(|e| e.to_string())?;
    Ok(Stepping {
        request,
        read: Box::new(|answer| {
            let answer = xorpay::read_query_answer(answer.body()).map_err(|e| e.to_string())?;
            Ok(match answer.status {
                // Unsigned, and naming no amount: its payment comes from the notification.
                _ if answer.is_paid() => Found::Paid(None),
                QueryStatus::New => Found::NotPaid,
                QueryStatus::Expire => Found::Closed,
                other => Found::Refused(format!("status {}", other.as_str())),
            })
        }),
    })
}

fn refund(step: &Step<'_>, _refund_no: &str, amount: Fen) -> Result<Stepping, String> {
    let aoid = step.gateway_order.ok_or_else(|| {
        "a XorPay refund names the order by its aoid, from the order's answer".to_owned()
    })?;
    let refund = xorpay::Refund {
        aoid: aoid.to_owned(),
        price: Yuan(amount),
    };
    let request = xorpay::refund_request(step.base_url, &refund, &secret(step)?, step.paid)
        .map_err(|e| e.to_string())?;
    Ok(Stepping {
        request,
        read: Box::new(|answer| match xorpay::read_refund_answer(answer.body()) {
            Ok(_) => Ok(Found::Accepted),
            Err(refused @ LifecycleError::Refused { .. }) => {
                Ok(Found::Refused(refused.to_string()))
            }
            Err(e) => Err(e.to_string()),
        }),
    })
}
