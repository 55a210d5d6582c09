//! Recording histories from real systems.
//!
//! * [`recorder`]: the [`Recorder`] a test suite wraps around its own
//!   client calls; it writes the event form of JSON Lines (`docs/jsonl.md`).
//! * [`etcd`] and [`redis`]: drivers that start a real cluster on loopback
//!   ports ([`cluster`]), run a Jepsen-style register workload against it
//!   with N client threads (each one a process), inject faults
//!   ([`nemesis`]) and record everything with a [`Recorder`].
//!
//! The workload ([`run_workload`]) is the one of Jepsen's register tests:
//! every client picks a key among `keys`, then a read (half the calls by
//! default), a write of a value unique in the whole run, or a
//! compare-and-set from the value it last saw to a new unique value. Unique values make reads-from
//! known exactly (`DEFINITIONS.md`, Vocabulary). A call that times out or
//! loses its connection after sending is recorded as `info` (unknown
//! outcome) and the client continues as a **new process** (the old number
//! plus the number of clients), since its request may still take effect; a
//! call refused before it was sent is a `fail`.
//!
//! **Architecture invariant:** this module never prints and never reads
//! flags; it returns a [`RecordSummary`] that the binary prints. It starts
//! servers only through [`cluster::Server`], whose drop kills and reaps
//! them, and keeps data in temporary directories removed on drop, so that
//! an error, a panic or a stop request (`stop`, set by the binary on
//! Ctrl-C) leaves nothing running.

pub mod cluster;
pub mod etcd;
pub mod nemesis;
pub mod recorder;
pub mod redis;

pub use cluster::ClusterError;
pub use nemesis::{FaultRecord, NemesisConfig, NemesisKind};
pub use recorder::{Call, Op, Process, RecordError, RecordStats, Recorder, RecorderConfig, Ret};

use crate::history::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The workload every driver runs.
#[derive(Clone, Debug)]
pub struct WorkloadConfig {
    /// Client threads, each one a process at a time.
    pub clients: usize,
    /// Registers `k0`, `k1`, ...
    pub keys: usize,
    /// Stop after this many calls in all (`None`: only the duration).
    pub ops_max: Option<u64>,
    /// Calls per second over all clients (`None`: as fast as they go).
    pub rate_per_s: Option<f64>,
    /// How long the clients run.
    pub duration: Duration,
    /// Seeds the choice of keys, calls and faults.
    pub seed: u64,
    /// A call not answered within this time is recorded as `info`.
    pub timeout: Duration,
    /// Fraction of calls that are reads.
    pub read_fraction: f64,
    /// Fraction of calls that are compare-and-sets (from the value the
    /// client last saw; a write when it saw none); the rest are writes.
    /// The weak checks model read/write registers only: with compare-and-
    /// sets they are not run.
    pub cas_fraction: f64,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        WorkloadConfig {
            clients: 5,
            keys: 4,
            ops_max: None,
            rate_per_s: Some(200.0),
            duration: Duration::from_secs(10),
            seed: 1,
            timeout: Duration::from_secs(3),
            read_fraction: 0.5,
            cas_fraction: 0.2,
        }
    }
}

/// Why a recording could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("cannot create {path}: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Config(String),
}

/// What was run, for the summary the binary prints.
#[derive(Clone, Debug, Default)]
pub struct RecordSummary {
    /// One line per server: name, role, address, pid.
    pub servers: Vec<String>,
    /// How the clients reached the servers.
    pub clients: Vec<String>,
    pub faults: Vec<FaultRecord>,
    pub stats: RecordStats,
    /// Processes used (clients plus the new processes after unknown
    /// outcomes).
    pub processes: u64,
    pub elapsed: Duration,
    /// Stopped early by the stop flag (Ctrl-C).
    pub interrupted: bool,
    /// A few distinct client errors, with how often each was seen.
    pub errors: Vec<(String, u64)>,
}

/// A client error: whether the call may have taken effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientError {
    /// Refused before it was sent, or answered with an error: no effect
    /// (`fail`).
    Definite(String),
    /// Timed out or lost after sending: unknown outcome (`info`).
    Indefinite(String),
}

/// A client of a register store, one per client thread.
pub trait RegisterClient {
    fn read(&mut self, key: &str) -> Result<Option<Value>, ClientError>;
    fn write(&mut self, key: &str, value: i64) -> Result<(), ClientError>;
    fn cas(&mut self, key: &str, expected: &Value, new: i64) -> Result<bool, ClientError>;
}

/// A small seeded generator (SplitMix64): choices of keys, calls and
/// faults.
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Shared state of one workload run.
struct Shared<'a> {
    config: &'a WorkloadConfig,
    rec: &'a Recorder,
    /// The clients stop when it is set (the run's end) or `stop` is.
    done: AtomicBool,
    stop: &'a AtomicBool,
    calls: AtomicU64,
    next_value: AtomicI64,
    processes: AtomicU64,
    errors: std::sync::Mutex<HashMap<String, u64>>,
}

