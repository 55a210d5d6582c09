//! The per-session view engine PRAM (`check::pram`) and causal memory
//! (`check::causal`) share: for each observing session, a saturated
//! constraint graph whose cycle or forced stale initial read is a
//! violation of that session's view.
//!
//! # Algorithm
//!
//! For each observing session `s`, the constraint graph `G_s` is a *base*
//! order (every session's order for PRAM; causal order co = (so ∪ rf)⁺ for
//! causal memory) plus extra edges: for PRAM the rf edges into the reads of
//! `s` (causal order already holds every rf edge), and the edges forced by
//! the one rule of a legal view: when a read `r` of `x` reads from `w`,
//! every other write of `x` that must precede `r` must also precede `w` (it
//! cannot sit between `w` and `r`). A read of the initial value with a
//! write of its key that must precede it, or a cycle, is a violation
//! ("WriteHBInitRead", "CyclicHB": Bouajjani et al.'s happens-before
//! patterns for causal memory, here with each model's own base order).
//! Saturation runs in rounds: each round computes reachability under the
//! edges found so far and scans the reads of `s` for new forced edges,
//! until none is new (at most [`ROUNDS_MAX`] rounds, beyond which that view
//! is undecided and the verdict *unknown* unless another view is violated).
//!
//! The views are never materialised over the whole history. Every extra
//! edge ends at a *target*: a write some read of `s` reads from, or (PRAM)
//! a read of `s`, or the detached write that follows its parent. The past
//! of any operation `v` in `G_s` is its base past joined with the pasts of
//! the latest target of each session inside it, so vector clocks are kept
//! for the targets only (about two per read of `s`), computed in one
//! topological pass over the targets per round (a target's predecessors
//! are the latest target of each session in its base past and in the base
//! past of each of its extra sources, the latest source per session; a
//! predecessor already inside the clock built so far is skipped, as its
//! past is too). A cycle among the targets is a cycle of `G_s`; its
//! evidence comes from the full constraint graph, computed only then.
//! Each read of `s` then costs one join per target entering its past, one
//! binary search per list (key, writing session) of its key, and one
//! clock entry per candidate forced edge: O(k · (|s| + t)) per view and
//! round for t targets, O(n·k) over all views, against O(k·n·k) per round
//! for materialised views (and O(n⁴) for Wei et al., TPDS 2016). Memory is
//! two k-entry rows per target of the views in progress, charged to the
//! run's memory budget. The views are independent and computed in
//! parallel (rayon), one per thread at a time, and reported in session
//! order; at most the first violation of each view is reported, as later
//! ones could be artifacts of it. Values written twice are handled as in
//! `order::relations` (violations hold for every choice of writer, else
//! *unknown*).

use crate::check::evidence::cyclic;
use crate::check::pattern::Pattern;
use crate::check::prepare::finish;
use crate::check::result::{GuaranteeResult, Violation};
use crate::check::scan::WriteLists;
use crate::check::sentence::{Part, Sentence};
use crate::check::shared::Shared;
use crate::guarantee::{Guarantee, Verdict};
use crate::history::{History, OpId, ProcessId};
use crate::order::edge::{Edge, EdgeLabel, Rule};
use crate::order::relations::{ReadFrom, Registers};
use crate::order::vclock::{Clocks, Preds, SessionClock, clocks, rf_pairs};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most saturation rounds per session before the engine gives up with an
/// honest *unknown*.
pub const ROUNDS_MAX: usize = 64;

/// Which base order views must respect.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ViewBase {
    /// Every session's order (PRAM).
    SessionOrder,
    /// Causal order (so ∪ rf)⁺ (causal memory).
    Causal,
}

/// The run's limits: its deadline, and its memory budget in bytes with
/// the gauge every check of the run charges.
#[derive(Copy, Clone, Debug, Default)]
pub struct ViewLimits<'a> {
    pub deadline: Option<std::time::Instant>,
    pub memory: Option<(u64, &'a AtomicU64)>,
    /// Stop once this many views are violated (`None`: check them all).
    pub want: Option<usize>,
}

