//! Every verifier against independently computed vectors: valid, tampered value,
//! tampered unknown field, wrong key, missing signature, replayed, hostile input.

use paywire::decode::DecodeError;
use paywire::keys::PublicKey;
use paywire::{Fen, PayRequest, Secret, VerifyError, Yuan};
use paywire_providers::wechat::v2::{AppParams, BridgeParams};
use paywire_providers::{feat, swiftpass, weidoufu, xorpay};
use paywire_tests::{rsa_fixtures, text, vector};

fn secret_of(name: &str) -> Secret {
    Secret::new(text(&vector(name), "/secret"))
}

fn body_of(name: &str) -> String {
    text(&vector(name), "/body").to_owned()
}

fn assert_malformed<T: std::fmt::Debug>(result: Result<T, VerifyError>) {
    match result {
        Err(e) => assert!(
            e.is_malformed(),
            "expected a malformed-input error, got {e:?}"
        ),
        Ok(v) => panic!("hostile input accepted: {v:?}"),
    }
}

// ---------------------------------------------------------------- SwiftPass

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

// ---------------------------------------------------------------- XorPay

#[test]
fn xorpay_notification() {
    let body = body_of("xorpay_notify");
    let secret = secret_of("xorpay_notify");
    let verified = xorpay::verify_notification(body.as_bytes(), &secret).unwrap();
    assert_eq!(verified.value.pay_price, Yuan(Fen::new(5000)));
    // `more` and `detail` are not signed: kept apart, never in the verified value.
    assert_eq!(
        verified.unsigned.get("more").and_then(|n| n.as_str()),
        Some("a=1&b=2")
    );
    assert!(verified.unsigned.get("detail").is_some() && verified.fields.get("more").is_none());
    let payment = verified.value.payment().unwrap();
    assert_eq!(payment.key.as_str(), "xorpay:14");
    assert_eq!(
        payment.gateway_order.as_deref(),
        Some("2c56a1c8e7f34e0f9b2f7d3d1e0a9b8c")
    );
    assert_eq!(
        xorpay::verify_notification(body.as_bytes(), &secret).unwrap(),
        verified,
        "pure"
    );
    let cases = [
        body.replace("pay_price=50.00", "pay_price=0.01"),
        body.replace("order_id=14", "order_id=15"),
    ];
    for tampered in cases {
        assert_eq!(
            xorpay::verify_notification(tampered.as_bytes(), &secret).unwrap_err(),
            VerifyError::SignatureMismatch
        );
    }
    assert_eq!(
        xorpay::verify_notification(body.as_bytes(), &Secret::new("wrong")).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let unsigned = body.split("&sign=").next().unwrap();
    assert_eq!(
        xorpay::verify_notification(unsigned.as_bytes(), &secret).unwrap_err(),
        VerifyError::SignatureMissing {
            field: "sign".into()
        }
    );
    assert_malformed(xorpay::verify_notification(
        format!("{body}&aoid=x").as_bytes(),
        &secret,
    ));
    assert_malformed(xorpay::verify_notification(b"aoid=%ff", &secret));
    assert_eq!(xorpay::NOTIFY_ACK, "ok");
}

#[test]
fn xorpay_answers_are_typed() {
    let ok = br#"{"status":"ok","aoid":"2c56a1c8","expires_in":7200,"info":{"appId":"wx4444aa5566666777",
        "timeStamp":"1653377557","nonceStr":"70041f30d95a41cdb42d07e8e5056a09",
        "package":"prepay_id=wx2415323785101221eb9b6f10663d3b0000","signType":"MD5","paySign":"1E20E52787F74158FE0683EE63357DF3"}}"#;
    let answer = xorpay::read_answer(ok).unwrap();
    assert_eq!(answer.expires_in, Some(7200));
    assert_eq!(answer.aoid, "2c56a1c8");
    answer.info.verify(&secret_of("v2_jsapi_pay_sign")).unwrap();
    for (code, status) in [
        ("sign_error", xorpay::Status::SignError),
        ("order_exist", xorpay::Status::OrderExist),
        ("invalid_openid", xorpay::Status::InvalidOpenid),
        ("brand_new", xorpay::Status::Other("brand_new".into())),
    ] {
        let body = format!(r#"{{"status":"{code}"}}"#);
        assert_eq!(
            xorpay::read_answer(body.as_bytes()).unwrap_err(),
            xorpay::XorpayError::Status { status }
        );
    }
    assert_eq!(xorpay::Status::KNOWN.len(), 12);
}

