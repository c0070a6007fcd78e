//! Cross-crate tests for paywire live in `tests/`; this library holds the fixture
//! loaders they share, and compiles the README's example as a doctest.

pub mod fuzzing;

use serde_json::Value;

/// The vectors computed by `fixtures/vectors.py` (Python standard library only).
pub fn vectors() -> Vec<Value> {
    serde_json::from_str(include_str!("../fixtures/vectors.json")).expect("vectors.json parses")
}

/// One vector by name.
pub fn vector(name: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name}"))
}

/// The RSA and AES-GCM fixtures made by `fixtures/wechat_v3.py` (Python `cryptography`).
pub fn rsa_fixtures() -> Value {
    serde_json::from_str(include_str!("../fixtures/wechat_v3.json")).expect("wechat_v3.json parses")
}

/// A string member of a fixture.
pub fn text<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("fixture has no string at {pointer}"))
}

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
