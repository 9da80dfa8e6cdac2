//! `cargo xtask bench-bulk-memory`: peak memory and throughput of `dkim-doctor bulk` over a
//! long input (a million lines by default), against the in-process demo network (no BIND lab,
//! no root), optionally behind a relay adding `--latency-ms` to every round trip.
//!
//! The input cycles through the lab's scenario domains and, every fourth line, a domain that
//! exists nowhere (`bulk-memory-N.com`, a new one each time: NXDOMAIN from the `com.` servers),
//! so the run meets both a small set of zones asked again and again and an endless stream of
//! new names. The input file is written once (about 70 MB) under `target/bench-bulk-memory/`.
//! The binary's output is read through a pipe and counted; its resident set size is sampled
//! from `/proc/PID/status` while it runs, and its peak (`ru_maxrss` from `wait4`) read when it
//! ends.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: cargo xtask bench-bulk-memory [--lines N] [--concurrency N] [--latency-ms MS]";
/// Port of the delaying relay (the other benches use 5354 and 5356).
const RELAY_PORT: u16 = 5357;

struct Options {
    lines: usize,
    concurrency: usize,
    /// Added to every round trip by a relay in front of the lab (0: none).
    latency_ms: u64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        lines: 1_000_000,
        concurrency: 256,
        latency_ms: 0,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = || super::flag_number(arg, args.next(), USAGE);
        match arg.as_str() {
            "--lines" => options.lines = number()?.max(1) as usize,
            "--concurrency" => options.concurrency = number()?.clamp(1, 1024) as usize,
            "--latency-ms" => options.latency_ms = number()?,
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(options)
}

/// Runs the measurement.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let root = super::root();
    let binary = super::release_dkim_doctor()?;
    let input = write_input(&root, options.lines)?;
    let measured = Bench {
        binary: &binary,
        input: &input,
        lines: options.lines,
        concurrency: options.concurrency,
        relay_port: RELAY_PORT,
        latency_ms: options.latency_ms,
        timeout: if options.latency_ms > 0 {
            "1s"
        } else {
            "250ms"
        },
        label: "bench-bulk-memory",
    }
    .run_on(dns_lab::internet::miniature_internet())?;
    println!(
        "input: {} lines ({}); added latency per round trip: {} ms",
        options.lines,
        input.display(),
        options.latency_ms
    );
    measured.print(options.concurrency);
    measured.check_every_line(options.lines)
}

/// One measured `dkim-doctor bulk` run against a network served in this process.
pub struct Bench<'a> {
    /// The release binary.
    pub binary: &'a Path,
    /// The input file.
    pub input: &'a Path,
    /// Its number of lines.
    pub lines: usize,
    /// `--concurrency`.
    pub concurrency: usize,
    /// Where the delaying relay listens.
    pub relay_port: u16,
    /// What the relay adds to every round trip (0: no relay).
    pub latency_ms: u64,
    /// `--timeout`.
    pub timeout: &'a str,
    /// Names the progress lines.
    pub label: &'a str,
}

impl Bench<'_> {
    /// Serves `network` (one tokio worker, so the lab's CPU stays bounded), behind the relay,
    /// runs the binary against it with [`measure`], and stops them.
    pub fn run_on(&self, network: dns_lab::Network) -> Result<Measured, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| format!("tokio: {e}"))?;
        let lab = runtime
            .block_on(dns_lab::serve(network, 0))
            .map_err(|e| format!("cannot serve the network: {e}"))?;
        let roots: Vec<String> = lab.roots.iter().map(ToString::to_string).collect();
        let relay = delaying_relay(&runtime, &lab, self.relay_port, self.latency_ms)?;
        let port = relay.as_ref().map_or(lab.port, |r| r.listen_port);
        let args: Vec<String> = [
            "--concurrency",
            &self.concurrency.to_string(),
            "--roots",
            &roots.join(","),
            "--port",
            &port.to_string(),
            "-4",
            "--timeout",
            self.timeout,
        ]
        .map(String::from)
        .to_vec();
        let measured = measure(self.binary, self.input, &args, self.lines, self.label);
        if let Some(relay) = relay {
            runtime.block_on(relay.shutdown());
        }
        runtime.block_on(lab.shutdown());
        measured
    }
}

/// A relay on `port` in front of every server of `lab` adding `latency_ms` to every round
/// trip; none for 0.
fn delaying_relay(
    runtime: &tokio::runtime::Runtime,
    lab: &dns_lab::RunningLab,
    port: u16,
    latency_ms: u64,
) -> Result<Option<dns_lab::relay::RelaySet>, String> {
    if latency_ms == 0 {
        return Ok(None);
    }
    let addrs: Vec<std::net::Ipv4Addr> = lab
        .servers
        .iter()
        .filter_map(|a| match a.ip() {
            std::net::IpAddr::V4(ip) => Some(ip),
            std::net::IpAddr::V6(_) => None,
        })
        .collect();
    let delay = Duration::from_millis(latency_ms);
    runtime
        .block_on(dns_lab::relay::start(&addrs, port, lab.port, delay))
        .map(Some)
        .map_err(|e| format!("cannot start the delaying relay: {e}"))
}

