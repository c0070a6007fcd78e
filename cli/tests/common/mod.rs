//! What several of the CLI's test files share; each uses its own part of it.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};

/// A fixture of `tests/fixtures/`, parsed.
pub fn fixtures(name: &str) -> Value {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The independent vector called `name` in `vectors.json`.
pub fn vector(name: &str) -> Value {
    fixtures("vectors.json")
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap()
        .clone()
}

/// Runs `paywire args` with `stdin` and no extra environment.
pub fn paywire(args: &[&str], stdin: &[u8]) -> Output {
    run(args, stdin, &[])
}

/// The JSON `paywire` printed.
pub fn json_out(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// A file of this test process's own in the temporary folder, holding `contents`,
/// removed when the returned guard is dropped. It reads as its path.
pub fn temp_file(name: &str, contents: &str) -> TempFile {
    let path = std::env::temp_dir().join(format!("paywire-cli-test-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    TempFile(path.to_string_lossy().into_owned())
}

/// The path of a file [`temp_file`] wrote; the file goes with it.
pub struct TempFile(String);

impl std::ops::Deref for TempFile {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `paywire args` with `stdin` and the environment variables `env`.
pub fn run(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_paywire"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A child that refuses its arguments exits without reading its input; the write
    // may then meet a closed pipe, which is not the test's concern.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// A `paywire sandbox` process on a free loopback port, killed on drop.
pub struct SandboxProcess {
    /// The process.
    pub child: Child,
    /// Its base URL, from the first line it prints.
    pub url: String,
}

impl SandboxProcess {
    /// Starts `paywire sandbox --addr 127.0.0.1:0` and reads its URL.
    pub fn start() -> SandboxProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_paywire"))
            .args(["sandbox", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();
        SandboxProcess { child, url }
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
