//! Text renderings of histories and errors: the concord language itself
//! ([`hist`], the inverse of [`crate::parse::hist`]), rustc-like
//! diagnostics for parse errors ([`diagnostic`]), JSON Lines ([`jsonl`]),
//! Jepsen EDN ([`edn`], read back by [`crate::parse::jepsen`]), Porcupine
//! kv logs ([`porcupine_kv`], read back by [`crate::parse::porcupine_kv`])
//! and DOT graphs of violations ([`dot`]).
//!
//! Renderers only format: they never print and never fail on a valid
//! [`History`](crate::history::History), except [`porcupine_kv`], whose
//! format holds only kv histories of strings: it refuses any other with
//! an error saying what the format cannot carry, rather than change it.

pub mod diagnostic;
pub mod dot;
pub mod edn;
pub mod hist;
pub mod jsonl;
pub mod porcupine_kv;
