//! A history whose causal order is one long cycle: every walk over the
//! happens-before graph must be iterative. A recursive walk (petgraph's
//! `tarjan_scc` was one) overflows the stack at a few ten thousand
//! operations; this history has 200,000, and the CLI runs its checks on
//! rayon's 2 MB worker threads. `scripts/deep_cycle.sh` runs the same at
//! 1,000,000 operations on a release build.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// `sessions` sessions with `n` operations in all: each session first reads
/// the value its successor in the ring writes last, then writes fresh
/// values. so ∪ rf is then one cycle through every operation.
fn ring(n: usize, sessions: usize) -> String {
    let per = n / sessions;
    let mut out = String::with_capacity(n * 20);
    out.push_str("%model register\n");
    for i in 0..sessions {
        let next = (i + 1) % sessions;
        out.push_str(&format!("p{i} read x {}\n", next * per + per - 1));
        for j in 1..per {
            out.push_str(&format!("p{i} write x {}\n", i * per + j));
        }
    }
    out
}

/// Runs `concord check - ARGS` on `input` and returns the exit code and each
/// result's (verdict, guarantee) from the human report (its JSON report is
/// several times slower to write and read at this size: every violation
/// lists the cycle's 200,000 edges).
fn check(input: &str, args: &[&str]) -> (i32, Vec<(String, String)>) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("concord"))
        .args(["check", "-", "--color", "never"])
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let text = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    // Read the report as it comes; a status line is
    // "  VERDICT  GUARANTEE  detail".
    let mut results = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).split(b'\n') {
        let line = line.unwrap();
        let Some(rest) = line.strip_prefix(b"  ") else {
            continue;
        };
        let head = String::from_utf8_lossy(&rest[..rest.len().min(64)]).into_owned();
        let mut words = head.split_whitespace();
        if let (Some(verdict @ ("holds" | "violated" | "unknown" | "not-checked")), Some(name)) =
            (words.next(), words.next())
        {
            results.push((verdict.to_string(), name.to_string()));
        }
    }
    writer.join().unwrap().unwrap();
    let out = child.wait_with_output().unwrap();
    let code = out.status.code().unwrap_or_else(|| {
        panic!(
            "concord {args:?} was killed by a signal (stack overflow?): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, results)
}

#[test]
fn a_200k_operation_causal_cycle_is_a_violation_not_a_crash() {
    let input = ring(200_000, 4);
    for (flag, name) in [
        ("cc", "weak-causal"),
        ("ccv", "causal-convergence"),
        ("cm", "causal"),
        ("wfr", "writes-follow-reads"),
        ("sc", "sequential"),
    ] {
        let (code, results) = check(&input, &["-c", flag]);
        assert_eq!(code, 1, "-c {flag}: {results:?}");
        assert_eq!(results, vec![("violated".to_string(), name.to_string())]);
    }
    let (code, results) = check(&input, &[]);
    assert_eq!(code, 1, "default run: {results:?}");
    for name in [
        "weak-causal",
        "causal-convergence",
        "causal",
        "writes-follow-reads",
        "sequential",
    ] {
        assert!(
            results.contains(&("violated".to_string(), name.to_string())),
            "default run, {name}: {results:?}"
        );
    }
}
