//! No secret anywhere it could be read by someone else: every public type that holds a
//! key, token, APIv3 key or private PEM, in `Debug` (plain and pretty), every CLI output
//! (stdout and stderr, success and error paths) and every line the sandbox prints, built
//! with secrets known to the test and searched for them.

use paywire::keys::MerchantKey;
use paywire::ledger::{Ledger, RedisLedger};
use paywire::Secret;
use paywire_providers::wechat::v3::MerchantSigner;
use paywire_providers::{feat, swiftpass};
use paywire_sandbox::SandboxConfig;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

mod common;

use common::temp_file;

const SWIFTPASS_KEY: &str = "S3cr3t-swiftpass-7f3a9c1e5b2d4a68";
const WEIDOUFU_KEY: &str = "S3cr3t-weidoufu-0b9e8d7c6a5f4e3d";
const XORPAY_KEY: &str = "S3cr3t-xorpay-1a2b3c4d5e6f7a8b9c";
const FEAT_TOKEN: &str = "S3cr3t-feat-token-5d4c3b2a19f8e7d6";
const FEAT_CLIENT_SECRET: &str = "S3cr3t-feat-client-9e8d7c6b5a4f";
const WECHAT_KEY: &str = "S3cr3t-wechat-key-2468ace013579bdf";
const APIV3_KEY: &str = "S3cr3tApiV3Key-0123456789abcdefg";
const REDIS_PASSWORD: &str = "S3cr3t-redis-password-42";

