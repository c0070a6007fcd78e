//! Trying again what a moment may fix: a server restarted on a port the kernel still
//! holds, or over shared memory its killed predecessor's processes still hold.

use std::time::Duration;

/// Runs `attempt` up to `tries` times, `pause` apart, until it succeeds; the last error.
pub(crate) fn retry(
    tries: u32,
    pause: Duration,
    mut attempt: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    let mut last = String::from("no attempt");
    for _ in 0..tries {
        match attempt() {
            Ok(()) => return Ok(()),
            Err(e) => last = e,
        }
        std::thread::sleep(pause);
    }
    Err(last)
}
