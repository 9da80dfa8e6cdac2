//! `proptest` strategies for every model type (cargo feature `proptest`), for this crate's
//! property tests and for other crates' (differential tests, fuzz seeds).
//!
//! Every value generated is one the encoder writes faithfully and the parser reads back equal
//! ([`Message::try_to_bytes`] succeeds and [`Message::from_bytes`] returns the same message):
//! TXT strings and other length-prefixed fields stay within 255 octets, NSEC type lists are
//! sorted and unique, [`RData::Unknown`] never carries a modelled type.
//!
//! ```
//! use proptest::prelude::*;
//! use dns_wire::{arbitrary, Message};
//! proptest!(|(msg in arbitrary::message())| {
//!     let bytes = msg.try_to_bytes().unwrap();
//!     prop_assert_eq!(Message::from_bytes(&bytes).unwrap(), msg);
//! });
//! ```

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;

use crate::message::{Edns, EdnsOption, EdnsOptions, Header, Message, Question, Record};
use crate::name::{Name, MAX_NAME_LEN};
use crate::rdata::{Caa, Dnskey, Ds, Mx, Nsec, Nsec3, Nsec3param, RData, Rrsig, Soa, Srv, Txt};
use crate::types::{Class, Opcode, RecordType};

/// Record types with a typed [`RData`] variant, plus OPT: [`RData::Unknown`] never uses them.
pub const MODELLED_TYPES: [RecordType; 18] = [
    RecordType::A,
    RecordType::NS,
    RecordType::CNAME,
    RecordType::SOA,
    RecordType::PTR,
    RecordType::MX,
    RecordType::TXT,
    RecordType::AAAA,
    RecordType::SRV,
    RecordType::DNAME,
    RecordType::OPT,
    RecordType::DS,
    RecordType::RRSIG,
    RecordType::NSEC,
    RecordType::DNSKEY,
    RecordType::NSEC3,
    RecordType::NSEC3PARAM,
    RecordType::CAA,
];

/// A label: mostly host-name characters, sometimes any octet (dots, backslashes, spaces,
/// quotes, zero and high octets all occur), 1 to 63 octets.
pub fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => vec(prop::sample::select(b"abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_".to_vec()), 1..=12),
        1 => vec(any::<u8>(), 1..=63),
        1 => vec(prop::sample::select(b".\\\" ();@$\x00\xff".to_vec()), 1..=4),
    ]
}

/// A name of random labels, at most 255 octets (labels that would not fit are dropped).
pub fn random_name() -> impl Strategy<Value = Name> {
    vec(label(), 0..=8).prop_map(|labels| {
        let mut name = Name::root();
        for l in labels {
            if let Ok(longer) = Name::from_labels([l.as_slice()]).and_then(|p| p.append(&name)) {
                name = longer;
            }
        }
        name
    })
}

/// A name made of 0 to 3 random labels in front of one of a few shared suffixes (in several
/// cases), so that messages exercise compression; sometimes a wholly random name.
pub fn name() -> impl Strategy<Value = Name> {
    const SUFFIXES: [&str; 6] = [
        ".",
        "com",
        "example.com",
        "EXAMPLE.com",
        "_domainkey.example.com",
        "dkim.amazonses.com",
    ];
    prop_oneof![
        4 => (vec(label(), 0..=3), prop::sample::select(&SUFFIXES[..])).prop_map(|(labels, suffix)| {
            let mut name: Name = suffix.parse().unwrap_or_else(|_| Name::root());
            for l in labels.iter().rev() {
                if let Ok(longer) = name.prepend(l) {
                    name = longer;
                }
            }
            name
        }),
        1 => random_name(),
        1 => long_name(),
    ]
}