/// `ok` comes with the rest ("只有在 ok 的情况下才有后面的参数"): an `ok` without `aoid`
/// (needed to check the notification) or without `info` (needed to pay) cannot be acted
/// on, and the two spellings of the expiry may not disagree.
#[test]
fn xorpay_ok_without_what_it_needs_is_malformed() {
    let info = r#"{"appId":"wx4444aa5566666777","timeStamp":"1653377557","nonceStr":"n",
        "package":"prepay_id=wx1","signType":"MD5","paySign":"1E20E52787F74158FE0683EE63357DF3"}"#;
    for body in [
        r#"{"status":"ok"}"#.to_owned(),
        format!(r#"{{"status":"ok","info":{info}}}"#),
        r#"{"status":"ok","aoid":"2c56a1c8"}"#.to_owned(),
        r#"{"status":"ok","aoid":"","info":{}}"#.to_owned(),
        format!(
            r#"{{"status":"ok","aoid":"2c56a1c8","expires_in":7200,"expire_in":60,"info":{info}}}"#
        ),
    ] {
        match xorpay::read_answer(body.as_bytes()) {
            Err(xorpay::XorpayError::Decode(e)) => assert!(e.is_malformed(), "{body}: {e:?}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    // Either spelling alone, or both agreeing, is read.
    for expiry in [
        r#""expire_in":60,"#,
        r#""expires_in":60,"#,
        r#""expire_in":60,"expires_in":60,"#,
    ] {
        let body = format!(r#"{{"status":"ok","aoid":"2c56a1c8",{expiry}"info":{info}}}"#);
        let placed = xorpay::read_answer(body.as_bytes()).unwrap();
        assert_eq!(format!("{placed:?}").matches("60").count(), 1, "{body}");
    }
}

// ---------------------------------------------------------------- weidoufu

#[test]
fn weidoufu_notification_is_verified_over_the_raw_content_text() {
    let body = body_of("weidoufu_notify");
    let secret = secret_of("weidoufu_notify");
    let verified = weidoufu::verify_notification(body.as_bytes(), &secret).unwrap();
    assert_eq!(verified.value.total_fee, Fen::new(1));
    assert_eq!(
        verified.value.attach.as_deref(),
        Some("{test:'test1_params'}")
    );
    assert!(verified.value.is_paid());
    let payment = verified.value.payment().unwrap();
    assert_eq!(payment.key.as_str(), "weidoufu:180901620895069445");
    assert_eq!(
        weidoufu::verify_notification(body.as_bytes(), &secret).unwrap(),
        verified,
        "pure"
    );
    // The same content re-serialised compactly is the same JSON value but not the signed text.
    let compact = {
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        format!(r#"{{"sign":{},"content":{}}}"#, v["sign"], v["content"])
    };
    assert_eq!(
        weidoufu::verify_notification(compact.as_bytes(), &secret).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let tampered = body.replace("\"total_fee\": 1", "\"total_fee\": 100");
    assert_eq!(
        weidoufu::verify_notification(tampered.as_bytes(), &secret).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    assert_eq!(
        weidoufu::verify_notification(body.as_bytes(), &Secret::new("sk_wrong")).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    let unsigned = body.replacen("\"sign\"", "\"sig\"", 1);
    assert_eq!(
        weidoufu::verify_notification(unsigned.as_bytes(), &secret).unwrap_err(),
        VerifyError::SignatureMissing {
            field: "sign".into()
        }
    );
    let duplicated = body.replace("\"status\": 1", "\"status\": 1, \"status\": 0");
    assert_malformed(weidoufu::verify_notification(
        duplicated.as_bytes(),
        &secret,
    ));
    assert_malformed(weidoufu::verify_notification(
        b"{\"sign\":\"x\",\"content\":\"\xff\"}",
        &secret,
    ));
    assert_malformed(weidoufu::verify_notification(b"[]", &secret));
}

/// An authentic notification whose `total_fee` arrives quoted (`"990"`, as PHP-built
/// gateways often send integers) is an exact amount: refusing it after the signature
/// passed would have the gateway retry it for ever and the payment never applied.
/// Quoted text that is not a whole number of fen is still refused.
#[test]
fn weidoufu_quoted_total_fee_is_applied_and_other_text_refused() {
    let secret = Secret::new("sk_quoted");
    let signed = |fee: &str| {
        let content = format!(
            r#"{{"mch_trade_no":"W2024030112000001","out_order_no":"180901620895069445","transaction_id":"4200000985202103031441826015","total_fee":{fee},"status":1}}"#
        );
        let node =
            paywire::decode::json::parse_object(content.as_bytes(), &Default::default()).unwrap();
        weidoufu::sign_notification(&node, &secret)
    };
    let verified = weidoufu::verify_notification(signed("\"990\"").as_bytes(), &secret).unwrap();
    assert_eq!(verified.value.total_fee, Fen::new(990));
    assert_eq!(verified.value.payment().unwrap().amount, Fen::new(990));
    for bad in [
        "\"9.90\"", "\"-1\"", "\"+990\"", "\" 990\"", "\"\"", "\"99O\"", "9.9",
    ] {
        let err = weidoufu::verify_notification(signed(bad).as_bytes(), &secret).unwrap_err();
        assert!(err.is_malformed(), "{bad}: {err:?}");
    }
}

#[test]
fn weidoufu_answers() {
    let ok = r#"{"code":1,"message":"成功","data":{"mch_trade_no":"202105135513716648486662",
        "out_order_no":"180901620895069445","jsapi":{"app_id":"wx4444aa5566666777","timestamp":"1653377557",
        "nonce_str":"70041f30d95a41cdb42d07e8e5056a09","package":"prepay_id=wx2415323785101221eb9b6f10663d3b0000",
        "sign_type":"MD5","pay_sign":"1E20E52787F74158FE0683EE63357DF3"}}}"#;
    let data = weidoufu::read_answer(ok.as_bytes()).unwrap();
    let weidoufu::Jsapi::Wechat(jsapi) = &data.jsapi else {
        panic!("wechat shape")
    };
    jsapi
        .verify_pay_sign(&secret_of("v2_jsapi_pay_sign"))
        .unwrap();
    assert_eq!(
        jsapi.verify_pay_sign(&Secret::new("other")),
        Err(VerifyError::SignatureMismatch)
    );

    let alipay = r#"{"code":1,"message":"成功","data":{"mch_trade_no":"1","out_order_no":"180901620895069445",
        "jsapi":{"trade_no":"20211127220461494775747063371"}}}"#;
    assert_eq!(
        weidoufu::read_answer(alipay.as_bytes()).unwrap().jsapi,
        weidoufu::Jsapi::Alipay(weidoufu::AlipayJsapi {
            trade_no: "20211127220461494775747063371".into()
        })
    );
    let refused = r#"{"code":0,"message":"签名错误","data":{"mch_trade_no":"202105135513716100622151",
        "out_order_no":"1809016208199613140","jsapi":""}}"#;
    match weidoufu::read_answer(refused.as_bytes()).unwrap_err() {
        weidoufu::WeidoufuError::Refused { message, data } => {
            assert_eq!(message, "签名错误");
            assert_eq!(data.unwrap().jsapi, weidoufu::Jsapi::Empty);
        }
        other => panic!("{other:?}"),
    }
}

/// `code: 1` is a success only with its payment parameters: a `jsapi` sent empty with it
/// leaves nothing to call `uni.requestPayment` with, and is refused as malformed.
#[test]
fn weidoufu_success_without_jsapi_is_malformed() {
    for jsapi in [r#""""#, "[]", "{}", "null"] {
        let body = format!(
            r#"{{"code":1,"message":"成功","data":{{"mch_trade_no":"1","out_order_no":"180901620895069445","jsapi":{jsapi}}}}}"#
        );
        match weidoufu::read_answer(body.as_bytes()) {
            Err(weidoufu::WeidoufuError::Decode(e)) => assert!(e.is_malformed(), "{body}: {e:?}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- featapi and v2 paySign

/// A featapi JSAPI order (`official_account`, the default app type).
fn feat_jsapi_order() -> feat::OrderPay {
    feat::OrderPay {
        pay_method: 200,
        end_type: feat::end_type::JSAPI,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: None,
            open_id: Some("o1".into()),
        }),
    }
}

#[test]
fn feat_three_success_shapes() {
    let native_req = paywire_providers::feat::sample();
    let native =
        br#"{"data":{"trade_type":"NATIVE","code_url":"weixin://wxpay/bizpayurl?pr=123456",
        "prepay_id":"wx99999999999999999999999efbe47b00000"}}"#;
    assert!(
        matches!(feat::read_answer(&native_req, 200, native).unwrap(), feat::PayResult::Native(d) if d.code_url == "weixin://wxpay/bizpayurl?pr=123456")
    );

    let app_req = feat::OrderPay {
        pay_method: 200,
        end_type: feat::end_type::APP,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some("feat_ios_app".into()),
            open_id: None,
        }),
    };
    let v = vector("v2_app_sign");
    let app = format!(
        r#"{{"data":{{"package":"Sign=WXPay","timestamp":1642748825,"prepayid":"wx99999999999999999999fa4d4bc0200000",
        "appid":"wxjifrogd7x8g09t5s","partnerid":"1486158932","noncestr":"e3dd9f348d8240ef81a0ada3ab1aae55","sign":"{}"}}}}"#,
        text(&v, "/signature")
    );
    let feat::PayResult::App(data) = feat::read_answer(&app_req, 200, app.as_bytes()).unwrap()
    else {
        panic!("app")
    };
    data.verify(&secret_of("v2_app_sign")).unwrap();
    assert_eq!(
        data.timestamp.as_str(),
        "1642748825",
        "a JSON number keeps its digits"
    );

    let jsapi_req = feat_jsapi_order();
    let jsapi = br#"{"appId":"wx4444aa5566666777","timeStamp":1653377557,"nonceStr":"70041f30d95a41cdb42d07e8e5056a09",
        "package":"prepay_id=wx2415323785101221eb9b6f10663d3b0000","signType":"MD5","paySign":"9147CA32DE4278800CDFF927203348E9"}"#;
    let feat::PayResult::Jsapi(params) = feat::read_answer(&jsapi_req, 200, jsapi).unwrap() else {
        panic!("jsapi")
    };
    assert_eq!(
        params.verify(&secret_of("v2_jsapi_pay_sign")),
        Err(VerifyError::SignatureMismatch),
        "the document's paySign was made with another key"
    );
    assert_eq!(
        params.params().signature(&secret_of("v2_jsapi_pay_sign")),
        text(&vector("v2_jsapi_pay_sign"), "/signature")
    );
}

