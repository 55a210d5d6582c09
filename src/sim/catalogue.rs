//! The catalogue of the simulator: the replication models
//! ([`ProtocolName`]) and the named fault knobs ([`Fault`]), with their
//! names and one-sentence descriptions, what each protocol promises and what
//! each knob breaks (and keeps), and the listing `concord sim --list` prints
//! ([`protocols()`]).
//!
//! These tables are the simulator's claims: the expected matrix
//! (`super::matrix`) asserts them over many seeds, and each protocol's
//! module docs argue them from its code.

use super::error::SimError;
use crate::guarantee::Guarantee;
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
                hint: did_you_mean(name, ProtocolName::ALL.iter().map(|p| p.name())),
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
    /// ([`SimConfig::new`](super::SimConfig::new)), faults of its default nemesis included. Each
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
                hint: did_you_mean(name, Fault::ALL.iter().map(|f| f.name())),
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
    /// ≥ 90% of seeds at the default sizes of
    /// [`SimConfig::scenario`](super::SimConfig::scenario) (empty: the knob
    /// is harmless there): its targets among the
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

/// A comma-separated list of names, for messages and metadata.
pub(super) fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

/// " (did you mean `…`?)" for a mistyped name, or nothing.
fn did_you_mean<'a>(name: &str, it: impl Iterator<Item = &'a str>) -> String {
    let known: Vec<&str> = it.collect();
    crate::parse::hist::suggest_name(name, &known)
        .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
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
