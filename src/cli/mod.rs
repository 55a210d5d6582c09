//! Command-line interface: flag definitions (clap) and the commands. Thin:
//! each command reads its inputs, calls the library, and renders the
//! result. Exit codes: 0 holds, 1 violation, 2 input/usage error,
//! 3 inconclusive.

mod commands;
mod input;
mod record;
mod sim;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

/// Exit code for input and usage errors.
pub const EXIT_INPUT: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "concord",
    version,
    about = "Check operation histories of replicated systems against consistency guarantees",
    long_about = "concord reads an operation history (the concord language, JSON Lines, Jepsen \
EDN or text logs, Porcupine kv logs) and says, with evidence, which consistency guarantees it \
keeps and which it breaks.\n\nExit codes: 0 every requested guarantee holds, 1 a violation, \
2 input or usage error, 3 inconclusive (a budget ran out, a check could not run, or the history \
has no operations)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check histories against consistency guarantees.
    Check(CheckArgs),
    /// Convert a history between formats (to the concord language, JSON Lines or Jepsen EDN).
    Convert(ConvertArgs),
    /// Print facts about histories: operations, processes, keys, pending, concurrency.
    Stats(StatsArgs),
    /// Generate a random register history, linearizable by construction
    /// unless --stale-reads makes some reads return overwritten values.
    Generate(GenerateArgs),
    /// Run a replication protocol in the deterministic simulator and write
    /// the history it produced (optionally with named fault knobs).
    Sim(SimArgs),
    /// Run every protocol and knob over several seeds, check every history
    /// with every guarantee, and compare with the expected verdicts.
    Matrix(MatrixArgs),
    /// Start a real etcd cluster or Redis primary/replicas, record a
    /// workload with faults, write the history and check it.
    Record(record::RecordArgs),
}

/// How to read input files.
#[derive(Args, Debug, Clone)]
struct InputArgs {
    /// Input format: auto, hist, hist-events, jsonl, jepsen-edn, jepsen-log, porcupine-kv.
    #[arg(long, default_value = "auto", value_name = "FORMAT")]
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

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum OutputKind {
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
    /// History files; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
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
    /// refuted (0: report and decide all; default: 3 in human output, all
    /// in JSON).
    #[arg(long, value_name = "N")]
    max_violations: Option<usize>,
    /// Output: human (default) or json (a versioned message stream).
    #[arg(long, value_enum, default_value_t = OutputKind::Human)]
    output: OutputKind,
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
    /// History files; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
    /// Output: human (default) or json.
    #[arg(long, value_enum, default_value_t = OutputKind::Human)]
    output: OutputKind,
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
    /// Output: human (default) or json.
    #[arg(long, value_enum, default_value_t = OutputKind::Human)]
    output: OutputKind,
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
        Command::Check(args) => commands::check(&args, &mut out),
        Command::Convert(args) => commands::convert(&args, &mut out),
        Command::Stats(args) => commands::stats(&args, &mut out),
        Command::Generate(args) => commands::generate(&args, &mut out),
        Command::Sim(args) => sim::sim(&args, &mut out),
        Command::Matrix(args) => sim::matrix(&args, &mut out),
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
