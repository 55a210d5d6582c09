//! The fast path for read/write registers whose written values are unique
//! per key, and the staleness measures of such histories.
//!
//! # 1-atomicity (linearizability) in O(n log n)
//! With unique values every read names its write, so the operations of a
//! key fall into *clusters*: a write and the reads that returned its value
//! (the initial value is a virtual write before everything). In any
//! linearization of a register a cluster is a contiguous block. For a
//! cluster let `f` be the earliest return and `s` the latest invoke among
//! its operations. If `f < s` the cluster has a *forward zone* `[f, s]`: its
//! block must cover that whole span; otherwise a *backward zone* `[s, f]`.
//! Gibbons & Korach ("Testing shared memories", SIAM J. Comput. 1997) and
//! Golab, Li & Shah ("Analyzing consistency properties for fun and profit",
//! PODC 2011) show that such a history is linearizable iff no read returns
//! before its write is invoked, and no two zones *conflict*:
//! * two forward zones conflict when their interiors overlap
//!   (`max(f₁, f₂) < min(s₁, s₂)`; touching zones can be ordered, since
//!   touching intervals overlap);
//! * a backward zone conflicts with a forward zone that strictly contains it
//!   (`f_fwd < s_bwd` and `f_bwd < s_fwd`).
//!
//! Both are found by sorting forward zones by `f` and sweeping with a prefix
//! maximum of `s`. The path is taken only when it is certainly exact: model
//! `register`, `cas-register` without cas, or `kv` without append; only
//! reads and writes; written values unique per key and different from the
//! initial value; no touching or overlapping intervals within a process
//! (session order would then add to real time). Failed writes are dropped; an unknown-outcome write that
//! some read observed took effect and is completed at +∞ (completing a
//! pending operation late is always allowed); one nobody read is dropped
//! (placing it never, it is invisible). Reads with unknown results are
//! dropped.
//!
//! When a witness is asked for, the search decides instead (the zone
//! method proves existence without building an order), and staleness is not
//! computed.
//!
//! # Staleness
//! * **Δ-atomicity** (Golab, Li & Shah 2011): the history is Δ-atomic when
//!   it becomes linearizable after every read's invoke is moved Δ time units
//!   earlier. Moving invokes earlier only shrinks forward zones, so Δ-atomicity
//!   is monotone in Δ, and the smallest Δ is found exactly by binary search
//!   over integers with the zone test (O(n log n log T)). As in the paper,
//!   Δ-atomicity is a property of the intervals alone: a shifted read may
//!   overlap its own process's previous operation. A read that returns
//!   before its write is invoked is not Δ-atomic for any Δ; then no staleness
//!   is reported.
//! * **k-atomicity** (Aiyer, Alvisi & Bazzi, "On the availability of
//!   non-strict quorum systems", DISC 2005): a total order respecting real
//!   time in which every read returns one of the k latest writes before it.
//!   1-atomic = linearizable. For k = 2 concord does **not** implement the
//!   polynomial algorithm of Golab, Hurwitz & Li (2013); it decides
//!   2-atomicity exactly with the general WGL search over a "two versions"
//!   register specification (state: the two latest values), bounded by
//!   `TWO_ATOMIC_STEPS_MAX` steps, keys of at most `TWO_ATOMIC_OPS_MAX`
//!   operations, and the run's deadline. When that bound
//!   is reached, Δ is still reported, `two_atomic` is `None` ("not
//!   decided") and the reason says so.
//!
//! # Evidence
//! The zone test decides; the evidence for a conflict between two zones
//! comes from the general search over only those two clusters (their
//! writes and reads, which conflict on their own), bounded by
//! `EVIDENCE_STEPS_MAX` steps, so the partial linearization is short and
//! cheap to find. The zone argument itself is the evidence when that
//! search does not refute within its bound, beyond the first
//! `SEARCHED_EVIDENCE_MAX` failing keys, and for thin-air and future reads.

