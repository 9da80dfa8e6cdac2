//! DNSKEY arithmetic: the wire form of a key's data, its key tag (RFC 4034 Appendix B) and
//! the DS digest that names it from the parent (RFC 4034 §5.1.4, RFC 4509, RFC 6605).

use crate::dnssec::crypto::{Crypto, DigestAlgorithm};
use crate::name::Name;
use crate::rdata::{Dnskey, Ds};

/// The ZONE flag (RFC 4034 §2.1.1): only keys with it may verify zone data.
pub const FLAG_ZONE: u16 = 0x0100;
/// The Secure Entry Point flag (RFC 4034 §2.1.1): a hint, never a rule, for key-signing keys.
pub const FLAG_SEP: u16 = 0x0001;
/// The REVOKE flag (RFC 5011 §3): a revoked key must not validate anything but its own
/// revocation.
pub const FLAG_REVOKE: u16 = 0x0080;

/// The DNSKEY record data in wire form: flags, protocol, algorithm, public key.
pub fn dnskey_rdata(key: &Dnskey) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + key.public_key.len());
    out.extend_from_slice(&key.flags.to_be_bytes());
    out.push(key.protocol);
    out.push(key.algorithm);
    out.extend_from_slice(&key.public_key);
    out
}

/// The key tag of a DNSKEY (RFC 4034 Appendix B): a checksum of its record data, or for
/// algorithm 1 (RSAMD5) the third- and second-last octets of the modulus (Appendix B.1).
pub fn key_tag(key: &Dnskey) -> u16 {
    if key.algorithm == 1 {
        let k = &key.public_key;
        return match k.len() {
            n if n >= 3 => u16::from_be_bytes([k[n - 3], k[n - 2]]),
            _ => 0,
        };
    }
    let rdata = dnskey_rdata(key);
    let mut acc: u32 = 0;
    for (i, &b) in rdata.iter().enumerate() {
        acc += if i & 1 == 0 {
            u32::from(b) << 8
        } else {
            u32::from(b)
        };
    }
    acc += (acc >> 16) & 0xFFFF;
    (acc & 0xFFFF) as u16
}

/// The owner name in canonical wire form: lower case, uncompressed, root label included.
pub fn canonical_name(name: &Name) -> Vec<u8> {
    let mut out = name.wire_without_root().to_ascii_lowercase();
    out.push(0);
    out
}

/// The DS record a parent publishes for `key` at `owner`, with this digest type; `None` for a
/// digest type this crate does not compute (GOST, unknown).
pub fn ds_for(crypto: &dyn Crypto, owner: &Name, key: &Dnskey, digest_type: u8) -> Option<Ds> {
    let algorithm = DigestAlgorithm::from_ds_digest_type(digest_type)?;
    let digest = crypto.digest(algorithm, &[&canonical_name(owner), &dnskey_rdata(key)]);
    Some(Ds {
        key_tag: key_tag(key),
        algorithm: key.algorithm,
        digest_type,
        digest,
    })
}

/// Whether `ds` names `key` at `owner`: same key tag and algorithm, and the digest matches.
pub fn ds_matches(crypto: &dyn Crypto, ds: &Ds, owner: &Name, key: &Dnskey) -> bool {
    ds.key_tag == key_tag(key)
        && ds.algorithm == key.algorithm
        && ds_for(crypto, owner, key, ds.digest_type).is_some_and(|ours| ours.digest == ds.digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsamd5_key_tags_come_from_the_modulus() {
        let key = Dnskey {
            flags: 256,
            protocol: 3,
            algorithm: 1,
            public_key: vec![1, 3, 0xAA, 0x12, 0x34, 0x56],
        };
        assert_eq!(key_tag(&key), 0x1234);
        let short = Dnskey {
            public_key: vec![1],
            ..key
        };
        assert_eq!(key_tag(&short), 0);
    }

    #[test]
    fn canonical_names_are_lower_case_with_the_root_label() {
        let name: Name = "WWW.Example.COM".parse().unwrap();
        assert_eq!(canonical_name(&name), b"\x03www\x07example\x03com\x00");
        assert_eq!(canonical_name(&Name::root()), b"\x00");
    }
}
