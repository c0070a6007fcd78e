//! `paywire call ENDPOINT --base-url URL`: builds and signs the request as `sign` does,
//! sends it with paywire's HTTP client, reads and verifies the answer as `verify` does,
//! and prints both, the featapi bearer token as `***`. Exit codes are `verify`'s, 4
//! when no answer came, and 5 when the gateway answered an HTTP error without a message
//! of its own (a wrong `--base-url` path: `HTTP 404 from the gateway`).
//!
//! When no answer came, the gateway may still have acted. For an endpoint with a resolve
//! step (orders, closes and refunds where the gateway has a query) `call` then queries
//! the order or refund and reports what the verified answer says (`resolution`: paid,
//! not_paid, closed, refunded, refund_pending, not_found or unknown, with advice); the
//! exit code stays 4, since the request itself was not answered.

use paywire::client::Client;
use paywire_providers::registry::{
    self as verify, Built, Endpoint, Outcome, Resolution, SignFailure, SignOptions, VerifyOptions,
};
use serde_json::{json, Value};

/// Options of `paywire call`.
#[derive(Debug, Default, Clone)]
pub struct CallOptions {
    /// The gateway's base URL (where the gateway assigns one whole URL, that URL).
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
            report: json!({"valid": false, "reason": "the request breaks the declared rules", "problems": problems, "fields": null, "error_answer": false}),
        },
    }
}

/// After a lost answer: what the endpoint's query says happened.
async fn resolve(
    client: &Client,
    endpoint: &Endpoint,
    input: &[u8],
    options: &CallOptions,
) -> Resolution {
    let Some(resolve) = endpoint.resolve else {
        return Resolution::Unknown(format!(
            "{} has no query to resolve it with: a query may be sent again; anything that \
             changes money (a refund) may have been made, so check with the gateway before \
             sending it again",
            endpoint.name
        ));
    };
    let query = match resolve(endpoint.name, &options.base_url, input, &options.sign) {
        Ok(query) => query,
        Err(SignFailure::Usage(message)) => return Resolution::Unknown(message),
        Err(SignFailure::Invalid(_)) => {
            return Resolution::Unknown("the query could not be built from the input".into())
        }
    };
    match client.send(query.request).await {
        Ok(answer) => (query.read)(&answer, &options.verify),
        Err(e) => Resolution::Unknown(format!("the query got no answer either: {e}")),
    }
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
            let status = answer.status();
            if !status.is_success() && outcome.code == 2 {
                // Not a message of the gateway's protocol, under an HTTP error: the URL
                // or the server is wrong, not the input.
                outcome = Outcome {
                    code: 5,
                    report: json!({
                        "valid": false,
                        "reason": format!(
                            "HTTP {} from the gateway, with no answer of its protocol; check --base-url (where the gateway assigns one whole URL, that URL)",
                            status.as_u16()
                        ),
                        "fields": null,
                        "error_answer": false,
                    }),
                };
            }
            outcome.report["answer"] = json!({
                "status": answer.status().as_u16(),
                "body": String::from_utf8_lossy(answer.body()),
            });
            outcome
        }
        Err(e) => {
            let mut outcome = Outcome {
                code: 4,
                report: json!({"valid": false, "reason": format!("no answer: {e}"), "fields": null, "error_answer": false}),
            };
            let resolution = resolve(&client, endpoint, input, options).await;
            outcome.report["resolution"] = json!(resolution.word());
            outcome.report["advice"] = json!(resolution.advice());
            outcome
        }
    };
    outcome.report["request"] = sent;
    outcome
}
