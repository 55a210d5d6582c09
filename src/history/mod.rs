//! The history model: what was called, by whom, on which key, with which
//! values, when it was invoked, when (and whether) it returned, and what it
//! returned.
//!
//! A [`History`] is valid by construction: the only way to make one is
//! [`HistoryBuilder`], which rejects histories that
//! no real system could have recorded (two outstanding calls in one process,
//! a return before its invoke, a completion without a call).
//!
//! # Semantics
//!
//! * An operation occupies the **closed** interval `[invoke, ret]` of its
//!   process's timeline. Operation `a` precedes `b` in real time when
//!   `a.ret < b.invoke` (strictly); touching intervals overlap. A pending
//!   operation (`ret == None`) never returned: its interval is open-ended.
//! * [`Outcome::Ok`] means the operation took effect and returned the
//!   [`Ret`] recorded. A CAS that answered `false` is `Ok(Ret::Bool(false))`:
//!   it completed, and its answer is an observation every model must respect.
//! * [`Outcome::Fail`] means the operation definitely did **not** take effect
//!   (Jepsen's `:fail`). Checkers ignore its effect; reading a value written
//!   only by a failed write is an `AbortedRead`.
//! * [`Outcome::Info`] means the outcome is unknown (Jepsen's `:info`, a
//!   timeout, or a call that never returned): the operation may have taken
//!   effect at any point after its invoke, or never.
//! * A read's result is an [`Observed`]: a value, [`Observed::Absent`] (the
//!   key had no value) or [`Observed::Unknown`] (the read completed but its
//!   value was not recorded). `Absent` and `Unknown` are never conflated.
//! * Without timestamps (`History::has_real_time() == false`) there is no
//!   real-time order; only session order and the weaker models apply. Invoke
//!   and return times are then the operation's position in the input, which
//!   is used for session order only.
//!
//! Keys and values are interned: operations carry small ids ([`KeyId`],
//! [`ValueId`]) and the history owns the tables.

pub mod builder;
pub mod model;
pub mod pairing;

pub use builder::{
    BuildError, BuildErrorKind, Completion, HistoryBuilder, Invocation, OPS_MAX, OpSpec,
};
pub use model::Model;
pub use pairing::{Pairing, PairingError, Pending};

use std::fmt;

/// A point in time, in the history's [`TimeUnit`]. In event-ordered inputs
/// (event form, Jepsen, JSON Lines events) it is the event's position.
pub type Time = u64;

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into the history's table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_id!(
    /// Dense operation id: `history.ops()[id.index()]` is the operation.
    OpId
);
dense_id!(
    /// Dense process (session) id; the name is in [`History::process_name`].
    ProcessId
);
dense_id!(
    /// Dense interned key id; a history without keys uses one implicit key.
    KeyId
);
dense_id!(
    /// Dense interned value id; the value is in [`History::value`].
    ValueId
);

/// A value written or read. Strings, integers and lists (for sets, queues
/// and transactions); `nil` is not a value but [`Observed::Absent`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    Int(i64),
    Str(Box<str>),
    List(Vec<Value>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// What a read (or dequeue, or a read inside a transaction) returned.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Observed {
    /// A value.
    Value(ValueId),
    /// The key had no value (`nil` in the concord language, an empty queue).
    Absent,
    /// The read completed but its value was not recorded (a timed-out read,
    /// a Knossos `nil` read). Constrains nothing.
    Unknown,
}

/// One micro-operation of a transaction on the multi-register model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MicroOp {
    pub kind: MicroKind,
    pub key: KeyId,
    /// For a write, `Observed::Value(v)`; for a read, what it returned.
    pub value: Observed,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum MicroKind {
    Read,
    Write,
}

