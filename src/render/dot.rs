//! DOT rendering of a violation: the operations it names and the labelled
//! edges that make it impossible (so, rf, rt, co, forced write orders), so
//! that `dot -Tsvg` draws the counterexample. Nodes show the operation as
//! the concord language writes it and its input line.

use crate::check::Violation;
use crate::history::History;

/// The violation's subgraph as a DOT digraph, captioned with its
/// explanation.
pub fn violation_to_dot(history: &History, violation: &Violation) -> String {
    let caption = format!(
        "{}: {}",
        violation.pattern,
        violation.explanation.render(history)
    );
    crate::order::graph::to_dot(
        history,
        violation.pattern.name(),
        &violation.ops,
        &violation.edges,
        &violation.ops,
        Some(&caption),
    )
}
