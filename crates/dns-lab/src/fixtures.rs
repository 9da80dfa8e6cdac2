//! Small networks for hostile-server tests: a root, the `test.` TLD and one victim zone whose
//! server misbehaves, so a resolver's walk from [`HOSTILE_ROOT`] meets the behaviour at the
//! last hop.
//!
//! | address | host | role |
//! |---|---|---|
//! | 127.53.200.1 | `a.root.test-servers.test` | root, delegates `test.` |
//! | 127.53.200.2 | `ns.test-servers.test` | `test.`, delegates `victim.test.` to ns1 (and ns2) |
//! | 127.53.200.3 | `ns1.victim.test` | the server with the behaviour under test |
//! | 127.53.200.4 | `ns2.victim.test` | a healthy sibling, when asked for |

use std::net::Ipv4Addr;

use crate::build::{name, ZoneBuilder};
use crate::network::{Behaviour, HostedZone, Network, Server, Zone};

/// The root server of the fixtures.
pub const HOSTILE_ROOT: Ipv4Addr = Ipv4Addr::new(127, 53, 200, 1);
/// The `test.` server.
pub const TEST_TLD_SERVER: Ipv4Addr = Ipv4Addr::new(127, 53, 200, 2);
/// The misbehaving server (`ns1.victim.test`).
pub const HOSTILE_SERVER: Ipv4Addr = Ipv4Addr::new(127, 53, 200, 3);
/// The healthy sibling (`ns2.victim.test`).
pub const HEALTHY_SIBLING: Ipv4Addr = Ipv4Addr::new(127, 53, 200, 4);
/// An address the wrong-source behaviour can send from.
pub const WRONG_SOURCE: Ipv4Addr = Ipv4Addr::new(127, 53, 200, 99);
/// The victim zone.
pub const VICTIM_ZONE: &str = "victim.test";
/// A name in the victim zone holding `TXT "hello from victim.test"` and `A 192.0.2.53`.
pub const VICTIM_NAME: &str = "www.victim.test";
/// The TXT text at [`VICTIM_NAME`].
pub const VICTIM_TXT: &str = "hello from victim.test";

fn root_and_tld(victim_ns: &[(&str, Ipv4Addr)]) -> Vec<HostedZone> {
    let root = ZoneBuilder::new(".", &["a.root.test-servers.test"])
        .ns("test", "ns.test-servers.test")
        .a("a.root.test-servers.test", HOSTILE_ROOT)
        .a("ns.test-servers.test", TEST_TLD_SERVER)
        .build();
    let mut tld = ZoneBuilder::new("test", &["ns.test-servers.test"])
        .a("a.root.test-servers.test", HOSTILE_ROOT)
        .a("ns.test-servers.test", TEST_TLD_SERVER);
    for (host, addr) in victim_ns {
        tld = tld.ns(VICTIM_ZONE, host).a(host, *addr);
    }
    vec![
        HostedZone {
            zone: root,
            servers: vec![HOSTILE_ROOT],
        },
        HostedZone {
            zone: tld.build(),
            servers: vec![TEST_TLD_SERVER],
        },
    ]
}

fn victim_zone(victim_ns: &[(&str, Ipv4Addr)]) -> Zone {
    let hosts: Vec<&str> = victim_ns.iter().map(|(h, _)| *h).collect();
    let mut zone = ZoneBuilder::new(VICTIM_ZONE, &hosts)
        .txt(VICTIM_NAME, &[VICTIM_TXT])
        .a(VICTIM_NAME, Ipv4Addr::new(192, 0, 2, 53));
    for (host, addr) in victim_ns {
        zone = zone.a(host, *addr);
    }
    zone.build()
}

fn server(host: &str, addr: Ipv4Addr, behaviour: Behaviour) -> Server {
    Server {
        host: name(host),
        addr,
        ipv6: None,
        behaviour,
    }
}

