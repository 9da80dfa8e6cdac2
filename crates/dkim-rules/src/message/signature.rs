//! The DKIM-Signature header field (RFC 6376 §3.5, RFC 8463): its tag-list read into types,
//! every MUST of §6.1.1 checked.

use std::ops::Range;

use base64::Engine;
use dns_wire::Name;

use super::canon::Canon;
use super::mail::field_value;
use crate::keyrecord::{parse_tag_list, KeyRecordError};
use crate::Selector;

/// A signing algorithm (`a=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `rsa-sha256`.
    RsaSha256,
    /// `rsa-sha1`: verifiers must not accept it any more (RFC 8301 §3.1).
    RsaSha1,
    /// `ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
}

impl Algorithm {
    /// The `a=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RsaSha256 => "rsa-sha256",
            Algorithm::RsaSha1 => "rsa-sha1",
            Algorithm::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    /// The hash name as a key record's `h=` lists it.
    pub fn hash_name(self) -> &'static str {
        match self {
            Algorithm::RsaSha1 => "sha1",
            Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => "sha256",
        }
    }

    /// The key type (`k=`) the algorithm needs.
    pub fn key_type(self) -> crate::keyrecord::KeyType {
        match self {
            Algorithm::RsaSha256 | Algorithm::RsaSha1 => crate::keyrecord::KeyType::Rsa,
            Algorithm::Ed25519Sha256 => crate::keyrecord::KeyType::Ed25519,
        }
    }
}

/// One parsed DKIM-Signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `a=`.
    pub algorithm: Algorithm,
    /// `c=` for the header fields.
    pub header_canon: Canon,
    /// `c=` for the body.
    pub body_canon: Canon,
    /// `d=`, lower case.
    pub domain: Name,
    /// `s=`, lower case.
    pub selector: Selector,
    /// `i=`, if given.
    pub identity: Option<String>,
    /// `h=`, as written.
    pub signed_headers: Vec<String>,
    /// `bh=`, decoded.
    pub body_hash: Vec<u8>,
    /// `b=`, decoded.
    pub signature: Vec<u8>,
    /// `l=`: how many octets of the canonical body are signed (saturates at `u64::MAX`).
    pub body_length: Option<u64>,
    /// `t=`: when it was signed (seconds since the epoch).
    pub timestamp: Option<u64>,
    /// `x=`: when it expires.
    pub expiration: Option<u64>,
    /// `z=`: the header fields as the signer saw them (name, value), decoded.
    pub copied_headers: Vec<(String, String)>,
    /// Where the `b=` value lies in the whole field (blanked for the header hash).
    pub b_value: Range<usize>,
}

/// Why a DKIM-Signature cannot be used. Each message is one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Bytes that are not ASCII.
    #[error("the field holds bytes that are not ASCII text")]
    NotText,
    /// The tag-list breaks RFC 6376 §3.2.
    #[error("its tag list is invalid: {0}")]
    TagList(KeyRecordError),
    /// A required tag is missing.
    #[error("the required tag {0}= is missing")]
    MissingTag(&'static str),
    /// `v=` is not 1.
    #[error("v={0} is not 1, the only DKIM-Signature version")]
    Version(String),
    /// `a=` is not a known algorithm.
    #[error("a={0} is not an algorithm verifiers know (rsa-sha256, ed25519-sha256)")]
    Algorithm(String),
    /// `c=` is not a known canonicalization.
    #[error("c={0} is not a canonicalization verifiers know (simple or relaxed, header/body)")]
    Canonicalization(String),
    /// `q=` does not include `dns/txt`.
    #[error("q={0} does not name dns/txt, the only way to fetch a key")]
    QueryMethod(String),
    /// A base64 tag does not decode.
    #[error("{tag}= is not valid base64 ({reason})")]
    Base64 {
        /// The tag.
        tag: &'static str,
        /// The decoder's reason.
        reason: String,
    },
    /// `d=` is not a domain name.
    #[error("d={0:?} is not a domain name")]
    Domain(String),
    /// `s=` is not a selector.
    #[error("s={0:?} is not a selector (dot-separated labels)")]
    Selector(String),
    /// `h=` does not list From (§5.4, §6.1.1).
    #[error("h= does not list the From field, which every signature must cover")]
    FromNotSigned,
    /// `i=` is outside `d=` (§6.1.1).
    #[error("i={identity} is not in the signing domain d={domain} or a subdomain of it")]
    IdentityOutsideDomain {
        /// `i=`.
        identity: String,
        /// `d=`.
        domain: String,
    },
    /// A number tag holds something else.
    #[error("{tag}={value} is not a number")]
    Number {
        /// The tag.
        tag: &'static str,
        /// The value.
        value: String,
    },
    /// `x=` is not after `t=`.
    #[error("x={expiration} is not after t={timestamp}")]
    ExpiresBeforeSigned {
        /// `t=`.
        timestamp: u64,
        /// `x=`.
        expiration: u64,
    },
}

