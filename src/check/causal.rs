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
//! engine of `check::pram` with causal order as its base: O(k·R·(n+e)·k)
//! for R saturation rounds (polynomial; no fast tool for CM is known).
//! When the CC scan finds violations they are reported (they are CM
//! violations too) and the engine is skipped.

use crate::check::pram::{ViewBase, view_engine};
use crate::check::sanity::{Prepared, finish};
use crate::check::weak_causal::{CausalFacts, check_one};
use crate::check::{CheckConfig, Guarantee, GuaranteeResult};
use crate::history::History;

/// Checks causal memory.
pub fn check(history: &History, config: &CheckConfig) -> GuaranteeResult {
    check_one(history, Guarantee::Causal, config)
}

/// Like [`check`], from shared facts.
pub fn check_prepared(
    history: &History,
    prepared: &Prepared,
    facts: &CausalFacts,
    config: &CheckConfig,
) -> GuaranteeResult {
    let g = Guarantee::Causal;
    if prepared.reg.unsupported.is_some() || !facts.violations.is_empty() {
        return finish(g, prepared, history, facts.violations.clone(), config);
    }
    match view_engine(
        history,
        &prepared.reg,
        &facts.write_lists,
        ViewBase::Causal,
        facts.clocks.as_ref(),
        config.run_deadline(),
    ) {
        Ok(found) => finish(g, prepared, history, found, config),
        Err(why) if prepared.sanity.is_empty() => GuaranteeResult::unknown(g, why),
        Err(_) => finish(g, prepared, history, Vec::new(), config),
    }
}
