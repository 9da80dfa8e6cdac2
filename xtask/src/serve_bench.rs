//! `cargo xtask bench-serve`: latency of `dkim-doctor serve` (release build) under load, against
//! the in-process demo network: C connections (200) each send the same healthy SES check
//! (`ses-healthy.com`) again and again over HTTP/1.1 keep-alive for D seconds, after a warm-up
//! that fills the server's delegation cache; prints requests per second and latency
//! percentiles (Markdown), how the server's report cache answered (`x-dkim-doctor-cache`:
//! hit, joined or miss), and the CPU time of the server and of the load generator.
//!
//! Two load generators, both closed loops (a connection sends its next request when the last
//! is answered, as `oha` and `wrk` do by default): the tokio one here, or `wrk` with one thread
//! (`--generator wrk`), which needs far less CPU per request and so leaves the server more of
//! the cores they share. Either way the bench fails unless every response is 200 and every body
//! is a healthy report, byte for byte one that a check during the run (or just before) made.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const USAGE: &str =
    "usage: cargo xtask bench-serve [--connections N] [--seconds S] [--runs N] [--generator xtask|wrk] [--server PATH] [--server-threads N]";

/// Which load generator sends the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generator {
    /// The tokio one in this process.
    Xtask,
    /// `wrk` (Debian's package), one thread: a C event loop that takes a fraction of the CPU
    /// per request the tokio one does, leaving the server more of the cores they share.
    Wrk,
}

impl Generator {
    fn name(self) -> &'static str {
        match self {
            Generator::Xtask => "xtask",
            Generator::Wrk => "wrk",
        }
    }
}

struct Options {
    connections: usize,
    seconds: u64,
    generator: Generator,
    /// A `dkim-doctor` binary to run instead of this tree's release build (another commit's).
    server: Option<std::path::PathBuf>,
    /// The server's tokio worker threads (`TOKIO_WORKER_THREADS`; default: one per core).
    server_threads: Option<u64>,
    /// Measured runs against the same server, one after the other (each `seconds` long): the
    /// machine's own variation shows, and the summary gives the median and the worst.
    runs: u64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        connections: 200,
        seconds: 20,
        generator: Generator::Xtask,
        server: None,
        server_threads: None,
        runs: 1,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--generator" => {
                options.generator = match args.next().map(String::as_str) {
                    Some("xtask") => Generator::Xtask,
                    Some("wrk") => Generator::Wrk,
                    _ => return Err(format!("--generator takes xtask or wrk\n{USAGE}")),
                }
            }
            "--connections" => {
                options.connections =
                    super::flag_number(arg, args.next(), USAGE)?.clamp(1, 4096) as usize
            }
            "--server" => {
                let path = args
                    .next()
                    .ok_or(format!("--server takes a path\n{USAGE}"))?;
                options.server = Some(path.into());
            }
            "--server-threads" => {
                options.server_threads = Some(super::flag_number(arg, args.next(), USAGE)?.max(1))
            }
            "--seconds" => options.seconds = super::flag_number(arg, args.next(), USAGE)?.max(1),
            "--runs" => options.runs = super::flag_number(arg, args.next(), USAGE)?.clamp(1, 100),
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

/// The start of every healthy report of the check the bench sends.
const REPORT_START: &str = r#"{"domain":"ses-healthy.com","check":"ses","verdict":"pass","#;

/// Different response bodies a run may see before it is called a failure: one per check run
/// during it (a miss) and the one made before it.
const MAX_BODIES: usize = 16;

/// What a measured run saw.
struct Measured {
    requests: u64,
    elapsed: Duration,
    /// Latency at the 50th, 90th and 99th percentile and the largest, in milliseconds.
    latency_ms: [f64; 4],
    outcomes: Outcomes,
    /// The different response bodies, each once (at most [`MAX_BODIES`]).
    bodies: Vec<Vec<u8>>,
    /// CPU time of the load generator (user + system) during the run, in seconds.
    generator_cpu: Option<f64>,
}

