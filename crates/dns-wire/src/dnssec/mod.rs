//! DNSSEC validation, sans-I/O: the caller brings the records (DS, DNSKEY, RRSIG, NSEC,
//! NSEC3 from the answers it got) and the time; this module says what they prove.
//!
//! - [`rrset`]: RRsets, canonical form and ordering, the octets a signature covers (RFC 4034
//!   §3.1.8.1, §6; RFC 6840 §5.1).
//! - [`keys`]: key tags (RFC 4034 Appendix B) and DS digests (SHA-1, SHA-256, SHA-384).
//! - [`Validator`]: RRSIG verification over an RRset with the clock passed in (inception and
//!   expiration in serial-number arithmetic, RFC 4034 §3.1.5, RFC 1982), the keys of a zone
//!   from a trust anchor or from the DS set at its parent, the chain of trust
//!   ([`Validator::chain`]), and the denial proofs ([`Validator::prove_denial`]: NSEC, RFC 4035
//!   §5.4; NSEC3, RFC 5155 §8, opt-out included).
//! - [`ds_evidence`], [`dnskey_rrset`], [`Validator::response`], [`Validator::referral`]:
//!   what one server's response proves, from its sections.
//! - [`TrustAnchors`]: the IANA root KSKs built in, or anchors read from a file of DS or DNSKEY
//!   records in zone-file form.
//! - [`Crypto`]: the cryptography as a small trait, with [`RingCrypto`] on `ring`.
//!
//! Each result is a [`Security`] (RFC 4033 §5, RFC 4035 §4.3): secure, insecure, bogus or
//! indeterminate, with a typed reason.
//!
//! The work is bounded, as validators bound it since KeyTrap (CVE-2023-50387) and the NSEC3
//! closest-encloser attack (CVE-2023-50868): see [`Limits`].

mod anchor;
pub mod crypto;
mod denial;
pub mod keys;
mod response;
pub mod rrset;
pub mod sign;

use std::fmt;

pub use anchor::{AnchorError, TrustAnchors, IANA_ROOT_ANCHORS};
pub use crypto::{
    algorithm_mnemonic, digest_mnemonic, AlgorithmStatus, Crypto, CryptoError, DigestAlgorithm,
    RingCrypto,
};
pub use denial::{nsec3_hash, nsec3_owner, DenialKind, DenialProof};
pub use response::{denial_rrsets, dnskey_rrset, ds_evidence, ResponseSecurity};
pub use rrset::Rrset;

use crate::name::Name;
use crate::rdata::{Dnskey, Ds, RData};
use crate::types::RecordType;
use crypto::{algorithm_status, digest_status};
use keys::{ds_matches, key_tag, FLAG_REVOKE, FLAG_ZONE};

/// Bounds on the work of one [`Validator`] (one check), after KeyTrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Signature verifications tried for one RRset: Unbound 1.19.1's `MAX_VALIDATE_RRSIGS`
    /// (8). A ninth RRSIG/DNSKEY pair is not tried and the RRset is bogus, as in Unbound.
    pub signatures_per_rrset: u32,
    /// Signature verifications for the whole validation. A healthy check of a CNAME into a
    /// provider's zone verifies about 60 (about 6 zones, each with a DS, a DNSKEY and one
    /// answer RRset, for each of 2 to 4 servers); 512 leaves room for 8 servers per zone and
    /// long chains while bounding the CPU (512 RSA-2048 verifications are about 15 ms).
    pub signatures_total: u32,
    /// NSEC3 hash computations for one denial proof: Unbound 1.19.1's
    /// `MAX_NSEC3_CALCULATIONS` (8).
    pub nsec3_hashes_per_proof: u32,
    /// NSEC3 hash computations for the whole validation.
    pub nsec3_hashes_total: u32,
    /// Most NSEC3 iterations accepted: above it a denial proves nothing and the answer is
    /// insecure (RFC 9276 §3.2). 150 is BIND 9.18's `DNS_NSEC3_MAXITERATIONS` and Unbound's
    /// `val-nsec3-keysize-iterations` default; BIND 9.20 lowered it to 50.
    pub max_nsec3_iterations: u16,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            signatures_per_rrset: 8,
            signatures_total: 512,
            nsec3_hashes_per_proof: 8,
            nsec3_hashes_total: 256,
            max_nsec3_iterations: 150,
        }
    }
}

