//! A sixth gateway's notification declared in a user's crate with `PayResponse`.
use paywire::{Fen, MemoryReplayGuard, PayResponse, ReplayGuard, Secret, VerifyError};

/// 支付通知
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "xml", sign = "md5-sorted", sign_key = "key")]
struct PaidNotice {
    /// 商户订单号
    out_trade_no: String,
    /// 金额
    total_fee: Fen,
    /// 附加
    attach: Option<String>,
}

fn handle(body: &[u8], key: &Secret, guard: &dyn ReplayGuard) -> Result<&'static str, VerifyError> {
    let notice = PaidNotice::verify_body(body, key)?;
    let _extra_fields_kept_raw = &notice.fields;
    if guard.first_time(&notice.value.out_trade_no)? {
        let _apply = (notice.value.total_fee, notice.value.attach);
    }
    Ok("success")
}

fn main() {
    let guard = MemoryReplayGuard::default();
    let err = handle(b"<xml><out_trade_no>1</out_trade_no><total_fee>1</total_fee></xml>", &Secret::new("k"), &guard);
    assert!(matches!(err, Err(VerifyError::SignatureMissing { .. })));
}
