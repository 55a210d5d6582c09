//! The printer of the concord history language: a [`History`] as canonical
//! `.hist` text, the inverse of [`crate::parse::hist`].
//!
//! Canonical means: a `%concord 1` header followed by the other header
//! directives that differ from their defaults, then one line per operation
//! in id order (interval form), tokens separated by single spaces, timings
//! as `@ a..b` (`@ a..?` for a call that never returned), the outcome word
//! only when it is not `ok`, and annotations placed before the operation
//! they preceded in the input. Printing then parsing gives back the same
//! history (tests/it/hist_roundtrip.rs checks it with random histories), and
//! printing a parsed canonical text gives the same text.
//!
//! Event-ordered histories (event form, Jepsen logs) are printed in interval
//! form with their event positions as times: the real-time order, which is
//! all the position carries, is kept exactly. [`write_events`] prints the
//! event form, with `@ T` stamps so that times survive too.

use crate::history::{Call, History, MicroKind, Observed, OpId, Outcome, Ret, TimeUnit, Value};
use crate::parse::hist::RESERVED;
use std::fmt::Write as _;

/// The history as canonical interval-form text.
pub fn to_hist(history: &History) -> String {
    let mut out = String::with_capacity(history.len() * 32 + 64);
    write_hist(history, &mut out);
    out
}

/// Appends the history as canonical interval-form text to `out`.
pub fn write_hist(history: &History, out: &mut String) {
    write_hist_lines(history, false, out);
}

/// [`write_hist`], with each operation's input line (its `source`) as a
/// trailing comment: `p1 read x 1 @ 3..4  # line 57` (`# lines 57, 60` for
/// an operation read from two events).
pub fn write_hist_with_sources(history: &History, out: &mut String) {
    write_hist_lines(history, true, out);
}

fn write_hist_lines(history: &History, sources: bool, out: &mut String) {
    write_header(history, out);
    let mut annotations = history.annotations.iter().peekable();
    for op in history.ops() {
        while let Some(a) = annotations.next_if(|a| (a.ops_before as usize) <= op.id.index()) {
            write_annotation(a, out);
        }
        write_op_line(history, op.id, out);
        if sources && op.source.line > 0 {
            out.pop();
            match op.source.ret_line {
                Some(r) => {
                    let _ = writeln!(out, "  # lines {}, {r}", op.source.line);
                }
                None => {
                    let _ = writeln!(out, "  # line {}", op.source.line);
                }
            }
        }
    }
    for a in annotations {
        write_annotation(a, out);
    }
}

/// The history as event-form text: one line per invoke and per completion,
/// in time order, each stamped with its time. Event form always has a
/// real-time order, so an untimed history is written without stamps, one
/// operation after the other (its session order survives, its lack of
/// real time does not).
pub fn to_hist_events(history: &History) -> String {
    let mut out = String::with_capacity(history.len() * 48 + 64);
    write_events(history, &mut out);
    out
}

/// The invocations and completions of `history` in the order event forms
/// write them: `(time, phase, id, completion?)` sorted. At one instant,
/// completions of calls that began earlier come first (so a process may
/// invoke again at the instant its previous call returned), then invokes,
/// each zero-length call's completion right after its invoke. With
/// `sequential`, times are the operations' order (two ticks each).
pub(crate) fn event_order(history: &History, sequential: bool) -> Vec<(u64, u8, OpId, bool)> {
    let mut events: Vec<(u64, u8, OpId, bool)> = Vec::with_capacity(history.len() * 2);
    for op in history.ops() {
        let (invoke, ret) = if sequential {
            let i = op.id.0 as u64 * 2;
            (i, op.ret.map(|_| i + 1))
        } else {
            (op.invoke, op.ret)
        };
        events.push((invoke, 1, op.id, false));
        if let Some(r) = ret {
            if r == invoke {
                events.push((invoke, 1, op.id, true));
            } else {
                events.push((r, 0, op.id, true));
            }
        }
    }
    events.sort_unstable();
    events
}

