//! The BIND lab configuration, rendered from the same [`Network`] as the in-process servers
//! (no I/O here: `cargo xtask lab up` writes the files and starts `named`).
//!
//! One `named` process serves every address: one `view` per server address, selected by the
//! query's destination (`match-destinations`), holding exactly the zone copies that server
//! serves. A server whose behaviour is [`Behaviour::Refuse`] gets a view with no zones (BIND
//! then answers REFUSED, as a lame server does); an [`Behaviour::Unreachable`] one is left out
//! of `listen-on`, so nothing answers there. Recursion is off; every query is logged with its
//! destination address, so a test can prove which servers were asked.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::network::{Behaviour, Network};
use crate::zonefile::render_zone;

/// The lab directory, relative to the workspace root.
pub const LAB_DIR: &str = "target/lab";
/// The query log, relative to the lab directory.
pub const QUERY_LOG: &str = "query.log";
/// `named`'s own log, relative to the lab directory.
pub const NAMED_LOG: &str = "named.log";
/// The pid file, relative to the lab directory.
pub const PID_FILE: &str = "named.pid";
/// The configuration file, relative to the lab directory.
pub const CONF_FILE: &str = "named.conf";

/// Everything to write before starting `named`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindLab {
    /// `named.conf`.
    pub named_conf: String,
    /// Zone files: path relative to the lab directory, content.
    pub zone_files: Vec<(PathBuf, String)>,
    /// Addresses `named` listens on (they must exist on an interface first).
    pub listen: Vec<Ipv4Addr>,
}

/// Why the network cannot be served by BIND.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BindError {
    /// A server's behaviour is one only the in-process server has.
    #[error("server {addr} behaves as {behaviour:?}, which BIND cannot reproduce")]
    Unsupported {
        /// The server.
        addr: Ipv4Addr,
        /// Its behaviour.
        behaviour: Behaviour,
    },
}

fn zone_file_name(origin: &dns_wire::Name) -> String {
    if origin.is_root() {
        "root.zone".to_string()
    } else {
        format!("{}zone", origin)
    }
}

/// Renders the BIND lab for `network`, with `dir` (absolute) as `named`'s directory, `named`
/// listening on `port`.
pub fn render(network: &Network, dir: &Path, port: u16) -> Result<BindLab, BindError> {
    let mut listen = Vec::new();
    let mut views = String::new();
    let mut zone_files = Vec::new();
    for server in &network.servers {
        match &server.behaviour {
            Behaviour::Unreachable => continue,
            Behaviour::Authoritative | Behaviour::Refuse => {}
            other => {
                return Err(BindError::Unsupported {
                    addr: server.addr,
                    behaviour: other.clone(),
                })
            }
        }
        listen.push(server.addr);
        views.push_str(&format!(
            "view \"{addr}\" {{\n    match-clients {{ any; }};\n    match-destinations {{ {addr}; }};\n    recursion no;\n",
            addr = server.addr
        ));
        if server.behaviour == Behaviour::Authoritative {
            for zone in network.zones_of(server.addr) {
                let path = PathBuf::from("zones")
                    .join(server.addr.to_string())
                    .join(zone_file_name(&zone.origin));
                views.push_str(&format!(
                    "    zone \"{}\" {{ type primary; file \"{}\"; }};\n",
                    zone.origin,
                    path.display()
                ));
                zone_files.push((path, render_zone(zone)));
            }
        }
        views.push_str("};\n\n");
    }
    let listen_list: String = listen.iter().map(|a| format!("{a}; ")).collect();
    let dir = dir.display();
    let named_conf = format!(
        r#"// The dkim-doctor lab, rendered by dns-lab from its Rust description. Do not edit.
options {{
    directory "{dir}";
    pid-file "{dir}/{PID_FILE}";
    listen-on port {port} {{ {listen_list}}};
    listen-on-v6 {{ none; }};
    recursion no;
    allow-transfer {{ none; }};
    notify no;
    dnssec-validation no;
    minimal-responses yes;
    querylog yes;
    // Owner names like <token>._domainkey.example.com hold A and TXT records on purpose.
    check-names primary ignore;
    check-names response ignore;
    max-cache-size 16m;
}};

logging {{
    channel lab_queries {{ file "{dir}/{QUERY_LOG}"; print-time yes; severity info; }};
    channel lab_named {{ file "{dir}/{NAMED_LOG}"; print-time yes; severity info; }};
    category queries {{ lab_queries; }};
    category default {{ lab_named; }};
    category lame-servers {{ null; }};
}};

{views}"#
    );
    Ok(BindLab {
        named_conf,
        zone_files,
        listen,
    })
}

