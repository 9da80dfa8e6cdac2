//! The rules against the project's lab data (crates/dns-lab), without sockets: every probe is
//! answered in memory by the lab's own authoritative logic (`dns_lab::authority::answer`) for
//! every server the zone is delegated to, the way the CLI asks the real servers; then each
//! lab scenario's diagnosis must contain the findings the lab says it reproduces, with no
//! other warning or error, and the verdict the lab expects.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use dkim_rules::{
    diagnose, follow_up_probes, probes, Check, Delegation, Observations, Outcome, ProbeObservation,
    QueryError, Response, ServerAnswer, ServerInfo, ServerRef, Severity, TargetOutcome,
    TargetResolution, Verdict, ZoneSoa,
};
use dns_lab::scenarios::{self, SCENARIOS};
use dns_lab::{Behaviour, Network, Zone};
use dns_wire::{Message, Name, RData, Rcode, RecordType};

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
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
            signing_zone: None,
            region: region.map(str::to_string),
            expect_ns: expect_ns.iter().map(|s| n(s)).collect(),
            ses_soa: None,
            ses_status: None,
        },
        scenarios::Check::Selectors(list) => Check::Selector {
            domain,
            selectors: list.iter().map(|s| s.to_string()).collect(),
            expect_ns: vec![],
        },
    }
}

/// The deepest zone origin at or above `name` that some server serves.
fn zone_of<'a>(net: &'a Network, name: &Name) -> Option<&'a Zone> {
    net.zones
        .iter()
        .map(|h| &h.zone)
        .filter(|z| name.is_subdomain_of(&z.origin))
        .max_by_key(|z| z.origin.label_count())
}

fn ask(net: &Network, addr: Ipv4Addr, name: &Name, rtype: RecordType) -> Outcome {
    let behaviour = net.server(addr).map(|s| s.behaviour.clone());
    let query = Message::query(1, name.clone(), rtype);
    let response = |m: &Message, aa: bool| {
        let mut response = Response::from(m);
        response.authoritative &= aa;
        Outcome::Response(response)
    };
    match behaviour {
        Some(Behaviour::Authoritative) => response(
            &dns_lab::authority::answer(&net.zones_of(addr), &query),
            true,
        ),
        Some(Behaviour::NotAuthoritative) => response(
            &dns_lab::authority::answer(&net.zones_of(addr), &query),
            false,
        ),
        Some(Behaviour::Refuse) => Outcome::Response(Response {
            rcode: Rcode::REFUSED,
            authoritative: false,
            answer: vec![],
            authority: vec![],
        }),
        _ => Outcome::Error {
            error: QueryError::Timeout,
            message: "no answer".into(),
        },
    }
}

/// Resolves TXT at `name` through each zone's first authoritative server, following CNAMEs
/// out of zone, as the CLI's resolver does for targets.
fn resolve(net: &Network, name: &Name) -> TargetOutcome {
    let mut records = Vec::new();
    let mut current = name.clone();
    for _ in 0..8 {
        let Some(zone) = zone_of(net, &current) else {
            return TargetOutcome::Failed {
                error: format!("no zone holds {current}"),
                unanswered: false,
            };
        };
        let Some(addr) = net.servers_of(&zone.origin).into_iter().find(|a| {
            net.server(*a)
                .is_some_and(|s| s.behaviour == Behaviour::Authoritative)
        }) else {
            return TargetOutcome::Failed {
                error: format!("no server answers for {}", zone.origin),
                unanswered: false,
            };
        };
        let Outcome::Response(response) = ask(net, addr, &current, RecordType::TXT) else {
            return TargetOutcome::Failed {
                error: "timeout".into(),
                unanswered: false,
            };
        };
        let dangling = response.answer.iter().rev().find_map(|r| match &r.data {
            dkim_rules::ObservedData::Cname(t) if !response.answer.iter().any(|x| x.name == *t) => {
                Some(t.clone())
            }
            _ => None,
        });
        records.extend(response.answer);
        match dangling {
            Some(target) if !target.is_subdomain_of(&zone.origin) => current = target,
            _ => {
                return TargetOutcome::Answer {
                    rcode: response.rcode,
                    records,
                }
            }
        }
    }
    TargetOutcome::Failed {
        error: "CNAME chain too long".into(),
        unanswered: false,
    }
}

