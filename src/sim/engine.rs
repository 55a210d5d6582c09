//! The deterministic discrete-event engine: virtual time, one seeded
//! generator, an event queue ordered by `(time, sequence number)`, a network
//! with per-link latency, loss, duplication, optional per-link FIFO order,
//! partitions, crashes, pauses and per-node clock skew, and the clients that
//! record the history.
//!
//! Determinism is the point: every choice draws from the one [`Rng`], every
//! collection that is iterated is a `Vec` or a `BTreeMap`, and ties in time
//! are broken by the order events were scheduled. The same configuration and
//! seed therefore give byte-identical histories on any machine.
//!
//! Clients follow Jepsen's discipline: a process has at most one operation
//! outstanding; an operation that times out is recorded with an unknown
//! outcome ([`Outcome::Info`]) and the client continues as a new process,
//! because the old one may still take effect at any later time. Operations
//! are recorded through [`HistoryBuilder::invoke`] and
//! [`HistoryBuilder::complete`] at the virtual time they happen, so the
//! history's real-time order is the simulation's real-time order.
//!
//! A run has three phases: the main phase (reads and writes, faults injected
//! by the nemesis schedule), a heal (every partition removed, every node
//! restarted, marked by an annotation) followed by a settle period in which
//! clients issue nothing, and a final round in which every client reads every
//! key. `metadata.quiescent_at` is the end of the settle period: reads
//! invoked after it must agree if the protocol converges.

use super::protocols::Protocol;
use super::rng::Rng;
use super::{LatencyDist, NemesisAction, Partition, SimConfig, SimError, SimStats};
use crate::history::{
    Annotation, Call, Completion, HistoryBuilder, Invocation, KeyId, Observed, Outcome, ProcessId,
    Ret, Time,
};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Index of a replica node.
pub type NodeId = usize;

/// A client request as it reaches a replica.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The issuing client (an index; the history's process name changes
    /// when the client times out, the index does not).
    pub client: u32,
    /// Unique per run; replies carry it back.
    pub id: u64,
    pub key: u32,
    pub op: ReqOp,
}

/// What the client asks for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReqOp {
    Read,
    /// Write this value (unique per run, hence per key).
    Write(i64),
}

/// A replica's answer to a client.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The value read, `None` for a key that has no value.
    Read(Option<i64>),
    /// The write took effect with this value (the requested one, unless a
    /// nondeterministic operation chose another).
    Written(i64),
}

/// A protocol message: knows its size on the wire, for the byte counters.
pub trait Message: Clone + std::fmt::Debug {
    fn bytes(&self) -> usize;
}

enum Event<M> {
    Deliver { from: NodeId, to: NodeId, msg: M },
    Request { node: NodeId, req: Request },
    Reply { client: u32, id: u64, reply: Reply },
    Timer { node: NodeId, epoch: u32, id: u64 },
    ClientNext { client: u32 },
    Timeout { client: u32, id: u64 },
    Heal,
}

struct Entry<M> {
    time: Time,
    seq: u64,
    event: Event<M>,
}

impl<M> PartialEq for Entry<M> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<M> Eq for Entry<M> {}
impl<M> PartialOrd for Entry<M> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<M> Ord for Entry<M> {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest event.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// What protocols see of the world: the clock, the network, timers, the
/// generator and the replies to clients. Node ids index replicas.
pub struct Ctx<M> {
    now: Time,
    seq: u64,
    queue: BinaryHeap<Entry<M>>,
    rng: Rng,
    nodes: usize,
    keys: usize,
    /// Per ordered pair `from * nodes + to`: the latency distribution.
    links: Vec<LatencyDist>,
    client_latency: LatencyDist,
    loss: f64,
    duplicate: f64,
    fifo: bool,
    /// Per ordered pair: latest delivery time scheduled (FIFO links).
    last_delivery: Vec<Time>,
    /// Per ordered pair: messages are dropped.
    blocked: Vec<bool>,
    up: Vec<bool>,
    epoch: Vec<u32>,
    paused_until: Vec<Time>,
    skew_us: Vec<i64>,
    stats: SimStats,
}

impl<M: Message> Ctx<M> {
    fn push(&mut self, time: Time, event: Event<M>) {
        self.seq += 1;
        self.queue.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }

