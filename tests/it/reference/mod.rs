//! Brute-force reference deciders, written from docs/semantics.md and
//! ../shared/DEFINITIONS.md alone. They use only the parser and the data
//! model (`concord::history`), never the library's checks, orders or
//! reports: the agreement test (`reference_agreement`) compares them with
//! the library on random histories from [`generator`] (gen.rs).
//!
//! * [`common`]: which operations count, session order, the worlds (which
//!   unknown-outcome writes took effect, which write each read read), the
//!   sanity axioms.
//! * [`search`]: the backtracking search for a legal total order.
//! * [`session`]: RYW, MR, MW, WFR.
//! * [`views`]: PRAM, causal memory, CC, CCv.
//! * [`strong`]: sequential, linearizable.
//! * [`convergence`]: convergence after a quiescence point.
//!
//! Every decider is exponential and meant for histories of a few
//! operations.

// Relations are boolean matrices indexed by operation: index loops read
// like the definitions.
#![allow(clippy::needless_range_loop)]

pub mod common;
pub mod convergence;
#[path = "gen.rs"]
pub mod generator;
pub mod search;
pub mod session;
pub mod strong;
pub mod views;

use common::Model;

/// The guarantees, named independently of the library's enum.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Family {
    ReadYourWrites,
    MonotonicReads,
    MonotonicWrites,
    WritesFollowReads,
    Pram,
    Causal,
    WeakCausal,
    CausalConvergence,
    Convergence,
    Sequential,
    Linearizable,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RefVerdict {
    Holds,
    Violated,
    NotApplicable,
}

impl RefVerdict {
    fn of(b: bool) -> RefVerdict {
        if b {
            RefVerdict::Holds
        } else {
            RefVerdict::Violated
        }
    }
}

/// Parses interval-form `.hist` text with the library parser.
pub fn parse(text: &str) -> concord::History {
    concord::parse(
        text,
        concord::Format::Hist,
        &concord::ParseOptions::default(),
    )
    .unwrap_or_else(|e| panic!("reference: does not parse ({e:?}):\n{text}"))
}

/// The reference verdict of `family` on the history.
///
/// Not applicable: linearizability without timestamps; convergence without
/// a quiescence point or without a counted read after it (docs/semantics.md
/// says "not-checked" there, before any sanity axiom). Otherwise a sanity
/// violation violates every guarantee.
pub fn decide(m: &Model, family: Family) -> RefVerdict {
    if family == Family::Linearizable && !m.timed {
        return RefVerdict::NotApplicable;
    }
    let conv = if family == Family::Convergence {
        match convergence::convergence(m) {
            None => return RefVerdict::NotApplicable,
            Some(b) => Some(b),
        }
    } else {
        None
    };
    if m.sanity.is_some() {
        return RefVerdict::Violated;
    }
    RefVerdict::of(match family {
        Family::ReadYourWrites => session::read_your_writes(m),
        Family::MonotonicReads => session::monotonic_reads(m),
        Family::MonotonicWrites => session::monotonic_writes(m),
        Family::WritesFollowReads => session::writes_follow_reads(m),
        Family::Pram => views::pram(m),
        Family::Causal => views::causal_memory(m),
        Family::WeakCausal => views::weak_causal(m),
        Family::CausalConvergence => views::causal_convergence(m),
        Family::Convergence => conv.unwrap_or(true),
        Family::Sequential => strong::sequential(m),
        Family::Linearizable => strong::linearizable(m),
    })
}

/// Parses and decides in one call.
pub fn decide_text(text: &str, family: Family) -> RefVerdict {
    let h = parse(text);
    let m = Model::build(&h).unwrap_or_else(|e| panic!("reference: {e}"));
    decide(&m, family)
}
