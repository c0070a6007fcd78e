//! weidoufu: the mini-program order (MD5), its unsigned answer and its signed
//! notification.

use crate::commands::call;
use crate::commands::endpoint::{Built, Endpoint, Gateway, Message};
use crate::commands::sign::{self, SignFailure, SignOptions};
use crate::commands::verify::{self, Outcome, VerifyOptions};
use paywire::PayRequest;
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
    call::keyed_unsigned(
        (endpoint, base_url, input, options),
        weidoufu::request,
        weidoufu::read_answer,
        |e| matches!(e, weidoufu::WeidoufuError::Refused { .. }),
    )
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    match verify::secret(options) {
        Err(e) => verify::usage(e),
        Ok(key) => verify::outcome(
            weidoufu::verify_notification(body, &key).map(|v| verify::fields_json(&v.fields)),
        ),
    }
}
