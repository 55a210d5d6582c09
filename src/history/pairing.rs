//! Pairing invocations with their completions, for event-ordered inputs
//! (the concord language's event form, JSON Lines events, Jepsen's op
//! maps and text logs, the simulator's recording).
//!
//! Per process there is at most one outstanding invocation: an invoke
//! opens it, the next completion of that process closes it, and one never
//! closed stays pending (a call that never returned: unknown outcome, no
//! return time). [`Pairing`] holds that state; it lives in the
//! [`HistoryBuilder`](super::HistoryBuilder), which is the only one to
//! change it, so there is one pairing per history.
//!
//! Every way an event fails to pair is a [`PairingError`], typed so that
//! each parser points at its own token and words the message its format
//! calls for. A parser asks [`Pairing::check_invoke`] and
//! [`Pairing::check_complete`] when its own order of errors calls for it
//! (before or after reading the rest of the event), and checks what the
//! completion repeats of its call with [`Pending::check_kind`],
//! [`Pending::check_key`] and [`Pending::check_call`].

use super::{Call, KeyId, MicroKind, Observed, OpId, OpKind, ProcessId};

/// An outstanding invocation: the operation it opened and what a
/// completion must repeat of it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub op: OpId,
    /// Input line of the invocation (0 when built in code).
    pub line: u32,
    pub kind: OpKind,
    pub key: KeyId,
}

/// Why an event does not pair with its process's outstanding invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PairingError {
    /// An invocation while the process has one outstanding.
    SecondInvoke { outstanding: Pending },
    /// A completion of a process with no outstanding invocation.
    NoOutstandingCall,
    /// A completion of another kind of call than the one invoked.
    KindMismatch {
        outstanding: Pending,
        completed: OpKind,
    },
    /// A completion naming another key than the invocation.
    KeyMismatch {
        outstanding: Pending,
        completed: KeyId,
    },
    /// A completion repeating other arguments than the invocation's.
    ArgumentsMismatch { outstanding: Pending },
}

impl PairingError {
    /// The message for a history built in code, naming the process; the
    /// parsers word their own.
    pub fn message(&self, process: &str) -> String {
        match self {
            PairingError::SecondInvoke { outstanding } => format!(
                "process {process} invoked a call while its call from line {} is still outstanding",
                outstanding.line
            ),
            PairingError::NoOutstandingCall => {
                format!("process {process} completes a call it never invoked")
            }
            PairingError::KindMismatch {
                outstanding,
                completed,
            } => format!(
                "completion of {completed} does not match the outstanding {} of process {process} (line {})",
                outstanding.kind, outstanding.line
            ),
            PairingError::KeyMismatch { outstanding, .. } => format!(
                "the completion names another key than the outstanding {} of process {process} (line {})",
                outstanding.kind, outstanding.line
            ),
            PairingError::ArgumentsMismatch { outstanding } => format!(
                "the completion's arguments differ from the outstanding {} of process {process} (line {})",
                outstanding.kind, outstanding.line
            ),
        }
    }
}

impl Pending {
    /// A completion repeats the invoked kind.
    pub fn check_kind(&self, completed: OpKind) -> Result<(), PairingError> {
        if completed == self.kind {
            Ok(())
        } else {
            Err(PairingError::KindMismatch {
                outstanding: *self,
                completed,
            })
        }
    }

    /// A completion that names a key names the invoked one.
    pub fn check_key(&self, completed: KeyId) -> Result<(), PairingError> {
        if completed == self.key {
            Ok(())
        } else {
            Err(PairingError::KeyMismatch {
                outstanding: *self,
                completed,
            })
        }
    }

    /// A completion that repeats its call repeats `invoked` (the call of
    /// [`Pending::op`]): equal, except that a transaction's reads may be
    /// filled in with what they returned.
    pub fn check_call(&self, invoked: &Call, completed: &Call) -> Result<(), PairingError> {
        if same_call(invoked, completed) {
            Ok(())
        } else {
            Err(PairingError::ArgumentsMismatch { outstanding: *self })
        }
    }
}

/// True when a completion's call repeats the invoked one (see
/// [`Pending::check_call`]). A read an invocation already gave a value
/// must keep it.
fn same_call(invoked: &Call, completed: &Call) -> bool {
    match (invoked, completed) {
        (Call::Txn(a), Call::Txn(b)) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    x.kind == y.kind
                        && x.key == y.key
                        && (x.kind == MicroKind::Read || x.value == y.value)
                        && (x.value == Observed::Unknown || x.value == y.value)
                })
        }
        _ => invoked == completed,
    }
}

