//! Random histories with known answers, for benchmarks, tests and the
//! `concord generate` command.
//!
//! [`generate_register`] records an atomic register per key: every
//! operation takes effect at one instant chosen uniformly inside its
//! interval (its linearization point), and reads return the value current
//! at that instant. Such a history is linearizable by construction (the
//! order of the linearization points is a witness), so it is a ground truth
//! for checkers — the classic way to test linearizability checkers
//! (Herlihy & Wing 1990 define the property; Porcupine and Knossos test
//! suites use the same construction).
//!
//! With `stale_read_fraction > 0` some reads return an older value instead:
//! a value already overwritten by a write that completed before the read
//! began, where that write itself began after the stale value's write
//! completed. With unique values that read contradicts real-time order in
//! every linearization, so the history is **not** linearizable (and each
//! such read is counted in [`GenStats::stale_reads`]).
//!
//! Deterministic: the same [`GenConfig`] (seed included) always gives the
//! same history, on every platform, because the PRNG is SplitMix64
//! implemented here (Steele, Lea & Flood, "Fast splittable pseudorandom
//! number generators", OOPSLA 2014) rather than a crate whose algorithm may
//! change.

use crate::history::{
    Call, History, HistoryBuilder, KeyId, Model, Observed, OpSpec, Outcome, ProcessId, Ret, Time,
};
use crate::render::hist::to_hist;

/// What to generate.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Number of operations.
    pub ops: usize,
    /// Number of concurrent process slots (a slot whose call never returns
    /// continues under a new process name, as Jepsen does).
    pub processes: usize,
    /// Number of keys; 0 makes a keyless history (one implicit register).
    pub keys: usize,
    pub seed: u64,
    /// Fraction of operations that are reads.
    pub read_fraction: f64,
    /// Fraction of operations that are compare-and-set (the rest write).
    pub cas_fraction: f64,
    /// Each written value is new for its key (1, 2, 3, ...); otherwise
    /// values are drawn from 0..5 and repeat.
    pub unique_values: bool,
    /// Fraction of operations that never return (pending); a pending write
    /// takes effect or not, at random.
    pub pending_fraction: f64,
    /// Fraction of reads that return a stale value when one is available,
    /// making the history non-linearizable.
    pub stale_read_fraction: f64,
    /// The first `hard_keys` keys (a Porcupine-style kv mix) take values
    /// from 0..5 that repeat, get no stale reads, and their operations last
    /// up to ten times longer (more overlap): their histories stay
    /// linearizable but are hard to search, while the other keys keep
    /// unique values and any stale reads, so they are refuted at once.
    pub hard_keys: usize,
    /// Longest operation, in ticks (at least 1).
    pub duration_max_ticks: Time,
    /// Longest idle gap between a process's operations, in ticks.
    pub gap_max_ticks: Time,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            ops: 100,
            processes: 4,
            keys: 1,
            seed: 0,
            read_fraction: 0.5,
            cas_fraction: 0.0,
            unique_values: true,
            pending_fraction: 0.0,
            stale_read_fraction: 0.0,
            hard_keys: 0,
            duration_max_ticks: 10,
            gap_max_ticks: 10,
        }
    }
}

/// Facts about a generated history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenStats {
    /// Reads made stale on purpose (each one refutes linearizability).
    pub stale_reads: usize,
    /// Calls that never returned.
    pub pending: usize,
}

/// SplitMix64: a tiny, fast, well-distributed PRNG with a fixed algorithm.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`), by multiply-shift (no modulo bias worth
    /// caring about for test data).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum GenKind {
    Read,
    Write,
    Cas,
}

/// One planned operation.
struct Planned {
    process: u32,
    generation: u32,
    key: u32,
    kind: GenKind,
    invoke: Time,
    ret: Option<Time>,
    /// When it takes effect; `None` for a pending call that never does.
    lin: Option<Time>,
    /// Filled by the simulation: the written value (or the value read) and
    /// a cas's new value.
    call: Option<(i64, i64)>,
    answer: Option<bool>,
}

/// A linearizable-by-construction register history; see the module docs.
pub fn generate_register(cfg: &GenConfig) -> History {
    generate_register_with_stats(cfg).0
}

