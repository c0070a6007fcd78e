//! `Encrypted<C, T>`: a member whose text is a declared document, encrypted. Opened with
//! the key, the document is decoded strictly into `T` with its rules checked; the text is
//! what travels, what `len` measures and what a signature covers. The cipher here is
//! WeChat Pay v2's `req_info` (AES-256-ECB under md5(API key)), with the fixture Python's
//! `cryptography` made (`tests/fixtures/wechat_v2_refund.py`), and a cipher declared in
//! this file, as a user's crate would.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use md5::{Digest, Md5};
use paywire::schema::{Format, Kind};
use paywire::{
    Encrypted, Fen, MemberCipher, PayObject, PayResponse, Secret, VerifyError, WireValue,
};
use paywire_providers::wechat::v2::{encrypt_req_info, RefundInfo, ReqInfoCipher};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../fixtures/wechat_v2_refund.json")).unwrap()
}

fn text(v: &Value, name: &str) -> String {
    v[name].as_str().unwrap().to_owned()
}

type ReqInfo = Encrypted<ReqInfoCipher, RefundInfo>;

#[test]
fn cryptography_s_req_info_opens_into_the_declared_refund() {
    let f = fixture();
    let key = Secret::new(text(&f, "api_key"));
    let opened = ReqInfo::from_text(text(&f, "req_info")).open(&key).unwrap();
    assert_eq!(opened.value.refund_fee, Fen::new(250));
    assert_eq!(opened.value.out_refund_no, "R20261206000001");
    // The raw members come along, as for any verified message.
    assert_eq!(
        opened.fields.get("out_trade_no").and_then(|n| n.as_str()),
        Some("ORDER20261206000001")
    );
}

/// The fixture's refund document with one member's element replaced (or removed).
fn document_with(f: &Value, member: &str, element: &str) -> String {
    let xml = text(f, "refund_xml");
    let start = xml.find(&format!("<{member}>")).unwrap();
    let end = xml.find(&format!("</{member}>")).unwrap() + member.len() + 3;
    format!("{}{element}{}", &xml[..start], &xml[end..])
}

fn open_document(f: &Value, document: &str) -> Result<RefundInfo, VerifyError> {
    let key = Secret::new(text(f, "api_key"));
    let sealed = encrypt_req_info(&key, document).unwrap();
    ReqInfo::from_text(sealed).open(&key).map(|v| v.value)
}

#[test]
fn the_document_inside_is_decoded_strictly() {
    let f = fixture();
    // A member the refund needs, missing: refused, named.
    let missing = open_document(&f, &document_with(&f, "refund_fee", "")).unwrap_err();
    assert!(missing.to_string().contains("refund_fee"), "{missing}");
    // An amount that is not whole fen.
    let fraction = document_with(&f, "refund_fee", "<refund_fee>2.50</refund_fee>");
    assert!(open_document(&f, &fraction).is_err());
    // A member twice: which one counts is not clear.
    let xml = text(&f, "refund_xml");
    let twice = xml.replacen(
        "<refund_fee>",
        "<refund_fee><![CDATA[1]]></refund_fee><refund_fee>",
        1,
    );
    let duplicate = open_document(&f, &twice).unwrap_err();
    assert!(duplicate.is_malformed(), "{duplicate}");
    // A declared rule (`one_of`) on a member inside.
    let status = document_with(&f, "refund_status", "<refund_status>DONE</refund_status>");
    assert!(matches!(
        open_document(&f, &status),
        Err(VerifyError::Rules(_))
    ));
    // Hostile documents: a DTD, an entity, a CDATA end in text, nothing at all.
    for hostile in [
        format!("<!DOCTYPE root [<!ENTITY x \"1\">]>{xml}"),
        document_with(&f, "refund_fee", "<refund_fee>&x;</refund_fee>"),
        document_with(&f, "out_refund_no", "<out_refund_no>a]]>b</out_refund_no>"),
        String::new(),
    ] {
        assert!(open_document(&f, &hostile).is_err(), "{hostile}");
    }
}

#[test]
fn a_text_that_is_not_whole_blocks_or_not_padded_is_an_error_never_a_panic() {
    let f = fixture();
    let key = Secret::new(text(&f, "api_key"));
    let good = BASE64.decode(text(&f, "req_info")).unwrap();
    let cases = [
        String::new(),
        "not base64 at all!".to_owned(),
        BASE64.encode(&good[..good.len() - 1]),
        BASE64.encode(&good[..15]),
        // Whole blocks, but the last block's padding is broken.
        BASE64.encode([&good[..good.len() - 16], &[0u8; 16][..]].concat()),
    ];
    for case in cases {
        let opened = ReqInfo::from_text(case.clone()).open(&key);
        assert!(
            matches!(opened, Err(VerifyError::Decrypt(_))),
            "{case:?}: {opened:?}"
        );
    }
    // Another key: never a refund.
    let wrong = Secret::new("another-api-key-another-api-key!");
    assert!(ReqInfo::from_text(text(&f, "req_info"))
        .open(&wrong)
        .is_err());
}

