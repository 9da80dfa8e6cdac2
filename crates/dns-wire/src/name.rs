//! Domain names (RFC 1035 §3.1): stored uncompressed in wire form, case kept, compared
//! case-insensitively (RFC 4343).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::namebuf::NameBuf;

/// Longest name on the wire, root label included (RFC 1035 §2.3.4).
pub const MAX_NAME_LEN: usize = 255;
/// Longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// Why a name could not be built from presentation text or labels.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// A label is longer than 63 octets.
    #[error("label {label:?} is {len} octets long; a label is at most 63")]
    LabelTooLong {
        /// The offending label, as far as it was read.
        label: String,
        /// Its length in octets.
        len: usize,
    },
    /// The whole name is longer than 255 octets in wire form.
    #[error("name is {len} octets long in wire form; a name is at most 255")]
    NameTooLong {
        /// Wire length the name would have.
        len: usize,
    },
    /// Two dots in a row, or a dot at the start of a name other than the root.
    #[error("empty label in {0:?}")]
    EmptyLabel(String),
    /// A backslash escape that is not `\X` or `\DDD` with DDD at most 255.
    #[error("bad escape sequence in {0:?}")]
    BadEscape(String),
}

/// A domain name: a sequence of labels, the root label implied.
///
/// The labels keep the case they were given (so a trace shows what the server sent), while
/// equality, ordering and hashing ignore ASCII case, as RFC 4343 requires.
///
/// Storage: up to 30 octets of wire form are kept inline (no allocation); a longer name has
/// its own exact-size heap copy.
///
/// ```
/// use dns_wire::Name;
/// let a: Name = "Selector1._DomainKey.Example.COM.".parse().unwrap();
/// let b: Name = "selector1._domainkey.example.com".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "Selector1._DomainKey.Example.COM.");
/// assert!(a.is_subdomain_of(&"example.com".parse().unwrap()));
/// ```
#[derive(Clone)]
pub struct Name {
    /// Uncompressed wire form without the final root label: `len label len label ...`.
    wire: NameBuf,
}

impl Name {
    /// The root name `.`.
    pub fn root() -> Self {
        Name {
            wire: NameBuf::EMPTY,
        }
    }

    /// Builds a name from labels given most specific first (`["www", "example", "com"]`).
    pub fn from_labels<I, L>(labels: I) -> Result<Self, NameError>
    where
        I: IntoIterator<Item = L>,
        L: AsRef<[u8]>,
    {
        let mut name = Name::root();
        for label in labels {
            name.push_label(label.as_ref())?;
        }
        Ok(name)
    }

    /// Builds a name from its uncompressed wire form, with or without the final root label.
    pub fn from_wire(wire: &[u8]) -> Result<Self, NameError> {
        let mut name = Name::root();
        let mut pos = 0;
        while pos < wire.len() {
            let len = wire[pos] as usize;
            if len == 0 {
                break;
            }
            let end = (pos + 1 + len).min(wire.len());
            name.push_label(&wire[pos + 1..end])?;
            pos = end;
        }
        Ok(name)
    }

    /// The name the parser decoded into the first `len` octets of `buf` (without the root
    /// label; labels of 1 to 63 octets, at most 254 octets in all).
    pub(crate) fn from_decode_buffer<const N: usize>(buf: &[u8; N], len: usize) -> Self {
        debug_assert!(len < MAX_NAME_LEN);
        Name {
            wire: NameBuf::from_prefix(buf, len),
        }
    }

