//! The message model (RFC 1035 §4.1): header, question and three record sections, with EDNS0
//! (RFC 6891) lifted out of the additional section into [`Edns`].

use crate::name::Name;
use crate::rdata::RData;
use crate::types::{Class, Opcode, Rcode, RecordType};

/// The fixed 12-octet header, flags unpacked. Section counts are not stored: they are the
/// lengths of the [`Message`] sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Header {
    /// Query identifier, copied into the response.
    pub id: u16,
    /// QR: this is a response.
    pub response: bool,
    /// Kind of query.
    pub opcode: Opcode,
    /// AA: the answer comes from an authoritative server for the name.
    pub authoritative: bool,
    /// TC: the message was truncated to fit the transport.
    pub truncated: bool,
    /// RD: recursion desired.
    pub recursion_desired: bool,
    /// RA: recursion available.
    pub recursion_available: bool,
    /// Z: the reserved bit; must be zero, kept so odd servers can be reported.
    pub z: bool,
    /// AD: authentic data (RFC 4035 §3.2.3).
    pub authentic_data: bool,
    /// CD: checking disabled (RFC 4035 §3.2.2).
    pub checking_disabled: bool,
    /// The low 4 bits of the response code; see [`Message::rcode`] for the full value.
    pub rcode_low: u8,
}

impl Default for Opcode {
    fn default() -> Self {
        Opcode::QUERY
    }
}

/// A question: the name, type and class asked about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Question {
    /// The name asked about.
    pub name: Name,
    /// The type asked for.
    pub qtype: RecordType,
    /// The class, almost always IN.
    pub qclass: Class,
}

impl Question {
    /// An IN-class question.
    pub fn new(name: Name, qtype: RecordType) -> Self {
        Question {
            name,
            qtype,
            qclass: Class::IN,
        }
    }
}

/// The question section: a vector that holds one question (what every query and response
/// carries in practice) without allocating. It dereferences to a slice and has `Vec`'s
/// methods (`push`, `clear`...); build one with `Questions::from_buf([question])`,
/// `Questions::new()` or `vec.into()`.
pub type Questions = smallvec::SmallVec<[Question; 1]>;

/// A resource record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// Owner name.
    pub name: Name,
    /// Class, almost always IN.
    pub class: Class,
    /// Time to live in seconds.
    pub ttl: u32,
    /// The typed data; its variant gives the record type.
    pub data: RData,
}

impl Record {
    /// An IN-class record.
    pub fn new(name: Name, ttl: u32, data: RData) -> Self {
        Record {
            name,
            class: Class::IN,
            ttl,
            data,
        }
    }

    /// The record type, taken from the data.
    #[inline]
    pub fn rtype(&self) -> RecordType {
        self.data.rtype()
    }
}

/// One EDNS0 option (RFC 6891 §6.1.2), borrowed: read from an [`EdnsOptions`], or given to
/// [`EdnsOptions::push`], which copies it.
///
/// Reading decides the variant from the option's code and data: data that does not have the
/// shape its RFC gives (a 5-octet cookie, padding that is not all zeros, an extended error
/// whose text is not UTF-8) reads as [`EdnsOption::Unknown`], so the octets survive and a
/// trace can show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EdnsOption<'a> {
    /// Name server identifier (RFC 5001), code 3.
    Nsid(&'a [u8]),
    /// DNS cookie (RFC 7873), code 10: 8-octet client cookie and optional 8-32 octet server
    /// cookie.
    Cookie {
        /// Client cookie, 8 octets.
        client: [u8; 8],
        /// Server cookie, empty or 8 to 32 octets.
        server: &'a [u8],
    },
    /// Extended DNS error (RFC 8914), code 15.
    ExtendedError {
        /// The info-code (for example 22 "No Reachable Authority").
        info_code: u16,
        /// Optional UTF-8 explanation from the server.
        extra_text: &'a str,
    },
    /// Padding (RFC 7830), code 12: the number of octets.
    Padding(u16),
    /// Any other option, kept as raw bytes.
    Unknown {
        /// Option code.
        code: u16,
        /// Option data.
        data: &'a [u8],
    },
}

