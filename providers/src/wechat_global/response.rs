//! WeChat Pay Global v3: the JSAPI order's answer (verified by its `Wechatpay-*`
//! headers), the typed error body, the request `Authorization`, and notifications.

use crate::wechat::v3::{self as wechat_v3, MerchantSigner, OpenedNotification, PlatformKeys};
use paywire::ledger::{MustMatch, OrderKey, Payment};
use paywire::{Body, Fen, PayObject, PayResponse, Secret, TextOrNumber, VerifyError};

/// The endpoint's path below the base URL (signed in the `Authorization` message).
pub const PATH: &str = "/v3/global/transactions/jsapi";

/// The `Authorization` header for posting `body` to [`PATH`].
pub fn authorization(signer: &MerchantSigner, body: &Body, timestamp: i64, nonce: &str) -> String {
    signer.authorization("POST", PATH, timestamp, nonce, body.as_bytes())
}

/// 正常返回: the prepay id.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct PrepayAnswer {
    /// 预支付交易会话标识,有效期为2小时
    #[pay(len = 1..=64)]
    pub prepay_id: String,
}

paywire::wire_enum! {
    /// 错误码 of an error answer.
    pub enum ErrorCode {
        /// 商户无此接口权限
        NoAuth = "NO_AUTH",
        /// 余额不足
        NotEnough = "NOT_ENOUGH",
        /// 商户订单已支付
        OrderPaid = "ORDER_PAID",
        /// 订单已关闭
        OrderClosed = "ORDERCLOSED",
        /// 系统错误: call again with the same parameters
        SystemError = "SYSTEM_ERROR",
        /// APPID不存在
        AppidNotExist = "APPID_NOT_EXIST",
        /// MchID不存在
        MchidNotExist = "MCHID_NOT_EXIST",
        /// appid和mchid不匹配
        AppidMchidNotMatch = "APPID_MCHID_NOT_MATCH",
        /// 缺少参数
        LackParams = "LACK_PARAMS",
        /// 商户订单号重复
        OutTradeNoUsed = "OUT_TRADE_NO_USED",
        /// 签名错误
        SignError = "SIGN_ERROR",
        /// 请使用post方法
        RequirePostMethod = "REQUIRE_POST_METHOD",
        /// post数据为空
        PostDataEmpty = "POST_DATA_EMPTY",
        /// 编码格式错误
        NotUtf8 = "NOT_UTF8",
        /// 参数错误 (comes with `detail`)
        ParamError = "PARAM_ERROR",
        /// 参数格式校验错误
        InvalidRequest = "INVALID_REQUEST",
    }
}

impl ErrorCode {
    /// The document's 解决方案 for the code.
    pub fn solution(&self) -> &'static str {
        match self {
            ErrorCode::NoAuth => "请商户前往申请此接口权限",
            ErrorCode::NotEnough => "用户账号余额不足,请用户充值或更换支付卡后再支付",
            ErrorCode::OrderPaid => "商户订单已支付,无需更多操作",
            ErrorCode::OrderClosed => "当前订单已关闭,请重新下单",
            ErrorCode::SystemError => "系统异常,请用相同参数重新调用",
            ErrorCode::AppidNotExist => "请检查APPID是否正确",
            ErrorCode::MchidNotExist => "请检查MchID是否正确",
            ErrorCode::AppidMchidNotMatch => "请确认appid和mchid是否匹配",
            ErrorCode::LackParams => "请检查参数是否齐全",
            ErrorCode::OutTradeNoUsed => "请核实商户订单号是否重复提交",
            ErrorCode::SignError => "请检查签名参数和方法是否都符合签名算法要求",
            ErrorCode::RequirePostMethod => "请检查请求参数是否通过post方法提交",
            ErrorCode::PostDataEmpty => "请检查post数据是否为空",
            ErrorCode::NotUtf8 => "请使用UTF-8编码格式",
            ErrorCode::ParamError | ErrorCode::InvalidRequest => "请根据 detail 修正参数",
            ErrorCode::Other(_) => "",
        }
    }

    /// Whether the same request may be sent again unchanged (`SYSTEM_ERROR` only).
    pub fn retry_same_request(&self) -> bool {
        *self == ErrorCode::SystemError
    }
}

