//! Douyin's guaranteed payment declared from outside paywire through `custom(...)`.
//!
//! The algorithm is the one of Douyin's own Java SDK (`com.bytedance.microapp.Sign`,
//! `requestSign`: values except `app_id`, `thirdparty_id`, `sign` and
//! `other_settle_params`, empty and `null` left out, the salt added, sorted, joined with
//! `&`, MD5 lower-case hex). That SDK publishes no expected digest; the vector below is
//! the one of `yansongda/pay`'s test suite
//! (`tests/Plugin/Douyin/V1/Pay/AddPayloadSignaturePluginTest.php`, `testSignNormal`,
//! with the salt of its `tests/TestCase.php`), and was recomputed with Python's
//! standard library (`hashlib.md5`) over the same members.

use paywire::sign::{Members, Scheme, Verify};
use paywire::{Fen, PayRequest, Secret};
use paywire_beyond::douyin::{CreateOrder, GuaranteedPaySign};

/// `mch_secret_salt` of the `douyin` configuration in `yansongda/pay`'s tests.
const SALT: &str = "oDxWDBr4U7FAAQ8hnGDm29i4A6pbTMDKme4WLLvA";
/// `yansongda/pay`, `testSignNormal`: the expected `sign`.
const EXPECTED: &str = "771c1952ffb5e0744fc0ad1337aafa6a";

/// The payload of `testSignNormal`, with the mini-app id of the same configuration
/// (the SDK adds `app_id` after signing; it is not signed either way).
fn order() -> CreateOrder {
    CreateOrder {
        app_id: "tt226e54d3bd581bf801".into(),
        out_order_no: "202406100423024876".into(),
        total_amount: Fen::new(1),
        subject: "闫嵩达 - test - subject - 01".into(),
        body: "闫嵩达 - test - body - 01".into(),
        valid_time: 600,
        notify_url: Some("https://yansongda.cn/douyin/notify".into()),
        cp_extra: Some(String::new()),
        thirdparty_id: Some("service_provider".into()),
    }
}

#[test]
fn the_custom_scheme_signs_as_a_published_sdk_test_expects() {
    let salt = Secret::new(SALT);
    let order = order();
    assert_eq!(order.signature(&salt), EXPECTED);
    assert_eq!(
        order.sign_string_redacted(),
        "***&1&202406100423024876&600&https://yansongda.cn/douyin/notify\
         &闫嵩达 - test - body - 01&闫嵩达 - test - subject - 01",
        "the salt never shows; the empty cp_extra and the unsigned ids are left out"
    );
    let body = order.to_body(&salt).unwrap();
    let text = body.as_str();
    assert!(text.contains(&format!(r#""sign":"{EXPECTED}""#)), "{text}");
    assert!(
        text.contains(r#""app_id":"tt226e54d3bd581bf801""#),
        "unsigned but sent: {text}"
    );
    assert!(
        text.contains(r#""thirdparty_id":"service_provider""#),
        "unsigned but sent: {text}"
    );
}

#[test]
fn any_changed_member_or_salt_changes_the_published_signature() {
    let salt = Secret::new(SALT);
    let mut altered = order();
    altered.total_amount = Fen::new(2);
    assert_ne!(altered.signature(&salt), EXPECTED);
    let mut altered = order();
    altered.subject.push('!');
    assert_ne!(altered.signature(&salt), EXPECTED);
    assert_ne!(
        order().signature(&Secret::new("your_payment_salt")),
        EXPECTED
    );
    let mut unsigned_changed = order();
    unsigned_changed.app_id = "tt0000000000000000".into();
    unsigned_changed.thirdparty_id = None;
    assert_eq!(
        unsigned_changed.signature(&salt),
        EXPECTED,
        "app_id and thirdparty_id are not signed"
    );
}

#[test]
fn members_are_what_a_sorted_scheme_signs() {
    let members = Members::new([
        ("out_order_no", "202406100423024876"),
        ("total_amount", "1"),
        ("subject", "闫嵩达 - test - subject - 01"),
        ("body", "闫嵩达 - test - body - 01"),
        ("valid_time", "600"),
        ("notify_url", "https://yansongda.cn/douyin/notify"),
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
    let salt = Secret::new(SALT);
    assert_eq!(GuaranteedPaySign::sign(&members, &salt), EXPECTED);
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
