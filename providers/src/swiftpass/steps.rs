//! SwiftPass's steps after the order, for the demo: `unified.trade.query`,
//! `unified.trade.refund`, `unified.trade.refundquery` and `unified.trade.close`, signed
//! with the MD5 key and posted to the same gateway URL as the order.

use crate::registry::{Found, Lifecycle, Step, Stepping};
use crate::swiftpass::{self, SwiftpassError, TradeState, VerifyKey};
use paywire::sign::SignTypeKey;
use paywire::{Fen, FieldAccess, PayRequest, PayResponse};

/// The steps.
pub const LIFECYCLE: Lifecycle = Lifecycle {
    query,
    refund,
    refunds: Some(refunds),
    close: Some(close),
    refund_numbered: true,
    refund_notification: false,
};

/// The demo's merchant signs MD5: its key signs the request and checks the answer.
fn key(step: &Step<'_>) -> Result<paywire::Secret, String> {
    step.credentials
        .key
        .clone()
        .ok_or_else(|| "swiftpass needs --key (MD5)".to_owned())
}

fn mch_id(step: &Step<'_>) -> Result<String, String> {
    step.credentials
        .merchant_id
        .clone()
        .ok_or_else(|| "swiftpass needs --mchid (the mch_id)".to_owned())
}

/// A nonce unique enough for a step: the order number and the step.
fn nonce(step: &Step<'_>, what: &str) -> String {
    paywire::sign::md5_hex(
        format!("{}:{what}", step.order_number).as_bytes(),
        paywire::schema::HexCase::Lower,
    )
}

/// Signs and posts `request`; its answer, read as `A`, becomes what `found` says, and a
/// verified refusal becomes [`Found::Refused`].
fn stepping<R, A>(step: &Step<'_>, request: &R, found: fn(A) -> Found) -> Result<Stepping, String>
where
    R: PayRequest<Key = SignTypeKey>,
    A: PayResponse + FieldAccess + 'static,
{
    let key = key(step)?;
    let request =
        swiftpass::lifecycle_request(step.base_url, request, &SignTypeKey::Md5(key.clone()))
            .map_err(|e| e.to_string())?;
    Ok(Stepping {
        request,
        read: Box::new(move |answer| {
            match swiftpass::read_answer::<A>(answer.body(), &VerifyKey::Md5(key)) {
                Ok(verified) => Ok(found(verified.value)),
                Err(refused @ SwiftpassError::Refused { .. }) => {
                    Ok(Found::Refused(refused.to_string()))
                }
                Err(e) => Err(e.to_string()),
            }
        }),
    })
}

fn query(step: &Step<'_>) -> Result<Stepping, String> {
    let query = swiftpass::TradeQuery {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: mch_id(step)?,
        out_trade_no: Some(step.order_number.to_owned()),
        transaction_id: None,
        nonce_str: nonce(step, "query"),
    };
    stepping(
        step,
        &query,
        |answer: swiftpass::TradeQueryAnswer| match answer.trade_state {
            Some(TradeState::Success | TradeState::Refund) => Found::Paid(answer.payment()),
            Some(TradeState::Closed | TradeState::Revok) => Found::Closed,
            _ => Found::NotPaid,
        },
    )
}

fn refund(step: &Step<'_>, refund_no: &str, amount: Fen) -> Result<Stepping, String> {
    let mch_id = mch_id(step)?;
    let refund = swiftpass::TradeRefund {
        version: None,
        charset: None,
        sign_type: None,
        op_user_id: swiftpass::TradeRefund::operator(&mch_id),
        mch_id,
        out_trade_no: Some(step.order_number.to_owned()),
        transaction_id: None,
        out_refund_no: refund_no.to_owned(),
        total_fee: step.paid,
        refund_fee: amount,
        refund_channel: None,
        nonce_str: nonce(step, refund_no),
    };
    stepping(step, &refund, |_: swiftpass::TradeRefundAnswer| {
        Found::Accepted
    })
}

fn refunds(step: &Step<'_>) -> Result<Stepping, String> {
    let query = swiftpass::RefundQuery {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: mch_id(step)?,
        refund_id: None,
        out_refund_no: None,
        transaction_id: None,
        out_trade_no: Some(step.order_number.to_owned()),
        nonce_str: nonce(step, "refunds"),
    };
    stepping(
        step,
        &query,
        |answer: swiftpass::RefundQueryAnswer| match answer.refunded() {
            Some(total) => Found::Refunded(Fen::new(total)),
            None => Found::Refused("the refunds add up past what an amount holds".into()),
        },
    )
}

fn close(step: &Step<'_>) -> Result<Stepping, String> {
    let close = swiftpass::TradeClose {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: mch_id(step)?,
        out_trade_no: step.order_number.to_owned(),
        nonce_str: nonce(step, "close"),
    };
    stepping(step, &close, |_: swiftpass::TradeCloseAnswer| {
        Found::Accepted
    })
}
