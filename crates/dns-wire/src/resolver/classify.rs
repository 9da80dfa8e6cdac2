//! What a response means to an iterative resolver, following Unbound's taxonomy
//! (`iter_resptype.h`) and scrubber (`iter_scrub.c`): every record outside the zone the server
//! was asked for is dropped and noted, glue is taken only inside that zone, and the rest sorts
//! the response into answer, referral, CNAME, NXDOMAIN, NODATA, lame or throwaway.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;

use super::trace::{DiscardReason, Discarded, Section};
use crate::transport::QueryError;
use crate::{Message, Name, Question, RData, Rcode, Record, RecordType};

/// Why a server is considered lame for the zone it was asked about: it should be authoritative
/// for the zone and is not acting like it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LameReason {
    /// No response at all: timeout or network error.
    NoResponse,
    /// REFUSED: the server does not serve the zone.
    Refused,
    /// SERVFAIL: the server cannot load or serve the zone.
    ServFail,
    /// NOTAUTH.
    NotAuth,
    /// An answer or negative answer without the AA bit: a cache or forwarder, not the authority.
    NotAuthoritative,
    /// A referral to a zone that is not below the zone asked about (upward, to an ancestor).
    UpwardReferral {
        /// The zone referred to.
        zone: Name,
    },
    /// A referral to a zone that is neither above nor on the path to the name (sideways).
    SidewaysReferral {
        /// The zone referred to.
        zone: Name,
    },
    /// A referral to the zone the server was asked about itself, without AA: a loop.
    SelfReferral,
}

impl fmt::Display for LameReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LameReason::NoResponse => f.write_str("no response"),
            LameReason::Refused => f.write_str("REFUSED"),
            LameReason::ServFail => f.write_str("SERVFAIL"),
            LameReason::NotAuth => f.write_str("NOTAUTH"),
            LameReason::NotAuthoritative => f.write_str("answer without the AA bit"),
            LameReason::UpwardReferral { zone } => write!(f, "upward referral to {zone}"),
            LameReason::SidewaysReferral { zone } => write!(f, "sideways referral to {zone}"),
            LameReason::SelfReferral => f.write_str("referral to its own zone"),
        }
    }
}

/// Why a response was thrown away without blaming the zone's delegation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrowawayReason {
    /// A response code that says nothing about the name (FORMERR, NOTIMP, YXDOMAIN...).
    Rcode(Rcode),
    /// The response could not be used (malformed, truncated over TCP, cut TCP stream...).
    Transport,
    /// The response came after the walk no longer needed it.
    Late,
    /// The server was not asked, or could not be, for a reason of this machine's (its address
    /// family cannot be reached from here or is switched off, no network, no sockets left).
    NotChecked,
}

/// The meaning of one response (or of its absence).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Classification {
    /// Records of the type asked, authoritative.
    Answer,
    /// A delegation to a child zone closer to the name.
    Referral {
        /// The child zone.
        zone: Name,
    },
    /// An authoritative CNAME (chain) that leaves the name's records to its target.
    Cname {
        /// The last target of the chain in the response.
        target: Name,
    },
    /// The name does not exist (authoritative NXDOMAIN).
    NxDomain,
    /// The name exists but has no records of the type asked (authoritative NOERROR, no answer).
    NoData,
    /// The server is lame for the zone: try another.
    Lame(LameReason),
    /// Nothing usable: try another server.
    Throwaway(ThrowawayReason),
}

impl Classification {
    /// Whether the response settles the question for the zone (answer, CNAME, NXDOMAIN or
    /// NODATA), as opposed to pointing elsewhere or failing.
    pub fn is_authoritative(&self) -> bool {
        matches!(
            self,
            Classification::Answer
                | Classification::Cname { .. }
                | Classification::NxDomain
                | Classification::NoData
        )
    }

    /// The classification of a query that failed in transport.
    pub fn of_error(error: &QueryError) -> Classification {
        if error.is_local() {
            Classification::Throwaway(ThrowawayReason::NotChecked)
        } else if error.is_no_response() {
            Classification::Lame(LameReason::NoResponse)
        } else {
            Classification::Throwaway(ThrowawayReason::Transport)
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Classification::Answer => f.write_str("answer"),
            Classification::Referral { zone } => write!(f, "referral to {zone}"),
            Classification::Cname { target } => write!(f, "CNAME to {target}"),
            Classification::NxDomain => f.write_str("NXDOMAIN"),
            Classification::NoData => f.write_str("NODATA"),
            Classification::Lame(reason) => write!(f, "lame: {reason}"),
            Classification::Throwaway(ThrowawayReason::Rcode(rcode)) => {
                write!(f, "thrown away: {rcode}")
            }
            Classification::Throwaway(ThrowawayReason::Transport) => {
                f.write_str("thrown away: unusable response")
            }
            Classification::Throwaway(ThrowawayReason::NotChecked) => {
                f.write_str("not checked from here")
            }
            Classification::Throwaway(ThrowawayReason::Late) => {
                f.write_str("thrown away: no longer needed")
            }
        }
    }
}

