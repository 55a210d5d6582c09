//! The general search: Wing & Gong's backtracking over "minimal" operations
//! (J. Wing, C. Gong, "Testing and verifying concurrent objects", JPDC 1993)
//! with Lowe's memoization of (set of linearized operations, model state)
//! (G. Lowe, "Testing for linearizability", CCPE 2017) — the WGL algorithm
//! that Porcupine and Knossos implement — for both linearizability (order =
//! real time) and sequential consistency (order = session order).
//!
//! The search is an explicit-stack depth-first search (no recursion, so
//! 100,000-operation histories do not overflow the stack). At each node the
//! candidates are the operations that may come next; each is applied to the
//! model state, and the resulting (linearized set, state) pair is explored
//! only if it was never seen before.
//!
//! Operations are *required* (completed `ok` operations: they must all be
//! placed) or *optional* (unknown outcome: they may take effect at any point
//! after their invoke, or never). "Never" is a first-class choice: the
//! search succeeds as soon as every required operation is placed, and
//! optional operations have no return event that could block it. Exact
//! reductions keep the search small:
//! * a required candidate that succeeds without changing the state (a read
//!   of the current value, a CAS answering false) is placed at once, without
//!   branching (partial-order reduction, see `force_invisible`);
//! * optional operations with identical calls are interchangeable once
//!   available (and availability only grows as the linearized set grows),
//!   so only the earliest available one of each class is tried and the memo
//!   counts them per class instead of naming them;
//! * an optional operation that leaves the state unchanged is never tried
//!   (not placing it leaves strictly more choices);
//! * a state is pruned when one with the same placed required operations,
//!   the same model state and no more placed optional operations of any
//!   class was visited (domination; equality is Lowe's memo);
//! * the memo key of the placed required operations is compact: for real
//!   time, the watermark `w` (every required operation returning before the
//!   earliest unplaced one is placed) plus the unplaced operations
//!   concurrent with it determine the set exactly, so a key has
//!   O(processes) words however long the history.
//!
//! Candidates are tried just in time (after Lowe 2017): first the required
//! operation that returns earliest, then the other required ones, then
//! optional ones.
//!
//! Budgets: the wall clock is read every 1,024 steps, `states_max` bounds
//! the memo, a built-in cap bounds its memory (2 GiB) even when the caller
//! set no budget, and a shared stop flag lets parallel partitions end
//! together after the first violation.

use super::spec::DataModel;
use crate::check::result::CheckConfig;
use crate::history::{OpId, Time};
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// One operation of a search instance.
#[derive(Clone, Debug)]
pub(crate) struct Item<O> {
    pub id: OpId,
    pub op: O,
    pub invoke: Time,
    /// Return time of a required operation (unused for optional ones).
    pub ret: Time,
    /// Completed operation that must be placed; otherwise optional.
    pub required: bool,
    /// Dense process index within the instance.
    pub process: u32,
    /// Optional operations only: the class of identical calls.
    pub class: u32,
}

/// Limits of one search.
#[derive(Clone, Copy)]
pub(crate) struct Budget<'a> {
    pub deadline: Option<Instant>,
    pub states_max: Option<u64>,
    /// A round's step limit (`schedule`): past it the search pauses, so
    /// that cheap partitions are decided before expensive ones. Counted in
    /// steps, not time, so where a search pauses does not depend on the
    /// machine.
    pub steps_max: Option<u64>,
    /// Set by another search that found a violation: stop now.
    pub stop: &'a AtomicBool,
    /// The run's memory budget in bytes and the gauge every search of the
    /// run adds its memo to (`CheckConfig::memory_max_bytes`).
    pub memory: Option<(u64, &'a AtomicU64)>,
}

impl<'a> Budget<'a> {
    /// The run's budget under `config`: its deadline, memo bound and
    /// memory gauge, with no step limit.
    pub fn of_run(config: &'a CheckConfig, stop: &'a AtomicBool) -> Budget<'a> {
        Budget {
            deadline: config.run_deadline(),
            states_max: config.states_max,
            steps_max: None,
            stop,
            memory: config
                .memory_max_bytes
                .map(|m| (m, &*config.memory_in_use_bytes)),
        }
    }
}

