//! DNSSEC for the lab: zones signed in Rust with fixed test keys and fixed signature windows,
//! so the signed lab is the same bytes on every run (Ed25519 signatures are deterministic).
//!
//! A signed [`Zone`] holds its DNSSEC records like a zone file does (DNSKEY at the apex, DS at
//! signed delegations, RRSIG, NSEC or NSEC3 with NSEC3PARAM): [`crate::authority`] serves them
//! to queries with DO, and [`crate::bind`] writes them out for BIND, which serves a pre-signed
//! zone as it is.
//!
//! The keys are not secret: each zone's key-signing and zone-signing keys are Ed25519 keys
//! whose seed is the SHA-256 of a fixed text, the zone name and a generation number (a "new
//! host" key after a move is generation 1). [`trust_anchor`] is the DS of the lab root's KSK,
//! the anchor a validator needs for the lab (`dkim-doctor --trust-anchor`, Unbound's
//! `trust-anchor`).

use std::collections::{BTreeMap, BTreeSet};

use dns_wire::dnssec::keys::ds_for;
use dns_wire::dnssec::sign::SigningKey;
use dns_wire::dnssec::{nsec3_hash, nsec3_owner, Crypto, DigestAlgorithm, RingCrypto, Rrset};
use dns_wire::{Ds, Message, Name, Nsec, Nsec3, Nsec3param, RData, Record, RecordType};

use crate::network::Zone;

/// The time the lab's scenarios are judged at (2026-12-01 00:00 UTC): the `now` a check of the
/// lab is given in tests, so that the scenarios with signatures near their end (expiring,
/// expired) mean the same on every run.
pub const LAB_NOW: u32 = 1_796_083_200;
const DAY: u32 = 86_400;

/// A signature validity window: inception and expiration, seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Signatures are valid from.
    pub inception: u32,
    /// Signatures are valid until.
    pub expiration: u32,
}

impl Window {
    /// The lab's ordinary window: from 2026-01-01 to 2037-01-01, valid at [`LAB_NOW`] and for
    /// years of real time after it.
    pub const LONG: Window = Window {
        inception: 1_767_225_600,
        expiration: 2_114_380_800,
    };
    /// Ended 10 days before [`LAB_NOW`] (a zone no longer re-signed).
    pub const EXPIRED: Window = Window {
        inception: LAB_NOW - 40 * DAY,
        expiration: LAB_NOW - 10 * DAY,
    };
    /// Ends 3 days after [`LAB_NOW`] (a warning: within 7 days).
    pub const EXPIRING: Window = Window {
        inception: LAB_NOW - 27 * DAY,
        expiration: LAB_NOW + 3 * DAY,
    };
}

/// How a signed zone denies existence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// An NSEC chain (RFC 4034 §4).
    Nsec,
    /// An NSEC3 chain, SHA-1, no salt, no extra iterations (RFC 9276), opt-out as `com` uses
    /// it: unsigned delegations have no NSEC3 record of their own.
    Nsec3OptOut,
}

/// A zone's two keys.
#[derive(Debug)]
pub struct ZoneKeys {
    /// The key-signing key (flags 257): signs the DNSKEY set; the parent's DS names it.
    pub ksk: SigningKey,
    /// The zone-signing key (flags 256): signs everything else.
    pub zsk: SigningKey,
}

impl ZoneKeys {
    /// The lab's keys for `zone`, generation `generation` (0: the zone's usual keys; another
    /// number: the keys of another DNS host).
    pub fn lab(zone: &Name, generation: u8) -> ZoneKeys {
        ZoneKeys {
            ksk: lab_key(zone, 257, generation),
            zsk: lab_key(zone, 256, generation),
        }
    }

    /// The DS record data for the KSK (SHA-256), as the parent publishes it.
    pub fn ds(&self) -> Ds {
        ds_for(&RingCrypto, &self.ksk.zone, &self.ksk.dnskey, 2)
            .expect("SHA-256 DS digests are supported")
    }
}

/// An Ed25519 key from a seed derived from the zone, the flags and the generation.
fn lab_key(zone: &Name, flags: u16, generation: u8) -> SigningKey {
    let seed = RingCrypto.digest(
        DigestAlgorithm::Sha256,
        &[
            b"dns-lab test key, not secret\0",
            zone.to_string().to_ascii_lowercase().as_bytes(),
            &flags.to_be_bytes(),
            &[generation],
        ],
    );
    // PKCS#8 v1 for Ed25519 (RFC 8410): a fixed prefix and the 32-octet seed.
    let mut pkcs8 = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    pkcs8.extend_from_slice(&seed[..32]);
    SigningKey::ed25519(zone.clone(), flags, &pkcs8).expect("a 32-octet Ed25519 seed is a key")
}

