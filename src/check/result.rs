//! What a check takes and gives: its configuration ([`CheckConfig`], with
//! the run's one time and memory budget) and its result
//! ([`GuaranteeResult`], a verdict with evidence: [`Violation`]s).

use crate::check::pattern::Pattern;
use crate::check::sentence::Sentence;
use crate::guarantee::{Guarantee, Verdict};
use crate::history::{KeyId, Model, OpId, Time};
use crate::order::edge::Edge;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

/// How a check is run. Built by the CLI from flags; library users fill it
/// directly. The default checks every applicable guarantee with no budget.
#[derive(Clone, Debug, Default)]
pub struct CheckConfig {
    /// Guarantees to check; empty means every guarantee the history allows.
    pub guarantees: Vec<Guarantee>,
    /// The data model for the strong checks; `None` means: from the history
    /// header, else inferred from the operations.
    pub model: Option<Model>,
    /// Wall-clock budget of the whole run ([`check`](crate::check::check)): every check shares
    /// one deadline, and one that runs out ends `unknown`.
    pub timeout: Option<Duration>,
    /// The deadline of the run; [`check`](crate::check::check) sets it from `timeout` when it
    /// is `None`, so that every check and search shares it.
    pub deadline: Option<Instant>,
    /// Budget on memoized search states of each search.
    pub states_max: Option<u64>,
    /// Memory budget of the run, in bytes, shared by every search running
    /// at once (parallel partitions included); `None` keeps only each
    /// search's built-in cap.
    pub memory_max_bytes: Option<u64>,
    /// Bytes the searches of this run hold now (their memo tables);
    /// [`check`](crate::check::check) starts a fresh gauge.
    pub memory_in_use_bytes: Arc<AtomicU64>,
    /// Widen every interval by this many time units before real-time order
    /// is built (clock uncertainty).
    pub clock_skew: Time,
    /// Produce a witness order for guarantees that hold, when supported.
    pub witness: bool,
    /// Report at most this many violations per guarantee; the per-key
    /// searches (linearizability, sequential consistency's quick
    /// refutation) also stop once this many keys are refuted. `None` (or
    /// 0) reports and decides all.
    pub violations_max: Option<usize>,
}

impl CheckConfig {
    /// The run's deadline: `deadline`, else `timeout` from now (a check
    /// called on its own, outside [`check`](crate::check::check)).
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
    pub pattern: Pattern,
    /// The key where it happens, when it is about one key.
    pub key: Option<KeyId>,
    /// The operations involved, smallest witness first where it matters.
    pub ops: Vec<OpId>,
    /// The labelled edges that make it impossible.
    pub edges: Vec<Edge>,
    /// One plain sentence.
    pub explanation: Sentence,
    /// For search-based checks: the longest partial linearization found
    /// (empty otherwise).
    pub partial_order: Vec<OpId>,
}

/// Staleness of a register history (Golab, Li, Shah, PODC 2011).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staleness {
    /// Linearizable with reads at most one version old.
    pub one_atomic: bool,
    /// Reads at most two versions old; `None` when the search that decides
    /// it ran past its step bound.
    pub two_atomic: Option<bool>,
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
    /// Reported violations (possibly cut by `violations_max`).
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

    /// `not-checked` because the history has no timestamps (the checks
    /// that need real-time order).
    pub fn no_real_time(guarantee: Guarantee) -> GuaranteeResult {
        GuaranteeResult::not_checked(
            guarantee,
            "the history has no timestamps, so there is no real-time order",
        )
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
        if let Some(max) = max.filter(|&m| m > 0) {
            violations.truncate(max);
        }
        debug_assert!(
            violations.iter().all(|v| !v.ops.is_empty()),
            "evidence names operations"
        );
        GuaranteeResult {
            verdict: Verdict::Violated,
            violations,
            violation_count: count,
            ..GuaranteeResult::holds(guarantee)
        }
    }
}
