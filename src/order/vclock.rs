//! Vector clocks: one entry per session, for the transitive closure of a
//! DAG made of the session chains plus extra edges (reads-from, forced
//! orders). Computed in topological order (Kahn), so causal order
//! co = (so ∪ rf)⁺ costs O((n + e)·k) time and n·k words for k sessions
//! (Bouajjani, Enea, Guerraoui, Hamza, "On verifying causal consistency",
//! POPL 2017, §5; the same representation AWDIT uses).
//!
//! Entry `j` of an operation's clock is the number of counted operations of
//! session `j` in its past, the operation itself included. Because every
//! session is a chain in the DAG, a past is a union of session prefixes, so
//! `a` is in the past of `b` iff `clock(b)[session(a)] > pos(a)`: one lookup.
//!
//! Lamport clocks ([`lamport`]) give a total order consistent with the DAG
//! where a check needs one (e.g. to lay out evidence).

use crate::history::{History, OpId};
use crate::order::relations::{ReadFrom, Registers};

/// Extra predecessor lists per operation, in compressed form.
#[derive(Clone, Debug, Default)]
pub struct Preds {
    offsets: Vec<u32>,
    items: Vec<OpId>,
}

impl Preds {
    /// Builds the lists from `(target, source)` pairs for `n` operations.
    pub fn from_pairs(n: usize, pairs: &[(OpId, OpId)]) -> Preds {
        let mut offsets = vec![0u32; n + 1];
        for (t, _) in pairs {
            offsets[t.index() + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut items = vec![OpId(0); pairs.len()];
        for (t, s) in pairs {
            items[fill[t.index()] as usize] = *s;
            fill[t.index()] += 1;
        }
        Preds { offsets, items }
    }

    /// Extra predecessors of `op`.
    #[inline]
    pub fn of(&self, op: OpId) -> &[OpId] {
        let i = op.index();
        &self.items[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Reads-from pairs `(read, write)` for counted reads accepted by `keep`.
pub fn rf_pairs(
    history: &History,
    reg: &Registers,
    keep: impl Fn(OpId) -> bool,
) -> Vec<(OpId, OpId)> {
    history
        .ops()
        .iter()
        .filter_map(|op| match reg.read_from(op.id) {
            Some(ReadFrom::Write(w)) if keep(op.id) => Some((op.id, w)),
            _ => None,
        })
        .collect()
}

/// Vector clocks of every counted operation.
#[derive(Clone, Debug)]
pub struct Clocks {
    /// Number of sessions (entries per clock).
    pub k: usize,
    data: Vec<u32>,
}

impl Clocks {
    /// The clock of `op` (all zeros for operations not counted).
    #[inline]
    pub fn of(&self, op: OpId) -> &[u32] {
        &self.data[op.index() * self.k..(op.index() + 1) * self.k]
    }

    /// True when `a` is in the past of `b` (or is `b`).
    #[inline]
    pub fn before_or_eq(&self, history: &History, reg: &Registers, a: OpId, b: OpId) -> bool {
        let s = history.op(a).process.index();
        self.data[b.index() * self.k + s] > reg.pos[a.index()]
    }
}

/// Computes the clocks of the DAG "session chains + `preds`" over the
/// counted operations. On a cycle, returns the operations that could not be
/// ordered (every cycle lies among them).
pub fn clocks(history: &History, reg: &Registers, preds: &Preds) -> Result<Clocks, Vec<OpId>> {
    let n = history.len();
    let k = history.process_count().max(1);
    let order = topological_order(history, reg, preds)?;
    let mut data = vec![0u32; n * k];
    let mut row = vec![0u32; k];
    for op in order {
        row.iter_mut().for_each(|x| *x = 0);
        if let Some(p) = reg.so_pred(history, op) {
            row.copy_from_slice(&data[p.index() * k..(p.index() + 1) * k]);
        }
        for &q in preds.of(op) {
            let src = &data[q.index() * k..(q.index() + 1) * k];
            for (x, y) in row.iter_mut().zip(src) {
                if *y > *x {
                    *x = *y;
                }
            }
        }
        row[history.op(op).process.index()] = reg.pos[op.index()] + 1;
        data[op.index() * k..(op.index() + 1) * k].copy_from_slice(&row);
    }
    Ok(Clocks { k, data })
}

/// A topological order of the counted operations under session chains and
/// `preds` (Kahn's algorithm), or the operations left on a cycle.
pub fn topological_order(
    history: &History,
    reg: &Registers,
    preds: &Preds,
) -> Result<Vec<OpId>, Vec<OpId>> {
    let n = history.len();
    let mut indeg = vec![0u32; n];
    let mut succ_count = vec![0u32; n + 1];
    for op in history.ops() {
        if !reg.counted(op.id) {
            continue;
        }
        let extra = preds.of(op.id);
        indeg[op.id.index()] = extra.len() as u32 + u32::from(reg.pos[op.id.index()] > 0);
        for &p in extra {
            succ_count[p.index() + 1] += 1;
        }
    }
    for i in 0..n {
        succ_count[i + 1] += succ_count[i];
    }
    let mut fill = succ_count.clone();
    let mut succ = vec![OpId(0); preds.len()];
    for op in history.ops() {
        if !reg.counted(op.id) {
            continue;
        }
        for &p in preds.of(op.id) {
            succ[fill[p.index()] as usize] = op.id;
            fill[p.index()] += 1;
        }
    }
    let mut stack: Vec<OpId> = history
        .ops()
        .iter()
        .filter(|op| reg.counted(op.id) && indeg[op.id.index()] == 0)
        .map(|op| op.id)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(op) = stack.pop() {
        order.push(op);
        let o = history.op(op);
        let session = &reg.sessions[o.process.index()];
        let next = session.get(reg.pos[op.index()] as usize + 1);
        for &s in next
            .into_iter()
            .chain(&succ[succ_count[op.index()] as usize..succ_count[op.index() + 1] as usize])
        {
            indeg[s.index()] -= 1;
            if indeg[s.index()] == 0 {
                stack.push(s);
            }
        }
    }
    let counted = reg.sessions.iter().map(Vec::len).sum::<usize>();
    if order.len() == counted {
        Ok(order)
    } else {
        Err(history
            .ops()
            .iter()
            .filter(|op| reg.counted(op.id) && indeg[op.id.index()] > 0)
            .map(|op| op.id)
            .collect())
    }
}

/// Lamport clocks: `lamport[op]` exceeds the clock of every predecessor, so
/// sorting by it gives a total order consistent with the DAG. `None` on a
/// cycle.
pub fn lamport(history: &History, reg: &Registers, preds: &Preds) -> Option<Vec<u64>> {
    let order = topological_order(history, reg, preds).ok()?;
    let mut clock = vec![0u64; history.len()];
    for op in order {
        let mut c = reg.so_pred(history, op).map_or(0, |p| clock[p.index()]);
        for &q in preds.of(op) {
            c = c.max(clock[q.index()]);
        }
        clock[op.index()] = c + 1;
    }
    Some(clock)
}
