//! RRsets as DNSSEC signs them: records of one owner, class and type, with the RRSIGs that
//! cover them, and the octets a signature is computed over (RFC 4034 §3.1.8.1, §6).

use std::cmp::Ordering;

use crate::dnssec::keys::canonical_name;
pub use crate::encode::canonical_rdata;
use crate::message::Record;
use crate::name::Name;
use crate::rdata::{RData, Rrsig};
use crate::types::{Class, RecordType};

/// The records of one owner name, class and type from a response, and the RRSIGs over them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rrset {
    /// Owner name, as received.
    pub name: Name,
    /// Class (IN).
    pub class: Class,
    /// Type of the records.
    pub rtype: RecordType,
    /// The smallest TTL of the records.
    pub ttl: u32,
    /// The record data, in the order received.
    pub data: Vec<RData>,
    /// RRSIGs at the same owner and class whose type covered is `rtype`.
    pub signatures: Vec<Rrsig>,
}

impl Rrset {
    /// Groups `records` into RRsets (owner compared case-insensitively), attaching each RRSIG
    /// to the RRset of the type it covers. RRSIGs whose RRset is not among the records are
    /// dropped; RRSIG records are never an RRset of their own.
    pub fn collect<'a>(records: impl IntoIterator<Item = &'a Record>) -> Vec<Rrset> {
        let records: Vec<&Record> = records.into_iter().collect();
        let mut sets: Vec<Rrset> = Vec::new();
        for r in records.iter().filter(|r| r.rtype() != RecordType::RRSIG) {
            match sets
                .iter_mut()
                .find(|s| s.rtype == r.rtype() && s.class == r.class && s.name == r.name)
            {
                Some(set) => {
                    set.ttl = set.ttl.min(r.ttl);
                    set.data.push(r.data.clone());
                }
                None => sets.push(Rrset {
                    name: r.name.clone(),
                    class: r.class,
                    rtype: r.rtype(),
                    ttl: r.ttl,
                    data: vec![r.data.clone()],
                    signatures: Vec::new(),
                }),
            }
        }
        for r in &records {
            if let RData::Rrsig(sig) = &r.data {
                if let Some(set) = sets
                    .iter_mut()
                    .find(|s| s.rtype == sig.type_covered && s.class == r.class && s.name == r.name)
                {
                    set.signatures.push(sig.clone());
                }
            }
        }
        sets
    }

    /// The RRset of this owner and type among `records`, if there is one.
    pub fn find<'a>(
        records: impl IntoIterator<Item = &'a Record>,
        name: &Name,
        rtype: RecordType,
    ) -> Option<Rrset> {
        Rrset::collect(records)
            .into_iter()
            .find(|s| s.rtype == rtype && &s.name == name)
    }
}

/// The record data in canonical form, sorted as octet strings and without duplicates
/// (RFC 4034 §6.3).
pub fn canonical_rdatas(data: &[RData]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = data.iter().map(canonical_rdata).collect();
    out.sort();
    out.dedup();
    out
}

/// The RRSIG record data without its signature, signer in canonical form.
fn rrsig_prefix(sig: &Rrsig, out: &mut Vec<u8>) {
    out.extend_from_slice(&sig.type_covered.0.to_be_bytes());
    out.push(sig.algorithm);
    out.push(sig.labels);
    out.extend_from_slice(&sig.original_ttl.to_be_bytes());
    out.extend_from_slice(&sig.expiration.to_be_bytes());
    out.extend_from_slice(&sig.inception.to_be_bytes());
    out.extend_from_slice(&sig.key_tag.to_be_bytes());
    out.extend_from_slice(&canonical_name(&sig.signer));
}

/// Whether a name's first label is the wildcard `*`.
pub(crate) fn is_wildcard(name: &Name) -> bool {
    name.first_label() == Some(b"*")
}

/// Labels that count for the RRSIG labels field: all but the root and a leading `*`.
pub(crate) fn signed_labels(name: &Name) -> usize {
    name.label_count() - usize::from(is_wildcard(name))
}

/// The name made of the last `n` labels of `name`.
pub(crate) fn suffix(name: &Name, n: usize) -> Name {
    let mut out = name.clone();
    while out.label_count() > n {
        match out.parent() {
            Some(p) => out = p,
            None => break,
        }
    }
    out
}