impl Shared<'_> {
    fn stopping(&self) -> bool {
        self.done.load(Ordering::Relaxed) || self.stop.load(Ordering::Relaxed)
    }

    fn note_error(&self, e: &str) {
        let mut errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        // Messages differ in numbers (ports, ids): a few are enough.
        if errors.len() < 8 || errors.contains_key(e) {
            *errors.entry(e.to_string()).or_insert(0) += 1;
        }
    }
}

/// Runs the workload: `clients` threads, each with the client `connect(i)`
/// makes (and makes again after an unknown outcome), while `nemesis` runs
/// on the calling thread until the deadline. Returns the nemesis's result
/// and fills the summary's counters.
pub fn run_workload<C, F, N>(
    config: &WorkloadConfig,
    rec: &Recorder,
    stop: &AtomicBool,
    connect: F,
    nemesis: N,
    summary: &mut RecordSummary,
) -> Vec<FaultRecord>
where
    C: RegisterClient,
    F: Fn(usize) -> C + Sync,
    N: FnOnce(Instant) -> Vec<FaultRecord>,
{
    let started = Instant::now();
    let deadline = started + config.duration;
    let shared = Shared {
        config,
        rec,
        done: AtomicBool::new(false),
        stop,
        calls: AtomicU64::new(0),
        next_value: AtomicI64::new(1),
        processes: AtomicU64::new(config.clients as u64),
        errors: Default::default(),
    };
    let faults = std::thread::scope(|s| {
        let handles: Vec<_> = (0..config.clients)
            .map(|i| {
                let shared = &shared;
                let connect = &connect;
                std::thread::Builder::new()
                    .name(format!("concord-client-{i}"))
                    .spawn_scoped(s, move || client_loop(i, shared, connect, deadline))
                    .expect("spawning a client thread")
            })
            .collect();
        let faults = nemesis(deadline);
        while Instant::now() < deadline
            && !shared.stopping()
            && !handles.iter().all(|h| h.is_finished())
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        shared.done.store(true, Ordering::Relaxed);
        for h in handles {
            // A client thread that panicked has recorded what it did; the
            // panic is the driver's bug and is passed on.
            if let Err(p) = h.join() {
                std::panic::resume_unwind(p);
            }
        }
        faults
    });
    summary.processes = shared.processes.load(Ordering::Relaxed);
    summary.elapsed = started.elapsed();
    summary.interrupted = stop.load(Ordering::Relaxed);
    let mut errors: Vec<_> = shared
        .errors
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .collect();
    errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    summary.errors = errors;
    faults
}

fn client_loop<C: RegisterClient>(
    index: usize,
    shared: &Shared<'_>,
    connect: &(impl Fn(usize) -> C + Sync),
    deadline: Instant,
) {
    let config = shared.config;
    let clients = config.clients as u64;
    let mut rng =
        SplitMix::new(config.seed ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
    let mut process = index as u64;
    let mut client = connect(index);
    let mut seen: HashMap<String, Value> = HashMap::new();
    // Each client takes its share of the rate, starting at a random offset
    // so that the clients do not call in lockstep.
    let interval = config
        .rate_per_s
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(config.clients as f64 / r));
    let mut next_at = Instant::now() + interval.map_or(Duration::ZERO, |i| i.mul_f64(rng.unit()));
    loop {
        if let Some(_i) = interval {
            while Instant::now() < next_at && !shared.stopping() {
                std::thread::sleep((next_at - Instant::now()).min(Duration::from_millis(20)));
            }
        }
        if shared.stopping() || Instant::now() >= deadline {
            break;
        }
        if let Some(max) = config.ops_max
            && shared.calls.fetch_add(1, Ordering::Relaxed) >= max
        {
            break;
        }
        if let Some(i) = interval {
            next_at = (next_at + i).max(Instant::now());
        }
        let key = format!("k{}", rng.below(config.keys.max(1)));
        let roll = rng.unit();
        let outcome = if roll < config.read_fraction {
            let op = shared.rec.invoke(process, Call::Read { key: key.clone() });
            match client.read(&key) {
                Ok(v) => {
                    if let Some(v) = &v {
                        seen.insert(key, v.clone());
                    }
                    shared.rec.ok(op, Ret::Read(v));
                    Ok(())
                }
                Err(e) => Err((op, e)),
            }
        } else {
            let new = shared.next_value.fetch_add(1, Ordering::Relaxed);
            let cas = roll < config.read_fraction + config.cas_fraction;
            match seen.get(&key).cloned() {
                Some(expected) if cas => {
                    let call = Call::Cas {
                        key: key.clone(),
                        expected: expected.clone(),
                        new: Value::Int(new),
                    };
                    let op = shared.rec.invoke(process, call);
                    match client.cas(&key, &expected, new) {
                        Ok(set) => {
                            if set {
                                seen.insert(key, Value::Int(new));
                            } else {
                                seen.remove(&key);
                            }
                            shared.rec.ok(op, Ret::Cas(set));
                            Ok(())
                        }
                        Err(e) => Err((op, e)),
                    }
                }
                _ => {
                    let call = Call::Write {
                        key: key.clone(),
                        value: Value::Int(new),
                    };
                    let op = shared.rec.invoke(process, call);
                    match client.write(&key, new) {
                        Ok(()) => {
                            seen.insert(key, Value::Int(new));
                            shared.rec.ok(op, Ret::Done);
                            Ok(())
                        }
                        Err(e) => Err((op, e)),
                    }
                }
            }
        };
        match outcome {
            Ok(()) => {}
            Err((op, ClientError::Definite(e))) => {
                shared.rec.fail(op);
                shared.note_error(&e);
                // Back off a little: the server refused, it will for a while.
                std::thread::sleep(Duration::from_millis(50));
            }
            Err((op, ClientError::Indefinite(e))) => {
                shared.rec.info(op);
                shared.note_error(&e);
                // Jepsen's convention: the request may still be in flight,
                // so this process is retired and a new one takes its place.
                process += clients;
                shared.processes.fetch_add(1, Ordering::Relaxed);
                client = connect(index);
                seen.clear();
            }
        }
    }
}

