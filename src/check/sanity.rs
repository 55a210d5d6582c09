//! The checks that run first (DEFINITIONS.md, "always first", O(n)):
//!
//! * **ThinAirRead**: a read returns a value no write wrote (and that is
//!   not the key's initial value; a read of `nil` when the key starts with a
//!   value is thin air too).
//! * **AbortedRead**: a read returns a value written only by `fail` writes.
//! * **FutureRead** (session form): a read returns a value whose every
//!   write comes later in the reader's own session. The real-time form (every
//!   write invoked after the read returned) contains real time, so it is no
//!   violation of any guarantee here (docs/semantics.md); linearizability's
//!   search finds it, and the report shows it once as a note on the history
//!   ([`crate::order::relations::future_reads_in_real_time`]).
//!
//! Every weak model here requires each read to return a write it could
//! have seen, so each of these is a violation of every weak guarantee; the
//! checks report them under each guarantee they check, with the pattern
//! name. The detection itself is in [`crate::order::relations`]; this
//! module turns it into evidence and holds the preparation every weak check
//! shares ([`Prepared`]).

use crate::check::{CheckConfig, Edge, EdgeLabel, Guarantee, GuaranteeResult, Violation};
use crate::history::{History, KeyId, Observed, OpId};
use crate::order::relations::{BadRead, Registers, registers};

/// What every weak check starts from: the counted operations and their
/// relations, and the sanity violations.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub reg: Registers,
    pub sanity: Vec<Violation>,
}

/// Classifies the history once (O(n log n)).
pub fn prepare(history: &History) -> Prepared {
    let reg = registers(history);
    let sanity = sanity_violations(history, &reg);
    Prepared { reg, sanity }
}

/// The sanity violations of a classified history.
pub fn sanity_violations(history: &History, reg: &Registers) -> Vec<Violation> {
    reg.bad_reads()
        .map(|(r, bad)| {
            let read = describe_read(history, r);
            let (pattern, ops, edges, explanation) = match bad {
                BadRead::ThinAir => (
                    "ThinAirRead",
                    vec![r],
                    vec![],
                    format!("{read}, a value no operation wrote to that key"),
                ),
                BadRead::Aborted(w) => (
                    "AbortedRead",
                    vec![w, r],
                    vec![],
                    format!(
                        "{read}, a value only a failed write ({}) wrote",
                        where_is(history, w)
                    ),
                ),
                BadRead::Future(w) => (
                    "FutureRead",
                    vec![r, w],
                    vec![Edge {
                        from: r,
                        to: w,
                        label: EdgeLabel::SessionOrder,
                    }],
                    format!(
                        "{read}, but its own session writes that value only later ({})",
                        where_is(history, w)
                    ),
                ),
            };
            Violation {
                pattern: pattern.to_string(),
                key: Some(history.op(r).key),
                ops,
                edges,
                explanation,
                partial_order: Vec::new(),
            }
        })
        .collect()
}

/// Notes about the recording itself, not violations of any guarantee but
/// linearizability: each read that returned a value before any write of it
/// was invoked (the real-time form of FutureRead; a clock problem, or a
/// value read out of thin air). One sentence each, at most `max` of them
/// plus a count of the rest.
pub fn history_notes(history: &History, max: usize) -> Vec<String> {
    let future = crate::order::relations::future_reads_in_real_time(history);
    let mut notes: Vec<String> = future
        .iter()
        .take(max)
        .map(|&(r, w)| {
            format!(
                "{} returned before any write of that value was invoked (the first: {}): clock skew between the recording nodes, or a value predicted? Only linearizability has real time, so only it counts this as a violation",
                describe_read(history, r),
                where_is(history, w)
            )
        })
        .collect();
    if future.len() > max {
        notes.push(format!(
            "{} more reads returned a value before any write of it was invoked",
            future.len() - max
        ));
    }
    notes
}

/// `p2 read x=1 (line 4)`.
pub fn describe_read(history: &History, r: OpId) -> String {
    let op = history.op(r);
    let value = history.describe_observed(op.observed().unwrap_or(Observed::Unknown));
    format!(
        "{} read {}={}{}",
        history.process_name(op.process),
        key_name(history, op.key),
        value,
        line_suffix(history, r)
    )
}

/// `p1's write x=2 (line 3)`.
pub fn describe_write(history: &History, w: OpId) -> String {
    let op = history.op(w);
    let value = op
        .call
        .written_value()
        .map_or("?".to_string(), |v| history.value(v).to_string());
    format!(
        "{}'s write {}={}{}",
        history.process_name(op.process),
        key_name(history, op.key),
        value,
        line_suffix(history, w)
    )
}

/// `line 3` or the operation's description when it has no line.
pub fn where_is(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => history.describe(op),
        l => format!("{}, line {l}", history.describe(op)),
    }
}

/// The key's name, `x` for a keyless history.
pub fn key_name(history: &History, key: KeyId) -> String {
    match history.key_name(key) {
        "" => "x".to_string(),
        k => k.to_string(),
    }
}

fn line_suffix(history: &History, op: OpId) -> String {
    match history.op(op).source.line {
        0 => String::new(),
        l => format!(" (line {l})"),
    }
}

/// Turns the violations a check found into its result: sanity violations
/// first; no violation but reads left out for duplicate values is
/// `Unknown` naming the keys; a history with operations the weak checks do
/// not model is `NotChecked`.
pub fn finish(
    guarantee: Guarantee,
    prepared: &Prepared,
    history: &History,
    found: Vec<Violation>,
    config: &CheckConfig,
) -> GuaranteeResult {
    if let Some(why) = &prepared.reg.unsupported {
        return GuaranteeResult::not_checked(guarantee, why.clone());
    }
    let mut all = prepared.sanity.clone();
    all.extend(found);
    if !all.is_empty() {
        return GuaranteeResult::violated(guarantee, all, config.max_violations);
    }
    let keys = prepared.reg.ambiguous_keys();
    if !keys.is_empty() {
        let names: Vec<String> = keys.iter().take(5).map(|k| key_name(history, *k)).collect();
        let more = if keys.len() > 5 {
            format!(" and {} more", keys.len() - 5)
        } else {
            String::new()
        };
        let (k, v) = prepared.reg.ambiguous[0];
        return GuaranteeResult::unknown(
            guarantee,
            format!(
                "key {}{more} has a value written more than once (e.g. {}={}), so reads of it have several possible writers; no violation holds for every choice of writer, but one may exist for some choice",
                names.join(", "),
                key_name(history, k),
                history.value(v)
            ),
        );
    }
    GuaranteeResult::holds(guarantee)
}
