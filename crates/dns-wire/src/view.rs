//! Reading a message in place: [`MessageView`], a one-pass reader over the received octets.
//!
//! [`Message::from_bytes`] builds the owned model: every name decoded into a [`Name`], every
//! character-string and opaque field copied. A reader that looks at each field once and then
//! drops the message (a resolver reading a referral, a check reading a TXT answer) pays for
//! storage it never uses. A [`MessageView`] keeps the message where it is:
//!
//! - names are [`NameView`]s, a position in the message; their labels are read when asked,
//!   following the compression pointers;
//! - character-strings and opaque record data (TXT strings, keys, digests, signatures, RFC
//!   3597 data, EDNS options) are slices of the message;
//! - [`MessageView::entries`] reads the sections with one cursor, in wire order, each entry
//!   parsed as it is reached ([`Entry`]).
//!
//! The view is exactly as strict as the owned parser, because it is the same parser: every
//! name is checked by the same loop (pointers strictly backwards, at most
//! [`MAX_POINTER_HOPS`](crate::MAX_POINTER_HOPS), reserved label types, 255 octets), every
//! record's data by the same per-type parser, the OPT rules and the trailing-bytes rule are the
//! same. What differs is only *when* a problem is reported: on the [`Entries::next`] call that
//! reaches it, as a [`ParseError`] with the same kind and offset [`Message::from_bytes`]
//! reports. A message whose entries all read without error is one [`Message::from_bytes`]
//! accepts, and [`MessageView::to_message`] then gives the same [`Message`].
//!
//! ```
//! use dns_wire::{Entry, Message, MessageView, Name, RDataView, Record, RData, RecordType, Txt};
//! let owner: Name = "s1._domainkey.example.com".parse().unwrap();
//! let mut response = Message::query(7, owner.clone(), RecordType::TXT).response();
//! let key = Txt::new(["v=DKIM1; k=rsa; p=MIIB", "IjANBg"]);
//! response.answers.push(Record::new(owner.clone(), 300, RData::Txt(key)));
//! let bytes = response.to_bytes();
//!
//! let view = MessageView::new(&bytes).unwrap();
//! assert!(view.header().response);
//! let mut key = Vec::new();
//! for entry in view.entries() {
//!     match entry.unwrap() {
//!         Entry::Question(q) => assert!(q.name == owner),
//!         Entry::Record(_, record) => {
//!             assert_eq!(record.name.to_string(), "s1._domainkey.example.com.");
//!             if let RDataView::Txt(txt) = record.data {
//!                 key = txt.concatenated(); // the strings are slices of `bytes`
//!             }
//!         }
//!         Entry::Edns(edns) => assert_eq!(edns.udp_payload_size, 1232),
//!     }
//! }
//! assert_eq!(key, b"v=DKIM1; k=rsa; p=MIIBIjANBg");
//! assert_eq!(view.to_message().unwrap(), response);
//! ```

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::error::ParseError;
use crate::message::{Edns, EdnsOptions, EdnsOptionsIter, Header, Message, Question, Record};
use crate::name::Name;
use crate::parse::{self, InPlace, Wire};
use crate::rdata::{
    Caa, Dnskey, Ds, Mx, Nsec, Nsec3, Nsec3param, RData, Rrsig, Soa, Srv, Txt, TxtStrings,
};
use crate::types::{Class, RecordType};

/// A DNS message read in place: its header, and its sections read on demand with
/// [`entries`](MessageView::entries). See the [crate documentation](crate).
#[derive(Debug, Clone, Copy)]
pub struct MessageView<'a> {
    msg: &'a [u8],
    header: Header,
    counts: [u16; 4],
}

impl<'a> MessageView<'a> {
    /// Reads the 12-octet header; the sections are read by [`entries`](MessageView::entries).
    /// The message must fill `bytes` exactly: octets after its last section are reported by
    /// the entries, as [`ParseErrorKind::TrailingBytes`](crate::ParseErrorKind). (Positions
    /// are kept in 32 bits: octets past the first 4 GiB are never part of the message.)
    #[inline]
    pub fn new(bytes: &'a [u8]) -> Result<Self, ParseError> {
        let bytes = &bytes[..bytes.len().min(u32::MAX as usize)];
        let (_, (header, counts)) = parse::header(Wire::new(bytes)).map_err(parse::flatten)?;
        Ok(MessageView {
            msg: bytes,
            header,
            counts,
        })
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> Header {
        self.header
    }

    /// The section counts the header claims: questions, answers, authority, additional (OPT
    /// included). Nothing is allocated from them; a count the octets cannot hold is a
    /// [`Truncated`](crate::ParseErrorKind::Truncated) error on the first entry past the end.
    #[inline]
    pub fn counts(&self) -> [u16; 4] {
        self.counts
    }

    /// The message's octets.
    #[inline]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.msg
    }

