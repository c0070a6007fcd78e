//! WeChat Pay Global (API v3) in the registry: the JSAPI order with its
//! `Authorization`, and the signed answers and encrypted notifications, checked with the
//! platform certificate or public key.

use super::response::decode_resource;
use super::steps;
use crate::registry::{
    self, unix_now, Answered, Built, Credentials, Endpoint, Gateway, Message, Notice, Outcome,
    Place, Placing, Receiver, SignFailure, SignOptions, VerifyOptions,
};
use crate::wechat::v3::{self as wechat_v3, MerchantSigner, PlatformKeys};
use crate::wechat_global;
use paywire::schema::HexCase;
use paywire::{Fen, PayRequest, Secret};
use serde_json::Value;

/// WeChat Pay Global's JSAPI order, its answer and its notification.
pub const DESCRIPTOR: Gateway = Gateway {
    id: wechat_global::GATEWAY,
    endpoints: &[
        Endpoint {
            name: "wechat-global/jsapi",
            schema: wechat_global::JsapiOrder::SCHEMA,
            sign: sign_order,
            build,
            resolve: Some(steps::resolve_order),
        },
        Endpoint {
            name: "wechat-global/query",
            schema: wechat_global::QueryOrder::SCHEMA,
            sign: steps::sign_v3::<wechat_global::QueryOrder>,
            build: steps::build_v3::<wechat_global::QueryOrder>,
            resolve: None,
        },
        Endpoint {
            name: "wechat-global/query-by-id",
            schema: wechat_global::QueryOrderById::SCHEMA,
            sign: steps::sign_v3::<wechat_global::QueryOrderById>,
            build: steps::build_v3::<wechat_global::QueryOrderById>,
            resolve: None,
        },
        Endpoint {
            name: "wechat-global/refunds",
            schema: wechat_global::QueryRefunds::SCHEMA,
            sign: steps::sign_v3::<wechat_global::QueryRefunds>,
            build: steps::build_v3::<wechat_global::QueryRefunds>,
            resolve: None,
        },
        Endpoint {
            name: "wechat-global/close",
            schema: wechat_global::CloseOrder::SCHEMA,
            sign: steps::sign_v3::<wechat_global::CloseOrder>,
            build: steps::build_v3::<wechat_global::CloseOrder>,
            resolve: Some(steps::resolve_close),
        },
        Endpoint {
            name: "wechat-global/refund",
            schema: wechat_global::RefundRequest::SCHEMA,
            sign: steps::sign_v3::<wechat_global::RefundRequest>,
            build: steps::build_v3::<wechat_global::RefundRequest>,
            resolve: Some(steps::resolve_refund),
        },
        Endpoint {
            name: "wechat-global/refund-query",
            schema: wechat_global::QueryRefund::SCHEMA,
            sign: steps::sign_v3::<wechat_global::QueryRefund>,
            build: steps::build_v3::<wechat_global::QueryRefund>,
            resolve: None,
        },
    ],
    messages: &[
        Message {
            name: "wechat-global/response",
            verify: response,
        },
        Message {
            name: "wechat-global/notify",
            verify: notify,
        },
        Message {
            name: "wechat-global/refund-notify",
            verify: steps::refund_notify,
        },
    ],
    receiver: Some(|c| {
        let apiv3 = registry::need(&c.apiv3_key, APIV3)?;
        Ok(receiver(platform_keys(c)?, apiv3))
    }),
    sample: Some(sample),
    lifecycle: Some(steps::LIFECYCLE),
};

pub(super) const APIV3: &str = "wechat-global/notify needs --apiv3-key";

/// WeChat Pay Global's notifications, verified with the platform keys (against the time
/// each is received) and decrypted with the APIv3 key: payments (`TRANSACTION.SUCCESS`)
/// and how refunds ended (`REFUND.SUCCESS`, `REFUND.CLOSED`, `REFUND.ABNORMAL`), which
/// WeChat Pay sends to the refund's `notify_url`, often the payments' own. Acknowledged
/// with HTTP 200 and an empty body.
pub fn receiver(platform: PlatformKeys, apiv3_key: Secret) -> Receiver {
    Receiver::of_notices(wechat_global::GATEWAY, "", move |headers, body, now| {
        let opened = wechat_v3::open_notification(&platform, headers, body, now, &apiv3_key)?;
        if opened.notification.event_type.starts_with("REFUND.") {
            let notice: wechat_global::RefundNotice = decode_resource(&opened)?;
            Ok(notice.outcome().map_or(Notice::Nothing, Notice::Refund))
        } else {
            let transaction: wechat_global::Transaction = decode_resource(&opened)?;
            Ok(transaction.payment().into())
        }
    })
}

