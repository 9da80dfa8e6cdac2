//! The validator on hostile input: whatever records a server sends (arbitrary DNSKEY, DS,
//! RRSIG, NSEC, NSEC3 data, names and times), validation returns a classification, never
//! panics, and stays within its limits.

use dns_wire::dnssec::{
    DsEvidence, Limits, RingCrypto, Rrset, TrustAnchors, Validator, ZoneEvidence, ZoneKeys,
};
use dns_wire::{arbitrary, Name, RData, Record, RecordType};
use proptest::prelude::*;

fn records() -> impl Strategy<Value = Vec<Record>> {
    proptest::collection::vec(arbitrary::record(), 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn validation_of_arbitrary_records_never_panics(
        dnskey in records(),
        ds in records(),
        answer in records(),
        now in any::<u64>(),
        qname in arbitrary::name(),
        qtype in any::<u16>(),
    ) {
        let limits = Limits::default();
        let mut v = Validator::new(&RingCrypto, now, limits);
        let zone = Name::root();
        let dnskey_set = Rrset::collect(&dnskey).into_iter().find(|s| s.rtype == RecordType::DNSKEY);
        let anchors = TrustAnchors::iana_root();
        let path = vec![
            ZoneEvidence { zone: zone.clone(), ds: DsEvidence::Missing, dnskey: dnskey_set.clone() },
            ZoneEvidence {
                zone: "com".parse().unwrap(),
                ds: match Rrset::collect(&ds).into_iter().find(|s| s.rtype == RecordType::DS) {
                    Some(set) => DsEvidence::Present(set),
                    None => DsEvidence::Absent(Rrset::collect(&ds)),
                },
                dnskey: dnskey_set,
            },
        ];
        let chain = v.chain(&anchors, &path);
        prop_assert_eq!(chain.len(), 2);
        // Keys taken as they come (as if proven), to reach the RRSIG and denial code.
        let keys = ZoneKeys {
            zone: zone.clone(),
            keys: dnskey.iter().filter_map(|r| match &r.data {
                RData::Dnskey(k) => Some(k.clone()),
                _ => None,
            }).collect(),
            entry_keys: vec![],
            signature: dns_wire::dnssec::Verified {
                key_tag: 0, algorithm: 0, inception: 0, expiration: 0, expires_in: 0, wildcard: false, labels: 0,
            },
        };
        for set in Rrset::collect(&answer) {
            let _ = v.verify_rrset(&set, &zone, &keys.keys);
        }
        let _ = v.prove_denial(&qname, RecordType(qtype), &keys, &Rrset::collect(&answer));
        let used = v.usage();
        prop_assert!(used.signatures <= limits.signatures_total);
        prop_assert!(used.nsec3_hashes <= limits.nsec3_hashes_total);
    }
}
