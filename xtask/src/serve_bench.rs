//! `cargo xtask bench-serve`: latency of `dkim-doctor serve` (release build) under load, against
//! the in-process demo network: C connections (200) each send the same healthy SES check
//! (`ses-healthy.com`) again and again over HTTP/1.1 keep-alive for D seconds, after a warm-up
//! that fills the server's delegation cache; prints requests per second and latency
//! percentiles (Markdown), and how the server's report cache answered (`x-dkim-doctor-cache`:
//! hit, joined or miss). The load generator is here (tokio, plain HTTP/1.1), so nothing but
//! the server is measured besides it; both share the machine's cores.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const USAGE: &str = "usage: cargo xtask bench-serve [--connections N] [--seconds S]";

struct Options {
    connections: usize,
    seconds: u64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        connections: 200,
        seconds: 20,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = || super::flag_number(arg, args.next(), USAGE);
        match arg.as_str() {
            "--connections" => options.connections = number()?.clamp(1, 4096) as usize,
            "--seconds" => options.seconds = number()?.max(1),
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(options)
}

/// The server process, killed when dropped.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the benchmark.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let binary = super::release_dkim_doctor()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio: {e}"))?;
    let lab = runtime
        .block_on(dns_lab::demo::start(0))
        .map_err(|e| format!("cannot start the demo network: {e}"))?;
    let roots: Vec<String> = lab.roots.iter().map(ToString::to_string).collect();
    let limit = (options.connections * 4).to_string();
    let mut child = Command::new(&binary)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--roots", &roots.join(","), "--port", &lab.port.to_string()])
        .args([
            "-4",
            "--timeout",
            "250ms",
            "--allow-private",
            "127.53.0.0/16",
        ])
        .args(["--max-checks", &limit])
        .args(["--max-connections", &limit, "--client-connections", &limit])
        .args(["--client-rate", "100000000", "--client-burst", "100000000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let pid = child.id();
    let server = Server(child);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .map_err(|e| format!("serve printed nothing: {e}"))?;
    let addr: std::net::SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("no address in {line:?}"))?;
    let tokens: Vec<String> = dns_lab::scenarios::SES_TOKENS
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect();
    let body = format!(
        "{{\"domain\": \"{}\", \"tokens\": [{}]}}",
        dns_lab::scenarios::SES_HEALTHY,
        tokens.join(", ")
    );
    let request = format!(
        "POST /v1/check/ses HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let result = runtime.block_on(async {
        // Warm-up: the delegation cache and the servers' round-trip times are learnt.
        let warm = Instant::now() + Duration::from_secs(2);
        load(addr, &request, 8, warm).await?;
        let until = Instant::now() + Duration::from_secs(options.seconds);
        let cpu_before = cpu_ticks(pid);
        let own_before = cpu_ticks(std::process::id());
        let started = Instant::now();
        let measured = load(addr, &request, options.connections, until).await?;
        let cpu = cpu_ticks(pid)
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        let own = cpu_ticks(std::process::id())
            .zip(own_before)
            .map(|(after, before)| after - before);
        Ok::<_, String>((measured, started.elapsed(), cpu, own))
    });
    drop(server);
    runtime.block_on(lab.shutdown());
    let ((mut latencies, outcomes), elapsed, cpu, own) = result?;
    latencies.sort();
    let pct = |p: f64| {
        let at = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[at].as_secs_f64() * 1000.0
    };
    println!(
        "| `serve`, cached healthy SES check, {} connections, {} s | requests/s | p50 | p90 | p99 | max |",
        options.connections, options.seconds
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| {} requests | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "report cache: {} hit, {} joined, {} miss",
        outcomes.hit, outcomes.joined, outcomes.miss
    );
    if let Some(ticks) = cpu {
        // Clock ticks are 1/100 s on Linux.
        let seconds = ticks as f64 / 100.0;
        println!(
            "server CPU (user + system): {seconds:.1} s in {:.1} s, {:.1} µs per request",
            elapsed.as_secs_f64(),
            seconds * 1e6 / latencies.len().max(1) as f64
        );
    }
    if let Some(ticks) = own {
        println!(
            "load generator and lab CPU (this process): {:.1} s",
            ticks as f64 / 100.0
        );
    }
    Ok(())
}

/// User and system CPU time of a process so far, in clock ticks (`/proc/PID/stat`).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

/// How the server's report cache answered (its `x-dkim-doctor-cache` header).
#[derive(Debug, Default)]
struct Outcomes {
    hit: u64,
    joined: u64,
    miss: u64,
}

impl Outcomes {
    fn count(&mut self, outcome: &str) {
        match outcome {
            "hit" => self.hit += 1,
            "joined" => self.joined += 1,
            _ => self.miss += 1,
        }
    }

    fn add(&mut self, other: &Outcomes) {
        self.hit += other.hit;
        self.joined += other.joined;
        self.miss += other.miss;
    }
}

/// `connections` keep-alive connections sending `request` until `until`; every latency, and
/// the cache outcomes.
async fn load(
    addr: std::net::SocketAddr,
    request: &str,
    connections: usize,
    until: Instant,
) -> Result<(Vec<Duration>, Outcomes), String> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let request = request.as_bytes().to_vec();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut outcomes = Outcomes::default();
            let stream = TcpStream::connect(addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            // Room for a whole response (a report is about 8 KiB): one read each, as a tuned
            // load generator does, so that the generator takes little of the CPU it shares.
            let mut stream = BufReader::with_capacity(64 * 1024, stream);
            let mut line = String::new();
            let mut body = Vec::new();
            while Instant::now() < until {
                let sent = Instant::now();
                stream
                    .get_mut()
                    .write_all(&request)
                    .await
                    .map_err(|e| format!("write: {e}"))?;
                let (status, outcome) = read_response(&mut stream, &mut line, &mut body).await?;
                if status != 200 {
                    return Err(format!("the server answered {status}"));
                }
                latencies.push(sent.elapsed());
                outcomes.count(outcome);
            }
            Ok::<_, String>((latencies, outcomes))
        });
    }
    let mut all = Vec::new();
    let mut outcomes = Outcomes::default();
    while let Some(joined) = tasks.join_next().await {
        let (latencies, counted) = joined.map_err(|e| format!("load task: {e}"))??;
        all.extend(latencies);
        outcomes.add(&counted);
    }
    Ok((all, outcomes))
}

/// Reads one response (status line, headers, a Content-Length body, into the buffers given);
/// returns the status and the report cache's outcome.
async fn read_response(
    stream: &mut BufReader<TcpStream>,
    line: &mut String,
    body: &mut Vec<u8>,
) -> Result<(u16, &'static str), String> {
    let mut status = 0;
    let mut length = 0usize;
    let mut outcome = "";
    let mut first = true;
    loop {
        line.clear();
        let read = stream
            .read_line(line)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if read == 0 {
            return Err("the server closed the connection".to_string());
        }
        let trimmed = line.trim_end();
        if first {
            status = trimmed
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| format!("bad status line {trimmed:?}"))?;
            first = false;
        } else if trimmed.is_empty() {
            break;
        } else if let Some((name, value)) = trimmed.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().map_err(|_| "bad content-length")?;
            } else if name.eq_ignore_ascii_case("x-dkim-doctor-cache") {
                outcome = match value.trim() {
                    "hit" => "hit",
                    "joined" => "joined",
                    _ => "miss",
                };
            }
        }
    }
    body.resize(length, 0);
    stream
        .read_exact(body)
        .await
        .map_err(|e| format!("read body: {e}"))?;
    Ok((status, outcome))
}
