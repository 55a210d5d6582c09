//! Reader for the concord history language (`.hist`), in both its forms:
//! interval form (`p1 write x 1 @ 0..10`, one line per operation) and event
//! form (`p1 invoke write x 1` / `p1 ok write x 1`, line order = real-time
//! order).
//!
//! The language is defined by `grammar/concord.ebnf` (W3C-style EBNF). This
//! module mirrors it rule for rule: every grammar rule is a function with the
//! same name whose doc comment quotes the rule, built from nom combinators on
//! `&str`. The rules that the grammar cannot express (all-or-none keys and
//! timings, arity per outcome, headers before operations) are checked by the
//! line driver ([`parse_intervals`], [`parse_events`]), and everything a real
//! system could not have recorded is rejected by
//! [`HistoryBuilder`].
//!
//! Why hand-tuned nom rather than a generated parser: the reader must handle
//! a million-operation history in well under a second and, on bad input,
//! say exactly where and what was expected. So the hot path works on one
//! line slice at a time, never allocates per line (names are interned by the
//! builder, integers are parsed in place) and computes line and column only
//! when it reports an error. Rules look ahead by one character instead of
//! backtracking, which keeps both the speed and the error messages precise.

use super::{ParseError, ParseOptions, Span, excerpt, excerpt_tail};
use crate::history::{
    Annotation, AnnotationKind, BuildError, BuildErrorKind, Call, Completion, HistoryBuilder,
    Invocation, KeyId, MicroKind, MicroOp, Observed, OpKind, OpSpec, Outcome, PairingError,
    Pending, ProcessId, Ret, Time, TimeUnit, Value,
};
use crate::history::{History, Model};
use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{char, digit1, space1};
use nom::error::ErrorKind;
use std::borrow::Cow;

/// Words that are never keys (see "Reserved words" in the grammar).
pub const RESERVED: [&str; 8] = [
    "nil", "ok", "fail", "info", "pending", "invoke", "true", "false",
];

/// The header directives, for "unknown directive" errors.
pub const DIRECTIVES: [&str; 7] = [
    "concord",
    "model",
    "initial",
    "unit",
    "quiescent",
    "meta",
    "form",
];

/// Lists nest at most this deep, so that hostile input cannot overflow the
/// stack of the recursive `list` rule.
const LIST_DEPTH_MAX: usize = 64;

// ---------------------------------------------------------------------------
// Errors inside a line.

/// An error inside one line. Positions are kept as "bytes remaining in the
/// line" (nom's natural currency), converted to offsets only on failure.
#[derive(Debug)]
pub struct LineError {
    /// Length of the input remaining at the offending token.
    rest: usize,
    /// Length of the offending token in bytes (0 = a point).
    len: usize,
    /// Empty for nom's own (recoverable) errors; rules replace those with a
    /// message before they escape.
    message: String,
    notes: Vec<String>,
}

impl<'a> nom::error::ParseError<&'a str> for LineError {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        // Cheap on purpose: recoverable errors are built on the hot path
        // whenever an optional piece is absent.
        LineError {
            rest: input.len(),
            len: 0,
            message: String::new(),
            notes: Vec::new(),
        }
    }

    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = IResult<&'a str, T, LineError>;

/// A position in the line, as bytes remaining from the token's start, and
/// the token's length.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Tok {
    rest: usize,
    len: usize,
}

fn tok(at: &str, len: usize) -> Tok {
    Tok {
        rest: at.len(),
        len,
    }
}

/// The token spanning from `start` to `end` (both suffixes of one line).
fn tok_between(start: &str, end: &str) -> Tok {
    Tok {
        rest: start.len(),
        len: start.len() - end.len(),
    }
}

fn error_at(at: Tok, message: impl Into<String>) -> LineError {
    LineError {
        rest: at.rest,
        len: at.len,
        message: message.into(),
        notes: Vec::new(),
    }
}

impl LineError {
    fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

fn failure<T>(e: LineError) -> PResult<'static, T> {
    Err(nom::Err::Failure(e))
}

/// Turns nom's recoverable error into a failure with a message.
fn cut_with<'a, T>(r: PResult<'a, T>, f: impl FnOnce(&LineError) -> LineError) -> PResult<'a, T> {
    match r {
        Err(nom::Err::Error(e)) => Err(nom::Err::Failure(f(&e))),
        other => other,
    }
}

/// The token at the start of `rest`, quoted for a message: `"@"`, `"12abc"`,
/// or `end of line`.
fn found(rest: &str) -> String {
    let t = token_text(rest);
    if t.is_empty() {
        "end of line".to_string()
    } else {
        format!("\"{}\"", excerpt(t))
    }
}

/// The whole token at the start of `rest` (empty at end of line or at a
/// comment): up to the next space or TAB.
fn token_text(rest: &str) -> &str {
    if rest.is_empty() || rest.starts_with('#') {
        return "";
    }
    let len = rest
        .char_indices()
        .find(|&(i, c)| i > 0 && (c == ' ' || c == '\t'))
        .map_or(rest.len(), |(i, _)| i);
    &rest[..len]
}

/// The start of the token at the start of `rest`, at most 40 bytes: what an
/// error's caret covers (empty at end of line).
fn found_token(rest: &str) -> &str {
    let t = token_text(rest);
    let mut end = t.len().min(40);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    &t[..end]
}

/// An error "expected X after CONTEXT, found TOKEN" at the start of `rest`.
fn expected(rest: &str, what: &str, after: &str) -> LineError {
    let t = found_token(rest);
    let message = if after.is_empty() {
        format!("expected {what}, found {}", found(rest))
    } else {
        format!(
            "expected {what} after \"{}\", found {}",
            excerpt_tail(after),
            found(rest)
        )
    };
    let mut e = error_at(tok(rest, t.len()), message);
    if is_reserved(t) {
        e = e.note(format!(
            "help: `{t}` is a reserved word; quote it ('{t}') to use it as a key"
        ));
    }
    e
}

/// The text between two suffixes of a line, trimmed: the context of an
/// error ("write x").
fn context<'a>(start: &'a str, end: &'a str) -> &'a str {
    start[..start.len() - end.len()].trim_end()
}

// ---------------------------------------------------------------------------
// Character classes.

fn is_ws(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-')
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// True when a token may end here: whitespace, a comment or the end.
fn at_token_end(rest: &str) -> bool {
    matches!(rest.as_bytes().first(), None | Some(b' ' | b'\t' | b'#'))
}

fn starts_value(rest: &str) -> bool {
    matches!(
        rest.as_bytes(),
        [b'0'..=b'9' | b'"' | b'[', ..] | [b'-', b'0'..=b'9', ..]
    )
}

fn starts_result(rest: &str) -> bool {
    starts_value(rest) || rest.starts_with('?') || word_is(rest, "nil")
}

/// True when `rest` starts with the whole word `w`.
fn word_is(rest: &str, w: &str) -> bool {
    rest.starts_with(w) && !rest[w.len()..].starts_with(is_word_char)
}

/// The identifier-like word at the start of `rest` (possibly empty).
fn peek_word(rest: &str) -> &str {
    let n = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
    &rest[..n]
}

// ---------------------------------------------------------------------------
// Lexical rules.

/// `ws ::= [ #x9]*`
///
/// A byte loop rather than nom's `space0`: whitespace is skipped several
/// times per line, and this is the hot path of the reader.
fn ws(input: &str) -> PResult<'_, &str> {
    let n = input
        .bytes()
        .position(|b| b != b' ' && b != b'\t')
        .unwrap_or(input.len());
    Ok((&input[n..], &input[..n]))
}

/// `sp ::= [ #x9]+`
fn sp(input: &str) -> PResult<'_, &str> {
    match ws(input)? {
        (_, "") => space1(input),
        ok => Ok(ok),
    }
}

/// True for the words of `reserved` (a `match` compiles to a length switch,
/// cheaper than scanning a list).
fn is_reserved(w: &str) -> bool {
    matches!(
        w,
        "nil" | "ok" | "fail" | "info" | "pending" | "invoke" | "true" | "false"
    )
}

/// `comment ::= '#' [^#xA]*`
fn comment(input: &str) -> PResult<'_, &str> {
    let (rest, _) = char('#').parse(input)?;
    Ok(("", rest))
}

/// The end of a line: `ws comment?` and nothing else. `after` is the
/// context for the error ("p1 write x 1 @ 0..10").
fn line_end<'a>(input: &'a str, what: &str, after: &str) -> PResult<'a, ()> {
    let (rest, _) = ws(input)?;
    if rest.is_empty() {
        return Ok((rest, ()));
    }
    if rest.starts_with('#') {
        let (rest, _) = comment(rest)?;
        return Ok((rest, ()));
    }
    failure(expected(rest, what, after))
}

/// `identifier ::= [A-Za-z_] [A-Za-z0-9_.:/-]*`
fn identifier(input: &str) -> PResult<'_, &str> {
    if !input.starts_with(is_ident_start) {
        return Err(nom::Err::Error(error_at(tok(input, 0), "")));
    }
    take_while1(is_word_char).parse(input)
}

/// `word ::= [A-Za-z0-9_] [A-Za-z0-9_.:/-]*`
fn word(input: &str) -> PResult<'_, &str> {
    if !input.starts_with(is_word_start) {
        return Err(nom::Err::Error(error_at(tok(input, 0), "")));
    }
    take_while1(is_word_char).parse(input)
}

