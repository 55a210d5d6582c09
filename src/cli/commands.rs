//! The commands: `check`, `convert`, `stats`.

use super::input::{self, InputError, Loaded};
use super::progress;
use super::{
    CheckArgs, ConvertArgs, EXIT_INPUT, GenerateArgs, OutputFormat, ReportFormat, ReportKind,
    StatsArgs, use_color, use_color_stderr, write_line,
};
use concord::check::{self, CheckConfig, Guarantee, Model};
use concord::history::TimeUnit;
use concord::report::view::{ErrorView, FileInput, FileOutcome, FileView, Summary};
use concord::report::{self, human};
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// A usage error detected after clap: printed, exit 2.
pub fn usage_error(message: String) -> io::Result<i32> {
    eprintln!("error: {message}");
    Ok(EXIT_INPUT)
}

/// Parses `10s`, `500ms`, `2m`, `1.5` (seconds).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Duration::from_secs_f64(v * scale)),
        _ => Err(format!(
            "invalid duration `{text}`: expected a number with an optional unit, e.g. 10s, 500ms, 2m"
        )),
    }
}

pub(super) fn parse_guarantees(list: &[String]) -> Result<Vec<Guarantee>, String> {
    let mut out = Vec::new();
    for name in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if name == "all" {
            return Ok(Vec::new());
        }
        match Guarantee::from_name(name) {
            Some(g) => out.push(g),
            None => {
                let known: Vec<String> = Guarantee::ALL
                    .iter()
                    .map(|g| format!("{} ({})", g.name(), g.alias()))
                    .collect();
                let names: Vec<&str> = Guarantee::ALL
                    .iter()
                    .flat_map(|g| [g.name(), g.alias()])
                    .collect();
                let hint = concord::parse::hist::suggest_name(name, &names)
                    .and_then(Guarantee::from_name)
                    .map_or(String::new(), |g| {
                        format!(" (did you mean `{}`?)", g.name())
                    });
                return Err(format!(
                    "unknown guarantee `{name}`{hint}; expected one of: {}",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

fn check_config(args: &CheckArgs) -> Result<CheckConfig, String> {
    let model = match &args.model {
        None => None,
        Some(name) => Some(Model::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
            let hint = concord::parse::hist::suggest_name(name, &known)
                .map_or(String::new(), |m| format!(" (did you mean `{m}`?)"));
            format!(
                "unknown model `{name}`{hint}; expected one of: {}",
                known.join(", ")
            )
        })?),
    };
    Ok(CheckConfig {
        guarantees: parse_guarantees(&args.consistency)?,
        model,
        timeout: match args.timeout.as_str() {
            "none" => None,
            t => Some(parse_duration(t)?).filter(|d| !d.is_zero()),
        },
        deadline: None,
        states_max: Some(args.max_states).filter(|&n| n > 0),
        memory_max_bytes: parse_memory(&args.max_memory)?,
        memory_in_use_bytes: Default::default(),
        clock_skew: 0,
        witness: args.witness,
        // People read three violations per guarantee (and GitHub shows
        // only the first annotations of a step); machines get them all.
        violations_max: match (args.max_violations, args.report) {
            (Some(0), _) => None,
            (Some(n), _) => Some(n),
            (None, ReportFormat::Human | ReportFormat::Github) => Some(3),
            (None, ReportFormat::Json | ReportFormat::Junit | ReportFormat::Sarif) => None,
        },
    })
}

/// Parses `--max-memory`: `auto` (half of the machine's memory), `none`,
/// or a size with an optional binary suffix K, M, G, T (bare: MiB).
pub(super) fn parse_memory(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    match text {
        "none" => return Ok(None),
        "auto" => return Ok(Some(machine_memory().map_or(4 << 30, |m| m / 2))),
        _ => {}
    }
    let (digits, shift) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => {
                    return Err(format!(
                        "invalid --max-memory `{text}`: expected a size such as 512M or 4G, `auto` or `none`"
                    ));
                }
            };
            (&text[..i], shift)
        }
        _ => (text, 20),
    };
    let n: u64 = digits.trim().parse().map_err(|_| {
        format!(
            "invalid --max-memory `{text}`: expected a size such as 512M or 4G, `auto` or `none`"
        )
    })?;
    if n == 0 {
        return Err("--max-memory must be positive (or `none`)".to_string());
    }
    Ok(Some(n.saturating_mul(1 << shift)))
}

