//! DKIM key records (RFC 6376 §3.6.1, RFC 8463): the tag-list parser and key decoding.
//!
//! [`parse_tag_list`] follows the grammar of RFC 6376 §3.2 (whitespace and folding allowed
//! around `=` and `;` and inside values, a trailing `;` allowed, empty tag-specs and duplicate
//! tags rejected). [`parse_key_record`] applies the key-record rules on top and decodes `p=`:
//! RSA from a DER SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey (through the RustCrypto
//! `spki` and `pkcs1` crates), Ed25519 as 32 raw bytes.
//!
//! The verdict follows what deployed verifiers do, not the grammar alone: what they all refuse
//! is a [`KeyRecordError`]; what the RFC forbids but they accept, or what only some of them
//! refuse, is kept as a [`Deviation`] on an otherwise usable [`KeyRecord`]. Which verifier does
//! what was measured with dkimpy 1.1.8, libopendkim 2.11, Mail::DKIM 1.20230212, mailauth
//! 4.13.3 and go-msgauth 0.6.6 on the corpus in `tests/keyrecords/`; what is said of mail-auth
//! (Stalwart) and of mailauth's current source comes from their source and test suites.

use base64::engine::general_purpose::GeneralPurpose;
use base64::engine::{DecodePaddingMode, GeneralPurposeConfig};
use base64::Engine;
use pkcs1::der::Decode;

/// One `tag=value` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The tag name (case-sensitive).
    pub name: String,
    /// The value with surrounding whitespace removed (inner whitespace kept).
    pub value: String,
    /// Byte offset of the tag name in the record text.
    pub offset: usize,
}

/// Why a key record is unusable. Each message is one sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRecordError {
    /// The record is not text.
    #[error("the record contains bytes that are not ASCII text (at byte {offset}), often a smart quote or a non-breaking space pasted from a document")]
    NotText {
        /// Byte offset.
        offset: usize,
    },
    /// Quote characters are part of the value.
    #[error("the record contains quote characters (at byte {offset}): they were typed into the value field and are now part of the key")]
    Quotes {
        /// Byte offset.
        offset: usize,
    },
    /// A backslash is part of the value (`\;` copied from a zone file).
    #[error("the record contains a backslash (at byte {offset}), probably a zone-file escape like \\; typed into a web form")]
    Backslash {
        /// Byte offset.
        offset: usize,
    },
    /// A PEM header or footer was published.
    #[error("the record contains a PEM line (\"-----BEGIN ...\"): publish only the base64 text between the BEGIN and END lines")]
    PemHeader,
    /// A private key was published.
    #[error("the record holds a PRIVATE key: remove it now, generate a new key pair, and publish only the public key")]
    PrivateKey,
    /// A tag-spec has no `=`.
    #[error("{text:?} (at byte {offset}) is not a tag=value pair")]
    MissingEquals {
        /// The text of the tag-spec.
        text: String,
        /// Byte offset.
        offset: usize,
    },
    /// An empty tag-spec (`;;`, or a `;` before the first tag): RFC 6376 §3.2 has none, and
    /// OpenDKIM and dkimpy refuse the whole record (Mail::DKIM, mailauth and go-msgauth skip
    /// it).
    #[error("it has an empty tag at byte {offset} (two semicolons in a row, or a semicolon before the first tag), which makes OpenDKIM and dkimpy discard the whole record")]
    EmptyTagSpec {
        /// Byte offset of the `;` that ends the empty tag-spec.
        offset: usize,
    },
    /// A tag name breaks the grammar.
    #[error("{name:?} (at byte {offset}) is not a valid tag name")]
    BadTagName {
        /// The name.
        name: String,
        /// Byte offset.
        offset: usize,
    },
    /// A value holds a character the grammar forbids.
    #[error("the value of {tag}= holds the character {found:?} (at byte {offset}), which a tag value cannot contain")]
    BadValueChar {
        /// The tag.
        tag: String,
        /// The character.
        found: char,
        /// Byte offset.
        offset: usize,
    },
    /// A tag appears twice.
    #[error("the tag {tag}= appears twice (at bytes {first} and {second}), which makes the whole record invalid")]
    DuplicateTag {
        /// The tag.
        tag: String,
        /// Offset of the first one.
        first: usize,
        /// Offset of the second one.
        second: usize,
    },
    /// `v=` is not `DKIM1`.
    #[error("v={0} is not DKIM1, so verifiers discard the record")]
    BadVersion(String),
    /// No `p=` tag.
    #[error("the record has no p= tag (the public key)")]
    MissingKey,
    /// Unknown `k=`.
    #[error("k={0} is not a key type verifiers know (rsa or ed25519)")]
    UnknownKeyType(String),
    /// `s=` excludes email.
    #[error("s={0} does not include email or *, so the key may not be used for mail")]
    NotForEmail(String),
    /// `p=` is not base64.
    #[error("p= is not valid base64 ({0}); the key was probably cut short or mistyped")]
    Base64(String),
    /// `p=` is base64 but not an RSA public key.
    #[error("p= is not an RSA public key in DER form ({0}); the key was probably cut short")]
    NotRsaKey(String),
    /// The key type in the DER does not match `k=`.
    #[error("p= holds a {found} key but k={declared}")]
    KeyTypeMismatch {
        /// What the DER holds.
        found: String,
        /// What `k=` says.
        declared: String,
    },
    /// An Ed25519 key is not 32 raw bytes.
    #[error("an ed25519 p= must be the 32 raw key bytes (RFC 8463), but it decodes to {0} bytes{hint}", hint = if *.0 == 44 { " (a SubjectPublicKeyInfo: strip it to the raw key)" } else { "" })]
    Ed25519Length(usize),
}

