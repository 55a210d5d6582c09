//! JSON Lines histories, schema version 1 → [`History`]. The writer is
//! [`crate::render::jsonl`]; the full schema is in `docs/jsonl.md`.
//!
//! One JSON object per line, in one of two forms decided by the first
//! operation or event line (mixing them is an error):
//!
//! ```text
//! {"concord":1,"model":"cas-register","initial":0}                        optional header
//! {"process":"p1","f":"write","key":"x","value":1,"invoke":0,"return":10,"type":"ok"}
//! {"process":"p2","f":"read","key":"x","value":null,"invoke":12,"return":15,"type":"ok"}
//! {"process":"p3","f":"cas","key":"x","expected":1,"new":2,"invoke":30,"return":null}
//! {"annotation":"nemesis start partition","time":40}
//! ```
//!
//! * **Operation form**: a line with `invoke` (an integer time) is one
//!   operation; `return` is its return time, `null` or missing when it never
//!   returned (then `type` is `info` or missing). `type` is `ok` (took
//!   effect), `fail` (did not) or `info` (unknown outcome).
//! * **Event form**: a line with `type` `invoke`, `ok`, `fail` or `info`
//!   and no `invoke` field is one event; line order is real-time order. An
//!   optional integer `time` (on every event or on none) gives timestamps;
//!   without it the time is the event's position.
//! * `process` (string or integer) and `f` (`read`, `write`, `cas`,
//!   `append`, `add`, `enqueue`, `dequeue`, `acquire`, `release`, `txn`)
//!   are required; `key` (string or integer) is optional (keyless
//!   histories have one implicit key).
//! * Arguments: `value` for write, append, add, enqueue; `expected` and
//!   `new` for cas; `ops` for txn, a list of `["r", key, value]` and
//!   `["w", key, value]`.
//! * Results: a completed read or dequeue has `value` (`null` = absent) or
//!   `"result":"unknown"` (completed, value not recorded); a cas, acquire
//!   or release may have `"result": true|false` (missing = acknowledged,
//!   meaning true); in a completed txn a read is `["r", key, value]` with
//!   `null` = absent, or `["r", key]` = unknown.
//! * Values are integers, strings or arrays of values.
//! * Header (optional, first line): `concord` (schema version, must be 1),
//!   `form` (`operations` or `events`, checked when given), `model`,
//!   `initial` (`null` = absent), `initial_by_key` (object), `unit`
//!   (`ticks`, `ns`, `us`, `ms`, `s`), `quiescent` (time), `real_time`
//!   (false: times are positions without real-time meaning), `meta`
//!   (object of strings).
//! * `{"annotation": TEXT, "time": T}` lines are annotations (fault
//!   events) in either form; `time` is optional.
//! * Unknown fields are kept in `metadata.extra` as `("line N field",
//!   json)`; they are never an error. A field given twice in one line is
//!   an error, and so is a header anywhere but on the first line. Blank
//!   lines are allowed.
//!
//! Errors carry the line and column: JSON syntax errors at the column
//! serde_json reports, schema errors at the offending field.

use super::semantics;
use super::{Format, ParseError, ParseOptions, Span, excerpt};
use crate::history::{
    Annotation, AnnotationKind, BuildErrorKind, Call, Completion, History, HistoryBuilder,
    Invocation, KeyId, MicroKind, MicroOp, Model, Observed, OpKind, OpSpec, Outcome, PairingError,
    Pending, ProcessId, Ret, TimeUnit, Value, ValueId,
};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value as Json};
use std::borrow::Cow;
use std::fmt;

/// The schema version this module reads and [`crate::render::jsonl`]
/// writes.
pub const SCHEMA_VERSION: u64 = 1;

/// Fields with a meaning in operation or event lines.
const KNOWN: [&str; 13] = [
    "process",
    "f",
    "key",
    "value",
    "expected",
    "new",
    "result",
    "ops",
    "invoke",
    "return",
    "type",
    "time",
    "annotation",
];

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Form {
    Operations,
    Events,
}

