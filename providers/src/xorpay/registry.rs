//! XorPay in the registry: the JSAPI order (MD5 over values in a fixed order), its
//! unsigned answer and its signed notification, whose `more` and `detail` are reported
//! apart as unsigned.

use crate::registry::{
    self, Answered, Credentials, Endpoint, Gateway, KeyOption, Message, Outcome, Place, Placing,
    Receiver, Resolution, ResolveQuery, SignFailure, SignOptions, VerifyOptions,
};
use crate::xorpay;
use paywire::{Fen, PayRequest, Secret, VerifyError, Yuan};

/// XorPay's order endpoint and notification.
pub const DESCRIPTOR: Gateway = Gateway {
    id: xorpay::GATEWAY,
    endpoints: &[
        Endpoint {
            name: "xorpay/jsapi",
            schema: xorpay::JsapiPay::SCHEMA,
            sign: registry::with_key::<xorpay::JsapiPay>,
            build,
            resolve: Some(resolve_order),
        },
        Endpoint {
            name: "xorpay/query",
            schema: xorpay::QueryOrder::SCHEMA,
            sign: registry::with_key::<xorpay::QueryOrder>,
            build: build_query,
            resolve: None,
        },
        Endpoint {
            name: "xorpay/refund",
            schema: xorpay::Refund::SCHEMA,
            sign: registry::with_key::<xorpay::Refund>,
            build: build_refund,
            resolve: None,
        },
    ],
    messages: &[
        Message {
            name: "xorpay/notify",
            verify: notify,
        },
        Message {
            name: "xorpay/query-response",
            verify: query_response,
        },
        Message {
            name: "xorpay/refund-response",
            verify: refund_response,
        },
    ],
    receiver: Some(|c| Ok(receiver(registry::need(&c.key, KEY)?))),
    sample: Some(sample),
    lifecycle: Some(super::steps::LIFECYCLE),
};

const KEY: &str = "xorpay needs --key (the app secret)";

/// XorPay's notifications, verified with the app secret. Their payments carry the `aoid`,
/// which the merchant's order must name.
pub fn receiver(app_secret: Secret) -> Receiver {
    Receiver::new(xorpay::GATEWAY, xorpay::NOTIFY_ACK, move |_, body, _| {
        Ok(xorpay::verify_notification(body, &app_secret)?
            .value
            .payment())
    })
}

