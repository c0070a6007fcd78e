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

/// A `redis-server` started on a free loopback port for one test, stopped on drop.
pub struct RedisServer {
    process: std::process::Child,
    /// `redis://127.0.0.1:PORT/`.
    pub url: String,
}

impl RedisServer {
    /// Starts one; `None` where `redis-server` is not installed (a failure under CI,
    /// whose `.ci/run` installs it).
    pub fn start() -> Option<RedisServer> {
        let binary = "/usr/bin/redis-server";
        if !std::path::Path::new(binary).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install redis-server (see .ci/run)"
            );
            eprintln!("skipped: {binary} is not installed (apt-get install redis-server)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let process = std::process::Command::new(binary)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        // Owned at once, so every path below stops it (Drop).
        let server = RedisServer {
            process,
            url: format!("redis://127.0.0.1:{port}/"),
        };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        drop(server);
        panic!("redis-server did not listen on {port}");
    }

    /// Stops the server now.
    pub fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
