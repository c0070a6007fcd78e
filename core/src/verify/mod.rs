//! Verification of what gateways send back: signatures are checked over the raw
//! received fields (all of them, unknown ones included), never over a re-serialisation
//! of the typed struct; comparison is constant-time; a missing signature is a failure.

mod raw;

pub use raw::{concat_sign_string, node_text, sorted_sign_string, sorted_string};

use crate::decode::node::Node;
use crate::decode::node::NodeObject;
use crate::decode::problem::DecodeErrors;
use crate::decode::{self, Limits};
pub use crate::error::VerifyError;
use crate::object::typed::{decode_members, Constants};
use crate::object::PayObject;
use crate::path::Path;
use crate::schema::{Format, Location, Schema, SignEntry, SignScheme};
use crate::secret::Secret;
use crate::sign::{Custom, Digest, Verify};
use crate::words::hex;
use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

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
/// without a position; under the sorted schemes, the declared `no_sign` fields (Alipay's
/// `sign_type`); every other received member is signed.
pub fn split_unsigned(schema: &Schema, fields: &mut NodeObject) -> NodeObject {
    let mut unsigned = NodeObject::default();
    let names: Vec<String> = match schema.sign.scheme {
        SignScheme::None => return unsigned,
        SignScheme::Md5Concat => {
            let signed: Vec<&str> = schema
                .sign
                .order
                .iter()
                .map(|entry| match *entry {
                    SignEntry::Field(i) => schema.fields[usize::from(i)].wire_name,
                    SignEntry::Constant(i) => schema.constants[usize::from(i)].wire_name,
                })
                .collect();
            fields
                .iter()
                .map(|(name, _)| name.to_owned())
                .filter(|name| !signed.contains(&name.as_str()))
                .collect()
        }
        _ => schema
            .fields
            .iter()
            .filter(|f| !f.signed && f.location == Location::Body)
            .map(|f| f.wire_name.to_owned())
            .collect(),
    };
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
            let text = sorted_sign_string(fields, spec, secret);
            hex(&Md5::digest(text.as_bytes()), spec.case)
        }
        SignScheme::HmacSha256Sorted => {
            let text = sorted_sign_string(fields, spec, secret);
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
        // Not digests: checked by their own `Verifying` impls.
        SignScheme::RsaSha256Sorted | SignScheme::Custom(_) => String::new(),
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
    Digest::check(schema, fields, &received, key)
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
    let value = decode_value(&fields)?;
    Ok(Verified {
        value,
        fields,
        unsigned: NodeObject::default(),
    })
}

/// `T` from received members (no rule is checked).
fn decode_value<T: PayObject>(fields: &NodeObject) -> Result<T, VerifyError> {
    // A gateway's answer (a `PayResponse`) ignores undeclared members at every depth;
    // anything else decoded here (a request read from JSON) refuses them.
    let mut errors = if T::OBJECT_SCHEMA.allow_unknown {
        DecodeErrors::for_answer()
    } else {
        DecodeErrors::new()
    };
    match decode_members::<T>(fields, &Path::Root, &mut errors, Constants::Optional) {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(errors.into()),
    }
}

/// A response or notification declared with `#[derive(PayResponse)]`.
pub trait PayResponse: PayObject {
    /// The message's table: fields, format and signature rule.
    const SCHEMA: &'static Schema;

    /// What verifies this message: a [`Secret`] for the digest schemes,
    /// `paywire::keys::PublicKey` for `rsa-sha256-sorted`, the scheme's
    /// [`crate::sign::Verify::Key`] for `custom(...)`.
    type Key: ?Sized;

    /// The declared scheme (emitted by the derive).
    type Scheme: Verifying<Key = Self::Key>;

    /// Parses `body` (strictly, in the declared format), verifies the declared signature
    /// over every received field, then decodes and checks the declared rules. Unknown
    /// fields are kept in [`Verified::fields`]; members the signature does not cover are
    /// in [`Verified::unsigned`].
    fn verify_body(body: &[u8], key: &Self::Key) -> Result<Verified<Self>, VerifyError> {
        Self::verify_body_with(body, key, &Limits::default())
    }

