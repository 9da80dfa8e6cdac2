//! Signing RRsets, for test zones and the simulated network (`dns-lab`): a zone's private key
//! (PKCS#8: Ed25519, ECDSA P-256 or RSA with SHA-256, with `ring`) and RRSIGs over RRsets with a
//! given validity window. Ed25519 signatures are deterministic, so zones signed with it are the same bytes
//! on every run.

use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair};

use super::keys::key_tag;
use super::rrset::{signed_data, signed_labels, Rrset};
use crate::name::Name;
use crate::rdata::{Dnskey, Rrsig};

/// A private key that can't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the private key is not a PKCS#8 {0} key")]
pub struct KeyError(&'static str);

enum Pair {
    Ed25519(sig::Ed25519KeyPair),
    EcdsaP256(sig::EcdsaKeyPair),
    RsaSha256(sig::RsaKeyPair),
}

/// A zone's signing key: its DNSKEY and the private half.
pub struct SigningKey {
    /// The zone it signs.
    pub zone: Name,
    /// Its public DNSKEY record data.
    pub dnskey: Dnskey,
    pair: Pair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("zone", &self.zone)
            .field("key_tag", &self.key_tag())
            .finish()
    }
}

impl SigningKey {
    /// An Ed25519 key (algorithm 15) from PKCS#8 (v1 or v2) with these DNSKEY flags
    /// (257 for a key-signing key, 256 for a zone-signing key).
    pub fn ed25519(zone: Name, flags: u16, pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(|_| KeyError("Ed25519"))?;
        let dnskey = Dnskey {
            flags,
            protocol: 3,
            algorithm: 15,
            public_key: pair.public_key().as_ref().to_vec(),
        };
        Ok(SigningKey {
            zone,
            dnskey,
            pair: Pair::Ed25519(pair),
        })
    }

    /// An ECDSA P-256 key (algorithm 13) from PKCS#8.
    pub fn ecdsa_p256(zone: Name, flags: u16, pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = sig::EcdsaKeyPair::from_pkcs8(
            &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|_| KeyError("ECDSA P-256"))?;
        // ring gives the SEC1 point 04 | x | y; DNSKEY holds x | y (RFC 6605 §4).
        let public_key = pair
            .public_key()
            .as_ref()
            .get(1..)
            .unwrap_or_default()
            .to_vec();
        let dnskey = Dnskey {
            flags,
            protocol: 3,
            algorithm: 13,
            public_key,
        };
        Ok(SigningKey {
            zone,
            dnskey,
            pair: Pair::EcdsaP256(pair),
        })
    }

    /// An RSA key used with SHA-256 (algorithm 8) from PKCS#8 (as `openssl genpkey` writes
    /// it in DER), 2048 to 4096 bits.
    pub fn rsa_sha256(zone: Name, flags: u16, pkcs8: &[u8]) -> Result<SigningKey, KeyError> {
        let pair = sig::RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| KeyError("RSA"))?;
        let parts: sig::RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
        // RFC 3110 §2: exponent length (one octet, or zero and two octets), exponent, modulus.
        let mut public_key = Vec::with_capacity(3 + parts.e.len() + parts.n.len());
        match u8::try_from(parts.e.len()) {
            Ok(len) if len > 0 => public_key.push(len),
            _ => {
                public_key.push(0);
                public_key.extend_from_slice(&(parts.e.len() as u16).to_be_bytes());
            }
        }
        public_key.extend_from_slice(&parts.e);
        public_key.extend_from_slice(&parts.n);
        let dnskey = Dnskey {
            flags,
            protocol: 3,
            algorithm: 8,
            public_key,
        };
        Ok(SigningKey {
            zone,
            dnskey,
            pair: Pair::RsaSha256(pair),
        })
    }

    /// A fresh Ed25519 key in PKCS#8, for generating committed test keys.
    pub fn generate_ed25519_pkcs8() -> Vec<u8> {
        sig::Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map(|doc| doc.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// The key tag of its DNSKEY.
    pub fn key_tag(&self) -> u16 {
        key_tag(&self.dnskey)
    }

    /// An RRSIG over `rrset` valid from `inception` to `expiration` (seconds since the epoch
    /// modulo 2^32), with the RRset's TTL as original TTL and its owner's labels (a wildcard
    /// owner's `*` not counted).
    pub fn sign(&self, rrset: &Rrset, inception: u32, expiration: u32) -> Rrsig {
        let mut rrsig = Rrsig {
            type_covered: rrset.rtype,
            algorithm: self.dnskey.algorithm,
            labels: signed_labels(&rrset.name) as u8,
            original_ttl: rrset.ttl,
            expiration,
            inception,
            key_tag: self.key_tag(),
            signer: self.zone.clone(),
            signature: Vec::new(),
        };
        let data = signed_data(rrset, &rrsig).unwrap_or_default();
        rrsig.signature = match &self.pair {
            Pair::Ed25519(pair) => pair.sign(&data).as_ref().to_vec(),
            Pair::EcdsaP256(pair) => pair
                .sign(&SystemRandom::new(), &data)
                .map(|s| s.as_ref().to_vec())
                .unwrap_or_default(),
            Pair::RsaSha256(pair) => {
                let mut out = vec![0; pair.public().modulus_len()];
                match pair.sign(
                    &sig::RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    &data,
                    &mut out,
                ) {
                    Ok(()) => out,
                    Err(_) => Vec::new(),
                }
            }
        };
        rrsig
    }
}
