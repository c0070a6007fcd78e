//! WeChat Pay v3 speed, each next to its floor measured in the same run:
//! - a request: `to_body` of the JSAPI order and its `Authorization` header, against
//!   the RSA signature of the same request message alone;
//! - a notification: `open_notification` (strict decode, RSA verify, timestamp, AES-256-GCM
//!   decryption), against the RSA verify and the decryption alone.
//!
//! Keys are the sandbox's throwaway ones. Run: `cargo bench -p paywire-providers --bench wechat_v3`.

mod interleave;

use criterion::{criterion_group, Criterion};
use paywire::keys::{MerchantKey, PublicKey};
use paywire::{PayRequest, Secret};
use paywire_providers::wechat::v3::{self as wechat_v3, MerchantSigner, PlatformKeys};
use std::hint::black_box;
use std::time::Duration;

const MERCHANT_KEY: &str = include_str!("../../sandbox/keys/merchant_private_key.pem");
const PLATFORM_KEY: &str = include_str!("../../sandbox/keys/platform_private_key.pem");
const APIV3_KEY: &str = "0123456789abcdef0123456789abcdef";
const PATH: &str = "/v3/global/transactions/jsapi";
const NOW: i64 = 1_700_000_000;

struct Fixture {
    signer: MerchantSigner,
    merchant: MerchantKey,
    platform_public: PublicKey,
    keys: PlatformKeys,
    apiv3: Secret,
    order: paywire_providers::wechat_global::JsapiOrder,
    headers: http::HeaderMap,
    notification: Vec<u8>,
    resource: wechat_v3::Resource,
}

fn fixture() -> Fixture {
    let merchant = MerchantKey::from_pem(MERCHANT_KEY).unwrap();
    let platform = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    let apiv3 = Secret::new(APIV3_KEY);
    let transaction = r#"{"mchid":"10000100","appid":"wx2421b1c4370ec43b","out_trade_no":"20150806125346","transaction_id":"1217752501201407033233368018","trade_type":"JSAPI","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2023-11-14T22:13:20+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"currency":"USD","payer_total":100,"payer_currency":"USD"}}"#;
    let resource = wechat_v3::encrypt_resource(
        &apiv3,
        "fdasflkja484",
        "transaction",
        "transaction",
        transaction,
    )
    .unwrap();
    let body = format!(
        r#"{{"id":"EV-2018022511223320873","create_time":"2023-11-14T22:13:20+08:00","resource_type":"encrypt-resource","event_type":"TRANSACTION.SUCCESS","summary":"支付成功","resource":{{"algorithm":"{}","ciphertext":"{}","associated_data":"{}","original_type":"{}","nonce":"{}"}}}}"#,
        resource.algorithm,
        resource.ciphertext,
        resource.associated_data.as_deref().unwrap_or_default(),
        resource.original_type,
        resource.nonce
    );
    let mut headers = http::HeaderMap::new();
    for (name, value) in
        wechat_v3::sign_message_headers(&platform, "PLATFORM1", NOW, "n0nce", body.as_bytes())
    {
        headers.insert(name, value.parse().unwrap());
    }
    let mut keys = PlatformKeys::new();
    keys.insert("PLATFORM1", platform.public_key());
    Fixture {
        signer: MerchantSigner::new("10000100", "MERCHANT1", merchant.clone()),
        merchant,
        platform_public: platform.public_key(),
        keys,
        apiv3,
        order: paywire_providers::wechat_global::sample_direct(),
        headers,
        notification: body.into_bytes(),
        resource,
    }
}

fn request(f: &Fixture) -> (String, String) {
    let body = f.order.to_unsigned_body().unwrap();
    let auth = f
        .signer
        .authorization("POST", PATH, NOW, "n0nce", body.as_str().as_bytes());
    (body.as_str().to_owned(), auth)
}

fn request_floor(f: &Fixture, message: &[u8]) -> String {
    f.merchant.sign_base64(message)
}

fn open(f: &Fixture) -> Option<String> {
    wechat_v3::open_notification(&f.keys, &f.headers, &f.notification, NOW, &f.apiv3)
        .ok()
        .map(|o| o.plaintext)
}

fn open_floor(f: &Fixture, message: &[u8], signature: &str) -> Option<String> {
    f.platform_public.verify_base64(message, signature).ok()?;
    wechat_v3::decrypt_resource(&f.apiv3, &f.resource).ok()
}

/// What the floors work on: the request message the `Authorization` signs, and the
/// notification's signature and signed message.
struct Floors {
    message: Vec<u8>,
    signature: String,
    received: Vec<u8>,
}

fn floors(f: &Fixture) -> Floors {
    let (body, _) = request(f);
    Floors {
        message: wechat_v3::request_message("POST", PATH, NOW, "n0nce", body.as_bytes()),
        signature: f.headers["Wechatpay-Signature"]
            .to_str()
            .unwrap()
            .to_owned(),
        received: wechat_v3::response_message(&NOW.to_string(), "n0nce", &f.notification),
    }
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let Floors {
        message,
        signature,
        received,
    } = floors(&f);
    assert!(open(&f).is_some() && open_floor(&f, &received, &signature).is_some());
    let mut group = c.benchmark_group("wechat_v3");
    group.bench_function("paywire/request", |b| b.iter(|| request(black_box(&f))));
    group.bench_function("floor/sign", |b| {
        b.iter(|| request_floor(&f, black_box(&message)))
    });
    group.bench_function("paywire/open_notification", |b| {
        b.iter(|| open(black_box(&f)))
    });
    group.bench_function("floor/verify+decrypt", |b| {
        b.iter(|| open_floor(&f, black_box(&received), &signature))
    });
    group.finish();
}

fn summary() {
    let f = fixture();
    let Floors {
        message,
        signature,
        received,
    } = floors(&f);
    let best = interleave::best_micros(
        15,
        200,
        &mut [
            &mut || {
                black_box(request(black_box(&f)));
            },
            &mut || {
                black_box(request_floor(&f, black_box(&message)));
            },
            &mut || {
                black_box(open(black_box(&f)));
            },
            &mut || {
                black_box(open_floor(&f, black_box(&received), &signature));
            },
        ],
    );
    println!(
        "\nwechat v3 request (to_body + Authorization) {:.1} us | RSA sign alone {:.1} us ({:.2}x)",
        best[0],
        best[1],
        best[0] / best[1]
    );
    println!(
        "wechat v3 open_notification {:.1} us | RSA verify + AES-256-GCM alone {:.1} us ({:.2}x)",
        best[2],
        best[3],
        best[2] / best[3]
    );
}

criterion_group! {
    name = groups;
    config = Criterion::default().warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    targets = benches
}

fn main() {
    groups();
    Criterion::default().final_summary();
    summary();
}
