//! The deterministic discrete-event engine: it runs a protocol against the
//! simulated network, the clients and the nemesis, and collects the history
//! ([`SimRun`]). The loop takes the next event off the queue and hands it
//! on: an event for a replica through the network's gates to the protocol
//! (`super::network`), a reply, timeout or wake-up to the clients
//! (`super::clients`), the heal to the nemesis and then the clients
//! (`super::nemesis`).
//!
//! Determinism is the point: every choice draws from the one
//! [`Rng`](super::rng::Rng), every collection that is iterated is a `Vec`
//! or a `BTreeMap`, and ties in time are broken by the order events were
//! scheduled. The same configuration and seed therefore give
//! byte-identical histories on any machine.
//!
//! A run has three phases: the main phase (reads and writes, faults injected
//! by the nemesis schedule), a heal (every partition removed, every node
//! restarted, marked by an annotation) followed by a settle period in which
//! clients issue nothing, and a final round in which every client reads every
//! key. `metadata.quiescent_at` is the end of the settle period: reads
//! invoked after it must agree if the protocol converges.

use super::clients::{self, Clients, Next};
use super::config::{SimConfig, SimStats};
use super::error::SimError;
use super::nemesis::{self, Nemesis};
use super::network::{Ctx, Event};
use super::protocols::Protocol;
use crate::history::{History, HistoryBuilder};

/// A finished run.
#[derive(Clone, Debug)]
pub struct SimRun {
    pub history: History,
    pub stats: SimStats,
    /// Each node's final value of every key (`None`: the node holds no
    /// copy), for convergence tests.
    pub replicas: Vec<Option<Vec<Option<i64>>>>,
}

/// Runs `proto` under `cfg` and collects the history, the counters and
/// the replicas' final state.
pub(crate) fn drive<P: Protocol>(cfg: &SimConfig, mut proto: P) -> Result<SimRun, SimError> {
    let mut builder = clients::new_history(cfg);
    let mut stats = run(cfg, &mut proto, &mut builder)?;
    stats.protocol = proto.counters();
    let history = builder
        .finish()
        .map_err(|e| SimError::Protocol(e.to_string()))?;
    let replicas = (0..cfg.nodes).map(|n| proto.replica_values(n)).collect();
    Ok(SimRun {
        history,
        stats,
        replicas,
    })
}

/// Runs one simulation with protocol `proto`, recording into `builder`.
pub(crate) fn run<P: Protocol>(
    cfg: &SimConfig,
    proto: &mut P,
    builder: &mut HistoryBuilder,
) -> Result<SimStats, SimError> {
    let mut ctx: Ctx<P::Msg> = Ctx::new(cfg);
    let mut clients = Clients::new(cfg, builder);
    let mut nemesis = Nemesis::new(cfg);
    proto.start(&mut ctx);
    clients.start(&mut ctx);
    if cfg.ops == 0 {
        ctx.push(0, Event::Heal);
    }
    while let Some(event) = ctx.pop() {
        ctx.stats.events += 1;
        if ctx.stats.events > cfg.max_events {
            return Err(SimError::EventBudget(cfg.max_events));
        }
        let ctx = &mut ctx;
        match event {
            Event::Deliver { from, to, msg } => {
                if let Some(msg) = ctx.admit_message(from, to, msg) {
                    proto.on_message(ctx, to, from, msg);
                }
            }
            Event::Request { node, req } => {
                if let Some(req) = ctx.admit_request(node, req) {
                    proto.on_request(ctx, node, req);
                }
            }
            Event::Timer { node, epoch, id } => {
                if ctx.admit_timer(node, epoch, id) {
                    proto.on_timer(ctx, node, id);
                }
            }
            Event::Reply { client, id, reply } => {
                clients.on_reply(ctx, builder, client, id, reply)?
            }
            Event::Timeout { client, id } => clients.on_timeout(ctx, builder, client, id)?,
            Event::Heal => {
                nemesis::heal(ctx, proto, builder);
                clients.begin_final_round(ctx, builder);
            }
            Event::ClientNext { client } => match clients.next(ctx, builder, client)? {
                Next::Invoked(Some(issued)) => nemesis.on_progress(ctx, proto, builder, issued),
                Next::Invoked(None) | Next::Idle => {}
                Next::AllDone => break,
            },
        }
    }
    ctx.stats.end_time_us = ctx.now;
    Ok(ctx.stats)
}