/// Appends the history as event-form text to `out`; see [`to_hist_events`].
pub fn write_events(history: &History, out: &mut String) {
    write_header(history, out);
    out.push_str("%form events\n");
    let events = event_order(history, !history.has_real_time());
    let mut annotations = history.annotations.iter().peekable();
    let mut invoked = 0usize;
    for (_, _, id, completion) in events {
        let op = history.op(id);
        if !completion {
            while let Some(a) = annotations.next_if(|a| (a.ops_before as usize) <= invoked) {
                write_annotation(a, out);
            }
            invoked += 1;
        }
        write_name(history.process_name(op.process), true, out);
        let word = match (&op.outcome, completion) {
            (_, false) => "invoke",
            (Outcome::Ok(_), true) => "ok",
            (Outcome::Fail, true) => "fail",
            (Outcome::Info, true) => "info",
        };
        out.push(' ');
        out.push_str(word);
        out.push(' ');
        // An invoke has no result yet: reads of a completed call are shown
        // on its completion only.
        write_call(history, id, completion || op.is_pending(), out);
        if completion {
            write_answer(history, id, out);
        }
        if history.has_real_time() {
            let t = if completion {
                op.ret.unwrap_or(op.invoke)
            } else {
                op.invoke
            };
            let _ = write!(out, " @ {t}");
        }
        out.push('\n');
    }
    for a in annotations {
        write_annotation(a, out);
    }
}

fn write_header(history: &History, out: &mut String) {
    let m = &history.metadata;
    out.push_str("%concord 1\n");
    if let Some(model) = m.model {
        out.push_str("%model ");
        write_atom(model.name(), out);
        out.push('\n');
    }
    if m.time_unit != TimeUnit::Ticks {
        let _ = writeln!(out, "%unit {}", m.time_unit.name());
    }
    if let Some(v) = m.initial {
        out.push_str("%initial ");
        write_value(history.value(v), out);
        out.push('\n');
    }
    for (k, v) in &m.initial_by_key {
        out.push_str("%initial ");
        write_key(history.key_name(*k), out);
        out.push(' ');
        write_value(history.value(*v), out);
        out.push('\n');
    }
    if let Some(t) = m.quiescent_at {
        let _ = writeln!(out, "%quiescent {t}");
    }
    for (name, text) in &m.extra {
        out.push_str("%meta ");
        write_atom(name, out);
        out.push(' ');
        write_text(text, &['#'], out);
        out.push('\n');
    }
}

fn write_annotation(a: &crate::history::Annotation, out: &mut String) {
    out.push_str("! ");
    write_text(&a.text, &['#', '@'], out);
    if let Some(t) = a.time {
        let _ = write!(out, " @ {t}");
    }
    out.push('\n');
}

/// One interval-form operation line.
fn write_op_line(history: &History, id: OpId, out: &mut String) {
    let op = history.op(id);
    write_name(history.process_name(op.process), true, out);
    out.push(' ');
    write_call(history, id, true, out);
    write_answer(history, id, out);
    if history.has_real_time() {
        match op.ret {
            Some(r) => {
                let _ = write!(out, " @ {}..{}", op.invoke, r);
            }
            None => {
                let _ = write!(out, " @ {}..?", op.invoke);
            }
        }
    }
    match (&op.outcome, op.ret) {
        (Outcome::Ok(_), _) => {}
        (Outcome::Fail, _) => out.push_str(" fail"),
        (Outcome::Info, Some(_)) => out.push_str(" info"),
        // `@ a..?` already says it never returned.
        (Outcome::Info, None) if history.has_real_time() => {}
        (Outcome::Info, None) => out.push_str(" pending"),
    }
    out.push('\n');
}

/// `KIND [KEY] ARGS`, and a read's result when it completed. With
/// `with_reads` false, a transaction's reads are written without results.
fn write_call(history: &History, id: OpId, with_reads: bool, out: &mut String) {
    let op = history.op(id);
    out.push_str(op.kind().name());
    if history.has_keys() && !matches!(op.call, Call::Txn(_)) {
        out.push(' ');
        write_key(history.key_name(op.key), out);
    }
    let value = |v, out: &mut String| {
        out.push(' ');
        write_value(history.value(v), out);
    };
    match &op.call {
        Call::Write(v) | Call::Append(v) | Call::Add(v) | Call::Enqueue(v) => value(*v, out),
        Call::Cas { expected, new } => {
            value(*expected, out);
            value(*new, out);
        }
        Call::Txn(micro) => {
            for m in micro {
                out.push_str(" [");
                out.push_str(match m.kind {
                    MicroKind::Read => "r ",
                    MicroKind::Write => "w ",
                });
                write_key(history.key_name(m.key), out);
                match (m.kind, m.value) {
                    (MicroKind::Read, _) if !with_reads => {}
                    (_, o) => {
                        out.push(' ');
                        write_observed(history, o, out);
                    }
                }
                out.push(']');
            }
        }
        Call::Read | Call::Dequeue | Call::Acquire | Call::Release => {}
    }
}

