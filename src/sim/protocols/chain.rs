//! Chain replication (van Renesse and Schneider, OSDI 2004): the replicas
//! form a chain. Writes enter at the head, are applied by each node in turn
//! and answered by the tail; reads are answered by the tail. Every write a
//! read can see has been applied by the whole chain, so the tail's state is
//! the single copy a client observes: linearizable.
//!
//! ```text
//!  write ─▶ head ──▶ middle ──▶ tail ─▶ ok
//!  read  ───────────────────────▶ tail ─▶ value
//! ```
//!
//! Chain reconfiguration (removing a failed node) is not modelled: a crash
//! makes operations time out, which is safe.
//!
//! Knob `ack-at-head`: the head answers a write as soon as it has applied
//! it. A client can then read at the tail before the write got there:
//! linearizability breaks (and read-your-writes, when the key was fresh).

use super::Protocol;
use crate::sim::network::{Ctx, Message, NodeId, Reply, ReqOp, Request};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub enum Msg {
    Forward(Request),
    Down {
        seq: u64,
        key: u32,
        value: i64,
        req: Request,
    },
}

impl Message for Msg {
    fn bytes(&self) -> usize {
        super::HEADER_BYTES
            + match self {
                Msg::Forward(_) => 16,
                Msg::Down { .. } => 36,
            }
    }
}

#[derive(Copy, Clone, Debug, Default)]
pub struct Knobs {
    pub ack_at_head: bool,
}

struct Node {
    store: Vec<Option<i64>>,
    applied_seq: u64,
    pending: BTreeMap<u64, (u32, i64, Request)>,
}

pub struct Chain {
    knobs: Knobs,
    nodes: Vec<Node>,
    next_seq: u64,
}

impl Chain {
    pub fn new(nodes: usize, keys: usize, knobs: Knobs) -> Chain {
        Chain {
            knobs,
            nodes: (0..nodes)
                .map(|_| Node {
                    store: vec![None; keys],
                    applied_seq: 0,
                    pending: BTreeMap::new(),
                })
                .collect(),
            next_seq: 1,
        }
    }

    fn tail(&self) -> NodeId {
        self.nodes.len() - 1
    }

    /// Applies the write at `node`, then passes it on or, at the tail,
    /// answers the client.
    fn apply(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, key: u32, value: i64, req: Request) {
        self.nodes[node].store[key as usize] = Some(value);
        let seq = self.nodes[node].applied_seq;
        if node == self.tail() {
            if !self.knobs.ack_at_head || node == 0 {
                ctx.reply(node, &req, Reply::Written(value));
            }
        } else {
            ctx.send(
                node,
                node + 1,
                Msg::Down {
                    seq,
                    key,
                    value,
                    req,
                },
            );
        }
    }

    fn handle(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        match req.op {
            ReqOp::Read if node == self.tail() => {
                let v = self.nodes[node].store[req.key as usize];
                ctx.reply(node, &req, Reply::Read(v));
            }
            ReqOp::Read => ctx.send(node, self.tail(), Msg::Forward(req)),
            ReqOp::Write(v) if node == 0 => {
                self.nodes[0].applied_seq = self.next_seq;
                self.next_seq += 1;
                if self.knobs.ack_at_head && self.tail() != 0 {
                    ctx.reply(0, &req, Reply::Written(v));
                }
                self.apply(ctx, 0, req.key, v, req);
            }
            ReqOp::Write(_) => ctx.send(node, 0, Msg::Forward(req)),
        }
    }
}

impl Protocol for Chain {
    type Msg = Msg;

    fn on_request(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        self.handle(ctx, node, req);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, _from: NodeId, msg: Msg) {
        match msg {
            Msg::Forward(req) => self.handle(ctx, node, req),
            Msg::Down {
                seq,
                key,
                value,
                req,
            } => {
                let n = &mut self.nodes[node];
                if seq <= n.applied_seq {
                    return;
                }
                n.pending.insert(seq, (key, value, req));
                // Apply in chain order even if the link reorders.
                loop {
                    let n = &mut self.nodes[node];
                    let next = n.applied_seq + 1;
                    let Some((k, v, r)) = n.pending.remove(&next) else {
                        break;
                    };
                    n.applied_seq = next;
                    self.apply(ctx, node, k, v, r);
                }
            }
        }
    }

    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>> {
        Some(self.nodes[node].store.clone())
    }
}
