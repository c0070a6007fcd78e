//! WeChat Pay Global after the order: query (`GET /v3/global/transactions/out-trade-no/
//! {out_trade_no}`, or `.../id/{transaction_id}` by WeChat Pay's id), close (`POST .../{out_trade_no}/close`, answered 204), refund
//! (`POST /v3/global/refunds`), refund query (`GET /v3/global/refunds/out-refund-no/
//! {out_refund_no}`) and the refund notification. Every request carries the v3
//! `Authorization` over the path and query the gateway sees; every answer, 204 included,
//! is signed in its headers and checked against the platform keys; the refund
//! notification is the same envelope as a payment's (headers signed over the raw body,
//! AES-256-GCM `resource`), acknowledged with HTTP 200 like it.
//!
//! The gateway's document covers the JSAPI order only. These tables follow WeChat Pay's
//! v3 conventions as the Global API uses them (merchant in the query string or body in
//! direct or institution form; amounts in the currency's smallest unit with their
//! currency); where no source gives a member it is optional, and undeclared members are
//! kept (see GATEWAYS.md).

use super::{Transaction, WechatGlobalError, GATEWAY};
use crate::wechat::v3::{self as wechat_v3, MerchantSigner, OpenedNotification, PlatformKeys};
use crate::HttpRequest;
use http::header::AUTHORIZATION;
use paywire::http_request::{join, path_segment};
use paywire::ledger::{OrderKey, RefundOutcome, RefundResult};
use paywire::{Error, Fen, PayObject, PayRequest, PayResponse, Secret, VerifyError};

/// Declares a request with the merchant it is for, in direct (`mchid`) or institution
/// (`sp_mchid` + `sub_mchid`) form, as exclusive groups, after its own members.
macro_rules! merchant_request {
    ($(#[$attr:meta])* $name:ident { $($fields:tt)* }) => {
        #[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
        $(#[$attr])*
        pub struct $name {
            $($fields)*
            /// 商户号 (直连模式)
            #[pay(len = 1..=32, alphanumeric, group = "direct")]
            pub mchid: Option<String>,
            /// 机构商户号 (机构模式)
            #[pay(len = 1..=32, alphanumeric, group = "institution")]
            pub sp_mchid: Option<String>,
            /// 子商户号 (机构模式)
            #[pay(len = 1..=32, alphanumeric, group = "institution")]
            pub sub_mchid: Option<String>,
        }
    };
}

merchant_request! {
    /// 查询订单 by the merchant's order number; the merchant travels in the query string.
    #[pay(format = "form", sign = "none")]
    QueryOrder {
        /// 商户订单号, the URL path parameter
        #[pay(path, len = 1..=32, trade_no)]
        pub out_trade_no: String,
    }
}

merchant_request! {
    /// 查询订单 by WeChat Pay's order id (`transaction_id`, from the order's notification
    /// or a query); the merchant travels in the query string.
    #[pay(format = "form", sign = "none")]
    QueryOrderById {
        /// 微信支付订单号, the URL path parameter
        #[pay(path, len = 1..=32, alphanumeric)]
        pub transaction_id: String,
    }
}

merchant_request! {
    /// 关闭订单: an unpaid order, by the merchant's number; the merchant travels in the body.
    #[pay(format = "json", sign = "none")]
    CloseOrder {
        /// 商户订单号, the URL path parameter
        #[pay(path, len = 1..=32, trade_no)]
        pub out_trade_no: String,
    }
}

/// `amount` of a refund request.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct RefundAmount {
    /// 退款金额, in the currency's smallest unit
    #[pay(range = 1..)]
    pub refund: Fen,
    /// 原订单金额
    #[pay(range = 1..)]
    pub total: Fen,
    /// 退款币种 (ISO 4217), the order's currency
    #[pay(len = 3..=3)]
    pub currency: String,
}

merchant_request! {
    /// 申请退款: part or all of a paid order, named by exactly one of `transaction_id` and
    /// `out_trade_no`, under the merchant's refund number (a retry under the same number
    /// refunds once). `amount.refund` above `amount.total` is refused before sending.
    #[pay(format = "json", sign = "none", validate_with = check_refund)]
    RefundRequest {
        /// 微信支付订单号 (this or out_trade_no)
        #[pay(len = 1..=32, alphanumeric)]
        pub transaction_id: Option<String>,
        /// 商户订单号 (this or transaction_id)
        #[pay(len = 1..=32, trade_no)]
        pub out_trade_no: Option<String>,
        /// 商户退款单号: one refund, however often it is sent
        #[pay(len = 1..=64, trade_no)]
        pub out_refund_no: String,
        /// 退款原因
        #[pay(len = 1..=80)]
        pub reason: Option<String>,
        /// 退款结果回调url
        #[pay(len = 1..=256, https_url)]
        pub notify_url: Option<String>,
        /// 金额信息
        pub amount: RefundAmount,
    }
}

fn check_refund(
    refund: &RefundRequest,
    at: &paywire::Path<'_>,
    errors: &mut paywire::SchemaErrors,
) {
    let custom = |rule: &'static str, path: String, message: String, actual| paywire::SchemaError {
        path,
        violation: paywire::Violation::Custom { rule, message },
        actual,
    };
    if refund.transaction_id.is_some() == refund.out_trade_no.is_some() {
        errors.push(custom(
            "one_order_id",
            at.key("out_trade_no").to_string(),
            "name the order by exactly one of transaction_id and out_trade_no".into(),
            paywire::Actual::Missing,
        ));
    }
    if refund.amount.refund > refund.amount.total {
        errors.push(custom(
            "refund_within_total",
            at.key("amount").key("refund").to_string(),
            format!(
                "amount.refund {} is above amount.total {}; refund at most the order's total",
                refund.amount.refund.get(),
                refund.amount.total.get()
            ),
            paywire::Actual::Int(i128::from(refund.amount.refund.get())),
        ));
    }
}

