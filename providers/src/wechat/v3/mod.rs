//! WeChat Pay API v3 signing (`WECHATPAY2-SHA256-RSA2048`): the request `Authorization`
//! header, verification of responses and notifications by `Wechatpay-*` headers, the
//! AEAD_AES_256_GCM notification resource, and the JSAPI `paySign` for WeixinJSBridge.
//!
//! Sans-IO: callers pass the time (`now`, Unix seconds) and the headers they received.

mod certificates;

pub use certificates::{
    certificates_authorization, read_certificates, CertificateEntry, CertificateList,
    EncryptedCertificate, GLOBAL_PATH as GLOBAL_CERTIFICATES_PATH, PATH as CERTIFICATES_PATH,
};

use paywire::keys::{MerchantKey, PublicKey};
use paywire::PayResponse;
use paywire::Secret;
use paywire::VerifyError;
// The derives, from their own crate (the traits of the same names come from `object` and `verify`).
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use paywire::PayObject;
use std::collections::BTreeMap;

/// Messages whose timestamp is further than this from now are refused (seconds).
pub const TIMESTAMP_WINDOW: i64 = 300;

/// The message a v3 request signature covers: `METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n`.
pub fn request_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n").into_bytes();
    out.extend_from_slice(body);
    out.push(b'\n');
    out
}

/// The message a v3 response or notification signature covers: `TIMESTAMP\nNONCE\nBODY\n`.
pub fn response_message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("{timestamp}\n{nonce}\n").into_bytes();
    out.extend_from_slice(body);
    out.push(b'\n');
    out
}

/// Signs v3 requests as a merchant.
#[derive(Debug, Clone)]
pub struct MerchantSigner {
    mchid: String,
    serial_no: String,
    key: MerchantKey,
}

impl MerchantSigner {
    /// A signer for merchant `mchid` whose API certificate has serial `serial_no`.
    pub fn new(mchid: impl Into<String>, serial_no: impl Into<String>, key: MerchantKey) -> Self {
        MerchantSigner {
            mchid: mchid.into(),
            serial_no: serial_no.into(),
            key,
        }
    }

    /// The `Authorization` header value for one request.
    pub fn authorization(
        &self,
        method: &str,
        path_and_query: &str,
        timestamp: i64,
        nonce: &str,
        body: &[u8],
    ) -> String {
        let signature = self.key.sign_base64(&request_message(
            method,
            path_and_query,
            timestamp,
            nonce,
            body,
        ));
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            self.mchid, self.serial_no
        )
    }

    /// The JSAPI parameters for `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`,
    /// with `paySign` = SHA256withRSA over `appId\ntimeStamp\nnonceStr\npackage\n`.
    pub fn jsapi_params(
        &self,
        app_id: &str,
        time_stamp: &str,
        nonce_str: &str,
        prepay_id: &str,
    ) -> JsapiParams {
        let package = format!("prepay_id={prepay_id}");
        let message = format!("{app_id}\n{time_stamp}\n{nonce_str}\n{package}\n");
        JsapiParams {
            app_id: app_id.into(),
            time_stamp: time_stamp.into(),
            nonce_str: nonce_str.into(),
            package,
            sign_type: "RSA".into(),
            pay_sign: self.key.sign_base64(message.as_bytes()),
        }
    }
}

/// `WeixinJSBridge` parameters for v3 (`signType` RSA), serialized with WeChat's names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsapiParams {
    /// 公众号 appid
    pub app_id: String,
    /// Unix seconds, as a string
    pub time_stamp: String,
    /// 随机串
    pub nonce_str: String,
    /// `prepay_id=...`
    pub package: String,
    /// `RSA`
    pub sign_type: String,
    /// base64 SHA256withRSA
    pub pay_sign: String,
}

/// The platform keys that sign WeChat Pay's responses and notifications, by serial, so
/// several can be held at once during a certificate rotation.
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys {
    keys: BTreeMap<String, PublicKey>,
}

impl PlatformKeys {
    /// No keys yet.
    pub fn new() -> Self {
        PlatformKeys::default()
    }

    /// Adds a platform certificate (PEM); its serial is read from the certificate.
    pub fn add_certificate_pem(&mut self, pem: &str) -> Result<String, paywire::keys::KeyError> {
        let (serial, key) = PublicKey::from_certificate_pem(pem)?;
        self.keys.insert(serial.clone(), key);
        Ok(serial)
    }

    /// Adds a WeChat Pay public key (public-key mode) under its id (`PUB_KEY_ID_...`).
    pub fn add_public_key_pem(
        &mut self,
        id: &str,
        pem: &str,
    ) -> Result<(), paywire::keys::KeyError> {
        self.keys.insert(id.to_owned(), PublicKey::from_pem(pem)?);
        Ok(())
    }

    /// Adds a key under `serial`.
    pub fn insert(&mut self, serial: impl Into<String>, key: PublicKey) {
        self.keys.insert(serial.into(), key);
    }

