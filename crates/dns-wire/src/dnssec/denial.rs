//! Authenticated denial of existence: NSEC (RFC 4035 §5.4, RFC 6840 §4) and NSEC3 (RFC 5155
//! §8, opt-out included), each record's signature verified first.

use std::cmp::Ordering;

use super::crypto::{Crypto, DigestAlgorithm};
use super::keys::canonical_name;
use super::rrset::Rrset;
use super::{BogusReason, InsecureReason, Validator, ZoneKeys};
use crate::name::Name;
use crate::rdata::{Nsec, Nsec3, RData};
use crate::types::RecordType;

/// What a denial proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialKind {
    /// The name does not exist, nor a wildcard that would match it.
    NxDomain,
    /// The name exists without the type (or is an empty non-terminal).
    NoData,
    /// The name does not exist, and the wildcard that matches it lacks the type.
    WildcardNoData,
    /// (DS only) an NSEC3 opt-out span covers the name: an unsigned delegation may exist.
    OptOut,
}

/// A denial that holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenialProof {
    /// What it proves.
    pub kind: DenialKind,
    /// Whether NSEC3 (rather than NSEC) proved it.
    pub nsec3: bool,
    /// Set when the proof could not be completed for a reason that makes the answer insecure
    /// rather than bogus (NSEC3 iterations above the limit, RFC 9276 §3.2).
    pub insecure: Option<InsecureReason>,
}

/// The NSEC3 hash of `name` (RFC 5155 §5): SHA-1 of the canonical name and the salt, then
/// `iterations` more times of the previous hash and the salt.
pub fn nsec3_hash(crypto: &dyn Crypto, name: &Name, salt: &[u8], iterations: u16) -> Vec<u8> {
    let mut hash = crypto.digest(DigestAlgorithm::Sha1, &[&canonical_name(name), salt]);
    for _ in 0..iterations {
        hash = crypto.digest(DigestAlgorithm::Sha1, &[&hash, salt]);
    }
    hash
}

/// The owner name of the NSEC3 record for `hash` in `zone` (RFC 5155 §3): the hash in
/// base32hex (upper case) as one label below the zone. A signer (the lab's) builds its chain
/// with it; base32hex keeps the order of the hashes, so owners sort as their hashes do.
pub fn nsec3_owner(zone: &Name, hash: &[u8]) -> Option<Name> {
    let mut label = String::with_capacity(hash.len() * 8 / 5 + 1);
    crate::display::write_base32hex(&mut label, hash).ok()?;
    zone.prepend(label.as_bytes()).ok()
}

/// Decodes unpadded base32hex (RFC 4648 §7), either case; `None` for any other symbol or a
/// length no encoder produces.
pub(crate) fn base32hex_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut acc: u64 = 0;
    let mut bits = 0;
    for &c in text {
        let v = match c.to_ascii_uppercase() {
            c @ b'0'..=b'9' => c - b'0',
            c @ b'A'..=b'V' => c - b'A' + 10,
            _ => return None,
        };
        acc = (acc << 5) | u64::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be padding zeros, fewer than 5 of them.
    (bits < 5 && acc == 0).then_some(out)
}

/// Whether `name` lies strictly between `owner` and `next` in canonical order, the last NSEC
/// of a zone (its `next` is the apex, at or before its owner) covering everything after it.
fn nsec_covers(owner: &Name, next: &Name, name: &Name) -> bool {
    match owner.cmp(next) {
        Ordering::Less => owner < name && name < next,
        _ => owner < name || name < next,
    }
}

/// Whether hash `h` lies strictly between `owner` and `next`, with the same wrap-around.
fn hash_covers(owner: &[u8], next: &[u8], h: &[u8]) -> bool {
    match owner.cmp(next) {
        Ordering::Less => owner < h && h < next,
        _ => owner < h || h < next,
    }
}

/// The longest common ancestor of two names (labels compared case-insensitively).
fn common_ancestor(a: &Name, b: &Name) -> Name {
    let mut x = a.clone();
    while !b.is_subdomain_of(&x) {
        match x.parent() {
            Some(p) => x = p,
            None => break,
        }
    }
    x
}

/// The names from `name` up to (and including) `zone`.
fn ancestors(name: &Name, zone: &Name) -> Vec<Name> {
    let mut out = vec![name.clone()];
    let mut x = name.clone();
    while &x != zone {
        match x.parent() {
            Some(p) => {
                out.push(p.clone());
                x = p;
            }
            None => break,
        }
    }
    out
}

