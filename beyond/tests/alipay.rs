//! Alipay `RSA2` declared from outside paywire, checked against Alipay's own SDK.
//!
//! Vectors:
//! - the key pair is the application key of Alipay's Node.js SDK's tests
//!   (`alipay/alipay-sdk-nodejs-all`, `test/fixtures/app-private-key.pem`, a PKCS#1 PEM
//!   on one line, as Alipay's key tool writes it); the request's expected signature was
//!   computed over the same string with Python's `cryptography` (PKCS#1 v1.5, SHA-256);
//! - the notification, its signature and Alipay's public key are the ones that SDK's
//!   `test/alipay.test.ts` verifies (`checkNotifySign()`, "verify sign should delete
//!   sign_type"): a real notification signed by Alipay.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use paywire::keys::{MerchantKey, PublicKey};
use paywire::{PayRequest, PayResponse, VerifyError};
use paywire_beyond::alipay::{TradeNotify, TradeNotifyByCustomCheck, TradeQuery};

const APP_PRIVATE_KEY: &str = include_str!("fixtures/alipay-sdk-app-private-key.pem");
const APP_PUBLIC_KEY: &str = include_str!("fixtures/alipay-sdk-app-public-key.pem");

fn query() -> TradeQuery {
    TradeQuery::example()
}

const QUERY_SIGN_STRING: &str = r#"app_id=2014072300007148&biz_content={"out_trade_no":"20150320010101001","query_options":["trade_settle_info"]}&charset=utf-8&method=alipay.trade.query&sign_type=RSA2&timestamp=2014-07-24 03:07:50&version=1.0"#;
/// Python `cryptography`: `key.sign(QUERY_SIGN_STRING, PKCS1v15(), SHA256())`, base64.
const QUERY_SIGNATURE: &str = "Z+9d+rJVXW4lfdYJz5vMKSqJ5e5zxHeoKe5ni/yQrL4BFCEMmf+SrV1VZNxhLfnYlHTjQCoqiSiJuVe1BA8MEaHuLdH+Ewcv+96Ogntaeifdn4Z2f8cBOonarN/XWzMhrp1/US2fgiBA/WRu0gHkcWgI3078tY0ukw2upBZ+a55jePttdIA4JgRvSGI22AubZvbD8hU4ZXJO7Lx5QjqH4vVZ2tebTVd5/QVxlCDnhpWKL3xr6Y/2/mlybsC54bdMoW+FtQNpkKtw9zS5SWe7h4XrWn7nSR2VpdA5n+zf6TKA71+/f8QJ9DF1jpHgzyrqLFkkYfBTW8G5tGl2nK2+0w==";

#[test]
fn the_request_signs_as_alipay_and_an_independent_implementation_do() {
    let key = MerchantKey::from_pem(APP_PRIVATE_KEY).expect("the SDK's one-line PKCS#1 key");
    let order = query();
    assert_eq!(order.sign_string_redacted(), QUERY_SIGN_STRING);
    assert_eq!(order.signature(&key), QUERY_SIGNATURE);

    let body = order.to_body(&key).expect("valid");
    let sent: Vec<(String, String)> = paywire_beyond_form(body.as_str());
    let sign = sent
        .iter()
        .find(|(k, _)| k == "sign")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        sign,
        Some(QUERY_SIGNATURE),
        "the signature travels intact (form-encoded)"
    );
    assert_eq!(sent.len(), 8, "seven members and the signature: {sent:?}");
}

#[test]
fn the_request_signature_verifies_with_the_public_key_and_a_flipped_byte_does_not() {
    let key = MerchantKey::from_pem(APP_PRIVATE_KEY).unwrap();
    let public = PublicKey::from_pem(APP_PUBLIC_KEY).unwrap();
    let text = query().sign_string_redacted();
    let signature = query().signature(&key);
    public.verify_base64(text.as_bytes(), &signature).unwrap();

    let mut altered = text.clone().into_bytes();
    altered[7] ^= 1;
    assert_eq!(
        public.verify_base64(&altered, &signature),
        Err(VerifyError::SignatureMismatch)
    );
    let mut flipped = STANDARD.decode(&signature).unwrap();
    flipped[100] ^= 0x01;
    let flipped = STANDARD.encode(&flipped);
    assert_eq!(
        public.verify_base64(text.as_bytes(), &flipped),
        Err(VerifyError::SignatureMismatch)
    );
}