/// A delegation read from a referral: the child zone, its name servers and in-bailiwick glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// The child zone.
    pub zone: Name,
    /// Its name servers, as the parent lists them, in response order.
    pub ns: Vec<Name>,
    /// The smallest TTL of the NS records.
    pub ttl: u32,
    /// Glue addresses accepted (owner inside the referring zone).
    pub glue: Vec<(Name, IpAddr)>,
}

/// A classified response with the records that matter to the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// What the response means.
    pub classification: Classification,
    /// Records of the type asked at the end of the CNAME chain (or at the name).
    pub answers: Vec<Record>,
    /// CNAME records from the name asked onwards, in chain order, all inside the zone.
    pub chain: Vec<Record>,
    /// DNAME records seen in the answer.
    pub dnames: Vec<Record>,
    /// The delegation, for a referral.
    pub referral: Option<Referral>,
    /// The SOA of the authority section (negative answers).
    pub soa: Option<Record>,
    /// Records that were ignored, and why.
    pub discarded: Vec<Discarded>,
}

/// The meaning of a recursive resolver's response to `question` (RD set, so no AA flag is
/// expected and the resolver has followed any CNAME chain itself): records of the type asked
/// at the chain's end (or the CNAME itself, when CNAME was asked), NXDOMAIN, NODATA, or a
/// failure (SERVFAIL, REFUSED, another rcode).
pub fn recursive(question: &Question, response: &Message) -> Classification {
    match response.rcode() {
        Rcode::NOERROR => {}
        Rcode::NXDOMAIN => return Classification::NxDomain,
        Rcode::SERVFAIL => return Classification::Lame(LameReason::ServFail),
        Rcode::REFUSED => return Classification::Lame(LameReason::Refused),
        other => return Classification::Throwaway(ThrowawayReason::Rcode(other)),
    }
    let mut current = question.name.clone();
    // Each step moves along one CNAME of the answer; the bound stops a looping chain.
    for _ in 0..=response.answers.len() {
        let at_name = || response.answers.iter().filter(|r| r.name == current);
        if at_name().any(|r| r.rtype() == question.qtype) {
            return Classification::Answer;
        }
        match at_name().find_map(|r| match &r.data {
            RData::Cname(target) => Some(target.clone()),
            _ => None,
        }) {
            Some(target) => current = target,
            None => break,
        }
    }
    Classification::NoData
}

/// Classifies `response` to `question`, sent to a server of `zone`.
pub fn classify(question: &Question, zone: &Name, response: &Message) -> Analysis {
    let mut analysis = Analysis {
        classification: Classification::Throwaway(ThrowawayReason::Transport),
        answers: Vec::new(),
        chain: Vec::new(),
        dnames: Vec::new(),
        referral: None,
        soa: None,
        discarded: Vec::new(),
    };
    let rcode = response.rcode();
    let lame = match rcode {
        Rcode::NOERROR | Rcode::NXDOMAIN => None,
        Rcode::REFUSED => Some(LameReason::Refused),
        Rcode::SERVFAIL => Some(LameReason::ServFail),
        Rcode::NOTAUTH => Some(LameReason::NotAuth),
        other => {
            analysis.classification = Classification::Throwaway(ThrowawayReason::Rcode(other));
            return analysis;
        }
    };
    if let Some(reason) = lame {
        analysis.classification = Classification::Lame(reason);
        return analysis;
    }
    let aa = response.header.authoritative;
    let in_zone = |r: &Record| r.name.is_subdomain_of(zone);

    // Answer section: the CNAME chain from the name asked, then the records at its end.
    let answers: Vec<&Record> = response.answers.iter().collect();
    for record in answers.iter().filter(|r| !in_zone(r)) {
        analysis.discard(record, Section::Answer, DiscardReason::OutOfBailiwick);
    }
    let mut current = question.name.clone();
    let follow = question.qtype != RecordType::CNAME && question.qtype != RecordType::ANY;
    let mut seen: HashSet<Name> = HashSet::from([current.clone()]);
    let mut used: HashSet<usize> = HashSet::new();
    // Each step uses up one answer record, so the chain ends within answers.len() steps.
    for _ in 0..if follow { answers.len() } else { 0 } {
        let next = answers.iter().enumerate().find(|(i, r)| {
            !used.contains(i) && in_zone(r) && r.name == current && r.rtype() == RecordType::CNAME
        });
        let Some((i, record)) = next else { break };
        let RData::Cname(target) = &record.data else {
            break;
        };
        used.insert(i);
        analysis.chain.push((*record).clone());
        current = target.clone();
        if !seen.insert(current.clone()) {
            break; // A loop inside one response; the walk reports it.
        }
    }
    for (i, record) in answers.iter().enumerate() {
        if used.contains(&i) || !in_zone(record) {
            continue;
        }
        let rtype = record.rtype();
        if record.name == current && (rtype == question.qtype || question.qtype == RecordType::ANY)
        {
            analysis.answers.push((*record).clone());
        } else if rtype == RecordType::DNAME {
            analysis.dnames.push((*record).clone());
        } else if rtype != RecordType::RRSIG {
            analysis.discard(record, Section::Answer, DiscardReason::Unrelated);
        }
    }
    if !analysis.answers.is_empty() || !analysis.chain.is_empty() {
        analysis.classification = if !aa {
            Classification::Lame(LameReason::NotAuthoritative)
        } else if analysis.answers.is_empty() {
            Classification::Cname { target: current }
        } else {
            Classification::Answer
        };
        analysis.scrub_rest(response, zone);
        return analysis;
    }

    // No answer: negative answer, referral, or lame.
    analysis.soa = response
        .authority
        .iter()
        .find(|r| in_zone(r) && r.rtype() == RecordType::SOA)
        .cloned();
    let ns_owners: Vec<&Name> = {
        let mut owners: Vec<&Name> = Vec::new();
        for r in response
            .authority
            .iter()
            .filter(|r| r.rtype() == RecordType::NS)
        {
            if !owners.contains(&&r.name) {
                owners.push(&r.name);
            }
        }
        owners
    };
    if rcode == Rcode::NXDOMAIN {
        analysis.classification = if aa {
            Classification::NxDomain
        } else {
            Classification::Lame(LameReason::NotAuthoritative)
        };
        analysis.scrub_rest(response, zone);
        return analysis;
    }
    let child = ns_owners
        .iter()
        .filter(|o| o.label_count() > zone.label_count() && o.is_subdomain_of(zone))
        .filter(|o| question.name.is_subdomain_of(o))
        .max_by_key(|o| o.label_count());
    if let (Some(child), None) = (child, &analysis.soa) {
        let child = (*child).clone();
        analysis.referral = Some(analysis.read_referral(response, zone, &child));
        analysis.classification = Classification::Referral { zone: child };
        return analysis;
    }
    analysis.classification = if aa {
        Classification::NoData
    } else if let Some(owner) = ns_owners.first().filter(|_| analysis.soa.is_none()) {
        if *owner == zone {
            Classification::Lame(LameReason::SelfReferral)
        } else if zone.is_subdomain_of(owner) {
            Classification::Lame(LameReason::UpwardReferral {
                zone: (*owner).clone(),
            })
        } else {
            Classification::Lame(LameReason::SidewaysReferral {
                zone: (*owner).clone(),
            })
        }
    } else {
        Classification::Lame(LameReason::NotAuthoritative)
    };
    analysis.scrub_rest(response, zone);
    analysis
}

