//! The weak checks on larger random histories with everything mixed in:
//! timestamps, pending operations, failed writes, writes of unknown
//! outcome, reads with no result, values written twice, a quiescence
//! point. Too large for the brute-force oracles; what must hold is that no
//! check panics, every violation carries its evidence, and the verdicts
//! respect the lattice (a guarantee that holds never has a weaker one
//! violated).

use crate::lattice_all::contradictions;
use crate::weak_support;

use concord::check::{CheckConfig, Guarantee, Verdict, check_polynomial};
use std::collections::BTreeMap;
use weak_support::{Rng, read_hist};

/// A random timed history of 40–200 operations over 2–6 sessions and 1–4
/// keys, run against one register per key in generation order (a
/// sequentially consistent execution, with invocations in that order:
/// failed writes and some writes of unknown outcome take no effect), in
/// which `noise` of the reads in a thousand return an older value, the
/// initial value or a value nobody wrote instead.
fn random_mixed_hist(rng: &mut Rng, noise: u64) -> String {
    let sessions = 2 + rng.below(5) as usize;
    let keys = 1 + rng.below(4) as usize;
    let n = 40 + rng.below(161);
    let duplicates = rng.below(4) == 0;
    let mut last_ret = vec![0u64; sessions];
    let mut pending = vec![false; sessions];
    let mut written: Vec<Vec<u64>> = vec![Vec::new(); keys];
    let mut current: Vec<Option<u64>> = vec![None; keys];
    let mut now = 0u64;
    let mut next_value = 1u64;
    // Writes stop at the quiescence point: the reads invoked after it then
    // all see the last write of their key.
    let quiescent = n * 3 / 2;
    let mut text = format!("%quiescent {quiescent}\n");
    for _ in 0..n {
        let p = rng.below(sessions as u64) as usize;
        if pending[p] {
            continue;
        }
        // Invocations in generation order, so that the register's order
        // is consistent with real time too.
        now = (now + rng.below(3)).max(last_ret[p] + 1);
        let invoke = now;
        let ret = invoke + 1 + rng.below(5);
        last_ret[p] = ret;
        let k = rng.below(keys as u64) as usize;
        let key = ["a", "b", "c", "d"][k];
        let roll = rng.below(100);
        if rng.below(2) == 0 && invoke <= quiescent {
            let value = if duplicates && !written[k].is_empty() && rng.below(4) == 0 {
                written[k][rng.below(written[k].len() as u64) as usize]
            } else {
                next_value += 1;
                next_value
            };
            let (end, outcome, effect) = match roll {
                0..8 => (ret.to_string(), " fail", false),
                8..12 => (ret.to_string(), " info", rng.below(2) == 0),
                12..15 => {
                    pending[p] = true;
                    ("?".to_string(), "", rng.below(2) == 0)
                }
                _ => (ret.to_string(), "", true),
            };
            if effect {
                written[k].push(value);
                current[k] = Some(value);
            }
            text.push_str(&format!(
                "p{p} write {key} {value} @ {invoke}..{end}{outcome}\n"
            ));
        } else if roll < 4 {
            text.push_str(&format!("p{p} read {key} @ {invoke}..{ret} info\n"));
        } else {
            let value = if rng.below(1000) < noise {
                let ws = &written[k];
                match rng.below(10) {
                    0 => "9999".to_string(),
                    1..3 => "nil".to_string(),
                    _ if ws.is_empty() => "nil".to_string(),
                    _ => ws[rng.below(ws.len() as u64) as usize].to_string(),
                }
            } else {
                current[k].map_or("nil".to_string(), |v| v.to_string())
            };
            text.push_str(&format!("p{p} read {key} {value} @ {invoke}..{ret}\n"));
        }
    }
    text
}

#[test]
fn mixed_histories_keep_evidence_and_the_lattice() {
    let mut rng = Rng(0x0b05_7a11_0000_0009);
    let config = CheckConfig::default();
    // Per guarantee: how often it held, was violated, was undecided.
    let mut verdicts: BTreeMap<Guarantee, [usize; 3]> = BTreeMap::new();
    for case in 0..600 {
        // A third of the histories are clean, the others have up to 5% of
        // odd reads.
        let noise = [0, 0, 0, 5, 10, 20, 50][rng.below(7) as usize];
        let text = random_mixed_hist(&mut rng, noise);
        let h = read_hist(&text);
        // Every weak guarantee (check_many leaves the strong ones out).
        let results = check_polynomial(&h, &Guarantee::ALL, &config);
        assert_eq!(results.len(), Guarantee::ALL.len() - 2);
        for r in &results {
            // A clean history comes from a sequentially consistent run that
            // converges: no false alarm, whatever the outcomes and repeats.
            assert!(
                noise > 0 || r.verdict != Verdict::Violated,
                "case {case}: {} violated on a clean history\n{text}\n{:#?}",
                r.guarantee,
                r.violations
            );
            let count = verdicts.entry(r.guarantee).or_default();
            match r.verdict {
                Verdict::Holds => count[0] += 1,
                Verdict::Violated => {
                    count[1] += 1;
                    assert!(
                        r.violations
                            .iter()
                            .all(|v| !v.ops.is_empty() && !v.explanation.is_empty()),
                        "case {case}: {} violation without evidence on\n{text}",
                        r.guarantee
                    );
                }
                _ => count[2] += 1,
            }
        }
        assert_eq!(
            contradictions(&results),
            vec![],
            "case {case}: (holds, violated) pairs against the lattice on\n{text}"
        );
    }
    // Every check must be exercised both ways.
    for (g, [holds, violated, _]) in verdicts {
        assert!(
            holds >= 10 && violated >= 10,
            "{g}: {holds} holds, {violated} violated of 600"
        );
    }
}
