//! Readers of recorded histories: precise errors on malformed input,
//! unknown fields kept, the semantic flags, and a seeded random oracle
//! (generated Jepsen histories whose operations the generator knows) with
//! a JSON Lines round trip.

use concord::history::{Observed, Outcome, Ret};
use concord::parse::{FailSemantics, Format, NilRead, ParseError, ParseOptions, parse};
use concord::render::jsonl::write_jsonl;

/// 1-based line and column of the `nth` occurrence of `needle` in `src`
/// (`"<eof>"` is the end of the input).
fn position_of(src: &str, needle: &str, nth: usize) -> (u32, u32) {
    let offset = if needle == "<eof>" {
        src.len()
    } else {
        src.match_indices(needle)
            .nth(nth)
            .unwrap_or_else(|| panic!("{needle:?} not in {src:?}"))
            .0
    };
    let before = &src[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, src[line_start..offset].chars().count() as u32 + 1)
}

struct Bad {
    format: Format,
    src: &'static str,
    /// The error points at this text (its `nth` occurrence).
    at: &'static str,
    nth: usize,
    message: &'static str,
}

const fn bad(format: Format, src: &'static str, at: &'static str, message: &'static str) -> Bad {
    Bad {
        format,
        src,
        at,
        nth: 0,
        message,
    }
}

fn check_errors(cases: &[Bad]) {
    for case in cases {
        let e: ParseError =
            parse(case.src, case.format, &ParseOptions::default()).expect_err(case.src);
        let expected = position_of(case.src, case.at, case.nth);
        assert_eq!(
            (e.line, e.column),
            expected,
            "{:?}: error {e} should point at {:?}",
            case.src,
            case.at
        );
        assert!(
            e.message.contains(case.message),
            "{:?}: {e} should say {:?}",
            case.src,
            case.message
        );
    }
}

#[test]
fn malformed_edn_points_at_the_problem() {
    use Format::JepsenEdn as E;
    check_errors(&[
        bad(
            E,
            "[{:process 1, :type :invoke, :f :read, :value nil}\n",
            "<eof>",
            "expected `]` to close the history",
        ),
        bad(
            E,
            "[{:process 1, :type :invoke, :f :read, :value nil\n]",
            "]",
            "expected `}` to close the collection opened at 1:2",
        ),
        bad(
            E,
            "[{:process 1,\n  :type :invoke,\n  :f :read :value}]",
            ":value",
            "map has a key without a value",
        ),
        bad(
            E,
            "[{:process 1, :type :invoke, :f :write, :value 99999999999999999999}]",
            "9999",
            "does not fit in 64 bits",
        ),
        bad(
            E,
            "{:process 1, :type :invoke, :f :write, :value \"a\\q\"}",
            "\\q",
            "unknown string escape",
        ),
        bad(
            E,
            "{:process 1, :type :started, :f :read, :value nil}",
            ":started",
            "expected :invoke, :ok, :fail or :info",
        ),
        bad(
            E,
            "{:process 1, :type :invoke, :f :frob, :value nil}",
            ":frob",
            "unknown :f :frob",
        ),
        bad(
            E,
            "{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :write, :value 1}",
            ":write",
            "does not match the invoke's :f :read (line 1)",
        ),
        bad(
            E,
            "{:process 1, :type :ok, :f :read, :value 1}",
            ":ok",
            "no outstanding invoke",
        ),
        bad(
            E,
            "{:process 1, :type :invoke, :f :cas, :value [1]}",
            "[1]",
            "expected [from to]",
        ),
        bad(E, "[{:type :invoke, :f :read}]", "{", "no :process"),
        bad(
            E,
            "{:process 1, :type :invoke, :f :txn, :value [[:append :x 1] [:r :x nil]]}",
            ":append",
            "not supported yet",
        ),
        Bad {
            nth: 1,
            ..bad(
                E,
                "{:process 1, :type :invoke, :f :read}\n{:process 1, :type :invoke, :f :read}",
                ":invoke",
                "still outstanding",
            )
        },
        bad(
            E,
            "{:process 1, :type :invoke, :f :write, :value 1}\n{:process 1, :type :ok, :f :write, :value 2}",
            "2}",
            "differs from its invoke's",
        ),
        Bad {
            nth: 1,
            ..bad(
                E,
                "{:process 1, :type :invoke, :f :read}}",
                "}",
                "unmatched `}`",
            )
        },
        bad(
            E,
            "[{:process 1, :type :invoke, :f :read}] {:a 1}",
            "{:a",
            "expected end of input after the history",
        ),
        bad(
            E,
            "{:process 1.5, :type :invoke, :f :read}",
            "1.5",
            "as :process",
        ),
        bad(
            E,
            "{:process 1, :type :invoke, :f :write, :value {:a 1}}",
            "{:a",
            "as a value",
        ),
    ]);
}

