//! `concord sim` and `concord matrix`: the simulator from the command line.

use super::commands::{parse_duration, usage_error, write_history};
use super::{MatrixArgs, ReportKind, SimArgs, write_line};
use concord::check::{CheckConfig, Guarantee, Verdict};
use concord::sim::{
    self, Expectation, Fault, MatrixResult, ProtocolName, RowResult, SimConfig, Tally,
};
use rayon::prelude::*;
use serde_json::json;
use std::io::{self, Write};

pub fn sim(args: &SimArgs, out: &mut dyn Write) -> io::Result<i32> {
    if args.list {
        return list(out);
    }
    let Some(name) = &args.protocol else {
        return usage_error("--protocol is required (see --list)".to_string());
    };
    let protocol = match ProtocolName::from_name(name) {
        Ok(p) => p,
        Err(e) => return usage_error(e.to_string()),
    };
    let mut faults = Vec::new();
    for f in &args.faults {
        match Fault::from_name(f) {
            Ok(f) => faults.push(f),
            Err(e) => return usage_error(e.to_string()),
        }
    }
    let mut cfg = SimConfig::scenario(protocol, &faults).with_seed(args.seed);
    if let Some(ops) = args.ops {
        cfg.ops = ops;
    }
    if let Some(clients) = args.clients {
        cfg.clients = clients;
    }
    if let Some(keys) = args.keys {
        cfg.keys = keys;
    }
    if args.sticky {
        cfg.sticky = true;
    }
    if args.roaming {
        cfg.sticky = false;
    }
    let run = match sim::simulate(&cfg) {
        Ok(run) => run,
        Err(e) => return usage_error(e.to_string()),
    };
    if args.stats {
        let s = &run.stats;
        eprintln!(
            "ops {} timeouts {} events {} messages sent {} delivered {} dropped {} duplicated {} bytes {} virtual time {} us\nprotocol counters: {:?}",
            s.ops,
            s.timeouts,
            s.events,
            s.messages_sent,
            s.messages_delivered,
            s.messages_dropped,
            s.messages_duplicated,
            s.bytes_sent,
            s.end_time_us,
            s.protocol
        );
    }
    write_history(&run.history, args.to, args.output.as_deref(), out)
}

fn guarantee_names(gs: &[Guarantee]) -> String {
    if gs.is_empty() {
        return "-".to_string();
    }
    gs.iter().map(|g| g.name()).collect::<Vec<_>>().join(", ")
}

fn list(out: &mut dyn Write) -> io::Result<i32> {
    for p in sim::protocols() {
        write_line(out, &format!("{}\n    {}", p.name, p.description))?;
        write_line(
            out,
            &format!("    promises: {}", guarantee_names(&p.promises)),
        )?;
        for k in &p.knobs {
            write_line(
                out,
                &format!(
                    "    --fault {}: {}\n        breaks: {}",
                    k.name,
                    k.description,
                    guarantee_names(&k.breaks)
                ),
            )?;
        }
    }
    Ok(0)
}

/// One matrix cell: `ok` / `BROKEN` marks, and the violation count.
fn cell(t: &Tally, runs: usize) -> String {
    let mark = match (t.expectation, t.meets(runs)) {
        (_, false) => "!",
        (Expectation::MustHold, true) => "=",
        (Expectation::MustBreak, true) => "x",
        (Expectation::Free, true) => " ",
    };
    format!("{mark}{}/{runs}", t.violated)
}

