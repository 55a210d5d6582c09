//! Simulator basics: determinism, validity and well-formedness of the
//! histories, timeouts, convergence of replicas after the settle period.

use concord::check::Guarantee;
use concord::history::{Call, History, Observed, Outcome, Value};
use concord::sim::{
    Fault, NemesisAction, NemesisEvent, ProtocolName, SimConfig, SimError, simulate,
};
use std::collections::BTreeMap;

/// The concord-language rendering plus the metadata, a stable text form.
fn render(h: &History) -> String {
    format!(
        "{}\n{:?}\n{:?}",
        concord::render::hist::to_hist(h),
        h.metadata,
        h.annotations
    )
}

fn all_configs() -> Vec<SimConfig> {
    let mut out = Vec::new();
    for p in ProtocolName::ALL {
        out.push(SimConfig::new(p));
        for f in p.knobs() {
            out.push(SimConfig::scenario(p, &[f]));
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_history_and_seeds_differ() {
    for cfg in all_configs() {
        let a = simulate(&cfg.clone().with_seed(11)).unwrap();
        let b = simulate(&cfg.clone().with_seed(11)).unwrap();
        let c = simulate(&cfg.clone().with_seed(12)).unwrap();
        assert_eq!(render(&a.history), render(&b.history), "{:?}", cfg.protocol);
        assert_eq!(a.stats, b.stats);
        assert_ne!(render(&a.history), render(&c.history), "{:?}", cfg.protocol);
    }
}

/// Unique written values per key, sane intervals, sessions one op at a
/// time, reads only of written values (or absent) where no knob fabricates
/// values.
fn assert_well_formed(h: &History, label: &str) {
    let mut written: BTreeMap<(u32, Value), usize> = BTreeMap::new();
    for op in h.ops() {
        if let Some(r) = op.ret {
            assert!(r >= op.invoke, "{label}: interval");
        }
        if let Call::Write(v) = &op.call {
            *written.entry((op.key.0, h.value(*v).clone())).or_default() += 1;
        }
    }
    assert!(
        written.values().all(|&n| n == 1),
        "{label}: duplicate write"
    );
    for s in h.sessions() {
        for w in s.windows(2) {
            let (a, b) = (h.op(w[0]), h.op(w[1]));
            assert!(
                a.ret.is_some_and(|r| r <= b.invoke),
                "{label}: session overlap"
            );
        }
    }
    assert!(
        h.metadata.quiescent_at.is_some(),
        "{label}: quiescence marked"
    );
    assert_eq!(h.metadata.model, Some(concord::Model::Register));
}

#[test]
fn histories_are_well_formed() {
    for cfg in all_configs() {
        for seed in 0..3 {
            let run = simulate(&cfg.clone().with_seed(seed)).unwrap();
            let label = format!("{:?} {:?} seed {seed}", cfg.protocol, cfg.faults);
            assert!(run.history.len() >= cfg.ops, "{label}");
            assert_well_formed(&run.history, &label);
            let q = run.history.metadata.quiescent_at.unwrap();
            // After quiescence clients only read.
            for op in run.history.ops() {
                if op.invoke >= q {
                    assert_eq!(op.call, Call::Read, "{label}");
                }
            }
        }
    }
}

#[test]
fn timeouts_record_info_and_switch_process() {
    // Crash the single copy for good: every later operation times out.
    let mut cfg = SimConfig::new(ProtocolName::SingleCopy).with_seed(3);
    cfg.ops = 60;
    cfg.nemesis.push(NemesisEvent {
        at_op: 20,
        action: NemesisAction::Crash(0),
    });
    let run = simulate(&cfg).unwrap();
    let h = &run.history;
    let infos: Vec<_> = h
        .ops()
        .iter()
        .filter(|o| o.outcome == Outcome::Info)
        .collect();
    assert!(!infos.is_empty());
    assert!(run.stats.timeouts as usize >= infos.len());
    for info in &infos {
        assert!(
            info.ret.is_some(),
            "a timed-out op returns (unknown outcome)"
        );
        // The process never invokes again after an unknown outcome.
        assert!(
            h.ops()
                .iter()
                .all(|o| o.process != info.process || o.invoke <= info.invoke)
        );
    }
    assert!(h.process_count() > cfg.clients);
    // After the heal restarts the node, the final reads succeed.
    let q = h.metadata.quiescent_at.unwrap();
    assert!(h.ops().iter().any(|o| o.invoke >= q && o.is_ok()));
}

#[test]
fn replicas_agree_after_settle_without_knobs() {
    // Causal memory applies concurrent writes in delivery order, which may
    // differ between replicas: it does not promise convergence.
    for p in ProtocolName::ALL
        .into_iter()
        .filter(|p| p.promises().contains(&Guarantee::Convergence))
    {
        for seed in 0..5 {
            let run = simulate(&SimConfig::new(p).with_seed(seed)).unwrap();
            let copies: Vec<&Vec<Option<i64>>> = run.replicas.iter().flatten().collect();
            assert!(!copies.is_empty());
            assert!(
                copies.windows(2).all(|w| w[0] == w[1]),
                "{p} seed {seed}: {:?}",
                run.replicas
            );
            // And the quiescent reads agree per key.
            let h = &run.history;
            let q = h.metadata.quiescent_at.unwrap();
            let mut seen: BTreeMap<u32, Observed> = BTreeMap::new();
            for op in h.ops().iter().filter(|o| o.invoke >= q) {
                if let Some(o) = op.observed() {
                    let prev = *seen.entry(op.key.0).or_insert(o);
                    assert_eq!(prev, o, "{p} seed {seed}");
                }
            }
        }
    }
}

#[test]
fn divergence_knobs_leave_replicas_apart() {
    for (p, f) in [
        (ProtocolName::Eventual, Fault::NoAntiEntropy),
        (ProtocolName::StateMachine, Fault::NondeterministicOps),
    ] {
        let diverged = (0..10)
            .filter(|&seed| {
                let run = simulate(&SimConfig::scenario(p, &[f]).with_seed(seed)).unwrap();
                let copies: Vec<_> = run.replicas.iter().flatten().collect();
                copies.windows(2).any(|w| w[0] != w[1])
            })
            .count();
        assert!(diverged >= 9, "{p}+{f}: {diverged}/10");
    }
}

#[test]
fn names_parse_and_errors_list_valid_names() {
    for p in ProtocolName::ALL {
        assert_eq!(ProtocolName::from_name(p.name()), Ok(p));
    }
    for f in Fault::ALL {
        assert_eq!(Fault::from_name(f.name()), Ok(f));
    }
    let e = ProtocolName::from_name("paxos").unwrap_err();
    assert!(e.to_string().contains("single-copy") && e.to_string().contains("eventual"));
    let e = Fault::from_name("nope").unwrap_err();
    assert!(e.to_string().contains("no-anti-entropy"));
    let mut cfg = SimConfig::new(ProtocolName::Chain);
    cfg.faults.push(Fault::NoFifo);
    assert!(matches!(
        simulate(&cfg),
        Err(SimError::FaultNotForProtocol { .. })
    ));
    let mut cfg = SimConfig::new(ProtocolName::Chain);
    cfg.nodes = 0;
    assert!(matches!(simulate(&cfg), Err(SimError::InvalidConfig(_))));
}

#[test]
fn merkle_anti_entropy_saves_bytes_in_a_run() {
    let mut cfg = SimConfig::new(ProtocolName::Eventual).with_seed(5);
    cfg.keys = 512;
    let run = simulate(&cfg).unwrap();
    let c = &run.stats.protocol;
    assert!(c.anti_entropy_sessions > 0 && c.anti_entropy_messages > 0);
    assert!(c.anti_entropy_bytes < c.full_state_bytes, "{c:?}");
    assert_eq!(
        c.merkle_bytes_saved,
        c.full_state_bytes - c.anti_entropy_bytes
    );
}
