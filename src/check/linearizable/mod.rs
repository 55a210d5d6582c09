//! Linearizability (Herlihy & Wing, "Linearizability: a correctness
//! condition for concurrent objects", TOPLAS 1990): there is a total order
//! of the operations that (1) contains every completed operation and, for
//! each unknown-outcome operation, either places it after its invoke or
//! leaves it out, (2) respects real time — `a` before `b` whenever `a`
//! returned strictly before `b` was invoked — and (3) is a legal sequential
//! run of the data model.
//!
//! ```text
//!   p1  |--write x 1--|
//!   p2        |----read x -> 1----|        linearizable: w1 then r1
//!   p3                  |--read x -> nil--|  violated: nil after 1 was read
//! ```
//!
//! How the check runs:
//! 1. The data model comes from `CheckConfig::model`, else the history's
//!    `%model` header, else it is inferred from the operations
//!    ([`resolve_model`]).
//! 2. Intervals are widened by `CheckConfig::clock_skew` before real-time
//!    order is built.
//! 3. Registers whose written values are unique per key take the
//!    O(n log n) zone method ([`register`], Gibbons & Korach 1997; Golab,
//!    Li & Shah 2011), which also measures staleness.
//! 4. Everything else takes the general WGL search (`search`) per
//!    partition — per key, since linearizability is local (Herlihy & Wing,
//!    Theorem 1; Horn & Kroening's P-compositionality) — with partitions
//!    checked in parallel and all stopping at the first violation.
//!
//! Semantics: `fail` operations did not happen and are dropped; `info` and
//! pending operations may take effect at any point after their invoke (even
//! after a recorded timeout) or never; reads with an unknown result and
//! `info` reads constrain nothing and are dropped.
//!
//! Evidence: a violation names the first operation that cannot be placed,
//! the longest partial linearization found, and the model state after it. A
//! holding verdict can carry the linearization itself (`CheckConfig::witness`),
//! which [`validate_witness`] replays independently of the search.

pub mod register;
pub(crate) mod schedule;
pub(crate) mod search;
pub mod spec;

use crate::check::pattern::Pattern;
use crate::check::result::{CheckConfig, GuaranteeResult, Violation};
use crate::check::sentence::Sentence;
use crate::check::shared::{Check, Needs, Shared};
use crate::guarantee::{Guarantee, Verdict};
use crate::history::Model;
use crate::history::{Call, History, KeyId, OpId, Operation, Time, Value};
use rustc_hash::FxHashMap;
use search::{Budget, Item, RealTime, SearchEnd};
use spec::DataModel;
use std::sync::atomic::AtomicBool;

/// Runs `$body` with `$m` bound to the sequential specification of `$model`.
macro_rules! with_model {
    ($model:expr, |$m:ident| $body:expr) => {
        match $model {
            $crate::check::Model::Register => {
                let $m = $crate::check::linearizable::spec::Register { cas: false };
                $body
            }
            $crate::check::Model::CasRegister => {
                let $m = $crate::check::linearizable::spec::Register { cas: true };
                $body
            }
            $crate::check::Model::Kv => {
                let $m = $crate::check::linearizable::spec::Kv;
                $body
            }
            $crate::check::Model::Set => {
                let $m = $crate::check::linearizable::spec::Set;
                $body
            }
            $crate::check::Model::Queue => {
                let $m = $crate::check::linearizable::spec::Queue;
                $body
            }
            $crate::check::Model::Counter => {
                let $m = $crate::check::linearizable::spec::Counter;
                $body
            }
            $crate::check::Model::Mutex => {
                let $m = $crate::check::linearizable::spec::Mutex;
                $body
            }
            $crate::check::Model::MultiRegister => {
                let $m = $crate::check::linearizable::spec::MultiRegister;
                $body
            }
        }
    };
}
pub(crate) use with_model;

