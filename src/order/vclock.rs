//! Vector clocks: one entry per session, for the transitive closure of a
//! DAG made of the session chains plus extra edges (reads-from, forced
//! orders). Computed in topological order (Kahn), so causal order
//! co = (so ∪ rf)⁺ costs O((n + e)·k) time and w·k words for k sessions
//! and w writes
//! (Bouajjani, Enea, Guerraoui, Hamza, "On verifying causal consistency",
//! POPL 2017, §5; the same representation AWDIT uses).
//!
//! Entry `j` of an operation's clock is the number of counted operations of
//! session `j` in its past, the operation itself included. Because every
//! session is a chain in the DAG, a past is a union of session prefixes, so
//! `a` is in the past of `b` iff `clock(b)[session(a)] > pos(a)`: one lookup.
//!
//! Layout: only writes have stored rows (a read's clock is the join of its
//! session predecessor's and its source's, computed while a session is
//! walked, [`SessionClock`]); the rows are stored session by session, in
//! session order, in one flat vector (operations that are not counted
//! share one zero row), so a scan along a session reads consecutive
//! memory. At 10M operations (5M writes) and 64 sessions the clocks are
//! 1.3 GB and the cost of the checks is dominated by cache and TLB misses
//! on the rows of the writes a read depends on (BENCHMARKS.md).
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

/// Vector clocks of the counted operations, stored for the writes only;
/// the clock of a read is computed on the way by [`SessionClock`], as the
/// join of the previous operation's clock in its session with its extra
/// predecessors' rows. Half of a typical history is reads, so this halves
/// the n·k array. Extra predecessors must be writes (reads-from sources,
/// forced write orders).
///
/// Rows are stored session by session, each session's writes in session
/// order, so that walking a session's operations walks memory forwards
/// (the scans of `check::scan` and `check::views` do), and the row
/// of a session's i-th write is found without its id.
#[derive(Clone, Debug)]
pub struct Clocks {
    /// Number of sessions (entries per clock).
    pub k: usize,
    /// Row of each operation: its own for writes, a shared zero row for
    /// operations not counted, [`NO_ROW`] for reads.
    row: Vec<u32>,
    /// First row of each session.
    session_row: Vec<u32>,
    data: Vec<u32>,
    /// The extra predecessors the clocks were computed with.
    preds: Preds,
}

/// The row of a counted operation whose clock is not stored.
const NO_ROW: u32 = u32::MAX;

impl Clocks {
    /// The clock of `op`, a counted write or an operation not counted
    /// (all zeros). The clocks of reads come from [`SessionClock`].
    ///
    /// # Panics
    ///
    /// When `op` is a counted read: a caller's bug, not an input error.
    #[inline]
    pub fn of(&self, op: OpId) -> &[u32] {
        let row = self.row[op.index()];
        assert!(row != NO_ROW, "the clock of the read {op:?} is not stored");
        self.row_data(row)
    }

    /// The clock of the `index`-th counted write of `session`.
    #[inline]
    pub fn of_write(&self, session: u32, index: u32) -> &[u32] {
        self.row_data(self.session_row[session as usize] + index)
    }

    #[inline]
    fn row_data(&self, row: u32) -> &[u32] {
        let start = row as usize * self.k;
        &self.data[start..start + self.k]
    }

    /// True when the clock of `op` is stored ([`Clocks::of`] answers).
    #[inline]
    pub fn has_row(&self, op: OpId) -> bool {
        self.row[op.index()] != NO_ROW
    }

    /// True when `a` is in the past of `b` (or is `b`); `b`'s clock must
    /// be stored.
    #[inline]
    pub fn before_or_eq(&self, reg: &Registers, a: OpId, b: OpId) -> bool {
        let s = reg.session_of[a.index()] as usize;
        self.of(b)[s] > reg.pos[a.index()]
    }
}

/// The clock of each operation of one session in turn, stored or not:
/// call [`SessionClock::advance`] with every counted operation of the
/// session, in session order (`Registers::sessions`), from the first.
#[derive(Clone, Debug, Default)]
pub struct SessionClock {
    current: Vec<u32>,
}

impl SessionClock {
    /// Moves to `op`, the next counted operation of the session being
    /// walked (its first one restarts the walk), and returns its clock.
    #[inline]
    pub fn advance(&mut self, clocks: &Clocks, reg: &Registers, op: OpId) -> &[u32] {
        let i = op.index();
        if self.current.len() != clocks.k {
            self.current = vec![0; clocks.k];
        }
        if clocks.has_row(op) {
            self.current.copy_from_slice(clocks.of(op));
        } else {
            if reg.pos[i] == 0 {
                self.current.fill(0);
            }
            join_into(&mut self.current, clocks, clocks.preds.of(op));
            self.current[reg.session_of[i] as usize] = reg.pos[i] + 1;
        }
        &self.current
    }
}

