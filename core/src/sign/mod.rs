//! How requests are signed, and how a user writes a scheme paywire does not ship.
//!
//! The built-in schemes (`md5-sorted`, `hmac-sha256-sorted`, `md5-concat`, `none`,
//! `rsa-sha256-sorted`) stream their canonical string straight from the derive's
//! compile-time order (see [`SignWriter`]). A scheme of the user's (`sign = custom(T)`)
//! implements [`Scheme`] over [`Members`]: what a sorted scheme would sign, already
//! collected and in order.
//!
//! ```
//! use paywire::sign::{Members, Scheme};
//! use paywire::Secret;
//!
//! /// Values only, with the salt sorted in among them, joined by `&`, MD5.
//! struct ValuesWithSalt;
//!
//! impl Scheme for ValuesWithSalt {
//!     type Key = Secret;
//!     fn sign(members: &Members<'_>, key: &Secret) -> String {
//!         let mut values: Vec<&str> = members.iter().map(|(_, v)| v).collect();
//!         values.push(key.expose());
//!         values.sort_unstable();
//!         paywire::sign::md5_hex(values.join("&").as_bytes(), paywire::schema::HexCase::Lower)
//!     }
//! }
//!
//! #[derive(Debug, Clone, paywire::PayRequest)]
//! #[pay(format = "json", sign = custom(ValuesWithSalt))]
//! struct CreateOrder {
//!     out_order_no: String,
//!     total_amount: paywire::Fen,
//! }
//!
//! let order = CreateOrder { out_order_no: "A1".into(), total_amount: paywire::Fen::new(100) };
//! let members = Members::new([("out_order_no", "A1"), ("total_amount", "100")]);
//! assert_eq!(
//!     paywire::PayRequest::signature(&order, &Secret::new("salt")),
//!     ValuesWithSalt::sign(&members, &Secret::new("salt")),
//! );
//! ```

mod members;
#[cfg(feature = "rsa")]
mod rsa;
mod sign_type;
mod writer;

pub use crate::words::hex;
pub use members::Members;
pub use sign_type::{KeyTypeVerify, SignType, SignTypeKey, SignTypeVerify, SignTypeVerifyKey};
pub use writer::{hmac_sha256_hex, md5_hex, HexDigest, SignWriter};

use crate::schema::SignSpec;
use crate::secret::Secret;
use crate::value::FieldAccess;
use std::marker::PhantomData;
use subtle::ConstantTimeEq;

/// A signature scheme written by the user, named in `#[pay(sign = custom(Type))]`.
///
/// `sign` receives [`Members`]: every field and constant whose wire value is not empty,
/// except the sign field and `no_sign` fields, in wire-name byte order.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sign scheme",
    label = "`sign = custom(...)` needs a type that implements `paywire::sign::Scheme`",
    note = "implement `paywire::sign::Scheme` for it: `type Key` and `fn sign(members, key) -> String`"
)]
pub trait Scheme {
    /// What signs: a [`Secret`] for digests, `paywire::keys::MerchantKey` for RSA.
    type Key: ?Sized;

    /// The signature over `members`, as it travels in the sign field.
    fn sign(members: &Members<'_>, key: &Self::Key) -> String;

    /// Refuses to sign `members` with `key` when the two do not go together (a
    /// `sign_type` member naming another algorithm than the key's): `to_body` checks it
    /// before signing. The default accepts every key.
    fn check(members: &Members<'_>, key: &Self::Key) -> Result<(), String> {
        let _ = (members, key);
        Ok(())
    }

    /// The canonical string shown by `sign_string_redacted()`, with any secret written
    /// as `***`. The default is the members as sorted `k=v&k=v`; override it when the
    /// scheme signs another string.
    fn sign_string_redacted(members: &Members<'_>) -> String {
        members.to_sorted_string()
    }
}

/// How a response or notification signed with a custom scheme is checked.
///
/// Every [`Scheme`] verifies by recomputing the signature over the received members with
/// the same key and comparing in constant time. Implement `Verify` yourself (on a type
/// that is not a `Scheme`) to verify with another key, such as a gateway's public key.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot verify a message",
    label = "`sign = custom(...)` on a response needs `paywire::sign::Verify` (every `Scheme` has it)"
)]
pub trait Verify {
    /// What verifies: the shared secret, or a public key.
    type Key: ?Sized;

    /// Whether `signature` is authentic for `members` (received members: unknown ones
    /// included; the sign field and `no_sign` fields left out).
    fn verify(members: &Members<'_>, signature: &str, key: &Self::Key) -> bool;
}

impl<S: Scheme> Verify for S {
    type Key = S::Key;

