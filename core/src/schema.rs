//! The introspectable description of a declared struct: what `SCHEMA` holds.
//!
//! Everything here is `'static` data built by the derive at compile time, so the
//! validator, the sign-string writer and the encoders read one table instead of
//! each having their own generated code.

use std::fmt;

/// Wire format of a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`, nested objects and arrays allowed.
    Json,
    /// `text/xml`, a flat `<xml>` root with one element per field.
    Xml,
    /// `application/x-www-form-urlencoded`, UTF-8 percent-encoding.
    Form,
}

impl Format {
    /// The `Content-Type` a body of this format is sent with.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
            Format::Form => "application/x-www-form-urlencoded",
        }
    }

    /// The spelling used in `#[pay(format = "...")]`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Xml => "xml",
            Format::Form => "form",
        }
    }
}

/// How a request is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignScheme {
    /// No body signature (the gateway authenticates another way: OAuth2, RSA headers).
    None,
    /// Sorted `k=v&...&{sign_key}=SECRET`, MD5, hex.
    Md5Sorted,
    /// The same sorted string, HMAC-SHA256 keyed by the secret, hex.
    HmacSha256Sorted,
    /// Values of the `#[pay(sign = N)]` fields in N order, then the secret, MD5, hex.
    Md5Concat,
    /// The sorted string without a key suffix, SHA256withRSA (PKCS#1 v1.5), base64:
    /// Alipay's `RSA2`, SwiftPass's `RSA_1_256`.
    RsaSha256Sorted,
    /// A scheme written by the user (`sign = custom(Type)`), named by its type.
    Custom(&'static str),
}

impl SignScheme {
    /// The spelling used in `#[pay(sign = "...")]`.
    pub const fn name(self) -> &'static str {
        match self {
            SignScheme::None => "none",
            SignScheme::Md5Sorted => "md5-sorted",
            SignScheme::HmacSha256Sorted => "hmac-sha256-sorted",
            SignScheme::Md5Concat => "md5-concat",
            SignScheme::RsaSha256Sorted => "rsa-sha256-sorted",
            SignScheme::Custom(_) => "custom",
        }
    }

    /// Whether the canonical string is every signed member as sorted `k=v` pairs (every
    /// scheme but `md5-concat` and `none`).
    pub const fn is_sorted(self) -> bool {
        matches!(
            self,
            SignScheme::Md5Sorted
                | SignScheme::HmacSha256Sorted
                | SignScheme::RsaSha256Sorted
                | SignScheme::Custom(_)
        )
    }
}

impl fmt::Display for SignScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignScheme::Custom(name) => write!(f, "custom({name})"),
            other => f.write_str(other.name()),
        }
    }
}

/// Letter case of a hex digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HexCase {
    /// `9A0A86...`
    Upper,
    /// `9a0a86...`
    Lower,
}

/// The signature rule of a request.
#[derive(Debug, Clone, Copy)]
pub struct SignSpec {
    /// The digest scheme.
    pub scheme: SignScheme,
    /// Sorted schemes: the name of the secret's suffix pair (`key` in `&key=SECRET`).
    pub key_name: &'static str,
    /// Hex case of the signature (digest schemes).
    pub case: HexCase,
    /// Wire name the signature travels in.
    pub field: &'static str,
    /// What goes into the digest, in order (computed at compile time).
    pub order: &'static [SignEntry],
    /// Sorted schemes: whether members whose value is empty are signed (`sign_empty`).
    pub empty: EmptyValues,
}

/// Whether a sorted scheme signs members whose value is empty (`#[pay(sign_empty = ...)]`).
///
/// An absent member (a `None` field, a member that did not arrive) is never signed; this
/// decides only about a member that is present with the empty string as its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmptyValues {
    /// Left out of the canonical string, as WeChat Pay, Alipay and SwiftPass document
    /// (the default).
    #[default]
    Skip,
    /// Signed as `name=`: UnionPay's full-channel (ACP) gateway signs every member it
    /// sends, empty ones included, so a verifier that skipped them would refuse genuine
    /// notifications.
    Keep,
}

impl EmptyValues {
    /// The attribute value that selects it: `"skip"` or `"keep"`.
    pub const fn name(self) -> &'static str {
        match self {
            EmptyValues::Skip => "skip",
            EmptyValues::Keep => "keep",
        }
    }
}

