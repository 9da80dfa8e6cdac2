//! `dkim-doctor demo`: the embedded network, offline. Every scenario of the lab's table is
//! diagnosed through `demo <scenario> --json`, the JSON checked against the documented shape,
//! the exit code against the verdict, and the finding codes against the table.

mod common;

use std::collections::BTreeSet;

use common::{codes, parallel, run, validate_check_json, verdict_code, Run};
use dns_lab::scenarios::SCENARIOS;
use serde_json::Value;

#[test]
fn every_scenario_report_has_the_documented_shape_and_the_expected_codes() {
    let jobs: Vec<Box<dyn FnOnce() -> (String, Run) + Send>> = SCENARIOS
        .iter()
        .map(|scenario| {
            let id = scenario.id.to_string();
            Box::new(move || {
                let result = run(&["demo", &id, "--json", "--timeout", "1s"]);
                (id, result)
            }) as Box<dyn FnOnce() -> (String, Run) + Send>
        })
        .collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for ((id, result), scenario) in parallel(jobs, 3).into_iter().zip(SCENARIOS) {
        assert!(result.stderr.is_empty(), "{id}: stderr {}", result.stderr);
        let doc: Value = serde_json::from_str(&result.stdout)
            .unwrap_or_else(|e| panic!("{id}: not JSON ({e}): {}", result.stdout));
        validate_check_json(&doc);
        assert_eq!(doc["domain"], scenario.domain, "{id}");
        assert_eq!(
            result.code,
            verdict_code(&doc),
            "{id}: exit code vs verdict"
        );
        let found = codes(&doc);
        for code in scenario.findings {
            assert!(
                found.iter().any(|c| c == code),
                "{id}: {code} missing from {found:?}"
            );
        }
        seen.extend(found);
    }
    // Every finding code of the rules' table is produced by at least one scenario, but for
    // those about where and how the check ran rather than the zone (no network, an address
    // family this machine cannot reach: the network-namespace tests produce them; a reduced
    // check through a resolver: the in-process `--resolver` tests; addresses `serve` refuses
    // to query, which the command line asks: `tests/http_api.rs`; DNSSEC not checked, which
    // only a `--roots` check without `--trust-anchor` gives: the demo has its anchor).
    let about_this_machine = [
        dkim_rules::FindingCode::DnssecNotChecked,
        dkim_rules::FindingCode::NetworkUnreachable,
        dkim_rules::FindingCode::NotCheckedFromHere,
        dkim_rules::FindingCode::ReducedCheck,
        dkim_rules::FindingCode::AddressNotPublic,
    ];
    for code in dkim_rules::FindingCode::ALL
        .iter()
        .filter(|c| !about_this_machine.contains(c))
    {
        assert!(
            seen.contains(code.as_str()),
            "no demo scenario produces {code}"
        );
    }
}

#[test]
fn overview_shows_every_scenario_offline() {
    let result = run(&["demo", "--color", "never"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    for scenario in SCENARIOS {
        assert!(
            result.stdout.contains(scenario.domain),
            "{} missing from the overview",
            scenario.domain
        );
    }
    assert!(result
        .stdout
        .contains(&format!("{} scenarios", SCENARIOS.len())));
    assert!(!result.stdout.contains('\x1b'), "color with --color never");
}

#[test]
fn overview_json_is_one_report_per_line() {
    let result = run(&["demo", "--json"]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(lines.len(), SCENARIOS.len());
    for (line, scenario) in lines.iter().zip(SCENARIOS) {
        let doc: Value = serde_json::from_str(line).unwrap();
        validate_check_json(&doc);
        assert_eq!(doc["domain"], scenario.domain);
    }
}

#[test]
fn an_unknown_scenario_lists_them_and_exits_2() {
    let result = run(&["demo", "no-such-scenario"]);
    assert_eq!(result.code, 2);
    assert!(result.stdout.is_empty());
    assert!(result
        .stderr
        .contains("no demo scenario \"no-such-scenario\""));
    for scenario in SCENARIOS {
        assert!(
            result.stderr.contains(scenario.id),
            "{} not listed",
            scenario.id
        );
    }
}

#[test]
fn a_scenario_can_be_named_by_its_domain() {
    let result = run(&["demo", "key-weak512.org.", "--json"]);
    let doc: Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["domain"], "key-weak512.org");
    assert!(codes(&doc).contains(&"key-weak".to_string()));
    assert_eq!(result.code, 1);
}

#[test]
fn demo_refuses_roots_and_serves_on_the_port_given() {
    let result = run(&["demo", "--roots", "127.0.0.1"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("--roots does not apply"),
        "{}",
        result.stderr
    );
    // A port the system just handed out (and took back) is very likely free on 127.53.x.y too.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .unwrap();
    let result = run(&[
        "demo",
        "key-testing",
        "--color",
        "never",
        "--port",
        &port.to_string(),
    ]);
    assert_ne!(result.code, 2, "{}", result.stderr);
    let command = result
        .stdout
        .lines()
        .find(|l| l.starts_with("$ dkim-doctor selector key-testing.org"))
        .unwrap_or_else(|| panic!("no command in {}", result.stdout));
    assert!(
        command.ends_with(&format!("--roots 127.53.0.1,127.53.0.2 --port {port}")),
        "{command}"
    );
}

#[test]
fn color_always_colors_and_never_does_not() {
    let colored = run(&["demo", "key-testing", "--color", "always"]);
    assert!(
        colored.stdout.contains("\x1b["),
        "no ANSI codes with --color always"
    );
    let plain = run(&["demo", "key-testing", "--color", "auto"]);
    assert!(!plain.stdout.contains('\x1b'), "auto colors a pipe");
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    common::assert_quiet_on_closed_stdout(&["demo".into(), "--color".into(), "never".into()]);
}

/// Runs the demo of one scenario on a pseudo-terminal (util-linux `script`), so `--color auto`
/// sees a terminal.
fn demo_on_a_terminal(no_color: Option<&str>) -> String {
    use std::process::Command;
    let command = format!(
        "{} demo key-testing --color auto",
        env!("CARGO_BIN_EXE_dkim-doctor")
    );
    let mut script = Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR");
    if let Some(value) = no_color {
        script.env("NO_COLOR", value);
    }
    let output = script
        .output()
        .expect("util-linux `script` (Debian package bsdutils) runs the demo on a terminal");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn auto_colors_a_terminal_and_no_color_turns_it_off() {
    assert!(
        demo_on_a_terminal(None).contains("\x1b["),
        "no color on a terminal"
    );
    assert!(
        !demo_on_a_terminal(Some("1")).contains("\x1b["),
        "color despite NO_COLOR"
    );
}
