//! The weak checks on any history the concord language accepts: no panic,
//! evidence on every violation, and verdicts that respect the lattice (a
//! guarantee that holds never has a weaker one violated).
#![no_main]

mod common;

use concord::check::check_polynomial;
use concord::{CheckConfig, Guarantee};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(h) = common::history(data, 300) else {
        return;
    };
    // Every weak guarantee (check_many leaves the strong ones out).
    let results = check_polynomial(&h, &Guarantee::ALL, &CheckConfig::default());
    assert_eq!(results.len(), Guarantee::ALL.len() - 2);
    common::assert_evidence_and_lattice(&results);
});
