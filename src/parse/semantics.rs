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

use super::{Format, Initial, ParseError, ParseOptions, Span, excerpt};
use crate::history::{
    Call, History, KeyId, MicroKind, Observed, OpId, Outcome, Ret, Value, ValueId,
};
use rustc_hash::FxHashSet;

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
    /// `--initial`; `None` = the input (header) or the format decides.
    pub initial: Option<Initial>,
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
    let initial = options.initial_value().map_err(|message| {
        ParseError::at(
            "",
            Span { start: 0, end: 0 },
            format!(
                "--initial {:?}: {message}",
                options.initial.as_deref().unwrap_or_default()
            ),
        )
    })?;
    Ok(Semantics {
        fail: options.fail_semantics.unwrap_or(default_fail(format)),
        nil_read: options.nil_read.unwrap_or(default_nil_read(format)),
        nil_read_explicit: options.nil_read,
        initial,
        independent_keys: options.independent_keys,
    })
}

/// Applies `--initial` (if given) to a parsed history, over its header.
pub fn apply_initial(history: &mut History, initial: Option<Initial>) {
    if let Some(initial) = initial {
        history.set_initial(initial.into_value());
    }
}

/// One sentence per semantic choice in effect for `format` under
/// `options`, whatever the history holds (every choice the format makes).
/// Reports use [`describe_semantics_for`], which keeps only the choices
/// that affect the history at hand.
pub fn describe_semantics(format: Format, options: &ParseOptions) -> Vec<String> {
    sentences(format, options, None)
}

/// The sentences of [`describe_semantics`] that affect `history`: the
/// `:fail` reading only when something failed, the `nil` reading only with
/// reads of `nil`, the `:txn` convention only with transactions, the
/// initial value only when some read (or successful CAS) saw a value no
/// write wrote or `nil`, and so on. How times are read is always stated.
pub fn describe_semantics_for(
    format: Format,
    options: &ParseOptions,
    history: &History,
) -> Vec<String> {
    sentences(format, options, Some(&Facts::of(history)))
}

/// What a history holds that the semantic choices are about.
#[derive(Debug, Default)]
struct Facts {
    failed: bool,
    unknown_outcome: bool,
    /// A completed read returned `nil` (absent) / an unknown value.
    absent_read: bool,
    unknown_read: bool,
    /// A CAS (or acquire, release) answered false.
    false_answer: bool,
    txn: bool,
    annotations: bool,
    /// Jepsen `[key value]` tuples were detected.
    independent_detected: bool,
    /// Some observation (read, successful CAS, transaction read) saw `nil`
    /// or a value no operation wrote to its key: the initial value decides
    /// whether it is legal.
    initial_matters: bool,
    /// How many observations saw `0`, which no write wrote.
    unwritten_zero: usize,
    timestamps: bool,
    real_time: bool,
    /// Why `:time` fields were not used as timestamps (Jepsen EDN).
    time_note: Option<String>,
    initial: Option<String>,
}

impl Facts {
    fn of(history: &History) -> Facts {
        let mut f = Facts {
            txn: false,
            annotations: !history.annotations.is_empty(),
            independent_detected: history
                .metadata
                .extra
                .iter()
                .any(|(k, _)| k == "jepsen-independent-keys"),
            timestamps: history.has_timestamps(),
            real_time: history.has_real_time(),
            time_note: history
                .metadata
                .extra
                .iter()
                .find(|(k, _)| k == "jepsen-time")
                .map(|(_, v)| v.clone()),
            initial: history
                .metadata
                .initial
                .map(|v| history.value(v).to_string())
                .or_else(|| {
                    (!history.metadata.initial_by_key.is_empty()).then(|| "per key".to_string())
                }),
            ..Facts::default()
        };
        let zero = history.find_value(&Value::Int(0));
        let (any, zero_count) = unwritten_counts(history, zero);
        f.initial_matters = any > 0;
        f.unwritten_zero = zero_count;
        for op in history.ops() {
            f.failed |= op.is_fail();
            f.unknown_outcome |= op.is_unknown();
            f.txn |= matches!(op.call, Call::Txn(_));
            match &op.outcome {
                Outcome::Ok(Ret::Value(Observed::Absent)) => f.absent_read = true,
                Outcome::Ok(Ret::Value(Observed::Unknown)) => f.unknown_read = true,
                Outcome::Ok(Ret::Bool(false)) => f.false_answer = true,
                _ => {}
            }
        }
        f
    }
}

/// The values written to each key: `(key, value)` pairs packed in a `u64`
/// (one hash of a machine word per operation).
struct Written(FxHashSet<u64>);