    /// The questions and records, in wire order, each parsed when reached.
    #[inline]
    pub fn entries(&self) -> Entries<'a> {
        let mut input = Wire::new(self.msg);
        input = input.skip_header();
        Entries {
            input,
            section: Section::Question,
            left: self.counts[0],
            counts: self.counts,
            edns_seen: false,
            done: false,
        }
    }

    /// The owned model of the message: what [`Message::from_bytes`] gives for the same
    /// octets, error included.
    pub fn to_message(&self) -> Result<Message, ParseError> {
        let mut message = Message {
            header: self.header,
            ..Message::default()
        };
        for entry in self.entries() {
            match entry? {
                Entry::Question(q) => message.questions.push(q.to_question()),
                Entry::Record(section, record) => {
                    let records = match section {
                        Section::Answer => &mut message.answers,
                        Section::Authority => &mut message.authority,
                        _ => &mut message.additional,
                    };
                    records.push(record.to_record());
                }
                Entry::Edns(edns) => message.edns = Some(edns.to_edns()),
            }
        }
        Ok(message)
    }
}

/// The section an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// The question section.
    Question,
    /// The answer section.
    Answer,
    /// The authority section.
    Authority,
    /// The additional section.
    Additional,
}

/// One entry of a message, as [`Entries`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// A question.
    Question(QuestionView<'a>),
    /// A resource record of the answer, authority or additional section (never OPT).
    Record(Section, RecordView<'a>),
    /// The OPT record (RFC 6891), in the additional section where it was found.
    Edns(EdnsView<'a>),
}

/// The entries of a [`MessageView`], in wire order, read with one cursor.
///
/// Each call parses the next entry, with the rules of [`Message::from_bytes`]. A malformed
/// entry is returned as an error, and the iteration ends after it. After the last entry the
/// message must end: octets left over are an error ([`ParseErrorKind::TrailingBytes`]).
///
/// [`ParseErrorKind::TrailingBytes`]: crate::ParseErrorKind::TrailingBytes
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    input: Wire<'a>,
    section: Section,
    /// Entries left in `section`.
    left: u16,
    counts: [u16; 4],
    edns_seen: bool,
    done: bool,
}

impl<'a> Entries<'a> {
    /// The section the next entry belongs to, moving past sections with no entries left;
    /// `None` after the additional section.
    #[inline]
    fn next_section(&mut self) -> Option<Section> {
        while self.left == 0 {
            let (next, count) = match self.section {
                Section::Question => (Section::Answer, self.counts[1]),
                Section::Answer => (Section::Authority, self.counts[2]),
                Section::Authority => (Section::Additional, self.counts[3]),
                Section::Additional => return None,
            };
            self.section = next;
            self.left = count;
        }
        self.left -= 1;
        Some(self.section)
    }

    /// The end of the message, after its last entry: an error if octets are left.
    #[cold]
    fn end(&mut self) -> Option<Result<Entry<'a>, ParseError>> {
        if self.done {
            return None;
        }
        self.done = true;
        parse::check_end(self.msg_len(), self.input.offset())
            .err()
            .map(Err)
    }

    fn msg_len(&self) -> usize {
        self.input.message().len()
    }

    #[inline]
    fn read(&mut self, section: Section) -> Result<Entry<'a>, nom::Err<ParseError>> {
        if section == Section::Question {
            let (next, (name, qtype, qclass)) = parse::question_with(self.input, &mut InPlace)?;
            self.input = next;
            return Ok(Entry::Question(QuestionView {
                name,
                qtype,
                qclass,
            }));
        }
        let head = parse::record_head(self.input, &mut InPlace)?;
        self.input = head.after;
        if head.rtype == RecordType::OPT {
            let additional = section == Section::Additional;
            parse::check_opt(&head, additional, self.edns_seen, head.owner.is_root())?;
            self.edns_seen = true;
            return Ok(Entry::Edns(parse::edns(head.rdata, head.class, head.ttl)?));
        }
        let data = parse::read_rdata(head.rdata, head.rtype, &mut InPlace)?;
        Ok(Entry::Record(
            section,
            RecordView {
                name: head.owner,
                class: Class(head.class),
                ttl: head.ttl,
                data,
            },
        ))
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, ParseError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let Some(section) = self.next_section() else {
            return self.end();
        };
        match self.read(section) {
            Ok(entry) => Some(Ok(entry)),
            Err(e) => {
                // Nothing after a malformed entry can be found reliably.
                self.section = Section::Additional;
                self.left = 0;
                self.done = true;
                Some(Err(parse::flatten(e)))
            }
        }
    }
}