    /// Adds every key of `other`, replacing any under the same serial.
    pub fn merge(&mut self, other: PlatformKeys) {
        self.keys.extend(other.keys);
    }

    /// Whether a key is held under `serial`.
    pub fn contains(&self, serial: &str) -> bool {
        self.keys.contains_key(serial)
    }

    /// The serials held.
    pub fn serials(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

fn header<'h>(headers: &'h http::HeaderMap, name: &'static str) -> Result<&'h str, VerifyError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(VerifyError::MissingHeader { name })
}

/// A fresh request nonce: 32 upper-case hex characters from the system's random number
/// generator (WeChat Pay asks for a random string of at most 32; reusing one within the
/// timestamp window may be refused as a replay).
pub fn fresh_nonce() -> String {
    let mut bytes = [0u8; 16];
    // AWS-LC's generator fails only when the system has no randomness at all; the time
    // then still gives a nonce that does not repeat within the process.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = now.to_be_bytes();
    }
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The request timestamp: Unix seconds now (the gateway refuses one more than five
/// minutes off its clock).
pub fn timestamp_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Verifies a response or notification: the `Wechatpay-Signature` over
/// `TIMESTAMP\nNONCE\nBODY\n` with the key named by `Wechatpay-Serial`, then the
/// timestamp against `now` (±[`TIMESTAMP_WINDOW`] seconds).
pub fn verify_message(
    keys: &PlatformKeys,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
) -> Result<(), VerifyError> {
    let timestamp = header(headers, "Wechatpay-Timestamp")?;
    let nonce = header(headers, "Wechatpay-Nonce")?;
    let serial = header(headers, "Wechatpay-Serial")?;
    let signature = headers
        .get("Wechatpay-Signature")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| VerifyError::SignatureMissing {
            field: "Wechatpay-Signature".into(),
        })?;
    let key = keys
        .keys
        .get(serial)
        .ok_or_else(|| VerifyError::UnknownSerial {
            serial: serial.to_owned(),
        })?;
    key.verify_base64(&response_message(timestamp, nonce, body), signature)?;
    let ts: i64 = timestamp.parse().map_err(|_| VerifyError::Stale {
        timestamp: 0,
        skew: i64::MAX,
        window: TIMESTAMP_WINDOW,
    })?;
    let skew = now.saturating_sub(ts).saturating_abs();
    if skew > TIMESTAMP_WINDOW {
        return Err(VerifyError::Stale {
            timestamp: ts,
            skew,
            window: TIMESTAMP_WINDOW,
        });
    }
    Ok(())
}

/// A v3 notification envelope.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(format = "json", sign = "none")]
pub struct Notification {
    /// 通知ID
    pub id: String,
    /// 通知创建时间
    pub create_time: String,
    /// 通知类型, e.g. TRANSACTION.SUCCESS
    pub event_type: String,
    /// 通知数据类型, encrypt-resource
    pub resource_type: String,
    /// 通知数据
    pub resource: Resource,
    /// 回调摘要
    pub summary: Option<String>,
}

/// The encrypted part of a notification.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct Resource {
    /// AEAD_AES_256_GCM
    pub algorithm: String,
    /// base64 ciphertext with the 16-byte tag at the end
    pub ciphertext: String,
    /// additional authenticated data
    pub associated_data: Option<String>,
    /// type of the plaintext, e.g. transaction
    pub original_type: String,
    /// 12-byte nonce
    pub nonce: String,
}

/// Decrypts a notification resource with the 32-byte APIv3 key.
pub fn decrypt_resource(apiv3_key: &Secret, resource: &Resource) -> Result<String, VerifyError> {
    let key = apiv3_key.expose().as_bytes();
    if key.len() != 32 {
        return Err(VerifyError::Key(format!(
            "the APIv3 key must be 32 bytes (AEAD_AES_256_GCM), got {} bytes; copy it again from the merchant platform",
            key.len()
        )));
    }
    if resource.algorithm != "AEAD_AES_256_GCM" {
        return Err(VerifyError::Decrypt(format!(
            "unsupported algorithm {:?}",
            resource.algorithm
        )));
    }
    if resource.nonce.len() != 12 {
        return Err(VerifyError::Decrypt(format!(
            "the nonce must be 12 bytes, got {}",
            resource.nonce.len()
        )));
    }
    let ciphertext = BASE64
        .decode(resource.ciphertext.trim())
        .map_err(|_| VerifyError::Decrypt("the ciphertext is not base64".into()))?;
    let cipher = gcm_key(key)?;
    let aad = resource.associated_data.as_deref().unwrap_or("").as_bytes();
    let mut in_out = ciphertext;
    let plaintext = cipher
        .open_in_place(gcm_nonce(&resource.nonce)?, Aad::from(aad), &mut in_out)
        .map_err(|_| {
            VerifyError::Decrypt(
                "authentication failed: wrong APIv3 key, or the resource was altered".into(),
            )
        })?;
    String::from_utf8(plaintext.to_vec())
        .map_err(|_| VerifyError::Decrypt("the plaintext is not UTF-8".into()))
}

