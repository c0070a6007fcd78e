//! What is wrong with received members: the problems typed decoding reports, by path.

use crate::money::MoneyError;
use crate::path::Path;
use crate::schema::ConstValue;
use std::fmt;

/// What is wrong with one received member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A required member is missing (or `null`).
    Missing {
        /// What should have been there.
        expected: &'static str,
    },
    /// A member of the wrong JSON type.
    WrongType {
        /// What should have been there.
        expected: &'static str,
        /// What was there.
        got: &'static str,
    },
    /// Text that is not a plain decimal integer.
    NotInteger {
        /// The text.
        text: String,
    },
    /// An integer outside its Rust type.
    IntegerOutOfType {
        /// The value as received.
        text: String,
        /// Smallest value of the type.
        min: i128,
        /// Largest value of the type.
        max: i128,
    },
    /// A yuan amount that is not exact.
    Money {
        /// The text.
        text: String,
        /// Why.
        error: MoneyError,
    },
    /// An amount in fen that is not a whole, non-negative number of fen.
    NotFen {
        /// The value as received.
        text: String,
    },
    /// A [`crate::JsonText`] member whose text is not the expected JSON.
    JsonText {
        /// serde_json's explanation.
        reason: String,
    },
    /// A member the type does not declare.
    Unknown,
    /// A constant with another value.
    ConstantMismatch {
        /// The declared value.
        expected: ConstValue,
        /// The received text.
        got: String,
    },
    /// A constant that was not sent.
    ConstantMissing {
        /// The declared value.
        expected: ConstValue,
    },
    /// The sign field in input that is not a signed body.
    SignatureNotExpected,
    /// An indexed member family (`refund_fee_$n`) that does not add up: an index at or
    /// past its count, an index written with leading zeros, an item below the count with
    /// none of its members, or both the flat and the array form.
    Indexed {
        /// What is wrong, naming the count and the members.
        reason: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing { expected } => write!(f, "missing; send {expected}"),
            Problem::WrongType { expected, got } => write!(f, "expected {expected}, got {got}"),
            Problem::NotInteger { text } => write!(f, "expected an integer, got {text:?}"),
            Problem::IntegerOutOfType { text, min, max } => {
                write!(f, "{text} does not fit this field; send an integer from {min} to {max}")
            }
            Problem::Money { text, error } => write!(f, "{text:?}: {error}"),
            Problem::NotFen { text } if text.trim_start().starts_with('-') => {
                write!(f, "{text}: an amount in fen is 0 or more")
            }
            Problem::NotFen { text } if text.bytes().all(|b| b.is_ascii_digit()) => {
                write!(f, "{text} fen is more than an amount can hold")
            }
            Problem::NotFen { text } => write!(
                f,
                "{text} is not a whole number of fen: send the amount in fen as an integer (1.50 yuan is 150)"
            ),
            Problem::JsonText { reason } => write!(f, "not the expected JSON text: {reason}"),
            Problem::Unknown => f.write_str("unknown field; check its spelling against the parameter table"),
            Problem::ConstantMismatch { expected, got } => {
                write!(f, "must be {:?}, got {got:?}", expected.to_string())
            }
            Problem::ConstantMissing { expected } => write!(f, "missing; send {:?}", expected.to_string()),
            Problem::Indexed { reason } => f.write_str(reason),
            Problem::SignatureNotExpected => f.write_str(
                "the signature is computed by paywire from the key; leave it out (PayRequest::from_body reads signed bodies)",
            ),
        }
    }
}

/// A problem at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// JSON pointer of the member.
    pub path: String,
    /// What is wrong.
    pub problem: Problem,
}

/// Every problem found while decoding, in document order.
///
/// It also carries what the decoding is of: a gateway's answer or notification ignores
/// members it does not declare at every depth (a gateway may add one any day), a request
/// read back refuses them.
#[derive(Debug, Clone, Default)]
pub struct DecodeErrors {
    problems: Vec<FieldProblem>,
    answer: bool,
}

impl PartialEq for DecodeErrors {
    fn eq(&self, other: &Self) -> bool {
        self.problems == other.problems
    }
}

impl Eq for DecodeErrors {}

impl DecodeErrors {
    /// No problems yet.
    pub fn new() -> Self {
        DecodeErrors::default()
    }

    /// No problems yet, decoding a gateway's answer or notification: undeclared members
    /// are ignored in nested objects too.
    pub(crate) fn for_answer() -> Self {
        DecodeErrors {
            problems: Vec::new(),
            answer: true,
        }
    }

    /// Whether undeclared members are ignored (an answer) rather than refused.
    pub(crate) fn ignores_unknown(&self) -> bool {
        self.answer
    }

    /// Records a problem at `at`.
    pub fn push(&mut self, at: &Path<'_>, problem: Problem) {
        self.problems.push(FieldProblem {
            path: at.to_string(),
            problem,
        });
    }

    /// How many problems.
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldProblem> {
        self.problems.iter()
    }
}

impl fmt::Display for DecodeErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}: {}", p.path, p.problem)?;
        }
        Ok(())
    }
}
