//! `paywire call ENDPOINT --base-url URL`: builds and signs the request as `sign` does,
//! sends it with paywire's HTTP client, reads and verifies the answer as `verify` does,
//! and prints both, the featapi bearer token as `***`. Exit codes are `verify`'s, and 4
//! when no answer came (the gateway may have processed the request: query before
//! retrying).

use super::sign::{self, SignFailure, SignOptions};
use super::verify::{self, Outcome, VerifyOptions};
use paywire::client::Client;
use paywire::wechat_v3::MerchantSigner;
use paywire::Secret;
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};
use serde_json::{json, Value};

use super::Endpoint;

/// Options of `paywire call`.
#[derive(Debug, Default, Clone)]
pub struct CallOptions {
    /// The gateway's base URL (SwiftPass: its full gateway URL, as assigned).
    pub base_url: String,
    /// What signs the request.
    pub sign: SignOptions,
    /// What verifies the answer (platform certificate or public key, `now`).
    pub verify: VerifyOptions,
}

/// The request as sent, for printing: headers as sent except a bearer token.
fn shown(request: &http::Request<Vec<u8>>) -> Value {
    let headers: serde_json::Map<String, Value> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let text = value.to_str().unwrap_or("(not text)");
            let text = if text.starts_with("Bearer ") {
                "Bearer ***"
            } else {
                text
            };
            (name.as_str().to_owned(), Value::from(text))
        })
        .collect();
    json!({
        "method": request.method().as_str(),
        "url": request.uri().to_string(),
        "headers": headers,
        "body": String::from_utf8_lossy(request.body()),
    })
}

fn failed(failure: SignFailure) -> Outcome {
    match failure {
        SignFailure::Usage(message) => verify::usage(message),
        SignFailure::Invalid(problems) => Outcome {
            code: 2,
            report: json!({"valid": false, "reason": "the request breaks the declared rules", "problems": problems, "fields": null}),
        },
    }
}

/// An answer read without a signature to check (the gateway signs none): whether it is
/// one the document describes; its JSON as the fields.
fn read<T, E: std::fmt::Display>(
    result: Result<T, E>,
    is_refusal: impl Fn(&E) -> bool,
    body: &[u8],
) -> Outcome {
    match result {
        Ok(_) => Outcome {
            code: 0,
            report: json!({"valid": true, "reason": null, "fields": serde_json::from_slice::<Value>(body).unwrap_or(Value::Null)}),
        },
        Err(e) if is_refusal(&e) => verify::error_answer(e.to_string(), Value::Null),
        Err(e) => Outcome {
            code: 2,
            report: json!({"valid": false, "reason": e.to_string(), "fields": null}),
        },
    }
}

