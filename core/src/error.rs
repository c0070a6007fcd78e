//! Error types: [`SchemaErrors`] from validation and [`Error`] from `to_body`.

use crate::decode::node::NodeObject;
use crate::decode::problem::DecodeErrors;
use crate::decode::DecodeError;
use crate::schema::{Condition, Format, Rule, TextFormat};
use std::fmt;

/// Which rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A required field is absent or empty.
    Required,
    /// A declared value rule.
    Rule(Rule),
    /// Required because another field has a given value.
    RequiredIf(Condition),
    /// Required because its exclusive group is the one in use.
    RequiredInGroup {
        /// The group in use.
        group: &'static str,
    },
    /// A field of one exclusive group set while another group is in use.
    GroupConflict {
        /// This field's group.
        group: &'static str,
        /// The group already in use.
        other_group: &'static str,
        /// A field of that group that is set.
        other_field: &'static str,
    },
    /// None of the exclusive groups is in use.
    NoGroup {
        /// The groups, one of which must be used.
        groups: &'static [&'static str],
    },
    /// A check declared with `validate_with`.
    Custom {
        /// A short rule name, such as `required_with`.
        rule: &'static str,
        /// What is wrong and what to write instead.
        message: String,
    },
}

impl Violation {
    /// A short machine-readable rule name: `required`, `len`, `chars`, `range`, `one_of`,
    /// a format name, `required_if`, `group`, or a custom rule's name.
    pub fn rule_name(&self) -> &'static str {
        match self {
            Violation::Required | Violation::RequiredInGroup { .. } => "required",
            Violation::Rule(Rule::Len(_)) => "len",
            Violation::Rule(Rule::Chars(_)) => "chars",
            Violation::Rule(Rule::Range(_)) => "range",
            Violation::Rule(Rule::OneOf(_)) => "one_of",
            Violation::Rule(Rule::Format(f)) => f.name(),
            Violation::RequiredIf(_) => "required_if",
            Violation::GroupConflict { .. } | Violation::NoGroup { .. } => "group",
            Violation::Custom { rule, .. } => rule,
        }
    }
}

/// What the value was, in the terms of the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actual {
    /// Absent or empty.
    Missing,
    /// A length in UTF-8 bytes.
    Bytes(u64),
    /// A length in Unicode scalar values.
    Chars(u64),
    /// An integer.
    Int(i128),
    /// An amount in fen (a `Fen` or `Yuan` field), shown with its unit.
    Fen(u64),
    /// The value's text.
    Text(String),
    /// Set (for group conflicts).
    Set,
}

/// One broken rule: where, which rule with which limit, and what was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer of the field: `#/detail/goods_detail/0/goods_name`.
    pub path: String,
    /// The rule and its limit.
    pub violation: Violation,
    /// The actual value or its length.
    pub actual: Actual,
}

fn preview(s: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = s.chars().take(MAX).collect();
    if s.chars().count() > MAX {
        out.push('…');
    }
    format!("{out:?}")
}

impl fmt::Display for Actual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actual::Missing => f.write_str("nothing"),
            Actual::Bytes(n) => write!(f, "{n} bytes"),
            Actual::Chars(n) => write!(f, "{n} characters"),
            Actual::Int(i) => write!(f, "{i}"),
            Actual::Fen(n) => write!(
                f,
                "{n} fen ({} yuan)",
                crate::money::Fen::new(*n).to_yuan_string()
            ),
            Actual::Text(s) => f.write_str(&preview(s)),
            Actual::Set => f.write_str("a value"),
        }
    }
}

