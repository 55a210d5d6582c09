//! Benchmark of the weak checks on large generated histories.
//!
//! The generator simulates causally consistent replicas, one per session:
//! every write goes to a global log (a linear extension of causal order);
//! a replica's applied set is causally closed and grows by merging another
//! replica's applied set (anti-entropy), which applies the missing writes
//! in log order. Reads return the replica's value of the key, either the
//! write with the highest Lamport timestamp (`Lww`: causal + convergent,
//! so RYW, MR, MW, WFR, CC, CCv and convergence hold) or the last write
//! applied (`ApplyOrder`: each replica's application order is a causal
//! serialization, so PRAM and causal memory hold). At the end every replica
//! merges everything (quiescence) and each session reads some keys.
//! Values are unique. `inject` turns that many reads stale, which must be
//! detected.
//!
//! Run: `cargo bench --bench weak` (release; the checks use the rayon pool,
//! all cores unless `RAYON_NUM_THREADS` says otherwise, and the header line
//! prints the thread count). Arguments: `quick` runs the small sizes only;
//! `each=N` times the fast set (`only=fast`) or each check alone
//! (`only=ALIAS`, or all of them) on one history of N operations. Timings
//! exclude generation (history construction is the parser's job); peak
//! memory is the process's VmHWM.

use concord::check::{CheckConfig, Guarantee, Verdict, check_polynomial};
use concord::history::{Call, History, HistoryBuilder, Observed, OpSpec, Outcome, Ret};
use std::time::Instant;

