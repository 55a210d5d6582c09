//! Jepsen EDN writer: a [`History`] as the event maps that
//! [`crate::parse::jepsen`] reads back.
//!
//! The output is one EDN vector of event maps, one per line, in real-time
//! order, after a few `;` comment lines:
//!
//! ```text
//! ; concord history as Jepsen EDN: 3 operations.
//! ; Read it back with: --initial 0
//! [{:process "p1", :type :invoke, :f :write, :value [0 1], :time 0, :index 0}
//!  {:process "p1", :type :ok, :f :write, :value [0 1], :time 3, :index 1}
//!  {:process :nemesis, :type :info, :f :start, :value nil, :time 4, :index 2}
//!  ...]
//! ```
//!
//! The mapping is the reader's, backwards:
//!
//! * One invoke per operation and one `:ok`, `:fail` or `:info` completion
//!   per operation that returned (a pending call has none). Events are in
//!   time order, completions before invokes at one instant (a process may
//!   call again at the instant its call returned) and a zero-length call's
//!   completion right after its invoke, as [`super::hist::write_events`]
//!   orders them.
//! * `:time`, in nanoseconds (ticks are written as they are, other units
//!   scaled), on every record when the history has timestamps; none when
//!   its times are event positions (the reader gives the same positions
//!   back: annotations are records too) or when it has no real-time order
//!   (then operations follow one another, as in the event form: session
//!   order survives, the absence of real-time order does not). `:index` is
//!   the record's position.
//! * Processes that are canonical integers are written as integers, others
//!   as strings (both read back as the same name).
//! * Keys: Jepsen's independent `[key value]` tuples as every operation's
//!   `:value` when the history has keys and no transactions; a `:key`
//!   field on every operation outside transactions when it has both (a
//!   transaction's `:value` is its micro-operations, so tuples would not be
//!   detected). Keys that are canonical integers are integers, others
//!   strings.
//! * Values: integers, strings, lists as vectors.
//! * Reads: `:value nil` on the invoke, the result on the `:ok` (`nil` for
//!   absent and for unknown). A CAS is `[from to]`; a CAS (or lock call)
//!   that answered false is `:fail`, as Jepsen records it. Transactions
//!   are `[[:w k v] [:r k v] ...]`, a completed read with an unknown value
//!   `[:read k nil]` (Knossos's spelling, unconstrained by default) and an
//!   absent one `[:r k nil]` (Elle's, absent).
//! * Annotations become `:nemesis` records: `nemesis TYPE F [VALUE]` (the
//!   reader's own text) is split back into its fields, any other text is
//!   written as `{:process :nemesis, :type :info, :f "TEXT"}` (read back as
//!   `nemesis info TEXT`, of the same kind).
//!
//! Jepsen EDN cannot say everything a `History` holds. What the reader's
//! defaults (Knossos's) would read differently is named on the comment line
//! `; Read it back with: FLAGS` (see [`read_back_flags`]): an initial value
//! (`--initial`), CAS answers of false when no call failed
//! (`--fail-semantics definite-answer`), absent reads when no read was
//! unknown (`--nil-read absent`), a keyless history whose every value looks
//! like a `[key value]` tuple (`--independent-keys false`); the quiescence
//! point is a flag of `concord check` only, on a line of its own (`; Check
//! it with: --quiescent-at NS`, see [`check_flags`]). What no flag
//! restores is named on a `; Not carried:` line: the data model, per-key
//! initial values, the quiescence point of an untimed history, other
//! metadata, and the readings
//! that conflict (absent and unknown reads in one history read back as one
//! of the two; a CAS answering false and a failed CAS as one of the two;
//! a dequeue of unknown result reads back as empty).

use super::hist::write_value;
use crate::history::{
    Annotation, Call, History, MicroKind, Observed, Operation, Outcome, Ret, TimeUnit, Value,
};
use std::fmt::Write as _;

