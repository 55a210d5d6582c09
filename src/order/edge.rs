//! Labelled edges between operations: the evidence vocabulary of the
//! orders (session order, reads-from, real time, causal order, forced
//! write orders, linearizations) that graphs, checks and reports share.

use crate::history::OpId;

/// Why one operation must come before another, as evidence.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EdgeLabel {
    /// Same process, earlier in its session.
    SessionOrder,
    /// The target read returned the value the source wrote.
    ReadsFrom,
    /// The source returned before the target was invoked.
    RealTime,
    /// Causal order (so ∪ rf)⁺, when the path is not spelled out.
    Causal,
    /// A write order forced by a rule, named in `rule`.
    ForcedWriteOrder { rule: String },
    /// Order in a (partial) linearization or witness.
    Linearization,
}

impl EdgeLabel {
    /// A short label for reports and DOT (`so`, `rf`, `rt`, `co`, `ar`).
    pub fn short(&self) -> &str {
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
