//! What the database servers the tests and soaks start share: running as `nobody` when
//! started by root (PostgreSQL and MariaDB refuse root), a private folder that user owns,
//! waiting until the server answers, and killing it as a crash would.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
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

/// A fresh private folder for one server, created here: `paywire-<what>-<pid>-<n>` in
/// the temporary folder, `n` counting the folders this process has made. A folder that
/// already exists (left by an earlier process with the same id) is never handed out, so
/// two servers never share one: two installs in one data folder lock each other out, and
/// the first to finish removes the other's files.
pub(crate) fn private_dir(what: &str) -> std::io::Result<PathBuf> {
    static MADE: AtomicU64 = AtomicU64::new(0);
    let mut last = None;
    for _ in 0..100 {
        let n = MADE.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("paywire-{what}-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no folder made")))
}

/// Five loopback ports, each free at the time of asking: the tries of
/// [`spawn_on_a_free_port`].
pub(crate) fn free_ports() -> impl Iterator<Item = Result<u16, String>> {
    std::iter::repeat_with(free_port).take(5)
}

/// A loopback port free at the time of asking.
fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Starts a server with `spawn(port)` on a free loopback port. A port found free can be
/// taken before the server binds it, so each of five tries takes a fresh one; the last
/// failure is the error.
pub(crate) fn spawn_on_a_free_port(
    spawn: impl FnMut(u16) -> Result<(), String>,
) -> Result<(), String> {
    spawn_on_ports(free_ports(), spawn)
}

/// `spawn(port)` on each of `ports` in turn until one starts; the last failure is the
/// error. The caller's server (its folder, its data) stays the same across tries.
pub(crate) fn spawn_on_ports(
    ports: impl IntoIterator<Item = Result<u16, String>>,
    mut spawn: impl FnMut(u16) -> Result<(), String>,
) -> Result<(), String> {
    let mut last = String::from("no attempt");
    for port in ports {
        match spawn(port?) {
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

#[cfg(test)]
mod tests {
    use super::private_dir;
    use std::collections::HashSet;

    #[test]
    fn servers_started_at_once_get_folders_of_their_own() {
        let made: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| private_dir("together").unwrap()))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let distinct: HashSet<_> = made.iter().collect();
        assert_eq!(distinct.len(), 16, "{made:?}");
        for dir in &made {
            assert!(dir.is_dir());
            std::fs::remove_dir(dir).unwrap();
        }
    }

    #[test]
    fn a_folder_left_by_an_earlier_process_is_never_handed_out() {
        let first = private_dir("left").unwrap();
        let name = first.file_name().unwrap().to_str().unwrap().to_owned();
        let (stem, n) = name.rsplit_once('-').unwrap();
        let n: u64 = n.parse().unwrap();
        // Folders an earlier process with this id left for the next forty counts.
        let left: Vec<_> = (n + 1..n + 41)
            .map(|k| first.with_file_name(format!("{stem}-{k}")))
            .collect();
        for dir in &left {
            std::fs::create_dir(dir).unwrap();
            std::fs::write(dir.join("theirs"), "x").unwrap();
        }
        let next = private_dir("left").unwrap();
        assert!(
            !left.contains(&next),
            "{} was handed out again",
            next.display()
        );
        assert_eq!(
            std::fs::read_dir(&next).unwrap().count(),
            0,
            "fresh and empty"
        );
        for dir in left.iter().chain([&first, &next]) {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }
}
