//! Convergence: the finite, checkable part of eventual consistency.
//!
//! Eventual consistency is a liveness property ("if writes stop, replicas
//! eventually agree"): no finite history refutes it. What a history can
//! refute is **convergence after a known quiescence point** (DEFINITIONS.md,
//! "Eventual consistency"; Burckhardt, "Principles of eventual
//! consistency", 2014): given a time `T` after which no faults were active
//! and a settle time had passed (`metadata.quiescent_at`, from a
//! `%quiescent T` header, or [`quiescence_from_annotations`] for a nemesis
//! heal plus a settle time), every read of a key invoked after `T` returns
//! the same value, and that value is a *maximal* write: no other write of
//! the key that took effect is forced after it. The forced order used is causal order (so ∪ rf)⁺, the order
//! every causally arbitrated store (CCv) respects; when co is cyclic, what
//! so ∪ rf reaches. The initial value is maximal only when no write of the
//! key took effect.
//!
//! Patterns: **Divergence** (two values read after `T`), **NotMaximal** (the
//! one value read was overwritten in every order the history forces).
//! Without a quiescence point, or without a read after it, the verdict is
//! *not checked*: nothing was compared, so nothing holds. Writes of unknown
//! outcome count when some read returned them (they took effect) and are
//! otherwise taken never to have happened, as in every check. With values
//! written twice, a value is maximal when any of its writers is, so no
//! false alarm is raised. O(n) after the shared causal clocks.

use crate::check::pattern::Pattern;
use crate::check::prepare::{Prepared, finish};
use crate::check::result::{CheckConfig, GuaranteeResult, Violation};
use crate::check::sentence::{Part, Sentence};
use crate::check::shared::{Check, Needs, Shared};
use crate::guarantee::Guarantee;
use crate::history::{Call, History, KeyId, Observed, OpId, Time};
use crate::order::edge::{Edge, EdgeLabel};
use crate::order::relations::{ReadFrom, Registers};
use crate::order::vclock::Clocks;

/// Convergence after the quiescence point, over the causal scan's clocks.
pub struct Convergence;

impl Check for Convergence {
    fn guarantee(&self) -> Guarantee {
        Guarantee::Convergence
    }

    fn needs(&self) -> Needs {
        Needs::CAUSAL_SCAN
    }

    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        check_prepared(
            shared.history,
            shared.prepared(),
            shared.facts().clocks.as_ref(),
            shared.config,
        )
    }
}

/// The quiescence point implied by the last annotation that stops or heals
/// a fault (`AnnotationKind::FaultStop`), plus `settle` time units. `None`
/// without one.
pub fn quiescence_from_annotations(history: &History, settle: Time) -> Option<Time> {
    history
        .annotations
        .iter()
        .filter(|a| a.kind == crate::history::AnnotationKind::FaultStop)
        .filter_map(|a| a.time)
        .max()
        .map(|t| t.saturating_add(settle))
}

/// The convergence check, with shared preparation and causal clocks (`None` when
/// co is cyclic: session order is used instead).
fn check_prepared(
    history: &History,
    prepared: &Prepared,
    co: Option<&Clocks>,
    config: &CheckConfig,
) -> GuaranteeResult {
    let g = Guarantee::Convergence;
    let Some(t) = history.metadata.quiescent_at else {
        return GuaranteeResult::not_checked(
            g,
            "no quiescence point is known (add `%quiescent T`, or derive one from a nemesis heal plus a settle time); eventual consistency itself is a liveness property that no finite history can refute",
        );
    };
    if prepared.reg.unsupported.is_some() {
        return finish(g, prepared, history, Vec::new(), config);
    }
    let forced = Forced::new(history, &prepared.reg, co);
    let mut found = Vec::new();
    // Keys with a read after the quiescence point: without one, nothing
    // was compared and the check says so instead of holding vacuously.
    let mut compared = 0usize;
    for (k, ops) in history.ops_by_key().iter().enumerate() {
        let reads = late_reads(history, ops, t);
        if reads.is_empty() {
            continue;
        }
        compared += 1;
        found.extend(check_key(history, &forced, KeyId(k as u32), ops, &reads, t));
    }
    if compared == 0 {
        return GuaranteeResult::not_checked(
            g,
            format!(
                "no read was invoked after the quiescence point {t}, so there is nothing to compare"
            ),
        );
    }
    finish(g, prepared, history, found, config)
}

/// The reads of one key invoked after `t` that returned a value (or
/// absent).
fn late_reads(history: &History, ops: &[OpId], t: Time) -> Vec<OpId> {
    ops.iter()
        .copied()
        .filter(|o| {
            let op = history.op(*o);
            matches!(op.call, Call::Read)
                && op.invoke > t
                && matches!(op.observed(), Some(Observed::Value(_) | Observed::Absent))
        })
        .collect()
}