/// Alipay's public key that signed the notification below (one line, as Alipay shows it).
const ALIPAY_PUBLIC_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqObrdC7hrgAVM98tK0nv3hSQRGGKT4lBsQjHiGjeYZjOPIPHR5knm2jnnz/YGIXIofVHkA/tAlBAd5DrY7YpvI4tP5EONLtZKC2ghBMx7McI2wRD0xiqzxOQr1FuhZGJ8/AUokBzJrzY+aGX2xcOrxFYRlFilvVLTXg4LWjR1tdPkO6+i7wQZAIVMClPkwVRZEbaERRHlKqTzv2gGv5rDU8gRoe1LeaN+6BlbTqHWkQcNCUNrA8C6l17XAXGKDsm/9TFWwO8EPHHHCaQdjtV5/FdcWIt+L8SR1ss7EXTjYDFtxcKVv9rEoY1lX8T4mX+GbXfZHraG5NCF1+XioL5JwIDAQAB";

const NOTIFY_SIGNATURE: &str = "QfTb8tqE1BMhS5qAnXtvsF3/jBkEvu9q9en0pdbBUDDjvKycZhQb7h8GDs4FKfi049PynaNuatxSgLb/nLWZpXyyh0LEWdK2S6Ri7nPwrVgOs08zugLO20vOQz44y3ti2Ncm8/wZts1Fr2gZ7pShnVX3d1B50hbsXnObT1r/U8ONNQjWXd0HIul4TG+Q3fm3svmSvFEy0WnzuhcyHPX5Gm4ELNctL6Qd5YniGJFNcc7kopHYtI/XD9YCKCH6Ct02rzUs9i11C9CsadtZn+WhxF26Dqt9sGEFajkJ8cxUTLi8+VCpLHsgPE8P0y095uQcDdK0YjCh4x7wVSov+lrmOQ==";

/// The notification's members as Alipay posts them (form-encoded; `fund_bill_list` is
/// JSON text).
fn notification(with_sign_type: bool, total_amount: &str) -> Vec<u8> {
    let mut members = vec![
        ("gmt_create", "2019-08-15 15:56:22"),
        ("charset", "utf-8"),
        ("seller_email", "z97-yuquerevenue@service.aliyun.com"),
        ("subject", "语雀空间 500人规模"),
        ("sign", NOTIFY_SIGNATURE),
        ("buyer_id", "2088102534368455"),
        ("invoice_amount", "0.10"),
        ("notify_id", "2019081500222155624068450559358070"),
        (
            "fund_bill_list",
            r#"[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]"#,
        ),
        ("notify_type", "trade_status_sync"),
        ("trade_status", "TRADE_SUCCESS"),
        ("receipt_amount", "0.10"),
        ("buyer_pay_amount", "0.10"),
        ("app_id", "2019073166072302"),
        ("seller_id", "2088531891668739"),
        ("gmt_payment", "2019-08-15 15:56:24"),
        ("notify_time", "2019-08-15 15:56:25"),
        ("version", "1.0"),
        ("out_trade_no", "20190815155618536-564-57"),
        ("total_amount", total_amount),
        ("trade_no", "2019081522001468450512505578"),
        ("auth_app_id", "2019073166072302"),
        ("buyer_logon_id", "xud***@126.com"),
        ("point_amount", "0.00"),
    ];
    if with_sign_type {
        members.push(("sign_type", "RSA2"));
    }
    form_encode(&members).into_bytes()
}

