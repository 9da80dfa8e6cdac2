//! Hostile in-process servers (`dns_lab::fixtures`): a zone whose only server never answers is
//! `zone-unreachable` (verdict incomplete, exit 3); a zone with one misbehaving server of two is
//! `lame-delegation` naming that server.

mod common;

use std::net::IpAddr;

use common::{check_report, codes, run_owned};
use dns_lab::fixtures::{hostile_network, HOSTILE_ROOT, HOSTILE_SERVER, VICTIM_ZONE};
use dns_lab::Behaviour;
use serde_json::Value;

/// Serves a hostile network on its own runtime for the length of `test`.
fn with_hostile<T>(behaviour: Behaviour, sibling: bool, test: impl FnOnce(u16) -> T) -> T {
    let network = common::server::serve_network(hostile_network(behaviour, sibling));
    test(network.port)
}

fn check(port: u16) -> Value {
    let args: Vec<String> = [
        "selector",
        VICTIM_ZONE,
        "mail",
        "--json",
        "-4",
        "--timeout",
        "500ms",
        "--roots",
        &HOSTILE_ROOT.to_string(),
        "--port",
        &port.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let result = run_owned(&args);
    let doc = check_report(&result);
    assert_eq!(
        result.code,
        common::verdict_code(&doc),
        "exit code vs verdict"
    );
    doc
}

#[test]
fn a_silent_only_server_is_zone_unreachable_and_exits_3() {
    let doc = with_hostile(Behaviour::Silent, false, check);
    assert_eq!(doc["verdict"], "incomplete");
    assert!(
        codes(&doc).contains(&"zone-unreachable".to_string()),
        "{doc}"
    );
}

#[test]
fn a_server_that_answers_garbage_only_is_zone_unreachable() {
    let doc = with_hostile(Behaviour::Garbage, false, check);
    assert_eq!(doc["verdict"], "incomplete");
    assert!(
        codes(&doc).contains(&"zone-unreachable".to_string()),
        "{doc}"
    );
}

fn assert_lame(doc: &Value) {
    let hostile = IpAddr::V4(HOSTILE_SERVER).to_string();
    let lame = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "lame-delegation")
        .unwrap_or_else(|| panic!("no lame-delegation: {doc}"));
    assert!(
        lame["servers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["address"] == hostile.as_str()),
        "{lame}"
    );
    assert_eq!(lame["severity"], "error");
    assert_ne!(doc["verdict"], "pass");
}

#[test]
fn a_refusing_server_beside_a_healthy_one_is_lame() {
    assert_lame(&with_hostile(Behaviour::Refuse, true, check));
}

#[test]
fn a_silent_server_beside_a_healthy_one_is_lame() {
    assert_lame(&with_hostile(Behaviour::Silent, true, check));
}

#[test]
fn a_server_without_the_aa_bit_beside_a_healthy_one_is_lame() {
    assert_lame(&with_hostile(Behaviour::NotAuthoritative, true, check));
}
