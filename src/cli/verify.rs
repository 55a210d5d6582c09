//! `concord check --certificate OUT.json` writes a certificate for the
//! guarantees that held; `concord verify CERT HISTORY` re-checks it with
//! the library's independent replay ([`concord::verify`]).

use super::commands::usage_error;
use super::input::{self, Loaded};
use super::{EXIT_INPUT, InputArgs, write_line};
use clap::Args;
use concord::check::{self, CheckConfig, GuaranteeResult};
use concord::history::OpId;
use concord::{Guarantee, Verdict, verify};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  concord check history.edn --certificate cert.json
  concord verify cert.json history.edn")]
pub(super) struct VerifyArgs {
    /// The certificate (`concord check --certificate`).
    #[arg(value_name = "CERTIFICATE")]
    certificate: PathBuf,
    /// The history it certifies; `-` reads standard input.
    #[arg(value_name = "HISTORY")]
    history: PathBuf,
    /// How to read the history (default: as the certificate says it was read).
    #[command(flatten)]
    input: InputArgs,
}

/// The input flags as the certificate records them.
fn input_json(input: &InputArgs, loaded: &Loaded) -> serde_json::Value {
    serde_json::json!({
        "format": loaded.format.name(),
        "initial": input.initial,
        "fail_semantics": input.fail_semantics,
        "nil_read": input.nil_read,
        "independent_keys": input.independent_keys,
    })
}

/// Writes the certificate of `results` (one file's) to `path`: the orders
/// of linearizability and sequential consistency when they held, and every
/// other guarantee that held and that one of them implies.
pub(super) fn write_certificate(
    path: &Path,
    input: &InputArgs,
    loaded: &Loaded,
    results: &[GuaranteeResult],
    config: &CheckConfig,
) -> io::Result<()> {
    let held = |g: Guarantee| {
        results
            .iter()
            .find(|r| r.guarantee == g && r.verdict == Verdict::Holds)
    };
    let orders: Vec<(Guarantee, Vec<OpId>)> = [Guarantee::Linearizable, Guarantee::Sequential]
        .into_iter()
        .filter_map(|g| Some((g, held(g)?.witness.clone()?)))
        .collect();
    let implied: Vec<(Guarantee, Guarantee)> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Holds && !orders.iter().any(|(g, _)| *g == r.guarantee))
        .filter_map(|r| {
            let by = orders
                .iter()
                .rev()
                .find(|(b, _)| b.implied_closure().contains(&r.guarantee))?;
            Some((r.guarantee, by.0))
        })
        .collect();
    let model = check::linearizable::resolve_model(&loaded.history, config);
    let cert = verify::certificate(
        &loaded.history,
        &loaded.path,
        Some(model),
        input_json(input, loaded),
        &orders,
        &implied,
    );
    // One certificate entry per line: readable, and diffs stay small.
    let mut text = String::from("{\n");
    if let Some(fields) = cert.as_object() {
        let mut first = true;
        for (k, v) in fields {
            if !first {
                text.push_str(",\n");
            }
            first = false;
            text.push_str(&format!("  {}: ", serde_json::Value::from(k.as_str())));
            match v.as_array() {
                Some(items) if k == "certificates" => {
                    let lines: Vec<String> = items.iter().map(|e| format!("    {e}")).collect();
                    text.push_str(&format!("[\n{}\n  ]", lines.join(",\n")));
                }
                _ => text.push_str(&v.to_string()),
            }
        }
    }
    text.push_str("\n}\n");
    std::fs::write(path, text)
}

pub(super) fn run(args: &VerifyArgs, out: &mut dyn Write) -> io::Result<i32> {
    let text = match std::fs::read_to_string(&args.certificate) {
        Ok(t) => t,
        Err(e) => {
            return usage_error(format!("cannot read {}: {e}", args.certificate.display()));
        }
    };
    let cert: serde_json::Value = match serde_json::from_str(&text) {
        Ok(c) => c,
        Err(e) => {
            return usage_error(format!(
                "{}:{}:{}: not JSON: {e}",
                args.certificate.display(),
                e.line(),
                e.column()
            ));
        }
    };
    let recorded = &cert["input"];
    let given = &args.input;
    let mut input = given.clone();
    if given.format == "auto"
        && let Some(f) = recorded["format"].as_str()
    {
        input.format = f.to_string();
    }
    let text_of = |k: &str| recorded[k].as_str().map(str::to_string);
    input.initial = given.initial.clone().or_else(|| text_of("initial"));
    input.fail_semantics = given
        .fail_semantics
        .clone()
        .or_else(|| text_of("fail_semantics"));
    input.nil_read = given.nil_read.clone().or_else(|| text_of("nil_read"));
    input.independent_keys = given
        .independent_keys
        .or_else(|| recorded["independent_keys"].as_bool());
    let loaded = match input::load(&args.history, &input) {
        Ok(l) => l,
        Err(e) => {
            eprint!("{}", e.render(false));
            return Ok(EXIT_INPUT);
        }
    };
    let checked = match verify::verify(&loaded.history, &cert) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {e}", args.certificate.display());
            return Ok(1);
        }
    };
    let mut code = 0;
    for c in &checked {
        match &c.outcome {
            Ok(how) => write_line(out, &format!("  verified  {:<20} {how}", c.guarantee))?,
            Err(why) => {
                code = 1;
                write_line(out, &format!("  REJECTED  {:<20} {why}", c.guarantee))?;
            }
        }
    }
    if checked.is_empty() {
        write_line(out, "  the certificate certifies nothing")?;
        code = 3;
    }
    Ok(code)
}
