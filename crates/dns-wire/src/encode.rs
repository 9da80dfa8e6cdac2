//! The wire-format encoder, with bounded name compression.
//!
//! Compression (RFC 1035 §4.1.4) is applied to question names, owner names and the names in
//! the record data of the RFC 1035 types NS, CNAME, PTR, SOA and MX, and nowhere else: RFC 3597
//! §4 forbids it in the data of later types, RFC 4034 in the RRSIG signer and NSEC next name,
//! RFC 2782 in the SRV target and RFC 6672 in the DNAME target.
//!
//! The compression table maps the hash of every name suffix to where it was written, so each
//! name costs one pass over its octets whatever the message looks like (no linear scan of
//! earlier names, the quadratic behaviour behind CVE-2024-8508 and RUSTSEC-2026-0119). Like
//! Unbound and hickory-proto after that CVE, the table is bounded: only the first
//! [`MAX_COMPRESSION_TARGETS`] names written in a compressible position become pointer targets;
//! later names are still looked up (constant time each) and written with a pointer when they
//! share a suffix with one of those. Pointers address offsets below 0x4000 only.
//!
//! Two modes: strict ([`Message::try_to_bytes`]) refuses a model that cannot be written
//! faithfully; lenient ([`Message::to_bytes`]) never fails: it splits over-long TXT strings at
//! 255 octets and truncates any other over-long field to its maximum length (record data of
//! TXT and OPT at the last whole string or option, so the result still parses).

use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::{BuildHasherDefault, Hasher};
use std::marker::PhantomData;

use crate::error::EncodeError;
use crate::message::{Edns, Header, Message, Question, Record};
use crate::name::Name;
use crate::rdata::RData;
use crate::types::RecordType;

/// Most names per message that become compression targets (Unbound's
/// `MAX_COMPRESSION_PER_MESSAGE`, the CVE-2024-8508 fix).
pub const MAX_COMPRESSION_TARGETS: usize = 120;

/// Highest offset a compression pointer can hold (14 bits).
const MAX_POINTER_OFFSET: usize = 0x3FFF;

/// The keys are already hashes: pass them through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed; fold anything else in anyway so the hasher stays correct.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8)) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Mixes one label (its length octet and its octets) into the hash of the suffix after it.
#[inline]
fn mix(mut h: u64, label: &[u8]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let mut chunks = label.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(26);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        // Folded octet by octet: a copy of this variable length would be a `memcpy` call, for
        // nearly every label (most are shorter than 8 octets).
        let word = tail
            .iter()
            .rev()
            .fold(0u64, |w, &b| (w << 8) | u64::from(b));
        h = (h ^ word).wrapping_mul(K).rotate_left(26);
    }
    h
}

/// A suffix already written: where, and its uncompressed octets (to rule out hash collisions).
struct Target<'a> {
    offset: u16,
    suffix: &'a [u8],
}

/// Whether the encoder refuses (strict) or repairs (lenient) what cannot be written.
pub(crate) trait Mode {
    /// [`EncodeError`] when strict, [`Infallible`] when lenient.
    type Error;
    /// Called where the model cannot be written faithfully: strict stops with the error,
    /// lenient returns `Ok` and the caller writes its best-effort repair.
    fn refuse(error: impl FnOnce() -> EncodeError) -> std::result::Result<(), Self::Error>;
}

/// Refuses what cannot be written ([`Message::try_to_bytes`]).
pub(crate) struct Strict;

/// Repairs what cannot be written ([`Message::to_bytes`]).
pub(crate) struct Lenient;

impl Mode for Strict {
    type Error = EncodeError;
    fn refuse(error: impl FnOnce() -> EncodeError) -> std::result::Result<(), EncodeError> {
        Err(error())
    }
}

impl Mode for Lenient {
    type Error = Infallible;
    fn refuse(_: impl FnOnce() -> EncodeError) -> std::result::Result<(), Infallible> {
        Ok(())
    }
}

