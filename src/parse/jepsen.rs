//! Jepsen EDN histories (`history.edn`, Knossos's `data/`) → [`History`].
//!
//! A Jepsen history is a sequence of events, one EDN map each:
//!
//! ```text
//! {:process 88, :type :invoke, :f :cas, :value [3 1]}
//! {:process 88, :type :fail,   :f :cas, :value [3 1]}
//! {:process :nemesis, :type :info, :f :start, :value nil}
//! ```
//!
//! either inside one vector or list, or as a stream of top-level maps (also
//! `#jepsen.history.Op{...}` records). Each `:invoke` opens an operation of
//! its process and the next `:ok`, `:fail` or `:info` of that process closes
//! it; an invoke never closed is pending (unknown outcome). File order is
//! real-time order (Jepsen records events as they happen), so the time of
//! an event is its position among the records, or its `:time` when every
//! record has one (see below). This is the event-ordered
//! view of Herlihy & Wing's histories that Knossos and Porcupine check.
//!
//! The mapping, in one place for every Jepsen-like format (this file, the
//! text logs of [`super::jepsen_log`] and [`super::porcupine_kv`]):
//!
//! * `:type` `:invoke` / `:ok` / `:fail` / `:info`. `:fail` follows
//!   [`FailSemantics`]; `:info` is an unknown outcome (`Outcome::Info`,
//!   whose return time is the `:info` line's position: the moment the
//!   client gave up, kept for reports; by the history's semantics the
//!   operation may still take effect later). After an `:info`
//!   Jepsen retires the process and continues under a new id: nothing
//!   special is needed, the old id simply never appears again.
//! * `:f`: `:read`/`:get` → read, `:write`/`:put` → write, `:cas` (value
//!   `[from to]`), `:append`, `:add`, `:enqueue`, `:dequeue`, `:acquire`,
//!   `:release`, and `:txn` with `[:r k v]` / `[:w k v]` micro-operations
//!   (Elle's spelling; Knossos's multi-register histories write
//!   `[:read k v]` / `[:write k v]`, accepted alike: the multi-register
//!   model). Elle list-append transactions (`:append`
//!   micro-operations) need a transactional checker and are rejected with a
//!   "not supported yet" error, never skipped. A completion whose `:f`
//!   differs from its invoke is an error.
//! * Values: integers, strings, keywords (as the string `:name`), vectors
//!   and lists (as lists), sets (as sorted lists).
//! * Reads take their value from the completion (the invoke's value is
//!   ignored, as Knossos does); `nil` follows [`NilRead`].
//! * Keys: a `:key` field, or independent `[key value]` tuples (Jepsen's
//!   `jepsen.independent`). With `independent_keys: None` tuples are
//!   detected: every `:invoke` and `:ok` of a client process without `:key`
//!   carries a two-element vector whose first element is an integer, string
//!   or keyword, and a CAS's second element is itself a vector (a detected
//!   answer is noted in `metadata.extra` as `jepsen-independent-keys`). A history
//!   whose only operations write two-element lists would be detected as
//!   independent: pass `independent_keys: Some(false)` for it.
//! * `:process :nemesis` events are fault injections: they become
//!   [`Annotation`]s, not operations. Other processes may be integers,
//!   keywords or strings; their names are their EDN text (`82`).
//! * `:time` (ns): when every record has one and they never decrease in
//!   file order, they are the events' times: the history has timestamps in
//!   ns (`metadata.time_unit`), and flags in time units apply. Otherwise
//!   times are event positions (`History::has_timestamps` is false) and
//!   `metadata.extra` gets a `jepsen-time` note saying why, when some
//!   record had a `:time`. The range is summarized in `metadata.extra`
//!   (`jepsen-time-ns`). When `:index` disagrees with file order, file order is kept and
//!   `metadata.extra` gets a `jepsen-index` note. Any other key (`:error`,
//!   ...) is kept in `metadata.extra` as `("line N :key", "value text")`.

use super::edn::{self, Edn, EdnKind};
use super::semantics::{self, FailSemantics, NilRead, Semantics};
use super::{Format, ParseError, ParseOptions, Span, excerpt};
use crate::history::{
    Annotation, AnnotationKind, Call, Completion, History, HistoryBuilder, Invocation, KeyId,
    MicroKind, MicroOp, Observed, OpKind, Outcome, PairingError, Pending, ProcessId, Ret, TimeUnit,
    Value, ValueId,
};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// Parses a Jepsen EDN history with the options' semantics.
pub fn parse(source: &str, options: &ParseOptions) -> Result<History, ParseError> {
    let sem = semantics::resolve(Format::JepsenEdn, options)?;
    let config = |independent| MapConfig {
        sem: sem.clone(),
        independent,
        require_key: false,
        format: Format::JepsenEdn,
    };
    if let Some(independent) = sem.independent_keys {
        return parse_edn_records(source, config(independent));
    }
    // Detection needs every record, and so does the parse: rather than
    // read the input twice, the parse takes the answer of the first record
    // that votes and votes on every record as it goes. Only when that
    // guess was wrong, or the parse failed (its error may come from the
    // guess), is the input read again, with the answer of a full
    // detection: the result is always that of parsing with it.
    let guess = first_vote(source);
    let mut votes = TupleVotes::default();
    match map_records(source, config(guess), Some(&mut votes)) {
        Ok(history) if votes.independent() == guess => Ok(history),
        Ok(_) => parse_edn_records(source, config(votes.independent())),
        Err(e) => match detect_independent(source) {
            detected if detected == guess => Err(e),
            detected => parse_edn_records(source, config(detected)),
        },
    }
}

/// Reads EDN records with `config`: shared by this module and
/// [`super::porcupine_kv`].
pub(crate) fn parse_edn_records(source: &str, config: MapConfig) -> Result<History, ParseError> {
    map_records(source, config, None)
}

