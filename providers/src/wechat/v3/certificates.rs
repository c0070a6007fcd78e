//! Platform certificate download: WeChat Pay rotates the keys that sign its answers and
//! notifications, and publishes the current certificates, encrypted with the merchant's
//! APIv3 key, at `GET /v3/certificates` (WeChat Pay Global: `/v3/global/certificates`).
//!
//! Sans-IO: [`certificates_authorization`] signs the request (an empty body), and
//! [`read_certificates`] reads the answer: every certificate decrypted
//! (AEAD_AES_256_GCM), its serial checked against the entry that carries it, and the
//! answer's own signature verified with a key already trusted or, on a first download,
//! with one of the certificates it carries.

use super::{decrypt_resource, verify_message, MerchantSigner, PlatformKeys, Resource};
use paywire::keys::PublicKey;
use paywire::PayObject;
use paywire::PayResponse;
use paywire::Secret;
use paywire::VerifyError;

/// The certificate list of WeChat Pay Global.
pub const GLOBAL_PATH: &str = "/v3/global/certificates";

/// The certificate list of WeChat Pay (mainland).
pub const PATH: &str = "/v3/certificates";

/// The answer of a certificate download.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct CertificateList {
    /// One entry per certificate in use.
    pub data: Vec<CertificateEntry>,
}

/// One platform certificate, encrypted.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct CertificateEntry {
    /// 证书序列号
    pub serial_no: String,
    /// 证书启用时间
    pub effective_time: String,
    /// 证书弃用时间
    pub expire_time: String,
    /// 证书信息 (encrypted)
    pub encrypt_certificate: EncryptedCertificate,
}

/// A certificate encrypted with the APIv3 key.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct EncryptedCertificate {
    /// AEAD_AES_256_GCM
    pub algorithm: String,
    /// 12-byte nonce
    pub nonce: String,
    /// additional authenticated data
    pub associated_data: Option<String>,
    /// base64 ciphertext of the PEM, with the 16-byte tag at the end
    pub ciphertext: String,
}

/// The `Authorization` of `GET path` (an empty body), for [`GLOBAL_PATH`] or [`PATH`].
pub fn certificates_authorization(
    signer: &MerchantSigner,
    path: &str,
    timestamp: i64,
    nonce: &str,
) -> String {
    signer.authorization("GET", path, timestamp, nonce, b"")
}

/// Reads a certificate download answer into the keys it carries, by serial.
///
/// Each certificate is decrypted with `apiv3_key` and must carry the serial its entry
/// names. The answer must be signed (headers `Wechatpay-*`, timestamp against `now`) by
/// a key in `trusted` or, when `trusted` does not know the serial that signed it, by one
/// of the certificates it carries (how a first download is checked: only the holder of
/// the APIv3 key could have encrypted them). Merge the result into the keys in use with
/// [`PlatformKeys::merge`].
pub fn read_certificates(
    trusted: &PlatformKeys,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
    apiv3_key: &Secret,
) -> Result<PlatformKeys, VerifyError> {
    let list = CertificateList::decode_unsigned(body)?.value;
    let mut downloaded = PlatformKeys::new();
    for entry in &list.data {
        let encrypted = &entry.encrypt_certificate;
        let resource = Resource {
            algorithm: encrypted.algorithm.clone(),
            ciphertext: encrypted.ciphertext.clone(),
            associated_data: encrypted.associated_data.clone(),
            original_type: "certificate".into(),
            nonce: encrypted.nonce.clone(),
        };
        let pem = decrypt_resource(apiv3_key, &resource)?;
        let (serial, key) = PublicKey::from_certificate_pem(&pem)
            .map_err(|e| VerifyError::Key(format!("certificate {}: {e}", entry.serial_no)))?;
        if !serial.eq_ignore_ascii_case(&entry.serial_no) {
            return Err(VerifyError::Key(format!(
                "the entry names serial {} but its certificate is {serial}",
                entry.serial_no
            )));
        }
        downloaded.insert(entry.serial_no.clone(), key);
    }
    let mut verifying = downloaded.clone();
    verifying.merge(trusted.clone());
    verify_message(&verifying, headers, body, now)?;
    Ok(downloaded)
}
