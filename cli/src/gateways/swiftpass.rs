//! SwiftPass: the WAP order signed with MD5 or `RSA_1_256`, and its signed answers and
//! notifications, verified with the MD5 key or the platform's public key.

use crate::commands::endpoint::{Built, Endpoint, Gateway, Message};
use crate::commands::read_text;
use crate::commands::sign::{self, KeyOption, SignFailure, SignOptions};
use crate::commands::verify::{self, Outcome, VerifyOptions};
use paywire::keys::PublicKey;
use paywire::{PayRequest, Secret};
use paywire_providers::swiftpass;
use serde_json::{json, Value};

/// SwiftPass's order endpoint (both sign types), answer and notification.
pub const GATEWAY: Gateway = Gateway {
    endpoints: &[
        Endpoint {
            name: "swiftpass/wap",
            schema: swiftpass::WapPay::SCHEMA,
            sign: sign::with_key::<swiftpass::WapPay>,
            build: build::<swiftpass::WapPay>,
        },
        Endpoint {
            name: "swiftpass/wap-rsa",
            schema: swiftpass::WapPayRsa::SCHEMA,
            sign: sign::with_key::<swiftpass::WapPayRsa>,
            build: build::<swiftpass::WapPayRsa>,
        },
    ],
    messages: &[
        Message {
            name: "swiftpass/response",
            verify: response,
        },
        Message {
            name: "swiftpass/notify",
            verify: notify,
        },
    ],
};

fn build<T: swiftpass::WapOrder>(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure>
where
    T::Key: KeyOption,
{
    let order: T = sign::decode(input)?;
    let key = T::Key::from_options(options, endpoint)?;
    let request = sign::built(swiftpass::request(base_url, &order, &key))?;
    Ok(Built::new(request, |answer, options| {
        response(answer.body(), options)
    }))
}

/// The MD5 key (`--key`) or the platform's RSA public key (`--platform-public-key`).
fn verify_key(options: &VerifyOptions) -> Result<swiftpass::VerifyKey, String> {
    match (&options.key, &options.platform_public_key) {
        (Some(key), None) => Ok(swiftpass::VerifyKey::Md5(Secret::new(key.as_str()))),
        (None, Some(path)) => Ok(swiftpass::VerifyKey::Rsa(
            PublicKey::from_pem(&read_text(path)?).map_err(|e| e.to_string())?,
        )),
        _ => Err("swiftpass needs --key (MD5) or --platform-public-key PEM (RSA_1_256)".into()),
    }
}

fn response(body: &[u8], options: &VerifyOptions) -> Outcome {
    let key = match verify_key(options) {
        Err(e) => return verify::usage(e),
        Ok(key) => key,
    };
    match swiftpass::verify_response(body, &key) {
        Ok(v) => verify::outcome(Ok(verify::fields_json(&v.fields))),
        Err(swiftpass::SwiftpassError::Verify(e)) => verify::outcome(Err(e)),
        // Authentic, but a business failure: said so, with its own exit code.
        Err(swiftpass::SwiftpassError::Business(response)) => {
            let reason = format!(
                "result_code {}: {} {}",
                response.result_code,
                response.err_code.as_deref().unwrap_or(""),
                response.err_msg.as_deref().unwrap_or("")
            );
            verify::error_answer(
                reason,
                serde_json::to_value(&*response).unwrap_or(Value::Null),
            )
        }
        Err(status @ swiftpass::SwiftpassError::Status { .. }) => Outcome {
            code: 1,
            report: json!({"valid": false, "reason": status.to_string(), "fields": null}),
        },
    }
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    match verify_key(options) {
        Err(e) => verify::usage(e),
        Ok(key) => verify::outcome(
            swiftpass::verify_notification(body, &key).map(|v| verify::fields_json(&v.fields)),
        ),
    }
}