/// Parses a JSON Lines history (schema version 1).
pub fn parse(source: &str, options: &ParseOptions) -> Result<History, ParseError> {
    // `--initial` is read first: a bad one is the first error.
    let sem = semantics::resolve(Format::Jsonl, options)?;
    let mut r = Reader {
        source,
        b: HistoryBuilder::new(),
        form: None,
        form_line: 0,
        explicit_times: None,
        last_time: 0,
        position: 0,
        ops: 0,
    };
    let mut start = 0;
    let mut first = true;
    for (i, raw) in source.split_inclusive('\n').enumerate() {
        let mut line_start = start;
        start += raw.len();
        let mut text = raw.trim_end_matches(['\n', '\r']);
        // A byte-order mark before the first line is not part of it.
        if i == 0
            && let Some(rest) = text.strip_prefix('\u{feff}')
        {
            text = rest;
            line_start += '\u{feff}'.len_utf8();
        }
        if text.trim().is_empty() {
            continue;
        }
        let line = Line {
            no: i as u32 + 1,
            start: line_start,
            text,
        };
        let object = r.object(&line)?;
        if first && object.contains_key("concord") {
            first = false;
            r.header(&line, object)?;
            continue;
        }
        first = false;
        r.line(&line, object)?;
    }
    if r.explicit_times == Some(false) {
        r.b.set_event_positions();
    }
    let mut h =
        r.b.finish()
            .map_err(|e| ParseError::from_build(source, &e))?;
    semantics::apply_initial(&mut h, sem.initial);
    Ok(h)
}

struct Line<'a> {
    no: u32,
    start: usize,
    text: &'a str,
}

struct Reader<'a> {
    source: &'a str,
    b: HistoryBuilder,
    form: Option<Form>,
    form_line: u32,
    /// Whether event lines carry `time` (decided by the first event).
    explicit_times: Option<bool>,
    last_time: u64,
    position: u64,
    ops: u32,
}

impl<'a> Reader<'a> {
    /// An event that does not pair, at the field that shows it.
    fn pairing_error(&self, line: &Line<'_>, process: ProcessId, e: PairingError) -> ParseError {
        let name = self.b.process_name(process);
        match e {
            PairingError::SecondInvoke { .. } => self.err(line, None, e.message(name)),
            PairingError::NoOutstandingCall => self.err(
                line,
                Some("type"),
                format!(
                    "process {} completes a call it never invoked",
                    excerpt(name)
                ),
            ),
            PairingError::KindMismatch {
                outstanding,
                completed,
            } => self.err(
                line,
                Some("f"),
                format!(
                    "completion of {completed} does not match the outstanding {} (line {})",
                    outstanding.kind, outstanding.line
                ),
            ),
            PairingError::KeyMismatch { .. } => self.err(
                line,
                Some("key"),
                "completion names a different key than its invoke",
            ),
            PairingError::ArgumentsMismatch { outstanding } if outstanding.kind == OpKind::Cas => {
                self.err(
                    line,
                    Some("expected"),
                    "completion's expected/new differ from its invoke's",
                )
            }
            PairingError::ArgumentsMismatch { .. } => self.err(
                line,
                Some("value"),
                "completion's value differs from its invoke's",
            ),
        }
    }

    /// An error at field `field` of the line (at the line's start when the
    /// field is not found).
    fn err(&self, line: &Line<'_>, field: Option<&str>, message: impl Into<String>) -> ParseError {
        let (from, len) = field
            .and_then(|f| {
                let quoted = format!("\"{f}\"");
                line.text.find(&quoted).map(|i| (i, quoted.len()))
            })
            .unwrap_or((0, 0));
        ParseError::at(
            self.source,
            Span {
                start: line.start + from,
                end: line.start + from + len,
            },
            message,
        )
    }

