//! Encoder behaviour: where names are compressed, the bounded compression table, limits, and
//! what strict and lenient encoding do with models that do not fit the wire.

use dns_wire::{
    Caa, EdnsOption, EncodeError, Message, Name, Nsec, Nsec3, RData, Record, RecordType, Rrsig,
    Srv, Txt, MAX_COMPRESSION_TARGETS,
};

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

/// Every compression pointer in the message's names, as (offset of the pointer, target),
/// walking the wire independently of the crate's parser. Knows the name-bearing rdata of the
/// types used in these tests.
fn pointers(bytes: &[u8]) -> Vec<(usize, usize)> {
    fn walk_name(bytes: &[u8], mut pos: usize, out: &mut Vec<(usize, usize)>) -> usize {
        loop {
            let b = bytes[pos];
            if b == 0 {
                return pos + 1;
            }
            if b >= 0xC0 {
                out.push((
                    pos,
                    (usize::from(b & 0x3F) << 8) | usize::from(bytes[pos + 1]),
                ));
                return pos + 2;
            }
            pos += 1 + usize::from(b);
        }
    }
    let count = |k: usize| usize::from(u16::from_be_bytes([bytes[k], bytes[k + 1]]));
    let (qd, rr) = (count(4), count(6) + count(8) + count(10));
    let mut out = Vec::new();
    let mut pos = 12;
    for _ in 0..qd {
        pos = walk_name(bytes, pos, &mut out) + 4;
    }
    for _ in 0..rr {
        pos = walk_name(bytes, pos, &mut out);
        let rtype = count(pos);
        let rdlength = count(pos + 8);
        let rdata = pos + 10;
        match rtype {
            2 | 5 | 12 | 39 => {
                walk_name(bytes, rdata, &mut out);
            }
            15 => {
                walk_name(bytes, rdata + 2, &mut out);
            }
            6 => {
                let next = walk_name(bytes, rdata, &mut out);
                walk_name(bytes, next, &mut out);
            }
            33 => {
                walk_name(bytes, rdata + 6, &mut out);
            }
            46 => {
                walk_name(bytes, rdata + 18, &mut out);
            }
            47 => {
                walk_name(bytes, rdata, &mut out);
            }
            _ => {}
        }
        pos = rdata + rdlength;
    }
    out
}

fn response(records: Vec<Record>) -> Message {
    let mut m = Message::query(1, n("example.com"), RecordType::ANY);
    m.header.response = true;
    m.edns = None;
    m.answers = records;
    m
}

#[test]
fn rfc1035_names_are_compressed() {
    let m = response(vec![
        Record::new(n("example.com"), 60, RData::Ns(n("ns1.example.com"))),
        Record::new(n("example.com"), 60, RData::Cname(n("ns1.example.com"))),
        Record::new(
            n("example.com"),
            60,
            RData::Mx(dns_wire::Mx {
                preference: 1,
                exchange: n("mx.example.com"),
            }),
        ),
        Record::new(n("example.com"), 60, RData::Ptr(n("example.com"))),
    ]);
    let bytes = m.to_bytes();
    let ptrs = pointers(&bytes);
    // 4 owners + NS "ns1" + ptr, CNAME fully, MX "mx" + ptr, PTR fully.
    assert_eq!(ptrs.len(), 8, "{ptrs:?}");
    assert!(ptrs.iter().all(|&(at, to)| to < at));
    assert_eq!(Message::from_bytes(&bytes).unwrap(), m);
}

#[test]
fn names_in_later_types_are_never_compressed_nor_pointed_into() {
    let target = n("sip.example.com");
    let m = response(vec![
        Record::new(
            n("example.com"),
            60,
            RData::Srv(Srv {
                priority: 0,
                weight: 0,
                port: 5060,
                target: target.clone(),
            }),
        ),
        Record::new(n("example.com"), 60, RData::Dname(target.clone())),
        Record::new(
            n("example.com"),
            60,
            RData::Rrsig(Rrsig {
                type_covered: RecordType::A,
                algorithm: 13,
                labels: 2,
                original_ttl: 60,
                expiration: 2,
                inception: 1,
                key_tag: 7,
                signer: n("example.com"),
                signature: vec![1, 2, 3],
            }),
        ),
        Record::new(
            n("example.com"),
            60,
            RData::Nsec(Nsec {
                next: target.clone(),
                types: vec![RecordType::A],
            }),
        ),
        // A CNAME to the same target, written after them: it must not point into their rdata.
        Record::new(n("example.com"), 60, RData::Cname(target.clone())),
    ]);
    let bytes = m.to_bytes();
    let full = b"\x03sip\x07example\x03com\x00";
    let occurrences = bytes.windows(full.len()).filter(|w| w == full).count();
    // SRV, DNAME, NSEC each carry the whole name; the CNAME writes "sip" + pointer to the
    // question name, which is not inside any of those rdata.
    assert_eq!(occurrences, 3);
    let signer_full = b"\x07example\x03com\x00\x01\x02\x03";
    assert!(bytes.windows(signer_full.len()).any(|w| w == signer_full));
    for (at, to) in pointers(&bytes) {
        assert!(to == 12 || to < 12 + 17, "pointer at {at} to {to}");
    }
    assert_eq!(Message::from_bytes(&bytes).unwrap(), m);
}