    /// Appends a label at the least specific end (used while decoding, most specific first).
    pub(crate) fn push_label(&mut self, label: &[u8]) -> Result<(), NameError> {
        if label.is_empty() {
            return Err(NameError::EmptyLabel(self.to_string()));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameError::LabelTooLong {
                label: String::from_utf8_lossy(label).into_owned(),
                len: label.len(),
            });
        }
        let len = self.wire.len() + 1 + label.len() + 1;
        if len > MAX_NAME_LEN {
            return Err(NameError::NameTooLong { len });
        }
        self.wire = self.wire.concat(&[&[label.len() as u8], label]);
        Ok(())
    }

    /// Whether this is the root name.
    #[inline]
    pub fn is_root(&self) -> bool {
        self.wire.is_empty()
    }

    /// The labels, most specific first, without the empty root label.
    #[inline]
    pub fn labels(&self) -> Labels<'_> {
        Labels { rest: &self.wire }
    }

    /// Number of labels, not counting the root.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// Length of the uncompressed wire form, final root label included.
    pub fn wire_len(&self) -> usize {
        self.wire.len() + 1
    }

    /// The uncompressed wire form without the final root label.
    pub fn wire_without_root(&self) -> &[u8] {
        &self.wire
    }

    /// The name with its most specific label removed; `None` for the root.
    pub fn parent(&self) -> Option<Name> {
        if self.is_root() {
            return None;
        }
        let first = self.wire[0] as usize;
        Some(Name {
            wire: NameBuf::from_slice(&self.wire[1 + first..]),
        })
    }

    /// The most specific label, if any.
    pub fn first_label(&self) -> Option<&[u8]> {
        self.labels().next()
    }

    /// This name with `label` added in front (`prepend("www")` on `example.com`).
    pub fn prepend(&self, label: &[u8]) -> Result<Name, NameError> {
        let name = Name::from_labels([label])?;
        name.append(self)
    }

    /// `self` followed by `suffix` (`www` + `example.com` = `www.example.com`).
    pub fn append(mut self, suffix: &Name) -> Result<Name, NameError> {
        let len = self.wire.len() + suffix.wire.len() + 1;
        if len > MAX_NAME_LEN {
            return Err(NameError::NameTooLong { len });
        }
        self.wire = self.wire.concat(&[&suffix.wire]);
        Ok(self)
    }

    /// Whether `self` equals `zone` or lies below it (case-insensitive).
    pub fn is_subdomain_of(&self, zone: &Name) -> bool {
        if zone.wire.len() > self.wire.len() {
            return false;
        }
        // Walk our label boundaries so a suffix match cannot start inside a label.
        let offset = self.wire.len() - zone.wire.len();
        let mut pos = 0;
        while pos < offset {
            pos += 1 + self.wire[pos] as usize;
        }
        pos == offset && self.wire[offset..].eq_ignore_ascii_case(&zone.wire)
    }

    /// The same name in ASCII lower case.
    pub fn to_lowercase(&self) -> Name {
        Name {
            wire: NameBuf::from_slice(&self.wire.to_ascii_lowercase()),
        }
    }

    /// The labels that `self` has in front of `zone`, if `self` lies below `zone`.
    pub fn strip_suffix(&self, zone: &Name) -> Option<Name> {
        if !self.is_subdomain_of(zone) {
            return None;
        }
        Some(Name {
            wire: NameBuf::from_slice(&self.wire[..self.wire.len() - zone.wire.len()]),
        })
    }

    /// Presentation form without the final dot (`example.com`; the root is `.`).
    pub fn to_string_relative(&self) -> String {
        let mut s = self.to_string();
        if s.len() > 1 {
            s.pop();
        }
        s
    }
}

/// Iterator over a name's labels, most specific first.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let (&len, tail) = self.rest.split_first()?;
        let (label, rest) = tail.split_at(len as usize);
        self.rest = rest;
        Some(label)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.wire.eq_ignore_ascii_case(&other.wire)
    }
}

impl Eq for Name {}

impl Hash for Name {
    /// Case-insensitive, as `Eq` is. The lowercased octets go to the hasher a block at a time:
    /// a streaming hasher (SipHash, `HashMap`'s default) gives the same hash as for one octet
    /// per call, and the resolver's maps keyed by names hashed for about a fifth of a check's
    /// instructions when it was called once per octet.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut lower = [0u8; 64];
        for chunk in self.wire.chunks(lower.len()) {
            let block = &mut lower[..chunk.len()];
            for (to, from) in block.iter_mut().zip(chunk) {
                *to = from.to_ascii_lowercase();
            }
            state.write(block);
        }
        state.write_usize(self.wire.len());
    }
}