    fn object<'l>(&self, line: &Line<'l>) -> Result<Obj<'l>, ParseError> {
        if !line.text.trim_start().starts_with('{')
            && let Ok(other) = serde_json::from_str::<Json>(line.text)
        {
            return Err(self.err(
                line,
                None,
                format!("expected a JSON object, found {}", json_kind(&other)),
            ));
        }
        match serde_json::from_str::<Obj<'l>>(line.text) {
            Ok(obj) => Ok(obj),
            Err(e) => {
                // serde_json counts columns in bytes from 1 within the line.
                let at = (e.column().max(1) - 1).min(line.text.len());
                let at = (0..=at)
                    .rev()
                    .find(|&i| line.text.is_char_boundary(i))
                    .unwrap_or(0);
                Err(ParseError::at(
                    self.source,
                    Span {
                        start: line.start + at,
                        end: line.start + at,
                    },
                    format!("invalid JSON: {}", strip_position(&e.to_string())),
                ))
            }
        }
    }

    /// The header line: the schema version first, then every field in
    /// turn.
    fn header(&mut self, line: &Line<'_>, h: Obj<'_>) -> Result<(), ParseError> {
        let h = h.into_map();
        match h.get("concord").and_then(Json::as_u64) {
            Some(SCHEMA_VERSION) => {}
            _ => {
                return Err(self.err(
                    line,
                    Some("concord"),
                    format!(
                        "unsupported schema version {}; this concord reads version {SCHEMA_VERSION}",
                        excerpt(&h["concord"].to_string())
                    ),
                ));
            }
        }
        for (name, v) in &h {
            self.header_field(line, name, v)?;
        }
        Ok(())
    }

    /// One header field; a field without a meaning is kept in
    /// `metadata.extra`.
    fn header_field(&mut self, line: &Line<'_>, name: &str, v: &Json) -> Result<(), ParseError> {
        match name {
            "concord" => Ok(()),
            "form" => self.header_form(line, v),
            "model" => self.header_model(line, v),
            "initial" => self.header_initial(line, v),
            "initial_by_key" => self.header_initial_by_key(line, v),
            "unit" => self.header_unit(line, v),
            "quiescent" => self.header_quiescent(line, v),
            "real_time" => self.header_real_time(line, v),
            "meta" => self.header_meta(line, v),
            other => {
                self.b
                    .metadata
                    .extra
                    .push((format!("header {other}"), v.to_string()));
                Ok(())
            }
        }
    }

    /// `form`: `operations` or `events`, checked against the lines.
    fn header_form(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        self.form = Some(match v.as_str() {
            Some("operations") => Form::Operations,
            Some("events") => Form::Events,
            _ => {
                return Err(self.err(
                    line,
                    Some("form"),
                    "expected \"operations\" or \"events\" as form",
                ));
            }
        });
        self.form_line = line.no;
        Ok(())
    }

    /// `model`: the name of a data model.
    fn header_model(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        let m = v
            .as_str()
            .ok_or_else(|| self.err(line, Some("model"), "expected a string as model"))?;
        let model = Model::from_name(m).ok_or_else(|| {
            self.err(
                line,
                Some("model"),
                format!(
                    "unknown data model {} (the models are {})",
                    super::excerpt(m),
                    Model::names().join(", ")
                ),
            )
        })?;
        self.b.metadata.model = Some(model);
        Ok(())
    }

    /// `initial`: the initial value of every key (`null` = absent).
    fn header_initial(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        self.b.metadata.initial = match v {
            Json::Null => None,
            v => Some(self.value(line, "initial", v)?),
        };
        Ok(())
    }

    /// `initial_by_key`: an object of key: initial value.
    fn header_initial_by_key(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        let name = "initial_by_key";
        let Some(map) = v.as_object() else {
            return Err(self.err(line, Some(name), "expected an object of key: value"));
        };
        for (k, v) in map {
            let key = self.b.key(k);
            let value = self.value(line, name, v)?;
            self.b.metadata.initial_by_key.push((key, value));
        }
        Ok(())
    }

    /// `unit`: the unit of the times.
    fn header_unit(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        self.b.metadata.time_unit = v.as_str().and_then(TimeUnit::from_name).ok_or_else(|| {
            self.err(
                line,
                Some("unit"),
                "expected one of \"ticks\", \"ns\", \"us\", \"ms\", \"s\" as unit",
            )
        })?;
        Ok(())
    }

    /// `quiescent`: the time from which the system was quiescent.
    fn header_quiescent(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        let t = v.as_u64().ok_or_else(|| {
            self.err(
                line,
                Some("quiescent"),
                "expected a non-negative integer time",
            )
        })?;
        self.b.metadata.quiescent_at = Some(t);
        Ok(())
    }

    /// `real_time`: false when the times are positions without real-time
    /// meaning.
    fn header_real_time(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        let rt = v
            .as_bool()
            .ok_or_else(|| self.err(line, Some("real_time"), "expected true or false"))?;
        self.b.set_real_time(rt);
        Ok(())
    }

    /// `meta`: an object of strings (other values are kept as JSON text).
    fn header_meta(&mut self, line: &Line<'_>, v: &Json) -> Result<(), ParseError> {
        let Some(map) = v.as_object() else {
            return Err(self.err(line, Some("meta"), "expected an object of strings"));
        };
        for (k, v) in map {
            let text = match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            self.b.metadata.extra.push((k.clone(), text));
        }
        Ok(())
    }

    /// A line after the header: an annotation, an operation or an event.
    fn line(&mut self, line: &Line<'_>, obj: Obj<'_>) -> Result<(), ParseError> {
        if obj.contains_key("concord") {
            return Err(self.err(
                line,
                Some("concord"),
                "a header (a line with \"concord\") may only be the first line",
            ));
        }
        for (name, v) in &obj.unknown {
            self.b
                .metadata
                .extra
                .push((format!("line {} {name}", line.no), v.to_string()));
        }
        if let Some(text) = obj.get("annotation") {
            return self.annotation(line, &obj, text);
        }
        let form = if obj.contains_key("invoke") || obj.contains_key("return") {
            Form::Operations
        } else {
            Form::Events
        };
        self.check_form(line, form)?;
        match form {
            Form::Operations => self.operation(line, &obj),
            Form::Events => self.event(line, &obj),
        }
    }

    /// `{"annotation": TEXT, "time": T}`, in either form.
    fn annotation(
        &mut self,
        line: &Line<'_>,
        obj: &Obj<'_>,
        text: &Json,
    ) -> Result<(), ParseError> {
        let text = text
            .as_str()
            .ok_or_else(|| self.err(line, Some("annotation"), "expected a string as annotation"))?;
        let time = match obj.get("time") {
            None | Some(Json::Null) => None,
            Some(t) => Some(t.as_u64().ok_or_else(|| {
                self.err(line, Some("time"), "expected a non-negative integer time")
            })?),
        };
        self.b.annotations.push(Annotation {
            time,
            ops_before: self.ops,
            text: text.to_string(),
            kind: AnnotationKind::of_text(text),
            line: line.no,
        });
        Ok(())
    }

    /// The first operation or event line decides the form (unless the
    /// header did); a line of the other form is an error.
    fn check_form(&mut self, line: &Line<'_>, form: Form) -> Result<(), ParseError> {
        match self.form {
            None => {
                self.form = Some(form);
                self.form_line = line.no;
            }
            Some(f) if f != form => {
                let name = |f| match f {
                    Form::Operations => "operation",
                    Form::Events => "event",
                };
                return Err(self.err(
                    line,
                    None,
                    format!(
                        "an {} line in a file of {} lines (decided by line {})",
                        name(form),
                        name(f),
                        self.form_line
                    ),
                )
                .with_note("note: a file holds either one operation per line (with \"invoke\") or one event per line (with \"type\":\"invoke\"), not both"));
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn process(&mut self, line: &Line<'_>, obj: &Obj<'_>) -> Result<ProcessId, ParseError> {
        match obj.get("process") {
            Some(Json::String(s)) => Ok(self.b.process(s)),
            Some(Json::Number(n)) if n.is_i64() => Ok(self.b.process(&n.to_string())),
            Some(_) => Err(self.err(
                line,
                Some("process"),
                "expected a string or integer as process",
            )),
            None => Err(self.err(line, None, "missing field \"process\"")),
        }
    }

    fn key(&mut self, line: &Line<'_>, obj: &Obj<'_>) -> Result<KeyId, ParseError> {
        match obj.get("key") {
            None => Ok(self.b.implicit_key()),
            Some(Json::String(s)) => Ok(self.b.key(s)),
            Some(Json::Number(n)) if n.is_i64() => Ok(self.b.key(&n.to_string())),
            Some(_) => Err(self.err(line, Some("key"), "expected a string or integer as key")),
        }
    }

    fn kind(&self, line: &Line<'_>, obj: &Obj<'_>) -> Result<OpKind, ParseError> {
        match obj.get("f") {
            Some(Json::String(s)) => OpKind::from_name(s).ok_or_else(|| {
                self.err(
                    line,
                    Some("f"),
                    format!("unknown f {:?}; expected read, write, cas, append, add, enqueue, dequeue, acquire, release or txn", excerpt(s)),
                )
            }),
            Some(_) => Err(self.err(line, Some("f"), "expected a string as f")),
            None => Err(self.err(line, None, "missing field \"f\"")),
        }
    }

    fn value(&mut self, line: &Line<'_>, field: &str, v: &Json) -> Result<ValueId, ParseError> {
        let value = self.plain_value(line, field, v)?;
        Ok(self.b.value(value))
    }

    fn plain_value(&self, line: &Line<'_>, field: &str, v: &Json) -> Result<Value, ParseError> {
        match v {
            Json::Number(n) => n.as_i64().map(Value::Int).ok_or_else(|| {
                self.err(
                    line,
                    Some(field),
                    format!("expected an integer in i64 range, found {n}"),
                )
            }),
            Json::String(s) => Ok(Value::Str(s.as_str().into())),
            Json::Array(items) => Ok(Value::List(
                items
                    .iter()
                    .map(|i| self.plain_value(line, field, i))
                    .collect::<Result<_, _>>()?,
            )),
            other => Err(self.err(
                line,
                Some(field),
                format!(
                    "expected an integer, string or array as {field}, found {}",
                    json_kind(other)
                ),
            )),
        }
    }

    fn required(
        &mut self,
        line: &Line<'_>,
        obj: &Obj<'_>,
        field: &str,
        f: OpKind,
    ) -> Result<ValueId, ParseError> {
        match obj.get(field) {
            Some(v) => self.value(line, field, v),
            None => Err(self.err(line, None, format!("a {f} needs \"{field}\""))),
        }
    }

    /// The call with its arguments. `results` says whether txn reads carry
    /// their results (a completed operation) or not (an invoke).
    fn call(
        &mut self,
        line: &Line<'_>,
        obj: &Obj<'_>,
        f: OpKind,
        results: bool,
    ) -> Result<Call, ParseError> {
        Ok(match f {
            OpKind::Read => Call::Read,
            OpKind::Dequeue => Call::Dequeue,
            OpKind::Acquire => Call::Acquire,
            OpKind::Release => Call::Release,
            OpKind::Write => Call::Write(self.required(line, obj, "value", f)?),
            OpKind::Append => Call::Append(self.required(line, obj, "value", f)?),
            OpKind::Add => Call::Add(self.required(line, obj, "value", f)?),
            OpKind::Enqueue => Call::Enqueue(self.required(line, obj, "value", f)?),
            OpKind::Cas => Call::Cas {
                expected: self.required(line, obj, "expected", f)?,
                new: self.required(line, obj, "new", f)?,
            },
            OpKind::Txn => {
                let Some(Json::Array(ops)) = obj.get("ops") else {
                    return Err(self.err(
                        line,
                        Some("ops"),
                        "a txn needs \"ops\", an array of [\"r\"|\"w\", key, value]",
                    ));
                };
                let mut micro = Vec::with_capacity(ops.len());
                for op in ops {
                    micro.push(self.micro(line, op, results)?);
                }
                Call::Txn(micro)
            }
        })
    }

    fn micro(&mut self, line: &Line<'_>, op: &Json, results: bool) -> Result<MicroOp, ParseError> {
        let bad = |r: &Self| {
            r.err(
                line,
                Some("ops"),
                "expected [\"r\", key, value], [\"r\", key] or [\"w\", key, value] in ops",
            )
        };
        let Json::Array(parts) = op else {
            return Err(bad(self));
        };
        let key = match parts.get(1) {
            Some(Json::String(s)) => self.b.key(s),
            Some(Json::Number(n)) if n.is_i64() => self.b.key(&n.to_string()),
            _ => return Err(bad(self)),
        };
        match (
            parts.first().and_then(Json::as_str),
            parts.get(2),
            parts.len(),
        ) {
            (Some("w"), Some(v), 3) if !v.is_null() => Ok(MicroOp {
                kind: MicroKind::Write,
                key,
                value: Observed::Value(self.value(line, "ops", v)?),
            }),
            (Some("r"), None, 2) => Ok(MicroOp {
                kind: MicroKind::Read,
                key,
                value: Observed::Unknown,
            }),
            (Some("r"), Some(v), 3) => {
                let value = if !results {
                    Observed::Unknown
                } else if v.is_null() {
                    Observed::Absent
                } else {
                    Observed::Value(self.value(line, "ops", v)?)
                };
                Ok(MicroOp {
                    kind: MicroKind::Read,
                    key,
                    value,
                })
            }
            _ => Err(bad(self)),
        }
    }

    /// The outcome of a completion of type `ty`.
    fn outcome(
        &mut self,
        line: &Line<'_>,
        obj: &Obj<'_>,
        f: OpKind,
        ty: &str,
    ) -> Result<Outcome, ParseError> {
        let result = obj.get("result");
        match ty {
            "fail" | "info" => {
                if matches!(f, OpKind::Read | OpKind::Dequeue)
                    && (obj.contains_key("value") || result.is_some())
                {
                    return Err(self.err(
                        line,
                        Some(if result.is_some() { "result" } else { "value" }),
                        format!("a {f} of type {ty} has no result"),
                    ));
                }
                Ok(if ty == "fail" {
                    Outcome::Fail
                } else {
                    Outcome::Info
                })
            }
            "ok" => Ok(Outcome::Ok(self.ok_ret(line, obj, f)?)),
            other => Err(self.err(
                line,
                Some("type"),
                format!(
                    "expected \"ok\", \"fail\" or \"info\" as type, found {:?}",
                    excerpt(other)
                ),
            )),
        }
    }

    /// What an `ok` completion of `f` returned.
    fn ok_ret(&mut self, line: &Line<'_>, obj: &Obj<'_>, f: OpKind) -> Result<Ret, ParseError> {
        let result = obj.get("result");
        match f {
            OpKind::Read | OpKind::Dequeue => self.read_ret(line, obj, f),
            OpKind::Cas | OpKind::Acquire | OpKind::Release => match result {
                None => Ok(Ret::Ack),
                Some(Json::Bool(b)) => Ok(Ret::Bool(*b)),
                Some(_) => Err(self.err(line, Some("result"), "expected true or false as result")),
            },
            _ => {
                if result.is_some() {
                    return Err(self.err(line, Some("result"), format!("a {f} has no result")));
                }
                Ok(Ret::Ack)
            }
        }
    }

    /// What an `ok` read or dequeue returned: `value` (`null` = absent)
    /// or `"result":"unknown"`.
    fn read_ret(&mut self, line: &Line<'_>, obj: &Obj<'_>, f: OpKind) -> Result<Ret, ParseError> {
        match (obj.get("result"), obj.get("value")) {
            (Some(Json::String(s)), None) if s == "unknown" => Ok(Ret::Value(Observed::Unknown)),
            (None, Some(Json::Null)) => Ok(Ret::Value(Observed::Absent)),
            (None, Some(v)) => Ok(Ret::Value(Observed::Value(self.value(line, "value", v)?))),
            (None, None) => Err(self.err(
                line,
                None,
                format!(
                    "a completed {f} needs \"value\" (null = absent) or \"result\":\"unknown\""
                ),
            )),
            _ => Err(self.err(
                line,
                Some("result"),
                format!("a {f} has either \"value\" or \"result\":\"unknown\""),
            )),
        }
    }

    fn time(&self, line: &Line<'_>, obj: &Obj<'_>, field: &str) -> Result<Option<u64>, ParseError> {
        match obj.get(field) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                self.err(
                    line,
                    Some(field),
                    format!("expected a non-negative integer as {field}"),
                )
            }),
        }
    }

    fn operation(&mut self, line: &Line<'_>, obj: &Obj<'_>) -> Result<(), ParseError> {
        let process = self.process(line, obj)?;
        let key = self.key(line, obj)?;
        let f = self.kind(line, obj)?;
        let call = self.call(line, obj, f, true)?;
        let invoke = self
            .time(line, obj, "invoke")?
            .ok_or_else(|| self.err(line, Some("invoke"), "missing invoke time"))?;
        let ret = self.time(line, obj, "return")?;
        let ty = match obj.get("type") {
            None => None,
            Some(Json::String(s)) => Some(s.as_str()),
            Some(_) => return Err(self.err(line, Some("type"), "expected a string as type")),
        };
        let outcome = match (ret, ty) {
            (None, None | Some("info")) => Outcome::Info,
            (None, Some(t)) => {
                return Err(self.err(
                    line,
                    Some("type"),
                    format!("an operation that never returned (\"return\": null) has type info, not {:?}", excerpt(t)),
                ));
            }
            (Some(_), None) => {
                return Err(self.err(line, None, "missing field \"type\" (ok, fail or info)"));
            }
            (Some(_), Some(t)) => self.outcome(line, obj, f, t)?,
        };
        self.b
            .push(OpSpec {
                process,
                key,
                call,
                outcome,
                invoke,
                ret,
                line: line.no,
            })
            .map_err(|e| {
                let field =
                    matches!(e.kind, BuildErrorKind::TimeGoesBackwards { .. }).then_some("invoke");
                self.err(line, field, e.kind.to_string())
            })?;
        self.ops += 1;
        Ok(())
    }

    /// An event line: an invoke or a completion, at its time.
    fn event(&mut self, line: &Line<'_>, obj: &Obj<'_>) -> Result<(), ParseError> {
        let ty = match obj.get("type") {
            Some(Json::String(s)) => s.clone(),
            Some(_) => return Err(self.err(line, Some("type"), "expected a string as type")),
            None => {
                return Err(self.err(
                    line,
                    None,
                    "expected an operation (with \"invoke\"), an event (with \"type\") or an annotation",
                ));
            }
        };
        let process = self.process(line, obj)?;
        let f = self.kind(line, obj)?;
        let time = self.event_time(line, obj)?;
        if ty == "invoke" {
            return self.invoke_event(line, obj, process, f, time);
        }
        self.complete_event(line, obj, process, f, &ty, time)
    }

    /// The time of an event: its `time` (on every event or on none, never
    /// before the previous event's), else its position.
    fn event_time(&mut self, line: &Line<'_>, obj: &Obj<'_>) -> Result<u64, ParseError> {
        let given = self.time(line, obj, "time")?;
        let explicit = *self.explicit_times.get_or_insert(given.is_some());
        let time = match (explicit, given) {
            (true, Some(t)) => {
                if t < self.last_time {
                    return Err(self.err(
                        line,
                        Some("time"),
                        format!("time {t} is before the previous event's time {}: events are in real-time order", self.last_time),
                    ));
                }
                t
            }
            (false, None) => self.position,
            (true, None) => {
                return Err(self.err(
                    line,
                    None,
                    "missing \"time\": the first event had one, so every event needs one",
                ));
            }
            (false, Some(_)) => {
                return Err(self.err(line, Some("time"), "this event has a time but the first event had none: give times on every event or on none"));
            }
        };
        self.last_time = time;
        self.position += 1;
        Ok(time)
    }

    /// An invoke event: the call, without results.
    fn invoke_event(
        &mut self,
        line: &Line<'_>,
        obj: &Obj<'_>,
        process: ProcessId,
        f: OpKind,
        time: u64,
    ) -> Result<(), ParseError> {
        let key = self.key(line, obj)?;
        if matches!(f, OpKind::Read | OpKind::Dequeue)
            && (obj.contains_key("value") || obj.contains_key("result"))
        {
            return Err(self.err(
                line,
                Some("value"),
                format!("a {f}'s invoke has no result; put it on the completion"),
            ));
        }
        let call = self.call(line, obj, f, false)?;
        self.b
            .invoke(Invocation {
                process,
                key,
                call,
                time,
                line: line.no,
            })
            .map_err(|e| match e.kind {
                BuildErrorKind::Pairing { error, .. } => self.pairing_error(line, process, error),
                other => self.err(line, None, other.to_string()),
            })?;
        self.ops += 1;
        Ok(())
    }

    /// A completion event of type `ty` (`ok`, `fail` or `info`): it pairs
    /// with its process's outstanding invoke.
    fn complete_event(
        &mut self,
        line: &Line<'_>,
        obj: &Obj<'_>,
        process: ProcessId,
        f: OpKind,
        ty: &str,
        time: u64,
    ) -> Result<(), ParseError> {
        let pairing = |r: &Self, e| r.pairing_error(line, process, e);
        let pending = self
            .b
            .pairing()
            .check_complete(process)
            .and_then(|pending| pending.check_kind(f).map(|()| pending))
            .map_err(|e| pairing(self, e))?;
        if obj.contains_key("key") {
            let key = self.key(line, obj)?;
            pending.check_key(key).map_err(|e| pairing(self, e))?;
        }
        let call = self.completion_call(line, obj, process, f, pending)?;
        let outcome = self.outcome(line, obj, f, ty)?;
        self.b
            .complete(Completion {
                process,
                outcome,
                time,
                line: line.no,
                call,
            })
            .map_err(|e| self.err(line, None, e.kind.to_string()))?;
        Ok(())
    }

    /// The call a completion replaces its invoke's with, if any.
    /// Arguments repeated on a completion must be the invoke's; a
    /// transaction's completion carries its reads' results and replaces
    /// the invoked micro-operations.
    fn completion_call(
        &mut self,
        line: &Line<'_>,
        obj: &Obj<'_>,
        process: ProcessId,
        f: OpKind,
        pending: Pending,
    ) -> Result<Option<Call>, ParseError> {
        let repeated = match f {
            OpKind::Write | OpKind::Append | OpKind::Add | OpKind::Enqueue => {
                obj.contains_key("value")
            }
            OpKind::Cas => obj.contains_key("expected") || obj.contains_key("new"),
            _ => false,
        };
        Ok(match f {
            OpKind::Txn if obj.contains_key("ops") => Some(self.call(line, obj, f, true)?),
            _ if repeated => {
                let again = self.call(line, obj, f, true)?;
                pending
                    .check_call(&self.b.op(pending.op).call, &again)
                    .map_err(|e| self.pairing_error(line, process, e))?;
                None
            }
            _ => None,
        })
    }
}

