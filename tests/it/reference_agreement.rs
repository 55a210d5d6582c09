//! The library against the brute-force reference deciders of
//! `reference/`, on random histories from `reference::generator` and on small
//! examples from the literature.
//!
//! Agreement, per guarantee: library `holds` ⇒ reference holds; library
//! `violated` ⇒ reference violated; library `not-checked` only where the
//! reference says not applicable; library `unknown` is allowed (and
//! counted) only on histories with a value written twice or when a budget
//! ran out.
//!
//! `CONCORD_ORACLE_CASES` histories per guarantee (default 1000),
//! `CONCORD_ORACLE_SEED` the first seed (default 1). `scripts/oracle.sh`
//! runs 100,000 per guarantee in release.

use concord::history::{Call, History, Outcome};
use concord::{CheckConfig, Guarantee, Verdict};

use crate::reference::common::Model;
use crate::reference::{self, Family, RefVerdict};

fn family(g: Guarantee) -> Family {
    match g {
        Guarantee::ReadYourWrites => Family::ReadYourWrites,
        Guarantee::MonotonicReads => Family::MonotonicReads,
        Guarantee::MonotonicWrites => Family::MonotonicWrites,
        Guarantee::WritesFollowReads => Family::WritesFollowReads,
        Guarantee::Pram => Family::Pram,
        Guarantee::Causal => Family::Causal,
        Guarantee::WeakCausal => Family::WeakCausal,
        Guarantee::CausalConvergence => Family::CausalConvergence,
        Guarantee::Convergence => Family::Convergence,
        Guarantee::Sequential => Family::Sequential,
        Guarantee::Linearizable => Family::Linearizable,
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Some (key, value) is written by two writes, or a write writes the
/// key's initial value: the reads-from relation is not determined.
fn written_twice(h: &History) -> bool {
    let mut seen = Vec::new();
    for o in h.ops() {
        if let Call::Write(v) = o.call {
            if seen.contains(&(o.key, v)) || h.initial(o.key) == Some(v) {
                return true;
            }
            seen.push((o.key, v));
        }
    }
    false
}

fn budget(detail: &str) -> bool {
    let r = detail.to_lowercase();
    ["budget", "timeout", "timed out", "states"]
        .iter()
        .any(|w| r.contains(w))
}

/// The library's verdict, with a detail (reason and first violation) and
/// a class (verdict and violation pattern) for grouping disagreements.
fn library(h: &History, g: Guarantee) -> (Verdict, String, String) {
    let config = CheckConfig {
        guarantees: vec![g],
        ..Default::default()
    };
    // The driver may settle PRAM and causal memory by linearizability (the
    // zone method, phase 0); their own engines are asked directly, so
    // that every history exercises them.
    let results = match g {
        Guarantee::Pram | Guarantee::Causal => concord::check::check_polynomial(h, &[g], &config),
        _ => concord::check(h, &config),
    };
    let r = results
        .into_iter()
        .find(|r| r.guarantee == g)
        .expect("a result for the guarantee asked");
    let mut detail = r.reason.clone().unwrap_or_default();
    let mut class = r.verdict.name().to_string();
    if let Some(v) = r.violations.first() {
        detail = format!("{} {}: {}", detail, v.pattern, v.explanation.render(h));
        class = format!("{class} {}", v.pattern);
    }
    (r.verdict, detail.trim().to_string(), class)
}

#[derive(Debug, PartialEq)]
enum Agreement {
    Agree,
    /// Library unknown, with a reason that excuses it.
    Unknown,
    Disagree,
}

fn compare(h: &History, lib: Verdict, reason_budget: bool, reference: RefVerdict) -> Agreement {
    match (lib, reference) {
        (Verdict::Holds, RefVerdict::Holds)
        | (Verdict::Violated, RefVerdict::Violated)
        | (Verdict::NotChecked, RefVerdict::NotApplicable) => Agreement::Agree,
        (Verdict::Unknown, _) if written_twice(h) || reason_budget => Agreement::Unknown,
        _ => Agreement::Disagree,
    }
}

struct Case {
    text: String,
    lib: Verdict,
    detail: String,
    reference: RefVerdict,
}

fn agree(g: Guarantee) {
    let cases = env_u64("CONCORD_ORACLE_CASES", 1000);
    let seed = env_u64("CONCORD_ORACLE_SEED", 1);
    let (mut agree, mut unknown, mut disagree) = (0u64, 0u64, 0u64);
    let mut tally = [0u64; 3];
    // Disagreements by class (library verdict and pattern, reference
    // verdict).
    let mut bad: std::collections::BTreeMap<String, Vec<Case>> = Default::default();
    for i in 0..cases {
        let text = reference::generator::history(seed.wrapping_add(i));
        let h = reference::parse(&text);
        let m = Model::build(&h).expect("the generator writes only reads and writes");
        let r = reference::decide(&m, family(g));
        tally[r as usize] += 1;
        let (lib, detail, class) = library(&h, g);
        match compare(&h, lib, budget(&detail), r) {
            Agreement::Agree => agree += 1,
            Agreement::Unknown => unknown += 1,
            Agreement::Disagree => {
                disagree += 1;
                bad.entry(format!("library {class}, reference {r:?}"))
                    .or_default()
                    .push(Case {
                        text,
                        lib,
                        detail,
                        reference: r,
                    });
            }
        }
    }
    let mut report = format!(
        "\noracle {}: cases {cases} agree {agree} lib-unknown {unknown} disagree {disagree} \
         (reference: holds {} violated {} n/a {})\n",
        g.name(),
        tally[0],
        tally[1],
        tally[2]
    );
    for (class, cases) in &mut bad {
        cases.sort_by_key(|c| (c.text.lines().count(), c.text.len()));
        report.push_str(&format!(
            "  {}: {} disagree as {class}\n",
            g.name(),
            cases.len()
        ));
        for c in cases.iter().take(2) {
            report.push_str(&format!(
                "  --- library {} ({}), reference {:?}\n{}",
                c.lib.name(),
                c.detail,
                c.reference,
                c.text
            ));
        }
    }
    eprint!("{report}");
    assert_eq!(
        disagree,
        0,
        "{} disagreements; the report is above",
        g.name()
    );
}

macro_rules! agreement_tests {
    ($($name:ident: $g:expr,)*) => {$(
        #[test]
        fn $name() {
            agree($g);
        }
    )*};
}

agreement_tests! {
    agree_read_your_writes: Guarantee::ReadYourWrites,
    agree_monotonic_reads: Guarantee::MonotonicReads,
    agree_monotonic_writes: Guarantee::MonotonicWrites,
    agree_writes_follow_reads: Guarantee::WritesFollowReads,
    agree_pram: Guarantee::Pram,
    agree_causal: Guarantee::Causal,
    agree_weak_causal: Guarantee::WeakCausal,
    agree_causal_convergence: Guarantee::CausalConvergence,
    agree_convergence: Guarantee::Convergence,
    agree_sequential: Guarantee::Sequential,
    agree_linearizable: Guarantee::Linearizable,
}

#[test]
fn every_guarantee_has_an_agreement_test() {
    // The macro above lists each guarantee once; a new guarantee must be
    // added there (family() would not compile without it either).
    assert_eq!(Guarantee::ALL.len(), 11);
}

/// The reference deciders respect the lattice of docs/semantics.md on
/// random histories: a stronger guarantee never holds while a weaker one
/// is violated.
#[test]
fn reference_respects_the_lattice() {
    const STRONGER: [(Family, Family); 11] = [
        (Family::Linearizable, Family::Sequential),
        (Family::Sequential, Family::CausalConvergence),
        (Family::CausalConvergence, Family::WeakCausal),
        (Family::WeakCausal, Family::WritesFollowReads),
        (Family::Sequential, Family::Causal),
        (Family::Causal, Family::WeakCausal),
        (Family::Causal, Family::Pram),
        (Family::Pram, Family::ReadYourWrites),
        (Family::Pram, Family::MonotonicReads),
        (Family::Pram, Family::MonotonicWrites),
        (Family::Causal, Family::WritesFollowReads),
    ];
    let cases = env_u64("CONCORD_ORACLE_CASES", 1000);
    let seed = env_u64("CONCORD_ORACLE_SEED", 1);
    for i in 0..cases {
        let text = reference::generator::history(seed.wrapping_add(i));
        let m = Model::build(&reference::parse(&text)).unwrap();
        for (strong, weak) in STRONGER {
            let (s, w) = (reference::decide(&m, strong), reference::decide(&m, weak));
            assert!(
                !(s == RefVerdict::Holds && w == RefVerdict::Violated),
                "{strong:?} holds but {weak:?} is violated:\n{text}"
            );
        }
    }
}

#[test]
fn generator_is_deterministic_and_parses() {
    for seed in 0..500 {
        let a = reference::generator::history(seed);
        assert_eq!(a, reference::generator::history(seed));
        let h = reference::parse(&a);
        assert!(Model::build(&h).is_ok());
        assert!(
            h.ops()
                .iter()
                .all(|o| !matches!(o.outcome, Outcome::Ok(_)) || o.ret.is_some())
        );
    }
}

// ---------------------------------------------------------------------
// Literature examples: expected verdicts, checked against the reference
// (which must pass) and against the library (which reports every
// mismatch at once).

use Family::*;
use RefVerdict::{Holds as H, NotApplicable as NA, Violated as V};

const ALL_FAMILIES: [Family; 11] = [
    ReadYourWrites,
    MonotonicReads,
    MonotonicWrites,
    WritesFollowReads,
    Pram,
    Causal,
    WeakCausal,
    CausalConvergence,
    Convergence,
    Sequential,
    Linearizable,
];

struct Example {
    name: &'static str,
    text: &'static str,
    /// Expected verdicts; a family not listed holds, except convergence
    /// and linearizability, which default to not applicable.
    expect: &'static [(Family, RefVerdict)],
}

fn expected(e: &Example, f: Family) -> RefVerdict {
    e.expect
        .iter()
        .find(|(g, _)| *g == f)
        .map(|(_, v)| *v)
        .unwrap_or(match f {
            Convergence | Linearizable => NA,
            _ => H,
        })
}

const EXAMPLES: &[Example] = &[
    Example {
        name: "terry: read your writes violated",
        text: "p1 write x 1\np1 read x nil\n",
        expect: &[
            (ReadYourWrites, V),
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "terry: monotonic reads violated",
        text: "p1 write x 1\np2 read x 1\np2 read x nil\n",
        expect: &[
            (MonotonicReads, V),
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "terry: monotonic writes violated",
        text: "p1 write x 1\np1 write x 2\np2 read x 2\np2 read x 1\n",
        expect: &[
            (MonotonicWrites, V),
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "terry: writes follow reads violated",
        text: "p1 write x 1\np2 read x 1\np2 write y 1\np3 read y 1\np3 read x nil\n",
        expect: &[
            (WritesFollowReads, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "definitions: CC but not MR, PRAM, CM, CCv",
        text: "p1 write x 1\np2 write x 2\np3 read x 1\np3 read x 2\np3 read x 1\n",
        expect: &[
            (MonotonicReads, V),
            (Pram, V),
            (Causal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "bouajjani: CM (so CC) but not CCv",
        text: "p1 write x 1\np1 read x 2\np2 write x 2\np2 read x 1\n",
        expect: &[(CausalConvergence, V), (Sequential, V)],
    },
    Example {
        name: "bouajjani: CCv but not CM (nor PRAM)",
        text: "p1 write z 1\np1 write x 1\np1 write y 1\n\
               p2 write x 2\np2 read z nil\np2 read y 1\np2 read x 2\n",
        expect: &[(Pram, V), (Causal, V), (Sequential, V)],
    },
    Example {
        name: "semantics.md: RYW, MR, MW hold, PRAM violated (no PRAM = RYW+MR+MW)",
        text: "p1 write x 1\np1 write x 2\np1 read x 1\n",
        expect: &[
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "semantics.md: PRAM, WFR hold, CM violated (no CM = PRAM+WFR)",
        text: "p0 write y 1\np0 write y 2\np1 read y 2\np1 write x 2\np2 read x 2\np2 read y 1\n",
        expect: &[
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "store buffering: causal but not sequential",
        text: "p1 write x 1\np1 read y nil\np2 write y 1\np2 read x nil\n",
        expect: &[(Sequential, V)],
    },
    Example {
        name: "issue (i): real-time future read violates linearizability only",
        text: "p0 read x 1 @ 0..1\np1 write x 1 @ 2..3\n",
        expect: &[(Linearizable, V)],
    },
    Example {
        name: "issue (ii): an info write may take effect late",
        text: "p1 write x 1 @ 0..5 info\np1 read x nil @ 6..7\np2 read x 1 @ 8..9\n",
        expect: &[(Linearizable, H)],
    },
    Example {
        name: "issue (iii): MR only among the session guarantees",
        text: "p1 write x 1\np0 read x 1\np0 read x nil\n",
        expect: &[
            (MonotonicReads, V),
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "issue (iv a): RYW is per key and per own write",
        text: "p0 write x 1\np1 read x 1\np1 write y 1\np1 read x nil\n",
        expect: &[
            (MonotonicReads, V),
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "issue (iv b): RYW allows write 1, write 2, read 1",
        text: "p0 write x 1\np0 read y nil\np0 write x 2\np0 read x 1\n",
        expect: &[
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "issue (iv c): RYW allows reading an older foreign write",
        text: "p1 write x 2\np0 read x 2\np0 write x 4\np0 read x 2\n",
        expect: &[
            (WritesFollowReads, H),
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Sequential, V),
        ],
    },
    Example {
        name: "thin air violates everything",
        text: "%quiescent 0\np1 write x 1 @ 0..1\np2 read x 7 @ 2..3\n",
        expect: &[
            (ReadYourWrites, V),
            (MonotonicReads, V),
            (MonotonicWrites, V),
            (WritesFollowReads, V),
            (Pram, V),
            (Causal, V),
            (WeakCausal, V),
            (CausalConvergence, V),
            (Convergence, V),
            (Sequential, V),
            (Linearizable, V),
        ],
    },
    Example {
        name: "convergence: the last reads disagree",
        text: "%quiescent 5\np1 write x 1 @ 0..1\np2 write x 2 @ 0..1\n\
               p1 read x 1 @ 6..7\np2 read x 2 @ 6..7\n",
        expect: &[(Convergence, V), (Linearizable, V)],
    },
    Example {
        name: "convergence: agreeing on an overwritten value",
        text: "%quiescent 5\np1 write x 1 @ 0..1\np1 write x 2 @ 2..3\n\
               p2 read x 1 @ 6..7\np3 read x 1 @ 6..7\n",
        expect: &[(Convergence, V), (Linearizable, V)],
    },
    Example {
        name: "convergence: agreeing on a maximal value",
        text: "%quiescent 5\np1 write x 1 @ 0..1\np2 write x 2 @ 2..3\n\
               p2 read x 1 @ 6..7\np3 read x 1 @ 6..7\n",
        expect: &[(Convergence, H), (Linearizable, V)],
    },
];

#[test]
fn literature_reference() {
    let mut wrong = Vec::new();
    for e in EXAMPLES {
        for f in ALL_FAMILIES {
            let got = reference::decide_text(e.text, f);
            if got != expected(e, f) {
                wrong.push(format!(
                    "{}: {f:?} expected {:?}, reference {got:?}",
                    e.name,
                    expected(e, f)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn literature_library() {
    let mut wrong = Vec::new();
    for e in EXAMPLES {
        let h = reference::parse(e.text);
        for g in Guarantee::ALL {
            let want = expected(e, family(g));
            let (lib, detail, _) = library(&h, g);
            let ok = matches!(
                (lib, want),
                (Verdict::Holds, H) | (Verdict::Violated, V) | (Verdict::NotChecked, NA)
            );
            if !ok {
                wrong.push(format!(
                    "{}: {} expected {want:?}, library {} ({detail})",
                    e.name,
                    g.name(),
                    lib.name()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Writes `CONCORD_DUMP_CASES` (default 300) random histories of the
/// reference generator into `CONCORD_DUMP_DIR`, for `scripts/ab.sh`.
#[test]
#[ignore = "a tool for scripts/ab.sh, not a test"]
fn dump_random_histories() {
    let dir = std::env::var("CONCORD_DUMP_DIR").expect("CONCORD_DUMP_DIR names the output folder");
    let cases = env_u64("CONCORD_DUMP_CASES", 300);
    for seed in 1..=cases {
        let path = std::path::Path::new(&dir).join(format!("random_{seed:05}.hist"));
        std::fs::write(&path, reference::generator::history(seed)).expect("writable output folder");
    }
}
