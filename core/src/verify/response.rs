//! What a `#[derive(PayResponse)]` type is and what verifying one returns: the trait, the
//! verified message, and typed decoding of verified members.

use super::{refuse_unsigned_failure, split_unsigned, take_signature, Verifying};
use crate::decode::node::{Node, NodeObject};
use crate::decode::problem::DecodeErrors;
use crate::decode::{self, Limits};
use crate::error::VerifyError;
use crate::object::typed::{decode_members, Constants};
use crate::object::PayObject;
use crate::path::Path;
use crate::schema::{Format, Schema, SignScheme};

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

    /// What verifies this message: a [`Secret`](crate::Secret) for the digest schemes,
    /// `paywire::keys::PublicKey` for `rsa-sha256-sorted`, the scheme's
    /// [`crate::sign::Verify::Key`] for `custom(...)`.
    type Key: ?Sized;

    /// The declared scheme (emitted by the derive).
    type Scheme: Verifying<Key = Self::Key>;

    /// Parses `body` (strictly, in the declared format), verifies the declared signature
    /// over every received field, then decodes and checks the declared rules. Unknown
    /// fields are kept in [`Verified::fields`]; members the signature does not cover are
    /// in [`Verified::unsigned`]. A type declaring `signed_if(member = "value")` returns
    /// the gateway's unsigned failure answer as [`VerifyError::Unsigned`].
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
        refuse_unsigned_failure(schema, &fields)?;
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
