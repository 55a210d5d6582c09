//! What the check targets share: reading the input as a concord-language
//! history, and the properties every result set must have.

use concord::report::lattice_contradictions;
use concord::{Format, GuaranteeResult, History, ParseOptions, Verdict, parse};

/// The input as a history in the concord language, when it is one with at
/// most `max_ops` operations.
pub fn history(data: &[u8], max_ops: usize) -> Option<History> {
    let text = std::str::from_utf8(data).ok()?;
    let h = parse(text, Format::Hist, &ParseOptions::default()).ok()?;
    (h.len() <= max_ops).then_some(h)
}

/// Every violated guarantee carries evidence (operations and a sentence),
/// and no guarantee holds while one it implies is violated.
pub fn assert_evidence_and_lattice(results: &[GuaranteeResult]) {
    for r in results {
        if r.verdict == Verdict::Violated {
            assert!(!r.violations.is_empty(), "{r:?}");
            for v in &r.violations {
                assert!(!v.ops.is_empty() && !v.explanation.is_empty(), "{v:?}");
            }
        }
    }
    assert_eq!(lattice_contradictions(results), vec![]);
}