/// One element of the canonical sign order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignEntry {
    /// The field at this index of [`Schema::fields`].
    Field(u16),
    /// The constant at this index of [`Schema::constants`].
    Constant(u16),
}

/// A fixed wire value declared with `constant(name = value)`.
#[derive(Debug, Clone, Copy)]
pub struct Constant {
    /// Wire name.
    pub wire_name: &'static str,
    /// The value it always carries.
    pub value: ConstValue,
}

/// The value of a [`Constant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstValue {
    /// A string (`service = "pay.weixin.wap"`).
    Str(&'static str),
    /// An integer, a JSON number on the wire (`pay_method = 200`).
    Int(i64),
}

impl fmt::Display for ConstValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConstValue::Str(s) => f.write_str(s),
            ConstValue::Int(i) => write!(f, "{i}"),
        }
    }
}

/// Where a field travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In the body (and, unless `no_sign`, in the signature).
    Body,
    /// In the URL path (`#[pay(path)]`, XorPay's `{aid}`): neither in the body nor signed.
    Path,
}

/// The shape of a field's wire value, derived from its Rust type.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string.
    Str,
    /// An integer with the bounds of its Rust type.
    Int {
        /// Smallest value of the type.
        min: i128,
        /// Largest value of the type.
        max: i128,
    },
    /// Integer fen ([`crate::Fen`]).
    Fen,
    /// Yuan with two decimals as a string, `"50.00"` ([`crate::Yuan`]).
    Yuan,
    /// A value carried as compact JSON text inside a string ([`crate::JsonText`]).
    JsonText,
    /// A nested object with its own schema.
    Object(&'static Schema),
    /// A string whose text is a declared document, encrypted ([`crate::Encrypted`]):
    /// text on the wire, the document once opened with the key.
    Encrypted {
        /// The encryption in words ([`crate::MemberCipher::NAME`]).
        cipher: &'static str,
        /// The decrypted document's schema.
        document: &'static Schema,
    },
    /// A JSON array of the inner kind.
    Array(&'static Kind),
    /// An indexed member family of a flat body (`#[pay(indexed(count = "refund_count"))]`):
    /// item `n`'s members travel as `name_n` (`refund_fee_0`, `refund_fee_1`, ...), a
    /// family inside an item as `name_n_m`, and the member `count` says how many items
    /// there are. In JSON (serde, `paywire verify`) it is an array of the items.
    Indexed {
        /// The items' schema (members named without the `_$n` suffix).
        item: &'static Schema,
        /// Wire name of the member that counts the items.
        count: &'static str,
    },
    /// Any one of these shapes: a member a gateway sends in several forms (weidoufu's
    /// `jsapi`: WeChat's parameters, Alipay's trade number, or `""` on failure).
    OneOf(&'static [Kind]),
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Str => f.write_str("string"),
            Kind::Int { .. } => f.write_str("integer"),
            Kind::Fen => f.write_str("integer (fen)"),
            Kind::Yuan => f.write_str("string (yuan, \"50.00\")"),
            Kind::JsonText => f.write_str("string (JSON text)"),
            Kind::Object(s) => write!(f, "object ({})", s.name),
            Kind::Encrypted { cipher, document } => {
                write!(f, "string (encrypted {}: {cipher})", document.name)
            }
            Kind::Array(k) => write!(f, "array of {k}"),
            Kind::Indexed { item, count } => {
                write!(f, "indexed family ({}), {count} items", item.name)
            }
            Kind::OneOf(kinds) => {
                f.write_str("one of ")?;
                for (i, k) in kinds.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{k}")?;
                }
                Ok(())
            }
        }
    }
}

/// A named text format checked by validation: the one list paywire's derive reads too.
pub use paywire_text_formats::TextFormat;

/// Inclusive bounds on a length; `max: None` means unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LenBounds {
    /// Smallest allowed length.
    pub min: u64,
    /// Largest allowed length, if any.
    pub max: Option<u64>,
}

impl LenBounds {
    /// Whether `n` lies within the bounds.
    pub const fn contains(&self, n: u64) -> bool {
        n >= self.min
            && match self.max {
                Some(m) => n <= m,
                None => true,
            }
    }
}