/// Work done so far by a [`Validator`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Signature verifications attempted (the expensive operation).
    pub signatures: u32,
    /// Verifications answered from the validator's memory: the same signature over the same
    /// data with the same key, already checked (the servers of a pre-signed zone all serve the
    /// same RRSIGs). They cost a SHA-256 of the signed data, and count against no limit.
    pub remembered: u32,
    /// NSEC3 hashes computed (each of `1 + iterations` SHA-1 rounds).
    pub nsec3_hashes: u32,
}

/// The outcome of validating an RRset, a zone's keys or a denial (RFC 4035 §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// A chain of signatures leads to a trust anchor.
    Secure,
    /// Proven unsigned: the chain proves there is no DS, or only algorithms a validator may
    /// not use. Validators answer it without the AD bit.
    Insecure(InsecureReason),
    /// Should be signed, and the signatures do not check out: validators answer SERVFAIL.
    Bogus(BogusReason),
    /// The records needed to decide were not available.
    Indeterminate(IndeterminateReason),
}

impl Security {
    /// Whether this is [`Security::Bogus`].
    pub fn is_bogus(&self) -> bool {
        matches!(self, Security::Bogus(_))
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Security::Secure => f.write_str("secure"),
            Security::Insecure(r) => write!(f, "insecure: {r}"),
            Security::Bogus(r) => write!(f, "bogus: {r}"),
            Security::Indeterminate(r) => write!(f, "indeterminate: {r}"),
        }
    }
}

/// Why an answer is insecure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsecureReason {
    /// The parent proves there is no DS for the zone (NSEC or NSEC3 NODATA).
    #[error("the parent zone proves {zone} has no DS record")]
    NoDs {
        /// The unsigned zone.
        zone: Name,
    },
    /// An NSEC3 opt-out span covers the delegation: it may have no DS (RFC 5155 §6).
    #[error("an NSEC3 opt-out span covers the delegation of {zone}")]
    OptOut {
        /// The zone below the opt-out span.
        zone: Name,
    },
    /// The DS records (or anchors) name only algorithms or digest types a validator does not
    /// use (RFC 4035 §5.2, RFC 6840 §5.2).
    #[error("{zone} is signed only with algorithms a validator does not use: {algorithms:?}")]
    UnsupportedAlgorithms {
        /// The zone.
        zone: Name,
        /// The DNSKEY algorithm numbers (or DS digest types, for a digest problem) seen.
        algorithms: Vec<u8>,
        /// Whether they are deprecated (SHA-1, MD5, DSA, GOST) rather than unknown.
        deprecated: bool,
    },
    /// An NSEC3 chain uses more iterations than [`Limits::max_nsec3_iterations`].
    #[error("NSEC3 with {iterations} iterations, above the limit of {limit}")]
    Nsec3Iterations {
        /// The iterations of the NSEC3 records.
        iterations: u16,
        /// The limit.
        limit: u16,
    },
    /// An ancestor is insecure, so everything below it is.
    #[error("the parent zone {zone} is insecure")]
    InsecureParent {
        /// The insecure ancestor.
        zone: Name,
    },
}