/// Nanoseconds of the system clock, to vary a nonce within a second.
fn clock_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// The merchant's signer from `--mchid`, `--serial` and `--private-key`.
pub(super) fn signer(options: &SignOptions, endpoint: &str) -> Result<MerchantSigner, SignFailure> {
    let c = &options.credentials;
    let mchid = registry::required(&c.merchant_id, "--mchid", endpoint)?;
    let serial = registry::required(&c.serial, "--serial", endpoint)?;
    let key = registry::required(&c.private_key, "--private-key PEM", endpoint)?;
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
    let order: wechat_global::JsapiOrder = registry::decode(input)?;
    let mut out = registry::signed(&order, &())?;
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
    let order: wechat_global::JsapiOrder = registry::decode(input)?;
    let signer = signer(options, endpoint)?;
    let timestamp = options.timestamp.unwrap_or_else(unix_now);
    let nonce = options.nonce.clone().unwrap_or_else(|| {
        let seed = format!("{timestamp}{}", clock_nanos());
        paywire::sign::md5_hex(seed.as_bytes(), HexCase::Upper)
    });
    let request = wechat_global::request(base_url, &order, &signer, timestamp, &nonce);
    Ok(Built::new(registry::built(request)?, |answer, options| {
        // The answer's signature is in its headers.
        let mut checking = options.clone();
        checking.headers = answer.headers().clone();
        response(answer.body(), &checking)
    }))
}

/// The platform's keys: `--platform-cert`, or `--platform-public-key` with its id.
pub(super) fn platform_keys(credentials: &Credentials) -> Result<PlatformKeys, String> {
    let mut keys = PlatformKeys::new();
    if let Some(pem) = &credentials.platform_cert_pem {
        keys.add_certificate_pem(pem).map_err(|e| e.to_string())?;
    }
    if let Some(pem) = &credentials.platform_public_key_pem {
        // Registered under the id WeChat Pay gave with the key: taking the serial the
        // message announces would accept any message signed by this key for any id.
        let id = credentials.platform_key_id.as_deref().ok_or(
            "--platform-public-key needs --platform-key-id (the PUB_KEY_ID_... shown with the key)",
        )?;
        keys.add_public_key_pem(id, pem)
            .map_err(|e| e.to_string())?;
    }
    if keys.is_empty() {
        return Err("wechat-global needs --platform-cert PEM or --platform-public-key PEM".into());
    }
    Ok(keys)
}

/// The received headers and the platform's keys, or exit 2 with what is missing.
fn checking(options: &VerifyOptions) -> Result<(&http::HeaderMap, PlatformKeys), Outcome> {
    let keys = platform_keys(&options.credentials).map_err(registry::usage)?;
    Ok((&options.headers, keys))
}

fn response(body: &[u8], options: &VerifyOptions) -> Outcome {
    let (headers, keys) = match checking(options) {
        Ok(parts) => parts,
        Err(outcome) => return outcome,
    };
    let fields = wechat_v3::verify_message(&keys, headers, body, options.now()).and_then(|()| {
        let object = paywire::decode::json::parse(body, &paywire::decode::Limits::default())?;
        Ok(serde_json::from_str::<Value>(&object.to_string()).unwrap_or(Value::Null))
    });
    // An error answer (`code`, `message`) is signed like any other.
    if let Ok(fields) = &fields {
        if let Some(code) = fields["code"].as_str() {
            let message = fields["message"].as_str().unwrap_or_default();
            return registry::error_answer(format!("{code}: {message}"), fields.clone());
        }
    }
    registry::outcome(fields)
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    let (headers, keys) = match checking(options) {
        Ok(parts) => parts,
        Err(outcome) => return outcome,
    };
    let Some(apiv3) = &options.credentials.apiv3_key else {
        return registry::usage(APIV3.into());
    };
    registry::outcome(
        wechat_global::open_notification(&keys, headers, body, options.now(), apiv3)
            .map(|(opened, _)| serde_json::from_str(&opened.plaintext).unwrap_or(Value::Null)),
    )
}

/// The sample JSAPI order for 0.10 HKD, signed with the merchant's key; the answer's
/// `Wechatpay-Signature` is verified with the platform's keys.
fn sample(place: &Place<'_>) -> Result<Placing, String> {
    let c = place.credentials;
    let mut order = wechat_global::sample_direct();
    let mchid = registry::need(&c.merchant_id, "wechat-global needs --mchid")?;
    order.mchid = Some(mchid.clone());
    order.out_trade_no = place.order_number.to_owned();
    order.notify_url = place.notify_url.to_owned();
    order.amount.total = 10;
    let signer = MerchantSigner::new(
        mchid,
        registry::need(&c.serial, "wechat-global needs --serial")?,
        registry::need(&c.private_key, "wechat-global needs --private-key PEM")?,
    );
    let platform = platform_keys(c)?;
    let nonce = paywire::sign::md5_hex(order.out_trade_no.as_bytes(), HexCase::Upper);
    let request = wechat_global::request(place.base_url, &order, &signer, place.now, &nonce)
        .map_err(|e| e.to_string())?;
    Ok(Placing {
        request,
        sign_string: None,
        amount: Fen::new(order.amount.total),
        currency: Some(order.amount.currency.clone()),
        read: Box::new(move |answer| {
            wechat_global::read_answer(
                &platform,
                answer.status().as_u16(),
                answer.headers(),
                answer.body(),
                unix_now(),
            )
            .map_err(|e| e.to_string())?;
            Ok(Answered::checked(
                "Wechatpay-Signature verified, prepay_id received",
            ))
        }),
    })
}