/// Runs the per-session view engine. `co` may pass the causal clocks
/// (the base of [`ViewBase::Causal`]) to save computing them again.
/// `Err` carries the reason for an *unknown* verdict.
pub fn view_engine(
    history: &History,
    reg: &Registers,
    wl: &WriteLists,
    base: ViewBase,
    co: Option<&Clocks>,
    limits: ViewLimits<'_>,
) -> Result<ViewsFound, String> {
    let all_rf = rf_pairs(history, reg, |_| true);
    let owned;
    let co = match (base, co) {
        (ViewBase::SessionOrder, _) => None,
        (ViewBase::Causal, Some(c)) => Some(c),
        (ViewBase::Causal, None) => {
            match clocks(history, reg, Preds::from_pairs(history.len(), &all_rf)) {
                Ok(c) => {
                    owned = c;
                    Some(&owned)
                }
                Err(left) => {
                    return Ok(ViewsFound {
                        violations: cyclic(history, reg, &all_rf, &[], &left, Pattern::CyclicHB)
                            .into_iter()
                            .collect(),
                        note: None,
                    });
                }
            }
        }
    };
    let engine = Engine {
        history,
        reg,
        wl,
        base,
        co,
        limits,
        all_rf,
    };
    // Sessions in parallel, results in session order. A violation in any
    // view refutes the model even when another view was left undecided.
    // With `limits.want`, the views run in fixed chunks of sessions and
    // stop after the chunk in which that many were violated (the same
    // chunks on any number of threads).
    let sessions = reg.sessions.len();
    let chunk = if limits.want.is_some() {
        VIEW_CHUNK
    } else {
        sessions.max(1)
    };
    let mut out = Vec::new();
    let mut undecided = None;
    let mut done = 0;
    while done < sessions {
        let end = (done + chunk).min(sessions);
        let views: Vec<Result<Option<Violation>, String>> = (done..end)
            .into_par_iter()
            .map(|s| engine.view_of(s))
            .collect();
        for view in views {
            match view {
                Ok(found) => out.extend(found),
                Err(why) => {
                    undecided.get_or_insert(why);
                }
            }
        }
        done = end;
        if limits.want.is_some_and(|w| out.len() >= w) {
            break;
        }
    }
    let skipped = (done..sessions)
        .filter(|&s| !reg.sessions[s].iter().all(|&o| reg.is_write(o)))
        .count();
    let note = (skipped > 0).then(|| {
        format!(
            "the views of {skipped} more session(s) were not checked once {} were violated (--max-violations 0 checks them all)",
            out.len()
        )
    });
    match undecided {
        Some(why) if out.is_empty() => Err(why),
        _ => Ok(ViewsFound {
            violations: out,
            note,
        }),
    }
}

/// The result of `g` (PRAM or causal memory) from the view engine under
/// the run's limits: the violations found with the note on views left
/// unchecked, or *unknown* with the reason a view was undecided (unless
/// sanity violations settle it).
pub fn views_result(
    g: Guarantee,
    shared: &Shared<'_>,
    wl: &WriteLists,
    base: ViewBase,
    co: Option<&Clocks>,
) -> GuaranteeResult {
    let (history, prepared, config) = (shared.history, shared.prepared(), shared.config);
    let limits = ViewLimits {
        deadline: config.run_deadline(),
        memory: config
            .memory_max_bytes
            .map(|m| (m, &*config.memory_in_use_bytes)),
        want: config.violations_max.filter(|&m| m > 0),
    };
    match view_engine(history, &prepared.reg, wl, base, co, limits) {
        Ok(found) => {
            let mut r = finish(g, prepared, history, found.violations, config);
            if r.verdict == Verdict::Violated && r.reason.is_none() {
                r.reason = found.note;
            }
            r
        }
        Err(why) if prepared.sanity.is_empty() => GuaranteeResult::unknown(g, why),
        Err(_) => finish(g, prepared, history, Vec::new(), config),
    }
}

/// Sessions per chunk when the views stop early (see [`view_engine`]).
const VIEW_CHUNK: usize = 8;

/// What [`view_engine`] found: at most one violation per view, in session
/// order, and a note when views were left unchecked.
#[derive(Debug)]
pub struct ViewsFound {
    pub violations: Vec<Violation>,
    pub note: Option<String>,
}

/// What every view of one run shares.
struct Engine<'a> {
    history: &'a History,
    reg: &'a Registers,
    wl: &'a WriteLists,
    base: ViewBase,
    /// The causal clocks, for [`ViewBase::Causal`].
    co: Option<&'a Clocks>,
    limits: ViewLimits<'a>,
    all_rf: Vec<(OpId, OpId)>,
}

/// No target: see [`View::src_pred`].
const NO_TARGET: u32 = u32::MAX;
/// Look the predecessor up: see [`View::src_pred`].
const LOOK_UP: u32 = u32::MAX - 1;

/// One saturation round's outcome.
enum Round {
    /// The view is violated.
    Bad(Violation),
    /// This many forced pairs were added (none: the view is saturated).
    Added(usize),
}