/// One line of BIND's query log, as far as the lab needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedQuery {
    /// The address the query was sent to (which server was asked).
    pub server: Ipv4Addr,
    /// The name asked, as logged.
    pub name: String,
    /// The type asked, as logged.
    pub qtype: String,
}

/// Parses a BIND 9 query log line such as
/// `26-Nov-2026 11:00:00.000 client @0x7f.. 127.0.0.1#41234 (example.com): view 127.53.1.1: query: example.com IN NS -E(0)DC (127.53.1.1)`.
pub fn parse_query_log_line(line: &str) -> Option<LoggedQuery> {
    let rest = line.split(" query: ").nth(1)?;
    let mut fields = rest.split_whitespace();
    let name = fields.next()?.to_string();
    let _class = fields.next()?;
    let qtype = fields.next()?.to_string();
    let server = rest
        .rsplit_once('(')?
        .1
        .trim_end()
        .strip_suffix(')')?
        .parse()
        .ok()?;
    Some(LoggedQuery {
        server,
        name,
        qtype,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::internet::miniature_internet;

    #[test]
    fn renders_one_view_per_listening_server() {
        let net = miniature_internet();
        let lab = render(&net, Path::new("/tmp/lab"), 53).unwrap();
        let listening = net
            .servers
            .iter()
            .filter(|s| s.behaviour != Behaviour::Unreachable)
            .count();
        assert_eq!(lab.listen.len(), listening);
        assert_eq!(
            lab.named_conf.matches("match-destinations").count(),
            listening
        );
        assert!(lab
            .named_conf
            .contains("zone \".\" { type primary; file \"zones/127.53.0.1/root.zone\"; };"));
        // The refusing server has a view and no zone.
        let lame = lab.named_conf.split("view \"127.53.12.1\"").nth(1).unwrap();
        let lame_view = lame.split("};\n\n").next().unwrap();
        assert!(!lame_view.contains("zone "));
        assert!(!lab.listen.contains(&Ipv4Addr::new(127, 53, 12, 2)));
        assert_eq!(
            lab.zone_files.len(),
            net.zones.iter().map(|h| h.servers.len()).sum::<usize>() - 2 // the unreachable zone's two copies are not written
        );
    }

    #[test]
    fn hostile_behaviours_are_rejected() {
        let mut net = miniature_internet();
        net.servers[0].behaviour = Behaviour::Garbage;
        assert!(matches!(
            render(&net, Path::new("/tmp/lab"), 53),
            Err(BindError::Unsupported { .. })
        ));
    }

    #[test]
    fn query_log_lines() {
        let line = "26-Nov-2026 11:00:00.123 client @0x7f3c 127.0.0.1#41234 (Example.com): view 127.53.1.1: query: Example.com IN NS -E(0)DC (127.53.1.1)";
        assert_eq!(
            parse_query_log_line(line),
            Some(LoggedQuery {
                server: Ipv4Addr::new(127, 53, 1, 1),
                name: "Example.com".into(),
                qtype: "NS".into()
            })
        );
        assert_eq!(parse_query_log_line("garbage"), None);
    }
}

/// The rendered zone files checked by BIND's own tools, in a temporary directory (no server
/// started): `named-checkzone` loads every zone file as `named` would, and `dnssec-verify`
/// proves the healthy signed zones completely and validly signed by BIND's verifier.
#[cfg(test)]
mod bind_tools {
    use super::*;
    use crate::internet::miniature_internet;
    use std::process::Command;

    /// Set to 1 to fail instead of skip when the BIND tools are not installed.
    const REQUIRE_ENV: &str = "DKIM_DOCTOR_REQUIRE_BIND_TOOLS";

    fn tool(name: &str) -> Option<PathBuf> {
        let found = ["/usr/bin", "/usr/sbin"]
            .iter()
            .map(|dir| Path::new(dir).join(name))
            .find(|p| p.exists());
        if found.is_none() {
            let why = format!("{name} is not installed (apt-get install bind9-utils)");
            assert!(
                std::env::var(REQUIRE_ENV).map_or(true, |v| v != "1"),
                "{why}, and {REQUIRE_ENV}=1"
            );
            eprintln!("skipped: {why}");
        }
        found
    }

    /// Each rendered zone file written out, with its origin.
    fn written(dir: &Path) -> Vec<(String, PathBuf, String)> {
        let net = miniature_internet();
        let lab = render(&net, dir, 53).unwrap();
        let mut out = Vec::new();
        for (path, text) in lab.zone_files {
            let origin = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("; zone "))
                .and_then(|l| l.split_whitespace().next())
                .expect("origin in the first line")
                .to_string();
            let full = dir.join(&path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, &text).unwrap();
            out.push((origin, full, text));
        }
        out
    }

    #[test]
    fn named_checkzone_loads_every_zone_file() {
        let Some(checkzone) = tool("named-checkzone") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let files = written(dir.path());
        let mut signed: Vec<String> = Vec::new();
        for (origin, path, text) in &files {
            // `-k ignore`: the lab's owner names hold underscores on purpose, as named.conf's
            // `check-names primary ignore` allows.
            let out = Command::new(&checkzone)
                .args(["-k", "ignore", "-i", "local", origin])
                .arg(path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "named-checkzone {origin} {}:\n{}{}",
                path.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if text.contains("\tRRSIG\t") {
                signed.push(origin.clone());
                assert!(
                    text.contains("\tDNSKEY\t"),
                    "{origin}: RRSIG without DNSKEY"
                );
                // BIND serves a zone as signed only with an NSEC at its apex or an NSEC3PARAM.
                let apex_nsec = text
                    .lines()
                    .any(|l| l.starts_with(&format!("{origin}\t")) && l.contains("\tNSEC\t"));
                assert!(
                    apex_nsec || text.contains("\tNSEC3PARAM\t"),
                    "{origin}: BIND would serve it unsigned"
                );
            }
        }
        // The signed lab: the root, the TLDs, amazonses.com and the dnssec-* zones, each
        // copy rendered with its signatures (RSAMD5 keys are published, never used to sign).
        signed.sort();
        signed.dedup();
        for zone in [
            ".",
            "com.",
            "net.",
            "amazonses.com.",
            "dnssec-secure.com.",
            "dnssec-moved.com.",
        ] {
            assert!(
                signed.iter().any(|s| s == zone),
                "{zone} not signed: {signed:?}"
            );
        }
    }

    #[test]
    fn dnssec_verify_accepts_the_healthy_signed_zones() {
        let Some(verify) = tool("dnssec-verify") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let files = written(dir.path());
        // Signed in the lab's long window (2026-01-01 to 2037-01-01), so valid at the real
        // time too; the broken dnssec-* zones are broken on purpose.
        let healthy = [".", "com.", "net.", "amazonses.com.", "dnssec-secure.com."];
        let mut verified = Vec::new();
        for (origin, path, _) in files
            .iter()
            .filter(|(o, _, _)| healthy.contains(&o.as_str()))
        {
            let out = Command::new(&verify)
                .args(["-o", origin])
                .arg(path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "dnssec-verify {origin}:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            verified.push(origin.clone());
        }
        verified.sort();
        verified.dedup();
        assert_eq!(verified.len(), healthy.len(), "{verified:?}");
    }
}
