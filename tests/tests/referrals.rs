//! Delegations that real small hosts and hostile zones publish, checked with the real
//! dkim-doctor against the lab served by `lab-server` on loopback (no namespace needed: no
//! fault is injected, and the lab's addresses are all in 127.53.0.0/16).

use std::path::Path;

use dns_lab::fixtures::{FANOUT_ZONE, FIXTURE_SELECTOR};
use dns_lab::scenarios;
use integration_tests::doctor::{parallel, scenario_args, Check, Doctor};
use integration_tests::lab::{LabNetwork, LabProcess, FANOUT_NAMES};

/// Queries a check of the fan-out zone may send at most: a capped fan-out needs tens of
/// address lookups, not one per NS name.
const FANOUT_QUERY_BOUND: u64 = 300;

fn lab(network: LabNetwork) -> LabProcess {
    LabProcess::start(Path::new(env!("CARGO_BIN_EXE_lab-server")), network, None)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn check(args: &[String]) -> Check {
    Doctor::new(env!("CARGO_BIN_EXE_dkim-doctor-under-test"))
        .check(None, args)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `small-host.com` is delegated, without glue, to `ns1` and `ns2.smallhost.net`, two names
/// of one address: one server with two names, healthy, in 20 of 20 runs.
#[test]
fn two_ns_names_on_one_address_pass_every_time() {
    let lab = lab(LabNetwork::Demo);
    let scenario = scenarios::scenario("small-host").expect("lab scenario");
    let args = scenario_args(scenario, &lab.args());
    let jobs: Vec<Box<dyn FnOnce() -> Check + Send>> = (0..20)
        .map(|_| {
            let args = args.clone();
            Box::new(move || check(&args)) as Box<dyn FnOnce() -> Check + Send>
        })
        .collect();
    let runs = parallel(jobs, 4);
    let wrong: Vec<String> = runs
        .iter()
        .filter(|c| {
            c.verdict() != "pass" || c.output.code != 0 || c.codes().contains(&"lame-delegation")
        })
        .map(Check::describe)
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of 20 runs did not pass cleanly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// `selector wide.test mail` against `network` (one of the fan-out networks), served for this
/// check alone.
fn check_fanout_zone(network: LabNetwork) -> Check {
    let lab = lab(network);
    let mut args: Vec<String> = ["selector", FANOUT_ZONE, FIXTURE_SELECTOR]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(lab.args());
    check(&args)
}

/// A check of the fan-out zone stayed bounded: queries, findings (the cap is reported in one
/// `ns-fanout-capped` finding, not once per NS name) and the size of the report.
fn assert_bounded_fanout(check: &Check, what: &str) {
    assert!(
        check.queries() < FANOUT_QUERY_BOUND,
        "{what}: {} queries for a referral of {FANOUT_NAMES} NS names (bound {FANOUT_QUERY_BOUND}); {}",
        check.queries(),
        check.describe()
    );
    let capped = check.with_code("ns-fanout-capped").len();
    assert_eq!(
        capped,
        1,
        "{what}: {capped} ns-fanout-capped findings; {}",
        check.describe()
    );
    assert!(
        check.findings().len() <= 10,
        "{what}: {} findings (a capped fan-out says so once): {}",
        check.findings().len(),
        check.describe()
    );
    assert!(
        check.output.stdout.len() < 64 * 1024,
        "{what}: a {}-octet report",
        check.output.stdout.len()
    );
    // Issue 11: memory per check stays under 50 MB whatever the servers send (a check of a
    // lab domain peaks near 9 MB).
    let peak = check.output.peak_rss_kib.expect("VmHWM from /proc");
    assert!(
        peak < 50 * 1024,
        "{what}: the check peaked at {} MiB of memory (bound 50 MB); {}",
        peak / 1024,
        check.describe()
    );
}

/// A referral listing 2000 NS names in a third party's zone (every name an address of the one
/// real server): the check stays bounded, reports the cap at most once, and no name is called
/// lame (they all are the same working server).
#[test]
fn a_referral_of_2000_ns_names_is_capped() {
    let report = check_fanout_zone(LabNetwork::Fanout);
    assert_bounded_fanout(&report, "third party alive");
    assert!(
        !report.codes().contains(&"lame-delegation"),
        "{}",
        report.describe()
    );
}

/// The same referral when the third party's server is dead (no NS name resolves): still
/// bounded, and the check cannot pass.
#[test]
fn a_referral_of_2000_dead_ns_names_is_capped() {
    let report = check_fanout_zone(LabNetwork::FanoutDead);
    assert_bounded_fanout(&report, "third party dead");
    assert_ne!(report.verdict(), "pass", "{}", report.describe());
}