/// The violation of one key with late reads `reads` (not empty), if any:
/// the late reads disagree, or one returns a value that is not maximal.
fn check_key(
    history: &History,
    forced: &Forced<'_>,
    key: KeyId,
    ops: &[OpId],
    reads: &[OpId],
    t: Time,
) -> Option<Violation> {
    let reg = forced.reg;
    let first = reads[0];
    let value = history.op(first).observed();
    if let Some(&other) = reads.iter().find(|r| history.op(**r).observed() != value) {
        return Some(Violation {
            pattern: Pattern::Divergence,
            key: Some(key),
            ops: vec![first, other],
            edges: Vec::new(),
            explanation: quiescent(t)
                .read(first)
                .text(" and ")
                .read(other)
                .text(": the replicas did not converge"),
            partial_order: Vec::new(),
        });
    }
    // The writes that took effect: completed ones, and those of unknown
    // outcome that some read returned (one nobody read may never have
    // happened; docs/semantics.md).
    let counted: Vec<OpId> = ops.iter().copied().filter(|w| reg.is_write(*w)).collect();
    // Each late read's own source must be maximal: a write no write that
    // took effect is forced after, or the initial state when no write of
    // the key took effect. A read with several possible writers decides
    // nothing here (the verdict is then at best unknown, see `finish`); a
    // bad read is the sanity check's. Forced order only grows with the
    // writers chosen for such reads, so an overwritten source is
    // overwritten for every choice.
    let (reader, source, w2) = reads.iter().find_map(|&r| match reg.read_from(r)? {
        ReadFrom::Write(w) => forced.after(w, &counted).map(|w2| (r, Some(w), w2)),
        ReadFrom::Initial => counted.first().map(|&w2| (r, None, w2)),
    })?;
    let (ops, edges, explanation) = match source {
        Some(c) => (
            vec![c, w2, reader],
            vec![
                Edge {
                    from: c,
                    to: w2,
                    label: EdgeLabel::Causal,
                },
                Edge {
                    from: c,
                    to: reader,
                    label: EdgeLabel::ReadsFrom,
                },
            ],
            quiescent(t)
                .text("every read of ")
                .part(Part::Key(key))
                .text(" returned the value of ")
                .write(c)
                .text(", but ")
                .write(w2)
                .text(" causally follows it, so the replicas converged on an overwritten value"),
        ),
        None => (
            vec![w2, reader],
            Vec::new(),
            quiescent(t)
                .read(reader)
                .text(", although ")
                .write(w2)
                .text(" took effect"),
        ),
    };
    Some(Violation {
        pattern: Pattern::NotMaximal,
        key: Some(key),
        ops,
        edges,
        explanation,
        partial_order: Vec::new(),
    })
}

/// What is forced after a write: causal order from the clocks, or, without
/// clocks (co is cyclic), what so ∪ rf reaches from it (an iterative walk;
/// only on this rare path).
struct Forced<'a> {
    history: &'a History,
    reg: &'a Registers,
    co: Option<&'a Clocks>,
    succ: std::cell::OnceCell<Vec<Vec<OpId>>>,
}

impl<'a> Forced<'a> {
    fn new(history: &'a History, reg: &'a Registers, co: Option<&'a Clocks>) -> Forced<'a> {
        Forced {
            history,
            reg,
            co,
            succ: std::cell::OnceCell::new(),
        }
    }

    /// The first of `counted` (other than `c`) forced after `c`.
    fn after(&self, c: OpId, counted: &[OpId]) -> Option<OpId> {
        match self.co {
            Some(clk) => counted
                .iter()
                .copied()
                .find(|&w2| w2 != c && clk.before_or_eq(self.reg, c, w2)),
            None => {
                let seen = self.reachable(c);
                counted
                    .iter()
                    .copied()
                    .find(|&w2| w2 != c && seen[w2.index()])
            }
        }
    }

    fn reachable(&self, from: OpId) -> Vec<bool> {
        let (history, reg) = (self.history, self.reg);
        let succ = self.succ.get_or_init(|| {
            let mut succ = vec![Vec::new(); history.len()];
            for (a, b) in reg.so_pairs() {
                succ[a.index()].push(b);
            }
            for op in history.ops() {
                if let Some(ReadFrom::Write(w)) = reg.read_from(op.id) {
                    succ[w.index()].push(op.id);
                }
            }
            succ
        });
        let mut seen = vec![false; history.len()];
        let mut stack = vec![from];
        while let Some(a) = stack.pop() {
            for &b in &succ[a.index()] {
                if !seen[b.index()] {
                    seen[b.index()] = true;
                    stack.push(b);
                }
            }
        }
        seen
    }
}

/// `after the system was quiescent at T, `.
fn quiescent(t: Time) -> Sentence {
    Sentence::new()
        .text("after the system was quiescent at ")
        .part(Part::Number(t))
        .text(", ")
}
