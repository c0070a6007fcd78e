//! An off-the-shelf WeChat Pay v3 client against the sandbox: `tests/fixtures/v3_client.py`,
//! written from WeChat Pay's published signing rules with Python's `cryptography` and no
//! paywire code, pointed at the sandbox's prefixed base URL. Its order is accepted, it
//! verifies the answer's signature, verifies and decrypts the notification, a 200-byte
//! `description` comes back `PARAM_ERROR` naming the field, the platform certificate
//! download verifies and decrypts, and a refund's answer, its refund notification and its
//! query verify (the notification decrypts) in the same client.
//!
//! A published SDK nobody here wrote drives it too: `tests/fixtures/wechatpayv3_sdk.py`
//! runs PyPI's `wechatpayv3` (minibear2021/wechatpayv3), whose `callback` verifies and
//! decrypts the sandbox's payment and refund notifications and refuses them tampered.
//!
//! Where `python3` or the package a test needs is missing the test says so and passes,
//! except under CI (`CI` set; `.ci/run` installs the packages).

use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use serde_json::Value;
use std::process::Command;

fn python_with(package: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {package}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must provide python3 with {package} (see .ci/run)"
        );
        eprintln!("skipped: python3 with the {package} package is not installed");
    }
    found
}

/// Runs `script` (under `tests/fixtures`) against a fresh sandbox with the WeChat Pay
/// Global merchant's credentials, plus `extra` arguments; its JSON report on stdout.
async fn run_against_sandbox(sandbox: &Sandbox, script: &str, extra: &[String]) -> Value {
    let config = sandbox.config().clone();
    let root = env!("CARGO_MANIFEST_DIR");
    let keys = format!("{root}/../sandbox/keys");
    let mut args = vec![
        format!("{root}/fixtures/{script}"),
        "--base".into(),
        sandbox.base_url(Gateway::WECHAT_GLOBAL),
        "--sandbox".into(),
        sandbox.url(),
        "--mchid".into(),
        config.wechat_global.mchid.clone(),
        "--serial".into(),
        config.wechat_global.merchant_serial.clone(),
        "--apiv3-key".into(),
        config.wechat_global.apiv3_key.clone(),
        "--merchant-key".into(),
        format!("{keys}/merchant_private_key.pem"),
        "--platform-cert".into(),
        format!("{keys}/platform_certificate.pem"),
    ];
    args.extend_from_slice(extra);
    let output = tokio::process::Command::new("python3")
        .args(&args)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    println!("{report:#}");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v3_client_written_from_the_published_rules_works_against_the_sandbox() {
    if !python_with("cryptography") {
        return;
    }
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let report = run_against_sandbox(&sandbox, "v3_client.py", &[]).await;

    let placed = &report["placed"];
    assert_eq!(placed["status"], 200, "{placed}");
    assert!(placed["answer"]["prepay_id"]
        .as_str()
        .unwrap()
        .starts_with("wx"));
    assert_eq!(
        placed["answer_verified"], true,
        "the client verified the answer"
    );
    assert_eq!(placed["tampered_answer_verified"], false);
    assert_eq!(report["paid"], 200);

    let notification = &report["notification"];
    assert_eq!(notification["received"], true, "{notification}");
    assert_eq!(
        notification["verified"], true,
        "the client verified the notification"
    );
    assert_eq!(notification["event_type"], "TRANSACTION.SUCCESS");
    assert_eq!(notification["algorithm"], "AEAD_AES_256_GCM");
    let transaction = &notification["transaction"];
    assert_eq!(transaction["trade_state"], "SUCCESS");
    assert_eq!(transaction["amount"]["total"], 10);
    assert_eq!(transaction["amount"]["currency"], "HKD");
    assert!(transaction["out_trade_no"]
        .as_str()
        .unwrap()
        .starts_with("PY"));

    let too_long = &report["too_long"];
    assert_eq!(too_long["status"], 400, "{too_long}");
    assert_eq!(too_long["answer"]["code"], "PARAM_ERROR");
    assert_eq!(too_long["answer"]["detail"]["field"], "#/description");
    assert_eq!(too_long["answer_verified"], true);

    let certificates = &report["certificates"];
    assert_eq!(certificates["status"], 200, "{certificates}");
    assert_eq!(certificates["answer_verified"], true);
    assert_eq!(
        certificates["serials"],
        serde_json::json!([sandbox.platform_serial()])
    );
    assert_eq!(
        certificates["serials_match"], true,
        "decrypted by the client"
    );

    // The refund: its answer, its notification (verified and decrypted by the client)
    // and its query.
    let refund = &report["refund"];
    assert_eq!(refund["status"], 200, "{refund}");
    assert_eq!(refund["answer_verified"], true, "{refund}");
    assert_eq!(refund["answer"]["amount"]["refund"], 4);
    let notice = &refund["notification"];
    assert_eq!(notice["verified"], true, "{refund}");
    assert_eq!(notice["event_type"], "REFUND.SUCCESS");
    assert_eq!(notice["refund"]["refund_status"], "SUCCESS");
    assert_eq!(notice["refund"]["amount"]["refund"], 4);
    assert_eq!(notice["refund"]["amount"]["currency"], "HKD");
    assert_eq!(
        notice["refund"]["out_refund_no"],
        refund["answer"]["out_refund_no"]
    );
    assert_eq!(refund["query"]["status"], 200);
    assert_eq!(refund["query"]["answer_verified"], true);
    assert_eq!(refund["query"]["answer"]["status"], "SUCCESS");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_v3_sdk_verifies_and_decrypts_the_sandbox_s_notifications() {
    if !python_with("wechatpayv3") {
        return;
    }
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let extra = ["--platform-serial".to_owned(), sandbox.platform_serial()];
    let report = run_against_sandbox(&sandbox, "wechatpayv3_sdk.py", &extra).await;

    // The SDK raises on an answer whose signature does not verify, so a status here is
    // an answer it verified.
    assert_eq!(report["placed"]["status"], 200, "{report}");
    assert!(report["placed"]["answer"]["prepay_id"]
        .as_str()
        .unwrap()
        .starts_with("wx"));
    assert_eq!(report["paid"], 200);

    let payment = &report["payment"];
    assert_eq!(payment["received"], true, "{payment}");
    let opened = &payment["callback"];
    assert_eq!(opened["event_type"], "TRANSACTION.SUCCESS", "{payment}");
    let transaction = &opened["resource"];
    assert_eq!(transaction["trade_state"], "SUCCESS");
    assert_eq!(transaction["amount"]["total"], 10);
    assert_eq!(transaction["amount"]["currency"], "HKD");
    assert_eq!(
        transaction["out_trade_no"],
        report["refund"]["answer"]["out_trade_no"]
    );
    assert_eq!(
        payment["tampered_callback"],
        Value::Null,
        "refused tampered"
    );

    let refund = &report["refund"];
    assert_eq!(refund["status"], 200, "{refund}");
    assert_eq!(refund["answer"]["amount"]["refund"], 4);
    let notice = &report["refund_notification"];
    assert_eq!(notice["received"], true, "{notice}");
    assert_eq!(
        notice["callback"]["event_type"], "REFUND.SUCCESS",
        "{notice}"
    );
    let refunded = &notice["callback"]["resource"];
    assert_eq!(refunded["refund_status"], "SUCCESS");
    assert_eq!(refunded["amount"]["refund"], 4);
    assert_eq!(refunded["amount"]["currency"], "HKD");
    assert_eq!(refunded["out_refund_no"], refund["answer"]["out_refund_no"]);
    assert_eq!(notice["tampered_callback"], Value::Null, "refused tampered");

    assert_eq!(report["refund_query"]["status"], 200);
    assert_eq!(report["refund_query"]["answer"]["status"], "SUCCESS");
}
