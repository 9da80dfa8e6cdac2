//! Typed record data. Every type the crate knows is a variant of [`RData`]; anything else is
//! kept as opaque bytes ([`RData::Unknown`], RFC 3597) and written back byte for byte.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::name::Name;
use crate::types::RecordType;

/// Start of authority (RFC 1035 §3.3.13).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Soa {
    /// Primary name server.
    pub mname: Name,
    /// Mailbox of the person responsible, as a name.
    pub rname: Name,
    /// Zone serial number.
    pub serial: u32,
    /// Seconds before a secondary refreshes.
    pub refresh: u32,
    /// Seconds before a failed refresh is retried.
    pub retry: u32,
    /// Seconds after which a secondary stops answering without a refresh.
    pub expire: u32,
    /// Negative-caching TTL (RFC 2308 §4).
    pub minimum: u32,
}

/// Mail exchange (RFC 1035 §3.3.9).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mx {
    /// Lower is preferred.
    pub preference: u16,
    /// Host that accepts mail.
    pub exchange: Name,
}

/// Text record (RFC 1035 §3.3.14): one or more character-strings of up to 255 octets each.
///
/// The strings are kept apart, because their boundaries matter to some checks (a DKIM key
/// split into 255-octet strings, a space inserted at a boundary); [`Txt::concatenated`] joins
/// them as RFC 6376 §3.6.2.2 requires for DKIM.
///
/// Storage: the strings live in one buffer in their wire form (a length octet, then the
/// octets), so a parsed TXT record costs one allocation and one copy of its rdata, however
/// many strings it has (a `Vec` per string cost one allocation each, and a 2048-bit DKIM key
/// has two or more). A model built with a string over 255 octets, which the wire cannot carry
/// (the encoder splits or refuses it), keeps its strings apart instead.
///
/// ```
/// use dns_wire::Txt;
/// let txt = Txt::new(["v=DKIM1; p=MIIB", "IjAN"]);
/// assert_eq!(txt.len(), 2);
/// assert_eq!(txt.strings().collect::<Vec<_>>(), [&b"v=DKIM1; p=MIIB"[..], b"IjAN"]);
/// assert_eq!(txt.concatenated(), b"v=DKIM1; p=MIIBIjAN");
/// ```
#[derive(Clone)]
pub struct Txt {
    storage: TxtStorage,
}

#[derive(Clone)]
enum TxtStorage {
    /// The character-strings in wire form, each a length octet and that many octets.
    Wire(Box<[u8]>),
    /// Strings of which at least one is over 255 octets.
    Apart(Vec<Vec<u8>>),
}

impl Txt {
    /// A TXT record of these strings, in this order.
    pub fn new<I>(strings: I) -> Txt
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let strings: Vec<I::Item> = strings.into_iter().collect();
        let storage = if strings.iter().all(|s| s.as_ref().len() <= 255) {
            let mut wire = Vec::with_capacity(strings.iter().map(|s| 1 + s.as_ref().len()).sum());
            for s in &strings {
                wire.push(s.as_ref().len() as u8);
                wire.extend_from_slice(s.as_ref());
            }
            TxtStorage::Wire(wire.into_boxed_slice())
        } else {
            TxtStorage::Apart(strings.iter().map(|s| s.as_ref().to_vec()).collect())
        };
        Txt { storage }
    }

    /// A TXT record from rdata the parser checked to be whole character-strings.
    pub(crate) fn from_checked_wire(wire: &[u8]) -> Txt {
        Txt {
            storage: TxtStorage::Wire(wire.into()),
        }
    }

    /// The strings in wire form, unless one of them is too long for it.
    pub(crate) fn wire(&self) -> Option<&[u8]> {
        match &self.storage {
            TxtStorage::Wire(wire) => Some(wire),
            TxtStorage::Apart(_) => None,
        }
    }

    /// The character-strings, in wire order.
    #[inline]
    pub fn strings(&self) -> TxtStrings<'_> {
        TxtStrings {
            inner: match &self.storage {
                TxtStorage::Wire(wire) => StringsInner::Wire(wire),
                TxtStorage::Apart(strings) => StringsInner::Apart(strings.iter()),
            },
        }
    }

    /// How many character-strings there are.
    pub fn len(&self) -> usize {
        self.strings().count()
    }

    /// Whether there are no character-strings at all (the wire requires at least one, but a
    /// hostile server may send none).
    pub fn is_empty(&self) -> bool {
        self.strings().next().is_none()
    }

    /// All strings joined without a separator.
    pub fn concatenated(&self) -> Vec<u8> {
        let mut joined = Vec::new();
        for s in self.strings() {
            joined.extend_from_slice(s);
        }
        joined
    }
}

