//! The resolver against hostile in-process servers: one of the two servers of a zone misbehaves,
//! the lookup must still get the answer from the other, and the trace must say what the bad one
//! did. Every lookup is bounded in time.

use std::net::Ipv4Addr;
use std::time::Duration;

use dns_lab::internet::miniature_internet;
use dns_lab::scenarios::{SES_HEALTHY, SES_TOKENS};
use dns_lab::{Behaviour, Network};
use dns_wire::resolver::{
    Classification, LameReason, ResolveError, Resolver, ResolverConfig, ThrowawayReason,
    WalkOutcome,
};
use dns_wire::transport::QueryError;
use dns_wire::{Name, RecordType};

const BOUND: Duration = Duration::from_secs(30);
const NS1_DNSHOST: Ipv4Addr = Ipv4Addr::new(127, 53, 10, 1);
const NS2_DNSHOST: Ipv4Addr = Ipv4Addr::new(127, 53, 10, 2);

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn with_behaviour(addr: Ipv4Addr, behaviour: Behaviour) -> Network {
    let mut network = miniature_internet();
    for server in network.servers.iter_mut().filter(|s| s.addr == addr) {
        server.behaviour = behaviour.clone();
    }
    network
}

fn config(lab: &dns_lab::RunningLab) -> ResolverConfig {
    let mut config = ResolverConfig::lab(lab.roots.clone(), lab.port);
    config.families.ipv6 = false;
    config.transport.timeout = Duration::from_millis(300);
    config.transport.udp_retries = 0;
    config.transport.tcp_timeout = Duration::from_secs(1);
    config
}

/// Looks up the first SES token's CNAME at ses-healthy.com with ns1.dnshost.com behaving as
/// given; returns what the trace recorded for ns1 in that zone.
async fn ns1_as(behaviour: Behaviour) -> (Classification, Option<QueryError>) {
    let lab = dns_lab::serve(with_behaviour(NS1_DNSHOST, behaviour.clone()), 0)
        .await
        .unwrap();
    let resolver = Resolver::new(config(&lab));
    let name = n(&format!("{}._domainkey.{SES_HEALTHY}", SES_TOKENS[0]));
    let result = tokio::time::timeout(BOUND, resolver.lookup(&name, RecordType::CNAME))
        .await
        .unwrap_or_else(|_| panic!("{behaviour:?}: the lookup did not end in time"));
    assert!(
        matches!(result.outcome, WalkOutcome::Answer(_)),
        "{behaviour:?}: {:?}",
        result.outcome
    );
    let ns1 = result
        .trace
        .queries()
        .find(|q| q.zone == n(SES_HEALTHY) && q.server.ip == NS1_DNSHOST)
        .unwrap_or_else(|| panic!("{behaviour:?}: ns1 was never asked"));
    (ns1.classification.clone(), ns1.error().cloned())
}

#[tokio::test]
async fn a_server_answering_from_the_wrong_port_is_heard_over_tcp() {
    let lab = dns_lab::serve(with_behaviour(NS1_DNSHOST, Behaviour::WrongSourcePort), 0)
        .await
        .unwrap();
    let resolver = Resolver::new(config(&lab));
    let name = n(&format!("{}._domainkey.{SES_HEALTHY}", SES_TOKENS[0]));
    let result = tokio::time::timeout(BOUND, resolver.lookup(&name, RecordType::CNAME))
        .await
        .unwrap();
    assert!(matches!(result.outcome, WalkOutcome::Answer(_)));
    let ns1 = result
        .trace
        .queries()
        .find(|q| q.zone == n(SES_HEALTHY) && q.server.ip == NS1_DNSHOST)
        .expect("ns1 was asked");
    // The datagrams from the wrong port never reach the connected socket (the kernel drops
    // them, as it would a spoof); the TCP try after the unanswered datagrams gets the answer.
    let exchange = ns1.result.as_ref().expect("an answer over TCP");
    assert_eq!(exchange.protocol, dns_wire::transport::Protocol::Tcp);
    assert!(exchange.tcp_fallback);
    assert!(exchange.udp_attempts >= 1, "{exchange:?}");
}

