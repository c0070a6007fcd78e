//! A merchant's notify endpoint on loopback, as a merchant would write it with paywire:
//! every notification is verified with the gateway's verifier, applied once through the
//! replay guard, and acknowledged the way the gateway expects. For soak tests it can
//! fail deliveries on purpose: HTTP 500 before or after applying, an answer slower than
//! the gateway waits, or a connection dropped mid-answer.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use http::StatusCode;
use paywire::wechat_v3::PlatformKeys;
use paywire::{MemoryReplayGuard, ReplayGuard, Secret, VerifyError};
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use paywire_sandbox::{Gateway, SandboxConfig};
use std::collections::HashMap;
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

/// How the merchant behaves.
#[derive(Clone)]
pub struct MerchantOptions {
    /// Fail the first this many deliveries with HTTP 500, whatever the rate.
    pub fail_first: u32,
    /// Fail this fraction of deliveries, choosing among the fault modes.
    pub fail_rate: f64,
    /// Seed of the fault choices, so a run can be repeated.
    pub seed: u64,
    /// How long a "slow" answer takes (longer than the gateway waits).
    pub hang: Duration,
    /// The replay guard payments are applied through.
    pub guard: Arc<dyn ReplayGuard>,
}

impl Default for MerchantOptions {
    fn default() -> Self {
        MerchantOptions {
            fail_first: 0,
            fail_rate: 0.0,
            seed: 1,
            hang: Duration::from_millis(600),
            guard: Arc::new(MemoryReplayGuard::default()),
        }
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

#[derive(Clone, Copy)]
enum Fault {
    /// 500 without looking at the notification.
    Before,
    /// Apply, then answer 500.
    After,
    /// Apply, then answer later than the gateway waits.
    Slow,
    /// Apply, then drop the connection mid-answer.
    Drop,
}

struct MerchantState {
    keys: MerchantKeys,
    options: MerchantOptions,
    rng: Mutex<u64>,
    /// How many times each payment was applied (more than once would be a bug).
    applied: Mutex<HashMap<(Gateway, String), (Applied, u32)>>,
    refused: Mutex<Vec<String>>,
    fail_first: AtomicU32,
}

impl MerchantState {
    fn fault(&self) -> Option<Fault> {
        if self
            .fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Some(Fault::Before);
        }
        if self.options.fail_rate <= 0.0 {
            return None;
        }
        // xorshift64*: deterministic for a seed, good enough to pick faults.
        let mut state = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        let draw = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        let unit = (draw >> 11) as f64 / (1u64 << 53) as f64;
        let mode = match draw % 4 {
            0 => Fault::Before,
            1 => Fault::After,
            2 => Fault::Slow,
            _ => Fault::Drop,
        };
        (unit < self.options.fail_rate).then_some(mode)
    }

    fn record(&self, applied: Applied) {
        let mut map = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry((applied.gateway, applied.out_trade_no.clone()))
            .or_insert((applied, 0));
        entry.1 += 1;
    }
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

/// Verifies and applies; the answer a correct merchant gives.
fn handle(state: &MerchantState, gateway: Gateway, headers: &HeaderMap, body: &[u8]) -> Response {
    let keys = &state.keys;
    let guard = state.options.guard.as_ref();
    let result: Result<Applied, VerifyError> = match gateway {
        Gateway::Swiftpass => swiftpass::verify_notification(
            body,
            &swiftpass::VerifyKey::Md5(keys.swiftpass.clone()),
            guard,
        )
        .map(|v| Applied {
            gateway,
            out_trade_no: v.value.out_trade_no.unwrap_or_default(),
            amount_fen: v.value.total_fee.map_or(0, |f| f.get()),
        }),
        Gateway::Weidoufu => {
            weidoufu::verify_notification(body, &keys.weidoufu, guard).map(|v| Applied {
                gateway,
                out_trade_no: v.value.out_order_no,
                amount_fen: v.value.total_fee.get(),
            })
        }
        Gateway::Xorpay => {
            xorpay::verify_notification(body, &keys.xorpay, guard).map(|v| Applied {
                gateway,
                out_trade_no: v.value.order_id,
                amount_fen: v.value.pay_price.fen().get(),
            })
        }
        Gateway::WechatGlobal => {
            let now = paywire_sandbox::state::unix_now();
            wechat_global::open_notification(
                &keys.wechat_platform,
                headers,
                body,
                now,
                &keys.apiv3,
                guard,
            )
            .map(|(_, t)| Applied {
                gateway,
                out_trade_no: t.out_trade_no,
                amount_fen: 0,
            })
        }
        Gateway::Feat => {
            return (StatusCode::NOT_FOUND, "featapi sends no notification").into_response()
        }
    };
    let ack = match gateway {
        Gateway::Swiftpass => swiftpass::NOTIFY_ACK,
        Gateway::Weidoufu => weidoufu::NOTIFY_ACK,
        Gateway::Xorpay => xorpay::NOTIFY_ACK,
        _ => "",
    };
    match result {
        Ok(applied) => {
            state.record(applied);
            (StatusCode::OK, ack).into_response()
        }
        // Seen before: acknowledge, do not apply again.
        Err(VerifyError::Replayed { .. }) => (StatusCode::OK, ack).into_response(),
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
    let fault = state.fault();
    if let Some(Fault::Before) = fault {
        return (StatusCode::INTERNAL_SERVER_ERROR, "temporarily down").into_response();
    }
    // A shared guard (Redis) blocks; keep it off the async workers.
    let answer = tokio::task::block_in_place(|| handle(&state, gateway, &headers, &body));
    match fault {
        Some(Fault::After) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "failed after applying").into_response()
        }
        Some(Fault::Slow) => {
            tokio::time::sleep(state.options.hang).await;
            answer
        }
        // A body that fails after its first chunk: the server aborts the connection
        // mid-answer, and the gateway sees a truncated response.
        Some(Fault::Drop) => {
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
        _ => answer,
    }
}

impl Merchant {
    /// Starts the endpoint on a free loopback port; it fails the first `fail_first`
    /// deliveries with HTTP 500.
    pub async fn start(keys: MerchantKeys, fail_first: u32) -> std::io::Result<Merchant> {
        Merchant::start_with(
            keys,
            MerchantOptions {
                fail_first,
                ..MerchantOptions::default()
            },
        )
        .await
    }

    /// Starts the endpoint with explicit options.
    pub async fn start_with(
        keys: MerchantKeys,
        options: MerchantOptions,
    ) -> std::io::Result<Merchant> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(MerchantState {
            keys,
            rng: Mutex::new(options.seed.max(1)),
            fail_first: AtomicU32::new(options.fail_first),
            options,
            applied: Mutex::new(HashMap::new()),
            refused: Mutex::new(Vec::new()),
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

    /// Payments applied so far (each once).
    pub fn applied(&self) -> Vec<Applied> {
        self.state
            .applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// Payments applied more than once (a correct merchant has none).
    pub fn applied_twice(&self) -> usize {
        self.state
            .applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|(_, n)| *n > 1)
            .count()
    }

    /// Notifications refused so far, with the reason.
    pub fn refused(&self) -> Vec<String> {
        self.state
            .refused
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether the payment of `out_trade_no` was applied.
    pub fn is_applied(&self, gateway: Gateway, out_trade_no: &str) -> bool {
        self.state
            .applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&(gateway, out_trade_no.to_owned()))
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
                .state
                .applied
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&(gateway, out_trade_no.to_owned()))
                .map(|(a, _)| a.clone());
            if found.is_some() || tokio::time::Instant::now() >= deadline {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
