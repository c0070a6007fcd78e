//! `paywire verify KIND`: runs a verifier over raw bytes (and headers), prints
//! `{"valid", "reason", "fields"}`; exit 0 valid, 1 not authentic / stale, 2 malformed or
//! hostile input, 3 authentic but an error answer (`"error_answer": true`: the gateway
//! refused the request).

use paywire::{Node, NodeObject};
use paywire::{Secret, VerifyError};
use serde_json::{json, Value};

/// Options of `paywire verify`. `Debug` shows the keys as `***`.
#[derive(Default, Clone)]
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

impl std::fmt::Debug for VerifyOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::commands::sign::redacted;
        f.debug_struct("VerifyOptions")
            .field("key", &redacted(&self.key))
            .field("headers", &self.headers)
            .field("platform_cert", &self.platform_cert)
            .field("platform_public_key", &self.platform_public_key)
            .field("platform_key_id", &self.platform_key_id)
            .field("apiv3_key", &redacted(&self.apiv3_key))
            .field("now", &self.now)
            .finish()
    }
}

/// The outcome: exit code and the JSON to print.
pub struct Outcome {
    /// 0, 1, 2 or 3.
    pub code: u8,
    /// `{"valid", "reason", "fields"}`.
    pub report: Value,
}

/// A verified message's fields as JSON.
pub fn fields_json(fields: &NodeObject) -> Value {
    serde_json::from_str(&Node::Object(fields.clone()).to_string()).unwrap_or(Value::Null)
}

/// Exit 0 with the fields, or 1 (not authentic) / 2 (malformed) with the reason.
pub fn outcome(result: Result<Value, VerifyError>) -> Outcome {
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
pub fn error_answer(reason: String, fields: Value) -> Outcome {
    Outcome {
        code: 3,
        report: json!({"valid": true, "error_answer": true, "reason": reason, "fields": fields}),
    }
}

/// Exit 2: the options or input do not allow a check.
pub fn usage(message: String) -> Outcome {
    Outcome {
        code: 2,
        report: json!({"valid": false, "reason": message, "fields": null}),
    }
}

/// `--header 'Name: value'` lines as a header map.
pub fn headers(lines: &[String]) -> Result<http::HeaderMap, String> {
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

/// `--key`, which the digest schemes verify with.
pub fn secret(options: &VerifyOptions) -> Result<Secret, String> {
    options
        .key
        .as_deref()
        .map(Secret::new)
        .ok_or_else(|| "this kind needs --key".to_owned())
}

/// The time a signature's timestamp is checked against: `--now`, or now.
pub fn now(options: &VerifyOptions) -> i64 {
    options.now.unwrap_or_else(paywire_sandbox::state::unix_now)
}
