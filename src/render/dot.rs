//! DOT rendering of a violation: the operations it names and the labelled
//! edges that make it impossible (so, rf, rt, co, forced write orders), so
//! that `dot -Tsvg` draws the counterexample. Nodes show the operation as
//! the concord language writes it and its input line.

use crate::check::Violation;
use crate::history::History;

/// The violation's subgraph as a DOT digraph.
pub fn violation_to_dot(history: &History, violation: &Violation) -> String {
    let mut dot = crate::order::graph::to_dot(
        history,
        &violation.pattern,
        &violation.ops,
        &violation.edges,
        &violation.ops,
    );
    // The explanation goes in as a graph label so the picture stands alone.
    let label = format!(
        "  label=\"{}: {}\";\n}}\n",
        violation.pattern,
        violation
            .explanation
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    );
    dot.truncate(dot.len() - 2);
    dot.push_str(&label);
    dot
}
