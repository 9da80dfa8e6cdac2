//! `cargo xtask bench-resolver`: resolves a fixed set of DKIM names of the lab from the lab
//! roots, cold, with our resolver (shared cache on and off, sequential and concurrent) and with
//! Unbound as a cold-cache recursive resolver on the same lab, then both again behind a relay
//! that adds a delay to every round trip, and prints queries and wall time side by side as a
//! Markdown table (see `BENCHMARKS.md`).
//!
//! It runs on a private copy of the BIND lab: the miniature internet moved from 127.53.0.0/16
//! to 127.54.0.0/16 (addresses and glue alike), served by its own `named` on port 53, so the
//! shared lab and whatever tests use it are never disturbed, and BIND's query log holds only
//! the benchmark's queries. Needs root (port 53, `ip addr`), `named` and `unbound`; everything
//! it starts or adds is stopped and removed at the end, by pid and by address.
//!
//! Queries are counted twice for our resolver (its own counter and the query log) and from the
//! query log for Unbound, so the two methods can be checked against each other.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dkim_rules::{Check, CheckMachine, Verdict};
use dns_lab::bind::{self, QUERY_LOG};
use dns_lab::internet::miniature_internet;
use dns_lab::scenarios::*;
use dns_lab::{Behaviour, Network};
use dns_wire::resolver::{Resolver, ResolverConfig, WalkOutcome};
use dns_wire::transport::{self, TransportConfig};
use dns_wire::{Name, Question, RData, Rcode, RecordType};

const USAGE: &str =
    "usage: cargo xtask bench-resolver [--rounds N] [--latency-ms MS] [--no-unbound]";
/// Port of the Unbound instance (loopback only).
const UNBOUND_PORT: u16 = 5399;
/// Port of the private BIND lab while the delaying relay holds port 53 in front of it.
const BEHIND_RELAY_PORT: u16 = 5354;

struct Options {
    rounds: usize,
    latency: Duration,
    unbound: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        rounds: 5,
        latency: Duration::from_millis(20),
        unbound: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--rounds" => {
                options.rounds = value()?
                    .parse()
                    .map_err(|_| format!("--rounds takes a number\n{USAGE}"))?
            }
            "--latency-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|_| format!("--latency-ms takes a number\n{USAGE}"))?;
                options.latency = Duration::from_millis(ms);
            }
            "--no-unbound" => options.unbound = false,
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if options.rounds == 0 {
        return Err(format!("--rounds must be at least 1\n{USAGE}"));
    }
    Ok(options)
}

/// The names resolved: every DKIM record a check of the lab's healthy and lame domains asks
/// for, TXT at the end of any CNAME chain.
fn names() -> Vec<Name> {
    let mut names = Vec::new();
    for domain in [SES_HEALTHY, GLUELESS, LAME] {
        for token in SES_TOKENS {
            names.push(format!("{token}._domainkey.{domain}"));
        }
    }
    for token in REGIONAL_TOKENS {
        names.push(format!("{token}._domainkey.{SES_REGIONAL}"));
    }
    for domain in [DKIM_ZONE_CUT, KEY_SPLIT, KEY_ED25519, KEY_RSA_1024] {
        names.push(format!("{SELECTOR_MAIL}._domainkey.{domain}"));
    }
    names.push(format!("{SELECTOR_GOOGLE}._domainkey.{SELECTOR_HEALTHY}"));
    for (selectors, domain) in [
        (SENDGRID_SELECTORS, SENDGRID_CUSTOMER),
        (M365_SELECTORS, M365_CUSTOMER),
        (BREVO_SELECTORS, BREVO_CUSTOMER),
    ] {
        for selector in selectors {
            names.push(format!("{selector}._domainkey.{domain}"));
        }
    }
    names
        .iter()
        .map(|n| n.parse().expect("lab names are valid"))
        .collect()
}

/// One measured run: wall time, queries by the resolver's own count (if it has one) and by
/// BIND's query log, and how many names got an answer.
struct Run {
    wall: Duration,
    /// CPU time this process spent during the run (all its threads), for our resolver.
    cpu: Option<Duration>,
    counted: Option<u64>,
    logged: usize,
    answered: usize,
}

