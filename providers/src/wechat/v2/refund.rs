//! WeChat Pay v2's refund notification: an unsigned XML envelope whose `req_info` is the
//! refund, AES-256-ECB encrypted (PKCS#7) under the 32 lower-case hex characters of
//! md5(API key), base64. WeChat sends it to merchants of the v2 and Global v2 APIs and,
//! for refunds made in the merchant console, to v3 merchants too.
//!
//! ECB carries no MAC: a decryption that succeeds proves only that the sender holds the
//! key. So the decrypted document is decoded strictly (every member the refund needs
//! present, ids and amounts in their formats, no duplicates), the envelope's `appid` and
//! `mch_id` must be the merchant's, and the refund must then be checked against the
//! merchant's own refund record (its number, its amount) before it is applied.

use aws_lc_rs::cipher::{
    DecryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey, UnboundCipherKey,
    AES_256,
};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use paywire::schema::{Format, HexCase};
use paywire::{Encrypted, Fen, MemberCipher, PayResponse, Secret, VerifyError};

/// What the merchant answers a refund notification with once it is handled.
pub const REFUND_NOTIFY_ACK: &str =
    "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>";

/// The envelope as received: a FAIL carries no refund.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "xml", sign = "none")]
pub struct RefundNotification {
    /// 返回状态码: SUCCESS / FAIL (the communication, not the refund)
    #[pay(one_of("SUCCESS", "FAIL"))]
    pub return_code: String,
    /// 返回信息
    #[pay(len = 0..=128)]
    pub return_msg: Option<String>,
    /// 公众账号ID
    #[pay(len = 1..=32, required_if(return_code = "SUCCESS"))]
    pub appid: Option<String>,
    /// 商户号
    #[pay(len = 1..=32, required_if(return_code = "SUCCESS"))]
    pub mch_id: Option<String>,
    /// 随机字符串
    #[pay(len = 1..=32, required_if(return_code = "SUCCESS"))]
    pub nonce_str: Option<String>,
    /// 加密信息: the refund, opened with the API key
    #[pay(len = 1..=8192, required_if(return_code = "SUCCESS"))]
    pub req_info: Option<Encrypted<ReqInfoCipher, RefundInfo>>,
}

/// How `req_info` is encrypted: AES-256-ECB, PKCS#7, under the 32 lower-case hex
/// characters of md5(API key), base64; the document inside is XML.
#[derive(Debug, Clone, Copy)]
pub enum ReqInfoCipher {}

impl MemberCipher for ReqInfoCipher {
    type Key = Secret;
    const FORMAT: Format = Format::Xml;
    const NAME: &'static str = "AES-256-ECB, PKCS#7, key md5(API key) as lower-case hex, base64";

    fn open(api_key: &Secret, text: &str) -> Result<Vec<u8>, VerifyError> {
        decrypt_req_info(api_key, text).map(String::into_bytes)
    }

    fn seal(api_key: &Secret, document: &[u8]) -> Result<String, VerifyError> {
        let document = std::str::from_utf8(document)
            .map_err(|_| decrypt_error("the document is not UTF-8"))?;
        encrypt_req_info(api_key, document)
    }
}

/// The decrypted refund (`req_info`).
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "xml", sign = "none")]
pub struct RefundInfo {
    /// 微信订单号
    #[pay(len = 1..=32, alphanumeric)]
    pub transaction_id: String,
    /// 商户订单号
    #[pay(len = 1..=32, trade_no)]
    pub out_trade_no: String,
    /// 微信退款单号
    #[pay(len = 1..=32, alphanumeric)]
    pub refund_id: String,
    /// 商户退款单号
    #[pay(len = 1..=64, trade_no)]
    pub out_refund_no: String,
    /// 订单金额 (fen)
    #[pay(range = 1..)]
    pub total_fee: Fen,
    /// 应结订单金额 (fen; present when a coupon was used)
    pub settlement_total_fee: Option<Fen>,
    /// 申请退款金额 (fen)
    #[pay(range = 1..)]
    pub refund_fee: Fen,
    /// 退款金额 (fen, less non-cash coupons)
    pub settlement_refund_fee: Fen,
    /// 退款状态
    #[pay(one_of("SUCCESS", "CHANGE", "REFUNDCLOSE"))]
    pub refund_status: String,
    /// 退款成功时间, `yyyy-MM-dd HH:mm:ss`
    #[pay(datetime)]
    pub success_time: Option<String>,
    /// 退款入账账户
    #[pay(len = 1..=64)]
    pub refund_recv_accout: String,
    /// 退款资金来源
    #[pay(len = 1..=30)]
    pub refund_account: String,
    /// 退款发起来源
    #[pay(len = 1..=30)]
    pub refund_request_source: String,
}

