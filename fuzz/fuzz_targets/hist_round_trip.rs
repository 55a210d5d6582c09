//! The concord language: whatever parses prints back to text that parses
//! to the same history (print → parse is the identity). The event form
//! lists operations by time, so a history printed in it comes back with
//! its operations renumbered in invocation order; there the property is
//! that the printed events are a fixed point and nothing is lost.
#![no_main]

use concord::render::hist::{first_difference, to_hist, to_hist_events};
use concord::{Format, ParseOptions, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = ParseOptions::default();
    let Ok(h) = parse(text, Format::Hist, &options) else {
        return;
    };
    let printed = to_hist(&h);
    let back = parse(&printed, Format::Hist, &options)
        .unwrap_or_else(|e| panic!("printed history does not parse: {e:?}\n{printed}"));
    assert_eq!(first_difference(&h, &back), None, "printed:\n{printed}");
    assert_eq!(to_hist(&back), printed, "not a fixed point");
    if h.has_real_time() {
        let events = to_hist_events(&h);
        let back = parse(&events, Format::Hist, &options)
            .unwrap_or_else(|e| panic!("printed events do not parse: {e:?}\n{events}"));
        // The same operations, possibly renumbered: the interval-form
        // lines agree as multisets.
        let lines = |h: &concord::History| {
            let mut v: Vec<String> = to_hist(h).lines().map(str::to_string).collect();
            v.sort();
            v
        };
        assert_eq!(lines(&back), lines(&h), "printed:\n{events}");
        // Once renumbered, printing is a fixed point.
        let again = to_hist_events(&back);
        let back2 = parse(&again, Format::Hist, &options).expect("printed events parse");
        assert_eq!(to_hist_events(&back2), again, "not a fixed point");
    }
});
