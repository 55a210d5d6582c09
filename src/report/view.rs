//! The serializable view of a run: what every machine-readable report is
//! made of. A [`FileView`] is one checked file with its results, built once
//! from the history and the [`GuaranteeResult`]s (explanations rendered,
//! operations named, input lines attached), after which the history is no
//! longer needed; an [`ErrorView`] is a file that could not be read. The
//! JSON stream serializes these views as they are (`super::result_json`
//! and friends), and the JUnit, SARIF and GitHub writers read the same
//! fields, so every format says the same thing in its own shape.
//!
//! **Invariant:** no writer goes back to the history or the check results;
//! what a format needs that the view lacks is added here, for all of them.

use super::{SCHEMA, Stats, hinges_on, lattice_contradictions, strongest};
use crate::check::{Edge, EdgeLabel, Guarantee, GuaranteeResult, Pattern, Verdict, Violation};
use crate::history::{History, OpId};
use crate::parse::SemanticsHint;
use serde::{Serialize, Serializer};

fn guarantee_name<S: Serializer>(g: &Guarantee, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(g.name())
}

fn guarantee_names<S: Serializer>(gs: &[Guarantee], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(gs.iter().map(|g| g.name()))
}

fn verdict_name<S: Serializer>(v: &Verdict, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

fn pattern_name<S: Serializer>(p: &Pattern, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(p.name())
}

/// An operation of the evidence, with where it is in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpView {
    pub id: u32,
    /// 1-based line of the invocation (or of the whole operation).
    pub line: u32,
    /// 1-based line of the completion, when it was a line of its own.
    pub return_line: Option<u32>,
    pub process: String,
    /// The operation in the concord language, e.g. `p2 read x -> 1`.
    pub text: String,
}

impl OpView {
    pub fn new(history: &History, id: OpId) -> OpView {
        let op = history.op(id);
        OpView {
            id: id.0,
            line: op.source.line,
            return_line: op.source.ret_line,
            process: history.process_name(op.process).to_string(),
            text: history.describe(id),
        }
    }

    /// `line 5` or `lines 5-9`.
    pub fn lines(&self) -> String {
        match self.return_line {
            Some(r) => format!("lines {}-{r}", self.line),
            None => format!("line {}", self.line),
        }
    }
}

/// A labelled edge of the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdgeView {
    pub from: u32,
    pub to: u32,
    /// `so`, `rf`, `rt`, `co`, ...
    pub label: String,
    /// The rule that forced a write order, else `None`.
    pub rule: Option<String>,
}

impl EdgeView {
    pub fn new(e: &Edge) -> EdgeView {
        EdgeView {
            from: e.from.0,
            to: e.to.0,
            label: e.label.short().to_string(),
            rule: match &e.label {
                EdgeLabel::ForcedWriteOrder { rule } => Some(rule.name().to_string()),
                _ => None,
            },
        }
    }
}

/// One violation: its pattern, the sentence, the operations and edges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViolationView {
    #[serde(serialize_with = "pattern_name")]
    pub pattern: Pattern,
    pub key: Option<String>,
    pub explanation: String,
    pub ops: Vec<OpView>,
    pub edges: Vec<EdgeView>,
    pub partial_order: Vec<u32>,
}

impl ViolationView {
    pub fn new(history: &History, v: &Violation) -> ViolationView {
        ViolationView {
            pattern: v.pattern,
            key: v.key.map(|k| history.key_name(k).to_string()),
            explanation: v.explanation.render(history),
            ops: v.ops.iter().map(|&id| OpView::new(history, id)).collect(),
            edges: v.edges.iter().map(EdgeView::new).collect(),
            partial_order: v.partial_order.iter().map(|id| id.0).collect(),
        }
    }
}

/// Staleness figures of a linearizability result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StalenessView {
    pub one_atomic: bool,
    pub two_atomic: Option<bool>,
    pub delta: u64,
}

/// One guarantee's verdict with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResultView {
    #[serde(serialize_with = "guarantee_name")]
    pub guarantee: Guarantee,
    #[serde(serialize_with = "verdict_name")]
    pub verdict: Verdict,
    pub reason: Option<String>,
    #[serde(serialize_with = "guarantee_names")]
    pub implies: Vec<Guarantee>,
    pub violation_count: usize,
    pub violations: Vec<ViolationView>,
    pub witness: Option<Vec<u32>>,
    pub staleness: Option<StalenessView>,
    /// Semantic choices the verdict may hinge on (see `super::hinges_on`).
    pub semantics_notes: Vec<String>,
}

impl ResultView {
    pub fn new(history: &History, r: &GuaranteeResult, hints: &[SemanticsHint]) -> ResultView {
        ResultView {
            guarantee: r.guarantee,
            verdict: r.verdict,
            reason: r.reason.clone(),
            implies: r.guarantee.implied_closure(),
            violation_count: r.violation_count,
            violations: r
                .violations
                .iter()
                .map(|v| ViolationView::new(history, v))
                .collect(),
            witness: r
                .witness
                .as_ref()
                .map(|w| w.iter().map(|id| id.0).collect()),
            staleness: r.staleness.as_ref().map(|s| StalenessView {
                one_atomic: s.one_atomic,
                two_atomic: s.two_atomic,
                delta: s.delta,
            }),
            semantics_notes: hinges_on(r, hints).iter().map(|h| h.text.clone()).collect(),
        }
    }
}

