//! The nemesis: the faults of [`SimConfig::nemesis`], each injected when
//! the main phase reaches its operation count, and the heal that ends every
//! fault once the main phase is over (every partition removed, every pause
//! ended, every crashed node restarted). Each fault that takes effect, and
//! the heal, is marked in the history by an annotation.
//!
//! The network state a fault changes lives in [`Ctx`]; the protocol hears
//! of crashes and restarts through its hooks.

use super::clients::annotate;
use super::config::{NemesisAction, SimConfig};
use super::network::{Ctx, Event};
use super::protocols::Protocol;
use crate::history::{HistoryBuilder, Time};
use std::iter::Peekable;
use std::vec;

/// The schedule of faults not yet injected, by operation count.
pub(super) struct Nemesis {
    schedule: Peekable<vec::IntoIter<(usize, NemesisAction)>>,
    /// Main-phase operations of the run.
    ops: usize,
    timeout_us: Time,
}

impl Nemesis {
    pub(super) fn new(cfg: &SimConfig) -> Nemesis {
        let mut schedule: Vec<(usize, NemesisAction)> = cfg
            .nemesis
            .iter()
            .map(|e| (e.at_op, e.action.clone()))
            .collect();
        // Stable: actions due at one count keep their configured order.
        schedule.sort_by_key(|(at, _)| *at);
        Nemesis {
            schedule: schedule.into_iter().peekable(),
            ops: cfg.ops,
            timeout_us: cfg.timeout_us,
        }
    }

    /// The `issued`-th main-phase operation was just invoked: injects the
    /// faults due by now and, after the last operation, schedules the heal.
    pub(super) fn on_progress<P: Protocol>(
        &mut self,
        ctx: &mut Ctx<P::Msg>,
        proto: &mut P,
        builder: &mut HistoryBuilder,
        issued: usize,
    ) {
        while let Some((_, action)) = self.schedule.next_if(|(at, _)| *at <= issued) {
            inject(ctx, proto, builder, &action);
        }
        if issued == self.ops {
            // Every main-phase operation has returned or timed out by this
            // time, so the heal ends the faults.
            let at = ctx.now + self.timeout_us + 1;
            ctx.push(at, Event::Heal);
        }
    }
}

/// Injects one fault; one that cannot take effect (a crash of a node that
/// is down, a node that does not exist) changes nothing and is not
/// recorded.
fn inject<P: Protocol>(
    ctx: &mut Ctx<P::Msg>,
    proto: &mut P,
    builder: &mut HistoryBuilder,
    action: &NemesisAction,
) {
    let took_effect = match action {
        NemesisAction::Crash(node) => {
            let crashed = ctx.crash(*node);
            if crashed {
                proto.on_crash(ctx, *node);
            }
            crashed
        }
        NemesisAction::Restart(node) => {
            let restarted = ctx.restart(*node);
            if restarted {
                proto.on_restart(ctx, *node);
            }
            restarted
        }
        NemesisAction::Partition(p) => {
            ctx.set_partition(p);
            true
        }
        NemesisAction::HealPartition => {
            ctx.heal_partitions();
            true
        }
        NemesisAction::Pause { node, duration_us } => ctx.pause(*node, *duration_us),
    };
    if took_effect {
        annotate(builder, ctx.now, &format!("nemesis {}", action.describe()));
    }
}

/// Ends every fault: partitions removed, pauses over, crashed nodes
/// restarted (in node order, each protocol hook as it comes).
pub(super) fn heal<P: Protocol>(
    ctx: &mut Ctx<P::Msg>,
    proto: &mut P,
    builder: &mut HistoryBuilder,
) {
    ctx.heal_partitions();
    for node in 0..ctx.nodes {
        ctx.unpause(node);
        if ctx.restart(node) {
            proto.on_restart(ctx, node);
        }
    }
    annotate(
        builder,
        ctx.now,
        "nemesis heal: partitions removed, nodes restarted",
    );
}
