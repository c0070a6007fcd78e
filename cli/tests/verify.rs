//! `paywire verify`: each kind's exit codes, and WeChat Pay Global's signed answers and
//! encrypted notifications against the independent v3 fixtures.

use serde_json::Value;

mod common;
use common::{fixtures, json_out, paywire, temp_file, vector};

#[test]
fn verify_exit_codes_for_each_kind() {
    let cases = [
        (
            "swiftpass/response",
            "swiftpass_response_published",
            "175510359638",
            "175510359639",
        ),
        (
            "swiftpass/notify",
            "swiftpass_notify",
            "CMB_CREDIT",
            "ICBC_DEBIT",
        ),
        (
            "weidoufu/notify",
            "weidoufu_notify",
            "\"total_fee\": 1",
            "\"total_fee\": 2",
        ),
        (
            "xorpay/notify",
            "xorpay_notify",
            "pay_price=50.00",
            "pay_price=0.01",
        ),
    ];
    for (kind, name, original, tampered) in cases {
        let v = vector(name);
        let body = v["body"].as_str().unwrap();
        let key = v["secret"].as_str().unwrap();
        let valid = paywire(&["verify", kind, "--key", key], body.as_bytes());
        assert_eq!(
            valid.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&valid.stdout)
        );
        let report = json_out(&valid);
        assert_eq!(report["valid"], true);
        assert!(report["fields"].is_object());
        let forged = paywire(
            &["verify", kind, "--key", key],
            body.replace(original, tampered).as_bytes(),
        );
        assert_eq!(forged.status.code(), Some(1), "{kind}");
        assert_eq!(json_out(&forged)["valid"], false);
        let hostile = paywire(&["verify", kind, "--key", key], b"\xff\xfe<!DOCTYPE x>");
        assert_eq!(hostile.status.code(), Some(2), "{kind}");
    }
    assert_eq!(
        paywire(&["verify", "nope/notify"], b"").status.code(),
        Some(2)
    );
    assert_eq!(
        paywire(&["verify", "weidoufu/notify"], b"{}").status.code(),
        Some(2),
        "missing --key"
    );
}

