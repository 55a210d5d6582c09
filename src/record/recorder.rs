//! The recorder: a thread-safe [`Recorder`] that a test suite wraps around
//! its own client calls, and that writes the event form of JSON Lines
//! (schema 1, `docs/jsonl.md`) as it goes.
//!
//! ```text
//! client thread                     recorder                  writer thread
//! ─────────────                     ────────                  ─────────────
//! let op = rec.invoke(p, call);  ── stamp + append ──────────▶ JSON line
//! let r = client.get(..);           (no lock held here)          BufWriter
//! rec.ok(op, Ret::Read(r));      ── stamp + append ──────────▶ JSON line
//! ```
//!
//! Each event is stamped with a monotonic clock (`Instant`, nanoseconds
//! since the recorder was made) and appended to a buffer that one writer
//! thread takes a batch at a time (every millisecond when idle), turning
//! the events into lines written through a `BufWriter`. The stamp and the
//! append happen under one short lock, so the buffer holds the events in
//! time order and the file's line order is real-time order, as the event
//! form requires (its `time` never decreases). The lock is held for the
//! stamp and the append only, never during the client's call; the
//! formatting and the I/O happen on the writer thread. A channel (`mpsc`)
//! would wake the writer with a system call for each event sent to a
//! waiting receiver; the swapped buffer costs the caller none. `benches/record.rs`
//! measures the cost per event (BENCHMARKS.md).
//!
//! The output starts with a header
//! (`{"concord":1,"form":"events","unit":"ns",...}`), then one line per
//! event:
//!
//! ```json
//! {"process":0,"type":"invoke","f":"write","key":"k1","value":3,"time":1200}
//! {"process":0,"type":"ok","f":"write","key":"k1","time":905100}
//! {"annotation":"nemesis pause n2 start","time":1000000}
//! ```
//!
//! Outcomes follow Jepsen's convention (`DEFINITIONS.md`, Vocabulary):
//! [`Recorder::ok`] the call took effect and its result is known,
//! [`Recorder::fail`] it definitely did not take effect,
//! [`Recorder::info`] unknown (a timeout): the caller should continue as a
//! new process, since the request may still be in flight. A process has at
//! most one call outstanding; the recorder does not police this (the
//! reader of the file does, with the line of the second invoke).

use crate::history::Value;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A process (a client session) as the history names it: a number (written
/// as a JSON integer) or a name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Process {
    Id(u64),
    Name(String),
}

impl From<u64> for Process {
    fn from(id: u64) -> Self {
        Process::Id(id)
    }
}

impl From<&str> for Process {
    fn from(name: &str) -> Self {
        Process::Name(name.to_string())
    }
}

impl From<String> for Process {
    fn from(name: String) -> Self {
        Process::Name(name)
    }
}

/// A client call on a register-like key: what an invoke carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    Read {
        key: String,
    },
    Write {
        key: String,
        value: Value,
    },
    /// Compare-and-set: set `new` if the key holds `expected`.
    Cas {
        key: String,
        expected: Value,
        new: Value,
    },
    /// Append `value` to the key's list.
    Append {
        key: String,
        value: Value,
    },
}

impl Call {
    /// The JSON Lines `f` of the call.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Read { .. } => "read",
            Call::Write { .. } => "write",
            Call::Cas { .. } => "cas",
            Call::Append { .. } => "append",
        }
    }

    /// The key the call is on.
    pub fn key(&self) -> &str {
        match self {
            Call::Read { key }
            | Call::Write { key, .. }
            | Call::Cas { key, .. }
            | Call::Append { key, .. } => key,
        }
    }
}

/// The result of a call that completed with `ok`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ret {
    /// A write or append was acknowledged.
    Done,
    /// A read returned a value (`Some`) or found the key absent (`None`).
    Read(Option<Value>),
    /// A compare-and-set answered: `true` it set the value, `false` the
    /// key did not hold the expected value (a completed operation that
    /// had no effect, not a `fail`).
    Cas(bool),
}

