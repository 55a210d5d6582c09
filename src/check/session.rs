//! Session guarantees (Terry, Demers, Petersen, Spreitzer, Theimer, Welch,
//! "Session guarantees for weakly consistent replicated data", PDIS 1994;
//! Brzeziński, Sobaniec, Wawrzyniak, "From session causality to causal
//! consistency", PDP 2004), checked on histories, each on its own.
//!
//! # Definitions
//!
//! Every guarantee includes the sanity axioms (a read returns an effective
//! write that was not invoked after it returned nor issued later in its own
//! session; see `check::sanity`).
//!
//! **Read your writes and monotonic reads** are defined over **each
//! session's own arbitration** (as PRAM's per-process views are;
//! DEFINITIONS.md warns that one write order per key shared by all readers
//! turns RYW and MR into global constraints). For an observing session `s`
//! there must be a total order `ar_s` of the counted writes such that:
//!
//! * **RYW**: for every read `r` of `s` and every own write `w` of `s` to
//!   the same key with `w` so `r`, `r` does not read the initial state, and
//!   `w = rf(r)` or `w` ar_s `rf(r)`. Only own writes of the read's key
//!   matter: operations on other keys never change the verdict, and RYW on
//!   its own allows "write 1, write 2, read 1" (nothing orders 1 before 2
//!   without monotonic writes) and "read w′, write w, read w′" (only
//!   writes-follow-reads orders w′ before w).
//! * **MR**: for reads `r1` so `r2` of `s` on the same key, if `r1` reads a
//!   write then `r2` does not read the initial state, and
//!   `rf(r1) = rf(r2)` or `rf(r1)` ar_s `rf(r2)`.
//!
//! **Monotonic writes and writes follow reads** are defined *by
//! observation*, following DEFINITIONS.md ("w1 so w2 ⇒ every process that
//! observes w2 has also observed w1"; "r so w, r reads w0 ⇒ whoever
//! observes w has observed w0") with "has observed" read as cumulative per
//! session: a session's knowledge only grows. For a counted read `r` of
//! session `s`, the *knowledge* `K(r)` is the set of writes `rf(r')` for
//! every counted, non-initial read `r'` of `s` with `r'` so `r` or
//! `r' = r`, closed under the guarantee's rule:
//!
//! * **MW**: `w2 ∈ K` and `w1` so `w2` (both writes of one session, any
//!   keys) ⇒ `w1 ∈ K`. The order it forces between writes is so⁺.
//! * **WFR**: `w ∈ K` written by `t`, `r''` so `w` in `t` and `r''` read
//!   `w0` ⇒ `w0 ∈ K`. The order it forces is (rf;so)⁺ between writes.
//!
//! Write `P(r)` for the writes the rule adds (K(r) minus the writes read
//! directly). A read `r` of key `x` **violates** the guarantee when (a) it
//! returns the initial value while `P(r)` holds a write of `x` (reading the
//! initial state after having read a write of `x` itself is monotonic
//! reads' concern, not this guarantee's: with no session holding two
//! writes, or a read followed by a write, MW and WFR hold), or (b) it returns a write `w'` of `x` while
//! `K(r)` holds a write `w ≠ w'` of `x` that the rule forces newer than
//! `w'` (`w'` so⁺ `w` for MW; `w'` (rf;so)⁺ `w` for WFR). In words: once a
//! session has observed `w2`, it never again observes a state of `x` older
//! than a write that must precede `w2`. WFR is also violated by a cycle of
//! rf and "read, then a later write of the same session" steps
//! (`CyclicWFR`): no order of those writes follows the reads before them.
//! Writes of unknown outcome enter `K` only when read (directly or through
//! the closure from a read), failed writes never, and reads with several
//! possible writers (a value written twice) contribute nothing and are not
//! judged, so every violation holds for every choice of writer (no
//! violation but such reads is `unknown`).
//!
//! *Why not views.* Checked over per-session views with only the write
//! order constrained, MW can never fail beyond the sanity patterns: a
//! view may place each read right after the write it returns, since
//! nothing orders the reads. WFR over views fails only by a cycle. The
//! standard examples (a session reads `w2`, later reads `w1`'s key's older
//! state) need the reads of the observer ordered too, which the cumulative
//! knowledge supplies without adding all of MR: the DEFINITIONS.md lattice
//! example `p1 w(x,1), p2 w(x,2), p3 r(x)=1 r(x)=2 r(x)=1` keeps MW and WFR
//! (no forced order between the concurrent writes), while it breaks MR.
//!
//! *Lattice.* PRAM ⇒ MW: a PRAM view of `s` respects every session order,
//! so each write in `K(r)` sits before the read that observed it, hence
//! before `r`, and a write forced newer than `w'` by so⁺ sits after `w'`:
//! it lies between `w'` and `r`, and `r` cannot return `w'` (nor the
//! initial value). Causal memory ⇒ WFR likewise, since its views respect
//! (so ∪ rf)⁺, which contains the WFR closure and (rf;so)⁺; a rf/so cycle
//! is a causal cycle. Tests check both implications on random histories.
//!
//! # Algorithms
//!
//! * **MR** (O(n log n)): per session and key, reads are totally ordered
//!   and writes are free, so a view exists iff the reads of each source
//!   form one contiguous run and initial-value reads come first. Each
//!   session's reads are grouped by key with one sort, and a source's run
//!   is found through a per-operation slot (no hash maps).
//! * **RYW** (O(n log n)): per session and key, the forced edges close a
//!   cycle iff the session read an own write after issuing a later own
//!   write of the key that it also reads (see [`read_your_writes`]).
//! * **MW** (O(n + k² + keys), plus O(k) per initial read): by the rule,
//!   `K(r)` is a union of writer-session prefixes, summarised by a vector over
//!   sessions (the highest write index observed). A read of `w'` by `t` is
//!   stale iff the next write of its key by `t` has an index below the
//!   vector's entry for `t`; an initial read iff some session's first
//!   write of the key does.
//! * **WFR** (O(n·k) time and memory for the clocks, shared with the CC
//!   scan of `check::scan`, plus, per key holding a read that scan
//!   found bad, O(m·k) for its m reads; O(n·k) in all): `K(r)` is exactly
//!   the set of sources of the non-initial reads in the causal past
//!   (so ∪ rf)⁺ of `r` (every path into `r` enters a session through a
//!   read; rerouting a write's session steps through the read before it
//!   shows the reads in the past are those the WFR rule reaches). So a
//!   stale read `r` of `w'` has a write `w` of its key with
//!   `w'` co `w` co `r`, which is CC's WriteCORead (an initial read, CC's
//!   WriteCOInitRead): **CC ⇒ WFR**, and only the reads the CC scan found
//!   bad are judged. With vector clocks over sessions (`order::vclock`):
//!   an initial read of `x` is stale iff some session's first non-initial
//!   read of `x` is in its past. A read of `w'` is stale iff some read
//!   `r2` of `x` in its past read a write whose causal past holds a read
//!   of `w'`; per session the reads of `x` carry the running join of their
//!   sources' clocks, found by binary search under the read's clock entry
//!   and compared with the earliest reader of `w'` in each session. When
//!   causal order is cyclic there are no clocks; every cycle of so ∪ rf
//!   enters each session at a read and leaves at a later write, so a
//!   cycle search over rf plus "read → later write of the same session"
//!   finds it (`CyclicWFR`).

