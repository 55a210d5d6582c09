//! The input rules of docs/semantics.md ("The input") and the parsers'
//! handling of real files: times that go backwards, empty histories, flags
//! in time units on histories whose times are event positions, whitespace
//! in Jepsen text logs, Knossos micro-operation spellings, huge tokens, and
//! the semantics notes a report shows.

use concord::parse::{self, Format, ParseOptions};
use serde_json::Value as Json;

use crate::cli::{json_lines, run};

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
    let (code, out, _) = run(&["check", "-", "--report", "json"], BACKWARDS);
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

            args.extend_from_slice(&["--report", "json"]);
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

// ---------------------------------------------------------------------------
// 3. Jepsen `:time` gives timestamps; flags in time units need them.

const TIMED_EDN: &str = "[{:process 0, :type :invoke, :f :write, :value 1, :time 1000}
 {:process 0, :type :ok, :f :write, :value 1, :time 2000}
 {:process :nemesis, :type :info, :f :stop, :value nil, :time 2500}
 {:process 1, :type :invoke, :f :read, :value nil, :time 5000000}
 {:process 1, :type :ok, :f :read, :value 1, :time 6000000}]";

const UNTIMED_EDN: &str = "[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process :nemesis, :type :info, :f :stop, :value nil}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value 1}]";

#[test]
fn jepsen_time_fields_are_timestamps_in_ns() {
    let h = parse::parse(TIMED_EDN, Format::JepsenEdn, &ParseOptions::default()).unwrap();
    assert!(h.has_real_time() && h.has_timestamps());
    assert_eq!(h.metadata.time_unit, concord::history::TimeUnit::Nanos);
    assert_eq!(
        (h.ops()[1].invoke, h.ops()[1].ret),
        (5_000_000, Some(6_000_000))
    );
    assert_eq!(h.annotations[0].time, Some(2500));
    let (code, out, _) = run(&["check", "-", "-c", "lin"], TIMED_EDN);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("times are the records' :time, in ns"), "{out}");
    // The flags apply, in ns: the nemesis stop at 2500 plus 100.
    let (code, out, err) = run(
        &["check", "-", "-c", "convergence", "--settle", "100"],
        TIMED_EDN,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("holds        convergence"), "{out}");
    let (code, out, _) = run(&["stats", "-", "--report", "json"], TIMED_EDN);
    assert_eq!(code, 0);
    assert_eq!(json_lines(&out)[0]["timestamps"], true);
    assert_eq!(json_lines(&out)[0]["time_unit"], "ns");
}

#[test]
fn jepsen_time_that_goes_backwards_or_is_missing_leaves_positions() {
    let backwards = TIMED_EDN.replace(":time 5000000}", ":time 1500}");
    let partial = TIMED_EDN.replace(", :time 2500", "");
    for (src, why) in [
        (backwards.as_str(), "is before the previous record's :time"),
        (partial.as_str(), "has no :time"),
    ] {
        let h = parse::parse(src, Format::JepsenEdn, &ParseOptions::default()).unwrap();
        assert!(h.has_real_time() && !h.has_timestamps());
        assert_eq!(
            (h.ops()[1].invoke, h.ops()[1].ret),
            (3, Some(4)),
            "positions"
        );
        let (code, out, _) = run(&["check", "-", "-c", "lin"], src);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains("times are event positions") && out.contains(why),
            "{out}"
        );
    }
}