/// How a search ended.
#[derive(Debug)]
pub(crate) enum SearchEnd<S> {
    /// A full order (item indices), optional operations included where
    /// they were placed.
    Found(Vec<u32>),
    /// No order exists. `partial` is the longest prefix placed, `blocked`
    /// the required operation that could not be placed after it, `state`
    /// the model state there.
    Refuted {
        partial: Vec<u32>,
        blocked: Option<u32>,
        state: S,
    },
    /// A budget ran out; the reason says which.
    OutOfBudget(String),
    /// Another search asked everyone to stop.
    Stopped,
    /// The round's step limit (`Budget::steps_max`) was reached.
    Paused,
}

/// The order that constrains which operations may come next.
pub(crate) trait Frontier {
    /// Appends the candidates of the current node: required ones first.
    fn candidates(&self, out: &mut Vec<u32>);
    /// Appends a word sequence that identifies the placed *required*
    /// operations exactly.
    fn key(&self, out: &mut Vec<u32>);
    /// Placed optional operations, counted per class, sorted by class.
    fn counts(&self) -> &[(u32, u32)];
    fn linearize(&mut self, i: u32);
    /// Undoes the latest `linearize` (calls are strictly LIFO).
    fn unlinearize(&mut self, i: u32);
    /// Every required operation is placed.
    fn done(&self) -> bool;
    /// The required operation that has to come next at the earliest.
    fn blocked(&self) -> Option<u32>;
}

/// Per-class counts of placed optional operations, kept sorted by class so
/// the memo key is canonical.
#[derive(Default)]
struct ClassCounts(Vec<(u32, u32)>);

impl ClassCounts {
    fn inc(&mut self, class: u32) {
        match self.0.binary_search_by_key(&class, |e| e.0) {
            Ok(i) => self.0[i].1 += 1,
            Err(i) => self.0.insert(i, (class, 1)),
        }
    }

    fn dec(&mut self, class: u32) {
        if let Ok(i) = self.0.binary_search_by_key(&class, |e| e.0) {
            self.0[i].1 -= 1;
            if self.0[i].1 == 0 {
                self.0.remove(i);
            }
        }
    }
}

/// Optional operations grouped in classes of identical calls, each class in
/// invoke order.
fn classes<O>(items: &[Item<O>]) -> Vec<Vec<u32>> {
    let mut classes: Vec<Vec<u32>> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        if !it.required {
            let c = it.class as usize;
            if classes.len() <= c {
                classes.resize(c + 1, Vec::new());
            }
            classes[c].push(i as u32);
        }
    }
    for c in &mut classes {
        c.sort_by_key(|&i| (items[i as usize].invoke, i));
    }
    classes
}

// ---------------------------------------------------------------------------
// Real-time order (linearizability).

/// Candidates under real time: an operation may come next when no unplaced
/// required operation returned before its invoke, i.e. `invoke <= minret`
/// where `minret` is the earliest return of an unplaced required operation
/// (closed intervals: touching intervals overlap), and every required
/// operation earlier in its own session is placed (session order is part
/// of real-time order; it only matters for touching intervals of one
/// process, `a.ret == b.invoke`).
pub(crate) struct RealTime {
    invoke: Vec<Time>,
    ret: Vec<Time>,
    required: Vec<bool>,
    class: Vec<u32>,
    process: Vec<u32>,
    /// Required items: position in their process's chain; optional items:
    /// how many required items of their process precede them.
    seq: Vec<u32>,
    /// Per process: placed required items (a prefix of its chain).
    pos: Vec<u32>,
    /// Doubly linked list of unplaced required items in invoke order;
    /// index `n` is the head sentinel. Unlink and relink are O(1).
    next: Vec<u32>,
    prev: Vec<u32>,
    /// Required items by return time, and the watermark into it.
    ret_order: Vec<u32>,
    w: usize,
    w_stack: Vec<u32>,
    placed: Vec<bool>,
    /// Optional classes (each in invoke order) and the classes in order of
    /// their first invoke.
    class_ops: Vec<Vec<u32>>,
    class_order: Vec<u32>,
    counts: ClassCounts,
}

