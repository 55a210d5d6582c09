//! Causal convergence, CCv (Bouajjani, Enea, Guerraoui, Hamza, POPL 2017;
//! equal to transactional causal consistency on single-operation
//! transactions, as AWDIT checks it: Møldrup & Pavlogiannis, PLDI 2025).
//!
//! # Definition
//!
//! There is one total arbitration order of all writes that extends causal
//! order co = (so ∪ rf)⁺, and every read returns the arbitration-last write
//! to its key among the writes in its causal past (the initial value when
//! there is none). All replicas agree on the order of conflicting writes.
//! With unique values: CCv ⇔ the CC patterns (`check::weak_causal`) and no
//! **CyclicCF**, where `w1` cf `w2` when `w1` (a write of `x`) is co-before a
//! read of `x` that reads from `w2 ≠ w1`: `w1` must be arbitrated before
//! `w2`, and cf ∪ co must be acyclic.
//!
//! # Algorithm, O(n·k)
//!
//! The CC scan already visits, for every read and every session, the last
//! write to the read's key in the read's causal past; each such write that
//! is neither the read's source nor co-ordered with it gives a cf edge
//! (earlier writes of that session are co-before it, so their cf edges are
//! implied). At most n·k edges, in practice far fewer; a topological sort
//! of co ∪ cf then finds any cycle, and the shortest one is reported.

use crate::check::evidence::cyclic;
use crate::check::pattern::Pattern;
use crate::check::prepare::finish;
use crate::check::result::GuaranteeResult;
use crate::check::shared::{Check, Needs, Shared};
use crate::guarantee::Guarantee;
use crate::history::OpId;
use crate::order::edge::Rule;
use crate::order::vclock::{Preds, rf_pairs, topological_order};

/// Causal convergence: the causal scan's violations, else a cycle of
/// co ∪ cf.
pub struct CausalConvergence;

impl Check for CausalConvergence {
    fn guarantee(&self) -> Guarantee {
        Guarantee::CausalConvergence
    }

    fn needs(&self) -> Needs {
        Needs {
            conflicts: true,
            ..Needs::CAUSAL_SCAN
        }
    }

    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        let (history, prepared, config) = (shared.history, shared.prepared(), shared.config);
        let facts = shared.facts();
        let g = Guarantee::CausalConvergence;
        if prepared.reg.unsupported.is_some() || !facts.violations.is_empty() || facts.cf.is_empty()
        {
            return finish(g, prepared, history, facts.violations.clone(), config);
        }
        let reg = &prepared.reg;
        let rf = rf_pairs(history, reg, |_| true);
        let mut pairs: Vec<(OpId, OpId)> = rf.clone();
        pairs.extend_from_slice(&facts.cf);
        let preds = Preds::from_pairs(history.len(), &pairs);
        let found = match topological_order(history, reg, &preds) {
            Ok(_) => Vec::new(),
            Err(left) => {
                let forced: Vec<(OpId, OpId, Rule)> = facts
                    .cf
                    .iter()
                    .map(|(w, lw)| (*w, *lw, Rule::Conflict))
                    .collect();
                cyclic(history, reg, &rf, &forced, &left, Pattern::CyclicCF)
                    .into_iter()
                    .collect()
            }
        };
        finish(g, prepared, history, found, config)
    }
}
