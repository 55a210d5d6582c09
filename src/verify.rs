//! Certificates for "holds", and their verification: a replay that shares
//! no code with the checkers (this module uses the history and the
//! guarantee vocabulary only; `tests/it/layers.rs` keeps it so).
//!
//! A certificate (`concord check --certificate OUT.json`, schema
//! `concord-certificate/1`, documented in `docs/certificate.md`) lists, for
//! each guarantee that held, either a total **order** of operations (for
//! `linearizable` and `sequential`), or the guarantee whose order implies
//! it (`implied_by`: a legal sequential order is a legal view for every
//! session, and an arbitration order, for every weaker guarantee of the
//! lattice). [`verify`] re-checks each entry from the definitions:
//!
//! * the order names each operation once, by id and input line, and those
//!   lines are the history's;
//! * every `ok` operation is in it, no `fail` operation is (it did not take
//!   effect), and an unknown-outcome operation is in it (took effect) or not
//!   (never did);
//! * **linearizable**: an `ok` operation that returned before another was
//!   invoked comes before it (real time); **sequential**: an `ok` operation
//!   comes before the later operations of its own process (session order;
//!   an unknown-outcome operation orders nothing after it);
//! * replaying the order on the data model from each key's initial value,
//!   every `ok` operation returns what it returned in the history.
//!
//! Replays exist for the register, the CAS register and the key-value map
//! of strings (`kv`); other models are reported as not verifiable.

use crate::guarantee::Guarantee;
use crate::history::{Call, History, KeyId, Model, Observed, OpId, Outcome, Ret, Value, ValueId};
use serde_json::Value as Json;
use std::collections::HashMap;

/// The schema name certificates carry.
pub const SCHEMA: &str = "concord-certificate/1";

/// What verifying one entry of a certificate found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub guarantee: String,
    /// `Ok(how)` when the entry verifies; `Err(why)` when it does not.
    pub outcome: Result<String, String>,
}

/// Builds a certificate: `orders` are `(guarantee, order)` for the
/// guarantees that held with a witness order; `implied` are
/// `(guarantee, by)`. `input` names how the history was read (format and
/// flags), so that `verify` reads it the same way.
pub fn certificate(
    history: &History,
    path: &str,
    model: Option<Model>,
    input: Json,
    orders: &[(Guarantee, Vec<OpId>)],
    implied: &[(Guarantee, Guarantee)],
) -> Json {
    let entries: Vec<Json> =
        orders
            .iter()
            .map(|(g, order)| {
                let ops: Vec<Json> = order
                    .iter()
                    .map(|&id| serde_json::json!([id.0, history.op(id).source.line]))
                    .collect();
                serde_json::json!({ "guarantee": g.name(), "order": ops })
            })
            .chain(implied.iter().map(
                |(g, by)| serde_json::json!({ "guarantee": g.name(), "implied_by": by.name() }),
            ))
            .collect();
    serde_json::json!({
        "schema": SCHEMA,
        "history": path,
        "operations": history.len(),
        "model": model.map(|m| m.name()),
        "input": input,
        "certificates": entries,
    })
}

/// Verifies every entry of `cert` against `history`. An `Err` is a
/// certificate that is not one (wrong schema, wrong history).
pub fn verify(history: &History, cert: &Json) -> Result<Vec<Checked>, String> {
    if cert["schema"] != SCHEMA {
        return Err(format!(
            "not a concord certificate: \"schema\" is {}, expected \"{SCHEMA}\"",
            cert["schema"]
        ));
    }
    if cert["operations"].as_u64() != Some(history.len() as u64) {
        return Err(format!(
            "the certificate is for a history of {} operations; this one has {}",
            cert["operations"],
            history.len()
        ));
    }
    let model = match cert["model"].as_str() {
        Some(name) => Model::from_name(name).ok_or(format!("unknown model `{name}`"))?,
        None => return Err("the certificate names no data model".into()),
    };
    let entries = cert["certificates"]
        .as_array()
        .ok_or("the certificate has no \"certificates\" list")?;
    let mut orders: HashMap<String, Result<(), String>> = HashMap::new();
    let mut out = Vec::new();
    for e in entries {
        let name = e["guarantee"].as_str().unwrap_or("").to_string();
        let outcome = if let Some(order) = e.get("order") {
            let r = check_order(history, model, &name, order);
            orders.insert(name.clone(), r.clone());
            r.map(|()| "the order verifies".to_string())
        } else if let Some(by) = e["implied_by"].as_str() {
            implied(&name, by, &orders)
        } else {
            Err("the entry has neither an \"order\" nor \"implied_by\"".into())
        };
        out.push(Checked {
            guarantee: name,
            outcome,
        });
    }
    Ok(out)
}

