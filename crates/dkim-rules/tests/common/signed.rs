//! DNSSEC evidence for the scenarios: a root, `com` and `example.com` (and the provider's
//! `amazonses.com`) signed here with Ed25519 keys made per run, and what each server answers
//! for DS, DNSKEY and the relied-on name, broken in one way per [`Signed`] case.

use std::net::{IpAddr, Ipv4Addr};

use dkim_rules::{
    DnssecObservations, ServerRef, SignedAnswer, SignedOutcome, SignedProbe, WireRecord,
    ZoneKeysObservation,
};
use dns_wire::dnssec::keys::ds_for;
use dns_wire::dnssec::sign::SigningKey;
use dns_wire::dnssec::{RingCrypto, Rrset};
use dns_wire::{Class, Ds, Name, Nsec, RData, Rcode, Record, RecordType, Soa, Txt};

/// The validation time of every scenario.
pub const NOW: u32 = 1_800_000_000;
const DAY: u32 = 86_400;

/// How the signed world is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signed {
    /// Everything validates.
    Secure,
    /// The DS at com names the old host's key.
    DsMismatch,
    /// A DS at com, example.com unsigned.
    DsUnsignedZone,
    /// The relied-on answer comes without RRSIG from every server.
    RrsigMissing,
    /// The relied-on answer's signature does not verify.
    SignatureInvalid,
    /// The second server's signature expired.
    OneServerExpired,
    /// The signatures expire in 2 days.
    Expiring,
    /// A NODATA for the relied-on name without NSEC.
    DenialBroken,
    /// The provider's zone amazonses.com is bogus.
    TargetBogus,
    /// example.com has a DS of algorithm 7 (RSASHA1-NSEC3-SHA1) only.
    DeprecatedAlgorithm,
    /// example.com is unsigned, com proves there is no DS.
    Unsigned,
    /// example.com's servers answered the relied-on name (unsigned) but not the DNSKEY
    /// question (lost), and the DS evidence was lost too: nothing is known of the zone.
    ZoneKeysUnanswered,
    /// example.com is signed, but the question for its DS at com went unanswered (lost).
    DsUnanswered,
    /// Everything is signed, but com's DNSKEY question went unanswered (lost): example.com's
    /// DS, signed by com, cannot be checked.
    ParentKeysUnanswered,
}

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn server(k: u8) -> ServerRef {
    ServerRef {
        name: n(&format!("ns{k}.example.com")),
        address: IpAddr::V4(Ipv4Addr::new(192, 0, 2, k)),
    }
}

struct Zone {
    ksk: SigningKey,
    zsk: SigningKey,
}

impl Zone {
    fn new(name: &str) -> Zone {
        let key = |flags| {
            SigningKey::ed25519(n(name), flags, &SigningKey::generate_ed25519_pkcs8()).unwrap()
        };
        Zone {
            ksk: key(257),
            zsk: key(256),
        }
    }
    fn name(&self) -> Name {
        self.ksk.zone.clone()
    }
}

/// The records of an RRset and an RRSIG by `key` valid until `until`.
fn signed(owner: &Name, data: Vec<RData>, key: &SigningKey, until: u32) -> Vec<Record> {
    let set = Rrset {
        name: owner.clone(),
        class: Class::IN,
        rtype: data[0].rtype(),
        ttl: 300,
        data: data.clone(),
        signatures: Vec::new(),
    };
    let sig = key.sign(&set, NOW - DAY, until);
    let mut out: Vec<Record> = data
        .into_iter()
        .map(|d| Record::new(owner.clone(), 300, d))
        .collect();
    out.push(Record::new(owner.clone(), 300, RData::Rrsig(sig)));
    out
}

fn response(answer: &[Record], authority: &[Record]) -> SignedOutcome {
    SignedOutcome::Response {
        rcode: Rcode::NOERROR,
        answer: answer.iter().map(WireRecord::from).collect(),
        authority: authority.iter().map(WireRecord::from).collect(),
    }
}

fn soa(zone: &Name) -> Record {
    Record::new(
        zone.clone(),
        300,
        RData::Soa(Soa {
            mname: zone.prepend(b"ns1").unwrap(),
            rname: zone.prepend(b"hostmaster").unwrap(),
            serial: 1,
            refresh: 3600,
            retry: 600,
            expire: 86_400,
            minimum: 300,
        }),
    )
}

fn dnskey_answer(z: &Zone) -> SignedOutcome {
    let data = vec![
        RData::Dnskey(z.ksk.dnskey.clone()),
        RData::Dnskey(z.zsk.dnskey.clone()),
    ];
    response(&signed(&z.name(), data, &z.ksk, NOW + 30 * DAY), &[])
}

fn ds_data(child: &Zone) -> RData {
    RData::Ds(ds_for(&RingCrypto, &child.name(), &child.ksk.dnskey, 2).unwrap())
}

fn ds_answer(child: &Name, data: RData, parent: &Zone) -> SignedOutcome {
    response(&signed(child, vec![data], &parent.zsk, NOW + 30 * DAY), &[])
}

fn on_servers(outcome: SignedOutcome, count: u8) -> Vec<SignedAnswer> {
    (1..=count)
        .map(|k| SignedAnswer {
            server: server(k),
            outcome: outcome.clone(),
        })
        .collect()
}

