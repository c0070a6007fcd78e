//! `paywire call ENDPOINT --base-url URL`: builds and signs the request as `sign` does,
//! sends it with paywire's HTTP client, reads and verifies the answer as `verify` does,
//! and prints both, the featapi bearer token as `***`. Exit codes are `verify`'s, and 4
//! when no answer came (the gateway may have processed the request: query before
//! retrying).

use crate::commands::endpoint::{Built, Endpoint};
use crate::commands::sign::{self, KeyOption, SignFailure, SignOptions};
use crate::commands::verify::{self, Outcome, VerifyOptions};
use paywire::client::Client;
use paywire::{PayRequest, Secret};
use serde_json::{json, Value};

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
pub fn read_unsigned<T, E: std::fmt::Display>(
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

/// A gateway's request builder that signs with a secret (the base URL, the order, the
/// key).
pub type KeyedRequest<T> = fn(&str, &T, &Secret) -> Result<http::Request<Vec<u8>>, paywire::Error>;

/// The request of a gateway that signs with `--key` and answers unsigned: the order
/// decoded from `input` and sent by `request`; its answer judged by `read`, where
/// `is_refusal` tells the gateway's refusal from an answer it could not have sent.
pub fn keyed_unsigned<T, A, E>(
    (endpoint, base_url, input, options): (&'static str, &str, &[u8], &SignOptions),
    request: KeyedRequest<T>,
    read: fn(&[u8]) -> Result<A, E>,
    is_refusal: fn(&E) -> bool,
) -> Result<Built, SignFailure>
where
    T: PayRequest,
    E: std::fmt::Display + 'static,
    A: 'static,
{
    let order: T = sign::decode(input)?;
    let key = Secret::from_options(options, endpoint)?;
    let request = sign::built(request(base_url, &order, &key))?;
    Ok(Built::new(request, move |answer, _| {
        let body = answer.body();
        read_unsigned(read(body), is_refusal, body)
    }))
}

/// Builds, sends and verifies.
pub async fn run(endpoint: &Endpoint, input: &[u8], options: &CallOptions) -> Outcome {
    let Built {
        request,
        read_answer,
    } = match (endpoint.build)(endpoint.name, &options.base_url, input, &options.sign) {
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
            let mut outcome = read_answer(&answer, &options.verify);
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