/// A JSON object split into the schema's fields (by position in
/// [`KNOWN`], plus `concord` last) and the others in input order. Lines are
/// small and the field names are known, so this beats a map: looking a
/// field up by a literal name folds to an array index. Field names borrow
/// from the input unless they contain escapes. Duplicate fields are an
/// error.
struct Obj<'a> {
    known: [Option<Json>; KNOWN.len() + 1],
    unknown: Vec<(Cow<'a, str>, Json)>,
}

/// The slot of a schema field in [`Obj::known`].
#[inline]
fn known_index(name: &str) -> Option<usize> {
    Some(match name {
        "process" => 0,
        "f" => 1,
        "key" => 2,
        "value" => 3,
        "expected" => 4,
        "new" => 5,
        "result" => 6,
        "ops" => 7,
        "invoke" => 8,
        "return" => 9,
        "type" => 10,
        "time" => 11,
        "annotation" => 12,
        "concord" => KNOWN.len(),
        _ => return None,
    })
}

impl<'a> Obj<'a> {
    #[inline]
    fn get(&self, name: &str) -> Option<&Json> {
        match known_index(name) {
            Some(i) => self.known[i].as_ref(),
            None => self.unknown.iter().find(|(k, _)| k == name).map(|(_, v)| v),
        }
    }

