//! Each fault knob must break its target guarantee in at least 90% of seeds
//! at the scenario's default sizes. This file judges that with small,
//! *sound* anomaly patterns (each one is a definite violation of the named
//! guarantee by the definitions in DEFINITIONS.md), so it does not depend on
//! the checkers and is a lower bound on what a complete checker finds:
//!
//! * linearizable: a read returns a value (or nothing) although another
//!   write to the key started after the value's write returned and itself
//!   returned before the read started (a stale read), or two reads ordered
//!   in real time observe two writes ordered in real time in reverse.
//! * monotonic reads: a session reads a value and later reads nothing, or
//!   reads a, then b, then a again.
//! * read-your-writes: a session writes a key and later reads nothing there.
//! * monotonic writes: session p writes w1 then w2; a session reads w2, then
//!   reads w1's key and gets nothing, or gets a write p made before w1.
//! * writes-follow-reads: session p reads w1 then writes w2; a session reads
//!   w2 and later reads w1's key and gets nothing.
//! * weak causal (CC): WriteCORead and WriteCOInitRead of Bouajjani et al.
//!   (POPL 2017): a read returns w0 (or nothing) although a write w1 to the
//!   key is in its causal past and w0 is in w1's causal past.
//! * convergence: two reads of a key invoked after the quiescence point
//!   return different results.

use concord::check::Guarantee;
use concord::history::{Call, History, Observed, OpId, Outcome};
use concord::sim::{ProtocolName, SimConfig, simulate};
use std::collections::{BTreeMap, VecDeque};

struct Facts<'h> {
    h: &'h History,
    /// Writer of each value (values are unique per run).
    writer: BTreeMap<u32, OpId>,
    sessions: Vec<Vec<OpId>>,
}

