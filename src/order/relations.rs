//! The relations the register checks are built from.
//!
//! * **Which operations count.** The weak checks reason about read/write
//!   registers. A write counts when it completed (`ok`), or when its outcome
//!   is unknown (`info`, pending) *and* some read returned its value (then it
//!   took effect). An `info` write that nobody read is dropped: it may never
//!   have taken effect, and a write nobody reads only adds constraints, so
//!   dropping it can hide nothing that it alone would make consistent and
//!   never raises a false alarm. `fail` writes never count. A read counts
//!   when it completed with a value or with *absent*; a read whose value was
//!   not recorded ([`Observed::Unknown`]) constrains nothing and is dropped.
//! * **Session order** (so): the order of a process's counted operations
//!   (by invoke time, then input order).
//! * **Reads-from** (rf): write `w` → read `r` when `r` returned the value
//!   `w` wrote to the same key. A read of the key's initial value (absent,
//!   or `%initial`) reads from the initial state, which no operation wrote.
//!   When a value is written twice to a key (or written and also the initial
//!   value), a read of it has several possible writers: it is marked
//!   [`Role::AmbiguousRead`] and the key is reported, so that every check
//!   can either prove a violation without that read or answer *unknown*.
//!   Dropping a read only removes constraints from every model checked here,
//!   so a violation found without it holds for every choice of writer.
//! * **Sanity** (DEFINITIONS.md, "always first"): a read of a value no write
//!   wrote (`ThinAirRead`), only written by failed writes (`AbortedRead`),
//!   or only by writes later in the reader's own session (`FutureRead`,
//!   session form) is marked [`Role::BadRead`]; the checks report it and
//!   leave it out of every other relation. A write later in the reader's
//!   session is never a candidate source. Real time plays no part: a read
//!   of a value whose every write was invoked after the read returned is a
//!   violation of linearizability only, which its search finds itself, and
//!   a note on the history otherwise ([`future_reads_in_real_time`]).
//! * **Real-time order** (rt): `a` → `b` when `a` returned strictly before
//!   `b` was invoked. [`RealTimePoints`] represents it with an interval
//!   sweep over O(n) time points instead of Θ(n²) explicit edges.

use crate::history::{Call, History, KeyId, Observed, OpId, OpKind, Outcome, Time, ValueId};
use rustc_hash::FxHashMap;

/// Where a counted read got its value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReadFrom {
    /// The key's initial value, which no operation wrote.
    Initial,
    /// The one write that wrote the value.
    Write(OpId),
}

/// Why a read is impossible in every model (see the module docs).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum BadRead {
    /// No write wrote the value (and it is not the initial value).
    ThinAir,
    /// Only failed writes wrote the value; the field is one of them.
    Aborted(OpId),
    /// Every write of the value comes later in the reader's own session;
    /// the field is one of them.
    Future(OpId),
}

/// What an operation is to the register checks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Not counted: a failed operation, an unread `info` write, a read
    /// without a recorded value, or a pending read.
    Skip,
    /// A counted write of its key.
    Write,
    /// A counted read with a unique source.
    Read(ReadFrom),
    /// A read of a value with several possible writers; left out.
    AmbiguousRead,
    /// A read no model allows; reported by the sanity check, left out.
    BadRead(BadRead),
}

