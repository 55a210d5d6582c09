//! Reports: serializable views of verdicts, for people and for machines.
//!
//! The core types are not `Serialize`; this module is the only place that
//! knows the JSON shape. `--output json` writes a **message stream**, one
//! JSON object per line, in the style of ripgrep's JSON printer:
//!
//! ```text
//! {"type":"begin","schema":"concord-report/1","path":"h.hist","format":"hist","semantics":[...],"stats":{...}}
//! {"type":"result","path":"h.hist","guarantee":"linearizable","verdict":"violated",...}
//! ... one "result" per guarantee ...
//! {"type":"end","path":"h.hist","exit_code":1,"elapsed_ms":3}
//! {"type":"error","path":"bad.hist","line":3,"column":9,"message":"...","notes":[...]}
//! {"type":"summary","schema":"concord-report/1","files":2,"exit_code":2,"elapsed_ms":5}
//! ```
//!
//! Schema `concord-report/1` (fields are only ever added within a version):
//! * `begin`: `path`, `format`, `semantics` (sentences: how the input was
//!   read, the choices that affect this history), `stats` ([`Stats`]:
//!   `real_time` says there is a real-time order, `timestamps` that its
//!   times are timestamps in `time_unit` rather than event positions),
//!   `notes` (sentences about the recording itself, e.g. a read that
//!   returned a value before any write of it was invoked).
//! * `result`: `guarantee` (name), `verdict` (`holds` | `violated` |
//!   `unknown` | `not-checked`), `reason` (string or null), `implies`
//!   (guarantee names this one implies), `violation_count`, `violations`
//!   (list of `{pattern, key, explanation, ops: [{id, line, process, text}],
//!   edges: [{from, to, label, rule}], partial_order: [op ids]}`),
//!   `witness` (op ids or null), `staleness` (`{one_atomic, two_atomic,
//!   delta}` or null; `two_atomic` is null when its bounded search did not
//!   decide), `semantics_notes` (sentences: a semantic choice the
//!   verdict may hinge on, e.g. the initial value of a Knossos register,
//!   because the evidence includes an operation whose reading depends on
//!   it; usually empty).
//! * `end`: `exit_code` for the file, `strongest` (the strongest guarantees
//!   that hold), `reason` (why nothing was checked, e.g. [`NO_OPERATIONS`],
//!   or null), `elapsed_ms`.
//! * `error`: an input that could not be read: `line`, `column` (1-based;
//!   0 when not tied to a position), `message`, `notes`.
//! * `summary`: the number of files and the overall exit code.
//!
//! Exit codes: 0 every requested guarantee holds, 1 a violation, 2 input or
//! usage error, 3 inconclusive (a budget ran out, a requested check could
//! not be run, or the history has no operations: [`NO_OPERATIONS`]). Over several files or guarantees the most severe wins, in
//! the order 2, 1, 3, 0.

pub mod html;
pub mod human;

use crate::check::{Edge, Guarantee, GuaranteeResult, Verdict, Violation};
use crate::history::{History, OpId};
use crate::parse::SemanticsHint;
use serde_json::{Value as Json, json};

/// The schema name of the JSON report.
pub const SCHEMA: &str = "concord-report/1";

/// What the report says about a history with no operations, which is
/// checked for nothing (exit 3): an empty capture never passes.
pub const NO_OPERATIONS: &str = "no operations: nothing was checked";

/// Facts about a history, for `concord stats` and report headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub operations: usize,
    pub processes: usize,
    pub keys: usize,
    pub ok: usize,
    pub fail: usize,
    /// Unknown outcome, completed with `info`.
    pub info: usize,
    /// Never returned.
    pub pending: usize,
    /// Largest number of overlapping operations (0 without real time).
    pub max_concurrency: usize,
    pub has_real_time: bool,
    /// Times are timestamps (false: event positions, or no times).
    pub has_timestamps: bool,
    /// The timestamps' unit (`ticks`, `ns`, ...).
    pub time_unit: &'static str,
    pub annotations: usize,
}

/// Computes [`Stats`].
pub fn stats(history: &History) -> Stats {
    let mut s = Stats {
        operations: history.len(),
        processes: history.process_count(),
        keys: history.key_count(),
        ok: 0,
        fail: 0,
        info: 0,
        pending: 0,
        max_concurrency: history.max_concurrency(),
        has_real_time: history.has_real_time(),
        has_timestamps: history.has_timestamps(),
        time_unit: history.metadata.time_unit.name(),
        annotations: history.annotations.len(),
    };
    for op in history.ops() {
        if op.is_ok() {
            s.ok += 1;
        } else if op.is_fail() {
            s.fail += 1;
        } else if op.is_pending() {
            s.pending += 1;
        } else {
            s.info += 1;
        }
    }
    s
}

