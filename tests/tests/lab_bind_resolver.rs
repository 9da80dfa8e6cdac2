//! `dns-wire`'s resolver walking the BIND lab (port 53): its answers equal what `dig +norec`
//! gets from the server that gave them, its surveys reach every server of a zone (BIND's query
//! log is the witness), and lame and unreachable zones end with the recorded error, in bounded
//! time.

mod lab_support;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use dns_lab::bind::parse_query_log_line;
use dns_lab::internet::miniature_internet;
use dns_lab::scenarios::{self, SCENARIOS};
use dns_lab::Behaviour;
use dns_wire::resolver::{
    Classification, LameReason, ResolveError, Resolver, ResolverConfig, WalkOutcome,
};
use dns_wire::{Name, RecordType};
use lab_support::*;

fn resolver() -> Resolver {
    let roots = miniature_internet().roots.into_iter().map(IpAddr::V4);
    let mut config = ResolverConfig::lab(roots, 53);
    config.families.ipv6 = false;
    config.transport.timeout = Duration::from_millis(400);
    Resolver::new(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved_answers_equal_what_dig_gets_from_the_answering_server() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let resolver = resolver();
        let mut checked = 0;
        for scenario in SCENARIOS {
            for name in scenario.dkim_names() {
                let result = resolver.lookup(&name, RecordType::TXT).await;
                if scenario.domain == scenarios::UNREACHABLE {
                    assert!(
                        matches!(result.outcome, WalkOutcome::Failed(_)),
                        "{name}: {:?}",
                        result.outcome
                    );
                    continue;
                }
                let server = match &result.answered_by {
                    Some(server) => server.ip,
                    None => panic!("{name}: no server answered: {:?}", result.outcome),
                };
                let IpAddr::V4(server) = server else {
                    panic!("{name}: IPv6 server {server} in a v4 lab")
                };
                let final_name = result.final_name.to_string();
                let dig = dig_short(server, 53, &final_name, "TXT");
                let mut dig_txt: Vec<String> =
                    dig.into_iter().filter(|l| l.starts_with('"')).collect();
                dig_txt.sort();
                let mut ours: Vec<String> = match &result.outcome {
                    WalkOutcome::Answer(records) => {
                        records.iter().map(|r| r.data.to_string()).collect()
                    }
                    WalkOutcome::NxDomain { .. } | WalkOutcome::NoData { .. } => Vec::new(),
                    other => panic!("{name}: {other:?}"),
                };
                ours.sort();
                assert_eq!(ours, dig_txt, "{name} -> {final_name} at {server}");
                checked += 1;
            }
        }
        assert!(checked >= 50, "only {checked} names checked");
    })
    .await
    .expect("test timed out");
}

