//! Using concord as a library: parse a history written in the concord
//! language, check it, and print the verdicts.
//!
//! Run with `cargo run --example library`.

use concord::{CheckConfig, Guarantee, ParseOptions};

const HISTORY: &str = "\
%model register
%initial 0
p1 write x 1 @ 0..10
p2 write x 2 @ 20..30
p3 read x 1 @ 40..45     # stale: 2 overwrote 1 before this read began
";

fn main() {
    let history = match concord::parse(HISTORY, concord::Format::Hist, &ParseOptions::default()) {
        Ok(h) => h,
        Err(e) => {
            // A rustc-like snippet pointing at the offending token.
            eprint!(
                "{}",
                concord::render::diagnostic::render_parse_error(&e, HISTORY, "<inline>", false)
            );
            std::process::exit(2);
        }
    };
    println!(
        "{} operations by {} processes on {} key(s)",
        history.len(),
        history.process_count(),
        history.key_count()
    );
    let config = CheckConfig {
        guarantees: vec![
            Guarantee::Linearizable,
            Guarantee::Sequential,
            Guarantee::ReadYourWrites,
        ],
        ..CheckConfig::default()
    };
    for result in concord::check(&history, &config) {
        print!("{:<20} {}", result.guarantee.name(), result.verdict.name());
        if let Some(reason) = &result.reason {
            print!(" ({reason})");
        }
        println!();
        for v in &result.violations {
            println!("  {}: {}", v.pattern, v.explanation.render(&history));
            for op in &v.ops {
                println!("    {}", history.describe(*op));
            }
        }
    }
    // The canonical text of the history, as `concord convert --to hist` prints it.
    print!("{}", concord::render::hist::to_hist(&history));
}
