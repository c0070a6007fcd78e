//! WeChat Pay Global's requests after the order in the registry: `sign` and `call` for
//! query, close, refund and refund query, the refund notification as a `verify` kind,
//! the resolve step of a lost order or refund answer, and the demo's steps.

use super::{
    CloseOrder, QueryOrder, QueryOrderById, QueryRefund, QueryRefunds, RefundAmount, RefundRequest,
    RefundStatus, WechatGlobalError,
};
use crate::registry::{
    self, unix_now, Answer, Built, Found, Lifecycle, Outcome, Resolution, ResolveQuery,
    SignFailure, SignOptions, Step, Stepping, VerifyOptions,
};
use crate::wechat::v3::{MerchantSigner, PlatformKeys};
use crate::wechat_global as wg;
use crate::HttpRequest;
use paywire::schema::HexCase;
use paywire::{Fen, PayRequest};
use serde_json::{json, Value};

/// A v3 request of these endpoints: how it is built and how its answer reads.
pub trait V3Step: PayRequest<Key = ()> {
    /// The signed request.
    fn request(
        &self,
        base_url: &str,
        signer: &MerchantSigner,
        timestamp: i64,
        nonce: &str,
    ) -> Result<HttpRequest, paywire::Error>;

    /// The verified answer as JSON.
    fn read(keys: &PlatformKeys, answer: &Answer, now: i64) -> Result<Value, WechatGlobalError>;
}

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Each request's builder, its answer's reader, and how the read answer becomes JSON.
macro_rules! v3_steps {
    ($($request:ty => $build:path, $read:path, $json:expr;)*) => {$(
        impl V3Step for $request {
            fn request(
                &self,
                base: &str,
                s: &MerchantSigner,
                t: i64,
                n: &str,
            ) -> Result<HttpRequest, paywire::Error> {
                $build(base, self, s, t, n)
            }
            fn read(
                keys: &PlatformKeys,
                answer: &Answer,
                now: i64,
            ) -> Result<Value, WechatGlobalError> {
                $read(keys, answer, now).map($json)
            }
        }
    )*};
}

v3_steps! {
    QueryOrder => wg::query_request, wg::read_query_answer, to_json;
    QueryOrderById => wg::query_by_id_request, wg::read_query_answer, to_json;
    CloseOrder => wg::close_request, wg::read_close_answer, |()| json!({"closed": true});
    RefundRequest => wg::refund_request, wg::read_refund_answer, to_json;
    QueryRefund => wg::refund_query_request, wg::read_refund_answer, to_json;
    // The refunds, and what the successful ones add up to (`refunded`, in the order's
    // smallest unit).
    QueryRefunds => wg::refunds_request, wg::read_refunds_answer, |list: wg::RefundList| {
        json!({"refunded": list.refunded().get(), "refunds": to_json(list)})
    };
}

/// A nonce: `--nonce`, or one derived from the time (and, for `sign`, the input).
fn nonce(options: &SignOptions, seed: &str) -> String {
    options.nonce.clone().unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        paywire::sign::md5_hex(format!("{now}{seed}").as_bytes(), HexCase::Upper)
    })
}

/// `paywire sign`: the request as sent (method, path and query, body) and its
/// `Authorization`.
pub fn sign_v3<R: V3Step>(
    endpoint: &'static str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Value, SignFailure> {
    let step: R = registry::decode(input)?;
    step.validate()
        .map_err(|e| SignFailure::Usage(e.to_string()))?;
    let signer = super::signer(options, endpoint)?;
    let timestamp = options.timestamp.unwrap_or_else(unix_now);
    let request = registry::built(step.request("", &signer, timestamp, &nonce(options, "")))?;
    let header = |name: http::header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Ok(json!({
        "method": request.method().as_str(),
        "path": request.uri().to_string(),
        "content_type": header(http::header::CONTENT_TYPE),
        "body": String::from_utf8_lossy(request.body()),
        "authorization": header(http::header::AUTHORIZATION),
    }))
}

/// `paywire call`: the signed request, its answer verified with the platform keys.
pub fn build_v3<R: V3Step>(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    let step: R = registry::decode(input)?;
    let signer = super::signer(options, endpoint)?;
    let timestamp = options.timestamp.unwrap_or_else(unix_now);
    let request = registry::built(step.request(base_url, &signer, timestamp, &nonce(options, "")))?;
    Ok(Built::new(request, |answer, options| {
        let keys = match super::platform_keys(&options.credentials) {
            Ok(keys) => keys,
            Err(e) => return registry::usage(e),
        };
        outcome(R::read(&keys, answer, options.now()))
    }))
}

