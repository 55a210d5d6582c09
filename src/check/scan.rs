//! The causal scan shared by weak causal consistency, writes-follow-reads,
//! causal memory, causal convergence and convergence: co = (so ∪ rf)⁺ as
//! vector clocks, and for every read the last write of each (key, session)
//! list inside its causal past (`check::weak_causal` states the definition
//! and its bad patterns).
//!
//! # Algorithm, O(n·k) time for k sessions
//!
//! Vector clocks in topological order give co (`order::vclock`; O(n·k)
//! time, w·k memory for w writes: rows are stored for writes only, session
//! by session, and a read's clock is a running join computed as its session
//! is scanned). The counted writes are grouped into *lists*, one per (key,
//! writing session). Each reader session is scanned in session order
//! with, for every list, the last of its writes inside the current read's
//! causal past: the past only grows along a session, so each session's
//! writes are replayed into those entries once, in session order, as the
//! read's clock entry for that session passes them (a pointer per session
//! that only moves forward, instead of a binary search per read as in
//! AWDIT, Møldrup & Pavlogiannis, PLDI 2025). For a read of `x` from `w`,
//! the last writes of `x`'s lists that are not in `w`'s own past are
//! either co-successors of `w` or concurrent with it; the read is bad iff
//! one is a co-successor (a WriteCORead: checking the last write per list
//! suffices, as earlier ones are co-before it), and each concurrent one is
//! a conflict CCv must arbitrate before `w`. An initial read is bad iff any
//! list of `x` has a write in its past (WriteCOInitRead). Per read this is
//! O(k) comparisons over contiguous memory, plus O(w) replays per reader
//! session: O(n·k) in all.
//! Sessions are scanned in parallel (rayon), each with its own state, and
//! their findings concatenated in session order, so results do not depend
//! on the thread count. The same scan yields the conflict edges CCv needs
//! (`check::causal_convergence`) and the bad reads writes-follow-reads
//! judges (`check::session`).

use crate::check::evidence::cyclic;
use crate::check::pattern::Pattern;
use crate::check::result::Violation;
use crate::check::sentence::Sentence;
use crate::history::{History, OpId};
use crate::order::edge::{Edge, EdgeLabel};
use crate::order::relations::{ReadFrom, Registers};
use crate::order::vclock::{Clocks, Preds, SessionClock, clocks, rf_pairs};
use rayon::prelude::*;

/// Counted writes grouped by (key, writing session): the *lists*. Lists of
/// one key are consecutive, so the lists of a read's key are a contiguous
/// range of ids. Each session's writes are also kept in session order with
/// their list, for the scan to replay them as they enter a read's past.
#[derive(Clone, Debug, Default)]
pub struct WriteLists {
    /// Lists of key `x`: ids `key_start[x]..key_start[x + 1]`.
    key_start: Vec<u32>,
    /// Writing session of each list, ascending within a key.
    list_session: Vec<u32>,
    /// Writes of session `j`: `session_writes[session_start[j]..session_start[j + 1]]`.
    session_start: Vec<u32>,
    /// (session position, list) of each write, in session order.
    session_writes: Vec<(u32, u32)>,
}

impl WriteLists {
    /// Number of (key, session) lists.
    pub fn list_count(&self) -> usize {
        self.list_session.len()
    }

    /// The ids of the lists of key `key` (writing sessions ascending).
    #[inline]
    pub fn lists_of_key(&self, key: usize) -> std::ops::Range<usize> {
        self.key_start[key] as usize..self.key_start[key + 1] as usize
    }

    /// The writing session of list `list`.
    #[inline]
    pub fn session_of_list(&self, list: usize) -> u32 {
        self.list_session[list]
    }

    /// `(session position, list)` of each write of session `j`, in
    /// session order.
    pub fn writes_of_session(&self, j: usize) -> &[(u32, u32)] {
        &self.session_writes[self.session_start[j] as usize..self.session_start[j + 1] as usize]
    }
}