/// Parses an RFC 6376 §3.2 tag-list.
///
/// A tag name must start with a letter; other characters than the grammar's letters, digits
/// and `_` (a hyphen, say) are kept, as deployed verifiers keep them, and
/// [`parse_key_record`] reports them as a [`Deviation`].
pub fn parse_tag_list(text: &str) -> Result<Vec<Tag>, KeyRecordError> {
    let mut tags: Vec<Tag> = Vec::new();
    let mut start = 0;
    let segments: Vec<&str> = text.split(';').collect();
    let last = segments.len() - 1;
    for (index, segment) in segments.iter().enumerate() {
        let seg_start = start;
        start += segment.len() + 1;
        if segment.trim_matches(is_fws).is_empty() {
            // Only a trailing `;` (or a record that is blank) may leave an empty tag-spec.
            if index == last || text.trim_matches(is_fws).is_empty() {
                continue;
            }
            return Err(KeyRecordError::EmptyTagSpec {
                offset: seg_start + segment.len(),
            });
        }
        let lead = segment.len() - segment.trim_start_matches(is_fws).len();
        let offset = seg_start + lead;
        let Some(eq) = segment.find('=') else {
            return Err(KeyRecordError::MissingEquals {
                text: segment.trim_matches(is_fws).to_string(),
                offset,
            });
        };
        let name = segment[..eq].trim_matches(is_fws);
        if let Some(i) = name.find('"') {
            return Err(KeyRecordError::Quotes { offset: offset + i });
        }
        if let Some(i) = name.find('\\') {
            return Err(KeyRecordError::Backslash { offset: offset + i });
        }
        let mut chars = name.chars();
        let valid_name = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_graphic());
        if !valid_name {
            return Err(KeyRecordError::BadTagName {
                name: name.to_string(),
                offset,
            });
        }
        let raw_value = &segment[eq + 1..];
        let value_lead = raw_value.len() - raw_value.trim_start_matches(is_fws).len();
        let value = raw_value.trim_matches(is_fws);
        let value_start = seg_start + eq + 1 + value_lead;
        if let Some((i, found)) = value
            .char_indices()
            .find(|(_, c)| !(is_fws(*c) || ('!'..='~').contains(c)))
        {
            return Err(KeyRecordError::BadValueChar {
                tag: name.to_string(),
                found,
                offset: value_start + i,
            });
        }
        if let Some(first) = tags.iter().find(|t| t.name == name) {
            return Err(KeyRecordError::DuplicateTag {
                tag: name.to_string(),
                first: first.offset,
                second: offset,
            });
        }
        tags.push(Tag {
            name: name.to_string(),
            value: value.to_string(),
            offset,
        });
    }
    Ok(tags)
}