/// The counted operations of a register history and their relations.
#[derive(Clone, Debug)]
pub struct Registers {
    /// Role of every operation, indexed by [`OpId`].
    pub roles: Vec<Role>,
    /// Counted operations (writes and reads with a unique source) of each
    /// session, in session order. The first `process_count` sessions are
    /// the processes'; after them, one session per **detached** write: a
    /// counted write of unknown outcome followed by other counted
    /// operations of its process. Such a write is session-ordered after its
    /// process's earlier operations but before none of its later ones (the
    /// request may still be in flight; docs/semantics.md), so it sits alone
    /// in a session whose first operation follows [`Registers::parent`].
    pub sessions: Vec<Vec<OpId>>,
    /// Per session: the operation its first operation is session-ordered
    /// after, in another session (detached writes only; `None` otherwise).
    pub parent: Vec<Option<OpId>>,
    /// `(parent, session)` for every session with a parent, sorted.
    pub children: Vec<(OpId, u32)>,
    /// Position of each counted operation in its session (`u32::MAX` for
    /// operations not counted).
    pub pos: Vec<u32>,
    /// Session of every operation (a compact copy, so that hot loops do not
    /// touch the operations themselves).
    pub session_of: Vec<u32>,
    /// Key of every operation (compact copy).
    pub key_of: Vec<u32>,
    /// Keys and values read by ambiguous reads, sorted and deduplicated.
    pub ambiguous: Vec<(KeyId, ValueId)>,
    /// Set when the history has operations the register checks do not
    /// model (cas, append, transactions, ...): a sentence saying which.
    pub unsupported: Option<String>,
}

impl Registers {
    /// True when the operation is a counted write or counted read.
    #[inline]
    pub fn counted(&self, op: OpId) -> bool {
        self.pos[op.index()] != u32::MAX
    }

    /// The source of a counted read, `None` for other operations.
    #[inline]
    pub fn read_from(&self, op: OpId) -> Option<ReadFrom> {
        match self.roles[op.index()] {
            Role::Read(rf) => Some(rf),
            _ => None,
        }
    }

    #[inline]
    pub fn is_write(&self, op: OpId) -> bool {
        self.roles[op.index()] == Role::Write
    }

    /// The session-order predecessor of a counted operation (for the first
    /// operation of a detached session, its parent).
    #[inline]
    pub fn so_pred(&self, _history: &History, op: OpId) -> Option<OpId> {
        let p = self.pos[op.index()];
        let s = self.session_of[op.index()] as usize;
        match p {
            u32::MAX => None,
            0 => self.parent[s],
            p => Some(self.sessions[s][p as usize - 1]),
        }
    }

    /// Consecutive pairs of session order: within each session, and from a
    /// parent to the detached write that follows it.
    pub fn so_pairs(&self) -> Vec<(OpId, OpId)> {
        let mut out: Vec<(OpId, OpId)> = self
            .sessions
            .iter()
            .flat_map(|s| s.windows(2).map(|w| (w[0], w[1])))
            .collect();
        out.extend(
            self.children
                .iter()
                .map(|&(p, s)| (p, self.sessions[s as usize][0])),
        );
        out
    }

    /// The sessions whose first operation follows `op` (detached writes).
    pub fn children_of(&self, op: OpId) -> impl Iterator<Item = u32> + '_ {
        let from = self.children.partition_point(|(p, _)| *p < op);
        self.children[from..]
            .iter()
            .take_while(move |(p, _)| *p == op)
            .map(|(_, s)| *s)
    }

    /// Every counted operation session-ordered before the `i`-th operation
    /// of session `s`, and that operation, in session order: a prefix of
    /// `s`, preceded for a detached session by its parent's chain.
    pub fn chain(&self, s: usize, i: usize) -> Vec<OpId> {
        let mut out = match self.parent[s] {
            Some(p) => {
                let ps = self.session_of[p.index()] as usize;
                self.chain(ps, self.pos[p.index()] as usize)
            }
            None => Vec::new(),
        };
        out.extend_from_slice(&self.sessions[s][..=i]);
        out
    }

    /// Bad reads (sanity violations), in operation order.
    pub fn bad_reads(&self) -> impl Iterator<Item = (OpId, BadRead)> + '_ {
        self.roles.iter().enumerate().filter_map(|(i, r)| match r {
            Role::BadRead(b) => Some((OpId(i as u32), *b)),
            _ => None,
        })
    }

    /// Distinct keys with ambiguous reads.
    pub fn ambiguous_keys(&self) -> Vec<KeyId> {
        let mut keys: Vec<KeyId> = self.ambiguous.iter().map(|(k, _)| *k).collect();
        keys.dedup();
        keys
    }
}