/// What was called, with its arguments. The result is in [`Outcome::Ok`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// Read a register / get a key. Result: `Ret::Value`.
    Read,
    /// Write (put) a value. Result: `Ret::Ack`.
    Write(ValueId),
    /// Compare-and-set. Result: `Ret::Bool` (or `Ret::Ack`, meaning true).
    Cas { expected: ValueId, new: ValueId },
    /// Append to a string or list value. Result: `Ret::Ack`.
    Append(ValueId),
    /// Add an element to a set, or a delta to a counter. Result: `Ret::Ack`.
    Add(ValueId),
    /// Enqueue a value. Result: `Ret::Ack`.
    Enqueue(ValueId),
    /// Dequeue. Result: `Ret::Value` (`Observed::Absent` for empty).
    Dequeue,
    /// Acquire a lock. Result: `Ret::Ack` or `Ret::Bool`.
    Acquire,
    /// Release a lock. Result: `Ret::Ack` or `Ret::Bool`.
    Release,
    /// A transaction over several registers (the `multi-register` model).
    /// Read results are inside the micro-operations. Result: `Ret::Ack`.
    Txn(Vec<MicroOp>),
}

/// The kind of a [`Call`], without its arguments: the vocabulary of the
/// concord language (`read`, `write`, `cas`, ...).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    Read,
    Write,
    Cas,
    Append,
    Add,
    Enqueue,
    Dequeue,
    Acquire,
    Release,
    Txn,
}

impl OpKind {
    pub const ALL: [OpKind; 10] = [
        OpKind::Read,
        OpKind::Write,
        OpKind::Cas,
        OpKind::Append,
        OpKind::Add,
        OpKind::Enqueue,
        OpKind::Dequeue,
        OpKind::Acquire,
        OpKind::Release,
        OpKind::Txn,
    ];

    /// The keyword used in the concord language and in reports.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Read => "read",
            OpKind::Write => "write",
            OpKind::Cas => "cas",
            OpKind::Append => "append",
            OpKind::Add => "add",
            OpKind::Enqueue => "enqueue",
            OpKind::Dequeue => "dequeue",
            OpKind::Acquire => "acquire",
            OpKind::Release => "release",
            OpKind::Txn => "txn",
        }
    }

    pub fn from_name(name: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Call {
    pub fn kind(&self) -> OpKind {
        match self {
            Call::Read => OpKind::Read,
            Call::Write(_) => OpKind::Write,
            Call::Cas { .. } => OpKind::Cas,
            Call::Append(_) => OpKind::Append,
            Call::Add(_) => OpKind::Add,
            Call::Enqueue(_) => OpKind::Enqueue,
            Call::Dequeue => OpKind::Dequeue,
            Call::Acquire => OpKind::Acquire,
            Call::Release => OpKind::Release,
            Call::Txn(_) => OpKind::Txn,
        }
    }

    /// The value this call installs as the key's new value when it takes
    /// effect unconditionally (`write`) or successfully (`cas`).
    pub fn written_value(&self) -> Option<ValueId> {
        match self {
            Call::Write(v) | Call::Cas { new: v, .. } => Some(*v),
            _ => None,
        }
    }
}

/// What an operation that completed returned.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ret {
    /// Acknowledged, no value (write, append, enqueue, a txn).
    Ack,
    /// A read or dequeue result.
    Value(Observed),
    /// A CAS, acquire or release answer.
    Bool(bool),
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Completed and took effect (for a CAS answering false: completed, with
    /// no effect, and the answer is an observation).
    Ok(Ret),
    /// Definitely did not take effect.
    Fail,
    /// Unknown outcome: may take effect at any point after the invoke, or
    /// never. Pending operations (no return) are `Info` too.
    Info,
}

impl Outcome {
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Ok(_) => "ok",
            Outcome::Fail => "fail",
            Outcome::Info => "info",
        }
    }
}

/// One operation of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub id: OpId,
    pub process: ProcessId,
    pub key: KeyId,
    pub call: Call,
    pub outcome: Outcome,
    /// Invoke time (closed interval start).
    pub invoke: Time,
    /// Return time (closed interval end); `None` for an operation that
    /// never returned.
    pub ret: Option<Time>,
    /// Where the operation came from in the input (1-based lines; 0 when the
    /// history was built in code).
    pub source: Source,
}

/// Input lines of an operation, for evidence in reports.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Source {
    /// Line of the invocation (or of the whole operation in interval form).
    pub line: u32,
    /// Line of the completion event, when it was a separate line.
    pub ret_line: Option<u32>,
}