impl<'h> Facts<'h> {
    fn new(h: &'h History) -> Facts<'h> {
        let mut writer = BTreeMap::new();
        for op in h.ops() {
            if let Call::Write(v) = op.call {
                writer.insert(v.0, op.id);
            }
        }
        Facts {
            h,
            writer,
            sessions: h.sessions(),
        }
    }

    /// The write a completed read observed: `Some(None)` for absent,
    /// `None` for ops that are not completed reads.
    fn source(&self, id: OpId) -> Option<Option<OpId>> {
        match self.h.op(id).observed()? {
            Observed::Value(v) => Some(self.writer.get(&v.0).copied()),
            Observed::Absent => Some(None),
            Observed::Unknown => None,
        }
    }

    fn ok_write(&self, id: OpId) -> bool {
        let op = self.h.op(id);
        matches!(op.call, Call::Write(_)) && matches!(op.outcome, Outcome::Ok(_))
    }
}

fn stale_read(f: &Facts) -> bool {
    let h = f.h;
    let by_key = h.ops_by_key();
    for ops in &by_key {
        let writes: Vec<OpId> = ops.iter().copied().filter(|&w| f.ok_write(w)).collect();
        let reads: Vec<(OpId, Option<OpId>)> = ops
            .iter()
            .filter_map(|&r| f.source(r).map(|s| (r, s)))
            .collect();
        for &(r, src) in &reads {
            let rop = h.op(r);
            for &w in &writes {
                let wop = h.op(w);
                if Some(w) != src && wop.precedes(rop) && src.is_none_or(|s| h.op(s).precedes(wop))
                {
                    return true;
                }
            }
        }
        for &(r1, s1) in &reads {
            for &(r2, s2) in &reads {
                if let (Some(a), Some(b)) = (s1, s2)
                    && h.op(r1).precedes(h.op(r2))
                    && h.op(b).precedes(h.op(a))
                {
                    return true;
                }
            }
        }
    }
    false
}

fn mr_pattern(f: &Facts) -> bool {
    for s in &f.sessions {
        let mut by_key: BTreeMap<u32, Vec<Option<OpId>>> = BTreeMap::new();
        for &id in s {
            if let Some(src) = f.source(id) {
                by_key.entry(f.h.op(id).key.0).or_default().push(src);
            }
        }
        for reads in by_key.values() {
            let mut seen_value = false;
            for (i, r) in reads.iter().enumerate() {
                match r {
                    None if seen_value => return true,
                    None => {}
                    Some(a) => {
                        seen_value = true;
                        // a, then something else, then a again.
                        if let Some(j) = reads[i + 1..].iter().position(|x| x != r)
                            && reads[i + 1 + j..].contains(&Some(*a))
                        {
                            return true;
                        }
                    }
                }
            }
        }
    }
    false
}

fn ryw_pattern(f: &Facts) -> bool {
    f.sessions.iter().any(|s| {
        let mut written = Vec::new();
        s.iter().any(|&id| {
            let op = f.h.op(id);
            if matches!(op.call, Call::Write(_)) {
                written.push(op.key);
            }
            f.source(id) == Some(None) && written.contains(&op.key)
        })
    })
}

/// Per write: (key, results a reader of the write may no longer get).
type MustSee = Vec<(u32, Vec<Option<OpId>>)>;

/// Session p does a cause and later writes w2 (the cause: a write w1 for
/// monotonic writes, a read of w1 for writes-follow-reads); some session
/// then reads w2 and later reads w1's key and gets a result that shows it
/// has not seen w1: nothing, or a write forced before w1 by the guarantee.
fn ordered_pair_pattern(f: &Facts, wfr: bool) -> bool {
    let h = f.h;
    // For each write w2: the "must have seen" list of (key, forbidden
    // results) implied by its session's earlier ops.
    let mut implied: BTreeMap<OpId, MustSee> = BTreeMap::new();
    for s in &f.sessions {
        for (j, &w2) in s.iter().enumerate() {
            if !matches!(h.op(w2).call, Call::Write(_)) {
                continue;
            }
            let mut list = Vec::new();
            for &c in &s[..j] {
                let cop = h.op(c);
                if wfr {
                    if let Some(Some(w1)) = f.source(c) {
                        // Nothing, or any write forced before w1 by WFR:
                        // a chain of "a session read a, then wrote b".
                        let key = h.op(w1).key;
                        let mut forbidden = vec![None];
                        forbidden.extend(wfr_ancestors(f, w1).into_iter().map(Some));
                        list.push((key.0, forbidden));
                    }
                } else if f.ok_write(c) {
                    // Nothing, or this session's writes to the key before c.
                    let mut forbidden = vec![None];
                    for &e in &s[..j] {
                        if e == c {
                            break;
                        }
                        if h.op(e).key == cop.key && matches!(h.op(e).call, Call::Write(_)) {
                            forbidden.push(Some(e));
                        }
                    }
                    list.push((cop.key.0, forbidden));
                }
            }
            implied.insert(w2, list);
        }
    }
    for s in &f.sessions {
        for (i, &r) in s.iter().enumerate() {
            let Some(Some(w2)) = f.source(r) else {
                continue;
            };
            let Some(list) = implied.get(&w2) else {
                continue;
            };
            for &later in &s[i + 1..] {
                let Some(got) = f.source(later) else { continue };
                let key = h.op(later).key.0;
                if list.iter().any(|(k, bad)| *k == key && bad.contains(&got)) {
                    return true;
                }
            }
        }
    }
    false
}

/// Writes to w's key forced before w by writes-follow-reads alone: the
/// transitive closure of "a session read a (same key), then wrote b".
fn wfr_ancestors(f: &Facts, w: OpId) -> Vec<OpId> {
    let h = f.h;
    let key = h.op(w).key;
    let mut out: Vec<OpId> = Vec::new();
    let mut stack = vec![w];
    while let Some(b) = stack.pop() {
        let s = &f.sessions[h.op(b).process.index()];
        for &e in s.iter().take_while(|&&e| e != b) {
            if h.op(e).key == key
                && let Some(Some(a)) = f.source(e)
                && a != w
                && !out.contains(&a)
            {
                out.push(a);
                stack.push(a);
            }
        }
    }
    out
}

/// WriteCORead / WriteCOInitRead with causal order computed by vector
/// clocks over sessions in a topological order of so ∪ rf.
fn cc_pattern(f: &Facts) -> bool {
    let h = f.h;
    let n = h.len();
    let k = f.sessions.len();
    let mut pos = vec![(0usize, 0usize); n];
    for (si, s) in f.sessions.iter().enumerate() {
        for (i, &id) in s.iter().enumerate() {
            pos[id.index()] = (si, i + 1);
        }
    }
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for s in &f.sessions {
        for w in s.windows(2) {
            succ[w[0].index()].push(w[1].index());
            indeg[w[1].index()] += 1;
        }
    }
    for op in h.ops() {
        if let Some(Some(w)) = f.source(op.id) {
            succ[w.index()].push(op.id.index());
            indeg[op.id.index()] += 1;
        }
    }
    let mut vc = vec![vec![0usize; k]; n];
    let mut queue: VecDeque<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    let mut done = 0;
    while let Some(i) = queue.pop_front() {
        done += 1;
        let (s, p) = pos[i];
        vc[i][s] = vc[i][s].max(p);
        for j in succ[i].clone() {
            let (a, b) = (vc[i].clone(), &mut vc[j]);
            for x in 0..k {
                b[x] = b[x].max(a[x]);
            }
            indeg[j] -= 1;
            if indeg[j] == 0 {
                queue.push_back(j);
            }
        }
    }
    if done < n {
        return true; // CyclicCO
    }
    // vc[i] includes i itself; "a co b" means a ≠ b and vc[b] covers a.
    let co = |a: usize, b: usize| a != b && vc[b][pos[a].0] >= pos[a].1;
    let by_key = h.ops_by_key();
    for ops in &by_key {
        let writes: Vec<usize> = ops
            .iter()
            .filter(|&&w| matches!(h.op(w).call, Call::Write(_)))
            .map(|w| w.index())
            .collect();
        for &r in ops {
            let Some(src) = f.source(r) else { continue };
            let r = r.index();
            for &w1 in &writes {
                if Some(w1) != src.map(|s| s.index())
                    && co(w1, r)
                    && src.is_none_or(|w0| co(w0.index(), w1))
                {
                    return true;
                }
            }
        }
    }
    false
}

fn convergence_pattern(f: &Facts) -> bool {
    let h = f.h;
    let Some(q) = h.metadata.quiescent_at else {
        return false;
    };
    let mut seen: BTreeMap<u32, Observed> = BTreeMap::new();
    for op in h.ops().iter().filter(|o| o.invoke >= q) {
        if let Some(o) = op.observed()
            && *seen.entry(op.key.0).or_insert(o) != o
        {
            return true;
        }
    }
    false
}

fn violates(h: &History, g: Guarantee) -> bool {
    let f = Facts::new(h);
    match g {
        Guarantee::Linearizable => stale_read(&f),
        Guarantee::MonotonicReads => mr_pattern(&f),
        Guarantee::ReadYourWrites => ryw_pattern(&f),
        Guarantee::MonotonicWrites => ordered_pair_pattern(&f, false),
        Guarantee::WritesFollowReads => ordered_pair_pattern(&f, true),
        Guarantee::WeakCausal => cc_pattern(&f),
        // Both patterns are also violations of the joint guarantees that
        // contain them: PRAM contains monotonic writes, and causal memory
        // contains weak causality and writes-follow-reads.
        Guarantee::Pram => ordered_pair_pattern(&f, false),
        Guarantee::Causal => ordered_pair_pattern(&f, true) || cc_pattern(&f),
        Guarantee::Convergence => convergence_pattern(&f),
        other => panic!("no pattern for {other}"),
    }
}

const SEEDS: u64 = 40;

#[test]
fn every_knob_breaks_its_target_in_most_seeds() {
    let mut report = Vec::new();
    let mut failed = false;
    for p in ProtocolName::ALL {
        for fault in p.knobs() {
            for g in fault.breaks(p) {
                let hits = (0..SEEDS)
                    .filter(|&seed| {
                        let cfg = SimConfig::scenario(p, &[fault]).with_seed(seed);
                        violates(&simulate(&cfg).unwrap().history, g)
                    })
                    .count();
                failed |= (hits as f64) < 0.9 * SEEDS as f64;
                report.push(format!("{p}+{fault} breaks {g}: {hits}/{SEEDS}"));
            }
        }
    }
    assert!(!failed, "{}", report.join("\n"));
}

/// The patterns are sound, so the correct protocols must never show them
/// for guarantees they promise.
#[test]
fn correct_protocols_show_no_pattern() {
    let patterns = [
        Guarantee::Linearizable,
        Guarantee::MonotonicReads,
        Guarantee::ReadYourWrites,
        Guarantee::MonotonicWrites,
        Guarantee::WritesFollowReads,
        Guarantee::WeakCausal,
        Guarantee::Convergence,
    ];
    for p in ProtocolName::ALL {
        for seed in 0..SEEDS {
            let run = simulate(&SimConfig::new(p).with_seed(seed)).unwrap();
            for g in patterns {
                if p.promises().contains(&g) {
                    assert!(!violates(&run.history, g), "{p} seed {seed}: {g}");
                }
            }
        }
    }
}

/// Knobs keep what they claim to keep, as far as the patterns can tell.
#[test]
fn knobs_keep_what_they_claim() {
    let patterns = [
        Guarantee::Linearizable,
        Guarantee::MonotonicReads,
        Guarantee::ReadYourWrites,
        Guarantee::MonotonicWrites,
        Guarantee::WritesFollowReads,
        Guarantee::WeakCausal,
        Guarantee::Convergence,
    ];
    for p in ProtocolName::ALL {
        for fault in p.knobs() {
            let keeps = fault.keeps(p);
            for seed in 0..SEEDS / 2 {
                let cfg = SimConfig::scenario(p, &[fault]).with_seed(seed);
                let run = simulate(&cfg).unwrap();
                for g in patterns {
                    if keeps.contains(&g) && p.promises().contains(&g) {
                        assert!(!violates(&run.history, g), "{p}+{fault} seed {seed}: {g}");
                    }
                }
            }
        }
    }
}
