//! `paywire sign`, `verify` and `call` for the endpoints after pay: XorPay's order query
//! and refund, against xorpay-sdk's published signatures (`sign_test.go`).

use serde_json::Value;

mod common;

fn run(args: &[&str], stdin: &[u8]) -> (Option<i32>, Value, String) {
    let output = common::run(args, stdin, &[("PAYWIRE_TEST_SECRET", "secret")]);
    let report = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), report, stderr)
}

#[test]
fn sign_xorpay_query_and_refund_reproduce_xorpay_sdk() {
    let (code, out, err) = run(
        &["sign", "xorpay/query", "--key-env", "PAYWIRE_TEST_SECRET"],
        br#"{"aid": "mock_appid", "order_id": "demo-order"}"#,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out["signature"], "fc24a300c1ec85c163246e6e4bf4417c");
    assert_eq!(out["sign_string"], "demo-order***");
    assert!(!out.to_string().contains("\"secret\""));

    let (code, out, err) = run(
        &["sign", "xorpay/refund", "--key-env", "PAYWIRE_TEST_SECRET"],
        br#"{"aoid": "a1b2c3", "price": "0.01"}"#,
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out["signature"], "4c70d5a61c87bd3b9709488f37779f05");
    assert_eq!(
        out["body"],
        "price=0.01&sign=4c70d5a61c87bd3b9709488f37779f05"
    );
}

#[test]
fn a_refund_is_not_sent_by_call_without_what_the_order_was_paid() {
    let (code, out, _) = run(
        &[
            "call",
            "xorpay/refund",
            "--base-url",
            "http://127.0.0.1:9",
            "--key-env",
            "PAYWIRE_TEST_SECRET",
        ],
        br#"{"aoid": "a1b2c3", "price": "0.01"}"#,
    );
    assert_eq!(code, Some(2));
    let reason = out["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("refund_request"), "{out}");
}

#[test]
fn verify_reads_query_and_refund_answers() {
    let (code, out, _) = run(
        &["verify", "xorpay/query-response"],
        br#"{"status":"success","aoid":"a1","order_id":"demo-order"}"#,
    );
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out["fields"]["status"], "success");

    let (code, out, _) = run(
        &["verify", "xorpay/refund-response"],
        br#"{"status":"price_error","info":"too much"}"#,
    );
    assert_eq!(code, Some(3), "{out}");
    assert_eq!(out["error_answer"], true);

    let (code, out, _) = run(&["verify", "xorpay/refund-response"], b"{\"status\":");
    assert_eq!(code, Some(2), "{out}");
}