/// Classifies every operation of `history` and builds session order and
/// reads-from. O(n log n) (the session sort).
pub fn registers(history: &History) -> Registers {
    let n = history.len();
    // Session positions of all operations, to tell "later in the reader's
    // own session" without counting yet.
    let all_sessions = history.sessions();
    let mut raw_pos = vec![0u32; n];
    for s in &all_sessions {
        for (i, op) in s.iter().enumerate() {
            raw_pos[op.index()] = i as u32;
        }
    }
    let (mut roles, used, ambiguous) = read_roles(history, &raw_pos);
    for op in history.ops() {
        if let Call::Write(_) = op.call {
            let counted = match op.outcome {
                Outcome::Ok(_) => true,
                Outcome::Info => used[op.id.index()],
                Outcome::Fail => false,
            };
            if counted {
                roles[op.id.index()] = Role::Write;
            }
        }
    }
    let chains = Chains::new(history, all_sessions, &roles);
    // The detached sessions come after the real ones, and a parent is a
    // counted operation of a real session (never itself detached).
    assert_eq!(
        chains.parent.len(),
        chains.sessions.len(),
        "one parent slot per session"
    );
    debug_assert!(chains.children.iter().all(|&(p, s)| {
        let ps = chains.session_of[p.index()] as usize;
        ps < s as usize && chains.parent[ps].is_none()
    }));
    Registers {
        roles,
        sessions: chains.sessions,
        parent: chains.parent,
        children: chains.children,
        pos: chains.pos,
        session_of: chains.session_of,
        key_of: history.ops().iter().map(|op| op.key.0).collect(),
        ambiguous,
        unsupported: unsupported(history),
    }
}

/// Why the weak checks cannot model the history: its first operation
/// that is not a read or a write.
fn unsupported(history: &History) -> Option<String> {
    history
        .ops()
        .iter()
        .find(|op| !matches!(op.call, Call::Read | Call::Write(_)))
        .map(|op| {
            let line = match op.source.line {
                0 => String::new(),
                l => format!(" (line {l})"),
            };
            format!(
                "the weak checks model read/write registers, and the history has a {} operation{line}",
                op.kind()
            )
        })
}

/// The role of every read (its source, or why it is bad or ambiguous),
/// which writes some read returned, and the (key, value) pairs written
/// more than once that a read returned (sorted, deduplicated).
fn read_roles(history: &History, raw_pos: &[u32]) -> (Vec<Role>, Vec<bool>, Vec<(KeyId, ValueId)>) {
    let n = history.len();
    let writers = Writers::new(history);
    let mut roles = vec![Role::Skip; n];
    let mut used = vec![false; n];
    let mut ambiguous = Vec::new();
    for op in history.ops() {
        if !matches!(op.call, Call::Read) {
            continue;
        }
        let observed = match op.observed() {
            Some(Observed::Unknown) | None => continue,
            Some(o) => o,
        };
        let initial = history.initial(op.key);
        let value = match observed {
            Observed::Value(v) => v,
            Observed::Absent => {
                roles[op.id.index()] = if initial.is_none() {
                    Role::Read(ReadFrom::Initial)
                } else {
                    // The key starts with a value and no write removes it.
                    Role::BadRead(BadRead::ThinAir)
                };
                continue;
            }
            Observed::Unknown => unreachable!("filtered above"),
        };
        let (effective, failed) = writers.of(op.key, value);
        let is_initial = initial == Some(value);
        // A write later in the reader's own session cannot be its source
        // (it was issued after the read returned). Real time plays no part
        // here: only linearizability has it (docs/semantics.md).
        let later_in_session = |w: &OpId| {
            let wo = history.op(*w);
            wo.process == op.process && raw_pos[w.index()] > raw_pos[op.id.index()]
        };
        let mut possible = effective.iter().filter(|w| !later_in_session(w));
        roles[op.id.index()] = match (possible.next(), possible.next(), is_initial) {
            (None, _, false) => match (effective.first(), failed.first()) {
                (Some(&w), _) => Role::BadRead(BadRead::Future(w)),
                (None, Some(&f)) => Role::BadRead(BadRead::Aborted(f)),
                (None, None) => Role::BadRead(BadRead::ThinAir),
            },
            (None, _, true) => Role::Read(ReadFrom::Initial),
            (Some(&w), None, false) => {
                used[w.index()] = true;
                Role::Read(ReadFrom::Write(w))
            }
            _ => {
                ambiguous.push((op.key, value));
                Role::AmbiguousRead
            }
        };
    }
    ambiguous.sort();
    ambiguous.dedup();
    (roles, used, ambiguous)
}

