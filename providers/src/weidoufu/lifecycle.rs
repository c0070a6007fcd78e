//! weidoufu's order query (`GET /pay/query`) and refund (`POST /pay/refund`).
//!
//! Neither is in the gateway's mini-program document; the tables follow weidoufu's own
//! API pages (`doc.weidoufu.com/api/query.html`, `doc.weidoufu.com/api/refund.html`).
//! The query carries no signature and no key on those pages, and its answer is not
//! signed: it may discover a payment, never apply one. The refund is signed like the
//! order (sorted, `&secret_key=`, MD5, upper) and carries no refund number: the gateway
//! cannot tell a refund sent again from a second one, so a refund whose answer was lost
//! is never sent again blind, and a refund above what the order was paid is refused
//! before it is signed.

use crate::HttpRequest;
use paywire::http_request::{get, join, post};
use paywire::{Fen, PayRequest, PayResponse, Secret, TextOrNumber, VerifyError};

/// The query's path below the base URL.
pub const QUERY_PATH: &str = "/pay/query";
/// The refund's path below the base URL.
pub const REFUND_PATH: &str = "/pay/refund";
/// The most refunds one order takes (每个支付订单的部分退款次数不能超过 10 次).
pub const MAX_REFUNDS: usize = 10;

/// 订单状态查询, by exactly one of the platform's or the merchant's order number. The
/// page lists no key and no signature for it.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "form", sign = "none")]
pub struct QueryOrder {
    /// 平台订单号 (this or out_order_no)
    #[pay(len = 1..=32, alphanumeric, group = "platform")]
    pub mch_trade_no: Option<String>,
    /// 商户订单号(字母、数字,至少 18 位长度) (this or mch_trade_no)
    #[pay(len = 18..=32, alphanumeric, group = "merchant")]
    pub out_order_no: Option<String>,
}

impl QueryOrder {
    /// The query of the merchant's order `out_order_no`.
    pub fn by_merchant_number(out_order_no: &str) -> QueryOrder {
        QueryOrder {
            mch_trade_no: None,
            out_order_no: Some(out_order_no.to_owned()),
        }
    }
}

/// 退款接口: part or all of a paid order, named by exactly one of its numbers.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(
    format = "json",
    sign = "md5-sorted",
    sign_key = "secret_key",
    sign_case = "upper"
)]
pub struct Refund {
    /// 应用密钥的 AK,即是 AccessKey
    #[pay(len = 1..=32)]
    pub access_key: String,
    /// 退款金额,单位:分
    #[pay(range = 1..=999_999_999)]
    pub refund_fee: Fen,
    /// 平台订单号 (this or out_order_no)
    #[pay(len = 1..=32, alphanumeric, group = "platform")]
    pub mch_trade_no: Option<String>,
    /// 商户订单号(字母、数字,至少 18 位长度) (this or mch_trade_no)
    #[pay(len = 18..=32, alphanumeric, group = "merchant")]
    pub out_order_no: Option<String>,
}

/// A query's answer (unsigned JSON): `code`, `message`, and the order under `data`.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct QueryAnswer {
    /// 1:成功 0:失败
    #[pay(one_of(0, 1))]
    pub code: u8,
    /// 返回描述信息
    pub message: Option<String>,
    /// The order.
    pub data: Option<QueryData>,
}

/// `data` of a query's answer.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct QueryData {
    /// 平台返回的订单号
    pub mch_trade_no: String,
    /// 商户订单号
    pub out_order_no: String,
    /// 通知状态:1-待通知;2-成功;3-失败
    pub notify: Option<TextOrNumber>,
    /// 支付状态:1-待支付;2-成功;3-失败
    pub status: TextOrNumber,
    /// 返回描述信息 (the document's example puts it here)
    pub message: Option<String>,
}

/// What a query's `status` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayStatus {
    /// 1: 待支付.
    Pending,
    /// 2: 成功.
    Paid,
    /// 3: 失败.
    Failed,
}

impl QueryData {
    /// The payment state, `None` for a status the page does not list.
    pub fn pay_status(&self) -> Option<PayStatus> {
        match self.status.as_str() {
            "1" => Some(PayStatus::Pending),
            "2" => Some(PayStatus::Paid),
            "3" => Some(PayStatus::Failed),
            _ => None,
        }
    }

    /// Whether weidoufu says the order is paid. Unsigned, and without an amount: a paid
    /// order found here is applied only through its signed notification.
    pub fn is_paid(&self) -> bool {
        self.pay_status() == Some(PayStatus::Paid)
    }
}