fn list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for SchemaError {
    /// `#/body: len ..=32 bytes, got 35 bytes; write at most 32 bytes (a CJK character is 3)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        let actual = &self.actual;
        match &self.violation {
            Violation::Required => write!(f, "{path}: required, got {actual}; fill it in"),
            Violation::RequiredIf(c) => write!(
                f,
                "{path}: required_if {} = {:?}, got {actual}; fill it in, {} is {:?}",
                c.wire_name, c.value, c.wire_name, c.value
            ),
            Violation::RequiredInGroup { group } => write!(
                f,
                "{path}: required in group `{group}`, got {actual}; fill it in, or use another group's fields"
            ),
            Violation::GroupConflict { group, other_group, other_field } => write!(
                f,
                "{path}: group `{group}` excludes group `{other_group}` (`{other_field}` is set), got {actual}; \
                 fill in the fields of one group only"
            ),
            Violation::NoGroup { groups } => write!(
                f,
                "{path}: one of the groups {} is required, got {actual}; fill in the fields of exactly one",
                groups.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
            ),
            Violation::Custom { rule, message } => write!(f, "{path}: {rule}, {message}"),
            Violation::Rule(rule) => match rule {
                Rule::Len(b) => {
                    write!(f, "{path}: len {b} bytes, got {actual}; ")?;
                    match b.max {
                        Some(max) if (self.actual_len() > max) => {
                            write!(f, "write at most {max} bytes (a CJK character is 3 bytes)")
                        }
                        _ => write!(f, "write at least {} bytes", b.min),
                    }
                }
                Rule::Chars(b) => {
                    write!(f, "{path}: chars {b}, got {actual}; ")?;
                    match b.max {
                        Some(max) if (self.actual_len() > max) => write!(f, "write at most {max} characters"),
                        _ => write!(f, "write at least {} characters", b.min),
                    }
                }
                // Amounts speak in fen, the unit the bounds are declared in.
                Rule::Range(b) if matches!(self.actual, Actual::Fen(_)) && b.unbounded_above() => {
                    write!(f, "{path}: range {b} fen, got {actual}; write at least {} fen", b.min)
                }
                Rule::Range(b) if matches!(self.actual, Actual::Fen(_)) => write!(
                    f,
                    "{path}: range {b} fen, got {actual}; write an amount from {} to {} fen",
                    b.min, b.max
                ),
                Rule::Range(b) if b.unbounded_above() => {
                    write!(f, "{path}: range {b}, got {actual}; write at least {}", b.min)
                }
                Rule::Range(b) => write!(
                    f,
                    "{path}: range {b}, got {actual}; write a value from {} to {}",
                    b.min, b.max
                ),
                Rule::OneOf(values) => {
                    write!(f, "{path}: one_of({}), got {actual}; write one of {}", list(values), list(values))
                }
                Rule::Format(format) => {
                    write!(f, "{path}: {}, got {actual}; write {}", format.name(), format_hint(*format))
                }
            },
        }
    }
}

fn format_hint(format: TextFormat) -> &'static str {
    format.describe()
}

impl SchemaError {
    fn actual_len(&self) -> u64 {
        match self.actual {
            Actual::Bytes(n) | Actual::Chars(n) => n,
            _ => 0,
        }
    }
}

/// Every rule a value broke, in field order. Display prints one line per violation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaErrors {
    errors: Vec<SchemaError>,
}

impl SchemaErrors {
    /// No errors yet.
    pub fn new() -> Self {
        SchemaErrors::default()
    }

    /// Adds a violation.
    pub fn push(&mut self, error: SchemaError) {
        self.errors.push(error);
    }

    /// Adds a custom violation at `path` (for `validate_with` functions).
    pub fn custom(
        &mut self,
        path: &crate::path::Path<'_>,
        rule: &'static str,
        message: impl Into<String>,
        actual: Actual,
    ) {
        self.errors.push(SchemaError {
            path: path.to_string(),
            violation: Violation::Custom {
                rule,
                message: message.into(),
            },
            actual,
        });
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Keeps only the violations `keep` approves.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&SchemaError) -> bool) {
        self.errors.retain(keep);
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The violations.
    pub fn iter(&self) -> std::slice::Iter<'_, SchemaError> {
        self.errors.iter()
    }

    /// `Ok(())` if empty.
    pub fn into_result(self) -> Result<(), SchemaErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl<'a> IntoIterator for &'a SchemaErrors {
    type Item = &'a SchemaError;
    type IntoIter = std::slice::Iter<'a, SchemaError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaErrors {}

/// Why a request could not be turned into a body.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Validation failed.
    #[error("the request breaks {n} rule(s):\n{0}", n = .0.len())]
    Invalid(SchemaErrors),
    /// A value cannot be represented in the declared format.
    #[error("{path}: cannot be encoded as {format}: {reason}")]
    Unencodable {
        /// JSON pointer of the field.
        path: String,
        /// The body format.
        format: &'static str,
        /// Why, and what to do instead.
        reason: &'static str,
    },
    /// A received body could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The request cannot be signed with this key (its `sign_type` names another
    /// algorithm than the key's).
    #[error("the request cannot be signed with this key: {0}")]
    Sign(String),
}

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
    /// The gateway's unsigned failure answer: the message declares `signed_if(member =
    /// "value")` and `member` holds something else, so it carries no signature. Its
    /// members are kept to show the gateway's reason; none of them is authenticated, so
    /// nothing in it may be acted on (a forger can write one as easily as the gateway).
    #[error("an unsigned failure answer ({member} = {value:?}); nothing in it is authenticated")]
    Unsigned {
        /// The member that says whether the message is signed.
        member: &'static str,
        /// Its received value (absent: empty).
        value: String,
        /// Every member as received.
        fields: Box<NodeObject>,
    },
}

impl VerifyError {
    /// A message that parsed but is not what it must be (such as a success without the
    /// members paying needs): [`DecodeError::Malformed`], so `is_malformed` is true.
    pub fn malformed(format: Format, reason: impl Into<String>) -> Self {
        VerifyError::Decode(DecodeError::malformed(format, reason))
    }

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
