//! The nemesis: faults injected into the servers of a recording while the
//! clients run, in Jepsen's manner, each one written into the history as a
//! pair of annotations with their times (`nemesis kill n2 start` …
//! `nemesis kill n2 stop (restarted)`), so that the report can place them.
//!
//! ```text
//! time ─▶ |── settle ──|█ fault █|── gap ──|█ fault █|── … ──|── heal, quiet ──|
//! ```
//!
//! A schedule starts after a short quiet period, alternates a fault of
//! `fault` length with a gap, and heals everything before the end of the
//! run so that the last part of every recording is fault-free. Which
//! member and which fault come from a seeded generator: the same seed
//! picks the same faults (the servers' timing is still real).

use super::SplitMix;
use super::cluster::Server;
use super::recorder::Recorder;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Which faults to inject.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum NemesisKind {
    /// No faults.
    None,
    /// `kill -9` a member, restart it later on the same data.
    Kill,
    /// SIGSTOP a member, SIGCONT it later.
    Pause,
    /// Kills and pauses, chosen at random.
    All,
}

impl NemesisKind {
    pub const NAMES: &'static [&'static str] = &["none", "kill", "pause", "all"];

    pub fn from_name(name: &str) -> Option<NemesisKind> {
        Some(match name {
            "none" => NemesisKind::None,
            "kill" => NemesisKind::Kill,
            "pause" => NemesisKind::Pause,
            "all" => NemesisKind::All,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            NemesisKind::None => "none",
            NemesisKind::Kill => "kill",
            NemesisKind::Pause => "pause",
            NemesisKind::All => "all",
        }
    }
}

/// The nemesis schedule.
#[derive(Clone, Debug)]
pub struct NemesisConfig {
    pub kind: NemesisKind,
    /// How long one fault lasts.
    pub fault: Duration,
    /// Time between the end of one fault and the start of the next.
    pub gap: Duration,
    /// No fault begins in the first `settle` of the run, and none lasts
    /// into the last `settle`.
    pub settle: Duration,
}

impl Default for NemesisConfig {
    fn default() -> Self {
        NemesisConfig {
            kind: NemesisKind::None,
            fault: Duration::from_millis(1500),
            gap: Duration::from_millis(1000),
            settle: Duration::from_millis(1000),
        }
    }
}

/// One injected fault, as it was done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRecord {
    /// `kill` or `pause`.
    pub fault: &'static str,
    /// The member's name.
    pub target: String,
    /// Start and end, nanoseconds on the recorder's clock.
    pub start_ns: u64,
    pub end_ns: u64,
    /// Set when undoing the fault failed (a restart that did not start).
    pub error: Option<String>,
}

/// Runs the schedule on the servers named by `targets` (indexes into
/// `servers`) until `deadline` or `stop`, healing before it returns.
/// Runs on the calling thread, which owns the servers.
pub fn run(
    config: &NemesisConfig,
    servers: &mut [Server],
    targets: &[usize],
    rec: &Recorder,
    rng: &mut SplitMix,
    deadline: Instant,
    stop: &AtomicBool,
) -> Vec<FaultRecord> {
    let mut faults = Vec::new();
    let kinds: &[&'static str] = match config.kind {
        NemesisKind::None => &[],
        NemesisKind::Kill => &["kill"],
        NemesisKind::Pause => &["pause"],
        NemesisKind::All => &["kill", "pause"],
    };
    let sleep_until = |t: Instant| {
        while Instant::now() < t && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10).min(t - Instant::now()));
        }
    };
    let mut next = Instant::now() + config.settle;
    while !kinds.is_empty() && !targets.is_empty() {
        sleep_until(next);
        let end = Instant::now() + config.fault;
        if stop.load(Ordering::Relaxed) || end + config.settle > deadline {
            break;
        }
        let fault = kinds[rng.below(kinds.len())];
        let index = targets[rng.below(targets.len())];
        let target = servers[index].name.clone();
        rec.annotate(format!("nemesis {fault} {target} start"));
        let start_ns = rec.now_ns();
        let mut error = match fault {
            "kill" => {
                servers[index].kill();
                None
            }
            _ => servers[index].pause().err().map(|e| e.to_string()),
        };
        sleep_until(end);
        let undo = match fault {
            "kill" => servers[index].start().err().map(|e| e.to_string()),
            _ => servers[index].resume().err().map(|e| e.to_string()),
        };
        error = error.or(undo);
        let how = if fault == "kill" {
            "restarted"
        } else {
            "resumed"
        };
        rec.annotate(format!("nemesis {fault} {target} stop ({how})"));
        faults.push(FaultRecord {
            fault,
            target,
            start_ns,
            end_ns: rec.now_ns(),
            error,
        });
        next = Instant::now() + config.gap;
    }
    faults
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in NemesisKind::NAMES {
            assert_eq!(NemesisKind::from_name(name).unwrap().name(), *name);
        }
        assert_eq!(NemesisKind::from_name("partition"), None);
    }
}
