//! The traits the derives implement, [`PayObject`] (any declared struct) and
//! [`PayRequest`] (a signed, encodable request), and typed decoding into them.

pub(crate) mod typed;

use crate::decode::node::{Node, NodeObject};
use crate::decode::problem::DecodeErrors;
use crate::decode::{self, DecodeError, Limits};
use crate::encode::BodyWriter;
use crate::error::{Error, SchemaErrors};
use crate::path::Path;
use crate::schema::{Format, Schema};
use crate::sign::{SignWriter, Signature, Signing};
use crate::validate;
use crate::value::{FieldAccess, WireValue};

/// A struct declared with `#[derive(PayObject)]` or `#[derive(PayRequest)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a declared object",
    label = "derive PayObject for this type",
    note = "nested objects and the items of an indexed family are structs with #[derive(PayObject)]"
)]
pub trait PayObject: FieldAccess + WireValue {
    /// The struct's schema.
    const OBJECT_SCHEMA: &'static Schema;

    /// Builds the struct from a received object's members. Unknown members and constants
    /// are checked by the caller; problems are pushed to `errors`.
    fn decode_fields(object: &NodeObject, at: &Path<'_>, errors: &mut DecodeErrors)
        -> Option<Self>;

    /// Checks every declared rule, recursively; reports every violation at once.
    fn validate_object(&self) -> Result<(), SchemaErrors> {
        validate(self)
    }
}

/// A gateway request declared with `#[derive(PayRequest)]`.
///
/// ```
/// use paywire::{PayRequest, Secret};
///
/// /// The WeChat Pay v2 documentation's signing example.
/// #[derive(Debug, Clone, PayRequest)]
/// #[pay(format = "xml", sign = "md5-sorted", sign_key = "key")]
/// struct Example {
///     #[pay(len = 1..=32)] appid: String,
///     #[pay(len = 1..=32)] mch_id: String,
///     #[pay(len = ..=32)] device_info: Option<String>,
///     #[pay(len = 1..=128)] body: String,
///     #[pay(len = 1..=32)] nonce_str: String,
/// }
///
/// let req = Example {
///     appid: "wxd930ea5d5a258f4f".into(),
///     mch_id: "10000100".into(),
///     device_info: Some("1000".into()),
///     body: "test".into(),
///     nonce_str: "ibuaiVcKdpRxkhJA".into(),
/// };
/// let key = Secret::new("192006250b4c09247ec02edce69f6a2d");
/// req.validate().unwrap();
/// assert_eq!(req.signature(&key), "9A0A8659F005D6984697E2CA0A9CF3B7");
/// ```
pub trait PayRequest: PayObject {
    /// The request's parameter table: every field's wire name, type, limits, presence and
    /// doc line, plus the format and signature rule.
    const SCHEMA: &'static Schema;

    /// Checks every declared rule; reports every violation at once, each with its
    /// JSON-pointer path, the rule and limit, and the actual value or length.
    fn validate(&self) -> Result<(), SchemaErrors> {
        validate(self)
    }

    /// What signs this request: a [`crate::Secret`] for the digest schemes,
    /// `paywire::keys::MerchantKey` for `rsa-sha256-sorted`, the scheme's `Key` for
    /// `custom(...)`, and `()` for `none`.
    type Key: ?Sized;

    /// The declared scheme (emitted by the derive).
    type Scheme: Signing<Key = Self::Key>;

    /// The canonical string that is signed. For the digest schemes it **includes the
    /// secret** (for md5-concat the secret is its tail); use
    /// [`PayRequest::sign_string_redacted`] to show it. A custom scheme shows its redacted
    /// string here too.
    fn sign_string(&self, key: &Self::Key) -> String {
        Self::Scheme::sign_string(
            &Self::SCHEMA.sign,
            self,
            &|w| self.__write_sign(w),
            Some(key),
        )
    }

    /// The canonical string with any secret written as `***`, safe to log.
    fn sign_string_redacted(&self) -> String {
        Self::Scheme::sign_string(&Self::SCHEMA.sign, self, &|w| self.__write_sign(w), None)
    }

    /// The signature as it travels: hex in the declared case for digests (empty for
    /// `sign = "none"`), base64 for RSA, the scheme's text for custom schemes.
    fn signature(&self, key: &Self::Key) -> String {
        Self::Scheme::sign(&Self::SCHEMA.sign, self, &|w| self.__write_sign(w), key)
            .as_str()
            .to_owned()
    }

    /// Validates, signs and encodes the body.
    fn to_body(&self, key: &Self::Key) -> Result<crate::body::Body, Error> {
        self.validate().map_err(Error::Invalid)?;
        Self::Scheme::check(&Self::SCHEMA.sign, self, key).map_err(Error::Sign)?;
        let signature =
            Self::Scheme::sign(&Self::SCHEMA.sign, self, &|w| self.__write_sign(w), key);
        let mut body = BodyWriter::new(Self::SCHEMA.format.unwrap_or(Format::Json));
        self.__write_body(&mut body, &signature);
        body.finish()
    }

    /// Writes the signed values in canonical order (emitted by the derive); returns how
    /// many bytes it left in the writer's buffer.
    #[doc(hidden)]
    fn __write_sign(&self, writer: &mut SignWriter) -> usize;

    /// Writes the body members and the signature (emitted by the derive).
    #[doc(hidden)]
    fn __write_body(&self, body: &mut BodyWriter, signature: &Signature);

    /// Validates and encodes a request declared `sign = "none"`, which needs no key.
    fn to_unsigned_body(&self) -> Result<crate::body::Body, Error>
    where
        Self: PayRequest<Key = ()>,
    {
        self.to_body(&())
    }

    /// Reads a request back from its wire form (the format declared on the type), with
    /// the default [`Limits`]. Constants must be present with their declared values.
    /// Path parameters (`#[pay(path)]`) come from the URL: see [`PayRequest::from_parts`].
    fn from_body(body: &[u8]) -> Result<Received<Self>, DecodeError> {
        Self::from_parts(body, &[], &Limits::default())
    }

    /// Like [`PayRequest::from_body`], with the URL's path parameters and explicit limits.
    fn from_parts(
        body: &[u8],
        path_params: &[(&str, &str)],
        limits: &Limits,
    ) -> Result<Received<Self>, DecodeError> {
        let format = Self::SCHEMA.format.unwrap_or(Format::Json);
        let fields = decode::parse_body(format, body, limits)?;
        typed::decode_request::<Self>(fields, path_params)
    }
}

/// The fast check first; the reporting interpreter only when it says no.
fn validate(object: &dyn FieldAccess) -> Result<(), SchemaErrors> {
    if object.__is_valid() {
        Ok(())
    } else {
        validate::validate_root(object)
    }
}

/// A request read back from the wire: the typed value, the signature it carried and every
/// field exactly as received (for verification over the raw fields).
#[derive(Debug, Clone)]
pub struct Received<T> {
    /// The typed request.
    pub request: T,
    /// The value of the sign field, if one was sent.
    pub signature: Option<String>,
    /// Every received member, unknown ones included, the sign field excluded.
    pub fields: NodeObject,
}

/// Turns a received node into a declared object: used by the generated `WireValue` impls
/// and serde `Deserialize` impls.
pub fn decode_object<T: PayObject>(
    node: Option<&Node>,
    at: &Path<'_>,
    errors: &mut DecodeErrors,
) -> Option<T> {
    typed::decode_object(node, at, errors, typed::Constants::Optional)
}
