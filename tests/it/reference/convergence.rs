//! Convergence, as docs/semantics.md states it.
//!
//! > **Convergence**: given a quiescence point T, every read invoked after T
//! > returns, per key, the same value, and that value is maximal: no write
//! > that took effect is forced after it by co. Without T, or without a
//! > read after T, the check is `not-checked`.
//!
//! Readings: "after T" is taken as invoke > T (the generator never puts a
//! read's invoke at T, so this choice is not exercised); "forced after it
//! by co" is taken per key (a write of another key does not overwrite the
//! value); the initial value is maximal only when no write of the key took
//! effect (every write overwrites the initial state).

use super::common::{Model, Src, causal_order, exists_world, reads};

/// `None` when not applicable (no T, or no counted read invoked after T).
pub fn convergence(m: &Model) -> Option<bool> {
    let t = m.quiescent_at?;
    let late: Vec<usize> = reads(m)
        .into_iter()
        .filter(|&r| m.ops[r].invoke > t)
        .collect();
    if late.is_empty() {
        return None;
    }
    let same_value = late.iter().all(|&a| {
        late.iter()
            .all(|&b| m.ops[a].key != m.ops[b].key || m.read_value(a) == m.read_value(b))
    });
    if !same_value {
        return Some(false);
    }
    Some(exists_world(m, |w| {
        let co = causal_order(m, w);
        late.iter().all(|&r| {
            let x = m.ops[r].key;
            let overwrites = |src: Option<usize>| {
                (0..m.ops.len()).any(|o| {
                    w.effective[o]
                        && m.ops[o].is_write()
                        && m.ops[o].key == x
                        && src.is_none_or(|s| s != o && co[s][o])
                })
            };
            match w.rf[r] {
                Some(Src::Write(src)) => !overwrites(Some(src)),
                _ => !overwrites(None),
            }
        })
    }))
}
