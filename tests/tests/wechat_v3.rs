//! WeChat Pay v3 against fixtures made independently with Python's `cryptography`
//! (`tests/fixtures/wechat_v3.py`): byte-identical signatures, verification of its
//! signed response and notification, decryption of its AES-256-GCM resource.

use http::{HeaderMap, HeaderName, HeaderValue};
use paywire::keys::{MerchantKey, PublicKey};
use paywire::{Fen, PayRequest, Secret, VerifyError};
use paywire_providers::wechat::v3::{self as wechat_v3, MerchantSigner, PlatformKeys, Resource};
use paywire_providers::wechat_global;
use paywire_tests::{rsa_fixtures, text};
use serde_json::Value;

fn headers(fixture: &Value) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in fixture["headers"].as_object().unwrap() {
        map.insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
        );
    }
    map
}

fn platform_keys(f: &Value) -> PlatformKeys {
    let mut keys = PlatformKeys::new();
    let serial = keys
        .add_certificate_pem(text(f, "/platform/certificate"))
        .unwrap();
    assert_eq!(
        serial,
        text(f, "/platform/serial"),
        "the serial is read from the certificate"
    );
    keys
}

fn ts(f: &Value, pointer: &str) -> i64 {
    text(f, pointer).parse().unwrap()
}

#[test]
fn request_authorization_is_byte_identical_with_pkcs8_and_pkcs1_keys() {
    let f = rsa_fixtures();
    for pem in ["/merchant/private_key_pkcs8", "/merchant/private_key_pkcs1"] {
        let key = MerchantKey::from_pem(text(&f, pem)).unwrap();
        let signer = MerchantSigner::new(
            text(&f, "/merchant/mchid"),
            text(&f, "/merchant/serial_no"),
            key,
        );
        for request in f["requests"].as_array().unwrap() {
            let message = wechat_v3::request_message(
                text(request, "/method"),
                text(request, "/path"),
                ts(&f, "/timestamp"),
                text(&f, "/nonce"),
                text(request, "/body").as_bytes(),
            );
            assert_eq!(
                String::from_utf8(message).unwrap(),
                text(request, "/message")
            );
            let authorization = signer.authorization(
                text(request, "/method"),
                text(request, "/path"),
                ts(&f, "/timestamp"),
                text(&f, "/nonce"),
                text(request, "/body").as_bytes(),
            );
            assert_eq!(authorization, text(request, "/authorization"), "{pem}");
        }
    }
}

#[test]
fn provider_authorization_signs_the_encoded_body() {
    let f = rsa_fixtures();
    let key = MerchantKey::from_pem(text(&f, "/merchant/private_key_pkcs8")).unwrap();
    let signer = MerchantSigner::new(
        text(&f, "/merchant/mchid"),
        text(&f, "/merchant/serial_no"),
        key.clone(),
    );
    let body = paywire_providers::wechat_global::sample_direct()
        .to_unsigned_body()
        .unwrap();
    let header = wechat_global::authorization(
        &signer,
        &body,
        1_554_208_460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
    );
    let signature = header
        .rsplit("signature=\"")
        .next()
        .unwrap()
        .trim_end_matches('"');
    let message = wechat_v3::request_message(
        "POST",
        wechat_global::PATH,
        1_554_208_460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        body.as_bytes(),
    );
    key.public_key().verify_base64(&message, signature).unwrap();
}

#[test]
fn jsapi_pay_sign_is_byte_identical() {
    let f = rsa_fixtures();
    let key = MerchantKey::from_pem(text(&f, "/merchant/private_key_pkcs8")).unwrap();
    let signer = MerchantSigner::new(
        text(&f, "/merchant/mchid"),
        text(&f, "/merchant/serial_no"),
        key,
    );
    let package = text(&f, "/jsapi/package");
    let params = signer.jsapi_params(
        text(&f, "/jsapi/appId"),
        text(&f, "/jsapi/timeStamp"),
        text(&f, "/jsapi/nonceStr"),
        package.trim_start_matches("prepay_id="),
    );
    assert_eq!(params.pay_sign, text(&f, "/jsapi/paySign"));
    assert_eq!(params.sign_type, "RSA");
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(json["package"], package);
    assert_eq!(json["paySign"], text(&f, "/jsapi/paySign"));
}

