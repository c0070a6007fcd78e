//! Cross-crate tests for paywire live in `tests/`; this library only compiles the
//! README's example as a doctest, so the guide cannot drift from the code.

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