/// Maps every record to the history, counting each in `votes` (when
/// given) as [`detect_independent`] does.
fn map_records(
    source: &str,
    config: MapConfig,
    mut votes: Option<&mut TupleVotes>,
) -> Result<History, ParseError> {
    let mut mapper = Mapper::new(source, config);
    let mut lines = LineCursor::default();
    edn::read_records(source, |record| {
        let line = lines.line_of(source, record.span.start);
        let event = event_from_record(source, record, line)?;
        if let Some(votes) = votes.as_deref_mut() {
            votes.vote(&event);
        }
        mapper.event(event)
    })?;
    mapper.finish()
}

/// Detection of independent `[key value]` tuples (see the module docs).
/// Malformed input counts as "not independent": the real parse reports it.
fn detect_independent(source: &str) -> bool {
    let mut votes = TupleVotes::default();
    let _ = edn::read_records(source, |record| {
        let Ok(ev) = event_from_record(source, record, 0) else {
            votes.against = true;
            return Err(stop());
        };
        if votes.vote(&ev) { Ok(()) } else { Err(stop()) }
    });
    votes.independent()
}

/// The answer of [`detect_independent`] on the records up to the first
/// one that votes: the guess [`parse`] starts with.
fn first_vote(source: &str) -> bool {
    let mut votes = TupleVotes::default();
    let _ = edn::read_records(source, |record| {
        let Ok(ev) = event_from_record(source, record, 0) else {
            votes.against = true;
            return Err(stop());
        };
        votes.vote(&ev);
        if votes.seen || votes.against {
            Err(stop())
        } else {
            Ok(())
        }
    });
    votes.independent()
}

/// Running verdict of the independent-keys detection.
#[derive(Default)]
pub(crate) struct TupleVotes {
    seen: bool,
    against: bool,
}

impl TupleVotes {
    /// Counts one event; returns false once the answer is "no".
    pub(crate) fn vote(&mut self, ev: &Event<'_>) -> bool {
        if ev.process.is_nemesis()
            || ev.key.is_some()
            || !matches!(ev.kind, EventType::Invoke | EventType::Ok)
        {
            return !self.against;
        }
        let fits = match ev.value.as_ref().and_then(Edn::as_seq) {
            Some([k, v]) => {
                matches!(
                    k.kind,
                    EdnKind::Int(_) | EdnKind::Str(_) | EdnKind::Keyword(_)
                ) && (ev.f != "cas" || v.as_seq().is_some())
            }
            _ => false,
        };
        self.seen = true;
        self.against |= !fits;
        !self.against
    }

    pub(crate) fn independent(&self) -> bool {
        self.seen && !self.against
    }
}

fn stop() -> ParseError {
    ParseError::at("", Span { start: 0, end: 0 }, "stop")
}

/// Counts lines incrementally: records arrive in input order, so the line
/// of each is found from the previous one in time linear in the input.
#[derive(Default)]
pub(crate) struct LineCursor {
    offset: usize,
    line: u32,
}

impl LineCursor {
    pub(crate) fn line_of(&mut self, source: &str, offset: usize) -> u32 {
        if self.line == 0 || offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let newlines = source.as_bytes()[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u32;
        self.offset = offset;
        self.line
    }
}

/// How the events are mapped; see the module docs.
#[derive(Clone, Debug)]
pub(crate) struct MapConfig {
    pub sem: Semantics,
    pub independent: bool,
    /// Every client event must carry `:key` (Porcupine's kv logs).
    pub require_key: bool,
    pub format: Format,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Invoke,
    Ok,
    Fail,
    Info,
}

impl EventType {
    fn from_keyword(k: &str) -> Option<EventType> {
        Some(match k {
            "invoke" => EventType::Invoke,
            "ok" => EventType::Ok,
            "fail" => EventType::Fail,
            "info" => EventType::Info,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            EventType::Invoke => "invoke",
            EventType::Ok => "ok",
            EventType::Fail => "fail",
            EventType::Info => "info",
        }
    }
}

/// A process reference: Jepsen's integers, or any other EDN value (the
/// nemesis is the keyword `:nemesis`).
#[derive(Clone, Debug)]
pub(crate) enum ProcessRef<'a> {
    Int(i64),
    Named(Cow<'a, str>),
}

impl ProcessRef<'_> {
    fn is_nemesis(&self) -> bool {
        matches!(self, ProcessRef::Named(n) if n == ":nemesis")
    }
}

/// One Jepsen event, whatever text it came from.
#[derive(Clone, Debug)]
pub(crate) struct Event<'a> {
    pub process: ProcessRef<'a>,
    pub kind: EventType,
    pub kind_span: Span,
    pub f: &'a str,
    pub f_span: Span,
    /// `None` when the record has no `:value`.
    pub value: Option<Edn<'a>>,
    pub key: Option<Edn<'a>>,
    pub time: Option<i64>,
    pub index: Option<i64>,
    /// Unknown fields: name and the span of the value's text.
    pub extra: Vec<(&'a str, Span)>,
    /// The whole record.
    pub span: Span,
    pub line: u32,
}

/// Reads one event map (possibly wrapped in a tag such as
/// `#jepsen.history.Op`).
fn event_from_record<'a>(
    source: &'a str,
    record: Edn<'a>,
    line: u32,
) -> Result<Event<'a>, ParseError> {
    let span = record.span;
    let fields = RecordFields::of(source, record_pairs(source, record)?);
    let missing = |what: &str| {
        ParseError::at(
            source,
            Span {
                start: span.start,
                end: span.start + 1,
            },
            format!("operation map has no {what}"),
        )
    };
    let process = record_process(source, fields.process.ok_or_else(|| missing(":process"))?)?;
    let kind_edn = fields.kind.ok_or_else(|| missing(":type"))?;
    let kind = record_type(source, &kind_edn)?;
    let f_edn = fields.f.ok_or_else(|| missing(":f"))?;
    let f_name = record_f(source, &f_edn)?;
    Ok(Event {
        process,
        kind,
        kind_span: kind_edn.span,
        f: f_name,
        f_span: f_edn.span,
        value: fields.value,
        key: fields.key,
        time: fields.time,
        index: fields.index,
        extra: fields.extra,
        span,
        line,
    })
}