fn outcome(result: Result<Value, WechatGlobalError>) -> Outcome {
    match result {
        Ok(fields) => registry::outcome(Ok(fields)),
        Err(WechatGlobalError::Verify(e)) => registry::outcome(Err(e)),
        Err(refused @ WechatGlobalError::Refused { .. }) => {
            let fields = match &refused {
                WechatGlobalError::Refused { answer, .. } => to_json(answer.as_ref()),
                _ => Value::Null,
            };
            registry::error_answer(refused.to_string(), fields)
        }
    }
}

/// `paywire verify wechat-global/refund-notify`: verified, decrypted, its refund decoded.
pub fn refund_notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    let keys = match super::platform_keys(&options.credentials) {
        Ok(keys) => keys,
        Err(e) => return registry::usage(e),
    };
    let Some(apiv3) = &options.credentials.apiv3_key else {
        return registry::usage(super::APIV3.into());
    };
    registry::outcome(
        wg::open_refund_notification(&keys, &options.headers, body, options.now(), apiv3)
            .map(|(_, notice)| to_json(notice)),
    )
}

/// A lost answer to an order: the order queried by its number.
pub fn resolve_order(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let order: wg::JsapiOrder = registry::decode(input)?;
    let query = QueryOrder {
        out_trade_no: order.out_trade_no,
        mchid: order.mchid,
        sp_mchid: order.sp_mchid,
        sub_mchid: order.sub_mchid,
    };
    order_resolution(endpoint, base_url, query, options)
}

/// A lost answer to a close: the order queried by its number.
pub fn resolve_close(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let close: CloseOrder = registry::decode(input)?;
    let query = QueryOrder {
        out_trade_no: close.out_trade_no,
        mchid: close.mchid,
        sp_mchid: close.sp_mchid,
        sub_mchid: close.sub_mchid,
    };
    order_resolution(endpoint, base_url, query, options)
}

fn order_resolution(
    endpoint: &'static str,
    base_url: &str,
    query: QueryOrder,
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let signer = super::signer(options, endpoint)?;
    let request =
        registry::built(query.request(base_url, &signer, unix_now(), &nonce(options, "resolve")))?;
    Ok(ResolveQuery {
        request,
        read: Box::new(|answer, options| {
            let keys = match super::platform_keys(&options.credentials) {
                Ok(keys) => keys,
                Err(e) => return Resolution::Unknown(e),
            };
            match wg::read_query_answer(&keys, answer, options.now()) {
                Ok(t) => match t.trade_state.as_str() {
                    "SUCCESS" | "REFUND" => Resolution::Paid,
                    "NOTPAY" | "USERPAYING" | "PAYERROR" => Resolution::NotPaid,
                    "CLOSED" | "REVOKED" => Resolution::Closed,
                    other => Resolution::Unknown(format!("trade_state {other}")),
                },
                Err(WechatGlobalError::Refused {
                    status: 404,
                    verified: true,
                    ..
                }) => Resolution::NotFound,
                Err(e) => Resolution::Unknown(e.to_string()),
            }
        }),
    })
}

/// A lost answer to a refund: the refund queried by its number.
pub fn resolve_refund(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let refund: RefundRequest = registry::decode(input)?;
    let query = QueryRefund {
        out_refund_no: refund.out_refund_no.clone(),
        mchid: refund.mchid.clone(),
        sp_mchid: refund.sp_mchid.clone(),
        sub_mchid: refund.sub_mchid.clone(),
    };
    let signer = super::signer(options, endpoint)?;
    let request =
        registry::built(query.request(base_url, &signer, unix_now(), &nonce(options, "resolve")))?;
    Ok(ResolveQuery {
        request,
        read: Box::new(|answer, options| {
            let keys = match super::platform_keys(&options.credentials) {
                Ok(keys) => keys,
                Err(e) => return Resolution::Unknown(e),
            };
            match wg::read_refund_answer(&keys, answer, options.now()) {
                Ok(r) => match r.status {
                    Some(RefundStatus::Success) => Resolution::Refunded,
                    Some(RefundStatus::Processing) | None => Resolution::RefundPending,
                    Some(other) => Resolution::Unknown(format!("refund status {}", other.as_str())),
                },
                Err(WechatGlobalError::Refused {
                    status: 404,
                    verified: true,
                    ..
                }) => Resolution::NotFound,
                Err(e) => Resolution::Unknown(e.to_string()),
            }
        }),
    })
}

