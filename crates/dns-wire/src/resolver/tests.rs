//! The walk driven by scripted servers: no sockets, no clock.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::*;
use crate::transport::{Exchange, Protocol, QueryError};
use crate::{Message, Name, Question, RData, Rcode, Record, RecordType, Soa};

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn rr(name: &str, data: RData) -> Record {
    Record::new(n(name), 3600, data)
}

fn a(name: &str, addr: &str) -> Record {
    let IpAddr::V4(v4) = ip(addr) else { panic!() };
    rr(name, RData::A(v4))
}

fn ns(name: &str, host: &str) -> Record {
    rr(name, RData::Ns(n(host)))
}

fn cname(name: &str, target: &str) -> Record {
    rr(name, RData::Cname(n(target)))
}

fn soa(zone: &str) -> Record {
    rr(
        zone,
        RData::Soa(Soa {
            mname: n("ns.invalid"),
            rname: n("hostmaster.invalid"),
            serial: 7,
            refresh: 1,
            retry: 1,
            expire: 1,
            minimum: 300,
        }),
    )
}

fn reply_to(q: &Question) -> Message {
    let mut m = Message::query(0, q.name.clone(), q.qtype);
    m.header.response = true;
    m.edns = None;
    m
}

/// A simple authoritative server for one zone: referrals at child NS owners (with whatever
/// address records of the NS hosts the zone holds as glue), exact answers, CNAMEs, NODATA and
/// NXDOMAIN with the SOA.
#[derive(Clone)]
struct Zone {
    apex: Name,
    records: Vec<Record>,
}

impl Zone {
    fn new(apex: &str, records: Vec<Record>) -> Zone {
        Zone {
            apex: n(apex),
            records,
        }
    }

    fn answer(&self, q: &Question) -> Message {
        let mut m = reply_to(q);
        if !q.name.is_subdomain_of(&self.apex) {
            m.set_rcode(Rcode::REFUSED);
            return m;
        }
        // Deepest cut between the apex and the name.
        let cut = self
            .records
            .iter()
            .filter(|r| r.rtype() == RecordType::NS && r.name != self.apex)
            .filter(|r| q.name.is_subdomain_of(&r.name))
            .map(|r| r.name.clone())
            .max_by_key(|c| c.label_count());
        if let Some(cut) = cut {
            for r in self
                .records
                .iter()
                .filter(|r| r.name == cut && r.rtype() == RecordType::NS)
            {
                m.authority.push(r.clone());
                let RData::Ns(host) = &r.data else { continue };
                for g in self.records.iter().filter(|g| g.name == *host) {
                    if matches!(g.data, RData::A(_) | RData::Aaaa(_)) {
                        m.additional.push(g.clone());
                    }
                }
            }
            return m;
        }
        m.header.authoritative = true;
        let at_name: Vec<&Record> = self.records.iter().filter(|r| r.name == q.name).collect();
        let exact: Vec<Record> = at_name
            .iter()
            .filter(|r| r.rtype() == q.qtype)
            .map(|r| (*r).clone())
            .collect();
        if !exact.is_empty() {
            m.answers = exact;
            return m;
        }
        if let Some(c) = at_name.iter().find(|r| r.rtype() == RecordType::CNAME) {
            m.answers.push((*c).clone());
            return m;
        }
        m.authority.push(soa(&self.apex.to_string()));
        let exists = self.records.iter().any(|r| r.name.is_subdomain_of(&q.name));
        if !exists {
            m.set_rcode(Rcode::NXDOMAIN);
        }
        m
    }
}

type Script = Box<dyn Fn(&Question) -> Option<Message>>;

/// Scripted servers by address; `None` from a script is a timeout.
#[derive(Default)]
struct Sim {
    servers: HashMap<IpAddr, Script>,
    asked: Vec<(IpAddr, Question)>,
    largest_batch: usize,
}

impl Sim {
    fn zone(&mut self, addr: &str, zone: Zone) {
        self.servers
            .insert(ip(addr), Box::new(move |q| Some(zone.answer(q))));
    }

    fn script(&mut self, addr: &str, f: impl Fn(&Question) -> Option<Message> + 'static) {
        self.servers.insert(ip(addr), Box::new(f));
    }

    fn respond(&mut self, q: &PendingQuery) -> Result<Exchange, QueryError> {
        self.exchange(q.address, &q.question)
    }

    fn exchange(
        &mut self,
        address: SocketAddr,
        question: &Question,
    ) -> Result<Exchange, QueryError> {
        self.asked.push((address.ip(), question.clone()));
        let message = self.servers.get(&address.ip()).and_then(|s| s(question));
        match message {
            Some(response) => Ok(Exchange::first_udp(
                address,
                response,
                100,
                Duration::from_millis(1),
            )),
            None => Err(QueryError::Timeout {
                server: address,
                protocol: Protocol::Udp,
                attempts: 2,
                tcp: false,
                waited: Duration::from_secs(3),
                discarded: 0,
            }),
        }
    }

    fn run(&mut self, mut walk: TestWalk) -> WalkResult {
        let now = Instant::now();
        for _ in 0..10_000 {
            match walk.poll(now) {
                WalkStep::Done => return walk.into_result(),
                WalkStep::Send(queries) => {
                    self.largest_batch = self.largest_batch.max(queries.len());
                    for q in queries {
                        let result = self.respond(&q);
                        walk.receive(q.token, result, now);
                    }
                }
                WalkStep::Wait => panic!("scripted responses are immediate; nothing to wait for"),
            }
        }
        panic!("the walk did not end within 10000 steps");
    }

    fn asked_server(&self, addr: &str) -> usize {
        self.asked.iter().filter(|(i, _)| *i == ip(addr)).count()
    }
}

fn options() -> WalkOptions {
    WalkOptions {
        roots: RootHints::from_addresses([ip("10.0.0.1")]),
        families: AddressFamilies {
            ipv4: true,
            ipv6: false,
        },
        ..WalkOptions::default()
    }
}

/// One cache lent to several walks of a test, as a run lends its cache to its walks.
#[derive(Debug, Clone, Default)]
struct SharedCache(Rc<RefCell<DelegationCache>>);

impl SharedCache {
    fn addresses(&self, host: &Name) -> Option<Vec<IpAddr>> {
        self.0.borrow_mut().addresses(host)
    }
}

/// A walk with the cache it is lent at every call.
struct TestWalk {
    walk: Walk,
    cache: SharedCache,
}

impl TestWalk {
    fn new(question: Question, options: WalkOptions, cache: &SharedCache, now: Instant) -> Self {
        let walk = Walk::new(question, options, &mut cache.0.borrow_mut(), now);
        TestWalk {
            walk,
            cache: cache.clone(),
        }
    }

    fn poll(&mut self, now: Instant) -> WalkStep {
        self.walk.poll(now, &mut self.cache.0.borrow_mut())
    }

    fn receive(&mut self, token: QueryToken, result: Result<Exchange, QueryError>, now: Instant) {
        self.walk
            .receive(token, result, now, &mut self.cache.0.borrow_mut());
    }

    fn next_wakeup(&self) -> Option<Instant> {
        self.walk.next_wakeup()
    }

    fn abandon(&mut self) {
        self.walk.abandon(&mut self.cache.0.borrow_mut());
    }

    fn into_result(self) -> WalkResult {
        self.walk.into_result(&mut self.cache.0.borrow_mut())
    }
}

fn walk(name: &str, rtype: RecordType, cache: &SharedCache) -> TestWalk {
    walk_with(name, rtype, cache, options())
}

fn walk_with(name: &str, rtype: RecordType, cache: &SharedCache, options: WalkOptions) -> TestWalk {
    TestWalk::new(
        Question::new(n(name), rtype),
        options,
        cache,
        Instant::now(),
    )
}

/// root (10.0.0.1) -> com (10.0.0.2) -> example.com (10.0.0.3, 10.0.0.4).
fn basic_hierarchy(sim: &mut Sim, example: Vec<Record>) {
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![ns("com", "a.gtld.com"), a("a.gtld.com", "10.0.0.2")],
        ),
    );
    sim.zone(
        "10.0.0.2",
        Zone::new(
            "com",
            vec![
                ns("example.com", "ns1.example.com"),
                ns("example.com", "ns2.example.com"),
                a("ns1.example.com", "10.0.0.3"),
                a("ns2.example.com", "10.0.0.4"),
            ],
        ),
    );
    let zone = Zone::new("example.com", example);
    sim.zone("10.0.0.3", zone.clone());
    sim.zone("10.0.0.4", zone);
}

fn answers(result: &WalkResult) -> Vec<Record> {
    match &result.outcome {
        WalkOutcome::Answer(records) => records.clone(),
        other => panic!("expected an answer, got {other:?}"),
    }
}

