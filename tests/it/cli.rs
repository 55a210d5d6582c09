//! The binary as a user runs it: exit codes, stdin, JSON output, errors.

use assert_cmd::Command;
use serde_json::Value as Json;

pub(crate) fn concord() -> Command {
    let mut cmd = Command::cargo_bin("concord").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `concord args...` with `stdin` and returns (exit code, stdout, stderr).
pub(crate) fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = concord().args(args).write_stdin(stdin).output().unwrap();
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The JSON lines of a `--report json` output, each validated against the
/// published schema (`docs/report.schema.json`).
pub(crate) fn json_lines(stdout: &str) -> Vec<Json> {
    stdout
        .lines()
        .map(|l| {
            let j = serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}"));
            crate::report_formats::validate_report_line(&j);
            j
        })
        .collect()
}

const STALE: &str = "\
p1 write x 1 @ 0..10
p1 write x 2 @ 11..20
p2 read x 1 @ 25..30
";

const FINE: &str = "\
p1 write x 1 @ 0..10
p2 read x 1 @ 11..15
p1 write x 2 @ 16..20
p2 read x 2 @ 21..30
";

#[test]
fn violation_exits_1_and_names_the_read() {
    let (code, out, _) = run(&["check", "-", "--consistency", "lin"], STALE);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("violated"), "{out}");
    assert!(out.contains("p2 read x -> 1"), "{out}");
}

#[test]
fn holding_guarantee_exits_0() {
    let (code, out, _) = run(&["check", "-", "-c", "lin"], FINE);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("holds"), "{out}");
}

