//! Notifications sent again on request. A gateway may deliver a notification its
//! merchant acknowledged once more, or several copies of it at once (WeChat Pay's
//! documents say the same notification can arrive several times); a merchant's books must
//! write it once however the copies arrive. Each copy is delivered and retried like the
//! first delivery, and recorded in the order's deliveries.

use crate::lifecycle::RefundStatus;
use crate::state::{Gateway, Order, Refund};
use crate::{gateways, order_named, App, PayError};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use std::sync::Arc;

/// The most copies one request sends.
pub const MAX_COPIES: u32 = 100;

/// The most notifications waiting for delivery (queued, being attempted or waiting for
/// the next attempt) that a request for copies may leave: copies never take the
/// deliveries waiting past this, however often they are asked for while a merchant does
/// not answer.
pub const MAX_WAITING: usize = 10_000;

/// Why a notification was not sent again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyAgainError {
    /// The order is unknown, or its number is ambiguous.
    #[error(transparent)]
    Order(#[from] PayError),
    /// The order is not paid: no payment to notify.
    #[error("order {0} is not paid: there is no payment to notify")]
    NotPaid(String),
    /// The gateway notifies nothing, or the order (or refund) named no `notify_url`.
    #[error("{0} has no notification to send: its gateway sends none, or it named no notify_url")]
    NoNotification(String),
    /// No refund of the gateway has this number.
    #[error("no refund {refund} at {gateway}")]
    UnknownRefund {
        /// The gateway's id.
        gateway: &'static str,
        /// The merchant's refund number.
        refund: String,
    },
    /// The refund is still in progress: its end has not been notified yet.
    #[error("refund {0} is still in progress: end it first (succeed or close)")]
    RefundInProgress(String),
    /// Copies out of range.
    #[error("copies: from 1 to {MAX_COPIES}, not {0}")]
    Copies(u32),
    /// So many notifications are waiting for delivery that these copies would pass
    /// [`MAX_WAITING`].
    #[error("{waiting} notifications are waiting for delivery (at most {MAX_WAITING}): ask again once the merchant has answered some")]
    TooManyWaiting {
        /// Notifications waiting now.
        waiting: usize,
    },
}

impl NotifyAgainError {
    /// 404 for what is not there, 400 for a bad count, 409 for what has nothing to send.
    fn status(&self) -> StatusCode {
        match self {
            NotifyAgainError::Order(PayError::Unknown(_))
            | NotifyAgainError::UnknownRefund { .. } => StatusCode::NOT_FOUND,
            NotifyAgainError::Copies(_) => StatusCode::BAD_REQUEST,
            NotifyAgainError::TooManyWaiting { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::CONFLICT,
        }
    }
}

/// Whether `copies` more may be queued at `app`; the caller holds `app.copies` until
/// they are.
fn check_copies(app: &App, copies: u32) -> Result<(), NotifyAgainError> {
    if !(1..=MAX_COPIES).contains(&copies) {
        return Err(NotifyAgainError::Copies(copies));
    }
    let waiting = app.deliveries.pending();
    if waiting + copies as usize > MAX_WAITING {
        return Err(NotifyAgainError::TooManyWaiting { waiting });
    }
    Ok(())
}

/// Sends the payment notification of the paid order `key` names (a sandbox id or a
/// merchant number) `copies` times at once, as its gateway first sent it.
pub fn notify_order(app: &App, key: &str, copies: u32) -> Result<Order, NotifyAgainError> {
    let _counting = app.copies.lock().unwrap_or_else(|p| p.into_inner());
    check_copies(app, copies)?;
    let order = order_named(app, key)?;
    if !order.paid {
        return Err(NotifyAgainError::NotPaid(key.to_owned()));
    }
    let outgoing = gateways::simulator(order.gateway)
        .and_then(|s| (s.notification)(app, &order))
        .ok_or_else(|| NotifyAgainError::NoNotification(format!("order {key}")))?;
    app.deliveries
        .send_copies(order.id.clone(), outgoing, copies);
    Ok(order)
}

/// Sends the notification of refund `out_refund_no`'s end (its success, or its close)
/// `copies` times at once.
pub fn notify_refund(
    app: &App,
    gateway: Gateway,
    out_refund_no: &str,
    copies: u32,
) -> Result<Refund, NotifyAgainError> {
    let _counting = app.copies.lock().unwrap_or_else(|p| p.into_inner());
    check_copies(app, copies)?;
    let (order, refund) = app
        .orders
        .refund_numbered(gateway, out_refund_no)
        .ok_or_else(|| NotifyAgainError::UnknownRefund {
            gateway: gateway.name(),
            refund: out_refund_no.to_owned(),
        })?;
    if refund.status == RefundStatus::Processing {
        return Err(NotifyAgainError::RefundInProgress(out_refund_no.to_owned()));
    }
    let notify = gateways::simulator(gateway).and_then(|s| s.refund_end);
    let (Some(notify), Some(url)) = (notify, refund.notify_url.clone()) else {
        return Err(NotifyAgainError::NoNotification(format!(
            "refund {out_refund_no}"
        )));
    };
    for _ in 0..copies {
        notify(app, &order, &refund, url.clone());
    }
    Ok(refund)
}

/// `?copies=N`: how many copies to send at once (1 unless given); `&redirect=1` answers
/// with a redirect to the cashier page (its Notify again button).
#[derive(serde::Deserialize)]
pub struct Copies {
    copies: Option<u32>,
    redirect: Option<String>,
}

impl Copies {
    /// The count asked for, 1 by default.
    pub fn count(&self) -> u32 {
        self.copies.unwrap_or(1)
    }
}

fn answer<T: serde::Serialize>(result: Result<T, NotifyAgainError>) -> Response {
    match result {
        Ok(sent) => axum::Json(sent).into_response(),
        Err(e) => {
            let body = serde_json::json!({"error": e.to_string()});
            (e.status(), axum::Json(body)).into_response()
        }
    }
}

/// `POST /_sandbox/orders/{key}/notify?copies=N`: the order as it stands.
pub async fn order_route(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    Query(copies): Query<Copies>,
) -> Response {
    let sent = notify_order(&app, &key, copies.count());
    if sent.is_ok() && copies.redirect.is_some() {
        return axum::response::Redirect::to("/").into_response();
    }
    answer(sent)
}

/// `POST /_sandbox/{gateway}/refunds/{out_refund_no}/notify?copies=N`: the refund as it
/// stands.
pub fn refund_route(app: &App, gateway: Gateway, out_refund_no: &str, copies: &Copies) -> Response {
    answer(notify_refund(app, gateway, out_refund_no, copies.count()))
}
