//! The one shape every check has ([`Check`]) and what a run shares between
//! checks ([`Shared`]): the preparation and the causal scan, computed once
//! and only when some requested check [`Needs`] them, and the results of
//! the checks that ran before.
//!
//! A guarantee is one file with one type implementing [`Check`], one
//! variant of [`Guarantee`] and one line of `check::registry::REGISTRY`
//! (ARCHITECTURE.md walks through adding one).

use crate::check::prepare::Prepared;
use crate::check::result::{CheckConfig, GuaranteeResult};
use crate::check::scan::CausalFacts;
use crate::guarantee::{Guarantee, Verdict};
use crate::history::History;

/// What a check needs from the run before it can start.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// The counted operations and their relations ([`Prepared`]).
    pub relations: bool,
    /// The causal scan over vector clocks ([`CausalFacts`]).
    pub causal_scan: bool,
    /// The scan's conflict pairs too (what causal convergence arbitrates).
    pub conflicts: bool,
    /// Real-time order: without timestamps the check is not run.
    pub real_time: bool,
    /// An exponential search: it runs after every polynomial check, one
    /// search at a time, and may reuse their results ([`Shared::earlier`]).
    pub search: bool,
}

impl Needs {
    /// A polynomial check over the relations alone.
    pub const RELATIONS: Needs = Needs {
        relations: true,
        causal_scan: false,
        conflicts: false,
        real_time: false,
        search: false,
    };

    /// A polynomial check over the relations and the causal scan.
    pub const CAUSAL_SCAN: Needs = Needs {
        causal_scan: true,
        ..Needs::RELATIONS
    };
}

/// One guarantee's check. Implementations are unit structs listed in
/// `check::registry::REGISTRY`; `check::check` runs the requested ones in
/// phases by what they need.
pub trait Check: Sync {
    /// The guarantee this check decides.
    fn guarantee(&self) -> Guarantee;

    /// What the run must prepare before [`Check::run`].
    fn needs(&self) -> Needs;

    /// Decides the guarantee. Called only when the run's deadline has not
    /// passed (polynomial checks), with what [`Check::needs`] declared.
    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult;
}

/// Runs polynomial checks that were not requested (for a refutation).
pub type RunPolynomial<'a> = &'a (dyn Fn(&[Guarantee]) -> Vec<GuaranteeResult> + Sync);

/// What the checks of one run share.
pub struct Shared<'a> {
    pub history: &'a History,
    pub config: &'a CheckConfig,
    prepared: Option<&'a Prepared>,
    facts: Option<&'a CausalFacts>,
    earlier: &'a [GuaranteeResult],
    polynomial: Option<RunPolynomial<'a>>,
}

impl<'a> Shared<'a> {
    /// A run's shared state; the driver (`check::registry`) fills in what
    /// the checks need.
    pub(crate) fn new(
        history: &'a History,
        config: &'a CheckConfig,
        prepared: Option<&'a Prepared>,
        facts: Option<&'a CausalFacts>,
    ) -> Shared<'a> {
        Shared {
            history,
            config,
            prepared,
            facts,
            earlier: &[],
            polynomial: None,
        }
    }

    /// The same, for a search that may read `earlier` results and run the
    /// polynomial checks that were not requested.
    pub(crate) fn with_earlier(
        mut self,
        earlier: &'a [GuaranteeResult],
        polynomial: RunPolynomial<'a>,
    ) -> Shared<'a> {
        self.earlier = earlier;
        self.polynomial = Some(polynomial);
        self
    }

    /// The preparation.
    ///
    /// # Panics
    ///
    /// When the check did not declare [`Needs::relations`].
    pub fn prepared(&self) -> &'a Prepared {
        self.prepared
            .expect("a check reading the relations declares Needs::relations")
    }

    /// The causal scan.
    ///
    /// # Panics
    ///
    /// When the check did not declare [`Needs::causal_scan`].
    pub fn facts(&self) -> &'a CausalFacts {
        self.facts
            .expect("a check reading the causal scan declares Needs::causal_scan")
    }

    /// The result of `g` when it ran earlier in this run.
    pub fn earlier(&self, g: Guarantee) -> Option<&'a GuaranteeResult> {
        self.earlier.iter().find(|r| r.guarantee == g)
    }

    /// A `Violated` result for `strong` when a polynomial guarantee it
    /// implies is violated, reusing that guarantee's evidence: the results
    /// of this run first, then the cheap checks that were not requested.
    /// Sound by the lattice (`DEFINITIONS.md`: sequential consistency
    /// implies causal convergence and causal memory).
    pub fn refuted_by_weaker(&self, strong: Guarantee) -> Option<GuaranteeResult> {
        let implied = strong.implied_closure();
        let refuters: Vec<Guarantee> = REFUTERS
            .into_iter()
            .filter(|g| implied.contains(g))
            .collect();
        // The polynomial refuters not computed yet, in one pass over one
        // shared preparation. Sequential is never computed here: only
        // reused.
        let missing: Vec<Guarantee> = refuters
            .iter()
            .copied()
            .filter(|&g| g != Guarantee::Sequential && self.earlier(g).is_none())
            .collect();
        let computed = match self.polynomial {
            Some(run) if !missing.is_empty() => run(&missing),
            _ => Vec::new(),
        };
        refuters.into_iter().find_map(|weaker| {
            let result = self
                .earlier
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
}

/// The guarantees whose violation refutes a strong guarantee cheaply:
/// `sequential ⇒ causal-convergence` and `sequential ⇒ causal`.
const REFUTERS: [Guarantee; 3] = [
    Guarantee::Sequential,
    Guarantee::CausalConvergence,
    Guarantee::Causal,
];