#[test]
fn time_flags_are_refused_when_times_are_event_positions() {
    let events = "p1 invoke write x 1\np1 ok write x 1\np2 invoke read x\np2 ok read x 1\n";
    let jsonl_events = "{\"process\":\"p1\",\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\",\"value\":1}\n\
                        {\"process\":\"p1\",\"type\":\"ok\",\"f\":\"write\",\"key\":\"x\",\"value\":1}\n";
    let log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\nINFO  jepsen.util - 0\t:ok\t:write\t1\n";
    for (input, format) in [
        (UNTIMED_EDN, "jepsen-edn"),
        (events, "hist-events"),
        (jsonl_events, "jsonl"),
        (log, "jepsen-log"),
    ] {
        for flag in [
            &["--settle", "10"][..],
            &["--clock-skew-ms", "5"][..],
            &["--clock-skew-ms", "0"][..],
            &["--quiescent-at", "3"][..],
        ] {
            let mut args = vec!["check", "-", "--format", format];
            args.extend_from_slice(flag);
            let (code, out, err) = run(&args, input);
            assert_eq!(code, 2, "{args:?}: {out}{err}");
            assert!(out.is_empty(), "never checked: {out}");
            assert!(
                err.contains(flag[0]) && err.contains("times are event positions"),
                "{args:?}: {err}"
            );
            args.extend_from_slice(&["--report", "json"]);
            let (code, out, _) = run(&args, input);
            assert_eq!(code, 2);
            let msgs = json_lines(&out);
            assert_eq!(msgs[0]["type"], "error");
            assert!(msgs.iter().all(|m| m["type"] != "result"));
        }
        // Without the flags the history is checked as before.
        let (code, _, err) = run(&["check", "-", "--format", format], input);
        assert_ne!(code, 2, "{format}: {err}");
    }
    // No times at all: refused too, saying so.
    let (code, _, err) = run(
        &["check", "-", "--settle", "3"],
        "p1 write x 1\np2 read x 1\n",
    );
    assert_eq!(code, 2);
    assert!(err.contains("no times at all"), "{err}");
    // With timestamps the flags apply.
    let timed = "p1 write x 1 @ 0..10\np2 read x 1 @ 20..30\n";
    let (code, out, err) = run(
        &["check", "-", "--clock-skew-ms", "5", "--quiescent-at", "15"],
        timed,
    );
    assert_eq!(code, 0, "{out}{err}");
}

// ---------------------------------------------------------------------------
// 7. Only the semantics that affect the file; the ones a verdict rests on
// next to it.

fn semantics_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter_map(|l| l.trim_start().strip_prefix("semantics: "))
        .collect()
}

#[test]
fn reports_show_only_the_semantics_that_affect_the_file() {
    // Plain ok writes and reads of written values: only how times are read.
    let (_, out, _) = run(&["check", "-", "-c", "lin"], UNTIMED_EDN);
    assert_eq!(
        semantics_lines(&out),
        [
            "line order is real-time order; times are event positions",
            "nemesis events are annotations, not operations"
        ],
        "{out}"
    );
    // Each choice shows up with what it is about.
    let rich = "[{:process 0, :type :invoke, :f :write, :value 1}
 {:process 0, :type :fail, :f :write, :value 1}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value nil}
 {:process 2, :type :invoke, :f :write, :value 2}
 {:process 2, :type :info, :f :write, :value 2}]";
    let (_, out, _) = run(&["check", "-", "-c", "lin"], rich);
    let lines = semantics_lines(&out).join("\n");
    assert!(
        lines.contains("a :fail operation did not take effect"),
        "{out}"
    );
    assert!(lines.contains("outcome is unknown"), "{out}");
    assert!(lines.contains("nil reads are unconstrained"), "{out}");
    assert!(!lines.contains(":txn"), "no transactions: {out}");
    assert!(!lines.contains("independent keys"), "no tuples: {out}");
    assert!(!lines.contains("--initial 0"), "no reads of 0: {out}");
    let txn = "[{:process 0, :type :invoke, :f :txn, :value [[:w :x 1] [:r :y nil]]}
 {:process 0, :type :ok, :f :txn, :value [[:w :x 1] [:r :y nil]]}]";
    let (_, out, _) = run(&["check", "-", "-c", "lin"], txn);
    assert!(semantics_lines(&out).join("\n").contains(":txn"), "{out}");
    // The concord language with nothing to explain states nothing.
    let (_, out, _) = run(
        &["check", "-", "-c", "lin"],
        "p1 write x 1 @ 0..1\np2 read x 1 @ 2..3\n",
    );
    assert!(semantics_lines(&out).is_empty(), "{out}");
    // JSON carries the same sentences.
    let (_, out, _) = run(
        &["check", "-", "-c", "lin", "--report", "json"],
        UNTIMED_EDN,
    );
    assert_eq!(
        json_lines(&out)[0]["semantics"].as_array().unwrap().len(),
        2
    );
}