#[test]
fn compression_keeps_case() {
    let m = response(vec![
        Record::new(n("Example.COM"), 60, RData::Cname(n("www.EXAMPLE.com"))),
        Record::new(n("example.com"), 60, RData::Ptr(n("WWW.EXAMPLE.com"))),
    ]);
    let parsed = Message::from_bytes(&m.to_bytes()).unwrap();
    for (a, b) in parsed.records().zip(m.records()) {
        assert_eq!(a.to_string(), b.to_string());
    }
}

#[test]
fn the_compression_table_is_bounded() {
    // The hickory-proto CVE-2024-8508 benchmark shape: 2000 PTR records l{i}.l{j}.l{k}.example.
    let mut records = Vec::new();
    for i in 0..2000 {
        let owner = n(&format!(
            "l{}.l{}.l{}.example",
            i % 10,
            (i / 10) % 10,
            i / 100
        ));
        let target = n(&format!("t{i}.example"));
        records.push(Record::new(owner, 60, RData::Ptr(target)));
    }
    let m = response(records);
    let bytes = m.try_to_bytes().unwrap();
    assert_eq!(Message::from_bytes(&bytes).unwrap(), m);
    // The question and the first 59 records hold the first 119 compressible names, the 60th
    // owner is the 120th: every pointer targets a name written no later than that.
    let mut prefix = m.clone();
    prefix.answers.truncate(60);
    let limit = prefix.to_bytes().len();
    let ptrs = pointers(&bytes);
    assert!(ptrs.len() > 2000, "later names still use the table");
    assert!(ptrs.iter().all(|&(_, to)| to < limit));
    assert_eq!(MAX_COMPRESSION_TARGETS, 120);
}

#[test]
fn pointers_only_address_the_first_16k() {
    // 200 TXT records of ~100 octets push later names past offset 0x4000.
    let mut records = Vec::new();
    for i in 0..200 {
        records.push(Record::new(
            n(&format!("r{}.example.com", i % 150)),
            60,
            RData::Txt(Txt::new([[b'x'; 100]])),
        ));
    }
    let m = response(records);
    let bytes = m.to_bytes();
    assert!(bytes.len() > 0x4000);
    assert!(pointers(&bytes).iter().all(|&(_, to)| to < 0x4000));
    assert_eq!(Message::from_bytes(&bytes).unwrap(), m);
}

#[test]
fn over_long_txt_strings_are_split_or_refused() {
    let long = vec![b'k'; 300];
    let m = response(vec![Record::new(
        n("s._domainkey.example.com"),
        60,
        RData::Txt(Txt::new([&long])),
    )]);
    assert_eq!(
        m.try_to_bytes(),
        Err(EncodeError::TxtStringTooLong {
            owner: "s._domainkey.example.com.".to_string(),
            len: 300
        })
    );
    let parsed = Message::from_bytes(&m.to_bytes()).unwrap();
    let RData::Txt(txt) = &parsed.answers[0].data else {
        panic!("not TXT")
    };
    assert_eq!(txt.len(), 2);
    assert_eq!(txt.strings().next().unwrap().len(), 255);
    assert_eq!(txt.concatenated(), long);
}

