//! Jepsen's text logs (the etcd logs of ahorn/linearizability-checker that
//! Porcupine checks) → [`History`].
//!
//! Each operation event is one line: the prefix `INFO  jepsen.util - `
//! (two spaces after `INFO`), then four fields `PROCESS TYPE F VALUE`, each
//! an EDN value, separated by whitespace: a TAB in the etcd logs (shown as
//! `→`), runs of spaces in logs of some Jepsen versions. As in Porcupine's
//! reader, any run of spaces and TABs separates the fields and the words of
//! the prefix; the value is the rest of the line.
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
use super::{Format, ParseError, ParseOptions, Span, excerpt};
use crate::history::History;
use std::borrow::Cow;

/// The prefix of an operation line, as the etcd logs write it. Any run of
/// whitespace may stand for each of its spaces (see [`operation_prefix`]).
pub const PREFIX: &str = "INFO  jepsen.util - ";

/// The length of the operation-line prefix `INFO jepsen.util - ` at the
/// start of `line`, where each space stands for a run of whitespace
/// (spaces or TABs) as in Porcupine's reader; `None` when `line` does not
/// start with it.
pub fn operation_prefix(line: &str) -> Option<usize> {
    match_prefix(line).ok()
}

/// The prefix's length, or the offset of the first byte where `line`
/// departs from it.
fn match_prefix(line: &str) -> Result<usize, usize> {
    let mut at = 0;
    for word in ["INFO", "jepsen.util", "-"] {
        let rest = &line[at..];
        if !rest.starts_with(word) {
            let same = rest
                .bytes()
                .zip(word.bytes())
                .take_while(|(a, b)| a == b)
                .count();
            return Err(at + same);
        }
        at += word.len();
        let rest = &line[at..];
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if ws == 0 {
            return Err(at);
        }
        at += ws;
    }
    Ok(at)
}

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
    let prefix_len = line_prefix(source, start, text)?;
    let [process, kind, f, value] = fields(source, start, text, prefix_len)?;
    let process_ref = field_process(source, &process)?;
    let event_type = field_type(source, &kind)?;
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
        span: span_at(start, 0, text.len()),
        line,
    })
}

/// The span of `len` bytes at offset `from` of the line that starts at
/// byte `start`.
fn span_at(start: usize, from: usize, len: usize) -> Span {
    Span {
        start: start + from,
        end: start + from + len,
    }
}

/// The length of the operation-line prefix of `text` (the line at byte
/// `start`); an error at the first character that departs from it.
fn line_prefix(source: &str, start: usize, text: &str) -> Result<usize, ParseError> {
    match_prefix(text).map_err(|same| {
        let found = text[same..].chars().next().map_or(1, char::len_utf8);
        ParseError::at(
            source,
            span_at(start, same, found),
            format!(
                "expected a Jepsen operation line `{PREFIX}PROCESS TYPE F VALUE`, found {:?}",
                excerpt(&text[same..])
            ),
        )
        .with_note("help: only jepsen.util operation lines are read; keep them with `grep 'jepsen.util - ' FILE`")
    })
}

/// The four fields `PROCESS TYPE F VALUE` after the prefix, each one EDN
/// value.
fn fields<'a>(
    source: &'a str,
    start: usize,
    text: &'a str,
    prefix_len: usize,
) -> Result<[Edn<'a>; 4], ParseError> {
    // Fields are read from the input up to the end of this line, so a value
    // that does not close on its line is an error here, not a read of the
    // following lines; offsets stay those of the whole input. PROCESS, TYPE
    // and F are single tokens separated by whitespace (TABs in the etcd
    // logs, runs of spaces in others); VALUE is the rest of the line.
    let upto_line_end = &source[..start + text.len()];
    let is_ws = |c: char| c == ' ' || c == '\t';
    let mut offset = prefix_len;
    let mut values: Vec<Edn<'a>> = Vec::with_capacity(4);
    const NAMES: [&str; 4] = ["a process", "a type", "an :f", "a value"];
    for (n, name) in NAMES.into_iter().enumerate() {
        // Each token ends at whitespace or at the end of the line.
        let rest = &text[offset..];
        offset += rest.len() - rest.trim_start_matches(is_ws).len();
        let rest = &text[offset..];
        if rest.is_empty() {
            return Err(ParseError::at(
                source,
                span_at(start, text.len(), 0),
                format!("expected {name} (fields are PROCESS TYPE F VALUE), found end of line"),
            ));
        }
        let field = if n < 3 {
            rest.find(is_ws).map_or(rest, |i| &rest[..i])
        } else {
            rest.trim_end_matches(is_ws)
        };
        values.push(field_value(upto_line_end, start + offset, field, name)?);
        offset += field.len();
    }
    Ok(values.try_into().expect("four fields"))
}

/// The PROCESS field: an integer, or a keyword such as `:nemesis`.
fn field_process<'a>(source: &'a str, process: &Edn<'a>) -> Result<ProcessRef<'a>, ParseError> {
    match process.kind {
        EdnKind::Int(i) => Ok(ProcessRef::Int(i)),
        EdnKind::Keyword(_) => Ok(ProcessRef::Named(Cow::Borrowed(
            &source[process.span.start..process.span.end],
        ))),
        _ => Err(ParseError::at(
            source,
            process.span,
            format!(
                "expected an integer or :nemesis as the process, found {}",
                process.kind_name()
            ),
        )),
    }
}

/// The TYPE field.
fn field_type(source: &str, kind: &Edn<'_>) -> Result<EventType, ParseError> {
    match kind.as_keyword() {
        Some("invoke") => Ok(EventType::Invoke),
        Some("ok") => Ok(EventType::Ok),
        Some("fail") => Ok(EventType::Fail),
        Some("info") => Ok(EventType::Info),
        _ => Err(ParseError::at(
            source,
            kind.span,
            format!(
                "expected :invoke, :ok, :fail or :info, found {}",
                &source[kind.span.start..kind.span.end]
            ),
        )),
    }
}

/// Reads a field that must be exactly one EDN value.
fn field_value<'a>(
    source: &'a str,
    at: usize,
    field: &'a str,
    what: &str,
) -> Result<Edn<'a>, ParseError> {
    let lead = field.len() - field.trim_start_matches([' ', '\t']).len();
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
            format!(
                "expected {} after {what}, found {:?}",
                if what == "a value" {
                    "the end of the line"
                } else {
                    "whitespace"
                },
                excerpt(rest)
            ),
        ))
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
