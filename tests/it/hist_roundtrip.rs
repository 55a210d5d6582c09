//! print → parse is the identity on random valid histories, and printing
//! is idempotent (printing a parsed canonical text gives the same text).
//!
//! Histories cover: odd process and key names (quoted, reserved words),
//! keyed and keyless, integers at the extremes, strings with every kind of
//! escape, nested lists, every call kind, every outcome, pending calls,
//! timed and untimed, metadata and annotations.

use concord::ParseOptions;
use concord::history::{
    Annotation, AnnotationKind, Call, History, HistoryBuilder, MicroKind, MicroOp, Observed,
    OpSpec, Outcome, Ret, TimeUnit, Value,
};
use concord::parse::hist;
use concord::render::hist::{first_difference, to_hist, to_hist_events};
use proptest::prelude::*;

const PROCESSES: [&str; 6] = ["p1", "0", "client 2", "nil", "p-3.a", "'q'"];
const KEYS: [&str; 6] = ["x", "y", "my key", "nil", "", "a'b\\c"];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::Int),
        (-3i64..10).prop_map(Value::Int),
        any::<String>().prop_map(|s| Value::Str(s.into())),
        "[a-z\"\\\\\n\t#@ ]{0,6}".prop_map(|s| Value::Str(s.into())),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Value::List)
    })
}

/// A planned operation; turned into a valid one by `build`.
#[derive(Clone, Debug)]
struct OpGen {
    process: usize,
    key: usize,
    kind: usize,
    a: Value,
    b: Value,
    /// 0 = ok, 1 = fail, 2 = info, 3 = pending.
    outcome: u8,
    /// 0 = value, 1 = nil, 2 = unknown.
    result: u8,
    answer: Option<bool>,
    gap: u64,
    duration: u64,
    micro: Vec<(bool, usize, Value, u8)>,
}

fn op_gen() -> impl Strategy<Value = OpGen> {
    (
        (
            0..PROCESSES.len(),
            0..KEYS.len(),
            0..10usize,
            value(),
            value(),
        ),
        (0u8..4, 0u8..3, any::<Option<bool>>(), 0u64..5, 0u64..5),
        prop::collection::vec((any::<bool>(), 0..KEYS.len(), value(), 0u8..3), 1..4),
    )
        .prop_map(
            |((process, key, kind, a, b), (outcome, result, answer, gap, duration), micro)| {
                OpGen {
                    process,
                    key,
                    kind,
                    a,
                    b,
                    // Pending is rarer than the rest.
                    outcome: if outcome == 3 && gap % 2 == 0 {
                        0
                    } else {
                        outcome
                    },
                    result,
                    answer,
                    gap,
                    duration,
                    micro,
                }
            },
        )
}

#[derive(Clone, Debug)]
struct HistGen {
    keyed: bool,
    timed: bool,
    ops: Vec<OpGen>,
    model: Option<concord::Model>,
    initial: Option<Value>,
    initial_by_key: Vec<(usize, Value)>,
    quiescent: Option<u64>,
    unit: usize,
    extra: Vec<(String, String)>,
    annotations: Vec<(String, Option<u64>, usize)>,
}

fn hist_gen() -> impl Strategy<Value = HistGen> {
    (
        (
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(op_gen(), 0..25),
        ),
        (
            prop::option::of(prop::sample::select(concord::Model::ALL.to_vec())),
            prop::option::of(value()),
            prop::collection::vec((0..KEYS.len(), value()), 0..3),
            any::<Option<u64>>(),
            0..5usize,
        ),
        prop::collection::vec((any::<String>(), any::<String>()), 0..3),
        prop::collection::vec((any::<String>(), any::<Option<u64>>(), 0..30usize), 0..3),
    )
        .prop_map(
            |(
                (keyed, timed, ops),
                (model, initial, initial_by_key, quiescent, unit),
                extra,
                annotations,
            )| {
                HistGen {
                    keyed,
                    timed,
                    ops,
                    model,
                    initial,
                    initial_by_key,
                    quiescent,
                    unit,
                    extra,
                    annotations,
                }
            },
        )
}

