//! The resolver against the in-process lab (`dns_lab::serve`): real UDP/TCP on 127.53.0.0/16,
//! a port picked at start, the miniature internet's zones and failure scenarios.

use std::time::Duration;

use dns_lab::internet::miniature_internet;
use dns_lab::scenarios::{
    DKIM_ZONE_CUT, GLUELESS, LAME, NS_MISMATCH, SES_DKIM_ZONE, SES_HEALTHY, SES_INCONSISTENT,
    SES_TOKENS, UNREACHABLE,
};
use dns_lab::RunningLab;
use dns_wire::resolver::{
    Classification, LameReason, QueryPurpose, ResolveError, Resolver, ResolverConfig, WalkEvent,
    WalkOutcome,
};
use dns_wire::{Name, RData, RecordType};

const BOUND: Duration = Duration::from_secs(60);

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

async fn start() -> (RunningLab, Resolver) {
    let lab = dns_lab::serve(miniature_internet(), 0).await.unwrap();
    let resolver = Resolver::new(config(&lab));
    (lab, resolver)
}

fn config(lab: &RunningLab) -> ResolverConfig {
    let mut config = ResolverConfig::lab(lab.roots.clone(), lab.port);
    config.families.ipv6 = false;
    config.transport.timeout = Duration::from_millis(300);
    config.transport.udp_retries = 0;
    config
}

fn token_name(token: &str, domain: &str) -> Name {
    n(&format!("{token}._domainkey.{domain}"))
}

#[tokio::test]
async fn an_ses_token_resolves_through_its_cname_from_each_zones_servers() {
    let (_lab, resolver) = start().await;
    let name = token_name(SES_TOKENS[0], SES_HEALTHY);
    let result = tokio::time::timeout(BOUND, resolver.lookup(&name, RecordType::TXT))
        .await
        .unwrap();
    let WalkOutcome::Answer(records) = &result.outcome else {
        panic!("{:?}", result.outcome);
    };
    let RData::Txt(txt) = &records[0].data else {
        panic!("{records:?}");
    };
    assert!(txt.concatenated().starts_with(b"p=MII"), "{txt:?}");
    assert_eq!(result.chain.len(), 1);
    assert_eq!(result.chain[0].zone, n(SES_HEALTHY));
    assert_eq!(
        result.final_name,
        n(&format!("{}.{SES_DKIM_ZONE}", SES_TOKENS[0]))
    );
    assert_eq!(result.zone.zone, n(SES_DKIM_ZONE));
    // root -> com -> ses-healthy.com (CNAME) -> [com cached] amazonses.com -> dkim zone.
    let zones: Vec<Name> = result.trace.queries().map(|q| q.zone.clone()).collect();
    assert_eq!(zones.first(), Some(&Name::root()));
    assert!(zones.contains(&n(SES_HEALTHY)));
    assert!(zones.contains(&n("amazonses.com")));
    assert!(result
        .trace
        .queries()
        .all(|q| q.address.port() == resolver.config().port));
}

#[tokio::test]
async fn the_shared_cache_saves_the_walk_for_the_next_tokens() {
    let (lab, resolver) = start().await;
    let mut queries = Vec::new();
    for token in SES_TOKENS {
        let result = tokio::time::timeout(
            BOUND,
            resolver.lookup(&token_name(token, SES_HEALTHY), RecordType::TXT),
        )
        .await
        .unwrap();
        assert!(
            matches!(result.outcome, WalkOutcome::Answer(_)),
            "{:?}",
            result.outcome
        );
        queries.push(result.stats.queries);
    }
    // The first walk descends from the root twice (customer zone, SES zone); the others start
    // at the cached cuts and need one query per zone.
    assert!(queries[0] >= 5, "{queries:?}");
    assert_eq!(&queries[1..], &[2, 2], "{queries:?}");
    let stats = resolver.stats();
    assert_eq!(
        stats.queries,
        queries.iter().map(|q| *q as u64).sum::<u64>()
    );
    assert!(stats.cache.zone_hits >= 4);

    // The same lookups with the cache off repeat the walk every time.
    let mut config = config(&lab);
    config.cache = false;
    let uncached = Resolver::new(config);
    for token in SES_TOKENS {
        let result = tokio::time::timeout(
            BOUND,
            uncached.lookup(&token_name(token, SES_HEALTHY), RecordType::TXT),
        )
        .await
        .unwrap();
        assert_eq!(result.stats.queries, queries[0]);
    }
    assert_eq!(uncached.stats().cache.zone_hits, 0);
}

#[tokio::test]
async fn a_glueless_delegation_is_resolved_from_the_root() {
    let (_lab, resolver) = start().await;
    let name = token_name(SES_TOKENS[0], GLUELESS);
    let result = tokio::time::timeout(BOUND, resolver.lookup(&name, RecordType::CNAME))
        .await
        .unwrap();
    assert!(
        matches!(result.outcome, WalkOutcome::Answer(_)),
        "{:?}",
        result.outcome
    );
    assert!(result.stats.ns_address_lookups >= 1);
    assert!(result
        .trace
        .queries()
        .any(|q| matches!(q.purpose, QueryPurpose::NsAddress { .. })));
    assert_eq!(result.zone.zone, n(GLUELESS));
    assert!(
        result.zone.glue.is_empty(),
        "org. gives no glue for {GLUELESS}"
    );
}