#[test]
fn follows_referrals_from_the_root_and_caches_the_cuts() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![a("www.example.com", "192.0.2.80")]);
    let cache = SharedCache::default();
    let result = sim.run(walk("www.example.com", RecordType::A, &cache));
    assert_eq!(answers(&result), vec![a("www.example.com", "192.0.2.80")]);
    assert_eq!(result.stats.queries, 3);
    assert_eq!(result.stats.referrals, 2);
    assert_eq!(result.zone.zone, n("example.com"));
    assert_eq!(result.zone.parent, Some(n("com")));
    assert_eq!(
        result.zone.ns,
        vec![n("ns1.example.com"), n("ns2.example.com")]
    );
    let zones: Vec<Name> = result.trace.queries().map(|q| q.zone.clone()).collect();
    assert_eq!(zones, vec![Name::root(), n("com"), n("example.com")]);
    assert_eq!(
        result.trace.queries().last().unwrap().classification,
        Classification::Answer
    );

    // A second name of the zone starts at the cached cut: one query.
    let again = sim.run(walk("mail.example.com", RecordType::TXT, &cache));
    assert!(matches!(
        again.outcome,
        WalkOutcome::NxDomain { soa: Some(_) }
    ));
    assert_eq!(again.stats.queries, 1);
    assert_eq!(again.stats.cache_hits, 1);
    assert!(again
        .trace
        .events()
        .any(|e| matches!(e, WalkEvent::CacheHit { .. })));
}

#[test]
fn nodata_and_nxdomain_are_told_apart() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![a("www.example.com", "192.0.2.80")]);
    let cache = SharedCache::default();
    let nodata = sim.run(walk("www.example.com", RecordType::TXT, &cache));
    assert!(
        matches!(nodata.outcome, WalkOutcome::NoData { soa: Some(_) }),
        "{:?}",
        nodata.outcome
    );
    let nx = sim.run(walk("nope.example.com", RecordType::TXT, &cache));
    assert!(
        matches!(nx.outcome, WalkOutcome::NxDomain { soa: Some(_) }),
        "{:?}",
        nx.outcome
    );
}

#[test]
fn glueless_delegation_is_resolved_with_sub_walks() {
    let mut sim = Sim::default();
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![
                ns("com", "a.gtld.com"),
                a("a.gtld.com", "10.0.0.2"),
                ns("net", "a.gtld.net"),
                a("a.gtld.net", "10.0.0.5"),
            ],
        ),
    );
    sim.zone(
        "10.0.0.2",
        Zone::new(
            "com",
            vec![
                ns("example.com", "ns1.dns-host.net"),
                ns("example.com", "ns2.dns-host.net"),
            ],
        ),
    );
    sim.zone(
        "10.0.0.5",
        Zone::new(
            "net",
            vec![
                ns("dns-host.net", "ns.dns-host.net"),
                a("ns.dns-host.net", "10.0.0.6"),
            ],
        ),
    );
    sim.zone(
        "10.0.0.6",
        Zone::new(
            "dns-host.net",
            vec![
                a("ns1.dns-host.net", "10.0.0.7"),
                a("ns2.dns-host.net", "10.0.0.8"),
            ],
        ),
    );
    let example = Zone::new("example.com", vec![a("www.example.com", "192.0.2.1")]);
    sim.zone("10.0.0.7", example.clone());
    sim.zone("10.0.0.8", example);
    let cache = SharedCache::default();
    let result = sim.run(walk("www.example.com", RecordType::A, &cache));
    assert_eq!(answers(&result), vec![a("www.example.com", "192.0.2.1")]);
    assert_eq!(result.stats.ns_address_lookups, 2);
    // Both NS hosts are looked up at once: their first queries leave together.
    assert!(
        sim.largest_batch >= 2,
        "largest batch {}",
        sim.largest_batch
    );
    assert!(result.trace.queries().any(|q| q.purpose
        == QueryPurpose::NsAddress {
            ns: n("ns1.dns-host.net")
        }));
    assert_eq!(
        cache.addresses(&n("ns1.dns-host.net")),
        Some(vec![ip("10.0.0.7")])
    );
    // The answer came from a server found by the sub-walk.
    assert_eq!(
        result.answered_by.as_ref().unwrap().name,
        Some(n("ns1.dns-host.net"))
    );
}

#[test]
fn lame_servers_are_recorded_and_skipped() {
    let mut sim = Sim::default();
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![ns("com", "a.gtld.com"), a("a.gtld.com", "10.0.0.2")],
        ),
    );
    let mut com = vec![];
    for (host, addr) in [
        ("ns1.example.com", "10.0.0.11"),
        ("ns2.example.com", "10.0.0.12"),
        ("ns3.example.com", "10.0.0.13"),
        ("ns4.example.com", "10.0.0.14"),
        ("ns5.example.com", "10.0.0.15"),
        ("ns6.example.com", "10.0.0.16"),
    ] {
        com.push(ns("example.com", host));
        com.push(a(host, addr));
    }
    sim.zone("10.0.0.2", Zone::new("com", com));
    // ns1 times out, ns2 refuses, ns3 fails, ns4 answers without AA, ns5 refers upward.
    sim.script("10.0.0.11", |_| None);
    sim.script("10.0.0.12", |q| {
        let mut m = reply_to(q);
        m.set_rcode(Rcode::REFUSED);
        Some(m)
    });
    sim.script("10.0.0.13", |q| {
        let mut m = reply_to(q);
        m.set_rcode(Rcode::SERVFAIL);
        Some(m)
    });
    sim.script("10.0.0.14", |q| {
        let mut m = reply_to(q);
        m.answers.push(a("www.example.com", "203.0.113.66"));
        Some(m)
    });
    sim.script("10.0.0.15", |q| {
        let mut m = reply_to(q);
        m.authority.push(ns("com", "a.gtld.com"));
        m.authority.push(ns(".", "root.invalid"));
        Some(m)
    });
    sim.zone(
        "10.0.0.16",
        Zone::new("example.com", vec![a("www.example.com", "192.0.2.1")]),
    );
    let cache = SharedCache::default();
    let result = sim.run(walk("www.example.com", RecordType::A, &cache));
    assert_eq!(answers(&result), vec![a("www.example.com", "192.0.2.1")]);
    let classes: Vec<Classification> = result
        .trace
        .queries()
        .filter(|q| q.zone == n("example.com"))
        .map(|q| q.classification.clone())
        .collect();
    assert_eq!(
        classes,
        vec![
            Classification::Lame(LameReason::NoResponse),
            Classification::Lame(LameReason::Refused),
            Classification::Lame(LameReason::ServFail),
            Classification::Lame(LameReason::NotAuthoritative),
            Classification::Lame(LameReason::UpwardReferral { zone: n("com") }),
            Classification::Answer,
        ]
    );
}

#[test]
fn a_zone_with_only_lame_servers_fails_with_the_zone_named() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![]);
    sim.script("10.0.0.3", |_| None);
    sim.script("10.0.0.4", |q| {
        let mut m = reply_to(q);
        m.set_rcode(Rcode::REFUSED);
        Some(m)
    });
    let cache = SharedCache::default();
    let result = sim.run(walk("www.example.com", RecordType::A, &cache));
    assert_eq!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::ZoneExhausted {
            zone: n("example.com"),
            name: n("www.example.com"),
            asked: 2
        })
    );
    assert_eq!(result.zone.zone, n("example.com"));
    assert!(result
        .trace
        .events()
        .any(|e| matches!(e, WalkEvent::ZoneExhausted { .. })));
}

#[test]
fn referrals_in_circles_are_lame_and_end() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![]);
    // example.com refers to sub.example.com, whose server refers back to example.com.
    sim.zone(
        "10.0.0.3",
        Zone::new(
            "example.com",
            vec![
                ns("sub.example.com", "ns.sub.example.com"),
                a("ns.sub.example.com", "10.0.0.9"),
            ],
        ),
    );
    sim.script("10.0.0.4", |_| None);
    sim.script("10.0.0.9", |q| {
        let mut m = reply_to(q);
        m.authority.push(ns("example.com", "ns1.example.com"));
        m.additional.push(a("ns1.example.com", "10.0.0.3"));
        Some(m)
    });
    let cache = SharedCache::default();
    let result = sim.run(walk("www.sub.example.com", RecordType::A, &cache));
    assert!(matches!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::ZoneExhausted { ref zone, .. }) if *zone == n("sub.example.com")
    ));
    let last = result
        .trace
        .queries()
        .find(|q| q.server.ip == ip("10.0.0.9"))
        .unwrap();
    assert_eq!(
        last.classification,
        Classification::Lame(LameReason::UpwardReferral {
            zone: n("example.com")
        })
    );
    // The upward referral's records are outside sub.example.com and are noted as discarded.
    assert!(!last.discarded.is_empty());
    assert_eq!(sim.asked_server("10.0.0.9"), 1);
    // After sub.example.com failed, example.com's other server was asked (it is silent).
    assert!(result.trace.events().any(|e| matches!(
        e,
        WalkEvent::Backtrack { from, to } if *from == n("sub.example.com") && *to == n("example.com")
    )));
    assert_eq!(sim.asked_server("10.0.0.4"), 1);
    assert_eq!(result.zone.zone, n("sub.example.com"));
}