/// Runs the benchmark.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let binary = match &options.server {
        Some(path) => path.clone(),
        None => super::release_dkim_doctor()?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio: {e}"))?;
    let lab = runtime
        .block_on(dns_lab::demo::start(0))
        .map_err(|e| format!("cannot start the demo network: {e}"))?;
    let roots: Vec<String> = lab.roots.iter().map(ToString::to_string).collect();
    let limit = (options.connections * 4).to_string();
    let mut server = Command::new(&binary);
    if let Some(threads) = options.server_threads {
        server.env("TOKIO_WORKER_THREADS", threads.to_string());
    }
    let mut child = server
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
    let result = (|| {
        // Warm-up: the delegation cache and the servers' round-trip times are learnt.
        let warm = Instant::now() + Duration::from_secs(2);
        runtime.block_on(load(addr, &request, 8, warm))?;
        let mut runs = Vec::new();
        for _ in 0..options.runs {
            let load_average = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
            let cpu_before = cpu_ticks(pid);
            let measured = match options.generator {
                Generator::Xtask => {
                    let until = Instant::now() + Duration::from_secs(options.seconds);
                    runtime.block_on(load(addr, &request, options.connections, until))?
                }
                Generator::Wrk => wrk(addr, &body, &options)?,
            };
            let cpu = cpu_ticks(pid)
                .zip(cpu_before)
                .map(|(after, before)| after - before);
            check_bodies(&measured)?;
            runs.push((load_average, measured, cpu));
        }
        Ok::<_, String>(runs)
    })();
    drop(server);
    runtime.block_on(lab.shutdown());
    let runs = result?;
    let threads = options
        .server_threads
        .map_or("one per core".to_string(), |n| n.to_string());
    println!(
        "\n`serve`, cached healthy SES check, {} connections, {} s per run, generator {}, server worker threads {threads}\n",
        options.connections,
        options.seconds,
        options.generator.name()
    );
    println!("| run | load average (1 min) | requests | requests/s | p50 | p90 | p99 | max | server CPU/request | generator CPU/request | report cache |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (index, (load_average, measured, cpu)) in runs.iter().enumerate() {
        let [p50, p90, p99, max] = measured.latency_ms;
        let per_request = |seconds: f64| seconds * 1e6 / measured.requests.max(1) as f64;
        // Clock ticks are 1/100 s on Linux.
        let server_cpu = cpu.map_or("-".to_string(), |ticks| {
            format!("{:.1} µs", per_request(ticks as f64 / 100.0))
        });
        let generator_cpu = measured.generator_cpu.map_or("-".to_string(), |seconds| {
            format!("{:.1} µs", per_request(seconds))
        });
        let outcomes = &measured.outcomes;
        println!(
            "| {} | {} | {} | {:.0} | {p50:.2} ms | {p90:.2} ms | {p99:.2} ms | {max:.1} ms | {server_cpu} | {generator_cpu} | {} hit, {} joined, {} miss |",
            index + 1,
            load_average.split_whitespace().next().unwrap_or("?"),
            measured.requests,
            measured.requests as f64 / measured.elapsed.as_secs_f64(),
            outcomes.hit,
            outcomes.joined,
            outcomes.miss
        );
    }
    let mut p99: Vec<f64> = runs.iter().map(|(_, m, _)| m.latency_ms[2]).collect();
    p99.sort_by(f64::total_cmp);
    println!(
        "\nevery response 200, every body a healthy report starting {REPORT_START} (no more different bodies than checks made); p99 over {} run(s): median {:.2} ms, worst {:.2} ms, {} of {} under 5 ms",
        p99.len(),
        p99[(p99.len() - 1) / 2],
        p99[p99.len() - 1],
        p99.iter().filter(|&&v| v < 5.0).count(),
        p99.len()
    );
    Ok(())
}

