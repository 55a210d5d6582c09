//! The simulated network and the handle protocols act through ([`Ctx`]):
//! virtual time, the event queue ordered by `(time, sequence number)`,
//! per-link latency, loss, duplication, optional per-link FIFO order,
//! partitions, crashes, pauses and per-node clock skew. Protocols see only
//! this module; the engine (`super::engine`) drives it.

use super::rng::Rng;
use super::{LatencyDist, Partition, SimStats};
use crate::history::Time;
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