/// Builds the write lists of a classified history in O(n + w log k).
pub fn write_lists(history: &History, reg: &Registers) -> WriteLists {
    let keys = history.key_count();
    let mut wl = WriteLists {
        key_start: vec![0; keys + 1],
        session_start: vec![0; reg.sessions.len() + 1],
        ..WriteLists::default()
    };
    // Sessions are visited in order, so each key's writing sessions come
    // ascending and a repeat is always the last one counted.
    let mut last_session = vec![u32::MAX; keys];
    let writes_of = |t: usize| {
        reg.sessions[t]
            .iter()
            .copied()
            .filter(|&op| reg.is_write(op))
    };
    for t in 0..reg.sessions.len() {
        for op in writes_of(t) {
            let key = reg.key_of[op.index()] as usize;
            if last_session[key] != t as u32 {
                last_session[key] = t as u32;
                wl.key_start[key + 1] += 1;
            }
        }
    }
    for x in 0..keys {
        wl.key_start[x + 1] += wl.key_start[x];
    }
    let mut fill: Vec<u32> = wl.key_start[..keys].to_vec();
    wl.list_session = vec![0; wl.key_start[keys] as usize];
    last_session.fill(u32::MAX);
    for t in 0..reg.sessions.len() {
        for op in writes_of(t) {
            let key = reg.key_of[op.index()] as usize;
            if last_session[key] != t as u32 {
                last_session[key] = t as u32;
                wl.list_session[fill[key] as usize] = t as u32;
                fill[key] += 1;
            }
            // The lists of the key filled so far, ascending.
            let lists = wl.key_start[key] as usize..fill[key] as usize;
            let lid = lists.start
                + wl.list_session[lists]
                    .binary_search(&(t as u32))
                    .expect("the session's list was made above");
            wl.session_writes.push((reg.pos[op.index()], lid as u32));
        }
        wl.session_start[t + 1] = wl.session_writes.len() as u32;
    }
    debug_assert!(wl.key_start.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        wl.key_start[keys] as usize,
        wl.list_session.len(),
        "every list belongs to one key"
    );
    wl
}

/// The state of one [`scan_last_writes`] run: for every list the last of
/// its writes in the past of the current read, and for every session the
/// next of its writes not yet in that past.
#[derive(Clone, Debug)]
pub struct ScanState {
    /// Per list: 1 + the session position of its last write in the past,
    /// 0 when none is, and that write's index among its session's writes.
    last: Vec<(u32, u32)>,
    /// Per session: index (in its writes) of the next write not in the past.
    cursor: Vec<u32>,
    /// Per session: position of that write, `u32::MAX` when there is none.
    next_pos: Vec<u32>,
    /// The clock of the scanned session's operations (reads have no
    /// stored clock).
    clock: SessionClock,
}

impl ScanState {
    /// A state for scanning with `wl`, ready for a first run.
    pub fn new(wl: &WriteLists) -> ScanState {
        let mut state = ScanState {
            last: vec![(0, 0); wl.list_count()],
            cursor: vec![0; wl.session_start.len().saturating_sub(1)],
            next_pos: Vec::new(),
            clock: SessionClock::default(),
        };
        state.reset(wl);
        state
    }

    /// Empties the past, for a new run.
    pub fn reset(&mut self, wl: &WriteLists) {
        self.last.fill((0, 0));
        self.cursor.fill(0);
        self.next_pos = (0..self.cursor.len())
            .map(|j| {
                let (lo, hi) = (wl.session_start[j], wl.session_start[j + 1]);
                if lo < hi {
                    wl.session_writes[lo as usize].0
                } else {
                    u32::MAX
                }
            })
            .collect();
    }
}

