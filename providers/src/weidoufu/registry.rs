//! weidoufu in the registry: the mini-program order (MD5), its unsigned answer and its
//! signed notification; the order query (unsigned both ways) and the refund (MD5, sent
//! only with what the order was paid).

use crate::registry::{
    self, Answered, Built, Endpoint, Gateway, Message, Outcome, Place, Placing, Receiver,
    Resolution, ResolveQuery, SignFailure, SignOptions, VerifyOptions,
};
use crate::weidoufu::{self, LifecycleError, PayStatus};
use paywire::{Fen, PayRequest, Secret};

/// weidoufu's endpoints (the order, its query, its refund) and the messages it sends.
pub const DESCRIPTOR: Gateway = Gateway {
    id: weidoufu::GATEWAY,
    endpoints: &[
        Endpoint {
            name: "weidoufu/miniapp",
            schema: weidoufu::MiniappPay::SCHEMA,
            sign: registry::with_key::<weidoufu::MiniappPay>,
            build,
            resolve: Some(resolve_order),
        },
        Endpoint {
            name: "weidoufu/query",
            schema: weidoufu::QueryOrder::SCHEMA,
            sign: registry::with_key::<weidoufu::QueryOrder>,
            build: build_query,
            resolve: None,
        },
        Endpoint {
            name: "weidoufu/refund",
            schema: weidoufu::Refund::SCHEMA,
            sign: registry::with_key::<weidoufu::Refund>,
            build: build_refund,
            resolve: None,
        },
    ],
    messages: &[
        Message {
            name: "weidoufu/notify",
            verify: notify,
        },
        Message {
            name: "weidoufu/query-response",
            verify: query_response,
        },
    ],
    receiver: Some(|c| Ok(receiver(registry::need(&c.key, KEY)?))),
    sample: Some(sample),
    lifecycle: Some(super::steps::LIFECYCLE),
};

const KEY: &str = "weidoufu needs --key (the SecretKey)";

/// weidoufu's notifications, verified with the SecretKey.
pub fn receiver(secret_key: Secret) -> Receiver {
    Receiver::new(
        weidoufu::GATEWAY,
        weidoufu::NOTIFY_ACK,
        move |_, body, _| {
            Ok(weidoufu::verify_notification(body, &secret_key)?
                .value
                .payment())
        },
    )
}

fn build(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    registry::keyed_unsigned(
        (endpoint, base_url, input, options),
        weidoufu::request,
        weidoufu::read_answer,
        |e| matches!(e, weidoufu::WeidoufuError::Refused { .. }),
    )
}

fn build_query(
    _: &'static str,
    base_url: &str,
    input: &[u8],
    _: &SignOptions,
) -> Result<Built, SignFailure> {
    let query: weidoufu::QueryOrder = registry::decode(input)?;
    let request = registry::built(weidoufu::query_request(base_url, &query))?;
    Ok(Built::new(request, |answer, options| {
        query_response(answer.body(), options)
    }))
}

/// A lost answer to an order: the order queried by the merchant's number. The answer is
/// unsigned and carries no amount, so a payment it reports is applied only through the
/// signed notification.
fn resolve_order(
    _: &'static str,
    base_url: &str,
    input: &[u8],
    _: &SignOptions,
) -> Result<ResolveQuery, SignFailure> {
    let order: weidoufu::MiniappPay = registry::decode(input)?;
    let query = weidoufu::QueryOrder::by_merchant_number(&order.out_order_no);
    let request = registry::built(weidoufu::query_request(base_url, &query))?;
    Ok(ResolveQuery {
        request,
        read: Box::new(
            |answer, _| match weidoufu::read_query_answer(answer.body()) {
                Ok(data) => match data.pay_status() {
                    Some(PayStatus::Paid) => Resolution::Paid,
                    Some(PayStatus::Pending | PayStatus::Failed) => Resolution::NotPaid,
                    None => Resolution::Unknown(format!("status {}", data.status.as_str())),
                },
                // The page names no "no such order" message: a refusal says only that.
                Err(e) => Resolution::Unknown(e.to_string()),
            },
        ),
    })
}

/// A refund, sent only with what the order was paid (`--paid-fen`): weidoufu's refund
/// names no total and no refund number, so nothing else stops one above the payment.
fn build_refund(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    let refund: weidoufu::Refund = registry::decode(input)?;
    let Some(paid) = options.paid else {
        return Err(SignFailure::Usage(format!(
            "{endpoint} needs --paid-fen (what the order was paid, in fen): weidoufu's refund \
             names no total, so paywire sends a refund only when it is at most what was paid \
             (paywire_providers::weidoufu::refund_request)"
        )));
    };
    let key = registry::required(&options.credentials.key, "--key", endpoint)?;
    let asked = refund.refund_fee;
    let request = weidoufu::refund_request(base_url, &refund, &key, paid)
        .map_err(|e| SignFailure::Usage(e.to_string()))?;
    Ok(Built::new(request, move |answer, _| {
        refund_outcome(answer.body(), asked)
    }))
}

/// A query's answer, unsigned: decoded strictly, its JSON as the fields; `code: 0` is
/// the gateway's refusal.
fn query_response(body: &[u8], _: &VerifyOptions) -> Outcome {
    registry::read_unsigned(
        weidoufu::read_query_answer(body),
        |e| matches!(e, LifecycleError::Refused { .. }),
        body,
    )
}

/// A refund's answer, unsigned: the refund asked for, or the gateway's refusal.
fn refund_outcome(body: &[u8], asked: Fen) -> Outcome {
    registry::read_unsigned(
        weidoufu::read_refund_answer(body, asked),
        |e| matches!(e, LifecycleError::Refused { .. }),
        body,
    )
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    match registry::secret(options) {
        Err(e) => registry::usage(e),
        Ok(key) => registry::outcome(
            weidoufu::verify_notification(body, &key).map(|v| registry::fields_json(&v.fields)),
        ),
    }
}

/// The sample WeChat mini-program order; the answer's `pay_sign` is checked where the
/// WeChat key is known.
fn sample(place: &Place<'_>) -> Result<Placing, String> {
    let c = place.credentials;
    let mut order = weidoufu::sample();
    order.access_key = registry::need(&c.merchant_id, "weidoufu needs --mchid (the AccessKey)")?;
    order.out_order_no = place.order_number.to_owned();
    order.notify_url = place.notify_url.to_owned();
    let secret = registry::need(&c.key, KEY)?;
    let request = weidoufu::request(place.base_url, &order, &secret).map_err(|e| e.to_string())?;
    let wechat_key = c.wechat_key.clone();
    Ok(Placing {
        request,
        sign_string: Some(order.sign_string_redacted()),
        amount: order.total_fee,
        currency: None,
        read: Box::new(move |answer| {
            let data = weidoufu::read_answer(answer.body()).map_err(|e| e.to_string())?;
            match (&data.jsapi, wechat_key) {
                (weidoufu::Jsapi::Wechat(jsapi), Some(key)) => {
                    jsapi.verify_pay_sign(&key).map_err(|e| e.to_string())?;
                    Ok(Answered::checked("decoded, pay_sign verified"))
                }
                (weidoufu::Jsapi::Wechat(_), None) => Ok(Answered::checked("decoded")),
                (other, _) => Err(format!("expected WeChat jsapi parameters, got {other:?}")),
            }
        }),
    })
}
