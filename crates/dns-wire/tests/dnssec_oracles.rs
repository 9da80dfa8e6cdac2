//! `dns_wire::dnssec` against independent sources:
//! - NLnet Labs' `domain` crate: key tags and DNSSEC canonical record data (RFC 4034 §6.2 as
//!   amended by RFC 6840 §5.1) of generated records, read from the same wire bytes;
//! - the root zone's published KSKs (tests/data/root-ksk.zone, from hickory-proto's copy): their
//!   key tags and SHA-256 DS digests are exactly the built-in IANA anchors.

use dns_wire::dnssec::keys::{ds_for, ds_matches, key_tag};
use dns_wire::dnssec::rrset::canonical_rdata;
use dns_wire::dnssec::{RingCrypto, TrustAnchors};
use dns_wire::{arbitrary, Message, Name, RData, Record, RecordType};
use domain::base::rdata::ComposeRecordData;
use domain::base::{Message as DMessage, ParsedName};
use domain::rdata::AllRecordData;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

type Data<'a> = AllRecordData<&'a [u8], ParsedName<&'a [u8]>>;

/// What `domain` makes of the one answer of `bytes`: its canonical rdata and, for a DNSKEY,
/// its key tag. `None` when `domain` refuses the record (its parsers are stricter on some
/// fields: those cases are not compared).
fn domain_view(bytes: &[u8]) -> Option<(Vec<u8>, Option<u16>)> {
    let msg = DMessage::from_octets(bytes).ok()?;
    let record = msg.answer().ok()?.limit_to::<Data<'_>>().next()?.ok()?;
    let mut canonical = Vec::new();
    record.data().compose_canonical_rdata(&mut canonical).ok()?;
    let tag = match record.data() {
        AllRecordData::Dnskey(k) => Some(k.key_tag()),
        _ => None,
    };
    Some((canonical, tag))
}

/// Record data of the types whose canonical form RFC 4034 defines and both libraries model.
fn dnssec_relevant() -> impl Strategy<Value = RData> {
    arbitrary::rdata().prop_filter("a type both libraries model", |d| {
        matches!(
            d,
            RData::A(_)
                | RData::Aaaa(_)
                | RData::Ns(_)
                | RData::Cname(_)
                | RData::Dname(_)
                | RData::Ptr(_)
                | RData::Soa(_)
                | RData::Mx(_)
                | RData::Txt(_)
                | RData::Srv(_)
                | RData::Ds(_)
                | RData::Dnskey(_)
                | RData::Rrsig(_)
                | RData::Nsec(_)
                | RData::Nsec3(_)
                | RData::Nsec3param(_)
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn canonical_rdata_and_key_tags_agree_with_domain(data in dnssec_relevant()) {
        let mut msg = Message::query(1, "example.com".parse().unwrap(), RecordType::A);
        msg.header.response = true;
        // The owner repeats a suffix so that names in the data get compressed on the wire.
        msg.answers.push(Record::new("x.example.com".parse().unwrap(), 60, data.clone()));
        let bytes = msg.to_bytes();
        let parsed = Message::from_bytes(&bytes).unwrap();
        let ours = canonical_rdata(&parsed.answers[0].data);
        let Some((theirs, tag)) = domain_view(&bytes) else {
            return Ok(());
        };
        prop_assert_eq!(&ours, &theirs, "canonical rdata of {}", data);
        if let (RData::Dnskey(k), Some(tag)) = (&data, tag) {
            prop_assert_eq!(key_tag(k), tag);
        }
    }
}

#[test]
fn domain_reads_most_generated_records() {
    // The comparison above skips what domain refuses; make sure that is the exception.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut compared, mut total) = (0, 0);
    for _ in 0..500 {
        let data = dnssec_relevant().new_tree(&mut runner).unwrap().current();
        let mut msg = Message::query(1, "example.com".parse().unwrap(), RecordType::A);
        msg.answers
            .push(Record::new("x.example.com".parse().unwrap(), 60, data));
        total += 1;
        compared += usize::from(domain_view(&msg.to_bytes()).is_some());
    }
    assert!(
        compared * 10 >= total * 9,
        "domain read {compared} of {total}"
    );
}

#[test]
fn the_built_in_root_anchors_name_the_published_root_ksks() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/root-ksk.zone"
    ))
    .unwrap();
    let keys = TrustAnchors::parse(&text).unwrap();
    let (_, ksks) = keys.for_zone(&Name::root());
    let (anchors, _) = TrustAnchors::iana_root().for_zone(&Name::root());
    assert_eq!(ksks.len(), 2);
    for (ksk, anchor) in ksks.iter().zip(&anchors) {
        assert_eq!(key_tag(ksk), anchor.key_tag);
        let ds = ds_for(&RingCrypto, &Name::root(), ksk, 2).unwrap();
        assert_eq!(&ds, anchor);
        assert!(ds_matches(&RingCrypto, anchor, &Name::root(), ksk));
        // A SHA-1 and a SHA-384 digest of the same key differ from it and from each other.
        let sha1 = ds_for(&RingCrypto, &Name::root(), ksk, 1).unwrap();
        let sha384 = ds_for(&RingCrypto, &Name::root(), ksk, 4).unwrap();
        assert_eq!((sha1.digest.len(), sha384.digest.len()), (20, 48));
        assert!(!ds_matches(
            &RingCrypto,
            anchor,
            &"com".parse().unwrap(),
            ksk
        ));
    }
    assert_eq!(
        anchors.iter().map(|d| d.key_tag).collect::<Vec<_>>(),
        [20326, 38696]
    );
}