/// The sessions of counted operations, with detached sessions (see
/// [`Registers::parent`]) after the real ones.
struct Chains {
    sessions: Vec<Vec<OpId>>,
    parent: Vec<Option<OpId>>,
    children: Vec<(OpId, u32)>,
    pos: Vec<u32>,
    session_of: Vec<u32>,
}

impl Chains {
    fn new(history: &History, all_sessions: Vec<Vec<OpId>>, roles: &[Role]) -> Chains {
        let n = history.len();
        let mut pos = vec![u32::MAX; n];
        let mut session_of: Vec<u32> = history.ops().iter().map(|op| op.process.0).collect();
        let mut sessions: Vec<Vec<OpId>> = Vec::with_capacity(all_sessions.len());
        let mut parent: Vec<Option<OpId>> = vec![None; all_sessions.len()];
        // Counted writes of unknown outcome with a later counted operation
        // in their session, each to become a session of its own.
        let mut detached: Vec<(OpId, Option<OpId>)> = Vec::new();
        for s in all_sessions {
            let counted: Vec<OpId> = s
                .into_iter()
                .filter(|op| matches!(roles[op.index()], Role::Write | Role::Read(_)))
                .collect();
            let mut kept = Vec::with_capacity(counted.len());
            for (i, &op) in counted.iter().enumerate() {
                if history.op(op).is_unknown() && i + 1 < counted.len() {
                    detached.push((op, kept.last().copied()));
                } else {
                    pos[op.index()] = kept.len() as u32;
                    kept.push(op);
                }
            }
            sessions.push(kept);
        }
        for (op, from) in detached {
            session_of[op.index()] = sessions.len() as u32;
            pos[op.index()] = 0;
            sessions.push(vec![op]);
            parent.push(from);
        }
        let mut children: Vec<(OpId, u32)> = parent
            .iter()
            .enumerate()
            .filter_map(|(s, p)| p.map(|p| (p, s as u32)))
            .collect();
        children.sort_unstable();
        Chains {
            sessions,
            parent,
            children,
            pos,
            session_of,
        }
    }
}

/// The writes of each (key, value), effective (ok or info) and failed, in
/// history order: one hash of a machine word per write and per read (the
/// pair packed in a `u64`), and two linear passes that place the writes of
/// each pair side by side. O(n) whatever the values: a value shared by
/// many keys (each key's writes counting 1, 2, 3, ...) costs no search,
/// and there is no allocation per entry (a hash map of vectors was the
/// slowest part of the preparation at 10M operations).
struct Writers {
    /// (key, value) packed → the pair's group in `groups`.
    group_of: FxHashMap<u64, u32>,
    /// Per group: where its writes start in `ids`, and how many are
    /// effective (first) and failed (after them).
    groups: Vec<(u32, u32, u32)>,
    /// The writes, grouped, each group's effective then failed writes in
    /// history order.
    ids: Vec<OpId>,
}

fn pack(key: KeyId, value: ValueId) -> u64 {
    (u64::from(key.0) << 32) | u64::from(value.0)
}

