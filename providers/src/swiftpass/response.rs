//! SwiftPass responses and payment notifications, verified over every received field.

use super::answer::answer;
use paywire::decode::{self, Limits};
use paywire::keys::PublicKey;
use paywire::ledger::{MustMatch, OrderKey, Payment};
use paywire::schema::Format;
use paywire::sign::{Digest, RsaSha256};
use paywire::verify::{self, take_signature, Verifying};
use paywire::NodeObject;
use paywire::{Fen, PayResponse, Secret, Verified, VerifyError};

/// What the merchant answers a notification with, as plain text, once it is handled.
pub const NOTIFY_ACK: &str = "success";

/// The key responses and notifications are verified with; the received `sign_type` must
/// name the same scheme (a message cannot switch it).
#[derive(Debug, Clone)]
pub enum VerifyKey {
    /// `sign_type` MD5 (the default): sorted `k=v&...&key=KEY`, MD5.
    Md5(Secret),
    /// `sign_type` RSA_1_256: SHA256withRSA over the same sorted string without the key
    /// suffix, with the platform's public key.
    Rsa(PublicKey),
}

/// Verifies the signature in `fields` (and removes it) under `key`.
pub fn check_signature(fields: &mut NodeObject, key: &VerifyKey) -> Result<(), VerifyError> {
    let sign_type = fields
        .get("sign_type")
        .and_then(|n| n.as_str())
        .unwrap_or("MD5")
        .to_owned();
    let expected_type = match key {
        VerifyKey::Md5(_) => "MD5",
        VerifyKey::Rsa(_) => "RSA_1_256",
    };
    if sign_type != expected_type {
        return Err(VerifyError::SignTypeMismatch {
            expected: expected_type,
            received: sign_type,
        });
    }
    let received = take_signature(fields, "sign")?;
    // Responses and notifications share one rule: the sorted members, then MD5 with
    // `&key=` or SHA256withRSA.
    let schema = WapPayResponse::SCHEMA;
    match key {
        VerifyKey::Md5(secret) => Digest::check(schema, fields, &received, secret),
        VerifyKey::Rsa(public) => RsaSha256::check(schema, fields, &received, public),
    }
}

/// The response to `pay.weixin.wap`. Fields the document does not list (such as
/// `pay_info`) are accepted, signed over, and kept in [`Verified::fields`].
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    sign_key = "key",
    signed_if(status = "0")
)]
pub struct WapPayResponse {
    /// 版本号
    pub version: Option<String>,
    /// 字符集
    pub charset: Option<String>,
    /// 签名方式
    pub sign_type: Option<String>,
    /// 返回状态码: 0 表示成功,通信标识
    pub status: String,
    /// 返回信息
    pub message: Option<String>,
    /// 业务结果: 0 表示成功
    pub result_code: String,
    /// 商户号
    pub mch_id: String,
    /// 设备号
    pub device_info: Option<String>,
    /// 随机字符串
    pub nonce_str: String,
    /// 错误代码
    pub err_code: Option<String>,
    /// 错误代码描述
    pub err_msg: Option<String>,
    /// 错误代码描述 (as the document's error example spells it)
    pub err_code_des: Option<String>,
    /// 交易类型 (status 和 result_code 都为 0 时返回)
    pub trade_type: Option<String>,
    /// 预支付交易会话标识 (status 和 result_code 都为 0 时返回)
    pub prepay_id: Option<String>,
    /// 支付跳转链接 (status 和 result_code 都为 0 时返回)
    pub mweb_url: Option<String>,
    /// The payment page URL real SwiftPass gateways send in place of `mweb_url` (not in
    /// the document's table; in the published response).
    pub pay_info: Option<String>,
}

impl WapPayResponse {
    /// Where to send the buyer: `mweb_url` (the document), else `pay_info` (what real
    /// gateways send). A verified success always has one.
    pub fn pay_url(&self) -> Option<&str> {
        self.mweb_url
            .as_deref()
            .or(self.pay_info.as_deref())
            .filter(|url| !url.is_empty())
    }

    /// A business success: `result_code` 0, or `SUCCESS` as the document's success
    /// example sends it.
    pub fn is_success(&self) -> bool {
        matches!(self.result_code.as_str(), "0" | "SUCCESS")
    }
}

impl SwiftpassError {
    /// The gateway's unsigned failure answer (`status` not 0, declared
    /// `signed_if(status = "0")`) as [`SwiftpassError::Status`]; any other error as is.
    pub fn from_unsigned(error: VerifyError) -> SwiftpassError {
        match error {
            VerifyError::Unsigned { value, fields, .. } => SwiftpassError::Status {
                status: value,
                message: fields
                    .get("message")
                    .and_then(|n| n.as_str())
                    .map(str::to_owned),
            },
            other => SwiftpassError::Verify(other),
        }
    }
}

/// Why a SwiftPass call did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SwiftpassError {
    /// The response could not be trusted (malformed, hostile, or its signature is wrong).
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// `status` is not 0: a communication-level failure (such as 签名失败 or
    /// 参数格式校验错误). The gateway does not sign these, so nothing here is verified.
    #[error("gateway status {status}: {}", message.as_deref().unwrap_or("(no message)"))]
    Status {
        /// The received `status`.
        status: String,
        /// The received `message`, unverified.
        message: Option<String>,
    },
    /// `status` is 0 but `result_code` is not, in the answer to a query, close, refund
    /// or refund query: a verified business refusal.
    #[error("result_code {result_code}: {} {}", err_code.as_deref().unwrap_or(""), err_msg.as_deref().unwrap_or(""))]
    Refused {
        /// The received `result_code`.
        result_code: String,
        /// The received `err_code`.
        err_code: Option<String>,
        /// The received `err_msg`.
        err_msg: Option<String>,
        /// Every signed member of the answer, as received.
        fields: Box<paywire::NodeObject>,
    },
    /// `status` is 0 but `result_code` is not: a verified business failure.
    #[error("result_code {}: {} {}", .0.result_code, .0.err_code.as_deref().unwrap_or(""), .0.err_msg.as_deref().or(.0.err_code_des.as_deref()).unwrap_or(""))]
    Business(Box<WapPayResponse>),
}