/// Per process, the outstanding invocation. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Pairing {
    outstanding: Vec<Option<Pending>>,
}

impl Pairing {
    /// Makes room for the next process id.
    pub(super) fn add_process(&mut self) {
        self.outstanding.push(None);
    }

    /// The outstanding invocation of `process`, if any.
    pub fn outstanding(&self, process: ProcessId) -> Option<Pending> {
        self.outstanding[process.index()]
    }

    /// `process` may invoke: it has no outstanding invocation.
    pub fn check_invoke(&self, process: ProcessId) -> Result<(), PairingError> {
        match self.outstanding(process) {
            None => Ok(()),
            Some(outstanding) => Err(PairingError::SecondInvoke { outstanding }),
        }
    }

    /// The invocation a completion of `process` completes.
    pub fn check_complete(&self, process: ProcessId) -> Result<Pending, PairingError> {
        self.outstanding(process)
            .ok_or(PairingError::NoOutstandingCall)
    }

    /// Opens `pending` as the outstanding invocation of `process`, which
    /// [`Pairing::check_invoke`] allowed.
    pub(super) fn open(&mut self, process: ProcessId, pending: Pending) {
        debug_assert!(self.check_invoke(process).is_ok());
        self.outstanding[process.index()] = Some(pending);
    }

    /// Closes the outstanding invocation of `process`, which
    /// [`Pairing::check_complete`] found.
    pub(super) fn close(&mut self, process: ProcessId) {
        debug_assert!(self.check_complete(process).is_ok());
        self.outstanding[process.index()] = None;
    }

    /// At the end of the input: the invocations never completed, by
    /// process. They need no step of their own: an invocation is recorded
    /// as a pending operation (unknown outcome, no return) until its
    /// completion arrives.
    pub fn never_completed(&self) -> impl Iterator<Item = (ProcessId, Pending)> + '_ {
        self.outstanding
            .iter()
            .enumerate()
            .filter_map(|(p, o)| o.map(|o| (ProcessId(p as u32), o)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::ValueId;

    fn pending(op: u32, line: u32, kind: OpKind) -> Pending {
        Pending {
            op: OpId(op),
            line,
            kind,
            key: KeyId(0),
        }
    }

    #[test]
    fn one_outstanding_invocation_per_process() {
        let mut p = Pairing::default();
        p.add_process();
        p.add_process();
        let (a, b) = (ProcessId(0), ProcessId(1));
        assert_eq!(p.check_complete(a), Err(PairingError::NoOutstandingCall));
        p.open(a, pending(0, 1, OpKind::Read));
        p.open(b, pending(1, 2, OpKind::Write));
        assert_eq!(
            p.check_invoke(a),
            Err(PairingError::SecondInvoke {
                outstanding: pending(0, 1, OpKind::Read)
            })
        );
        assert_eq!(p.check_complete(a).map(|o| o.op), Ok(OpId(0)));
        p.close(a);
        assert_eq!(p.check_complete(a), Err(PairingError::NoOutstandingCall));
        let left: Vec<_> = p.never_completed().collect();
        assert_eq!(left, vec![(b, pending(1, 2, OpKind::Write))]);
    }

    #[test]
    fn a_completion_repeats_its_call() {
        let o = pending(0, 1, OpKind::Write);
        assert!(o.check_kind(OpKind::Write).is_ok());
        assert!(matches!(
            o.check_kind(OpKind::Read),
            Err(PairingError::KindMismatch {
                completed: OpKind::Read,
                ..
            })
        ));
        assert!(o.check_key(KeyId(1)).is_err());
        let (one, two) = (ValueId(0), ValueId(1));
        assert!(o.check_call(&Call::Write(one), &Call::Write(one)).is_ok());
        assert!(o.check_call(&Call::Write(one), &Call::Write(two)).is_err());
        // A transaction's reads are filled in; its writes are repeated.
        let micro = |kind, value| crate::history::MicroOp {
            kind,
            key: KeyId(0),
            value,
        };
        let invoked = Call::Txn(vec![
            micro(MicroKind::Read, Observed::Unknown),
            micro(MicroKind::Write, Observed::Value(one)),
        ]);
        let completed = Call::Txn(vec![
            micro(MicroKind::Read, Observed::Value(two)),
            micro(MicroKind::Write, Observed::Value(one)),
        ]);
        assert!(o.check_call(&invoked, &completed).is_ok());
        assert!(o.check_call(&completed, &invoked).is_err());
    }
}