/// Why an answer is bogus.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BogusReason {
    /// The DS set at the parent names keys the zone does not publish (the zone moved to a new
    /// host, or rolled its key without updating the parent).
    #[error("no DNSKEY of {zone} matches its DS records (DS {ds:?}, DNSKEY {keys:?})")]
    NoDnskeyMatchesDs {
        /// The zone.
        zone: Name,
        /// The DS records: key tag, algorithm, digest type.
        ds: Vec<(u16, u8, u8)>,
        /// The DNSKEYs published: key tag, algorithm, flags.
        keys: Vec<(u16, u8, u16)>,
    },
    /// The parent has a DS, the zone answers without DNSKEY: the zone is not signed.
    #[error("{zone} has a DS at its parent but publishes no DNSKEY")]
    DnskeyMissing {
        /// The zone.
        zone: Name,
    },
    /// A key that matches the DS exists but does not sign the DNSKEY set.
    #[error("the DNSKEY set of {zone} is not signed by a key its DS names ({why})")]
    DnskeyNotSigned {
        /// The zone.
        zone: Name,
        /// Why the signatures failed.
        why: Box<BogusReason>,
    },
    /// An RRset of a signed zone comes without RRSIG.
    #[error("{name} {rtype} has no RRSIG")]
    RrsigMissing {
        /// Owner.
        name: Name,
        /// Type.
        rtype: RecordType,
    },
    /// No RRSIG names a key of the zone (by signer, key tag and algorithm).
    #[error("{name} {rtype} is signed by key {key_tag} (algorithm {algorithm}), which {zone} does not publish")]
    NoMatchingKey {
        /// Owner.
        name: Name,
        /// Type.
        rtype: RecordType,
        /// Key tag in the RRSIG.
        key_tag: u16,
        /// Algorithm in the RRSIG.
        algorithm: u8,
        /// The zone whose keys were tried.
        zone: Name,
    },
    /// A signature does not verify.
    #[error("the RRSIG over {name} {rtype} by key {key_tag} does not verify")]
    SignatureInvalid {
        /// Owner.
        name: Name,
        /// Type.
        rtype: RecordType,
        /// Key tag.
        key_tag: u16,
    },
    /// The signature's validity period ended.
    #[error("the RRSIG over {name} {rtype} by key {key_tag} expired at {expiration}")]
    SignatureExpired {
        /// Owner.
        name: Name,
        /// Type.
        rtype: RecordType,
        /// Key tag.
        key_tag: u16,
        /// Expiration, seconds since the epoch modulo 2^32.
        expiration: u32,
    },
    /// The signature's validity period has not begun.
    #[error("the RRSIG over {name} {rtype} by key {key_tag} is not valid before {inception}")]
    SignatureNotYetValid {
        /// Owner.
        name: Name,
        /// Type.
        rtype: RecordType,
        /// Key tag.
        key_tag: u16,
        /// Inception, seconds since the epoch modulo 2^32.
        inception: u32,
    },
    /// A signed zone answered without the NSEC or NSEC3 records that prove the denial.
    #[error("no NSEC or NSEC3 proves that {name} {rtype} does not exist")]
    DenialMissing {
        /// The name denied.
        name: Name,
        /// The type denied.
        rtype: RecordType,
    },
    /// NSEC or NSEC3 records came but do not prove the denial.
    #[error("the NSEC/NSEC3 records do not prove that {name} {rtype} does not exist: {why}")]
    DenialInvalid {
        /// The name denied.
        name: Name,
        /// The type denied.
        rtype: RecordType,
        /// What is missing.
        why: &'static str,
    },
    /// The parent is signed, and neither a DS nor a proof of its absence came.
    #[error("the parent of {zone} neither has a DS for it nor proves there is none")]
    DsUnproven {
        /// The zone.
        zone: Name,
    },
    /// A work limit was reached ([`Limits`]); validators give up the same way.
    #[error("validation gave up: more than {limit} {what}")]
    LimitExceeded {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: u32,
    },
}