/// The view of one session in progress: its targets (see the module docs)
/// with their extra sources and, after [`View::compute`], their clocks.
struct View {
    k: usize,
    /// Targets of session `u`: `t_start[u]..t_start[u + 1]`, positions
    /// ascending.
    t_start: Vec<u32>,
    t_pos: Vec<u32>,
    t_op: Vec<OpId>,
    /// Sessions with targets, ascending.
    with_targets: Vec<u32>,
    /// Per target and session: 1 + the latest position of an extra source
    /// (an operation with an edge to the target) in that session, 0 for
    /// none.
    src: Vec<u32>,
    /// Per target and session, for session order: the latest target of
    /// that session at or before the latest source ([`NO_TARGET`] for
    /// none, [`LOOK_UP`] when it must be looked up: detached writes, whose
    /// base past holds their parent).
    src_pred: Vec<u32>,
    /// Clock rows of the targets (entry `u`: 1 + the latest position of
    /// session `u` in the target's past).
    row: Vec<u32>,
    /// Per target: its clock is its causal clock (it owes nothing to the
    /// extra edges), so joining it adds nothing to a clock that holds the
    /// causal past. Causal order only.
    plain: Vec<bool>,
    /// Predecessor lists of the targets; those of targets with new
    /// sources are rebuilt each round.
    pred_start: Vec<u32>,
    preds: Vec<u32>,
    /// Per target: it has sources added since the last computation.
    dirty: Vec<bool>,
    /// The clocks, predecessor lists and order below are those of the
    /// last computation (false before the first).
    valid: bool,
    /// The targets in the topological order of the last full pass, and
    /// each target's index in it.
    order: Vec<u32>,
    ord: Vec<u32>,
}

impl View {
    /// Bytes a view with `targets` targets over `k` sessions holds: per
    /// target and session a clock entry, a source, its latest target and
    /// about one predecessor; per target its operation, position, flags
    /// and order.
    fn bytes(targets: usize, k: usize) -> u64 {
        (targets as u64) * (k as u64) * 16 + (targets as u64) * 24
    }

    #[inline]
    fn row(&self, t: usize) -> &[u32] {
        &self.row[t * self.k..(t + 1) * self.k]
    }

    /// The latest target of session `u` at a position below `limit`.
    #[inline]
    fn last_target(&self, u: usize, limit: u32) -> Option<usize> {
        let (lo, hi) = (self.t_start[u] as usize, self.t_start[u + 1] as usize);
        let c = self.t_pos[lo..hi].partition_point(|&p| p < limit);
        (c > 0).then(|| lo + c - 1)
    }

    /// The target index of `op`, which must be a target.
    #[inline]
    fn target(&self, reg: &Registers, op: OpId) -> usize {
        let u = reg.session_of[op.index()] as usize;
        let p = reg.pos[op.index()];
        let (lo, hi) = (self.t_start[u] as usize, self.t_start[u + 1] as usize);
        let i = lo + self.t_pos[lo..hi].partition_point(|&q| q < p);
        debug_assert!(i < hi && self.t_op[i] == op, "{op:?} is a target");
        i
    }

    /// Records the extra edge `from → to`, `to` a target.
    fn add_source(&mut self, reg: &Registers, to: OpId, from: OpId) {
        let t = self.target(reg, to);
        let u = reg.session_of[from.index()] as usize;
        let p = reg.pos[from.index()];
        let pred = if reg.parent[u].is_some() {
            LOOK_UP
        } else {
            self.last_target(u, p + 1).map_or(NO_TARGET, |y| y as u32)
        };
        self.add_source_at(t, u, p + 1, pred);
    }

    /// Records an extra edge to target `t` from the operation at 1-based
    /// position `p1` of session `u`, whose latest target is `pred`.
    #[inline]
    fn add_source_at(&mut self, t: usize, u: usize, p1: u32, pred: u32) {
        let i = t * self.k + u;
        if p1 > self.src[i] {
            self.src[i] = p1;
            self.src_pred[i] = pred;
            self.dirty[t] = true;
        }
    }
}

