//! `paywire call` after a lost answer: the sandbox processes the request and then cuts
//! its answer off (`faults.lost_answers`); `call` exits 4 and reports what querying the
//! order or the refund found, instead of leaving the merchant to guess.

use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use serde_json::{json, Value};

mod common;

fn sandbox(runtime: &tokio::runtime::Runtime, lost_answers: u32) -> Sandbox {
    let mut config = SandboxConfig::default();
    config.faults.lost_answers = lost_answers;
    runtime
        .block_on(Sandbox::start(config, "127.0.0.1:0".parse().unwrap()))
        .unwrap()
}

fn order(number: &str) -> Value {
    let config = SandboxConfig::default();
    json!({"out_trade_no": number, "mch_id": config.swiftpass.mch_id,
        "nonce_str": "1add1a30ac87aa2db72f57a2375d8fec", "body": "H5支付测试", "mch_create_ip": "14.23.150.211",
        "notify_url": "http://127.0.0.1:9/notify", "total_fee": 1000, "sub_appid": "wx2421b1c4370ec43b",
        "sub_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"})
}

fn call(sandbox: &Sandbox, endpoint: &str, input: &Value) -> (Option<i32>, Value) {
    let key = SandboxConfig::default().swiftpass.key;
    let url = sandbox.call_url(Gateway::SWIFTPASS);
    let output = common::run(
        &["call", endpoint, "--base-url", &url, "--key-env", "K"],
        input.to_string().as_bytes(),
        &[("K", key.as_str())],
    );
    (output.status.code(), common::json_out(&output))
}

#[test]
fn a_lost_order_answer_is_resolved_by_querying_the_order() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime, 1);
    let (code, report) = call(&sandbox, "swiftpass/wap", &order("LOST-1"));
    assert_eq!(code, Some(4), "{report}");
    assert!(
        report["reason"].as_str().unwrap().starts_with("no answer"),
        "{report}"
    );
    // The gateway placed it; the query (answered) says it is not paid yet.
    assert_eq!(report["resolution"], "not_paid", "{report}");
    assert!(report["advice"]
        .as_str()
        .unwrap()
        .contains("same order number"));
    // Sent again under the same number, it is the same order, answered this time.
    let (code, report) = call(&sandbox, "swiftpass/wap", &order("LOST-1"));
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn a_lost_refund_answer_is_resolved_by_querying_the_refund_and_an_unanswered_query_stays_unknown() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The order's answer and its query's answer are lost, then the refund's.
    let sandbox = sandbox(&runtime, 3);
    let (code, report) = call(&sandbox, "swiftpass/wap", &order("LOST-2"));
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["resolution"], "unknown", "{report}");
    assert!(
        report["advice"]
            .as_str()
            .unwrap()
            .contains("query again before sending anything"),
        "{report}"
    );
    sandbox.pay("LOST-2").unwrap();
    let config = SandboxConfig::default();
    let refund = json!({"mch_id": config.swiftpass.mch_id, "out_trade_no": "LOST-2",
        "out_refund_no": "LOST-2-R1", "total_fee": 1000, "refund_fee": 400,
        "op_user_id": config.swiftpass.mch_id, "nonce_str": "n0nce"});
    let (code, report) = call(&sandbox, "swiftpass/refund", &refund);
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["resolution"], "refunded", "{report}");
    // The refund happened once; asking again under its number changes nothing.
    let (code, report) = call(&sandbox, "swiftpass/refund", &refund);
    assert_eq!(code, Some(0), "{report}");
    let order = sandbox.orders_numbered("LOST-2", Some(Gateway::SWIFTPASS));
    assert_eq!(order.len(), 1);
    assert_eq!(order[0].refunds.len(), 1);
    assert_eq!(order[0].refunds[0].amount_fen, 400);
}

