//! Sequential consistency (Lamport, "How to make a multiprocessor computer
//! that correctly executes multiprocess programs", IEEE TC 1979): there is a
//! single total order of all operations, on all keys together, that keeps
//! every process's own order and is a legal sequential run of the data
//! model. Unlike linearizability it ignores real time, so it works on
//! histories without timestamps.
//!
//! ```text
//!   p1  write x 1 ; write y 1
//!   p2  read y -> 1 ; read x -> nil      violated: y=1 needs both writes
//!                                         first, then x cannot be nil
//! ```
//!
//! Checking it is NP-complete even with unique values over several keys
//! (Gibbons & Korach, SIAM J. Comput. 1997), and it is not local: every key
//! may be sequentially consistent alone while the history is not. So the
//! answer comes from one search over all keys together (the WGL search of
//! [`crate::check::linearizable`] with session order instead of real time,
//! over the product of the per-key states). A key that is not sequentially
//! consistent alone refutes the whole history, so per-key searches run
//! first, cheapest first in rounds (`linearizable::schedule`), as quick
//! refutations; and a history with timestamps
//! that is linearizable is sequentially consistent, so that cheaper check
//! runs before either.
//!
//! Semantics as for linearizability: `fail` operations are dropped;
//! unknown-outcome operations may take effect anywhere after the completed
//! operations that precede them in their session, or never (they do not
//! hold back the rest of their session); unknown reads are dropped.

use crate::check::linearizable::schedule::schedule;
use crate::check::linearizable::search::{self, Budget, SearchEnd, Sessions};
use crate::check::linearizable::spec::DataModel;
use crate::check::linearizable::{
    Instance, PartEnd, Product, instances, refutation, resolve_model, with_model,
};
use crate::check::pattern::Pattern;
use crate::check::result::{CheckConfig, GuaranteeResult, Violation};
use crate::check::shared::{Check, Needs, Shared};
use crate::guarantee::{Guarantee, Verdict};
use crate::history::Model;
use crate::history::{History, KeyId, OpId};
use std::sync::atomic::AtomicBool;

/// Sequential consistency: refuted cheaply by a violated weaker guarantee,
/// else implied by linearizability, else the search with session order.
pub struct Sequential;

impl Check for Sequential {
    fn guarantee(&self) -> Guarantee {
        Guarantee::Sequential
    }

    fn needs(&self) -> Needs {
        Needs {
            search: true,
            ..Needs::default()
        }
    }

    /// Sequential consistency is NP-complete; a violated weaker guarantee
    /// that it implies refutes it soundly and cheaply (DEFINITIONS.md: CCv
    /// violations are SC violations), so that is tried before the search,
    /// which reuses the run's linearizability result.
    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        shared
            .refuted_by_weaker(Guarantee::Sequential)
            .unwrap_or_else(|| {
                let lin = shared
                    .earlier(Guarantee::Linearizable)
                    .filter(|l| l.verdict != Verdict::NotChecked);
                check_after_lin(shared.history, shared.config, lin)
            })
    }
}

/// Checks sequential consistency of `history` under `config` (model,
/// timeout, states_max, witness) with its own algorithms only. See the
/// module docs.
pub fn check(history: &History, config: &CheckConfig) -> GuaranteeResult {
    check_after_lin(history, config, None)
}

/// Like [`check`], reusing a linearizability result of the same run when
/// there is one (`lin`), so the same search does not run twice under one
/// budget. With clock skew it still implies sequential consistency: the
/// widening never relaxes session order.
pub fn check_after_lin(
    history: &History,
    config: &CheckConfig,
    lin: Option<&GuaranteeResult>,
) -> GuaranteeResult {
    let model = resolve_model(history, config);
    if let Some(out) = config.too_late(Guarantee::Sequential) {
        return out;
    }
    // Linearizability implies sequential consistency, and its search is far
    // cheaper (real time prunes it), so a linearizable history is decided
    // here with the linearization as the witness (it respects session
    // order too).
    if history.has_real_time() {
        let owned;
        let lin = match lin {
            Some(l) => l,
            None => {
                let lin_config = CheckConfig {
                    clock_skew: 0,
                    ..config.clone()
                };
                owned = crate::check::linearizable::check(history, &lin_config);
                &owned
            }
        };
        if let Some(r) = implied_by(lin) {
            return r;
        }
    }
    with_model!(model, |m| check_with(&m, history, config))
}

/// `holds`, with the linearization as the witness (it respects session
/// order too), when `lin` says the history is linearizable.
fn implied_by(lin: &GuaranteeResult) -> Option<GuaranteeResult> {
    (lin.verdict == Verdict::Holds).then(|| {
        let mut r = GuaranteeResult::holds(Guarantee::Sequential);
        r.reason = Some("implied by linearizability".into());
        r.witness = lin.witness.clone();
        r
    })
}

/// Checks sequential consistency of `history` against a data model of the
/// caller's own (see [`crate::check::linearizable::check_model`]): when the
/// history has timestamps and is linearizable under the model, that
/// decides it (the linearization is the witness); otherwise the search
/// with session order runs.
pub fn check_model<M: DataModel>(
    history: &History,
    model: &M,
    config: &CheckConfig,
) -> GuaranteeResult {
    if let Some(out) = config.too_late(Guarantee::Sequential) {
        return out;
    }
    if history.has_real_time() {
        let lin = crate::check::linearizable::check_model(
            history,
            model,
            &CheckConfig {
                clock_skew: 0,
                ..config.clone()
            },
        );
        if let Some(r) = implied_by(&lin) {
            return r;
        }
    }
    check_with(model, history, config)
}