impl Written {
    fn of(history: &History) -> Written {
        let pack = |k: KeyId, v: ValueId| (u64::from(k.0) << 32) | u64::from(v.0);
        let mut written = FxHashSet::default();
        for op in history.ops() {
            match &op.call {
                Call::Write(v) | Call::Cas { new: v, .. } | Call::Append(v) | Call::Add(v) => {
                    written.insert(pack(op.key, *v));
                }
                Call::Txn(micro) => {
                    for m in micro {
                        if let (MicroKind::Write, Observed::Value(v)) = (m.kind, m.value) {
                            written.insert(pack(m.key, v));
                        }
                    }
                }
                _ => {}
            }
        }
        Written(written)
    }

    fn contains(&self, k: KeyId, v: ValueId) -> bool {
        self.0.contains(&((u64::from(k.0) << 32) | u64::from(v.0)))
    }

    /// Whether observation `o` of `key` saw `nil` or a value no operation
    /// wrote to `key`.
    fn unwritten(&self, key: KeyId, o: Observed) -> bool {
        match o {
            Observed::Absent => true,
            Observed::Value(v) => !self.contains(key, v),
            Observed::Unknown => false,
        }
    }
}

/// The observations of an operation that [`unwritten_observations`]
/// considers: a completed read's result, a successful CAS's expected
/// value, a completed transaction's reads.
fn observations(op: &crate::history::Operation) -> impl Iterator<Item = (KeyId, Observed)> + '_ {
    let (single, micro): (Option<(KeyId, Observed)>, &[crate::history::MicroOp]) =
        match (&op.call, &op.outcome) {
            (Call::Read, Outcome::Ok(Ret::Value(o))) => (Some((op.key, *o)), &[]),
            (Call::Cas { expected, .. }, Outcome::Ok(Ret::Bool(true) | Ret::Ack)) => {
                (Some((op.key, Observed::Value(*expected))), &[])
            }
            (Call::Txn(micro), Outcome::Ok(_)) => (None, micro),
            _ => (None, &[]),
        };
    single.into_iter().chain(
        micro
            .iter()
            .filter(|m| m.kind == MicroKind::Read)
            .map(|m| (m.key, m.value)),
    )
}

/// How many operations [`unwritten_observations`] names with every
/// observation, and with those that saw `zero`, in one pass.
fn unwritten_counts(history: &History, zero: Option<ValueId>) -> (usize, usize) {
    let written = Written::of(history);
    let (mut any, mut zeros) = (0, 0);
    for op in history.ops() {
        let (mut some, mut some_zero) = (false, false);
        for (key, o) in observations(op) {
            if written.unwritten(key, o) {
                some = true;
                some_zero |= zero.is_some_and(|z| o == Observed::Value(z));
            }
        }
        any += usize::from(some);
        zeros += usize::from(some_zero);
    }
    (any, zeros)
}

/// The observations of `history` (completed reads, successful CASes'
/// expected values, transactions' reads) that saw `nil` or a value no
/// operation wrote to that key, and whose value passes `which`: the
/// operations for which the initial value decides.
fn unwritten_observations(history: &History, which: impl Fn(Observed) -> bool) -> Vec<OpId> {
    let written = Written::of(history);
    history
        .ops()
        .iter()
        .filter(|op| observations(op).any(|(key, o)| written.unwritten(key, o) && which(o)))
        .map(|op| op.id)
        .collect()
}

/// A semantic choice a verdict may hinge on: the operations whose
/// reading depends on it, and what to say next to a verdict whose evidence
/// includes one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemanticsHint {
    pub ops: Vec<OpId>,
    pub text: String,
    /// A reminder of `text`, for the verdicts after the first.
    pub short: String,
}

/// The hints for `history` read as `format` under `options`. Today one:
/// a Knossos history (Jepsen EDN) read without `--initial` whose reads (or
/// successful CASes) saw `0`, a value no write wrote. They are thin-air
/// reads with the register starting absent, and legal reads of the initial
/// value under Knossos's convention (registers start at 0).
pub fn semantics_hints(
    format: Format,
    options: &ParseOptions,
    history: &History,
) -> Vec<SemanticsHint> {
    if format != Format::JepsenEdn || options.initial.is_some() {
        return Vec::new();
    }
    let zero = history.find_value(&Value::Int(0));
    let ops: Vec<OpId> =
        unwritten_observations(history, |o| zero.is_some_and(|z| o == Observed::Value(z)))
            .into_iter()
            .filter(|&id| history.initial(history.op(id).key).is_none())
            .collect();
    let Some(&first) = ops.first() else {
        return Vec::new();
    };
    let n = ops.len();
    let text = format!(
        "this verdict rests on {n} read{} of 0 that no write wrote (the first on line {}): concord reads the register as starting absent, but Knossos's register tests start at 0; check again with --initial 0",
        if n == 1 { "" } else { "s" },
        history.op(first).source.line
    );
    let short = "as above, this verdict rests on the reads of 0 that no write wrote (--initial 0)"
        .to_string();
    vec![SemanticsHint { ops, text, short }]
}

