//! Session guarantees (Terry, Demers, Petersen, Spreitzer, Theimer, Welch,
//! "Session guarantees for weakly consistent replicated data", PDIS 1994),
//! checked on histories, each on its own.
//!
//! # Definitions
//!
//! Everything is defined over **each session's own view** (as PRAM's
//! per-process views are; DEFINITIONS.md warns that one write order per key
//! shared by all readers turns RYW and MR into global constraints). For an
//! observing session `s`, a *view* `V_s` is a total order of the counted
//! writes of every session and the counted reads of `s` that is *legal*:
//! every read returns the value of the last write to its key before it in
//! `V_s`, or the key's initial value when there is none. Every guarantee
//! also includes the sanity axioms (a read returns an effective write that
//! was not invoked after it returned nor issued later in its own session).
//! A guarantee holds when every session has a view with these constraints:
//!
//! * **RYW** (read your writes): for own operations `a` so `b` where one is a
//!   write and the other a read, `a` comes before `b` in `V_s`. A session's
//!   own write enters its view exactly where it was issued: after the reads
//!   that preceded it and before the reads that follow it.
//! * **MR** (monotonic reads): the reads of `s` appear in `V_s` in session
//!   order (each read sees at least what the earlier ones saw).
//! * **MW** (monotonic writes): for every session `t`, the writes of `t`
//!   appear in every view in `t`'s session order.
//! * **WFR** (writes follow reads): when `r` so `w` in a session `t` and `r`
//!   read from `w0`, then `w0` comes before `w` in every view.
//!
//! Checked together these give the lattice of DEFINITIONS.md exactly:
//! views with RYW ∧ MR ∧ MW respect every session order, which is Lipton
//! and Sandberg's PRAM (`check::pram`); adding WFR makes them respect
//! causal order (so ∪ rf)⁺, which is Ahamad et al.'s causal memory
//! (`check::causal`). **Checked one at a time** (this module) each
//! guarantee gets its own views, and the conjunction of separate verdicts
//! is weaker than the joint check:
//!
//! * RYW alone allows `w(x,1) w(x,2) r(x)=1` in one session (nothing
//!   orders the two writes); MW refutes it only together with RYW — PRAM
//!   does.
//! * MW alone constrains only the order of writes; the reads of a view are
//!   then free to sit right after the write they read, so MW alone is never
//!   violated beyond the sanity patterns. DEFINITIONS.md's MW example ("a
//!   session reads w2, later reads w1's key's older value") needs MR too.
//! * WFR alone is violated only by a cycle of reads-from and
//!   read-then-write session steps (`CyclicWFR`); its usual examples need
//!   MR and RYW too, i.e. causal memory.
//! * With the RYW above, `r(x)=1 [from p2], w(x,2), r(x)=1` in one session
//!   is already an RYW violation (DEFINITIONS.md attributes it to WFR; in
//!   a view where the own write sits where it was issued, the second read
//!   must see 2 or a later write, and the only candidate, 1, is earlier).
//!
//! So users who want "the session guarantees" want PRAM or causal.
//!
//! # Algorithms (all O(n log n))
//!
//! * **MR**: per session and key, reads are totally ordered and writes are
//!   free, so a view exists iff the reads of each source form one
//!   contiguous run (a value read, then another, is never read again) and
//!   initial-value reads come first.
//! * **RYW**: the own operations of a session fall into maximal blocks of
//!   reads and of writes; blocks are totally ordered, operations inside a
//!   block are not. Per key, the own writes split the reads into intervals;
//!   in each interval the reads of each source must occupy non-overlapping
//!   ranges of blocks, the own source (the latest own write block) or the
//!   initial value first, and no source may be read on both sides of an own
//!   write of the key.
//! * **WFR**: a cycle search over rf plus "read → later write of the same
//!   session" with O(n) edges (each write hangs off the last read before it;
//!   reads are chained).

use crate::check::sanity::{Prepared, describe_read, describe_write, finish, prepare};
use crate::check::{CheckConfig, Edge, EdgeLabel, Guarantee, GuaranteeResult, Violation};
use crate::history::{History, KeyId, OpId};
use crate::order::graph::{cycle_among, kahn_leftover};
use crate::order::relations::{ReadFrom, Registers};
use rustc_hash::FxHashMap;

/// Checks one session guarantee on its own (see the module docs).
pub fn check(history: &History, guarantee: Guarantee, config: &CheckConfig) -> GuaranteeResult {
    check_prepared(history, &prepare(history), guarantee, config)
}

