//! SwiftPass's verifiers against independently computed vectors and the document's
//! examples: responses and notifications, MD5 and RSA_1_256, tampered values, unknown
//! members, wrong keys, missing signatures and hostile input.

use paywire::decode::DecodeError;
use paywire::keys::PublicKey;
use paywire::{Fen, PayRequest, Secret, VerifyError};
use paywire_providers::swiftpass;
use paywire_tests::{assert_malformed, body_of, rsa_fixtures, secret_of, text, vector};

fn swiftpass_key() -> swiftpass::VerifyKey {
    swiftpass::VerifyKey::Md5(secret_of("swiftpass_response_published"))
}

#[test]
fn swiftpass_published_response_verifies_with_its_unlisted_field_signed() {
    let body = body_of("swiftpass_response_published");
    let verified = swiftpass::verify_response(body.as_bytes(), &swiftpass_key()).unwrap();
    assert_eq!(verified.value.mch_id, "175510359638");
    assert_eq!(verified.value.status, "0");
    let pay_info = verified
        .fields
        .get("pay_info")
        .and_then(|n| n.as_str())
        .unwrap();
    assert!(pay_info.starts_with("https://statecheck.swiftpass.cn/pay/wappay?token_id="));
    assert!(
        verified.fields.get("sign").is_none(),
        "the signature is taken out of the raw fields"
    );
}

