//! Resolver configuration and the work budget.

use std::net::IpAddr;
use std::time::Duration;

use super::address_policy::AddressPolicy;
use super::hints::RootHints;
use crate::transport::TransportConfig;
use crate::RecordType;

/// The address families a run uses ([`ResolverConfig::families`]): every "may this address be
/// asked" and "which address records to look up" decision goes through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressFamilies {
    /// IPv4 addresses are asked.
    pub ipv4: bool,
    /// IPv6 addresses are asked.
    pub ipv6: bool,
}

impl AddressFamilies {
    /// IPv4 and IPv6.
    pub const BOTH: AddressFamilies = AddressFamilies {
        ipv4: true,
        ipv6: true,
    };

    /// Whether `ip` is of a family in use.
    pub fn allows(&self, ip: &IpAddr) -> bool {
        match ip {
            IpAddr::V4(_) => self.ipv4,
            IpAddr::V6(_) => self.ipv6,
        }
    }

    /// The address record types to look up for a host, A before AAAA.
    pub fn address_types(&self) -> Vec<RecordType> {
        let mut types = Vec::with_capacity(2);
        if self.ipv4 {
            types.push(RecordType::A);
        }
        if self.ipv6 {
            types.push(RecordType::AAAA);
        }
        types
    }
}

/// Bounds on the work of one lookup, so a misconfigured or hostile hierarchy cannot make the
/// resolver loop or flood (RFC 1034 §5.3.3: "bound the amount of work ... even if someone has
/// incorrectly configured some data").
///
/// The defaults are Unbound's: `MAX_GLOBAL_QUOTA` 200 queries, `MAX_REFERRAL_COUNT` 130,
/// `max-query-restarts` 11 CNAME hops, `MAX_TARGET_COUNT` 64 name server address lookups. The
/// depth limits are ours: a descent passes fewer cuts than a name has labels (at most 127),
/// and real glueless chains are one or two deep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    /// Queries sent per lookup, name server address lookups included.
    pub max_queries: u32,
    /// Referrals followed per lookup.
    pub max_referrals: u32,
    /// CNAME records followed per lookup.
    pub max_cname_hops: u32,
    /// Glueless name server address lookups (each A or AAAA counts once) per lookup.
    pub max_ns_address_lookups: u32,
    /// Zone cuts followed in one descent from the starting zone to the name.
    pub max_delegation_depth: u32,
    /// Nesting of glueless lookups: a name server whose address needs a name server whose
    /// address needs ...
    pub max_glueless_nesting: u32,
    /// Wall time per lookup.
    pub max_time: Duration,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_queries: 200,
            max_referrals: 130,
            max_cname_hops: 11,
            max_ns_address_lookups: 64,
            max_delegation_depth: 32,
            max_glueless_nesting: 6,
            max_time: Duration::from_secs(60),
        }
    }
}

/// The default of [`ResolverConfig::max_ns_per_zone`]: as many as Unbound asks per delegation
/// point (`MAX_DP_TARGET_COUNT`), more than any real zone lists (the root has 13).
pub const MAX_NS_PER_ZONE: usize = 16;

/// Everything a [`super::Resolver`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolverConfig {
    /// Where walks start: the IANA root servers, or addresses the caller gives.
    pub roots: RootHints,
    /// The port every server is asked on: 53, or a lab's unprivileged port.
    pub port: u16,
    /// Timeouts, retries, EDNS.
    pub transport: TransportConfig,
    /// The address families whose servers are asked.
    pub families: AddressFamilies,
    /// Work bounds per lookup.
    pub budget: Budget,
    /// Share what one lookup learns with the others of the run: zone cuts, server addresses,
    /// descents in progress, identical queries in flight, servers without EDNS, zone surveys.
    /// Off, every lookup works alone (the baseline for measuring the cache).
    pub cache: bool,
    /// How many glueless name server hosts one zone may be resolving at once.
    pub ns_lookup_parallelism: usize,
    /// Exchanges in flight at once in the whole run, whatever the number of lookups: each
    /// holds a socket. Lowered further to [`super::socket_budget`], half the open-file limit.
    pub max_in_flight: usize,
    /// Exchanges in flight at once to one server address, so that a bulk run of many domains
    /// hosted at one provider does not hammer its servers (politeness; BIND's
    /// `fetches-per-server` plays the same part).
    pub max_in_flight_per_server: usize,
    /// Name servers of one zone that are considered at most (sorted by name, the rest
    /// ignored): a referral may list thousands, which would make the run flood a third
    /// party's servers (NXNSAttack, CVE-2020-8616; Unbound asks at most 16 targets per
    /// delegation point).
    pub max_ns_per_zone: usize,
    /// A recursive resolver to ask instead of walking from the root (a reduced check for a
    /// machine that cannot reach name servers directly): see [`super::Resolver::ask_recursive`].
    pub recursive: Option<std::net::SocketAddr>,
    /// Which server addresses queries may be sent to: every one by default; a service that
    /// checks strangers' domains sets [`AddressPolicy::public_only`], so that a zone's NS
    /// glue cannot point it at loopback, its private network or a metadata service.
    pub address_policy: AddressPolicy,
    /// How long the run answers a question it asked before from memory instead of asking
    /// again ([`super::ANSWER_MEMORY`] by default, longer than any one check). A service
    /// where a person re-checks right after fixing a record keeps it short.
    pub answer_memory: std::time::Duration,
    /// DNSSEC: ask each zone's DNSKEY set along the way, as a validating resolver needs it,
    /// in the round trip in which the zone is asked anyway: a zone survey asks every server
    /// of the zone with its SOA and NS ([`super::ZoneServer::keys`]); a lookup, locate or
    /// survey walk asks one server of every zone it is referred to (the root included) as it
    /// asks that zone its question (the records are in the walk's trace), and a
    /// [`super::Run::lookup_keyed`] asks every server of the zone that answers it. A zone
    /// asked of one server is asked of the same one all run, so walks through it share the
    /// exchange.
    /// Off by default: the queries only serve a caller that validates.
    pub zone_keys: bool,
}

impl Default for ResolverConfig {
    /// IANA roots on port 53, IPv4 and IPv6, default transport and budget, cache on.
    fn default() -> Self {
        ResolverConfig {
            roots: RootHints::iana(),
            port: 53,
            transport: TransportConfig::default(),
            families: AddressFamilies::BOTH,
            budget: Budget::default(),
            cache: true,
            ns_lookup_parallelism: 2,
            max_in_flight: 512,
            max_in_flight_per_server: 32,
            max_ns_per_zone: MAX_NS_PER_ZONE,
            recursive: None,
            address_policy: AddressPolicy::any(),
            answer_memory: super::ANSWER_MEMORY,
            zone_keys: false,
        }
    }
}

impl ResolverConfig {
    /// The address families in use.
    pub fn families(&self) -> AddressFamilies {
        self.families
    }

    /// A configuration for a lab: walks start at `roots` (addresses only), every server is
    /// asked on `port`.
    pub fn lab(roots: impl IntoIterator<Item = std::net::IpAddr>, port: u16) -> Self {
        ResolverConfig {
            roots: RootHints::from_addresses(roots),
            port,
            ..ResolverConfig::default()
        }
    }
}
