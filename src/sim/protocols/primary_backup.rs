//! Synchronous primary-backup, i.e. passive replication (Budhiraja,
//! Marzullo, Schneider, Toueg, "The primary-backup approach", 1993): only
//! the primary executes an operation; it ships the resulting value to every
//! backup and answers the client once every live backup has acknowledged.
//! Reads are answered by the primary from its committed state. A write takes
//! effect (is linearized) when it commits, so the protocol is linearizable.
//!
//! ```text
//!  client ──write──▶ primary ──Update(seq)──▶ backup 1, backup 2
//!                       ◀──────── Ack(seq) ────────┘
//!  client ◀──ok────── primary   (once every live, synced backup acked seq)
//! ```
//!
//! Failover is driven by a view service modelled as a perfect failure
//! detector (`Ctx::is_up`): when the primary crashes, the lowest-numbered
//! live backup that is in sync becomes primary of a new view, promotes
//! everything it has applied to committed, and sends its whole state to the
//! others (a state transfer), after which it ships updates as before. A
//! restarted node gets a state transfer before it counts as in sync. Because
//! a write commits only once every live backup has it, any new primary has
//! every committed write.
//!
//! Knobs:
//! * `backup-reads`: backups answer reads from their applied state. With
//!   roaming clients a session can read a new value at one backup and an
//!   older one at the next: monotonic reads break (and linearizability).
//! * `ack-before-replication`: the primary answers a write as soon as it
//!   has applied it, shipping it in the background. A failover loses the
//!   writes still in flight: linearizability breaks (a completed write
//!   vanishes), and with it read-your-writes and the rest.
//! * `nondeterministic-ops`: each write is executed nondeterministically
//!   (the value depends on a local coin). Harmless here: only the primary
//!   executes, and it ships the value it chose. The teaching example of
//!   passive replication.

use super::{Protocol, ProtocolCounters, nondeterministic_value};
use crate::sim::network::{Ctx, Message, NodeId, Reply, ReqOp, Request};
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Debug)]
pub enum Msg {
    Forward(Request),
    Update {
        view: u64,
        seq: u64,
        key: u32,
        value: i64,
    },
    Ack {
        view: u64,
        seq: u64,
    },
    Sync {
        view: u64,
        seq: u64,
        store: Vec<Option<i64>>,
    },
}

impl Message for Msg {
    fn bytes(&self) -> usize {
        super::HEADER_BYTES
            + match self {
                Msg::Forward(_) => 16,
                Msg::Update { .. } => 28,
                Msg::Ack { .. } => 16,
                Msg::Sync { store, .. } => 16 + 16 * store.len(),
            }
    }
}

/// Knobs of this protocol.
#[derive(Copy, Clone, Debug, Default)]
pub struct Knobs {
    pub backup_reads: bool,
    pub ack_before_replication: bool,
    pub nondeterministic_ops: bool,
}

struct Node {
    /// Every update applied (for the primary: every write it accepted).
    latest: Vec<Option<i64>>,
    /// The primary's committed state, which it reads from.
    committed: Vec<Option<i64>>,
    view: u64,
    applied_seq: u64,
    /// Updates that arrived ahead of a gap.
    pending: BTreeMap<u64, (u32, i64)>,
    /// Received a state transfer of the current configuration (or was there
    /// from the start); only such nodes may become primary.
    in_sync: bool,
}

struct Pending {
    seq: u64,
    key: u32,
    value: i64,
    req: Request,
}

pub struct PrimaryBackup {
    knobs: Knobs,
    nodes: Vec<Node>,
    /// The view service's record of the current primary and view.
    primary: NodeId,
    view: u64,
    next_seq: u64,
    /// Writes the primary has shipped and not yet committed, in seq order.
    log: VecDeque<Pending>,
    /// Per node: highest seq it acknowledged in the current view.
    acked: Vec<u64>,
    /// Per node: the primary ships to it and waits for it (while it is up).
    member: Vec<bool>,
    failovers: u64,
}

impl PrimaryBackup {
    pub fn new(nodes: usize, keys: usize, knobs: Knobs) -> PrimaryBackup {
        PrimaryBackup {
            knobs,
            nodes: (0..nodes)
                .map(|_| Node {
                    latest: vec![None; keys],
                    committed: vec![None; keys],
                    view: 0,
                    applied_seq: 0,
                    pending: BTreeMap::new(),
                    in_sync: true,
                })
                .collect(),
            primary: 0,
            view: 0,
            next_seq: 1,
            log: VecDeque::new(),
            acked: vec![0; nodes],
            member: vec![true; nodes],
            failovers: 0,
        }
    }

    fn handle_at_primary(&mut self, ctx: &mut Ctx<Msg>, req: Request) {
        let p = self.primary;
        match req.op {
            ReqOp::Read => {
                let v = self.nodes[p].committed[req.key as usize];
                ctx.reply(p, &req, Reply::Read(v));
            }
            ReqOp::Write(v) => {
                // Passive replication: the primary executes the operation
                // once, and only its result travels.
                let value = if self.knobs.nondeterministic_ops {
                    nondeterministic_value(ctx, v)
                } else {
                    v
                };
                let seq = self.next_seq;
                self.next_seq += 1;
                let node = &mut self.nodes[p];
                node.latest[req.key as usize] = Some(value);
                node.applied_seq = seq;
                for b in 0..ctx.nodes() {
                    if b != p && self.member[b] {
                        let msg = Msg::Update {
                            view: self.view,
                            seq,
                            key: req.key,
                            value,
                        };
                        ctx.send(p, b, msg);
                    }
                }
                if self.knobs.ack_before_replication {
                    self.nodes[p].committed[req.key as usize] = Some(value);
                    ctx.reply(p, &req, Reply::Written(value));
                } else {
                    self.log.push_back(Pending {
                        seq,
                        key: req.key,
                        value,
                        req,
                    });
                    self.try_commit(ctx);
                }
            }
        }
    }