/// The data model to check against: the configured one, else the
/// history's header, else inferred from the operations (transactions ⇒
/// multi-register, cas ⇒ cas-register, append ⇒ kv, enqueue/dequeue ⇒
/// queue, acquire/release ⇒ mutex, add with list reads ⇒ set, add ⇒
/// counter, otherwise register).
pub fn resolve_model(history: &History, config: &CheckConfig) -> Model {
    if let Some(m) = config.model {
        return m;
    }
    if let Some(m) = history.metadata.model {
        return m;
    }
    let has = |f: &dyn Fn(&Operation) -> bool| history.ops().iter().any(f);
    if has(&|o| matches!(o.call, Call::Txn(_))) {
        Model::MultiRegister
    } else if has(&|o| matches!(o.call, Call::Cas { .. })) {
        Model::CasRegister
    } else if has(&|o| matches!(o.call, Call::Append(_))) {
        Model::Kv
    } else if has(&|o| matches!(o.call, Call::Enqueue(_) | Call::Dequeue)) {
        Model::Queue
    } else if has(&|o| matches!(o.call, Call::Acquire | Call::Release)) {
        Model::Mutex
    } else if has(&|o| matches!(o.call, Call::Add(_))) {
        let list_read = has(
            &|o| matches!(o.observed(), Some(crate::history::Observed::Value(v)) if matches!(history.value(v), Value::List(_))),
        );
        if list_read {
            Model::Set
        } else {
            Model::Counter
        }
    } else {
        Model::Register
    }
}

/// One search instance: the operations of one partition (or of the whole
/// history, for sequential consistency), compiled for the model.
pub(crate) struct Instance<O> {
    /// The partition number (a key id for per-key models).
    pub partition: u32,
    pub items: Vec<Item<O>>,
    pub processes: usize,
}

/// Compiles the history's operations into instances, one per partition
/// when `per_partition`, else one for everything (then each item's op is
/// paired with its partition's slot in a product state, see
/// [`Product`]). Items are in session order within each process.
pub(crate) fn instances<M: DataModel>(
    model: &M,
    history: &History,
    per_partition: bool,
) -> Result<Vec<Instance<M::Op>>, String> {
    instances_of(model, history, history.ops(), per_partition)
}

/// [`instances`] of the operations `ops` of `history` only (for a search
/// over a part of the history: the evidence of the zone method, the
/// 2-atomicity of some keys).
pub(crate) fn instances_of<'h, M: DataModel>(
    model: &M,
    history: &'h History,
    ops: impl IntoIterator<Item = &'h Operation>,
    per_partition: bool,
) -> Result<Vec<Instance<M::Op>>, String> {
    let mut order: Vec<&Operation> = ops.into_iter().filter(|o| !o.is_fail()).collect();
    order.sort_by_key(|o| (o.process, o.invoke, o.id));
    let mut slot_of: FxHashMap<u32, usize> = FxHashMap::default();
    let mut out: Vec<Instance<M::Op>> = Vec::new();
    let mut procs: Vec<FxHashMap<u32, u32>> = Vec::new();
    // Optional operations are interchangeable when they make the same call
    // on the same key: a product search over all keys (sequential
    // consistency) must not confuse `write x 1` with `write z 1`.
    let mut classes: Vec<FxHashMap<(u32, &Call), u32>> = Vec::new();
    for op in order {
        let Some(compiled) = model.compile(history, op)? else {
            continue;
        };
        let partition = if per_partition {
            model.partition(op)
        } else {
            0
        };
        let slot = *slot_of.entry(partition).or_insert_with(|| {
            out.push(Instance {
                partition,
                items: Vec::new(),
                processes: 0,
            });
            procs.push(FxHashMap::default());
            classes.push(FxHashMap::default());
            out.len() - 1
        });
        let inst = &mut out[slot];
        let pmap = &mut procs[slot];
        let next_proc = pmap.len() as u32;
        let process = *pmap.entry(op.process.0).or_insert(next_proc);
        inst.processes = pmap.len();
        let required = op.is_ok();
        let class = if required {
            u32::MAX
        } else {
            let cmap = &mut classes[slot];
            let next_class = cmap.len() as u32;
            *cmap.entry((op.key.0, &op.call)).or_insert(next_class)
        };
        inst.items.push(Item {
            id: op.id,
            op: compiled,
            invoke: op.invoke,
            ret: op.ret.unwrap_or(Time::MAX),
            required,
            process,
            class,
        });
    }
    out.sort_by_key(|i| i.partition);
    Ok(out)
}

