//! WeChat Pay v2's refund notification (`req_info`, AES-256-ECB under md5(API key)):
//! wechatpy's published vector (`tests/test_crypto.py`,
//! `test_refund_notify_decrypt_message`), and fixtures made by Python's `cryptography`
//! with an API key whose md5 starts with `0` (`tests/fixtures/wechat_v2_refund.py`).

use paywire::{Fen, Secret, VerifyError};
use paywire_providers::wechat::v2::{decrypt_req_info, encrypt_req_info, open_refund_notification};
use serde_json::Value;

/// wechatpy's test: appid, mch_id, API key and the notification it decrypts.
const WECHATPY_API_KEY: &str = "OF4Ne3znh8KqL0V4NqmALQa0uXMYKcEk";
const WECHATPY_NOTIFICATION: &str = r#"
<xml>
<return_code>SUCCESS</return_code>
<appid><![CDATA[wx4f4bc4dec97d474b]]></appid>
<mch_id><![CDATA[12345678]]></mch_id>
<nonce_str><![CDATA[c1c237efc87ee8dfcb3f9124b63a4d94]]></nonce_str>
<req_info><![CDATA[51A27s9LxbaEv52nBOrqa0FCs3HVIM31Wc3BpNqSCP5MQlS8HL1Vl7mZ21043B7PZy7adtOZGtZv44lGl0U8JXlVFL4Ltxsw6+pACjZBB0Qi1LUDjFlP2IyTxYX4eC57kxnCphDdIyRkU67kOWW/HN/efggTUlaPJkoL5kVe9Y1MZF55IHR4lwGI7WtVLtxATX1tkAVZF+/ri0WlPXo9+GkqeB2/id6Ozw09Tqp8C/TKbmKBpRhTCRU2TzfQoLa6fjbgETFHJ795aEMyUZPQYbbsz6U9Rj9lUzEh8+Oc8KYTXa9zVk+nnFr82+yjffb3d36ylTe0y/VmYf90rf9cbiJQdM00zZ8Qa99SlMTs2wjOO4Mi4Btlg1PebsLF8TkqbSZkRJDGs61UunUB8Km1b/VeBxXuv4D3H7DiVZ9Fj7lq2j07zFDpxxlhhen7kZvMWWO3lrfFpA9c4eFOqfF9SxcU9nBmHfDD1g/dsrMl6+a71xQHJ/gn80fZOefUBv92ggqutsuJ4gd4OqkmO0XUs8e4XQyLpra+LvpmahsU5lBIZuQcMq3FHrqe8hXTfp3+3qym2wGfvPI75jx41VZwmBQy9izB1Id+A5lUeXC5QJy+ryDu/dWkhB+aMjkElaI/Epmcc/IEPaI73W6Hc58hNednOM536rPnn+GDc98PdGszpLTjmaZSu8dtqwPaym66yRqFQowzFoBbooik57iHUFBCeWya7XcXYL9WKhRF3uIZM+Kfv9/Zs2pF+w9/EJpltuzPpT1GP2VTMSHz45zwphFlS2lX8wHyZ+k9n2dptzQqpOCPedt5iQAmAe1oNQMxNdPDH9g68x9UzWD1kfK/dPO+3NPAh0XG+io4x15fIknNf7JLjpAuWicMMzCdwC4hhqeYOzQ+pC9f2xJXi5YViNKIZY69oO8eoHYRitLZrHLgx3oB2zimmqX6BI+DMklKAzAqqgGmbFxcVTvxZB6cMCx+H7TTWXnjAG+6A3SrCcxg0l5+UB93pkAYR7SVJ+VaZoiBqlqnZvb7IM17n9XaaFntlzvbbFCIa7OnOQb5Lvw=]]></req_info>
</xml>"#;

fn fixture() -> Value {
    serde_json::from_str(include_str!("../fixtures/wechat_v2_refund.json")).unwrap()
}

fn text(v: &Value, name: &str) -> String {
    v[name].as_str().unwrap().to_owned()
}

#[test]
fn wechatpy_s_refund_notification_opens_to_its_refund() {
    let refund = open_refund_notification(
        WECHATPY_NOTIFICATION.as_bytes(),
        &Secret::new(WECHATPY_API_KEY),
        "wx4f4bc4dec97d474b",
        "12345678",
    )
    .unwrap()
    .expect("a SUCCESS envelope carries a refund");
    // The four values wechatpy's test asserts.
    assert_eq!(refund.out_refund_no, "1234");
    assert_eq!(refund.out_trade_no, "2020010418301551404339261814");
    assert_eq!(refund.transaction_id, "4200000483202001042069747825");
    assert_eq!(refund.refund_id, "50300103182020010413419046597");
    assert_eq!(refund.refund_fee, Fen::new(1));
    assert_eq!(refund.total_fee, Fen::new(1));
    assert!(refund.succeeded());
    assert_eq!(refund.refund_recv_accout, "招商银行信用卡8915");
}