/// An invoked call not yet completed, returned by [`Recorder::invoke`] and
/// consumed by the completion, so that one call completes once.
#[must_use = "complete the call with ok, fail or info"]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Op {
    id: u64,
}

impl Op {
    /// The recorder's number of this call (invocation order, from 0).
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// How a recording is described in the header.
#[derive(Clone, Debug, Default)]
pub struct RecorderConfig {
    /// The data model (`register`, `cas-register`, ...), if known.
    pub model: Option<String>,
    /// Free metadata (`meta` in the header): what was recorded and how.
    pub meta: Vec<(String, String)>,
}

/// What the writer thread wrote, returned by [`Recorder::finish`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordStats {
    pub invokes: u64,
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
    /// Invoked and never completed (pending in the history).
    pub pending: u64,
    pub annotations: u64,
    /// Lines written, the header included.
    pub lines: u64,
}

/// Why a recording could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot write the history: {0}")]
    Io(#[from] io::Error),
    #[error("the recorder's writer thread panicked")]
    WriterPanicked,
}

enum Event {
    Invoke {
        op: u64,
        process: Process,
        call: Call,
        time_ns: u64,
    },
    Complete {
        op: u64,
        outcome: Outcome,
        time_ns: u64,
    },
    Annotation {
        text: String,
        time_ns: u64,
    },
}

enum Outcome {
    Ok(Ret),
    Fail,
    Info,
}

