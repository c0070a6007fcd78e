//! A PostgreSQL server of its own on a free loopback port, for tests and soaks of the SQL
//! ledger: Debian's `postgresql` binaries, a cluster made by `initdb` in a private folder,
//! listening on 127.0.0.1 only (no Unix socket), with the server's durable defaults
//! (`fsync`, `synchronous_commit`), so it can be killed and started again on the same
//! port with every commit it acknowledged. PostgreSQL refuses to run as root: run as root,
//! the cluster belongs to `nobody` and the server runs as that user.

use crate::server_process::{
    as_server_user, kill_group, log_tail, own, private_dir, spawn_on_a_free_port, wait_until_ready,
    NotReady,
};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where Debian's `postgresql` package installs its servers, one folder per version.
pub const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// A running (or stopped) PostgreSQL server owned by this process; killed on drop.
pub struct PostgresServer {
    bin: PathBuf,
    dir: PathBuf,
    process: Option<Child>,
    port: u16,
    /// `postgres://paywire@127.0.0.1:PORT/postgres` (trust authentication, loopback only).
    pub url: String,
}

/// Why no server could be started.
#[derive(Debug, thiserror::Error)]
pub enum PostgresServerError {
    /// PostgreSQL's server binaries are not installed.
    #[error(
        "PostgreSQL is not installed (apt-get install postgresql): no {DEBIAN_ROOT}/*/bin/initdb"
    )]
    NotInstalled,
    /// `initdb` failed.
    #[error("initdb failed: {0}")]
    Init(String),
    /// The server did not come up.
    #[error("postgres did not start: {0}")]
    Start(String),
}

impl PostgresServer {
    /// The newest installed server's `bin` folder (`/usr/lib/postgresql/15/bin`).
    pub fn binaries() -> Option<PathBuf> {
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_ROOT)
            .ok()?
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = entry.path().join("bin");
                bin.join("initdb").exists().then_some((version, bin))
            })
            .collect();
        versions.sort();
        versions.pop().map(|(_, bin)| bin)
    }

    /// Whether PostgreSQL's server binaries are installed.
    pub fn installed() -> bool {
        Self::binaries().is_some()
    }

    /// Makes a cluster in a fresh private folder and starts it on a free loopback port.
    pub fn start() -> Result<PostgresServer, PostgresServerError> {
        let bin = Self::binaries().ok_or(PostgresServerError::NotInstalled)?;
        let dir = private_dir("postgres").map_err(|e| PostgresServerError::Init(e.to_string()))?;
        let data = dir.join("data");
        std::fs::create_dir(&data).map_err(|e| PostgresServerError::Init(e.to_string()))?;
        let mut server = PostgresServer {
            bin,
            dir,
            process: None,
            port: 0,
            url: String::new(),
        };
        server.own(&server.dir)?;
        server.own(&data)?;
        let init = server
            .command("initdb")
            .args(["--auth=trust", "--username=paywire", "--no-sync", "-D"])
            .arg(&data)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| PostgresServerError::Init(e.to_string()))?;
        if !init.status.success() {
            return Err(PostgresServerError::Init(
                String::from_utf8_lossy(&init.stderr).into_owned(),
            ));
        }
        spawn_on_a_free_port(|port| {
            server.port = port;
            server.url = format!("postgres://paywire@127.0.0.1:{}/postgres", port);
            server.spawn()
        })
        .map_err(PostgresServerError::Start)?;
        Ok(server)
    }

    /// A command of the installed server, run as `nobody` when this process is root.
    fn command(&self, name: &str) -> Command {
        as_server_user(Command::new(self.bin.join(name)))
    }

    /// Gives `path` to the user the server runs as (mode 0700, as PostgreSQL requires).
    fn own(&self, path: &Path) -> Result<(), PostgresServerError> {
        own(path).map_err(|e| PostgresServerError::Init(format!("{}: {e}", path.display())))
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.join("server.log")).map_err(|e| e.to_string())?;
        let child = self
            .command("postgres")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &self.port.to_string()])
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
            ])
            .args(["-c", "max_connections=200"])
            // Its own process group, so a kill takes its backends too, as a crash would.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        self.process = Some(child);
        let (bin, port) = (self.bin.clone(), self.port);
        match wait_until_ready(&mut self.process, 300, Duration::from_millis(50), || {
            Self::ready(&bin, port)
        }) {
            Ok(()) => Ok(()),
            Err(NotReady::Exited) => Err(format!("exited: {}", self.log_tail())),
            Err(NotReady::Silent) => Err(format!("not ready within 15 s: {}", self.log_tail())),
        }
    }

    /// Whether the server accepts connections (`pg_isready`).
    fn ready(bin: &Path, port: u16) -> bool {
        Command::new(bin.join("pg_isready"))
            .args([
                "-q",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "paywire",
            ])
            .status()
            .is_ok_and(|s| s.success())
    }

    fn log_tail(&self) -> String {
        log_tail(&self.dir.join("server.log"))
    }

    /// Kills the server at once, the postmaster and every backend (SIGKILL to its
    /// process group, as in a crash of the machine): nothing it had not committed lands.
    pub fn kill(&mut self) {
        kill_group(&mut self.process);
    }

    /// Starts the killed server again on the same port; it recovers from its write-ahead
    /// log, so every commit it acknowledged is there.
    pub fn restart(&mut self) -> Result<(), PostgresServerError> {
        self.kill();
        // The killed server's backends may still hold its shared memory for a moment.
        crate::retry::retry(50, Duration::from_millis(200), || self.spawn())
            .map_err(PostgresServerError::Start)
    }

    /// Whether the server is running (not killed).
    pub fn is_running(&self) -> bool {
        self.process.is_some()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
