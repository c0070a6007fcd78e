//! featapi's answers: three success shapes chosen by (`wx_app_type`, `end_type`), and
//! OAuth2 errors (RFC 6749 §5.2, plus the bearer-token errors of RFC 6750 §3.1).

use super::{end_type, OrderPay};
use crate::wechat::v2::{AppParams, SignedBridgeParams};
use paywire::{PayResponse, Secret, TextOrNumber, VerifyError};

paywire::wire_enum! {
    /// An OAuth2 `error` code.
    pub enum OAuthErrorCode {
        /// The request is missing a parameter, repeats one, or is malformed.
        InvalidRequest = "invalid_request",
        /// Client authentication failed.
        InvalidClient = "invalid_client",
        /// The grant or refresh token is invalid, expired or revoked.
        InvalidGrant = "invalid_grant",
        /// The client may not use this grant type.
        UnauthorizedClient = "unauthorized_client",
        /// The server does not support this grant type.
        UnsupportedGrantType = "unsupported_grant_type",
        /// The scope is invalid or beyond what was granted.
        InvalidScope = "invalid_scope",
        /// The bearer token is expired, revoked or malformed (RFC 6750).
        InvalidToken = "invalid_token",
        /// The token lacks the scope the call needs, here `pay_trade_order` (RFC 6750).
        InsufficientScope = "insufficient_scope",
    }
}

impl OAuthErrorCode {
    /// The HTTP status the code comes with.
    pub fn http_status(&self) -> u16 {
        match self {
            OAuthErrorCode::InvalidClient | OAuthErrorCode::InvalidToken => 401,
            OAuthErrorCode::InsufficientScope => 403,
            _ => 400,
        }
    }
}

/// An OAuth2 error body: `{"error": ..., "error_description": ...}` (the description is
/// not always sent).
#[derive(Debug, Clone, PartialEq, Eq, PayResponse, thiserror::Error)]
#[pay(format = "json", sign = "none")]
#[error("featapi OAuth2 error {error}{}", error_description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
pub struct OAuthError {
    /// 异常错误的代码
    pub error: OAuthErrorCode,
    /// 异常错误的可读描述文本 (不是一定返回)
    pub error_description: Option<String>,
}

impl OAuthError {
    /// `invalid_request` with `device_id is required`: the password grant needs `device_id`.
    pub fn device_id_required(&self) -> bool {
        self.error == OAuthErrorCode::InvalidRequest
            && self.error_description.as_deref() == Some("device_id is required")
    }
}

/// NATIVE (QR code) data: show `code_url` as a QR code.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct NativeData {
    /// NATIVE
    pub trade_type: String,
    /// 支付二维码的地址
    pub code_url: String,
    /// 预支付交易会话标识
    pub prepay_id: String,
}

/// APP data: the parameters for the WeChat SDK, signed with `sign`.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct AppData {
    /// Sign=WXPay
    pub package: String,
    /// 时间戳
    pub timestamp: TextOrNumber,
    /// 预支付交易会话ID
    pub prepayid: String,
    /// 应用 appid
    pub appid: String,
    /// 商户号
    pub partnerid: String,
    /// 随机字符串
    pub noncestr: String,
    /// 签名
    pub sign: String,
}

impl AppData {
    /// The parameters without the signature.
    pub fn params(&self) -> AppParams {
        AppParams {
            appid: self.appid.clone(),
            partnerid: self.partnerid.clone(),
            prepayid: self.prepayid.clone(),
            package: self.package.clone(),
            noncestr: self.noncestr.clone(),
            timestamp: self.timestamp.clone(),
        }
    }

    /// Checks `sign` with the WeChat merchant key.
    pub fn verify(&self, key: &Secret) -> Result<(), VerifyError> {
        self.params().verify_sign(&self.sign, key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
struct NativeEnvelope {
    data: NativeData,
}

#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
struct AppEnvelope {
    data: AppData,
}

/// A successful answer, in the shape the request asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayResult {
    /// `official_account` + `end_type` 0, inside `data`.
    Native(NativeData),
    /// `feat_ios_app` + `end_type` 100, inside `data`.
    App(AppData),
    /// `official_account` + `end_type` 200, at the top level.
    Jsapi(SignedBridgeParams),
}

/// Why a featapi call did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FeatError {
    /// An OAuth2 error, with the HTTP status it came with.
    #[error("HTTP {status}: {error}")]
    OAuth {
        /// The HTTP status received.
        status: u16,
        /// The error body.
        error: OAuthError,
    },
    /// The body is malformed, hostile, or not the shape the request asked for.
    #[error(transparent)]
    Decode(#[from] VerifyError),
    /// The call got no answer.
    #[error("featapi: {0}")]
    Transport(String),
    /// A (`wx_app_type`, `end_type`) pair whose answer the document does not describe.
    #[error(
        "the document describes no answer for wx_app_type {wx_app_type:?} with end_type {end_type}"
    )]
    UndocumentedShape {
        /// The app type in effect.
        wx_app_type: String,
        /// The end type requested.
        end_type: u32,
    },
}

/// Reads featapi's answer to `request`, received with HTTP `status`.
pub fn read_answer(request: &OrderPay, status: u16, body: &[u8]) -> Result<PayResult, FeatError> {
    if !(200..300).contains(&status) {
        let error = OAuthError::decode_unsigned(body)?.value;
        return Err(FeatError::OAuth { status, error });
    }
    let wx_app_type = request
        .extra_params
        .as_ref()
        .map_or("official_account", |e| e.wx_app_type())
        .to_owned();
    match (wx_app_type.as_str(), request.end_type) {
        ("official_account", end_type::NATIVE) => Ok(PayResult::Native(
            NativeEnvelope::decode_unsigned(body)?.value.data,
        )),
        ("feat_ios_app", end_type::APP) => Ok(PayResult::App(
            AppEnvelope::decode_unsigned(body)?.value.data,
        )),
        ("official_account", end_type::JSAPI) => Ok(PayResult::Jsapi(
            SignedBridgeParams::decode_unsigned(body)?.value,
        )),
        _ => Err(FeatError::UndocumentedShape {
            wx_app_type,
            end_type: request.end_type,
        }),
    }
}