impl RealTime {
    /// `items` must be in session order within each process.
    pub fn new<O>(items: &[Item<O>], processes: usize) -> RealTime {
        let n = items.len();
        let mut by_invoke: Vec<u32> = (0..n as u32)
            .filter(|&i| items[i as usize].required)
            .collect();
        by_invoke.sort_by_key(|&i| (items[i as usize].invoke, i));
        let mut next = vec![n as u32; n + 1];
        let mut prev = vec![n as u32; n + 1];
        let mut last = n as u32;
        for &i in &by_invoke {
            next[last as usize] = i;
            prev[i as usize] = last;
            last = i;
        }
        next[last as usize] = n as u32;
        prev[n] = last;
        let mut ret_order = by_invoke.clone();
        ret_order.sort_by_key(|&i| (items[i as usize].ret, i));
        let mut chain_len = vec![0u32; processes];
        let mut seq = vec![0u32; n];
        for (i, it) in items.iter().enumerate() {
            let p = it.process as usize;
            seq[i] = chain_len[p];
            if it.required {
                chain_len[p] += 1;
            }
        }
        let class_ops = classes(items);
        let mut class_order: Vec<u32> = (0..class_ops.len() as u32)
            .filter(|&c| !class_ops[c as usize].is_empty())
            .collect();
        class_order.sort_by_key(|&c| items[class_ops[c as usize][0] as usize].invoke);
        RealTime {
            invoke: items.iter().map(|i| i.invoke).collect(),
            ret: items.iter().map(|i| i.ret).collect(),
            required: items.iter().map(|i| i.required).collect(),
            class: items.iter().map(|i| i.class).collect(),
            process: items.iter().map(|i| i.process).collect(),
            seq,
            pos: vec![0; processes],
            next,
            prev,
            ret_order,
            w: 0,
            w_stack: Vec::new(),
            placed: vec![false; n],
            class_ops,
            class_order,
            counts: ClassCounts::default(),
        }
    }

    fn minret(&self) -> Time {
        match self.ret_order.get(self.w) {
            Some(&i) => self.ret[i as usize],
            None => Time::MAX,
        }
    }

    fn head(&self) -> u32 {
        self.next[self.invoke.len()]
    }
}

impl Frontier for RealTime {
    fn candidates(&self, out: &mut Vec<u32>) {
        // Just-in-time order (after Lowe 2017): the operation that returns
        // first must be placed before anything invoked after its return, so
        // it is tried first; the others are tried only to go before it, and
        // optional operations last, when nothing else works.
        let minret = self.minret();
        let first = self.ret_order.get(self.w).copied();
        if let Some(u) = first
            && self.seq[u as usize] == self.pos[self.process[u as usize] as usize]
        {
            out.push(u);
        }
        let end = self.invoke.len() as u32;
        let mut i = self.head();
        while i != end && self.invoke[i as usize] <= minret {
            let iu = i as usize;
            if self.seq[iu] == self.pos[self.process[iu] as usize] && Some(i) != first {
                out.push(i);
            }
            i = self.next[iu];
        }
        for &c in &self.class_order {
            let ops = &self.class_ops[c as usize];
            if self.invoke[ops[0] as usize] > minret {
                break;
            }
            for &op in ops {
                let ou = op as usize;
                if self.invoke[ou] > minret {
                    break;
                }
                if !self.placed[ou] && self.pos[self.process[ou] as usize] >= self.seq[ou] {
                    out.push(op);
                    break;
                }
            }
        }
    }

    fn key(&self, out: &mut Vec<u32>) {
        out.push(self.w as u32);
        let minret = self.minret();
        let end = self.invoke.len() as u32;
        let mut i = self.head();
        while i != end && self.invoke[i as usize] <= minret {
            out.push(i);
            i = self.next[i as usize];
        }
    }

    fn counts(&self) -> &[(u32, u32)] {
        &self.counts.0
    }

    fn linearize(&mut self, i: u32) {
        let iu = i as usize;
        self.placed[iu] = true;
        if self.required[iu] {
            let (p, n) = (self.prev[iu], self.next[iu]);
            self.next[p as usize] = n;
            self.prev[n as usize] = p;
            self.pos[self.process[iu] as usize] += 1;
            self.w_stack.push(self.w as u32);
            while self.w < self.ret_order.len() && self.placed[self.ret_order[self.w] as usize] {
                self.w += 1;
            }
        } else {
            self.counts.inc(self.class[iu]);
        }
    }