impl SignatureError {
    /// Whether the signature is well formed but uses something verifiers do not implement
    /// (they ignore such signatures) rather than breaking the syntax.
    pub fn is_unsupported(&self) -> bool {
        matches!(
            self,
            SignatureError::Version(_)
                | SignatureError::Algorithm(_)
                | SignatureError::Canonicalization(_)
                | SignatureError::QueryMethod(_)
        )
    }
}

/// What could be read from a signature even when it is unusable: `d=`, `s=` and `a=` as
/// written, for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureLabels {
    /// `d=`.
    pub domain: Option<String>,
    /// `s=`.
    pub selector: Option<String>,
    /// `a=`.
    pub algorithm: Option<String>,
    /// `c=`.
    pub canonicalization: Option<String>,
}

/// Reads whatever `d=`, `s=`, `a=` and `c=` say, for a signature that [`parse`] refused.
pub fn labels(whole: &[u8]) -> SignatureLabels {
    let value = field_value(whole);
    let text = String::from_utf8_lossy(value);
    let mut labels = SignatureLabels::default();
    for spec in text.split(';') {
        let Some((name, value)) = spec.split_once('=') else {
            continue;
        };
        let value: String = value.split_whitespace().collect::<Vec<_>>().join("");
        let slot = match name.trim() {
            "d" => &mut labels.domain,
            "s" => &mut labels.selector,
            "a" => &mut labels.algorithm,
            "c" => &mut labels.canonicalization,
            _ => continue,
        };
        slot.get_or_insert(value);
    }
    labels
}