struct Row {
    label: String,
    runs: Vec<Run>,
}

/// The median (the lower of the two middle values for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values
        .get(values.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0.0)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    runtime.block_on(bench(options))
}

async fn bench(options: Options) -> Result<(), String> {
    let network = private_network();
    let lab = PrivateLab::start(&network, 53).await?;
    let log = lab.query_log();
    let names = names();
    let roots: Vec<IpAddr> = network.roots.iter().copied().map(IpAddr::V4).collect();
    let mut rows = Vec::new();

    let ours = |port: u16, cache: bool| {
        let mut config = ResolverConfig::lab(roots.clone(), port);
        config.families.ipv6 = false;
        config.cache = cache;
        config
    };
    for (label, cache, concurrent) in [
        ("dkim-doctor resolver, cache on, sequential", true, false),
        ("dkim-doctor resolver, cache on, concurrent", true, true),
        ("dkim-doctor resolver, cache off, sequential", false, false),
    ] {
        let mut runs = Vec::new();
        for _ in 0..options.rounds {
            runs.push(run_ours(ours(53, cache), &names, concurrent, &log).await?);
        }
        rows.push(Row {
            label: label.to_string(),
            runs,
        });
    }

    // Full checks with BIND answering directly (no relay in this process): the CPU per query
    // of a whole check, the walk, the run's bookkeeping, the diagnosis and the report model.
    let direct = cold_ses_checks(|| ours(53, true), options.rounds, &log).await?;

    if options.unbound {
        for (label, concurrent) in [
            ("Unbound 1.17 cold cache, sequential", false),
            ("Unbound 1.17 cold cache, concurrent", true),
        ] {
            let mut runs = Vec::new();
            for _ in 0..options.rounds {
                runs.push(run_unbound(&network, &names, concurrent, &log).await?);
            }
            rows.push(Row {
                label: label.to_string(),
                runs,
            });
        }
    }

    lab.stop();

    // With latency: BIND moves to another port and the relay takes port 53 on every server
    // address, adding the delay to each round trip; both resolvers still ask port 53.
    let lab = PrivateLab::start(&network, BEHIND_RELAY_PORT).await?;
    let log = lab.query_log();
    let lab_servers: Vec<Ipv4Addr> = network
        .servers
        .iter()
        .filter(|s| s.behaviour != Behaviour::Unreachable)
        .map(|s| s.addr)
        .collect();
    let relay = dns_lab::relay::start(&lab_servers, 53, BEHIND_RELAY_PORT, options.latency)
        .await
        .map_err(|e| format!("cannot start the delaying relay: {e}"))?;
    let ms = options.latency.as_millis();
    for (label, concurrent) in [
        (
            format!("dkim-doctor resolver, +{ms} ms per hop, sequential"),
            false,
        ),
        (
            format!("dkim-doctor resolver, +{ms} ms per hop, concurrent"),
            true,
        ),
    ] {
        let mut runs = Vec::new();
        for _ in 0..options.rounds {
            runs.push(run_ours(ours(53, true), &names, concurrent, &log).await?);
        }
        rows.push(Row { label, runs });
    }
    if options.unbound {
        for (label, concurrent) in [
            (
                format!("Unbound 1.17 cold cache, +{ms} ms per hop, sequential"),
                false,
            ),
            (
                format!("Unbound 1.17 cold cache, +{ms} ms per hop, concurrent"),
                true,
            ),
        ] {
            let mut runs = Vec::new();
            for _ in 0..options.rounds {
                runs.push(run_unbound(&network, &names, concurrent, &log).await?);
            }
            rows.push(Row { label, runs });
        }
    }
    let checks = bench_checks(&network, &log, &options).await?;
    relay.shutdown().await;
    lab.stop();

    print_table(&rows, names.len(), options.rounds, options.latency);
    print_direct_checks(&direct, options.rounds);
    print_checks(&checks, options.rounds, options.latency);
    Ok(())
}

