//! What a merchant reads when an amount is wrong: in fen and in the declared bounds, not
//! in the integer type's (`1.5` in a `Fen` field used to say "an integer from 0 to
//! 18446744073709551615", and `range = 1..` on `Fen` showed `1..=18446744073709551615`).

use paywire::decode::{json, Limits};
use paywire::verify::decode_fields;
use paywire::{schema_table, PayRequest};
use paywire_providers::{swiftpass, xorpay};

/// The decode message for `total_fee` written as `value` in SwiftPass's order.
fn total_fee_problem(value: &str) -> String {
    let body = format!(r#"{{"total_fee": {value}}}"#);
    let object = json::parse_object(body.as_bytes(), &Limits::default()).unwrap();
    let err = decode_fields::<swiftpass::WapPay>(object)
        .unwrap_err()
        .to_string();
    err.lines()
        .find(|l| l.contains("total_fee"))
        .unwrap_or_else(|| panic!("no total_fee problem in {err}"))
        .to_owned()
}

#[test]
fn an_amount_that_is_not_whole_fen_says_so_in_fen() {
    for (value, says) in [
        ("1.5", "1.5 is not a whole number of fen"),
        ("\"9.90\"", "9.90 is not a whole number of fen"),
        ("-3", "an amount in fen is 0 or more"),
        ("\"-3\"", "an amount in fen is 0 or more"),
        ("18446744073709551616", "more than an amount can hold"),
    ] {
        let message = total_fee_problem(value);
        assert!(message.contains(says), "{value}: {message}");
        assert!(
            !message.contains("18446744073709551615"),
            "{value}: {message}"
        );
    }
    // Quoted whole fen is an exact amount (some gateways quote integers).
    let body = br#"{"total_fee": "12"}"#;
    let object = json::parse_object(body, &Limits::default()).unwrap();
    let err = decode_fields::<swiftpass::WapPay>(object)
        .unwrap_err()
        .to_string();
    assert!(!err.contains("total_fee"), "{err}");
}

#[test]
fn a_range_open_above_reads_as_at_least() {
    let table = schema_table::markdown(xorpay::Refund::SCHEMA);
    assert!(table.contains("range 1.."), "{table}");
    assert!(!table.contains("18446744073709551615"), "{table}");
    let mut refund = xorpay::Refund {
        aoid: "a1".into(),
        price: paywire::Yuan(paywire::Fen::new(0)),
    };
    let message = refund.validate().unwrap_err().to_string();
    assert!(message.contains("write at least 1"), "{message}");
    refund.price = paywire::Yuan(paywire::Fen::new(1));
    assert!(refund.validate().is_ok());
    // A bounded range still names both ends.
    let mut order = swiftpass::sample();
    order.total_fee = paywire::Fen::new(0);
    let message = order.validate().unwrap_err().to_string();
    assert!(
        message.contains("write an amount from 1 to 999999999 fen"),
        "{message}"
    );
}

#[test]
fn a_range_violation_on_an_amount_speaks_in_fen() {
    let mut order = swiftpass::sample();
    order.total_fee = paywire::Fen::new(1_000_000_000);
    let message = order.validate().unwrap_err().to_string();
    assert!(
        message.contains("got 1000000000 fen (10000000.00 yuan)"),
        "{message}"
    );
    assert!(
        message.contains("write an amount from 1 to 999999999 fen"),
        "{message}"
    );
    // A yuan string speaks in fen too: its bounds are declared in fen.
    let refund = xorpay::Refund {
        aoid: "a1".into(),
        price: paywire::Yuan(paywire::Fen::new(0)),
    };
    let message = refund.validate().unwrap_err().to_string();
    assert!(message.contains("write at least 1 fen"), "{message}");
    // Counts stay plain integers.
    let answer = swiftpass::RefundQueryAnswer {
        version: None,
        charset: None,
        sign_type: None,
        status: "0".into(),
        message: None,
        result_code: "0".into(),
        mch_id: "7551000001".into(),
        device_info: None,
        nonce_str: "n".into(),
        err_code: None,
        err_msg: None,
        out_trade_no: Some("A1".into()),
        transaction_id: None,
        out_transaction_id: None,
        refund_count: Some(51),
        refunds: Vec::new(),
    };
    let message = paywire::PayObject::validate_object(&answer)
        .unwrap_err()
        .to_string();
    assert!(message.contains("range 0..=50, got 51;"), "{message}");
}