#[test]
fn malformed_log_lines_point_at_the_problem() {
    use Format::JepsenLog as L;
    check_errors(&[
        bad(
            L,
            "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.core - Running test\n",
            "core",
            "expected a Jepsen operation line",
        ),
        bad(
            L,
            "\n\nsome text\n",
            "some",
            "expected a Jepsen operation line",
        ),
        bad(
            L,
            "INFO  jepsen.util - 1\t:invoke\t:read\n",
            "\n",
            "found end of line",
        ),
        bad(
            L,
            "INFO  jepsen.util - 1\t:started\t:read\tnil",
            ":started",
            "expected :invoke, :ok, :fail or :info",
        ),
        bad(
            L,
            "INFO  jepsen.util - 1\t:invoke\t:write\t4 5",
            "5",
            "expected the end of the line after a value",
        ),
        // Any run of whitespace separates fields: two TABs are one
        // separator, so the value is missing.
        bad(
            L,
            "INFO  jepsen.util - 1\t\t:read\tnil\n",
            "\n",
            "expected a value (fields are PROCESS TYPE F VALUE), found end of line",
        ),
        bad(
            L,
            "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2\nINFO  jepsen.util - 1\t:ok\t:cas\t[1 2]",
            "\nINFO",
            "expected `]`",
        ),
        // A tagged value reads on to the next value; it must stop at the
        // field's TAB (found by fuzzing: this used to panic).
        bad(
            L,
            "INFO  jepsen.util - #foo\t:invoke\t:read\tnil",
            "\t:invoke",
            "expected a value",
        ),
        bad(
            L,
            "INFO  jepsen.util - \"x\"\t:invoke\t:read\tnil",
            "\"x\"",
            "expected an integer or :nemesis",
        ),
        bad(
            L,
            "INFO  jepsen.util - 1\tinvoke\t:read\tnil",
            "invoke",
            "expected :invoke",
        ),
        bad(
            L,
            "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:write\t3",
            ":write",
            "does not match",
        ),
    ]);
}

#[test]
fn malformed_json_lines_point_at_the_problem() {
    use Format::Jsonl as J;
    check_errors(&[
        bad(
            J,
            "{\"process\":\"p1\",\"f\":\"read\" \"invoke\":0}",
            "\"invoke\"",
            "invalid JSON",
        ),
        bad(
            J,
            "{\"process\":\"p1\",\"f\":\"read\",\"invoke\":0,\"return\":3,\"type\":\"maybe\"}",
            "\"type\"",
            "expected \"ok\", \"fail\" or \"info\"",
        ),
        bad(
            J,
            "{\"process\":\"p1\",\"type\":\"invoke\",\"f\":\"read\",\"time\":5}\n{\"process\":\"p1\",\"type\":\"ok\",\"f\":\"read\",\"value\":1,\"time\":4}",
            "\"time\":4",
            "before the previous event",
        ),
        bad(
            J,
            "{\"process\":\"p1\",\"type\":\"ok\",\"f\":\"read\",\"value\":1}",
            "\"type\"",
            "never invoked",
        ),
    ]);
}