/// The product of a per-partition model over all partitions, for searches
/// that cannot split the history (sequential consistency is not local).
/// State: each partition's state, by slot.
pub(crate) struct Product<'a, M> {
    pub inner: &'a M,
    /// Slot of each partition number.
    pub slots: FxHashMap<u32, u32>,
    /// Partition number of each slot.
    pub partitions: Vec<u32>,
}

impl<'a, M: DataModel> Product<'a, M> {
    pub fn new(inner: &'a M, history: &History) -> Product<'a, M> {
        let mut partitions: Vec<u32> = history
            .ops()
            .iter()
            .filter(|o| !o.is_fail())
            .map(|o| inner.partition(o))
            .collect();
        partitions.sort_unstable();
        partitions.dedup();
        let slots = partitions
            .iter()
            .enumerate()
            .map(|(s, &p)| (p, s as u32))
            .collect();
        Product {
            inner,
            slots,
            partitions,
        }
    }
}

impl<M: DataModel> DataModel for Product<'_, M> {
    type State = Vec<M::State>;
    type Op = (u32, M::Op);

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn init(&self, history: &History, _partition: u32) -> Self::State {
        self.partitions
            .iter()
            .map(|&p| self.inner.init(history, p))
            .collect()
    }

    fn compile(&self, history: &History, op: &Operation) -> Result<Option<Self::Op>, String> {
        let slot = self
            .slots
            .get(&self.inner.partition(op))
            .copied()
            .unwrap_or(0);
        Ok(self.inner.compile(history, op)?.map(|o| (slot, o)))
    }

    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State> {
        let slot = op.0 as usize;
        let next = self.inner.step(&state[slot], &op.1)?;
        let mut out = state.clone();
        out[slot] = next;
        Some(out)
    }

    fn read_only(&self, op: &Self::Op) -> bool {
        self.inner.read_only(&op.1)
    }

    fn partition(&self, _op: &Operation) -> u32 {
        0
    }

    fn describe_state(&self, history: &History, state: &Self::State) -> String {
        let parts: Vec<String> = state
            .iter()
            .zip(&self.partitions)
            .map(|(s, &p)| {
                let d = self.inner.describe_state(history, s);
                if history.has_keys() && self.partitions.len() > 1 {
                    format!("{}: {d}", history.key_name(KeyId(p)))
                } else {
                    d
                }
            })
            .collect();
        parts.join("; ")
    }
}

/// What one partition's search concluded, with its evidence.
pub(crate) enum PartEnd {
    Found(Vec<OpId>),
    Refuted(Violation),
    OutOfBudget(String),
    /// Not decided: the schedule stopped after enough refutations.
    Stopped,
    /// The round's step limit was reached (`schedule`).
    Paused,
}

/// Builds the violation evidence of a refuted search.
#[allow(clippy::too_many_arguments)]
pub(crate) fn refutation<M: DataModel>(
    model: &M,
    history: &History,
    items: &[Item<M::Op>],
    partition_key: Option<KeyId>,
    pattern: Pattern,
    partial: Vec<u32>,
    blocked: Option<u32>,
    state: &M::State,
) -> Violation {
    let partial_order: Vec<OpId> = partial.iter().map(|&i| items[i as usize].id).collect();
    let blocked = blocked.map(|i| items[i as usize].id);
    let scope = match partition_key {
        Some(k) if history.has_keys() => format!("of key {} ", history.key_name(k)),
        _ => String::new(),
    };
    let what = if pattern == Pattern::NotSequential {
        "sequential order"
    } else {
        "linearization"
    };
    // One per partition at most, so the sentence is made here (the
    // model's state has no other owner).
    let explanation = Sentence::new().owned(match blocked {
        Some(b) => format!(
            "no {what} {scope}can place `{}` (line {}): after the longest prefix of {} operations {}",
            history.describe(b),
            history.op(b).source.line,
            partial_order.len(),
            model.describe_state(history, state)
        ),
        None => format!("no {what} {scope}exists"),
    });
    let mut ops: Vec<OpId> = blocked.into_iter().collect();
    if let Some(&last) = partial_order.last() {
        ops.push(last);
    }
    Violation {
        pattern,
        key: partition_key,
        ops,
        edges: Vec::new(),
        explanation,
        partial_order,
    }
}