    #[inline]
    fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// All fields, schema fields first (for the header, read as a map).
    fn into_map(self) -> Map<String, Json> {
        let names = KNOWN.iter().chain(std::iter::once(&"concord"));
        let known = names
            .zip(self.known)
            .filter_map(|(name, v)| v.map(|v| (name.to_string(), v)));
        known
            .chain(self.unknown.into_iter().map(|(k, v)| (k.into_owned(), v)))
            .collect()
    }
}

/// A field name, borrowed when possible.
struct FieldName<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for FieldName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(FieldName(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Obj<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Obj<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut obj = Obj {
                    known: Default::default(),
                    unknown: Vec::new(),
                };
                while let Some(FieldName(name)) = map.next_key()? {
                    let duplicate = || de::Error::custom(format!("duplicate field `{name}`"));
                    match known_index(&name) {
                        Some(i) if obj.known[i].is_some() => return Err(duplicate()),
                        Some(i) => obj.known[i] = Some(map.next_value()?),
                        None if obj.unknown.iter().any(|(k, _)| *k == name) => {
                            return Err(duplicate());
                        }
                        None => {
                            let value = map.next_value()?;
                            obj.unknown.push((name, value));
                        }
                    }
                }
                Ok(obj)
            }
        }
        d.deserialize_map(V)
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_f64() => "a float",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// serde_json appends " at line L column C" to its messages; the position
/// is reported separately.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(src: &str) -> Result<History, ParseError> {
        parse(src, &ParseOptions::default())
    }

    #[test]
    fn operations_and_events() {
        let ops = r#"{"concord":1,"model":"cas-register","initial":0}
{"process":"p1","f":"write","key":"x","value":1,"invoke":0,"return":10,"type":"ok"}
{"process":"p2","f":"read","key":"x","value":null,"invoke":12,"return":15,"type":"ok"}
{"process":"p2","f":"read","key":"x","result":"unknown","invoke":16,"return":17,"type":"ok"}
{"process":"p3","f":"cas","key":"x","expected":1,"new":2,"result":false,"invoke":20,"return":22,"type":"ok"}
{"annotation":"nemesis start","time":25}
{"process":"p4","f":"txn","ops":[["r","x",1],["w","y",2],["r","z"]],"invoke":30,"return":null,"extra":7}
"#;
        let h = parse_str(ops).unwrap();
        assert_eq!(h.len(), 5);
        assert_eq!(h.metadata.model, Some(Model::CasRegister));
        assert_eq!(h.describe(h.ops()[1].id), "p2 read x -> nil");
        assert_eq!(h.describe(h.ops()[2].id), "p2 read x -> ?");
        assert_eq!(h.describe(h.ops()[3].id), "p3 cas x 1 2 -> false");
        assert_eq!(
            h.describe(h.ops()[4].id),
            "p4 txn [r x 1 w y 2 r z ?] (pending)"
        );
        assert_eq!(h.annotations[0].ops_before, 4);
        assert!(
            h.metadata
                .extra
                .contains(&("line 7 extra".to_string(), "7".to_string()))
        );
        let events = r#"{"process":"p1","type":"invoke","f":"write","key":"x","value":1}
{"process":"p2","type":"invoke","f":"read","key":"x"}
{"process":"p1","type":"ok","f":"write","key":"x","value":1}
{"process":"p2","type":"ok","f":"read","key":"x","value":1}
"#;
        let h = parse_str(events).unwrap();
        assert_eq!(h.describe(h.ops()[1].id), "p2 read x -> 1");
        assert_eq!((h.ops()[1].invoke, h.ops()[1].ret), (1, Some(3)));
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let cases: &[(&str, u32, u32, &str)] = &[
            ("{\"process\":\"p1\",}", 1, 17, "invalid JSON"),
            ("\n[1]", 2, 1, "expected a JSON object"),
            (
                "{\"process\":\"p1\",\"f\":\"frob\",\"invoke\":0}",
                1,
                17,
                "unknown f",
            ),
            (
                "{\"process\":\"p1\",\"f\":\"write\",\"invoke\":0,\"return\":1,\"type\":\"ok\"}",
                1,
                1,
                "needs \"value\"",
            ),
            ("{\"concord\":2}", 1, 2, "unsupported schema version"),
            (
                "{\"process\":\"p1\",\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":\"p1\",\"f\":\"read\",\"invoke\":0}",
                2,
                1,
                "operation line in a file of event lines",
            ),
            (
                "{\"process\":\"p1\",\"f\":\"read\",\"invoke\":0,\"return\":1,\"type\":\"ok\"}",
                1,
                1,
                "needs \"value\"",
            ),
            (
                "{\"process\":\"p1\",\"f\":\"write\",\"value\":1.5,\"invoke\":0}",
                1,
                29,
                "found 1.5",
            ),
        ];
        for &(src, line, column, msg) in cases {
            let e = parse_str(src).unwrap_err();
            assert_eq!((e.line, e.column), (line, column), "{src}: {e}");
            assert!(e.message.contains(msg), "{src}: {e}");
        }
    }
}
