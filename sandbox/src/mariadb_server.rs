//! A MariaDB server of its own on a free loopback port, for tests of the SQL ledger:
//! Debian's `mariadb-server` binaries, a data folder made by `mariadb-install-db` in a
//! private folder, listening on 127.0.0.1 only (its socket in that folder), with InnoDB's
//! durable defaults, so it can be killed and started again with every commit it
//! acknowledged. Run as root, the folder belongs to `nobody` and so does the server.

use crate::server_process::{
    as_server_user, kill_group, log_tail, own, private_dir, spawn_on_a_free_port, wait_until_ready,
    NotReady,
};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server binary Debian's `mariadb-server` installs.
pub const SERVER: &str = "/usr/sbin/mariadbd";
const INSTALL_DB: &str = "/usr/bin/mariadb-install-db";
const CLIENT: &str = "/usr/bin/mariadb";

/// A running (or killed) MariaDB server owned by this process; killed on drop.
pub struct MariadbServer {
    dir: PathBuf,
    process: Option<Child>,
    port: u16,
    /// `mysql://root@127.0.0.1:PORT/paywire` (no password, loopback only).
    pub url: String,
}

/// Why no server could be started.
#[derive(Debug, thiserror::Error)]
pub enum MariadbServerError {
    /// MariaDB's server is not installed.
    #[error("MariaDB is not installed (apt-get install mariadb-server): no {SERVER}")]
    NotInstalled,
    /// `mariadb-install-db` failed.
    #[error("mariadb-install-db failed: {0}")]
    Init(String),
    /// The server did not come up.
    #[error("mariadbd did not start: {0}")]
    Start(String),
}

impl MariadbServer {
    /// Whether MariaDB's server and tools are installed.
    pub fn installed() -> bool {
        [SERVER, INSTALL_DB, CLIENT]
            .iter()
            .all(|p| Path::new(p).exists())
    }

    /// Makes a data folder in a fresh private folder and starts a server on a free
    /// loopback port, with an empty database `paywire`.
    pub fn start() -> Result<MariadbServer, MariadbServerError> {
        if !Self::installed() {
            return Err(MariadbServerError::NotInstalled);
        }
        let dir = private_dir("mariadb").map_err(|e| MariadbServerError::Init(e.to_string()))?;
        // Owned from here, so a failed install removes the folder too.
        let mut server = MariadbServer {
            dir,
            process: None,
            port: 0,
            url: String::new(),
        };
        let data = server.dir.join("data");
        std::fs::create_dir(&data).map_err(|e| MariadbServerError::Init(e.to_string()))?;
        for path in [&server.dir, &data] {
            own(path).map_err(|e| MariadbServerError::Init(format!("{}: {e}", path.display())))?;
        }
        // Its temporary files in its own folder: installs running at once in one /tmp
        // remove each other's.
        let init = as_server_user(Command::new(INSTALL_DB))
            .env("TMPDIR", &server.dir)
            .args(["--no-defaults", "--auth-root-authentication-method=normal"])
            .args(["--skip-test-db", "--datadir"])
            .arg(&data)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| MariadbServerError::Init(e.to_string()))?;
        if !init.status.success() {
            return Err(MariadbServerError::Init(
                String::from_utf8_lossy(&init.stderr).into_owned(),
            ));
        }
        spawn_on_a_free_port(|port| {
            server.port = port;
            server.url = format!("mysql://root@127.0.0.1:{}/paywire", port);
            server.spawn()
        })
        .map_err(MariadbServerError::Start)?;
        Ok(server)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let child = as_server_user(Command::new(SERVER))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", self.dir.join("data").display()))
            .arg(format!("--port={}", self.port))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--socket={}", self.dir.join("sock").display()))
            .arg(format!("--pid-file={}", self.dir.join("pid").display()))
            .arg(format!("--tmpdir={}", self.dir.display()))
            .arg(format!(
                "--log-error={}",
                self.dir.join("server.log").display()
            ))
            .args(["--innodb-buffer-pool-size=32M", "--max-connections=200"])
            // Its own process group, so a kill takes it down at once, as a crash would.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        self.process = Some(child);
        let port = self.port;
        match wait_until_ready(&mut self.process, 300, Duration::from_millis(50), || {
            Self::ready(port)
        }) {
            Ok(()) => Ok(()),
            Err(NotReady::Exited) => Err(format!("exited: {}", self.log_tail())),
            Err(NotReady::Silent) => Err(format!("not ready within 15 s: {}", self.log_tail())),
        }
    }

    /// Whether the server accepts connections; creates the `paywire` database the first
    /// time it does.
    fn ready(port: u16) -> bool {
        Command::new(CLIENT)
            .args(["--no-defaults", "-h", "127.0.0.1", "-u", "root"])
            .args(["-P", &port.to_string()])
            .args(["-e", "CREATE DATABASE IF NOT EXISTS paywire"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn log_tail(&self) -> String {
        log_tail(&self.dir.join("server.log"))
    }

    /// Kills the server at once (SIGKILL to its process group, as in a crash of the
    /// machine): nothing it had not committed lands.
    pub fn kill(&mut self) {
        kill_group(&mut self.process);
    }

    /// Starts the killed server again on the same port; InnoDB recovers from its redo
    /// log, so every commit it acknowledged is there.
    pub fn restart(&mut self) -> Result<(), MariadbServerError> {
        self.kill();
        crate::retry::retry(50, Duration::from_millis(200), || self.spawn())
            .map_err(MariadbServerError::Start)
    }
}

impl Drop for MariadbServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