/// Verifies a `pay.weixin.wap` response. The signature is required and checked whenever
/// `status` is 0; a non-zero `status` is reported as [`SwiftpassError::Status`].
pub fn verify_response(
    body: &[u8],
    key: &VerifyKey,
) -> Result<Verified<WapPayResponse>, SwiftpassError> {
    let mut fields =
        decode::parse_body(Format::Xml, body, &Limits::default()).map_err(VerifyError::from)?;
    verify::refuse_unsigned_failure(WapPayResponse::SCHEMA, &fields)
        .map_err(SwiftpassError::from_unsigned)?;
    check_signature(&mut fields, key)?;
    let verified = verify::decode_checked::<WapPayResponse>(fields)?;
    if !verified.value.is_success() {
        return Err(SwiftpassError::Business(Box::new(verified.value)));
    }
    // A success with nothing to pay with cannot be acted on: the document requires
    // trade_type, prepay_id and mweb_url; real gateways send pay_info instead.
    let value = &verified.value;
    let documented =
        value.trade_type.is_some() && value.prepay_id.is_some() && value.mweb_url.is_some();
    if value.pay_url().is_none() || (value.mweb_url.is_some() && !documented) {
        return Err(SwiftpassError::Verify(VerifyError::malformed(
            Format::Xml,
            "a success without its payment URL: the document requires trade_type, prepay_id and mweb_url (or pay_info, as gateways send)",
        )));
    }
    Ok(verified)
}

/// The name payments of this gateway are keyed under in a [`Ledger`](paywire::ledger::Ledger).
pub const GATEWAY: &str = "swiftpass";

answer! {
    /// A payment notification. Its sorted `k=v` signature does not escape values, so a
    /// holder of one signed notification could merge two neighbouring members into one value
    /// (`transaction_id` = `4200…&version=2.0`) and still pass the signature: every identity,
    /// amount, status and time member therefore has a strict format that such a value fails,
    /// and the members a payment needs are required whenever `pay_result` says paid.
    PayNotification {
        /// 商户订单号 (required when paid)
        #[pay(len = 1..=45, trade_no, required_if(pay_result = "0"))]
        pub out_trade_no: Option<String>,
        /// 平台订单号 (required when paid)
        #[pay(len = 1..=64, alphanumeric, required_if(pay_result = "0"))]
        pub transaction_id: Option<String>,
        /// 总金额,单位:分 (required when paid)
        #[pay(required_if(pay_result = "0"))]
        pub total_fee: Option<Fen>,
        /// 支付结果: 0 表示成功
        #[pay(len = 1..=16, alphanumeric)]
        pub pay_result: Option<String>,
        /// 支付完成时间, yyyyMMddHHmmss (required when paid)
        #[pay(compact_time, required_if(pay_result = "0"))]
        pub time_end: Option<String>,
        /// 商户附加信息
        pub attach: Option<String>,
    }
}

impl PayNotification {
    /// Paid: `status`, `result_code` and `pay_result` all `0`.
    pub fn is_paid(&self) -> bool {
        self.status == "0" && self.result_code == "0" && self.pay_result.as_deref() == Some("0")
    }

    /// The payment this notification reports, keyed on the merchant's `out_trade_no`;
    /// `None` unless it reports a successful payment. (A verified paid notification always
    /// carries the order number and amount: verification requires them.)
    pub fn payment(&self) -> Option<Payment> {
        if !self.is_paid() {
            return None;
        }
        paid(
            self.out_trade_no.as_deref(),
            self.total_fee,
            self.transaction_id.as_deref(),
        )
    }
}

/// A SwiftPass payment of order `out_trade_no`, `total_fee` fen, the gateway's
/// `transaction_id`: what a paid notification or a paid query answer reports; `None`
/// without the order number or the amount.
pub(crate) fn paid(
    out_trade_no: Option<&str>,
    total_fee: Option<Fen>,
    transaction_id: Option<&str>,
) -> Option<Payment> {
    let order = out_trade_no?;
    Some(Payment {
        key: OrderKey::new(GATEWAY, order),
        order: order.to_owned(),
        amount: total_fee?,
        currency: None,
        gateway_order: transaction_id.map(str::to_owned),
        must_match: MustMatch::default(),
    })
}

/// Verifies a payment notification: the signature over every received field, under the
/// configured sign type, then the declared rules. Pure: it records nothing, so a
/// redelivery verifies again; apply the [`PayNotification::payment`] once through a
/// [`Ledger`](paywire::ledger::Ledger), then answer [`NOTIFY_ACK`].
pub fn verify_notification(
    body: &[u8],
    key: &VerifyKey,
) -> Result<Verified<PayNotification>, VerifyError> {
    let mut fields = decode::parse_body(Format::Xml, body, &Limits::default())?;
    verify::refuse_unsigned_failure(PayNotification::SCHEMA, &fields)?;
    check_signature(&mut fields, key)?;
    verify::decode_checked::<PayNotification>(fields)
}
