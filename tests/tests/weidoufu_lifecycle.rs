//! weidoufu's order query and refund, as its API pages describe them
//! (`doc.weidoufu.com/api/query.html`, `doc.weidoufu.com/api/refund.html`): the requests
//! as sent, the pages' answer examples read, and every malformed or hostile answer an
//! error. The refund's signature is checked against Python's hashlib in `vectors.rs`.

use md5::{Digest, Md5};
use paywire::{Fen, PayRequest, Secret};
use paywire_providers::weidoufu::{
    query_request, read_query_answer, read_refund_answer, refund_request, LifecycleError,
    PayStatus, QueryOrder, Refund,
};

const BASE: &str = "https://open.weidoufu.com";

fn refund(fen: u64) -> Refund {
    Refund {
        access_key: "ak_0123456789abcdef0123456789ab".into(),
        refund_fee: Fen::new(fen),
        mch_trade_no: None,
        out_order_no: Some("u200138039201620926152".into()),
    }
}

#[test]
fn the_query_goes_in_the_url_unsigned_by_exactly_one_order_number() {
    let request = query_request(
        BASE,
        &QueryOrder::by_merchant_number("u200138039201620898294"),
    )
    .unwrap();
    assert_eq!(request.method(), http::Method::GET);
    assert_eq!(request.uri().path(), "/pay/query");
    assert_eq!(
        request.uri().query(),
        Some("out_order_no=u200138039201620898294")
    );
    assert!(request.body().is_empty());

    let by_platform = QueryOrder {
        mch_trade_no: Some("202105134699973515066771".into()),
        out_order_no: None,
    };
    let request = query_request(BASE, &by_platform).unwrap();
    assert_eq!(
        request.uri().query(),
        Some("mch_trade_no=202105134699973515066771")
    );

    // Both numbers, or neither: which order is meant is not clear, so nothing is sent.
    let both = QueryOrder {
        out_order_no: Some("u200138039201620898294".into()),
        ..by_platform
    };
    assert!(query_request(BASE, &both).is_err());
    let neither = QueryOrder {
        mch_trade_no: None,
        out_order_no: None,
    };
    assert!(query_request(BASE, &neither).is_err());
    // The merchant's number is letters and digits, at least 18 of them.
    for bad in ["u2001380392016", "u200138039201620898294&x=1"] {
        let query = QueryOrder::by_merchant_number(bad);
        assert!(query_request(BASE, &query).is_err(), "{bad}");
    }
}

#[test]
fn the_refund_is_json_signed_like_the_order() {
    let secret = Secret::new("sk_fedcba9876543210fedcba98765432");
    let request = refund_request(BASE, &refund(1), &secret, Fen::new(1)).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri().path(), "/pay/refund");
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(body["refund_fee"], 1);
    assert_eq!(body["out_order_no"], "u200138039201620926152");
    // The sign string as the gateway's rule builds it, hashed by the md-5 crate here.
    let sign_string =
        "access_key=ak_0123456789abcdef0123456789ab&out_order_no=u200138039201620926152\
                       &refund_fee=1&secret_key=sk_fedcba9876543210fedcba98765432";
    assert_eq!(refund(1).sign_string(&secret), sign_string);
    let digest = format!("{:X}", Md5::digest(sign_string.as_bytes()));
    assert_eq!(body["sign"], digest.as_str());
}

#[test]
fn a_refund_above_what_was_paid_is_refused_before_it_is_signed() {
    let secret = Secret::new("sk");
    match refund_request(BASE, &refund(101), &secret, Fen::new(100)) {
        Err(LifecycleError::AbovePaid { refund, paid }) => {
            assert_eq!((refund, paid), (Fen::new(101), Fen::new(100)))
        }
        other => panic!("{other:?}"),
    }
    assert!(refund_request(BASE, &refund(100), &secret, Fen::new(100)).is_ok());
    // Nothing is no refund; the page's int(9) is the most.
    assert!(refund_request(BASE, &refund(0), &secret, Fen::new(100)).is_err());
    let big = Fen::new(1_000_000_000);
    assert!(refund_request(BASE, &refund(big.get()), &secret, big).is_err());
    // Both order numbers: refused.
    let mut both = refund(1);
    both.mch_trade_no = Some("202105147679771949935537".into());
    assert!(refund_request(BASE, &both, &secret, Fen::new(1)).is_err());
}

