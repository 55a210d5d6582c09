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

use super::network::{Ctx, Entry, Event, NodeId, Reply, ReqOp, Request};
use super::protocols::Protocol;
use super::rng::Rng;
use super::{NemesisAction, SimConfig, SimError, SimStats};
use crate::history::{
    Annotation, Call, Completion, HistoryBuilder, Invocation, KeyId, Observed, Outcome, ProcessId,
    Ret, Time,
};
use std::collections::{BinaryHeap, VecDeque};

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
    let mut timeouts: VecDeque<Entry<P::Msg>> = VecDeque::new();
    loop {
        // The next event is the earlier of the heap's top and the oldest
        // timeout, ties broken by scheduling order as everywhere.
        let from_timeouts = match (ctx.queue.peek(), timeouts.front()) {
            (Some(h), Some(t)) => (t.time, t.seq) < (h.time, h.seq),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        let next = if from_timeouts {
            timeouts.pop_front()
        } else {
            ctx.queue.pop()
        };
        let Some(Entry { time, event, .. }) = next else {
            break;
        };
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
                // Every timeout has the same duration, so timeouts are
                // scheduled in time order: a FIFO queue beside the heap
                // keeps them out of it (a quarter of all events, mostly
                // stale).
                ctx.seq += 1;
                timeouts.push_back(Entry {
                    time: time + cfg.timeout_us,
                    seq: ctx.seq,
                    event: Event::Timeout {
                        client,
                        id: next_req,
                    },
                });
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
        kind: crate::history::AnnotationKind::of_text(text),
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
