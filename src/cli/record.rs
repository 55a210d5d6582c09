//! `concord record etcd` and `concord record redis`: start a real cluster,
//! record a workload with faults, write the history, and check it through
//! the `check` command's own path (the same report, the same exit codes:
//! 0 holds, 1 violation, 2 usage or input error, 3 inconclusive).
//!
//! The summary of what was run goes to standard output before the report
//! (to standard error with any `--report` but human, so that standard
//! output is the report alone).

use super::commands::{parse_duration, usage_error, write_history};
use super::{CheckArgs, ColorChoice, InputArgs, OutputFormat, ReportFormat, write_line};
use clap::{Args, Subcommand, ValueEnum};
use concord::record::{
    self, NemesisConfig, NemesisKind, RecordSummary, RecordingError, WorkloadConfig,
    etcd::EtcdConfig,
    redis::{ReadFrom, RedisConfig},
};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Args, Debug)]
pub struct RecordArgs {
    #[command(subcommand)]
    system: System,
}

#[derive(Subcommand, Debug)]
enum System {
    /// A real 3-member etcd cluster on 127.0.0.1 (the `etcd` binary of
    /// Debian's etcd-server package, or --etcd-bin).
    Etcd(EtcdArgs),
    /// A real Redis primary with replicas on 127.0.0.1 (the `redis-server`
    /// binary, or --redis-bin).
    Redis(RedisArgs),
}

#[derive(Args, Debug)]
struct EtcdArgs {
    /// The etcd binary (a name on PATH or a path).
    #[arg(long, value_name = "PATH", default_value = "etcd")]
    etcd_bin: String,
    /// Serializable reads: answered by the client's member from its local
    /// state (may be stale) instead of linearizable reads.
    #[arg(long)]
    serializable_reads: bool,
    /// Roaming clients: every call goes to a member chosen at random
    /// (default: client i sticks to member i mod 3).
    #[arg(long)]
    roaming: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Args, Debug)]
struct RedisArgs {
    /// The redis-server binary (a name on PATH or a path).
    #[arg(long, value_name = "PATH", default_value = "redis-server")]
    redis_bin: String,
    /// Number of replicas of the primary (1 or 2).
    #[arg(long, value_name = "N", default_value_t = 2)]
    replicas: usize,
    /// Where clients read: their replica, the primary, or any server.
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = ReadFromArg::Replica)]
    read_from: ReadFromArg,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ReadFromArg {
    Replica,
    Primary,
    Any,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum NemesisArg {
    None,
    Kill,
    Pause,
    All,
}

/// The written history's format.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum RecordFormat {
    /// JSON Lines, one event per line (what the recorder writes).
    Jsonl,
    /// The concord language, interval form.
    Hist,
    /// Jepsen EDN.
    JepsenEdn,
}