/// Replays `order` as a sequentially consistent order of `history` under
/// `model`: like [`crate::check::linearizable::validate_witness`], with
/// session order in place of real time.
pub fn validate_witness(history: &History, model: Model, order: &[OpId]) -> Result<(), String> {
    crate::check::linearizable::validate(history, model, order, false)
}

fn run<M: DataModel>(
    model: &M,
    history: &History,
    inst: &Instance<M::Op>,
    budget: &Budget<'_>,
) -> SearchEnd<M::State> {
    let init = model.init(history, inst.partition);
    search::search(
        model,
        &inst.items,
        init,
        Sessions::new(&inst.items, inst.processes),
        budget,
    )
}

/// Memo bound of each per-key refutation search.
const QUICK_STATES_MAX: u64 = 100_000;

fn check_with<M: DataModel>(model: &M, history: &History, config: &CheckConfig) -> GuaranteeResult {
    let g = Guarantee::Sequential;
    let per_key = match instances(model, history, true) {
        Ok(i) => i,
        Err(e) => return GuaranteeResult::not_checked(g, e),
    };
    let stop = AtomicBool::new(false);
    let budget = Budget::of_run(config, &stop);
    // Quick refutation: a partition that is not sequentially consistent on
    // its own refutes the whole history. It is only a shortcut, so it gets
    // half of the time budget and a bounded memo, leaving the rest to the
    // decisive search.
    let quick = Budget {
        deadline: budget.deadline.map(|d| {
            let now = std::time::Instant::now();
            now + d.saturating_duration_since(now) / 2
        }),
        states_max: Some(config.states_max.unwrap_or(u64::MAX).min(QUICK_STATES_MAX)),
        ..budget
    };
    if per_key.len() > 1
        && let Some(v) = refute_one_key(model, history, &per_key, &quick)
    {
        let mut r = GuaranteeResult::violated(g, vec![v], config.violations_max);
        r.reason = Some("a single key is not sequentially consistent on its own".into());
        return r;
    }
    search_all_keys(model, history, config, &budget)
}

/// A key that is not sequentially consistent on its own, under `quick`:
/// the keys are searched cheapest first in rounds (`schedule`), and of the
/// refuted ones the first in partition order is reported, so the answer
/// does not depend on the thread count.
fn refute_one_key<M: DataModel>(
    model: &M,
    history: &History,
    per_key: &[Instance<M::Op>],
    quick: &Budget<'_>,
) -> Option<Violation> {
    let keyed = model.name() != "multi-register";
    let ends = schedule(per_key, Some(1), quick, |inst, budget| {
        match run(model, history, inst, budget) {
            SearchEnd::Refuted {
                partial,
                blocked,
                state,
            } => PartEnd::Refuted(refutation(
                model,
                history,
                &inst.items,
                keyed.then_some(KeyId(inst.partition)),
                Pattern::NotSequential,
                partial,
                blocked,
                &state,
            )),
            SearchEnd::Found(_) => PartEnd::Found(Vec::new()),
            SearchEnd::OutOfBudget(r) => PartEnd::OutOfBudget(r),
            SearchEnd::Stopped => PartEnd::Stopped,
            SearchEnd::Paused => PartEnd::Paused,
        }
    });
    ends.into_iter().find_map(|e| match e {
        PartEnd::Refuted(v) => Some(v),
        _ => None,
    })
}

/// The decisive search over every key together (the product of the
/// per-key models, with session order).
fn search_all_keys<M: DataModel>(
    model: &M,
    history: &History,
    config: &CheckConfig,
    budget: &Budget<'_>,
) -> GuaranteeResult {
    let g = Guarantee::Sequential;
    let product = Product::new(model, history);
    let whole = match instances(&product, history, false) {
        Ok(i) => i,
        Err(e) => return GuaranteeResult::not_checked(g, e),
    };
    let Some(inst) = whole.first() else {
        return GuaranteeResult::holds(g);
    };
    let decided = "decided by a search over all keys together (WGL with session order)";
    match run(&product, history, inst, budget) {
        SearchEnd::Found(path) => {
            let mut r = GuaranteeResult::holds(g);
            r.reason = Some(decided.into());
            if config.witness {
                r.witness = Some(path.iter().map(|&i| inst.items[i as usize].id).collect());
            }
            r
        }
        SearchEnd::Refuted {
            partial,
            blocked,
            state,
        } => {
            let v = refutation(
                &product,
                history,
                &inst.items,
                None,
                Pattern::NotSequential,
                partial,
                blocked,
                &state,
            );
            let mut r = GuaranteeResult::violated(g, vec![v], config.violations_max);
            r.reason = Some(decided.into());
            r
        }
        SearchEnd::OutOfBudget(reason) => GuaranteeResult::unknown(g, reason),
        SearchEnd::Stopped | SearchEnd::Paused => {
            GuaranteeResult::unknown(g, "the search was stopped")
        }
    }
}
