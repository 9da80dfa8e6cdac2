//! The command line, as clap sees it. This module only describes arguments; checking what
//! they mean (a domain that is really a domain, a token without spaces) happens where the
//! values are used, so each error can name the argument in one sentence.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::duration::parse_duration;

/// Default interval between two checks under `--watch` when no value is given.
pub const DEFAULT_WATCH_INTERVAL: &str = "30s";

/// Default number of domains checked at once by `bulk`.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Tells you exactly why your domain's DKIM records fail to verify, and what to change.
///
/// dkim-doctor asks the authoritative name servers themselves (every one of them, from the
/// root down), never your local resolver, and explains what it finds.
#[derive(Debug, Parser)]
#[command(name = "dkim-doctor", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 pass, 1 a problem was found (a finding of severity \
error), 2 bad usage or input, 3 the check could not complete (no authoritative server \
answered)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub common: CommonOptions,
}

/// Options every command accepts.
#[derive(Debug, Clone, Args)]
pub struct CommonOptions {
    /// Start the walk at these servers instead of the Internet's root servers (IP addresses,
    /// comma separated or repeated: labs, private roots).
    #[arg(
        long,
        global = true,
        value_name = "ADDR[,ADDR...]",
        value_delimiter = ','
    )]
    pub roots: Vec<IpAddr>,

    /// Ask every server on this UDP/TCP port instead of 53 (for labs on loopback).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,

    /// Print one JSON object (bulk: one per line) instead of the human report.
    #[arg(long, global = true)]
    pub json: bool,

    /// Add the full query trace (every query sent, to which server, and its answer).
    #[arg(long, global = true)]
    pub trace: bool,

    /// How long to wait for each server's answer (e.g. 800ms, 2s) [default: 1.5s; demo:
    /// 250ms].
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,

    /// Use IPv4 only.
    #[arg(short = '4', global = true, conflicts_with = "ipv6_only")]
    pub ipv4_only: bool,

    /// Use IPv6 only.
    #[arg(short = '6', global = true)]
    pub ipv6_only: bool,

    /// Color the human output: auto (when stdout is a terminal and NO_COLOR is unset), always
    /// or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Say more: every server's value even when they agree, full record texts, round-trip
    /// times in traces.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// When to color the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the Amazon SES Easy DKIM CNAME records of a domain.
    Ses(SesArgs),
    /// Check DKIM selectors of a domain (TXT records or CNAME chains).
    Selector(SelectorArgs),
    /// Walk the delegation from the root, asking every server of every zone.
    Trace(TraceArgs),
    /// Check many domains from a CSV or JSON-lines file, one JSON object per domain.
    Bulk(BulkArgs),
    /// Diagnose the example domains of an embedded simulated DNS, offline.
    Demo(DemoArgs),
    /// Verify every DKIM signature of a received message (.eml or one mbox message) end to
    /// end, and say why each one fails.
    Message(MessageArgs),
}

/// `dkim-doctor ses`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "A token may be pasted as the bare token, the full record name (with or \
without the final dot) or the whole 'name CNAME value' line from the SES console."
)]
pub struct SesArgs {
    /// The domain (optional with --identity-json or --records-csv, which name it).
    #[arg(value_name = "DOMAIN")]
    pub domain: Option<String>,

    /// A DKIM token SES gave you (repeat for each, normally three).
    #[arg(long = "token", short = 't', value_name = "T")]
    pub tokens: Vec<String>,

    /// The AWS region of the SES identity (some regions use their own DKIM zone).
    #[arg(long, value_name = "R")]
    pub region: Option<String>,

    /// Name servers you expect to serve the domain (e.g. your Route 53 hosted zone's); the
    /// records are also looked for there.
    #[arg(long = "expect-ns", value_name = "NAME")]
    pub expect_ns: Vec<String>,

    /// The output of `aws sesv2 get-email-identity` (a file, or - for stdin).
    #[arg(long, value_name = "FILE|-", conflicts_with = "records_csv")]
    pub identity_json: Option<PathBuf>,