/// A domain name in a received message: where it starts. Its labels are read from the message
/// when asked, following compression pointers; the name was checked when its entry was read
/// (every rule of the [`parse`](crate::parse) module), so reading it cannot fail.
///
/// Compares with a [`Name`] or another view case-insensitively (RFC 4343), prints as a
/// [`Name`] does.
#[derive(Clone, Copy)]
pub struct NameView<'a> {
    msg: &'a [u8],
    /// Where the name starts (a [`MessageView`] is at most `u32::MAX` octets).
    pos: u32,
    /// Decoded length without the root label (at most 254).
    len: u8,
}

impl<'a> NameView<'a> {
    /// A name at `pos` of `msg` that [`parse`](crate::parse) checked, `len` octets decoded.
    #[inline(always)]
    pub(crate) fn checked(msg: &'a [u8], pos: usize, len: usize) -> Self {
        NameView {
            msg,
            pos: pos as u32,
            len: len as u8,
        }
    }

    /// The labels, most specific first, without the empty root label.
    #[inline]
    pub fn labels(&self) -> ViewLabels<'a> {
        ViewLabels {
            msg: self.msg,
            pos: self.pos as usize,
        }
    }

    /// Whether this is the root name.
    #[inline]
    pub fn is_root(&self) -> bool {
        self.len == 0
    }

    /// Length of the uncompressed wire form, final root label included.
    #[inline]
    pub fn wire_len(&self) -> usize {
        usize::from(self.len) + 1
    }

    /// Number of labels, not counting the root.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The name, decoded into an owned [`Name`].
    pub fn to_name(&self) -> Name {
        parse::decode_checked(self.msg, self.pos as usize)
    }

    /// Whether the two names are equal, ignoring ASCII case.
    fn eq_labels<'b>(&self, mut other: impl Iterator<Item = &'b [u8]>) -> bool {
        self.labels()
            .all(|l| other.next().is_some_and(|o| l.eq_ignore_ascii_case(o)))
            && other.next().is_none()
    }
}

impl PartialEq for NameView<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.eq_labels(other.labels())
    }
}

impl Eq for NameView<'_> {}

impl PartialEq<Name> for NameView<'_> {
    fn eq(&self, other: &Name) -> bool {
        self.wire_len() == other.wire_len() && self.eq_labels(other.labels())
    }
}

impl PartialEq<NameView<'_>> for Name {
    fn eq(&self, other: &NameView<'_>) -> bool {
        other == self
    }
}

impl fmt::Display for NameView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::name::write_labels(f, self.labels())
    }
}

impl fmt::Debug for NameView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NameView({self})")
    }
}

/// The labels of a [`NameView`], most specific first, read from the message.
#[derive(Debug, Clone)]
pub struct ViewLabels<'a> {
    msg: &'a [u8],
    /// The next length octet or pointer.
    pos: usize,
}

impl<'a> Iterator for ViewLabels<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let &byte = self.msg.get(self.pos)?;
            if byte < 0x40 {
                // A label, or the root label (byte 0), after which `pos` stays on it.
                let start = self.pos + 1;
                let end = start + usize::from(byte);
                let label = self.msg.get(start..end).filter(|_| byte != 0)?;
                self.pos = end;
                return Some(label);
            }
            let &low = self.msg.get(self.pos + 1)?;
            let target = (usize::from(byte & 0x3F) << 8) | usize::from(low);
            // The name was checked, so pointers go strictly backwards; tested again so the
            // loop ends by construction, whatever the octets.
            if target >= self.pos {
                return None;
            }
            self.pos = target;
        }
    }
}

