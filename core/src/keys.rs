//! RSA keys for SHA256withRSA (PKCS#1 v1.5): the merchant's private key (WeChat Pay v3
//! request signing, JSAPI `paySign`) and gateways' public keys (v3 platform keys,
//! SwiftPass `RSA_1_256`). Private keys print as `***` and are zeroized on drop.

use crate::error::VerifyError;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RsaKeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Why a key could not be loaded. The message never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// The merchant's RSA private key (2048 to 8192 bits), held by AWS-LC, which signs in
/// constant time and clears the key when the last clone is dropped.
#[derive(Clone)]
pub struct MerchantKey {
    pair: Arc<RsaKeyPair>,
}

impl MerchantKey {
    /// Loads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, what WeChat Pay issues as
    /// `apiclient_key.pem`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`), with lines of any length,
    /// or the bare base64 of either (how Alipay's key tool shows a key).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        const WANTED: &str = "not an RSA private key in PKCS#8 or PKCS#1 PEM (BEGIN PRIVATE KEY / BEGIN RSA PRIVATE KEY)";
        let (label, der) = pem_der(pem).ok_or_else(|| KeyError(WANTED.into()))?;
        let pair = match label {
            Some("PRIVATE KEY") => RsaKeyPair::from_pkcs8(&der),
            Some("RSA PRIVATE KEY") => RsaKeyPair::from_der(&der),
            None => RsaKeyPair::from_pkcs8(&der).or_else(|_| RsaKeyPair::from_der(&der)),
            Some(_) => return Err(KeyError(WANTED.into())),
        }
        .map_err(|e| KeyError(format!("{WANTED}: {e}")))?;
        Ok(MerchantKey {
            pair: Arc::new(pair),
        })
    }

    /// SHA256withRSA (PKCS#1 v1.5) over `message`, base64. Deterministic: the same key and
    /// message always give the same signature.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        let mut signature = vec![0; self.pair.public_modulus_len()];
        // PKCS#1 v1.5 uses no randomness, and a loaded key of a supported size always
        // signs: the only failure is an output buffer of the wrong length.
        match self.pair.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            message,
            &mut signature,
        ) {
            Ok(()) => BASE64.encode(signature),
            Err(_) => String::new(),
        }
    }

    /// The matching public key (to give to a sandbox, or to check a round trip).
    pub fn public_key(&self) -> PublicKey {
        let der = self.pair.public_key().as_ref();
        // The key pair's own public key (PKCS#1 DER) always parses.
        PublicKey::from_der(der).unwrap_or_else(|_| unreachable!("a key pair's public key parses"))
    }
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKey(***)")
    }
}

impl fmt::Display for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A gateway's RSA public key (2048 to 8192 bits).
#[derive(Clone)]
pub struct PublicKey {
    parsed: Arc<ParsedPublicKey>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PublicKey(RSA)")
    }
}

impl PublicKey {
    /// Loads a PEM public key: SPKI (`BEGIN PUBLIC KEY`, WeChat Pay's public-key mode and
    /// Alipay's public key) or PKCS#1 (`BEGIN RSA PUBLIC KEY`), with lines of any length,
    /// or the bare base64 of either.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        const WANTED: &str =
            "not an RSA public key in SPKI or PKCS#1 PEM (BEGIN PUBLIC KEY / BEGIN RSA PUBLIC KEY)";
        match pem_der(pem) {
            Some((Some("PUBLIC KEY" | "RSA PUBLIC KEY") | None, der)) => {
                Self::from_der(&der).map_err(|e| KeyError(format!("{WANTED}: {e}")))
            }
            _ => Err(KeyError(WANTED.into())),
        }
    }

    /// Loads a DER public key, SPKI or PKCS#1.
    fn from_der(der: &[u8]) -> Result<Self, aws_lc_rs::error::KeyRejected> {
        Ok(PublicKey {
            parsed: Arc::new(ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)?),
        })
    }

    /// Loads the key of a PEM X.509 certificate (a WeChat Pay platform certificate) and
    /// returns it with the certificate's serial number in upper-case hex, as it appears
    /// in `Wechatpay-Serial`.
    pub fn from_certificate_pem(pem: &str) -> Result<(String, Self), KeyError> {
        use x509_cert::der::{DecodePem, Encode};
        let cert = x509_cert::Certificate::from_pem(pem.as_bytes())
            .map_err(|e| KeyError(format!("not a PEM X.509 certificate: {e}")))?;
        let spki = cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| KeyError(format!("certificate public key: {e}")))?;
        let key = Self::from_der(&spki).map_err(|_| {
            KeyError("the certificate's key is not an RSA key of 2048 to 8192 bits".into())
        })?;
        let serial_bytes = cert.tbs_certificate.serial_number.as_bytes();
        let significant = serial_bytes
            .iter()
            .position(|b| *b != 0)
            .map_or(&serial_bytes[..0], |i| &serial_bytes[i..]);
        let serial = crate::words::hex(significant, crate::schema::HexCase::Upper);
        Ok((serial, key))
    }

    /// Checks a base64 SHA256withRSA (PKCS#1 v1.5) signature over `message`.
    pub fn verify_base64(&self, message: &[u8], signature: &str) -> Result<(), VerifyError> {
        if signature.is_empty() {
            return Err(VerifyError::SignatureMissing {
                field: "signature".into(),
            });
        }
        let bytes = BASE64
            .decode(signature.trim())
            .map_err(|_| VerifyError::SignatureMismatch)?;
        self.parsed
            .verify_sig(message, &bytes)
            .map_err(|_| VerifyError::SignatureMismatch)
    }
}

/// The label and DER bytes of the PEM block in `text`, or of bare base64 (the "no
/// wrapper" form Alipay's key tool shows; the label is then `None`). Lines may be of any
/// length (Alipay writes one long line) and surrounding whitespace is ignored; the bytes
/// are cleared when dropped, since they may be a private key.
fn pem_der(text: &str) -> Option<(Option<&'static str>, Zeroizing<Vec<u8>>)> {
    const LABELS: [&str; 4] = [
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "PUBLIC KEY",
        "RSA PUBLIC KEY",
    ];
    let text = text.trim();
    let (label, body) = match text.strip_prefix("-----BEGIN ") {
        Some(rest) => {
            let (label, rest) = rest.split_once("-----")?;
            let label = LABELS.into_iter().find(|known| *known == label)?;
            let end = format!("-----END {label}-----");
            let body = rest.trim_end().strip_suffix(end.as_str())?;
            (Some(label), body)
        }
        None => (None, text),
    };
    let compact: Zeroizing<Vec<u8>> =
        Zeroizing::new(body.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
    let der = BASE64.decode(compact.as_slice()).ok()?;
    Some((label, Zeroizing::new(der)))
}