/// A read's result or a cas/lock answer, when the call completed with one.
fn write_answer(history: &History, id: OpId, out: &mut String) {
    match &history.op(id).outcome {
        Outcome::Ok(Ret::Value(o)) => {
            out.push(' ');
            write_observed(history, *o, out);
        }
        Outcome::Ok(Ret::Bool(b)) => {
            let _ = write!(out, " -> {b}");
        }
        _ => {}
    }
}

fn write_observed(history: &History, o: Observed, out: &mut String) {
    match o {
        Observed::Value(v) => write_value(history.value(v), out),
        Observed::Absent => out.push_str("nil"),
        Observed::Unknown => out.push('?'),
    }
}

/// A value in concord syntax: integers, "strings" with escapes, `[lists]`.
pub fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Str(s) => write_quoted(s, '"', out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(item, out);
            }
            out.push(']');
        }
    }
}

/// A value in concord syntax, as a new string.
pub fn value_to_string(v: &Value) -> String {
    let mut s = String::new();
    write_value(v, &mut s);
    s
}

fn is_word(s: &str, first_digit_ok: bool) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let first_ok =
        first.is_ascii_alphabetic() || first == '_' || (first_digit_ok && first.is_ascii_digit());
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-'))
}

/// A key: bare when it is an identifier and not a reserved word, else
/// 'quoted'.
fn write_key(name: &str, out: &mut String) {
    if is_word(name, false) && !RESERVED.contains(&name) {
        out.push_str(name);
    } else {
        write_quoted(name, '\'', out);
    }
}

/// A process name: bare when it is a word, else 'quoted'.
fn write_name(name: &str, process: bool, out: &mut String) {
    if is_word(name, process) {
        out.push_str(name);
    } else {
        write_quoted(name, '\'', out);
    }
}

/// A `%model` or `%meta` name: a word or a "string".
fn write_atom(s: &str, out: &mut String) {
    if is_word(s, true) {
        out.push_str(s);
    } else {
        write_quoted(s, '"', out);
    }
}

/// Free text: bare when it reads back the same (no comment or stop
/// character, no leading quote, no surrounding spaces), else a "string".
fn write_text(s: &str, stops: &[char], out: &mut String) {
    let bare = !s.is_empty()
        && !s.starts_with('"')
        && s.trim_matches([' ', '\t']) == s
        && !s.contains(stops)
        && !s.chars().any(char::is_control);
    if bare {
        out.push_str(s);
    } else {
        write_quoted(s, '"', out);
    }
}