const KNOSSOS_ZERO: &str = "[{:process 0, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :read, :value 0}
 {:process 1, :type :invoke, :f :write, :value 1}
 {:process 1, :type :ok, :f :write, :value 1}
 {:process 0, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :read, :value 1}]";

#[test]
fn a_verdict_resting_on_the_initial_value_says_so_next_to_it() {
    let (code, out, _) = run(&["check", "-", "-c", "lin"], KNOSSOS_ZERO);
    assert_eq!(code, 1, "{out}");
    assert!(
        semantics_lines(&out)
            .join("\n")
            .contains("pass --initial 0"),
        "the hint is in the semantics: {out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let verdict = lines
        .iter()
        .position(|l| l.contains("violated     linearizable"))
        .unwrap();
    assert!(
        lines[verdict + 1].contains("note: this verdict rests on 1 read of 0 that no write wrote")
            && lines[verdict + 1].contains("--initial 0"),
        "right under the verdict: {out}"
    );
    let (_, out, _) = run(
        &["check", "-", "-c", "lin", "--report", "json"],
        KNOSSOS_ZERO,
    );
    let result = json_lines(&out)
        .into_iter()
        .find(|m| m["type"] == "result")
        .unwrap();
    assert!(
        result["semantics_notes"][0]
            .as_str()
            .unwrap()
            .contains("--initial 0"),
        "{result}"
    );
    // With --initial 0 it holds, and nothing is said.
    let (code, out, _) = run(&["check", "-", "-c", "lin", "--initial", "0"], KNOSSOS_ZERO);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("note:") && !out.contains("pass --initial 0"),
        "{out}"
    );
    // Reads of 0 that a write wrote are no reason for the hint.
    let written = KNOSSOS_ZERO.replace(
        ":value 1}\n {:process 1, :type :ok, :f :write, :value 1}",
        ":value 0}\n {:process 1, :type :ok, :f :write, :value 0}",
    );
    let (_, out, _) = run(&["check", "-", "-c", "lin"], &written);
    assert!(!out.contains("--initial 0"), "{out}");
}

// ---------------------------------------------------------------------------
// 4. Real files: whitespace in Jepsen text logs, Knossos micro-operations.

#[test]
fn jepsen_text_logs_accept_any_whitespace_between_fields() {
    let tabs = "INFO  jepsen.util - 2\t:invoke\t:write\t4
INFO  jepsen.util - 2\t:ok\t:write\t4
INFO  jepsen.util - 3\t:invoke\t:cas\t[4 0]
INFO  jepsen.util - 3\t:ok\t:cas\t[4 0]
INFO  jepsen.util - 1\t:invoke\t:read\tnil
INFO  jepsen.util - 1\t:ok\t:read\t0
";
    let spaces = "INFO  jepsen.util - 2    :invoke   :write    4
INFO jepsen.util -  2 :ok :write 4
INFO\tjepsen.util\t-\t3 \t:invoke  :cas  [4 0]
INFO  jepsen.util - 3  :ok\t :cas   [4 0]   
INFO  jepsen.util - 1 :invoke :read nil
INFO  jepsen.util - 1 :ok :read 0
";
    let a = parse::parse(tabs, Format::JepsenLog, &ParseOptions::default()).unwrap();
    let b = parse::parse(spaces, Format::JepsenLog, &ParseOptions::default()).unwrap();
    assert_eq!(a.len(), 3);
    let describe =
        |h: &concord::History| h.ops().iter().map(|o| h.describe(o.id)).collect::<Vec<_>>();
    assert_eq!(describe(&a), describe(&b));
    // Detected by content, and checked like the TAB-separated log.
    assert_eq!(parse::detect(spaces, None), Format::JepsenLog);
    let (code, out, err) = run(&["check", "-", "-c", "lin"], spaces);
    assert_eq!(code, 0, "{out}{err}");
    // A missing field still points at the end of the line.
    let e = parse::parse(
        "INFO  jepsen.util - 2  :invoke   \n",
        Format::JepsenLog,
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.message.contains("expected an :f") && e.message.contains("end of line"),
        "{e}"
    );
}

