//! The lattice of docs/semantics.md over every guarantee, strong ones
//! included, through the library's one entry point (`concord::check` with
//! no guarantee named checks them all), with and without clock skew: a
//! stronger guarantee never holds while a weaker one is violated.
//!
//! The implications are written out here from the "The lattice" paragraph
//! of docs/semantics.md and closed transitively by this file's own code;
//! the library's `Guarantee::implies` and `report::lattice_contradictions`
//! are deliberately not used, so that a wrong edge there cannot hide a
//! wrong verdict here. The other lattice tests (lattice.rs, weak_robust.rs,
//! weak_oracle.rs) use [`contradictions`] and [`implied_by`] from here.
//!
//! Histories: thousands from the reference generator
//! (`reference::generator`, small and realistic, timed or not), and
//! simulator runs of every protocol, with and without each fault knob.

use concord::check::{CheckConfig, Guarantee, GuaranteeResult, Verdict};
use concord::sim::{Fault, ProtocolName, SimConfig, simulate};

use crate::reference;

/// "The lattice" of docs/semantics.md, one edge per "⇒" in the paragraph:
///
/// linearizable ⇒ sequential ⇒ causal-convergence ⇒ weak-causal ⇒
/// writes-follow-reads; sequential ⇒ causal ⇒ weak-causal; causal ⇒ pram ⇒
/// read-your-writes, monotonic-reads, monotonic-writes.
///
/// Convergence is in no edge: it is a property of the end of a history,
/// not of its sessions.
const EDGES: [(Guarantee, Guarantee); 10] = {
    use Guarantee::*;
    [
        (Linearizable, Sequential),
        (Sequential, CausalConvergence),
        (CausalConvergence, WeakCausal),
        (WeakCausal, WritesFollowReads),
        (Sequential, Causal),
        (Causal, WeakCausal),
        (Causal, Pram),
        (Pram, ReadYourWrites),
        (Pram, MonotonicReads),
        (Pram, MonotonicWrites),
    ]
};

fn index(g: Guarantee) -> usize {
    Guarantee::ALL.iter().position(|&h| h == g).unwrap()
}

