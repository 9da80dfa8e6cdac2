//! Messages the parser must refuse, each with the kind and offset it reports.

use dns_wire::{Message, Name, ParseError, ParseErrorKind, RData, RecordType, MAX_POINTER_HOPS};

/// A header with the given counts (ID 1, a response).
fn header(qd: u16, an: u16, ns: u16, ar: u16) -> Vec<u8> {
    let mut m = vec![0, 1, 0x80, 0];
    for c in [qd, an, ns, ar] {
        m.extend_from_slice(&c.to_be_bytes());
    }
    m
}

/// A record tail: type, class IN, TTL 60, rdlength, rdata.
fn tail(rtype: u16, rdlength: u16, rdata: &[u8]) -> Vec<u8> {
    let mut m = rtype.to_be_bytes().to_vec();
    m.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
    m.extend_from_slice(&rdlength.to_be_bytes());
    m.extend_from_slice(rdata);
    m
}

fn err(bytes: &[u8]) -> ParseError {
    match Message::from_bytes(bytes) {
        Ok(m) => panic!("accepted a malformed message: {m:?}"),
        Err(e) => e,
    }
}

fn kind_at(bytes: &[u8], kind: ParseErrorKind, offset: usize) {
    let e = err(bytes);
    assert_eq!((e.kind, e.offset), (kind, offset), "{e}");
}

#[test]
fn short_header() {
    kind_at(&[0; 11], ParseErrorKind::Truncated, 0);
    kind_at(&[], ParseErrorKind::Truncated, 0);
}

#[test]
fn counts_that_lie_are_refused_without_reserving_memory() {
    kind_at(&header(0, 65535, 0, 0), ParseErrorKind::Truncated, 12);
    kind_at(
        &header(65535, 65535, 65535, 65535),
        ParseErrorKind::Truncated,
        12,
    );
    let mut m = header(2, 0, 0, 0);
    m.extend_from_slice(b"\x00\x00\x01\x00\x01"); // one root question, then nothing
    kind_at(&m, ParseErrorKind::Truncated, 17);
}

#[test]
fn truncated_rdata() {
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(1, 4, &[192, 0]));
    kind_at(&m, ParseErrorKind::Truncated, 23);
}

#[test]
fn rdlength_overrun_and_underrun() {
    let a = RecordType::A;
    for (rdlength, rdata, kind, offset) in [
        (
            3u16,
            &[1u8, 2, 3][..],
            ParseErrorKind::RdataOverrun { rtype: a },
            23,
        ),
        (
            5,
            &[1, 2, 3, 4, 5][..],
            ParseErrorKind::RdataUnderrun {
                rtype: a,
                unused: 1,
            },
            27,
        ),
    ] {
        let mut m = header(0, 1, 0, 0);
        m.push(0);
        m.extend_from_slice(&tail(1, rdlength, rdata));
        kind_at(&m, kind, offset);
    }
    // An MX whose name runs past rdlength, although the message goes on.
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(15, 4, b"\x00\x0a\x02mx\x00"));
    kind_at(
        &m,
        ParseErrorKind::RdataOverrun {
            rtype: RecordType::MX,
        },
        27,
    );
    // A SOA missing its last field.
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(6, 18, &[0; 18]));
    kind_at(
        &m,
        ParseErrorKind::RdataOverrun {
            rtype: RecordType::SOA,
        },
        25,
    );
}

#[test]
fn nsec3param_salt_lengths_are_checked() {
    // The salt claims 4 octets, 2 follow.
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(51, 7, &[1, 0, 0, 1, 4, 0xAB, 0xCD]));
    kind_at(
        &m,
        ParseErrorKind::RdataOverrun {
            rtype: RecordType::NSEC3PARAM,
        },
        28,
    );
    // An octet after the salt.
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(51, 6, &[1, 0, 0, 1, 0, 0xFF]));
    kind_at(
        &m,
        ParseErrorKind::RdataUnderrun {
            rtype: RecordType::NSEC3PARAM,
            unused: 1,
        },
        28,
    );
}

