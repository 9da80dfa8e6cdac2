//! One test per record type: known wire bytes parse to the expected model, encode back to the
//! same bytes, and print in zone-file form.

use std::net::{Ipv4Addr, Ipv6Addr};

use dns_wire::{
    Caa, Class, Dnskey, Ds, Edns, EdnsOption, Message, Mx, Name, Nsec, Nsec3, Nsec3param, RData,
    Record, RecordType, Rrsig, Soa, Srv, Txt,
};

/// `example.com.` uncompressed.
const OWNER: &[u8] = b"\x07example\x03com\x00";

/// A response with one answer owned by `example.com.` (at offset 12), TTL 3600, class IN.
fn one_answer(rtype: u16, rdata: &[u8]) -> Vec<u8> {
    let mut m = vec![0x12, 0x34, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0];
    m.extend_from_slice(OWNER);
    m.extend_from_slice(&rtype.to_be_bytes());
    m.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
    m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    m.extend_from_slice(rdata);
    m
}

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

/// Parses, compares with `expected`, re-encodes to the same bytes, checks the display.
fn check(rtype: RecordType, rdata: &[u8], expected: RData, text: &str) {
    let bytes = one_answer(rtype.0, rdata);
    let msg = Message::from_bytes(&bytes).unwrap_or_else(|e| panic!("{rtype}: {e}"));
    assert_eq!(msg.answers.len(), 1);
    let record = &msg.answers[0];
    assert_eq!(record.data, expected, "{rtype}");
    assert_eq!(record.rtype(), rtype);
    assert_eq!(record.class, Class::IN);
    assert_eq!(record.ttl, 3600);
    assert_eq!(msg.to_bytes(), bytes, "{rtype} re-encodes byte for byte");
    assert_eq!(msg.try_to_bytes().unwrap(), bytes);
    assert_eq!(record.data.to_string(), text, "{rtype} display");
    assert_eq!(
        record.to_string(),
        format!("example.com.\t3600\tIN\t{rtype}\t{text}")
    );
}

#[test]
fn a() {
    check(
        RecordType::A,
        &[192, 0, 2, 1],
        RData::A(Ipv4Addr::new(192, 0, 2, 1)),
        "192.0.2.1",
    );
}

#[test]
fn aaaa() {
    let mut v6 = [0u8; 16];
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[2] = 0x0d;
    v6[3] = 0xb8;
    v6[15] = 1;
    check(
        RecordType::AAAA,
        &v6,
        RData::Aaaa(Ipv6Addr::from(v6)),
        "2001:db8::1",
    );
}

#[test]
fn ns_cname_ptr_are_compressed_against_the_owner() {
    // "ns1" + pointer to example.com at offset 12.
    let rdata = b"\x03ns1\xc0\x0c";
    check(
        RecordType::NS,
        rdata,
        RData::Ns(n("ns1.example.com")),
        "ns1.example.com.",
    );
    check(
        RecordType::CNAME,
        rdata,
        RData::Cname(n("ns1.example.com")),
        "ns1.example.com.",
    );
    check(
        RecordType::PTR,
        rdata,
        RData::Ptr(n("ns1.example.com")),
        "ns1.example.com.",
    );
}

#[test]
fn dname_is_never_compressed_but_read_if_compressed() {
    let plain = b"\x03ns1\x07example\x03com\x00";
    check(
        RecordType::DNAME,
        plain,
        RData::Dname(n("ns1.example.com")),
        "ns1.example.com.",
    );
    // A compressed DNAME target is tolerated on read and written back uncompressed.
    let bytes = one_answer(RecordType::DNAME.0, b"\x03ns1\xc0\x0c");
    let msg = Message::from_bytes(&bytes).unwrap();
    assert_eq!(msg.answers[0].data, RData::Dname(n("ns1.example.com")));
    assert_eq!(msg.to_bytes(), one_answer(RecordType::DNAME.0, plain));
}

#[test]
fn soa() {
    let mut rdata = b"\x03ns1\xc0\x0c\x0ahostmaster\xc0\x0c".to_vec();
    for v in [2024010101u32, 7200, 3600, 1209600, 300] {
        rdata.extend_from_slice(&v.to_be_bytes());
    }
    check(
        RecordType::SOA,
        &rdata,
        RData::Soa(Soa {
            mname: n("ns1.example.com"),
            rname: n("hostmaster.example.com"),
            serial: 2024010101,
            refresh: 7200,
            retry: 3600,
            expire: 1209600,
            minimum: 300,
        }),
        "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300",
    );
}

