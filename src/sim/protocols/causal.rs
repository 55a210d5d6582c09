//! Causal replication with vector clocks (the causal broadcast of Birman,
//! Schiper, Stephenson, "Lightweight causal and atomic group multicast",
//! TOCS 1991; causal memory of Ahamad et al., Distributed Computing 1995).
//!
//! Every replica applies a client's write at once and answers; it then
//! broadcasts the update tagged with its vector clock. A receiver delays the
//! update until it has applied everything the update depends on: the
//! sender's previous updates (per-sender FIFO) and every update the sender
//! had applied (the causal check):
//!
//! ```text
//!  deliver u from j at i when  u.vc[j] = VC_i[j] + 1
//!                         and  u.vc[k] ≤ VC_i[k] for every k ≠ j
//! ```
//!
//! Reads are local. Sessions are sticky: a client keeps talking to its
//! replica, whose state always includes the session's own writes and
//! everything the session read. Lost messages are resent by their origin
//! until a periodic summary (the receiver's vector clock) shows they
//! arrived, so partitions delay but never lose updates.
//!
//! Two ways to apply a delivered write ([`Apply`]), two protocols:
//!
//! * `causal` ([`Apply::LastWriterWins`]): concurrent writes to one key are
//!   arbitrated by last-writer-wins on a Lamport stamp `(clock, node)`,
//!   which extends causality to a total order; every replica keeps the
//!   same winner, so replicas converge: **causal convergence** (CCv), with
//!   weak causality, the session guarantees (read your writes, monotonic
//!   reads, monotonic writes and writes-follow-reads, each by the stamp
//!   order: a replica's stamps only grow, and a write's stamp exceeds its
//!   session's earlier writes and everything its replica had applied) and
//!   convergence. **Not causal memory, not PRAM**: a write that arrives
//!   after a concurrent write with a higher stamp is dropped, although a
//!   session there may already have read a state without the dropped
//!   write's causes. Say `p` reads `x = 1` (written elsewhere, with a high
//!   stamp) and `y` initial; then `q`'s `w(y, 5)`, `w(x, 2)` (a lower
//!   stamp, dropped) and `w(z, 7)` arrive; `p` reads `z = 7` and `x = 1`.
//!   Any view of `p` respecting `q`'s session order puts `w(y, 5)` after
//!   `p`'s read of `y`, hence after its first read of `x`, and `w(x, 2)`
//!   after `w(y, 5)` but before the read of `z`: between `w(x, 1)` and
//!   `p`'s last read, which should then return 2. PRAM and causal memory
//!   break (in a few seeds in a thousand of the default scenario), while
//!   monotonic writes by observation does not (`w(x, 1)` is not one of
//!   `q`'s writes).
//! * `causal-memory` ([`Apply::DeliveryOrder`]): every delivered write
//!   overwrites the key, so each replica applies the writes in its causal
//!   delivery order, with no arbitration: the causal memory of Ahamad et
//!   al. A session's view is the order in which its replica applied the
//!   writes, with the session's reads where they happened: it is legal
//!   (a read returns the last write applied before it) and respects
//!   (so ∪ rf)⁺ (causal delivery applies every write after its causes, and
//!   a session's own writes and reads happen at its replica in session
//!   order): **causal memory**, hence PRAM, weak causality and the session
//!   guarantees. Replicas may apply concurrent writes in different orders
//!   and never reconcile them, so neither causal convergence nor
//!   convergence is promised.
//!
//! Knobs:
//! * `no-causal-check`: deliver an update as soon as the sender's previous
//!   updates have been delivered, ignoring its other dependencies. A session
//!   can read a value whose cause has not arrived: writes-follow-reads, and
//!   with it causal memory, breaks. Each sender's updates still arrive in
//!   order, so under `causal-memory` this is FIFO broadcast applied in
//!   delivery order, which keeps PRAM (a replica's application order is a
//!   view respecting every session's order); under `causal`,
//!   last-writer-wins across senders whose updates arrive out of causal
//!   order fits no per-process serialization, and PRAM breaks too.
//! * `no-fifo`: deliver every update the moment it arrives. Two writes of
//!   one session can be seen in the opposite order elsewhere: monotonic
//!   writes, and with it PRAM, break.
//! * `wall-clock-lww`: last-writer-wins on the node's skewed wall clock
//!   instead of a Lamport clock. A write can lose to a causally earlier
//!   write from a node whose clock runs ahead; the writer's next read then
//!   returns the older value: causal consistency (and causal convergence)
//!   break. A clock that does not move between two writes of one node
//!   (here: a clock behind by more than the time elapsed, which reads 0;
//!   in general, a coarse clock) gives them equal stamps, and the second
//!   loses to the first everywhere: monotonic writes break too (in a few
//!   percent of seeds). Read your writes, monotonic reads and
//!   writes-follow-reads still hold: a replica's stored stamps only grow
//!   (and of equal stamps the first write applied stays), and a write
//!   that loses to the write its session read before is never visible.
//!   Only `causal` has this knob; `no-causal-check` and `no-fifo` apply to
//!   both protocols.

