//! Command-line interface: flag definitions (clap) and the commands. Thin:
//! each command reads its inputs, calls the library, and renders the
//! result. Exit codes: 0 holds, 1 violation, 2 input/usage error,
//! 3 inconclusive.

mod commands;
mod conventions;
mod input;
mod progress;
mod record;
mod shrink;
mod sim;
mod verify;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit code for input and usage errors.
pub const EXIT_INPUT: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "concord",
    version = conventions::VERSION,
    about = "Check operation histories of replicated systems against consistency guarantees",
    long_about = "concord reads an operation history (the concord language, JSON Lines, Jepsen \
EDN or text logs, Porcupine kv logs) and says, with evidence, which consistency guarantees it \
keeps and which it breaks.\n\nExit codes: 0 every requested guarantee holds, 1 a violation, \
2 input or usage error, 3 inconclusive (a budget ran out, a check could not run, or the history \
has no operations).",
    after_help = conventions::MAIN_EXAMPLES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check histories against consistency guarantees.
    #[command(after_help = conventions::CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Convert a history between formats (to the concord language, JSON Lines, Jepsen EDN or a Porcupine kv log).
    #[command(after_help = conventions::CONVERT_EXAMPLES)]
    Convert(ConvertArgs),
    /// Print facts about histories: operations, processes, keys, pending, concurrency.
    #[command(after_help = conventions::STATS_EXAMPLES)]
    Stats(StatsArgs),
    /// Generate a random register history, linearizable by construction
    /// unless --stale-reads makes some reads return overwritten values.
    #[command(after_help = conventions::GENERATE_EXAMPLES)]
    Generate(GenerateArgs),
    /// Run a replication protocol in the deterministic simulator and write
    /// the history it produced (optionally with named fault knobs).
    #[command(after_help = conventions::SIM_EXAMPLES)]
    Sim(SimArgs),
    /// Run every protocol and knob over several seeds, check every history
    /// with every guarantee, and compare with the expected verdicts.
    #[command(after_help = conventions::MATRIX_EXAMPLES)]
    Matrix(MatrixArgs),
    /// Reduce a violating history to a small one that still violates the
    /// same guarantee (delta debugging over time, processes, keys and
    /// operations), written as `.hist` text with the input lines it kept.
    #[command(after_help = conventions::SHRINK_EXAMPLES)]
    Shrink(shrink::ShrinkArgs),
    /// Re-check a certificate written by `check --certificate` against its
    /// history, with a small replay that shares no code with the checkers.
    #[command(after_help = conventions::VERIFY_EXAMPLES)]
    Verify(verify::VerifyArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = conventions::COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `concord man > concord.1`.
    #[command(after_help = conventions::MAN_EXAMPLES)]
    Man(ManArgs),
    /// Start a real etcd cluster or Redis primary/replicas, record a
    /// workload with faults, write the history and check it.
    Record(record::RecordArgs),
}

/// How to read input files.
#[derive(Args, Debug, Clone)]
pub(super) struct InputArgs {
    /// Input format: auto, hist, hist-events, jsonl, jepsen-edn, jepsen-log, porcupine-kv.
    #[arg(
        long,
        visible_alias = "from",
        default_value = "auto",
        value_name = "FORMAT"
    )]
    format: String,
    /// Initial value of every key, in concord value syntax (0, "s", nil),
    /// overriding the history header and the format's default.
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    initial: Option<String>,
    /// What a Jepsen `:fail` means: did-not-happen (Jepsen, Knossos) or
    /// definite-answer (a :fail cas answered false; the etcd logs' default).
    #[arg(long, value_name = "SEMANTICS")]
    fail_semantics: Option<String>,
    /// What a `nil` read in a Jepsen history means: unknown (unconstrained,
    /// Knossos's default) or absent (the key had no value).
    #[arg(long, value_name = "MEANING")]
    nil_read: Option<String>,
    /// Whether Jepsen `:value`s are `[key value]` tuples (default: detected).
    #[arg(long, value_name = "BOOL")]
    independent_keys: Option<bool>,
}

/// The report formats of `check`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// For people: one block per file, a table of files, a summary line.
    Human,
    /// A versioned message stream, one JSON object per line (docs/report.schema.json).
    Json,
    /// JUnit XML: one test suite per file, one test case per guarantee.
    Junit,
    /// SARIF 2.1.0: one result per violation, at the input lines of its evidence.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per violation.
    Github,
}

