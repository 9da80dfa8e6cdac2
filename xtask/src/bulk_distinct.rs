//! `cargo xtask bench-bulk-distinct`: domains per second and peak memory of `dkim-doctor bulk`
//! (release) over N distinct customer domains (10,000 by default), each a zone of its own, on
//! a generated in-process network (no BIND lab, no root) behind a relay that adds
//! `--latency-ms` (20) to every round trip, at `--concurrency` (256).
//!
//! The network: two root servers, four TLDs (`com`, `net`, `org`, `io`, two servers each),
//! `amazonses.com` and its `dkim.amazonses.com` zone (a wildcard TXT holding SES's key answers
//! every token's target, as SES's own servers answer each identity's three), and eight DNS
//! providers (two servers each) hosting the customer zones. Every domain has three tokens of
//! its own. The mix, by domain number modulo 100:
//!
//! | share | domain | expected |
//! |---:|---|---|
//! | 80 % | the three CNAMEs, SPF and DMARC | pass |
//! | 8 % | pending: SPF and DMARC, no CNAME | fail (records missing) |
//! | 4 % | two CNAMEs of three | fail |
//! | 4 % | also delegated to a server that answers REFUSED | fail (lame) |
//! | 1 % | also delegated to a server that never answers | timeouts on that server |
//! | 3 % | not registered (NXDOMAIN from the TLD) | fail |

use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use dns_lab::build::{name, ZoneBuilder};
use dns_lab::{Behaviour, HostedZone, Network, Server, Zone};

const USAGE: &str =
    "usage: cargo xtask bench-bulk-distinct [--domains N] [--concurrency N] [--latency-ms MS]";
/// Port of the delaying relay (the other benches use 5354, 5356 and 5357).
const RELAY_PORT: u16 = 5358;
const TLDS: [&str; 4] = ["com", "net", "org", "io"];
const PROVIDERS: u8 = 8;
/// The infrastructure's host names live in this zone (under `net`).
const INFRA: &str = "bench-ns.net";

struct Options {
    domains: usize,
    concurrency: usize,
    latency_ms: u64,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        domains: 10_000,
        concurrency: 256,
        latency_ms: 20,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = || super::flag_number(arg, args.next(), USAGE);
        match arg.as_str() {
            "--domains" => options.domains = number()?.clamp(1, 1_000_000) as usize,
            "--concurrency" => options.concurrency = number()?.clamp(1, 1024) as usize,
            "--latency-ms" => options.latency_ms = number()?,
            _ => return Err(USAGE.to_string()),
        }
    }
    Ok(options)
}

/// What a generated domain is like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Healthy,
    Pending,
    Partial,
    Lame,
    Silent,
    Unregistered,
}

fn kind(i: usize) -> Kind {
    match i % 100 {
        0..=79 => Kind::Healthy,
        80..=87 => Kind::Pending,
        88..=91 => Kind::Partial,
        92..=95 => Kind::Lame,
        96 => Kind::Silent,
        _ => Kind::Unregistered,
    }
}

fn domain(i: usize) -> String {
    format!("customer-{i:06}.{}", TLDS[i % TLDS.len()])
}

/// The domain's three SES tokens: 32 characters each, its own.
fn tokens(i: usize) -> [String; 3] {
    let token = |j: usize| {
        let a = splitmix((i * 3 + j) as u64);
        let b = splitmix(a);
        format!("{a:016x}{b:016x}")
    };
    [token(0), token(1), token(2)]
}

/// SplitMix64: well-spread, reproducible token bits.
fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn ip(c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 53, c, d)
}

/// Every server: (host name, address, behaviour).
fn servers() -> Vec<(String, Ipv4Addr, Behaviour)> {
    let mut all = vec![
        (
            format!("a.root.{INFRA}"),
            ip(240, 1),
            Behaviour::Authoritative,
        ),
        (
            format!("b.root.{INFRA}"),
            ip(240, 2),
            Behaviour::Authoritative,
        ),
        (format!("ns1.{INFRA}"), ip(240, 3), Behaviour::Authoritative),
        (format!("ns2.{INFRA}"), ip(240, 4), Behaviour::Authoritative),
        (
            "ns1.amazonses.com".into(),
            ip(243, 1),
            Behaviour::Authoritative,
        ),
        (
            "ns2.amazonses.com".into(),
            ip(243, 2),
            Behaviour::Authoritative,
        ),
        (
            "ns-dkim1.amazonses.com".into(),
            ip(243, 3),
            Behaviour::Authoritative,
        ),
        (
            "ns-dkim2.amazonses.com".into(),
            ip(243, 4),
            Behaviour::Authoritative,
        ),
        (format!("gone.{INFRA}"), ip(245, 1), Behaviour::Refuse),
        (format!("silent.{INFRA}"), ip(245, 2), Behaviour::Silent),
    ];
    for (t, tld) in TLDS.iter().enumerate() {
        for (s, letter) in ["a", "b"].iter().enumerate() {
            let d = (t * 2 + s + 1) as u8;
            all.push((
                format!("{letter}.{tld}.{INFRA}"),
                ip(241, d),
                Behaviour::Authoritative,
            ));
        }
    }
    for p in 0..PROVIDERS {
        for s in 1..=2 {
            all.push((
                provider_ns(p, s),
                ip(244, p * 2 + s),
                Behaviour::Authoritative,
            ));
        }
    }
    all
}