/// For each read of `session` (the counted operations of one session, in
/// session order), calls `f(read, clock, last)` with the read's clock for
/// every session's last write to the read's key inside the read's past
/// under `clocks` that is not in the past of the read's source (every one,
/// for a read of the initial value), sessions ascending. `state` must be
/// fresh ([`ScanState::new`] or [`ScanState::reset`]).
///
/// The past of successive reads only grows, so each session's writes are
/// replayed into the lists' `last` entries once, in session order, as the
/// read's clock passes them: a read costs one comparison of its clock with
/// the sessions' next write positions and one comparison of each list of
/// its key with the source's clock, O(k) over contiguous memory, plus the
/// replays, O(w) per run.
pub fn scan_last_writes(
    reg: &Registers,
    wl: &WriteLists,
    clocks: &Clocks,
    session: &[OpId],
    state: &mut ScanState,
    mut f: impl FnMut(OpId, &[u32], LastWrite),
) {
    let zeros = vec![0u32; clocks.k];
    let ScanState {
        last: last_of_list,
        cursor,
        next_pos,
        clock,
    } = state;
    for &r in session {
        let vc = clock.advance(clocks, reg, r);
        let Some(src) = reg.read_from(r) else {
            continue;
        };
        for (j, &limit) in vc.iter().enumerate() {
            if limit <= next_pos[j] {
                continue;
            }
            let hi = wl.session_start[j + 1];
            let mut i = wl.session_start[j] + cursor[j];
            while i < hi {
                let (pos, lid) = wl.session_writes[i as usize];
                if pos >= limit {
                    break;
                }
                last_of_list[lid as usize] = (pos + 1, i - wl.session_start[j]);
                i += 1;
            }
            cursor[j] = i - wl.session_start[j];
            next_pos[j] = if i < hi {
                wl.session_writes[i as usize].0
            } else {
                u32::MAX
            };
        }
        let key = reg.key_of[r.index()] as usize;
        let lists = wl.key_start[key] as usize..wl.key_start[key + 1] as usize;
        let lasts = last_of_list[lists.clone()]
            .iter()
            .zip(&wl.list_session[lists]);
        // A last write at position `p` of session `j` is in the past of
        // the source when the source's clock entry for `j` exceeds `p`,
        // i.e. reaches `last = p + 1`.
        let floor = match src {
            ReadFrom::Write(w) => clocks.of(w),
            ReadFrom::Initial => &zeros[..],
        };
        for (&(last, index), &session) in lasts {
            if last > floor[session as usize] {
                f(
                    r,
                    vc,
                    LastWrite {
                        session,
                        pos: last - 1,
                        index,
                    },
                );
            }
        }
    }
}

/// A last write found by [`scan_last_writes`]: its session, position and
/// index among the session's writes.
#[derive(Copy, Clone, Debug)]
pub struct LastWrite {
    pub session: u32,
    /// Position in the session (among counted operations).
    pub pos: u32,
    /// Index among the session's counted writes.
    pub index: u32,
}

impl LastWrite {
    /// The write itself.
    #[inline]
    pub fn op(self, reg: &Registers) -> OpId {
        reg.sessions[self.session as usize][self.pos as usize]
    }

    /// True when `a` is in the past of this write under `clocks` (or is
    /// it).
    #[inline]
    pub fn after_or_eq(self, clocks: &Clocks, reg: &Registers, a: OpId) -> bool {
        clocks.of_write(self.session, self.index)[reg.session_of[a.index()] as usize]
            > reg.pos[a.index()]
    }
}

/// What the causal scan found.
#[derive(Clone, Debug, Default)]
pub struct CausalFacts {
    /// co clocks, when co is acyclic.
    pub clocks: Option<Clocks>,
    /// CyclicCO, WriteCOInitRead and WriteCORead violations.
    pub violations: Vec<Violation>,
    /// Conflict pairs `(w, w')`: `w'` must be arbitrated before `w` (CCv),
    /// only those not already implied by co.
    pub cf: Vec<(OpId, OpId)>,
    pub write_lists: WriteLists,
    /// The reads of the WriteCORead and WriteCOInitRead violations, in
    /// the order found. Writes-follow-reads judges only these
    /// (`check::session`): each of its stale reads is one of them.
    pub bad_reads: Vec<OpId>,
    /// The clocks of `bad_reads`, `k` entries each in the same order
    /// (reads have no stored clock in `clocks`).
    pub bad_read_clocks: Vec<u32>,
    /// The run's deadline passed before every session was scanned: the
    /// checks built on these facts answer unknown.
    pub incomplete: bool,
}