/// Iterator over the character-strings of a [`Txt`], in wire order.
#[derive(Debug, Clone)]
pub struct TxtStrings<'a> {
    inner: StringsInner<'a>,
}

#[derive(Debug, Clone)]
enum StringsInner<'a> {
    Wire(&'a [u8]),
    Apart(std::slice::Iter<'a, Vec<u8>>),
}

impl<'a> TxtStrings<'a> {
    /// The strings of checked TXT rdata in wire form.
    pub(crate) fn wire(wire: &'a [u8]) -> Self {
        TxtStrings {
            inner: StringsInner::Wire(wire),
        }
    }
}

impl<'a> Iterator for TxtStrings<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        match &mut self.inner {
            StringsInner::Wire(rest) => {
                let (&len, tail) = rest.split_first()?;
                // A checked or built buffer always holds the whole string; `min` keeps this
                // total even so.
                let (s, after) = tail.split_at(usize::from(len).min(tail.len()));
                *rest = after;
                Some(s)
            }
            StringsInner::Apart(strings) => strings.next().map(Vec::as_slice),
        }
    }
}

impl PartialEq for Txt {
    fn eq(&self, other: &Self) -> bool {
        match (&self.storage, &other.storage) {
            (TxtStorage::Wire(a), TxtStorage::Wire(b)) => a == b,
            _ => self.strings().eq(other.strings()),
        }
    }
}

impl Eq for Txt {}

impl Hash for Txt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for s in self.strings() {
            s.hash(state);
        }
    }
}

impl fmt::Debug for Txt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Txt")
            .field(
                "strings",
                &self
                    .strings()
                    .map(String::from_utf8_lossy)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Service location (RFC 2782).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Srv {
    /// Lower is tried first.
    pub priority: u16,
    /// Relative weight among equal priorities.
    pub weight: u16,
    /// Port of the service.
    pub port: u16,
    /// Host providing the service.
    pub target: Name,
}

/// Certification authority authorization (RFC 8659).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caa {
    /// Flags; bit 0x80 is "issuer critical".
    pub flags: u8,
    /// Property tag (`issue`, `issuewild`, `iodef`...), 1 to 255 octets.
    pub tag: Vec<u8>,
    /// Property value, the rest of the rdata.
    pub value: Vec<u8>,
}

/// Delegation signer (RFC 4034 §5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ds {
    /// Key tag of the referenced DNSKEY.
    pub key_tag: u16,
    /// Its algorithm number.
    pub algorithm: u8,
    /// Digest algorithm number.
    pub digest_type: u8,
    /// The digest.
    pub digest: Vec<u8>,
}

/// DNSSEC public key (RFC 4034 §2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dnskey {
    /// Flags (256 zone key, 257 zone key + secure entry point).
    pub flags: u16,
    /// Always 3.
    pub protocol: u8,
    /// Algorithm number.
    pub algorithm: u8,
    /// The public key.
    pub public_key: Vec<u8>,
}

