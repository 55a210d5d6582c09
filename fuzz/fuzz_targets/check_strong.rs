//! Every guarantee, strong ones included, under small budgets: no panic,
//! no hang (the budgets turn into `unknown`), evidence on every violation,
//! and verdicts that respect the lattice.
#![no_main]

mod common;

use concord::{CheckConfig, check};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let Some(h) = common::history(data, 60) else {
        return;
    };
    let config = CheckConfig {
        timeout: Some(Duration::from_millis(200)),
        states_max: Some(20_000),
        ..CheckConfig::default()
    };
    common::assert_evidence_and_lattice(&check(&h, &config));
});
