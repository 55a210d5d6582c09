//! GitHub Actions workflow commands (`check --report github`): lines that
//! the Actions runner turns into annotations on the input files, in the
//! job log and the pull request's "Files changed" view.
//!
//! ```text
//! ::error file=h.hist,line=4,title=linearizable violated (NotLinearizable)::NotLinearizable on key x: ...%0A  op #2 line 4: p2 read x -> 1
//! ::warning file=big.hist,title=linearizable unknown::the time budget ran out ...
//! ::error file=bad.hist,line=3,col=9,title=concord could not read the input::bad.hist:3:9: expected ...
//! ```
//!
//! One `::error` per reported violation, at the input line of the first
//! operation of its evidence (to the completion's line when that is a line
//! of its own), with every operation in the message; one `::warning` per
//! `unknown` verdict; one `::error` per input that could not be read.
//! Holding and not-checked guarantees print nothing. Values are escaped as
//! the runner expects (`%`, CR and LF in messages; also `:` and `,` in
//! properties).

use super::view::{FileOutcome, OpView};
use crate::check::Verdict;

/// Escapes a command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(level: &str, properties: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    format!("::{level} {}::{}", props.join(","), escape_data(message))
}

fn position(op: Option<&OpView>) -> Vec<(&'static str, String)> {
    match op {
        Some(op) if op.line > 0 => {
            let mut p = vec![("line", op.line.to_string())];
            if let Some(end) = op.return_line.filter(|&e| e > op.line) {
                p.push(("endLine", end.to_string()));
            }
            p
        }
        _ => Vec::new(),
    }
}

/// The workflow commands of one input, one per line (each ends with a
/// newline); `quiet` leaves out the warnings.
pub fn commands(outcome: &FileOutcome, quiet: bool) -> String {
    let mut out = String::new();
    match outcome {
        FileOutcome::Error(e) => {
            let mut props = vec![("file", e.path.clone())];
            if e.line > 0 {
                props.push(("line", e.line.to_string()));
                props.push(("col", e.column.max(1).to_string()));
            }
            props.push(("title", "concord could not read the input".to_string()));
            let mut message = e.located_message();
            for note in &e.notes {
                message.push_str("\n  = ");
                message.push_str(note);
            }
            out.push_str(&command("error", &props, &message));
            out.push('\n');
        }
        FileOutcome::Checked(f) => {
            for r in &f.results {
                match r.verdict {
                    Verdict::Violated => {
                        for v in &r.violations {
                            let mut props = vec![("file", f.path.clone())];
                            props.extend(position(v.ops.first()));
                            props.push((
                                "title",
                                format!("{} violated ({})", r.guarantee.name(), v.pattern.name()),
                            ));
                            let mut message = v.headline();
                            for op in &v.ops {
                                message.push_str(&format!(
                                    "\n  op #{} {}: {}",
                                    op.id,
                                    op.lines(),
                                    op.text
                                ));
                            }
                            out.push_str(&command("error", &props, &message));
                            out.push('\n');
                        }
                    }
                    Verdict::Unknown if !quiet => {
                        let props = [
                            ("file", f.path.clone()),
                            ("title", format!("{} unknown", r.guarantee.name())),
                        ];
                        let reason = r.reason.as_deref().unwrap_or("no reason given");
                        out.push_str(&command("warning", &props, reason));
                        out.push('\n');
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(
            command("error", &[("file", "x,y.hist".into())], "m:1"),
            "::error file=x%2Cy.hist::m:1"
        );
    }
}
