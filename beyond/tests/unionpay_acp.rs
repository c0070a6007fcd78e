//! UnionPay's full-channel (ACP 5.1.0) notification declared from outside paywire, with a
//! custom public-key check and `sign_empty = "keep"`.
//!
//! Vectors:
//! - `fixtures/unionpay-acp-notify.json`: a notification UnionPay's test environment
//!   signed, with the certificate it signed with in `signPubKeyCert`, from the test suite
//!   of `yansongda/pay` (`tests/Plugin/Unipay/Open/CallbackPluginTest.php`); Python's
//!   `cryptography` verifies it too (`fixtures/unionpay_acp.py`);
//! - the same notification with an empty `reqReserved`, signed by `fixtures/unionpay_acp.py`
//!   (Python `cryptography`) with the throwaway key pair of this folder: no published
//!   example carries an empty member.

use paywire::keys::PublicKey;
use paywire::sign::{Members, Verify};
use paywire::{Fen, PayResponse, VerifyError};
use paywire_beyond::unionpay_acp::{AcpNotify, AcpSha256WithRsa};

const PUBLISHED: &str = include_str!("fixtures/unionpay-acp-notify.json");
const THROWAWAY_PUBLIC_KEY: &str = include_str!("fixtures/alipay-sdk-app-public-key.pem");
/// `python3 beyond/tests/fixtures/unionpay_acp.py`: the published members, `signature`
/// left out, plus `reqReserved=`, signed with `alipay-sdk-app-private-key.pem`.
const WITH_EMPTY_MEMBER_SIGNATURE: &str = "bdn3Q6yMlQ0HZJ6trVyadCbbmNbnfsu3fv2LxVxjnsmLihOsm+7zY9HlsjR+KkS5Az403UiPmnn94P7EaTEKtSef/cqxHpOz3if2J8DcCC17Lu8Unvn3BHl4rCAgbrJtQhR4p2BQRT5FImDcwjm1ABE/VwesFOl7/D7t4L1FlwtmzFO/z3PZUvVtcZ7NK4wTapN2gpxZsWTa1r6NHPpoFsiNgorOsvaGyK2kL4S6jBIv81UcMiM0FWCIajHHsPoKmaVSzGDeKAUU1sn9IZl0S5CiUEHPgWLZRBkdHoU+H/F+dST0ltXhogXc8987yZVuP8805xLEpSrllIYOnAFvhg==";

fn published() -> Vec<(String, String)> {
    let fixture: serde_json::Value = serde_json::from_str(PUBLISHED).unwrap();
    fixture["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn member<'a>(members: &'a [(String, String)], name: &str) -> &'a str {
    members
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap()
}

/// UnionPay's signing key, as a merchant pins it: from the certificate's PEM.
fn unionpay_key() -> PublicKey {
    let members = published();
    let (_serial, key) = PublicKey::from_certificate_pem(member(&members, "signPubKeyCert"))
        .expect("the certificate UnionPay signed with");
    key
}

fn form(members: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(members)
        .finish()
}

#[test]
fn unionpays_own_notification_verifies_and_decodes() {
    let body = form(&published());
    let verified = AcpNotify::verify_body(body.as_bytes(), &unionpay_key())
        .expect("signed by UnionPay's test environment");
    let notify = verified.value;
    assert_eq!(notify.order_id, "yansongda20220908132206");
    assert_eq!(notify.query_id, "782209081322060674028");
    assert_eq!(notify.txn_amt, Fen::new(1));
    assert!(notify.is_paid());
    assert_eq!(notify.req_reserved, None);
    assert!(
        verified.fields.get("accNo").is_some(),
        "undeclared members are kept and were signed"
    );
    assert!(verified.fields.get("signature").is_none());
}

#[test]
fn any_changed_member_of_unionpays_notification_is_refused() {
    let key = unionpay_key();
    for (name, value) in [
        ("txnAmt", "100"),
        ("orderId", "yansongda20220908132207"),
        ("respCode", "01"),
        ("accNo", "x"),
        ("reqReserved", "added"),
    ] {
        let mut members: Vec<(String, String)> =
            published().into_iter().filter(|(k, _)| k != name).collect();
        members.push((name.to_owned(), value.to_owned()));
        let body = form(&members);
        assert_eq!(
            AcpNotify::verify_body(body.as_bytes(), &key).unwrap_err(),
            VerifyError::SignatureMismatch,
            "{name}={value}"
        );
    }
    let mut flipped = published();
    let signature = flipped.iter_mut().find(|(k, _)| k == "signature").unwrap();
    signature.1.replace_range(0..1, "K");
    assert_eq!(
        AcpNotify::verify_body(form(&flipped).as_bytes(), &key).unwrap_err(),
        VerifyError::SignatureMismatch
    );
}

fn with_empty_member() -> Vec<(String, String)> {
    let mut members: Vec<(String, String)> = published()
        .into_iter()
        .filter(|(k, _)| k != "signature")
        .collect();
    members.push(("reqReserved".into(), String::new()));
    members.push(("signature".into(), WITH_EMPTY_MEMBER_SIGNATURE.into()));
    members
}

#[test]
fn a_notification_that_signed_an_empty_member_verifies_and_keeps_it() {
    let key = PublicKey::from_pem(THROWAWAY_PUBLIC_KEY).unwrap();
    let body = form(&with_empty_member());
    let verified = AcpNotify::verify_body(body.as_bytes(), &key).expect("reqReserved= is signed");
    assert_eq!(verified.value.req_reserved.as_deref(), Some(""));

    let dropped: Vec<(String, String)> = with_empty_member()
        .into_iter()
        .filter(|(k, _)| k != "reqReserved")
        .collect();
    assert_eq!(
        AcpNotify::verify_body(form(&dropped).as_bytes(), &key).unwrap_err(),
        VerifyError::SignatureMismatch,
        "the signed empty member cannot be taken out"
    );
}

#[test]
fn skipping_empty_members_would_refuse_unionpays_genuine_message() {
    let key = PublicKey::from_pem(THROWAWAY_PUBLIC_KEY).unwrap();
    let members = with_empty_member();
    let signed: Vec<(&str, &str)> = members
        .iter()
        .filter(|(k, _)| k != "signature")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert!(AcpSha256WithRsa::verify(
        &Members::keeping_empty(signed.iter().copied()),
        WITH_EMPTY_MEMBER_SIGNATURE,
        &key
    ));
    assert!(!AcpSha256WithRsa::verify(
        &Members::new(signed.iter().copied()),
        WITH_EMPTY_MEMBER_SIGNATURE,
        &key
    ));
}

#[test]
fn the_schema_table_names_the_scheme_and_the_empty_rule() {
    let table = paywire::schema_table::markdown(<AcpNotify as PayResponse>::SCHEMA);
    assert!(table.contains("custom(AcpSha256WithRsa)"), "{table}");
    assert!(table.contains("empty values signed as `name=`"), "{table}");
    assert!(table.contains("| `signature` |"), "{table}");
}
