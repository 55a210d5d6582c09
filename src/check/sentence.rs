//! A violation's one sentence, kept as data until it is shown
//! ([`Sentence`]): text and references to operations, keys and processes,
//! rendered with the history by [`Sentence::render`] only for the
//! violations a report prints. Also how an operation is named in a
//! sentence (with its input line).

use crate::history::{History, KeyId, Observed, OpId, ProcessId};
use crate::order::edge::{Edge, EdgeLabel};

/// One sentence: parts rendered in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sentence(Vec<Part>);

/// A part of a [`Sentence`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Text(&'static str),
    /// Text computed when the violation was found (a model's state).
    Owned(Box<str>),
    /// `p2 read x=1 (line 4)` ([`describe_read`]).
    Read(OpId),
    /// `p1's write x=2 (line 3)` ([`describe_write`]).
    Write(OpId),
    /// `p1 write x 1, line 3` ([`where_is`]).
    Where(OpId),
    /// `p1 write x 1 (line 3)` ([`short`]).
    Short(OpId),
    /// The concord-language text of an operation (`p1 write x 1`).
    Op(OpId),
    /// A key's name ([`key_name`]).
    Key(KeyId),
    /// A process's name.
    Process(ProcessId),
    /// A number (a time, a count).
    Number(u64),
    /// A write without its process: `write x=2 (line 3)`.
    WriteOnly(OpId),
    /// Reads joined by `, then `.
    Reads(Vec<OpId>),
    /// Writes joined by `, `.
    Writes(Vec<OpId>),
    /// The steps of a cycle, one clause per edge, `; ` between them.
    Cycle(Vec<Edge>),
}

impl Sentence {
    /// An empty sentence.
    pub fn new() -> Sentence {
        Sentence(Vec::new())
    }

    /// True when the sentence has no parts.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends fixed text.
    pub fn text(mut self, text: &'static str) -> Sentence {
        self.0.push(Part::Text(text));
        self
    }

    /// Appends text computed now.
    pub fn owned(mut self, text: impl Into<Box<str>>) -> Sentence {
        self.0.push(Part::Owned(text.into()));
        self
    }

    /// Appends a part.
    pub fn part(mut self, part: Part) -> Sentence {
        self.0.push(part);
        self
    }

    /// Appends another sentence's parts.
    pub fn extend(mut self, more: Sentence) -> Sentence {
        self.0.extend(more.0);
        self
    }

    /// Appends `p2 read x=1 (line 4)`.
    pub fn read(self, r: OpId) -> Sentence {
        self.part(Part::Read(r))
    }

    /// Appends `p1's write x=2 (line 3)`.
    pub fn write(self, w: OpId) -> Sentence {
        self.part(Part::Write(w))
    }

    /// Appends `p1 write x 1, line 3`.
    pub fn where_is(self, op: OpId) -> Sentence {
        self.part(Part::Where(op))
    }

    /// The sentence, in words.
    pub fn render(&self, history: &History) -> String {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Owned(t) => out.push_str(t),
                Part::Read(r) => out.push_str(&describe_read(history, *r)),
                Part::Write(w) => out.push_str(&describe_write(history, *w)),
                Part::Where(op) => out.push_str(&where_is(history, *op)),
                Part::Short(op) => out.push_str(&short(history, *op)),
                Part::Op(op) => out.push_str(&history.describe(*op)),
                Part::Key(k) => out.push_str(&key_name(history, *k)),
                Part::Process(p) => out.push_str(history.process_name(*p)),
                Part::Number(n) => out.push_str(&n.to_string()),
                Part::WriteOnly(w) => {
                    let d = describe_write(history, *w);
                    out.push_str(d.split_once("'s ").map_or("", |(_, w)| w));
                }
                Part::Reads(rs) => {
                    let all: Vec<String> = rs.iter().map(|r| describe_read(history, *r)).collect();
                    out.push_str(&all.join(", then "));
                }
                Part::Writes(ws) => {
                    let all: Vec<String> = ws.iter().map(|w| describe_write(history, *w)).collect();
                    out.push_str(&all.join(", "));
                }
                Part::Cycle(edges) => {
                    let steps: Vec<String> = edges.iter().map(|e| step(history, e)).collect();
                    out.push_str(&steps.join("; "));
                }
            }
        }
        out
    }
}

