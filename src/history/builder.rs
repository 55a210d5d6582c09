//! The only way to make a [`History`]: a builder that interns names and
//! values and rejects what no real system could have recorded.
//!
//! Two ways to add operations, which may not be mixed in one history:
//! * [`HistoryBuilder::push`] adds a whole operation (interval form);
//! * [`HistoryBuilder::invoke`] and [`HistoryBuilder::complete`] add the
//!   two events of an operation separately (event-ordered logs), paired
//!   per process by the builder's [`Pairing`]. An invoke that is never
//!   completed becomes a pending operation.
//!
//! Errors carry the input line that caused them, so parsers can point at it.

use super::pairing::{Pairing, PairingError, Pending};
use super::{
    Annotation, Call, History, KeyId, Metadata, OpId, Operation, Outcome, ProcessId, Ret, Source,
    Time, Value, ValueId,
};
use rustc_hash::FxHashMap;
use thiserror::Error;

/// A history that could not have been recorded, with the line that shows it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{kind}")]
pub struct BuildError {
    pub kind: BuildErrorKind,
    /// 1-based input line of the offending operation or event (0 if none).
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BuildErrorKind {
    /// An event that does not pair with its process's outstanding
    /// invocation (event form).
    #[error("{}", .error.message(.process))]
    Pairing {
        process: String,
        error: PairingError,
    },
    #[error("return time {ret} is before invoke time {invoke}")]
    ReturnBeforeInvoke { invoke: Time, ret: Time },
    #[error("an operation that never returned must have outcome info, not {outcome}")]
    PendingWithOutcome { outcome: &'static str },
    #[error("{kind} cannot return {what}")]
    ResultMismatch {
        kind: &'static str,
        what: &'static str,
    },
    #[error("a completed {kind} must say what it returned")]
    MissingResult { kind: &'static str },
    #[error(
        "process {process} overlaps its own operation from line {other_line}: a process has at most one outstanding call"
    )]
    OverlappingInProcess { process: String, other_line: u32 },
    #[error(
        "process {process} has an operation after its pending operation from line {pending_line}"
    )]
    AfterPending { process: String, pending_line: u32 },
    #[error("too many operations: a history holds at most {max} (operation ids are 32-bit)")]
    TooManyOperations { max: usize },
    #[error("interval operations and separate invoke/complete events cannot be mixed")]
    MixedForms,
    #[error(
        "the times of process {process} go backwards: expected an invoke time of at least {previous} (its operation on line {previous_line} {previous_what} at {previous}), found {time}"
    )]
    TimeGoesBackwards {
        process: String,
        time: Time,
        previous: Time,
        previous_line: u32,
        /// `was invoked` (interval form) or `returned` (event form).
        previous_what: &'static str,
    },
}

/// A whole operation, for interval-form inputs.
#[derive(Clone, Debug)]
pub struct OpSpec {
    pub process: ProcessId,
    pub key: KeyId,
    pub call: Call,
    pub outcome: Outcome,
    pub invoke: Time,
    /// `None` for a call that never returned.
    pub ret: Option<Time>,
    pub line: u32,
}

/// The invoke event of an operation.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub process: ProcessId,
    pub key: KeyId,
    pub call: Call,
    pub time: Time,
    pub line: u32,
}

