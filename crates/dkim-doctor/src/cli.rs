//! The command line, as clap sees it. This module only describes arguments; checking what
//! they mean (a domain that is really a domain, a token without spaces) happens where the
//! values are used, so each error can name the argument in one sentence.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dns_wire::resolver::IpPrefix;

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
answered), 130 --watch or bulk stopped by Ctrl-C."
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

    /// A reduced check, when this machine cannot query name servers directly: ask this
    /// recursive resolver (IP address, optionally with :PORT; default port 53) the same
    /// questions instead of walking from the root. It shows the records, values and keys the
    /// resolver sees, not per-server differences or delegation faults.
    #[arg(long, global = true, value_name = "ADDR[:PORT]", value_parser = parse_resolver, conflicts_with = "roots")]
    pub resolver: Option<SocketAddr>,

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

    /// DNSSEC trust anchors instead of the IANA root KSKs (20326, 38696): a file of DS or
    /// DNSKEY records in zone-file format (repeatable; for labs and private roots).
    #[arg(long = "trust-anchor", global = true, value_name = "FILE")]
    pub trust_anchors: Vec<std::path::PathBuf>,

    /// Do not check DNSSEC (queries go without the DO bit; no dnssec-* findings).
    #[arg(long, global = true)]
    pub no_dnssec: bool,

    /// Validate DNSSEC signatures as at this time (RFC 3339, e.g. 2026-12-01T00:00:00Z)
    /// instead of now: for labs, whose signatures have fixed windows, and to see how a zone
    /// will validate at a given time.
    #[arg(long, global = true, value_name = "TIME", value_parser = crate::config::parse_validation_time)]
    pub validation_time: Option<u64>,
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
    /// Serve the checks over HTTP: a JSON API (/v1/check/ses, /v1/check/selector, /v1/trace),
    /// /healthz, /metrics and a web page at /.
    Serve(ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), generated from the same definitions as --help.
    #[command(after_help = MAN_EXAMPLES)]
    Man,
    /// Verify every DKIM signature of a received message (.eml or one mbox message) end to
    /// end, and say why each one fails.
    #[command(after_help = MESSAGE_EXAMPLES)]
    Message(MessageArgs),
}

const SES_EXAMPLES: &str = "\
Examples:
  dkim-doctor ses example.com --token t1 --token t2 --token t3
  dkim-doctor ses example.com --token 't1._domainkey.example.com CNAME t1.dkim.amazonses.com'
  aws sesv2 get-email-identity --email-identity example.com | dkim-doctor ses example.com --identity-json -
  dkim-doctor ses --records-csv example.com-records.csv --region eu-south-1
  aws sesv2 get-email-identity --email-identity example.com > identity.json
  dkim-doctor ses example.com --identity-json identity.json --region eu-west-1
  dkim-doctor ses example.com --token t1 --token t2 --token t3 --mail-from bounce.example.com
  dkim-doctor ses example.com --token t1 --token t2 --token t3 --watch 1m

A token may be pasted as the bare token, the full record name (with or without the final dot), \
the CNAME value, or whole rows copied from the SES console, a CSV or a zone file (type, name \
and value in any column order, separated by tabs, commas or spaces, header line allowed).";

const SELECTOR_EXAMPLES: &str = "\
Examples:
  dkim-doctor selector example.com google
  dkim-doctor selector example.com selector1 selector2
  dkim-doctor selector example.com s1._domainkey.example.com.
  dkim-doctor selector example.com mail --json

A selector may be given as s, s._domainkey, s._domainkey.<domain>, with or without the final \
dot, or as a pasted record row; each means the same check, with a note.";

const TRACE_EXAMPLES: &str = "\
Examples:
  dkim-doctor trace example.com NS
  dkim-doctor trace google._domainkey.example.com TXT --verbose
  dkim-doctor trace . NS --roots 127.53.0.1 --port 5300";

const BULK_EXAMPLES: &str = "\
Input: JSON lines ({\"domain\": ..., \"tokens\": [...]} or {\"domain\": ..., \"selectors\": \
[...]}) or CSV with a header naming the columns domain, tokens and/or selectors (several values \
in one cell separated by spaces, ';' or '|'), region and expect_ns optional.

Examples:
  dkim-doctor bulk domains.jsonl > reports.jsonl
  dkim-doctor bulk domains.csv --concurrency 32
  cat domains.jsonl | dkim-doctor bulk - --json
  dkim-doctor bulk domains.jsonl --shard 3/8   # the third of 8 processes' share
  dkim-doctor bulk domains.txt --selectors google,selector1 --format csv --unordered";

const DEMO_EXAMPLES: &str = "\
Examples:
  dkim-doctor demo                      # every scenario, one paragraph each
  dkim-doctor demo ses-missing          # the full report of one
  dkim-doctor demo ses-missing --json
  dkim-doctor demo --serve              # keep the demo network up; prints --roots ADDR --port N
  dkim-doctor demo --serve --port 5300  # ... on a port of your choice";