impl EdnsOption<'_> {
    /// The option code.
    pub fn code(&self) -> u16 {
        match self {
            EdnsOption::Nsid(_) => 3,
            EdnsOption::Cookie { .. } => 10,
            EdnsOption::Padding(_) => 12,
            EdnsOption::ExtendedError { .. } => 15,
            EdnsOption::Unknown { code, .. } => *code,
        }
    }

    /// The length of the option data on the wire.
    fn data_len(&self) -> usize {
        match self {
            EdnsOption::Nsid(data) | EdnsOption::Unknown { data, .. } => data.len(),
            EdnsOption::Cookie { server, .. } => 8 + server.len(),
            EdnsOption::ExtendedError { extra_text, .. } => 2 + extra_text.len(),
            EdnsOption::Padding(n) => usize::from(*n),
        }
    }

    /// The option read from its code and data, as described on the type.
    fn read(code: u16, data: &[u8]) -> EdnsOption<'_> {
        match code {
            3 => EdnsOption::Nsid(data),
            10 if data.len() == 8 || (16..=40).contains(&data.len()) => {
                let (client, server) = data.split_at(8);
                EdnsOption::Cookie {
                    client: client.try_into().unwrap_or_default(),
                    server,
                }
            }
            12 if all_zero(data) => EdnsOption::Padding(data.len() as u16),
            15 if data.len() >= 2 => match std::str::from_utf8(&data[2..]) {
                Ok(extra_text) => EdnsOption::ExtendedError {
                    info_code: u16::from_be_bytes([data[0], data[1]]),
                    extra_text,
                },
                Err(_) => EdnsOption::Unknown { code, data },
            },
            _ => EdnsOption::Unknown { code, data },
        }
    }
}

/// Whether every octet is zero, tested a word at a time: padding (RFC 7830) fills a response
/// to a block of 468 octets, and testing it an octet at a time cost more than parsing the rest
/// of such a message.
fn all_zero(data: &[u8]) -> bool {
    let mut words = data.chunks_exact(8);
    let ored = words.by_ref().fold(0u64, |acc, w| {
        acc | u64::from_ne_bytes(w.try_into().unwrap_or_default())
    });
    ored == 0 && words.remainder().iter().all(|&b| b == 0)
}

/// The options of an OPT record, in wire order.
///
/// They are kept in their wire form (code, length, data, repeated) in one buffer, so a parsed
/// OPT record costs at most one allocation whatever options it carries (a buffer per option
/// cost one allocation each), and none for up to 32 octets of options (a client and server
/// cookie take 28); [`EdnsOptions::iter`] reads them as [`EdnsOption`]s.
///
/// ```
/// use dns_wire::{EdnsOption, EdnsOptions};
/// let mut options = EdnsOptions::new();
/// options.push(EdnsOption::Nsid(b"ns1")).unwrap();
/// options.push(EdnsOption::Padding(4)).unwrap();
/// assert_eq!(options.len(), 2);
/// assert_eq!(options.iter().next(), Some(EdnsOption::Nsid(b"ns1")));
/// // The wire cannot carry more than 65535 octets of option data.
/// assert!(options.push(EdnsOption::Unknown { code: 65001, data: &[0; 65536] }).is_err());
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct EdnsOptions {
    wire: smallvec::SmallVec<[u8; 32]>,
}

impl EdnsOptions {
    /// No options.
    pub fn new() -> Self {
        EdnsOptions::default()
    }

    /// Options from their wire form, which the parser checked to be whole options.
    pub(crate) fn from_checked_wire(wire: &[u8]) -> Self {
        EdnsOptions {
            wire: smallvec::SmallVec::from_slice(wire),
        }
    }

    /// The options in wire form.
    pub(crate) fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// Appends an option (its octets are copied); an option with more than 65535 octets of
    /// data is refused, the wire cannot carry it.
    pub fn push(&mut self, option: EdnsOption<'_>) -> Result<(), crate::EncodeError> {
        let len = option.data_len();
        let Ok(wire_len) = u16::try_from(len) else {
            return Err(crate::EncodeError::OptionTooLong {
                code: option.code(),
                len,
            });
        };
        self.wire.reserve(4 + len);
        self.wire.extend_from_slice(&option.code().to_be_bytes());
        self.wire.extend_from_slice(&wire_len.to_be_bytes());
        match option {
            EdnsOption::Nsid(data) | EdnsOption::Unknown { data, .. } => {
                self.wire.extend_from_slice(data)
            }
            EdnsOption::Cookie { client, server } => {
                self.wire.extend_from_slice(&client);
                self.wire.extend_from_slice(server);
            }
            EdnsOption::ExtendedError {
                info_code,
                extra_text,
            } => {
                self.wire.extend_from_slice(&info_code.to_be_bytes());
                self.wire.extend_from_slice(extra_text.as_bytes());
            }
            EdnsOption::Padding(n) => self.wire.resize(self.wire.len() + usize::from(n), 0),
        }
        Ok(())
    }

    /// The options, in wire order.
    #[inline]
    pub fn iter(&self) -> EdnsOptionsIter<'_> {
        EdnsOptionsIter { rest: &self.wire }
    }

    /// How many options there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.wire.is_empty()
    }

    /// Removes every option.
    pub fn clear(&mut self) {
        self.wire.clear();
    }
}