#[test]
fn verify_wechat_global_response_and_notification() {
    let f = fixtures("wechat_v3.json");
    let cert = temp_file(
        "platform.pem",
        f["platform"]["certificate"].as_str().unwrap(),
    );
    let public = temp_file(
        "platform-public.pem",
        f["platform"]["public_key"].as_str().unwrap(),
    );
    let headers = |fixture: &Value| -> Vec<String> {
        fixture["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap()))
            .collect()
    };
    let run = |kind: &str, fixture: &Value, extra: &[&str], body: &str| {
        let mut args: Vec<String> = vec!["verify".into(), kind.into()];
        for h in headers(fixture) {
            args.push("--header".into());
            args.push(h);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        paywire(&args, body.as_bytes())
    };
    let response = &f["response"];
    let now = response["headers"]["Wechatpay-Timestamp"].as_str().unwrap();
    let ok = run(
        "wechat-global/response",
        response,
        &["--platform-cert", &cert, "--now", now],
        response["body"].as_str().unwrap(),
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    assert_eq!(
        json_out(&ok)["fields"]["prepay_id"],
        "wx201411101639507cbf6ffd8b0779950874"
    );
    // A public key is registered under the id WeChat Pay gave with it, never under
    // whatever serial the message announces.
    let serial = response["headers"]["Wechatpay-Serial"].as_str().unwrap();
    let public_mode = run(
        "wechat-global/response",
        response,
        &[
            "--platform-public-key",
            &public,
            "--platform-key-id",
            serial,
            "--now",
            now,
        ],
        response["body"].as_str().unwrap(),
    );
    assert_eq!(public_mode.status.code(), Some(0));
    let other_id = run(
        "wechat-global/response",
        response,
        &[
            "--platform-public-key",
            &public,
            "--platform-key-id",
            "PUB_KEY_ID_0114232134912410000000000000",
            "--now",
            now,
        ],
        response["body"].as_str().unwrap(),
    );
    assert_eq!(
        other_id.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&other_id.stdout)
    );
    let no_id = run(
        "wechat-global/response",
        response,
        &["--platform-public-key", &public, "--now", now],
        response["body"].as_str().unwrap(),
    );
    assert_eq!(no_id.status.code(), Some(2));
    assert!(json_out(&no_id)["reason"]
        .as_str()
        .unwrap()
        .contains("--platform-key-id"));
    // An authentic error answer is not a plain "valid": its own exit code, and said so.
    let error = &f["error_response"];
    let refused = run(
        "wechat-global/response",
        error,
        &["--platform-cert", &cert, "--now", now],
        error["body"].as_str().unwrap(),
    );
    assert_eq!(
        refused.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&refused.stdout)
    );
    let report = json_out(&refused);
    assert_eq!(report["valid"], true);
    assert_eq!(report["error_answer"], true);
    assert!(
        report["reason"].as_str().unwrap().contains("SIGN_ERROR"),
        "{report}"
    );
    let stale = run(
        "wechat-global/response",
        response,
        &["--platform-cert", &cert],
        response["body"].as_str().unwrap(),
    );
    assert_eq!(stale.status.code(), Some(1), "the fixture is years old");
    assert!(json_out(&stale)["reason"]
        .as_str()
        .unwrap()
        .contains("s from now"));

    let n = &f["notification"];
    let now = n["headers"]["Wechatpay-Timestamp"].as_str().unwrap();
    let apiv3 = n["apiv3_key"].as_str().unwrap();
    let opened = run(
        "wechat-global/notify",
        n,
        &["--platform-cert", &cert, "--now", now, "--apiv3-key", apiv3],
        n["body"].as_str().unwrap(),
    );
    assert_eq!(
        opened.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&opened.stdout)
    );
    assert_eq!(
        json_out(&opened)["fields"]["trade_state"],
        "SUCCESS",
        "decrypted fields are printed"
    );
    let short_key = run(
        "wechat-global/notify",
        n,
        &[
            "--platform-cert",
            &cert,
            "--now",
            now,
            "--apiv3-key",
            "short",
        ],
        n["body"].as_str().unwrap(),
    );
    assert_eq!(short_key.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&short_key.stdout).contains(apiv3));
}

/// `wechat-v2/refund-notify` with the fixture of `tests/fixtures/wechat_v2_refund.py`
/// (Python's `cryptography`; its API key's MD5 starts with `0`, the classic bug): the
/// merchant's appid and mch_id open it to its refund; another merchant's appid is refused;
/// a `FAIL` envelope carries nothing to apply; a missing `--appid` is a usage error; the
/// API key is never printed.
#[test]
fn verify_wechat_v2_refund_notification() {
    let f = fixtures("wechat_v2_refund.json");
    let text = |name: &str| f[name].as_str().unwrap().to_owned();
    let (api_key, mch_id) = (text("api_key"), text("mch_id"));
    let env = [("WX_API_KEY", api_key.as_str())];
    let verify = |extra: &[&str], body: &str| {
        let mut args = vec![
            "verify",
            "wechat-v2/refund-notify",
            "--key-env",
            "WX_API_KEY",
            "--mchid",
            &mch_id,
        ];
        args.extend_from_slice(extra);
        common::run(&args, body.as_bytes(), &env)
    };
    let envelope = text("envelope");
    let appid = text("appid");

    let output = verify(&["--appid", &appid], &envelope);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let report = json_out(&output);
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["fields"]["out_refund_no"], "R20261206000001");
    assert_eq!(report["fields"]["refund_fee"], "250");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&api_key));

    let output = verify(&["--appid", "wx0000000000000000"], &envelope);
    assert_eq!(
        output.status.code(),
        Some(1),
        "another merchant's: {output:?}"
    );
    assert!(json_out(&output)["reason"]
        .as_str()
        .unwrap()
        .contains("appid"));

    let failed = "<xml><return_code>FAIL</return_code><return_msg>busy</return_msg></xml>";
    let output = verify(&["--appid", &appid], failed);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(json_out(&output)["fields"]["return_code"], "FAIL");

    let output = verify(&[], &envelope);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