#[test]
fn pointer_loops() {
    // [C0 0C] at offset 12: points at itself.
    let mut m = header(1, 0, 0, 0);
    m.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
    kind_at(&m, ParseErrorKind::PointerLoop { target: 12 }, 12);
    // [01 41 C0 0C]: a label, then back to the start of the same name.
    let mut m = header(1, 0, 0, 0);
    m.extend_from_slice(&[1, b'A', 0xC0, 12, 0, 1, 0, 1]);
    kind_at(&m, ParseErrorKind::PointerLoop { target: 12 }, 14);
    // [C0 0E C0 0C]: the first pointer already points forwards.
    let mut m = header(1, 0, 0, 0);
    m.extend_from_slice(&[0xC0, 14, 0xC0, 12, 0, 1, 0, 1]);
    kind_at(&m, ParseErrorKind::PointerForward { target: 14 }, 12);
    // A CNAME target pointing at itself, inside rdata.
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(5, 2, &[0xC0, 23]));
    kind_at(&m, ParseErrorKind::PointerLoop { target: 23 }, 23);
}

#[test]
fn forward_and_out_of_message_pointers() {
    let mut m = header(1, 0, 0, 0);
    m.extend_from_slice(&[0xC0, 0x20, 0, 1, 0, 1]);
    kind_at(&m, ParseErrorKind::PointerForward { target: 0x20 }, 12);
    let mut m = header(1, 0, 0, 0);
    m.extend_from_slice(&[0xFF, 0xFF, 0, 1, 0, 1]);
    kind_at(&m, ParseErrorKind::PointerForward { target: 0x3FFF }, 12);
    // A pointer cut in half by the end of the message.
    let mut m = header(1, 0, 0, 0);
    m.push(0xC0);
    kind_at(&m, ParseErrorKind::Truncated, 13);
}

/// A message whose first answer is an opaque record holding `hops` pointers, each to the one
/// before it, the first to the question name `a.` at 12; the second answer's owner points to
/// the last of them, so reading it follows `hops + 1` pointers.
fn pointer_chain(hops: usize) -> Vec<u8> {
    let mut m = header(1, 2, 0, 0);
    m.extend_from_slice(&[1, b'a', 0, 0, 1, 0, 1]); // question a. A IN at 12
    let rdata_start = m.len() + 1 + 10; // root owner, fixed fields
    let mut chain = Vec::with_capacity(hops * 2);
    for k in 0..hops {
        let target = if k == 0 {
            12
        } else {
            rdata_start + 2 * (k - 1)
        };
        chain.extend_from_slice(&(0xC000 | target as u16).to_be_bytes());
    }
    m.push(0);
    m.extend_from_slice(&tail(65280, chain.len() as u16, &chain));
    let last = rdata_start + 2 * (hops - 1);
    m.extend_from_slice(&(0xC000 | last as u16).to_be_bytes());
    m.extend_from_slice(&tail(1, 4, &[127, 0, 0, 1]));
    m
}

#[test]
fn long_backward_chains_stop_at_the_hop_limit() {
    let ok = Message::from_bytes(&pointer_chain(MAX_POINTER_HOPS - 1)).unwrap();
    assert_eq!(ok.answers[1].name, "a".parse::<Name>().unwrap());
    let refused = pointer_chain(MAX_POINTER_HOPS);
    let e = err(&refused);
    assert_eq!(e.kind, ParseErrorKind::TooManyPointers, "{e}");
    // Thousands of hops, decoded on a thread with a tiny stack: the loop is iterative and
    // stops after MAX_POINTER_HOPS.
    let huge = pointer_chain(6000);
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || Message::from_bytes(&huge).map(|_| ()))
        .unwrap();
    let e = handle.join().unwrap().unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::TooManyPointers);
}

#[test]
fn reserved_label_types_and_label_64() {
    for byte in [0x40u8, 0x7F, 0x80, 0xBF] {
        let mut m = header(1, 0, 0, 0);
        m.push(byte);
        m.extend_from_slice(&[b'x'; 70]);
        kind_at(&m, ParseErrorKind::BadLabelType { byte }, 12);
    }
}

