//! UnionPay's QR-code acquiring front (`qra.95516.com/pay/gateway`), which speaks the
//! SwiftPass protocol: XML, sorted `k=v&...&key=KEY`, MD5, upper-case hex.

use paywire::{Fen, PayRequest};

/// `unified.trade.micropay`: charge the code a customer shows (付款码支付).
#[derive(Debug, Clone, PayRequest)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    sign_key = "key",
    constant(
        service = "unified.trade.micropay",
        charset = "UTF-8",
        sign_type = "MD5"
    )
)]
pub struct Micropay {
    /// The merchant number UnionPay assigned.
    #[pay(len = 1..=32)]
    pub mch_id: String,
    /// The merchant's order number.
    #[pay(len = 1..=32, trade_no)]
    pub out_trade_no: String,
    /// The goods' description.
    #[pay(len = 1..=127)]
    pub body: String,
    /// The amount in fen.
    #[pay(range = 1..)]
    pub total_fee: Fen,
    /// The terminal's IP.
    #[pay(ip)]
    pub mch_create_ip: String,
    /// The payment code scanned from the customer.
    #[pay(len = 1..=128)]
    pub auth_code: String,
    /// The device that scanned it.
    #[pay(len = 1..=32)]
    pub op_device_id: Option<String>,
    /// The terminal's details, JSON text.
    #[pay(len = 1..=1024)]
    pub terminal_info: Option<String>,
    /// A random string.
    #[pay(len = 1..=32)]
    pub nonce_str: String,
}
