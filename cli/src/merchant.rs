//! A merchant's notify endpoint on loopback, as a merchant would write it with paywire:
//! every notification is verified with the gateway's verifier, applied once through the
//! replay guard, and acknowledged the way the gateway expects. It can be told to fail
//! the first deliveries, to exercise the gateways' retries.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http::StatusCode;
use paywire::wechat_v3::PlatformKeys;
use paywire::{MemoryReplayGuard, Secret, VerifyError};
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use paywire_sandbox::{Gateway, SandboxConfig};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The keys a merchant verifies notifications with.
pub struct MerchantKeys {
    swiftpass: Secret,
    weidoufu: Secret,
    xorpay: Secret,
    wechat_platform: PlatformKeys,
    apiv3: Secret,
}

impl MerchantKeys {
    /// The keys that match a sandbox configuration.
    pub fn for_sandbox(config: &SandboxConfig) -> Result<Self, String> {
        let mut wechat_platform = PlatformKeys::new();
        wechat_platform
            .add_certificate_pem(&config.wechat_global.platform_certificate_pem)
            .map_err(|e| e.to_string())?;
        Ok(MerchantKeys {
            swiftpass: Secret::new(config.swiftpass.key.as_str()),
            weidoufu: Secret::new(config.weidoufu.secret_key.as_str()),
            xorpay: Secret::new(config.xorpay.app_secret.as_str()),
            wechat_platform,
            apiv3: Secret::new(config.wechat_global.apiv3_key.as_str()),
        })
    }
}

/// One payment the merchant applied after verifying its notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The gateway.
    pub gateway: Gateway,
    /// The merchant's order number.
    pub out_trade_no: String,
    /// The amount paid, in fen.
    pub amount_fen: u64,
}

struct MerchantState {
    keys: MerchantKeys,
    guard: MemoryReplayGuard,
    applied: Mutex<Vec<Applied>>,
    refused: Mutex<Vec<String>>,
    fail_first: AtomicU32,
}

/// A running merchant notify endpoint.
pub struct Merchant {
    addr: SocketAddr,
    state: Arc<MerchantState>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

fn gateway_of(name: &str) -> Option<Gateway> {
    [
        Gateway::Feat,
        Gateway::Weidoufu,
        Gateway::Swiftpass,
        Gateway::WechatGlobal,
        Gateway::Xorpay,
    ]
    .into_iter()
    .find(|g| g.name() == name)
}

/// Applies a verified payment once; a replay is acknowledged without applying it again.
fn outcome<T>(
    state: &MerchantState,
    gateway: Gateway,
    result: Result<T, VerifyError>,
    applied: impl FnOnce(T) -> Applied,
    ack: (StatusCode, &'static str),
) -> Response {
    match result {
        Ok(value) => {
            state
                .applied
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(applied(value));
            ack.into_response()
        }
        Err(VerifyError::Replayed { .. }) => ack.into_response(),
        // The guard cannot tell: neither apply nor acknowledge; the gateway retries.
        Err(VerifyError::Guard(e)) => {
            (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response()
        }
        Err(e) => {
            state
                .refused
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("{}: {e}", gateway.name()));
            let status = if e.is_malformed() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNAUTHORIZED
            };
            (status, "refused").into_response()
        }
    }
}

async fn notify(
    State(state): State<Arc<MerchantState>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(gateway) = gateway_of(&name) else {
        return (StatusCode::NOT_FOUND, "unknown gateway").into_response();
    };
    // Fault injection: fail while the counter lasts, as a merchant that is down would.
    if state
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "temporarily down").into_response();
    }
    let keys = &state.keys;
    let guard = &state.guard;
    match gateway {
        Gateway::Swiftpass => {
            let key = swiftpass::VerifyKey::Md5(keys.swiftpass.clone());
            let result = swiftpass::verify_notification(&body, &key, guard);
            outcome(
                &state,
                gateway,
                result,
                |v| Applied {
                    gateway,
                    out_trade_no: v.value.out_trade_no.unwrap_or_default(),
                    amount_fen: v.value.total_fee.map_or(0, |f| f.get()),
                },
                (StatusCode::OK, swiftpass::NOTIFY_ACK),
            )
        }
        Gateway::Weidoufu => {
            let result = weidoufu::verify_notification(&body, &keys.weidoufu, guard);
            outcome(
                &state,
                gateway,
                result,
                |v| Applied {
                    gateway,
                    out_trade_no: v.value.out_order_no,
                    amount_fen: v.value.total_fee.get(),
                },
                (StatusCode::OK, weidoufu::NOTIFY_ACK),
            )
        }
        Gateway::Xorpay => {
            let result = xorpay::verify_notification(&body, &keys.xorpay, guard);
            outcome(
                &state,
                gateway,
                result,
                |v| Applied {
                    gateway,
                    out_trade_no: v.value.order_id,
                    amount_fen: v.value.pay_price.fen().get(),
                },
                (StatusCode::OK, xorpay::NOTIFY_ACK),
            )
        }
        Gateway::WechatGlobal => {
            let now = paywire_sandbox::state::unix_now();
            let result = wechat_global::open_notification(
                &keys.wechat_platform,
                &headers,
                &body,
                now,
                &keys.apiv3,
                guard,
            );
            outcome(
                &state,
                gateway,
                result,
                |(_, transaction)| Applied {
                    gateway,
                    out_trade_no: transaction.out_trade_no,
                    amount_fen: 0,
                },
                (StatusCode::OK, ""),
            )
        }
        Gateway::Feat => (StatusCode::NOT_FOUND, "featapi sends no notification").into_response(),
    }
}

impl Merchant {
    /// Starts the endpoint on a free loopback port; it fails the first `fail_first`
    /// deliveries with HTTP 500.
    pub async fn start(keys: MerchantKeys, fail_first: u32) -> std::io::Result<Merchant> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(MerchantState {
            keys,
            guard: MemoryReplayGuard::default(),
            applied: Mutex::new(Vec::new()),
            refused: Mutex::new(Vec::new()),
            fail_first: AtomicU32::new(fail_first),
        });
        let app = Router::new()
            .route("/notify/{gateway}", post(notify))
            .with_state(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Merchant {
            addr,
            state,
            _shutdown: tx,
        })
    }

    /// The notify URL for a gateway.
    pub fn notify_url(&self, gateway: Gateway) -> String {
        format!("http://{}/notify/{}", self.addr, gateway.name())
    }

    /// Payments applied so far.
    pub fn applied(&self) -> Vec<Applied> {
        self.state
            .applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Notifications refused so far, with the reason.
    pub fn refused(&self) -> Vec<String> {
        self.state
            .refused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until the payment of `out_trade_no` is applied, or `timeout` passes.
    pub async fn wait_applied(
        &self,
        gateway: Gateway,
        out_trade_no: &str,
        timeout: Duration,
    ) -> Option<Applied> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found = self
                .applied()
                .into_iter()
                .find(|a| a.gateway == gateway && a.out_trade_no == out_trade_no);
            if found.is_some() || tokio::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
