//! `--to jepsen-edn` read back by the Jepsen reader: generated, simulated
//! and hand-written histories (registers, CAS, unknown outcomes, failures,
//! several keys, annotations) are written as EDN with `concord generate`,
//! `concord sim` and `concord convert`, read back with the flags the
//! output's comment names, and must give the same operations (`convert
//! --to hist`) and the same verdicts (`check --report json`).

use crate::cli::{json_lines, run};

/// A history with what generators do not make: failed writes and reads,
/// unknown-outcome calls that returned (`info`), unknown reads, a CAS that
/// answered false, zero-length calls, a process that calls again at the
/// instant it returned, and annotations.
const HAND_WRITTEN: &str = "\
%initial 0
p1 write x 1 @ 0..10
p2 read x 1 @ 5..12
! nemesis info start partition @ 13
p3 write y 2 @ 14..20 fail
p2 read y ? @ 15..15
p2 cas x 1 3 -> false @ 15..18
p1 write y 4 @ 21..25 info
! heal: partitions removed @ 26
p3 read x 1 @ 27..30
p3 read y 4 @ 30..31
p4 write x 5 @ 31..?
";

/// The flags on the comment line of `edn` that starts with `prefix`.
fn comment_flags<'a>(edn: &'a str, prefix: &str) -> Vec<&'a str> {
    edn.lines()
        .take_while(|l| l.starts_with(';'))
        .find_map(|l| l.strip_prefix(prefix))
        .map_or(Vec::new(), |flags| flags.split_whitespace().collect())
}