/// A lab scenario's SES check.
fn ses_check(domain: &str) -> Result<(Check, Vec<Name>), String> {
    let scenario = dns_lab::scenarios::SCENARIOS
        .iter()
        .find(|s| s.domain == domain)
        .ok_or_else(|| format!("no lab scenario {domain}"))?;
    let dns_lab::scenarios::Check::Ses { tokens, region, .. } = scenario.check else {
        return Err(format!("{domain} is not an SES scenario"));
    };
    let domain: Name = domain.parse().map_err(|e| format!("{domain}: {e}"))?;
    let names = tokens
        .iter()
        .map(|t| format!("{t}._domainkey.{domain}").parse())
        .collect::<Result<Vec<Name>, _>>()
        .map_err(|e| format!("{e}"))?;
    let check = Check::Ses {
        domain,
        tokens: tokens
            .iter()
            .map(|t| t.parse())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{e}"))?,
        signing_zone: None,
        region: region.map(str::to_string),
        expect_ns: Vec::new(),
        ses_soa: None,
        ses_status: None,
        // The DKIM check alone: Unbound is asked the same DKIM names, nothing else.
        mail_from: None,
        dmarc: false,
    };
    Ok((check, names))
}

/// iptables rules that drop every DNS packet to one address (UDP and TCP port 53), removed
/// when dropped.
struct DropRule(Ipv4Addr);

impl DropRule {
    fn add(addr: Ipv4Addr) -> Result<DropRule, String> {
        for proto in ["udp", "tcp"] {
            let status = Command::new("iptables")
                .args([
                    "-I",
                    "INPUT",
                    "-d",
                    &addr.to_string(),
                    "-p",
                    proto,
                    "--dport",
                    "53",
                    "-j",
                    "DROP",
                ])
                .status()
                .map_err(|e| format!("cannot run iptables (apt-get install iptables): {e}"))?;
            if !status.success() {
                return Err(format!(
                    "iptables could not add a rule for {addr} ({proto})"
                ));
            }
        }
        Ok(DropRule(addr))
    }
}

impl Drop for DropRule {
    fn drop(&mut self) {
        for proto in ["udp", "tcp"] {
            let _ = Command::new("iptables")
                .args([
                    "-D",
                    "INPUT",
                    "-d",
                    &self.0.to_string(),
                    "-p",
                    proto,
                    "--dport",
                    "53",
                    "-j",
                    "DROP",
                ])
                .status();
        }
    }
}

/// One full check: its verdict, the queries it sent, and what BIND logged.
struct CheckSample {
    run: Run,
    verdict: Verdict,
}

/// The healthy SES checks (two name servers with glue; four Route 53-style ones without) and
/// the missing one, `rounds` times each from a cold resolver built by `config`: one row of
/// samples per domain.
async fn cold_ses_checks(
    config: impl Fn() -> ResolverConfig,
    rounds: usize,
    log: &Path,
) -> Result<Vec<(String, Vec<CheckSample>)>, String> {
    let mut rows = Vec::new();
    for domain in [
        dns_lab::scenarios::SES_HEALTHY,
        dns_lab::scenarios::ROUTE53_HEALTHY,
        dns_lab::scenarios::SES_MISSING,
    ] {
        let (check, _) = ses_check(domain)?;
        let samples = cold_samples(&config, &check, rounds, log).await;
        rows.push((format!("dkim-doctor ses {domain}, cold"), samples));
    }
    Ok(rows)
}

/// `check`, `rounds` times, each on a fresh (cold) resolver built by `config`.
async fn cold_samples(
    config: &impl Fn() -> ResolverConfig,
    check: &Check,
    rounds: usize,
    log: &Path,
) -> Vec<CheckSample> {
    let mut samples = Vec::new();
    for _ in 0..rounds {
        let resolver = Resolver::new(config());
        samples.push(one_check(&resolver, check.clone(), log).await);
    }
    samples
}

