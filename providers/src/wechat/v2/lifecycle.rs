//! WeChat Pay v2's refund (`POST /secapi/pay/refund`, mutual TLS with the merchant's
//! certificate) and refund query (`POST /pay/refundquery`), which merchants of the v2 and
//! Global v2 APIs call. Requests are XML signed `MD5` or `HMAC-SHA256`, chosen by the key
//! (`sign_type` must name it); answers are signed the same way without naming it, except
//! a `return_code` FAIL, which WeChat sends unsigned. The refund query's `_$n` members are
//! one indexed family, with each refund's coupons the family `_$n_$m` inside it.
//!
//! Sources: WeChat Pay's 申请退款 and 查询退款 tables as the public SDKs implement them
//! (wechatpy, shenghui0779/sdk-go's `mch/refund.go`), and sdk-go's `mch/refund_test.go`,
//! whose requests and answers the tests check byte for byte.

use crate::HttpRequest;
use paywire::http_request::post;
use paywire::sign::SignTypeVerifyKey;
use paywire::{Fen, PayObject, PayRequest, PayResponse, Verified, VerifyError};

/// Production base URL.
pub const BASE_URL: &str = "https://api.mch.weixin.qq.com";
/// The refund's path (the merchant's client certificate is required there).
pub const REFUND_PATH: &str = "/secapi/pay/refund";
/// The refund query's path.
pub const REFUND_QUERY_PATH: &str = "/pay/refundquery";

/// 申请退款: part or all of a paid order, by exactly one of `transaction_id` and
/// `out_trade_no`; the same `out_refund_no` sent again is the same refund.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "xml", sign = custom(paywire::sign::SignType))]
pub struct Refund {
    /// 公众账号ID
    #[pay(len = 1..=32)]
    pub appid: String,
    /// 商户号
    #[pay(len = 1..=32)]
    pub mch_id: String,
    /// 随机字符串
    #[pay(len = 1..=32, alphanumeric)]
    pub nonce_str: String,
    /// 签名类型: MD5 (默认) 或 HMAC-SHA256, the key's
    #[pay(one_of("MD5", "HMAC-SHA256"))]
    pub sign_type: Option<String>,
    /// 微信订单号 (this or out_trade_no)
    #[pay(len = 1..=32, alphanumeric, group = "platform")]
    pub transaction_id: Option<String>,
    /// 商户订单号 (this or transaction_id)
    #[pay(len = 1..=32, trade_no, group = "merchant")]
    pub out_trade_no: Option<String>,
    /// 商户退款单号: one refund, however often it is sent
    #[pay(len = 1..=64, trade_no)]
    pub out_refund_no: String,
    /// 订单金额,单位为分
    #[pay(range = 1..)]
    pub total_fee: Fen,
    /// 退款金额,单位为分
    #[pay(range = 1..)]
    pub refund_fee: Fen,
    /// 退款货币种类,默认 CNY
    #[pay(len = 3..=8)]
    pub refund_fee_type: Option<String>,
    /// 退款原因
    #[pay(len = 1..=80)]
    pub refund_desc: Option<String>,
    /// 退款资金来源
    #[pay(one_of("REFUND_SOURCE_UNSETTLED_FUNDS", "REFUND_SOURCE_RECHARGE_FUNDS"))]
    pub refund_account: Option<String>,
    /// 退款结果通知url
    #[pay(len = 1..=256, url)]
    pub notify_url: Option<String>,
}

/// 查询退款: the refunds of an order, by exactly one of its refund's WeChat id, its
/// refund number, the order's WeChat id or the order's number (WeChat's own precedence).
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "xml", sign = custom(paywire::sign::SignType))]
pub struct RefundQuery {
    /// 公众账号ID
    #[pay(len = 1..=32)]
    pub appid: String,
    /// 商户号
    #[pay(len = 1..=32)]
    pub mch_id: String,
    /// 随机字符串
    #[pay(len = 1..=32, alphanumeric)]
    pub nonce_str: String,
    /// 签名类型: MD5 (默认) 或 HMAC-SHA256, the key's
    #[pay(one_of("MD5", "HMAC-SHA256"))]
    pub sign_type: Option<String>,
    /// 微信退款单号
    #[pay(len = 1..=32, alphanumeric, group = "refund_id")]
    pub refund_id: Option<String>,
    /// 商户退款单号
    #[pay(len = 1..=64, trade_no, group = "out_refund_no")]
    pub out_refund_no: Option<String>,
    /// 微信订单号
    #[pay(len = 1..=32, alphanumeric, group = "transaction_id")]
    pub transaction_id: Option<String>,
    /// 商户订单号
    #[pay(len = 1..=32, trade_no, group = "out_trade_no")]
    pub out_trade_no: Option<String>,
    /// 偏移量: the first refund listed, for orders with more than 10
    pub offset: Option<u32>,
}

