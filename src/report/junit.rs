//! The JUnit XML report (`check --report junit`), for the test summaries
//! of CI systems (GitHub Actions test reporters, GitLab's `junit` report,
//! Jenkins). It uses the attributes every consumer knows, the common subset
//! of the Ant/Surefire/Jenkins schemas:
//!
//! ```text
//! <testsuites name="concord" tests="3" failures="1" errors="1" skipped="1" time="0.004">
//!   <testsuite name="h.hist" tests="2" failures="1" errors="0" skipped="1" time="0.002">
//!     <properties><property name="format" value="hist"/>...</properties>
//!     <testcase name="linearizable" classname="h.hist">
//!       <failure type="NotLinearizable" message="1 violation: NotLinearizable on key x">
//!         NotLinearizable on key x: no linearization can place ... (the evidence)
//!       </failure>
//!     </testcase>
//!     <testcase name="convergence" classname="h.hist"><skipped message="not-checked: ..."/></testcase>
//!   </testsuite>
//!   <testsuite name="bad.hist" tests="1" failures="0" errors="1" skipped="0" time="0.000">
//!     <testcase name="read" classname="bad.hist"><error type="input" message="bad.hist:3:9: ..."/></testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! One test suite per input file and one test case per guarantee result. A
//! violation is a `failure` whose text is the evidence (pattern,
//! explanation, operations with their input lines); `unknown` (a budget ran
//! out) and `not-checked` (the check does not apply) are `skipped`, with the
//! reason, since neither is a verdict about the system: the exit code (3
//! for an unknown or a requested check that could not run) is what fails a
//! job. An input that could not be read is one test case `read` with an
//! `error`; a history with no operations, when no guarantee was named, is
//! one skipped test case `history`.

use super::view::{ErrorView, FileOutcome, FileView, ResultView};
use crate::check::Verdict;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::borrow::Cow;
use std::io;

/// The text with every character XML 1.0 cannot carry (control characters
/// other than tab, line feed and carriage return; U+FFFE, U+FFFF) replaced
/// by U+FFFD. Escaping `<`, `&` and quotes is the writer's job.
pub fn xml_safe(text: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
    };
    if text.chars().any(bad) {
        Cow::Owned(
            text.chars()
                .map(|c| if bad(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// Seconds with millisecond precision, as JUnit's `time` attributes are.
fn seconds(ms: u128) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The counts of a test suite (or of all of them).
#[derive(Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    fn of(outcome: &FileOutcome) -> Counts {
        match outcome {
            FileOutcome::Error(_) => Counts {
                tests: 1,
                errors: 1,
                ..Counts::default()
            },
            FileOutcome::Checked(f) if f.results.is_empty() => Counts {
                tests: 1,
                skipped: 1,
                ..Counts::default()
            },
            FileOutcome::Checked(f) => Counts {
                tests: f.results.len(),
                failures: f.count(Verdict::Violated),
                errors: 0,
                skipped: f.count(Verdict::Unknown) + f.count(Verdict::NotChecked),
            },
        }
    }

    fn add(self, o: Counts) -> Counts {
        Counts {
            tests: self.tests + o.tests,
            failures: self.failures + o.failures,
            errors: self.errors + o.errors,
            skipped: self.skipped + o.skipped,
        }
    }

    fn attributes(self) -> [(&'static str, String); 4] {
        [
            ("tests", self.tests.to_string()),
            ("failures", self.failures.to_string()),
            ("errors", self.errors.to_string()),
            ("skipped", self.skipped.to_string()),
        ]
    }
}

/// The JUnit XML document of a run; `elapsed_ms` is the whole run's time.
pub fn to_junit(files: &[FileOutcome], elapsed_ms: u128) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_document(&mut w, files, elapsed_ms).expect("writing into memory cannot fail");
    let mut text = String::from_utf8(w.into_inner()).expect("the writer writes UTF-8");
    text.push('\n');
    text
}

fn write_document(
    w: &mut Writer<Vec<u8>>,
    files: &[FileOutcome],
    elapsed_ms: u128,
) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let total = files
        .iter()
        .map(Counts::of)
        .fold(Counts::default(), Counts::add);
    let attrs = total.attributes();
    let time = seconds(elapsed_ms);
    w.create_element("testsuites")
        .with_attribute(("name", "concord"))
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())))
        .with_attribute(("time", time.as_str()))
        .write_inner_content(|w| {
            for f in files {
                write_suite(w, f)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_suite(w: &mut Writer<Vec<u8>>, outcome: &FileOutcome) -> io::Result<()> {
    let name = xml_safe(outcome.path()).into_owned();
    let attrs = Counts::of(outcome).attributes();
    let time = match outcome {
        FileOutcome::Checked(f) => seconds(f.elapsed_ms),
        FileOutcome::Error(_) => seconds(0),
    };
    w.create_element("testsuite")
        .with_attribute(("name", name.as_str()))
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())))
        .with_attribute(("time", time.as_str()))
        .write_inner_content(|w| match outcome {
            FileOutcome::Error(e) => write_error(w, &name, e),
            FileOutcome::Checked(f) => write_checked(w, &name, f),
        })?;
    Ok(())
}

