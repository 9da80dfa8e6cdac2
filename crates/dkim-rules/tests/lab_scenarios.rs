//! The real check machine (`dkim_rules::CheckMachine` on a `dns_wire::resolver::Run`) against
//! the project's lab (crates/dns-lab), without sockets: the simulated network
//! (`dns_lab::simnet`) answers every exchange with the lab servers' own logic, in simulated
//! time, with latency and loss as parameters; each lab scenario's diagnosis must contain the
//! findings the lab says it reproduces, with no other warning or error, and the verdict the
//! lab expects.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use dkim_rules::{AnswerOutcome, Check, CheckMachine, CheckRun, Observations, Severity, Verdict};
use dns_lab::scenarios::{self, SCENARIOS};
use dns_lab::simnet::{Conditions, Cost, SimNet};
use dns_lab::Network;
use dns_wire::resolver::{ResolverConfig, Run};
use dns_wire::{Name, Question};

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

/// The lab's check as a rules check.
fn check_of(scenario: &scenarios::Scenario) -> Check {
    let domain = n(scenario.domain);
    match scenario.check {
        scenarios::Check::Ses {
            tokens,
            region,
            expect_ns,
        } => Check::Ses {
            domain,
            tokens: tokens.iter().map(|t| t.parse().unwrap()).collect(),
            signing_zone: None,
            region: region.map(str::to_string),
            expect_ns: expect_ns.iter().map(|s| n(s)).collect(),
            ses_soa: None,
            ses_status: None,
            mail_from: None,
            dmarc: true,
        },
        scenarios::Check::Identity {
            json,
            domain_arg,
            region,
            mail_from,
            ..
        } => {
            let mut check =
                dkim_rules::check_from_identity_json(json, domain_arg.then_some(&domain))
                    .expect("the lab's identity JSON reads");
            assert_eq!(check.domain(), &domain, "{}", scenario.id);
            if let (Check::Ses { region: slot, .. }, Some(region)) = (&mut check, region) {
                *slot = Some(region.to_string());
            }
            if let (
                Check::Ses {
                    mail_from: slot, ..
                },
                Some(name),
            ) = (&mut check, mail_from)
            {
                *slot = Some(dkim_rules::MailFromAttributes {
                    domain: n(name),
                    status: None,
                    behavior_on_mx_failure: dkim_rules::MxFailureBehavior::default(),
                });
            }
            check
        }
        scenarios::Check::Selectors(list) => Check::Selector {
            domain,
            selectors: list.iter().map(|s| s.parse().unwrap()).collect(),
            expect_ns: vec![],
            dmarc: true,
        },
    }
}

/// The resolver configuration for the lab: walks start at its roots, IPv4 only (the lab's
/// IPv6 addresses exist only inside the network-namespace tests).
fn lab_config(net: &Network) -> ResolverConfig {
    let mut config = ResolverConfig::lab(net.roots.iter().map(|ip| IpAddr::V4(*ip)), 53);
    config.families.ipv6 = false;
    // DNSSEC is on, as in the CLI: every query asks for signatures, and the zones' keys are
    // asked along the way.
    config.transport.dnssec_ok = true;
    config.zone_keys = true;
    config
}

/// DNSSEC checked at the lab's time, from the lab's root anchor.
fn lab_dnssec() -> dkim_rules::DnssecSetup {
    dkim_rules::DnssecSetup {
        now: u64::from(dns_lab::signing::LAB_NOW),
        anchors: vec![dns_lab::signing::trust_anchor()],
    }
}

/// The check run by the real check machine over the lab in simulated time, DNSSEC on.
fn run_check(net: &Network, check: &Check, conditions: Conditions) -> (CheckRun, Cost) {
    run_check_dnssec(net, check, conditions, true)
}

/// The check, DNSSEC on or off (`--no-dnssec`: no DO bit, no DNSSEC questions).
fn run_check_dnssec(
    net: &Network,
    check: &Check,
    conditions: Conditions,
    dnssec: bool,
) -> (CheckRun, Cost) {
    let mut config = lab_config(net);
    config.transport.dnssec_ok = dnssec;
    config.zone_keys = dnssec;
    run_check_with(net, check, conditions, config, dnssec)
}

/// The check on a run of `config`, DNSSEC checked or not.
fn run_check_with(
    net: &Network,
    check: &Check,
    conditions: Conditions,
    config: ResolverConfig,
    dnssec: bool,
) -> (CheckRun, Cost) {
    let (run, cost, _) = drive_check(net, check, conditions, config, dnssec);
    (run, cost)
}