fn provider_ns(p: u8, s: u8) -> String {
    format!("ns{s}.dns-provider-{p}.net")
}

fn provider_of(i: usize) -> u8 {
    // Spread over providers independently of the TLD.
    (i / TLDS.len() % usize::from(PROVIDERS)) as u8
}

/// The NS hosts a domain is delegated to.
fn delegation(i: usize) -> Vec<String> {
    let p = provider_of(i);
    let mut ns = vec![provider_ns(p, 1), provider_ns(p, 2)];
    match kind(i) {
        Kind::Lame => ns.push(format!("gone.{INFRA}")),
        Kind::Silent => ns.push(format!("silent.{INFRA}")),
        _ => {}
    }
    ns
}

fn tld_hosts(tld: &str) -> Vec<String> {
    vec![format!("a.{tld}.{INFRA}"), format!("b.{tld}.{INFRA}")]
}

fn refs(hosts: &[String]) -> Vec<&str> {
    hosts.iter().map(String::as_str).collect()
}

/// The generated network of `domains` customer domains.
fn network(domains: usize) -> Network {
    let servers = servers();
    let addr_of = |host: &str| {
        servers
            .iter()
            .find(|(h, ..)| h == host)
            .map(|(_, a, _)| *a)
            .unwrap_or_else(|| panic!("no server {host}"))
    };
    let glue = |mut zone: ZoneBuilder, hosts: &[String]| {
        for host in hosts {
            zone = zone.a(host, addr_of(host));
        }
        zone
    };
    let mut zones: Vec<HostedZone> = Vec::new();
    let mut host = |zone: Zone, hosts: &[String]| {
        zones.push(HostedZone {
            zone,
            servers: hosts.iter().map(|h| addr_of(h)).collect(),
        })
    };

    let roots = vec![format!("a.root.{INFRA}"), format!("b.root.{INFRA}")];
    let mut root = glue(ZoneBuilder::new(".", &refs(&roots)), &roots);
    for tld in TLDS {
        let hosts = tld_hosts(tld);
        for h in &hosts {
            root = root.ns(tld, h);
        }
        root = glue(root, &hosts);
    }
    host(root.build(), &roots);

    let infra_ns = vec![format!("ns1.{INFRA}"), format!("ns2.{INFRA}")];
    let ses_ns = vec!["ns1.amazonses.com".to_string(), "ns2.amazonses.com".into()];
    let dkim_ns = vec![
        "ns-dkim1.amazonses.com".to_string(),
        "ns-dkim2.amazonses.com".into(),
    ];
    for tld in TLDS {
        let hosts = tld_hosts(tld);
        let mut zone = ZoneBuilder::new(tld, &refs(&hosts));
        match tld {
            "net" => {
                for h in &infra_ns {
                    zone = zone.ns(INFRA, h);
                }
                zone = glue(zone, &infra_ns);
                for p in 0..PROVIDERS {
                    let ns = vec![provider_ns(p, 1), provider_ns(p, 2)];
                    for h in &ns {
                        zone = zone.ns(&format!("dns-provider-{p}.net"), h);
                    }
                    zone = glue(zone, &ns);
                }
            }
            "com" => {
                for h in &ses_ns {
                    zone = zone.ns("amazonses.com", h);
                }
                zone = glue(zone, &ses_ns);
            }
            _ => {}
        }
        for i in (0..domains).filter(|i| domain(*i).ends_with(&format!(".{tld}"))) {
            if kind(i) == Kind::Unregistered {
                continue;
            }
            for h in delegation(i) {
                zone = zone.ns(&domain(i), &h);
            }
        }
        host(zone.build(), &hosts);
    }

    // Every infrastructure host's address, for the glue-less names (gone, silent).
    let infra_hosts: Vec<String> = servers
        .iter()
        .map(|(h, ..)| h.clone())
        .filter(|h| h.ends_with(INFRA))
        .collect();
    host(
        glue(ZoneBuilder::new(INFRA, &refs(&infra_ns)), &infra_hosts).build(),
        &infra_ns,
    );
    let mut ses = glue(ZoneBuilder::new("amazonses.com", &refs(&ses_ns)), &ses_ns);
    for h in &dkim_ns {
        ses = ses.ns("dkim.amazonses.com", h);
    }
    host(glue(ses, &dkim_ns).build(), &ses_ns);
    let dkim = ZoneBuilder::new("dkim.amazonses.com", &refs(&dkim_ns)).txt_long(
        "*.dkim.amazonses.com",
        &format!("p={}", dns_lab::keys::SES_2048),
    );
    host(dkim.build(), &dkim_ns);
    for p in 0..PROVIDERS {
        let ns = vec![provider_ns(p, 1), provider_ns(p, 2)];
        let origin = format!("dns-provider-{p}.net");
        host(
            glue(ZoneBuilder::new(&origin, &refs(&ns)), &ns).build(),
            &ns,
        );
    }

    for i in 0..domains {
        if kind(i) == Kind::Unregistered {
            continue;
        }
        let d = domain(i);
        let ns = delegation(i);
        let mut zone = ZoneBuilder::new(&d, &refs(&ns))
            .a(&d, Ipv4Addr::new(192, 0, 2, 10))
            .txt(&d, &["v=spf1 include:amazonses.com ~all"])
            .txt(&format!("_dmarc.{d}"), &["v=DMARC1; p=quarantine"]);
        let cnames = match kind(i) {
            Kind::Pending => 0,
            Kind::Partial => 2,
            _ => 3,
        };
        for token in tokens(i).iter().take(cnames) {
            zone = zone.cname(
                &format!("{token}._domainkey.{d}"),
                &format!("{token}.dkim.amazonses.com"),
            );
        }
        // Only the provider's servers hold the zone: the extra server refuses or is silent.
        let p = provider_of(i);
        host(zone.build(), &[provider_ns(p, 1), provider_ns(p, 2)]);
    }

    Network {
        servers: servers
            .into_iter()
            .map(|(host, addr, behaviour)| Server {
                host: name(&host),
                addr,
                ipv6: None,
                behaviour,
            })
            .collect(),
        zones,
        roots: vec![ip(240, 1), ip(240, 2)],
    }
}

