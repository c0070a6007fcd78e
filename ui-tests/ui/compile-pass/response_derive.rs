//! A sixth gateway's notification declared in a user's crate with `PayResponse`, applied
//! once through the ledger.
use paywire::ledger::{Claim, Ledger, OrderKey};
use paywire::{Fen, PayResponse, Secret, VerifyError};

/// 支付通知
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "xml", sign = "md5-sorted", sign_key = "key")]
struct PaidNotice {
    /// 商户订单号
    #[pay(len = 1..=32, trade_no)]
    out_trade_no: String,
    /// 金额
    total_fee: Fen,
    /// 附加
    attach: Option<String>,
}

fn handle(body: &[u8], key: &Secret, ledger: &Ledger) -> Result<&'static str, VerifyError> {
    let notice = PaidNotice::verify_body(body, key)?;
    let _extra_fields_kept_raw = &notice.fields;
    match ledger.claim(&OrderKey::new("mygateway", &notice.value.out_trade_no)) {
        Ok(Claim::Fresh(held)) => {
            let _apply = (notice.value.total_fee, notice.value.attach);
            let _ = held.commit();
            Ok("success")
        }
        Ok(Claim::Done) => Ok("success"),
        Ok(Claim::Busy) | Err(_) => Ok("retry later"),
    }
}

fn main() {
    let ledger = Ledger::in_memory();
    let err = handle(b"<xml><out_trade_no>1</out_trade_no><total_fee>1</total_fee></xml>", &Secret::new("k"), &ledger);
    assert!(matches!(err, Err(VerifyError::SignatureMissing { .. })));
}