/// [`generate_register`], also returning what was injected.
pub fn generate_register_with_stats(cfg: &GenConfig) -> (History, GenStats) {
    let mut rng = SplitMix64::new(cfg.seed);
    let mut stats = GenStats::default();
    let slots = cfg.processes.max(1);
    let mut next_free: Vec<Time> = vec![0; slots];
    let mut generation: Vec<u32> = vec![0; slots];
    let duration_max = cfg.duration_max_ticks.max(1);
    let mut plan: Vec<Planned> = Vec::with_capacity(cfg.ops);
    for _ in 0..cfg.ops {
        let slot = rng.below(slots as u64) as usize;
        let invoke = next_free[slot] + rng.below(cfg.gap_max_ticks + 1);
        let duration = 1 + rng.below(duration_max);
        let r = rng.unit();
        let kind = if r < cfg.read_fraction {
            GenKind::Read
        } else if r < cfg.read_fraction + cfg.cas_fraction {
            GenKind::Cas
        } else {
            GenKind::Write
        };
        let pending = rng.chance(cfg.pending_fraction);
        let lin_at = invoke + rng.below(duration + 1);
        // A call that never returned may or may not have taken effect.
        let pending_effect = pending.then(|| rng.chance(0.5));
        let key = if cfg.keys == 0 {
            0
        } else {
            rng.below(cfg.keys as u64) as u32
        };
        // Hard keys' operations last ten times longer (no extra draws, so
        // the other keys' histories are the same bytes as without them).
        let stretch = if (key as usize) < cfg.hard_keys {
            10
        } else {
            1
        };
        let (duration, lin_at) = (duration * stretch, invoke + (lin_at - invoke) * stretch);
        let (ret, lin) = match pending_effect {
            Some(effect) => {
                stats.pending += 1;
                (None, effect.then_some(lin_at))
            }
            None => (Some(invoke + duration), Some(lin_at)),
        };
        plan.push(Planned {
            process: slot as u32,
            generation: generation[slot],
            key,
            kind,
            invoke,
            ret,
            lin,
            call: None,
            answer: None,
        });
        next_free[slot] = invoke + duration + 1;
        if pending {
            // The slot goes on under a new process name.
            generation[slot] += 1;
        }
    }
    simulate(cfg, &mut rng, &mut plan, &mut stats);
    (build(cfg, &plan), stats)
}

/// Runs the registers in linearization-point order, filling in values and
/// results, and injects stale reads.
fn simulate(cfg: &GenConfig, rng: &mut SplitMix64, plan: &mut [Planned], stats: &mut GenStats) {
    let key_count = cfg.keys.max(1);
    // Per key: the current value (0 = the initial value) and the writes
    // applied so far: (value, invoke, ret), ret = MAX when pending.
    let mut current: Vec<i64> = vec![0; key_count];
    let mut counter: Vec<i64> = vec![0; key_count];
    let mut applied: Vec<Vec<(i64, Time, Time)>> = vec![Vec::new(); key_count];
    let mut order: Vec<usize> = (0..plan.len()).collect();
    // Ties are broken by a random number so that simultaneous effects are
    // not always ordered by id.
    let tiebreak: Vec<u64> = (0..plan.len()).map(|_| rng.next_u64()).collect();
    order.sort_unstable_by_key(|&i| (plan[i].lin.unwrap_or(plan[i].invoke), tiebreak[i]));
    let unique = |k: usize| cfg.unique_values && k >= cfg.hard_keys;
    let mut fresh = |k: usize, rng: &mut SplitMix64| {
        if unique(k) {
            counter[k] += 1;
            counter[k]
        } else {
            rng.below(5) as i64
        }
    };
    for i in order {
        let k = plan[i].key as usize;
        let takes_effect = plan[i].lin.is_some();
        match plan[i].kind {
            GenKind::Read => {
                if plan[i].ret.is_none() {
                    continue;
                }
                let mut v = current[k];
                if unique(k)
                    && rng.chance(cfg.stale_read_fraction)
                    && let Some(stale) = stale_value(&applied[k], plan[i].invoke)
                {
                    v = stale;
                    stats.stale_reads += 1;
                }
                plan[i].call = Some((v, 0));
            }
            GenKind::Write => {
                let v = fresh(k, rng);
                plan[i].call = Some((v, 0));
                if takes_effect {
                    current[k] = v;
                    applied[k].push((v, plan[i].invoke, plan[i].ret.unwrap_or(Time::MAX)));
                }
            }
            GenKind::Cas => {
                // Half the time the expected value is the current one.
                let expected = if rng.chance(0.5) {
                    current[k]
                } else {
                    fresh(k, rng)
                };
                let new = fresh(k, rng);
                plan[i].call = Some((expected, new));
                if takes_effect {
                    let ok = expected == current[k];
                    if ok {
                        current[k] = new;
                        applied[k].push((new, plan[i].invoke, plan[i].ret.unwrap_or(Time::MAX)));
                    }
                    if plan[i].ret.is_some() {
                        plan[i].answer = Some(ok);
                    }
                }
            }
        }
    }
}

/// A value that a read invoked at `read_invoke` cannot return in any
/// linearization: some applied write `w2` returned before the read began,
/// and the value's write `w1` returned before `w2` began (0, the initial
/// value, when `w2` is the first write). `applied` is in effect order.
fn stale_value(applied: &[(i64, Time, Time)], read_invoke: Time) -> Option<i64> {
    let w2 = applied.iter().rposition(|&(_, _, ret)| ret < read_invoke)?;
    let w2_invoke = applied[w2].1;
    match applied[..w2]
        .iter()
        .rposition(|&(_, _, ret)| ret < w2_invoke)
    {
        Some(w1) => Some(applied[w1].0),
        // No write precedes w2 at all: the initial value is stale, unless
        // some write overlapping w2 could have been ordered before it.
        None if applied[..w2].is_empty() => Some(0),
        None => None,
    }
}

