//! SwiftPass in the registry: the WAP order signed with MD5 or `RSA_1_256`, and its
//! signed answers and notifications, verified with the MD5 key or the platform's public
//! key.

use crate::registry::{
    self, Answered, Built, Credentials, Endpoint, Gateway, KeyOption, Message, Outcome, Place,
    Placing, Receiver, SignFailure, SignOptions, VerifyOptions,
};
use crate::swiftpass;
use paywire::keys::PublicKey;
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
        },
        Endpoint {
            name: "swiftpass/wap-rsa",
            schema: swiftpass::WapPayRsa::SCHEMA,
            sign: registry::with_key::<swiftpass::WapPayRsa>,
            build: build::<swiftpass::WapPayRsa>,
        },
        Endpoint {
            name: "swiftpass/query",
            schema: swiftpass::TradeQuery::SCHEMA,
            sign: registry::with_key::<swiftpass::TradeQuery>,
            build: build_lifecycle::<swiftpass::TradeQuery, swiftpass::TradeQueryAnswer>,
        },
        Endpoint {
            name: "swiftpass/close",
            schema: swiftpass::TradeClose::SCHEMA,
            sign: registry::with_key::<swiftpass::TradeClose>,
            build: build_lifecycle::<swiftpass::TradeClose, swiftpass::TradeCloseAnswer>,
        },
        Endpoint {
            name: "swiftpass/refund",
            schema: swiftpass::TradeRefund::SCHEMA,
            sign: registry::with_key::<swiftpass::TradeRefund>,
            build: build_lifecycle::<swiftpass::TradeRefund, swiftpass::TradeRefundAnswer>,
        },
        Endpoint {
            name: "swiftpass/refund-query",
            schema: swiftpass::RefundQuery::SCHEMA,
            sign: registry::with_key::<swiftpass::RefundQuery>,
            build: build_lifecycle::<swiftpass::RefundQuery, swiftpass::RefundQueryAnswer>,
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
    sample,
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

/// A query, close, refund or refund-query request, posted to the gateway URL; its answer
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
    let url = swiftpass::gateway_url(base_url);
    let request = registry::built(swiftpass::lifecycle_request(&url, &request, &key))?;
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