/// The report formats of `stats` and `matrix`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ReportKind {
    Human,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// History files or directories (every history file under them:
    /// *.hist, *.jsonl, *.edn, *.log; only history.edn where there is one);
    /// `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// Guarantees to check, comma-separated (default: all that apply):
    /// read-your-writes (ryw), monotonic-reads (mr), monotonic-writes (mw),
    /// writes-follow-reads (wfr), pram (fifo), causal (cm), weak-causal (cc),
    /// causal-convergence (ccv), convergence, sequential (sc), linearizable (lin).
    #[arg(long, short = 'c', value_delimiter = ',', value_name = "LIST")]
    consistency: Vec<String>,
    /// Data model for the strong checks: register, cas-register, kv, set,
    /// queue, counter, mutex, multi-register (default: the header's, else inferred).
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,
    /// Time budget of the whole check of each file, shared by every
    /// guarantee and search, e.g. 10s, 500ms, 2m (bare number: seconds;
    /// `none` for no limit). When it runs out the verdict is unknown.
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    timeout: String,
    /// Budget of memoized states per search (`0` for none).
    #[arg(long, value_name = "N", default_value_t = 10_000_000)]
    max_states: u64,
    /// Memory budget of the whole check of each file, shared by every
    /// search running at once: e.g. 512M, 4G (bare number: MiB; `none` for
    /// no budget; default: half of the machine's memory). When it runs out
    /// the verdict is unknown.
    #[arg(long, value_name = "SIZE", default_value = "auto")]
    max_memory: String,
    /// Widen every operation's interval by this many milliseconds before
    /// real-time order is built (clocks of several nodes). Needs a history
    /// with timestamps: refused when its times are event positions.
    #[arg(long, value_name = "MS")]
    clock_skew_ms: Option<u64>,
    /// Show a witness order for guarantees that hold (when supported).
    #[arg(long)]
    witness: bool,
    /// Report at most N violations per guarantee; the per-key searches of
    /// linearizability and sequential consistency stop once N keys are
    /// refuted (0: report and decide all; default: 3 in the human and
    /// github reports, all in json, junit and sarif).
    #[arg(long, value_name = "N")]
    max_violations: Option<usize>,
    /// Report format: human (default), json (a versioned message stream),
    /// junit (JUnit XML), sarif (SARIF 2.1.0), github (GitHub Actions
    /// annotations).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Human)]
    report: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print only the violations and the summary (human, github: no
    /// warnings), and no progress bar; the machine formats are always
    /// complete.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Colour: auto (default; off when piped or NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Quiescence point for the convergence check, in the history's time
    /// units (overrides a `%quiescent` header). Needs a history with
    /// timestamps: refused when its times are event positions.
    #[arg(long, value_name = "T")]
    quiescent_at: Option<u64>,
    /// Derive the quiescence point from the last nemesis heal/stop
    /// annotation plus this settle time (history time units). Needs a
    /// history with timestamps: refused when its times are event positions.
    #[arg(long, value_name = "T", conflicts_with = "quiescent_at")]
    settle: Option<u64>,
    /// Write each reported violation as a Graphviz DOT file into DIR
    /// (operations and labelled edges of the counterexample).
    #[arg(long, value_name = "DIR")]
    dot: Option<PathBuf>,
    /// Shrink the history for every violated guarantee and show each
    /// distinct small counterexample once, with the guarantees it breaks
    /// (as `concord shrink` does; each shrink has its own --timeout).
    #[arg(long)]
    shrink: bool,
    /// Write a certificate for the guarantees that hold to FILE (JSON,
    /// `docs/certificate.md`): the linearization and sequential order, and
    /// the guarantees they imply. `concord verify FILE HISTORY` re-checks
    /// it. One history file only.
    #[arg(long, value_name = "FILE")]
    certificate: Option<PathBuf>,
    /// Write a self-contained HTML report to FILE: a zoomable timeline of
    /// the history (one lane per process) with each violation's operations
    /// highlighted and its edges drawn, and the verdicts. One history file
    /// only.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// The concord language, interval form.
    Hist,
    /// JSON Lines, one operation per line.
    Jsonl,
    /// JSON Lines, one event (invoke or completion) per line.
    JsonlEvents,
    /// Jepsen EDN: a vector of event maps (what Jepsen and Knossos read).
    JepsenEdn,
    /// Porcupine's kv log (get/put/append of strings; other histories are refused).
    PorcupineKv,
}

