//! SwiftPass after the order: `unified.trade.query`, `unified.trade.close`,
//! `unified.trade.refund` and `unified.trade.refundquery`, posted as signed XML to the
//! same gateway URL as the order, each answered with signed XML (an unsigned answer
//! when `status` is not 0, as for the order).
//!
//! The gateway's document covers the WAP order only; these tables follow the public
//! SwiftPass SDKs (zacat/swiftpass-sdk's `unified` requests and results, youjianglong's
//! Go client), with the refund query's `_$n` members read as an indexed family rather
//! than as the fixed `_0`/`_1` members or the misspelled names those SDKs read. SwiftPass
//! has no refund notification: a refund is confirmed by the refund query.

use super::answer::answer;
use crate::swiftpass::{check_signature, SwiftpassError, VerifyKey};
use paywire::decode::{self, Limits};
use paywire::ledger::Payment;
use paywire::schema::Format;
use paywire::verify;
use paywire::{Fen, FieldAccess, PayObject, PayRequest, PayResponse, Verified, VerifyError};

/// Declares a request with the members every SwiftPass request carries (`version`,
/// `charset`, `sign_type`, `mch_id`, `nonce_str`) spliced around its own.
macro_rules! request {
    ($(#[$attr:meta])* $name:ident { $($fields:tt)* }) => {
        #[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
        $(#[$attr])*
        pub struct $name {
            /// 版本号,默认值是 2.0
            #[pay(len = 1..=8)]
            pub version: Option<String>,
            /// 字符集,默认为 UTF-8
            #[pay(len = 1..=8, one_of("UTF-8"))]
            pub charset: Option<String>,
            /// 签名方式: MD5 (默认) 或 RSA_1_256; the key signs under it, and a key of
            /// another type is refused before signing
            #[pay(len = 1..=16, one_of("MD5", "RSA_1_256"))]
            pub sign_type: Option<String>,
            /// 商户号
            #[pay(len = 1..=45)]
            pub mch_id: String,
            $($fields)*
            /// 随机字符串
            #[pay(len = 1..=32, alphanumeric)]
            pub nonce_str: String,
        }
    };
}

request! {
    /// 查询订单 (`unified.trade.query`): by exactly one of `out_trade_no` and
    /// `transaction_id`.
    #[pay(
        format = "xml",
        sign = custom(paywire::sign::SignType),
        constant(service = "unified.trade.query")
    )]
    TradeQuery {
        /// 商户订单号 (this or transaction_id)
        #[pay(len = 1..=45, trade_no, group = "merchant")]
        pub out_trade_no: Option<String>,
        /// 平台订单号 (this or out_trade_no)
        #[pay(len = 1..=64, alphanumeric, group = "platform")]
        pub transaction_id: Option<String>,
    }
}

request! {
    /// 关闭订单 (`unified.trade.close`): an unpaid order, by the merchant's number.
    #[pay(
        format = "xml",
        sign = custom(paywire::sign::SignType),
        constant(service = "unified.trade.close")
    )]
    TradeClose {
        /// 商户订单号
        #[pay(len = 1..=45, trade_no)]
        pub out_trade_no: String,
    }
}

request! {
    /// 申请退款 (`unified.trade.refund`): part or all of a paid order, by exactly one of
    /// `out_trade_no` and `transaction_id`, under the merchant's refund number (a retry
    /// under the same number refunds once). `op_user_id` is the operator, the merchant id
    /// unless the merchant names one ([`TradeRefund::operator`]).
    #[pay(
        format = "xml",
        sign = custom(paywire::sign::SignType),
        constant(service = "unified.trade.refund"),
        validate_with = refund_within_total
    )]
    TradeRefund {
        /// 商户订单号 (this or transaction_id)
        #[pay(len = 1..=45, trade_no, group = "merchant")]
        pub out_trade_no: Option<String>,
        /// 平台订单号 (this or out_trade_no)
        #[pay(len = 1..=64, alphanumeric, group = "platform")]
        pub transaction_id: Option<String>,
        /// 商户退款单号: one refund, however often it is sent
        #[pay(len = 1..=32, trade_no)]
        pub out_refund_no: String,
        /// 订单总金额,单位:分
        #[pay(range = 1..=999_999_999)]
        pub total_fee: Fen,
        /// 退款总金额,单位:分,可以做部分退款
        #[pay(range = 1..=999_999_999)]
        pub refund_fee: Fen,
        /// 操作员,默认为商户号
        #[pay(len = 1..=32)]
        pub op_user_id: String,
        /// 退款渠道: ORIGINAL 原路退款 (默认), BALANCE 退回到余额
        #[pay(one_of("ORIGINAL", "BALANCE"))]
        pub refund_channel: Option<String>,
    }
}