fn parse_edn(src: &str, options: &ParseOptions) -> concord::History {
    parse(src, Format::JepsenEdn, options).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn unknown_fields_index_and_time_are_kept_as_metadata() {
    let h = parse_edn(
        "[{:process 0, :type :invoke, :f :write, :value 1, :index 0, :time 100, :node \"n1\"}
          {:process 0, :type :ok, :f :write, :value 1, :index 2, :time 250}
          {:process 1, :type :invoke, :f :read, :value nil, :index 1, :time 300}]",
        &ParseOptions::default(),
    );
    let extra = &h.metadata.extra;
    assert!(
        extra.contains(&("line 1 :node".to_string(), "\"n1\"".to_string())),
        "{extra:?}"
    );
    assert!(
        extra.contains(&("jepsen-time-ns".to_string(), "100..300".to_string())),
        "{extra:?}"
    );
    let note = &extra
        .iter()
        .find(|(k, _)| k == "jepsen-index")
        .expect("index note")
        .1;
    assert!(
        note.starts_with("2 record(s)") && note.contains("line 2"),
        "{note}"
    );
    // File order stays real-time order; with a :time on every record,
    // never decreasing, the times are those timestamps (ns).
    assert_eq!((h.ops()[0].invoke, h.ops()[0].ret), (100, Some(250)));
    assert!(h.has_timestamps());
    assert_eq!(h.metadata.time_unit, concord::history::TimeUnit::Nanos);
}

#[test]
fn semantic_flags_override_format_defaults() {
    let src = "[{:process 0, :type :invoke, :f :cas, :value [1 2]}
                {:process 0, :type :fail, :f :cas, :value [1 2]}
                {:process 1, :type :invoke, :f :read, :value nil}
                {:process 1, :type :ok, :f :read, :value nil}
                {:process 2, :type :invoke, :f :read, :value nil}
                {:process 2, :type :fail, :f :read, :value nil}]";
    let h = parse_edn(src, &ParseOptions::default());
    assert!(h.ops()[0].is_fail());
    assert_eq!(h.ops()[1].observed(), Some(Observed::Unknown));
    assert!(h.ops()[2].is_fail());
    let options = ParseOptions {
        fail_semantics: Some(FailSemantics::DefiniteAnswer),
        nil_read: Some(NilRead::Absent),
        initial: Some("0".to_string()),
        ..ParseOptions::default()
    };
    let h = parse_edn(src, &options);
    assert_eq!(h.ops()[0].outcome, Outcome::Ok(Ret::Bool(false)));
    assert_eq!(h.ops()[1].observed(), Some(Observed::Absent));
    assert_eq!(h.ops()[2].observed(), Some(Observed::Unknown));
    assert_eq!(
        h.metadata.initial.map(|v| h.value(v).to_string()),
        Some("0".to_string())
    );
    let bad_initial = ParseOptions {
        initial: Some("zero".to_string()),
        ..ParseOptions::default()
    };
    let e = parse(src, Format::JepsenEdn, &bad_initial).unwrap_err();
    assert!(e.message.contains("--initial"), "{e}");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let cases = [
        "\u{feff}[{:process 0, :type :invoke, :f :read, :value nil}]",
        "\u{feff}INFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
        "\u{feff}{\"process\":\"p1\",\"type\":\"invoke\",\"f\":\"read\"}\n",
        "\u{feff}{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n",
    ];
    for src in cases {
        let format = concord::parse::detect(src, None);
        let h = parse(src, format, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{src:?} ({format}): {e}"));
        assert_eq!(h.len(), 1, "{src:?}");
    }
}