/// [`LAB_NOW`] in RFC 3339, as `dkim-doctor --validation-time` takes it.
pub const LAB_TIME: &str = "2026-12-01T00:00:00Z";

/// The options that make `dkim-doctor` validate the lab: `--trust-anchor FILE` (the lab root's
/// anchor, written to `path`) and `--validation-time` [`LAB_TIME`].
pub fn check_options(path: &std::path::Path) -> std::io::Result<Vec<String>> {
    std::fs::write(path, format!("{}\n", trust_anchor()))?;
    Ok(vec![
        "--trust-anchor".into(),
        path.display().to_string(),
        "--validation-time".into(),
        LAB_TIME.into(),
    ])
}

/// The lab root's trust anchor, as a zone-file line (`. IN DS ...`).
pub fn trust_anchor() -> String {
    let keys = ZoneKeys::lab(&Name::root(), 0);
    format!(". IN DS {}", RData::Ds(keys.ds()))
}

/// TTL of the DNSKEY set and of the denial records.
const KEY_TTL: u32 = 3600;

/// Signs `zone` with `keys`: adds the DNSKEY set, an RRSIG for every authoritative RRset
/// (not the NS at a delegation, not glue), and the denial chain. DS records for signed
/// children must be in the zone already ([`delegation_ds`]).
pub fn sign_zone(zone: &Zone, keys: &ZoneKeys, denial: Denial, window: Window) -> Zone {
    let mut records = zone.records.clone();
    for key in [&keys.ksk, &keys.zsk] {
        records.push(Record::new(
            zone.origin.clone(),
            KEY_TTL,
            RData::Dnskey(key.dnskey.clone()),
        ));
    }
    let negative_ttl = zone.soa().map_or(KEY_TTL, |soa| soa.minimum);
    let cuts = zone.delegations();
    let below_cut = |name: &Name| cuts.iter().any(|c| name != c && name.is_subdomain_of(c));
    if denial == Denial::Nsec3OptOut {
        records.push(Record::new(
            zone.origin.clone(),
            0,
            RData::Nsec3param(Nsec3param {
                hash_algorithm: 1,
                flags: 0,
                iterations: 0,
                salt: Vec::new(),
            }),
        ));
    }
    // The types at each owner that the zone is authoritative for, or delegates.
    let mut types: BTreeMap<Name, BTreeSet<RecordType>> = BTreeMap::new();
    for r in &records {
        if !below_cut(&r.name) {
            types.entry(r.name.clone()).or_default().insert(r.rtype());
        }
    }
    let mut chain: Vec<Record> = match denial {
        Denial::Nsec => nsec_chain(&zone.origin, &types, negative_ttl),
        Denial::Nsec3OptOut => nsec3_chain(&zone.origin, &types, &cuts, negative_ttl),
    };
    records.append(&mut chain);
    let mut signatures = Vec::new();
    for set in Rrset::collect(&records) {
        // At a delegation only the DS and the NSEC are the parent's own data.
        let delegated =
            cuts.contains(&set.name) && !matches!(set.rtype, RecordType::DS | RecordType::NSEC);
        if below_cut(&set.name) || delegated {
            continue;
        }
        let key = if set.rtype == RecordType::DNSKEY {
            &keys.ksk
        } else {
            &keys.zsk
        };
        let sig = key.sign(&set, window.inception, window.expiration);
        signatures.push(Record::new(set.name.clone(), set.ttl, RData::Rrsig(sig)));
    }
    records.append(&mut signatures);
    Zone {
        origin: zone.origin.clone(),
        records,
    }
}

/// The NSEC chain: one record per owner name in canonical order, the last pointing back to
/// the apex.
fn nsec_chain(
    origin: &Name,
    types: &BTreeMap<Name, BTreeSet<RecordType>>,
    ttl: u32,
) -> Vec<Record> {
    let names: Vec<&Name> = types.keys().collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let next = names.get(i + 1).map_or(origin, |n| *n).clone();
            let mut set = types[*name].clone();
            set.insert(RecordType::NSEC);
            set.insert(RecordType::RRSIG);
            Record::new(
                (*name).clone(),
                ttl,
                RData::Nsec(Nsec {
                    next,
                    types: set.into_iter().collect(),
                }),
            )
        })
        .collect()
}

