//! Data-driven tests: every `tests/data/weak/*.hist` file opens with
//! `# expect: ALIAS=VERDICT ...` (and optionally `# pattern: ALIAS=Pattern`)
//! and must get exactly those verdicts (and a violation with that pattern).
//! Every violation must also render as DOT naming its operations.

use crate::weak_support;

use concord::check::{CheckConfig, Guarantee, check_polynomial};
use concord::render::dot::violation_to_dot;
use std::path::Path;
use weak_support::read_hist;

fn pairs(text: &str, prefix: &str) -> Vec<(Guarantee, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .flat_map(|l| l.split_whitespace())
        .map(|w| {
            let (g, v) = w
                .split_once('=')
                .unwrap_or_else(|| panic!("bad expectation {w}"));
            (
                Guarantee::from_name(g).unwrap_or_else(|| panic!("unknown guarantee {g}")),
                v.to_string(),
            )
        })
        .collect()
}

#[test]
fn literature_histories_get_their_expected_verdicts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/weak");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/weak must exist")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "hist"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "expected the weak literature histories, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable");
        let expect = pairs(&text, "# expect:");
        assert!(
            !expect.is_empty(),
            "{} has no `# expect:` line",
            path.display()
        );
        let patterns = pairs(&text, "# pattern:");
        let history = read_hist(&text);
        let wanted: Vec<Guarantee> = expect.iter().map(|(g, _)| *g).collect();
        let results = check_polynomial(&history, &wanted, &CheckConfig::default());
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        for ((g, verdict), r) in expect.iter().zip(&results) {
            if r.verdict.name() != verdict {
                failures.push(format!(
                    "{name}: {g} expected {verdict}, got {} ({:?}; {:?})",
                    r.verdict.name(),
                    r.reason,
                    r.violations
                        .iter()
                        .map(|v| v.explanation.render(&history))
                        .collect::<Vec<_>>()
                ));
            }
            for v in &r.violations {
                let dot = violation_to_dot(&history, v);
                assert!(dot.starts_with("digraph"), "{name}: {dot}");
                for op in &v.ops {
                    assert!(
                        dot.contains(&format!("op{} ", op.0)),
                        "{name}: op {op:?} missing from\n{dot}"
                    );
                }
                assert!(
                    !v.explanation.is_empty() && !v.ops.is_empty(),
                    "{name}: empty evidence"
                );
            }
        }
        for (g, pattern) in &patterns {
            let r = results
                .iter()
                .find(|r| r.guarantee == *g)
                .unwrap_or_else(|| panic!("{name}: {g} not expected"));
            if !r.violations.iter().any(|v| v.pattern.name() == pattern) {
                failures.push(format!(
                    "{name}: {g} expected pattern {pattern}, got {:?}",
                    r.violations.iter().map(|v| &v.pattern).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn violations_are_explained_in_plain_sentences() {
    let h = read_hist("p1 write x 1\np1 write x 2\np2 read x 2\np2 read x 1\n");
    let r = check_polynomial(&h, &[Guarantee::WeakCausal], &CheckConfig::default());
    let v = &r[0].violations[0];
    assert_eq!(v.pattern, concord::check::Pattern::WriteCORead);
    assert_eq!(
        v.explanation.render(&h),
        "p2 read x=1 (line 4) after it had causally seen p1's write x=2 (line 2), which causally follows p1's write x=1 (line 1)"
    );
    assert_eq!(v.ops.len(), 3);
}

#[test]
fn max_violations_limits_output_not_detection() {
    let mut text = String::new();
    for i in 0..5 {
        text.push_str(&format!("p{i} read x {}\n", 100 + i));
    }
    let h = read_hist(&text);
    let config = CheckConfig {
        violations_max: Some(2),
        ..CheckConfig::default()
    };
    let r = check_polynomial(&h, &[Guarantee::WeakCausal], &config);
    assert_eq!(r[0].violation_count, 5);
    assert_eq!(r[0].violations.len(), 2);
}

#[test]
fn happens_before_graph_exports_dot() {
    let h = read_hist("p1 write x 1\np2 read x 1\np2 write y 2\n");
    let dot = concord::order::graph::happens_before_dot(&h);
    assert!(dot.contains("op0 -> op1 [label=\"rf\""), "{dot}");
    assert!(dot.contains("op1 -> op2 [label=\"so\""), "{dot}");
}

#[test]
fn quiescence_comes_from_a_nemesis_heal_plus_settle_time() {
    let h = read_hist(
        "! nemesis start partition @ 10\n! nemesis stop partition @ 40\np1 write x 1 @ 0..5\np2 read x 1 @ 60..61\n",
    );
    assert_eq!(
        concord::check::convergence::quiescence_from_annotations(&h, 15),
        Some(55)
    );
    let mut h = h;
    h.metadata.quiescent_at = concord::check::convergence::quiescence_from_annotations(&h, 15);
    let r = check_polynomial(&h, &[Guarantee::Convergence], &CheckConfig::default());
    assert_eq!(r[0].verdict.name(), "holds", "{:?}", r[0].reason);
}