#[test]
fn cname_chains_are_followed_across_zones_from_each_zones_servers() {
    let mut sim = Sim::default();
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![
                ns("com", "a.gtld.com"),
                a("a.gtld.com", "10.0.0.2"),
                ns("net", "a.gtld.net"),
                a("a.gtld.net", "10.0.0.5"),
            ],
        ),
    );
    sim.zone(
        "10.0.0.2",
        Zone::new(
            "com",
            vec![
                ns("example.com", "ns.example.com"),
                a("ns.example.com", "10.0.0.3"),
            ],
        ),
    );
    sim.zone(
        "10.0.0.5",
        Zone::new(
            "net",
            vec![ns("cdn.net", "ns.cdn.net"), a("ns.cdn.net", "10.0.0.6")],
        ),
    );
    sim.zone(
        "10.0.0.3",
        Zone::new(
            "example.com",
            vec![cname("tok._domainkey.example.com", "tok.dkim.cdn.net")],
        ),
    );
    let txt = rr(
        "tok.dkim.cdn.net",
        RData::Txt(crate::Txt::new(["v=DKIM1; p=AAAA"])),
    );
    sim.zone("10.0.0.6", Zone::new("cdn.net", vec![txt.clone()]));
    let cache = SharedCache::default();
    let result = sim.run(walk("tok._domainkey.example.com", RecordType::TXT, &cache));
    assert_eq!(answers(&result), vec![txt]);
    assert_eq!(result.final_name, n("tok.dkim.cdn.net"));
    assert_eq!(result.chain.len(), 1);
    assert_eq!(result.chain[0].zone, n("example.com"));
    assert_eq!(result.chain[0].server.ip, ip("10.0.0.3"));
    assert_eq!(result.zone.zone, n("cdn.net"));
    assert_eq!(result.answered_by.as_ref().unwrap().ip, ip("10.0.0.6"));

    // Without following, the walk stops at the zone holding the alias.
    let located = sim.run(walk_with(
        "tok._domainkey.example.com",
        RecordType::TXT,
        &cache,
        WalkOptions {
            follow_cnames: false,
            ..options()
        },
    ));
    assert_eq!(located.outcome, WalkOutcome::Alias);
    assert_eq!(located.zone.zone, n("example.com"));
    assert_eq!(located.chain.len(), 1);
}

#[test]
fn cname_loops_across_zones_are_detected() {
    let mut sim = Sim::default();
    basic_hierarchy(
        &mut sim,
        vec![
            cname("a.example.com", "b.example.com"),
            cname("b.example.com", "c.example.com"),
            cname("c.example.com", "a.example.com"),
        ],
    );
    let cache = SharedCache::default();
    let result = sim.run(walk("a.example.com", RecordType::TXT, &cache));
    assert_eq!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::CnameLoop {
            name: n("a.example.com")
        })
    );
    assert!(result
        .trace
        .events()
        .any(|e| matches!(e, WalkEvent::CnameLoop { .. })));
}

#[test]
fn over_long_cname_chains_exhaust_the_budget() {
    let mut sim = Sim::default();
    let chain: Vec<Record> = (0..20)
        .map(|i| {
            cname(
                &format!("c{i}.example.com"),
                &format!("c{}.example.com", i + 1),
            )
        })
        .collect();
    basic_hierarchy(&mut sim, chain);
    let cache = SharedCache::default();
    let result = sim.run(walk("c0.example.com", RecordType::A, &cache));
    assert_eq!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::BudgetExhausted {
            limit: BudgetLimit::CnameHops,
            name: n("c11.example.com")
        })
    );
    assert_eq!(result.stats.cname_hops, 11);
}

#[test]
fn the_query_budget_bounds_a_walk() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![a("www.example.com", "192.0.2.1")]);
    let cache = SharedCache::default();
    let mut opts = options();
    opts.budget.max_queries = 2;
    let result = sim.run(walk_with("www.example.com", RecordType::A, &cache, opts));
    assert!(matches!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::BudgetExhausted {
            limit: BudgetLimit::Queries,
            ..
        })
    ));
    assert_eq!(sim.asked.len(), 2);

    let mut opts = options();
    opts.budget.max_referrals = 1;
    let result = sim.run(walk_with(
        "www.example.com",
        RecordType::A,
        &SharedCache::default(),
        opts,
    ));
    assert!(matches!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::BudgetExhausted {
            limit: BudgetLimit::Referrals,
            ..
        })
    ));
}

#[test]
fn out_of_bailiwick_glue_is_ignored_and_the_host_resolved_itself() {
    let mut sim = Sim::default();
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![
                ns("com", "a.gtld.com"),
                a("a.gtld.com", "10.0.0.2"),
                ns("org", "a.gtld.org"),
                a("a.gtld.org", "10.0.0.5"),
            ],
        ),
    );
    // The com server offers glue for a host in org: it has no authority over that name.
    sim.script("10.0.0.2", |q| {
        let mut m = reply_to(q);
        m.authority.push(ns("example.com", "ns.hoster.org"));
        m.additional.push(a("ns.hoster.org", "10.6.6.6"));
        m.additional.push(a("www.bank.org", "10.6.6.7"));
        Some(m)
    });
    sim.zone(
        "10.0.0.5",
        Zone::new(
            "org",
            vec![
                ns("hoster.org", "ns.hoster.org"),
                a("ns.hoster.org", "10.0.0.7"),
            ],
        ),
    );
    sim.zone(
        "10.0.0.7",
        Zone::new("hoster.org", vec![a("ns.hoster.org", "10.0.0.7")]),
    );
    sim.zone(
        "10.0.0.8",
        Zone::new("example.com", vec![a("www.example.com", "192.0.2.1")]),
    );
    // hoster.org's server also serves example.com.
    let hoster = Zone::new("hoster.org", vec![a("ns.hoster.org", "10.0.0.7")]);
    let example = Zone::new("example.com", vec![a("www.example.com", "192.0.2.1")]);
    sim.script("10.0.0.7", move |q| {
        Some(if q.name.is_subdomain_of(&n("example.com")) {
            example.answer(q)
        } else {
            hoster.answer(q)
        })
    });
    let cache = SharedCache::default();
    let result = sim.run(walk("www.example.com", RecordType::A, &cache));
    assert_eq!(answers(&result), vec![a("www.example.com", "192.0.2.1")]);
    assert_eq!(
        sim.asked_server("10.6.6.6"),
        0,
        "poisoned glue must not be used"
    );
    let referral = result.trace.queries().find(|q| q.zone == n("com")).unwrap();
    let reasons: Vec<DiscardReason> = referral.discarded.iter().map(|d| d.reason).collect();
    assert_eq!(
        reasons,
        vec![
            DiscardReason::GlueOutOfBailiwick,
            DiscardReason::OutOfBailiwick
        ]
    );
    assert_eq!(
        cache.addresses(&n("ns.hoster.org")),
        Some(vec![ip("10.0.0.7")])
    );
}

#[test]
fn a_glueless_cycle_is_detected_instead_of_looping() {
    let mut sim = Sim::default();
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![ns("com", "a.gtld.com"), a("a.gtld.com", "10.0.0.2")],
        ),
    );
    // example.com's only server is inside example.com, and the parent gives no glue.
    sim.script("10.0.0.2", |q| {
        let mut m = reply_to(q);
        m.authority.push(ns("example.com", "ns.example.com"));
        Some(m)
    });
    let cache = SharedCache::default();
    let result = sim.run(walk("www.example.com", RecordType::A, &cache));
    assert!(matches!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::ZoneExhausted { asked: 0, .. })
    ));
    assert!(result
        .trace
        .events()
        .any(|e| matches!(e, WalkEvent::GluelessCycle { ns, .. } if *ns == n("ns.example.com"))));
    assert_eq!(sim.asked.len(), 2);
}

#[test]
fn mutually_glueless_zones_end_within_budget() {
    // a.com is served by ns.b.com and b.com by ns.a.com, both without glue.
    let mut sim = Sim::default();
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![ns("com", "a.gtld.com"), a("a.gtld.com", "10.0.0.2")],
        ),
    );
    sim.zone(
        "10.0.0.2",
        Zone::new(
            "com",
            vec![ns("a.com", "ns.b.com"), ns("b.com", "ns.a.com")],
        ),
    );
    let cache = SharedCache::default();
    let result = sim.run(walk("www.a.com", RecordType::A, &cache));
    assert!(
        matches!(result.outcome, WalkOutcome::Failed(_)),
        "{:?}",
        result.outcome
    );
    assert!(result
        .trace
        .events()
        .any(|e| matches!(e, WalkEvent::GluelessCycle { .. })));
    assert!(sim.asked.len() <= 10, "{} queries", sim.asked.len());
}