    fn verify(members: &Members<'_>, signature: &str, key: &Self::Key) -> bool {
        let expected = S::sign(members, key);
        expected.len() == signature.len()
            && bool::from(expected.as_bytes().ct_eq(signature.as_bytes()))
    }
}

/// A computed signature, as it travels: hex digits on the stack for the digest schemes,
/// text for the others.
#[derive(Debug, Clone)]
pub enum Signature {
    /// A hex digest (empty for `sign = "none"`).
    Digest(HexDigest),
    /// Base64 (RSA) or whatever a custom scheme returned.
    Text(String),
}

impl Signature {
    /// The signature's text.
    #[inline]
    pub fn as_str(&self) -> &str {
        match self {
            Signature::Digest(digest) => digest.as_str(),
            Signature::Text(text) => text,
        }
    }

    /// The signature's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Signature::Digest(digest) => digest.as_bytes(),
            Signature::Text(text) => text.as_bytes(),
        }
    }
}

/// What `PayRequest::Scheme` names: one of the built-in schemes' types ([`Digest`],
/// `RsaSha256`) or [`Custom`]. Implement [`Scheme`] to add one, not this.
pub trait Signing {
    /// What signs.
    type Key: ?Sized;

    /// The signature of `object`, whose canonical pieces `write` streams.
    fn sign(
        spec: &SignSpec,
        object: &dyn FieldAccess,
        write: &dyn Fn(&mut SignWriter) -> usize,
        key: &Self::Key,
    ) -> Signature;

    /// Whether `object` may be signed with `key` (see [`Scheme::check`]); every built-in
    /// scheme accepts every key of its type.
    fn check(spec: &SignSpec, object: &dyn FieldAccess, key: &Self::Key) -> Result<(), String> {
        let _ = (spec, object, key);
        Ok(())
    }

    /// The canonical string; `None` writes `***` where a secret goes.
    fn sign_string(
        spec: &SignSpec,
        object: &dyn FieldAccess,
        write: &dyn Fn(&mut SignWriter) -> usize,
        key: Option<&Self::Key>,
    ) -> String;
}

/// The digest schemes (`md5-sorted`, `hmac-sha256-sorted`, `md5-concat`) and `none`,
/// keyed by a [`Secret`].
pub struct Digest;

impl Signing for Digest {
    type Key = Secret;

    #[inline]
    fn sign(
        spec: &SignSpec,
        _: &dyn FieldAccess,
        write: &dyn Fn(&mut SignWriter) -> usize,
        key: &Secret,
    ) -> Signature {
        Signature::Digest(writer::signature(spec, key.expose(), write))
    }

    fn sign_string(
        spec: &SignSpec,
        _: &dyn FieldAccess,
        write: &dyn Fn(&mut SignWriter) -> usize,
        key: Option<&Secret>,
    ) -> String {
        writer::sign_string(spec, key.map_or("***", Secret::expose), write)
    }
}

/// `sign = "none"`: nothing is signed, so nothing signs it; the key is `()`
/// (`to_body(&())`, or [`crate::PayRequest::to_unsigned_body`]).
pub struct Unsigned;

impl Signing for Unsigned {
    type Key = ();

    #[inline]
    fn sign(
        spec: &SignSpec,
        _: &dyn FieldAccess,
        write: &dyn Fn(&mut SignWriter) -> usize,
        _: &(),
    ) -> Signature {
        Signature::Digest(writer::signature(spec, "", write))
    }

    fn sign_string(
        _: &SignSpec,
        _: &dyn FieldAccess,
        _: &dyn Fn(&mut SignWriter) -> usize,
        _: Option<&()>,
    ) -> String {
        String::new()
    }
}

#[cfg(feature = "rsa")]
pub use rsa::RsaSha256;

/// A scheme of the user's, `sign = custom(S)`.
pub struct Custom<S>(PhantomData<fn() -> S>);

impl<S: Scheme> Signing for Custom<S> {
    type Key = S::Key;

    fn sign(
        spec: &SignSpec,
        object: &dyn FieldAccess,
        _: &dyn Fn(&mut SignWriter) -> usize,
        key: &S::Key,
    ) -> Signature {
        Signature::Text(S::sign(&Members::of_object(spec, object), key))
    }

    fn check(spec: &SignSpec, object: &dyn FieldAccess, key: &S::Key) -> Result<(), String> {
        S::check(&Members::of_object(spec, object), key)
    }

    fn sign_string(
        spec: &SignSpec,
        object: &dyn FieldAccess,
        _: &dyn Fn(&mut SignWriter) -> usize,
        _: Option<&S::Key>,
    ) -> String {
        S::sign_string_redacted(&Members::of_object(spec, object))
    }
}