/// Physical memory in bytes, from /proc/meminfo (Linux); `None` elsewhere.
fn machine_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Converts the `--clock-skew-ms` flag into the history's time unit.
/// Abstract ticks are taken as milliseconds (documented in the README).
fn skew_in_history_units(skew_ms: u64, unit: TimeUnit) -> u64 {
    match unit {
        TimeUnit::Seconds => skew_ms.div_ceil(1000),
        other => skew_ms.saturating_mul(other.per_milli().unwrap_or(1)),
    }
}

pub fn check(args: &CheckArgs, out: &mut dyn Write) -> io::Result<i32> {
    let code = check_inputs(args, out);
    progress::finish();
    code
}

fn check_inputs(args: &CheckArgs, out: &mut dyn Write) -> io::Result<i32> {
    let mut config = match check_config(args) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if args.html.is_some() && args.files.len() != 1 {
        return usage_error("--html takes one history file".to_string());
    }
    if args.certificate.is_some() {
        if args.files.len() != 1 {
            return usage_error("--certificate takes one history file".to_string());
        }
        if args.clock_skew_ms.is_some() {
            return usage_error(
                "--certificate cannot be combined with --clock-skew-ms (the certificate is for the history as recorded)"
                    .to_string(),
            );
        }
        config.witness = true;
    }
    if args.shrink && !matches!(args.report, ReportFormat::Human | ReportFormat::Json) {
        return usage_error(
            "--shrink prints its counterexamples in the human and json reports only".to_string(),
        );
    }
    let explicit = !config.guarantees.is_empty();
    // A report written to a file (`-o`) is coloured only when asked.
    let color = if args.output.is_some() {
        args.color == super::ColorChoice::Always
    } else {
        use_color(args.color)
    };
    let color_err = use_color_stderr(args.color);
    let started = Instant::now();
    let mut code = 0;
    let mut summary = Summary::default();
    // Every file's view, for the formats written at the end (JUnit, SARIF,
    // the human table of files).
    let mut kept: Vec<FileOutcome> = Vec::new();
    let keep = matches!(
        args.report,
        ReportFormat::Junit | ReportFormat::Sarif | ReportFormat::Human
    );
    let inputs = input::expand(&args.files, args.output.as_deref());
    if inputs.len() != 1 {
        for (flag, given) in [
            ("--html", args.html.is_some()),
            ("--certificate", args.certificate.is_some()),
        ] {
            if given {
                return usage_error(format!("{flag} takes one history file"));
            }
        }
    }
    let mut suspending;
    let out: &mut dyn Write =
        if progress::wanted() && !args.quiet && args.report != ReportFormat::Json {
            progress::start(inputs.len() as u64, "files");
            suspending = progress::Suspending::new(out);
            &mut suspending
        } else {
            out
        };
    let mut first = true;
    for input in &inputs {
        if let Ok(path) = input {
            progress::message(&path.display().to_string());
        }
        let outcome = match input {
            Ok(path) => check_file(
                args,
                &mut config,
                explicit,
                path,
                &mut first,
                color,
                color_err,
                out,
            )?,
            Err(e) => {
                report_input_error(e, args.report, color_err, out)?;
                FileOutcome::Error(error_view(e))
            }
        };
        progress::inc();
        code = report::most_severe(code, outcome.exit_code());
        summary.add(&outcome);
        if keep {
            kept.push(outcome);
        }
    }
    progress::finish();
    summary.exit_code = code;
    summary.elapsed_ms = started.elapsed().as_millis();
    match args.report {
        ReportFormat::Json => write_line(out, &summary.to_json().to_string())?,
        ReportFormat::Junit => {
            out.write_all(report::junit::to_junit(&kept, summary.elapsed_ms).as_bytes())?;
        }
        ReportFormat::Sarif => {
            let log = report::sarif::to_sarif(&kept, code);
            write_line(
                out,
                &serde_json::to_string_pretty(&log).expect("a SARIF log serializes"),
            )?;
        }
        ReportFormat::Github => {
            let style = human::Style { color: false };
            write_line(out, &human::summary(&summary, style))?;
        }
        ReportFormat::Human => {
            let style = human::Style { color };
            if kept.len() > 1 && !args.quiet {
                // The table of files, before the summary.
                let width = kept.iter().map(|f| f.path().len()).max().unwrap_or(0);
                write_line(out, "")?;
                write_line(out, &style.paint("1", "files:"))?;
                for f in &kept {
                    write_line(out, &human::file_line(f, width, style))?;
                }
            }
            // A blank line between the last report and the summary, when
            // there was a report.
            let printed = if args.quiet {
                summary.verdicts.violated > 0
            } else {
                kept.iter().any(|f| matches!(f, FileOutcome::Checked(_)))
            };
            let table = kept.len() > 1 && !args.quiet;
            if printed && !table {
                write_line(out, "")?;
            }
            // A single input that could not be read has its error on
            // stderr and nothing on stdout.
            if !matches!(kept[..], [FileOutcome::Error(_)]) {
                write_line(out, &human::summary(&summary, style))?;
            }
        }
    }
    out.flush()?;
    Ok(code)
}

