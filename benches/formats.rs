//! Parse throughput of the history readers on generated inputs: a Jepsen
//! EDN history of 1,000,000 operations (2,000,000 events, 10 processes,
//! reads, writes and CAS with ok / fail / info completions) and a JSON
//! Lines file of 1,000,000 operations (and the same history as 2,000,000
//! events). Each is parsed 5 times; the median wall time, throughput in
//! MB/s and operations per second, and the median CPU time of the thread
//! (Linux; robust to a busy machine) are printed.
//!
//! Run: `cargo bench --bench formats` (release profile).

use concord::parse::{Format, ParseOptions, parse};
use concord::render::jsonl::write_jsonl;
use std::time::{Duration, Instant};

const OPS: usize = 1_000_000;
const PROCESSES: u64 = 10;
const RUNS: usize = 5;

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// A Jepsen EDN history: processes invoke and complete in random
/// interleaving, so up to `PROCESSES` operations overlap.
fn jepsen_edn(ops: usize) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = String::with_capacity(ops * 110);
    out.push('[');
    let mut open: Vec<Option<(&str, String)>> = vec![None; PROCESSES as usize];
    let mut invoked = 0;
    let mut index = 0u64;
    while invoked < ops || open.iter().any(Option::is_some) {
        let p = rng.below(PROCESSES) as usize;
        match open[p].take() {
            None if invoked < ops => {
                let (f, value) = match rng.below(3) {
                    0 => ("read", "nil".to_string()),
                    1 => ("write", rng.below(5).to_string()),
                    _ => ("cas", format!("[{} {}]", rng.below(5), rng.below(5))),
                };
                out.push_str(&format!(
                    "{{:process {p}, :type :invoke, :f :{f}, :value {value}, :index {index}}}\n "
                ));
                open[p] = Some((f, value));
                invoked += 1;
                index += 1;
            }
            None => {}
            Some((f, value)) => {
                let (kind, value) = match (f, rng.below(10)) {
                    (_, 0) => ("info", value),
                    ("cas", 1..=4) => ("fail", value),
                    ("read", _) => ("ok", rng.below(5).to_string()),
                    _ => ("ok", value),
                };
                out.push_str(&format!(
                    "{{:process {p}, :type :{kind}, :f :{f}, :value {value}, :index {index}}}\n "
                ));
                index += 1;
            }
        }
    }
    out.push(']');
    out
}

/// CPU time of this thread (user + system), from `/proc/thread-self/stat`
/// in clock ticks of 10 ms; `None` where that file does not exist. On a
/// shared machine wall time includes waiting for a core, CPU time does not.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Median wall time and median CPU time of `RUNS` parses.
fn median_of_runs(input: &str, format: Format) -> (Duration, Option<Duration>, usize) {
    let mut walls = Vec::with_capacity(RUNS);
    let mut cpus = Vec::with_capacity(RUNS);
    let mut ops = 0;
    for _ in 0..RUNS {
        let cpu = thread_cpu_time();
        let start = Instant::now();
        let h = parse(input, format, &ParseOptions::default()).expect("generated input parses");
        walls.push(start.elapsed());
        if let (Some(before), Some(after)) = (cpu, thread_cpu_time()) {
            cpus.push(after - before);
        }
        ops = h.len();
    }
    walls.sort();
    cpus.sort();
    (walls[RUNS / 2], cpus.get(RUNS / 2).copied(), ops)
}

fn report(name: &str, input: &str, format: Format) {
    let (wall, cpu, ops) = median_of_runs(input, format);
    let mb = input.len() as f64 / 1e6;
    let cpu_text = match cpu {
        Some(c) => format!(
            "cpu {:>6.3} s {:>6.1} MB/s",
            c.as_secs_f64(),
            mb / c.as_secs_f64()
        ),
        None => "cpu n/a".to_string(),
    };
    println!(
        "{name:<28} {ops:>9} ops  {mb:>6.1} MB  wall {:>6.3} s {:>6.1} MB/s {:>5.2} M ops/s  {cpu_text}",
        wall.as_secs_f64(),
        mb / wall.as_secs_f64(),
        ops as f64 / 1e6 / wall.as_secs_f64()
    );
}

/// The EDN reader alone (records read and dropped), to separate reading
/// from mapping.
fn report_edn_reader(input: &str) {
    let mut times = Vec::with_capacity(RUNS);
    let mut records = 0usize;
    for _ in 0..RUNS {
        records = 0;
        let start = Instant::now();
        concord::parse::edn::read_records(input, |_| {
            records += 1;
            Ok(())
        })
        .expect("generated input reads");
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[RUNS / 2];
    let mb = input.len() as f64 / 1e6;
    println!(
        "{:<28} {records:>9} recs {mb:>8.1} MB  median {:>8.3} s  {:>7.1} MB/s",
        "edn reader only",
        median.as_secs_f64(),
        mb / median.as_secs_f64()
    );
}

fn main() {
    let edn = jepsen_edn(OPS);
    report_edn_reader(&edn);
    report("jepsen-edn (2M events)", &edn, Format::JepsenEdn);
    let history = parse(&edn, Format::JepsenEdn, &ParseOptions::default()).expect("parses");
    let operations = write_jsonl(&history, false);
    report("jsonl operations", &operations, Format::Jsonl);
    let events = write_jsonl(&history, true);
    report("jsonl events (2M lines)", &events, Format::Jsonl);
    let start = Instant::now();
    let written = write_jsonl(&history, false);
    println!(
        "{:<28} {:>9} ops  {:>8.1} MB  once   {:>8.3} s",
        "write_jsonl operations",
        history.len(),
        written.len() as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
}
