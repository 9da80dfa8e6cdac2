//! Real network faults, each in a network namespace the test creates for itself (only `lo`
//! exists there, so nothing leaves the machine): packet loss, no IPv6 route with IPv6 glue,
//! port 53 rejected or dropped. The lab's servers and the real dkim-doctor both run inside the
//! namespace; each test asserts the verdict, the exit code and the words.
//!
//! Without root, `ip` or `iptables` these tests print `SKIPPED ...` and pass, unless
//! `DKIM_DOCTOR_REQUIRE_NETNS=1` (set by `cargo xtask test`) makes that a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use dns_lab::fixtures::{DUAL_STACK_ZONE, FIXTURE_SELECTOR};
use dns_lab::scenarios::{self, Scenario, Verdict, SCENARIOS};
use integration_tests::doctor::{
    exit_code_of, parallel, scenario_args, tree_contradictions, verdict_word, Check, Doctor,
    ZONE_BLAMING_CODES,
};
use integration_tests::lab::{LabNetwork, LabProcess};
use integration_tests::netns::{namespace_or_skip, Fault, Namespace, Sent};

/// Checks run at once: each is a process that mostly waits for answers.
const WIDTH: usize = 6;

/// The sentence the tool must say when this machine cannot reach DNS servers at all.
const NETWORK_DOWN: &str = "this machine cannot reach DNS servers directly";

/// Guard against a hang in the blocked-port tests; the claim itself (10 s) is measured in
/// BENCHMARKS.md, not here.
const BLOCKED_GUARD: Duration = Duration::from_secs(15);

fn doctor() -> Doctor {
    Doctor::new(env!("CARGO_BIN_EXE_dkim-doctor-under-test"))
}

/// A namespace with a lab served inside. Fields drop in order: the lab process ends before its
/// namespace is deleted.
struct Setup {
    lab: LabProcess,
    namespace: Namespace,
}

impl Setup {
    /// The namespace for `test` with `network` served inside, after `prepare` ran in it (e.g.
    /// to add addresses the servers bind); `None` when the test is skipped.
    fn new(
        test: &str,
        network: LabNetwork,
        prepare: impl FnOnce(&Namespace) -> Result<(), String>,
    ) -> Option<Setup> {
        let namespace = namespace_or_skip(test)?;
        prepare(&namespace).unwrap_or_else(|e| panic!("{test}: {e}"));
        let lab = LabProcess::start(
            Path::new(env!("CARGO_BIN_EXE_lab-server")),
            network,
            Some(&namespace),
        )
        .unwrap_or_else(|e| panic!("{test}: {e}"));
        Some(Setup { lab, namespace })
    }

