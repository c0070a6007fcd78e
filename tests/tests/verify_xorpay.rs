//! XorPay's notification and answers against independently computed vectors: the four
//! signed members, unsigned ones reported apart, typed statuses, malformed `ok`s.

use paywire::{Fen, Secret, VerifyError, Yuan};
use paywire_providers::xorpay;
use paywire_tests::{assert_malformed, body_of, secret_of};

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