/// Whether a tag name is exactly RFC 6376's `ALPHA *ALNUMPUNC`.
fn is_strict_tag_name(name: &str) -> bool {
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_fws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The key algorithm of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// `k=rsa` (the default).
    Rsa,
    /// `k=ed25519` (RFC 8463).
    Ed25519,
}

impl KeyType {
    /// `rsa` or `ed25519`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Rsa => "rsa",
            KeyType::Ed25519 => "ed25519",
        }
    }
}

/// The public key of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKey {
    /// `p=` is empty: the key is revoked (or, at an SES target, not the active selector).
    Revoked,
    /// An RSA key with this many modulus bits.
    Rsa {
        /// Modulus size in bits.
        bits: u32,
    },
    /// An Ed25519 key.
    Ed25519,
}

/// Something in a usable key record that RFC 6376 forbids, or that some deployed verifiers
/// refuse while others accept it. Each message is one sentence for the user and names the
/// verifiers known to fail the record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Deviation {
    /// `v=` is not the first tag (RFC 6376 §3.6.1: it MUST be).
    #[error("v= is not the first tag, which RFC 6376 requires; dkimpy, OpenDKIM, Mail::DKIM, mailauth 4.13.3 and go-msgauth accept the record anyway, but the strict mode in mailauth's current source refuses it")]
    VersionNotFirst,
    /// A tag name holds characters outside the grammar's letters, digits and `_`.
    #[error("the tag name {name:?} holds characters RFC 6376 does not allow in a tag name (only letters, digits and _); dkimpy, OpenDKIM, Mail::DKIM, mailauth and go-msgauth ignore the unknown tag, but a strict parser may refuse the whole record")]
    TagNameCharacters {
        /// The name as written.
        name: String,
    },
    /// Whitespace inside one item of a colon-separated list (`h=sha 256`).
    #[error("{tag}={item:?} has whitespace inside a value (RFC 6376 allows it only around the colons); OpenDKIM and go-msgauth join the pieces, but Mail::DKIM does not and fails the record")]
    WhitespaceInListItem {
        /// The tag.
        tag: String,
        /// The item as written.
        item: String,
    },
    /// A hash name not in lower case (`h=SHA256`).
    #[error("h={item} is not in lower case: RFC 6376 matches it without regard to case, and OpenDKIM accepts it, but Mail::DKIM and go-msgauth compare it exactly and fail the record")]
    HashNameCase {
        /// The item as written.
        item: String,
    },
    /// Quote characters inside `p=`, with a usable key once they are removed.
    #[error("p= contains quote characters; dkimpy, OpenDKIM and Mail::DKIM skip them when they decode the key, but mailauth and go-msgauth refuse the record")]
    QuotesInKey,
    /// An RSA key as a bare PKCS#1 RSAPublicKey, not a SubjectPublicKeyInfo.
    #[error("p= holds a bare PKCS#1 RSAPublicKey (what openssl rsa -RSAPublicKey_out writes), not the SubjectPublicKeyInfo that OpenDKIM, Mail::DKIM and mailauth 4.13.3 need: they fail every signature made with this key, while dkimpy, go-msgauth and mail-auth accept it (RFC 6376 erratum 3017 left the format ambiguous)")]
    Pkcs1RsaKey {
        /// The same key as a DER SubjectPublicKeyInfo, base64: what to publish instead.
        spki_base64: String,
    },
}

/// A parsed DKIM key record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// Every tag, in order.
    pub tags: Vec<Tag>,
    /// `k=`.
    pub key_type: KeyType,
    /// `h=`, if present: the acceptable hash algorithms, each with inner whitespace removed
    /// (as OpenDKIM reads them).
    pub hash_algorithms: Option<Vec<String>>,
    /// `t=` flags (`y`, `s`, and any others as written).
    pub flags: Vec<String>,
    /// The decoded key.
    pub key: PublicKey,
    /// What the RFC forbids or some verifiers refuse, though the record is otherwise usable.
    pub deviations: Vec<Deviation>,
}

