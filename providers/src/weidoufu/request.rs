//! weidoufu's HTTP request (sans-IO) and the document's example order.

use crate::weidoufu;
use crate::HttpRequest;
use paywire::http_request::{join, post};
use paywire::{Error, Fen, JsonText, PayRequest, Secret};

/// weidoufu: the signed JSON body.
pub fn request(
    base_url: &str,
    order: &weidoufu::MiniappPay,
    secret_key: &Secret,
) -> Result<HttpRequest, Error> {
    post(
        &join(base_url, weidoufu::PATH),
        order.to_body(secret_key)?,
        &[],
    )
}

/// weidoufu: a WeChat mini-program order with the document's example values and ledger.
pub fn sample() -> weidoufu::MiniappPay {
    weidoufu::MiniappPay {
        access_key: "ak_0123456789abcdef".into(),
        body: "QQ 会员充值".into(),
        out_order_no: "180901620895069445".into(),
        pay_type: 1,
        total_fee: Fen::new(990),
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        buyer_id: None,
        notify_url: "http://www.your.com/notify_url".into(),
        attach: None,
        ledger: Some(JsonText(vec![weidoufu::LedgerReceiver {
            amount: Fen::new(1),
            sub_mch_no: "xxxxxxxx".into(),
        }])),
    }
}