#[test]
fn mx() {
    check(
        RecordType::MX,
        b"\x00\x0a\x02mx\xc0\x0c",
        RData::Mx(Mx {
            preference: 10,
            exchange: n("mx.example.com"),
        }),
        "10 mx.example.com.",
    );
}

#[test]
fn txt_keeps_every_string_and_escapes() {
    let mut rdata = vec![7];
    rdata.extend_from_slice(b"v=DKIM1");
    rdata.push(255);
    rdata.extend_from_slice(&[b'A'; 255]);
    rdata.push(0); // an empty string
    rdata.push(4);
    rdata.extend_from_slice(b"\"\\\x01\xff");
    let expected = RData::Txt(Txt::new([
        &b"v=DKIM1"[..],
        &[b'A'; 255],
        b"",
        b"\"\\\x01\xff",
    ]));
    let text = format!(
        "\"v=DKIM1\" \"{}\" \"\" \"\\\"\\\\\\001\\255\"",
        "A".repeat(255)
    );
    check(RecordType::TXT, &rdata, expected, &text);
}

#[test]
fn srv_target_is_not_compressed() {
    let mut rdata = vec![0, 10, 0, 60, 0x01, 0xbb];
    rdata.extend_from_slice(b"\x03sip\x07example\x03com\x00");
    check(
        RecordType::SRV,
        &rdata,
        RData::Srv(Srv {
            priority: 10,
            weight: 60,
            port: 443,
            target: n("sip.example.com"),
        }),
        "10 60 443 sip.example.com.",
    );
}

#[test]
fn caa() {
    let mut rdata = vec![0, 5];
    rdata.extend_from_slice(b"issueletsencrypt.org");
    check(
        RecordType::CAA,
        &rdata,
        RData::Caa(Caa {
            flags: 0,
            tag: b"issue".to_vec(),
            value: b"letsencrypt.org".to_vec(),
        }),
        "0 issue \"letsencrypt.org\"",
    );
}

#[test]
fn ds() {
    let digest: Vec<u8> = (0..32).collect();
    let mut rdata = vec![0x4f, 0x66, 13, 2];
    rdata.extend_from_slice(&digest);
    check(
        RecordType::DS,
        &rdata,
        RData::Ds(Ds {
            key_tag: 20326,
            algorithm: 13,
            digest_type: 2,
            digest,
        }),
        "20326 13 2 000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
    );
}

#[test]
fn dnskey() {
    let mut rdata = vec![0x01, 0x01, 3, 8];
    rdata.extend_from_slice(b"hello");
    check(
        RecordType::DNSKEY,
        &rdata,
        RData::Dnskey(Dnskey {
            flags: 257,
            protocol: 3,
            algorithm: 8,
            public_key: b"hello".to_vec(),
        }),
        "257 3 8 aGVsbG8=",
    );
}

#[test]
fn rrsig_signer_is_not_compressed() {
    let mut rdata = vec![0, 1, 13, 2];
    rdata.extend_from_slice(&3600u32.to_be_bytes());
    rdata.extend_from_slice(&1_700_000_000u32.to_be_bytes()); // 2023-11-14 22:13:20
    rdata.extend_from_slice(&0u32.to_be_bytes()); // 1970-01-01 00:00:00
    rdata.extend_from_slice(&[0x9b, 0x4d]);
    rdata.extend_from_slice(OWNER);
    rdata.extend_from_slice(b"sig");
    check(
        RecordType::RRSIG,
        &rdata,
        RData::Rrsig(Rrsig {
            type_covered: RecordType::A,
            algorithm: 13,
            labels: 2,
            original_ttl: 3600,
            expiration: 1_700_000_000,
            inception: 0,
            key_tag: 39757,
            signer: n("example.com"),
            signature: b"sig".to_vec(),
        }),
        "A 13 2 3600 20231114221320 19700101000000 39757 example.com. c2ln",
    );
}