#[test]
fn a_lost_xorpay_order_answer_is_resolved_by_its_unsigned_query() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime, 1);
    let config = SandboxConfig::default();
    let order = json!({"aid": config.xorpay.aid, "name": "充值", "pay_type": "jsapi",
        "price": "50.00", "order_id": "LOST-X1", "notify_url": "http://127.0.0.1:9/notify",
        "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"});
    let base = sandbox.base_url(Gateway::XORPAY);
    let run = || {
        let output = common::run(
            &[
                "call",
                "xorpay/jsapi",
                "--base-url",
                &base,
                "--key-env",
                "K",
            ],
            order.to_string().as_bytes(),
            &[("K", config.xorpay.app_secret.as_str())],
        );
        (output.status.code(), common::json_out(&output))
    };
    let (code, report) = run();
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["resolution"], "not_paid", "{report}");
    // Sent again under the same number, it is the same order, answered this time.
    let (code, report) = run();
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn a_lost_weidoufu_order_answer_is_resolved_by_its_unsigned_query() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime, 1);
    let config = SandboxConfig::default().weidoufu;
    let order = json!({"access_key": config.access_key, "body": "QQ 会员充值",
        "out_order_no": "LOSTWD00000000000001", "pay_type": 1, "total_fee": 990,
        "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "notify_url": "http://127.0.0.1:9/notify"});
    let base = sandbox.base_url(Gateway::WEIDOUFU);
    let run = || {
        let args = [
            "call",
            "weidoufu/miniapp",
            "--base-url",
            &base,
            "--key-env",
            "K",
        ];
        let output = common::run(
            &args,
            order.to_string().as_bytes(),
            &[("K", config.secret_key.as_str())],
        );
        (output.status.code(), common::json_out(&output))
    };
    let (code, report) = run();
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["resolution"], "not_paid", "{report}");
    // Paid meanwhile: the query says so, and the advice is to apply it only after the
    // notification's checks (the query's answer is unsigned and names no amount).
    sandbox.pay("LOSTWD00000000000001").unwrap();
    sandbox.lose_next_answers(1);
    let (code, report) = run();
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["resolution"], "paid", "{report}");
    assert!(report["advice"].as_str().unwrap().contains("checks"));
}

#[test]
fn a_lost_xorpay_refund_answer_is_not_resolved_and_says_not_to_send_it_blind() {
    // XorPay refunds carry no refund number and have no query: the refund may have been
    // made, and sending it again would make it twice.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = sandbox(&runtime, 0);
    let config = SandboxConfig::default();
    let base = sandbox.base_url(Gateway::XORPAY);
    let call = |endpoint: &str, extra: &[&str], input: &Value| {
        let mut args = vec!["call", endpoint, "--base-url", &base, "--key-env", "K"];
        args.extend_from_slice(extra);
        let output = common::run(
            &args,
            input.to_string().as_bytes(),
            &[("K", config.xorpay.app_secret.as_str())],
        );
        (output.status.code(), common::json_out(&output))
    };
    let order = json!({"aid": config.xorpay.aid, "name": "充值", "pay_type": "jsapi",
        "price": "1.00", "order_id": "LOST-XR1", "notify_url": "http://127.0.0.1:9/notify",
        "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"});
    let (code, placed) = call("xorpay/jsapi", &[], &order);
    assert_eq!(code, Some(0), "{placed}");
    sandbox.pay("LOST-XR1").unwrap();
    sandbox.lose_next_answers(1);
    let refund = json!({"aoid": placed["fields"]["aoid"], "price": "0.40"});
    let (code, report) = call("xorpay/refund", &["--paid-fen", "100"], &refund);
    assert_eq!(code, Some(4), "{report}");
    assert_eq!(report["resolution"], "unknown", "{report}");
    assert!(
        report["advice"]
            .as_str()
            .unwrap()
            .contains("check with the gateway before sending it again"),
        "{report}"
    );
    // The gateway made it: one refund, which a blind resend would have doubled.
    let made = sandbox.orders_numbered("LOST-XR1", Some(Gateway::XORPAY));
    assert_eq!(made[0].refunds.len(), 1);
}
