//! Douyin's guaranteed payment (担保支付) for mini-apps.

use paywire::sign::{Members, Scheme};
use paywire::{PayRequest, Secret};

/// The request signature of Douyin's guaranteed payment: the values of every member
/// except `app_id`, `thirdparty_id`, `sign` and `other_settle_params` (declared
/// `no_sign`), the empty ones and `null` left out, the salt added, all sorted as strings,
/// joined with `&`, MD5 in lower-case hex.
pub struct GuaranteedPaySign;

impl Scheme for GuaranteedPaySign {
    type Key = Secret;

    fn sign(members: &Members<'_>, key: &Secret) -> String {
        let mut values: Vec<&str> = members
            .iter()
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty() && *value != "null")
            .collect();
        values.push(key.expose());
        values.sort_unstable();
        paywire::sign::md5_hex(values.join("&").as_bytes(), paywire::schema::HexCase::Lower)
    }

    fn sign_string_redacted(members: &Members<'_>) -> String {
        let mut values: Vec<&str> = members.iter().map(|(_, value)| value.trim()).collect();
        values.push("***");
        values.sort_unstable();
        values.join("&")
    }
}

/// `POST /api/apps/ecpay/v1/create_order`.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "json", sign = custom(GuaranteedPaySign))]
pub struct CreateOrder {
    /// The mini-app's id; not signed.
    #[pay(no_sign, len = 1..=64)]
    pub app_id: String,
    /// The merchant's order number.
    #[pay(len = 1..=64)]
    pub out_order_no: String,
    /// The amount in fen.
    pub total_amount: paywire::Fen,
    /// The goods' title.
    #[pay(chars = 1..=128)]
    pub subject: String,
    /// The goods' description.
    #[pay(chars = 1..=128)]
    pub body: String,
    /// Seconds the order may be paid in.
    #[pay(range = 300..=172800)]
    pub valid_time: u32,
    /// Where the result is sent.
    pub notify_url: Option<String>,
    /// Passed back unchanged.
    pub cp_extra: Option<String>,
    /// The third-party platform acting for the mini-app; not signed.
    #[pay(no_sign)]
    pub thirdparty_id: Option<String>,
}
