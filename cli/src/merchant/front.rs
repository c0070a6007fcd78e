//! The merchant's front: the load balancer before its instances, and the faults drawn
//! around each delivery (a 500 before verifying or after applying, an answer slower than
//! the gateway waits, a connection dropped mid-answer).

use super::database::Database;
use super::faults::{Draw, Fault};
use super::lock;
use super::shop::Books;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::StatusCode;
use paywire_providers::GATEWAYS;
use paywire_sandbox::Gateway;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

pub struct Front {
    pub(super) books: Arc<Books>,
    pub(super) database: Option<Database>,
    pub(super) instances: Vec<(Router, Draw)>,
    pub(super) next: AtomicUsize,
    pub(super) hang: Duration,
    pub(super) fail_first: AtomicU32,
    pub(super) refused: Mutex<Vec<String>>,
    pub(super) refused_after_verifying: AtomicU64,
    pub(super) unavailable: AtomicU64,
    /// The last notification body received per gateway (for `demo --verbose`).
    pub(super) last: Mutex<HashMap<Gateway, Vec<u8>>>,
}

impl Front {
    fn fault(&self, draw: &Draw) -> Option<Fault> {
        if self
            .fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Some(Fault::Before);
        }
        draw.next()
    }

    fn count(&self, fault: Fault) {
        lock(&self.books.faults).count(fault);
    }
}

/// A body that fails after its first chunk: the server aborts the connection mid-answer,
/// and the gateway sees a truncated response.
fn dropped_connection() -> Response {
    let chunks = vec![
        Ok(Bytes::from_static(b"succ")),
        Err(std::io::Error::other("connection dropped")),
    ];
    (
        StatusCode::OK,
        Body::from_stream(futures_util::stream::iter(chunks)),
    )
        .into_response()
}

pub async fn notify(
    State(front): State<Arc<Front>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(gateway) = Gateway::named(&name) else {
        return (StatusCode::NOT_FOUND, "unknown gateway").into_response();
    };
    lock(&front.last).insert(gateway, body.to_vec());
    if GATEWAYS.gateway(&name).and_then(|g| g.receiver).is_none() {
        return (StatusCode::NOT_FOUND, "this gateway sends no notification").into_response();
    }
    // The load balancer: deliveries spread over the instances in turn.
    let index = front.next.fetch_add(1, Ordering::Relaxed) % front.instances.len();
    let (router, draw) = &front.instances[index];
    let fault = front.fault(draw);
    if let Some(Fault::Before) = fault {
        front.count(Fault::Before);
        return (StatusCode::INTERNAL_SERVER_ERROR, "temporarily down").into_response();
    }
    let mut request = http::Request::post(format!("/{name}"));
    if let Some(h) = request.headers_mut() {
        *h = headers;
    }
    let Ok(request) = request.body(Body::from(body)) else {
        return (StatusCode::BAD_REQUEST, "unreadable request").into_response();
    };
    let Ok(answer) = router.clone().oneshot(request).await;
    let status = answer.status();
    if status != StatusCode::OK {
        let (parts, body) = answer.into_parts();
        let text = axum::body::to_bytes(body, 64 * 1024)
            .await
            .unwrap_or_default();
        let reason = String::from_utf8_lossy(&text).into_owned();
        match status {
            StatusCode::BAD_REQUEST => {
                front
                    .refused_after_verifying
                    .fetch_add(1, Ordering::Relaxed);
                lock(&front.refused).push(format!("{name}: {reason}"));
            }
            StatusCode::UNAUTHORIZED => lock(&front.refused).push(format!("{name}: {reason}")),
            StatusCode::SERVICE_UNAVAILABLE => {
                front.unavailable.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
        return Response::from_parts(parts, Body::from(text));
    }
    match fault {
        Some(f @ Fault::After) => {
            front.count(f);
            (StatusCode::INTERNAL_SERVER_ERROR, "failed after applying").into_response()
        }
        Some(f @ Fault::Slow) => {
            front.count(f);
            tokio::time::sleep(front.hang).await;
            answer
        }
        Some(f @ Fault::Drop) => {
            front.count(f);
            dropped_connection()
        }
        _ => answer,
    }
}