/// The AES-256-GCM key of a 32-byte APIv3 key (AWS-LC, the library that also does RSA).
fn gcm_key(key: &[u8]) -> Result<LessSafeKey, VerifyError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| VerifyError::Key("APIv3 key".into()))
}

/// A 12-byte nonce.
fn gcm_nonce(nonce: &str) -> Result<Nonce, VerifyError> {
    Nonce::try_assume_unique_for_key(nonce.as_bytes())
        .map_err(|_| VerifyError::Decrypt("the nonce must be 12 bytes".into()))
}

/// A verified, decrypted notification.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedNotification {
    /// The envelope.
    pub notification: Notification,
    /// The decrypted resource, as text.
    pub plaintext: String,
}

/// Verifies a notification's signature and timestamp and decrypts its resource. Pure: it
/// records nothing, so a redelivery (same notification id, fresh headers) verifies again;
/// applying the payment once is the [`Ledger`](paywire::ledger::Ledger)'s job.
pub fn open_notification(
    keys: &PlatformKeys,
    headers: &http::HeaderMap,
    body: &[u8],
    now: i64,
    apiv3_key: &Secret,
) -> Result<OpenedNotification, VerifyError> {
    // Strict parsing first, so hostile input is reported as such and not as a bad
    // signature; the signature covers the raw bytes either way.
    let notification = Notification::decode_unsigned(body)?.value;
    verify_message(keys, headers, body, now)?;
    let plaintext = decrypt_resource(apiv3_key, &notification.resource)?;
    Ok(OpenedNotification {
        notification,
        plaintext,
    })
}

/// Encrypts a notification resource the way WeChat Pay does (AEAD_AES_256_GCM with the
/// 32-byte APIv3 key and a 12-byte nonce); used by the sandbox and by tests.
pub fn encrypt_resource(
    apiv3_key: &Secret,
    nonce: &str,
    associated_data: &str,
    original_type: &str,
    plaintext: &str,
) -> Result<Resource, VerifyError> {
    let key = apiv3_key.expose().as_bytes();
    if key.len() != 32 {
        return Err(VerifyError::Key(format!(
            "the APIv3 key must be 32 bytes, got {} bytes",
            key.len()
        )));
    }
    if nonce.len() != 12 {
        return Err(VerifyError::Decrypt(format!(
            "the nonce must be 12 bytes, got {}",
            nonce.len()
        )));
    }
    let cipher = gcm_key(key)?;
    let mut ciphertext = plaintext.as_bytes().to_vec();
    cipher
        .seal_in_place_append_tag(
            gcm_nonce(nonce)?,
            Aad::from(associated_data.as_bytes()),
            &mut ciphertext,
        )
        .map_err(|_| VerifyError::Decrypt("encryption failed".into()))?;
    Ok(Resource {
        algorithm: "AEAD_AES_256_GCM".into(),
        ciphertext: BASE64.encode(ciphertext),
        associated_data: Some(associated_data.into()),
        original_type: original_type.into(),
        nonce: nonce.into(),
    })
}

/// The parts of a `WECHATPAY2-SHA256-RSA2048` `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// 商户号
    pub mchid: String,
    /// 随机串
    pub nonce_str: String,
    /// Unix seconds
    pub timestamp: String,
    /// 商户API证书序列号
    pub serial_no: String,
    /// base64 signature
    pub signature: String,
}

impl Authorization {
    /// Parses the header value; `None` unless it has the scheme and all five attributes.
    pub fn parse(header: &str) -> Option<Self> {
        let rest = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ")?;
        let mut attrs = BTreeMap::new();
        for part in rest.split(',') {
            let (k, v) = part.trim().split_once('=')?;
            let v = v.strip_prefix('"')?.strip_suffix('"')?;
            if attrs.insert(k.to_owned(), v.to_owned()).is_some() {
                return None;
            }
        }
        Some(Authorization {
            mchid: attrs.remove("mchid")?,
            nonce_str: attrs.remove("nonce_str")?,
            timestamp: attrs.remove("timestamp")?,
            serial_no: attrs.remove("serial_no")?,
            signature: attrs.remove("signature")?,
        })
    }
}

/// The `Wechatpay-*` headers for a response or notification body, signed with a platform
/// key (what the sandbox sends; WeChat Pay's own servers do the same).
pub fn sign_message_headers(
    platform_key: &MerchantKey,
    serial: &str,
    timestamp: i64,
    nonce: &str,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let signature =
        platform_key.sign_base64(&response_message(&timestamp.to_string(), nonce, body));
    vec![
        ("Wechatpay-Timestamp", timestamp.to_string()),
        ("Wechatpay-Nonce", nonce.to_owned()),
        ("Wechatpay-Serial", serial.to_owned()),
        ("Wechatpay-Signature", signature),
        (
            "Wechatpay-Signature-Type",
            "WECHATPAY2-SHA256-RSA2048".to_owned(),
        ),
    ]
}
