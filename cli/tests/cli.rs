//! The `paywire` binary: every subcommand and exit code, with the independent vectors
//! in `tests/fixtures/` as input.

use serde_json::{json, Value};

mod common;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

fn fixtures(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vector(name: &str) -> Value {
    fixtures("vectors.json")
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap()
        .clone()
}

fn paywire(args: &[&str], stdin: &[u8]) -> Output {
    common::run(args, stdin, &[])
}

fn json_out(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

fn temp_file(name: &str, contents: &str) -> String {
    let path = std::env::temp_dir().join(format!("paywire-cli-test-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

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
            .any(|l| l.starts_with("#/total_fee: range 1..=999999999, got 0")),
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

#[test]
fn schema_qr_and_usage_errors() {
    let md = paywire(&["schema", "swiftpass/wap"], b"");
    assert_eq!(md.status.code(), Some(0));
    let text = String::from_utf8_lossy(&md.stdout);
    assert!(
        text.contains("| `mch_create_ip` | string | required | len 1..=16 bytes; ip |"),
        "{text}"
    );
    let json = paywire(&["schema", "wechat-global/jsapi", "--format", "json"], b"");
    assert_eq!(json.status.code(), Some(0));
    let schema = json_out(&json);
    assert_eq!(schema["signature"]["scheme"], "none");
    assert!(schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["wire_name"] == "amount" && f["type"] == "object"));
    let exported = paywire(&["schema", "xorpay/jsapi", "--format", "json-schema"], b"");
    assert_eq!(exported.status.code(), Some(0));
    let exported = json_out(&exported);
    assert_eq!(
        exported["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        exported["properties"]["pay_type"]["enum"],
        serde_json::json!(["jsapi"])
    );
    assert_eq!(exported["additionalProperties"], false);
    assert_eq!(
        paywire(&["schema", "swiftpass/wap", "--format", "yaml"], b"")
            .status
            .code(),
        Some(2)
    );

    let qr = paywire(&["qr", "weixin://wxpay/bizpayurl?pr=123456"], b"");
    assert_eq!(qr.status.code(), Some(0));
    // Too much text for any QR code: exit 2, said on stderr, nothing on stdout.
    let long = "x".repeat(8000);
    let too_long = paywire(&["qr", &long], b"");
    assert_eq!(too_long.status.code(), Some(2));
    assert!(too_long.stdout.is_empty());
    assert!(String::from_utf8_lossy(&too_long.stderr).contains("cannot encode 8000 bytes"));
    assert!(String::from_utf8_lossy(&qr.stdout).contains('▀'));
    let png = std::env::temp_dir().join(format!("paywire-cli-test-{}.png", std::process::id()));
    let out = paywire(
        &[
            "qr",
            "weixin://wxpay/bizpayurl?pr=123456",
            "--png",
            png.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(paywire(&["nonsense"], b"").status.code(), Some(2));
    // Numbers out of range are usage errors, not overflows later.
    for args in [
        ["soak", "--lease-ms", "18446744073709551615"],
        ["soak", "--outage-ms", "18446744073709551615"],
        ["soak", "--orders", "0"],
        ["soak", "--concurrency", "18446744073709551615"],
        ["soak", "--instances", "100000"],
        ["soak", "--fail-rate", "NaN"],
        ["soak", "--fail-rate", "1.5"],
    ] {
        let refused = paywire(&args, b"");
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains(args[1]),
            "{args:?}"
        );
    }
    // The older spelling is the same option, refused the same way.
    let alias = paywire(&["soak", "--redis-outage-ms", "18446744073709551615"], b"");
    assert_eq!(alias.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&alias.stderr).contains("outage-ms"));
    // A ledger that is not one, or a URL where none is taken, is a usage error.
    let misplaced: [&[&str]; 3] = [
        &["soak", "--ledger", "mysql"],
        &[
            "soak",
            "--ledger",
            "memory",
            "--ledger-url",
            "redis://127.0.0.1:1/",
        ],
        &["soak", "--outage-ms", "100", "--ledger", "sqlite"],
    ];
    for args in misplaced {
        let refused = paywire(args, b"");
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn sandbox_prints_one_line_per_gateway_and_refuses_other_interfaces() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_paywire"))
        .args(["sandbox", "--addr", &addr])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("cashier");
        banner.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    let text = banner.join("\n");
    for gateway in ["feat", "weidoufu", "swiftpass", "wechat-global", "xorpay"] {
        assert!(text.contains(&format!("http://{addr}/{gateway}")), "{text}");
    }
    assert!(
        text.contains("key=61307e5f2aebcacecbcca6fe5296df9c"),
        "sandbox defaults are printed: {text}"
    );
    let refused = paywire(&["sandbox", "--addr", "0.0.0.0:0"], b"");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("loopback only"));
}

#[test]
fn demo_passes_all_five_gateways() {
    let output = paywire(&["demo"], b"");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("5/5 gateways passed"), "{stdout}");
    for gateway in ["feat", "weidoufu", "swiftpass", "wechat-global", "xorpay"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(gateway) && l.contains("ok: ")),
            "{gateway}: {stdout}"
        );
    }
    assert!(!stdout.contains("  request: "), "quiet without --verbose");
}

/// `demo --verbose` shows every exchange: sign strings with the key as `***`, each
/// request and answer, and the four notifications as the merchant received them.
#[test]
fn demo_verbose_shows_each_exchange_with_keys_starred() {
    let output = paywire(&["demo", "--verbose"], b"");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let count = |label: &str| {
        stdout
            .lines()
            .filter(|l| l.starts_with(&format!("  {label}: ")))
            .count()
    };
    assert_eq!(count("request"), 5, "{stdout}");
    assert_eq!(count("answer"), 5, "{stdout}");
    assert_eq!(count("notification"), 4, "featapi sends none: {stdout}");
    assert_eq!(
        count("sign string"),
        3,
        "weidoufu, SwiftPass, XorPay sign their bodies"
    );
    let swiftpass = stdout
        .lines()
        .find(|l| l.starts_with("  sign string: ") && l.contains("mch_create_ip="))
        .unwrap();
    assert!(swiftpass.ends_with("&key=***"), "{swiftpass}");
}

#[test]
fn soak_loses_nothing_and_applies_nothing_twice() {
    let output = paywire(
        &[
            "soak",
            "--orders",
            "60",
            "--concurrency",
            "8",
            "--fail-rate",
            "0.3",
            "--json",
        ],
        b"",
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json_out(&output);
    assert_eq!(report["orders"], 60);
    assert_eq!(report["gateways"].as_object().unwrap().len(), 5);
    assert_eq!(report["paid"], 60);
    assert_eq!(report["lost"], 0);
    assert_eq!(report["applied_twice"], 0);
    assert_eq!(
        report["applied"], 48,
        "every order but featapi's (which documents no notification)"
    );
    assert!(
        report["deliveries"].as_u64().unwrap() > 48,
        "a 30 % failure rate forces retries"
    );
}

/// `paywire call` signs, sends with the real client, and verifies the answer: against the
/// sandbox every gateway's order comes back valid (exit 0), a refused one as an authentic
/// error answer (3), and no answer at all as 4; the bearer token is never printed.
#[test]
fn call_sends_and_verifies_against_the_sandbox() {
    let sandbox = common::SandboxProcess::start();
    let url = sandbox.url.clone();
    let config = paywire_sandbox::SandboxConfig::default();
    let keys = format!("{}/../sandbox/keys", env!("CARGO_MANIFEST_DIR"));
    let notify = "http://127.0.0.1:9/notify";
    let swiftpass_order = json!({"out_trade_no": "CALL1", "mch_id": config.swiftpass.mch_id, "sub_appid": "wx2421b1c4370ec43b",
        "nonce_str": "1add1a30ac87aa2db72f57a2375d8fec", "body": "H5支付测试", "mch_create_ip": "14.23.150.211",
        "notify_url": notify, "sub_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "total_fee": 1});
    let swiftpass_url = format!("{url}/swiftpass/pay/gateway");
    let wechat_order = json!({"appid": "wx2421b1c4370ec43b", "mchid": config.wechat_global.mchid, "description": "QQ公仔",
        "out_trade_no": "CALL2", "notify_url": notify, "trade_type": "JSAPI", "merchant_category_code": "4111",
        "amount": {"total": 10, "currency": "HKD"}, "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}});
    let private_key = format!("{keys}/merchant_private_key.pem");
    let certificate = format!("{keys}/platform_certificate.pem");
    let xorpay_order = json!({"aid": config.xorpay.aid, "name": "充值", "pay_type": "jsapi", "price": "0.01",
        "order_id": "CALL3", "notify_url": notify, "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"});
    let weidoufu_order = json!({"access_key": config.weidoufu.access_key, "body": "QQ 会员充值", "out_order_no": "180901620895069445",
        "pay_type": 1, "total_fee": 1, "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "notify_url": notify});
    let base = |g: &str| format!("{url}/{g}");
    let runs: Vec<(Vec<String>, Value, &str)> = vec![
        (
            vec![
                "swiftpass/wap".into(),
                "--base-url".into(),
                swiftpass_url.clone(),
                "--key".into(),
                config.swiftpass.key.clone(),
            ],
            swiftpass_order.clone(),
            "prepay_id",
        ),
        (
            vec![
                "wechat-global/jsapi".into(),
                "--base-url".into(),
                base("wechat-global"),
                "--mchid".into(),
                config.wechat_global.mchid.clone(),
                "--serial".into(),
                config.wechat_global.merchant_serial.clone(),
                "--private-key".into(),
                private_key.clone(),
                "--platform-cert".into(),
                certificate.clone(),
            ],
            wechat_order,
            "prepay_id",
        ),
        (
            vec![
                "xorpay/jsapi".into(),
                "--base-url".into(),
                base("xorpay"),
                "--key".into(),
                config.xorpay.app_secret.clone(),
            ],
            xorpay_order,
            "aoid",
        ),
        (
            vec![
                "weidoufu/miniapp".into(),
                "--base-url".into(),
                base("weidoufu"),
                "--key".into(),
                config.weidoufu.secret_key.clone(),
            ],
            weidoufu_order,
            "data",
        ),
        (
            vec![
                "feat/pay".into(),
                "--base-url".into(),
                base("feat"),
                "--token".into(),
                config.feat.access_token.clone(),
            ],
            json!({"pay_method": 200, "end_type": 0}),
            "data",
        ),
    ];
    for (args, input, member) in &runs {
        let mut all = vec!["call"];
        all.extend(args.iter().map(String::as_str));
        let output = paywire(&all, input.to_string().as_bytes());
        let report = json_out(&output);
        assert_eq!(output.status.code(), Some(0), "{}: {report:#}", args[0]);
        assert_eq!(report["valid"], true, "{report:#}");
        assert!(
            !report["fields"][*member].is_null(),
            "{}: {report:#}",
            args[0]
        );
        assert_eq!(report["answer"]["status"], 200);
        assert!(report["request"]["body"]
            .as_str()
            .is_some_and(|b| !b.is_empty()));
    }
    // featapi's token is sent, not shown.
    let feat = paywire(
        &[
            "call",
            "feat/pay",
            "--base-url",
            &base("feat"),
            "--token",
            &config.feat.access_token,
        ],
        br#"{"pay_method":200,"end_type":0}"#,
    );
    let report = json_out(&feat);
    assert_eq!(report["request"]["headers"]["authorization"], "Bearer ***");
    assert!(!String::from_utf8_lossy(&feat.stdout).contains(&config.feat.access_token));

    // The same SwiftPass order number with other parameters: an authentic refusal.
    let mut conflicting = swiftpass_order.clone();
    conflicting["total_fee"] = 2.into();
    let refused = paywire(
        &[
            "call",
            "swiftpass/wap",
            "--base-url",
            &swiftpass_url,
            "--key",
            &config.swiftpass.key,
        ],
        conflicting.to_string().as_bytes(),
    );
    let report = json_out(&refused);
    assert_eq!(refused.status.code(), Some(3), "{report:#}");
    assert_eq!(report["error_answer"], true);
    // A wrong key: the sandbox answers 签名错误, which paywire reads as a status failure.
    let wrong = paywire(
        &[
            "call",
            "swiftpass/wap",
            "--base-url",
            &swiftpass_url,
            "--key",
            "0000",
        ],
        swiftpass_order.to_string().as_bytes(),
    );
    assert_eq!(
        wrong.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&wrong.stdout)
    );
    // An invalid order is refused before anything is sent.
    let invalid = paywire(
        &[
            "call",
            "swiftpass/wap",
            "--base-url",
            &swiftpass_url,
            "--key",
            "k",
        ],
        br#"{"total_fee": 0}"#,
    );
    assert_eq!(invalid.status.code(), Some(2));
    assert!(json_out(&invalid)["request"].is_null(), "nothing sent");
    drop(sandbox);
    // Nobody listening: no answer, exit 4.
    let silent = paywire(
        &[
            "call",
            "swiftpass/wap",
            "--base-url",
            "http://127.0.0.1:9/pay/gateway",
            "--key",
            "k",
        ],
        swiftpass_order.to_string().as_bytes(),
    );
    assert_eq!(
        silent.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&silent.stdout)
    );
    assert!(json_out(&silent)["reason"]
        .as_str()
        .unwrap()
        .contains("no answer"));
}
