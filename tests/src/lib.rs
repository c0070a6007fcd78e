//! Cross-crate tests for paywire live in `tests/`; this library holds the fixture
//! loaders they share, and compiles the README's example as a doctest.

#![forbid(unsafe_code)]

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

/// The secret of the vector called `name`.
pub fn secret_of(name: &str) -> paywire::Secret {
    paywire::Secret::new(text(&vector(name), "/secret"))
}

/// The body of the vector called `name`.
pub fn body_of(name: &str) -> String {
    text(&vector(name), "/body").to_owned()
}

/// Fails unless `result` is an error of malformed or hostile input.
pub fn assert_malformed<T: std::fmt::Debug>(result: Result<T, paywire::VerifyError>) {
    match result {
        Err(e) => assert!(
            e.is_malformed(),
            "expected a malformed-input error, got {e:?}"
        ),
        Ok(v) => panic!("hostile input accepted: {v:?}"),
    }
}

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// A `redis-server` of the test's own on a free loopback port (append-only persistence,
/// killed on drop); `None` where `redis-server` is not installed, which fails under CI
/// (its `.ci/run` installs it).
pub fn redis_server() -> Option<RedisServer> {
    if !RedisServer::installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install redis-server (see .ci/run)"
        );
        eprintln!("skipped: redis-server is not installed (apt-get install redis-server)");
        return None;
    }
    Some(RedisServer::start().expect("redis-server starts on loopback"))
}

pub use paywire_sandbox::redis_server::RedisServer;
