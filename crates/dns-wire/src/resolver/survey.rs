//! Surveys: every authoritative server of a zone, asked directly.
//!
//! A caching resolver shows one server's view; a diagnosis needs all of them, because a record
//! missing on one of four servers fails one verification in four. [`super::Run::survey_zone`]
//! finds every server of a zone (the parent's NS set and the child's apex NS set, every
//! address of every name), asks each for the zone's SOA and NS, and marks the lame ones;
//! [`super::Run::ask_all`] then asks all of them one question, concurrently.
//!
//! The types are plain data; the asking is done by the run ([`super::Run::survey`] and
//! friends), driven with tokio by [`Resolver`](super::Resolver) with the `io` cargo feature.
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

use super::cache::Delegation;
use super::classify::{Classification, LameReason};
use super::trace::{QueryRecord, ServerAddr, Trace};
use super::walk::WalkResult;
use crate::transport::QueryError;
use crate::{Name, Question, RData};

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
    /// Its answer to `<zone> DNSKEY`, when the run asks zones' keys
    /// ([`super::ResolverConfig::zone_keys`]).
    pub keys: Option<QueryRecord>,
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
