//! Shared helpers for the weak-consistency tests: a tiny reader for the
//! subset of the concord language the weak test histories use (until the
//! full `.hist` parser lands on main), and a seeded random generator.

#![allow(dead_code)]

use concord::history::{Call, History, HistoryBuilder, Observed, OpSpec, Outcome, Ret, Value};

/// Reads `p1 write x 1`, `p2 read x 1|nil|?`, optional `@ a..b` and a
/// trailing `ok|fail|info`, `%initial V`, `%quiescent T` and comments.
/// Histories without `@` have no real time.
pub fn read_hist(text: &str) -> History {
    let mut b = HistoryBuilder::new();
    let mut has_time = false;
    let mut quiescent = None;
    let mut initial = None;
    let mut specs = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('!') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words[0] == "%quiescent" {
            quiescent = Some(words[1].parse::<u64>().expect("time"));
            continue;
        }
        if words[0] == "%initial" {
            initial = Some(words[1].parse::<i64>().expect("int"));
            continue;
        }
        if words[0].starts_with('%') {
            continue;
        }
        let (body, time) = match line.split_once('@') {
            Some((body, t)) => (body.trim(), Some(t.trim())),
            None => (line, None),
        };
        let mut w: Vec<&str> = body.split_whitespace().collect();
        let mut outcome_word = "ok";
        if matches!(w.last(), Some(&"ok" | &"fail" | &"info")) {
            outcome_word = w.pop().unwrap_or("ok");
        }
        let mut invoke = specs.len() as u64 * 2;
        let mut ret = Some(invoke + 1);
        if let Some(t) = time {
            has_time = true;
            if let Some(word) = t.split_whitespace().nth(1) {
                outcome_word = word;
            }
            let t = t.split_whitespace().next().unwrap_or(t);
            let (a, r) = t.split_once("..").expect("a..b");
            invoke = a.parse().expect("invoke");
            ret = if r == "?" {
                None
            } else {
                Some(r.parse().expect("ret"))
            };
        }
        let p = b.process(w[0]);
        let k = b.key(w[2]);
        let (call, out) = match w[1] {
            "write" => {
                let v = b.int(w[3].parse().expect("value"));
                (Call::Write(v), Outcome::Ok(Ret::Ack))
            }
            "read" => {
                let o = match w[3] {
                    "nil" => Observed::Absent,
                    "?" => Observed::Unknown,
                    v => Observed::Value(b.int(v.parse().expect("value"))),
                };
                (Call::Read, Outcome::Ok(Ret::Value(o)))
            }
            other => panic!("unsupported kind {other}"),
        };
        let outcome = match outcome_word {
            "fail" => Outcome::Fail,
            "info" => Outcome::Info,
            _ => out,
        };
        // A call that never returned has an unknown outcome.
        let outcome = if ret.is_none() {
            Outcome::Info
        } else {
            outcome
        };
        specs.push(OpSpec {
            process: p,
            key: k,
            call,
            outcome,
            invoke,
            ret,
            line: i as u32 + 1,
        });
    }
    for s in specs {
        b.push(s).expect("valid op");
    }
    b.set_real_time(has_time);
    b.metadata.quiescent_at = quiescent;
    let mut h = b.finish().expect("valid history");
    if let Some(v) = initial {
        h.set_initial(Some(Value::Int(v)));
    }
    h
}

/// A small deterministic generator (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random small register history as `.hist` text: 2–3 sessions, 1–2
/// keys, 3–7 operations, unique written values; reads return a value some
/// write of the key writes (possibly a later one), the initial value, or
/// rarely a value nobody wrote.
pub fn random_hist(rng: &mut Rng) -> String {
    let sessions = 2 + rng.below(2);
    let keys = 1 + rng.below(2);
    let n = 3 + rng.below(5);
    let mut plan = Vec::new();
    let mut next_value = 1;
    for _ in 0..n {
        let p = rng.below(sessions);
        let k = rng.below(keys);
        if rng.below(2) == 0 {
            plan.push((p, k, Some(next_value)));
            next_value += 1;
        } else {
            plan.push((p, k, None));
        }
    }
    let mut text = String::new();
    for (i, &(p, k, w)) in plan.iter().enumerate() {
        let key = ["x", "y"][k as usize];
        match w {
            Some(v) => text.push_str(&format!("p{p} write {key} {v}\n")),
            None => {
                // Mostly values written earlier in the plan (a real store
                // returns those), sometimes any write of the key.
                let earlier = rng.below(100) < 80;
                let written: Vec<u64> = plan
                    .iter()
                    .enumerate()
                    .filter(|(j, (_, k2, w2))| *k2 == k && w2.is_some() && (!earlier || *j < i))
                    .filter_map(|(_, x)| x.2)
                    .collect();
                let roll = rng.below(100);
                let value = if roll < 1 {
                    "99".to_string()
                } else if roll < 25 || written.is_empty() {
                    "nil".to_string()
                } else {
                    written[rng.below(written.len() as u64) as usize].to_string()
                };
                text.push_str(&format!("p{p} read {key} {value}\n"));
            }
        }
    }
    text
}
