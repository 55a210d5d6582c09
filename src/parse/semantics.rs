//! Input semantics: what a recorded `:fail`, a `nil` read and a missing
//! initial value mean, which differs between the tools that record
//! histories.
//!
//! The same text means different things in different formats, and a
//! checker that guesses wrong reports bugs that are not there (or misses
//! real ones). So every choice is explicit: a format has a documented
//! default for each, [`ParseOptions`] overrides it, and
//! [`describe_semantics`] states the choices in one sentence each so every
//! report can print them.
//!
//! | choice | jepsen-edn (Knossos) | jepsen-log (etcd) | porcupine-kv | jsonl, hist |
//! |---|---|---|---|---|
//! | `:fail` | did not happen | CAS: definite `false`; read: completed, value unknown | did not happen | explicit |
//! | `nil` read | unconstrained | absent | absent | explicit |
//! | initial value | absent | absent | `""` | header, else absent |
//! | independent `[k v]` tuples | detected | detected | off (`:key`) | n/a |
//!
//! Sources: Knossos's register model treats a `nil` read as unconstrained
//! and `:fail` as "did not happen" (jepsen-io/knossos); the etcd logs of
//! ahorn/linearizability-checker, as checked by Porcupine, record a CAS that
//! answered false as `:fail` and are only explained with that reading;
//! Porcupine's kv model starts every key at `""` (anishathalye/porcupine).
//! `--initial` overrides every format, including explicit ones.

use super::{Format, ParseError, ParseOptions, Span};
use crate::history::{History, Value};

/// What a Jepsen `:fail` completion means.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FailSemantics {
    /// The operation did not take effect (Jepsen and Knossos):
    /// `Outcome::Fail`.
    DidNotHappen,
    /// The operation completed with a negative answer: a CAS (and an
    /// acquire or release) answered `false`, a read completed with an
    /// unknown value. Other operations did not take effect.
    DefiniteAnswer,
}

impl FailSemantics {
    pub fn name(self) -> &'static str {
        match self {
            FailSemantics::DidNotHappen => "did-not-happen",
            FailSemantics::DefiniteAnswer => "definite-answer",
        }
    }

    pub fn from_name(name: &str) -> Option<FailSemantics> {
        [FailSemantics::DidNotHappen, FailSemantics::DefiniteAnswer]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// What a read returning `nil` means.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum NilRead {
    /// The key had no value (`Observed::Absent`).
    Absent,
    /// The read's value was not recorded; it constrains nothing
    /// (`Observed::Unknown`, Knossos).
    Unknown,
}