#[test]
fn seal_refuses_a_document_the_merchant_could_not_open() {
    let f = fixture();
    let key = Secret::new(text(&f, "api_key"));
    let sealed = ReqInfo::seal(&key, text(&f, "refund_xml").as_bytes()).unwrap();
    // ECB is deterministic: the same text cryptography made.
    assert_eq!(sealed.text(), text(&f, "req_info"));
    let missing = document_with(&f, "refund_id", "");
    assert!(ReqInfo::seal(&key, missing.as_bytes()).is_err());
}

/// A cipher declared outside paywire: the document is JSON, "encrypted" by base64 alone
/// (enough to show the trait; a real gateway's would decrypt).
enum Base64Json {}

impl MemberCipher for Base64Json {
    type Key = ();
    const FORMAT: Format = Format::Json;
    const NAME: &'static str = "base64 of JSON";
    fn open(_: &(), text: &str) -> Result<Vec<u8>, VerifyError> {
        BASE64
            .decode(text)
            .map_err(|_| VerifyError::Decrypt("not base64".into()))
    }
    fn seal(_: &(), document: &[u8]) -> Result<String, VerifyError> {
        Ok(BASE64.encode(document))
    }
}

/// The document inside.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
struct Card {
    #[pay(len = 4..=4)]
    last4: String,
    #[pay(range = 1..)]
    limit: Fen,
}

/// A signed envelope carrying it: the signature covers the encrypted text as it travels.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "xml", sign = "md5-sorted", sign_key = "key")]
struct CardNotice {
    #[pay(len = 1..=32)]
    mch_id: String,
    #[pay(len = 1..=256)]
    card: Encrypted<Base64Json, Card>,
}

fn md5_upper(text: &str) -> String {
    format!("{:X}", Md5::digest(text.as_bytes()))
}

#[test]
fn a_signed_envelope_signs_the_encrypted_text_and_opens_into_the_declared_object() {
    let card = BASE64.encode(br#"{"last4":"8915","limit":5000}"#);
    let sign = md5_upper(&format!("card={card}&mch_id=10000100&key=k"));
    let body =
        format!("<xml><mch_id>10000100</mch_id><card>{card}</card><sign>{sign}</sign></xml>");
    let notice = CardNotice::verify_body(body.as_bytes(), &Secret::new("k")).unwrap();
    assert_eq!(notice.value.card.text(), card);
    let opened = notice.value.card.open(&()).unwrap().value;
    assert_eq!(
        opened,
        Card {
            last4: "8915".into(),
            limit: Fen::new(5000)
        }
    );
    // The encrypted text changed: the signature no longer holds.
    let other = BASE64.encode(br#"{"last4":"8915","limit":9000}"#);
    let forged = body.replace(&card, &other);
    assert!(matches!(
        CardNotice::verify_body(forged.as_bytes(), &Secret::new("k")),
        Err(VerifyError::SignatureMismatch)
    ));
    // Inside, JSON is parsed strictly: a duplicate member, or a rule broken, is refused.
    for document in [
        r#"{"last4":"8915","limit":5000,"limit":1}"#,
        r#"{"last4":"891","limit":5000}"#,
        r#"{"last4":"8915","limit":0}"#,
    ] {
        let sealed = Encrypted::<Base64Json, Card>::from_text(BASE64.encode(document));
        assert!(sealed.open(&()).is_err(), "{document}");
    }
    // `len` measures the text that travels.
    let long = Encrypted::<Base64Json, Card>::from_text("x".repeat(257));
    let errors = PayObject::validate_object(&CardNotice {
        mch_id: "10000100".into(),
        card: long,
    })
    .unwrap_err();
    assert!(errors.to_string().contains("#/card"), "{errors}");
}

#[test]
fn schemas_show_the_document_inside() {
    match <ReqInfo as WireValue>::KIND {
        Kind::Encrypted { cipher, document } => {
            assert!(cipher.starts_with("AES-256-ECB"), "{cipher}");
            assert!(document.field("refund_fee").is_some());
        }
        other => panic!("{other:?}"),
    }
    let table = paywire::schema_table::markdown(CardNotice::SCHEMA);
    assert!(
        table.contains("string (encrypted Card: base64 of JSON)"),
        "{table}"
    );
    assert!(table.contains("`card`, encrypted"), "{table}");
    assert!(table.contains("| `last4` |"), "{table}");
    let schema = paywire::json_schema::json_schema(CardNotice::SCHEMA);
    let card = &schema["properties"]["card"];
    assert_eq!(card["type"], "string");
    assert_eq!(card["x-paywire-encrypted"]["cipher"], "base64 of JSON");
    assert_eq!(
        card["x-paywire-encrypted"]["document"]["properties"]["last4"]["type"],
        "string"
    );
}