/// `escape ::= '\' ( '"' | "'" | '\' | 'n' | 't' | 'r' | 'u{' [0-9a-fA-F]+ '}' )`
///
/// `input` starts at the backslash; returns the character it stands for.
fn escape(input: &str) -> PResult<'_, char> {
    let (after, _) = char('\\').parse(input)?;
    let bad = |len: usize| {
        let shown: String = input.chars().take(len.max(2)).collect();
        failure(
            error_at(tok(input, shown.len()), format!("unknown escape `{shown}`"))
                .note(r#"help: the escapes are \" \' \\ \n \t \r and \u{HEX}"#),
        )
    };
    let mut chars = after.chars();
    let c = match chars.next() {
        Some('"') => '"',
        Some('\'') => '\'',
        Some('\\') => '\\',
        Some('n') => '\n',
        Some('t') => '\t',
        Some('r') => '\r',
        Some('u') => {
            let Some(body) = after[1..].strip_prefix('{') else {
                return bad(2);
            };
            let (body_rest, hex) =
                match take_while1::<_, _, LineError>(|c: char| c.is_ascii_hexdigit()).parse(body) {
                    Ok(ok) => ok,
                    Err(_) => return bad(3),
                };
            let Some(rest) = body_rest.strip_prefix('}') else {
                return bad(input.len() - body_rest.len());
            };
            let code = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
            return match code {
                Some(c) => Ok((rest, c)),
                None => failure(error_at(
                    tok(input, input.len() - rest.len()),
                    format!("`\\u{{{hex}}}` is not a Unicode scalar value"),
                )),
            };
        }
        _ => return bad(2),
    };
    Ok((&after[c_len(after)..], c))
}

fn c_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

/// A quoted text between `quote` characters, with escapes; shared by
/// `string` and `quoted_name`. Borrowed when it holds no escape.
fn quoted(input: &str, quote: char) -> PResult<'_, Cow<'_, str>> {
    let (body, _) = char(quote).parse(input)?;
    let mut owned: Option<String> = None;
    let mut rest = body;
    loop {
        let Some(i) = rest.find([quote, '\\']) else {
            let what = if quote == '"' {
                "string"
            } else {
                "quoted name"
            };
            return failure(
                error_at(
                    tok(input, input.len()),
                    format!("unterminated {what}: missing closing `{quote}`"),
                )
                .note(format!(
                    "help: a {what} ends on its line; write a line break as \\n"
                )),
            );
        };
        let (text, at) = rest.split_at(i);
        if at.starts_with(quote) {
            let value = match owned {
                Some(mut s) => {
                    s.push_str(text);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(text),
            };
            return Ok((&at[1..], value));
        }
        let s = owned.get_or_insert_with(String::new);
        s.push_str(text);
        let (after, c) = escape(at)?;
        s.push(c);
        rest = after;
    }
}

/// `quoted_name ::= "'" ( [^'\#xA] | escape )* "'"`
fn quoted_name(input: &str) -> PResult<'_, Cow<'_, str>> {
    quoted(input, '\'')
}

/// `string ::= '"' ( [^"\#xA] | escape )* '"'`
fn string(input: &str) -> PResult<'_, Cow<'_, str>> {
    quoted(input, '"')
}

/// `integer ::= '-'? [0-9]+`
fn integer(input: &str) -> PResult<'_, i64> {
    let negative = input.starts_with('-');
    let digits_at = if negative { &input[1..] } else { input };
    let (rest, digits) = digit1(digits_at)?;
    let mut n: i64 = 0;
    for &d in digits.as_bytes() {
        let d = i64::from(d - b'0');
        let next = n.checked_mul(10).and_then(|n| {
            if negative {
                n.checked_sub(d)
            } else {
                n.checked_add(d)
            }
        });
        match next {
            Some(v) => n = v,
            None => {
                return failure(
                    error_at(
                        tok_between(input, rest),
                        format!(
                            "integer {} does not fit in 64 bits",
                            excerpt(context(input, rest))
                        ),
                    )
                    .note(
                        "note: values are signed 64-bit integers; use a string for larger numbers",
                    ),
                );
            }
        }
    }
    Ok((rest, n))
}

/// `time ::= [0-9]+`
fn time(input: &str) -> PResult<'_, Time> {
    let len = input
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(input.len());
    if len == 0 {
        return Err(nom::Err::Error(error_at(tok(input, 0), "")));
    }
    let (digits, rest) = input.split_at(len);
    let mut n: u64 = 0;
    for &d in digits.as_bytes() {
        match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
        {
            Some(v) => n = v,
            None => {
                return failure(error_at(
                    tok_between(input, rest),
                    format!("time {digits} does not fit in 64 bits"),
                ));
            }
        }
    }
    if !at_token_end(rest) && !rest.starts_with('.') {
        return failure(error_at(
            tok(input, found_token(input).len()),
            format!("malformed time {}", found(input)),
        ));
    }
    Ok((rest, n))
}

/// `list ::= '[' ws ( value ( sp value )* )? ws ']'`
fn list(input: &str, depth: usize) -> PResult<'_, Vec<Value>> {
    let (mut rest, _) = char('[').parse(input)?;
    if depth >= LIST_DEPTH_MAX {
        return failure(error_at(
            tok(input, 1),
            format!("lists nest deeper than {LIST_DEPTH_MAX} levels"),
        ));
    }
    let mut items = Vec::new();
    loop {
        (rest, _) = ws(rest)?;
        if let Some(after) = rest.strip_prefix(']') {
            return Ok((after, items));
        }
        if rest.is_empty() || rest.starts_with('#') {
            return failure(
                error_at(
                    tok(input, 1),
                    "unclosed list: expected a value or `]`, found end of line",
                )
                .note("help: close the list with `]`"),
            );
        }
        let (after, v) = cut_with(value_at(rest, depth + 1), |_| {
            expected(rest, "a value or `]` in the list", "")
        })?;
        if !(after.starts_with([' ', '\t', ']']) || after.is_empty() || after.starts_with('#')) {
            return failure(expected(after, "a space or `]` after a list item", ""));
        }
        items.push(v);
        rest = after;
    }
}

/// `value ::= integer | string | list`
fn value(input: &str) -> PResult<'_, Value> {
    value_at(input, 0)
}

fn value_at(input: &str, depth: usize) -> PResult<'_, Value> {
    let (rest, v) = match input.as_bytes().first() {
        Some(b'"') => {
            let (rest, s) = string(input)?;
            (rest, Value::Str(s.as_ref().into()))
        }
        Some(b'[') => {
            let (rest, items) = list(input, depth)?;
            (rest, Value::List(items))
        }
        Some(b'0'..=b'9') => {
            let (rest, i) = integer(input)?;
            (rest, Value::Int(i))
        }
        Some(b'-') if input[1..].starts_with(|c: char| c.is_ascii_digit()) => {
            let (rest, i) = integer(input)?;
            (rest, Value::Int(i))
        }
        _ => return Err(nom::Err::Error(error_at(tok(input, 0), ""))),
    };
    // A value ends at whitespace, a comment, the end, or (in a list) `]`.
    if !(at_token_end(rest) || rest.starts_with(']')) {
        let t = found_token(input);
        return failure(error_at(
            tok(input, t.len()),
            format!("malformed value {}", found(input)),
        ));
    }
    Ok((rest, v))
}

/// A read or dequeue result.
#[derive(Clone, Debug, PartialEq)]
enum ResultSyn {
    Value(Value),
    Nil,
    Unknown,
}

/// `result ::= value | 'nil' | '?'`
fn result(input: &str) -> PResult<'_, ResultSyn> {
    if let Some(rest) = input.strip_prefix('?') {
        return Ok((rest, ResultSyn::Unknown));
    }
    if word_is(input, "nil") {
        return Ok((&input[3..], ResultSyn::Nil));
    }
    let (rest, v) = value(input)?;
    Ok((rest, ResultSyn::Value(v)))
}

/// `key ::= ( identifier - reserved ) | quoted_name`
///
/// Returns a recoverable error when `input` does not start a key (so the
/// key is absent), and a failure for a reserved word used where a key
/// evidently was meant (it is followed by a value).
fn key(input: &str) -> PResult<'_, Cow<'_, str>> {
    if input.starts_with('\'') {
        return quoted_name(input);
    }
    let (rest, name) = identifier(input)?;
    if is_reserved(name) {
        let after = rest.trim_start_matches([' ', '\t']);
        if rest.len() != after.len() && starts_result(after) && name != "nil" {
            return failure(
                error_at(
                    tok(input, name.len()),
                    format!("`{name}` is a reserved word and cannot be a key"),
                )
                .note(format!("help: quote it to use it as a key: '{name}'")),
            );
        }
        return Err(nom::Err::Error(error_at(tok(input, 0), "")));
    }
    Ok((rest, Cow::Borrowed(name)))
}

/// `process ::= word | quoted_name`
fn process(input: &str) -> PResult<'_, Cow<'_, str>> {
    if input.starts_with('\'') {
        let (rest, name) = quoted_name(input)?;
        if name.is_empty() {
            return failure(error_at(
                tok_between(input, rest),
                "the process name is empty",
            ));
        }
        return Ok((rest, name));
    }
    let r = word(input).map(|(rest, w)| (rest, Cow::Borrowed(w)));
    cut_with(r, |_| expected(input, "a process name", ""))
}

