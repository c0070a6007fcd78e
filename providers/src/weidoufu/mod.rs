//! weidoufu mini-program pay (`POST https://open.weidoufu.com/pay/miniapp`), WeChat and
//! Alipay. JSON; sorted MD5 with the `&secret_key=SECRET` suffix, upper-case hex.

mod lifecycle;
mod registry;
mod request;
mod response;
mod steps;

pub use lifecycle::*;
pub use registry::*;
pub use request::{request, sample};
pub use response::*;

use paywire::{Fen, JsonText, PayObject, PayRequest};

/// Production base URL.
pub const BASE_URL: &str = "https://open.weidoufu.com";
/// The endpoint's path below the base URL.
pub const PATH: &str = "/pay/miniapp";

/// 小程序支付: the request body.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(
    format = "json",
    sign = "md5-sorted",
    sign_key = "secret_key",
    sign_case = "upper"
)]
pub struct MiniappPay {
    /// 应用密钥的 AK,即是 AccessKey
    #[pay(len = 1..=32)]
    pub access_key: String,
    /// 商品名称 例如:QQ 会员充值
    #[pay(len = 1..=32)]
    pub body: String,
    /// 商户订单号(字母、数字,至少 18 位长度)
    #[pay(len = 18..=32, alphanumeric)]
    pub out_order_no: String,
    /// 支付类型:1-微信;2-支付宝
    #[pay(one_of(1, 2))]
    pub pay_type: u8,
    /// 价格单位:分
    #[pay(range = 1..=999_999_999)]
    pub total_fee: Fen,
    /// 微信必传,在小程序内获取 openid
    #[pay(len = 1..=32, required_if(pay_type = 1), group = "wechat")]
    pub openid: Option<String>,
    /// 支付宝必传,在小程序内获取 buyer_id
    #[pay(len = 1..=32, required_if(pay_type = 2), group = "alipay")]
    pub buyer_id: Option<String>,
    /// 你平台的回调地址 例如:`http://www.your.com/notify_url`
    #[pay(len = 1..=128, url)]
    pub notify_url: String,
    /// 附加信息,回调时原样传回 例如:{test:'test1_params'}
    #[pay(len = ..=128)]
    pub attach: Option<String>,
    /// 分账接收方,jsonArray 格式 例如:'[{"amount":1,"sub_mch_no":"xxxxxxxx"}]'
    #[pay(len = ..=512)]
    pub ledger: Option<JsonText<Vec<LedgerReceiver>>>,
}

/// One receiver of a `ledger` split.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct LedgerReceiver {
    /// 分账金额,单位:分
    #[pay(range = 1..)]
    pub amount: Fen,
    /// 分账接收方商户号
    #[pay(len = 1..=32)]
    pub sub_mch_no: String,
}
