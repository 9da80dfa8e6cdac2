//! The record of a walk: every query with its server, transport, response and classification,
//! and every decision the walk took. Plain data (`Clone`), so a CLI can print it like
//! `dig +trace`, for every server, or serialise it.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::classify::Classification;
use crate::transport::{Exchange, Protocol, QueryError};
use crate::{Name, Question, Rcode, Record};

/// A name server: its host name when known (root hints and referrals give one; addresses the
/// caller gives do not) and one of its addresses. Ordered by name (DNS order, unnamed first),
/// then address: the order server lists are kept and shown in, whatever order the servers
/// listed them in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerAddr {
    /// Host name of the server, if known.
    pub name: Option<Name>,
    /// The address asked.
    pub ip: IpAddr,
}

impl ServerAddr {
    /// A server known by name and address.
    pub fn new(name: Option<Name>, ip: IpAddr) -> Self {
        ServerAddr { name, ip }
    }
}

impl fmt::Display for ServerAddr {
    /// `ns1.example.net. (192.0.2.1)`, or the bare address when no name is known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} ({})", self.ip),
            None => write!(f, "{}", self.ip),
        }
    }
}

/// Why a query was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryPurpose {
    /// A step of the lookup itself (the name asked, or a CNAME target).
    Lookup,
    /// Finding the address of a name server that came without glue.
    NsAddress {
        /// The name server host whose address is looked up.
        ns: Name,
    },
    /// A zone's apex: its NS or SOA asked of every server when surveying it, or its DNSKEY
    /// set ([`super::ResolverConfig::zone_keys`]).
    ZoneApex,
    /// Surveying a name: the question asked of every server of its zone.
    Survey,
    /// A question to a recursive resolver (a reduced check).
    Recursive,
}

/// Which section of a response a record was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// Answer section.
    Answer,
    /// Authority section.
    Authority,
    /// Additional section.
    Additional,
}

/// Why a record of a response was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscardReason {
    /// The owner is outside the zone the server was asked as an authority for ("potential
    /// poison": a server may only speak for its own zone).
    OutOfBailiwick,
    /// An address record for a name server of the referral whose name is outside the referring
    /// zone: such glue is not trusted (Unbound's `harden-glue`).
    GlueOutOfBailiwick,
    /// An answer record that is neither for the name asked nor part of its CNAME chain.
    Unrelated,
}

/// A record that was seen and ignored, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discarded {
    /// The record.
    pub record: Record,
    /// The section it came in.
    pub section: Section,
    /// Why it was ignored.
    pub reason: DiscardReason,
}

/// One query, as sent and as answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRecord {
    /// The zone the server was asked as an authority for.
    pub zone: Name,
    /// The server asked.
    pub server: ServerAddr,
    /// The address and port the query went to (the port is the lab override or 53).
    pub address: SocketAddr,
    /// The question asked.
    pub question: Question,
    /// Why it was asked.
    pub purpose: QueryPurpose,
    /// The response and how it came, or why none came.
    pub result: Result<Exchange, QueryError>,
    /// What the response meant to the walk.
    pub classification: Classification,
    /// Records of the response that were ignored.
    pub discarded: Vec<Discarded>,
    /// Not a query of its own: the record shares the exchange of another record (another name
    /// of the same server address, or the same question to the same server asked by another
    /// lookup of the run at the same time or earlier).
    pub repeated: bool,
}

impl QueryRecord {
    /// The response code, if a response came.
    pub fn rcode(&self) -> Option<Rcode> {
        self.result.as_ref().ok().map(|e| e.response.rcode())
    }

    /// The round-trip time of the answered attempt, if a response came.
    pub fn rtt(&self) -> Option<Duration> {
        self.result.as_ref().ok().map(|e| e.rtt)
    }

    /// The transport that carried the response, if one came.
    pub fn protocol(&self) -> Option<Protocol> {
        self.result.as_ref().ok().map(|e| e.protocol)
    }

    /// The error, if no usable response came.
    pub fn error(&self) -> Option<&QueryError> {
        self.result.as_ref().err()
    }
}

