//! Brute-force oracle for linearizability and sequential consistency.
//!
//! Thousands of small random histories (at most 8 operations, 2–3
//! processes), for every data model, are decided twice: by concord (the
//! zone fast path or the WGL search) and by an independent enumeration of
//! every order consistent with real time (or session order), with every
//! unknown-outcome operation included or left out, replayed on a tiny
//! interpreter written here, separately from the library's models. The
//! verdicts must agree exactly. Witnesses are replayed with
//! `validate_witness`, and the unique-value register histories are decided
//! both by the fast path (no witness) and by the search (witness asked),
//! so the two algorithms are cross-checked against the oracle and each
//! other.

use concord::check::linearizable::{self, validate_witness};
use concord::check::{CheckConfig, Model, Verdict, sequential};
use concord::history::{
    Call, History, HistoryBuilder, KeyId, MicroKind, MicroOp, Observed, OpSpec, Operation, Outcome,
    Ret, Value,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Copy, Clone, Debug, PartialEq)]
enum Gen {
    Register,
    UniqueRegister,
    CasRegister,
    Kv,
    Set,
    Queue,
    Counter,
    Mutex,
    MultiRegister,
}

impl Gen {
    fn model(self) -> Model {
        match self {
            Gen::Register | Gen::UniqueRegister => Model::Register,
            Gen::CasRegister => Model::CasRegister,
            Gen::Kv => Model::Kv,
            Gen::Set => Model::Set,
            Gen::Queue => Model::Queue,
            Gen::Counter => Model::Counter,
            Gen::Mutex => Model::Mutex,
            Gen::MultiRegister => Model::MultiRegister,
        }
    }
}

