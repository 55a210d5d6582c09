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
//! layout is the one users already read every day. Only the error's line is
//! handed to the renderer: inputs can be hundreds of megabytes.

use crate::parse::ParseError;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// Renders `err` (found in `source`, read from `path`) as a snippet; with
/// `color`, ANSI-styled as a terminal shows it, else plain text.
pub fn render_parse_error(err: &ParseError, source: &str, path: &str, color: bool) -> String {
    let (line_start, line_text) = line_of(source, err.span.start);
    // The span relative to the line, clamped to it (a span may end past the
    // line when the builder pointed at a whole line).
    let start = err
        .span
        .start
        .saturating_sub(line_start)
        .min(line_text.len());
    let end = err
        .span
        .end
        .saturating_sub(line_start)
        .clamp(start, line_text.len());
    let snippet = Snippet::source(line_text)
        .line_start(err.line.max(1) as usize)
        .path(path)
        .fold(false)
        .annotation(AnnotationKind::Primary.span(start..end));
    let mut group = Level::ERROR.primary_title(&err.message).element(snippet);
    for note in &err.notes {
        let (level, text) = if let Some(t) = note.strip_prefix("help: ") {
            (Level::HELP, t)
        } else if let Some(t) = note.strip_prefix("note: ") {
            (Level::NOTE, t)
        } else {
            (Level::NOTE, note.as_str())
        };
        group = group.element(level.message(text));
    }
    let report: [Group<'_>; 1] = [group];
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&report)
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
