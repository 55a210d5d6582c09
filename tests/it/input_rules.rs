//! The input rules of docs/semantics.md ("The input") and the parsers'
//! handling of real files: times that go backwards, empty histories, flags
//! in time units on histories whose times are event positions, whitespace
//! in Jepsen text logs, Knossos micro-operation spellings, huge tokens, and
//! the semantics notes a report shows.

use assert_cmd::Command;
use concord::parse::{self, Format, ParseOptions};
use serde_json::Value as Json;

fn concord() -> Command {
    let mut cmd = Command::cargo_bin("concord").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs `concord args...` with `stdin` and returns (exit code, stdout, stderr).
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let out = concord().args(args).write_stdin(stdin).output().unwrap();
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_lines(stdout: &str) -> Vec<Json> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

// ---------------------------------------------------------------------------
// 1. A process whose times go backwards is an input error.

const BACKWARDS: &str = "p1 write x 1 @ 100..110\np1 read x 1 @ 50..60\n";

#[test]
fn times_going_backwards_in_one_process_exit_2_naming_both_lines() {
    let (code, out, err) = run(&["check", "-"], BACKWARDS);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "never checked: {out}");
    assert!(err.contains("-:2:13"), "file, line and column: {err}");
    assert!(err.contains("line 1"), "names the earlier line: {err}");
    assert!(
        err.contains("expected an invoke time of at least 100") && err.contains("found 50"),
        "says what was expected: {err}"
    );
    let (code, out, _) = run(&["check", "-", "--output", "json"], BACKWARDS);
    assert_eq!(code, 2);
    let msgs = json_lines(&out);
    assert_eq!(msgs[0]["type"], "error");
    assert_eq!(
        (msgs[0]["line"].as_u64(), msgs[0]["column"].as_u64()),
        (Some(2), Some(13))
    );
}

#[test]
fn times_going_backwards_is_rejected_in_json_lines_too() {
    let src = r#"{"process":"p1","f":"write","key":"x","value":1,"invoke":100,"return":110,"type":"ok"}
{"process":"p1","f":"read","key":"x","value":1,"invoke":50,"return":60,"type":"ok"}
"#;
    let e = parse::parse(src, Format::Jsonl, &ParseOptions::default()).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(
        e.message.contains("line 1") && e.message.contains("found 50"),
        "{e}"
    );
}

#[test]
fn other_processes_and_in_order_times_are_fine() {
    // Another process may start earlier; one process in order may touch.
    let ok = "p1 write x 1 @ 100..110\np2 read x 1 @ 50..120\np1 read x 1 @ 110..115\n";
    assert!(parse::parse(ok, Format::Hist, &ParseOptions::default()).is_ok());
    // The existing rule stays: overlapping operations of one process.
    let overlap = "p1 write x 1 @ 0..10\np1 read x 1 @ 5..12\n";
    let e = parse::parse(overlap, Format::Hist, &ParseOptions::default()).unwrap_err();
    assert!(
        e.message.contains("overlaps its own operation from line 1"),
        "{e}"
    );
    // Event positions never go backwards: Jepsen histories are unaffected.
    let edn = "[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process 0, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value 1}
 {:process 0, :type :ok, :f :read, :value 1}]";
    assert!(parse::parse(edn, Format::JepsenEdn, &ParseOptions::default()).is_ok());
}

// ---------------------------------------------------------------------------
// 2. A history with no operations is checked for nothing: exit 3.

#[test]
fn empty_history_is_inconclusive_with_or_without_consistency() {
    let nemesis_only = "[{:process :nemesis, :type :info, :f :start, :value nil}]\n";
    for input in ["", "# only a comment\n%concord 1\n", nemesis_only] {
        for extra in [&[][..], &["-c", "lin,mr"][..]] {
            let mut args = vec!["check", "-"];
            args.extend_from_slice(extra);
            let (code, out, err) = run(&args, input);
            assert_eq!(code, 3, "{args:?} on {input:?}: {out}{err}");
            assert!(out.contains("no operations: nothing was checked"), "{out}");
            assert!(!out.contains("holds"), "{out}");

            args.extend_from_slice(&["--output", "json"]);
            let (code, out, _) = run(&args, input);
            assert_eq!(code, 3);
            let msgs = json_lines(&out);
            let end = msgs.iter().find(|m| m["type"] == "end").unwrap();
            assert_eq!(end["reason"], "no operations: nothing was checked");
            assert_eq!(end["exit_code"], 3);
            let results: Vec<&Json> = msgs.iter().filter(|m| m["type"] == "result").collect();
            // Requested guarantees are reported as not checked; none holds.
            assert_eq!(results.len(), if extra.is_empty() { 0 } else { 2 });
            assert!(results.iter().all(|r| r["verdict"] == "not-checked"));
            assert_eq!(msgs.last().unwrap()["exit_code"], 3);
        }
    }
}