/// How keys are written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Keys {
    /// A keyless history: no keys.
    None,
    /// Independent `[key value]` tuples.
    Tuples,
    /// A `:key` field (histories with transactions).
    Field,
}

/// The history as Jepsen EDN; see the module docs.
pub fn to_jepsen_edn(history: &History) -> String {
    let mut out = String::with_capacity(history.len() * 150 + 256);
    write_jepsen_edn(history, &mut out);
    out
}

/// Appends the history as Jepsen EDN to `out`; see the module docs.
pub fn write_jepsen_edn(history: &History, out: &mut String) {
    let _ = writeln!(
        out,
        "; concord history as Jepsen EDN: {} operations.",
        history.len()
    );
    let flags = read_back_flags(history);
    if !flags.is_empty() {
        let _ = writeln!(out, "; Read it back with: {}", flags.join(" "));
    }
    let check = check_flags(history);
    if !check.is_empty() {
        let _ = writeln!(out, "; Check it with: {}", check.join(" "));
    }
    let lost = not_carried(history);
    if !lost.is_empty() {
        let _ = writeln!(out, "; Not carried: {}.", lost.join("; "));
    }
    let writer = Writer::new(history);
    writer.write_records(out);
}

/// The `concord` flags that make the reader's defaults read the output of
/// [`to_jepsen_edn`] as `history` (as far as Jepsen EDN can say it), e.g.
/// `["--initial", "0"]`. Each flag is followed by its value.
pub fn read_back_flags(history: &History) -> Vec<String> {
    let facts = Facts::of(history);
    let mut flags = Vec::new();
    if let Some(v) = history.metadata.initial {
        let mut text = String::new();
        write_value(history.value(v), &mut text);
        flags.push("--initial".to_string());
        flags.push(text);
    }
    if facts.false_answer && !facts.fail_conflicts {
        flags.push("--fail-semantics".to_string());
        flags.push("definite-answer".to_string());
    }
    if facts.absent_read && !facts.unknown_read {
        flags.push("--nil-read".to_string());
        flags.push("absent".to_string());
    }
    if !history.has_keys() && looks_independent(history) {
        flags.push("--independent-keys".to_string());
        flags.push("false".to_string());
    }
    flags
}

