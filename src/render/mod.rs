//! Text renderings of histories and errors: the concord language itself
//! ([`hist`], the inverse of [`crate::parse::hist`]), rustc-like
//! diagnostics for parse errors ([`diagnostic`]), JSON Lines ([`jsonl`]),
//! Jepsen EDN ([`edn`], read back by [`crate::parse::jepsen`]) and DOT
//! graphs of violations ([`dot`]).
//!
//! Renderers only format: they never print and never fail on a valid
//! [`History`](crate::history::History).

pub mod diagnostic;
pub mod dot;
pub mod edn;
pub mod hist;
pub mod jsonl;