/// The completion event of an operation.
#[derive(Clone, Debug)]
pub struct Completion {
    pub process: ProcessId,
    pub outcome: Outcome,
    pub time: Time,
    pub line: u32,
    /// Replaces the invoked call when the completion carries values the
    /// invoke did not (a transaction's reads). Must be of the same kind.
    pub call: Option<Call>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Form {
    Unknown,
    Intervals,
    Events,
}

/// Builds a [`History`]; see the module docs.
#[derive(Debug)]
pub struct HistoryBuilder {
    ops: Vec<Operation>,
    processes: Vec<Box<str>>,
    process_ids: FxHashMap<Box<str>, ProcessId>,
    keys: Vec<Box<str>>,
    key_ids: FxHashMap<Box<str>, KeyId>,
    values: Vec<Value>,
    value_ids: FxHashMap<Value, ValueId>,
    /// Integer values, apart: most values are integers, and a map keyed by
    /// the integer hashes and compares one word.
    int_ids: FxHashMap<i64, ValueId>,
    /// Per process: the outstanding invocation (event form).
    pairing: Pairing,
    /// Per process: the time its times may not go below, and its line (the
    /// previous operation's invoke in interval form, the previous
    /// completion in event form).
    last_time: Vec<Option<(Time, u32)>>,
    has_real_time: bool,
    /// False when times are event positions rather than timestamps.
    timestamps: bool,
    has_keys: bool,
    form: Form,
    pub metadata: Metadata,
    pub annotations: Vec<Annotation>,
}

impl Default for HistoryBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl HistoryBuilder {
    pub fn new() -> HistoryBuilder {
        HistoryBuilder {
            ops: Vec::new(),
            processes: Vec::new(),
            process_ids: FxHashMap::default(),
            keys: Vec::new(),
            key_ids: FxHashMap::default(),
            values: Vec::new(),
            value_ids: FxHashMap::default(),
            int_ids: FxHashMap::default(),
            pairing: Pairing::default(),
            last_time: Vec::new(),
            has_real_time: true,
            timestamps: true,
            has_keys: false,
            form: Form::Unknown,
            metadata: Metadata::default(),
            annotations: Vec::new(),
        }
    }

    /// Declares that times are positions, not timestamps: the history will
    /// have no real-time order.
    pub fn set_real_time(&mut self, has_real_time: bool) {
        self.has_real_time = has_real_time;
    }

    /// Declares that times are event positions (line order is real-time
    /// order), not timestamps in a time unit: the history keeps its
    /// real-time order but [`History::has_timestamps`] is false.
    pub fn set_event_positions(&mut self) {
        self.timestamps = false;
    }

    /// Replaces every time (invokes, returns, annotations) by `f(time)`,
    /// e.g. event positions by the records' timestamps. `f` must be
    /// non-decreasing, so every order validated so far still holds.
    pub fn map_times(&mut self, f: impl Fn(Time) -> Time) {
        for op in &mut self.ops {
            op.invoke = f(op.invoke);
            op.ret = op.ret.map(&f);
        }
        for a in &mut self.annotations {
            a.time = a.time.map(&f);
        }
        for (t, _) in self.last_time.iter_mut().flatten() {
            *t = f(*t);
        }
    }

    /// The id of the next operation, or an error past [`OPS_MAX`] (ids are
    /// 32-bit and never truncated).
    fn next_op_id(&self, line: u32) -> Result<OpId, BuildError> {
        match u32::try_from(self.ops.len()) {
            Ok(n) if (n as usize) < OPS_MAX => Ok(OpId(n)),
            _ => Err(BuildError {
                kind: BuildErrorKind::TooManyOperations { max: OPS_MAX },
                line,
            }),
        }
    }

    /// Interns a process (session) name.
    pub fn process(&mut self, name: &str) -> ProcessId {
        if let Some(&id) = self.process_ids.get(name) {
            return id;
        }
        let id = ProcessId(dense(self.processes.len(), "processes"));
        self.processes.push(name.into());
        self.process_ids.insert(name.into(), id);
        self.pairing.add_process();
        self.last_time.push(None);
        id
    }

    /// The name of an interned process (for error messages).
    pub fn process_name(&self, p: ProcessId) -> &str {
        &self.processes[p.index()]
    }

    /// The name of an interned key (for error messages).
    pub fn key_name(&self, k: KeyId) -> &str {
        &self.keys[k.index()]
    }

    /// Interns a named key and marks the history as keyed.
    pub fn key(&mut self, name: &str) -> KeyId {
        self.has_keys = true;
        self.intern_key(name)
    }

    /// The implicit key of a history whose operations name no key.
    pub fn implicit_key(&mut self) -> KeyId {
        self.intern_key("")
    }

    fn intern_key(&mut self, name: &str) -> KeyId {
        if let Some(&id) = self.key_ids.get(name) {
            return id;
        }
        let id = KeyId(dense(self.keys.len(), "keys"));
        self.keys.push(name.into());
        self.key_ids.insert(name.into(), id);
        id
    }