/// A success must carry what the buyer pays with: the document's `trade_type`,
/// `prepay_id` and `mweb_url` (its success example), or the `pay_info` URL real SwiftPass
/// gateways send instead (the published response). An authentic success with neither is
/// refused, not returned as `Ok` with nothing to redirect to.
#[test]
fn swiftpass_success_carries_a_pay_url_or_is_refused() {
    let document = body_of("swiftpass_response_document_success");
    let verified = swiftpass::verify_response(document.as_bytes(), &swiftpass_key()).unwrap();
    assert!(verified
        .value
        .pay_url()
        .unwrap()
        .starts_with("https://wx.tenpay.com/"));
    assert_eq!(
        verified.value.prepay_id.as_deref(),
        Some("wx201411101639507cbf6ffd8b0779950874")
    );
    let published = body_of("swiftpass_response_published");
    let verified = swiftpass::verify_response(published.as_bytes(), &swiftpass_key()).unwrap();
    assert!(verified
        .value
        .pay_url()
        .unwrap()
        .starts_with("https://statecheck.swiftpass.cn/"));
    let empty = body_of("swiftpass_response_success_without_pay_url");
    match swiftpass::verify_response(empty.as_bytes(), &swiftpass_key()).unwrap_err() {
        swiftpass::SwiftpassError::Verify(e) => assert!(e.is_malformed(), "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn swiftpass_response_refuses_tampering_wrong_key_and_no_signature() {
    let body = body_of("swiftpass_response_published");
    let key = swiftpass_key();
    let tampered_value = body.replace("175510359638", "175510359639");
    let tampered_unknown = body.replace("token_id=2d2c", "token_id=3d2c");
    for tampered in [tampered_value, tampered_unknown] {
        assert_eq!(
            swiftpass::verify_response(tampered.as_bytes(), &key).unwrap_err(),
            swiftpass::SwiftpassError::Verify(VerifyError::SignatureMismatch)
        );
    }
    let wrong = swiftpass::VerifyKey::Md5(Secret::new("61307e5f2aebcacecbcca6fe5296df9d"));
    assert_eq!(
        swiftpass::verify_response(body.as_bytes(), &wrong).unwrap_err(),
        swiftpass::SwiftpassError::Verify(VerifyError::SignatureMismatch)
    );
    let unsigned = body.replace(
        "<sign><![CDATA[3597280A82F33C16D633EDDC96C757B3]]></sign>",
        "",
    );
    assert!(unsigned.len() < body.len());
    assert_eq!(
        swiftpass::verify_response(unsigned.as_bytes(), &key).unwrap_err(),
        swiftpass::SwiftpassError::Verify(VerifyError::SignatureMissing {
            field: "sign".into()
        })
    );
    let empty = body.replace("3597280A82F33C16D633EDDC96C757B3", "");
    assert!(matches!(
        swiftpass::verify_response(empty.as_bytes(), &key).unwrap_err(),
        swiftpass::SwiftpassError::Verify(VerifyError::SignatureMissing { .. })
    ));
    let lower = body.replace(
        "3597280A82F33C16D633EDDC96C757B3",
        "3597280a82f33c16d633eddc96c757b3",
    );
    assert!(
        swiftpass::verify_response(lower.as_bytes(), &key).is_ok(),
        "hex case carries no meaning"
    );
}

#[test]
fn swiftpass_status_and_result_code_failures_are_typed() {
    let failed = "<xml><status>400</status><message><![CDATA[签名失败]]></message></xml>";
    assert_eq!(
        swiftpass::verify_response(failed.as_bytes(), &swiftpass_key()).unwrap_err(),
        swiftpass::SwiftpassError::Status {
            status: "400".into(),
            message: Some("签名失败".into())
        }
    );
    // A business failure is still verified before it is reported.
    let body = body_of("swiftpass_response_business");
    match swiftpass::verify_response(body.as_bytes(), &swiftpass_key()).unwrap_err() {
        swiftpass::SwiftpassError::Business(response) => {
            assert_eq!(response.err_code.as_deref(), Some("AUTHCODE_EXPIRE"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn swiftpass_document_success_example_repeats_appid_which_is_kept_once() {
    // SwiftPass's document's "正确的返回" repeats <appid> with the same value: kept once.
    let documented = "<xml><status>0</status><appid><![CDATA[wx2421b1c4370ec43b]]></appid>\
                <mch_id><![CDATA[10000100]]></mch_id><appid><![CDATA[wx2421b1c4370ec43b]]></appid></xml>";
    let fields = paywire::decode::parse_body(
        paywire::schema::Format::Xml,
        documented.as_bytes(),
        &paywire::decode::Limits::default(),
    )
    .unwrap();
    let names: Vec<&str> = fields.iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["status", "appid", "mch_id"]);
    // This shortened copy carries no signature, which is refused as always.
    assert_eq!(
        swiftpass::verify_response(documented.as_bytes(), &swiftpass_key()).unwrap_err(),
        swiftpass::SwiftpassError::Verify(VerifyError::SignatureMissing {
            field: "sign".into()
        })
    );
    // The same element with another value (the shape of a CDATA injection) stays refused.
    let injected = documented.replacen("wx2421b1c4370ec43b", "wx0000000000000000", 1);
    assert_eq!(
        swiftpass::verify_response(injected.as_bytes(), &swiftpass_key()).unwrap_err(),
        swiftpass::SwiftpassError::Verify(VerifyError::Decode(DecodeError::Duplicate {
            path: "#/appid".into()
        }))
    );
}

#[test]
fn swiftpass_notification_is_a_payment_keyed_on_the_merchants_order() {
    let body = body_of("swiftpass_notify");
    let verified = swiftpass::verify_notification(body.as_bytes(), &swiftpass_key()).unwrap();
    assert!(verified.value.is_paid());
    assert_eq!(verified.value.total_fee, Some(Fen::new(1)));
    assert_eq!(verified.value.attach.as_deref(), Some("支付测试 & <more>"));
    assert_eq!(
        verified.fields.get("bank_type").and_then(|n| n.as_str()),
        Some("CMB_CREDIT")
    );
    let payment = verified.value.payment().unwrap();
    assert_eq!(payment.key.as_str(), "swiftpass:1415659990");
    assert_eq!(payment.amount, Fen::new(1));
    assert_eq!(
        payment.gateway_order.as_deref(),
        Some("4200000985202103031441826014")
    );
    // Pure: a redelivery verifies to the same value.
    assert_eq!(
        swiftpass::verify_notification(body.as_bytes(), &swiftpass_key()).unwrap(),
        verified
    );
    assert_eq!(swiftpass::NOTIFY_ACK, "success");
}

#[test]
fn swiftpass_notification_refusals() {
    let body = body_of("swiftpass_notify");
    let key = swiftpass_key();
    let cases = [
        (
            body.replace("<total_fee><![CDATA[1]]>", "<total_fee><![CDATA[100]]>"),
            VerifyError::SignatureMismatch,
        ),
        (
            body.replace("CMB_CREDIT", "ICBC_DEBIT"),
            VerifyError::SignatureMismatch,
        ),
        (
            body.replace(
                "<sign_type><![CDATA[MD5]]>",
                "<sign_type><![CDATA[RSA_1_256]]>",
            ),
            VerifyError::SignTypeMismatch {
                expected: "MD5",
                received: "RSA_1_256".into(),
            },
        ),
    ];
    for (tampered, expected) in cases {
        assert_eq!(
            swiftpass::verify_notification(tampered.as_bytes(), &key).unwrap_err(),
            expected
        );
    }
    // Nothing was recorded by the refusals: the genuine notification is still new.
    assert!(swiftpass::verify_notification(body.as_bytes(), &key).is_ok());
    let injected = body.replace("<pay_result>", "<total_fee>100000</total_fee><pay_result>");
    assert_malformed(swiftpass::verify_notification(injected.as_bytes(), &key));
    let xxe = format!("<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{body}");
    assert_malformed(swiftpass::verify_notification(xxe.as_bytes(), &key));
    assert_malformed(swiftpass::verify_notification(
        b"<xml><attach>\xff</attach></xml>",
        &key,
    ));
    assert_malformed(swiftpass::verify_notification(b"", &key));
    let huge = format!("<xml><attach>{}</attach></xml>", "a".repeat(300 * 1024));
    assert_malformed(swiftpass::verify_notification(huge.as_bytes(), &key));
}

/// A SwiftPass request with `sign_type` RSA_1_256 signs exactly as Python's
/// `cryptography` signs the same sorted string with the same key
/// (`tests/fixtures/wechat_v3.py`), and travels as the XML SwiftPass reads.
#[test]
fn swiftpass_rsa_1_256_request_signs_as_an_independent_signer_does() {
    use paywire::keys::MerchantKey;
    let fixtures = rsa_fixtures();
    let order = paywire_providers::swiftpass::sample_rsa();
    let expected = text(&fixtures, "/swiftpass_rsa_request/signature");
    assert_eq!(
        order.sign_string_redacted(),
        text(&fixtures, "/swiftpass_rsa_request/sign_string")
    );
    for pem in ["/merchant/private_key_pkcs8", "/merchant/private_key_pkcs1"] {
        let key = MerchantKey::from_pem(text(&fixtures, pem)).unwrap();
        assert_eq!(order.signature(&key), expected, "{pem}");
    }
    let key = MerchantKey::from_pem(text(&fixtures, "/merchant/private_key_pkcs8")).unwrap();
    let body = order.to_body(&key).unwrap();
    let received = swiftpass::WapPayRsa::from_body(body.as_bytes()).unwrap();
    assert_eq!(received.request, order);
    assert_eq!(received.signature.as_deref(), Some(expected));
    // Every member the independent signer signed travels, with the same text.
    let fields = fixtures["swiftpass_rsa_request"]["fields"]
        .as_object()
        .unwrap();
    assert_eq!(received.fields.len(), fields.len());
    for (name, value) in fields {
        let got = received.fields.get(name).map(|n| n.to_string());
        assert_eq!(got.as_deref(), value.as_str(), "{name}");
    }
    // The gateway's side: the merchant's public key accepts the sorted string, and
    // refuses a changed amount or a flipped signature byte.
    let public = PublicKey::from_pem(text(&fixtures, "/merchant/public_key")).unwrap();
    let string = text(&fixtures, "/swiftpass_rsa_request/sign_string");
    assert_eq!(public.verify_base64(string.as_bytes(), expected), Ok(()));
    let tampered = string.replace("total_fee=1", "total_fee=2");
    assert!(public.verify_base64(tampered.as_bytes(), expected).is_err());
    let mut flipped = expected.as_bytes().to_vec();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert!(public.verify_base64(string.as_bytes(), &flipped).is_err());
}

#[test]
fn swiftpass_rsa_1_256_notification_from_an_independent_signer() {
    let fixtures = rsa_fixtures();
    let platform = PublicKey::from_pem(text(&fixtures, "/platform/public_key")).unwrap();
    let key = swiftpass::VerifyKey::Rsa(platform);
    let body = text(&fixtures, "/swiftpass_rsa/body");
    let verified = swiftpass::verify_notification(body.as_bytes(), &key).unwrap();
    assert!(verified.value.is_paid());
    let tampered = body.replace("<total_fee>1</total_fee>", "<total_fee>2</total_fee>");
    assert_eq!(
        swiftpass::verify_notification(tampered.as_bytes(), &key).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let other = PublicKey::from_pem(text(&fixtures, "/platform/other_public_key")).unwrap();
    assert_eq!(
        swiftpass::verify_notification(body.as_bytes(), &swiftpass::VerifyKey::Rsa(other))
            .unwrap_err(),
        VerifyError::SignatureMismatch
    );
    // An MD5 message is refused when RSA is configured: no downgrade.
    let md5 = body_of("swiftpass_notify");
    assert!(matches!(
        swiftpass::verify_notification(md5.as_bytes(), &key).unwrap_err(),
        VerifyError::SignTypeMismatch {
            expected: "RSA_1_256",
            ..
        }
    ));
}

#[test]
fn swiftpass_response_hostile_input_is_malformed() {
    let key = swiftpass_key();
    let body = body_of("swiftpass_response_published");
    let hostile = [
        format!("<!DOCTYPE x [<!ENTITY e \"e\">]>{body}"),
        body.replace("<charset>", "<?pi x?><charset>"),
        format!("<xml>{}</xml>", "<a>1</a>".repeat(40_000)),
        "<xml><status>0</status><status>1</status></xml>".to_owned(),
    ];
    for h in hostile {
        match swiftpass::verify_response(h.as_bytes(), &key) {
            Err(swiftpass::SwiftpassError::Verify(e)) => assert!(e.is_malformed(), "{e:?}"),
            other => panic!("{other:?}"),
        }
    }
    assert!(matches!(
        swiftpass::verify_response(
            b"<xml><status>0</status><mch_id>\xc3\x28</mch_id></xml>",
            &key
        ),
        Err(swiftpass::SwiftpassError::Verify(VerifyError::Decode(
            DecodeError::NotUtf8 { .. }
        )))
    ));
}

#[test]
fn swiftpass_notification_wrong_key_and_missing_sign() {
    let body = body_of("swiftpass_notify");
    let wrong = swiftpass::VerifyKey::Md5(Secret::new("wrong-key"));
    assert_eq!(
        swiftpass::verify_notification(body.as_bytes(), &wrong).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let sign = text(&vector("swiftpass_notify"), "/signature").to_owned();
    let unsigned = body.replace(&format!("<sign><![CDATA[{sign}]]></sign>"), "");
    assert_eq!(
        swiftpass::verify_notification(unsigned.as_bytes(), &swiftpass_key()).unwrap_err(),
        VerifyError::SignatureMissing {
            field: "sign".into()
        }
    );
}

#[test]
fn swiftpass_answer_with_result_code_success_is_a_success_and_an_error_keeps_err_code_des() {
    use md5::{Digest, Md5};
    let key = "61307e5f2aebcacecbcca6fe5296df9c";
    // Signed here with the md-5 crate over the sorted string written out by hand.
    let signed = |members: &[(&str, &str)]| {
        let mut sorted = members.to_vec();
        sorted.sort();
        let text: Vec<String> = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let digest = Md5::digest(format!("{}&key={key}", text.join("&")));
        let sign: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        let mut xml = String::from("<xml>");
        for (k, v) in members {
            xml.push_str(&format!("<{k}><![CDATA[{v}]]></{k}>"));
        }
        xml + &format!("<sign>{sign}</sign></xml>")
    };
    let verify_key = swiftpass::VerifyKey::Md5(Secret::new(key));
    let success = signed(&[
        ("status", "0"),
        ("result_code", "SUCCESS"),
        ("mch_id", "10000100"),
        ("nonce_str", "IITRi8Iabbblz1Jc"),
        ("trade_type", "pay.weixin.wap"),
        ("prepay_id", "wx201411101639507cbf6ffd8b0779950874"),
        (
            "mweb_url",
            "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2014",
        ),
    ]);
    let verified = swiftpass::verify_response(success.as_bytes(), &verify_key).unwrap();
    assert!(verified.value.is_success());
    let failure = signed(&[
        ("status", "0"),
        ("result_code", "1"),
        ("mch_id", "10000100"),
        ("nonce_str", "BFK89FC6rxKCOjLX"),
        ("err_code", "ORDERPAID"),
        ("err_code_des", "该订单已支付"),
    ]);
    match swiftpass::verify_response(failure.as_bytes(), &verify_key).unwrap_err() {
        swiftpass::SwiftpassError::Business(answer) => {
            assert_eq!(answer.err_code_des.as_deref(), Some("该订单已支付"));
            let shown = swiftpass::SwiftpassError::Business(answer).to_string();
            assert!(shown.contains("该订单已支付"), "{shown}");
        }
        other => panic!("{other:?}"),
    }
}
