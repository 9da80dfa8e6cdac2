//! The CPU cost of validating the signatures of one SES check (issue 16's goal: under 2 ms).
//!
//! The check, signed the way the real zones are: the root with RSA/SHA-256 2048-bit keys (KSK
//! and ZSK, like the real root), `com`, the customer's `example.com` and the provider's
//! `amazonses.com` with ECDSA P-256 (as `com` has been since 2023). Every zone has 4 servers
//! and the check validates every server's answers: per server, the chain (4 DNSKEY sets, 3 DS
//! sets), the 3 DKIM CNAMEs at `example.com` and the 3 key TXT records at the target: 4 x (7 +
//! 3 + 3) = 52 signatures to check, plus the DS digests (one chain per server: root, com,
//! example.com, and amazonses.com from com's keys). Two cases: every server serves the same
//! pre-signed zone (the validator verifies each distinct signature once: 13), and every server
//! signs online (46 distinct signatures: the root's RSA ones are deterministic). Signing happens outside the measurement; each
//! iteration starts a fresh `Validator`.
//!
//! `cargo bench -p dns-wire --bench dnssec`

use criterion::{criterion_group, criterion_main, Criterion};
use dns_wire::dnssec::keys::ds_for;
use dns_wire::dnssec::sign::SigningKey;
use dns_wire::dnssec::{
    DsEvidence, Limits, RingCrypto, Rrset, Security, TrustAnchors, Validator, ZoneEvidence,
    ZoneStatus,
};
use dns_wire::{Class, Name, RData, Txt};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

const NOW: u32 = 1_800_000_000;
const SERVERS: usize = 4;

fn n(s: &str) -> Name {
    s.parse().unwrap()
}

fn ecdsa(zone: &str, flags: u16) -> SigningKey {
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap();
    SigningKey::ecdsa_p256(n(zone), flags, pkcs8.as_ref()).unwrap()
}

fn set(name: &str, ttl: u32, data: Vec<RData>) -> Rrset {
    Rrset {
        name: n(name),
        class: Class::IN,
        rtype: data[0].rtype(),
        ttl,
        data,
        signatures: Vec::new(),
    }
}

fn signed(mut s: Rrset, key: &SigningKey) -> Rrset {
    s.signatures
        .push(key.sign(&s, NOW - 86_400, NOW + 86_400 * 14));
    s
}

struct Zone {
    ksk: SigningKey,
    zsk: SigningKey,
}

impl Zone {
    fn dnskey(&self) -> Rrset {
        let data = vec![
            RData::Dnskey(self.ksk.dnskey.clone()),
            RData::Dnskey(self.zsk.dnskey.clone()),
        ];
        signed(set(&self.ksk.zone.to_string(), 3600, data), &self.ksk)
    }
    fn ds(&self) -> RData {
        RData::Ds(ds_for(&RingCrypto, &self.ksk.zone, &self.ksk.dnskey, 2).unwrap())
    }
}

/// What one server of each zone answered.
#[derive(Clone)]
struct Server {
    /// The path root, com, example.com.
    path: Vec<ZoneEvidence>,
    /// The provider's zone, below com.
    provider: ZoneEvidence,
    /// The DKIM CNAMEs at example.com.
    cnames: Vec<Rrset>,
    /// The keys at the provider.
    txts: Vec<Rrset>,
}

struct Check {
    anchors: TrustAnchors,
    servers: Vec<Server>,
}

