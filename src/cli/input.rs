//! Reading inputs: files or standard input, UTF-8 validation, format
//! detection and parsing. Every failure becomes an [`InputError`] that the
//! commands render as a diagnostic (human) or an `error` message (JSON).

use super::InputArgs;
use concord::History;
use concord::parse::{
    self, FailSemantics, Format, NilRead, ParseError, ParseOptions, SemanticsHint, Span,
};
use concord::render::diagnostic::render_parse_error;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A parsed input.
pub struct Loaded {
    pub path: String,
    pub format: Format,
    pub history: History,
    /// How the input was read, one sentence each: the choices that affect
    /// this history.
    pub semantics: Vec<String>,
    /// Semantic choices a verdict may hinge on, to say so next to it.
    pub hints: Vec<SemanticsHint>,
}

/// An input that could not be read or parsed.
pub struct InputError {
    pub path: String,
    pub error: ParseError,
    /// The source text when there is one, for the snippet.
    pub source: Option<String>,
}

impl InputError {
    pub fn plain(path: &str, message: String) -> InputError {
        InputError {
            path: path.to_string(),
            error: ParseError {
                line: 0,
                column: 0,
                span: Span { start: 0, end: 0 },
                message,
                notes: Vec::new(),
            },
            source: None,
        }
    }

    /// The rustc-like rendering for a terminal or log.
    pub fn render(&self, color: bool) -> String {
        match &self.source {
            Some(source) => render_parse_error(&self.error, source, &self.path, color),
            None => {
                let mut s = format!("error: {}: {}", self.path, self.error.message);
                for note in &self.error.notes {
                    s.push_str("\n  = ");
                    s.push_str(note);
                }
                s
            }
        }
    }
}

/// Parse options from flags.
pub fn parse_options(args: &InputArgs) -> Result<ParseOptions, String> {
    let fail_semantics = match &args.fail_semantics {
        None => None,
        Some(name) => Some(FailSemantics::from_name(name).ok_or_else(|| {
            format!("unknown --fail-semantics `{name}`; expected did-not-happen or definite-answer")
        })?),
    };
    let nil_read =
        match &args.nil_read {
            None => None,
            Some(name) => Some(NilRead::from_name(name).ok_or_else(|| {
                format!("unknown --nil-read `{name}`; expected unknown or absent")
            })?),
        };
    Ok(ParseOptions {
        initial: args.initial.clone(),
        fail_semantics,
        nil_read,
        independent_keys: args.independent_keys,
    })
}

/// Reads and parses one input (`-` is standard input).
pub fn load(path: &Path, args: &InputArgs) -> Result<Loaded, InputError> {
    let display = path.display().to_string();
    let bytes = read_bytes(path).map_err(|e| InputError::plain(&display, e))?;
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let error = ParseError::at(
                &prefix,
                Span {
                    start: valid,
                    end: valid,
                },
                "the input is not valid UTF-8",
            )
            .with_note(format!(
                "note: invalid byte 0x{:02x} at byte offset {valid}",
                bytes[valid]
            ));
            return Err(InputError {
                path: display,
                error,
                source: Some(prefix),
            });
        }
    };
    let format = if args.format == "auto" {
        parse::detect(&text, (path != Path::new("-")).then_some(path))
    } else {
        match Format::from_name(&args.format) {
            Some(f) => f,
            None => {
                let known: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                return Err(InputError::plain(
                    &display,
                    format!(
                        "unknown format `{}`; expected auto or one of: {}",
                        args.format,
                        known.join(", ")
                    ),
                ));
            }
        }
    };
    let options = parse_options(args).map_err(|e| InputError::plain(&display, e))?;
    match parse::parse(&text, format, &options) {
        Ok(history) => Ok(Loaded {
            semantics: parse::describe_semantics_for(format, &options, &history),
            hints: parse::semantics_hints(format, &options, &history),
            path: display,
            format,
            history,
        }),
        Err(error) => Err(InputError {
            path: display,
            error,
            source: Some(text),
        }),
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| format!("cannot read file: {e}"))
    }
}

/// The extensions of history files a directory is searched for.
pub const HISTORY_EXTENSIONS: [&str; 4] = ["hist", "jsonl", "edn", "log"];

/// The inputs named on the command line, in order: a file (or `-`) as it
/// is; a directory replaced by every history file under it, recursively,
/// sorted by path. A history file has one of [`HISTORY_EXTENSIONS`]; in a
/// directory that holds a `history.edn` (a Jepsen run's directory, beside
/// `results.edn` and `jepsen.log`), only that file is taken. Hidden
/// entries (`.git`) and symbolic links inside a directory are skipped
/// (Jepsen's `store/latest` and `store/current` point at runs already
/// found), and so is `skip`, the file the report is written to. A
/// directory that cannot be read, or holds no history file, is an input
/// error.
pub fn expand(paths: &[PathBuf], skip: Option<&Path>) -> Vec<Result<PathBuf, InputError>> {
    let skip = skip.and_then(|p| std::fs::canonicalize(p).ok());
    let mut out = Vec::new();
    for path in paths {
        if path == Path::new("-") || !path.is_dir() {
            out.push(Ok(path.clone()));
            continue;
        }
        let display = path.display().to_string();
        match history_files_under(path) {
            Ok(files) if files.is_empty() => out.push(Err(InputError::plain(
                &display,
                format!(
                    "no history files in this directory (looked for *.{} and history.edn)",
                    HISTORY_EXTENSIONS.join(", *.")
                ),
            ))),
            Ok(files) => out.extend(
                files
                    .into_iter()
                    .filter(|f| skip.is_none() || std::fs::canonicalize(f).ok() != skip)
                    .map(Ok),
            ),
            Err(e) => out.push(Err(InputError::plain(
                &display,
                format!("cannot read directory: {e}"),
            ))),
        }
    }
    out
}

/// The history files under `root`, sorted; iterative, so a deep tree is
/// no stack overflow.
fn history_files_under(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
        let jepsen = dir.join("history.edn");
        if files.contains(&jepsen) {
            found.push(jepsen);
        } else {
            found.extend(files.into_iter().filter(|f| {
                f.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| HISTORY_EXTENSIONS.contains(&e))
            }));
        }
    }
    found.sort();
    Ok(found)
}