use crate::check::pattern::Pattern;
use crate::check::prepare::{Prepared, finish};
use crate::check::result::{GuaranteeResult, Violation};
use crate::check::scan::CausalFacts;
use crate::check::sentence::{Part, Sentence};
use crate::check::shared::{Check, Needs, Shared};
use crate::guarantee::Guarantee;
use crate::history::{History, KeyId, OpId};
use crate::order::edge::{Edge, EdgeLabel, Rule};
use crate::order::graph::{cycle_among, kahn_leftover};
use crate::order::relations::{ReadFrom, Registers};
use crate::order::vclock::Clocks;
use rustc_hash::FxHashMap;

/// Read-your-writes (see the module docs).
pub struct ReadYourWrites;
/// Monotonic reads.
pub struct MonotonicReads;
/// Monotonic writes.
pub struct MonotonicWrites;
/// Writes-follow-reads: judges the bad reads of the causal scan.
pub struct WritesFollowReads;

/// The session checks over the relations alone.
macro_rules! session_check {
    ($ty:ident, $g:ident, $find:ident) => {
        impl Check for $ty {
            fn guarantee(&self) -> Guarantee {
                Guarantee::$g
            }

            fn needs(&self) -> Needs {
                Needs::RELATIONS
            }

            fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
                finish_session(shared, Guarantee::$g, |h, p| $find(h, &p.reg))
            }
        }
    };
}

session_check!(ReadYourWrites, ReadYourWrites, read_your_writes);
session_check!(MonotonicReads, MonotonicReads, monotonic_reads);
session_check!(MonotonicWrites, MonotonicWrites, monotonic_writes);

impl Check for WritesFollowReads {
    fn guarantee(&self) -> Guarantee {
        Guarantee::WritesFollowReads
    }

    fn needs(&self) -> Needs {
        Needs::CAUSAL_SCAN
    }

    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        let facts = shared.facts();
        finish_session(shared, Guarantee::WritesFollowReads, |h, p| {
            writes_follow_reads_observed(h, &p.reg, facts)
        })
    }
}

/// The result of a session check from what `find` finds.
fn finish_session(
    shared: &Shared<'_>,
    g: Guarantee,
    find: impl FnOnce(&History, &Prepared) -> Vec<Violation>,
) -> GuaranteeResult {
    let (history, prepared, config) = (shared.history, shared.prepared(), shared.config);
    if prepared.reg.unsupported.is_some() {
        return finish(g, prepared, history, Vec::new(), config);
    }
    let found = find(history, prepared);
    finish(g, prepared, history, found, config)
}

/// A source read in a stretch of a session: its first and last reader with
/// their block numbers.
#[derive(Clone, Copy, Debug)]
struct Range {
    src: ReadFrom,
    first: (u32, OpId),
    last: (u32, OpId),
}

