//! Parsers: text in one of the supported formats → a validated
//! [`History`], or a [`ParseError`] that points at
//! the exact line and column and says what was expected.
//!
//! One file per format, each mirroring its grammar (the concord language's
//! grammar is `grammar/concord.ebnf`). Parsers never panic and never skip a
//! line silently: every line is an operation, an event, a header entry, an
//! annotation, a comment, blank, or an error.

pub mod detect;
pub mod edn;
pub mod hist;
pub mod jepsen;
pub mod jepsen_log;
pub mod jsonl;
pub mod porcupine_kv;
pub mod semantics;

pub use detect::detect;
pub use semantics::{
    FailSemantics, NilRead, SemanticsHint, describe_semantics, describe_semantics_for,
    semantics_hints,
};

use crate::history::{BuildError, History, Value};
use std::fmt;
use thiserror::Error;

/// An input format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// The concord history language, interval form (`p1 write x 1 @ 0..10`).
    Hist,
    /// The concord history language, event form (`p1 invoke write x 1`).
    HistEvents,
    /// JSON Lines, one operation or one event per line.
    Jsonl,
    /// Jepsen EDN history (`history.edn`).
    JepsenEdn,
    /// Jepsen text log (`INFO  jepsen.util - 2\t:invoke\t:write\t4`; fields separated by
    /// TABs or runs of spaces).
    JepsenLog,
    /// Porcupine-style key-value log (one EDN map per line with `:key`).
    PorcupineKv,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Hist,
        Format::HistEvents,
        Format::Jsonl,
        Format::JepsenEdn,
        Format::JepsenLog,
        Format::PorcupineKv,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Hist => "hist",
            Format::HistEvents => "hist-events",
            Format::Jsonl => "jsonl",
            Format::JepsenEdn => "jepsen-edn",
            Format::JepsenLog => "jepsen-log",
            Format::PorcupineKv => "porcupine-kv",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest excerpt of input text that messages quote, in characters.
pub const EXCERPT_CHARS: usize = 80;

/// `text` as messages quote it: at most [`EXCERPT_CHARS`] characters, cut
/// with an ellipsis (`…`) when longer. Inputs can hold lines of hundreds of
/// megabytes; an error message never echoes them.
pub fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &text[..cut])),
    }
}

/// The end of `text` as messages quote it (the part next to an error): at
/// most [`EXCERPT_CHARS`] characters, with a leading `…` when cut.
pub fn excerpt_tail(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().rev().nth(EXCERPT_CHARS - 1) {
        Some((cut, _)) if cut > 0 => std::borrow::Cow::Owned(format!("…{}", &text[cut..])),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// The longest message or note a [`ParseError`] keeps, in characters. The
/// parsers quote excerpts; this bounds whatever else a message interpolates
/// (a name, a builder's message) by keeping its start and its end.
pub const MESSAGE_CHARS: usize = 400;

/// `message` cut in the middle (with ` … `) when longer than
/// [`MESSAGE_CHARS`].
fn bounded(message: String) -> String {
    const TAIL: usize = 120;
    if message.chars().nth(MESSAGE_CHARS).is_none() {
        return message;
    }
    let head = message
        .char_indices()
        .nth(MESSAGE_CHARS - TAIL - 3)
        .map_or(message.len(), |(i, _)| i);
    let tail = message
        .char_indices()
        .rev()
        .nth(TAIL - 1)
        .map_or(0, |(i, _)| i);
    format!("{} … {}", &message[..head], &message[tail..])
}

/// A byte range in the input.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A malformed input: where, what was found, what was expected.
///
/// `line` and `column` are 1-based; the column counts characters. Render it
/// with [`crate::render::diagnostic`] for a rustc-like snippet with a caret.
/// Messages quote the input in short excerpts ([`excerpt`]) and are bounded
/// ([`MESSAGE_CHARS`]): a malformed 100 MB line gives a short message.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{line}:{column}: {message}")]
pub struct ParseError {
    pub line: u32,
    pub column: u32,
    /// The offending bytes (may be empty, e.g. at end of line).
    pub span: Span,
    /// What is wrong, e.g. `expected a value after "write", found "@"`.
    pub message: String,
    /// Further help lines (`help: ...`, `note: ...`).
    pub notes: Vec<String>,
}

impl ParseError {
    /// An error at byte range `span` of `source`; line and column are
    /// computed from the offsets.
    pub fn at(source: &str, span: Span, message: impl Into<String>) -> ParseError {
        let (line, column) = line_column(source, span.start);
        ParseError {
            line,
            column,
            span,
            message: bounded(message.into()),
            notes: Vec::new(),
        }
    }

    /// An error from the history builder, pointing at the start of its line
    /// (or the whole input when the builder gave no line).
    pub fn from_build(source: &str, err: &BuildError) -> ParseError {
        let span = line_span(source, err.line);
        ParseError::at(source, span, err.kind.to_string())
    }

    pub fn with_note(mut self, note: impl Into<String>) -> ParseError {
        self.notes.push(bounded(note.into()));
        self
    }
}

/// 1-based line and character column of byte offset `offset`.
pub fn line_column(source: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(source.len());
    let before = &source.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = source[line_start..]
        .char_indices()
        .take_while(|(i, _)| line_start + i < offset)
        .count() as u32
        + 1;
    (line, column)
}

/// Byte range of 1-based line `line` without its newline (an empty span at
/// the start when `line` is 0 or past the end).
pub fn line_span(source: &str, line: u32) -> Span {
    if line == 0 {
        return Span { start: 0, end: 0 };
    }
    let mut start = 0;
    for (i, l) in source.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let text = l.trim_end_matches(['\n', '\r']);
            return Span {
                start,
                end: start + text.len(),
            };
        }
        start += l.len();
    }
    Span {
        start: source.len(),
        end: source.len(),
    }
}

