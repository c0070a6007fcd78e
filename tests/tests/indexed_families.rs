//! Indexed member families (`#[pay(indexed(count = "..."))]`): SwiftPass's refund query
//! answer (`out_refund_no_$n`, `refund_fee_$n`, ...) and WeChat Pay v2's nested coupons
//! (`coupon_refund_fee_$n_$m`), read from bodies that Python's standard library signed
//! (`tests/fixtures/indexed_families.py`). Several are signed correctly yet carry a family
//! that does not add up: only the decoder stands between them and the merchant's books.

use paywire::decode::{self, Limits};
use paywire::schema::Format;
use paywire::verify::expected_signature;
use paywire::{Fen, Node, PayObject, PayResponse, Secret};
use paywire_providers::registry::{Credentials, VerifyOptions};
use paywire_providers::swiftpass::{
    self, RefundQueryAnswer, RefundRecord, RefundStatus, SwiftpassError, VerifyKey,
};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../fixtures/indexed_families.json")).unwrap()
}

fn key() -> VerifyKey {
    VerifyKey::Md5(Secret::new(fixture()["key"].as_str().unwrap()))
}

fn swiftpass_body(case: &str) -> String {
    fixture()["swiftpass"][case]["body"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn read(case: &str) -> Result<RefundQueryAnswer, SwiftpassError> {
    swiftpass::read_answer::<RefundQueryAnswer>(swiftpass_body(case).as_bytes(), &key())
        .map(|v| v.value)
}

/// The refusal's text, which must name where the family broke.
fn refusal(case: &str) -> String {
    match read(case) {
        Err(e) => e.to_string(),
        Ok(answer) => panic!("{case}: accepted {answer:?}"),
    }
}

#[test]
fn every_refund_of_a_signed_answer_is_read_in_index_order() {
    let answer = read("three_refunds").unwrap();
    assert_eq!(answer.refund_count, Some(3));
    let numbers: Vec<&str> = answer
        .refunds
        .iter()
        .map(|r| r.out_refund_no.as_str())
        .collect();
    assert_eq!(
        numbers,
        ["R20261207000000", "R20261207000001", "R20261207000002"]
    );
    let second = answer.refund("R20261207000001").unwrap();
    assert_eq!(second.refund_fee, Fen::new(250));
    assert_eq!(second.coupon_refund_fee, Some(Fen::new(50)));
    assert_eq!(second.refund_status, RefundStatus::Processing);
    assert_eq!(second.refund_time.as_deref(), Some("20261207120100"));
    // Refunds 0 and 2 succeeded: 100 + 300 fen; the one still processing is not counted.
    assert_eq!(answer.refunded(), Some(400));
}

#[test]
fn a_count_of_zero_is_an_answer_without_refunds() {
    let answer = read("no_refunds").unwrap();
    assert_eq!(answer.refund_count, Some(0));
    assert!(answer.refunds.is_empty());
}

#[test]
fn a_missing_item_below_the_count_is_refused_not_skipped() {
    let reason = refusal("gap");
    assert!(reason.contains("#/refunds/1"), "{reason}");
    assert!(reason.contains("refund_count = 3"), "{reason}");
}

#[test]
fn an_item_past_the_count_is_refused_not_dropped() {
    let reason = refusal("past_count");
    assert!(reason.contains("#/out_refund_no_1"), "{reason}");
    assert!(reason.contains("past refund_count = 1"), "{reason}");
}

#[test]
fn an_index_with_a_leading_zero_is_refused_not_read_as_another() {
    let reason = refusal("leading_zero");
    assert!(reason.contains("#/refund_fee_01"), "{reason}");
    assert!(reason.contains("leading zeros"), "{reason}");
}

#[test]
fn a_count_far_above_the_items_is_one_problem() {
    let reason = refusal("count_too_big");
    assert!(reason.contains("#/refund_count"), "{reason}");
    assert!(
        reason.contains("refund_count = 50, but the body carries items for 1 indexes"),
        "{reason}"
    );
    assert_eq!(reason.matches("refund_count").count(), 2, "{reason}");
}

#[test]
fn an_item_missing_a_required_member_names_it_by_family_and_index() {
    let reason = refusal("incomplete_item");
    assert!(reason.contains("#/refunds/0/refund_id"), "{reason}");
}

#[test]
fn a_refund_amount_changed_after_signing_fails_the_signature() {
    let body = swiftpass_body("three_refunds").replace(
        "<refund_fee_1><![CDATA[250]]>",
        "<refund_fee_1><![CDATA[2500]]>",
    );
    match swiftpass::read_answer::<RefundQueryAnswer>(body.as_bytes(), &key()) {
        Err(SwiftpassError::Verify(e)) => assert!(!e.is_malformed(), "{e}"),
        other => panic!("{other:?}"),
    }
}

/// The gateway's side (the sandbox): a typed answer spelled out as flat members is
/// exactly what Python signed, and signs to the same signature.
#[test]
fn flat_members_of_a_typed_answer_are_the_members_python_signed() {
    let answer = read("three_refunds").unwrap();
    let ours = paywire::indexed::flat_members(&answer);
    let theirs = &fixture()["swiftpass"]["three_refunds"]["members"];
    let theirs: Vec<(String, String)> = theirs
        .as_object()
        .unwrap()
        .iter()
        // Undeclared members are kept raw by the verifier, not by the typed value.
        .filter(|(k, v)| {
            !matches!(k.as_str(), "unionpay_discount" | "promotion_detail") && *v != ""
        })
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let mut ours_sorted: Vec<(String, String)> = ours
        .iter()
        .map(|(k, v)| (k.to_owned(), v.as_str().unwrap().to_owned()))
        .collect();
    ours_sorted.sort();
    let mut theirs_sorted = theirs.clone();
    theirs_sorted.sort();
    assert_eq!(ours_sorted, theirs_sorted);

    // Without the two undeclared members, the signature Python's rule gives over the
    // same members is the one paywire computes.
    let mut python = decode::parse_body(
        Format::Xml,
        swiftpass_body("three_refunds").as_bytes(),
        &Limits::default(),
    )
    .unwrap();
    let _ = python.remove("sign");
    let _ = python.remove("unionpay_discount");
    let _ = python.remove("promotion_detail");
    let key = fixture()["key"].as_str().unwrap().to_owned();
    assert_eq!(
        expected_signature(RefundQueryAnswer::SCHEMA, &ours, &key),
        expected_signature(RefundQueryAnswer::SCHEMA, &python, &key)
    );
}

#[test]
fn a_count_that_disagrees_with_the_items_fails_validation() {
    let mut answer = read("three_refunds").unwrap();
    answer.refunds.pop();
    let errors = answer.validate_object().unwrap_err().to_string();
    assert!(errors.contains("#/refund_count"), "{errors}");
    assert!(errors.contains("set refund_count to 2"), "{errors}");
    answer.refund_count = Some(2);
    answer.validate_object().unwrap();
}

#[test]
fn verify_reports_the_family_as_an_array_under_its_name() {
    let message = paywire_providers::GATEWAYS
        .message("swiftpass/refund-query-response")
        .unwrap();
    let options = VerifyOptions {
        credentials: Credentials {
            key: Some(Secret::new(fixture()["key"].as_str().unwrap())),
            ..Credentials::default()
        },
        headers: Default::default(),
        now: None,
    };
    let outcome = (message.verify)(swiftpass_body("three_refunds").as_bytes(), &options);
    assert_eq!(outcome.code, 0, "{}", outcome.report);
    let fields = &outcome.report["fields"];
    assert_eq!(fields["refunds"].as_array().unwrap().len(), 3);
    assert_eq!(fields["refunds"][1]["refund_fee"], 250);
    assert_eq!(fields["refunds"][1]["refund_status"], "PROCESSING");
    assert!(fields.get("refund_fee_1").is_none(), "{fields}");
    // Undeclared members stay, as received.
    assert_eq!(fields["promotion_detail"], "none");
    assert_eq!(fields["refund_count"], "3");
}

#[test]
fn the_schema_table_and_json_schema_show_the_family() {
    let table = paywire::schema_table::markdown(RefundQueryAnswer::SCHEMA);
    assert!(table.contains("| `refund_fee_$n` |"), "{table}");
    assert!(table.contains("$n from 0 to refund_count - 1"), "{table}");
    let schema = paywire::json_schema::json_schema(RefundQueryAnswer::SCHEMA);
    let refunds = &schema["properties"]["refunds"];
    assert_eq!(refunds["type"], "array");
    assert_eq!(refunds["x-paywire-indexed"]["count"], "refund_count");
    assert!(refunds["items"]["properties"]["refund_fee"].is_object());
    let _: &'static paywire::schema::Schema = RefundRecord::OBJECT_SCHEMA;
}

/// WeChat Pay v2's refund query as a merchant would declare it: coupons of refund `$n`
/// are the family `coupon_refund_fee_$n_$m`, counted by `coupon_refund_count_$n`.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
struct Coupon {
    coupon_refund_id: String,
    coupon_refund_fee: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
struct WeChatRefund {
    out_refund_no: String,
    refund_fee: Fen,
    coupon_refund_count: Option<u32>,
    #[pay(indexed(count = "coupon_refund_count"))]
    coupons: Vec<Coupon>,
}

#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "xml", sign = "md5-sorted", sign_key = "key")]
struct WeChatRefundQuery {
    return_code: String,
    out_trade_no: String,
    refund_count: u32,
    #[pay(indexed(count = "refund_count"))]
    refunds: Vec<WeChatRefund>,
}

#[test]
fn a_family_inside_a_family_reads_n_then_m() {
    let body = fixture()["nested"]["body"].as_str().unwrap().to_owned();
    let secret = Secret::new(fixture()["key"].as_str().unwrap());
    let verified = WeChatRefundQuery::verify_body(body.as_bytes(), &secret).unwrap();
    let query = verified.value;
    assert_eq!(query.refunds.len(), 2);
    let coupons: Vec<(&str, u64)> = query.refunds[0]
        .coupons
        .iter()
        .map(|c| (c.coupon_refund_id.as_str(), c.coupon_refund_fee.get()))
        .collect();
    assert_eq!(coupons, [("C00", 10), ("C01", 20)]);
    assert!(query.refunds[1].coupons.is_empty());
    assert_eq!(query.refunds[1].refund_fee, Fen::new(700));
    // And back: the nested family spells out as `_$n_$m`.
    let flat = paywire::indexed::flat_members(&query);
    assert_eq!(
        flat.get("coupon_refund_fee_0_1").and_then(Node::as_str),
        Some("20")
    );
    assert_eq!(
        flat.get("coupon_refund_count_1").and_then(Node::as_str),
        Some("0")
    );
    let schema = paywire::schema_table::markdown(WeChatRefundQuery::SCHEMA);
    assert!(schema.contains("| `coupon_refund_fee_$n_$m` |"), "{schema}");
}

#[test]
fn the_json_form_of_a_family_reads_back() {
    let answer = read("three_refunds").unwrap();
    let json = serde_json::to_string(&answer).unwrap();
    let back: RefundQueryAnswer = serde_json::from_str(&json).unwrap();
    assert_eq!(back, answer);
    // A count that disagrees with the array is refused in JSON too.
    let wrong = json.replace("\"refund_count\":3", "\"refund_count\":2");
    assert_ne!(wrong, json);
    let error = serde_json::from_str::<RefundQueryAnswer>(&wrong).unwrap_err();
    assert!(error.to_string().contains("refund_count = 2"), "{error}");
}

/// SwiftPass's query, close, refund and refund-query requests, signed from JSON keyed by
/// wire names (what `paywire sign` takes): the signature Python computed over the same
/// members, and every member in the body.
#[test]
fn lifecycle_requests_sign_as_python_signs_them() {
    use paywire_providers::registry::SignOptions;
    let fixture = fixture();
    let options = SignOptions {
        credentials: Credentials {
            key: Some(Secret::new(fixture["key"].as_str().unwrap())),
            ..Credentials::default()
        },
        ..SignOptions::default()
    };
    for (name, case) in fixture["requests"].as_object().unwrap() {
        let mut input = case["members"].clone();
        // `service` is the endpoint's constant: paywire adds it.
        input.as_object_mut().unwrap().remove("service");
        let endpoint = paywire_providers::GATEWAYS.endpoint(name).unwrap();
        let report = (endpoint.sign)(endpoint.name, input.to_string().as_bytes(), &options)
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(report["signature"], case["sign"], "{name}");
        let body = report["body"].as_str().unwrap();
        for (member, value) in case["members"].as_object().unwrap() {
            let element = format!("<{member}>{}</{member}>", value.as_str().unwrap());
            assert!(body.contains(&element), "{name}: {element} not in {body}");
        }
    }
}

#[test]
fn a_refund_above_the_order_total_is_refused_before_signing() {
    let refund = swiftpass::TradeRefund {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: "7551000001".into(),
        out_trade_no: Some("ORDER20261207000001".into()),
        transaction_id: None,
        out_refund_no: "R20261207000004".into(),
        total_fee: Fen::new(1000),
        refund_fee: Fen::new(1001),
        op_user_id: swiftpass::TradeRefund::operator("7551000001"),
        refund_channel: None,
        nonce_str: "a1b2c3d4e5f60718".into(),
    };
    let error = paywire::PayRequest::validate(&refund)
        .unwrap_err()
        .to_string();
    assert!(error.contains("#/refund_fee"), "{error}");
    assert!(error.contains("above total_fee 1000 fen"), "{error}");
    // Both order ids, or neither: the document's "exactly one".
    let both = swiftpass::TradeRefund {
        transaction_id: Some("7551000001202612071234567890".into()),
        refund_fee: Fen::new(10),
        ..refund
    };
    let error = paywire::PayRequest::validate(&both)
        .unwrap_err()
        .to_string();
    assert!(error.contains("transaction_id"), "{error}");
}