#[test]
fn the_deadline_ends_a_walk() {
    let cache = SharedCache::default();
    let start = Instant::now();
    let mut w = TestWalk::new(
        Question::new(n("www.example.com"), RecordType::A),
        options(),
        &cache,
        start,
    );
    let WalkStep::Send(first) = w.poll(start) else {
        panic!("expected a query");
    };
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].address, SocketAddr::new(ip("10.0.0.1"), 53));
    assert_eq!(w.poll(start), WalkStep::Wait);
    assert_eq!(w.poll(start + Duration::from_secs(61)), WalkStep::Done);
    let result = w.into_result();
    assert!(matches!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::BudgetExhausted {
            limit: BudgetLimit::Time,
            ..
        })
    ));
}

#[test]
fn the_lab_port_is_used_for_every_server() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![a("www.example.com", "192.0.2.80")]);
    let cache = SharedCache::default();
    let result = sim.run(walk_with(
        "www.example.com",
        RecordType::A,
        &cache,
        WalkOptions {
            port: 5300,
            ..options()
        },
    ));
    assert!(result.trace.queries().all(|q| q.address.port() == 5300));
    assert_eq!(result.trace.queries().count(), 3);
}

mod classification {
    use super::*;

    fn q(name: &str, t: RecordType) -> Question {
        Question::new(n(name), t)
    }

    #[test]
    fn answers_need_the_aa_bit() {
        let question = q("www.example.com", RecordType::A);
        let mut m = reply_to(&question);
        m.answers.push(a("www.example.com", "192.0.2.1"));
        let zone = n("example.com");
        assert_eq!(
            classify(&question, &zone, &m).classification,
            Classification::Lame(LameReason::NotAuthoritative)
        );
        m.header.authoritative = true;
        assert_eq!(
            classify(&question, &zone, &m).classification,
            Classification::Answer
        );
    }

    #[test]
    fn out_of_zone_answers_are_discarded() {
        let question = q("www.example.com", RecordType::A);
        let mut m = reply_to(&question);
        m.header.authoritative = true;
        m.answers.push(cname("www.example.com", "web.example.net"));
        m.answers.push(a("web.example.net", "203.0.113.1"));
        let analysis = classify(&question, &n("example.com"), &m);
        assert_eq!(
            analysis.classification,
            Classification::Cname {
                target: n("web.example.net")
            }
        );
        assert!(analysis.answers.is_empty());
        assert_eq!(analysis.discarded.len(), 1);
        assert_eq!(analysis.discarded[0].reason, DiscardReason::OutOfBailiwick);
        assert_eq!(analysis.discarded[0].section, Section::Answer);
    }

    #[test]
    fn an_in_zone_chain_and_its_answer_come_together() {
        let question = q("www.example.com", RecordType::A);
        let mut m = reply_to(&question);
        m.header.authoritative = true;
        m.answers.push(cname("www.example.com", "web.example.com"));
        m.answers.push(a("web.example.com", "192.0.2.9"));
        let analysis = classify(&question, &n("example.com"), &m);
        assert_eq!(analysis.classification, Classification::Answer);
        assert_eq!(analysis.chain.len(), 1);
        assert_eq!(analysis.answers, vec![a("web.example.com", "192.0.2.9")]);
    }

    #[test]
    fn sideways_and_self_referrals_are_lame() {
        let question = q("www.example.com", RecordType::A);
        let mut m = reply_to(&question);
        m.authority.push(ns("example.org", "ns.example.org"));
        assert_eq!(
            classify(&question, &n("example.com"), &m).classification,
            Classification::Lame(LameReason::SidewaysReferral {
                zone: n("example.org")
            })
        );
        let mut m = reply_to(&question);
        m.authority.push(ns("example.com", "ns.example.com"));
        assert_eq!(
            classify(&question, &n("example.com"), &m).classification,
            Classification::Lame(LameReason::SelfReferral)
        );
        // With AA, the apex NS in the authority section is just a NODATA decoration.
        m.header.authoritative = true;
        assert_eq!(
            classify(&question, &n("example.com"), &m).classification,
            Classification::NoData
        );
    }

    #[test]
    fn nodata_without_soa_is_tolerated_and_rcodes_sorted() {
        let question = q("www.example.com", RecordType::TXT);
        let mut m = reply_to(&question);
        m.header.authoritative = true;
        assert_eq!(
            classify(&question, &n("example.com"), &m).classification,
            Classification::NoData
        );
        m.set_rcode(Rcode::FORMERR);
        assert_eq!(
            classify(&question, &n("example.com"), &m).classification,
            Classification::Throwaway(ThrowawayReason::Rcode(Rcode::FORMERR))
        );
        m.set_rcode(Rcode::NXDOMAIN);
        m.header.authoritative = false;
        assert_eq!(
            classify(&question, &n("example.com"), &m).classification,
            Classification::Lame(LameReason::NotAuthoritative)
        );
    }

    #[test]
    fn referral_glue_is_limited_to_the_referring_zone() {
        let question = q("www.example.com", RecordType::A);
        let mut m = reply_to(&question);
        m.authority.push(ns("example.com", "ns1.example.com"));
        m.authority.push(ns("example.com", "ns2.elsewhere.net"));
        m.additional.push(a("ns1.example.com", "192.0.2.53"));
        m.additional.push(a("ns2.elsewhere.net", "198.51.100.53"));
        let analysis = classify(&question, &n("com"), &m);
        let referral = analysis.referral.unwrap();
        assert_eq!(referral.zone, n("example.com"));
        assert_eq!(
            referral.ns,
            vec![n("ns1.example.com"), n("ns2.elsewhere.net")]
        );
        assert_eq!(
            referral.glue,
            vec![(n("ns1.example.com"), ip("192.0.2.53"))]
        );
        assert_eq!(referral.ttl, 3600);
        assert_eq!(
            analysis.discarded[0].reason,
            DiscardReason::GlueOutOfBailiwick
        );
    }
}

#[test]
fn a_bogus_referral_from_one_server_is_backed_out_of() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![]);
    // ns1 delegates _domainkey.example.com to a dead server; ns2 holds the record.
    sim.script("10.0.0.3", |q| {
        let mut m = reply_to(q);
        m.authority
            .push(ns("_domainkey.example.com", "ns.dk.example.com"));
        m.additional.push(a("ns.dk.example.com", "10.0.0.66"));
        Some(m)
    });
    sim.script("10.0.0.66", |_| None);
    sim.zone(
        "10.0.0.4",
        Zone::new(
            "example.com",
            vec![cname("tok._domainkey.example.com", "tok.dkim.example.net")],
        ),
    );
    let cache = SharedCache::default();
    let result = sim.run(walk_with(
        "tok._domainkey.example.com",
        RecordType::CNAME,
        &cache,
        options(),
    ));
    assert_eq!(
        answers(&result),
        vec![cname("tok._domainkey.example.com", "tok.dkim.example.net")]
    );
    assert_eq!(result.answered_by.unwrap().ip, ip("10.0.0.4"));
    assert!(result.trace.events().any(|e| matches!(
        e,
        WalkEvent::Backtrack { from, .. } if *from == n("_domainkey.example.com")
    )));
    // The referring server is not asked again.
    assert_eq!(sim.asked_server("10.0.0.3"), 1);
}

#[test]
fn a_dead_zone_confirmed_by_another_parent_server_fails_at_once() {
    let mut sim = Sim::default();
    sim.zone(
        "10.0.0.1",
        Zone::new(
            ".",
            vec![
                ns("com", "a.gtld.com"),
                ns("com", "b.gtld.com"),
                a("a.gtld.com", "10.0.0.2"),
                a("b.gtld.com", "10.0.0.22"),
            ],
        ),
    );
    let com = Zone::new(
        "com",
        vec![
            ns("example.com", "ns1.example.com"),
            a("ns1.example.com", "10.0.0.3"),
        ],
    );
    sim.zone("10.0.0.2", com.clone());
    sim.zone("10.0.0.22", com);
    sim.script("10.0.0.3", |_| None);
    let cache = SharedCache::default();
    let result = sim.run(walk("www.example.com", RecordType::A, &cache));
    assert_eq!(
        result.outcome,
        WalkOutcome::Failed(ResolveError::ZoneExhausted {
            zone: n("example.com"),
            name: n("www.example.com"),
            asked: 1
        })
    );
    assert_eq!(result.zone.zone, n("example.com"));
    // root, a.gtld, ns1 (silent), then b.gtld repeats the delegation: done.
    assert_eq!(sim.asked.len(), 4);
    assert_eq!(sim.asked_server("10.0.0.3"), 1);
}

fn sends(step: WalkStep) -> Vec<PendingQuery> {
    match step {
        WalkStep::Send(queries) => queries,
        other => panic!("expected queries, got {other:?}"),
    }
}

fn deliver(sim: &mut Sim, walk: &mut TestWalk, queries: Vec<PendingQuery>, now: Instant) {
    for q in queries {
        let result = sim.respond(&q);
        walk.receive(q.token, result, now);
    }
}

