//! A `redis-server` of its own on a free loopback port, for tests and soaks of a shared
//! ledger: started with append-only persistence in a private folder, so it can be killed
//! and started again on the same port with what it had acknowledged.

use crate::server_process::{free_ports, private_dir, spawn_on_ports, wait_until_ready, NotReady};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where Debian's `redis-server` package installs the server.
pub const BINARY: &str = "/usr/bin/redis-server";

/// A running (or stopped) `redis-server` owned by this process; killed on drop.
pub struct RedisServer {
    process: Option<Child>,
    port: u16,
    dir: PathBuf,
    /// `redis://127.0.0.1:PORT/`.
    pub url: String,
}

/// Why no server could be started.
#[derive(Debug, thiserror::Error)]
pub enum RedisServerError {
    /// `redis-server` is not installed.
    #[error("{BINARY} is not installed (apt-get install redis-server)")]
    NotInstalled,
    /// It did not come up.
    #[error("redis-server did not start: {0}")]
    Start(String),
}

impl RedisServer {
    /// Whether `redis-server` is installed.
    pub fn installed() -> bool {
        std::path::Path::new(BINARY).exists()
    }

    /// Starts a server on a free loopback port, with `appendonly yes` and
    /// `appendfsync always` (every acknowledged write is on disk before the answer, so a
    /// killed server keeps it) in a fresh private folder.
    pub fn start() -> Result<RedisServer, RedisServerError> {
        Self::start_on(free_ports())
    }

    /// [`RedisServer::start`] trying `ports` in turn. A port found free can be taken
    /// again before redis-server binds it; then this server exits and the next port is
    /// tried with the same folder (ready only when *this* process answers).
    fn start_on(
        ports: impl IntoIterator<Item = Result<u16, String>>,
    ) -> Result<RedisServer, RedisServerError> {
        if !Self::installed() {
            return Err(RedisServerError::NotInstalled);
        }
        let dir = private_dir("redis").map_err(|e| RedisServerError::Start(e.to_string()))?;
        let mut server = RedisServer {
            process: None,
            port: 0,
            dir,
            url: String::new(),
        };
        spawn_on_ports(ports, |port| {
            server.port = port;
            server.url = format!("redis://127.0.0.1:{port}/");
            server.spawn()
        })
        .map_err(RedisServerError::Start)?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = Command::new(BINARY)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        // Owned at once, so every path below stops it.
        self.process = Some(child);
        let port = self.port;
        match wait_until_ready(&mut self.process, 200, Duration::from_millis(25), || {
            answers_ping(port)
        }) {
            Ok(()) => Ok(()),
            Err(NotReady::Exited) => Err(format!("exited (port {port} taken?)")),
            Err(NotReady::Silent) => Err("no PING answer within 5 s".into()),
        }
    }

    /// Kills the server at once (SIGKILL: no graceful shutdown, as in a crash).
    pub fn kill(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts the killed server again on the same port, from its append-only file.
    pub fn restart(&mut self) -> Result<(), RedisServerError> {
        self.kill();
        // The port was just released; retry briefly in case the kernel still holds it.
        crate::retry::retry(20, Duration::from_millis(100), || self.spawn())
            .map_err(RedisServerError::Start)
    }

    /// Sends one inline command (`CLIENT KILL TYPE normal`) and returns the first line of
    /// the answer.
    pub fn command(&self, line: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(format!("{line}\r\n").as_bytes())?;
        let mut answer = Vec::new();
        let mut byte = [0u8; 1];
        while stream.read(&mut byte)? == 1 && byte[0] != b'\n' {
            answer.push(byte[0]);
        }
        Ok(String::from_utf8_lossy(&answer).trim_end().to_owned())
    }

    /// Whether the server is running (not killed).
    pub fn is_running(&self) -> bool {
        self.process.is_some()
    }
}

/// Whether a Redis server on `port` answers `PING` with `+PONG`.
fn answers_ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut answer = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && &answer == b"+PONG\r\n"
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::RedisServer;

    /// A first port already taken (the server exits) must not cost the next try its
    /// folder: the server started on the second port keeps what it acknowledges.
    #[test]
    fn a_server_started_after_a_failed_try_has_its_folder() {
        if !RedisServer::installed() {
            assert!(std::env::var_os("CI").is_none(), "CI installs redis-server");
            return;
        }
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let taken_port = taken.local_addr().unwrap().port();
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let free_port = free.local_addr().unwrap().port();
        drop(free);
        let server = RedisServer::start_on([Ok(taken_port), Ok(free_port)])
            .expect("the second port starts it");
        assert_eq!(server.port, free_port);
        assert!(server.dir.is_dir(), "{} is gone", server.dir.display());
        assert_eq!(server.command("SET k v").unwrap(), "+OK");
    }
}