struct Encoder<'a, M> {
    out: Vec<u8>,
    mode: PhantomData<M>,
    targets: HashMap<u64, Target<'a>, BuildHasherDefault<PassThrough>>,
    target_names: usize,
    /// Per-name scratch: each label's start and the hash of the suffix it begins.
    scratch: Vec<(usize, u64)>,
}

impl<'a, M: Mode> Encoder<'a, M> {
    fn u16(&mut self, v: u16) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_be_bytes());
    }

    /// Writes `name`, with a pointer to an earlier copy of its longest known suffix if
    /// `compress`; registers its suffixes as targets while the table has room.
    fn name(&mut self, name: &'a Name, compress: bool) {
        let wire = name.wire_without_root();
        if wire.is_empty() {
            self.out.push(0);
            return;
        }
        if !compress {
            self.out.extend_from_slice(wire);
            self.out.push(0);
            return;
        }
        // Label starts and the hash of each suffix, computed from the root up so the whole
        // name is hashed once. The scratch vector is reused from name to name.
        let mut labels = std::mem::take(&mut self.scratch);
        labels.clear();
        let mut pos = 0;
        while pos < wire.len() {
            labels.push((pos, 0u64));
            pos += 1 + usize::from(wire[pos]);
        }
        let mut h = 0x9e37_79b9_7f4a_7c15u64;
        let mut end = wire.len();
        for (start, hash) in labels.iter_mut().rev() {
            h = mix(h, &wire[*start..end]);
            *hash = h;
            end = *start;
        }
        let base = self.out.len();
        let found = labels.iter().enumerate().find_map(|(k, &(start, hash))| {
            let t = self.targets.get(&hash)?;
            (t.suffix == &wire[start..]).then_some((k, t.offset))
        });
        let written = match found {
            Some((k, offset)) => {
                self.out.extend_from_slice(&wire[..labels[k].0]);
                self.u16(0xC000 | offset);
                k
            }
            None => {
                self.out.extend_from_slice(wire);
                self.out.push(0);
                labels.len()
            }
        };
        if self.target_names < MAX_COMPRESSION_TARGETS && written > 0 {
            self.target_names += 1;
            for &(start, hash) in &labels[..written] {
                let offset = base + start;
                if offset > MAX_POINTER_OFFSET {
                    break;
                }
                self.targets.entry(hash).or_insert(Target {
                    offset: offset as u16,
                    suffix: &wire[start..],
                });
            }
        }
        self.scratch = labels;
    }

    fn header(&mut self, h: &Header, counts: [u16; 4]) {
        self.u16(h.id);
        let flags = (u16::from(h.response) << 15)
            | (u16::from(h.opcode.0 & 0x0F) << 11)
            | (u16::from(h.authoritative) << 10)
            | (u16::from(h.truncated) << 9)
            | (u16::from(h.recursion_desired) << 8)
            | (u16::from(h.recursion_available) << 7)
            | (u16::from(h.z) << 6)
            | (u16::from(h.authentic_data) << 5)
            | (u16::from(h.checking_disabled) << 4)
            | u16::from(h.rcode_low & 0x0F);
        self.u16(flags);
        for c in counts {
            self.u16(c);
        }
    }

    fn question(&mut self, q: &'a Question) {
        self.name(&q.name, true);
        self.u16(q.qtype.0);
        self.u16(q.qclass.0);
    }

    /// A length octet and the octets; over 255 is refused (strict) or truncated (lenient).
    fn character_string(
        &mut self,
        s: &[u8],
        what: impl FnOnce() -> EncodeError,
    ) -> Result<(), M::Error> {
        let s = if s.len() > 255 {
            M::refuse(what)?;
            &s[..255]
        } else {
            s
        };
        self.out.push(s.len() as u8);
        self.out.extend_from_slice(s);
        Ok(())
    }

    fn record(&mut self, r: &'a Record) -> Result<(), M::Error> {
        self.name(&r.name, true);
        let rtype = r.rtype();
        self.u16(rtype.0);
        self.u16(r.class.0);
        self.u32(r.ttl);
        let len_at = self.out.len();
        self.u16(0);
        self.rdata(r)?;
        let len = self.out.len() - len_at - 2;
        if len > usize::from(u16::MAX) {
            M::refuse(|| EncodeError::RdataTooLong {
                owner: r.name.to_string(),
                rtype,
                len,
            })?;
            // Cut at a field boundary where the type has them, so the record still parses.
            let data = &self.out[len_at + 2..];
            let keep = match r.data {
                RData::Txt(_) => boundary_within(data, 1, 0),
                _ => usize::from(u16::MAX),
            };
            self.out.truncate(len_at + 2 + keep);
        }
        let len = (self.out.len() - len_at - 2) as u16;
        self.out[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    fn rdata(&mut self, r: &'a Record) -> Result<(), M::Error> {
        let field_too_long = |field: &'static str, len: usize| {
            move || EncodeError::FieldTooLong {
                owner: r.name.to_string(),
                rtype: r.rtype(),
                field,
                len,
            }
        };
        match &r.data {
            RData::A(a) => self.out.extend_from_slice(&a.octets()),
            RData::Aaaa(a) => self.out.extend_from_slice(&a.octets()),
            RData::Ns(n) | RData::Cname(n) | RData::Ptr(n) => self.name(n, true),
            RData::Dname(n) => self.name(n, false),
            RData::Soa(soa) => {
                self.name(&soa.mname, true);
                self.name(&soa.rname, true);
                for v in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] {
                    self.u32(v);
                }
            }
            RData::Mx(mx) => {
                self.u16(mx.preference);
                self.name(&mx.exchange, true);
            }
            // Strings of at most 255 octets are stored in wire form already.
            RData::Txt(txt) if txt.wire().is_some() => {
                self.out.extend_from_slice(txt.wire().unwrap_or_default());
            }
            RData::Txt(txt) => {
                for s in txt.strings() {
                    if s.len() > 255 {
                        M::refuse(|| EncodeError::TxtStringTooLong {
                            owner: r.name.to_string(),
                            len: s.len(),
                        })?;
                        // Splitting keeps the concatenation, which is what TXT users such as
                        // DKIM (RFC 6376 §3.6.2.2) read.
                        for chunk in s.chunks(255) {
                            self.out.push(chunk.len() as u8);
                            self.out.extend_from_slice(chunk);
                        }
                    } else {
                        self.out.push(s.len() as u8);
                        self.out.extend_from_slice(s);
                    }
                }
            }
            RData::Srv(srv) => {
                self.u16(srv.priority);
                self.u16(srv.weight);
                self.u16(srv.port);
                self.name(&srv.target, false);
            }
            RData::Caa(caa) => {
                self.out.push(caa.flags);
                self.character_string(&caa.tag, field_too_long("tag", caa.tag.len()))?;
                self.out.extend_from_slice(&caa.value);
            }
            RData::Ds(ds) => {
                self.u16(ds.key_tag);
                self.out.push(ds.algorithm);
                self.out.push(ds.digest_type);
                self.out.extend_from_slice(&ds.digest);
            }
            RData::Dnskey(key) => {
                self.u16(key.flags);
                self.out.push(key.protocol);
                self.out.push(key.algorithm);
                self.out.extend_from_slice(&key.public_key);
            }
            RData::Rrsig(sig) => {
                self.u16(sig.type_covered.0);
                self.out.push(sig.algorithm);
                self.out.push(sig.labels);
                self.u32(sig.original_ttl);
                self.u32(sig.expiration);
                self.u32(sig.inception);
                self.u16(sig.key_tag);
                self.name(&sig.signer, false);
                self.out.extend_from_slice(&sig.signature);
            }
            RData::Nsec(nsec) => {
                self.name(&nsec.next, false);
                type_bitmap(&mut self.out, &nsec.types);
            }
            RData::Nsec3(n3) => {
                self.out.push(n3.hash_algorithm);
                self.out.push(n3.flags);
                self.u16(n3.iterations);
                self.character_string(&n3.salt, field_too_long("salt", n3.salt.len()))?;
                self.character_string(
                    &n3.next_hashed_owner,
                    field_too_long("next hashed owner", n3.next_hashed_owner.len()),
                )?;
                type_bitmap(&mut self.out, &n3.types);
            }
            RData::Nsec3param(p) => {
                self.out.push(p.hash_algorithm);
                self.out.push(p.flags);
                self.u16(p.iterations);
                self.character_string(&p.salt, field_too_long("salt", p.salt.len()))?;
            }
            RData::Unknown { data, .. } => self.out.extend_from_slice(data),
        }
        Ok(())
    }

    fn opt(&mut self, edns: &Edns) -> Result<(), M::Error> {
        self.out.push(0); // root owner
        self.u16(RecordType::OPT.0);
        self.u16(edns.udp_payload_size);
        let ttl = (u32::from(edns.extended_rcode) << 24)
            | (u32::from(edns.version) << 16)
            | (u32::from(edns.dnssec_ok) << 15)
            | u32::from(edns.other_flags & 0x7FFF);
        self.u32(ttl);
        let len_at = self.out.len();
        self.u16(0);
        // Each option is whole and at most 65535 octets (`EdnsOptions::push` refuses more).
        self.out.extend_from_slice(edns.options.wire());
        let len = self.out.len() - len_at - 2;
        if len > usize::from(u16::MAX) {
            M::refuse(|| EncodeError::RdataTooLong {
                owner: ".".to_string(),
                rtype: RecordType::OPT,
                len,
            })?;
            // Keep whole options only, so the OPT record still parses.
            let keep = boundary_within(&self.out[len_at + 2..], 2, 2);
            self.out.truncate(len_at + 2 + keep);
        }
        let len = (self.out.len() - len_at - 2) as u16;
        self.out[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }
}

