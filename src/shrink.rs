//! Shrinking: reduces a history that violates a guarantee to a small
//! sub-history that still violates it, so that a person can read the
//! counterexample in a minute.
//!
//! A candidate is the original history with some operations dropped and
//! some *cut*: an operation whose completion is removed keeps its invoke and
//! becomes unknown-outcome (`info`, never returned), never absent, so the
//! candidate is a history some run of the system could have recorded had it
//! been observed for less time. Every candidate is also closed under
//! reads-from: a kept observation of a value (a read, a successful CAS's
//! expected value, a transaction's read) keeps at least one write of that
//! value to its key, so that shrinking never turns a stale read into a
//! thin-air one.
//!
//! The steps, each kept only if the candidate still violates the same
//! guarantee (checked with the run's configuration and its one deadline):
//! 1. the operations of the evidence (closed under reads-from), else the
//!    operations on the violated key;
//! 2. the shortest prefix in time (binary search over invoke times; calls in
//!    flight at the cut become unknown-outcome);
//! 3. whole processes, then whole keys, one at a time;
//! 4. operations, by delta debugging (chunks of halving size, down to
//!    single operations: the result is 1-minimal when the budget allows);
//! 5. times renumbered densely (0, 1, 2, …) in the same order, which keeps
//!    every real-time relation (when no clock skew is asked for).
//!
//! An `unknown` verdict on a candidate counts as "does not violate": the
//! result always violates. When the budget runs out the best history so
//! far is returned, marked incomplete.

use crate::check::{CheckConfig, GuaranteeResult, check_one};
use crate::guarantee::{Guarantee, Verdict};
use crate::history::builder::{BuildError, HistoryBuilder, OpSpec};
use crate::history::{
    Call, History, KeyId, MicroKind, Observed, OpId, Outcome, Ret, Time, TimeUnit, ValueId,
};
use rustc_hash::{FxHashMap, FxHashSet};

/// What became of an original operation in a candidate.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Fate {
    Dropped,
    Kept,
    /// Kept without its completion: unknown outcome, never returned.
    Cut,
}

/// A shrunk history and how it was found.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The sub-history (operations keep their input lines in `source`).
    pub history: History,
    /// The original ids of the kept operations, in the new id order.
    pub kept: Vec<OpId>,
    /// The original ids of the kept operations whose completion was cut.
    pub cut: Vec<OpId>,
    /// The guarantee's result on the shrunk history (violated).
    pub result: GuaranteeResult,
    /// Candidates checked.
    pub checks: usize,
    /// False when the budget ran out before every step finished (the
    /// history still violates, but may not be 1-minimal).
    pub complete: bool,
}

/// Why a history could not be shrunk.
#[derive(Clone, Debug)]
pub enum NotShrunk {
    /// The guarantee is not violated on the input (its result says how it
    /// ended: holds, unknown or not checked).
    NotViolated(GuaranteeResult),
}

/// Shrinks `history`, which should violate `guarantee` under `config`, to a
/// small sub-history that still does. `config.deadline` (or
/// `config.timeout` from now) bounds the whole shrink.
pub fn shrink(
    history: &History,
    guarantee: Guarantee,
    config: &CheckConfig,
) -> Result<Shrunk, NotShrunk> {
    let mut config = config.clone();
    config.deadline = config.run_deadline();
    config.guarantees = vec![guarantee];
    // One violation is enough to know a candidate still violates.
    config.violations_max = Some(1);
    config.witness = false;
    let first = check_one(history, guarantee, &config);
    if first.verdict != Verdict::Violated {
        return Err(NotShrunk::NotViolated(first));
    }
    // The searches (linearizability, sequential consistency) are NP-hard
    // and a candidate can cost seconds; when a polynomial guarantee that
    // the asked one implies is violated too, shrink for it first (what
    // violates it violates the asked one, by the lattice), then finish with
    // the asked one on the small history.
    let proxy = proxy_for(history, guarantee, &config);
    let mut s = Shrinker {
        history,
        guarantee,
        config,
        readers: Readers::of(history),
        checks: 0,
        complete: true,
        best: (vec![Fate::Kept; history.len()], first),
    };
    if let Some((proxy, result)) = proxy {
        let asked = std::mem::replace(&mut s.guarantee, proxy);
        let asked_result = std::mem::replace(&mut s.best.1, result);
        s.steps();
        s.guarantee = asked;
        let small = rebuild(history, &s.best.0, false).expect("the best candidate built");
        let again = check_one(&small, asked, &s.config);
        if again.verdict == Verdict::Violated {
            s.best.1 = again;
        } else {
            // Cannot happen by the lattice unless the asked check ran out
            // of budget: start over from the whole history.
            s.best = (vec![Fate::Kept; history.len()], asked_result);
            s.complete = false;
        }
    }
    s.steps();
    Ok(s.finish())
}

