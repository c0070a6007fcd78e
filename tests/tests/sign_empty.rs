//! `sign_empty = "keep"`: a sorted scheme that signs a member present with an empty value
//! as `name=`, checked against vectors computed with Python's standard library
//! (`tests/fixtures/vectors.py`, `sorted_md5_empty_kept*`) and against WeChat Pay's
//! published example, which the default rule (empty values left out) must still match.

use paywire::sign::{Members, Scheme};
use paywire::{PayRequest, PayResponse, Secret, VerifyError};
use paywire_tests::vector;

/// The WeChat Pay v2 signing example plus an `attach`, under the default rule.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "xml", sign = "md5-sorted")]
struct EmptySkipped {
    appid: String,
    mch_id: String,
    device_info: Option<String>,
    body: String,
    nonce_str: String,
    attach: Option<String>,
}

/// The same table, with empty values signed.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "xml", sign = "md5-sorted", sign_empty = "keep")]
struct EmptyKept {
    appid: String,
    mch_id: String,
    device_info: Option<String>,
    body: String,
    nonce_str: String,
    attach: Option<String>,
}

/// The published example: `MD5(stringA&key=...)`, WeChat Pay's signing guide.
const PUBLISHED: &str = "9A0A8659F005D6984697E2CA0A9CF3B7";

fn kept(attach: Option<&str>) -> EmptyKept {
    let v = vector("sorted_md5_empty_kept");
    let mut order: EmptyKept = serde_json::from_value(v["input"].clone()).unwrap();
    order.attach = attach.map(str::to_owned);
    order
}

#[test]
fn a_kept_empty_member_is_signed_as_an_independent_implementation_signs_it() {
    let v = vector("sorted_md5_empty_kept");
    let key = Secret::new(v["secret"].as_str().unwrap());
    let order = kept(Some(""));
    assert_eq!(order.sign_string(&key), v["sign_string"].as_str().unwrap());
    assert_eq!(order.signature(&key), v["signature"].as_str().unwrap());
    assert_ne!(order.signature(&key), PUBLISHED);
    let body = order.to_body(&key).unwrap();
    assert!(
        body.as_str().contains("<attach></attach>"),
        "what is signed is sent: {}",
        body.as_str()
    );
}

#[test]
fn an_absent_member_is_never_signed_and_the_default_skips_empty_ones() {
    let v = vector("sorted_md5_empty_kept");
    let key = Secret::new(v["secret"].as_str().unwrap());
    assert_eq!(
        kept(None).signature(&key),
        PUBLISHED,
        "None is absent under either rule"
    );
    let skipped: EmptySkipped = serde_json::from_value(v["input"].clone()).unwrap();
    assert_eq!(skipped.attach.as_deref(), Some(""));
    assert_eq!(
        skipped.signature(&key),
        PUBLISHED,
        "the empty attach is left out"
    );
}

#[derive(Debug, Clone, PayResponse)]
#[pay(format = "xml", sign = "md5-sorted", sign_empty = "keep")]
struct NotifyKept {
    out_trade_no: String,
    total_fee: paywire::Fen,
    attach: Option<String>,
}

#[derive(Debug, Clone, PayResponse)]
#[pay(format = "xml", sign = "md5-sorted")]
struct NotifySkipped {
    out_trade_no: String,
    total_fee: paywire::Fen,
    attach: Option<String>,
}

#[test]
fn a_notification_that_signed_an_empty_member_verifies_only_under_keep() {
    let v = vector("sorted_md5_empty_kept_notify");
    let key = Secret::new(v["secret"].as_str().unwrap());
    let body = v["body"].as_str().unwrap();
    let verified = NotifyKept::verify_body(body.as_bytes(), &key).expect("signed with attach=");
    assert_eq!(verified.value.attach.as_deref(), Some(""));
    assert_eq!(verified.value.total_fee, paywire::Fen::new(1));
    assert_eq!(
        NotifySkipped::verify_body(body.as_bytes(), &key).unwrap_err(),
        VerifyError::SignatureMismatch,
        "a verifier that skips empty members refuses the gateway's genuine message"
    );
}

#[test]
fn a_kept_empty_member_cannot_be_dropped_or_filled_in() {
    let v = vector("sorted_md5_empty_kept_notify");
    let key = Secret::new(v["secret"].as_str().unwrap());
    let body = v["body"].as_str().unwrap();
    let empty = "<attach><![CDATA[]]></attach>";
    assert!(body.contains(empty), "{body}");
    for altered in [
        body.replace(empty, ""),
        body.replace(empty, "<attach><![CDATA[x]]></attach>"),
        body.replace(empty, "<attach><![CDATA[]]></attach><extra></extra>"),
    ] {
        assert_eq!(
            NotifyKept::verify_body(altered.as_bytes(), &key).unwrap_err(),
            VerifyError::SignatureMismatch,
            "{altered}"
        );
    }
}

/// A custom scheme that shows what it was given.
struct ShowMembers;

impl Scheme for ShowMembers {
    type Key = Secret;
    fn sign(members: &Members<'_>, _: &Secret) -> String {
        members.to_sorted_string()
    }
}

#[derive(Debug, Clone, PayRequest)]
#[pay(format = "form", sign = custom(ShowMembers), sign_empty = "keep", constant(blank = ""))]
struct CustomKept {
    a: String,
    b: Option<String>,
    c: Option<String>,
}

#[test]
fn a_custom_scheme_receives_the_kept_empty_members() {
    let order = CustomKept {
        a: "1".into(),
        b: Some(String::new()),
        c: None,
    };
    assert_eq!(order.signature(&Secret::new("k")), "a=1&b=&blank=");
    assert_eq!(order.sign_string_redacted(), "a=1&b=&blank=");
    let by_hand = Members::keeping_empty([("b", ""), ("a", "1"), ("blank", "")]);
    assert_eq!(by_hand.to_sorted_string(), "a=1&b=&blank=");
    assert_eq!(
        Members::new([("b", ""), ("a", "1")]).to_sorted_string(),
        "a=1"
    );
}

#[test]
fn the_schema_table_and_its_json_say_empty_values_are_signed() {
    let table = paywire::schema_table::markdown(<EmptyKept as PayRequest>::SCHEMA);
    assert!(table.contains("empty values signed as `name=`"), "{table}");
    let skipped = paywire::schema_table::markdown(<EmptySkipped as PayRequest>::SCHEMA);
    assert!(!skipped.contains("empty values"), "{skipped}");
    let json = paywire::schema_table::json(<EmptyKept as PayRequest>::SCHEMA);
    assert_eq!(json["signature"]["empty_values"], "keep");
    let json = paywire::schema_table::json(<EmptySkipped as PayRequest>::SCHEMA);
    assert_eq!(json["signature"]["empty_values"], "skip");
}
