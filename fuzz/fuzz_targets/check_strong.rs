//! Every guarantee, strong ones included, under small budgets: no panic,
//! no hang (the budgets turn into `unknown`), evidence on every violation,
//! and a linearizable verdict never contradicted by a violated weaker one.
#![no_main]

use concord::{CheckConfig, Format, ParseOptions, Verdict, check, parse};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(h) = parse(text, Format::Hist, &ParseOptions::default()) else {
        return;
    };
    if h.len() > 60 {
        return;
    }
    let config = CheckConfig {
        timeout: Some(Duration::from_millis(200)),
        max_states: Some(20_000),
        ..CheckConfig::default()
    };
    let results = check(&h, &config);
    for r in &results {
        if r.verdict == Verdict::Violated {
            assert!(r.violations.iter().all(|v| !v.ops.is_empty()), "{r:?}");
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
