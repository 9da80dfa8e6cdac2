//! Root hints: where a walk starts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::trace::ServerAddr;
use crate::Name;

/// The IANA root servers, letters a to m, with their IPv4 and IPv6 addresses, as published in
/// `https://www.internic.net/domain/named.root` (the b-root renumbering of 2023-11-27 included).
/// A priming query (RFC 8109) is not needed for a diagnostic run: any listed server still
/// answers for the root and refers onwards.
pub const IANA_ROOT_SERVERS: [(&str, Ipv4Addr, Ipv6Addr); 13] = [
    (
        "a.root-servers.net",
        Ipv4Addr::new(198, 41, 0, 4),
        Ipv6Addr::new(0x2001, 0x503, 0xba3e, 0, 0, 0, 0x2, 0x30),
    ),
    (
        "b.root-servers.net",
        Ipv4Addr::new(170, 247, 170, 2),
        Ipv6Addr::new(0x2801, 0x1b8, 0x10, 0, 0, 0, 0, 0xb),
    ),
    (
        "c.root-servers.net",
        Ipv4Addr::new(192, 33, 4, 12),
        Ipv6Addr::new(0x2001, 0x500, 0x2, 0, 0, 0, 0, 0xc),
    ),
    (
        "d.root-servers.net",
        Ipv4Addr::new(199, 7, 91, 13),
        Ipv6Addr::new(0x2001, 0x500, 0x2d, 0, 0, 0, 0, 0xd),
    ),
    (
        "e.root-servers.net",
        Ipv4Addr::new(192, 203, 230, 10),
        Ipv6Addr::new(0x2001, 0x500, 0xa8, 0, 0, 0, 0, 0xe),
    ),
    (
        "f.root-servers.net",
        Ipv4Addr::new(192, 5, 5, 241),
        Ipv6Addr::new(0x2001, 0x500, 0x2f, 0, 0, 0, 0, 0xf),
    ),
    (
        "g.root-servers.net",
        Ipv4Addr::new(192, 112, 36, 4),
        Ipv6Addr::new(0x2001, 0x500, 0x12, 0, 0, 0, 0, 0xd0d),
    ),
    (
        "h.root-servers.net",
        Ipv4Addr::new(198, 97, 190, 53),
        Ipv6Addr::new(0x2001, 0x500, 0x1, 0, 0, 0, 0, 0x53),
    ),
    (
        "i.root-servers.net",
        Ipv4Addr::new(192, 36, 148, 17),
        Ipv6Addr::new(0x2001, 0x7fe, 0, 0, 0, 0, 0, 0x53),
    ),
    (
        "j.root-servers.net",
        Ipv4Addr::new(192, 58, 128, 30),
        Ipv6Addr::new(0x2001, 0x503, 0xc27, 0, 0, 0, 0x2, 0x30),
    ),
    (
        "k.root-servers.net",
        Ipv4Addr::new(193, 0, 14, 129),
        Ipv6Addr::new(0x2001, 0x7fd, 0, 0, 0, 0, 0, 0x1),
    ),
    (
        "l.root-servers.net",
        Ipv4Addr::new(199, 7, 83, 42),
        Ipv6Addr::new(0x2001, 0x500, 0x9f, 0, 0, 0, 0, 0x42),
    ),
    (
        "m.root-servers.net",
        Ipv4Addr::new(202, 12, 27, 33),
        Ipv6Addr::new(0x2001, 0xdc3, 0, 0, 0, 0, 0, 0x35),
    ),
];

/// The servers a walk starts from when nothing closer is cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootHints {
    /// Every root server address (name when known).
    pub servers: Vec<ServerAddr>,
}

impl RootHints {
    /// The root zone as a delegation: the hints' server names (each once, in order) and
    /// addresses as its NS set and glue. Every walk starts from it.
    pub fn delegation(&self) -> super::Delegation {
        let mut ns: Vec<Name> = Vec::new();
        for server in &self.servers {
            if let Some(name) = &server.name {
                if !ns.contains(name) {
                    ns.push(name.clone());
                }
            }
        }
        super::Delegation {
            zone: Name::root(),
            parent: None,
            ns_listed: ns.len(),
            ns,
            ttl: 0,
            glue: self.servers.clone(),
            referred_by: None,
        }
    }

    /// The 13 IANA root servers, IPv4 and IPv6 (26 addresses).
    pub fn iana() -> RootHints {
        let mut servers = Vec::with_capacity(26);
        for (name, v4, v6) in IANA_ROOT_SERVERS {
            // The names are fixed, valid constants.
            let name: Option<Name> = name.parse().ok();
            servers.push(ServerAddr::new(name.clone(), IpAddr::V4(v4)));
            servers.push(ServerAddr::new(name, IpAddr::V6(v6)));
        }
        RootHints { servers }
    }

    /// Root servers known only by address (a lab, a private root: the CLI's `--roots`).
    pub fn from_addresses(addresses: impl IntoIterator<Item = IpAddr>) -> RootHints {
        RootHints {
            servers: addresses
                .into_iter()
                .map(|ip| ServerAddr::new(None, ip))
                .collect(),
        }
    }
}

impl Default for RootHints {
    fn default() -> Self {
        RootHints::iana()
    }
}