    fn unlinearize(&mut self, i: u32) {
        let iu = i as usize;
        self.placed[iu] = false;
        if self.required[iu] {
            let (p, n) = (self.prev[iu], self.next[iu]);
            self.next[p as usize] = i;
            self.prev[n as usize] = i;
            self.pos[self.process[iu] as usize] -= 1;
            self.w = self.w_stack.pop().unwrap_or(0) as usize;
        } else {
            self.counts.dec(self.class[iu]);
        }
    }

    fn done(&self) -> bool {
        self.w == self.ret_order.len()
    }

    fn blocked(&self) -> Option<u32> {
        self.ret_order.get(self.w).copied()
    }
}

// ---------------------------------------------------------------------------
// Session order (sequential consistency).

/// Candidates under session order: the next required operation of each
/// process, and optional operations whose process has placed every required
/// operation before them.
pub(crate) struct Sessions {
    invoke: Vec<Time>,
    required: Vec<bool>,
    process: Vec<u32>,
    class: Vec<u32>,
    /// Per process: its required items in session order, and how many are
    /// placed.
    chains: Vec<Vec<u32>>,
    pos: Vec<u32>,
    remaining: usize,
    /// Optional items: how many required items of their process precede
    /// them, and whether they are placed.
    after: Vec<u32>,
    placed: Vec<bool>,
    class_ops: Vec<Vec<u32>>,
    counts: ClassCounts,
}

impl Sessions {
    /// `items` must be in session order within each process.
    pub fn new<O>(items: &[Item<O>], processes: usize) -> Sessions {
        let mut chains = vec![Vec::new(); processes];
        let mut after = vec![0; items.len()];
        for (i, it) in items.iter().enumerate() {
            let chain = &mut chains[it.process as usize];
            if it.required {
                chain.push(i as u32);
            } else {
                after[i] = chain.len() as u32;
            }
        }
        let remaining = chains.iter().map(Vec::len).sum();
        Sessions {
            invoke: items.iter().map(|i| i.invoke).collect(),
            required: items.iter().map(|i| i.required).collect(),
            process: items.iter().map(|i| i.process).collect(),
            class: items.iter().map(|i| i.class).collect(),
            pos: vec![0; processes],
            chains,
            remaining,
            after,
            placed: vec![false; items.len()],
            class_ops: classes(items),
            counts: ClassCounts::default(),
        }
    }
}

impl Frontier for Sessions {
    fn candidates(&self, out: &mut Vec<u32>) {
        for (p, chain) in self.chains.iter().enumerate() {
            if let Some(&i) = chain.get(self.pos[p] as usize) {
                out.push(i);
            }
        }
        for ops in &self.class_ops {
            if let Some(&i) = ops.iter().find(|&&i| {
                let iu = i as usize;
                !self.placed[iu] && self.pos[self.process[iu] as usize] >= self.after[iu]
            }) {
                out.push(i);
            }
        }
    }

    fn key(&self, out: &mut Vec<u32>) {
        out.extend_from_slice(&self.pos);
    }

    fn counts(&self) -> &[(u32, u32)] {
        &self.counts.0
    }

    fn linearize(&mut self, i: u32) {
        let iu = i as usize;
        if self.required[iu] {
            self.pos[self.process[iu] as usize] += 1;
            self.remaining -= 1;
        } else {
            self.placed[iu] = true;
            self.counts.inc(self.class[iu]);
        }
    }

    fn unlinearize(&mut self, i: u32) {
        let iu = i as usize;
        if self.required[iu] {
            self.pos[self.process[iu] as usize] -= 1;
            self.remaining += 1;
        } else {
            self.placed[iu] = false;
            self.counts.dec(self.class[iu]);
        }
    }

    fn done(&self) -> bool {
        self.remaining == 0
    }

    fn blocked(&self) -> Option<u32> {
        self.chains
            .iter()
            .enumerate()
            .filter_map(|(p, chain)| chain.get(self.pos[p] as usize).copied())
            .min_by_key(|&i| (self.invoke[i as usize], i))
    }
}

// ---------------------------------------------------------------------------
// The memo.

/// Visited search states with domination: a state is (placed required
/// operations, model state, placed optional operations per class). When a
/// state with the same required set and model state and no more optional
/// operations of any class was visited, the new one is dominated — it has
/// the same future choices minus some optional operations — and is pruned.
/// Equality is the special case of Lowe's memo. Keys live in one arena and
/// are chained by hash, so a lookup allocates nothing.
struct Memo<S> {
    heads: FxHashMap<u64, u32>,
    words: Vec<u32>,
    /// (key start, key length, counts start, counts length, next, state).
    entries: Vec<(u32, u32, u32, u32, u32, S)>,
}