impl RefundInfo {
    /// Whether the refund reached the payer (`SUCCESS`); `CHANGE` (退款异常) and
    /// `REFUNDCLOSE` did not.
    pub fn succeeded(&self) -> bool {
        self.refund_status == "SUCCESS"
    }
}

/// The AES-256 key of `api_key`: md5, as 32 lower-case hex characters (leading zeros
/// kept: a key hash starting with `0` is where hand-written decryptors break).
fn ecb_key(api_key: &Secret) -> Result<UnboundCipherKey, VerifyError> {
    let hex = paywire::sign::md5_hex(api_key.expose().as_bytes(), HexCase::Lower);
    UnboundCipherKey::new(&AES_256, hex.as_bytes()).map_err(|_| VerifyError::Key("API key".into()))
}

fn decrypt_error(reason: &str) -> VerifyError {
    VerifyError::Decrypt(format!("req_info: {reason}"))
}

/// Decrypts a `req_info` into its XML text.
pub fn decrypt_req_info(api_key: &Secret, req_info: &str) -> Result<String, VerifyError> {
    let mut bytes = BASE64
        .decode(req_info.trim())
        .map_err(|_| decrypt_error("not base64"))?;
    if bytes.is_empty() || bytes.len() % 16 != 0 {
        return Err(decrypt_error(&format!(
            "{} bytes, not a whole number of 16-byte blocks",
            bytes.len()
        )));
    }
    let key = PaddedBlockDecryptingKey::ecb_pkcs7(ecb_key(api_key)?)
        .map_err(|_| VerifyError::Key("API key".into()))?;
    let plaintext = key
        .decrypt(&mut bytes, DecryptionContext::None)
        .map_err(|_| decrypt_error("wrong API key, or the padding is not PKCS#7"))?;
    String::from_utf8(plaintext.to_vec()).map_err(|_| decrypt_error("the plaintext is not UTF-8"))
}

/// Encrypts a refund document as WeChat Pay does, for the sandbox and tests.
pub fn encrypt_req_info(api_key: &Secret, document: &str) -> Result<String, VerifyError> {
    let key = PaddedBlockEncryptingKey::ecb_pkcs7(ecb_key(api_key)?)
        .map_err(|_| VerifyError::Key("API key".into()))?;
    let mut bytes = document.as_bytes().to_vec();
    key.encrypt(&mut bytes)
        .map_err(|_| decrypt_error("encryption failed"))?;
    Ok(BASE64.encode(bytes))
}

/// Opens a refund notification for the merchant `appid` / `mch_id` with its API key:
/// `Ok(None)` for a `FAIL` envelope (no refund in it), the refund otherwise. Pure: it
/// records nothing; check the refund against your own (`out_refund_no`, `refund_fee`)
/// before applying it once, then answer [`REFUND_NOTIFY_ACK`].
pub fn open_refund_notification(
    body: &[u8],
    api_key: &Secret,
    appid: &str,
    mch_id: &str,
) -> Result<Option<RefundInfo>, VerifyError> {
    let envelope = RefundNotification::decode_unsigned(body)?.value;
    if envelope.return_code != "SUCCESS" {
        return Ok(None);
    }
    // Declared `required_if(return_code = "SUCCESS")`: present after decoding.
    let mine =
        envelope.appid.as_deref() == Some(appid) && envelope.mch_id.as_deref() == Some(mch_id);
    if !mine {
        return Err(VerifyError::Key(
            "the notification names another appid or mch_id than this merchant's".into(),
        ));
    }
    let Some(req_info) = envelope.req_info else {
        return Err(decrypt_error("missing"));
    };
    Ok(Some(req_info.open(api_key)?.value))
}
