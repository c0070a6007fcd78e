//! The reports a registry entry returns: a signed request's JSON, a verified message's
//! `{"valid", "reason", "fields"}` with its exit code, and the problems that stopped
//! either, each by its path.

use super::options::{SignOptions, VerifyOptions};
use super::Built;
use paywire::decode::{check_received, json, DecodeError, Limits};
use paywire::keys::MerchantKey;
use paywire::schema::Kind;
use paywire::verify::decode_fields;
use paywire::{
    Node, NodeObject, PayObject, PayRequest, SchemaErrors, Secret, Verified, VerifyError,
};
use serde_json::{json, Value};

/// Why nothing was signed.
#[derive(Debug)]
pub enum SignFailure {
    /// A missing credential or unreadable input.
    Usage(String),
    /// The input breaks the schema: one entry per problem.
    Invalid(Vec<Value>),
}

/// A verification's outcome: an exit code and the JSON report.
pub struct Outcome {
    /// 0 valid, 1 not authentic or stale, 2 malformed or missing credentials, 3 an
    /// authentic error answer (the gateway refused the request).
    pub code: u8,
    /// `{"valid", "reason", "fields", "error_answer"}` (`error_answer` true for code 3 only).
    pub report: Value,
}

fn problems_from_decode(e: DecodeError) -> SignFailure {
    SignFailure::Invalid(decode_problems(e))
}

fn decode_problems(e: DecodeError) -> Vec<Value> {
    match e {
        DecodeError::Fields(problems) => problems
            .iter()
            .map(|p| json!({"path": p.path, "rule": "decode", "message": format!("{}: {}", p.path, p.problem)}))
            .collect(),
        other => vec![json!({"path": "#", "rule": "decode", "message": other.to_string()})],
    }
}

fn problems_from_schema(errors: &SchemaErrors) -> SignFailure {
    SignFailure::Invalid(schema_problems(errors))
}

fn schema_problems(errors: &SchemaErrors) -> Vec<Value> {
    errors
        .iter()
        .map(|e| {
            json!({"path": e.path, "rule": e.violation.rule_name(), "actual": e.actual.to_string(), "message": e.to_string()})
        })
        .collect()
}

/// The request from JSON keyed by wire names; each problem reported by its path.
/// When a member does not decode, the rules are still checked on the others, so every
/// problem comes in one round (a member is reported once: by decoding if it failed there).
pub fn decode<T: PayRequest>(input: &[u8]) -> Result<T, SignFailure> {
    let object = json::parse_object(input, &Limits::default()).map_err(problems_from_decode)?;
    match decode_fields::<T>(object.clone()) {
        Ok(verified) => Ok(verified.value),
        Err(VerifyError::Decode(e)) => {
            let mut problems = decode_problems(e);
            let rules = schema_problems(&check_received(T::OBJECT_SCHEMA, &object));
            for problem in rules {
                if !problems.iter().any(|p| p["path"] == problem["path"]) {
                    problems.push(problem);
                }
            }
            Err(SignFailure::Invalid(problems))
        }
        Err(other) => Err(SignFailure::Usage(other.to_string())),
    }
}

/// A signed request's report: validated, then the sign string (secret starred),
/// signature, content type and body.
pub fn signed<T: PayRequest>(request: &T, key: &T::Key) -> Result<Value, SignFailure> {
    request.validate().map_err(|e| problems_from_schema(&e))?;
    let body = request
        .to_body(key)
        .map_err(|e| SignFailure::Usage(e.to_string()))?;
    let (sign_string, signature) = if T::SCHEMA.sign.scheme == paywire::schema::SignScheme::None {
        (Value::Null, Value::Null)
    } else {
        (
            request.sign_string_redacted().into(),
            request.signature(key).into(),
        )
    };
    Ok(json!({
        "sign_string": sign_string,
        "signature": signature,
        "content_type": body.content_type(),
        "body": body.as_str(),
    }))
}

/// A credential `endpoint` cannot do without, named by its option.
pub fn required<T: Clone>(
    option: &Option<T>,
    name: &str,
    endpoint: &str,
) -> Result<T, SignFailure> {
    option
        .clone()
        .ok_or_else(|| SignFailure::Usage(format!("{endpoint} needs {name}")))
}

/// A key a request is signed with, taken from the credentials: the digest schemes'
/// `key`, or the merchant's RSA key.
pub trait KeyOption: Sized {
    /// The key, or which option `endpoint` needs.
    fn from_options(options: &SignOptions, endpoint: &str) -> Result<Self, SignFailure>;
}

impl KeyOption for Secret {
    fn from_options(options: &SignOptions, endpoint: &str) -> Result<Self, SignFailure> {
        required(&options.credentials.key, "--key", endpoint)
    }
}

/// A request the gateway takes unsigned (weidoufu's query) needs no key.
impl KeyOption for () {
    fn from_options(_: &SignOptions, _: &str) -> Result<Self, SignFailure> {
        Ok(())
    }
}