/// Parses a whole DKIM-Signature field (`DKIM-Signature: v=1; ...` with its CRLF).
pub fn parse(whole: &[u8]) -> Result<Signature, SignatureError> {
    let value = field_value(whole);
    let value_start = value.as_ptr() as usize - whole.as_ptr() as usize;
    let text = std::str::from_utf8(value)
        .ok()
        .filter(|t| t.is_ascii())
        .ok_or(SignatureError::NotText)?;
    let tags = parse_tag_list(text).map_err(SignatureError::TagList)?;
    let get = |name: &str| tags.iter().find(|t| t.name == name);
    let required = |name: &'static str| get(name).ok_or(SignatureError::MissingTag(name));

    let version = required("v")?;
    if version.value != "1" {
        return Err(SignatureError::Version(version.value.clone()));
    }
    let a = required("a")?;
    let algorithm = match a.value.to_ascii_lowercase().as_str() {
        "rsa-sha256" => Algorithm::RsaSha256,
        "rsa-sha1" => Algorithm::RsaSha1,
        "ed25519-sha256" => Algorithm::Ed25519Sha256,
        _ => return Err(SignatureError::Algorithm(a.value.clone())),
    };
    let (header_canon, body_canon) = match get("c") {
        None => (Canon::Simple, Canon::Simple),
        Some(c) => canonicalization(&c.value)
            .ok_or_else(|| SignatureError::Canonicalization(c.value.clone()))?,
    };
    if let Some(q) = get("q") {
        let methods = compact(&q.value).to_ascii_lowercase();
        if !methods.split(':').any(|m| m == "dns/txt") {
            return Err(SignatureError::QueryMethod(q.value.clone()));
        }
    }
    let b_tag = required("b")?;
    let signature = base64("b", &b_tag.value)?;
    let body_hash = base64("bh", &required("bh")?.value)?;
    let d = required("d")?;
    let domain: Name = crate::input::parse_domain(&d.value)
        .map_err(|_| SignatureError::Domain(d.value.clone()))?
        .to_lowercase();
    let s = required("s")?;
    let selector = crate::input::parse_selector(&s.value)
        .map_err(|_| SignatureError::Selector(s.value.clone()))?;
    let signed_headers: Vec<String> = required("h")?
        .value
        .split(':')
        .map(|h| {
            h.trim_matches(|c: char| c.is_ascii_whitespace())
                .to_string()
        })
        .filter(|h| !h.is_empty())
        .collect();
    if !signed_headers
        .iter()
        .any(|h| h.eq_ignore_ascii_case("from"))
    {
        return Err(SignatureError::FromNotSigned);
    }
    let identity = get("i").map(|i| compact(&i.value));
    if let Some(identity) = &identity {
        let at_domain = identity.rsplit_once('@').map_or("", |(_, d)| d);
        let inside =
            crate::input::parse_domain(at_domain).is_ok_and(|name| name.is_subdomain_of(&domain));
        if !inside {
            return Err(SignatureError::IdentityOutsideDomain {
                identity: identity.clone(),
                domain: domain.to_string_relative(),
            });
        }
    }
    let body_length = get("l").map(|l| number("l", &l.value)).transpose()?;
    let timestamp = get("t").map(|t| number("t", &t.value)).transpose()?;
    let expiration = get("x").map(|x| number("x", &x.value)).transpose()?;
    if let (Some(t), Some(x)) = (timestamp, expiration) {
        if x <= t {
            return Err(SignatureError::ExpiresBeforeSigned {
                timestamp: t,
                expiration: x,
            });
        }
    }
    let copied_headers = get("z").map(|z| copied(&z.value)).unwrap_or_default();

    // The b= value runs from after its '=' to the next ';' or the end of the value; all of
    // it, whitespace included, is left out of the hash (§3.7).
    let eq = text[b_tag.offset..]
        .find('=')
        .map_or(0, |i| b_tag.offset + i + 1);
    let end = text[eq..].find(';').map_or(text.len(), |i| eq + i);
    Ok(Signature {
        algorithm,
        header_canon,
        body_canon,
        domain,
        selector,
        identity,
        signed_headers,
        body_hash,
        signature,
        body_length,
        timestamp,
        expiration,
        copied_headers,
        b_value: value_start + eq..value_start + end,
    })
}

/// `c=`: `header/body`, the body part defaulting to simple.
fn canonicalization(value: &str) -> Option<(Canon, Canon)> {
    let one = |text: &str| match text.to_ascii_lowercase().as_str() {
        "simple" => Some(Canon::Simple),
        "relaxed" => Some(Canon::Relaxed),
        _ => None,
    };
    let value = compact(value);
    match value.split_once('/') {
        None => Some((one(&value)?, Canon::Simple)),
        Some((header, body)) => Some((one(header)?, one(body)?)),
    }
}

/// A value with its folding whitespace removed.
fn compact(value: &str) -> String {
    value.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

fn base64(tag: &'static str, value: &str) -> Result<Vec<u8>, SignatureError> {
    let text = compact(value);
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text.as_bytes()))
        .map_err(|e| SignatureError::Base64 {
            tag,
            reason: e.to_string(),
        })
}

/// A decimal number; digits beyond `u64` saturate (an `l=` that large signs the whole body).
fn number(tag: &'static str, value: &str) -> Result<u64, SignatureError> {
    let text = compact(value);
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::Number {
            tag,
            value: value.to_string(),
        });
    }
    Ok(text.parse::<u64>().unwrap_or(u64::MAX))
}