/// Edit distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The closest candidate within edit distance 2, if any.
pub fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word, c), *c))
        .filter(|&(d, c)| d <= 2 && d < c.len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// The candidate a mistyped name most likely meant, for "did you mean":
/// the closest within edit distance 2 and less than half its length
/// (`chian` → `chain`, but not `foo` → `fifo`), else the one sharing the
/// longest prefix of at least 6 characters with it (`linearizability` →
/// `linearizable`), when that one is unique.
pub fn suggest_name<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let word = word.to_ascii_lowercase();
    if let Some((_, c)) = candidates
        .iter()
        .map(|c| (edit_distance(&word, c), *c))
        .filter(|&(d, c)| d <= 2 && 2 * d < c.len())
        .min_by_key(|&(d, _)| d)
    {
        return Some(c);
    }
    let common = |c: &str| {
        word.chars()
            .zip(c.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let best = candidates.iter().map(|c| common(c)).max()?;
    let mut at_best = candidates.iter().filter(|c| common(c) == best);
    match (at_best.next(), at_best.next()) {
        (Some(c), None) if best >= 6 => Some(c),
        _ => None,
    }
}

fn kind_names() -> Vec<&'static str> {
    OpKind::ALL.iter().map(|k| k.name()).collect()
}

/// The kind keyword of a call (the first word of `call`).
fn kind(input: &str) -> PResult<'_, OpKind> {
    let w = peek_word(input);
    let k = match w {
        "read" => Some(OpKind::Read),
        "write" => Some(OpKind::Write),
        "cas" => Some(OpKind::Cas),
        "append" => Some(OpKind::Append),
        "add" => Some(OpKind::Add),
        "enqueue" => Some(OpKind::Enqueue),
        "dequeue" => Some(OpKind::Dequeue),
        "acquire" => Some(OpKind::Acquire),
        "release" => Some(OpKind::Release),
        "txn" => Some(OpKind::Txn),
        _ => None,
    };
    if let Some(k) = k {
        return Ok((&input[w.len()..], k));
    }
    let t = if w.is_empty() { found_token(input) } else { w };
    let mut e = error_at(
        tok(input, t.len()),
        if t.is_empty() {
            "expected an operation kind (read, write, cas, ...), found end of line".to_string()
        } else {
            format!("unknown operation kind \"{}\"", excerpt(t))
        },
    );
    if ["invoke", "ok", "fail", "info"].contains(&w) {
        e = e.note("note: this history is in interval form (`p1 write x 1 @ 0..10`); event lines (`p1 invoke write x 1`) cannot be mixed in");
    } else if let Some(s) = suggest(t, &kind_names()) {
        e = e.note(format!("help: did you mean `{s}`?"));
    } else if !t.is_empty() {
        e = e.note(format!("note: the kinds are {}", kind_names().join(", ")));
    }
    failure(e)
}

// ---------------------------------------------------------------------------
// Calls.

/// One micro-operation of a transaction, as written.
#[derive(Clone, Debug)]
struct MicroSyn<'a> {
    kind: MicroKind,
    key: Cow<'a, str>,
    /// The written value, or the read's result (`None` = not written).
    value: Option<ResultSyn>,
    tok: Tok,
}

/// A call's arguments, as written.
#[derive(Clone, Debug)]
enum ArgsSyn<'a> {
    /// read, dequeue: the optional result.
    Result(Option<(ResultSyn, Tok)>),
    /// write, append, add, enqueue.
    One(Value),
    /// cas.
    Two(Value, Value),
    /// acquire, release.
    None,
    Txn(Vec<MicroSyn<'a>>),
}

/// A call as written: kind, optional key, arguments, optional answer.
#[derive(Clone, Debug)]
struct CallSyn<'a> {
    kind: OpKind,
    kind_tok: Tok,
    key: Option<(Cow<'a, str>, Tok)>,
    args: ArgsSyn<'a>,
    answer: Option<(bool, Tok)>,
    /// The whole call.
    tok: Tok,
}

/// `micro_op ::= '[' ws ( 'r' sp key ( sp result )? | 'w' sp key sp value ) ws ']'`
fn micro_op(input: &str) -> PResult<'_, MicroSyn<'_>> {
    let (rest, _) = char('[').parse(input)?;
    let (rest, _) = ws(rest)?;
    let k = peek_word(rest);
    let kind = match k {
        "r" => MicroKind::Read,
        "w" => MicroKind::Write,
        _ => {
            return failure(
                expected(rest, "`r` or `w` in a micro-operation", "[")
                    .note("help: a micro-operation is `[r KEY RESULT]` or `[w KEY VALUE]`"),
            );
        }
    };
    let after_kind = &rest[1..];
    let r = sp(after_kind).and_then(|(r, _)| key(r));
    let (rest, name) = cut_with(r, |_| {
        let at = after_kind.trim_start_matches([' ', '\t']);
        expected(at, "a key", context(input, at))
    })?;
    let (rest, _) = ws(rest)?;
    let (rest, value) = match kind {
        MicroKind::Read if rest.starts_with(']') => (rest, None),
        MicroKind::Read => {
            let (r, v) = cut_with(result(rest), |_| {
                expected(
                    rest,
                    "a result (a value, nil or ?) or `]`",
                    context(input, rest),
                )
            })?;
            (r, Some(v))
        }
        MicroKind::Write => {
            let (r, v) = cut_with(value(rest), |_| {
                expected(rest, "a value", context(input, rest))
            })?;
            (r, Some(ResultSyn::Value(v)))
        }
    };
    let (rest, _) = ws(rest)?;
    let Some(rest) = rest.strip_prefix(']') else {
        let what = if rest.is_empty() || rest.starts_with('#') {
            "`]` to close the micro-operation"
        } else {
            "`]`"
        };
        return failure(expected(rest, what, context(input, rest)));
    };
    Ok((
        rest,
        MicroSyn {
            kind,
            key: name,
            value,
            tok: tok_between(input, rest),
        },
    ))
}

/// `answer ::= '->' ws ( 'true' | 'false' )`
fn answer(input: &str) -> PResult<'_, bool> {
    let (rest, _) = tag("->").parse(input)?;
    let (rest, _) = ws(rest)?;
    if word_is(rest, "true") {
        return Ok((&rest[4..], true));
    }
    if word_is(rest, "false") {
        return Ok((&rest[5..], false));
    }
    failure(expected(rest, "`true` or `false`", "->"))
}

/// `call ::= read_call | write_call | cas_call | dequeue_call | lock_call | txn_call`
///
/// Every call starts with its kind keyword and the optional key (`( sp key
/// )?`, read by [`call_key`]; a txn has none of its own); the kind then
/// decides how the arguments are read ([`read_call`], [`write_call`],
/// [`cas_call`], [`txn_call`]; a `lock_call` has none), and [`call_answer`]
/// reads the optional `( ws answer )?` of `cas_call` and `lock_call`.
fn call(input: &str) -> PResult<'_, CallSyn<'_>> {
    let (rest, k) = kind(input)?;
    let kind_tok = tok_between(input, rest);
    if !at_token_end(rest) {
        return failure(expected(rest, "a space", context(input, rest)));
    }
    let (rest, key_syn) = match k {
        OpKind::Txn => (rest, None),
        _ => call_key(input, rest)?,
    };
    let (rest, args) = match k {
        OpKind::Read | OpKind::Dequeue => read_call(input, rest)?,
        OpKind::Write | OpKind::Append | OpKind::Add | OpKind::Enqueue => {
            write_call(input, rest, key_syn.is_some())?
        }
        OpKind::Cas => cas_call(input, rest)?,
        OpKind::Acquire | OpKind::Release => (rest, ArgsSyn::None),
        OpKind::Txn => txn_call(input, rest)?,
    };
    let (rest, answer_syn) = call_answer(rest, k)?;
    Ok((
        rest,
        CallSyn {
            kind: k,
            kind_tok,
            key: key_syn,
            args,
            answer: answer_syn,
            tok: tok_between(input, rest),
        },
    ))
}

/// The optional key of a call, `( sp key )?`: one token of look-ahead
/// decides. `input` is the whole call, for the context of errors.
fn call_key<'a>(input: &'a str, rest: &'a str) -> PResult<'a, Option<(Cow<'a, str>, Tok)>> {
    let (r, gap) = ws(rest)?;
    if gap.is_empty() {
        return Ok((rest, None));
    }
    match key(r) {
        Ok((after, name)) => {
            if !at_token_end(after) {
                return failure(expected(after, "a space", context(input, after)));
            }
            Ok((after, Some((name, tok_between(r, after)))))
        }
        Err(nom::Err::Error(_)) => Ok((rest, None)),
        Err(e) => Err(e),
    }
}

/// `read_call ::= 'read' ( sp key )? ( sp result )?` and
/// `dequeue_call ::= 'dequeue' ( sp key )? ( sp result )?` (the result
/// part, after the key; see [`call`]).
fn read_call<'a>(input: &'a str, rest: &'a str) -> PResult<'a, ArgsSyn<'a>> {
    let (r, gap) = ws(rest)?;
    if gap.is_empty() || !starts_result(r) {
        return Ok((rest, ArgsSyn::Result(None)));
    }
    let (after, res) = cut_with(result(r), |_| {
        expected(r, "a result (a value, nil or ?)", context(input, r))
    })?;
    if !at_token_end(after) {
        return failure(expected(after, "a space", context(input, after)));
    }
    Ok((after, ArgsSyn::Result(Some((res, tok_between(r, after))))))
}

/// `write_call ::= ( 'write' | 'append' | 'add' | 'enqueue' ) ( sp key )? sp value`
/// (the value, after the key; see [`call`]). `keyed` says whether a key
/// was given, for the note on a second name.
fn write_call<'a>(input: &'a str, rest: &'a str, keyed: bool) -> PResult<'a, ArgsSyn<'a>> {
    let (r, _) = ws(rest)?;
    let (after, v) = cut_with(value(r), |_| {
        let mut e = expected(r, "a value", context(input, r));
        if r.starts_with(is_ident_start) && keyed {
            e = e.note(
                "note: a value is an integer, a \"string\" or a [list]; a key was already given",
            );
        }
        e
    })?;
    Ok((after, ArgsSyn::One(v)))
}