/// Declares an answer with the members every WeChat Pay v2 answer carries spliced
/// before its own: signed when `return_code` is SUCCESS, the gateway's unsigned failure
/// otherwise.
macro_rules! answer {
    ($(#[$attr:meta])* $name:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
        #[pay(
            format = "xml",
            sign = custom(paywire::sign::KeyTypeVerify),
            signed_if(return_code = "SUCCESS")
        )]
        pub struct $name {
            /// 返回状态码: SUCCESS / FAIL (the communication, not the business result)
            #[pay(one_of("SUCCESS", "FAIL"))]
            pub return_code: String,
            /// 返回信息
            pub return_msg: Option<String>,
            /// 业务结果: SUCCESS / FAIL
            #[pay(one_of("SUCCESS", "FAIL"))]
            pub result_code: String,
            /// 错误代码
            pub err_code: Option<String>,
            /// 错误代码描述
            pub err_code_des: Option<String>,
            /// 公众账号ID
            #[pay(len = 1..=32)]
            pub appid: String,
            /// 商户号
            #[pay(len = 1..=32)]
            pub mch_id: String,
            /// 随机字符串
            #[pay(len = 1..=32)]
            pub nonce_str: String,
            $($fields)*
        }
    };
}

answer! {
    /// The answer to [`Refund`]: the refund accepted (`result_code` SUCCESS; WeChat then
    /// pays it out, and the refund query or notification says when it is done).
    RefundAnswer {
        /// 微信订单号
        #[pay(len = 1..=32, alphanumeric, required_if(result_code = "SUCCESS"))]
        pub transaction_id: Option<String>,
        /// 商户订单号
        #[pay(len = 1..=32, trade_no, required_if(result_code = "SUCCESS"))]
        pub out_trade_no: Option<String>,
        /// 商户退款单号
        #[pay(len = 1..=64, trade_no, required_if(result_code = "SUCCESS"))]
        pub out_refund_no: Option<String>,
        /// 微信退款单号
        #[pay(len = 1..=32, alphanumeric, required_if(result_code = "SUCCESS"))]
        pub refund_id: Option<String>,
        /// 退款金额
        #[pay(required_if(result_code = "SUCCESS"))]
        pub refund_fee: Option<Fen>,
        /// 应结退款金额
        pub settlement_refund_fee: Option<Fen>,
        /// 标价金额
        pub total_fee: Option<Fen>,
        /// 现金支付金额
        pub cash_fee: Option<Fen>,
        /// 现金退款金额
        pub cash_refund_fee: Option<Fen>,
    }
}

answer! {
    /// The answer to [`RefundQuery`]: the order's refunds, `refund_count` of them, as the
    /// indexed family `out_refund_no_$n`, `refund_fee_$n`, ... (numbered from 0).
    RefundQueryAnswer {
        /// 订单总退款次数 (present when there are more than 10)
        pub total_refund_count: Option<u32>,
        /// 微信订单号
        #[pay(len = 1..=32, alphanumeric)]
        pub transaction_id: Option<String>,
        /// 商户订单号
        #[pay(len = 1..=32, trade_no, required_if(result_code = "SUCCESS"))]
        pub out_trade_no: Option<String>,
        /// 订单金额
        pub total_fee: Option<Fen>,
        /// 现金支付金额
        pub cash_fee: Option<Fen>,
        /// 退款笔数 (this page's)
        #[pay(range = ..=50)]
        pub refund_count: Option<u32>,
        /// 退款记录: `out_refund_no_$n`, `refund_id_$n`, `refund_fee_$n`,
        /// `refund_status_$n`, ... and each refund's coupons `coupon_refund_id_$n_$m`, ...
        #[pay(indexed(count = "refund_count"))]
        pub refunds: Vec<RefundRecord>,
    }
}

/// One refund of a [`RefundQueryAnswer`]: the members `out_refund_no_$n`, ... of refund
/// `$n`.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct RefundRecord {
    /// 商户退款单号
    #[pay(len = 1..=64, trade_no)]
    pub out_refund_no: String,
    /// 微信退款单号
    #[pay(len = 1..=32, alphanumeric)]
    pub refund_id: String,
    /// 退款渠道: ORIGINAL 原路退款, BALANCE 退回到余额, ...
    pub refund_channel: Option<String>,
    /// 申请退款金额
    pub refund_fee: Fen,
    /// 退款金额 (less non-cash coupons)
    pub settlement_refund_fee: Option<Fen>,
    /// 代金券退款总金额
    pub coupon_refund_fee: Option<Fen>,
    /// 退款代金券使用数量
    #[pay(range = ..=50)]
    pub coupon_refund_count: Option<u32>,
    /// 代金券: `coupon_refund_id_$n_$m`, `coupon_refund_fee_$n_$m`, `coupon_type_$n_$m`
    #[pay(indexed(count = "coupon_refund_count"))]
    pub coupons: Vec<CouponRefund>,
    /// 退款状态: SUCCESS, REFUNDCLOSE, PROCESSING, CHANGE
    #[pay(one_of("SUCCESS", "REFUNDCLOSE", "PROCESSING", "CHANGE"))]
    pub refund_status: String,
    /// 退款资金来源
    pub refund_account: Option<String>,
    /// 退款入账账户
    pub refund_recv_accout: Option<String>,
    /// 退款成功时间, `yyyy-MM-dd HH:mm:ss`
    #[pay(datetime)]
    pub refund_success_time: Option<String>,
}