pub fn stats_json(s: &Stats) -> Json {
    json!({
        "operations": s.operations,
        "processes": s.processes,
        "keys": s.keys,
        "ok": s.ok,
        "fail": s.fail,
        "info": s.info,
        "pending": s.pending,
        "max_concurrency": s.max_concurrency,
        "real_time": s.has_real_time,
        "timestamps": s.has_timestamps,
        "time_unit": s.time_unit,
        "annotations": s.annotations,
    })
}

/// Exit code severity order: 2, then 1, then 3, then 0.
pub fn most_severe(a: i32, b: i32) -> i32 {
    let rank = |c: i32| match c {
        2 => 3,
        1 => 2,
        3 => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The exit code for one file's results. `explicit` says whether the user
/// named the guarantees: then a guarantee that could not be checked makes
/// the run inconclusive (3); otherwise checks that do not apply are skipped,
/// unless none ran at all.
pub fn exit_code(results: &[GuaranteeResult], explicit: bool) -> i32 {
    let mut code = 0;
    let mut any_ran = false;
    for r in results {
        let c = match r.verdict {
            Verdict::Holds => 0,
            Verdict::Violated => 1,
            Verdict::Unknown => 3,
            Verdict::NotChecked if explicit => 3,
            Verdict::NotChecked => 0,
        };
        any_ran |= r.verdict != Verdict::NotChecked;
        code = most_severe(code, c);
    }
    if !any_ran && !results.is_empty() {
        code = most_severe(code, 3);
    }
    code
}

/// The strongest guarantees that hold: those holding that are not implied
/// by another holding guarantee.
pub fn strongest(results: &[GuaranteeResult]) -> Vec<Guarantee> {
    let holding: Vec<Guarantee> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Holds)
        .map(|r| r.guarantee)
        .collect();
    holding
        .iter()
        .copied()
        .filter(|g| {
            !holding
                .iter()
                .any(|h| h != g && h.implied_closure().contains(g))
        })
        .collect()
}

/// Pairs (stronger holds, weaker violated) that contradict the lattice. A
/// non-empty answer means a checker bug; reports show it loudly.
pub fn lattice_contradictions(results: &[GuaranteeResult]) -> Vec<(Guarantee, Guarantee)> {
    let verdict = |g: Guarantee| results.iter().find(|r| r.guarantee == g).map(|r| r.verdict);
    let mut out = Vec::new();
    for r in results.iter().filter(|r| r.verdict == Verdict::Holds) {
        for weaker in r.guarantee.implied_closure() {
            if verdict(weaker) == Some(Verdict::Violated) {
                out.push((r.guarantee, weaker));
            }
        }
    }
    out
}

fn op_json(history: &History, id: OpId) -> Json {
    let op = history.op(id);
    json!({
        "id": id.0,
        "line": op.source.line,
        "return_line": op.source.ret_line,
        "process": history.process_name(op.process),
        "text": history.describe(id),
    })
}

fn edge_json(e: &Edge) -> Json {
    let rule = match &e.label {
        crate::check::EdgeLabel::ForcedWriteOrder { rule } => Json::String(rule.name().into()),
        _ => Json::Null,
    };
    json!({"from": e.from.0, "to": e.to.0, "label": e.label.short(), "rule": rule})
}

pub fn violation_json(history: &History, v: &Violation) -> Json {
    json!({
        "pattern": v.pattern.name(),
        "key": v.key.map(|k| history.key_name(k).to_string()),
        "explanation": v.explanation.render(history),
        "ops": v.ops.iter().map(|&id| op_json(history, id)).collect::<Vec<_>>(),
        "edges": v.edges.iter().map(edge_json).collect::<Vec<_>>(),
        "partial_order": v.partial_order.iter().map(|id| id.0).collect::<Vec<_>>(),
    })
}

/// The sentences of `hints` whose operations appear in `r`'s evidence: the
/// semantic choices the verdict may hinge on.
pub fn hinges_on<'h>(r: &GuaranteeResult, hints: &'h [SemanticsHint]) -> Vec<&'h SemanticsHint> {
    hints
        .iter()
        .filter(|h| {
            r.violations
                .iter()
                .any(|v| v.ops.iter().any(|op| h.ops.contains(op)))
        })
        .collect()
}

