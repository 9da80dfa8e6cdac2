//! Surveys: every authoritative server of a zone, asked directly.
//!
//! A caching resolver shows one server's view; a diagnosis needs all of them, because a record
//! missing on one of four servers fails one verification in four. [`Resolver::survey_zone`]
//! finds every server of a zone (the parent's NS set and the child's apex NS set, every
//! address of every name), asks each for the zone's SOA and NS, and marks the lame ones;
//! [`Resolver::ask_all`] then asks all of them one question, concurrently.
//!
//! The types are plain data; the asking ([`Resolver::survey`] and friends) needs the `io` cargo
//! feature.
//!
//! ```no_run
//! # #[cfg(feature = "io")]
//! # async fn demo(resolver: dns_wire::resolver::Resolver) {
//! use dns_wire::RecordType;
//! // Find the zone of the first name once, then ask its servers about the others.
//! let first = "tok1._domainkey.example.com".parse().unwrap();
//! let located = resolver.locate(&first, RecordType::CNAME).await;
//! let zone = resolver.survey_zone(&located.zone).await;
//! if let (Some(parent), Some(child)) = (&zone.parent_ns, &zone.child_ns) {
//!     println!("parent and child NS sets agree: {}", parent.same_names(child));
//! }
//! for server in zone.lame_servers() {
//!     println!("lame: {} ({:?})", server.server, server.lame());
//! }
//! for token in ["tok1", "tok2", "tok3"] {
//!     let name = format!("{token}._domainkey.example.com").parse().unwrap();
//!     for answer in resolver.ask_all(&zone, &name, RecordType::CNAME).await {
//!         println!("{} says {}", answer.server, answer.classification);
//!     }
//! }
//! # }
//! ```

#[cfg(feature = "io")]
use std::net::{IpAddr, SocketAddr};

#[cfg(feature = "io")]
use tokio::task::JoinSet;

use super::cache::Delegation;
use super::classify::{Classification, LameReason};
use super::trace::{QueryRecord, ServerAddr, Trace};
use super::walk::WalkResult;
use crate::transport::QueryError;
use crate::{Name, Question, RData};
#[cfg(feature = "io")]
use {
    super::classify::classify, super::trace::QueryPurpose, super::walk::Outcome, super::Resolver,
    crate::transport, crate::RecordType,
};

/// A zone's NS set as one side states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsSet {
    /// Name server host names, in DNS order (not the response's: servers rotate RRsets).
    pub names: Vec<Name>,
    /// The smallest TTL of the NS records.
    pub ttl: u32,
}

impl NsSet {
    /// Whether both sets hold the same names, order and case ignored.
    pub fn same_names(&self, other: &NsSet) -> bool {
        self.names.len() == other.names.len() && self.names.iter().all(|n| other.names.contains(n))
    }
}

/// One address of one authoritative server, and what it says about the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneServer {
    /// The server.
    pub server: ServerAddr,
    /// Its name is in the parent's NS set (addresses given as roots count as in it).
    pub in_parent: bool,
    /// Its name is in the child's apex NS set, as any server of the zone gave it.
    pub in_child: bool,
    /// Its answer to `<zone> SOA`.
    pub soa: QueryRecord,
    /// Its answer to `<zone> NS`.
    pub apex_ns: QueryRecord,
}

impl ZoneServer {
    /// The SOA serial this server has, if it answered the SOA query authoritatively.
    pub fn serial(&self) -> Option<u32> {
        if self.soa.classification != Classification::Answer {
            return None;
        }
        let exchange = self.soa.result.as_ref().ok()?;
        exchange
            .response
            .answers
            .iter()
            .find_map(|r| match &r.data {
                RData::Soa(soa) if r.name == self.soa.question.name => Some(soa.serial),
                _ => None,
            })
    }

    /// The apex NS set this server gives, if it answered the NS query authoritatively.
    pub fn child_ns(&self) -> Option<NsSet> {
        ns_set(&self.apex_ns)
    }