/// The key-value pairs of a record: a map, or a map wrapped in a tag.
fn record_pairs<'a>(
    source: &'a str,
    record: Edn<'a>,
) -> Result<Vec<(Edn<'a>, Edn<'a>)>, ParseError> {
    match record.kind {
        EdnKind::Map(pairs) => Ok(pairs),
        EdnKind::Tagged(_, inner) if matches!(inner.kind, EdnKind::Map(_)) => match inner.kind {
            EdnKind::Map(pairs) => Ok(pairs),
            _ => unreachable!("checked by the guard"),
        },
        _ => Err(ParseError::at(
            source,
            record.span,
            format!("expected an operation map, found {}", record.kind_name()),
        )),
    }
}

/// The fields of a record that make an [`Event`], by name; every other
/// field is kept in `extra`.
#[derive(Default)]
struct RecordFields<'a> {
    process: Option<Edn<'a>>,
    kind: Option<Edn<'a>>,
    f: Option<Edn<'a>>,
    value: Option<Edn<'a>>,
    key: Option<Edn<'a>>,
    time: Option<i64>,
    index: Option<i64>,
    extra: Vec<(&'a str, Span)>,
}

impl<'a> RecordFields<'a> {
    fn of(source: &'a str, pairs: Vec<(Edn<'a>, Edn<'a>)>) -> RecordFields<'a> {
        let mut fields = RecordFields::default();
        for (k, v) in pairs {
            let Some(name) = k.as_keyword() else {
                fields
                    .extra
                    .push((&source[k.span.start..k.span.end], v.span));
                continue;
            };
            match name {
                "process" => fields.process = Some(v),
                "type" => fields.kind = Some(v),
                "f" => fields.f = Some(v),
                "value" => fields.value = Some(v),
                "key" => fields.key = Some(v),
                // A `:time` or `:index` that is not an integer is not Jepsen's:
                // it is kept like any unknown field.
                "time" | "index" => match (name, &v.kind) {
                    ("time", EdnKind::Int(t)) => fields.time = Some(*t),
                    ("index", EdnKind::Int(i)) => fields.index = Some(*i),
                    _ => fields.extra.push((name, v.span)),
                },
                _ => fields.extra.push((name, v.span)),
            }
        }
        fields
    }
}

/// A record's `:process`: an integer, a string, or a keyword or symbol
/// named by its text.
fn record_process<'a>(source: &'a str, process: Edn<'a>) -> Result<ProcessRef<'a>, ParseError> {
    match process.kind {
        EdnKind::Int(i) => Ok(ProcessRef::Int(i)),
        EdnKind::Str(s) => Ok(ProcessRef::Named(s)),
        EdnKind::Keyword(_) | EdnKind::Symbol(_) => Ok(ProcessRef::Named(Cow::Borrowed(
            &source[process.span.start..process.span.end],
        ))),
        _ => Err(ParseError::at(
            source,
            process.span,
            format!(
                "expected an integer, keyword or string as :process, found {}",
                process.kind_name()
            ),
        )),
    }
}

/// A record's `:type`.
fn record_type(source: &str, kind: &Edn<'_>) -> Result<EventType, ParseError> {
    kind.as_keyword()
        .and_then(EventType::from_keyword)
        .ok_or_else(|| {
            ParseError::at(
                source,
                kind.span,
                format!(
                    "expected :invoke, :ok, :fail or :info as :type, found {}",
                    excerpt(&source[kind.span.start..kind.span.end])
                ),
            )
        })
}

/// A record's `:f`: a keyword, a symbol or a string, as spelled.
fn record_f<'a>(source: &str, f: &Edn<'a>) -> Result<&'a str, ParseError> {
    match &f.kind {
        EdnKind::Keyword(k) | EdnKind::Symbol(k) => Ok(*k),
        EdnKind::Str(Cow::Borrowed(s)) => Ok(*s),
        _ => Err(ParseError::at(
            source,
            f.span,
            format!("expected a keyword as :f, found {}", f.kind_name()),
        )),
    }
}

/// Turns events into a history; see the module docs for the mapping.
pub(crate) struct Mapper<'a> {
    source: &'a str,
    config: MapConfig,
    builder: HistoryBuilder,
    int_processes: FxHashMap<i64, ProcessId>,
    /// The implicit key, once interned (asked for on every keyless invoke).
    implicit_key: Option<KeyId>,
    /// The `:f` of each process's latest invoke, as spelled: a completion
    /// repeats it (`:get` is not completed by `:read`). Whether the invoke
    /// is still outstanding is the builder's pairing.
    invoked_f: Vec<&'a str>,
    /// Position of the next record (all records, nemesis included).
    position: u64,
    ops_invoked: u32,
    time_range: Option<(i64, i64)>,
    /// The `:time` of every record so far, while every record has one and
    /// they never decrease; `Err` says why they cannot be used.
    times: Result<Vec<u64>, String>,
    index_first_mismatch: Option<(u32, i64, u64)>,
    index_mismatches: u64,
}

impl<'a> Mapper<'a> {
    pub(crate) fn new(source: &'a str, config: MapConfig) -> Mapper<'a> {
        Mapper {
            source,
            config,
            builder: HistoryBuilder::new(),
            int_processes: FxHashMap::default(),
            implicit_key: None,
            invoked_f: Vec::new(),
            position: 0,
            ops_invoked: 0,
            time_range: None,
            times: Ok(Vec::new()),
            index_first_mismatch: None,
            index_mismatches: 0,
        }
    }

    fn err(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError::at(self.source, span, message)
    }

    fn text(&self, span: Span) -> &'a str {
        &self.source[span.start..span.end]
    }

