//! Trust anchors: the IANA root KSKs built in, or DS and DNSKEY records read from a file in
//! zone-file form (as `unbound-anchor` writes `root.key`, as `dig DNSKEY . | grep 257` or
//! `dnssec-dsfromkey` print them).

use crate::name::Name;
use crate::rdata::{Dnskey, Ds};
use crate::types::{Class, RecordType};

/// The DS records of the root zone's key-signing keys as IANA publishes them in
/// `https://data.iana.org/root-anchors/root-anchors.xml`: KSK-2017 (key tag 20326) and
/// KSK-2024 (key tag 38696), both RSASHA256 with SHA-256 digests.
pub const IANA_ROOT_ANCHORS: &str = "\
. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
";

/// Most anchor records read from one text: a file of anchors is a few lines; this bounds the
/// memory a wrong file (a whole zone) can take.
const MAX_ANCHORS: usize = 1000;

/// A set of trust anchors: DS records and DNSKEYs, each at a zone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustAnchors {
    ds: Vec<(Name, Ds)>,
    keys: Vec<(Name, Dnskey)>,
}

/// An anchor file that cannot be read, with the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct AnchorError {
    /// The line (1-based) where the record starts.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

impl TrustAnchors {
    /// The IANA root anchors ([`IANA_ROOT_ANCHORS`]).
    pub fn iana_root() -> TrustAnchors {
        // The constant is parsed by a test; an empty set (everything indeterminate) is the
        // safe failure.
        TrustAnchors::parse(IANA_ROOT_ANCHORS).unwrap_or_default()
    }

    /// Reads DS and DNSKEY records in zone-file form: `owner [TTL] [IN] DS|DNSKEY data`, one
    /// record per line or spread over lines in parentheses, `;` comments, an omitted owner
    /// meaning the previous one, `$TTL` ignored. Every name is absolute. Other record types
    /// are an error (an anchor file that holds them is probably not an anchor file).
    pub fn parse(text: &str) -> Result<TrustAnchors, AnchorError> {
        let mut anchors = TrustAnchors::default();
        let mut owner: Option<Name> = None;
        for (line, record) in logical_lines(text)? {
            let fail = |what: String| AnchorError { line, what };
            let starts_blank = record.starts_with([' ', '\t']);
            let mut tokens = record.split_whitespace().peekable();
            let Some(&first) = tokens.peek() else {
                continue;
            };
            if first.starts_with('$') {
                if first.eq_ignore_ascii_case("$TTL") {
                    continue;
                }
                return Err(fail(format!("the directive {first} is not supported here")));
            }
            if !starts_blank {
                let name: Name = first
                    .parse()
                    .map_err(|e| fail(format!("bad owner name {first:?}: {e}")))?;
                owner = Some(name);
                tokens.next();
            }
            let Some(owner) = owner.clone() else {
                return Err(fail("a record without an owner name".into()));
            };
            // Optional TTL and class, in either order.
            let mut rtype = None;
            for token in tokens.by_ref() {
                if token.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                if token.parse::<Class>().is_ok_and(|c| c == Class::IN) {
                    continue;
                }
                rtype = Some(token);
                break;
            }
            let Some(rtype) = rtype else {
                return Err(fail("no record type".into()));
            };
            let fields: Vec<&str> = tokens.collect();
            match rtype.parse::<RecordType>() {
                Ok(RecordType::DS) => {
                    let ds = parse_ds(&fields).map_err(|w| fail(format!("DS: {w}")))?;
                    anchors.ds.push((owner, ds));
                }
                Ok(RecordType::DNSKEY) => {
                    let key = parse_dnskey(&fields).map_err(|w| fail(format!("DNSKEY: {w}")))?;
                    anchors.keys.push((owner, key));
                }
                _ => {
                    return Err(fail(format!(
                        "{rtype} is not a trust anchor type (DS or DNSKEY)"
                    )))
                }
            }
            if anchors.len() > MAX_ANCHORS {
                return Err(fail(format!("more than {MAX_ANCHORS} anchors")));
            }
        }
        if anchors.is_empty() {
            return Err(AnchorError {
                line: 0,
                what: "no DS or DNSKEY record".into(),
            });
        }
        Ok(anchors)
    }