/// One coupon of a refund: `coupon_refund_id_$n_$m`, ...
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct CouponRefund {
    /// 退款代金券ID
    #[pay(len = 1..=20)]
    pub coupon_refund_id: String,
    /// 单个代金券退款金额
    pub coupon_refund_fee: Fen,
    /// 代金券类型: CASH, NO_CASH
    #[pay(one_of("CASH", "NO_CASH"))]
    pub coupon_type: Option<String>,
}

impl RefundQueryAnswer {
    /// The refund the merchant numbered `out_refund_no`, if this page lists it.
    pub fn refund(&self, out_refund_no: &str) -> Option<&RefundRecord> {
        self.refunds
            .iter()
            .find(|r| r.out_refund_no == out_refund_no)
    }

    /// What this page's refunds that succeeded add up to, in fen (`None` past `u64`).
    pub fn refunded(&self) -> Option<u64> {
        self.refunds
            .iter()
            .filter(|r| r.refund_status == "SUCCESS")
            .try_fold(0u64, |sum, r| sum.checked_add(r.refund_fee.get()))
    }
}

/// Why a refund or refund query was not made, or not accepted.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The request breaks its rules, or cannot be built.
    #[error(transparent)]
    Request(#[from] paywire::Error),
    /// A refund above the order's total: refused before signing.
    #[error("refund of {refund} fen is above the order's {total} fen")]
    AboveTotal {
        /// The refund asked for.
        refund: Fen,
        /// The order's total.
        total: Fen,
    },
    /// The answer is malformed, hostile or not authentic; or `return_code` FAIL, which
    /// WeChat sends unsigned (`VerifyError::Unsigned`, its reason unauthenticated).
    #[error(transparent)]
    Answer(#[from] VerifyError),
    /// A verified `result_code` FAIL.
    #[error("WeChat Pay refused the request: {code}{}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Refused {
        /// `err_code`.
        code: String,
        /// `err_code_des`.
        description: Option<String>,
    },
}

/// The refund, posted to `{base}/secapi/pay/refund`; a refund above the order's total is
/// refused before it is signed. Send it with the merchant's client certificate
/// (`paywire::client::ClientOptions::identity`), and through the merchant's ledger
/// under its `out_refund_no` so it is never above what was paid.
pub fn refund_request(
    base_url: &str,
    refund: &Refund,
    key: &paywire::sign::SignTypeKey,
) -> Result<HttpRequest, LifecycleError> {
    if refund.refund_fee > refund.total_fee {
        return Err(LifecycleError::AboveTotal {
            refund: refund.refund_fee,
            total: refund.total_fee,
        });
    }
    let url = paywire::http_request::join(base_url, REFUND_PATH);
    Ok(post(&url, refund.to_body(key)?, &[])?)
}

/// The refund query, posted to `{base}/pay/refundquery`.
pub fn refund_query_request(
    base_url: &str,
    query: &RefundQuery,
    key: &paywire::sign::SignTypeKey,
) -> Result<HttpRequest, paywire::Error> {
    let url = paywire::http_request::join(base_url, REFUND_QUERY_PATH);
    post(&url, query.to_body(key)?, &[])
}

/// Reads an answer: `return_code` FAIL is WeChat's unsigned failure (an error carrying its
/// reason, never verified); otherwise the signature is checked under `key`'s algorithm
/// only, then the declared rules (and the indexed families); `result_code` FAIL is a
/// verified refusal.
pub fn read_answer<T>(body: &[u8], key: &SignTypeVerifyKey) -> Result<Verified<T>, LifecycleError>
where
    T: PayResponse<Key = SignTypeVerifyKey>,
{
    let verified = T::verify_body(body, key)?;
    let member = |name: &str| {
        verified
            .fields
            .get(name)
            .and_then(|n| n.as_str())
            .map(str::to_owned)
    };
    if member("result_code").as_deref() != Some("SUCCESS") {
        return Err(LifecycleError::Refused {
            code: member("err_code").unwrap_or_default(),
            description: member("err_code_des"),
        });
    }
    Ok(verified)
}