#[test]
fn concurrent_walks_share_the_descent_through_the_root_and_tlds() {
    let mut sim = Sim::default();
    basic_hierarchy(
        &mut sim,
        vec![
            a("www.example.com", "192.0.2.1"),
            a("mail.example.com", "192.0.2.2"),
        ],
    );
    let cache = SharedCache::default();
    let now = Instant::now();
    let mut first = walk("www.example.com", RecordType::A, &cache);
    let mut second = walk("mail.example.com", RecordType::A, &cache);
    let to_root = sends(first.poll(now));
    // The first walk is asking the root about a name under com: the second waits for it.
    assert_eq!(second.poll(now), WalkStep::Wait);
    assert!(second.next_wakeup().is_some());
    deliver(&mut sim, &mut first, to_root, now);
    let to_com = sends(first.poll(now));
    // Now it asks com about example.com: the second (moved to the cached com cut) waits again.
    assert_eq!(second.poll(now), WalkStep::Wait);
    deliver(&mut sim, &mut first, to_com, now);
    // With example.com cached, the second goes straight there.
    let second_queries = sends(second.poll(now));
    assert_eq!(second_queries[0].zone, n("example.com"));
    deliver(&mut sim, &mut second, second_queries, now);
    assert_eq!(second.poll(now), WalkStep::Done);
    let to_example = sends(first.poll(now));
    deliver(&mut sim, &mut first, to_example, now);
    assert_eq!(first.poll(now), WalkStep::Done);
    assert_eq!(
        answers(&first.into_result()),
        vec![a("www.example.com", "192.0.2.1")]
    );
    let second = second.into_result();
    assert_eq!(answers(&second), vec![a("mail.example.com", "192.0.2.2")]);
    assert_eq!(second.stats.queries, 1);
    assert_eq!(sim.asked_server("10.0.0.1"), 1);
    assert_eq!(sim.asked_server("10.0.0.2"), 1);
}

#[test]
fn waiting_for_another_walk_is_bounded_and_claims_are_released() {
    let mut sim = Sim::default();
    basic_hierarchy(&mut sim, vec![a("www.example.com", "192.0.2.1")]);
    let cache = SharedCache::default();
    let now = Instant::now();
    let mut stuck = walk("www.example.com", RecordType::A, &cache);
    let _never_answered = sends(stuck.poll(now));
    let mut waiting = walk("mail.example.com", RecordType::A, &cache);
    assert_eq!(waiting.poll(now), WalkStep::Wait);
    let wakeup = waiting.next_wakeup().unwrap();
    assert_eq!(wakeup, now + options().max_descent_wait);
    // Past the bound it asks on its own.
    let asked = sends(waiting.poll(wakeup));
    assert_eq!(asked[0].zone, Name::root());
    // An abandoned walk gives its claim up: a new walk does not wait.
    stuck.abandon();
    waiting.abandon();
    let mut fresh = walk("ftp.example.com", RecordType::A, &cache);
    assert!(matches!(fresh.poll(now), WalkStep::Send(_)));
}

/// The run machine over the scripted servers, with simulated time: no sockets, no clock.
mod run_machine {
    use super::*;

    /// How long a scripted server takes to answer, and how long a silent one is waited for
    /// (the transport's whole exchange: every try).
    const LATENCY: Duration = Duration::from_millis(20);
    const SILENCE: Duration = Duration::from_secs(3);

    struct Net {
        sim: Sim,
        run: Run,
        now: Instant,
        start: Instant,
        /// Exchanges on the wire: when each result arrives.
        wire: Vec<(Instant, ExchangeId, Result<Exchange, QueryError>)>,
        most_in_flight_per_server: usize,
        events: Vec<RunEvent>,
    }

    impl Net {
        fn new(sim: Sim, config: ResolverConfig) -> Net {
            let start = Instant::now();
            Net {
                sim,
                run: Run::new(config, start),
                now: start,
                start,
                wire: Vec::new(),
                most_in_flight_per_server: 0,
                events: Vec::new(),
            }
        }

        fn config() -> ResolverConfig {
            let mut config = ResolverConfig::lab([ip("10.0.0.1")], 53);
            config.families.ipv6 = false;
            config
        }

        /// Moves exchanges and time until the run is idle (bounded).
        fn settle(&mut self) {
            for _ in 0..100_000 {
                while let Some(transmit) = self.run.poll_transmit(self.now) {
                    let result = self.sim.exchange(transmit.address, &transmit.question);
                    let delay = if result.is_ok() { LATENCY } else { SILENCE };
                    self.wire.push((self.now + delay, transmit.id, result));
                }
                let mut per_server: HashMap<IpAddr, usize> = HashMap::new();
                for (_, id, result) in &self.wire {
                    let ip = match result {
                        Ok(exchange) => exchange.server.ip(),
                        Err(error) => error.server().ip(),
                    };
                    let _ = id;
                    *per_server.entry(ip).or_default() += 1;
                }
                let most = per_server.values().copied().max().unwrap_or(0);
                self.most_in_flight_per_server = self.most_in_flight_per_server.max(most);
                while let Some(event) = self.run.poll_event() {
                    self.events.push(event);
                }
                let arrival = self.wire.iter().map(|(at, _, _)| *at).min();
                let next = match (arrival, self.run.poll_timeout()) {
                    (Some(a), Some(t)) => a.min(t),
                    (Some(a), None) => a,
                    (None, Some(t)) if !self.run.is_idle() => t,
                    _ => return,
                };
                self.now = self.now.max(next);
                let due: Vec<usize> = (0..self.wire.len())
                    .filter(|i| self.wire[*i].0 <= self.now)
                    .collect();
                for i in due.into_iter().rev() {
                    let (_, id, result) = self.wire.swap_remove(i);
                    self.run.receive(id, result, self.now);
                }
                self.run.handle_timeout(self.now);
            }
            panic!("the run did not settle within 100000 steps");
        }

        fn elapsed(&self) -> Duration {
            self.now - self.start
        }

        fn surveys(&self) -> Vec<&Survey> {
            self.events
                .iter()
                .filter_map(|e| match e {
                    RunEvent::Survey { result, .. } => Some(&**result),
                    _ => None,
                })
                .collect()
        }

        /// Questions asked more than once of one server.
        fn repeated_questions(&self) -> Vec<(IpAddr, Question)> {
            let mut seen = std::collections::HashSet::new();
            self.sim
                .asked
                .iter()
                .filter(|(ip, q)| !seen.insert((*ip, q.name.to_lowercase(), q.qtype)))
                .cloned()
                .collect()
        }
    }

    /// example.com ([`example_zone`]) on `servers` name servers `nsK.hosting.net` (10.0.0.3
    /// on), in another TLD and without glue, as Route 53 delegates: their addresses are at
    /// hosting.net's server (10.0.0.9), referred to by net's (10.0.0.8).
    fn glueless_example(servers: usize) -> Sim {
        let mut sim = Sim::default();
        sim.zone(
            "10.0.0.1",
            Zone::new(
                ".",
                vec![
                    ns("com", "a.gtld.com"),
                    a("a.gtld.com", "10.0.0.2"),
                    ns("net", "a.gtld.net"),
                    a("a.gtld.net", "10.0.0.8"),
                ],
            ),
        );
        let mut com = Vec::new();
        let mut example = example_zone();
        example.retain(|r| r.rtype() != RecordType::NS);
        let mut hosting = vec![
            ns("hosting.net", "ns.hosting.net"),
            a("ns.hosting.net", "10.0.0.9"),
        ];
        for k in 1..=servers {
            let host = format!("ns{k}.hosting.net");
            com.push(ns("example.com", &host));
            example.push(ns("example.com", &host));
            hosting.push(a(&host, &format!("10.0.0.{}", 2 + k)));
        }
        sim.zone("10.0.0.2", Zone::new("com", com));
        sim.zone(
            "10.0.0.8",
            Zone::new(
                "net",
                vec![
                    ns("hosting.net", "ns.hosting.net"),
                    a("ns.hosting.net", "10.0.0.9"),
                ],
            ),
        );
        sim.zone("10.0.0.9", Zone::new("hosting.net", hosting));
        for k in 1..=servers {
            sim.zone(
                &format!("10.0.0.{}", 2 + k),
                Zone::new("example.com", example.clone()),
            );
        }
        sim
    }

    fn example_zone() -> Vec<Record> {
        vec![
            ns("example.com", "ns1.example.com"),
            ns("example.com", "ns2.example.com"),
            soa("example.com"),
            cname("a._domainkey.example.com", "a.dkim.example.net"),
            cname("b._domainkey.example.com", "b.dkim.example.net"),
            cname("c._domainkey.example.com", "c.dkim.example.net"),
        ]
    }