/// The view of an input error.
fn error_view(e: &InputError) -> ErrorView {
    ErrorView {
        path: e.path.clone(),
        line: e.error.line,
        column: e.error.column,
        message: e.error.message.clone(),
        notes: e.error.notes.clone(),
    }
}

/// Reads and checks one file, writes what the streaming formats (human,
/// JSON, GitHub) say about it, and returns its view. `first` says that no
/// human block was written yet (blocks are separated by a blank line).
#[allow(clippy::too_many_arguments)]
fn check_file(
    args: &CheckArgs,
    config: &mut CheckConfig,
    explicit: bool,
    path: &std::path::Path,
    first: &mut bool,
    color: bool,
    color_err: bool,
    out: &mut dyn Write,
) -> io::Result<FileOutcome> {
    let file_started = Instant::now();
    let mut loaded = match input::load(path, &args.input) {
        Ok(l) => l,
        Err(e) => {
            report_input_error(&e, args.report, color_err, out)?;
            return Ok(FileOutcome::Error(error_view(&e)));
        }
    };
    if loaded.history.is_empty() {
        // An empty capture is checked for nothing, requested or not.
        return report_nothing_checked(args, &loaded, explicit, config, first, color, out);
    }
    if let Some(e) = time_flags_need_timestamps(args, &loaded) {
        report_input_error(&e, args.report, color_err, out)?;
        return Ok(FileOutcome::Error(error_view(&e)));
    }
    apply_quiescence_flags(args, &mut loaded);
    config.clock_skew = skew_in_history_units(
        args.clock_skew_ms.unwrap_or(0),
        loaded.history.metadata.time_unit,
    );
    // The budget counts from the start of the file, reading included.
    config.deadline = config.timeout.map(|t| file_started + t);
    let results = check::check(&loaded.history, config);
    if let Some(dir) = &args.dot
        && let Err(e) = write_dots(dir, &loaded.path, &loaded.history, &results)
    {
        let e = InputError::plain(
            &loaded.path,
            format!("cannot write DOT files into {}: {e}", dir.display()),
        );
        report_input_error(&e, args.report, color_err, out)?;
        return Ok(FileOutcome::Error(error_view(&e)));
    }
    let file_code = report::exit_code(&results, explicit);
    let view = FileView::new(
        file_input(&loaded),
        &results,
        file_code,
        None,
        file_started.elapsed().as_millis(),
    );
    match args.report {
        ReportFormat::Json => {
            for line in report::file_json(&view) {
                write_line(out, &line.to_string())?;
            }
        }
        ReportFormat::Github => {
            out.write_all(
                report::github::commands(&FileOutcome::Checked(view.clone()), args.quiet)
                    .as_bytes(),
            )?;
        }
        ReportFormat::Human => write_human(args, &loaded, &view, &results, first, color, out)?,
        ReportFormat::Junit | ReportFormat::Sarif => {}
    }
    // The files written beside the report: a failure to write one is an
    // error of this input (exit 2).
    let written = (|| -> Result<(), String> {
        if let Some(html) = &args.html {
            let page = concord::report::html::report_html(&loaded.history, &loaded.path, &results);
            std::fs::write(html, page)
                .map_err(|e| format!("cannot write {}: {e}", html.display()))?;
        }
        if let Some(cert) = &args.certificate {
            super::verify::write_certificate(cert, &args.input, &loaded, &results, config)
                .map_err(|e| format!("cannot write {}: {e}", cert.display()))?;
        }
        Ok(())
    })();
    if let Err(message) = written {
        let e = InputError::plain(&loaded.path, message);
        report_input_error(&e, args.report, color_err, out)?;
        return Ok(FileOutcome::Error(error_view(&e)));
    }
    if args.shrink {
        let json = args.report == ReportFormat::Json;
        super::shrink::shrink_violations(&loaded, &results, config, json, out)?;
    }
    Ok(FileOutcome::Checked(view))
}