merchant_request! {
    /// 查询单笔退款 by the merchant's refund number; the merchant travels in the query string.
    #[pay(format = "form", sign = "none")]
    QueryRefund {
        /// 商户退款单号, the URL path parameter
        #[pay(path, len = 1..=64, trade_no)]
        pub out_refund_no: String,
    }
}

/// `amount` of a refund answer or notification.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct RefundAmountAnswer {
    /// 退款金额: a refund of nothing is no refund
    #[pay(range = 1..)]
    pub refund: Fen,
    /// 原订单金额
    pub total: Option<Fen>,
    /// 退款币种
    #[pay(len = 3..=3)]
    pub currency: String,
    /// 用户退款金额
    pub payer_refund: Option<Fen>,
    /// 用户支付币种
    #[pay(len = 3..=3)]
    pub payer_currency: Option<String>,
}

paywire::wire_enum! {
    /// A refund's state.
    pub enum RefundStatus {
        /// 退款成功
        Success = "SUCCESS",
        /// 退款关闭
        RefundClose = "REFUNDCLOSE",
        /// 退款处理中
        Processing = "PROCESSING",
        /// 退款异常: the merchant resolves it (another account, or by hand)
        Abnormal = "ABNORMAL",
        /// 退款关闭 (the refund notification's spelling)
        Closed = "CLOSED",
    }
}

/// The answer to a refund or a refund query (signed in its headers).
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct RefundAnswer {
    /// 微信支付退款单号
    #[pay(len = 1..=64)]
    pub id: String,
    /// 商户退款单号
    #[pay(len = 1..=64, trade_no)]
    pub out_refund_no: String,
    /// 微信支付订单号
    #[pay(len = 1..=32, alphanumeric)]
    pub transaction_id: Option<String>,
    /// 商户订单号
    #[pay(len = 1..=32, trade_no)]
    pub out_trade_no: Option<String>,
    /// 退款状态
    pub status: Option<RefundStatus>,
    /// 退款成功时间
    #[pay(rfc3339)]
    pub success_time: Option<String>,
    /// 退款创建时间
    #[pay(rfc3339)]
    pub create_time: Option<String>,
    /// 金额信息
    pub amount: RefundAmountAnswer,
}

merchant_request! {
    /// 查询所有退款: every refund of an order, by the merchant's order number; the
    /// merchant travels in the query string with it.
    #[pay(format = "form", sign = "none")]
    QueryRefunds {
        /// 商户订单号
        #[pay(len = 1..=32, trade_no)]
        pub out_trade_no: String,
    }
}