/// The sentences; with `facts`, only those that affect the history.
fn sentences(format: Format, options: &ParseOptions, facts: Option<&Facts>) -> Vec<String> {
    let mut out = Vec::new();
    let jepsen_like = matches!(
        format,
        Format::JepsenEdn | Format::JepsenLog | Format::PorcupineKv
    );
    if jepsen_like {
        jepsen_sentences(format, options, facts, &mut out);
    } else {
        explicit_sentences(format, facts, &mut out);
    }
    out.extend(initial_sentence(format, options, facts));
    out
}

/// Whether a choice that matters when `f` holds of the history is stated:
/// always without facts (then every choice is stated), else when `f`
/// holds.
fn has(facts: Option<&Facts>, f: fn(&Facts) -> bool) -> bool {
    facts.is_none_or(f)
}

/// The mark of a choice the user made with a flag.
fn by_flag(set: bool) -> &'static str {
    if set { " (set by flag)" } else { "" }
}

/// The choices of the Jepsen-like formats (Jepsen EDN and text logs,
/// Porcupine's kv logs): `:fail`, `:info`, `nil` reads, times, nemesis
/// events and independent keys.
fn jepsen_sentences(
    format: Format,
    options: &ParseOptions,
    facts: Option<&Facts>,
    out: &mut Vec<String>,
) {
    out.extend(fail_sentence(format, options, facts));
    if has(facts, |f| f.unknown_outcome) {
        out.push(
            "an :info completion, or no completion, means the outcome is unknown: the operation may take effect at any point after its invoke, or never"
                .to_string(),
        );
    }
    out.extend(nil_sentence(format, options, facts));
    if format == Format::JepsenEdn && has(facts, |f| f.txn) {
        out.push(match options.nil_read {
            None => "nil reads inside :txn micro-operations mean the key had no value in [:r k nil] (Elle's convention) and are unconstrained in [:read k nil] (Knossos's multi-register); --nil-read sets both".to_string(),
            Some(nil) => format!("nil reads inside :txn micro-operations are read as {} (set by flag)", nil.name()),
        });
    }
    out.push(match facts {
        Some(f) if f.timestamps => {
            "times are the records' :time, in ns (line order agrees with them)".to_string()
        }
        Some(Facts {
            time_note: Some(why),
            ..
        }) => format!("line order is real-time order; times are event positions ({why})"),
        _ => "line order is real-time order; times are event positions".to_string(),
    });
    if format != Format::PorcupineKv {
        if has(facts, |f| f.annotations) {
            out.push("nemesis events are annotations, not operations".to_string());
        }
        out.extend(independent_sentence(options, facts));
    }
    if format == Format::PorcupineKv {
        out.push("get returns the key's string, put sets it, append concatenates".to_string());
    }
}

/// What a `:fail` means, when something failed (or it was set by flag).
fn fail_sentence(format: Format, options: &ParseOptions, facts: Option<&Facts>) -> Option<String> {
    let fail = options.fail_semantics.unwrap_or(default_fail(format));
    let flag = by_flag(options.fail_semantics.is_some());
    let fail_matters = match fail {
        FailSemantics::DidNotHappen => has(facts, |f| f.failed),
        FailSemantics::DefiniteAnswer => {
            has(facts, |f| f.failed || f.false_answer || f.unknown_read)
        }
    };
    if !fail_matters && options.fail_semantics.is_none() {
        return None;
    }
    Some(match fail {
        FailSemantics::DidNotHappen => format!("a :fail operation did not take effect{flag}"),
        FailSemantics::DefiniteAnswer => format!(
            "a :fail cas (or acquire, release) is a definite false answer and a :fail read completed with an unknown value; other :fail operations did not take effect{flag}"
        ),
    })
}

/// What a `nil` read means, when one was read (or it was set by flag).
fn nil_sentence(format: Format, options: &ParseOptions, facts: Option<&Facts>) -> Option<String> {
    let nil = options.nil_read.unwrap_or(default_nil_read(format));
    let flag = by_flag(options.nil_read.is_some());
    let nil_matters = match nil {
        NilRead::Unknown => has(facts, |f| f.unknown_read),
        NilRead::Absent => has(facts, |f| f.absent_read),
    };
    if !nil_matters && options.nil_read.is_none() {
        return None;
    }
    Some(match nil {
        NilRead::Unknown => format!("nil reads are unconstrained{flag}"),
        NilRead::Absent => format!("a nil read means the key had no value{flag}"),
    })
}

