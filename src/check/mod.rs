//! Consistency checks: each guarantee is a module that names the definition
//! it implements and its source, and returns a [`GuaranteeResult`] carrying
//! its evidence.
//!
//! The vocabulary ([`Guarantee`], [`Model`]) is the one users type on the
//! command line and read in reports.

pub mod causal;
pub mod causal_convergence;
pub mod convergence;
pub mod linearizable;
pub mod pram;
pub mod sanity;
pub mod sequential;
pub mod session;
pub mod weak_causal;

pub use crate::guarantee::{Guarantee, Verdict};
use crate::history::{History, KeyId, OpId, Time};
pub use crate::order::edge::{Edge, EdgeLabel};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

pub use crate::history::Model;

/// How a check is run. Built by the CLI from flags; library users fill it
/// directly. The default checks every applicable guarantee with no budget.
#[derive(Clone, Debug, Default)]
pub struct CheckConfig {
    /// Guarantees to check; empty means every guarantee the history allows.
    pub guarantees: Vec<Guarantee>,
    /// The data model for the strong checks; `None` means: from the history
    /// header, else inferred from the operations.
    pub model: Option<Model>,
    /// Wall-clock budget of the whole run ([`check`]): every check shares
    /// one deadline, and one that runs out ends `unknown`.
    pub timeout: Option<Duration>,
    /// The deadline of the run; [`check`] sets it from `timeout` when it
    /// is `None`, so that every check and search shares it.
    pub deadline: Option<Instant>,
    /// Budget on memoized search states of each search.
    pub max_states: Option<u64>,
    /// Memory budget of the run, in bytes, shared by every search running
    /// at once (parallel partitions included); `None` keeps only each
    /// search's built-in cap.
    pub max_memory: Option<u64>,
    /// Bytes the searches of this run hold now (their memo tables);
    /// [`check`] starts a fresh gauge.
    pub memory_in_use: Arc<AtomicU64>,
    /// Widen every interval by this many time units before real-time order
    /// is built (clock uncertainty).
    pub clock_skew: Time,
    /// Produce a witness order for guarantees that hold, when supported.
    pub witness: bool,
    /// Stop reporting (not detecting) after this many violations per
    /// guarantee; `None` reports all.
    pub max_violations: Option<usize>,
}

impl CheckConfig {
    /// The run's deadline: `deadline`, else `timeout` from now (a check
    /// called on its own, outside [`check`]).
    pub fn run_deadline(&self) -> Option<Instant> {
        self.deadline
            .or_else(|| self.timeout.map(|t| Instant::now() + t))
    }

    /// True once the run's deadline has passed.
    pub fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// `unknown` for `g` when the deadline has already passed: a check that
    /// would start late answers at once instead of running over the budget.
    pub fn too_late(&self, g: Guarantee) -> Option<GuaranteeResult> {
        self.out_of_time().then(|| {
            GuaranteeResult::unknown(g, "the time budget ran out before this check started")
        })
    }
}

/// One violation: a small set of operations and edges, and why together
/// they are impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The bad pattern, e.g. `WriteCORead`, `ThinAirRead`, `NotLinearizable`.
    pub pattern: String,
    /// The key where it happens, when it is about one key.
    pub key: Option<KeyId>,
    /// The operations involved, smallest witness first where it matters.
    pub ops: Vec<OpId>,
    /// The labelled edges that make it impossible.
    pub edges: Vec<Edge>,
    /// One plain sentence.
    pub explanation: String,
    /// For search-based checks: the longest partial linearization found
    /// (empty otherwise).
    pub partial_order: Vec<OpId>,
}

/// Staleness of a register history (Golab, Li, Shah, PODC 2011).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staleness {
    /// Linearizable with reads at most one version old.
    pub one_atomic: bool,
    /// Reads at most two versions old.
    pub two_atomic: bool,
    /// The smallest Δ (time units) for which the history is Δ-atomic.
    pub delta: Time,
}

/// The outcome of checking one guarantee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuaranteeResult {
    pub guarantee: Guarantee,
    pub verdict: Verdict,
    /// For `Unknown` and `NotChecked`: why. For others: optional remarks
    /// (e.g. which algorithm decided it).
    pub reason: Option<String>,
    /// Reported violations (possibly cut by `max_violations`).
    pub violations: Vec<Violation>,
    /// How many violations were detected in total.
    pub violation_count: usize,
    /// A witness order when asked for and the guarantee holds.
    pub witness: Option<Vec<OpId>>,
    /// Staleness figures, when computed.
    pub staleness: Option<Staleness>,
}

impl GuaranteeResult {
    pub fn holds(guarantee: Guarantee) -> GuaranteeResult {
        GuaranteeResult {
            guarantee,
            verdict: Verdict::Holds,
            reason: None,
            violations: Vec::new(),
            violation_count: 0,
            witness: None,
            staleness: None,
        }
    }

    pub fn not_checked(guarantee: Guarantee, reason: impl Into<String>) -> GuaranteeResult {
        GuaranteeResult {
            verdict: Verdict::NotChecked,
            reason: Some(reason.into()),
            ..GuaranteeResult::holds(guarantee)
        }
    }

    pub fn unknown(guarantee: Guarantee, reason: impl Into<String>) -> GuaranteeResult {
        GuaranteeResult {
            verdict: Verdict::Unknown,
            reason: Some(reason.into()),
            ..GuaranteeResult::holds(guarantee)
        }
    }