    /// Interns a value.
    pub fn value(&mut self, v: Value) -> ValueId {
        if let Value::Int(i) = v {
            return self.int(i);
        }
        if let Some(&id) = self.value_ids.get(&v) {
            return id;
        }
        let id = ValueId(dense(self.values.len(), "values"));
        self.values.push(v.clone());
        self.value_ids.insert(v, id);
        id
    }

    /// Interns an integer value.
    pub fn int(&mut self, i: i64) -> ValueId {
        let next = self.values.len();
        match self.int_ids.entry(i) {
            std::collections::hash_map::Entry::Occupied(e) => *e.get(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let id = ValueId(dense(next, "values"));
                self.values.push(Value::Int(i));
                *e.insert(id)
            }
        }
    }

    /// Interns a string value.
    pub fn str(&mut self, s: &str) -> ValueId {
        self.value(Value::Str(s.into()))
    }

    pub fn op_count(&self) -> usize {
        self.ops.len()
    }

    /// The operation with id `id`, as built so far.
    pub fn op(&self, id: OpId) -> &Operation {
        &self.ops[id.index()]
    }

    fn set_form(&mut self, form: Form, line: u32) -> Result<(), BuildError> {
        if self.form == Form::Unknown {
            self.form = form;
        }
        if self.form != form {
            return Err(BuildError {
                kind: BuildErrorKind::MixedForms,
                line,
            });
        }
        Ok(())
    }

    /// Adds a whole operation (interval form).
    pub fn push(&mut self, spec: OpSpec) -> Result<OpId, BuildError> {
        self.set_form(Form::Intervals, spec.line)?;
        let err = |kind| BuildError {
            kind,
            line: spec.line,
        };
        match spec.ret {
            Some(ret) if ret < spec.invoke => {
                return Err(err(BuildErrorKind::ReturnBeforeInvoke {
                    invoke: spec.invoke,
                    ret,
                }));
            }
            None if !matches!(spec.outcome, Outcome::Info) => {
                return Err(err(BuildErrorKind::PendingWithOutcome {
                    outcome: spec.outcome.name(),
                }));
            }
            _ => {}
        }
        check_result(&spec.call, &spec.outcome).map_err(err)?;
        self.check_forward(spec.process, spec.invoke, spec.line, "was invoked")?;
        self.last_time[spec.process.index()] = Some((spec.invoke, spec.line));
        let id = self.next_op_id(spec.line)?;
        self.ops.push(Operation {
            id,
            process: spec.process,
            key: spec.key,
            call: spec.call,
            outcome: spec.outcome,
            invoke: spec.invoke,
            ret: spec.ret,
            source: Source {
                line: spec.line,
                ret_line: None,
            },
        });
        Ok(id)
    }

    /// A pairing error, with the process's name for its message.
    fn pairing_error(&self, process: ProcessId, error: PairingError, line: u32) -> BuildError {
        BuildError {
            kind: BuildErrorKind::Pairing {
                process: self.processes[process.index()].to_string(),
                error,
            },
            line,
        }
    }

    /// Adds the invoke event of an operation (event form).
    pub fn invoke(&mut self, inv: Invocation) -> Result<OpId, BuildError> {
        self.set_form(Form::Events, inv.line)?;
        self.pairing
            .check_invoke(inv.process)
            .map_err(|e| self.pairing_error(inv.process, e, inv.line))?;
        self.check_forward(inv.process, inv.time, inv.line, "returned")?;
        let id = OpId(self.ops.len() as u32);
        let pending = Pending {
            op: id,
            line: inv.line,
            kind: inv.call.kind(),
            key: inv.key,
        };
        self.ops.push(Operation {
            id,
            process: inv.process,
            key: inv.key,
            call: inv.call,
            outcome: Outcome::Info,
            invoke: inv.time,
            ret: None,
            source: Source {
                line: inv.line,
                ret_line: None,
            },
        });
        self.pairing.open(inv.process, pending);
        Ok(id)
    }