/// The flags of `concord check` that restore what only it takes: the
/// quiescence point (`--quiescent-at`, in nanoseconds), when the output has
/// timestamps.
pub fn check_flags(history: &History) -> Vec<String> {
    match (history.metadata.quiescent_at, timing(history)) {
        (Some(t), Timing::Nanos(factor)) => match t.checked_mul(factor) {
            Some(ns) => vec!["--quiescent-at".to_string(), ns.to_string()],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// What Jepsen EDN cannot carry, one phrase each.
fn not_carried(history: &History) -> Vec<String> {
    let m = &history.metadata;
    let facts = Facts::of(history);
    let mut lost = Vec::new();
    if let Some(model) = m.model {
        lost.push(format!("the data model ({})", model.name()));
    }
    if !m.initial_by_key.is_empty() {
        lost.push(format!(
            "{} per-key initial value(s)",
            m.initial_by_key.len()
        ));
    }
    if let Some(t) = m.quiescent_at
        && check_flags(history).is_empty()
    {
        lost.push(format!("the quiescence point ({t})"));
    }
    if !m.extra.is_empty() {
        lost.push(format!("{} metadata entries", m.extra.len()));
    }
    if !history.has_real_time() {
        lost.push("the absence of real-time order".to_string());
    }
    if facts.absent_read && facts.unknown_read {
        lost.push("absent and unknown reads are both nil".to_string());
    }
    if facts.false_answer && facts.fail_conflicts {
        lost.push("CAS answers of false and failed calls are both :fail".to_string());
    }
    if facts.unknown_dequeue {
        lost.push("dequeues of unknown result read back as empty".to_string());
    }
    if timing(history) == Timing::Overflow {
        lost.push("times that do not fit in 64-bit nanoseconds".to_string());
    }
    lost
}

/// What a history holds that Jepsen EDN writes ambiguously.
#[derive(Default)]
struct Facts {
    /// A completed non-transactional read returned absent / unknown, or a
    /// completed transaction's micro-read did (`--nil-read` affects both).
    absent_read: bool,
    unknown_read: bool,
    /// A CAS, acquire or release answered false.
    false_answer: bool,
    /// A call that `--fail-semantics definite-answer` reads differently
    /// from `:fail` failed: a CAS, acquire, release or read.
    fail_conflicts: bool,
    unknown_dequeue: bool,
}

impl Facts {
    fn of(history: &History) -> Facts {
        let mut f = Facts::default();
        for op in history.ops() {
            match (&op.call, &op.outcome) {
                (Call::Read, Outcome::Ok(Ret::Value(Observed::Absent))) => f.absent_read = true,
                (Call::Read, Outcome::Ok(Ret::Value(Observed::Unknown))) => f.unknown_read = true,
                (Call::Dequeue, Outcome::Ok(Ret::Value(Observed::Unknown))) => {
                    f.unknown_dequeue = true
                }
                (Call::Txn(micro), Outcome::Ok(_)) => {
                    for m in micro.iter().filter(|m| m.kind == MicroKind::Read) {
                        match m.value {
                            Observed::Absent => f.absent_read = true,
                            Observed::Unknown => f.unknown_read = true,
                            Observed::Value(_) => {}
                        }
                    }
                }
                (_, Outcome::Ok(Ret::Bool(false))) => f.false_answer = true,
                (Call::Cas { .. } | Call::Acquire | Call::Release | Call::Read, Outcome::Fail) => {
                    f.fail_conflicts = true
                }
                _ => {}
            }
        }
        f
    }
}

/// A keyless history whose every invoke and `:ok` value is a two-element
/// list starting with an integer or string (a CAS's second element a list):
/// the reader would take the lists for `[key value]` tuples.
fn looks_independent(history: &History) -> bool {
    let tuple = |v: &Value, second_list: bool| match v {
        Value::List(items) => {
            items.len() == 2
                && matches!(items[0], Value::Int(_) | Value::Str(_))
                && (!second_list || matches!(items[1], Value::List(_)))
        }
        _ => false,
    };
    !history.is_empty()
        && history.ops().iter().all(|op| match &op.call {
            Call::Write(v) | Call::Append(v) | Call::Add(v) | Call::Enqueue(v) => {
                tuple(history.value(*v), false)
            }
            // A CAS's value is `[from to]`: its `to` must be a list.
            Call::Cas { new, .. } => matches!(history.value(*new), Value::List(_)),
            _ => false,
        })
}

/// How times are written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Timing {
    /// `:time` in nanoseconds: the factor from the history's unit.
    Nanos(u64),
    /// No `:time`: the records' positions are the times.
    Positions,
    /// No real-time order: operations one after another, no `:time`.
    Sequential,
    /// Timestamps that do not fit in `i64` nanoseconds: written as
    /// positions.
    Overflow,
}

impl Timing {
    /// Whether the history's times order its events (timestamps or
    /// positions alike).
    fn orders(self) -> bool {
        self != Timing::Sequential
    }
}

fn timing(history: &History) -> Timing {
    if !history.has_real_time() {
        return Timing::Sequential;
    }
    if !history.has_timestamps() {
        return Timing::Positions;
    }
    let factor: u64 = match history.metadata.time_unit {
        TimeUnit::Ticks | TimeUnit::Nanos => 1,
        TimeUnit::Micros => 1_000,
        TimeUnit::Millis => 1_000_000,
        TimeUnit::Seconds => 1_000_000_000,
    };
    let fits = |t: u64| t.checked_mul(factor).is_some_and(|n| n <= i64::MAX as u64);
    let all_fit = history
        .ops()
        .iter()
        .all(|op| fits(op.invoke) && op.ret.is_none_or(fits))
        && history.annotations.iter().all(|a| a.time.is_none_or(fits));
    if all_fit {
        Timing::Nanos(factor)
    } else {
        Timing::Overflow
    }
}

struct Writer<'h> {
    h: &'h History,
    keys: Keys,
    timing: Timing,
}

impl<'h> Writer<'h> {
    fn new(h: &'h History) -> Writer<'h> {
        let has_txn = h.ops().iter().any(|op| matches!(op.call, Call::Txn(_)));
        let keys = match (h.has_keys(), has_txn) {
            (false, _) => Keys::None,
            (true, false) => Keys::Tuples,
            (true, true) => Keys::Field,
        };
        Writer {
            h,
            keys,
            timing: timing(h),
        }
    }

    /// The records, in the order of [`super::hist::write_events`].
    fn write_records(&self, out: &mut String) {
        let h = self.h;
        let events = super::hist::event_order(h, self.timing == Timing::Sequential);
        out.push('[');
        let mut index = 0u64;
        // The time of the last record written, so that an annotation
        // without a time (or out of order) gets one that keeps `:time`
        // non-decreasing.
        let mut last_time = 0u64;
        let mut annotations = h.annotations.iter().peekable();
        let mut invoked = 0usize;
        for (time, _, id, completion) in events {
            // An annotation comes before the invoke that would make more
            // than its `ops_before` invokes precede it, and before an
            // earlier event that happened after it.
            while let Some(a) = annotations.next_if(|a| {
                (a.ops_before as usize) <= invoked
                    && (!completion || self.timing.orders() && a.time.is_some_and(|t| t < time))
            }) {
                let t = a.time.unwrap_or(last_time).max(last_time).min(time);
                self.annotation(a, t, index, out);
                last_time = t;
                index += 1;
            }
            if !completion {
                invoked += 1;
            }
            self.event(h.op(id), completion, time, index, out);
            last_time = time;
            index += 1;
        }
        for a in annotations {
            let t = a.time.unwrap_or(last_time).max(last_time);
            self.annotation(a, t, index, out);
            last_time = t;
            index += 1;
        }
        out.push_str("]\n");
    }

    /// Starts a record: the separator and `{:process`.
    fn open(&self, index: u64, out: &mut String) {
        if index > 0 {
            out.push_str("\n ");
        }
        out.push_str("{:process ");
    }

    /// Ends a record: `:time` (when timed), `:index` and `}`.
    fn close(&self, time: u64, index: u64, out: &mut String) {
        if let Timing::Nanos(factor) = self.timing {
            let _ = write!(out, ", :time {}", time * factor);
        }
        let _ = write!(out, ", :index {index}}}");
    }

    fn annotation(&self, a: &Annotation, time: u64, index: u64, out: &mut String) {
        self.open(index, out);
        out.push_str(":nemesis");
        match nemesis_fields(&a.text) {
            Some((kind, f, value)) => {
                let _ = write!(out, ", :type :{kind}, :f :{f}, :value {value}");
            }
            None if !a.text.contains(['"', '\\']) => {
                let _ = write!(out, ", :type :info, :f \"{}\", :value nil", a.text);
            }
            None => {
                out.push_str(", :type :info, :f :note, :value ");
                write_string(&a.text, out);
            }
        }
        self.close(time, index, out);
    }

    fn event(&self, op: &Operation, completion: bool, time: u64, index: u64, out: &mut String) {
        let h = self.h;
        self.open(index, out);
        write_name(h.process_name(op.process), out);
        let kind = match (&op.outcome, completion) {
            (_, false) => "invoke",
            (Outcome::Ok(Ret::Bool(false)), true) => "fail",
            (Outcome::Ok(_), true) => "ok",
            (Outcome::Fail, true) => "fail",
            (Outcome::Info, true) => "info",
        };
        let _ = write!(out, ", :type :{kind}, :f :{}", op.kind().name());
        let txn = matches!(op.call, Call::Txn(_));
        if self.keys == Keys::Field && !txn {
            out.push_str(", :key ");
            write_name(h.key_name(op.key), out);
        }
        out.push_str(", :value ");
        let tuple = self.keys == Keys::Tuples;
        if tuple {
            out.push('[');
            write_name(h.key_name(op.key), out);
            out.push(' ');
        }
        let ok = completion && op.is_ok();
        match &op.call {
            Call::Read | Call::Dequeue => match (&op.outcome, ok) {
                (Outcome::Ok(Ret::Value(Observed::Value(v))), true) => {
                    write_edn_value(h.value(*v), out)
                }
                _ => out.push_str("nil"),
            },
            Call::Write(v) | Call::Append(v) | Call::Add(v) | Call::Enqueue(v) => {
                write_edn_value(h.value(*v), out)
            }
            Call::Cas { expected, new } => {
                out.push('[');
                write_edn_value(h.value(*expected), out);
                out.push(' ');
                write_edn_value(h.value(*new), out);
                out.push(']');
            }
            Call::Acquire | Call::Release => out.push_str("nil"),
            Call::Txn(micro) => {
                out.push('[');
                for (i, m) in micro.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(match (m.kind, m.value, ok) {
                        (MicroKind::Write, _, _) => "[:w ",
                        (MicroKind::Read, Observed::Unknown, true) => "[:read ",
                        (MicroKind::Read, _, _) => "[:r ",
                    });
                    write_name(h.key_name(m.key), out);
                    out.push(' ');
                    match (m.kind, m.value) {
                        (MicroKind::Write, Observed::Value(v)) => write_edn_value(h.value(v), out),
                        (MicroKind::Read, Observed::Value(v)) if ok => {
                            write_edn_value(h.value(v), out)
                        }
                        _ => out.push_str("nil"),
                    }
                    out.push(']');
                }
                out.push(']');
            }
        }
        if tuple {
            out.push(']');
        }
        self.close(time, index, out);
    }
}

/// `nemesis TYPE F[ VALUE]`, the text the reader makes of a nemesis
/// record, split back into its fields when each is writable as it was
/// read: `TYPE` one of Jepsen's, `F` a plain keyword name and `VALUE` one
/// EDN value (`nil` when absent).
fn nemesis_fields(text: &str) -> Option<(&str, &str, &str)> {
    let rest = text.strip_prefix("nemesis ")?;
    let (kind, rest) = rest.split_once(' ')?;
    if !matches!(kind, "invoke" | "ok" | "fail" | "info") {
        return None;
    }
    let (f, value) = rest.split_once(' ').unwrap_or((rest, "nil"));
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '?' | '!');
    if f.is_empty() || !f.starts_with(|c: char| c.is_ascii_alphabetic()) || !f.chars().all(plain) {
        return None;
    }
    // The value must read back as one value with the same text.
    let read = crate::parse::edn::read_one(value).ok()?;
    (read.span.start == 0 && read.span.end == value.len()).then_some((kind, f, value))
}