/// The request for `endpoint`, built from `input`; for featapi also the order, which its
/// answer is read against.
fn build(
    endpoint: Endpoint,
    input: &[u8],
    options: &CallOptions,
) -> Result<(http::Request<Vec<u8>>, Option<feat::OrderPay>), SignFailure> {
    let base = options.base_url.as_str();
    let s = &options.sign;
    let key = || sign::required(&s.key, "--key", "this endpoint").map(Secret::new);
    let built = |r: Result<http::Request<Vec<u8>>, paywire::Error>| {
        r.map_err(|e| SignFailure::Usage(e.to_string()))
    };
    Ok(match endpoint {
        Endpoint::FeatPay => {
            let order: feat::OrderPay = sign::decode(input)?;
            let token = sign::required(&s.token, "--token", "feat/pay")?;
            let request = built(paywire_providers::feat::request(
                base,
                &order,
                &Secret::new(token),
            ))?;
            (request, Some(order))
        }
        Endpoint::WeidoufuMiniapp => {
            let order: weidoufu::MiniappPay = sign::decode(input)?;
            (
                built(paywire_providers::weidoufu::request(base, &order, &key()?))?,
                None,
            )
        }
        Endpoint::SwiftpassWap => {
            let order: swiftpass::WapPay = sign::decode(input)?;
            (
                built(paywire_providers::swiftpass::request(base, &order, &key()?))?,
                None,
            )
        }
        Endpoint::SwiftpassWapRsa => {
            let order: swiftpass::WapPayRsa = sign::decode(input)?;
            let key = sign::merchant_key(s, "swiftpass/wap-rsa")?;
            (
                built(paywire_providers::swiftpass::request(base, &order, &key))?,
                None,
            )
        }
        Endpoint::XorpayJsapi => {
            let order: xorpay::JsapiPay = sign::decode(input)?;
            (
                built(paywire_providers::xorpay::request(base, &order, &key()?))?,
                None,
            )
        }
        Endpoint::WechatGlobalJsapi => {
            let order: wechat_global::JsapiOrder = sign::decode(input)?;
            let mchid = sign::required(&s.mchid, "--mchid", "wechat-global/jsapi")?;
            let serial = sign::required(&s.serial, "--serial", "wechat-global/jsapi")?;
            let signer =
                MerchantSigner::new(mchid, serial, sign::merchant_key(s, "wechat-global/jsapi")?);
            let timestamp = s.timestamp.unwrap_or_else(paywire_sandbox::state::unix_now);
            let nonce = s.nonce.clone().unwrap_or_else(|| {
                let seed = format!("{timestamp}{}", paywire_sandbox::state::unix_now_nanos());
                paywire::sign::md5_hex(seed.as_bytes(), paywire::schema::HexCase::Upper)
            });
            let request =
                paywire_providers::wechat_global::request(base, &order, &signer, timestamp, &nonce);
            (built(request)?, None)
        }
    })
}

/// Reads and verifies the answer to `endpoint`'s request.
fn verify_answer(
    endpoint: Endpoint,
    order: Option<&feat::OrderPay>,
    answer: &http::Response<Vec<u8>>,
    options: &CallOptions,
) -> Outcome {
    let body = answer.body();
    match endpoint {
        Endpoint::FeatPay => match order {
            Some(order) => read(
                feat::read_answer(order, answer.status().as_u16(), body),
                |e| matches!(e, feat::FeatError::OAuth { .. }),
                body,
            ),
            None => verify::usage("featapi's answer is read against its order".into()),
        },
        Endpoint::WeidoufuMiniapp => read(
            weidoufu::read_answer(body),
            |e| matches!(e, weidoufu::WeidoufuError::Refused { .. }),
            body,
        ),
        Endpoint::XorpayJsapi => read(
            xorpay::read_answer(body),
            |e| matches!(e, xorpay::XorpayError::Status { .. }),
            body,
        ),
        Endpoint::SwiftpassWap | Endpoint::SwiftpassWapRsa => {
            verify::run("swiftpass/response", body, &options.verify)
        }
        Endpoint::WechatGlobalJsapi => {
            let mut checking = options.verify.clone();
            checking.headers = answer
                .headers()
                .iter()
                .filter_map(|(n, v)| Some(format!("{}: {}", n, v.to_str().ok()?)))
                .collect();
            verify::run("wechat-global/response", body, &checking)
        }
    }
}

/// Builds, sends and verifies.
pub async fn run(endpoint: Endpoint, input: &[u8], options: &CallOptions) -> Outcome {
    let (request, order) = match build(endpoint, input, options) {
        Ok(built) => built,
        Err(failure) => return failed(failure),
    };
    let sent = shown(&request);
    let client = match Client::new() {
        Ok(client) => client,
        Err(e) => return verify::usage(e.to_string()),
    };
    let mut outcome = match client.send(request).await {
        Ok(answer) => {
            let mut outcome = verify_answer(endpoint, order.as_ref(), &answer, options);
            outcome.report["answer"] = json!({
                "status": answer.status().as_u16(),
                "body": String::from_utf8_lossy(answer.body()),
            });
            outcome
        }
        Err(e) => Outcome {
            code: 4,
            report: json!({"valid": false, "reason": format!("no answer: {e}"), "fields": null}),
        },
    };
    outcome.report["request"] = sent;
    outcome
}