    /// Why the server is lame for the zone, if it is: its SOA query was not answered
    /// authoritatively (REFUSED, SERVFAIL, no AA, a referral...), or neither the SOA nor the
    /// NS query was answered at all, after every try. A server that was not checked from here
    /// ([`ZoneServer::not_checked`]) is not lame, nor one that left the SOA query unanswered
    /// but answered the NS query: one unanswered exchange under loss says nothing of the zone.
    pub fn lame(&self) -> Option<&Classification> {
        if self.not_checked().is_some() {
            return None;
        }
        match (&self.soa.classification, &self.apex_ns.classification) {
            (Classification::Answer, _) => None,
            (Classification::Lame(LameReason::NoResponse), ns) if ns.is_authoritative() => None,
            (other, _) => Some(other),
        }
    }

    /// Why the server is lame, in words without its address: "did not answer 5 tries over
    /// 4.9 s (UDP, then TCP)", "REFUSED", "no AA flag"...; `None` when it is not lame.
    pub fn lame_reason(&self) -> Option<String> {
        let lame = self.lame()?;
        Some(match (lame, self.soa.result.as_ref().err()) {
            (_, Some(error @ QueryError::Timeout { .. })) => error
                .unanswered_tries()
                .unwrap_or_else(|| error.to_string()),
            (Classification::Lame(reason), _) => reason.to_string(),
            (other, _) => other.to_string(),
        })
    }

    /// Why this server was not asked, or could not be, for a reason of this machine's (its
    /// address family unreachable from here or switched off, no network), if so.
    pub fn not_checked(&self) -> Option<&QueryError> {
        self.soa.result.as_ref().err().filter(|e| e.is_local())
    }
}

fn ns_set(record: &QueryRecord) -> Option<NsSet> {
    if record.classification != Classification::Answer {
        return None;
    }
    let exchange = record.result.as_ref().ok()?;
    let mut set = NsSet {
        names: Vec::new(),
        ttl: u32::MAX,
    };
    for r in &exchange.response.answers {
        if let RData::Ns(host) = &r.data {
            if r.name == record.question.name && !set.names.contains(host) {
                set.names.push(host.clone());
                set.ttl = set.ttl.min(r.ttl);
            }
        }
    }
    set.names.sort();
    (!set.names.is_empty()).then_some(set)
}

/// Every server of a zone and what each says about the zone itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSurvey {
    /// The zone.
    pub zone: Name,
    /// The delegation as the walk found it (parent NS set, glue, referring server).
    pub delegation: Delegation,
    /// The parent's NS set with its TTL; `None` when the zone is where the walk started (the
    /// root, or the caller's roots).
    pub parent_ns: Option<NsSet>,
    /// The apex NS set from the first server that answered it authoritatively.
    pub child_ns: Option<NsSet>,
    /// Every address of every server name (parent's and child's), asked; sorted by name,
    /// then address ([`ServerAddr`]'s order).
    pub servers: Vec<ZoneServer>,
    /// Server names whose address could not be found, with the reason.
    pub unresolved: Vec<(Name, String)>,
    /// Name servers listed by the parent or the child beyond
    /// [`super::ResolverConfig::max_ns_per_zone`], not asked.
    pub ns_ignored: usize,
    /// The address lookups done for the survey.
    pub trace: Trace,
}

impl ZoneSurvey {
    /// Servers that are lame for the zone.
    pub fn lame_servers(&self) -> impl Iterator<Item = &ZoneServer> {
        self.servers.iter().filter(|s| s.lame().is_some())
    }

    /// Every server address of the zone.
    pub fn server_addresses(&self) -> Vec<ServerAddr> {
        self.servers.iter().map(|s| s.server.clone()).collect()
    }
}

/// A name located and asked of every server of its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// The question.
    pub question: Question,
    /// The walk that found the zone (its trace shows the path from the root).
    pub located: WalkResult,
    /// The zone and its servers.
    pub zone: ZoneSurvey,
    /// Each server's answer to the question, in the order of [`ZoneSurvey::servers`].
    pub answers: Vec<QueryRecord>,
}

