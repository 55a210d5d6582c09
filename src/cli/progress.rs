//! Progress on standard error (indicatif): a bar over the inputs of a
//! `check` run, naming the file being checked and the time taken, and over
//! the simulated histories of `matrix`; redrawn ten times a second, so a
//! long check of one big file shows it is alive.
//!
//! Shown only when standard error and standard output are both terminals
//! (never when piped or redirected), never with `--report json` or
//! `--quiet`, and cleared before anything is written: reports are the same
//! with or without it. One bar per process, held here; [`suspend`] runs a
//! write with the bar cleared, and [`Suspending`] does so for every write
//! of a report, so the writers need not know about the bar.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

fn bar() -> Option<ProgressBar> {
    BAR.lock().ok().and_then(|b| b.clone())
}

/// Whether a bar may be drawn: both streams are terminals, and the
/// terminal is not `dumb`.
pub fn wanted() -> bool {
    io::stderr().is_terminal()
        && io::stdout().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// Starts the bar over `len` steps, each a `unit` (`files`, `histories`).
pub fn start(len: u64, unit: &str) {
    let template = format!("{{spinner}} {{pos}}/{{len}} {unit} [{{elapsed}}] {{wide_msg}}");
    let Ok(style) = ProgressStyle::with_template(&template) else {
        return;
    };
    let bar = ProgressBar::new(len).with_style(style);
    bar.enable_steady_tick(Duration::from_millis(100));
    if let Ok(mut slot) = BAR.lock() {
        *slot = Some(bar);
    }
}

/// Names what is being done now (the file being checked).
pub fn message(text: &str) {
    if let Some(b) = bar() {
        b.set_message(text.to_string());
    }
}

/// One step done.
pub fn inc() {
    if let Some(b) = bar() {
        b.inc(1);
    }
}

/// Clears the bar for good.
pub fn finish() {
    if let Some(b) = BAR.lock().ok().and_then(|mut b| b.take()) {
        b.finish_and_clear();
    }
}

/// Runs `f` with the bar cleared (it is drawn again after).
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    match bar() {
        Some(b) => b.suspend(f),
        None => f(),
    }
}

/// A writer that writes whole lines, each with the bar cleared and
/// flushed at once (a partial line waits for its end, or for `flush`, so
/// the bar never lands in the middle of one).
pub struct Suspending<'a> {
    inner: &'a mut dyn Write,
    pending: Vec<u8>,
}

impl<'a> Suspending<'a> {
    pub fn new(inner: &'a mut dyn Write) -> Suspending<'a> {
        Suspending {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_pending(&mut self, upto: usize) -> io::Result<()> {
        let lines: Vec<u8> = self.pending.drain(..upto).collect();
        let inner = &mut self.inner;
        suspend(|| {
            inner.write_all(&lines)?;
            inner.flush()
        })
    }
}

impl Write for Suspending<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(i) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.write_pending(i + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let n = self.pending.len();
        self.write_pending(n)
    }
}

impl Drop for Suspending<'_> {
    fn drop(&mut self) {
        // A last partial line; an error here has no one left to tell.
        let _ = self.flush();
    }
}