impl Writers {
    fn new(history: &History) -> Writers {
        let mut group_of: FxHashMap<u64, u32> = FxHashMap::default();
        let mut groups: Vec<(u32, u32, u32)> = Vec::new();
        // The group of each write, in history order.
        let mut placed: Vec<(u32, bool, OpId)> = Vec::new();
        for op in history.ops() {
            if let Call::Write(v) = op.call {
                let next = groups.len() as u32;
                let g = *group_of.entry(pack(op.key, v)).or_insert(next);
                if g == next {
                    groups.push((0, 0, 0));
                }
                let group = &mut groups[g as usize];
                if op.is_fail() {
                    group.2 += 1;
                } else {
                    group.1 += 1;
                }
                placed.push((g, op.is_fail(), op.id));
            }
        }
        let mut at = 0u32;
        // Per group: the next slot of an effective and of a failed write.
        let mut cursor: Vec<(u32, u32)> = Vec::with_capacity(groups.len());
        for group in &mut groups {
            group.0 = at;
            cursor.push((at, at + group.1));
            at += group.1 + group.2;
        }
        let mut ids = vec![OpId(0); placed.len()];
        for (g, failed, id) in placed {
            let slot = &mut cursor[g as usize];
            let i = if failed { &mut slot.1 } else { &mut slot.0 };
            ids[*i as usize] = id;
            *i += 1;
        }
        Writers {
            group_of,
            groups,
            ids,
        }
    }

    /// The effective and the failed writes of `value` to `key`, each in
    /// history order.
    fn of(&self, key: KeyId, value: ValueId) -> (&[OpId], &[OpId]) {
        let Some(&g) = self.group_of.get(&pack(key, value)) else {
            return (&[], &[]);
        };
        let (from, effective, failed) = self.groups[g as usize];
        let (from, mid) = (from as usize, (from + effective) as usize);
        (&self.ids[from..mid], &self.ids[mid..mid + failed as usize])
    }
}

/// Real-time order without Θ(n²) edges: operations are linked through the
/// sorted distinct return times ("time points"). `a` precedes `b` iff the
/// point of `a`'s return reaches a point strictly before `b`'s invoke, so
/// the edges `a → point(ret a)`, `point i → point i+1` and
/// `last point < invoke b → b` give exactly rt as reachability, with at most
/// 2n + p edges for p ≤ n points.
#[derive(Clone, Debug)]
pub struct RealTimePoints {
    /// Distinct return times, ascending.
    pub points: Vec<Time>,
}

impl RealTimePoints {
    /// Builds the points of a history; empty without real time.
    pub fn new(history: &History) -> RealTimePoints {
        if !history.has_real_time() {
            return RealTimePoints { points: Vec::new() };
        }
        let mut points: Vec<Time> = history.ops().iter().filter_map(|op| op.ret).collect();
        points.sort_unstable();
        points.dedup();
        RealTimePoints { points }
    }

    /// Index of the point an operation that returned at `ret` links to.
    pub fn point_of_return(&self, ret: Time) -> Option<usize> {
        self.points.binary_search(&ret).ok()
    }

    /// Index of the last point strictly before `invoke`: the operation
    /// invoked then follows every operation returning at or before it.
    pub fn point_before_invoke(&self, invoke: Time) -> Option<usize> {
        self.points.partition_point(|&t| t < invoke).checked_sub(1)
    }

    /// `a` precedes `b` in real time, answered through the points.
    pub fn precedes(&self, history: &History, a: OpId, b: OpId) -> bool {
        let (a, b) = (history.op(a), history.op(b));
        match (
            a.ret.and_then(|r| self.point_of_return(r)),
            self.point_before_invoke(b.invoke),
        ) {
            (Some(pa), Some(pb)) => pa <= pb,
            _ => false,
        }
    }
}

