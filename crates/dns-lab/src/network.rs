//! The model of a simulated internet: zones (origin and records), which server addresses serve
//! each zone, and how each server behaves.
//!
//! A zone may be listed twice with different data and different servers: that is how a zone
//! whose servers disagree (different serials, missing records) is described.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use dns_wire::{Name, RData, Record, RecordType, Soa};

/// One zone: its origin (apex) and every record in it, apex SOA and NS included, delegation
/// NS records and glue included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// The apex name.
    pub origin: Name,
    /// Every record of the zone, in the order they were added.
    pub records: Vec<Record>,
}

impl Zone {
    /// The zone's SOA data, if it has one at the apex.
    pub fn soa(&self) -> Option<&Soa> {
        self.records.iter().find_map(|r| match &r.data {
            RData::Soa(soa) if r.name == self.origin => Some(soa),
            _ => None,
        })
    }

    /// The SOA record itself (for the authority section of negative answers).
    pub fn soa_record(&self) -> Option<&Record> {
        self.records
            .iter()
            .find(|r| r.name == self.origin && r.rtype() == RecordType::SOA)
    }

    /// The records owned by `name` (any type).
    pub fn records_at<'a>(&'a self, name: &'a Name) -> impl Iterator<Item = &'a Record> + 'a {
        self.records.iter().filter(move |r| &r.name == name)
    }

    /// The names below the apex that carry NS records: the zone's delegation points.
    pub fn delegations(&self) -> BTreeSet<Name> {
        self.records
            .iter()
            .filter(|r| r.rtype() == RecordType::NS && r.name != self.origin)
            .map(|r| r.name.clone())
            .collect()
    }

    /// The apex NS host names.
    pub fn apex_ns(&self) -> Vec<Name> {
        self.records_at(&self.origin)
            .filter_map(|r| match &r.data {
                RData::Ns(host) => Some(host.clone()),
                _ => None,
            })
            .collect()
    }
}

/// How a server treats the queries it receives.
///
/// Only [`Behaviour::Authoritative`], [`Behaviour::Refuse`] and [`Behaviour::Unreachable`] can
/// be reproduced by the BIND lab; the others exist only in the in-process server (they are what
/// a real server will not do on purpose).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Behaviour {
    /// Answers correctly from its zones (REFUSED for names outside them).
    Authoritative,
    /// Answers REFUSED to everything, as a server that has lost the zone does (a lame
    /// delegation).
    Refuse,
    /// Nothing listens on the address: queries go unanswered (UDP) or are refused at
    /// connection time (TCP).
    Unreachable,
    /// Reads queries and never answers.
    Silent,
    /// Answers with bytes that are not a DNS message.
    Garbage,
    /// Answers correctly but with another query ID.
    WrongId,
    /// Answers correctly, but from another UDP port of the same address.
    WrongSourcePort,
    /// Answers correctly, but from another address (which must be bindable, e.g. 127.53.x.y).
    WrongSourceAddress(Ipv4Addr),
    /// Sets TC on every answer, UDP and TCP alike, with no records.
    TruncateForever,
    /// Sets TC on UDP; over TCP sends the length prefix and half the message, then closes.
    CutTcpStream,
    /// Answers with a record whose owner name is a compression pointer to itself.
    CompressionLoop,
    /// Answers every query with a non-authoritative referral for `zone` to the given servers
    /// (two such servers pointing at each other refer in circles).
    Refer {
        /// The zone the referral claims to delegate.
        zone: Name,
        /// The name servers (host name and address, sent as glue).
        servers: Vec<(Name, Ipv4Addr)>,
    },
    /// Answers correctly after the given delay.
    Slow(Duration),
    /// Answers correctly but with AA clear, as a caching resolver would.
    NotAuthoritative,
}