    /// Commits, in order, every write acknowledged by every live member.
    fn try_commit(&mut self, ctx: &mut Ctx<Msg>) {
        let p = self.primary;
        if !ctx.is_up(p) {
            return;
        }
        let upto = (0..ctx.nodes())
            .filter(|&b| b != p && self.member[b] && ctx.is_up(b))
            .map(|b| self.acked[b])
            .min()
            .unwrap_or(u64::MAX);
        while let Some(front) = self.log.front() {
            if front.seq > upto {
                break;
            }
            let w = self.log.pop_front().expect("front exists");
            self.nodes[p].committed[w.key as usize] = Some(w.value);
            ctx.reply(p, &w.req, Reply::Written(w.value));
        }
    }

    fn send_sync(&mut self, ctx: &mut Ctx<Msg>, to: NodeId) {
        let p = self.primary;
        self.member[to] = true;
        self.acked[to] = 0;
        let msg = Msg::Sync {
            view: self.view,
            seq: self.nodes[p].applied_seq,
            store: self.nodes[p].latest.clone(),
        };
        ctx.send(p, to, msg);
    }

    fn failover(&mut self, ctx: &mut Ctx<Msg>) {
        let Some(new) = (0..ctx.nodes()).find(|&n| ctx.is_up(n) && self.nodes[n].in_sync) else {
            // No replica is known to hold every committed write: stay
            // unavailable rather than lose writes.
            return;
        };
        self.failovers += 1;
        self.view += 1;
        self.primary = new;
        self.log.clear();
        let node = &mut self.nodes[new];
        node.view = self.view;
        // Apply what arrived out of order is impossible to commit safely
        // (there is a gap), so it is dropped with the old view.
        node.pending.clear();
        node.committed = node.latest.clone();
        self.next_seq = node.applied_seq + 1;
        for b in 0..ctx.nodes() {
            self.member[b] = false;
            if b != new && ctx.is_up(b) {
                self.send_sync(ctx, b);
            }
        }
    }
}

impl Protocol for PrimaryBackup {
    type Msg = Msg;

    fn on_request(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, req: Request) {
        if node == self.primary {
            self.handle_at_primary(ctx, req);
        } else if self.knobs.backup_reads && req.op == ReqOp::Read {
            let v = self.nodes[node].latest[req.key as usize];
            ctx.reply(node, &req, Reply::Read(v));
        } else {
            ctx.send(node, self.primary, Msg::Forward(req));
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Msg>, node: NodeId, from: NodeId, msg: Msg) {
        match msg {
            Msg::Forward(req) => {
                if node == self.primary {
                    self.handle_at_primary(ctx, req);
                }
            }
            Msg::Update {
                view,
                seq,
                key,
                value,
            } => {
                let n = &mut self.nodes[node];
                if view != n.view || seq <= n.applied_seq {
                    return;
                }
                n.pending.insert(seq, (key, value));
                while let Some((k, v)) = n.pending.remove(&(n.applied_seq + 1)) {
                    n.latest[k as usize] = Some(v);
                    n.applied_seq += 1;
                }
                let ack = Msg::Ack {
                    view,
                    seq: n.applied_seq,
                };
                ctx.send(node, from, ack);
            }
            Msg::Ack { view, seq } => {
                if node == self.primary && view == self.view {
                    self.acked[from] = self.acked[from].max(seq);
                    self.try_commit(ctx);
                }
            }
            Msg::Sync { view, seq, store } => {
                let n = &mut self.nodes[node];
                if view < n.view {
                    return;
                }
                n.view = view;
                n.latest = store.clone();
                n.committed = store;
                n.applied_seq = seq;
                n.pending.retain(|&s, _| s > seq);
                n.in_sync = true;
                while let Some((k, v)) = n.pending.remove(&(n.applied_seq + 1)) {
                    n.latest[k as usize] = Some(v);
                    n.applied_seq += 1;
                }
                ctx.send(
                    node,
                    from,
                    Msg::Ack {
                        view,
                        seq: n.applied_seq,
                    },
                );
            }
        }
    }

    fn on_crash(&mut self, ctx: &mut Ctx<Msg>, node: NodeId) {
        if node == self.primary {
            self.failover(ctx);
        } else {
            // One fewer backup to wait for.
            self.try_commit(ctx);
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<Msg>, node: NodeId) {
        self.nodes[node].in_sync = false;
        self.nodes[node].pending.clear();
        if !ctx.is_up(self.primary) {
            // The view service had no in-sync candidate before; try again.
            self.failover(ctx);
        }
        if node != self.primary && ctx.is_up(self.primary) {
            self.send_sync(ctx, node);
        }
    }

    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>> {
        Some(self.nodes[node].latest.clone())
    }

    fn counters(&self) -> ProtocolCounters {
        ProtocolCounters {
            failovers: self.failovers,
            ..ProtocolCounters::default()
        }
    }
}