fn write_quoted(s: &str, quote: char, out: &mut String) {
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

/// The first structural difference between two histories, or `None` when
/// they are the same history: the same operations (processes, keys, calls,
/// values, outcomes and results compared by name and value, not by interned
/// id), the same times (or, without real time, the same session order),
/// the same metadata and annotations. Input line numbers are ignored.
pub fn first_difference(a: &History, b: &History) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!("{} operations vs {}", a.len(), b.len()));
    }
    if a.has_keys() != b.has_keys() {
        return Some(format!("has_keys {} vs {}", a.has_keys(), b.has_keys()));
    }
    if !a.is_empty() && a.has_real_time() != b.has_real_time() {
        return Some(format!(
            "has_real_time {} vs {}",
            a.has_real_time(),
            b.has_real_time()
        ));
    }
    for (x, y) in a.ops().iter().zip(b.ops()) {
        let (dx, dy) = (describe_full(a, x.id), describe_full(b, y.id));
        if dx != dy {
            return Some(format!("operation {}: {dx} vs {dy}", x.id.0));
        }
        if x.is_pending() != y.is_pending() {
            return Some(format!("operation {}: pending differs", x.id.0));
        }
        if a.has_real_time() && (x.invoke, x.ret) != (y.invoke, y.ret) {
            return Some(format!(
                "operation {}: times {}..{:?} vs {}..{:?}",
                x.id.0, x.invoke, x.ret, y.invoke, y.ret
            ));
        }
    }
    if !a.has_real_time() {
        let name = |h: &History, s: &Vec<OpId>| {
            (
                s.first()
                    .map(|id| h.process_name(h.op(*id).process).to_string()),
                s.iter().map(|id| id.0).collect::<Vec<_>>(),
            )
        };
        let mut sa: Vec<_> = a
            .sessions()
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| name(a, s))
            .collect();
        let mut sb: Vec<_> = b
            .sessions()
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| name(b, s))
            .collect();
        sa.sort();
        sb.sort();
        if sa != sb {
            return Some("session orders differ".to_string());
        }
    }
    let (ma, mb) = (&a.metadata, &b.metadata);
    if ma.model != mb.model {
        return Some(format!("model {:?} vs {:?}", ma.model, mb.model));
    }
    let initial = |h: &History| h.metadata.initial.map(|v| h.value(v).clone());
    if initial(a) != initial(b) {
        return Some(format!("initial {:?} vs {:?}", initial(a), initial(b)));
    }
    let by_key = |h: &History| {
        let mut v: Vec<(String, Value)> = h
            .metadata
            .initial_by_key
            .iter()
            .map(|(k, v)| (h.key_name(*k).to_string(), h.value(*v).clone()))
            .collect();
        v.sort();
        v
    };
    if by_key(a) != by_key(b) {
        return Some(format!("initial by key {:?} vs {:?}", by_key(a), by_key(b)));
    }
    if (ma.quiescent_at, ma.time_unit) != (mb.quiescent_at, mb.time_unit) {
        return Some("quiescent_at or time_unit differs".to_string());
    }
    if ma.extra != mb.extra {
        return Some(format!("meta {:?} vs {:?}", ma.extra, mb.extra));
    }
    let ann = |h: &History| {
        h.annotations
            .iter()
            .map(|x| (x.time, x.ops_before, x.text.clone()))
            .collect::<Vec<_>>()
    };
    if ann(a) != ann(b) {
        return Some(format!("annotations {:?} vs {:?}", ann(a), ann(b)));
    }
    None
}

/// An operation's full description, including its key and, for a txn,
/// every micro-operation's key, in concord value syntax.
fn describe_full(h: &History, id: OpId) -> String {
    let op = h.op(id);
    let mut s = String::new();
    s.push_str(h.process_name(op.process));
    s.push(' ');
    write_call(h, id, true, &mut s);
    write_answer(h, id, &mut s);
    let _ = write!(s, " [{}] key={:?}", op.outcome.name(), h.key_name(op.key));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ParseOptions, hist::parse};

    #[test]
    fn canonical_text_is_a_fixed_point() {
        let text = "%concord 1\n%model cas-register\n%unit ms\n%initial 0\n%initial 'my key' \"a\\\"b\"\n%quiescent 50\n%meta source \"a # b\"\n! nemesis start @ 3\np1 write x 1 @ 0..10\np2 read x 1 @ 5..15\np3 cas x 1 2 -> false @ 6..7\np4 cas x 1 2 @ 8..?\np1 write y [1 \"s\" []] @ 20..21 fail\n! end\np2 txn [r x 1] [w y 2] @ 22..23\np5 read x @ 24..25 info\n";
        let h = parse(text, &ParseOptions::default()).unwrap();
        assert_eq!(to_hist(&h), text);
    }

    #[test]
    fn untimed_and_events() {
        let text = "%concord 1\np1 write 1\np1 read 1\np2 write 2 info\np2 read pending\n";
        let h = parse(text, &ParseOptions::default()).unwrap();
        assert!(!h.has_real_time());
        assert_eq!(to_hist(&h), text);
        let ev = "p1 invoke write x 1\np2 invoke txn [r x] [w y 2]\np1 ok write x 1\np2 ok txn [r x 1] [w y 2]\np3 invoke read x\n";
        let h = parse(ev, &ParseOptions::default()).unwrap();
        let again = parse(&to_hist_events(&h), &ParseOptions::default()).unwrap();
        assert_eq!(first_difference(&h, &again), None, "{}", to_hist_events(&h));
        let again = parse(&to_hist(&h), &ParseOptions::default()).unwrap();
        assert_eq!(first_difference(&h, &again), None);
    }
}