/// Options that change how an input is read (per-format semantics). Every
/// field defaults to `None`, which means "the format's documented default"
/// (see [`semantics`]); [`describe_semantics`] states what is in effect.
#[derive(Clone, Debug, Default)]
pub struct ParseOptions {
    /// Overrides the initial value (`--initial`), as given: in concord
    /// value syntax, `nil` (absent), an integer, a double-quoted string or
    /// a list. Applies to every format. Default: the header's, else the
    /// format's. Each parse reads it once, with
    /// [`ParseOptions::initial_value`]; reports quote it as given.
    pub initial: Option<String>,
    /// What a Jepsen `:fail` means (`--fail-semantics`). Default:
    /// did-not-happen, except definite-answer for Jepsen text logs.
    /// Applies to jepsen-edn, jepsen-log and porcupine-kv.
    pub fail_semantics: Option<FailSemantics>,
    /// What a `nil` read means (`--nil-read`). Default: unknown for
    /// jepsen-edn (Knossos), absent elsewhere. Applies to jepsen-edn,
    /// jepsen-log and porcupine-kv.
    pub nil_read: Option<NilRead>,
    /// Whether Jepsen `:value`s are `[key value]` tuples
    /// (`--independent-keys`). Default: detected (see [`jepsen`]).
    pub independent_keys: Option<bool>,
}

/// The initial value of every key that `--initial` asks for, typed: read
/// once per parse from [`ParseOptions::initial`] by
/// [`ParseOptions::initial_value`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Initial {
    /// `nil`: every key starts without a value.
    Absent,
    /// Every key starts at this value.
    Value(Value),
}

impl Initial {
    /// The value, `None` for absent (as [`History::set_initial`] takes it).
    pub fn into_value(self) -> Option<Value> {
        match self {
            Initial::Absent => None,
            Initial::Value(v) => Some(v),
        }
    }
}

impl std::str::FromStr for Initial {
    type Err = String;

    /// A value in concord syntax (`0`, `"s"`, `[1 2]`) or `nil`, with
    /// surrounding whitespace; the error says what is wrong.
    fn from_str(text: &str) -> Result<Initial, String> {
        if text.trim() == "nil" {
            return Ok(Initial::Absent);
        }
        hist::parse_value(text).map(Initial::Value)
    }
}

impl ParseOptions {
    /// `--initial`, typed: `None` when not given, the reason when it is not
    /// a value. Each parser words the error its own way.
    pub fn initial_value(&self) -> Result<Option<Initial>, String> {
        self.initial.as_deref().map(str::parse).transpose()
    }
}

/// Parses `source` in `format`. Every parser applies `--initial`, if
/// given, over the input's own initial values.
pub fn parse(source: &str, format: Format, options: &ParseOptions) -> Result<History, ParseError> {
    match format {
        Format::Hist => hist::parse(source, options),
        Format::HistEvents => hist::parse_events(source, options),
        Format::JepsenEdn => jepsen::parse(source, options),
        Format::JepsenLog => jepsen_log::parse(source, options),
        Format::PorcupineKv => porcupine_kv::parse(source, options),
        Format::Jsonl => jsonl::parse(source, options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let s = "ab\nçd e\n";
        assert_eq!(line_column(s, 0), (1, 1));
        assert_eq!(line_column(s, 3), (2, 1));
        // 'ç' is two bytes; the space after "çd" is the third character.
        assert_eq!(line_column(s, 6), (2, 3));
        assert_eq!(line_span(s, 2), Span { start: 3, end: 8 });
    }
}
