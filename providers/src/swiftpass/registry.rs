//! SwiftPass in the registry: the WAP order signed with MD5 or `RSA_1_256`, and its
//! signed answers and notifications, verified with the MD5 key or the platform's public
//! key.

use crate::registry::{
    self, Answered, Built, Credentials, Endpoint, Gateway, KeyOption, Message, Outcome, Place,
    Placing, Receiver, Resolution, ResolveQuery, SignFailure, SignOptions, VerifyOptions,
};
use crate::swiftpass;
use paywire::keys::PublicKey;
use paywire::sign::SignTypeKey;
use paywire::{FieldAccess, PayRequest, PayResponse};
use serde_json::{json, Value};

/// SwiftPass's order endpoint (both sign types), answer and notification.
pub const DESCRIPTOR: Gateway = Gateway {
    id: swiftpass::GATEWAY,
    endpoints: &[
        Endpoint {
            name: "swiftpass/wap",
            schema: swiftpass::WapPay::SCHEMA,
            sign: registry::with_key::<swiftpass::WapPay>,
            build: build::<swiftpass::WapPay>,
            resolve: Some(resolve_order),
        },
        Endpoint {
            name: "swiftpass/wap-rsa",
            schema: swiftpass::WapPayRsa::SCHEMA,
            sign: registry::with_key::<swiftpass::WapPayRsa>,
            build: build::<swiftpass::WapPayRsa>,
            resolve: None,
        },
        Endpoint {
            name: "swiftpass/query",
            schema: swiftpass::TradeQuery::SCHEMA,
            sign: registry::with_key::<swiftpass::TradeQuery>,
            build: build_lifecycle::<swiftpass::TradeQuery, swiftpass::TradeQueryAnswer>,
            resolve: None,
        },
        Endpoint {
            name: "swiftpass/close",
            schema: swiftpass::TradeClose::SCHEMA,
            sign: registry::with_key::<swiftpass::TradeClose>,
            build: build_lifecycle::<swiftpass::TradeClose, swiftpass::TradeCloseAnswer>,
            resolve: Some(resolve_close),
        },
        Endpoint {
            name: "swiftpass/refund",
            schema: swiftpass::TradeRefund::SCHEMA,
            sign: registry::with_key::<swiftpass::TradeRefund>,
            build: build_lifecycle::<swiftpass::TradeRefund, swiftpass::TradeRefundAnswer>,
            resolve: Some(resolve_refund),
        },
        Endpoint {
            name: "swiftpass/refund-query",
            schema: swiftpass::RefundQuery::SCHEMA,
            sign: registry::with_key::<swiftpass::RefundQuery>,
            build: build_lifecycle::<swiftpass::RefundQuery, swiftpass::RefundQueryAnswer>,
            resolve: None,
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
        Message {
            name: "swiftpass/query-response",
            verify: answer::<swiftpass::TradeQueryAnswer>,
        },
        Message {
            name: "swiftpass/close-response",
            verify: answer::<swiftpass::TradeCloseAnswer>,
        },
        Message {
            name: "swiftpass/refund-response",
            verify: answer::<swiftpass::TradeRefundAnswer>,
        },
        Message {
            name: "swiftpass/refund-query-response",
            verify: answer::<swiftpass::RefundQueryAnswer>,
        },
    ],
    receiver: Some(|c| Ok(receiver(verify_key(c)?))),
    sample: Some(sample),
    lifecycle: Some(super::steps::LIFECYCLE),
};

/// SwiftPass's notifications, verified with `key`.
pub fn receiver(key: swiftpass::VerifyKey) -> Receiver {
    Receiver::new(
        swiftpass::GATEWAY,
        swiftpass::NOTIFY_ACK,
        move |_, body, _| Ok(swiftpass::verify_notification(body, &key)?.value.payment()),
    )
}

fn build<T: swiftpass::WapOrder>(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure>
where
    T::Key: KeyOption,
{
    let order: T = registry::decode(input)?;
    let key = T::Key::from_options(options, endpoint)?;
    let request = registry::built(swiftpass::request(base_url, &order, &key))?;
    Ok(Built::new(request, |answer, options| {
        response(answer.body(), options)
    }))
}

/// The MD5 key (`--key`) or the platform's RSA public key (`--platform-public-key`).
fn verify_key(credentials: &Credentials) -> Result<swiftpass::VerifyKey, String> {
    match (&credentials.key, &credentials.platform_public_key_pem) {
        (Some(key), None) => Ok(swiftpass::VerifyKey::Md5(key.clone())),
        (None, Some(pem)) => Ok(swiftpass::VerifyKey::Rsa(
            PublicKey::from_pem(pem).map_err(|e| e.to_string())?,
        )),
        _ => Err("swiftpass needs --key (MD5) or --platform-public-key PEM (RSA_1_256)".into()),
    }
}

fn response(body: &[u8], options: &VerifyOptions) -> Outcome {
    let key = match verify_key(&options.credentials) {
        Err(e) => return registry::usage(e),
        Ok(key) => key,
    };
    match swiftpass::verify_response(body, &key) {
        Ok(v) => registry::outcome(Ok(registry::fields_json(&v.fields))),
        Err(swiftpass::SwiftpassError::Verify(e)) => registry::outcome(Err(e)),
        // Authentic, but a business failure: said so, with its own code.
        Err(swiftpass::SwiftpassError::Business(response)) => {
            let reason = format!(
                "result_code {}: {} {}",
                response.result_code,
                response.err_code.as_deref().unwrap_or(""),
                response.err_msg.as_deref().unwrap_or("")
            );
            registry::error_answer(
                reason,
                serde_json::to_value(&*response).unwrap_or(Value::Null),
            )
        }
        Err(status) => Outcome {
            code: 1,
            report: json!({"valid": false, "reason": status.to_string(), "fields": null, "error_answer": false}),
        },
    }
}

/// A query, close, refund or refund-query request, posted to the gateway URL (the whole
/// URL, as the order's); its answer
/// is verified as the endpoint's `*-response` message.
fn build_lifecycle<R, A>(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure>
where
    R: PayRequest,
    R::Key: KeyOption,
    A: PayResponse + FieldAccess + serde::Serialize,
{
    let request: R = registry::decode(input)?;
    let key = R::Key::from_options(options, endpoint)?;
    // `--base-url` is SwiftPass's whole gateway URL, as for the order.
    let request = registry::built(swiftpass::lifecycle_request(base_url, &request, &key))?;
    Ok(Built::new(request, |answer, options| {
        self::answer::<A>(answer.body(), options)
    }))
}

/// An answer of a query, close, refund or refund query: verified; a business refusal is
/// authentic and reported as one.
fn answer<A: PayResponse + FieldAccess + serde::Serialize>(
    body: &[u8],
    options: &VerifyOptions,
) -> Outcome {
    let key = match verify_key(&options.credentials) {
        Err(e) => return registry::usage(e),
        Ok(key) => key,
    };
    match swiftpass::read_answer::<A>(body, &key) {
        Ok(v) => registry::outcome(Ok(registry::answer_json(&v))),
        Err(swiftpass::SwiftpassError::Verify(e)) => registry::outcome(Err(e)),
        Err(refused @ swiftpass::SwiftpassError::Refused { .. }) => {
            let fields = match &refused {
                swiftpass::SwiftpassError::Refused { fields, .. } => registry::fields_json(fields),
                _ => Value::Null,
            };
            registry::error_answer(refused.to_string(), fields)
        }
        Err(other) => Outcome {
            code: 1,
            report: json!({"valid": false, "reason": other.to_string(), "fields": null, "error_answer": false}),
        },
    }
}

/// A nonce for a query paywire sends on its own: `--nonce`, or a fresh one.
fn nonce(options: &SignOptions) -> String {
    options.nonce.clone().unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        paywire::sign::md5_hex(now.to_string().as_bytes(), paywire::schema::HexCase::Lower)
    })
}

/// A lost answer to an order: the order queried by its number.
fn resolve_order(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let order: swiftpass::WapPay = registry::decode(input)?;
    order_query(
        endpoint,
        base_url,
        &order.mch_id,
        &order.out_trade_no,
        options,
    )
}

/// A lost answer to a close: the order queried by its number.
fn resolve_close(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let close: swiftpass::TradeClose = registry::decode(input)?;
    order_query(
        endpoint,
        base_url,
        &close.mch_id,
        &close.out_trade_no,
        options,
    )
}

fn order_query(
    endpoint: &'static str,
    base_url: &str,
    mch_id: &str,
    out_trade_no: &str,
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let key = SignTypeKey::from_options(options, endpoint)?;
    let query = swiftpass::TradeQuery {
        version: None,
        charset: None,
        sign_type: named_sign_type(&key),
        mch_id: mch_id.to_owned(),
        out_trade_no: Some(out_trade_no.to_owned()),
        transaction_id: None,
        nonce_str: nonce(options),
    };
    // `--base-url` is SwiftPass's whole gateway URL, as for the order.
    let request = registry::built(swiftpass::lifecycle_request(base_url, &query, &key))?;
    Ok(ResolveQuery {
        request,
        read: Box::new(|answer, options| {
            let key = match verify_key(&options.credentials) {
                Ok(key) => key,
                Err(e) => return Resolution::Unknown(e),
            };
            match swiftpass::read_answer::<swiftpass::TradeQueryAnswer>(answer.body(), &key) {
                Ok(v) => match v.value.trade_state {
                    Some(swiftpass::TradeState::Success | swiftpass::TradeState::Refund) => {
                        Resolution::Paid
                    }
                    Some(
                        swiftpass::TradeState::NotPay
                        | swiftpass::TradeState::UserPaying
                        | swiftpass::TradeState::PayError,
                    ) => Resolution::NotPaid,
                    Some(swiftpass::TradeState::Closed | swiftpass::TradeState::Revok) => {
                        Resolution::Closed
                    }
                    Some(swiftpass::TradeState::Other(state)) => Resolution::Unknown(format!(
                        "trade_state {state}, which paywire does not know"
                    )),
                    None => Resolution::Unknown("the query's answer has no trade_state".into()),
                },
                Err(swiftpass::SwiftpassError::Refused { err_code, .. })
                    if err_code.as_deref() == Some("ORDERNOTEXIST") =>
                {
                    Resolution::NotFound
                }
                Err(e) => Resolution::Unknown(e.to_string()),
            }
        }),
    })
}

/// The `sign_type` a resolving query names for `key`: none for MD5 (the default), so the
/// query signs as the merchant's MD5 requests do.
fn named_sign_type(key: &SignTypeKey) -> Option<String> {
    (key.sign_type() != "MD5").then(|| key.sign_type().to_owned())
}

/// A lost answer to a refund: the refund queried by the merchant's refund number.
fn resolve_refund(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let refund: swiftpass::TradeRefund = registry::decode(input)?;
    let key = SignTypeKey::from_options(options, endpoint)?;
    let query = swiftpass::RefundQuery {
        version: None,
        charset: None,
        sign_type: named_sign_type(&key),
        mch_id: refund.mch_id.clone(),
        refund_id: None,
        out_refund_no: Some(refund.out_refund_no.clone()),
        transaction_id: None,
        out_trade_no: None,
        nonce_str: nonce(options),
    };
    // `--base-url` is SwiftPass's whole gateway URL, as for the order.
    let request = registry::built(swiftpass::lifecycle_request(base_url, &query, &key))?;
    let number = refund.out_refund_no;
    Ok(ResolveQuery {
        request,
        read: Box::new(move |answer, options| {
            let key = match verify_key(&options.credentials) {
                Ok(key) => key,
                Err(e) => return Resolution::Unknown(e),
            };
            match swiftpass::read_answer::<swiftpass::RefundQueryAnswer>(answer.body(), &key) {
                Ok(v) => match v.value.refund(&number).map(|r| r.refund_status.clone()) {
                    Some(swiftpass::RefundStatus::Success) => Resolution::Refunded,
                    Some(swiftpass::RefundStatus::Processing) => Resolution::RefundPending,
                    // 未确定: the gateway asks for the same refund number again.
                    Some(swiftpass::RefundStatus::NotSure) | None => Resolution::NotFound,
                    Some(other) => Resolution::Unknown(format!(
                        "refund_status {}: the gateway could not refund it; see its console",
                        other.as_str()
                    )),
                },
                Err(swiftpass::SwiftpassError::Refused { err_code, .. })
                    if err_code.as_deref() == Some("REFUNDNOTEXIST") =>
                {
                    Resolution::NotFound
                }
                Err(e) => Resolution::Unknown(e.to_string()),
            }
        }),
    })
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    match verify_key(&options.credentials) {
        Err(e) => registry::usage(e),
        Ok(key) => registry::outcome(
            swiftpass::verify_notification(body, &key).map(|v| registry::fields_json(&v.fields)),
        ),
    }
}

/// The sample `pay.weixin.wap` order signed with MD5; its signed answer is verified.
fn sample(place: &Place<'_>) -> Result<Placing, String> {
    let c = place.credentials;
    let mut order = swiftpass::sample();
    order.mch_id = registry::need(&c.merchant_id, "swiftpass needs --mchid (the mch_id)")?;
    order.out_trade_no = place.order_number.to_owned();
    order.notify_url = place.notify_url.to_owned();
    let key = registry::need(&c.key, "swiftpass needs --key (MD5)")?;
    let url = swiftpass::gateway_url(place.base_url);
    let request = swiftpass::request(&url, &order, &key).map_err(|e| e.to_string())?;
    Ok(Placing {
        request,
        sign_string: Some(order.sign_string_redacted()),
        amount: order.total_fee,
        currency: None,
        read: Box::new(move |answer| {
            let verified =
                swiftpass::verify_response(answer.body(), &swiftpass::VerifyKey::Md5(key))
                    .map_err(|e| e.to_string())?;
            match verified.value.mweb_url {
                Some(_) => Ok(Answered::checked("signature verified, mweb_url received")),
                None => Err("signature verified, but no mweb_url".to_owned()),
            }
        }),
    })
}
