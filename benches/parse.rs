//! Parse benchmark: a generated 1,000,000-operation interval-form history
//! (64 processes, 1000 keys) is printed to text, then parsed and validated
//! five times; prints the median time and throughput.
//!
//! Run with `cargo bench --bench parse`. Target: ≤ 1.0 s per parse on one
//! thread.

use concord::ParseOptions;
use concord::generate::{GenConfig, generate_register};
use concord::parse::hist;
use concord::render::hist::to_hist;
use std::time::{Duration, Instant};

fn main() {
    let ops = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(1_000_000);
    let cfg = GenConfig {
        ops,
        processes: 64,
        keys: 1000,
        seed: 42,
        read_fraction: 0.5,
        cas_fraction: 0.1,
        pending_fraction: 0.001,
        ..GenConfig::default()
    };
    let t = Instant::now();
    let history = generate_register(&cfg);
    let generate_time = t.elapsed();
    let t = Instant::now();
    let text = to_hist(&history);
    let print_time = t.elapsed();
    let mb = text.len() as f64 / 1e6;
    println!(
        "generated {} ops in {:.3} s; printed {:.1} MB in {:.3} s",
        history.len(),
        generate_time.as_secs_f64(),
        mb,
        print_time.as_secs_f64()
    );
    let mut times: Vec<Duration> = Vec::new();
    let mut cpu_times: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let cpu = thread_cpu_time();
        let parsed = hist::parse(&text, &ParseOptions::default()).expect("generated text parses");
        times.push(t.elapsed());
        if let (Some(a), Some(b)) = (cpu, thread_cpu_time()) {
            cpu_times.push(b - a);
        }
        assert_eq!(parsed.len(), history.len());
    }
    times.sort();
    let median = times[times.len() / 2].as_secs_f64();
    println!(
        "parse+validate: median {:.3} s (min {:.3}, max {:.3}) over 5 runs, {:.1} MB/s, {:.2} M ops/s",
        median,
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
        mb / median,
        history.len() as f64 / median / 1e6
    );
    // On a shared machine wall time includes waiting for a core; the
    // thread's own CPU time (Linux schedstat) shows the work itself.
    if cpu_times.len() == times.len() {
        cpu_times.sort();
        let cpu_median = cpu_times[cpu_times.len() / 2].as_secs_f64();
        println!(
            "parse+validate CPU time: median {:.3} s, {:.1} MB/s",
            cpu_median,
            mb / cpu_median
        );
    }
}

/// This thread's CPU time so far, from `/proc/thread-self/schedstat`
/// (Linux); `None` elsewhere.
fn thread_cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}