#[derive(Args, Debug)]
struct CommonArgs {
    /// Client threads; each is one process at a time (a new one after an
    /// unknown outcome).
    #[arg(long, value_name = "N", default_value_t = 5)]
    clients: usize,
    /// Number of registers (keys k0, k1, ...).
    #[arg(long, value_name = "N", default_value_t = 4)]
    keys: usize,
    /// Fraction of calls that are reads.
    #[arg(long, value_name = "F", default_value_t = 0.5)]
    read_fraction: f64,
    /// Fraction of calls that are compare-and-sets (etcd: a transaction;
    /// Redis: a Lua script). Default: 0.2 for etcd, 0 for Redis. The weak
    /// checks (session guarantees, causal) model read/write registers and
    /// are not run on a history with compare-and-sets.
    #[arg(long, value_name = "F")]
    cas_fraction: Option<f64>,
    /// Stop after N calls in all (default: only --duration).
    #[arg(long, value_name = "N")]
    ops: Option<u64>,
    /// Calls per second over all clients (0: as fast as they go).
    /// Default: 200 for etcd; 0 for Redis, whose replicas lag visibly on
    /// loopback only under load.
    #[arg(long, value_name = "PER_S")]
    rate: Option<f64>,
    /// How long the clients run, e.g. 10s, 30s, 2m.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    duration: String,
    /// Seed of the choice of keys, calls and faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Faults: none, kill (kill -9 a member and restart it), pause
    /// (SIGSTOP, then SIGCONT), all (both).
    #[arg(long, value_enum, default_value_t = NemesisArg::None)]
    nemesis: NemesisArg,
    /// How long each fault lasts.
    #[arg(long, value_name = "DURATION", default_value = "1500ms")]
    fault_duration: String,
    /// Time between two faults.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    fault_gap: String,
    /// A call not answered within this time is recorded as unknown outcome
    /// (info), and its client continues as a new process.
    #[arg(long, value_name = "DURATION", default_value = "3s")]
    timeout: String,
    /// Write the history to FILE (default: concord-record-<time>.jsonl in
    /// the temporary directory).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Format of the written history.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = RecordFormat::Jsonl)]
    to: RecordFormat,
    /// Report format, as `check`'s: human (default), json, junit, sarif,
    /// github.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Human)]
    report: ReportFormat,
    /// Guarantees to check, comma-separated (default: all that apply).
    #[arg(long, short = 'c', value_delimiter = ',', value_name = "LIST")]
    consistency: Vec<String>,
    /// Time budget of the check.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    check_timeout: String,
    /// Also write the HTML report of the recorded history to FILE (as
    /// `check --html`).
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// Set by the Ctrl-C handler: the run stops, the servers are stopped and
/// their directories removed by the drop guards, the history is kept.
static STOP: AtomicBool = AtomicBool::new(false);

pub fn record(args: &RecordArgs, out: &mut dyn Write) -> io::Result<i32> {
    let common = match &args.system {
        System::Etcd(a) => &a.common,
        System::Redis(a) => &a.common,
    };
    let (cas_default, rate_default) = match &args.system {
        System::Etcd(_) => (0.2, 200.0),
        System::Redis(_) => (0.0, 0.0),
    };
    let (workload, nemesis) = match configs(common, cas_default, rate_default) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    // The handler can be set once per process; a second `record` in one
    // process (there is none) would keep the first.
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::Relaxed));
    let path = common.output.clone().unwrap_or_else(default_path);
    // The recorder writes JSON Lines events; another --to is converted
    // from them afterwards.
    let jsonl_path = match common.to {
        RecordFormat::Jsonl => path.clone(),
        _ => path.with_extension("events.jsonl"),
    };
    let mut info: Box<dyn Write> = if common.report != ReportFormat::Human {
        Box::new(io::stderr())
    } else {
        Box::new(io::stdout())
    };
    let (what, result) = match &args.system {
        System::Etcd(a) => {
            let config = EtcdConfig {
                binary: a.etcd_bin.clone(),
                serializable_reads: a.serializable_reads,
                roaming: a.roaming,
                workload,
                nemesis,
                ..EtcdConfig::default()
            };
            write_line(
                &mut info,
                &format!(
                    "recording etcd: 3 members, {} reads, nemesis {}, {} clients, {} keys, {:?} ...",
                    if a.serializable_reads {
                        "serializable"
                    } else {
                        "linearizable"
                    },
                    config.nemesis.kind.name(),
                    config.workload.clients,
                    config.workload.keys,
                    config.workload.duration
                ),
            )?;
            ("etcd", record::etcd::record(&config, &jsonl_path, &STOP))
        }
        System::Redis(a) => {
            let config = RedisConfig {
                binary: a.redis_bin.clone(),
                replicas: a.replicas,
                read_from: match a.read_from {
                    ReadFromArg::Replica => ReadFrom::Replica,
                    ReadFromArg::Primary => ReadFrom::Primary,
                    ReadFromArg::Any => ReadFrom::Any,
                },
                workload,
                nemesis,
            };
            write_line(
                &mut info,
                &format!(
                    "recording redis: primary and {} replicas, reads from {}, nemesis {}, {} clients, {} keys, {:?} ...",
                    config.replicas,
                    config.read_from.name(),
                    config.nemesis.kind.name(),
                    config.workload.clients,
                    config.workload.keys,
                    config.workload.duration
                ),
            )?;
            ("redis", record::redis::record(&config, &jsonl_path, &STOP))
        }
    };
    let summary = match result {
        Ok((summary, _)) => summary,
        Err(RecordingError::Config(e)) => return usage_error(e),
        Err(e) => {
            eprintln!("error: concord record {what}: {e}");
            return Ok(super::EXIT_INPUT);
        }
    };
    write_summary(&mut info, &summary, common)?;
    if common.to != RecordFormat::Jsonl {
        let code = convert(&jsonl_path, &path, common.to, out)?;
        if code != 0 {
            return Ok(code);
        }
        let _ = std::fs::remove_file(&jsonl_path);
    }
    write_line(&mut info, &format!("history: {}", path.display()))?;
    if summary.interrupted {
        write_line(
            &mut info,
            "interrupted: the servers were stopped; the history so far is kept and not checked",
        )?;
        return Ok(3);
    }
    write_line(&mut info, "")?;
    info.flush()?;
    drop(info);
    let check = CheckArgs {
        files: vec![path],
        input: InputArgs {
            format: "auto".to_string(),
            initial: None,
            fail_semantics: None,
            nil_read: None,
            independent_keys: None,
        },
        consistency: common.consistency.clone(),
        model: None,
        timeout: common.check_timeout.clone(),
        max_states: 10_000_000,
        max_memory: "auto".to_string(),
        clock_skew_ms: None,
        witness: false,
        max_violations: None,
        report: common.report,
        output: None,
        quiet: false,
        color: ColorChoice::Auto,
        quiescent_at: None,
        settle: None,
        dot: None,
        shrink: false,
        certificate: None,
        html: common.html.clone(),
    };
    super::commands::check(&check, out)
}