/// Which budget ran out (see [`super::Budget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetLimit {
    /// [`super::Budget::max_queries`].
    Queries,
    /// [`super::Budget::max_referrals`].
    Referrals,
    /// [`super::Budget::max_cname_hops`].
    CnameHops,
    /// [`super::Budget::max_ns_address_lookups`].
    NsAddressLookups,
    /// [`super::Budget::max_delegation_depth`].
    DelegationDepth,
    /// [`super::Budget::max_glueless_nesting`].
    GluelessNesting,
    /// [`super::Budget::max_time`].
    Time,
}

impl fmt::Display for BudgetLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BudgetLimit::Queries => "queries per lookup",
            BudgetLimit::Referrals => "referrals per lookup",
            BudgetLimit::CnameHops => "CNAME hops",
            BudgetLimit::NsAddressLookups => "name server address lookups",
            BudgetLimit::DelegationDepth => "zone cuts in one descent",
            BudgetLimit::GluelessNesting => "nested glueless delegations",
            BudgetLimit::Time => "time per lookup",
        })
    }
}

/// A decision of the walk, recorded between the queries that led to it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WalkEvent {
    /// A lookup started at a zone cut taken from the delegation cache instead of the root.
    CacheHit {
        /// The name being looked up.
        name: Name,
        /// The cached zone it starts from.
        zone: Name,
    },
    /// A referral was followed down to a child zone.
    Referral {
        /// The zone whose server referred.
        from: Name,
        /// The child zone.
        to: Name,
        /// Its name servers, as the parent lists them.
        ns: Vec<Name>,
        /// How many glue addresses were accepted.
        glue: usize,
    },
    /// A CNAME was followed; the target is looked up from its own zone's servers.
    Cname {
        /// The alias.
        owner: Name,
        /// Its target.
        target: Name,
    },
    /// A DNAME was seen (its synthesised CNAME is what is followed).
    Dname {
        /// The DNAME owner.
        owner: Name,
        /// The subtree it redirects to.
        target: Name,
    },
    /// A delegation had name servers without addresses; their addresses are looked up.
    NsAddressLookup {
        /// The zone that needs the server.
        zone: Name,
        /// The name server host.
        ns: Name,
    },
    /// A name server's address could not be found.
    NsAddressFailed {
        /// The zone that needed the server.
        zone: Name,
        /// The name server host.
        ns: Name,
        /// Why, in one sentence.
        reason: String,
    },
    /// A name server's address lookup would need that same address (glueless cycle).
    GluelessCycle {
        /// The zone that needed the server.
        zone: Name,
        /// The name server host.
        ns: Name,
    },
    /// A CNAME led back to a name already in the chain.
    CnameLoop {
        /// The name seen twice.
        name: Name,
    },
    /// A budget ran out.
    BudgetExhausted {
        /// Which one.
        limit: BudgetLimit,
    },
    /// A zone failed after a referral, so the walk went back to the parent zone to ask its
    /// other servers (the referral itself may have been the fault).
    Backtrack {
        /// The zone that failed.
        from: Name,
        /// The parent zone asked again.
        to: Name,
    },
    /// Every server of a zone was tried without a usable answer.
    ZoneExhausted {
        /// The zone.
        zone: Name,
        /// The name that was being looked up.
        name: Name,
    },
}

/// One entry of a trace, in the order things happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceStep {
    /// A query and its result.
    Query(Box<QueryRecord>),
    /// A decision of the walk.
    Event(WalkEvent),
}

/// Everything a walk did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// Queries and decisions, in order.
    pub steps: Vec<TraceStep>,
}

impl Trace {
    /// The queries only.
    pub fn queries(&self) -> impl Iterator<Item = &QueryRecord> {
        self.steps.iter().filter_map(|s| match s {
            TraceStep::Query(q) => Some(&**q),
            TraceStep::Event(_) => None,
        })
    }

    /// The decisions only.
    pub fn events(&self) -> impl Iterator<Item = &WalkEvent> {
        self.steps.iter().filter_map(|s| match s {
            TraceStep::Event(e) => Some(e),
            TraceStep::Query(_) => None,
        })
    }

    /// Appends another trace (a sub-lookup's).
    pub fn extend(&mut self, other: Trace) {
        self.steps.extend(other.steps);
    }

    pub(crate) fn event(&mut self, event: WalkEvent) {
        self.steps.push(TraceStep::Event(event));
    }

    pub(crate) fn query(&mut self, record: QueryRecord) {
        self.steps.push(TraceStep::Query(Box::new(record)));
    }
}