/// A name of exactly 255 octets or close to it (63-octet labels).
pub fn long_name() -> impl Strategy<Value = Name> {
    (0usize..=61, any::<u8>()).prop_map(|(last, fill)| {
        let label = vec![b'a'.wrapping_add(fill % 26); 63];
        let mut name = Name::from_labels([&label, &label, &label]).unwrap_or_else(|_| Name::root());
        if last > 0 {
            if let Ok(longer) = name.prepend(&vec![b'z'; last]) {
                name = longer;
            }
        }
        debug_assert!(name.wire_len() <= MAX_NAME_LEN);
        name
    })
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

fn type_list() -> impl Strategy<Value = Vec<RecordType>> {
    prop_oneof![btree_set(0u16..300, 0..8), btree_set(any::<u16>(), 0..8),]
        .prop_map(|set: BTreeSet<u16>| set.into_iter().map(RecordType).collect())
}

/// Record data of any variant, with field values across their whole range.
pub fn rdata() -> impl Strategy<Value = RData> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| RData::A(Ipv4Addr::from(a))),
        any::<[u8; 16]>().prop_map(|a| RData::Aaaa(Ipv6Addr::from(a))),
        name().prop_map(RData::Ns),
        name().prop_map(RData::Cname),
        name().prop_map(RData::Dname),
        name().prop_map(RData::Ptr),
        (name(), name(), any::<[u32; 5]>()).prop_map(|(mname, rname, v)| RData::Soa(Soa {
            mname,
            rname,
            serial: v[0],
            refresh: v[1],
            retry: v[2],
            expire: v[3],
            minimum: v[4],
        })),
        (any::<u16>(), name()).prop_map(|(preference, exchange)| RData::Mx(Mx {
            preference,
            exchange
        })),
        vec(
            prop_oneof![bytes(40), bytes(255), Just(vec![b'a'; 255])],
            0..4
        )
        .prop_map(|strings| RData::Txt(Txt::new(strings))),
        (any::<[u16; 3]>(), name()).prop_map(|(v, target)| RData::Srv(Srv {
            priority: v[0],
            weight: v[1],
            port: v[2],
            target,
        })),
        (any::<u8>(), vec(any::<u8>(), 0..=20), bytes(60))
            .prop_map(|(flags, tag, value)| { RData::Caa(Caa { flags, tag, value }) }),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(64)).prop_map(
            |(key_tag, algorithm, digest_type, digest)| RData::Ds(Ds {
                key_tag,
                algorithm,
                digest_type,
                digest,
            })
        ),
        (any::<u16>(), any::<u8>(), any::<u8>(), bytes(300)).prop_map(
            |(flags, protocol, algorithm, public_key)| RData::Dnskey(Dnskey {
                flags,
                protocol,
                algorithm,
                public_key,
            })
        ),
        (
            any::<(u16, u8, u8, u32, u32, u32, u16)>(),
            name(),
            bytes(300)
        )
            .prop_map(
                |((t, algorithm, labels, ottl, exp, inc, key_tag), signer, signature)| {
                    RData::Rrsig(Rrsig {
                        type_covered: RecordType(t),
                        algorithm,
                        labels,
                        original_ttl: ottl,
                        expiration: exp,
                        inception: inc,
                        key_tag,
                        signer,
                        signature,
                    })
                }
            ),
        (name(), type_list()).prop_map(|(next, types)| RData::Nsec(Nsec { next, types })),
        (
            any::<(u8, u8, u16)>(),
            bytes(255),
            prop_oneof![bytes(255), Just(vec![0xA5; 20])],
            type_list()
        )
            .prop_map(|((hash_algorithm, flags, iterations), salt, next, types)| {
                RData::Nsec3(Nsec3 {
                    hash_algorithm,
                    flags,
                    iterations,
                    salt,
                    next_hashed_owner: next,
                    types,
                })
            }),
        (any::<(u8, u8, u16)>(), bytes(255)).prop_map(
            |((hash_algorithm, flags, iterations), salt)| RData::Nsec3param(Nsec3param {
                hash_algorithm,
                flags,
                iterations,
                salt,
            })
        ),
        (
            any::<u16>().prop_filter("modelled type", |t| !MODELLED_TYPES
                .contains(&RecordType(*t))),
            bytes(100)
        )
            .prop_map(|(t, data)| RData::Unknown {
                rtype: RecordType(t),
                data,
            }),
    ]
}

/// A record of any class, TTL and data.
pub fn record() -> impl Strategy<Value = Record> {
    (
        name(),
        prop_oneof![3 => Just(Class::IN), 1 => any::<u16>().prop_map(Class)],
        any::<u32>(),
        rdata(),
    )
        .prop_map(|(name, class, ttl, data)| Record {
            name,
            class,
            ttl,
            data,
        })
}

/// A question of any type and class.
pub fn question() -> impl Strategy<Value = Question> {
    (name(), any::<u16>(), any::<u16>()).prop_map(|(name, t, c)| Question {
        name,
        qtype: RecordType(t),
        qclass: Class(c),
    })
}

/// A header with every flag, opcode and 4-bit rcode.
pub fn header() -> impl Strategy<Value = Header> {
    (any::<u16>(), any::<[bool; 8]>(), 0u8..16, 0u8..16).prop_map(|(id, f, opcode, rcode)| Header {
        id,
        response: f[0],
        opcode: Opcode(opcode),
        authoritative: f[1],
        truncated: f[2],
        recursion_desired: f[3],
        recursion_available: f[4],
        z: f[5],
        authentic_data: f[6],
        checking_disabled: f[7],
        rcode_low: rcode,
    })
}

/// Up to 3 EDNS options of any kind, shaped as their RFC requires, and sometimes one that is
/// not (a cookie of 5 octets, non-zero padding), which reads back as [`EdnsOption::Unknown`].
pub fn edns_options() -> impl Strategy<Value = EdnsOptions> {
    let option = prop_oneof![
        bytes(20).prop_map(|data| (3, data)),
        (
            any::<[u8; 8]>(),
            prop_oneof![Just(Vec::new()), vec(any::<u8>(), 8..=32)]
        )
            .prop_map(|(client, server)| (10, [&client[..], &server].concat())),
        (any::<u16>(), "\\PC{0,20}").prop_map(|(info_code, text): (u16, String)| {
            (15, [&info_code.to_be_bytes()[..], text.as_bytes()].concat())
        }),
        (0usize..100).prop_map(|n| (12, vec![0; n])),
        any::<u16>().prop_map(|code| (code, vec![1; 5])),
        (any::<u16>(), bytes(30)),
    ];
    vec(option, 0..4).prop_map(|options| {
        let mut all = EdnsOptions::new();
        for (code, data) in &options {
            // Every generated option is far below the 65535-octet limit.
            let _ = all.push(EdnsOption::Unknown { code: *code, data });
        }
        all
    })
}

/// An OPT record's content.
pub fn edns() -> impl Strategy<Value = Edns> {
    (
        any::<u16>(),
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        0u16..0x8000,
        edns_options(),
    )
        .prop_map(
            |(udp_payload_size, extended_rcode, version, dnssec_ok, other_flags, options)| Edns {
                udp_payload_size,
                extended_rcode,
                version,
                dnssec_ok,
                other_flags,
                options,
            },
        )
}

/// A whole message: up to 3 questions, 8 answers, 5 authority and 5 additional records, and
/// an OPT record half of the time.
pub fn message() -> impl Strategy<Value = Message> {
    (
        header(),
        vec(question(), 0..=3),
        vec(record(), 0..=8),
        vec(record(), 0..=5),
        vec(record(), 0..=5),
        option::of(edns()),
    )
        .prop_map(
            |(header, questions, answers, authority, additional, edns)| Message {
                header,
                questions: questions.into(),
                answers,
                authority,
                additional,
                edns,
            },
        )
}
