//! JSON Lines writer, schema version 1: the inverse of
//! [`crate::parse::jsonl`], whose module docs (and `docs/jsonl.md`) define
//! the schema.
//!
//! The output always starts with a header line
//! (`{"concord":1,"form":"operations",...}`) carrying the metadata, then one
//! line per operation (in operation id order) or one line per event (in
//! time order, completions before invokes at equal times so that a process
//! that returns and calls again at the same instant stays well-formed), with
//! annotations where they occurred. Field order is fixed, so the output is
//! canonical: parsing it and writing again gives the same text.

use crate::history::{
    Call, History, MicroKind, MicroOp, Observed, Operation, Outcome, Ret, TimeUnit, Value,
};
use crate::parse::jsonl::SCHEMA_VERSION;
use serde_json::{Map, Value as Json};

/// Writes `history` as JSON Lines: one operation per line, or one event per
/// line when `events` is true.
pub fn write_jsonl(history: &History, events: bool) -> String {
    let mut out = String::new();
    out.push_str(&header(history, events));
    out.push('\n');
    if events {
        write_events(history, &mut out);
    } else {
        write_operations(history, &mut out);
    }
    out
}

fn header(h: &History, events: bool) -> String {
    let mut m = Map::new();
    m.insert("concord".into(), Json::from(SCHEMA_VERSION));
    m.insert(
        "form".into(),
        Json::from(if events { "events" } else { "operations" }),
    );
    if let Some(model) = &h.metadata.model {
        m.insert("model".into(), Json::from(model.name()));
    }
    if let Some(v) = h.metadata.initial {
        m.insert("initial".into(), json_value(h.value(v)));
    }
    if !h.metadata.initial_by_key.is_empty() {
        let by_key = h
            .metadata
            .initial_by_key
            .iter()
            .map(|(k, v)| (h.key_name(*k).to_string(), json_value(h.value(*v))))
            .collect();
        m.insert("initial_by_key".into(), Json::Object(by_key));
    }
    if h.metadata.time_unit != TimeUnit::Ticks {
        m.insert("unit".into(), Json::from(h.metadata.time_unit.name()));
    }
    if let Some(q) = h.metadata.quiescent_at {
        m.insert("quiescent".into(), Json::from(q));
    }
    if !h.has_real_time() {
        m.insert("real_time".into(), Json::from(false));
    }
    if !h.metadata.extra.is_empty() {
        let meta = h
            .metadata
            .extra
            .iter()
            .map(|(k, v)| (k.clone(), Json::from(v.as_str())))
            .collect();
        m.insert("meta".into(), Json::Object(meta));
    }
    Json::Object(m).to_string()
}

fn json_value(v: &Value) -> Json {
    match v {
        Value::Int(i) => Json::from(*i),
        Value::Str(s) => Json::from(&**s),
        Value::List(items) => Json::Array(items.iter().map(json_value).collect()),
    }
}

/// Appends `,"name":json` to a line being built.
fn field(line: &mut String, name: &str, value: &Json) {
    line.push_str(",\"");
    line.push_str(name);
    line.push_str("\":");
    line.push_str(&value.to_string());
}

/// `{"process":..,"f":..[,"key":..]` — the opening of every line.
fn open_line(h: &History, op: &Operation) -> String {
    let mut line = String::from("{\"process\":");
    line.push_str(&Json::from(h.process_name(op.process)).to_string());
    field(&mut line, "f", &Json::from(op.kind().name()));
    if h.has_keys() && !matches!(op.call, Call::Txn(_)) {
        field(&mut line, "key", &Json::from(h.key_name(op.key)));
    }
    line
}

fn micro_json(h: &History, micro: &[MicroOp], results: bool) -> Json {
    Json::Array(
        micro
            .iter()
            .map(|m| {
                let mut parts = vec![
                    Json::from(match m.kind {
                        MicroKind::Read => "r",
                        MicroKind::Write => "w",
                    }),
                    Json::from(h.key_name(m.key)),
                ];
                match m.value {
                    Observed::Value(v) if results || m.kind == MicroKind::Write => {
                        parts.push(json_value(h.value(v)))
                    }
                    Observed::Absent if results => parts.push(Json::Null),
                    _ => {}
                }
                Json::Array(parts)
            })
            .collect(),
    )
}

/// The call's arguments (`value`, `expected`/`new`, `ops`).
fn arguments(h: &History, op: &Operation, line: &mut String, results: bool) {
    match &op.call {
        Call::Write(v) | Call::Append(v) | Call::Add(v) | Call::Enqueue(v) => {
            field(line, "value", &json_value(h.value(*v)))
        }
        Call::Cas { expected, new } => {
            field(line, "expected", &json_value(h.value(*expected)));
            field(line, "new", &json_value(h.value(*new)));
        }
        Call::Txn(micro) => field(line, "ops", &micro_json(h, micro, results)),
        Call::Read | Call::Dequeue | Call::Acquire | Call::Release => {}
    }
}

