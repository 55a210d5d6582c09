//! The recorder's overhead per event: what `invoke` plus `ok` cost the
//! calling thread (the target of issue 16: under 1 µs per event, no lock
//! held during the client call), and the whole recording until `finish`
//! returned (the writer thread formatted and wrote every line).
//!
//! Each row records 500,000 operations per thread (a write `invoke` and its
//! `ok`, or a read and its value: 2 events each) with 1 and 4 recording
//! threads, into a sink (formatting only) and into a file in the temporary
//! directory.
//!
//! Run: `cargo bench --bench record`. Prints one line per row: threads,
//! output, events, the caller's wall and CPU nanoseconds per event (each
//! calling thread's time divided by the events it recorded; the CPU
//! figure leaves out the time a thread waited for a core, which on a
//! shared 2-core machine with a writer thread is most of the difference)
//! and end-to-end nanoseconds per event (until `finish` returned).

use concord::history::Value;
use concord::record::{Call, Recorder, RecorderConfig, Ret};
use std::time::Instant;

const OPS_PER_THREAD: u64 = 500_000;

/// CPU time of the calling thread in nanoseconds (Linux); on a shared
/// machine the stable figure, since wall time includes waiting for a core.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn row(threads: u64, to_file: bool) {
    let dir = std::env::temp_dir().join(format!("concord-bench-record-{}", std::process::id()));
    let rec = if to_file {
        Recorder::create(&dir, RecorderConfig::default()).expect("temp file")
    } else {
        Recorder::new(std::io::sink(), RecorderConfig::default()).expect("writer thread")
    };
    let start = Instant::now();
    let (caller_ns, caller_cpu_ns) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let rec = &rec;
                s.spawn(move || {
                    let start = Instant::now();
                    let cpu = thread_cpu_ns();
                    for i in 0..OPS_PER_THREAD {
                        let key = format!("k{}", i % 8);
                        if i % 2 == 0 {
                            let op = rec.invoke(
                                t,
                                Call::Write {
                                    key,
                                    value: Value::Int(i as i64),
                                },
                            );
                            rec.ok(op, Ret::Done);
                        } else {
                            let op = rec.invoke(t, Call::Read { key });
                            rec.ok(op, Ret::Read(Some(Value::Int(i as i64 - 1))));
                        }
                    }
                    let cpu = match (cpu, thread_cpu_ns()) {
                        (Some(a), Some(b)) => b.saturating_sub(a),
                        _ => 0,
                    };
                    (start.elapsed().as_nanos() as u64, cpu)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("recording thread"))
            .fold((0u64, 0u64), |(w, c), (w2, c2)| (w + w2, c + c2))
    });
    let stats = rec.finish().expect("recording written");
    let total = start.elapsed().as_nanos() as f64;
    let events = 2 * OPS_PER_THREAD * threads;
    assert_eq!(stats.ok, OPS_PER_THREAD * threads);
    if to_file {
        let _ = std::fs::remove_file(&dir);
    }
    println!(
        "{:>7} {:>6} {:>10} {:>16.0} {:>16.0} {:>20.0}",
        threads,
        if to_file { "file" } else { "sink" },
        events,
        // Per thread: each thread's own time over its own events.
        caller_ns as f64 / events as f64,
        caller_cpu_ns as f64 / events as f64,
        total / events as f64,
    );
}

fn main() {
    println!(
        "{:>7} {:>6} {:>10} {:>16} {:>16} {:>20}",
        "threads", "output", "events", "caller wall ns", "caller cpu ns", "end-to-end ns/event"
    );
    for threads in [1, 4] {
        for to_file in [false, true] {
            row(threads, to_file);
        }
    }
}
