//! A seeded generator of small, realistic `.hist` histories (text, to be
//! read by the library parser): 2–5 processes, up to 8 operations, 1–3
//! keys; real timestamps with overlap, or none; ok, failed, `info` and
//! pending operations (unknown-outcome writes followed by more operations
//! of the same process); reads of `nil`, of the `%initial` value and with
//! an unrecorded result (`?`); values written twice; sometimes a
//! `%quiescent T` header.
//!
//! Read results come from one of three simulated systems, so that every
//! guarantee both holds and fails often enough: a linearizable register
//! (each operation takes effect at a point of its interval), replicas with
//! random propagation delays (last arrival wins, or last writer wins), or
//! plain random choices among the values of the key (including values of
//! failed writes, of writes in the future, and a value nobody wrote). A few
//! read results are then scrambled the same random way.

/// xorshift64*, seeded through splitmix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Copy, Clone, PartialEq)]
enum Out {
    Ok,
    Fail,
    Info,
    Pending,
}

struct GOp {
    process: usize,
    key: usize,
    /// `Some(v)` for a write of v.
    write: Option<i64>,
    invoke: u64,
    ret: u64,
    out: Out,
    /// When the operation took effect (None: never).
    at: Option<u64>,
    /// A read's result: `Some(None)` = nil, `None` = unrecorded.
    result: Option<Option<i64>>,
}

const KEYS: [&str; 3] = ["x", "y", "z"];

