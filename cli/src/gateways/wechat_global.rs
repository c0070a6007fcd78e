//! WeChat Pay Global (API v3): the JSAPI order with its `Authorization`, and the signed
//! answers and encrypted notifications, checked with the platform certificate or public
//! key.

use crate::commands::endpoint::{Built, Endpoint, Gateway, Message};
use crate::commands::read_text;
use crate::commands::sign::{self, SignFailure, SignOptions};
use crate::commands::verify::{self, Outcome, VerifyOptions};
use paywire::schema::HexCase;
use paywire::wechat_v3::{self, MerchantSigner, PlatformKeys};
use paywire::{PayRequest, Secret};
use paywire_providers::wechat_global;
use paywire_sandbox::state::{unix_now, unix_now_nanos};
use serde_json::Value;

/// WeChat Pay Global's JSAPI order, its answer and its notification.
pub const GATEWAY: Gateway = Gateway {
    endpoints: &[Endpoint {
        name: "wechat-global/jsapi",
        schema: wechat_global::JsapiOrder::SCHEMA,
        sign: sign_order,
        build,
    }],
    messages: &[
        Message {
            name: "wechat-global/response",
            verify: response,
        },
        Message {
            name: "wechat-global/notify",
            verify: notify,
        },
    ],
};

/// The merchant's signer from `--mchid`, `--serial` and `--private-key`.
fn signer(options: &SignOptions, endpoint: &str) -> Result<MerchantSigner, SignFailure> {
    let mchid = sign::required(&options.mchid, "--mchid", endpoint)?;
    let serial = sign::required(&options.serial, "--serial", endpoint)?;
    let key = sign::merchant_key(options, endpoint)?;
    Ok(MerchantSigner::new(mchid, serial, key))
}

/// The body as `sign` prints it, plus the `Authorization` it is sent with; without
/// `--nonce` the nonce is derived from the time and body, so a given `--timestamp` gives
/// the same output twice.
fn sign_order(
    endpoint: &'static str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Value, SignFailure> {
    let order: wechat_global::JsapiOrder = sign::decode(input)?;
    let mut out = sign::signed(&order, &())?;
    let signer = signer(options, endpoint)?;
    let timestamp = options.timestamp.unwrap_or_else(unix_now);
    let body = out["body"].as_str().unwrap_or_default().to_owned();
    let nonce = options.nonce.clone().unwrap_or_else(|| {
        paywire::sign::md5_hex(format!("{timestamp}{body}").as_bytes(), HexCase::Upper)
    });
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

/// The request `call` sends: a fresh nonce unless `--nonce` names one.
fn build(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    let order: wechat_global::JsapiOrder = sign::decode(input)?;
    let signer = signer(options, endpoint)?;
    let timestamp = options.timestamp.unwrap_or_else(unix_now);
    let nonce = options.nonce.clone().unwrap_or_else(|| {
        let seed = format!("{timestamp}{}", unix_now_nanos());
        paywire::sign::md5_hex(seed.as_bytes(), HexCase::Upper)
    });
    let request = wechat_global::request(base_url, &order, &signer, timestamp, &nonce);
    Ok(Built::new(sign::built(request)?, |answer, options| {
        // The answer's signature is in its headers.
        let mut checking = options.clone();
        checking.headers = answer
            .headers()
            .iter()
            .filter_map(|(n, v)| Some(format!("{}: {}", n, v.to_str().ok()?)))
            .collect();
        response(answer.body(), &checking)
    }))
}

/// The platform's keys: `--platform-cert`, or `--platform-public-key` with its id.
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

/// The received headers and the platform's keys, or exit 2 with what is missing.
fn checking(options: &VerifyOptions) -> Result<(http::HeaderMap, PlatformKeys), Outcome> {
    let headers = verify::headers(&options.headers).map_err(verify::usage)?;
    let keys = platform_keys(options).map_err(verify::usage)?;
    Ok((headers, keys))
}

fn response(body: &[u8], options: &VerifyOptions) -> Outcome {
    let (headers, keys) = match checking(options) {
        Ok(parts) => parts,
        Err(outcome) => return outcome,
    };
    let fields =
        wechat_v3::verify_message(&keys, &headers, body, verify::now(options)).and_then(|()| {
            let object = paywire::decode::json::parse(body, &paywire::decode::Limits::default())?;
            Ok(serde_json::from_str::<Value>(&object.to_string()).unwrap_or(Value::Null))
        });
    // An error answer (`code`, `message`) is signed like any other.
    if let Ok(fields) = &fields {
        if let Some(code) = fields["code"].as_str() {
            let message = fields["message"].as_str().unwrap_or_default();
            return verify::error_answer(format!("{code}: {message}"), fields.clone());
        }
    }
    verify::outcome(fields)
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    let (headers, keys) = match checking(options) {
        Ok(parts) => parts,
        Err(outcome) => return outcome,
    };
    let Some(apiv3) = options.apiv3_key.as_deref() else {
        return verify::usage("wechat-global/notify needs --apiv3-key".into());
    };
    let now = verify::now(options);
    verify::outcome(
        wechat_global::open_notification(&keys, &headers, body, now, &Secret::new(apiv3))
            .map(|(opened, _)| serde_json::from_str(&opened.plaintext).unwrap_or(Value::Null)),
    )
}