impl<'a> FromIterator<EdnsOption<'a>> for Result<EdnsOptions, crate::EncodeError> {
    /// Collects options, refusing one the wire cannot carry (see [`EdnsOptions::push`]).
    fn from_iter<I: IntoIterator<Item = EdnsOption<'a>>>(options: I) -> Self {
        let mut all = EdnsOptions::new();
        for option in options {
            all.push(option)?;
        }
        Ok(all)
    }
}

impl<'a> IntoIterator for &'a EdnsOptions {
    type Item = EdnsOption<'a>;
    type IntoIter = EdnsOptionsIter<'a>;

    fn into_iter(self) -> EdnsOptionsIter<'a> {
        self.iter()
    }
}

impl std::fmt::Debug for EdnsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over [`EdnsOptions`], in wire order.
#[derive(Debug, Clone)]
pub struct EdnsOptionsIter<'a> {
    rest: &'a [u8],
}

impl<'a> EdnsOptionsIter<'a> {
    /// The options of checked OPT data in wire form.
    pub(crate) fn wire(rest: &'a [u8]) -> Self {
        EdnsOptionsIter { rest }
    }
}

impl<'a> Iterator for EdnsOptionsIter<'a> {
    type Item = EdnsOption<'a>;

    #[inline]
    fn next(&mut self) -> Option<EdnsOption<'a>> {
        let (head, tail) = self.rest.split_first_chunk::<4>()?;
        let code = u16::from_be_bytes([head[0], head[1]]);
        let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
        // Checked or built options always hold their whole data; `min` keeps this total.
        let (data, rest) = tail.split_at(len.min(tail.len()));
        self.rest = rest;
        Some(EdnsOption::read(code, data))
    }
}

/// The EDNS0 pseudo-record (OPT, RFC 6891 §6.1): lifted out of the additional section.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edns {
    /// Largest UDP payload the sender can reassemble (the OPT class field).
    pub udp_payload_size: u16,
    /// Upper 8 bits of the 12-bit extended response code.
    pub extended_rcode: u8,
    /// EDNS version; only 0 is defined.
    pub version: u8,
    /// DO: DNSSEC records wanted (RFC 3225).
    pub dnssec_ok: bool,
    /// The other 15 flag bits, kept so they round-trip (must be zero).
    pub other_flags: u16,
    /// Options, in wire order.
    pub options: EdnsOptions,
}

impl Default for Edns {
    /// Version 0, 1232-octet payload (the DNS flag day 2020 value), no flags, no options.
    fn default() -> Self {
        Edns {
            udp_payload_size: 1232,
            extended_rcode: 0,
            version: 0,
            dnssec_ok: false,
            other_flags: 0,
            options: EdnsOptions::new(),
        }
    }
}

/// A whole DNS message.
///
/// ```
/// use dns_wire::{Message, Name, RecordType};
/// let name: Name = "s1._domainkey.example.com".parse().unwrap();
/// let query = Message::query(0x1234, name.clone(), RecordType::TXT);
/// let bytes = query.to_bytes();
/// let parsed = Message::from_bytes(&bytes).unwrap();
/// assert_eq!(parsed, query);
/// assert_eq!(parsed.questions[0].name, name);
/// assert_eq!(parsed.edns.unwrap().udp_payload_size, 1232);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Message {
    /// Header flags and ID.
    pub header: Header,
    /// Question section.
    pub questions: Questions,
    /// Answer section.
    pub answers: Vec<Record>,
    /// Authority section.
    pub authority: Vec<Record>,
    /// Additional section, without the OPT record.
    pub additional: Vec<Record>,
    /// The OPT record, if present.
    pub edns: Option<Edns>,
}

impl Message {
    /// A non-recursive query (RD clear, as an iterative resolver sends) with EDNS0 and a
    /// 1232-octet payload size.
    pub fn query(id: u16, name: Name, qtype: RecordType) -> Message {
        Message {
            header: Header {
                id,
                ..Header::default()
            },
            questions: Questions::from_buf([Question::new(name, qtype)]),
            edns: Some(Edns::default()),
            ..Message::default()
        }
    }

    /// A non-recursive query without EDNS, for servers that answer FORMERR to an OPT record
    /// (RFC 6891 §7 fallback).
    pub fn query_without_edns(id: u16, name: Name, qtype: RecordType) -> Message {
        Message {
            edns: None,
            ..Message::query(id, name, qtype)
        }
    }

