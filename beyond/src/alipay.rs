//! Alipay's open platform (`openapi.alipay.com/gateway.do`), signed `RSA2`.

use paywire::{PayRequest, PayResponse};

/// `alipay.trade.query`: the public parameters of every Alipay request, the business
/// parameters as JSON text in `biz_content`.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "form", sign = "rsa-sha256-sorted")]
pub struct TradeQuery {
    /// The application's id.
    #[pay(len = 1..=32)]
    pub app_id: String,
    /// The method name, `alipay.trade.query`.
    #[pay(len = 1..=128)]
    pub method: String,
    /// The body's character set.
    #[pay(one_of("utf-8", "gbk", "gb2312"))]
    pub charset: String,
    /// The signature type: this declaration signs `RSA2`.
    #[pay(one_of("RSA2"))]
    pub sign_type: String,
    /// `yyyy-MM-dd HH:mm:ss`, Beijing time.
    #[pay(len = 19)]
    pub timestamp: String,
    /// The API version, `1.0`.
    #[pay(one_of("1.0"))]
    pub version: String,
    /// The business parameters, JSON.
    #[pay(len = 1..)]
    pub biz_content: String,
}

impl TradeQuery {
    /// The query the tests and the benchmark sign: `alipay.trade.query` with Alipay's
    /// documentation's app id and order number.
    pub fn example() -> Self {
        TradeQuery {
            app_id: "2014072300007148".into(),
            method: "alipay.trade.query".into(),
            charset: "utf-8".into(),
            sign_type: "RSA2".into(),
            timestamp: "2014-07-24 03:07:50".into(),
            version: "1.0".into(),
            biz_content:
                r#"{"out_trade_no":"20150320010101001","query_options":["trade_settle_info"]}"#
                    .into(),
        }
    }
}

/// The asynchronous notification of a paid order. Alipay signs every member except
/// `sign` and `sign_type`.
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "form", sign = "rsa-sha256-sorted")]
pub struct TradeNotify {
    /// The merchant's order number.
    #[pay(len = 1..=64)]
    pub out_trade_no: String,
    /// Alipay's trade number.
    #[pay(len = 1..=64)]
    pub trade_no: String,
    /// `TRADE_SUCCESS`, `TRADE_FINISHED`, `WAIT_BUYER_PAY` or `TRADE_CLOSED`.
    #[pay(one_of("WAIT_BUYER_PAY", "TRADE_CLOSED", "TRADE_SUCCESS", "TRADE_FINISHED"))]
    pub trade_status: String,
    /// The order's amount in yuan, `"0.10"`.
    pub total_amount: paywire::Yuan,
    /// The application the notification is for.
    pub app_id: String,
    /// What the merchant received, in yuan.
    pub receipt_amount: Option<paywire::Yuan>,
    /// What may be invoiced, in yuan.
    pub invoice_amount: Option<paywire::Yuan>,
    /// What the buyer paid, in yuan.
    pub buyer_pay_amount: Option<paywire::Yuan>,
    /// What was paid with points, in yuan.
    pub point_amount: Option<paywire::Yuan>,
    /// Travels with the notification but is not signed.
    #[pay(no_sign)]
    pub sign_type: Option<String>,
}

/// The same check written as a custom scheme, as a user would for a gateway whose
/// asymmetric scheme paywire does not ship: verification with Alipay's public key over
/// the sorted members.
pub struct Rsa2Check;

impl paywire::sign::Verify for Rsa2Check {
    type Key = paywire::keys::PublicKey;

    fn verify(members: &paywire::sign::Members<'_>, signature: &str, key: &Self::Key) -> bool {
        key.verify_base64(members.to_sorted_string().as_bytes(), signature)
            .is_ok()
    }
}

/// [`TradeNotify`] verified through [`Rsa2Check`].
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "form", sign = custom(Rsa2Check))]
pub struct TradeNotifyByCustomCheck {
    /// The merchant's order number.
    #[pay(len = 1..=64)]
    pub out_trade_no: String,
    /// The order's amount in yuan.
    pub total_amount: paywire::Yuan,
    /// What was paid with points, in yuan: declared so that a value holding
    /// `&point_amount=` is recognised as ambiguous even when the member is absent.
    pub point_amount: Option<paywire::Yuan>,
    /// Travels with the notification but is not signed.
    #[pay(no_sign)]
    pub sign_type: Option<String>,
}
