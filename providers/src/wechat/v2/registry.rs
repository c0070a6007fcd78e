//! WeChat Pay v2 in the registry: no order of its own here (the gateways that use its
//! payment parameters declare their own), and its refund notification to verify, which
//! needs the merchant's API key (`--key`), appid (`--appid`) and mch_id (`--mchid`).

use super::{open_refund_notification, RefundNotification};
use crate::registry::{self, Gateway, Message, Outcome, VerifyOptions};
use paywire::{PayResponse, Secret, VerifyError};
use serde_json::Value;

/// WeChat Pay v2's refund notification.
pub const DESCRIPTOR: Gateway = Gateway {
    id: "wechat-v2",
    endpoints: &[],
    messages: &[Message {
        name: "wechat-v2/refund-notify",
        verify: refund_notify,
    }],
    receiver: None,
    sample: None,
    lifecycle: None,
};

/// Opens the notification for this merchant: the envelope's members for a `FAIL` (which
/// carries no refund), else the decrypted refund's members, checked strictly.
fn refund_notify(body: &[u8], options: &VerifyOptions) -> Outcome {
    let c = &options.credentials;
    let merchant = registry::secret(options).and_then(|key| {
        let appid = registry::need(&c.appid, "wechat-v2/refund-notify needs --appid")?;
        let mch_id = registry::need(&c.merchant_id, "wechat-v2/refund-notify needs --mchid")?;
        Ok((key, appid, mch_id))
    });
    let (key, appid, mch_id) = match merchant {
        Ok(merchant) => merchant,
        Err(e) => return registry::usage(e),
    };
    registry::outcome(
        open_refund_notification(body, &key, &appid, &mch_id).and_then(|refund| match refund {
            None => {
                RefundNotification::decode_unsigned(body).map(|v| registry::fields_json(&v.fields))
            }
            Some(_) => refund_members(body, &key),
        }),
    )
}

/// The members of the refund in `req_info`, as decrypted.
fn refund_members(body: &[u8], key: &Secret) -> Result<Value, VerifyError> {
    let envelope = RefundNotification::decode_unsigned(body)?.value;
    let Some(req_info) = envelope.req_info else {
        return Err(VerifyError::Decrypt("req_info: missing".into()));
    };
    Ok(registry::fields_json(&req_info.open(key)?.fields))
}