/// Finds the range of a source among the ranges of the current stretch (a
/// key of a session, or an interval of one) in O(1): per-operation slots
/// valid for the current stamp, so nothing is cleared or allocated per
/// stretch.
struct RangeIndex {
    /// Source write: (stamp, index of its range).
    range_of: Vec<(u32, u32)>,
    stamp: u32,
    /// The range of the initial value in the current stretch.
    initial: Option<usize>,
}

impl RangeIndex {
    fn new(n: usize) -> RangeIndex {
        RangeIndex {
            range_of: vec![(u32::MAX, 0); n],
            stamp: 0,
            initial: None,
        }
    }

    /// Starts a new stretch: every source is unseen again.
    fn restart(&mut self) {
        self.stamp += 1;
        self.initial = None;
    }

    /// Extends the range of `src` in `ranges` (the current stretch's) to
    /// the read `r` in block `block`, or opens it.
    fn extend(&mut self, ranges: &mut Vec<Range>, src: ReadFrom, block: u32, r: OpId) {
        let found = match src {
            ReadFrom::Initial => self.initial,
            ReadFrom::Write(w) => {
                let (stamp, i) = self.range_of[w.index()];
                (stamp == self.stamp).then_some(i as usize)
            }
        };
        match found {
            Some(i) => ranges[i].last = (block, r),
            None => {
                let i = ranges.len();
                match src {
                    ReadFrom::Initial => self.initial = Some(i),
                    ReadFrom::Write(w) => self.range_of[w.index()] = (self.stamp, i as u32),
                }
                ranges.push(Range {
                    src,
                    first: (block, r),
                    last: (block, r),
                });
            }
        }
    }
}

/// Pairs of sources whose block ranges cannot be laid out one after the
/// other; `first` (if read) must precede every other source.
fn conflicts(mut ranges: Vec<Range>, first: Option<ReadFrom>) -> Vec<(Range, Range)> {
    let mut out = Vec::new();
    ranges.sort_by_key(|r| (Some(r.src) != first, r.first.0, r.last.0));
    let mut widest: Option<Range> = None;
    for r in ranges {
        match widest {
            Some(w) => {
                if w.last.0 > r.first.0 {
                    out.push((w, r));
                }
                if r.last.0 > w.last.0 {
                    widest = Some(r);
                }
            }
            None => widest = Some(r),
        }
    }
    out
}

fn range_violation(
    reg: &Registers,
    key: KeyId,
    a: Range,
    b: Range,
    why: &'static str,
) -> Violation {
    let mut readers = vec![a.first.1, a.last.1, b.first.1, b.last.1];
    readers.sort_by_key(|r| reg.pos[r.index()]);
    readers.dedup();
    let mut ops = Vec::new();
    let mut edges = Vec::new();
    for r in &readers {
        if let Some(ReadFrom::Write(w)) = reg.read_from(*r) {
            if !ops.contains(&w) {
                ops.push(w);
            }
            edges.push(Edge {
                from: w,
                to: *r,
                label: EdgeLabel::ReadsFrom,
            });
        }
    }
    for pair in readers.windows(2) {
        edges.push(Edge {
            from: pair[0],
            to: pair[1],
            label: EdgeLabel::SessionOrder,
        });
    }
    let explanation = Sentence::new()
        .part(Part::Reads(readers.clone()))
        .text(", in that order: ")
        .text(why);
    ops.extend(readers.iter().copied());
    Violation {
        pattern: Pattern::NonMonotonicRead,
        key: Some(key),
        ops,
        edges,
        explanation,
        partial_order: Vec::new(),
    }
}

/// Monotonic reads, per session and key (see the module docs). Each
/// session's reads are grouped by key (a sort that keeps session order).
pub fn monotonic_reads(history: &History, reg: &Registers) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut index = RangeIndex::new(history.len());
    let mut ranges: Vec<Range> = Vec::new();
    for session in &reg.sessions {
        let mut by_key: Vec<(KeyId, u32)> = session
            .iter()
            .enumerate()
            .filter(|(_, op)| reg.read_from(**op).is_some())
            .map(|(p, &op)| (history.op(op).key, p as u32))
            .collect();
        by_key.sort_unstable();
        for group in by_key.chunk_by(|a, b| a.0 == b.0) {
            index.restart();
            ranges.clear();
            for &(_, p) in group {
                let op = session[p as usize];
                if let Some(src) = reg.read_from(op) {
                    index.extend(&mut ranges, src, p, op);
                }
            }
            for (a, b) in conflicts(ranges.clone(), Some(ReadFrom::Initial)) {
                out.push(range_violation(
                    reg,
                    group[0].0,
                    a,
                    b,
                    "the session's reads went back to a value it had already moved past",
                ));
            }
        }
    }
    out
}