/// True when every class count in `small` is at most that in `big` (both
/// sorted by class).
fn dominated_by(small: &[u32], big: &[(u32, u32)]) -> bool {
    let mut j = 0;
    for pair in small.chunks_exact(2) {
        let (class, n) = (pair[0], pair[1]);
        while j < big.len() && big[j].0 < class {
            j += 1;
        }
        if j == big.len() || big[j].0 != class || big[j].1 < n {
            return false;
        }
    }
    true
}

impl<S: Eq + Hash + Clone> Memo<S> {
    fn new() -> Memo<S> {
        Memo {
            heads: FxHashMap::default(),
            words: Vec::new(),
            entries: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Approximate heap bytes held (keys, entries, hash table).
    fn bytes(&self) -> usize {
        self.words.capacity() * 4
            + self.entries.capacity() * std::mem::size_of::<(u32, u32, u32, u32, u32, S)>()
            + self.heads.capacity() * 16
    }

    /// Records the state; false when it (or a state dominating it) was
    /// already there.
    fn insert(&mut self, key: &[u32], counts: &[(u32, u32)], state: &S) -> bool {
        let mut h = FxHasher::default();
        key.hash(&mut h);
        state.hash(&mut h);
        let hash = h.finish();
        let head = self.heads.get(&hash).copied().unwrap_or(u32::MAX);
        let mut e = head;
        while e != u32::MAX {
            let (start, len, cstart, clen, next, ref s) = self.entries[e as usize];
            if &self.words[start as usize..(start + len) as usize] == key
                && s == state
                && dominated_by(
                    &self.words[cstart as usize..(cstart + clen) as usize],
                    counts,
                )
            {
                return false;
            }
            e = next;
        }
        let start = self.words.len() as u32;
        self.words.extend_from_slice(key);
        let cstart = self.words.len() as u32;
        for &(c, n) in counts {
            self.words.push(c);
            self.words.push(n);
        }
        let clen = self.words.len() as u32 - cstart;
        self.entries
            .push((start, key.len() as u32, cstart, clen, head, state.clone()));
        self.heads.insert(hash, self.entries.len() as u32 - 1);
        true
    }
}

struct Node<S> {
    item: u32,
    state: S,
    cand_start: usize,
    cand_end: usize,
    cursor: usize,
}

const ROOT: u32 = u32::MAX;

/// A memory cap that holds even when the caller set no budget, so that a
/// search never exhausts the machine: beyond it the verdict is unknown.
const MEMO_BYTES_MAX: usize = 2 << 30;

/// Partial-order reduction: when a required candidate that never changes
/// any state (a read, a CAS answering false) succeeds here, it is the only
/// candidate kept. This is exact: in any completion from here, that
/// operation can be moved to the front — nothing unplaced has to precede it
/// (it is a candidate), it succeeds in the current state, and since it
/// changes no state, removing it from later leaves every other operation's
/// state unchanged. (A write of the current value is not enough: later, in
/// another state, it would change it.)
fn force_invisible<M: DataModel>(
    model: &M,
    items: &[Item<M::Op>],
    state: &M::State,
    cands: &mut Vec<u32>,
    start: usize,
) {
    for k in start..cands.len() {
        let c = cands[k];
        let item = &items[c as usize];
        if item.required && model.read_only(&item.op) && model.step(state, &item.op).is_some() {
            cands.truncate(start);
            cands.push(c);
            return;
        }
    }
}

/// Runs the search from `init` over `items` under `frontier`.
pub(crate) fn search<M: DataModel, F: Frontier>(
    model: &M,
    items: &[Item<M::Op>],
    init: M::State,
    frontier: F,
    budget: &Budget<'_>,
) -> SearchEnd<M::State> {
    let mut published = 0u64;
    let end = search_within(model, items, init, frontier, budget, &mut published);
    if let Some((_, gauge)) = budget.memory {
        gauge.fetch_sub(published, Ordering::Relaxed);
    }
    end
}

/// [`search`], publishing its memo's size to the run's gauge in
/// `published` (which the caller takes back off when it ends).
fn search_within<M: DataModel, F: Frontier>(
    model: &M,
    items: &[Item<M::Op>],
    init: M::State,
    mut frontier: F,
    budget: &Budget<'_>,
    published: &mut u64,
) -> SearchEnd<M::State> {
    if frontier.done() {
        return SearchEnd::Found(Vec::new());
    }
    let mut memo: Memo<M::State> = Memo::new();
    let mut cands: Vec<u32> = Vec::new();
    let mut key: Vec<u32> = Vec::new();
    frontier.candidates(&mut cands);
    force_invisible(model, items, &init, &mut cands, 0);
    let mut nodes = vec![Node {
        item: ROOT,
        cand_end: cands.len(),
        state: init,
        cand_start: 0,
        cursor: 0,
    }];
    let mut best: Option<(Vec<u32>, Option<u32>, M::State)> = None;
    let mut steps: u64 = 0;
    loop {
        steps += 1;
        if steps.is_multiple_of(1024) {
            if budget.steps_max.is_some_and(|max| steps > max) {
                return SearchEnd::Paused;
            }
            if budget.stop.load(Ordering::Relaxed) {
                return SearchEnd::Stopped;
            }
            if let Some(deadline) = budget.deadline
                && Instant::now() >= deadline
            {
                return SearchEnd::OutOfBudget(format!(
                    "the timeout ran out after {steps} search steps and {} memoized states, at depth {} of {} operations",
                    memo.len(),
                    nodes.len() - 1,
                    items.len()
                ));
            }
        }
        let top = nodes
            .last_mut()
            .expect("the root stays until the search ends");
        if top.cursor == top.cand_end {
            // Every candidate failed here: backtrack, remembering the
            // deepest dead end as evidence.
            let depth = nodes.len() - 1;
            if best.as_ref().is_none_or(|b| depth > b.0.len()) {
                let path = nodes[1..].iter().map(|n| n.item).collect();
                let state = nodes[depth].state.clone();
                best = Some((path, frontier.blocked(), state));
            }
            let node = nodes.pop().expect("non-empty");
            cands.truncate(node.cand_start);
            if node.item == ROOT {
                let (partial, blocked, state) = best.expect("recorded above");
                return SearchEnd::Refuted {
                    partial,
                    blocked,
                    state,
                };
            }
            frontier.unlinearize(node.item);
            continue;
        }
        let c = cands[top.cursor];
        top.cursor += 1;
        let item = &items[c as usize];
        let Some(next) = model.step(&top.state, &item.op) else {
            continue;
        };
        if !item.required && next == top.state {
            continue;
        }
        frontier.linearize(c);
        if frontier.done() {
            let mut path: Vec<u32> = nodes[1..].iter().map(|n| n.item).collect();
            path.push(c);
            return SearchEnd::Found(path);
        }
        key.clear();
        frontier.key(&mut key);
        if !memo.insert(&key, frontier.counts(), &next) {
            frontier.unlinearize(c);
            continue;
        }
        if let Some(max) = budget.states_max
            && memo.len() as u64 > max
        {
            return SearchEnd::OutOfBudget(format!(
                "the search memoized more than {max} states (max_states)"
            ));
        }
        if steps.is_multiple_of(1024)
            && let Some((max, gauge)) = budget.memory
        {
            let now = memo.bytes() as u64;
            let total = if now >= *published {
                gauge.fetch_add(now - *published, Ordering::Relaxed) + (now - *published)
            } else {
                gauge.fetch_sub(*published - now, Ordering::Relaxed) - (*published - now)
            };
            *published = now;
            if total > max {
                return SearchEnd::OutOfBudget(format!(
                    "the memory budget ran out: the searches held {} MiB (--max-memory {} MiB), this one {} states",
                    total >> 20,
                    max >> 20,
                    memo.len()
                ));
            }
        }
        if steps.is_multiple_of(1024) && memo.bytes() > MEMO_BYTES_MAX {
            return SearchEnd::OutOfBudget(format!(
                "the memo reached {} MiB with {} states (the built-in memory cap)",
                MEMO_BYTES_MAX >> 20,
                memo.len()
            ));
        }
        let start = cands.len();
        frontier.candidates(&mut cands);
        force_invisible(model, items, &next, &mut cands, start);
        nodes.push(Node {
            item: c,
            state: next,
            cand_start: start,
            cand_end: cands.len(),
            cursor: start,
        });
    }
}