/// A value as a store holds it: an integer's digits, a string's text.
pub(crate) fn stored_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// A temporary directory for the servers' data and logs, removed on drop.
pub(crate) fn temp_dir(prefix: &str) -> Result<tempfile::TempDir, ClusterError> {
    Ok(tempfile::Builder::new().prefix(prefix).tempdir()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An in-memory register store that answers every call at once.
    struct Memory<'a>(&'a Mutex<HashMap<String, i64>>);

    impl RegisterClient for Memory<'_> {
        fn read(&mut self, key: &str) -> Result<Option<Value>, ClientError> {
            Ok(self.0.lock().unwrap().get(key).map(|v| Value::Int(*v)))
        }
        fn write(&mut self, key: &str, value: i64) -> Result<(), ClientError> {
            if value % 7 == 0 {
                return Err(ClientError::Indefinite("timeout".into()));
            }
            self.0.lock().unwrap().insert(key.to_string(), value);
            Ok(())
        }
        fn cas(&mut self, key: &str, expected: &Value, new: i64) -> Result<bool, ClientError> {
            let mut m = self.0.lock().unwrap();
            let now = m.get(key).map(|v| Value::Int(*v));
            if now.as_ref() == Some(expected) {
                m.insert(key.to_string(), new);
                Ok(true)
            } else {
                Ok(false)
            }
        }
    }

    #[test]
    fn the_workload_records_a_linearizable_history_of_a_linearizable_store() {
        let store = Mutex::new(HashMap::new());
        let file = tempfile::NamedTempFile::new().unwrap();
        let rec = Recorder::create(
            file.path(),
            RecorderConfig {
                model: Some("cas-register".into()),
                meta: vec![],
            },
        )
        .unwrap();
        let config = WorkloadConfig {
            clients: 3,
            keys: 2,
            ops_max: Some(300),
            rate_per_s: None,
            duration: Duration::from_secs(5),
            ..WorkloadConfig::default()
        };
        let mut summary = RecordSummary::default();
        let stop = AtomicBool::new(false);
        run_workload(
            &config,
            &rec,
            &stop,
            |_| Memory(&store),
            |_| Vec::new(),
            &mut summary,
        );
        let stats = rec.finish().unwrap();
        assert_eq!(stats.invokes, 300);
        assert!(stats.info > 0, "{stats:?}");
        assert_eq!(summary.processes, 3 + stats.info);
        let text = std::fs::read_to_string(file.path()).unwrap();
        let history =
            crate::parse::parse(&text, crate::parse::Format::Jsonl, &Default::default()).unwrap();
        let config = crate::check::CheckConfig {
            guarantees: vec![crate::guarantee::Guarantee::Linearizable],
            ..Default::default()
        };
        let results = crate::check::check(&history, &config);
        assert_eq!(results[0].verdict, crate::guarantee::Verdict::Holds);
    }

    #[test]
    fn splitmix_is_seeded() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = SplitMix::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = SplitMix::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut r = SplitMix::new(1);
        assert!((0..1000).all(|_| r.below(3) < 3 && (0.0..1.0).contains(&r.unit())));
    }
}
