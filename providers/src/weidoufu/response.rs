//! weidoufu's answer to a mini-program pay request, and its payment notification.

use crate::wechat::v2::{BridgeParams, SignedBridgeParams, UniRequestPayment};
use paywire::decode::{json, DecodeErrors, Limits, Problem};
use paywire::ledger::{MustMatch, OrderKey, Payment};
use paywire::schema::{HexCase, Kind};
use paywire::sign;
use paywire::verify::{self, signatures_match};
use paywire::{
    Fen, Path, PayResponse, Secret, TextOrNumber, Verified, VerifyError, Wire, WireValue,
};
use paywire::{Node, NodeObject};

/// What the merchant answers a notification with once it is handled. **A guess:** the
/// document does not say; `success` is what WeChat-family aggregators expect.
pub const NOTIFY_ACK: &str = "success";

/// weidoufu's JSON answer.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct PayAnswer {
    /// 1:成功 0:失败
    #[pay(one_of(0, 1))]
    pub code: u8,
    /// 返回描述信息
    pub message: String,
    /// 订单与支付参数
    pub data: Option<AnswerData>,
}

/// `data` of the answer.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct AnswerData {
    /// 平台返回的订单号
    pub mch_trade_no: String,
    /// 商户订单号
    pub out_order_no: String,
    /// jsapi 支付参数 (WeChat or Alipay shape; an empty string on failure)
    pub jsapi: Jsapi,
}

/// The `jsapi` member: its shape depends on the payment channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jsapi {
    /// WeChat: the parameters for `uni.requestPayment` / WeixinJSBridge.
    Wechat(WechatJsapi),
    /// Alipay: the trade number for the Alipay mini-program.
    Alipay(AlipayJsapi),
    /// `''`, as sent with a failure.
    Empty,
}

impl WireValue for Jsapi {
    const KIND: Kind = Kind::OneOf(&[
        Kind::Object(WechatJsapi::SCHEMA),
        Kind::Object(AlipayJsapi::SCHEMA),
        Kind::Str,
    ]);
    // The table's 否: a refusal sends it empty, and `Jsapi::Empty` is that state.
    const OPTIONAL: bool = true;
    fn wire(&self) -> Wire<'_> {
        match self {
            Jsapi::Wechat(w) => Wire::Object(w),
            Jsapi::Alipay(a) => Wire::Object(a),
            Jsapi::Empty => Wire::Str(""),
        }
    }
    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match node {
            // Failures carry `''`; PHP-built answers also send `[]` or `{}` for nothing.
            None | Some(Node::Null) => Some(Jsapi::Empty),
            Some(Node::Str(s) | Node::Text(s)) if s.is_empty() => Some(Jsapi::Empty),
            Some(Node::Array(items)) if items.is_empty() => Some(Jsapi::Empty),
            Some(Node::Object(o)) if o.is_empty() => Some(Jsapi::Empty),
            Some(Node::Object(o)) if o.get("trade_no").is_some() => {
                AlipayJsapi::decode(node, at, errors).map(Jsapi::Alipay)
            }
            Some(Node::Object(_)) => WechatJsapi::decode(node, at, errors).map(Jsapi::Wechat),
            Some(other) => {
                errors.push(
                    at,
                    Problem::WrongType {
                        expected: "an object or \"\"",
                        got: other.type_name(),
                    },
                );
                None
            }
        }
    }
}

/// WeChat `jsapi` parameters, in weidoufu's snake_case names.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct WechatJsapi {
    /// appId
    pub app_id: String,
    /// timeStamp
    pub timestamp: TextOrNumber,
    /// nonceStr
    pub nonce_str: String,
    /// package, `prepay_id=...`
    pub package: String,
    /// signType
    pub sign_type: String,
    /// paySign
    pub pay_sign: String,
}