fn write_error(w: &mut Writer<Vec<u8>>, suite: &str, e: &ErrorView) -> io::Result<()> {
    let message = xml_safe(&e.located_message()).into_owned();
    let mut text = message.clone();
    for note in &e.notes {
        text.push_str("\n  = ");
        text.push_str(&xml_safe(note));
    }
    w.create_element("testcase")
        .with_attributes([("name", "read"), ("classname", suite)])
        .write_inner_content(|w| {
            w.create_element("error")
                .with_attributes([("type", "input"), ("message", message.as_str())])
                .write_text_content(BytesText::new(&text))?;
            Ok(())
        })?;
    Ok(())
}

fn write_checked(w: &mut Writer<Vec<u8>>, suite: &str, f: &FileView) -> io::Result<()> {
    let mut properties = vec![
        ("format", f.format.to_string()),
        ("operations", f.stats.operations.to_string()),
        ("processes", f.stats.processes.to_string()),
        ("keys", f.stats.keys.to_string()),
        ("exit_code", f.exit_code.to_string()),
    ];
    for s in &f.semantics {
        properties.push(("semantics", xml_safe(s).into_owned()));
    }
    w.create_element("properties").write_inner_content(|w| {
        for (name, value) in &properties {
            w.create_element("property")
                .with_attributes([("name", *name), ("value", value.as_str())])
                .write_empty()?;
        }
        Ok(())
    })?;
    if f.results.is_empty() {
        let reason = xml_safe(f.reason.as_deref().unwrap_or(super::NO_OPERATIONS)).into_owned();
        w.create_element("testcase")
            .with_attributes([("name", "history"), ("classname", suite)])
            .write_inner_content(|w| {
                w.create_element("skipped")
                    .with_attribute(("message", reason.as_str()))
                    .write_empty()?;
                Ok(())
            })?;
    }
    for r in &f.results {
        write_case(w, suite, r)?;
    }
    Ok(())
}

fn write_case(w: &mut Writer<Vec<u8>>, suite: &str, r: &ResultView) -> io::Result<()> {
    let case = w
        .create_element("testcase")
        .with_attributes([("name", r.guarantee.name()), ("classname", suite)]);
    match r.verdict {
        Verdict::Holds => {
            case.write_empty()?;
        }
        Verdict::Violated => {
            let kind = r.violations.first().map_or("", |v| v.pattern.name());
            let message = xml_safe(&failure_message(r)).into_owned();
            let text = xml_safe(&r.evidence_text()).into_owned();
            case.write_inner_content(|w| {
                w.create_element("failure")
                    .with_attributes([("type", kind), ("message", message.as_str())])
                    .write_text_content(BytesText::new(&text))?;
                Ok(())
            })?;
        }
        Verdict::Unknown | Verdict::NotChecked => {
            let message = format!(
                "{}: {}",
                r.verdict.name(),
                r.reason.as_deref().unwrap_or("no reason given")
            );
            let message = xml_safe(&message).into_owned();
            case.write_inner_content(|w| {
                w.create_element("skipped")
                    .with_attribute(("message", message.as_str()))
                    .write_empty()?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// `2 violations: NotLinearizable on key x` (the first one's shape).
fn failure_message(r: &ResultView) -> String {
    let count = r.violation_count;
    let mut s = format!("{count} violation{}", if count == 1 { "" } else { "s" });
    if let Some(v) = r.violations.first() {
        s.push_str(": ");
        s.push_str(v.pattern.name());
        if let Some(k) = &v.key {
            s.push_str(" on key ");
            s.push_str(k);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_safe_replaces_only_what_xml_cannot_carry() {
        assert_eq!(
            xml_safe("a <b> & \"c\"\ttab\nline"),
            "a <b> & \"c\"\ttab\nline"
        );
        assert!(matches!(xml_safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            xml_safe("nul\u{0}bell\u{7}end\u{FFFF}"),
            "nul\u{FFFD}bell\u{FFFD}end\u{FFFD}"
        );
    }

    #[test]
    fn seconds_have_three_decimals() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1234), "1.234");
        assert_eq!(seconds(5), "0.005");
    }
}