/// What a [`FileView`] is made from.
fn file_input(loaded: &Loaded) -> FileInput<'_> {
    FileInput {
        path: &loaded.path,
        format: loaded.format.name(),
        history: &loaded.history,
        semantics: &loaded.semantics,
        hints: &loaded.hints,
        notes: check::sanity::history_notes(&loaded.history, 5),
    }
}

/// The human report of one checked file: its heading, the notes on the
/// recording, the semantics and one line per guarantee with the evidence.
/// With `--quiet`, only the violated guarantees of a file that has some.
fn write_human(
    args: &CheckArgs,
    loaded: &Loaded,
    view: &FileView,
    results: &[check::GuaranteeResult],
    first: &mut bool,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let style = human::Style { color };
    let violated: Vec<check::GuaranteeResult>;
    let (semantics, notes, shown): (&[String], &[String], &[check::GuaranteeResult]) = if args.quiet
    {
        violated = results
            .iter()
            .filter(|r| r.verdict == concord::Verdict::Violated)
            .cloned()
            .collect();
        if violated.is_empty() {
            return Ok(());
        }
        (&[], &[], &violated)
    } else {
        (&loaded.semantics, &view.notes, results)
    };
    if !std::mem::replace(first, false) {
        write_line(out, "")?;
    }
    write_line(
        out,
        &human::heading(&loaded.path, loaded.format.name(), &view.stats, style),
    )?;
    for note in notes {
        write_line(out, &format!("  {} {note}", style.paint("33", "note:")))?;
    }
    out.write_all(
        human::results(&loaded.history, semantics, &loaded.hints, shown, style).as_bytes(),
    )
}

/// `--quiescent-at` and `--settle`: the convergence check's quiescence
/// point, set on the history (a `--settle` without a heal or stop
/// annotation is noted among the semantics).
fn apply_quiescence_flags(args: &CheckArgs, loaded: &mut input::Loaded) {
    if let Some(t) = args.quiescent_at {
        loaded.history.metadata.quiescent_at = Some(t);
    }
    if let Some(settle) = args.settle {
        match check::convergence::quiescence_from_annotations(&loaded.history, settle) {
            Some(t) => loaded.history.metadata.quiescent_at = Some(t),
            None => loaded.semantics.push(
                "--settle: no nemesis heal or stop annotation, so no quiescence point".to_string(),
            ),
        }
    }
}

/// `--clock-skew-ms`, `--settle` and `--quiescent-at` are durations or
/// instants in time units: on a history without timestamps (times that are
/// event positions, or no times at all) they mean nothing, so they are
/// refused rather than silently applied to positions.
fn time_flags_need_timestamps(args: &CheckArgs, loaded: &Loaded) -> Option<InputError> {
    let history = &loaded.history;
    if history.has_timestamps() {
        return None;
    }
    let flag = [
        ("--clock-skew-ms", args.clock_skew_ms.is_some()),
        ("--settle", args.settle.is_some()),
        ("--quiescent-at", args.quiescent_at.is_some()),
    ]
    .into_iter()
    .find(|(_, given)| *given)?
    .0;
    let why = if history.has_real_time() {
        "the history's times are event positions (line order is real-time order), not timestamps"
    } else {
        "the history has no times at all"
    };
    let mut e = InputError::plain(
        &loaded.path,
        format!("{flag} is in time units, but {why}: there is no time to measure it in"),
    );
    e.error.notes.push(match loaded.format {
        concord::Format::JepsenEdn => {
            "help: Jepsen records with a :time (ns) on every record give timestamps; without them, drop the flag".to_string()
        }
        concord::Format::JepsenLog | concord::Format::PorcupineKv => {
            "help: this format has no timestamps; drop the flag".to_string()
        }
        _ => "help: give the operations times (`@ a..b`, event stamps `@ T`, a JSON \"time\"), or drop the flag".to_string(),
    });
    Some(e)
}