/// `cas_call ::= 'cas' ( sp key )? sp value sp value ( ws answer )?` (the
/// two values, after the key; the answer is read by [`call_answer`]).
fn cas_call<'a>(input: &'a str, rest: &'a str) -> PResult<'a, ArgsSyn<'a>> {
    let (r, _) = ws(rest)?;
    let (after, expected_v) = cut_with(value(r), |_| {
        expected(r, "the expected value", context(input, r))
            .note("help: cas takes two values: the expected value and the new value")
    })?;
    let (r2, _) = ws(after)?;
    let (after, new_v) = cut_with(value(r2), |_| {
        expected(r2, "the new value", context(input, r2))
            .note("help: cas takes two values: the expected value and the new value")
    })?;
    Ok((after, ArgsSyn::Two(expected_v, new_v)))
}

/// `txn_call ::= 'txn' ( sp micro_op )+` (the micro-operations, after the
/// kind; see [`call`]).
fn txn_call<'a>(input: &'a str, mut rest: &'a str) -> PResult<'a, ArgsSyn<'a>> {
    let mut micro = Vec::new();
    loop {
        let (r, gap) = ws(rest)?;
        if !r.starts_with('[') || (gap.is_empty() && !micro.is_empty()) {
            if micro.is_empty() {
                let mut e = expected(
                    r,
                    "a micro-operation `[r KEY]` or `[w KEY VALUE]`",
                    context(input, r),
                );
                if r.starts_with(is_ident_start) || r.starts_with('\'') {
                    e = e.note(
                        "note: a txn names no key of its own; each micro-operation names its key",
                    );
                }
                return failure(e);
            }
            break;
        }
        let (after, m) = micro_op(r)?;
        micro.push(m);
        rest = after;
    }
    Ok((rest, ArgsSyn::Txn(micro)))
}

/// The optional `( ws answer )?` that ends a `cas_call` or a `lock_call`
/// (`k` is the call's kind); an answer after a call of any other kind is
/// an error.
fn call_answer(rest: &str, k: OpKind) -> PResult<'_, Option<(bool, Tok)>> {
    let (r, _) = ws(rest)?;
    if !r.starts_with("->") {
        return Ok((rest, None));
    }
    match k {
        OpKind::Cas | OpKind::Acquire | OpKind::Release => {
            let (after, b) = answer(r)?;
            Ok((after, Some((b, tok_between(r, after)))))
        }
        OpKind::Read | OpKind::Dequeue => failure(
            error_at(tok(r, 2), format!("a {k} result is written without `->`"))
                .note(format!("help: write the result directly, e.g. `{k} x 5`")),
        ),
        _ => failure(
            error_at(tok(r, found_token(r).len()), format!("a {k} has no answer"))
                .note("note: only cas, acquire and release answer with `-> true` or `-> false`"),
        ),
    }
}

// ---------------------------------------------------------------------------
// Interval form.

/// How an operation line ended, as written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum OutcomeWord {
    Ok,
    Fail,
    Info,
    Pending,
}

const OUTCOME_WORDS: [&str; 4] = ["ok", "fail", "info", "pending"];

/// `outcome ::= 'ok' | 'fail' | 'info' | 'pending'`
fn outcome(input: &str) -> PResult<'_, OutcomeWord> {
    let w = peek_word(input);
    let o = match w {
        "ok" => OutcomeWord::Ok,
        "fail" => OutcomeWord::Fail,
        "info" => OutcomeWord::Info,
        "pending" => OutcomeWord::Pending,
        _ => return Err(nom::Err::Error(error_at(tok(input, 0), ""))),
    };
    Ok((&input[w.len()..], o))
}

/// An operation's timing: invoke time and return time (`None` = `?`).
#[derive(Copy, Clone, Debug)]
struct TimingSyn {
    invoke: Time,
    ret: Option<Time>,
    tok: Tok,
}

/// `timing ::= '@' ws time ws '..' ws ( time | '?' )`
fn timing(input: &str) -> PResult<'_, TimingSyn> {
    let (rest, _) = char('@').parse(input)?;
    let (rest, _) = ws(rest)?;
    if rest.starts_with('?') {
        return failure(
            error_at(tok(rest, 1), "the invoke time must be known, found \"?\"").note(
                "note: `?` is allowed only as the return time, for a call that never returned",
            ),
        );
    }
    let (after_invoke, invoke) = cut_with(time(rest), |_| expected(rest, "an invoke time", "@"))?;
    let (r, _) = ws(after_invoke)?;
    let (r, _) = cut_with(tag::<_, _, LineError>("..").parse(r), |_| {
        expected(r, "`..`", context(input, r))
            .note("help: a timing is `@ INVOKE..RETURN`, e.g. `@ 0..10`, or `@ 0..?` if the call never returned")
    })?;
    let (r, _) = ws(r)?;
    if let Some(after) = r.strip_prefix('?') {
        return Ok((
            after,
            TimingSyn {
                invoke,
                ret: None,
                tok: tok_between(input, after),
            },
        ));
    }
    let (after, ret) = cut_with(time(r), |_| {
        expected(r, "a return time or `?`", context(input, r))
    })?;
    Ok((
        after,
        TimingSyn {
            invoke,
            ret: Some(ret),
            tok: tok_between(input, after),
        },
    ))
}

/// `operation ::= process sp call ( sp timing )? ( sp outcome )?`
fn operation(input: &str) -> PResult<'_, OperationSyn<'_>> {
    let (rest, name) = process(input)?;
    let process_tok = tok_between(input, rest);
    let (rest, gap) = ws(rest)?;
    if gap.is_empty() && !rest.is_empty() {
        return failure(expected(rest, "a space after the process name", ""));
    }
    let call_start = rest;
    let (rest, c) = call(rest)?;
    let mut rest = rest;
    let mut timing_syn = None;
    let mut outcome_syn = None;
    let (r, gap) = ws(rest)?;
    if !gap.is_empty() && r.starts_with('@') {
        let (after, t) = timing(r)?;
        timing_syn = Some(t);
        rest = after;
    }
    let (r, gap) = ws(rest)?;
    if !gap.is_empty()
        && let Ok((after, o)) = outcome(r)
    {
        outcome_syn = Some((o, tok_between(r, after)));
        rest = after;
    }
    let what = if timing_syn.is_none() && outcome_syn.is_none() {
        "`@ INVOKE..RETURN`, an outcome (ok, fail, info) or end of line"
    } else if outcome_syn.is_none() {
        "an outcome (ok, fail, info) or end of line"
    } else {
        "end of line"
    };
    let after_line = line_end(rest, what, context(call_start, rest)).map_err(|e| {
        e.map(|mut e| {
            let t = found_token(rest.trim_start_matches([' ', '\t']));
            if let Some(s) = suggest(t, &OUTCOME_WORDS)
                && outcome_syn.is_none()
                && peek_word(t) == t
            {
                e.message = format!("unknown outcome \"{t}\"");
                e.notes.push(format!("help: did you mean `{s}`?"));
            }
            e
        })
    });
    let (rest, _) = after_line?;
    Ok((
        rest,
        OperationSyn {
            process: name,
            process_tok,
            call: c,
            timing: timing_syn,
            outcome: outcome_syn,
        },
    ))
}

struct OperationSyn<'a> {
    process: Cow<'a, str>,
    process_tok: Tok,
    call: CallSyn<'a>,
    timing: Option<TimingSyn>,
    outcome: Option<(OutcomeWord, Tok)>,
}

// ---------------------------------------------------------------------------
// Event form.

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum EventWord {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// `event_word ::= 'invoke' | 'ok' | 'fail' | 'info'`
fn event_word(input: &str) -> PResult<'_, EventWord> {
    let w = peek_word(input);
    let e = match w {
        "invoke" => EventWord::Invoke,
        "ok" => EventWord::Ok,
        "fail" => EventWord::Fail,
        "info" => EventWord::Info,
        _ => {
            let mut e = expected(input, "an event (invoke, ok, fail or info)", "");
            if OpKind::from_name(w).is_some() {
                e = e.note("note: this history is in event form (`p1 invoke write x 1`); interval lines (`p1 write x 1 @ 0..10`) cannot be mixed in");
            } else if let Some(s) = suggest(w, &["invoke", "ok", "fail", "info"]) {
                e = e.note(format!("help: did you mean `{s}`?"));
            }
            return failure(e);
        }
    };
    Ok((&input[w.len()..], e))
}

/// `stamp ::= '@' ws time`
fn stamp(input: &str) -> PResult<'_, Time> {
    let (rest, _) = char('@').parse(input)?;
    let (rest, _) = ws(rest)?;
    cut_with(time(rest), |_| {
        expected(rest, "a time", "@").note("note: an event's stamp is `@ TIME`")
    })
}

struct EventSyn<'a> {
    process: Cow<'a, str>,
    process_tok: Tok,
    word: EventWord,
    word_tok: Tok,
    call: CallSyn<'a>,
    stamp: Option<(Time, Tok)>,
}

