//! Input format detection: content first, the file extension only as a
//! tie-breaker.
//!
//! The first line that is neither blank nor a comment (`;` in EDN, `#` in
//! the concord language) decides:
//!
//! | first meaningful line | format |
//! |---|---|
//! | `INFO  jepsen.util - ...` (any whitespace) | [`Format::JepsenLog`] |
//! | `{"...` (a JSON object) | [`Format::Jsonl`] |
//! | `{:...` whose first map has `:key` and `:f` `:get`, `:put` or `:append` | [`Format::PorcupineKv`] |
//! | `{:...` otherwise, `[`, `(`, `#jepsen...{` | [`Format::JepsenEdn`] |
//! | second word `invoke`, `ok`, `fail` or `info` | [`Format::HistEvents`] |
//! | anything else | [`Format::Hist`] |
//!
//! When the content says nothing (an empty file, only comments), the
//! extension decides: `.edn` → jepsen-edn, `.log` → jepsen-log, `.jsonl` and
//! `.ndjson` → jsonl, anything else (`.hist`) → hist. Content wins over the
//! extension because real files are often misnamed (Porcupine's kv logs
//! are `.txt`); `--format` overrides both.

use super::Format;
use std::path::Path;

/// Guesses the format of `source`, read from `path` if known.
pub fn detect(source: &str, path: Option<&Path>) -> Format {
    match detect_content(source) {
        Some(f) => f,
        None => detect_extension(path),
    }
}

fn detect_extension(path: Option<&Path>) -> Format {
    let ext = path
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("edn") => Format::JepsenEdn,
        Some("log") => Format::JepsenLog,
        Some("jsonl" | "ndjson") => Format::Jsonl,
        _ => Format::Hist,
    }
}

fn is_comment(line: &str) -> bool {
    line.starts_with(';')
        || (line.starts_with('#')
            && !line.starts_with("#{")
            && !line.starts_with("#_")
            && !line.starts_with("#jepsen"))
}

fn detect_content(source: &str) -> Option<Format> {
    let mut offset = 0;
    for raw in source.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() || is_comment(line) {
            continue;
        }
        if super::jepsen_log::operation_prefix(line).is_some() {
            return Some(Format::JepsenLog);
        }
        if let Some(rest) = line.strip_prefix('{') {
            let rest = rest.trim_start();
            if rest.starts_with('"') || rest.starts_with('}') {
                return Some(Format::Jsonl);
            }
            let start = line_start + raw.find('{').unwrap_or(0);
            return Some(if looks_like_porcupine_kv(&source[start..]) {
                Format::PorcupineKv
            } else {
                Format::JepsenEdn
            });
        }
        if line.starts_with(['[', '(', '#']) {
            return Some(Format::JepsenEdn);
        }
        let mut words = line.split_whitespace();
        let _process = words.next();
        return Some(match words.next() {
            Some("invoke" | "ok" | "fail" | "info") => Format::HistEvents,
            _ => Format::Hist,
        });
    }
    None
}

/// The first map (up to its first `}`) names a `:key` and a kv operation.
fn looks_like_porcupine_kv(from_brace: &str) -> bool {
    let map = from_brace
        .find('}')
        .map_or(from_brace, |end| &from_brace[..end]);
    let tokens: Vec<&str> = map
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .filter(|t| !t.is_empty())
        .collect();
    let has_key = tokens.contains(&":key");
    let kv_f = tokens
        .windows(2)
        .any(|w| w[0] == ":f" && matches!(w[1], ":get" | ":put" | ":append"));
    has_key && kv_f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_then_extension() {
        let cases: &[(&str, Option<&str>, Format)] = &[
            (
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n",
                None,
                Format::JepsenLog,
            ),
            ("\n{\"process\":\"p1\"}\n", None, Format::Jsonl),
            (
                "{:process 1, :type :invoke, :f :get, :key \"1\", :value nil}",
                None,
                Format::PorcupineKv,
            ),
            (
                "{:process 1, :type :invoke, :f :read, :value nil}",
                None,
                Format::JepsenEdn,
            ),
            ("; c\n[{:process 1}]", None, Format::JepsenEdn),
            ("(\n{:process 1})", None, Format::JepsenEdn),
            ("#jepsen.history.Op{:index 0}", None, Format::JepsenEdn),
            ("# c\n%model register\np1 write x 1", None, Format::Hist),
            ("p1 write x 1 @ 0..1", None, Format::Hist),
            ("p1 invoke write x 1", None, Format::HistEvents),
            ("", Some("a.edn"), Format::JepsenEdn),
            ("; only a comment", Some("a.log"), Format::JepsenLog),
            ("", Some("a.NDJSON"), Format::Jsonl),
            ("", Some("a.hist"), Format::Hist),
            ("", None, Format::Hist),
            ("p1 write x 1", Some("a.edn"), Format::Hist),
        ];
        for &(src, path, expected) in cases {
            assert_eq!(
                detect(src, path.map(Path::new)),
                expected,
                "{src:?} {path:?}"
            );
        }
    }
}
