//! Evidence shared by the checks: the cycle violation every order-based
//! check reports when its constraints cannot be satisfied.

use crate::check::pattern::Pattern;
use crate::check::result::Violation;
use crate::check::sentence::{Part, Sentence};
use crate::history::{History, OpId};
use crate::order::edge::{Edge, EdgeLabel, Rule};
use crate::order::graph::cycle_among;
use crate::order::relations::Registers;

/// A cycle violation among the operations `left` by a failed topological
/// sort of session chains + `rf` + `forced` (pairs `(target, source)`).
pub fn cyclic(
    history: &History,
    reg: &Registers,
    rf: &[(OpId, OpId)],
    forced: &[(OpId, OpId, Rule)],
    left: &[OpId],
    pattern: Pattern,
) -> Option<Violation> {
    let mut is_left = vec![false; history.len()];
    for op in left {
        is_left[op.index()] = true;
    }
    let mut edges = Vec::new();
    for (from, to) in reg.so_pairs() {
        edges.push(Edge {
            from,
            to,
            label: EdgeLabel::SessionOrder,
        });
    }
    edges.extend(rf.iter().map(|(r, w)| Edge {
        from: *w,
        to: *r,
        label: EdgeLabel::ReadsFrom,
    }));
    edges.extend(forced.iter().map(|(t, s, rule)| Edge {
        from: *s,
        to: *t,
        label: EdgeLabel::ForcedWriteOrder { rule: *rule },
    }));
    let cycle = cycle_among(edges, |op| is_left[op.index()])?;
    let ops: Vec<OpId> = cycle.iter().map(|e| e.from).collect();
    Some(Violation {
        pattern,
        key: None,
        ops,
        explanation: Sentence::new()
            .text("these operations must each precede the next, in a cycle: ")
            .part(Part::Cycle(cycle.clone())),
        edges: cycle,
        partial_order: Vec::new(),
    })
}