/// The strongest polynomial guarantee that `g` implies and that `history`
/// violates, with its result, when `g` is one of the searches.
fn proxy_for(
    history: &History,
    g: Guarantee,
    config: &CheckConfig,
) -> Option<(Guarantee, GuaranteeResult)> {
    if !matches!(g, Guarantee::Linearizable | Guarantee::Sequential) {
        return None;
    }
    let mut weaker: Vec<Guarantee> = g
        .implied_closure()
        .into_iter()
        .filter(|&w| w != g && !matches!(w, Guarantee::Linearizable | Guarantee::Sequential))
        .collect();
    weaker.sort_by_key(|w| std::cmp::Reverse(w.implied_closure().len()));
    let mut cfg = config.clone();
    cfg.guarantees = weaker.clone();
    let results = crate::check::check(history, &cfg);
    weaker.into_iter().find_map(|w| {
        let r = results.iter().find(|r| r.guarantee == w)?;
        (r.verdict == Verdict::Violated).then(|| (w, r.clone()))
    })
}

impl Shrinker<'_> {
    /// Every reduction step, in order.
    fn steps(&mut self) {
        self.seed();
        self.prefix();
        self.groups(|op| op.process.index());
        self.groups(|op| op.key.index());
        self.operations();
    }
}

struct Shrinker<'a> {
    history: &'a History,
    guarantee: Guarantee,
    config: CheckConfig,
    readers: Readers,
    checks: usize,
    complete: bool,
    /// The smallest violating candidate so far and its result.
    best: (Vec<Fate>, GuaranteeResult),
}

