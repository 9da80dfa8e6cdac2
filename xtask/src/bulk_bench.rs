//! `cargo xtask bench-bulk`: `dkim-doctor bulk` over every reachable domain of the BIND lab,
//! with the shared delegation cache and without it (`--no-shared-cache`: each domain walks
//! from the root), straight to the lab and behind a relay that adds latency to every round
//! trip; prints domains per second and queries per domain as a Markdown table.
//!
//! Each round is a fresh process (cold caches). Queries are the CLI's own count (its summary
//! on stderr): every query sent by the shared resolver, or by all the per-domain resolvers.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dns_lab::internet::miniature_internet;
use dns_lab::scenarios::{Check, Verdict, SCENARIOS};
use dns_lab::Behaviour;

const USAGE: &str =
    "usage: cargo xtask bench-bulk [--rounds N] [--concurrency N] [--latency-ms MS]";
/// Port of the delaying relay (the resolver bench uses 5354).
const RELAY_PORT: u16 = 5356;

struct Options {
    rounds: usize,
    concurrency: usize,
    latency: Duration,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        rounds: 5,
        concurrency: 16,
        latency: Duration::from_millis(20),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = || -> Result<u64, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{arg} takes a number\n{USAGE}"))
        };
        match arg.as_str() {
            "--rounds" => options.rounds = number()?.max(1) as usize,
            "--concurrency" => options.concurrency = number()?.max(1) as usize,
            "--latency-ms" => options.latency = Duration::from_millis(number()?),
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(options)
}

/// One measured configuration.
struct Row {
    label: String,
    /// Wall time and queries of each round.
    runs: Vec<(Duration, u64)>,
}

/// Runs the benchmark.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let root = super::root();
    let binary = super::release_dkim_doctor()?;

    let lab = ["--roots", "127.53.0.1,127.53.0.2", "-4", "--timeout", "1s"];
    let up = Command::new(&binary)
        .args(["trace", ".", "SOA", "--port", "53"])
        .args(lab)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if !up.success() {
        return Err("lab is not up: run cargo xtask lab up".to_string());
    }

    let input = write_input(&root)?;
    let domains = count_lines(&input)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("tokio: {e}"))?;
    let lab_servers: Vec<Ipv4Addr> = miniature_internet()
        .servers
        .iter()
        .filter(|s| s.behaviour != Behaviour::Unreachable)
        .map(|s| s.addr)
        .collect();
    let relay = runtime
        .block_on(dns_lab::relay::start(
            &lab_servers,
            RELAY_PORT,
            53,
            options.latency,
        ))
        .map_err(|e| format!("cannot start the delaying relay: {e}"))?;

    let ms = options.latency.as_millis();
    let mut rows = Vec::new();
    for (port, latency_label) in [
        (53, "no added latency".to_string()),
        (RELAY_PORT, format!("+{ms} ms per round trip")),
    ] {
        for shared in [true, false] {
            let label = format!(
                "{}, {latency_label}",
                if shared {
                    "shared cache"
                } else {
                    "no shared cache"
                }
            );
            let mut runs = Vec::new();
            for _ in 0..options.rounds {
                runs.push(bulk_once(
                    &binary,
                    &input,
                    port,
                    shared,
                    options.concurrency,
                    &lab,
                )?);
            }
            rows.push(Row { label, runs });
        }
    }
    runtime.block_on(relay.shutdown());
    print_table(&rows, domains, &options);
    Ok(())
}

/// Every scenario domain whose servers answer, once, as JSON lines: the unreachable
/// scenario would only measure its timeouts.
fn write_input(root: &std::path::Path) -> Result<PathBuf, String> {
    let dir = root.join("target/bench-bulk");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut text = String::new();
    for line in scenario_lines() {
        text.push_str(&line);
        text.push('\n');
    }
    let path = dir.join("domains.jsonl");
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// One `bulk` JSON line per lab scenario domain whose servers answer (without a newline).
pub(crate) fn scenario_lines() -> Vec<String> {
    let mut lines = Vec::new();
    let mut seen = Vec::new();
    for scenario in SCENARIOS {
        // `bulk` takes no identity JSON: those scenarios stay out, and the bench compares
        // with its earlier numbers.
        let identity = matches!(scenario.check, Check::Identity { .. });
        if scenario.verdict == Verdict::Incomplete || seen.contains(&scenario.domain) || identity {
            continue;
        }
        seen.push(scenario.domain);
        lines.push(match scenario.check {
            Check::Ses {
                tokens,
                region,
                expect_ns,
            } => format!(
                "{{\"domain\": \"{}\", \"tokens\": {:?}, \"region\": {}, \"expect_ns\": {:?}}}",
                scenario.domain,
                tokens,
                region.map_or("null".to_string(), |r| format!("\"{r}\"")),
                expect_ns
            ),
            Check::Selectors(selectors) => format!(
                "{{\"domain\": \"{}\", \"selectors\": {:?}}}",
                scenario.domain, selectors
            ),
            // Left out above.
            Check::Identity { .. } => continue,
        });
    }
    lines
}

fn count_lines(path: &std::path::Path) -> Result<usize, String> {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// One `dkim-doctor bulk` process: its wall time and the queries its summary reports.
fn bulk_once(
    binary: &std::path::Path,
    input: &std::path::Path,
    port: u16,
    shared: bool,
    concurrency: usize,
    lab: &[&str],
) -> Result<(Duration, u64), String> {
    let mut command = Command::new(binary);
    command
        .arg("bulk")
        .arg(input)
        .args([
            "--concurrency",
            &concurrency.to_string(),
            "--port",
            &port.to_string(),
        ])
        .args(lab)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if !shared {
        command.arg("--no-shared-cache");
    }
    let started = Instant::now();
    let output = command
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let queries = stderr
        .find(" queries (")
        .and_then(|at| {
            let start = stderr[..at].rfind(' ')? + 1;
            stderr[start..at].parse::<u64>().ok()
        })
        .ok_or_else(|| format!("no query count in the bulk summary: {stderr}"))?;
    // Exit codes 0, 1 and 3 are diagnoses; 2 would be an input error in our own file.
    if output.status.code() == Some(2) {
        return Err(format!("bulk refused the input: {stderr}"));
    }
    Ok((elapsed, queries))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn print_table(rows: &[Row], domains: usize, options: &Options) {
    println!(
        "| `dkim-doctor bulk`, {domains} lab domains, --concurrency {} | wall time (median of {}) | domains/s | queries/domain |",
        options.concurrency, options.rounds
    );
    println!("|---|---:|---:|---:|");
    for row in rows {
        let wall = median(row.runs.iter().map(|(d, _)| d.as_secs_f64()).collect());
        let queries = median(row.runs.iter().map(|(_, q)| *q as f64).collect());
        println!(
            "| {} | {:.0} ms | {:.1} | {:.1} |",
            row.label,
            wall * 1000.0,
            domains as f64 / wall,
            queries / domains as f64
        );
    }
}
