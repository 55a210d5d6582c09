//! The weak checks on any history the concord language accepts: no panic,
//! evidence on every violation, and verdicts that respect the lattice (a
//! guarantee that holds never has a weaker one violated).
#![no_main]

use concord::check::weak_causal::check_many;
use concord::{CheckConfig, Format, Guarantee, ParseOptions, Verdict, parse};
use libfuzzer_sys::fuzz_target;

const WEAK: [Guarantee; 9] = [
    Guarantee::ReadYourWrites,
    Guarantee::MonotonicReads,
    Guarantee::MonotonicWrites,
    Guarantee::WritesFollowReads,
    Guarantee::Pram,
    Guarantee::Causal,
    Guarantee::WeakCausal,
    Guarantee::CausalConvergence,
    Guarantee::Convergence,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(h) = parse(text, Format::Hist, &ParseOptions::default()) else {
        return;
    };
    if h.len() > 300 {
        return;
    }
    let results = check_many(&h, &WEAK, &CheckConfig::default());
    assert_eq!(results.len(), WEAK.len());
    for r in &results {
        if r.verdict == Verdict::Violated {
            assert!(!r.violations.is_empty());
            for v in &r.violations {
                assert!(!v.ops.is_empty() && !v.explanation.is_empty(), "{v:?}");
            }
        }
        if r.verdict == Verdict::Holds {
            for weak in r.guarantee.implied_closure() {
                if let Some(w) = results.iter().find(|x| x.guarantee == weak) {
                    assert_ne!(
                        w.verdict,
                        Verdict::Violated,
                        "{} holds but {} is violated",
                        r.guarantee,
                        weak
                    );
                }
            }
        }
    }
});
