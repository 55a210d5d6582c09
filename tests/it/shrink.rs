//! Shrinking (`concord shrink`, `concord::shrink`): every fault knob's
//! 2,000-operation simulator history shrinks, within a 10 s budget, to a
//! handful of operations that still violate the knob's guarantee when the
//! written `.hist` text is read back; every kept operation is the input's
//! operation on the line its comment names.

use crate::cli::run;
use concord::check::{CheckConfig, check_one};
use concord::history::History;
use concord::render::hist::to_hist;
use concord::shrink::{shrink, to_text};
use concord::sim::{ProtocolName, SimConfig, simulate};
use concord::{Format, Verdict, parse};
use std::time::Duration;

fn budget() -> CheckConfig {
    CheckConfig {
        timeout: Some(Duration::from_secs(10)),
        ..CheckConfig::default()
    }
}

/// The operation on `line` of `original`, described.
fn at_line(original: &History, line: u32) -> String {
    let op = original
        .ops()
        .iter()
        .find(|op| op.source.line == line)
        .unwrap_or_else(|| panic!("no operation on line {line}"));
    original.describe(op.id)
}

#[test]
fn every_knob_history_shrinks_to_a_handful_that_still_violates() {
    let mut sizes = Vec::new();
    let mut shrunk_any = 0;
    for p in ProtocolName::ALL {
        for fault in p.knobs() {
            let breaks = fault.breaks(p);
            if breaks.is_empty() {
                continue;
            }
            let mut cfg = SimConfig::scenario(p, &[fault]).with_seed(3);
            cfg.ops = 2000;
            let run = simulate(&cfg).unwrap();
            // Through text, as a user has it: operations carry input lines.
            let text = to_hist(&run.history);
            let original = parse(&text, Format::Hist, &Default::default()).unwrap();
            for g in breaks {
                let Ok(s) = shrink(&original, g, &budget()) else {
                    // This seed does not break it (the knob tests allow
                    // 10% of seeds to miss).
                    continue;
                };
                shrunk_any += 1;
                assert!(s.complete, "{p}+{fault} {g}: the 10 s budget ran out");
                assert!(
                    s.history.len() <= 12,
                    "{p}+{fault} {g}: {} operations left:\n{}",
                    s.history.len(),
                    to_hist(&s.history)
                );
                // The written text reads back and still violates.
                let out = to_text("sim.hist", g, &original, &s);
                let back = parse(&out, Format::Hist, &Default::default()).unwrap();
                let r = check_one(&back, g, &CheckConfig::default());
                assert_eq!(r.verdict, Verdict::Violated, "{p}+{fault} {g}:\n{out}");
                // Each kept operation is the input's on the line it names.
                for (op, &orig) in s.history.ops().iter().zip(&s.kept) {
                    assert_eq!(op.source.line, original.op(orig).source.line);
                    assert_eq!(
                        s.history.describe(op.id),
                        at_line(&original, op.source.line),
                        "{p}+{fault} {g}"
                    );
                }
                sizes.push(format!("{p}+{fault} {g}: {}", s.history.len()));
            }
        }
    }
    assert!(shrunk_any >= 8, "only {shrunk_any} shrinks: {sizes:?}");
}

#[test]
fn cutting_a_completion_makes_it_unknown_not_absent() {
    // The stale read happens early; everything after it is noise. The
    // prefix cut leaves the write in flight at the cut as unknown outcome
    // when that still violates, never as a missing write.
    let mut text = String::from("%initial 0\n");
    text.push_str("p1 write x 1 @ 0..10\np1 write x 2 @ 11..20\np2 read x 1 @ 25..30\n");
    for i in 0..30u64 {
        text.push_str(&format!(
            "p3 write y {} @ {}..{}\n",
            i + 1,
            31 + 10 * i,
            40 + 10 * i
        ));
    }
    let h = parse(&text, Format::Hist, &Default::default()).unwrap();
    let s = shrink(&h, concord::Guarantee::Linearizable, &budget()).unwrap();
    assert_eq!(s.history.len(), 3, "{}", to_hist(&s.history));
    // Times are renumbered densely, in order.
    let times: Vec<(u64, Option<u64>)> = s
        .history
        .ops()
        .iter()
        .map(|op| (op.invoke, op.ret))
        .collect();
    assert_eq!(times, vec![(0, Some(1)), (2, Some(3)), (4, Some(5))]);
}

/// `noise` writes of key y by p3, then a stale read of x (lines
/// `noise + 2 ..= noise + 4`: the violation).
fn stale_read_after_noise(noise: u64) -> String {
    let mut text = String::from("%initial 0\n");
    for i in 0..noise {
        text.push_str(&format!(
            "p3 write y {} @ {}..{}\n",
            i + 1,
            10 * i,
            10 * i + 5
        ));
    }
    text.push_str("p1 write x 1 @ 0..10\np1 write x 2 @ 11..20\np2 read x 1 @ 25..30\n");
    text
}

#[test]
fn the_cli_writes_the_shrunk_history_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("concord-shrink-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("h.hist");
    let text = stale_read_after_noise(50);
    std::fs::write(&input, &text).unwrap();
    let small = dir.join("small.hist");
    let (code, stdout, _) = run(
        &[
            "shrink",
            input.to_str().unwrap(),
            "-c",
            "lin",
            "-o",
            small.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("shrunk from 53 to 3 operations"),
        "{stdout}"
    );
    let written = std::fs::read_to_string(&small).unwrap();
    assert!(
        written.contains("# input lines kept: 52, 53, 54"),
        "{written}"
    );
    assert!(
        written.contains("p2 read x 1 @ 4..5  # line 54"),
        "{written}"
    );
    let (code, out, _) = run(&["check", small.to_str().unwrap(), "-c", "lin"], "");
    assert_eq!(code, 1, "{out}");
    // Without -c: the weakest violated guarantee, history on stdout.
    let (code, out, err) = run(&["shrink", input.to_str().unwrap()], "");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("shrinking for "), "{err}");
    assert!(out.starts_with("# shrunk by concord from "), "{out}");
    // A history that holds: nothing to shrink, exit 0.
    let ok = dir.join("ok.hist");
    std::fs::write(&ok, "p1 write x 1 @ 0..10\np2 read x 1 @ 11..20\n").unwrap();
    let (code, _, err) = run(&["shrink", ok.to_str().unwrap(), "-c", "lin"], "");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("linearizable holds"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_shrink_shows_each_distinct_counterexample_once() {
    let dir = std::env::temp_dir().join(format!("concord-check-shrink-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("h.hist");
    let text = stale_read_after_noise(20);
    std::fs::write(&input, &text).unwrap();
    let (code, out, err) = run(
        &["check", input.to_str().unwrap(), "-c", "lin", "--shrink"],
        "",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("shrunk counterexample, 3 of 23 operations (breaks: linearizable):"),
        "{out}"
    );
    assert!(out.contains("    p2 read x 1 @ 4..5  # line 24"), "{out}");
    let (_, out, _) = run(
        &[
            "check",
            input.to_str().unwrap(),
            "-c",
            "lin",
            "--shrink",
            "--report",
            "json",
        ],
        "",
    );
    let shrunk: Vec<_> = crate::cli::json_lines(&out)
        .into_iter()
        .filter(|m| m["type"] == "shrunk")
        .collect();
    assert_eq!(shrunk.len(), 1, "{out}");
    assert_eq!(shrunk[0]["operations"], 3);
    assert_eq!(shrunk[0]["lines"], serde_json::json!([22, 23, 24]));
    let _ = std::fs::remove_dir_all(&dir);
}