#[test]
fn knossos_multi_register_micro_operations_read_and_write_are_accepted() {
    let knossos = "[{:process 0, :type :invoke, :f :txn, :value [[:write :x 1] [:write :y 2]]}
 {:process 0, :type :ok, :f :txn, :value [[:write :x 1] [:write :y 2]]}
 {:process 1, :type :invoke, :f :txn, :value [[:read :x nil] [:read :y nil]]}
 {:process 1, :type :ok, :f :txn, :value [[:read :x 1] [:read :y 2]]}]";
    let elle = knossos.replace(":read", ":r").replace(":write", ":w");
    let a = parse::parse(knossos, Format::JepsenEdn, &ParseOptions::default()).unwrap();
    let b = parse::parse(&elle, Format::JepsenEdn, &ParseOptions::default()).unwrap();
    assert_eq!(a.describe(a.ops()[1].id), "1 txn [r x 1 r y 2]");
    assert_eq!(a.describe(a.ops()[1].id), b.describe(b.ops()[1].id));
    let (code, out, err) = run(&["check", "-", "-c", "lin"], knossos);
    assert_eq!(code, 0, "{out}{err}");
    // Knossos's multi-register: nil reads are always legal; Elle's: absent.
    let nil = knossos.replace("[:read :y 2]", "[:read :y nil]");
    let h = parse::parse(&nil, Format::JepsenEdn, &ParseOptions::default()).unwrap();
    assert_eq!(h.describe(h.ops()[1].id), "1 txn [r x 1 r y ?]");
    let h = parse::parse(
        &nil.replace(":read", ":r"),
        Format::JepsenEdn,
        &ParseOptions::default(),
    )
    .unwrap();
    assert_eq!(h.describe(h.ops()[1].id), "1 txn [r x 1 r y nil]");
    let e = parse::parse(
        "[{:process 0, :type :invoke, :f :txn, :value [[:frob :x 1]]}]",
        Format::JepsenEdn,
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.message.contains("expected :r, :w, :read or :write"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// 5. Convergence with no read after the quiescence point compares nothing.

#[test]
fn convergence_without_a_read_after_quiescence_is_not_checked() {
    use concord::check::{CheckConfig, Guarantee, Verdict, check};
    let no_read_after =
        "%quiescent 50\np1 write x 1 @ 0..10\np2 read x 1 @ 20..30\np1 write x 2 @ 60..70\n";
    let h = parse::parse(no_read_after, Format::Hist, &ParseOptions::default()).unwrap();
    let config = CheckConfig {
        guarantees: vec![Guarantee::Convergence],
        ..CheckConfig::default()
    };
    let r = &check(&h, &config)[0];
    assert_eq!(r.verdict, Verdict::NotChecked, "{r:?}");
    assert!(
        r.reason
            .as_deref()
            .unwrap()
            .contains("no read was invoked after the quiescence point 50")
    );
    let (code, out, _) = run(&["check", "-", "-c", "convergence"], no_read_after);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("not-checked  convergence") && !out.contains("holds"),
        "{out}"
    );
    // A read after the point (and after the writes) is compared.
    let read_after = format!("{no_read_after}p2 read x 2 @ 80..90\n");
    let (code, out, _) = run(&["check", "-", "-c", "convergence"], &read_after);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("holds        convergence"), "{out}");
}

// ---------------------------------------------------------------------------
// 6. Huge tokens are not echoed: messages quote short excerpts, and the
// rendered diagnostic shows a window of the line.