    /// [`PayResponse::verify_body`] with explicit limits.
    fn verify_body_with(
        body: &[u8],
        key: &Self::Key,
        limits: &Limits,
    ) -> Result<Verified<Self>, VerifyError> {
        let schema = Self::SCHEMA;
        let mut fields = decode::parse_body(schema.format.unwrap_or(Format::Json), body, limits)?;
        if schema.sign.scheme == SignScheme::None {
            return decode_checked(fields);
        }
        let received = take_signature(&mut fields, schema.sign.field)?;
        let unsigned = split_unsigned(schema, &mut fields);
        Self::Scheme::check(schema, &fields, &received, key)?;
        let value = decode_with_unsigned::<Self>(schema, &fields, &unsigned)?;
        Ok(Verified {
            value,
            fields,
            unsigned,
        })
    }

    /// Parses and decodes a message whose type declares `sign = "none"`, then checks its
    /// declared rules, as `verify_body` does for a signed one. For a signed type this
    /// returns an error rather than skip the check.
    fn decode_unsigned(body: &[u8]) -> Result<Verified<Self>, VerifyError> {
        if Self::SCHEMA.sign.scheme != SignScheme::None {
            return Err(VerifyError::Key(format!(
                "{} is signed ({}); use verify_body with the key",
                Self::SCHEMA.name,
                Self::SCHEMA.sign.scheme
            )));
        }
        let fields = decode::parse_body(
            Self::SCHEMA.format.unwrap_or(Format::Json),
            body,
            &Limits::default(),
        )?;
        decode_checked(fields)
    }
}

/// Decodes `T` from the signed members plus the declared fields the signature does not
/// cover (`no_sign`), then checks `T`'s rules.
fn decode_with_unsigned<T: PayObject>(
    schema: &Schema,
    signed: &NodeObject,
    unsigned: &NodeObject,
) -> Result<T, VerifyError> {
    let declared: Vec<(&str, &Node)> = unsigned
        .iter()
        .filter(|(name, _)| schema.field(name).is_some())
        .collect();
    let merged;
    let from = if declared.is_empty() {
        signed
    } else {
        let mut all = signed.clone();
        for (name, node) in declared {
            // The names were removed from `signed`, so they are not there twice.
            let _ = all.insert(name.to_owned(), node.clone());
        }
        merged = all;
        &merged
    };
    let value = decode_value::<T>(from)?;
    value.validate_object().map_err(VerifyError::Rules)?;
    Ok(value)
}

/// What `PayResponse::Scheme` names: how a received message's signature is checked.
/// Implemented by the built-in schemes' types and by `Custom<S>` for every
/// [`crate::sign::Verify`]; implement `Verify` (or `Scheme`) to add one, not this.
pub trait Verifying {
    /// What verifies.
    type Key: ?Sized;

    /// Checks `signature` over `signed`: the received members, the sign field and the
    /// members the signature does not cover already taken out.
    fn check(
        schema: &Schema,
        signed: &NodeObject,
        signature: &str,
        key: &Self::Key,
    ) -> Result<(), VerifyError>;
}

impl Verifying for crate::sign::Unsigned {
    type Key = ();

    /// Never reached: `verify_body` decodes an unsigned message without a check.
    fn check(_: &Schema, _: &NodeObject, _: &str, _: &()) -> Result<(), VerifyError> {
        Ok(())
    }
}

impl Verifying for Digest {
    type Key = Secret;

    fn check(
        schema: &Schema,
        signed: &NodeObject,
        signature: &str,
        key: &Secret,
    ) -> Result<(), VerifyError> {
        let expected = expected_signature(schema, signed, key.expose());
        if signatures_match(&expected, signature) {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }
}

#[cfg(feature = "rsa")]
impl Verifying for crate::sign::RsaSha256 {
    type Key = crate::keys::PublicKey;

    fn check(
        schema: &Schema,
        signed: &NodeObject,
        signature: &str,
        key: &crate::keys::PublicKey,
    ) -> Result<(), VerifyError> {
        key.verify_base64(
            sorted_string(signed, schema.sign.empty).as_bytes(),
            signature,
        )
    }
}

impl<S: Verify> Verifying for Custom<S> {
    type Key = S::Key;

    fn check(
        schema: &Schema,
        signed: &NodeObject,
        signature: &str,
        key: &S::Key,
    ) -> Result<(), VerifyError> {
        if S::verify(
            &raw::received_members(signed, schema.sign.empty),
            signature,
            key,
        ) {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }
}