impl Behaviour {
    /// Whether the BIND lab can reproduce this behaviour.
    pub fn bind_can_serve(&self) -> bool {
        matches!(
            self,
            Behaviour::Authoritative | Behaviour::Refuse | Behaviour::Unreachable
        )
    }
}

/// A server: an address, the host name the zones use for it, and its behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// The host name (an NS target) this address belongs to.
    pub host: Name,
    /// The address it listens on (the port is chosen when the lab starts). It also names the
    /// server in the description: [`HostedZone::servers`] lists these.
    pub addr: Ipv4Addr,
    /// A second address the same server listens on, for dual-stack servers (the zones that
    /// name the server publish it as AAAA glue themselves). In process only: the BIND lab
    /// serves IPv4. Loopback has one IPv6 address (`::1`); others must be added to `lo` first,
    /// which the network-namespace tests do inside their own namespace.
    pub ipv6: Option<Ipv6Addr>,
    /// What it does with queries.
    pub behaviour: Behaviour,
}

impl Server {
    /// Every address the server listens on: its IPv4 address, then its IPv6 address if any.
    pub fn addrs(&self) -> impl Iterator<Item = IpAddr> {
        std::iter::once(IpAddr::V4(self.addr)).chain(self.ipv6.map(IpAddr::V6))
    }
}

/// A zone together with the addresses of the servers that hold this copy of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedZone {
    /// The zone data.
    pub zone: Zone,
    /// The server addresses that serve this data.
    pub servers: Vec<Ipv4Addr>,
}

/// A whole simulated internet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Network {
    /// Every server.
    pub servers: Vec<Server>,
    /// Every zone copy and where it is served.
    pub zones: Vec<HostedZone>,
    /// The root servers' addresses (where a walk starts).
    pub roots: Vec<Ipv4Addr>,
}

/// A network description that breaks one of the rules the lab relies on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// A zone has no SOA at its apex.
    #[error("zone {zone} has no SOA record at its apex")]
    MissingSoa {
        /// The zone.
        zone: Name,
    },
    /// A zone has no NS record at its apex.
    #[error("zone {zone} has no NS records at its apex")]
    MissingApexNs {
        /// The zone.
        zone: Name,
    },
    /// A record lies outside the zone it was put in.
    #[error("record {owner} does not belong in zone {zone}")]
    OutOfZone {
        /// The zone.
        zone: Name,
        /// The record's owner.
        owner: Name,
    },
    /// A zone is served by an address no server has.
    #[error("zone {zone} is served by {addr}, which is not a server of the network")]
    UnknownServer {
        /// The zone.
        zone: Name,
        /// The address.
        addr: Ipv4Addr,
    },
    /// One server serves a zone and one of its descendants, so it would answer the child's
    /// names itself instead of referring.
    #[error(
        "server {addr} serves both {parent} and its descendant {child}: there would be no referral"
    )]
    ParentAndChild {
        /// The server.
        addr: Ipv4Addr,
        /// The ancestor zone.
        parent: Name,
        /// The descendant zone.
        child: Name,
    },
    /// Two copies of one zone are served by the same address.
    #[error("server {addr} holds two copies of zone {zone}")]
    DuplicateCopy {
        /// The server.
        addr: Ipv4Addr,
        /// The zone.
        zone: Name,
    },
    /// A TXT character-string is longer than 255 octets (it could not be encoded).
    #[error("TXT record {owner} in zone {zone} has a {len}-octet string; the limit is 255")]
    TxtStringTooLong {
        /// The zone.
        zone: Name,
        /// The record's owner.
        owner: Name,
        /// The string's length.
        len: usize,
    },
    /// Two servers share an address.
    #[error("address {addr} is given to two servers")]
    DuplicateAddress {
        /// The address.
        addr: IpAddr,
    },
}

impl Network {
    /// The server with this address.
    pub fn server(&self, addr: Ipv4Addr) -> Option<&Server> {
        self.servers.iter().find(|s| s.addr == addr)
    }