    /// Adds the anchors of `other` to these.
    pub fn extend(&mut self, other: TrustAnchors) {
        self.ds.extend(other.ds);
        self.keys.extend(other.keys);
    }

    /// How many anchor records there are.
    pub fn len(&self) -> usize {
        self.ds.len() + self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The DS records and keys anchored at exactly `zone`.
    pub fn for_zone(&self, zone: &Name) -> (Vec<Ds>, Vec<Dnskey>) {
        (
            self.ds
                .iter()
                .filter(|(z, _)| z == zone)
                .map(|(_, d)| d.clone())
                .collect(),
            self.keys
                .iter()
                .filter(|(z, _)| z == zone)
                .map(|(_, k)| k.clone())
                .collect(),
        )
    }

    /// The deepest anchored zone at or above `name`: where its chain of trust starts.
    pub fn closest(&self, name: &Name) -> Option<Name> {
        self.ds
            .iter()
            .map(|(z, _)| z)
            .chain(self.keys.iter().map(|(z, _)| z))
            .filter(|z| name.is_subdomain_of(z))
            .max_by_key(|z| z.label_count())
            .cloned()
    }

    /// The anchors of `lines` (zone-file lines, as [`TrustAnchors::lines`] gives them and a
    /// caller stores them), or the IANA root KSKs when there are none. Lines that do not parse
    /// give no anchor (a caller checks them once, with [`TrustAnchors::parse`], when read).
    pub fn from_lines_or_iana(lines: &[String]) -> TrustAnchors {
        if lines.is_empty() {
            return TrustAnchors::iana_root();
        }
        TrustAnchors::parse(&lines.join("\n")).unwrap_or_default()
    }

    /// Every anchor as a zone-file line, for display.
    pub fn lines(&self) -> Vec<String> {
        use crate::rdata::RData;
        let ds = self
            .ds
            .iter()
            .map(|(z, d)| format!("{z} IN DS {}", RData::Ds(d.clone())));
        let keys = self
            .keys
            .iter()
            .map(|(z, k)| format!("{z} IN DNSKEY {}", RData::Dnskey(k.clone())));
        ds.chain(keys).collect()
    }
}

/// Joins the lines of records spread over parentheses and strips comments; yields each
/// record with the number of the line it starts on.
fn logical_lines(text: &str) -> Result<Vec<(usize, String)>, AnchorError> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (k, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("");
        if depth == 0 {
            start = k + 1;
            current.clear();
        }
        for c in line.chars() {
            match c {
                '(' => {
                    depth += 1;
                    current.push(' ');
                }
                ')' => {
                    depth = depth.checked_sub(1).ok_or(AnchorError {
                        line: k + 1,
                        what: "a ')' without '('".into(),
                    })?;
                    current.push(' ');
                }
                c => current.push(c),
            }
        }
        current.push(' ');
        if depth == 0 && !current.trim().is_empty() {
            out.push((start, std::mem::take(&mut current)));
        }
    }
    if depth != 0 {
        return Err(AnchorError {
            line: start,
            what: "a '(' never closed".into(),
        });
    }
    Ok(out)
}

fn number<T: std::str::FromStr>(field: Option<&&str>, what: &str) -> Result<T, String> {
    let text = field.ok_or_else(|| format!("missing {what}"))?;
    text.parse().map_err(|_| format!("bad {what} {text:?}"))
}

fn parse_ds(fields: &[&str]) -> Result<Ds, String> {
    let key_tag = number(fields.first(), "key tag")?;
    let algorithm = number(fields.get(1), "algorithm")?;
    let digest_type = number(fields.get(2), "digest type")?;
    let hex: String = fields.get(3..).unwrap_or_default().concat();
    let digest = hex_decode(&hex).ok_or("the digest is not hexadecimal")?;
    if digest.is_empty() {
        return Err("missing digest".into());
    }
    Ok(Ds {
        key_tag,
        algorithm,
        digest_type,
        digest,
    })
}