#[test]
fn response_verification_window_serials_and_tampering() {
    let f = rsa_fixtures();
    let keys = platform_keys(&f);
    let response = &f["response"];
    let body = text(response, "/body").as_bytes();
    let h = headers(response);
    let at = ts(response, "/headers/Wechatpay-Timestamp");
    for now in [at, at - 300, at + 300] {
        wechat_v3::verify_message(&keys, &h, body, now).unwrap();
    }
    for now in [at - 301, at + 301] {
        assert_eq!(
            wechat_v3::verify_message(&keys, &h, body, now),
            Err(VerifyError::Stale {
                timestamp: at,
                skew: 301,
                window: 300
            })
        );
    }
    let tampered = text(response, "/body").replace("wx2014", "wx2015");
    assert_eq!(
        wechat_v3::verify_message(&keys, &h, tampered.as_bytes(), at),
        Err(VerifyError::SignatureMismatch)
    );

    let mut unknown = h.clone();
    unknown.insert(
        "Wechatpay-Serial",
        HeaderValue::from_static("PUB_KEY_ID_0000"),
    );
    assert_eq!(
        wechat_v3::verify_message(&keys, &unknown, body, at),
        Err(VerifyError::UnknownSerial {
            serial: "PUB_KEY_ID_0000".into()
        })
    );
    let mut unsigned = h.clone();
    unsigned.remove("Wechatpay-Signature");
    assert_eq!(
        wechat_v3::verify_message(&keys, &unsigned, body, at),
        Err(VerifyError::SignatureMissing {
            field: "Wechatpay-Signature".into()
        })
    );
    let mut no_nonce = h.clone();
    no_nonce.remove("Wechatpay-Nonce");
    assert_eq!(
        wechat_v3::verify_message(&keys, &no_nonce, body, at),
        Err(VerifyError::MissingHeader {
            name: "Wechatpay-Nonce"
        })
    );
    // A different key filed under the same serial fails: the serial picks the key.
    let mut wrong = PlatformKeys::new();
    wrong.insert(
        text(&f, "/platform/serial"),
        PublicKey::from_pem(text(&f, "/platform/other_public_key")).unwrap(),
    );
    assert_eq!(
        wechat_v3::verify_message(&wrong, &h, body, at),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn rotation_and_public_key_mode() {
    let f = rsa_fixtures();
    let response = &f["response"];
    let body = text(response, "/body").as_bytes();
    // During a rotation the old and the new key are both held; each message names its own.
    let mut keys = PlatformKeys::new();
    keys.add_public_key_pem("OLD_SERIAL", text(&f, "/platform/other_public_key"))
        .unwrap();
    keys.add_public_key_pem(
        text(&f, "/platform/serial"),
        text(&f, "/platform/public_key"),
    )
    .unwrap();
    assert_eq!(keys.len(), 2);
    wechat_v3::verify_message(
        &keys,
        &headers(response),
        body,
        ts(response, "/headers/Wechatpay-Timestamp"),
    )
    .unwrap();
    // Public-key mode: the key id is the serial.
    let mut pubkey_mode = PlatformKeys::new();
    pubkey_mode
        .add_public_key_pem(
            "PUB_KEY_ID_0114232134912410000000000000",
            text(&f, "/platform/public_key"),
        )
        .unwrap();
    let mut h = headers(response);
    h.insert(
        "Wechatpay-Serial",
        HeaderValue::from_static("PUB_KEY_ID_0114232134912410000000000000"),
    );
    wechat_v3::verify_message(
        &pubkey_mode,
        &h,
        body,
        ts(response, "/headers/Wechatpay-Timestamp"),
    )
    .unwrap();
}

#[test]
fn provider_reads_a_verified_prepay_answer_and_typed_errors() {
    let f = rsa_fixtures();
    let keys = platform_keys(&f);
    let response = &f["response"];
    let at = ts(response, "/headers/Wechatpay-Timestamp");
    let prepay = wechat_global::read_answer(
        &keys,
        200,
        &headers(response),
        text(response, "/body").as_bytes(),
        at,
    )
    .unwrap();
    assert_eq!(prepay.prepay_id, "wx201411101639507cbf6ffd8b0779950874");
    assert!(matches!(
        wechat_global::read_answer(
            &keys,
            200,
            &HeaderMap::new(),
            text(response, "/body").as_bytes(),
            at
        ),
        Err(wechat_global::WechatGlobalError::Verify(
            VerifyError::MissingHeader { .. }
        ))
    ));

    let document_error = r##"{"code": "INVALID_REQUEST", "message": "Parameter format verification error",
        "detail": {"field": "#/properties/payer", "value": "1346177081915535577", "issue": "与ALLOF schema不符", "location": "body"}}"##;
    match wechat_global::read_answer(&keys, 400, &HeaderMap::new(), document_error.as_bytes(), at)
        .unwrap_err()
    {
        wechat_global::WechatGlobalError::Refused {
            status: 400,
            answer,
            verified: false,
        } => {
            assert_eq!(answer.code, wechat_global::ErrorCode::InvalidRequest);
            let detail = answer.detail.unwrap();
            assert_eq!(detail.field.as_deref(), Some("#/properties/payer"));
            assert_eq!(detail.location.as_deref(), Some("body"));
        }
        other => panic!("{other:?}"),
    }
    let codes = [
        "NO_AUTH",
        "NOT_ENOUGH",
        "ORDER_PAID",
        "ORDERCLOSED",
        "SYSTEM_ERROR",
        "APPID_NOT_EXIST",
        "MCHID_NOT_EXIST",
        "APPID_MCHID_NOT_MATCH",
        "LACK_PARAMS",
        "OUT_TRADE_NO_USED",
        "SIGN_ERROR",
        "REQUIRE_POST_METHOD",
        "POST_DATA_EMPTY",
        "NOT_UTF8",
    ];
    for code in codes {
        let parsed = wechat_global::ErrorCode::from_wire(code);
        assert!(
            !matches!(parsed, wechat_global::ErrorCode::Other(_)),
            "{code} is typed"
        );
        assert!(!parsed.solution().is_empty());
        assert_eq!(parsed.retry_same_request(), code == "SYSTEM_ERROR");
    }
}

/// An error answer never becomes unreadable over what it explains: an unknown code is
/// kept, `detail` members may be missing, unknown or numeric. A 2xx answer's `prepay_id`
/// is `string[1,64]` as the table says, and required.
#[test]
fn error_answers_are_read_tolerantly_and_prepay_id_strictly() {
    let f = rsa_fixtures();
    let keys = platform_keys(&f);
    let at = ts(&f["response"], "/headers/Wechatpay-Timestamp");
    let refused = |body: &str| match wechat_global::read_answer(
        &keys,
        400,
        &HeaderMap::new(),
        body.as_bytes(),
        at,
    ) {
        Err(wechat_global::WechatGlobalError::Refused { answer, .. }) => answer,
        other => panic!("{body}: {other:?}"),
    };
    let answer = refused(r#"{"code":"BRAND_NEW","message":"m","detail":{"value":12,"hint":"x"}}"#);
    assert_eq!(
        answer.code,
        wechat_global::ErrorCode::Other("BRAND_NEW".into())
    );
    let detail = answer.detail.unwrap();
    assert_eq!(detail.field, None);
    assert_eq!(
        detail.value.map(|v| v.as_str().to_owned()),
        Some("12".to_owned())
    );
    assert_eq!(
        refused(r#"{"code":"PARAM_ERROR","message":"m","detail":{}}"#).code,
        wechat_global::ErrorCode::ParamError
    );

    // The 2xx shape is checked before the signature, so no headers are needed to see it.
    for body in [
        "{}".to_owned(),
        r#"{"prepay_id":""}"#.to_owned(),
        format!(r#"{{"prepay_id":"{}"}}"#, "w".repeat(65)),
    ] {
        match wechat_global::read_answer(&keys, 200, &HeaderMap::new(), body.as_bytes(), at) {
            Err(wechat_global::WechatGlobalError::Verify(e)) => {
                assert!(e.is_malformed(), "{body}: {e:?}")
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn notification_is_verified_decrypted_and_typed_with_its_amount() {
    let f = rsa_fixtures();
    let keys = platform_keys(&f);
    let n = &f["notification"];
    let body = text(n, "/body").as_bytes();
    let at = ts(n, "/headers/Wechatpay-Timestamp");
    let apiv3 = Secret::new(text(n, "/apiv3_key"));
    let (opened, transaction) =
        wechat_global::open_notification(&keys, &headers(n), body, at, &apiv3).unwrap();
    assert_eq!(opened.plaintext, text(n, "/plaintext"));
    assert_eq!(opened.notification.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(transaction.trade_state, "SUCCESS");
    assert_eq!(transaction.out_trade_no, "YX202111100020Z");
    // The typed amount and payer, and the payment keyed on the merchant's order.
    let amount = transaction.amount.as_ref().unwrap();
    assert_eq!(
        (amount.total, amount.currency.as_str()),
        (Fen::new(10), "HKD")
    );
    assert_eq!(amount.payer_total, Some(Fen::new(10)));
    assert_eq!(amount.payer_currency.as_deref(), Some("HKD"));
    let payer = transaction.payer.as_ref().unwrap();
    assert_eq!(
        payer.openid.as_deref(),
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
    );
    let payment = transaction.payment().unwrap();
    assert_eq!(payment.key.as_str(), "wechat-global:YX202111100020Z");
    assert_eq!(payment.currency.as_deref(), Some("HKD"));
    // Pure: the same delivery opens again, as a redelivery must.
    assert_eq!(
        wechat_global::open_notification(&keys, &headers(n), body, at, &apiv3).unwrap(),
        (opened.clone(), transaction.clone())
    );
    assert!(matches!(
        wechat_global::open_notification(&keys, &headers(n), body, at + 301, &apiv3),
        Err(VerifyError::Stale { .. })
    ));
    let wrong_key = Secret::new("b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb");
    assert!(matches!(
        wechat_global::open_notification(&keys, &headers(n), body, at, &wrong_key),
        Err(VerifyError::Decrypt(_))
    ));
    let short_key = Secret::new("a7cde1ZJB1kG2e7VfTs3jQzaWizur8G");
    let err =
        wechat_global::open_notification(&keys, &headers(n), body, at, &short_key).unwrap_err();
    assert!(
        matches!(&err, VerifyError::Key(m) if m.contains("32 bytes") && m.contains("got 31")),
        "{err}"
    );
    assert!(!err.to_string().contains(short_key.expose()));
}

#[test]
fn notification_hostile_input_is_malformed_not_a_bad_signature() {
    let f = rsa_fixtures();
    let keys = platform_keys(&f);
    let n = &f["notification"];
    let at = ts(n, "/headers/Wechatpay-Timestamp");
    let apiv3 = Secret::new(text(n, "/apiv3_key"));
    let duplicated = text(n, "/body").replacen("{\"id\":", "{\"id\":\"x\",\"id\":", 1);
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    for body in [
        duplicated.as_bytes(),
        deep.as_bytes(),
        b"\xff\xfe".as_slice(),
        b"".as_slice(),
    ] {
        let err =
            wechat_global::open_notification(&keys, &headers(n), body, at, &apiv3).unwrap_err();
        assert!(err.is_malformed(), "{err:?}");
    }
}

#[test]
fn decryption_refuses_tampering_and_bad_parameters() {
    let f = rsa_fixtures();
    let n = &f["notification"];
    let envelope: Value = serde_json::from_str(text(n, "/body")).unwrap();
    let resource = |ciphertext: &str, nonce: &str, aad: Option<&str>| Resource {
        algorithm: "AEAD_AES_256_GCM".into(),
        ciphertext: ciphertext.into(),
        associated_data: aad.map(Into::into),
        original_type: "transaction".into(),
        nonce: nonce.into(),
    };
    let apiv3 = Secret::new(text(n, "/apiv3_key"));
    let ciphertext = text(&envelope, "/resource/ciphertext");
    let good = resource(ciphertext, "fdasflkja484", Some("transaction"));
    assert_eq!(
        wechat_v3::decrypt_resource(&apiv3, &good).unwrap(),
        text(n, "/plaintext")
    );
    let mut flipped = ciphertext.as_bytes().to_vec();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    for bad in [
        resource(
            std::str::from_utf8(&flipped).unwrap(),
            "fdasflkja484",
            Some("transaction"),
        ),
        resource(ciphertext, "fdasflkja485", Some("transaction")),
        resource(ciphertext, "fdasflkja484", Some("certificate")),
        resource(ciphertext, "fdasflkja484", None),
        resource("not base64!", "fdasflkja484", Some("transaction")),
        resource(ciphertext, "short", Some("transaction")),
    ] {
        assert!(matches!(
            wechat_v3::decrypt_resource(&apiv3, &bad),
            Err(VerifyError::Decrypt(_))
        ));
    }
}

#[test]
fn keys_never_print_and_bad_pem_is_refused_without_echoing_it() {
    let f = rsa_fixtures();
    let pem = text(&f, "/merchant/private_key_pkcs8");
    let key = MerchantKey::from_pem(pem).unwrap();
    let signer = MerchantSigner::new("1900009191", "SERIAL", key.clone());
    for printed in [format!("{key:?}"), format!("{key}"), format!("{signer:?}")] {
        assert!(printed.contains("***"), "{printed}");
        assert!(!printed.contains("MII"), "no key material: {printed}");
    }
    let broken = pem.replace("MII", "XYZ");
    let err = MerchantKey::from_pem(&broken).unwrap_err().to_string();
    assert!(!err.contains("XYZ") && err.contains("PKCS#8"), "{err}");
    assert!(
        PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err()
    );
    assert!(PublicKey::from_certificate_pem("not a certificate").is_err());
    let apiv3 = Secret::new(text(&f, "/notification/apiv3_key"));
    assert_eq!(format!("{apiv3:?} {apiv3}"), "Secret(***) ***");
}

#[test]
fn keys_load_from_any_line_length_or_bare_base64_and_malformed_pem_is_refused() {
    let f = rsa_fixtures();
    let pem = text(&f, "/merchant/private_key_pkcs8");
    let reference = MerchantKey::from_pem(pem).unwrap().sign_base64(b"message");
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    let one_line = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
    let crlf = pem.replace('\n', "\r\n");
    for form in [one_line.as_str(), body.as_str(), crlf.as_str()] {
        let key = MerchantKey::from_pem(form).expect("the same key in another layout");
        assert_eq!(key.sign_base64(b"message"), reference);
    }
    let refused = [
        String::new(),
        "-----BEGIN PRIVATE KEY-----".to_owned(),
        format!("-----BEGIN PRIVATE KEY-----\n{body}\n"),
        format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PUBLIC KEY-----"),
        format!("-----BEGIN EC PRIVATE KEY-----\n{body}\n-----END EC PRIVATE KEY-----"),
        format!("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\n{body}\n-----END RSA PRIVATE KEY-----"),
        format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----"),
        "\u{0}\u{ff}]]>".to_owned(),
    ];
    for bad in &refused {
        let err = MerchantKey::from_pem(bad).unwrap_err().to_string();
        assert!(!err.contains(&body[..40]), "no key material in {err}");
    }
    assert!(
        PublicKey::from_pem(&body).is_err(),
        "a private key is not a public key"
    );
}

#[test]
fn notification_tampered_or_unsigned_and_hostile_answers() {
    let f = rsa_fixtures();
    let keys = platform_keys(&f);
    let n = &f["notification"];
    let at = ts(n, "/headers/Wechatpay-Timestamp");
    let apiv3 = Secret::new(text(n, "/apiv3_key"));
    let tampered = text(n, "/body").replace("TRANSACTION.SUCCESS", "TRANSACTION.REFUND");
    assert_eq!(
        wechat_global::open_notification(&keys, &headers(n), tampered.as_bytes(), at, &apiv3)
            .unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let with_unknown = text(n, "/body").replacen("{\"id\":", "{\"extra\":1,\"id\":", 1);
    assert_eq!(
        wechat_global::open_notification(&keys, &headers(n), with_unknown.as_bytes(), at, &apiv3)
            .unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let mut unsigned = headers(n);
    unsigned.remove("Wechatpay-Signature");
    assert!(matches!(
        wechat_global::open_notification(&keys, &unsigned, text(n, "/body").as_bytes(), at, &apiv3),
        Err(VerifyError::SignatureMissing { .. })
    ));
    let response = &f["response"];
    let duplicated = r#"{"prepay_id":"a","prepay_id":"b"}"#;
    match wechat_global::read_answer(&keys, 200, &headers(response), duplicated.as_bytes(), at) {
        Err(wechat_global::WechatGlobalError::Verify(e)) => assert!(e.is_malformed(), "{e:?}"),
        other => panic!("{other:?}"),
    }
}

/// A member a gateway adds inside a nested object of its answer (`detail`, `resource`)
/// is ignored as it is at the top level: refusing it would hide the error code, or stop
/// every notification the day the gateway adds a field. Requests read back stay strict.
#[test]
fn members_a_gateway_adds_inside_nested_answer_objects_are_ignored() {
    use paywire::PayResponse as _;
    let f = rsa_fixtures();
    let keys = platform_keys(&f);
    let at = ts(&f, "/timestamp");
    let error = r##"{"code": "PARAM_ERROR", "message": "参数格式校验错误",
        "detail": {"field": "#/payer", "value": "", "issue": "missing", "location": "body", "hint": "new member"}}"##;
    match wechat_global::read_answer(&keys, 400, &HeaderMap::new(), error.as_bytes(), at)
        .unwrap_err()
    {
        wechat_global::WechatGlobalError::Refused { answer, .. } => {
            assert_eq!(answer.code, wechat_global::ErrorCode::ParamError);
            assert_eq!(answer.detail.unwrap().field.as_deref(), Some("#/payer"));
        }
        other => panic!("{other:?}"),
    }
    let envelope = r#"{"id": "EV-2018022511223320873", "create_time": "2018-06-08T10:34:56+08:00",
        "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource",
        "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": "c2VjcmV0", "nonce": "fdasflkja484",
            "original_type": "transaction", "associated_data": "transaction", "key_version": "2"}}"#;
    let notification = wechat_v3::Notification::decode_unsigned(envelope.as_bytes()).unwrap();
    assert_eq!(notification.value.resource.nonce, "fdasflkja484");
    // The same unknown member in a request's nested object is still refused.
    let mut order =
        serde_json::to_value(paywire_providers::wechat_global::sample_direct()).unwrap();
    order["amount"]["extra"] = "1".into();
    let err = wechat_global::JsapiOrder::from_body(order.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("#/amount/extra"), "{err}");
}
