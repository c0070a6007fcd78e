//! Ending a refund a gateway holds in progress ([`crate::SandboxConfig::hold_refunds`]):
//! done (the money back with the payer) or closed (no money went back, its room free
//! again), then notified as the gateway notifies a refund's end.

use crate::lifecycle::{self, RefundStatus, Settling};
use crate::redeliver::{self, Copies};
use crate::state::{Gateway, Refund};
use crate::App;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use std::sync::Arc;

/// Why a refund could not be ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndRefundError {
    /// No order of the gateway holds a refund under this number.
    #[error("no refund {refund} at {gateway}")]
    Unknown {
        /// The gateway's id.
        gateway: &'static str,
        /// The merchant's refund number.
        refund: String,
    },
    /// The refund is not in progress: it ended before, or was made at once.
    #[error("refund {} is not in progress: it is {:?}", .0.out_refund_no, .0.status)]
    NotInProgress(Box<Refund>),
    /// A refund ends done or closed, nothing else.
    #[error("a refund ends as success or closed, not {0:?}")]
    NotAnEnd(RefundStatus),
}

/// Ends refund `out_refund_no` of a `gateway` order as `end` and sends the gateway's
/// notification of it to the URL the refund named, if any.
pub fn end_refund(
    app: &App,
    gateway: Gateway,
    out_refund_no: &str,
    end: RefundStatus,
) -> Result<Refund, EndRefundError> {
    if end == RefundStatus::Processing {
        return Err(EndRefundError::NotAnEnd(end));
    }
    match lifecycle::settle_refund(&app.orders, gateway, out_refund_no, end) {
        Some(Settling::Settled(order, refund)) => {
            let notify = crate::gateways::simulator(gateway).and_then(|s| s.refund_end);
            if let (Some(notify), Some(url)) = (notify, refund.notify_url.clone()) {
                notify(app, &order, &refund, url);
            }
            Ok(refund)
        }
        Some(Settling::NotProcessing(refund)) => {
            Err(EndRefundError::NotInProgress(Box::new(refund)))
        }
        None => Err(EndRefundError::Unknown {
            gateway: gateway.name(),
            refund: out_refund_no.to_owned(),
        }),
    }
}

/// `POST /_sandbox/{gateway}/refunds/{out_refund_no}/succeed` (or `/close`): the refund
/// as it stands now; 404 for an unknown gateway, refund or end, 409 for a refund not in
/// progress. `/notify?copies=N` sends an ended refund's notification again
/// ([`redeliver::notify_refund`]).
pub async fn route(
    State(app): State<Arc<App>>,
    Path((gateway, out_refund_no, end)): Path<(String, String, String)>,
    Query(copies): Query<Copies>,
) -> Response {
    let Some(gateway) = Gateway::named(&gateway) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let end = match end.as_str() {
        "succeed" => RefundStatus::Success,
        "close" => RefundStatus::Closed,
        "notify" => return redeliver::refund_route(&app, gateway, &out_refund_no, &copies),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match end_refund(&app, gateway, &out_refund_no, end) {
        Ok(refund) => axum::Json(refund).into_response(),
        Err(e) => {
            let status = match e {
                EndRefundError::NotInProgress(_) => StatusCode::CONFLICT,
                _ => StatusCode::NOT_FOUND,
            };
            let body = serde_json::json!({"error": e.to_string()});
            (status, axum::Json(body)).into_response()
        }
    }
}
