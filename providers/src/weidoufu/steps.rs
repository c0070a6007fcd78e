//! weidoufu's steps after the order, for the demo and the soak: the query (unsigned) and
//! the refund (by the merchant's order number, refused above the paid amount before
//! signing). weidoufu has no refund query, no close and no refund number.

use crate::registry::{self, Found, Lifecycle, Step, Stepping};
use crate::weidoufu::{self, LifecycleError, PayStatus};
use paywire::{Fen, Secret};

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
    registry::need(
        &step.credentials.key,
        "weidoufu needs --key (the SecretKey)",
    )
}

/// What a query's answer says of the order.
fn found(answer: Result<weidoufu::QueryData, LifecycleError>) -> Result<Found, String> {
    match answer {
        Ok(data) => Ok(match data.pay_status() {
            // Unsigned, and naming no amount: its payment comes from the notification.
            Some(PayStatus::Paid) => Found::Paid(None),
            Some(PayStatus::Pending | PayStatus::Failed) => Found::NotPaid,
            None => Found::Refused(format!("status {}", data.status.as_str())),
        }),
        Err(refused @ LifecycleError::Refused { .. }) => Ok(Found::Refused(refused.to_string())),
        Err(e) => Err(e.to_string()),
    }
}

fn query(step: &Step<'_>) -> Result<Stepping, String> {
    let query = weidoufu::QueryOrder::by_merchant_number(step.order_number);
    let request = weidoufu::query_request(step.base_url, &query).map_err(|e| e.to_string())?;
    Ok(Stepping {
        request,
        read: Box::new(|answer| found(weidoufu::read_query_answer(answer.body()))),
    })
}

fn refund(step: &Step<'_>, _refund_no: &str, amount: Fen) -> Result<Stepping, String> {
    let access_key = registry::need(
        &step.credentials.merchant_id,
        "weidoufu needs --mchid (the AccessKey)",
    )?;
    let refund = weidoufu::Refund {
        access_key,
        refund_fee: amount,
        mch_trade_no: None,
        out_order_no: Some(step.order_number.to_owned()),
    };
    let request = weidoufu::refund_request(step.base_url, &refund, &secret(step)?, step.paid)
        .map_err(|e| e.to_string())?;
    Ok(Stepping {
        request,
        read: Box::new(
            move |answer| match weidoufu::read_refund_answer(answer.body(), amount) {
                Ok(_) => Ok(Found::Accepted),
                Err(refused @ LifecycleError::Refused { .. }) => {
                    Ok(Found::Refused(refused.to_string()))
                }
                Err(e) => Err(e.to_string()),
            },
        ),
    })
}
