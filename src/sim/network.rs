//! The simulated network and the handle protocols act through ([`Ctx`]):
//! virtual time, the event queue ordered by `(time, sequence number)`,
//! per-link latency, loss, duplication, optional per-link FIFO order,
//! partitions, crashes, pauses and per-node clock skew. Protocols see only
//! this module; the engine (`super::engine`) drives it, handing every event
//! bound for a replica through the gates here (`Ctx::admit_message`,
//! `admit_request`, `admit_timer`), which drop what a crash or a partition
//! loses and postpone what a pause delays, and changing the network's state
//! for the nemesis (`crash`, `restart`, `pause`, `set_partition`, …).

use super::config::{LatencyDist, Partition, SimConfig, SimStats};
use super::rng::Rng;
use crate::history::Time;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

pub use super::config::NodeId;

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

pub(super) enum Event<M> {
    Deliver { from: NodeId, to: NodeId, msg: M },
    Request { node: NodeId, req: Request },
    Reply { client: u32, id: u64, reply: Reply },
    Timer { node: NodeId, epoch: u32, id: u64 },
    ClientNext { client: u32 },
    Timeout { client: u32, id: u64 },
    Heal,
}

pub(super) struct Entry<M> {
    pub(super) time: Time,
    pub(super) seq: u64,
    pub(super) event: Event<M>,
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
    pub(super) now: Time,
    pub(super) seq: u64,
    pub(super) queue: BinaryHeap<Entry<M>>,
    /// Client timeouts, in time order beside the heap (see
    /// [`Ctx::push_timeout`]).
    pub(super) timeouts: VecDeque<Entry<M>>,
    pub(super) rng: Rng,
    pub(super) nodes: usize,
    pub(super) keys: usize,
    /// Per ordered pair `from * nodes + to`: the latency distribution.
    pub(super) links: Vec<LatencyDist>,
    pub(super) client_latency: LatencyDist,
    pub(super) loss: f64,
    pub(super) duplicate: f64,
    pub(super) fifo: bool,
    /// Per ordered pair: latest delivery time scheduled (FIFO links).
    pub(super) last_delivery: Vec<Time>,
    /// Per ordered pair: messages are dropped.
    pub(super) blocked: Vec<bool>,
    pub(super) up: Vec<bool>,
    pub(super) epoch: Vec<u32>,
    pub(super) paused_until: Vec<Time>,
    pub(super) skew_us: Vec<i64>,
    pub(super) stats: SimStats,
}

impl<M: Message> Ctx<M> {
    /// The world at time 0: every node up, no partition, and the clock
    /// skews drawn first from the run's generator (one draw per node when
    /// skew is configured).
    pub(super) fn new(cfg: &SimConfig) -> Ctx<M> {
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
        Ctx {
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            timeouts: VecDeque::new(),
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
        }
    }

    /// Takes the next event and moves the clock to it: the earlier of the
    /// heap's top and the oldest timeout, ties broken by scheduling order as
    /// everywhere.
    pub(super) fn pop(&mut self) -> Option<Event<M>> {
        let from_timeouts = match (self.queue.peek(), self.timeouts.front()) {
            (Some(h), Some(t)) => (t.time, t.seq) < (h.time, h.seq),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let next = if from_timeouts {
            self.timeouts.pop_front()
        } else {
            self.queue.pop()
        }?;
        self.now = next.time;
        Some(next.event)
    }

    /// Schedules a client timeout. Every timeout has the same duration, so
    /// timeouts are scheduled in time order: a FIFO queue beside the heap
    /// keeps them out of it (a quarter of all events, mostly stale).
    pub(super) fn push_timeout(&mut self, time: Time, event: Event<M>) {
        self.seq += 1;
        self.timeouts.push_back(Entry {
            time,
            seq: self.seq,
            event,
        });
    }

    /// The end of `node`'s pause, if it is paused now: what arrives for it
    /// meanwhile waits until then, in order.
    fn paused(&self, node: NodeId) -> Option<Time> {
        (self.paused_until[node] > self.now).then_some(self.paused_until[node])
    }

    /// The message `from` sent, arriving at `to`: `None` if it is lost (the
    /// receiver is down, or a partition cuts the link) or postponed (the
    /// receiver is paused), otherwise the message to hand to the protocol.
    pub(super) fn admit_message(&mut self, from: NodeId, to: NodeId, msg: M) -> Option<M> {
        if !self.up[to] || (from != to && self.blocked[from * self.nodes + to]) {
            if from != to {
                self.stats.messages_dropped += 1;
            }
            return None;
        }
        if let Some(at) = self.paused(to) {
            self.push(at, Event::Deliver { from, to, msg });
            return None;
        }
        if from != to {
            self.stats.messages_delivered += 1;
        }
        Some(msg)
    }

    /// A client request reaching `node`: lost if the node is down,
    /// postponed while it is paused.
    pub(super) fn admit_request(&mut self, node: NodeId, req: Request) -> Option<Request> {
        if !self.up[node] {
            return None;
        }
        if let Some(at) = self.paused(node) {
            self.push(at, Event::Request { node, req });
            return None;
        }
        Some(req)
    }

    /// Whether timer `id` of `node`, set in `epoch`, fires now: not if the
    /// node is down or crashed since (a new epoch), later if it is paused.
    pub(super) fn admit_timer(&mut self, node: NodeId, epoch: u32, id: u64) -> bool {
        if !self.up[node] || self.epoch[node] != epoch {
            return false;
        }
        if let Some(at) = self.paused(node) {
            self.push(at, Event::Timer { node, epoch, id });
            return false;
        }
        true
    }

    /// Stops `node` and cancels its timers; `false` if it was down already
    /// or does not exist.
    pub(super) fn crash(&mut self, node: NodeId) -> bool {
        if node >= self.nodes || !self.up[node] {
            return false;
        }
        self.up[node] = false;
        self.epoch[node] += 1;
        true
    }

    /// Starts `node` again in a new epoch; `false` if it was up already or
    /// does not exist.
    pub(super) fn restart(&mut self, node: NodeId) -> bool {
        if node >= self.nodes || self.up[node] {
            return false;
        }
        self.up[node] = true;
        self.epoch[node] += 1;
        true
    }

    /// Stops `node` handling events for `duration_us` from now; `false` if
    /// it does not exist.
    pub(super) fn pause(&mut self, node: NodeId, duration_us: u64) -> bool {
        if node >= self.nodes {
            return false;
        }
        self.paused_until[node] = self.now + duration_us;
        true
    }

    /// Ends a pause of `node` now, if it is paused.
    pub(super) fn unpause(&mut self, node: NodeId) {
        self.paused_until[node] = self.paused_until[node].min(self.now);
    }

    /// Removes every partition.
    pub(super) fn heal_partitions(&mut self) {
        self.blocked.iter_mut().for_each(|b| *b = false);
    }

    pub(super) fn push(&mut self, time: Time, event: Event<M>) {
        self.seq += 1;
        self.queue.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }

    pub(super) fn sample(&mut self, d: LatencyDist) -> Time {
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

    pub(super) fn set_partition(&mut self, partition: &Partition) {
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
