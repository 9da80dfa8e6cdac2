//! "Parse and read everything" for each library, folded into a [`Digest`].
//!
//! A lazy parser (`domain`) does almost nothing until asked, so a fair comparison parses and then
//! touches every record, every name label and every rdata field in its typed form. The digest
//! makes that work observable (the optimiser cannot drop it) and lets a test check the three
//! libraries read the same content. Records are hashed one by one and combined with a wrapping
//! sum, so the place of the OPT record in the additional section (lifted out by dns-wire and
//! hickory-proto, kept in place by domain) does not matter.
//!
//! Each visitor reads the message the cheapest way its library's public API offers, in one pass:
//! dns-wire with its in-place reader (`MessageView::entries`, one cursor, names and octet strings
//! read from the message); hickory-proto parses eagerly and is then read from its model
//! (dns-wire's owned model is read the same way by [`dns_wire_model_visit`]); `domain` is
//! read with one cursor, its question section iterated and then turned into the answer section
//! (`QuestionSection::answer`), each record section into the next (`next_section`), so no section
//! is skipped over before it is read (`Message::sections` would walk the question, answer and
//! authority sections once just to find where each starts).
//!
//! Every visitor feeds the same hash calls for the same field ([`ItemHash::int`] for a number,
//! [`ItemHash::bytes`] for an octet string, [`ItemHash::name`] for a name), so the hashing costs
//! all three the same. Instantiated with [`Work`] instead of `()`, a visitor also counts those
//! calls, and `benches/tests/corpus.rs` checks the counts are equal across the libraries.

use std::fmt;

/// Counts the hash calls a visitor makes; `()` counts nothing and compiles to nothing.
pub trait Tally: Default + Copy + fmt::Debug + PartialEq {
    /// A number was hashed.
    fn int(&mut self);
    /// An octet string of `len` octets was hashed.
    fn bytes(&mut self, len: usize);
    /// A name ended (its labels were counted as octet strings).
    fn name(&mut self);
    /// An item (header, question, record, OPT) was added to the digest.
    fn item(&mut self);
    /// Adds the calls counted for one item.
    fn absorb(&mut self, other: Self);
}

impl Tally for () {
    #[inline(always)]
    fn int(&mut self) {}
    #[inline(always)]
    fn bytes(&mut self, _: usize) {}
    #[inline(always)]
    fn name(&mut self) {}
    #[inline(always)]
    fn item(&mut self) {}
    #[inline(always)]
    fn absorb(&mut self, _: Self) {}
}

/// The work a visitor did on the hash: equal for two visitors only if they hashed the same
/// fields the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Work {
    /// Numbers hashed.
    pub ints: u64,
    /// Octet strings hashed (name labels included).
    pub strings: u64,
    /// Octets in those strings.
    pub octets: u64,
    /// Names hashed.
    pub names: u64,
    /// Items added.
    pub items: u64,
}

impl Tally for Work {
    fn int(&mut self) {
        self.ints += 1;
    }
    fn bytes(&mut self, len: usize) {
        self.strings += 1;
        self.octets += len as u64;
    }
    fn name(&mut self) {
        self.names += 1;
    }
    fn item(&mut self) {
        self.items += 1;
    }
    fn absorb(&mut self, other: Self) {
        self.ints += other.ints;
        self.strings += other.strings;
        self.octets += other.octets;
        self.names += other.names;
        self.items += other.items;
    }
}

/// What a visitor read: counts per section and a checksum over every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Digest<T: Tally = ()> {
    /// Question entries.
    pub questions: usize,
    /// Answer records.
    pub answers: usize,
    /// Authority records.
    pub authority: usize,
    /// Additional records, OPT excluded.
    pub additional: usize,
    /// Whether an OPT record was present.
    pub edns: bool,
    /// Wrapping sum of one hash per header, question and record.
    pub checksum: u64,
    /// The hash calls made, if counted.
    pub work: T,
}

impl<T: Tally> fmt::Display for Digest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "qd={} an={} ns={} ar={} edns={} sum={:016x}",
            self.questions, self.answers, self.authority, self.additional, self.edns, self.checksum
        )
    }
}

