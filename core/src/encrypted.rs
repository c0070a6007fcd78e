//! [`Encrypted`]: a member whose text is a declared document, encrypted by the gateway.
//!
//! WeChat Pay v2's refund notification carries the refund in `req_info`: base64 of an
//! AES-256-ECB encrypted XML document. Declared as
//! `req_info: Encrypted<ReqInfoCipher, RefundInfo>`, the member decodes as its text (what
//! travels, what a signature would cover, what `len` measures), and
//! [`Encrypted::open`] with the key decrypts it and decodes the document strictly into
//! the declared type: every required member present, formats and rules checked, no
//! duplicates. Decryption needs a key the decoder does not have, so it is a step of its
//! own, after the envelope is read; nothing is decrypted without it.

use crate::decode::node::Node;
use crate::decode::problem::{DecodeErrors, Problem};
use crate::decode::{parse_body, Limits};
use crate::object::PayObject;
use crate::path::Path;
use crate::schema::{Format, Kind};
use crate::value::{Wire, WireValue};
use crate::verify::response::{decode_checked, Verified};
use crate::VerifyError;
use std::fmt;
use std::marker::PhantomData;

/// How a gateway encrypts a member: the key it opens with, the format of the document
/// inside, and the two directions. Implemented by the gateway's crate (paywire's core
/// carries no cipher of its own); the document's strict decoding is paywire's.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a member cipher",
    label = "the first parameter of `Encrypted<C, T>` must implement `paywire::MemberCipher`",
    note = "implement `MemberCipher` for the gateway's encryption (its key, the document's format, open and seal)"
)]
pub trait MemberCipher {
    /// What the member opens with (an API key, a certificate's key).
    type Key: ?Sized;
    /// The format of the decrypted document.
    const FORMAT: Format;
    /// The encryption in words, for schemas and error messages.
    const NAME: &'static str;
    /// Decrypts the member's text into the document's bytes. A malformed text, a wrong
    /// key or bad padding is an error ([`VerifyError::Decrypt`]), never a panic.
    fn open(key: &Self::Key, text: &str) -> Result<Vec<u8>, VerifyError>;
    /// Encrypts a document into the member's text, as the gateway does (for sandboxes
    /// and tests).
    fn seal(key: &Self::Key, document: &[u8]) -> Result<String, VerifyError>;
}

/// A member whose text is the document `T`, encrypted with `C` (see the module docs).
pub struct Encrypted<C, T> {
    text: String,
    marker: PhantomData<fn() -> (C, T)>,
}

impl<C: MemberCipher, T: PayObject> Encrypted<C, T> {
    /// The member as it travels.
    pub fn from_text(text: impl Into<String>) -> Self {
        Encrypted {
            text: text.into(),
            marker: PhantomData,
        }
    }

    /// The encrypted text, as received.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Decrypts the member with `key` and decodes the document strictly into `T`, its
    /// declared rules checked. Encryption without a MAC (ECB) proves only that the
    /// sender holds the key: check the value against the merchant's own records too.
    pub fn open(&self, key: &C::Key) -> Result<Verified<T>, VerifyError> {
        let document = C::open(key, &self.text)?;
        let members = parse_body(C::FORMAT, &document, &Limits::default())?;
        decode_checked::<T>(members)
    }

    /// Encrypts `document`, after checking that it decodes strictly as `T`: a sandbox
    /// or a test cannot send what a merchant would refuse to open.
    pub fn seal(key: &C::Key, document: &[u8]) -> Result<Self, VerifyError> {
        let members = parse_body(C::FORMAT, document, &Limits::default())?;
        decode_checked::<T>(members)?;
        Ok(Self::from_text(C::seal(key, document)?))
    }
}

impl<C, T> Clone for Encrypted<C, T> {
    fn clone(&self) -> Self {
        Encrypted {
            text: self.text.clone(),
            marker: PhantomData,
        }
    }
}

impl<C, T> PartialEq for Encrypted<C, T> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<C, T> Eq for Encrypted<C, T> {}

impl<C, T> fmt::Debug for Encrypted<C, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Encrypted({} bytes)", self.text.len())
    }
}

impl<C: MemberCipher, T: PayObject> WireValue for Encrypted<C, T> {
    const KIND: Kind = Kind::Encrypted {
        cipher: C::NAME,
        document: T::OBJECT_SCHEMA,
    };

    fn wire(&self) -> Wire<'_> {
        Wire::Str(&self.text)
    }

    fn decode(node: Option<&Node>, at: &Path<'_>, errors: &mut DecodeErrors) -> Option<Self> {
        match node {
            None | Some(Node::Null) => {
                errors.push(
                    at,
                    Problem::Missing {
                        expected: "a string of encrypted text",
                    },
                );
                None
            }
            Some(Node::Str(s) | Node::Text(s)) => Some(Self::from_text(s.as_str())),
            Some(other) => {
                errors.push(
                    at,
                    Problem::WrongType {
                        expected: "a string of encrypted text",
                        got: other.type_name(),
                    },
                );
                None
            }
        }
    }

    fn __text(&self) -> Option<&str> {
        Some(&self.text)
    }
}