/// An `implied_by` entry: `by` verified earlier in the certificate with
/// an order, and the lattice says `by` implies `name`.
fn implied(
    name: &str,
    by: &str,
    orders: &HashMap<String, Result<(), String>>,
) -> Result<String, String> {
    let (Some(g), Some(b)) = (Guarantee::from_name(name), Guarantee::from_name(by)) else {
        return Err(format!("unknown guarantee `{name}` or `{by}`"));
    };
    if !b.implied_closure().contains(&g) {
        return Err(format!("{by} does not imply {name}"));
    }
    match orders.get(b.name()) {
        Some(Ok(())) => Ok(format!("implied by {by}, whose order verifies")),
        Some(Err(_)) => Err(format!("implied by {by}, whose order does not verify")),
        None => Err(format!(
            "implied by {by}, which has no order earlier in the certificate"
        )),
    }
}

/// Checks one total order for `guarantee` (linearizable or sequential).
fn check_order(
    history: &History,
    model: Model,
    guarantee: &str,
    order: &Json,
) -> Result<(), String> {
    let real_time = match guarantee {
        "linearizable" => true,
        "sequential" => false,
        other => return Err(format!("no order form for {other}")),
    };
    let order = read_order(history, order)?;
    let mut placed = vec![false; history.len()];
    for &id in &order {
        placed[id.index()] = true;
    }
    for op in history.ops() {
        // A read that completed with an unknown result constrains
        // nothing: it may be left out.
        let unconstrained = matches!(op.outcome, Outcome::Ok(Ret::Value(Observed::Unknown)));
        match (&op.outcome, placed[op.id.index()]) {
            (Outcome::Ok(_), false) if !unconstrained => {
                return Err(format!(
                    "{} is ok but not in the order",
                    name(history, op.id)
                ));
            }
            (Outcome::Fail, true) => {
                return Err(format!(
                    "{} failed (did not take effect) but is in the order",
                    name(history, op.id)
                ));
            }
            _ => {}
        }
    }
    if real_time {
        respects_real_time(history, &order)?;
    } else {
        respects_session_order(history, &order)?;
    }
    replay(history, model, &order)
}

