//! The resolver against the BIND lab (`cargo xtask lab up`): a real authoritative server that
//! is not ours. Resolved answers must equal what `dig +norec` gets from the server that gave
//! them, and BIND's query log must show that a survey asked every server.

mod lab_support;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use dns_lab::bind::parse_query_log_line;
use dns_lab::scenarios::{
    BREVO_CUSTOMER, DKIM_ZONE_CUT, GLUELESS, LAME, M365_CUSTOMER, SELECTOR_HEALTHY, SES_HEALTHY,
    SES_TOKENS, UNREACHABLE,
};
use dns_wire::resolver::{
    Classification, LameReason, ResolveError, Resolver, ResolverConfig, WalkOutcome,
};
use dns_wire::{Name, RecordType};
use lab_support::*;

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn resolver() -> Resolver {
    let roots = [Ipv4Addr::new(127, 53, 0, 1), Ipv4Addr::new(127, 53, 0, 2)];
    let mut config = ResolverConfig::lab(roots.map(IpAddr::V4), 53);
    config.families.ipv6 = false;
    config.transport.timeout = Duration::from_millis(500);
    Resolver::new(config)
}

#[tokio::test]
async fn lookups_equal_what_dig_gets_from_the_answering_server() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let resolver = resolver();
        let mut names: Vec<(String, RecordType, usize)> = Vec::new();
        for token in SES_TOKENS {
            names.push((
                format!("{token}._domainkey.{SES_HEALTHY}"),
                RecordType::TXT,
                1,
            ));
            names.push((format!("{token}._domainkey.{GLUELESS}"), RecordType::TXT, 1));
        }
        names.push((
            format!("mail._domainkey.{DKIM_ZONE_CUT}"),
            RecordType::TXT,
            0,
        ));
        names.push((
            format!("google._domainkey.{SELECTOR_HEALTHY}"),
            RecordType::TXT,
            0,
        ));
        names.push((
            format!("selector1._domainkey.{M365_CUSTOMER}"),
            RecordType::TXT,
            1,
        ));
        names.push((
            format!("brevo1._domainkey.{BREVO_CUSTOMER}"),
            RecordType::TXT,
            2,
        ));
        names.push(("ns1.dnshost.com".to_string(), RecordType::A, 0));
        for (name, rtype, hops) in names {
            let result = resolver.lookup(&n(&name), rtype).await;
            let WalkOutcome::Answer(records) = &result.outcome else {
                panic!("{name} {rtype}: {:?}", result.outcome);
            };
            assert_eq!(result.chain.len(), hops, "{name}: CNAME hops");
            let ours: BTreeSet<String> = records.iter().map(|r| r.data.to_string()).collect();
            let IpAddr::V4(server) = result.answered_by.as_ref().unwrap().ip else {
                panic!("the lab is IPv4");
            };
            let theirs: BTreeSet<String> = dig_short(
                server,
                53,
                &result.final_name.to_string(),
                &rtype.to_string(),
            )
            .into_iter()
            .collect();
            assert_eq!(ours, theirs, "{name} {rtype} at {server}");
        }
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_survey_asks_every_server_as_the_query_log_shows() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let resolver = resolver();
        let marker = format!("resolver-survey-{}", std::process::id());
        let name = n(&format!("{marker}._domainkey.{LAME}"));
        let survey = resolver.survey(&name, RecordType::TXT).await;
        assert_eq!(survey.zone.zone, n(LAME));
        let by_server: Vec<(Ipv4Addr, Classification)> = survey
            .answers
            .iter()
            .map(|a| match a.server.ip {
                IpAddr::V4(ip) => (ip, a.classification.clone()),
                IpAddr::V6(_) => panic!("the lab is IPv4"),
            })
            .collect();
        assert!(by_server.contains(&(Ipv4Addr::new(127, 53, 10, 1), Classification::NxDomain)));
        assert!(by_server.contains(&(
            Ipv4Addr::new(127, 53, 12, 1),
            Classification::Lame(LameReason::Refused)
        )));
        assert_eq!(survey.zone.lame_servers().count(), 1);
        // BIND logged the question at each server that serves the zone.
        let wanted = name.to_string_relative().to_lowercase();
        let mut logged = false;
        for _ in 0..50 {
            let log = std::fs::read_to_string(query_log_path()).unwrap_or_default();
            logged = log.lines().filter_map(parse_query_log_line).any(|q| {
                q.server == Ipv4Addr::new(127, 53, 10, 1)
                    && q.name.to_lowercase().trim_end_matches('.') == wanted
            });
            if logged {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(logged, "{wanted} not in BIND's query log");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn an_unreachable_zone_ends_with_the_zone_named() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let resolver = resolver();
        let name = n(&format!("{}._domainkey.{UNREACHABLE}", SES_TOKENS[0]));
        let result = resolver.lookup(&name, RecordType::TXT).await;
        assert!(
            matches!(
                &result.outcome,
                WalkOutcome::Failed(ResolveError::ZoneExhausted { zone, .. }) if *zone == n(UNREACHABLE)
            ),
            "{:?}",
            result.outcome
        );
    })
    .await
    .expect("test timed out");
}