/// The owner name the signature covers (RFC 4035 §5.3.2): the owner itself, or the wildcard
/// it was expanded from when the RRSIG has fewer labels. `None` when the labels field is
/// larger than the owner's label count, which makes the RRSIG unusable.
pub fn signed_owner(owner: &Name, sig: &Rrsig) -> Option<Name> {
    let labels = usize::from(sig.labels);
    let have = signed_labels(owner);
    match labels.cmp(&have) {
        Ordering::Greater => None,
        Ordering::Equal => Some(owner.clone()),
        Ordering::Less => suffix(owner, labels).prepend(b"*").ok(),
    }
}

/// The octets `sig` signs for this RRset (RFC 4034 §3.1.8.1): the RRSIG data without the
/// signature, then each record in canonical order as owner | type | class | original TTL |
/// rdlength | rdata. `None` when the RRSIG's labels field exceeds the owner's labels.
pub fn signed_data(rrset: &Rrset, sig: &Rrsig) -> Option<Vec<u8>> {
    let owner = canonical_name(&signed_owner(&rrset.name, sig)?);
    let rdatas = canonical_rdatas(&rrset.data);
    let mut out = Vec::with_capacity(
        64 + rdatas
            .iter()
            .map(|r| owner.len() + 10 + r.len())
            .sum::<usize>(),
    );
    rrsig_prefix(sig, &mut out);
    for rdata in &rdatas {
        out.extend_from_slice(&owner);
        out.extend_from_slice(&rrset.rtype.0.to_be_bytes());
        out.extend_from_slice(&rrset.class.0.to_be_bytes());
        out.extend_from_slice(&sig.original_ttl.to_be_bytes());
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdata::Mx;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn canonical_rdata_lowercases_names_where_rfc_4034_says_and_sorts() {
        let a = RData::Mx(Mx {
            preference: 10,
            exchange: n("MX.Example.com"),
        });
        let b = RData::Mx(Mx {
            preference: 5,
            exchange: n("mx.example.com"),
        });
        let c = RData::Mx(Mx {
            preference: 10,
            exchange: n("mx.example.COM"),
        });
        let sorted = canonical_rdatas(&[a, b, c]);
        // `a` and `c` are the same record in canonical form.
        assert_eq!(sorted.len(), 2);
        assert_eq!(sorted[0][..2], [0, 5]);
        assert_eq!(&sorted[1][2..], b"\x02mx\x07example\x03com\x00");
        // NSEC's next name keeps its case (RFC 6840 §5.1).
        let nsec = RData::Nsec(crate::rdata::Nsec {
            next: n("B.example"),
            types: vec![RecordType::A],
        });
        assert_eq!(&canonical_rdata(&nsec)[..3], b"\x01B\x07");
    }

    #[test]
    fn wildcard_owners_are_rebuilt_from_the_labels_field() {
        let sig = |labels| Rrsig {
            type_covered: RecordType::TXT,
            algorithm: 13,
            labels,
            original_ttl: 300,
            expiration: 2,
            inception: 1,
            key_tag: 7,
            signer: n("example.com"),
            signature: vec![],
        };
        let owner = n("a.b.example.com");
        assert_eq!(signed_owner(&owner, &sig(4)), Some(owner.clone()));
        assert_eq!(signed_owner(&owner, &sig(2)), Some(n("*.example.com")));
        assert_eq!(signed_owner(&owner, &sig(5)), None);
        // A wildcard owner's `*` does not count.
        assert_eq!(signed_owner(&n("*.example.com"), &sig(3)), None);
        assert_eq!(
            signed_owner(&n("*.example.com"), &sig(2)),
            Some(n("*.example.com"))
        );
    }

    #[test]
    fn records_group_into_rrsets_with_their_signatures() {
        let owner = n("example.com");
        let records = vec![
            Record::new(owner.clone(), 300, RData::Ns(n("a.ns"))),
            Record::new(n("EXAMPLE.com"), 200, RData::Ns(n("b.ns"))),
            Record::new(
                owner.clone(),
                300,
                RData::Rrsig(Rrsig {
                    type_covered: RecordType::NS,
                    algorithm: 13,
                    labels: 2,
                    original_ttl: 300,
                    expiration: 2,
                    inception: 1,
                    key_tag: 7,
                    signer: owner.clone(),
                    signature: vec![1],
                }),
            ),
            Record::new(owner.clone(), 300, RData::Txt(crate::Txt::new(["x"]))),
        ];
        let sets = Rrset::collect(&records);
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].data.len(), 2);
        assert_eq!(sets[0].ttl, 200);
        assert_eq!(sets[0].signatures.len(), 1);
        assert!(sets[1].signatures.is_empty());
        assert!(Rrset::find(&records, &owner, RecordType::A).is_none());
    }
}