    fn sample(&mut self, d: LatencyDist) -> Time {
        match d {
            LatencyDist::Uniform { min_us, max_us } => self.rng.range(min_us, max_us),
            LatencyDist::Exponential { min_us, mean_us } => {
                min_us + self.rng.exponential(mean_us as f64) as u64
            }
        }
    }

    /// Current virtual time in microseconds.
    pub fn now(&self) -> Time {
        self.now
    }

    /// Number of replica nodes.
    pub fn nodes(&self) -> usize {
        self.nodes
    }

    /// Number of keys clients use.
    pub fn keys(&self) -> usize {
        self.keys
    }

    /// Whether `node` is running (not crashed). A perfect failure detector:
    /// protocols that model a view service or a failure detector ask this.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.up[node]
    }

    /// The node's wall clock: virtual time shifted by its clock skew.
    pub fn wall_clock_us(&self, node: NodeId) -> u64 {
        (self.now as i64 + self.skew_us[node]).max(0) as u64
    }

    /// The run's generator (protocols that need randomness draw from it, so
    /// that the seed fixes their choices too).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// Sends `msg` from `from` to `to`. Messages to oneself are delivered
    /// immediately (next in the queue) and are not network traffic; others
    /// suffer the link's latency, loss, duplication and partitions.
    pub fn send(&mut self, from: NodeId, to: NodeId, msg: M) {
        if from == to {
            let now = self.now;
            self.push(now, Event::Deliver { from, to, msg });
            return;
        }
        let bytes = msg.bytes() as u64;
        self.stats.messages_sent += 1;
        self.stats.bytes_sent += bytes;
        let pair = from * self.nodes + to;
        if self.blocked[pair] || self.rng.chance(self.loss) {
            self.stats.messages_dropped += 1;
            return;
        }
        let copies = if self.rng.chance(self.duplicate) {
            2
        } else {
            1
        };
        for copy in 0..copies {
            let mut at = self.now + self.sample(self.links[pair]);
            if self.fifo {
                at = at.max(self.last_delivery[pair]);
                self.last_delivery[pair] = at;
            }
            if copy == 1 {
                self.stats.messages_duplicated += 1;
            }
            let msg = msg.clone();
            self.push(at, Event::Deliver { from, to, msg });
        }
    }

    /// Sends `reply` from `node` to the client that issued `req`.
    pub fn reply(&mut self, _node: NodeId, req: &Request, reply: Reply) {
        let at = self.now + self.sample(self.client_latency);
        self.push(
            at,
            Event::Reply {
                client: req.client,
                id: req.id,
                reply,
            },
        );
    }

    /// Wakes `node` with `on_timer(id)` after `delay_us`, unless it crashes
    /// first (a crash cancels all its timers).
    pub fn set_timer(&mut self, node: NodeId, delay_us: Time, id: u64) {
        let epoch = self.epoch[node];
        let at = self.now + delay_us;
        self.push(at, Event::Timer { node, epoch, id });
    }

    fn set_partition(&mut self, partition: &Partition) {
        let n = self.nodes;
        match partition {
            Partition::Isolate(group) => {
                for a in 0..n {
                    for b in 0..n {
                        if group.contains(&a) != group.contains(&b) {
                            self.blocked[a * n + b] = true;
                        }
                    }
                }
            }
            Partition::OneWay { from, to } => {
                for &a in from {
                    for &b in to {
                        if a < n && b < n && a != b {
                            self.blocked[a * n + b] = true;
                        }
                    }
                }
            }
        }
    }
}

/// Per client: its current process, the operation it has outstanding, and
/// where it is in the run.
struct Client {
    process: ProcessId,
    incarnation: u32,
    home: NodeId,
    outstanding: Option<Outstanding>,
    /// The key of the client's last write, for read-after-write workloads.
    last_write: Option<u32>,
    /// During the final round: the next key to read (`None` before it).
    final_key: Option<u32>,
}