/// Every (stronger, weaker) pair of the lattice: [`EDGES`] closed
/// transitively (Warshall), without the reflexive pairs.
pub fn implications() -> Vec<(Guarantee, Guarantee)> {
    let n = Guarantee::ALL.len();
    let mut reach = vec![vec![false; n]; n];
    for (s, w) in EDGES {
        reach[index(s)][index(w)] = true;
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    let mut out = Vec::new();
    for (i, &s) in Guarantee::ALL.iter().enumerate() {
        for (j, &w) in Guarantee::ALL.iter().enumerate() {
            if i != j && reach[i][j] {
                out.push((s, w));
            }
        }
    }
    out
}

/// The guarantees `strong` implies, transitively (not itself).
pub fn implied_by(strong: Guarantee) -> Vec<Guarantee> {
    implications()
        .into_iter()
        .filter(|&(s, _)| s == strong)
        .map(|(_, w)| w)
        .collect()
}

/// The (stronger, weaker) pairs of the lattice where the stronger holds and
/// the weaker is violated. `Unknown` and `NotChecked` contradict nothing.
pub fn contradictions(results: &[GuaranteeResult]) -> Vec<(Guarantee, Guarantee)> {
    let verdict = |g: Guarantee| results.iter().find(|r| r.guarantee == g).map(|r| r.verdict);
    implications()
        .into_iter()
        .filter(|&(s, w)| {
            verdict(s) == Some(Verdict::Holds) && verdict(w) == Some(Verdict::Violated)
        })
        .collect()
}

#[test]
fn the_closure_is_the_documented_lattice() {
    use Guarantee::*;
    let all = implications();
    // lin 9, sc 8, causal 6, ccv 2, pram 3, weak-causal 1.
    assert_eq!(all.len(), 29, "{all:?}");
    assert_eq!(implied_by(Linearizable).len(), Guarantee::ALL.len() - 2);
    assert!(!implied_by(Linearizable).contains(&Convergence));
    assert_eq!(implied_by(Sequential).len(), 8);
    assert_eq!(
        implied_by(Causal),
        vec![
            ReadYourWrites,
            MonotonicReads,
            MonotonicWrites,
            WritesFollowReads,
            Pram,
            WeakCausal
        ]
    );
    assert_eq!(
        implied_by(CausalConvergence),
        vec![WritesFollowReads, WeakCausal]
    );
    assert_eq!(implied_by(WeakCausal), vec![WritesFollowReads]);
    assert!(!implied_by(WeakCausal).contains(&Pram));
    assert!(!implied_by(CausalConvergence).contains(&Causal));
    assert!(!implied_by(Causal).contains(&CausalConvergence));
    for g in [
        ReadYourWrites,
        MonotonicReads,
        MonotonicWrites,
        WritesFollowReads,
        Convergence,
    ] {
        assert!(implied_by(g).is_empty(), "{g}");
    }
    assert!(
        all.iter()
            .all(|&(s, w)| s != Convergence && w != Convergence)
    );
}

/// Every guarantee, through the library's entry point.
fn check_all(history: &concord::History, clock_skew: u64) -> Vec<GuaranteeResult> {
    let config = CheckConfig {
        guarantees: vec![],
        clock_skew,
        ..Default::default()
    };
    let results = concord::check(history, &config);
    assert_eq!(
        results.iter().map(|r| r.guarantee).collect::<Vec<_>>(),
        Guarantee::ALL.to_vec(),
        "one result per guarantee"
    );
    results
}

/// Per guarantee: holds, violated, unknown, not checked; and per lattice
/// pair, how often the stronger was violated while the weaker held (the
/// pair was exercised in its strict direction).
#[derive(Default)]
struct Tally {
    verdicts: Vec<[usize; 4]>,
    strict: Vec<usize>,
    runs: usize,
}

impl Tally {
    fn add(&mut self, results: &[GuaranteeResult]) {
        let pairs = implications();
        if self.verdicts.is_empty() {
            self.verdicts = vec![[0; 4]; Guarantee::ALL.len()];
            self.strict = vec![0; pairs.len()];
        }
        self.runs += 1;
        for r in results {
            let slot = match r.verdict {
                Verdict::Holds => 0,
                Verdict::Violated => 1,
                Verdict::Unknown => 2,
                Verdict::NotChecked => 3,
            };
            self.verdicts[index(r.guarantee)][slot] += 1;
        }
        let verdict = |g: Guarantee| results[index(g)].verdict;
        for (i, &(s, w)) in pairs.iter().enumerate() {
            if verdict(s) == Verdict::Violated && verdict(w) == Verdict::Holds {
                self.strict[i] += 1;
            }
        }
    }

    fn print(&self, what: &str) {
        eprintln!("{what}: {} checks", self.runs);
        for g in Guarantee::ALL {
            let [h, v, u, n] = self.verdicts[index(g)];
            eprintln!("  {g}: holds {h} violated {v} unknown {u} not-checked {n}");
        }
        for (&(s, w), n) in implications().iter().zip(&self.strict) {
            eprintln!("  {s} violated while {w} holds: {n}");
        }
    }

    fn get(&self, g: Guarantee, v: Verdict) -> usize {
        self.verdicts[index(g)][v as usize]
    }

    fn strict(&self, s: Guarantee, w: Guarantee) -> usize {
        let i = implications().iter().position(|&p| p == (s, w)).unwrap();
        self.strict[i]
    }
}

/// Asserts the lattice, naming the broken pairs and the history.
fn assert_lattice(results: &[GuaranteeResult], what: &str, text: &str) {
    let bad = contradictions(results);
    assert!(
        bad.is_empty(),
        "{what}: (holds, violated) against the lattice: {bad:?}\n{text}"
    );
}

/// Skews, in the generator's time units (its times are even, so a skew of
/// 1 closes no gap of 2 and 2 closes some).
const GEN_SKEWS: [u64; 4] = [1, 2, 5, 40];

#[test]
fn generated_histories_respect_the_lattice_of_all_guarantees() {
    let cases = 10_000;
    let mut tally = Tally::default();
    let mut skewed = Tally::default();
    for seed in 0..cases {
        let text = reference::generator::history(seed);
        let h = reference::parse(&text);
        let results = check_all(&h, 0);
        assert_lattice(&results, &format!("generator seed {seed}"), &text);
        tally.add(&results);
        if h.has_real_time() {
            for skew in GEN_SKEWS {
                let results = check_all(&h, skew);
                assert_lattice(
                    &results,
                    &format!("generator seed {seed}, clock skew {skew}"),
                    &text,
                );
                skewed.add(&results);
            }
        }
    }
    tally.print("generated histories, no skew");
    skewed.print("generated histories, with skew");
    use Guarantee::*;
    // Both sides of every guarantee, and the strict direction of the
    // pairs that differ most often, were exercised.
    for g in Guarantee::ALL {
        assert!(tally.get(g, Verdict::Holds) > 50, "{g} held too rarely");
        assert!(
            tally.get(g, Verdict::Violated) > 50,
            "{g} violated too rarely"
        );
    }
    for (s, w) in [
        (Linearizable, Sequential),
        (Sequential, CausalConvergence),
        (Sequential, Causal),
        (Causal, Pram),
        (Causal, WeakCausal),
        (CausalConvergence, WeakCausal),
        (WeakCausal, WritesFollowReads),
        (Pram, ReadYourWrites),
        (Pram, MonotonicReads),
        (Pram, MonotonicWrites),
    ] {
        assert!(
            tally.strict(s, w) > 3,
            "{s} violated while {w} held too rarely"
        );
    }
    // Skew relaxes linearizability: with skew it holds more often.
    assert!(skewed.get(Linearizable, Verdict::Holds) > 0);
}

/// A simulator scenario scaled down to `ops` operations, the nemesis events
/// moved with it (they are placed by operation count).
fn small_scenario(protocol: ProtocolName, faults: &[Fault], ops: usize, seed: u64) -> SimConfig {
    let mut cfg = SimConfig::scenario(protocol, faults).with_seed(seed);
    for e in &mut cfg.nemesis {
        e.at_op = e.at_op * ops / cfg.ops;
    }
    cfg.ops = ops;
    cfg
}

/// Skews in microseconds, the simulator's unit: below, near and above its
/// client latencies (50–200 µs) and network delays (0.2–3 ms).
const SIM_SKEWS: [u64; 3] = [100, 1_000, 10_000];

#[test]
fn simulated_histories_respect_the_lattice_of_all_guarantees() {
    let mut tally = Tally::default();
    let mut histories = 0;
    for protocol in ProtocolName::ALL {
        let knobs = std::iter::once(None).chain(protocol.knobs().into_iter().map(Some));
        for knob in knobs {
            let faults: Vec<Fault> = knob.into_iter().collect();
            for seed in 1..=6 {
                let cfg = small_scenario(protocol, &faults, 30 + 6 * seed as usize, seed);
                let run = simulate(&cfg).expect("simulation runs");
                let text = concord::render::hist::to_hist(&run.history);
                histories += 1;
                for skew in std::iter::once(0).chain(SIM_SKEWS) {
                    let results = check_all(&run.history, skew);
                    assert_lattice(
                        &results,
                        &format!("{protocol} {faults:?} seed {seed}, clock skew {skew}"),
                        &text,
                    );
                    tally.add(&results);
                }
            }
        }
    }
    tally.print(&format!("{histories} simulated histories"));
    assert!(tally.get(Guarantee::Linearizable, Verdict::Holds) > 20);
    assert!(tally.get(Guarantee::Linearizable, Verdict::Violated) > 5);
    assert!(tally.get(Guarantee::Sequential, Verdict::Violated) > 5);
    assert!(tally.get(Guarantee::Causal, Verdict::Violated) > 5);
}