/// The NSEC3 chain with opt-out: the apex, every authoritative name, every signed delegation
/// and the empty non-terminals above them; unsigned delegations are left out (RFC 5155 §6).
fn nsec3_chain(
    origin: &Name,
    types: &BTreeMap<Name, BTreeSet<RecordType>>,
    cuts: &BTreeSet<Name>,
    ttl: u32,
) -> Vec<Record> {
    let mut owners: BTreeMap<Name, BTreeSet<RecordType>> = BTreeMap::new();
    for (name, set) in types {
        let unsigned_cut = cuts.contains(name) && !set.contains(&RecordType::DS);
        if unsigned_cut {
            continue;
        }
        let mut set = set.clone();
        set.insert(RecordType::RRSIG);
        owners.insert(name.clone(), set);
        // Empty non-terminals between the name and the apex get a record with no types.
        let mut up = name.parent();
        while let Some(p) = up {
            if &p == origin || !p.is_subdomain_of(origin) {
                break;
            }
            owners.entry(p.clone()).or_default();
            up = p.parent();
        }
    }
    let mut hashed: Vec<(Vec<u8>, BTreeSet<RecordType>)> = owners
        .into_iter()
        .map(|(name, set)| (nsec3_hash(&RingCrypto, &name, &[], 0), set))
        .collect();
    hashed.sort();
    (0..hashed.len())
        .filter_map(|i| {
            let next = hashed[(i + 1) % hashed.len()].0.clone();
            let owner = nsec3_owner(origin, &hashed[i].0)?;
            Some(Record::new(
                owner,
                ttl,
                RData::Nsec3(Nsec3 {
                    hash_algorithm: 1,
                    flags: 1,
                    iterations: 0,
                    salt: Vec::new(),
                    next_hashed_owner: next,
                    types: hashed[i].1.iter().copied().collect(),
                }),
            ))
        })
        .collect()
}

/// The DS record a parent publishes for a child signed with `keys`.
pub fn delegation_ds(child: &Name, keys: &ZoneKeys) -> Record {
    Record::new(child.clone(), KEY_TTL, RData::Ds(keys.ds()))
}

/// Whether a record is DNSSEC data that a response carries only when the query has DO:
/// RRSIG, NSEC, NSEC3 (DNSKEY, DS and NSEC3PARAM are ordinary data asked for by type).
pub fn is_dnssec_only(record: &Record) -> bool {
    matches!(
        record.rtype(),
        RecordType::RRSIG | RecordType::NSEC | RecordType::NSEC3
    )
}

/// Whether an RRSIG record covers `rtype`.
pub fn covers(record: &Record, rtype: RecordType) -> bool {
    matches!(&record.data, RData::Rrsig(sig) if sig.type_covered == rtype)
}

/// Whether a record belongs to the NSEC3 chain (an NSEC3 record or its RRSIG): its owner is a
/// hash, not a name of the zone.
pub fn is_nsec3_data(record: &Record) -> bool {
    record.rtype() == RecordType::NSEC3 || covers(record, RecordType::NSEC3)
}

/// Whether a NODATA answer at `name` cannot be given: the zone has an NSEC chain, `name`
/// holds records, but no NSEC of its own (a broken chain). BIND then answers SERVFAIL, with or
/// without DO, and so does the lab.
pub(crate) fn nodata_unprovable(zone: &Zone, name: &Name) -> bool {
    let mut nsec_chain = false;
    let mut owns_records = false;
    let mut own_nsec = false;
    for r in &zone.records {
        if r.rtype() == RecordType::NSEC {
            nsec_chain = true;
            own_nsec |= r.name == *name;
        } else if r.name == *name && r.rtype() != RecordType::RRSIG && !is_nsec3_data(r) {
            owns_records = true;
        }
    }
    nsec_chain && owns_records && !own_nsec
}