    /// Adds one event.
    pub(crate) fn event(&mut self, ev: Event<'a>) -> Result<(), ParseError> {
        let position = self.position;
        self.position += 1;
        if let Some(t) = ev.time {
            self.time_range = Some(match self.time_range {
                None => (t, t),
                Some((lo, hi)) => (lo.min(t), hi.max(t)),
            });
        }
        self.note_time(&ev);
        if let Some(i) = ev.index
            && i != position as i64
        {
            self.index_mismatches += 1;
            if self.index_first_mismatch.is_none() {
                self.index_first_mismatch = Some((ev.line, i, position));
            }
        }
        for &(name, span) in &ev.extra {
            self.builder.metadata.extra.push((
                format!("line {} :{name}", ev.line),
                self.text(span).to_string(),
            ));
        }
        if ev.process.is_nemesis() {
            let mut text = format!("nemesis {} {}", ev.kind.name(), ev.f);
            if let Some(v) = ev.value.as_ref().filter(|v| !v.is_nil()) {
                text.push(' ');
                text.push_str(self.text(v.span));
            }
            self.builder.annotations.push(Annotation {
                time: Some(position),
                ops_before: self.ops_invoked,
                kind: AnnotationKind::of_text(&text),
                text,
                line: ev.line,
            });
            return Ok(());
        }
        let process = self.process(&ev.process);
        if self.config.require_key && ev.key.is_none() {
            return Err(self.err(
                Span {
                    start: ev.span.start,
                    end: ev.span.start + 1,
                },
                format!("{} operation has no :key", self.config.format),
            ));
        }
        match ev.kind {
            EventType::Invoke => self.invoke(process, ev, position),
            _ => self.complete(process, ev, position),
        }
    }

    /// Keeps the record's `:time` while every record has a usable one.
    fn note_time(&mut self, ev: &Event<'_>) {
        let Ok(times) = &mut self.times else {
            return;
        };
        let line = ev.line;
        let why = match ev.time {
            None => format!("the record at line {line} has no :time"),
            Some(t) if t < 0 => format!("the record at line {line} has a negative :time {t}"),
            Some(t) => match times.last() {
                Some(&last) if (t as u64) < last => format!(
                    "the :time {t} at line {line} is before the previous record's :time {last}"
                ),
                _ => {
                    times.push(t as u64);
                    return;
                }
            },
        };
        self.times = Err(why);
    }

    fn process(&mut self, p: &ProcessRef<'_>) -> ProcessId {
        let id = match p {
            ProcessRef::Int(i) => {
                if let Some(&id) = self.int_processes.get(i) {
                    return id;
                }
                let id = self.builder.process(&i.to_string());
                self.int_processes.insert(*i, id);
                id
            }
            ProcessRef::Named(n) => self.builder.process(n),
        };
        if self.invoked_f.len() <= id.index() {
            self.invoked_f.resize(id.index() + 1, "");
        }
        id
    }