/// A 2xx answer is read in the shape its request asked for: the JSAPI object at the top
/// level answering a NATIVE order, a NATIVE `data` answering a JSAPI order, or a shape
/// missing a member, is malformed, never a success.
#[test]
fn feat_answer_in_another_shape_is_malformed() {
    let native_req = paywire_providers::feat::sample();
    let jsapi_req = feat_jsapi_order();
    let jsapi = r#"{"appId":"wx4444aa5566666777","timeStamp":1653377557,"nonceStr":"n",
        "package":"prepay_id=wx1","signType":"MD5","paySign":"9147CA32DE4278800CDFF927203348E9"}"#;
    let native = r#"{"data":{"trade_type":"NATIVE","code_url":"weixin://wxpay/bizpayurl?pr=1","prepay_id":"wx1"}}"#;
    let without_code_url = r#"{"data":{"trade_type":"NATIVE","prepay_id":"wx1"}}"#;
    for (request, body) in [
        (&native_req, jsapi),
        (&jsapi_req, native),
        (&native_req, without_code_url),
        (&native_req, "{}"),
    ] {
        match feat::read_answer(request, 200, body.as_bytes()) {
            Err(feat::FeatError::Decode(e)) => assert!(e.is_malformed(), "{body}: {e:?}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn feat_oauth_errors_are_typed_with_their_statuses() {
    let req = paywire_providers::feat::sample();
    // The document's example lacks a comma; the corrected body:
    let body = br#"{"error": "invalid_request", "error_description": "device_id is required"}"#;
    match feat::read_answer(&req, 400, body).unwrap_err() {
        feat::FeatError::OAuth { status: 400, error } => {
            assert!(error.device_id_required());
            assert_eq!(
                error.to_string(),
                "featapi OAuth2 error invalid_request: device_id is required"
            );
        }
        other => panic!("{other:?}"),
    }
    let as_printed = b"{\n    \"error\": \"invalid_request\"\n    \"error_description\": \"device_id is required\"\n}";
    assert!(
        matches!(feat::read_answer(&req, 400, as_printed), Err(feat::FeatError::Decode(e)) if e.is_malformed())
    );
    let codes = [
        ("invalid_request", 400),
        ("invalid_client", 401),
        ("invalid_grant", 400),
        ("unauthorized_client", 400),
        ("unsupported_grant_type", 400),
        ("invalid_scope", 400),
        ("invalid_token", 401),
        ("insufficient_scope", 403),
    ];
    for (code, status) in codes {
        let body = format!(r#"{{"error":"{code}"}}"#);
        let feat::FeatError::OAuth { error, .. } =
            feat::read_answer(&req, status, body.as_bytes()).unwrap_err()
        else {
            panic!("{code}")
        };
        assert_eq!(error.error.as_str(), code);
        assert!(!matches!(error.error, feat::OAuthErrorCode::Other(_)));
        assert_eq!(error.error.http_status(), status);
        assert_eq!(error.error_description, None);
    }
}

#[test]
fn v2_pay_sign_is_produced_and_verified() {
    let v = vector("v2_jsapi_pay_sign");
    let params: BridgeParams = serde_json::from_value(v["input"].clone()).unwrap();
    let key = secret_of("v2_jsapi_pay_sign");
    assert_eq!(params.sign_string(&key), text(&v, "/sign_string"));
    let pay_sign = params.signature(&key);
    assert_eq!(pay_sign, text(&v, "/signature"));
    params.verify_pay_sign(&pay_sign, &key).unwrap();
    assert_eq!(
        params.verify_pay_sign("", &key),
        Err(VerifyError::SignatureMissing {
            field: "paySign".into()
        })
    );
    let mut other = params.clone();
    other.package = "prepay_id=other".into();
    assert_eq!(
        other.verify_pay_sign(&pay_sign, &key),
        Err(VerifyError::SignatureMismatch)
    );
    let body: serde_json::Value =
        serde_json::from_slice(params.to_body(&key).unwrap().as_bytes()).unwrap();
    assert_eq!(
        body["paySign"],
        pay_sign.as_str(),
        "the body the front end needs, paySign included"
    );

    let v = vector("v2_app_sign");
    let app: AppParams = serde_json::from_value(v["input"].clone()).unwrap();
    assert_eq!(
        app.signature(&secret_of("v2_app_sign")),
        text(&v, "/signature")
    );
}

// ---------------------------------------------------------------- the rest of the matrix

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
fn xorpay_signs_only_four_fields_so_unknown_fields_are_not_protected() {
    // XorPay's md5(aoid + order_id + pay_price + pay_time + secret) does not cover `more`,
    // `detail` or any other field: that is the gateway's scheme, not a paywire choice.
    // The unsigned fields are kept apart from the verified value, never mixed into it.
    let body = body_of("xorpay_notify").replace("more=a%3D1%26b%3D2", "more=changed");
    let verified =
        xorpay::verify_notification(body.as_bytes(), &secret_of("xorpay_notify")).unwrap();
    assert_eq!(
        verified.unsigned.get("more").and_then(|n| n.as_str()),
        Some("changed")
    );
    assert_eq!(
        verified.fields.len(),
        4,
        "only the signed members: {:?}",
        verified.fields
    );
}

#[test]
fn weidoufu_notification_with_an_added_member_fails() {
    let body = body_of("weidoufu_notify").replace("\"status\": 1", "\"status\": 1, \"refund\": 0");
    assert_eq!(
        weidoufu::verify_notification(body.as_bytes(), &secret_of("weidoufu_notify")).unwrap_err(),
        VerifyError::SignatureMismatch
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