/// Adds to a response of a signed zone, for a query with DO, what a signing authoritative
/// server adds (RFC 4035 §3.1): the RRSIGs of every RRset it holds, the DS (or the proof there
/// is none) in a referral, and the NSEC or NSEC3 proofs of a negative or wildcard answer.
pub(crate) fn add_proofs(zone: &Zone, qname: &Name, response: &mut Message) {
    let proofs = Proofs::new(zone);
    let mut extra_answer: Vec<Record> = Vec::new();
    let mut extra_authority: Vec<Record> = Vec::new();
    // The RRsets of the answer, and where the chain ended inside the zone.
    let mut last = qname.clone();
    for set in Rrset::collect(&response.answers) {
        if set.name.is_subdomain_of(&zone.origin) {
            last = match set.data.first() {
                Some(RData::Cname(target)) if set.rtype == RecordType::CNAME => target.clone(),
                _ => set.name.clone(),
            };
        }
        let exact = zone.records_at(&set.name).any(|r| r.rtype() == set.rtype);
        if exact {
            extra_answer.extend(proofs.signatures(&set.name, set.rtype, &set.name));
        } else if let Some(wildcard) = proofs.wildcard_for(&set.name) {
            // Synthesised: the wildcard's signatures, and the proof the name does not exist.
            extra_answer.extend(proofs.signatures(&wildcard, set.rtype, &set.name));
            extra_authority.extend(proofs.no_name(&set.name, false));
        }
    }
    let referral = response
        .authority
        .iter()
        .find(|r| r.rtype() == RecordType::NS && r.name != zone.origin)
        .map(|r| r.name.clone());
    if let Some(cut) = referral {
        let ds: Vec<Record> = zone
            .records_at(&cut)
            .filter(|r| r.rtype() == RecordType::DS)
            .cloned()
            .collect();
        if ds.is_empty() {
            extra_authority.extend(proofs.no_type(&cut));
        } else {
            extra_authority.extend(ds);
            extra_authority.extend(proofs.signatures(&cut, RecordType::DS, &cut));
        }
    } else if response
        .authority
        .iter()
        .any(|r| r.rtype() == RecordType::SOA)
    {
        extra_authority.extend(proofs.signatures(&zone.origin, RecordType::SOA, &zone.origin));
        let target = if response.answers.is_empty() {
            qname
        } else {
            &last
        };
        if response.rcode() == dns_wire::Rcode::NXDOMAIN {
            extra_authority.extend(proofs.no_name(target, true));
        } else if crate::authority::name_exists(zone, target) {
            extra_authority.extend(proofs.no_type(target));
        } else {
            // A wildcard without the type: the name does not exist, the wildcard has no such
            // RRset.
            extra_authority.extend(proofs.no_name(target, false));
            if let Some(wildcard) = proofs.wildcard_for(target) {
                extra_authority.extend(proofs.no_type(&wildcard));
            }
        }
    }
    crate::authority::push_unique(&mut response.answers, extra_answer);
    crate::authority::push_unique(&mut response.authority, extra_authority);
}

/// The denial records of one signed zone, and how to find the ones a proof needs.
struct Proofs<'z> {
    zone: &'z Zone,
    nsec: Vec<(&'z Record, &'z Nsec)>,
    /// NSEC3 records with their owner's hash label and next hash label (base32hex, upper
    /// case: they sort as the hashes do).
    nsec3: Vec<(&'z Record, Vec<u8>, Vec<u8>)>,
}