impl fmt::Display for LenBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max}"),
            Some(max) => write!(f, "{}..={max}", self.min),
            None => write!(f, "{}..", self.min),
        }
    }
}

/// Inclusive bounds on an integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntBounds {
    /// Smallest allowed value.
    pub min: i128,
    /// Largest allowed value.
    pub max: i128,
}

impl IntBounds {
    /// Whether the upper bound is only the type's (at least `i64::MAX`, as `range = 1..`
    /// on a `Fen` or `u64` gives): no limit a person wrote or needs to read.
    pub const fn unbounded_above(&self) -> bool {
        self.max >= i64::MAX as i128
    }
}

impl fmt::Display for IntBounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unbounded_above() {
            write!(f, "{}..", self.min)
        } else {
            write!(f, "{}..={}", self.min, self.max)
        }
    }
}

/// A declared constraint on one field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Length in UTF-8 bytes (`len = ...`).
    Len(LenBounds),
    /// Length in Unicode scalar values (`chars = ...`).
    Chars(LenBounds),
    /// Integer range (`range = ...`).
    Range(IntBounds),
    /// The wire value must be one of these (`one_of(...)`).
    OneOf(&'static [&'static str]),
    /// A named text format.
    Format(TextFormat),
}

/// `required_if(field = "value")`: required when another field's wire value equals `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    /// Index of the other field in [`Schema::fields`].
    pub field: u16,
    /// Its wire name.
    pub wire_name: &'static str,
    /// The wire value that makes this field required (for `signed_if`: that makes the
    /// message signed).
    pub value: &'static str,
}

/// Membership in a mutually exclusive group (`#[pay(group = "direct")]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupMember {
    /// The group's name.
    pub group: &'static str,
    /// Whether the field is required once its group is the one in use.
    pub required: bool,
}

/// One field of a declared struct.
#[derive(Debug, Clone, Copy)]
pub struct FieldSchema {
    /// The Rust field name.
    pub rust_name: &'static str,
    /// The name on the wire (after `rename`).
    pub wire_name: &'static str,
    /// The wire shape, from the Rust type.
    pub kind: Kind,
    /// `Option<_>` fields may be absent; the others are required.
    pub optional: bool,
    /// Where the field travels.
    pub location: Location,
    /// Whether the field is part of the signature.
    pub signed: bool,
    /// Value constraints.
    pub rules: &'static [Rule],
    /// `required_if` conditions (any one makes the field required).
    pub required_if: &'static [Condition],
    /// Exclusive-group membership.
    pub group: Option<GroupMember>,
    /// The first line of the field's doc comment (the provider table's description).
    pub doc: &'static str,
}

/// The whole table of a declared struct.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The Rust type name.
    pub name: &'static str,
    /// The first line of the type's doc comment.
    pub doc: &'static str,
    /// Body format (requests only).
    pub format: Option<Format>,
    /// Signature rule (requests only; `SignScheme::None` for nested objects).
    pub sign: SignSpec,
    /// Fields in declaration order.
    pub fields: &'static [FieldSchema],
    /// Fixed wire values.
    pub constants: &'static [Constant],
    /// Whether members the type does not declare are accepted when decoding (responses
    /// and notifications: gateways add fields; they are kept raw and signed over).
    pub allow_unknown: bool,
    /// Names of the mutually exclusive groups, in declaration order; when non-empty,
    /// exactly one group must be in use.
    pub groups: &'static [&'static str],
    /// `#[pay(signed_if(status = "0"))]` (responses and notifications): the message is
    /// signed only when this member holds this value; otherwise it is the gateway's
    /// unsigned failure answer, which verification returns as
    /// [`VerifyError::Unsigned`](crate::VerifyError::Unsigned), never as verified.
    pub signed_if: Option<Condition>,
}

impl Schema {
    /// The field with this wire name, if declared.
    pub fn field(&self, wire_name: &str) -> Option<&'static FieldSchema> {
        self.fields.iter().find(|f| f.wire_name == wire_name)
    }

    /// The constant with this wire name, if declared.
    pub fn constant(&self, wire_name: &str) -> Option<&'static Constant> {
        self.constants.iter().find(|c| c.wire_name == wire_name)
    }
}
