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
    assert!(reason.contains("--paid-fen"), "{out}");
}

/// With what the order was paid, `call xorpay/refund` sends the refund to the sandbox and
/// reads its answer; a refund above what was paid is refused before anything is sent.
#[test]
fn call_sends_an_xorpay_refund_no_larger_than_what_was_paid() {
    use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(
            SandboxConfig::default(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let config = SandboxConfig::default();
    let secret = config.xorpay.app_secret.clone();
    let base = sandbox.base_url(Gateway::XORPAY);
    let call = |endpoint: &str, extra: &[&str], input: &serde_json::Value| {
        let mut args = vec!["call", endpoint, "--base-url", &base, "--key-env", "K"];
        args.extend_from_slice(extra);
        let output = common::run(
            &args,
            input.to_string().as_bytes(),
            &[("K", secret.as_str())],
        );
        (output.status.code(), common::json_out(&output))
    };
    let order = serde_json::json!({"aid": config.xorpay.aid, "name": "充值", "pay_type": "jsapi",
        "price": "0.50", "order_id": "REFUND-X1", "notify_url": "http://127.0.0.1:9/notify",
        "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"});
    let (code, placed) = call("xorpay/jsapi", &[], &order);
    assert_eq!(code, Some(0), "{placed}");
    let aoid = placed["fields"]["aoid"].as_str().unwrap().to_owned();
    sandbox.pay("REFUND-X1").unwrap();

    let refund = serde_json::json!({"aoid": aoid, "price": "0.20"});
    let (code, answer) = call("xorpay/refund", &["--paid-fen", "50"], &refund);
    assert_eq!(code, Some(0), "{answer}");
    let too_much = serde_json::json!({"aoid": aoid, "price": "0.51"});
    let (code, refused) = call("xorpay/refund", &["--paid-fen", "50"], &too_much);
    assert_eq!(code, Some(2), "{refused}");
    let order = sandbox.orders_numbered("REFUND-X1", Some(Gateway::XORPAY));
    let refunded: Vec<u64> = order[0].refunds.iter().map(|r| r.amount_fen).collect();
    assert_eq!(
        refunded,
        vec![20],
        "one refund, the one at most what was paid"
    );
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