/// The report of a history with no operations: [`report::NO_OPERATIONS`],
/// exit 3. Each requested guarantee gets a `not-checked` result.
fn report_nothing_checked(
    args: &CheckArgs,
    loaded: &Loaded,
    explicit: bool,
    config: &CheckConfig,
    first: &mut bool,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<FileOutcome> {
    let mut requested = if explicit {
        config.guarantees.clone()
    } else {
        Vec::new()
    };
    requested.sort();
    requested.dedup();
    let results: Vec<_> = requested
        .into_iter()
        .map(|g| concord::GuaranteeResult::not_checked(g, report::NO_OPERATIONS))
        .collect();
    let mut input = file_input(loaded);
    input.hints = &[];
    let view = FileView::new(input, &results, 3, Some(report::NO_OPERATIONS), 0);
    match args.report {
        ReportFormat::Json => {
            for line in report::file_json(&view) {
                write_line(out, &line.to_string())?;
            }
        }
        ReportFormat::Human if !args.quiet => {
            if !std::mem::replace(first, false) {
                write_line(out, "")?;
            }
            let style = human::Style { color };
            write_line(
                out,
                &human::heading(&loaded.path, loaded.format.name(), &view.stats, style),
            )?;
            out.write_all(human::nothing_checked(style).as_bytes())?;
        }
        _ => {}
    }
    Ok(FileOutcome::Checked(view))
}

/// Writes `<stem>-<guarantee>-<n>.dot` for every reported violation.
fn write_dots(
    dir: &std::path::Path,
    path: &str,
    history: &concord::History,
    results: &[concord::GuaranteeResult],
) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let stem = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| *s != "-")
        .unwrap_or("stdin");
    for r in results {
        for (n, v) in r.violations.iter().enumerate() {
            let file = dir.join(format!("{stem}-{}-{}.dot", r.guarantee.name(), n + 1));
            std::fs::write(file, concord::render::dot::violation_to_dot(history, v))?;
        }
    }
    Ok(())
}

/// Says that an input could not be read: in JSON an `error` message, in
/// GitHub commands an `::error`, else the rustc-like rendering on stderr
/// (JUnit and SARIF carry the error in the report as well).
fn report_input_error(
    e: &InputError,
    report_format: ReportFormat,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match report_format {
        ReportFormat::Json => write_line(out, &report::error_view_json(&error_view(e)).to_string()),
        ReportFormat::Github => out.write_all(
            report::github::commands(&FileOutcome::Error(error_view(e)), false).as_bytes(),
        ),
        ReportFormat::Human | ReportFormat::Junit | ReportFormat::Sarif => {
            progress::suspend(|| {
                let mut stderr = io::stderr().lock();
                write_line(&mut stderr, &e.render(color))
            })
        }
    }
}

pub fn convert(args: &ConvertArgs, out: &mut dyn Write) -> io::Result<i32> {
    let loaded: Loaded = match input::load(&args.file, &args.input) {
        Ok(l) => l,
        Err(e) => {
            report_input_error(
                &e,
                ReportFormat::Human,
                use_color_stderr(super::ColorChoice::Auto),
                out,
            )?;
            return Ok(EXIT_INPUT);
        }
    };
    write_history(&loaded.history, args.to, args.output.as_deref(), out)
}