/// [`run_check_with`], with the server and question of every exchange the run made.
fn drive_check(
    net: &Network,
    check: &Check,
    conditions: Conditions,
    config: ResolverConfig,
    dnssec: bool,
) -> (CheckRun, Cost, Vec<(SocketAddr, Question)>) {
    let start = Instant::now();
    let mut run = Run::new(config, start);
    let mut machine = CheckMachine::new(check.clone());
    if dnssec {
        machine = machine.with_dnssec(lab_dnssec());
    }
    let mut simnet = SimNet::new(net, conditions);
    let cost = simnet.drive(&mut run, &mut machine, start);
    assert!(machine.result().is_some(), "{check:?} did not end");
    (
        machine.into_result(start + cost.elapsed),
        cost,
        simnet.asked().to_vec(),
    )
}

/// What the check machine observed, at 20 ms a round trip and no loss.
fn observe(net: &Network, check: &Check) -> Observations {
    run_check(net, check, Conditions::default()).0.observations
}

/// How each scenario's diagnosis differs from what the lab says it is (empty: as described).
fn misdiagnosed(net: &Network, conditions: Conditions) -> Vec<String> {
    let mut failures = Vec::new();
    for scenario in SCENARIOS {
        let check = check_of(scenario);
        let report = run_check(net, &check, conditions).0.report;
        let codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        let serious: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .map(|f| f.code.as_str())
            .collect();
        let wanted: BTreeSet<&str> = scenario.findings.iter().copied().collect();
        // The information findings a scenario names (dnssec-secure...) must appear too, but
        // are not among the serious ones.
        let wanted_serious: BTreeSet<&str> = wanted
            .iter()
            .copied()
            .filter(|c| {
                dkim_rules::FindingCode::from_code(c)
                    .map_or(true, |c| c.default_severity() > Severity::Info)
            })
            .collect();
        let verdict = match scenario.verdict {
            scenarios::Verdict::Pass => Verdict::Pass,
            scenarios::Verdict::Fail => Verdict::Fail,
            scenarios::Verdict::Incomplete => Verdict::Incomplete,
        };
        if !codes.is_superset(&wanted) || serious != wanted_serious || report.verdict != verdict {
            failures.push(format!(
                "{} ({}) at {conditions:?}: verdict {:?} (lab: {verdict:?}), codes {codes:?} (lab: {wanted:?})\n{}",
                scenario.id,
                scenario.domain,
                report.verdict,
                report
                    .findings
                    .iter()
                    .map(|f| format!("  {} {}: {}", f.code, f.severity.as_str(), f.summary))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    failures
}

#[test]
fn every_lab_scenario_is_diagnosed_as_the_lab_says() {
    let net = dns_lab::internet::miniature_internet();
    let failures = misdiagnosed(&net, Conditions::default());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The same question asked twice of one server in a run's exchanges, as "server question".
fn repeated_questions(asked: &[(SocketAddr, Question)]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    asked
        .iter()
        .filter(|(server, question)| {
            !seen.insert((*server, question.name.to_lowercase(), question.qtype))
        })
        .map(|(server, question)| format!("{server} {} {}", question.name, question.qtype))
        .collect()
}

/// Issue 12, criteria 3 and 5 in simulated time: in every scenario, checked as the CLI does
/// (DNSSEC on), no server is asked the same question twice (a question asked again is joined
/// to the exchange in flight or answered from the run's memory), and the report and the
/// number of queries are the same whatever order the answers come back in (round trips
/// varied by half either way, six seeds, against the run where every round trip is the same).
#[test]
fn whatever_order_answers_come_back_in_no_question_is_sent_twice_and_the_report_is_the_same() {
    let net = dns_lab::internet::miniature_internet();
    let mut differing = Vec::new();
    for scenario in SCENARIOS {
        let check = check_of(scenario);
        let (steady, _, asked) =
            drive_check(&net, &check, Conditions::default(), lab_config(&net), true);
        for repeat in repeated_questions(&asked) {
            differing.push(format!("{}: asked again: {repeat}", scenario.id));
        }
        let steady_report = serde_json::to_string(&steady.report).unwrap();
        for seed in 1..=6 {
            let conditions = Conditions {
                jitter: 0.5,
                seed,
                ..Conditions::default()
            };
            let (run, _, asked) = drive_check(&net, &check, conditions, lab_config(&net), true);
            for repeat in repeated_questions(&asked) {
                differing.push(format!(
                    "{} (seed {seed}): asked again: {repeat}",
                    scenario.id
                ));
            }
            if run.queries() != steady.queries() {
                differing.push(format!(
                    "{} (seed {seed}): {} queries, {} with equal round trips",
                    scenario.id,
                    run.queries(),
                    steady.queries()
                ));
            }
            if serde_json::to_string(&run.report).unwrap() != steady_report {
                differing.push(format!("{} (seed {seed}): another report", scenario.id));
            }
        }
    }
    assert!(differing.is_empty(), "{differing:#?}");
}

#[test]
fn loss_costs_time_not_findings() {
    let net = dns_lab::internet::miniature_internet();
    // With every round trip the same, and with answers coming back in other orders.
    for jitter in [0.0, 0.5] {
        for (loss, seed) in [(0.1, 1), (0.2, 2), (0.3, 3)] {
            let conditions = Conditions {
                loss,
                seed,
                jitter,
                ..Conditions::default()
            };
            let failures = misdiagnosed(&net, conditions);
            assert!(failures.is_empty(), "{}", failures.join("\n\n"));
        }
    }
}

#[test]
fn two_runs_under_the_same_conditions_give_the_same_report() {
    let net = dns_lab::internet::miniature_internet();
    for scenario in SCENARIOS {
        let check = check_of(scenario);
        let conditions = Conditions {
            loss: 0.2,
            seed: 7,
            ..Conditions::default()
        };
        let (first, first_cost) = run_check(&net, &check, conditions);
        let (second, second_cost) = run_check(&net, &check, conditions);
        assert_eq!(first_cost, second_cost, "{}", scenario.domain);
        assert_eq!(
            serde_json::to_string(&first.report).unwrap(),
            serde_json::to_string(&second.report).unwrap(),
            "{}",
            scenario.domain
        );
        assert_eq!(
            first.observations, second.observations,
            "{}",
            scenario.domain
        );
    }
}

/// Round trips a check took: its simulated time over the round-trip time.
fn round_trips(cost: Cost) -> u128 {
    cost.elapsed.as_millis() / Conditions::default().latency.as_millis()
}

/// The DKIM check alone (`--no-dmarc`: DMARC's questions are measured with MAIL FROM) of the
/// healthy lab domain `domain`, without DNSSEC (its cost is measured below), at 20 ms a round
/// trip: the run, which must pass and count every exchange, and its cost.
fn healthy_dkim_check(domain: &str) -> (CheckRun, Cost) {
    let net = dns_lab::internet::miniature_internet();
    let scenario = SCENARIOS.iter().find(|s| s.domain == domain).unwrap();
    let check = dkim_alone(&check_of(scenario));
    let (run, cost) = run_check_dnssec(&net, &check, Conditions::default(), false);
    eprintln!("{domain}: {cost:?}");
    assert_eq!(run.report.verdict, Verdict::Pass);
    assert_eq!(run.queries(), cost.exchanges);
    (run, cost)
}

#[test]
fn a_healthy_ses_domain_is_checked_on_every_server_in_few_queries_and_round_trips() {
    let (_, cost) = healthy_dkim_check(scenarios::SES_HEALTHY);
    // Root, com, the zone; SOA and NS of its two servers; three names on each; the three
    // keys at amazonses.com (its referral and the dkim zone's): 21.
    assert!(cost.exchanges <= 21, "{cost:?}");
    // The walk (root, com, the zone), then the apex and the names of every server in one
    // wave, the keys alongside.
    assert!(round_trips(cost) <= 5, "{cost:?}");
}

/// Issue 12's own case: a healthy SES domain in a Route 53-style hosted zone, four name servers
/// none of which has glue, within 50 queries and in the round trips its addresses take.
#[test]
fn a_route53_style_domain_is_checked_on_its_four_glueless_servers_within_fifty_queries() {
    let (run, cost) = healthy_dkim_check(scenarios::ROUTE53_HEALTHY);
    let servers = &run.observations.delegation.servers;
    assert_eq!(servers.len(), 4, "{servers:?}");
    assert!(cost.exchanges <= 50, "{cost:?}");
    // Root, com (no glue); the servers' addresses: net and org, then awsdns-lab.net and
    // awsdns-lab.org; then the zone's SOA and NS and every name of all four servers in one
    // wave, SES's keys alongside.
    assert!(round_trips(cost) <= 6, "{cost:?}");
}

#[test]
fn missing_records_cost_one_more_round_of_questions() {
    let net = dns_lab::internet::miniature_internet();
    let scenario = SCENARIOS
        .iter()
        .find(|s| s.domain == scenarios::SES_MISSING)
        .unwrap();
    let (run, cost) = run_check_dnssec(&net, &check_of(scenario), Conditions::default(), false);
    eprintln!("{}: {cost:?}", scenario.domain);
    assert_eq!(run.report.verdict, Verdict::Fail);
    // The walk (root, com), the zone's SOA and NS with the names of every server as the
    // walk is referred to the zone, then the variants of the missing names: 4. The keys at
    // amazonses.com take 5 (its dkim zone's servers have no glue: one more lookup).
    assert!(round_trips(cost) <= 5, "{cost:?}");
}

#[test]
fn a_missing_selector_costs_four_round_trips() {
    let net = dns_lab::internet::miniature_internet();
    let check = Check::Selector {
        domain: n(scenarios::SES_HEALTHY),
        selectors: vec!["nosuch".parse().unwrap()],
        expect_ns: vec![],
        dmarc: false,
    };
    let (run, cost) = run_check(&net, &check, Conditions::default());
    assert_eq!(run.report.verdict, Verdict::Fail);
    // Root, com; the zone's SOA, NS and the name of every server as soon as com refers to
    // the zone (not after the walk has asked it too); the variants of the missing name.
    assert!(round_trips(cost) <= 4, "{cost:?}");
}

#[test]
fn a_domain_with_glueless_servers_is_surveyed_as_their_addresses_come_in() {
    let net = dns_lab::internet::miniature_internet();
    let scenario = SCENARIOS
        .iter()
        .find(|s| s.domain == scenarios::GLUELESS)
        .unwrap();
    let (run, cost) = run_check(
        &net,
        &dkim_alone(&check_of(scenario)),
        Conditions::default(),
    );
    assert_eq!(run.report.verdict, Verdict::Pass);
    // Root, org (glueless referral); the servers' addresses (their zone's referral, then
    // the addresses); the zone's SOA and NS with every name in one wave: 5 (6 when the
    // names waited for the walk to ask the zone first).
    assert!(round_trips(cost) <= 5, "{cost:?}");
}

/// Issue 16's bound: DNSSEC adds at most 25% to the queries of a full SES check (DKIM, the
/// custom MAIL FROM, DMARC) of a signed healthy domain. In simulated time the count is exact:
/// the zone's DNSKEY from both its servers, one DNSKEY each from the root, com, amazonses.com
/// and dkim.amazonses.com (the DS records came with the referrals): 6.
#[test]
fn dnssec_adds_at_most_a_quarter_to_a_full_check_of_a_signed_domain() {
    let net = dns_lab::internet::miniature_internet();
    {
        let id = "dnssec-secure";
        let scenario = scenarios::scenario(id).unwrap();
        let mut check = check_of(scenario);
        if let Check::Ses { mail_from, .. } = &mut check {
            *mail_from = Some(dkim_rules::MailFromAttributes {
                domain: n(&format!("bounce.{}", scenario.domain)),
                status: None,
                behavior_on_mx_failure: dkim_rules::MxFailureBehavior::default(),
            });
        }
        let (with, with_cost) = run_check_dnssec(&net, &check, Conditions::default(), true);
        let (without, without_cost) = run_check_dnssec(&net, &check, Conditions::default(), false);
        eprintln!("{id}: with DNSSEC {with_cost:?}; without {without_cost:?}");
        // The zone's DNSKEY of both its servers, the root's, com's and amazonses.com's of
        // one, and dkim.amazonses.com's (the zone that answers the keys) of both.
        assert_eq!(with_cost.exchanges, without_cost.exchanges + 7);
        // The check's own trace counts every exchange DNSSEC added, as the network does.
        assert_eq!(with.queries(), with_cost.exchanges);
        assert_eq!(without.queries(), without_cost.exchanges);
        // The keys are asked with the questions the check asks anyway: no round trip more.
        assert_eq!(with_cost.elapsed, without_cost.elapsed);
        // A run that does not ask the zones' keys along the way (`zone_keys` off): the check
        // asks them once the probes are in, one round trip more, the same evidence and the
        // same count in its trace as on the network.
        let mut config = lab_config(&net);
        config.zone_keys = false;
        let (late, late_cost) = run_check_with(&net, &check, Conditions::default(), config, true);
        eprintln!("{id}: keys asked at the end {late_cost:?}");
        assert_eq!(late.queries(), late_cost.exchanges);
        assert!(late_cost.elapsed > with_cost.elapsed, "{late_cost:?}");
        assert!(late_cost.exchanges * 4 <= without_cost.exchanges * 5);
        assert_eq!(late.report, with.report);
        assert!(
            with_cost.exchanges * 4 <= without_cost.exchanges * 5,
            "{id}: {with_cost:?} {without_cost:?}"
        );
        // The same diagnosis, plus what DNSSEC says.
        let dkim = |r: &dkim_rules::Report| {
            r.findings
                .iter()
                .filter(|f| !f.code.as_str().starts_with("dnssec-"))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(dkim(&with.report), dkim(&without.report));
        assert!(with.observations.dnssec.is_some() && without.observations.dnssec.is_none());
    }
}

/// Verifies a lab message with the keys as the lab's servers serve them, each fetched by the
/// ordinary selector check's probes.
fn verify_lab_message(net: &Network, bytes: &[u8]) -> dkim_rules::message::MessageReport {
    use dkim_rules::message::{verify_message, KeyEvidence, Message};
    let message = Message::parse(bytes).expect("a lab message parses");
    let fetched: Vec<(Name, dkim_rules::Selector, Observations)> = message
        .key_queries()
        .into_iter()
        .map(|(domain, selector)| {
            let check = Check::Selector {
                domain: domain.clone(),
                selectors: vec![selector.clone()],
                expect_ns: vec![],
                dmarc: false,
            };
            let observations = observe(net, &check);
            (domain, selector, observations)
        })
        .collect();
    let evidence: Vec<KeyEvidence<'_>> = fetched
        .iter()
        .map(|(domain, selector, observations)| KeyEvidence {
            domain,
            selector,
            observations,
        })
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    verify_message(&message, &evidence, now)
}

#[test]
fn every_signed_lab_message_verifies_as_expected() {
    let net = dns_lab::internet::miniature_internet();
    let mut failures = Vec::new();
    for (name, expected) in dns_lab::mail::EXPECTED {
        let bytes = dns_lab::mail::message(name).unwrap_or_else(|| panic!("no message {name}"));
        let report = verify_lab_message(&net, bytes);
        let got: Vec<&str> = report
            .signatures
            .iter()
            .map(|s| s.reason.map_or("pass", |r| r.as_str()))
            .collect();
        if got != *expected {
            failures.push(format!(
                "{name}: {got:?}, expected {expected:?}\n{}",
                report
                    .signatures
                    .iter()
                    .map(|s| format!("  {}", s.summary))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Where dkimpy and this crate disagree on a lab message, and why: each is a rule dkimpy does
/// not apply by default.
const DKIMPY_DIFFERENCES: &[(&str, &str)] = &[
    (
        "rsa-sha1.eml",
        "dkimpy still accepts rsa-sha1, which RFC 8301 forbids",
    ),
    (
        "key-hash-not-allowed.eml",
        "dkimpy ignores the key record's h= (RFC 6376 §3.6.1 says the key must be ignored)",
    ),
];

#[test]
fn verdicts_agree_with_dkimpy_except_where_dkimpy_is_lenient() {
    let net = dns_lab::internet::miniature_internet();
    let mut disagreements = Vec::new();
    for (name, bytes) in dns_lab::mail::MESSAGES {
        let theirs = dns_lab::mail::dkimpy_verdicts(name).expect("dkimpy verdicts");
        let ours: Vec<bool> = verify_lab_message(&net, bytes)
            .signatures
            .iter()
            .map(|s| s.reason.is_none())
            .collect();
        let documented = DKIMPY_DIFFERENCES.iter().any(|(n, _)| n == name);
        if (ours != theirs) != documented {
            disagreements.push(format!("{name}: ours {ours:?}, dkimpy {theirs:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn a_list_footer_is_found_and_an_unsigned_tail_is_warned_about() {
    let net = dns_lab::internet::miniature_internet();
    let report = verify_lab_message(&net, dns_lab::mail::message("footer-added.eml").unwrap());
    let change = report.signatures[0].body.change.as_ref().unwrap();
    assert_eq!(change.kind, "appended");
    assert_eq!(
        change.appended_start.as_deref(),
        Some("_______________________________________________")
    );
    assert!(
        change.summary.contains("team.lists.example.net"),
        "{}",
        change.summary
    );
    // The header fields are intact: only the body problem is reported.
    assert_eq!(report.signatures[0].problems.len(), 1);

    let report = verify_lab_message(&net, dns_lab::mail::message("l-tag-footer.eml").unwrap());
    let signature = &report.signatures[0];
    assert_eq!(
        signature.body.change.as_ref().unwrap().kind,
        "unsigned-tail"
    );
    assert!(signature.warnings.iter().any(|w| w.contains("not covered")));
    assert!(signature.body.signed_length < signature.body.canonical_length);

    let report = verify_lab_message(&net, dns_lab::mail::message("l-tag-truncated.eml").unwrap());
    assert_eq!(
        report.signatures[0].body.change.as_ref().unwrap().kind,
        "shorter-than-l"
    );
}

#[test]
fn changed_headers_are_named_from_z_and_a_wrong_key_is_told_apart() {
    let net = dns_lab::internet::miniature_internet();
    let report = verify_lab_message(&net, dns_lab::mail::message("subject-tagged.eml").unwrap());
    let summary = &report.signatures[0].problems[0].summary;
    assert!(summary.contains("opens the signature"), "{summary}");
    assert!(
        summary.contains("Subject was \"Quarterly report\""),
        "{summary}"
    );
    assert!(summary.contains("\"[team] Quarterly report\""), "{summary}");
    // The signed hash itself confirms it: the header data rebuilt from z= matches.
    assert!(
        summary.contains("exactly those changes broke the signature"),
        "{summary}"
    );
    // A change z= does not record (here in the signature field itself) is not "confirmed".
    let signed = dns_lab::mail::message("opendkim-rsa-relaxed.eml").unwrap();
    let edited = String::from_utf8_lossy(signed).replacen("t=1764583200", "t=1764583201", 1);
    let report = verify_lab_message(&net, edited.as_bytes());
    let summary = &report.signatures[0].problems[0].summary;
    assert_eq!(
        report.signatures[0].reason.unwrap().as_str(),
        "headers-changed"
    );
    assert!(!summary.contains("exactly those changes"), "{summary}");

    let report = verify_lab_message(&net, dns_lab::mail::message("key-mismatch.eml").unwrap());
    let summary = &report.signatures[0].problems[0].summary;
    assert!(summary.contains("another private key"), "{summary}");
}

#[test]
fn dmarc_alignment_strict_relaxed_and_none() {
    let net = dns_lab::internet::miniature_internet();
    let view = |name: &str| verify_lab_message(&net, dns_lab::mail::message(name).unwrap()).dmarc;
    let own = view("dkimpy-rsa-relaxed.eml");
    assert!(own.strict && own.relaxed);
    assert_eq!(own.from_domain.as_deref(), Some("dkim-signed.org"));
    let sub = view("subdomain-signer.eml");
    assert!(sub.relaxed && !sub.strict, "{}", sub.summary);
    let esp = view("third-party-only.eml");
    assert!(!esp.relaxed && !esp.strict, "{}", esp.summary);
    let three = view("three-signatures.eml");
    assert_eq!(three.aligned_signatures, vec![2, 3]);
    let expired = view("expired.eml");
    assert!(!expired.relaxed, "a failing signature never aligns");
}

/// The observations of the lab's check of `rsa2048._domainkey.dkim-signed.org`, with the TXT
/// record each server serves there replaced: `records[i]` for the i-th server (the last one
/// for the servers after it).
fn with_served_records(net: &Network, records: &[&str]) -> (Name, Observations) {
    let domain = n("dkim-signed.org");
    let check = Check::Selector {
        domain: domain.clone(),
        selectors: vec!["rsa2048".parse().unwrap()],
        expect_ns: vec![],
        dmarc: false,
    };
    let mut observations = observe(net, &check);
    let key_name = n("rsa2048._domainkey.dkim-signed.org");
    for probe in observations
        .probes
        .iter_mut()
        .filter(|p| p.name == key_name)
    {
        for (i, answer) in probe.answers.iter_mut().enumerate() {
            if let AnswerOutcome::Response(response) = &mut answer.outcome {
                for record in response.answer.iter_mut() {
                    if let dkim_rules::ObservedData::Txt(strings) = &mut record.data {
                        let text = records[i.min(records.len() - 1)];
                        *strings = text.as_bytes().chunks(255).map(<[u8]>::to_vec).collect();
                    }
                }
            }
        }
    }
    (domain, observations)
}

#[test]
fn each_kind_of_key_record_gives_its_result() {
    use dkim_rules::message::{verify_message, KeyEvidence, Message};
    let net = dns_lab::internet::miniature_internet();
    let rsa = dns_lab::keys::MAIL_RSA_2048;
    // The same key as a bare PKCS#1 RSAPublicKey (the SubjectPublicKeyInfo's bit string).
    let pkcs1 = {
        use base64::Engine;
        let der = base64::engine::general_purpose::STANDARD
            .decode(rsa)
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(&der[24..])
    };
    let cases: Vec<(Vec<String>, &str, bool)> = vec![
        (vec![format!("v=DKIM1; k=rsa; p={rsa}")], "pass", false),
        (vec![format!("v=DKIM1; k=rsa; t=y; p={rsa}")], "pass", true),
        (
            vec![format!("v=DKIM1; h=sha256; t=s; p={rsa}")],
            "pass",
            false,
        ),
        (vec![format!("v=DKIM1; k=rsa; p={pkcs1}")], "pass", false),
        (
            vec![format!("v=DKIM1; k=rsa; h=sha1; p={rsa}")],
            "key-hash-not-allowed",
            false,
        ),
        (
            vec![format!(
                "v=DKIM1; k=ed25519; p={}",
                dns_lab::keys::MAIL_ED25519
            )],
            "key-invalid",
            false,
        ),
        (
            vec![format!("v=DKIM1; k=rsa; p={}", dns_lab::keys::RSA_512)],
            "key-invalid",
            false,
        ),
        (
            vec!["v=DKIM1; k=rsa; p=not*base64".to_string()],
            "key-invalid",
            false,
        ),
        (vec!["v=DKIM1; k=rsa; p=".to_string()], "key-revoked", false),
        (
            vec![format!("v=DKIM1; k=rsa; p={}", dns_lab::keys::RSA_1024)],
            "key-mismatch",
            false,
        ),
        // One server has the signer's key, the other an old one.
        (
            vec![
                format!("v=DKIM1; k=rsa; p={rsa}"),
                format!("v=DKIM1; k=rsa; p={}", dns_lab::keys::RSA_2048),
            ],
            "key-inconsistent",
            false,
        ),
    ];
    let bytes = dns_lab::mail::message("dkimpy-rsa-relaxed.eml").unwrap();
    let message = Message::parse(bytes).unwrap();
    let mut failures = Vec::new();
    for (records, want, testing) in &cases {
        let texts: Vec<&str> = records.iter().map(String::as_str).collect();
        let (domain, observations) = with_served_records(&net, &texts);
        let evidence = [KeyEvidence {
            domain: &domain,
            selector: &"rsa2048".parse().unwrap(),
            observations: &observations,
        }];
        let report = verify_message(&message, &evidence, 1_800_000_000);
        let signature = &report.signatures[0];
        let got = signature.reason.map_or("pass", |r| r.as_str());
        let warned = signature.warnings.iter().any(|w| w.contains("t=y"));
        if got != *want || warned != *testing {
            failures.push(format!(
                "{records:?}: {got} (testing warning {warned}): {}",
                signature.summary
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_expired_signature_says_whether_it_was_valid_on_arrival() {
    let net = dns_lab::internet::miniature_internet();
    let expired = dns_lab::mail::message("expired.eml").unwrap();
    let mut received = b"Received: from out.dkim-signed.org (out.dkim-signed.org [192.0.2.25])\r\n\tby mx.example.net with ESMTPS id 4242; Tue, 02 Dec 2025 10:00:00 +0000\r\n".to_vec();
    received.extend_from_slice(expired);
    let report = verify_lab_message(&net, &received);
    let summary = &report.signatures[0].problems[0].summary;
    assert!(
        summary.contains("still valid when the message arrived (6 days before"),
        "{summary}"
    );
    // Without a Received field nothing is said about the arrival.
    let report = verify_lab_message(&net, expired);
    assert!(!report.signatures[0].problems[0].summary.contains("arrived"));
}

/// The report of a lab scenario, by id.
fn lab_report(net: &Network, id: &str) -> dkim_rules::Report {
    let scenario = scenarios::scenario(id).expect("a lab scenario");
    run_check(net, &check_of(scenario), Conditions::default())
        .0
        .report
}

#[test]
fn mail_from_and_dmarc_reports_say_what_the_lab_holds() {
    use dkim_rules::dmarc::{AlignmentMode, Policy};
    use dkim_rules::RecordStatus;
    let net = dns_lab::internet::miniature_internet();

    let healthy = lab_report(&net, "mail-from-healthy");
    let mail_from = healthy.mail_from.as_ref().expect("a mail_from object");
    assert_eq!(mail_from.domain, n("bounce.mail-from-healthy.com"));
    assert_eq!(mail_from.region.as_deref(), Some("us-east-1"));
    assert_eq!(
        mail_from.expected_mx,
        "10 feedback-smtp.us-east-1.amazonses.com."
    );
    assert_eq!(
        (mail_from.mx.status, mail_from.spf.status),
        (RecordStatus::Ok, RecordStatus::Ok)
    );
    assert_eq!(mail_from.mx.servers.len(), 2);
    assert!(mail_from.mx.servers.iter().all(|s| s.correct));
    assert_eq!(mail_from.spf.lookups, Some(1));
    assert!(mail_from.spf.lookups_complete && mail_from.spf.includes_amazonses);
    assert!(mail_from.fixes.is_empty());
    let dmarc = healthy.dmarc.as_ref().expect("a dmarc object");
    assert_eq!(dmarc.policy.as_ref().unwrap().policy, Policy::Quarantine);
    assert_eq!(dmarc.organizational_domain_method, "public-suffix-list");
    assert!(dmarc.dkim.aligned && dmarc.dkim.passes);
    let spf = dmarc.spf.as_ref().unwrap();
    assert!(spf.aligned && spf.passes, "{spf:?}");
    assert!(
        dmarc
            .summary
            .contains("passes DMARC (DKIM and SPF both align)"),
        "{}",
        dmarc.summary
    );

    let too_many = lab_report(&net, "spf-too-many");
    let spf = &too_many.mail_from.as_ref().unwrap().spf;
    assert_eq!((spf.lookups, spf.lookups_complete), (Some(12), true));
    assert_eq!(spf.includes.len(), 3);
    let finding = too_many
        .findings
        .iter()
        .find(|f| f.code.as_str() == "spf-too-many-lookups")
        .unwrap();
    assert!(
        finding.summary.contains("takes 12 DNS lookups"),
        "{}",
        finding.summary
    );

    // USE_DEFAULT_VALUE makes an MX problem a warning that says what happens to the mail;
    // REJECT_MESSAGE an error.
    let other = lab_report(&net, "mail-from-other-region");
    let f = &other.findings[0];
    assert_eq!(
        (f.code.as_str(), f.severity),
        ("mail-from-mx-other-region", Severity::Warning)
    );
    assert!(
        f.summary.contains("eu-central-2") && f.summary.contains("amazonses.com"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("SPF then passes for amazonses.com"),
        "{}",
        f.summary
    );
    let missing = lab_report(&net, "mail-from-mx-missing");
    let f = &missing.findings[0];
    assert_eq!(
        (f.code.as_str(), f.severity),
        ("mail-from-mx-missing", Severity::Error)
    );
    assert!(f.summary.contains("REJECT_MESSAGE"), "{}", f.summary);
    let fix = &missing.mail_from.as_ref().unwrap().fixes[0];
    assert_eq!(
        (fix.rtype.as_str(), fix.value.as_str()),
        ("MX", "10 feedback-smtp.<region>.amazonses.com.")
    );

    let strict = lab_report(&net, "dmarc-strict");
    let dmarc = strict.dmarc.as_ref().unwrap();
    assert_eq!(dmarc.spf.as_ref().unwrap().mode, AlignmentMode::Strict);
    assert!(!dmarc.spf.as_ref().unwrap().aligned);
    assert!(dmarc.summary.contains("through DKIM"), "{}", dmarc.summary);

    let two = lab_report(&net, "dmarc-two-records");
    assert_eq!(two.dmarc.as_ref().unwrap().status, RecordStatus::WrongValue);
    let none = lab_report(&net, "dmarc-missing");
    assert!(none.mail_from.is_none());
    let dmarc = none.dmarc.as_ref().unwrap();
    assert_eq!(dmarc.status, RecordStatus::Missing);
    assert!(!dmarc.spf.as_ref().unwrap().aligned);
    assert_eq!(dmarc.fixes[0].name, n("_dmarc.dmarc-missing.com"));

    // A DKIM-only scenario: DMARC read, no MAIL FROM, no finding beyond its own.
    let dkim_only = lab_report(&net, "ses-healthy");
    assert!(dkim_only.mail_from.is_none());
    assert_eq!(dkim_only.dmarc.as_ref().unwrap().status, RecordStatus::Ok);
}

/// The check of a scenario without DMARC and MAIL FROM: the DKIM check alone.
fn dkim_alone(check: &Check) -> Check {
    let mut check = check.clone();
    match &mut check {
        Check::Ses {
            mail_from, dmarc, ..
        } => {
            *mail_from = None;
            *dmarc = false;
        }
        Check::Selector { dmarc, .. } => *dmarc = false,
    }
    check
}

/// Issue 17's bound: a healthy identity with a custom MAIL FROM domain and DMARC costs at most
/// 12 queries more than the DKIM check alone. In simulated time the count is exact: the MX, TXT
/// and `_dmarc` questions of both servers, and amazonses.com's SPF record (its zone already
/// known from the key lookups): 7; and no round trip more than the key lookups take anyway.
#[test]
fn the_healthy_identity_costs_three_probes_and_one_include_beyond_dkim() {
    let net = dns_lab::internet::miniature_internet();
    let scenario = scenarios::scenario("mail-from-healthy").unwrap();
    let full = check_of(scenario);
    let dkim_only = dkim_alone(&full);
    let (full_run, full_cost) = run_check(&net, &full, Conditions::default());
    let (dkim_run, dkim_cost) = run_check(&net, &dkim_only, Conditions::default());
    eprintln!("with MAIL FROM and DMARC {full_cost:?}; DKIM alone {dkim_cost:?}");
    assert_eq!(
        full_run.observations.probes.len(),
        dkim_run.observations.probes.len() + 3
    );
    assert_eq!(
        full_run.observations.targets.len(),
        dkim_run.observations.targets.len() + 1
    );
    assert_eq!(
        full_cost.exchanges,
        dkim_cost.exchanges + 7,
        "{full_cost:?} {dkim_cost:?}"
    );
    assert!(full_cost.exchanges - dkim_cost.exchanges <= 12);
    // And the DKIM part of the diagnosis is the same.
    let (a, b) = (&full_run.report, &dkim_run.report);
    assert_eq!(
        (a.verdict, &a.records, &a.findings),
        (b.verdict, &b.records, &b.findings)
    );
}