pub fn matrix(args: &MatrixArgs, out: &mut dyn Write) -> io::Result<i32> {
    let timeout = match parse_duration(&args.timeout) {
        Ok(t) => t,
        Err(e) => return usage_error(e),
    };
    let mut rows = sim::expected_matrix();
    if let Some(name) = &args.protocol {
        match ProtocolName::from_name(name) {
            Ok(p) => rows.retain(|r| r.protocol == p),
            Err(e) => return usage_error(e.to_string()),
        }
    }
    if args.seeds == 0 {
        return usage_error("--seeds must be at least 1".to_string());
    }
    let seeds: Vec<u64> = (1..=args.seeds).collect();
    let config = CheckConfig {
        timeout: Some(timeout),
        ..CheckConfig::default()
    };
    if super::progress::wanted() && args.report == ReportKind::Human {
        super::progress::start((rows.len() * seeds.len()) as u64, "histories");
    }
    let check = |h: &concord::History| -> Vec<(Guarantee, Verdict)> {
        let verdicts = concord::check(h, &config)
            .into_iter()
            .map(|r| (r.guarantee, r.verdict))
            .collect();
        super::progress::inc();
        verdicts
    };
    // Rows are independent: run them in parallel, keep their order.
    let results: Vec<RowResult> = rows
        .par_iter()
        .flat_map_iter(|row| sim::run_rows(std::slice::from_ref(row), &seeds, check).rows)
        .collect();
    let result = MatrixResult {
        seeds: seeds.clone(),
        rows: results,
    };
    super::progress::finish();
    match args.report {
        ReportKind::Json => matrix_json(&result, out)?,
        ReportKind::Human => matrix_human(&result, out)?,
    }
    Ok(if result.ok() { 0 } else { 1 })
}

fn matrix_human(result: &MatrixResult, out: &mut dyn Write) -> io::Result<()> {
    write_line(
        out,
        &format!(
            "Each cell: violated seeds / runs, marked '=' must hold (and did), 'x' must break in >= {:.0}% of seeds (and did), ' ' not asserted, '!' DISAGREES with the expected verdict.",
            sim::BREAK_RATE_MIN * 100.0
        ),
    )?;
    let width = result
        .rows
        .iter()
        .map(|r| r.expected.label().len())
        .max()
        .unwrap_or(10)
        .max(10);
    let mut header = format!("{:<width$}", "row");
    for g in Guarantee::ALL {
        header.push_str(&format!(" {:>7}", g.alias()));
    }
    write_line(out, &header)?;
    let mut disagreements = 0;
    for row in &result.rows {
        let mut line = format!("{:<width$}", row.expected.label());
        for t in &row.tallies {
            line.push_str(&format!(" {:>7}", cell(t, row.runs)));
            if !t.meets(row.runs) {
                disagreements += 1;
            }
        }
        write_line(out, &line)?;
        for (seed, e) in &row.errors {
            disagreements += 1;
            write_line(out, &format!("    ! seed {seed}: {e}"))?;
        }
    }
    write_line(
        out,
        &format!(
            "{} rows x {} seeds: {} disagreement{}",
            result.rows.len(),
            result.seeds.len(),
            disagreements,
            if disagreements == 1 { "" } else { "s" }
        ),
    )
}

fn matrix_json(result: &MatrixResult, out: &mut dyn Write) -> io::Result<()> {
    for row in &result.rows {
        let tallies: Vec<_> = row
            .tallies
            .iter()
            .map(|t| {
                json!({
                    "guarantee": t.guarantee.name(),
                    "expected": match t.expectation {
                        Expectation::MustHold => "hold",
                        Expectation::MustBreak => "break",
                        Expectation::Free => "free",
                    },
                    "holds": t.holds,
                    "violated": t.violated,
                    "unknown": t.unknown,
                    "not_checked": t.not_checked,
                    "violating_seeds": t.violating_seeds,
                    "agrees": t.meets(row.runs),
                })
            })
            .collect();
        let j = json!({
            "type": "row",
            "row": row.expected.label(),
            "runs": row.runs,
            "errors": row.errors.iter().map(|(s, e)| json!({"seed": s, "error": e.to_string()})).collect::<Vec<_>>(),
            "tallies": tallies,
            "agrees": row.ok(),
        });
        write_line(out, &j.to_string())?;
    }
    write_line(
        out,
        &json!({"type": "summary", "seeds": result.seeds.len(), "agrees": result.ok()}).to_string(),
    )
}