/// A thread-safe recorder of invocations and completions; see the module
/// docs. Share it by reference (`&Recorder` or `Arc<Recorder>`).
pub struct Recorder {
    start: Instant,
    next_op: AtomicU64,
    /// The buffer between the callers and the writer thread: the stamp
    /// and the append happen under its lock, so it holds events in time
    /// order.
    buffer: Arc<Mutex<Buffer>>,
    writer: Mutex<Option<JoinHandle<Result<RecordStats, io::Error>>>>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("ops", &self.next_op.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// A recorder writing to `out` (a file, a `Vec<u8>`, ...) through a
    /// buffered writer thread. The header is written first.
    pub fn new<W: Write + Send + 'static>(out: W, config: RecorderConfig) -> io::Result<Recorder> {
        let buffer = Arc::new(Mutex::new(Buffer {
            events: Vec::with_capacity(4096),
            closed: false,
        }));
        let shared = Arc::clone(&buffer);
        let writer = std::thread::Builder::new()
            .name("concord-recorder".to_string())
            .spawn(move || write_all(BufWriter::with_capacity(1 << 16, out), &config, &shared))?;
        Ok(Recorder {
            start: Instant::now(),
            next_op: AtomicU64::new(0),
            buffer,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// A recorder writing to a new file at `path` (truncated if it exists).
    pub fn create(path: &std::path::Path, config: RecorderConfig) -> io::Result<Recorder> {
        Recorder::new(std::fs::File::create(path)?, config)
    }

    /// Nanoseconds since the recorder was made: the clock of every event.
    pub fn now_ns(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Stamps and sends one event; the closure builds it from the stamp.
    /// After [`Recorder::finish`] events are dropped.
    fn send(&self, event: impl FnOnce(u64) -> Event) {
        let mut buffer = self.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        if !buffer.closed {
            let event = event(self.now_ns());
            buffer.events.push(event);
        }
    }

    /// Records the invocation of `call` by `process` and returns the handle
    /// to complete it with.
    pub fn invoke(&self, process: impl Into<Process>, call: Call) -> Op {
        let process = process.into();
        let id = self.next_op.fetch_add(1, Ordering::Relaxed);
        self.send(|time_ns| Event::Invoke {
            op: id,
            process,
            call,
            time_ns,
        });
        Op { id }
    }

    /// The call took effect and returned `ret`.
    pub fn ok(&self, op: Op, ret: Ret) {
        self.complete(op, Outcome::Ok(ret));
    }

    /// The call definitely did not take effect.
    pub fn fail(&self, op: Op) {
        self.complete(op, Outcome::Fail);
    }

    /// The outcome is unknown (a timeout, a lost connection): the call may
    /// or may not take effect, at any time after its invocation. Continue
    /// with a new process.
    pub fn info(&self, op: Op) {
        self.complete(op, Outcome::Info);
    }

    fn complete(&self, op: Op, outcome: Outcome) {
        self.send(|time_ns| Event::Complete {
            op: op.id,
            outcome,
            time_ns,
        });
    }

    /// Records an annotation (a fault starting or stopping, a marker) at
    /// the current time. A fault's text follows the annotation rule of the
    /// readers: `start`, `kill`, `pause`, `crash` or `partition` start a
    /// fault, `stop` or `heal` end one.
    pub fn annotate(&self, text: impl Into<String>) {
        let text = text.into();
        self.send(|time_ns| Event::Annotation { text, time_ns });
    }

    /// Stops recording, flushes and closes the output, and returns what was
    /// written. Later calls return empty statistics; events recorded after
    /// it are dropped. Dropping the recorder finishes it too, ignoring
    /// errors.
    pub fn finish(&self) -> Result<RecordStats, RecordError> {
        self.buffer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        let handle = self
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match handle {
            None => Ok(RecordStats::default()),
            Some(h) => {
                h.thread().unpark();
                match h.join() {
                    Ok(result) => Ok(result?),
                    Err(_) => Err(RecordError::WriterPanicked),
                }
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Events on their way from the callers to the writer thread.
struct Buffer {
    events: Vec<Event>,
    /// Set by `finish`: no more events; the writer drains and stops.
    closed: bool,
}

/// How long the writer thread sleeps when it found nothing to write.
const WRITER_IDLE: Duration = Duration::from_millis(1);

/// The writer thread: header, then every event the callers appended, a
/// batch at a time (it swaps the buffer for an empty one under the lock
/// and formats outside it), until the recorder is finished. After a write
/// error it keeps taking batches, so that the buffer does not grow, and
/// returns the error.
fn write_all<W: Write>(
    mut out: W,
    config: &RecorderConfig,
    buffer: &Mutex<Buffer>,
) -> io::Result<RecordStats> {
    let mut stats = RecordStats::default();
    let mut open: HashMap<u64, (Process, &'static str, String)> = HashMap::new();
    let mut line = String::with_capacity(256);
    let mut result = writeln!(out, "{}", header(config));
    stats.lines += 1;
    let mut batch: Vec<Event> = Vec::with_capacity(4096);
    loop {
        let closed = {
            let mut b = buffer.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::swap(&mut b.events, &mut batch);
            b.closed
        };
        if batch.is_empty() {
            if closed {
                break;
            }
            std::thread::park_timeout(WRITER_IDLE);
            continue;
        }
        for event in batch.drain(..) {
            line.clear();
            match event {
                Event::Invoke {
                    op,
                    process,
                    call,
                    time_ns,
                } => {
                    stats.invokes += 1;
                    open_line(&mut line, &process, "invoke", call.name(), call.key());
                    match &call {
                        Call::Read { .. } => {}
                        Call::Write { value, .. } | Call::Append { value, .. } => {
                            field(&mut line, "value", value)
                        }
                        Call::Cas { expected, new, .. } => {
                            field(&mut line, "expected", expected);
                            field(&mut line, "new", new);
                        }
                    }
                    close_line(&mut line, time_ns);
                    let (name, key) = (call.name(), into_key(call));
                    open.insert(op, (process, name, key));
                }
                Event::Complete {
                    op,
                    outcome,
                    time_ns,
                } => {
                    let Some((process, f, key)) = open.remove(&op) else {
                        // Op handles are made only by `invoke`, and the invoke
                        // is sent before the handle is returned.
                        debug_assert!(false, "completion of op {op} before its invoke");
                        continue;
                    };
                    let kind = match &outcome {
                        Outcome::Ok(_) => {
                            stats.ok += 1;
                            "ok"
                        }
                        Outcome::Fail => {
                            stats.fail += 1;
                            "fail"
                        }
                        Outcome::Info => {
                            stats.info += 1;
                            "info"
                        }
                    };
                    open_line(&mut line, &process, kind, f, &key);
                    match outcome {
                        Outcome::Ok(Ret::Read(Some(v))) => field(&mut line, "value", &v),
                        Outcome::Ok(Ret::Read(None)) => line.push_str(",\"value\":null"),
                        Outcome::Ok(Ret::Cas(b)) => line.push_str(if b {
                            ",\"result\":true"
                        } else {
                            ",\"result\":false"
                        }),
                        Outcome::Ok(Ret::Done) | Outcome::Fail | Outcome::Info => {}
                    }
                    close_line(&mut line, time_ns);
                }
                Event::Annotation { text, time_ns } => {
                    stats.annotations += 1;
                    line.push_str("{\"annotation\":");
                    push_str_json(&mut line, &text);
                    close_line(&mut line, time_ns);
                }
            }
            if result.is_ok() {
                result = out.write_all(line.as_bytes());
            }
            stats.lines += 1;
        }
    }
    stats.pending = open.len() as u64;
    result?;
    out.flush()?;
    Ok(stats)
}

fn into_key(call: Call) -> String {
    match call {
        Call::Read { key }
        | Call::Write { key, .. }
        | Call::Cas { key, .. }
        | Call::Append { key, .. } => key,
    }
}

/// The header line, fields in a fixed order (`concord`, `form`, `model`,
/// `unit`, `meta`).
fn header(config: &RecorderConfig) -> String {
    let mut line = format!(
        "{{\"concord\":{},\"form\":\"events\"",
        crate::parse::jsonl::SCHEMA_VERSION
    );
    if let Some(model) = &config.model {
        line.push_str(",\"model\":");
        push_str_json(&mut line, model);
    }
    line.push_str(",\"unit\":\"ns\"");
    if !config.meta.is_empty() {
        line.push_str(",\"meta\":{");
        for (i, (k, v)) in config.meta.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_str_json(&mut line, k);
            line.push(':');
            push_str_json(&mut line, v);
        }
        line.push('}');
    }
    line.push('}');
    line
}

fn push_str_json(line: &mut String, s: &str) {
    line.push_str(&serde_json::Value::from(s).to_string());
}

fn push_value(line: &mut String, v: &Value) {
    match v {
        Value::Int(i) => line.push_str(&i.to_string()),
        Value::Str(s) => push_str_json(line, s),
        Value::List(items) => {
            line.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                push_value(line, item);
            }
            line.push(']');
        }
    }
}

fn field(line: &mut String, name: &str, v: &Value) {
    line.push_str(",\"");
    line.push_str(name);
    line.push_str("\":");
    push_value(line, v);
}

fn open_line(line: &mut String, process: &Process, kind: &str, f: &str, key: &str) {
    line.push_str("{\"process\":");
    match process {
        Process::Id(n) => line.push_str(&n.to_string()),
        Process::Name(s) => push_str_json(line, s),
    }
    line.push_str(",\"type\":\"");
    line.push_str(kind);
    line.push_str("\",\"f\":\"");
    line.push_str(f);
    line.push_str("\",\"key\":");
    push_str_json(line, key);
}

fn close_line(line: &mut String, time_ns: u64) {
    line.push_str(",\"time\":");
    line.push_str(&time_ns.to_string());
    line.push_str("}\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Format, ParseOptions, parse};
    use std::sync::Arc;

    /// A `Write` into a shared buffer, to read back what was written.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn recorded(f: impl FnOnce(&Recorder)) -> (String, RecordStats) {
        let buf = Shared::default();
        let config = RecorderConfig {
            model: Some("cas-register".into()),
            meta: vec![("recorded-by".into(), "test".into())],
        };
        let rec = Recorder::new(buf.clone(), config).unwrap();
        f(&rec);
        let stats = rec.finish().unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        (text, stats)
    }

    #[test]
    fn writes_the_event_form_that_the_reader_reads() {
        let (text, stats) = recorded(|rec| {
            let w = rec.invoke(
                1,
                Call::Write {
                    key: "x".into(),
                    value: Value::Int(1),
                },
            );
            rec.ok(w, Ret::Done);
            let r = rec.invoke("reader", Call::Read { key: "x".into() });
            rec.annotate("nemesis pause n1 start");
            rec.ok(r, Ret::Read(Some(Value::Int(1))));
            let c = rec.invoke(
                1,
                Call::Cas {
                    key: "x".into(),
                    expected: Value::Int(1),
                    new: Value::Str("two\"".into()),
                },
            );
            rec.ok(c, Ret::Cas(false));
            let t = rec.invoke(
                2,
                Call::Write {
                    key: "y".into(),
                    value: Value::Int(3),
                },
            );
            rec.info(t);
            let f = rec.invoke(3, Call::Read { key: "y".into() });
            rec.fail(f);
            let e = rec.invoke(4, Call::Read { key: "z".into() });
            rec.ok(e, Ret::Read(None));
            let _pending = rec.invoke(5, Call::Read { key: "z".into() });
        });
        assert_eq!(
            stats,
            RecordStats {
                invokes: 7,
                ok: 4,
                fail: 1,
                info: 1,
                pending: 1,
                annotations: 1,
                lines: 15
            }
        );
        let history = parse(&text, Format::Jsonl, &ParseOptions::default()).unwrap();
        assert_eq!(history.len(), 7);
        assert!(history.has_timestamps());
        assert_eq!(history.annotations.len(), 1);
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with(r#"{"concord":1,"form":"events","model":"cas-register","unit":"ns""#),
            "{first}"
        );
        assert!(
            text.contains(r#""type":"ok","f":"cas","key":"x","result":false,"time":"#),
            "{text}"
        );
        assert!(
            text.contains(r#""type":"ok","f":"read","key":"z","value":null,"time":"#),
            "{text}"
        );
    }

    #[test]
    fn many_threads_give_a_well_formed_history_in_time_order() {
        let (text, stats) = recorded(|rec| {
            std::thread::scope(|s| {
                for p in 0..8u64 {
                    s.spawn(move || {
                        for i in 0..500i64 {
                            let key = format!("k{}", i % 3);
                            let op = rec.invoke(
                                p,
                                Call::Write {
                                    key,
                                    value: Value::Int(p as i64 * 1000 + i),
                                },
                            );
                            rec.ok(op, Ret::Done);
                        }
                    });
                }
            });
        });
        assert_eq!(stats.ok, 4000);
        // The reader refuses a time that goes back, or two invokes of one
        // process outstanding.
        let history = parse(&text, Format::Jsonl, &ParseOptions::default()).unwrap();
        assert_eq!(history.len(), 4000);
    }

    #[test]
    fn events_after_finish_are_dropped_and_finish_is_idempotent() {
        let buf = Shared::default();
        let rec = Recorder::new(buf.clone(), RecorderConfig::default()).unwrap();
        let op = rec.invoke(0, Call::Read { key: "x".into() });
        rec.ok(op, Ret::Read(None));
        assert_eq!(rec.finish().unwrap().ok, 1);
        let late = rec.invoke(0, Call::Read { key: "x".into() });
        rec.ok(late, Ret::Read(None));
        assert_eq!(rec.finish().unwrap(), RecordStats::default());
        assert_eq!(
            String::from_utf8(buf.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .count(),
            3
        );
    }
}
