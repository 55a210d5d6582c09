//! A deterministic simulator of replicated registers, with reference
//! implementations of classic replication models and named fault knobs
//! that break specific guarantees. It produces histories with known
//! properties: valid ones, to test that checkers accept what they must, and
//! faulty ones, to test that they catch what they must.
//!
//! * [`engine`]: the discrete-event engine (virtual time, one seeded
//!   generator, network, faults, clients recording the history).
//! * [`protocols`](mod@protocols): single copy, primary-backup (passive replication),
//!   chain replication, state machine replication (active replication),
//!   quorum replication (ABD / Dynamo-style), causal replication with vector
//!   clocks (with last-writer-wins: causal convergence; in delivery order:
//!   causal memory), eventual consistency with gossip and Merkle
//!   anti-entropy.
//! * [`merkle`]: the Merkle tree used by anti-entropy.
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

pub mod engine;
pub mod merkle;
pub mod network;
pub mod protocols;
pub mod rng;

use crate::guarantee::{Guarantee, Verdict};
use crate::history::{History, HistoryBuilder, Model, TimeUnit};
use network::NodeId;
use protocols::{
    Protocol, ProtocolCounters,
    causal::{Apply, Causal},
    chain::Chain,
    eventual::Eventual,
    primary_backup::PrimaryBackup,
    quorum::Quorum,
    single::SingleCopy,
    smr::StateMachine,
};
use std::fmt;

/// The replication models.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolName {
    SingleCopy,
    PrimaryBackup,
    Chain,
    StateMachine,
    Quorum,
    Causal,
    CausalMemory,
    Eventual,
}

impl ProtocolName {
    pub const ALL: [ProtocolName; 8] = [
        ProtocolName::SingleCopy,
        ProtocolName::PrimaryBackup,
        ProtocolName::Chain,
        ProtocolName::StateMachine,
        ProtocolName::Quorum,
        ProtocolName::Causal,
        ProtocolName::CausalMemory,
        ProtocolName::Eventual,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProtocolName::SingleCopy => "single-copy",
            ProtocolName::PrimaryBackup => "primary-backup",
            ProtocolName::Chain => "chain",
            ProtocolName::StateMachine => "state-machine",
            ProtocolName::Quorum => "quorum",
            ProtocolName::Causal => "causal",
            ProtocolName::CausalMemory => "causal-memory",
            ProtocolName::Eventual => "eventual",
        }
    }

    /// Parses a protocol name; the error lists the valid names.
    pub fn from_name(name: &str) -> Result<ProtocolName, SimError> {
        ProtocolName::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| SimError::UnknownProtocol {
                name: name.to_string(),
                valid: names(ProtocolName::ALL.iter().map(|p| p.name())),
            })
    }

    /// One sentence.
    pub fn describe(self) -> &'static str {
        match self {
            ProtocolName::SingleCopy => {
                "One node holds the only copy and executes requests in arrival order (the baseline)."
            }
            ProtocolName::PrimaryBackup => {
                "Passive replication: the primary executes, ships resulting values to every backup and answers once all live backups acknowledged; failover by a view service."
            }
            ProtocolName::Chain => {
                "Chain replication: writes enter at the head and are answered by the tail after the whole chain applied them; reads at the tail."
            }
            ProtocolName::StateMachine => {
                "Active replication: a sequencer orders every command in one log and every replica executes the log; the contacted replica answers."
            }
            ProtocolName::Quorum => {
                "ABD quorum replication: majority reads with write-back and majority writes of Lamport-stamped values."
            }
            ProtocolName::Causal => {
                "Causal replication: local reads and writes, updates delivered in causal order by vector clocks, last-writer-wins on Lamport stamps (causal convergence, not causal memory); sticky sessions."
            }
            ProtocolName::CausalMemory => {
                "Causal memory: local reads and writes, updates delivered in causal order by vector clocks and applied in delivery order, no arbitration (replicas may disagree on concurrent writes); sticky sessions."
            }
            ProtocolName::Eventual => {
                "Eventual consistency: local reads and writes, best-effort gossip, last-writer-wins, and Merkle-tree anti-entropy; sticky sessions."
            }
        }
    }

    /// The guarantees the protocol keeps in its default configuration
    /// ([`SimConfig::new`]), faults of its default nemesis included. Each
    /// protocol's module docs argue them from its code.
    pub fn promises(self) -> Vec<Guarantee> {
        use Guarantee::*;
        match self {
            ProtocolName::SingleCopy
            | ProtocolName::PrimaryBackup
            | ProtocolName::Chain
            | ProtocolName::StateMachine
            | ProtocolName::Quorum => Guarantee::ALL.to_vec(),
            // Last-writer-wins keeps one arbitration but drops late
            // concurrent writes: not PRAM, not causal memory (see
            // `protocols::causal`).
            ProtocolName::Causal => vec![
                ReadYourWrites,
                MonotonicReads,
                MonotonicWrites,
                WritesFollowReads,
                WeakCausal,
                CausalConvergence,
                Convergence,
            ],
            // Each replica applies writes in causal delivery order: every
            // session's view respects causality, but replicas need not
            // agree on concurrent writes.
            ProtocolName::CausalMemory => vec![
                ReadYourWrites,
                MonotonicReads,
                MonotonicWrites,
                WritesFollowReads,
                Pram,
                Causal,
                WeakCausal,
            ],
            ProtocolName::Eventual => vec![ReadYourWrites, MonotonicReads, Convergence],
        }
    }

    /// The fault knobs this protocol implements.
    pub fn knobs(self) -> Vec<Fault> {
        Fault::ALL
            .into_iter()
            .filter(|f| f.protocols().contains(&self))
            .collect()
    }
}