    /// Splits an event's value into its key and the value proper.
    fn key_and_value<'e>(
        &mut self,
        ev: &'e Event<'a>,
    ) -> Result<(Option<KeyId>, Option<&'e Edn<'a>>), ParseError> {
        if let Some(k) = &ev.key {
            let key = self.key(k)?;
            return Ok((Some(key), ev.value.as_ref()));
        }
        if !self.config.independent || ev.f == "txn" {
            return Ok((None, ev.value.as_ref()));
        }
        match ev.value.as_ref().map(|v| (v, v.as_seq())) {
            Some((_, Some([k, v]))) => {
                let key = self.key(k)?;
                Ok((Some(key), Some(v)))
            }
            // Failed and crashed completions may carry an error instead of
            // the tuple; their value is not used.
            _ if matches!(ev.kind, EventType::Fail | EventType::Info) => Ok((None, None)),
            Some((v, _)) => Err(self
                .err(
                    v.span,
                    format!(
                        "expected a [key value] tuple (independent keys), found {}",
                        v.kind_name()
                    ),
                )
                .with_note("help: pass --independent-keys false if values are not tuples")),
            None => Err(self.err(ev.span, "operation has no :value [key value] tuple")),
        }
    }

    fn key(&mut self, k: &Edn<'_>) -> Result<KeyId, ParseError> {
        let name: Cow<'_, str> = match &k.kind {
            EdnKind::Int(i) => Cow::Owned(i.to_string()),
            EdnKind::Str(s) => Cow::Borrowed(s),
            EdnKind::Keyword(s) | EdnKind::Symbol(s) => Cow::Borrowed(s),
            _ => {
                return Err(self.err(
                    k.span,
                    format!(
                        "expected an integer, string or keyword as a key, found {}",
                        k.kind_name()
                    ),
                ));
            }
        };
        Ok(self.builder.key(&name))
    }

    fn value(&mut self, v: &Edn<'_>) -> Result<ValueId, ParseError> {
        let value = self.edn_value(v)?;
        Ok(self.builder.value(value))
    }

    fn edn_value(&self, v: &Edn<'_>) -> Result<Value, ParseError> {
        Ok(match &v.kind {
            EdnKind::Int(i) => Value::Int(*i),
            EdnKind::Str(s) => Value::Str(s.as_ref().into()),
            EdnKind::Keyword(_) => Value::Str(self.text(v.span).into()),
            EdnKind::Vector(items) | EdnKind::List(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.edn_value(i))
                    .collect::<Result<_, _>>()?,
            ),
            // A set (a Jepsen set test's final read) has no order: it
            // becomes a sorted list, so equal sets are equal values.
            EdnKind::Set(items) => {
                let mut list = items
                    .iter()
                    .map(|i| self.edn_value(i))
                    .collect::<Result<Vec<_>, _>>()?;
                list.sort();
                list.dedup();
                Value::List(list)
            }
            _ => {
                return Err(self.err(
                    v.span,
                    format!(
                        "expected an integer, string, keyword, vector or set as a value, found {}",
                        v.kind_name()
                    ),
                ));
            }
        })
    }

    /// A read result: `nil` per the semantics (`txn` micro-reads use
    /// `nil_txn`).
    fn observed(&mut self, v: Option<&Edn<'_>>, nil: NilRead) -> Result<Observed, ParseError> {
        match v {
            None => Ok(match nil {
                NilRead::Absent => Observed::Absent,
                NilRead::Unknown => Observed::Unknown,
            }),
            Some(v) if v.is_nil() => self.observed(None, nil),
            Some(v) => Ok(Observed::Value(self.value(v)?)),
        }
    }

    fn required_value<'e>(
        &self,
        ev: &Event<'_>,
        v: Option<&'e Edn<'a>>,
    ) -> Result<&'e Edn<'a>, ParseError> {
        match v {
            Some(v) if !v.is_nil() => Ok(v),
            Some(v) => Err(self.err(
                v.span,
                format!("expected a value for :{}, found nil", excerpt(ev.f)),
            )),
            None => Err(self.err(
                ev.span,
                format!(":{} operation has no :value", excerpt(ev.f)),
            )),
        }
    }

    /// An `:invoke`: opens an operation of its process.
    fn invoke(
        &mut self,
        process: ProcessId,
        ev: Event<'a>,
        position: u64,
    ) -> Result<(), ParseError> {
        self.builder
            .pairing()
            .check_invoke(process)
            .map_err(|e| self.pairing_error(&ev, process, None, e))?;
        let (key, value) = self.key_and_value(&ev)?;
        let call = self.invoked_call(&ev, value)?;
        let key = match key {
            Some(k) => k,
            None => *self
                .implicit_key
                .get_or_insert_with(|| self.builder.implicit_key()),
        };
        self.builder
            .invoke(Invocation {
                process,
                key,
                call,
                time: position,
                line: ev.line,
            })
            .map_err(|e| self.err(ev.span, e.kind.to_string()))?;
        self.ops_invoked += 1;
        self.invoked_f[process.index()] = ev.f;
        Ok(())
    }

    /// The call an invoke of `ev.f` opens, with its arguments from `value`.
    fn invoked_call(
        &mut self,
        ev: &Event<'a>,
        value: Option<&Edn<'a>>,
    ) -> Result<Call, ParseError> {
        Ok(match ev.f {
            "read" | "get" => Call::Read,
            "write" | "put" => Call::Write(self.value(self.required_value(ev, value)?)?),
            "append" => Call::Append(self.value(self.required_value(ev, value)?)?),
            "add" => Call::Add(self.value(self.required_value(ev, value)?)?),
            "enqueue" => Call::Enqueue(self.value(self.required_value(ev, value)?)?),
            "dequeue" => Call::Dequeue,
            "acquire" => Call::Acquire,
            "release" => Call::Release,
            "cas" => self.cas_call(self.required_value(ev, value)?)?,
            "txn" => Call::Txn(self.micro_ops(self.required_value(ev, value)?, None)?),
            other => {
                let other = excerpt(other);
                return Err(self.err(
                    ev.f_span,
                    format!(
                        "unknown :f :{other}; expected :read, :write, :cas, :get, :put, :append, :add, :enqueue, :dequeue, :acquire, :release or :txn"
                    ),
                ));
            }
        })
    }

    /// The `[from to]` value of a `:cas`.
    fn cas_call(&mut self, v: &Edn<'_>) -> Result<Call, ParseError> {
        match v.as_seq() {
            Some([from, to]) => Ok(Call::Cas {
                expected: self.value(from)?,
                new: self.value(to)?,
            }),
            _ => Err(self.err(
                v.span,
                format!(
                    "expected [from to] as the value of a :cas, found {}",
                    excerpt(self.text(v.span))
                ),
            )),
        }
    }

    /// Transaction micro-operations `[[:r k v] [:w k v] ...]` (Elle) or
    /// `[[:read k v] [:write k v] ...]` (Knossos's multi-register). `nil` in
    /// a completed `:r` is absent by Elle's convention unless `--nil-read`
    /// says otherwise; in a completed `:read` it follows the file's `nil`
    /// reading, unconstrained by default as in Knossos ("nil reads are
    /// always legal"); in an invoke it is a placeholder (unknown).
    fn micro_ops(
        &mut self,
        v: &Edn<'_>,
        completed_nil: Option<NilRead>,
    ) -> Result<Vec<MicroOp>, ParseError> {
        let Some(items) = v.as_seq() else {
            return Err(self.err(
                v.span,
                format!(
                    "expected a vector of micro-operations as the value of a :txn, found {}",
                    v.kind_name()
                ),
            ));
        };
        let mut micro = Vec::with_capacity(items.len());
        for item in items {
            micro.push(self.micro_op(item, completed_nil)?);
        }
        Ok(micro)
    }

    /// One micro-operation `[f key value]` of [`Mapper::micro_ops`].
    fn micro_op(
        &mut self,
        item: &Edn<'_>,
        completed_nil: Option<NilRead>,
    ) -> Result<MicroOp, ParseError> {
        let (f, k, val) = match item.as_seq() {
            Some([f, k, val]) => (f, k, val),
            _ => {
                return Err(self.err(
                    item.span,
                    format!(
                        "expected a micro-operation [:r key value] or [:w key value], found {}",
                        excerpt(self.text(item.span))
                    ),
                ));
            }
        };
        let knossos = matches!(f.as_keyword(), Some("read" | "write"));
        let kind = self.micro_kind(f)?;
        let key = self.key(k)?;
        let value = match (kind, completed_nil) {
            (MicroKind::Write, _) => {
                if val.is_nil() {
                    return Err(self.err(
                        val.span,
                        "a write micro-operation must write a value, found nil",
                    ));
                }
                Observed::Value(self.value(val)?)
            }
            (MicroKind::Read, None) => Observed::Unknown,
            (MicroKind::Read, Some(_)) if knossos => {
                self.observed(Some(val), self.config.sem.nil_read)?
            }
            (MicroKind::Read, Some(nil)) => self.observed(Some(val), nil)?,
        };
        Ok(MicroOp { kind, key, value })
    }

    /// The kind of a micro-operation.
    fn micro_kind(&self, f: &Edn<'_>) -> Result<MicroKind, ParseError> {
        match f.as_keyword() {
            // Elle writes `:r` / `:w`; Knossos's multi-register
            // histories write `:read` / `:write`.
            Some("r" | "read") => Ok(MicroKind::Read),
            Some("w" | "write") => Ok(MicroKind::Write),
            Some("append") => Err(self
                .err(
                    f.span,
                    "transactions with :append micro-operations (Elle list-append) are not supported yet",
                )
                .with_note(
                    "note: they need a transactional checker (Elle); concord checks :txn histories of :r and :w micro-operations on the multi-register model",
                )),
            _ => Err(self.err(
                f.span,
                format!(
                    "unknown micro-operation {}; expected :r, :w, :read or :write",
                    excerpt(self.text(f.span))
                ),
            )),
        }
    }

    /// An `:ok`, `:fail` or `:info`: completes its process's outstanding
    /// operation.
    fn complete(
        &mut self,
        process: ProcessId,
        ev: Event<'a>,
        position: u64,
    ) -> Result<(), ParseError> {
        let pending = self
            .builder
            .pairing()
            .check_complete(process)
            .map_err(|e| self.pairing_error(&ev, process, None, e))?;
        if self.invoked_f[process.index()] != ev.f {
            return Err(self.f_mismatch(&ev, process, pending));
        }
        let (key, value) = self.key_and_value(&ev)?;
        if let Some(k) = key {
            pending
                .check_key(k)
                .map_err(|e| self.pairing_error(&ev, process, None, e))?;
        }
        let invoked = self.builder.op(pending.op).call.clone();
        let (outcome, call) = match ev.kind {
            EventType::Invoke => unreachable!("invokes are handled by invoke()"),
            EventType::Info => (Outcome::Info, None),
            EventType::Fail => (self.fail_outcome(&invoked), None),
            EventType::Ok => self.ok_outcome(&ev, process, pending, value, &invoked)?,
        };
        self.builder
            .complete(Completion {
                process,
                outcome,
                time: position,
                line: ev.line,
                call,
            })
            .map_err(|e| self.err(ev.span, e.kind.to_string()))?;
        Ok(())
    }

    /// The outcome of a `:fail` completion of `invoked`, by the `:fail`
    /// semantics.
    fn fail_outcome(&self, invoked: &Call) -> Outcome {
        match (self.config.sem.fail, invoked) {
            (FailSemantics::DidNotHappen, _) => Outcome::Fail,
            (FailSemantics::DefiniteAnswer, Call::Cas { .. } | Call::Acquire | Call::Release) => {
                Outcome::Ok(Ret::Bool(false))
            }
            (FailSemantics::DefiniteAnswer, Call::Read) => {
                Outcome::Ok(Ret::Value(Observed::Unknown))
            }
            (FailSemantics::DefiniteAnswer, _) => Outcome::Fail,
        }
    }

    /// The outcome of an `:ok` completion of `invoked` with `value`, and
    /// for a transaction the call with its reads' results.
    fn ok_outcome(
        &mut self,
        ev: &Event<'a>,
        process: ProcessId,
        pending: Pending,
        value: Option<&Edn<'a>>,
        invoked: &Call,
    ) -> Result<(Outcome, Option<Call>), ParseError> {
        let outcome = match invoked {
            Call::Read => Outcome::Ok(Ret::Value(self.observed(value, self.config.sem.nil_read)?)),
            // An empty queue answers nil: that is an observation.
            Call::Dequeue => Outcome::Ok(Ret::Value(self.observed(value, NilRead::Absent)?)),
            Call::Cas { .. } => {
                self.check_same_value(ev, process, pending, value, invoked)?;
                Outcome::Ok(Ret::Bool(true))
            }
            Call::Acquire | Call::Release => Outcome::Ok(Ret::Ack),
            Call::Txn(_) => {
                let nil = self.config.sem_nil_for_txn();
                let v = self.required_value(ev, value)?;
                let after = Call::Txn(self.micro_ops(v, Some(nil))?);
                pending
                    .check_call(invoked, &after)
                    .map_err(|e| self.pairing_error(ev, process, Some(v), e))?;
                return Ok((Outcome::Ok(Ret::Ack), Some(after)));
            }
            Call::Write(_) | Call::Append(_) | Call::Add(_) | Call::Enqueue(_) => {
                self.check_same_value(ev, process, pending, value, invoked)?;
                Outcome::Ok(Ret::Ack)
            }
        };
        Ok((outcome, None))
    }

    /// An `:ok` completion of a write-like call repeats the invoke's value;
    /// a different value means the log is not what we think it is.
    fn check_same_value(
        &mut self,
        ev: &Event<'_>,
        process: ProcessId,
        pending: Pending,
        value: Option<&Edn<'_>>,
        invoked: &Call,
    ) -> Result<(), ParseError> {
        let Some(v) = value.filter(|v| !v.is_nil()) else {
            return Ok(());
        };
        let again = match invoked {
            // `[from to]`: a `from` that differs decides before `to` is
            // read.
            Call::Cas { expected, .. } => match v.as_seq() {
                Some([a, b]) => match self.value(a)? {
                    a if a == *expected => Some(Call::Cas {
                        expected: a,
                        new: self.value(b)?,
                    }),
                    _ => None,
                },
                _ => None,
            },
            Call::Write(_) => Some(Call::Write(self.value(v)?)),
            Call::Append(_) => Some(Call::Append(self.value(v)?)),
            Call::Add(_) => Some(Call::Add(self.value(v)?)),
            Call::Enqueue(_) => Some(Call::Enqueue(self.value(v)?)),
            _ => return Ok(()),
        };
        match again {
            Some(again) => pending.check_call(invoked, &again),
            None => Err(PairingError::ArgumentsMismatch {
                outstanding: pending,
            }),
        }
        .map_err(|e| self.pairing_error(ev, process, Some(v), e))
    }

    /// A completion whose `:f` is not its invoke's, as spelled.
    fn f_mismatch(&self, ev: &Event<'_>, process: ProcessId, pending: Pending) -> ParseError {
        self.err(
            ev.f_span,
            format!(
                "completion :f :{} does not match the invoke's :f :{} (line {})",
                excerpt(ev.f),
                excerpt(self.invoked_f[process.index()]),
                pending.line
            ),
        )
    }

    /// An event that does not pair, at the part of the record that shows
    /// it; `value` is the completion's value, for differing arguments.
    fn pairing_error(
        &self,
        ev: &Event<'_>,
        process: ProcessId,
        value: Option<&Edn<'_>>,
        e: PairingError,
    ) -> ParseError {
        match e {
            PairingError::SecondInvoke { outstanding } => self.err(
                ev.kind_span,
                format!(
                    "process {} invokes :{} while its :{} from line {} is still outstanding",
                    excerpt(self.builder.process_name(process)),
                    excerpt(ev.f),
                    excerpt(self.invoked_f[process.index()]),
                    outstanding.line
                ),
            ),
            PairingError::NoOutstandingCall => self.err(
                ev.kind_span,
                format!(
                    "a :{} completion of :{} by a process with no outstanding invoke",
                    ev.kind.name(),
                    excerpt(ev.f)
                ),
            ),
            // Not raised here: the spellings of `:f` are compared first
            // (`f_mismatch`), and one spelling is one kind.
            PairingError::KindMismatch { outstanding, .. } => {
                self.f_mismatch(ev, process, outstanding)
            }
            PairingError::KeyMismatch {
                outstanding,
                completed,
            } => self.err(
                ev.key
                    .as_ref()
                    .or(ev.value.as_ref())
                    .map_or(ev.span, |e| e.span),
                format!(
                    "completion is for key {:?} but its invoke (line {}) was for key {:?}",
                    excerpt(self.builder.key_name(completed)),
                    outstanding.line,
                    excerpt(self.builder.key_name(outstanding.key))
                ),
            ),
            PairingError::ArgumentsMismatch { outstanding } => {
                self.arguments_mismatch(ev, value, outstanding)
            }
        }
    }

    /// A completion whose arguments (`value`, else the record) differ from
    /// those of the `outstanding` invoke.
    fn arguments_mismatch(
        &self,
        ev: &Event<'_>,
        value: Option<&Edn<'_>>,
        outstanding: Pending,
    ) -> ParseError {
        let span = value.map_or(ev.span, |v| v.span);
        if outstanding.kind == OpKind::Txn {
            self.err(
                span,
                format!(
                    "the completed transaction's micro-operations differ from its invoke's (line {}) in kind, key or written value",
                    outstanding.line
                ),
            )
        } else {
            self.err(
                span,
                format!(
                    "the :ok completion of :{} carries value {}, which differs from its invoke's",
                    excerpt(ev.f),
                    excerpt(self.text(span))
                ),
            )
        }
    }

    pub(crate) fn finish(mut self) -> Result<History, ParseError> {
        if let Some((lo, hi)) = self.time_range {
            self.builder
                .metadata
                .extra
                .push(("jepsen-time-ns".to_string(), format!("{lo}..{hi}")));
        }
        if self.config.independent && self.config.sem.independent_keys.is_none() {
            self.builder.metadata.extra.push((
                "jepsen-independent-keys".to_string(),
                "detected: every operation's :value is a [key value] tuple".to_string(),
            ));
        }
        if let Some((line, index, position)) = self.index_first_mismatch {
            self.builder.metadata.extra.push((
                "jepsen-index".to_string(),
                format!(
                    "{} record(s) have an :index that disagrees with their position in the file, the first at line {line} (:index {index}, position {position}); file order is kept as real-time order",
                    self.index_mismatches
                ),
            ));
        }
        if let Some(init) = &self.config.sem.initial {
            self.builder.metadata.initial =
                init.clone().into_value().map(|v| self.builder.value(v));
        } else if let Some(v) = semantics::default_initial(self.config.format) {
            self.builder.metadata.initial = Some(self.builder.value(v));
        }
        // With a `:time` on every record, never decreasing, the times are
        // timestamps (ns); else line order is real-time order and times are
        // event positions. Either way the order is the file's.
        match &self.times {
            Ok(times) if !times.is_empty() => {
                self.builder.map_times(|position| times[position as usize]);
                self.builder.metadata.time_unit = TimeUnit::Nanos;
            }
            Ok(_) => self.builder.set_event_positions(),
            Err(why) => {
                if self.time_range.is_some() {
                    self.builder.metadata.extra.push((
                        "jepsen-time".to_string(),
                        format!("{why}, so times are event positions"),
                    ));
                }
                self.builder.set_event_positions();
            }
        }
        self.builder
            .finish()
            .map_err(|e| ParseError::from_build(self.source, &e))
    }
}