/// (guarantee, verdict, violation count) of every result of `check`.
fn verdicts(file: &str, flags: &[&str], stdin: &str) -> Vec<(String, String, u64)> {
    let mut args = vec!["check", file, "--report", "json", "--timeout", "60s"];
    args.extend_from_slice(flags);
    let (code, out, err) = run(&args, stdin);
    assert!(code != 2, "check {flags:?} failed: {err}");
    json_lines(&out)
        .iter()
        .filter(|j| j["type"] == "result")
        .map(|j| {
            (
                j["guarantee"].as_str().unwrap().to_string(),
                j["verdict"].as_str().unwrap().to_string(),
                j["violation_count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The operation and annotation lines of a `.hist` text (the header
/// differs: Jepsen EDN carries no model, times are in ns).
fn body(hist: &str) -> Vec<String> {
    hist.lines()
        .filter(|l| !l.starts_with('%'))
        .map(str::to_string)
        .collect()
}

/// `hist` (times in `ns_per_unit` nanoseconds each) and its EDN `edn` give
/// the same operations and the same verdicts.
fn assert_round_trip(name: &str, hist: &str, edn: &str, ns_per_unit: u64) {
    assert!(
        edn.starts_with("; concord history as Jepsen EDN"),
        "{name}: {edn}"
    );
    let read = comment_flags(edn, "; Read it back with: ");
    let mut check = comment_flags(edn, "; Check it with: ");
    check.extend_from_slice(&read);
    let mut args = vec!["convert", "-", "--format", "jepsen-edn", "--to", "hist"];
    args.extend_from_slice(&read);
    let (code, back, err) = run(&args, edn);
    assert_eq!(code, 0, "{name}: {err}");
    let scale = |text: &str| {
        if ns_per_unit == 1 {
            return text.to_string();
        }
        // `@ a..b`: the times in ns.
        let (before, times) = text.rsplit_once(" @ ").unwrap();
        let scaled: Vec<String> = times
            .split("..")
            .map(|t| match t.split_once(' ') {
                Some((t, rest)) => format!("{} {rest}", t.parse::<u64>().unwrap() * ns_per_unit),
                None if t == "?" => t.to_string(),
                None => (t.parse::<u64>().unwrap() * ns_per_unit).to_string(),
            })
            .collect();
        format!("{before} @ {}", scaled.join(".."))
    };
    let expected: Vec<String> = body(hist).iter().map(|l| scale(l)).collect();
    let got = body(&back);
    assert_eq!(expected.len(), got.len(), "{name}:\n{back}");
    for (e, g) in expected.iter().zip(&got) {
        if e.starts_with('!') {
            // Annotations that are not the reader's own nemesis text come
            // back as `nemesis info TEXT`.
            assert!(
                g == e || g.replace("! nemesis info ", "! ") == *e,
                "{name}: {e} came back as {g}"
            );
        } else {
            assert_eq!(e, g, "{name}");
        }
    }
    let expected = verdicts("-", &[], hist);
    assert!(!expected.is_empty(), "{name}: no results");
    assert_eq!(
        expected,
        verdicts("-", &check, edn),
        "{name}: verdicts of the history and of its EDN (read with {check:?})"
    );
}

#[test]
fn generated_histories_round_trip() {
    let cases: &[&[&str]] = &[
        // Several keys, stale reads (not linearizable), pending calls.
        &[
            "--ops",
            "400",
            "--processes",
            "6",
            "--keys",
            "4",
            "--seed",
            "1",
            "--stale-reads",
            "0.05",
            "--pending-fraction",
            "0.02",
        ],
        // One implicit key, CAS answering true and false, repeated values.
        &[
            "--ops",
            "200",
            "--processes",
            "4",
            "--keys",
            "0",
            "--seed",
            "2",
            "--cas-fraction",
            "0.3",
            "--repeat-values",
            "--pending-fraction",
            "0.05",
        ],
        // Linearizable, many keys.
        &[
            "--ops",
            "300",
            "--processes",
            "8",
            "--keys",
            "20",
            "--seed",
            "3",
        ],
    ];
    for flags in cases {
        let mut args = vec!["generate"];
        args.extend_from_slice(flags);
        let (code, hist, err) = run(&args, "");
        assert_eq!(code, 0, "{err}");
        args.extend_from_slice(&["--to", "jepsen-edn"]);
        let (code, edn, err) = run(&args, "");
        assert_eq!(code, 0, "{err}");
        assert_round_trip(&flags.join(" "), &hist, &edn, 1);
    }
}

#[test]
fn simulated_histories_round_trip() {
    // Absent reads (no initial value), microsecond times, a quiescence
    // point, several keys, and a protocol fault that breaks guarantees.
    for (protocol, fault) in [("quorum", "sloppy-quorum"), ("chain", "ack-at-head")] {
        let args = |to| {
            vec![
                "sim",
                "--protocol",
                protocol,
                "--fault",
                fault,
                "--ops",
                "150",
                "--seed",
                "4",
                "--to",
                to,
            ]
        };
        let (code, hist, err) = run(&args("hist"), "");
        assert_eq!(code, 0, "{err}");
        assert!(hist.contains("%unit us"), "{hist}");
        let (code, edn, err) = run(&args("jepsen-edn"), "");
        assert_eq!(code, 0, "{err}");
        assert_round_trip(protocol, &hist, &edn, 1_000);
    }
}

#[test]
fn converted_histories_round_trip() {
    let (code, hist, err) = run(&["convert", "-", "--to", "hist"], HAND_WRITTEN);
    assert_eq!(code, 0, "{err}");
    let (code, edn, err) = run(&["convert", "-", "--to", "jepsen-edn"], HAND_WRITTEN);
    assert_eq!(code, 0, "{err}");
    assert!(edn.contains(":type :fail, :f :cas"), "{edn}");
    assert!(edn.contains(":type :info, :f :write"), "{edn}");
    assert_round_trip("hand-written", &hist, &edn, 1);
    // The corpus's Jepsen histories, written back as EDN, read the same.
    for file in [
        "../shared/corpus/knossos/cas-register/bad/cas-failure.edn",
        "../shared/corpus/knossos/cas-register/good/memstress3-4.edn",
    ] {
        let source = std::fs::read_to_string(file).expect("the corpus is present");
        let (code, hist, err) = run(&["convert", "-", "--to", "hist"], &source);
        assert_eq!(code, 0, "{file}: {err}");
        let (code, edn, err) = run(&["convert", "-", "--to", "jepsen-edn"], &source);
        assert_eq!(code, 0, "{file}: {err}");
        assert_round_trip(file, &hist, &edn, 1);
    }
}
