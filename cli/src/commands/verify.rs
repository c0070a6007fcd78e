//! `paywire verify KIND`: runs a verifier over raw bytes (and headers), prints
//! `{"valid", "reason", "fields"}`; exit 0 valid, 1 not authentic / stale, 2 malformed or
//! hostile input, 3 authentic but an error answer (`"error_answer": true`: the gateway
//! refused the request).

use super::read_text;
use paywire::keys::PublicKey;
use paywire::wechat_v3::{self, PlatformKeys};
use paywire::{Node, NodeObject};
use paywire::{Secret, VerifyError};
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use serde_json::{json, Value};

/// Every kind of message `verify` knows.
pub const KINDS: &[&str] = &[
    "swiftpass/response",
    "swiftpass/notify",
    "weidoufu/notify",
    "xorpay/notify",
    "wechat-global/response",
    "wechat-global/notify",
];

/// Options of `paywire verify`.
#[derive(Debug, Default, Clone)]
pub struct VerifyOptions {
    /// `--key`.
    pub key: Option<String>,
    /// `--header 'Name: value'`, repeated.
    pub headers: Vec<String>,
    /// `--platform-cert PEM` file.
    pub platform_cert: Option<String>,
    /// `--platform-public-key PEM` file (RSA_1_256, or v3 public-key mode).
    pub platform_public_key: Option<String>,
    /// `--platform-key-id ID`: the id WeChat Pay gave with its public key
    /// (`PUB_KEY_ID_...`), which messages name in `Wechatpay-Serial`.
    pub platform_key_id: Option<String>,
    /// `--apiv3-key`.
    pub apiv3_key: Option<String>,
    /// `--now UNIX` (v3 timestamp window; default now).
    pub now: Option<i64>,
}

/// The outcome: exit code and the JSON to print.
pub struct Outcome {
    /// 0, 1, 2 or 3.
    pub code: u8,
    /// `{"valid", "reason", "fields"}`.
    pub report: Value,
}

fn fields_json(fields: &NodeObject) -> Value {
    serde_json::from_str(&Node::Object(fields.clone()).to_string()).unwrap_or(Value::Null)
}

fn outcome(result: Result<Value, VerifyError>) -> Outcome {
    match result {
        Ok(fields) => Outcome {
            code: 0,
            report: json!({"valid": true, "reason": null, "fields": fields}),
        },
        Err(e) => Outcome {
            code: if e.is_malformed() { 2 } else { 1 },
            report: json!({"valid": false, "reason": e.to_string(), "fields": null}),
        },
    }
}

/// An authentic answer in which the gateway refused the request: exit 3.
pub(crate) fn error_answer(reason: String, fields: Value) -> Outcome {
    Outcome {
        code: 3,
        report: json!({"valid": true, "error_answer": true, "reason": reason, "fields": fields}),
    }
}

pub(crate) fn usage(message: String) -> Outcome {
    Outcome {
        code: 2,
        report: json!({"valid": false, "reason": message, "fields": null}),
    }
}

fn headers(lines: &[String]) -> Result<http::HeaderMap, String> {
    let mut map = http::HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("--header {line:?}: write 'Name: value'"))?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|e| format!("--header {line:?}: {e}"))?;
        let value = http::HeaderValue::from_str(value.trim())
            .map_err(|e| format!("--header {line:?}: {e}"))?;
        map.append(name, value);
    }
    Ok(map)
}

fn platform_keys(options: &VerifyOptions) -> Result<PlatformKeys, String> {
    let mut keys = PlatformKeys::new();
    if let Some(path) = &options.platform_cert {
        keys.add_certificate_pem(&read_text(path)?)
            .map_err(|e| e.to_string())?;
    }
    if let Some(path) = &options.platform_public_key {
        // Registered under the id WeChat Pay gave with the key: taking the serial the
        // message announces would accept any message signed by this key for any id.
        let id = options.platform_key_id.as_deref().ok_or(
            "--platform-public-key needs --platform-key-id (the PUB_KEY_ID_... shown with the key)",
        )?;
        keys.add_public_key_pem(id, &read_text(path)?)
            .map_err(|e| e.to_string())?;
    }
    if keys.is_empty() {
        return Err("wechat-global needs --platform-cert PEM or --platform-public-key PEM".into());
    }
    Ok(keys)
}