/// DNSSEC signature (RFC 4034 §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rrsig {
    /// Type of the RRset covered.
    pub type_covered: RecordType,
    /// Algorithm number.
    pub algorithm: u8,
    /// Labels in the original owner name.
    pub labels: u8,
    /// TTL of the covered RRset as in the zone.
    pub original_ttl: u32,
    /// Expiration, seconds since the epoch modulo 2^32.
    pub expiration: u32,
    /// Inception, seconds since the epoch modulo 2^32.
    pub inception: u32,
    /// Key tag of the signing key.
    pub key_tag: u16,
    /// Zone of the signing key (never compressed).
    pub signer: Name,
    /// The signature.
    pub signature: Vec<u8>,
}

/// Authenticated denial of existence (RFC 4034 §4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nsec {
    /// Next owner name in canonical order (never compressed).
    pub next: Name,
    /// Types present at the owner.
    pub types: Vec<RecordType>,
}

/// Hashed authenticated denial of existence (RFC 5155 §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nsec3 {
    /// Hash algorithm (1 = SHA-1).
    pub hash_algorithm: u8,
    /// Flags (bit 0 = opt-out).
    pub flags: u8,
    /// Extra hash iterations.
    pub iterations: u16,
    /// Salt, 0 to 255 octets.
    pub salt: Vec<u8>,
    /// Next hashed owner name (raw hash, 1 to 255 octets).
    pub next_hashed_owner: Vec<u8>,
    /// Types present at the original owner.
    pub types: Vec<RecordType>,
}

/// NSEC3 parameters a zone's primary uses to build its NSEC3 chain (RFC 5155 §4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nsec3param {
    /// Hash algorithm (1 = SHA-1).
    pub hash_algorithm: u8,
    /// Flags (all zero in the published record; RFC 5155 §4.1.2).
    pub flags: u8,
    /// Extra hash iterations.
    pub iterations: u16,
    /// Salt, 0 to 255 octets.
    pub salt: Vec<u8>,
}

/// The data of one resource record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RData {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Name server host.
    Ns(Name),
    /// Canonical name.
    Cname(Name),
    /// Subtree redirection target.
    Dname(Name),
    /// Pointer target.
    Ptr(Name),
    /// Start of authority.
    Soa(Soa),
    /// Mail exchange.
    Mx(Mx),
    /// Text strings.
    Txt(Txt),
    /// Service location.
    Srv(Srv),
    /// CA authorization.
    Caa(Caa),
    /// Delegation signer.
    Ds(Ds),
    /// DNSSEC key.
    Dnskey(Dnskey),
    /// DNSSEC signature.
    Rrsig(Rrsig),
    /// Next secure.
    Nsec(Nsec),
    /// Hashed next secure.
    Nsec3(Nsec3),
    /// NSEC3 parameters.
    Nsec3param(Nsec3param),
    /// Any other type, kept as the raw rdata octets (RFC 3597).
    Unknown {
        /// The record type.
        rtype: RecordType,
        /// The rdata exactly as on the wire.
        data: Vec<u8>,
    },
}

impl RData {
    /// The record type this data belongs to.
    #[inline]
    pub fn rtype(&self) -> RecordType {
        match self {
            RData::A(_) => RecordType::A,
            RData::Aaaa(_) => RecordType::AAAA,
            RData::Ns(_) => RecordType::NS,
            RData::Cname(_) => RecordType::CNAME,
            RData::Dname(_) => RecordType::DNAME,
            RData::Ptr(_) => RecordType::PTR,
            RData::Soa(_) => RecordType::SOA,
            RData::Mx(_) => RecordType::MX,
            RData::Txt(_) => RecordType::TXT,
            RData::Srv(_) => RecordType::SRV,
            RData::Caa(_) => RecordType::CAA,
            RData::Ds(_) => RecordType::DS,
            RData::Dnskey(_) => RecordType::DNSKEY,
            RData::Rrsig(_) => RecordType::RRSIG,
            RData::Nsec(_) => RecordType::NSEC,
            RData::Nsec3(_) => RecordType::NSEC3,
            RData::Nsec3param(_) => RecordType::NSEC3PARAM,
            RData::Unknown { rtype, .. } => *rtype,
        }
    }
}