/// Read your writes, per session and key (see the module docs). Each
/// session's operations are grouped by key (a sort that keeps session
/// order). Per key, the forced edges `w → rf(r)` (every own write `w`
/// before the read `r`) can only close a cycle through own writes that
/// the session reads, and every such cycle contains two of them: the
/// session read its own `w_j` after issuing a later own `w_k` that it also
/// reads (one read orders `w_k` before `w_j`, the read of `w_k` orders
/// `w_j` before `w_k`). So a key violates RYW iff it has an initial read
/// after an own write, or such a pair. O(n log n).
pub fn read_your_writes(history: &History, reg: &Registers) -> Vec<Violation> {
    let mut out = Vec::new();
    // First reader in its own session of each own write (per operation).
    let mut own_reader: Vec<Option<OpId>> = vec![None; history.len()];
    // Index of each own write among its session's writes of its key.
    let mut own_index: Vec<u32> = vec![0; history.len()];
    for session in &reg.sessions {
        let mut by_key: Vec<(KeyId, u32)> = session
            .iter()
            .enumerate()
            .map(|(p, &op)| (history.op(op).key, p as u32))
            .collect();
        by_key.sort_unstable();
        let mut at_reads: Vec<(u32, Violation)> = Vec::new();
        for group in by_key.chunk_by(|a, b| a.0 == b.0) {
            let key = group[0].0;
            let ops = group.iter().map(|&(_, p)| (p, session[p as usize]));
            let own = |w: OpId| reg.session_of[w.index()] == reg.session_of[session[0].index()];
            for (_, op) in ops.clone() {
                if let Some(ReadFrom::Write(w)) = reg.read_from(op)
                    && own(w)
                    && own_reader[w.index()].is_none()
                {
                    own_reader[w.index()] = Some(op);
                }
            }
            // The latest own write so far, and the latest one the session
            // reads (somewhere), with its index among the own writes.
            let mut count = 0u32;
            let mut latest: Option<OpId> = None;
            let mut latest_read: Option<(u32, OpId)> = None;
            for (p, op) in ops {
                if reg.is_write(op) {
                    own_index[op.index()] = count;
                    count += 1;
                    latest = Some(op);
                    if own_reader[op.index()].is_some() {
                        latest_read = Some((own_index[op.index()], op));
                    }
                    continue;
                }
                match reg.read_from(op) {
                    Some(ReadFrom::Initial) => {
                        if let Some(w) = latest {
                            at_reads.push((p, initial_read_after_own_write(key, w, op)));
                        }
                    }
                    Some(ReadFrom::Write(w)) if own(w) => {
                        if let Some((k, newer)) = latest_read
                            && own_index[w.index()] < k
                        {
                            let reader = own_reader[newer.index()].expect("marked above");
                            at_reads.push((p, stale_own_write(key, w, newer, reader, op)));
                        }
                    }
                    _ => {}
                }
            }
        }
        at_reads.sort_by_key(|(p, _)| *p);
        out.extend(at_reads.into_iter().map(|(_, v)| v));
    }
    out
}

fn initial_read_after_own_write(key: KeyId, w: OpId, r: OpId) -> Violation {
    Violation {
        pattern: Pattern::InitialReadAfterOwnWrite,
        key: Some(key),
        ops: vec![w, r],
        edges: vec![Edge {
            from: w,
            to: r,
            label: EdgeLabel::SessionOrder,
        }],
        explanation: Sentence::new()
            .write(w)
            .text(" came first in its own session, yet ")
            .read(r)
            .text(": the session did not read its own write"),
        partial_order: Vec::new(),
    }
}

/// The session wrote `w`, later `newer`, read `newer` (at `reader`) and
/// read `w` after issuing `newer` (at `r`): each read forces its own
/// earlier writes before the value it returns, so `w` before `newer` and
/// `newer` before `w`.
fn stale_own_write(key: KeyId, w: OpId, newer: OpId, reader: OpId, r: OpId) -> Violation {
    let mut ops = vec![w, newer, reader, r];
    ops.dedup();
    Violation {
        pattern: Pattern::StaleOwnWrite,
        key: Some(key),
        ops,
        edges: vec![
            Edge {
                from: w,
                to: newer,
                label: EdgeLabel::SessionOrder,
            },
            Edge {
                from: newer,
                to: reader,
                label: EdgeLabel::ReadsFrom,
            },
            Edge {
                from: newer,
                to: r,
                label: EdgeLabel::SessionOrder,
            },
            Edge {
                from: w,
                to: r,
                label: EdgeLabel::ReadsFrom,
            },
        ],
        explanation: Sentence::new()
            .text("the session wrote ")
            .write(w)
            .text(" and then ")
            .write(newer)
            .text("; ")
            .read(reader)
            .text(" puts the older write before the newer one, yet ")
            .read(r)
            .text(" after issuing the newer one: no order of its own writes lets it read both"),
        partial_order: Vec::new(),
    }
}