impl Shrinker<'_> {
    fn out_of_time(&mut self) -> bool {
        let out = self.config.out_of_time();
        if out {
            self.complete = false;
        }
        out
    }

    /// Tries `fates` (closed under reads-from first); adopts it when it
    /// still violates and is smaller than the best so far.
    fn attempt(&mut self, fates: Vec<Fate>) -> bool {
        if self.out_of_time() {
            return false;
        }
        let fates = self.readers.close(self.history, fates);
        let size = |f: &[Fate]| f.iter().filter(|&&f| f != Fate::Dropped).count();
        // The closure may re-add what a step removed: no progress then.
        if fates == self.best.0 || size(&fates) > size(&self.best.0) {
            return false;
        }
        let Ok(candidate) = rebuild(self.history, &fates, false) else {
            return false;
        };
        if candidate.is_empty() {
            return false;
        }
        self.checks += 1;
        // One candidate may not spend the whole budget (an NP-hard search
        // on a candidate that no longer violates can run long): each gets
        // an eighth of what is left, at least 50 ms; running out counts as
        // "does not violate".
        let mut config = self.config.clone();
        if let Some(deadline) = self.config.deadline {
            let now = std::time::Instant::now();
            let share = (deadline.saturating_duration_since(now) / 8)
                .max(std::time::Duration::from_millis(50));
            config.deadline = Some(deadline.min(now + share));
        }
        let result = check_one(&candidate, self.guarantee, &config);
        if result.verdict == Verdict::Violated {
            self.best = (fates, result);
            true
        } else {
            if result.verdict == Verdict::Unknown {
                // Undecided within its share: the result may not be minimal.
                self.complete = false;
            }
            false
        }
    }

    /// Step 1: the evidence's operations, else the violated key's.
    fn seed(&mut self) {
        let v = &self.best.1.violations;
        let Some(first) = v.first().cloned() else {
            return;
        };
        let mut fates = vec![Fate::Dropped; self.history.len()];
        for id in first.ops.iter().chain(&first.partial_order) {
            fates[id.index()] = Fate::Kept;
        }
        for e in &first.edges {
            fates[e.from.index()] = Fate::Kept;
            fates[e.to.index()] = Fate::Kept;
        }
        if fates.contains(&Fate::Kept) && self.attempt(fates) {
            return;
        }
        if let Some(key) = first.key {
            let fates = self
                .history
                .ops()
                .iter()
                .map(|op| {
                    if op.key == key {
                        Fate::Kept
                    } else {
                        Fate::Dropped
                    }
                })
                .collect();
            self.attempt(fates);
        }
    }

    /// Step 2: the shortest violating prefix in time.
    fn prefix(&mut self) {
        let base = self.best.0.clone();
        let mut times: Vec<Time> = self
            .history
            .ops()
            .iter()
            .filter(|op| base[op.id.index()] != Fate::Dropped)
            .map(|op| op.invoke)
            .collect();
        times.sort_unstable();
        times.dedup();
        if times.len() < 2 || !self.history.has_real_time() {
            return;
        }
        // The largest cut index known to violate (the whole history does),
        // and the largest known not to.
        let (mut lo, mut hi) = (0usize, times.len() - 1);
        // Invariant: the prefix up to times[hi] violates (it is the base);
        // find the smallest such index.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let cut = times[mid];
            let fates = prefix_fates(self.history, &base, cut);
            if self.attempt(fates) {
                hi = mid;
            } else {
                if self.out_of_time() {
                    return;
                }
                lo = mid + 1;
            }
        }
    }

    /// Step 3: drops whole groups (processes or keys), one at a time.
    fn groups(&mut self, group: impl Fn(&crate::history::Operation) -> usize) {
        let mut ids: Vec<usize> = self
            .history
            .ops()
            .iter()
            .filter(|op| self.best.0[op.id.index()] != Fate::Dropped)
            .map(&group)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() < 2 {
            return;
        }
        for g in ids {
            let mut fates = self.best.0.clone();
            let mut any = false;
            for op in self.history.ops() {
                if group(op) == g && fates[op.id.index()] != Fate::Dropped {
                    fates[op.id.index()] = Fate::Dropped;
                    any = true;
                }
            }
            if any {
                self.attempt(fates);
            }
            if self.out_of_time() {
                return;
            }
        }
    }

    /// Step 4: delta debugging over single operations.
    fn operations(&mut self) {
        let mut chunk = {
            let n = self.kept_ids().len();
            n.div_ceil(2).max(1)
        };
        loop {
            let mut i = 0;
            loop {
                let kept = self.kept_ids();
                if i >= kept.len() {
                    break;
                }
                let mut fates = self.best.0.clone();
                for id in kept.iter().skip(i).take(chunk) {
                    fates[id.index()] = Fate::Dropped;
                }
                if !self.attempt(fates) {
                    i += chunk;
                }
                if self.out_of_time() {
                    return;
                }
            }
            if chunk == 1 {
                return;
            }
            chunk = chunk.div_ceil(2);
        }
    }

    fn kept_ids(&self) -> Vec<OpId> {
        self.history
            .ops()
            .iter()
            .filter(|op| self.best.0[op.id.index()] != Fate::Dropped)
            .map(|op| op.id)
            .collect()
    }

    fn finish(self) -> Shrunk {
        let (fates, result) = self.best;
        let dense = self.config.clock_skew == 0;
        let mut history = rebuild(self.history, &fates, dense).expect("the best candidate built");
        let mut result = result;
        if dense {
            // Renumbering keeps every order, so the verdict is the same;
            // the evidence is recomputed to name the new history's ids.
            let again = check_one(&history, self.guarantee, &self.config);
            if again.verdict == Verdict::Violated {
                result = again;
            } else {
                history = rebuild(self.history, &fates, false).expect("the best candidate built");
            }
        }
        let kept = self
            .history
            .ops()
            .iter()
            .filter(|op| fates[op.id.index()] != Fate::Dropped)
            .map(|op| op.id)
            .collect();
        let cut = self
            .history
            .ops()
            .iter()
            .filter(|op| fates[op.id.index()] == Fate::Cut)
            .map(|op| op.id)
            .collect();
        Shrunk {
            history,
            kept,
            cut,
            result,
            checks: self.checks,
            complete: self.complete,
        }
    }
}

/// The shrunk history as `.hist` text: a comment header naming the source
/// file, the guarantee and the input lines kept, then the history with each
/// operation's input line as a trailing comment.
pub fn to_text(source: &str, guarantee: Guarantee, original: &History, s: &Shrunk) -> String {
    let mut out = String::new();
    let lines: Vec<String> = s
        .kept
        .iter()
        .map(|&id| original.op(id).source.line)
        .filter(|&l| l > 0)
        .map(|l| l.to_string())
        .collect();
    out.push_str(&format!(
        "# shrunk by concord from {source}: {} of {} operations, still violating {}\n",
        s.history.len(),
        original.len(),
        guarantee.name()
    ));
    if !lines.is_empty() {
        out.push_str(&format!("# input lines kept: {}\n", lines.join(", ")));
    }
    if !s.cut.is_empty() {
        let cut: Vec<String> = s
            .cut
            .iter()
            .map(|&id| original.op(id).source.line.to_string())
            .collect();
        out.push_str(&format!(
            "# completion removed (now unknown outcome): lines {}\n",
            cut.join(", ")
        ));
    }
    let renumbered = s
        .history
        .ops()
        .iter()
        .any(|op| op.invoke != original.op(s.kept[op.id.index()]).invoke);
    if s.history.has_real_time() && renumbered {
        out.push_str("# times renumbered 0, 1, 2, ... in their original order\n");
    }
    if !s.complete {
        out.push_str("# the time budget ran out: a longer run may shrink it further\n");
    }
    crate::render::hist::write_hist_with_sources(&s.history, &mut out);
    out
}

