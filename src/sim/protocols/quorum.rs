//! Quorum replication. With the defaults it is ABD (Attiya, Bar-Noy, Dolev,
//! "Sharing memory robustly in message-passing systems", JACM 1995): every
//! replica stores `(timestamp, value)` per key; the node a client contacts
//! coordinates. A write asks a quorum of R replicas for their timestamps,
//! picks a larger one (a Lamport-style `(counter, coordinator, op)` stamp,
//! unique), and stores it at a quorum of W. A read asks R replicas, takes
//! the value with the largest stamp, writes it back to W replicas, and only
//! then answers. With R = W = a majority of N, any two quorums intersect, so
//! reads never go back in time: linearizable, through partitions and crashes
//! of a minority.
//!
//! ```text
//!  write: coord ─Query─▶ R replicas ─max ts─▶ coord ─Store(ts+1)─▶ W replicas ─▶ ok
//!  read:  coord ─Query─▶ R replicas ─max ts─▶ coord ─Store(max)──▶ W replicas ─▶ value
//! ```
//!
//! Replicas also push their whole state to the next replica periodically (a
//! slow anti-entropy, like a Dynamo read repair): harmless for ABD, since a
//! pushed entry behaves like a delayed `Store`, and it makes the replicas
//! converge after a partition so that quiescent reads agree.
//!
//! Knob `sloppy-quorum`: Dynamo-style R = W = 1 with N = 3 (R + W ≤ N). A
//! write is acknowledged by the coordinator's own copy and a read consults
//! only the coordinator's copy, so a client that writes through one replica
//! and reads through another may miss its own write: read-your-writes
//! breaks (and linearizability).

use super::store::{Entry, LwwStore, Stamp};
use super::{ENTRY_BYTES, HEADER_BYTES, Protocol};
use crate::sim::network::{Ctx, Message, NodeId, Reply, ReqOp, Request};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub enum Msg {
    Query {
        op: u64,
        key: u32,
    },
    QueryReply {
        op: u64,
        entry: Entry,
    },
    Store {
        op: u64,
        key: u32,
        stamp: Stamp,
        value: i64,
    },
    StoreAck {
        op: u64,
    },
    /// Background anti-entropy: a replica's entries.
    Push {
        entries: Vec<(u32, Stamp, i64)>,
    },
}

impl Message for Msg {
    fn bytes(&self) -> usize {
        HEADER_BYTES
            + match self {
                Msg::Query { .. } | Msg::StoreAck { .. } => 12,
                Msg::QueryReply { .. } => 28,
                Msg::Store { .. } => 36,
                Msg::Push { entries } => ENTRY_BYTES * entries.len(),
            }
    }
}

#[derive(Copy, Clone, Debug, Default)]
pub struct Knobs {
    pub sloppy_quorum: bool,
}

#[derive(Copy, Clone, PartialEq, Eq)]
enum Phase {
    Query,
    Store,
}

struct OpState {
    req: Request,
    phase: Phase,
    /// Bit per replica that answered the current phase.
    answered: u64,
    best: Entry,
}

struct Node {
    store: LwwStore,
    next_op: u64,
    ops: BTreeMap<u64, OpState>,
}

pub struct Quorum {
    nodes: Vec<Node>,
    read_quorum: u32,
    write_quorum: u32,
    push_interval_us: u64,
}

impl Quorum {
    pub fn new(nodes: usize, keys: usize, push_interval_us: u64, knobs: Knobs) -> Quorum {
        let majority = (nodes / 2 + 1) as u32;
        let (r, w) = if knobs.sloppy_quorum {
            (1, 1)
        } else {
            (majority, majority)
        };
        Quorum {
            nodes: (0..nodes)
                .map(|_| Node {
                    store: LwwStore::new(keys),
                    next_op: 0,
                    ops: BTreeMap::new(),
                })
                .collect(),
            read_quorum: r,
            write_quorum: w,
            push_interval_us,
        }
    }

    fn broadcast(ctx: &mut Ctx<Msg>, from: NodeId, msg: Msg) {
        // The coordinator's own copy first: it answers at once, which is
        // what makes a quorum of one purely local.
        ctx.send(from, from, msg.clone());
        for to in 0..ctx.nodes() {
            if to != from {
                ctx.send(from, to, msg.clone());
            }
        }
    }

