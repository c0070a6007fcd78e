//! `paywire sign`: the independent vectors of `tests/fixtures/` reproduced, every
//! violation reported with exit 2, v3 and featapi authorizations, SwiftPass RSA_1_256,
//! and where keys may come from.

use std::io::Write;
use std::process::{Command, Stdio};

mod common;
use common::{fixtures, json_out, paywire, temp_file, vector};

#[test]
fn sign_reproduces_the_independent_vectors() {
    for (endpoint, name) in [
        ("weidoufu/miniapp", "weidoufu_miniapp"),
        ("swiftpass/wap", "swiftpass_wap"),
        ("xorpay/jsapi", "xorpay_jsapi"),
    ] {
        let v = vector(name);
        let input = v["input"].to_string();
        let output = paywire(
            &["sign", endpoint, "--key", v["secret"].as_str().unwrap()],
            input.as_bytes(),
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let out = json_out(&output);
        assert_eq!(out["signature"], v["signature"], "{endpoint}");
        let sign_string = out["sign_string"].as_str().unwrap();
        assert!(
            !sign_string.contains(v["secret"].as_str().unwrap()),
            "the secret is never printed"
        );
        assert!(sign_string.ends_with("***"), "{sign_string}");
    }
}

#[test]
fn sign_reports_every_violation_and_exits_2() {
    let input = r#"{"access_key":"","body":"x","out_order_no":"short","pay_type":3,"total_fee":0,"notify_url":"n"}"#;
    let output = paywire(
        &["sign", "weidoufu/miniapp", "--key", "k"],
        input.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.contains(&"#/access_key: required, got nothing; fill it in"),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("#/out_order_no: len 18..=32 bytes, got 5 bytes")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("#/total_fee: range 1..=999999999 fen, got 0 fen")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    let output = paywire(
        &["sign", "weidoufu/miniapp", "--key", "k", "--json"],
        input.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(2));
    let problems = json_out(&output);
    let rules: Vec<&str> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"required") && rules.contains(&"len") && rules.contains(&"one_of"),
        "{rules:?}"
    );

    let output = paywire(
        &["sign", "weidoufu/miniapp", "--key", "k"],
        br#"{"unknown_field": 1}"#,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("#/unknown_field: unknown field"));
    let output = paywire(
        &["sign", "weidoufu/miniapp"],
        vector("weidoufu_miniapp")["input"].to_string().as_bytes(),
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "a missing --key is a usage error"
    );
    let output = paywire(&["sign", "alipay/page"], b"{}");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn decode_and_rule_problems_come_in_one_round() {
    // A string where an amount goes and members missing (decoding), beside an address
    // that is not one and a URL that is not one (the rules): all four at once, so the
    // input is mended in one go, and each member reported once.
    let input = r#"{"mch_id":"7551000001","out_trade_no":"A20240301001","body":"x","total_fee":"abc","mch_create_ip":"1.2.3","notify_url":"not a url","nonce_str":"n1"}"#;
    let output = paywire(
        &["sign", "swiftpass/wap", "--key", "k", "--json"],
        input.as_bytes(),
    );
    assert_eq!(output.status.code(), Some(2));
    let problems = json_out(&output);
    let by_path: Vec<(&str, &str)> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["rule"].as_str().unwrap()))
        .collect();
    for expected in [
        ("#/total_fee", "decode"),
        ("#/sub_appid", "decode"),
        ("#/mch_create_ip", "ip"),
        ("#/notify_url", "url"),
    ] {
        assert!(by_path.contains(&expected), "{expected:?} in {by_path:?}");
    }
    let mut paths: Vec<&str> = by_path.iter().map(|(path, _)| *path).collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(
        paths.len(),
        by_path.len(),
        "one problem per member: {by_path:?}"
    );
}

