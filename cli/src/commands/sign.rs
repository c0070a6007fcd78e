//! `paywire sign ENDPOINT`: validate, sign and encode a request given as JSON keyed by the
//! gateway document's wire names. Secrets are never printed: the sign string shows the key as `***`.

use crate::commands::read_text;
use paywire::decode::{json, DecodeError, Limits};
use paywire::keys::MerchantKey;
use paywire::verify::decode_fields;
use paywire::VerifyError;
use paywire::{PayRequest, SchemaErrors, Secret};
use serde_json::{json, Value};

/// Options of `paywire sign`. `Debug` shows the key and the token as `***`.
#[derive(Default, Clone)]
pub struct SignOptions {
    /// `--key`: the signing key for sorted and concat schemes.
    pub key: Option<String>,
    /// `--token`: featapi's bearer token.
    pub token: Option<String>,
    /// `--mchid` (v3).
    pub mchid: Option<String>,
    /// `--serial` (v3).
    pub serial: Option<String>,
    /// `--private-key PEM` file (WeChat Pay v3, SwiftPass RSA_1_256).
    pub private_key: Option<String>,
    /// `--timestamp` (v3; default now).
    pub timestamp: Option<i64>,
    /// `--nonce` (v3; default derived from the body and time).
    pub nonce: Option<String>,
}

/// `Some("***")` for a secret that is set: its presence, never its value.
pub(crate) fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "***")
}

impl std::fmt::Debug for SignOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignOptions")
            .field("key", &redacted(&self.key))
            .field("token", &redacted(&self.token))
            .field("mchid", &self.mchid)
            .field("serial", &self.serial)
            .field("private_key", &self.private_key)
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::verify::VerifyOptions;

    #[test]
    fn option_structs_never_print_keys_or_tokens() {
        let sign = SignOptions {
            key: Some("k-61307e5f2aebcace".into()),
            token: Some("t-bearer-9f8e7d".into()),
            ..SignOptions::default()
        };
        let verify = VerifyOptions {
            key: Some("k-61307e5f2aebcace".into()),
            apiv3_key: Some("a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb".into()),
            ..VerifyOptions::default()
        };
        let call = crate::commands::call::CallOptions {
            sign: sign.clone(),
            verify: verify.clone(),
            ..Default::default()
        };
        for printed in [
            format!("{sign:?}"),
            format!("{verify:?}"),
            format!("{call:?}"),
            format!("{sign:#?}"),
        ] {
            for secret in [
                "61307e5f2aebcace",
                "9f8e7d",
                "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb",
            ] {
                assert!(!printed.contains(secret), "{printed}");
            }
            assert!(printed.contains("***"), "{printed}");
        }
    }
}

/// Why nothing was signed.
#[derive(Debug)]
pub enum SignFailure {
    /// Bad options or unreadable input (exit 2).
    Usage(String),
    /// The input breaks the schema (exit 2): one entry per problem.
    Invalid(Vec<Value>),
}

fn problems_from_decode(e: DecodeError) -> SignFailure {
    match e {
        DecodeError::Fields(problems) => SignFailure::Invalid(
            problems
                .iter()
                .map(|p| json!({"path": p.path, "rule": "decode", "message": format!("{}: {}", p.path, p.problem)}))
                .collect(),
        ),
        other => SignFailure::Invalid(vec![json!({"path": "#", "rule": "decode", "message": other.to_string()})]),
    }
}

fn problems_from_schema(errors: &SchemaErrors) -> SignFailure {
    SignFailure::Invalid(
        errors
            .iter()
            .map(|e| {
                json!({"path": e.path, "rule": e.violation.rule_name(), "actual": e.actual.to_string(), "message": e.to_string()})
            })
            .collect(),
    )
}

/// The request from JSON keyed by wire names; each problem reported by its path.
pub fn decode<T: PayRequest>(input: &[u8]) -> Result<T, SignFailure> {
    let object = json::parse_object(input, &Limits::default()).map_err(problems_from_decode)?;
    match decode_fields::<T>(object) {
        Ok(verified) => Ok(verified.value),
        Err(VerifyError::Decode(e)) => Err(problems_from_decode(e)),
        Err(other) => Err(SignFailure::Usage(other.to_string())),
    }
}

/// `paywire sign`'s report: validated, then the sign string (secret starred), signature,
/// content type and body.
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

/// An option `endpoint` cannot do without.
pub fn required(
    option: &Option<String>,
    name: &str,
    endpoint: &str,
) -> Result<String, SignFailure> {
    option
        .clone()
        .ok_or_else(|| SignFailure::Usage(format!("{endpoint} needs {name}")))
}

/// The merchant's RSA key from `--private-key PEM`.
pub fn merchant_key(options: &SignOptions, endpoint: &str) -> Result<MerchantKey, SignFailure> {
    let pem = read_text(&required(
        &options.private_key,
        "--private-key PEM",
        endpoint,
    )?)
    .map_err(SignFailure::Usage)?;
    MerchantKey::from_pem(&pem).map_err(|e| SignFailure::Usage(e.to_string()))
}

/// A key `paywire sign` and `call` take from the options: `--key` for the digest schemes,
/// `--private-key PEM` for RSA.
pub trait KeyOption: Sized {
    /// The key, or which option `endpoint` needs.
    fn from_options(options: &SignOptions, endpoint: &str) -> Result<Self, SignFailure>;
}

impl KeyOption for Secret {
    fn from_options(options: &SignOptions, endpoint: &str) -> Result<Self, SignFailure> {
        required(&options.key, "--key", endpoint).map(Secret::new)
    }
}

impl KeyOption for MerchantKey {
    fn from_options(options: &SignOptions, endpoint: &str) -> Result<Self, SignFailure> {
        merchant_key(options, endpoint)
    }
}

/// `paywire sign` for a request whose own key signs it: decoded, then keyed from the
/// options, then validated, signed and encoded.
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