/// Like [`check`], from a shared preparation.
pub fn check_prepared(
    history: &History,
    prepared: &Prepared,
    guarantee: Guarantee,
    config: &CheckConfig,
) -> GuaranteeResult {
    if prepared.reg.unsupported.is_some() {
        return finish(guarantee, prepared, history, Vec::new(), config);
    }
    let found = match guarantee {
        Guarantee::ReadYourWrites => read_your_writes(history, &prepared.reg),
        Guarantee::MonotonicReads => monotonic_reads(history, &prepared.reg),
        Guarantee::WritesFollowReads => writes_follow_reads(history, &prepared.reg),
        // MW alone only orders writes; see the module docs.
        _ => Vec::new(),
    };
    finish(guarantee, prepared, history, found, config)
}

/// A source read in a stretch of a session: its first and last reader with
/// their block numbers.
#[derive(Clone, Copy, Debug)]
struct Range {
    src: ReadFrom,
    first: (u32, OpId),
    last: (u32, OpId),
}

fn extend(
    ranges: &mut Vec<Range>,
    index: &mut FxHashMap<ReadFrom, usize>,
    src: ReadFrom,
    block: u32,
    r: OpId,
) {
    match index.get(&src) {
        Some(&i) => ranges[i].last = (block, r),
        None => {
            index.insert(src, ranges.len());
            ranges.push(Range {
                src,
                first: (block, r),
                last: (block, r),
            });
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
    history: &History,
    reg: &Registers,
    key: KeyId,
    a: Range,
    b: Range,
    why: &str,
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
    let seq: Vec<String> = readers.iter().map(|r| describe_read(history, *r)).collect();
    ops.extend(readers.iter().copied());
    Violation {
        pattern: "NonMonotonicRead".to_string(),
        key: Some(key),
        ops,
        edges,
        explanation: format!("{}, in that order: {why}", seq.join(", then ")),
        partial_order: Vec::new(),
    }
}

/// Monotonic reads, per session and key (see the module docs).
pub fn monotonic_reads(history: &History, reg: &Registers) -> Vec<Violation> {
    let mut out = Vec::new();
    for session in &reg.sessions {
        let mut per_key: FxHashMap<KeyId, (Vec<Range>, FxHashMap<ReadFrom, usize>)> =
            FxHashMap::default();
        for (i, &op) in session.iter().enumerate() {
            if let Some(src) = reg.read_from(op) {
                let (ranges, index) = per_key.entry(history.op(op).key).or_default();
                extend(ranges, index, src, i as u32, op);
            }
        }
        let mut keys: Vec<_> = per_key.into_iter().collect();
        keys.sort_by_key(|(k, _)| *k);
        for (key, (ranges, _)) in keys {
            for (a, b) in conflicts(ranges, Some(ReadFrom::Initial)) {
                out.push(range_violation(
                    history,
                    reg,
                    key,
                    a,
                    b,
                    "the session's reads went back to a value it had already moved past",
                ));
            }
        }
    }
    out
}

#[derive(Default)]
struct KeyState {
    /// Own write blocks of the key: block number and the writes.
    write_blocks: Vec<(u32, Vec<OpId>)>,
    /// Per interval (number of own write blocks before): source ranges.
    intervals: Vec<(Vec<Range>, FxHashMap<ReadFrom, usize>)>,
    /// For each external source: the interval and reader it was first read in.
    external_seen: FxHashMap<OpId, (usize, OpId)>,
}

/// Read your writes, per session and key (see the module docs).
pub fn read_your_writes(history: &History, reg: &Registers) -> Vec<Violation> {
    let mut out = Vec::new();
    for session in &reg.sessions {
        let mut block = 0u32;
        let mut prev_is_write: Option<bool> = None;
        let mut keys: FxHashMap<KeyId, KeyState> = FxHashMap::default();
        let mut own_block_of: FxHashMap<OpId, usize> = FxHashMap::default();
        for &op in session {
            let is_write = reg.is_write(op);
            if prev_is_write.is_some_and(|p| p != is_write) {
                block += 1;
            }
            prev_is_write = Some(is_write);
            let key = history.op(op).key;
            let st = keys.entry(key).or_default();
            if is_write {
                match st.write_blocks.last_mut() {
                    Some((b, ws)) if *b == block => ws.push(op),
                    _ => st.write_blocks.push((block, vec![op])),
                }
                own_block_of.insert(op, st.write_blocks.len() - 1);
                continue;
            }
            let Some(src) = reg.read_from(op) else {
                continue;
            };
            let interval = st.write_blocks.len();
            let latest_own = st.write_blocks.last().map(|(_, ws)| ws[0]);
            match src {
                ReadFrom::Initial if interval > 0 => {
                    let w = latest_own.unwrap_or(op);
                    out.push(Violation {
                        pattern: "InitialReadAfterOwnWrite".to_string(),
                        key: Some(key),
                        ops: vec![w, op],
                        edges: vec![Edge {
                            from: w,
                            to: op,
                            label: EdgeLabel::SessionOrder,
                        }],
                        explanation: format!(
                            "{} came first in its own session, yet {}: the session did not read its own write",
                            describe_write(history, w),
                            describe_read(history, op)
                        ),
                        partial_order: Vec::new(),
                    });
                    continue;
                }
                ReadFrom::Write(w) if history.op(w).process == history.op(op).process => {
                    let j = own_block_of.get(&w).copied().unwrap_or(0);
                    if j + 1 < interval {
                        let newer = latest_own.unwrap_or(w);
                        out.push(Violation {
                            pattern: "StaleOwnWrite".to_string(),
                            key: Some(key),
                            ops: vec![w, newer, op],
                            edges: vec![
                                Edge {
                                    from: w,
                                    to: newer,
                                    label: EdgeLabel::SessionOrder,
                                },
                                Edge {
                                    from: newer,
                                    to: op,
                                    label: EdgeLabel::SessionOrder,
                                },
                                Edge {
                                    from: w,
                                    to: op,
                                    label: EdgeLabel::ReadsFrom,
                                },
                            ],
                            explanation: format!(
                                "{} and later {}, with a read in between, yet {} : the session read its older write after its newer one",
                                describe_write(history, w),
                                describe_write(history, newer),
                                describe_read(history, op)
                            ),
                            partial_order: Vec::new(),
                        });
                        continue;
                    }
                }
                ReadFrom::Write(e) => match st.external_seen.get(&e) {
                    Some(&(i0, r0)) if i0 < interval => {
                        let mid = st.write_blocks[i0].1[0];
                        out.push(Violation {
                            pattern: "ReadAroundOwnWrite".to_string(),
                            key: Some(key),
                            ops: vec![e, r0, mid, op],
                            edges: vec![
                                Edge {
                                    from: e,
                                    to: r0,
                                    label: EdgeLabel::ReadsFrom,
                                },
                                Edge {
                                    from: r0,
                                    to: mid,
                                    label: EdgeLabel::SessionOrder,
                                },
                                Edge {
                                    from: mid,
                                    to: op,
                                    label: EdgeLabel::SessionOrder,
                                },
                                Edge {
                                    from: e,
                                    to: op,
                                    label: EdgeLabel::ReadsFrom,
                                },
                            ],
                            explanation: format!(
                                "{}, then made {}, then {} again: the own write must be visible to the later read and overwrite the older value",
                                describe_read(history, r0),
                                describe_write(history, mid),
                                describe_read(history, op)
                            ),
                            partial_order: Vec::new(),
                        });
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        st.external_seen.insert(e, (interval, op));
                    }
                },
                ReadFrom::Initial => {}
            }
            while st.intervals.len() <= interval {
                st.intervals.push(Default::default());
            }
            let (ranges, index) = &mut st.intervals[interval];
            extend(ranges, index, src, block, op);
        }
        let mut keys: Vec<_> = keys.into_iter().collect();
        keys.sort_by_key(|(k, _)| *k);
        for (key, st) in keys {
            for (i, (ranges, _)) in st.intervals.into_iter().enumerate() {
                let own: Vec<ReadFrom> = ranges
                    .iter()
                    .map(|r| r.src)
                    .filter(|s| matches!(s, ReadFrom::Write(w) if own_block_of.contains_key(w)))
                    .collect();
                let first = if i == 0 {
                    Some(ReadFrom::Initial)
                } else {
                    own.first().copied()
                };
                if own.len() > 1 {
                    let a = ranges.iter().find(|r| r.src == own[0]).copied();
                    let b = ranges.iter().find(|r| r.src == own[1]).copied();
                    if let (Some(a), Some(b)) = (a, b) {
                        out.push(range_violation(
                            history,
                            reg,
                            key,
                            a,
                            b,
                            "both values are the session's own writes from before these reads, and only one of them can be its latest",
                        ));
                    }
                    continue;
                }
                for (a, b) in conflicts(ranges, first) {
                    out.push(range_violation(
                        history,
                        reg,
                        key,
                        a,
                        b,
                        "with the session's own writes fixed where they were issued, no view lets each read return the latest value it sees",
                    ));
                }
            }
        }
    }
    out
}

/// Writes follow reads on its own: a cycle of rf and "read, then a later
/// write of the same session" steps.
pub fn writes_follow_reads(history: &History, reg: &Registers) -> Vec<Violation> {
    let mut edges: Vec<Edge> = Vec::new();
    for session in &reg.sessions {
        let mut last_read: Option<OpId> = None;
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
    let writes: Vec<String> = ops
        .iter()
        .filter(|o| reg.is_write(**o))
        .map(|w| describe_write(history, *w))
        .collect();
    vec![Violation {
        pattern: "CyclicWFR".to_string(),
        key: None,
        ops,
        edges: cycle,
        explanation: format!(
            "each of {} was made after its session read an earlier one of them, in a cycle, so no order of these writes lets writes follow the reads before them",
            writes.join(", ")
        ),
        partial_order: Vec::new(),
    }]
}