/// Fails unless every body is a healthy report and there were no more different ones than
/// checks run: a report answered from the cache is the very bytes of the check it came from.
fn check_bodies(measured: &Measured) -> Result<(), String> {
    if measured.requests == 0 {
        return Err("no request was answered".to_string());
    }
    for body in &measured.bodies {
        if !body.starts_with(REPORT_START.as_bytes()) {
            let start = String::from_utf8_lossy(&body[..body.len().min(200)]);
            return Err(format!("a response is not the healthy report: {start:?}"));
        }
    }
    let made = measured.outcomes.miss + 1;
    if measured.bodies.len() as u64 > made {
        return Err(format!(
            "{} different reports for {made} checks run: the cache gave bytes no check made",
            measured.bodies.len()
        ));
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

/// `connections` keep-alive connections sending `request` until `until`: the latencies, the
/// cache outcomes and the bodies seen, with the CPU time of this process (the generator and
/// the lab, idle once the report is cached).
async fn load(
    addr: std::net::SocketAddr,
    request: &str,
    connections: usize,
    until: Instant,
) -> Result<Measured, String> {
    let cpu_before = cpu_ticks(std::process::id());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let request = request.as_bytes().to_vec();
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut outcomes = Outcomes::default();
            let mut bodies: Vec<Vec<u8>> = Vec::new();
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
                // Compared with the last body only: a different one is rare (a check ran).
                if bodies.last() != Some(&body) && !bodies.contains(&body) {
                    if bodies.len() == MAX_BODIES {
                        return Err(format!("more than {MAX_BODIES} different responses"));
                    }
                    bodies.push(body.clone());
                }
            }
            Ok::<_, String>((latencies, outcomes, bodies))
        });
    }
    let mut latencies = Vec::new();
    let mut outcomes = Outcomes::default();
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (more, counted, seen) = joined.map_err(|e| format!("load task: {e}"))??;
        latencies.extend(more);
        outcomes.add(&counted);
        for body in seen {
            if !bodies.contains(&body) {
                bodies.push(body);
            }
        }
    }
    let elapsed = started.elapsed();
    let generator_cpu = cpu_ticks(std::process::id())
        .zip(cpu_before)
        .map(|(after, before)| (after - before) as f64 / 100.0);
    latencies.sort();
    let pct = |p: f64| {
        let at = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[at].as_secs_f64() * 1000.0
    };
    let latency_ms = if latencies.is_empty() {
        [0.0; 4]
    } else {
        [pct(0.50), pct(0.90), pct(0.99), pct(1.0)]
    };
    Ok(Measured {
        requests: latencies.len() as u64,
        elapsed,
        latency_ms,
        outcomes,
        bodies,
        generator_cpu,
    })
}

/// The wrk script: POSTs `body`; counts each status other than 200, how the report cache
/// answered, and each different body (kept, up to [`MAX_BODIES`]); at the end prints
/// `bench: NAME VALUE` lines and writes the bodies to `dir`.
fn wrk_script(body: &str, dir: &std::path::Path) -> String {
    format!(
        r#"wrk.method = "POST"
wrk.body = [==[{body}]==]
wrk.headers["Content-Type"] = "application/json"

local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  hit, joined, miss, bad, more = 0, 0, 0, 0, 0
  seen, bodies = {{}}, {{}}
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    return
  end
  local cache = headers["x-dkim-doctor-cache"]
  if cache == "hit" then
    hit = hit + 1
  elseif cache == "joined" then
    joined = joined + 1
  else
    miss = miss + 1
  end
  -- Lua strings are interned: the lookup hashes and compares the body once.
  if not seen[body] then
    seen[body] = true
    if #bodies < {MAX_BODIES} then
      table.insert(bodies, body)
    else
      more = more + 1
    end
  end
end

function done(summary, latency, requests)
  local totals = {{ hit = 0, joined = 0, miss = 0, bad = 0, more = 0 }}
  local n = 0
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
    for _, body in ipairs(thread:get("bodies")) do
      n = n + 1
      local file = assert(io.open([==[{dir}]==] .. "/body-" .. n .. ".json", "wb"))
      file:write(body)
      file:close()
    end
  end
  for name, value in pairs(totals) do
    io.write(string.format("bench: %s %d\n", name, value))
  end
  local errors = summary.errors
  io.write(string.format("bench: requests %d\n", summary.requests))
  io.write(string.format("bench: duration_us %d\n", summary.duration))
  io.write(string.format("bench: errors %d\n",
    errors.connect + errors.read + errors.write + errors.status + errors.timeout))
  io.write(string.format("bench: p50_us %d\n", latency:percentile(50)))
  io.write(string.format("bench: p90_us %d\n", latency:percentile(90)))
  io.write(string.format("bench: p99_us %d\n", latency:percentile(99)))
  io.write(string.format("bench: max_us %d\n", latency.max))
end
"#,
        dir = dir.display()
    )
}