impl WechatJsapi {
    /// The parameters under WeChat's names with `paySign`: serialised with serde, the
    /// object `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` takes.
    pub fn signed_bridge_params(&self) -> SignedBridgeParams {
        SignedBridgeParams {
            app_id: self.app_id.clone(),
            time_stamp: self.timestamp.clone(),
            nonce_str: self.nonce_str.clone(),
            package: self.package.clone(),
            sign_type: self.sign_type.clone(),
            pay_sign: self.pay_sign.clone(),
        }
    }

    /// The argument of `uni.requestPayment`, as the document's uni-app demo passes it
    /// (`timeStamp` from `timestamp`, `nonceStr` from `nonce_str`, ... `paySign` from
    /// `pay_sign`).
    pub fn request_payment(&self) -> UniRequestPayment {
        self.signed_bridge_params().uni_request_payment()
    }

    /// The parameters under WeChat's names, without the signature.
    pub fn bridge_params(&self) -> BridgeParams {
        BridgeParams {
            app_id: self.app_id.clone(),
            time_stamp: self.timestamp.clone(),
            nonce_str: self.nonce_str.clone(),
            package: self.package.clone(),
            sign_type: self.sign_type.clone(),
        }
    }

    /// Checks `pay_sign` with the WeChat merchant key.
    pub fn verify_pay_sign(&self, key: &Secret) -> Result<(), VerifyError> {
        self.bridge_params().verify_pay_sign(&self.pay_sign, key)
    }
}

/// Alipay `jsapi` parameters.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct AlipayJsapi {
    /// 支付宝交易号
    pub trade_no: String,
}

/// A refusal by weidoufu.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeidoufuError {
    /// The answer is malformed or hostile.
    #[error(transparent)]
    Decode(#[from] VerifyError),
    /// `code: 0`, with the gateway's message (such as 签名错误).
    #[error("weidoufu refused the request: {message}")]
    Refused {
        /// The gateway's message.
        message: String,
        /// `data`, if it came with the refusal.
        data: Option<Box<AnswerData>>,
    },
}

/// The members every answer carries, whatever `data` holds.
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "json", sign = "none")]
struct AnswerHead {
    #[pay(one_of(0, 1))]
    code: u8,
    message: String,
}

/// Reads weidoufu's answer: `code: 1` gives its data (a `jsapi` with the payment
/// parameters required), `code: 0` a typed refusal. A
/// refusal keeps its message whatever `data` is (an object, `""`, `[]`, `null`); its
/// `data` comes along when it is a readable object.
pub fn read_answer(body: &[u8]) -> Result<AnswerData, WeidoufuError> {
    let answer = match PayAnswer::decode_unsigned(body) {
        Ok(answer) => answer.value,
        // Only a refusal may carry a `data` that does not decode: read its head alone.
        Err(error) => {
            let head = AnswerHead::decode_unsigned(body)?.value;
            if head.code == 1 {
                return Err(error.into());
            }
            return Err(WeidoufuError::Refused {
                message: head.message,
                data: None,
            });
        }
    };
    let malformed = |reason: &str| {
        WeidoufuError::Decode(VerifyError::malformed(
            paywire::schema::Format::Json,
            reason,
        ))
    };
    match (answer.code, answer.data) {
        // A success is paid through its `jsapi`: without one there is nothing to pay with.
        (1, Some(data)) if data.jsapi == Jsapi::Empty => Err(malformed("code 1 without jsapi")),
        (1, Some(data)) => Ok(data),
        (1, None) => Err(malformed("code 1 without data")),
        (_, data) => Err(WeidoufuError::Refused {
            message: answer.message,
            data: data.map(Box::new),
        }),
    }
}

/// The name payments of this gateway are keyed under in a [`Ledger`](paywire::ledger::Ledger).
pub const GATEWAY: &str = "weidoufu";