/// Surveys a name no server has (a fresh label under the domain's `_domainkey`), so the query
/// log lines it leaves can only come from this survey; returns the servers that logged it.
async fn survey_and_read_log(resolver: &Resolver, domain: &str) -> (usize, BTreeSet<Ipv4Addr>) {
    let marker = format!("survey-{}-{}", std::process::id(), domain.replace('.', "-"));
    let name: Name = format!("{marker}._domainkey.{domain}").parse().unwrap();
    let survey = resolver.survey(&name, RecordType::TXT).await;
    let answered = survey.answers.len();
    let wanted = name.to_string_relative().to_lowercase();
    let mut logged = BTreeSet::new();
    // BIND writes each line as the query arrives; allow a bounded moment for the file.
    for _ in 0..30 {
        let log = std::fs::read_to_string(query_log_path()).unwrap_or_default();
        logged = log
            .lines()
            .filter_map(parse_query_log_line)
            .filter(|q| q.name.to_lowercase().trim_end_matches('.') == wanted)
            .map(|q| q.server)
            .collect();
        if logged.len() >= answered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (answered, logged)
}

#[tokio::test]
async fn the_query_log_proves_every_authoritative_server_was_surveyed() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let network = miniature_internet();
        let resolver = resolver();
        for domain in [
            scenarios::SES_HEALTHY,
            scenarios::SES_INCONSISTENT,
            scenarios::NS_MISMATCH,
            scenarios::LAME,
            scenarios::MOVED_TO_ROUTE53,
        ] {
            // Every listening server the parent delegates to, plus those the apex NS set of
            // the copies they serve adds (undelegated copies, like the Route 53-like one, are
            // out of reach: that is what --expect-ns is for).
            let zone: Name = domain.parse().unwrap();
            let tld = zone.parent().unwrap();
            let parent_ns: Vec<Name> = network
                .zones
                .iter()
                .filter(|h| h.zone.origin == tld)
                .flat_map(|h| h.zone.records_at(&zone).cloned().collect::<Vec<_>>())
                .filter_map(|r| match r.data {
                    dns_wire::RData::Ns(host) => Some(host),
                    _ => None,
                })
                .collect();
            let addr_of = |host: &Name| {
                network
                    .servers
                    .iter()
                    .find(|s| &s.host == host)
                    .expect("NS host is a lab server")
            };
            let delegated: Vec<Ipv4Addr> = parent_ns.iter().map(|h| addr_of(h).addr).collect();
            let mut hosts = parent_ns.clone();
            for hosted in network.zones.iter().filter(|h| {
                h.zone.origin == zone && h.servers.iter().any(|a| delegated.contains(a))
            }) {
                hosts.extend(hosted.zone.apex_ns());
            }
            let expected: BTreeSet<Ipv4Addr> = hosts
                .iter()
                .map(addr_of)
                .filter(|s| s.behaviour != Behaviour::Unreachable)
                .map(|s| s.addr)
                .collect();
            let (answered, logged) = survey_and_read_log(&resolver, domain).await;
            assert_eq!(answered, expected.len(), "{domain}: survey size");
            let missing: Vec<_> = expected.difference(&logged).collect();
            assert!(
                missing.is_empty(),
                "{domain}: never asked: {missing:?} (log: {logged:?})"
            );
            // The other lines are the walk down to the zone: root and TLD servers only.
            for addr in logged.difference(&expected) {
                let serves_ancestor = network
                    .zones_of(*addr)
                    .iter()
                    .any(|z| zone.is_subdomain_of(&z.origin) && z.origin != zone);
                assert!(
                    serves_ancestor,
                    "{domain}: {addr} was asked but is not on the path"
                );
            }
        }
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn lame_and_unreachable_zones_end_with_the_recorded_error() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let resolver = resolver();
        let token = scenarios::SES_TOKENS[0];

        let lame: Name = format!("{token}._domainkey.{}", scenarios::LAME)
            .parse()
            .unwrap();
        let survey = resolver.survey(&lame, RecordType::CNAME).await;
        let lame_servers: Vec<_> = survey.zone.lame_servers().collect();
        assert_eq!(lame_servers.len(), 1);
        assert_eq!(
            lame_servers[0].server.ip,
            IpAddr::V4(Ipv4Addr::new(127, 53, 12, 1))
        );
        assert_eq!(
            lame_servers[0].lame(),
            Some(&Classification::Lame(LameReason::Refused))
        );
        // The lookup itself still succeeds through the healthy server.
        let lookup = resolver.lookup(&lame, RecordType::CNAME).await;
        assert!(
            matches!(lookup.outcome, WalkOutcome::Answer(_)),
            "{:?}",
            lookup.outcome
        );

        let unreachable: Name = format!("{token}._domainkey.{}", scenarios::UNREACHABLE)
            .parse()
            .unwrap();
        let result = resolver.lookup(&unreachable, RecordType::TXT).await;
        match &result.outcome {
            WalkOutcome::Failed(ResolveError::ZoneExhausted { zone, .. }) => {
                assert_eq!(zone.to_string_relative(), scenarios::UNREACHABLE);
            }
            other => panic!("{other:?}"),
        }
        assert!(result
            .trace
            .queries()
            .any(|q| q.classification == Classification::Lame(LameReason::NoResponse)));
    })
    .await
    .expect("test timed out");
}