use super::store::{LwwStore, Stamp};
use super::{ENTRY_BYTES, HEADER_BYTES, Protocol};
use crate::history::Time;
use crate::sim::network::{Ctx, Message, NodeId, Reply, ReqOp, Request};
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
pub struct Update {
    origin: u32,
    /// The origin's vector clock right after the write; `deps[origin]` is
    /// this update's sequence number among the origin's updates.
    deps: Vec<u64>,
    key: u32,
    stamp: Stamp,
    value: i64,
}

impl Update {
    fn seq(&self) -> u64 {
        self.deps[self.origin as usize]
    }
}

#[derive(Clone, Debug)]
pub enum Msg {
    Update(Update),
    /// The sender's vector clock: tells each origin what arrived.
    Summary {
        vc: Vec<u64>,
    },
}

impl Message for Msg {
    fn bytes(&self) -> usize {
        HEADER_BYTES
            + match self {
                Msg::Update(u) => ENTRY_BYTES + 8 * u.deps.len(),
                Msg::Summary { vc } => 8 * vc.len(),
            }
    }
}

/// How a replica applies a write it delivers (or its own).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Apply {
    /// Keep the entry with the larger stamp (the `causal` protocol).
    LastWriterWins,
    /// Overwrite: the last write delivered wins (the `causal-memory`
    /// protocol).
    DeliveryOrder,
}

impl Apply {
    fn write(self, store: &mut LwwStore, key: u32, stamp: Stamp, value: i64) {
        match self {
            Apply::LastWriterWins => {
                store.merge(key, stamp, value);
            }
            Apply::DeliveryOrder => store.overwrite(key, stamp, value),
        }
    }
}

#[derive(Copy, Clone, Debug, Default)]
pub struct Knobs {
    pub no_causal_check: bool,
    pub no_fifo: bool,
    pub wall_clock_lww: bool,
}

struct Node {
    store: LwwStore,
    /// Per origin: how many of its updates were delivered contiguously.
    vc: Vec<u64>,
    /// Updates delivered out of order (only with `no-fifo`).
    beyond: BTreeSet<(u32, u64)>,
    lamport: u64,
    /// This node's own updates and when each was first sent.
    log: Vec<(Update, Time)>,
    /// Per peer: how many of our updates it has confirmed.
    acked: Vec<u64>,
    buffer: Vec<Update>,
}

pub struct Causal {
    apply: Apply,
    knobs: Knobs,
    nodes: Vec<Node>,
    resend_us: u64,
}

impl Causal {
    pub fn new(nodes: usize, keys: usize, resend_us: u64, apply: Apply, knobs: Knobs) -> Causal {
        Causal {
            apply,
            knobs,
            nodes: (0..nodes)
                .map(|_| Node {
                    store: LwwStore::new(keys),
                    vc: vec![0; nodes],
                    beyond: BTreeSet::new(),
                    lamport: 0,
                    log: Vec::new(),
                    acked: vec![0; nodes],
                    buffer: Vec::new(),
                })
                .collect(),
            resend_us,
        }
    }

    fn delivered(node: &Node, u: &Update) -> bool {
        Self::delivered_static(&u.deps, u.origin, &node.vc, &node.beyond)
    }

    fn deliverable(&self, node: &Node, u: &Update) -> bool {
        let o = u.origin as usize;
        if self.knobs.no_fifo {
            return true;
        }
        if u.seq() != node.vc[o] + 1 {
            return false;
        }
        self.knobs.no_causal_check
            || u.deps
                .iter()
                .enumerate()
                .all(|(k, &d)| k == o || d <= node.vc[k])
    }