fn configs(
    common: &CommonArgs,
    cas_default: f64,
    rate_default: f64,
) -> Result<(WorkloadConfig, NemesisConfig), String> {
    let rate = common.rate.unwrap_or(rate_default);
    let cas_fraction = common.cas_fraction.unwrap_or(cas_default);
    for (name, f) in [
        ("--read-fraction", common.read_fraction),
        ("--cas-fraction", cas_fraction),
    ] {
        if !(0.0..=1.0).contains(&f) {
            return Err(format!("{name} must be between 0 and 1, got {f}"));
        }
    }
    if common.read_fraction + cas_fraction > 1.0 {
        return Err(format!(
            "--read-fraction plus --cas-fraction must be at most 1, got {}",
            common.read_fraction + cas_fraction
        ));
    }
    if common.clients == 0 {
        return Err("--clients must be at least 1".to_string());
    }
    if common.keys == 0 {
        return Err("--keys must be at least 1".to_string());
    }
    if !rate.is_finite() || rate < 0.0 {
        return Err(format!("--rate must be a non-negative number, got {rate}"));
    }
    let duration = parse_duration(&common.duration)?;
    if duration.is_zero() {
        return Err("--duration must be positive".to_string());
    }
    let timeout = parse_duration(&common.timeout)?;
    if timeout.is_zero() {
        return Err("--timeout must be positive".to_string());
    }
    parse_duration(&common.check_timeout)?;
    let workload = WorkloadConfig {
        clients: common.clients,
        keys: common.keys,
        ops_max: common.ops,
        rate_per_s: Some(rate).filter(|r| *r > 0.0),
        duration,
        seed: common.seed,
        timeout,
        read_fraction: common.read_fraction,
        cas_fraction,
    };
    let nemesis = NemesisConfig {
        kind: match common.nemesis {
            NemesisArg::None => NemesisKind::None,
            NemesisArg::Kill => NemesisKind::Kill,
            NemesisArg::Pause => NemesisKind::Pause,
            NemesisArg::All => NemesisKind::All,
        },
        fault: parse_duration(&common.fault_duration)?,
        gap: parse_duration(&common.fault_gap)?,
        ..NemesisConfig::default()
    };
    Ok((workload, nemesis))
}

fn default_path() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    std::env::temp_dir().join(format!(
        "concord-record-{secs}-{}.jsonl",
        std::process::id()
    ))
}

fn convert(from: &Path, to: &Path, format: RecordFormat, out: &mut dyn Write) -> io::Result<i32> {
    let text = match std::fs::read_to_string(from) {
        Ok(t) => t,
        Err(e) => return usage_error(format!("cannot read {}: {e}", from.display())),
    };
    let history = match concord::parse(&text, concord::Format::Jsonl, &Default::default()) {
        Ok(h) => h,
        Err(e) => {
            return usage_error(format!(
                "{}:{}: the recorded history does not parse: {}",
                from.display(),
                e.line,
                e.message
            ));
        }
    };
    let format = match format {
        RecordFormat::Jsonl => OutputFormat::JsonlEvents,
        RecordFormat::Hist => OutputFormat::Hist,
        RecordFormat::JepsenEdn => OutputFormat::JepsenEdn,
    };
    write_history(&history, format, Some(to), out)
}

/// The summary of what was run.
fn write_summary(out: &mut dyn Write, s: &RecordSummary, common: &CommonArgs) -> io::Result<()> {
    let secs = s.elapsed.as_secs_f64();
    write_line(out, "servers")?;
    for line in &s.servers {
        write_line(out, &format!("  {line}"))?;
    }
    for line in &s.clients {
        write_line(out, &format!("  {line}"))?;
    }
    write_line(out, &format!("faults ({})", s.faults.len()))?;
    for f in &s.faults {
        write_line(
            out,
            &format!(
                "  {} {} at {:.2}s for {:.2}s{}",
                f.fault,
                f.target,
                f.start_ns as f64 / 1e9,
                (f.end_ns - f.start_ns) as f64 / 1e9,
                f.error
                    .as_ref()
                    .map_or(String::new(), |e| format!(" (error: {e})"))
            ),
        )?;
    }
    let st = &s.stats;
    write_line(
        out,
        &format!(
            "operations {} in {secs:.1}s ({:.0}/s): ok {}, fail {}, unknown outcome (info) {}, pending {}; processes {}",
            st.invokes,
            st.invokes as f64 / secs.max(1e-9),
            st.ok,
            st.fail,
            st.info,
            st.pending,
            s.processes
        ),
    )?;
    for (e, n) in s.errors.iter().take(4) {
        write_line(out, &format!("  client error ×{n}: {e}"))?;
    }
    if common.nemesis != NemesisArg::None && s.faults.is_empty() && !s.interrupted {
        write_line(
            out,
            "note: the nemesis injected no fault: the run is too short for one (a fault needs --fault-duration plus 1s of quiet before and after); try a longer --duration",
        )?;
    }
    if st.ok < 20 && !s.interrupted {
        write_line(
            out,
            &format!(
                "note: only {} calls completed: too few to find much; try a longer --duration or a higher --rate",
                st.ok
            ),
        )?;
    }
    Ok(())
}