/// Writes follow reads on its own: a cycle of rf and "read, then a later
/// write of the same session" steps.
pub fn writes_follow_reads(history: &History, reg: &Registers) -> Vec<Violation> {
    let mut edges: Vec<Edge> = Vec::new();
    for (t, session) in reg.sessions.iter().enumerate() {
        // A detached write follows the reads of its parent's chain.
        let mut last_read: Option<OpId> = reg.parent[t].and_then(|p| {
            let ps = reg.session_of[p.index()] as usize;
            reg.chain(ps, reg.pos[p.index()] as usize)
                .into_iter()
                .rev()
                .find(|&o| !reg.is_write(o))
        });
        for &op in session {
            if reg.is_write(op) {
                if let Some(r) = last_read {
                    edges.push(Edge {
                        from: r,
                        to: op,
                        label: EdgeLabel::SessionOrder,
                    });
                }
            } else {
                if let Some(ReadFrom::Write(w)) = reg.read_from(op) {
                    edges.push(Edge {
                        from: w,
                        to: op,
                        label: EdgeLabel::ReadsFrom,
                    });
                }
                if let Some(r) = last_read {
                    edges.push(Edge {
                        from: r,
                        to: op,
                        label: EdgeLabel::SessionOrder,
                    });
                }
                last_read = Some(op);
            }
        }
    }
    let pairs: Vec<(u32, u32)> = edges.iter().map(|e| (e.from.0, e.to.0)).collect();
    let left = kahn_leftover(history.len(), &pairs);
    if !left.iter().any(|&l| l) {
        return Vec::new();
    }
    let Some(cycle) = cycle_among(edges, |op| left[op.index()]) else {
        return Vec::new();
    };
    let ops: Vec<OpId> = cycle.iter().map(|e| e.from).collect();
    let writes: Vec<OpId> = ops.iter().copied().filter(|o| reg.is_write(*o)).collect();
    vec![Violation {
        pattern: Pattern::CyclicWFR,
        key: None,
        ops,
        edges: cycle,
        explanation: Sentence::new()
            .text("each of ")
            .part(Part::Writes(writes))
            .text(" was made after its session read an earlier one of them, in a cycle, so no order of these writes lets writes follow the reads before them"),
        partial_order: Vec::new(),
    }]
}

/// Labels the step `a` → `b` of a chain of evidence: session order inside a
/// session, causal order (a path not spelled out) across sessions.
fn step(reg: &Registers, a: OpId, b: OpId) -> Edge {
    let label = if reg.session_of[a.index()] == reg.session_of[b.index()] {
        EdgeLabel::SessionOrder
    } else {
        EdgeLabel::Causal
    };
    Edge {
        from: a,
        to: b,
        label,
    }
}

fn rf_edge(w: OpId, r: OpId) -> Edge {
    Edge {
        from: w,
        to: r,
        label: EdgeLabel::ReadsFrom,
    }
}

fn forced(a: OpId, b: OpId, rule: Rule) -> Edge {
    Edge {
        from: a,
        to: b,
        label: EdgeLabel::ForcedWriteOrder { rule },
    }
}

/// The evidence of one stale read: `stale` read `seen_by` an older state of
/// its key (`older`, or the initial value when `None`) after its session
/// had observed `observed` (through the read `seen_by`), which the
/// guarantee forces after `newer`, a write of the stale read's key.
struct StaleRead {
    stale: OpId,
    older: Option<OpId>,
    newer: OpId,
    observed: OpId,
    seen_by: OpId,
    /// For writes-follow-reads: a read of `older` in the causal past of
    /// `newer`, which makes `newer` forced newer.
    cause: Option<OpId>,
}

/// Monotonic writes by observation (see the module docs): per session, the
/// knowledge is a vector clock over writer sessions (the highest write
/// index observed), and a read is stale when its writer session has a
/// write of the key after the one read (or any, for an initial read) at an
/// index the session has observed. O(n + Σ per initial read the sessions
/// writing its key) ⊆ O(n·k).
pub fn monotonic_writes(history: &History, reg: &Registers) -> Vec<Violation> {
    let ix = WriteIndex::new(history, reg);
    let detached = Detached::new(reg);
    let k = reg.sessions.len();
    let mut out = Vec::new();
    // K(r): the writes of session t with index below known[t]; P(r), the
    // writes the rule adds (strict predecessors of an observed write):
    // index below pred[t]. Only P makes an initial read stale: reading the
    // initial state after observing w itself is monotonic reads' affair.
    let mut known = vec![0u32; k];
    let mut pred = vec![0u32; k];
    let mut known_src: Vec<Option<(OpId, OpId)>> = vec![None; k];
    for session in &reg.sessions {
        known.iter_mut().for_each(|x| *x = 0);
        pred.iter_mut().for_each(|x| *x = 0);
        known_src.iter_mut().for_each(|x| *x = None);
        for &r in session {
            let Some(src) = reg.read_from(r) else {
                continue;
            };
            if let ReadFrom::Write(w) = src {
                let t = reg.session_of[w.index()] as usize;
                if ix.widx[w.index()] + 1 > known[t] {
                    known[t] = ix.widx[w.index()] + 1;
                    known_src[t] = Some((w, r));
                }
                pred[t] = pred[t].max(ix.widx[w.index()]);
                if let Some((ps, count)) = detached.prior[t] {
                    if count > known[ps] {
                        known[ps] = count;
                        known_src[ps] = Some((w, r));
                    }
                    pred[ps] = pred[ps].max(count);
                }
            }
            let found = match src {
                ReadFrom::Initial => ix.first_writes[history.op(r).key.index()]
                    .iter()
                    .find(|(t, w1)| ix.widx[w1.index()] < pred[*t])
                    .map(|(t, w1)| (None, *w1, *t)),
                ReadFrom::Write(w) => newer_known_write(reg, &ix, &detached, &known, w),
            };
            if let Some((older, newer, t)) = found
                && let Some((observed, seen_by)) = known_src[t]
            {
                out.push(stale_read_violation(
                    history,
                    reg,
                    StaleRead {
                        stale: r,
                        older,
                        newer,
                        observed,
                        seen_by,
                        cause: None,
                    },
                    Guarantee::MonotonicWrites,
                ));
            }
        }
    }
    out
}