impl Analysis {
    fn discard(&mut self, record: &Record, section: Section, reason: DiscardReason) {
        self.discarded.push(Discarded {
            record: record.clone(),
            section,
            reason,
        });
    }

    /// Notes the out-of-zone records of the authority and additional sections.
    fn scrub_rest(&mut self, response: &Message, zone: &Name) {
        for r in response
            .authority
            .iter()
            .filter(|r| !r.name.is_subdomain_of(zone))
        {
            self.discard(r, Section::Authority, DiscardReason::OutOfBailiwick);
        }
        for r in response
            .additional
            .iter()
            .filter(|r| !r.name.is_subdomain_of(zone))
        {
            self.discard(r, Section::Additional, DiscardReason::OutOfBailiwick);
        }
    }

    /// Reads the NS set of `child` and its glue; notes what is dropped.
    fn read_referral(&mut self, response: &Message, zone: &Name, child: &Name) -> Referral {
        let mut ns = Vec::new();
        let mut ttl = u32::MAX;
        for record in &response.authority {
            match &record.data {
                RData::Ns(host) if record.name == *child => {
                    ttl = ttl.min(record.ttl);
                    if !ns.contains(host) {
                        ns.push(host.clone());
                    }
                }
                _ if !record.name.is_subdomain_of(zone) => {
                    self.discard(record, Section::Authority, DiscardReason::OutOfBailiwick);
                }
                RData::Ns(_) => {
                    self.discard(record, Section::Authority, DiscardReason::Unrelated);
                }
                _ => {}
            }
        }
        let mut glue = Vec::new();
        for record in &response.additional {
            let ip = match record.data {
                RData::A(ip) => IpAddr::V4(ip),
                RData::Aaaa(ip) => IpAddr::V6(ip),
                _ => {
                    if !record.name.is_subdomain_of(zone) {
                        self.discard(record, Section::Additional, DiscardReason::OutOfBailiwick);
                    }
                    continue;
                }
            };
            if !record.name.is_subdomain_of(zone) {
                let reason = if ns.contains(&record.name) {
                    DiscardReason::GlueOutOfBailiwick
                } else {
                    DiscardReason::OutOfBailiwick
                };
                self.discard(record, Section::Additional, reason);
            } else if ns.contains(&record.name) {
                if !glue.contains(&(record.name.clone(), ip)) {
                    glue.push((record.name.clone(), ip));
                }
            } else {
                self.discard(record, Section::Additional, DiscardReason::Unrelated);
            }
        }
        Referral {
            zone: child.clone(),
            ns,
            ttl: if ttl == u32::MAX { 0 } else { ttl },
            glue,
        }
    }
}
