//! "Parse and read everything" for each library, folded into a [`Digest`].
//!
//! A lazy parser (`domain`) does almost nothing until asked, so a fair comparison parses and then
//! touches every record, every name label and every rdata field in its typed form. The digest
//! makes that work observable (the optimiser cannot drop it) and lets a test check the three
//! libraries read the same content. Records are hashed one by one and combined with a wrapping
//! sum, so the place of the OPT record in the additional section (lifted out by dns-wire and
//! hickory-proto, kept in place by domain) does not matter.

use std::fmt;

/// What a visitor read: counts per section and a checksum over every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Digest {
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
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "qd={} an={} ns={} ar={} edns={} sum={:016x}",
            self.questions, self.answers, self.authority, self.additional, self.edns, self.checksum
        )
    }
}

/// Section tags mixed into each record hash.
const ANSWER: u16 = 1;
const AUTHORITY: u16 = 2;
const ADDITIONAL: u16 = 3;
/// Marks a record type this visitor does not read field by field.
const UNREAD: u16 = 0xffff;

/// Hash of one item (header, question or record), fed field by field.
#[derive(Clone, Copy)]
struct ItemHash(u64);

impl ItemHash {
    fn new(tag: u16) -> Self {
        let mut h = ItemHash(0x243f_6a88_85a3_08d3);
        h.int(u64::from(tag));
        h
    }

    #[inline]
    fn int(&mut self, value: u64) {
        self.0 = (self.0 ^ value)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) {
        self.int(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.int(u64::from_le_bytes(chunk.try_into().unwrap()));
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
        self.int(tail);
    }

    /// The same hash as [`ItemHash::bytes`] of the concatenation of `parts`, without building
    /// it (so no visitor allocates to read an EDNS option).
    fn bytes_concat(&mut self, parts: &[&[u8]]) {
        self.int(parts.iter().map(|p| p.len() as u64).sum());
        let mut word = [0u8; 8];
        let mut fill = 0;
        for part in parts {
            for &b in *part {
                word[fill] = b;
                fill += 1;
                if fill == 8 {
                    self.int(u64::from_le_bytes(word));
                    word = [0; 8];
                    fill = 0;
                }
            }
        }
        self.int(u64::from_le_bytes(word));
    }

    /// A name: its labels, most specific first, then an end marker.
    #[inline]
    fn name<'a>(&mut self, labels: impl Iterator<Item = &'a [u8]>) {
        for label in labels {
            self.bytes(label);
        }
        self.int(0x100);
    }
}

impl Digest {
    fn add(&mut self, item: ItemHash) {
        self.checksum = self.checksum.wrapping_add(item.0);
    }

    fn header(&mut self, id: u16, flags: u16) {
        let mut h = ItemHash::new(0);
        h.int(u64::from(id));
        h.int(u64::from(flags));
        self.add(h);
    }

    fn opt(&mut self, payload: u16, ext_rcode: u8, version: u8, flags: u16) -> ItemHash {
        self.edns = true;
        let mut h = ItemHash::new(41);
        h.int(u64::from(payload));
        h.int(u64::from(ext_rcode));
        h.int(u64::from(version));
        h.int(u64::from(flags));
        h
    }
}

