//! `dkim-doctor`: the command-line tool, kept thin. It parses arguments, runs the probes that
//! `dkim-rules` asks for through the `dns-wire` resolver, hands the answers back to
//! `dkim-rules` and prints the report (human or JSON). No DNS or DKIM logic lives here.

pub mod bulk_input;
pub mod cli;
mod commands;
pub mod config;
pub mod duration;
pub mod exit;
pub mod input;
pub mod output;
pub mod probe_run;
pub mod progress;
pub mod render;
pub mod style;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::exit::Outcome;
use crate::output::{eprint_error, eprint_line};

/// Parses the command line, runs the command and returns its exit code (see [`Outcome`]).
/// Clap's own usage errors exit with 2 before anything runs; `--help` and `--version` with 0.
pub fn main_entry() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprint_line(&format!(
                "dkim-doctor: cannot start the async runtime: {error}"
            ));
            return Outcome::Incomplete.into();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(outcome) => outcome.into(),
        Err(error) => {
            eprint_error(&format!("dkim-doctor: {error}"));
            error.outcome().into()
        }
    }
}
