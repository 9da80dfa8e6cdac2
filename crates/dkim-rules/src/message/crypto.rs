//! Hashes, the public key of a key record, and the signature check itself (RFC 6376 §3.3,
//! RFC 8463 §3), with the RustCrypto `rsa`, `sha2`, `sha1` and `ed25519-dalek` crates.
//!
//! For RSA the crate decides pass or fail; when it says fail, the signature is opened with
//! the key (`s^e mod n`) to tell the two failures apart: a well-formed PKCS#1 v1.5 block
//! holding another hash means the key is right and the signed header fields changed; no
//! such block means the signature was not made with this key.

use base64::Engine;
use pkcs1::der::Decode;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::signature::Algorithm;
use crate::keyrecord::{KeyRecord, KeyType};

/// The largest RSA key accepted (bits): DKIM keys reach 4096 in practice; 8192 is the
/// ceiling common verifiers accept.
const MAX_RSA_BITS: usize = 8192;

/// The hash of `a=` over `data`.
pub(crate) fn digest(algorithm: Algorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        Algorithm::RsaSha1 => Sha1::digest(data).to_vec(),
        Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => Sha256::digest(data).to_vec(),
    }
}

/// A running hash of `a=`'s hash function, cloned to test many prefixes in one pass.
#[derive(Clone)]
pub(crate) enum Hasher {
    Sha1(Sha1),
    Sha256(Sha256),
}

impl Hasher {
    pub fn new(algorithm: Algorithm) -> Hasher {
        match algorithm {
            Algorithm::RsaSha1 => Hasher::Sha1(Sha1::new()),
            Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => Hasher::Sha256(Sha256::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// The hash so far, leaving the running state as it is.
    pub fn peek(&self) -> Vec<u8> {
        match self.clone() {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// A public key ready to verify with.
#[derive(Debug, Clone)]
pub(crate) enum VerifyingKey {
    Rsa(RsaPublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl VerifyingKey {
    /// The key of a parsed, non-revoked key record (`p=` decoded again: the record keeps
    /// only what the DNS diagnosis needs).
    pub fn from_record(record: &KeyRecord) -> Result<VerifyingKey, String> {
        let p = record
            .tags
            .iter()
            .find(|t| t.name == "p")
            .map(|t| t.value.as_str())
            .unwrap_or("");
        let text: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.as_bytes()))
            .map_err(|e| format!("p= is not valid base64 ({e})"))?;
        match record.key_type {
            KeyType::Ed25519 => {
                let raw: [u8; 32] = der
                    .as_slice()
                    .try_into()
                    .map_err(|_| format!("an ed25519 p= must be 32 octets, not {}", der.len()))?;
                ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map(VerifyingKey::Ed25519)
                    .map_err(|_| "p= is not a valid Ed25519 public key (not a curve point)".into())
            }
            KeyType::Rsa => {
                // SubjectPublicKeyInfo (what RFC 6376 specifies) or a bare RSAPublicKey.
                let pkcs1_der = match spki::SubjectPublicKeyInfoRef::from_der(&der) {
                    Ok(info) => info
                        .subject_public_key
                        .as_bytes()
                        .ok_or("the key bit string has unused bits")?
                        .to_vec(),
                    Err(_) => der,
                };
                let key = pkcs1::RsaPublicKey::from_der(&pkcs1_der)
                    .map_err(|e| format!("p= is not an RSA public key ({e})"))?;
                let n = BigUint::from_bytes_be(key.modulus.as_bytes());
                let e = BigUint::from_bytes_be(key.public_exponent.as_bytes());
                RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
                    .map(VerifyingKey::Rsa)
                    .map_err(|e| format!("the RSA key cannot be used ({e})"))
            }
        }
    }

    /// RSA modulus size in bits.
    pub fn rsa_bits(&self) -> Option<usize> {
        match self {
            VerifyingKey::Rsa(key) => Some(key.n().bits()),
            VerifyingKey::Ed25519(_) => None,
        }
    }
}

/// What the signature check says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verification {
    /// The signature verifies.
    Pass,
    /// The key opens the signature, but the signed hash differs: the header fields (or the
    /// DKIM-Signature field itself) changed after signing. The hash the signer signed.
    HeadersChanged(Vec<u8>),
    /// The signature was not made with this key (RSA only can tell).
    KeyMismatch(String),
    /// Either, and nothing can tell which (Ed25519).
    HeadersOrKey,
}

/// Checks `signature` over the canonical header data with `key`.
pub(crate) fn verify(
    key: &VerifyingKey,
    algorithm: Algorithm,
    header_data: &[u8],
    signature: &[u8],
) -> Verification {
    match key {
        VerifyingKey::Ed25519(key) => {
            // RFC 8463 §3: Ed25519 signs the SHA-256 hash of the header data.
            let hash = Sha256::digest(header_data);
            let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                return Verification::KeyMismatch(format!(
                    "an Ed25519 signature is 64 octets, this one {}",
                    signature.len()
                ));
            };
            match key.verify_strict(&hash, &sig) {
                Ok(()) => Verification::Pass,
                Err(_) => Verification::HeadersOrKey,
            }
        }
        VerifyingKey::Rsa(key) => {
            let hash = digest(algorithm, header_data);
            let scheme = match algorithm {
                Algorithm::RsaSha1 => Pkcs1v15Sign::new::<Sha1>(),
                _ => Pkcs1v15Sign::new::<Sha256>(),
            };
            if key.verify(scheme, &hash, signature).is_ok() {
                return Verification::Pass;
            }
            classify_rsa_failure(key, &hash, signature)
        }
    }
}

/// The DER DigestInfo prefixes of PKCS#1 v1.5 (RFC 8017 §9.2, note 1).
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// Why an RSA signature failed: opens it with the key and reads the PKCS#1 v1.5 block.
fn classify_rsa_failure(key: &RsaPublicKey, hash: &[u8], signature: &[u8]) -> Verification {
    let k = key.size();
    if signature.len() != k {
        return Verification::KeyMismatch(format!(
            "the signature is {} bits long but the key's modulus {} bits, so it was made with another key",
            signature.len() * 8,
            key.n().bits()
        ));
    }
    let s = BigUint::from_bytes_be(signature);
    if &s >= key.n() {
        return Verification::KeyMismatch(
            "the signature is larger than the key's modulus, so it was made with another key"
                .into(),
        );
    }
    let m = s.modpow(key.e(), key.n()).to_bytes_be();
    let mut em = vec![0u8; k.saturating_sub(m.len())];
    em.extend_from_slice(&m);
    // 00 01 FF..FF 00 DigestInfo
    let padded = em.len() > 11
        && em[0] == 0
        && em[1] == 1
        && em[2..].iter().position(|&b| b != 0xff).is_some_and(|i| {
            let zero = 2 + i;
            i >= 8 && em[zero] == 0 && {
                let info = &em[zero + 1..];
                (info.starts_with(SHA256_PREFIX) && info.len() == SHA256_PREFIX.len() + 32)
                    || (info.starts_with(SHA1_PREFIX) && info.len() == SHA1_PREFIX.len() + 20)
            }
        });
    if padded && !em.ends_with(hash) {
        Verification::HeadersChanged(em[em.len() - hash.len()..].to_vec())
    } else if padded {
        // The block holds our hash but with another DigestInfo (a=rsa-sha256 signed as
        // SHA-1 or the reverse): the signer's bug, not a change in transit.
        Verification::KeyMismatch("the signer used another hash algorithm than a= says".into())
    } else {
        Verification::KeyMismatch(
            "the signature does not open with this key: it was made with another private key"
                .into(),
        )
    }
}
