//! The human-readable report: one block per file, one line per guarantee,
//! each violation with its operations (and input lines), its labelled edges
//! and its one-sentence explanation. Colour is optional (ANSI), decided by
//! the caller (the CLI honours `NO_COLOR` and non-terminals).
//!
//! ```text
//! examples/register-stale-read.hist (hist): 4 operations, 3 processes, 1 key
//!   violated     linearizable         1 violation
//!     NotLinearizable on key x: no linearization can place p3 read x -> 1 (line 5) ...
//!       op  #2  line 5  p3 read x -> 1
//!       edge #1 -rt-> #2
//!   holds        sequential
//!   not-checked  convergence          no quiescence marker: ...
//!   strongest guarantees kept: sequential
//! ```

use super::view::{FileOutcome, Summary};
use super::{Stats, lattice_contradictions, strongest};
use crate::check::{Guarantee, GuaranteeResult, Verdict, Violation};
use crate::history::History;
use crate::parse::SemanticsHint;
use std::fmt::Write as _;

/// ANSI styling, or none.
#[derive(Copy, Clone, Debug)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn verdict(self, v: Verdict) -> String {
        let code = match v {
            Verdict::Holds => "32",
            Verdict::Violated => "1;31",
            Verdict::Unknown => "33",
            Verdict::NotChecked => "2",
        };
        self.paint(code, &format!("{:<12}", v.name()))
    }
}

