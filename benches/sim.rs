//! Simulated client operations per second, per protocol, in each protocol's
//! default workload without its nemesis (1,000,000 main-phase operations per
//! run, repeated with new seeds for about two seconds). The history is
//! built as in any run and then dropped, so the figures include recording.
//!
//! Run: `cargo bench --bench sim [protocol-substring]`. Prints one line per
//! protocol: ops simulated, events, wall seconds, ops per wall second and
//! ops per CPU second (from `/proc/self/schedstat` where available: on a
//! loaded machine the CPU figure is the stable one).

use concord::sim::{ProtocolName, SimConfig, simulate};
use std::hint::black_box;
use std::time::Instant;

/// CPU time of this (single-threaded) process in nanoseconds, on Linux.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    println!(
        "{:<16} {:>10} {:>11} {:>7} {:>12} {:>12}",
        "protocol", "ops", "events", "secs", "ops/s wall", "ops/s cpu"
    );
    for p in ProtocolName::ALL {
        if filter.as_deref().is_some_and(|f| !p.name().contains(f)) {
            continue;
        }
        let mut cfg = SimConfig::new(p);
        cfg.ops = 1_000_000;
        cfg.nemesis.clear();
        let (mut ops, mut events, mut seed) = (0u64, 0u64, 0u64);
        let start = Instant::now();
        let cpu_start = cpu_ns();
        while start.elapsed().as_secs_f64() < 2.0 {
            let run = simulate(&cfg.clone().with_seed(seed)).expect("simulation runs");
            ops += run.stats.ops;
            events += run.stats.events;
            black_box(run.history);
            seed += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        let cpu = match (cpu_start, cpu_ns()) {
            (Some(a), Some(b)) if b > a => format!("{:.0}", ops as f64 / ((b - a) as f64 / 1e9)),
            _ => "n/a".to_string(),
        };
        println!(
            "{:<16} {:>10} {:>11} {:>7.2} {:>12.0} {:>12}",
            p.name(),
            ops,
            events,
            secs,
            ops as f64 / secs,
            cpu
        );
    }
}