/// A random history of `kind_of`'s kind.
fn random_history(kind_of: Gen, rng: &mut Rng) -> History {
    let mut b = HistoryBuilder::new();
    let processes = 2 + rng.below(2) as usize;
    let n_ops = 3 + rng.below(6) as usize;
    let keys: Vec<KeyId> = if matches!(
        kind_of,
        Gen::Register | Gen::UniqueRegister | Gen::Kv | Gen::MultiRegister
    ) && rng.chance(40)
    {
        vec![b.key("x"), b.key("y")]
    } else {
        vec![b.key("x")]
    };
    let procs: Vec<_> = (0..processes)
        .map(|i| b.process(&format!("p{i}")))
        .collect();
    if rng.chance(30) {
        let v = match kind_of {
            Gen::Kv => b.str("a"),
            Gen::Set | Gen::Queue | Gen::Mutex => b.int(0),
            _ => b.int(0),
        };
        if !matches!(kind_of, Gen::Set | Gen::Queue | Gen::Mutex) {
            b.metadata.initial = Some(v);
        }
    }
    let mut cursor = vec![0u64; processes];
    let mut done = vec![false; processes];
    let mut fresh = 100i64;
    for line in 1..=n_ops as u32 {
        let p = rng.below(processes as u64) as usize;
        if done[p] {
            continue;
        }
        let key = keys[rng.below(keys.len() as u64) as usize];
        let invoke = cursor[p] + rng.below(4);
        let ret = invoke + rng.below(5);
        let small = |rng: &mut Rng, b: &mut HistoryBuilder| b.int(rng.below(3) as i64);
        // Outcome: mostly ok, some unknown, a few failed.
        let roll = rng.below(100);
        let kind = if roll < 72 {
            0
        } else if roll < 90 {
            1
        } else {
            2
        };
        let observed = |rng: &mut Rng, b: &mut HistoryBuilder, v: Option<i64>| -> Observed {
            if rng.chance(8) {
                Observed::Unknown
            } else {
                match v {
                    Some(i) => Observed::Value(b.int(i)),
                    None => Observed::Absent,
                }
            }
        };
        let (call, ok_ret) = match kind_of {
            Gen::Register | Gen::UniqueRegister => {
                if rng.chance(50) {
                    let v = if kind_of == Gen::UniqueRegister {
                        fresh += 1;
                        b.int(fresh)
                    } else {
                        small(rng, &mut b)
                    };
                    (Call::Write(v), Ret::Ack)
                } else {
                    let v = if kind_of == Gen::UniqueRegister {
                        rng.chance(80)
                            .then(|| 100 + rng.below((fresh - 99) as u64) as i64)
                    } else {
                        rng.chance(80).then(|| rng.below(3) as i64)
                    };
                    let v = v.map(|i| if i == 100 { 0 } else { i });
                    (Call::Read, Ret::Value(observed(rng, &mut b, v)))
                }
            }
            Gen::CasRegister => match rng.below(3) {
                0 => (Call::Write(small(rng, &mut b)), Ret::Ack),
                1 => {
                    let v = rng.chance(85).then(|| rng.below(3) as i64);
                    (Call::Read, Ret::Value(observed(rng, &mut b, v)))
                }
                _ => {
                    let (expected, new) = (small(rng, &mut b), small(rng, &mut b));
                    let answer = if rng.chance(60) {
                        Ret::Bool(true)
                    } else {
                        Ret::Bool(false)
                    };
                    (Call::Cas { expected, new }, answer)
                }
            },
            Gen::Kv => match rng.below(3) {
                0 => (
                    Call::Write(b.str(["a", "b"][rng.below(2) as usize])),
                    Ret::Ack,
                ),
                1 => (
                    Call::Append(b.str(["a", "b"][rng.below(2) as usize])),
                    Ret::Ack,
                ),
                _ => {
                    let texts = ["a", "b", "ab", "ba", "aa", "bb", "aab", "abb"];
                    let o = if rng.chance(15) {
                        Observed::Absent
                    } else {
                        Observed::Value(b.str(texts[rng.below(texts.len() as u64) as usize]))
                    };
                    (Call::Read, Ret::Value(o))
                }
            },
            Gen::Set => {
                if rng.chance(55) {
                    (Call::Add(small(rng, &mut b)), Ret::Ack)
                } else {
                    let items: Vec<Value> =
                        (0..3).filter(|_| rng.chance(45)).map(Value::Int).collect();
                    (
                        Call::Read,
                        Ret::Value(Observed::Value(b.value(Value::List(items)))),
                    )
                }
            }
            Gen::Queue => {
                if rng.chance(55) {
                    (Call::Enqueue(small(rng, &mut b)), Ret::Ack)
                } else {
                    let v = rng.chance(80).then(|| rng.below(3) as i64);
                    (Call::Dequeue, Ret::Value(observed(rng, &mut b, v)))
                }
            }
            Gen::Counter => {
                if rng.chance(55) {
                    (Call::Add(b.int(1 + rng.below(2) as i64)), Ret::Ack)
                } else {
                    let v = rng.below(5) as i64;
                    (Call::Read, Ret::Value(observed(rng, &mut b, Some(v))))
                }
            }
            Gen::Mutex => {
                let answer = if rng.chance(75) {
                    Ret::Ack
                } else {
                    Ret::Bool(false)
                };
                if rng.chance(50) {
                    (Call::Acquire, answer)
                } else {
                    (Call::Release, answer)
                }
            }
            Gen::MultiRegister => {
                let mut micro = Vec::new();
                for _ in 0..1 + rng.below(2) {
                    let key = keys[rng.below(keys.len() as u64) as usize];
                    if rng.chance(50) {
                        micro.push(MicroOp {
                            kind: MicroKind::Write,
                            key,
                            value: Observed::Value(small(rng, &mut b)),
                        });
                    } else {
                        let v = rng.chance(75).then(|| rng.below(3) as i64);
                        let value = observed(rng, &mut b, v);
                        micro.push(MicroOp {
                            kind: MicroKind::Read,
                            key,
                            value,
                        });
                    }
                }
                (Call::Txn(micro), Ret::Ack)
            }
        };
        let pending = kind == 1 && rng.chance(50);
        let outcome = match kind {
            0 => Outcome::Ok(ok_ret),
            1 => Outcome::Info,
            _ => Outcome::Fail,
        };
        // An unknown-outcome read or transaction records no values.
        let call = match (&outcome, call) {
            (Outcome::Info, Call::Txn(micro)) => Call::Txn(
                micro
                    .into_iter()
                    .map(|m| match m.kind {
                        MicroKind::Read => MicroOp {
                            value: Observed::Unknown,
                            ..m
                        },
                        MicroKind::Write => m,
                    })
                    .collect(),
            ),
            (_, c) => c,
        };
        b.push(OpSpec {
            process: procs[p],
            key,
            call,
            outcome,
            invoke,
            ret: if pending { None } else { Some(ret) },
            line,
        })
        .expect("generated operations are valid");
        cursor[p] = ret + rng.below(2);
        if pending {
            done[p] = true;
        }
    }
    b.finish().expect("generated histories are valid")
}

// ---------------------------------------------------------------------------
// The oracle's own sequential interpreter.

#[derive(Clone, Debug, PartialEq)]
enum St {
    Reg(BTreeMap<u32, Option<Value>>),
    Text(BTreeMap<u32, Option<String>>),
    Set(BTreeSet<Value>),
    Queue(VecDeque<Value>),
    Counter(i64),
    Mutex(bool),
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::List(_) => unreachable!(),
    }
}