/// Section tags mixed into each record hash.
const QUESTION: u16 = 0x10;
const ANSWER: u16 = 1;
const AUTHORITY: u16 = 2;
const ADDITIONAL: u16 = 3;
/// Marks a record type this visitor does not read field by field.
const UNREAD: u16 = 0xffff;

/// EDNS option codes read field by field (RFC 5001, 7873, 7830, 8914).
const NSID: u16 = 3;
const COOKIE: u16 = 10;
const PADDING: u16 = 12;
const EXTENDED_ERROR: u16 = 15;

/// Hash of one item (header, question or record), fed field by field.
#[derive(Clone, Copy)]
pub struct ItemHash<T: Tally> {
    hash: u64,
    tally: T,
}

impl<T: Tally> ItemHash<T> {
    fn new(tag: u16) -> Self {
        let mut h = ItemHash {
            hash: 0x243f_6a88_85a3_08d3,
            tally: T::default(),
        };
        h.int(u64::from(tag));
        h
    }

    #[inline]
    fn mix(&mut self, value: u64) {
        self.hash = (self.hash ^ value)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }

    /// A number.
    #[inline]
    pub fn int(&mut self, value: u64) {
        self.tally.int();
        self.mix(value);
    }

    /// An octet string.
    #[inline]
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.tally.bytes(bytes.len());
        self.mix(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().unwrap()));
        }
        // The same value as the remainder zero-padded to 8 octets, read little-endian, but
        // folded octet by octet: a copy of this variable length is a `memcpy` call, which, once
        // for every label and field, cost each of the three libraries 40-60 ns per message
        // on the small corpus messages (BENCHMARKS.md).
        let tail = chunks
            .remainder()
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b));
        self.mix(tail);
    }

    /// A name: its labels, most specific first, then an end marker.
    #[inline]
    pub fn name<'a>(&mut self, labels: impl Iterator<Item = &'a [u8]>) {
        for label in labels {
            self.bytes(label);
        }
        self.tally.name();
        self.mix(0x100);
    }
}

impl<T: Tally> Digest<T> {
    fn add(&mut self, item: ItemHash<T>) {
        self.checksum = self.checksum.wrapping_add(item.hash);
        self.work.absorb(item.tally);
        self.work.item();
    }

    fn header(&mut self, id: u16, flags: u16) {
        let mut h = ItemHash::new(0);
        h.int(u64::from(id));
        h.int(u64::from(flags));
        self.add(h);
    }

    fn question<'a>(&mut self, name: impl Iterator<Item = &'a [u8]>, qtype: u16, qclass: u16) {
        let mut h = ItemHash::new(QUESTION);
        h.name(name);
        h.int(u64::from(qtype));
        h.int(u64::from(qclass));
        self.add(h);
        self.questions += 1;
    }

    fn opt(&mut self, payload: u16, ext_rcode: u8, version: u8, flags: u16) -> ItemHash<T> {
        self.edns = true;
        let mut h = ItemHash::new(41);
        h.int(u64::from(payload));
        h.int(u64::from(ext_rcode));
        h.int(u64::from(version));
        h.int(u64::from(flags));
        h
    }
}

/// EDNS options, each read in its typed form where the library has one.
impl<T: Tally> ItemHash<T> {
    fn nsid(&mut self, data: &[u8]) {
        self.int(u64::from(NSID));
        self.bytes(data);
    }

    fn cookie(&mut self, client: &[u8], server: &[u8]) {
        self.int(u64::from(COOKIE));
        self.bytes(client);
        self.bytes(server);
    }

    fn padding(&mut self, len: usize) {
        self.int(u64::from(PADDING));
        self.int(len as u64);
    }

    fn extended_error(&mut self, info_code: u16, extra_text: &[u8]) {
        self.int(u64::from(EXTENDED_ERROR));
        self.int(u64::from(info_code));
        self.bytes(extra_text);
    }