/// The answer to [`QueryRefunds`] (signed in its headers): the order's refunds.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct RefundList {
    /// 退款笔数
    pub total_count: Option<u64>,
    /// 退款列表
    pub data: Vec<RefundAnswer>,
}

impl RefundList {
    /// What the order's successful refunds add up to.
    pub fn refunded(&self) -> Fen {
        Fen::new(
            self.data
                .iter()
                .filter(|r| r.status == Some(RefundStatus::Success))
                .map(|r| r.amount.refund.get())
                .sum(),
        )
    }
}

/// The decrypted `resource` of a refund notification (`event_type` REFUND.SUCCESS,
/// REFUND.ABNORMAL or REFUND.CLOSED). Decrypted means authentic; check it against the
/// merchant's own refund all the same ([`RefundNotice::matches`]).
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct RefundNotice {
    /// 商户号 (直连模式)
    pub mchid: Option<String>,
    /// 机构商户号 (机构模式)
    pub sp_mchid: Option<String>,
    /// 子商户号 (机构模式)
    pub sub_mchid: Option<String>,
    /// 商户订单号
    #[pay(len = 1..=32, trade_no)]
    pub out_trade_no: String,
    /// 微信支付订单号
    #[pay(len = 1..=32, alphanumeric)]
    pub transaction_id: String,
    /// 商户退款单号
    #[pay(len = 1..=64, trade_no)]
    pub out_refund_no: String,
    /// 微信支付退款单号
    #[pay(len = 1..=64)]
    pub refund_id: String,
    /// 退款状态
    pub refund_status: RefundStatus,
    /// 退款成功时间
    #[pay(rfc3339)]
    pub success_time: Option<String>,
    /// 金额信息
    pub amount: RefundAmountAnswer,
}

/// Why a refund notification does not match the merchant's refund.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundMismatch {
    /// Another order or refund number.
    #[error("the notification is for order {order} refund {refund_no}, not this refund")]
    OtherRefund {
        /// Its order.
        order: String,
        /// Its refund number.
        refund_no: String,
    },
    /// Another amount or currency.
    #[error("the notification refunds {amount} {currency}, not the {expected} {expected_currency} recorded")]
    Amount {
        /// Its amount.
        amount: u64,
        /// Its currency.
        currency: String,
        /// The merchant's amount.
        expected: u64,
        /// The merchant's currency.
        expected_currency: String,
    },
}

impl RefundNotice {
    /// Whether the refund succeeded.
    pub fn is_success(&self) -> bool {
        self.refund_status == RefundStatus::Success
    }

    /// The order the refund belongs to, as the ledger keys it.
    pub fn order_key(&self) -> OrderKey {
        OrderKey::new(GATEWAY, &self.out_trade_no)
    }

    /// How the refund ended; `None` for a refund still in progress (`PROCESSING`, which
    /// no notification reports).
    pub fn outcome(&self) -> Option<RefundOutcome> {
        let result = match self.refund_status {
            RefundStatus::Success => RefundResult::Succeeded,
            RefundStatus::Closed | RefundStatus::RefundClose => RefundResult::Closed,
            RefundStatus::Abnormal => RefundResult::Abnormal,
            RefundStatus::Other(_) => RefundResult::Unknown,
            RefundStatus::Processing => return None,
        };
        Some(RefundOutcome {
            order: self.order_key(),
            refund_no: self.out_refund_no.clone(),
            amount: self.amount.refund,
            currency: Some(self.amount.currency.clone()),
            gateway_refund: Some(self.refund_id.clone()),
            result,
        })
    }

    /// Checks the notification against the merchant's own record of the refund: the
    /// same order, refund number, amount and currency.
    pub fn matches(
        &self,
        out_trade_no: &str,
        out_refund_no: &str,
        amount: Fen,
        currency: &str,
    ) -> Result<(), RefundMismatch> {
        if self.out_trade_no != out_trade_no || self.out_refund_no != out_refund_no {
            return Err(RefundMismatch::OtherRefund {
                order: self.out_trade_no.clone(),
                refund_no: self.out_refund_no.clone(),
            });
        }
        if self.amount.refund != amount || self.amount.currency != currency {
            return Err(RefundMismatch::Amount {
                amount: self.amount.refund.get(),
                currency: self.amount.currency.clone(),
                expected: amount.get(),
                expected_currency: currency.to_owned(),
            });
        }
        Ok(())
    }
}