/// `[[id, line], ...]` → ids, each once, with the history's lines.
fn read_order(history: &History, order: &Json) -> Result<Vec<OpId>, String> {
    let items = order.as_array().ok_or("\"order\" is not a list")?;
    let mut seen = vec![false; history.len()];
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let (Some(id), Some(line)) = (item[0].as_u64(), item[1].as_u64()) else {
            return Err(format!(
                "order entry {item} is not [operation id, input line]"
            ));
        };
        if id >= history.len() as u64 {
            return Err(format!(
                "operation {id} does not exist (the history has {})",
                history.len()
            ));
        }
        let id = OpId(id as u32);
        if u64::from(history.op(id).source.line) != line {
            return Err(format!(
                "operation {} is on line {}, not line {line}",
                id.0,
                history.op(id).source.line
            ));
        }
        if std::mem::replace(&mut seen[id.index()], true) {
            return Err(format!("{} is in the order twice", name(history, id)));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// No `ok` operation comes after one invoked after it returned.
fn respects_real_time(history: &History, order: &[OpId]) -> Result<(), String> {
    // The latest invoke among the operations placed so far.
    let mut latest: Option<OpId> = None;
    for &id in order {
        let op = history.op(id);
        if let (Outcome::Ok(_), Some(ret), Some(l)) = (&op.outcome, op.ret, latest)
            && ret < history.op(l).invoke
        {
            return Err(format!(
                "{} returned before {} was invoked, but comes after it (real time)",
                name(history, id),
                name(history, l)
            ));
        }
        if latest.is_none_or(|l| op.invoke > history.op(l).invoke) {
            latest = Some(id);
        }
    }
    Ok(())
}

/// No `ok` operation comes after a later operation of its own process.
fn respects_session_order(history: &History, order: &[OpId]) -> Result<(), String> {
    // Per process: the latest (invoke, id) placed so far.
    let mut latest: HashMap<u32, OpId> = HashMap::new();
    let key = |id: OpId| (history.op(id).invoke, id);
    for &id in order {
        let op = history.op(id);
        let last = latest.get(&op.process.0).copied();
        if let (Outcome::Ok(_), Some(l)) = (&op.outcome, last)
            && key(id) < key(l)
        {
            return Err(format!(
                "{} comes after {}, a later operation of its own process (session order)",
                name(history, id),
                name(history, l)
            ));
        }
        if last.is_none_or(|l| key(id) > key(l)) {
            latest.insert(op.process.0, id);
        }
    }
    Ok(())
}

/// A key's state in a replay.
#[derive(Clone, Debug, PartialEq)]
enum State {
    /// Register: the value held (`None`: absent).
    Value(Option<ValueId>),
    /// Key-value map: the string held (`None`: absent).
    Text(Option<String>),
}

/// Replays `order` and checks every `ok` operation's result.
fn replay(history: &History, model: Model, order: &[OpId]) -> Result<(), String> {
    let text = |v: ValueId| match history.value(v) {
        Value::Str(s) => Ok(s.to_string()),
        Value::Int(i) => Ok(i.to_string()),
        Value::List(_) => Err("the kv model has no list values".to_string()),
    };
    let initial = |k: KeyId| -> Result<State, String> {
        Ok(match model {
            Model::Register | Model::CasRegister => State::Value(history.initial(k)),
            Model::Kv => State::Text(history.initial(k).map(text).transpose()?),
            other => {
                return Err(format!(
                    "certificates cannot be verified for the {} model (register, cas-register and kv can)",
                    other.name()
                ));
            }
        })
    };
    let mut states: HashMap<KeyId, State> = HashMap::new();
    for &id in order {
        let op = history.op(id);
        let state = match states.entry(op.key) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(initial(op.key)?),
        };
        let bad = |what: String| {
            Err(format!(
                "replaying the order, {}: {what}",
                name(history, id)
            ))
        };
        match (&op.call, &mut *state) {
            (Call::Read, s) => {
                let Outcome::Ok(Ret::Value(seen)) = &op.outcome else {
                    continue;
                };
                let matches = match (seen, &*s) {
                    (Observed::Unknown, _) => true,
                    (Observed::Absent, State::Value(v)) => v.is_none(),
                    (Observed::Absent, State::Text(t)) => t.is_none(),
                    (Observed::Value(v), State::Value(held)) => *held == Some(*v),
                    (Observed::Value(v), State::Text(held)) => {
                        held.as_deref() == Some(text(*v)?.as_str())
                    }
                };
                if !matches {
                    return bad(format!("the key holds {}", show(history, s)));
                }
            }
            (Call::Write(v), State::Value(held)) => *held = Some(*v),
            (Call::Write(v), State::Text(held)) => *held = Some(text(*v)?),
            (Call::Append(v), State::Text(held)) => {
                held.get_or_insert_default().push_str(&text(*v)?)
            }
            (Call::Cas { expected, new }, State::Value(held)) if model == Model::CasRegister => {
                let equal = *held == Some(*expected);
                match &op.outcome {
                    Outcome::Ok(Ret::Bool(false)) if equal => {
                        return bad(format!(
                            "it answered false, but the register holds {}",
                            history.value(*expected)
                        ));
                    }
                    Outcome::Ok(Ret::Bool(true) | Ret::Ack) if !equal => {
                        let holds = show(history, &State::Value(*held));
                        return bad(format!("it succeeded, but the register holds {holds}"));
                    }
                    // A CAS that took effect with the expected value held
                    // installs its new value; otherwise it changes nothing.
                    _ if equal => *held = Some(*new),
                    _ => {}
                }
            }
            _ => {
                return bad(format!(
                    "a {} is not an operation of the {} model",
                    op.kind(),
                    model.name()
                ));
            }
        }
    }
    Ok(())
}

fn show(history: &History, s: &State) -> String {
    match s {
        State::Value(Some(v)) => history.value(*v).to_string(),
        State::Text(Some(t)) => format!("{t:?}"),
        State::Value(None) | State::Text(None) => "nothing (nil)".to_string(),
    }
}

fn name(history: &History, id: OpId) -> String {
    format!(
        "`{}` (line {})",
        history.describe(id),
        history.op(id).source.line
    )
}