#[test]
fn an_api_key_whose_md5_starts_with_zero_decrypts_cryptography_s_req_info() {
    let f = fixture();
    assert!(text(&f, "aes_key").starts_with('0'));
    let key = Secret::new(text(&f, "api_key"));
    assert_eq!(
        decrypt_req_info(&key, &text(&f, "req_info")).unwrap(),
        text(&f, "refund_xml")
    );
    // ECB is deterministic: paywire's encryption is byte-identical to cryptography's.
    assert_eq!(
        encrypt_req_info(&key, &text(&f, "refund_xml")).unwrap(),
        text(&f, "req_info")
    );
    let refund = open_refund_notification(
        text(&f, "envelope").as_bytes(),
        &key,
        &text(&f, "appid"),
        &text(&f, "mch_id"),
    )
    .unwrap()
    .unwrap();
    assert_eq!(refund.out_refund_no, "R20261206000001");
    assert_eq!(refund.refund_fee, Fen::new(250));
    assert_eq!(refund.total_fee, Fen::new(1000));
    assert_eq!(refund.settlement_total_fee, None);
}

#[test]
fn a_wrong_api_key_never_yields_a_refund() {
    let f = fixture();
    // Any other key: a decryption error (the padding check), never a refund.
    let wrong = Secret::new(text(&f, "api_key") + "x");
    assert!(matches!(
        decrypt_req_info(&wrong, &text(&f, "req_info")),
        Err(VerifyError::Decrypt(_))
    ));
}

#[test]
fn another_merchant_s_notification_is_refused() {
    let f = fixture();
    let key = Secret::new(text(&f, "api_key"));
    for (appid, mch_id) in [
        ("wx0000000000000000", "10000100"),
        ("wx2421b1c4370ec43b", "99999999"),
    ] {
        assert!(
            open_refund_notification(text(&f, "envelope").as_bytes(), &key, appid, mch_id).is_err()
        );
    }
}

#[test]
fn bad_lengths_padding_and_documents_are_errors_never_panics() {
    let f = fixture();
    let key = Secret::new(text(&f, "api_key"));
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let ciphertext = b64.decode(text(&f, "req_info")).unwrap();
    let cases: Vec<String> = vec![
        String::new(),
        "not base64 at all!".into(),
        b64.encode(&ciphertext[..ciphertext.len() - 1]), // not whole blocks
        b64.encode([0u8; 16]),                           // padding garbage
        b64.encode(&ciphertext[..16]),                   // a cut document
    ];
    for req_info in &cases {
        assert!(decrypt_req_info(&key, req_info).is_err(), "{req_info:?}");
    }
    // Documents that decrypt but are not a refund, or are hostile.
    for document in [
        "<root><out_refund_no>R1</out_refund_no></root>".to_owned(),
        text(&f, "refund_xml").replace(
            "<refund_fee><![CDATA[250]]></refund_fee>",
            "<refund_fee><![CDATA[2.5]]></refund_fee>",
        ),
        text(&f, "refund_xml").replace("</root>", "<out_refund_no>R2</out_refund_no></root>"),
        "<!DOCTYPE root [<!ENTITY x \"y\">]><root>&x;</root>".to_owned(),
        text(&f, "refund_xml").replace("R20261206000001", "R1&total_fee=1"),
    ] {
        let req_info = encrypt_req_info(&key, &document).unwrap();
        let envelope = text(&f, "envelope").replace(&text(&f, "req_info"), &req_info);
        let opened = open_refund_notification(
            envelope.as_bytes(),
            &key,
            &text(&f, "appid"),
            &text(&f, "mch_id"),
        );
        assert!(opened.is_err(), "{document}: {opened:?}");
    }
}

#[test]
fn a_fail_envelope_carries_no_refund_and_a_success_must_carry_one() {
    let key = Secret::new("k");
    let fail = b"<xml><return_code>FAIL</return_code><return_msg>SYSTEMERROR</return_msg></xml>";
    assert_eq!(
        open_refund_notification(fail, &key, "a", "m").unwrap(),
        None
    );
    let empty = b"<xml><return_code>SUCCESS</return_code><appid>a</appid><mch_id>m</mch_id></xml>";
    assert!(open_refund_notification(empty, &key, "a", "m").is_err());
    for hostile in [
        &b""[..],
        b"<xml>",
        b"<xml><return_code>SUCCESS]]></return_code></xml>",
        b"\xff",
    ] {
        assert!(open_refund_notification(hostile, &key, "a", "m").is_err());
    }
}