/// The query's path and query string, as signed and sent.
fn path_and_query(path: &str, query: &[u8]) -> String {
    match std::str::from_utf8(query).unwrap_or_default() {
        "" => path.to_owned(),
        text => format!("{path}?{text}"),
    }
}

/// Who signs a request, and with which timestamp and nonce.
struct Signing<'a> {
    signer: &'a MerchantSigner,
    timestamp: i64,
    nonce: &'a str,
}

impl<'a> Signing<'a> {
    fn new(signer: &'a MerchantSigner, timestamp: i64, nonce: &'a str) -> Signing<'a> {
        Signing {
            signer,
            timestamp,
            nonce,
        }
    }
}

/// A signed v3 request: `Authorization` over the path and query the gateway sees; a
/// body is JSON.
fn signed_request(
    method: http::Method,
    base_url: &str,
    path_and_query: &str,
    body: Option<Vec<u8>>,
    signing: Signing<'_>,
) -> Result<HttpRequest, Error> {
    let bytes = body.as_deref().unwrap_or_default();
    let authorization = signing.signer.authorization(
        method.as_str(),
        path_and_query,
        signing.timestamp,
        signing.nonce,
        bytes,
    );
    let mut builder = http::Request::builder()
        .method(method)
        .uri(join(base_url, path_and_query))
        .header(AUTHORIZATION, authorization)
        .header(http::header::ACCEPT, "application/json");
    if body.is_some() {
        builder = builder.header(
            http::header::CONTENT_TYPE,
            paywire::schema::Format::Json.content_type(),
        );
    }
    builder
        .body(body.unwrap_or_default())
        .map_err(|_| Error::Unencodable {
            path: "url".into(),
            format: "url",
            reason: "not a valid absolute URL; check the base URL",
        })
}

/// A GET whose merchant travels in the query string: `path?query`, signed as such.
fn get_with_query(
    base_url: &str,
    path: &str,
    query: &paywire::Body,
    signing: Signing<'_>,
) -> Result<HttpRequest, Error> {
    let target = path_and_query(path, query.as_bytes());
    signed_request(http::Method::GET, base_url, &target, None, signing)
}

/// A POST of a JSON body.
fn post_json(
    base_url: &str,
    path: &str,
    body: &paywire::Body,
    signing: Signing<'_>,
) -> Result<HttpRequest, Error> {
    signed_request(
        http::Method::POST,
        base_url,
        path,
        Some(body.as_bytes().to_vec()),
        signing,
    )
}

/// `GET /v3/global/transactions/out-trade-no/{out_trade_no}?mchid=...`.
pub fn query_request(
    base_url: &str,
    query: &QueryOrder,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let path = format!(
        "/v3/global/transactions/out-trade-no/{}",
        path_segment(&query.out_trade_no)
    );
    let signing = Signing::new(signer, timestamp, nonce);
    get_with_query(base_url, &path, &query.to_unsigned_body()?, signing)
}

/// `GET /v3/global/transactions/id/{transaction_id}?mchid=...`; the answer reads as a
/// query by the merchant's number does ([`read_query_answer`]).
pub fn query_by_id_request(
    base_url: &str,
    query: &QueryOrderById,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let path = format!(
        "/v3/global/transactions/id/{}",
        path_segment(&query.transaction_id)
    );
    let signing = Signing::new(signer, timestamp, nonce);
    get_with_query(base_url, &path, &query.to_unsigned_body()?, signing)
}

/// `POST /v3/global/transactions/out-trade-no/{out_trade_no}/close`.
pub fn close_request(
    base_url: &str,
    close: &CloseOrder,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let path = format!(
        "/v3/global/transactions/out-trade-no/{}/close",
        path_segment(&close.out_trade_no)
    );
    let signing = Signing::new(signer, timestamp, nonce);
    post_json(base_url, &path, &close.to_unsigned_body()?, signing)
}

/// The refund path.
pub const REFUND_PATH: &str = "/v3/global/refunds";

/// `POST /v3/global/refunds`.
pub fn refund_request(
    base_url: &str,
    refund: &RefundRequest,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let signing = Signing::new(signer, timestamp, nonce);
    post_json(base_url, REFUND_PATH, &refund.to_unsigned_body()?, signing)
}

