//! The properties the fuzz targets check, shared verbatim by `fuzz/fuzz_targets/*.rs` (through
//! `#[path]`) and by `tests/fuzz_regressions.rs`, so a crash replays under plain `cargo test`
//! exactly as the fuzzer saw it. Each function panics when its property fails.

// Each includer uses only some of the checks.
#![allow(dead_code)]

use dns_wire::{Entry, Message, MessageView, RData, RDataView, RecordType};

/// `parse_message`: any bytes give a message or a typed error, never a panic; an accepted
/// message can be encoded and printed.
pub fn parse_message(data: &[u8]) {
    if let Ok(msg) = Message::from_bytes(data) {
        let _ = msg.to_bytes();
        let _ = format!("{msg:?}");
        let _ = msg.to_string();
        for record in msg.records() {
            let _ = record.to_string();
        }
    }
}

/// `view`: any bytes read through [`MessageView`] give what [`Message::from_bytes`] gives: the
/// same message, or the same error (kind and offset); reading every entry, name and string of
/// the view never panics, and every name read in place equals its decoded form.
pub fn view(data: &[u8]) {
    let owned = Message::from_bytes(data);
    let viewed = MessageView::new(data).and_then(|v| v.to_message());
    assert_eq!(viewed, owned, "the view and the owned parser disagree");
    let Ok(view) = MessageView::new(data) else {
        return;
    };
    let mut errors = 0;
    for entry in view.entries() {
        let names = match entry {
            Err(_) => {
                errors += 1;
                continue;
            }
            Ok(Entry::Question(q)) => vec![q.name],
            Ok(Entry::Edns(edns)) => {
                let _ = edns.options().count();
                vec![]
            }
            Ok(Entry::Record(_, r)) => {
                let _ = r.to_record().to_string();
                let mut names = vec![r.name];
                match r.data {
                    RDataView::Ns(n) | RDataView::Cname(n) | RDataView::Ptr(n) => names.push(n),
                    RDataView::Soa { mname, rname, .. } => names.extend([mname, rname]),
                    RDataView::Txt(txt) => {
                        let _ = txt.strings().count();
                    }
                    _ => {}
                }
                names
            }
        };
        for name in names {
            let decoded = name.to_name();
            assert!(
                name == decoded,
                "{name} read in place differs from {decoded}"
            );
            assert_eq!(name.to_string(), decoded.to_string());
            assert_eq!(name.label_count(), decoded.label_count());
            assert_eq!(name.wire_len(), decoded.wire_len());
        }
    }
    assert!(errors <= 1, "the entries went on after an error");
    assert_eq!(errors == 1, owned.is_err(), "{owned:?}");
}

/// `roundtrip`: an accepted message encodes to bytes that parse back to an equal message,
/// and encoding that again gives the same bytes (so case and every field survive).
pub fn roundtrip(data: &[u8]) {
    let Ok(first) = Message::from_bytes(data) else {
        return;
    };
    let encoded = first.to_bytes();
    let second = match Message::from_bytes(&encoded) {
        Ok(second) => second,
        Err(e) => panic!("our own encoding does not parse: {e}\nmessage: {first:?}"),
    };
    assert_eq!(first, second, "parse-encode-parse changed the message");
    assert_eq!(
        encoded,
        second.to_bytes(),
        "encoding is not stable across a round trip"
    );
}

/// `example.com.` in wire form, written at offset 12 (right after the header).
const OWNER: &[u8] = b"\x07example\x03com\x00";

/// `preserve_rdata`: the input is a record type (2 octets) and its rdata, wrapped in a
/// one-answer response owned by `example.com`. If the parser accepts it, the message round-trips,
/// and for types with exactly one wire form and no compressible names (unknown types kept as
/// RFC 3597 raw bytes, A, AAAA, TXT, CAA, DS, DNSKEY, NSEC3PARAM) the re-encoded rdata is the input rdata,
/// octet for octet.
pub fn preserve_rdata(data: &[u8]) {
    let Some((rtype, rdata)) = data.split_first_chunk::<2>() else {
        return;
    };
    let rtype = u16::from_be_bytes(*rtype);
    if rtype == RecordType::OPT.0 || rdata.len() > 4096 {
        return; // OPT is lifted out of the records; long rdata adds nothing.
    }
    let mut wire = vec![0x12, 0x34, 0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0];
    wire.extend_from_slice(OWNER);
    wire.extend_from_slice(&rtype.to_be_bytes());
    wire.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
    wire.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    wire.extend_from_slice(rdata);

    let Ok(msg) = Message::from_bytes(&wire) else {
        return;
    };
    let encoded = msg.to_bytes();
    let again = Message::from_bytes(&encoded).expect("our own encoding parses");
    assert_eq!(msg, again, "round trip changed the message");

    let single_form = matches!(
        msg.answers[0].data,
        RData::Unknown { .. }
            | RData::A(_)
            | RData::Aaaa(_)
            | RData::Txt(_)
            | RData::Caa(_)
            | RData::Ds(_)
            | RData::Dnskey(_)
            | RData::Nsec3param(_)
    );
    if single_form {
        // The owner is the first name written, so it is never compressed: header, owner,
        // type/class/TTL/rdlength, then the rdata.
        let start = 12 + OWNER.len() + 10;
        assert_eq!(
            &encoded[start..],
            rdata,
            "rdata of type {rtype} was not written back byte for byte"
        );
    }
}