fn keys_of(zone: Name, ds: Vec<SignedAnswer>, dnskey: Vec<SignedAnswer>) -> ZoneKeysObservation {
    ZoneKeysObservation { zone, ds, dnskey }
}

/// The DNSSEC observations of a check that relies on `name` (TXT or CNAME `rtype`) in
/// example.com, broken as `case` says.
pub fn observations(case: Signed, name: &Name, rtype: RecordType) -> DnssecObservations {
    let (root, com, example) = (Zone::new("."), Zone::new("com"), Zone::new("example.com"));
    let root_ds = ds_for(&RingCrypto, &Name::root(), &root.ksk.dnskey, 2).unwrap();
    let apex = example.name();
    let data = match rtype {
        RecordType::CNAME => RData::Cname(n("t.dkim.amazonses.com")),
        _ => RData::Txt(Txt::new(["v=DKIM1; p=MIIB"])),
    };
    let until = if case == Signed::Expiring {
        NOW + 2 * DAY
    } else {
        NOW + 30 * DAY
    };
    let good_answer = response(&signed(name, vec![data.clone()], &example.zsk, until), &[]);
    let unsigned_answer = response(&[Record::new(name.clone(), 300, data.clone())], &[]);

    let mut ds = on_servers(ds_answer(&apex, ds_data(&example), &com), 1);
    let mut dnskey = on_servers(dnskey_answer(&example), 2);
    let mut answers = on_servers(good_answer, 2);
    let mut extra = Vec::new();
    match case {
        Signed::Secure | Signed::Expiring => {}
        Signed::DsMismatch => dnskey = on_servers(dnskey_answer(&Zone::new("example.com")), 2),
        Signed::DsUnsignedZone => {
            dnskey = on_servers(response(&[], &[soa(&apex)]), 2);
            answers = on_servers(unsigned_answer, 2);
        }
        Signed::RrsigMissing => answers = on_servers(unsigned_answer, 2),
        Signed::SignatureInvalid => {
            let other = match rtype {
                RecordType::CNAME => RData::Cname(n("t.dkim.elsewhere.example")),
                _ => RData::Txt(Txt::new(["v=DKIM1; p=EVIL"])),
            };
            let mut forged = signed(name, vec![data.clone()], &example.zsk, until);
            forged[0].data = other;
            answers = on_servers(response(&forged, &[]), 2);
        }
        Signed::OneServerExpired => {
            answers[1].outcome = response(
                &signed(name, vec![data.clone()], &example.zsk, NOW - 1),
                &[],
            );
        }
        Signed::DenialBroken => answers = on_servers(response(&[], &[soa(&apex)]), 2),
        Signed::TargetBogus => {
            let ses = Zone::new("amazonses.com");
            let stranger = Zone::new("amazonses.com");
            let key_set = vec![RData::Dnskey(ses.ksk.dnskey.clone())];
            extra.push(keys_of(
                ses.name(),
                on_servers(ds_answer(&ses.name(), ds_data(&ses), &com), 1),
                on_servers(
                    response(
                        &signed(&ses.name(), key_set, &stranger.ksk, NOW + 30 * DAY),
                        &[],
                    ),
                    2,
                ),
            ));
        }
        Signed::DeprecatedAlgorithm => {
            let sha1 = RData::Ds(Ds {
                key_tag: 1,
                algorithm: 7,
                digest_type: 1,
                digest: vec![0; 20],
            });
            ds = on_servers(ds_answer(&apex, sha1, &com), 1);
        }
        Signed::Unsigned => {
            let nsec = RData::Nsec(Nsec {
                next: n("zzz.com"),
                types: vec![RecordType::NS, RecordType::NSEC, RecordType::RRSIG],
            });
            let proof = signed(&apex, vec![nsec], &com.zsk, NOW + 30 * DAY);
            ds = on_servers(response(&[], &proof), 1);
            dnskey = on_servers(response(&[], &[soa(&apex)]), 2);
            answers = on_servers(unsigned_answer, 2);
        }
        Signed::ParentKeysUnanswered => {}
        Signed::DsUnanswered => {
            ds = on_servers(
                SignedOutcome::Error {
                    error: dkim_rules::AnswerError::Timeout,
                },
                1,
            );
        }
        Signed::ZoneKeysUnanswered => {
            let lost = SignedOutcome::Error {
                error: dkim_rules::AnswerError::Timeout,
            };
            ds = on_servers(lost.clone(), 1);
            dnskey = on_servers(lost, 2);
            answers = on_servers(unsigned_answer, 2);
        }
    }
    let mut zones = vec![
        keys_of(Name::root(), vec![], on_servers(dnskey_answer(&root), 1)),
        keys_of(
            n("com"),
            on_servers(ds_answer(&n("com"), ds_data(&com), &root), 1),
            if case == Signed::ParentKeysUnanswered {
                on_servers(
                    SignedOutcome::Error {
                        error: dkim_rules::AnswerError::Timeout,
                    },
                    1,
                )
            } else {
                on_servers(dnskey_answer(&com), 1)
            },
        ),
        keys_of(apex, ds, dnskey),
    ];
    zones.extend(extra);
    DnssecObservations {
        now: u64::from(NOW),
        anchors: vec![format!(". IN DS {}", RData::Ds(root_ds))],
        zones,
        not_checked: None,
        answers: vec![SignedProbe {
            name: name.clone(),
            rtype,
            answers,
        }],
    }
}
