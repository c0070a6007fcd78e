//! XorPay's order query (`GET /api/query2/{aid}`) and refund (`POST /api/refund/{aoid}`).
//!
//! Neither is in the gateway's JSAPI document; the tables follow XorPay's API page as
//! public SDKs implement it (xorpay-sdk for Go: `SignQueryByOrderID`, `SignRefund`, their
//! status lists; xorpay_net's status tables). Query answers are not signed: a query may
//! discover a payment, but is never applied as one. The refund's signature covers the
//! price alone, not the `aoid` in its URL: a signed refund body is valid for any order of
//! the merchant, so it is never logged, and a refund above what the order was paid is
//! refused before it is signed.

use crate::HttpRequest;
use paywire::http_request::{get, join, path_segment, post};
use paywire::{Fen, PayRequest, PayResponse, Secret, VerifyError, Yuan};

/// The query's path template; `{aid}` is the merchant's app id.
pub const QUERY_PATH: &str = "/api/query2/{aid}";
/// The refund's path template; `{aoid}` is XorPay's id of the order.
pub const REFUND_PATH: &str = "/api/refund/{aoid}";

/// 订单查询 by the merchant's order number: `sign = md5(order_id + app_secret)`.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "form", sign = "md5-concat", sign_case = "lower")]
pub struct QueryOrder {
    /// 用户 appid (aid), the URL path parameter
    #[pay(path, len = 1..)]
    pub aid: String,
    /// 你平台订单号
    #[pay(sign = 1, len = 1..=64, trade_no)]
    pub order_id: String,
}

/// 订单退款: `sign = md5(price + app_secret)`; the order is named by the `aoid` in the
/// URL, which the signature does not cover.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "form", sign = "md5-concat", sign_case = "lower")]
pub struct Refund {
    /// XorPay 平台统一订单号, the URL path parameter
    #[pay(path, len = 1..=64, alphanumeric)]
    pub aoid: String,
    /// 退款金额, yuan (`0.01`)
    #[pay(sign = 1, range = 1..)]
    pub price: Yuan,
}

paywire::wire_enum! {
    /// `status` of a query's answer.
    pub enum QueryStatus {
        /// 订单不存在
        NotExist = "not_exist",
        /// 订单未支付
        New = "new",
        /// 订单已支付,未通知成功
        Payed = "payed",
        /// 手续费扣除失败
        FeeError = "fee_error",
        /// 订单已支付,通知成功
        Success = "success",
        /// 订单过期
        Expire = "expire",
    }
}

/// A query's answer (unsigned JSON).
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct QueryAnswer {
    /// 状态
    pub status: QueryStatus,
    /// XorPay 平台统一订单号
    #[pay(len = 1..=64, alphanumeric)]
    pub aoid: Option<String>,
    /// 你平台订单号
    #[pay(len = 1..=64, trade_no)]
    pub order_id: Option<String>,
    /// 实际支付金额
    pub pay_price: Option<Yuan>,
    /// 支付时间, `yyyy-MM-dd HH:mm:ss`
    #[pay(datetime)]
    pub pay_time: Option<String>,
}

impl QueryAnswer {
    /// Whether XorPay says the order is paid (`payed` or `success`). Unsigned: a paid
    /// order found here is applied only through its signed notification, or after the
    /// same checks (amount, `aoid`) against the merchant's own order.
    pub fn is_paid(&self) -> bool {
        matches!(self.status, QueryStatus::Payed | QueryStatus::Success)
    }
}

paywire::wire_enum! {
    /// `status` of a refund's answer.
    pub enum RefundStatus {
        /// 成功
        Ok = "ok",
        /// 订单状态不是 success, 或者订单不存在
        OrderError = "order_error",
        /// 退款金额大于收款金额
        PriceError = "price_error",
        /// 签名错误
        SignError = "sign_error",
        /// 支付宝接口错误
        AlipayApiError = "alipay_api_error",
    }
}

/// A refund's answer (unsigned JSON): `status`, and `info` with the reason of a refusal.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct RefundAnswer {
    /// 状态
    pub status: RefundStatus,
    /// 错误信息
    #[pay(len = 0..=1024)]
    pub info: Option<String>,
}

/// Why a query or refund was not made, or not accepted.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The request breaks its rules, or cannot be built.
    #[error(transparent)]
    Request(#[from] paywire::Error),
    /// A refund above what the order was paid: refused before signing.
    #[error("refund of {refund} fen is above the {paid} fen the order was paid")]
    AbovePaid {
        /// The refund asked for.
        refund: Fen,
        /// What the order was paid.
        paid: Fen,
    },
    /// The answer is malformed or hostile.
    #[error(transparent)]
    Decode(#[from] VerifyError),
    /// XorPay refused the refund.
    #[error("refund refused: {}{}", .status.as_str(), .info.as_deref().map(|i| format!(" ({i})")).unwrap_or_default())]
    Refused {
        /// The status.
        status: RefundStatus,
        /// XorPay's reason.
        info: Option<String>,
    },
}

/// The query: `GET {base}/api/query2/{aid}?order_id=...&sign=...`.
pub fn query_request(
    base_url: &str,
    query: &QueryOrder,
    app_secret: &Secret,
) -> Result<HttpRequest, paywire::Error> {
    let url = join(
        base_url,
        &QUERY_PATH.replace("{aid}", &path_segment(&query.aid)),
    );
    get(&url, query.to_body(app_secret)?)
}

/// Reads a query's answer.
pub fn read_query_answer(body: &[u8]) -> Result<QueryAnswer, VerifyError> {
    Ok(QueryAnswer::decode_unsigned(body)?.value)
}

/// The refund of `refund.price` from an order paid `paid`: refused before it is signed
/// when the price is above it (refunds already made are the merchant's ledger's to count:
/// `paywire_sqlx::refund_once`).
pub fn refund_request(
    base_url: &str,
    refund: &Refund,
    app_secret: &Secret,
    paid: Fen,
) -> Result<HttpRequest, LifecycleError> {
    if refund.price.fen() > paid {
        return Err(LifecycleError::AbovePaid {
            refund: refund.price.fen(),
            paid,
        });
    }
    let url = join(
        base_url,
        &REFUND_PATH.replace("{aoid}", &path_segment(&refund.aoid)),
    );
    Ok(post(&url, refund.to_body(app_secret)?, &[])?)
}

/// Reads a refund's answer: `ok`, or XorPay's refusal with its reason.
pub fn read_refund_answer(body: &[u8]) -> Result<RefundAnswer, LifecycleError> {
    let answer = RefundAnswer::decode_unsigned(body)?.value;
    if answer.status != RefundStatus::Ok {
        return Err(LifecycleError::Refused {
            status: answer.status,
            info: answer.info,
        });
    }
    Ok(answer)
}

/// A query for `order_id` under `aid`.
pub fn sample_query(aid: &str, order_id: &str) -> QueryOrder {
    QueryOrder {
        aid: aid.into(),
        order_id: order_id.into(),
    }
}
