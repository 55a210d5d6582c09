//! Every input format on arbitrary text: a parse error or a history, never
//! a panic (ARCHITECTURE.md: parsers never panic and never skip a line).
#![no_main]

use concord::{Format, ParseOptions, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in Format::ALL {
        if let Err(e) = parse(text, format, &ParseOptions::default()) {
            // Errors point into the input.
            assert!(e.line as usize <= text.lines().count() + 1, "{e:?}");
        }
    }
});
