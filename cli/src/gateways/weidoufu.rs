//! weidoufu: the mini-program order (MD5), its unsigned answer and its signed
//! notification.

use crate::commands::call::read_unsigned;
use crate::commands::endpoint::{Built, Endpoint, Gateway, Message};
use crate::commands::sign::{self, KeyOption, SignFailure, SignOptions};
use crate::commands::verify::{self, Outcome, VerifyOptions};
use paywire::{PayRequest, Secret};
use paywire_providers::weidoufu;

/// weidoufu's order endpoint and notification.
pub const GATEWAY: Gateway = Gateway {
    endpoints: &[Endpoint {
        name: "weidoufu/miniapp",
        schema: weidoufu::MiniappPay::SCHEMA,
        sign: sign::with_key::<weidoufu::MiniappPay>,
        build,
    }],
    messages: &[Message {
        name: "weidoufu/notify",
        verify: notify,
    }],
};

fn build(
    endpoint: &'static str,
    base_url: &str,
    input: &[u8],
    options: &SignOptions,
) -> Result<Built, SignFailure> {
    let order: weidoufu::MiniappPay = sign::decode(input)?;
    let key = Secret::from_options(options, endpoint)?;
    let request = sign::built(weidoufu::request(base_url, &order, &key))?;
    Ok(Built::new(request, |answer, _| {
        let body = answer.body();
        read_unsigned(
            weidoufu::read_answer(body),
            |e| matches!(e, weidoufu::WeidoufuError::Refused { .. }),
            body,
        )
    }))
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    match verify::secret(options) {
        Err(e) => verify::usage(e),
        Ok(key) => verify::outcome(
            weidoufu::verify_notification(body, &key).map(|v| verify::fields_json(&v.fields)),
        ),
    }
}