fn build(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<registry::Built, SignFailure> {
    registry::keyed_unsigned(
        (endpoint, base_url, input, options),
        xorpay::request,
        xorpay::read_answer,
        |e| matches!(e, xorpay::XorpayError::Status { .. }),
    )
}

fn build_query(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<registry::Built, SignFailure> {
    let query: xorpay::QueryOrder = registry::decode(input)?;
    let key = registry::required(&options.credentials.key, "--key", endpoint)?;
    let request = registry::built(xorpay::query_request(base_url, &query, &key))?;
    Ok(registry::Built::new(request, |answer, options| {
        query_response(answer.body(), options)
    }))
}

/// A lost answer to an order: the order queried by its number. The answer is unsigned,
/// so a payment it reports is applied only after the notification's checks.
fn resolve_order(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let order: xorpay::JsapiPay = registry::decode(input)?;
    let secret = Secret::from_options(options, endpoint)?;
    let query = xorpay::QueryOrder {
        aid: order.aid,
        order_id: order.order_id,
    };
    let request = registry::built(xorpay::query_request(base_url, &query, &secret))?;
    Ok(ResolveQuery {
        request,
        read: Box::new(|answer, _| match xorpay::read_query_answer(answer.body()) {
            Ok(answer) => match answer.status {
                xorpay::QueryStatus::Payed | xorpay::QueryStatus::Success => Resolution::Paid,
                xorpay::QueryStatus::New => Resolution::NotPaid,
                xorpay::QueryStatus::Expire => Resolution::Closed,
                xorpay::QueryStatus::NotExist => Resolution::NotFound,
                other => Resolution::Unknown(format!("status {}", other.as_str())),
            },
            Err(e) => Resolution::Unknown(e.to_string()),
        }),
    })
}

/// A refund is sent only with the amount its order was paid, which the command line
/// does not know: `xorpay::refund_request` takes it and refuses a refund above it.
/// A refund, sent only with what the order was paid (`--paid-fen`): XorPay's refund
/// signature covers neither the order nor a paid total, so nothing else stops a refund
/// above the payment.
fn build_refund(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<registry::Built, SignFailure> {
    let refund: xorpay::Refund = registry::decode(input)?;
    let Some(paid) = options.paid else {
        return Err(SignFailure::Usage(format!(
            "{endpoint} needs --paid-fen (what the order was paid, in fen): XorPay's refund \
             signature does not cover the order or its total, so paywire sends a refund only \
             when it is at most what was paid (paywire_providers::xorpay::refund_request)"
        )));
    };
    let key = registry::required(&options.credentials.key, "--key", endpoint)?;
    let request = xorpay::refund_request(base_url, &refund, &key, paid)
        .map_err(|e| SignFailure::Usage(e.to_string()))?;
    Ok(registry::Built::new(request, |answer, options| {
        refund_response(answer.body(), options)
    }))
}

/// A query's answer, unsigned: decoded strictly, its JSON as the fields.
fn query_response(body: &[u8], _: &VerifyOptions) -> Outcome {
    match xorpay::read_query_answer(body) {
        Ok(_) => registry::read_unsigned(Ok::<(), VerifyError>(()), |_| false, body),
        Err(e) => registry::outcome(Err(e)),
    }
}

/// A refund's answer, unsigned: `ok`, or XorPay's refusal (code 3) with its reason.
fn refund_response(body: &[u8], _: &VerifyOptions) -> Outcome {
    match xorpay::read_refund_answer(body) {
        Ok(_) => registry::read_unsigned(Ok::<(), VerifyError>(()), |_| false, body),
        Err(xorpay::LifecycleError::Decode(e)) => registry::outcome(Err(e)),
        Err(refused) => registry::error_answer(
            refused.to_string(),
            serde_json::from_slice(body).unwrap_or(serde_json::Value::Null),
        ),
    }
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    let key = match registry::secret(options) {
        Err(e) => return registry::usage(e),
        Ok(key) => key,
    };
    match xorpay::verify_notification(body, &key) {
        // `more` and `detail` are not signed: reported apart, never as verified.
        Ok(v) => {
            let mut done = registry::outcome(Ok(registry::fields_json(&v.fields)));
            done.report["unsigned"] = registry::fields_json(&v.unsigned);
            done
        }
        Err(e) => registry::outcome(Err(e)),
    }
}

/// The sample order for 0.01 yuan; its answer's `aoid` is kept, and `info.paySign` is
/// checked where the WeChat key is known.
fn sample(place: &Place<'_>) -> Result<Placing, String> {
    let c: &Credentials = place.credentials;
    let mut order = xorpay::sample();
    order.aid = registry::need(&c.merchant_id, "xorpay needs --mchid (the aid)")?;
    order.order_id = place.order_number.to_owned();
    order.price = Yuan(Fen::new(1));
    order.notify_url = place.notify_url.to_owned();
    let secret = registry::need(&c.key, KEY)?;
    let request = xorpay::request(place.base_url, &order, &secret).map_err(|e| e.to_string())?;
    let wechat_key = c.wechat_key.clone();
    Ok(Placing {
        request,
        sign_string: Some(order.sign_string_redacted()),
        amount: order.price.fen(),
        currency: None,
        read: Box::new(move |answer| {
            let answer = xorpay::read_answer(answer.body()).map_err(|e| e.to_string())?;
            let mut summary = "decoded".to_owned();
            if let Some(key) = wechat_key {
                answer.info.verify(&key).map_err(|e| e.to_string())?;
                summary.push_str(", info.paySign verified");
            }
            Ok(Answered {
                // The aoid XorPay gave the order: its notification must carry the same one.
                gateway_order: Some(answer.aoid),
                ..Answered::checked(summary)
            })
        }),
    })
}