impl Operation {
    pub fn kind(&self) -> OpKind {
        self.call.kind()
    }

    pub fn is_ok(&self) -> bool {
        matches!(self.outcome, Outcome::Ok(_))
    }

    pub fn is_fail(&self) -> bool {
        matches!(self.outcome, Outcome::Fail)
    }

    /// Unknown outcome: `info` or pending.
    pub fn is_unknown(&self) -> bool {
        matches!(self.outcome, Outcome::Info)
    }

    pub fn is_pending(&self) -> bool {
        self.ret.is_none()
    }

    /// For a completed read: what it observed. `None` for other operations
    /// and for reads that did not complete.
    pub fn observed(&self) -> Option<Observed> {
        match (&self.call, &self.outcome) {
            (Call::Read | Call::Dequeue, Outcome::Ok(Ret::Value(o))) => Some(*o),
            _ => None,
        }
    }

    /// True when `self` returned strictly before `other` was invoked.
    pub fn precedes(&self, other: &Operation) -> bool {
        matches!(self.ret, Some(r) if r < other.invoke)
    }

    /// True when the operation may have changed state: a write-like call
    /// that did not fail.
    pub fn may_write(&self) -> bool {
        !self.is_fail()
            && !matches!(self.call, Call::Read | Call::Dequeue)
            && !matches!(self.outcome, Outcome::Ok(Ret::Bool(false)))
    }
}

/// Units of [`Time`], declared in a header. Only used for reporting and for
/// converting `--clock-skew-ms`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum TimeUnit {
    /// Abstract ticks (the default; also event positions).
    #[default]
    Ticks,
    Nanos,
    Micros,
    Millis,
    Seconds,
}

impl TimeUnit {
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Ticks => "ticks",
            TimeUnit::Nanos => "ns",
            TimeUnit::Micros => "us",
            TimeUnit::Millis => "ms",
            TimeUnit::Seconds => "s",
        }
    }

    pub fn from_name(name: &str) -> Option<TimeUnit> {
        [
            TimeUnit::Ticks,
            TimeUnit::Nanos,
            TimeUnit::Micros,
            TimeUnit::Millis,
            TimeUnit::Seconds,
        ]
        .into_iter()
        .find(|u| u.name() == name)
    }

    /// How many of this unit make one millisecond, if the unit is physical.
    pub fn per_milli(self) -> Option<u64> {
        match self {
            TimeUnit::Ticks => None,
            TimeUnit::Nanos => Some(1_000_000),
            TimeUnit::Micros => Some(1_000),
            TimeUnit::Millis => Some(1),
            TimeUnit::Seconds => None,
        }
    }
}

/// A non-operation event kept for reports: Jepsen nemesis events (faults
/// injected and healed), simulator markers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// When it happened, if known.
    pub time: Option<Time>,
    /// Number of operations invoked before it in the input.
    pub ops_before: u32,
    /// Free text, e.g. `nemesis info start partition`.
    pub text: String,
    /// What it marks, for the checks (set from `text` by
    /// [`AnnotationKind::of_text`]).
    pub kind: AnnotationKind,
    pub line: u32,
}

/// What an annotation marks. The convergence check takes the last fault
/// that stopped, plus a settle time, as its quiescence point; the other
/// kinds name what reports and pictures may show.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum AnnotationKind {
    /// A fault starts: `nemesis info start`, `crash n1`, `pause n2`,
    /// `partition isolate [0]`, `kill`.
    FaultStart,
    /// A fault stops or heals: `nemesis info stop partition`,
    /// `nemesis heal: partitions removed, nodes restarted`.
    FaultStop,
    /// The system is quiescent from here on (the simulator's
    /// `quiescent: settle period over`).
    Quiescence,
    /// Anything else: a restart, a marker, a note.
    Other,
}