/// Root, `test.` and `victim.test.` served by `ns1.victim.test` with `behaviour` (it answers
/// from the zone data when the behaviour answers at all), plus a healthy `ns2.victim.test`
/// when `healthy_sibling` is set.
pub fn hostile_network(behaviour: Behaviour, healthy_sibling: bool) -> Network {
    let mut victim_ns = vec![("ns1.victim.test", HOSTILE_SERVER)];
    if healthy_sibling {
        victim_ns.push(("ns2.victim.test", HEALTHY_SIBLING));
    }
    let mut zones = root_and_tld(&victim_ns);
    zones.push(HostedZone {
        zone: victim_zone(&victim_ns),
        servers: victim_ns.iter().map(|(_, a)| *a).collect(),
    });
    let mut servers = vec![
        server(
            "a.root.test-servers.test",
            HOSTILE_ROOT,
            Behaviour::Authoritative,
        ),
        server(
            "ns.test-servers.test",
            TEST_TLD_SERVER,
            Behaviour::Authoritative,
        ),
        server("ns1.victim.test", HOSTILE_SERVER, behaviour),
    ];
    if healthy_sibling {
        servers.push(server(
            "ns2.victim.test",
            HEALTHY_SIBLING,
            Behaviour::Authoritative,
        ));
    }
    Network {
        servers,
        zones,
        roots: vec![HOSTILE_ROOT],
    }
}

/// `victim.test.` delegated to ns1 and ns2, which only ever refer to each other for
/// `victim.test.`: a referral loop with no answer anywhere.
pub fn referral_loop_network() -> Network {
    let victim_ns = [
        ("ns1.victim.test", HOSTILE_SERVER),
        ("ns2.victim.test", HEALTHY_SIBLING),
    ];
    let refer_to = |host: &str, addr| Behaviour::Refer {
        zone: name(VICTIM_ZONE),
        servers: vec![(name(host), addr)],
    };
    Network {
        servers: vec![
            server(
                "a.root.test-servers.test",
                HOSTILE_ROOT,
                Behaviour::Authoritative,
            ),
            server(
                "ns.test-servers.test",
                TEST_TLD_SERVER,
                Behaviour::Authoritative,
            ),
            server(
                "ns1.victim.test",
                HOSTILE_SERVER,
                refer_to("ns2.victim.test", HEALTHY_SIBLING),
            ),
            server(
                "ns2.victim.test",
                HEALTHY_SIBLING,
                refer_to("ns1.victim.test", HOSTILE_SERVER),
            ),
        ],
        zones: root_and_tld(&victim_ns),
        roots: vec![HOSTILE_ROOT],
    }
}

/// `victim.test.` delegated to `ns.a.other` only, while `other.` delegates `a.other.` to
/// `ns.victim.test`: neither NS name can be resolved without the other (a glueless cycle).
pub fn glueless_cycle_network() -> Network {
    let root = ZoneBuilder::new(".", &["a.root.test-servers.test"])
        .ns("test", "ns.test-servers.test")
        .ns("other", "ns.test-servers.test")
        .a("a.root.test-servers.test", HOSTILE_ROOT)
        .a("ns.test-servers.test", TEST_TLD_SERVER)
        .build();
    let tld = ZoneBuilder::new("test", &["ns.test-servers.test"])
        .a("ns.test-servers.test", TEST_TLD_SERVER)
        .ns(VICTIM_ZONE, "ns.a.other")
        .build();
    let other = ZoneBuilder::new("other", &["ns.test-servers.test"])
        .ns("a.other", "ns.victim.test")
        .build();
    Network {
        servers: vec![
            server(
                "a.root.test-servers.test",
                HOSTILE_ROOT,
                Behaviour::Authoritative,
            ),
            server(
                "ns.test-servers.test",
                TEST_TLD_SERVER,
                Behaviour::Authoritative,
            ),
        ],
        zones: vec![
            HostedZone {
                zone: root,
                servers: vec![HOSTILE_ROOT],
            },
            HostedZone {
                zone: tld,
                servers: vec![TEST_TLD_SERVER],
            },
            HostedZone {
                zone: other,
                servers: vec![TEST_TLD_SERVER],
            },
        ],
        roots: vec![HOSTILE_ROOT],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_are_valid() {
        hostile_network(Behaviour::Garbage, false)
            .validate()
            .unwrap();
        hostile_network(Behaviour::Silent, true).validate().unwrap();
        referral_loop_network().validate().unwrap();
        glueless_cycle_network().validate().unwrap();
    }
}