impl KeyRecord {
    /// `t=y` (in either case: ABNF literals are case-insensitive, and OpenDKIM treats `t=Y`
    /// as testing): the domain is testing DKIM.
    pub fn is_testing(&self) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case("y"))
    }

    /// Whether `h=` lists this hash (absent `h=` allows every hash).
    pub fn allows_hash(&self, hash: &str) -> bool {
        self.hash_algorithms
            .as_ref()
            .map_or(true, |h| h.iter().any(|a| a.eq_ignore_ascii_case(hash)))
    }

    /// `h=` lists SHA-1 and nothing stronger.
    pub fn is_sha1_only(&self) -> bool {
        self.hash_algorithms.is_some() && self.allows_hash("sha1") && !self.allows_hash("sha256")
    }

    /// `h=` lists neither SHA-256 nor SHA-1 (`h=sha512`, `h=rsa-sha256`, `h=SHA-256`): RFC
    /// 6376 §6.1.2 makes verifiers ignore the key for every signature.
    pub fn has_no_usable_hash(&self) -> bool {
        self.hash_algorithms.is_some() && !self.allows_hash("sha1") && !self.allows_hash("sha256")
    }

    /// Key size in bits (RSA modulus; 256 for Ed25519); `None` when revoked.
    pub fn bits(&self) -> Option<u32> {
        match self.key {
            PublicKey::Revoked => None,
            PublicKey::Rsa { bits } => Some(bits),
            PublicKey::Ed25519 => Some(256),
        }
    }
}

/// The tags whose value a quote or a backslash would change the meaning of (`n=` and unknown
/// tags may hold any character, RFC 6376 §3.2 and §3.6.1).
const STRUCTURED_TAGS: &[&str] = &["v", "g", "h", "k", "s", "t"];

/// Parses a key record from its TXT strings joined as RFC 6376 §3.6.2.2 says (no separator).
pub fn parse_key_record(bytes: &[u8]) -> Result<KeyRecord, KeyRecordError> {
    let text = screen_text(bytes)?;
    let tags = parse_tag_list(text)?;
    let mut deviations = Vec::new();
    for tag in &tags {
        if STRUCTURED_TAGS.contains(&tag.name.as_str()) {
            if let Some(e) = quote_or_backslash(&tag.value, value_offset(text, tag)) {
                return Err(e);
            }
        }
        if !is_strict_tag_name(&tag.name) {
            deviations.push(Deviation::TagNameCharacters {
                name: tag.name.clone(),
            });
        }
    }
    let get = |name: &str| tags.iter().find(|t| t.name == name);
    if let Some(v) = get("v") {
        if v.value != "DKIM1" {
            return Err(KeyRecordError::BadVersion(v.value.clone()));
        }
        if v.offset != tags[0].offset {
            deviations.push(Deviation::VersionNotFirst);
        }
    }
    let key_type = match get("k").map(|k| k.value.to_ascii_lowercase()) {
        None => KeyType::Rsa,
        Some(k) if k == "rsa" => KeyType::Rsa,
        Some(k) if k == "ed25519" => KeyType::Ed25519,
        Some(_) => {
            return Err(KeyRecordError::UnknownKeyType(
                get("k").map_or_else(String::new, |k| k.value.clone()),
            ))
        }
    };
    if let Some(s) = get("s") {
        let services = colon_list(&s.value);
        if !services
            .iter()
            .any(|x| x == "*" || x.eq_ignore_ascii_case("email"))
        {
            return Err(KeyRecordError::NotForEmail(s.value.clone()));
        }
    }
    let hash_algorithms = get("h").map(|h| {
        let items = colon_list(&h.value);
        for item in &items {
            if item.contains(is_fws) {
                deviations.push(Deviation::WhitespaceInListItem {
                    tag: "h".into(),
                    item: item.clone(),
                });
            }
        }
        let items: Vec<String> = items
            .iter()
            .map(|item| item.chars().filter(|c| !is_fws(*c)).collect())
            .collect();
        for item in &items {
            let known = item.eq_ignore_ascii_case("sha1") || item.eq_ignore_ascii_case("sha256");
            if known && item.chars().any(|c| c.is_ascii_uppercase()) {
                deviations.push(Deviation::HashNameCase { item: item.clone() });
            }
        }
        items
    });
    let flags = get("t").map(|t| colon_list(&t.value)).unwrap_or_default();
    let p = get("p").ok_or(KeyRecordError::MissingKey)?;
    let (key, pkcs1) = decode_p(key_type, &p.value, value_offset(text, p))?;
    if p.value.contains('"') {
        deviations.push(Deviation::QuotesInKey);
    }
    if let Some(spki_base64) = pkcs1 {
        deviations.push(Deviation::Pkcs1RsaKey { spki_base64 });
    }
    Ok(KeyRecord {
        tags,
        key_type,
        hash_algorithms,
        flags,
        key,
        deviations,
    })
}

