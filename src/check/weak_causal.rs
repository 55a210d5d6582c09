//! Weak causal consistency, CC (Bouajjani, Enea, Guerraoui, Hamza, "On
//! verifying causal consistency", POPL 2017, §3–§5).
//!
//! # Definition
//!
//! Causal order co = (so ∪ rf)⁺. A history is CC when co is acyclic and
//! every read `r` can be explained by its own causal past alone: some order
//! of the writes co-before `r` that respects co makes `r` return the last
//! write to its key (or the initial value when there is none). With unique
//! values this is equivalent to the absence of four bad patterns (their
//! Theorem 3), which is what this module checks:
//!
//! * **CyclicCO**: so ∪ rf has a cycle.
//! * **WriteCOInitRead**: a write of `x` is co-before a read of `x` that
//!   returned the initial value.
//! * **ThinAirRead**: see `check::sanity`.
//! * **WriteCORead**: `w1` rf `r`, and a write `w2` of the same key with
//!   `w1` co `w2` co `r`: the read missed a newer write it had causally seen.
//!
//! ```text
//!   p1: w(x,1) ──so──▶ w(x,2)
//!                        │ rf
//!   p2:                  ▼
//!                     r(x)=2 ──so──▶ r(x)=1     WriteCORead: 1 co 2 co r
//! ```
//!
//! # Algorithm, O(n·k) for k sessions
//!
//! Vector clocks in topological order give co (`order::vclock`). For each
//! read of `x`, and each session `j`, the last write to `x` by `j` inside
//! the read's causal past is found by a pointer that only moves forward
//! while the reader's session is scanned in session order (its clocks grow
//! monotonically), instead of a binary search per read as in AWDIT
//! (Møldrup & Pavlogiannis, PLDI 2025). A read of `x` from `w` is bad iff
//! one of these last writes is a co-successor of `w` (a WriteCORead;
//! checking the last write per session suffices because earlier ones are
//! co-before it), or exists at all for an initial read. The same scan
//! yields the conflict edges CCv needs (`check::causal_convergence`).

use crate::check::sanity::{Prepared, describe_read, describe_write, finish, prepare};
use crate::check::{CheckConfig, Edge, EdgeLabel, Guarantee, GuaranteeResult, Violation};
use crate::history::{History, OpId};
use crate::order::graph::cycle_among;
use crate::order::relations::{ReadFrom, Registers};
use crate::order::vclock::{Clocks, Preds, clocks, rf_pairs};

/// Counted writes grouped by (key, writing session), each list in session
/// order. Lists of one key are consecutive and their writes are stored
/// contiguously (with their session positions), so that scanning the lists
/// of a read's key touches a few cache lines rather than one per session.
#[derive(Clone, Debug, Default)]
pub struct WriteLists {
    /// Lists of key `x`: ids `key_start[x]..key_start[x + 1]`.
    key_start: Vec<u32>,
    /// Writing session of each list.
    list_session: Vec<u32>,
    /// Writes of list `l`: `writes[list_start[l]..list_start[l + 1]]`.
    list_start: Vec<u32>,
    writes: Vec<OpId>,
    /// Session position of each entry of `writes`.
    write_pos: Vec<u32>,
}

impl WriteLists {
    /// Number of (key, session) lists: the size of a pointer array.
    pub fn list_count(&self) -> usize {
        self.list_session.len()
    }
}

/// Builds the write lists of a classified history.
pub fn write_lists(history: &History, reg: &Registers) -> WriteLists {
    let mut all: Vec<(u32, u32, u32, OpId)> = reg
        .sessions
        .iter()
        .flatten()
        .filter(|op| reg.is_write(**op))
        .map(|&op| {
            (
                reg.key_of[op.index()],
                reg.session_of[op.index()],
                reg.pos[op.index()],
                op,
            )
        })
        .collect();
    all.sort_unstable();
    let mut wl = WriteLists {
        key_start: vec![0; history.key_count() + 1],
        ..WriteLists::default()
    };
    let mut prev: Option<(u32, u32)> = None;
    for &(key, session, pos, op) in &all {
        if prev != Some((key, session)) {
            wl.list_session.push(session);
            wl.list_start.push(wl.writes.len() as u32);
            wl.key_start[key as usize + 1] += 1;
            prev = Some((key, session));
        }
        wl.writes.push(op);
        wl.write_pos.push(pos);
    }
    wl.list_start.push(wl.writes.len() as u32);
    for k in 0..history.key_count() {
        wl.key_start[k + 1] += wl.key_start[k];
    }
    wl
}