/// Runs `wrk` (one thread, the bench's connections and seconds; a 10 s timeout, so that no slow
/// response falls out of its percentiles unnoticed: any timeout or error fails the bench).
fn wrk(addr: std::net::SocketAddr, body: &str, options: &Options) -> Result<Measured, String> {
    let dir = super::root().join("target/tmp/bench-serve");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let script = dir.join("check.lua");
    std::fs::write(&script, wrk_script(body, &dir))
        .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    let mut command = Command::new("wrk");
    command
        .args(["-t1", "-c", &options.connections.to_string()])
        .args(["-d", &format!("{}s", options.seconds)])
        .args(["--timeout", "10s", "--latency", "-s"])
        .arg(&script)
        .arg(format!("http://{addr}/v1/check/ses"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    println!("{command:?}");
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot run wrk (apt-get install wrk): {e}"))?;
    let mut output = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().ok_or("no stdout")?, &mut output)
        .map_err(|e| format!("cannot read wrk's output: {e}"))?;
    let (code, usage) = super::wait_with_rusage(child.id())?;
    let mut values = std::collections::HashMap::new();
    for line in output.lines() {
        match line.strip_prefix("bench: ") {
            Some(pair) => {
                if let Some((name, value)) = pair.split_once(' ') {
                    values.insert(name.to_string(), value.parse::<u64>().unwrap_or(u64::MAX));
                }
            }
            None => println!("  {line}"),
        }
    }
    if code != 0 {
        return Err(format!("wrk exited with {code}"));
    }
    let value = |name: &str| {
        values
            .get(name)
            .copied()
            .ok_or_else(|| format!("wrk's script printed no {name}"))
    };
    if value("bad")? > 0 || value("errors")? > 0 {
        return Err(format!(
            "{} responses other than 200, {} errors or timeouts",
            value("bad")?,
            value("errors")?
        ));
    }
    if value("more")? > 0 {
        return Err(format!("more than {MAX_BODIES} different responses"));
    }
    let mut bodies = Vec::new();
    for n in 1..=MAX_BODIES {
        match std::fs::read(dir.join(format!("body-{n}.json"))) {
            Ok(body) if !bodies.contains(&body) => bodies.push(body),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let ms = |name: &str| value(name).map(|us| us as f64 / 1000.0);
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Ok(Measured {
        requests: value("requests")?,
        elapsed: Duration::from_micros(value("duration_us")?),
        latency_ms: [ms("p50_us")?, ms("p90_us")?, ms("p99_us")?, ms("max_us")?],
        outcomes: Outcomes {
            hit: value("hit")?,
            joined: value("joined")?,
            miss: value("miss")?,
        },
        bodies,
        generator_cpu: Some(seconds(usage.ru_utime) + seconds(usage.ru_stime)),
    })
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
