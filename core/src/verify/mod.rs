//! Verification of what gateways send back: signatures are checked over the raw
//! received fields (all of them, unknown ones included), never over a re-serialisation
//! of the typed struct; comparison is constant-time; a missing signature is a failure.

mod raw;

pub use raw::{concat_sign_string, node_text, sorted_sign_string, sorted_string};

use crate::decode::node::NodeObject;
use crate::decode::problem::DecodeErrors;
use crate::decode::{self, DecodeError, Limits};
use crate::error::SchemaErrors;
use crate::object::typed::{decode_members, Constants};
use crate::object::PayObject;
use crate::path::Path;
use crate::schema::{Format, Schema, SignEntry, SignScheme};
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
    /// Authentic, but a member breaks the message's declared rules (a format, a length, a
    /// member required when the status says paid). A valid signature over an ambiguous
    /// string is not an unambiguous message, so nothing of it is used.
    #[error("the message breaks its declared rules: {0}")]
    Rules(SchemaErrors),
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
    /// not authentic or stale).
    pub fn is_malformed(&self) -> bool {
        matches!(self, VerifyError::Decode(_) | VerifyError::Rules(_))
    }
}

impl From<DecodeErrors> for VerifyError {
    fn from(errors: DecodeErrors) -> Self {
        VerifyError::Decode(DecodeError::Fields(errors))
    }
}

/// A verified message: the typed value and every signed field exactly as received
/// (unknown ones included, the signature excluded), with the members the signature does
/// not cover kept apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified<T> {
    /// The typed value, decoded from signed members only.
    pub value: T,
    /// The raw received members the signature covers.
    pub fields: NodeObject,
    /// Members that travelled with the message but that its signature does not cover
    /// (under `md5-concat`, every member without a `sign = N` position, such as XorPay's
    /// `more`): anyone on the path could have written them. Never treat them as
    /// authenticated; empty for schemes that sign every member.
    pub unsigned: NodeObject,
}

/// Splits off the members `schema`'s signature does not cover: under `md5-concat`, those
/// without a position; every other scheme signs every received member.
pub fn split_unsigned(schema: &Schema, fields: &mut NodeObject) -> NodeObject {
    let mut unsigned = NodeObject::default();
    if schema.sign.scheme != SignScheme::Md5Concat {
        return unsigned;
    }
    let signed: Vec<&str> = schema
        .sign
        .order
        .iter()
        .map(|entry| match *entry {
            SignEntry::Field(i) => schema.fields[usize::from(i)].wire_name,
            SignEntry::Constant(i) => schema.constants[usize::from(i)].wire_name,
        })
        .collect();
    let names: Vec<String> = fields
        .iter()
        .map(|(name, _)| name.to_owned())
        .filter(|name| !signed.contains(&name.as_str()))
        .collect();
    for name in names {
        if let Some(node) = fields.remove(&name) {
            // Names come from one object, so they are unique and the insert cannot refuse.
            let _ = unsigned.insert(name, node);
        }
    }
    unsigned
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

/// Decodes already-verified fields into `T` and checks `T`'s declared rules: what every
/// verifier returns. A signature over an ambiguous string (sorted `k=v` with a value
/// holding `&k=v`, a concatenation whose characters moved) still verifies, so the rules
/// are what refuses a re-shaped message.
pub fn decode_checked<T: PayObject>(fields: NodeObject) -> Result<Verified<T>, VerifyError> {
    let verified = decode_fields::<T>(fields)?;
    verified
        .value
        .validate_object()
        .map_err(VerifyError::Rules)?;
    Ok(verified)
}

/// Decodes fields into `T`, keeping them raw beside it (no rule is checked).
pub fn decode_fields<T: PayObject>(fields: NodeObject) -> Result<Verified<T>, VerifyError> {
    let mut errors = DecodeErrors::new();
    let value = decode_members::<T>(&fields, &Path::Root, &mut errors, Constants::Optional);
    match value {
        Some(value) if errors.is_empty() => Ok(Verified {
            value,
            fields,
            unsigned: NodeObject::default(),
        }),
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
        let unsigned = split_unsigned(Self::SCHEMA, &mut fields);
        let verified = decode_checked(fields)?;
        Ok(Verified {
            unsigned,
            ..verified
        })
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