    #[test]
    fn surveys_of_one_zone_share_its_survey_and_never_repeat_a_question() {
        let mut sim = Sim::default();
        basic_hierarchy(&mut sim, example_zone());
        let mut net = Net::new(sim, Net::config());
        let now = net.now;
        for name in ["a", "b", "c"] {
            let name = n(&format!("{name}._domainkey.example.com"));
            net.run.survey(&name, RecordType::CNAME, now);
        }
        // The apex, as a diagnosis asks it too: answered from the survey's exchanges.
        net.run.survey(&n("example.com"), RecordType::SOA, now);
        net.settle();
        let surveys = net.surveys();
        assert_eq!(surveys.len(), 4);
        for survey in &surveys {
            assert_eq!(survey.zone.zone, n("example.com"));
            assert_eq!(survey.zone.servers.len(), 2);
            assert_eq!(survey.answers.len(), 2);
        }
        assert_eq!(net.repeated_questions(), Vec::new());
        // Root and com once each (the descents are shared), SOA and NS of each of the two
        // servers, three CNAME questions of each: 2 + 4 + 6.
        assert_eq!(net.sim.asked.len(), 12, "{:?}", net.sim.asked);
        let stats = net.run.stats();
        assert_eq!(stats.queries, 12);
        assert!(stats.coalesced >= 2, "{stats:?}");
        // Independent work goes in parallel: root, com, the apex, the names (about four
        // round trips), not one after another.
        assert!(net.elapsed() <= LATENCY * 6, "{:?}", net.elapsed());
    }

    #[test]
    fn a_survey_within_a_floor_starts_at_the_referral_to_the_zone() {
        let surveyed = |within: bool| {
            let mut sim = Sim::default();
            basic_hierarchy(&mut sim, example_zone());
            let mut net = Net::new(sim, Net::config());
            let now = net.now;
            let name = n("a._domainkey.example.com");
            if within {
                net.run
                    .survey_within(&name, RecordType::CNAME, &n("example.com"), now);
            } else {
                net.run.survey(&name, RecordType::CNAME, now);
            }
            net.settle();
            assert_eq!(net.surveys().len(), 1);
            assert_eq!(net.surveys()[0].answers.len(), 2);
            assert_eq!(net.repeated_questions(), Vec::new());
            (net.elapsed(), net.sim.asked.len())
        };
        // Root, com; then the SOA, NS and the name of both servers in one wave (the walk's
        // own question to the zone is one of them).
        assert_eq!(surveyed(true), (LATENCY * 3, 8));
        // Without a floor the zone is surveyed once the walk has asked it: one more.
        assert_eq!(surveyed(false), (LATENCY * 4, 8));
    }

    #[test]
    fn zone_keys_ride_with_the_questions_asked_anyway() {
        let surveyed = |zone_keys: bool| {
            let mut sim = Sim::default();
            basic_hierarchy(&mut sim, example_zone());
            let mut config = Net::config();
            config.zone_keys = zone_keys;
            let mut net = Net::new(sim, config);
            let now = net.now;
            for name in ["a", "b"] {
                let name = n(&format!("{name}._domainkey.example.com"));
                net.run
                    .survey_within(&name, RecordType::CNAME, &n("example.com"), now);
            }
            net.settle();
            assert_eq!(net.surveys().len(), 2);
            assert_eq!(net.repeated_questions(), Vec::new());
            let keys_asked: Vec<(IpAddr, Name)> = net
                .sim
                .asked
                .iter()
                .filter(|(_, q)| q.qtype == RecordType::DNSKEY)
                .map(|(ip, q)| (*ip, q.name.clone()))
                .collect();
            (net.elapsed(), net.sim.asked.len(), keys_asked, net)
        };
        let (plain_time, plain_count, none, _) = surveyed(false);
        assert!(none.is_empty());
        let (time, count, mut keys, net) = surveyed(true);
        // No round trip more: the root's and com's keys go with the walk's questions to
        // them, the zone's with its SOA and NS.
        assert_eq!(time, plain_time);
        // Once each: the root and com of one server, the zone of both.
        keys.sort();
        assert_eq!(
            keys,
            vec![
                (ip("10.0.0.1"), Name::root()),
                (ip("10.0.0.2"), n("com")),
                (ip("10.0.0.3"), n("example.com")),
                (ip("10.0.0.4"), n("example.com")),
            ],
            "{:?}",
            net.sim.asked
        );
        assert_eq!(count, plain_count + 4);
        for survey in net.surveys() {
            // Every server of the zone, in the survey.
            assert!(survey.zone.servers.iter().all(|s| s
                .keys
                .as_ref()
                .is_some_and(|k| k.question.qtype == RecordType::DNSKEY)));
        }
        // The walks' traces hold the keys of the zones above (one walk made the descent).
        let walked: Vec<Name> = net
            .surveys()
            .iter()
            .flat_map(|s| s.located.trace.queries())
            .filter(|q| q.question.qtype == RecordType::DNSKEY && !q.repeated)
            .map(|q| q.zone.clone())
            .collect();
        assert!(
            walked.contains(&Name::root()) && walked.contains(&n("com")),
            "{walked:?}"
        );
    }

    #[test]
    fn a_lookup_asks_every_server_of_the_zone_that_answers_its_keys() {
        // `floor`: the caller's `lookup_keyed` floor, or a plain `lookup`.
        let looked_up = |zone_keys: bool, floor: Option<&str>, name: &str| {
            let mut sim = Sim::default();
            basic_hierarchy(&mut sim, example_zone());
            let mut config = Net::config();
            config.zone_keys = zone_keys;
            let mut net = Net::new(sim, config);
            let now = net.now;
            match floor {
                Some(floor) => net
                    .run
                    .lookup_keyed(&n(name), RecordType::CNAME, &n(floor), now),
                None => net.run.lookup(&n(name), RecordType::CNAME, now),
            };
            net.settle();
            assert_eq!(net.repeated_questions(), Vec::new());
            let RunEvent::Lookup { result, .. } = &net.events[0] else {
                panic!("{:?}", net.events);
            };
            let mut keys: Vec<(IpAddr, Name)> = result
                .trace
                .queries()
                .filter(|q| q.question.qtype == RecordType::DNSKEY)
                .map(|q| (q.server.ip, q.question.name.clone()))
                .collect();
            keys.sort();
            (net.elapsed(), keys)
        };
        let name = "a._domainkey.example.com";
        // The root's and com's of one server (as a validating resolver asks them), the
        // answering zone's of both, each in the walk's trace.
        let expected = vec![
            (ip("10.0.0.1"), Name::root()),
            (ip("10.0.0.2"), n("com")),
            (ip("10.0.0.3"), n("example.com")),
            (ip("10.0.0.4"), n("example.com")),
        ];
        let (plain, none) = looked_up(false, None, name);
        assert!(none.is_empty());
        // The zone at the floor: both its servers are asked with the walk's question, in its
        // round trip; whether the run asks keys along its other walks or not.
        for zone_keys in [true, false] {
            let (time, keys) = looked_up(zone_keys, Some("example.com"), name);
            assert_eq!(time, plain);
            assert_eq!(keys, expected);
        }
        // The caller expected a zone further down: example.com's other server is asked once
        // the answer has shown that example.com holds the name, one round trip more.
        let (time, keys) = looked_up(true, Some("_domainkey.example.com"), name);
        assert_eq!(time, plain + LATENCY);
        assert_eq!(keys, expected);
        // A plain lookup asks one server of each zone, the answering one included.
        let (time, keys) = looked_up(true, None, name);
        assert_eq!(time, plain);
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert_eq!(keys[..2], expected[..2]);
    }

    #[test]
    fn a_keyed_lookup_asks_every_glueless_server_whatever_the_walk_looked_up() {
        // example.com on four name servers in another TLD, without glue (as Route 53 gives).
        let sim = || glueless_example(4);
        let name = n("a._domainkey.example.com");
        for parallelism in [1, 2, 4] {
            let run = |keyed: bool| {
                let mut config = Net::config();
                config.ns_lookup_parallelism = parallelism;
                let mut net = Net::new(sim(), config);
                let now = net.now;
                if keyed {
                    net.run
                        .lookup_keyed(&name, RecordType::CNAME, &n("example.com"), now);
                } else {
                    net.run.lookup(&name, RecordType::CNAME, now);
                }
                net.settle();
                assert_eq!(net.repeated_questions(), Vec::new());
                let RunEvent::Lookup { result, .. } = &net.events[0] else {
                    panic!("{:?}", net.events);
                };
                assert!(matches!(result.outcome, WalkOutcome::Answer(_)));
                let mut keys: Vec<IpAddr> = result
                    .trace
                    .queries()
                    .filter(|q| q.question.qtype == RecordType::DNSKEY)
                    .filter(|q| q.question.name == n("example.com"))
                    .map(|q| q.server.ip)
                    .collect();
                keys.sort();
                (net.elapsed(), keys)
            };
            let (plain, _) = run(false);
            let (time, keys) = run(true);
            // Every server of the zone, although the walk looked up only `parallelism` of
            // their addresses: the others are looked up beside it from the referral on.
            let every: Vec<IpAddr> = (3..7).map(|i| ip(&format!("10.0.0.{i}"))).collect();
            assert_eq!(keys, every, "parallelism {parallelism}");
            // The other servers' addresses come in with the ones the walk looked up (their
            // lookups share its descent): no round trip more.
            assert_eq!(time, plain, "parallelism {parallelism}");
        }
    }