/// Writes a history in `format` to `path`, or to `out` when there is none.
pub fn write_history(
    history: &concord::History,
    format: OutputFormat,
    path: Option<&std::path::Path>,
    out: &mut dyn Write,
) -> io::Result<i32> {
    let text = match format {
        OutputFormat::Hist => concord::render::hist::to_hist(history),
        OutputFormat::Jsonl => concord::render::jsonl::write_jsonl(history, false),
        OutputFormat::JsonlEvents => concord::render::jsonl::write_jsonl(history, true),
        OutputFormat::JepsenEdn => concord::render::edn::to_jepsen_edn(history),
        OutputFormat::PorcupineKv => {
            match concord::render::porcupine_kv::to_porcupine_kv(history) {
                Ok(text) => text,
                Err(e) => return usage_error(format!("the history {e}")),
            }
        }
    };
    match path {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                return usage_error(format!("cannot write {}: {e}", path.display()));
            }
        }
        None => out.write_all(text.as_bytes())?,
    }
    Ok(0)
}

pub fn generate(args: &GenerateArgs, out: &mut dyn Write) -> io::Result<i32> {
    for (name, f) in [
        ("--read-fraction", args.read_fraction),
        ("--cas-fraction", args.cas_fraction),
        ("--pending-fraction", args.pending_fraction),
        ("--stale-reads", args.stale_reads),
    ] {
        if !(0.0..=1.0).contains(&f) {
            return usage_error(format!("{name} must be between 0 and 1, got {f}"));
        }
    }
    if args.processes == 0 {
        return usage_error("--processes must be at least 1".to_string());
    }
    let cfg = concord::generate::GenConfig {
        ops: args.ops,
        processes: args.processes,
        keys: args.keys,
        seed: args.seed,
        read_fraction: args.read_fraction,
        cas_fraction: args.cas_fraction,
        unique_values: !args.repeat_values,
        pending_fraction: args.pending_fraction,
        stale_read_fraction: args.stale_reads,
        hard_keys: args.hard_keys,
        ..concord::generate::GenConfig::default()
    };
    let history = concord::generate::generate_register(&cfg);
    write_history(&history, args.to, args.output.as_deref(), out)
}

pub fn stats(args: &StatsArgs, out: &mut dyn Write) -> io::Result<i32> {
    let mut code = 0;
    let format = match args.report {
        ReportKind::Json => ReportFormat::Json,
        ReportKind::Human => ReportFormat::Human,
    };
    for input in input::expand(&args.files, args.output.as_deref()) {
        let loaded = match input.and_then(|path| input::load(&path, &args.input)) {
            Ok(l) => l,
            Err(e) => {
                report_input_error(&e, format, use_color_stderr(super::ColorChoice::Auto), out)?;
                code = EXIT_INPUT;
                continue;
            }
        };
        let s = report::stats(&loaded.history);
        match args.report {
            ReportKind::Json => {
                let mut j = report::stats_json(&s);
                j["path"] = loaded.path.clone().into();
                j["format"] = loaded.format.name().into();
                write_line(out, &j.to_string())?;
            }
            ReportKind::Human => {
                let text = format!(
                    "{}\n  format          {}\n  operations      {}\n  processes       {}\n  keys            {}\n  ok              {}\n  fail            {}\n  info            {}\n  pending         {}\n  max concurrency {}\n  timestamps      {}\n  annotations     {}",
                    loaded.path,
                    loaded.format.name(),
                    s.operations,
                    s.processes,
                    s.keys,
                    s.ok,
                    s.fail,
                    s.info,
                    s.pending,
                    s.max_concurrency,
                    match (s.has_timestamps, s.has_real_time) {
                        (true, _) => format!("yes ({})", s.time_unit),
                        (false, true) => "no (times are event positions)".to_string(),
                        (false, false) => "no".to_string(),
                    },
                    s.annotations,
                );
                write_line(out, &text)?;
            }
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn guarantee_lists() {
        assert_eq!(
            parse_guarantees(&["lin".into(), "mr".into()]),
            Ok(vec![Guarantee::Linearizable, Guarantee::MonotonicReads])
        );
        assert!(parse_guarantees(&["linearisable".into()]).is_err());
        assert_eq!(parse_guarantees(&["all".into()]), Ok(vec![]));
    }

    #[test]
    fn skew_units() {
        assert_eq!(skew_in_history_units(5, TimeUnit::Nanos), 5_000_000);
        assert_eq!(skew_in_history_units(5, TimeUnit::Ticks), 5);
        assert_eq!(skew_in_history_units(1500, TimeUnit::Seconds), 2);
    }
}
