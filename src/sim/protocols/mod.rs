//! Replication models behind one small trait: a protocol reacts to client
//! requests, messages and timers, and may hear about crashes and restarts
//! (from a perfect failure detector, which is how a view service or a
//! configuration master is modelled here).
//!
//! Each protocol keeps the state of all its replicas in one value, indexed by
//! node, but a handler for node `n` only touches node `n`'s state, except
//! where the doc of the protocol says it models a global service (the view
//! service of primary-backup).
//!
//! Fault knobs ([`super::Fault`]) change protocol code only, never how the
//! history is recorded: the engine records what clients saw.

pub mod causal;
pub mod chain;
pub mod eventual;
pub mod primary_backup;
pub mod quorum;
pub mod single;
pub mod smr;
pub mod store;

pub use super::config::ProtocolCounters;
use super::network::{Ctx, Message, NodeId, Request};
pub use store::{Stamp, lww_merge};

/// A replication protocol. See the module docs.
pub trait Protocol {
    type Msg: Message;

    /// Called once before the first event: set up periodic timers.
    fn start(&mut self, _ctx: &mut Ctx<Self::Msg>) {}

    /// A client request arrived at `node`.
    fn on_request(&mut self, ctx: &mut Ctx<Self::Msg>, node: NodeId, req: Request);

    /// A message from `from` arrived at `node`.
    fn on_message(&mut self, ctx: &mut Ctx<Self::Msg>, node: NodeId, from: NodeId, msg: Self::Msg);

    /// A timer set by `node` fired.
    fn on_timer(&mut self, _ctx: &mut Ctx<Self::Msg>, _node: NodeId, _timer: u64) {}

    /// `node` crashed: its volatile state is gone, its timers cancelled.
    /// Stores are modelled as durable: they survive the crash.
    fn on_crash(&mut self, _ctx: &mut Ctx<Self::Msg>, _node: NodeId) {}

    /// `node` restarted.
    fn on_restart(&mut self, _ctx: &mut Ctx<Self::Msg>, _node: NodeId) {}

    /// The value of every key at `node` (for convergence tests); `None`
    /// for a node that holds no copy.
    fn replica_values(&self, node: NodeId) -> Option<Vec<Option<i64>>>;

    fn counters(&self) -> ProtocolCounters {
        ProtocolCounters::default()
    }
}

/// Offset that a nondeterministic operation may add to the value it writes:
/// large enough never to collide with the run's counter of unique values.
pub const NONDETERMINISTIC_OFFSET: i64 = 1 << 40;

/// Executes a write the way a nondeterministic operation would: the value
/// depends on a local coin (think `x := random()` or `x := now()`).
pub fn nondeterministic_value<M: Message>(ctx: &mut Ctx<M>, v: i64) -> i64 {
    if ctx.rng().chance(0.5) {
        v + NONDETERMINISTIC_OFFSET
    } else {
        v
    }
}

/// Size of a message header on the wire (type, ids), in bytes.
pub const HEADER_BYTES: usize = 16;
/// Size of one `(key, stamp, value)` entry on the wire.
pub const ENTRY_BYTES: usize = 8 + 12 + 8;
