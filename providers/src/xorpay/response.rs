//! XorPay's answer to a pay request, and its payment notification.

use crate::wechat::v2::SignedBridgeParams;
use paywire::ledger::{MustMatch, OrderKey, Payment};
use paywire::schema::Format;
use paywire::Verified;
use paywire::{PayResponse, Secret, VerifyError, Yuan};

/// What the merchant answers a notification with, as plain text, once it is handled.
pub const NOTIFY_ACK: &str = "ok";

paywire::wire_enum! {
    /// `status` of XorPay's answer.
    pub enum Status {
        /// 成功
        Ok = "ok",
        /// 缺少参数
        MissingArgument = "missing_argument",
        /// 账号被冻结
        AppOff = "app_off",
        /// aid不存在
        AidNotExist = "aid_not_exist",
        /// 支付类型错误
        PayTypeError = "pay_type_error",
        /// 签名错误
        SignError = "sign_error",
        /// 订单已支付
        OrderPayed = "order_payed",
        /// 订单过期
        OrderExpire = "order_expire",
        /// 可能账号被风控
        WechatApiError = "wechat_api_error",
        /// 余额不足
        FeeError = "fee_error",
        /// 同一订单,参数不同
        OrderExist = "order_exist",
        /// 请确保用 XorPay 提供的 openid 接口获取 openid
        InvalidOpenid = "invalid_openid",
    }
}

impl Status {
    /// The document's explanation of the code.
    pub fn description(&self) -> &'static str {
        match self {
            Status::Ok => "成功",
            Status::MissingArgument => "缺少参数",
            Status::AppOff => "账号被冻结",
            Status::AidNotExist => "aid不存在",
            Status::PayTypeError => "支付类型错误",
            Status::SignError => "签名错误",
            Status::OrderPayed => "订单已支付",
            Status::OrderExpire => "订单过期",
            Status::WechatApiError => "可能账号被风控",
            Status::FeeError => "余额不足",
            Status::OrderExist => "同一订单,参数不同",
            Status::InvalidOpenid => {
                "请确保用 XorPay 提供的 openid 接口获取 openid,不能用自己公众号或小程序的 openid"
            }
            Status::Other(_) => "未知状态",
        }
    }
}

/// XorPay's JSON answer as received: `{status, aoid, expires_in, info}` (the later
/// fields only with `ok`). The document's table spells `expire_in`; XorPay sends
/// `expires_in`, and both are accepted. [`read_answer`] turns an `ok` into [`Placed`].
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct PayAnswer {
    /// 状态
    pub status: Status,
    /// XorPay 平台统一订单号 (the notification's rule: letters and digits)
    #[pay(len = 1..=64, alphanumeric)]
    pub aoid: Option<String>,
    /// 订单过期秒数
    pub expires_in: Option<u64>,
    /// 订单过期秒数 (the document's spelling)
    pub expire_in: Option<u64>,
    /// jsapi 支付参数: appId, timeStamp, nonceStr, package, signType, paySign
    pub info: Option<SignedBridgeParams>,
}

/// An order XorPay accepted: everything its `ok` answer must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// XorPay 平台统一订单号: the notification for this order must carry the same one.
    pub aoid: String,
    /// 订单过期秒数, under either spelling, when sent.
    pub expires_in: Option<u64>,
    /// The `WeixinJSBridge` parameters to pay with.
    pub info: SignedBridgeParams,
}

/// A refusal by XorPay.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum XorpayError {
    /// The answer is malformed or hostile, or an `ok` without what paying needs.
    #[error(transparent)]
    Decode(#[from] VerifyError),
    /// A status other than `ok`.
    #[error("status {}: {}", .status, .status.description())]
    Status {
        /// The status.
        status: Status,
    },
}

fn malformed(reason: &'static str) -> XorpayError {
    XorpayError::Decode(VerifyError::malformed(Format::Json, reason))
}

/// Reads XorPay's answer; `ok` gives the placed order, any other status a typed error.
/// An `ok` without `aoid` (needed to check the notification) or `info` (needed to pay),
/// or whose two expiry spellings disagree, is malformed. XorPay does not sign its answer;
/// check `info.paySign` with [`SignedBridgeParams::verify`] if you hold the WeChat key.
pub fn read_answer(body: &[u8]) -> Result<Placed, XorpayError> {
    let answer = PayAnswer::decode_unsigned(body)?.value;
    if answer.status != Status::Ok {
        return Err(XorpayError::Status {
            status: answer.status,
        });
    }
    let expires_in = match (answer.expires_in, answer.expire_in) {
        (Some(a), Some(b)) if a != b => {
            return Err(malformed("expires_in and expire_in disagree"));
        }
        (a, b) => a.or(b),
    };
    Ok(Placed {
        aoid: answer
            .aoid
            .ok_or_else(|| malformed("status ok without aoid"))?,
        expires_in,
        info: answer
            .info
            .ok_or_else(|| malformed("status ok without info"))?,
    })
}

/// The name payments of this gateway are keyed under in a [`Ledger`](paywire::ledger::Ledger).
pub const GATEWAY: &str = "xorpay";

/// A payment notification: `sign = md5(aoid + order_id + pay_price + pay_time + app_secret)`.
///
/// The concatenation has no separators, so characters can move between neighbours and
/// still verify (`order_id=ORDER-11, pay_price=0.01` reads as `ORDER-1`, `10.01`). Strict
/// formats refuse most such moves; the rest are refused by [`Payment::check`] against the
/// order's amount and the `aoid` XorPay returned when it was placed. Only the four signed
/// members are here: `more`, `detail` and anything else received are not covered by the
/// signature and stay in [`Verified::unsigned`].
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "form", sign = "md5-concat", sign_case = "lower")]
pub struct PayNotification {
    /// XorPay 平台统一订单号
    #[pay(sign = 1, len = 1..=64, alphanumeric)]
    pub aoid: String,
    /// 你平台订单号 (paywire requires letters, digits and `_ - | * @`)
    #[pay(sign = 2, len = 1..=64, trade_no)]
    pub order_id: String,
    /// 实际支付金额
    #[pay(sign = 3)]
    pub pay_price: Yuan,
    /// 支付时间, `yyyy-MM-dd HH:mm:ss`
    #[pay(sign = 4, datetime)]
    pub pay_time: String,
}

impl PayNotification {
    /// XorPay notifies paid orders only.
    pub fn is_paid(&self) -> bool {
        true
    }

    /// The payment, keyed on the merchant's `order_id`, with `aoid` as the gateway's order.
    pub fn payment(&self) -> Option<Payment> {
        Some(Payment {
            key: OrderKey::new(GATEWAY, &self.order_id),
            order: self.order_id.clone(),
            amount: self.pay_price.fen(),
            currency: None,
            gateway_order: Some(self.aoid.clone()),
            must_match: MustMatch {
                gateway_order: true,
                currency: false,
            },
        })
    }
}

/// Verifies a notification with the app secret, then its declared rules. Pure: it records
/// nothing. `more` and `detail` come back in [`Verified::unsigned`], outside the verified
/// value; check [`PayNotification::payment`] against the order (amount and `aoid`) before
/// applying it once through a [`Ledger`](paywire::ledger::Ledger), then answer [`NOTIFY_ACK`].
pub fn verify_notification(
    body: &[u8],
    app_secret: &Secret,
) -> Result<Verified<PayNotification>, VerifyError> {
    PayNotification::verify_body(body, app_secret)
}