fn alipay_public_key() -> PublicKey {
    PublicKey::from_pem(&format!(
        "-----BEGIN PUBLIC KEY-----\n{ALIPAY_PUBLIC_KEY}\n-----END PUBLIC KEY-----\n"
    ))
    .unwrap()
}

#[test]
fn alipays_signed_notification_verifies_with_sign_type_left_out_of_the_string() {
    let key = alipay_public_key();
    let verified = TradeNotify::verify_body(&notification(true, "0.10"), &key).expect("authentic");
    assert_eq!(verified.value.out_trade_no, "20190815155618536-564-57");
    assert_eq!(verified.value.trade_status, "TRADE_SUCCESS");
    assert_eq!(verified.value.total_amount.to_string(), "0.10");
    assert_eq!(verified.value.sign_type.as_deref(), Some("RSA2"));
    // Unknown members are signed and kept; the unsigned one is kept apart.
    assert!(verified.fields.get("fund_bill_list").is_some());
    assert!(verified.fields.get("sign_type").is_none());
    assert_eq!(
        verified.unsigned.get("sign_type").and_then(|n| n.as_str()),
        Some("RSA2")
    );

    let without = TradeNotify::verify_body(&notification(false, "0.10"), &key).expect("authentic");
    assert_eq!(without.value.sign_type, None);
}

#[test]
fn an_altered_amount_a_missing_signature_or_another_key_is_refused() {
    let key = alipay_public_key();
    assert_eq!(
        TradeNotify::verify_body(&notification(true, "100.10"), &key).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let unsigned = String::from_utf8(notification(true, "0.10"))
        .unwrap()
        .replace("sign=", "unsigned=");
    assert!(matches!(
        TradeNotify::verify_body(unsigned.as_bytes(), &key),
        Err(VerifyError::SignatureMissing { .. })
    ));
    let merchant = PublicKey::from_pem(APP_PUBLIC_KEY).unwrap();
    assert_eq!(
        TradeNotify::verify_body(&notification(true, "0.10"), &merchant).unwrap_err(),
        VerifyError::SignatureMismatch
    );
}

#[test]
fn a_member_merged_into_its_neighbour_is_refused_though_alipay_s_signature_holds() {
    // `point_amount` sorts right after `out_trade_no`: folded into it, the sorted string
    // (so Alipay's own signature) is unchanged, and the order number is not the order's.
    let genuine = String::from_utf8(notification(true, "0.10")).unwrap();
    let merged = genuine.replace("&point_amount=0.00", "").replace(
        "out_trade_no=20190815155618536-564-57",
        "out_trade_no=20190815155618536-564-57%26point_amount%3D0.00",
    );
    assert_ne!(merged, genuine);
    let key = alipay_public_key();
    for err in [
        TradeNotify::verify_body(merged.as_bytes(), &key).unwrap_err(),
        TradeNotifyByCustomCheck::verify_body(merged.as_bytes(), &key).unwrap_err(),
    ] {
        assert!(err.is_malformed(), "{err:?}");
        assert!(
            err.to_string()
                .contains("`out_trade_no` holds `&point_amount=`"),
            "{err}"
        );
    }
}

#[test]
fn a_custom_scheme_verifies_with_a_public_key_too() {
    let key = alipay_public_key();
    let verified = TradeNotifyByCustomCheck::verify_body(&notification(true, "0.10"), &key)
        .expect("authentic");
    assert_eq!(verified.value.out_trade_no, "20190815155618536-564-57");
    assert_eq!(
        TradeNotifyByCustomCheck::verify_body(&notification(true, "0.11"), &key).unwrap_err(),
        VerifyError::SignatureMismatch
    );
}

fn form_encode(members: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(members)
        .finish()
}

fn paywire_beyond_form(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[test]
fn the_schema_table_names_the_scheme() {
    let table = paywire::schema_table::markdown(<TradeQuery as PayRequest>::SCHEMA);
    assert!(table.contains("signature: rsa-sha256-sorted"), "{table}");
    assert!(
        table.contains("| `sign` | string | computed | base64 | SHA256withRSA"),
        "{table}"
    );
}
