//! One snapshot per violation pattern (insta): its human explanation, its
//! JSON and its DOT, on a small history from the literature's shapes. The
//! snapshots are in `tests/it/snapshots/`; review a change with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` and `git diff`).
//! With Graphviz installed (`.ci/run` installs it), every DOT file is
//! rendered with `dot -Tsvg`, and the linearizability timeline shows the
//! operation that cannot be placed.

use concord::check::{CheckConfig, Pattern, check_one};
use concord::report::{human, violation_json};
use concord::{Format, Guarantee, parse};

/// (pattern, guarantee that reports it, history).
const CASES: &[(&str, &str, &str)] = &[
    (
        "ThinAirRead",
        "monotonic-reads",
        "p1 write x 1\np2 read x 7\n",
    ),
    (
        "AbortedRead",
        "monotonic-reads",
        "p1 write x 1 fail\np2 read x 1\n",
    ),
    (
        "FutureRead",
        "monotonic-reads",
        "p1 read x 1\np1 write x 1\n",
    ),
    (
        "CyclicCO",
        "causal",
        "p1 read x 2\np1 write y 1\np2 read y 1\np2 write x 2\n",
    ),
    (
        "WriteCOInitRead",
        "causal",
        "%initial 0\np1 write x 1\np1 write y 1\np2 read y 1\np2 read x 0\n",
    ),
    (
        "WriteCORead",
        "causal",
        "p1 write x 1\np1 write x 2\np1 write y 1\np2 read y 1\np2 read x 1\n",
    ),
    (
        "CyclicCF",
        "causal-convergence",
        "p1 write x 1\np1 read x 2\np2 write x 2\np2 read x 1\n",
    ),
    (
        "CyclicHB",
        "pram",
        "p1 write x 1\np2 write x 2\np3 read x 1\np3 read x 2\np3 read x 1\n",
    ),
    (
        "WriteHBInitRead",
        "pram",
        "p1 write x 1\np1 write y 1\np2 read y 1\np2 read x nil\n",
    ),
    (
        "InitialReadAfterOwnWrite",
        "read-your-writes",
        "p1 write x 1\np1 read x nil\n",
    ),
    (
        "StaleOwnWrite",
        "read-your-writes",
        "p1 write x 1\np1 write x 2\np1 read x 2\np1 read x 1\n",
    ),
    (
        "NonMonotonicRead",
        "monotonic-reads",
        "p1 write x 1\np2 write x 2\np3 read x 1\np3 read x 2\np3 read x 1\n",
    ),
    (
        "MonotonicWritesViolation",
        "monotonic-writes",
        "p1 write x 1\np1 write y 1\np2 read y 1\np2 read x nil\n",
    ),
    (
        "WritesFollowReadsViolation",
        "writes-follow-reads",
        "p1 write x 1\np2 read x 1\np2 write y 1\np3 read y 1\np3 read x nil\n",
    ),
    (
        "CyclicWFR",
        "writes-follow-reads",
        "p1 read x 1\np1 write y 1\np2 read y 1\np2 write x 1\n",
    ),
    (
        "Divergence",
        "convergence",
        "%quiescent 10\np1 write x 1 @ 0..1\np2 write x 2 @ 0..1\np1 read x 1 @ 20..21\np2 read x 2 @ 20..21\n",
    ),
    (
        "NotMaximal",
        "convergence",
        "%quiescent 10\np1 write x 1 @ 0..1\np1 write x 2 @ 2..3\np2 read x 1 @ 20..21\n",
    ),
    (
        "NotLinearizable",
        "linearizable",
        "p1 write x 1 @ 0..10\np1 write x 2 @ 11..20\np2 read x 1 @ 25..30\n",
    ),
    (
        "NotSequential",
        "sequential",
        "%initial 0\np1 write x 1\np1 read y 0\np2 write y 1\np2 read x 0\n",
    ),
];

#[test]
fn every_pattern_has_a_snapshot_of_its_explanation_json_and_dot() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len());
    for &(pattern, guarantee, text) in CASES {
        let history = parse(text, Format::Hist, &Default::default()).unwrap();
        let g = Guarantee::from_name(guarantee).unwrap();
        let result = check_one(&history, g, &CheckConfig::default());
        let v = result
            .violations
            .iter()
            .find(|v| v.pattern.name() == pattern)
            .unwrap_or_else(|| panic!("{guarantee} does not report {pattern}: {result:?}"));
        let one = concord::check::GuaranteeResult {
            violations: vec![v.clone()],
            violation_count: 1,
            ..result.clone()
        };
        let text_block = human::results(&history, &[], &[], &[one], human::Style { color: false });
        let json = serde_json::to_string_pretty(&violation_json(&history, v)).unwrap();
        let dot = concord::render::dot::violation_to_dot(&history, v);
        insta::assert_snapshot!(format!("{pattern}-human"), text_block);
        insta::assert_snapshot!(format!("{pattern}-json"), json);
        insta::assert_snapshot!(format!("{pattern}-dot"), dot);
        let line = history.op(v.ops[0]).source.line;
        render_with_graphviz(pattern, v.pattern, &dot, line);
    }
}

/// `dot -Tsvg` accepts the file, and the SVG names every operation's line;
/// skipped (with a message) when Graphviz is not installed, except under
/// `.ci/run`, which installs it.
fn render_with_graphviz(name: &str, pattern: Pattern, dot: &str, line: u32) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var_os("CONCORD_REQUIRE_TOOLS").is_none(),
                "Graphviz `dot` is required here: {e}"
            );
            eprintln!("note: Graphviz `dot` not found ({e}): DOT files not rendered");
            return;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{name}: dot -Tsvg failed: {}\n{dot}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.contains("<svg"), "{name}");
    assert!(
        svg.contains(&format!("line {line}")),
        "{name}: the first operation (line {line}) is not drawn:\n{svg}"
    );
    if pattern == Pattern::NotLinearizable {
        assert!(svg.contains("cannot be placed"), "{name}");
        assert!(
            svg.contains("#ffe0e0"),
            "{name}: the blocked operation is not filled"
        );
        assert!(svg.contains(">rt<"), "{name}: no real-time edge drawn");
    }
}