#[test]
fn nsec_bitmap() {
    // next = a.example.com, types A(1) MX(15) RRSIG(46) NSEC(47) TYPE1234 (window 4, 0xD2).
    let mut rdata = b"\x01a\x07example\x03com\x00".to_vec();
    rdata.extend_from_slice(&[0, 6, 0x40, 0x01, 0, 0, 0, 0x03]);
    rdata.extend_from_slice(&[4, 27]);
    let mut window4 = [0u8; 27];
    window4[26] = 0x20; // 0xD2 = 210 = 26*8 + 2
    rdata.extend_from_slice(&window4);
    check(
        RecordType::NSEC,
        &rdata,
        RData::Nsec(Nsec {
            next: n("a.example.com"),
            types: vec![
                RecordType::A,
                RecordType::MX,
                RecordType::RRSIG,
                RecordType::NSEC,
                RecordType(1234),
            ],
        }),
        "a.example.com. A MX RRSIG NSEC TYPE1234",
    );
}

#[test]
fn nsec3() {
    let hash: Vec<u8> = vec![0x0A, 0xBF, 0xFD, 0x5C, 0xE4, 0x1F, 0x9A, 0x97, 0x66, 0x39];
    let mut rdata = vec![1, 1, 0, 10, 2, 0xAB, 0xCD, hash.len() as u8];
    rdata.extend_from_slice(&hash);
    rdata.extend_from_slice(&[0, 1, 0x40]); // A
    check(
        RecordType::NSEC3,
        &rdata,
        RData::Nsec3(Nsec3 {
            hash_algorithm: 1,
            flags: 1,
            iterations: 10,
            salt: vec![0xAB, 0xCD],
            next_hashed_owner: hash,
            types: vec![RecordType::A],
        }),
        "1 1 10 ABCD 1AVVQN743UD9EPHP A",
    );
}

#[test]
fn nsec3_partial_base32_group_and_empty_salt() {
    let rdata = [1, 0, 0, 0, 0, 1, 0xff];
    check(
        RecordType::NSEC3,
        &rdata,
        RData::Nsec3(Nsec3 {
            hash_algorithm: 1,
            flags: 0,
            iterations: 0,
            salt: Vec::new(),
            next_hashed_owner: vec![0xff],
            types: Vec::new(),
        }),
        "1 0 0 - VS",
    );
}

#[test]
fn nsec3param_with_and_without_salt() {
    check(
        RecordType::NSEC3PARAM,
        &[1, 0, 0, 10, 2, 0xAB, 0xCD],
        RData::Nsec3param(Nsec3param {
            hash_algorithm: 1,
            flags: 0,
            iterations: 10,
            salt: vec![0xAB, 0xCD],
        }),
        "1 0 10 ABCD",
    );
    check(
        RecordType::NSEC3PARAM,
        &[1, 0, 0, 0, 0],
        RData::Nsec3param(Nsec3param {
            hash_algorithm: 1,
            flags: 0,
            iterations: 0,
            salt: Vec::new(),
        }),
        "1 0 0 -",
    );
}

#[test]
fn unknown_type_is_kept_byte_for_byte() {
    // TYPE65534 with bytes that look like a compression pointer: never interpreted.
    check(
        RecordType(65534),
        &[0xc0, 0x0c, 0x00, 0xff],
        RData::Unknown {
            rtype: RecordType(65534),
            data: vec![0xc0, 0x0c, 0x00, 0xff],
        },
        "\\# 4 C00C00FF",
    );
    check(
        RecordType::HINFO,
        &[],
        RData::Unknown {
            rtype: RecordType::HINFO,
            data: Vec::new(),
        },
        "\\# 0",
    );
}