impl fmt::Display for ProtocolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Named fault knobs: each changes protocol code to break a specific
/// guarantee (see each protocol's module docs for the mechanism).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Primary-backup: backups answer reads (breaks monotonic reads).
    BackupReads,
    /// Primary-backup: answer writes before replicating (breaks
    /// linearizability on failover).
    AckBeforeReplication,
    /// Primary-backup and state machine: writes choose their value with a
    /// local coin (harmless under passive replication, breaks convergence
    /// under active replication).
    NondeterministicOps,
    /// Chain: the head answers writes (breaks linearizability).
    AckAtHead,
    /// State machine: replicas answer reads locally (breaks linearizability,
    /// keeps sequential consistency with sticky clients).
    LocalReads,
    /// Quorum: R = W = 1 with N = 3 (breaks read-your-writes).
    SloppyQuorum,
    /// Causal and causal memory: deliver without the causal dependency
    /// check (breaks writes-follow-reads, hence causal memory).
    NoCausalCheck,
    /// Causal and causal memory: deliver without per-sender FIFO order
    /// (breaks monotonic writes, hence PRAM).
    NoFifo,
    /// Causal: last-writer-wins on skewed wall clocks (breaks causality,
    /// and with clocks that stand still, monotonic writes).
    WallClockLww,
    /// Eventual: no anti-entropy (breaks convergence).
    NoAntiEntropy,
}

