//! The validator on zones signed here (Ed25519 and ECDSA keys made for each test run) and on
//! BIND's own signed answers (`tests/data/captured`).

use super::keys::ds_for;
use super::sign::SigningKey;
use super::*;
use crate::message::{Message, Record};
use crate::rdata::{Nsec, Nsec3, Txt};
use crate::Rcode;

const T0: u32 = 1_800_000_000;
const DAY: u32 = 86_400;

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn key(zone: &str, flags: u16) -> SigningKey {
    SigningKey::ed25519(n(zone), flags, &SigningKey::generate_ed25519_pkcs8()).unwrap()
}

fn rrset(name: &str, data: Vec<RData>) -> Rrset {
    Rrset {
        name: n(name),
        class: crate::Class::IN,
        rtype: data[0].rtype(),
        ttl: 300,
        data,
        signatures: Vec::new(),
    }
}

fn signed(mut set: Rrset, by: &SigningKey) -> Rrset {
    set.signatures.push(by.sign(&set, T0 - DAY, T0 + 30 * DAY));
    set
}

fn txt(name: &str) -> Rrset {
    rrset(name, vec![RData::Txt(Txt::new(["v=DKIM1; p=MIIB"]))])
}

/// A zone with a KSK and a ZSK, its DNSKEY set signed by the KSK.
struct Zone {
    ksk: SigningKey,
    zsk: SigningKey,
}

impl Zone {
    fn new(name: &str) -> Zone {
        Zone {
            ksk: key(name, 257),
            zsk: key(name, 256),
        }
    }
    fn name(&self) -> Name {
        self.ksk.zone.clone()
    }
    fn dnskey(&self) -> Rrset {
        let set = Rrset {
            name: self.name(),
            class: crate::Class::IN,
            rtype: RecordType::DNSKEY,
            ttl: 3600,
            data: vec![
                RData::Dnskey(self.ksk.dnskey.clone()),
                RData::Dnskey(self.zsk.dnskey.clone()),
            ],
            signatures: Vec::new(),
        };
        signed(set, &self.ksk)
    }
    fn ds_data(&self) -> RData {
        RData::Ds(ds_for(&RingCrypto, &self.name(), &self.ksk.dnskey, 2).unwrap())
    }
    /// The DS RRset for this zone, signed by the parent's ZSK.
    fn ds_at(&self, parent: &Zone) -> DsEvidence {
        DsEvidence::Present(signed(
            Rrset {
                name: self.name(),
                class: crate::Class::IN,
                rtype: RecordType::DS,
                ttl: 3600,
                data: vec![self.ds_data()],
                signatures: Vec::new(),
            },
            &parent.zsk,
        ))
    }
    fn anchor(&self) -> TrustAnchors {
        let line = format!("{} IN DS {}\n", self.name(), self.ds_data());
        TrustAnchors::parse(&line).unwrap()
    }
    fn evidence(&self, ds: DsEvidence) -> ZoneEvidence {
        ZoneEvidence {
            zone: self.name(),
            ds,
            dnskey: Some(self.dnskey()),
        }
    }
}

fn validator() -> Validator<'static> {
    Validator::new(&RingCrypto, u64::from(T0), Limits::default())
}

struct World {
    root: Zone,
    com: Zone,
    example: Zone,
}

fn world() -> World {
    World {
        root: Zone::new("."),
        com: Zone::new("com"),
        example: Zone::new("example.com"),
    }
}

fn path(w: &World) -> Vec<ZoneEvidence> {
    vec![
        w.root.evidence(DsEvidence::Missing),
        w.com.evidence(w.com.ds_at(&w.root)),
        w.example.evidence(w.example.ds_at(&w.com)),
    ]
}