/// Record header fields common to every record.
fn record_start<'a>(
    section: u16,
    owner: impl Iterator<Item = &'a [u8]>,
    rtype: u16,
    class: u16,
    ttl: u32,
) -> ItemHash {
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

/// dns-wire: `Message::from_bytes`, then every field of the typed model.
pub mod dns_wire_visit {
    use super::*;
    use dns_wire::{EdnsOption, Message, RData, Record};

    /// Parses `bytes` and reads every field.
    pub fn visit(bytes: &[u8]) -> Result<Digest, dns_wire::ParseError> {
        let msg = Message::from_bytes(bytes)?;
        Ok(digest(&msg))
    }

    /// Reads every field of an already parsed message.
    pub fn digest(msg: &Message) -> Digest {
        let mut d = Digest::default();
        let hd = &msg.header;
        d.header(
            hd.id,
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
            .packed(),
        );
        for q in &msg.questions {
            let mut h = ItemHash::new(0x10);
            h.name(q.name.labels());
            h.int(u64::from(q.qtype.0));
            h.int(u64::from(q.qclass.0));
            d.add(h);
            d.questions += 1;
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
            let flags = (u16::from(edns.dnssec_ok) << 15) | edns.other_flags;
            let mut h = d.opt(
                edns.udp_payload_size,
                edns.extended_rcode,
                edns.version,
                flags,
            );
            const ZEROS: [u8; 512] = [0; 512];
            for option in &edns.options {
                match option {
                    EdnsOption::Nsid(data) => {
                        h.int(3);
                        h.bytes(data);
                    }
                    EdnsOption::Cookie { client, server } => {
                        h.int(10);
                        h.bytes_concat(&[client, server]);
                    }
                    EdnsOption::Padding(len) => {
                        h.int(12);
                        let len = usize::from(*len);
                        // Padding is never in the corpus; a short list of zero blocks is enough.
                        let zeros: Vec<&[u8]> = std::iter::repeat_n(&ZEROS[..], len / ZEROS.len())
                            .chain([&ZEROS[..len % ZEROS.len()]])
                            .collect();
                        h.bytes_concat(&zeros);
                    }
                    EdnsOption::ExtendedError {
                        info_code,
                        extra_text,
                    } => {
                        h.int(15);
                        h.bytes_concat(&[&info_code.to_be_bytes(), extra_text.as_bytes()]);
                    }
                    EdnsOption::Unknown { code, data } => {
                        h.int(u64::from(*code));
                        h.bytes(data);
                    }
                    _ => {
                        h.int(u64::from(UNREAD));
                        h.bytes(&[]);
                    }
                }
            }
            d.add(h);
        }
        d
    }

    fn record(section: u16, r: &Record) -> ItemHash {
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
                for s in &txt.strings {
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
    use hickory_proto::rr::{RData, Record};

    /// Parses `bytes` and reads every field.
    pub fn visit(bytes: &[u8]) -> Result<Digest, hickory_proto::serialize::binary::DecodeError> {
        let msg = Message::from_vec(bytes)?;
        Ok(digest(&msg))
    }

    /// Reads every field of an already parsed message.
    pub fn digest(msg: &Message) -> Digest {
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
            let mut h = ItemHash::new(0x10);
            h.name(q.name().iter());
            h.int(u64::from(u16::from(q.query_type())));
            h.int(u64::from(u16::from(q.query_class())));
            d.add(h);
            d.questions += 1;
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
            for (code, option) in edns.options().as_ref() {
                let data: &[u8] = match option {
                    hickory_proto::rr::rdata::opt::EdnsOption::Unknown(_, data) => data,
                    hickory_proto::rr::rdata::opt::EdnsOption::NSID(payload) => payload.as_ref(),
                    _ => &[],
                };
                h.int(u64::from(u16::from(*code)));
                h.bytes(data);
            }
            d.add(h);
        }
        d
    }

    fn record(section: u16, r: &Record) -> ItemHash {
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

/// domain (NLnet Labs): lazy `Message::from_octets`, then every record parsed into
/// `AllRecordData` and every name walked label by label.
pub mod domain_visit {
    use super::*;
    use domain::base::iana::Rtype;
    use domain::base::opt::UnknownOptData;
    use domain::base::{Message, ParsedName, RecordSection};
    use domain::rdata::AllRecordData;

    /// Why domain rejected a message.
    #[derive(Debug)]
    pub struct DomainError(pub String);

    type Data<'a> = AllRecordData<&'a [u8], ParsedName<&'a [u8]>>;

    /// Parses `bytes` and reads every field.
    pub fn visit(bytes: &[u8]) -> Result<Digest, DomainError> {
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
        let err = |e: domain::base::wire::ParseError| DomainError(e.to_string());
        let (questions, answer, authority, additional) = msg.sections().map_err(err)?;
        for q in questions {
            let q = q.map_err(err)?;
            let mut h = ItemHash::new(0x10);
            h.name(
                q.qname()
                    .iter()
                    .filter(|l| !l.is_root())
                    .map(|l| l.as_ref()),
            );
            h.int(u64::from(q.qtype().to_int()));
            h.int(u64::from(q.qclass().to_int()));
            d.add(h);
            d.questions += 1;
        }
        d.answers = section(&mut d, ANSWER, answer)?;
        d.authority = section(&mut d, AUTHORITY, authority)?;
        d.additional = section(&mut d, ADDITIONAL, additional)?;
        Ok(d)
    }

    fn section(
        d: &mut Digest,
        tag: u16,
        records: RecordSection<'_, &[u8]>,
    ) -> Result<usize, DomainError> {
        let mut count = 0;
        for r in records.limit_to::<Data<'_>>() {
            let r = r.map_err(|e| DomainError(e.to_string()))?;
            if r.rtype() == Rtype::OPT {
                let ttl = r.ttl().as_secs();
                let mut h = d.opt(
                    r.class().to_int(),
                    (ttl >> 24) as u8,
                    (ttl >> 16) as u8,
                    ttl as u16,
                );
                if let AllRecordData::Opt(opt) = r.data() {
                    for option in opt.iter::<UnknownOptData<&[u8]>>() {
                        let option = option.map_err(|e| DomainError(e.to_string()))?;
                        h.int(u64::from(option.code().to_int()));
                        h.bytes(option.as_slice());
                    }
                }
                d.add(h);
                continue;
            }
            count += 1;
            let mut h = record_start(
                tag,
                r.owner()
                    .iter()
                    .filter(|l| !l.is_root())
                    .map(|l| l.as_ref()),
                r.rtype().to_int(),
                r.class().to_int(),
                r.ttl().as_secs(),
            );
            match r.data() {
                AllRecordData::A(a) => h.bytes(&a.addr().octets()),
                AllRecordData::Aaaa(a) => h.bytes(&a.addr().octets()),
                AllRecordData::Ns(n) => h.name(
                    n.nsdname()
                        .iter()
                        .filter(|l| !l.is_root())
                        .map(|l| l.as_ref()),
                ),
                AllRecordData::Cname(n) => h.name(
                    n.cname()
                        .iter()
                        .filter(|l| !l.is_root())
                        .map(|l| l.as_ref()),
                ),
                AllRecordData::Ptr(n) => h.name(
                    n.ptrdname()
                        .iter()
                        .filter(|l| !l.is_root())
                        .map(|l| l.as_ref()),
                ),
                AllRecordData::Soa(soa) => {
                    h.name(
                        soa.mname()
                            .iter()
                            .filter(|l| !l.is_root())
                            .map(|l| l.as_ref()),
                    );
                    h.name(
                        soa.rname()
                            .iter()
                            .filter(|l| !l.is_root())
                            .map(|l| l.as_ref()),
                    );
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
                    h.name(
                        mx.exchange()
                            .iter()
                            .filter(|l| !l.is_root())
                            .map(|l| l.as_ref()),
                    );
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
                    h.name(
                        srv.target()
                            .iter()
                            .filter(|l| !l.is_root())
                            .map(|l| l.as_ref()),
                    );
                }
                AllRecordData::Unknown(u) => h.bytes(u.data()),
                _ => h.int(u64::from(UNREAD)),
            }
            d.add(h);
        }
        Ok(count)
    }
}