impl Ord for Name {
    /// DNSSEC canonical order (RFC 4034 §6.1): compare labels from the root, case-insensitively.
    fn cmp(&self, other: &Self) -> Ordering {
        let a: Vec<&[u8]> = self.labels().collect();
        let b: Vec<&[u8]> = other.labels().collect();
        for (x, y) in a.iter().rev().zip(b.iter().rev()) {
            let ord = x
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(y.iter().map(u8::to_ascii_lowercase));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.len().cmp(&b.len())
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Writes one label in presentation form, escaping as `dig` does (RFC 4343 §2.1, RFC 1035 §5.1).
pub(crate) fn write_label(f: &mut impl fmt::Write, label: &[u8]) -> fmt::Result {
    // Runs of octets shown as they are go out in one `write_str`: one call per octet made
    // formatting names a tenth of a bulk check's instructions (reports, signatures, JSON).
    let mut rest = label;
    while !rest.is_empty() {
        let plain = rest
            .iter()
            .position(|&b| needs_escape(b))
            .unwrap_or(rest.len());
        let (run, after) = rest.split_at(plain);
        // Printable ASCII only, so always UTF-8.
        if let Ok(run) = std::str::from_utf8(run) {
            f.write_str(run)?;
        }
        let Some((&b, after)) = after.split_first() else {
            break;
        };
        if (0x21..=0x7e).contains(&b) {
            f.write_char('\\')?;
            f.write_char(b as char)?;
        } else {
            write!(f, "\\{b:03}")?;
        }
        rest = after;
    }
    Ok(())
}

/// Whether an octet of a label is written escaped: `\X` for the characters special in zone
/// files, `\DDD` for anything outside printable ASCII.
fn needs_escape(b: u8) -> bool {
    matches!(
        b,
        b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' | ..=0x20 | 0x7f..
    )
}

/// Writes a name given by its labels in presentation form (`.` for the root).
pub(crate) fn write_labels<'a>(
    f: &mut fmt::Formatter<'_>,
    labels: impl Iterator<Item = &'a [u8]>,
) -> fmt::Result {
    let mut root = true;
    for label in labels {
        root = false;
        write_label(f, label)?;
        f.write_str(".")?;
    }
    if root {
        f.write_str(".")?;
    }
    Ok(())
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_labels(f, self.labels())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl FromStr for Name {
    type Err = NameError;

    /// Parses presentation form: dots separate labels, `\.` and `\DDD` escape, a final dot is
    /// optional (every name is taken as absolute), `.` and the empty string are the root.
    fn from_str(s: &str) -> Result<Self, NameError> {
        if s.is_empty() || s == "." {
            return Ok(Name::root());
        }
        let bytes = s.as_bytes();
        let mut name = Name::root();
        let mut label = Vec::with_capacity(MAX_LABEL_LEN);
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'.' => {
                    if label.is_empty() {
                        return Err(NameError::EmptyLabel(s.to_string()));
                    }
                    name.push_label(&label)?;
                    label.clear();
                    i += 1;
                }
                b'\\' => {
                    let rest = &bytes[i + 1..];
                    if rest.len() >= 3 && rest[..3].iter().all(u8::is_ascii_digit) {
                        let value = (rest[0] - b'0') as u16 * 100
                            + (rest[1] - b'0') as u16 * 10
                            + (rest[2] - b'0') as u16;
                        let byte =
                            u8::try_from(value).map_err(|_| NameError::BadEscape(s.to_string()))?;
                        label.push(byte);
                        i += 4;
                    } else if let Some(&c) = rest.first() {
                        if c.is_ascii_digit() {
                            return Err(NameError::BadEscape(s.to_string()));
                        }
                        label.push(c);
                        i += 2;
                    } else {
                        return Err(NameError::BadEscape(s.to_string()));
                    }
                }
                c => {
                    label.push(c);
                    i += 1;
                }
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong {
                    label: String::from_utf8_lossy(&label).into_owned(),
                    len: label.len(),
                });
            }
        }
        if !label.is_empty() {
            name.push_label(&label)?;
        }
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn case_is_kept_but_ignored_for_equality_and_hash() {
        use std::collections::HashSet;
        let set: HashSet<Name> = [n("Example.COM"), n("example.com.")].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_eq!(n("Example.COM").to_string(), "Example.COM.");
    }

    #[test]
    fn every_octet_is_written_as_dig_writes_it() {
        // Each octet alone, and between plain runs, against the rule written out per octet.
        for b in 0..=255u8 {
            let expected = match b {
                b'.' | b'\\' | b'"' | b'(' | b')' | b';' | b'@' | b'$' => {
                    format!("\\{}", b as char)
                }
                0x21..=0x7e => (b as char).to_string(),
                _ => format!("\\{b:03}"),
            };
            let mut alone = String::new();
            write_label(&mut alone, &[b]).unwrap();
            assert_eq!(alone, expected, "octet {b}");
            let mut between = String::new();
            write_label(&mut between, &[b'a', b'b', b, b, b'c']).unwrap();
            assert_eq!(between, format!("ab{expected}{expected}c"), "octet {b}");
        }
    }

    #[test]
    fn escapes_round_trip() {
        let name = n(r"a\.b.c\032d.\\x");
        assert_eq!(name.label_count(), 3);
        assert_eq!(name.first_label().unwrap(), b"a.b");
        assert_eq!(name.to_string(), r"a\.b.c\032d.\\x.");
        assert_eq!(n(&name.to_string()), name);
        assert_eq!(n(r"\255").first_label().unwrap(), &[255]);
        assert!(matches!(
            r"\256".parse::<Name>(),
            Err(NameError::BadEscape(_))
        ));
        assert!(matches!(
            r"a\".parse::<Name>(),
            Err(NameError::BadEscape(_))
        ));
    }

    #[test]
    fn limits_are_enforced() {
        let long = "a".repeat(64);
        assert!(matches!(
            long.parse::<Name>(),
            Err(NameError::LabelTooLong { len: 64, .. })
        ));
        assert!("a".repeat(63).parse::<Name>().is_ok());
        // 4 labels of 63 = 4*64 + 1 = 257 octets.
        let too_long = vec!["a".repeat(63); 4].join(".");
        assert!(matches!(
            too_long.parse::<Name>(),
            Err(NameError::NameTooLong { .. })
        ));
        // 3*64 + 62 + 1 = 255 octets exactly.
        let max = format!("{}.{}", vec!["a".repeat(63); 3].join("."), "b".repeat(61));
        assert_eq!(n(&max).wire_len(), 255);
        assert!(matches!(
            "a..b".parse::<Name>(),
            Err(NameError::EmptyLabel(_))
        ));
    }

    #[test]
    fn subdomain_respects_label_boundaries() {
        assert!(n("a.example.com").is_subdomain_of(&n("EXAMPLE.com")));
        assert!(n("example.com").is_subdomain_of(&n("example.com")));
        assert!(n("x.com").is_subdomain_of(&Name::root()));
        assert!(!n("badexample.com").is_subdomain_of(&n("example.com")));
        assert!(!n("com").is_subdomain_of(&n("example.com")));
        assert_eq!(
            n("a.b.example.com").strip_suffix(&n("example.com")),
            Some(n("a.b"))
        );
    }

    #[test]
    fn parent_prepend_append() {
        assert_eq!(n("www.example.com").parent(), Some(n("example.com")));
        assert_eq!(n("com").parent(), Some(Name::root()));
        assert_eq!(Name::root().parent(), None);
        assert_eq!(
            n("example.com").prepend(b"www").unwrap(),
            n("www.example.com")
        );
        assert_eq!(n("a.b").append(&n("c.d")).unwrap(), n("a.b.c.d"));
    }

    #[test]
    fn canonical_order() {
        let mut v = vec![
            n("z.example"),
            n("example"),
            n("a.example"),
            n("Z.a.example"),
        ];
        v.sort();
        assert_eq!(
            v,
            vec![
                n("example"),
                n("a.example"),
                n("z.a.example"),
                n("z.example")
            ]
        );
    }
}
