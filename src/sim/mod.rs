//! A deterministic simulator of replicated registers, with reference
//! implementations of classic replication models and named fault knobs
//! that break specific guarantees. It produces histories with known
//! properties: valid ones, to test that checkers accept what they must, and
//! faulty ones, to test that they catch what they must.
//!
//! * `catalogue`: the protocol names and fault knobs, their descriptions,
//!   what each protocol promises and what each knob breaks.
//! * `config`: what a run depends on ([`SimConfig`], the network and the
//!   nemesis schedule) and what it counts ([`SimStats`]); `error`:
//!   [`SimError`].
//! * [`engine`]: the discrete-event loop, which hands each event to the
//!   [`network`] (delivery to replicas; the [`Ctx`](network::Ctx) handle
//!   protocols act through and the event queue), the clients (`clients`:
//!   the workload and the recording of the history) or the nemesis
//!   (`nemesis`: faults and the heal); [`rng`]: the one seeded generator.
//! * [`protocols`](mod@protocols): single copy, primary-backup (passive replication),
//!   chain replication, state machine replication (active replication),
//!   quorum replication (ABD / Dynamo-style), causal replication with vector
//!   clocks (with last-writer-wins: causal convergence; in delivery order:
//!   causal memory), eventual consistency with gossip and Merkle
//!   anti-entropy.
//! * [`merkle`]: the Merkle tree used by anti-entropy.
//! * `matrix`: the expected verdicts and their runner.
//!
//! Use [`simulate`] with a [`SimConfig`] (start from [`SimConfig::new`] or
//! [`SimConfig::scenario`]); [`protocols()`] lists the models and knobs,
//! [`expected_matrix`] says, per protocol and knob, which guarantees must
//! hold and which must break, and [`run_matrix`] checks that with a checker
//! passed in by the caller.
//!
//! Architecture invariant: a knob changes protocol code only; the engine
//! records what clients observed, the same way for every protocol and knob.
//! The same configuration and seed give the same history, byte for byte.

mod catalogue;
mod clients;
mod config;
pub mod engine;
mod error;
mod matrix;
pub mod merkle;
mod nemesis;
pub mod network;
pub mod protocols;
pub mod rng;

pub use catalogue::{Fault, KnobInfo, ProtocolInfo, ProtocolName, protocols};
pub use config::{
    LatencyDist, LinkLatency, NemesisAction, NemesisEvent, NetConfig, Partition, SimConfig,
    SimStats,
};
pub use engine::SimRun;
pub use error::SimError;
pub use matrix::{
    BREAK_RATE_MIN, Expectation, ExpectedRow, MatrixResult, RowResult, Tally, expected_matrix,
    row_of, run_matrix, run_rows, run_rows_with,
};

use engine::drive;
use protocols::{
    causal::{self, Apply, Causal},
    chain::{self, Chain},
    eventual::{self, Eventual},
    primary_backup::{self, PrimaryBackup},
    quorum::{self, Quorum},
    single::SingleCopy,
    smr::{self, StateMachine},
};

/// Runs one simulation: builds the configured protocol with its knobs and
/// drives it through the engine.
pub fn simulate(cfg: &SimConfig) -> Result<SimRun, SimError> {
    cfg.validate()?;
    let (n, k, tick_us) = (cfg.nodes, cfg.keys, cfg.tick_us);
    let has = |f: Fault| cfg.faults.contains(&f);
    match cfg.protocol {
        ProtocolName::SingleCopy => drive(cfg, SingleCopy::new(k)),
        ProtocolName::PrimaryBackup => {
            let knobs = primary_backup::Knobs {
                backup_reads: has(Fault::BackupReads),
                ack_before_replication: has(Fault::AckBeforeReplication),
                nondeterministic_ops: has(Fault::NondeterministicOps),
            };
            drive(cfg, PrimaryBackup::new(n, k, knobs))
        }
        ProtocolName::Chain => {
            let knobs = chain::Knobs {
                ack_at_head: has(Fault::AckAtHead),
            };
            drive(cfg, Chain::new(n, k, knobs))
        }
        ProtocolName::StateMachine => {
            let knobs = smr::Knobs {
                local_reads: has(Fault::LocalReads),
                nondeterministic_ops: has(Fault::NondeterministicOps),
            };
            drive(cfg, StateMachine::new(n, k, knobs))
        }
        ProtocolName::Quorum => {
            let knobs = quorum::Knobs {
                sloppy_quorum: has(Fault::SloppyQuorum),
            };
            drive(cfg, Quorum::new(n, k, tick_us, knobs))
        }
        ProtocolName::Causal | ProtocolName::CausalMemory => {
            let apply = if cfg.protocol == ProtocolName::Causal {
                Apply::LastWriterWins
            } else {
                Apply::DeliveryOrder
            };
            let knobs = causal::Knobs {
                no_causal_check: has(Fault::NoCausalCheck),
                no_fifo: has(Fault::NoFifo),
                wall_clock_lww: has(Fault::WallClockLww),
            };
            drive(cfg, Causal::new(n, k, tick_us, apply, knobs))
        }
        ProtocolName::Eventual => {
            let knobs = eventual::Knobs {
                no_anti_entropy: has(Fault::NoAntiEntropy),
            };
            drive(cfg, Eventual::new(n, k, tick_us, knobs))
        }
    }
}