/// The demo's steps.
pub const LIFECYCLE: Lifecycle = Lifecycle {
    query,
    refund,
    refunds: Some(refunds),
    close: Some(close),
    refund_numbered: true,
    refund_notification: true,
};

fn step_signer(step: &Step<'_>) -> Result<(MerchantSigner, PlatformKeys, String), String> {
    let c = step.credentials;
    let mchid = registry::need(&c.merchant_id, "wechat-global needs --mchid")?;
    let signer = MerchantSigner::new(
        mchid.clone(),
        registry::need(&c.serial, "wechat-global needs --serial")?,
        registry::need(&c.private_key, "wechat-global needs --private-key PEM")?,
    );
    Ok((signer, super::platform_keys(c)?, mchid))
}

fn stepping<R: V3Step>(
    step: &Step<'_>,
    request: &R,
    what: &str,
    found: fn(Value) -> Found,
) -> Result<Stepping, String> {
    let (signer, keys, _) = step_signer(step)?;
    let nonce = paywire::sign::md5_hex(
        format!("{}:{what}:{}", step.order_number, unix_now()).as_bytes(),
        HexCase::Upper,
    );
    let request = request
        .request(step.base_url, &signer, unix_now(), &nonce)
        .map_err(|e| e.to_string())?;
    Ok(Stepping {
        request,
        read: Box::new(move |answer| {
            R::read(&keys, answer, unix_now()).map_or_else(refusal, |value| Ok(found(value)))
        }),
    })
}

/// An answer that did not read: the gateway's verified refusal is what the step found;
/// anything else (not verified, malformed) is an error.
fn refusal(e: WechatGlobalError) -> Result<Found, String> {
    match e {
        refused @ WechatGlobalError::Refused { verified: true, .. } => {
            Ok(Found::Refused(refused.to_string()))
        }
        e => Err(e.to_string()),
    }
}

fn query(step: &Step<'_>) -> Result<Stepping, String> {
    let (_, _, mchid) = step_signer(step)?;
    let query = QueryOrder {
        out_trade_no: step.order_number.to_owned(),
        mchid: Some(mchid),
        sp_mchid: None,
        sub_mchid: None,
    };
    // The request as every step's; its answer read as the transaction itself, so a paid
    // one carries its payment.
    let Stepping { request, .. } = stepping(step, &query, "query", |_| Found::NotPaid)?;
    let (_, keys, _) = step_signer(step)?;
    Ok(Stepping {
        request,
        read: Box::new(move |answer| {
            let transaction = match wg::read_query_answer(&keys, answer, unix_now()) {
                Ok(transaction) => transaction,
                Err(e) => return refusal(e),
            };
            Ok(match transaction.trade_state.as_str() {
                "SUCCESS" | "REFUND" => Found::Paid(transaction.payment()),
                "CLOSED" => Found::Closed,
                _ => Found::NotPaid,
            })
        }),
    })
}

fn refund(step: &Step<'_>, refund_no: &str, amount: Fen) -> Result<Stepping, String> {
    let (_, _, mchid) = step_signer(step)?;
    let currency = step
        .currency
        .ok_or("a WeChat Pay Global refund names the order's currency")?;
    let refund = RefundRequest {
        mchid: Some(mchid),
        sp_mchid: None,
        sub_mchid: None,
        transaction_id: None,
        out_trade_no: Some(step.order_number.to_owned()),
        out_refund_no: refund_no.to_owned(),
        reason: None,
        notify_url: step.notify_url.map(str::to_owned),
        amount: RefundAmount {
            refund: amount,
            total: step.paid,
            currency: currency.to_owned(),
        },
    };
    stepping(step, &refund, refund_no, |_| Found::Accepted)
}

fn refunds(step: &Step<'_>) -> Result<Stepping, String> {
    let (_, _, mchid) = step_signer(step)?;
    let query = QueryRefunds {
        out_trade_no: step.order_number.to_owned(),
        mchid: Some(mchid),
        sp_mchid: None,
        sub_mchid: None,
    };
    stepping(step, &query, "refunds", |list| {
        Found::Refunded(Fen::new(list["refunded"].as_u64().unwrap_or(0)))
    })
}

fn close(step: &Step<'_>) -> Result<Stepping, String> {
    let (_, _, mchid) = step_signer(step)?;
    let close = CloseOrder {
        out_trade_no: step.order_number.to_owned(),
        mchid: Some(mchid),
        sp_mchid: None,
        sub_mchid: None,
    };
    stepping(step, &close, "close", |_| Found::Accepted)
}
