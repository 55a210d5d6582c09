//! The SARIF 2.1.0 report (`check --report sarif`), for code-scanning
//! tools (GitHub code scanning, GitLab, IDE viewers). One run of the tool
//! `concord`:
//!
//! ```text
//! {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
//!  "runs": [{"tool": {"driver": {"name": "concord", "version": "0.1.0",
//!              "rules": [{"id": "NotLinearizable", "shortDescription": ..., "help": ...}]}},
//!            "invocations": [{"executionSuccessful": true, "exitCode": 1,
//!                             "toolExecutionNotifications": [...]}],
//!            "results": [{"ruleId": "NotLinearizable", "ruleIndex": 0, "level": "error",
//!                         "message": {"text": "linearizable violated: ..."},
//!                         "locations": [...], "relatedLocations": [...],
//!                         "properties": {"guarantee": "linearizable", "key": "x"}}]}]}
//! ```
//!
//! * One **result** per reported violation; its rule id is the violation's
//!   pattern name (`check::Pattern`, stable across versions), and the
//!   rules of the run (those its results use, by name) carry a description
//!   and help text.
//! * The **location** of a result is the input line of the first
//!   operation of the evidence (column 1: operations are whole lines; an
//!   operation whose completion is a line of its own spans to it), and
//!   every operation of the evidence is a related location with its text.
//! * An input that could not be read is a tool execution notification of
//!   level `error` (with its line and column), an `unknown` verdict one of
//!   level `warning` with its reason: neither is a finding about the
//!   history, and `executionSuccessful` is false when an input was not read.
//! * File paths become URIs, percent-encoded: relative references for
//!   relative paths, `file://` URIs for absolute ones.

use super::view::{FileOutcome, OpView, ResultView, ViolationView};
use crate::check::{Pattern, Verdict};
use serde_json::{Value as Json, json};

/// The schema URI the log names.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// One sentence on what the pattern means, and what to look at.
pub fn pattern_help(p: Pattern) -> (&'static str, &'static str) {
    match p {
        Pattern::ThinAirRead => (
            "A read returned a value that no write wrote.",
            "The value came from nowhere: a corrupted read, a lost write that was never recorded, or a history that misses operations. Check the write that should have produced it.",
        ),
        Pattern::AbortedRead => (
            "A read returned a value that only failed writes wrote.",
            "A write that reported failure was visible anyway: the system leaked an aborted or failed update. Check how the failed write was acknowledged.",
        ),
        Pattern::FutureRead => (
            "A read returned a value its own session writes only later.",
            "The session saw its own future: clocks, request reordering or a misrecorded history. Check the order of the session's operations.",
        ),
        Pattern::CyclicCO => (
            "Session order and reads-from form a cycle.",
            "Causal order contradicts itself: an operation is (transitively) both before and after another. Follow the edges of the evidence.",
        ),
        Pattern::WriteCOInitRead => (
            "A read returned the initial value although a write of its key is in its causal past.",
            "The read had causally seen a write of the key and still returned the initial value: a causally stale read.",
        ),
        Pattern::WriteCORead => (
            "A read missed a newer write it had causally seen.",
            "The read returned an older value than one already in its causal past: a causally stale read.",
        ),
        Pattern::CyclicCF => (
            "Causal order and the conflict order form a cycle (causal convergence).",
            "No single arbitration order of conflicting writes is consistent with causality and what was read.",
        ),
        Pattern::CyclicHB => (
            "A session's view of the history cannot be ordered (PRAM, causal memory).",
            "Some session observed the writes in an order that no serialization of its view allows.",
        ),
        Pattern::WriteHBInitRead => (
            "In a session's view a write precedes a read of the initial value.",
            "The session had to have seen a write of the key before a read that returned the initial value.",
        ),
        Pattern::InitialReadAfterOwnWrite => (
            "Read-your-writes: a session read the initial value after its own write.",
            "The session's own write was not visible to its later read: the read went to a replica that had not applied it.",
        ),
        Pattern::StaleOwnWrite => (
            "Read-your-writes: a session read its own older write after a later own write.",
            "The session's later write was not visible to its read: a stale replica or a lost update.",
        ),
        Pattern::NonMonotonicRead => (
            "Monotonic reads: a session read an older value after a newer one.",
            "The session went back in time, typically by switching to a replica that is behind.",
        ),
        Pattern::MonotonicWritesViolation => (
            "Monotonic writes: a session's writes were observed out of order.",
            "Another session saw a later write of this session without an earlier one.",
        ),
        Pattern::WritesFollowReadsViolation => (
            "Writes-follow-reads: a write was observed before a write its session had read.",
            "A write became visible without the writes its session had read before it.",
        ),
        Pattern::CyclicWFR => (
            "Writes-follow-reads: session order and reads-from form a cycle.",
            "The order a session read and then wrote in contradicts what was observed.",
        ),
        Pattern::Divergence => (
            "Convergence: reads after quiescence disagree.",
            "After the system went quiet, replicas still returned different values for the key.",
        ),
        Pattern::NotMaximal => (
            "Convergence: a read after quiescence returned a value that is not a latest write.",
            "After the system went quiet, a read returned a value that some other write supersedes.",
        ),
        Pattern::NotLinearizable => (
            "No linearization exists: the history is not linearizable.",
            "No order of the operations respects real time and the data model's sequential specification. The evidence names the operation that could not be placed and the longest partial linearization.",
        ),
        Pattern::NotSequential => (
            "No sequential order exists: the history is not sequentially consistent.",
            "No total order of the operations respects every session's order and the data model's sequential specification.",
        ),
    }
}