    /// Replica `from` answered the query phase of `op` with its entry: once
    /// a read quorum has, the coordinator picks the stamp to store (a new
    /// one for a write, the largest seen for a read's write-back) and
    /// starts the store phase.
    fn on_query_reply(
        &mut self,
        ctx: &mut Ctx<Msg>,
        node: NodeId,
        from: NodeId,
        op: u64,
        entry: Entry,
    ) {
        let r = self.read_quorum;
        let Some(st) = self.nodes[node].ops.get_mut(&op) else {
            return;
        };
        if st.phase != Phase::Query || st.answered & (1 << from) != 0 {
            return;
        }
        st.answered |= 1 << from;
        if let Some(e) = entry
            && st.best.is_none_or(|b| e.0 > b.0)
        {
            st.best = Some(e);
        }
        if st.answered.count_ones() < r {
            return;
        }
        st.phase = Phase::Store;
        st.answered = 0;
        let key = st.req.key;
        let (stamp, value) = match st.req.op {
            ReqOp::Write(v) => {
                let counter = st.best.map_or(0, |b| b.0.0) + 1;
                // Unique: the coordinator and its op number break ties
                // between concurrent writes.
                let tie = ((node as u32) << 24) | (op as u32 & 0xFF_FFFF);
                ((counter, tie), v)
            }
            ReqOp::Read => match st.best {
                Some(e) => e,
                None => {
                    // Nothing to write back: the key is absent at a read
                    // quorum, so it is absent.
                    let req = st.req.clone();
                    self.nodes[node].ops.remove(&op);
                    ctx.reply(node, &req, Reply::Read(None));
                    return;
                }
            },
        };
        let msg = Msg::Store {
            op,
            key,
            stamp,
            value,
        };
        Self::broadcast(ctx, node, msg);
    }

    /// Replica `from` stored `op`'s entry: once a write quorum has, the
    /// coordinator answers the client.
    fn on_store_ack(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, from: NodeId, op: u64) {
        let w = self.write_quorum;
        let Some(st) = self.nodes[node].ops.get_mut(&op) else {
            return;
        };
        if st.phase != Phase::Store || st.answered & (1 << from) != 0 {
            return;
        }
        st.answered |= 1 << from;
        if st.answered.count_ones() < w {
            return;
        }
        let st = self.nodes[node].ops.remove(&op).expect("present");
        let reply = match st.req.op {
            ReqOp::Write(v) => Reply::Written(v),
            ReqOp::Read => Reply::Read(st.best.map(|b| b.1)),
        };
        ctx.reply(node, &st.req, reply);
    }
}

impl Protocol for Quorum {
    type Msg = Msg;

    fn start(&mut self, ctx: &mut Ctx<Msg>) {
        for n in 0..ctx.nodes() {
            let first = ctx.rng().range(1, self.push_interval_us);
            ctx.set_timer(n, first, 0);
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        let n = &mut self.nodes[node];
        n.next_op += 1;
        // Op ids are unique per coordinator; the coordinator is implicit in
        // the replies' destination.
        let op = n.next_op;
        let key = req.key;
        n.ops.insert(
            op,
            OpState {
                req,
                phase: Phase::Query,
                answered: 0,
                best: None,
            },
        );
        Self::broadcast(ctx, node, Msg::Query { op, key });
    }

    fn on_message(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, from: NodeId, msg: Msg) {
        match msg {
            Msg::Query { op, key } => {
                let entry = self.nodes[node].store.entry(key);
                ctx.send(node, from, Msg::QueryReply { op, entry });
            }
            Msg::Store {
                op,
                key,
                stamp,
                value,
            } => {
                self.nodes[node].store.merge(key, stamp, value);
                ctx.send(node, from, Msg::StoreAck { op });
            }
            Msg::Push { entries } => {
                for (key, stamp, value) in entries {
                    self.nodes[node].store.merge(key, stamp, value);
                }
            }
            Msg::QueryReply { op, entry } => self.on_query_reply(ctx, node, from, op, entry),
            Msg::StoreAck { op } => self.on_store_ack(ctx, node, from, op),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, _timer: u64) {
        let entries = self.nodes[node].store.present();
        let n = ctx.nodes();
        if n > 1 && !entries.is_empty() {
            let to = (node + 1) % n;
            ctx.send(node, to, Msg::Push { entries });
        }
        ctx.set_timer(node, self.push_interval_us, 0);
    }

    fn on_crash(&mut self, _ctx: &mut Ctx<Msg>, node: NodeId) {
        // Coordinator state is volatile; clients of these ops time out.
        self.nodes[node].ops.clear();
    }

    fn on_restart(&mut self, ctx: &mut Ctx<Msg>, node: NodeId) {
        ctx.set_timer(node, self.push_interval_us, 0);
    }

    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>> {
        Some(self.nodes[node].store.values())
    }
}
