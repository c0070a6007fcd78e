//! What the database servers the tests and soaks start share: running as `nobody` when
//! started by root (PostgreSQL and MariaDB refuse root), a private folder that user owns,
//! waiting until the server answers, and killing it as a crash would.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

/// The unprivileged user (uid and gid) a server runs as when started by root.
const NOBODY: u32 = 65534;

/// Why a server did not become ready.
pub(crate) enum NotReady {
    /// The process ended.
    Exited,
    /// It still did not answer after every try; it has been killed.
    Silent,
}

/// `command`, run as `nobody` when this process is root.
pub(crate) fn as_server_user(mut command: Command) -> Command {
    if is_root() {
        command.uid(NOBODY).gid(NOBODY);
    }
    command
}

/// Gives `path` to the user servers run as, mode 0700 (as PostgreSQL requires).
pub(crate) fn own(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if is_root() {
        std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY))?;
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}

/// Starts a server with `spawn(port)` on a free loopback port. A port found free can be
/// taken before the server binds it, so each of five tries takes a fresh one; the last
/// failure is the error.
pub(crate) fn spawn_on_a_free_port(
    mut spawn: impl FnMut(u16) -> Result<(), String>,
) -> Result<(), String> {
    let mut last = String::from("no attempt");
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        match spawn(port) {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Polls `ready` every `every`, at most `tries` times, while `process` runs.
pub(crate) fn wait_until_ready(
    process: &mut Option<Child>,
    tries: u32,
    every: Duration,
    mut ready: impl FnMut() -> bool,
) -> Result<(), NotReady> {
    for _ in 0..tries {
        let exited = process
            .as_mut()
            .is_none_or(|p| !matches!(p.try_wait(), Ok(None)));
        if exited {
            *process = None;
            return Err(NotReady::Exited);
        }
        if ready() {
            return Ok(());
        }
        std::thread::sleep(every);
    }
    kill_group(process);
    Err(NotReady::Silent)
}

/// Kills a server started in its own process group at once, every process of it
/// (SIGKILL, as in a crash of the machine): nothing it had not committed lands.
pub(crate) fn kill_group(process: &mut Option<Child>) {
    if let Some(mut process) = process.take() {
        let group = format!("-{}", process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = process.kill();
        let _ = process.wait();
    }
}

/// The last lines of a server's log, for an error that says why it did not start.
pub(crate) fn log_tail(file: &Path) -> String {
    let log = std::fs::read_to_string(file).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

/// Whether this process runs as root (its effective uid, as the kernel reports it).
pub(crate) fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2)?.parse::<u32>().ok()
        })
        == Some(0)
}
