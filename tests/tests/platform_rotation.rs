//! WeChat Pay v3 platform key rotation against the sandbox: the certificates are
//! downloaded (signed request, encrypted certificates, signed answer), an answer signed by
//! a key the merchant does not hold yet triggers one download (at most once per
//! interval), and the answer then verifies; a download answer that was altered, or read
//! with the wrong APIv3 key, is refused.

use paywire::client::Client;
use paywire::keys::MerchantKey;
use paywire::Secret;
use paywire_providers::wechat::v3::{self as wechat_v3, MerchantSigner, PlatformKeys};
use paywire_providers::wechat_global::{self, PlatformKeysRefresh, RefreshError};
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use std::time::Duration;

fn signer(config: &SandboxConfig) -> MerchantSigner {
    let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    MerchantSigner::new(
        &config.wechat_global.mchid,
        &config.wechat_global.merchant_serial,
        key,
    )
}

/// Places an order: the answer's headers and body.
async fn place(sandbox: &Sandbox, client: &Client, n: u32) -> http::Response<Vec<u8>> {
    let config = sandbox.config();
    let mut order = paywire_providers::wechat_global::sample_direct();
    order.mchid = Some(config.wechat_global.mchid.clone());
    order.notify_url = "http://127.0.0.1:9/notify".into();
    order.out_trade_no = format!("ROT{n}{}", unix_now());
    let request = paywire_providers::wechat_global::request(
        &sandbox.base_url(Gateway::WECHAT_GLOBAL),
        &order,
        &signer(config),
        unix_now(),
        &format!("NONCE{n}"),
    )
    .unwrap();
    let answer = client.send(request).await.unwrap();
    assert_eq!(
        answer.status(),
        200,
        "{}",
        String::from_utf8_lossy(answer.body())
    );
    answer
}

fn serial_of(answer: &http::Response<Vec<u8>>) -> String {
    answer.headers()["Wechatpay-Serial"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_platform_key_is_fetched_once_and_verifies() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = sandbox.config().clone();
    let client = Client::new().unwrap();
    let apiv3 = Secret::new(config.wechat_global.apiv3_key.as_str());
    let base = sandbox.base_url(Gateway::WECHAT_GLOBAL);
    let refresh = |interval| {
        PlatformKeysRefresh::new(
            PlatformKeys::new(),
            client.clone(),
            &base,
            signer(&config),
            apiv3.clone(),
            interval,
        )
    };

    // A first download, trusting nothing yet: the answer is checked against the
    // certificates it carries, and the order's answer then verifies.
    let keys = refresh(Duration::ZERO);
    let first = place(&sandbox, &client, 1).await;
    let held = keys.keys_for(first.headers()).await.unwrap();
    assert!(held.contains(&sandbox.platform_serial()));
    wechat_global::read_answer(&held, 200, first.headers(), first.body(), unix_now()).unwrap();

    // The sandbox rotates: the next answer names a serial not held; one download adds it.
    let before = sandbox.platform_serial();
    let after = sandbox.rotate_platform_key();
    assert_ne!(before, after);
    let second = place(&sandbox, &client, 2).await;
    assert_eq!(serial_of(&second), after);
    let stale = keys.current();
    assert!(matches!(
        wechat_global::read_answer(&stale, 200, second.headers(), second.body(), unix_now()),
        Err(wechat_global::WechatGlobalError::Verify(
            paywire::VerifyError::UnknownSerial { .. }
        ))
    ));
    let held = keys.keys_for(second.headers()).await.unwrap();
    assert!(
        held.contains(&before) && held.contains(&after),
        "both kept for the switch-over"
    );
    wechat_global::read_answer(&held, 200, second.headers(), second.body(), unix_now()).unwrap();

    // With an hour between downloads, an unknown serial right after one is not fetched.
    let patient = refresh(Duration::from_secs(3600));
    patient.download().await.unwrap();
    let mut unknown = second.headers().clone();
    unknown.insert("Wechatpay-Serial", "0123456789ABCDEF".parse().unwrap());
    assert!(matches!(
        patient.keys_for(&unknown).await,
        Err(RefreshError::Unknown { .. })
    ));

    // The download answer itself: altered, or read with another APIv3 key, refused.
    let now = unix_now();
    let nonce = "CERTNONCE";
    let request =
        paywire_providers::wechat_global::certificates_request(&base, &signer(&config), now, nonce)
            .unwrap();
    let answer = client.send(request).await.unwrap();
    assert_eq!(answer.status(), 200);
    let empty = PlatformKeys::new();
    let downloaded =
        wechat_v3::read_certificates(&empty, answer.headers(), answer.body(), now, &apiv3).unwrap();
    assert_eq!(downloaded.len(), 2);
    let wrong = Secret::new("0123456789abcdef0123456789abcdef");
    assert!(
        wechat_v3::read_certificates(&empty, answer.headers(), answer.body(), now, &wrong).is_err()
    );
    let text = String::from_utf8(answer.body().clone()).unwrap();
    let altered = text.replacen("2035-12-30", "2099-12-30", 1);
    assert_ne!(altered, text);
    assert!(wechat_v3::read_certificates(
        &empty,
        answer.headers(),
        altered.as_bytes(),
        now,
        &apiv3
    )
    .is_err());
    assert!(
        wechat_v3::read_certificates(&empty, answer.headers(), answer.body(), now + 3600, &apiv3)
            .is_err(),
        "stale"
    );

    // The download is signed: another merchant key is refused.
    let stranger = MerchantKey::from_pem(paywire_tests::text(
        &paywire_tests::rsa_fixtures(),
        "/merchant/private_key_pkcs8",
    ))
    .unwrap();
    let other = MerchantSigner::new(
        &config.wechat_global.mchid,
        &config.wechat_global.merchant_serial,
        stranger,
    );
    let request =
        paywire_providers::wechat_global::certificates_request(&base, &other, now, nonce).unwrap();
    assert_eq!(client.send(request).await.unwrap().status(), 401);
}

#[test]
fn a_v3_request_can_name_the_platform_key_without_changing_its_signature() {
    let signer = signer(&SandboxConfig::default());
    let order = paywire_providers::wechat_global::sample_direct();
    let mut request =
        paywire_providers::wechat_global::request(wechat_global::BASE_URL, &order, &signer, 1, "N")
            .unwrap();
    let authorization = request.headers()[http::header::AUTHORIZATION].clone();
    paywire_providers::wechat_global::name_platform_key(&mut request, "PUB_KEY_ID_0112345")
        .unwrap();
    assert_eq!(request.headers()["Wechatpay-Serial"], "PUB_KEY_ID_0112345");
    assert_eq!(
        request.headers()[http::header::AUTHORIZATION],
        authorization
    );
    assert!(
        paywire_providers::wechat_global::name_platform_key(&mut request, "bad\nvalue").is_err()
    );
}
