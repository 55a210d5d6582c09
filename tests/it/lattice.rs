//! The verdicts of all checks together respect the lattice of guarantees
//! (docs/semantics.md, written out in `lattice_all`): when a guarantee holds, every guarantee it
//! implies holds too. The strong and the weak checks were written
//! independently, so this cross-checks one family against the other on
//! random histories, linearizable by construction or with stale reads.

use concord::check::{self, CheckConfig, Guarantee, GuaranteeResult, Verdict};
use concord::generate::{GenConfig, generate_register};
use concord::sim::{ProtocolName, SimConfig, simulate};
use std::time::Duration;

use crate::lattice_all::{contradictions, implied_by};

fn config() -> CheckConfig {
    CheckConfig {
        timeout: Some(Duration::from_secs(5)),
        ..CheckConfig::default()
    }
}

fn verdict(results: &[GuaranteeResult], g: Guarantee) -> Verdict {
    results.iter().find(|r| r.guarantee == g).unwrap().verdict
}

/// Asserts the lattice on every guarantee, and checks the sequential
/// consistency search on its own (without the refutation shortcut that
/// `check::check` takes) against the polynomial checks it implies.
fn assert_lattice(history: &concord::History, what: &str) -> Vec<GuaranteeResult> {
    let results = check::check(history, &config());
    let contradictions = contradictions(&results);
    assert!(
        contradictions.is_empty(),
        "{what}: {contradictions:?}\n{}",
        concord::render::hist::to_hist(history)
    );
    let sc_search = check::sequential::check(history, &config());
    if sc_search.verdict == Verdict::Holds {
        for weaker in implied_by(Guarantee::Sequential) {
            assert_ne!(
                verdict(&results, weaker),
                Verdict::Violated,
                "{what}: the sequential search found an order, yet {weaker} is violated\n{}",
                concord::render::hist::to_hist(history)
            );
        }
    }
    if verdict(&results, Guarantee::Linearizable) == Verdict::Holds {
        assert_ne!(sc_search.verdict, Verdict::Violated, "{what}");
    }
    results
}

/// Counts histories per verdict of `g`, so the tests show they exercised
/// both sides of the lattice.
fn tally(all: &[Vec<GuaranteeResult>], g: Guarantee, v: Verdict) -> usize {
    all.iter().filter(|rs| verdict(rs, g) == v).count()
}

#[test]
fn generated_register_histories_respect_the_lattice() {
    let mut all = Vec::new();
    for seed in 0..400u64 {
        let cfg = GenConfig {
            ops: 6 + (seed % 7) as usize,
            processes: 2 + (seed % 3) as usize,
            keys: 1 + (seed % 2) as usize,
            seed,
            read_fraction: 0.5,
            stale_read_fraction: if seed % 2 == 0 { 0.0 } else { 0.5 },
            pending_fraction: if seed % 5 == 0 { 0.1 } else { 0.0 },
            ..GenConfig::default()
        };
        all.push(assert_lattice(
            &generate_register(&cfg),
            &format!("generated seed {seed}"),
        ));
    }
    for g in Guarantee::ALL {
        eprintln!(
            "{g}: holds {} violated {}",
            tally(&all, g, Verdict::Holds),
            tally(&all, g, Verdict::Violated)
        );
    }
    assert!(tally(&all, Guarantee::Linearizable, Verdict::Holds) > 50);
    assert!(tally(&all, Guarantee::Linearizable, Verdict::Violated) > 50);
    assert!(tally(&all, Guarantee::Causal, Verdict::Violated) > 5);
}

#[test]
fn simulated_histories_respect_the_lattice() {
    let mut all = Vec::new();
    for protocol in ProtocolName::ALL {
        for seed in 1..=3 {
            let mut cfg = SimConfig::new(protocol).with_seed(seed);
            cfg.ops = 30;
            let run = simulate(&cfg).expect("simulation runs");
            all.push(assert_lattice(
                &run.history,
                &format!("{protocol} seed {seed}"),
            ));
        }
    }
    assert!(tally(&all, Guarantee::Sequential, Verdict::Holds) > 10);
}