#[derive(Copy, Clone)]
struct Outstanding {
    id: u64,
    key: u32,
    write: Option<i64>,
}

fn process_name(client: u32, incarnation: u32, clients: u32) -> String {
    format!("p{}", client + incarnation * clients)
}

/// Runs one simulation with protocol `proto`, recording into `builder`.
pub(crate) fn run<P: Protocol>(
    cfg: &SimConfig,
    proto: &mut P,
    builder: &mut HistoryBuilder,
) -> Result<SimStats, SimError> {
    let n = cfg.nodes;
    let mut rng = Rng::new(cfg.seed);
    let skew_us: Vec<i64> = (0..n)
        .map(|_| {
            let span = cfg.clock_skew_max_us as i64;
            if span == 0 {
                0
            } else {
                rng.range(0, 2 * span as u64) as i64 - span
            }
        })
        .collect();
    let mut links = vec![cfg.net.latency; n * n];
    for l in &cfg.net.links {
        if l.from < n && l.to < n {
            links[l.from * n + l.to] = l.latency;
        }
    }
    let mut ctx: Ctx<P::Msg> = Ctx {
        now: 0,
        seq: 0,
        queue: BinaryHeap::new(),
        rng,
        nodes: n,
        keys: cfg.keys,
        links,
        client_latency: cfg.client_latency,
        loss: cfg.net.loss,
        duplicate: cfg.net.duplicate,
        fifo: cfg.net.fifo,
        last_delivery: vec![0; n * n],
        blocked: vec![false; n * n],
        up: vec![true; n],
        epoch: vec![0; n],
        paused_until: vec![0; n],
        skew_us,
        stats: SimStats::default(),
    };

    let key_ids: Vec<KeyId> = (0..cfg.keys)
        .map(|k| builder.key(&format!("k{k}")))
        .collect();
    let clients_n = cfg.clients as u32;
    let mut clients: Vec<Client> = (0..clients_n)
        .map(|c| Client {
            process: builder.process(&process_name(c, 0, clients_n)),
            incarnation: 0,
            home: c as usize % n,
            outstanding: None,
            last_write: None,
            final_key: None,
        })
        .collect();
    let mut nemesis: Vec<(usize, NemesisAction)> = cfg
        .nemesis
        .iter()
        .map(|e| (e.at_op, e.action.clone()))
        .collect();
    nemesis.sort_by_key(|(at, _)| *at);
    let mut nemesis = nemesis.into_iter().peekable();

    let mut issued: usize = 0;
    let mut next_value: i64 = 0;
    let mut next_req: u64 = 0;
    let mut line: u32 = 0;
    let mut heal_at: Option<Time> = None;
    let mut quiescent_at: Option<Time> = None;
    let mut finished_clients = 0usize;

    proto.start(&mut ctx);
    for c in 0..clients_n {
        let at = ctx.rng.range(0, cfg.think_max_us);
        ctx.push(at, Event::ClientNext { client: c });
    }

    if cfg.ops == 0 {
        ctx.push(0, Event::Heal);
    }
    while let Some(Entry { time, event, .. }) = ctx.queue.pop() {
        ctx.now = time;
        ctx.stats.events += 1;
        if ctx.stats.events > cfg.max_events {
            return Err(SimError::EventBudget(cfg.max_events));
        }
        match event {
            Event::Deliver { from, to, msg } => {
                if !ctx.up[to] || (from != to && ctx.blocked[from * n + to]) {
                    if from != to {
                        ctx.stats.messages_dropped += 1;
                    }
                    continue;
                }
                if ctx.paused_until[to] > time {
                    let at = ctx.paused_until[to];
                    ctx.push(at, Event::Deliver { from, to, msg });
                    continue;
                }
                if from != to {
                    ctx.stats.messages_delivered += 1;
                }
                proto.on_message(&mut ctx, to, from, msg);
            }
            Event::Request { node, req } => {
                if !ctx.up[node] {
                    continue;
                }
                if ctx.paused_until[node] > time {
                    let at = ctx.paused_until[node];
                    ctx.push(at, Event::Request { node, req });
                    continue;
                }
                proto.on_request(&mut ctx, node, req);
            }
            Event::Timer { node, epoch, id } => {
                if !ctx.up[node] || ctx.epoch[node] != epoch {
                    continue;
                }
                if ctx.paused_until[node] > time {
                    let at = ctx.paused_until[node];
                    ctx.push(at, Event::Timer { node, epoch, id });
                    continue;
                }
                proto.on_timer(&mut ctx, node, id);
            }
            Event::Reply { client, id, reply } => {
                let cl = &mut clients[client as usize];
                let Some(out) = cl.outstanding else { continue };
                if out.id != id {
                    // A late answer to an operation that already timed out:
                    // its process is gone, as in Jepsen.
                    continue;
                }
                line += 1;
                let (outcome, call) = match (reply, out.write) {
                    (Reply::Read(v), None) => {
                        let observed = match v {
                            Some(v) => Observed::Value(builder.int(v)),
                            None => Observed::Absent,
                        };
                        (Outcome::Ok(Ret::Value(observed)), None)
                    }
                    (Reply::Written(actual), Some(asked)) => {
                        let call = (actual != asked).then(|| Call::Write(builder.int(actual)));
                        (Outcome::Ok(Ret::Ack), call)
                    }
                    // A protocol answered a read with a write acknowledgement
                    // or the reverse: a bug in the protocol, reported as an
                    // error rather than recorded as a fabricated result.
                    _ => return Err(SimError::Protocol(format!("mismatched reply {reply:?}"))),
                };
                builder
                    .complete(Completion {
                        process: cl.process,
                        outcome,
                        time,
                        line,
                        call,
                    })
                    .map_err(|e| SimError::Protocol(e.to_string()))?;
                cl.outstanding = None;
                cl.last_write = out.write.map(|_| out.key);
                let at = time + ctx.rng.range(0, cfg.think_max_us);
                ctx.push(at, Event::ClientNext { client });
            }
            Event::Timeout { client, id } => {
                let cl = &mut clients[client as usize];
                if !matches!(cl.outstanding, Some(o) if o.id == id) {
                    continue;
                }
                line += 1;
                builder
                    .complete(Completion {
                        process: cl.process,
                        outcome: Outcome::Info,
                        time,
                        line,
                        call: None,
                    })
                    .map_err(|e| SimError::Protocol(e.to_string()))?;
                ctx.stats.timeouts += 1;
                cl.outstanding = None;
                cl.last_write = None;
                cl.incarnation += 1;
                cl.process = builder.process(&process_name(client, cl.incarnation, clients_n));
                let at = time + ctx.rng.range(0, cfg.think_max_us);
                ctx.push(at, Event::ClientNext { client });
            }
            Event::Heal => {
                ctx.blocked.iter_mut().for_each(|b| *b = false);
                for node in 0..n {
                    ctx.paused_until[node] = ctx.paused_until[node].min(time);
                    if !ctx.up[node] {
                        ctx.up[node] = true;
                        ctx.epoch[node] += 1;
                        proto.on_restart(&mut ctx, node);
                    }
                }
                annotate(
                    builder,
                    time,
                    "nemesis heal: partitions removed, nodes restarted",
                );
                let q = time + cfg.settle_us;
                quiescent_at = Some(q);
                builder.metadata.quiescent_at = Some(q);
                annotate_at(builder, q, "quiescent: settle period over, reads only");
                for c in 0..clients_n {
                    clients[c as usize].final_key = Some(0);
                    if clients[c as usize].outstanding.is_none() {
                        ctx.push(q, Event::ClientNext { client: c });
                    }
                }
            }
            Event::ClientNext { client } => {
                let cl = &mut clients[client as usize];
                if cl.outstanding.is_some() {
                    continue;
                }
                let (key, write) = if issued < cfg.ops {
                    // Main phase: a read or a write of a unique value.
                    let key = match cl.last_write {
                        Some(k) if ctx.rng.chance(cfg.reread_fraction) => k,
                        _ => ctx.rng.below(cfg.keys as u64) as u32,
                    };
                    if ctx.rng.chance(cfg.read_fraction) {
                        (key, None)
                    } else {
                        next_value += 1;
                        (key, Some(next_value))
                    }
                } else {
                    match (quiescent_at, cl.final_key) {
                        (Some(q), Some(k)) if time >= q && (k as usize) < cfg.keys => {
                            cl.final_key = Some(k + 1);
                            (k, None)
                        }
                        (Some(q), Some(k)) if time >= q && k != u32::MAX => {
                            cl.final_key = Some(u32::MAX);
                            finished_clients += 1;
                            if finished_clients == cfg.clients {
                                break;
                            }
                            continue;
                        }
                        // Main phase over, settle not reached: wait for the
                        // heal to wake us at the quiescence point.
                        _ => continue,
                    }
                };
                let node = if cfg.sticky {
                    cl.home
                } else {
                    ctx.rng.below(n as u64) as usize
                };
                next_req += 1;
                line += 1;
                let call = match write {
                    Some(v) => Call::Write(builder.int(v)),
                    None => Call::Read,
                };
                builder
                    .invoke(Invocation {
                        process: cl.process,
                        key: key_ids[key as usize],
                        call,
                        time,
                        line,
                    })
                    .map_err(|e| SimError::Protocol(e.to_string()))?;
                cl.outstanding = Some(Outstanding {
                    id: next_req,
                    key,
                    write,
                });
                let req = Request {
                    client,
                    id: next_req,
                    key,
                    op: match write {
                        Some(v) => ReqOp::Write(v),
                        None => ReqOp::Read,
                    },
                };
                let at = time + ctx.sample(ctx.client_latency);
                ctx.push(at, Event::Request { node, req });
                ctx.push(
                    time + cfg.timeout_us,
                    Event::Timeout {
                        client,
                        id: next_req,
                    },
                );
                ctx.stats.ops += 1;
                if issued < cfg.ops {
                    issued += 1;
                    while let Some((_, action)) = nemesis.next_if(|(at, _)| *at <= issued) {
                        apply_nemesis(&mut ctx, proto, builder, &action);
                    }
                    if issued == cfg.ops && heal_at.is_none() {
                        // Every main-phase operation has returned or timed
                        // out by this time, so the heal ends the faults.
                        let at = time + cfg.timeout_us + 1;
                        heal_at = Some(at);
                        ctx.push(at, Event::Heal);
                    }
                }
            }
        }
    }
    ctx.stats.end_time_us = ctx.now;
    Ok(ctx.stats)
}