/// The input file: one JSON line per domain.
fn write_input(root: &Path, domains: usize) -> Result<PathBuf, String> {
    let dir = root.join("target/bench-bulk-distinct");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(format!("input-{domains}.jsonl"));
    let file = std::fs::File::create(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for i in 0..domains {
        let [a, b, c] = tokens(i);
        writeln!(
            out,
            "{{\"domain\": \"{}\", \"tokens\": [\"{a}\", \"{b}\", \"{c}\"]}}",
            domain(i)
        )
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    out.flush()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs the measurement.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let root = super::root();
    let binary = super::release_dkim_doctor()?;
    let input = write_input(&root, options.domains)?;
    let measured = crate::bulk_memory::Bench {
        binary: &binary,
        input: &input,
        lines: options.domains,
        concurrency: options.concurrency,
        relay_port: RELAY_PORT,
        latency_ms: options.latency_ms,
        timeout: "1s",
        label: "bench-bulk-distinct",
    }
    .run_on(network(options.domains))?;
    let count = |k: Kind| (0..options.domains).filter(|i| kind(*i) == k).count();
    println!(
        "input: {} distinct domains ({}): {} healthy, {} pending, {} partial, {} lame, {} with a silent server, {} unregistered; added latency per round trip: {} ms",
        options.domains,
        input.display(),
        count(Kind::Healthy),
        count(Kind::Pending),
        count(Kind::Partial),
        count(Kind::Lame),
        count(Kind::Silent),
        count(Kind::Unregistered),
        options.latency_ms
    );
    measured.print(options.concurrency);
    measured.check_every_line(options.domains)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_network_is_valid_and_has_the_mix() {
        let network = network(200);
        network.validate().unwrap();
        assert_eq!((0..100).filter(|i| kind(*i) == Kind::Healthy).count(), 80);
        let zones = network
            .origins()
            .iter()
            .filter(|o| o.to_string().starts_with("customer-"))
            .count();
        assert_eq!(zones, 194, "every domain but the unregistered has a zone");
        assert_ne!(tokens(1), tokens(2));
    }
}
