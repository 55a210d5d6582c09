//! Causal memory, CM (Ahamad, Neiger, Burns, Kohli, Hutto, "Causal memory:
//! definitions, implementation, and programming", Distributed Computing
//! 1995; Jepsen's "causal").
//!
//! # Definition
//!
//! For every session `s` there is a view: a legal total order of all
//! counted writes plus the reads of `s` that respects causal order
//! co = (so ∪ rf)⁺. Equivalently (`check::session`): PRAM ∧ WFR checked
//! jointly over the same views. Bouajjani, Enea, Guerraoui, Hamza ("On
//! verifying causal consistency", POPL 2017) characterize it by the CC bad
//! patterns (`check::weak_causal`) plus **WriteHBInitRead** and
//! **CyclicHB** over a per-session happens-before: co saturated with "a
//! write of `x` that happens before a read of `x` from `w` happens before
//! `w`".
//!
//! # Algorithm
//!
//! The CC scan first (O(n·k)); when it is clean, the per-session view
//! engine of `check::views` with causal order as its base: O(k·R·(n+e)·k)
//! for R saturation rounds (polynomial; no fast tool for CM is known).
//! When the CC scan finds violations they are reported (they are CM
//! violations too) and the engine is skipped.

use crate::check::prepare::finish;
use crate::check::result::GuaranteeResult;
use crate::check::shared::{Check, Needs, Shared};
use crate::check::views::{ViewBase, views_result};
use crate::guarantee::Guarantee;

/// Causal memory: the causal scan's violations, else one legal view per
/// session over causal order (`check::views`).
pub struct CausalMemory;

impl Check for CausalMemory {
    fn guarantee(&self) -> Guarantee {
        Guarantee::Causal
    }

    fn needs(&self) -> Needs {
        Needs::CAUSAL_SCAN
    }

    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        let (history, prepared, config) = (shared.history, shared.prepared(), shared.config);
        let facts = shared.facts();
        let g = Guarantee::Causal;
        if prepared.reg.unsupported.is_some() || !facts.violations.is_empty() {
            return finish(g, prepared, history, facts.violations.clone(), config);
        }
        views_result(
            g,
            shared,
            &facts.write_lists,
            ViewBase::Causal,
            facts.clocks.as_ref(),
        )
    }
}