fn annotate(builder: &mut HistoryBuilder, time: Time, text: &str) {
    annotate_at(builder, time, text);
}

fn annotate_at(builder: &mut HistoryBuilder, time: Time, text: &str) {
    let ops_before = builder.op_count() as u32;
    builder.annotations.push(Annotation {
        time: Some(time),
        ops_before,
        text: text.to_string(),
        line: 0,
    });
}

fn apply_nemesis<P: Protocol>(
    ctx: &mut Ctx<P::Msg>,
    proto: &mut P,
    builder: &mut HistoryBuilder,
    action: &NemesisAction,
) {
    let now = ctx.now;
    let n = ctx.nodes;
    match action {
        NemesisAction::Crash(node) if *node < n && ctx.up[*node] => {
            ctx.up[*node] = false;
            ctx.epoch[*node] += 1;
            proto.on_crash(ctx, *node);
        }
        NemesisAction::Restart(node) if *node < n && !ctx.up[*node] => {
            ctx.up[*node] = true;
            ctx.epoch[*node] += 1;
            proto.on_restart(ctx, *node);
        }
        NemesisAction::Partition(p) => ctx.set_partition(p),
        NemesisAction::HealPartition => ctx.blocked.iter_mut().for_each(|b| *b = false),
        NemesisAction::Pause { node, duration_us } if *node < n => {
            ctx.paused_until[*node] = now + duration_us;
        }
        _ => return,
    }
    annotate(builder, now, &format!("nemesis {}", action.describe()));
}