impl Fault {
    pub const ALL: [Fault; 10] = [
        Fault::BackupReads,
        Fault::AckBeforeReplication,
        Fault::NondeterministicOps,
        Fault::AckAtHead,
        Fault::LocalReads,
        Fault::SloppyQuorum,
        Fault::NoCausalCheck,
        Fault::NoFifo,
        Fault::WallClockLww,
        Fault::NoAntiEntropy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fault::BackupReads => "backup-reads",
            Fault::AckBeforeReplication => "ack-before-replication",
            Fault::NondeterministicOps => "nondeterministic-ops",
            Fault::AckAtHead => "ack-at-head",
            Fault::LocalReads => "local-reads",
            Fault::SloppyQuorum => "sloppy-quorum",
            Fault::NoCausalCheck => "no-causal-check",
            Fault::NoFifo => "no-fifo",
            Fault::WallClockLww => "wall-clock-lww",
            Fault::NoAntiEntropy => "no-anti-entropy",
        }
    }

    /// Parses a knob name; the error lists the valid names.
    pub fn from_name(name: &str) -> Result<Fault, SimError> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| SimError::UnknownFault {
                name: name.to_string(),
                valid: names(Fault::ALL.iter().map(|f| f.name())),
            })
    }

    /// One sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Fault::BackupReads => {
                "Backups answer reads from their own state; a roaming client reads a new value at one backup, then an older one at another (breaks monotonic reads)."
            }
            Fault::AckBeforeReplication => {
                "The primary answers a write before backups have it; a failover then loses acknowledged writes (breaks linearizability)."
            }
            Fault::NondeterministicOps => {
                "Each execution of a write picks its value with a local coin; under active replication replicas diverge (breaks convergence), under passive replication only the primary executes (harmless)."
            }
            Fault::AckAtHead => {
                "The chain's head answers writes before the tail has them, so a later read at the tail misses them (breaks linearizability)."
            }
            Fault::LocalReads => {
                "Replicas answer reads from local state without ordering them; with sticky clients the history stays sequentially consistent (breaks linearizability only)."
            }
            Fault::SloppyQuorum => {
                "Dynamo-style R = W = 1 with N = 3, so R + W <= N and read and write quorums need not intersect (breaks read-your-writes)."
            }
            Fault::NoCausalCheck => {
                "Updates are delivered once the sender's previous updates are, ignoring other causal dependencies, so a read can miss the cause of what an earlier read saw (breaks writes-follow-reads, hence causal memory)."
            }
            Fault::NoFifo => {
                "Updates are delivered the moment they arrive, so one session's writes can be seen out of order (breaks monotonic writes, hence PRAM)."
            }
            Fault::WallClockLww => {
                "Last-writer-wins compares skewed wall-clock timestamps, so a write can lose to a causally earlier one (breaks causal consistency); two writes of one node in one clock reading tie and the later loses (breaks monotonic writes in a few percent of seeds)."
            }
            Fault::NoAntiEntropy => {
                "No anti-entropy: updates whose best-effort push was lost are never repaired (breaks convergence)."
            }
        }
    }

    /// The protocols that implement this knob.
    pub fn protocols(self) -> &'static [ProtocolName] {
        use ProtocolName::*;
        match self {
            Fault::BackupReads | Fault::AckBeforeReplication => &[PrimaryBackup],
            Fault::NondeterministicOps => &[PrimaryBackup, StateMachine],
            Fault::AckAtHead => &[Chain],
            Fault::LocalReads => &[StateMachine],
            Fault::SloppyQuorum => &[Quorum],
            Fault::NoCausalCheck | Fault::NoFifo => &[Causal, CausalMemory],
            Fault::WallClockLww => &[Causal],
            Fault::NoAntiEntropy => &[Eventual],
        }
    }

    /// The guarantees this knob is expected to break under `protocol` in
    /// ≥ 90% of seeds at the default sizes of [`SimConfig::scenario`]
    /// (empty: the knob is harmless there): its targets among the
    /// protocol's promises (a knob cannot take away what the protocol
    /// never promised: `causal` promises neither PRAM nor causal memory,
    /// `causal-memory` promises both).
    ///
    /// Targets are named as concord's checkers decide them. Monotonic
    /// writes and writes-follow-reads are checked by observation (see
    /// `check::session`), so delivering a session's writes out of order
    /// breaks monotonic writes (and PRAM), and applying writes before their
    /// causal dependencies breaks writes-follow-reads (and causal memory).
    pub fn breaks(self, protocol: ProtocolName) -> Vec<Guarantee> {
        let promises = protocol.promises();
        self.targets(protocol)
            .into_iter()
            .filter(|g| promises.contains(g))
            .collect()
    }

    /// What the knob is built to break, promised or not.
    fn targets(self, protocol: ProtocolName) -> Vec<Guarantee> {
        use Guarantee::*;
        match (self, protocol) {
            (Fault::BackupReads, _) => vec![MonotonicReads],
            (Fault::AckBeforeReplication, _) => vec![Linearizable],
            (Fault::NondeterministicOps, ProtocolName::StateMachine) => vec![Convergence],
            (Fault::NondeterministicOps, _) => vec![],
            (Fault::AckAtHead, _) => vec![Linearizable],
            (Fault::LocalReads, _) => vec![Linearizable],
            (Fault::SloppyQuorum, _) => vec![ReadYourWrites],
            (Fault::NoCausalCheck, _) => vec![WritesFollowReads, Causal],
            (Fault::NoFifo, _) => vec![MonotonicWrites, Pram],
            (Fault::WallClockLww, _) => vec![WeakCausal],
            (Fault::NoAntiEntropy, _) => vec![Convergence],
        }
    }

    /// Of the protocol's promises, those the knob keeps for certain (the
    /// rest may break as a side effect, and are not asserted either way).
    pub fn keeps(self, protocol: ProtocolName) -> Vec<Guarantee> {
        use Guarantee::*;
        match (self, protocol) {
            // A roaming reader that saw a session's later write on one
            // backup can find a lagging backup without the earlier one, so
            // monotonic writes and writes-follow-reads by observation may
            // break too; they are not asserted.
            (Fault::BackupReads, _) => vec![ReadYourWrites, Convergence],
            (Fault::AckBeforeReplication, _) => vec![Convergence],
            (Fault::NondeterministicOps, ProtocolName::StateMachine) => vec![],
            (Fault::NondeterministicOps, _) => protocol.promises(),
            (Fault::AckAtHead, _) => vec![MonotonicReads, MonotonicWrites, Convergence],
            (Fault::LocalReads, _) => Sequential
                .implied_closure()
                .into_iter()
                .chain([Sequential, Convergence])
                .collect(),
            // Writes stamped from one replica's view can lose to older
            // ones, so even the value replicas converge to may be stale.
            (Fault::SloppyQuorum, _) => vec![],
            // Still per-sender FIFO: a session's writes arrive in order.
            // Applied in delivery order (`causal-memory`), that is PRAM.
            (Fault::NoCausalCheck, _) => vec![
                ReadYourWrites,
                MonotonicReads,
                MonotonicWrites,
                Pram,
                Convergence,
            ],
            (Fault::NoFifo, _) => vec![ReadYourWrites, MonotonicReads, Convergence],
            // A replica's stamps only grow and a write that loses to what
            // its session read is never visible (see `protocols::causal`),
            // but two writes of one node can tie, so monotonic writes is
            // not kept. Replicas agree, but on a value a causally later
            // write should have replaced, which the convergence check
            // rejects.
            (Fault::WallClockLww, _) => vec![ReadYourWrites, MonotonicReads, WritesFollowReads],
            (Fault::NoAntiEntropy, _) => vec![ReadYourWrites, MonotonicReads],
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

/// A latency distribution in microseconds.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum LatencyDist {
    Uniform {
        min_us: u64,
        max_us: u64,
    },
    /// `min_us` plus an exponential tail with mean `mean_us`.
    Exponential {
        min_us: u64,
        mean_us: u64,
    },
}

/// A latency for one directed link, overriding the network's default.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct LinkLatency {
    pub from: NodeId,
    pub to: NodeId,
    pub latency: LatencyDist,
}