#[tokio::test]
async fn a_lame_server_is_skipped_by_lookups_and_named_by_surveys() {
    let (_lab, resolver) = start().await;
    let name = token_name(SES_TOKENS[0], LAME);
    let survey = tokio::time::timeout(BOUND, resolver.survey(&name, RecordType::CNAME))
        .await
        .unwrap();
    assert_eq!(survey.zone.zone, n(LAME));
    let lame: Vec<_> = survey.zone.lame_servers().collect();
    assert_eq!(lame.len(), 1);
    assert_eq!(lame[0].server.name, Some(n("lame.lab-servers.net")));
    assert_eq!(
        lame[0].lame(),
        Some(&Classification::Lame(LameReason::Refused))
    );
    assert_eq!(survey.answers.len(), 2);
    let classes: Vec<_> = survey
        .answers
        .iter()
        .map(|a| (a.server.name.clone().unwrap(), a.classification.clone()))
        .collect();
    assert!(classes.contains(&(n("ns1.dnshost.com"), Classification::Answer)));
    assert!(classes.contains(&(
        n("lame.lab-servers.net"),
        Classification::Lame(LameReason::Refused)
    )));
}

#[tokio::test]
async fn an_unreachable_zone_fails_within_its_bound_and_says_which_zone() {
    let (_lab, resolver) = start().await;
    let name = token_name(SES_TOKENS[0], UNREACHABLE);
    let started = std::time::Instant::now();
    let result = tokio::time::timeout(BOUND, resolver.lookup(&name, RecordType::TXT))
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    match &result.outcome {
        WalkOutcome::Failed(ResolveError::ZoneExhausted { zone, asked, .. }) => {
            assert_eq!(*zone, n(UNREACHABLE));
            assert_eq!(*asked, 2);
        }
        other => panic!("{other:?}"),
    }
    let lame = result
        .trace
        .queries()
        .filter(|q| q.classification == Classification::Lame(LameReason::NoResponse))
        .count();
    assert_eq!(lame, 2);
}

#[tokio::test]
async fn surveys_compare_parent_and_child_ns_sets_and_serials() {
    let (_lab, resolver) = start().await;
    let located = resolver
        .locate(&token_name(SES_TOKENS[0], NS_MISMATCH), RecordType::CNAME)
        .await;
    let zone = tokio::time::timeout(BOUND, resolver.survey_zone(&located.zone))
        .await
        .unwrap();
    let parent = zone.parent_ns.clone().unwrap();
    let child = zone.child_ns.clone().unwrap();
    assert_eq!(
        parent.names,
        vec![n("ns1.dnshost.com"), n("ns2.dnshost.com")]
    );
    assert_eq!(child.names, vec![n("ns1.dnshost.com")]);
    assert!(!parent.same_names(&child));
    assert!(parent.ttl > 0);

    let located = resolver
        .locate(
            &token_name(SES_TOKENS[0], SES_INCONSISTENT),
            RecordType::CNAME,
        )
        .await;
    let zone = tokio::time::timeout(BOUND, resolver.survey_zone(&located.zone))
        .await
        .unwrap();
    let mut serials: Vec<u32> = zone.servers.iter().filter_map(|s| s.serial()).collect();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), 2, "{serials:?}");
    // Several names of one zone: no new walk, one query per server each.
    let before = resolver.stats().queries;
    for token in SES_TOKENS {
        let answers = resolver
            .ask_all(
                &zone,
                &token_name(token, SES_INCONSISTENT),
                RecordType::CNAME,
            )
            .await;
        assert_eq!(answers.len(), 2);
        let classes: Vec<_> = answers.iter().map(|a| a.classification.clone()).collect();
        assert!(classes.contains(&Classification::Answer), "{classes:?}");
        assert!(classes.contains(&Classification::NxDomain), "{classes:?}");
    }
    // The first token was asked of one server by the walk that located the zone: that
    // server is not asked it again.
    assert_eq!(resolver.stats().queries - before, 5);
}

#[tokio::test]
async fn a_name_below_a_domainkey_zone_cut_is_surveyed_in_that_zone() {
    let (_lab, resolver) = start().await;
    let name = n(&format!("mail._domainkey.{DKIM_ZONE_CUT}"));
    let survey = tokio::time::timeout(BOUND, resolver.survey(&name, RecordType::TXT))
        .await
        .unwrap();
    assert_eq!(survey.zone.zone, n(&format!("_domainkey.{DKIM_ZONE_CUT}")));
    assert_eq!(survey.zone.delegation.parent, Some(n(DKIM_ZONE_CUT)));
    assert_eq!(survey.answers.len(), 2);
    assert!(survey
        .answers
        .iter()
        .all(|a| a.classification == Classification::Answer));
    assert!(survey
        .located
        .trace
        .events()
        .any(|e| matches!(e, WalkEvent::Referral { to, .. } if *to == survey.zone.zone)));
}

