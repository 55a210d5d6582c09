//! Reports: serializable views of verdicts, for people and for machines.
//!
//! The core types are not `Serialize`; this module is the only place that
//! knows the report shapes. [`view`] turns a file's history and results
//! into a serializable view once; every machine format is written from it:
//! JSON here, [`junit`] (JUnit XML), [`sarif`] (SARIF 2.1.0), [`github`]
//! (GitHub Actions workflow commands). [`human`] is the text for people.
//!
//! `--report json` writes a **message stream**, one JSON object per line,
//! in the style of ripgrep's JSON printer; its JSON Schema is
//! `docs/report.schema.json` (the tests validate every JSON output against
//! it):
//!
//! ```text
//! {"type":"begin","schema":"concord-report/1","path":"h.hist","format":"hist","semantics":[...],"stats":{...}}
//! {"type":"result","path":"h.hist","guarantee":"linearizable","verdict":"violated",...}
//! ... one "result" per guarantee ...
//! {"type":"end","path":"h.hist","exit_code":1,"elapsed_ms":3}
//! {"type":"error","path":"bad.hist","line":3,"column":9,"message":"...","notes":[...]}
//! {"type":"summary","schema":"concord-report/1","files":2,"errors":1,"verdicts":{...},"operations":4,"exit_code":2,"elapsed_ms":5}
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
//!   (list of `{pattern, key, explanation, ops: [{id, line, return_line,
//!   process, text}], edges: [{from, to, label, rule}], partial_order: [op
//!   ids]}`; `line` is the input line of the invocation, `return_line` that
//!   of the completion when it is a line of its own, else null),
//!   `witness` (op ids or null), `staleness` (`{one_atomic, two_atomic,
//!   delta}` or null; `two_atomic` is null when its bounded search did not
//!   decide), `semantics_notes` (sentences: a semantic choice the
//!   verdict may hinge on, e.g. the initial value of a Knossos register,
//!   because the evidence includes an operation whose reading depends on
//!   it; usually empty).
//! * `end`: `exit_code` for the file, `strongest` (the strongest guarantees
//!   that hold), `lattice_contradictions` (pairs that would be a checker
//!   bug), `reason` (why nothing was checked, e.g. [`NO_OPERATIONS`], or
//!   null), `elapsed_ms`.
//! * `error`: an input that could not be read: `line`, `column` (1-based;
//!   0 when not tied to a position), `message`, `notes`.
//! * `shrunk` (with `check --shrink`, written by the binary): a shrunk
//!   counterexample, `file`, `guarantees` it violates, `operations` of
//!   `of`, the input `lines` kept, `complete`, and the history as `hist`.
//! * `summary` ([`view::Summary`]): `files` (inputs, directories expanded),
//!   `errors` (inputs not read), `file_verdicts` and `verdicts` (files by
//!   outcome and guarantee results by verdict: `{holds, violated, unknown,
//!   not-checked}`), `operations`, the overall `exit_code`, `elapsed_ms`.
//!
//! Exit codes: 0 every requested guarantee holds, 1 a violation, 2 input or
//! usage error, 3 inconclusive (a budget ran out, a requested check could
//! not be run, or the history has no operations: [`NO_OPERATIONS`]). Over several files or guarantees the most severe wins, in
//! the order 2, 1, 3, 0.

pub mod github;
pub mod html;
pub mod human;
pub mod junit;
pub mod sarif;
pub mod view;

use crate::check::{Guarantee, GuaranteeResult, Verdict, Violation};
use crate::history::History;
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

pub fn violation_json(history: &History, v: &Violation) -> Json {
    serde_json::to_value(view::ViolationView::new(history, v)).expect("a view serializes")
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
    result_view_json(path, &view::ResultView::new(history, r, hints))
}

/// The `result` message of a [`view::ResultView`].
pub fn result_view_json(path: &str, r: &view::ResultView) -> Json {
    let mut j = serde_json::to_value(r).expect("a view serializes");
    j["type"] = "result".into();
    j["path"] = path.into();
    j
}

/// The `begin`, `result` and `end` messages of a checked file.
pub fn file_json(f: &view::FileView) -> Vec<Json> {
    let mut begin = begin_json(&f.path, f.format, &f.semantics, &f.stats);
    begin["notes"] = json!(f.notes);
    let mut out = vec![begin];
    out.extend(f.results.iter().map(|r| result_view_json(&f.path, r)));
    out.push(json!({
        "type": "end",
        "path": f.path,
        "exit_code": f.exit_code,
        "reason": f.reason,
        "strongest": f.strongest.iter().map(|g| g.name()).collect::<Vec<_>>(),
        "lattice_contradictions": f.lattice_contradictions
            .iter()
            .map(|(a, b)| json!([a.name(), b.name()]))
            .collect::<Vec<_>>(),
        "elapsed_ms": f.elapsed_ms,
    }));
    out
}

/// The `error` message of a [`view::ErrorView`].
pub fn error_view_json(e: &view::ErrorView) -> Json {
    error_json(&e.path, e.line, e.column, &e.message, &e.notes)
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