/// For a read of `w`: a known write of `w`'s key that its session issued
/// after `w` (the next one in the session, or a known detached write that
/// follows `w`), with its session.
fn newer_known_write(
    reg: &Registers,
    ix: &WriteIndex,
    detached: &Detached,
    known: &[u32],
    w: OpId,
) -> Option<(Option<OpId>, OpId, usize)> {
    let t = reg.session_of[w.index()] as usize;
    let in_session = ix.next_same_key[w.index()]
        .filter(|w1| ix.widx[w1.index()] < known[t])
        .map(|w1| (Some(w), w1, t));
    in_session.or_else(|| {
        detached.of[t].iter().find_map(|&v| {
            let d = reg.sessions[v][0];
            let (_, count) = detached.prior[v]?;
            (known[v] > 0
                && reg.key_of[d.index()] == reg.key_of[w.index()]
                && ix.widx[w.index()] < count)
                .then_some((Some(w), d, v))
        })
    })
}

/// The counted writes of each session, indexed for monotonic writes.
struct WriteIndex {
    /// Index of every counted write among its session's counted writes.
    widx: Vec<u32>,
    /// The next counted write of the same key in the same session.
    next_same_key: Vec<Option<OpId>>,
    /// Per key: each session writing it, with its first write there.
    first_writes: Vec<Vec<(usize, OpId)>>,
}

impl WriteIndex {
    fn new(history: &History, reg: &Registers) -> WriteIndex {
        let mut ix = WriteIndex {
            widx: vec![u32::MAX; history.len()],
            next_same_key: vec![None; history.len()],
            first_writes: vec![Vec::new(); history.key_count()],
        };
        // Per key: (session, its last write of the key so far) while the
        // session is scanned.
        let mut last_of_key: Vec<(usize, OpId)> = vec![(usize::MAX, OpId(0)); history.key_count()];
        for (t, session) in reg.sessions.iter().enumerate() {
            for (count, &op) in session.iter().filter(|&&op| reg.is_write(op)).enumerate() {
                ix.widx[op.index()] = count as u32;
                let key = history.op(op).key.index();
                let (s, prev) = std::mem::replace(&mut last_of_key[key], (t, op));
                if s == t {
                    ix.next_same_key[prev.index()] = Some(op);
                } else {
                    ix.first_writes[key].push((t, op));
                }
            }
        }
        ix
    }
}

/// Detached writes (an unknown-outcome write followed by more of its
/// process's operations) follow their parent's session up to the parent.
struct Detached {
    /// Per session: its parent's session and how many of that session's
    /// counted writes come up to the parent (computed once; every read of
    /// a detached write and of a write it may follow asks).
    prior: Vec<Option<(usize, u32)>>,
    /// Per session: the detached sessions whose parent is in it.
    of: Vec<Vec<usize>>,
}

impl Detached {
    fn new(reg: &Registers) -> Detached {
        let prior = reg
            .parent
            .iter()
            .map(|p| {
                let p = (*p)?;
                let ps = reg.session_of[p.index()] as usize;
                let upto = &reg.sessions[ps][..=reg.pos[p.index()] as usize];
                Some((ps, upto.iter().filter(|&&o| reg.is_write(o)).count() as u32))
            })
            .collect();
        let mut of: Vec<Vec<usize>> = vec![Vec::new(); reg.sessions.len()];
        for (t, p) in reg.parent.iter().enumerate() {
            if let Some(p) = p {
                of[reg.session_of[p.index()] as usize].push(t);
            }
        }
        Detached { prior, of }
    }
}

/// The non-initial reads of one key in one session, with the running join
/// of their sources' causal clocks (the causal past of every write read so
/// far), and for each entry the read whose source set it.
#[derive(Default)]
struct KeyReads {
    pos: Vec<u32>,
    join: Vec<u32>,
    from: Vec<OpId>,
}

/// What writes-follow-reads needs to know of one key's non-initial reads.
struct KeyIndex {
    /// Per session reading the key: its reads with running joins.
    sessions: Vec<(u32, KeyReads)>,
    /// The earliest reader of every write of the key in each session.
    first_reader: FxHashMap<OpId, Vec<(u32, u32)>>,
    /// The first non-initial read of the key in each session.
    first_read: Vec<(u32, u32)>,
}

/// Indexes the non-initial reads of one key, given as (session, position,
/// read, source) in session order within each session: O(reads · k).
fn key_index(clk: &Clocks, reads: &[(u32, u32, OpId, OpId)]) -> KeyIndex {
    let k = clk.k;
    let mut index = KeyIndex {
        sessions: Vec::new(),
        first_reader: FxHashMap::default(),
        first_read: Vec::new(),
    };
    for &(t, p, op, w) in reads {
        let readers = index.first_reader.entry(w).or_default();
        if readers.last().is_none_or(|(u, _)| *u != t) {
            readers.push((t, p));
        }
        if index.sessions.last().is_none_or(|(u, _)| *u != t) {
            index.sessions.push((t, KeyReads::default()));
            index.first_read.push((t, p));
        }
        let kr = &mut index.sessions.last_mut().expect("pushed above").1;
        let m = kr.pos.len();
        if m == 0 {
            kr.join.extend_from_slice(clk.of(w));
            kr.from.extend(std::iter::repeat_n(op, k));
        } else {
            kr.join.extend_from_within((m - 1) * k..m * k);
            kr.from.extend_from_within((m - 1) * k..m * k);
            for (j, &c) in clk.of(w).iter().enumerate() {
                if c > kr.join[m * k + j] {
                    kr.join[m * k + j] = c;
                    kr.from[m * k + j] = op;
                }
            }
        }
        kr.pos.push(p);
    }
    index
}