/// The network between replicas.
#[derive(Clone, Debug, PartialEq)]
pub struct NetConfig {
    pub latency: LatencyDist,
    pub links: Vec<LinkLatency>,
    /// Probability that a message is lost.
    pub loss: f64,
    /// Probability that a message is delivered twice.
    pub duplicate: f64,
    /// Per-link FIFO delivery (TCP-like) when true; reordering otherwise.
    pub fifo: bool,
}

/// A network partition. Messages across it are dropped, in flight too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Partition {
    /// Symmetric: these nodes against the rest (one node: a minority
    /// cut off from the majority).
    Isolate(Vec<NodeId>),
    /// Asymmetric: messages from `from` to `to` are dropped, not the reverse.
    OneWay { from: Vec<NodeId>, to: Vec<NodeId> },
}

/// A fault injected by the nemesis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NemesisAction {
    Crash(NodeId),
    Restart(NodeId),
    Partition(Partition),
    HealPartition,
    /// The node stops handling events for a while (a GC pause); what arrives
    /// meanwhile is handled afterwards, in order.
    Pause {
        node: NodeId,
        duration_us: u64,
    },
}

impl NemesisAction {
    pub fn describe(&self) -> String {
        match self {
            NemesisAction::Crash(n) => format!("crash n{n}"),
            NemesisAction::Restart(n) => format!("restart n{n}"),
            NemesisAction::Partition(Partition::Isolate(g)) => format!("partition isolate {g:?}"),
            NemesisAction::Partition(Partition::OneWay { from, to }) => {
                format!("partition one-way {from:?} -> {to:?}")
            }
            NemesisAction::HealPartition => "heal partition".to_string(),
            NemesisAction::Pause { node, duration_us } => {
                format!("pause n{node} for {duration_us}us")
            }
        }
    }
}

/// A nemesis action, triggered when the `at_op`-th main-phase operation is
/// invoked (a trigger by progress, so schedules scale with the run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NemesisEvent {
    pub at_op: usize,
    pub action: NemesisAction,
}

/// Everything a run depends on. Times are virtual microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub protocol: ProtocolName,
    pub faults: Vec<Fault>,
    pub seed: u64,
    /// Main-phase operations (the final quiescent reads come on top).
    pub ops: usize,
    pub clients: usize,
    pub nodes: usize,
    pub keys: usize,
    /// Sticky clients talk to one replica (client `c` to node `c % nodes`);
    /// roaming clients pick a replica per operation.
    pub sticky: bool,
    /// Probability that an operation is a read.
    pub read_fraction: f64,
    /// Probability that the operation after a write targets the same key.
    pub reread_fraction: f64,
    /// Think time between a client's operations: uniform in `0..=think_max_us`.
    pub think_max_us: u64,
    /// After this long an operation is recorded as unknown (`info`).
    pub timeout_us: u64,
    /// Time between the heal and the quiescence point.
    pub settle_us: u64,
    pub client_latency: LatencyDist,
    pub net: NetConfig,
    /// Each node's clock is off by a uniform amount in `±clock_skew_max_us`.
    pub clock_skew_max_us: u64,
    pub nemesis: Vec<NemesisEvent>,
    /// Period of protocol background work (anti-entropy, resends).
    pub tick_us: u64,
    /// Budget: a run stops with an error after this many events.
    pub max_events: u64,
}

impl SimConfig {
    /// The protocol's default scenario without knobs.
    pub fn new(protocol: ProtocolName) -> SimConfig {
        SimConfig::scenario(protocol, &[])
    }