/// A refund's answer (unsigned JSON): `code`, `message`, and the refund under `data`.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct RefundAnswer {
    /// 1:成功 0:失败
    #[pay(one_of(0, 1))]
    pub code: u8,
    /// 返回描述信息
    pub message: Option<String>,
    /// The refund.
    pub data: Option<RefundData>,
}

/// `data` of a refund's answer.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct RefundData {
    /// 平台返回的订单号
    pub mch_trade_no: String,
    /// 商户订单号
    pub out_order_no: String,
    /// 订单总金额
    pub total_fee: Fen,
    /// 本次退款金额
    pub refund_fee: Fen,
}

/// The members every answer carries, whatever `data` holds (a refusal may send `""`).
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "json", sign = "none")]
struct AnswerHead {
    #[pay(one_of(0, 1))]
    code: u8,
    message: Option<String>,
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
    /// `code: 0`, with the gateway's message.
    #[error("weidoufu refused the request: {message}")]
    Refused {
        /// The gateway's message.
        message: String,
    },
    /// `code: 1` for another refund than the one asked for: the gateway's record and the
    /// merchant's disagree, which someone must look at before anything is sent again.
    #[error("weidoufu answered a refund of {answered} fen to a request for {asked} fen")]
    OtherAmount {
        /// What was asked.
        asked: Fen,
        /// What the answer says was refunded.
        answered: Fen,
    },
}

/// The query: `GET {base}/pay/query?out_order_no=...` (or `mch_trade_no=`).
pub fn query_request(base_url: &str, query: &QueryOrder) -> Result<HttpRequest, paywire::Error> {
    get(&join(base_url, QUERY_PATH), query.to_body(&())?)
}

/// Reads a query's answer: the order for `code: 1`, the refusal for `code: 0`.
pub fn read_query_answer(body: &[u8]) -> Result<QueryData, LifecycleError> {
    let answer = match QueryAnswer::decode_unsigned(body) {
        Ok(answer) => answer.value,
        Err(error) => return Err(refusal_or(body, error)),
    };
    match (answer.code, answer.data) {
        (1, Some(data)) => Ok(data),
        (1, None) => Err(malformed("code 1 without data")),
        (_, _) => Err(LifecycleError::Refused {
            message: answer.message.unwrap_or_default(),
        }),
    }
}

/// The refund of `refund.refund_fee` from an order paid `paid`: refused before it is
/// signed when it is above it (refunds already made are the merchant's ledger's to
/// count: `paywire_sqlx::refund_once`).
pub fn refund_request(
    base_url: &str,
    refund: &Refund,
    secret_key: &Secret,
    paid: Fen,
) -> Result<HttpRequest, LifecycleError> {
    if refund.refund_fee > paid {
        return Err(LifecycleError::AbovePaid {
            refund: refund.refund_fee,
            paid,
        });
    }
    Ok(post(
        &join(base_url, REFUND_PATH),
        refund.to_body(secret_key)?,
        &[],
    )?)
}

/// Reads a refund's answer to a request for `asked`: the refund for `code: 1` (its
/// `refund_fee` must be `asked`), the refusal for `code: 0`.
pub fn read_refund_answer(body: &[u8], asked: Fen) -> Result<RefundData, LifecycleError> {
    let answer = match RefundAnswer::decode_unsigned(body) {
        Ok(answer) => answer.value,
        Err(error) => return Err(refusal_or(body, error)),
    };
    match (answer.code, answer.data) {
        (1, Some(data)) if data.refund_fee != asked => Err(LifecycleError::OtherAmount {
            asked,
            answered: data.refund_fee,
        }),
        (1, Some(data)) => Ok(data),
        (1, None) => Err(malformed("code 1 without data")),
        (_, _) => Err(LifecycleError::Refused {
            message: answer.message.unwrap_or_default(),
        }),
    }
}

/// An answer whose `data` does not decode: a refusal (`code: 0`, which may carry `""` or
/// `[]` there) keeps its message; for anything else the decode error stands.
fn refusal_or(body: &[u8], error: VerifyError) -> LifecycleError {
    match AnswerHead::decode_unsigned(body) {
        Ok(head) if head.value.code == 0 => LifecycleError::Refused {
            message: head.value.message.unwrap_or_default(),
        },
        Ok(_) => LifecycleError::Decode(error),
        Err(head_error) => LifecycleError::Decode(head_error),
    }
}

fn malformed(reason: &str) -> LifecycleError {
    LifecycleError::Decode(VerifyError::malformed(
        paywire::schema::Format::Json,
        reason,
    ))
}
