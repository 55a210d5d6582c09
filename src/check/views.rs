//! The per-session view engine PRAM (`check::pram`) and causal memory
//! (`check::causal`) share: for each observing session, a saturated
//! constraint graph whose cycle or forced stale initial read is a
//! violation of that session's view.
//!
//! # Algorithm
//!
//! For each observing session `s`, the constraint graph is: every session's
//! order, plus rf edges into the reads of `s` (for causal memory: every rf
//! edge, so that views respect (so ∪ rf)⁺). It is saturated with the one
//! forced rule of a legal view: when a read `r` of `x` reads from `w`, every
//! other write of `x` that must precede `r` must also precede `w` (it cannot
//! sit between `w` and `r`). A read of the initial value with a write of its
//! key that must precede it, or a cycle, is a violation ("WriteHBInitRead",
//! "CyclicHB": Bouajjani et al.'s happens-before patterns for causal memory,
//! here with each model's own base order). Because every session is a chain,
//! reachability is a vector clock per operation; each round recomputes the
//! clocks in topological order and adds, per read and writing session, the
//! edge from the last write of `x` that must precede the read (a pointer
//! that only moves forward, as in `check::scan`).
//!
//! Cost: O(k · R · (n + e) · k) time for k sessions, n operations, e edges
//! and R saturation rounds per session (R is small in practice; it is
//! capped by [`ROUNDS_MAX`], beyond which that view is undecided and the
//! verdict *unknown* unless another view is violated), against O(n⁴) for
//! Wei et al. (TPDS 2016); O(w·k) memory (the clock rows of the w writes)
//! per view in progress. The views are independent and computed in
//! parallel (rayon), one per thread at a time, and reported in session
//! order; at most the first violation of each view is reported, as later
//! ones could be artifacts of it. Values written twice are handled as in
//! `order::relations` (violations hold for every choice of writer, else
//! *unknown*).

use crate::check::evidence::cyclic;
use crate::check::pattern::Pattern;
use crate::check::result::Violation;
use crate::check::scan::{ScanState, WriteLists, scan_last_writes};
use crate::check::sentence::{Part, Sentence};
use crate::history::{History, OpId};
use crate::order::edge::{Edge, EdgeLabel, Rule};
use crate::order::relations::{ReadFrom, Registers};
use crate::order::vclock::{Clocks, Preds, clocks, rf_pairs};
use rayon::prelude::*;

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

/// Runs the per-session view engine. `co` may pass the causal clocks
/// (round 0 of [`ViewBase::Causal`]) to save one computation per session.
/// `Err` carries the reason for an *unknown* verdict.
pub fn view_engine(
    history: &History,
    reg: &Registers,
    wl: &WriteLists,
    base: ViewBase,
    co: Option<&Clocks>,
    deadline: Option<std::time::Instant>,
) -> Result<Vec<Violation>, String> {
    let engine = Engine {
        history,
        reg,
        wl,
        base,
        co,
        deadline,
        all_rf: rf_pairs(history, reg, |_| true),
    };
    // Sessions in parallel, results in session order. A violation in any
    // view refutes the model even when another view was left undecided.
    let views: Vec<Result<Option<Violation>, String>> = (0..reg.sessions.len())
        .into_par_iter()
        .map_init(|| ScanState::new(wl), |state, s| engine.view_of(s, state))
        .collect();
    let mut out = Vec::new();
    let mut undecided = None;
    for view in views {
        match view {
            Ok(found) => out.extend(found),
            Err(why) => {
                undecided.get_or_insert(why);
            }
        }
    }
    match undecided {
        Some(why) if out.is_empty() => Err(why),
        _ => Ok(out),
    }
}

/// What every view of one run shares.
struct Engine<'a> {
    history: &'a History,
    reg: &'a Registers,
    wl: &'a WriteLists,
    base: ViewBase,
    co: Option<&'a Clocks>,
    deadline: Option<std::time::Instant>,
    all_rf: Vec<(OpId, OpId)>,
}

/// One saturation round's outcome.
enum Round {
    /// The view is violated.
    Bad(Violation),
    /// This many forced pairs were added (none: the view is saturated).
    Added(usize),
}