#[test]
fn a_healthy_chain_is_secure_down_to_the_answer() {
    let w = world();
    let mut v = validator();
    let chain = v.chain(&w.root.anchor(), &path(&w));
    assert!(
        chain.iter().all(|z| z.security == Security::Secure),
        "{chain:?}"
    );
    let keys = chain[2].keys.as_ref().unwrap();
    assert_eq!(keys.entry_keys, [w.example.ksk.key_tag()]);
    let answer = signed(txt("s1._domainkey.example.com"), &w.example.zsk);
    let (security, verified) = v.answer(&chain[2], &answer);
    assert_eq!(security, Security::Secure);
    let verified = verified.unwrap();
    assert_eq!(verified.key_tag, w.example.zsk.key_tag());
    assert_eq!(verified.expires_in, 30 * DAY);
    assert!(!verified.wildcard);
    // 3 DNSKEY sets, 2 DS sets, 1 answer.
    assert_eq!(v.usage().signatures, 6);
    // The same answer from another server (same signature): remembered, not verified again.
    assert_eq!(v.answer(&chain[2], &answer).0, Security::Secure);
    assert_eq!((v.usage().signatures, v.usage().remembered), (6, 1));
}

#[test]
fn a_ds_naming_the_old_hosts_key_is_bogus_with_both_key_sets_named() {
    let w = world();
    let moved = Zone::new("example.com");
    let mut p = path(&w);
    // The parent still has the DS of the old host's key; the zone now answers with new keys.
    p[2].dnskey = Some(moved.dnskey());
    let chain = validator().chain(&w.root.anchor(), &p);
    match &chain[2].security {
        Security::Bogus(BogusReason::NoDnskeyMatchesDs { ds, keys, .. }) => {
            assert_eq!(ds, &[(w.example.ksk.key_tag(), 15, 2)]);
            assert!(keys.contains(&(moved.ksk.key_tag(), 15, 257)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_ds_for_an_unsigned_zone_is_bogus() {
    let w = world();
    let mut p = path(&w);
    p[2].dnskey = Some(Rrset {
        data: Vec::new(),
        signatures: Vec::new(),
        ..w.example.dnskey()
    });
    let chain = validator().chain(&w.root.anchor(), &p);
    assert_eq!(
        chain[2].security,
        Security::Bogus(BogusReason::DnskeyMissing {
            zone: n("example.com")
        })
    );
}

#[test]
fn missing_expired_future_and_forged_signatures() {
    let w = world();
    let mut v = validator();
    let chain = v.chain(&w.root.anchor(), &path(&w));
    let zone = &chain[2];
    let bare = txt("a.example.com");
    let bogus = |v: &mut Validator, set: &Rrset| match v.answer(zone, set).0 {
        Security::Bogus(r) => r,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        bogus(&mut v, &bare),
        BogusReason::RrsigMissing { .. }
    ));
    let mut expired = bare.clone();
    expired
        .signatures
        .push(w.example.zsk.sign(&bare, T0 - 30 * DAY, T0 - 1));
    assert!(matches!(
        bogus(&mut v, &expired),
        BogusReason::SignatureExpired { expiration, .. } if expiration == T0 - 1
    ));
    let mut future = bare.clone();
    future
        .signatures
        .push(w.example.zsk.sign(&bare, T0 + 1, T0 + DAY));
    assert!(matches!(
        bogus(&mut v, &future),
        BogusReason::SignatureNotYetValid { .. }
    ));
    let mut forged = signed(bare.clone(), &w.example.zsk);
    forged.data = vec![RData::Txt(Txt::new(["v=DKIM1; p=EVIL"]))];
    assert!(matches!(
        bogus(&mut v, &forged),
        BogusReason::SignatureInvalid { .. }
    ));
    // Signed by a key the zone does not publish.
    let stranger = key("example.com", 256);
    assert!(matches!(
        bogus(&mut v, &signed(bare.clone(), &stranger)),
        BogusReason::NoMatchingKey { key_tag, .. } if key_tag == stranger.key_tag()
    ));
    // One good signature among bad ones is enough (RFC 4035 §5.3.3).
    let mut mixed = expired.clone();
    mixed
        .signatures
        .extend(signed(bare, &w.example.zsk).signatures);
    assert_eq!(v.answer(zone, &mixed).0, Security::Secure);
}

#[test]
fn validity_periods_use_serial_number_arithmetic() {
    let w = world();
    // A signature across the 2^32 wrap (2106): inception before, expiration after.
    let now: u64 = (1u64 << 32) + 100;
    let mut set = txt("example.com");
    set.signatures
        .push(w.example.zsk.sign(&set, u32::MAX - 1000, 5000));
    let mut v = Validator::new(&RingCrypto, now, Limits::default());
    let keys = [w.example.zsk.dnskey.clone()];
    let ok = v.verify_rrset(&set, &n("example.com"), &keys).unwrap();
    assert_eq!(ok.expires_in, 4900);
    assert!(serial_le(u32::MAX, 0));
    assert!(!serial_le(0, u32::MAX));
}

#[test]
fn wildcard_answers_are_verified_against_the_wildcard_owner() {
    let w = world();
    let wildcard = signed(txt("*.example.com"), &w.example.zsk);
    let mut expanded = wildcard.clone();
    expanded.name = n("anything.example.com");
    let mut v = validator();
    let keys = [w.example.zsk.dnskey.clone()];
    let ok = v.verify_rrset(&expanded, &n("example.com"), &keys).unwrap();
    assert!(ok.wildcard);
    assert_eq!(ok.labels, 2);
    // The expansion needs a proof that anything.example.com itself does not exist.
    let zone = ZoneKeys {
        zone: n("example.com"),
        keys: keys.to_vec(),
        entry_keys: vec![],
        signature: ok.clone(),
    };
    let covering = nsec_rrset(
        "a.example.com",
        "b.example.com",
        &[RecordType::TXT],
        &w.example.zsk,
    );
    assert_eq!(
        v.prove_wildcard_expansion(
            &expanded.name,
            ok.labels,
            &zone,
            std::slice::from_ref(&covering)
        ),
        Ok(())
    );
    let elsewhere = nsec_rrset("b.example.com", "c.example.com", &[], &w.example.zsk);
    assert!(v
        .prove_wildcard_expansion(&expanded.name, ok.labels, &zone, &[elsewhere])
        .is_err());
    assert!(matches!(
        v.prove_wildcard_expansion(&expanded.name, ok.labels, &zone, &[]),
        Err(BogusReason::DenialMissing { .. })
    ));
    // With NSEC3: a chain of example.com whose span covers the next closer name.
    let chain = nsec3_chain(
        "example.com",
        &[
            ("example.com", &[RecordType::SOA]),
            ("zzz.example.com", &[RecordType::TXT]),
        ],
        0,
        false,
        &w.example.zsk,
    );
    assert_eq!(
        v.prove_wildcard_expansion(&expanded.name, ok.labels, &zone, &chain),
        Ok(())
    );
    // Moved to another zone's name, the same signature fails.
    expanded.name = n("anything.example.net");
    assert!(v.verify_rrset(&expanded, &n("example.com"), &keys).is_err());
}

#[test]
fn deprecated_and_unknown_algorithms_make_a_zone_insecure_never_bogus() {
    let w = world();
    let mut p = path(&w);
    let ds = |algorithm| {
        DsEvidence::Present(signed(
            rrset(
                "example.com",
                vec![RData::Ds(Ds {
                    key_tag: 1,
                    algorithm,
                    digest_type: 2,
                    digest: vec![0; 32],
                })],
            ),
            &w.com.zsk,
        ))
    };
    for (algorithm, deprecated) in [(7, true), (16, false)] {
        p[2].ds = ds(algorithm);
        let chain = validator().chain(&w.root.anchor(), &p);
        assert_eq!(
            chain[2].security,
            Security::Insecure(InsecureReason::UnsupportedAlgorithms {
                zone: n("example.com"),
                algorithms: vec![algorithm],
                deprecated,
            })
        );
    }
}

fn nsec_rrset(owner: &str, next: &str, types: &[RecordType], by: &SigningKey) -> Rrset {
    signed(
        rrset(
            owner,
            vec![RData::Nsec(Nsec {
                next: n(next),
                types: types.to_vec(),
            })],
        ),
        by,
    )
}

#[test]
fn an_unsigned_delegation_needs_a_proof_that_there_is_no_ds() {
    let w = world();
    let mut p = path(&w);
    use RecordType as T;
    let proof = nsec_rrset(
        "example.com",
        "zzz.com",
        &[T::NS, T::NSEC, T::RRSIG],
        &w.com.zsk,
    );
    p[2].ds = DsEvidence::Absent(vec![proof.clone()]);
    let chain = validator().chain(&w.root.anchor(), &p);
    assert_eq!(
        chain[2].security,
        Security::Insecure(InsecureReason::NoDs {
            zone: n("example.com")
        })
    );
    // A zone below an insecure one is insecure too.
    let mut deeper = p.clone();
    deeper.push(Zone::new("a.example.com").evidence(DsEvidence::Missing));
    let chain = validator().chain(&w.root.anchor(), &deeper);
    assert!(matches!(
        chain[3].security,
        Security::Insecure(InsecureReason::InsecureParent { .. })
    ));
    // No proof at all: bogus, a validator cannot tell a stripped DS from an unsigned zone.
    p[2].ds = DsEvidence::Absent(Vec::new());
    let chain = validator().chain(&w.root.anchor(), &p);
    assert!(matches!(
        chain[2].security,
        Security::Bogus(BogusReason::DsUnproven { .. })
    ));
    // An NSEC listing DS proves the opposite.
    p[2].ds = DsEvidence::Absent(vec![nsec_rrset(
        "example.com",
        "zzz.com",
        &[T::NS, T::DS, T::NSEC, T::RRSIG],
        &w.com.zsk,
    )]);
    let chain = validator().chain(&w.root.anchor(), &p);
    assert!(matches!(
        chain[2].security,
        Security::Bogus(BogusReason::DenialInvalid { .. })
    ));
    // A forged (unsigned) NSEC proves nothing.
    let mut unsigned = proof;
    unsigned.signatures.clear();
    p[2].ds = DsEvidence::Absent(vec![unsigned]);
    let chain = validator().chain(&w.root.anchor(), &p);
    assert!(matches!(
        chain[2].security,
        Security::Bogus(BogusReason::RrsigMissing { .. })
    ));
}

/// An NSEC3 chain for `zone` over `names` (owner, types), salt-less, `iterations`, opt-out
/// as given, each signed with `by`.
fn nsec3_chain(
    zone: &str,
    names: &[(&str, &[RecordType])],
    iterations: u16,
    opt_out: bool,
    by: &SigningKey,
) -> Vec<Rrset> {
    let mut hashed: Vec<(Vec<u8>, Vec<RecordType>)> = names
        .iter()
        .map(|(name, types)| {
            (
                nsec3_hash(&RingCrypto, &n(name), &[], iterations),
                types.to_vec(),
            )
        })
        .collect();
    hashed.sort();
    (0..hashed.len())
        .map(|k| {
            let next = hashed[(k + 1) % hashed.len()].0.clone();
            let mut label = String::new();
            crate::display::write_base32hex(&mut label, &hashed[k].0).unwrap();
            signed(
                rrset(
                    &format!("{label}.{zone}"),
                    vec![RData::Nsec3(Nsec3 {
                        hash_algorithm: 1,
                        flags: u8::from(opt_out),
                        iterations,
                        salt: Vec::new(),
                        next_hashed_owner: next,
                        types: hashed[k].1.clone(),
                    })],
                ),
                by,
            )
        })
        .collect()
}

#[test]
fn nsec3_opt_out_makes_an_unsigned_delegation_insecure() {
    use RecordType as T;
    let w = world();
    // com, like the real one: NSEC3 with opt-out, only signed delegations in the chain.
    let chain3 = nsec3_chain(
        "com",
        &[
            ("com", &[T::SOA, T::NS, T::DNSKEY, T::NSEC3PARAM, T::RRSIG]),
            ("signed.com", &[T::NS, T::DS, T::RRSIG]),
        ],
        0,
        true,
        &w.com.zsk,
    );
    let mut p = path(&w);
    p[2].ds = DsEvidence::Absent(chain3.clone());
    let mut v = validator();
    let chain = v.chain(&w.root.anchor(), &p);
    assert_eq!(
        chain[2].security,
        Security::Insecure(InsecureReason::OptOut {
            zone: n("example.com")
        })
    );
    // example.com, then com (the closest encloser); the next closer is example.com again.
    assert_eq!(v.usage().nsec3_hashes, 2);
    // NXDOMAIN for a name under com with the same records (closest encloser com).
    let com_keys = chain[1].keys.clone().unwrap();
    let proof = v
        .prove_denial(&n("nosuch.com"), T::TXT, &com_keys, &chain3)
        .unwrap();
    assert_eq!(proof.kind, DenialKind::NxDomain);
    assert!(proof.nsec3);
    // Without opt-out the same span proves nothing about a DS.
    let strict = nsec3_chain(
        "com",
        &[
            ("com", &[T::SOA, T::NS, T::DNSKEY, T::NSEC3PARAM, T::RRSIG]),
            ("signed.com", &[T::NS, T::DS, T::RRSIG]),
        ],
        0,
        false,
        &w.com.zsk,
    );
    p[2].ds = DsEvidence::Absent(strict.clone());
    let chain = validator().chain(&w.root.anchor(), &p);
    assert!(chain[2].security.is_bogus(), "{:?}", chain[2].security);
    // An NSEC3 matching the delegation, without DS: a proven unsigned delegation.
    let exact = nsec3_chain(
        "com",
        &[
            ("com", &[T::SOA, T::NS, T::DNSKEY, T::NSEC3PARAM, T::RRSIG]),
            ("example.com", &[T::NS]),
        ],
        0,
        false,
        &w.com.zsk,
    );
    p[2].ds = DsEvidence::Absent(exact);
    let chain = validator().chain(&w.root.anchor(), &p);
    assert_eq!(
        chain[2].security,
        Security::Insecure(InsecureReason::NoDs {
            zone: n("example.com")
        })
    );
}

#[test]
fn too_many_nsec3_iterations_are_insecure_and_hashing_is_bounded() {
    use RecordType as T;
    let w = world();
    let chain3 = nsec3_chain("com", &[("com", &[T::SOA, T::NS])], 151, false, &w.com.zsk);
    let mut p = path(&w);
    p[2].ds = DsEvidence::Absent(chain3);
    let chain = validator().chain(&w.root.anchor(), &p);
    assert_eq!(
        chain[2].security,
        Security::Insecure(InsecureReason::Nsec3Iterations {
            iterations: 151,
            limit: 150
        })
    );
    // A 12-label name below com needs more than 8 hashes to find its closest encloser.
    let chain3 = nsec3_chain("com", &[("com", &[T::SOA, T::NS])], 0, false, &w.com.zsk);
    let mut v = validator();
    let c = v.chain(&w.root.anchor(), &path(&w));
    let deep = n("a.b.c.d.e.f.g.h.i.j.k.com");
    let e = v
        .prove_denial(&deep, T::TXT, c[1].keys.as_ref().unwrap(), &chain3)
        .unwrap_err();
    assert_eq!(
        e,
        BogusReason::LimitExceeded {
            what: "NSEC3 hash computations for one proof",
            limit: 8
        }
    );
}

#[test]
fn signature_work_is_bounded_per_rrset_and_per_validation() {
    let w = world();
    let mut set = txt("example.com");
    // Nine RRSIGs by the zone key, all invalid (KeyTrap's shape: many signatures, same tag).
    for k in 0..9 {
        let mut sig = w.example.zsk.sign(&set, T0 - DAY, T0 + DAY);
        sig.signature[0] ^= 1 + k as u8;
        set.signatures.push(sig);
    }
    let keys = [w.example.zsk.dnskey.clone()];
    let mut v = validator();
    let e = v.verify_rrset(&set, &n("example.com"), &keys).unwrap_err();
    assert!(
        matches!(e, BogusReason::LimitExceeded { limit: 8, .. }),
        "{e:?}"
    );
    assert_eq!(v.usage().signatures, 8);
    let tight = Limits {
        signatures_total: 3,
        ..Limits::default()
    };
    let mut v = Validator::new(&RingCrypto, u64::from(T0), tight);
    let e = v.verify_rrset(&set, &n("example.com"), &keys).unwrap_err();
    assert_eq!(
        e,
        BogusReason::LimitExceeded {
            what: "signature verifications",
            limit: 3
        }
    );
}

#[test]
fn without_an_anchor_the_chain_is_indeterminate() {
    let w = world();
    let chain = validator().chain(&TrustAnchors::default(), &path(&w));
    assert!(matches!(
        chain[0].security,
        Security::Indeterminate(IndeterminateReason::NoTrustAnchor { .. })
    ));
    assert!(matches!(chain[2].security, Security::Indeterminate(_)));
    // A DNSKEY anchor works as well as a DS anchor.
    let line = format!(". IN DNSKEY {}\n", RData::Dnskey(w.root.ksk.dnskey.clone()));
    let anchors = TrustAnchors::parse(&line).unwrap();
    let chain = validator().chain(&anchors, &path(&w));
    assert_eq!(chain[2].security, Security::Secure);
}

// ---------------------------------------------------------------------------------------------
// BIND 9.18's signed answers (tests/data/captured, one run of capture.sh: same keys).

fn captured(file: &str) -> Message {
    let path = format!("{}/tests/data/captured/{file}", env!("CARGO_MANIFEST_DIR"));
    Message::from_bytes(&std::fs::read(path).unwrap()).unwrap()
}

/// The example.com keys from the DNSKEY capture, anchored by their own DS (the capture has no
/// parent), and a validator at the DNSKEY signature's inception plus an hour.
fn bind_example_com() -> (Validator<'static>, ZoneStatus) {
    let msg = captured("bind_dnskey.bin");
    let dnskey = Rrset::find(&msg.answers, &n("example.com"), RecordType::DNSKEY).unwrap();
    let inception = dnskey.signatures[0].inception;
    let ksk = dnskey
        .data
        .iter()
        .find_map(|d| match d {
            RData::Dnskey(k) if k.flags == 257 => Some(k.clone()),
            _ => None,
        })
        .unwrap();
    let ds = ds_for(&RingCrypto, &n("example.com"), &ksk, 2).unwrap();
    let anchors = TrustAnchors::parse(&format!("example.com. DS {}\n", RData::Ds(ds))).unwrap();
    let mut v = Validator::new(&RingCrypto, u64::from(inception) + 3600, Limits::default());
    let chain = v.chain(
        &anchors,
        &[ZoneEvidence {
            zone: n("example.com"),
            ds: DsEvidence::Missing,
            dnskey: Some(dnskey),
        }],
    );
    (v, chain[0].clone())
}

#[test]
fn bind_signed_answers_validate() {
    let (mut v, zone) = bind_example_com();
    assert_eq!(zone.security, Security::Secure, "{zone:?}");
    // The 2048-bit DKIM TXT in two strings, signed by the ZSK.
    let msg = captured("bind_dkim_txt_dnssec.bin");
    let txt = Rrset::find(
        &msg.answers,
        &n("s1._domainkey.example.com"),
        RecordType::TXT,
    )
    .unwrap();
    assert_eq!(v.answer(&zone, &txt).0, Security::Secure);
    // The NS set in the authority section, and the DS of the delegated child.
    let ns = Rrset::find(&msg.authority, &n("example.com"), RecordType::NS).unwrap();
    assert_eq!(v.answer(&zone, &ns).0, Security::Secure);
    let referral = captured("bind_referral_ds.bin");
    let ds = Rrset::find(&referral.authority, &n("sub.example.com"), RecordType::DS).unwrap();
    assert_eq!(v.answer(&zone, &ds).0, Security::Secure);
    // Changing one octet of the key breaks it.
    let mut broken = txt.clone();
    broken.data = vec![RData::Txt(Txt::new(["v=DKIM1; p=x"]))];
    assert!(v.answer(&zone, &broken).0.is_bogus());
}

#[test]
fn bind_nsec_denials_prove_what_they_say() {
    let (mut v, zone) = bind_example_com();
    let keys = zone.keys.unwrap();
    let nx = captured("bind_nxdomain_nsec.bin");
    let sets = Rrset::collect(&nx.authority);
    let proof = v
        .prove_denial(
            &n("missing._domainkey.example.com"),
            RecordType::TXT,
            &keys,
            &sets,
        )
        .unwrap();
    assert_eq!(proof.kind, DenialKind::NxDomain);
    // The same records do not deny a name that exists.
    assert!(v
        .prove_denial(
            &n("s1._domainkey.example.com"),
            RecordType::TXT,
            &keys,
            &sets
        )
        .is_err());
    let nodata = captured("bind_nodata_nsec.bin");
    let sets = Rrset::collect(&nodata.authority);
    let target = nodata
        .answers
        .iter()
        .find_map(|r| match &r.data {
            RData::Cname(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    let proof = v
        .prove_denial(&target, RecordType::AAAA, &keys, &sets)
        .unwrap();
    assert_eq!(proof.kind, DenialKind::NoData);
}

#[test]
fn rrsets_from_records_keep_their_rrsigs() {
    let msg = captured("bind_dkim_txt_dnssec.bin");
    let all: Vec<&Record> = msg.records().collect();
    let sets = Rrset::collect(all);
    assert!(sets.iter().all(|s| s.rtype != RecordType::RRSIG));
    assert!(sets.iter().any(|s| !s.signatures.is_empty()));
}

#[test]
fn whole_bind_responses_are_judged_section_by_section() {
    let (mut v, zone) = bind_example_com();
    // A signed answer: secure, with the time left on its signature.
    let msg = captured("bind_dkim_txt_dnssec.bin");
    let name = n("s1._domainkey.example.com");
    let answer = v.response(
        &zone,
        &name,
        RecordType::TXT,
        msg.rcode(),
        &msg.answers,
        &msg.authority,
    );
    assert_eq!(answer.security, Security::Secure);
    assert!(answer.expires_in.is_some_and(|e| e > 0));
    // An NXDOMAIN with its NSEC proof: secure; without the proof: bogus.
    let nx = captured("bind_nxdomain_nsec.bin");
    let missing = n("missing._domainkey.example.com");
    let denied = v.response(
        &zone,
        &missing,
        RecordType::TXT,
        nx.rcode(),
        &nx.answers,
        &nx.authority,
    );
    assert_eq!(denied.security, Security::Secure);
    let stripped: Vec<Record> = nx
        .authority
        .iter()
        .filter(|r| r.rtype() == RecordType::SOA)
        .cloned()
        .collect();
    let unproven = v.response(
        &zone,
        &missing,
        RecordType::TXT,
        nx.rcode(),
        &nx.answers,
        &stripped,
    );
    assert!(matches!(
        unproven.security,
        Security::Bogus(BogusReason::DenialMissing { .. })
    ));
    // A SERVFAIL proves nothing either way.
    let failed = v.response(&zone, &missing, RecordType::TXT, Rcode::SERVFAIL, &[], &[]);
    assert!(matches!(failed.security, Security::Indeterminate(_)));
    // Below an insecure zone, every answer is insecure.
    let insecure = ZoneStatus {
        zone: n("example.com"),
        security: Security::Insecure(InsecureReason::NoDs {
            zone: n("example.com"),
        }),
        keys: None,
    };
    let plain = v.response(
        &insecure,
        &name,
        RecordType::TXT,
        msg.rcode(),
        &msg.answers,
        &msg.authority,
    );
    assert!(matches!(plain.security, Security::Insecure(_)));

    // A referral with a signed DS: a secure delegation; its DS is the evidence for the child.
    let referral = captured("bind_referral_ds.bin");
    let child = n("sub.example.com");
    assert_eq!(
        v.referral(
            &zone,
            &child,
            referral.rcode(),
            &referral.answers,
            &referral.authority
        ),
        Security::Secure
    );
    assert!(matches!(
        ds_evidence(
            referral.rcode(),
            &referral.answers,
            &referral.authority,
            &child
        ),
        Some(DsEvidence::Present(_))
    ));
    // The same referral with its DS stripped and no denial: the DS is unproven.
    let no_ds: Vec<Record> = referral
        .authority
        .iter()
        .filter(|r| r.rtype() == RecordType::NS)
        .cloned()
        .collect();
    assert!(matches!(
        v.referral(&zone, &child, referral.rcode(), &referral.answers, &no_ds),
        Security::Bogus(BogusReason::DsUnproven { .. })
    ));

    // DNSKEY answers: the set, an empty set for NODATA, nothing for a failure.
    let keys = captured("bind_dnskey.bin");
    let apex = n("example.com");
    assert_eq!(
        dnskey_rrset(keys.rcode(), &keys.answers, &apex).map(|s| s.data.len()),
        Some(2)
    );
    assert_eq!(
        dnskey_rrset(Rcode::NOERROR, &[], &apex).map(|s| s.data.len()),
        Some(0)
    );
    assert_eq!(dnskey_rrset(Rcode::SERVFAIL, &[], &apex), None);
}