#[test]
fn the_query_page_s_example_answer_reads_as_pending() {
    // The page's example, its JavaScript object literal written as JSON.
    let example = r#"{"code":1,"data":{"mch_trade_no":"202105134699973515066771","notify":1,
        "out_order_no":"u200138039201620898294","status":1,"message":"查询成功"},"status":"success"}"#;
    let data = read_query_answer(example.as_bytes()).unwrap();
    assert_eq!(data.out_order_no, "u200138039201620898294");
    assert_eq!(data.pay_status(), Some(PayStatus::Pending));
    assert!(!data.is_paid());
    for (status, expected) in [
        ("2", Some(PayStatus::Paid)),
        ("\"2\"", Some(PayStatus::Paid)),
        ("3", Some(PayStatus::Failed)),
        ("4", None),
        ("\"paid\"", None),
    ] {
        let body = format!(
            r#"{{"code":1,"data":{{"mch_trade_no":"1","out_order_no":"2","status":{status}}}}}"#
        );
        let data = read_query_answer(body.as_bytes()).unwrap();
        assert_eq!(data.pay_status(), expected, "{status}");
        assert_eq!(
            data.is_paid(),
            expected == Some(PayStatus::Paid),
            "{status}"
        );
    }
}

#[test]
fn the_refund_page_s_example_answer_is_the_refund_asked_for() {
    let example = r#"{"code":1,"data":{"mch_trade_no":"202105147679771949935537",
        "out_order_no":"u200138039201620926152","refund_fee":1,"total_fee":1},
        "message":"退款成功","status":"success"}"#;
    let data = read_refund_answer(example.as_bytes(), Fen::new(1)).unwrap();
    assert_eq!(
        (data.refund_fee, data.total_fee),
        (Fen::new(1), Fen::new(1))
    );
    // The same answer to a request for another amount: the records disagree.
    match read_refund_answer(example.as_bytes(), Fen::new(2)) {
        Err(LifecycleError::OtherAmount { asked, answered }) => {
            assert_eq!((asked, answered), (Fen::new(2), Fen::new(1)))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn code_0_is_a_refusal_with_its_message_whatever_data_holds() {
    for data in [r#""""#, "[]", "null", "{}", r#"{"x":1}"#] {
        let body = format!(r#"{{"code":0,"message":"订单不存在","data":{data}}}"#);
        match read_query_answer(body.as_bytes()) {
            Err(LifecycleError::Refused { message }) => assert_eq!(message, "订单不存在"),
            other => panic!("{data}: {other:?}"),
        }
        match read_refund_answer(body.as_bytes(), Fen::new(1)) {
            Err(LifecycleError::Refused { message }) => assert_eq!(message, "订单不存在"),
            other => panic!("{data}: {other:?}"),
        }
    }
}

#[test]
fn malformed_and_hostile_answers_are_errors_never_a_refund_or_a_payment() {
    for body in [
        &b""[..],
        b"{",
        b"[]",
        b"\xff\xfe",
        br#"{"message":"ok"}"#,
        br#"{"code":2,"message":"?"}"#,
        br#"{"code":1}"#,
        br#"{"code":1,"data":""}"#,
        br#"{"code":1,"code":0,"data":{"mch_trade_no":"1","out_order_no":"2","status":2,"refund_fee":1,"total_fee":1}}"#,
        br#"{"code":1,"data":{"mch_trade_no":"1","out_order_no":"2","status":2,"refund_fee":1.5,"total_fee":1}}"#,
        br#"{"code":1,"data":{"mch_trade_no":"1","out_order_no":"2","status":2,"refund_fee":-1,"total_fee":1}}"#,
    ] {
        let shown = String::from_utf8_lossy(body);
        let query = read_query_answer(body);
        let refund = read_refund_answer(body, Fen::new(1));
        assert!(
            matches!(query, Err(LifecycleError::Decode(_))) || shown.contains("refund_fee"),
            "query {shown}: {query:?}"
        );
        assert!(
            matches!(refund, Err(LifecycleError::Decode(_))),
            "refund {shown}: {refund:?}"
        );
    }
    // Deeply nested and oversized answers are refused by the strict parse.
    let deep = format!(
        r#"{{"code":1,"data":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(matches!(
        read_query_answer(deep.as_bytes()),
        Err(LifecycleError::Decode(_))
    ));
    let huge = format!(r#"{{"code":0,"message":"{}"}}"#, "x".repeat(8 << 20));
    assert!(read_refund_answer(huge.as_bytes(), Fen::new(1)).is_err());
}
