//! One function per command: validate the input, run it, print, and say how it ended.

use dns_wire::resolver::Resolver;
use dns_wire::{Name, RecordType};

use crate::cli::{Cli, Command, CommonOptions, TraceArgs};
use crate::config::{resolver_config, INTERNET_TIMEOUT};
use crate::exit::{Outcome, RunError};
use crate::output::Stdout;
use crate::render::trace::{trace_completed, trace_human, trace_json};
use crate::style::{use_color, Palette};
use crate::trace_walk::run_trace;

/// Runs the command the user chose.
pub async fn run(cli: Cli) -> Result<Outcome, RunError> {
    let common = cli.common;
    match cli.command {
        Command::Trace(args) => trace(&common, &args).await,
        Command::Ses(_) | Command::Selector(_) | Command::Bulk(_) | Command::Demo(_) => Err(
            RunError::CouldNotRun("this command is not wired yet".to_string()),
        ),
    }
}

/// `trace <NAME> [TYPE]`.
async fn trace(common: &CommonOptions, args: &TraceArgs) -> Result<Outcome, RunError> {
    let name = parse_name(&args.name)?;
    let rtype: RecordType = args.rtype.parse().map_err(|_| {
        RunError::BadInput(format!(
            "{:?} is not a record type (try A, AAAA, TXT, CNAME, NS, MX or SOA)",
            args.rtype
        ))
    })?;
    let resolver = Resolver::new(resolver_config(common, INTERNET_TIMEOUT)?);
    let run = run_trace(&resolver, &name, rtype).await;
    let mut stdout = Stdout::new();
    if common.json {
        let json = serde_json::to_string_pretty(&trace_json(&run))
            .map_err(|e| RunError::CouldNotRun(format!("cannot write the JSON: {e}")))?;
        stdout.write(&format!("{json}\n"));
    } else {
        let palette = Palette::new(use_color(common.color));
        stdout.write(&trace_human(&run, palette, common.verbose));
    }
    Ok(if trace_completed(&run) {
        Outcome::Pass
    } else {
        Outcome::Incomplete
    })
}

/// A domain name from the command line.
fn parse_name(text: &str) -> Result<Name, RunError> {
    text.parse::<Name>()
        .map_err(|e| RunError::BadInput(format!("{text:?} is not a domain name: {e}")))
}
