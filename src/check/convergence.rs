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
//! every causally arbitrated store (CCv) respects; when co is cyclic, only
//! session order. The initial value is maximal only when no write of the
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

use crate::check::sanity::{Prepared, describe_read, describe_write, finish, key_name, prepare};
use crate::check::{CheckConfig, Edge, EdgeLabel, Guarantee, GuaranteeResult, Violation};
use crate::history::{Call, History, Observed, OpId, Time};
use crate::order::vclock::{Clocks, Preds, clocks, rf_pairs};

/// Checks convergence after `history.metadata.quiescent_at`.
pub fn check(history: &History, config: &CheckConfig) -> GuaranteeResult {
    let prepared = prepare(history);
    let rf = rf_pairs(history, &prepared.reg, |_| true);
    let co = clocks(
        history,
        &prepared.reg,
        Preds::from_pairs(history.len(), &rf),
    )
    .ok();
    check_prepared(history, &prepared, co.as_ref(), config)
}

/// The quiescence point implied by the last nemesis annotation that stops
/// or heals a fault, plus `settle` time units. `None` without one.
pub fn quiescence_from_annotations(history: &History, settle: Time) -> Option<Time> {
    history
        .annotations
        .iter()
        .filter(|a| {
            let t = a.text.to_ascii_lowercase();
            t.contains("stop") || t.contains("heal")
        })
        .filter_map(|a| a.time)
        .max()
        .map(|t| t.saturating_add(settle))
}

/// Like [`check`], with shared preparation and causal clocks (`None` when
/// co is cyclic: session order is used instead).
pub fn check_prepared(
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
    let reg = &prepared.reg;
    let by_key = history.ops_by_key();
    let mut found = Vec::new();
    // Keys with a read after the quiescence point: without one, nothing
    // was compared and the check says so instead of holding vacuously.
    let mut compared = 0usize;
    for (k, ops) in by_key.iter().enumerate() {
        // The writes that took effect: completed ones, and those of unknown
        // outcome that some read returned (one nobody read may never have
        // happened; docs/semantics.md).
        let counted: Vec<OpId> = ops.iter().copied().filter(|w| reg.is_write(*w)).collect();
        let reads: Vec<OpId> = ops
            .iter()
            .copied()
            .filter(|o| {
                let op = history.op(*o);
                matches!(op.call, Call::Read)
                    && op.invoke > t
                    && matches!(op.observed(), Some(Observed::Value(_) | Observed::Absent))
            })
            .collect();
        let Some(&first) = reads.first() else {
            continue;
        };
        compared += 1;
        let value = history.op(first).observed();
        if let Some(&other) = reads.iter().find(|r| history.op(**r).observed() != value) {
            found.push(Violation {
                pattern: "Divergence".to_string(),
                key: Some(crate::history::KeyId(k as u32)),
                ops: vec![first, other],
                edges: Vec::new(),
                explanation: format!(
                    "after the system was quiescent at {t}, {} and {}: the replicas did not converge",
                    describe_read(history, first),
                    describe_read(history, other)
                ),
                partial_order: Vec::new(),
            });
            continue;
        }
        let key = history.op(first).key;
        let candidates: Vec<OpId> = counted
            .iter()
            .copied()
            .filter(|w| match value {
                Some(Observed::Value(v)) => history.op(*w).call.written_value() == Some(v),
                _ => false,
            })
            .collect();
        let initial_candidate = match value {
            Some(Observed::Absent) => history.initial(key).is_none(),
            Some(Observed::Value(v)) => history.initial(key) == Some(v),
            _ => false,
        };
        if initial_candidate && counted.is_empty() {
            continue;
        }
        if candidates.is_empty() && !initial_candidate {
            // Thin air, aborted or future: the sanity check reports it.
            continue;
        }
        let forced_after = |c: OpId| -> Option<OpId> {
            counted.iter().copied().find(|&w2| {
                w2 != c
                    && match co {
                        Some(clk) => clk.before_or_eq(reg, c, w2),
                        None => {
                            reg.session_of[c.index()] == reg.session_of[w2.index()]
                                && reg.pos[c.index()] < reg.pos[w2.index()]
                        }
                    }
            })
        };
        let mut evidence = None;
        let mut maximal = false;
        for &c in &candidates {
            match forced_after(c) {
                None => maximal = true,
                Some(w2) => evidence = evidence.or(Some((c, w2))),
            }
        }
        if maximal {
            continue;
        }
        let (ops, edges, explanation) = match evidence {
            Some((c, w2)) => (
                vec![c, w2, first],
                vec![
                    Edge {
                        from: c,
                        to: w2,
                        label: EdgeLabel::Causal,
                    },
                    Edge {
                        from: c,
                        to: first,
                        label: EdgeLabel::ReadsFrom,
                    },
                ],
                format!(
                    "after the system was quiescent at {t}, every read of {} returned the value of {}, but {} causally follows it, so the replicas converged on an overwritten value",
                    key_name(history, key),
                    describe_write(history, c),
                    describe_write(history, w2)
                ),
            ),
            None => (
                vec![counted[0], first],
                Vec::new(),
                format!(
                    "after the system was quiescent at {t}, {}, although {} took effect",
                    describe_read(history, first),
                    describe_write(history, counted[0])
                ),
            ),
        };
        found.push(Violation {
            pattern: "NotMaximal".to_string(),
            key: Some(key),
            ops,
            edges,
            explanation,
            partial_order: Vec::new(),
        });
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
