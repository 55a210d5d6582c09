//! Certificates (`check --certificate`, `concord verify`): every corpus
//! history that is linearizable gets a certificate that verifies, and
//! corrupted certificates are rejected with the reason. The verifier
//! (`concord::verify`) shares no code with the checkers (tests/it/layers.rs
//! keeps it on the checks' floor, so it cannot use them).

use crate::cli::run;
use crate::corpus_verdicts::{corpus_dir, model_and_initial};
use serde_json::{Value as Json, json};
use std::path::Path;

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("concord-cert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Checks `history` with `--certificate` and returns the certificate.
fn certify(history: &Path, flags: &[&str], cert: &Path) -> Json {
    let mut args = vec![
        "check",
        history.to_str().unwrap(),
        "--certificate",
        cert.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    let (code, out, err) = run(&args, "");
    assert_eq!(code, 0, "{}: {out}{err}", history.display());
    serde_json::from_str(&std::fs::read_to_string(cert).unwrap()).unwrap()
}

fn verify(cert: &Json, history: &Path) -> (i32, String) {
    let path = temp("corrupted.json");
    std::fs::write(&path, cert.to_string()).unwrap();
    let (code, out, err) = run(
        &["verify", path.to_str().unwrap(), history.to_str().unwrap()],
        "",
    );
    (code, out + &err)
}

#[test]
fn every_linearizable_corpus_history_has_a_certificate_that_verifies() {
    let dir = corpus_dir();
    let table = std::fs::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut verified = 0;
    for row in table.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols[1] != "linearizable" {
            continue;
        }
        let (model, initial) = model_and_initial(cols[2]);
        let path = dir.join(cols[0]);
        let cert_path = temp("corpus.json");
        let flags = [
            "-c",
            "lin,sc",
            "--model",
            model.name(),
            "--initial",
            &initial,
        ];
        let cert = certify(&path, &flags, &cert_path);
        assert_eq!(
            cert["certificates"].as_array().unwrap().len(),
            2,
            "{}",
            cols[0]
        );
        let (code, out, err) = run(
            &[
                "verify",
                cert_path.to_str().unwrap(),
                path.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(code, 0, "{}: {out}{err}", cols[0]);
        assert_eq!(out.matches("verified").count(), 2, "{}: {out}", cols[0]);
        verified += 1;
    }
    assert!(verified >= 60, "only {verified} corpus histories verified");
}

#[test]
fn corrupted_certificates_are_rejected_with_the_reason() {
    let history = temp("h.hist");
    std::fs::write(
        &history,
        "%initial 0\np1 write x 1 @ 0..10\np2 read x 1 @ 11..20\np1 write x 2 @ 21..30\np2 read x 2 @ 31..40\np3 cas x 2 3 @ 41..50\np3 cas x 2 4 -> false @ 51..60\np3 write y 7 @ 61..62 fail\n",
    )
    .unwrap();
    let cert = certify(&history, &["-c", "lin,sc"], &temp("h.json"));
    let (code, out) = verify(&cert, &history);
    assert_eq!(code, 0, "{out}");
    // The weak guarantees (register histories) are certified through the
    // sequential order.
    let register = temp("r.hist");
    std::fs::write(
        &register,
        "p1 write x 1 @ 0..10\np2 read x 1 @ 11..20\np1 write x 2 @ 21..30\np2 read x 2 @ 31..40\n",
    )
    .unwrap();
    let weak = certify(
        &register,
        &["-c", "lin,sc,pram,ryw,causal"],
        &temp("r.json"),
    );
    let (code, out) = verify(&weak, &register);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("implied by sequential, whose order verifies")
            .count(),
        3,
        "{out}"
    );
    let order = cert["certificates"][0]["order"].clone();
    let with_order = |order: Json| {
        let mut c = cert.clone();
        c["certificates"][0]["order"] = order;
        c
    };
    let cases: Vec<(Json, &str)> = vec![
        // Two writes swapped: real time, and the reads then replay wrong.
        (
            {
                let mut o = order.as_array().unwrap().clone();
                o.swap(0, 2);
                with_order(json!(o))
            },
            "(real time)",
        ),
        // An ok operation left out.
        (
            {
                let mut o = order.as_array().unwrap().clone();
                o.remove(1);
                with_order(json!(o))
            },
            "is ok but not in the order",
        ),
        // The failed write put in.
        (
            {
                let mut o = order.as_array().unwrap().clone();
                o.push(json!([6, 8]));
                with_order(json!(o))
            },
            "failed (did not take effect) but is in the order",
        ),
        // A wrong input line.
        (
            {
                let mut o = order.as_array().unwrap().clone();
                o[0] = json!([0, 9]);
                with_order(json!(o))
            },
            "is on line 2, not line 9",
        ),
        // An operation twice.
        (
            {
                let mut o = order.as_array().unwrap().clone();
                o.push(o[0].clone());
                with_order(json!(o))
            },
            "is in the order twice",
        ),
        // A guarantee the order does not imply.
        (
            {
                let mut c = cert.clone();
                c["certificates"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"guarantee": "linearizable", "implied_by": "pram"}));
                c
            },
            "pram does not imply linearizable",
        ),
        // Another history's certificate.
        (
            {
                let mut c = cert.clone();
                c["operations"] = json!(3);
                c
            },
            "a history of 3 operations",
        ),
    ];
    for (bad, reason) in cases {
        let (code, out) = verify(&bad, &history);
        assert_eq!(code, 1, "{reason}: {out}");
        assert!(out.contains(reason), "expected {reason:?} in:\n{out}");
    }
    // The sequential order replayed wrong: the CAS that answered false
    // placed before the write it observed.
    let mut c = cert.clone();
    let seq = c["certificates"][1]["order"].as_array_mut().unwrap();
    let pos = seq.iter().position(|e| e[0] == 5).unwrap();
    let cas_false = seq.remove(pos);
    seq.insert(0, cas_false);
    let (code, out) = verify(&c, &history);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("REJECTED  sequential"), "{out}");
}

