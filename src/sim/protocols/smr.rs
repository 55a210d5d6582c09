//! Active replication, i.e. state machine replication over a totally
//! ordered log (Schneider, "Implementing fault-tolerant services using the
//! state machine approach", 1990): a sequencer (node 0) gives every command
//! a position in one log; every replica executes every command in log order
//! on its own copy. The replica a client contacted answers once it has
//! executed the client's command, reads included, so each operation takes
//! effect at its log position, which lies inside its interval:
//! linearizable. The log positions are a logical clock shared by all.
//!
//! ```text
//!  client ─▶ replica i ──Submit──▶ sequencer ──Ordered(seq)──▶ all replicas
//!  client ◀──────── replica i  (after executing seq)
//! ```
//!
//! Sequencer failover is not modelled: if it crashes, operations time out.
//!
//! Knobs:
//! * `local-reads`: a replica answers reads from its current state without
//!   ordering them. With sticky clients every session reads a prefix of the
//!   log that includes its own writes, so the history stays sequentially
//!   consistent, but a read at a lagging replica misses a write that
//!   completed elsewhere: linearizability breaks.
//! * `nondeterministic-ops`: each replica executes each write with a local
//!   coin deciding the value. Replicas diverge: convergence breaks (and
//!   reads return values the client never saw written). The teaching
//!   example of why active replication needs deterministic operations.

use super::{Protocol, nondeterministic_value};
use crate::sim::network::{Ctx, Message, NodeId, Reply, ReqOp, Request};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct Command {
    /// The replica that answers the client.
    origin: NodeId,
    req: Request,
}

#[derive(Clone, Debug)]
pub enum Msg {
    Submit(Command),
    Ordered { seq: u64, cmd: Command },
}

impl Message for Msg {
    fn bytes(&self) -> usize {
        super::HEADER_BYTES
            + match self {
                Msg::Submit(_) => 24,
                Msg::Ordered { .. } => 32,
            }
    }
}

#[derive(Copy, Clone, Debug, Default)]
pub struct Knobs {
    pub local_reads: bool,
    pub nondeterministic_ops: bool,
}

struct Replica {
    store: Vec<Option<i64>>,
    applied: u64,
    pending: BTreeMap<u64, Command>,
}

pub struct StateMachine {
    knobs: Knobs,
    replicas: Vec<Replica>,
    next_seq: u64,
}

const SEQUENCER: NodeId = 0;

impl StateMachine {
    pub fn new(nodes: usize, keys: usize, knobs: Knobs) -> StateMachine {
        StateMachine {
            knobs,
            replicas: (0..nodes)
                .map(|_| Replica {
                    store: vec![None; keys],
                    applied: 0,
                    pending: BTreeMap::new(),
                })
                .collect(),
            next_seq: 1,
        }
    }

    fn execute(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, cmd: Command) {
        let req = cmd.req;
        let slot_value = self.replicas[node].store[req.key as usize];
        let reply = match req.op {
            ReqOp::Read => Reply::Read(slot_value),
            ReqOp::Write(v) => {
                // Active replication: every replica executes the command,
                // so a nondeterministic command may diverge.
                let value = if self.knobs.nondeterministic_ops {
                    nondeterministic_value(ctx, v)
                } else {
                    v
                };
                self.replicas[node].store[req.key as usize] = Some(value);
                Reply::Written(value)
            }
        };
        if cmd.origin == node {
            ctx.reply(node, &req, reply);
        }
    }
}

impl Protocol for StateMachine {
    type Msg = Msg;

    fn on_request(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        if self.knobs.local_reads && req.op == ReqOp::Read {
            let v = self.replicas[node].store[req.key as usize];
            ctx.reply(node, &req, Reply::Read(v));
            return;
        }
        ctx.send(node, SEQUENCER, Msg::Submit(Command { origin: node, req }));
    }

    fn on_message(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, _from: NodeId, msg: Msg) {
        match msg {
            Msg::Submit(cmd) => {
                if node != SEQUENCER {
                    return;
                }
                let seq = self.next_seq;
                self.next_seq += 1;
                for r in 0..ctx.nodes() {
                    let msg = Msg::Ordered {
                        seq,
                        cmd: cmd.clone(),
                    };
                    ctx.send(node, r, msg);
                }
            }
            Msg::Ordered { seq, cmd } => {
                if seq <= self.replicas[node].applied {
                    return;
                }
                self.replicas[node].pending.insert(seq, cmd);
                loop {
                    let r = &mut self.replicas[node];
                    let next = r.applied + 1;
                    let Some(cmd) = r.pending.remove(&next) else {
                        break;
                    };
                    r.applied = next;
                    self.execute(ctx, node, cmd);
                }
            }
        }
    }

    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>> {
        Some(self.replicas[node].store.clone())
    }
}