    fn other_option(&mut self, code: u16, data: &[u8]) {
        self.int(u64::from(code));
        self.bytes(data);
    }
}

/// Record header fields common to every record.
fn record_start<'a, T: Tally>(
    section: u16,
    owner: impl Iterator<Item = &'a [u8]>,
    rtype: u16,
    class: u16,
    ttl: u32,
) -> ItemHash<T> {
    let mut h = ItemHash::new(section);
    h.name(owner);
    h.int(u64::from(rtype));
    h.int(u64::from(class));
    h.int(u64::from(ttl));
    h
}

/// The header's flag word, rebuilt from each library's unpacked view.
struct HeaderBits {
    qr: bool,
    opcode: u8,
    aa: bool,
    tc: bool,
    rd: bool,
    ra: bool,
    ad: bool,
    cd: bool,
    rcode_low: u8,
}

impl HeaderBits {
    fn packed(&self) -> u16 {
        (u16::from(self.qr) << 15)
            | (u16::from(self.opcode & 0xf) << 11)
            | (u16::from(self.aa) << 10)
            | (u16::from(self.tc) << 9)
            | (u16::from(self.rd) << 8)
            | (u16::from(self.ra) << 7)
            | (u16::from(self.ad) << 5)
            | (u16::from(self.cd) << 4)
            | u16::from(self.rcode_low & 0xf)
    }
}

/// The header's flag word of a dns-wire header.
fn dns_wire_flags(hd: &dns_wire::Header) -> u16 {
    HeaderBits {
        qr: hd.response,
        opcode: hd.opcode.0,
        aa: hd.authoritative,
        tc: hd.truncated,
        rd: hd.recursion_desired,
        ra: hd.recursion_available,
        ad: hd.authentic_data,
        cd: hd.checking_disabled,
        rcode_low: hd.rcode_low,
    }
    .packed()
}

/// The fields of a dns-wire OPT record (`Edns` or `EdnsView`): payload size, extended rcode,
/// version, DO, the other flags.
type OptFields = (u16, u8, u8, bool, u16);

/// The [`OptFields`] of an `Edns` or an `EdnsView` (two types with the same field names).
macro_rules! opt_fields {
    ($e:expr) => {
        (
            $e.udp_payload_size,
            $e.extended_rcode,
            $e.version,
            $e.dnssec_ok,
            $e.other_flags,
        )
    };
}

/// A dns-wire OPT record: its fields and its options, each in its typed form.
fn dns_wire_opt<'a, T: Tally>(
    d: &mut Digest<T>,
    (payload, extended_rcode, version, dnssec_ok, other_flags): OptFields,
    options: impl Iterator<Item = dns_wire::EdnsOption<'a>>,
) {
    use dns_wire::EdnsOption;
    let flags = (u16::from(dnssec_ok) << 15) | other_flags;
    let mut h = d.opt(payload, extended_rcode, version, flags);
    for option in options {
        match option {
            EdnsOption::Nsid(data) => h.nsid(data),
            EdnsOption::Cookie { client, server } => h.cookie(&client, server),
            EdnsOption::Padding(len) => h.padding(usize::from(len)),
            EdnsOption::ExtendedError {
                info_code,
                extra_text,
            } => h.extended_error(info_code, extra_text.as_bytes()),
            EdnsOption::Unknown { code, data } => h.other_option(code, data),
            _ => h.other_option(UNREAD, &[]),
        }
    }
    d.add(h);
}

/// dns-wire: `MessageView::new` and one pass over `MessageView::entries` (the cheapest path of
/// its public API, as `domain`'s one cursor is of `domain`'s): names read label by label from
/// the message, character-strings and opaque data as slices of it.
pub mod dns_wire_visit {
    use super::*;
    use dns_wire::{Entry, MessageView, RDataView, RecordView, Section};

    /// Parses `bytes` and reads every field.
    pub fn visit(bytes: &[u8]) -> Result<Digest, dns_wire::ParseError> {
        visit_counting(bytes)
    }