#[test]
fn other_over_long_fields_are_refused_or_truncated() {
    let caa = response(vec![Record::new(
        n("example.com"),
        60,
        RData::Caa(Caa {
            flags: 0,
            tag: vec![b't'; 256],
            value: b"x".to_vec(),
        }),
    )]);
    assert!(matches!(
        caa.try_to_bytes(),
        Err(EncodeError::FieldTooLong {
            field: "tag",
            len: 256,
            ..
        })
    ));
    let RData::Caa(read) = &Message::from_bytes(&caa.to_bytes()).unwrap().answers[0].data else {
        panic!("not CAA")
    };
    assert_eq!(read.tag.len(), 255);

    let nsec3 = response(vec![Record::new(
        n("example.com"),
        60,
        RData::Nsec3(Nsec3 {
            hash_algorithm: 1,
            flags: 0,
            iterations: 0,
            salt: vec![0; 256],
            next_hashed_owner: vec![1; 20],
            types: vec![],
        }),
    )]);
    assert!(matches!(
        nsec3.try_to_bytes(),
        Err(EncodeError::FieldTooLong { field: "salt", .. })
    ));
    assert!(Message::from_bytes(&nsec3.to_bytes()).is_ok());

    let big = response(vec![Record::new(
        n("example.com"),
        60,
        RData::Unknown {
            rtype: RecordType(65280),
            data: vec![7; 70_000],
        },
    )]);
    assert!(matches!(
        big.try_to_bytes(),
        Err(EncodeError::RdataTooLong { len: 70_000, .. })
    ));
    let read = Message::from_bytes(&big.to_bytes()).unwrap();
    assert_eq!(
        read.answers[0].data,
        RData::Unknown {
            rtype: RecordType(65280),
            data: vec![7; 65535]
        }
    );

    // TXT and OPT data over 65535 octets are cut at a whole string or option.
    let many = response(vec![Record::new(
        n("example.com"),
        60,
        RData::Txt(Txt::new(vec![[b's'; 255]; 300])),
    )]);
    assert!(matches!(
        many.try_to_bytes(),
        Err(EncodeError::RdataTooLong { len: 76_800, .. })
    ));
    let RData::Txt(read) = &Message::from_bytes(&many.to_bytes()).unwrap().answers[0].data else {
        panic!("not TXT")
    };
    assert_eq!(read.len(), 65535 / 256);
    let mut options = Message::query(1, n("example.com"), RecordType::A);
    options.edns.as_mut().unwrap().options = [EdnsOption::Nsid(&[1; 30_000]); 3]
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(matches!(
        options.try_to_bytes(),
        Err(EncodeError::RdataTooLong { .. })
    ));
    let read = Message::from_bytes(&options.to_bytes()).unwrap();
    assert_eq!(read.edns.unwrap().options.len(), 2);

    // An option the wire cannot carry is refused when it is added to the model.
    let mut opt = Message::query(1, n("example.com"), RecordType::A);
    assert_eq!(
        opt.edns
            .as_mut()
            .unwrap()
            .options
            .push(EdnsOption::Nsid(&[0; 65_536])),
        Err(EncodeError::OptionTooLong {
            code: 3,
            len: 65_536
        })
    );
    assert!(opt.edns.unwrap().options.is_empty());

    let huge = response(
        (0..3)
            .map(|_| {
                Record::new(
                    n("example.com"),
                    60,
                    RData::Unknown {
                        rtype: RecordType(65280),
                        data: vec![0; 30_000],
                    },
                )
            })
            .collect(),
    );
    assert!(matches!(
        huge.try_to_bytes(),
        Err(EncodeError::MessageTooLong { .. })
    ));
    assert!(huge.to_bytes().len() > 90_000);
}

#[test]
fn type_lists_are_written_canonically() {
    let m = response(vec![Record::new(
        n("example.com"),
        60,
        RData::Nsec(Nsec {
            next: n("a.example.com"),
            types: vec![
                RecordType::NSEC,
                RecordType::A,
                RecordType::A,
                RecordType(1234),
            ],
        }),
    )]);
    let RData::Nsec(read) = &Message::from_bytes(&m.to_bytes()).unwrap().answers[0].data else {
        panic!("not NSEC")
    };
    assert_eq!(
        read.types,
        vec![RecordType::A, RecordType::NSEC, RecordType(1234)]
    );
}

#[test]
fn query_builders() {
    let plain = Message::query_without_edns(3, n("example.com"), RecordType::NS);
    let bytes = plain.to_bytes();
    assert_eq!(&bytes[..12], &[0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(Message::from_bytes(&bytes).unwrap().edns, None);

    let mut q = Message::query(4, n("example.com"), RecordType::DNSKEY);
    assert!(!q.dnssec_ok());
    q.set_dnssec_ok(true);
    assert!(Message::from_bytes(&q.to_bytes()).unwrap().dnssec_ok());
    let mut no_edns = plain.clone();
    no_edns.set_dnssec_ok(false);
    assert_eq!(no_edns.edns, None);

    let r = q.response();
    assert!(r.header.response);
    assert_eq!(r.header.id, 4);
    assert_eq!(r.questions, q.questions);
    assert!(r.dnssec_ok());
    assert!(r.answers.is_empty());
}