/// Decodes `p=`; with a bare PKCS#1 RSA key, also gives its SubjectPublicKeyInfo form. Quote
/// characters are skipped, as deployed verifiers' base64 decoders skip them; when the key is
/// unusable anyway, the quotes are the reason given.
fn decode_p(
    key_type: KeyType,
    value: &str,
    value_offset: usize,
) -> Result<(PublicKey, Option<String>), KeyRecordError> {
    let base64_text: String = value.chars().filter(|c| !is_fws(*c) && *c != '"').collect();
    let quote_error = || quote_or_backslash(value, value_offset);
    if base64_text.is_empty() {
        return match quote_error() {
            Some(e) => Err(e),
            None => Ok((PublicKey::Revoked, None)),
        };
    }
    let decoded = base64_engine()
        .decode(base64_text.as_bytes())
        .map_err(|e| KeyRecordError::Base64(e.to_string()))
        .and_then(|der| decode_key(key_type, &der).map(|key| (key, der)));
    match decoded {
        Ok((key, der)) => {
            let pkcs1 = matches!(key, PublicKey::Rsa { .. })
                && spki::SubjectPublicKeyInfoRef::from_der(&der).is_err();
            let spki = if pkcs1 {
                Some(pkcs1_to_spki_base64(&der)?)
            } else {
                None
            };
            Ok((key, spki))
        }
        Err(e) => Err(quote_error().unwrap_or(e)),
    }
}

/// Byte offset of a tag's value in the record text.
fn value_offset(text: &str, tag: &Tag) -> usize {
    let after_eq = tag.offset + text[tag.offset..].find('=').map_or(0, |i| i + 1);
    after_eq + (text[after_eq..].len() - text[after_eq..].trim_start_matches(is_fws).len())
}

/// The error for the first quote or backslash in a value, if there is one.
fn quote_or_backslash(value: &str, value_offset: usize) -> Option<KeyRecordError> {
    let i = value.find(['"', '\\'])?;
    let offset = value_offset + i;
    Some(if value.as_bytes()[i] == b'"' {
        KeyRecordError::Quotes { offset }
    } else {
        KeyRecordError::Backslash { offset }
    })
}

/// The SubjectPublicKeyInfo (rsaEncryption, NULL parameters) around a PKCS#1 RSAPublicKey.
fn pkcs1_to_spki_base64(pkcs1_der: &[u8]) -> Result<String, KeyRecordError> {
    use pkcs1::der::Encode;
    let info = spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid: OID_RSA_ENCRYPTION,
            parameters: Some(pkcs1::der::asn1::AnyRef::NULL),
        },
        subject_public_key: pkcs1::der::asn1::BitStringRef::from_bytes(pkcs1_der)
            .map_err(|e| KeyRecordError::NotRsaKey(e.to_string()))?,
    };
    // The wrapper adds well under 64 bytes to the key.
    let mut buf = vec![0u8; pkcs1_der.len() + 64];
    let der = info
        .encode_to_slice(&mut buf)
        .map_err(|e| KeyRecordError::NotRsaKey(e.to_string()))?;
    Ok(base64::engine::general_purpose::STANDARD.encode(der))
}

/// Rejects what is not a tag-list at all, with the most specific reason.
fn screen_text(bytes: &[u8]) -> Result<&str, KeyRecordError> {
    if let Some(offset) = bytes.iter().position(|b| !b.is_ascii()) {
        return Err(KeyRecordError::NotText { offset });
    }
    // All ASCII, so this cannot fail; map the impossible error to the same variant anyway.
    let text = std::str::from_utf8(bytes).map_err(|e| KeyRecordError::NotText {
        offset: e.valid_up_to(),
    })?;
    if text.contains("PRIVATE KEY") {
        return Err(KeyRecordError::PrivateKey);
    }
    if text.contains("-----BEGIN") || text.contains("-----END") {
        return Err(KeyRecordError::PemHeader);
    }
    Ok(text)
}