    /// Sets or clears the DO bit (RFC 3225), adding a default OPT record if there is none
    /// and the bit is to be set.
    ///
    /// ```
    /// use dns_wire::{Message, RecordType};
    /// let mut q = Message::query(1, "example.com".parse().unwrap(), RecordType::DNSKEY);
    /// q.set_dnssec_ok(true);
    /// assert!(Message::from_bytes(&q.to_bytes()).unwrap().edns.unwrap().dnssec_ok);
    /// ```
    pub fn set_dnssec_ok(&mut self, dnssec_ok: bool) {
        match &mut self.edns {
            Some(edns) => edns.dnssec_ok = dnssec_ok,
            None if dnssec_ok => {
                self.edns = Some(Edns {
                    dnssec_ok,
                    ..Edns::default()
                })
            }
            None => {}
        }
    }

    /// Whether the DO bit is set.
    pub fn dnssec_ok(&self) -> bool {
        self.edns.as_ref().is_some_and(|e| e.dnssec_ok)
    }

    /// An empty response to this message, as a server starts one: same ID, opcode, RD and
    /// CD bits and questions, QR set, and an OPT record (payload 1232, DO echoed, no options)
    /// if the query had one.
    pub fn response(&self) -> Message {
        Message {
            header: Header {
                id: self.header.id,
                response: true,
                opcode: self.header.opcode,
                recursion_desired: self.header.recursion_desired,
                checking_disabled: self.header.checking_disabled,
                ..Header::default()
            },
            questions: self.questions.clone(),
            edns: self.edns.as_ref().map(|e| Edns {
                dnssec_ok: e.dnssec_ok,
                ..Edns::default()
            }),
            ..Message::default()
        }
    }

    /// The full response code: header bits plus the OPT extension.
    pub fn rcode(&self) -> Rcode {
        let high = self.edns.as_ref().map_or(0, |e| e.extended_rcode as u16);
        Rcode((high << 4) | (self.header.rcode_low & 0x0f) as u16)
    }

    /// Sets the full response code, creating an OPT record if the code needs more than 4 bits.
    pub fn set_rcode(&mut self, rcode: Rcode) {
        self.header.rcode_low = (rcode.0 & 0x0f) as u8;
        let high = (rcode.0 >> 4) as u8;
        if high != 0 {
            self.edns.get_or_insert_with(Edns::default).extended_rcode = high;
        } else if let Some(edns) = &mut self.edns {
            edns.extended_rcode = 0;
        }
    }

    /// Parses a message from its wire form; the message must fill `bytes` exactly (trailing
    /// bytes are an error, [`ParseErrorKind::TrailingBytes`](crate::ParseErrorKind)). See the
    /// [`parse`](crate::parse) module for everything that is refused.
    #[inline]
    pub fn from_bytes(bytes: &[u8]) -> Result<Message, crate::ParseError> {
        crate::parse::parse_message(bytes)
    }

    /// Parses a message at the start of `bytes` and returns it with its length, leaving any
    /// bytes after it alone (for a transport that pads, or to report the excess).
    pub fn from_bytes_prefix(bytes: &[u8]) -> Result<(Message, usize), crate::ParseError> {
        crate::parse::parse_message_prefix(bytes)
    }

    /// Encodes the message with name compression where the RFCs allow it.
    ///
    /// Never fails and never panics. A model that cannot be written faithfully (see
    /// [`EncodeError`](crate::EncodeError)) is written best-effort: a TXT string over 255
    /// octets is split into 255-octet strings (the concatenation is kept), any other over-long
    /// field, rdata or section is truncated to its maximum (TXT and OPT data at the last whole
    /// string or option). Use
    /// [`try_to_bytes`](Message::try_to_bytes) to be told instead.
    pub fn to_bytes(&self) -> Vec<u8> {
        match crate::encode::encode_message::<crate::encode::Lenient>(self) {
            Ok(bytes) => bytes,
            Err(never) => match never {},
        }
    }

    /// Encodes the message, refusing a model that cannot be written faithfully: a TXT
    /// string, CAA tag, NSEC3 salt or hash over 255 octets, rdata over 65535 octets, a
    /// section over 65535 entries, or a message over 65535 octets. (An EDNS option over 65535
    /// octets cannot be in the model: [`EdnsOptions::push`] refuses it.)
    ///
    /// Data that is well-formed but would read back as a different variant is written as
    /// given (an [`RData::Unknown`] carrying a modelled type, an EDNS cookie of odd length):
    /// that is how tests craft unusual messages.
    pub fn try_to_bytes(&self) -> Result<Vec<u8>, crate::EncodeError> {
        crate::encode::encode_message::<crate::encode::Strict>(self)
    }

    /// Every record of the three record sections, in wire order (the OPT record excluded).
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.answers
            .iter()
            .chain(&self.authority)
            .chain(&self.additional)
    }
}
