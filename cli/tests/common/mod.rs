//! What several of the CLI's test files share; each uses its own part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};

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
