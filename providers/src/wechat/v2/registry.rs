//! WeChat Pay v2 in the registry: no order of its own here (the gateways that use its
//! payment parameters declare their own); the refund and the refund query, signed with
//! the API key (`--key`) under the request's `sign_type`, and their answers; and the
//! refund notification to verify, which needs the merchant's API key (`--key`), appid
//! (`--appid`) and mch_id (`--mchid`).

use super::{open_refund_notification, RefundNotification};
use crate::registry::{
    self, Built, Endpoint, Gateway, Message, Outcome, SignFailure, SignOptions, VerifyOptions,
};
use crate::wechat::v2;
use paywire::sign::{SignTypeKey, SignTypeVerifyKey};
use paywire::{FieldAccess, PayRequest, PayResponse, Secret, VerifyError};
use serde_json::Value;

/// WeChat Pay v2's refund notification.
pub const DESCRIPTOR: Gateway = Gateway {
    id: "wechat-v2",
    endpoints: &[
        Endpoint {
            name: "wechat-v2/refund",
            schema: v2::Refund::SCHEMA,
            sign: sign::<v2::Refund>,
            build: build_refund,
            resolve: None,
        },
        Endpoint {
            name: "wechat-v2/refund-query",
            schema: v2::RefundQuery::SCHEMA,
            sign: sign::<v2::RefundQuery>,
            build: build_query,
            resolve: None,
        },
    ],
    messages: &[
        Message {
            name: "wechat-v2/refund-notify",
            verify: refund_notify,
        },
        Message {
            name: "wechat-v2/refund-response",
            verify: answer::<v2::RefundAnswer>,
        },
        Message {
            name: "wechat-v2/refund-query-response",
            verify: answer::<v2::RefundQueryAnswer>,
        },
    ],
    receiver: None,
    sample: None,
    lifecycle: None,
};

/// Opens the notification for this merchant: the envelope's members for a `FAIL` (which
/// carries no refund), else the decrypted refund's members, checked strictly.
fn refund_notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    let c = &options.credentials;
    let merchant = registry::secret(options).and_then(|key| {
        let appid = registry::need(&c.appid, "wechat-v2/refund-notify needs --appid")?;
        let mch_id = registry::need(&c.merchant_id, "wechat-v2/refund-notify needs --mchid")?;
        Ok((key, appid, mch_id))
    });
    let (key, appid, mch_id) = match merchant {
        Ok(merchant) => merchant,
        Err(e) => return registry::usage(e),
    };
    registry::outcome(
        open_refund_notification(body, &key, &appid, &mch_id).and_then(|refund| match refund {
            None => {
                RefundNotification::decode_unsigned(body).map(|v| registry::fields_json(&v.fields))
            }
            Some(_) => refund_members(body, &key),
        }),
    )
}

/// The members of the refund in `req_info`, as decrypted.
fn refund_members(body: &[u8], key: &Secret) -> Result<Value, VerifyError> {
    let envelope = RefundNotification::decode_unsigned(body)?.value;
    let Some(req_info) = envelope.req_info else {
        return Err(VerifyError::Decrypt("req_info: missing".into()));
    };
    Ok(registry::fields_json(&req_info.open(key)?.fields))
}

/// The API key as the request's `sign_type` names it: `HMAC-SHA256`, or `MD5` (also when
/// absent).
fn request_key<R: PayRequest>(
    request: &R,
    options: &SignOptions,
    endpoint: &str,
) -> Result<SignTypeKey, SignFailure> {
    let secret = registry::required(&options.credentials.key, "--key (the API key)", endpoint)?;
    Ok(match named_sign_type(request) {
        Some("HMAC-SHA256") => SignTypeKey::HmacSha256(secret),
        _ => SignTypeKey::Md5(secret),
    })
}

/// The `sign_type` member of a declared request, if it is set.
fn named_sign_type<R: PayRequest>(request: &R) -> Option<&str> {
    let at = R::SCHEMA
        .fields
        .iter()
        .position(|f| f.wire_name == "sign_type")?;
    match request.field(at) {
        paywire::Wire::Str(value) => Some(value),
        _ => None,
    }
}

fn sign<R: PayRequest<Key = SignTypeKey>>(
    endpoint: &'static str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Value, SignFailure> {
    let request: R = registry::decode(input)?;
    let key = request_key(&request, options, endpoint)?;
    registry::signed(&request, &key)
}

fn build_refund(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    let refund: v2::Refund = registry::decode(input)?;
    let key = request_key(&refund, options, endpoint)?;
    let request = v2::refund_request(base_url, &refund, &key)
        .map_err(|e| SignFailure::Usage(e.to_string()))?;
    Ok(Built::new(request, |answer, options| {
        self::answer::<v2::RefundAnswer>(answer.body(), options)
    }))
}

fn build_query(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    let query: v2::RefundQuery = registry::decode(input)?;
    let key = request_key(&query, options, endpoint)?;
    let request = registry::built(v2::refund_query_request(base_url, &query, &key))?;
    Ok(Built::new(request, |answer, options| {
        self::answer::<v2::RefundQueryAnswer>(answer.body(), options)
    }))
}

/// An answer, verified under MD5 with `--key` (WeChat signs an answer as its request
/// was; a merchant on HMAC-SHA256 checks with the library's `read_answer`).
fn answer<A>(body: &[u8], options: &VerifyOptions) -> Outcome
where
    A: PayResponse<Key = SignTypeVerifyKey> + FieldAccess + serde::Serialize,
{
    let key = match registry::secret(options) {
        Ok(key) => SignTypeVerifyKey::Md5(key),
        Err(e) => return registry::usage(e),
    };
    match v2::read_answer::<A>(body, &key) {
        Ok(verified) => registry::outcome(Ok(registry::answer_json(&verified))),
        Err(v2::LifecycleError::Answer(e)) => registry::outcome(Err(e)),
        Err(refused) => registry::error_answer(refused.to_string(), Value::Null),
    }
}