/// Writes follow reads by observation (see the module docs), from the CC
/// scan's facts: its clocks, and the reads it found bad, the only ones
/// that can be stale here (a stale read `r` of `w'` has seen a write `w`
/// of its key with `w'` co `w` co `r`: a WriteCORead).
pub fn writes_follow_reads_observed(
    history: &History,
    reg: &Registers,
    facts: &CausalFacts,
) -> Vec<Violation> {
    let Some(clk) = facts.clocks.as_ref() else {
        // Causal order is cyclic, and every cycle of so ∪ rf enters each
        // session at a read and leaves it at a later write: it is a cycle
        // of the WFR steps, which this search reports.
        return writes_follow_reads(history, reg);
    };
    if facts.bad_reads.is_empty() {
        return Vec::new();
    }
    // The bad reads of each key, with their clocks (reads have no stored
    // clock in `clk`; the scan kept those of the bad ones).
    let mut bad_of_key: FxHashMap<KeyId, Vec<(OpId, &[u32])>> = FxHashMap::default();
    for (&r, c) in facts
        .bad_reads
        .iter()
        .zip(facts.bad_read_clocks.chunks_exact(clk.k))
    {
        bad_of_key
            .entry(history.op(r).key)
            .or_default()
            .push((r, c));
    }
    // The non-initial reads of the keys with bad reads, in session order
    // within each session: (session, position, read, source).
    let mut reads_of_key: FxHashMap<KeyId, Vec<(u32, u32, OpId, OpId)>> =
        bad_of_key.keys().map(|&key| (key, Vec::new())).collect();
    for (t, session) in reg.sessions.iter().enumerate() {
        for (p, &op) in session.iter().enumerate() {
            if let Some(ReadFrom::Write(w)) = reg.read_from(op)
                && let Some(list) = reads_of_key.get_mut(&history.op(op).key)
            {
                list.push((t as u32, p as u32, op, w));
            }
        }
    }
    // The earliest reader of each write in each session, for the rare
    // initial read after an own non-initial read of its key: built once,
    // when first asked (O(n)).
    let all_readers: std::cell::OnceCell<FxHashMap<OpId, Vec<(u32, u32)>>> =
        std::cell::OnceCell::new();
    let readers_of = |w: OpId| -> Vec<(u32, u32)> {
        let map = all_readers.get_or_init(|| {
            let mut map: FxHashMap<OpId, Vec<(u32, u32)>> = FxHashMap::default();
            for (t, session) in reg.sessions.iter().enumerate() {
                for (p, &op) in session.iter().enumerate() {
                    if let Some(ReadFrom::Write(w)) = reg.read_from(op) {
                        let list = map.entry(w).or_default();
                        if list.last().is_none_or(|(u, _)| *u != t as u32) {
                            list.push((t as u32, p as u32));
                        }
                    }
                }
            }
            map
        });
        map.get(&w).cloned().unwrap_or_default()
    };
    let mut keys: Vec<KeyId> = bad_of_key.keys().copied().collect();
    keys.sort_unstable();
    let mut out = Vec::new();
    // One key at a time, so that the running joins of one key only are
    // held at once.
    for key in keys {
        let reads = reads_of_key.remove(&key).unwrap_or_default();
        let index = key_index(clk, &reads);
        out.extend(
            bad_of_key[&key]
                .iter()
                .filter_map(|&(r, c)| stale_read_of_key(reg, clk.k, &index, &readers_of, r, c))
                .map(|v| stale_read_violation(history, reg, v, Guarantee::WritesFollowReads)),
        );
    }
    out.sort_by_key(|v| {
        let r = *v.ops.last().expect("a stale read names its read");
        (reg.session_of[r.index()], reg.pos[r.index()])
    });
    out
}

