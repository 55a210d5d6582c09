//! `concord shrink`: reduce a violating history to a small one that still
//! violates (the library's [`concord::shrink`]), written as `.hist` text
//! with the input lines it kept.

use super::commands::{parse_duration, parse_guarantees, parse_memory, usage_error};
use super::input::{self, Loaded};
use super::{EXIT_INPUT, InputArgs, write_line};
use clap::Args;
use concord::check::{self, CheckConfig, GuaranteeResult};
use concord::report::human;
use concord::shrink::{NotShrunk, Shrunk, shrink};
use concord::{Guarantee, Verdict};
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  concord shrink history.edn -c lin -o small.hist
  concord shrink sim.hist              # the weakest violated guarantee
  concord check small.hist -c lin      # the shrunk history still violates")]
pub(super) struct ShrinkArgs {
    /// History file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// The guarantee the shrunk history must still violate (default: the
    /// weakest guarantee the input violates).
    #[arg(long, short = 'c', value_name = "GUARANTEE")]
    consistency: Option<String>,
    /// Data model for the strong checks (default: the header's, else inferred).
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,
    /// Time budget of the whole shrink (e.g. 10s, 2m; `none` for no
    /// limit). When it runs out, the smallest violating history found so
    /// far is written, marked incomplete.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    timeout: String,
    /// Memory budget of each check while shrinking (e.g. 512M, 4G; `none`;
    /// default: half of the machine's memory).
    #[arg(long, value_name = "SIZE", default_value = "auto")]
    max_memory: String,
    /// Write the shrunk history to FILE (the explanation then goes to
    /// standard output) instead of standard output (the explanation then
    /// goes to standard error).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(super) fn run(args: &ShrinkArgs, out: &mut dyn Write) -> io::Result<i32> {
    let started = Instant::now();
    let mut config = match config(args) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let loaded = match input::load(&args.file, &args.input) {
        Ok(l) => l,
        Err(e) => {
            eprint!("{}", e.render(false));
            return Ok(EXIT_INPUT);
        }
    };
    if loaded.history.is_empty() {
        eprintln!(
            "{}: the history has no operations: nothing to shrink",
            loaded.path
        );
        return Ok(3);
    }
    config.deadline = config.timeout.map(|t| started + t);
    let guarantee = match &args.consistency {
        Some(name) => match parse_guarantees(std::slice::from_ref(name)) {
            Ok(g) if g.len() == 1 => g[0],
            Ok(_) => return usage_error("-c takes one guarantee".to_string()),
            Err(e) => return usage_error(e),
        },
        None => match weakest_violated(&loaded, &config) {
            Ok(g) => {
                eprintln!(
                    "shrinking for {} (the weakest guarantee {} violates; choose another with -c)",
                    g.name(),
                    loaded.path
                );
                g
            }
            Err(code) => return Ok(code),
        },
    };
    match shrink(&loaded.history, guarantee, &config) {
        Ok(s) => write(args, &loaded, guarantee, &s, started, out),
        Err(NotShrunk::NotViolated(r)) => Ok(not_violated(&loaded, &r)),
    }
}

fn config(args: &ShrinkArgs) -> Result<CheckConfig, String> {
    let model = match &args.model {
        None => None,
        Some(name) => {
            Some(concord::Model::from_name(name).ok_or_else(|| format!("unknown model `{name}`"))?)
        }
    };
    Ok(CheckConfig {
        model,
        timeout: match args.timeout.as_str() {
            "none" => None,
            t => Some(parse_duration(t)?).filter(|d| !d.is_zero()),
        },
        memory_max_bytes: parse_memory(&args.max_memory)?,
        states_max: Some(10_000_000),
        ..CheckConfig::default()
    })
}

/// The violated guarantee that implies the fewest others (the weakest),
/// or the exit code to give when none is violated.
fn weakest_violated(loaded: &Loaded, config: &CheckConfig) -> Result<Guarantee, i32> {
    let results = check::check(&loaded.history, config);
    let violated = results
        .iter()
        .filter(|r| r.verdict == Verdict::Violated)
        .min_by_key(|r| r.guarantee.implied_closure().len());
    match violated {
        Some(r) => Ok(r.guarantee),
        None => {
            let unknown = results.iter().any(|r| r.verdict == Verdict::Unknown);
            eprintln!(
                "{}: no guarantee is violated{}: nothing to shrink",
                loaded.path,
                if unknown {
                    " (some are unknown: the budget ran out)"
                } else {
                    ""
                }
            );
            Err(if unknown { 3 } else { 0 })
        }
    }
}