/// Full checks behind the delaying relay: the cold SES checks ([`cold_ses_checks`]) and a
/// missing selector, each on a fresh resolver; Unbound cold on the same names (and on the
/// missing domain's keys at SES alone); one server silent; then healthy SES domains after a
/// first one on one resolver (a warm shared cache, as in bulk).
async fn bench_checks(
    network: &Network,
    log: &Path,
    options: &Options,
) -> Result<Vec<(String, Vec<CheckSample>)>, String> {
    let roots: Vec<IpAddr> = network.roots.iter().copied().map(IpAddr::V4).collect();
    let config = || {
        let mut config = ResolverConfig::lab(roots.clone(), 53);
        config.families.ipv6 = false;
        config
    };
    let mut rows = cold_ses_checks(config, options.rounds, log).await?;
    // A missing DKIM selector: records missing, and no provider key behind them to read.
    let missing_selector = Check::Selector {
        domain: dns_lab::scenarios::SES_HEALTHY
            .parse()
            .map_err(|e| format!("{e}"))?,
        selectors: vec!["nosuch".parse().map_err(|e| format!("{e}"))?],
        expect_ns: Vec::new(),
        dmarc: false,
    };
    let samples = cold_samples(&config, &missing_selector, options.rounds, log).await;
    rows.push((
        format!(
            "dkim-doctor selector {} --selector nosuch (missing), cold",
            dns_lab::scenarios::SES_HEALTHY
        ),
        samples,
    ));
    if options.unbound {
        let (_, names) = ses_check(dns_lab::scenarios::SES_HEALTHY)?;
        let (_, route53_names) = ses_check(dns_lab::scenarios::ROUTE53_HEALTHY)?;
        let (missing, missing_names) = ses_check(dns_lab::scenarios::SES_MISSING)?;
        let keys: Vec<Name> = match &missing {
            Check::Ses { tokens, .. } => tokens
                .iter()
                .filter_map(|t| t.prefixed_to(&missing.ses_zone()?))
                .collect(),
            Check::Selector { .. } => Vec::new(),
        };
        // The same names as the checks, and, as the floor of any check that reads SES's
        // side, the missing domain's three keys at SES alone.
        for (label, names) in [
            (
                format!(
                    "Unbound 1.17 cold, the {} names of {} at once",
                    names.len(),
                    dns_lab::scenarios::SES_HEALTHY
                ),
                names.clone(),
            ),
            (
                format!(
                    "Unbound 1.17 cold, the {} names of {} at once",
                    route53_names.len(),
                    dns_lab::scenarios::ROUTE53_HEALTHY
                ),
                route53_names,
            ),
            (
                format!(
                    "Unbound 1.17 cold, the {} names of {} at once (NXDOMAIN)",
                    missing_names.len(),
                    dns_lab::scenarios::SES_MISSING
                ),
                missing_names.clone(),
            ),
            (
                format!(
                    "Unbound 1.17 cold, the {} keys at SES of {}'s tokens at once",
                    missing_names.len(),
                    dns_lab::scenarios::SES_MISSING
                ),
                keys,
            ),
        ] {
            let mut samples = Vec::new();
            for _ in 0..options.rounds {
                let run = run_unbound(network, &names, true, log).await?;
                // pass: every name answered with TXT; fail: none (NXDOMAIN expected).
                let verdict = match run.answered {
                    n if n == names.len() => Verdict::Pass,
                    0 => Verdict::Fail,
                    _ => Verdict::Incomplete,
                };
                samples.push(CheckSample { run, verdict });
            }
            rows.push((label, samples));
        }
    }
    // One of the domain's two servers silent (its packets dropped before the relay): the check
    // should cost one exchange with it (every try, then TCP), not one per batch of questions.
    let (check, _) = ses_check(dns_lab::scenarios::SES_HEALTHY)?;
    let silent = network
        .servers
        .iter()
        .find(|s| s.host.to_string() == "ns2.dnshost.com.")
        .map(|s| s.addr)
        .ok_or("the lab has no ns2.dnshost.com")?;
    {
        let _dropped = DropRule::add(silent)?;
        let samples = cold_samples(&config, &check, options.rounds.min(3), log).await;
        rows.push((
            format!(
                "dkim-doctor ses {}, one of its 2 servers silent, cold",
                dns_lab::scenarios::SES_HEALTHY
            ),
            samples,
        ));
    }
    let warm = [
        dns_lab::scenarios::SES_HEALTHY,
        dns_lab::scenarios::GLUELESS,
        dns_lab::scenarios::SMALL_HOST,
        dns_lab::scenarios::SES_REGIONAL,
    ];
    // One row per domain checked after the first (the bulk steady state).
    let mut samples: Vec<Vec<CheckSample>> = warm.iter().skip(1).map(|_| Vec::new()).collect();
    for _ in 0..options.rounds {
        let resolver = Resolver::new(config());
        for (index, domain) in warm.iter().enumerate() {
            let sample = one_check(&resolver, ses_check(domain)?.0, log).await;
            // The first domain warms the cache.
            if index > 0 {
                samples[index - 1].push(sample);
            }
        }
    }
    for (domain, samples) in warm.iter().skip(1).zip(samples) {
        rows.push((
            format!(
                "dkim-doctor ses {domain} after {} (warm shared cache)",
                warm[0]
            ),
            samples,
        ));
    }
    Ok(rows)
}

