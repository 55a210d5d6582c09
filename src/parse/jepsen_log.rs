//! Jepsen's text logs (the etcd logs of ahorn/linearizability-checker that
//! Porcupine checks) → [`History`].
//!
//! Each operation event is one line: the prefix `INFO  jepsen.util - `
//! (two spaces after `INFO`), then four TAB-separated fields `PROCESS TYPE
//! F VALUE`, each an EDN value (TABs shown as `→`):
//!
//! ```text
//! INFO  jepsen.util - 2→:invoke→:cas→[3 0]
//! INFO  jepsen.util - 1→:fail→:cas→[0 3]
//! INFO  jepsen.util - 7→:info→:cas→:timed-out
//! ```
//!
//! The events are mapped exactly as Jepsen EDN events are (see
//! [`super::jepsen`]; line order is real-time order), under this format's
//! semantics: a `:fail` is a definite answer (a CAS answered false, a read
//! completed with an unknown value), a `nil` read means the register had no
//! value, and the register starts absent.
//!
//! Decision on other lines: blank lines are allowed; every other line that
//! is not an operation line is an error pointing at it. A full Jepsen log
//! also holds lines from other loggers (`jepsen.core`, stack traces); they
//! are refused rather than skipped, because a skipped line could be a
//! malformed operation. The error says how to keep only the operation
//! lines (`grep 'jepsen.util - '`).

use super::edn::{self, Edn, EdnKind};
use super::jepsen::{Event, EventType, MapConfig, Mapper, ProcessRef, TupleVotes};
use super::semantics;
use super::{Format, ParseError, ParseOptions, Span};
use crate::history::History;
use std::borrow::Cow;

/// The prefix of an operation line.
pub const PREFIX: &str = "INFO  jepsen.util - ";

/// Parses a Jepsen text log with the options' semantics.
pub fn parse(source: &str, options: &ParseOptions) -> Result<History, ParseError> {
    let sem = semantics::resolve(Format::JepsenLog, options)?;
    let mut events = Vec::new();
    let mut start = 0;
    for (i, raw) in source.split_inclusive('\n').enumerate() {
        let line_no = i as u32 + 1;
        let mut text = raw.trim_end_matches(['\n', '\r']);
        let mut line_start = start;
        // A byte-order mark before the first line is not part of it.
        if i == 0
            && let Some(rest) = text.strip_prefix('\u{feff}')
        {
            text = rest;
            line_start += '\u{feff}'.len_utf8();
        }
        if !text.trim().is_empty() {
            events.push(event(source, line_start, text, line_no)?);
        }
        start += raw.len();
    }
    let independent = match sem.independent_keys {
        Some(b) => b,
        None => {
            let mut votes = TupleVotes::default();
            events.iter().all(|ev| votes.vote(ev));
            votes.independent()
        }
    };
    let mut mapper = Mapper::new(
        source,
        MapConfig {
            sem,
            independent,
            require_key: false,
            format: Format::JepsenLog,
        },
    );
    for ev in events {
        mapper.event(ev)?;
    }
    mapper.finish()
}

