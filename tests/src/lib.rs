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
        // A port found free can be taken again before redis-server binds it (another
        // test's server, say); then this server exits and the probe would reach the other
        // one. So: a fresh port per attempt, and ready only when *this* process answers.
        for _ in 0..5 {
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
            let mut server = RedisServer {
                process,
                url: format!("redis://127.0.0.1:{port}/"),
            };
            for _ in 0..100 {
                if !matches!(server.process.try_wait(), Ok(None)) {
                    break; // exited: most likely the port was taken; try another
                }
                if answers_ping(port) && matches!(server.process.try_wait(), Ok(None)) {
                    return Some(server);
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        panic!("redis-server did not start on a free loopback port in 5 attempts");
    }

    /// Stops the server now.
    pub fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Whether a Redis server on `port` answers `PING` with `+PONG`.
fn answers_ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let timeout = Some(std::time::Duration::from_secs(1));
    let _ = stream.set_read_timeout(timeout);
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