const SERVE_EXAMPLES: &str = "\
Examples:
  dkim-doctor serve                                  # http://127.0.0.1:8053/
  dkim-doctor serve --listen 0.0.0.0:8053 --max-checks 128
  curl -s localhost:8053/v1/check/ses -d '{\"domain\": \"example.com\", \"tokens\": [\"t1\", \"t2\", \"t3\"]}'
  dkim-doctor serve --roots 127.53.0.1 --port 5300 --allow-private 127.53.0.0/16   # a lab

By default no query is sent to a loopback, private (RFC 1918, fc00::/7), link-local, CGNAT, \
multicast, documentation or unspecified address, whatever a zone's NS records say (a finding \
names the servers not asked); --allow-private lifts that for labs (for the given networks only, \
when some are given). The --roots and --resolver addresses are always asked.

The same check asked again while its report is still true is answered with that report: for \
the smallest TTL of the records it rests on, at most --cache-ttl, and only a second when a server \
did not answer; send `Cache-Control: no-cache` for a check of its own.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  dkim-doctor completions bash > ~/.local/share/bash-completion/completions/dkim-doctor
  dkim-doctor completions zsh > \"${fpath[1]}/_dkim-doctor\"
  dkim-doctor completions fish > ~/.config/fish/completions/dkim-doctor.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  dkim-doctor man > dkim-doctor.1 && man ./dkim-doctor.1
  dkim-doctor man | gzip > /usr/local/share/man/man1/dkim-doctor.1.gz";

/// `dkim-doctor completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: clap_complete::Shell,
}

const MESSAGE_EXAMPLES: &str = "\
Examples:
  dkim-doctor message received.eml
  dkim-doctor message saved.mbox --json
  cat received.eml | dkim-doctor message -

Save the message with all its header fields (\"Show original\", \"View source\" or \"Save as \
.eml\" in most mail clients). Each signature's key is fetched from the authoritative servers of \
its d= domain with the same diagnosis as `selector`. Exit codes: 0 every signature verifies, 1 \
one does not (or there is none), 2 the file is not a message, 3 a key could not be fetched.";

/// `dkim-doctor ses`.
#[derive(Debug, Clone, Args)]
#[command(after_help = SES_EXAMPLES)]
pub struct SesArgs {
    /// The domain. It may be left out only with --records-csv (the CSV names it) or with
    /// --identity-json holding `aws ses get-identity-dkim-attributes` output for one identity
    /// (which names it); `aws sesv2 get-email-identity` output names it only when the file
    /// has an "EmailIdentity" (or "IdentityName") field beside the response, so give it
    /// otherwise.
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

    /// The identity's custom MAIL FROM domain (a subdomain such as bounce.example.com): its MX
    /// and SPF records are checked on every server of its zone. Overrides the identity
    /// JSON's MailFromDomain.
    #[arg(long = "mail-from", value_name = "NAME")]
    pub mail_from: Option<String>,

    #[command(flatten)]
    pub dmarc: DmarcArgs,

    #[command(flatten)]
    pub watch: WatchArgs,
}

/// `--no-dmarc`.
#[derive(Debug, Clone, Args)]
pub struct DmarcArgs {
    /// Do not read the domain's DMARC policy (_dmarc) nor judge alignment: the DKIM records
    /// (and the MAIL FROM domain, if any) only.
    #[arg(long = "no-dmarc")]
    pub no_dmarc: bool,
}

/// `dkim-doctor selector`.
#[derive(Debug, Clone, Args)]
#[command(after_help = SELECTOR_EXAMPLES)]
pub struct SelectorArgs {
    /// The signing domain (the d= of the signature).
    #[arg(value_name = "DOMAIN")]
    pub domain: String,

    /// One or more selectors (the s= of the signature).
    #[arg(value_name = "SELECTOR", required = true)]
    pub selectors: Vec<String>,

    #[command(flatten)]
    pub dmarc: DmarcArgs,

    #[command(flatten)]
    pub watch: WatchArgs,
}

/// `--watch [INTERVAL]`.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Re-check every INTERVAL (default 30s) until the verdict is pass, printing the first
    /// report and then only what really changed (a record, a finding, the verdict; not the
    /// timings). Ctrl-C stops it with exit code 130.
    #[arg(long, value_name = "INTERVAL", num_args = 0..=1,
          default_missing_value = DEFAULT_WATCH_INTERVAL, value_parser = parse_interval)]
    pub watch: Option<Duration>,
}

/// `dkim-doctor trace`.
#[derive(Debug, Clone, Args)]
#[command(after_help = TRACE_EXAMPLES)]
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
#[command(after_help = BULK_EXAMPLES)]
pub struct BulkArgs {
    /// The input file (- for stdin).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// How many domains to check at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub concurrency: usize,

