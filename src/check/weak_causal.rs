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
use crate::check::prepare::finish;
use crate::check::result::GuaranteeResult;
use crate::check::shared::{Check, Needs, Shared};
use crate::guarantee::Guarantee;

/// Weak causal consistency: the bad patterns the causal scan
/// (`check::scan`) finds.
pub struct WeakCausal;

impl Check for WeakCausal {
    fn guarantee(&self) -> Guarantee {
        Guarantee::WeakCausal
    }

    fn needs(&self) -> Needs {
        Needs::CAUSAL_SCAN
    }

    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        let facts = shared.facts();
        finish(
            Guarantee::WeakCausal,
            shared.prepared(),
            shared.history,
            facts.violations.clone(),
            shared.config,
        )
    }
}
