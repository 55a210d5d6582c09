//! Benchmarks of the strong checks (linearizability), run in release with
//! `cargo bench --bench strong`. Each prints wall-clock figures; there is no
//! statistics harness because the targets are coarse (tens of
//! milliseconds to seconds):
//!
//! * (a) the whole shared corpus in one process, parsing included, median
//!   of 5 runs (Porcupine spends about 190 ms checking it alone);
//! * (b) a register history with unique values: 1,000,000 operations over
//!   1,000 keys and 64 processes (the zone fast path);
//! * (c) one CAS register shaped like the etcd logs: values 0–4, reads,
//!   writes and CAS, 1% calls that never return (the process is retired),
//!   16 concurrent processes, 100,000 operations (the general search);
//! * (d) a family on which the WGL search is exponential — n concurrent
//!   writes of repeated values followed by reads that no order satisfies —
//!   checked with `timeout = T`, which must end within T + max(10%, 100 ms).
//!
//! Histories for (b) and (c) come from `concord::generate` (linearizable by
//! construction, seeded). Threads: rayon's default pool (one per core).
//! Arguments `a`, `b`, `c`, `d` run only those; for (c) the environment
//! variables `C_OPS`, `C_PENDING` (fraction) and `C_TIMEOUT` (seconds)
//! change the size, the unknown-outcome fraction and the budget.

use concord::check::{CheckConfig, Model, Verdict, linearizable};
use concord::generate::{GenConfig, generate_register};
use concord::history::History;
use concord::parse::{ParseOptions, detect, parse};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    let next_to_crate = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if next_to_crate.join("expected.tsv").is_file() {
        return next_to_crate;
    }
    PathBuf::from("/work/shared/corpus")
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// (a) Parse and check every corpus history, files in parallel; returns
/// the wall time and the summed checking time.
fn corpus_once(rows: &[(PathBuf, Model, String, bool)]) -> (Duration, Duration) {
    use rayon::prelude::*;
    let start = Instant::now();
    let check_time: Duration = rows
        .par_iter()
        .map(|(path, model, initial, linearizable)| {
            let source = std::fs::read_to_string(path).expect("corpus file");
            let options = ParseOptions {
                initial: Some(initial.clone()),
                ..ParseOptions::default()
            };
            let h = parse(&source, detect(&source, Some(path)), &options).expect("parses");
            let config = CheckConfig {
                model: Some(*model),
                ..CheckConfig::default()
            };
            let t = Instant::now();
            let r = linearizable::check(&h, &config);
            let took = t.elapsed();
            let want = if *linearizable {
                Verdict::Holds
            } else {
                Verdict::Violated
            };
            assert_eq!(r.verdict, want, "{}", path.display());
            took
        })
        .sum();
    (start.elapsed(), check_time)
}

fn bench_corpus() {
    let dir = corpus_dir();
    let table = std::fs::read_to_string(dir.join("expected.tsv")).expect("expected.tsv");
    let rows: Vec<(PathBuf, Model, String, bool)> = table
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|row| {
            let cols: Vec<&str> = row.split('\t').collect();
            let (name, rest) = cols[2].split_once('(').expect("model column");
            let init = rest
                .trim_end_matches(')')
                .split(',')
                .find_map(|p| p.trim().strip_prefix("init "))
                .expect("init")
                .to_string();
            (
                dir.join(cols[0]),
                Model::from_name(name).expect("model"),
                init,
                cols[1] == "linearizable",
            )
        })
        .collect();
    let runs: Vec<(Duration, Duration)> = (0..5).map(|_| corpus_once(&rows)).collect();
    let wall = median(runs.iter().map(|r| r.0).collect());
    let check = median(runs.iter().map(|r| r.1).collect());
    println!(
        "(a) corpus: {} histories, parse+check wall median of 5 = {:.1} ms (checking alone, summed over files: {:.1} ms), {} threads",
        rows.len(),
        wall.as_secs_f64() * 1e3,
        check.as_secs_f64() * 1e3,
        rayon::current_num_threads()
    );
}