/// One clause of a cycle: why `e.from` precedes `e.to`.
fn step(history: &History, e: &Edge) -> String {
    let (a, b) = (short(history, e.from), short(history, e.to));
    match &e.label {
        EdgeLabel::ReadsFrom => format!("{a} was read by {b}"),
        EdgeLabel::SessionOrder => format!("{a} came before {b} in its session"),
        EdgeLabel::ForcedWriteOrder {
            rule: crate::order::edge::Rule::LegalView,
        } => {
            // Why: a read returns `b`'s value, and `a` (a write of the same
            // key) must come before that read, so it cannot come after `b`.
            let readers = readers_of(history, e.to);
            match readers.as_slice() {
                [r] => format!(
                    "{a} must be ordered before {b}, because {} reads from the latter and the former must precede that read (legal view)",
                    short(history, *r)
                ),
                _ => format!(
                    "{a} must be ordered before {b}, because a read of the latter's value must come after the former (legal view)"
                ),
            }
        }
        EdgeLabel::ForcedWriteOrder {
            rule: crate::order::edge::Rule::Conflict,
        } => {
            // Why: a read of `b`'s value has `a`, a concurrent write of the
            // same key, in its causal past, so `a` is arbitrated first.
            match readers_of(history, e.to).as_slice() {
                [r] => format!(
                    "{a} must be arbitrated before {b}, because {} reads from the latter with the former in its causal past (cf)",
                    short(history, *r)
                ),
                _ => format!(
                    "{a} must be arbitrated before {b}, because a read of the latter's value has the former in its causal past (cf)"
                ),
            }
        }
        EdgeLabel::ForcedWriteOrder { rule } => format!("{a} must be ordered before {b} ({rule})"),
        other => format!("{a} {} {b}", other.short()),
    }
}

/// The completed reads that return the value `w` wrote to its key.
fn readers_of(history: &History, w: OpId) -> Vec<OpId> {
    let op = history.op(w);
    let Some(v) = op.call.written_value() else {
        return Vec::new();
    };
    history
        .ops()
        .iter()
        .filter(|r| r.key == op.key && r.observed() == Some(Observed::Value(v)))
        .map(|r| r.id)
        .collect()
}

/// `p2 read x=1 (line 4)`.
pub fn describe_read(history: &History, r: OpId) -> String {
    let op = history.op(r);
    let value = history.describe_observed(op.observed().unwrap_or(Observed::Unknown));
    format!(
        "{} read {}={}{}",
        history.process_name(op.process),
        key_name(history, op.key),
        value,
        line_suffix(history, r)
    )
}

/// `p1's write x=2 (line 3)`.
pub fn describe_write(history: &History, w: OpId) -> String {
    let op = history.op(w);
    let value = op
        .call
        .written_value()
        .map_or("?".to_string(), |v| history.value(v).to_string());
    format!(
        "{}'s write {}={}{}",
        history.process_name(op.process),
        key_name(history, op.key),
        value,
        line_suffix(history, w)
    )
}

/// `line 3` or the operation's description when it has no line.
pub fn where_is(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => history.describe(op),
        l => format!("{}, line {l}", history.describe(op)),
    }
}

/// The key's name, `x` for a keyless history.
pub fn key_name(history: &History, key: KeyId) -> String {
    match history.key_name(key) {
        "" => "x".to_string(),
        k => k.to_string(),
    }
}

fn line_suffix(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => String::new(),
        l => format!(" (line {l})"),
    }
}

/// `p1 write x 1 (line 3)`.
pub fn short(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => history.describe(op),
        l => format!("{} (line {l})", history.describe(op)),
    }
}