    /// The default scenario for a protocol with knobs: workload, network and
    /// nemesis tuned so that each knob breaks its target guarantee in
    /// ≥ 90% of seeds, and the protocol without knobs keeps its promises
    /// through the faults of its nemesis.
    pub fn scenario(protocol: ProtocolName, faults: &[Fault]) -> SimConfig {
        let has = |f: Fault| faults.contains(&f);
        let mut cfg = SimConfig {
            protocol,
            faults: faults.to_vec(),
            seed: 0,
            ops: 400,
            clients: 5,
            nodes: 3,
            keys: 4,
            sticky: false,
            read_fraction: 0.5,
            reread_fraction: 0.3,
            think_max_us: 1_000,
            timeout_us: 50_000,
            settle_us: 200_000,
            client_latency: LatencyDist::Uniform {
                min_us: 50,
                max_us: 200,
            },
            net: NetConfig {
                latency: LatencyDist::Uniform {
                    min_us: 200,
                    max_us: 3_000,
                },
                links: Vec::new(),
                loss: 0.0,
                duplicate: 0.0,
                fifo: true,
            },
            clock_skew_max_us: 0,
            nemesis: Vec::new(),
            tick_us: 10_000,
            max_events: 50_000_000,
        };
        let at = |fraction: f64, ops: usize| (ops as f64 * fraction) as usize;
        match protocol {
            ProtocolName::SingleCopy => cfg.nodes = 1,
            ProtocolName::PrimaryBackup => {
                if has(Fault::BackupReads) {
                    // Hot keys and many reads: roaming readers often meet
                    // backups at different points of the update stream.
                    cfg.keys = 2;
                    cfg.read_fraction = 0.7;
                    cfg.ops = 600;
                }
                if has(Fault::AckBeforeReplication) {
                    // Slow links out of the primary leave many
                    // acknowledged writes in flight when it crashes.
                    for to in [1, 2] {
                        cfg.net.links.push(LinkLatency {
                            from: 0,
                            to,
                            latency: LatencyDist::Uniform {
                                min_us: 5_000,
                                max_us: 15_000,
                            },
                        });
                    }
                    cfg.read_fraction = 0.7;
                }
                // A failover in the middle of the run; the nondeterministic
                // scenario has none, because a write that times out records
                // the value asked for, not the one the primary picked.
                if !has(Fault::NondeterministicOps) {
                    cfg.nemesis.push(NemesisEvent {
                        at_op: at(0.5, cfg.ops),
                        action: NemesisAction::Crash(0),
                    });
                }
            }
            ProtocolName::Chain => {
                cfg.reread_fraction = 0.5;
            }
            ProtocolName::StateMachine => {
                cfg.sticky = true;
            }
            ProtocolName::Quorum => {
                if has(Fault::SloppyQuorum) {
                    cfg.keys = 64;
                    cfg.reread_fraction = 0.8;
                }
                cfg.nemesis.push(NemesisEvent {
                    at_op: at(0.3, cfg.ops),
                    action: NemesisAction::Partition(Partition::Isolate(vec![2])),
                });
                cfg.nemesis.push(NemesisEvent {
                    at_op: at(0.6, cfg.ops),
                    action: NemesisAction::HealPartition,
                });
            }
            ProtocolName::Causal | ProtocolName::CausalMemory => {
                cfg.sticky = true;
                cfg.net.fifo = false;
                cfg.keys = 3;
                cfg.ops = 600;
                if has(Fault::WallClockLww) {
                    cfg.clock_skew_max_us = 20_000;
                    cfg.reread_fraction = 0.6;
                    cfg.keys = 2;
                }
                if has(Fault::NoFifo) {
                    // A wide latency spread reorders one sender's updates;
                    // short think times let readers catch the gap.
                    cfg.keys = 6;
                    cfg.clients = 3;
                    cfg.ops = 1_200;
                    cfg.think_max_us = 200;
                    cfg.net.latency = LatencyDist::Uniform {
                        min_us: 200,
                        max_us: 10_000,
                    };
                }
                if has(Fault::NoCausalCheck) {
                    // The classic pattern: n2 stops hearing from n0 (one
                    // way) but still hears n1, whose writes depend on n0's.
                    // Many keys make "the cause is missing" show as an
                    // absent read.
                    cfg.keys = 32;
                    cfg.clients = 3;
                    cfg.read_fraction = 0.7;
                    cfg.nemesis.push(NemesisEvent {
                        at_op: 0,
                        action: NemesisAction::Partition(Partition::OneWay {
                            from: vec![0],
                            to: vec![2],
                        }),
                    });
                    cfg.nemesis.push(NemesisEvent {
                        at_op: at(0.95, cfg.ops),
                        action: NemesisAction::HealPartition,
                    });
                } else {
                    cfg.nemesis.push(NemesisEvent {
                        at_op: at(0.3, cfg.ops),
                        action: NemesisAction::Partition(Partition::Isolate(vec![2])),
                    });
                    cfg.nemesis.push(NemesisEvent {
                        at_op: at(0.6, cfg.ops),
                        action: NemesisAction::HealPartition,
                    });
                }
            }
            ProtocolName::Eventual => {
                cfg.sticky = true;
                cfg.net.fifo = false;
                cfg.net.loss = 0.02;
                // Cut a replica off until the heal: its writes and the
                // others' reach each other only through anti-entropy.
                cfg.nemesis.push(NemesisEvent {
                    at_op: at(0.5, cfg.ops),
                    action: NemesisAction::Partition(Partition::Isolate(vec![2])),
                });
            }
        }
        cfg
    }

