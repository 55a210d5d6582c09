//! The session guarantees (Terry et al. 1994), as docs/semantics.md states
//! them. W is the set of writes that took effect, R(s) the counted reads
//! of session s, rf(r) the source of read r.
//!
//! > **Read your writes**, per session s: there is a total order ar_s of W
//! > such that for every read r of s and every write w of s to the same key
//! > with w so r: r does not read the initial state, and w = rf(r) or
//! > w ar_s rf(r). (Per key: the edges w → rf(r) are acyclic.)
//!
//! > **Monotonic reads**, per session s: there is ar_s such that for reads
//! > r1 so r2 of s on the same key, if r1 reads a write then r2 does not
//! > read the initial state, and rf(r1) = rf(r2) or rf(r1) ar_s rf(r2).
//!
//! > **Monotonic writes**, by observation. For a read r of session s, O(r)
//! > is the set of writes read by s's reads so-before r and by r itself;
//! > P(r) is the set of writes w1 with w1 so w2 (w1, w2 writes of one
//! > session, any keys) for some w2 ∈ O(r) ∪ P(r); K(r) = O(r) ∪ P(r). A
//! > read r of key x violates MW when (a) it reads the initial state and
//! > P(r) holds a write of x, or (b) it reads w′ and K(r) holds a write w
//! > of x with w′ so⁺ w.
//!
//! > **Writes follow reads**, by observation, as MW with the rule "w ∈ K(r)
//! > written after a read r″ of its own session that read a write w0 ⇒
//! > w0 ∈ P(r)", and w′ E⁺ w in (b), where w0 E w when w0 rf r″ so w. A
//! > cycle of E also violates WFR.
//!
//! Reading of the WFR paragraph: the WFR rule *replaces* MW's rule for P
//! (with both, a session with two writes could violate WFR, contradicting
//! "No session with a read followed by a write, no violation").
//!
//! Each guarantee holds iff some world (see `common`) meets it.

use super::common::{Model, Src, World, cyclic, exists_world, reads_of, writes};

fn rf_write(w: &World, r: usize) -> Option<usize> {
    match w.rf[r] {
        Some(Src::Write(x)) => Some(x),
        _ => None,
    }
}

pub fn read_your_writes(m: &Model) -> bool {
    exists_world(m, |w| {
        (0..m.processes).all(|s| {
            let n = m.ops.len();
            let mut edges = vec![vec![false; n]; n];
            for r in reads_of(m, s) {
                for wr in writes(m, &w.effective) {
                    if m.ops[wr].process != s || m.ops[wr].key != m.ops[r].key || !m.so[wr][r] {
                        continue;
                    }
                    match w.rf[r] {
                        Some(Src::Write(src)) if src == wr => {}
                        Some(Src::Write(src)) => edges[wr][src] = true,
                        _ => return false, // reads the initial state
                    }
                }
            }
            !cyclic(&edges)
        })
    })
}

pub fn monotonic_reads(m: &Model) -> bool {
    exists_world(m, |w| {
        (0..m.processes).all(|s| {
            let n = m.ops.len();
            let mut edges = vec![vec![false; n]; n];
            let rs = reads_of(m, s);
            for &r1 in &rs {
                for &r2 in &rs {
                    if !m.so[r1][r2] || m.ops[r1].key != m.ops[r2].key {
                        continue;
                    }
                    let Some(a) = rf_write(w, r1) else { continue };
                    match rf_write(w, r2) {
                        None => return false, // back to the initial state
                        Some(b) if a != b => edges[a][b] = true,
                        Some(_) => {}
                    }
                }
            }
            !cyclic(&edges)
        })
    })
}

/// O(r): the writes read by r's session up to and including r.
fn observed(m: &Model, w: &World, r: usize) -> Vec<usize> {
    reads_of(m, m.ops[r].process)
        .into_iter()
        .filter(|&r1| r1 == r || m.so[r1][r])
        .filter_map(|r1| rf_write(w, r1))
        .collect()
}

/// The by-observation rules (a) and (b) for every read, given the rule
/// that grows P(r) (`pred_of(w2)`: writes that must precede w2) and the
/// order `older(w′, w)` of rule (b).
fn by_observation(
    m: &Model,
    w: &World,
    pred_of: &dyn Fn(usize) -> Vec<usize>,
    older: &dyn Fn(usize, usize) -> bool,
) -> bool {
    for s in 0..m.processes {
        for r in reads_of(m, s) {
            let o = observed(m, w, r);
            // P(r) by fixpoint.
            let mut p: Vec<usize> = Vec::new();
            loop {
                let k: Vec<usize> = o.iter().chain(&p).copied().collect();
                let before = p.len();
                for w2 in k {
                    for w1 in pred_of(w2) {
                        if !p.contains(&w1) {
                            p.push(w1);
                        }
                    }
                }
                if p.len() == before {
                    break;
                }
            }
            let x = m.ops[r].key;
            match rf_write(w, r) {
                None => {
                    if p.iter().any(|&w1| m.ops[w1].key == x) {
                        return false; // (a)
                    }
                }
                Some(w_prime) => {
                    if o.iter()
                        .chain(&p)
                        .any(|&wk| m.ops[wk].key == x && older(w_prime, wk))
                    {
                        return false; // (b)
                    }
                }
            }
        }
    }
    true
}

pub fn monotonic_writes(m: &Model) -> bool {
    exists_world(m, |w| {
        let ws = writes(m, &w.effective);
        let pred_of =
            |w2: usize| -> Vec<usize> { ws.iter().copied().filter(|&w1| m.so[w1][w2]).collect() };
        by_observation(m, w, &pred_of, &|a, b| m.so[a][b])
    })
}

pub fn writes_follow_reads(m: &Model) -> bool {
    exists_world(m, |w| {
        let n = m.ops.len();
        let ws = writes(m, &w.effective);
        // E: w0 E w when w0 rf r″ so w.
        let mut e = vec![vec![false; n]; n];
        for &wr in &ws {
            for r2 in reads_of(m, m.ops[wr].process) {
                if let (true, Some(w0)) = (m.so[r2][wr], rf_write(w, r2)) {
                    e[w0][wr] = true;
                }
            }
        }
        if cyclic(&e) {
            return false;
        }
        let e_plus = super::common::closure(e.clone());
        let pred_of = |w2: usize| -> Vec<usize> { (0..n).filter(|&w0| e[w0][w2]).collect() };
        by_observation(m, w, &pred_of, &|a, b| e_plus[a][b])
    })
}
