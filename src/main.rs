//! The `concord` binary: parses flags, calls one `run`, maps the result to
//! an exit code. All the work is in the library; `cli` only reads files,
//! turns flags into configs and writes reports.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = cli::run();
    ExitCode::from(code as u8)
}