/// An NSEC3 record usable for proofs: hash of its owner decoded.
struct Nsec3Entry<'a> {
    owner_hash: Vec<u8>,
    rec: &'a Nsec3,
}

/// Hashes computed for one proof, each counted against the limits.
struct Hasher<'v, 'c> {
    validator: &'v mut Validator<'c>,
    done: u32,
    cache: Vec<(Name, Vec<u8>, u16, Vec<u8>)>,
}

impl Hasher<'_, '_> {
    fn hash(&mut self, name: &Name, salt: &[u8], iterations: u16) -> Result<Vec<u8>, BogusReason> {
        if let Some((_, _, _, h)) = self
            .cache
            .iter()
            .find(|(n, s, i, _)| n == name && s == salt && *i == iterations)
        {
            return Ok(h.clone());
        }
        let limits = self.validator.limits;
        if self.done >= limits.nsec3_hashes_per_proof {
            return Err(BogusReason::LimitExceeded {
                what: "NSEC3 hash computations for one proof",
                limit: limits.nsec3_hashes_per_proof,
            });
        }
        if self.validator.usage.nsec3_hashes >= limits.nsec3_hashes_total {
            return Err(BogusReason::LimitExceeded {
                what: "NSEC3 hash computations",
                limit: limits.nsec3_hashes_total,
            });
        }
        self.done += 1;
        self.validator.usage.nsec3_hashes += 1;
        let h = nsec3_hash(self.validator.crypto, name, salt, iterations);
        self.cache
            .push((name.clone(), salt.to_vec(), iterations, h.clone()));
        Ok(h)
    }
}

