//! Verification of what gateways send back: signatures are checked over the raw
//! received fields (all of them, unknown ones included), never over a re-serialisation
//! of the typed struct; comparison is constant-time; a missing signature is a failure.

mod raw;
#[cfg(feature = "redis")]
mod redis_guard;
mod replay;

pub use raw::{concat_sign_string, node_text, sorted_sign_string, sorted_string};
#[cfg(feature = "redis")]
pub use redis_guard::RedisReplayGuard;
pub use replay::{GuardError, MemoryReplayGuard, ReplayGuard};

use crate::decode::node::NodeObject;
use crate::decode::typed::{decode_members, Constants, DecodeErrors};
use crate::decode::{self, DecodeError, Limits};
use crate::object::PayObject;
use crate::path::Path;
use crate::schema::{Format, Schema, SignScheme};
use crate::secret::Secret;
use crate::sign::hex;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a response or notification was not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyError {
    /// The body is malformed or hostile (see [`DecodeError`]); nothing was verified.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// No signature where one is required: never treated as a pass.
    #[error(
        "no signature: `{field}` is missing or empty, and an unsigned message is never accepted"
    )]
    SignatureMissing {
        /// Where the signature should have been.
        field: String,
    },
    /// The signature does not match the received fields and the configured key.
    #[error("the signature does not match: check the key, and that the message was not altered")]
    SignatureMismatch,
    /// The message names a signature type other than the one configured.
    #[error("the message is signed with {received:?}, but {expected:?} is configured; refusing to switch")]
    SignTypeMismatch {
        /// The configured type.
        expected: &'static str,
        /// The received `sign_type`.
        received: String,
    },
    /// A timestamp outside the accepted window (replayed or delayed message, or a clock problem).
    #[error("timestamp {timestamp} is {skew} s from now; at most {window} s are accepted")]
    Stale {
        /// The received timestamp (Unix seconds).
        timestamp: i64,
        /// Its distance from now, in seconds.
        skew: i64,
        /// The accepted window.
        window: i64,
    },
    /// The replay guard could not answer: neither apply nor acknowledge; answer an error so
    /// the gateway delivers the notification again.
    #[error(transparent)]
    Guard(#[from] GuardError),
    /// This message was already accepted once: acknowledge it, but do not apply it again.
    #[error("already seen: {id}; acknowledge it, but do not apply it again")]
    Replayed {
        /// The notification's identity.
        id: String,
    },
    /// No platform key with the serial the message names.
    #[error("no platform key with serial {serial:?}: download the current platform certificates")]
    UnknownSerial {
        /// The `Wechatpay-Serial` received.
        serial: String,
    },
    /// A required header is missing or not valid text.
    #[error("the header {name} is missing or not valid text")]
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A key of the wrong size or format.
    #[error("{0}")]
    Key(String),
    /// An encrypted resource that does not decrypt (wrong APIv3 key, or tampered).
    #[error("the encrypted resource does not decrypt: {0}")]
    Decrypt(String),
}

impl VerifyError {
    /// Whether the input itself was malformed or hostile (as opposed to well-formed but
    /// not authentic, stale or replayed).
    pub fn is_malformed(&self) -> bool {
        matches!(self, VerifyError::Decode(_))
    }
}

/// Claims `id` with `guard`: `Ok(())` the first time, [`VerifyError::Replayed`] for a
/// repeat, [`VerifyError::Guard`] when the guard cannot tell.
pub fn claim(guard: &dyn ReplayGuard, id: String) -> Result<(), VerifyError> {
    match guard.first_time(&id)? {
        true => Ok(()),
        false => Err(VerifyError::Replayed { id }),
    }
}

impl From<DecodeErrors> for VerifyError {
    fn from(errors: DecodeErrors) -> Self {
        VerifyError::Decode(DecodeError::Fields(errors))
    }
}

/// A verified message: the typed value and every field exactly as received (unknown ones
/// included, the signature excluded).
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<T> {
    /// The typed value.
    pub value: T,
    /// The raw received fields.
    pub fields: NodeObject,
}

