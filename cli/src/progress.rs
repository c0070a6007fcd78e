//! How `paywire soak` shows its progress on stderr: a bar on a terminal, a plain line
//! every tenth of the orders otherwise (CI logs), or nothing.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The kind of progress shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Progress {
    /// Nothing.
    #[default]
    Quiet,
    /// A line at every tenth of the total.
    Lines,
    /// A progress bar (for a terminal).
    Bar,
}

impl Progress {
    /// A bar when stderr is a terminal, lines otherwise.
    pub fn for_stderr() -> Progress {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            Progress::Bar
        } else {
            Progress::Lines
        }
    }
}

/// Counts finished items out of a total and shows it.
pub struct Reporter {
    shown: Shown,
    total: u64,
    done: AtomicU64,
}

enum Shown {
    Quiet,
    Lines(Mutex<Box<dyn Write + Send>>),
    Bar(indicatif::ProgressBar),
}

impl Reporter {
    /// A reporter of `total` items named `what`, writing lines (if it writes lines) to `out`.
    pub fn new(kind: Progress, total: u64, what: &str, out: Box<dyn Write + Send>) -> Reporter {
        let shown = match kind {
            Progress::Quiet => Shown::Quiet,
            Progress::Lines => Shown::Lines(Mutex::new(out)),
            Progress::Bar => {
                let bar = indicatif::ProgressBar::new(total);
                let style = indicatif::ProgressStyle::with_template(
                    "{prefix} [{bar:40}] {pos}/{len} {msg} ({elapsed})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(format!("soak: {what}"));
                Shown::Bar(bar)
            }
        };
        Reporter {
            shown,
            total,
            done: AtomicU64::new(0),
        }
    }

    /// One more item finished.
    pub fn advance(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.shown {
            Shown::Quiet => {}
            Shown::Bar(bar) => bar.inc(1),
            Shown::Lines(out) => {
                let step = (self.total / 10).max(1);
                if done.is_multiple_of(step) || done == self.total {
                    let percent = done * 100 / self.total.max(1);
                    let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = writeln!(out, "soak: {done}/{} orders done ({percent} %)", self.total);
                }
            }
        }
    }

    /// Says what happens next (settling deliveries, ...).
    pub fn phase(&self, message: &str) {
        match &self.shown {
            Shown::Quiet => {}
            Shown::Bar(bar) => bar.set_message(message.to_owned()),
            Shown::Lines(out) => {
                let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
                let _ = writeln!(out, "soak: {message}");
            }
        }
    }

    /// Done: the bar is cleared, so the report follows on a clean line.
    pub fn finish(&self) {
        if let Shown::Bar(bar) = &self.shown {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_come_at_every_tenth_and_at_the_end() {
        let out = Captured::default();
        let reporter = Reporter::new(Progress::Lines, 25, "orders", Box::new(out.clone()));
        for _ in 0..25 {
            reporter.advance();
        }
        reporter.phase("settling deliveries");
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.first(), Some(&"soak: 2/25 orders done (8 %)"));
        assert_eq!(lines.len(), 12 + 1 + 1, "{text}");
        assert_eq!(lines[12], "soak: 25/25 orders done (100 %)");
        assert_eq!(lines[13], "soak: settling deliveries");
    }

    #[test]
    fn quiet_writes_nothing() {
        let out = Captured::default();
        let reporter = Reporter::new(Progress::Quiet, 3, "orders", Box::new(out.clone()));
        reporter.advance();
        reporter.phase("x");
        reporter.finish();
        assert!(out.0.lock().unwrap().is_empty());
    }
}
