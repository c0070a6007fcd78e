//! weidoufu's notification (verified over the raw `content` text) and answers against
//! independently computed vectors.

use paywire::{Fen, Secret, VerifyError};
use paywire_providers::weidoufu;
use paywire_tests::{assert_malformed, body_of, secret_of};

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

#[test]
fn weidoufu_notification_with_an_added_member_fails() {
    let body = body_of("weidoufu_notify").replace("\"status\": 1", "\"status\": 1, \"refund\": 0");
    assert_eq!(
        weidoufu::verify_notification(body.as_bytes(), &secret_of("weidoufu_notify")).unwrap_err(),
        VerifyError::SignatureMismatch
    );
}
