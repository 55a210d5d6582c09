//! Backtracking search for a total order ("view", "serialization",
//! "linearization") of a set of operations that respects a precedence
//! relation and in which every operation is acceptable when placed.
//!
//! The search places, one at a time, an operation whose required
//! predecessors are all placed, and checks it at once (for a read:
//! legality against the last write of its key placed so far). It is
//! exhaustive: it answers "no" only after trying every order, memoizing
//! the states (placed set, last write per key) already found to fail.

use std::collections::HashSet;

use super::common::{Kind, Model, Src, World};

/// What is placed so far.
pub struct Placement {
    /// Per op of the model.
    pub placed: Vec<bool>,
    /// Per key: the last write placed.
    pub last: Vec<Option<usize>>,
}

/// Is there a total order of `items` (op indices, at most 64) such that
/// `before(a, b)` implies a comes before b, and `accept(placement, op)` is
/// true for every op when it is placed?
pub fn exists_order(
    m: &Model,
    items: &[usize],
    before: &dyn Fn(usize, usize) -> bool,
    accept: &dyn Fn(&Placement, usize) -> bool,
) -> bool {
    assert!(items.len() <= 64);
    let preds: Vec<u64> = items
        .iter()
        .map(|&b| {
            items
                .iter()
                .enumerate()
                .filter(|&(_, &a)| a != b && before(a, b))
                .fold(0u64, |acc, (j, _)| acc | 1 << j)
        })
        .collect();
    let mut p = Placement {
        placed: vec![false; m.ops.len()],
        last: vec![None; m.keys],
    };
    let mut failed = HashSet::new();
    dfs(m, items, &preds, accept, 0, &mut p, &mut failed)
}

fn dfs(
    m: &Model,
    items: &[usize],
    preds: &[u64],
    accept: &dyn Fn(&Placement, usize) -> bool,
    mask: u64,
    p: &mut Placement,
    failed: &mut HashSet<(u64, Vec<Option<usize>>)>,
) -> bool {
    if mask.count_ones() as usize == items.len() {
        return true;
    }
    if failed.contains(&(mask, p.last.clone())) {
        return false;
    }
    for (j, &op) in items.iter().enumerate() {
        if mask >> j & 1 == 1 || preds[j] & !mask != 0 || !accept(p, op) {
            continue;
        }
        let key = m.ops[op].key;
        let saved = p.last[key];
        p.placed[op] = true;
        if m.ops[op].is_write() {
            p.last[key] = Some(op);
        }
        let found = dfs(m, items, preds, accept, mask | 1 << j, p, failed);
        p.placed[op] = false;
        p.last[key] = saved;
        if found {
            return true;
        }
    }
    failed.insert((mask, p.last.clone()));
    false
}

/// "Legal": a read returns the value of the last write of its key placed
/// before it, or the initial value when there is none. Writes are always
/// acceptable.
pub fn value_legal(m: &Model, p: &Placement, op: usize) -> bool {
    match m.ops[op].kind {
        Kind::Write(_) => true,
        Kind::Read(v) => match p.last[m.ops[op].key] {
            None => m.initial[m.ops[op].key] == v,
            Some(w) => m.matches(w, op),
        },
    }
}

/// Legal for the world's reads-from: a read's last write placed before it
/// is exactly its source (none for the initial state).
pub fn rf_legal(m: &Model, w: &World, p: &Placement, op: usize) -> bool {
    match w.rf[op] {
        None => true,
        Some(Src::Init) => p.last[m.ops[op].key].is_none(),
        Some(Src::Write(src)) => p.last[m.ops[op].key] == Some(src),
    }
}
