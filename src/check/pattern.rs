//! The bad patterns violations are reported as: one name per shape of
//! counterexample, stable across versions (reports, SARIF rule ids and
//! tests use the names).

use std::fmt;

/// The shape of a violation.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    /// A read of a value no write wrote (`check::sanity`).
    ThinAirRead,
    /// A read of a value only failed writes wrote.
    AbortedRead,
    /// A read of a value its own session writes only later.
    FutureRead,
    /// (so ∪ rf) has a cycle (`check::scan`).
    CyclicCO,
    /// A read of the initial value with a write of its key in its causal
    /// past.
    WriteCOInitRead,
    /// A read that missed a newer write it had causally seen.
    WriteCORead,
    /// co ∪ cf has a cycle (causal convergence).
    CyclicCF,
    /// A session's view cannot be ordered (PRAM, causal memory).
    CyclicHB,
    /// In a session's view a write precedes a read of the initial value.
    WriteHBInitRead,
    /// Read-your-writes: the initial value read after an own write.
    InitialReadAfterOwnWrite,
    /// Read-your-writes: an own write read after a later own write.
    StaleOwnWrite,
    /// Monotonic reads: a session reads an older value after a newer one.
    NonMonotonicRead,
    /// Monotonic writes by observation.
    MonotonicWritesViolation,
    /// Writes-follow-reads by observation.
    WritesFollowReadsViolation,
    /// Writes-follow-reads: so ∪ rf has a cycle.
    CyclicWFR,
    /// Convergence: reads after quiescence disagree.
    Divergence,
    /// Convergence: a late read's value is not a maximal write.
    NotMaximal,
    /// No linearization exists.
    NotLinearizable,
    /// No sequential order exists.
    NotSequential,
}

impl Pattern {
    /// The pattern's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::ThinAirRead => "ThinAirRead",
            Pattern::AbortedRead => "AbortedRead",
            Pattern::FutureRead => "FutureRead",
            Pattern::CyclicCO => "CyclicCO",
            Pattern::WriteCOInitRead => "WriteCOInitRead",
            Pattern::WriteCORead => "WriteCORead",
            Pattern::CyclicCF => "CyclicCF",
            Pattern::CyclicHB => "CyclicHB",
            Pattern::WriteHBInitRead => "WriteHBInitRead",
            Pattern::InitialReadAfterOwnWrite => "InitialReadAfterOwnWrite",
            Pattern::StaleOwnWrite => "StaleOwnWrite",
            Pattern::NonMonotonicRead => "NonMonotonicRead",
            Pattern::MonotonicWritesViolation => "MonotonicWritesViolation",
            Pattern::WritesFollowReadsViolation => "WritesFollowReadsViolation",
            Pattern::CyclicWFR => "CyclicWFR",
            Pattern::Divergence => "Divergence",
            Pattern::NotMaximal => "NotMaximal",
            Pattern::NotLinearizable => "NotLinearizable",
            Pattern::NotSequential => "NotSequential",
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