    /// For a plain list of domains (one per line, no header): the DKIM selectors to check at
    /// each (comma separated or repeated).
    #[arg(long, value_name = "S[,S...]", value_delimiter = ',')]
    pub selectors: Vec<String>,

    /// Print each report as soon as its check ends, not in input order.
    #[arg(long)]
    pub unordered: bool,

    /// The output: one JSON report per line (jsonl), or CSV with one row per domain (domain,
    /// check, verdict, codes, summary) after a header row.
    #[arg(long, value_enum, default_value_t = BulkFormat::Jsonl, value_name = "FORMAT")]
    pub format: BulkFormat,

    /// Check only this shard of the input: K/N takes entries K, K+N, K+2N... (1-based, in
    /// input order, blank and comment lines not counted), so N processes given 1/N ... N/N
    /// split a list with no coordination (a Kubernetes Indexed Job, GNU parallel).
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,

    /// Give each domain a resolver and delegation cache of its own (for measuring what the
    /// shared cache saves).
    #[arg(long, hide = true)]
    pub no_shared_cache: bool,
}

/// `bulk --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BulkFormat {
    /// One JSON report per line (the report of `ses --json`).
    Jsonl,
    /// A header row, then one CSV row per domain: domain, check, verdict, codes, summary.
    Csv,
}

/// `--shard K/N`: the K-th of N shares of a bulk input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, from 1.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

impl Shard {
    /// Whether the entry at `ordinal` (0-based, in input order) belongs to this share.
    pub fn owns(&self, ordinal: usize) -> bool {
        ordinal % self.count == self.index - 1
    }
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let bad = || format!("{text:?} is not K/N with 1 <= K <= N (for example 2/8)");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let index: usize = k.trim().parse().map_err(|_| bad())?;
    let count: usize = n.trim().parse().map_err(|_| bad())?;
    if index == 0 || count == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// `dkim-doctor demo`.
#[derive(Debug, Clone, Args)]
#[command(after_help = DEMO_EXAMPLES)]
pub struct DemoArgs {
    /// One scenario to show (default: all). An unknown name lists the scenarios.
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<String>,

    /// Keep the demo network up on loopback (no root) until Ctrl-C, and print the
    /// `--roots ADDR --port N` that point ses, selector, trace and bulk at it (--port picks
    /// the port; default: a free one).
    #[arg(long)]
    pub serve: bool,
}

/// `dkim-doctor serve`.
#[derive(Debug, Clone, Args)]
#[command(after_help = SERVE_EXAMPLES)]
pub struct ServeArgs {
    /// The address and port to listen on for HTTP.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8053")]
    pub listen: SocketAddr,

    /// Also send queries to loopback, private, link-local and other non-public addresses (a
    /// lab): to those of the given networks only (ADDRESS/LENGTH, comma separated), or to all
    /// of them when none is given.
    #[arg(long, value_name = "PREFIX[,PREFIX...]", num_args = 0.., value_delimiter = ',')]
    pub allow_private: Option<Vec<IpPrefix>>,

    /// Checks running at once, over all clients; more are answered 429.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = parse_concurrency)]
    pub max_checks: usize,

    /// Checks per minute per client address; more are answered 429 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..))]
    pub client_rate: u32,

    /// Checks a client address may start in a burst before --client-rate applies.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub client_burst: u32,

    /// HTTP connections open at once over all clients; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// HTTP connections open at once from one client address; more are closed at once.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub client_connections: u32,

    /// Longest a report is given again to the same request (less when a record it rests on
    /// has a shorter TTL; 0s: every request gets a check, identical ones at once share it).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_cache_ttl)]
    pub cache_ttl: Duration,

    /// Reports kept at most (the least recently used goes first).
    #[arg(long, value_name = "N", default_value_t = 4096, value_parser = clap::value_parser!(u32))]
    pub cache_entries: u32,
}

/// `dkim-doctor message`.
#[derive(Debug, Clone, Args)]
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

fn parse_cache_ttl(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration > Duration::from_secs(3600) {
        return Err("reports are kept an hour at most".to_string());
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

/// `--resolver`: an IP address, or an address and port (`192.0.2.53:5353`, `[2001:db8::53]:53`).
fn parse_resolver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!("{text:?} is not an IP address or ADDRESS:PORT (names are never looked up through the system resolver)")
    })
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
    fn every_subcommand_help_has_examples() {
        let mut cli = Cli::command();
        for sub in cli.get_subcommands_mut() {
            let help = sub.render_help().to_string();
            assert!(
                help.contains("Examples:\n  dkim-doctor "),
                "{} --help has no examples",
                sub.get_name()
            );
        }
    }

    #[test]
    fn timeout_zero_is_refused() {
        assert!(Cli::try_parse_from(["dkim-doctor", "--timeout", "0s", "demo"]).is_err());
    }
}
