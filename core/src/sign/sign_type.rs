//! A sign type chosen at run time by the message's own `sign_type` member, as WeChat Pay
//! v2 and SwiftPass-style gateways do: `MD5` (the default when the member is absent),
//! `HMAC-SHA256` (both over the sorted members with `&key=KEY`, upper-case hex) and, with
//! the `rsa` feature, `RSA_1_256` (SHA256withRSA over the sorted members, base64).
//!
//! One struct serves every sign type: declare it `sign = custom(paywire::sign::SignType)`
//! for requests and `sign = custom(paywire::sign::SignTypeVerify)` for answers, with a
//! `sign_type` member. The key decides the algorithm and the member must name it: a
//! request whose `sign_type` names another algorithm than its key is refused by
//! `to_body`, and a received message is checked with the algorithm of the configured key
//! only. A message that names another `sign_type` (an `MD5` message sent to a merchant
//! configured for RSA, say) does not verify: no downgrade.

use super::{hmac_sha256_hex, md5_hex, Members, Scheme, Verify};
use crate::schema::HexCase;
use crate::secret::Secret;
use subtle::ConstantTimeEq;

/// The member that names the sign type, and its value when absent.
const MEMBER: &str = "sign_type";
const DEFAULT: &str = "MD5";

/// Signs requests under the algorithm of its key (`sign = custom(SignType)`).
pub struct SignType;

/// A request's key, which chooses the algorithm.
pub enum SignTypeKey {
    /// `MD5`: md5(sorted members + `&key=KEY`), upper-case hex.
    Md5(Secret),
    /// `HMAC-SHA256`: HMAC-SHA256 keyed with KEY over sorted members + `&key=KEY`,
    /// upper-case hex.
    HmacSha256(Secret),
    /// `RSA_1_256`: SHA256withRSA (PKCS#1 v1.5) over the sorted members, base64.
    #[cfg(feature = "rsa")]
    Rsa(crate::keys::MerchantKey),
}

impl SignTypeKey {
    /// The `sign_type` value this key signs under.
    pub fn sign_type(&self) -> &'static str {
        match self {
            SignTypeKey::Md5(_) => "MD5",
            SignTypeKey::HmacSha256(_) => "HMAC-SHA256",
            #[cfg(feature = "rsa")]
            SignTypeKey::Rsa(_) => "RSA_1_256",
        }
    }
}

/// The `sign_type` the members name (absent: `MD5`).
fn named<'m>(members: &'m Members<'_>) -> &'m str {
    members.get(MEMBER).unwrap_or(DEFAULT)
}

/// Sorted members, `&key=`, the secret: what both digests cover.
fn with_key(members: &Members<'_>, secret: &Secret) -> String {
    format!("{}&key={}", members.to_sorted_string(), secret.expose())
}

impl Scheme for SignType {
    type Key = SignTypeKey;

    fn sign(members: &Members<'_>, key: &SignTypeKey) -> String {
        match key {
            SignTypeKey::Md5(secret) => {
                md5_hex(with_key(members, secret).as_bytes(), HexCase::Upper)
            }
            SignTypeKey::HmacSha256(secret) => hmac_sha256_hex(
                secret.expose().as_bytes(),
                with_key(members, secret).as_bytes(),
                HexCase::Upper,
            ),
            #[cfg(feature = "rsa")]
            SignTypeKey::Rsa(private) => private.sign_base64(members.to_sorted_string().as_bytes()),
        }
    }

    fn check(members: &Members<'_>, key: &SignTypeKey) -> Result<(), String> {
        let (named, signs) = (named(members), key.sign_type());
        if named == signs {
            return Ok(());
        }
        Err(format!(
            "sign_type is {named:?} but the key signs {signs:?}: set sign_type to {signs:?}, or sign with a {named} key"
        ))
    }

    fn sign_string_redacted(members: &Members<'_>) -> String {
        match named(members) {
            "RSA_1_256" => members.to_sorted_string(),
            _ => format!("{}&key=***", members.to_sorted_string()),
        }
    }
}

/// Verifies answers under the algorithm of the configured key only
/// (`sign = custom(SignTypeVerify)`).
pub struct SignTypeVerify;

/// The key an answer is verified with, which fixes the algorithm accepted.
pub enum SignTypeVerifyKey {
    /// `MD5` with the shared key.
    Md5(Secret),
    /// `HMAC-SHA256` with the shared key.
    HmacSha256(Secret),
    /// `RSA_1_256` with the gateway's public key.
    #[cfg(feature = "rsa")]
    Rsa(crate::keys::PublicKey),
}

impl SignTypeVerifyKey {
    /// The `sign_type` value accepted with this key.
    pub fn sign_type(&self) -> &'static str {
        match self {
            SignTypeVerifyKey::Md5(_) => "MD5",
            SignTypeVerifyKey::HmacSha256(_) => "HMAC-SHA256",
            #[cfg(feature = "rsa")]
            SignTypeVerifyKey::Rsa(_) => "RSA_1_256",
        }
    }
}

impl Verify for SignTypeVerify {
    type Key = SignTypeVerifyKey;

    fn verify(members: &Members<'_>, signature: &str, key: &SignTypeVerifyKey) -> bool {
        named(members) == key.sign_type() && verify_under(members, signature, key)
    }
}

/// Verifies answers that name no sign type under the algorithm of the configured key
/// (`sign = custom(KeyTypeVerify)`): WeChat Pay v2 signs its answers as their request
/// was signed and leaves `sign_type` out of them. A message that does name one must name
/// the key's; the message never chooses the algorithm.
pub struct KeyTypeVerify;

impl Verify for KeyTypeVerify {
    type Key = SignTypeVerifyKey;

    fn verify(members: &Members<'_>, signature: &str, key: &SignTypeVerifyKey) -> bool {
        members
            .get(MEMBER)
            .is_none_or(|named| named == key.sign_type())
            && verify_under(members, signature, key)
    }
}

/// Whether `signature` is the members' signature under `key`'s algorithm.
fn verify_under(members: &Members<'_>, signature: &str, key: &SignTypeVerifyKey) -> bool {
    let expected = match key {
        SignTypeVerifyKey::Md5(secret) => {
            SignType::sign(members, &SignTypeKey::Md5(secret.clone()))
        }
        SignTypeVerifyKey::HmacSha256(secret) => {
            SignType::sign(members, &SignTypeKey::HmacSha256(secret.clone()))
        }
        #[cfg(feature = "rsa")]
        SignTypeVerifyKey::Rsa(public) => {
            return public
                .verify_base64(members.to_sorted_string().as_bytes(), signature)
                .is_ok()
        }
    };
    // Hex case carries no meaning.
    let (expected, received) = (
        expected.to_ascii_uppercase(),
        signature.to_ascii_uppercase(),
    );
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}