/// `GET /v3/global/refunds/out-refund-no/{out_refund_no}?mchid=...`.
pub fn refund_query_request(
    base_url: &str,
    query: &QueryRefund,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let path = format!(
        "{REFUND_PATH}/out-refund-no/{}",
        path_segment(&query.out_refund_no)
    );
    let signing = Signing::new(signer, timestamp, nonce);
    get_with_query(base_url, &path, &query.to_unsigned_body()?, signing)
}

/// Reads a signed answer: a 2xx answer must carry a valid signature from a known platform
/// key within the timestamp window and decode as `T` under its rules; an error answer is
/// [`WechatGlobalError::Refused`] (verified when signed).
pub fn read_signed<T: PayResponse>(
    keys: &PlatformKeys,
    answer: &http::Response<Vec<u8>>,
    now: i64,
) -> Result<T, WechatGlobalError> {
    let (status, headers, body) = (answer.status().as_u16(), answer.headers(), answer.body());
    if (200..300).contains(&status) {
        let fields = paywire::decode::parse_body(
            paywire::schema::Format::Json,
            body,
            &paywire::decode::Limits::default(),
        )
        .map_err(VerifyError::from)?;
        wechat_v3::verify_message(keys, headers, body, now)?;
        return Ok(paywire::verify::decode_checked::<T>(fields)?.value);
    }
    match super::read_answer(keys, status, headers, body, now) {
        Err(e) => Err(e),
        // A non-2xx status never reads as a prepay answer.
        Ok(_) => Err(WechatGlobalError::Verify(VerifyError::malformed(
            paywire::schema::Format::Json,
            "an error status with a success body",
        ))),
    }
}

/// Reads a query's answer: the order's transaction, verified.
pub fn read_query_answer(
    keys: &PlatformKeys,
    answer: &http::Response<Vec<u8>>,
    now: i64,
) -> Result<Transaction, WechatGlobalError> {
    read_signed::<Transaction>(keys, answer, now)
}

/// Reads a close's answer: 204 with an empty body, signed in its headers.
pub fn read_close_answer(
    keys: &PlatformKeys,
    answer: &http::Response<Vec<u8>>,
    now: i64,
) -> Result<(), WechatGlobalError> {
    let (status, headers, body) = (answer.status().as_u16(), answer.headers(), answer.body());
    if (200..300).contains(&status) {
        wechat_v3::verify_message(keys, headers, body, now)?;
        return Ok(());
    }
    read_signed::<Transaction>(keys, answer, now).map(|_| ())
}

/// Reads a refund's or a refund query's answer, verified.
pub fn read_refund_answer(
    keys: &PlatformKeys,
    answer: &http::Response<Vec<u8>>,
    now: i64,
) -> Result<RefundAnswer, WechatGlobalError> {
    read_signed::<RefundAnswer>(keys, answer, now)
}

/// `GET /v3/global/refunds?out_trade_no=...&mchid=...`: every refund of the order.
pub fn refunds_request(
    base_url: &str,
    query: &QueryRefunds,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<HttpRequest, Error> {
    let signing = Signing::new(signer, timestamp, nonce);
    get_with_query(
        base_url,
        "/v3/global/refunds",
        &query.to_unsigned_body()?,
        signing,
    )
}

/// Verifies the answer to [`refunds_request`] and decodes the order's refunds.
pub fn read_refunds_answer(
    keys: &PlatformKeys,
    answer: &http::Response<Vec<u8>>,
    now: i64,
) -> Result<RefundList, WechatGlobalError> {
    read_signed::<RefundList>(keys, answer, now)
}

/// Verifies (signature, 300 s window) and decrypts a refund notification, and decodes
/// its refund. Pure: it records nothing. Check it against the merchant's refund
/// ([`RefundNotice::matches`]), record it once, then answer HTTP 200 or 204 (never the v2
/// XML `SUCCESS`).
pub fn open_refund_notification(
    keys: &PlatformKeys,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
    apiv3_key: &Secret,
) -> Result<(OpenedNotification, RefundNotice), VerifyError> {
    super::response::open_resource(keys, headers, body, now, apiv3_key)
}
