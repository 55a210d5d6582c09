//! Evidence shared by the checks: how an operation is named in a sentence
//! (with its input line), and the cycle violation every order-based check
//! reports when its constraints cannot be satisfied.

use crate::check::pattern::Pattern;
use crate::check::result::Violation;
use crate::history::{History, KeyId, Observed, OpId};
use crate::order::edge::{Edge, EdgeLabel, Rule};
use crate::order::graph::cycle_among;
use crate::order::relations::Registers;

/// `p2 read x=1 (line 4)`.
pub fn describe_read(history: &History, r: OpId) -> String {
    let op = history.op(r);
    let value = history.describe_observed(op.observed().unwrap_or(Observed::Unknown));
    format!(
        "{} read {}={}{}",
        history.process_name(op.process),
        key_name(history, op.key),
        value,
        line_suffix(history, r)
    )
}

/// `p1's write x=2 (line 3)`.
pub fn describe_write(history: &History, w: OpId) -> String {
    let op = history.op(w);
    let value = op
        .call
        .written_value()
        .map_or("?".to_string(), |v| history.value(v).to_string());
    format!(
        "{}'s write {}={}{}",
        history.process_name(op.process),
        key_name(history, op.key),
        value,
        line_suffix(history, w)
    )
}

/// `line 3` or the operation's description when it has no line.
pub fn where_is(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => history.describe(op),
        l => format!("{}, line {l}", history.describe(op)),
    }
}

/// The key's name, `x` for a keyless history.
pub fn key_name(history: &History, key: KeyId) -> String {
    match history.key_name(key) {
        "" => "x".to_string(),
        k => k.to_string(),
    }
}

fn line_suffix(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => String::new(),
        l => format!(" (line {l})"),
    }
}

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
    let steps: Vec<String> = cycle
        .iter()
        .map(|e| match &e.label {
            EdgeLabel::ReadsFrom => format!(
                "{} was read by {}",
                short(history, e.from),
                short(history, e.to)
            ),
            EdgeLabel::SessionOrder => format!(
                "{} came before {} in its session",
                short(history, e.from),
                short(history, e.to)
            ),
            EdgeLabel::ForcedWriteOrder { rule } => {
                format!(
                    "{} must be ordered before {} ({rule})",
                    short(history, e.from),
                    short(history, e.to)
                )
            }
            other => format!(
                "{} {} {}",
                short(history, e.from),
                other.short(),
                short(history, e.to)
            ),
        })
        .collect();
    Some(Violation {
        pattern,
        key: None,
        ops,
        edges: cycle,
        explanation: format!(
            "these operations must each precede the next, in a cycle: {}",
            steps.join("; ")
        ),
        partial_order: Vec::new(),
    })
}

/// `p1 write x 1 (line 3)`.
pub fn short(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => history.describe(op),
        l => format!("{} (line {l})", history.describe(op)),
    }
}