    /// [`visit`], counting the hash calls in `T`.
    pub fn visit_counting<T: Tally>(bytes: &[u8]) -> Result<Digest<T>, dns_wire::ParseError> {
        let view = MessageView::new(bytes)?;
        let mut d = Digest::default();
        let hd = view.header();
        d.header(hd.id, dns_wire_flags(&hd));
        for entry in view.entries() {
            match entry? {
                Entry::Question(q) => d.question(q.name.labels(), q.qtype.0, q.qclass.0),
                Entry::Record(section, r) => {
                    let tag = match section {
                        Section::Answer => {
                            d.answers += 1;
                            ANSWER
                        }
                        Section::Authority => {
                            d.authority += 1;
                            AUTHORITY
                        }
                        _ => {
                            d.additional += 1;
                            ADDITIONAL
                        }
                    };
                    d.add(record(tag, &r));
                }
                Entry::Edns(e) => dns_wire_opt(&mut d, opt_fields!(e), e.options()),
            }
        }
        Ok(d)
    }

    fn record<T: Tally>(section: u16, r: &RecordView<'_>) -> ItemHash<T> {
        let mut h = record_start(section, r.name.labels(), r.rtype().0, r.class.0, r.ttl);
        match r.data {
            RDataView::A(addr) => h.bytes(&addr.octets()),
            RDataView::Aaaa(addr) => h.bytes(&addr.octets()),
            RDataView::Ns(n) | RDataView::Cname(n) | RDataView::Ptr(n) => h.name(n.labels()),
            RDataView::Soa {
                mname,
                rname,
                serial,
                refresh,
                retry,
                expire,
                minimum,
            } => {
                h.name(mname.labels());
                h.name(rname.labels());
                for v in [serial, refresh, retry, expire, minimum] {
                    h.int(u64::from(v));
                }
            }
            RDataView::Mx {
                preference,
                exchange,
            } => {
                h.int(u64::from(preference));
                h.name(exchange.labels());
            }
            RDataView::Txt(txt) => {
                for s in txt.strings() {
                    h.bytes(s);
                }
            }
            RDataView::Srv {
                priority,
                weight,
                port,
                target,
            } => {
                h.int(u64::from(priority));
                h.int(u64::from(weight));
                h.int(u64::from(port));
                h.name(target.labels());
            }
            RDataView::Unknown { data, .. } => h.bytes(data),
            _ => h.int(u64::from(UNREAD)),
        }
        h
    }
}

/// dns-wire's owned model: `Message::from_bytes`, then every field of the typed model. Not
/// the cheapest way to read a message once (that is [`dns_wire_visit`]), measured beside it
/// for what the resolver and every caller that keeps a message pay.
pub mod dns_wire_model_visit {
    use super::*;
    use dns_wire::{Message, RData, Record};

    /// Parses `bytes` and reads every field.
    pub fn visit(bytes: &[u8]) -> Result<Digest, dns_wire::ParseError> {
        visit_counting(bytes)
    }

    /// [`visit`], counting the hash calls in `T`.
    pub fn visit_counting<T: Tally>(bytes: &[u8]) -> Result<Digest<T>, dns_wire::ParseError> {
        let msg = Message::from_bytes(bytes)?;
        Ok(digest(&msg))
    }

    /// Reads every field of an already parsed message.
    pub fn digest<T: Tally>(msg: &Message) -> Digest<T> {
        let mut d = Digest::default();
        d.header(msg.header.id, dns_wire_flags(&msg.header));
        for q in &msg.questions {
            d.question(q.name.labels(), q.qtype.0, q.qclass.0);
        }
        for (section, records) in [
            (ANSWER, &msg.answers),
            (AUTHORITY, &msg.authority),
            (ADDITIONAL, &msg.additional),
        ] {
            for r in records {
                d.add(record(section, r));
            }
        }
        d.answers = msg.answers.len();
        d.authority = msg.authority.len();
        d.additional = msg.additional.len();
        if let Some(edns) = &msg.edns {
            dns_wire_opt(&mut d, opt_fields!(edns), edns.options.iter());
        }
        d
    }