/// The check; `online` makes every server sign its answers itself (different ECDSA
/// signatures per server, as online signers such as Cloudflare's do), otherwise every server
/// serves the same pre-signed zone.
fn check(online: bool) -> Check {
    let rsa = |file: &str, flags| {
        let path = format!("{}/benches/keys/{file}", env!("CARGO_MANIFEST_DIR"));
        SigningKey::rsa_sha256(Name::root(), flags, &std::fs::read(path).unwrap()).unwrap()
    };
    let root = Zone {
        ksk: rsa("rsa2048-ksk.pk8", 257),
        zsk: rsa("rsa2048-zsk.pk8", 256),
    };
    let zone = |name: &str| Zone {
        ksk: ecdsa(name, 257),
        zsk: ecdsa(name, 256),
    };
    let (com, example, ses) = (zone("com"), zone("example.com"), zone("amazonses.com"));
    let anchors = TrustAnchors::parse(&format!(". IN DS {}\n", root.ds())).unwrap();
    let ds_at = |child: &Zone, parent: &Zone| {
        DsEvidence::Present(signed(
            set(&child.ksk.zone.to_string(), 86_400, vec![child.ds()]),
            &parent.zsk,
        ))
    };
    let evidence = |z: &Zone, ds| ZoneEvidence {
        zone: z.ksk.zone.clone(),
        ds,
        dnskey: Some(z.dnskey()),
    };
    let tokens = ["4ovbs3e4yvbdqm5v", "xq7jrb2nqmdpjbc5", "d3n6c2bq5xwqbhy6"];
    let per_server = || Server {
        path: vec![
            evidence(&root, DsEvidence::Missing),
            evidence(&com, ds_at(&com, &root)),
            evidence(&example, ds_at(&example, &com)),
        ],
        provider: evidence(&ses, ds_at(&ses, &com)),
        cnames: tokens
            .iter()
            .map(|t| {
                let target = RData::Cname(n(&format!("{t}.dkim.amazonses.com")));
                let owner = format!("{t}._domainkey.example.com");
                signed(set(&owner, 1800, vec![target]), &example.zsk)
            })
            .collect(),
        txts: tokens
            .iter()
            .map(|t| {
                let key = RData::Txt(Txt::new(["p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"]));
                let owner = format!("{t}.dkim.amazonses.com");
                signed(set(&owner, 1800, vec![key]), &ses.zsk)
            })
            .collect(),
    };
    let first = per_server();
    let servers = (0..SERVERS)
        .map(|_| if online { per_server() } else { first.clone() })
        .collect();
    Check { anchors, servers }
}

/// Validates everything; returns the number of signatures verified.
fn validate(check: &Check) -> u32 {
    let mut v = Validator::new(&RingCrypto, u64::from(NOW), Limits::default());
    for Server {
        path,
        provider,
        cnames,
        txts,
    } in &check.servers
    {
        let chain = v.chain(&check.anchors, path);
        let com = chain[1].keys.clone().unwrap();
        let (security, keys) =
            v.child_keys(&com, &provider.zone, &provider.ds, provider.dnskey.as_ref());
        assert_eq!(security, Security::Secure);
        let ses = ZoneStatus {
            zone: provider.zone.clone(),
            security,
            keys,
        };
        for cname in cnames {
            assert_eq!(v.answer(&chain[2], cname).0, Security::Secure);
        }
        for txt in txts {
            assert_eq!(v.answer(&ses, txt).0, Security::Secure);
        }
    }
    v.usage().signatures
}

fn bench(c: &mut Criterion) {
    let presigned = check(false);
    // The answers (3 CNAMEs, 3 TXT) are the same bytes from every server: 13 verifications,
    // the other 39 remembered.
    assert_eq!(validate(&presigned), 13);
    c.bench_function("dnssec/validate_one_ses_check_presigned", |b| {
        b.iter(|| validate(&presigned))
    });
    let online = check(true);
    // RSA PKCS#1 v1.5 signatures are deterministic: the root's 2 are the same from every
    // server. 4 x 11 ECDSA + 2 RSA.
    assert_eq!(validate(&online), 46);
    c.bench_function("dnssec/validate_one_ses_check_online_signed", |b| {
        b.iter(|| validate(&online))
    });
    let key = ecdsa("example.com", 256);
    let answer = signed(
        set("a.example.com", 300, vec![RData::Txt(Txt::new(["x"]))]),
        &key,
    );
    let keys = [key.dnskey.clone()];
    c.bench_function("dnssec/verify_one_ecdsa_p256", |b| {
        b.iter(|| {
            let mut v = Validator::new(&RingCrypto, u64::from(NOW), Limits::default());
            v.verify_rrset(&answer, &key.zone, &keys).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
