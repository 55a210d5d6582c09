//! Sequential specifications of the data models the strong checks know
//! (register, cas-register, kv, set, queue, counter, mutex,
//! multi-register), as one small trait with defaulted hooks, in the style
//! of Porcupine's `Model` (Athalye, anishathalye/porcupine).
//!
//! A model sees each operation once, at preparation time
//! ([`DataModel::compile`]), and turns it into a compact model operation
//! that already carries what the operation observed. The search then only
//! calls [`DataModel::step`]: given a state and an operation, the new state,
//! or `None` when the operation cannot take effect in that state with the
//! result it returned.
//!
//! Semantics shared by every model:
//! * `fail` operations never reach a model (they did not happen).
//! * An `info` (unknown-outcome) operation is compiled as "it took effect":
//!   the search separately allows it never to take effect. Its result is
//!   unknown, so it observes nothing (an `info` read constrains nothing and
//!   is dropped: `compile` returns `Ok(None)`).
//! * A read whose result is [`Observed::Unknown`] is dropped as well.
//! * A CAS that answered `false` (or a lock call that answered `false`) is
//!   an observation: it checks that the precondition did not hold and leaves
//!   the state alone. `Ret::Ack` on a CAS means `true`.

use crate::history::{
    Call, History, KeyId, MicroKind, Observed, Operation, Outcome, Ret, Value, ValueId,
};
use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A sequential specification. States must be cheap to clone, hash and
/// compare: the search memoizes (linearized set, state) pairs.
pub trait DataModel: Sync {
    type State: Clone + Eq + Hash + Send + Sync + Debug;
    type Op: Clone + Send + Sync + Debug;

    /// The model's name, as users type it.
    fn name(&self) -> &'static str;

    /// The initial state of the partition whose number is `partition`
    /// (a key id for per-key models).
    fn init(&self, history: &History, partition: u32) -> Self::State;

    /// Turns a non-failed operation into a model operation. `Ok(None)`: the
    /// operation constrains nothing and changes nothing (an unknown read),
    /// so the search drops it. `Err`: the model does not define it.
    fn compile(&self, history: &History, op: &Operation) -> Result<Option<Self::Op>, String>;

    /// Applies `op` to `state`; `None` when it cannot happen there.
    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;

    /// True when `op` never changes any state (a read, a CAS answering
    /// false): the search may then place it as soon as it succeeds.
    fn read_only(&self, _op: &Self::Op) -> bool {
        false
    }

    /// The partition an operation belongs to. Per key by default, which is
    /// right for every model whose operations touch one key (linearizability
    /// is local: Herlihy & Wing 1990, Theorem 1).
    fn partition(&self, op: &Operation) -> u32 {
        op.key.0
    }

    /// A short description of a state for explanations, e.g. `holds 2`.
    fn describe_state(&self, history: &History, state: &Self::State) -> String;
}

/// The error for an operation a model does not define.
fn undefined(history: &History, op: &Operation, model: &str) -> String {
    format!(
        "`{}` (line {}) is not an operation of the {model} model",
        history.describe(op.id),
        op.source.line
    )
}

fn describe_value(history: &History, v: Option<ValueId>) -> String {
    match v {
        Some(v) => history.value(v).to_string(),
        None => "nil".to_string(),
    }
}

/// The result a completed operation returned, if it is a value read.
fn read_result(op: &Operation) -> Option<Observed> {
    match &op.outcome {
        Outcome::Ok(Ret::Value(o)) => Some(*o),
        _ => None,
    }
}

