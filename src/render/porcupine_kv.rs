//! Porcupine key-value log writer: a kv [`History`] as the lines that
//! Porcupine's kv tests (and [`crate::parse::porcupine_kv`]) read.
//!
//! ```text
//! {:process 0, :type :invoke, :f :put, :key "x", :value "1"}
//! {:process 1, :type :invoke, :f :get, :key "x", :value nil}
//! {:process 0, :type :ok, :f :put, :key "x", :value "1"}
//! {:process 1, :type :ok, :f :get, :key "x", :value "1"}
//! ```
//!
//! One invoke per operation and one `:ok` per operation that completed, in
//! real-time order (completions before invokes at one instant, as
//! `render::hist::event_order` orders them; line order is all the format
//! has for time). Processes are written as integers: their own names when
//! every one is a canonical non-negative integer, else their indexes in
//! order of appearance (a renaming, which changes no verdict). A read is
//! `:get` (invoked with `:value nil`), a write `:put`, an append
//! `:append`; values and keys are strings.
//!
//! The format holds less than a `History`, and the writer refuses, with
//! [`NotExpressible`], what it would change rather than drop it: calls
//! other than get, put and append; values that are not strings; a read of
//! an absent or unrecorded value; a failed operation; an initial value
//! other than `""` (Porcupine's kv model starts every key at `""`); and
//! annotations. An operation of unknown outcome is written without its
//! completion: a pending call, which Porcupine reads with the same meaning.

use super::hist::event_order;
use crate::history::{Call, History, Observed, Outcome, Ret, Value, ValueId};
use std::fmt::{self, Write as _};

/// Why a history has no Porcupine kv form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotExpressible(pub String);

impl fmt::Display for NotExpressible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot be written as a Porcupine kv log: {}", self.0)
    }
}

impl std::error::Error for NotExpressible {}

/// An EDN string literal.
fn edn_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Where an operation came from, for the errors.
fn at(history: &History, id: crate::history::OpId) -> String {
    let op = history.op(id);
    if op.source.line > 0 {
        format!("`{}` (line {})", history.describe(id), op.source.line)
    } else {
        format!("`{}`", history.describe(id))
    }
}

fn string_value(
    history: &History,
    v: ValueId,
    id: crate::history::OpId,
) -> Result<&str, NotExpressible> {
    match history.value(v) {
        Value::Str(s) => Ok(s),
        other => Err(NotExpressible(format!(
            "{} has the value {other}, which is not a string (Porcupine kv values are strings)",
            at(history, id)
        ))),
    }
}

/// The history as a Porcupine kv log; see the module docs.
pub fn to_porcupine_kv(history: &History) -> Result<String, NotExpressible> {
    if !history.annotations.is_empty() {
        return Err(NotExpressible(format!(
            "the history has {} annotation(s) (nemesis events), which the format has no line for",
            history.annotations.len()
        )));
    }
    let empty_or_none = |v: Option<ValueId>| {
        v.is_none_or(|v| matches!(history.value(v), Value::Str(s) if s.is_empty()))
    };
    if !empty_or_none(history.metadata.initial)
        || !history
            .metadata
            .initial_by_key
            .iter()
            .all(|&(_, v)| empty_or_none(Some(v)))
    {
        return Err(NotExpressible(
            "an initial value other than \"\" (Porcupine's kv model starts every key at \"\")"
                .to_string(),
        ));
    }
    let names: Vec<&str> = (0..history.process_count())
        .map(|p| history.process_name(crate::history::ProcessId(p as u32)))
        .collect();
    let numeric = names
        .iter()
        .all(|n| n.parse::<u64>().is_ok_and(|i| i.to_string() == *n));
    let mut out = String::with_capacity(history.len() * 140);
    for (_, _, id, completion) in event_order(history, !history.has_real_time()) {
        let op = history.op(id);
        let (f, arg) = match &op.call {
            Call::Read => ("get", None),
            Call::Write(v) => ("put", Some(*v)),
            Call::Append(v) => ("append", Some(*v)),
            other => {
                return Err(NotExpressible(format!(
                    "{} is a {} call; the format has get, put and append only",
                    at(history, id),
                    other.kind().name()
                )));
            }
        };
        let value = match (&op.outcome, completion) {
            (Outcome::Fail, _) => {
                return Err(NotExpressible(format!(
                    "{} failed; the format has no failed calls",
                    at(history, id)
                )));
            }
            // An unknown outcome is a pending call: no completion line.
            (Outcome::Info, true) => continue,
            (_, false) => match arg {
                Some(v) => Some(string_value(history, v, id)?),
                None => None,
            },
            (Outcome::Ok(Ret::Value(Observed::Value(v))), true) => {
                Some(string_value(history, *v, id)?)
            }
            (Outcome::Ok(Ret::Value(o)), true) => {
                return Err(NotExpressible(format!(
                    "{} read {}; Porcupine kv reads return a string",
                    at(history, id),
                    if *o == Observed::Absent {
                        "no value (nil)"
                    } else {
                        "a value that was not recorded"
                    }
                )));
            }
            (Outcome::Ok(_), true) => match arg {
                Some(v) => Some(string_value(history, v, id)?),
                None => None,
            },
        };
        let process = if numeric {
            names[op.process.0 as usize].to_string()
        } else {
            op.process.0.to_string()
        };
        let _ = write!(
            out,
            "{{:process {process}, :type {}, :f :{f}, :key ",
            if completion { ":ok" } else { ":invoke" }
        );
        edn_string(history.key_name(op.key), &mut out);
        out.push_str(", :value ");
        match value {
            Some(v) => edn_string(v, &mut out),
            None => out.push_str("nil"),
        }
        out.push_str("}\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{ParseOptions, porcupine_kv};

    #[test]
    fn round_trip_of_a_small_log() {
        let src = r#"{:process 0, :type :invoke, :f :append, :key "0", :value "x \"0\" y"}
{:process 1, :type :invoke, :f :get, :key "0", :value nil}
{:process 0, :type :ok, :f :append, :key "0", :value "x \"0\" y"}
{:process 1, :type :ok, :f :get, :key "0", :value ""}
{:process 1, :type :invoke, :f :put, :key "1", :value "a"}
"#;
        let h = porcupine_kv::parse(src, &ParseOptions::default()).unwrap();
        let text = to_porcupine_kv(&h).unwrap();
        assert_eq!(text, src);
    }

    #[test]
    fn refuses_what_it_cannot_say() {
        let h = crate::parse::hist::parse("p1 write x 1\np1 read x 1\n", &ParseOptions::default())
            .unwrap();
        let e = to_porcupine_kv(&h).unwrap_err();
        assert!(e.to_string().contains("not a string"), "{e}");
        let h =
            crate::parse::hist::parse("p1 cas x \"a\" \"b\"\n", &ParseOptions::default()).unwrap();
        assert!(to_porcupine_kv(&h).unwrap_err().0.contains("cas call"));
    }
}
