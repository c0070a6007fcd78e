//! paywire's HTTP client against real loopback servers: a pay call is repeated only when
//! the gateway says so, timeouts and oversized answers are errors, and featapi's token
//! source fetches a token from the sandbox.

use paywire::client::{Client, ClientOptions, TransportError};
use paywire::keys::MerchantKey;
use paywire::Secret;
use paywire_providers::feat::{ClientCredentials, TokenSource};
use paywire_providers::wechat::v3::{MerchantSigner, PlatformKeys};
use paywire_providers::{feat, wechat_global};
use paywire_sandbox::state::unix_now;
use paywire_sandbox::FaultConfig;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

async fn sandbox(system_errors: u32) -> Sandbox {
    let config = SandboxConfig {
        faults: FaultConfig {
            wechat_global_system_errors: system_errors,
            ..FaultConfig::default()
        },
        ..SandboxConfig::default()
    };
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn order_and_signer(
    sandbox: &Sandbox,
    out_trade_no: &str,
) -> (wechat_global::JsapiOrder, MerchantSigner) {
    let config = sandbox.config();
    let mut order = paywire_providers::wechat_global::sample_direct();
    // The sandbox delivers to loopback only (nothing listens on port 9).
    order.notify_url = "http://127.0.0.1:9/notify".into();
    order.mchid = Some(config.wechat_global.mchid.clone());
    order.out_trade_no = out_trade_no.into();
    let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    (
        order,
        MerchantSigner::new(
            &config.wechat_global.mchid,
            &config.wechat_global.merchant_serial,
            key,
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_error_is_repeated_with_a_fresh_signature_and_other_errors_are_not() {
    let sandbox = sandbox(2).await;
    let (order, signer) = order_and_signer(&sandbox, "REPEAT0001");
    let base = sandbox.base_url(Gateway::WECHAT_GLOBAL);
    let calls = AtomicU32::new(0);
    let make = || {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        paywire_providers::wechat_global::request(
            &base,
            &order,
            &signer,
            unix_now(),
            &format!("nonce{n}"),
        )
    };
    let client = Client::new().unwrap();
    let answer = client
        .send_repeatable(make, wechat_global::may_repeat, 5)
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two SYSTEM_ERRORs, then the order"
    );
    let mut platform = PlatformKeys::new();
    platform
        .add_certificate_pem(&sandbox.config().wechat_global.platform_certificate_pem)
        .unwrap();
    wechat_global::read_answer(&platform, 200, answer.headers(), answer.body(), unix_now())
        .unwrap();

    // OUT_TRADE_NO_USED is final: one call only.
    let mut changed = order.clone();
    changed.amount.total = 99;
    let calls = AtomicU32::new(0);
    let make = || {
        calls.fetch_add(1, Ordering::SeqCst);
        paywire_providers::wechat_global::request(&base, &changed, &signer, unix_now(), "other")
    };
    let answer = client
        .send_repeatable(make, wechat_global::may_repeat, 5)
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeating_stops_at_the_attempt_limit() {
    let sandbox = sandbox(10).await;
    let (order, signer) = order_and_signer(&sandbox, "REPEAT0002");
    let base = sandbox.base_url(Gateway::WECHAT_GLOBAL);
    let client = Client::new().unwrap();
    let make =
        || paywire_providers::wechat_global::request(&base, &order, &signer, unix_now(), "n");
    let answer = client
        .send_repeatable(make, wechat_global::may_repeat, 3)
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        500,
        "the last SYSTEM_ERROR is returned after 3 calls"
    );
}

/// A server on loopback that accepts one connection and answers with `reply` after
/// `delay` (or never, for `None`).
fn one_shot_server(reply: Option<Vec<u8>>, delay: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            std::thread::sleep(delay);
            if let Some(reply) = reply {
                let _ = stream.write_all(&reply);
            }
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_oversized_answers_are_errors() {
    let options = ClientOptions {
        timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    };
    let client = Client::with_options(options).unwrap();
    let silent = one_shot_server(None, Duration::from_secs(2));
    let request = http::Request::post(format!("{silent}/pay"))
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        client.send(request).await,
        Err(TransportError::Timeout(_))
    ));

    let big = format!(
        "HTTP/1.1 200 OK\r\ncontent-length: 400000\r\n\r\n{}",
        "a".repeat(400_000)
    )
    .into_bytes();
    let server = one_shot_server(Some(big), Duration::ZERO);
    let request = http::Request::post(format!("{server}/pay"))
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        Client::new().unwrap().send(request).await,
        Err(TransportError::TooLarge { limit: 262_144 })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feat_token_source_fetches_from_the_sandbox_and_the_pay_call_uses_it() {
    let sandbox = sandbox(0).await;
    let config = sandbox.config().clone();
    let base = sandbox.base_url(Gateway::FEAT);
    let client = Client::new().unwrap();
    let source = ClientCredentials::new(
        client.clone(),
        &base,
        &config.feat.client_id,
        Secret::new(config.feat.client_secret.as_str()),
    );
    let token = source.token().await.unwrap();
    assert_eq!(token.expose(), config.feat.access_token);
    assert_eq!(
        source.token().await.unwrap().expose(),
        token.expose(),
        "cached"
    );
    let order = paywire_providers::feat::sample();
    let answer = client
        .send(paywire_providers::feat::request(&base, &order, &token).unwrap())
        .await
        .unwrap();
    assert!(matches!(
        feat::read_answer(&order, answer.status().as_u16(), answer.body()).unwrap(),
        feat::PayResult::Native(_)
    ));
    let wrong = ClientCredentials::new(client, &base, "intruder", Secret::new("guess"));
    match wrong.token().await.unwrap_err() {
        feat::FeatError::OAuth { status: 401, error } => {
            assert_eq!(error.error, feat::OAuthErrorCode::InvalidClient)
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_that_claims_to_live_for_ever_is_cached_a_day_without_a_panic() {
    // A token endpoint on loopback that answers every call with expires_in = u64::MAX
    // (the caching source used to add that to Instant::now() and panic).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let calls = std::sync::Arc::new(AtomicU32::new(0));
    let counter = calls.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let _ = stream.read(&mut [0u8; 4096]);
            let body = format!(
                r#"{{"access_token":"forever","token_type":"Bearer","expires_in":{}}}"#,
                u64::MAX
            );
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let source = ClientCredentials::new(Client::new().unwrap(), &base, "id", Secret::new("s"));
    assert_eq!(source.token().await.unwrap().expose(), "forever");
    assert_eq!(source.token().await.unwrap().expose(), "forever");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "cached, not fetched again");
}

#[test]
fn a_request_printed_with_debug_hides_its_authorization_header() {
    let token = Secret::new("tok-3f9a-do-not-print");
    let order = paywire_providers::feat::sample();
    let request =
        paywire_providers::feat::request("http://127.0.0.1:9/feat", &order, &token).unwrap();
    let printed = format!("{request:?}");
    assert!(!printed.contains("tok-3f9a-do-not-print"), "{printed}");
    assert!(printed.contains("Sensitive"), "{printed}");
    // The header itself still carries the token for the client to send.
    let sent = request.headers()[http::header::AUTHORIZATION]
        .to_str()
        .unwrap();
    assert_eq!(sent, "Bearer tok-3f9a-do-not-print");
}
