//! The BIND lab serves the signed zones as the in-process lab does (issue 16, criterion 5).
//!
//! A real `named` serves the lab as `cargo xtask lab up` renders it (`dns_lab::bind::render`:
//! the zone files carry the Rust-signed DNSKEY, RRSIG, NSEC/NSEC3, NSEC3PARAM and DS records),
//! on port 53 of the lab's addresses, inside a network namespace this test creates (the
//! addresses go on that namespace's `lo`; the shared lab on the host is untouched). The
//! in-process servers (`lab-server`) run in the same namespace. For each name every
//! `dnssec-*` scenario relies on, `dkim-doctor trace NAME TXT`, validated from the lab's anchor
//! at the lab's time, must draw the same chain against both: per zone the status, the DS and
//! DNSKEY sets, per server the status of its keys and of its answer.
//!
//! Without root, `ip`, `iptables` or `named` it prints `SKIPPED ...` and passes, unless
//! `DKIM_DOCTOR_REQUIRE_NETNS=1` (set by `cargo xtask test`).

use std::io::Write as _;
use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use dns_lab::scenarios::SCENARIOS;
use integration_tests::doctor::Doctor;
use integration_tests::lab::{LabNetwork, LabProcess};
use integration_tests::netns::{namespace_or_skip, required, Namespace, REQUIRE_ENV};
use serde_json::Value;

const NAMED: &str = "/usr/sbin/named";
/// `dns_lab::signing::LAB_NOW` in RFC 3339.
const LAB_TIME: &str = "2026-12-01T00:00:00Z";
/// How long `named` may take to load the lab.
const START_LIMIT: Duration = Duration::from_secs(30);

fn doctor() -> Doctor {
    Doctor::new(env!("CARGO_BIN_EXE_dkim-doctor-under-test"))
}

/// `named` in the namespace, killed when dropped.
struct Named(Child);

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_named(namespace: &Namespace, dir: &Path) -> Named {
    let network = dns_lab::internet::miniature_internet();
    let lab = dns_lab::bind::render(&network, dir, 53).expect("the lab renders for BIND");
    std::fs::write(dir.join(dns_lab::bind::CONF_FILE), &lab.named_conf).unwrap();
    for (path, text) in &lab.zone_files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    for addr in &lab.listen {
        namespace
            .add_address(IpAddr::V4(*addr))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let log = std::fs::File::create(dir.join("named.stderr")).unwrap();
    let child = namespace
        .command(NAMED)
        .arg("-g")
        .arg("-c")
        .arg(dir.join(dns_lab::bind::CONF_FILE))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start named");
    let named = Named(child);
    // Ready when the root answers through it.
    let started = Instant::now();
    loop {
        let probe = doctor()
            .run(
                Some(namespace),
                &[
                    "trace",
                    ".",
                    "SOA",
                    "--no-dnssec",
                    "--roots",
                    "127.53.0.1",
                    "--port",
                    "53",
                    "-4",
                    "--timeout",
                    "300ms",
                ]
                .map(String::from),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        if probe.code == 0 {
            break;
        }
        assert!(
            started.elapsed() < START_LIMIT,
            "named did not answer within {START_LIMIT:?}: {}",
            std::fs::read_to_string(dir.join("named.stderr")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    named
}

/// A status and the kind of its reason (the sentence before any listed values, which follow
/// the order the server sent the records in; BIND rotates it).
fn status(value: &Value) -> String {
    let word = value["status"].as_str().unwrap_or("none");
    let reason = value["reason"].as_str().unwrap_or("");
    let kind = reason.split(" (").next().unwrap_or("");
    format!("{word}: {kind}")
}

/// The chain a trace drew, independent of the order servers sent records in.
fn picture(doc: &Value) -> Vec<String> {
    let mut out = vec![
        format!("outcome {}", doc["outcome"]),
        format!("answer {}", status(&doc["dnssec"])),
    ];
    for hop in doc["hops"].as_array().unwrap() {
        let zone = hop["zone"].as_str().unwrap();
        let d = &hop["dnssec"];
        let mut ds: Vec<String> = d["ds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.to_string())
            .collect();
        ds.sort();
        let mut keys: Vec<String> = d["dnskeys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.to_string())
            .collect();
        keys.sort();
        out.push(format!(
            "{zone} {} source {} ds {ds:?} keys {keys:?}",
            status(d),
            d["ds_source"]
        ));
        let mut servers: Vec<String> = hop["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{zone} {} {} keys {} answer {}",
                    s["address"],
                    s["result"],
                    status(&s["dnssec"]["keys"]),
                    status(&s["dnssec"]["answer"])
                )
            })
            .collect();
        servers.sort();
        out.extend(servers);
    }
    out
}

#[test]
fn bind_and_the_in_process_lab_draw_the_same_chain() {
    if !Path::new(NAMED).exists() {
        let why = format!("{NAMED} is not installed (apt-get install bind9)");
        assert!(!required(), "{why}, and {REQUIRE_ENV}=1");
        let _ = writeln!(std::io::stderr(), "SKIPPED bind_dnssec: {why}");
        return;
    }
    let Some(namespace) = namespace_or_skip("bind-dnssec") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("bind-dnssec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let anchor = dir.join("lab-anchor.txt");
    std::fs::write(&anchor, dns_lab::signing::trust_anchor() + "\n").unwrap();
    let named = start_named(&namespace, &dir);
    let in_process = LabProcess::start(
        Path::new(env!("CARGO_BIN_EXE_lab-server")),
        LabNetwork::Demo,
        Some(&namespace),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let bind_args: Vec<String> = ["--roots", "127.53.0.1,127.53.0.2", "--port", "53"]
        .map(String::from)
        .to_vec();
    let mut differences = Vec::new();
    let mut compared = 0;
    for scenario in SCENARIOS.iter().filter(|s| s.id.starts_with("dnssec-")) {
        for name in scenario.dkim_names() {
            let name = name.to_string();
            let trace = |servers: &[String]| -> Value {
                let mut args: Vec<String> = vec!["trace".into(), name.clone(), "TXT".into()];
                args.extend(
                    [
                        "--json",
                        "-4",
                        "--timeout",
                        "1s",
                        "--trust-anchor",
                        anchor.to_str().unwrap(),
                        "--validation-time",
                        LAB_TIME,
                    ]
                    .map(String::from),
                );
                args.extend_from_slice(servers);
                let out = doctor()
                    .run(Some(&namespace), &args)
                    .unwrap_or_else(|e| panic!("{e}"));
                serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
                    panic!("trace {name}: no JSON ({e}): {} {}", out.stdout, out.stderr)
                })
            };
            let from_bind = picture(&trace(&bind_args));
            let in_lab = picture(&trace(&in_process.args()));
            compared += 1;
            if from_bind != in_lab {
                let only_bind: Vec<&String> =
                    from_bind.iter().filter(|l| !in_lab.contains(l)).collect();
                let only_lab: Vec<&String> =
                    in_lab.iter().filter(|l| !from_bind.contains(l)).collect();
                differences.push(format!(
                    "{} {name}:\n  BIND only: {only_bind:#?}\n  in-process only: {only_lab:#?}",
                    scenario.id
                ));
            }
        }
    }
    drop(in_process);
    drop(named);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(compared >= 30, "only {compared} names compared");
    assert!(
        differences.is_empty(),
        "BIND and the in-process lab differ:\n{}",
        differences.join("\n")
    );
}
