//! The vocabulary every layer shares: the guarantees concord checks, the
//! lattice of implications between them (`DEFINITIONS.md`), and the
//! verdicts. It knows nothing of histories or checks, so the simulator's
//! promise tables, the reports and the checks can all name a guarantee
//! without reaching into each other.

use std::fmt;

/// A consistency guarantee concord can check.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Guarantee {
    ReadYourWrites,
    MonotonicReads,
    MonotonicWrites,
    WritesFollowReads,
    Pram,
    Causal,
    WeakCausal,
    CausalConvergence,
    Convergence,
    Sequential,
    Linearizable,
}

impl Guarantee {
    /// Every guarantee, weakest families first.
    pub const ALL: [Guarantee; 11] = [
        Guarantee::ReadYourWrites,
        Guarantee::MonotonicReads,
        Guarantee::MonotonicWrites,
        Guarantee::WritesFollowReads,
        Guarantee::Pram,
        Guarantee::Causal,
        Guarantee::WeakCausal,
        Guarantee::CausalConvergence,
        Guarantee::Convergence,
        Guarantee::Sequential,
        Guarantee::Linearizable,
    ];

    /// The name users type and reports print.
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "read-your-writes",
            Guarantee::MonotonicReads => "monotonic-reads",
            Guarantee::MonotonicWrites => "monotonic-writes",
            Guarantee::WritesFollowReads => "writes-follow-reads",
            Guarantee::Pram => "pram",
            Guarantee::Causal => "causal",
            Guarantee::WeakCausal => "weak-causal",
            Guarantee::CausalConvergence => "causal-convergence",
            Guarantee::Convergence => "convergence",
            Guarantee::Sequential => "sequential",
            Guarantee::Linearizable => "linearizable",
        }
    }

    /// The short alias (`ryw`, `mr`, ...).
    pub fn alias(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "ryw",
            Guarantee::MonotonicReads => "mr",
            Guarantee::MonotonicWrites => "mw",
            Guarantee::WritesFollowReads => "wfr",
            Guarantee::Pram => "fifo",
            Guarantee::Causal => "cm",
            Guarantee::WeakCausal => "cc",
            Guarantee::CausalConvergence => "ccv",
            Guarantee::Convergence => "convergence",
            Guarantee::Sequential => "sc",
            Guarantee::Linearizable => "lin",
        }
    }

    /// Parses a name or alias.
    pub fn from_name(name: &str) -> Option<Guarantee> {
        Guarantee::ALL
            .into_iter()
            .find(|g| g.name() == name || g.alias() == name)
    }

    /// Guarantees this one directly implies (the lattice's edges, see
    /// `DEFINITIONS.md`): a history keeping `self` keeps each of these.
    pub fn implies(self) -> &'static [Guarantee] {
        use Guarantee::*;
        match self {
            Linearizable => &[Sequential],
            Sequential => &[CausalConvergence, Causal],
            CausalConvergence => &[WeakCausal],
            Causal => &[WeakCausal, Pram],
            // Proved in `check::session` (a stale WFR read is a WriteCORead)
            // and checked against the oracle in tests/it/weak_oracle.rs.
            WeakCausal => &[WritesFollowReads],
            Pram => &[ReadYourWrites, MonotonicReads, MonotonicWrites],
            _ => &[],
        }
    }

    /// Every guarantee implied by `self`, transitively (excluding itself).
    pub fn implied_closure(self) -> Vec<Guarantee> {
        let mut out: Vec<Guarantee> = Vec::new();
        let mut stack = self.implies().to_vec();
        while let Some(g) = stack.pop() {
            if !out.contains(&g) {
                out.push(g);
                stack.extend_from_slice(g.implies());
            }
        }
        out.sort();
        out
    }

    /// True when the check needs real-time order (timestamps).
    pub fn needs_real_time(self) -> bool {
        matches!(self, Guarantee::Linearizable)
    }
}

impl fmt::Display for Guarantee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The verdict of one guarantee on one history.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The guarantee holds (a witness may back it).
    Holds,
    /// The guarantee is violated (violations carry the evidence).
    Violated,
    /// A budget ran out or the input does not determine the answer.
    Unknown,
    /// The check was not run (it does not apply to this history, or is not
    /// available); `reason` says why. Never reported as holding.
    NotChecked,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Unknown => "unknown",
            Verdict::NotChecked => "not-checked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_round_trip() {
        for g in Guarantee::ALL {
            assert_eq!(Guarantee::from_name(g.name()), Some(g));
            assert_eq!(Guarantee::from_name(g.alias()), Some(g));
        }
    }

    #[test]
    fn lattice_closure_matches_definitions() {
        let lin = Guarantee::Linearizable.implied_closure();
        assert_eq!(
            lin.len(),
            Guarantee::ALL.len() - 2,
            "all but itself and convergence"
        );
        assert!(
            !Guarantee::WeakCausal
                .implied_closure()
                .contains(&Guarantee::Pram)
        );
        assert!(
            Guarantee::Causal
                .implied_closure()
                .contains(&Guarantee::MonotonicReads)
        );
        assert_eq!(
            Guarantee::WeakCausal.implied_closure(),
            vec![Guarantee::WritesFollowReads]
        );
        assert!(
            Guarantee::Causal
                .implied_closure()
                .contains(&Guarantee::WritesFollowReads)
        );
    }
}