#[test]
fn retired_processes_and_tagged_records() {
    // After an :info, Jepsen continues the worker under a new process id.
    let h = parse_edn(
        "#jepsen.history.Op{:process 3, :type :invoke, :f :write, :value 1}
         #jepsen.history.Op{:process 3, :type :info, :f :write, :value 1, :error :timeout}
         #jepsen.history.Op{:process 8, :type :invoke, :f :read, :value nil}
         #jepsen.history.Op{:process 8, :type :ok, :f :read, :value 1}",
        &ParseOptions::default(),
    );
    assert_eq!(h.len(), 2);
    assert!(h.ops()[0].is_unknown());
    assert_eq!(h.describe(h.ops()[1].id), "8 read -> 1");
}

/// A tiny deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the generator knows about an operation: its expected description
/// and its invoke / return positions.
struct Expected {
    describe: String,
    invoke: u64,
    ret: Option<u64>,
}

/// A random Jepsen EDN history (varied layout: vector or stream, commas
/// or not, comments, nemesis events) and what each operation must parse
/// to under the Knossos defaults.
fn random_history(rng: &mut Rng) -> (String, Vec<Expected>) {
    let mut text = String::new();
    let vector = rng.below(2) == 0;
    if vector {
        text.push('[');
    }
    let mut expected: Vec<Expected> = Vec::new();
    // Per worker: current process id and its open operation.
    let workers = 1 + rng.below(4) as usize;
    let mut process: Vec<u64> = (0..workers as u64).collect();
    let mut open: Vec<Option<(usize, &'static str, String)>> = vec![None; workers];
    let mut next_process = workers as u64;
    let events = rng.below(30);
    for position in 0..events {
        let sep = if rng.below(2) == 0 { ", " } else { " " };
        if rng.below(10) == 0 {
            text.push_str("; a comment\n");
        }
        if rng.below(12) == 0 {
            text.push_str(&format!(
                "{{:process :nemesis{sep}:type :info{sep}:f :start{sep}:value nil}}\n"
            ));
            continue;
        }
        let w = rng.below(workers as u64) as usize;
        let p = process[w];
        match open[w].take() {
            None => {
                let (f, value, args) = match rng.below(3) {
                    0 => ("read", "nil".to_string(), String::new()),
                    1 => {
                        let v = rng.below(5);
                        ("write", v.to_string(), format!(" {v}"))
                    }
                    _ => {
                        let (a, b) = (rng.below(5), rng.below(5));
                        ("cas", format!("[{a} {b}]"), format!(" {a} {b}"))
                    }
                };
                text.push_str(&format!(
                    "{{:process {p}{sep}:type :invoke{sep}:f :{f}{sep}:value {value}}}\n"
                ));
                expected.push(Expected {
                    describe: format!("{p} {f}{args}"),
                    invoke: position,
                    ret: None,
                });
                open[w] = Some((expected.len() - 1, f, value));
            }
            Some((index, f, value)) => {
                let (kind, suffix, value) = match (rng.below(4), f) {
                    (0, _) => ("fail", " (fail)".to_string(), value),
                    (1, _) => {
                        // Retired: the worker continues as a new process.
                        process[w] = next_process;
                        next_process += 1;
                        ("info", " (info)".to_string(), value)
                    }
                    (_, "read") => {
                        let r = rng.below(6);
                        if r == 5 {
                            ("ok", " -> ?".to_string(), "nil".to_string())
                        } else {
                            ("ok", format!(" -> {r}"), r.to_string())
                        }
                    }
                    (_, "cas") => ("ok", " -> true".to_string(), value),
                    _ => ("ok", String::new(), value),
                };
                text.push_str(&format!(
                    "{{:process {p}{sep}:type :{kind}{sep}:f :{f}{sep}:value {value}}}\n"
                ));
                expected[index].describe.push_str(&suffix);
                expected[index].ret = Some(position);
            }
        }
    }
    for e in &mut expected {
        if e.ret.is_none() {
            e.describe.push_str(" (pending)");
        }
    }
    if vector {
        text.push(']');
    }
    (text, expected)
}

#[test]
fn random_jepsen_histories_parse_as_generated_and_round_trip() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..400 {
        let (text, expected) = random_history(&mut rng);
        let h = parse(&text, Format::JepsenEdn, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("case {case}: {e}\n{text}"));
        let got: Vec<(String, u64, Option<u64>)> = h
            .ops()
            .iter()
            .map(|op| (h.describe(op.id), op.invoke, op.ret))
            .collect();
        let want: Vec<(String, u64, Option<u64>)> = expected
            .iter()
            .map(|e| (e.describe.clone(), e.invoke, e.ret))
            .collect();
        assert_eq!(got, want, "case {case}\n{text}");
        for events in [false, true] {
            let jsonl = write_jsonl(&h, events);
            let back = parse(&jsonl, Format::Jsonl, &ParseOptions::default())
                .unwrap_or_else(|e| panic!("case {case}: {e}\n{jsonl}"));
            let again: Vec<(String, u64, Option<u64>)> = back
                .ops()
                .iter()
                .map(|op| (back.describe(op.id), op.invoke, op.ret))
                .collect();
            assert_eq!(again, got, "case {case}\n{jsonl}");
            assert_eq!(back.annotations.len(), h.annotations.len());
        }
    }
}