/// The result fields of a completed operation (`value` of a read,
/// `result`).
fn results(h: &History, op: &Operation, line: &mut String) {
    match &op.outcome {
        Outcome::Ok(Ret::Value(Observed::Value(v))) => {
            field(line, "value", &json_value(h.value(*v)))
        }
        Outcome::Ok(Ret::Value(Observed::Absent)) => field(line, "value", &Json::Null),
        Outcome::Ok(Ret::Value(Observed::Unknown)) => field(line, "result", &Json::from("unknown")),
        Outcome::Ok(Ret::Bool(b)) => field(line, "result", &Json::from(*b)),
        Outcome::Ok(Ret::Ack) | Outcome::Fail | Outcome::Info => {}
    }
}

fn annotation_line(a: &crate::history::Annotation, out: &mut String) {
    out.push_str("{\"annotation\":");
    out.push_str(&Json::from(a.text.as_str()).to_string());
    if let Some(t) = a.time {
        field(out, "time", &Json::from(t));
    }
    out.push_str("}\n");
}

fn write_operations(h: &History, out: &mut String) {
    let mut notes = h.annotations.iter().peekable();
    for op in h.ops() {
        while let Some(a) = notes.next_if(|a| a.ops_before as usize <= op.id.index()) {
            annotation_line(a, out);
        }
        let mut line = open_line(h, op);
        arguments(h, op, &mut line, true);
        results(h, op, &mut line);
        field(&mut line, "invoke", &Json::from(op.invoke));
        field(&mut line, "return", &op.ret.map_or(Json::Null, Json::from));
        field(&mut line, "type", &Json::from(op.outcome.name()));
        line.push_str("}\n");
        out.push_str(&line);
    }
    for a in notes {
        annotation_line(a, out);
    }
}

fn write_events(h: &History, out: &mut String) {
    // (time, 0 = completion / 1 = invoke, op index): completions first at
    // equal times; explicit times keep the history's real-time meaning.
    let mut events: Vec<(u64, u8, usize)> = Vec::with_capacity(h.len() * 2);
    for op in h.ops() {
        events.push((op.invoke, 1, op.id.index()));
        if let Some(r) = op.ret {
            events.push((r, 0, op.id.index()));
        }
    }
    events.sort_unstable();
    let mut notes = h.annotations.iter().peekable();
    let mut invoked = 0usize;
    for (time, class, index) in events {
        let op = &h.ops()[index];
        if class == 1 {
            while let Some(a) = notes.next_if(|a| a.ops_before as usize <= invoked) {
                annotation_line(a, out);
            }
            invoked += 1;
        }
        let mut line = open_line(h, op);
        line.insert_str(
            line.find(",\"f\"").expect("open_line writes f"),
            &format!(
                ",\"type\":\"{}\"",
                if class == 1 {
                    "invoke"
                } else {
                    op.outcome.name()
                }
            ),
        );
        if class == 1 {
            arguments(h, op, &mut line, false);
        } else {
            if let Call::Txn(_) = op.call {
                arguments(h, op, &mut line, true);
            }
            results(h, op, &mut line);
        }
        field(&mut line, "time", &Json::from(time));
        line.push_str("}\n");
        out.push_str(&line);
    }
    for a in notes {
        annotation_line(a, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ParseOptions, jsonl};

    fn round_trip(text: &str, events: bool) {
        let h = jsonl::parse(text, &ParseOptions::default()).unwrap();
        assert_eq!(write_jsonl(&h, events), text);
    }

    #[test]
    fn operations_round_trip() {
        round_trip(
            r#"{"concord":1,"form":"operations","initial":0,"meta":{"line 3 extra":"7"},"model":"cas-register","unit":"ms"}
{"process":"p1","f":"write","key":"x","value":1,"invoke":0,"return":10,"type":"ok"}
{"annotation":"nemesis start","time":11}
{"process":"p2","f":"read","key":"x","value":null,"invoke":12,"return":15,"type":"ok"}
{"process":"p2","f":"read","key":"y","result":"unknown","invoke":16,"return":17,"type":"ok"}
{"process":"p3","f":"cas","key":"x","expected":1,"new":[2,"a"],"result":false,"invoke":20,"return":22,"type":"ok"}
{"process":"p1","f":"write","key":"y","value":"s","invoke":23,"return":24,"type":"fail"}
{"process":"p4","f":"txn","ops":[["r","x",1],["w","y",2],["r","z"],["r","x",null]],"invoke":30,"return":null,"type":"info"}
"#,
            false,
        );
    }

    #[test]
    fn events_round_trip() {
        round_trip(
            r#"{"concord":1,"form":"events"}
{"process":"1","type":"invoke","f":"write","value":1,"time":0}
{"process":"2","type":"invoke","f":"read","time":1}
{"process":"1","type":"ok","f":"write","time":2}
{"annotation":"nemesis info start"}
{"process":"3","type":"invoke","f":"cas","expected":1,"new":2,"time":3}
{"process":"2","type":"ok","f":"read","value":1,"time":4}
{"process":"3","type":"info","f":"cas","time":5}
{"process":"2","type":"invoke","f":"dequeue","time":5}
"#,
            true,
        );
    }
}
