//! XorPay's order query and refund against the published vectors of xorpay-sdk (Go,
//! warjiang/xorpay-sdk): `sign_test.go` (`SignQueryByOrderID("demo-order", "secret")` =
//! `fc24a300c1ec85c163246e6e4bf4417c`, `SignRefund("0.01", "secret")` =
//! `4c70d5a61c87bd3b9709488f37779f05`) and `client_test.go` (the query's path and
//! parameters, the refund's path and form, the answers its test server sends).

use paywire::{Fen, PayRequest, Secret, Yuan};
use paywire_providers::xorpay::{
    query_request, read_query_answer, read_refund_answer, refund_request, LifecycleError,
    QueryOrder, QueryStatus, Refund, RefundStatus,
};

const BASE: &str = "https://xorpay.com";

fn query() -> QueryOrder {
    QueryOrder {
        aid: "mock_appid".into(),
        order_id: "demo-order".into(),
    }
}

fn refund(fen: u64) -> Refund {
    Refund {
        aoid: "a1b2c3".into(),
        price: Yuan(Fen::new(fen)),
    }
}

#[test]
fn the_query_signs_as_xorpay_sdk_and_goes_in_the_url() {
    let secret = Secret::new("secret");
    assert_eq!(
        query().signature(&secret),
        "fc24a300c1ec85c163246e6e4bf4417c"
    );
    let request = query_request(BASE, &query(), &secret).unwrap();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(request.uri().path(), "/api/query2/mock_appid");
    assert_eq!(
        request.uri().query(),
        Some("order_id=demo-order&sign=fc24a300c1ec85c163246e6e4bf4417c")
    );
    assert!(request.body().is_empty());
}

#[test]
fn the_refund_signs_the_price_in_yuan_as_xorpay_sdk() {
    let secret = Secret::new("secret");
    assert_eq!(
        refund(1).signature(&secret),
        "4c70d5a61c87bd3b9709488f37779f05"
    );
    let request = refund_request(BASE, &refund(1), &secret, Fen::new(1)).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri().path(), "/api/refund/a1b2c3");
    assert_eq!(
        std::str::from_utf8(request.body()).unwrap(),
        "price=0.01&sign=4c70d5a61c87bd3b9709488f37779f05"
    );
}

#[test]
fn a_refund_above_what_was_paid_is_refused_before_it_is_signed() {
    let secret = Secret::new("secret");
    let refused = refund_request(BASE, &refund(101), &secret, Fen::new(100)).unwrap_err();
    assert!(matches!(
        refused,
        LifecycleError::AbovePaid { refund, paid } if refund == Fen::new(101) && paid == Fen::new(100)
    ));
    assert!(!refused.to_string().contains("sign"), "{refused}");
    // The whole of what was paid may be refunded.
    assert!(refund_request(BASE, &refund(100), &secret, Fen::new(100)).is_ok());
    // Nothing is no refund: the declared range refuses it.
    assert!(refund_request(BASE, &refund(0), &secret, Fen::new(100)).is_err());
}

#[test]
fn query_and_refund_refuse_what_their_rules_refuse() {
    let secret = Secret::new("secret");
    let mut q = query();
    q.order_id = "demo order&sign=x".into();
    assert!(query_request(BASE, &q, &secret).is_err());
    let mut r = refund(1);
    r.aoid = "../pay".into();
    assert!(refund_request(BASE, &r, &secret, Fen::new(1)).is_err());
}

#[test]
fn query_answers_say_paid_only_for_payed_and_success() {
    // client_test.go's TestQueryByOrderID answer.
    let answer =
        read_query_answer(br#"{"status":"success","aoid":"a1","order_id":"demo-order"}"#).unwrap();
    assert_eq!(answer.status, QueryStatus::Success);
    assert!(answer.is_paid());
    assert_eq!(answer.order_id.as_deref(), Some("demo-order"));
    for (status, paid) in [
        ("payed", true),
        ("new", false),
        ("not_exist", false),
        ("expire", false),
        ("fee_error", false),
        ("refunded_someday", false),
    ] {
        let body = format!(r#"{{"status":"{status}"}}"#);
        assert_eq!(
            read_query_answer(body.as_bytes()).unwrap().is_paid(),
            paid,
            "{status}"
        );
    }
    let with_price = read_query_answer(
        br#"{"status":"payed","aoid":"a1","order_id":"o1","pay_price":"10.00","pay_time":"2026-12-06 12:00:00"}"#,
    )
    .unwrap();
    assert_eq!(with_price.pay_price, Some(Yuan(Fen::new(1000))));
}

#[test]
fn malformed_and_hostile_query_and_refund_answers_are_errors() {
    for body in [
        &b""[..],
        b"{",
        b"[]",
        br#"{"status":"success","status":"new"}"#,
        br#"{"status":"payed","pay_price":"1.001"}"#,
        br#"{"status":"payed","pay_price":1e400}"#,
        b"\xff\xfe",
        br#"{"aoid":"a1"}"#,
    ] {
        assert!(
            read_query_answer(body).is_err(),
            "{:?}",
            String::from_utf8_lossy(body)
        );
        assert!(
            read_refund_answer(body).is_err(),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn refund_answers_other_than_ok_are_refusals_with_their_reason() {
    // client_test.go's TestRefund answer.
    assert_eq!(
        read_refund_answer(br#"{"status":"ok"}"#).unwrap().status,
        RefundStatus::Ok
    );
    let refused =
        read_refund_answer(r#"{"status":"price_error","info":"退款金额大于收款金额"}"#.as_bytes())
            .unwrap_err();
    match &refused {
        LifecycleError::Refused { status, info } => {
            assert_eq!(*status, RefundStatus::PriceError);
            assert_eq!(info.as_deref(), Some("退款金额大于收款金额"));
        }
        other => panic!("{other:?}"),
    }
    assert!(refused.to_string().contains("price_error"));
}
