//! Eventual consistency with gossip, last-writer-wins and Merkle-tree
//! anti-entropy (the Dynamo design: DeCandia et al., SOSP 2007).
//!
//! A replica applies a client's write at once, stamped with its Lamport
//! clock `(clock, node)`, answers, and pushes the update to every peer once,
//! best effort (a lost push is not resent). Reads are local. Periodically
//! each replica starts an anti-entropy session with the next peer: the two
//! compare Merkle trees top-down (see [`crate::sim::merkle`]) and exchange
//! only the buckets that differ, merging by last-writer-wins. Once faults
//! are healed and writes stop, every replica ends with the same entry for
//! every key: convergence. With sticky clients a session also reads its own
//! writes and never reads back in time, since a replica only moves forward
//! in stamp order.
//!
//! Knob `no-anti-entropy`: no anti-entropy sessions. Updates whose push was
//! lost (a partition, message loss) are never repaired: convergence breaks.

use super::store::{LwwStore, Stamp};
use super::{ENTRY_BYTES, HEADER_BYTES, Protocol, ProtocolCounters};
use crate::sim::merkle::{
    self, MerkleTree, bucket_entries, compare_digest, merge_entries, newer_entries,
};
use crate::sim::network::{Ctx, Message, NodeId, Reply, ReqOp, Request};

#[derive(Clone, Debug)]
pub enum Msg {
    /// Best-effort push of one fresh write.
    Push { key: u32, stamp: Stamp, value: i64 },
    /// Merkle nodes (index, hash) to compare.
    Digest { nodes: Vec<(u16, u64)> },
    /// Entries of differing buckets; `want` asks for the peer's newer ones.
    Buckets {
        entries: Vec<(u32, Stamp, i64)>,
        want: Vec<u16>,
    },
}

impl Message for Msg {
    fn bytes(&self) -> usize {
        match self {
            Msg::Push { .. } => HEADER_BYTES + ENTRY_BYTES,
            Msg::Digest { nodes } => merkle::digest_bytes(nodes.len()),
            Msg::Buckets { entries, want } => merkle::buckets_bytes(entries.len(), want.len()),
        }
    }
}

#[derive(Copy, Clone, Debug, Default)]
pub struct Knobs {
    pub no_anti_entropy: bool,
}

struct Node {
    store: LwwStore,
    tree: MerkleTree,
    lamport: u64,
    next_peer: usize,
}

pub struct Eventual {
    knobs: Knobs,
    nodes: Vec<Node>,
    interval_us: u64,
    counters: ProtocolCounters,
}

impl Eventual {
    pub fn new(nodes: usize, keys: usize, interval_us: u64, knobs: Knobs) -> Eventual {
        Eventual {
            knobs,
            nodes: (0..nodes)
                .map(|i| Node {
                    store: LwwStore::new(keys),
                    tree: MerkleTree::new(keys),
                    lamport: 0,
                    next_peer: i + 1,
                })
                .collect(),
            interval_us,
            counters: ProtocolCounters::default(),
        }
    }

    fn send_ae(&mut self, ctx: &mut Ctx<Msg>, from: NodeId, to: NodeId, msg: Msg) {
        self.counters.anti_entropy_messages += 1;
        self.counters.anti_entropy_bytes += msg.bytes() as u64;
        if let Msg::Buckets { entries, .. } = &msg {
            self.counters.entries_shipped += entries.len() as u64;
        }
        ctx.send(from, to, msg);
    }

    fn merge(&mut self, node: NodeId, entries: &[(u32, Stamp, i64)]) {
        let n = &mut self.nodes[node];
        for &(_, s, _) in entries {
            n.lamport = n.lamport.max(s.0);
        }
        merge_entries(&mut n.tree, n.store.entries_mut(), entries);
    }
}

impl Protocol for Eventual {
    type Msg = Msg;

    fn start(&mut self, ctx: &mut Ctx<Msg>) {
        for n in 0..ctx.nodes() {
            let first = ctx.rng().range(1, self.interval_us);
            ctx.set_timer(n, first, 0);
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        let n = &mut self.nodes[node];
        match req.op {
            ReqOp::Read => {
                let v = n.store.read(req.key);
                ctx.reply(node, &req, Reply::Read(v));
            }
            ReqOp::Write(value) => {
                n.lamport += 1;
                let stamp = (n.lamport, node as u32);
                n.store.merge(req.key, stamp, value);
                n.tree.mark(req.key);
                for to in 0..ctx.nodes() {
                    if to != node {
                        let msg = Msg::Push {
                            key: req.key,
                            stamp,
                            value,
                        };
                        ctx.send(node, to, msg);
                    }
                }
                ctx.reply(node, &req, Reply::Written(value));
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, from: NodeId, msg: Msg) {
        match msg {
            Msg::Push { key, stamp, value } => self.merge(node, &[(key, stamp, value)]),
            Msg::Digest { nodes } => {
                let n = &mut self.nodes[node];
                n.tree.refresh(n.store.entries());
                let answer = compare_digest(&n.tree, &nodes);
                if !answer.leaves.is_empty() {
                    let entries = bucket_entries(&n.tree, n.store.entries(), &answer.leaves);
                    let msg = Msg::Buckets {
                        entries,
                        want: answer.leaves,
                    };
                    self.send_ae(ctx, node, from, msg);
                }
                if !answer.children.is_empty() {
                    let msg = Msg::Digest {
                        nodes: answer.children,
                    };
                    self.send_ae(ctx, node, from, msg);
                }
            }
            Msg::Buckets { entries, want } => {
                if !want.is_empty() {
                    let n = &mut self.nodes[node];
                    n.tree.refresh(n.store.entries());
                    let back = newer_entries(&n.tree, n.store.entries(), &want, &entries);
                    if !back.is_empty() {
                        let msg = Msg::Buckets {
                            entries: back,
                            want: Vec::new(),
                        };
                        self.send_ae(ctx, node, from, msg);
                    }
                }
                self.merge(node, &entries);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, _timer: u64) {
        let n = ctx.nodes();
        if !self.knobs.no_anti_entropy && n > 1 {
            let mut peer = self.nodes[node].next_peer % n;
            if peer == node {
                peer = (peer + 1) % n;
            }
            self.nodes[node].next_peer = peer + 1;
            self.counters.anti_entropy_sessions += 1;
            let full = merkle::full_state_bytes(
                self.nodes[node].store.entries(),
                self.nodes[peer].store.entries(),
            );
            self.counters.full_state_bytes += full as u64;
            let me = &mut self.nodes[node];
            me.tree.refresh(me.store.entries());
            let root = me.tree.root();
            self.send_ae(
                ctx,
                node,
                peer,
                Msg::Digest {
                    nodes: vec![(1, root)],
                },
            );
        }
        ctx.set_timer(node, self.interval_us, 0);
    }

    fn on_restart(&mut self, ctx: &mut Ctx<Msg>, node: NodeId) {
        ctx.set_timer(node, self.interval_us, 0);
    }

    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>> {
        Some(self.nodes[node].store.values())
    }

    fn counters(&self) -> ProtocolCounters {
        let mut c = self.counters.clone();
        c.merkle_bytes_saved = c.full_state_bytes.saturating_sub(c.anti_entropy_bytes);
        c
    }
}
