//! Verification of what gateways send back: signatures are checked over the raw
//! received fields (all of them, unknown ones included), never over a re-serialisation
//! of the typed struct; comparison is constant-time; a missing signature is a failure.

mod ambiguous;
mod raw;
pub(crate) mod response;

pub use ambiguous::refuse_swallowed_members;
pub use raw::{concat_sign_string, node_text, sorted_sign_string, sorted_string};
pub use response::{decode_checked, decode_fields, Verified};

use crate::decode::node::NodeObject;
use crate::error::VerifyError;
use crate::schema::{Location, Schema, SignEntry, SignScheme};
use crate::secret::Secret;
use crate::sign::{hmac_sha256_hex, md5_hex, Custom, Digest, Verify};
use subtle::ConstantTimeEq;

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

/// Refuses the gateway's unsigned failure answer: where `schema` declares
/// `signed_if(member = "value")` and `member` in `fields` is not `value`, the message
/// carries no signature by design, and it comes back as [`VerifyError::Unsigned`] with its
/// members, never as verified. `verify_body` calls it before looking for the signature;
/// a verifier with a signature check of its own calls it the same way.
pub fn refuse_unsigned_failure(schema: &Schema, fields: &NodeObject) -> Result<(), VerifyError> {
    let Some(condition) = schema.signed_if else {
        return Ok(());
    };
    let value = fields
        .get(condition.wire_name)
        .and_then(|n| n.as_str())
        .unwrap_or_default();
    if value == condition.value {
        return Ok(());
    }
    Err(VerifyError::Unsigned {
        member: condition.wire_name,
        value: value.to_owned(),
        fields: Box::new(fields.clone()),
    })
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
        SignScheme::Md5Sorted => md5_hex(
            sorted_sign_string(fields, spec, secret).as_bytes(),
            spec.case,
        ),
        SignScheme::HmacSha256Sorted => hmac_sha256_hex(
            secret.as_bytes(),
            sorted_sign_string(fields, spec, secret).as_bytes(),
            spec.case,
        ),
        SignScheme::Md5Concat => md5_hex(
            concat_sign_string(schema, fields, secret).as_bytes(),
            spec.case,
        ),
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
        if !signatures_match(&expected, signature) {
            return Err(VerifyError::SignatureMismatch);
        }
        if schema.sign.scheme.is_sorted() {
            refuse_swallowed_members(schema, signed)?;
        }
        Ok(())
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
        )?;
        refuse_swallowed_members(schema, signed)
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
            refuse_swallowed_members(schema, signed)
        } else {
            Err(VerifyError::SignatureMismatch)
        }
    }
}