/// Runs the real-time search on one instance.
pub(crate) fn search_instance<M: DataModel>(
    model: &M,
    history: &History,
    inst: &Instance<M::Op>,
    budget: &Budget<'_>,
) -> PartEnd {
    let key = (model.partition_is_key()).then_some(KeyId(inst.partition));
    let init = model.init(history, inst.partition);
    match search::search(
        model,
        &inst.items,
        init,
        RealTime::new(&inst.items, inst.processes),
        budget,
    ) {
        SearchEnd::Found(path) => {
            PartEnd::Found(path.iter().map(|&i| inst.items[i as usize].id).collect())
        }
        SearchEnd::Refuted {
            partial,
            blocked,
            state,
        } => PartEnd::Refuted(refutation(
            model,
            history,
            &inst.items,
            key,
            Pattern::NotLinearizable,
            partial,
            blocked,
            &state,
        )),
        SearchEnd::OutOfBudget(reason) => PartEnd::OutOfBudget(reason),
        SearchEnd::Stopped => PartEnd::Stopped,
        SearchEnd::Paused => PartEnd::Paused,
    }
}

/// Linearizability: the zone method for registers with unique values,
/// else the search; a violated weaker guarantee resolves an `unknown`.
pub struct Linearizable;

impl Check for Linearizable {
    fn guarantee(&self) -> Guarantee {
        Guarantee::Linearizable
    }

    fn needs(&self) -> Needs {
        Needs {
            real_time: true,
            search: true,
            ..Needs::default()
        }
    }

    /// Linearizability's own search gives the better evidence and is
    /// usually fast (near-linear for registers with unique values); a
    /// violated weaker guarantee only rescues an unknown.
    fn run(&self, shared: &Shared<'_>) -> GuaranteeResult {
        let own = check(shared.history, shared.config);
        if own.verdict == Verdict::Unknown {
            shared
                .refuted_by_weaker(Guarantee::Linearizable)
                .unwrap_or(own)
        } else {
            own
        }
    }
}

/// Checks linearizability of `history` under `config` (model, timeout,
/// states_max, clock_skew, witness) with its own algorithms only (no
/// refutation through weaker guarantees). See the module docs.
pub fn check(history: &History, config: &CheckConfig) -> GuaranteeResult {
    let model = resolve_model(history, config);
    let history = match searchable(history, config) {
        Ok(h) => h,
        Err(result) => return result,
    };
    if let Some(result) = register::check_fast(&history, model, config) {
        return result;
    }
    with_model!(model, |m| check_general(&m, &history, config))
}

/// Linearizability decided by the zone method alone (`None` when it does
/// not apply, or when the run is already out of time): O(n log n), so the
/// driver runs it before everything else.
pub(crate) fn check_zone(history: &History, config: &CheckConfig) -> Option<GuaranteeResult> {
    let model = resolve_model(history, config);
    let history = searchable(history, config).ok()?;
    register::check_fast(&history, model, config)
}

/// What every linearizability check does before deciding: no real-time
/// order is `not-checked`, a passed deadline `unknown`, and clock skew
/// widens every interval.
fn searchable<'h>(
    history: &'h History,
    config: &CheckConfig,
) -> Result<std::borrow::Cow<'h, History>, GuaranteeResult> {
    let g = Guarantee::Linearizable;
    if !history.has_real_time() {
        return Err(GuaranteeResult::no_real_time(g));
    }
    if let Some(out) = config.too_late(g) {
        return Err(out);
    }
    Ok(if config.clock_skew > 0 {
        std::borrow::Cow::Owned(history.widened(config.clock_skew))
    } else {
        std::borrow::Cow::Borrowed(history)
    })
}