#[tokio::test]
async fn silent_and_wrong_id_servers_time_out_and_are_passed_over() {
    for behaviour in [Behaviour::Silent, Behaviour::WrongId] {
        let (class, error) = ns1_as(behaviour.clone()).await;
        assert_eq!(
            class,
            Classification::Lame(LameReason::NoResponse),
            "{behaviour:?}"
        );
        assert!(
            matches!(error, Some(QueryError::Timeout { .. })),
            "{behaviour:?}: {error:?}"
        );
        if behaviour == Behaviour::WrongId {
            // Every reply with the wrong ID was received and thrown away, and counted.
            assert!(
                matches!(error, Some(QueryError::Timeout { discarded, .. }) if discarded >= 1),
                "{error:?}"
            );
        }
    }
}

#[tokio::test]
async fn garbage_and_compression_loops_are_malformed_and_thrown_away() {
    for behaviour in [Behaviour::Garbage, Behaviour::CompressionLoop] {
        let (class, error) = ns1_as(behaviour.clone()).await;
        assert_eq!(
            class,
            Classification::Throwaway(ThrowawayReason::Transport),
            "{behaviour:?}"
        );
        assert!(
            matches!(error, Some(QueryError::Malformed { .. })),
            "{behaviour:?}: {error:?}"
        );
    }
}

#[tokio::test]
async fn endless_truncation_and_cut_tcp_streams_are_reported() {
    let (class, error) = ns1_as(Behaviour::TruncateForever).await;
    assert_eq!(class, Classification::Throwaway(ThrowawayReason::Transport));
    assert!(
        matches!(error, Some(QueryError::TruncatedOverTcp { .. })),
        "{error:?}"
    );
    let (class, error) = ns1_as(Behaviour::CutTcpStream).await;
    assert_eq!(class, Classification::Throwaway(ThrowawayReason::Transport));
    assert!(
        matches!(error, Some(QueryError::TcpClosed { .. })),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_non_authoritative_answer_is_lame() {
    let (class, error) = ns1_as(Behaviour::NotAuthoritative).await;
    assert_eq!(class, Classification::Lame(LameReason::NotAuthoritative));
    assert_eq!(error, None);
}

#[tokio::test]
async fn a_slow_server_within_the_timeout_is_still_used() {
    let (class, error) = ns1_as(Behaviour::Slow(Duration::from_millis(100))).await;
    assert_eq!(class, Classification::Answer);
    assert_eq!(error, None);
}

#[tokio::test]
async fn servers_referring_in_circles_end_the_lookup_with_a_recorded_error() {
    // Both servers of ses-healthy.com refer queries for it to each other, as a child zone.
    let zone = n(&format!("_domainkey.{SES_HEALTHY}"));
    let mut network = miniature_internet();
    for server in network.servers.iter_mut() {
        let other = if server.addr == NS1_DNSHOST {
            NS2_DNSHOST
        } else if server.addr == NS2_DNSHOST {
            NS1_DNSHOST
        } else {
            continue;
        };
        server.behaviour = Behaviour::Refer {
            zone: zone.clone(),
            servers: vec![(n(&format!("ns.{zone}")), other)],
        };
    }
    let lab = dns_lab::serve(network, 0).await.unwrap();
    let resolver = Resolver::new(config(&lab));
    let name = n(&format!("{}._domainkey.{SES_HEALTHY}", SES_TOKENS[0]));
    let result = tokio::time::timeout(BOUND, resolver.lookup(&name, RecordType::CNAME))
        .await
        .unwrap();
    assert!(
        matches!(
            &result.outcome,
            WalkOutcome::Failed(ResolveError::ZoneExhausted { .. })
        ),
        "{:?}",
        result.outcome
    );
    assert!(result
        .trace
        .queries()
        .any(|q| q.classification == Classification::Lame(LameReason::SelfReferral)));
    assert!(
        result.stats.queries < 20,
        "{} queries",
        result.stats.queries
    );
}
