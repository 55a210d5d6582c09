//! Parse errors rendered as rustc-style snippets: a title, a `-->` location,
//! the offending source line with a caret under the bad token, and the
//! error's notes as `= help:` / `= note:` lines.
//!
//! ```text
//! error: expected a value after "write x", found "@"
//!  --> history.hist:3:12
//!   |
//! 3 | p1 write x @ 12..15
//!   |            ^
//! ```
//!
//! Built with annotate-snippets, the renderer rustc and cargo use, so the
//! layout is the one users already read every day. Only a window of the
//! error's line is handed to the renderer (inputs can be hundreds of
//! megabytes, and so can one line), and messages are clipped too.

use crate::parse::ParseError;
use annotate_snippets::{Annotation, AnnotationKind, Level, Origin, Renderer, Snippet};
use std::borrow::Cow;
use std::ops::Range;

/// How many characters of the error's line are shown before the span's
/// start and, at most, from it on: a line may be megabytes long.
const BEFORE_CHARS: usize = 40;
const FROM_CHARS: usize = 80;

/// Renders `err` (found in `source`, read from `path`) as a snippet; with
/// `color`, ANSI-styled as a terminal shows it, else plain text. The
/// message, the notes and the source line are clipped (the line to a window
/// around the span, cut with `…`), so the rendering stays short whatever
/// the input holds.
pub fn render_parse_error(err: &ParseError, source: &str, path: &str, color: bool) -> String {
    let (line_start, line_text) = line_of(source, err.span.start);
    // The span relative to the line, clamped to it (a span may end past the
    // line when the builder pointed at a whole line).
    let start = floor_char(
        line_text,
        err.span
            .start
            .saturating_sub(line_start)
            .min(line_text.len()),
    );
    let end = floor_char(
        line_text,
        err.span
            .end
            .saturating_sub(line_start)
            .clamp(start, line_text.len()),
    );
    let (window, span) = clip(line_text, start, end);
    let line = err.line.max(1) as usize;
    let column = line_text[..start].chars().count() + 1;
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let title = clip_text(&err.message).replace('\n', " ");
    let snippet = Snippet::source(window.as_ref())
        .line_start(line)
        .fold(false)
        .annotation(AnnotationKind::Primary.span(span));
    let mut group = Level::ERROR.primary_title(title.as_str()).element(snippet);
    let notes: Vec<(Level<'_>, Cow<'_, str>)> = err
        .notes
        .iter()
        .map(|note| {
            let (level, text) = if let Some(t) = note.strip_prefix("help: ") {
                (Level::HELP, t)
            } else if let Some(t) = note.strip_prefix("note: ") {
                (Level::NOTE, t)
            } else {
                (Level::NOTE, note.as_str())
            };
            (level, clip_text(text))
        })
        .collect();
    for (level, text) in &notes {
        group = group.element(level.clone().message(text.as_ref()));
    }
    let body = renderer.render(&[group]);
    // The snippet shows a window of the line, so the renderer would count
    // the column from the window's start: the `-->` location line is
    // rendered from the real line and column, laid out (and styled) as the
    // renderer lays out one, and put in its place under the title.
    let location = renderer.render(&[Level::ERROR
        .primary_title("")
        .element(Origin::path(path).line(line).char_column(column))
        .element(
            Snippet::<Annotation<'_>>::source("")
                .line_start(line)
                .fold(false),
        )]);
    let location = location.lines().nth(1).unwrap_or_default();
    let mut out = String::with_capacity(body.len() + location.len() + 1);
    let mut lines = body.splitn(2, '\n');
    out.push_str(lines.next().unwrap_or_default());
    out.push('\n');
    out.push_str(location);
    if let Some(rest) = lines.next() {
        out.push('\n');
        out.push_str(rest);
    }
    out
}

/// The part of `line` shown for the span `start..end`: up to
/// [`BEFORE_CHARS`] characters before it and [`FROM_CHARS`] from its start,
/// with `…` where the line is cut; and the span within that window.
fn clip(line: &str, start: usize, end: usize) -> (Cow<'_, str>, Range<usize>) {
    let from = line[..start]
        .char_indices()
        .rev()
        .nth(BEFORE_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let to = line[start..]
        .char_indices()
        .nth(FROM_CHARS)
        .map_or(line.len(), |(i, _)| start + i);
    if from == 0 && to == line.len() {
        return (Cow::Borrowed(line), start..end);
    }
    let mut window = String::with_capacity(to - from + 8);
    if from > 0 {
        window.push('…');
    }
    let shift = window.len();
    window.push_str(&line[from..to]);
    if to < line.len() {
        window.push('…');
    }
    let span_end = end.min(to);
    (
        Cow::Owned(window),
        start - from + shift..span_end - from + shift,
    )
}

/// A message or note clipped to a few hundred characters (its start and
/// end, which say what was expected and what was found), in case a parser
/// quoted more than an excerpt.
fn clip_text(text: &str) -> Cow<'_, str> {
    const HEAD: usize = 300;
    const TAIL: usize = 100;
    if text.chars().nth(HEAD + TAIL).is_none() {
        return Cow::Borrowed(text);
    }
    let head = text.char_indices().nth(HEAD).map_or(text.len(), |(i, _)| i);
    let tail = text
        .char_indices()
        .rev()
        .nth(TAIL - 1)
        .map_or(0, |(i, _)| i);
    Cow::Owned(format!("{} … {}", &text[..head], &text[tail..]))
}

/// The largest char boundary of `s` at or below `i`.
fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The line containing byte `offset`: its start offset and its text without
/// the line terminator.
fn line_of(source: &str, offset: usize) -> (usize, &str) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    let text = &source[start..end];
    (start, text.strip_suffix('\r').unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::Span;

    #[test]
    fn points_at_the_token() {
        let src = "p1 write x 1 @ 0..1\np1 write x @ 2..3\n";
        let err = ParseError::at(src, Span { start: 31, end: 32 }, "expected a value")
            .with_note("help: write one");
        let out = render_parse_error(&err, src, "h.hist", false);
        assert!(out.contains("error: expected a value"), "{out}");
        assert!(out.contains("--> h.hist:2:12"), "{out}");
        assert!(out.contains("2 | p1 write x @ 2..3"), "{out}");
        assert!(out.contains("help: write one"), "{out}");
        let caret_line = out.lines().find(|l| l.contains('^')).unwrap();
        assert_eq!(
            caret_line.find('^'),
            out.lines()
                .find(|l| l.starts_with("2 |"))
                .unwrap()
                .find('@')
        );
    }

    #[test]
    fn empty_span_at_end_of_input() {
        let src = "p1 write";
        let err = ParseError::at(src, Span { start: 8, end: 8 }, "expected a value");
        let out = render_parse_error(&err, src, "h.hist", true);
        assert!(out.contains("expected a value"));
    }
}