fn parse_dnskey(fields: &[&str]) -> Result<Dnskey, String> {
    let flags = number(fields.first(), "flags")?;
    let protocol = number(fields.get(1), "protocol")?;
    let algorithm = number(fields.get(2), "algorithm")?;
    let text: String = fields.get(3..).unwrap_or_default().concat();
    let public_key = base64_decode(&text).ok_or("the key is not base64")?;
    if public_key.is_empty() {
        return Err("missing public key".into());
    }
    Ok(Dnskey {
        flags,
        protocol,
        algorithm,
        public_key,
    })
}

/// Hexadecimal, either case, an even number of digits.
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

/// Padded base64 (RFC 4648 §4), as zone files carry keys.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let groups = bytes.len() / 4;
    for (k, group) in bytes.chunks(4).enumerate() {
        let pad = group.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && k + 1 != groups) {
            return None;
        }
        let mut n = 0u32;
        for &c in &group[..4 - pad] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * pad as u32;
        let octets = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&octets[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_root_anchors_parse() {
        let anchors = TrustAnchors::iana_root();
        let (ds, keys) = anchors.for_zone(&Name::root());
        assert!(keys.is_empty());
        let tags: Vec<u16> = ds.iter().map(|d| d.key_tag).collect();
        assert_eq!(tags, [20326, 38696]);
        assert!(ds.iter().all(|d| d.algorithm == 8 && d.digest_type == 2));
        assert!(ds.iter().all(|d| d.digest.len() == 32));
        assert_eq!(
            anchors.closest(&"example.com".parse().unwrap()),
            Some(Name::root())
        );
    }

    #[test]
    fn anchor_files_in_zone_file_form() {
        let text = "\
; a lab anchor
$TTL 3600
lab.   172800 IN DNSKEY 257 3 13 (
        AQID BAU= ) ; key in two pieces
       IN DS 1234 13 2 ( ABCD
          ef01 )
example.com. DS 1 8 2 00FF
";
        let anchors = TrustAnchors::parse(text).unwrap();
        assert_eq!(anchors.len(), 3);
        let (ds, keys) = anchors.for_zone(&"lab".parse().unwrap());
        assert_eq!(keys[0].public_key, [1, 2, 3, 4, 5]);
        assert_eq!(keys[0].flags, 257);
        assert_eq!(ds[0].digest, [0xAB, 0xCD, 0xEF, 0x01]);
        assert_eq!(
            anchors.closest(&"a.example.com".parse().unwrap()),
            Some("example.com".parse().unwrap())
        );
        assert_eq!(anchors.lines().len(), 3);
    }

    #[test]
    fn bad_anchor_files_say_where() {
        for (text, line) in [
            ("", 0),
            ("x. IN A 192.0.2.1\n", 1),
            ("\n. IN DS 1 8 2 XYZ\n", 2),
            (". IN DNSKEY 257 3 8 (abc\n", 1),
            (". IN DNSKEY 257 3 8 a!c=\n", 1),
            ("  IN DS 1 8 2 00\n", 1),
            ("$INCLUDE other\n", 1),
            (". IN DS 70000 8 2 00\n", 1),
        ] {
            assert_eq!(
                TrustAnchors::parse(text).unwrap_err().line,
                line,
                "{text:?}"
            );
        }
    }

    #[test]
    fn base64_and_hex_decoders() {
        assert_eq!(base64_decode("TWFu"), Some(b"Man".to_vec()));
        assert_eq!(base64_decode("TWE="), Some(b"Ma".to_vec()));
        assert_eq!(base64_decode("TQ=="), Some(b"M".to_vec()));
        assert_eq!(base64_decode("TQ==TWFu"), None);
        assert_eq!(base64_decode("T==="), None);
        assert_eq!(hex_decode("0aFf"), Some(vec![10, 255]));
        assert_eq!(hex_decode("0g"), None);
    }
}