/// A path as a URI: a relative path as a relative reference (resolved
/// against the directory concord ran in, as code-scanning tools expect),
/// an absolute one as a `file://` URI; every byte outside the unreserved
/// set and `/` percent-encoded.
pub fn path_uri(path: &str) -> String {
    let mut s = String::with_capacity(path.len() + 7);
    if path.starts_with('/') {
        s.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn location(path: &str, op: Option<&OpView>, line: u32, column: u32, text: Option<&str>) -> Json {
    let mut physical = json!({"artifactLocation": {"uri": path_uri(path)}});
    if line > 0 {
        let mut region = json!({"startLine": line, "startColumn": column.max(1)});
        if let Some(end) = op.and_then(|o| o.return_line).filter(|&e| e > line) {
            region["endLine"] = end.into();
        }
        physical["region"] = region;
    }
    let mut loc = json!({"physicalLocation": physical});
    if let Some(op) = op {
        loc["id"] = op.id.into();
    }
    if let Some(text) = text {
        loc["message"] = json!({"text": text});
    }
    loc
}

fn result(path: &str, r: &ResultView, v: &ViolationView, rule_index: usize) -> Json {
    let first = v.ops.first();
    let mut out = json!({
        "ruleId": v.pattern.name(),
        "ruleIndex": rule_index,
        "level": "error",
        "kind": "fail",
        "message": {"text": format!("{} violated: {}", r.guarantee.name(), v.headline())},
        "locations": [location(path, first, first.map_or(0, |o| o.line), 1, None)],
        "properties": {"guarantee": r.guarantee.name(), "key": v.key},
    });
    if !v.ops.is_empty() {
        out["relatedLocations"] = v
            .ops
            .iter()
            .map(|op| location(path, Some(op), op.line, 1, Some(&op.text)))
            .collect::<Vec<_>>()
            .into();
    }
    out
}

/// The SARIF log of a run; `exit_code` is the run's.
pub fn to_sarif(files: &[FileOutcome], exit_code: i32) -> Json {
    let mut patterns: Vec<Pattern> = files
        .iter()
        .filter_map(|f| match f {
            FileOutcome::Checked(f) => Some(f),
            FileOutcome::Error(_) => None,
        })
        .flat_map(|f| &f.results)
        .flat_map(|r| r.violations.iter().map(|v| v.pattern))
        .collect();
    patterns.sort_by_key(|p| p.name());
    patterns.dedup();
    let rules: Vec<Json> = patterns
        .iter()
        .map(|&p| {
            let (short, help) = pattern_help(p);
            json!({
                "id": p.name(),
                "name": p.name(),
                "shortDescription": {"text": short},
                "fullDescription": {"text": format!("{short} {help}")},
                "help": {"text": help},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["consistency"]},
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in files {
        match f {
            FileOutcome::Error(e) => notifications.push(json!({
                "level": "error",
                "message": {"text": e.located_message()},
                "locations": [location(&e.path, None, e.line, e.column, None)],
            })),
            FileOutcome::Checked(f) => {
                for r in &f.results {
                    if r.verdict == Verdict::Unknown {
                        notifications.push(json!({
                            "level": "warning",
                            "message": {"text": format!(
                                "{}: {} unknown: {}",
                                f.path,
                                r.guarantee.name(),
                                r.reason.as_deref().unwrap_or("no reason given")
                            )},
                            "locations": [location(&f.path, None, 0, 0, None)],
                        }));
                    }
                    for v in &r.violations {
                        let index = patterns.iter().position(|&p| p == v.pattern);
                        results.push(result(&f.path, r, v, index.expect("listed above")));
                    }
                }
            }
        }
    }
    let unreadable = files.iter().any(|f| matches!(f, FileOutcome::Error(_)));
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "concord",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": !unreadable,
                "exitCode": exit_code,
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            path_uri("store/run 1/history.edn"),
            "store/run%201/history.edn"
        );
        assert_eq!(path_uri("a#b?c%"), "a%23b%3Fc%25");
        assert_eq!(path_uri("é"), "%C3%A9");
        assert_eq!(path_uri("/tmp/h.hist"), "file:///tmp/h.hist");
    }
}