#[cfg(feature = "io")]
impl Resolver {
    /// Locates the zone holding `name`, surveys it and asks every server of it the question.
    ///
    /// With the cache on, a zone is surveyed once per run: surveying ten names of one zone
    /// costs one zone survey, ten short walks (from the cached zone cut) and ten rounds of
    /// questions to the zone's servers.
    pub async fn survey(&self, name: &Name, rtype: RecordType) -> Survey {
        let located = self.locate(name, rtype).await;
        let zone = match self.cached_zone_survey(&located.zone) {
            Some(zone) => zone,
            None => {
                let zone = self.survey_zone(&located.zone).await;
                if self.config().cache {
                    self.zone_surveys()
                        .entry(zone.zone.clone())
                        .or_insert_with(|| zone.clone());
                }
                zone
            }
        };
        let answers = self.ask_all(&zone, name, rtype).await;
        Survey {
            question: Question::new(name.clone(), rtype),
            located,
            zone,
            answers,
        }
    }

    fn zone_surveys(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<Name, ZoneSurvey>> {
        // Each update is one insert, so a poisoned lock still holds consistent data.
        self.shared
            .zone_surveys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The survey of this zone made earlier in the run, if the cache is on and the delegation
    /// is the same.
    fn cached_zone_survey(&self, delegation: &Delegation) -> Option<ZoneSurvey> {
        if !self.config().cache {
            return None;
        }
        self.zone_surveys()
            .get(&delegation.zone)
            .filter(|z| {
                let known = &z.delegation.ns;
                known.len() == delegation.ns.len()
                    && delegation.ns.iter().all(|n| known.contains(n))
            })
            .cloned()
    }

    /// Finds every server of the delegated zone and asks each for the zone's SOA and NS
    /// (always anew; [`Resolver::survey`] reuses the run's earlier surveys).
    pub async fn survey_zone(&self, delegation: &Delegation) -> ZoneSurvey {
        let config = self.config();
        let zone = delegation.zone.clone();
        let mut trace = Trace::default();
        let mut unresolved = Vec::new();
        let mut servers: Vec<ServerAddr> = Vec::new();
        // Glue of a family switched off stays in the list: the server is then reported as
        // not checked (the exchange refuses to send), instead of disappearing without a word.
        for glue in &delegation.glue {
            if !servers.contains(glue) {
                servers.push(glue.clone());
            }
        }
        let glueless: Vec<Name> = delegation
            .ns
            .iter()
            .filter(|ns| !delegation.glue.iter().any(|g| g.name.as_ref() == Some(*ns)))
            .cloned()
            .collect();
        self.resolve_hosts(&glueless, &mut servers, &mut unresolved, &mut trace)
            .await;

        let mut surveyed = self.ask_apex(&zone, &servers, delegation).await;
        // The child may list servers the parent does not: find and ask those too.
        let mut child: Option<NsSet> = None;
        let mut child_names: Vec<Name> = Vec::new();
        for server in &surveyed {
            if let Some(set) = server.child_ns() {
                for name in &set.names {
                    if !child_names.contains(name) {
                        child_names.push(name.clone());
                    }
                }
                child.get_or_insert(set);
            }
        }
        let mut extra: Vec<Name> = child_names
            .iter()
            .filter(|n| !delegation.ns.contains(n))
            .filter(|n| !servers.iter().any(|s| s.name.as_ref() == Some(*n)))
            .cloned()
            .collect();
        // The child's own list is bounded like the parent's (see `max_ns_per_zone`), and
        // compared with it in the same bounded form.
        let cap = config.max_ns_per_zone;
        let room = cap.saturating_sub(delegation.ns.len());
        let ns_ignored = delegation
            .ns_listed
            .max(child_names.len())
            .saturating_sub(cap);
        extra.sort_by_key(Name::to_lowercase);
        extra.truncate(room);
        if let Some(set) = child.as_mut().filter(|set| set.names.len() > cap) {
            set.names.sort_by_key(Name::to_lowercase);
            set.names.truncate(cap);
        }
        if !extra.is_empty() {
            let mut more = Vec::new();
            self.resolve_hosts(&extra, &mut more, &mut unresolved, &mut trace)
                .await;
            // A name on an address already asked under that name, or under no name (an
            // address given as a root), is not asked again.
            more.retain(|s| {
                !servers
                    .iter()
                    .any(|known| known.ip == s.ip && (known.name.is_none() || known.name == s.name))
            });
            surveyed.extend(self.ask_apex(&zone, &more, delegation).await);
        }
        // One order whatever the responses' order or which exchange ended first.
        surveyed.sort_by(|a, b| a.server.cmp(&b.server));
        for server in &mut surveyed {
            server.in_child = server
                .server
                .name
                .as_ref()
                .is_some_and(|n| child_names.contains(n));
        }
        ZoneSurvey {
            parent_ns: delegation.parent.as_ref().map(|_| {
                let mut names = delegation.ns.clone();
                names.sort();
                NsSet {
                    names,
                    ttl: delegation.ttl,
                }
            }),
            zone,
            delegation: delegation.clone(),
            child_ns: child,
            servers: surveyed,
            unresolved,
            ns_ignored,
            trace,
        }
    }

    /// Asks every server of a surveyed zone `name`/`rtype`, concurrently. A name below a
    /// further zone cut gets referrals (classified as such), which tells the caller to
    /// survey that zone instead.
    pub async fn ask_all(
        &self,
        zone: &ZoneSurvey,
        name: &Name,
        rtype: RecordType,
    ) -> Vec<QueryRecord> {
        let question = Question::new(name.clone(), rtype);
        self.ask_servers(
            &zone.zone,
            &zone.server_addresses(),
            &question,
            QueryPurpose::Survey,
        )
        .await
    }

    /// Asks each of `servers` the question about `zone`, concurrently, in the given order. A
    /// server known by several names on one address is asked once: every name gets the same
    /// answer, the records after the first marked [`QueryRecord::repeated`].
    pub async fn ask_servers(
        &self,
        zone: &Name,
        servers: &[ServerAddr],
        question: &Question,
        purpose: QueryPurpose,
    ) -> Vec<QueryRecord> {
        let mut running = JoinSet::new();
        let mut indexes = std::collections::HashMap::new();
        for (index, server) in servers.iter().enumerate() {
            if servers[..index].iter().any(|s| s.ip == server.ip) {
                continue;
            }
            let address = SocketAddr::new(server.ip, self.config().port);
            let question = question.clone();
            let resolver = self.clone();
            let handle =
                running.spawn(async move { (index, resolver.exchange(address, &question).await) });
            indexes.insert(handle.id(), index);
        }
        let mut results: Vec<Option<QueryRecord>> = vec![None; servers.len()];
        while let Some(joined) = running.join_next_with_id().await {
            let (first, result) = match joined {
                Ok((_, outcome)) => outcome,
                Err(error) => {
                    // The query task panicked: keep one record per server all the same.
                    let Some(&index) = indexes.get(&error.id()) else {
                        continue;
                    };
                    let failure = QueryError::Io {
                        server: SocketAddr::new(servers[index].ip, self.config().port),
                        protocol: transport::Protocol::Udp,
                        operation: "querying",
                        kind: std::io::ErrorKind::Other,
                        message: error.to_string(),
                        errno: None,
                    };
                    (index, Err(failure))
                }
            };
            let (classification, discarded) = match &result {
                Ok(exchange) => {
                    let analysis = classify(question, zone, &exchange.response);
                    (analysis.classification, analysis.discarded)
                }
                Err(error) => (Classification::of_error(error), Vec::new()),
            };
            let ip = servers[first].ip;
            for (index, server) in servers.iter().enumerate().skip(first) {
                if server.ip != ip {
                    continue;
                }
                results[index] = Some(QueryRecord {
                    zone: zone.clone(),
                    server: server.clone(),
                    address: SocketAddr::new(ip, self.config().port),
                    question: question.clone(),
                    purpose: purpose.clone(),
                    result: result.clone(),
                    classification: classification.clone(),
                    discarded: discarded.clone(),
                    repeated: index != first,
                });
            }
        }
        results.into_iter().flatten().collect()
    }

    async fn ask_apex(
        &self,
        zone: &Name,
        servers: &[ServerAddr],
        delegation: &Delegation,
    ) -> Vec<ZoneServer> {
        let soa_question = Question::new(zone.clone(), RecordType::SOA);
        let ns_question = Question::new(zone.clone(), RecordType::NS);
        let (soas, nss) = tokio::join!(
            self.ask_servers(zone, servers, &soa_question, QueryPurpose::ZoneApex),
            self.ask_servers(zone, servers, &ns_question, QueryPurpose::ZoneApex),
        );
        soas.into_iter()
            .zip(nss)
            .map(|(soa, apex_ns)| ZoneServer {
                in_parent: match &soa.server.name {
                    Some(name) => delegation.ns.contains(name),
                    None => delegation.glue.contains(&soa.server),
                },
                in_child: false,
                server: soa.server.clone(),
                soa,
                apex_ns,
            })
            .collect()
    }

    /// Finds the addresses of name server hosts (cache first, then concurrent lookups).
    async fn resolve_hosts(
        &self,
        hosts: &[Name],
        servers: &mut Vec<ServerAddr>,
        unresolved: &mut Vec<(Name, String)>,
        trace: &mut Trace,
    ) {
        let config = self.config();
        let families = config.families();
        let types = families.address_types();
        let mut running = JoinSet::new();
        for (index, host) in hosts.iter().enumerate() {
            if config.cache {
                if let Some(ips) = self.cache().addresses(host) {
                    let found: Vec<IpAddr> =
                        ips.into_iter().filter(|ip| families.allows(ip)).collect();
                    if !found.is_empty() {
                        for ip in found {
                            push_unique(servers, ServerAddr::new(Some(host.clone()), ip));
                        }
                        continue;
                    }
                }
            }
            for rtype in &types {
                let resolver = self.clone();
                let (host, rtype) = (host.clone(), *rtype);
                running.spawn(async move { (index, resolver.lookup(&host, rtype).await) });
            }
        }
        let mut results: Vec<(usize, WalkResult)> = Vec::new();
        while let Some(joined) = running.join_next().await {
            if let Ok(result) = joined {
                results.push(result);
            }
        }
        results.sort_by_key(|(index, result)| (*index, result.question.qtype));
        let mut failures: Vec<(usize, String)> = Vec::new();
        let mut found_any = vec![false; hosts.len()];
        for (index, result) in results {
            trace.extend(result.trace.clone());
            match &result.outcome {
                Outcome::Answer(records) => {
                    for record in records {
                        let ip = match record.data {
                            RData::A(ip) => IpAddr::V4(ip),
                            RData::Aaaa(ip) => IpAddr::V6(ip),
                            _ => continue,
                        };
                        found_any[index] = true;
                        self.cache().add_addresses(&hosts[index], &[ip]);
                        push_unique(servers, ServerAddr::new(Some(hosts[index].clone()), ip));
                    }
                }
                Outcome::NxDomain { .. } => {
                    failures.push((index, "the name does not exist".into()))
                }
                Outcome::NoData { .. } | Outcome::Alias => {}
                Outcome::Failed(error) => failures.push((index, error.to_string())),
            }
        }
        for (index, host) in hosts.iter().enumerate() {
            let cached = servers.iter().any(|s| s.name.as_ref() == Some(host));
            if !found_any[index] && !cached {
                let reasons: Vec<String> = failures
                    .iter()
                    .filter(|(i, _)| *i == index)
                    .map(|(_, r)| r.clone())
                    .collect();
                let reason = if reasons.is_empty() {
                    "no address records".to_string()
                } else {
                    reasons.join("; ")
                };
                unresolved.push((host.clone(), reason));
            }
        }
    }
}

/// Adds a server unless it is already listed under the same name and address. Two names on one
/// address stay two entries: each name is reported, and their simultaneous identical
/// questions go out once ([`Resolver::exchange`] shares them).
#[cfg(feature = "io")]
fn push_unique(servers: &mut Vec<ServerAddr>, server: ServerAddr) {
    if !servers.contains(&server) {
        servers.push(server);
    }
}