/// A refund is never above the order's total: the gateway would refuse it, and a merchant
/// whose books said otherwise would have refunded money it was never paid.
fn refund_within_total(
    refund: &TradeRefund,
    at: &paywire::Path<'_>,
    errors: &mut paywire::SchemaErrors,
) {
    if refund.refund_fee > refund.total_fee {
        errors.push(paywire::SchemaError {
            path: at.key("refund_fee").to_string(),
            violation: paywire::Violation::Custom {
                rule: "refund_within_total",
                message: format!(
                    "refund_fee {} fen is above total_fee {} fen; refund at most the order's total",
                    refund.refund_fee.get(),
                    refund.total_fee.get()
                ),
            },
            actual: paywire::Actual::Int(i128::from(refund.refund_fee.get())),
        });
    }
}

impl TradeRefund {
    /// The operator the gateway records: the merchant id, as SwiftPass's SDKs default it.
    pub fn operator(mch_id: &str) -> String {
        mch_id.to_owned()
    }
}

request! {
    /// 查询退款 (`unified.trade.refundquery`): by any of `refund_id`, `out_refund_no`,
    /// `transaction_id`, `out_trade_no` (the gateway takes the first present in that
    /// order); at least one is required.
    #[pay(
        format = "xml",
        sign = custom(paywire::sign::SignType),
        constant(service = "unified.trade.refundquery"),
        validate_with = names_an_order_or_refund
    )]
    RefundQuery {
        /// 平台退款单号 (first choice)
        #[pay(len = 1..=64, alphanumeric)]
        pub refund_id: Option<String>,
        /// 商户退款单号
        #[pay(len = 1..=32, trade_no)]
        pub out_refund_no: Option<String>,
        /// 平台订单号
        #[pay(len = 1..=64, alphanumeric)]
        pub transaction_id: Option<String>,
        /// 商户订单号
        #[pay(len = 1..=45, trade_no)]
        pub out_trade_no: Option<String>,
    }
}

fn names_an_order_or_refund(
    query: &RefundQuery,
    at: &paywire::Path<'_>,
    errors: &mut paywire::SchemaErrors,
) {
    let named = [
        &query.refund_id,
        &query.out_refund_no,
        &query.transaction_id,
        &query.out_trade_no,
    ]
    .iter()
    .any(|id| id.is_some());
    if !named {
        errors.push(paywire::SchemaError {
            path: at.to_string(),
            violation: paywire::Violation::Custom {
                rule: "one_id_required",
                message: "name the refund or the order: set refund_id, out_refund_no, transaction_id or out_trade_no".into(),
            },
            actual: paywire::Actual::Missing,
        });
    }
}

paywire::wire_enum! {
    /// `trade_state` of a query's answer (SwiftPass spells a reversed order REVOK).
    pub enum TradeState {
        /// 支付成功
        Success = "SUCCESS",
        /// 转入退款
        Refund = "REFUND",
        /// 未支付
        NotPay = "NOTPAY",
        /// 已关闭
        Closed = "CLOSED",
        /// 已冲正 (SwiftPass's spelling of REVOKED)
        Revok = "REVOK",
        /// 用户支付中
        UserPaying = "USERPAYING",
        /// 支付失败
        PayError = "PAYERROR",
    }
}