    /// A violated result from all detected violations; keeps the smallest
    /// first and at most `max` of them.
    pub fn violated(
        guarantee: Guarantee,
        mut violations: Vec<Violation>,
        max: Option<usize>,
    ) -> GuaranteeResult {
        assert!(!violations.is_empty(), "a violation needs evidence");
        let count = violations.len();
        violations.sort_by_key(|v| (v.ops.len(), v.ops.first().copied()));
        if let Some(max) = max {
            violations.truncate(max);
        }
        GuaranteeResult {
            verdict: Verdict::Violated,
            violations,
            violation_count: count,
            ..GuaranteeResult::holds(guarantee)
        }
    }
}

/// Checks `history` against the guarantees in `config` (all applicable ones
/// when the list is empty). Results come in the order of
/// [`Guarantee::ALL`].
pub fn check(history: &History, config: &CheckConfig) -> Vec<GuaranteeResult> {
    let config = &CheckConfig {
        deadline: config
            .deadline
            .or_else(|| config.timeout.map(|t| Instant::now() + t)),
        memory_in_use: Arc::new(AtomicU64::new(0)),
        ..config.clone()
    };
    let wanted: Vec<Guarantee> = if config.guarantees.is_empty() {
        Guarantee::ALL.to_vec()
    } else {
        let mut g = config.guarantees.clone();
        g.sort();
        g.dedup();
        g
    };
    // An empty capture proves nothing: a CI gate must not pass on it.
    if history.is_empty() {
        return wanted
            .into_iter()
            .map(|g| GuaranteeResult::not_checked(g, "no operations: nothing was checked"))
            .collect();
    }
    // The weak checks share one preparation and one causal scan; they come
    // first in `Guarantee::ALL`, before the strong checks that may reuse
    // their verdicts.
    let weak: Vec<Guarantee> = wanted
        .iter()
        .copied()
        .filter(|g| !matches!(g, Guarantee::Sequential | Guarantee::Linearizable))
        .collect();
    let mut results: Vec<GuaranteeResult> = weak_causal::check_many(history, &weak, config);
    debug_assert_eq!(results.len(), weak.len());
    // Linearizability's own search gives the better evidence and is
    // usually fast (near-linear for registers with unique values). It runs
    // once, and sequential consistency reuses it; a violated weaker
    // guarantee only rescues an unknown.
    let lin_own = wanted
        .contains(&Guarantee::Linearizable)
        .then(|| check_one(history, Guarantee::Linearizable, config));
    let lin = lin_own.map(|own| {
        if own.verdict == Verdict::Unknown {
            refuted_by_weaker(history, Guarantee::Linearizable, config, &results).unwrap_or(own)
        } else {
            own
        }
    });
    for g in wanted.into_iter().filter(|g| !weak.contains(g)) {
        let result = match g {
            // Sequential consistency is NP-complete; a violated weaker
            // guarantee that it implies refutes it soundly and cheaply
            // (DEFINITIONS.md: CCv violations are SC violations), so try
            // that before the search.
            Guarantee::Sequential => refuted_by_weaker(history, g, config, &results)
                .unwrap_or_else(|| {
                    let lin = lin.as_ref().filter(|l| l.verdict != Verdict::NotChecked);
                    sequential::check_after_lin(history, config, lin)
                }),
            Guarantee::Linearizable => lin.clone().expect("computed above when wanted"),
            _ => check_one(history, g, config),
        };
        results.push(result);
    }
    results
}

/// The polynomial checks whose violation refutes a strong guarantee:
/// `sequential ⇒ causal-convergence` and `sequential ⇒ causal`.
const REFUTERS: [Guarantee; 3] = [
    Guarantee::Sequential,
    Guarantee::CausalConvergence,
    Guarantee::Causal,
];

/// A `Violated` result for `strong` when a weaker guarantee it implies is
/// violated, reusing that guarantee's evidence. Uses results computed
/// already, and runs the cheap weak checks that were not requested.
fn refuted_by_weaker(
    history: &History,
    strong: Guarantee,
    config: &CheckConfig,
    done: &[GuaranteeResult],
) -> Option<GuaranteeResult> {
    let implied = strong.implied_closure();
    let refuters: Vec<Guarantee> = REFUTERS
        .into_iter()
        .filter(|g| implied.contains(g))
        .collect();
    // The weak refuters not computed yet, in one pass over one shared
    // preparation. Sequential is never computed here: only reused.
    let missing: Vec<Guarantee> = refuters
        .iter()
        .copied()
        .filter(|&g| g != Guarantee::Sequential && done.iter().all(|r| r.guarantee != g))
        .collect();
    let computed = if missing.is_empty() {
        Vec::new()
    } else {
        weak_causal::check_many(history, &missing, config)
    };
    refuters.into_iter().find_map(|weaker| {
        let result = done
            .iter()
            .chain(&computed)
            .find(|r| r.guarantee == weaker)?;
        (result.verdict == Verdict::Violated).then(|| GuaranteeResult {
            guarantee: strong,
            reason: Some(format!(
                "refuted because it implies {weaker}, which is violated"
            )),
            ..result.clone()
        })
    })
}

fn check_one(history: &History, guarantee: Guarantee, config: &CheckConfig) -> GuaranteeResult {
    if guarantee.needs_real_time() && !history.has_real_time() {
        return GuaranteeResult::not_checked(
            guarantee,
            "the history has no timestamps, so there is no real-time order",
        );
    }
    match guarantee {
        Guarantee::Linearizable => linearizable::check(history, config),
        Guarantee::Sequential => sequential::check(history, config),
        Guarantee::ReadYourWrites
        | Guarantee::MonotonicReads
        | Guarantee::MonotonicWrites
        | Guarantee::WritesFollowReads => session::check(history, guarantee, config),
        Guarantee::Pram => pram::check(history, config),
        Guarantee::Causal => causal::check(history, config),
        Guarantee::WeakCausal => weak_causal::check(history, config),
        Guarantee::CausalConvergence => causal_convergence::check(history, config),
        Guarantee::Convergence => convergence::check(history, config),
    }
}
