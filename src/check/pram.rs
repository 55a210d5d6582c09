//! PRAM / FIFO consistency (Lipton & Sandberg, "PRAM: a scalable shared
//! memory", 1988), and the per-session view engine it shares with causal
//! memory (`check::causal`).
//!
//! # Definition
//!
//! For every session `s` there is a view: a total order of the counted
//! writes of every session plus the reads of `s` that respects every
//! session's order (restricted to those operations) and is legal (each read
//! returns the last write to its key before it, or the initial value when
//! there is none). Different sessions may order concurrent writes
//! differently. This equals RYW ∧ MR ∧ MW checked *jointly* over the same
//! views (`check::session` gives the definitions and the counterexamples
//! showing that separate verdicts are weaker).
//!
use crate::check::prepare::finish;
use crate::check::result::GuaranteeResult;
use crate::check::scan::write_lists;
use crate::check::shared::{Check, Needs, Shared};
use crate::check::views::{ViewBase, views_result};
use crate::guarantee::Guarantee;

/// PRAM: one legal view per session over the session orders
/// (`check::views`).
pub struct Pram;

impl Check for Pram {
    fn guarantee(&self) -> Guarantee {
        Guarantee::Pram
    }

    fn needs(&self) -> Needs {
        Needs::RELATIONS
    }

    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        let (history, prepared, config) = (shared.history, shared.prepared(), shared.config);
        let g = Guarantee::Pram;
        if prepared.reg.unsupported.is_some() {
            return finish(g, prepared, history, Vec::new(), config);
        }
        let wl = write_lists(history, &prepared.reg);
        views_result(g, shared, &wl, ViewBase::SessionOrder, None)
    }
}
