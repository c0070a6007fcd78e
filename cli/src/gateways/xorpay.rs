//! xorpay: the JSAPI order (MD5 over values in a fixed order), its unsigned answer and its
//! signed notification, whose `more` and `detail` are reported apart as unsigned.

use crate::commands::call;
use crate::commands::endpoint::{Built, Endpoint, Gateway, Message};
use crate::commands::sign::{self, SignFailure, SignOptions};
use crate::commands::verify::{self, Outcome, VerifyOptions};
use paywire::PayRequest;
use paywire_providers::xorpay;

/// xorpay's order endpoint and notification.
pub const GATEWAY: Gateway = Gateway {
    endpoints: &[Endpoint {
        name: "xorpay/jsapi",
        schema: xorpay::JsapiPay::SCHEMA,
        sign: sign::with_key::<xorpay::JsapiPay>,
        build,
    }],
    messages: &[Message {
        name: "xorpay/notify",
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
        xorpay::request,
        xorpay::read_answer,
        |e| matches!(e, xorpay::XorpayError::Status { .. }),
    )
}

fn notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    let key = match verify::secret(options) {
        Err(e) => return verify::usage(e),
        Ok(key) => key,
    };
    match xorpay::verify_notification(body, &key) {
        // `more` and `detail` are not signed: reported apart, never as verified.
        Ok(v) => {
            let mut done = verify::outcome(Ok(verify::fields_json(&v.fields)));
            done.report["unsigned"] = verify::fields_json(&v.unsigned);
            done
        }
        Err(e) => verify::outcome(Err(e)),
    }
}