impl NilRead {
    pub fn name(self) -> &'static str {
        match self {
            NilRead::Absent => "absent",
            NilRead::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<NilRead> {
        [NilRead::Absent, NilRead::Unknown]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// The choices in effect for one parse: the format's defaults with the
/// options applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Semantics {
    pub fail: FailSemantics,
    pub nil_read: NilRead,
    /// The `nil` reading when the user chose one (`--nil-read`); formats
    /// with several conventions (Elle's transactions in Jepsen EDN) use it
    /// to tell a choice from a default.
    pub nil_read_explicit: Option<NilRead>,
    /// `Some(None)` = absent was asked for explicitly; `None` = the input
    /// (header) or the format decides.
    pub initial: Option<Option<Value>>,
    /// `None` = detect `[key value]` tuples.
    pub independent_keys: Option<bool>,
}

/// The format's default for `:fail`.
pub fn default_fail(format: Format) -> FailSemantics {
    match format {
        Format::JepsenLog => FailSemantics::DefiniteAnswer,
        _ => FailSemantics::DidNotHappen,
    }
}

/// The format's default for `nil` reads.
pub fn default_nil_read(format: Format) -> NilRead {
    match format {
        Format::JepsenEdn => NilRead::Unknown,
        _ => NilRead::Absent,
    }
}

/// The format's default initial value (`None` = absent).
pub fn default_initial(format: Format) -> Option<Value> {
    match format {
        Format::PorcupineKv => Some(Value::Str("".into())),
        _ => None,
    }
}

/// Resolves the options against the format's defaults; fails only when
/// `--initial` is not a value.
pub fn resolve(format: Format, options: &ParseOptions) -> Result<Semantics, ParseError> {
    let initial = match &options.initial {
        None => None,
        Some(text) => Some(super::hist::parse_initial(text).map_err(|message| {
            ParseError::at(
                "",
                Span { start: 0, end: 0 },
                format!("--initial {text:?}: {message}"),
            )
        })?),
    };
    Ok(Semantics {
        fail: options.fail_semantics.unwrap_or(default_fail(format)),
        nil_read: options.nil_read.unwrap_or(default_nil_read(format)),
        nil_read_explicit: options.nil_read,
        initial,
        independent_keys: options.independent_keys,
    })
}

/// Applies `--initial` (if given) to a parsed history.
pub fn apply_initial(history: &mut History, options: &ParseOptions) -> Result<(), ParseError> {
    if let Some(text) = &options.initial {
        let value = super::hist::parse_initial(text).map_err(|message| {
            ParseError::at(
                "",
                Span { start: 0, end: 0 },
                format!("--initial {text:?}: {message}"),
            )
        })?;
        history.set_initial(value);
    }
    Ok(())
}

/// One sentence per semantic choice in effect for `format` under
/// `options`, for reports.
pub fn describe_semantics(format: Format, options: &ParseOptions) -> Vec<String> {
    let mut out = Vec::new();
    let by_flag = |set: bool| if set { " (set by flag)" } else { "" };
    let fail = options.fail_semantics.unwrap_or(default_fail(format));
    let nil = options.nil_read.unwrap_or(default_nil_read(format));
    let jepsen_like = matches!(
        format,
        Format::JepsenEdn | Format::JepsenLog | Format::PorcupineKv
    );
    if jepsen_like {
        let flag = by_flag(options.fail_semantics.is_some());
        out.push(match fail {
            FailSemantics::DidNotHappen => {
                format!("a :fail operation did not take effect{flag}")
            }
            FailSemantics::DefiniteAnswer => format!(
                "a :fail cas (or acquire, release) is a definite false answer and a :fail read completed with an unknown value; other :fail operations did not take effect{flag}"
            ),
        });
        out.push(
            "an :info completion, or no completion, means the outcome is unknown: the operation may take effect at any point after its invoke, or never"
                .to_string(),
        );
        let flag = by_flag(options.nil_read.is_some());
        out.push(match nil {
            NilRead::Unknown => format!("nil reads are unconstrained{flag}"),
            NilRead::Absent => format!("a nil read means the key had no value{flag}"),
        });
        if format == Format::JepsenEdn {
            out.push(
                "nil reads inside :txn micro-operations mean the key had no value (Elle's convention) unless --nil-read is given"
                    .to_string(),
            );
        }
        out.push("line order is real-time order; times are event positions".to_string());
        if format != Format::PorcupineKv {
            out.push("nemesis events are annotations, not operations".to_string());
            out.push(match options.independent_keys {
                None => "independent keys: [key value] tuples are detected when every operation carries one".to_string(),
                Some(true) => "independent keys: every :value is a [key value] tuple (set by flag)".to_string(),
                Some(false) => "independent keys: off; :value is used as is (set by flag)".to_string(),
            });
        }
        if format == Format::PorcupineKv {
            out.push("get returns the key's string, put sets it, append concatenates".to_string());
        }
    } else {
        let (absent, unknown) = match format {
            Format::Jsonl => ("\"value\": null", "\"result\": \"unknown\""),
            _ => ("nil", "?"),
        };
        out.push(format!(
            "outcomes and read results are explicit in the {format} input: fail = did not take effect, info or no return = unknown outcome, {absent} = absent, {unknown} = not recorded"
        ));
    }
    out.push(match &options.initial {
        Some(text) => format!("initial value: {} (set by --initial)", text.trim()),
        None => match format {
            Format::PorcupineKv => "initial value: \"\" for every key".to_string(),
            Format::JepsenEdn => {
                "initial value: absent (Knossos's register tests assume 0: pass --initial 0)"
                    .to_string()
            }
            Format::JepsenLog => "initial value: absent".to_string(),
            Format::Jsonl | Format::Hist | Format::HistEvents => {
                "initial value: from the header, else absent".to_string()
            }
        },
    });
    out
}

#[cfg(test)]
mod tests {
    use super::super::hist::parse_initial;
    use super::*;

    #[test]
    fn initial_values() {
        assert_eq!(parse_initial("nil"), Ok(None));
        assert_eq!(parse_initial(" 0 "), Ok(Some(Value::Int(0))));
        assert_eq!(parse_initial("-3"), Ok(Some(Value::Int(-3))));
        assert_eq!(parse_initial("\"\""), Ok(Some(Value::Str("".into()))));
        assert_eq!(
            parse_initial("[1 \"a\"]"),
            Ok(Some(Value::List(vec![
                Value::Int(1),
                Value::Str("a".into())
            ])))
        );
        assert!(parse_initial("x").is_err());
        assert!(parse_initial("1 2").is_err());
        assert!(parse_initial("\"a").is_err());
    }

    #[test]
    fn descriptions_follow_defaults_and_flags() {
        let d = describe_semantics(Format::JepsenLog, &ParseOptions::default());
        assert!(d.iter().any(|s| s.contains("definite false answer")));
        assert!(d.iter().any(|s| s == "initial value: absent"));
        let options = ParseOptions {
            nil_read: Some(NilRead::Absent),
            initial: Some("0".into()),
            ..ParseOptions::default()
        };
        let d = describe_semantics(Format::JepsenEdn, &options);
        assert!(d.iter().any(|s| s.contains("no value (set by flag)")));
        assert!(
            d.iter()
                .any(|s| s.contains("initial value: 0 (set by --initial)"))
        );
    }
}