fn colon_list(value: &str) -> Vec<String> {
    value
        .split(':')
        .map(|s| s.trim_matches(is_fws).to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Standard alphabet; padding optional, trailing bits tolerated, as lenient verifiers do.
fn base64_engine() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    )
}

const OID_ED25519: spki::ObjectIdentifier = spki::ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA_ENCRYPTION: spki::ObjectIdentifier =
    spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

fn decode_key(key_type: KeyType, der: &[u8]) -> Result<PublicKey, KeyRecordError> {
    match key_type {
        KeyType::Ed25519 => {
            if der.len() == 32 {
                Ok(PublicKey::Ed25519)
            } else {
                Err(KeyRecordError::Ed25519Length(der.len()))
            }
        }
        KeyType::Rsa => {
            if let Ok(info) = spki::SubjectPublicKeyInfoRef::from_der(der) {
                let oid = info.algorithm.oid;
                if oid == OID_ED25519 {
                    return Err(KeyRecordError::KeyTypeMismatch {
                        found: "ed25519".into(),
                        declared: "rsa".into(),
                    });
                }
                if oid != OID_RSA_ENCRYPTION {
                    return Err(KeyRecordError::NotRsaKey(format!(
                        "its algorithm is {oid}, not rsaEncryption"
                    )));
                }
                let bits = info.subject_public_key.as_bytes().ok_or_else(|| {
                    KeyRecordError::NotRsaKey("the key bit string has unused bits".into())
                })?;
                return rsa_bits(bits);
            }
            if let Ok(key) = pkcs1::RsaPublicKey::from_der(der) {
                return Ok(PublicKey::Rsa {
                    bits: modulus_bits(key.modulus.as_bytes()),
                });
            }
            if pkcs1::RsaPrivateKey::from_der(der).is_ok()
                || pkcs8::PrivateKeyInfo::from_der(der).is_ok()
            {
                return Err(KeyRecordError::PrivateKey);
            }
            Err(KeyRecordError::NotRsaKey(
                "neither a SubjectPublicKeyInfo nor a PKCS#1 RSAPublicKey".into(),
            ))
        }
    }
}

fn rsa_bits(pkcs1_der: &[u8]) -> Result<PublicKey, KeyRecordError> {
    let key = pkcs1::RsaPublicKey::from_der(pkcs1_der)
        .map_err(|e| KeyRecordError::NotRsaKey(e.to_string()))?;
    Ok(PublicKey::Rsa {
        bits: modulus_bits(key.modulus.as_bytes()),
    })
}