    fn record<T: Tally>(section: u16, r: &Record) -> ItemHash<T> {
        let mut h = record_start(section, r.name.labels(), r.rtype().0, r.class.0, r.ttl);
        match &r.data {
            RData::A(addr) => h.bytes(&addr.octets()),
            RData::Aaaa(addr) => h.bytes(&addr.octets()),
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => h.name(n.labels()),
            RData::Soa(soa) => {
                h.name(soa.mname.labels());
                h.name(soa.rname.labels());
                for v in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                    h.int(u64::from(v));
                }
            }
            RData::Mx(mx) => {
                h.int(u64::from(mx.preference));
                h.name(mx.exchange.labels());
            }
            RData::Txt(txt) => {
                for s in txt.strings() {
                    h.bytes(s);
                }
            }
            RData::Srv(srv) => {
                h.int(u64::from(srv.priority));
                h.int(u64::from(srv.weight));
                h.int(u64::from(srv.port));
                h.name(srv.target.labels());
            }
            RData::Unknown { data, .. } => h.bytes(data),
            _ => h.int(u64::from(UNREAD)),
        }
        h
    }
}

/// hickory-proto: `Message::from_vec` (eager), then every field.
pub mod hickory_visit {
    use super::*;
    use hickory_proto::op::Message;
    use hickory_proto::rr::rdata::opt::EdnsOption;
    use hickory_proto::rr::{RData, Record};

    /// Parses `bytes` and reads every field.
    pub fn visit(bytes: &[u8]) -> Result<Digest, hickory_proto::serialize::binary::DecodeError> {
        visit_counting(bytes)
    }

    /// [`visit`], counting the hash calls in `T`.
    pub fn visit_counting<T: Tally>(
        bytes: &[u8],
    ) -> Result<Digest<T>, hickory_proto::serialize::binary::DecodeError> {
        let msg = Message::from_vec(bytes)?;
        Ok(digest(&msg))
    }

    /// Reads every field of an already parsed message.
    pub fn digest<T: Tally>(msg: &Message) -> Digest<T> {
        let mut d = Digest::default();
        let m = &msg.metadata;
        d.header(
            m.id,
            HeaderBits {
                qr: m.message_type == hickory_proto::op::MessageType::Response,
                opcode: u8::from(m.op_code),
                aa: m.authoritative,
                tc: m.truncation,
                rd: m.recursion_desired,
                ra: m.recursion_available,
                ad: m.authentic_data,
                cd: m.checking_disabled,
                rcode_low: (u16::from(m.response_code) & 0xf) as u8,
            }
            .packed(),
        );
        for q in &msg.queries {
            d.question(
                q.name().iter(),
                u16::from(q.query_type()),
                u16::from(q.query_class()),
            );
        }
        for (section, records) in [
            (ANSWER, &msg.answers),
            (AUTHORITY, &msg.authorities),
            (ADDITIONAL, &msg.additionals),
        ] {
            for r in records {
                d.add(record(section, r));
            }
        }
        d.answers = msg.answers.len();
        d.authority = msg.authorities.len();
        d.additional = msg.additionals.len();
        if let Some(edns) = &msg.edns {
            let flags = (u16::from(edns.flags().dnssec_ok) << 15) | edns.flags().z;
            let mut h = d.opt(edns.max_payload(), edns.rcode_high(), edns.version(), flags);
            for (_, option) in edns.options().as_ref() {
                match option {
                    EdnsOption::NSID(payload) => h.nsid(payload.as_ref()),
                    // hickory-proto has no types for these: their fields are read from the
                    // option data, with dns-wire's rules for a well-formed option.
                    EdnsOption::Unknown(COOKIE, data)
                        if data.len() == 8 || (16..=40).contains(&data.len()) =>
                    {
                        let (client, server) = data.split_at(8);
                        h.cookie(client, server);
                    }
                    EdnsOption::Unknown(PADDING, data) if data.iter().all(|&b| b == 0) => {
                        h.padding(data.len())
                    }
                    EdnsOption::Unknown(EXTENDED_ERROR, data)
                        if data.len() >= 2 && std::str::from_utf8(&data[2..]).is_ok() =>
                    {
                        h.extended_error(u16::from_be_bytes([data[0], data[1]]), &data[2..])
                    }
                    EdnsOption::Unknown(code, data) => h.other_option(*code, data),
                    _ => h.other_option(UNREAD, &[]),
                }
            }
            d.add(h);
        }
        d
    }