/// A CAS or lock call's answer: `Some(true)` for an acknowledged or `true`
/// answer, `Some(false)` for `false`, `None` for an unknown outcome.
fn bool_result(op: &Operation) -> Option<bool> {
    match &op.outcome {
        Outcome::Ok(Ret::Bool(b)) => Some(*b),
        Outcome::Ok(_) => Some(true),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Register and CAS register.

/// A read/write register, optionally with compare-and-set. State: the
/// current value (`None` = absent).
#[derive(Copy, Clone, Debug)]
pub struct Register {
    /// Whether `cas` is defined (the cas-register model).
    pub cas: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp {
    /// A read that returned this value (`None` = absent).
    Read(Option<ValueId>),
    Write(ValueId),
    /// A CAS that succeeded (or, for an unknown outcome, would succeed).
    Cas {
        expected: ValueId,
        new: ValueId,
    },
    /// A CAS that answered false: the value was not `expected`.
    CasFailed {
        expected: ValueId,
    },
}

impl DataModel for Register {
    type State = Option<ValueId>;
    type Op = RegisterOp;

    fn name(&self) -> &'static str {
        if self.cas { "cas-register" } else { "register" }
    }

    fn init(&self, history: &History, partition: u32) -> Self::State {
        history.initial(KeyId(partition))
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<RegisterOp>, String> {
        Ok(Some(match &op.call {
            Call::Read => match read_result(op) {
                Some(Observed::Value(v)) => RegisterOp::Read(Some(v)),
                Some(Observed::Absent) => RegisterOp::Read(None),
                Some(Observed::Unknown) | None => return Ok(None),
            },
            Call::Write(v) => RegisterOp::Write(*v),
            Call::Cas { expected, new } if self.cas => match bool_result(op) {
                Some(false) => RegisterOp::CasFailed {
                    expected: *expected,
                },
                _ => RegisterOp::Cas {
                    expected: *expected,
                    new: *new,
                },
            },
            _ => return Err(undefined(history, op, self.name())),
        }))
    }

    #[inline]
    fn step(&self, state: &Self::State, op: &RegisterOp) -> Option<Self::State> {
        match *op {
            RegisterOp::Read(v) => (*state == v).then_some(v),
            RegisterOp::Write(v) => Some(Some(v)),
            RegisterOp::Cas { expected, new } => (*state == Some(expected)).then_some(Some(new)),
            RegisterOp::CasFailed { expected } => (*state != Some(expected)).then_some(*state),
        }
    }

    fn read_only(&self, op: &RegisterOp) -> bool {
        matches!(op, RegisterOp::Read(_) | RegisterOp::CasFailed { .. })
    }

    fn describe_state(&self, history: &History, state: &Self::State) -> String {
        match state {
            Some(v) => format!("the register holds {}", history.value(*v)),
            None => "the register is empty (nil)".to_string(),
        }
    }
}

// ---------------------------------------------------------------------------
// Key-value map of string registers.

/// A string value with its hash precomputed, so that memo lookups do not
/// rehash long appended strings.
#[derive(Clone, Debug)]
pub struct Text {
    hash: u64,
    text: Arc<str>,
}

impl Text {
    fn new(text: Arc<str>) -> Text {
        Text {
            hash: text_hash(0, &text),
            text,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A rolling (polynomial) hash, so that the hash of `a ++ b` is computed
/// from the hash of `a` and the bytes of `b`.
fn text_hash(mut h: u64, s: &str) -> u64 {
    for b in s.bytes() {
        h = h
            .wrapping_mul(0x100_0000_01b3)
            .wrapping_add(u64::from(b) + 1);
    }
    h
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.hash == other.hash && (Arc::ptr_eq(&self.text, &other.text) || self.text == other.text)
    }
}
impl Eq for Text {}
impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// A map of string registers (get, put, append), checked per key. State:
/// the key's string (`None` = absent). Integers are read as their decimal
/// text.
#[derive(Copy, Clone, Debug)]
pub struct Kv;

#[derive(Clone, Debug)]
pub enum KvOp {
    Get(Option<Text>),
    Put(Text),
    Append(Text),
}

fn value_text(history: &History, v: ValueId) -> Option<Arc<str>> {
    match history.value(v) {
        Value::Str(s) => Some(Arc::from(&**s)),
        Value::Int(i) => Some(Arc::from(i.to_string())),
        Value::List(_) => None,
    }
}

impl DataModel for Kv {
    type State = Option<Text>;
    type Op = KvOp;

    fn name(&self) -> &'static str {
        "kv"
    }

    fn init(&self, history: &History, partition: u32) -> Self::State {
        history
            .initial(KeyId(partition))
            .and_then(|v| value_text(history, v))
            .map(Text::new)
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<KvOp>, String> {
        let text = |v: ValueId| {
            value_text(history, v).map(Text::new).ok_or_else(|| {
                format!(
                    "`{}` (line {}): the kv model has no list values",
                    history.describe(op.id),
                    op.source.line
                )
            })
        };
        Ok(Some(match &op.call {
            Call::Read => match read_result(op) {
                Some(Observed::Value(v)) => KvOp::Get(Some(text(v)?)),
                Some(Observed::Absent) => KvOp::Get(None),
                Some(Observed::Unknown) | None => return Ok(None),
            },
            Call::Write(v) => KvOp::Put(text(*v)?),
            Call::Append(v) => KvOp::Append(text(*v)?),
            _ => return Err(undefined(history, op, self.name())),
        }))
    }

    fn step(&self, state: &Self::State, op: &KvOp) -> Option<Self::State> {
        match op {
            KvOp::Get(v) => (state == v).then(|| state.clone()),
            KvOp::Put(v) => Some(Some(v.clone())),
            KvOp::Append(v) => Some(Some(match state {
                None => v.clone(),
                Some(s) => {
                    let mut text = String::with_capacity(s.text.len() + v.text.len());
                    text.push_str(&s.text);
                    text.push_str(&v.text);
                    Text {
                        hash: text_hash(s.hash, &v.text),
                        text: Arc::from(text),
                    }
                }
            })),
        }
    }

    fn read_only(&self, op: &KvOp) -> bool {
        matches!(op, KvOp::Get(_))
    }

    fn describe_state(&self, _history: &History, state: &Self::State) -> String {
        match state {
            Some(t) => format!("the key holds {:?}", t.as_str()),
            None => "the key is absent (nil)".to_string(),
        }
    }
}

// ---------------------------------------------------------------------------
// Set.

/// A grow-only set: `add` an element, `read` the whole set (a list read as
/// a set). State: the sorted elements.
#[derive(Copy, Clone, Debug)]
pub struct Set;

#[derive(Clone, Debug)]
pub enum SetOp {
    Add(Value),
    /// The sorted, deduplicated elements read.
    Read(Arc<[Value]>),
}

fn as_set(history: &History, o: Observed) -> Vec<Value> {
    let mut items = match o {
        Observed::Value(v) => match history.value(v) {
            Value::List(items) => items.clone(),
            other => vec![other.clone()],
        },
        _ => Vec::new(),
    };
    items.sort();
    items.dedup();
    items
}

impl DataModel for Set {
    type State = Arc<[Value]>;
    type Op = SetOp;

    fn name(&self) -> &'static str {
        "set"
    }

    fn init(&self, history: &History, partition: u32) -> Self::State {
        match history.initial(KeyId(partition)) {
            Some(v) => as_set(history, Observed::Value(v)).into(),
            None => Arc::from(Vec::new()),
        }
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<SetOp>, String> {
        Ok(Some(match &op.call {
            Call::Add(v) => SetOp::Add(history.value(*v).clone()),
            Call::Read => match read_result(op) {
                Some(o @ (Observed::Value(_) | Observed::Absent)) => {
                    SetOp::Read(as_set(history, o).into())
                }
                _ => return Ok(None),
            },
            _ => return Err(undefined(history, op, self.name())),
        }))
    }

    fn step(&self, state: &Self::State, op: &SetOp) -> Option<Self::State> {
        match op {
            SetOp::Add(v) => match state.binary_search(v) {
                Ok(_) => Some(state.clone()),
                Err(i) => {
                    let mut next = state.to_vec();
                    next.insert(i, v.clone());
                    Some(next.into())
                }
            },
            SetOp::Read(items) => (**state == **items).then(|| state.clone()),
        }
    }

    fn read_only(&self, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(_))
    }

    fn describe_state(&self, _history: &History, state: &Self::State) -> String {
        format!("the set holds {}", Value::List(state.to_vec()))
    }
}

// ---------------------------------------------------------------------------
// Queue.

/// A FIFO queue: `enqueue` a value, `dequeue` the oldest (`nil` = empty).
/// State: the queued values, oldest first.
#[derive(Copy, Clone, Debug)]
pub struct Queue;

#[derive(Copy, Clone, Debug)]
pub enum QueueOp {
    Enqueue(ValueId),
    /// A dequeue that returned this value (`None` = the queue was empty).
    Dequeue(Option<ValueId>),
    /// A dequeue with an unknown result: removes the oldest value, if any.
    DequeueAny,
}

impl DataModel for Queue {
    type State = Arc<[ValueId]>;
    type Op = QueueOp;

    fn name(&self) -> &'static str {
        "queue"
    }

    fn init(&self, _history: &History, _partition: u32) -> Self::State {
        Arc::from(Vec::new())
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<QueueOp>, String> {
        Ok(Some(match &op.call {
            Call::Enqueue(v) => QueueOp::Enqueue(*v),
            Call::Dequeue => match read_result(op) {
                Some(Observed::Value(v)) => QueueOp::Dequeue(Some(v)),
                Some(Observed::Absent) => QueueOp::Dequeue(None),
                // A dequeue has an effect even when its result is unknown.
                Some(Observed::Unknown) | None => QueueOp::DequeueAny,
            },
            _ => return Err(undefined(history, op, self.name())),
        }))
    }

    fn step(&self, state: &Self::State, op: &QueueOp) -> Option<Self::State> {
        match *op {
            QueueOp::Enqueue(v) => {
                let mut next = state.to_vec();
                next.push(v);
                Some(next.into())
            }
            QueueOp::Dequeue(None) => state.is_empty().then(|| state.clone()),
            QueueOp::Dequeue(Some(v)) => (state.first() == Some(&v)).then(|| state[1..].into()),
            QueueOp::DequeueAny => Some(if state.is_empty() {
                state.clone()
            } else {
                state[1..].into()
            }),
        }
    }

    fn read_only(&self, op: &QueueOp) -> bool {
        matches!(op, QueueOp::Dequeue(None))
    }

    fn describe_state(&self, history: &History, state: &Self::State) -> String {
        let items: Vec<String> = state
            .iter()
            .map(|v| history.value(*v).to_string())
            .collect();
        format!("the queue holds [{}]", items.join(" "))
    }
}

// ---------------------------------------------------------------------------
// Counter.

/// A counter: `add` an integer delta, `read` the total. State: the total,
/// starting at the key's initial integer (0 when absent); a `nil` read is
/// read as 0.
#[derive(Copy, Clone, Debug)]
pub struct Counter;

#[derive(Copy, Clone, Debug)]
pub enum CounterOp {
    Add(i64),
    Read(i64),
}

impl DataModel for Counter {
    type State = i64;
    type Op = CounterOp;

    fn name(&self) -> &'static str {
        "counter"
    }

    fn init(&self, history: &History, partition: u32) -> i64 {
        match history.initial(KeyId(partition)).map(|v| history.value(v)) {
            Some(Value::Int(i)) => *i,
            _ => 0,
        }
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<CounterOp>, String> {
        let int = |v: ValueId| match history.value(v) {
            Value::Int(i) => Ok(*i),
            other => Err(format!(
                "`{}` (line {}): the counter model needs integers, not {other}",
                history.describe(op.id),
                op.source.line
            )),
        };
        Ok(Some(match &op.call {
            Call::Add(v) => CounterOp::Add(int(*v)?),
            Call::Read => match read_result(op) {
                Some(Observed::Value(v)) => CounterOp::Read(int(v)?),
                Some(Observed::Absent) => CounterOp::Read(0),
                _ => return Ok(None),
            },
            _ => return Err(undefined(history, op, self.name())),
        }))
    }

    fn step(&self, state: &i64, op: &CounterOp) -> Option<i64> {
        match *op {
            CounterOp::Add(d) => Some(state.wrapping_add(d)),
            CounterOp::Read(v) => (*state == v).then_some(v),
        }
    }

    fn read_only(&self, op: &CounterOp) -> bool {
        matches!(op, CounterOp::Read(_))
    }

    fn describe_state(&self, _history: &History, state: &i64) -> String {
        format!("the counter is {state}")
    }
}

// ---------------------------------------------------------------------------
// Mutex.

/// A mutex without owners: `acquire` takes a free lock, `release` frees a
/// held one. An answer `false` observes that the call could not succeed
/// (the lock was held, or not held). State: whether the lock is held.
#[derive(Copy, Clone, Debug)]
pub struct Mutex;

#[derive(Copy, Clone, Debug)]
pub enum MutexOp {
    Acquire,
    Release,
    AcquireFailed,
    ReleaseFailed,
}

impl DataModel for Mutex {
    type State = bool;
    type Op = MutexOp;

    fn name(&self) -> &'static str {
        "mutex"
    }

    fn init(&self, _history: &History, _partition: u32) -> bool {
        false
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<MutexOp>, String> {
        let ok = bool_result(op) != Some(false);
        Ok(Some(match (&op.call, ok) {
            (Call::Acquire, true) => MutexOp::Acquire,
            (Call::Acquire, false) => MutexOp::AcquireFailed,
            (Call::Release, true) => MutexOp::Release,
            (Call::Release, false) => MutexOp::ReleaseFailed,
            _ => return Err(undefined(history, op, self.name())),
        }))
    }

    fn step(&self, held: &bool, op: &MutexOp) -> Option<bool> {
        match op {
            MutexOp::Acquire => (!held).then_some(true),
            MutexOp::Release => held.then_some(false),
            MutexOp::AcquireFailed => held.then_some(true),
            MutexOp::ReleaseFailed => (!held).then_some(false),
        }
    }

    fn read_only(&self, op: &MutexOp) -> bool {
        matches!(op, MutexOp::AcquireFailed | MutexOp::ReleaseFailed)
    }

    fn describe_state(&self, _history: &History, held: &bool) -> String {
        if *held {
            "the lock is held"
        } else {
            "the lock is free"
        }
        .to_string()
    }
}

// ---------------------------------------------------------------------------
// Multi-register.

/// Registers read and written together by transactions; the whole history
/// is one partition (a transaction spans keys). Single-key reads and writes
/// are allowed too. State: every key's value, indexed by key id.
#[derive(Copy, Clone, Debug)]
pub struct MultiRegister;

#[derive(Clone, Debug)]
pub enum MultiOp {
    /// (key, read value or `None` = absent) checks and (key, written value)
    /// updates, in transaction order.
    Txn(Arc<[(KeyId, bool, Option<ValueId>)]>),
}

impl DataModel for MultiRegister {
    type State = Arc<[Option<ValueId>]>;
    type Op = MultiOp;

    fn name(&self) -> &'static str {
        "multi-register"
    }

    fn init(&self, history: &History, _partition: u32) -> Self::State {
        (0..history.key_count() as u32)
            .map(|k| history.initial(KeyId(k)))
            .collect()
    }

    fn partition(&self, _op: &Operation) -> u32 {
        0
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<MultiOp>, String> {
        // Each micro-operation is (key, is_write, value).
        let micro: Vec<(KeyId, bool, Option<ValueId>)> = match &op.call {
            Call::Txn(micro) => micro
                .iter()
                .filter_map(|m| match (m.kind, m.value) {
                    (MicroKind::Write, Observed::Value(v)) => Some((m.key, true, Some(v))),
                    (MicroKind::Write, _) => None,
                    // An unknown-outcome transaction observed nothing.
                    (MicroKind::Read, _) if !op.is_ok() => None,
                    (MicroKind::Read, Observed::Value(v)) => Some((m.key, false, Some(v))),
                    (MicroKind::Read, Observed::Absent) => Some((m.key, false, None)),
                    (MicroKind::Read, Observed::Unknown) => None,
                })
                .collect(),
            Call::Write(v) => vec![(op.key, true, Some(*v))],
            Call::Read => match read_result(op) {
                Some(Observed::Value(v)) => vec![(op.key, false, Some(v))],
                Some(Observed::Absent) => vec![(op.key, false, None)],
                _ => Vec::new(),
            },
            _ => return Err(undefined(history, op, self.name())),
        };
        if micro.is_empty() {
            return Ok(None);
        }
        Ok(Some(MultiOp::Txn(micro.into())))
    }

    fn step(&self, state: &Self::State, op: &MultiOp) -> Option<Self::State> {
        let MultiOp::Txn(micro) = op;
        let mut next: Option<Vec<Option<ValueId>>> = None;
        for &(key, write, value) in micro.iter() {
            let current = next.as_deref().unwrap_or(state);
            if write {
                next.get_or_insert_with(|| state.to_vec())[key.index()] = value;
            } else if current[key.index()] != value {
                return None;
            }
        }
        Some(next.map_or_else(|| state.clone(), Into::into))
    }

    fn read_only(&self, op: &MultiOp) -> bool {
        let MultiOp::Txn(micro) = op;
        micro.iter().all(|m| !m.1)
    }

    fn describe_state(&self, history: &History, state: &Self::State) -> String {
        let parts: Vec<String> = state
            .iter()
            .enumerate()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    history.key_name(KeyId(k as u32)),
                    describe_value(history, *v)
                )
            })
            .collect();
        format!("the registers hold {}", parts.join(" "))
    }
}
