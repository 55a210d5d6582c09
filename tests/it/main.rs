//! The one integration-test binary: each module is one former test file.

mod cli;
mod convergence_oracle;
mod corpus_parse;
mod corpus_verdicts;
mod deep_cycle;
mod formats;
mod grammar_examples;
mod hist_roundtrip;
mod lattice;
mod lin_oracle;
mod linearizability;
mod parse_errors;
mod sim_basic;
mod sim_knobs;
mod sim_matrix;
mod weak_cases;
mod weak_oracle;
mod weak_robust;
mod weak_support;
