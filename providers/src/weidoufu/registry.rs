//! weidoufu in the registry: the mini-program order (MD5), its unsigned answer and its
//! signed notification.

use crate::registry::{
    self, Answered, Built, Endpoint, Gateway, Message, Outcome, Place, Placing, Receiver,
    SignFailure, SignOptions, VerifyOptions,
};
use crate::weidoufu;
use paywire::{PayRequest, Secret};

/// weidoufu's order endpoint and notification.
pub const DESCRIPTOR: Gateway = Gateway {
    id: weidoufu::GATEWAY,
    endpoints: &[Endpoint {
        name: "weidoufu/miniapp",
        schema: weidoufu::MiniappPay::SCHEMA,
        sign: registry::with_key::<weidoufu::MiniappPay>,
        build,
        resolve: None,
    }],
    messages: &[Message {
        name: "weidoufu/notify",
        verify: notify,
    }],
    receiver: Some(|c| Ok(receiver(registry::need(&c.key, KEY)?))),
    sample: Some(sample),
    lifecycle: None,
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
