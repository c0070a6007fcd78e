//! The fuzz targets' bodies, shared by the cargo-fuzz harnesses in `fuzz/` and by
//! `tests/fuzz_corpus.rs`, which replays the committed corpus on stable Rust in CI.
//!
//! Every decoder and verifier must return, never panic, for any input; whatever a
//! verifier accepts once it refuses as a replay the second time (with the same guard),
//! and whatever a decoder accepts must survive being encoded again.

use paywire::decode::{form, json, xml, Limits};
use paywire::{PayRequest, Secret, VerifyError};
use paywire_providers::wechat::v3::PlatformKeys;
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};

/// A fuzz target: its name and its body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, by name.
pub const TARGETS: &[Target] = &[
    ("xml", xml_decode),
    ("json", json_decode),
    ("form", form_decode),
    ("swiftpass_notify", swiftpass_notify),
    ("weidoufu_notify", weidoufu_notify),
    ("xorpay_notify", xorpay_notify),
    ("wechat_global_notify", wechat_global_notify),
    ("feat_answers", feat_answers),
];

/// Whatever `T` decodes and validates encodes again to a body that decodes to the same.
fn round_trip<T: PayRequest + PartialEq + std::fmt::Debug>(
    data: &[u8],
    path: &[(&str, &str)],
    key: &T::Key,
) {
    let limits = Limits::default();
    if let Ok(received) = T::from_parts(data, path, &limits) {
        if received.request.validate().is_ok() {
            let body = received
                .request
                .to_body(key)
                .expect("a valid request encodes");
            let again =
                T::from_parts(body.as_bytes(), path, &limits).expect("its own body decodes");
            assert_eq!(again.request, received.request);
        }
    }
}

/// The XML decoder, and SwiftPass requests through it.
pub fn xml_decode(data: &[u8]) {
    let _ = xml::parse(data, &Limits::default());
    round_trip::<swiftpass::WapPay>(data, &[], &Secret::new("k"));
}

/// The JSON decoder, and WeChat Pay Global orders through it.
pub fn json_decode(data: &[u8]) {
    let _ = json::parse(data, &Limits::default());
    round_trip::<wechat_global::JsapiOrder>(data, &[], &());
}

/// The form decoder, and XorPay requests through it.
pub fn form_decode(data: &[u8]) {
    let _ = form::parse(data, &Limits::default());
    round_trip::<xorpay::JsapiPay>(data, &[("aid", "a1")], &Secret::new("k"));
}

/// Verification is pure: the same input gets the same answer every time (a redelivery
/// must verify like the first delivery; applying once is the ledger's job).
fn pure<T: PartialEq + std::fmt::Debug>(verify: impl Fn() -> Result<T, VerifyError>) {
    assert_eq!(verify(), verify(), "the same input verified differently");
}

/// SwiftPass notifications and responses.
pub fn swiftpass_notify(data: &[u8]) {
    let key = swiftpass::VerifyKey::Md5(Secret::new("61307e5f2aebcacecbcca6fe5296df9c"));
    pure(|| swiftpass::verify_notification(data, &key));
    let _ = swiftpass::verify_response(data, &key);
}

/// weidoufu notifications and answers.
pub fn weidoufu_notify(data: &[u8]) {
    let secret = Secret::new("sk_fedcba9876543210fedcba98765432");
    pure(|| weidoufu::verify_notification(data, &secret));
    let _ = weidoufu::read_answer(data);
}

/// XorPay notifications and answers.
pub fn xorpay_notify(data: &[u8]) {
    let secret = Secret::new("0123456789abcdef0123456789abcdef");
    pure(|| xorpay::verify_notification(data, &secret));
    let _ = xorpay::read_answer(data);
}

/// v3: the first line of the input is taken as headers (`Name: value` separated by
/// `|`), the rest as the body.
pub fn wechat_global_notify(data: &[u8]) {
    let (head, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut headers = http::HeaderMap::new();
    for line in String::from_utf8_lossy(head).split('|') {
        if let Some((name, value)) = line.split_once(':') {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.trim().as_bytes()),
                http::HeaderValue::from_str(value.trim()),
            ) {
                headers.append(n, v);
            }
        }
    }
    let mut keys = PlatformKeys::new();
    let _ = keys.add_certificate_pem(paywire_sandbox::keys::PLATFORM_CERTIFICATE_PEM);
    let apiv3 = Secret::new("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb");
    let now = 1_700_000_000;
    pure(|| wechat_global::open_notification(&keys, &headers, body, now, &apiv3));
    let _ = wechat_global::read_answer(&keys, 400, &headers, body, now);
}

/// featapi's token and order answers: the first line of the input is the HTTP status
/// (200 when it is not a number), the rest the body. Every order shape the document
/// describes reads the same body, and a token read has a cache time (the huge
/// `expires_in` once panicked there).
pub fn feat_answers(data: &[u8]) {
    let (status, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (
            std::str::from_utf8(&data[..i])
                .ok()
                .and_then(|s| s.trim().parse::<u16>().ok())
                .unwrap_or(200),
            &data[i + 1..],
        ),
        None => (200, data),
    };
    if let Ok(token) = feat::read_token(status, body) {
        let _ = token.cache_for();
    }
    for (end_type, app) in [
        (feat::end_type::NATIVE, "official_account"),
        (feat::end_type::JSAPI, "official_account"),
        (feat::end_type::APP, "feat_ios_app"),
    ] {
        let order = feat::OrderPay {
            end_type,
            extra_params: Some(feat::ExtraParams {
                wx_app_type: Some(app.into()),
                open_id: None,
            }),
            ..paywire_providers::feat::sample()
        };
        let _ = feat::read_answer(&order, status, body);
    }
}