/// For each read of `reads` (one session, in session order), calls `f(read,
/// last)` for every session's last write to the read's key inside the
/// read's past under `clocks`. `ptr` must have one zeroed entry per list:
/// the number of the list's writes already known to be in the past.
pub fn scan_last_writes(
    reg: &Registers,
    wl: &WriteLists,
    clocks: &Clocks,
    reads: &[OpId],
    ptr: &mut [u32],
    mut f: impl FnMut(OpId, LastWrite),
) {
    for &r in reads {
        let vc = clocks.of(r);
        let key = reg.key_of[r.index()] as usize;
        for lid in wl.key_start[key] as usize..wl.key_start[key + 1] as usize {
            let (lo, hi) = (wl.list_start[lid], wl.list_start[lid + 1]);
            let limit = vc[wl.list_session[lid] as usize];
            // `ptr` counts the list's writes known to be in the past.
            let p = &mut ptr[lid];
            while lo + *p < hi && wl.write_pos[(lo + *p) as usize] < limit {
                *p += 1;
            }
            if *p > 0 {
                let i = (lo + *p - 1) as usize;
                f(
                    r,
                    LastWrite {
                        op: wl.writes[i],
                        session: wl.list_session[lid],
                        pos: wl.write_pos[i],
                    },
                );
            }
        }
    }
}

/// A last write found by [`scan_last_writes`], with its session and
/// position at hand so that callers need not look them up.
#[derive(Copy, Clone, Debug)]
pub struct LastWrite {
    pub op: OpId,
    pub session: u32,
    pub pos: u32,
}

impl LastWrite {
    /// True when this write is in the past of `b` under `clocks`.
    #[inline]
    pub fn before_or_eq(self, clocks: &Clocks, b: OpId) -> bool {
        clocks.of(b)[self.session as usize] > self.pos
    }
}

/// What the causal scan found.
#[derive(Clone, Debug, Default)]
pub struct CausalFacts {
    /// co clocks, when co is acyclic.
    pub clocks: Option<Clocks>,
    /// CyclicCO, WriteCOInitRead and WriteCORead violations.
    pub violations: Vec<Violation>,
    /// Conflict pairs `(w, w')`: `w'` must be arbitrated before `w` (CCv),
    /// only those not already implied by co.
    pub cf: Vec<(OpId, OpId)>,
    pub write_lists: WriteLists,
    /// The reads of the WriteCORead and WriteCOInitRead violations, in
    /// the order found. Writes-follow-reads judges only these
    /// (`check::session`): each of its stale reads is one of them.
    pub bad_reads: Vec<OpId>,
}

/// Runs the CC scan (see the module docs); `want_cf` also collects the
/// conflict pairs.
pub fn causal_facts(history: &History, reg: &Registers, want_cf: bool) -> CausalFacts {
    let rf = rf_pairs(history, reg, |_| true);
    let preds = Preds::from_pairs(history.len(), &rf);
    let wl = write_lists(history, reg);
    let clocks = match clocks(history, reg, &preds) {
        Ok(c) => c,
        Err(left) => {
            let violations = cyclic(history, reg, &rf, &[], &left, "CyclicCO")
                .into_iter()
                .collect();
            return CausalFacts {
                clocks: None,
                violations,
                cf: Vec::new(),
                write_lists: wl,
                bad_reads: Vec::new(),
            };
        }
    };
    let mut violations = Vec::new();
    let mut cf = Vec::new();
    let mut bad_reads = Vec::new();
    let mut ptr = vec![0u32; wl.list_count()];
    for session in &reg.sessions {
        ptr.iter_mut().for_each(|p| *p = 0);
        let reads: Vec<OpId> = session
            .iter()
            .copied()
            .filter(|o| !reg.is_write(*o))
            .collect();
        let mut reported: Option<OpId> = None;
        scan_last_writes(reg, &wl, &clocks, &reads, &mut ptr, |r, last| {
            let lw = last.op;
            let Some(src) = reg.read_from(r) else { return };
            match src {
                ReadFrom::Initial => {
                    if reported != Some(r) {
                        reported = Some(r);
                        bad_reads.push(r);
                        violations.push(Violation {
                            pattern: "WriteCOInitRead".to_string(),
                            key: Some(history.op(r).key),
                            ops: vec![lw, r],
                            edges: vec![Edge {
                                from: lw,
                                to: r,
                                label: EdgeLabel::Causal,
                            }],
                            explanation: format!(
                                "{} although {} is in its causal past",
                                describe_read(history, r),
                                describe_write(history, lw)
                            ),
                            partial_order: Vec::new(),
                        });
                    }
                }
                // Most last writes are already in the past of the read's
                // source: one look at the source's clock row (hot in cache
                // across the sessions of one read) settles them without
                // touching the last write's own clock.
                ReadFrom::Write(w) if w != lw && !last.before_or_eq(&clocks, w) => {
                    if clocks.before_or_eq(reg, w, lw) {
                        if reported != Some(r) {
                            reported = Some(r);
                            bad_reads.push(r);
                            violations.push(Violation {
                                pattern: "WriteCORead".to_string(),
                                key: Some(history.op(r).key),
                                ops: vec![w, lw, r],
                                edges: vec![
                                    Edge {
                                        from: w,
                                        to: r,
                                        label: EdgeLabel::ReadsFrom,
                                    },
                                    Edge {
                                        from: w,
                                        to: lw,
                                        label: EdgeLabel::Causal,
                                    },
                                    Edge {
                                        from: lw,
                                        to: r,
                                        label: EdgeLabel::Causal,
                                    },
                                ],
                                explanation: format!(
                                    "{} after it had causally seen {}, which causally follows {}",
                                    describe_read(history, r),
                                    describe_write(history, lw),
                                    describe_write(history, w)
                                ),
                                partial_order: Vec::new(),
                            });
                        }
                    } else if want_cf {
                        cf.push((w, lw));
                    }
                }
                ReadFrom::Write(_) => {}
            }
        });
    }
    CausalFacts {
        clocks: Some(clocks),
        violations,
        cf,
        write_lists: wl,
        bad_reads,
    }
}

