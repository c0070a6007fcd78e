//! featapi: the order, sent with an OAuth2 bearer token (shown as `***`); its answers are
//! not signed, so `call` reads them against the order.

use crate::commands::call::read_unsigned;
use crate::commands::endpoint::{Built, Endpoint, Gateway};
use crate::commands::sign::{self, SignFailure, SignOptions};
use paywire::{PayRequest, Secret};
use paywire_providers::feat;
use serde_json::Value;

/// featapi's order endpoint.
pub const GATEWAY: Gateway = Gateway {
    endpoints: &[Endpoint {
        name: "feat/pay",
        schema: feat::OrderPay::SCHEMA,
        sign: sign_order,
        build,
    }],
    messages: &[],
};

fn token(options: &SignOptions, endpoint: &str) -> Result<Secret, SignFailure> {
    sign::required(
        &options.token,
        "--token (the OAuth2 bearer token)",
        endpoint,
    )
    .map(Secret::new)
}

fn sign_order(
    endpoint: &'static str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Value, SignFailure> {
    let order: feat::OrderPay = sign::decode(input)?;
    let mut out = sign::signed(&order, &())?;
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
    let order: feat::OrderPay = sign::decode(input)?;
    let token = token(options, endpoint)?;
    let request = sign::built(feat::request(base_url, &order, &token))?;
    Ok(Built::new(request, move |answer, _| {
        let body = answer.body();
        read_unsigned(
            feat::read_answer(&order, answer.status().as_u16(), body),
            |e| matches!(e, feat::FeatError::OAuth { .. }),
            body,
        )
    }))
}
