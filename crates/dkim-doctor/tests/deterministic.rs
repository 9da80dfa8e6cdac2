//! Two runs of the same check against unchanged DNS print the same JSON report: every lab
//! scenario is checked twice against the in-process lab and the reports compared, with only
//! what measures the run itself taken out (see [`RUN_DEPENDENT`]).

mod common;

use common::{lab, parallel, run_owned, scenario_argv, Run};
use serde_json::Value;

/// Keys that describe the run rather than the DNS: wall time, round-trip times, and datagrams
/// thrown away (a late answer to an earlier try). Everything else must be identical, the
/// number of queries included: which questions a check sends does not depend on which
/// answer comes first (name server address lookups share their descents, a key's zone is
/// asked of every server, every exchange is counted for the check that caused it, a server
/// that refused is not asked the same question again whether or not its refusal came back
/// first).
const RUN_DEPENDENT: [&str; 3] = ["elapsed_ms", "rtt_ms", "discarded_responses"];

fn strip(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in RUN_DEPENDENT {
                map.remove(key);
            }
            map.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

/// The first place where `a` and `b` differ, as a JSON path with both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                let (p, q) = (
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                );
                first_difference(p, q, &format!("{path}.{k}"))
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: {a} then {b}")),
    }
}

fn report(id: &str, run: &Run) -> Value {
    let mut doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{id}: not JSON ({e}): {} {}", run.stdout, run.stderr));
    assert!(doc["verdict"].is_string(), "{id}: {doc}");
    strip(&mut doc);
    doc
}

#[test]
fn every_scenario_checked_twice_gives_the_same_report() {
    use dns_lab::scenarios::SCENARIOS;
    let servers = lab().args();
    let mut jobs: Vec<Box<dyn FnOnce() -> Run + Send>> = Vec::new();
    for scenario in SCENARIOS {
        for _ in 0..2 {
            let args = scenario_argv(scenario, &servers);
            jobs.push(Box::new(move || run_owned(&args)));
        }
    }
    let results = parallel(jobs, 3);
    let mut differing = Vec::new();
    for (scenario, pair) in SCENARIOS.iter().zip(results.chunks(2)) {
        let (first, second) = (report(scenario.id, &pair[0]), report(scenario.id, &pair[1]));
        assert_eq!(pair[0].code, pair[1].code, "{}", scenario.id);
        if let Some(difference) = first_difference(&first, &second, "") {
            differing.push(format!("{}: {difference}", scenario.id));
        }
    }
    assert!(SCENARIOS.len() > 30, "every scenario, not a sample");
    assert!(differing.is_empty(), "{differing:#?}");
}

#[test]
fn the_comparison_sees_a_difference_in_what_it_keeps() {
    // The stripping leaves the DNS facts in: a changed server list is a difference.
    let mut a: Value = serde_json::json!({
        "elapsed_ms": 3, "queries": 40,
        "delegation": {"servers": [{"name": "ns1.", "address": "127.0.0.1"}]},
        "trace": [{"rtt_ms": 0.4, "server": "ns1."}]
    });
    let mut b: Value = serde_json::json!({
        "elapsed_ms": 9, "queries": 41,
        "delegation": {"servers": [{"name": "ns2.", "address": "127.0.0.1"}]},
        "trace": [{"rtt_ms": 1.5, "server": "ns1."}]
    });
    strip(&mut a);
    strip(&mut b);
    let difference = first_difference(&a, &b, "").expect("a difference");
    assert!(
        difference.starts_with(".delegation.servers[0].name"),
        "{difference}"
    );
    b["delegation"]["servers"][0]["name"] = "ns1.".into();
    // The number of queries is kept too.
    assert_eq!(
        first_difference(&a, &b, "").as_deref(),
        Some(".queries: 40 then 41")
    );
    b["queries"] = 40.into();
    assert_eq!(first_difference(&a, &b, ""), None);
}