/// A question read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionView<'a> {
    /// The name asked about.
    pub name: NameView<'a>,
    /// The type asked for.
    pub qtype: RecordType,
    /// The class, almost always IN.
    pub qclass: Class,
}

impl QuestionView<'_> {
    /// The owned question.
    pub fn to_question(&self) -> Question {
        Question {
            name: self.name.to_name(),
            qtype: self.qtype,
            qclass: self.qclass,
        }
    }
}

/// A resource record read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordView<'a> {
    /// Owner name.
    pub name: NameView<'a>,
    /// Class, almost always IN.
    pub class: Class,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The typed data; its variant gives the record type.
    pub data: RDataView<'a>,
}

impl RecordView<'_> {
    /// The record type, taken from the data.
    #[inline]
    pub fn rtype(&self) -> RecordType {
        self.data.rtype()
    }

    /// The owned record.
    pub fn to_record(&self) -> Record {
        Record {
            name: self.name.to_name(),
            class: self.class,
            ttl: self.ttl,
            data: self.data.to_rdata(),
        }
    }
}

/// The character-strings of a TXT record, in the message (RFC 1035 §3.3.14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxtView<'a> {
    /// The rdata: each string a length octet and that many octets, checked whole.
    wire: &'a [u8],
}

impl<'a> TxtView<'a> {
    pub(crate) fn checked(wire: &'a [u8]) -> Self {
        TxtView { wire }
    }

    /// The character-strings, in wire order, as slices of the message.
    #[inline]
    pub fn strings(&self) -> TxtStrings<'a> {
        TxtStrings::wire(self.wire)
    }

    /// All strings joined without a separator (RFC 6376 §3.6.2.2 for DKIM).
    pub fn concatenated(&self) -> Vec<u8> {
        self.strings().flatten().copied().collect()
    }

    /// The owned TXT data.
    pub fn to_txt(&self) -> Txt {
        Txt::from_checked_wire(self.wire)
    }
}

/// An NSEC or NSEC3 type bitmap (RFC 4034 §4.1.2), in the message, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeBitmap<'a> {
    wire: &'a [u8],
}

impl<'a> TypeBitmap<'a> {
    pub(crate) fn checked(wire: &'a [u8]) -> Self {
        TypeBitmap { wire }
    }

    /// The types, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = RecordType> + 'a {
        parse::bitmap_types(self.wire)
    }

    /// The types, collected.
    pub fn to_vec(&self) -> Vec<RecordType> {
        self.iter().collect()
    }
}