#[test]
fn name_over_255_octets() {
    // Four 63-octet labels: 4 * 64 + 1 = 257 octets.
    let mut m = header(1, 0, 0, 0);
    for _ in 0..4 {
        m.push(63);
        m.extend_from_slice(&[b'a'; 63]);
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    kind_at(&m, ParseErrorKind::NameTooLong, 12 + 3 * 64);
    // 255 exactly is fine: 3 * 64 + 62 + 1.
    let mut m = header(1, 0, 0, 0);
    for _ in 0..3 {
        m.push(63);
        m.extend_from_slice(&[b'a'; 63]);
    }
    m.push(61);
    m.extend_from_slice(&[b'b'; 61]);
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    let msg = Message::from_bytes(&m).unwrap();
    assert_eq!(msg.questions[0].name.wire_len(), 255);
    // Over the limit only once decompressed: 2 labels + pointer to a 193-octet name.
    let mut m = header(1, 1, 0, 0);
    for _ in 0..3 {
        m.push(63);
        m.extend_from_slice(&[b'a'; 63]);
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    m.push(63);
    m.extend_from_slice(&[b'c'; 63]);
    m.extend_from_slice(&[0xC0, 12]);
    m.extend_from_slice(&tail(1, 4, &[1, 2, 3, 4]));
    kind_at(&m, ParseErrorKind::NameTooLong, 12 + 2 * 64);
}

#[test]
fn opt_rules() {
    let opt = |owner: &[u8]| {
        let mut r = owner.to_vec();
        r.extend_from_slice(&[0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]);
        r
    };
    // Two OPT records.
    let mut m = header(0, 0, 0, 2);
    m.extend(opt(&[0]));
    m.extend(opt(&[0]));
    kind_at(&m, ParseErrorKind::DuplicateOpt, 23);
    // OPT owned by "a.".
    let mut m = header(0, 0, 0, 1);
    m.extend(opt(&[1, b'a', 0]));
    kind_at(&m, ParseErrorKind::OptNotRoot, 12);
    // OPT in the answer section.
    let mut m = header(0, 1, 0, 0);
    m.extend(opt(&[0]));
    kind_at(&m, ParseErrorKind::OptOutsideAdditional, 12);
    // An option running past the OPT data.
    let mut m = header(0, 0, 0, 1);
    m.extend_from_slice(&[0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 6, 0, 3, 0, 5, 1, 2]);
    kind_at(
        &m,
        ParseErrorKind::RdataOverrun {
            rtype: RecordType::OPT,
        },
        27,
    );
}

#[test]
fn bad_type_bitmaps() {
    for bitmap in [
        &[0u8, 0][..],                 // empty window
        &[0, 33][..],                  // window over 32 octets
        &[1, 1, 0x40, 0, 1, 0x40][..], // windows out of order
        &[0, 1, 0x40, 0, 1, 0x40][..], // window repeated
    ] {
        let mut rdata = vec![0u8]; // next = root
        rdata.extend_from_slice(bitmap);
        let mut m = header(0, 1, 0, 0);
        m.push(0);
        m.extend_from_slice(&tail(47, rdata.len() as u16, &rdata));
        let e = err(&m);
        assert_eq!(e.kind, ParseErrorKind::BadTypeBitmap, "{bitmap:?}: {e}");
    }
}

#[test]
fn trailing_bytes_are_refused_unless_asked_for() {
    let mut m = Message::query(9, "example.com".parse().unwrap(), RecordType::A).to_bytes();
    let len = m.len();
    m.extend_from_slice(&[0xAA, 0xBB]);
    kind_at(&m, ParseErrorKind::TrailingBytes { count: 2 }, len);
    let (msg, used) = Message::from_bytes_prefix(&m).unwrap();
    assert_eq!(used, len);
    assert_eq!(msg.header.id, 9);
}

#[test]
fn errors_read_as_one_sentence() {
    let mut m = header(1, 0, 0, 0);
    m.extend_from_slice(&[0xC0, 40, 0, 1, 0, 1]);
    assert_eq!(
        err(&m).to_string(),
        "malformed DNS message at byte 12: compression pointer to 40 does not point backwards"
    );
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(1, 5, &[1, 2, 3, 4, 5]));
    assert_eq!(
        err(&m).to_string(),
        "malformed DNS message at byte 27: A record data leaves 1 octets unused (rdlength too large)"
    );
}

#[test]
fn opaque_rdata_with_pointer_bytes_is_not_followed() {
    // The pointer-like bytes of an unknown type are data, even pointing forwards.
    let mut m = header(0, 1, 0, 0);
    m.push(0);
    m.extend_from_slice(&tail(65280, 2, &[0xC0, 0xFF]));
    let msg = Message::from_bytes(&m).unwrap();
    assert_eq!(
        msg.answers[0].data,
        RData::Unknown {
            rtype: RecordType(65280),
            data: vec![0xC0, 0xFF]
        }
    );
}
