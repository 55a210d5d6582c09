//! The view-based weak models, as docs/semantics.md states them. A *view*
//! of session s is a total order of W ∪ R(s) that is *legal*: each read
//! returns the last write of its key before it in the view, or the initial
//! value when there is none.
//!
//! > **PRAM** (Lipton & Sandberg 1988): every session s has a legal view
//! > that respects so of every process.
//!
//! > **Causal memory** (Ahamad et al. 1995): every session s has a legal
//! > view that respects co = (so ∪ rf)⁺.
//!
//! > **Weak causal (CC)** (Bouajjani et al. 2017): co is acyclic, and every
//! > read r has a legal serialization of the writes co-before it (plus r)
//! > that respects co.
//!
//! > **Causal convergence (CCv)**: co is acyclic and there is one total
//! > order ar of W respecting co such that every read returns the ar-last
//! > write of its key among the writes co-before it (the initial state when
//! > none).
//!
//! PRAM has no reads-from in its definition, so its legality is by value
//! and only the set of writes that took effect is enumerated. The causal
//! models depend on rf (through co): there every world is enumerated and a
//! read must return exactly its source.

use super::common::{Model, Src, causal_order, exists_world, reads, reads_of, writes};
use super::search::{exists_order, rf_legal, value_legal};

pub fn pram(m: &Model) -> bool {
    m.effect_subsets().into_iter().any(|eff| {
        (0..m.processes).all(|s| {
            let mut items = writes(m, &eff);
            items.extend(reads_of(m, s));
            exists_order(m, &items, &|a, b| m.so[a][b], &|p, op| {
                value_legal(m, p, op)
            })
        })
    })
}

pub fn causal_memory(m: &Model) -> bool {
    exists_world(m, |w| {
        let co = causal_order(m, w);
        if (0..m.ops.len()).any(|i| co[i][i]) {
            return false;
        }
        (0..m.processes).all(|s| {
            let mut items = writes(m, &w.effective);
            items.extend(reads_of(m, s));
            exists_order(m, &items, &|a, b| co[a][b], &|p, op| rf_legal(m, w, p, op))
        })
    })
}

pub fn weak_causal(m: &Model) -> bool {
    exists_world(m, |w| {
        let co = causal_order(m, w);
        if (0..m.ops.len()).any(|i| co[i][i]) {
            return false;
        }
        reads(m).into_iter().all(|r| {
            let mut items: Vec<usize> = writes(m, &w.effective)
                .into_iter()
                .filter(|&x| co[x][r])
                .collect();
            items.push(r);
            exists_order(m, &items, &|a, b| co[a][b], &|p, op| rf_legal(m, w, p, op))
        })
    })
}

pub fn causal_convergence(m: &Model) -> bool {
    exists_world(m, |w| {
        let co = causal_order(m, w);
        if (0..m.ops.len()).any(|i| co[i][i]) {
            return false;
        }
        let rs = reads(m);
        let ws = writes(m, &w.effective);
        // A read of the initial state: no write of its key co-before it.
        let init_ok = rs.iter().all(|&r| {
            w.rf[r] != Some(Src::Init)
                || !ws.iter().any(|&x| co[x][r] && m.ops[x].key == m.ops[r].key)
        });
        // Placing write x (ar order): for each read r of x's key with x
        // co-before r, x is not ar-after r's source, i.e. the source is not
        // placed yet (unless x is the source).
        init_ok
            && exists_order(m, &ws, &|a, b| co[a][b], &|p, x| {
                rs.iter().all(|&r| {
                    if !co[x][r] || m.ops[x].key != m.ops[r].key {
                        return true;
                    }
                    match w.rf[r] {
                        Some(Src::Write(src)) => src == x || !p.placed[src],
                        _ => false,
                    }
                })
            })
    })
}
