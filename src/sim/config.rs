//! What a run depends on ([`SimConfig`]: workload, network, clock skew,
//! nemesis schedule, budget; [`SimConfig::scenario`] gives each protocol
//! and knob its default) and what it counts ([`SimStats`]).
//!
//! Times are virtual microseconds; nothing here reads a clock.

use super::catalogue::{Fault, ProtocolName, names};
use super::error::SimError;

/// Index of a replica node.
pub type NodeId = usize;

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
        let mut cfg = SimConfig::base(protocol, faults);
        match protocol {
            ProtocolName::SingleCopy => cfg.nodes = 1,
            ProtocolName::PrimaryBackup => cfg.tune_primary_backup(),
            ProtocolName::Chain => cfg.reread_fraction = 0.5,
            ProtocolName::StateMachine => cfg.sticky = true,
            ProtocolName::Quorum => cfg.tune_quorum(),
            ProtocolName::Causal | ProtocolName::CausalMemory => cfg.tune_causal(),
            ProtocolName::Eventual => cfg.tune_eventual(),
        }
        cfg
    }

    /// What every scenario starts from: three nodes, five roaming clients,
    /// four keys, half reads, a FIFO network without loss, no nemesis.
    fn base(protocol: ProtocolName, faults: &[Fault]) -> SimConfig {
        SimConfig {
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
        }
    }

    fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Schedules `action` when `fraction` of the main phase's operations
    /// (as configured so far) have been invoked.
    fn schedule(&mut self, fraction: f64, action: NemesisAction) {
        let at_op = (self.ops as f64 * fraction) as usize;
        self.nemesis.push(NemesisEvent { at_op, action });
    }

    fn tune_primary_backup(&mut self) {
        if self.has(Fault::BackupReads) {
            // Hot keys and many reads: roaming readers often meet
            // backups at different points of the update stream.
            self.keys = 2;
            self.read_fraction = 0.7;
            self.ops = 600;
        }
        if self.has(Fault::AckBeforeReplication) {
            // Slow links out of the primary leave many
            // acknowledged writes in flight when it crashes.
            for to in [1, 2] {
                self.net.links.push(LinkLatency {
                    from: 0,
                    to,
                    latency: LatencyDist::Uniform {
                        min_us: 5_000,
                        max_us: 15_000,
                    },
                });
            }
            self.read_fraction = 0.7;
        }
        // A failover in the middle of the run; the nondeterministic
        // scenario has none, because a write that times out records
        // the value asked for, not the one the primary picked.
        if !self.has(Fault::NondeterministicOps) {
            self.schedule(0.5, NemesisAction::Crash(0));
        }
    }

    fn tune_quorum(&mut self) {
        if self.has(Fault::SloppyQuorum) {
            self.keys = 64;
            self.reread_fraction = 0.8;
        }
        self.isolate_one_for_a_while();
    }

    /// Cuts node 2 off from 30% to 60% of the main phase.
    fn isolate_one_for_a_while(&mut self) {
        self.schedule(0.3, NemesisAction::Partition(Partition::Isolate(vec![2])));
        self.schedule(0.6, NemesisAction::HealPartition);
    }

    fn tune_causal(&mut self) {
        self.sticky = true;
        self.net.fifo = false;
        self.keys = 3;
        self.ops = 600;
        if self.has(Fault::WallClockLww) {
            self.clock_skew_max_us = 20_000;
            self.reread_fraction = 0.6;
            self.keys = 2;
        }
        if self.has(Fault::NoFifo) {
            // A wide latency spread reorders one sender's updates;
            // short think times let readers catch the gap.
            self.keys = 6;
            self.clients = 3;
            self.ops = 1_200;
            self.think_max_us = 200;
            self.net.latency = LatencyDist::Uniform {
                min_us: 200,
                max_us: 10_000,
            };
        }
        if self.has(Fault::NoCausalCheck) {
            // The classic pattern: n2 stops hearing from n0 (one
            // way) but still hears n1, whose writes depend on n0's.
            // Many keys make "the cause is missing" show as an
            // absent read.
            self.keys = 32;
            self.clients = 3;
            self.read_fraction = 0.7;
            let cut = Partition::OneWay {
                from: vec![0],
                to: vec![2],
            };
            self.schedule(0.0, NemesisAction::Partition(cut));
            self.schedule(0.95, NemesisAction::HealPartition);
        } else {
            self.isolate_one_for_a_while();
        }
    }

    fn tune_eventual(&mut self) {
        self.sticky = true;
        self.net.fifo = false;
        self.net.loss = 0.02;
        // Cut a replica off until the heal: its writes and the
        // others' reach each other only through anti-entropy.
        self.schedule(0.5, NemesisAction::Partition(Partition::Isolate(vec![2])));
    }

    /// The same configuration with another seed.
    pub fn with_seed(mut self, seed: u64) -> SimConfig {
        self.seed = seed;
        self
    }

    /// Checks the configuration before a run: knobs of the protocol,
    /// sizes in range, probabilities, latency bounds, positive periods.
    pub(super) fn validate(&self) -> Result<(), SimError> {
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

/// Counters a protocol may expose beyond the engine's message counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProtocolCounters {
    /// Anti-entropy sessions started (eventual consistency).
    pub anti_entropy_sessions: u64,
    /// Messages sent by Merkle anti-entropy.
    pub anti_entropy_messages: u64,
    /// Bytes sent by Merkle anti-entropy.
    pub anti_entropy_bytes: u64,
    /// Bytes the same sessions would have sent by shipping both replicas'
    /// whole state (the baseline the Merkle tree is compared against).
    pub full_state_bytes: u64,
    /// `full_state_bytes - anti_entropy_bytes` over the whole run (zero if
    /// the tree cost more than shipping everything, which happens only
    /// when almost every bucket differs).
    pub merkle_bytes_saved: u64,
    /// Entries shipped by anti-entropy (repairs and no-op refreshes).
    pub entries_shipped: u64,
    /// Primary changes (failovers) performed.
    pub failovers: u64,
}