    /// Adds the completion event of the process's outstanding operation.
    pub fn complete(&mut self, c: Completion) -> Result<OpId, BuildError> {
        self.set_form(Form::Events, c.line)?;
        let err = |kind| BuildError { kind, line: c.line };
        let pending = self
            .pairing
            .check_complete(c.process)
            .and_then(|pending| match &c.call {
                Some(call) => pending.check_kind(call.kind()).map(|()| pending),
                None => Ok(pending),
            })
            .map_err(|e| self.pairing_error(c.process, e, c.line))?;
        let id = pending.op;
        let op = &self.ops[id.index()];
        if c.time < op.invoke {
            return Err(err(BuildErrorKind::ReturnBeforeInvoke {
                invoke: op.invoke,
                ret: c.time,
            }));
        }
        let call = c.call.unwrap_or_else(|| op.call.clone());
        check_result(&call, &c.outcome).map_err(err)?;
        let op = &mut self.ops[id.index()];
        op.call = call;
        op.outcome = c.outcome;
        op.ret = Some(c.time);
        op.source.ret_line = Some(c.line);
        self.pairing.close(c.process);
        self.last_time[c.process.index()] = Some((c.time, c.line));
        Ok(id)
    }

    /// A process's times never go backwards in input order: an operation
    /// is not invoked before the process's previous one was (interval
    /// form) or returned (event form). Event positions never go backwards.
    fn check_forward(
        &self,
        process: ProcessId,
        time: Time,
        line: u32,
        previous_what: &'static str,
    ) -> Result<(), BuildError> {
        match self.last_time[process.index()] {
            Some((previous, previous_line)) if time < previous => Err(BuildError {
                kind: BuildErrorKind::TimeGoesBackwards {
                    process: self.processes[process.index()].to_string(),
                    time,
                    previous,
                    previous_line,
                    previous_what,
                },
                line,
            }),
            _ => Ok(()),
        }
    }

    /// The outstanding invocation of every process (event form), for
    /// parsers that check an event before adding it.
    pub fn pairing(&self) -> &Pairing {
        &self.pairing
    }