/// 异常返回: `{code, message, detail}`.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct ErrorAnswer {
    /// 错误码
    pub code: ErrorCode,
    /// 返回信息
    pub message: String,
    /// 详细的错误描述 (当code为PARAM_ERROR时返回)
    pub detail: Option<ErrorDetail>,
}

/// `detail` of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct ErrorDetail {
    /// 指示错误参数的位置: a JSON pointer into the body, or a URL/query parameter name
    pub field: Option<String>,
    /// 错误参数的值
    pub value: Option<TextOrNumber>,
    /// 具体错误原因
    pub issue: Option<String>,
    /// 错误参数的位置: body / url / query
    pub location: Option<String>,
}

/// Why an order was not placed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WechatGlobalError {
    /// The answer could not be trusted: signature, serial, timestamp, or body.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// An error answer. `verified` is false when it carried no signature (WeChat Pay does
    /// not sign every error, such as one about the merchant's own signature).
    #[error("HTTP {status} {}: {}{}", answer.code, answer.message,
        answer.detail.as_ref().and_then(|d| d.field.as_deref()).map(|f| format!(" ({f})")).unwrap_or_default())]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The error body.
        answer: Box<ErrorAnswer>,
        /// Whether its signature was checked.
        verified: bool,
    },
}

/// Reads the answer to a JSAPI order: a 2xx answer must carry a valid signature from a
/// known platform key within the timestamp window; an error answer is verified when it
/// is signed.
pub fn read_answer(
    keys: &PlatformKeys,
    status: u16,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<PrepayAnswer, WechatGlobalError> {
    // Strict parsing first (hostile input is reported as such), then the signature over
    // the raw bytes.
    if (200..300).contains(&status) {
        let answer = PrepayAnswer::decode_unsigned(body)?.value;
        wechat_v3::verify_message(keys, headers, body, now)?;
        return Ok(answer);
    }
    let answer = ErrorAnswer::decode_unsigned(body)?.value;
    let verified = if headers.contains_key("Wechatpay-Signature") {
        wechat_v3::verify_message(keys, headers, body, now)?;
        true
    } else {
        false
    };
    Err(WechatGlobalError::Refused {
        status,
        answer: Box::new(answer),
        verified,
    })
}

/// The name payments of this gateway are keyed under in a [`Ledger`](paywire::ledger::Ledger).
pub const GATEWAY: &str = "wechat-global";

/// `amount` of a notified transaction.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct TransactionAmount {
    /// 订单金额, in the currency's smallest unit
    pub total: Fen,
    /// 标价币种 (ISO 4217)
    #[pay(len = 3..=3)]
    pub currency: String,
    /// 用户支付金额
    pub payer_total: Option<Fen>,
    /// 用户支付币种
    #[pay(len = 3..=3)]
    pub payer_currency: Option<String>,
}

/// `payer` of a notified transaction.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct TransactionPayer {
    /// 用户标识 (直连模式)
    pub openid: Option<String>,
    /// 用户在机构 appid 下的标识 (机构模式)
    pub sp_openid: Option<String>,
    /// 用户在子商户 appid 下的标识 (机构模式)
    pub sub_openid: Option<String>,
}

