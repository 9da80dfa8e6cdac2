//! The CLI against the BIND lab (`cargo xtask lab up`: a real authoritative server, not ours,
//! on 127.53.0.0/16 port 53). CI starts the lab before the tests; these tests require it.

mod common;

use common::{codes, parallel, run, run_owned, validate_check_json, verdict_code, Run};
use dns_lab::scenarios::{Check, Scenario, SCENARIOS};
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

fn argv(scenario: &Scenario) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    match scenario.check {
        Check::Ses {
            tokens,
            region,
            expect_ns,
        } => {
            args.extend(["ses".to_string(), scenario.domain.to_string()]);
            for token in tokens {
                args.extend(["--token".to_string(), token.to_string()]);
            }
            if let Some(region) = region {
                args.extend(["--region".to_string(), region.to_string()]);
            }
            for ns in expect_ns {
                args.extend(["--expect-ns".to_string(), ns.to_string()]);
            }
        }
        Check::Selectors(selectors) => {
            args.extend(["selector".to_string(), scenario.domain.to_string()]);
            args.extend(selectors.iter().map(|s| s.to_string()));
        }
    }
    args.push("--json".into());
    args.extend(LAB.iter().map(|s| s.to_string()));
    args
}

#[test]
fn lab_bind_every_scenario_gives_its_finding_codes() {
    require_bind_lab();
    let jobs: Vec<Box<dyn FnOnce() -> Run + Send>> = SCENARIOS
        .iter()
        .map(|scenario| {
            let args = argv(scenario);
            Box::new(move || run_owned(&args)) as Box<dyn FnOnce() -> Run + Send>
        })
        .collect();
    for (result, scenario) in parallel(jobs, 3).into_iter().zip(SCENARIOS) {
        let id = scenario.id;
        let doc: Value = serde_json::from_str(&result.stdout).unwrap_or_else(|e| {
            panic!("{id}: not JSON ({e}): {} {}", result.stdout, result.stderr)
        });
        validate_check_json(&doc);
        assert_eq!(result.code, verdict_code(&doc), "{id}");
        let found = codes(&doc);
        for code in scenario.findings {
            assert!(
                found.iter().any(|c| c == code),
                "{id}: {code} not in {found:?}"
            );
        }
    }
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