fn fixtures() -> Value {
    let path = format!(
        "{}/../tests/fixtures/wechat_v3.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A private key PEM the test owns, and pieces of it that must never be printed.
fn private_pem() -> (String, Vec<String>) {
    let pem = fixtures()["merchant"]["private_key_pkcs8"]
        .as_str()
        .unwrap()
        .to_owned();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    // Any 24 consecutive base64 characters of the key, at three places.
    let pieces = [8, body.len() / 2, body.len() - 40]
        .iter()
        .map(|&at| body[at..at + 24].to_owned())
        .collect();
    (pem, pieces)
}

/// Every secret the test planted, PEM pieces included.
fn planted() -> Vec<String> {
    let mut all: Vec<String> = [
        SWIFTPASS_KEY,
        WEIDOUFU_KEY,
        XORPAY_KEY,
        FEAT_TOKEN,
        FEAT_CLIENT_SECRET,
        WECHAT_KEY,
        APIV3_KEY,
        REDIS_PASSWORD,
    ]
    .map(str::to_owned)
    .to_vec();
    all.extend(private_pem().1);
    all
}

fn assert_clean(place: &str, text: &str) {
    for secret in planted() {
        assert!(!text.contains(&secret), "{place} printed {secret}:\n{text}");
    }
}

/// Runs `paywire args` with `stdin` and the planted secrets in the environment.
fn paywire(args: &[&str], stdin: &[u8]) -> Output {
    let env = [
        ("T_SWIFTPASS", SWIFTPASS_KEY),
        ("T_WEIDOUFU", WEIDOUFU_KEY),
        ("T_XORPAY", XORPAY_KEY),
        ("T_TOKEN", FEAT_TOKEN),
        ("T_APIV3", APIV3_KEY),
    ];
    common::run(args, stdin, &env)
}

fn both(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The sandbox configuration with every secret replaced by a planted one.
fn planted_config() -> Value {
    let (pem, _) = private_pem();
    json!({
        "feat": {"client_secret": FEAT_CLIENT_SECRET, "access_token": FEAT_TOKEN, "wechat_key": WECHAT_KEY},
        "weidoufu": {"secret_key": WEIDOUFU_KEY, "wechat_key": WECHAT_KEY},
        "swiftpass": {"key": SWIFTPASS_KEY},
        "wechat_global": {"apiv3_key": APIV3_KEY, "platform_private_key_pem": pem},
        "xorpay": {"app_secret": XORPAY_KEY, "wechat_key": WECHAT_KEY},
    })
}

#[test]
fn no_public_type_prints_a_secret_in_debug() {
    let (pem, _) = private_pem();
    let key = MerchantKey::from_pem(&pem).unwrap();
    let signer = MerchantSigner::new("1900009191", "SERIAL", key.clone());
    let config = SandboxConfig::from_json(&planted_config().to_string()).unwrap();
    let loaded = config.load_keys().unwrap();
    let token = feat::read_token(
        200,
        format!(r#"{{"access_token":"{FEAT_TOKEN}","token_type":"bearer","expires_in":7200}}"#)
            .as_bytes(),
    )
    .unwrap();
    let feat_request = paywire_providers::feat::request(
        feat::BASE_URL,
        &paywire_providers::feat::sample(),
        &Secret::new(FEAT_TOKEN),
    )
    .unwrap();
    let password = feat::Grant::Password {
        username: "u".into(),
        password: Secret::new(FEAT_CLIENT_SECRET),
        device_id: "d".into(),
    };
    let redis_url = format!("redis://:{REDIS_PASSWORD}@127.0.0.1:1/");
    let redis = RedisLedger::new(&redis_url, "p:").unwrap();
    let ledger = Ledger::new(RedisLedger::new(&redis_url, "p:").unwrap());
    let printed: Vec<(&str, String)> = vec![
        (
            "Secret",
            format!(
                "{:?} {:#?} {}",
                Secret::new(SWIFTPASS_KEY),
                Secret::new(SWIFTPASS_KEY),
                Secret::new(SWIFTPASS_KEY)
            ),
        ),
        ("MerchantKey", format!("{key:?} {key:#?} {key}")),
        ("MerchantSigner", format!("{signer:?} {signer:#?}")),
        ("SandboxConfig", format!("{config:?} {config:#?}")),
        ("LoadedKeys", format!("{loaded:?} {loaded:#?}")),
        ("AccessToken", format!("{token:?} {token:#?}")),
        (
            "StaticToken",
            format!("{:?}", feat::StaticToken(Secret::new(FEAT_TOKEN))),
        ),
        ("Grant", format!("{password:?} {password:#?}")),
        (
            "feat request",
            format!("{feat_request:?} {feat_request:#?}"),
        ),
        (
            "VerifyKey",
            format!(
                "{:?}",
                swiftpass::VerifyKey::Md5(Secret::new(SWIFTPASS_KEY))
            ),
        ),
        ("RedisLedger", format!("{redis:?} {redis:#?}")),
        ("Ledger", format!("{ledger:?}")),
    ];
    for (place, text) in &printed {
        assert_clean(place, text);
    }
    // The token leaves only through an explicit call.
    assert_eq!(token.access_token.expose(), FEAT_TOKEN);
}

#[test]
fn a_ledger_that_cannot_reach_redis_does_not_repeat_its_url() {
    let ledger = Ledger::new(
        RedisLedger::new(&format!("redis://:{REDIS_PASSWORD}@127.0.0.1:1/"), "p:")
            .unwrap()
            .with_timeout(std::time::Duration::from_millis(300)),
    );
    let key = paywire::ledger::OrderKey::new("swiftpass", "M1");
    let error = ledger.claim(&key).map(|_| ()).unwrap_err();
    assert_clean("the ledger's error", &format!("{error} {error:?}"));
    let error = RedisLedger::new(&format!("rediss://:{REDIS_PASSWORD}@[::1"), "p:").unwrap_err();
    assert_clean("the ledger's URL error", &format!("{error} {error:?}"));
}

#[test]
fn no_cli_output_prints_a_secret() {
    let (pem, _) = private_pem();
    let pem_file = temp_file("merchant.pem", &pem);
    let broken_pem = temp_file("broken.pem", &pem.replace("-----END", "-----BEGIN"));
    let swiftpass = json!({"out_trade_no": "1415659990", "mch_id": "175510359638", "sub_appid": "wx2421b1c4370ec43b",
        "nonce_str": "1add1a30ac87aa2db72f57a2375d8fec", "body": "H5支付测试", "mch_create_ip": "14.23.150.211",
        "notify_url": "http://127.0.0.1:9/notify", "sub_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "total_fee": 1});
    let order = swiftpass.to_string();
    let at_key = format!("@{XORPAY_KEY}");
    let runs: Vec<(&str, Vec<&str>, Vec<u8>)> = vec![
        (
            "sign",
            vec!["sign", "swiftpass/wap", "--key-env", "T_SWIFTPASS"],
            order.clone().into_bytes(),
        ),
        (
            "sign --json",
            vec![
                "sign",
                "swiftpass/wap",
                "--key-env",
                "T_SWIFTPASS",
                "--json",
            ],
            order.clone().into_bytes(),
        ),
        (
            "sign with --key on argv",
            vec!["sign", "swiftpass/wap", "--key", SWIFTPASS_KEY],
            order.clone().into_bytes(),
        ),
        (
            "sign, invalid order",
            vec!["sign", "swiftpass/wap", "--key-env", "T_SWIFTPASS"],
            br#"{"total_fee": -1}"#.to_vec(),
        ),
        (
            "sign, not JSON",
            vec!["sign", "swiftpass/wap", "--key", SWIFTPASS_KEY],
            b"\xff]]>".to_vec(),
        ),
        (
            "sign feat",
            vec!["sign", "feat/pay", "--token-env", "T_TOKEN"],
            br#"{"pay_method":200,"end_type":0}"#.to_vec(),
        ),
        (
            "sign feat, token on argv",
            vec!["sign", "feat/pay", "--token", FEAT_TOKEN],
            br#"{"pay_method":200,"end_type":0}"#.to_vec(),
        ),
        (
            "sign rsa",
            vec!["sign", "swiftpass/wap-rsa", "--private-key", &pem_file],
            order.clone().into_bytes(),
        ),
        (
            "sign rsa, broken PEM",
            vec!["sign", "swiftpass/wap-rsa", "--private-key", &broken_pem],
            order.clone().into_bytes(),
        ),
        (
            "sign rsa, PEM text as the path",
            vec!["sign", "swiftpass/wap-rsa", "--private-key", &pem],
            order.clone().into_bytes(),
        ),
        (
            "verify, not signed by the key",
            vec!["verify", "swiftpass/notify", "--key-env", "T_SWIFTPASS"],
            b"<xml><status>0</status><result_code>0</result_code><sign>00</sign></xml>".to_vec(),
        ),
        (
            "verify, hostile",
            vec!["verify", "weidoufu/notify", "--key-env", "T_WEIDOUFU"],
            b"<!DOCTYPE x>".to_vec(),
        ),
        (
            "verify, key as @",
            vec!["verify", "xorpay/notify", "--key", &at_key],
            b"".to_vec(),
        ),
        (
            "verify v3, wrong APIv3 key",
            vec![
                "verify",
                "wechat-global/notify",
                "--apiv3-key-env",
                "T_APIV3",
                "--platform-cert",
                &pem_file,
            ],
            b"{}".to_vec(),
        ),
    ];
    for (place, args, stdin) in runs {
        let output = paywire(&args, &stdin);
        let text = both(&output);
        assert_clean(place, &text);
        assert!(!text.trim().is_empty(), "{place} printed nothing");
    }
}

#[test]
fn the_sandbox_prints_configured_secrets_as_stars() {
    let config = temp_file("sandbox.json", &planted_config().to_string());
    let mut child = Command::new(env!("CARGO_BIN_EXE_paywire"))
        .args(["sandbox", "--addr", "127.0.0.1:0", "--config", &config])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("cashier");
        banner.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}\n{}",
        banner.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_clean("the sandbox's banner", &text);
    assert!(text.contains("key=***"), "{text}");
    // A bad configuration says where, not what.
    let bad = temp_file("bad.json", &json!({"swiftpass": {"key": 1234567890123_u64}, "xorpay": {"app_secret": XORPAY_KEY, "x": 1}}).to_string());
    let refused = paywire(&["sandbox", "--addr", "127.0.0.1:0", "--config", &bad], b"");
    assert_eq!(refused.status.code(), Some(2));
    assert_clean("a refused configuration", &both(&refused));
}
