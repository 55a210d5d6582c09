//! Labelled edges between operations: the evidence vocabulary of the
//! orders (session order, reads-from, real time, causal order, forced
//! write orders, linearizations) that graphs, checks and reports share.

use crate::history::OpId;

/// The rule that forces one write before another in an arbitration or a
/// view (the `ar` edges of evidence).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A legal view: a write that must precede a read of its key must
    /// also precede the read's source (PRAM, causal memory).
    LegalView,
    /// Causal convergence's conflict: a write concurrent with a read's
    /// source, in the read's causal past, is arbitrated before the source.
    Conflict,
    /// Monotonic writes by observation (`docs/semantics.md`).
    MonotonicWrites,
    /// Writes-follow-reads by observation (`docs/semantics.md`).
    WritesFollowReads,
}

impl Rule {
    /// The rule's name in reports and DOT.
    pub fn name(self) -> &'static str {
        match self {
            Rule::LegalView => "legal view",
            Rule::Conflict => "cf",
            Rule::MonotonicWrites => "monotonic writes",
            Rule::WritesFollowReads => "writes follow reads",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why one operation must come before another, as evidence.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum EdgeLabel {
    /// Same process, earlier in its session.
    SessionOrder,
    /// The target read returned the value the source wrote.
    ReadsFrom,
    /// The source returned before the target was invoked.
    RealTime,
    /// Causal order (so ∪ rf)⁺, when the path is not spelled out.
    Causal,
    /// A write order forced by a rule.
    ForcedWriteOrder { rule: Rule },
    /// Order in a (partial) linearization or witness.
    Linearization,
}

impl EdgeLabel {
    /// A short label for reports and DOT (`so`, `rf`, `rt`, `co`, `ar`).
    pub fn short(&self) -> &'static str {
        match self {
            EdgeLabel::SessionOrder => "so",
            EdgeLabel::ReadsFrom => "rf",
            EdgeLabel::RealTime => "rt",
            EdgeLabel::Causal => "co",
            EdgeLabel::ForcedWriteOrder { .. } => "ar",
            EdgeLabel::Linearization => "lin",
        }
    }
}

/// A labelled edge between two operations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Edge {
    pub from: OpId,
    pub to: OpId,
    pub label: EdgeLabel,
}
