//! The one integration-test binary: each module is one former test file.

mod cli;
mod corpus_parse;
mod corpus_verdicts;
mod custom_model;
mod deep_cycle;
mod edn_roundtrip;
mod formats;
mod grammar_examples;
mod hist_roundtrip;
mod input_rules;
mod lattice;
mod lattice_all;
mod layers;
mod lin_oracle;
mod linearizability;
mod metamorphic;
mod parse_errors;
mod reference;
mod reference_agreement;
mod sim_basic;
mod sim_knobs;
mod sim_matrix;
mod weak_cases;
mod weak_oracle;
mod weak_robust;
mod weak_support;