    #[test]
    fn name_server_lookups_of_one_walk_share_their_descent() {
        // example.com on two name servers in another TLD, without glue: the walk looks both
        // up at once; one of them asks the root and net, the other waits for the cut.
        let sim = glueless_example(2);
        let mut net = Net::new(sim, Net::config());
        let now = net.now;
        net.run
            .lookup(&n("a._domainkey.example.com"), RecordType::CNAME, now);
        net.settle();
        let about_hosts = |server: &str| {
            net.sim
                .asked
                .iter()
                .filter(|(ip_, q)| *ip_ == ip(server) && q.name.is_subdomain_of(&n("hosting.net")))
                .count()
        };
        // One question about the hosts to the root and one to net: the second lookup took
        // the cut the first brought back. Both hosts asked of hosting.net.
        assert_eq!((about_hosts("10.0.0.1"), about_hosts("10.0.0.8")), (1, 1));
        assert_eq!(about_hosts("10.0.0.9"), 2);
    }

    #[test]
    fn a_cut_below_the_zone_surveyed_at_the_referral_is_surveyed_where_the_name_is() {
        let mut sim = Sim::default();
        let mut example = example_zone();
        example.retain(|r| !r.name.is_subdomain_of(&n("_domainkey.example.com")));
        example.push(ns("_domainkey.example.com", "ns.keys.example.com"));
        example.push(a("ns.keys.example.com", "10.0.0.5"));
        basic_hierarchy(&mut sim, example);
        sim.zone(
            "10.0.0.5",
            Zone::new(
                "_domainkey.example.com",
                vec![
                    ns("_domainkey.example.com", "ns.keys.example.com"),
                    soa("_domainkey.example.com"),
                    cname("a._domainkey.example.com", "a.dkim.example.net"),
                ],
            ),
        );
        let mut net = Net::new(sim, Net::config());
        let now = net.now;
        let name = n("a._domainkey.example.com");
        net.run
            .survey_within(&name, RecordType::CNAME, &n("example.com"), now);
        net.settle();
        let surveys = net.surveys();
        assert_eq!(surveys.len(), 1);
        let survey = surveys[0];
        assert_eq!(survey.zone.zone, n("_domainkey.example.com"));
        // The referrals example.com's servers gave are set aside: the one answer is the
        // key zone's server's.
        assert_eq!(survey.answers.len(), 1);
        assert_eq!(survey.answers[0].server.ip, ip("10.0.0.5"));
        assert_eq!(net.repeated_questions(), Vec::new());
    }

    #[test]
    fn a_dead_server_is_waited_out_once_per_run() {
        let mut sim = Sim::default();
        basic_hierarchy(&mut sim, example_zone());
        sim.script("10.0.0.4", |_| None);
        let mut net = Net::new(sim, Net::config());
        let now = net.now;
        for name in ["a", "b", "c"] {
            let name = n(&format!("{name}._domainkey.example.com"));
            net.run.survey(&name, RecordType::CNAME, now);
        }
        net.settle();
        assert_eq!(net.surveys().len(), 3);
        for survey in net.surveys() {
            let dead: Vec<&QueryRecord> = survey
                .answers
                .iter()
                .filter(|a| a.server.ip == ip("10.0.0.4"))
                .collect();
            assert_eq!(dead.len(), 1);
            assert!(dead[0].result.is_err());
        }
        // Its apex questions and the first name questions go out together and are waited
        // out together; after two silent exchanges it is skipped.
        let to_dead = net
            .sim
            .asked
            .iter()
            .filter(|(a, _)| *a == ip("10.0.0.4"))
            .count();
        assert!(to_dead <= 5, "{to_dead} questions to the dead server");
        assert!(
            net.elapsed() < SILENCE * 2,
            "the dead server cost {:?}",
            net.elapsed()
        );
    }

    #[test]
    fn no_more_than_the_per_server_limit_is_in_flight() {
        let mut sim = Sim::default();
        basic_hierarchy(&mut sim, example_zone());
        let mut config = Net::config();
        config.max_in_flight_per_server = 2;
        let mut net = Net::new(sim, config);
        let now = net.now;
        for name in ["a", "b", "c"] {
            let name = n(&format!("{name}._domainkey.example.com"));
            net.run.survey(&name, RecordType::CNAME, now);
        }
        net.settle();
        assert_eq!(net.surveys().len(), 3);
        assert_eq!(net.most_in_flight_per_server, 2);
    }

    #[test]
    fn a_silent_network_ends_every_task_at_once() {
        let mut sim = Sim::default();
        sim.script("10.0.0.1", |_| None);
        let mut config = Net::config();
        config.roots = RootHints::from_addresses([ip("10.0.0.1"), ip("10.0.0.9")]);
        let mut net = Net::new(sim, config);
        let now = net.now;
        net.run
            .survey(&n("a._domainkey.example.com"), RecordType::CNAME, now);
        net.run.lookup(&n("example.org"), RecordType::A, now);
        net.settle();
        assert_eq!(net.events.len(), 2);
        assert!(net.run.health().no_network().is_some());
        assert!(
            net.elapsed() <= SILENT_LIMIT + SILENCE,
            "{:?}",
            net.elapsed()
        );
    }

    #[test]
    fn a_long_run_recovers_from_a_network_that_was_down() {
        let up = std::rc::Rc::new(std::cell::Cell::new(false));
        let mut sim = Sim::default();
        basic_hierarchy(&mut sim, example_zone());
        let root = Zone::new(
            ".",
            vec![ns("com", "a.gtld.com"), a("a.gtld.com", "10.0.0.2")],
        );
        let flag = up.clone();
        sim.script("10.0.0.1", move |q| flag.get().then(|| root.answer(q)));
        let mut config = Net::config();
        config.roots = RootHints::from_addresses([ip("10.0.0.1"), ip("10.0.0.9")]);
        let mut net = Net::new(sim, config);
        let now = net.now;
        net.run
            .lookup(&n("a._domainkey.example.com"), RecordType::CNAME, now);
        net.settle();
        assert!(net.run.health().no_network().is_some());
        // The network is back; a while later the run has forgotten it was down.
        up.set(true);
        net.now += HEALTH_MEMORY;
        net.events.clear();
        let now = net.now;
        net.run
            .lookup(&n("a._domainkey.example.com"), RecordType::CNAME, now);
        net.settle();
        assert!(net.run.health().no_network().is_none());
        let RunEvent::Lookup { result, .. } = &net.events[0] else {
            panic!("{:?}", net.events);
        };
        assert!(
            matches!(result.outcome, WalkOutcome::Answer(_)),
            "{result:?}"
        );
    }

    #[test]
    fn a_cancelled_task_gives_its_descent_claims_back() {
        let mut sim = Sim::default();
        basic_hierarchy(&mut sim, example_zone());
        let mut net = Net::new(sim, Net::config());
        let now = net.now;
        let first = net
            .run
            .lookup(&n("a._domainkey.example.com"), RecordType::CNAME, now);
        let second = net
            .run
            .lookup(&n("b._domainkey.example.com"), RecordType::CNAME, now);
        net.run.cancel(first);
        net.settle();
        let done: Vec<TaskId> = net.events.iter().map(RunEvent::task).collect();
        assert_eq!(done, vec![second]);
        // The second did not wait out the first's descent.
        assert!(
            net.elapsed() < Duration::from_secs(1),
            "{:?}",
            net.elapsed()
        );
    }
}

#[cfg(feature = "io")]
mod driver {
    use super::*;
    use tokio::net::UdpSocket;

    const BOUND: Duration = Duration::from_secs(10);