use super::search::{self, Budget, RealTime, SearchEnd};
use super::spec::{DataModel, RegisterOp};
use super::{PartEnd, instances_of, search_instance, with_model};
use crate::check::pattern::Pattern;
use crate::check::sentence::Sentence;
use crate::check::{CheckConfig, Guarantee, GuaranteeResult, Model, Staleness, Violation};
use crate::history::{
    Call, History, KeyId, Observed, OpId, Operation, Outcome, Ret, Value, ValueId,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::atomic::AtomicBool;

/// Time in signed form, so the initial value's virtual write can sit at
/// −∞ and pending writes at +∞.
type T = i64;

fn t(time: u64) -> T {
    time.min(i64::MAX as u64 / 2) as T
}

/// One cluster: a write (or the initial value) and the reads of its value.
#[derive(Clone, Debug)]
struct Cluster {
    write: Option<OpId>,
    w_inv: T,
    w_ret: T,
    /// Earliest read return and latest read invoke (with the op), if any.
    r_min_ret: Option<(T, OpId)>,
    r_max_inv: Option<(T, OpId)>,
}

impl Cluster {
    /// `(f, s)` with every read's invoke moved `delta` earlier.
    fn zone(&self, delta: T) -> (T, T) {
        let f = self
            .r_min_ret
            .map_or(self.w_ret, |(r, _)| r.min(self.w_ret));
        let s = self
            .r_max_inv
            .map_or(self.w_inv, |(i, _)| i.saturating_sub(delta).max(self.w_inv));
        (f, s)
    }
}

/// A key that is not linearizable, and why.
#[derive(Clone, Debug)]
enum KeyFault {
    /// A read of a value no (non-failed) write wrote.
    ThinAir(OpId),
    /// A read returned before its write was invoked.
    FutureRead { read: OpId, write: OpId },
    /// Two clusters' zones conflict.
    Zones(usize, usize),
}

/// The clusters of one key, or a fault found while building them.
struct KeyClusters {
    key: KeyId,
    clusters: Vec<Cluster>,
    fault: Option<KeyFault>,
}

/// Whether the fast path applies to this history and model.
fn eligible(history: &History, model: Model) -> bool {
    let kv = match model {
        Model::Register => false,
        Model::CasRegister => false,
        Model::Kv => true,
        _ => return false,
    };
    let text_value = |v: ValueId| matches!(history.value(v), Value::Str(_));
    for op in history.ops() {
        match (&op.call, &op.outcome) {
            (Call::Write(v), _) => {
                if kv && !text_value(*v) {
                    return false;
                }
            }
            (Call::Read, Outcome::Ok(Ret::Value(Observed::Value(v)))) => {
                if kv && !text_value(*v) {
                    return false;
                }
            }
            (Call::Read, _) => {}
            _ => return false,
        }
    }
    if kv
        && (0..history.key_count() as u32)
            .any(|k| history.initial(KeyId(k)).is_some_and(|v| !text_value(v)))
    {
        return false;
    }
    // Touching (or, after widening for clock skew, overlapping) intervals in
    // one process are ordered by session order but not by real time, which
    // the zone theorem does not know about: leave those to the search.
    for session in history.sessions() {
        for pair in session.windows(2) {
            if history
                .op(pair[0])
                .ret
                .is_none_or(|r| r >= history.op(pair[1]).invoke)
            {
                return false;
            }
        }
    }
    // Unique written values per key, different from the initial value.
    let mut seen: FxHashMap<(KeyId, ValueId), ()> = FxHashMap::default();
    for k in 0..history.key_count() as u32 {
        if let Some(v) = history.initial(KeyId(k)) {
            seen.insert((KeyId(k), v), ());
        }
    }
    for op in history.ops() {
        if let Call::Write(v) = op.call
            && !op.is_fail()
            && seen.insert((op.key, v), ()).is_some()
        {
            return false;
        }
    }
    true
}

fn build_clusters(history: &History, key: KeyId, ops: &[OpId]) -> KeyClusters {
    let mut clusters = vec![Cluster {
        write: None,
        w_inv: T::MIN,
        w_ret: T::MIN,
        r_min_ret: None,
        r_max_inv: None,
    }];
    let mut of_value: FxHashMap<Option<ValueId>, usize> =
        FxHashMap::with_capacity_and_hasher(ops.len() / 2 + 1, Default::default());
    of_value.insert(history.initial(key), 0);
    let mut read_by_value: rustc_hash::FxHashSet<ValueId> =
        rustc_hash::FxHashSet::with_capacity_and_hasher(ops.len() / 2 + 1, Default::default());
    for &id in ops {
        let op = history.op(id);
        if let Some(Observed::Value(v)) = op.observed() {
            read_by_value.insert(v);
        }
    }
    for &id in ops {
        let op = history.op(id);
        if let Call::Write(v) = op.call {
            if op.is_fail() || (op.is_unknown() && !read_by_value.contains(&v)) {
                continue;
            }
            let w_ret = if op.is_ok() {
                op.ret.map_or(T::MAX, t)
            } else {
                T::MAX
            };
            of_value.insert(Some(v), clusters.len());
            clusters.push(Cluster {
                write: Some(id),
                w_inv: t(op.invoke),
                w_ret,
                r_min_ret: None,
                r_max_inv: None,
            });
        }
    }
    let mut fault = None;
    for &id in ops {
        let op = history.op(id);
        let value = match op.observed() {
            Some(Observed::Value(v)) => Some(v),
            Some(Observed::Absent) => None,
            _ => continue,
        };
        let Some(&c) = of_value.get(&value) else {
            fault.get_or_insert(KeyFault::ThinAir(id));
            continue;
        };
        let (inv, ret) = (t(op.invoke), op.ret.map_or(T::MAX, t));
        let cl = &mut clusters[c];
        if let Some(w) = cl.write
            && ret < cl.w_inv
        {
            fault.get_or_insert(KeyFault::FutureRead { read: id, write: w });
        }
        if cl.r_min_ret.is_none_or(|(r, _)| ret < r) {
            cl.r_min_ret = Some((ret, id));
        }
        if cl.r_max_inv.is_none_or(|(i, _)| inv > i) {
            cl.r_max_inv = Some((inv, id));
        }
    }
    KeyClusters {
        key,
        clusters,
        fault,
    }
}

/// The first conflict between zones when reads are widened by `delta`.
fn zone_conflict(clusters: &[Cluster], delta: T) -> Option<(usize, usize)> {
    let mut forward: Vec<(T, T, usize)> = Vec::new();
    let mut backward: Vec<(T, T, usize)> = Vec::new();
    for (i, c) in clusters.iter().enumerate() {
        let (f, s) = c.zone(delta);
        if f < s {
            forward.push((f, s, i));
        } else {
            backward.push((s, f, i));
        }
    }
    forward.sort_unstable();
    // Prefix maxima of s over forward zones sorted by f.
    let mut prefix: Vec<(T, usize)> = Vec::with_capacity(forward.len());
    let mut best: Option<(T, usize)> = None;
    for &(f, s, i) in &forward {
        if let Some((bs, bi)) = best
            && f < bs.min(s)
        {
            return Some((bi, i));
        }
        if best.is_none_or(|(bs, _)| s > bs) {
            best = Some((s, i));
        }
        prefix.push(best.expect("set above"));
    }
    for &(s_b, f_b, i) in &backward {
        // Forward zones with f < s_b.
        let n = forward.partition_point(|z| z.0 < s_b);
        if n > 0 {
            let (s_f, j) = prefix[n - 1];
            if f_b < s_f {
                return Some((j, i));
            }
        }
    }
    None
}

/// Decides linearizability with the zone method when it applies (`None`
/// otherwise), and computes staleness.
pub fn check_fast(
    history: &History,
    model: Model,
    config: &CheckConfig,
) -> Option<GuaranteeResult> {
    if config.witness || !eligible(history, model) {
        return None;
    }
    let by_key = history.ops_by_key();
    let keys: Vec<KeyClusters> = by_key
        .par_iter()
        .enumerate()
        .filter(|(_, ops)| !ops.is_empty())
        .map(|(k, ops)| {
            let mut kc = build_clusters(history, KeyId(k as u32), ops);
            if kc.fault.is_none()
                && let Some((a, b)) = zone_conflict(&kc.clusters, 0)
            {
                kc.fault = Some(KeyFault::Zones(a, b));
            }
            kc
        })
        .collect();
    let g = Guarantee::Linearizable;
    let failing: Vec<&KeyClusters> = keys.iter().filter(|k| k.fault.is_some()).collect();
    if failing.is_empty() {
        let mut r = GuaranteeResult::holds(g);
        r.reason = Some("decided by the zone method for registers with unique values (Gibbons & Korach; Golab, Li & Shah)".into());
        r.staleness = Some(Staleness {
            one_atomic: true,
            two_atomic: Some(true),
            delta: 0,
        });
        return Some(r);
    }
    // The first few failing keys get the search's partial linearization;
    // the others keep the zone argument.
    let violations = with_model!(model, |m| evidence(&m, history, config, &failing));
    let mut r = GuaranteeResult::violated(g, violations, config.violations_max);
    let (staleness, note) = if config.out_of_time() {
        (
            None,
            "; staleness not computed: the time budget ran out".to_string(),
        )
    } else {
        staleness(history, config, &failing)
    };
    r.staleness = staleness;
    r.reason = Some(format!(
        "decided by the zone method for registers with unique values (Gibbons & Korach; Golab, Li & Shah){note}"
    ));
    Some(r)
}

/// How many failing keys get the search's evidence (longest prefix).
const SEARCHED_EVIDENCE_MAX: usize = 8;

/// Step bound of each evidence search.
const EVIDENCE_STEPS_MAX: u64 = 1 << 20;

/// Evidence for each failing key. For two conflicting zones of one of the
/// first [`SEARCHED_EVIDENCE_MAX`] keys: the general search's partial
/// linearization of just the two clusters (their writes and reads), which
/// are not linearizable on their own (the zone theorem applies to them
/// alone). Bounded by [`EVIDENCE_STEPS_MAX`] steps; the zone argument is
/// the evidence when that search does not refute in time, for the other
/// keys, and for reads of values never (or not yet) written.
fn evidence<M: DataModel>(
    m: &M,
    history: &History,
    config: &CheckConfig,
    failing: &[&KeyClusters],
) -> Vec<Violation> {
    let stop = AtomicBool::new(false);
    let budget = Budget {
        steps_max: Some(EVIDENCE_STEPS_MAX),
        ..Budget::of_run(config, &stop)
    };
    failing
        .iter()
        .enumerate()
        .map(|(i, kc)| {
            let searched = match kc.fault {
                Some(KeyFault::Zones(a, b)) if i < SEARCHED_EVIDENCE_MAX => {
                    search_core(m, history, kc, [a, b], &budget)
                }
                _ => None,
            };
            searched.unwrap_or_else(|| zone_violation(history, kc))
        })
        .collect()
}

/// The search's refutation of clusters `pair` of `kc`, alone.
fn search_core<M: DataModel>(
    m: &M,
    history: &History,
    kc: &KeyClusters,
    pair: [usize; 2],
    budget: &Budget<'_>,
) -> Option<Violation> {
    // The value each cluster stands for, as `build_clusters` keys them.
    let value_of = |c: usize| match kc.clusters[c].write {
        Some(w) => match history.op(w).call {
            Call::Write(v) => Some(v),
            _ => unreachable!("a cluster's write is a write"),
        },
        None => history.initial(kc.key),
    };
    let values = [value_of(pair[0]), value_of(pair[1])];
    let writes = [kc.clusters[pair[0]].write, kc.clusters[pair[1]].write];
    let ops = history.ops().iter().filter(|op| {
        op.key == kc.key
            && (writes.contains(&Some(op.id))
                || match op.observed() {
                    Some(Observed::Value(v)) => values.contains(&Some(v)),
                    Some(Observed::Absent) => values.contains(&None),
                    _ => false,
                })
    });
    let core = instances_of(m, history, ops, true).ok()?.pop()?;
    match search_instance(m, history, &core, budget) {
        PartEnd::Refuted(mut v) => {
            v.explanation = std::mem::take(&mut v.explanation).text(
                " (searching only the writes and reads of the two conflicting values, \
                 which are not linearizable even on their own)",
            );
            Some(v)
        }
        _ => None,
    }
}

fn zone_violation(history: &History, kc: &KeyClusters) -> Violation {
    let key = kc.key;
    let describe = |id: OpId| {
        format!(
            "`{}` (line {})",
            history.describe(id),
            history.op(id).source.line
        )
    };
    let (ops, explanation) = match kc.fault.clone().expect("a failing key") {
        KeyFault::ThinAir(r) => (
            vec![r],
            format!(
                "{} returns a value that no write to the key that took effect wrote",
                describe(r)
            ),
        ),
        KeyFault::FutureRead { read, write } => (
            vec![read, write],
            format!(
                "{} returned before {} was invoked, so it cannot read its value",
                describe(read),
                describe(write)
            ),
        ),
        KeyFault::Zones(a, b) => {
            let mut ops = Vec::new();
            let mut parts = Vec::new();
            for c in [a, b] {
                let cl = &kc.clusters[c];
                let value = match cl.write {
                    Some(w) => {
                        ops.push(w);
                        format!("the value of {}", describe(w))
                    }
                    None => "the initial value".to_string(),
                };
                let (f, s) = cl.zone(0);
                if let Some((_, r)) = cl.r_max_inv {
                    ops.push(r);
                }
                parts.push((value, f, s));
            }
            let (va, fa, sa) = &parts[0];
            let (vb, fb, sb) = &parts[1];
            (
                ops,
                format!(
                    "{va} must hold from time {} to {} and {vb} from {} to {} (each from the earliest return to the latest invoke among its write and reads); the two spans cannot be ordered",
                    show(*fa),
                    show(*sa),
                    show(*fb.min(sb)),
                    show(*fb.max(sb))
                ),
            )
        }
    };
    // One per key at most, so the sentence is made here.
    Violation {
        pattern: Pattern::NotLinearizable,
        key: Some(key),
        ops,
        edges: Vec::new(),
        explanation: Sentence::new().owned(explanation),
        partial_order: Vec::new(),
    }
}

fn show(t: T) -> String {
    match t {
        T::MIN => "the start".into(),
        T::MAX => "the end".into(),
        t => t.to_string(),
    }
}

/// Staleness of a history whose failing keys are `failing`: the smallest Δ
/// by binary search with the zone test, and 2-atomicity by the search over
/// the two-versions register.
fn staleness(
    history: &History,
    config: &CheckConfig,
    failing: &[&KeyClusters],
) -> (Option<Staleness>, String) {
    if failing.iter().any(|k| {
        matches!(
            k.fault,
            Some(KeyFault::ThinAir(_) | KeyFault::FutureRead { .. })
        )
    }) {
        return (
            None,
            "; no staleness: a read returns a value that was never written or not yet written, which no Δ explains".into(),
        );
    }
    let delta = failing
        .par_iter()
        .map(|kc| {
            let (mut lo, mut hi): (T, T) = (1, 1);
            while zone_conflict(&kc.clusters, hi).is_some() {
                if config.out_of_time() {
                    return T::MAX;
                }
                lo = hi + 1;
                hi = hi.saturating_mul(2);
                if hi >= T::MAX / 4 {
                    break;
                }
            }
            // The smallest Δ in [lo, hi] without conflict.
            while lo < hi {
                if config.out_of_time() {
                    return T::MAX;
                }
                let mid = lo + (hi - lo) / 2;
                if zone_conflict(&kc.clusters, mid).is_some() {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            hi
        })
        .max()
        .unwrap_or(0);
    if delta == T::MAX {
        return (
            None,
            "; staleness not computed: the time budget ran out".to_string(),
        );
    }
    let keys: Vec<KeyId> = failing.iter().map(|k| k.key).collect();
    let staleness = |two_atomic| {
        Some(Staleness {
            one_atomic: false,
            two_atomic,
            delta: delta as u64,
        })
    };
    match two_atomic(history, config, &keys) {
        Ok(two) => (staleness(Some(two)), String::new()),
        Err(reason) => (
            staleness(None),
            format!("; 2-atomicity not decided ({reason})"),
        ),
    }
}

/// The register that remembers its two latest values: a read may return
/// either (the sequential specification of 2-atomicity).
struct TwoVersions;

impl DataModel for TwoVersions {
    /// (latest, previous); the previous is `None` before the first write.
    type State = (Option<ValueId>, Option<Option<ValueId>>);
    type Op = RegisterOp;

    fn name(&self) -> &'static str {
        "two-versions-register"
    }

    fn init(&self, history: &History, partition: u32) -> Self::State {
        (history.initial(KeyId(partition)), None)
    }

    fn compile(&self, _history: &History, op: &Operation) -> Result<Option<RegisterOp>, String> {
        Ok(match (&op.call, op.observed()) {
            (Call::Write(v), _) => Some(RegisterOp::Write(*v)),
            (Call::Read, Some(Observed::Value(v))) => Some(RegisterOp::Read(Some(v))),
            (Call::Read, Some(Observed::Absent)) => Some(RegisterOp::Read(None)),
            _ => None,
        })
    }

    fn step(&self, state: &Self::State, op: &RegisterOp) -> Option<Self::State> {
        match *op {
            RegisterOp::Write(v) => Some((Some(v), Some(state.0))),
            RegisterOp::Read(v) => (state.0 == v || state.1 == Some(v)).then_some(*state),
            _ => None,
        }
    }

    fn read_only(&self, op: &RegisterOp) -> bool {
        matches!(op, RegisterOp::Read(_))
    }

    fn describe_state(&self, history: &History, state: &Self::State) -> String {
        let show =
            |v: Option<ValueId>| v.map_or("nil".to_string(), |v| history.value(v).to_string());
        match state.1 {
            Some(p) => format!(
                "the register holds {} (previously {})",
                show(state.0),
                show(p)
            ),
            None => format!("the register holds {}", show(state.0)),
        }
    }
}

/// Most operations on one key for which 2-atomicity is searched (beyond
/// it, even building the search costs more than the rest of the check).
const TWO_ATOMIC_OPS_MAX: usize = 1 << 16;

/// Step bound of the 2-atomicity search, over all failing keys.
const TWO_ATOMIC_STEPS_MAX: u64 = 1 << 21;

/// Whether every key of `keys` is 2-atomic, by the search over the
/// two-versions register, within [`TWO_ATOMIC_STEPS_MAX`] steps per key
/// and the run's budget.
fn two_atomic(history: &History, config: &CheckConfig, keys: &[KeyId]) -> Result<bool, String> {
    let mut size = vec![0usize; history.key_count()];
    for o in history.ops() {
        size[o.key.index()] += 1;
    }
    if let Some(big) = keys.iter().find(|k| size[k.index()] > TWO_ATOMIC_OPS_MAX) {
        return Err(format!(
            "key {} has {} operations; the bounded search is tried on keys of at most {TWO_ATOMIC_OPS_MAX}",
            history.key_name(*big),
            size[big.index()]
        ));
    }
    let mut wanted = vec![false; history.key_count()];
    for k in keys {
        wanted[k.index()] = true;
    }
    let ops = history.ops().iter().filter(|o| wanted[o.key.index()]);
    let insts = instances_of(&TwoVersions, history, ops, true)?;
    let stop = AtomicBool::new(false);
    let budget = Budget {
        steps_max: Some(TWO_ATOMIC_STEPS_MAX),
        ..Budget::of_run(config, &stop)
    };
    let mut all = true;
    for inst in insts.iter().filter(|i| keys.contains(&KeyId(i.partition))) {
        let init = TwoVersions.init(history, inst.partition);
        match search::search(
            &TwoVersions,
            &inst.items,
            init,
            RealTime::new(&inst.items, inst.processes),
            &budget,
        ) {
            SearchEnd::Found(_) => {}
            SearchEnd::Refuted { .. } => {
                all = false;
                break;
            }
            SearchEnd::OutOfBudget(r) => return Err(r),
            SearchEnd::Stopped => return Err("stopped".into()),
            SearchEnd::Paused => {
                return Err(format!(
                    "the search over key {} ran past {TWO_ATOMIC_STEPS_MAX} steps",
                    history.key_name(KeyId(inst.partition))
                ));
            }
        }
    }
    Ok(all)
}
