//! Sequential consistency and linearizability, as docs/semantics.md states
//! them.
//!
//! > **Sequential** (Lamport 1979): one legal total order of all counted
//! > operations respecting so.
//!
//! > **Linearizable** (Herlihy & Wing 1990): one legal total order
//! > respecting so and rt. Unknown-outcome operations may be placed
//! > anywhere after their invoke, or omitted.
//!
//! rt, from the history module and the grammar: a precedes b when a's
//! return time is strictly less than b's invoke time; an unknown-outcome
//! operation "is after every operation that returned before its invoke, and
//! before nothing". Linearizability needs real timestamps (the caller
//! checks `Model::timed`).

use super::common::Model;
use super::search::{exists_order, value_legal};

fn counted(m: &Model, eff: &[bool]) -> Vec<usize> {
    (0..m.ops.len()).filter(|&i| eff[i]).collect()
}

pub fn sequential(m: &Model) -> bool {
    m.effect_subsets().into_iter().any(|eff| {
        exists_order(m, &counted(m, &eff), &|a, b| m.so[a][b], &|p, op| {
            value_legal(m, p, op)
        })
    })
}

/// a rt b: a returned (strictly) before b was invoked.
pub fn rt(m: &Model, a: usize, b: usize) -> bool {
    matches!(m.ops[a].ret, Some(t) if t < m.ops[b].invoke)
}

pub fn linearizable(m: &Model) -> bool {
    m.effect_subsets().into_iter().any(|eff| {
        exists_order(
            m,
            &counted(m, &eff),
            &|a, b| m.so[a][b] || rt(m, a, b),
            &|p, op| value_legal(m, p, op),
        )
    })
}