fn init(h: &History, model: Model) -> St {
    let keys = 0..h.key_count() as u32;
    match model {
        Model::Register | Model::CasRegister | Model::MultiRegister => St::Reg(
            keys.map(|k| (k, h.initial(KeyId(k)).map(|v| h.value(v).clone())))
                .collect(),
        ),
        Model::Kv => St::Text(
            keys.map(|k| (k, h.initial(KeyId(k)).map(|v| text(h.value(v)))))
                .collect(),
        ),
        Model::Set => St::Set(BTreeSet::new()),
        Model::Queue => St::Queue(VecDeque::new()),
        Model::Counter => St::Counter(match h.initial(KeyId(0)).map(|v| h.value(v)) {
            Some(Value::Int(i)) => *i,
            _ => 0,
        }),
        Model::Mutex => St::Mutex(false),
    }
}

/// Applies `op` (which took effect) to `st`; false if impossible.
fn apply(h: &History, st: &mut St, op: &Operation) -> bool {
    let val = |v| h.value(v).clone();
    let answer = match &op.outcome {
        Outcome::Ok(Ret::Bool(b)) => Some(*b),
        Outcome::Ok(_) => Some(true),
        _ => None,
    };
    let result = match &op.outcome {
        Outcome::Ok(Ret::Value(o)) => *o,
        _ => Observed::Unknown,
    };
    let k = op.key.0;
    match (st, &op.call) {
        (St::Reg(m), Call::Read) => match result {
            Observed::Unknown => true,
            Observed::Absent => m[&k].is_none(),
            Observed::Value(v) => m[&k] == Some(val(v)),
        },
        (St::Reg(m), Call::Write(v)) => {
            m.insert(k, Some(val(*v)));
            true
        }
        (St::Reg(m), Call::Cas { expected, new }) => {
            let matches = m[&k] == Some(val(*expected));
            if answer == Some(false) {
                !matches
            } else if matches {
                m.insert(k, Some(val(*new)));
                true
            } else {
                false
            }
        }
        (St::Reg(m), Call::Txn(micro)) => {
            for mo in micro {
                match (mo.kind, mo.value) {
                    (MicroKind::Write, Observed::Value(v)) => {
                        m.insert(mo.key.0, Some(val(v)));
                    }
                    (MicroKind::Read, Observed::Value(v)) if m[&mo.key.0] != Some(val(v)) => {
                        return false;
                    }
                    (MicroKind::Read, Observed::Absent) if m[&mo.key.0].is_some() => return false,
                    _ => {}
                }
            }
            true
        }
        (St::Text(m), Call::Read) => match result {
            Observed::Unknown => true,
            Observed::Absent => m[&k].is_none(),
            Observed::Value(v) => m[&k].as_deref() == Some(text(h.value(v)).as_str()),
        },
        (St::Text(m), Call::Write(v)) => {
            m.insert(k, Some(text(h.value(*v))));
            true
        }
        (St::Text(m), Call::Append(v)) => {
            let old = m[&k].clone().unwrap_or_default();
            m.insert(k, Some(old + &text(h.value(*v))));
            true
        }
        (St::Set(s), Call::Add(v)) => {
            s.insert(val(*v));
            true
        }
        (St::Set(s), Call::Read) => match result {
            Observed::Value(v) => match h.value(v) {
                Value::List(items) => *s == items.iter().cloned().collect(),
                _ => false,
            },
            Observed::Absent => s.is_empty(),
            Observed::Unknown => true,
        },
        (St::Queue(q), Call::Enqueue(v)) => {
            q.push_back(val(*v));
            true
        }
        (St::Queue(q), Call::Dequeue) => match result {
            Observed::Unknown => {
                q.pop_front();
                true
            }
            Observed::Absent => q.is_empty(),
            Observed::Value(v) => q.pop_front() == Some(val(v)),
        },
        (St::Counter(c), Call::Add(v)) => {
            let Value::Int(d) = h.value(*v) else {
                return false;
            };
            *c += d;
            true
        }
        (St::Counter(c), Call::Read) => match result {
            Observed::Unknown => true,
            Observed::Absent => *c == 0,
            Observed::Value(v) => h.value(v) == &Value::Int(*c),
        },
        (St::Mutex(held), Call::Acquire) => {
            if answer == Some(false) {
                *held
            } else if *held {
                false
            } else {
                *held = true;
                true
            }
        }
        (St::Mutex(held), Call::Release) => {
            if answer == Some(false) {
                !*held
            } else if *held {
                *held = false;
                true
            } else {
                false
            }
        }
        _ => panic!("generator made an operation outside the model"),
    }
}