    /// The servers a name server host name reaches: the server of that name, and the servers
    /// whose address an A record of that name in any zone gives (one server may have several
    /// names).
    pub fn servers_named(&self, host: &Name) -> Vec<&Server> {
        let mut found: Vec<&Server> = self.servers.iter().filter(|s| &s.host == host).collect();
        for hosted in &self.zones {
            for record in hosted.zone.records_at(host) {
                if let RData::A(addr) = &record.data {
                    if let Some(server) = self.server(*addr) {
                        if !found.iter().any(|s| s.addr == server.addr) {
                            found.push(server);
                        }
                    }
                }
            }
        }
        found
    }

    /// The zones (copies) one server holds.
    pub fn zones_of(&self, addr: Ipv4Addr) -> Vec<&Zone> {
        self.zones
            .iter()
            .filter(|h| h.servers.contains(&addr))
            .map(|h| &h.zone)
            .collect()
    }

    /// Every address that serves some copy of the zone `origin`.
    pub fn servers_of(&self, origin: &Name) -> Vec<Ipv4Addr> {
        let mut addrs: Vec<Ipv4Addr> = self
            .zones
            .iter()
            .filter(|h| &h.zone.origin == origin)
            .flat_map(|h| h.servers.iter().copied())
            .collect();
        addrs.sort();
        addrs.dedup();
        addrs
    }

    /// The distinct zone origins of the network, sorted in canonical order.
    pub fn origins(&self) -> Vec<Name> {
        let set: BTreeSet<Name> = self.zones.iter().map(|h| h.zone.origin.clone()).collect();
        set.into_iter().collect()
    }

    /// Checks the rules the lab relies on; see [`NetworkError`].
    pub fn validate(&self) -> Result<(), NetworkError> {
        let mut seen = BTreeSet::new();
        for server in &self.servers {
            for addr in server.addrs() {
                if !seen.insert(addr) {
                    return Err(NetworkError::DuplicateAddress { addr });
                }
            }
        }
        for hosted in &self.zones {
            let zone = &hosted.zone;
            if zone.soa().is_none() {
                return Err(NetworkError::MissingSoa {
                    zone: zone.origin.clone(),
                });
            }
            if zone.apex_ns().is_empty() {
                return Err(NetworkError::MissingApexNs {
                    zone: zone.origin.clone(),
                });
            }
            if let Some(r) = zone
                .records
                .iter()
                .find(|r| !r.name.is_subdomain_of(&zone.origin))
            {
                return Err(NetworkError::OutOfZone {
                    zone: zone.origin.clone(),
                    owner: r.name.clone(),
                });
            }
            for record in &zone.records {
                if let RData::Txt(txt) = &record.data {
                    if let Some(long) = txt.strings().find(|s| s.len() > 255) {
                        return Err(NetworkError::TxtStringTooLong {
                            zone: zone.origin.clone(),
                            owner: record.name.clone(),
                            len: long.len(),
                        });
                    }
                }
            }
            for addr in &hosted.servers {
                if self.server(*addr).is_none() {
                    return Err(NetworkError::UnknownServer {
                        zone: zone.origin.clone(),
                        addr: *addr,
                    });
                }
            }
        }
        for server in &self.servers {
            let zones = self.zones_of(server.addr);
            for (i, a) in zones.iter().enumerate() {
                for b in &zones[i + 1..] {
                    if a.origin == b.origin {
                        return Err(NetworkError::DuplicateCopy {
                            addr: server.addr,
                            zone: a.origin.clone(),
                        });
                    }
                    let (parent, child) = if b.origin.is_subdomain_of(&a.origin) {
                        (&a.origin, &b.origin)
                    } else if a.origin.is_subdomain_of(&b.origin) {
                        (&b.origin, &a.origin)
                    } else {
                        continue;
                    };
                    return Err(NetworkError::ParentAndChild {
                        addr: server.addr,
                        parent: parent.clone(),
                        child: child.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}