#[test]
fn opt_is_lifted_with_every_option() {
    let mut msg = Message::query(1, n("example.com"), RecordType::TXT);
    msg.set_rcode(dns_wire::Rcode::BADCOOKIE);
    msg.edns = Some(Edns {
        udp_payload_size: 4096,
        extended_rcode: 1,
        version: 0,
        dnssec_ok: true,
        other_flags: 0,
        options: [
            EdnsOption::Nsid(b"ns1"),
            EdnsOption::Cookie {
                client: [1, 2, 3, 4, 5, 6, 7, 8],
                server: &[9; 16],
            },
            EdnsOption::ExtendedError {
                info_code: 22,
                extra_text: "no reachable authority",
            },
            EdnsOption::Padding(3),
            EdnsOption::Unknown {
                code: 65001,
                data: &[1, 2],
            },
        ]
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap(),
    });
    let bytes = msg.to_bytes();
    // OPT is the last record: root owner, type 41, class 4096, TTL 0x01008000.
    // Options: NSID 4+3, cookie 4+24, EDE 4+2+22, padding 4+3, unknown 4+2 = 76 octets.
    let opt_start = bytes.len() - 11 - 76;
    assert_eq!(
        &bytes[opt_start..opt_start + 11],
        &[0, 0, 41, 0x10, 0, 0x01, 0x00, 0x80, 0x00, 0, 76]
    );
    let parsed = Message::from_bytes(&bytes).unwrap();
    assert_eq!(parsed, msg);
    assert_eq!(parsed.rcode(), dns_wire::Rcode::BADCOOKIE);
    assert!(parsed.additional.is_empty());
    let text = parsed.to_string();
    assert!(text.contains("status: BADCOOKIE"), "{text}");
    assert!(
        text.contains("; EDE: 22 (No Reachable Authority): (\"no reachable authority\")"),
        "{text}"
    );
    assert!(
        text.contains("; EDNS: version: 0, flags: do; udp: 4096"),
        "{text}"
    );
    assert!(text.contains("\n; NSID: 6e 73 31 (\"ns1\")\n"), "{text}");
    assert!(
        text.contains("\n; COOKIE: 010203040506070809090909090909090909090909090909\n"),
        "{text}"
    );
    assert!(
        text.contains("\n; PADDING: 3\n; OPT=65001: 0102\n"),
        "{text}"
    );
    let mut odd = parsed.edns.clone().unwrap();
    odd.other_flags = 5;
    odd.options.clear();
    assert_eq!(
        odd.to_string(),
        "EDNS: version: 0, flags: do; MBZ: 0x0005, udp: 4096"
    );
}

#[test]
fn malformed_options_are_kept_raw() {
    // A 5-octet cookie, non-zero padding, a 1-octet EDE: kept as Unknown, written back as is.
    let mut msg = Message::query(1, n("example.com"), RecordType::A);
    let odd = [
        EdnsOption::Unknown {
            code: 10,
            data: &[1, 2, 3, 4, 5],
        },
        EdnsOption::Unknown {
            code: 12,
            data: &[0, 1],
        },
        EdnsOption::Unknown {
            code: 15,
            data: &[7],
        },
    ];
    msg.edns.as_mut().unwrap().options = odd.into_iter().collect::<Result<_, _>>().unwrap();
    let parsed = Message::from_bytes(&msg.to_bytes()).unwrap();
    let edns = parsed.edns.unwrap();
    assert_eq!(edns.options.iter().collect::<Vec<_>>(), odd);
    // Shaped as their RFC gives, the same codes read as typed options.
    let mut typed = dns_wire::EdnsOptions::new();
    typed
        .push(EdnsOption::Unknown {
            code: 10,
            data: &[1; 16],
        })
        .unwrap();
    assert_eq!(
        typed.iter().next(),
        Some(EdnsOption::Cookie {
            client: [1; 8],
            server: &[1; 8]
        })
    );
}

#[test]
fn header_flags_round_trip_one_by_one() {
    let base = Message::query(0xBEEF, n("example.com"), RecordType::A);
    for bit in 0..16 {
        let mut bytes = base.to_bytes();
        let flags = u16::from_be_bytes([bytes[2], bytes[3]]) | (1 << bit);
        bytes[2..4].copy_from_slice(&flags.to_be_bytes());
        let parsed = Message::from_bytes(&bytes).unwrap();
        assert_eq!(parsed.to_bytes(), bytes, "flag bit {bit}");
    }
}

#[test]
fn question_and_record_display() {
    let q = dns_wire::Question::new(n("Example.com"), RecordType::DNSKEY);
    assert_eq!(q.to_string(), "Example.com.\tIN\tDNSKEY");
    let r = Record {
        name: n("a.b"),
        class: Class(3),
        ttl: 0,
        data: RData::A(Ipv4Addr::LOCALHOST),
    };
    assert_eq!(r.to_string(), "a.b.\t0\tCH\tA\t127.0.0.1");
}
