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

/// weidoufu after the order through the CLI: the query needs no key (the page lists
/// none) and says paid once paid; a refund goes only with `--paid-fen` and never above
/// it; both answers read with `verify`/`call`.
#[test]
fn call_queries_and_refunds_a_weidoufu_order() {
    use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(
            SandboxConfig::default(),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap();
    let config = SandboxConfig::default().weidoufu;
    let base = sandbox.base_url(Gateway::WEIDOUFU);
    let call = |endpoint: &str, extra: &[&str], input: &serde_json::Value| {
        let mut args = vec!["call", endpoint, "--base-url", &base];
        args.extend_from_slice(extra);
        let output = common::run(
            &args,
            input.to_string().as_bytes(),
            &[("K", config.secret_key.as_str())],
        );
        (output.status.code(), common::json_out(&output))
    };
    let number = "WDCLI0000000000000001";
    let order = serde_json::json!({"access_key": config.access_key, "body": "QQ 会员充值",
        "out_order_no": number, "pay_type": 1, "total_fee": 50, "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "notify_url": "http://127.0.0.1:9/notify"});
    let (code, placed) = call("weidoufu/miniapp", &["--key-env", "K"], &order);
    assert_eq!(code, Some(0), "{placed}");

    let query = serde_json::json!({"out_order_no": number});
    let (code, answer) = call("weidoufu/query", &[], &query);
    assert_eq!(code, Some(0), "{answer}");
    assert_eq!(answer["fields"]["data"]["status"], 1, "{answer}");
    sandbox.pay(number).unwrap();
    let (_, answer) = call("weidoufu/query", &[], &query);
    assert_eq!(answer["fields"]["data"]["status"], 2, "{answer}");

    let refund = |fen: u64| serde_json::json!({"access_key": config.access_key, "refund_fee": fen, "out_order_no": number});
    let (code, answer) = call("weidoufu/refund", &["--key-env", "K"], &refund(20));
    assert_eq!(code, Some(2), "no --paid-fen: {answer}");
    assert!(answer["reason"].as_str().unwrap().contains("--paid-fen"));
    let paid = ["--key-env", "K", "--paid-fen", "50"];
    let (code, answer) = call("weidoufu/refund", &paid, &refund(20));
    assert_eq!(code, Some(0), "{answer}");
    assert_eq!(answer["fields"]["data"]["refund_fee"], 20, "{answer}");
    let (code, refused) = call("weidoufu/refund", &paid, &refund(51));
    assert_eq!(code, Some(2), "above what was paid, never sent: {refused}");
    let (code, refused) = call("weidoufu/refund", &paid, &refund(31));
    assert_eq!(code, Some(3), "the gateway's refusal: {refused}");
    assert_eq!(refused["error_answer"], true);
    let order = sandbox.orders_numbered(number, Some(Gateway::WEIDOUFU));
    let refunded: Vec<u64> = order[0].refunds.iter().map(|r| r.amount_fen).collect();
    assert_eq!(refunded, vec![20]);

    let (code, out, _) = run(
        &["verify", "weidoufu/query-response"],
        r#"{"code":0,"message":"订单不存在","data":""}"#.as_bytes(),
    );
    assert_eq!(code, Some(3), "{out}");
    let (code, out, _) = run(&["verify", "weidoufu/query-response"], b"{\"code\":1}");
    assert_eq!(code, Some(2), "{out}");
}

/// `paywire sign wechat-v2/refund` and `refund-query` reproduce shenghui0779/sdk-go's
/// published signatures (`mch/refund_test.go`), with the key as `sign_type` names it;
/// `verify wechat-v2/refund-query-response` reads sdk-go's answer, its refunds an array.
#[test]
fn wechat_v2_refund_and_refund_query_sign_and_verify_as_sdk_go_publishes() {
    let key = [("K", "192006250b4c09247ec02edce69f6a2d")];
    let sign = |endpoint: &str, input: serde_json::Value| {
        let output = common::run(
            &["sign", endpoint, "--key-env", "K"],
            input.to_string().as_bytes(),
            &key,
        );
        (output.status.code(), common::json_out(&output))
    };
    let (code, out) = sign(
        "wechat-v2/refund",
        serde_json::json!({"appid": "wx2421b1c4370ec43b", "mch_id": "10000100",
            "nonce_str": "6cefdb308e1e2e8aabd48cf79e546a02", "sign_type": "MD5",
            "transaction_id": "4008450740201411110005820873", "out_refund_no": "1415701182",
            "total_fee": 1, "refund_fee": 1}),
    );
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out["signature"], "29261AD6EC439F4286BF2F959EBC699D");
    assert!(out["sign_string"].as_str().unwrap().ends_with("&key=***"));

    let (code, out) = sign(
        "wechat-v2/refund-query",
        serde_json::json!({"appid": "wx2421b1c4370ec43b", "mch_id": "10000100",
            "nonce_str": "0b9f35f484df17a732e537c37708d1d0", "sign_type": "MD5",
            "out_trade_no": "1415757673"}),
    );
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out["signature"], "5F14ED52C2F179580A1DED73268A1009");

    // HMAC-SHA256 named: signed with the API key under HMAC-SHA256 (the sign string is the
    // same; the signature is 64 hex characters).
    let (code, out) = sign(
        "wechat-v2/refund-query",
        serde_json::json!({"appid": "wx2421b1c4370ec43b", "mch_id": "10000100",
            "nonce_str": "0b9f35f484df17a732e537c37708d1d0", "sign_type": "HMAC-SHA256",
            "out_trade_no": "1415757673"}),
    );
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(out["signature"].as_str().unwrap().len(), 64, "{out}");

    let answer = "<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg>\
        <appid>wx2421b1c4370ec43b</appid><mch_id>10000100</mch_id><nonce_str>TeqClE3i0mvn3DrK</nonce_str>\
        <sign>68D267B5AEA32EAB799174129F6131EE</sign><result_code>SUCCESS</result_code>\
        <out_refund_no_0>1415701182</out_refund_no_0><out_trade_no>1415757673</out_trade_no>\
        <refund_count>1</refund_count><refund_fee_0>1</refund_fee_0>\
        <refund_id_0>2008450740201411110000174436</refund_id_0><refund_status_0>PROCESSING</refund_status_0>\
        <transaction_id>1008450740201411110005820873</transaction_id></xml>";
    let output = common::run(
        &[
            "verify",
            "wechat-v2/refund-query-response",
            "--key-env",
            "K",
        ],
        answer.as_bytes(),
        &key,
    );
    let report = common::json_out(&output);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert_eq!(
        report["fields"]["refunds"][0]["refund_status"],
        "PROCESSING"
    );
    assert!(report["fields"].get("refund_fee_0").is_none(), "{report}");
    let output = common::run(
        &[
            "verify",
            "wechat-v2/refund-query-response",
            "--key-env",
            "K",
        ],
        answer
            .replace("<refund_fee_0>1<", "<refund_fee_0>2<")
            .as_bytes(),
        &key,
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "a changed answer is not authentic"
    );
}