impl AnnotationKind {
    /// The kind of an annotation with text `text`, one rule for every
    /// input format and the simulator, in ASCII case-insensitive order:
    /// text containing `stop` or `heal` anywhere (`:stop`, `healed`) marks
    /// a fault that stopped; then `quiescent` or `quiescence` anywhere, a
    /// quiescence point; then one of the words `start`, `crash`, `kill`,
    /// `pause` or `partition`, a fault that started (`restart` is not
    /// `start`).
    pub fn of_text(text: &str) -> AnnotationKind {
        let t = text.to_ascii_lowercase();
        if t.contains("stop") || t.contains("heal") {
            return AnnotationKind::FaultStop;
        }
        if t.contains("quiescent") || t.contains("quiescence") {
            return AnnotationKind::Quiescence;
        }
        let starts = t
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| matches!(w, "start" | "crash" | "kill" | "pause" | "partition"));
        if starts {
            AnnotationKind::FaultStart
        } else {
            AnnotationKind::Other
        }
    }
}

/// Metadata from a header or set by flags: the data model, initial values
/// and other facts about how the history was recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The data model named by the history (`cas-register`, `kv`, ...).
    pub model: Option<Model>,
    /// Initial value of every key without its own entry in `initial_by_key`.
    /// `None` means "absent".
    pub initial: Option<ValueId>,
    /// Per-key initial values.
    pub initial_by_key: Vec<(KeyId, ValueId)>,
    /// The point after which the system was quiescent (faults healed,
    /// settle time passed), for the convergence check.
    pub quiescent_at: Option<Time>,
    pub time_unit: TimeUnit,
    /// Other `name value` pairs from a header or unknown input fields.
    pub extra: Vec<(String, String)>,
}

/// A validated operation history. See the module docs for its semantics.
#[derive(Clone, Debug)]
pub struct History {
    ops: Vec<Operation>,
    processes: Vec<Box<str>>,
    keys: Vec<Box<str>>,
    values: Vec<Value>,
    has_real_time: bool,
    /// Whether times are timestamps in `metadata.time_unit` (false: event
    /// positions, or no times at all).
    has_timestamps: bool,
    /// Whether a key was named anywhere; when false the one key is implicit.
    has_keys: bool,
    pub metadata: Metadata,
    pub annotations: Vec<Annotation>,
}

impl History {
    /// All operations, indexed by [`OpId`].
    pub fn ops(&self) -> &[Operation] {
        &self.ops
    }