/// `event ::= process sp event_word sp call ( sp stamp )?`
fn event(input: &str) -> PResult<'_, EventSyn<'_>> {
    let (rest, name) = process(input)?;
    let process_tok = tok_between(input, rest);
    let (rest, _) = ws(rest)?;
    let (after_word, word) = event_word(rest)?;
    let word_tok = tok_between(rest, after_word);
    let (call_start, _) = ws(after_word)?;
    let (mut rest, c) = call(call_start)?;
    let mut stamp_syn = None;
    let (r, gap) = ws(rest)?;
    if !gap.is_empty() && r.starts_with('@') {
        let (after, t) = stamp(r)?;
        stamp_syn = Some((t, tok_between(r, after)));
        rest = after;
    }
    let what = if stamp_syn.is_none() {
        "`@ TIME` or end of line"
    } else {
        "end of line"
    };
    let (rest, _) = line_end(rest, what, context(call_start, rest))?;
    Ok((
        rest,
        EventSyn {
            process: name,
            process_tok,
            word,
            word_tok,
            call: c,
            stamp: stamp_syn,
        },
    ))
}

// ---------------------------------------------------------------------------
// Headers and annotations.

/// `bare_text ::= [^#"#xA] [^#xA#]*` (trimmed), or for annotations without
/// '@'. Returns the text and the rest (a comment or nothing).
fn bare_text<'a>(input: &'a str, stop_at: &[char]) -> (&'a str, &'a str) {
    let end = input.find(stop_at).unwrap_or(input.len());
    (input[..end].trim_end_matches([' ', '\t']), &input[end..])
}

/// `text ::= string | bare_text`
fn text(input: &str) -> PResult<'_, Cow<'_, str>> {
    if input.starts_with('"') {
        return string(input);
    }
    let (t, rest) = bare_text(input, &['#']);
    if t.is_empty() {
        return failure(expected(input, "a text", ""));
    }
    Ok((rest, Cow::Borrowed(t)))
}

/// `text_atom ::= word | string`
fn text_atom(input: &str) -> PResult<'_, Cow<'_, str>> {
    if input.starts_with('"') {
        return string(input);
    }
    let r = word(input).map(|(r, w)| (r, Cow::Borrowed(w)));
    cut_with(r, |_| expected(input, "a name or a \"string\"", ""))
}

/// A header directive, as written.
enum HeaderSyn<'a> {
    Concord,
    Model(Model),
    Initial(Option<(Cow<'a, str>, Tok)>, Option<Value>),
    Unit(TimeUnit),
    Quiescent(Time),
    Meta(Cow<'a, str>, Cow<'a, str>),
    Form(bool),
}

/// `header ::= '%' ( concord_dir | model_dir | initial_dir | unit_dir | quiescent_dir | meta_dir | form_dir )`
fn header(input: &str) -> PResult<'_, (&str, HeaderSyn<'_>)> {
    let (rest, _) = char('%').parse(input)?;
    let name = peek_word(rest);
    let after_name = &rest[name.len()..];
    let name_tok = tok(rest, name.len());
    if !DIRECTIVES.contains(&name) {
        let mut e = error_at(
            if name.is_empty() {
                tok(rest, found_token(rest).len())
            } else {
                name_tok
            },
            format!(
                "unknown header directive \"%{}\"",
                if name.is_empty() {
                    found_token(rest)
                } else {
                    name
                }
            ),
        );
        if let Some(s) = suggest(name, &DIRECTIVES) {
            e = e.note(format!("help: did you mean `%{s}`?"));
        }
        let known: Vec<String> = DIRECTIVES.iter().map(|d| format!("%{d}")).collect();
        e = e.note(format!("note: the directives are {}", known.join(", ")));
        return failure(e);
    }
    let r = sp(after_name);
    let (r, _) = cut_with(r, |_| {
        expected(after_name, "a space and an argument", &format!("%{name}"))
    })?;
    let ctx = format!("%{name}");
    let (rest, h) = match name {
        "concord" => concord_dir(r, &ctx)?,
        "model" => model_dir(r)?,
        "initial" => initial_dir(r)?,
        "unit" => unit_dir(r, &ctx)?,
        "quiescent" => quiescent_dir(r, &ctx)?,
        "meta" => meta_dir(r)?,
        _ => form_dir(r, &ctx)?,
    };
    let (rest, _) = line_end(rest, "end of line", context(input, rest))?;
    Ok((rest, (name, h)))
}

/// `concord_dir ::= 'concord' sp '1'`
fn concord_dir<'a>(input: &'a str, ctx: &str) -> PResult<'a, HeaderSyn<'a>> {
    let (rest, v) = cut_with(time(input), |_| expected(input, "a version number", ctx))?;
    if v != 1 {
        return failure(error_at(
            tok_between(input, rest),
            format!("unsupported language version {v}; this reader understands version 1"),
        ));
    }
    Ok((rest, HeaderSyn::Concord))
}

/// `model_dir ::= 'model' sp text_atom` (the argument part)
fn model_dir(input: &str) -> PResult<'_, HeaderSyn<'_>> {
    let (rest, m) = text_atom(input)?;
    let Some(model) = Model::from_name(&m) else {
        return failure(
            error_at(
                tok_between(input, rest),
                format!("unknown data model {}", excerpt(&m)),
            )
            .note(format!(
                "note: the models are {}",
                Model::names().join(", ")
            )),
        );
    };
    Ok((rest, HeaderSyn::Model(model)))
}

/// `unit_dir ::= 'unit' sp ( 'ticks' | 'ns' | 'us' | 'ms' | 's' )`
fn unit_dir<'a>(input: &'a str, ctx: &str) -> PResult<'a, HeaderSyn<'a>> {
    let w = peek_word(input);
    match TimeUnit::from_name(w) {
        Some(u) => Ok((&input[w.len()..], HeaderSyn::Unit(u))),
        None => failure(
            expected(input, "a time unit", ctx).note("note: the units are ticks, ns, us, ms and s"),
        ),
    }
}

/// `quiescent_dir ::= 'quiescent' sp time`
fn quiescent_dir<'a>(input: &'a str, ctx: &str) -> PResult<'a, HeaderSyn<'a>> {
    let (rest, t) = cut_with(time(input), |_| expected(input, "a time", ctx))?;
    Ok((rest, HeaderSyn::Quiescent(t)))
}

/// `meta_dir ::= 'meta' sp text_atom sp text`
fn meta_dir(input: &str) -> PResult<'_, HeaderSyn<'_>> {
    let (after, name) = text_atom(input)?;
    let (t, _) = cut_with(sp(after), |_| {
        expected(after, "a space and a text", context(input, after))
    })?;
    let (rest, body) = text(t)?;
    Ok((rest, HeaderSyn::Meta(name, body)))
}

/// `form_dir ::= 'form' sp ( 'intervals' | 'events' )`
fn form_dir<'a>(input: &'a str, ctx: &str) -> PResult<'a, HeaderSyn<'a>> {
    let w = peek_word(input);
    match w {
        "intervals" => Ok((&input[w.len()..], HeaderSyn::Form(false))),
        "events" => Ok((&input[w.len()..], HeaderSyn::Form(true))),
        _ => failure(expected(input, "`intervals` or `events`", ctx)),
    }
}

/// `initial_dir ::= 'initial' sp ( key sp )? ( value | 'nil' )`
fn initial_dir(input: &str) -> PResult<'_, HeaderSyn<'_>> {
    let mut rest = input;
    let mut key_syn = None;
    match key(input) {
        Ok((after, k)) => {
            key_syn = Some((k, tok_between(input, after)));
            let (r, _) = cut_with(sp(after), |_| {
                expected(after, "a value", context(input, after))
            })?;
            rest = r;
        }
        Err(nom::Err::Error(_)) => {}
        Err(e) => return Err(e),
    }
    if word_is(rest, "nil") {
        if let Some((k, _)) = &key_syn {
            // The model keeps one value per key, so "absent for this key
            // but not the others" has no representation.
            return failure(
                error_at(
                    tok(rest, 3),
                    format!("a per-key initial value cannot be nil (key {k})"),
                )
                .note(
                    "note: a key without its own %initial takes the global one, absent by default",
                ),
            );
        }
        return Ok((&rest[3..], HeaderSyn::Initial(None, None)));
    }
    let after = if key_syn.is_some() {
        context(input, rest).to_string()
    } else {
        String::new()
    };
    let ctx = format!("%initial {after}");
    let (rest, v) = cut_with(value(rest), |_| {
        expected(rest, "a value or nil", ctx.trim_end())
    })?;
    Ok((rest, HeaderSyn::Initial(key_syn, Some(v))))
}

/// `annotation ::= '!' ws annotation_text ( ws '@' ws time )?`
fn annotation(input: &str) -> PResult<'_, (Cow<'_, str>, Option<Time>)> {
    let (rest, _) = char('!').parse(input)?;
    let (rest, _) = ws(rest)?;
    let (rest, t) = annotation_text(rest)?;
    let (r, _) = ws(rest)?;
    let mut at = None;
    let mut rest = rest;
    if r.starts_with('@') {
        let (after, time) = stamp(r)?;
        at = Some(time);
        rest = after;
    }
    let (rest, _) = line_end(rest, "`@ TIME` or end of line", context(input, rest))?;
    Ok((rest, (t, at)))
}

/// `annotation_text ::= string | ( [^#@"#xA] [^#@#xA]* )`
fn annotation_text(input: &str) -> PResult<'_, Cow<'_, str>> {
    if input.starts_with('"') {
        return string(input);
    }
    let (t, rest) = bare_text(input, &['#', '@']);
    if t.is_empty() {
        return failure(expected(input, "the annotation's text", "!"));
    }
    Ok((rest, Cow::Borrowed(t)))
}

// ---------------------------------------------------------------------------
// The line driver.

/// Whether the input is in interval or event form.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Form {
    Intervals,
    Events,
}

/// Parses a history in either form: `%form` decides when present,
/// otherwise the second token of the first operation line (invoke, ok,
/// fail or info means event form). Applies `options.initial`.
pub fn parse(source: &str, options: &ParseOptions) -> Result<History, ParseError> {
    let form = detect_form(source);
    parse_form(source, options, form)
}