impl Engine<'_> {
    /// The view of session `s`: its violation, if any (the first found),
    /// or why it could not be decided.
    fn view_of(&self, s: usize) -> Result<Option<Violation>, String> {
        let (history, reg) = (self.history, self.reg);
        let session = &reg.sessions[s];
        if session.iter().all(|&o| reg.is_write(o)) {
            return Ok(None);
        }
        let mut view = self.targets_of(s);
        let bytes = View::bytes(view.t_op.len(), view.k);
        if let Some((max, gauge)) = self.limits.memory {
            let now = gauge.fetch_add(bytes, Ordering::Relaxed) + bytes;
            if now > max {
                gauge.fetch_sub(bytes, Ordering::Relaxed);
                return Err(format!(
                    "the view of session {} needs {} MB, over the memory budget (--max-memory)",
                    history.process_name(ProcessId(s as u32)),
                    bytes.div_ceil(1 << 20)
                ));
            }
        }
        let outcome = self.saturate(s, &mut view);
        if let Some((_, gauge)) = self.limits.memory {
            gauge.fetch_sub(bytes, Ordering::Relaxed);
        }
        outcome
    }

    /// The rounds of session `s`'s view.
    fn saturate(&self, s: usize, view: &mut View) -> Result<Option<Violation>, String> {
        let history = self.history;
        let mut forced: Vec<(OpId, OpId)> = Vec::new();
        for round in 0..ROUNDS_MAX {
            if self
                .limits
                .deadline
                .is_some_and(|d| std::time::Instant::now() >= d)
            {
                return Err(format!(
                    "the time budget ran out while deciding the view of session {} (round {round})",
                    history.process_name(ProcessId(s as u32))
                ));
            }
            if !self.compute(view) {
                return self.cycle_of(s, &forced);
            }
            match self.round(s, view, &mut forced) {
                Round::Bad(v) => return Ok(Some(v)),
                Round::Added(0) => return Ok(None),
                Round::Added(_) => {}
            }
        }
        Err(format!(
            "the view of session {} needed more than {ROUNDS_MAX} saturation rounds",
            history.process_name(ProcessId(s as u32))
        ))
    }

    /// The targets of session `s`'s view with their first extra edges.
    fn targets_of(&self, s: usize) -> View {
        let reg = self.reg;
        let k = reg.sessions.len();
        let mut ops: Vec<OpId> = Vec::new();
        for &r in &reg.sessions[s] {
            if let Some(ReadFrom::Write(w)) = reg.read_from(r) {
                ops.push(w);
                if self.base == ViewBase::SessionOrder {
                    ops.push(r);
                }
            }
        }
        ops.sort_by_key(|o| (reg.session_of[o.index()], reg.pos[o.index()]));
        ops.dedup();
        let mut t_start = vec![0u32; k + 1];
        for o in &ops {
            t_start[reg.session_of[o.index()] as usize + 1] += 1;
        }
        for u in 0..k {
            t_start[u + 1] += t_start[u];
        }
        let with_targets = (0..k as u32)
            .filter(|&u| t_start[u as usize] < t_start[u as usize + 1])
            .collect();
        let m = ops.len();
        let mut view = View {
            k,
            t_start,
            t_pos: ops.iter().map(|o| reg.pos[o.index()]).collect(),
            src: vec![0; ops.len() * k],
            src_pred: vec![NO_TARGET; ops.len() * k],
            row: vec![0; ops.len() * k],
            t_op: ops,
            with_targets,
            plain: Vec::new(),
            pred_start: Vec::new(),
            preds: Vec::new(),
            dirty: vec![false; m],
            valid: false,
            order: Vec::new(),
            ord: Vec::new(),
        };
        if self.base == ViewBase::SessionOrder {
            for &r in &reg.sessions[s] {
                if let Some(ReadFrom::Write(w)) = reg.read_from(r) {
                    view.add_source(reg, r, w);
                }
            }
        }
        view
    }

    /// The base past of `op` under session order, as `(session, 1 +
    /// position)` entries: the operation itself and, for a detached write,
    /// its parent. (Under causal order the base past is the causal clock.)
    fn session_entries(&self, op: OpId, mut f: impl FnMut(usize, u32)) {
        let reg = self.reg;
        let (u, p) = (reg.session_of[op.index()] as usize, reg.pos[op.index()]);
        f(u, p + 1);
        if p == 0
            && let Some(parent) = reg.parent[u]
        {
            f(
                reg.session_of[parent.index()] as usize,
                reg.pos[parent.index()] + 1,
            );
        }
    }

    /// For each session with targets, the latest target inside the base
    /// past of `op` (strictly before `op` itself when `strict`).
    fn base_preds(&self, view: &View, op: OpId, strict: bool, mut f: impl FnMut(usize)) {
        let reg = self.reg;
        let own = reg.session_of[op.index()] as usize;
        match self.co {
            Some(co) => {
                let c = co.of(op);
                for &u in &view.with_targets {
                    let u = u as usize;
                    let limit = if strict && u == own {
                        reg.pos[op.index()]
                    } else {
                        c[u]
                    };
                    if let Some(y) = view.last_target(u, limit) {
                        f(y);
                    }
                }
            }
            None => self.session_entries(op, |u, e| {
                let limit = if strict && u == own { e - 1 } else { e };
                if let Some(y) = view.last_target(u, limit) {
                    f(y);
                }
            }),
        }
    }

    /// Computes the clocks of the targets in one topological pass; false
    /// on a cycle.
    fn compute(&self, view: &mut View) -> bool {
        let reg = self.reg;
        let (k, m) = (view.k, view.t_op.len());
        if let Some(co) = self.co
            && view.src.iter().all(|&e| e == 0)
        {
            // No extra edge yet: every clock is the causal clock.
            for t in 0..m {
                view.row[t * k..(t + 1) * k].copy_from_slice(co.of(view.t_op[t]));
            }
            view.plain.clear();
            view.plain.resize(m, true);
            view.dirty.fill(false);
            return true;
        }
        // Predecessors: the latest target of each session in the base past
        // of the target and of each of its sources. After the first pass
        // only the targets with new sources get new lists.
        let full = !view.valid;
        let old_start = std::mem::take(&mut view.pred_start);
        let old_preds = std::mem::take(&mut view.preds);
        let mut pred_start = Vec::with_capacity(m + 1);
        let mut preds = Vec::with_capacity(old_preds.len() + m);
        pred_start.push(0);
        // Per session: how many of its targets lie in the base past of the
        // current target (first pass, causal order). The targets of one
        // session come in session order, so their base pasts only grow and
        // these only move forward.
        let mut seen = vec![0u32; k];
        let mut stamp = vec![0u32; m];
        let mut session = usize::MAX;
        for t in 0..m {
            if !full && !view.dirty[t] {
                let (lo, hi) = (old_start[t] as usize, old_start[t + 1] as usize);
                preds.extend_from_slice(&old_preds[lo..hi]);
                pred_start.push(preds.len() as u32);
                continue;
            }
            let from = preds.len();
            let op = view.t_op[t];
            let own = reg.session_of[op.index()] as usize;
            match self.co {
                Some(co) if full => {
                    if own != session {
                        session = own;
                        seen.fill(0);
                    }
                    let c = co.of(op);
                    for &u in &view.with_targets {
                        let u = u as usize;
                        let limit = if u == own { reg.pos[op.index()] } else { c[u] };
                        let (lo, hi) = (view.t_start[u] as usize, view.t_start[u + 1] as usize);
                        let before = lo + seen[u] as usize;
                        let mut i = before;
                        while i < hi && view.t_pos[i] < limit {
                            i += 1;
                        }
                        seen[u] = (i - lo) as u32;
                        // A latest target that has not moved since the
                        // previous target of this session is in that
                        // target's past already (it is a predecessor).
                        if i > before {
                            preds.push(i as u32 - 1);
                        }
                    }
                }
                _ => self.base_preds(view, op, true, |y| preds.push(y as u32)),
            }
            for u in 0..k {
                let e = view.src[t * k + u];
                if e == 0 {
                    continue;
                }
                match view.src_pred[t * k + u] {
                    NO_TARGET => {}
                    LOOK_UP => {
                        let a = reg.sessions[u][e as usize - 1];
                        self.base_preds(view, a, false, |y| preds.push(y as u32));
                    }
                    y if self.co.is_none() => preds.push(y),
                    _ => {
                        let a = reg.sessions[u][e as usize - 1];
                        self.base_preds(view, a, false, |y| preds.push(y as u32));
                    }
                }
            }
            // Each predecessor once.
            let mut w = from;
            for i in from..preds.len() {
                let y = preds[i] as usize;
                if stamp[y] != t as u32 + 1 {
                    stamp[y] = t as u32 + 1;
                    preds[w] = preds[i];
                    w += 1;
                }
            }
            preds.truncate(w);
            pred_start.push(preds.len() as u32);
        }
        view.pred_start = pred_start;
        view.preds = preds;
        let mut cur = vec![0u32; k];
        // The last order still holds when every new predecessor comes
        // before its target in it: recompute only the clocks that can
        // change, in that order.
        let incremental = !full
            && (0..m).filter(|&t| view.dirty[t]).all(|t| {
                let (lo, hi) = (view.pred_start[t] as usize, view.pred_start[t + 1] as usize);
                view.preds[lo..hi]
                    .iter()
                    .all(|&y| view.ord[y as usize] < view.ord[t])
            });
        if incremental {
            let mut changed = vec![false; m];
            for i in 0..m {
                let t = view.order[i] as usize;
                let (lo, hi) = (view.pred_start[t] as usize, view.pred_start[t + 1] as usize);
                if !view.dirty[t] && !view.preds[lo..hi].iter().any(|&y| changed[y as usize]) {
                    continue;
                }
                self.clock_of_target(view, t, &mut cur);
                if cur[..] != *view.row(t) {
                    changed[t] = true;
                    view.row[t * k..(t + 1) * k].copy_from_slice(&cur);
                    if let Some(co) = self.co {
                        view.plain[t] = cur == co.of(view.t_op[t]);
                    }
                }
            }
            view.dirty.fill(false);
            return true;
        }
        // Depth-first, clocks in post-order.
        let mut color = vec![0u8; m];
        let mut stack: Vec<(u32, u32)> = Vec::new();
        view.plain.clear();
        view.plain.resize(m, false);
        view.order.clear();
        view.ord.clear();
        view.ord.resize(m, 0);
        for root in 0..m {
            if color[root] != 0 {
                continue;
            }
            color[root] = 1;
            stack.push((root as u32, 0));
            while let Some(top) = stack.last_mut() {
                let t = top.0 as usize;
                let (lo, hi) = (view.pred_start[t] as usize, view.pred_start[t + 1] as usize);
                let i = lo + top.1 as usize;
                if i < hi {
                    top.1 += 1;
                    let y = view.preds[i] as usize;
                    match color[y] {
                        0 => {
                            color[y] = 1;
                            stack.push((y as u32, 0));
                        }
                        1 => return false,
                        _ => {}
                    }
                    continue;
                }
                stack.pop();
                color[t] = 2;
                self.clock_of_target(view, t, &mut cur);
                view.row[t * k..(t + 1) * k].copy_from_slice(&cur);
                if let Some(co) = self.co {
                    view.plain[t] = cur == co.of(view.t_op[t]);
                }
                view.ord[t] = view.order.len() as u32;
                view.order.push(t as u32);
            }
        }
        view.dirty.fill(false);
        view.valid = true;
        true
    }

    /// The clock of target `t`, its predecessors' clocks being known.
    fn clock_of_target(&self, view: &View, t: usize, cur: &mut [u32]) {
        let (reg, k) = (self.reg, view.k);
        cur.fill(0);
        let (lo, hi) = (view.pred_start[t] as usize, view.pred_start[t + 1] as usize);
        for &y in &view.preds[lo..hi] {
            let y = y as usize;
            let yo = view.t_op[y];
            // A predecessor already in the past holds nothing new: the
            // clock joined so far is an exact past that contains it.
            if view.plain[y] || cur[reg.session_of[yo.index()] as usize] > reg.pos[yo.index()] {
                continue;
            }
            join(cur, view.row(y));
        }
        // The base pasts last: they are not closed under the extra edges,
        // so they must not make a predecessor look included.
        self.base_join(view.t_op[t], cur);
        for u in 0..k {
            let e = view.src[t * k + u];
            if e > 0 {
                self.base_join(reg.sessions[u][e as usize - 1], cur);
            }
        }
    }

    /// `cur` := `cur` ⊔ the base past of `op`.
    fn base_join(&self, op: OpId, cur: &mut [u32]) {
        match self.co {
            Some(co) => join(cur, co.of(op)),
            None => self.session_entries(op, |u, e| cur[u] = cur[u].max(e)),
        }
    }

    /// Entry `j` of the clock of `op` (a write) in the view.
    fn entry(&self, view: &View, op: OpId, j: usize) -> u32 {
        let mut e = match self.co {
            Some(co) => co.of(op)[j],
            None => {
                let mut e = 0;
                self.session_entries(op, |u, x| {
                    if u == j {
                        e = e.max(x);
                    }
                });
                e
            }
        };
        self.base_preds(view, op, false, |y| e = e.max(view.row(y)[j]));
        e
    }

    /// One saturation round of session `s`'s view: a bad read, or the
    /// forced pairs it adds.
    fn round(&self, s: usize, view: &mut View, forced: &mut Vec<(OpId, OpId)>) -> Round {
        let (history, reg, wl, k) = (self.history, self.reg, self.wl, view.k);
        // The clock of the current operation of `s`, and per session the
        // number of its targets joined into it.
        let mut cur = vec![0u32; k];
        let mut seen = vec![0u32; k];
        let mut walk = SessionClock::default();
        // Per list: 1 + the position of its last write in the past of the
        // current read (0: none); per session, its next write not yet in
        // that past. The past only grows along `s`, so each session's
        // writes are replayed into their lists once (as in `check::scan`).
        let mut last_of_list = vec![0u32; wl.list_count()];
        // Per list: the latest target of its session at or before that
        // write (session order only); per session, how many of its
        // targets lie at or before its last replayed write.
        let chains = self.co.is_none();
        let mut last_target_of_list = vec![NO_TARGET; if chains { wl.list_count() } else { 0 }];
        let mut tcur = vec![0u32; k];
        let mut cursor = vec![0u32; k];
        // The source's clock, and the candidate forced edges of one read
        // (session, position, latest target: see `View::src_pred`).
        let mut floor_row = vec![0u32; k];
        let mut cands: Vec<(u32, u32, u32)> = Vec::new();
        let mut targets: Vec<usize> = Vec::new();
        let next_of = |j: usize, c: u32| {
            wl.writes_of_session(j)
                .get(c as usize)
                .map_or(u32::MAX, |&(p, _)| p)
        };
        let mut next_pos: Vec<u32> = (0..k).map(|j| next_of(j, 0)).collect();
        let mut added = 0usize;
        for &r in &reg.sessions[s] {
            match self.co {
                Some(co) => join(&mut cur, walk.advance(co, reg, r)),
                None => self.session_entries(r, |u, e| cur[u] = cur[u].max(e)),
            }
            for &u in &view.with_targets {
                let u = u as usize;
                let (lo, hi) = (view.t_start[u] as usize, view.t_start[u + 1] as usize);
                let mut i = lo + seen[u] as usize;
                let before = i;
                while i < hi && view.t_pos[i] < cur[u] {
                    i += 1;
                }
                if i > before {
                    seen[u] = (i - lo) as u32;
                    // A plain target's clock is inside the causal clock
                    // already joined.
                    if !view.plain[i - 1] {
                        join(&mut cur, view.row(i - 1));
                    }
                }
            }
            let Some(src) = reg.read_from(r) else {
                continue;
            };
            for j in 0..k {
                if cur[j] <= next_pos[j] {
                    continue;
                }
                let writes = wl.writes_of_session(j);
                let (tlo, thi) = (view.t_start[j] as usize, view.t_start[j + 1] as usize);
                let mut c = cursor[j] as usize;
                while let Some(&(p, list)) = writes.get(c) {
                    if p >= cur[j] {
                        break;
                    }
                    last_of_list[list as usize] = p + 1;
                    if chains {
                        let mut ti = tlo + tcur[j] as usize;
                        while ti < thi && view.t_pos[ti] <= p {
                            ti += 1;
                        }
                        tcur[j] = (ti - tlo) as u32;
                        last_target_of_list[list as usize] =
                            if ti > tlo { ti as u32 - 1 } else { NO_TARGET };
                    }
                    c += 1;
                }
                cursor[j] = c as u32;
                next_pos[j] = next_of(j, cursor[j]);
            }
            let floor = match src {
                ReadFrom::Write(w) => {
                    let tw = view.target(reg, w);
                    floor_row.copy_from_slice(view.row(tw));
                    Some((w, tw))
                }
                ReadFrom::Initial => None,
            };
            cands.clear();
            let key = reg.key_of[r.index()] as usize;
            for list in wl.lists_of_key(key) {
                let Some(last) = last_of_list[list].checked_sub(1) else {
                    continue;
                };
                let u = wl.session_of_list(list) as usize;
                let lw = reg.sessions[u][last as usize];
                match floor {
                    None => {
                        return Round::Bad(violation(
                            history,
                            s,
                            self.base,
                            Pattern::WriteHBInitRead,
                            lw,
                            None,
                            r,
                        ));
                    }
                    // Last writes in the source's past are left out.
                    Some(_) if floor_row[u] > last => {}
                    Some((w, _)) => {
                        let ws = reg.session_of[w.index()] as usize;
                        let detached = reg.parent[u].is_some();
                        let lt = if chains && !detached {
                            last_target_of_list[list]
                        } else {
                            LOOK_UP
                        };
                        // The clock entry of `lw` for `w`'s session: under
                        // session order, its own position and its latest
                        // target's clock.
                        let e = match lt {
                            LOOK_UP => self.entry(view, lw, ws),
                            NO_TARGET => u32::from(ws == u) * (last + 1),
                            y => view.row(y as usize)[ws].max(u32::from(ws == u) * (last + 1)),
                        };
                        if e > reg.pos[w.index()] {
                            return Round::Bad(violation(
                                history,
                                s,
                                self.base,
                                Pattern::CyclicHB,
                                lw,
                                Some(w),
                                r,
                            ));
                        }
                        cands.push((u as u32, last, lt));
                    }
                }
            }
            let Some((w, tw)) = floor else {
                continue;
            };
            // The forced edges `lw → w`. A last write that is a target is
            // added first; a last write in session order before a source
            // of `w` or of such a target is then implied (`lw → a → w`)
            // and not added again: the closure, hence every later round,
            // is the same, and the edges stay O(n·k) instead of growing
            // with each read of the same key (its writes read earlier are
            // targets whose sources cover the older last writes).
            targets.clear();
            if chains {
                for &(u, last, lt) in &cands {
                    if lt < LOOK_UP && view.t_pos[lt as usize] == last {
                        targets.push(lt as usize);
                        forced.push((w, reg.sessions[u as usize][last as usize]));
                        view.add_source_at(tw, u as usize, last + 1, lt);
                        added += 1;
                    }
                }
            }
            for &(u, last, lt) in &cands {
                let u = u as usize;
                if chains && lt < LOOK_UP && view.t_pos[lt as usize] == last {
                    continue;
                }
                let covered = chains
                    && (view.src[tw * k + u] > last
                        || targets.iter().any(|&c| view.src[c * k + u] > last));
                if !covered {
                    forced.push((w, reg.sessions[u][last as usize]));
                    view.add_source_at(tw, u, last + 1, lt);
                    added += 1;
                }
            }
        }
        Round::Added(added)
    }

    /// The cycle of session `s`'s constraint graph under `forced`, from
    /// the full graph (computed only when the targets found one).
    fn cycle_of(&self, s: usize, forced: &[(OpId, OpId)]) -> Result<Option<Violation>, String> {
        let (history, reg) = (self.history, self.reg);
        let base_rf: Vec<(OpId, OpId)> = match self.base {
            ViewBase::Causal => self.all_rf.clone(),
            ViewBase::SessionOrder => self
                .all_rf
                .iter()
                .copied()
                .filter(|(r, _)| reg.session_of[r.index()] as usize == s)
                .collect(),
        };
        let mut pairs = base_rf.clone();
        pairs.extend_from_slice(forced);
        match clocks(history, reg, Preds::from_pairs(history.len(), &pairs)) {
            Err(left) => {
                let f: Vec<(OpId, OpId, Rule)> = forced
                    .iter()
                    .map(|(t, src)| (*t, *src, Rule::LegalView))
                    .collect();
                Ok(cyclic(history, reg, &base_rf, &f, &left, Pattern::CyclicHB))
            }
            Ok(_) => Err(format!(
                "internal inconsistency: the view of session {} has a cycle among its targets but not in full",
                history.process_name(ProcessId(s as u32))
            )),
        }
    }
}