    fn deliver(apply: Apply, node: &mut Node, u: &Update) {
        apply.write(&mut node.store, u.key, u.stamp, u.value);
        node.lamport = node.lamport.max(u.stamp.0);
        let o = u.origin as usize;
        if u.seq() == node.vc[o] + 1 {
            node.vc[o] += 1;
            while node.beyond.remove(&(u.origin, node.vc[o] + 1)) {
                node.vc[o] += 1;
            }
        } else {
            node.beyond.insert((u.origin, u.seq()));
        }
    }

    fn receive(&mut self, node: NodeId, u: Update) {
        if Self::delivered(&self.nodes[node], &u) {
            return;
        }
        self.nodes[node].buffer.push(u);
        // Deliver everything that became deliverable, to a fixed point.
        loop {
            let n = &self.nodes[node];
            let Some(i) = n.buffer.iter().position(|u| self.deliverable(n, u)) else {
                break;
            };
            let apply = self.apply;
            let n = &mut self.nodes[node];
            let u = n.buffer.swap_remove(i);
            if !Self::delivered(n, &u) {
                Self::deliver(apply, n, &u);
            }
            n.buffer
                .retain(|b| !Self::delivered_static(&b.deps, b.origin, &n.vc, &n.beyond));
        }
    }

    fn delivered_static(
        deps: &[u64],
        origin: u32,
        vc: &[u64],
        beyond: &BTreeSet<(u32, u64)>,
    ) -> bool {
        let seq = deps[origin as usize];
        seq <= vc[origin as usize] || beyond.contains(&(origin, seq))
    }
}

impl Protocol for Causal {
    type Msg = Msg;

    fn start(&mut self, ctx: &mut Ctx<Msg>) {
        for n in 0..ctx.nodes() {
            let first = ctx.rng().range(1, self.resend_us);
            ctx.set_timer(n, first, 0);
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        match req.op {
            ReqOp::Read => {
                let v = self.nodes[node].store.read(req.key);
                ctx.reply(node, &req, Reply::Read(v));
            }
            ReqOp::Write(value) => {
                let wall = ctx.wall_clock_us(node);
                let n = &mut self.nodes[node];
                n.lamport += 1;
                let clock = if self.knobs.wall_clock_lww {
                    wall
                } else {
                    n.lamport
                };
                let stamp = (clock, node as u32);
                n.vc[node] += 1;
                let u = Update {
                    origin: node as u32,
                    deps: n.vc.clone(),
                    key: req.key,
                    stamp,
                    value,
                };
                // With Lamport stamps the local write always wins; with a
                // skewed wall clock it may silently lose.
                self.apply.write(&mut n.store, req.key, stamp, value);
                n.log.push((u.clone(), ctx.now()));
                for to in 0..ctx.nodes() {
                    if to != node {
                        ctx.send(node, to, Msg::Update(u.clone()));
                    }
                }
                ctx.reply(node, &req, Reply::Written(value));
            }
        }
    }

    fn on_message(&mut self, _ctx: &mut Ctx<Msg>, node: NodeId, from: NodeId, msg: Msg) {
        match msg {
            Msg::Update(u) => self.receive(node, u),
            Msg::Summary { vc } => {
                let a = &mut self.nodes[node].acked[from];
                *a = (*a).max(vc[node]);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, _timer: u64) {
        let now = ctx.now();
        for to in 0..ctx.nodes() {
            if to == node {
                continue;
            }
            let vc = self.nodes[node].vc.clone();
            ctx.send(node, to, Msg::Summary { vc });
            // Resend, oldest first and a bounded batch, what the peer has not
            // confirmed although it was first sent at least a period ago.
            let from = self.nodes[node].acked[to] as usize;
            let mut sent = 0;
            for i in from..self.nodes[node].log.len() {
                let (u, at) = &self.nodes[node].log[i];
                if *at + self.resend_us > now {
                    break;
                }
                let u = u.clone();
                ctx.send(node, to, Msg::Update(u));
                sent += 1;
                if sent == 64 {
                    break;
                }
            }
        }
        ctx.set_timer(node, self.resend_us, 0);
    }

    fn on_restart(&mut self, ctx: &mut Ctx<Msg>, node: NodeId) {
        ctx.set_timer(node, self.resend_us, 0);
    }

    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>> {
        Some(self.nodes[node].store.values())
    }
}