/// Record data read in place: the fields of [`RData`], with names as [`NameView`]s (or `N`:
/// the parser also builds the owned model through this type) and octet strings as slices of
/// the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RDataView<'a, N = NameView<'a>> {
    /// IPv4 address.
    A(Ipv4Addr),
    /// IPv6 address.
    Aaaa(Ipv6Addr),
    /// Name server host.
    Ns(N),
    /// Canonical name.
    Cname(N),
    /// Subtree redirection target.
    Dname(N),
    /// Pointer target.
    Ptr(N),
    /// Start of authority ([`Soa`]).
    Soa {
        /// Primary name server.
        mname: N,
        /// Mailbox of the person responsible.
        rname: N,
        /// Zone serial number.
        serial: u32,
        /// Refresh interval.
        refresh: u32,
        /// Retry interval.
        retry: u32,
        /// Expiry.
        expire: u32,
        /// Negative-caching TTL.
        minimum: u32,
    },
    /// Mail exchange ([`Mx`]).
    Mx {
        /// Lower is preferred.
        preference: u16,
        /// Host that accepts mail.
        exchange: N,
    },
    /// Text strings.
    Txt(TxtView<'a>),
    /// Service location ([`Srv`]).
    Srv {
        /// Lower is tried first.
        priority: u16,
        /// Relative weight among equal priorities.
        weight: u16,
        /// Port of the service.
        port: u16,
        /// Host providing the service.
        target: N,
    },
    /// CA authorization ([`Caa`]).
    Caa {
        /// Flags.
        flags: u8,
        /// Property tag.
        tag: &'a [u8],
        /// Property value.
        value: &'a [u8],
    },
    /// Delegation signer ([`Ds`]).
    Ds {
        /// Key tag of the referenced DNSKEY.
        key_tag: u16,
        /// Its algorithm number.
        algorithm: u8,
        /// Digest algorithm number.
        digest_type: u8,
        /// The digest.
        digest: &'a [u8],
    },
    /// DNSSEC key ([`Dnskey`]).
    Dnskey {
        /// Flags.
        flags: u16,
        /// Always 3.
        protocol: u8,
        /// Algorithm number.
        algorithm: u8,
        /// The public key.
        public_key: &'a [u8],
    },
    /// DNSSEC signature ([`Rrsig`]).
    Rrsig {
        /// Type of the RRset covered.
        type_covered: RecordType,
        /// Algorithm number.
        algorithm: u8,
        /// Labels in the original owner name.
        labels: u8,
        /// TTL of the covered RRset as in the zone.
        original_ttl: u32,
        /// Expiration.
        expiration: u32,
        /// Inception.
        inception: u32,
        /// Key tag of the signing key.
        key_tag: u16,
        /// Zone of the signing key.
        signer: N,
        /// The signature.
        signature: &'a [u8],
    },
    /// Next secure ([`Nsec`]).
    Nsec {
        /// Next owner name.
        next: N,
        /// Types present at the owner.
        types: TypeBitmap<'a>,
    },
    /// Hashed next secure ([`Nsec3`]).
    Nsec3 {
        /// Hash algorithm.
        hash_algorithm: u8,
        /// Flags.
        flags: u8,
        /// Extra hash iterations.
        iterations: u16,
        /// Salt.
        salt: &'a [u8],
        /// Next hashed owner name (raw hash).
        next_hashed_owner: &'a [u8],
        /// Types present at the original owner.
        types: TypeBitmap<'a>,
    },
    /// NSEC3 parameters ([`Nsec3param`]).
    Nsec3param {
        /// Hash algorithm.
        hash_algorithm: u8,
        /// Flags.
        flags: u8,
        /// Extra hash iterations.
        iterations: u16,
        /// Salt.
        salt: &'a [u8],
    },
    /// Any other type, the raw rdata octets (RFC 3597).
    Unknown {
        /// The record type.
        rtype: RecordType,
        /// The rdata exactly as on the wire.
        data: &'a [u8],
    },
}

impl<'a, N> RDataView<'a, N> {
    /// The record type this data belongs to.
    #[inline]
    pub fn rtype(&self) -> RecordType {
        match self {
            RDataView::A(_) => RecordType::A,
            RDataView::Aaaa(_) => RecordType::AAAA,
            RDataView::Ns(_) => RecordType::NS,
            RDataView::Cname(_) => RecordType::CNAME,
            RDataView::Dname(_) => RecordType::DNAME,
            RDataView::Ptr(_) => RecordType::PTR,
            RDataView::Soa { .. } => RecordType::SOA,
            RDataView::Mx { .. } => RecordType::MX,
            RDataView::Txt(_) => RecordType::TXT,
            RDataView::Srv { .. } => RecordType::SRV,
            RDataView::Caa { .. } => RecordType::CAA,
            RDataView::Ds { .. } => RecordType::DS,
            RDataView::Dnskey { .. } => RecordType::DNSKEY,
            RDataView::Rrsig { .. } => RecordType::RRSIG,
            RDataView::Nsec { .. } => RecordType::NSEC,
            RDataView::Nsec3 { .. } => RecordType::NSEC3,
            RDataView::Nsec3param { .. } => RecordType::NSEC3PARAM,
            RDataView::Unknown { rtype, .. } => *rtype,
        }
    }
}

impl RDataView<'_> {
    /// The owned record data.
    pub fn to_rdata(&self) -> RData {
        owned(*self, |n| n.to_name())
    }
}

impl RDataView<'_, Name> {
    /// The owned record data, the names moved in.
    #[inline]
    pub(crate) fn into_rdata(self) -> RData {
        owned(self, |n| n)
    }
}

