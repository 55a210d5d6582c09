//! The expected-verdict matrix ([`expected_matrix`]): for each protocol
//! without knobs and with each of its knobs, which guarantees must hold in
//! every seed and which must break in most, taken from the catalogue's
//! `promises`, `breaks` and `keeps` tables; and its runner
//! ([`run_matrix`], [`run_rows_with`]), which simulates each row over seeds
//! and tallies the verdicts of a checker passed in by the caller, so the
//! simulator depends on no particular checker.

use super::catalogue::{Fault, ProtocolName};
use super::config::SimConfig;
use super::error::SimError;
use super::simulate;
use crate::guarantee::{Guarantee, Verdict};
use crate::history::History;

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

    /// What the row expects of `g` (a guarantee in both lists must break).
    fn expectation(&self, g: Guarantee) -> Expectation {
        if self.must_break.contains(&g) {
            Expectation::MustBreak
        } else if self.must_hold.contains(&g) {
            Expectation::MustHold
        } else {
            Expectation::Free
        }
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
    fn new(guarantee: Guarantee, expectation: Expectation) -> Tally {
        Tally {
            guarantee,
            expectation,
            holds: 0,
            violated: 0,
            unknown: 0,
            not_checked: 0,
            violating_seeds: Vec::new(),
        }
    }

    /// Counts the verdict of the run with `seed`.
    fn count(&mut self, seed: u64, verdict: Verdict) {
        match verdict {
            Verdict::Holds => self.holds += 1,
            Verdict::Violated => {
                self.violated += 1;
                self.violating_seeds.push(seed);
            }
            Verdict::Unknown => self.unknown += 1,
            Verdict::NotChecked => self.not_checked += 1,
        }
    }

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
        .map(|row| run_row(row, seeds, &adjust, &check))
        .collect();
    MatrixResult {
        seeds: seeds.to_vec(),
        rows,
    }
}

fn run_row(
    row: &ExpectedRow,
    seeds: &[u64],
    adjust: &impl Fn(&mut SimConfig),
    check: &impl Fn(&History) -> Vec<(Guarantee, Verdict)>,
) -> RowResult {
    let mut tallies: Vec<Tally> = Guarantee::ALL
        .into_iter()
        .map(|g| Tally::new(g, row.expectation(g)))
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
            if let Some(t) = tallies.iter_mut().find(|t| t.guarantee == g) {
                t.count(seed, verdict);
            }
        }
    }
    RowResult {
        expected: row.clone(),
        runs,
        errors,
        tallies,
    }
}