/// Parses a history in interval form.
pub fn parse_intervals(source: &str, options: &ParseOptions) -> Result<History, ParseError> {
    parse_form(source, options, Form::Intervals)
}

/// Parses a history in event form.
pub fn parse_events(source: &str, options: &ParseOptions) -> Result<History, ParseError> {
    parse_form(source, options, Form::Events)
}

/// Parses a value in concord syntax (`5`, `"a"`, `[1 2]`), as given to
/// `--initial`. `nil` is not a value (it means absent); see
/// [`super::Initial`].
pub fn parse_value(text: &str) -> Result<Value, String> {
    let t = text.trim_matches([' ', '\t']);
    match value(t) {
        Ok((rest, v)) if rest.trim_start_matches([' ', '\t']).is_empty() => Ok(v),
        Ok((rest, _)) => Err(format!(
            "unexpected {} after the value",
            found(rest.trim_start())
        )),
        Err(nom::Err::Failure(e)) => Err(e.message),
        Err(_) => Err(format!(
            "expected a value (an integer, a \"string\" or a [list]), found {}",
            found(t)
        )),
    }
}

/// The lines of `source` with their byte offsets, without line terminators
/// (a trailing `\r` is removed: CRLF input is accepted).
fn lines(source: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = source.as_bytes();
    let mut pos = if source.starts_with('\u{feff}') { 3 } else { 0 };
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let start = pos;
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| start + i);
        pos = end + 1;
        let mut line = &source[start..end];
        if let Some(l) = line.strip_suffix('\r') {
            line = l;
        }
        Some((start, line))
    })
}

fn detect_form(source: &str) -> Form {
    for (_, line) in lines(source) {
        let l = line.trim_start_matches([' ', '\t']);
        if l.is_empty() || l.starts_with('#') || l.starts_with('!') {
            continue;
        }
        if let Some(h) = l.strip_prefix('%') {
            if let Some(arg) = h.strip_prefix("form") {
                let arg = arg.trim_start_matches([' ', '\t']);
                if word_is(arg, "events") {
                    return Form::Events;
                }
                if word_is(arg, "intervals") {
                    return Form::Intervals;
                }
            }
            continue;
        }
        let second = l
            .split([' ', '\t'])
            .filter(|s| !s.is_empty())
            .nth(1)
            .unwrap_or("");
        return match second {
            "invoke" | "ok" | "fail" | "info" => Form::Events,
            _ => Form::Intervals,
        };
    }
    Form::Intervals
}

/// Parser state across lines.
struct Driver {
    b: HistoryBuilder,
    form: Form,
    /// Whether operations name keys, and the line that decided it.
    keyed: Option<(bool, u32)>,
    /// Whether operations (or events) carry times, and the deciding line.
    timed: Option<(bool, u32)>,
    /// The first operation's line: headers must come before it.
    first_op_line: Option<u32>,
    /// Directives given so far (with the key for per-key %initial).
    headers_seen: Vec<(String, u32)>,
    /// The first `%initial KEY VALUE` with a named key: an error if the
    /// operations turn out to name no keys.
    per_key_initial_line: Option<u32>,
    /// Event form: number of events so far, and the last stamp.
    events: u64,
    last_stamp: Option<Time>,
    /// Invokes so far (ops_before of annotations).
    ops: u32,
}

/// An error at token `t` of `line` (which starts at byte `line_start`).
fn line_error(source: &str, line_start: usize, line: &str, e: LineError) -> ParseError {
    let start = line_start + (line.len() - e.rest.min(line.len()));
    let end = (start + e.len).min(line_start + line.len());
    let mut pe = ParseError::at(source, Span { start, end }, e.message);
    pe.notes = e.notes;
    pe
}

/// `history ::= bom? ( line eol )* line?`, with `eol ::= #xD? #xA`: splits
/// the input into lines (see [`lines`]), hands each to [`Driver::line`],
/// then validates the whole history.
fn parse_form(source: &str, options: &ParseOptions, form: Form) -> Result<History, ParseError> {
    let mut d = Driver {
        b: HistoryBuilder::new(),
        form,
        keyed: None,
        timed: None,
        first_op_line: None,
        headers_seen: Vec::new(),
        per_key_initial_line: None,
        events: 0,
        last_stamp: None,
        ops: 0,
    };
    let mut line_no: u32 = 0;
    for (line_start, line) in lines(source) {
        line_no += 1;
        d.line(line_no, line_start, line)
            .map_err(|e| line_error(source, line_start, line, e))?;
    }
    if let (Some((false, op_line)), Some(line)) = (d.keyed, d.per_key_initial_line) {
        return Err(ParseError::at(
            source,
            super::line_span(source, line),
            "%initial names a key, but the operations name no keys",
        )
        .with_note(format!(
            "note: line {op_line} has no key; a keyless history has one implicit key"
        ))
        .with_note("help: write `%initial VALUE` for the initial value of a keyless history"));
    }
    match (d.timed, form) {
        (Some((false, _)), Form::Intervals) => d.b.set_real_time(false),
        // Events without stamps: their times are their positions.
        (Some((false, _)), Form::Events) => d.b.set_event_positions(),
        _ => {}
    }
    let mut h = d.b.finish().map_err(|e| build_error(source, &e))?;
    // `--initial` is read after the history, so the input's own errors
    // come first.
    let initial = options.initial_value().map_err(|m| {
        ParseError::at(
            source,
            Span { start: 0, end: 0 },
            format!(
                "invalid initial value {:?}: {m}",
                options.initial.as_deref().unwrap_or_default()
            ),
        )
    })?;
    super::semantics::apply_initial(&mut h, initial);
    Ok(h)
}

impl Driver {
    /// `line ::= ws ( header | annotation | operation | event )? ws comment?`
    ///
    /// The first non-blank character decides: `#` a comment, `%` a header,
    /// `!` an annotation, anything else an operation (interval form) or an
    /// event (event form).
    fn line(&mut self, line_no: u32, _line_start: usize, line: &str) -> Result<(), LineError> {
        let body = line.trim_start_matches([' ', '\t']);
        match body.as_bytes().first() {
            None | Some(b'#') => Ok(()),
            Some(b'%') => self.header_line(line_no, body),
            Some(b'!') => {
                let (_, (text, time)) = annotation(body).map_err(unwrap_failure)?;
                self.b.annotations.push(Annotation {
                    time,
                    ops_before: self.ops,
                    kind: AnnotationKind::of_text(&text),
                    text: text.into_owned(),
                    line: line_no,
                });
                Ok(())
            }
            _ => match self.form {
                Form::Intervals => self.operation_line(line_no, body),
                Form::Events => self.event_line(line_no, body),
            },
        }
    }

    /// A header line: a directive before the first operation, each given
    /// once (`%initial` once per key, `%meta` any number of times).
    fn header_line(&mut self, line_no: u32, body: &str) -> Result<(), LineError> {
        let (_, (name, h)) = header(body).map_err(unwrap_failure)?;
        if let Some(first) = self.first_op_line {
            return Err(error_at(
                tok(body, 1 + name.len()),
                format!("header directive %{name} after the first operation (line {first})"),
            )
            .note("help: move header directives to the top of the file"));
        }
        let seen_name = match &h {
            HeaderSyn::Meta(..) => None,
            HeaderSyn::Initial(Some((k, _)), _) => Some(format!("initial {k}")),
            _ => Some(name.to_string()),
        };
        if let Some(seen_name) = seen_name {
            if let Some((_, first)) = self.headers_seen.iter().find(|(n, _)| *n == seen_name) {
                return Err(error_at(
                    tok(body, 1 + name.len()),
                    format!("duplicate %{seen_name} (first given on line {first})"),
                ));
            }
            self.headers_seen.push((seen_name, line_no));
        }
        self.apply_header(line_no, body, h)
    }