/// Checks linearizability of `history` against a data model of the
/// caller's own (Porcupine's main feature): implement [`DataModel`] in your
/// crate and pass it here. The same search, budgets (`config.timeout`,
/// `states_max`, `memory_max_bytes`), clock skew, evidence and witness as the
/// built-in models; `config.model` is ignored.
///
/// ```
/// use concord::check::{CheckConfig, DataModel, linearizable};
/// use concord::history::{Call, History, Operation, Outcome, Ret, Observed, Value};
///
/// /// A counter that only goes up by one.
/// struct Ticks;
/// impl DataModel for Ticks {
///     type State = i64;
///     type Op = Option<i64>; // None: a tick; Some(n): a read of n
///     fn name(&self) -> &'static str { "ticks" }
///     fn init(&self, _: &History, _: u32) -> i64 { 0 }
///     fn compile(&self, h: &History, op: &Operation) -> Result<Option<Option<i64>>, String> {
///         match (&op.call, &op.outcome) {
///             (Call::Add(_), _) => Ok(Some(None)),
///             (Call::Read, Outcome::Ok(Ret::Value(Observed::Value(v)))) => match h.value(*v) {
///                 Value::Int(n) => Ok(Some(Some(*n))),
///                 other => Err(format!("a read of {other} is not a count")),
///             },
///             (Call::Read, _) => Ok(None),
///             _ => Err("ticks has only add and read".into()),
///         }
///     }
///     fn step(&self, n: &i64, op: &Option<i64>) -> Option<i64> {
///         match op {
///             None => Some(n + 1),
///             Some(m) => (m == n).then_some(*n),
///         }
///     }
///     fn describe_state(&self, _: &History, n: &i64) -> String { format!("the count is {n}") }
/// }
///
/// let text = "p1 add c 1 @ 0..10\np2 read c 0 @ 20..30\n";
/// let h = concord::parse(text, concord::Format::Hist, &Default::default()).unwrap();
/// let r = linearizable::check_model(&h, &Ticks, &CheckConfig::default());
/// assert_eq!(r.verdict, concord::Verdict::Violated);
/// ```
pub fn check_model<M: DataModel>(
    history: &History,
    model: &M,
    config: &CheckConfig,
) -> GuaranteeResult {
    match searchable(history, config) {
        Ok(history) => check_general(model, &history, config),
        Err(result) => result,
    }
}

/// The general search over every partition, in parallel.
pub(crate) fn check_general<M: DataModel>(
    model: &M,
    history: &History,
    config: &CheckConfig,
) -> GuaranteeResult {
    let g = Guarantee::Linearizable;
    let insts = match instances(model, history, true) {
        Ok(i) => i,
        Err(e) => return GuaranteeResult::not_checked(g, e),
    };
    // Cheap partitions first, in rounds with growing step limits, until
    // as many partitions are refuted as the report shows (every one for
    // JSON or `--max-violations 0`); see `schedule`.
    let stop = AtomicBool::new(false);
    let budget = Budget::of_run(config, &stop);
    let want = config.violations_max.filter(|&m| m > 0);
    let ends = schedule::schedule(&insts, want, &budget, |inst, b| {
        search_instance(model, history, inst, b)
    });
    let mut violations = Vec::new();
    let mut unknown = Vec::new();
    let mut orders: Vec<(u32, Vec<OpId>)> = Vec::new();
    let mut stopped = 0usize;
    for (inst, end) in insts.iter().zip(ends) {
        match end {
            PartEnd::Found(order) => orders.push((inst.partition, order)),
            PartEnd::Refuted(v) => violations.push(v),
            PartEnd::OutOfBudget(r) => {
                unknown.push(describe_partition(history, model, inst.partition, &r))
            }
            PartEnd::Stopped | PartEnd::Paused => stopped += 1,
        }
    }
    if !violations.is_empty() {
        let mut r = GuaranteeResult::violated(g, violations, config.violations_max);
        let mut reason = "decided by the general search (WGL with memoization)".to_string();
        if stopped > 0 {
            reason.push_str(&format!(
                "; {stopped} other partition(s) not searched to the end once {} were refuted (`--max-violations 0` or JSON output decides every one)",
                r.violation_count
            ));
        }
        if !unknown.is_empty() {
            reason.push_str(&format!(
                "; {} other partition(s) undecided: {}",
                unknown.len(),
                unknown.join("; ")
            ));
        }
        r.reason = Some(reason);
        return r;
    }
    if !unknown.is_empty() {
        return GuaranteeResult::unknown(g, unknown.join("; "));
    }
    let mut r = GuaranteeResult::holds(g);
    r.reason = Some("decided by the general search (WGL with memoization)".into());
    if config.witness {
        orders.sort_by_key(|o| o.0);
        r.witness = Some(merge_orders(
            history,
            orders.into_iter().map(|o| o.1).collect(),
        ));
    }
    r
}

