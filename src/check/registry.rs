//! The registry of checks and the driver that runs them.
//!
//! [`REGISTRY`] lists one [`Check`] per guarantee. [`check`] runs the
//! requested ones in phases by what they need. First, when linearizability
//! is asked and the zone method applies (registers with unique values), it
//! decides linearizability in O(n log n); when it holds, every asked
//! guarantee it implies holds too and is not checked again. Then the
//! polynomial checks that
//! need only the relations run in parallel with the causal scan, those that
//! need the scan run next, side by side; the exponential searches run last,
//! one at a time in registry order (linearizability before sequential
//! consistency, which reuses it), and may refute themselves cheaply through
//! a violated weaker guarantee. One deadline and one memory gauge are
//! shared by all of them. Results come back in the order asked.

use crate::check::prepare::prepare;
use crate::check::result::{CheckConfig, GuaranteeResult};
use crate::check::scan::{CausalFacts, causal_facts};
use crate::check::shared::{Check, Needs, Shared};
use crate::check::{
    causal, causal_convergence, convergence, linearizable, pram, sequential, session, weak_causal,
};
use crate::guarantee::{Guarantee, Verdict};
use crate::history::History;
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Every check, one per guarantee. The searches are run in this order.
pub static REGISTRY: &[&dyn Check] = &[
    &session::ReadYourWrites,
    &session::MonotonicReads,
    &session::MonotonicWrites,
    &session::WritesFollowReads,
    &pram::Pram,
    &causal::CausalMemory,
    &weak_causal::WeakCausal,
    &causal_convergence::CausalConvergence,
    &convergence::Convergence,
    &linearizable::Linearizable,
    &sequential::Sequential,
];

/// The check of `g`.
///
/// # Panics
///
/// When `g` has no entry in [`REGISTRY`] (a test checks that every
/// guarantee has exactly one).
pub fn entry(g: Guarantee) -> &'static dyn Check {
    *REGISTRY
        .iter()
        .find(|c| c.guarantee() == g)
        .unwrap_or_else(|| panic!("{g} has no entry in check::registry::REGISTRY"))
}

/// Checks `history` against the guarantees in `config` (every guarantee
/// when the list is empty). Results come in the order asked (duplicates
/// dropped), or in the order of [`Guarantee::ALL`].
pub fn check(history: &History, config: &CheckConfig) -> Vec<GuaranteeResult> {
    let config = &CheckConfig {
        deadline: config.run_deadline(),
        memory_in_use_bytes: Arc::new(AtomicU64::new(0)),
        ..config.clone()
    };
    let mut wanted: Vec<Guarantee> = Vec::new();
    let asked = if config.guarantees.is_empty() {
        &Guarantee::ALL[..]
    } else {
        &config.guarantees[..]
    };
    for &g in asked {
        if !wanted.contains(&g) {
            wanted.push(g);
        }
    }
    // An empty capture proves nothing: a CI gate must not pass on it.
    if history.is_empty() {
        return wanted
            .into_iter()
            .map(|g| GuaranteeResult::not_checked(g, "no operations: nothing was checked"))
            .collect();
    }
    let mut results = zone_first(history, &wanted, config);
    let decided: Vec<Guarantee> = results.iter().map(|r| r.guarantee).collect();
    let polynomial: Vec<Guarantee> = wanted
        .iter()
        .copied()
        .filter(|&g| !entry(g).needs().search && !decided.contains(&g))
        .collect();
    results.extend(check_polynomial(history, &polynomial, config));
    let run_polynomial = |gs: &[Guarantee]| check_polynomial(history, gs, config);
    for search in REGISTRY.iter().filter(|c| {
        let g = c.guarantee();
        c.needs().search && wanted.contains(&g) && !decided.contains(&g)
    }) {
        let result =
            not_applicable(history, search.guarantee(), search.needs()).unwrap_or_else(|| {
                let shared = Shared::new(history, config, None, None)
                    .with_earlier(&results, &run_polynomial);
                search.run(&shared)
            });
        results.push(result);
    }
    assert_eq!(
        results.len(),
        wanted.len(),
        "one result per guarantee asked"
    );
    wanted
        .iter()
        .map(|&g| {
            let at = results
                .iter()
                .position(|r| r.guarantee == g)
                .expect("every wanted guarantee was run");
            results.swap_remove(at)
        })
        .collect()
}