/// How independent `[key value]` tuples are read.
fn independent_sentence(options: &ParseOptions, facts: Option<&Facts>) -> Option<String> {
    match options.independent_keys {
        None if has(facts, |f| f.independent_detected) => Some(if facts.is_some() {
            "independent keys: detected, every operation's :value is a [key value] tuple (--independent-keys false reads them as values)".to_string()
        } else {
            "independent keys: [key value] tuples are detected when every operation carries one"
                .to_string()
        }),
        None => None,
        Some(true) => {
            Some("independent keys: every :value is a [key value] tuple (set by flag)".to_string())
        }
        Some(false) => {
            Some("independent keys: off; :value is used as is (set by flag)".to_string())
        }
    }
}

/// The choices of the formats with explicit outcomes and results (JSON
/// Lines, the concord language).
fn explicit_sentences(format: Format, facts: Option<&Facts>, out: &mut Vec<String>) {
    let (absent, unknown) = match format {
        Format::Jsonl => ("\"value\": null", "\"result\": \"unknown\""),
        _ => ("nil", "?"),
    };
    if has(facts, |f| {
        f.failed || f.unknown_outcome || f.absent_read || f.unknown_read
    }) {
        out.push(format!(
            "outcomes and read results are explicit in the {format} input: fail = did not take effect, info or no return = unknown outcome, {absent} = absent, {unknown} = not recorded"
        ));
    }
    if let Some(f) = facts
        && f.real_time
        && !f.timestamps
    {
        out.push("line order is real-time order; times are event positions".to_string());
    }
}

/// The initial value: set by `--initial`, the format's, or (when some
/// observation depends on it) the input's.
fn initial_sentence(
    format: Format,
    options: &ParseOptions,
    facts: Option<&Facts>,
) -> Option<String> {
    let initial_matters = has(facts, |f| f.initial_matters);
    match &options.initial {
        Some(text) => Some(format!(
            "initial value: {} (set by --initial)",
            excerpt(text.trim())
        )),
        // Porcupine's model starts every key at "": always stated.
        None if format == Format::PorcupineKv => {
            Some("initial value: \"\" for every key".to_string())
        }
        None if !initial_matters => None,
        None => Some(match format {
            Format::JepsenEdn => edn_initial_sentence(facts),
            Format::JepsenLog | Format::PorcupineKv => "initial value: absent".to_string(),
            Format::Jsonl | Format::Hist | Format::HistEvents => header_initial_sentence(facts),
        }),
    }
}

/// The initial value of a Jepsen EDN history: absent, with a hint at
/// Knossos's convention.
fn edn_initial_sentence(facts: Option<&Facts>) -> String {
    match facts {
        None => "initial value: absent (Knossos's register tests assume 0: pass --initial 0)"
            .to_string(),
        Some(Facts {
            unwritten_zero: n @ 1..,
            ..
        }) => format!(
            "initial value: absent ({n} read{} of 0 that no write wrote: Knossos's register tests assume 0, pass --initial 0)",
            if *n == 1 { "" } else { "s" }
        ),
        Some(_) => "initial value: absent".to_string(),
    }
}

/// The initial value of a history with a header (JSON Lines, the concord
/// language).
fn header_initial_sentence(facts: Option<&Facts>) -> String {
    match facts.and_then(|f| f.initial.as_deref()) {
        None if facts.is_some() => "initial value: absent".to_string(),
        None => "initial value: from the header, else absent".to_string(),
        Some("per key") => {
            "initial values: per key, from the header; absent for other keys".to_string()
        }
        Some(v) => format!("initial value: {} (from the header)", excerpt(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_values() {
        let parse = |text: &str| text.parse::<Initial>();
        assert_eq!(parse("nil"), Ok(Initial::Absent));
        assert_eq!(parse(" 0 "), Ok(Initial::Value(Value::Int(0))));
        assert_eq!(parse("-3"), Ok(Initial::Value(Value::Int(-3))));
        assert_eq!(parse("\"\""), Ok(Initial::Value(Value::Str("".into()))));
        assert_eq!(
            parse("[1 \"a\"]"),
            Ok(Initial::Value(Value::List(vec![
                Value::Int(1),
                Value::Str("a".into())
            ])))
        );
        assert!(parse("x").is_err());
        assert!(parse("1 2").is_err());
        assert!(parse("\"a").is_err());
        let options = ParseOptions {
            initial: Some("[1".into()),
            ..ParseOptions::default()
        };
        assert!(options.initial_value().is_err());
        assert_eq!(ParseOptions::default().initial_value(), Ok(None));
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