    fn check(&self, args: &[String]) -> Check {
        doctor()
            .check(Some(&self.namespace), args)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn human(&self, args: &[String]) -> integration_tests::process::Output {
        let mut args = args.to_vec();
        args.extend(["--color".to_string(), "never".to_string()]);
        doctor()
            .run(Some(&self.namespace), &args)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn scenario_args(&self, scenario: &Scenario) -> Vec<String> {
        scenario_args(scenario, &self.lab.args())
    }

    /// Every scenario of `sample` checked once, `WIDTH` at a time, in order.
    fn check_all(&self, sample: &[&'static Scenario]) -> Vec<Check> {
        let jobs: Vec<Box<dyn FnOnce() -> Check + Send + '_>> = sample
            .iter()
            .map(|scenario| {
                let args = self.scenario_args(scenario);
                Box::new(move || self.check(&args)) as Box<dyn FnOnce() -> Check + Send>
            })
            .collect();
        parallel(jobs, WIDTH)
    }
}

fn is_healthy(scenario: &Scenario) -> bool {
    scenario.verdict == Verdict::Pass && scenario.findings.is_empty()
}

/// Every finding code some scenario must produce: codes that describe a fault of a zone.
fn zone_fault_codes() -> BTreeSet<&'static str> {
    SCENARIOS
        .iter()
        .flat_map(|s| s.findings.iter().copied())
        .chain(ZONE_BLAMING_CODES)
        .collect()
}

/// Checks `sample` on a perfect network first: each must get the lab's verdict there (what is
/// wrong goes to `problems`), and its error codes are what a lossy run may show at most.
fn baseline(
    setup: &Setup,
    sample: &[&'static Scenario],
    problems: &mut Vec<String>,
) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut errors = BTreeMap::new();
    for (scenario, check) in sample.iter().zip(setup.check_all(sample)) {
        if let Some(problem) = wrong_verdict(scenario, &check) {
            problems.push(format!(
                "{} without loss: {problem} ({})",
                scenario.id,
                check.describe()
            ));
        }
        errors.insert(scenario.id, check.error_codes());
    }
    errors
}

/// What is wrong with `check` as the diagnosis of `scenario`, in a few words: its verdict,
/// its exit code, a finding the lab's table expects and it lacks, or a lame or unreachable
/// zone it should not see.
fn wrong_verdict(scenario: &Scenario, check: &Check) -> Option<String> {
    let expected = verdict_word(scenario.verdict);
    let codes = check.codes();
    let problem = if check.verdict() != expected {
        format!("verdict {} instead of {expected}", check.verdict())
    } else if Some(check.output.code) != exit_code_of(expected) {
        format!("exit code {} for {expected}", check.output.code)
    } else if let Some(missing) = scenario.findings.iter().find(|c| !codes.contains(c)) {
        format!("no {missing} finding")
    } else if let Some(false_alarm) = ["lame-delegation", "zone-unreachable"]
        .iter()
        .find(|c| codes.contains(c) && !scenario.findings.contains(c))
    {
        format!("a false {false_alarm}")
    } else {
        return None;
    };
    Some(problem)
}

/// At 20% random loss each way (UDP and TCP, queries and answers), every scenario keeps its
/// verdict and its findings, with no false `lame-delegation` or `zone-unreachable`: each
/// scenario once, the healthy ones three times. The delegation trees of a few human reports
/// agree with their findings.
#[test]
fn loss_of_20_percent_changes_no_diagnosis() {
    let Some(setup) = Setup::new("loss20", LabNetwork::Demo, |_| Ok(())) else {
        return;
    };
    let all: Vec<&'static Scenario> = SCENARIOS.iter().collect();
    let mut problems = Vec::new();
    let errors = baseline(&setup, &all, &mut problems);
    setup
        .namespace
        .inject(Fault::Loss(20), setup.lab.port)
        .unwrap();

    let mut sample = all.clone();
    for _ in 0..2 {
        sample.extend(SCENARIOS.iter().filter(|s| is_healthy(s)));
    }
    for (scenario, check) in sample.iter().zip(setup.check_all(&sample)) {
        let new_errors: Vec<String> = check
            .error_codes()
            .into_iter()
            .filter(|c| !errors[scenario.id].contains(c))
            .collect();
        if let Some(problem) = wrong_verdict(scenario, &check) {
            problems.push(format!("{}: {problem} ({})", scenario.id, check.describe()));
        } else if !new_errors.is_empty() {
            problems.push(format!(
                "{}: errors {new_errors:?} that a lossless run does not find ({})",
                scenario.id,
                check.describe()
            ));
        }
    }

    // The human reports of the scenarios whose servers matter most: the tree may not tick a
    // server that a finding above it calls lame.
    for id in [
        "ses-healthy",
        "small-host",
        "lame",
        "unreachable",
        "ses-inconsistent",
    ] {
        let scenario = scenarios::scenario(id).expect("lab scenario");
        let human = setup.human(&setup.scenario_args(scenario));
        let contradictions = tree_contradictions(&human.stdout);
        if !contradictions.is_empty() {
            problems.push(format!(
                "{id}: the delegation tree ticks servers a finding calls lame: {contradictions:?}"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "at 20% loss ({} checks), {} went wrong:\n{}",
        sample.len(),
        problems.len(),
        problems.join("\n")
    );
}

/// At 40% loss a check may give up (`incomplete`, exit 3), but never passes a broken domain,
/// never fails a healthy one, and never blames a zone for what the network lost.
#[test]
fn loss_of_40_percent_gives_up_rather_than_misdiagnoses() {
    let Some(setup) = Setup::new("loss40", LabNetwork::Demo, |_| Ok(())) else {
        return;
    };
    let ids = [
        "ses-healthy",
        "ses-healthy",
        "glueless",
        "small-host",
        "selector-healthy",
        "ses-missing",
        "ses-inconsistent",
        "ses-unresolvable",
        "lame",
        "unreachable",
        "key-weak512",
    ];
    let sample: Vec<&'static Scenario> = ids
        .iter()
        .map(|id| scenarios::scenario(id).expect("lab scenario"))
        .collect();
    let mut problems = Vec::new();
    let errors = baseline(&setup, &sample, &mut problems);
    setup
        .namespace
        .inject(Fault::Loss(40), setup.lab.port)
        .unwrap();
    let zone_faults = zone_fault_codes();
    let mut gave_up = 0;
    for (scenario, check) in sample.iter().zip(setup.check_all(&sample)) {
        let extra: Vec<String> = check
            .error_codes()
            .into_iter()
            .filter(|c| !errors[scenario.id].contains(c))
            .collect();
        let problem = if check.verdict() == "incomplete" {
            gave_up += 1;
            if check.output.code != 3 {
                Some(format!("exit code {} for incomplete", check.output.code))
            } else {
                extra
                    .iter()
                    .find(|c| zone_faults.contains(c.as_str()))
                    .map(|blame| format!("gave up blaming the zone: {blame}"))
            }
        } else if let Some(problem) = wrong_verdict(scenario, &check) {
            Some(problem)
        } else if !extra.is_empty() {
            Some(format!(
                "errors {extra:?} that a lossless run does not find"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            problems.push(format!("{}: {problem} ({})", scenario.id, check.describe()));
        }
    }
    assert!(
        problems.is_empty(),
        "at 40% loss ({gave_up} of {} checks incomplete):\n{}",
        sample.len(),
        problems.join("\n")
    );
}

/// The dual-stack zone's servers publish AAAA glue, and this machine has no IPv6 route: first
/// with the addresses gone ("network unreachable"), then with IPv6 off on `lo` ("cannot assign
/// requested address"). The zone is healthy over IPv4: pass, no lame server, each IPv6 server
/// "not checked from here"; `-4` passes; `-6` cannot check anything (incomplete, exit 3) and
/// says IPv6 cannot be reached from here. Before the fault, `-6` passes: the servers really do
/// answer over IPv6, so what changes is only the route.
#[test]
fn no_ipv6_route_is_not_a_lame_server() {
    let v6: Vec<IpAddr> = LabNetwork::DualStack
        .build()
        .servers
        .iter()
        .filter_map(|s| s.ipv6.map(IpAddr::V6))
        .collect();
    let Some(setup) = Setup::new("nov6", LabNetwork::DualStack, |ns| {
        v6.iter().try_for_each(|a| ns.add_address(*a))
    }) else {
        return;
    };
    let base: Vec<String> = ["selector", DUAL_STACK_ZONE, FIXTURE_SELECTOR]
        .iter()
        .map(|s| s.to_string())
        .chain(setup.lab.args())
        .collect();
    let with = |flag: Option<&str>| {
        let mut args = base.clone();
        args.extend(flag.map(str::to_string));
        args
    };

    let v6_only = setup.check(&with(Some("-6")));
    assert_eq!(
        (v6_only.verdict(), v6_only.output.code),
        ("pass", 0),
        "-6 with a working IPv6 route: {}",
        v6_only.describe()
    );

    let mut problems = Vec::new();
    let remove_addresses = || {
        v6.iter()
            .try_for_each(|a| setup.namespace.remove_address(*a))
    };
    let disable_ipv6 = || setup.namespace.disable_ipv6();
    type Step<'a> = &'a dyn Fn() -> Result<(), String>;
    let faults: [(&str, Step); 2] = [
        ("addresses removed", &remove_addresses),
        ("IPv6 disabled on lo", &disable_ipv6),
    ];
    for (how, fault) in faults {
        fault().unwrap();
        let default = setup.check(&with(None));
        if (default.verdict(), default.output.code) != ("pass", 0)
            || default.codes().contains(&"lame-delegation")
            || !default.mentions("not checked from here")
        {
            problems.push(format!(
                "{how}, both families: expected pass, no lame server, IPv6 servers \"not \
                 checked from here\"; got {}",
                default.describe()
            ));
        }
        let human = setup.human(&with(None));
        if !human.stdout.contains("not checked from here")
            || !human.stdout.contains("Verdict: PASS")
            || !tree_contradictions(&human.stdout).is_empty()
        {
            problems.push(format!("{how}, human report:\n{}", human.stdout));
        }
        let v4 = setup.check(&with(Some("-4")));
        if (v4.verdict(), v4.output.code) != ("pass", 0) {
            problems.push(format!("{how}, -4: {}", v4.describe()));
        }
        let v6_only = setup.check(&with(Some("-6")));
        let says = v6_only.report.to_string().to_lowercase();
        if (v6_only.verdict(), v6_only.output.code) != ("incomplete", 3)
            || !says.contains("ipv6")
            || !says.contains("from here")
            || v6_only.codes().contains(&"lame-delegation")
        {
            problems.push(format!(
                "{how}, -6: expected incomplete (exit 3) saying IPv6 cannot be reached from \
                 here; got {}",
                v6_only.describe()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Port 53 (the lab's port) blocked by `fault`: a healthy domain's check ends `incomplete`
/// (exit 3) within the guard, with one `network-unreachable` finding that says this machine
/// cannot reach DNS servers directly, nothing that blames the zone or its registrar, and a
/// short human report.
fn blocked_port(test: &str, fault: Fault) {
    let Some(setup) = Setup::new(test, LabNetwork::Demo, |_| Ok(())) else {
        return;
    };
    setup.namespace.inject(fault, setup.lab.port).unwrap();
    let healthy = scenarios::scenario("ses-healthy").expect("lab scenario");
    let args = setup.scenario_args(healthy);
    // Both reports at once: with a silent drop each takes the tool's whole give-up time.
    let json_args = args.clone();
    let (check, human) = std::thread::scope(|scope| {
        let json = scope.spawn(|| setup.check(&json_args));
        let human = setup.human(&args);
        (json.join().expect("JSON run"), human)
    });

    let mut problems = Vec::new();
    if (check.verdict(), check.output.code) != ("incomplete", 3) {
        problems.push(format!("expected incomplete, exit 3: {}", check.describe()));
    }
    for elapsed in [check.output.elapsed, human.elapsed] {
        if elapsed > BLOCKED_GUARD {
            problems.push(format!(
                "took {:.1} s (the tool must give up within 10 s)",
                elapsed.as_secs_f64()
            ));
        }
    }
    let down = check.with_code("network-unreachable");
    if down.len() != 1
        || !down[0]["summary"]
            .as_str()
            .is_some_and(|s| s.contains(NETWORK_DOWN))
    {
        problems.push(format!(
            "expected one network-unreachable finding saying \"{NETWORK_DOWN}\": {:?}",
            check.report["findings"]
        ));
    }
    let blaming: Vec<&str> = check
        .codes()
        .into_iter()
        .filter(|c| ZONE_BLAMING_CODES.contains(c))
        .collect();
    if !blaming.is_empty() {
        problems.push(format!("findings blame the zone: {blaming:?}"));
    }
    let lines = human.stdout.lines().count();
    if human.code != 3 || lines >= 15 || !human.stdout.contains(NETWORK_DOWN) {
        problems.push(format!(
            "human report (exit {}, {lines} lines) should be short and say \"{NETWORK_DOWN}\":\n{}",
            human.code, human.stdout
        ));
    }
    assert!(problems.is_empty(), "{test}:\n{}", problems.join("\n"));
}

/// A local firewall rejects outgoing port 53: UDP sends fail with EPERM, TCP is reset.
#[test]
fn port_53_rejected_by_a_local_firewall() {
    blocked_port("reject-local", Fault::RejectLocally);
}

/// A firewall on the way rejects port 53: ICMP port unreachable, TCP reset.
#[test]
fn port_53_rejected_on_the_way() {
    blocked_port("reject-way", Fault::RejectOnTheWay);
}

/// A local firewall drops outgoing port 53: UDP sends fail with EPERM, TCP SYNs vanish.
#[test]
fn port_53_dropped_by_a_local_firewall() {
    blocked_port("drop-local", Fault::DropLocally);
}

/// Port 53 is silently dropped on the way: nothing but timeouts.
#[test]
fn port_53_dropped_silently() {
    blocked_port("drop-silent", Fault::DropSilently);
}

/// One server of a healthy zone never answers (everything sent to it vanishes): that server,
/// and only it, is lame, and the finding says how many tries over how long it got; the
/// delegation tree marks the same server, and only it.
#[test]
fn a_server_that_never_answers_is_lame_after_its_tries() {
    let silent = Ipv4Addr::new(127, 53, 10, 2); // ns2.dnshost.com
    let Some(setup) = Setup::new("silent", LabNetwork::Demo, |_| Ok(())) else {
        return;
    };
    setup
        .namespace
        .inject(Fault::SilenceServer(silent), setup.lab.port)
        .unwrap();
    let healthy = scenarios::scenario("ses-healthy").expect("lab scenario");
    let args = setup.scenario_args(healthy);
    let check = setup.check(&args);
    assert_eq!(
        (check.verdict(), check.output.code),
        ("fail", 1),
        "{}",
        check.describe()
    );
    let lame = check.with_code("lame-delegation");
    let blamed: Vec<String> = lame
        .iter()
        .flat_map(|f| f["servers"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["address"].as_str().map(str::to_string))
        .collect();
    assert!(
        !blamed.is_empty() && blamed.iter().all(|a| *a == silent.to_string()),
        "only {silent} may be lame: {blamed:?} ({})",
        check.describe()
    );
    let summary = lame[0]["summary"].as_str().unwrap_or_default();
    assert!(
        says_tries_over_time(summary),
        "the finding must say \"did not answer N tries over T s\": {summary}"
    );

    let human = setup.human(&args);
    let tree: Vec<&str> = human
        .stdout
        .lines()
        .skip_while(|l| l.trim() != "Delegation")
        .collect();
    let silent_line = tree
        .iter()
        .find(|l| l.contains(&format!("({silent})")))
        .unwrap_or_else(|| panic!("{silent} is not in the tree:\n{}", human.stdout));
    assert!(silent_line.contains('✗'), "{silent_line}");
    assert!(
        tree.iter()
            .any(|l| l.contains("(127.53.10.1)") && l.contains('✓')),
        "the answering server must keep its tick:\n{}",
        human.stdout
    );
    assert!(
        tree_contradictions(&human.stdout).is_empty(),
        "{}",
        human.stdout
    );
}

/// Whether `text` says "did not answer N tries over T s" with numbers for N and T.
fn says_tries_over_time(text: &str) -> bool {
    text.split("did not answer ").skip(1).any(|rest| {
        let mut words = rest.split_whitespace();
        let tries = words.next().is_some_and(|n| n.parse::<u32>().is_ok());
        let label = words.next() == Some("tries") && words.next() == Some("over");
        let seconds = words.next().is_some_and(|t| t.parse::<f64>().is_ok());
        tries && label && seconds && words.next().is_some_and(|unit| unit.starts_with('s'))
    })
}

#[test]
fn tries_over_time_wording() {
    assert!(says_tries_over_time(
        "timeout: 127.53.10.2:57426 did not answer 5 tries over 7.2 s (UDP, then TCP)"
    ));
    assert!(!says_tries_over_time("did not answer in time"));
    assert!(!says_tries_over_time("did not answer 5 tries"));
}

/// The packet counters `cargo xtask bench-loss` reports count exactly what is sent to the lab's
/// port from inside the namespace: three UDP datagrams and one TCP connection sent by bash's
/// `/dev/udp` and `/dev/tcp`, then a check's queries.
#[test]
fn sent_counters_count_every_packet() {
    let Some(setup) = Setup::new("counters", LabNetwork::Demo, |_| Ok(())) else {
        return;
    };
    setup.namespace.count_sent(setup.lab.port).unwrap();
    let port = setup.lab.port;
    let script = format!(
        "for i in 1 2 3; do echo x > /dev/udp/127.53.0.1/{port}; done; echo x > /dev/tcp/127.53.0.1/{port}"
    );
    setup.namespace.run(&["bash", "-c", &script]).unwrap();
    assert_eq!(
        setup.namespace.take_sent().unwrap(),
        Sent { udp: 3, tcp_syn: 1 }
    );
    let healthy = scenarios::scenario("ses-healthy").expect("lab scenario");
    let check = setup.check(&setup.scenario_args(healthy));
    let sent = setup.namespace.take_sent().unwrap();
    assert!(sent.udp > 0, "{sent:?} for {}", check.describe());
}