    fn record<T: Tally>(section: u16, r: &Record) -> ItemHash<T> {
        let mut h = record_start(
            section,
            r.name.iter(),
            u16::from(r.record_type()),
            u16::from(r.dns_class),
            r.ttl,
        );
        match &r.data {
            RData::A(a) => h.bytes(&a.0.octets()),
            RData::AAAA(a) => h.bytes(&a.0.octets()),
            RData::NS(n) => h.name(n.0.iter()),
            RData::CNAME(n) => h.name(n.0.iter()),
            RData::PTR(n) => h.name(n.0.iter()),
            RData::SOA(soa) => {
                h.name(soa.mname.iter());
                h.name(soa.rname.iter());
                for v in [
                    soa.serial,
                    soa.refresh as u32,
                    soa.retry as u32,
                    soa.expire as u32,
                    soa.minimum,
                ] {
                    h.int(u64::from(v));
                }
            }
            RData::MX(mx) => {
                h.int(u64::from(mx.preference));
                h.name(mx.exchange.iter());
            }
            RData::TXT(txt) => {
                for s in txt.txt_data.iter() {
                    h.bytes(&s[..]);
                }
            }
            RData::SRV(srv) => {
                h.int(u64::from(srv.priority));
                h.int(u64::from(srv.weight));
                h.int(u64::from(srv.port));
                h.name(srv.target.iter());
            }
            RData::Unknown { rdata, .. } => h.bytes(&rdata.anything),
            _ => h.int(u64::from(UNREAD)),
        }
        h
    }
}

/// domain (NLnet Labs): lazy `Message::from_octets`, then one cursor through the sections,
/// every record parsed into `AllRecordData` and every name walked label by label.
pub mod domain_visit {
    use super::*;
    use domain::base::iana::Rtype;
    use domain::base::opt::AllOptData;
    use domain::base::{Message, Name, ParsedName, RecordSection};
    use domain::rdata::AllRecordData;

    /// Why domain rejected a message.
    #[derive(Debug)]
    pub struct DomainError(pub String);

    impl From<domain::base::wire::ParseError> for DomainError {
        fn from(e: domain::base::wire::ParseError) -> Self {
            DomainError(e.to_string())
        }
    }

    type Data<'a> = AllRecordData<&'a [u8], ParsedName<&'a [u8]>>;