    /// Validates and returns the history. Invokes never completed become
    /// pending operations with unknown outcome.
    pub fn finish(self) -> Result<History, BuildError> {
        debug_assert!(
            self.pairing
                .never_completed()
                .all(|(_, o)| self.ops[o.op.index()].is_pending())
        );
        if self.form == Form::Intervals {
            check_sessions(&self.ops, &self.processes)?;
        }
        let mut keys = self.keys;
        if keys.is_empty() {
            keys.push("".into());
        }
        Ok(History::from_parts(
            self.ops,
            self.processes,
            keys,
            self.values,
            self.has_real_time,
            self.has_real_time && self.timestamps,
            self.has_keys,
            self.metadata,
            self.annotations,
        ))
    }
}

/// A completed operation's result must fit its call.
fn check_result(call: &Call, outcome: &Outcome) -> Result<(), BuildErrorKind> {
    let kind = call.kind().name();
    let Outcome::Ok(ret) = outcome else {
        return Ok(());
    };
    let what = match ret {
        Ret::Ack => "an acknowledgement without a value",
        Ret::Value(_) => "a value",
        Ret::Bool(_) => "true or false",
    };
    let fits = match call {
        Call::Read | Call::Dequeue => matches!(ret, Ret::Value(_)),
        Call::Cas { .. } | Call::Acquire | Call::Release => matches!(ret, Ret::Bool(_) | Ret::Ack),
        Call::Write(_) | Call::Append(_) | Call::Add(_) | Call::Enqueue(_) | Call::Txn(_) => {
            matches!(ret, Ret::Ack)
        }
    };
    if fits {
        Ok(())
    } else if matches!(call, Call::Read | Call::Dequeue) {
        Err(BuildErrorKind::MissingResult { kind })
    } else {
        Err(BuildErrorKind::ResultMismatch { kind, what })
    }
}

/// In interval form, a process's operations must not overlap, and nothing
/// may follow a pending operation.
fn check_sessions(ops: &[Operation], processes: &[Box<str>]) -> Result<(), BuildError> {
    // Inputs list each process's operations in time order: then one pass
    // over the operations checks the same pairs as the sort below, which
    // runs only when a process is out of order or a pair is wrong (and
    // finds the error to report).
    let mut last: Vec<Option<(Time, Option<Time>)>> = vec![None; processes.len()];
    let in_order_and_valid = ops.iter().all(|op| {
        let slot = &mut last[op.process.index()];
        let fine = match *slot {
            None => true,
            Some((invoke, ret)) => invoke <= op.invoke && ret.is_some_and(|r| r <= op.invoke),
        };
        *slot = Some((op.invoke, op.ret));
        fine
    });
    if in_order_and_valid {
        return Ok(());
    }
    let mut by_process: Vec<Vec<&Operation>> = vec![Vec::new(); processes.len()];
    for op in ops {
        by_process[op.process.index()].push(op);
    }
    for session in &mut by_process {
        session.sort_by_key(|op| (op.invoke, op.id));
        for pair in session.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let name = processes[a.process.index()].to_string();
            match a.ret {
                None => {
                    return Err(BuildError {
                        kind: BuildErrorKind::AfterPending {
                            process: name,
                            pending_line: a.source.line,
                        },
                        line: b.source.line,
                    });
                }
                Some(ret) if ret > b.invoke => {
                    return Err(BuildError {
                        kind: BuildErrorKind::OverlappingInProcess {
                            process: name,
                            other_line: a.source.line,
                        },
                        line: b.source.line,
                    });
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// At most this many operations in one history.
pub const OPS_MAX: usize = u32::MAX as usize - 1;

/// A 32-bit dense id for the `n`th interned item. Interned names and values
/// come from operations and header lines, which are capped by [`OPS_MAX`]
/// and the input's size, so this never fails on a real input; it asserts
/// rather than truncate.
fn dense(n: usize, what: &str) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| panic!("more than 2^32 distinct {what} in one history"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pair_up_and_pending_stays_info() {
        let mut b = HistoryBuilder::new();
        let p = b.process("p1");
        let q = b.process("p2");
        let k = b.key("x");
        let one = b.int(1);
        b.invoke(Invocation {
            process: p,
            key: k,
            call: Call::Write(one),
            time: 0,
            line: 1,
        })
        .unwrap();
        b.invoke(Invocation {
            process: q,
            key: k,
            call: Call::Read,
            time: 1,
            line: 2,
        })
        .unwrap();
        b.complete(Completion {
            process: p,
            outcome: Outcome::Ok(Ret::Ack),
            time: 2,
            line: 3,
            call: None,
        })
        .unwrap();
        let h = b.finish().unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.ops()[0].ret, Some(2));
        assert!(h.ops()[1].is_pending() && h.ops()[1].is_unknown());
    }

    #[test]
    fn second_invoke_while_outstanding_is_rejected() {
        let mut b = HistoryBuilder::new();
        let p = b.process("p1");
        let k = b.implicit_key();
        let inv = |line| Invocation {
            process: p,
            key: k,
            call: Call::Read,
            time: line as u64,
            line,
        };
        b.invoke(inv(1)).unwrap();
        let e = b.invoke(inv(2)).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(matches!(
            e.kind,
            BuildErrorKind::Pairing {
                error: PairingError::SecondInvoke {
                    outstanding: Pending { line: 1, .. }
                },
                ..
            }
        ));
        assert_eq!(
            e.to_string(),
            "process p1 invoked a call while its call from line 1 is still outstanding"
        );
    }

    #[test]
    fn overlapping_intervals_in_one_process_are_rejected() {
        let mut b = HistoryBuilder::new();
        let p = b.process("p1");
        let k = b.implicit_key();
        let one = b.int(1);
        for (line, (i, r)) in [(0, 10), (5, 12)].into_iter().enumerate() {
            b.push(OpSpec {
                process: p,
                key: k,
                call: Call::Write(one),
                outcome: Outcome::Ok(Ret::Ack),
                invoke: i,
                ret: Some(r),
                line: line as u32 + 1,
            })
            .unwrap();
        }
        let e = b.finish().unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn read_without_result_is_rejected() {
        let mut b = HistoryBuilder::new();
        let p = b.process("p1");
        let k = b.implicit_key();
        let e = b
            .push(OpSpec {
                process: p,
                key: k,
                call: Call::Read,
                outcome: Outcome::Ok(Ret::Ack),
                invoke: 0,
                ret: Some(1),
                line: 7,
            })
            .unwrap_err();
        assert_eq!(e.line, 7);
        assert!(matches!(e.kind, BuildErrorKind::MissingResult { .. }));
    }
}