fn timed_check(h: &History, config: &CheckConfig) -> (Duration, concord::GuaranteeResult) {
    let start = Instant::now();
    let r = linearizable::check(h, config);
    (start.elapsed(), r)
}

fn bench_unique_registers() {
    let h = generate_register(&GenConfig {
        ops: 1_000_000,
        processes: 64,
        keys: 1000,
        seed: 7,
        read_fraction: 0.5,
        unique_values: true,
        ..GenConfig::default()
    });
    let config = CheckConfig {
        model: Some(Model::Register),
        ..CheckConfig::default()
    };
    let runs: Vec<(Duration, concord::GuaranteeResult)> =
        (0..3).map(|_| timed_check(&h, &config)).collect();
    let r = &runs[0].1;
    assert_eq!(r.verdict, Verdict::Holds, "{r:?}");
    println!(
        "(b) unique-value registers: {} ops, {} keys, 64 processes: median of 3 = {:.0} ms ({})",
        h.len(),
        h.key_count(),
        median(runs.iter().map(|r| r.0).collect()).as_secs_f64() * 1e3,
        r.reason.as_deref().unwrap_or("")
    );
}

fn bench_etcd_like() {
    let h = generate_register(&GenConfig {
        ops: std::env::var("C_OPS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100_000),
        processes: 16,
        keys: 1,
        seed: 11,
        read_fraction: 0.5,
        cas_fraction: 0.25,
        unique_values: false,
        pending_fraction: std::env::var("C_PENDING")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.01),
        ..GenConfig::default()
    });
    let pending = h.ops().iter().filter(|o| o.is_pending()).count();
    let config = CheckConfig {
        model: Some(Model::CasRegister),
        timeout: Some(Duration::from_secs(
            std::env::var("C_TIMEOUT")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(60),
        )),
        ..CheckConfig::default()
    };
    let (t, r) = timed_check(&h, &config);
    println!(
        "(c) etcd-like CAS register: {} ops ({} pending), 16 processes: {:?} in {:.0} ms",
        h.len(),
        pending,
        r.verdict,
        t.as_secs_f64() * 1e3
    );
    if r.verdict != Verdict::Holds {
        println!("    {:?}", r.reason);
    }
    assert_eq!(r.verdict, Verdict::Holds, "{r:?}");
}

/// n concurrent writes of 0, 1, 2 (repeated values), then n concurrent
/// reads that all return different values: no order exists, and the search
/// must try every subset of writes.
fn hard_history(n: usize) -> History {
    let mut text = String::from("%initial 0\n");
    for p in 0..n {
        text += &format!("p{p} write x {} @ 0..100\n", p % 3);
        text += &format!("p{p} read x {} @ 101..102\n", (p + 1) % 3);
    }
    parse(&text, concord::Format::Hist, &ParseOptions::default()).expect("parses")
}

fn bench_hard() {
    let h = hard_history(40);
    for t_ms in [200u64, 1000] {
        let budget = Duration::from_millis(t_ms);
        let config = CheckConfig {
            timeout: Some(budget),
            ..CheckConfig::default()
        };
        let (t, r) = timed_check(&h, &config);
        let slack = (budget / 10).max(Duration::from_millis(100));
        println!(
            "(d) exponential family (40 writers), timeout {t_ms} ms: {:?} after {:.0} ms (limit {:.0} ms): {}",
            r.verdict,
            t.as_secs_f64() * 1e3,
            (budget + slack).as_secs_f64() * 1e3,
            r.reason.as_deref().unwrap_or("")
        );
        assert_eq!(r.verdict, Verdict::Unknown);
        assert!(t <= budget + slack, "timeout not honoured");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters by letter.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |c: &str| only.is_empty() || only.iter().any(|o| o == c);
    if want("a") {
        bench_corpus();
    }
    if want("b") {
        bench_unique_registers();
    }
    if want("c") {
        bench_etcd_like();
    }
    if want("d") {
        bench_hard();
    }
}
