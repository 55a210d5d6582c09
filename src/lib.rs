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
//! * [`record`]: recording histories from real systems (a [`record::Recorder`]
//!   for your own client calls; etcd and Redis drivers with faults).
//! * [`render`]: text renderings (the concord language, JSON Lines, DOT,
//!   diagnostics).
//!
//! The library never prints; the `concord` binary is a thin layer over it.
//!
//! ```
//! use concord::{CheckConfig, Format, Guarantee, Verdict};
//!
//! // p2 reads 1 after p1's write of 2 completed: a stale read.
//! let text = "p1 write x 1 @ 0..10\np1 write x 2 @ 11..20\np2 read x 1 @ 25..30\n";
//! let history = concord::parse(text, Format::Hist, &Default::default()).unwrap();
//! let config = CheckConfig {
//!     guarantees: vec![Guarantee::Linearizable, Guarantee::Sequential],
//!     ..CheckConfig::default()
//! };
//! // Results come in the order asked.
//! let results = concord::check(&history, &config);
//! assert_eq!(results[0].guarantee, Guarantee::Linearizable);
//! assert_eq!(results[0].verdict, Verdict::Violated);
//! assert_eq!(results[1].verdict, Verdict::Holds);
//! // The evidence names the read that cannot be placed, with its line.
//! let read = results[0].violations[0].ops[0];
//! assert_eq!(history.op(read).source.line, 3);
//! ```

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod check;
pub mod generate;
pub mod guarantee;
pub mod history;
pub mod order;
pub mod parse;
pub mod record;
pub mod render;
pub mod report;
pub mod shrink;
pub mod sim;
pub mod verify;

pub use check::{CheckConfig, GuaranteeResult, check};
pub use guarantee::{Guarantee, Verdict};
pub use history::builder::{BuildError, HistoryBuilder, OpSpec};
pub use history::{History, Model};
pub use parse::{Format, ParseError, ParseOptions, parse};