/// The prefix of `base` up to time `cut`: operations invoked after it are
/// dropped, those still in flight at it lose their completion.
fn prefix_fates(history: &History, base: &[Fate], cut: Time) -> Vec<Fate> {
    history
        .ops()
        .iter()
        .map(|op| match base[op.id.index()] {
            Fate::Dropped => Fate::Dropped,
            _ if op.invoke > cut => Fate::Dropped,
            f => match op.ret {
                Some(r) if r <= cut => f,
                _ => Fate::Cut,
            },
        })
        .collect()
}

/// The observations of each operation and the writers of each value, for
/// the reads-from closure.
struct Readers {
    /// Per operation: the `(key, value)` pairs it observed (only when it
    /// completed).
    observed: Vec<Vec<(KeyId, ValueId)>>,
    /// The writers of each `(key, value)`, in id order.
    writers: FxHashMap<(KeyId, ValueId), Vec<OpId>>,
}

impl Readers {
    fn of(history: &History) -> Readers {
        let mut observed = Vec::with_capacity(history.len());
        let mut writers: FxHashMap<(KeyId, ValueId), Vec<OpId>> = FxHashMap::default();
        for op in history.ops() {
            let mut seen = Vec::new();
            match (&op.call, &op.outcome) {
                (Call::Read, Outcome::Ok(Ret::Value(Observed::Value(v)))) => {
                    seen.push((op.key, *v))
                }
                (Call::Cas { expected, .. }, Outcome::Ok(Ret::Bool(true) | Ret::Ack)) => {
                    seen.push((op.key, *expected))
                }
                (Call::Txn(micro), Outcome::Ok(_)) => {
                    for m in micro {
                        if let (MicroKind::Read, Observed::Value(v)) = (m.kind, m.value) {
                            seen.push((m.key, v));
                        }
                    }
                }
                _ => {}
            }
            observed.push(seen);
            if !op.is_fail() {
                match &op.call {
                    Call::Write(v) | Call::Cas { new: v, .. } => {
                        writers.entry((op.key, *v)).or_default().push(op.id);
                    }
                    Call::Txn(micro) => {
                        for m in micro {
                            if let (MicroKind::Write, Observed::Value(v)) = (m.kind, m.value) {
                                writers.entry((m.key, v)).or_default().push(op.id);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Readers { observed, writers }
    }

    /// `fates` with, for every completed observation kept, at least one
    /// writer of its value kept (the first one, restored as it was in the
    /// input, when none is). Values no operation wrote (initial values)
    /// need nothing.
    fn close(&self, history: &History, mut fates: Vec<Fate>) -> Vec<Fate> {
        let mut stack: Vec<OpId> = history
            .ops()
            .iter()
            .filter(|op| fates[op.id.index()] == Fate::Kept)
            .map(|op| op.id)
            .collect();
        let mut done: FxHashSet<(KeyId, ValueId)> = FxHashSet::default();
        while let Some(id) = stack.pop() {
            for &kv in &self.observed[id.index()] {
                if !done.insert(kv) {
                    continue;
                }
                let Some(ws) = self.writers.get(&kv) else {
                    continue;
                };
                if ws.iter().any(|w| fates[w.index()] != Fate::Dropped) {
                    continue;
                }
                let w = ws[0];
                fates[w.index()] = Fate::Kept;
                stack.push(w);
            }
        }
        fates
    }
}

/// The sub-history of `history` given by `fates`, through the builder (so
/// it is valid by construction: a candidate that no system could have
/// recorded, such as an operation after a cut one in its process, is an
/// error). Names and values keep their ids; operations keep their input
/// lines. With `dense`, times are renumbered 0, 1, 2, … in order.
fn rebuild(history: &History, fates: &[Fate], dense: bool) -> Result<History, BuildError> {
    let mut b = HistoryBuilder::new();
    for k in 0..history.key_count() {
        let name = history.key_name(KeyId(k as u32));
        if history.has_keys() {
            b.key(name);
        } else {
            b.implicit_key();
        }
    }
    for v in 0..history.value_count() {
        b.value(history.value(ValueId(v as u32)).clone());
    }
    let mut metadata = history.metadata.clone();
    let rank: Option<FxHashMap<Time, Time>> = dense.then(|| {
        let mut times: Vec<Time> = Vec::new();
        for op in history.ops() {
            match fates[op.id.index()] {
                Fate::Dropped => {}
                Fate::Kept => times.extend(std::iter::once(op.invoke).chain(op.ret)),
                Fate::Cut => times.push(op.invoke),
            }
        }
        times.extend(metadata.quiescent_at);
        times.sort_unstable();
        times.dedup();
        times.into_iter().zip(0..).collect()
    });
    let map = |t: Time| rank.as_ref().map_or(t, |r| r[&t]);
    metadata.quiescent_at = metadata.quiescent_at.map(map);
    if dense {
        // Ranks are not durations in the input's unit.
        metadata.time_unit = TimeUnit::Ticks;
    }
    for op in history.ops() {
        let fate = fates[op.id.index()];
        if fate == Fate::Dropped {
            continue;
        }
        let process = b.process(history.process_name(op.process));
        let (outcome, ret) = match fate {
            Fate::Cut => (Outcome::Info, None),
            _ => (op.outcome.clone(), op.ret.map(map)),
        };
        b.push(OpSpec {
            process,
            key: op.key,
            call: op.call.clone(),
            outcome,
            invoke: map(op.invoke),
            ret,
            line: op.source.line,
        })?;
    }
    b.metadata = metadata;
    if !history.has_real_time() {
        b.set_real_time(false);
    } else if !history.has_timestamps() {
        b.set_event_positions();
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Format, parse};

    fn history(text: &str) -> History {
        parse(text, Format::Hist, &Default::default()).unwrap()
    }

    #[test]
    fn a_stale_read_among_noise_shrinks_to_the_two_writes_and_the_read() {
        let mut text = String::from("%initial 0\n");
        // Noise on another key, then the stale read on x.
        for i in 0..20 {
            text.push_str(&format!(
                "p3 write y {} @ {}..{}\n",
                i + 1,
                10 * i,
                10 * i + 5
            ));
        }
        text.push_str("p1 write x 1 @ 0..10\np1 write x 2 @ 11..20\np2 read x 1 @ 25..30\n");
        let h = history(&text);
        let s = shrink(&h, Guarantee::Linearizable, &CheckConfig::default()).unwrap();
        assert_eq!(
            s.history.len(),
            3,
            "{}",
            crate::render::hist::to_hist(&s.history)
        );
        assert!(s.complete);
        assert_eq!(s.result.verdict, Verdict::Violated);
        let lines: Vec<u32> = s.history.ops().iter().map(|op| op.source.line).collect();
        assert_eq!(lines, vec![22, 23, 24]);
    }

    #[test]
    fn a_kept_read_keeps_a_writer_of_its_value() {
        // Monotonic reads: p2 reads 1, 2, then 1 again. Dropping a write
        // would make a read thin-air; the closure keeps both writes.
        let h = history(
            "%initial 0\np1 write x 1\np3 write x 2\np2 read x 1\np2 read x 2\np2 read x 1\np3 write z 5\np1 read z 5\n",
        );
        let s = shrink(&h, Guarantee::MonotonicReads, &CheckConfig::default()).unwrap();
        let ops: Vec<String> = s
            .history
            .ops()
            .iter()
            .map(|op| s.history.describe(op.id))
            .collect();
        assert_eq!(s.history.len(), 5, "{ops:?}");
        assert!(ops.iter().any(|d| d.contains("write x 1")), "{ops:?}");
        assert!(ops.iter().any(|d| d.contains("write x 2")), "{ops:?}");
    }

    #[test]
    fn a_history_that_holds_is_not_shrunk() {
        let h = history("p1 write x 1 @ 0..10\np2 read x 1 @ 11..20\n");
        match shrink(&h, Guarantee::Linearizable, &CheckConfig::default()) {
            Err(NotShrunk::NotViolated(r)) => assert_eq!(r.verdict, Verdict::Holds),
            Ok(s) => panic!("shrunk a linearizable history: {:?}", s.kept),
        }
    }
}
