//! `paywire sign ENDPOINT`: validate, sign and encode a request given as JSON keyed by the
//! gateway document's wire names. Secrets are never printed: the sign string shows the key as `***`.

use super::{read_text, Endpoint};
use paywire::decode::{json, DecodeError, Limits};
use paywire::keys::MerchantKey;
use paywire::verify::decode_fields;
use paywire::wechat_v3::MerchantSigner;
use paywire::VerifyError;
use paywire::{PayRequest, SchemaErrors, Secret};
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};
use serde_json::{json, Value};

/// Options of `paywire sign`.
#[derive(Debug, Default, Clone)]
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

pub(crate) fn decode<T: PayRequest>(input: &[u8]) -> Result<T, SignFailure> {
    let object = json::parse_object(input, &Limits::default()).map_err(problems_from_decode)?;
    match decode_fields::<T>(object) {
        Ok(verified) => Ok(verified.value),
        Err(VerifyError::Decode(e)) => Err(problems_from_decode(e)),
        Err(other) => Err(SignFailure::Usage(other.to_string())),
    }
}

fn signed<T: PayRequest>(request: &T, key: &T::Key) -> Result<Value, SignFailure> {
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

pub(crate) fn required(
    option: &Option<String>,
    name: &str,
    endpoint: &str,
) -> Result<String, SignFailure> {
    option
        .clone()
        .ok_or_else(|| SignFailure::Usage(format!("{endpoint} needs {name}")))
}

/// The merchant's RSA key from `--private-key PEM`.
pub(crate) fn merchant_key(
    options: &SignOptions,
    endpoint: &str,
) -> Result<MerchantKey, SignFailure> {
    let pem = read_text(&required(
        &options.private_key,
        "--private-key PEM",
        endpoint,
    )?)
    .map_err(SignFailure::Usage)?;
    MerchantKey::from_pem(&pem).map_err(|e| SignFailure::Usage(e.to_string()))
}

/// Signs `input` for `endpoint`.
pub fn run(endpoint: Endpoint, input: &[u8], options: &SignOptions) -> Result<Value, SignFailure> {
    let key = || required(&options.key, "--key", "this endpoint").map(Secret::new);
    match endpoint {
        Endpoint::FeatPay => {
            let request: feat::OrderPay = decode(input)?;
            let mut out = signed(&request, &())?;
            required(
                &options.token,
                "--token (the OAuth2 bearer token)",
                "feat/pay",
            )?;
            out["authorization"] = "Bearer ***".into();
            Ok(out)
        }
        Endpoint::WeidoufuMiniapp => signed(&decode::<weidoufu::MiniappPay>(input)?, &key()?),
        Endpoint::SwiftpassWap => signed(&decode::<swiftpass::WapPay>(input)?, &key()?),
        Endpoint::SwiftpassWapRsa => {
            let request: swiftpass::WapPayRsa = decode(input)?;
            signed(&request, &merchant_key(options, "swiftpass/wap-rsa")?)
        }
        Endpoint::XorpayJsapi => signed(&decode::<xorpay::JsapiPay>(input)?, &key()?),
        Endpoint::WechatGlobalJsapi => {
            let request: wechat_global::JsapiOrder = decode(input)?;
            let mut out = signed(&request, &())?;
            let mchid = required(&options.mchid, "--mchid", "wechat-global/jsapi")?;
            let serial = required(&options.serial, "--serial", "wechat-global/jsapi")?;
            let key = merchant_key(options, "wechat-global/jsapi")?;
            let timestamp = options
                .timestamp
                .unwrap_or_else(paywire_sandbox::state::unix_now);
            let body = out["body"].as_str().unwrap_or_default().to_owned();
            let nonce = options.nonce.clone().unwrap_or_else(|| {
                paywire::sign::md5_hex(
                    format!("{timestamp}{body}").as_bytes(),
                    paywire::schema::HexCase::Upper,
                )
            });
            let signer = MerchantSigner::new(mchid, serial, key);
            out["authorization"] = signer
                .authorization(
                    "POST",
                    wechat_global::PATH,
                    timestamp,
                    &nonce,
                    body.as_bytes(),
                )
                .into();
            Ok(out)
        }
    }
}
