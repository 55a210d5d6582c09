//! The CI examples of the README (`docs/ci/github-actions.yml`,
//! `docs/ci/gitlab-ci.yml`) do what they say: at most five `run:` lines,
//! and their `concord` commands, run on a corpus history in `histories/`,
//! write a SARIF log that validates against the SARIF 2.1.0 schema and a
//! JUnit report with the violation as a failure.

use crate::cli::concord;
use crate::corpus_verdicts::corpus_dir;
use crate::report_formats::{junit_elements, tempdir, validate_sarif};
use std::path::Path;

/// The shell lines of the file's steps: `- run: X` (GitHub) or the items
/// of `script:` (GitLab).
fn run_lines(yml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_script = false;
    for line in yml.lines() {
        let t = line.trim_start();
        if let Some(cmd) = t.strip_prefix("- run: ") {
            out.push(cmd.to_string());
        } else if t == "script:" {
            in_script = true;
        } else if in_script && let Some(cmd) = t.strip_prefix("- ") {
            out.push(cmd.to_string());
        } else if in_script && !t.is_empty() {
            in_script = false;
        }
    }
    out
}

/// The arguments of a `concord ...` line, without `|| true` and comments.
fn concord_args(line: &str) -> Option<Vec<String>> {
    let line = line.split(" #").next().unwrap();
    let line = line.split("||").next().unwrap().trim();
    let rest = line.strip_prefix("concord ")?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn exercise(name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/ci")
        .join(name);
    let yml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let lines = run_lines(&yml);
    assert!(
        (1..=5).contains(&lines.len()),
        "{name}: {} run lines: {lines:?}",
        lines.len()
    );
    let dir = tempdir(&format!("ci-{name}"));
    let histories = dir.join("histories");
    std::fs::create_dir_all(&histories).unwrap();
    std::fs::copy(
        corpus_dir().join("porcupine-etcd/etcd_000.log"),
        histories.join("etcd_000.log"),
    )
    .unwrap();
    let mut ran = 0;
    for line in &lines {
        let Some(args) = concord_args(line) else {
            continue;
        };
        let out = concord().current_dir(&dir).args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: `{line}` finds the corpus file's violation: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    assert_eq!(ran, 2, "{name}: the SARIF and the JUnit commands");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("concord.sarif")).unwrap()).unwrap();
    validate_sarif(&sarif);
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "NotLinearizable");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "histories/etcd_000.log"
    );
    let xml = std::fs::read_to_string(dir.join("concord-junit.xml")).unwrap();
    let elements = junit_elements(&xml);
    assert!(
        elements.iter().any(|e| e.1 == "failure"),
        "{name}: the violation is a failure: {xml}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn github_actions_example_runs() {
    exercise("github-actions.yml");
}

#[test]
fn gitlab_ci_example_runs() {
    exercise("gitlab-ci.yml");
}

#[test]
fn readme_shows_the_github_actions_example() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let yml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci/github-actions.yml"),
    )
    .unwrap();
    for line in run_lines(&yml) {
        assert!(readme.contains(&line), "README lacks `{line}`");
    }
}