/// Random histories (repeated values, CAS, pending calls, several keys,
/// some with stale reads): wherever linearizability or sequential
/// consistency holds, its order verifies; a stale history's sequential
/// order is never accepted as a linearization.
#[test]
fn random_histories_certificates_verify() {
    use concord::check::{CheckConfig, check};
    use concord::generate::{GenConfig, generate_register};
    use concord::{Guarantee, Verdict};
    let mut verified = 0;
    let mut stale_sc = 0;
    for seed in 0..120u64 {
        let cfg = GenConfig {
            ops: 40,
            processes: 4,
            keys: (seed % 3) as usize,
            seed,
            read_fraction: 0.4,
            cas_fraction: 0.2,
            unique_values: seed % 4 != 1,
            pending_fraction: 0.05,
            stale_read_fraction: if seed % 4 == 3 { 0.3 } else { 0.0 },
            ..GenConfig::default()
        };
        let h = generate_register(&cfg);
        // Through text, so operations carry input lines.
        let text = concord::render::hist::to_hist(&h);
        let h = concord::parse(&text, concord::Format::Hist, &Default::default()).unwrap();
        let config = CheckConfig {
            guarantees: vec![Guarantee::Linearizable, Guarantee::Sequential],
            witness: true,
            ..CheckConfig::default()
        };
        let results = check(&h, &config);
        let orders: Vec<(Guarantee, Vec<concord::history::OpId>)> = results
            .iter()
            .filter(|r| r.verdict == Verdict::Holds)
            .filter_map(|r| Some((r.guarantee, r.witness.clone()?)))
            .collect();
        let model = concord::check::linearizable::resolve_model(&h, &config);
        let cert = concord::verify::certificate(&h, "h", Some(model), json!({}), &orders, &[]);
        for c in concord::verify::verify(&h, &cert).unwrap() {
            assert!(
                c.outcome.is_ok(),
                "seed {seed} {}: {:?}\n{text}",
                c.guarantee,
                c.outcome
            );
            verified += 1;
        }
        // The sequential order of a non-linearizable history, offered as a
        // linearization, is rejected.
        if results[0].verdict == Verdict::Violated
            && let Some((_, order)) = orders.iter().find(|(g, _)| *g == Guarantee::Sequential)
        {
            let fake = concord::verify::certificate(
                &h,
                "h",
                Some(model),
                json!({}),
                &[(Guarantee::Linearizable, order.clone())],
                &[],
            );
            let c = concord::verify::verify(&h, &fake).unwrap();
            assert!(
                c[0].outcome.is_err(),
                "seed {seed}: a non-linearizable history's order verified as a linearization\n{text}"
            );
            stale_sc += 1;
        }
    }
    assert!(verified >= 150, "only {verified} orders verified");
    assert!(
        stale_sc >= 5,
        "only {stale_sc} stale histories with a sequential order"
    );
}