impl Engine<'_> {
    /// The view of session `s`: its violation, if any (the first found),
    /// or why it could not be decided.
    fn view_of(&self, s: usize, state: &mut ScanState) -> Result<Option<Violation>, String> {
        let (history, reg) = (self.history, self.reg);
        let session = &reg.sessions[s];
        if session.iter().all(|&o| reg.is_write(o)) {
            return Ok(None);
        }
        let base_rf: Vec<(OpId, OpId)> = match self.base {
            ViewBase::Causal => self.all_rf.clone(),
            ViewBase::SessionOrder => self
                .all_rf
                .iter()
                .copied()
                .filter(|(r, _)| history.op(*r).process.index() == s)
                .collect(),
        };
        let mut forced: Vec<(OpId, OpId)> = Vec::new();
        for round in 0..ROUNDS_MAX {
            if self
                .deadline
                .is_some_and(|d| std::time::Instant::now() >= d)
            {
                return Err(format!(
                    "the time budget ran out while deciding the view of session {} (round {round})",
                    history.process_name(crate::history::ProcessId(s as u32))
                ));
            }
            let owned;
            let clk: &Clocks = match (round, self.base, self.co) {
                (0, ViewBase::Causal, Some(c)) => c,
                _ => {
                    let mut pairs = base_rf.clone();
                    pairs.extend_from_slice(&forced);
                    match clocks(history, reg, Preds::from_pairs(history.len(), &pairs)) {
                        Ok(c) => {
                            owned = c;
                            &owned
                        }
                        Err(left) => return Ok(self.cycle(&base_rf, &forced, &left)),
                    }
                }
            };
            match self.round(s, clk, state, &mut forced) {
                Round::Bad(v) => return Ok(Some(v)),
                Round::Added(0) => return Ok(None),
                Round::Added(_) => {}
            }
        }
        Err(format!(
            "the view of session {} needed more than {ROUNDS_MAX} saturation rounds",
            history.process_name(crate::history::ProcessId(s as u32))
        ))
    }

    /// One saturation round of session `s`'s view under `clk`: a bad read,
    /// or the forced pairs it adds.
    fn round(
        &self,
        s: usize,
        clk: &Clocks,
        state: &mut ScanState,
        forced: &mut Vec<(OpId, OpId)>,
    ) -> Round {
        let (history, reg, base) = (self.history, self.reg, self.base);
        state.reset(self.wl);
        let mut bad: Option<Violation> = None;
        let mut added = 0usize;
        scan_last_writes(reg, self.wl, clk, &reg.sessions[s], state, |r, _, last| {
            if bad.is_some() {
                return;
            }
            match reg.read_from(r) {
                Some(ReadFrom::Initial) => {
                    let lw = last.op(reg);
                    bad = Some(violation(
                        history,
                        s,
                        base,
                        Pattern::WriteHBInitRead,
                        lw,
                        None,
                        r,
                    ));
                }
                // Last writes in the source's past were left out.
                Some(ReadFrom::Write(w)) => {
                    let lw = last.op(reg);
                    if last.after_or_eq(clk, reg, w) {
                        bad = Some(violation(
                            history,
                            s,
                            base,
                            Pattern::CyclicHB,
                            lw,
                            Some(w),
                            r,
                        ));
                    } else {
                        forced.push((w, lw));
                        added += 1;
                    }
                }
                _ => {}
            }
        });
        match bad {
            Some(v) => Round::Bad(v),
            None => Round::Added(added),
        }
    }

    /// The cycle among `left` when the view's constraints cannot be
    /// ordered.
    fn cycle(
        &self,
        base_rf: &[(OpId, OpId)],
        forced: &[(OpId, OpId)],
        left: &[OpId],
    ) -> Option<Violation> {
        let f: Vec<(OpId, OpId, Rule)> = forced
            .iter()
            .map(|(t, src)| (*t, *src, Rule::LegalView))
            .collect();
        cyclic(self.history, self.reg, base_rf, &f, left, Pattern::CyclicHB)
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
