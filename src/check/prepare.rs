//! The preparation every polynomial check shares: the counted operations
//! and their relations (`order::relations`), the sanity violations
//! (`check::sanity`), and how a check's findings become its result.

use crate::check::result::{CheckConfig, GuaranteeResult, Violation};
use crate::check::sanity::sanity_violations;
use crate::check::sentence::key_name;
use crate::guarantee::Guarantee;
use crate::history::History;
use crate::order::relations::{Registers, registers};

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
        return GuaranteeResult::violated(guarantee, all, config.violations_max);
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