    /// The same configuration with another seed.
    pub fn with_seed(mut self, seed: u64) -> SimConfig {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<(), SimError> {
        let bad = |what: String| Err(SimError::InvalidConfig(what));
        for &f in &self.faults {
            if !f.protocols().contains(&self.protocol) {
                return Err(SimError::FaultNotForProtocol {
                    fault: f.name().to_string(),
                    protocol: self.protocol.name().to_string(),
                    valid: names(self.protocol.knobs().iter().map(|f| f.name())),
                });
            }
        }
        if self.nodes == 0 || self.nodes > 64 {
            return bad(format!("nodes must be in 1..=64, not {}", self.nodes));
        }
        if self.keys == 0 || self.keys > 1 << 24 {
            return bad(format!("keys must be in 1..=16777216, not {}", self.keys));
        }
        if self.clients == 0 || self.clients > 1 << 20 {
            return bad(format!(
                "clients must be in 1..=1048576, not {}",
                self.clients
            ));
        }
        for (name, p) in [
            ("read fraction", self.read_fraction),
            ("reread fraction", self.reread_fraction),
            ("loss", self.net.loss),
            ("duplicate", self.net.duplicate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!("{name} must be a probability, not {p}"));
            }
        }
        for d in std::iter::once(self.net.latency)
            .chain(self.net.links.iter().map(|l| l.latency))
            .chain(std::iter::once(self.client_latency))
        {
            if let LatencyDist::Uniform { min_us, max_us } = d
                && min_us > max_us
            {
                return bad(format!("latency minimum {min_us} exceeds maximum {max_us}"));
            }
        }
        if self.timeout_us == 0 || self.tick_us == 0 {
            return bad("timeout and tick must be positive".to_string());
        }
        Ok(())
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::new(ProtocolName::SingleCopy)
    }
}

/// Why a run could not produce a history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("unknown protocol `{name}`; valid protocols: {valid}")]
    UnknownProtocol { name: String, valid: String },
    #[error("unknown fault knob `{name}`; valid knobs: {valid}")]
    UnknownFault { name: String, valid: String },
    #[error("fault knob `{fault}` does not apply to protocol `{protocol}`; its knobs: {valid}")]
    FaultNotForProtocol {
        fault: String,
        protocol: String,
        valid: String,
    },
    #[error("invalid simulation configuration: {0}")]
    InvalidConfig(String),
    #[error("the run exceeded its budget of {0} events")]
    EventBudget(u64),
    #[error("internal protocol error: {0}")]
    Protocol(String),
}

/// Counters of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Client operations invoked (main phase and final reads).
    pub ops: u64,
    pub timeouts: u64,
    /// Events the engine processed.
    pub events: u64,
    /// Messages between distinct nodes (self-messages are not traffic).
    pub messages_sent: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    pub messages_duplicated: u64,
    pub bytes_sent: u64,
    /// Virtual time at the end of the run.
    pub end_time_us: u64,
    /// Protocol counters (Merkle anti-entropy savings, failovers).
    pub protocol: ProtocolCounters,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct SimRun {
    pub history: History,
    pub stats: SimStats,
    /// Each node's final value of every key (`None`: the node holds no
    /// copy), for convergence tests.
    pub replicas: Vec<Option<Vec<Option<i64>>>>,
}

/// Runs one simulation.
pub fn simulate(cfg: &SimConfig) -> Result<SimRun, SimError> {
    cfg.validate()?;
    let (n, k, has) = (cfg.nodes, cfg.keys, |f: Fault| cfg.faults.contains(&f));
    match cfg.protocol {
        ProtocolName::SingleCopy => drive(cfg, SingleCopy::new(k)),
        ProtocolName::PrimaryBackup => drive(
            cfg,
            PrimaryBackup::new(
                n,
                k,
                protocols::primary_backup::Knobs {
                    backup_reads: has(Fault::BackupReads),
                    ack_before_replication: has(Fault::AckBeforeReplication),
                    nondeterministic_ops: has(Fault::NondeterministicOps),
                },
            ),
        ),
        ProtocolName::Chain => drive(
            cfg,
            Chain::new(
                n,
                k,
                protocols::chain::Knobs {
                    ack_at_head: has(Fault::AckAtHead),
                },
            ),
        ),
        ProtocolName::StateMachine => drive(
            cfg,
            StateMachine::new(
                n,
                k,
                protocols::smr::Knobs {
                    local_reads: has(Fault::LocalReads),
                    nondeterministic_ops: has(Fault::NondeterministicOps),
                },
            ),
        ),
        ProtocolName::Quorum => drive(
            cfg,
            Quorum::new(
                n,
                k,
                cfg.tick_us,
                protocols::quorum::Knobs {
                    sloppy_quorum: has(Fault::SloppyQuorum),
                },
            ),
        ),
        ProtocolName::Causal | ProtocolName::CausalMemory => drive(
            cfg,
            Causal::new(
                n,
                k,
                cfg.tick_us,
                if cfg.protocol == ProtocolName::Causal {
                    Apply::LastWriterWins
                } else {
                    Apply::DeliveryOrder
                },
                protocols::causal::Knobs {
                    no_causal_check: has(Fault::NoCausalCheck),
                    no_fifo: has(Fault::NoFifo),
                    wall_clock_lww: has(Fault::WallClockLww),
                },
            ),
        ),
        ProtocolName::Eventual => drive(
            cfg,
            Eventual::new(
                n,
                k,
                cfg.tick_us,
                protocols::eventual::Knobs {
                    no_anti_entropy: has(Fault::NoAntiEntropy),
                },
            ),
        ),
    }
}