/// Bits in a big-endian unsigned integer whose leading zero bytes are already stripped.
fn modulus_bits(bytes: &[u8]) -> u32 {
    match bytes.first() {
        None => 0,
        Some(first) => {
            let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX / 8);
            len * 8 - first.leading_zeros()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_list_grammar() {
        let tags = parse_tag_list(" v = DKIM1 ;\tk=rsa;\r\n p=ab cd ; ").unwrap();
        let pairs: Vec<(&str, &str)> = tags
            .iter()
            .map(|t| (t.name.as_str(), t.value.as_str()))
            .collect();
        assert_eq!(pairs, [("v", "DKIM1"), ("k", "rsa"), ("p", "ab cd")]);
        assert_eq!(tags[1].offset, 13);
        assert!(matches!(
            parse_tag_list("p=a; p=b"),
            Err(KeyRecordError::DuplicateTag {
                first: 0,
                second: 5,
                ..
            })
        ));
        assert!(matches!(
            parse_tag_list("p"),
            Err(KeyRecordError::MissingEquals { .. })
        ));
        assert!(matches!(
            parse_tag_list("1p=x"),
            Err(KeyRecordError::BadTagName { .. })
        ));
        assert!(matches!(
            parse_tag_list("=x"),
            Err(KeyRecordError::BadTagName { .. })
        ));
        assert!(matches!(
            parse_tag_list("n=caf\u{e9}"),
            Err(KeyRecordError::BadValueChar {
                found: '\u{e9}',
                offset: 5,
                ..
            })
        ));
        assert_eq!(parse_tag_list("").unwrap(), vec![]);
        assert_eq!(parse_tag_list("p=").unwrap()[0].value, "");
    }

    #[test]
    fn record_rules() {
        let err = |text: &str| parse_key_record(text.as_bytes()).unwrap_err();
        assert_eq!(
            parse_key_record(b"k=rsa; v=DKIM1; p=").unwrap().deviations,
            [Deviation::VersionNotFirst]
        );
        assert_eq!(
            err("v=DKIM2; p="),
            KeyRecordError::BadVersion("DKIM2".into())
        );
        assert_eq!(
            err("v=DKIM1; k=dsa; p="),
            KeyRecordError::UnknownKeyType("dsa".into())
        );
        assert_eq!(err("v=DKIM1; k=rsa"), KeyRecordError::MissingKey);
        assert_eq!(
            err("s=tlsrpt; p="),
            KeyRecordError::NotForEmail("tlsrpt".into())
        );
        assert!(matches!(
            err("p=\"MIGf\""),
            KeyRecordError::Quotes { offset: 2 }
        ));
        assert!(matches!(
            err("v=DKIM1\\; p=x"),
            KeyRecordError::Backslash { .. }
        ));
        assert_eq!(
            err("p=-----BEGIN PUBLIC KEY-----MIGf"),
            KeyRecordError::PemHeader
        );
        assert_eq!(
            err("-----BEGIN RSA PRIVATE KEY-----"),
            KeyRecordError::PrivateKey
        );
        assert!(matches!(
            err("p=\u{201c}x"),
            KeyRecordError::NotText { offset: 2 }
        ));
        assert!(matches!(err("p=MIG$"), KeyRecordError::Base64(_)));
        assert!(matches!(err("p=MIIBIjAN"), KeyRecordError::NotRsaKey(_)));
        assert_eq!(err("k=ed25519; p=AAAA"), KeyRecordError::Ed25519Length(3));
        let revoked = parse_key_record(b"v=DKIM1; p=").unwrap();
        assert_eq!(revoked.key, PublicKey::Revoked);
        assert_eq!(revoked.bits(), None);
        let flags = parse_key_record(b"t=y:s; h=sha1; p=").unwrap();
        assert!(flags.is_testing());
        assert!(flags.is_sha1_only());
        assert!(!parse_key_record(b"h=sha1:sha256; p=")
            .unwrap()
            .is_sha1_only());
        let ed =
            parse_key_record(b"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
                .unwrap();
        assert_eq!(ed.key, PublicKey::Ed25519);
        assert_eq!(ed.bits(), Some(256));
    }

    #[test]
    fn a_published_private_key_is_recognised() {
        use base64::engine::general_purpose::STANDARD;
        use pkcs1::der::asn1::UintRef;
        use pkcs1::der::Encode;
        // A structurally valid PKCS#1 RSAPrivateKey with toy numbers: the detector looks at
        // the structure, and no real private key has to be committed.
        let n = |v: &'static [u8]| UintRef::new(v).unwrap();
        let private = pkcs1::RsaPrivateKey {
            modulus: n(&[0xc5, 0x3b]),
            public_exponent: n(&[1, 0, 1]),
            private_exponent: n(&[0x11]),
            prime1: n(&[0xdf]),
            prime2: n(&[0xe3]),
            exponent1: n(&[0x05]),
            exponent2: n(&[0x07]),
            coefficient: n(&[0x09]),
            other_prime_infos: None,
        };
        let mut buf = [0u8; 128];
        let der = private.encode_to_slice(&mut buf).unwrap();
        let record = format!("v=DKIM1; p={}", STANDARD.encode(der));
        assert_eq!(
            parse_key_record(record.as_bytes()).unwrap_err(),
            KeyRecordError::PrivateKey
        );
    }

    #[test]
    fn modulus_bit_counting() {
        assert_eq!(modulus_bits(&[]), 0);
        assert_eq!(modulus_bits(&[1]), 1);
        assert_eq!(modulus_bits(&[0x80, 0]), 16);
        assert_eq!(modulus_bits(&[0x7f; 128]), 1023);
    }
}
