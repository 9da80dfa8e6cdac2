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
//!
//! More networks model what real networks and zones do to a check rather than what a server
//! does:
//!
//! - [`dual_stack_network`] (127.53.201.0/24 and [`DUAL_STACK_IPV6_PREFIX`]): every server
//!   also listens on an IPv6 address and every referral carries AAAA glue next to A glue, as
//!   Route 53, Cloudflare and GoDaddy publish them. Serving it needs those IPv6 addresses on
//!   `lo` (the network-namespace tests add them inside their own namespace).
//! - [`private_glue_network`]: `victim.test.` delegated to name servers whose glue is
//!   127.0.0.1, 10.0.0.1 and 169.254.169.254, for the address policy of a public checker.
//! - [`fanout_network`] (127.53.202.0/24): a referral listing thousands of NS names in a third
//!   party's zone (the NXNSAttack shape, CVE-2020-8616).

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::build::{name, ZoneBuilder};
use crate::keys;
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

/// The healthy root and `test.` servers every fixture walks through.
fn root_and_tld_servers() -> Vec<Server> {
    vec![
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
    ]
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
    let mut servers = root_and_tld_servers();
    servers.push(server("ns1.victim.test", HOSTILE_SERVER, behaviour));
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

/// The glue of [`private_glue_network`]: name servers at addresses a public checker must never
/// send a packet to (this machine, a private network, the cloud metadata service).
pub const PRIVATE_GLUE: [(&str, Ipv4Addr); 3] = [
    ("ns1.victim.test", Ipv4Addr::new(127, 0, 0, 1)),
    ("ns2.victim.test", Ipv4Addr::new(10, 0, 0, 1)),
    ("ns3.victim.test", Ipv4Addr::new(169, 254, 169, 254)),
];

/// Root and `test.` on 127.53.200.0/24, with `victim.test.` delegated to the
/// [`PRIVATE_GLUE`] name servers (nothing listens there: nothing may be sent there), plus a
/// healthy `ns4.victim.test` at [`HEALTHY_SIBLING`] serving the zone when asked for.
pub fn private_glue_network(healthy_sibling: bool) -> Network {
    let mut victim_ns = PRIVATE_GLUE.to_vec();
    if healthy_sibling {
        victim_ns.push(("ns4.victim.test", HEALTHY_SIBLING));
    }
    let mut zones = root_and_tld(&victim_ns);
    let mut servers = root_and_tld_servers();
    if healthy_sibling {
        zones.push(HostedZone {
            zone: victim_zone(&victim_ns),
            servers: vec![HEALTHY_SIBLING],
        });
        servers.push(server(
            "ns4.victim.test",
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

/// The selector holding a key in [`DUAL_STACK_ZONE`] and [`FANOUT_ZONE`].
pub const FIXTURE_SELECTOR: &str = "mail";

/// The dual-stack network's root server (IPv4; [`DUAL_STACK_ROOT_V6`] is the same server).
pub const DUAL_STACK_ROOT_V4: Ipv4Addr = Ipv4Addr::new(127, 53, 201, 1);
/// The first 64 bits of every IPv6 address of the dual-stack network: a unique local prefix
/// (RFC 4193), never routed off the machine.
pub const DUAL_STACK_IPV6_PREFIX: [u16; 4] = [0xfd53, 0, 0, 0x201];
/// The dual-stack network's root server over IPv6.
pub const DUAL_STACK_ROOT_V6: Ipv6Addr = dual_stack_v6(1);
/// The healthy zone whose servers publish A and AAAA glue: `mail._domainkey` holds an RSA
/// 2048 key (`dkim-doctor selector dual-stack.test mail` passes over either family).
pub const DUAL_STACK_ZONE: &str = "dual-stack.test";

const fn dual_stack_v6(last: u16) -> Ipv6Addr {
    let [a, b, c, d] = DUAL_STACK_IPV6_PREFIX;
    Ipv6Addr::new(a, b, c, d, 0, 0, 0, last)
}

/// Root, `test.` and [`DUAL_STACK_ZONE`], each server on 127.53.201.N and on the IPv6 address
/// ending in N under [`DUAL_STACK_IPV6_PREFIX`]:
///
/// | N | host | zone |
/// |---|---|---|
/// | 1 | `a.root.dual-servers.test` | `.` |
/// | 2 | `ns.dual-servers.test` | `test.` |
/// | 3, 4 | `ns1/ns2.dual-stack.test` | `dual-stack.test.` |
pub fn dual_stack_network() -> Network {
    let hosts: [(&str, u8); 4] = [
        ("a.root.dual-servers.test", 1),
        ("ns.dual-servers.test", 2),
        ("ns1.dual-stack.test", 3),
        ("ns2.dual-stack.test", 4),
    ];
    let v4 = |n: u8| Ipv4Addr::new(127, 53, 201, n);
    let glue = |mut zone: ZoneBuilder, wanted: &[&str]| {
        for (host, n) in hosts {
            if wanted.contains(&host) {
                zone = zone.a(host, v4(n)).aaaa(host, dual_stack_v6(u16::from(n)));
            }
        }
        zone
    };
    let root = glue(
        ZoneBuilder::new(".", &["a.root.dual-servers.test"]).ns("test", "ns.dual-servers.test"),
        &["a.root.dual-servers.test", "ns.dual-servers.test"],
    )
    .build();
    let zone_ns = ["ns1.dual-stack.test", "ns2.dual-stack.test"];
    let mut tld = ZoneBuilder::new("test", &["ns.dual-servers.test"]);
    for host in zone_ns {
        tld = tld.ns(DUAL_STACK_ZONE, host);
    }
    let tld = glue(
        tld,
        &[
            "a.root.dual-servers.test",
            "ns.dual-servers.test",
            "ns1.dual-stack.test",
            "ns2.dual-stack.test",
        ],
    )
    .build();
    let zone = glue(ZoneBuilder::new(DUAL_STACK_ZONE, &zone_ns), &zone_ns)
        .txt_long(
            &format!("{FIXTURE_SELECTOR}._domainkey.{DUAL_STACK_ZONE}"),
            &format!("v=DKIM1; k=rsa; p={}", keys::RSA_2048),
        )
        .build();
    let servers = hosts
        .iter()
        .map(|(host, n)| Server {
            ipv6: Some(dual_stack_v6(u16::from(*n))),
            ..server(host, v4(*n), Behaviour::Authoritative)
        })
        .collect();
    Network {
        servers,
        zones: vec![
            HostedZone {
                zone: root,
                servers: vec![v4(1)],
            },
            HostedZone {
                zone: tld,
                servers: vec![v4(2)],
            },
            HostedZone {
                zone,
                servers: vec![v4(3), v4(4)],
            },
        ],
        roots: vec![v4(1)],
    }
}

/// The fan-out network's root server.
pub const FANOUT_ROOT: Ipv4Addr = Ipv4Addr::new(127, 53, 202, 1);
/// The zone whose delegation lists thousands of NS names; `mail._domainkey` holds a key.
pub const FANOUT_ZONE: &str = "wide.test";
/// The third party's zone, where the NS names of [`FANOUT_ZONE`] live.
pub const FANOUT_THIRD_PARTY: &str = "third-party.test";

/// The NS name number `i` (from 1) of [`FANOUT_ZONE`].
pub fn fanout_ns_name(i: usize) -> String {
    format!("ns{i:04}.{FANOUT_THIRD_PARTY}")
}

/// [`FANOUT_ZONE`] delegated (in `test.` and at its apex) to `names` NS names in
/// [`FANOUT_THIRD_PARTY`], a zone on another server: no glue, so a resolver must look every
/// name up there. With `third_party_alive`, every name has an A record for 127.53.202.4, the
/// one server that really holds the zone (one server with `names` names); without, nothing
/// listens on the third party's address, so no name resolves.
///
/// | address | host | zone |
/// |---|---|---|
/// | 127.53.202.1 | `a.root.fanout-servers.test` | `.` |
/// | 127.53.202.2 | `ns.fanout-servers.test` | `test.` |
/// | 127.53.202.3 | `ns.third-party-dns.test` | [`FANOUT_THIRD_PARTY`] (unreachable unless alive) |
/// | 127.53.202.4 | `ns0001.third-party.test` (and every other NS name) | [`FANOUT_ZONE`] |
pub fn fanout_network(names: usize, third_party_alive: bool) -> Network {
    let v4 = |n: u8| Ipv4Addr::new(127, 53, 202, n);
    let ns_names: Vec<String> = (1..=names.max(1)).map(fanout_ns_name).collect();
    let ns_refs: Vec<&str> = ns_names.iter().map(String::as_str).collect();
    let root = ZoneBuilder::new(".", &["a.root.fanout-servers.test"])
        .ns("test", "ns.fanout-servers.test")
        .a("a.root.fanout-servers.test", v4(1))
        .a("ns.fanout-servers.test", v4(2))
        .build();
    let mut tld = ZoneBuilder::new("test", &["ns.fanout-servers.test"])
        .a("a.root.fanout-servers.test", v4(1))
        .a("ns.fanout-servers.test", v4(2))
        .ns(FANOUT_THIRD_PARTY, "ns.third-party-dns.test")
        .a("ns.third-party-dns.test", v4(3));
    for host in &ns_refs {
        tld = tld.ns(FANOUT_ZONE, host);
    }
    let mut third_party = ZoneBuilder::new(FANOUT_THIRD_PARTY, &["ns.third-party-dns.test"]);
    for host in &ns_refs {
        third_party = third_party.a(host, v4(4));
    }
    let wide = ZoneBuilder::new(FANOUT_ZONE, &ns_refs)
        .txt_long(
            &format!("{FIXTURE_SELECTOR}._domainkey.{FANOUT_ZONE}"),
            &format!("v=DKIM1; k=rsa; p={}", keys::RSA_2048),
        )
        .build();
    let third_party_behaviour = if third_party_alive {
        Behaviour::Authoritative
    } else {
        Behaviour::Unreachable
    };
    Network {
        servers: vec![
            server(
                "a.root.fanout-servers.test",
                v4(1),
                Behaviour::Authoritative,
            ),
            server("ns.fanout-servers.test", v4(2), Behaviour::Authoritative),
            server("ns.third-party-dns.test", v4(3), third_party_behaviour),
            server(ns_refs[0], v4(4), Behaviour::Authoritative),
        ],
        zones: vec![
            HostedZone {
                zone: root,
                servers: vec![v4(1)],
            },
            HostedZone {
                zone: tld.build(),
                servers: vec![v4(2)],
            },
            HostedZone {
                zone: third_party.build(),
                servers: vec![v4(3)],
            },
            HostedZone {
                zone: wide,
                servers: vec![v4(4)],
            },
        ],
        roots: vec![v4(1)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authority::answer;
    use dns_wire::{Message, RData, RecordType};

    #[test]
    fn fixtures_are_valid() {
        hostile_network(Behaviour::Garbage, false)
            .validate()
            .unwrap();
        hostile_network(Behaviour::Silent, true).validate().unwrap();
        referral_loop_network().validate().unwrap();
        glueless_cycle_network().validate().unwrap();
        dual_stack_network().validate().unwrap();
        fanout_network(2000, true).validate().unwrap();
        fanout_network(2000, false).validate().unwrap();
    }

    #[test]
    fn dual_stack_referrals_carry_a_and_aaaa_glue() {
        let net = dual_stack_network();
        let query = Message::query(1, name(DUAL_STACK_ZONE), RecordType::NS);
        let tld = Ipv4Addr::new(127, 53, 201, 2);
        let referral = answer(&net.zones_of(tld), &query);
        assert_eq!(referral.authority.len(), 2);
        let v6: Vec<_> = referral
            .additional
            .iter()
            .filter_map(|r| match r.data {
                RData::Aaaa(a) => Some(a),
                _ => None,
            })
            .collect();
        assert_eq!(v6, vec![dual_stack_v6(3), dual_stack_v6(4)]);
        assert!(net.servers.iter().all(|s| s.ipv6.is_some()));
        assert_eq!(
            net.server(DUAL_STACK_ROOT_V4).unwrap().ipv6,
            Some(DUAL_STACK_ROOT_V6)
        );
    }

    #[test]
    fn fanout_referral_lists_every_name_without_glue() {
        let net = fanout_network(2000, true);
        let query = Message::query(1, name(FANOUT_ZONE), RecordType::NS);
        let referral = answer(&net.zones_of(Ipv4Addr::new(127, 53, 202, 2)), &query);
        assert_eq!(referral.authority.len(), 2000);
        assert!(referral.additional.is_empty());
        let lookup = Message::query(1, name(&fanout_ns_name(1999)), RecordType::A);
        let address = answer(&net.zones_of(Ipv4Addr::new(127, 53, 202, 3)), &lookup);
        assert_eq!(
            address.answers[0].data,
            RData::A(Ipv4Addr::new(127, 53, 202, 4))
        );
    }
}