fn drive<P: Protocol>(cfg: &SimConfig, mut proto: P) -> Result<SimRun, SimError> {
    let mut builder = HistoryBuilder::new();
    builder.metadata.model = Some(Model::Register);
    builder.metadata.time_unit = TimeUnit::Micros;
    let knobs = names(cfg.faults.iter().map(|f| f.name()));
    builder.metadata.extra = vec![
        ("generator".to_string(), "concord-sim".to_string()),
        ("protocol".to_string(), cfg.protocol.name().to_string()),
        (
            "knobs".to_string(),
            if knobs.is_empty() {
                "none".to_string()
            } else {
                knobs
            },
        ),
        ("seed".to_string(), cfg.seed.to_string()),
        ("nodes".to_string(), cfg.nodes.to_string()),
        ("clients".to_string(), cfg.clients.to_string()),
        ("keys".to_string(), cfg.keys.to_string()),
        ("sticky".to_string(), cfg.sticky.to_string()),
    ];
    let mut stats = engine::run(cfg, &mut proto, &mut builder)?;
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

/// A knob and what it breaks, for `concord sim --list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnobInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub breaks: Vec<Guarantee>,
}

/// A protocol, its promises and knobs, for `concord sim --list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolInfo {
    pub name: &'static str,
    pub description: &'static str,
    pub promises: Vec<Guarantee>,
    pub knobs: Vec<KnobInfo>,
}

/// Every protocol with its promises and knobs.
pub fn protocols() -> Vec<ProtocolInfo> {
    ProtocolName::ALL
        .into_iter()
        .map(|p| ProtocolInfo {
            name: p.name(),
            description: p.describe(),
            promises: p.promises(),
            knobs: p
                .knobs()
                .into_iter()
                .map(|f| KnobInfo {
                    name: f.name(),
                    description: f.describe(),
                    breaks: f.breaks(p),
                })
                .collect(),
        })
        .collect()
}

/// One row of the expected matrix: a protocol with at most one knob, run in
/// its [`SimConfig::scenario`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedRow {
    pub protocol: ProtocolName,
    pub fault: Option<Fault>,
    /// Violated in no seed.
    pub must_hold: Vec<Guarantee>,
    /// Violated in at least [`BREAK_RATE_MIN`] of seeds.
    pub must_break: Vec<Guarantee>,
}

impl ExpectedRow {
    /// The scenario this row runs, with `seed`.
    pub fn config(&self, seed: u64) -> SimConfig {
        let faults: Vec<Fault> = self.fault.into_iter().collect();
        SimConfig::scenario(self.protocol, &faults).with_seed(seed)
    }

    /// `protocol` or `protocol+knob`.
    pub fn label(&self) -> String {
        match self.fault {
            Some(f) => format!("{}+{}", self.protocol, f),
            None => self.protocol.to_string(),
        }
    }
}

/// The fraction of seeds in which a knob must break its target.
pub const BREAK_RATE_MIN: f64 = 0.9;

/// For each protocol without knobs and with each of its knobs: which
/// guarantees must hold and which must break.
///
/// A row is found again from a history's metadata with [`row_of`].
pub fn expected_matrix() -> Vec<ExpectedRow> {
    let mut rows = Vec::new();
    for p in ProtocolName::ALL {
        rows.push(ExpectedRow {
            protocol: p,
            fault: None,
            must_hold: p.promises(),
            must_break: Vec::new(),
        });
        for f in p.knobs() {
            let breaks = f.breaks(p);
            let keeps = f.keeps(p);
            let must_hold = p
                .promises()
                .into_iter()
                .filter(|g| keeps.contains(g) && !breaks.contains(g))
                .collect();
            rows.push(ExpectedRow {
                protocol: p,
                fault: Some(f),
                must_hold,
                must_break: breaks,
            });
        }
    }
    rows
}

/// The matrix row a simulated history came from, read from its metadata
/// (`protocol` and `knobs`), if any.
pub fn row_of(history: &History) -> Option<ExpectedRow> {
    let get = |name: &str| {
        history
            .metadata
            .extra
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let protocol = ProtocolName::from_name(get("protocol")?).ok()?;
    let fault = match get("knobs")? {
        "none" => None,
        one => Some(Fault::from_name(one).ok()?),
    };
    expected_matrix()
        .into_iter()
        .find(|r| r.protocol == protocol && r.fault == fault)
}

/// What a row expects of one guarantee.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    MustHold,
    MustBreak,
    /// Not asserted (not promised, or a possible side effect of the knob).
    Free,
}