impl<'z> Proofs<'z> {
    fn new(zone: &'z Zone) -> Proofs<'z> {
        let mut nsec = Vec::new();
        let mut nsec3 = Vec::new();
        for r in &zone.records {
            match &r.data {
                RData::Nsec(n) => nsec.push((r, n)),
                RData::Nsec3(n) => {
                    let owner = r
                        .name
                        .first_label()
                        .unwrap_or_default()
                        .to_ascii_uppercase();
                    let next = nsec3_owner(&zone.origin, &n.next_hashed_owner)
                        .and_then(|o| o.first_label().map(<[u8]>::to_vec))
                        .unwrap_or_default();
                    nsec3.push((r, owner, next));
                }
                _ => {}
            }
        }
        Proofs { zone, nsec, nsec3 }
    }

    /// The RRSIGs at `owner` covering `rtype`, with their owner set to `as_name`.
    fn signatures(&self, owner: &Name, rtype: RecordType, as_name: &Name) -> Vec<Record> {
        self.zone
            .records_at(owner)
            .filter(|r| covers(r, rtype))
            .map(|r| Record {
                name: as_name.clone(),
                ..r.clone()
            })
            .collect()
    }

    /// A record and its signature.
    fn with_sig(&self, record: &Record) -> Vec<Record> {
        let mut out = vec![record.clone()];
        out.extend(self.signatures(&record.name, record.rtype(), &record.name));
        out
    }

    /// The wildcard that synthesises `name`, if one does.
    fn wildcard_for(&self, name: &Name) -> Option<Name> {
        let mut up = name.parent();
        while let Some(candidate) = up {
            if !candidate.is_subdomain_of(&self.zone.origin) {
                return None;
            }
            if crate::authority::name_exists(self.zone, &candidate) {
                let wildcard = candidate.prepend(b"*").ok()?;
                return crate::authority::name_exists(self.zone, &wildcard).then_some(wildcard);
            }
            up = candidate.parent();
        }
        None
    }

    /// The longest ancestor of `name` that exists in the zone.
    fn closest_encloser(&self, name: &Name) -> Name {
        let mut up = name.parent();
        while let Some(candidate) = up {
            if !candidate.is_subdomain_of(&self.zone.origin) || candidate == self.zone.origin {
                break;
            }
            // With NSEC3, the closest *provable* encloser: one with an NSEC3 of its own.
            let provable = self.nsec3.is_empty() || self.nsec3_matching(&candidate).is_some();
            if crate::authority::name_exists(self.zone, &candidate) && provable {
                return candidate;
            }
            up = candidate.parent();
        }
        self.zone.origin.clone()
    }

    fn hash_label(&self, name: &Name) -> Vec<u8> {
        let h = nsec3_hash(&RingCrypto, name, &[], 0);
        nsec3_owner(&self.zone.origin, &h)
            .and_then(|o| o.first_label().map(<[u8]>::to_vec))
            .unwrap_or_default()
    }

    fn nsec3_matching(&self, name: &Name) -> Option<&'z Record> {
        let label = self.hash_label(name);
        self.nsec3
            .iter()
            .find(|(_, owner, _)| *owner == label)
            .map(|(r, _, _)| *r)
    }

    fn nsec3_covering(&self, name: &Name) -> Option<&'z Record> {
        let h = self.hash_label(name);
        self.nsec3
            .iter()
            .find(|(_, owner, next)| between(owner, next, &h))
            .map(|(r, _, _)| *r)
    }

    fn nsec_matching(&self, name: &Name) -> Option<&'z Record> {
        self.nsec
            .iter()
            .find(|(r, _)| &r.name == name)
            .map(|(r, _)| *r)
    }

    /// The NSEC of `name`'s predecessor: the one with the greatest owner before it in
    /// canonical order (the last one when none is before it). In an intact chain it covers
    /// the name; in a broken one it is what BIND serves (it looks the predecessor up, whether
    /// or not its next name passes `name`), so the two labs give the same broken proof.
    fn nsec_covering(&self, name: &Name) -> Option<&'z Record> {
        let before = self
            .nsec
            .iter()
            .filter(|(r, _)| &r.name < name)
            .max_by(|a, b| a.0.name.cmp(&b.0.name));
        before
            .or_else(|| self.nsec.iter().max_by(|a, b| a.0.name.cmp(&b.0.name)))
            .map(|(r, _)| *r)
    }

    /// The proof that `name` has no RRset of the type asked (it exists, or is an empty
    /// non-terminal), or for a delegation that there is no DS.
    fn no_type(&self, name: &Name) -> Vec<Record> {
        if !self.nsec.is_empty() {
            let found = self
                .nsec_matching(name)
                .or_else(|| self.nsec_covering(name));
            return found.map(|r| self.with_sig(r)).unwrap_or_default();
        }
        match self.nsec3_matching(name) {
            Some(r) => self.with_sig(r),
            // No record of its own (an unsigned delegation in an opt-out zone): the closest
            // provable encloser and the opt-out span that covers the next closer name.
            None => self.closest_encloser_proof(name, false),
        }
    }

    /// The proof that `name` does not exist; `wildcard` adds that no wildcard matches it
    /// (NXDOMAIN), without it only the name itself (a wildcard answer).
    fn no_name(&self, name: &Name, wildcard: bool) -> Vec<Record> {
        if !self.nsec.is_empty() {
            let mut out: Vec<Record> = self
                .nsec_covering(name)
                .map(|r| self.with_sig(r))
                .unwrap_or_default();
            if wildcard {
                let encloser = self.closest_encloser(name);
                if let Ok(star) = encloser.prepend(b"*") {
                    if let Some(r) = self.nsec_covering(&star) {
                        out.extend(self.with_sig(r));
                    }
                }
            }
            return out;
        }
        self.closest_encloser_proof(name, wildcard)
    }

    /// RFC 5155 §7.2.1: the NSEC3 matching the closest encloser, the one covering the next
    /// closer name, and (for NXDOMAIN) the one covering the wildcard at the closest encloser.
    fn closest_encloser_proof(&self, name: &Name, wildcard: bool) -> Vec<Record> {
        let encloser = self.closest_encloser(name);
        let mut out = Vec::new();
        if let Some(r) = self.nsec3_matching(&encloser) {
            out.extend(self.with_sig(r));
        }
        let labels = encloser.label_count() + 1;
        let next_closer = suffix(name, labels);
        if let Some(r) = self.nsec3_covering(&next_closer) {
            out.extend(self.with_sig(r));
        }
        if wildcard {
            if let Ok(star) = encloser.prepend(b"*") {
                if let Some(r) = self.nsec3_covering(&star) {
                    out.extend(self.with_sig(r));
                }
            }
        }
        out
    }
}