/// A process or key name: an integer when it is one, as the reader spells
/// integers, else a string.
fn write_name(name: &str, out: &mut String) {
    match name.parse::<i64>() {
        Ok(i) if i.to_string() == name => {
            let _ = write!(out, "{i}");
        }
        _ => write_string(name, out),
    }
}

fn write_edn_value(v: &Value, out: &mut String) {
    match v {
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Str(s) => write_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_edn_value(item, out);
            }
            out.push(']');
        }
    }
}

/// An EDN string with the escapes the reader knows.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{Format, ParseOptions, hist, parse};

    fn edn_of(text: &str) -> String {
        to_jepsen_edn(&hist::parse(text, &ParseOptions::default()).unwrap())
    }

    #[test]
    fn keyed_register_as_tuples() {
        let edn = edn_of(
            "%initial 0\np1 write x 1 @ 0..3\np2 read x 1 @ 2..5\n! nemesis info start [1 2] @ 6\np3 cas x 1 2 -> false @ 7..9\np4 write x 3 @ 8..?\n",
        );
        assert_eq!(
            edn,
            r#"; concord history as Jepsen EDN: 4 operations.
; Read it back with: --initial 0 --fail-semantics definite-answer
[{:process "p1", :type :invoke, :f :write, :value ["x" 1], :time 0, :index 0}
 {:process "p2", :type :invoke, :f :read, :value ["x" nil], :time 2, :index 1}
 {:process "p1", :type :ok, :f :write, :value ["x" 1], :time 3, :index 2}
 {:process "p2", :type :ok, :f :read, :value ["x" 1], :time 5, :index 3}
 {:process :nemesis, :type :info, :f :start, :value [1 2], :time 6, :index 4}
 {:process "p3", :type :invoke, :f :cas, :value ["x" [1 2]], :time 7, :index 5}
 {:process "p4", :type :invoke, :f :write, :value ["x" 3], :time 8, :index 6}
 {:process "p3", :type :fail, :f :cas, :value ["x" [1 2]], :time 9, :index 7}]
"#
        );
    }

    #[test]
    fn reads_back_with_its_flags() {
        let text = "%initial 0\n%unit ms\np1 write x 1 @ 0..3\np2 read x 1 @ 2..5\n! a \"quoted\" note @ 6\n! nemesis info stop @ 7\np3 cas x 1 2 -> false @ 7..9\np4 write y \"a\\\"b\" @ 8..?\np1 read y ? @ 9..9\np1 write y [1 \"s\"] @ 9..12 fail\n";
        let h = hist::parse(text, &ParseOptions::default()).unwrap();
        let edn = to_jepsen_edn(&h);
        let options = ParseOptions {
            initial: Some("0".to_string()),
            fail_semantics: Some(crate::parse::semantics::FailSemantics::DefiniteAnswer),
            ..ParseOptions::default()
        };
        assert_eq!(
            read_back_flags(&h),
            ["--initial", "0", "--fail-semantics", "definite-answer"]
        );
        let back = parse(&edn, Format::JepsenEdn, &options).unwrap();
        assert_eq!(back.len(), h.len());
        for (a, b) in h.ops().iter().zip(back.ops()) {
            assert_eq!(h.describe(a.id), back.describe(b.id));
            assert_eq!(
                (a.invoke * 1_000_000, a.ret.map(|r| r * 1_000_000)),
                (b.invoke, b.ret)
            );
        }
        let texts: Vec<_> = back.annotations.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "nemesis info note \"a \\\"quoted\\\" note\"",
                "nemesis info stop"
            ]
        );
    }

    #[test]
    fn transactions_keep_absent_and_unknown_reads_apart() {
        let edn = edn_of("p1 txn [w x 1] [r y nil] [r x ?] @ 0..1\np2 txn [r x 1] @ 2..?\n");
        assert!(
            edn.contains("[[:w \"x\" 1] [:r \"y\" nil] [:read \"x\" nil]]"),
            "{edn}"
        );
        let back = parse(&edn, Format::JepsenEdn, &ParseOptions::default()).unwrap();
        assert_eq!(
            back.describe(back.ops()[0].id),
            "p1 txn [w x 1 r y nil r x ?]"
        );
    }

    #[test]
    fn untimed_histories_are_written_in_order_without_times() {
        let edn = edn_of("p1 write 1\np2 read 1\n");
        assert!(!edn.contains(":time"), "{edn}");
        assert!(
            edn.contains("Not carried: the absence of real-time order"),
            "{edn}"
        );
    }
}