/// Verdict counts of one guarantee over a row's seeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tally {
    pub guarantee: Guarantee,
    pub expectation: Expectation,
    pub holds: usize,
    pub violated: usize,
    pub unknown: usize,
    pub not_checked: usize,
    /// Seeds in which it was violated (for must-hold failures).
    pub violating_seeds: Vec<u64>,
}

impl Tally {
    /// Whether the counts meet the expectation over `runs` seeds. A
    /// guarantee that must hold must be decided `holds` in every run: an
    /// `unknown` or `not-checked` verdict (or none) is a failure, never a
    /// pass by default. One that must break must be violated in at least
    /// [`BREAK_RATE_MIN`] of the runs, so undecided runs count against it.
    pub fn meets(&self, runs: usize) -> bool {
        match self.expectation {
            Expectation::MustHold => {
                self.holds == runs && self.undecided() == 0 && self.violated == 0
            }
            Expectation::MustBreak => {
                runs > 0 && self.violated as f64 >= BREAK_RATE_MIN * runs as f64
            }
            Expectation::Free => true,
        }
    }

    /// Runs in which the guarantee was neither held nor violated.
    pub fn undecided(&self) -> usize {
        self.unknown + self.not_checked
    }
}

/// The outcome of one row.
#[derive(Clone, Debug)]
pub struct RowResult {
    pub expected: ExpectedRow,
    /// Seeds that produced a history.
    pub runs: usize,
    /// Seeds whose simulation failed, with the error.
    pub errors: Vec<(u64, SimError)>,
    pub tallies: Vec<Tally>,
}

impl RowResult {
    /// Every expectation met and no simulation error.
    pub fn ok(&self) -> bool {
        self.errors.is_empty() && self.tallies.iter().all(|t| t.meets(self.runs))
    }
}

/// The outcome of [`run_matrix`].
#[derive(Clone, Debug)]
pub struct MatrixResult {
    pub seeds: Vec<u64>,
    pub rows: Vec<RowResult>,
}

impl MatrixResult {
    pub fn ok(&self) -> bool {
        self.rows.iter().all(RowResult::ok)
    }
}

/// Runs every row of [`expected_matrix`] over `seeds`, judging each history
/// with `check` (the caller's checker, so the simulator does not depend on
/// any particular one).
pub fn run_matrix(
    seeds: &[u64],
    check: impl Fn(&History) -> Vec<(Guarantee, Verdict)>,
) -> MatrixResult {
    run_rows(&expected_matrix(), seeds, check)
}

/// Like [`run_matrix`] for chosen rows.
pub fn run_rows(
    rows: &[ExpectedRow],
    seeds: &[u64],
    check: impl Fn(&History) -> Vec<(Guarantee, Verdict)>,
) -> MatrixResult {
    run_rows_with(rows, seeds, |_| {}, check)
}

/// Like [`run_rows`], with each row's configuration passed through
/// `adjust` first (e.g. fewer operations, to keep an NP-hard check small).
pub fn run_rows_with(
    rows: &[ExpectedRow],
    seeds: &[u64],
    adjust: impl Fn(&mut SimConfig),
    check: impl Fn(&History) -> Vec<(Guarantee, Verdict)>,
) -> MatrixResult {
    let rows = rows
        .iter()
        .map(|row| {
            let mut tallies: Vec<Tally> = Guarantee::ALL
                .into_iter()
                .map(|g| Tally {
                    guarantee: g,
                    expectation: if row.must_break.contains(&g) {
                        Expectation::MustBreak
                    } else if row.must_hold.contains(&g) {
                        Expectation::MustHold
                    } else {
                        Expectation::Free
                    },
                    holds: 0,
                    violated: 0,
                    unknown: 0,
                    not_checked: 0,
                    violating_seeds: Vec::new(),
                })
                .collect();
            let mut runs = 0;
            let mut errors = Vec::new();
            for &seed in seeds {
                let mut cfg = row.config(seed);
                adjust(&mut cfg);
                let run = match simulate(&cfg) {
                    Ok(run) => run,
                    Err(e) => {
                        errors.push((seed, e));
                        continue;
                    }
                };
                runs += 1;
                for (g, verdict) in check(&run.history) {
                    let Some(t) = tallies.iter_mut().find(|t| t.guarantee == g) else {
                        continue;
                    };
                    match verdict {
                        Verdict::Holds => t.holds += 1,
                        Verdict::Violated => {
                            t.violated += 1;
                            t.violating_seeds.push(seed);
                        }
                        Verdict::Unknown => t.unknown += 1,
                        Verdict::NotChecked => t.not_checked += 1,
                    }
                }
            }
            RowResult {
                expected: row.clone(),
                runs,
                errors,
                tallies,
            }
        })
        .collect();
    MatrixResult {
        seeds: seeds.to_vec(),
        rows,
    }
}