/// Constant-time equality of two signatures; hex case is ignored (it carries no meaning).
pub fn signatures_match(expected: &str, received: &str) -> bool {
    let expected = expected.to_ascii_uppercase();
    let received = received.to_ascii_uppercase();
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

/// Takes the signature out of `fields`, refusing a missing or empty one.
pub fn take_signature(fields: &mut NodeObject, sign_field: &str) -> Result<String, VerifyError> {
    match fields.remove(sign_field) {
        Some(node) => match node.as_str() {
            Some(s) if !s.is_empty() => Ok(s.to_owned()),
            _ => Err(VerifyError::SignatureMissing {
                field: sign_field.to_owned(),
            }),
        },
        None => Err(VerifyError::SignatureMissing {
            field: sign_field.to_owned(),
        }),
    }
}

/// The expected signature of `fields` (signature removed) under `schema`'s rule.
pub fn expected_signature(schema: &Schema, fields: &NodeObject, secret: &str) -> String {
    let spec = &schema.sign;
    match spec.scheme {
        SignScheme::None => String::new(),
        SignScheme::Md5Sorted => {
            let text = sorted_sign_string(fields, spec.key_name, secret);
            hex(&Md5::digest(text.as_bytes()), spec.case)
        }
        SignScheme::HmacSha256Sorted => {
            let text = sorted_sign_string(fields, spec.key_name, secret);
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
                return String::new();
            };
            mac.update(text.as_bytes());
            hex(&mac.finalize().into_bytes(), spec.case)
        }
        SignScheme::Md5Concat => {
            let text = concat_sign_string(schema, fields, secret);
            hex(&Md5::digest(text.as_bytes()), spec.case)
        }
    }
}

/// Checks the signature carried in `fields` against `schema`'s rule, and removes it.
pub fn check_signature(
    schema: &Schema,
    fields: &mut NodeObject,
    key: &Secret,
) -> Result<(), VerifyError> {
    if schema.sign.scheme == SignScheme::None {
        return Ok(());
    }
    let received = take_signature(fields, schema.sign.field)?;
    let expected = expected_signature(schema, fields, key.expose());
    if signatures_match(&expected, &received) {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch)
    }
}

/// Decodes already-verified (or unsigned) fields into `T`, keeping them raw beside it.
pub fn decode_fields<T: PayObject>(fields: NodeObject) -> Result<Verified<T>, VerifyError> {
    let mut errors = DecodeErrors::new();
    let value = decode_members::<T>(&fields, &Path::Root, &mut errors, Constants::Optional);
    match value {
        Some(value) if errors.is_empty() => Ok(Verified { value, fields }),
        _ => Err(errors.into()),
    }
}

/// A response or notification declared with `#[derive(PayResponse)]`.
pub trait PayResponse: PayObject {
    /// The message's table: fields, format and signature rule.
    const SCHEMA: &'static Schema;

    /// Parses `body` (strictly, in the declared format), verifies the declared signature
    /// over every received field, then decodes. Unknown fields are kept in
    /// [`Verified::fields`].
    fn verify_body(body: &[u8], key: &Secret) -> Result<Verified<Self>, VerifyError> {
        Self::verify_body_with(body, key, &Limits::default())
    }

    /// [`PayResponse::verify_body`] with explicit limits.
    fn verify_body_with(
        body: &[u8],
        key: &Secret,
        limits: &Limits,
    ) -> Result<Verified<Self>, VerifyError> {
        let mut fields =
            decode::parse_body(Self::SCHEMA.format.unwrap_or(Format::Json), body, limits)?;
        check_signature(Self::SCHEMA, &mut fields, key)?;
        decode_fields(fields)
    }

    /// Parses and decodes a message whose type declares `sign = "none"`. For a signed
    /// type this refuses with [`VerifyError::SignatureMissing`]-like safety: it returns
    /// an error rather than skip the check.
    fn decode_unsigned(body: &[u8]) -> Result<Verified<Self>, VerifyError> {
        if Self::SCHEMA.sign.scheme != SignScheme::None {
            return Err(VerifyError::Key(format!(
                "{} is signed ({}); use verify_body with the key",
                Self::SCHEMA.name,
                Self::SCHEMA.sign.scheme.name()
            )));
        }
        let fields = decode::parse_body(
            Self::SCHEMA.format.unwrap_or(Format::Json),
            body,
            &Limits::default(),
        )?;
        decode_fields(fields)
    }
}
