//! A small reader for EDN (Extensible Data Notation), the format Jepsen and
//! Knossos write histories in.
//!
//! It implements the subset of the EDN specification
//! (<https://github.com/edn-format/edn>) that histories use: `nil`,
//! booleans, integers (an `N` suffix is accepted; values outside `i64` are
//! an error, never silently wrapped), floats (an `M` suffix is accepted),
//! strings with escapes, characters, keywords (namespaced too), symbols,
//! lists, vectors, maps, sets, tagged values (`#inst "..."`, Jepsen's
//! `#jepsen.history.Op{...}` records), the `#_` discard form, `;` comments
//! and commas as whitespace.
//!
//! Every value keeps the byte [`Span`] it was read from, so the mapping
//! from EDN to a history can point at the exact offending value. Strings,
//! keywords and symbols borrow from the input when they contain no escapes.
//!
//! Histories are either one vector (or list) of operation maps, or a stream
//! of top-level maps (one per line, or spanning lines). [`read_records`]
//! accepts both and hands out the records one at a time, so a history of
//! millions of events is never held as one EDN tree.
//!
//! Lexical pieces are [`nom`] parsers; collections are read by a loop with
//! an explicit nesting limit ([`DEPTH_MAX`]) so that hostile input cannot
//! overflow the stack.

use super::{ParseError, Span, excerpt};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser};
use std::borrow::Cow;

/// Deepest nesting of collections and tags the reader accepts.
pub const DEPTH_MAX: u32 = 256;

/// An EDN value with the byte range it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Edn<'a> {
    pub kind: EdnKind<'a>,
    pub span: Span,
}

