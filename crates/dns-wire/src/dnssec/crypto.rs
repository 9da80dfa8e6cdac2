//! The cryptography DNSSEC needs, behind a small trait ([`Crypto`]), and its implementation
//! with `ring` ([`RingCrypto`]). Which algorithms a validator accepts is policy, decided here
//! once ([`algorithm_status`], [`digest_status`]) from the recommendations of RFC 8624 and
//! the IETF's later deprecation of SHA-1 signatures (draft-ietf-dnsop-must-not-sha1).

use std::fmt;

/// A DS digest type or the NSEC3 hash: the hash functions DNSSEC uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// SHA-1: DS digest type 1 and the NSEC3 hash (algorithm 1).
    Sha1,
    /// SHA-256: DS digest type 2.
    Sha256,
    /// SHA-384: DS digest type 4.
    Sha384,
}

impl DigestAlgorithm {
    /// The algorithm of a DS digest type number, if it is one this crate computes.
    pub fn from_ds_digest_type(digest_type: u8) -> Option<DigestAlgorithm> {
        match digest_type {
            1 => Some(DigestAlgorithm::Sha1),
            2 => Some(DigestAlgorithm::Sha256),
            4 => Some(DigestAlgorithm::Sha384),
            _ => None,
        }
    }

    /// Length of the digest in octets.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
        }
    }
}

/// A signature that does not verify, or a key that cannot be used, with why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The algorithm number is not one the implementation verifies.
    #[error("algorithm {0} is not supported")]
    UnsupportedAlgorithm(u8),
    /// The public key is malformed for its algorithm (length, exponent, point encoding).
    #[error("the public key is malformed for algorithm {algorithm}: {why}")]
    BadKey {
        /// The algorithm number.
        algorithm: u8,
        /// What is wrong, in a few words.
        why: &'static str,
    },
    /// The signature does not verify under the key.
    #[error("the signature does not verify")]
    BadSignature,
}

/// Signature verification and hashing for DNSSEC. The validator only ever calls these; an
/// implementation on another library (aws-lc-rs, OpenSSL) replaces [`RingCrypto`].
pub trait Crypto {
    /// Whether `verify` can check signatures of this DNSSEC algorithm number.
    fn supports(&self, algorithm: u8) -> bool;

    /// Verifies `signature` over `message` with `public_key` in its DNSKEY wire form
    /// (RFC 3110 for RSA, RFC 6605 for ECDSA, RFC 8080 for Ed25519).
    fn verify(
        &self,
        algorithm: u8,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// The digest of the concatenation of `parts`.
    fn digest(&self, algorithm: DigestAlgorithm, parts: &[&[u8]]) -> Vec<u8>;
}

/// How a validator treats a DNSKEY algorithm number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlgorithmStatus {
    /// Verified: RSASHA256 (8), RSASHA512 (10), ECDSAP256SHA256 (13), ECDSAP384SHA384 (14),
    /// ED25519 (15).
    Supported,
    /// Once valid, now not to be used for validation: RSAMD5 (1), DSA (3), RSASHA1 (5),
    /// DSA-NSEC3-SHA1 (6), RSASHA1-NSEC3-SHA1 (7), ECC-GOST (12). A zone signed only with
    /// them is treated as unsigned (insecure, RFC 6840 §5.2), never bogus.
    Deprecated,
    /// Not known or not implemented (ED448 (16), private and unassigned numbers): also
    /// insecure (RFC 4035 §5.2).
    Unsupported,
}

/// The status of a DNSKEY/RRSIG/DS algorithm number. SHA-1 based algorithms are deprecated
/// here as draft-ietf-dnsop-must-not-sha1 deprecates them for validation (RHEL's crypto policy
/// already refuses them). The trade-off: a validator that still accepts them (Unbound, BIND
/// and the public resolvers did in 2024) may call bogus a broken zone this calls insecure, so
/// the rules report such a zone with a warning that names the algorithm.
pub fn algorithm_status(crypto: &dyn Crypto, algorithm: u8) -> AlgorithmStatus {
    match algorithm {
        1 | 3 | 5 | 6 | 7 | 12 => AlgorithmStatus::Deprecated,
        _ if crypto.supports(algorithm) => AlgorithmStatus::Supported,
        _ => AlgorithmStatus::Unsupported,
    }
}

/// Whether a DS digest type is used for validation: SHA-256 (2) and SHA-384 (4) are; SHA-1
/// (1) is still computed (RFC 8624 §3.3 "MUST" for validation) but a DS set with a SHA-256
/// digest for the same key wins over it (RFC 4509 §3); GOST (3) and unknown types are not.
pub fn digest_status(digest_type: u8) -> AlgorithmStatus {
    match digest_type {
        1 | 2 | 4 => AlgorithmStatus::Supported,
        3 => AlgorithmStatus::Deprecated,
        _ => AlgorithmStatus::Unsupported,
    }
}

/// The mnemonic of a DNSKEY algorithm number (IANA "DNS Security Algorithm Numbers"), as
/// zone files and `dig` show it.
pub fn algorithm_mnemonic(algorithm: u8) -> Option<&'static str> {
    Some(match algorithm {
        1 => "RSAMD5",
        3 => "DSA",
        5 => "RSASHA1",
        6 => "DSA-NSEC3-SHA1",
        7 => "RSASHA1-NSEC3-SHA1",
        8 => "RSASHA256",
        10 => "RSASHA512",
        12 => "ECC-GOST",
        13 => "ECDSAP256SHA256",
        14 => "ECDSAP384SHA384",
        15 => "ED25519",
        16 => "ED448",
        _ => return None,
    })
}