impl MapConfig {
    /// `nil` inside a completed transaction: Elle's "absent", unless the
    /// user chose otherwise with `--nil-read`.
    fn sem_nil_for_txn(&self) -> NilRead {
        self.sem.nil_read_explicit.unwrap_or(NilRead::Absent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_default(src: &str) -> Result<History, ParseError> {
        parse(src, &ParseOptions::default())
    }

    #[test]
    fn knossos_semantics() {
        let h = parse_default(
            "[{:process 0, :type :invoke, :f :write, :value 1}
              {:process 0, :type :ok, :f :write, :value 1}
              {:process 1, :type :invoke, :f :read, :value nil}
              {:process 1, :type :ok, :f :read, :value nil}
              {:process 2, :type :invoke, :f :cas, :value [1 2]}
              {:process 2, :type :fail, :f :cas, :value [1 2]}
              {:process :nemesis, :type :info, :f :start, :value nil}
              {:process 3, :type :invoke, :f :write, :value 5}
              {:process 3, :type :info, :f :write, :value 5}
              {:process 4, :type :invoke, :f :read, :value 7}
              {:process 4, :type :ok, :f :read, :value 2}]",
        )
        .unwrap();
        assert_eq!(h.len(), 5);
        assert_eq!(h.annotations.len(), 1);
        assert_eq!(h.annotations[0].ops_before, 3);
        assert_eq!(h.annotations[0].text, "nemesis info start");
        assert_eq!(h.ops()[1].observed(), Some(Observed::Unknown));
        assert!(h.ops()[2].is_fail());
        assert!(h.ops()[3].is_unknown());
        assert_eq!(h.describe(h.ops()[4].id), "4 read -> 2");
        assert_eq!((h.ops()[4].invoke, h.ops()[4].ret), (9, Some(10)));
        assert_eq!(h.metadata.initial, None);
    }

    #[test]
    fn set_reads_are_sorted_lists() {
        let h = parse_default(
            "[{:process 0, :type :invoke, :f :add, :value 3}
              {:process 0, :type :ok, :f :add, :value 3}
              {:process 1, :type :invoke, :f :read, :value nil}
              {:process 1, :type :ok, :f :read, :value #{3 1 2}}]",
        )
        .unwrap();
        assert_eq!(h.describe(h.ops()[1].id), "1 read -> [1 2 3]");
    }

    #[test]
    fn independent_tuples_are_detected() {
        let src = "{:process 0, :type :invoke, :f :write, :value [7 1]}
                   {:process 0, :type :ok, :f :write, :value [7 1]}
                   {:process 1, :type :invoke, :f :cas, :value [7 [1 2]]}
                   {:process 1, :type :ok, :f :cas, :value [7 [1 2]]}
                   {:process 2, :type :invoke, :f :read, :value [8 nil]}
                   {:process 2, :type :ok, :f :read, :value [8 3]}";
        let h = parse_default(src).unwrap();
        assert!(h.has_keys());
        assert_eq!(h.describe(h.ops()[1].id), "1 cas 7 1 2 -> true");
        assert_eq!(h.describe(h.ops()[2].id), "2 read 8 -> 3");
        let off = ParseOptions {
            independent_keys: Some(false),
            ..ParseOptions::default()
        };
        let h = parse(src, &off).unwrap();
        assert!(!h.has_keys());
        assert_eq!(h.describe(h.ops()[1].id), "1 cas 7 [1 2] -> true");
    }

    #[test]
    fn a_late_record_against_tuples_decides_like_a_full_detection() {
        // The first records look like tuples, a later one does not: the
        // parse must be the one with tuples off, errors included.
        let src = "{:process 0, :type :invoke, :f :write, :value [7 1]}
                   {:process 0, :type :ok, :f :write, :value [7 1]}
                   {:process 1, :type :invoke, :f :write, :value 3}
                   {:process 1, :type :ok, :f :write, :value 3}";
        let off = ParseOptions {
            independent_keys: Some(false),
            ..ParseOptions::default()
        };
        let h = parse_default(src).unwrap();
        assert!(!h.has_keys());
        assert_eq!(
            h.describe(h.ops()[0].id),
            parse(src, &off).unwrap().describe(h.ops()[0].id)
        );
        // Wrong under the guess (tuples), fine without: no error.
        let src = "{:process 0, :type :invoke, :f :write, :value [7 1]}
                   {:process 0, :type :fail, :f :write, :value [8 1]}
                   {:process 1, :type :invoke, :f :read, :value nil}
                   {:process 1, :type :ok, :f :read, :value 3}";
        let h = parse_default(src).unwrap();
        assert_eq!(h.describe(h.ops()[0].id), "0 write [7 1] (fail)");
        // An error under both readings is the one without tuples.
        let src = "{:process 0, :type :invoke, :f :write, :value [7 1]}
                   {:process 0, :type :invoke, :f :write, :value 2}";
        let (a, b) = (
            parse_default(src).unwrap_err(),
            parse(src, &off).unwrap_err(),
        );
        assert_eq!((a.line, a.column, a.message), (b.line, b.column, b.message));
    }

    #[test]
    fn txn_reads_come_from_completion_and_append_is_refused() {
        let h = parse_default(
            "[{:process 0, :type :invoke, :f :txn, :value [[:w :x 1] [:r :y nil]]}
              {:process 0, :type :ok, :f :txn, :value [[:w :x 1] [:r :y nil]]}]",
        )
        .unwrap();
        assert_eq!(h.describe(h.ops()[0].id), "0 txn [w x 1 r y nil]");
        let e = parse_default("[{:process 0, :type :invoke, :f :txn, :value [[:append 1 2]]}]")
            .unwrap_err();
        assert!(e.message.contains("not supported yet"), "{e}");
        assert_eq!((e.line, e.column), (1, 48));
    }
}