#[test]
fn a_huge_malformed_line_gives_a_short_error_in_every_parser() {
    use concord::render::diagnostic::render_parse_error;
    let big = "a".repeat(3_000_000);
    let cases: Vec<(Format, String)> = vec![
        (
            Format::Hist,
            format!("p1 write x 1 @ 0..1\np1 write x {big} @ 2..3\n"),
        ),
        (Format::Hist, format!("p1 write x \"{big}\" @ 0..1 zzz\n")),
        (Format::Hist, format!("p1 {big} x 1\n")),
        (
            Format::HistEvents,
            format!("p1 invoke write x 1\np1 ok {big} x 1\n"),
        ),
        (
            Format::Jsonl,
            format!(
                "{{\"process\":\"p1\",\"f\":\"{big}\",\"key\":\"x\",\"value\":1,\"invoke\":0,\"return\":1,\"type\":\"ok\"}}\n"
            ),
        ),
        (
            Format::Jsonl,
            format!(
                "{{\"process\":\"p1\",\"f\":\"write\",\"key\":\"x\",\"value\":1,\"invoke\":0,\"return\":1,\"type\":\"{big}\"}}\n"
            ),
        ),
        (
            Format::JepsenEdn,
            format!("[{{:process 0, :type :invoke, :f :cas, :value \"{big}\"}}]"),
        ),
        (
            Format::JepsenEdn,
            format!("[{{:process 0, :type :{big}, :f :read, :value nil}}]"),
        ),
        (
            Format::JepsenEdn,
            format!(
                "[{{:process 0, :type :invoke, :f :read, :value 9{}}}]",
                "9".repeat(3_000_000)
            ),
        ),
        (
            Format::JepsenLog,
            format!("INFO  jepsen.util - 0\t:invoke\t:{big}\tnil\n"),
        ),
        (
            Format::JepsenLog,
            format!("INFO  jepsen.util - 0\t:invoke\t:read\t{big} y\n"),
        ),
        (Format::JepsenLog, format!("INFO  jepsen.core - {big}\n")),
        (
            Format::PorcupineKv,
            format!("{{:process 0, :type :invoke, :f :{big}, :key \"k\", :value 1}}\n"),
        ),
    ];
    for (format, src) in &cases {
        let e = parse::parse(src, *format, &ParseOptions::default()).expect_err("malformed");
        let all = format!("{} {}", e.message, e.notes.join(" "));
        assert!(
            all.len() < 1000,
            "{format}: message of {} bytes: {}",
            all.len(),
            &all[..200]
        );
        let rendered = render_parse_error(&e, src, "big", false);
        assert!(
            rendered.len() < 1500,
            "{format}: rendering of {} bytes",
            rendered.len()
        );
        assert!(
            rendered.contains(&format!("--> big:{}:{}", e.line, e.column)),
            "{rendered}"
        );
        // A quoted token is an excerpt with an ellipsis, not the token.
        if all.contains("aaaa") {
            assert!(all.contains('…'), "{format}: {all}");
        }
    }
    // Through the binary, in both outputs.
    let src = &cases[0].1;
    let (code, out, err) = run(&["check", "-"], src);
    assert_eq!(code, 2);
    assert!(out.is_empty() && err.len() < 1500, "{} bytes", err.len());
    assert!(err.contains("-:2:12") && err.contains('…'), "{err}");
    let (code, out, _) = run(&["check", "-", "--report", "json"], src);
    assert_eq!(code, 2);
    assert!(out.len() < 1500, "{} bytes", out.len());
}

#[test]
fn the_rendered_line_is_a_window_around_the_error_with_the_true_column() {
    use concord::render::diagnostic::render_parse_error;
    let src = format!("p1 write x \"{}\" @ 0..1 zzz\n", "b".repeat(500));
    let e = parse::parse(&src, Format::Hist, &ParseOptions::default()).unwrap_err();
    let out = render_parse_error(&e, &src, "h.hist", false);
    assert!(out.contains(&format!("--> h.hist:1:{}", e.column)), "{out}");
    assert_eq!(e.column as usize, src.find("zzz").unwrap() + 1);
    let shown = out.lines().find(|l| l.starts_with("1 |")).unwrap();
    assert!(
        shown.starts_with("1 | …") && shown.ends_with("@ 0..1 zzz"),
        "{shown}"
    );
    let caret = out.lines().find(|l| l.contains('^')).unwrap();
    assert_eq!(
        caret.find('^'),
        shown.find("zzz").map(|i| i - 2),
        "the caret sits under zzz ('…' is 3 bytes, one column): {out}"
    );
}
