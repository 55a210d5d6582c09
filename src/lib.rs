//! concord: a consistency checker and linearizability analyzer for
//! operation histories recorded from replicated systems.
//!
//! The pipeline flows one way:
//!
//! ```text
//! text ──parse──▶ History ──order──▶ relations / happens-before graph
//!                    │                          │
//!                    └──────────check───────────┴──▶ GuaranteeResult (+ evidence)
//!                                                        │
//!                                            report ──▶ render (human, JSON, DOT)
//! ```
//!
//! * [`history`]: the validated data model ([`History`]).
//! * [`parse`](mod@parse): one reader per input format, with precise errors.
//! * [`check`](mod@check): one module per guarantee; [`check::check`] runs them.
//! * [`report`]: serializable views of verdicts.
//! * [`render`]: text renderings (the concord language, JSON Lines, DOT,
//!   diagnostics).
//!
//! The library never prints; the `concord` binary is a thin layer over it.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod check;
pub mod generate;
pub mod history;
pub mod order;
pub mod parse;
pub mod render;
pub mod report;
pub mod sim;

pub use check::{CheckConfig, Guarantee, GuaranteeResult, Model, Verdict, check};
pub use history::History;
pub use parse::{Format, ParseError, ParseOptions, parse};