#[test]
fn sign_v3_and_feat_carry_an_authorization() {
    let f = fixtures("wechat_v3.json");
    let key = temp_file(
        "merchant.pem",
        f["merchant"]["private_key_pkcs1"].as_str().unwrap(),
    );
    let order = r#"{"appid":"wx2421b1c4370ec43b","mchid":"1900009191","description":"image形象店-深圳腾大- QQ公仔",
        "out_trade_no":"YX202111100020Z","notify_url":"https://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
        "trade_type":"JSAPI","merchant_category_code":"4111","amount":{"total":10,"currency":"HKD"},
        "payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}}"#;
    let output = paywire(
        &[
            "sign",
            "wechat-global/jsapi",
            "--mchid",
            "1900009191",
            "--serial",
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            "--private-key",
            &key,
            "--timestamp",
            "1554208460",
            "--nonce",
            "593BEC0C930BF1AFEB40B4A08C8FB242",
        ],
        order.as_bytes(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = json_out(&output);
    // The body paywire encodes is the fixture's byte for byte, so the signature must be too.
    assert_eq!(out["body"], f["requests"][0]["body"]);
    assert_eq!(out["authorization"], f["requests"][0]["authorization"]);
    let output = paywire(
        &["sign", "feat/pay", "--token", "tok-secret"],
        br#"{"pay_method":200,"end_type":0}"#,
    );
    let out = json_out(&output);
    assert_eq!(out["authorization"], "Bearer ***");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("tok-secret"));
}

#[test]
fn sign_swiftpass_rsa_matches_the_independent_signer() {
    let f = fixtures("wechat_v3.json");
    let key = temp_file(
        "swiftpass-merchant.pem",
        f["merchant"]["private_key_pkcs8"].as_str().unwrap(),
    );
    let v = &f["swiftpass_rsa_request"];
    let mut input = v["fields"].clone();
    let fields = input.as_object_mut().unwrap();
    for constant in ["service", "sign_type"] {
        fields.remove(constant);
    }
    fields.insert("total_fee".into(), 1.into());
    let output = paywire(
        &["sign", "swiftpass/wap-rsa", "--private-key", &key],
        input.to_string().as_bytes(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = json_out(&output);
    assert_eq!(out["sign_string"], v["sign_string"]);
    assert_eq!(out["signature"], v["signature"]);
    assert!(out["body"]
        .as_str()
        .unwrap()
        .contains("<sign_type>RSA_1_256</sign_type>"));
    // Without the key it says which option is missing.
    let output = paywire(&["sign", "swiftpass/wap-rsa"], input.to_string().as_bytes());
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--private-key"));
}

/// Keys need not sit on the command line (where `ps` shows them): `--key-file` and
/// `--key-env` sign exactly as `--key` does, and `--key @file` (a common habit from other
/// tools) is refused instead of signing with the text `@file`.
#[test]
fn keys_come_from_a_file_or_the_environment_and_never_from_an_at_sign() {
    let v = vector("swiftpass_wap");
    let secret = v["secret"].as_str().unwrap();
    let input = v["input"].to_string();
    let file = temp_file("swiftpass.key", &format!("{secret}\n"));
    let by_file = paywire(
        &["sign", "swiftpass/wap", "--key-file", &file],
        input.as_bytes(),
    );
    assert_eq!(
        by_file.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_file.stderr)
    );
    assert_eq!(json_out(&by_file)["signature"], v["signature"]);
    assert!(
        by_file.stderr.is_empty(),
        "no warning for a key from a file"
    );
    let by_argv = paywire(
        &["sign", "swiftpass/wap", "--key", secret],
        input.as_bytes(),
    );
    let warning = String::from_utf8_lossy(&by_argv.stderr);
    assert!(
        warning.contains("visible to other users") && !warning.contains(secret),
        "{warning}"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_paywire"))
        .args(["sign", "swiftpass/wap", "--key-env", "PAYWIRE_TEST_KEY"])
        .env("PAYWIRE_TEST_KEY", secret)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let by_env = child.wait_with_output().unwrap();
    assert_eq!(
        by_env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_env.stderr)
    );
    assert_eq!(json_out(&by_env)["signature"], v["signature"]);

    for args in [
        vec!["sign", "swiftpass/wap", "--key", "@/etc/paywire.key"],
        vec![
            "sign",
            "swiftpass/wap",
            "--key",
            secret,
            "--key-file",
            &file,
        ],
        vec![
            "sign",
            "swiftpass/wap",
            "--key-env",
            "PAYWIRE_TEST_KEY_UNSET",
        ],
        vec![
            "sign",
            "swiftpass/wap",
            "--key-file",
            "/nonexistent/paywire.key",
        ],
    ] {
        let output = paywire(&args, input.as_bytes());
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--key"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains(secret),
            "{args:?}: the key is never printed"
        );
    }
    let notify = vector("swiftpass_notify");
    let notify_key = temp_file("notify.key", notify["secret"].as_str().unwrap());
    let output = paywire(
        &["verify", "swiftpass/notify", "--key-file", &notify_key],
        notify["body"].as_str().unwrap().as_bytes(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