/// Reads one operation line starting at byte `start` of `source`.
fn event<'a>(
    source: &'a str,
    start: usize,
    text: &'a str,
    line: u32,
) -> Result<Event<'a>, ParseError> {
    let span_of = |from: usize, len: usize| Span {
        start: start + from,
        end: start + from + len,
    };
    let Some(fields) = text.strip_prefix(PREFIX) else {
        // Point at the first character that differs from the prefix.
        let same = text
            .bytes()
            .zip(PREFIX.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let found = text[same..].chars().next().map_or(1, char::len_utf8);
        return Err(ParseError::at(
            source,
            span_of(same, found),
            format!(
                "expected a Jepsen operation line `{PREFIX}PROCESS<TAB>TYPE<TAB>F<TAB>VALUE`, found {:?}",
                truncate(&text[same..])
            ),
        )
        .with_note("help: only jepsen.util operation lines are read; keep them with `grep 'jepsen.util - ' FILE`"));
    };
    // Fields are read from the input up to the end of this line, so a value
    // that does not close on its line is an error here, not a read of the
    // following lines; offsets stay those of the whole input.
    let upto_line_end = &source[..start + text.len()];
    let mut offset = PREFIX.len();
    let mut values: Vec<Edn<'a>> = Vec::with_capacity(4);
    const NAMES: [&str; 4] = ["a process", "a type", "an :f", "a value"];
    for (n, field) in fields.splitn(4, '\t').enumerate() {
        let value = field_value(upto_line_end, start + offset, field, NAMES[n])?;
        values.push(value);
        offset += field.len() + 1;
    }
    if values.len() < 4 {
        let at = text.len();
        return Err(ParseError::at(
            source,
            span_of(at, 0),
            format!(
                "expected a TAB and {} (fields are PROCESS TYPE F VALUE), found end of line",
                NAMES[values.len()]
            ),
        ));
    }
    let value = values.pop().expect("four fields");
    let f = values.pop().expect("four fields");
    let kind = values.pop().expect("four fields");
    let process = values.pop().expect("four fields");
    let process_ref = match process.kind {
        EdnKind::Int(i) => ProcessRef::Int(i),
        EdnKind::Keyword(_) => {
            ProcessRef::Named(Cow::Borrowed(&source[process.span.start..process.span.end]))
        }
        _ => {
            return Err(ParseError::at(
                source,
                process.span,
                format!(
                    "expected an integer or :nemesis as the process, found {}",
                    process.kind_name()
                ),
            ));
        }
    };
    let event_type = match kind.as_keyword() {
        Some("invoke") => EventType::Invoke,
        Some("ok") => EventType::Ok,
        Some("fail") => EventType::Fail,
        Some("info") => EventType::Info,
        _ => {
            return Err(ParseError::at(
                source,
                kind.span,
                format!(
                    "expected :invoke, :ok, :fail or :info, found {}",
                    &source[kind.span.start..kind.span.end]
                ),
            ));
        }
    };
    let Some(f_name) = f.as_keyword() else {
        return Err(ParseError::at(
            source,
            f.span,
            format!(
                "expected a keyword such as :read as the :f, found {}",
                f.kind_name()
            ),
        ));
    };
    Ok(Event {
        process: process_ref,
        kind: event_type,
        kind_span: kind.span,
        f: f_name,
        f_span: f.span,
        value: Some(value),
        key: None,
        time: None,
        index: None,
        extra: Vec::new(),
        span: span_of(0, text.len()),
        line,
    })
}

/// Reads a field that must be exactly one EDN value.
fn field_value<'a>(
    source: &'a str,
    at: usize,
    field: &'a str,
    what: &str,
) -> Result<Edn<'a>, ParseError> {
    let lead = field.len() - field.trim_start_matches(' ').len();
    if field.trim().is_empty() {
        return Err(ParseError::at(
            source,
            Span {
                start: at,
                end: at + field.len(),
            },
            format!("expected {what}, found an empty field"),
        ));
    }
    let field_end = at + field.len();
    // Read inside the field only: a value must not run on into the next
    // field or line (the prefix keeps positions valid for errors).
    let (value, end) = edn::read_value_at(&source[..field_end], at + lead)?;
    if source[end..field_end].trim().is_empty() {
        Ok(value)
    } else {
        let rest = source[end..field_end].trim_start();
        let from = field_end - rest.len();
        Err(ParseError::at(
            source,
            Span {
                start: from,
                end: field_end,
            },
            format!("expected a TAB after {what}, found {:?}", truncate(rest)),
        ))
    }
}

fn truncate(s: &str) -> Cow<'_, str> {
    if s.chars().count() <= 40 {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!("{}...", s.chars().take(40).collect::<String>()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Observed, Outcome, Ret};

    #[test]
    fn etcd_semantics() {
        let src = "INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 0\t:ok\t:read\tnil
INFO  jepsen.util - 1\t:invoke\t:cas\t[0 3]

INFO  jepsen.util - 1\t:fail\t:cas\t[0 3]
INFO  jepsen.util - 2\t:invoke\t:read\tnil
INFO  jepsen.util - 2\t:fail\t:read\t:timed-out
INFO  jepsen.util - 3\t:invoke\t:write\t4
INFO  jepsen.util - 3\t:info\t:write\t:timed-out
";
        let h = parse(src, &ParseOptions::default()).unwrap();
        assert_eq!(h.len(), 4);
        assert_eq!(h.ops()[0].observed(), Some(Observed::Absent));
        assert_eq!(h.ops()[1].outcome, Outcome::Ok(Ret::Bool(false)));
        assert_eq!(h.ops()[1].source.ret_line, Some(5));
        assert_eq!(h.ops()[2].observed(), Some(Observed::Unknown));
        assert!(h.ops()[3].is_unknown());
    }
}