fn describe_partition<M: DataModel>(
    history: &History,
    model: &M,
    partition: u32,
    reason: &str,
) -> String {
    if model.partition_is_key() && history.has_keys() {
        format!("key {}: {reason}", history.key_name(KeyId(partition)))
    } else {
        reason.to_string()
    }
}

/// Whether a model's partitions are keys (every model but multi-register).
trait PartitionIsKey {
    fn partition_is_key(&self) -> bool;
}

impl<M: DataModel> PartitionIsKey for M {
    fn partition_is_key(&self) -> bool {
        self.name() != "multi-register"
    }
}

/// Merges per-partition linearizations into one order that respects real
/// time and session order. Each order gets linearization points greedily
/// (an operation's point is the later of its invoke and its predecessor's
/// point, which lies within its interval because the order respects real
/// time); emitting chain heads by smallest point then respects real time,
/// as in the proof of locality. Equal points are where session order can
/// matter (touching intervals of one process), so a head waits until its
/// process's previous completed operation has been emitted.
pub(crate) fn merge_orders(history: &History, orders: Vec<Vec<OpId>>) -> Vec<OpId> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = history.len();
    let mut point = vec![0 as Time; n];
    let mut present = vec![false; n];
    for order in &orders {
        let mut p: Time = 0;
        for &id in order {
            p = p.max(history.op(id).invoke);
            point[id.index()] = p;
            present[id.index()] = true;
        }
    }
    // The session predecessor each operation must wait for.
    let mut pred: Vec<Option<OpId>> = vec![None; n];
    for session in history.sessions() {
        let mut last_ok: Option<OpId> = None;
        for id in session {
            if present[id.index()] {
                pred[id.index()] = last_ok;
                if history.op(id).is_ok() {
                    last_ok = Some(id);
                }
            }
        }
    }
    let mut emitted = vec![false; n];
    let mut waiting: FxHashMap<OpId, Vec<usize>> = FxHashMap::default();
    let mut cursor = vec![0usize; orders.len()];
    let mut heap = BinaryHeap::new();
    for (k, order) in orders.iter().enumerate() {
        if let Some(&id) = order.first() {
            heap.push(Reverse((point[id.index()], k)));
        }
    }
    let mut out = Vec::with_capacity(orders.iter().map(Vec::len).sum());
    while let Some(Reverse((_, k))) = heap.pop() {
        let id = orders[k][cursor[k]];
        if let Some(p) = pred[id.index()]
            && !emitted[p.index()]
        {
            waiting.entry(p).or_default().push(k);
            continue;
        }
        out.push(id);
        emitted[id.index()] = true;
        cursor[k] += 1;
        if let Some(&next) = orders[k].get(cursor[k]) {
            heap.push(Reverse((point[next.index()], k)));
        }
        for k2 in waiting.remove(&id).unwrap_or_default() {
            let head = orders[k2][cursor[k2]];
            heap.push(Reverse((point[head.index()], k2)));
        }
    }
    // Only a cycle, which locality rules out, could leave operations behind;
    // append them so the caller's validation reports it rather than losing
    // operations.
    for (k, order) in orders.iter().enumerate() {
        out.extend_from_slice(&order[cursor[k]..]);
    }
    assert_eq!(
        out.len(),
        orders.iter().map(Vec::len).sum::<usize>(),
        "a merge neither loses nor repeats operations"
    );
    out
}