/// What one run of `dkim-doctor bulk` gave.
pub struct Measured {
    /// Its exit status.
    pub status: i32,
    /// Output lines.
    pub reports: usize,
    /// Wall time from start to exit.
    pub elapsed: Duration,
    /// Peak resident set size (`ru_maxrss`), KiB.
    pub max_rss_kib: u64,
    /// Its last line on stderr (the summary).
    pub summary: String,
    /// (time, output lines, RSS in KiB) every half second.
    pub samples: Vec<(Duration, usize, u64)>,
}

impl Measured {
    /// Prints the summary, the rate, the peak RSS and a table of RSS over the run (Markdown).
    pub fn print(&self, concurrency: usize) {
        println!("bulk summary: {}", self.summary);
        println!(
            "exit status {}; {} reports in {:.1} s ({:.0}/s) at --concurrency {concurrency}",
            self.status,
            self.reports,
            self.elapsed.as_secs_f64(),
            self.reports as f64 / self.elapsed.as_secs_f64(),
        );
        println!(
            "peak RSS (ru_maxrss): {:.1} MiB",
            self.max_rss_kib as f64 / 1024.0
        );
        println!("| reports printed | elapsed | RSS |");
        println!("|---:|---:|---:|");
        for (at, done, rss) in thin(&self.samples, 10) {
            println!(
                "| {done} | {:.0} s | {:.1} MiB |",
                at.as_secs_f64(),
                *rss as f64 / 1024.0
            );
        }
    }

    /// An error unless there was one report per input line.
    pub fn check_every_line(&self, lines: usize) -> Result<(), String> {
        if self.reports != lines {
            return Err(format!(
                "{} reports for {lines} lines: the run did not check every line",
                self.reports
            ));
        }
        Ok(())
    }
}

/// Runs `dkim-doctor bulk INPUT ARGS...` (release `binary`), counting its output lines and
/// sampling its RSS from `/proc` until it ends; progress on stderr every tenth of `lines`.
pub fn measure(
    binary: &Path,
    input: &Path,
    args: &[String],
    lines: usize,
    label: &str,
) -> Result<Measured, String> {
    let mut child = Command::new(binary)
        .arg("bulk")
        .arg(input)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let pid = child.id();
    let started = Instant::now();
    let printed = Arc::new(AtomicUsize::new(0));
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let counter = Arc::clone(&printed);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n') {
            if line.is_err() {
                break;
            }
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let summary = std::thread::spawn(move || {
        let mut last = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            last = line;
        }
        last
    });

    // RSS samples until the process ends (its /proc entry goes away at the reaping below, so
    // sampling stops when the output ends).
    let mut samples: Vec<(Duration, usize, u64)> = Vec::new();
    let mut next_report = 0.1;
    while !reader.is_finished() {
        std::thread::sleep(Duration::from_millis(500));
        let Some(rss) = vm_rss_kib(pid) else { break };
        let done = printed.load(Ordering::Relaxed);
        samples.push((started.elapsed(), done, rss));
        let progress = done as f64 / lines as f64;
        if progress >= next_report {
            eprintln!(
                "{label}: {done} reports after {:.0} s, RSS {:.1} MiB",
                started.elapsed().as_secs_f64(),
                rss as f64 / 1024.0
            );
            next_report += 0.1;
        }
    }
    let (status, usage) = super::wait_with_rusage(pid)?;
    let max_rss_kib = usage.ru_maxrss as u64;
    let elapsed = started.elapsed();
    let _ = reader.join();
    let summary = summary.join().unwrap_or_default();
    Ok(Measured {
        status,
        reports: printed.load(Ordering::Relaxed),
        elapsed,
        max_rss_kib,
        summary,
        samples,
    })
}

/// About `count` samples spread over the run, the last one included.
fn thin(samples: &[(Duration, usize, u64)], count: usize) -> Vec<&(Duration, usize, u64)> {
    if samples.is_empty() {
        return Vec::new();
    }
    let step = (samples.len() / count).max(1);
    let mut picked: Vec<_> = samples.iter().step_by(step).collect();
    if let Some(last) = samples.last() {
        if !std::ptr::eq(*picked.last().unwrap_or(&last), last) {
            picked.push(last);
        }
    }
    picked
}

/// The input file: scenario lines, and every fourth line a name that exists nowhere.
fn write_input(root: &Path, lines: usize) -> Result<PathBuf, String> {
    let dir = root.join("target/bench-bulk-memory");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("input-{lines}.jsonl"));
    let scenarios = crate::bulk_bench::scenario_lines();
    let file = std::fs::File::create(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for i in 0..lines {
        let written = if i % 4 == 3 {
            writeln!(
                out,
                "{{\"domain\": \"bulk-memory-{i}.com\", \"selectors\": [\"mail\"]}}"
            )
        } else {
            writeln!(out, "{}", scenarios[i % scenarios.len()])
        };
        written.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    out.flush()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The resident set size of a process, from `/proc/PID/status` (KiB).
fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