/// Runs the CC scan (see the module docs); `want_cf` also collects the
/// conflict pairs. A session whose scan would start after `deadline` is
/// not scanned, and the facts say they are incomplete.
pub fn causal_facts(
    history: &History,
    reg: &Registers,
    want_cf: bool,
    deadline: Option<std::time::Instant>,
) -> CausalFacts {
    let rf = rf_pairs(history, reg, |_| true);
    let preds = Preds::from_pairs(history.len(), &rf);
    let wl = write_lists(history, reg);
    let clocks = match clocks(history, reg, preds) {
        Ok(c) => c,
        Err(left) => {
            let violations = cyclic(history, reg, &rf, &[], &left, Pattern::CyclicCO)
                .into_iter()
                .collect();
            return CausalFacts {
                clocks: None,
                violations,
                cf: Vec::new(),
                write_lists: wl,
                bad_reads: Vec::new(),
                bad_read_clocks: Vec::new(),
                incomplete: false,
            };
        }
    };
    let late = std::sync::atomic::AtomicBool::new(false);
    // Sessions are scanned independently (each with its own pointers), in
    // parallel; their findings are concatenated in session order, so the
    // result does not depend on the number of threads.
    let per_session: Vec<SessionFacts> = reg
        .sessions
        .par_iter()
        .map_init(
            || None,
            |state: &mut Option<ScanState>, session| {
                if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                    late.store(true, std::sync::atomic::Ordering::Relaxed);
                    return SessionFacts::default();
                }
                let state = match state {
                    Some(st) => {
                        st.reset(&wl);
                        st
                    }
                    None => state.insert(ScanState::new(&wl)),
                };
                scan_session(history, reg, &wl, &clocks, session, state, want_cf)
            },
        )
        .collect();
    let mut facts = CausalFacts {
        clocks: None,
        violations: Vec::new(),
        cf: Vec::new(),
        write_lists: WriteLists::default(),
        bad_reads: Vec::new(),
        bad_read_clocks: Vec::new(),
        incomplete: late.into_inner(),
    };
    for found in per_session {
        facts.violations.extend(found.violations);
        facts.cf.extend(found.cf);
        facts.bad_reads.extend(found.bad_reads);
        facts.bad_read_clocks.extend(found.bad_read_clocks);
    }
    assert_eq!(
        facts.bad_read_clocks.len(),
        facts.bad_reads.len() * clocks.k,
        "one clock of k entries per bad read"
    );
    facts.clocks = Some(clocks);
    facts.write_lists = wl;
    facts
}

/// What the CC scan found in one session.
#[derive(Default)]
struct SessionFacts {
    violations: Vec<Violation>,
    cf: Vec<(OpId, OpId)>,
    bad_reads: Vec<OpId>,
    bad_read_clocks: Vec<u32>,
}

/// The CC scan of one session's reads; `state` must be fresh.
fn scan_session(
    history: &History,
    reg: &Registers,
    wl: &WriteLists,
    clocks: &Clocks,
    session: &[OpId],
    state: &mut ScanState,
    want_cf: bool,
) -> SessionFacts {
    let mut found = SessionFacts::default();
    let mut reported: Option<OpId> = None;
    scan_last_writes(reg, wl, clocks, session, state, |r, vc, last| {
        let Some(src) = reg.read_from(r) else { return };
        match src {
            ReadFrom::Initial => {
                if reported != Some(r) {
                    reported = Some(r);
                    let lw = last.op(reg);
                    found.bad_reads.push(r);
                    found.bad_read_clocks.extend_from_slice(vc);
                    found.violations.push(Violation {
                        pattern: Pattern::WriteCOInitRead,
                        key: Some(history.op(r).key),
                        ops: vec![lw, r],
                        edges: vec![Edge {
                            from: lw,
                            to: r,
                            label: EdgeLabel::Causal,
                        }],
                        explanation: Sentence::new()
                            .read(r)
                            .text(" although ")
                            .write(lw)
                            .text(" is in its causal past"),
                        partial_order: Vec::new(),
                    });
                }
            }
            // The scan already left out the last writes in the past of
            // the read's source (most of them, the source included).
            ReadFrom::Write(w) => {
                if last.after_or_eq(clocks, reg, w) {
                    let lw = last.op(reg);
                    if reported != Some(r) {
                        reported = Some(r);
                        found.bad_reads.push(r);
                        found.bad_read_clocks.extend_from_slice(vc);
                        found.violations.push(Violation {
                            pattern: Pattern::WriteCORead,
                            key: Some(history.op(r).key),
                            ops: vec![w, lw, r],
                            edges: vec![
                                Edge {
                                    from: w,
                                    to: r,
                                    label: EdgeLabel::ReadsFrom,
                                },
                                Edge {
                                    from: w,
                                    to: lw,
                                    label: EdgeLabel::Causal,
                                },
                                Edge {
                                    from: lw,
                                    to: r,
                                    label: EdgeLabel::Causal,
                                },
                            ],
                            explanation: Sentence::new()
                                .read(r)
                                .text(" after it had causally seen ")
                                .write(lw)
                                .text(", which causally follows ")
                                .write(w),
                            partial_order: Vec::new(),
                        });
                    }
                } else if want_cf {
                    found.cf.push((w, last.op(reg)));
                }
            }
        }
    });
    found
}