#[derive(Copy, Clone, PartialEq, Eq)]
enum Mode {
    Lww,
    ApplyOrder,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct WriteRec {
    key: u32,
    value: i64,
    lamport: u64,
    origin: u32,
    global: u64,
}

struct Replica {
    applied: Vec<u32>,
    /// Per key: (lamport, origin, value) of the current value.
    state: Vec<Option<(u64, u32, i64)>>,
    lamport: u64,
}

fn apply(rep: &mut Replica, w: &WriteRec, mode: Mode) {
    let cur = &mut rep.state[w.key as usize];
    let newer = match (mode, *cur) {
        (_, None) | (Mode::ApplyOrder, _) => true,
        (Mode::Lww, Some((l, o, _))) => (w.lamport, w.origin) > (l, o),
    };
    if newer {
        *cur = Some((w.lamport, w.origin, w.value));
    }
    rep.lamport = rep.lamport.max(w.lamport);
}

fn merge(
    reps: &mut [Replica],
    to: usize,
    from: usize,
    log: &[Vec<WriteRec>],
    mode: Mode,
    scratch: &mut Vec<(u64, u32, u32)>,
) {
    scratch.clear();
    for (origin, writes) in log.iter().enumerate() {
        let (have, want) = (reps[to].applied[origin], reps[from].applied[origin]);
        for i in have..want {
            scratch.push((writes[i as usize].global, origin as u32, i));
        }
    }
    scratch.sort_unstable();
    for &(_, origin, i) in scratch.iter() {
        apply(&mut reps[to], &log[origin as usize][i as usize], mode);
        reps[to].applied[origin as usize] = i + 1;
    }
}

/// Generates `ops` operations over `sessions` sessions and `keys` keys.
fn generate(
    ops: usize,
    sessions: usize,
    keys: usize,
    mode: Mode,
    inject: usize,
    seed: u64,
) -> History {
    let mut rng = Rng(seed | 1);
    let mut b = HistoryBuilder::new();
    let procs: Vec<_> = (0..sessions).map(|s| b.process(&format!("p{s}"))).collect();
    let key_ids: Vec<_> = (0..keys).map(|k| b.key(&format!("k{k}"))).collect();
    let mut reps: Vec<Replica> = (0..sessions)
        .map(|_| Replica {
            applied: vec![0; sessions],
            state: vec![None; keys],
            lamport: 0,
        })
        .collect();
    let mut log: Vec<Vec<WriteRec>> = (0..sessions).map(|_| Vec::new()).collect();
    let mut scratch = Vec::new();
    let mut specs: Vec<OpSpec> = Vec::with_capacity(ops + sessions * 16);
    let mut reads: Vec<usize> = Vec::new();
    let mut t = 0u64;
    let mut global = 0u64;
    let final_reads = sessions * 16;
    let body = ops.saturating_sub(final_reads);
    while specs.len() < body {
        let s = rng.below(sessions as u64) as usize;
        if rng.below(8) == 0 {
            let from = rng.below(sessions as u64) as usize;
            if from != s {
                merge(&mut reps, s, from, &log, mode, &mut scratch);
            }
            continue;
        }
        let k = rng.below(keys as u64) as usize;
        if rng.below(2) == 0 {
            let lamport = reps[s].lamport + 1;
            let w = WriteRec {
                key: k as u32,
                value: global as i64 + 1,
                lamport,
                origin: s as u32,
                global,
            };
            global += 1;
            apply(&mut reps[s], &w, mode);
            reps[s].applied[s] += 1;
            let v = b.int(w.value);
            log[s].push(w);
            specs.push(OpSpec {
                process: procs[s],
                key: key_ids[k],
                call: Call::Write(v),
                outcome: Outcome::Ok(Ret::Ack),
                invoke: t,
                ret: Some(t + 1),
                line: 0,
            });
        } else {
            let o = match reps[s].state[k] {
                Some((_, _, v)) => Observed::Value(b.int(v)),
                None => Observed::Absent,
            };
            reads.push(specs.len());
            specs.push(OpSpec {
                process: procs[s],
                key: key_ids[k],
                call: Call::Read,
                outcome: Outcome::Ok(Ret::Value(o)),
                invoke: t,
                ret: Some(t + 1),
                line: 0,
            });
        }
        t += 2;
    }
    // Quiescence: every replica gets everything, then reads.
    for s in 1..sessions {
        merge(&mut reps, 0, s, &log, mode, &mut scratch);
    }
    for s in 1..sessions {
        merge(&mut reps, s, 0, &log, mode, &mut scratch);
    }
    b.metadata.quiescent_at = Some(t);
    t += 2;
    for s in 0..sessions {
        for _ in 0..16 {
            let k = rng.below(keys as u64) as usize;
            let o = match reps[s].state[k] {
                Some((_, _, v)) => Observed::Value(b.int(v)),
                None => Observed::Absent,
            };
            specs.push(OpSpec {
                process: procs[s],
                key: key_ids[k],
                call: Call::Read,
                outcome: Outcome::Ok(Ret::Value(o)),
                invoke: t,
                ret: Some(t + 1),
                line: 0,
            });
            t += 2;
        }
    }
    // Injected faults: a read returns the initial value of its key although
    // its session already read a write of that key.
    let mut injected = 0;
    let mut tries = 0;
    while injected < inject && tries < inject * 1000 + 1000 {
        tries += 1;
        let i = reads[rng.below(reads.len() as u64) as usize];
        let (p, k) = (specs[i].process, specs[i].key);
        let seen_before = specs[..i].iter().rev().take(4000).any(|o| {
            o.process == p
                && o.key == k
                && matches!(o.outcome, Outcome::Ok(Ret::Value(Observed::Value(_))))
        });
        if seen_before {
            specs[i].outcome = Outcome::Ok(Ret::Value(Observed::Absent));
            injected += 1;
        }
    }
    for s in specs {
        b.push(s).expect("generated operations are valid");
    }
    b.finish().expect("generated history is valid")
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time (user + system) of this process so far, in seconds, from
/// /proc/self/stat (clock ticks of 10 ms). The machine is shared, so wall
/// time alone overstates the cost when other jobs compete for the cores.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let f: Vec<&str> = after.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn run(label: &str, h: &History, guarantees: &[Guarantee], reps: usize, expect: Verdict) {
    let config = CheckConfig::default();
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut verdicts = String::new();
    for _ in 0..reps {
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let results = check_polynomial(h, guarantees, &config);
        times.push(start.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - cpu_start);
        verdicts = results
            .iter()
            .map(|r| format!("{}={}", r.guarantee.alias(), r.verdict.name()))
            .collect::<Vec<_>>()
            .join(" ");
        for r in &results {
            assert!(
                r.verdict == expect,
                "{label}: {} gave {} ({:?}) {:?}",
                r.guarantee,
                r.verdict.name(),
                r.reason,
                r.violations.first().map(|v| &v.explanation)
            );
        }
    }
    println!(
        "{label:<40} ops={:>9} wall median={:>7.3}s min={:>7.3}s cpu median={:>7.2}s (of {reps}) peak_rss={:>6.0}MB  {verdicts}",
        h.len(),
        median(times.clone()),
        times.iter().copied().fold(f64::INFINITY, f64::min),
        median(cpu),
        peak_rss_mb()
    );
}

/// The guarantees with near-linear checks, measured together.
const FAST: [Guarantee; 7] = [
    Guarantee::ReadYourWrites,
    Guarantee::MonotonicReads,
    Guarantee::MonotonicWrites,
    Guarantee::WritesFollowReads,
    Guarantee::WeakCausal,
    Guarantee::CausalConvergence,
    Guarantee::Convergence,
];

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    if let Some(n) = std::env::args().find_map(|a| {
        a.strip_prefix("each=")
            .and_then(|n| n.parse::<usize>().ok())
    }) {
        // Per-guarantee timings, for finding where time goes.
        let h = generate(n, 64, 1000, Mode::Lww, 0, 42);
        let only = std::env::args().find_map(|a| a.strip_prefix("only=").map(str::to_string));
        if only.as_deref() == Some("fast") {
            run("fast set", &h, &FAST, 3, Verdict::Holds);
        }
        for g in [
            Guarantee::ReadYourWrites,
            Guarantee::MonotonicReads,
            Guarantee::WritesFollowReads,
            Guarantee::WeakCausal,
            Guarantee::CausalConvergence,
            Guarantee::Convergence,
        ] {
            if only.as_deref() == Some("fast") {
                break;
            }
            if only.as_deref().is_none_or(|o| o == g.alias()) {
                run(g.name(), &h, &[g], 1, Verdict::Holds);
            }
        }
        return;
    }
    let fast = FAST;
    println!(
        "weak checks, {} thread(s), release; generation excluded from timings",
        rayon::current_num_threads()
    );
    let sizes: &[usize] = if quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000, 10_000_000]
    };
    for &n in sizes {
        let h = generate(n, 64, 1000, Mode::Lww, 0, 42);
        println!(
            "generated {n} ops, peak_rss after generation {:.0}MB",
            peak_rss_mb()
        );
        let reps = if n >= 10_000_000 { 3 } else { 5 };
        run(
            "ryw+mr+mw+wfr+cc+ccv+conv, 64 sessions",
            &h,
            &fast,
            reps,
            Verdict::Holds,
        );
        drop(h);
    }
    let bad = generate(100_000, 64, 1000, Mode::Lww, 10, 7);
    let results = check_polynomial(
        &bad,
        &[Guarantee::MonotonicReads, Guarantee::WeakCausal],
        &CheckConfig::default(),
    );
    for r in &results {
        println!(
            "injected 10 stale reads: {} {} ({} violations)",
            r.guarantee.alias(),
            r.verdict.name(),
            r.violation_count
        );
        assert_eq!(r.verdict, Verdict::Violated);
    }
    for sessions in [16, 64] {
        let h = generate(100_000, sessions, 1000, Mode::ApplyOrder, 0, 9);
        run(
            &format!("pram, {sessions} sessions"),
            &h,
            &[Guarantee::Pram],
            5,
            Verdict::Holds,
        );
        run(
            &format!("cm, {sessions} sessions"),
            &h,
            &[Guarantee::Causal],
            5,
            Verdict::Holds,
        );
    }
}
