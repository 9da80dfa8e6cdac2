//! `MessageView`, the in-place reader: it reads exactly what the owned parser reads, reports
//! the same errors on the entry that holds them, and never panics.

mod common;

use common::fuzz_checks;
use dns_wire::{
    arbitrary, Entry, Message, MessageView, Name, ParseErrorKind, RData, RDataView, Record,
    RecordType, Section, Txt,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every generated message reads through the view as the owned parser reads it, entry by
    /// entry, and every name read in place equals its decoded form.
    #[test]
    fn the_view_agrees_with_the_owned_parser(msg in arbitrary::message()) {
        let bytes = msg.to_bytes();
        let view = MessageView::new(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(view.to_message(), Ok(msg.clone()));
        let mut records = msg.records();
        let mut questions = msg.questions.iter();
        for entry in view.entries() {
            match entry.map_err(|e| TestCaseError::fail(e.to_string()))? {
                Entry::Question(q) => {
                    let owned = questions.next().unwrap();
                    prop_assert!(q.name == owned.name);
                    prop_assert_eq!(q.name.to_string(), owned.name.to_string());
                }
                Entry::Record(_, r) => {
                    let owned = records.next().unwrap();
                    prop_assert!(r.name == owned.name);
                    prop_assert_eq!(r.rtype(), owned.rtype());
                    prop_assert_eq!(&r.data.to_rdata(), &owned.data);
                }
                Entry::Edns(edns) => {
                    let owned = msg.edns.as_ref().unwrap();
                    prop_assert!(edns.options().eq(owned.options.iter()));
                }
            }
        }
        prop_assert!(records.next().is_none());
    }

    /// Arbitrary bytes: the same message or the same error as the owned parser, no panic.
    #[test]
    fn arbitrary_bytes_read_as_the_owned_parser_reads_them(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        fuzz_checks::view(&bytes);
    }

    /// A valid message with some octets changed (names, counts, lengths, pointers): the same
    /// message or the same error as the owned parser.
    #[test]
    fn mutated_messages_read_as_the_owned_parser_reads_them(
        msg in arbitrary::message(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        fuzz_checks::view(&common::mutated(&msg, &edits));
    }
}

fn name(text: &str) -> Name {
    text.parse().unwrap()
}

/// A response for `s1._domainkey.example.com` TXT: a CNAME to a long SES-like target and the
/// key under it (names compressed against each other).
fn ses_like() -> Message {
    let owner = name("s1._domainkey.example.com");
    let target = name("abcdefghijklmnopqrstuvwxyz012345.dkim.amazonses.com");
    let mut msg = Message::query(9, owner.clone(), RecordType::TXT).response();
    msg.answers
        .push(Record::new(owner, 300, RData::Cname(target.clone())));
    let key = Txt::new([&b"p=MIIB"[..], &[b'A'; 255], b"IDAQAB"]);
    msg.answers.push(Record::new(target, 300, RData::Txt(key)));
    msg
}

#[test]
fn names_follow_pointers_and_strings_are_slices_of_the_message() {
    let msg = ses_like();
    let bytes = msg.to_bytes();
    let view = MessageView::new(&bytes).unwrap();
    let entries: Vec<Entry<'_>> = view.entries().map(Result::unwrap).collect();
    assert_eq!(entries.len(), 4);
    let Entry::Record(Section::Answer, txt) = entries[2] else {
        panic!("{:?}", entries[2]);
    };
    // The TXT owner is a pointer to the CNAME target.
    assert_eq!(
        txt.name.to_string(),
        "abcdefghijklmnopqrstuvwxyz012345.dkim.amazonses.com."
    );
    assert!(txt.name == name("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345.DKIM.amazonses.com"));
    assert_eq!(txt.name.label_count(), 4);
    let RDataView::Txt(strings) = txt.data else {
        panic!("{txt:?}");
    };
    let range = bytes.as_ptr_range();
    for s in strings.strings() {
        assert!(range.contains(&s.as_ptr()), "a string was copied");
    }
    assert_eq!(strings.concatenated().len(), 6 + 255 + 6);
    let Entry::Edns(edns) = entries[3] else {
        panic!("{:?}", entries[3]);
    };
    assert_eq!(edns.to_edns(), msg.edns.unwrap());
}

#[test]
fn an_error_is_reported_on_the_entry_that_holds_it_and_ends_the_entries() {
    let msg = ses_like();
    let mut bytes = msg.to_bytes();
    // Point the TXT owner (a compression pointer) at itself. From the end: the OPT record (11
    // octets), the TXT data (1+6, 1+255, 1+6), its fixed fields (10) and its owner (2).
    let txt_at = bytes.len() - 11 - (7 + 256 + 7) - 10 - 2;
    assert_eq!(bytes[txt_at] & 0xC0, 0xC0, "a pointer");
    bytes[txt_at + 1] = txt_at as u8;
    bytes[txt_at] = 0xC0 | (txt_at >> 8) as u8;
    let owned = Message::from_bytes(&bytes).unwrap_err();
    assert_eq!(owned.offset, txt_at);
    assert!(matches!(owned.kind, ParseErrorKind::PointerLoop { .. }));
    let view = MessageView::new(&bytes).unwrap();
    let read: Vec<_> = view.entries().collect();
    // The question and the CNAME read; the TXT record is the error; nothing after it.
    assert_eq!(read.len(), 3, "{read:?}");
    assert!(read[0].is_ok() && read[1].is_ok());
    assert_eq!(read[2], Err(owned));
}

#[test]
fn octets_after_the_last_section_are_reported_at_the_end() {
    let mut bytes = ses_like().to_bytes();
    let len = bytes.len();
    bytes.extend_from_slice(&[0, 0, 0]);
    let view = MessageView::new(&bytes).unwrap();
    let read: Vec<_> = view.entries().collect();
    assert_eq!(read.len(), 5);
    let e = read[4].unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::TrailingBytes { count: 3 });
    assert_eq!(e.offset, len);
    assert_eq!(Err(e), Message::from_bytes(&bytes));
}

#[test]
fn a_header_alone_is_read_and_a_short_one_refused() {
    let bytes = ses_like().to_bytes();
    let view = MessageView::new(&bytes[..12]).unwrap();
    assert_eq!(view.header().id, 9);
    assert_eq!(view.counts(), [1, 2, 0, 1]);
    // The counts claim entries the octets do not hold.
    let e = view.entries().next().unwrap().unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::Truncated);
    assert_eq!(e.offset, 12);
    let short = MessageView::new(&bytes[..11]).unwrap_err();
    assert_eq!(Err(short), Message::from_bytes(&bytes[..11]));
}

#[test]
fn names_past_64_kib_read_back() {
    // Longer than any datagram, but nothing in the parser forbids it: two TXT records of
    // 65000 octets each, then an A record whose owner starts past offset 130000.
    let mut bytes = vec![0, 1, 0x80, 0, 0, 0, 0, 3, 0, 0, 0, 0];
    for _ in 0..2 {
        bytes.extend_from_slice(&[0, 0, 16, 0, 1, 0, 0, 0, 0]);
        bytes.extend_from_slice(&65000u16.to_be_bytes());
        for _ in 0..260 {
            bytes.push(249);
            bytes.extend_from_slice(&[b'k'; 249]);
        }
    }
    let late = bytes.len();
    bytes.extend_from_slice(b"\x04late\x07example\x00\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04");
    bytes.extend_from_slice(&[192, 0, 2, 1]);
    assert!(late > 130_000);
    let owned = Message::from_bytes(&bytes).unwrap();
    let view = MessageView::new(&bytes).unwrap();
    assert_eq!(view.to_message().unwrap(), owned);
    let Some(Ok(Entry::Record(_, last))) = view.entries().last() else {
        panic!("no last record");
    };
    assert_eq!(last.name.to_string(), "late.example.");
}
