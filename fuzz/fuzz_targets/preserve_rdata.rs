//! Record data survives byte for byte: the input is a record type (2 octets) and its rdata,
//! wrapped in a one-answer response owned by `example.com`. If the parser accepts it, the message
//! must round-trip, and for types with exactly one wire form and no compressible names (unknown
//! types kept as RFC 3597 raw bytes, A, AAAA, TXT, CAA, DS, DNSKEY) the re-encoded rdata must be
//! the input rdata, octet for octet.
#![no_main]

use dns_wire::{Message, RData, RecordType};
use libfuzzer_sys::fuzz_target;

/// `example.com.` in wire form, written at offset 12 (right after the header).
const OWNER: &[u8] = b"\x07example\x03com\x00";

fuzz_target!(|data: &[u8]| {
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

    let record = &msg.answers[0];
    let single_form = matches!(
        record.data,
        RData::Unknown { .. }
            | RData::A(_)
            | RData::Aaaa(_)
            | RData::Txt(_)
            | RData::Caa(_)
            | RData::Ds(_)
            | RData::Dnskey(_)
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
});