/// Replays `order` as a linearization of `history` under `model`,
/// independently of the search: every completed (`ok`) operation that
/// constrains the model appears exactly once, no failed operation appears,
/// an unknown-outcome operation appears at most once, the order respects
/// session order and real time (when the history has timestamps; an
/// unknown-outcome operation is only ordered after the completed operations
/// that precede it), and each operation is legal in the state the previous
/// ones leave.
pub fn validate_witness(history: &History, model: Model, order: &[OpId]) -> Result<(), String> {
    validate(history, model, order, history.has_real_time())
}

/// Shared by [`validate_witness`] and the sequential-consistency witness:
/// with `real_time` false only session order is checked.
pub(crate) fn validate(
    history: &History,
    model: Model,
    order: &[OpId],
    real_time: bool,
) -> Result<(), String> {
    with_model!(model, |m| validate_with(&m, history, order, real_time))
}

fn validate_with<M: DataModel>(
    m: &M,
    history: &History,
    order: &[OpId],
    real_time: bool,
) -> Result<(), String> {
    let n = history.len();
    let mut position = vec![usize::MAX; n];
    for (pos, &id) in order.iter().enumerate() {
        if id.index() >= n {
            return Err(format!("operation id {} is not in the history", id.0));
        }
        if position[id.index()] != usize::MAX {
            return Err(format!("`{}` appears twice", history.describe(id)));
        }
        position[id.index()] = pos;
        if history.op(id).is_fail() {
            return Err(format!(
                "`{}` failed, so it cannot take effect",
                history.describe(id)
            ));
        }
    }
    let mut compiled = Vec::with_capacity(n);
    for op in history.ops() {
        let c = if op.is_fail() {
            None
        } else {
            m.compile(history, op)?
        };
        if c.is_some() && op.is_ok() && position[op.id.index()] == usize::MAX {
            return Err(format!(
                "completed `{}` is missing",
                history.describe(op.id)
            ));
        }
        compiled.push(c);
    }
    // Order: a completed operation a must come before b when it returned
    // before b began (real time) or is earlier in b's session (session
    // order, which matters for touching intervals); unknown-outcome
    // operations float. One backward pass keeps the earliest return and the
    // smallest session rank per process among completed operations placed
    // later.
    let mut session_rank = vec![0usize; n];
    for s in history.sessions() {
        for (r, id) in s.iter().enumerate() {
            session_rank[id.index()] = r;
        }
    }
    let mut min_ret_after: Option<(Time, OpId)> = None;
    let mut min_rank_after: FxHashMap<u32, (usize, OpId)> = FxHashMap::default();
    for (pb, &b) in order.iter().enumerate().rev() {
        let ob = history.op(b);
        let by_time = min_ret_after.filter(|&(ret, _)| real_time && ret < ob.invoke);
        let by_session = min_rank_after
            .get(&ob.process.0)
            .filter(|&&(rank, _)| rank < session_rank[b.index()]);
        let later = by_time.map(|e| e.1).or(by_session.map(|e| e.1));
        if let Some(a) = later {
            return Err(format!(
                "`{}` (position {pb}) is ordered before `{}`, which must come first",
                history.describe(b),
                history.describe(a)
            ));
        }
        if ob.is_ok() {
            if let Some(ret) = ob.ret
                && min_ret_after.is_none_or(|(r, _)| ret < r)
            {
                min_ret_after = Some((ret, b));
            }
            let e = min_rank_after
                .entry(ob.process.0)
                .or_insert((usize::MAX, b));
            if session_rank[b.index()] < e.0 {
                *e = (session_rank[b.index()], b);
            }
        }
    }
    // Completed operations that the witness leaves out cannot be checked
    // for order; the missing check above already rejected them.
    let mut states: FxHashMap<u32, M::State> = FxHashMap::default();
    for &id in order {
        let op = history.op(id);
        let Some(c) = &compiled[id.index()] else {
            continue;
        };
        let part = m.partition(op);
        let state = states.entry(part).or_insert_with(|| m.init(history, part));
        match m.step(state, c) {
            Some(next) => *state = next,
            None => {
                return Err(format!(
                    "`{}` cannot happen when {}",
                    history.describe(id),
                    m.describe_state(history, state)
                ));
            }
        }
    }
    Ok(())
}
