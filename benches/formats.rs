//! Parse throughput of the history readers on generated inputs: a Jepsen
//! EDN history of 1,000,000 operations (2,000,000 events, 10 processes,
//! reads, writes and CAS with ok / fail / info completions) and a JSON
//! Lines file of 1,000,000 operations. Each is parsed 5 times; the median
//! time and the throughput in MB/s are printed.
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

fn median_of_runs(input: &str, format: Format) -> (Duration, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut ops = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let h = parse(input, format, &ParseOptions::default()).expect("generated input parses");
        times.push(start.elapsed());
        ops = h.len();
    }
    times.sort();
    (times[RUNS / 2], ops)
}

fn report(name: &str, input: &str, format: Format) {
    let (median, ops) = median_of_runs(input, format);
    let mb = input.len() as f64 / 1e6;
    println!(
        "{name:<28} {ops:>9} ops  {mb:>8.1} MB  median {:>8.3} s  {:>7.1} MB/s  {:>6.2} M ops/s",
        median.as_secs_f64(),
        mb / median.as_secs_f64(),
        ops as f64 / 1e6 / median.as_secs_f64()
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