/// A cycle violation among the operations `left` by a failed topological
/// sort of session chains + `rf` + `forced` (pairs `(target, source)`).
pub fn cyclic(
    history: &History,
    reg: &Registers,
    rf: &[(OpId, OpId)],
    forced: &[(OpId, OpId, &str)],
    left: &[OpId],
    pattern: &str,
) -> Option<Violation> {
    let mut is_left = vec![false; history.len()];
    for op in left {
        is_left[op.index()] = true;
    }
    let mut edges = Vec::new();
    for s in &reg.sessions {
        for w in s.windows(2) {
            edges.push(Edge {
                from: w[0],
                to: w[1],
                label: EdgeLabel::SessionOrder,
            });
        }
    }
    edges.extend(rf.iter().map(|(r, w)| Edge {
        from: *w,
        to: *r,
        label: EdgeLabel::ReadsFrom,
    }));
    edges.extend(forced.iter().map(|(t, s, rule)| Edge {
        from: *s,
        to: *t,
        label: EdgeLabel::ForcedWriteOrder {
            rule: rule.to_string(),
        },
    }));
    let cycle = cycle_among(edges, |op| is_left[op.index()])?;
    let ops: Vec<OpId> = cycle.iter().map(|e| e.from).collect();
    let steps: Vec<String> = cycle
        .iter()
        .map(|e| match &e.label {
            EdgeLabel::ReadsFrom => format!(
                "{} was read by {}",
                short(history, e.from),
                short(history, e.to)
            ),
            EdgeLabel::SessionOrder => format!(
                "{} came before {} in its session",
                short(history, e.from),
                short(history, e.to)
            ),
            EdgeLabel::ForcedWriteOrder { rule } => {
                format!(
                    "{} must be ordered before {} ({rule})",
                    short(history, e.from),
                    short(history, e.to)
                )
            }
            other => format!(
                "{} {} {}",
                short(history, e.from),
                other.short(),
                short(history, e.to)
            ),
        })
        .collect();
    Some(Violation {
        pattern: pattern.to_string(),
        key: None,
        ops,
        edges: cycle,
        explanation: format!(
            "these operations must each precede the next, in a cycle: {}",
            steps.join("; ")
        ),
        partial_order: Vec::new(),
    })
}

/// `p1 write x 1 (line 3)`.
pub fn short(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => history.describe(op),
        l => format!("{} (line {l})", history.describe(op)),
    }
}

/// Checks weak causal consistency.
pub fn check(history: &History, config: &CheckConfig) -> GuaranteeResult {
    let prepared = prepare(history);
    let facts = causal_facts(history, &prepared.reg, false);
    check_prepared(history, &prepared, &facts, config)
}

/// Like [`check`], from shared facts.
pub fn check_prepared(
    history: &History,
    prepared: &Prepared,
    facts: &CausalFacts,
    config: &CheckConfig,
) -> GuaranteeResult {
    finish(
        Guarantee::WeakCausal,
        prepared,
        history,
        facts.violations.clone(),
        config,
    )
}

/// Runs several weak checks sharing one preparation and one causal scan.
/// Results come in the order given. Guarantees that are not weak (sequential,
/// linearizable) are left out.
pub fn check_many(
    history: &History,
    guarantees: &[Guarantee],
    config: &CheckConfig,
) -> Vec<GuaranteeResult> {
    use Guarantee::*;
    let prepared = prepare(history);
    let needs_facts = guarantees.iter().any(|g| {
        matches!(
            g,
            WritesFollowReads | Causal | WeakCausal | CausalConvergence | Convergence
        )
    });
    let facts = if needs_facts && prepared.reg.unsupported.is_none() {
        causal_facts(
            history,
            &prepared.reg,
            guarantees.contains(&CausalConvergence),
        )
    } else {
        CausalFacts::default()
    };
    guarantees
        .iter()
        .filter_map(|&g| {
            Some(match g {
                ReadYourWrites | MonotonicReads | MonotonicWrites | WritesFollowReads => {
                    crate::check::session::check_prepared(history, &prepared, &facts, g, config)
                }
                Pram => crate::check::pram::check_prepared(history, &prepared, config),
                Causal => crate::check::causal::check_prepared(history, &prepared, &facts, config),
                WeakCausal => check_prepared(history, &prepared, &facts, config),
                CausalConvergence => crate::check::causal_convergence::check_prepared(
                    history, &prepared, &facts, config,
                ),
                Convergence => crate::check::convergence::check_prepared(
                    history,
                    &prepared,
                    facts.clocks.as_ref(),
                    config,
                ),
                Sequential | Linearizable => return None,
            })
        })
        .collect()
}
