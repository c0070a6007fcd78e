//! Douyin's guaranteed payment declared from outside paywire through `custom(...)`.
//!
//! The algorithm is the one of Douyin's own Java SDK (`com.bytedance.microapp.Sign`,
//! `requestSign`: values except `app_id`, `thirdparty_id`, `sign` and
//! `other_settle_params`, empty and `null` left out, the salt added, sorted, joined with
//! `&`, MD5 lower-case hex) with its placeholder salt `your_payment_salt`. That SDK
//! publishes no expected digest, so the expected value here was computed with Python's
//! standard library (`hashlib.md5`) over the same members.

use paywire::sign::{Members, Scheme, Verify};
use paywire::{Fen, PayRequest, Secret};
use paywire_beyond::douyin::{CreateOrder, GuaranteedPaySign};

fn order() -> CreateOrder {
    CreateOrder {
        app_id: "tt07e3715e98c9aac0".into(),
        out_order_no: "7018498223398405004".into(),
        total_amount: Fen::new(1),
        subject: "测试商品".into(),
        body: "测试商品".into(),
        valid_time: 172800,
        notify_url: Some("https://merchant.example/notify".into()),
        cp_extra: Some(String::new()),
        thirdparty_id: None,
    }
}

/// `hashlib.md5("1&172800&7018498223398405004&https://merchant.example/notify&your_payment_salt&测试商品&测试商品".encode()).hexdigest()`
const EXPECTED: &str = "a24d4bcf851c77a9e34a39a2755872b0";

#[test]
fn the_custom_scheme_signs_as_the_sdk_algorithm_does() {
    let salt = Secret::new("your_payment_salt");
    let order = order();
    assert_eq!(order.signature(&salt), EXPECTED);
    assert_eq!(
        order.sign_string_redacted(),
        "***&1&172800&7018498223398405004&https://merchant.example/notify&测试商品&测试商品",
        "the salt never shows"
    );
    let body = order.to_body(&salt).unwrap();
    let text = body.as_str();
    assert!(text.contains(&format!(r#""sign":"{EXPECTED}""#)), "{text}");
    assert!(
        text.contains(r#""app_id":"tt07e3715e98c9aac0""#),
        "unsigned but sent: {text}"
    );
}

#[test]
fn members_are_what_a_sorted_scheme_signs() {
    let order = order();
    let members = Members::new([
        ("out_order_no", "7018498223398405004"),
        ("total_amount", "1"),
        ("subject", "测试商品"),
        ("body", "测试商品"),
        ("valid_time", "172800"),
        ("notify_url", "https://merchant.example/notify"),
        ("cp_extra", ""),
    ]);
    let names: Vec<&str> = members.iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "body",
            "notify_url",
            "out_order_no",
            "subject",
            "total_amount",
            "valid_time"
        ],
        "byte order, the empty one left out"
    );
    assert_eq!(members.get("total_amount"), Some("1"));
    assert_eq!(members.get("app_id"), None);
    let salt = Secret::new("your_payment_salt");
    assert_eq!(
        GuaranteedPaySign::sign(&members, &salt),
        order.signature(&salt)
    );
}

#[test]
fn the_signature_verifies_and_any_flipped_byte_or_other_salt_does_not() {
    let salt = Secret::new("your_payment_salt");
    let members = Members::new([("out_order_no", "A1"), ("total_amount", "100")]);
    let signature = GuaranteedPaySign::sign(&members, &salt);
    assert!(GuaranteedPaySign::verify(&members, &signature, &salt));
    for i in 0..signature.len() {
        let mut flipped = signature.clone().into_bytes();
        flipped[i] ^= 0x01;
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(
            !GuaranteedPaySign::verify(&members, &flipped, &salt),
            "byte {i}"
        );
    }
    assert!(!GuaranteedPaySign::verify(
        &members,
        &signature,
        &Secret::new("other")
    ));
    let altered = Members::new([("out_order_no", "A1"), ("total_amount", "101")]);
    assert!(!GuaranteedPaySign::verify(&altered, &signature, &salt));
}

#[test]
fn the_schema_table_names_the_scheme() {
    let table = paywire::schema_table::markdown(<CreateOrder as PayRequest>::SCHEMA);
    assert!(
        table.contains("signature: custom(GuaranteedPaySign)"),
        "{table}"
    );
    assert!(
        table.contains("`GuaranteedPaySign` (a custom scheme)"),
        "{table}"
    );
    let json = paywire::schema_table::json(<CreateOrder as PayRequest>::SCHEMA);
    assert_eq!(json["signature"]["scheme"], "custom(GuaranteedPaySign)");
    assert_eq!(json["signature"]["key_name"], "");
}