/// The decrypted `transaction` resource of a payment notification.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct Transaction {
    /// 商户号 (直连模式)
    pub mchid: Option<String>,
    /// APPID (直连模式)
    pub appid: Option<String>,
    /// 机构商户号 (机构模式)
    pub sp_mchid: Option<String>,
    /// 子商户号 (机构模式)
    pub sub_mchid: Option<String>,
    /// 商户订单号
    pub out_trade_no: String,
    /// 微信支付订单号
    pub transaction_id: String,
    /// 交易类型
    pub trade_type: Option<String>,
    /// 交易状态: SUCCESS, REFUND, NOTPAY, CLOSED, ...
    pub trade_state: String,
    /// 交易状态描述
    pub trade_state_desc: Option<String>,
    /// 付款银行
    pub bank_type: Option<String>,
    /// 附加数据
    pub attach: Option<String>,
    /// 支付完成时间
    pub success_time: Option<String>,
    /// 金额 (required when `trade_state` is SUCCESS)
    #[pay(required_if(trade_state = "SUCCESS"))]
    pub amount: Option<TransactionAmount>,
    /// 支付者
    pub payer: Option<TransactionPayer>,
}

impl Transaction {
    /// Paid: `trade_state` SUCCESS.
    pub fn is_paid(&self) -> bool {
        self.trade_state == "SUCCESS"
    }

    /// The payment, keyed on the merchant's `out_trade_no`, with the order's `total` and
    /// `currency` (not the payer's, which may differ by exchange or discount); `None`
    /// unless paid: `SUCCESS`, or, in a query's answer, `REFUND` (paid, then refunded in
    /// part or whole), so that a payment whose notifications never got through can be
    /// applied from the query once (`paywire_axum::Notifications::recovery`).
    pub fn payment(&self) -> Option<Payment> {
        if !self.is_paid() && self.trade_state != "REFUND" {
            return None;
        }
        let amount = self.amount.as_ref()?;
        Some(Payment {
            key: OrderKey::new(GATEWAY, &self.out_trade_no),
            order: self.out_trade_no.clone(),
            amount: amount.total,
            currency: Some(amount.currency.clone()),
            gateway_order: Some(self.transaction_id.clone()),
            must_match: MustMatch {
                gateway_order: false,
                currency: true,
            },
        })
    }
}

/// Verifies (signature, 300 s window) and decrypts a payment notification, and decodes
/// its transaction. Pure: it records nothing, so WeChat Pay's redelivery of the same
/// notification with fresh headers verifies again; apply the [`Transaction::payment`]
/// once through a [`Ledger`](paywire::ledger::Ledger), then answer HTTP 200 or 204.
pub fn open_notification(
    keys: &PlatformKeys,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
    apiv3_key: &Secret,
) -> Result<(OpenedNotification, Transaction), VerifyError> {
    open_resource(keys, headers, body, now, apiv3_key)
}

/// Verifies and decrypts a v3 notification and decodes its resource as `T`: decrypted
/// means authentic, and `T`'s declared rules are checked all the same. What the payment
/// and the refund notifications share.
pub(crate) fn open_resource<T: PayResponse>(
    keys: &PlatformKeys,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
    apiv3_key: &Secret,
) -> Result<(OpenedNotification, T), VerifyError> {
    let opened = wechat_v3::open_notification(keys, headers, body, now, apiv3_key)?;
    let resource = decode_resource(&opened)?;
    Ok((opened, resource))
}

/// Decodes an opened notification's resource as `T`, its declared rules checked.
pub(crate) fn decode_resource<T: PayResponse>(
    opened: &OpenedNotification,
) -> Result<T, VerifyError> {
    let fields = paywire::decode::parse_body(
        paywire::schema::Format::Json,
        opened.plaintext.as_bytes(),
        &paywire::decode::Limits::default(),
    )?;
    Ok(paywire::verify::decode_checked::<T>(fields)?.value)
}

/// Whether an answer asks for the same request again (`SYSTEM_ERROR`: "请用相同参数重新
/// 调用"); pass it to `paywire::client::Client::send_repeatable`. Every other error,
/// and any answer that cannot be read, is final.
pub fn may_repeat(answer: &http::Response<Vec<u8>>) -> bool {
    !answer.status().is_success()
        && ErrorAnswer::decode_unsigned(answer.body())
            .is_ok_and(|a| a.value.code.retry_same_request())
}