/// `name` cut to its last `labels` labels.
fn suffix(name: &Name, labels: usize) -> Name {
    let mut out = name.clone();
    while out.label_count() > labels {
        match out.parent() {
            Some(p) => out = p,
            None => break,
        }
    }
    out
}

/// Whether `x` lies strictly between `owner` and `next`, the last record wrapping around.
pub(crate) fn between<T: Ord + ?Sized>(owner: &T, next: &T, x: &T) -> bool {
    if owner < next {
        owner < x && x < next
    } else {
        owner < x || x < next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ZoneBuilder;
    use dns_wire::dnssec::{Limits, Security, TrustAnchors, Validator};

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn lab_keys_are_fixed_and_differ_per_zone_and_generation() {
        let a = ZoneKeys::lab(&n("example.com"), 0);
        let b = ZoneKeys::lab(&n("example.com"), 0);
        assert_eq!(a.ksk.dnskey, b.ksk.dnskey);
        assert_ne!(a.ksk.dnskey, a.zsk.dnskey);
        assert_ne!(a.ksk.dnskey, ZoneKeys::lab(&n("example.com"), 1).ksk.dnskey);
        assert_ne!(a.ksk.dnskey, ZoneKeys::lab(&n("example.net"), 0).ksk.dnskey);
    }

    #[test]
    fn a_signed_zone_validates_from_the_lab_anchor() {
        let root = ZoneBuilder::new(".", &["a.root.lab-servers.net"]).build();
        let keys = ZoneKeys::lab(&Name::root(), 0);
        let signed = sign_zone(&root, &keys, Denial::Nsec, Window::LONG);
        let anchors = TrustAnchors::parse(&trust_anchor()).unwrap();
        let (ds, dnskeys) = anchors.for_zone(&Name::root());
        let dnskey = Rrset::find(&signed.records, &Name::root(), RecordType::DNSKEY).unwrap();
        let mut v = Validator::new(&RingCrypto, u64::from(LAB_NOW), Limits::default());
        let (security, keys) = v.zone_keys(&Name::root(), &ds, &dnskeys, Some(&dnskey));
        assert_eq!(security, Security::Secure);
        let soa = Rrset::find(&signed.records, &Name::root(), RecordType::SOA).unwrap();
        assert!(v
            .verify_rrset(&soa, &Name::root(), &keys.unwrap().keys)
            .is_ok());
    }

    #[test]
    fn opt_out_chains_leave_unsigned_delegations_out() {
        let zone = ZoneBuilder::new("com", &["a.com.lab-servers.net"])
            .ns("unsigned.com", "ns1.dnshost.com")
            .ns("signed.com", "ns1.dnshost.com")
            .build();
        let mut zone = zone;
        zone.records.push(delegation_ds(
            &n("signed.com"),
            &ZoneKeys::lab(&n("signed.com"), 0),
        ));
        let signed = sign_zone(
            &zone,
            &ZoneKeys::lab(&n("com"), 0),
            Denial::Nsec3OptOut,
            Window::LONG,
        );
        let nsec3: Vec<&Record> = signed
            .records
            .iter()
            .filter(|r| r.rtype() == RecordType::NSEC3)
            .collect();
        // The apex and signed.com; unsigned.com is covered by an opt-out span.
        assert_eq!(nsec3.len(), 2);
        // No RRSIG over the NS of a delegation, one over the DS.
        assert!(!signed
            .records
            .iter()
            .any(|r| r.name == n("unsigned.com") && r.rtype() == RecordType::RRSIG));
        assert!(signed
            .records
            .iter()
            .any(|r| r.name == n("signed.com") && covers(r, RecordType::DS)));
    }
}