/// The `content` of a payment notification.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct NotifyContent {
    /// 平台订单号
    #[pay(len = 1..=64, alphanumeric)]
    pub mch_trade_no: String,
    /// 商户订单号 (the request's rule: letters and digits, 18 to 32)
    #[pay(len = 18..=32, alphanumeric)]
    pub out_order_no: String,
    /// 支付渠道交易号
    #[pay(len = 1..=64, alphanumeric)]
    pub transaction_id: String,
    /// 金额,单位:分
    pub total_fee: Fen,
    /// 附加信息,原样传回
    pub attach: Option<String>,
    /// 交易类型
    pub trade_type: Option<TextOrNumber>,
    /// 支付类型: 1-微信;2-支付宝
    pub pay_type: Option<TextOrNumber>,
    /// 付款银行
    pub bank_type: Option<String>,
    /// 支付时间
    pub pay_time: Option<TextOrNumber>,
    /// 支付状态
    pub status: Option<TextOrNumber>,
    /// 随机字符串
    pub nonce_str: Option<String>,
}

/// The signature of a notification: upper-case hex MD5 of the lower-case hex
/// HMAC-SHA256 (keyed with the secret) of the `content` JSON text exactly as received.
pub fn notification_signature(raw_content: &str, secret: &Secret) -> String {
    let inner = sign::hmac_sha256_hex(
        secret.expose().as_bytes(),
        raw_content.as_bytes(),
        HexCase::Lower,
    );
    sign::md5_hex(inner.as_bytes(), HexCase::Upper)
}

#[derive(serde::Deserialize)]
struct RawEnvelope<'a> {
    #[serde(borrow)]
    content: &'a serde_json::value::RawValue,
}

impl NotifyContent {
    /// Paid: `status` 1. The document does not list the statuses; 1 is what weidoufu
    /// sends for a completed payment, and anything else is treated as not paid.
    pub fn is_paid(&self) -> bool {
        self.status.as_ref().is_some_and(|s| s.as_str() == "1")
    }

    /// The payment, keyed on the merchant's `out_order_no`; `None` unless paid.
    pub fn payment(&self) -> Option<Payment> {
        self.is_paid().then(|| Payment {
            key: OrderKey::new(GATEWAY, &self.out_order_no),
            order: self.out_order_no.clone(),
            amount: self.total_fee,
            currency: None,
            gateway_order: Some(self.mch_trade_no.clone()),
            must_match: MustMatch::default(),
        })
    }
}

/// Verifies a notification `{"sign": ..., "content": {...}}` over the raw `content` text
/// (never a re-serialisation), decodes it and checks its declared rules. Pure: it records
/// nothing; apply the [`NotifyContent::payment`] once through a
/// [`Ledger`](paywire::ledger::Ledger), then answer [`NOTIFY_ACK`].
pub fn verify_notification(
    body: &[u8],
    secret: &Secret,
) -> Result<Verified<NotifyContent>, VerifyError> {
    // The strict parse first: it refuses duplicates, depth and size before anything else.
    let mut envelope = json::parse_object(body, &Limits::default())?;
    let received = verify::take_signature(&mut envelope, "sign")?;
    let Some(Node::Object(content)) = envelope.remove("content") else {
        return Err(VerifyError::Decode(
            paywire::decode::DecodeError::Malformed {
                format: "json",
                reason: "`content` must be an object".into(),
            },
        ));
    };
    let raw: RawEnvelope<'_> = serde_json::from_slice(body).map_err(|e| {
        VerifyError::Decode(paywire::decode::DecodeError::Malformed {
            format: "json",
            reason: e.to_string(),
        })
    })?;
    if !signatures_match(
        &notification_signature(raw.content.get(), secret),
        &received,
    ) {
        return Err(VerifyError::SignatureMismatch);
    }
    verify::decode_checked::<NotifyContent>(content)
}

/// Builds a signed notification body, as weidoufu sends it (for tests and the sandbox).
pub fn sign_notification(content: &NodeObject, secret: &Secret) -> String {
    let content_text = Node::Object(content.clone()).to_string();
    let sign = notification_signature(&content_text, secret);
    format!(
        "{{\"sign\":{},\"content\":{content_text}}}",
        serde_json::Value::from(sign)
    )
}