/// Whether some order exists: every ok operation placed once, failed ones
/// never, unknown ones at most once, each after all ok operations that
/// must precede it, legal for the interpreter.
fn oracle(h: &History, model: Model, real_time: bool) -> bool {
    let ops: Vec<&Operation> = h.ops().iter().filter(|o| !o.is_fail()).collect();
    // must[i] = indices that must be placed before i.
    let rank = |o: &Operation| {
        h.sessions()[o.process.index()]
            .iter()
            .position(|&id| id == o.id)
    };
    let must: Vec<Vec<usize>> = ops
        .iter()
        .map(|b| {
            ops.iter()
                .enumerate()
                .filter(|(_, a)| {
                    a.is_ok()
                        && ((real_time && a.precedes(b))
                            || (a.process == b.process && rank(a) < rank(b)))
                })
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    fn go(
        h: &History,
        ops: &[&Operation],
        must: &[Vec<usize>],
        placed: &mut Vec<bool>,
        st: &St,
    ) -> bool {
        if ops.iter().zip(placed.iter()).all(|(o, &p)| p || !o.is_ok()) {
            return true;
        }
        for i in 0..ops.len() {
            if placed[i] || !must[i].iter().all(|&j| placed[j]) {
                continue;
            }
            let mut next = st.clone();
            if !apply(h, &mut next, ops[i]) {
                continue;
            }
            placed[i] = true;
            let found = go(h, ops, must, placed, &next);
            placed[i] = false;
            if found {
                return true;
            }
        }
        false
    }
    go(h, &ops, &must, &mut vec![false; ops.len()], &init(h, model))
}

/// Oracle for staleness on register histories: is there an order that
/// respects real time, with every read's invoke moved `delta` earlier, where
/// each read returns one of the `k` latest values? (Golab, Li & Shah define
/// Δ-atomicity on intervals alone; the fast path only runs on histories
/// without touching intervals in a process, where session order is implied
/// by real time at Δ = 0.)
fn oracle_stale(h: &History, k: usize, delta: u64) -> bool {
    let ops: Vec<&Operation> = h
        .ops()
        .iter()
        .filter(|o| !o.is_fail() && (!o.is_unknown() || o.kind() != concord::history::OpKind::Read))
        .collect();
    let inv = |o: &Operation| {
        if o.kind() == concord::history::OpKind::Read {
            o.invoke.saturating_sub(delta)
        } else {
            o.invoke
        }
    };
    let must: Vec<Vec<usize>> = ops
        .iter()
        .map(|b| {
            ops.iter()
                .enumerate()
                .filter(|(_, a)| a.is_ok() && a.ret.is_some_and(|r| r < inv(b)))
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    type Versions = BTreeMap<u32, Vec<Option<Value>>>;
    fn go(
        h: &History,
        k: usize,
        ops: &[&Operation],
        must: &[Vec<usize>],
        placed: &mut Vec<bool>,
        st: &Versions,
    ) -> bool {
        if ops.iter().zip(placed.iter()).all(|(o, &p)| p || !o.is_ok()) {
            return true;
        }
        for i in 0..ops.len() {
            if placed[i] || !must[i].iter().all(|&j| placed[j]) {
                continue;
            }
            let mut next = st.clone();
            let versions = next.get_mut(&ops[i].key.0).expect("every key has versions");
            match (&ops[i].call, ops[i].observed()) {
                (Call::Write(v), _) => {
                    versions.insert(0, Some(h.value(*v).clone()));
                    versions.truncate(k);
                }
                (Call::Read, Some(Observed::Value(v)))
                    if !versions.contains(&Some(h.value(v).clone())) =>
                {
                    continue;
                }
                (Call::Read, Some(Observed::Absent)) if !versions.contains(&None) => continue,
                _ => {}
            }
            placed[i] = true;
            let found = go(h, k, ops, must, placed, &next);
            placed[i] = false;
            if found {
                return true;
            }
        }
        false
    }
    let init: Versions = (0..h.key_count() as u32)
        .map(|key| (key, vec![h.initial(KeyId(key)).map(|v| h.value(v).clone())]))
        .collect();
    go(h, k, &ops, &must, &mut vec![false; ops.len()], &init)
}

fn verdict(v: Verdict) -> bool {
    match v {
        Verdict::Holds => true,
        Verdict::Violated => false,
        other => panic!("unexpected verdict {other:?}"),
    }
}

fn dump(h: &History) -> String {
    let mut s = String::new();
    for op in h.ops() {
        s += &format!("{} @ {}..{:?}\n", h.describe(op.id), op.invoke, op.ret);
    }
    s
}

fn run(kind_of: Gen, cases: u64, seed: u64) {
    let mut rng = Rng(seed);
    let model = kind_of.model();
    let (mut lin_holds, mut sc_holds) = (0, 0);
    let (mut fast_path, mut stale_checked) = (0u64, 0u64);
    for case in 0..cases {
        let h = random_history(kind_of, &mut rng);
        let ctx = || format!("{kind_of:?} case {case}:\n{}", dump(&h));
        let config = CheckConfig {
            model: Some(model),
            ..CheckConfig::default()
        };
        let witness_config = CheckConfig {
            witness: true,
            ..config.clone()
        };
        let expect_lin = oracle(&h, model, true);
        let expect_sc = oracle(&h, model, false);
        assert!(
            !expect_lin || expect_sc,
            "oracle: linearizable implies sequential\n{}",
            ctx()
        );
        let fast = linearizable::check(&h, &config);
        assert_eq!(
            verdict(fast.verdict),
            expect_lin,
            "linearizable\n{}\n{fast:?}",
            ctx()
        );
        let searched = linearizable::check(&h, &witness_config);
        assert_eq!(
            verdict(searched.verdict),
            expect_lin,
            "linearizable (search)\n{}",
            ctx()
        );
        if let Some(w) = &searched.witness {
            validate_witness(&h, model, w)
                .unwrap_or_else(|e| panic!("bad witness: {e}\n{}", ctx()));
        }
        assert_eq!(expect_lin, searched.witness.is_some(), "{}", ctx());
        if let Some(s) = &fast.staleness {
            stale_checked += 1;
            assert_eq!(s.one_atomic, expect_lin, "{}", ctx());
            assert_eq!(
                s.two_atomic,
                Some(oracle_stale(&h, 2, 0)),
                "2-atomic\n{}\n{s:?}",
                ctx()
            );
            let delta = (0..200)
                .find(|&d| oracle_stale(&h, 1, d))
                .expect("a large Δ explains every read");
            assert_eq!(s.delta, delta, "Δ\n{}\n{s:?}", ctx());
        }
        if fast
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("zone method"))
        {
            fast_path += 1;
        }
        let sc = sequential::check(&h, &witness_config);
        assert_eq!(
            verdict(sc.verdict),
            expect_sc,
            "sequential\n{}\n{sc:?}",
            ctx()
        );
        if let Some(w) = &sc.witness {
            sequential::validate_witness(&h, model, w)
                .unwrap_or_else(|e| panic!("bad SC witness: {e}\n{}", ctx()));
        }
        for v in fast.violations.iter().chain(&sc.violations) {
            assert!(!v.explanation.is_empty() && !v.ops.is_empty(), "{}", ctx());
        }
        lin_holds += expect_lin as u32;
        sc_holds += expect_sc as u32;
    }
    // The generator must produce both verdicts, or the test proves little.
    assert!(
        lin_holds > 0 && lin_holds < cases as u32,
        "{kind_of:?}: {lin_holds}/{cases} linearizable"
    );
    assert!(
        sc_holds > lin_holds,
        "{kind_of:?}: {sc_holds}/{cases} sequential"
    );
    if kind_of == Gen::UniqueRegister {
        assert!(
            fast_path > cases / 5,
            "{fast_path}/{cases} decided by the zone method"
        );
        assert!(
            stale_checked > cases / 20,
            "{stale_checked}/{cases} with staleness"
        );
    }
}

const CASES: u64 = 3000;

#[test]
fn register_agrees_with_oracle() {
    run(Gen::Register, CASES, 1);
}

#[test]
fn unique_register_fast_path_agrees_with_oracle_and_search() {
    run(Gen::UniqueRegister, CASES, 2);
}

#[test]
fn cas_register_agrees_with_oracle() {
    run(Gen::CasRegister, CASES, 3);
}

#[test]
fn kv_agrees_with_oracle() {
    run(Gen::Kv, CASES, 4);
}

#[test]
fn set_agrees_with_oracle() {
    run(Gen::Set, CASES, 5);
}

#[test]
fn queue_agrees_with_oracle() {
    run(Gen::Queue, CASES, 6);
}

#[test]
fn counter_agrees_with_oracle() {
    run(Gen::Counter, CASES, 7);
}

#[test]
fn mutex_agrees_with_oracle() {
    run(Gen::Mutex, CASES, 8);
}

#[test]
fn multi_register_agrees_with_oracle() {
    run(Gen::MultiRegister, CASES, 9);
}