/// The `result` message for one guarantee.
pub fn result_json(
    path: &str,
    history: &History,
    r: &GuaranteeResult,
    hints: &[SemanticsHint],
) -> Json {
    json!({
        "type": "result",
        "path": path,
        "guarantee": r.guarantee.name(),
        "verdict": r.verdict.name(),
        "reason": r.reason,
        "implies": r.guarantee.implied_closure().iter().map(|g| g.name()).collect::<Vec<_>>(),
        "violation_count": r.violation_count,
        "violations": r.violations.iter().map(|v| violation_json(history, v)).collect::<Vec<_>>(),
        "witness": r.witness.as_ref().map(|w| w.iter().map(|id| id.0).collect::<Vec<_>>()),
        "staleness": r.staleness.as_ref().map(|s| json!({
            "one_atomic": s.one_atomic,
            "two_atomic": s.two_atomic,
            "delta": s.delta,
        })),
        "semantics_notes": hinges_on(r, hints).iter().map(|h| h.text.as_str()).collect::<Vec<_>>(),
    })
}

pub fn begin_json(path: &str, format: &str, semantics: &[String], stats: &Stats) -> Json {
    json!({
        "type": "begin",
        "schema": SCHEMA,
        "path": path,
        "format": format,
        "semantics": semantics,
        "stats": stats_json(stats),
    })
}

/// The `end` message; `reason` says why nothing was checked, if so.
pub fn end_json(
    path: &str,
    results: &[GuaranteeResult],
    exit_code: i32,
    reason: Option<&str>,
    elapsed_ms: u128,
) -> Json {
    json!({
        "type": "end",
        "path": path,
        "exit_code": exit_code,
        "reason": reason,
        "strongest": strongest(results).iter().map(|g| g.name()).collect::<Vec<_>>(),
        "lattice_contradictions": lattice_contradictions(results)
            .iter()
            .map(|(a, b)| json!([a.name(), b.name()]))
            .collect::<Vec<_>>(),
        "elapsed_ms": elapsed_ms,
    })
}

pub fn error_json(path: &str, line: u32, column: u32, message: &str, notes: &[String]) -> Json {
    json!({
        "type": "error",
        "path": path,
        "line": line,
        "column": column,
        "message": message,
        "notes": notes,
    })
}

pub fn summary_json(files: usize, exit_code: i32, elapsed_ms: u128) -> Json {
    json!({
        "type": "summary",
        "schema": SCHEMA,
        "files": files,
        "exit_code": exit_code,
        "elapsed_ms": elapsed_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(g: Guarantee, v: Verdict) -> GuaranteeResult {
        GuaranteeResult {
            verdict: v,
            ..GuaranteeResult::holds(g)
        }
    }

    #[test]
    fn severity_order_is_2_1_3_0() {
        assert_eq!(most_severe(0, 3), 3);
        assert_eq!(most_severe(3, 1), 1);
        assert_eq!(most_severe(1, 2), 2);
        assert_eq!(most_severe(2, 3), 2);
    }

    #[test]
    fn not_checked_counts_only_when_requested() {
        let rs = [
            result(Guarantee::Linearizable, Verdict::NotChecked),
            result(Guarantee::Pram, Verdict::Holds),
        ];
        assert_eq!(exit_code(&rs, false), 0);
        assert_eq!(exit_code(&rs, true), 3);
        assert_eq!(exit_code(&rs[..1], false), 3, "nothing ran");
    }

    #[test]
    fn strongest_drops_implied_guarantees() {
        let rs = [
            result(Guarantee::Sequential, Verdict::Holds),
            result(Guarantee::Causal, Verdict::Holds),
            result(Guarantee::Convergence, Verdict::Holds),
            result(Guarantee::Linearizable, Verdict::Violated),
        ];
        assert_eq!(
            strongest(&rs),
            vec![Guarantee::Sequential, Guarantee::Convergence]
        );
        assert!(lattice_contradictions(&rs).is_empty());
        let bad = [
            result(Guarantee::Causal, Verdict::Holds),
            result(Guarantee::MonotonicReads, Verdict::Violated),
        ];
        assert_eq!(
            lattice_contradictions(&bad),
            vec![(Guarantee::Causal, Guarantee::MonotonicReads)]
        );
    }
}