impl ResultView {
    /// Every reported violation: the sentence, then its operations with
    /// their input lines; a last line when some were not reported.
    pub fn evidence_text(&self) -> String {
        let mut s = String::new();
        for v in &self.violations {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(&v.headline());
            s.push('\n');
            for op in &v.ops {
                s.push_str(&format!("  op #{} {}: {}\n", op.id, op.lines(), op.text));
            }
        }
        if self.violations.len() < self.violation_count {
            s.push_str(&format!(
                "({} of {} violations reported; --max-violations 0 reports all)\n",
                self.violations.len(),
                self.violation_count
            ));
        }
        s
    }
}

impl ViolationView {
    /// `NotLinearizable on key x: <explanation>`.
    pub fn headline(&self) -> String {
        match &self.key {
            Some(k) => format!("{} on key {k}: {}", self.pattern.name(), self.explanation),
            None => format!("{}: {}", self.pattern.name(), self.explanation),
        }
    }
}

/// A checked file: how it was read, its facts and its results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileView {
    pub path: String,
    pub format: &'static str,
    pub semantics: Vec<String>,
    pub stats: Stats,
    /// Sentences about the recording itself (`check::sanity`).
    pub notes: Vec<String>,
    pub results: Vec<ResultView>,
    pub exit_code: i32,
    /// Why nothing was checked (e.g. `super::NO_OPERATIONS`), if so.
    pub reason: Option<String>,
    pub strongest: Vec<Guarantee>,
    pub lattice_contradictions: Vec<(Guarantee, Guarantee)>,
    pub elapsed_ms: u128,
}

/// What [`FileView::new`] is made from, besides the results.
pub struct FileInput<'a> {
    pub path: &'a str,
    pub format: &'static str,
    pub history: &'a History,
    pub semantics: &'a [String],
    pub hints: &'a [SemanticsHint],
    pub notes: Vec<String>,
}

impl FileView {
    pub fn new(
        input: FileInput<'_>,
        results: &[GuaranteeResult],
        exit_code: i32,
        reason: Option<&str>,
        elapsed_ms: u128,
    ) -> FileView {
        FileView {
            path: input.path.to_string(),
            format: input.format,
            semantics: input.semantics.to_vec(),
            stats: super::stats(input.history),
            notes: input.notes,
            results: results
                .iter()
                .map(|r| ResultView::new(input.history, r, input.hints))
                .collect(),
            exit_code,
            reason: reason.map(str::to_string),
            strongest: strongest(results),
            lattice_contradictions: lattice_contradictions(results),
            elapsed_ms,
        }
    }

    /// How many results have verdict `v`.
    pub fn count(&self, v: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == v).count()
    }
}

/// An input that could not be read or parsed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorView {
    pub path: String,
    /// 1-based; 0 when the error is not tied to a position.
    pub line: u32,
    /// 1-based; 0 when the error is not tied to a position.
    pub column: u32,
    pub message: String,
    pub notes: Vec<String>,
}

impl ErrorView {
    /// `path:line:column: message` (without the position when there is
    /// none).
    pub fn located_message(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", self.path, self.message)
        } else {
            format!(
                "{}:{}:{}: {}",
                self.path, self.line, self.column, self.message
            )
        }
    }
}

/// One input of a run, checked or not.
// One per input file, kept in a list: boxing the larger variant would buy
// nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOutcome {
    Checked(FileView),
    Error(ErrorView),
}

impl FileOutcome {
    pub fn path(&self) -> &str {
        match self {
            FileOutcome::Checked(f) => &f.path,
            FileOutcome::Error(e) => &e.path,
        }
    }

    pub fn exit_code(&self) -> i32 {
        match self {
            FileOutcome::Checked(f) => f.exit_code,
            FileOutcome::Error(_) => 2,
        }
    }
}

/// Verdict counts over the results of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerdictCounts {
    pub holds: usize,
    pub violated: usize,
    pub unknown: usize,
    #[serde(rename = "not-checked")]
    pub not_checked: usize,
}

/// The counts of a whole run: the JSON `summary` and the human last line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Inputs named or found (readable or not).
    pub files: usize,
    /// Inputs that could not be read or parsed.
    pub errors: usize,
    /// Files by their exit code: `holds` (0), `violated` (1),
    /// `unknown` (3), and `not-checked` (no operations).
    pub file_verdicts: VerdictCounts,
    /// Guarantee results by verdict, over every file.
    pub verdicts: VerdictCounts,
    /// Operations over every file read.
    pub operations: usize,
    pub exit_code: i32,
    pub elapsed_ms: u128,
}

impl Summary {
    /// Counts one more input.
    pub fn add(&mut self, outcome: &FileOutcome) {
        self.files += 1;
        match outcome {
            FileOutcome::Error(_) => self.errors += 1,
            FileOutcome::Checked(f) => {
                self.operations += f.stats.operations;
                let file = &mut self.file_verdicts;
                match (f.exit_code, &f.reason) {
                    (_, Some(_)) => file.not_checked += 1,
                    (0, None) => file.holds += 1,
                    (1, None) => file.violated += 1,
                    _ => file.unknown += 1,
                }
                for r in &f.results {
                    let c = &mut self.verdicts;
                    match r.verdict {
                        Verdict::Holds => c.holds += 1,
                        Verdict::Violated => c.violated += 1,
                        Verdict::Unknown => c.unknown += 1,
                        Verdict::NotChecked => c.not_checked += 1,
                    }
                }
            }
        }
    }

    /// The JSON `summary` message.
    pub fn to_json(&self) -> serde_json::Value {
        let mut j = serde_json::to_value(self).expect("a summary serializes");
        j["type"] = "summary".into();
        j["schema"] = SCHEMA.into();
        j
    }
}
