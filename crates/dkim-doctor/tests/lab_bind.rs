//! The CLI against the BIND lab (`cargo xtask lab up`: a real authoritative server, not ours,
//! on 127.53.0.0/16 port 53). CI starts the lab before the tests; these tests require it.

mod common;

use common::{assert_every_scenario_diagnosed, run};

use serde_json::Value;

/// The BIND lab's root servers and port, as the CLI takes them.
const LAB: [&str; 7] = [
    "--roots",
    "127.53.0.1,127.53.0.2",
    "--port",
    "53",
    "-4",
    "--timeout",
    "500ms",
];

/// Panics with the one instruction that fixes it unless the BIND lab's root answers.
fn require_bind_lab() {
    let mut args = vec!["trace", ".", "SOA", "--json"];
    args.extend_from_slice(&LAB);
    let result = run(&args);
    assert!(
        result.code == 0,
        "lab is not up: run cargo xtask lab up (trace of the root through 127.53.0.1:53 \
         exited {}: {})",
        result.code,
        result.stderr
    );
}

#[test]
fn lab_bind_every_scenario_gives_its_finding_codes() {
    require_bind_lab();
    // The BIND lab serves the same signed zones: validated with the lab's anchor and time.
    let mut servers: Vec<String> = LAB.map(String::from).to_vec();
    servers.extend(common::lab_dnssec_args());
    assert_every_scenario_diagnosed(&servers);
}

#[test]
fn lab_bind_trace_asks_every_server_of_every_zone() {
    require_bind_lab();
    let mut args = vec![
        "trace",
        "mail._domainkey.dkim-zone-cut.com",
        "TXT",
        "--json",
    ];
    args.extend_from_slice(&LAB);
    let result = run(&args);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let doc: Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["outcome"], "answer");
    let hops = doc["hops"].as_array().unwrap();
    let zones: Vec<&str> = hops.iter().map(|h| h["zone"].as_str().unwrap()).collect();
    assert_eq!(
        zones,
        [
            ".",
            "com.",
            "dkim-zone-cut.com.",
            "_domainkey.dkim-zone-cut.com."
        ]
    );
    let last = hops.last().unwrap();
    let servers = last["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 2, "{last}");
    for server in servers {
        assert_eq!(server["result"], "answer", "{server}");
        assert_eq!(server["authoritative"], true);
    }
    // Same set; BIND rotates the order.
    let set = |key: &str| -> std::collections::BTreeSet<String> {
        last[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(set("parent_ns"), set("child_ns"));
}

#[test]
fn lab_bind_human_report_of_an_inconsistent_zone_shows_each_server() {
    require_bind_lab();
    let mut args = vec![
        "ses",
        "ses-inconsistent.com",
        "--token",
        dns_lab::scenarios::SES_TOKENS[0],
        "--color",
        "never",
    ];
    args.extend_from_slice(&LAB);
    let result = run(&args);
    assert_eq!(result.code, 1, "{}", result.stderr);
    // The servers disagree, so each one's value is listed with its own mark.
    assert!(
        result.stdout.contains("✓ ns1.dnshost.com. (127.53.10.1)"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("✗ ns2.dnshost.com. (127.53.10.2)"),
        "{}",
        result.stdout
    );
    assert!(result.stdout.contains("servers-inconsistent"));
}
