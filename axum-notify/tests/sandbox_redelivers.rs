//! Notifications delivered again: each attempt of a WeChat Pay v3 notification is signed
//! when it is made (a retry hours later is not stale), and a paid order's notification
//! sent again on request, several copies at once, as gateways do, is verified every time
//! and written once.

#[path = "support/orders.rs"]
mod orders;

use axum::body::Bytes;
use axum::extract::State;
use http::{HeaderMap, StatusCode};
use paywire::client::Client;
use paywire::Secret;
use paywire_providers::wechat::v3::PlatformKeys;
use paywire_providers::wechat_global;
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a recording merchant received: when (Unix seconds), the headers and the body.
type Received = Arc<Mutex<Vec<(i64, HeaderMap, Bytes)>>>;

/// A merchant on loopback that records every delivery and answers 500 to the first
/// `refuse` of them, 200 `success` after; its notify URL.
async fn recording_merchant(refuse: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/notify",
            axum::routing::post(
                |State((received, refuse)): State<(Received, usize)>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let mut received = received.lock().unwrap();
                    received.push((unix_now(), headers, body));
                    if received.len() <= refuse {
                        (StatusCode::INTERNAL_SERVER_ERROR, "not yet")
                    } else {
                        (StatusCode::OK, "success")
                    }
                },
            ),
        )
        .with_state((received.clone(), refuse));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

async fn received_at_least(received: &Received, n: usize, within: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let count = received.lock().unwrap().len();
        if count >= n || tokio::time::Instant::now() >= deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers[name].to_str().unwrap().to_owned()
}

/// WeChat Pay signs each delivery of a notification when it makes it; a merchant refuses
/// a timestamp more than five minutes from its clock. A retry sent with the first
/// attempt's headers would be refused as stale once the retries outlast that window
/// (the configuration allows delays of up to a day), and the payment never applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_attempt_of_a_v3_notification_is_signed_when_it_is_made() {
    let (notify, received) = recording_merchant(1).await;
    let config = SandboxConfig {
        retry: RetryConfig {
            first_delay_ms: 3_000,
            ..RetryConfig::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    let placed = orders::place(
        &sandbox,
        &client,
        Gateway::WECHAT_GLOBAL,
        "RESIGN-1",
        &notify,
    )
    .await;
    sandbox.pay(&placed.number).unwrap();
    assert_eq!(
        received_at_least(&received, 2, Duration::from_secs(15)).await,
        2
    );

    let wg = &sandbox.config().wechat_global;
    let mut platform = PlatformKeys::new();
    platform
        .add_certificate_pem(&wg.platform_certificate_pem)
        .unwrap();
    let receiver = wechat_global::receiver(platform, Secret::new(wg.apiv3_key.as_str()));
    let received = received.lock().unwrap().clone();
    for (arrived, headers, body) in &received {
        receiver
            .verify(headers, body, *arrived)
            .expect("authentic when it arrives");
        let signed: i64 = header(headers, "Wechatpay-Timestamp").parse().unwrap();
        assert!(
            (arrived - signed).abs() <= 1,
            "signed at {signed}, arrived at {arrived}: a retry carries the time it is made"
        );
    }
    let (first, second) = (&received[0], &received[1]);
    assert_eq!(first.2, second.2, "the same notification");
    assert_ne!(
        header(&first.1, "Wechatpay-Nonce"),
        header(&second.1, "Wechatpay-Nonce"),
        "each attempt has a nonce of its own"
    );
}