/// The name of a DS digest type (IANA "Delegation Signer Digest Algorithms").
pub fn digest_mnemonic(digest_type: u8) -> Option<&'static str> {
    Some(match digest_type {
        1 => "SHA-1",
        2 => "SHA-256",
        3 => "GOST R 34.11-94",
        4 => "SHA-384",
        _ => return None,
    })
}

/// [`Crypto`] on `ring`: RSA/SHA-256 and RSA/SHA-512 (keys of 1024 to 8192 bits), ECDSA P-256
/// and P-384, Ed25519; SHA-1, SHA-256 and SHA-384 digests.
#[derive(Debug, Clone, Copy, Default)]
pub struct RingCrypto;

impl fmt::Display for RingCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ring")
    }
}

/// Splits an RFC 3110 RSA public key into its exponent and modulus, leading zero octets
/// removed (ring refuses them). Never trusts the exponent length.
pub(crate) fn rsa_components(key: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = key.split_first()?;
    let (exp_len, rest) = if first == 0 {
        let (len, rest) = rest.split_first_chunk::<2>()?;
        (usize::from(u16::from_be_bytes(*len)), rest)
    } else {
        (usize::from(first), rest)
    };
    if exp_len == 0 || exp_len >= rest.len() {
        return None;
    }
    let (e, n) = rest.split_at(exp_len);
    let strip = |x: &[u8]| -> usize { x.iter().take_while(|&&b| b == 0).count() };
    let (e, n) = (&e[strip(e)..], &n[strip(n)..]);
    (!e.is_empty() && !n.is_empty()).then_some((e, n))
}

impl Crypto for RingCrypto {
    fn supports(&self, algorithm: u8) -> bool {
        matches!(algorithm, 8 | 10 | 13 | 14 | 15)
    }

    fn verify(
        &self,
        algorithm: u8,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        use ring::signature as sig;
        let bad_key = |why| CryptoError::BadKey { algorithm, why };
        let verified = match algorithm {
            8 | 10 => {
                let (e, n) = rsa_components(public_key).ok_or(bad_key("RFC 3110 layout"))?;
                // The 1024-bit floor of the legacy parameters: DNSSEC zones still use 1024-bit
                // RSA zone-signing keys (RFC 8624 §3.1 allows validating them).
                let params = if algorithm == 8 {
                    &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
                } else {
                    &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
                };
                sig::RsaPublicKeyComponents { n, e }.verify(params, message, signature)
            }
            13 | 14 => {
                let (len, params) = if algorithm == 13 {
                    (64, &sig::ECDSA_P256_SHA256_FIXED)
                } else {
                    (96, &sig::ECDSA_P384_SHA384_FIXED)
                };
                if public_key.len() != len {
                    return Err(bad_key("point length"));
                }
                // DNSKEY holds x | y (RFC 6605 §4); ring wants the uncompressed SEC1 point.
                let mut point = Vec::with_capacity(1 + len);
                point.push(0x04);
                point.extend_from_slice(public_key);
                sig::UnparsedPublicKey::new(params, &point).verify(message, signature)
            }
            15 => {
                if public_key.len() != 32 {
                    return Err(bad_key("key length"));
                }
                sig::UnparsedPublicKey::new(&sig::ED25519, public_key).verify(message, signature)
            }
            other => return Err(CryptoError::UnsupportedAlgorithm(other)),
        };
        verified.map_err(|_| CryptoError::BadSignature)
    }

    fn digest(&self, algorithm: DigestAlgorithm, parts: &[&[u8]]) -> Vec<u8> {
        let algorithm = match algorithm {
            DigestAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            DigestAlgorithm::Sha256 => &ring::digest::SHA256,
            DigestAlgorithm::Sha384 => &ring::digest::SHA384,
        };
        let mut context = ring::digest::Context::new(algorithm);
        for part in parts {
            context.update(part);
        }
        context.finish().as_ref().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_key_layouts_are_checked_not_trusted() {
        assert_eq!(
            rsa_components(&[1, 3, 0xAB, 0xCD]),
            Some((&[3][..], &[0xAB, 0xCD][..]))
        );
        // Three-octet exponent length form, leading zeros stripped.
        assert_eq!(
            rsa_components(&[0, 0, 1, 3, 0, 0xCD]),
            Some((&[3][..], &[0xCD][..]))
        );
        for bad in [
            &[][..],
            &[4, 1, 2],
            &[0, 0],
            &[0, 1, 0, 5],
            &[1, 3],
            &[1, 0, 0],
        ] {
            assert_eq!(rsa_components(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn digests_of_known_inputs() {
        let c = RingCrypto;
        let hex = |v: Vec<u8>| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
        // FIPS 180 "abc" test vectors, fed in two parts.
        assert_eq!(
            hex(c.digest(DigestAlgorithm::Sha1, &[b"a", b"bc"])),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(c.digest(DigestAlgorithm::Sha256, &[b"ab", b"c"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(c.digest(DigestAlgorithm::Sha384, &[b"abc"]).len(), 48);
    }

    #[test]
    fn malformed_keys_are_errors_not_panics() {
        let c = RingCrypto;
        for alg in [8, 10, 13, 14, 15] {
            for key in [&[][..], &[0; 3], &[1; 64], &[0xFF; 600]] {
                assert!(c.verify(alg, key, b"m", &[0; 64]).is_err());
            }
        }
        assert_eq!(
            c.verify(16, &[0; 57], b"m", &[0; 114]),
            Err(CryptoError::UnsupportedAlgorithm(16))
        );
        assert_eq!(algorithm_status(&c, 5), AlgorithmStatus::Deprecated);
        assert_eq!(algorithm_status(&c, 13), AlgorithmStatus::Supported);
        assert_eq!(algorithm_status(&c, 16), AlgorithmStatus::Unsupported);
    }
}
