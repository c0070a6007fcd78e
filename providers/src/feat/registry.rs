//! featapi in the registry: the order, sent with an OAuth2 bearer token (shown as
//! `***`); its answers are not signed, so they are read against the order. featapi
//! documents no notification.

use crate::feat;
use crate::registry::{
    self, Answered, Built, Endpoint, Gateway, Place, Placing, SignFailure, SignOptions,
};
use paywire::{Fen, PayRequest, Secret};
use serde_json::Value;

/// featapi's order endpoint.
pub const DESCRIPTOR: Gateway = Gateway {
    id: "feat",
    endpoints: &[Endpoint {
        name: "feat/pay",
        schema: feat::OrderPay::SCHEMA,
        sign: sign_order,
        build,
        resolve: None,
    }],
    messages: &[],
    receiver: None,
    sample: Some(sample),
    lifecycle: None,
};

fn token(options: &SignOptions, endpoint: &str) -> Result<Secret, SignFailure> {
    registry::required(
        &options.credentials.token,
        "--token (the OAuth2 bearer token)",
        endpoint,
    )
}

fn sign_order(
    endpoint: &'static str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Value, SignFailure> {
    let order: feat::OrderPay = registry::decode(input)?;
    let mut out = registry::signed(&order, &())?;
    token(options, endpoint)?;
    out["authorization"] = "Bearer ***".into();
    Ok(out)
}

fn build(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    let order: feat::OrderPay = registry::decode(input)?;
    let token = token(options, endpoint)?;
    let request = registry::built(feat::request(base_url, &order, &token))?;
    Ok(Built::new(request, move |answer, _| {
        let body = answer.body();
        registry::read_unsigned(
            feat::read_answer(&order, answer.status().as_u16(), body),
            |e| matches!(e, feat::FeatError::OAuth { .. }),
            body,
        )
    }))
}

/// The sample NATIVE order: its answer's `code_url` is the QR code to pay, and names the
/// order (`pr=`), since featapi's request carries no order number of the merchant's.
fn sample(place: &Place<'_>) -> Result<Placing, String> {
    let order = feat::sample();
    let token = registry::need(
        &place.credentials.token,
        "feat needs --token (the OAuth2 bearer token)",
    )?;
    let request = feat::request(place.base_url, &order, &token).map_err(|e| e.to_string())?;
    Ok(Placing {
        request,
        sign_string: None,
        amount: Fen::new(0),
        currency: None,
        read: Box::new(move |answer| {
            let result = feat::read_answer(&order, answer.status().as_u16(), answer.body())
                .map_err(|e| e.to_string())?;
            match result {
                feat::PayResult::Native(data) => Ok(Answered {
                    tracked_as: data.code_url.rsplit("pr=").next().map(str::to_owned),
                    code_url: Some(data.code_url),
                    ..Answered::checked("decoded (featapi does not sign answers)")
                }),
                other => Err(format!("expected the NATIVE shape, got {other:?}")),
            }
        }),
    })
}