/// The kinds of EDN values.
#[derive(Clone, Debug, PartialEq)]
pub enum EdnKind<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Char(char),
    /// A keyword without its leading colon (`:a/b` → `a/b`).
    Keyword(&'a str),
    Symbol(&'a str),
    List(Vec<Edn<'a>>),
    Vector(Vec<Edn<'a>>),
    Set(Vec<Edn<'a>>),
    /// Key-value pairs in input order (duplicates are kept; the reader of
    /// the map decides what a duplicate means).
    Map(Vec<(Edn<'a>, Edn<'a>)>),
    /// `#tag value`; the tag without `#`.
    Tagged(&'a str, Box<Edn<'a>>),
}

impl<'a> Edn<'a> {
    /// The keyword's name when this is a keyword.
    pub fn as_keyword(&self) -> Option<&'a str> {
        match self.kind {
            EdnKind::Keyword(k) => Some(k),
            _ => None,
        }
    }

    /// The elements of a vector or list.
    pub fn as_seq(&self) -> Option<&[Edn<'a>]> {
        match &self.kind {
            EdnKind::Vector(v) | EdnKind::List(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_nil(&self) -> bool {
        matches!(self.kind, EdnKind::Nil)
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            EdnKind::Nil => "nil",
            EdnKind::Bool(_) => "a boolean",
            EdnKind::Int(_) => "an integer",
            EdnKind::Float(_) => "a float",
            EdnKind::Str(_) => "a string",
            EdnKind::Char(_) => "a character",
            EdnKind::Keyword(_) => "a keyword",
            EdnKind::Symbol(_) => "a symbol",
            EdnKind::List(_) => "a list",
            EdnKind::Vector(_) => "a vector",
            EdnKind::Set(_) => "a set",
            EdnKind::Map(_) => "a map",
            EdnKind::Tagged(..) => "a tagged value",
        }
    }
}

/// Reads exactly one EDN value from `source` (surrounded by whitespace and
/// comments only).
pub fn read_one(source: &str) -> Result<Edn<'_>, ParseError> {
    let r = Reader { src: source };
    let rest = r.skip_ws(source).map_err(|e| r.to_error(e))?;
    let (rest, value) = r.value(rest, 0).map_err(|e| r.to_error(e))?;
    let rest = r.skip_ws(rest).map_err(|e| r.to_error(e))?;
    if !rest.is_empty() {
        return Err(r.error_at(rest, "expected end of input"));
    }
    Ok(value)
}

/// Reads an EDN value at the start of `input`, where `input` is a suffix of
/// `source` (so spans are offsets into `source`). Returns the value and the
/// byte offset just after it. Leading whitespace is not skipped.
pub fn read_value_at<'a>(source: &'a str, offset: usize) -> Result<(Edn<'a>, usize), ParseError> {
    let r = Reader { src: source };
    let (rest, value) = r.value(&source[offset..], 0).map_err(|e| r.to_error(e))?;
    Ok((value, r.offset(rest)))
}

/// Calls `record` on each top-level record of a history: the elements of a
/// single top-level vector or list, or else each top-level value of a
/// stream. Stops at the first error, from the reader or from `record`.
pub fn read_records<'a>(
    source: &'a str,
    mut record: impl FnMut(Edn<'a>) -> Result<(), ParseError>,
) -> Result<(), ParseError> {
    let r = Reader { src: source };
    let err = |e| r.to_error(e);
    let mut rest = r.skip_ws(source).map_err(err)?;
    let closer = match rest.as_bytes().first() {
        Some(b'[') => Some(']'),
        Some(b'(') => Some(')'),
        _ => None,
    };
    if let Some(closer) = closer {
        let open = rest;
        rest = r.skip_ws(&rest[1..]).map_err(err)?;
        loop {
            if rest.is_empty() {
                return Err(r
                    .error_at(rest, format!("expected `{closer}` to close the history"))
                    .with_note(format!(
                        "note: the history opened at {}",
                        r.line_col_text(open)
                    )));
            }
            if rest.as_bytes()[0] == closer as u8 {
                rest = r.skip_ws(&rest[1..]).map_err(err)?;
                break;
            }
            let (after, value) = r.value(rest, 1).map_err(err)?;
            record(value)?;
            rest = r.skip_ws(after).map_err(err)?;
        }
        if !rest.is_empty() {
            return Err(r.error_at(
                rest,
                format!(
                    "expected end of input after the history's closing `{closer}`, found {}",
                    found(rest)
                ),
            ));
        }
        return Ok(());
    }
    while !rest.is_empty() {
        let (after, value) = r.value(rest, 0).map_err(err)?;
        record(value)?;
        rest = r.skip_ws(after).map_err(err)?;
    }
    Ok(())
}

/// A reader failure: the remaining input where it happened and what was
/// expected there.
#[derive(Debug)]
pub struct EdnErr {
    rest_len: usize,
    len: usize,
    message: Cow<'static, str>,
}

impl<'a> nom::error::ParseError<&'a str> for EdnErr {
    fn from_error_kind(input: &'a str, _kind: nom::error::ErrorKind) -> Self {
        // Recoverable errors are made on every `opt(...)` that does not
        // match (a number without a fraction), so this must not allocate.
        EdnErr {
            rest_len: input.len(),
            len: 0,
            message: Cow::Borrowed("malformed EDN"),
        }
    }

    fn append(_: &'a str, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a str, T, EdnErr>;

fn fail<T>(rest: &str, len: usize, message: impl Into<Cow<'static, str>>) -> Res<'_, T> {
    Err(nom::Err::Failure(EdnErr {
        rest_len: rest.len(),
        len,
        message: message.into(),
    }))
}

/// Describes the token at the start of `rest` for "found ..." messages.
fn found(rest: &str) -> String {
    let Some(c) = rest.chars().next() else {
        return "end of input".to_string();
    };
    if c == '\n' || c == '\r' {
        return "end of line".to_string();
    }
    let token: String = if is_symbol_char(c) {
        rest.chars()
            .take_while(|&c| is_symbol_char(c))
            .take(24)
            .collect()
    } else {
        c.to_string()
    };
    format!("`{token}`")
}

fn is_symbol_char(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(
            c,
            '*' | '+'
                | '!'
                | '-'
                | '_'
                | '?'
                | '<'
                | '>'
                | '='
                | '.'
                | '/'
                | '&'
                | '$'
                | '%'
                | ':'
                | '#'
                | '\''
        )
}

/// Whitespace, commas, and a byte-order mark (editors on Windows put one at
/// the start of UTF-8 files).
fn is_ws(c: char) -> bool {
    c.is_whitespace() || c == ',' || c == '\u{feff}'
}

struct Reader<'a> {
    src: &'a str,
}

impl<'a> Reader<'a> {
    fn offset(&self, rest: &str) -> usize {
        self.src.len() - rest.len()
    }

    fn span(&self, start: &str, rest: &str) -> Span {
        Span {
            start: self.offset(start),
            end: self.offset(rest),
        }
    }

    fn line_col_text(&self, rest: &str) -> String {
        let (l, c) = super::line_column(self.src, self.offset(rest));
        format!("{l}:{c}")
    }

    fn error_at(&self, rest: &str, message: impl Into<String>) -> ParseError {
        let start = self.offset(rest);
        let len = rest.chars().next().map_or(0, char::len_utf8);
        ParseError::at(
            self.src,
            Span {
                start,
                end: start + len,
            },
            message,
        )
    }

    fn to_error(&self, e: nom::Err<EdnErr>) -> ParseError {
        match e {
            nom::Err::Error(e) | nom::Err::Failure(e) => {
                let start = self.src.len() - e.rest_len;
                ParseError::at(
                    self.src,
                    Span {
                        start,
                        end: start + e.len,
                    },
                    e.message.into_owned(),
                )
            }
            nom::Err::Incomplete(_) => ParseError::at(
                self.src,
                Span {
                    start: self.src.len(),
                    end: self.src.len(),
                },
                "unexpected end of input",
            ),
        }
    }

    /// Skips whitespace, commas, `;` comments and `#_` discarded values.
    fn skip_ws(&self, i: &'a str) -> Result<&'a str, nom::Err<EdnErr>> {
        self.skip_ws_nested(i, 0)
    }

    /// `depth` counts nested `#_` forms (`#_ #_ a b` discards two values),
    /// which recurse and so are limited like collections.
    fn skip_ws_nested(&self, mut i: &'a str, depth: u32) -> Result<&'a str, nom::Err<EdnErr>> {
        loop {
            i = i.trim_start_matches(is_ws);
            if let Some(comment) = i.strip_prefix(';') {
                i = comment.find('\n').map_or("", |n| &comment[n..]);
            } else if i.as_bytes().starts_with(b"#_") {
                let discarded = &i[2..];
                if depth > DEPTH_MAX {
                    return Err(nom::Err::Failure(EdnErr {
                        rest_len: i.len(),
                        len: 2,
                        message: Cow::Owned(format!("EDN nested deeper than {DEPTH_MAX} levels")),
                    }));
                }
                let start = self.skip_ws_nested(discarded, depth + 1)?;
                let (after, _) = self.value(start, depth + 1)?;
                i = after;
            } else {
                return Ok(i);
            }
        }
    }

    /// One value at the start of `i` (no leading whitespace).
    fn value(&self, i: &'a str, depth: u32) -> Res<'a, Edn<'a>> {
        if depth > DEPTH_MAX {
            return fail(i, 1, format!("EDN nested deeper than {DEPTH_MAX} levels"));
        }
        let Some(c) = i.chars().next() else {
            return fail(i, 0, "expected a value, found end of input");
        };
        let start = i;
        let (rest, kind) = match c {
            '{' => {
                // Jepsen operation maps have four to eight entries.
                let mut pairs = Vec::with_capacity(8);
                let mut key: Option<Edn<'a>> = None;
                let (rest, ()) = self.items_with(&i[1..], '}', depth, |item| match key.take() {
                    None => key = Some(item),
                    Some(k) => pairs.push((k, item)),
                })?;
                if let Some(key) = key {
                    return fail(
                        &self.src[key.span.start..],
                        key.span.end - key.span.start,
                        "map has a key without a value",
                    );
                }
                (rest, EdnKind::Map(pairs))
            }
            '[' => {
                let (rest, items) = self.items(&i[1..], ']', depth)?;
                (rest, EdnKind::Vector(items))
            }
            '(' => {
                let (rest, items) = self.items(&i[1..], ')', depth)?;
                (rest, EdnKind::List(items))
            }
            '"' => string(i)?,
            '\\' => character(i)?,
            ':' => keyword(i)?,
            '#' => self.dispatch(i, depth)?,
            '0'..='9' => number(i)?,
            '+' | '-' if i[1..].starts_with(|c: char| c.is_ascii_digit()) => number(i)?,
            c if is_symbol_char(c) => symbol(i)?,
            ']' | '}' | ')' => {
                return fail(i, 1, format!("expected a value, found unmatched `{c}`"));
            }
            _ => return fail(i, c.len_utf8(), format!("expected a value, found `{c}`")),
        };
        Ok((
            rest,
            Edn {
                kind,
                span: self.span(start, rest),
            },
        ))
    }

    /// Values up to the closing delimiter (which is consumed).
    fn items(&self, i: &'a str, close: char, depth: u32) -> Res<'a, Vec<Edn<'a>>> {
        let mut items = Vec::new();
        let (rest, ()) = self.items_with(i, close, depth, |item| items.push(item))?;
        Ok((rest, items))
    }

    /// Calls `item` on each value up to the closing delimiter (which is
    /// consumed); returns the rest of the input.
    fn items_with(
        &self,
        i: &'a str,
        close: char,
        depth: u32,
        mut item: impl FnMut(Edn<'a>),
    ) -> Res<'a, ()> {
        let open = &self.src[self.offset(i) - 1..];
        let mut rest = self.skip_ws(i)?;
        loop {
            if rest.is_empty() {
                let (l, c) = super::line_column(self.src, self.offset(open));
                return fail(
                    rest,
                    0,
                    format!(
                        "expected `{close}` to close the collection opened at {l}:{c}, found end of input"
                    ),
                );
            }
            // Delimiters are ASCII: compare bytes (a `char` pattern would
            // encode the char and call `bcmp` for every element).
            let first = rest.as_bytes()[0];
            if first == close as u8 {
                return Ok((&rest[1..], ()));
            }
            if matches!(first, b']' | b'}' | b')') {
                let (l, c) = super::line_column(self.src, self.offset(open));
                return fail(
                    rest,
                    1,
                    format!(
                        "expected `{close}` to close the collection opened at {l}:{c}, found {}",
                        found(rest)
                    ),
                );
            }
            let (after, v) = self.value(rest, depth + 1)?;
            if !after.is_empty()
                && !after.starts_with(|c: char| {
                    is_ws(c) || matches!(c, '[' | ']' | '{' | '}' | '(' | ')' | '"' | ';' | '#')
                })
            {
                return fail(
                    after,
                    1,
                    format!("expected whitespace or a delimiter, found {}", found(after)),
                );
            }
            item(v);
            rest = self.skip_ws(after)?;
        }
    }

    /// `#{...}` sets and `#tag value`.
    fn dispatch(&self, i: &'a str, depth: u32) -> Res<'a, EdnKind<'a>> {
        let body = &i[1..];
        if let Some(set) = body.strip_prefix('{') {
            let (rest, items) = self.items(set, '}', depth)?;
            return Ok((rest, EdnKind::Set(items)));
        }
        if !body.starts_with(|c: char| c.is_alphabetic()) {
            return fail(
                i,
                1,
                format!(
                    "expected `#{{`, `#_` or a tag such as `#inst` after `#`, found {}",
                    found(body)
                ),
            );
        }
        let (after_tag, tag_name) = take_while1(is_symbol_char)(body)?;
        let value_start = self.skip_ws(after_tag)?;
        let (rest, value) = self.value(value_start, depth + 1)?;
        Ok((rest, EdnKind::Tagged(tag_name, Box::new(value))))
    }
}

fn keyword(i: &str) -> Res<'_, EdnKind<'_>> {
    let (rest, name) = take_while(is_symbol_char)(&i[1..])?;
    if name.is_empty() || name.starts_with(':') {
        return fail(
            i,
            1 + name.len(),
            format!(
                "expected a keyword name after `:`, found {}",
                found(&i[1..])
            ),
        );
    }
    Ok((rest, EdnKind::Keyword(name)))
}

fn symbol(i: &str) -> Res<'_, EdnKind<'_>> {
    let (rest, name) = take_while1(is_symbol_char)(i)?;
    let kind = match name {
        "nil" => EdnKind::Nil,
        "true" => EdnKind::Bool(true),
        "false" => EdnKind::Bool(false),
        _ => EdnKind::Symbol(name),
    };
    Ok((rest, kind))
}

fn number(i: &str) -> Res<'_, EdnKind<'_>> {
    // Fast path for the common case, a plain decimal integer followed by a
    // delimiter; everything else goes through the general parser below.
    let bytes = i.as_bytes();
    let digits_from = usize::from(matches!(bytes[0], b'+' | b'-'));
    let digits_end = bytes[digits_from..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |n| digits_from + n);
    let plain_end = bytes.get(digits_end).is_none_or(|&b| {
        b.is_ascii_whitespace()
            || matches!(
                b,
                b']' | b',' | b'}' | b')' | b'(' | b'"' | b'[' | b'{' | b';'
            )
    });
    if digits_end > digits_from
        && plain_end
        && let Ok(n) = i[..digits_end].parse::<i64>()
    {
        return Ok((&i[digits_end..], EdnKind::Int(n)));
    }
    let sign = opt(one_of::<_, _, EdnErr>("+-"));
    let fraction = (char('.'), take_while(|c: char| c.is_ascii_digit()));
    let exponent = (one_of("eE"), opt(one_of("+-")), digit1);
    let (rest, text) = recognize((sign, digit1, opt(fraction), opt(exponent))).parse(i)?;
    let is_float = text.contains(['.', 'e', 'E']);
    let (rest, suffix) = opt(alt((tag("N"), tag("M")))).parse(rest)?;
    if rest.starts_with(|c: char| is_symbol_char(c)) {
        return fail(
            i,
            text.len() + suffix.map_or(0, str::len) + 1,
            format!("malformed number, found {}", found(i)),
        );
    }
    if is_float || suffix == Some("M") {
        return match text.parse::<f64>() {
            Ok(f) => Ok((rest, EdnKind::Float(f))),
            Err(_) => fail(i, text.len(), "malformed floating-point number"),
        };
    }
    match text.parse::<i64>() {
        Ok(n) => Ok((rest, EdnKind::Int(n))),
        Err(_) => fail(
            i,
            text.len() + suffix.map_or(0, str::len),
            format!("integer {} does not fit in 64 bits", excerpt(text)),
        ),
    }
}

fn string(i: &str) -> Res<'_, EdnKind<'_>> {
    let body = &i[1..];
    let Some(end) = body.find(['"', '\\']) else {
        return fail(i, 1, "unterminated string: expected a closing `\"`");
    };
    if body.as_bytes()[end] == b'"' {
        return Ok((&body[end + 1..], EdnKind::Str(Cow::Borrowed(&body[..end]))));
    }
    // Escapes: build an owned string.
    let mut out = String::from(&body[..end]);
    let mut rest = &body[end..];
    loop {
        let Some(c) = rest.chars().next() else {
            return fail(i, 1, "unterminated string: expected a closing `\"`");
        };
        match c {
            '"' => return Ok((&rest[1..], EdnKind::Str(Cow::Owned(out)))),
            '\\' => {
                let esc = &rest[1..];
                let (len, decoded) = match esc.chars().next() {
                    Some('n') => (1, '\n'),
                    Some('t') => (1, '\t'),
                    Some('r') => (1, '\r'),
                    Some('b') => (1, '\u{8}'),
                    Some('f') => (1, '\u{c}'),
                    Some('"') => (1, '"'),
                    Some('\\') => (1, '\\'),
                    Some('u') => match unicode_escape(&esc[1..]) {
                        Some(c) => (5, c),
                        None => {
                            return fail(rest, 2, "expected four hexadecimal digits after `\\u`");
                        }
                    },
                    _ => {
                        return fail(
                            rest,
                            1 + esc.chars().next().map_or(0, char::len_utf8),
                            format!(
                                "unknown string escape `\\{}`; expected one of \\n \\t \\r \\b \\f \\\" \\\\ \\uXXXX",
                                esc.chars().next().map_or(String::new(), String::from)
                            ),
                        );
                    }
                };
                out.push(decoded);
                rest = &esc[len..];
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
}

fn unicode_escape(hex: &str) -> Option<char> {
    let digits = hex.get(..4)?;
    if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    char::from_u32(u32::from_str_radix(digits, 16).ok()?)
}

fn character(i: &str) -> Res<'_, EdnKind<'_>> {
    let body = &i[1..];
    let Some(first) = body.chars().next() else {
        return fail(i, 1, "expected a character after `\\`, found end of input");
    };
    let (rest, name) = take_while(|c: char| c.is_alphanumeric())(body)?;
    let c = match name {
        "newline" => '\n',
        "space" => ' ',
        "tab" => '\t',
        "return" => '\r',
        "formfeed" => '\u{c}',
        "backspace" => '\u{8}',
        _ if name.len() == 5 && name.starts_with('u') => match unicode_escape(&name[1..]) {
            Some(c) => c,
            None => return fail(i, 1 + name.len(), "malformed unicode character"),
        },
        _ if name.chars().count() > 1 => {
            return fail(
                i,
                1 + name.len(),
                format!("unknown character name `\\{}`", excerpt(name)),
            );
        }
        _ => {
            return Ok((&body[first.len_utf8()..], EdnKind::Char(first)));
        }
    };
    Ok((rest, EdnKind::Char(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> EdnKind<'_> {
        read_one(s).unwrap().kind
    }

    #[test]
    fn atoms() {
        assert_eq!(kind("nil"), EdnKind::Nil);
        assert_eq!(kind(" true "), EdnKind::Bool(true));
        assert_eq!(kind("-42"), EdnKind::Int(-42));
        assert_eq!(kind("+7"), EdnKind::Int(7));
        assert_eq!(kind("12N"), EdnKind::Int(12));
        assert_eq!(kind("1.5"), EdnKind::Float(1.5));
        assert_eq!(kind("2e3"), EdnKind::Float(2000.0));
        assert_eq!(kind("3M"), EdnKind::Float(3.0));
        assert_eq!(kind(":a/b"), EdnKind::Keyword("a/b"));
        assert_eq!(kind("foo.bar"), EdnKind::Symbol("foo.bar"));
        assert_eq!(kind("-"), EdnKind::Symbol("-"));
        assert_eq!(kind(r#""a\"b\n\u0041""#), EdnKind::Str("a\"b\nA".into()));
        assert_eq!(kind(r"\a"), EdnKind::Char('a'));
        assert_eq!(kind(r"\newline"), EdnKind::Char('\n'));
    }

    #[test]
    fn collections_tags_discard_comments() {
        let v = read_one("{:a [1 2], :b #{3} ; c\n :c (4) #_ :gone :d #inst \"x\"}").unwrap();
        let EdnKind::Map(pairs) = v.kind else {
            panic!("not a map")
        };
        assert_eq!(pairs.len(), 4);
        assert_eq!(pairs[3].0.as_keyword(), Some("d"));
        assert!(matches!(pairs[3].1.kind, EdnKind::Tagged("inst", _)));
        assert_eq!(pairs[0].1.span, Span { start: 4, end: 9 });
        let rec = read_one("#jepsen.history.Op{:index 0}").unwrap();
        assert!(matches!(rec.kind, EdnKind::Tagged("jepsen.history.Op", _)));
    }

    #[test]
    fn records_of_vector_and_stream() {
        for src in [
            "[{:a 1} {:a 2}]",
            "({:a 1}\n{:a 2})",
            "{:a 1}\n{:a\n 2}\n",
            " ; c\n{:a 1} {:a 2}",
        ] {
            let mut n = 0;
            read_records(src, |_| {
                n += 1;
                Ok(())
            })
            .unwrap();
            assert_eq!(n, 2, "{src}");
        }
    }

    #[test]
    fn errors_have_positions() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("{:a 1", 1, 6, "expected `}`"),
            ("[1 2 }", 1, 6, "expected `]`"),
            ("{:a}", 1, 2, "key without a value"),
            ("99999999999999999999", 1, 1, "does not fit"),
            ("\"abc", 1, 1, "unterminated string"),
            ("\n  :", 2, 3, "keyword name"),
            ("\"a\\q\"", 1, 3, "unknown string escape"),
            ("12abc", 1, 1, "malformed number"),
            ("#?x", 1, 1, "after `#`"),
            ("1 2", 1, 3, "expected end of input"),
        ];
        for &(src, line, column, msg) in cases {
            let e = read_one(src).unwrap_err();
            assert_eq!((e.line, e.column), (line, column), "{src}: {e}");
            assert!(e.message.contains(msg), "{src}: {e}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "[".repeat(10_000);
        let e = read_one(&src).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
    }
}
