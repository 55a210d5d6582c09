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
//! module turns it into evidence, which every polynomial check's
//! preparation carries ([`crate::check::prepare::Prepared`]).

use crate::check::pattern::Pattern;
use crate::check::result::Violation;
use crate::check::sentence::{Sentence, describe_read, where_is};
use crate::history::History;
use crate::order::edge::{Edge, EdgeLabel};
use crate::order::relations::{BadRead, Registers};

/// The sanity violations of a classified history.
pub fn sanity_violations(history: &History, reg: &Registers) -> Vec<Violation> {
    reg.bad_reads()
        .map(|(r, bad)| {
            let read = Sentence::new().read(r);
            let (pattern, ops, edges, explanation) = match bad {
                BadRead::ThinAir => (
                    Pattern::ThinAirRead,
                    vec![r],
                    vec![],
                    read.text(", a value no operation wrote to that key"),
                ),
                BadRead::Aborted(w) => (
                    Pattern::AbortedRead,
                    vec![w, r],
                    vec![],
                    read.text(", a value only a failed write (")
                        .where_is(w)
                        .text(") wrote"),
                ),
                BadRead::Future(w) => (
                    Pattern::FutureRead,
                    vec![r, w],
                    vec![Edge {
                        from: r,
                        to: w,
                        label: EdgeLabel::SessionOrder,
                    }],
                    read.text(", but its own session writes that value only later (")
                        .where_is(w)
                        .text(")"),
                ),
            };
            Violation {
                pattern,
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