    /// The record set CSV downloaded from the SES console.
    #[arg(long, value_name = "FILE")]
    pub records_csv: Option<PathBuf>,

    #[command(flatten)]
    pub watch: WatchArgs,
}

/// `dkim-doctor selector`.
#[derive(Debug, Clone, Args)]
pub struct SelectorArgs {
    /// The signing domain (the d= of the signature).
    #[arg(value_name = "DOMAIN")]
    pub domain: String,

    /// One or more selectors (the s= of the signature).
    #[arg(value_name = "SELECTOR", required = true)]
    pub selectors: Vec<String>,

    #[command(flatten)]
    pub watch: WatchArgs,
}

/// `--watch [INTERVAL]`.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Re-check every INTERVAL (default 30s) until the verdict is pass or Ctrl-C, printing
    /// only what changed.
    #[arg(long, value_name = "INTERVAL", num_args = 0..=1,
          default_missing_value = DEFAULT_WATCH_INTERVAL, value_parser = parse_interval)]
    pub watch: Option<Duration>,
}

/// `dkim-doctor trace`.
#[derive(Debug, Clone, Args)]
pub struct TraceArgs {
    /// The name to resolve.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The record type (A, TXT, CNAME, NS, ...).
    #[arg(value_name = "TYPE", default_value = "A")]
    pub rtype: String,
}

/// `dkim-doctor bulk`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Input: JSON lines ({\"domain\": ..., \"tokens\": [...]} or \
{\"domain\": ..., \"selectors\": [...]}) or CSV with a header naming the columns domain, \
tokens and/or selectors (several values in one cell separated by spaces, ';' or '|'), \
region and expect_ns optional."
)]
pub struct BulkArgs {
    /// The input file (- for stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// How many domains to check at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub concurrency: usize,

    /// Give each domain a resolver and delegation cache of its own (for measuring what the
    /// shared cache saves).
    #[arg(long, hide = true)]
    pub no_shared_cache: bool,
}

/// `dkim-doctor demo`.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// One scenario to show (default: all). An unknown name lists the scenarios.
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<String>,
}

/// `dkim-doctor message`.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Save the message with all its header fields (\"Show original\", \"View \
source\" or \"Save as .eml\" in most mail clients). Each signature's key is fetched from the \
authoritative servers of its d= domain with the same diagnosis as `selector`. Exit codes: 0 \
every signature verifies, 1 one does not (or there is none), 2 the file is not a message, 3 a \
key could not be fetched."
)]
pub struct MessageArgs {
    /// The message: a file (.eml, or an mbox holding one message), or - for stdin.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration.is_zero() {
        return Err("the timeout must be longer than zero".to_string());
    }
    if duration > Duration::from_secs(60) {
        return Err("the timeout is at most 60s per query".to_string());
    }
    Ok(duration)
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration < Duration::from_secs(1) {
        return Err("the watch interval is at least 1s".to_string());
    }
    Ok(duration)
}

fn parse_concurrency(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a number from 1 to 1024")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn watch_without_value_uses_default_interval() {
        let cli = Cli::try_parse_from(["dkim-doctor", "selector", "example.com", "s1", "--watch"])
            .unwrap();
        let Command::Selector(args) = cli.command else {
            panic!("not selector")
        };
        assert_eq!(args.watch.watch, Some(Duration::from_secs(30)));
    }

    #[test]
    fn roots_accept_commas_and_repeats() {
        let cli = Cli::try_parse_from([
            "dkim-doctor",
            "trace",
            "example.com",
            "--roots",
            "127.0.0.1,::1",
            "--roots",
            "127.0.0.2",
        ])
        .unwrap();
        assert_eq!(cli.common.roots.len(), 3);
    }

    #[test]
    fn ipv4_and_ipv6_only_conflict() {
        assert!(Cli::try_parse_from(["dkim-doctor", "-4", "-6", "demo"]).is_err());
    }

    #[test]
    fn timeout_zero_is_refused() {
        assert!(Cli::try_parse_from(["dkim-doctor", "--timeout", "0s", "demo"]).is_err());
    }
}