#[tokio::test]
async fn concurrent_lookups_share_one_resolver() {
    let (_lab, resolver) = start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for token in SES_TOKENS {
        for domain in [SES_HEALTHY, LAME, GLUELESS] {
            let resolver = resolver.clone();
            tasks.spawn(async move {
                resolver
                    .lookup(&token_name(token, domain), RecordType::CNAME)
                    .await
            });
        }
    }
    let results = tokio::time::timeout(BOUND, async {
        let mut all = Vec::new();
        while let Some(done) = tasks.join_next().await {
            all.push(done.unwrap());
        }
        all
    })
    .await
    .unwrap();
    assert_eq!(results.len(), 9);
    for result in &results {
        assert!(
            matches!(result.outcome, WalkOutcome::Answer(_)),
            "{:?}",
            result.outcome
        );
    }
}

#[tokio::test]
async fn surveying_more_names_of_a_zone_reuses_the_zone_survey() {
    let (_lab, resolver) = start().await;
    let mut costs = Vec::new();
    for token in SES_TOKENS {
        let before = resolver.stats().queries;
        let survey = tokio::time::timeout(
            BOUND,
            resolver.survey(&token_name(token, SES_HEALTHY), RecordType::CNAME),
        )
        .await
        .unwrap();
        assert_eq!(survey.zone.zone, n(SES_HEALTHY));
        assert_eq!(survey.zone.servers.len(), 2);
        assert_eq!(survey.answers.len(), 2);
        assert!(survey
            .answers
            .iter()
            .all(|a| a.classification == Classification::Answer));
        costs.push(resolver.stats().queries - before);
    }
    // First: root, com, the zone (3) + SOA and NS from both servers (4) + the question to
    // the other server (1: the one that answered the walk is not asked again). Then: the walk
    // from the cached cut (1) + the other server (1).
    assert_eq!(costs, vec![8, 2, 2]);
}

#[tokio::test]
async fn concurrent_lookups_share_the_descent_through_root_and_tld() {
    let (_lab, resolver) = start().await;
    let mut tasks = tokio::task::JoinSet::new();
    for token in SES_TOKENS {
        let resolver = resolver.clone();
        tasks.spawn(async move {
            resolver
                .lookup(&token_name(token, SES_HEALTHY), RecordType::TXT)
                .await
        });
    }
    let results = tokio::time::timeout(BOUND, async {
        let mut all = Vec::new();
        while let Some(done) = tasks.join_next().await {
            all.push(done.unwrap());
        }
        all
    })
    .await
    .unwrap();
    let asked = |zone: &Name| {
        results
            .iter()
            .flat_map(|r| r.trace.queries())
            .filter(|q| q.zone == *zone)
            .count()
    };
    for result in &results {
        assert!(
            matches!(result.outcome, WalkOutcome::Answer(_)),
            "{:?}",
            result.outcome
        );
    }
    // One walk asked the root and com; the others waited for its referrals.
    assert_eq!(asked(&Name::root()), 1);
    // com: once towards ses-healthy.com, once towards amazonses.com (the CNAME targets).
    assert_eq!(asked(&n("com")), 2);
    // Below the TLD, the lookups go in parallel: one question each per zone.
    assert_eq!(asked(&n(SES_HEALTHY)), 3);
}

#[tokio::test]
async fn a_server_only_the_child_lists_is_found_asked_and_marked() {
    // ses-healthy.com's apex also names ns1.lab-servers.net, which the parent does not list and
    // which does not serve the zone.
    let mut network = miniature_internet();
    for hosted in &mut network.zones {
        if hosted.zone.origin == n(SES_HEALTHY) {
            hosted.zone.records.push(dns_wire::Record::new(
                n(SES_HEALTHY),
                3600,
                RData::Ns(n("ns1.lab-servers.net")),
            ));
        }
    }
    let lab = dns_lab::serve(network, 0).await.unwrap();
    let resolver = Resolver::new(config(&lab));
    let located = resolver
        .locate(&token_name(SES_TOKENS[0], SES_HEALTHY), RecordType::CNAME)
        .await;
    let zone = tokio::time::timeout(BOUND, resolver.survey_zone(&located.zone))
        .await
        .unwrap();
    assert_eq!(zone.servers.len(), 3, "{:#?}", zone.servers);
    let extra = zone
        .servers
        .iter()
        .find(|s| s.server.name == Some(n("ns1.lab-servers.net")))
        .expect("the child-only server is surveyed");
    assert!(!extra.in_parent);
    assert!(extra.in_child);
    assert_eq!(
        extra.lame(),
        Some(&Classification::Lame(LameReason::Refused))
    );
    for parent_listed in zone.servers.iter().filter(|s| s.in_parent) {
        assert!(parent_listed.in_child);
        assert_eq!(parent_listed.lame(), None);
        assert_eq!(parent_listed.child_ns().unwrap().names.len(), 3);
    }
    // Its address came from a lookup of its own (no glue for it anywhere on the path).
    assert!(zone
        .trace
        .queries()
        .any(|q| q.question.name == n("ns1.lab-servers.net")));
}