paywire::wire_enum! {
    /// `refund_status_$n` of a refund query's answer.
    pub enum RefundStatus {
        /// 退款成功
        Success = "SUCCESS",
        /// 退款失败
        Fail = "FAIL",
        /// 退款处理中
        Processing = "PROCESSING",
        /// 未确定,需要商户原退款单号重新发起
        NotSure = "NOTSURE",
        /// 转入代发: the refund to the card failed; the merchant pays out by hand
        Change = "CHANGE",
    }
}

answer! {
    /// The answer to [`TradeQuery`].
    TradeQueryAnswer {
        /// 交易状态 (when result_code is 0)
        #[pay(required_if(result_code = "0"))]
        pub trade_state: Option<TradeState>,
        /// 商户订单号
        #[pay(len = 1..=45, trade_no, required_if(result_code = "0"))]
        pub out_trade_no: Option<String>,
        /// 平台订单号
        #[pay(len = 1..=64, alphanumeric)]
        pub transaction_id: Option<String>,
        /// 第三方订单号
        #[pay(len = 1..=64)]
        pub out_transaction_id: Option<String>,
        /// 总金额,单位:分 (when paid)
        #[pay(required_if(trade_state = "SUCCESS"))]
        pub total_fee: Option<Fen>,
        /// 支付完成时间, yyyyMMddHHmmss (when paid)
        #[pay(compact_time, required_if(trade_state = "SUCCESS"))]
        pub time_end: Option<String>,
        /// 商户附加信息
        pub attach: Option<String>,
    }
}

impl TradeQueryAnswer {
    /// The payment this verified answer reports, keyed on the merchant's `out_trade_no`
    /// as a notification's is: `None` unless the order was paid (`trade_state`
    /// `SUCCESS`, or `REFUND`: paid, then refunded in part or whole). Apply it once
    /// through the same ledger as the notifications, where none arrived (the merchant
    /// was down through every retry): the ledger keeps it from being applied twice
    /// whichever comes first.
    pub fn payment(&self) -> Option<Payment> {
        let paid = matches!(
            self.trade_state,
            Some(TradeState::Success | TradeState::Refund)
        );
        if self.status != "0" || self.result_code != "0" || !paid {
            return None;
        }
        super::response::paid(
            self.out_trade_no.as_deref(),
            self.total_fee,
            self.transaction_id.as_deref(),
        )
    }
}

answer! {
    /// The answer to [`TradeClose`]: `result_code` 0 once the order is closed.
    TradeCloseAnswer {}
}

answer! {
    /// The answer to [`TradeRefund`]: the refund is accepted, not yet done; its outcome
    /// comes from [`RefundQuery`].
    TradeRefundAnswer {
        /// 商户订单号
        #[pay(len = 1..=45, trade_no)]
        pub out_trade_no: Option<String>,
        /// 平台订单号
        #[pay(len = 1..=64, alphanumeric)]
        pub transaction_id: Option<String>,
        /// 商户退款单号
        #[pay(len = 1..=32, trade_no, required_if(result_code = "0"))]
        pub out_refund_no: Option<String>,
        /// 平台退款单号
        #[pay(len = 1..=64, alphanumeric, required_if(result_code = "0"))]
        pub refund_id: Option<String>,
        /// 退款渠道
        #[pay(one_of("ORIGINAL", "BALANCE"))]
        pub refund_channel: Option<String>,
        /// 退款金额,单位:分
        #[pay(required_if(result_code = "0"))]
        pub refund_fee: Option<Fen>,
        /// 现金券退款金额,单位:分
        pub coupon_refund_fee: Option<Fen>,
    }
}