/// The owned form of record data, names turned into [`Name`]s by `name`.
#[inline(always)]
fn owned<N>(data: RDataView<'_, N>, mut name: impl FnMut(N) -> Name) -> RData {
    match data {
        RDataView::A(a) => RData::A(a),
        RDataView::Aaaa(a) => RData::Aaaa(a),
        RDataView::Ns(n) => RData::Ns(name(n)),
        RDataView::Cname(n) => RData::Cname(name(n)),
        RDataView::Dname(n) => RData::Dname(name(n)),
        RDataView::Ptr(n) => RData::Ptr(name(n)),
        RDataView::Soa {
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
        } => RData::Soa(Soa {
            mname: name(mname),
            rname: name(rname),
            serial,
            refresh,
            retry,
            expire,
            minimum,
        }),
        RDataView::Mx {
            preference,
            exchange,
        } => RData::Mx(Mx {
            preference,
            exchange: name(exchange),
        }),
        RDataView::Txt(txt) => RData::Txt(txt.to_txt()),
        RDataView::Srv {
            priority,
            weight,
            port,
            target,
        } => RData::Srv(Srv {
            priority,
            weight,
            port,
            target: name(target),
        }),
        RDataView::Caa { flags, tag, value } => RData::Caa(Caa {
            flags,
            tag: tag.to_vec(),
            value: value.to_vec(),
        }),
        RDataView::Ds {
            key_tag,
            algorithm,
            digest_type,
            digest,
        } => RData::Ds(Ds {
            key_tag,
            algorithm,
            digest_type,
            digest: digest.to_vec(),
        }),
        RDataView::Dnskey {
            flags,
            protocol,
            algorithm,
            public_key,
        } => RData::Dnskey(Dnskey {
            flags,
            protocol,
            algorithm,
            public_key: public_key.to_vec(),
        }),
        RDataView::Rrsig {
            type_covered,
            algorithm,
            labels,
            original_ttl,
            expiration,
            inception,
            key_tag,
            signer,
            signature,
        } => RData::Rrsig(Rrsig {
            type_covered,
            algorithm,
            labels,
            original_ttl,
            expiration,
            inception,
            key_tag,
            signer: name(signer),
            signature: signature.to_vec(),
        }),
        RDataView::Nsec { next, types } => RData::Nsec(Nsec {
            next: name(next),
            types: types.to_vec(),
        }),
        RDataView::Nsec3 {
            hash_algorithm,
            flags,
            iterations,
            salt,
            next_hashed_owner,
            types,
        } => RData::Nsec3(Nsec3 {
            hash_algorithm,
            flags,
            iterations,
            salt: salt.to_vec(),
            next_hashed_owner: next_hashed_owner.to_vec(),
            types: types.to_vec(),
        }),
        RDataView::Nsec3param {
            hash_algorithm,
            flags,
            iterations,
            salt,
        } => RData::Nsec3param(Nsec3param {
            hash_algorithm,
            flags,
            iterations,
            salt: salt.to_vec(),
        }),
        RDataView::Unknown { rtype, data } => RData::Unknown {
            rtype,
            data: data.to_vec(),
        },
    }
}

/// The OPT record (RFC 6891 §6.1) read in place: [`Edns`] with its options in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdnsView<'a> {
    /// Largest UDP payload the sender can reassemble (the OPT class field).
    pub udp_payload_size: u16,
    /// Upper 8 bits of the 12-bit extended response code.
    pub extended_rcode: u8,
    /// EDNS version; only 0 is defined.
    pub version: u8,
    /// DO: DNSSEC records wanted (RFC 3225).
    pub dnssec_ok: bool,
    /// The other 15 flag bits (must be zero).
    pub other_flags: u16,
    /// The options in wire form, checked whole.
    options: &'a [u8],
}

impl<'a> EdnsView<'a> {
    /// The OPT fields from its class and TTL, and its checked options.
    #[inline]
    pub(crate) fn from_fields(class: u16, ttl: u32, options: &'a [u8]) -> Self {
        EdnsView {
            udp_payload_size: class,
            extended_rcode: (ttl >> 24) as u8,
            version: (ttl >> 16) as u8,
            dnssec_ok: ttl & 0x8000 != 0,
            other_flags: (ttl & 0x7FFF) as u16,
            options,
        }
    }

    /// The options, in wire order, borrowed from the message.
    #[inline]
    pub fn options(&self) -> EdnsOptionsIter<'a> {
        EdnsOptionsIter::wire(self.options)
    }

    /// The owned OPT record.
    pub fn to_edns(&self) -> Edns {
        Edns {
            udp_payload_size: self.udp_payload_size,
            extended_rcode: self.extended_rcode,
            version: self.version,
            dnssec_ok: self.dnssec_ok,
            other_flags: self.other_flags,
            options: EdnsOptions::from_checked_wire(self.options),
        }
    }
}