fn build(g: &HistGen) -> History {
    let mut b = HistoryBuilder::new();
    b.set_real_time(g.timed);
    b.metadata.model = g.model;
    b.metadata.initial = g.initial.clone().map(|v| b.value(v));
    let mut seen_keys = Vec::new();
    for (k, v) in &g.initial_by_key {
        // One entry per key; a keyless history has only its implicit key.
        let k = if g.keyed { *k } else { 4 };
        if seen_keys.contains(&k) {
            continue;
        }
        seen_keys.push(k);
        let key = if KEYS[k].is_empty() {
            b.implicit_key()
        } else {
            b.key(KEYS[k])
        };
        let v = b.value(v.clone());
        b.metadata.initial_by_key.push((key, v));
    }
    b.metadata.quiescent_at = g.quiescent;
    b.metadata.time_unit = [
        TimeUnit::Ticks,
        TimeUnit::Nanos,
        TimeUnit::Micros,
        TimeUnit::Millis,
        TimeUnit::Seconds,
    ][g.unit];
    b.metadata.extra = g.extra.clone();
    let mut free = [0u64; PROCESSES.len()];
    let mut dead = [false; PROCESSES.len()];
    let mut last_invoke = 0u64;
    let mut count = 0u32;
    for o in &g.ops {
        if dead[o.process] {
            continue;
        }
        let process = b.process(PROCESSES[o.process]);
        let kind = if g.keyed { o.kind } else { o.kind % 9 };
        let key = match (g.keyed, kind) {
            (false, _) => b.implicit_key(),
            (true, 9) => b.key(KEYS[o.micro[0].1]),
            (true, _) => b.key(KEYS[o.key]),
        };
        let va = b.value(o.a.clone());
        let vb = b.value(o.b.clone());
        let call = match kind {
            0 => Call::Read,
            1 => Call::Write(va),
            2 => Call::Cas {
                expected: va,
                new: vb,
            },
            3 => Call::Append(va),
            4 => Call::Add(va),
            5 => Call::Enqueue(va),
            6 => Call::Dequeue,
            7 => Call::Acquire,
            8 => Call::Release,
            _ => {
                let mut micro = Vec::new();
                for (write, k, v, r) in &o.micro {
                    let key = b.key(KEYS[*k]);
                    let value = if *write {
                        Observed::Value(b.value(v.clone()))
                    } else {
                        match r {
                            0 => Observed::Value(b.value(v.clone())),
                            1 => Observed::Absent,
                            _ => Observed::Unknown,
                        }
                    };
                    let kind = if *write {
                        MicroKind::Write
                    } else {
                        MicroKind::Read
                    };
                    micro.push(MicroOp { kind, key, value });
                }
                Call::Txn(micro)
            }
        };
        let observed = match o.result {
            0 => Observed::Value(va),
            1 => Observed::Absent,
            _ => Observed::Unknown,
        };
        let pending = o.outcome == 3;
        let outcome = match o.outcome {
            0 => Outcome::Ok(match &call {
                Call::Read | Call::Dequeue => Ret::Value(observed),
                Call::Cas { .. } | Call::Acquire | Call::Release => match o.answer {
                    Some(x) => Ret::Bool(x),
                    None => Ret::Ack,
                },
                _ => Ret::Ack,
            }),
            1 => Outcome::Fail,
            _ => Outcome::Info,
        };
        let (invoke, ret) = if g.timed {
            // Invokes in id order, as a recorder logs them.
            let invoke = (last_invoke + o.gap).max(free[o.process]);
            last_invoke = invoke;
            let ret = invoke + o.duration;
            free[o.process] = ret;
            (invoke, (!pending).then_some(ret))
        } else {
            let i = u64::from(count);
            (i, (!pending).then_some(i))
        };
        if pending {
            dead[o.process] = true;
        }
        count += 1;
        b.push(OpSpec {
            process,
            key,
            call,
            outcome,
            invoke,
            ret,
            line: count,
        })
        .expect("generated operation is valid");
    }
    let mut annotations: Vec<_> = g
        .annotations
        .iter()
        .map(|(text, time, before)| Annotation {
            time: *time,
            ops_before: (*before as u32).min(count),
            text: text.clone(),
            kind: AnnotationKind::of_text(text),
            line: 0,
        })
        .collect();
    annotations.sort_by_key(|a| a.ops_before);
    b.annotations = annotations;
    b.finish().expect("generated history is valid")
}

fn parse(text: &str) -> History {
    hist::parse(text, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("printed history does not parse: {e} {:?}\n{text}", e.notes))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn print_then_parse_is_identity(g in hist_gen()) {
        let h = build(&g);
        let text = to_hist(&h);
        let back = parse(&text);
        prop_assert_eq!(first_difference(&h, &back), None, "text:\n{}", text);
        // Idempotent: the canonical text is a fixed point.
        prop_assert_eq!(to_hist(&back), text);
    }

    #[test]
    fn event_form_round_trips_timed_histories(g in hist_gen()) {
        let mut g = g;
        g.timed = true;
        let h = build(&g);
        let text = to_hist_events(&h);
        let back = parse(&text);
        prop_assert_eq!(first_difference(&h, &back), None, "text:\n{}", text);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = hist::parse(&text, &ParseOptions::default());
    }

    #[test]
    fn random_tokens_never_panic(tokens in prop::collection::vec(prop_oneof![
        Just("p1"), Just("p2"), Just("write"), Just("read"), Just("cas"), Just("txn"), Just("invoke"),
        Just("ok"), Just("fail"), Just("info"), Just("pending"), Just("x"), Just("nil"), Just("?"),
        Just("1"), Just("-"), Just("\""), Just("'"), Just("["), Just("]"), Just("[r"), Just("[w"),
        Just("->"), Just("true"), Just("@"), Just(".."), Just("0..1"), Just("5"), Just("#"),
        Just("%initial"), Just("%form"), Just("events"), Just("!"), Just("\n"), Just("\\"), Just("\\u{"),
        Just("99999999999999999999"), Just("\t"), Just("é"), Just("\r\n"),
    ], 0..40)) {
        let text = tokens.join(" ");
        let _ = hist::parse(&text, &ParseOptions::default());
        let _ = hist::parse_events(&text, &ParseOptions::default());
        if let Err(e) = hist::parse(&text, &ParseOptions::default()) {
            // Errors always point inside the input and render.
            prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
            // Every error says what was expected: no rule lets a bare nom
            // error escape.
            prop_assert!(!e.message.is_empty() && e.message != "malformed line", "{:?} for {:?}", e, text);
            let _ = concord::render::diagnostic::render_parse_error(&e, &text, "t.hist", false);
        }
    }
}