#[test]
fn json_output_is_a_versioned_message_stream() {
    let (code, out, _) = run(&["check", "-", "-c", "lin", "--report", "json"], STALE);
    assert_eq!(code, 1);
    let msgs = json_lines(&out);
    let types: Vec<&str> = msgs.iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["begin", "result", "end", "summary"]);
    assert_eq!(msgs[0]["schema"], "concord-report/1");
    assert_eq!(msgs[1]["guarantee"], "linearizable");
    assert_eq!(msgs[1]["verdict"], "violated");
    assert!(
        !msgs[1]["violations"][0]["ops"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(msgs[3]["exit_code"], 1);
}

#[test]
fn parse_error_exits_2_with_location_and_caret() {
    let (code, out, err) = run(&["check", "-"], "p1 write x 1 @ 0..10\np1 wrte x 2\n");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("-:2:4"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn parse_error_in_json_mode_is_an_error_message() {
    let (code, out, _) = run(&["check", "-", "--report", "json"], "p1 write x\n");
    assert_eq!(code, 2);
    let msgs = json_lines(&out);
    assert_eq!(msgs[0]["type"], "error");
    assert_eq!(msgs[0]["line"], 1);
    assert_eq!(msgs.last().unwrap()["exit_code"], 2);
}

#[test]
fn most_severe_exit_code_wins_over_files() {
    let dir = std::env::temp_dir().join(format!("concord-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.hist");
    let stale = dir.join("stale.hist");
    std::fs::write(&bad, "p1 frobnicate x\n").unwrap();
    std::fs::write(&stale, STALE).unwrap();
    let (code, _, _) = run(
        &[
            "check",
            "-c",
            "lin",
            stale.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2, "an input error outranks a violation");
    let (code, _, _) = run(&["check", "-c", "lin", stale.to_str().unwrap()], "");
    assert_eq!(code, 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check", "-", "--consistency", "strict-serializable"][..],
        &["check", "-", "--model", "btree"][..],
        &["check", "-", "--timeout", "soon"][..],
        &["check", "-", "--format", "xml"][..],
        &["check"][..],
        &["frobnicate"][..],
    ] {
        let (code, _, err) = run(args, FINE);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.is_empty(), "{args:?} says why");
    }
}

#[test]
fn missing_file_exits_2() {
    let (code, _, err) = run(&["check", "/nonexistent/h.hist"], "");
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/h.hist"), "{err}");
}

#[test]
fn non_utf8_input_exits_2_with_position() {
    let out = concord()
        .args(["check", "-"])
        .write_stdin(b"p1 write x 1\np1 write x \xff\n".to_vec())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("UTF-8") && err.contains(":2:"), "{err}");
}

#[test]
fn requested_check_that_cannot_run_is_inconclusive() {
    // No timestamps: no real-time order, so linearizability cannot be decided.
    let (code, out, _) = run(&["check", "-", "-c", "lin"], "p1 write x 1\np2 read x 1\n");
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("not-checked"), "{out}");
    assert!(
        !out.contains("holds"),
        "never prints holds for a check it did not run: {out}"
    );
}

#[test]
fn convert_to_hist_round_trips_through_check() {
    let (code, hist, _) = run(&["convert", "-", "--to", "hist"], STALE);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["check", "-", "-c", "lin"], &hist);
    assert_eq!(code, 1);
    let (code, jsonl, _) = run(&["convert", "-", "--to", "jsonl"], STALE);
    assert_eq!(code, 0);
    let (code, back, _) = run(&["convert", "-", "--to", "hist"], &jsonl);
    assert_eq!(code, 0);
    assert_eq!(back, hist, "hist → jsonl → hist is the identity");
}

#[test]
fn stats_counts_operations() {
    let (code, out, _) = run(&["stats", "-", "--report", "json"], STALE);
    assert_eq!(code, 0);
    let j = &json_lines(&out)[0];
    assert_eq!(j["operations"], 3);
    assert_eq!(j["processes"], 2);
    assert_eq!(j["keys"], 1);
}

#[test]
fn broken_pipe_is_not_an_error() {
    use std::io::Write;
    use std::process::{Command as Std, Stdio};
    let big: String = (0..20_000)
        .map(|i| format!("p{} write x {} @ {}..{}\n", i % 4, i, i * 10, i * 10 + 5))
        .collect();
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("concord"))
        .args(["convert", "-", "--to", "hist"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end first, as `concord ... | head -0` would.
    drop(child.stdout.take());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(big.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// PRAM and causal memory stop checking views in fixed chunks of sessions
/// once `--max-violations` are violated (the human default is 3), say how
/// many views were left, and report violations the full run also found;
/// `--max-violations 0` and JSON check every view.
#[test]
fn views_stop_once_enough_are_violated() {
    let (code, hist, _) = run(
        &[
            "generate",
            "--ops",
            "20000",
            "--processes",
            "32",
            "--keys",
            "20",
            "--stale-reads",
            "0.05",
            "--seed",
            "1",
        ],
        "",
    );
    assert_eq!(code, 0);
    let verdicts = |args: &[&str]| {
        let mut all = vec!["check", "-", "-c", "pram", "--report", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = run(&all, &hist);
        assert_eq!(code, 1, "{err}");
        json_lines(&out)
            .into_iter()
            .find(|m| m["type"] == "result")
            .expect("a result")
    };
    let full = verdicts(&[]);
    let cut = verdicts(&["--max-violations", "3"]);
    let all = full["violation_count"].as_u64().unwrap();
    let some = cut["violation_count"].as_u64().unwrap();
    assert!(some >= 3 && some < all, "{some} of {all}");
    // The views checked are a prefix of the sessions: what they found is
    // what the full run found for them.
    let found = full["violations"].as_array().unwrap();
    for v in cut["violations"].as_array().unwrap() {
        assert!(found.contains(v), "{v}");
    }
    let note = cut["reason"].as_str().unwrap();
    assert!(
        note.contains("not checked once") && note.contains("--max-violations 0"),
        "{note}"
    );
    assert!(full["reason"].is_null(), "{}", full["reason"]);
    let (_, human, _) = run(&["check", "-", "-c", "pram"], &hist);
    assert!(human.contains(note), "{human}");
}

/// A view whose clocks would not fit `--max-memory` leaves the guarantee
/// unknown (exit 3), saying so, instead of exhausting memory; with room
/// the same history holds.
#[test]
fn views_honour_the_memory_budget() {
    let (code, hist, _) = run(
        &[
            "generate",
            "--ops",
            "70000",
            "--processes",
            "64",
            "--keys",
            "100",
            "--seed",
            "1",
        ],
        "",
    );
    assert_eq!(code, 0);
    // Without timestamps the zone method cannot answer first: the view
    // engine itself decides.
    let untimed: String = hist
        .lines()
        .map(|l| l.split(" @ ").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let (code, out, err) = run(
        &["check", "-", "-c", "pram", "--max-memory", "1M"],
        &untimed,
    );
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains("over the memory budget (--max-memory)"),
        "{out}"
    );
    let (code, out, _) = run(
        &["check", "-", "-c", "pram", "--max-memory", "1G"],
        &untimed,
    );
    assert_eq!(code, 0, "{out}");
}

/// A mistyped guarantee, model, protocol or fault knob is still a usage
/// error (exit 2), and the message suggests the name meant.
#[test]
fn mistyped_names_get_a_suggestion() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["check", "-", "-c", "linearizability"],
            "(did you mean `linearizable`?)",
        ),
        (
            &["check", "-", "-c", "sequentail"],
            "(did you mean `sequential`?)",
        ),
        (
            &["check", "-", "--model", "regster"],
            "(did you mean `register`?)",
        ),
        (&["sim", "--protocol", "chian"], "(did you mean `chain`?)"),
        (
            &[
                "sim",
                "--protocol",
                "primary-backup",
                "--fault",
                "backup-read",
            ],
            "(did you mean `backup-reads`?)",
        ),
        (
            &["check", "-", "-c", "foo"],
            "unknown guarantee `foo`; expected one of",
        ),
    ];
    for (args, want) in cases {
        let (code, out, err) = run(args, STALE);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