/// The history for `seed`, as `.hist` text.
pub fn history(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    // A third of the histories are dense (two processes, two keys, six to
    // eight operations), where the weak models differ most often.
    let dense = rng.chance(33);
    let nproc = if dense {
        2
    } else {
        [2, 2, 3, 3, 3, 4, 5][rng.below(7) as usize]
    };
    let nkeys = if dense {
        2
    } else {
        [1, 1, 1, 2, 2, 3][rng.below(6) as usize]
    };
    let nops = if dense || rng.chance(50) {
        6 + rng.below(3)
    } else {
        1 + rng.below(8)
    } as usize;
    let timed = rng.chance(80);
    let mode = rng.below(100); // <30 linearizable, <75 replicas, else random
    let lww = rng.chance(50);
    // Initial values: none (nil), 0 for every key, or 0 for x only.
    let init_kind = rng.below(100);
    let initial: Vec<Option<i64>> = (0..nkeys)
        .map(|k| match init_kind {
            0..35 => Some(0),
            35..45 if k == 0 => Some(0),
            _ => None,
        })
        .collect();

    // Skeleton: process, key, kind; times per process, with gaps and
    // overlap across processes.
    let mut ops: Vec<GOp> = Vec::new();
    let mut next_value = vec![1i64; nkeys];
    let mut written: Vec<Vec<i64>> = vec![Vec::new(); nkeys];
    let mut cursor: Vec<u64> = (0..nproc).map(|_| rng.below(6)).collect();
    for _ in 0..nops {
        let process = rng.below(nproc as u64) as usize;
        let key = rng.below(nkeys as u64) as usize;
        let write = if rng.chance(50) {
            let v = if !written[key].is_empty() && rng.chance(6) {
                written[key][rng.below(written[key].len() as u64) as usize]
            } else if initial[key].is_some() && rng.chance(3) {
                0
            } else {
                next_value[key] += 1;
                next_value[key] - 1
            };
            written[key].push(v);
            Some(v)
        } else {
            None
        };
        let invoke = cursor[process] + rng.below(4);
        let ret = invoke + rng.below(7);
        cursor[process] = ret + 1;
        let r = rng.below(100);
        let out = match (write.is_some(), r) {
            (true, 0..70) | (false, 0..85) => Out::Ok,
            (true, 70..82) | (false, 85..90) => Out::Fail,
            (false, 90..95) => Out::Info,
            (false, _) => Out::Ok, // with an unrecorded result, below
            (true, _) => Out::Info,
        };
        let unrecorded = write.is_none() && r >= 95;
        ops.push(GOp {
            process,
            key,
            write,
            invoke,
            ret,
            out,
            at: None,
            result: if unrecorded { None } else { Some(None) },
        });
    }
    // An unknown-outcome last operation of a process may be pending.
    for p in 0..nproc {
        let pending = rng.chance(50);
        if let Some(last) = ops.iter_mut().rev().find(|o| o.process == p)
            && last.out == Out::Info
            && pending
        {
            last.out = Out::Pending;
        }
    }
    // Effect points: ok ops inside their interval, unknown-outcome writes
    // half the time, after their invoke (maybe after their return).
    for o in &mut ops {
        o.at = match o.out {
            Out::Ok => Some(o.invoke + rng.below(o.ret - o.invoke + 1)),
            Out::Info | Out::Pending if o.write.is_some() && rng.chance(50) => {
                Some(o.invoke + rng.below(12))
            }
            _ => None,
        };
    }

    // Read results.
    let effects: Vec<(u64, usize, usize, i64)> = {
        let mut e: Vec<(u64, usize, usize, i64)> = ops
            .iter()
            .enumerate()
            .filter_map(|(i, o)| Some((o.at?, i, o.key, o.write?)))
            .collect();
        e.sort();
        e
    };
    let random_value = |rng: &mut Rng, key: usize| -> Option<i64> {
        let mut choices: Vec<Option<i64>> = vec![initial[key]];
        choices.extend(written[key].iter().map(|&v| Some(v)));
        if rng.chance(5) {
            return Some(99);
        }
        choices[rng.below(choices.len() as u64) as usize]
    };
    // Replica arrival times: arrival[w][q].
    let arrival: Vec<Vec<Option<u64>>> = ops
        .iter()
        .map(|o| {
            (0..nproc)
                .map(|q| match o.at {
                    Some(t) if q == o.process => Some(t),
                    Some(t) if !rng.chance(15) => Some(t + rng.below(40)),
                    _ => None,
                })
                .collect()
        })
        .collect();
    for i in 0..ops.len() {
        if ops[i].write.is_some() || ops[i].result.is_none() {
            continue;
        }
        let (key, t) = (ops[i].key, ops[i].at.unwrap_or(ops[i].invoke));
        let value = if mode < 30 {
            effects
                .iter()
                .rev()
                .find(|&&(at, _, k, _)| k == key && at <= t)
                .map_or(initial[key], |e| Some(e.3))
        } else if mode < 75 {
            let q = if rng.chance(70) {
                ops[i].process
            } else {
                rng.below(nproc as u64) as usize
            };
            let mut seen: Vec<(u64, u64, i64)> = effects
                .iter()
                .filter(|&&(_, w, k, _)| k == key && arrival[w][q].is_some_and(|a| a <= t))
                .map(|&(at, w, _, v)| (arrival[w][q].unwrap(), at, v))
                .collect();
            if lww {
                seen.sort_by_key(|s| (s.1, s.0));
            } else {
                seen.sort();
            }
            seen.last().map_or(initial[key], |s| Some(s.2))
        } else {
            random_value(&mut rng, key)
        };
        let value = if rng.chance(8) {
            random_value(&mut rng, key)
        } else {
            value
        };
        ops[i].result = Some(value);
    }

    // Emit, in invoke order.
    let mut order: Vec<usize> = (0..ops.len()).collect();
    order.sort_by_key(|&i| (ops[i].invoke, ops[i].process));
    let mut text = String::new();
    match init_kind {
        0..35 => text.push_str("%initial 0\n"),
        35..45 => text.push_str("%initial x 0\n"),
        _ => {}
    }
    if rng.chance(35) {
        let t = if timed {
            let max = ops.iter().map(|o| o.ret).max().unwrap_or(0);
            Some(2 * (max / 2 + rng.below(max / 2 + 1)) + 1)
        } else {
            // A position of a write, so that no read is invoked at T.
            let writes: Vec<usize> = (0..order.len())
                .filter(|&j| ops[order[j]].write.is_some())
                .collect();
            (!writes.is_empty()).then(|| writes[rng.below(writes.len() as u64) as usize] as u64)
        };
        if let Some(t) = t {
            text.push_str(&format!("%quiescent {t}\n"));
        }
    }
    for &i in &order {
        let o = &ops[i];
        let mut line = format!("p{} ", o.process);
        match o.write {
            Some(v) => line.push_str(&format!("write {} {v}", KEYS[o.key])),
            None => {
                line.push_str(&format!("read {}", KEYS[o.key]));
                if o.out == Out::Ok {
                    match o.result {
                        None => line.push_str(" ?"),
                        Some(None) => line.push_str(" nil"),
                        Some(Some(v)) => line.push_str(&format!(" {v}")),
                    }
                }
            }
        }
        if timed {
            match o.out {
                Out::Pending => line.push_str(&format!(" @ {}..?", 2 * o.invoke)),
                _ => line.push_str(&format!(" @ {}..{}", 2 * o.invoke, 2 * o.ret)),
            }
        }
        match o.out {
            Out::Ok => {}
            Out::Fail => line.push_str(" fail"),
            Out::Info => line.push_str(" info"),
            Out::Pending if timed && rng.chance(50) => {}
            Out::Pending => line.push_str(" pending"),
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}