async fn one_check(resolver: &Resolver, check: Check, log: &Path) -> CheckSample {
    let before = settled_log_count(log).await;
    let started = Instant::now();
    let cpu_before = process_cpu();
    let result = resolver
        .drive(CheckMachine::new(check))
        .await
        .into_result(Instant::now());
    let cpu = process_cpu().saturating_sub(cpu_before);
    let wall = started.elapsed();
    let logged = settled_log_count(log).await - before;
    CheckSample {
        verdict: result.report.verdict,
        run: Run {
            wall,
            cpu: Some(cpu),
            counted: Some(result.queries()),
            logged,
            answered: usize::from(result.report.verdict == Verdict::Pass),
        },
    }
}

/// A row's verdicts (each once) and the medians of its query counts and wall time (ms).
fn summary(samples: &[CheckSample]) -> (Vec<&str>, f64, f64, f64) {
    let mut verdicts: Vec<&str> = samples.iter().map(|s| s.verdict.as_str()).collect();
    verdicts.sort();
    verdicts.dedup();
    let counted = median(
        samples
            .iter()
            .map(|s| s.run.counted.unwrap_or(0) as f64)
            .collect(),
    );
    let logged = median(samples.iter().map(|s| s.run.logged as f64).collect());
    let wall = median(
        samples
            .iter()
            .map(|s| s.run.wall.as_secs_f64() * 1e3)
            .collect(),
    );
    (verdicts, counted, logged, wall)
}

/// The full checks asked of BIND directly: queries and the CPU this process spent per query
/// (median over the rounds, each round's CPU divided by its own query count).
fn print_direct_checks(rows: &[(String, Vec<CheckSample>)], rounds: usize) {
    println!(
        "\nFull checks, BIND answering directly (no added latency, no relay), cold resolver; \
         median of {rounds} rounds.\n"
    );
    println!(
        "| check | verdicts | queries (own count) | queries (BIND log) | wall ms | CPU µs/query |"
    );
    println!("|---|---|---|---|---|---|");
    for (label, samples) in rows {
        let (verdicts, counted, logged, wall) = summary(samples);
        let cpu = median(
            samples
                .iter()
                .map(|s| {
                    s.run.cpu.unwrap_or_default().as_secs_f64() * 1e6
                        / s.run.counted.unwrap_or(1).max(1) as f64
                })
                .collect(),
        );
        println!(
            "| {label} | {} | {counted:.0} | {logged:.0} | {wall:.1} | {cpu:.1} |",
            verdicts.join(", "),
        );
    }
}

fn print_checks(rows: &[(String, Vec<CheckSample>)], rounds: usize, latency: Duration) {
    println!(
        "\nFull checks, every server of every zone asked, {} ms added per round trip; median of \
         {rounds} rounds.\n",
        latency.as_millis()
    );
    println!("| check | verdicts | queries (own count) | queries (BIND log) | wall ms | wall / hop delay |");
    println!("|---|---|---|---|---|---|");
    for (label, samples) in rows {
        let (verdicts, counted, logged, wall) = summary(samples);
        let counted =
            if samples.iter().all(|s| s.run.counted.is_some()) && !label.starts_with("Unbound") {
                format!("{counted:.0}")
            } else {
                "-".to_string()
            };
        println!(
            "| {label} | {} | {counted} | {logged:.0} | {wall:.1} | {:.1} |",
            verdicts.join(", "),
            wall / latency.as_secs_f64().max(1e-9) / 1e3,
        );
    }
}