/// The heading line of a file's report.
pub fn heading(path: &str, format: &str, stats: &Stats, style: Style) -> String {
    let mut s = format!(
        "{} ({format}): {} operation{}, {} process{}, {} key{}",
        style.paint("1", path),
        stats.operations,
        plural(stats.operations),
        stats.processes,
        if stats.processes == 1 { "" } else { "es" },
        stats.keys,
        plural(stats.keys),
    );
    let mut extra = Vec::new();
    if stats.fail > 0 {
        extra.push(format!("{} fail", stats.fail));
    }
    if stats.info > 0 {
        extra.push(format!("{} info", stats.info));
    }
    if stats.pending > 0 {
        extra.push(format!("{} pending", stats.pending));
    }
    if !stats.has_real_time {
        extra.push("no timestamps".to_string());
    }
    if !extra.is_empty() {
        let _ = write!(s, " ({})", extra.join(", "));
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Renders one file's results (without the heading).
pub fn results(
    history: &History,
    semantics: &[String],
    hints: &[SemanticsHint],
    results: &[GuaranteeResult],
    style: Style,
) -> String {
    let mut out = String::new();
    for s in semantics {
        let _ = writeln!(out, "  {} {s}", style.paint("2", "semantics:"));
    }
    let mut noted: Vec<&str> = Vec::new();
    for r in results {
        let _ = write!(
            out,
            "  {} {:<20}",
            style.verdict(r.verdict),
            r.guarantee.name()
        );
        match r.verdict {
            Verdict::Violated => {
                let shown = r.violations.len();
                let _ = write!(
                    out,
                    " {} violation{}",
                    r.violation_count,
                    plural(r.violation_count)
                );
                if shown < r.violation_count {
                    let _ = write!(out, " ({shown} shown; --max-violations N shows more)");
                }
            }
            _ => {
                if let Some(reason) = &r.reason {
                    let _ = write!(out, " {reason}");
                }
            }
        }
        out.push('\n');
        // A semantic choice the verdict may hinge on, right under it: in
        // full the first time, then by reference.
        for hint in super::hinges_on(r, hints) {
            let note = style.paint("1;33", "note:");
            if noted.contains(&hint.text.as_str()) {
                let _ = writeln!(out, "      {note} {}", hint.short);
            } else {
                let _ = writeln!(out, "      {note} {}", hint.text);
                noted.push(&hint.text);
            }
        }
        // The searches say how each partition ended (refuted, undecided,
        // not searched once enough were refuted), and the view engines how
        // many views were left unchecked, under the notes.
        if r.verdict == Verdict::Violated
            && matches!(
                r.guarantee,
                Guarantee::Linearizable
                    | Guarantee::Sequential
                    | Guarantee::Pram
                    | Guarantee::Causal
            )
            && let Some(reason) = &r.reason
        {
            let _ = writeln!(out, "      {reason}");
        }
        if let Some(st) = &r.staleness {
            let _ = writeln!(
                out,
                "      staleness: 1-atomic {}, 2-atomic {}, smallest Δ for Δ-atomicity {}",
                st.one_atomic,
                st.two_atomic
                    .map_or("not decided".to_string(), |t| t.to_string()),
                st.delta
            );
        }
        for v in &r.violations {
            let same = |w: &Violation| same_evidence(v, w);
            let breaks: Vec<&str> = results
                .iter()
                .filter(|o| o.violations.iter().any(same))
                .map(|o| o.guarantee.name())
                .collect();
            // Shown in full under the first guarantee it breaks, by
            // reference under the others.
            match breaks.first() {
                Some(&first) if first != r.guarantee.name() => {
                    let _ = writeln!(
                        out,
                        "    {} (lines {}): the same violation as under {first}",
                        style.paint("1", v.pattern.name()),
                        lines_of_sorted(history, &v.ops)
                    );
                }
                _ => {
                    violation(&mut out, history, v, style);
                    if breaks.len() > 1 {
                        let _ = writeln!(out, "      breaks: {}", breaks.join(", "));
                    }
                }
            }
        }
        if let Some(w) = &r.witness {
            let _ = writeln!(
                out,
                "      witness order (input lines): {}",
                lines_of(history, w)
            );
        }
    }
    let best = strongest(results);
    if !best.is_empty() {
        let names: Vec<&str> = best.iter().map(|g| g.name()).collect();
        let _ = writeln!(out, "  strongest guarantees kept: {}", names.join(", "));
    }
    for (strong, weak) in lattice_contradictions(results) {
        let _ = writeln!(
            out,
            "  {} {strong} holds but the weaker {weak} is violated: this is a concord bug, please report it",
            style.paint("1;31", "internal error:")
        );
    }
    out
}

/// Whether two violations carry the same evidence (pattern, key,
/// operations and edges), whichever guarantee found them.
fn same_evidence(a: &Violation, b: &Violation) -> bool {
    a.pattern == b.pattern && a.key == b.key && a.ops == b.ops && a.edges == b.edges
}

/// The input lines of `ids`, in the given order: `12 15 18`.
fn lines_of(history: &History, ids: &[crate::history::OpId]) -> String {
    let lines: Vec<String> = ids
        .iter()
        .map(|&id| history.op(id).source.line.to_string())
        .collect();
    lines.join(" ")
}

/// The input lines of `ids`, sorted: `12, 15, 18`.
fn lines_of_sorted(history: &History, ids: &[crate::history::OpId]) -> String {
    let mut lines: Vec<u32> = ids.iter().map(|&id| history.op(id).source.line).collect();
    lines.sort_unstable();
    lines.dedup();
    let lines: Vec<String> = lines.iter().map(u32::to_string).collect();
    lines.join(", ")
}

/// The block of a history with no operations: nothing was checked.
pub fn nothing_checked(style: Style) -> String {
    format!("  {}\n", style.paint("1;33", super::NO_OPERATIONS))
}

fn violation(out: &mut String, history: &History, v: &Violation, style: Style) {
    let key = v
        .key
        .filter(|_| history.has_keys())
        .map(|k| format!(" on key {}", history.key_name(k)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "    {}{key}: {}",
        style.paint("1", v.pattern.name()),
        v.explanation.render(history)
    );
    for &id in &v.ops {
        let op = history.op(id);
        let line = match op.source.ret_line {
            Some(r) => format!("lines {}-{}", op.source.line, r),
            None => format!("line {}", op.source.line),
        };
        let _ = writeln!(
            out,
            "      op #{:<4} {line:<10} {}",
            id.0,
            history.describe(id)
        );
    }
    for e in &v.edges {
        let rule = match &e.label {
            crate::check::EdgeLabel::ForcedWriteOrder { rule } => format!(" ({rule})"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "      edge #{} (line {}) -{}-> #{} (line {}){rule}",
            e.from.0,
            history.op(e.from).source.line,
            e.label.short(),
            e.to.0,
            history.op(e.to).source.line
        );
    }
    if !v.partial_order.is_empty() {
        // Long prefixes are cut to their tail: the operations just before
        // the one that could not be placed are the ones that matter.
        const SHOWN: usize = 20;
        let skip = v.partial_order.len().saturating_sub(SHOWN);
        let _ = writeln!(
            out,
            "      longest partial linearization ({} ops, input lines): {}{}",
            v.partial_order.len(),
            if skip > 0 { "... " } else { "" },
            lines_of(history, &v.partial_order[skip..])
        );
    }
}

/// `412 ms`, `12.3 s`, `3 min 05 s`.
pub fn duration(ms: u128) -> String {
    match ms {
        0..1000 => format!("{ms} ms"),
        1000..60_000 => format!("{}.{} s", ms / 1000, ms % 1000 / 100),
        _ => format!("{} min {:02} s", ms / 60_000, ms % 60_000 / 1000),
    }
}

/// The last line of a run: files by outcome, guarantee results by
/// verdict (counts of zero left out), operations and elapsed time.
///
/// ```text
/// summary: 3 files: 1 holds, 1 violated, 1 unreadable; 22 results: 14 holds, 2 violated, 6 not-checked; 1234 operations; 412 ms
/// ```
pub fn summary(s: &Summary, style: Style) -> String {
    fn counts(total: usize, noun: &str, parts: &[(usize, &str)]) -> String {
        let mut text = format!("{total} {noun}{}", plural(total));
        let shown: Vec<String> = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, word)| format!("{n} {word}"))
            .collect();
        if !shown.is_empty() {
            let _ = write!(text, ": {}", shown.join(", "));
        }
        text
    }
    let f = &s.file_verdicts;
    let files = counts(
        s.files,
        "file",
        &[
            (f.holds, "holds"),
            (f.violated, "violated"),
            (f.unknown, "unknown"),
            (f.not_checked, "empty"),
            (s.errors, "unreadable"),
        ],
    );
    let v = &s.verdicts;
    let results = counts(
        v.holds + v.violated + v.unknown + v.not_checked,
        "result",
        &[
            (v.holds, "holds"),
            (v.violated, "violated"),
            (v.unknown, "unknown"),
            (v.not_checked, "not-checked"),
        ],
    );
    format!(
        "{} {files}; {results}; {} operation{}; {}",
        style.paint("1", "summary:"),
        s.operations,
        plural(s.operations),
        duration(s.elapsed_ms)
    )
}

/// One line per input for the table that closes a run over several
/// files: the file's outcome, its path, and the guarantees that decided it
/// (violated or unknown ones), the reason, or the error.
pub fn file_line(outcome: &FileOutcome, width: usize, style: Style) -> String {
    let (word, code, detail) = match outcome {
        FileOutcome::Error(e) => ("error", "1;31", e.located_message()),
        FileOutcome::Checked(f) => {
            let names = |v: Verdict| {
                f.results
                    .iter()
                    .filter(|r| r.verdict == v)
                    .map(|r| r.guarantee.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match (f.exit_code, &f.reason) {
                (_, Some(reason)) => ("not-checked", "2", reason.clone()),
                (0, None) => {
                    let best: Vec<&str> = f.strongest.iter().map(|g| g.name()).collect();
                    ("holds", "32", best.join(", "))
                }
                (1, None) => ("violated", "1;31", names(Verdict::Violated)),
                _ => {
                    let mut d = names(Verdict::Unknown);
                    if d.is_empty() {
                        d = names(Verdict::NotChecked);
                    }
                    ("unknown", "33", d)
                }
            }
        }
    };
    let line = format!(
        "  {} {:<width$}  {detail}",
        style.paint(code, &format!("{word:<12}")),
        outcome.path()
    );
    line.trim_end().to_string()
}