/// `cur` := `cur` ⊔ `other`.
#[inline]
fn join(cur: &mut [u32], other: &[u32]) {
    for (x, y) in cur.iter_mut().zip(other) {
        *x = (*x).max(*y);
    }
}

fn violation(
    history: &History,
    s: usize,
    base: ViewBase,
    pattern: Pattern,
    lw: OpId,
    w: Option<OpId>,
    r: OpId,
) -> Violation {
    let who = Part::Process(crate::history::ProcessId(s as u32));
    let base_text = match base {
        ViewBase::SessionOrder => "every session's order",
        ViewBase::Causal => "causal order",
    };
    let mut edges = vec![Edge {
        from: lw,
        to: r,
        label: EdgeLabel::Causal,
    }];
    let mut ops = vec![lw, r];
    let view = Sentence::new()
        .text("in ")
        .part(who.clone())
        .text("'s view, which must respect ")
        .text(base_text)
        .text(" and what ")
        .part(who)
        .text(" read, ")
        .write(lw);
    let explanation = match w {
        None => view.text(" comes before the read, yet ").read(r),
        Some(w) => {
            ops.insert(0, w);
            edges.push(Edge {
                from: w,
                to: r,
                label: EdgeLabel::ReadsFrom,
            });
            edges.push(Edge {
                from: w,
                to: lw,
                label: EdgeLabel::Causal,
            });
            view.text(" comes after ")
                .write(w)
                .text(" and before the read, yet ")
                .read(r)
        }
    };
    Violation {
        pattern,
        key: Some(history.op(r).key),
        ops,
        edges,
        explanation,
        partial_order: Vec::new(),
    }
}