/// Whether the read `r`, with clock `c` over `k` sessions, is stale under
/// writes follow reads, from the index of its key's reads. A write is known
/// at `o` when one of its readers is in the causal past of `o` (module
/// docs).
fn stale_read_of_key(
    reg: &Registers,
    k: usize,
    index: &KeyIndex,
    readers_of: &dyn Fn(OpId) -> Vec<(u32, u32)>,
    r: OpId,
    c: &[u32],
) -> Option<StaleRead> {
    match reg.read_from(r)? {
        // A write of the key is in P(r): read by a read `r''` of another
        // session in the causal past (the path from `r''` leaves its
        // session through a later write, which is known), or by an own
        // earlier read followed by an own write that is known (read in the
        // causal past). A non-initial own read alone is monotonic reads'.
        ReadFrom::Initial => {
            let s = reg.session_of[r.index()];
            let other = index
                .first_read
                .iter()
                .find(|(u, p)| *u != s && *p < c[*u as usize])
                .map(|&(u, p)| (reg.sessions[u as usize][p as usize], None));
            let found = other.or_else(|| {
                let &(_, p0) = index.first_read.iter().find(|(u, _)| *u == s)?;
                if p0 >= reg.pos[r.index()] {
                    return None;
                }
                let session = &reg.sessions[s as usize];
                session[p0 as usize + 1..reg.pos[r.index()] as usize]
                    .iter()
                    .rev()
                    .filter(|&&w| reg.is_write(w))
                    .find_map(|&w| {
                        let (t, p) = readers_of(w)
                            .iter()
                            .copied()
                            .find(|&(t, p)| p < c[t as usize])?;
                        Some((
                            session[p0 as usize],
                            Some((w, reg.sessions[t as usize][p as usize])),
                        ))
                    })
            });
            let (first, known) = found?;
            let Some(ReadFrom::Write(newer)) = reg.read_from(first) else {
                return None;
            };
            let (observed, seen_by) = known.unwrap_or((newer, first));
            Some(StaleRead {
                stale: r,
                older: None,
                newer,
                observed,
                seen_by,
                cause: None,
            })
        }
        // Some read `r2` of the key in the causal past read a write whose
        // causal past holds a read `r1` of the write `r` returns: that
        // write is forced newer by (rf;so)⁺.
        ReadFrom::Write(older) => {
            let readers = index.first_reader.get(&older).map_or(&[][..], |v| &v[..]);
            index.sessions.iter().find_map(|(t, kr)| {
                let idx = kr.pos.partition_point(|&p| p < c[*t as usize]);
                let row = idx.checked_sub(1)?;
                readers.iter().find_map(|&(u, p)| {
                    let e = row * k + u as usize;
                    if p >= kr.join[e] {
                        return None;
                    }
                    let seen_by = kr.from[e];
                    let Some(ReadFrom::Write(newer)) = reg.read_from(seen_by) else {
                        return None;
                    };
                    Some(StaleRead {
                        stale: r,
                        older: Some(older),
                        newer,
                        observed: newer,
                        seen_by,
                        cause: Some(reg.sessions[u as usize][p as usize]),
                    })
                })
            })
        }
    }
}

fn stale_read_violation(
    history: &History,
    reg: &Registers,
    v: StaleRead,
    guarantee: Guarantee,
) -> Violation {
    let (pattern, rule) = match guarantee {
        Guarantee::MonotonicWrites => (Pattern::MonotonicWritesViolation, Rule::MonotonicWrites),
        _ => (Pattern::WritesFollowReadsViolation, Rule::WritesFollowReads),
    };
    let mut ops = Vec::new();
    let mut edges = Vec::new();
    if let Some(older) = v.older {
        ops.push(older);
    }
    ops.push(v.newer);
    if v.observed != v.newer {
        ops.push(v.observed);
    }
    ops.push(v.seen_by);
    ops.push(v.stale);
    // Why `newer` is forced newer than the stale state.
    let mut why_newer = Sentence::new();
    match guarantee {
        Guarantee::MonotonicWrites => {
            if let Some(older) = v.older {
                edges.push(step(reg, older, v.newer));
            }
            if v.observed != v.newer {
                edges.push(step(reg, v.newer, v.observed));
                why_newer = Sentence::new()
                    .text(", which ")
                    .part(Part::Process(history.op(v.observed).process))
                    .text(" issued after its ")
                    .part(Part::WriteOnly(v.newer));
            }
        }
        _ => {
            if let Some(older) = v.older {
                // A read of `older` lies in the causal past of `newer`.
                edges.push(forced(older, v.newer, rule));
                if let Some(r1) = v.cause {
                    ops.insert(1, r1);
                    edges.push(rf_edge(older, r1));
                    edges.push(step(reg, r1, v.newer));
                    why_newer = Sentence::new()
                        .text(", and that write was made after ")
                        .write(older)
                        .text(" had been observed (")
                        .read(r1)
                        .text("), so it must be newer");
                }
            }
        }
    }
    edges.push(rf_edge(v.observed, v.seen_by));
    if v.seen_by != v.stale {
        edges.push(step(reg, v.seen_by, v.stale));
    }
    edges.push(forced(v.newer, v.stale, rule));
    if let Some(older) = v.older {
        edges.push(rf_edge(older, v.stale));
    }
    let observed = Sentence::new()
        .read(v.stale)
        .text(" after it had observed ")
        .write(v.observed);
    let observed = match guarantee {
        Guarantee::MonotonicWrites => observed.text(" (").read(v.seen_by).text(")"),
        _ => observed
            .text(" (through ")
            .read(v.seen_by)
            .text(", in its causal past via reads-from and reads before writes)"),
    };
    let explanation = observed.extend(why_newer).text(": the state read is ");
    let explanation = match v.older {
        Some(_) => explanation.text("older than ").write(v.newer),
        None => explanation
            .text("the initial value, although ")
            .write(v.newer)
            .text(" must come before"),
    };
    Violation {
        pattern,
        key: Some(history.op(v.stale).key),
        ops,
        edges,
        explanation,
        partial_order: Vec::new(),
    }
}