fn build(cfg: &GenConfig, plan: &[Planned]) -> History {
    let mut b = HistoryBuilder::new();
    b.metadata.model = Some(if cfg.cas_fraction > 0.0 {
        Model::CasRegister
    } else {
        Model::Register
    });
    b.metadata.initial = Some(b.int(0));
    let keys: Vec<KeyId> = if cfg.keys == 0 {
        vec![b.implicit_key()]
    } else {
        (0..cfg.keys).map(|k| b.key(&format!("k{k}"))).collect()
    };
    // Operations in invoke order, as a recorder would log them.
    let mut order: Vec<usize> = (0..plan.len()).collect();
    order.sort_by_key(|&i| (plan[i].invoke, i));
    let mut names: Vec<Vec<Option<ProcessId>>> = Vec::new();
    for (line, &i) in order.iter().enumerate() {
        let p = &plan[i];
        let slot = p.process as usize;
        if names.len() <= slot {
            names.resize(slot + 1, Vec::new());
        }
        let gens = &mut names[slot];
        if gens.len() <= p.generation as usize {
            gens.resize(p.generation as usize + 1, None);
        }
        let process = match gens[p.generation as usize] {
            Some(id) => id,
            None => {
                let name = if p.generation == 0 {
                    format!("p{slot}")
                } else {
                    format!("p{slot}.{}", p.generation)
                };
                let id = b.process(&name);
                gens[p.generation as usize] = Some(id);
                id
            }
        };
        let (a, c) = p.call.unwrap_or((0, 0));
        let call = match p.kind {
            GenKind::Read => Call::Read,
            GenKind::Write => Call::Write(b.int(a)),
            GenKind::Cas => Call::Cas {
                expected: b.int(a),
                new: b.int(c),
            },
        };
        let outcome = match (p.ret, p.kind) {
            (None, _) => Outcome::Info,
            (Some(_), GenKind::Read) => Outcome::Ok(Ret::Value(Observed::Value(b.int(a)))),
            (Some(_), GenKind::Cas) => Outcome::Ok(Ret::Bool(p.answer.unwrap_or(false))),
            (Some(_), GenKind::Write) => Outcome::Ok(Ret::Ack),
        };
        let key = keys[if cfg.keys == 0 { 0 } else { p.key as usize }];
        // Planned operations are valid by construction; a builder error here
        // would be a bug in the generator, not bad input.
        b.push(OpSpec {
            process,
            key,
            call,
            outcome,
            invoke: p.invoke,
            ret: p.ret,
            line: line as u32 + 1,
        })
        .expect("generated operations are valid");
    }
    b.finish().expect("generated sessions are valid")
}

/// The generated register history as canonical `.hist` text.
pub fn generate_hist_text(cfg: &GenConfig) -> String {
    to_hist(&generate_register(cfg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ParseOptions, hist};
    use crate::render::hist::first_difference;

    #[test]
    fn same_seed_same_history() {
        let cfg = GenConfig {
            ops: 300,
            keys: 3,
            seed: 7,
            pending_fraction: 0.05,
            cas_fraction: 0.2,
            ..GenConfig::default()
        };
        assert_eq!(generate_hist_text(&cfg), generate_hist_text(&cfg));
        let other = GenConfig {
            seed: 8,
            ..cfg.clone()
        };
        assert_ne!(generate_hist_text(&cfg), generate_hist_text(&other));
    }

    #[test]
    fn generated_histories_parse_back() {
        for seed in 0..20 {
            let cfg = GenConfig {
                ops: 200,
                processes: 1 + seed as usize % 6,
                keys: seed as usize % 3,
                seed,
                pending_fraction: 0.03,
                cas_fraction: 0.2,
                stale_read_fraction: if seed % 2 == 0 { 0.1 } else { 0.0 },
                unique_values: seed % 4 != 3,
                ..GenConfig::default()
            };
            let h = generate_register(&cfg);
            assert_eq!(h.len(), 200);
            let text = to_hist(&h);
            let back = hist::parse(&text, &ParseOptions::default()).unwrap();
            assert_eq!(first_difference(&h, &back), None, "seed {seed}");
        }
    }

    #[test]
    fn stale_value_needs_a_completed_overwrite() {
        // w1 = 1 on [0, 2], w2 = 2 on [3, 5]: a read from 6 on cannot see 1.
        let applied = [(1, 0, 2), (2, 3, 5)];
        assert_eq!(stale_value(&applied, 6), Some(1));
        // w2 has not returned before the read began: nothing is stale yet
        // except the initial value, overwritten by w1.
        assert_eq!(stale_value(&applied, 5), Some(0));
        // Overlapping w1 and w2: either may be last, so neither is stale.
        assert_eq!(stale_value(&[(1, 0, 4), (2, 3, 5)], 6), None);
        assert_eq!(stale_value(&[(1, 0, 4)], 6), Some(0));
    }
}