    /// A parsed name's labels without the root label, as the other libraries give them.
    fn labels<'a>(name: &'a ParsedName<&[u8]>) -> impl Iterator<Item = &'a [u8]> {
        name.iter().filter(|l| !l.is_root()).map(|l| l.as_ref())
    }

    /// Parses `bytes` and reads every field.
    pub fn visit(bytes: &[u8]) -> Result<Digest, DomainError> {
        visit_counting(bytes)
    }

    /// [`visit`], counting the hash calls in `T`.
    pub fn visit_counting<T: Tally>(bytes: &[u8]) -> Result<Digest<T>, DomainError> {
        let msg = Message::from_octets(bytes).map_err(|e| DomainError(e.to_string()))?;
        let mut d = Digest::default();
        let hd = msg.header();
        d.header(
            hd.id(),
            HeaderBits {
                qr: hd.qr(),
                opcode: hd.opcode().to_int(),
                aa: hd.aa(),
                tc: hd.tc(),
                rd: hd.rd(),
                ra: hd.ra(),
                ad: hd.ad(),
                cd: hd.cd(),
                rcode_low: hd.rcode().to_int(),
            }
            .packed(),
        );
        // One cursor: each section continues where the previous one was read to its end.
        let mut questions = msg.question();
        for q in &mut questions {
            let q = q?;
            d.question(labels(q.qname()), q.qtype().to_int(), q.qclass().to_int());
        }
        let (answers, section) = records(&mut d, ANSWER, questions.answer()?)?;
        d.answers = answers;
        let section = section.ok_or_else(|| DomainError("no authority section".into()))?;
        let (authority, section) = records(&mut d, AUTHORITY, section)?;
        d.authority = authority;
        let section = section.ok_or_else(|| DomainError("no additional section".into()))?;
        let (additional, _) = records(&mut d, ADDITIONAL, section)?;
        d.additional = additional;
        Ok(d)
    }

    /// Reads the records of one section; returns how many (OPT not counted) and the next
    /// section, the cursor moved past this one.
    #[allow(clippy::type_complexity)]
    fn records<'a, T: Tally>(
        d: &mut Digest<T>,
        tag: u16,
        section: RecordSection<'a, &'a [u8]>,
    ) -> Result<(usize, Option<RecordSection<'a, &'a [u8]>>), DomainError> {
        let mut count = 0;
        let mut records = section.into_records::<Data<'a>>();
        for r in &mut records {
            let r = r?;
            if r.rtype() == Rtype::OPT {
                let ttl = r.ttl().as_secs();
                let mut h = d.opt(
                    r.class().to_int(),
                    (ttl >> 24) as u8,
                    (ttl >> 16) as u8,
                    ttl as u16,
                );
                if let AllRecordData::Opt(opt) = r.data() {
                    for option in opt.iter::<AllOptData<&[u8], Name<&[u8]>>>() {
                        match option? {
                            AllOptData::Nsid(nsid) => h.nsid(nsid.as_slice()),
                            AllOptData::Cookie(cookie) => h.cookie(
                                &cookie.client().into_octets(),
                                cookie.server().map_or(&[][..], |s| s.as_ref()),
                            ),
                            AllOptData::Padding(padding) => h.padding(padding.as_slice().len()),
                            AllOptData::ExtendedError(ede) => h.extended_error(
                                ede.code().to_int(),
                                ede.text_slice().unwrap_or_default(),
                            ),
                            AllOptData::Other(other) => {
                                h.other_option(other.code().to_int(), other.as_slice())
                            }
                            _ => h.other_option(UNREAD, &[]),
                        }
                    }
                }
                d.add(h);
                continue;
            }
            count += 1;
            let mut h = record_start(
                tag,
                labels(r.owner()),
                r.rtype().to_int(),
                r.class().to_int(),
                r.ttl().as_secs(),
            );
            match r.data() {
                AllRecordData::A(a) => h.bytes(&a.addr().octets()),
                AllRecordData::Aaaa(a) => h.bytes(&a.addr().octets()),
                AllRecordData::Ns(n) => h.name(labels(n.nsdname())),
                AllRecordData::Cname(n) => h.name(labels(n.cname())),
                AllRecordData::Ptr(n) => h.name(labels(n.ptrdname())),
                AllRecordData::Soa(soa) => {
                    h.name(labels(soa.mname()));
                    h.name(labels(soa.rname()));
                    for v in [
                        soa.serial().into_int(),
                        soa.refresh().as_secs(),
                        soa.retry().as_secs(),
                        soa.expire().as_secs(),
                        soa.minimum().as_secs(),
                    ] {
                        h.int(u64::from(v));
                    }
                }
                AllRecordData::Mx(mx) => {
                    h.int(u64::from(mx.preference()));
                    h.name(labels(mx.exchange()));
                }
                AllRecordData::Txt(txt) => {
                    for s in txt.iter() {
                        h.bytes(s);
                    }
                }
                AllRecordData::Srv(srv) => {
                    h.int(u64::from(srv.priority()));
                    h.int(u64::from(srv.weight()));
                    h.int(u64::from(srv.port()));
                    h.name(labels(srv.target()));
                }
                AllRecordData::Unknown(u) => h.bytes(u.data()),
                _ => h.int(u64::from(UNREAD)),
            }
            d.add(h);
        }
        Ok((count, records.next_section()?))
    }
}