impl Validator<'_> {
    /// Proves that `qname` has no `qtype` RRset (NODATA) or does not exist (NXDOMAIN) with
    /// the NSEC or NSEC3 RRsets of a response's authority section, each first verified with
    /// the zone's keys. For `qtype` DS the proof is about a delegation: the NSEC/NSEC3 must
    /// come from the parent side (no SOA bit), and an NSEC3 opt-out span proves an insecure
    /// delegation ([`DenialKind::OptOut`]).
    pub fn prove_denial(
        &mut self,
        qname: &Name,
        qtype: RecordType,
        keys: &ZoneKeys,
        records: &[Rrset],
    ) -> Result<DenialProof, BogusReason> {
        let mut nsecs: Vec<(Name, Nsec)> = Vec::new();
        let mut nsec3s: Vec<(Name, Nsec3)> = Vec::new();
        for set in records {
            if !matches!(set.rtype, RecordType::NSEC | RecordType::NSEC3)
                || !set.name.is_subdomain_of(&keys.zone)
            {
                continue;
            }
            self.verify_rrset(set, &keys.zone, &keys.keys)?;
            for d in &set.data {
                match d {
                    RData::Nsec(n) => nsecs.push((set.name.clone(), n.clone())),
                    RData::Nsec3(n) => nsec3s.push((set.name.clone(), n.clone())),
                    _ => {}
                }
            }
        }
        let invalid = |why| BogusReason::DenialInvalid {
            name: qname.clone(),
            rtype: qtype,
            why,
        };
        if !nsecs.is_empty() {
            return nsec_proof(qname, qtype, &keys.zone, &nsecs).map_err(invalid);
        }
        if !nsec3s.is_empty() {
            return self.nsec3_proof(qname, qtype, &keys.zone, &nsec3s);
        }
        Err(BogusReason::DenialMissing {
            name: qname.clone(),
            rtype: qtype,
        })
    }

    /// Proves that an answer synthesised from a wildcard was allowed to be (RFC 4035 §5.3.4,
    /// RFC 5155 §8.8): the exact name `qname` does not exist, shown by a verified NSEC that
    /// covers it, or an NSEC3 that covers the next closer name (the name one label below the
    /// wildcard's parent, `labels` being the RRSIG's labels field).
    pub fn prove_wildcard_expansion(
        &mut self,
        qname: &Name,
        labels: u8,
        keys: &ZoneKeys,
        records: &[Rrset],
    ) -> Result<(), BogusReason> {
        let invalid = |why| BogusReason::DenialInvalid {
            name: qname.clone(),
            rtype: RecordType::ANY,
            why,
        };
        let mut nsec3s: Vec<(Name, Nsec3)> = Vec::new();
        let mut any = false;
        for set in records {
            if !matches!(set.rtype, RecordType::NSEC | RecordType::NSEC3)
                || !set.name.is_subdomain_of(&keys.zone)
            {
                continue;
            }
            self.verify_rrset(set, &keys.zone, &keys.keys)?;
            any = true;
            for d in &set.data {
                match d {
                    RData::Nsec(n) if nsec_covers(&set.name, &n.next, qname) => return Ok(()),
                    RData::Nsec3(n) => nsec3s.push((set.name.clone(), n.clone())),
                    _ => {}
                }
            }
        }
        if !any {
            return Err(BogusReason::DenialMissing {
                name: qname.clone(),
                rtype: RecordType::ANY,
            });
        }
        let next_closer = super::rrset::suffix(qname, usize::from(labels) + 1);
        for (owner, n) in &nsec3s {
            if n.hash_algorithm != 1 || owner.parent().as_ref() != Some(&keys.zone) {
                continue;
            }
            let Some(owner_hash) = owner.first_label().and_then(base32hex_decode) else {
                continue;
            };
            if self.usage.nsec3_hashes >= self.limits.nsec3_hashes_total {
                return Err(BogusReason::LimitExceeded {
                    what: "NSEC3 hash computations",
                    limit: self.limits.nsec3_hashes_total,
                });
            }
            self.usage.nsec3_hashes += 1;
            let h = nsec3_hash(self.crypto, &next_closer, &n.salt, n.iterations);
            if hash_covers(&owner_hash, &n.next_hashed_owner, &h) {
                return Ok(());
            }
        }
        Err(invalid(
            "no NSEC or NSEC3 shows that the name the wildcard answered does not exist",
        ))
    }

    fn nsec3_proof(
        &mut self,
        qname: &Name,
        qtype: RecordType,
        zone: &Name,
        nsec3s: &[(Name, Nsec3)],
    ) -> Result<DenialProof, BogusReason> {
        let invalid = |why| BogusReason::DenialInvalid {
            name: qname.clone(),
            rtype: qtype,
            why,
        };
        // RFC 5155 §8.1-8.2: ignore unknown hash algorithms and unknown flags; owners must be
        // one hashed label directly below the zone.
        let entries: Vec<Nsec3Entry> = nsec3s
            .iter()
            .filter(|(owner, n)| {
                n.hash_algorithm == 1 && n.flags & !1 == 0 && owner.parent().as_ref() == Some(zone)
            })
            .filter_map(|(owner, rec)| {
                let owner_hash = base32hex_decode(owner.first_label()?)?;
                (owner_hash.len() == rec.next_hashed_owner.len())
                    .then_some(Nsec3Entry { owner_hash, rec })
            })
            .collect();
        let Some(first) = entries.first() else {
            return Err(invalid("no NSEC3 record with a known hash algorithm"));
        };
        let limit = self.limits.max_nsec3_iterations;
        if let Some(e) = entries.iter().find(|e| e.rec.iterations > limit) {
            return Ok(DenialProof {
                kind: DenialKind::NoData,
                nsec3: true,
                insecure: Some(InsecureReason::Nsec3Iterations {
                    iterations: e.rec.iterations,
                    limit,
                }),
            });
        }
        // One zone, one set of parameters (RFC 5155 §7.1); the first record's are used.
        let (salt, iterations) = (first.rec.salt.clone(), first.rec.iterations);
        let mut hasher = Hasher {
            validator: self,
            done: 0,
            cache: Vec::new(),
        };
        let matching = |h: &[u8]| entries.iter().find(|e| e.owner_hash == h);
        let covering = |h: &[u8]| {
            entries
                .iter()
                .find(|e| hash_covers(&e.owner_hash, &e.rec.next_hashed_owner, h))
        };
        let proof = |kind| DenialProof {
            kind,
            nsec3: true,
            insecure: None,
        };

        // NODATA: an NSEC3 matches the name itself (RFC 5155 §8.5, §8.6).
        let h = hasher.hash(qname, &salt, iterations)?;
        if let Some(m) = matching(&h) {
            let types = &m.rec.types;
            if types.contains(&qtype) || types.contains(&RecordType::CNAME) {
                return Err(invalid("the NSEC3 at the name lists the type"));
            }
            let delegation = types.contains(&RecordType::NS) && !types.contains(&RecordType::SOA);
            if qtype == RecordType::DS {
                if types.contains(&RecordType::SOA) && qname != zone {
                    return Err(invalid(
                        "the NSEC3 comes from the child zone, not the parent",
                    ));
                }
            } else if delegation {
                return Err(invalid(
                    "the NSEC3 is from a delegation point above the name",
                ));
            }
            return Ok(proof(DenialKind::NoData));
        }

        // Closest encloser proof (RFC 5155 §8.3): the deepest ancestor with a matching NSEC3,
        // and an NSEC3 covering the next closer name below it.
        let chain = ancestors(qname, zone);
        let mut encloser = None;
        for pair in chain.windows(2) {
            let (next_closer, candidate) = (&pair[0], &pair[1]);
            let hc = hasher.hash(candidate, &salt, iterations)?;
            if let Some(m) = matching(&hc) {
                let types = &m.rec.types;
                if types.contains(&RecordType::DNAME)
                    || (types.contains(&RecordType::NS) && !types.contains(&RecordType::SOA))
                {
                    return Err(invalid("the closest encloser is a delegation or a DNAME"));
                }
                encloser = Some((candidate.clone(), next_closer.clone()));
                break;
            }
        }
        let Some((ce, next_closer)) = encloser else {
            return Err(invalid("no closest encloser proof"));
        };
        let hn = hasher.hash(&next_closer, &salt, iterations)?;
        let Some(cover) = covering(&hn) else {
            return Err(invalid("no NSEC3 covers the next closer name"));
        };
        if qtype == RecordType::DS {
            // RFC 5155 §8.6: no match for a DS query is only a proof under opt-out.
            return if cover.rec.flags & 1 != 0 {
                Ok(proof(DenialKind::OptOut))
            } else {
                Err(invalid(
                    "no NSEC3 matches the delegation and no opt-out span covers it",
                ))
            };
        }
        let wildcard = ce
            .prepend(b"*")
            .map_err(|_| invalid("the wildcard name is too long"))?;
        let hw = hasher.hash(&wildcard, &salt, iterations)?;
        if let Some(m) = matching(&hw) {
            if m.rec.types.contains(&qtype) || m.rec.types.contains(&RecordType::CNAME) {
                return Err(invalid("a wildcard matches the name with the type"));
            }
            return Ok(proof(DenialKind::WildcardNoData));
        }
        if covering(&hw).is_none() {
            return Err(invalid(
                "no NSEC3 covers the wildcard at the closest encloser",
            ));
        }
        Ok(proof(DenialKind::NxDomain))
    }
}