/// Reads that returned a value every write of which was invoked after the
/// read returned (with real time only), with one such write: the real-time
/// form of FutureRead. It violates linearizability alone (its search finds
/// it); for every other guarantee it is a note about the recording (clock
/// skew, or a value predicted). O(n) after the writers' index.
pub fn future_reads_in_real_time(history: &History) -> Vec<(OpId, OpId)> {
    if !history.has_real_time() {
        return Vec::new();
    }
    let writers = Writers::new(history);
    history
        .ops()
        .iter()
        .filter_map(|op| {
            let (Call::Read, Some(Observed::Value(v)), Some(ret)) =
                (&op.call, op.observed(), op.ret)
            else {
                return None;
            };
            if history.initial(op.key) == Some(v) {
                return None;
            }
            let (effective, _) = writers.of(op.key, v);
            let first = *effective.first()?;
            effective
                .iter()
                .all(|w| history.op(*w).invoke > ret)
                .then_some((op.id, first))
        })
        .collect()
}

/// Kinds the register checks accept, for messages.
pub const REGISTER_KINDS: [OpKind; 2] = [OpKind::Read, OpKind::Write];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{HistoryBuilder, OpSpec, Ret};

    /// Real-time order through time points equals the pairwise definition.
    #[test]
    fn time_points_give_exactly_real_time_order() {
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200 {
            let mut b = HistoryBuilder::new();
            let k = b.key("x");
            let v = b.int(1);
            for i in 0..8u32 {
                let p = b.process(&format!("p{i}"));
                let invoke = next() % 20;
                let ret = (next() % 3 != 0).then(|| invoke + next() % 10);
                b.push(OpSpec {
                    process: p,
                    key: k,
                    call: Call::Write(v),
                    outcome: if ret.is_some() {
                        Outcome::Ok(Ret::Ack)
                    } else {
                        Outcome::Info
                    },
                    invoke,
                    ret,
                    line: i + 1,
                })
                .expect("valid");
            }
            let h = b.finish().expect("valid");
            let rt = RealTimePoints::new(&h);
            for a in h.ops() {
                for c in h.ops() {
                    assert_eq!(rt.precedes(&h, a.id, c.id), a.precedes(c), "{a:?} {c:?}");
                }
            }
        }
    }

    #[test]
    fn duplicate_values_make_reads_ambiguous_and_info_writes_count_only_when_read() {
        let mut b = HistoryBuilder::new();
        let (p, q) = (b.process("p1"), b.process("p2"));
        let (x, y) = (b.key("x"), b.key("y"));
        let (one, two) = (b.int(1), b.int(2));
        let ops = [
            (p, x, Call::Write(one), Outcome::Ok(Ret::Ack)),
            (q, x, Call::Write(one), Outcome::Ok(Ret::Ack)),
            (q, y, Call::Write(two), Outcome::Info),
            (
                p,
                x,
                Call::Read,
                Outcome::Ok(Ret::Value(Observed::Value(one))),
            ),
            (p, y, Call::Write(one), Outcome::Info),
            (
                q,
                y,
                Call::Read,
                Outcome::Ok(Ret::Value(Observed::Value(two))),
            ),
        ];
        for (i, (proc_, key, call, outcome)) in ops.into_iter().enumerate() {
            let t = i as u64 * 10;
            let ret = (!matches!(outcome, Outcome::Info)).then_some(t + 1);
            b.push(OpSpec {
                process: proc_,
                key,
                call,
                outcome,
                invoke: t,
                ret: ret.or(if i == 2 { Some(t + 1) } else { None }),
                line: i as u32 + 1,
            })
            .expect("valid");
        }
        let h = b.finish().expect("valid");
        let reg = registers(&h);
        assert_eq!(reg.roles[3], Role::AmbiguousRead);
        assert_eq!(reg.ambiguous_keys(), vec![x]);
        assert_eq!(
            reg.roles[2],
            Role::Write,
            "an info write that was read took effect"
        );
        assert_eq!(
            reg.roles[4],
            Role::Skip,
            "an info write nobody read is dropped"
        );
        assert_eq!(reg.roles[5], Role::Read(ReadFrom::Write(OpId(2))));
    }
}