/// Why the security of an answer could not be decided.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndeterminateReason {
    /// No trust anchor is at or above the name.
    #[error("no trust anchor covers {name}")]
    NoTrustAnchor {
        /// The name.
        name: Name,
    },
    /// Records needed for the decision were not obtained (a server did not answer).
    #[error("the {rtype} records of {name} were not obtained")]
    Missing {
        /// Owner.
        name: Name,
        /// Type.
        rtype: RecordType,
    },
}

/// The signature that validated an RRset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Key tag of the key that verified it.
    pub key_tag: u16,
    /// Its algorithm.
    pub algorithm: u8,
    /// Inception of the signature.
    pub inception: u32,
    /// Expiration of the signature.
    pub expiration: u32,
    /// Seconds from the validation time to the expiration.
    pub expires_in: u32,
    /// Whether the RRset was synthesised from a wildcard (the RRSIG has fewer labels than
    /// the owner): the caller must then prove that the exact name does not exist
    /// ([`Validator::prove_wildcard_expansion`]).
    pub wildcard: bool,
    /// The RRSIG's labels field: the wildcard is `*.` and that many labels of the owner.
    pub labels: u8,
}

/// The keys a zone signs with, proven secure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneKeys {
    /// The zone.
    pub zone: Name,
    /// Its whole DNSKEY set (every key of a secure DNSKEY RRset may sign zone data).
    pub keys: Vec<Dnskey>,
    /// The key tags the DS set or anchor named that matched a key.
    pub entry_keys: Vec<u16>,
    /// The signature over the DNSKEY set.
    pub signature: Verified,
}

/// What the parent says of a child zone's DS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsEvidence {
    /// The DS RRset, with its RRSIGs.
    Present(Rrset),
    /// A NODATA (or referral without DS) answer: its NSEC/NSEC3 RRsets with RRSIGs, which
    /// must prove there is no DS.
    Absent(Vec<Rrset>),
    /// Not obtained.
    Missing,
}

/// One zone cut on the way down: the zone, what its parent says of its DS, and its DNSKEY
/// answer (`None` when not obtained; an empty [`Rrset`] list when the zone answered NODATA
/// is given as `Some` of a set with no data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneEvidence {
    /// The zone (below the anchor's zone: its DS is at the zone before it in the list).
    pub zone: Name,
    /// The DS from the parent (ignored for the anchor's own zone).
    pub ds: DsEvidence,
    /// The zone's DNSKEY RRset with its RRSIGs; an RRset with no data for a NODATA answer.
    pub dnskey: Option<Rrset>,
}

/// The security of one zone in a chain, and its keys when secure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneStatus {
    /// The zone.
    pub zone: Name,
    /// Its security.
    pub security: Security,
    /// Its keys, when secure.
    pub keys: Option<ZoneKeys>,
}

/// Validates RRsets, zone keys, chains and denials at one instant, within [`Limits`].
pub struct Validator<'c> {
    crypto: &'c dyn Crypto,
    now: u32,
    limits: Limits,
    usage: Usage,
    /// Verifications done: SHA-256 of (key, signed data, signature), and whether it verified.
    /// At most `signatures_total` entries, one per verification done.
    verified: Vec<([u8; 32], bool)>,
}

/// `a <= b` in serial-number arithmetic over 32 bits (RFC 1982 §3.2, RFC 4034 §3.1.5).
fn serial_le(a: u32, b: u32) -> bool {
    a == b || (b.wrapping_sub(a) as i32) > 0
}

impl<'c> Validator<'c> {
    /// A validator at `now` (seconds since the Unix epoch), with these limits.
    pub fn new(crypto: &'c dyn Crypto, now: u64, limits: Limits) -> Self {
        Validator {
            crypto,
            // RRSIG times are seconds modulo 2^32 (RFC 4034 §3.1.5).
            now: now as u32,
            limits,
            usage: Usage::default(),
            verified: Vec::new(),
        }
    }