/// The longest prefix of `data`, at most 65535 octets, made of whole length-prefixed items:
/// each item is `skip` octets, a `width`-octet big-endian length, then that many octets
/// (TXT character-strings: 0 and 1; EDNS options: 2 and 2).
fn boundary_within(data: &[u8], width: usize, skip: usize) -> usize {
    let limit = data.len().min(usize::from(u16::MAX));
    let mut pos = 0;
    while let Some(len) = data.get(pos + skip..pos + skip + width) {
        let len = len
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let next = pos + skip + width + len;
        if next > limit {
            break;
        }
        pos = next;
    }
    pos
}

/// Writes an NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2); order and duplicates in `types` do not
/// matter, the bitmap is canonical.
fn type_bitmap(out: &mut Vec<u8>, types: &[RecordType]) {
    let mut sorted: Vec<u16> = types.iter().map(|t| t.0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut k = 0;
    while k < sorted.len() {
        let window = (sorted[k] >> 8) as u8;
        let mut bits = [0u8; 32];
        let mut used = 0;
        while k < sorted.len() && (sorted[k] >> 8) as u8 == window {
            let low = (sorted[k] & 0xFF) as usize;
            bits[low / 8] |= 0x80 >> (low % 8);
            used = low / 8 + 1;
            k += 1;
        }
        out.push(window);
        out.push(used as u8);
        out.extend_from_slice(&bits[..used]);
    }
}

/// The record data of `data` in DNSSEC canonical form (RFC 4034 §6.2): no name compressed,
/// and the names in the data of NS, CNAME, DNAME, PTR, SOA, MX, SRV and RRSIG in lower case.
/// The NSEC next name keeps its case (RFC 6840 §5.1 removed NSEC from the RFC 4034 list);
/// types the crate keeps as raw octets are written as they are, which RFC 3597 §7 requires
/// for types defined after it (the older types RFC 4034 lists that this crate does not model,
/// such as NAPTR or RP, are kept as received). Over-long fields are cut as [`Message::to_bytes`]
/// cuts them.
pub fn canonical_rdata(data: &RData) -> Vec<u8> {
    let lower = match data {
        RData::Ns(n) => Some(RData::Ns(n.to_lowercase())),
        RData::Cname(n) => Some(RData::Cname(n.to_lowercase())),
        RData::Dname(n) => Some(RData::Dname(n.to_lowercase())),
        RData::Ptr(n) => Some(RData::Ptr(n.to_lowercase())),
        RData::Soa(soa) => Some(RData::Soa(crate::rdata::Soa {
            mname: soa.mname.to_lowercase(),
            rname: soa.rname.to_lowercase(),
            ..soa.clone()
        })),
        RData::Mx(mx) => Some(RData::Mx(crate::rdata::Mx {
            preference: mx.preference,
            exchange: mx.exchange.to_lowercase(),
        })),
        RData::Srv(srv) => Some(RData::Srv(crate::rdata::Srv {
            target: srv.target.to_lowercase(),
            ..srv.clone()
        })),
        RData::Rrsig(sig) => Some(RData::Rrsig(crate::rdata::Rrsig {
            signer: sig.signer.to_lowercase(),
            ..sig.clone()
        })),
        _ => None,
    };
    let record = Record::new(Name::root(), 0, lower.unwrap_or_else(|| data.clone()));
    let mut enc = Encoder::<Lenient> {
        out: Vec::with_capacity(64),
        mode: PhantomData,
        targets: HashMap::default(),
        // A full table: no name becomes a compression target, so none is compressed.
        target_names: MAX_COMPRESSION_TARGETS,
        scratch: Vec::new(),
    };
    match enc.rdata(&record) {
        Ok(()) => {}
        Err(never) => match never {},
    }
    enc.out.truncate(usize::from(u16::MAX));
    enc.out
}

/// Section lengths as header counts; over 65535 entries is refused (strict) or cut (lenient).
fn section_len<M: Mode>(len: usize, section: &'static str) -> Result<u16, M::Error> {
    match u16::try_from(len) {
        Ok(n) => Ok(n),
        Err(_) => {
            M::refuse(|| EncodeError::TooManyEntries {
                section,
                count: len,
            })?;
            Ok(u16::MAX)
        }
    }
}

/// Encodes `msg`; see the module documentation for the two modes.
pub(crate) fn encode_message<M: Mode>(msg: &Message) -> Result<Vec<u8>, M::Error> {
    let additional_len = msg.additional.len() + usize::from(msg.edns.is_some());
    let counts = [
        section_len::<M>(msg.questions.len(), "question")?,
        section_len::<M>(msg.answers.len(), "answer")?,
        section_len::<M>(msg.authority.len(), "authority")?,
        section_len::<M>(additional_len, "additional")?,
    ];
    let mut enc = Encoder::<M> {
        out: Vec::with_capacity(512),
        mode: PhantomData,
        targets: HashMap::default(),
        target_names: 0,
        scratch: Vec::with_capacity(16),
    };
    enc.header(&msg.header, counts);
    for q in msg.questions.iter().take(counts[0].into()) {
        enc.question(q);
    }
    for r in msg.answers.iter().take(counts[1].into()) {
        enc.record(r)?;
    }
    for r in msg.authority.iter().take(counts[2].into()) {
        enc.record(r)?;
    }
    // OPT goes last, where BIND, Unbound and hickory-proto put it.
    let room = usize::from(counts[3]) - usize::from(msg.edns.is_some());
    for r in msg.additional.iter().take(room) {
        enc.record(r)?;
    }
    if let Some(edns) = &msg.edns {
        enc.opt(edns)?;
    }
    if enc.out.len() > usize::from(u16::MAX) {
        // Lenient mode keeps the message: its length only matters to the transport.
        M::refuse(|| EncodeError::MessageTooLong { len: enc.out.len() })?;
    }
    Ok(enc.out)
}
