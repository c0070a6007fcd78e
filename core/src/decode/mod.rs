//! Reading bodies back: strict parsers for the three formats into a [`node::Node`] tree,
//! then typed decoding by wire name.
//!
//! The parsers refuse rather than guess: DTDs, undeclared entities and processing
//! instructions in XML, duplicate members in every format, invalid UTF-8, nesting past a
//! depth limit and bodies past a size limit. Each refusal is its own [`DecodeError`]
//! variant, so a caller can tell hostile input from a key mistake.

pub mod form;
pub mod json;
pub(crate) mod node;
pub(crate) mod problem;
mod received;
pub mod xml;

use crate::schema::Format;
use node::NodeObject;
pub use problem::{DecodeErrors, FieldProblem, Problem};
pub use received::check_received;

/// Size and depth limits for received bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted body in bytes (default 256 KiB; gateway messages are a few KiB).
    pub max_bytes: usize,
    /// Deepest accepted nesting of objects and arrays (default 32).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024,
            max_depth: 32,
        }
    }
}

/// Why a received body was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// Nothing was received.
    #[error("the body is empty")]
    Empty,
    /// Over [`Limits::max_bytes`].
    #[error("the body is {actual} bytes, over the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
        /// The body's size.
        actual: usize,
    },
    /// Not UTF-8.
    #[error("the body is not valid UTF-8 (invalid byte at offset {offset}); gateways send UTF-8")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// Not well-formed in its format.
    #[error("malformed {format}: {reason}")]
    Malformed {
        /// `json`, `xml` or `form`.
        format: &'static str,
        /// What is wrong, and where.
        reason: String,
    },
    /// An XML `<!DOCTYPE>`: refused, so no entity can be declared or fetched.
    #[error("an XML document type declaration (DTD) is refused")]
    Doctype,
    /// An XML entity other than the five predefined ones and character references.
    #[error("the XML entity `&{name};` is refused; only &lt; &gt; &amp; &apos; &quot; and character references are allowed")]
    Entity {
        /// The entity's name.
        name: String,
    },
    /// An XML processing instruction other than the `<?xml ...?>` declaration.
    #[error("an XML processing instruction is refused")]
    ProcessingInstruction,
    /// An XML declaration naming an encoding other than UTF-8.
    #[error("the XML declares encoding {encoding:?}; only UTF-8 is accepted")]
    Encoding {
        /// The declared encoding.
        encoding: String,
    },
    /// Nested past [`Limits::max_depth`].
    #[error("nesting is deeper than the limit of {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A member that occurs twice (the classic CDATA injection produces a second `total_fee`).
    #[error("{path}: occurs more than once; a gateway body names each field once")]
    Duplicate {
        /// JSON pointer of the member.
        path: String,
    },
    /// A child element inside a field of a flat XML body.
    #[error("{path}: nested XML elements are refused; a gateway body has one level of fields")]
    NotFlat {
        /// JSON pointer of the field.
        path: String,
    },
    /// The body parsed, but its fields do not fit the declared type.
    #[error("{0}")]
    Fields(DecodeErrors),
}

impl DecodeError {
    /// A body of `format` that is not what it should be, and why: for readers of a
    /// gateway's answers that find a shape the document does not allow.
    pub fn malformed(format: Format, reason: impl Into<String>) -> Self {
        DecodeError::Malformed {
            format: format.name(),
            reason: reason.into(),
        }
    }
}

/// Checks the size limit and UTF-8, shared by every parser.
pub(crate) fn checked_text<'b>(body: &'b [u8], limits: &Limits) -> Result<&'b str, DecodeError> {
    if body.len() > limits.max_bytes {
        return Err(DecodeError::TooLarge {
            limit: limits.max_bytes,
            actual: body.len(),
        });
    }
    std::str::from_utf8(body).map_err(|e| DecodeError::NotUtf8 {
        offset: e.valid_up_to(),
    })
}

/// Parses a body of `format` into its top-level members.
pub fn parse_body(format: Format, body: &[u8], limits: &Limits) -> Result<NodeObject, DecodeError> {
    match format {
        Format::Json => json::parse_object(body, limits),
        Format::Xml => xml::parse(body, limits),
        Format::Form => form::parse(body, limits),
    }
}