#[derive(Args, Debug)]
struct ConvertArgs {
    /// Input file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Hist)]
    to: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct StatsArgs {
    /// History files or directories (as for `check`); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// Report format: human (default) or json.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportKind::Human)]
    report: ReportKind,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Number of operations.
    #[arg(long, default_value_t = 1000)]
    ops: usize,
    /// Number of concurrent processes.
    #[arg(long, default_value_t = 4)]
    processes: usize,
    /// Number of keys (0: one implicit key).
    #[arg(long, default_value_t = 1)]
    keys: usize,
    /// PRNG seed; the same flags and seed give the same bytes.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Fraction of reads.
    #[arg(long, default_value_t = 0.5)]
    read_fraction: f64,
    /// Fraction of compare-and-set operations.
    #[arg(long, default_value_t = 0.0)]
    cas_fraction: f64,
    /// Draw written values from 0..5 instead of making each one unique.
    #[arg(long)]
    repeat_values: bool,
    /// Fraction of calls that never return.
    #[arg(long, default_value_t = 0.0)]
    pending_fraction: f64,
    /// Fraction of reads that return an overwritten value (each one makes
    /// the history non-linearizable).
    #[arg(long, default_value_t = 0.0)]
    stale_reads: f64,
    /// The first N keys take repeated values (0..5), no stale reads and
    /// ten times longer operations: linearizable but hard to search (a
    /// Porcupine-style kv mix with --stale-reads on the other keys).
    #[arg(long, value_name = "N", default_value_t = 0)]
    hard_keys: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Hist)]
    to: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct SimArgs {
    /// The protocol (see --list).
    #[arg(long, required_unless_present = "list", value_name = "NAME")]
    protocol: Option<String>,
    /// A fault knob of the protocol; repeat for several.
    #[arg(long = "fault", value_name = "KNOB")]
    faults: Vec<String>,
    /// PRNG seed: the same seed gives the same bytes on every machine.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Client operations in the main phase (default: the protocol's scenario).
    #[arg(long)]
    ops: Option<usize>,
    /// Number of clients (default: the protocol's scenario).
    #[arg(long)]
    clients: Option<usize>,
    /// Number of keys (default: the protocol's scenario).
    #[arg(long)]
    keys: Option<usize>,
    /// Clients stay with one replica.
    #[arg(long, conflicts_with = "roaming")]
    sticky: bool,
    /// Clients pick any replica for each operation.
    #[arg(long)]
    roaming: bool,
    /// Describe every protocol and knob, and exit.
    #[arg(long)]
    list: bool,
    /// Print the run's counters (messages, bytes, Merkle savings) to stderr.
    #[arg(long)]
    stats: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Hist)]
    to: OutputFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct MatrixArgs {
    /// Number of seeds per row (seeds 1..=N).
    #[arg(long, default_value_t = 10)]
    seeds: u64,
    /// Only rows of this protocol.
    #[arg(long, value_name = "NAME")]
    protocol: Option<String>,
    /// Time budget of each strong-consistency search.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    timeout: String,
    /// Report format: human (default) or json.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportKind::Human)]
    report: ReportKind,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
struct ManArgs {
    /// Write one page per command (concord.1, concord-check.1, ...) into DIR.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Runs the command line and returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INPUT } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Check(args) => with_output(args.output.as_deref(), &mut out, |o| {
            commands::check(&args, o)
        }),
        Command::Convert(args) => commands::convert(&args, &mut out),
        Command::Stats(args) => with_output(args.output.as_deref(), &mut out, |o| {
            commands::stats(&args, o)
        }),
        Command::Generate(args) => commands::generate(&args, &mut out),
        Command::Sim(args) => sim::sim(&args, &mut out),
        Command::Matrix(args) => {
            with_output(args.output.as_deref(), &mut out, |o| sim::matrix(&args, o))
        }
        Command::Completions(args) => conventions::completions::<Cli>(args.shell, &mut out),
        Command::Man(args) => conventions::man::<Cli>(args.dir.as_deref(), &mut out),
        Command::Shrink(args) => shrink::run(&args, &mut out),
        Command::Verify(args) => verify::run(&args, &mut out),
        Command::Record(args) => record::record(&args, &mut out),
    };
    match result.and_then(|code| out.flush().map(|()| code)) {
        Ok(code) => code,
        // A closed pipe (`concord check ... | head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INPUT
        }
    }
}

/// Runs `write` on FILE (created or truncated) when there is one, else on
/// `out`. A FILE that cannot be created is a usage error (exit 2). A FILE
/// named like a report format (`-o json`) is refused: `--output` named the
/// report format before, and writing a file called `json` would hide
/// the mistake (`-o ./json` writes one).
fn with_output(
    path: Option<&Path>,
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> io::Result<i32>,
) -> io::Result<i32> {
    let Some(path) = path else {
        return write(out);
    };
    if let Some(name) = path.to_str()
        && ReportFormat::from_str(name, false).is_ok()
    {
        return commands::usage_error(format!(
            "`--output {name}` names a file; the report format is `--report {name}` (`--output` named the format before; `-o ./{name}` writes a file called {name})"
        ));
    }
    let file = match std::fs::File::create(path) {
        Ok(f) => f,
        Err(e) => {
            return commands::usage_error(format!("cannot write {}: {e}", path.display()));
        }
    };
    let mut file = io::BufWriter::new(file);
    let code = write(&mut file)?;
    file.flush()?;
    Ok(code)
}

/// Whether to colour output written to stdout.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

/// Whether to colour diagnostics written to stderr.
fn use_color_stderr(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stderr().is_terminal()
        }
    }
}

fn write_line(out: &mut dyn Write, s: &str) -> io::Result<()> {
    out.write_all(s.as_bytes())?;
    if !s.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    Ok(())
}