fn not_violated(loaded: &Loaded, r: &GuaranteeResult) -> i32 {
    let how = match r.verdict {
        Verdict::Holds => "holds",
        Verdict::Unknown => "is unknown",
        _ => "was not checked",
    };
    let why = r
        .reason
        .as_deref()
        .map_or(String::new(), |w| format!(" ({w})"));
    eprintln!(
        "{}: {} {how} on this history{why}: nothing to shrink",
        loaded.path,
        r.guarantee.name(),
    );
    match r.verdict {
        Verdict::Holds => 0,
        _ => 3,
    }
}

/// The shrunk history, with a header naming its source, and its
/// explanation. Exit 1: the guarantee is violated.
fn write(
    args: &ShrinkArgs,
    loaded: &Loaded,
    guarantee: Guarantee,
    s: &Shrunk,
    started: Instant,
    out: &mut dyn Write,
) -> io::Result<i32> {
    let text = concord::shrink::to_text(&loaded.path, guarantee, &loaded.history, s);
    let summary = format!(
        "{}: {} violated; shrunk from {} to {} operations in {:.2} s ({} checks){}",
        loaded.path,
        guarantee.name(),
        loaded.history.len(),
        s.history.len(),
        started.elapsed().as_secs_f64(),
        s.checks,
        if s.complete {
            ""
        } else {
            "; the budget ran out: it may shrink further with a larger --timeout"
        }
    );
    let report = human::results(
        &s.history,
        &[],
        &[],
        std::slice::from_ref(&s.result),
        human::Style { color: false },
    );
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &text) {
                return usage_error(format!("cannot write {}: {e}", path.display()));
            }
            write_line(out, &format!("{summary}; written to {}", path.display()))?;
            out.write_all(report.as_bytes())?;
        }
        None => {
            out.write_all(text.as_bytes())?;
            eprintln!("{summary}");
            eprint!("{report}");
        }
    }
    Ok(1)
}

/// `check --shrink`: shrinks the history for every violated guarantee and
/// writes each distinct shrunk history once, with the guarantees it
/// breaks (human: indented `.hist` text; JSON: one `shrunk` message).
/// Each shrink gets a fresh `timeout` budget.
pub(super) fn shrink_violations(
    loaded: &Loaded,
    results: &[GuaranteeResult],
    config: &CheckConfig,
    json: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut found: Vec<(Vec<Guarantee>, Shrunk, String)> = Vec::new();
    for r in results.iter().filter(|r| r.verdict == Verdict::Violated) {
        let mut config = config.clone();
        config.deadline = config.timeout.map(|t| Instant::now() + t);
        let Ok(s) = shrink(&loaded.history, r.guarantee, &config) else {
            continue;
        };
        let text = concord::render::hist::to_hist(&s.history);
        match found.iter_mut().find(|(_, _, t)| *t == text) {
            Some((gs, _, _)) => gs.push(r.guarantee),
            None => found.push((vec![r.guarantee], s, text)),
        }
    }
    for (gs, s, _) in &found {
        let names: Vec<&str> = gs.iter().map(|g| g.name()).collect();
        let text = concord::shrink::to_text(&loaded.path, gs[0], &loaded.history, s);
        let lines: Vec<u32> = s
            .kept
            .iter()
            .map(|&id| loaded.history.op(id).source.line)
            .collect();
        if json {
            let msg = serde_json::json!({
                "type": "shrunk",
                "file": loaded.path,
                "guarantees": names,
                "operations": s.history.len(),
                "of": loaded.history.len(),
                "lines": lines,
                "complete": s.complete,
                "hist": text,
            });
            write_line(out, &msg.to_string())?;
        } else {
            write_line(
                out,
                &format!(
                    "  shrunk counterexample, {} of {} operations (breaks: {}){}:",
                    s.history.len(),
                    loaded.history.len(),
                    names.join(", "),
                    if s.complete {
                        ""
                    } else {
                        "; the budget ran out before it was minimal"
                    }
                ),
            )?;
            // The comments and the provenance (`%meta`) are for the file;
            // the report shows what decides the verdict.
            let shown = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with("%meta") && *l != "%concord 1");
            for line in shown {
                write_line(out, &format!("    {line}"))?;
            }
        }
    }
    Ok(())
}