/// Mutated inputs (characters inserted, deleted or replaced in valid
/// histories of every format) give a history or an error, never a panic,
/// and every error points inside the input.
#[test]
fn mutated_inputs_never_panic() {
    let seeds: [(&str, Format); 4] = [
        (
            "[{:process 0, :type :invoke, :f :cas, :value [1 2], :index 0}\n ; c\n {:process 0, :type :ok, :f :cas, :value [1 2]}\n {:process :nemesis, :type :info, :f :start, :value \"x\\\"y\"}]",
            Format::JepsenEdn,
        ),
        (
            "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t3\n",
            Format::JepsenLog,
        ),
        (
            "{:process 0, :type :invoke, :f :put, :key \"1\", :value \"a\"}\n{:process 0, :type :ok, :f :put, :key \"1\", :value \"a\"}\n",
            Format::PorcupineKv,
        ),
        (
            "{\"concord\":1}\n{\"process\":\"p1\",\"f\":\"txn\",\"ops\":[[\"r\",\"x\",1]],\"invoke\":0,\"return\":2,\"type\":\"ok\"}\n",
            Format::Jsonl,
        ),
    ];
    const ALPHABET: &[char] = &[
        '{', '}', '[', ']', '(', ')', '#', '_', ':', ';', '"', '\\', ' ', '\n', '\t', ',', '0',
        '9', '-', 'N', 'x', 'é', '\u{feff}',
    ];
    let mut rng = Rng(7);
    let (mut parsed, mut refused) = (0, 0);
    for round in 0..3000 {
        let (seed, format) = seeds[round % seeds.len()];
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(chars.len() as u64 + 1) as usize;
            let c = ALPHABET[rng.below(ALPHABET.len() as u64) as usize];
            match rng.below(3) {
                0 => chars.insert(at, c),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ if at < chars.len() => chars[at] = c,
                _ => chars.push(c),
            }
        }
        let text: String = chars.into_iter().collect();
        for f in [format, Format::JepsenEdn, Format::Jsonl] {
            match parse(&text, f, &ParseOptions::default()) {
                Ok(_) => parsed += 1,
                Err(e) => {
                    refused += 1;
                    assert!(
                        e.span.start <= e.span.end && e.span.end <= text.len(),
                        "{text:?}: {e:?}"
                    );
                    assert!(e.line >= 1 && e.column >= 1, "{text:?}: {e:?}");
                }
            }
        }
    }
    // Both outcomes occur, so the mutations reach past the first byte.
    assert!(
        parsed > 100 && refused > 3000,
        "parsed {parsed}, refused {refused}"
    );
}
