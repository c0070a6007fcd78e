//! What a new user meets first: the sandbox's banner gives each gateway's URL as
//! `paywire call --base-url` takes it, a wrong path is reported as the gateway's HTTP
//! error (exit 5) rather than as malformed input, and every report says `error_answer`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

mod common;

fn banner() -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paywire"))
        .args(["sandbox", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("cashier");
        lines.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    lines.join("\n")
}

#[test]
fn the_banner_gives_each_url_as_call_takes_it_and_the_global_appid() {
    let text = banner();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} line: {text}"))
            .to_owned()
    };
    assert!(
        line("swiftpass").contains("/swiftpass/pay/gateway "),
        "{text}"
    );
    assert!(line("wechat-global").contains("appid="), "{text}");
    assert!(line("xorpay").contains("/xorpay "), "{text}");
}

#[test]
fn a_wrong_path_is_the_gateway_s_http_error_not_malformed_input() {
    let sandbox = common::SandboxProcess::start();
    let config = paywire_sandbox::SandboxConfig::default();
    let order = json!({"out_trade_no": "WRONG1", "mch_id": config.swiftpass.mch_id,
        "nonce_str": "1add1a30ac87aa2db72f57a2375d8fec", "body": "H5支付测试", "mch_create_ip": "14.23.150.211",
        "notify_url": "http://127.0.0.1:9/notify", "total_fee": 1, "sub_appid": "wx2421b1c4370ec43b",
        "sub_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"});
    // The gateway's base URL without SwiftPass's `/pay/gateway`.
    let base = format!("{}/swiftpass", sandbox.url);
    let output = common::run(
        &[
            "call",
            "swiftpass/wap",
            "--base-url",
            &base,
            "--key-env",
            "K",
        ],
        order.to_string().as_bytes(),
        &[("K", config.swiftpass.key.as_str())],
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(5), "{report}");
    let reason = report["reason"].as_str().unwrap();
    assert!(reason.contains("HTTP 404 from the gateway"), "{reason}");
    assert_eq!(report["error_answer"], false);
    assert_eq!(report["answer"]["status"], 404);
}

#[test]
fn every_verify_report_says_whether_it_is_an_error_answer() {
    for (kind, body) in [
        ("xorpay/query-response", &br#"{"status":"new"}"#[..]),
        ("xorpay/refund-response", b"not json"),
        ("swiftpass/notify", b"<xml></xml>"),
    ] {
        let output = common::run(&["verify", kind, "--key-env", "K"], body, &[("K", "k")]);
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["error_answer"], false, "{kind}: {report}");
    }
}