/// One refund of a [`RefundQueryAnswer`]: the members `out_refund_no_$n`,
/// `refund_id_$n`, ... of refund `$n`.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct RefundRecord {
    /// 商户退款单号
    #[pay(len = 1..=32, trade_no)]
    pub out_refund_no: String,
    /// 平台退款单号
    #[pay(len = 1..=64, alphanumeric)]
    pub refund_id: String,
    /// 退款渠道: ORIGINAL 原路退款, BALANCE 余额
    #[pay(one_of("ORIGINAL", "BALANCE"))]
    pub refund_channel: Option<String>,
    /// 退款金额,单位:分
    pub refund_fee: Fen,
    /// 现金券退款金额,单位:分
    pub coupon_refund_fee: Option<Fen>,
    /// 退款时间, yyyyMMddHHmmss
    #[pay(compact_time)]
    pub refund_time: Option<String>,
    /// 退款状态
    pub refund_status: RefundStatus,
    /// 退款状态信息
    pub refund_status_info: Option<String>,
}

answer! {
    /// The answer to [`RefundQuery`]: the order's refunds, `refund_count` of them, as the
    /// indexed family `out_refund_no_$n`, `refund_fee_$n`, ... (numbered from 0).
    RefundQueryAnswer {
        /// 商户订单号
        #[pay(len = 1..=45, trade_no, required_if(result_code = "0"))]
        pub out_trade_no: Option<String>,
        /// 平台订单号
        #[pay(len = 1..=64, alphanumeric)]
        pub transaction_id: Option<String>,
        /// 第三方订单号
        #[pay(len = 1..=64)]
        pub out_transaction_id: Option<String>,
        /// 退款记录数
        #[pay(range = ..=50)]
        pub refund_count: Option<u32>,
        /// 退款记录: `out_refund_no_$n`, `refund_id_$n`, `refund_channel_$n`,
        /// `refund_fee_$n`, `coupon_refund_fee_$n`, `refund_time_$n`, `refund_status_$n`,
        /// `refund_status_info_$n`
        #[pay(indexed(count = "refund_count"))]
        pub refunds: Vec<RefundRecord>,
    }
}

impl RefundQueryAnswer {
    /// The refund the merchant numbered `out_refund_no`, if the answer lists it.
    pub fn refund(&self, out_refund_no: &str) -> Option<&RefundRecord> {
        self.refunds
            .iter()
            .find(|r| r.out_refund_no == out_refund_no)
    }

    /// What the listed refunds that succeeded add up to, in fen (`None` past `u64`).
    pub fn refunded(&self) -> Option<u64> {
        self.refunds
            .iter()
            .filter(|r| r.refund_status == RefundStatus::Success)
            .try_fold(0u64, |sum, r| sum.checked_add(r.refund_fee.get()))
    }
}

/// Reads and verifies an answer of these endpoints: `status` not 0 is the gateway's
/// unsigned refusal ([`SwiftpassError::Status`]); otherwise the signature is required
/// and checked under `key`, then the declared rules; `result_code` not 0 is a verified
/// business refusal ([`SwiftpassError::Refused`]).
pub fn read_answer<T>(body: &[u8], key: &VerifyKey) -> Result<Verified<T>, SwiftpassError>
where
    T: PayResponse + FieldAccess,
{
    let mut fields =
        decode::parse_body(Format::Xml, body, &Limits::default()).map_err(VerifyError::from)?;
    verify::refuse_unsigned_failure(T::SCHEMA, &fields).map_err(SwiftpassError::from_unsigned)?;
    check_signature(&mut fields, key)?;
    let verified = verify::decode_checked::<T>(fields)?;
    let result = |name: &str| {
        verified
            .fields
            .get(name)
            .and_then(|n| n.as_str())
            .map(str::to_owned)
    };
    let result_code = result("result_code").unwrap_or_default();
    if !matches!(result_code.as_str(), "0" | "SUCCESS") {
        return Err(SwiftpassError::Refused {
            result_code,
            err_code: result("err_code"),
            err_msg: result("err_msg"),
            fields: Box::new(verified.fields),
        });
    }
    Ok(verified)
}

/// A signed request of these endpoints, posted to the gateway URL as given (the same
/// URL as the order's, [`crate::swiftpass::gateway_url`]).
pub fn lifecycle_request<R: PayRequest>(
    gateway_url: &str,
    request: &R,
    key: &R::Key,
) -> Result<crate::HttpRequest, paywire::Error> {
    paywire::http_request::post(gateway_url, request.to_body(key)?, &[])
}