    pub fn op(&self, id: OpId) -> &Operation {
        &self.ops[id.index()]
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn process_count(&self) -> usize {
        self.processes.len()
    }

    pub fn process_name(&self, p: ProcessId) -> &str {
        &self.processes[p.index()]
    }

    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The key's name; the implicit key of a keyless history is `""`.
    pub fn key_name(&self, k: KeyId) -> &str {
        &self.keys[k.index()]
    }

    pub fn value_count(&self) -> usize {
        self.values.len()
    }

    pub fn value(&self, v: ValueId) -> &Value {
        &self.values[v.index()]
    }

    /// Looks up an interned value without adding it.
    pub fn find_value(&self, v: &Value) -> Option<ValueId> {
        self.values
            .iter()
            .position(|x| x == v)
            .map(|i| ValueId(i as u32))
    }

    /// Looks up a key by name.
    pub fn find_key(&self, name: &str) -> Option<KeyId> {
        self.keys
            .iter()
            .position(|k| &**k == name)
            .map(|i| KeyId(i as u32))
    }

    /// True when there is a real-time order: interval form with times, or
    /// any event-ordered input (whose times may be event positions; see
    /// [`History::has_timestamps`]).
    pub fn has_real_time(&self) -> bool {
        self.has_real_time
    }

    /// True when times are timestamps in `metadata.time_unit`; false when
    /// they are event positions (event-ordered inputs without stamps: line
    /// order is real-time order, but a difference of times measures
    /// nothing) or when there are no times at all. Durations such as a
    /// clock skew or a settle time only mean something with timestamps.
    pub fn has_timestamps(&self) -> bool {
        self.has_timestamps
    }

    /// True when the input named keys (false: one implicit key).
    pub fn has_keys(&self) -> bool {
        self.has_keys
    }

    /// The initial value of `key` (`None` = absent).
    pub fn initial(&self, key: KeyId) -> Option<ValueId> {
        self.metadata
            .initial_by_key
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .or(self.metadata.initial)
    }

    /// Operations grouped by process, each group in session order (by
    /// invoke time, then input order).
    pub fn sessions(&self) -> Vec<Vec<OpId>> {
        let mut sessions = vec![Vec::new(); self.processes.len()];
        for op in &self.ops {
            sessions[op.process.index()].push(op.id);
        }
        for s in &mut sessions {
            s.sort_by_key(|id| (self.ops[id.index()].invoke, *id));
        }
        sessions
    }

    /// Operations grouped by key, in id order.
    pub fn ops_by_key(&self) -> Vec<Vec<OpId>> {
        let mut by_key = vec![Vec::new(); self.keys.len()];
        for op in &self.ops {
            by_key[op.key.index()].push(op.id);
        }
        by_key
    }

    /// A short human description, e.g. `p1 write x 1` or `p2 read x -> nil`.
    pub fn describe(&self, id: OpId) -> String {
        let op = self.op(id);
        let mut s = format!("{} {}", self.process_name(op.process), op.kind());
        if self.has_keys && !matches!(op.call, Call::Txn(_)) {
            s.push(' ');
            s.push_str(self.key_name(op.key));
        }
        let push_value = |s: &mut String, v: ValueId| {
            s.push(' ');
            s.push_str(&self.value(v).to_string());
        };
        match &op.call {
            Call::Write(v) | Call::Append(v) | Call::Add(v) | Call::Enqueue(v) => {
                push_value(&mut s, *v)
            }
            Call::Cas { expected, new } => {
                push_value(&mut s, *expected);
                push_value(&mut s, *new);
            }
            Call::Txn(micro) => {
                s.push_str(" [");
                for (i, m) in micro.iter().enumerate() {
                    if i > 0 {
                        s.push(' ');
                    }
                    let kind = match m.kind {
                        MicroKind::Read => "r",
                        MicroKind::Write => "w",
                    };
                    s.push_str(&format!(
                        "{kind} {} {}",
                        self.key_name(m.key),
                        self.describe_observed(m.value)
                    ));
                }
                s.push(']');
            }
            Call::Read | Call::Dequeue | Call::Acquire | Call::Release => {}
        }
        match &op.outcome {
            Outcome::Ok(Ret::Value(o)) => {
                s.push_str(" -> ");
                s.push_str(&self.describe_observed(*o));
            }
            Outcome::Ok(Ret::Bool(b)) => s.push_str(&format!(" -> {b}")),
            Outcome::Ok(Ret::Ack) => {}
            Outcome::Fail => s.push_str(" (fail)"),
            Outcome::Info if op.ret.is_none() => s.push_str(" (pending)"),
            Outcome::Info => s.push_str(" (info)"),
        }
        s
    }

    /// `nil`, `?` or the value, as the concord language writes them.
    pub fn describe_observed(&self, o: Observed) -> String {
        match o {
            Observed::Value(v) => self.value(v).to_string(),
            Observed::Absent => "nil".to_string(),
            Observed::Unknown => "?".to_string(),
        }
    }

    /// Greatest number of operations whose intervals overlap at one instant
    /// (pending operations extend to the end). 0 without real time.
    pub fn max_concurrency(&self) -> usize {
        if !self.has_real_time {
            return 0;
        }
        // A sweep over the starts and the ends, each sorted (inputs list
        // operations nearly in time order, so the sorts are mostly checks).
        // Closed intervals: at equal times, starts come before ends so that
        // touching intervals count as overlapping.
        let mut starts: Vec<Time> = self.ops.iter().map(|op| op.invoke).collect();
        let mut ends: Vec<Time> = self
            .ops
            .iter()
            .map(|op| op.ret.unwrap_or(Time::MAX))
            .collect();
        if !starts.is_sorted() {
            starts.sort_unstable();
        }
        if !ends.is_sorted() {
            ends.sort_unstable();
        }
        let (mut open, mut best, mut next_end) = (0usize, 0usize, 0usize);
        for start in starts {
            // Every operation ends at or after its start, so fewer ends
            // than starts come before `start`: `next_end` stays in bounds.
            while ends[next_end] < start {
                open -= 1;
                next_end += 1;
            }
            open += 1;
            best = best.max(open);
        }
        best
    }

    /// Sets the initial value of every key (`None` = absent), interning the
    /// value; per-key initial values from a header are cleared.
    pub fn set_initial(&mut self, value: Option<Value>) {
        self.metadata.initial = value.map(|v| self.intern_value(v));
        self.metadata.initial_by_key.clear();
    }

    /// Interns a value after construction (for initial values given by
    /// flags).
    pub fn intern_value(&mut self, v: Value) -> ValueId {
        match self.find_value(&v) {
            Some(id) => id,
            None => {
                self.values.push(v);
                ValueId(self.values.len() as u32 - 1)
            }
        }
    }

    /// Returns a copy where every interval is widened by up to `skew` on
    /// both sides (for clocks that disagree by up to `skew`), **never across
    /// its own process's neighbours**: a process's own operations stay
    /// ordered, because session order does not come from clocks. Where two
    /// consecutive operations of a process are closer than `2·skew`, each
    /// side gets at most half the gap. So the widened real-time order still
    /// contains session order, linearizability stays local, and a history
    /// linearizable under skew is sequentially consistent (the lattice).
    pub fn widened(&self, skew: Time) -> History {
        let mut h = self.clone();
        for session in self.sessions() {
            // The new return of the last completed operation so far.
            let mut last_ret: Option<(Time, Time)> = None;
            for (i, &id) in session.iter().enumerate() {
                let op = &self.ops[id.index()];
                let invoke = match last_ret {
                    Some((ret, new_ret)) if op.invoke > ret => {
                        op.invoke.saturating_sub(skew).max(new_ret + 1)
                    }
                    Some(_) => op.invoke,
                    None => op.invoke.saturating_sub(skew),
                };
                h.ops[id.index()].invoke = invoke;
                if let Some(ret) = op.ret {
                    let room = match session.get(i + 1) {
                        Some(next) => {
                            let gap = self.ops[next.index()].invoke.saturating_sub(ret);
                            gap.saturating_sub(1) / 2
                        }
                        None => skew,
                    };
                    let new_ret = ret.saturating_add(skew.min(room));
                    h.ops[id.index()].ret = Some(new_ret);
                    last_ret = Some((ret, new_ret));
                }
            }
        }
        h
    }

    /// Re-interns nothing: builds a history from validated parts. Only the
    /// builder calls this.
    // The builder owns exactly these parts; a struct just to pass them once
    // would add a type without adding meaning.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        ops: Vec<Operation>,
        processes: Vec<Box<str>>,
        keys: Vec<Box<str>>,
        values: Vec<Value>,
        has_real_time: bool,
        has_timestamps: bool,
        has_keys: bool,
        metadata: Metadata,
        annotations: Vec<Annotation>,
    ) -> History {
        History {
            ops,
            processes,
            keys,
            values,
            has_real_time,
            has_timestamps,
            has_keys,
            metadata,
            annotations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_kinds_follow_the_text() {
        for (text, kind) in [
            ("nemesis info stop partition", AnnotationKind::FaultStop),
            (
                "nemesis heal: partitions removed",
                AnnotationKind::FaultStop,
            ),
            ("nemesis heal-partition", AnnotationKind::FaultStop),
            ("Nemesis :STOP", AnnotationKind::FaultStop),
            ("network healed", AnnotationKind::FaultStop),
            ("nemesis info start partition", AnnotationKind::FaultStart),
            ("nemesis :info :start", AnnotationKind::FaultStart),
            ("crash n1", AnnotationKind::FaultStart),
            ("pause n2 for 500us", AnnotationKind::FaultStart),
            ("partition isolate [0]", AnnotationKind::FaultStart),
            ("nemesis restart n2", AnnotationKind::Other),
            ("checkpoint", AnnotationKind::Other),
            ("quiescent: settle period over", AnnotationKind::Quiescence),
        ] {
            assert_eq!(AnnotationKind::of_text(text), kind, "{text}");
        }
    }
}