/// The miniature internet moved to 127.54.0.0/16: servers, roots and every A record that
/// pointed into 127.53.0.0/16 (glue and name server hosts).
fn private_network() -> Network {
    fn moved(addr: Ipv4Addr) -> Ipv4Addr {
        match addr.octets() {
            [127, 53, c, d] => Ipv4Addr::new(127, 54, c, d),
            _ => addr,
        }
    }
    let mut network = miniature_internet();
    for server in &mut network.servers {
        server.addr = moved(server.addr);
    }
    for root in &mut network.roots {
        *root = moved(*root);
    }
    for hosted in &mut network.zones {
        for addr in &mut hosted.servers {
            *addr = moved(*addr);
        }
        for record in &mut hosted.zone.records {
            if let RData::A(addr) = &mut record.data {
                *addr = moved(*addr);
            }
        }
    }
    network
}

/// The private BIND lab: a `named` of ours and the loopback addresses we added for it.
struct PrivateLab {
    named: Option<Child>,
    added: Vec<Ipv4Addr>,
    dir: PathBuf,
}

impl PrivateLab {
    /// Starts `named` for `network` on `port` (addresses added to `lo` first).
    async fn start(network: &Network, port: u16) -> Result<PrivateLab, String> {
        let dir =
            std::env::temp_dir().join(format!("dkim-doctor-bench-lab-{}", std::process::id()));
        let rendered = bind::render(network, &dir, port).map_err(|e| e.to_string())?;
        let mut lab = PrivateLab {
            named: None,
            added: Vec::new(),
            dir,
        };
        let present = lo_addresses()?;
        if let Some(taken) = rendered.listen.iter().find(|a| present.contains(a)) {
            return Err(format!(
                "{taken} is already on lo: another benchmark lab may be running"
            ));
        }
        std::fs::create_dir_all(&lab.dir)
            .map_err(|e| format!("cannot create {}: {e}", lab.dir.display()))?;
        for (path, text) in &rendered.zone_files {
            let path = lab.dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let conf = lab.dir.join("named.conf");
        std::fs::write(&conf, &rendered.named_conf)
            .map_err(|e| format!("cannot write {}: {e}", conf.display()))?;
        for addr in &rendered.listen {
            run_ip(&["addr", "add", &format!("{addr}/32"), "dev", "lo"])?;
            lab.added.push(*addr);
        }
        let named = Command::new("named")
            .arg("-f")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start named (apt-get install bind9): {e}"))?;
        lab.named = Some(named);
        let root = SocketAddr::new(IpAddr::V4(network.roots[0]), port);
        let question = Question::new(Name::root(), RecordType::SOA);
        let quick = TransportConfig {
            timeout: Duration::from_millis(200),
            udp_retries: 0,
            ..TransportConfig::default()
        };
        for _ in 0..100 {
            if let Ok(answer) = transport::query(root, &question, &quick).await {
                if answer.response.rcode() == Rcode::NOERROR {
                    return Ok(lab);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("the private lab's named did not answer at {root}"))
    }

    fn query_log(&self) -> PathBuf {
        self.dir.join(QUERY_LOG)
    }

    fn stop(self) {
        // Drop does the work.
    }
}

impl Drop for PrivateLab {
    fn drop(&mut self) {
        if let Some(mut named) = self.named.take() {
            let _ = named.kill();
            let _ = named.wait();
        }
        for addr in &self.added {
            let _ = run_ip(&["addr", "del", &format!("{addr}/32"), "dev", "lo"]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run_ip(args: &[&str]) -> Result<String, String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ip {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn lo_addresses() -> Result<Vec<Ipv4Addr>, String> {
    let out = run_ip(&["-4", "-o", "addr", "show", "dev", "lo"])?;
    Ok(out
        .split_whitespace()
        .filter_map(|w| w.split_once('/').and_then(|(a, _)| a.parse().ok()))
        .collect())
}

/// Queries BIND has logged so far.
fn logged_queries(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .map(|text| text.lines().filter(|l| l.contains(" query: ")).count())
        .unwrap_or(0)
}

/// BIND writes its query log as queries arrive; wait until the count stops moving.
async fn settled_log_count(log: &Path) -> usize {
    let mut last = logged_queries(log);
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = logged_queries(log);
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

async fn run_ours(
    config: ResolverConfig,
    names: &[Name],
    concurrent: bool,
    log: &Path,
) -> Result<Run, String> {
    let resolver = Resolver::new(config);
    let before = settled_log_count(log).await;
    let started = Instant::now();
    let cpu_before = process_cpu();
    let outcomes: Vec<WalkOutcome> = if concurrent {
        let mut set = tokio::task::JoinSet::new();
        for name in names {
            let (resolver, name) = (resolver.clone(), name.clone());
            set.spawn(async move { resolver.lookup(&name, RecordType::TXT).await.outcome });
        }
        let mut all = Vec::new();
        while let Some(done) = set.join_next().await {
            all.push(done.map_err(|e| format!("lookup task failed: {e}"))?);
        }
        all
    } else {
        let mut all = Vec::new();
        for name in names {
            all.push(resolver.lookup(name, RecordType::TXT).await.outcome);
        }
        all
    };
    let cpu = process_cpu().saturating_sub(cpu_before);
    let wall = started.elapsed();
    let logged = settled_log_count(log).await - before;
    Ok(Run {
        wall,
        cpu: Some(cpu),
        counted: Some(resolver.stats().queries),
        logged,
        answered: outcomes
            .iter()
            .filter(|o| matches!(o, WalkOutcome::Answer(_)))
            .count(),
    })
}

/// An Unbound process of ours, stopped (by its pid) when dropped.
struct Unbound {
    child: Child,
    _dir: TempDir,
}

impl Drop for Unbound {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn start_unbound(network: &Network) -> Result<Unbound, String> {
    let dir = std::env::temp_dir().join(format!("dkim-doctor-unbound-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let dir = TempDir(dir);
    let mut hints = String::new();
    for root in &network.roots {
        let host = network
            .server(*root)
            .map(|s| s.host.to_string())
            .ok_or("a lab root has no server entry")?;
        hints.push_str(&format!(".  3600000 NS {host}\n{host} 3600000 A {root}\n"));
    }
    let hints_path = dir.0.join("lab.root");
    std::fs::write(&hints_path, hints).map_err(|e| format!("cannot write root hints: {e}"))?;
    // Iterator only (no validator: the lab is unsigned), no QNAME minimisation (our walk asks
    // the full name too), no prefetching: a plain cold-cache iterative resolution.
    let config = format!(
        "server:\n  interface: 127.0.0.1\n  port: {UNBOUND_PORT}\n  do-ip6: no\n  \
         do-not-query-localhost: no\n  root-hints: \"{hints}\"\n  username: \"\"\n  \
         chroot: \"\"\n  directory: \"{dir}\"\n  pidfile: \"\"\n  use-syslog: no\n  \
         logfile: \"{dir}/unbound.log\"\n  verbosity: 0\n  module-config: \"iterator\"\n  \
         qname-minimisation: no\n  prefetch: no\n  num-threads: 1\n  \
         access-control: 127.0.0.0/8 allow\n  so-reuseport: no\n  \
         harden-referral-path: no\n  aggressive-nsec: no\n\
         remote-control:\n  control-enable: no\n",
        hints = hints_path.display(),
        dir = dir.0.display(),
    );
    let config_path = dir.0.join("unbound.conf");
    std::fs::write(&config_path, config).map_err(|e| format!("cannot write unbound.conf: {e}"))?;
    let child = Command::new("unbound")
        .arg("-d")
        .arg("-c")
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start unbound (apt-get install unbound): {e}"))?;
    Ok(Unbound { child, _dir: dir })
}

async fn run_unbound(
    network: &Network,
    names: &[Name],
    concurrent: bool,
    log: &Path,
) -> Result<Run, String> {
    let unbound = start_unbound(network)?;
    let server = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), UNBOUND_PORT);
    let config = TransportConfig {
        recursion_desired: true,
        timeout: Duration::from_secs(5),
        udp_retries: 0,
        ..TransportConfig::default()
    };
    // Ready when it answers `localhost.` (served locally, no upstream query).
    let probe = Question::new("localhost".parse().expect("valid"), RecordType::A);
    let mut ready = false;
    for _ in 0..50 {
        let quick = TransportConfig {
            timeout: Duration::from_millis(100),
            ..config.clone()
        };
        if transport::query(server, &probe, &quick).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !ready {
        return Err(format!("unbound did not start answering on {server}"));
    }
    let before = settled_log_count(log).await;
    let started = Instant::now();
    let ask = |name: Name| {
        let config = config.clone();
        async move {
            let question = Question::new(name, RecordType::TXT);
            matches!(
                transport::query(server, &question, &config).await,
                Ok(e) if e.response.rcode() == Rcode::NOERROR
                    && e.response.answers.iter().any(|r| r.rtype() == RecordType::TXT)
            )
        }
    };
    let answered = if concurrent {
        let mut set = tokio::task::JoinSet::new();
        for name in names {
            set.spawn(ask(name.clone()));
        }
        let mut count = 0;
        while let Some(done) = set.join_next().await {
            count += usize::from(done.map_err(|e| format!("query task failed: {e}"))?);
        }
        count
    } else {
        let mut count = 0;
        for name in names {
            count += usize::from(ask(name.clone()).await);
        }
        count
    };
    let wall = started.elapsed();
    let logged = settled_log_count(log).await - before;
    drop(unbound);
    Ok(Run {
        wall,
        cpu: None,
        counted: None,
        logged,
        answered,
    })
}

/// CPU time used by this process so far, every thread included (the resolver runs on a
/// multi-threaded tokio runtime; BIND and Unbound are other processes).
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn print_table(rows: &[Row], names: usize, rounds: usize, latency: Duration) {
    println!(
        "{names} names (TXT, CNAMEs followed), cold start each round, median of {rounds} rounds; \
         relay rows add {} ms per round trip.\n",
        latency.as_millis()
    );
    println!("| resolver | answered | queries (own count) | queries (BIND log) | queries/name | wall ms | wall / hop delay | CPU µs/query |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        let wall = median(
            row.runs
                .iter()
                .map(|r| r.wall.as_secs_f64() * 1e3)
                .collect(),
        );
        let logged = median(row.runs.iter().map(|r| r.logged as f64).collect());
        let counted = row.runs[0].counted.map_or("-".to_string(), |_| {
            format!(
                "{:.0}",
                median(
                    row.runs
                        .iter()
                        .map(|r| r.counted.unwrap_or(0) as f64)
                        .collect()
                )
            )
        });
        let answered = row.runs.iter().map(|r| r.answered).min().unwrap_or(0);
        let relayed = row.label.contains("per hop");
        let hops = if relayed && !latency.is_zero() {
            format!("{:.1}", wall / latency.as_secs_f64() / 1e3)
        } else {
            "-".to_string()
        };
        // Our resolver's CPU per query it sent; not for the relayed rows, where the relay
        // runs in this process too.
        let cpu = match (row.runs[0].cpu, relayed) {
            (Some(_), false) => format!(
                "{:.1}",
                median(
                    row.runs
                        .iter()
                        .map(|r| {
                            r.cpu.unwrap_or_default().as_secs_f64() * 1e6
                                / r.counted.unwrap_or(1).max(1) as f64
                        })
                        .collect()
                )
            ),
            _ => "-".to_string(),
        };
        println!(
            "| {} | {answered}/{names} | {counted} | {logged:.0} | {:.2} | {wall:.1} | {hops} | {cpu} |",
            row.label,
            logged / names as f64,
        );
    }
}