    /// Applies a header directive to the history's metadata.
    fn apply_header(
        &mut self,
        line_no: u32,
        body: &str,
        h: HeaderSyn<'_>,
    ) -> Result<(), LineError> {
        match h {
            HeaderSyn::Concord => {}
            HeaderSyn::Model(m) => self.b.metadata.model = Some(m),
            HeaderSyn::Initial(k, v) => match k {
                None => self.b.metadata.initial = v.map(|v| self.b.value(v)),
                Some((k, _)) => {
                    // `initial_dir` rejects a per-key nil.
                    let Some(v) = v else {
                        return Ok(());
                    };
                    let key = if k.is_empty() {
                        self.b.implicit_key()
                    } else {
                        self.per_key_initial_line.get_or_insert(line_no);
                        self.b.key(&k)
                    };
                    let v = self.b.value(v);
                    self.b.metadata.initial_by_key.push((key, v));
                }
            },
            HeaderSyn::Unit(u) => self.b.metadata.time_unit = u,
            HeaderSyn::Quiescent(t) => self.b.metadata.quiescent_at = Some(t),
            HeaderSyn::Meta(n, t) => self.b.metadata.extra.push((n.into_owned(), t.into_owned())),
            HeaderSyn::Form(events) => {
                let want = if events {
                    Form::Events
                } else {
                    Form::Intervals
                };
                if want != self.form {
                    return Err(error_at(
                        tok(body, body.len()),
                        format!(
                            "%form {} contradicts the form this history is read in",
                            if events { "events" } else { "intervals" }
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Records whether this operation names a key; mixing is an error.
    fn check_keyed(&mut self, line_no: u32, c: &CallSyn, body: &str) -> Result<(), LineError> {
        let keyed = c.key.is_some() || c.kind == OpKind::Txn;
        match self.keyed {
            None => self.keyed = Some((keyed, line_no)),
            Some((k, _)) if k == keyed => {}
            Some((_, first)) => {
                let at = match &c.key {
                    Some((_, t)) => *t,
                    None => Tok {
                        rest: c.kind_tok.rest - c.kind_tok.len,
                        len: 0,
                    },
                };
                let _ = body;
                let (msg, note) = if keyed {
                    (
                        "this operation names a key, but earlier operations do not",
                        format!(
                            "note: line {first} has no key; either every operation names a key or none does"
                        ),
                    )
                } else {
                    (
                        "this operation names no key, but earlier operations do",
                        format!(
                            "note: line {first} names a key; either every operation names a key or none does"
                        ),
                    )
                };
                return Err(error_at(at, msg).note(note));
            }
        }
        Ok(())
    }

    fn check_timed(&mut self, line_no: u32, timed: bool, at: Tok) -> Result<(), LineError> {
        match self.timed {
            None => self.timed = Some((timed, line_no)),
            Some((t, _)) if t == timed => {}
            Some((_, first)) => {
                let (msg, note) = if timed {
                    (
                        "this line has a time, but earlier lines do not",
                        format!(
                            "note: line {first} has no time; either every line has a time or none does"
                        ),
                    )
                } else {
                    (
                        "this line has no time, but earlier lines do",
                        format!(
                            "note: line {first} has a time; either every line has a time or none does"
                        ),
                    )
                };
                return Err(error_at(at, msg).note(note));
            }
        }
        Ok(())
    }

    fn key_id(&mut self, c: &CallSyn) -> KeyId {
        match (&c.key, &c.args) {
            (Some((k, _)), _) => self.b.key(k),
            (None, ArgsSyn::Txn(m)) => self.b.key(&m[0].key),
            (None, _) => self.b.implicit_key(),
        }
    }

    fn process_id(&mut self, name: &str) -> ProcessId {
        self.b.process(name)
    }

    /// Builds the [`Call`]; micro-reads without a result become
    /// `Observed::Unknown`.
    fn build_call(&mut self, c: &CallSyn) -> Call {
        match &c.args {
            ArgsSyn::Result(_) => match c.kind {
                OpKind::Dequeue => Call::Dequeue,
                _ => Call::Read,
            },
            ArgsSyn::One(v) => {
                let v = self.b.value(v.clone());
                match c.kind {
                    OpKind::Write => Call::Write(v),
                    OpKind::Append => Call::Append(v),
                    OpKind::Add => Call::Add(v),
                    _ => Call::Enqueue(v),
                }
            }
            ArgsSyn::Two(e, n) => {
                let expected = self.b.value(e.clone());
                let new = self.b.value(n.clone());
                Call::Cas { expected, new }
            }
            ArgsSyn::None => match c.kind {
                OpKind::Acquire => Call::Acquire,
                _ => Call::Release,
            },
            ArgsSyn::Txn(micro) => {
                let mut ops = Vec::with_capacity(micro.len());
                for m in micro {
                    let key = self.b.key(&m.key);
                    let value = self.observed(m.value.as_ref());
                    ops.push(MicroOp {
                        kind: m.kind,
                        key,
                        value,
                    });
                }
                Call::Txn(ops)
            }
        }
    }

    fn observed(&mut self, r: Option<&ResultSyn>) -> Observed {
        match r {
            None | Some(ResultSyn::Unknown) => Observed::Unknown,
            Some(ResultSyn::Nil) => Observed::Absent,
            Some(ResultSyn::Value(v)) => Observed::Value(self.b.value(v.clone())),
        }
    }

    /// The outcome of a call that ended with `word`, checking that results
    /// and answers fit it.
    fn outcome(&mut self, c: &CallSyn, word: OutcomeWord) -> Result<Outcome, LineError> {
        if word != OutcomeWord::Ok {
            return incomplete_outcome(c, word);
        }
        Ok(Outcome::Ok(self.completed_ret(c)?))
    }

    /// What a completed (`ok`) call returned: its result, its answer, or
    /// an acknowledgement.
    fn completed_ret(&mut self, c: &CallSyn) -> Result<Ret, LineError> {
        let k = c.kind;
        Ok(match &c.args {
            ArgsSyn::Result(None) => {
                let at = Tok {
                    rest: c.tok.rest - c.tok.len,
                    len: 0,
                };
                return Err(error_at(at, format!("a completed {k} must say what it returned"))
                    .note("help: write `?` if the value was not recorded, `nil` if there was none")
                    .note("note: a read that did not complete is written with the outcome `info`"));
            }
            ArgsSyn::Result(Some((r, _))) => Ret::Value(self.observed(Some(r))),
            ArgsSyn::Txn(micro) => {
                if let Some(m) = micro
                    .iter()
                    .find(|m| m.kind == MicroKind::Read && m.value.is_none())
                {
                    return Err(error_at(
                        m.tok,
                        "a read in a completed txn must say what it returned",
                    )
                    .note("help: write `?` if the value was not recorded, e.g. `[r x ?]`"));
                }
                Ret::Ack
            }
            _ => match c.answer {
                Some((b, _)) => Ret::Bool(b),
                None => Ret::Ack,
            },
        })
    }

    /// An operation line (interval form): checks what the grammar cannot
    /// say (keys and timings all or none, an outcome word that fits the
    /// timing, results that fit the outcome) and pushes the operation.
    fn operation_line(&mut self, line_no: u32, body: &str) -> Result<(), LineError> {
        let (_, op) = operation(body).map_err(unwrap_failure)?;
        self.first_op_line.get_or_insert(line_no);
        self.check_keyed(line_no, &op.call, body)?;
        let timed_at = match &op.timing {
            Some(t) => t.tok,
            None => Tok {
                rest: op.call.tok.rest - op.call.tok.len,
                len: 0,
            },
        };
        self.check_timed(line_no, op.timing.is_some(), timed_at)?;
        let index = self.b.op_count() as Time;
        let (invoke, ret) = match &op.timing {
            Some(t) => (t.invoke, t.ret),
            None if matches!(op.outcome, Some((OutcomeWord::Pending, _))) => (index, None),
            None => (index, Some(index)),
        };
        let (word, word_tok) = op.outcome.unwrap_or((OutcomeWord::Ok, timed_at));
        if let Some(t) = &op.timing {
            check_timing_outcome(t, word, word_tok, op.outcome.is_some())?;
        }
        // A call that never returned has an unknown outcome, whatever the
        // arity rules for completed calls say.
        let word = if ret.is_none() {
            OutcomeWord::Pending
        } else {
            word
        };
        let outcome = self.outcome(&op.call, word)?;
        let process = self.process_id(&op.process);
        let key = self.key_id(&op.call);
        let call = self.build_call(&op.call);
        let _ = op.process_tok;
        self.b
            .push(OpSpec {
                process,
                key,
                call,
                outcome,
                invoke,
                ret,
                line: line_no,
            })
            .map_err(|e| push_error(timed_at, &e.kind))?;
        self.ops += 1;
        Ok(())
    }

    /// An event line (event form): checks keys and stamps all or none,
    /// then adds the invoke ([`Driver::invoke_event`]) or the completion
    /// ([`Driver::complete_event`]).
    fn event_line(&mut self, line_no: u32, body: &str) -> Result<(), LineError> {
        let (_, ev) = event(body).map_err(unwrap_failure)?;
        self.first_op_line.get_or_insert(line_no);
        self.check_keyed(line_no, &ev.call, body)?;
        let stamp_at = match &ev.stamp {
            Some((_, t)) => *t,
            None => Tok {
                rest: ev.call.tok.rest - ev.call.tok.len,
                len: 0,
            },
        };
        self.check_timed(line_no, ev.stamp.is_some(), stamp_at)?;
        let time = self.event_time(ev.stamp)?;
        let process = self.process_id(&ev.process);
        if ev.word == EventWord::Invoke {
            self.invoke_event(line_no, &ev, process, time)
        } else {
            self.complete_event(line_no, &ev, process, time, stamp_at)
        }
    }

    /// The time of the next event: its stamp, which may not be before the
    /// previous one, or else its position among the events.
    fn event_time(&mut self, stamp: Option<(Time, Tok)>) -> Result<Time, LineError> {
        let time = match stamp {
            Some((t, at)) => {
                if let Some(last) = self.last_stamp
                    && t < last
                {
                    return Err(error_at(
                        at,
                        format!("time {t} is before the previous event's time {last}"),
                    )
                    .note("note: in event form, line order is real-time order"));
                }
                self.last_stamp = Some(t);
                t
            }
            None => self.events,
        };
        self.events += 1;
        Ok(time)
    }

    /// An invoke event: it has no result or answer yet.
    fn invoke_event(
        &mut self,
        line_no: u32,
        ev: &EventSyn<'_>,
        process: ProcessId,
        time: Time,
    ) -> Result<(), LineError> {
        if let ArgsSyn::Result(Some((_, t))) = &ev.call.args {
            return Err(error_at(*t, "an invoke has no result yet")
                .note("help: write the result on the completion line, e.g. `p1 ok read x 5`"));
        }
        if let Some((_, t)) = ev.call.answer {
            return Err(error_at(t, "an invoke has no answer yet")
                .note("help: write the answer on the completion line"));
        }
        let key = self.key_id(&ev.call);
        let call = self.build_call(&ev.call);
        self.b
            .invoke(Invocation {
                process,
                key,
                call,
                time,
                line: line_no,
            })
            .map_err(|e| match e.kind {
                BuildErrorKind::Pairing { error, .. } => pairing_error(ev, error),
                other => error_at(ev.process_tok, other.to_string()),
            })?;
        self.ops += 1;
        Ok(())
    }

    /// A completion event (`ok`, `fail`, `info`): it repeats the call its
    /// process invoked and adds the result or answer.
    fn complete_event(
        &mut self,
        line_no: u32,
        ev: &EventSyn<'_>,
        process: ProcessId,
        time: Time,
        stamp_at: Tok,
    ) -> Result<(), LineError> {
        let word = match ev.word {
            EventWord::Ok => OutcomeWord::Ok,
            EventWord::Fail => OutcomeWord::Fail,
            _ => OutcomeWord::Info,
        };
        let outcome = self.outcome(&ev.call, word)?;
        let pending = self
            .b
            .pairing()
            .check_complete(process)
            .map_err(|e| pairing_error(ev, e))?;
        let key = self.key_id(&ev.call);
        let call = self.build_call(&ev.call);
        pending
            .check_kind(call.kind())
            .and_then(|()| pending.check_key(key))
            .and_then(|()| pending.check_call(&self.b.op(pending.op).call, &call))
            .map_err(|e| pairing_error(ev, e))?;
        let call = matches!(call, Call::Txn(_)).then_some(call);
        self.b
            .complete(Completion {
                process,
                outcome,
                time,
                line: line_no,
                call,
            })
            .map_err(|e| error_at(stamp_at, e.kind.to_string()))?;
        Ok(())
    }
}

/// The outcome of a call that ended with `word` (`fail`, `info` or
/// `pending`): such a call returned nothing, so it has no result and no
/// answer.
fn incomplete_outcome(c: &CallSyn, word: OutcomeWord) -> Result<Outcome, LineError> {
    let k = c.kind;
    let w = match word {
        OutcomeWord::Fail => "fail",
        OutcomeWord::Info => "info",
        _ => "pending",
    };
    if let ArgsSyn::Result(Some((r, t))) = &c.args {
        let shown = match r {
            ResultSyn::Unknown => "?".to_string(),
            ResultSyn::Nil => "nil".to_string(),
            ResultSyn::Value(v) => v.to_string(),
        };
        return Err(error_at(
            *t,
            format!("a {w} {k} returned nothing, but a result {shown} is given"),
        )
        .note("help: remove the result, or drop the outcome word if the call completed"));
    }
    if let Some((_, t)) = c.answer {
        return Err(error_at(t, format!("a {w} {k} has no answer"))
            .note("help: remove the answer, or drop the outcome word if the call completed"));
    }
    Ok(match word {
        OutcomeWord::Fail => Outcome::Fail,
        _ => Outcome::Info,
    })
}

/// Checks that the outcome word of an operation fits its timing `t`: a
/// pending call has no return time, a call that never returned is not
/// `ok` or `fail` when the word is `written` out, and the return time is
/// not before the invoke time.
fn check_timing_outcome(
    t: &TimingSyn,
    word: OutcomeWord,
    word_tok: Tok,
    written: bool,
) -> Result<(), LineError> {
    match (t.ret, word) {
        (Some(_), OutcomeWord::Pending) => Err(error_at(word_tok, "a pending call has no return time")
            .note(format!(
                "help: write `@ {}..?` for a call that never returned, or `info` for one that returned with an unknown outcome",
                t.invoke
            ))),
        (None, OutcomeWord::Ok | OutcomeWord::Fail) if written => Err(error_at(
            word_tok,
            format!(
                "a call that never returned (`..?`) cannot be `{}`",
                if word == OutcomeWord::Ok { "ok" } else { "fail" }
            ),
        )
        .note("help: its outcome is unknown: drop the outcome word, or write the return time")),
        (Some(r), _) if r < t.invoke => Err(error_at(
            t.tok,
            format!("return time {r} is before invoke time {}", t.invoke),
        )),
        _ => Ok(()),
    }
}

/// An operation the builder refused, at the operation's timing `at`.
fn push_error(at: Tok, kind: &BuildErrorKind) -> LineError {
    let err = error_at(at, kind.to_string());
    if matches!(kind, BuildErrorKind::TimeGoesBackwards { .. }) {
        err.note("note: the operations of one process are listed in the order they happened")
    } else {
        err
    }
}

/// An event that does not pair, at the token that shows it: the process
/// of a second invoke, the event word of a completion without a call, the
/// part of a completion that differs from its call.
fn pairing_error(ev: &EventSyn<'_>, e: PairingError) -> LineError {
    let mismatch = |at: Tok, what: &str, outstanding: Pending| {
        error_at(
            at,
            format!(
                "this completion's {what} not match the call process {} invoked on line {}",
                ev.process, outstanding.line
            ),
        )
        .note("note: a completion repeats the invoked call (kind, key and arguments) and adds its result")
    };
    match e {
        PairingError::SecondInvoke { .. } => error_at(ev.process_tok, e.message(&ev.process)).note(
            "help: a process has at most one outstanding call: complete the first one before invoking another",
        ),
        PairingError::NoOutstandingCall => error_at(ev.word_tok, e.message(&ev.process)).note(
            format!("help: add `{} invoke ...` before this line", ev.process),
        ),
        PairingError::KindMismatch { outstanding, .. } => {
            mismatch(ev.call.kind_tok, "kind does", outstanding)
        }
        PairingError::KeyMismatch { outstanding, .. } => mismatch(
            ev.call.key.as_ref().map_or(ev.call.tok, |k| k.1),
            "key does",
            outstanding,
        ),
        PairingError::ArgumentsMismatch { outstanding } => {
            mismatch(ev.call.tok, "arguments do", outstanding)
        }
    }
}

fn unwrap_failure(e: nom::Err<LineError>) -> LineError {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => {
            if e.message.is_empty() {
                LineError {
                    message: "malformed line".to_string(),
                    ..e
                }
            } else {
                e
            }
        }
        nom::Err::Incomplete(_) => error_at(Tok { rest: 0, len: 0 }, "incomplete input"),
    }
}

/// A builder error found at `finish`, pointing at the timing of the line
/// that caused it when it has one, else at the whole line.
fn build_error(source: &str, err: &BuildError) -> ParseError {
    let span = super::line_span(source, err.line);
    let line = &source[span.start..span.end];
    let span = match find_timing(line) {
        Some((s, e))
            if matches!(
                err.kind,
                BuildErrorKind::OverlappingInProcess { .. }
                    | BuildErrorKind::ReturnBeforeInvoke { .. }
            ) =>
        {
            Span {
                start: span.start + s,
                end: span.start + e,
            }
        }
        _ => span,
    };
    let mut pe = ParseError::at(source, span, err.kind.to_string());
    match &err.kind {
        BuildErrorKind::OverlappingInProcess { other_line, .. } => {
            pe = pe.with_note(format!(
                "note: the operation on line {other_line} had not returned when this one was invoked"
            ));
        }
        BuildErrorKind::AfterPending { pending_line, .. } => {
            pe = pe.with_note(format!(
                "note: the call on line {pending_line} never returned, so its process cannot call again"
            ));
            pe = pe.with_note(
                "help: give later calls a new process name (as Jepsen does after a crash)",
            );
        }
        _ => {}
    }
    pe
}

/// The byte range of the `@ ...` timing in an operation line, skipping
/// quoted text and stopping at a comment.
fn find_timing(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let q = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => return None,
            b'@' => {
                let end = line[i..].find('#').map_or(line.len(), |j| i + j);
                let t = line[i..end].trim_end();
                let t_end = t
                    .char_indices()
                    .skip(1)
                    .find(|&(j, c)| is_ws(c) && t[j..].trim_start().starts_with(is_ident_start))
                    .map_or(t.len(), |(j, _)| j);
                return Some((i, i + t_end));
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<History, ParseError> {
        parse(s, &ParseOptions::default())
    }

    #[test]
    fn parses_a_small_interval_history() {
        let h =
            p("%initial 0\np1 write x 1 @ 0..10\np2 read x 1 @ 5..15 # hi\np3 cas x 1 2 @ 20..?\n")
                .unwrap();
        assert_eq!(h.len(), 3);
        assert!(h.has_keys() && h.has_real_time());
        assert_eq!(h.ops()[2].ret, None);
        assert!(h.ops()[2].is_unknown());
        assert_eq!(h.describe(crate::history::OpId(1)), "p2 read x -> 1");
    }

    #[test]
    fn parses_events() {
        let h =
            p("p1 invoke write 1\np2 invoke read\np1 ok write 1\np2 ok read 1\np3 invoke read\n")
                .unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!((h.ops()[1].invoke, h.ops()[1].ret), (1, Some(3)));
        assert!(h.ops()[2].is_pending());
    }

    #[test]
    fn values_and_escapes() {
        assert_eq!(
            parse_value("[1 \"a\\n\" [-2]]").unwrap().to_string(),
            "[1 \"a\\n\" [-2]]"
        );
        assert!(parse_value("99999999999999999999").is_err());
        assert_eq!(parse_value("\"\\u{41}\"").unwrap(), Value::Str("A".into()));
    }

    #[test]
    fn keyword_tables_agree() {
        for k in OpKind::ALL {
            assert_eq!(kind(k.name()).unwrap().1, k);
        }
        for w in RESERVED {
            assert!(is_reserved(w));
        }
        assert!(!is_reserved("x") && !is_reserved("nil2"));
    }

    #[test]
    fn suggestion() {
        assert_eq!(suggest("wirte", &kind_names()), Some("write"));
        assert_eq!(suggest("zzzzzz", &kind_names()), None);
    }
}
