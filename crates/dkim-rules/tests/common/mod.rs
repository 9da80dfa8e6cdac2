//! A miniature authoritative DNS, in memory, to turn zone contents into `Observations` the
//! way the CLI would: every probe of `probes()` and `follow_up_probes()` is answered by each
//! simulated server following RFC 1034 §4.3.2 (CNAME, NODATA, NXDOMAIN, wildcards), and
//! targets are resolved across the simulated world's zones.

#![allow(dead_code)]

pub mod signed;

use std::net::IpAddr;

use dkim_rules::{
    AnswerError, AnswerOutcome, Check, Observations, ObservedData, ObservedRecord,
    ProbeObservation, Response, Rounds, ServerAnswer, ServerInfo, ServerRef, TargetOutcome,
    TargetResolution, ZoneDelegation, ZoneSoa,
};
use dns_wire::{Name, Rcode, RecordType};

pub fn n(s: &str) -> Name {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Zone contents.
#[derive(Clone, Debug)]
pub struct Zone {
    pub apex: Name,
    pub serial: u32,
    pub records: Vec<(Name, ObservedData)>,
}

impl Zone {
    pub fn new(apex: &str) -> Zone {
        Zone {
            apex: n(apex),
            serial: 2024010101,
            records: vec![],
        }
    }

    pub fn cname(mut self, name: &str, target: &str) -> Zone {
        self.records.push((n(name), ObservedData::Cname(n(target))));
        self
    }

    /// One TXT RR made of these strings.
    pub fn txt(mut self, name: &str, strings: &[&str]) -> Zone {
        self.records.push((
            n(name),
            ObservedData::Txt(strings.iter().map(|s| s.as_bytes().to_vec()).collect()),
        ));
        self
    }

    pub fn a(mut self, name: &str, addr: &str) -> Zone {
        self.records
            .push((n(name), ObservedData::A(addr.parse().unwrap())));
        self
    }

    pub fn mx(mut self, name: &str, preference: u16, exchange: &str) -> Zone {
        self.records.push((
            n(name),
            ObservedData::Mx {
                preference,
                exchange: n(exchange),
            },
        ));
        self
    }

    pub fn serial(mut self, serial: u32) -> Zone {
        self.serial = serial;
        self
    }

    fn soa_record(&self) -> ObservedRecord {
        ObservedRecord {
            name: self.apex.clone(),
            ttl: 3600,
            data: ObservedData::Soa {
                mname: self.apex.prepend(b"ns1").unwrap(),
                rname: self.apex.prepend(b"hostmaster").unwrap(),
                serial: self.serial,
                minimum: 300,
            },
        }
    }

    fn at(&self, name: &Name) -> Vec<&ObservedData> {
        self.records
            .iter()
            .filter(|(owner, _)| owner == name)
            .map(|(_, d)| d)
            .collect()
    }

    fn name_exists(&self, name: &Name) -> bool {
        *name == self.apex
            || self
                .records
                .iter()
                .any(|(owner, _)| owner.is_subdomain_of(name))
    }

    /// The data at `name`, synthesised from a wildcard if the name does not exist.
    fn data_at(&self, name: &Name) -> Option<Vec<ObservedData>> {
        if self.name_exists(name) {
            return Some(self.at(name).into_iter().cloned().collect());
        }
        // Closest encloser, then its wildcard (RFC 4592).
        let mut encloser = name.parent()?;
        while !self.name_exists(&encloser) {
            encloser = encloser.parent()?;
        }
        let wildcard = encloser.prepend(b"*").ok()?;
        let data: Vec<ObservedData> = self.at(&wildcard).into_iter().cloned().collect();
        (!data.is_empty()).then_some(data)
    }

    /// An authoritative answer.
    pub fn answer(&self, qname: &Name, qtype: RecordType) -> Response {
        if !qname.is_subdomain_of(&self.apex) {
            return Response {
                rcode: Rcode::REFUSED,
                authoritative: false,
                answer: vec![],
                authority: vec![],
            };
        }
        let mut answer = Vec::new();
        let mut current = qname.clone();
        for _ in 0..8 {
            let Some(data) = self.data_at(&current) else {
                // RFC 6604: the rcode speaks of the last name of the chain.
                return Response {
                    rcode: Rcode::NXDOMAIN,
                    authoritative: true,
                    answer,
                    authority: vec![self.soa_record()],
                };
            };
            let record = |d: &ObservedData| ObservedRecord {
                name: current.clone(),
                ttl: 300,
                data: d.clone(),
            };
            if qtype != RecordType::CNAME {
                if let Some(ObservedData::Cname(target)) =
                    data.iter().find(|d| matches!(d, ObservedData::Cname(_)))
                {
                    answer.push(record(&ObservedData::Cname(target.clone())));
                    if !target.is_subdomain_of(&self.apex) {
                        break;
                    }
                    current = target.clone();
                    continue;
                }
            }
            answer.extend(data.iter().filter(|d| d.rtype() == qtype).map(record));
            break;
        }
        Response {
            rcode: Rcode::NOERROR,
            authoritative: true,
            answer,
            authority: vec![],
        }
    }
}

/// How a simulated server behaves.
#[derive(Clone, Debug)]
pub enum Behaviour {
    Serves(Zone),
    Timeout,
    Refused,
    NotAuthoritative(Zone),
    /// Serves the zone, but leaves every TXT question unanswered after every try (a lossy
    /// path that lost those exchanges).
    LosesTxt(Zone),
    /// An address this machine cannot reach (IPv6 without a route): never asked.
    NotChecked,
    /// A non-public address that the run's address policy refuses (`serve`): never asked.
    AddressRefused,
}

#[derive(Clone, Debug)]
pub struct SimServer {
    pub info: ServerInfo,
    pub behaviour: Behaviour,
}

pub fn server(name: &str, addr: &str, behaviour: Behaviour) -> SimServer {
    SimServer {
        info: ServerInfo {
            name: n(name),
            address: addr.parse::<IpAddr>().unwrap(),
            in_parent: true,
            in_child: true,
            user_named: false,
            soa_serial: match &behaviour {
                Behaviour::Serves(z) | Behaviour::NotAuthoritative(z) | Behaviour::LosesTxt(z) => {
                    Some(z.serial)
                }
                _ => None,
            },
            not_checked: match behaviour {
                Behaviour::NotChecked => Some(
                    "not checked from here: this machine cannot reach IPv6 addresses (no route)"
                        .to_string(),
                ),
                Behaviour::AddressRefused => {
                    let address = addr.parse::<IpAddr>().unwrap();
                    let range = dns_wire::resolver::special_range(address)
                        .expect("an address the policy refuses is a special one");
                    Some(dns_wire::transport::NotChecked::Refused { range }.to_string())
                }
                _ => None,
            },
        },
        behaviour,
    }
}

/// Two servers serving the same zone.
pub fn two_servers(zone: Zone) -> Vec<SimServer> {
    vec![
        server(
            "ns1.example.com",
            "192.0.2.1",
            Behaviour::Serves(zone.clone()),
        ),
        server("ns2.example.net", "198.51.100.2", Behaviour::Serves(zone)),
    ]
}

/// The simulated world: the checked zone's servers plus other zones (SES, providers).
pub struct World {
    pub servers: Vec<SimServer>,
    pub others: Vec<Zone>,
    pub parent_ns: Option<Vec<Name>>,
    pub child_ns: Option<Vec<Name>>,
    /// This machine could not reach DNS at all.
    pub network: Option<dkim_rules::NetworkProblem>,
    /// Name servers listed beyond the per-zone bound.
    pub ns_ignored: usize,
    /// Every lookup at a CNAME target fails with no server answering.
    pub targets_unanswered: bool,
    /// The lookup of this one target fails with no server answering.
    pub unanswered_target: Option<Name>,
    /// A reduced check: the servers stand for one recursive resolver.
    pub reduced: Option<dkim_rules::ReducedCheck>,
    /// DNSSEC evidence handed over as it is (see `signed.rs`).
    pub dnssec: Option<dkim_rules::DnssecObservations>,
}

impl World {
    pub fn new(servers: Vec<SimServer>, others: Vec<Zone>) -> World {
        World {
            servers,
            others,
            parent_ns: None,
            child_ns: None,
            network: None,
            ns_ignored: 0,
            targets_unanswered: false,
            unanswered_target: None,
            reduced: None,
            dnssec: None,
        }
    }

    fn ask(&self, server: &SimServer, qname: &Name, qtype: RecordType) -> AnswerOutcome {
        match &server.behaviour {
            Behaviour::Serves(zone) => AnswerOutcome::Response(zone.answer(qname, qtype)),
            Behaviour::NotAuthoritative(zone) => {
                let mut r = zone.answer(qname, qtype);
                r.authoritative = false;
                AnswerOutcome::Response(r)
            }
            Behaviour::LosesTxt(_) if qtype == RecordType::TXT => AnswerOutcome::Error {
                error: AnswerError::Timeout,
                message: "did not answer 5 tries over 4.9 s (UDP, then TCP)".into(),
            },
            Behaviour::LosesTxt(zone) => AnswerOutcome::Response(zone.answer(qname, qtype)),
            Behaviour::Timeout => AnswerOutcome::Error {
                error: AnswerError::Timeout,
                message: String::new(),
            },
            Behaviour::NotChecked | Behaviour::AddressRefused => AnswerOutcome::Error {
                error: AnswerError::NotChecked,
                message: "not checked from here".into(),
            },
            Behaviour::Refused => AnswerOutcome::Response(Response {
                rcode: Rcode::REFUSED,
                authoritative: false,
                answer: vec![],
                authority: vec![],
            }),
        }
    }

    /// Resolves TXT at `name` across every zone, following CNAMEs (as a resolver would).
    fn resolve(&self, name: &Name) -> TargetOutcome {
        let zones: Vec<&Zone> = self
            .others
            .iter()
            .chain(self.servers.iter().filter_map(|s| match &s.behaviour {
                Behaviour::Serves(z) | Behaviour::LosesTxt(z) => Some(z),
                _ => None,
            }))
            .collect();
        let mut records = Vec::new();
        let mut current = name.clone();
        for _ in 0..8 {
            let Some(zone) = zones
                .iter()
                .filter(|z| current.is_subdomain_of(&z.apex))
                .max_by_key(|z| z.apex.label_count())
            else {
                return TargetOutcome::Failed {
                    error: format!("no servers for {current}"),
                    unanswered: false,
                };
            };
            let response = zone.answer(&current, RecordType::TXT);
            let last_cname = response.answer.iter().rev().find_map(|r| match &r.data {
                ObservedData::Cname(t) if !response.answer.iter().any(|x| x.name == *t) => {
                    Some(t.clone())
                }
                _ => None,
            });
            records.extend(response.answer);
            match last_cname {
                Some(t) if !t.is_subdomain_of(&zone.apex) => current = t,
                _ => {
                    return TargetOutcome::Answer {
                        rcode: response.rcode,
                        records,
                    }
                }
            }
        }
        TargetOutcome::Failed {
            error: "CNAME chain too long".into(),
            unanswered: false,
        }
    }

    pub fn observe(&self, check: &Check) -> Observations {
        let apex = self.servers.iter().find_map(|s| match &s.behaviour {
            Behaviour::Serves(z) | Behaviour::NotAuthoritative(z) | Behaviour::LosesTxt(z) => {
                Some(z.clone())
            }
            _ => None,
        });
        let names: Vec<Name> = self
            .servers
            .iter()
            .filter(|s| s.info.is_delegated())
            .map(|s| s.info.name.clone())
            .collect();
        let mut obs = Observations {
            delegation: ZoneDelegation {
                zone: apex.as_ref().map(|z| z.apex.clone()),
                parent_ns: self.parent_ns.clone().unwrap_or_else(|| names.clone()),
                child_ns: self.child_ns.clone().unwrap_or(names),
                servers: self.servers.iter().map(|s| s.info.clone()).collect(),
                soa: apex.map(|z| ZoneSoa {
                    mname: z.apex.prepend(b"ns1").unwrap(),
                    rname: z.apex.prepend(b"hostmaster").unwrap(),
                    serial: z.serial,
                    minimum: 300,
                    ttl: 3600,
                }),
                lame: vec![],
                ns_ignored: self.ns_ignored,
            },
            probes: vec![],
            targets: vec![],
            network: self.network.clone(),
            reduced: self.reduced.clone(),
            dnssec: self.dnssec.clone(),
        };
        // The round plan is the check machine's own; these servers answer each round at once.
        let mut rounds = Rounds::default();
        let mut batch = rounds.first(check);
        while let Some(probes) = batch {
            for probe in &probes {
                if probe.resolves_through_target_zone() {
                    obs.targets.push(TargetResolution {
                        name: probe.name.clone(),
                        outcome: if self.targets_unanswered
                            || self.unanswered_target.as_ref() == Some(&probe.name)
                        {
                            TargetOutcome::Failed {
                                error: "no server of the zone answered".into(),
                                unanswered: true,
                            }
                        } else {
                            self.resolve(&probe.name)
                        },
                    });
                } else {
                    obs.probes.push(ProbeObservation {
                        name: probe.name.clone(),
                        rtype: probe.rtype,
                        answers: self
                            .servers
                            .iter()
                            .map(|s| ServerAnswer {
                                server: ServerRef {
                                    name: s.info.name.clone(),
                                    address: s.info.address,
                                },
                                outcome: self.ask(s, &probe.name, probe.rtype),
                            })
                            .collect(),
                    });
                }
            }
            batch = rounds.next(check, &obs);
        }
        obs
    }
}

pub const T1: &str = "xtk53kxcy4p3t6ztbrffs6d54rsrrhh6";
pub const T2: &str = "zxfo5z4dqr44uztwz5io2b4j4mwlrquj";
pub const T3: &str = "5aws6ez5cxrf4hvt6w2qrip6pr4voupo";

pub fn key(file: &str) -> String {
    let path = format!("{}/tests/keys/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .trim()
        .to_string()
}

pub fn ses_check(tokens: &[&str]) -> Check {
    Check::Ses {
        domain: n("example.com"),
        tokens: tokens.iter().map(|t| t.parse().unwrap()).collect(),
        signing_zone: None,
        region: None,
        expect_ns: vec![],
        ses_soa: None,
        ses_status: None,
        mail_from: None,
        dmarc: false,
    }
}

pub fn selector_check(selectors: &[&str]) -> Check {
    Check::Selector {
        domain: n("example.com"),
        selectors: selectors.iter().map(|t| t.parse().unwrap()).collect(),
        expect_ns: vec![],
        dmarc: false,
    }
}

/// SES's zone: `active`'s target holds a 2048-bit key split in two strings, the others
/// the empty placeholder of rotation.
pub fn ses_zone(zone: &str, active: &str, others: &[&str]) -> Zone {
    let p = key("rsa-2048.spki.b64");
    let (a, b) = p.split_at(200);
    let first = format!("p={a}");
    let mut z = Zone::new(zone).txt(&format!("{active}.{zone}"), &[&first, b]);
    for t in others {
        z = z.txt(&format!("{t}.{zone}"), &[""]);
    }
    z
}

/// The default SES world: T3 active.
pub fn default_ses() -> Zone {
    ses_zone("dkim.amazonses.com", T3, &[T1, T2])
}

/// example.com with the three SES CNAMEs right.
pub fn good_ses_zone() -> Zone {
    Zone::new("example.com")
        .cname(
            &format!("{T1}._domainkey.example.com"),
            &format!("{T1}.dkim.amazonses.com"),
        )
        .cname(
            &format!("{T2}._domainkey.example.com"),
            &format!("{T2}.dkim.amazonses.com"),
        )
        .cname(
            &format!("{T3}._domainkey.example.com"),
            &format!("{T3}.dkim.amazonses.com"),
        )
        .a("www.example.com", "192.0.2.80")
}