/// `current` := `current` ⊔ the rows of `preds`.
#[inline]
fn join_into(current: &mut [u32], clocks: &Clocks, preds: &[OpId]) {
    for &q in preds {
        for (x, y) in current.iter_mut().zip(clocks.of(q)) {
            *x = (*x).max(*y);
        }
    }
}

/// Computes the clocks of the DAG "session chains + `preds`" over the
/// counted operations. On a cycle, returns the operations that could not be
/// ordered (every cycle lies among them).
pub fn clocks(history: &History, reg: &Registers, preds: Preds) -> Result<Clocks, Vec<OpId>> {
    let n = history.len();
    let k = reg.sessions.len().max(1);
    let order = topological_order(history, reg, &preds)?;
    assert!(
        preds.items.iter().all(|&q| reg.is_write(q)),
        "extra predecessors must be counted writes"
    );
    let mut row = vec![NO_ROW; n];
    let mut session_row = Vec::with_capacity(reg.sessions.len() + 1);
    let mut rows = 0u32;
    for s in &reg.sessions {
        session_row.push(rows);
        for &op in s {
            if reg.is_write(op) {
                row[op.index()] = rows;
                rows += 1;
            }
        }
    }
    session_row.push(rows);
    // The shared zero row of uncounted operations comes last.
    for (i, r) in row.iter_mut().enumerate() {
        if !reg.counted(OpId(i as u32)) {
            *r = rows;
        }
    }
    let mut clk = Clocks {
        k,
        row,
        session_row,
        data: vec![0u32; (rows as usize + 1) * k],
        preds,
    };
    // The clock of each session's latest operation so far.
    let mut running = vec![0u32; k * k];
    for op in order {
        let i = op.index();
        let s = reg.session_of[i] as usize;
        let session_clock = &mut running[s * k..(s + 1) * k];
        join_into(session_clock, &clk, clk.preds.of(op));
        session_clock[s] = reg.pos[i] + 1;
        if clk.has_row(op) {
            let r = clk.row[i] as usize;
            clk.data[r * k..(r + 1) * k].copy_from_slice(session_clock);
        }
        // A detached session starts from its parent's clock.
        for child in reg.children_of(op) {
            let c = child as usize;
            running.copy_within(s * k..(s + 1) * k, c * k);
        }
    }
    Ok(clk)
}

/// A topological order of the counted operations under session chains and
/// `preds` (Kahn's algorithm), or the operations left on a cycle.
pub fn topological_order(
    history: &History,
    reg: &Registers,
    preds: &Preds,
) -> Result<Vec<OpId>, Vec<OpId>> {
    let n = history.len();
    // Fast path: recorded histories usually list operations so that every
    // predecessor has a smaller id; then id order is topological and, being
    // close to time order, keeps the clock rows touched together in cache.
    let in_id_order = history.ops().iter().all(|op| {
        !reg.counted(op.id)
            || (reg.so_pred(history, op.id).is_none_or(|p| p < op.id)
                && preds.of(op.id).iter().all(|&p| p < op.id))
    });
    if in_id_order {
        return Ok(history
            .ops()
            .iter()
            .map(|op| op.id)
            .filter(|&id| reg.counted(id))
            .collect());
    }
    let mut indeg = vec![0u32; n];
    let mut succ_count = vec![0u32; n + 1];
    for op in history.ops() {
        if !reg.counted(op.id) {
            continue;
        }
        let extra = preds.of(op.id);
        indeg[op.id.index()] =
            extra.len() as u32 + u32::from(reg.so_pred(history, op.id).is_some());
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
    // A FIFO queue keeps the order close to id (time) order, which keeps
    // memory access to clock rows local.
    let mut queue: std::collections::VecDeque<OpId> = history
        .ops()
        .iter()
        .filter(|op| reg.counted(op.id) && indeg[op.id.index()] == 0)
        .map(|op| op.id)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(op) = queue.pop_front() {
        order.push(op);
        let session = &reg.sessions[reg.session_of[op.index()] as usize];
        let next = session.get(reg.pos[op.index()] as usize + 1).copied();
        let detached = reg.children_of(op).map(|c| reg.sessions[c as usize][0]);
        for s in next.into_iter().chain(detached).chain(
            succ[succ_count[op.index()] as usize..succ_count[op.index() + 1] as usize]
                .iter()
                .copied(),
        ) {
            indeg[s.index()] -= 1;
            if indeg[s.index()] == 0 {
                queue.push_back(s);
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