/// The NSEC proofs (RFC 4035 §5.4, RFC 6840 §4.1, §4.3); `Err` says what is missing.
fn nsec_proof(
    qname: &Name,
    qtype: RecordType,
    zone: &Name,
    nsecs: &[(Name, Nsec)],
) -> Result<DenialProof, &'static str> {
    let proof = |kind| DenialProof {
        kind,
        nsec3: false,
        insecure: None,
    };
    let has = |n: &Nsec, t| n.types.contains(&t);
    if let Some((_, n)) = nsecs.iter().find(|(owner, _)| owner == qname) {
        if has(n, qtype) || has(n, RecordType::CNAME) {
            return Err("the NSEC at the name lists the type");
        }
        let delegation = has(n, RecordType::NS) && !has(n, RecordType::SOA);
        if qtype == RecordType::DS {
            if has(n, RecordType::SOA) && qname != zone {
                return Err("the NSEC comes from the child zone, not the parent");
            }
        } else if delegation {
            return Err("the NSEC is from a delegation point above the name");
        }
        return Ok(proof(DenialKind::NoData));
    }
    // An NSEC from a delegation point or a DNAME above the name proves nothing below it.
    let usable = |owner: &Name, n: &Nsec| {
        let cut = (has(n, RecordType::NS) && !has(n, RecordType::SOA)) || has(n, RecordType::DNAME);
        !(cut && qname.is_subdomain_of(owner) && qname != owner)
    };
    let Some((owner, n)) = nsecs
        .iter()
        .find(|(owner, n)| usable(owner, n) && nsec_covers(owner, &n.next, qname))
    else {
        return Err("no NSEC matches or covers the name");
    };
    // An empty non-terminal: the next name lies below the name (RFC 4035 §3.1.3.2).
    if n.next.is_subdomain_of(qname) && &n.next != qname {
        return Ok(proof(DenialKind::NoData));
    }
    let ce_owner = common_ancestor(qname, owner);
    let ce_next = common_ancestor(qname, &n.next);
    let ce = if ce_owner.label_count() >= ce_next.label_count() {
        ce_owner
    } else {
        ce_next
    };
    if !ce.is_subdomain_of(zone) {
        return Err("the closest encloser is outside the zone");
    }
    let wildcard = ce
        .prepend(b"*")
        .map_err(|_| "the wildcard name is too long")?;
    if let Some((_, w)) = nsecs.iter().find(|(o, _)| o == &wildcard) {
        if has(w, qtype) || has(w, RecordType::CNAME) {
            return Err("a wildcard matches the name with the type");
        }
        return Ok(proof(DenialKind::WildcardNoData));
    }
    if !nsecs
        .iter()
        .any(|(o, w)| usable(o, w) && nsec_covers(o, &w.next, &wildcard))
    {
        return Err("no NSEC proves there is no wildcard at the closest encloser");
    }
    Ok(proof(DenialKind::NxDomain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnssec::RingCrypto;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn nsec3_owners_decode_to_their_hash_and_sort_as_it() {
        let zone = n("example");
        let a = nsec3_hash(&RingCrypto, &n("a.example"), &[], 0);
        let b = nsec3_hash(&RingCrypto, &n("b.example"), &[], 0);
        let (oa, ob) = (
            nsec3_owner(&zone, &a).unwrap(),
            nsec3_owner(&zone, &b).unwrap(),
        );
        assert_eq!(oa.parent(), Some(zone));
        assert_eq!(base32hex_decode(oa.first_label().unwrap()), Some(a.clone()));
        assert_eq!(a.cmp(&b), oa.cmp(&ob));
    }

    #[test]
    fn nsec3_hash_matches_rfc_5155_appendix_a() {
        // RFC 5155 Appendix A: salt aabbccdd, 12 iterations.
        let salt = [0xAA, 0xBB, 0xCC, 0xDD];
        for (name, expected) in [
            ("example", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
            ("a.example", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
            ("*.w.example", "r53bq7cc2uvmubfu5ocmm6pers9tk9en"),
        ] {
            let h = nsec3_hash(&RingCrypto, &n(name), &salt, 12);
            let mut text = String::new();
            crate::display::write_base32hex(&mut text, &h).unwrap();
            assert_eq!(text.to_ascii_lowercase(), expected, "{name}");
            assert_eq!(base32hex_decode(expected.as_bytes()), Some(h));
        }
        assert_eq!(base32hex_decode(b"W0"), None);
        assert_eq!(base32hex_decode(b"0"), None);
    }

    #[test]
    fn nsec_coverage_wraps_at_the_end_of_the_zone() {
        let (a, c, apex) = (n("a.example"), n("c.example"), n("example"));
        assert!(nsec_covers(&a, &c, &n("b.example")));
        assert!(!nsec_covers(&a, &c, &c));
        assert!(!nsec_covers(&a, &c, &a));
        // The last NSEC: c -> apex covers everything after c.
        assert!(nsec_covers(&c, &apex, &n("d.example")));
        assert!(!nsec_covers(&c, &apex, &n("b.example")));
        assert_eq!(
            common_ancestor(&n("x.b.example"), &n("y.b.example")),
            n("b.example")
        );
    }

    #[test]
    fn nsec_denials() {
        let zone = n("example");
        let rec = |owner: &str, next: &str, types: &[RecordType]| {
            (
                n(owner),
                Nsec {
                    next: n(next),
                    types: types.to_vec(),
                },
            )
        };
        use RecordType as T;
        let chain = vec![
            rec(
                "example",
                "a.example",
                &[T::SOA, T::NS, T::NSEC, T::RRSIG, T::DNSKEY],
            ),
            rec("a.example", "d.b.example", &[T::A, T::NSEC, T::RRSIG]),
            rec("d.b.example", "sub.example", &[T::TXT, T::NSEC, T::RRSIG]),
            rec("sub.example", "example", &[T::NS, T::NSEC, T::RRSIG]),
        ];
        let kind = |q: &str, t| nsec_proof(&n(q), t, &zone, &chain).map(|p| p.kind);
        assert_eq!(kind("a.example", T::TXT), Ok(DenialKind::NoData));
        assert!(kind("a.example", T::A).is_err());
        // Empty non-terminal b.example.
        assert_eq!(kind("b.example", T::TXT), Ok(DenialKind::NoData));
        // c.example sorts after d.b.example (labels compare from the root): covered by
        // d.b -> sub; the wildcard *.example sorts first and is covered by example -> a.
        assert_eq!(kind("c.example", T::TXT), Ok(DenialKind::NxDomain));
        // A DS denial at the delegation.
        assert_eq!(kind("sub.example", T::DS), Ok(DenialKind::NoData));
        // The parent-side NSEC proves nothing about data below the cut.
        assert!(kind("x.sub.example", T::TXT).is_err());
        assert!(kind("sub.example", T::TXT).is_err());
        // Without the NSEC covering the wildcard, NXDOMAIN is unproven.
        let partial = &chain[1..];
        assert!(nsec_proof(&n("c.example"), T::TXT, &zone, partial).is_err());
    }
}
