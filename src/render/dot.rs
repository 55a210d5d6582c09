//! DOT rendering of a violation, so that `dot -Tsvg` draws the
//! counterexample:
//!
//! * a **linearizability** failure (a violation with a partial
//!   linearization, or `NotLinearizable`) as a timeline: one lane per
//!   process (a cluster, operations left to right in session order), the
//!   real-time edges between the operations shown (transitively reduced, so
//!   only the ones that matter are drawn), the longest partial
//!   linearization's tail as numbered `lin` edges, and the operation that
//!   cannot be placed marked in red;
//! * every other violation with its processes as clusters and its labelled
//!   edges (`so`, `rf`, `rt`, `co`, `ar` with the rule that forces it).
//!
//! Nodes show the operation as the concord language writes it, its interval
//! and its input line; the caption (pattern and explanation) is wrapped.

use crate::check::{Pattern, Violation};
use crate::history::{History, OpId};
use std::fmt::Write as _;

/// Operations of the partial linearization drawn before the one that
/// cannot be placed.
const TAIL: usize = 8;

/// Caption width in characters.
const WRAP: usize = 72;

/// The violation as a DOT digraph, captioned with its explanation.
pub fn violation_to_dot(history: &History, violation: &Violation) -> String {
    let caption = format!(
        "{}: {}",
        violation.pattern,
        violation.explanation.render(history)
    );
    if violation.pattern == Pattern::NotLinearizable || !violation.partial_order.is_empty() {
        timeline(history, violation, &caption)
    } else {
        clusters(history, violation, &caption)
    }
}

/// The linearizability timeline.
fn timeline(history: &History, v: &Violation, caption: &str) -> String {
    let blocked = v.ops.first().copied();
    let tail_start = v.partial_order.len().saturating_sub(TAIL);
    let tail = &v.partial_order[tail_start..];
    let mut nodes: Vec<OpId> = v.ops.iter().chain(tail).copied().collect();
    nodes.sort_by_key(|&id| (history.op(id).invoke, id));
    nodes.dedup();
    let mut out = header(v.pattern.name());
    lanes(history, &nodes, blocked, &mut out);
    // Real time among the nodes, transitively reduced: a -> b when a
    // returned before b was invoked and no shown c lies between them.
    let precedes = |a: OpId, b: OpId| history.op(a).precedes(history.op(b));
    for &a in &nodes {
        for &b in &nodes {
            if precedes(a, b) && !nodes.iter().any(|&c| precedes(a, c) && precedes(c, b)) {
                let _ = writeln!(
                    out,
                    "  op{} -> op{} [label=\"rt\", style=dotted, constraint=false];",
                    a.0, b.0
                );
            }
        }
    }
    for (i, pair) in tail.windows(2).enumerate() {
        let _ = writeln!(
            out,
            "  op{} -> op{} [label=\"lin {}\", color=blue, fontcolor=blue, style=dashed, constraint=false];",
            pair[0].0,
            pair[1].0,
            tail_start + i + 1
        );
    }
    for e in &v.edges {
        edge(e, &mut out);
    }
    let note = match (blocked, v.partial_order.len()) {
        (Some(b), n) => format!(
            "\nred: {} (line {}) cannot be placed after the longest partial linearization ({n} operations; blue: its last {})",
            history.describe(b),
            history.op(b).source.line,
            tail.len()
        ),
        (None, _) => String::new(),
    };
    footer(&format!("{caption}{note}"), &mut out);
    out
}

/// Any other violation: processes as clusters, labelled edges.
fn clusters(history: &History, v: &Violation, caption: &str) -> String {
    let mut nodes: Vec<OpId> = v.ops.clone();
    for e in &v.edges {
        nodes.push(e.from);
        nodes.push(e.to);
    }
    nodes.sort_by_key(|&id| (history.op(id).invoke, id));
    nodes.dedup();
    let mut out = header(v.pattern.name());
    lanes(history, &nodes, None, &mut out);
    for e in &v.edges {
        edge(e, &mut out);
    }
    footer(caption, &mut out);
    out
}

fn header(title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(title));
    out.push_str("  rankdir=LR;\n  newrank=true;\n");
    out.push_str("  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
    out.push_str("  edge [fontname=\"monospace\", fontsize=9];\n");
    out
}

/// One cluster per process, its operations in session order joined by
/// invisible edges (so each lane reads left to right); `blocked` in red.
fn lanes(history: &History, nodes: &[OpId], blocked: Option<OpId>, out: &mut String) {
    let mut processes: Vec<u32> = nodes.iter().map(|&id| history.op(id).process.0).collect();
    processes.sort_unstable();
    processes.dedup();
    for p in processes {
        let lane: Vec<OpId> = nodes
            .iter()
            .copied()
            .filter(|&id| history.op(id).process.0 == p)
            .collect();
        let name = history.process_name(history.op(lane[0]).process);
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{p}")));
        let _ = writeln!(out, "    label={}; style=rounded; color=gray;", quote(name));
        for &id in &lane {
            let op = history.op(id);
            let interval = match (history.has_real_time(), op.ret) {
                (false, _) => String::new(),
                (true, Some(r)) => format!(" @ {}..{}", op.invoke, r),
                (true, None) => format!(" @ {}..?", op.invoke),
            };
            let mut label = format!("{}{interval}", history.describe(id));
            if op.source.line > 0 {
                let _ = write!(label, "\nline {}", op.source.line);
            }
            let style = if Some(id) == blocked {
                ", style=\"bold,filled\", color=red, fillcolor=\"#ffe0e0\""
            } else if op.is_unknown() {
                ", style=dashed"
            } else {
                ""
            };
            let _ = writeln!(out, "    op{} [label={}{style}];", id.0, quote(&label));
        }
        for pair in lane.windows(2) {
            let _ = writeln!(out, "    op{} -> op{} [style=invis];", pair[0].0, pair[1].0);
        }
        out.push_str("  }\n");
    }
}

fn edge(e: &crate::check::Edge, out: &mut String) {
    let (text, style) = crate::order::graph::edge_look(&e.label);
    let _ = writeln!(
        out,
        "  op{} -> op{} [label={}{style}];",
        e.from.0,
        e.to.0,
        quote(&text)
    );
}

fn footer(caption: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "  labelloc=t;\n  labeljust=l;\n  label={};",
        quote(&wrap(caption, WRAP))
    );
    out.push_str("}\n");
}

/// `text` broken into lines of at most `width` characters at spaces
/// (a longer word gets a line of its own); existing line breaks are kept.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for (i, para) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut len = 0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let w = word.chars().count();
            if len > 0 && len + 1 + w > width {
                out.push('\n');
                len = 0;
            } else if len > 0 {
                out.push(' ');
                len += 1;
            }
            out.push_str(word);
            len += w;
        }
    }
    out
}

/// A DOT string literal; a line break becomes a left-justified break.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\l"),
            c => out.push(c),
        }
    }
    if s.contains('\n') {
        out.push_str("\\l");
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn captions_wrap_at_spaces() {
        assert_eq!(wrap("aa bb cc dd", 5), "aa bb\ncc dd");
        assert_eq!(wrap("a verylongword b", 4), "a\nverylongword\nb");
        assert_eq!(wrap("x\ny z", 80), "x\ny z");
    }
}