/// `z=`: `name:value|name:value`, values in DKIM quoted-printable (§2.11).
fn copied(value: &str) -> Vec<(String, String)> {
    compact(value)
        .split('|')
        .filter_map(|part| {
            let (name, value) = part.split_once(':')?;
            Some((name.to_string(), quoted_printable(value)))
        })
        .collect()
}

fn quoted_printable(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'=')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELD: &[u8] = b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple;\r\n d=Example.COM; s=Sel1; h=From:Subject; i=news@mail.example.com;\r\n l=10; t=100; x=200; z=From:a=20b|Subject:hi;\r\n bh=YWJj; b=ZGVm\r\n ZGVm\r\n";

    #[test]
    fn every_tag_is_read() {
        let sig = parse(FIELD).unwrap();
        assert_eq!(sig.algorithm, Algorithm::RsaSha256);
        assert_eq!(
            (sig.header_canon, sig.body_canon),
            (Canon::Relaxed, Canon::Simple)
        );
        assert_eq!(sig.domain.to_string(), "example.com.");
        assert_eq!(sig.selector, "sel1");
        assert_eq!(sig.signed_headers, ["From", "Subject"]);
        assert_eq!(sig.body_hash, b"abc");
        assert_eq!(sig.signature, b"defdef");
        assert_eq!(
            (sig.body_length, sig.timestamp, sig.expiration),
            (Some(10), Some(100), Some(200))
        );
        assert_eq!(sig.copied_headers[0], ("From".into(), "a b".into()));
        assert_eq!(&FIELD[sig.b_value.clone()], b"ZGVm\r\n ZGVm");
    }

    #[test]
    fn the_musts_of_6_1_1_are_checked() {
        let with = |from: &str, to: &str| {
            let text = String::from_utf8_lossy(FIELD).replace(from, to);
            parse(text.as_bytes())
        };
        assert_eq!(
            with("From:Subject", "Subject"),
            Err(SignatureError::FromNotSigned)
        );
        assert!(matches!(
            with("i=news@mail.example.com", "i=news@example.net"),
            Err(SignatureError::IdentityOutsideDomain { .. })
        ));
        assert!(matches!(
            with("x=200", "x=50"),
            Err(SignatureError::ExpiresBeforeSigned { .. })
        ));
        assert_eq!(with(" s=Sel1;", ""), Err(SignatureError::MissingTag("s")));
        assert!(with("a=rsa-sha256", "a=rsa-sha512")
            .unwrap_err()
            .is_unsupported());
        assert!(with("c=relaxed/simple", "c=nowsp")
            .unwrap_err()
            .is_unsupported());
        assert!(with("v=1", "v=2").unwrap_err().is_unsupported());
        assert!(matches!(
            with("l=10", "l=ten"),
            Err(SignatureError::Number { .. })
        ));
        assert!(matches!(
            with("bh=YWJj", "bh=Y!Jj"),
            Err(SignatureError::TagList(_)) | Err(SignatureError::Base64 { .. })
        ));
    }

    #[test]
    fn labels_survive_a_broken_signature() {
        let l = labels(b"DKIM-Signature: d=example.com; s=x; a=rsa-sha512; broken\r\n");
        assert_eq!(l.domain.as_deref(), Some("example.com"));
        assert_eq!(l.algorithm.as_deref(), Some("rsa-sha512"));
    }

    #[test]
    fn simple_canonicalization_is_the_default() {
        let text = String::from_utf8_lossy(FIELD).replace(" c=relaxed/simple;", "");
        let sig = parse(text.as_bytes()).unwrap();
        assert_eq!(
            (sig.header_canon, sig.body_canon),
            (Canon::Simple, Canon::Simple)
        );
        let text = String::from_utf8_lossy(FIELD).replace("c=relaxed/simple", "c=relaxed");
        let sig = parse(text.as_bytes()).unwrap();
        assert_eq!(
            (sig.header_canon, sig.body_canon),
            (Canon::Relaxed, Canon::Simple)
        );
    }
}