fn observe(net: &Network, check: &Check) -> Observations {
    let first = dkim_rules::expected_name(&check.selectors()[0], check.domain()).unwrap();
    let zone = zone_of(net, &first)
        .expect("a zone holds the names")
        .clone();
    let parent = zone
        .origin
        .parent()
        .and_then(|p| zone_of(net, &p))
        .expect("a parent zone");
    let parent_ns: Vec<Name> = parent
        .records_at(&zone.origin)
        .filter_map(|r| match &r.data {
            RData::Ns(host) => Some(host.clone()),
            _ => None,
        })
        .collect();
    // The child's NS set as the delegated servers answer it: from the copy of the zone that
    // the parent's servers hold (another copy may sit on servers nobody delegates to).
    let delegated_copy = net
        .servers
        .iter()
        .filter(|s| parent_ns.contains(&s.host) && s.behaviour == Behaviour::Authoritative)
        .find_map(|s| {
            net.zones_of(s.addr)
                .into_iter()
                .find(|z| z.origin == zone.origin)
                .cloned()
        })
        .unwrap_or_else(|| zone.clone());
    let child_ns = delegated_copy.apex_ns();
    let zone = delegated_copy;
    let mut servers: Vec<ServerInfo> = Vec::new();
    let hosts: BTreeSet<Name> = parent_ns
        .iter()
        .chain(&child_ns)
        .chain(check.expect_ns())
        .cloned()
        .collect();
    for host in hosts {
        for server in net.servers_named(&host) {
            let soa_serial = net
                .zones_of(server.addr)
                .iter()
                .find(|z| z.origin == zone.origin)
                .and_then(|z| z.soa())
                .map(|soa| soa.serial);
            servers.push(ServerInfo {
                name: host.clone(),
                address: IpAddr::V4(server.addr),
                in_parent: parent_ns.contains(&host),
                in_child: child_ns.contains(&host),
                user_named: check.expect_ns().contains(&host),
                soa_serial,
                not_checked: None,
            });
        }
    }
    let soa = zone.soa_record().and_then(ZoneSoa::from_record);
    // As the resolver bounds it: names beyond the per-zone cap are not asked.
    let ns_ignored = parent_ns
        .len()
        .max(child_ns.len())
        .saturating_sub(dns_wire::resolver::MAX_NS_PER_ZONE);
    let mut observations = Observations {
        delegation: Delegation {
            zone: Some(zone.origin.clone()),
            parent_ns,
            child_ns,
            servers: servers.clone(),
            soa,
            lame: vec![],
            ns_ignored,
        },
        probes: vec![],
        targets: vec![],
        network: None,
        reduced: None,
    };
    let mut batch = probes(check);
    for _ in 0..4 {
        for probe in &batch {
            if probe.resolves_through_target_zone() {
                observations.targets.push(TargetResolution {
                    name: probe.name.clone(),
                    outcome: resolve(net, &probe.name),
                });
                continue;
            }
            let answers = servers
                .iter()
                .map(|s| ServerAnswer {
                    server: ServerRef {
                        name: s.name.clone(),
                        address: s.address,
                    },
                    outcome: match s.address {
                        IpAddr::V4(addr) => ask(net, addr, &probe.name, probe.rtype),
                        IpAddr::V6(_) => unreachable!("the lab is IPv4"),
                    },
                })
                .collect();
            observations.probes.push(ProbeObservation {
                name: probe.name.clone(),
                rtype: probe.rtype,
                answers,
            });
        }
        batch = follow_up_probes(check, &observations);
        if batch.is_empty() {
            break;
        }
    }
    observations
}

#[test]
fn every_lab_scenario_is_diagnosed_as_the_lab_says() {
    let net = dns_lab::internet::miniature_internet();
    let mut failures = Vec::new();
    for scenario in SCENARIOS {
        let check = check_of(scenario);
        let report = diagnose(&check, &observe(&net, &check));
        let codes: BTreeSet<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        let serious: BTreeSet<&str> = report
            .findings
            .iter()
            .filter(|f| f.severity > Severity::Info)
            .map(|f| f.code.as_str())
            .collect();
        let wanted: BTreeSet<&str> = scenario.findings.iter().copied().collect();
        let verdict = match scenario.verdict {
            scenarios::Verdict::Pass => Verdict::Pass,
            scenarios::Verdict::Fail => Verdict::Fail,
            scenarios::Verdict::Incomplete => Verdict::Incomplete,
        };
        if !codes.is_superset(&wanted) || serious != wanted || report.verdict != verdict {
            failures.push(format!(
                "{} ({}): verdict {:?} (lab: {verdict:?}), codes {codes:?} (lab: {wanted:?})\n{}",
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
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