fn swiftpass_key(options: &VerifyOptions) -> Result<swiftpass::VerifyKey, String> {
    match (&options.key, &options.platform_public_key) {
        (Some(key), None) => Ok(swiftpass::VerifyKey::Md5(Secret::new(key.as_str()))),
        (None, Some(path)) => Ok(swiftpass::VerifyKey::Rsa(
            PublicKey::from_pem(&read_text(path)?).map_err(|e| e.to_string())?,
        )),
        _ => Err("swiftpass needs --key (MD5) or --platform-public-key PEM (RSA_1_256)".into()),
    }
}

fn secret(options: &VerifyOptions) -> Result<Secret, String> {
    options
        .key
        .as_deref()
        .map(Secret::new)
        .ok_or_else(|| "this kind needs --key".to_owned())
}

/// Verifies `body` as `kind`.
pub fn run(kind: &str, body: &[u8], options: &VerifyOptions) -> Outcome {
    let now = options.now.unwrap_or_else(paywire_sandbox::state::unix_now);
    let result = match kind {
        "swiftpass/response" => match swiftpass_key(options) {
            Err(e) => return usage(e),
            Ok(key) => match swiftpass::verify_response(body, &key) {
                Ok(v) => Ok(fields_json(&v.fields)),
                Err(swiftpass::SwiftpassError::Verify(e)) => Err(e),
                // Authentic, but a business failure: said so, with its own exit code.
                Err(swiftpass::SwiftpassError::Business(response)) => {
                    let reason = format!(
                        "result_code {}: {} {}",
                        response.result_code,
                        response.err_code.as_deref().unwrap_or(""),
                        response.err_msg.as_deref().unwrap_or("")
                    );
                    return error_answer(
                        reason,
                        serde_json::to_value(&*response).unwrap_or(Value::Null),
                    );
                }
                Err(status @ swiftpass::SwiftpassError::Status { .. }) => {
                    return Outcome {
                        code: 1,
                        report: json!({"valid": false, "reason": status.to_string(), "fields": null}),
                    }
                }
            },
        },
        "swiftpass/notify" => match swiftpass_key(options) {
            Err(e) => return usage(e),
            Ok(key) => swiftpass::verify_notification(body, &key).map(|v| fields_json(&v.fields)),
        },
        "weidoufu/notify" => match secret(options) {
            Err(e) => return usage(e),
            Ok(key) => weidoufu::verify_notification(body, &key).map(|v| fields_json(&v.fields)),
        },
        "xorpay/notify" => match secret(options) {
            Err(e) => return usage(e),
            Ok(key) => match xorpay::verify_notification(body, &key) {
                // `more` and `detail` are not signed: reported apart, never as verified.
                Ok(v) => {
                    let mut done = outcome(Ok(fields_json(&v.fields)));
                    done.report["unsigned"] = fields_json(&v.unsigned);
                    return done;
                }
                Err(e) => Err(e),
            },
        },
        "wechat-global/response" | "wechat-global/notify" => {
            let headers = match headers(&options.headers) {
                Ok(h) => h,
                Err(e) => return usage(e),
            };
            let keys = match platform_keys(options) {
                Ok(k) => k,
                Err(e) => return usage(e),
            };
            if kind == "wechat-global/response" {
                let fields = wechat_v3::verify_message(&keys, &headers, body, now).and_then(|()| {
                    let object =
                        paywire::decode::json::parse(body, &paywire::decode::Limits::default())?;
                    Ok(serde_json::from_str::<Value>(&object.to_string()).unwrap_or(Value::Null))
                });
                // An error answer (`code`, `message`) is signed like any other.
                if let Ok(fields) = &fields {
                    if let Some(code) = fields["code"].as_str() {
                        let message = fields["message"].as_str().unwrap_or_default();
                        return error_answer(format!("{code}: {message}"), fields.clone());
                    }
                }
                fields
            } else {
                let Some(apiv3) = options.apiv3_key.as_deref() else {
                    return usage("wechat-global/notify needs --apiv3-key".into());
                };
                wechat_global::open_notification(&keys, &headers, body, now, &Secret::new(apiv3))
                    .map(|(opened, _)| {
                        serde_json::from_str(&opened.plaintext).unwrap_or(Value::Null)
                    })
            }
        }
        other => {
            return usage(format!(
                "unknown kind {other:?}; use one of {}",
                KINDS.join(", ")
            ))
        }
    };
    outcome(result)
}
