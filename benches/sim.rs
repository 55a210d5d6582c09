//! Simulated client operations per second, per protocol, in each protocol's
//! default scenario (faults of its nemesis included). The history is built
//! as in any run and then dropped, so the figure includes recording.
//!
//! Run: `cargo bench --bench sim` (release profile). Prints one line per
//! protocol: ops simulated, events, wall time, ops/s and events/s.

use concord::sim::{ProtocolName, SimConfig, simulate};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    println!(
        "{:<16} {:>10} {:>11} {:>9} {:>12} {:>13}",
        "protocol", "ops", "events", "secs", "ops/s", "events/s"
    );
    for p in ProtocolName::ALL {
        if filter.as_deref().is_some_and(|f| !p.name().contains(f)) {
            continue;
        }
        let mut cfg = SimConfig::new(p);
        // Big enough to amortize set-up, small enough for a quick run.
        cfg.ops = 1_000_000;
        cfg.nemesis.clear();
        let mut ops = 0u64;
        let mut events = 0u64;
        let start = Instant::now();
        let mut seed = 0;
        while start.elapsed().as_secs_f64() < 2.0 {
            let run = simulate(&cfg.clone().with_seed(seed)).expect("simulation runs");
            ops += run.stats.ops;
            events += run.stats.events;
            black_box(run.history);
            seed += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{:<16} {:>10} {:>11} {:>9.2} {:>12.0} {:>13.0}",
            p.name(),
            ops,
            events,
            secs,
            ops as f64 / secs,
            events as f64 / secs
        );
    }
}