    /// The crypto implementation.
    pub fn crypto(&self) -> &'c dyn Crypto {
        self.crypto
    }

    /// The work done so far.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// The limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Verifies `rrset` with the keys of `zone` (RFC 4035 §5.3): secure when one RRSIG,
    /// within its validity period, by a zone key of the set with the same key tag and
    /// algorithm, with signer `zone`, verifies. Otherwise the most telling failure: a period
    /// problem before an invalid signature before a missing key before a missing RRSIG.
    pub fn verify_rrset(
        &mut self,
        rrset: &Rrset,
        zone: &Name,
        keys: &[Dnskey],
    ) -> Result<Verified, BogusReason> {
        let mut worst: Option<(u8, BogusReason)> = None;
        let mut note = |rank: u8, reason: BogusReason| {
            if worst.as_ref().map_or(true, |(r, _)| rank > *r) {
                worst = Some((rank, reason));
            }
        };
        let mut tried = 0;
        for sig in &rrset.signatures {
            if &sig.signer != zone
                || sig.type_covered != rrset.rtype
                || algorithm_status(self.crypto, sig.algorithm) != AlgorithmStatus::Supported
            {
                continue;
            }
            let candidates = keys.iter().filter(|k| {
                k.algorithm == sig.algorithm
                    && k.protocol == 3
                    && k.flags & FLAG_ZONE != 0
                    && k.flags & FLAG_REVOKE == 0
                    && key_tag(k) == sig.key_tag
            });
            let mut any_key = false;
            for key in candidates {
                any_key = true;
                if !serial_le(sig.inception, self.now) {
                    note(
                        3,
                        BogusReason::SignatureNotYetValid {
                            name: rrset.name.clone(),
                            rtype: rrset.rtype,
                            key_tag: sig.key_tag,
                            inception: sig.inception,
                        },
                    );
                    continue;
                }
                if !serial_le(self.now, sig.expiration) {
                    note(
                        3,
                        BogusReason::SignatureExpired {
                            name: rrset.name.clone(),
                            rtype: rrset.rtype,
                            key_tag: sig.key_tag,
                            expiration: sig.expiration,
                        },
                    );
                    continue;
                }
                let invalid = BogusReason::SignatureInvalid {
                    name: rrset.name.clone(),
                    rtype: rrset.rtype,
                    key_tag: sig.key_tag,
                };
                let Some(data) = rrset::signed_data(rrset, sig) else {
                    note(2, invalid);
                    continue;
                };
                let memo = self.crypto.digest(
                    crypto::DigestAlgorithm::Sha256,
                    &[
                        &(key.public_key.len() as u32).to_be_bytes(),
                        &key.public_key,
                        &(data.len() as u32).to_be_bytes(),
                        &data,
                        &sig.signature,
                    ],
                );
                let memo: [u8; 32] = memo.try_into().unwrap_or([0; 32]);
                let known = self.verified.iter().find(|(m, _)| *m == memo).map(|e| e.1);
                let result = match known {
                    Some(ok) => {
                        self.usage.remembered += 1;
                        ok
                    }
                    None => {
                        tried += 1;
                        if tried > self.limits.signatures_per_rrset {
                            return Err(BogusReason::LimitExceeded {
                                what: "signature verifications for one RRset",
                                limit: self.limits.signatures_per_rrset,
                            });
                        }
                        self.spend_signature()?;
                        let ok = self
                            .crypto
                            .verify(sig.algorithm, &key.public_key, &data, &sig.signature)
                            .is_ok();
                        self.verified.push((memo, ok));
                        ok
                    }
                };
                if result {
                    return Ok(Verified {
                        key_tag: sig.key_tag,
                        algorithm: sig.algorithm,
                        inception: sig.inception,
                        expiration: sig.expiration,
                        expires_in: sig.expiration.wrapping_sub(self.now),
                        wildcard: usize::from(sig.labels) < rrset::signed_labels(&rrset.name),
                        labels: sig.labels,
                    });
                }
                note(2, invalid);
            }
            if !any_key {
                note(
                    1,
                    BogusReason::NoMatchingKey {
                        name: rrset.name.clone(),
                        rtype: rrset.rtype,
                        key_tag: sig.key_tag,
                        algorithm: sig.algorithm,
                        zone: zone.clone(),
                    },
                );
            }
        }
        Err(worst.map(|(_, r)| r).unwrap_or(BogusReason::RrsigMissing {
            name: rrset.name.clone(),
            rtype: rrset.rtype,
        }))
    }

    fn spend_signature(&mut self) -> Result<(), BogusReason> {
        if self.usage.signatures >= self.limits.signatures_total {
            return Err(BogusReason::LimitExceeded {
                what: "signature verifications",
                limit: self.limits.signatures_total,
            });
        }
        self.usage.signatures += 1;
        Ok(())
    }

    /// The keys of `zone` from its DNSKEY answer and the DS records (from the parent or an
    /// anchor) or anchor keys that name its entry keys (RFC 4035 §5.2): the DNSKEY set must be
    /// signed by a key a DS names (or an anchor key). Only DS records of supported algorithm
    /// and digest type count; when there are none, the zone is insecure.
    pub fn zone_keys(
        &mut self,
        zone: &Name,
        ds: &[Ds],
        anchor_keys: &[Dnskey],
        dnskey: Option<&Rrset>,
    ) -> (Security, Option<ZoneKeys>) {
        let usable_ds: Vec<&Ds> = ds
            .iter()
            .filter(|d| {
                algorithm_status(self.crypto, d.algorithm) == AlgorithmStatus::Supported
                    && digest_status(d.digest_type) == AlgorithmStatus::Supported
            })
            .collect();
        let usable_anchor_keys: Vec<&Dnskey> = anchor_keys
            .iter()
            .filter(|k| algorithm_status(self.crypto, k.algorithm) == AlgorithmStatus::Supported)
            .collect();
        if usable_ds.is_empty() && usable_anchor_keys.is_empty() {
            let mut algorithms: Vec<u8> = ds
                .iter()
                .map(|d| d.algorithm)
                .chain(anchor_keys.iter().map(|k| k.algorithm))
                .collect();
            algorithms.sort_unstable();
            algorithms.dedup();
            let deprecated = algorithms
                .iter()
                .all(|&a| algorithm_status(self.crypto, a) == AlgorithmStatus::Deprecated);
            return (
                Security::Insecure(InsecureReason::UnsupportedAlgorithms {
                    zone: zone.clone(),
                    algorithms,
                    deprecated,
                }),
                None,
            );
        }
        let Some(dnskey) = dnskey else {
            return (
                Security::Indeterminate(IndeterminateReason::Missing {
                    name: zone.clone(),
                    rtype: RecordType::DNSKEY,
                }),
                None,
            );
        };
        let keys: Vec<Dnskey> = dnskey
            .data
            .iter()
            .filter_map(|d| match d {
                RData::Dnskey(k) => Some(k.clone()),
                _ => None,
            })
            .collect();
        if keys.is_empty() {
            return (
                Security::Bogus(BogusReason::DnskeyMissing { zone: zone.clone() }),
                None,
            );
        }
        // RFC 4509 §3: when the DS set has a SHA-256 (or stronger) digest, SHA-1 ones are
        // ignored, so a SHA-1 digest cannot downgrade the match.
        let strong = usable_ds.iter().any(|d| d.digest_type != 1);
        let entry: Vec<&Dnskey> = keys
            .iter()
            .filter(|k| {
                k.protocol == 3
                    && k.flags & FLAG_ZONE != 0
                    && k.flags & FLAG_REVOKE == 0
                    && (usable_ds.iter().any(|d| {
                        (!strong || d.digest_type != 1) && ds_matches(self.crypto, d, zone, k)
                    }) || usable_anchor_keys.iter().any(|a| same_key(a, k)))
            })
            .collect();
        if entry.is_empty() {
            return (
                Security::Bogus(BogusReason::NoDnskeyMatchesDs {
                    zone: zone.clone(),
                    ds: ds
                        .iter()
                        .map(|d| (d.key_tag, d.algorithm, d.digest_type))
                        .collect(),
                    keys: keys
                        .iter()
                        .map(|k| (key_tag(k), k.algorithm, k.flags))
                        .collect(),
                }),
                None,
            );
        }
        let entry_owned: Vec<Dnskey> = entry.iter().map(|k| (*k).clone()).collect();
        match self.verify_rrset(dnskey, zone, &entry_owned) {
            Ok(signature) => {
                let mut entry_keys: Vec<u16> = entry.iter().map(|k| key_tag(k)).collect();
                entry_keys.sort_unstable();
                entry_keys.dedup();
                (
                    Security::Secure,
                    Some(ZoneKeys {
                        zone: zone.clone(),
                        keys,
                        entry_keys,
                        signature,
                    }),
                )
            }
            Err(why) => (
                Security::Bogus(BogusReason::DnskeyNotSigned {
                    zone: zone.clone(),
                    why: Box::new(why),
                }),
                None,
            ),
        }
    }

    /// The keys of a child zone below `parent` (secure): its DS set verified with the
    /// parent's keys, or the parent's proof that there is none, then [`Validator::zone_keys`].
    pub fn child_keys(
        &mut self,
        parent: &ZoneKeys,
        zone: &Name,
        ds: &DsEvidence,
        dnskey: Option<&Rrset>,
    ) -> (Security, Option<ZoneKeys>) {
        match ds {
            DsEvidence::Missing => (
                Security::Indeterminate(IndeterminateReason::Missing {
                    name: zone.clone(),
                    rtype: RecordType::DS,
                }),
                None,
            ),
            DsEvidence::Absent(denial) => {
                match self.prove_denial(zone, RecordType::DS, parent, denial) {
                    Ok(proof) => match proof.kind {
                        DenialKind::OptOut => (
                            Security::Insecure(InsecureReason::OptOut { zone: zone.clone() }),
                            None,
                        ),
                        _ => match proof.insecure {
                            Some(reason) => (Security::Insecure(reason), None),
                            None => (
                                Security::Insecure(InsecureReason::NoDs { zone: zone.clone() }),
                                None,
                            ),
                        },
                    },
                    Err(BogusReason::DenialMissing { .. }) => (
                        Security::Bogus(BogusReason::DsUnproven { zone: zone.clone() }),
                        None,
                    ),
                    Err(why) => (Security::Bogus(why), None),
                }
            }
            DsEvidence::Present(set) => {
                if let Err(why) = self.verify_rrset(set, &parent.zone, &parent.keys) {
                    return (Security::Bogus(why), None);
                }
                let ds: Vec<Ds> = set
                    .data
                    .iter()
                    .filter_map(|d| match d {
                        RData::Ds(ds) => Some(ds.clone()),
                        _ => None,
                    })
                    .collect();
                self.zone_keys(zone, &ds, &[], dnskey)
            }
        }
    }

    /// The keys of `zone` as one server serves them (`dnskey`), the zone's place in the
    /// chain given: from `anchors` when one is for the zone itself; else below `parent`'s
    /// status (the parent zone as another server served it), with `ds` from the parent: a
    /// secure parent gives [`Validator::child_keys`], an insecure one makes the zone insecure,
    /// a bogus or undecided one passes its status down (its own finding is the one to fix);
    /// without a parent, no anchor covers the zone.
    pub fn keys_below(
        &mut self,
        anchors: &TrustAnchors,
        parent: Option<&ZoneStatus>,
        zone: &Name,
        ds: &DsEvidence,
        dnskey: &Rrset,
    ) -> (Security, Option<ZoneKeys>) {
        if anchors.closest(zone).as_ref() == Some(zone) {
            let (ds, keys) = anchors.for_zone(zone);
            return self.zone_keys(zone, &ds, &keys, Some(dnskey));
        }
        match parent {
            Some(ZoneStatus {
                security: Security::Secure,
                keys: Some(keys),
                ..
            }) => self.child_keys(keys, zone, ds, Some(dnskey)),
            Some(ZoneStatus {
                security: Security::Insecure(_),
                zone: p,
                ..
            }) => (
                Security::Insecure(InsecureReason::InsecureParent { zone: p.clone() }),
                None,
            ),
            Some(other) => (other.security.clone(), None),
            None => (
                Security::Indeterminate(IndeterminateReason::NoTrustAnchor { name: zone.clone() }),
                None,
            ),
        }
    }

    /// The chain of trust from `anchors` down the zones of `path` (the anchor's zone first,
    /// then each zone cut in order): one [`ZoneStatus`] per zone. Below an insecure or bogus
    /// zone every zone has the same fate (insecure below insecure, bogus below bogus: a
    /// validator cannot prove anything there).
    pub fn chain(&mut self, anchors: &TrustAnchors, path: &[ZoneEvidence]) -> Vec<ZoneStatus> {
        let mut out: Vec<ZoneStatus> = Vec::with_capacity(path.len());
        let mut parent: Option<ZoneKeys> = None;
        for (k, step) in path.iter().enumerate() {
            let (security, keys) = if k == 0 {
                let (ds, anchor_keys) = anchors.for_zone(&step.zone);
                if ds.is_empty() && anchor_keys.is_empty() {
                    (
                        Security::Indeterminate(IndeterminateReason::NoTrustAnchor {
                            name: step.zone.clone(),
                        }),
                        None,
                    )
                } else {
                    self.zone_keys(&step.zone, &ds, &anchor_keys, step.dnskey.as_ref())
                }
            } else {
                match (&parent, out.last().map(|s| &s.security)) {
                    (Some(p), _) => {
                        let p = p.clone();
                        self.child_keys(&p, &step.zone, &step.ds, step.dnskey.as_ref())
                    }
                    (None, Some(Security::Insecure(_))) => (
                        Security::Insecure(InsecureReason::InsecureParent {
                            zone: path[k - 1].zone.clone(),
                        }),
                        None,
                    ),
                    (None, Some(other)) => (other.clone(), None),
                    (None, None) => unreachable_status(&step.zone),
                }
            };
            parent = keys.clone();
            out.push(ZoneStatus {
                zone: step.zone.clone(),
                security,
                keys,
            });
        }
        out
    }

    /// Classifies an answer RRset from a zone of known status: secure when the zone is and
    /// the RRset verifies with its keys, the zone's status otherwise.
    pub fn answer(&mut self, zone: &ZoneStatus, rrset: &Rrset) -> (Security, Option<Verified>) {
        match (&zone.security, &zone.keys) {
            (Security::Secure, Some(keys)) => {
                match self.verify_rrset(rrset, &keys.zone, &keys.keys) {
                    Ok(v) => (Security::Secure, Some(v)),
                    Err(why) => (Security::Bogus(why), None),
                }
            }
            (other, _) => (other.clone(), None),
        }
    }
}

/// The status of a zone after a first step that produced no status (never happens: the first
/// step always pushes one); kept total instead of panicking.
fn unreachable_status(zone: &Name) -> (Security, Option<ZoneKeys>) {
    (
        Security::Indeterminate(IndeterminateReason::NoTrustAnchor { name: zone.clone() }),
        None,
    )
}

/// Whether two DNSKEYs are the same key (flags may differ in the REVOKE bit only for
/// RFC 5011 rollovers, which anchors here do not track: compare algorithm and key).
fn same_key(a: &Dnskey, b: &Dnskey) -> bool {
    a.algorithm == b.algorithm && a.protocol == b.protocol && a.public_key == b.public_key
}

#[cfg(test)]
mod tests;