    /// A UDP server on 127.0.0.1 that answers after `delay`, FORMERR to EDNS queries when
    /// `rejects_edns`; returns its address and, when stopped, whether each query had EDNS.
    async fn server(
        delay: Duration,
        rejects_edns: bool,
        queries: usize,
    ) -> (SocketAddr, tokio::task::JoinHandle<Vec<bool>>) {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut buf = vec![0u8; 4096];
            // Stops after `queries` queries, or when no query comes for a second.
            while seen.len() < queries {
                let received =
                    tokio::time::timeout(Duration::from_secs(1), socket.recv_from(&mut buf)).await;
                let Ok(Ok((len, from))) = received else { break };
                let query = Message::from_bytes(&buf[..len]).unwrap();
                seen.push(query.edns.is_some());
                let mut reply = query.clone();
                reply.header.response = true;
                reply.header.authoritative = true;
                if rejects_edns && query.edns.is_some() {
                    reply.edns = None;
                    reply.set_rcode(Rcode::FORMERR);
                } else {
                    reply.answers.push(a("www.example.com", "192.0.2.1"));
                }
                tokio::time::sleep(delay).await;
                socket.send_to(&reply.to_bytes(), from).await.unwrap();
            }
            seen
        });
        (addr, handle)
    }

    fn resolver_for(addr: SocketAddr) -> Resolver {
        let mut config = ResolverConfig::lab([addr.ip()], addr.port());
        config.transport.timeout = Duration::from_secs(2);
        Resolver::new(config)
    }

    fn ask<'a>(
        resolver: &'a Resolver,
        addr: SocketAddr,
        name: &str,
    ) -> impl std::future::Future<Output = Vec<QueryRecord>> + 'a {
        let question = Question::new(n(name), RecordType::A);
        let server = ServerAddr::new(None, addr.ip());
        async move {
            resolver
                .ask_servers(&Name::root(), &[server], &question, QueryPurpose::Survey)
                .await
        }
    }

    fn exchange(records: &[QueryRecord]) -> &Exchange {
        records[0].result.as_ref().unwrap()
    }

    #[tokio::test]
    async fn a_question_is_sent_once_per_run() {
        let (addr, server) = server(Duration::from_millis(200), false, 3).await;
        let resolver = resolver_for(addr);
        let (first, second) = tokio::time::timeout(BOUND, async {
            tokio::join!(
                ask(&resolver, addr, "www.example.com"),
                ask(&resolver, addr, "www.example.com")
            )
        })
        .await
        .unwrap();
        assert_eq!(exchange(&first).response, exchange(&second).response);
        let stats = resolver.stats();
        assert_eq!((stats.queries, stats.coalesced), (1, 1));
        // Once answered, the same question is answered from the run's memory.
        let third = tokio::time::timeout(BOUND, ask(&resolver, addr, "WWW.example.com"))
            .await
            .unwrap();
        assert_eq!(exchange(&third).response, exchange(&first).response);
        assert_eq!(
            (resolver.stats().queries, resolver.stats().coalesced),
            (1, 2)
        );
        assert_eq!(server.await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_server_that_rejects_edns_is_asked_without_it_afterwards() {
        let (addr, server) = server(Duration::ZERO, true, 3).await;
        let resolver = resolver_for(addr);
        let first = tokio::time::timeout(BOUND, ask(&resolver, addr, "www.example.com"))
            .await
            .unwrap();
        assert!(exchange(&first).edns_fallback);
        assert_eq!(exchange(&first).udp_attempts, 2);
        let second = tokio::time::timeout(BOUND, ask(&resolver, addr, "mail.example.com"))
            .await
            .unwrap();
        assert!(!exchange(&second).edns_fallback);
        assert_eq!(exchange(&second).udp_attempts, 1);
        assert_eq!(server.await.unwrap(), vec![true, false, false]);
    }
}

#[test]
fn resolvers_walks_and_lookups_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<DelegationCache>();
    send_sync::<WalkResult>();
    send_sync::<Survey>();
    let name = n("example.com");
    #[cfg(feature = "io")]
    {
        send_sync::<Resolver>();
        let resolver = Resolver::new(ResolverConfig::lab([ip("127.0.0.1")], 1));
        send(&resolver.lookup(&name, RecordType::A));
        send(&resolver.survey(&name, RecordType::A));
    }
    let walk = Walk::new(
        Question::new(name.clone(), RecordType::A),
        options(),
        &mut DelegationCache::new(),
        Instant::now(),
    );
    send(&walk);
    send_sync::<Run>();
}

mod hostile_hierarchies {
    //! Random hierarchies where every server does something arbitrary (refers anywhere, with or
    //! without glue, aliases, times out, refuses...): every walk must end within its budget.

    use super::*;
    use proptest::prelude::*;

    const ZONES: [&str; 7] = [".", "com", "a.com", "b.com", "x.a.com", "net", "c.net"];
    const HOSTS: [&str; 5] = ["ns1.a.com", "ns2.b.com", "ns.c.net", "ns.x.a.com", "ns.com"];
    const NAMES: [&str; 6] = [
        "www.a.com",
        "y.x.a.com",
        "ns1.a.com",
        "z.c.net",
        "b.com",
        "ns.x.a.com",
    ];
    const SERVERS: u8 = 8;

    #[derive(Debug, Clone)]
    enum Behaviour {
        Timeout,
        Rcode(u16),
        Refer {
            zone: usize,
            hosts: Vec<(usize, Option<u8>)>,
        },
        /// A referral to the ancestor of the name asked that has this many labels.
        ReferDown {
            labels: usize,
            hosts: Vec<(usize, Option<u8>)>,
        },
        Cname(usize),
        Answer,
        NxDomain,
        NotAuthoritative,
    }

    /// Referrals are the common case (they make deep walks); the rest end or break a step.
    fn behaviour() -> impl Strategy<Value = Behaviour> {
        prop_oneof![
            1 => Just(Behaviour::Timeout),
            1 => prop::sample::select(vec![2u16, 5, 1, 4, 9]).prop_map(Behaviour::Rcode),
            3 => (0..ZONES.len(), hosts())
                .prop_map(|(zone, hosts)| Behaviour::Refer { zone, hosts }),
            8 => (1..4usize, hosts())
                .prop_map(|(labels, hosts)| Behaviour::ReferDown { labels, hosts }),
            2 => (0..NAMES.len()).prop_map(Behaviour::Cname),
            1 => Just(Behaviour::Answer),
            1 => Just(Behaviour::NxDomain),
            1 => Just(Behaviour::NotAuthoritative),
        ]
    }

    fn hosts() -> impl Strategy<Value = Vec<(usize, Option<u8>)>> {
        prop::collection::vec((0..HOSTS.len(), prop::option::of(1..=SERVERS)), 1..3)
    }

    fn addr(i: u8) -> String {
        format!("10.0.0.{i}")
    }

    fn respond(behaviour: &Behaviour, q: &Question) -> Option<Message> {
        let mut m = reply_to(q);
        match behaviour {
            Behaviour::Timeout => return None,
            Behaviour::Rcode(rcode) => m.set_rcode(Rcode(*rcode)),
            Behaviour::Refer { zone, hosts } => {
                for (host, glue) in hosts {
                    m.authority.push(ns(ZONES[*zone], HOSTS[*host]));
                    if let Some(glue) = glue {
                        m.additional.push(a(HOSTS[*host], &addr(*glue)));
                    }
                }
            }
            Behaviour::ReferDown { labels, hosts } => {
                let mut zone = q.name.clone();
                while zone.label_count() > *labels {
                    zone = zone.parent()?;
                }
                for (host, glue) in hosts {
                    m.authority
                        .push(Record::new(zone.clone(), 60, RData::Ns(n(HOSTS[*host]))));
                    if let Some(glue) = glue {
                        m.additional.push(a(HOSTS[*host], &addr(*glue)));
                    }
                }
            }
            Behaviour::Cname(target) => {
                m.header.authoritative = true;
                m.answers.push(cname(&q.name.to_string(), NAMES[*target]));
            }
            Behaviour::Answer => {
                m.header.authoritative = true;
                m.answers.push(Record::new(
                    q.name.clone(),
                    60,
                    RData::A("192.0.2.1".parse().unwrap()),
                ));
            }
            Behaviour::NxDomain => {
                m.header.authoritative = true;
                m.set_rcode(Rcode::NXDOMAIN);
            }
            Behaviour::NotAuthoritative => {
                m.answers.push(Record::new(
                    q.name.clone(),
                    60,
                    RData::A("192.0.2.1".parse().unwrap()),
                ));
            }
        }
        Some(m)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn every_walk_ends_within_its_budget(
            behaviours in prop::collection::vec(behaviour(), SERVERS as usize),
            name in 0..NAMES.len(),
            share in any::<bool>(),
        ) {
            let mut sim = Sim::default();
            for (i, b) in behaviours.iter().enumerate() {
                let b = b.clone();
                sim.script(&addr(i as u8 + 1), move |q| respond(&b, q));
            }
            let cache = SharedCache::default();
            let opts = WalkOptions {
                share_descents: share,
                roots: RootHints::from_addresses([ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")]),
                ..options()
            };
            let budget = opts.budget.clone();
            let result = sim.run(walk_with(NAMES[name], RecordType::A, &cache, opts));
            prop_assert!(result.stats.queries <= budget.max_queries);
            prop_assert_eq!(sim.asked.len() as u32, result.stats.queries);
            prop_assert!(result.stats.referrals <= budget.max_referrals);
            prop_assert!(result.stats.cname_hops <= budget.max_cname_hops);
            prop_assert!(result.stats.ns_address_lookups <= budget.max_ns_address_lookups);
            // Only the roots, glue addresses (10.0.0.x) and addresses found by name server
            // address lookups (the answers' 192.0.2.1) were ever asked.
            for (ip, _) in &sim.asked {
                let ip = ip.to_string();
                prop_assert!(ip.starts_with("10.0.0.") || ip == "192.0.2.1", "{}", ip);
            }
        }
    }
}