/// Phase 0: when linearizability is asked, or PRAM, causal memory or
/// sequential consistency is (their own checks are the costly ones), and
/// the zone method decides linearizability (registers with unique values,
/// O(n log n)): its result when it was asked, and when it holds, every
/// asked guarantee it implies (the lattice: each of them holds by
/// definition), which then is not checked again. Empty otherwise.
fn zone_first(
    history: &History,
    wanted: &[Guarantee],
    config: &CheckConfig,
) -> Vec<GuaranteeResult> {
    let lin = Guarantee::Linearizable;
    let asked = wanted.contains(&lin);
    // Not asked, linearizability is still worth deciding first when it
    // would settle a guarantee whose own check is costly (the per-session
    // views, the sequential search).
    let costly = [Guarantee::Pram, Guarantee::Causal, Guarantee::Sequential];
    if !(asked || wanted.iter().any(|g| costly.contains(g))) || !history.has_real_time() {
        return Vec::new();
    }
    let Some(result) = linearizable::check_zone(history, config) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if result.verdict == Verdict::Holds {
        let implied = lin.implied_closure();
        for &g in wanted.iter().filter(|g| implied.contains(g)) {
            let mut r = GuaranteeResult::holds(g);
            r.reason = Some(if asked {
                "implied by linearizability, which the zone method decided \
                 (registers with unique values)"
                    .into()
            } else {
                "implied by linearizability (not asked), which the zone method \
                 decided first (registers with unique values)"
                    .into()
            });
            out.push(r);
        }
    }
    if asked {
        out.push(result);
    }
    out
}

/// Checks one guarantee on its own ([`check`] with one guarantee).
pub fn check_one(history: &History, guarantee: Guarantee, config: &CheckConfig) -> GuaranteeResult {
    let config = CheckConfig {
        guarantees: vec![guarantee],
        ..config.clone()
    };
    check(history, &config)
        .pop()
        .expect("check returns one result per guarantee asked")
}

/// Runs the polynomial checks among `guarantees` (the searches are left
/// out), sharing one preparation and one causal scan, in the order given.
///
/// Uses the rayon pool: the checks that do not need the causal scan run
/// while it is computed, the scan runs its sessions in parallel, and the
/// checks that need it then run side by side. Results do not depend on the
/// number of threads. A check that would start after the run's deadline
/// answers unknown at once (the near-linear ones too: the budget is for
/// the whole run).
pub fn check_polynomial(
    history: &History,
    guarantees: &[Guarantee],
    config: &CheckConfig,
) -> Vec<GuaranteeResult> {
    let checks: Vec<&dyn Check> = guarantees
        .iter()
        .map(|&g| entry(g))
        .filter(|c| !c.needs().search)
        .collect();
    let any = |f: fn(Needs) -> bool| checks.iter().any(|c| f(c.needs()));
    let prepared = any(|n| n.relations || n.causal_scan).then(|| prepare(history));
    let start = |c: &dyn Check| {
        not_applicable(history, c.guarantee(), c.needs()).or_else(|| config.too_late(c.guarantee()))
    };
    let (independent, facts) = rayon::join(
        || {
            checks
                .par_iter()
                .map(|c| {
                    (!c.needs().causal_scan).then(|| {
                        start(*c).unwrap_or_else(|| {
                            c.run(&Shared::new(history, config, prepared.as_ref(), None))
                        })
                    })
                })
                .collect::<Vec<_>>()
        },
        || match &prepared {
            Some(p) if any(|n| n.causal_scan) && p.reg.unsupported.is_none() => {
                causal_facts(history, &p.reg, any(|n| n.conflicts), config.run_deadline())
            }
            _ => CausalFacts::default(),
        },
    );
    let dependent: Vec<Option<GuaranteeResult>> = checks
        .par_iter()
        .map(|c| {
            let g = c.guarantee();
            c.needs().causal_scan.then(|| {
                start(*c).unwrap_or_else(|| {
                    if facts.incomplete {
                        GuaranteeResult::unknown(
                            g,
                            "the time budget ran out during the causal scan",
                        )
                    } else {
                        c.run(&Shared::new(
                            history,
                            config,
                            prepared.as_ref(),
                            Some(&facts),
                        ))
                    }
                })
            })
        })
        .collect();
    assert_eq!(independent.len(), dependent.len());
    independent
        .into_iter()
        .zip(dependent)
        .map(|(a, b)| a.or(b).expect("each check ran in one of the two phases"))
        .collect()
}

/// `not-checked` when the history lacks what the check needs.
fn not_applicable(history: &History, g: Guarantee, needs: Needs) -> Option<GuaranteeResult> {
    (needs.real_time && !history.has_real_time()).then(|| GuaranteeResult::no_real_time(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guarantee_has_exactly_one_check() {
        for g in Guarantee::ALL {
            let n = REGISTRY.iter().filter(|c| c.guarantee() == g).count();
            assert_eq!(n, 1, "{g} has {n} entries in REGISTRY");
        }
        assert_eq!(REGISTRY.len(), Guarantee::ALL.len());
    }

    #[test]
    fn needs_are_consistent_and_searches_ordered() {
        for c in REGISTRY {
            let n = c.needs();
            assert!(!n.conflicts || n.causal_scan, "{}", c.guarantee());
            assert!(!n.causal_scan || n.relations, "{}", c.guarantee());
        }
        let lin = REGISTRY
            .iter()
            .position(|c| c.guarantee() == Guarantee::Linearizable);
        let sc = REGISTRY
            .iter()
            .position(|c| c.guarantee() == Guarantee::Sequential);
        assert!(
            lin < sc,
            "sequential consistency reuses linearizability's result"
        );
    }
}
