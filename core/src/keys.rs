//! RSA keys for SHA256withRSA (PKCS#1 v1.5): the merchant's private key (WeChat Pay v3
//! request signing, JSAPI `paySign`) and gateways' public keys (v3 platform keys,
//! SwiftPass `RSA_1_256`). Private keys print as `***` and are zeroized on drop.

use crate::verify::VerifyError;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{Keypair, SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use std::fmt;

/// Why a key could not be loaded. The message never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// The merchant's RSA private key.
#[derive(Clone)]
pub struct MerchantKey {
    signing: SigningKey<Sha256>,
}

impl MerchantKey {
    /// Loads a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`, what WeChat Pay issues as
    /// `apiclient_key.pem`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| {
                KeyError("not an RSA private key in PKCS#8 or PKCS#1 PEM (BEGIN PRIVATE KEY / BEGIN RSA PRIVATE KEY)".into())
            })?;
        Ok(MerchantKey {
            signing: SigningKey::new(key),
        })
    }

    /// SHA256withRSA (PKCS#1 v1.5) over `message`, base64. Deterministic: the same key and
    /// message always give the same signature.
    pub fn sign_base64(&self, message: &[u8]) -> String {
        BASE64.encode(self.signing.sign(message).to_vec())
    }

    /// The matching public key (to give to a sandbox, or to check a round trip).
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            verifying: self.signing.verifying_key(),
        }
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

/// A gateway's RSA public key.
#[derive(Debug, Clone)]
pub struct PublicKey {
    verifying: VerifyingKey<Sha256>,
}

impl PublicKey {
    /// Loads a PEM public key: SPKI (`BEGIN PUBLIC KEY`, WeChat Pay's public-key mode) or
    /// PKCS#1 (`BEGIN RSA PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|_| KeyError("not an RSA public key in SPKI or PKCS#1 PEM".into()))?;
        Ok(PublicKey {
            verifying: VerifyingKey::new(key),
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
        let key = RsaPublicKey::from_public_key_der(&spki)
            .map_err(|_| KeyError("the certificate's key is not an RSA key".into()))?;
        let serial_bytes = cert.tbs_certificate.serial_number.as_bytes();
        let significant = serial_bytes
            .iter()
            .position(|b| *b != 0)
            .map_or(&serial_bytes[..0], |i| &serial_bytes[i..]);
        let serial = crate::sign::hex(significant, crate::schema::HexCase::Upper);
        Ok((
            serial,
            PublicKey {
                verifying: VerifyingKey::new(key),
            },
        ))
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
        let signature =
            Signature::try_from(bytes.as_slice()).map_err(|_| VerifyError::SignatureMismatch)?;
        self.verifying
            .verify(message, &signature)
            .map_err(|_| VerifyError::SignatureMismatch)
    }
}