/// `--key` signs MD5, `--private-key` RSA_1_256: one of them.
impl KeyOption for paywire::sign::SignTypeKey {
    fn from_options(options: &SignOptions, endpoint: &str) -> Result<Self, SignFailure> {
        let c = &options.credentials;
        match (&c.key, &c.private_key) {
            (Some(key), None) => Ok(Self::Md5(key.clone())),
            (None, Some(private)) => Ok(Self::Rsa(private.clone())),
            (Some(_), Some(_)) => Err(SignFailure::Usage(format!(
                "{endpoint} signs with --key (MD5) or --private-key PEM (RSA_1_256), not both"
            ))),
            (None, None) => Err(SignFailure::Usage(format!(
                "{endpoint} needs --key (MD5) or --private-key PEM (RSA_1_256)"
            ))),
        }
    }
}

impl KeyOption for MerchantKey {
    fn from_options(options: &SignOptions, endpoint: &str) -> Result<Self, SignFailure> {
        required(
            &options.credentials.private_key,
            "--private-key PEM",
            endpoint,
        )
    }
}

/// The report of a request whose own key signs it: decoded, then keyed from the
/// credentials, then validated, signed and encoded.
pub fn with_key<T: PayRequest>(
    endpoint: &'static str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Value, SignFailure>
where
    T::Key: KeyOption,
{
    let request: T = decode(input)?;
    signed(&request, &T::Key::from_options(options, endpoint)?)
}

/// A request builder's result, its error as a usage failure.
pub fn built(
    request: Result<http::Request<Vec<u8>>, paywire::Error>,
) -> Result<http::Request<Vec<u8>>, SignFailure> {
    request.map_err(|e| SignFailure::Usage(e.to_string()))
}

/// A verified message's fields as JSON.
pub fn fields_json(fields: &NodeObject) -> Value {
    serde_json::from_str(&Node::Object(fields.clone()).to_string()).unwrap_or(Value::Null)
}

/// A verified answer's members as JSON: every member as received, except that each
/// indexed family (`refund_fee_0`, `refund_fee_1`, ...) is one array of its items under
/// the family's declared name.
pub fn answer_json<T: PayObject + serde::Serialize>(verified: &Verified<T>) -> Value {
    let mut out = fields_json(&verified.fields);
    let families: Vec<_> = T::OBJECT_SCHEMA
        .fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Indexed { .. }))
        .collect();
    if families.is_empty() {
        return out;
    }
    let typed = serde_json::to_value(&verified.value).unwrap_or(Value::Null);
    if let Value::Object(members) = &mut out {
        for (name, _) in paywire::indexed::flat_members(&verified.value).iter() {
            if T::OBJECT_SCHEMA.field(name).is_none() && T::OBJECT_SCHEMA.constant(name).is_none() {
                members.remove(name);
            }
        }
        for family in families {
            members.insert(family.wire_name.to_owned(), typed[family.wire_name].clone());
        }
    }
    out
}

/// Code 0 with the fields, or 1 (not authentic) / 2 (malformed) with the reason.
pub fn outcome(result: Result<Value, VerifyError>) -> Outcome {
    match result {
        Ok(fields) => Outcome {
            code: 0,
            report: json!({"valid": true, "reason": null, "fields": fields, "error_answer": false}),
        },
        Err(e) => Outcome {
            code: if e.is_malformed() { 2 } else { 1 },
            report: json!({"valid": false, "reason": e.to_string(), "fields": null, "error_answer": false}),
        },
    }
}

/// An authentic answer in which the gateway refused the request: code 3.
pub fn error_answer(reason: String, fields: Value) -> Outcome {
    Outcome {
        code: 3,
        report: json!({"valid": true, "error_answer": true, "reason": reason, "fields": fields}),
    }
}

/// Code 2: the options or input do not allow a check.
pub fn usage(message: String) -> Outcome {
    Outcome {
        code: 2,
        report: json!({"valid": false, "reason": message, "fields": null, "error_answer": false}),
    }
}

/// The `key` the digest schemes verify with.
pub fn secret(options: &VerifyOptions) -> Result<Secret, String> {
    options
        .credentials
        .key
        .clone()
        .ok_or_else(|| "this kind needs --key".to_owned())
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
            report: json!({"valid": true, "reason": null, "fields": serde_json::from_slice::<Value>(body).unwrap_or(Value::Null), "error_answer": false}),
        },
        Err(e) if is_refusal(&e) => error_answer(e.to_string(), Value::Null),
        Err(e) => Outcome {
            code: 2,
            report: json!({"valid": false, "reason": e.to_string(), "fields": null, "error_answer": false}),
        },
    }
}

/// A gateway's request builder that signs with a secret (the base URL, the order, the
/// key).
pub type KeyedRequest<T> = fn(&str, &T, &Secret) -> Result<http::Request<Vec<u8>>, paywire::Error>;

/// The request of a gateway that signs with `key` and answers unsigned: the order
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
    let order: T = decode(input)?;
    let key = Secret::from_options(options, endpoint)?;
    let request = built(request(base_url, &order, &key))?;
    Ok(Built::new(request, move |answer, _| {
        let body = answer.body();
        read_unsigned(read(body), is_refusal, body)
    }))
}

/// A credential a receiver or a sample order cannot do without; `missing` says which.
pub fn need<T: Clone>(credential: &Option<T>, missing: &str) -> Result<T, String> {
    credential.clone().ok_or_else(|| missing.to_owned())
}
