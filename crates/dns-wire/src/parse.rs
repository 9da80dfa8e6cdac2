//! The wire-format parser, written by hand on top of `nom` 8.
//!
//! Every parser here is a `nom` parser over [`Wire`], a cursor that remembers the whole message
//! (compression pointers may point anywhere before the name) and the absolute offset (so every
//! [`ParseError`] says at which byte the problem is). [`ParseError`] implements
//! [`nom::error::ParseError`], so these parsers compose with `nom`'s combinators.
//!
//! What the parser refuses, and why:
//! - compression pointers must point strictly before the start of the label run that contains
//!   them, and a name may follow at most [`MAX_POINTER_HOPS`] of them: no loops, no quadratic
//!   walks, and names are decoded by a loop, never by recursion;
//! - labels of the reserved types `01` and `10`, names over 255 octets;
//! - record data whose type consumed fewer or more octets than rdlength says;
//! - a second OPT record, an OPT record not owned by the root or outside the additional section;
//! - bytes after the last section ([`Message::from_bytes`]); use [`Message::from_bytes_prefix`]
//!   to accept them and learn where the message ended.
//!
//! Compressed names are decompressed in the record data of the RFC 1035 types (NS, CNAME, PTR,
//! SOA, MX), which RFC 3597 §4 says receivers MUST do, and are also tolerated in SRV (RFC 3597 §4
//! says SHOULD, because RFC 2052 mandated compression), DNAME (RFC 6672 §2.5 says to decompress
//! on receipt) and the RRSIG signer and NSEC next name (RFC 4034 forbids senders to compress
//! them; accepting them costs nothing and the encoder writes them back uncompressed). Record data
//! of any other type is never interpreted, so a pointer inside it is kept as opaque bytes,
//! which is why RFC 3597 forbids compression there.
//!
//! Section counts from the header are never trusted for allocation: vectors are reserved for
//! at most as many entries as the remaining bytes could hold.

use std::iter::{Copied, Enumerate};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::slice::Iter;

use nom::{IResult, Needed};

use crate::error::{ParseError, ParseErrorKind};
use crate::message::{Edns, EdnsOptions, Header, Message, Question, Questions, Record};
use crate::name::Name;
use crate::rdata::RData;
use crate::types::{Class, Opcode, RecordType};
use crate::view::{EdnsView, NameView, RDataView, TxtView, TypeBitmap};

/// Most compression pointers a single name may follow. A name has at most 127 labels, so a
/// well-formed name never needs more than 127 hops; the limit bounds work even though the
/// strictly-backwards rule alone already rules out loops.
pub const MAX_POINTER_HOPS: usize = 127;

/// Smallest record on the wire: root owner (1) + type, class, TTL, rdlength (10).
const MIN_RECORD_LEN: usize = 11;
/// Smallest question on the wire: root name (1) + type, class (4).
const MIN_QUESTION_LEN: usize = 5;

/// A position in a DNS message: the whole message (for compression pointers) and the window
/// `[pos, end)` still to be read. It implements [`nom::Input`], so `nom`'s byte-level
/// combinators work on it, and its [`offset`](Wire::offset) is absolute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire<'a> {
    msg: &'a [u8],
    pos: usize,
    end: usize,
}

/// Result type of the parsers in this module.
pub type WireResult<'a, T> = IResult<Wire<'a>, T, ParseError>;

impl<'a> Wire<'a> {
    /// A cursor at the start of `msg`.
    pub fn new(msg: &'a [u8]) -> Self {
        Wire {
            msg,
            pos: 0,
            end: msg.len(),
        }
    }

    /// Absolute offset of the cursor from the start of the message.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The bytes still to be read in this window.
    pub fn as_bytes(&self) -> &'a [u8] {
        &self.msg[self.pos..self.end]
    }

    /// The whole message this cursor reads from.
    pub fn message(&self) -> &'a [u8] {
        self.msg
    }

    fn remaining(&self) -> usize {
        self.end - self.pos
    }

    fn error<T>(&self, kind: ParseErrorKind) -> WireResult<'a, T> {
        Err(nom::Err::Error(ParseError::new(kind, self.pos)))
    }

    /// The cursor after the 12-octet header (or at the end of a shorter message).
    pub(crate) fn skip_header(self) -> Wire<'a> {
        self.advance(self.remaining().min(12))
    }

    #[inline]
    fn advance(self, n: usize) -> Wire<'a> {
        Wire {
            pos: self.pos + n,
            ..self
        }
    }
}

impl<'a> nom::Input for Wire<'a> {
    type Item = u8;
    type Iter = Copied<Iter<'a, u8>>;
    type IterIndices = Enumerate<Copied<Iter<'a, u8>>>;

    fn input_len(&self) -> usize {
        self.remaining()
    }

    fn take(&self, index: usize) -> Self {
        assert!(index <= self.remaining(), "take beyond the window");
        Wire {
            end: self.pos + index,
            ..*self
        }
    }

    fn take_from(&self, index: usize) -> Self {
        assert!(index <= self.remaining(), "take_from beyond the window");
        self.advance(index)
    }

    fn take_split(&self, index: usize) -> (Self, Self) {
        (self.take_from(index), self.take(index))
    }

    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(u8) -> bool,
    {
        self.as_bytes().iter().position(|&b| predicate(b))
    }

    fn iter_elements(&self) -> Self::Iter {
        self.as_bytes().iter().copied()
    }

    fn iter_indices(&self) -> Self::IterIndices {
        self.iter_elements().enumerate()
    }

    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        if self.remaining() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.remaining()))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Primitives. Hand-rolled instead of `nom::number::complete::be_u16` because they sit in the
// innermost loop; they behave exactly like their nom counterparts (an `Error` on short input).

#[inline]
fn take_array<const N: usize>(input: Wire<'_>) -> WireResult<'_, [u8; N]> {
    match input.as_bytes().first_chunk::<N>() {
        Some(bytes) => Ok((input.advance(N), *bytes)),
        None => input.error(ParseErrorKind::Truncated),
    }
}

/// One octet.
#[inline]
pub fn u8_(input: Wire<'_>) -> WireResult<'_, u8> {
    take_array::<1>(input).map(|(i, b)| (i, b[0]))
}

/// A big-endian 16-bit integer.
#[inline]
pub fn u16_(input: Wire<'_>) -> WireResult<'_, u16> {
    take_array::<2>(input).map(|(i, b)| (i, u16::from_be_bytes(b)))
}

/// A big-endian 32-bit integer.
#[inline]
pub fn u32_(input: Wire<'_>) -> WireResult<'_, u32> {
    take_array::<4>(input).map(|(i, b)| (i, u32::from_be_bytes(b)))
}

/// `n` octets.
#[inline]
pub fn bytes(n: usize) -> impl Fn(Wire<'_>) -> WireResult<'_, &[u8]> {
    move |input: Wire<'_>| {
        if input.remaining() < n {
            return input.error(ParseErrorKind::Truncated);
        }
        let slice = &input.msg[input.pos..input.pos + n];
        Ok((input.advance(n), slice))
    }
}

/// The rest of the window.
#[inline]
fn rest(input: Wire<'_>) -> WireResult<'_, &[u8]> {
    Ok((input.advance(input.remaining()), input.as_bytes()))
}

/// A length-prefixed string: one length octet, then that many octets (RFC 1035
/// `<character-string>`, also the NSEC3 salt and hash).
#[inline]
pub fn character_string(input: Wire<'_>) -> WireResult<'_, &[u8]> {
    let (input, len) = u8_(input)?;
    bytes(len as usize)(input)
}

// ---------------------------------------------------------------------------------------------
// Names

/// Labels are copied in fixed 64-octet blocks (a few vector moves instead of a `memcpy`
/// call), so the decode buffer has this much slack after the longest name.
const BLOCK: usize = 64;
/// Shorter labels near the end of the message, where no 64-octet block is left to read,
/// are copied in blocks of this size.
const SMALL_BLOCK: usize = 16;
/// Decode buffer: 254 octets (the longest name without its root label) plus the slack.
const DECODE_BUF: usize = crate::MAX_NAME_LEN - 1 + BLOCK;

/// A domain name, following compression pointers (strictly backwards, at most
/// [`MAX_POINTER_HOPS`]). The cursor ends after the name's first pointer or its root label.
pub fn name(input: Wire<'_>) -> WireResult<'_, Name> {
    name_in(input, &mut Names::new())
}

/// What decoding names needs, kept for a whole message.
pub(crate) struct Names {
    /// Where every name of the message is decoded before it is stored: zeroed once per
    /// message, not once per name.
    buf: [u8; DECODE_BUF],
}

impl Names {
    fn new() -> Self {
        Names {
            buf: [0; DECODE_BUF],
        }
    }
}

/// Decodes a name and stores it: inline when it is short, otherwise in an exact-size heap
/// copy of its own (see `namebuf` for why not one shared buffer per message).
#[inline]
fn name_in<'a>(input: Wire<'a>, names: &mut Names) -> WireResult<'a, Name> {
    let (len, next) = decode_name(input, &mut names.buf)?;
    Ok((
        Wire { pos: next, ..input },
        Name::from_decode_buffer(&names.buf, len),
    ))
}

/// How the record data parser reads the names in it: decoded into a [`Name`] (the owned
/// model, [`Names`]) or checked and kept where they are ([`NameView`], [`InPlace`]). One
/// parser for both, so the two read exactly the same messages.
pub(crate) trait NameReader<'a> {
    /// What a name becomes.
    type Name;
    /// What record data becomes.
    type RData;
    /// Reads the name at the cursor, with every rule of [`name`].
    fn name(&mut self, input: Wire<'a>) -> WireResult<'a, Self::Name>;
    /// Turns record data just read into [`Self::RData`]. Called where each variant is built,
    /// so once inlined the conversion to the owned model is a direct construction.
    fn finish(data: RDataView<'a, Self::Name>) -> Self::RData;
}

impl<'a> NameReader<'a> for Names {
    type Name = Name;
    type RData = RData;

    #[inline(always)]
    fn finish(data: RDataView<'a, Name>) -> RData {
        data.into_rdata()
    }

    #[inline(always)]
    fn name(&mut self, input: Wire<'a>) -> WireResult<'a, Name> {
        name_in(input, self)
    }
}

/// Names checked with every rule of [`name`] and left in the message ([`NameView`]).
pub(crate) struct InPlace;

impl<'a> NameReader<'a> for InPlace {
    type Name = NameView<'a>;
    type RData = RDataView<'a>;

    #[inline(always)]
    fn finish(data: RDataView<'a>) -> RDataView<'a> {
        data
    }

    #[inline(always)]
    fn name(&mut self, input: Wire<'a>) -> WireResult<'a, NameView<'a>> {
        let (len, next) = decode_name(input, &mut ())?;
        Ok((
            Wire { pos: next, ..input },
            NameView::checked(input.msg, input.pos, len),
        ))
    }
}

/// Where [`decode_name`] puts the labels it reads: the decode buffer, or nowhere (`()`, for a
/// name only checked).
trait LabelSink {
    /// Stores the label (with its length octet) of `n` octets at the start of `src` at `at`.
    fn copy(&mut self, at: usize, src: &[u8], n: usize);
}

impl LabelSink for [u8; DECODE_BUF] {
    #[inline(always)]
    fn copy(&mut self, at: usize, src: &[u8], n: usize) {
        copy_label(self, at, src, n);
    }
}

impl LabelSink for () {
    #[inline(always)]
    fn copy(&mut self, _: usize, _: &[u8], _: usize) {}
}

/// Decodes the name at the cursor into `buf` (labels with their length octets, no root
/// label); returns its length and the offset after the name (after its first pointer or its
/// root label). A name over 255 octets is an error.
#[inline(always)]
fn decode_name(
    input: Wire<'_>,
    buf: &mut impl LabelSink,
) -> Result<(usize, usize), nom::Err<ParseError>> {
    let fail = |kind, at| Err(nom::Err::Error(ParseError::new(kind, at)));
    let msg = input.msg;
    // Octets decoded so far.
    let mut len = 0;
    // Next octet to read.
    let mut pos = input.pos;
    // End of the current run of labels: the window for the first, the message for followed
    // ones.
    let mut limit = input.end;
    // Start of the current run; a pointer must target an offset before it.
    let mut segment_start = input.pos;
    // Where the cursor continues once a pointer is seen.
    let mut after = None;
    let mut hops = 0;
    loop {
        let Some(&byte) = msg[..limit].get(pos) else {
            return fail(ParseErrorKind::Truncated, pos.min(limit));
        };
        match byte {
            0 => return Ok((len, after.unwrap_or(pos + 1))),
            1..=63 => {
                let label_len = usize::from(byte);
                let end = pos + 1 + label_len;
                if end > limit {
                    return fail(ParseErrorKind::Truncated, limit);
                }
                // len + label + final root octet must fit in 255.
                if len + 1 + label_len + 1 > crate::MAX_NAME_LEN {
                    return fail(ParseErrorKind::NameTooLong, pos);
                }
                buf.copy(len, &msg[pos..], 1 + label_len);
                len += 1 + label_len;
                pos = end;
            }
            0xC0..=0xFF => {
                let Some(&low) = msg[..limit].get(pos + 1) else {
                    return fail(ParseErrorKind::Truncated, limit);
                };
                let target = (u16::from(byte & 0x3F) << 8) | u16::from(low);
                let t = usize::from(target);
                if t >= segment_start {
                    let kind = if t <= pos {
                        ParseErrorKind::PointerLoop { target }
                    } else {
                        ParseErrorKind::PointerForward { target }
                    };
                    return fail(kind, pos);
                }
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return fail(ParseErrorKind::TooManyPointers, pos);
                }
                if after.is_none() {
                    after = Some(pos + 2);
                }
                segment_start = t;
                pos = t;
                limit = msg.len();
            }
            _ => return fail(ParseErrorKind::BadLabelType { byte }, pos),
        }
    }
}

/// Copies the first `n` octets of `src` (a label and its length octet, at most 64) to `at`
/// in `buf`, where `at + n` is at most 254. Octets past `n` may be overwritten: the caller
/// only ever reads the first `at + n`.
///
/// The copies are written as 16-octet integer moves on purpose: written as array or slice
/// copies, the compiler merges the branches into one `memcpy` call of variable size.
#[inline(always)]
fn copy_label(buf: &mut [u8; DECODE_BUF], at: usize, src: &[u8], n: usize) {
    // `at` is at most 253, so the buffer always holds a whole block there.
    let Some(dst) = buf.get_mut(at..at + BLOCK) else {
        return;
    };
    // Most labels are under 16 octets: one move.
    if n <= SMALL_BLOCK && src.len() >= SMALL_BLOCK {
        move16(dst, src);
    } else if src.len() >= BLOCK {
        for k in (0..BLOCK).step_by(SMALL_BLOCK) {
            move16(&mut dst[k..], &src[k..]);
        }
    } else if let (Some(d), Some(s)) = (dst.get_mut(..n), src.get(..n)) {
        d.copy_from_slice(s);
    }
}

/// Copies the first 16 octets of `src` to `dst` as one integer move; both hold that many.
#[inline(always)]
fn move16(dst: &mut [u8], src: &[u8]) {
    if let (Some(d), Some(s)) = (
        dst.first_chunk_mut::<SMALL_BLOCK>(),
        src.first_chunk::<SMALL_BLOCK>(),
    ) {
        *d = u128::from_ne_bytes(*s).to_ne_bytes();
    }
}

// ---------------------------------------------------------------------------------------------
// Header, question, record

/// The 12-octet header and the four section counts (QD, AN, NS, AR).
pub fn header(input: Wire<'_>) -> WireResult<'_, (Header, [u16; 4])> {
    let (input, b) = take_array::<12>(input)?;
    let flags = u16::from_be_bytes([b[2], b[3]]);
    let header = Header {
        id: u16::from_be_bytes([b[0], b[1]]),
        response: flags & 0x8000 != 0,
        opcode: Opcode(((flags >> 11) & 0x0F) as u8),
        authoritative: flags & 0x0400 != 0,
        truncated: flags & 0x0200 != 0,
        recursion_desired: flags & 0x0100 != 0,
        recursion_available: flags & 0x0080 != 0,
        z: flags & 0x0040 != 0,
        authentic_data: flags & 0x0020 != 0,
        checking_disabled: flags & 0x0010 != 0,
        rcode_low: (flags & 0x0F) as u8,
    };
    let counts = [
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]),
        u16::from_be_bytes([b[8], b[9]]),
        u16::from_be_bytes([b[10], b[11]]),
    ];
    Ok((input, (header, counts)))
}

/// One question.
pub fn question(input: Wire<'_>) -> WireResult<'_, Question> {
    question_in(input, &mut Names::new())
}

fn question_in<'a>(input: Wire<'a>, names: &mut Names) -> WireResult<'a, Question> {
    let (input, (name, qtype, qclass)) = question_with(input, names)?;
    Ok((
        input,
        Question {
            name,
            qtype,
            qclass,
        },
    ))
}

/// A question's name (read by `names`), type and class.
#[inline(always)]
pub(crate) fn question_with<'a, R: NameReader<'a>>(
    input: Wire<'a>,
    names: &mut R,
) -> WireResult<'a, (R::Name, RecordType, Class)> {
    let (input, name) = names.name(input)?;
    let (input, t) = take_array::<4>(input)?;
    let qtype = RecordType(u16::from_be_bytes([t[0], t[1]]));
    Ok((
        input,
        (name, qtype, Class(u16::from_be_bytes([t[2], t[3]]))),
    ))
}

/// Where a parsed record goes: the section being read, and for the additional section the
/// slot OPT is lifted into (`None` elsewhere, where OPT is refused).
struct Sink<'s> {
    records: &'s mut Vec<Record>,
    /// For the additional section, entries to reserve when its first record arrives:
    /// reserving up front would allocate for most responses, whose only additional record
    /// is OPT. The other sections reserve up front (see `LAZY` in [`record_into`]).
    reserve: usize,
    edns: Option<&'s mut Option<Edns>>,
    names: &'s mut Names,
}

/// A record's owner, fixed fields and rdata window, before its data is read.
pub(crate) struct RecordHead<'a, N> {
    /// The owner name.
    pub(crate) owner: N,
    /// Where the owner starts (OPT errors are reported there).
    pub(crate) owner_at: usize,
    pub(crate) rtype: RecordType,
    pub(crate) class: u16,
    pub(crate) ttl: u32,
    /// Exactly the rdata.
    pub(crate) rdata: Wire<'a>,
    /// The cursor after the record.
    pub(crate) after: Wire<'a>,
}

/// Reads a record's owner (with `names`), type, class, TTL and rdlength, and checks the rdata
/// is there.
#[inline(always)]
pub(crate) fn record_head<'a, R: NameReader<'a>>(
    input: Wire<'a>,
    names: &mut R,
) -> Result<RecordHead<'a, R::Name>, nom::Err<ParseError>> {
    let owner_at = input.pos;
    let (input, owner) = names.name(input)?;
    let (input, f) = take_array::<10>(input)?;
    let rdlength = u16::from_be_bytes([f[8], f[9]]) as usize;
    if input.remaining() < rdlength {
        return Err(nom::Err::Error(ParseError::new(
            ParseErrorKind::Truncated,
            input.pos,
        )));
    }
    Ok(RecordHead {
        owner,
        owner_at,
        rtype: RecordType(u16::from_be_bytes([f[0], f[1]])),
        class: u16::from_be_bytes([f[2], f[3]]),
        ttl: u32::from_be_bytes([f[4], f[5], f[6], f[7]]),
        rdata: Wire {
            end: input.pos + rdlength,
            ..input
        },
        after: input.advance(rdlength),
    })
}

/// The rules for an OPT record (RFC 6891 §6.1.1): in the additional section, owned by the
/// root, at most one.
#[inline]
pub(crate) fn check_opt<N>(
    head: &RecordHead<'_, N>,
    in_additional: bool,
    seen: bool,
    owner_is_root: bool,
) -> Result<(), nom::Err<ParseError>> {
    let kind = if !in_additional {
        ParseErrorKind::OptOutsideAdditional
    } else if !owner_is_root {
        ParseErrorKind::OptNotRoot
    } else if seen {
        ParseErrorKind::DuplicateOpt
    } else {
        return Ok(());
    };
    Err(nom::Err::Error(ParseError::new(kind, head.owner_at)))
}

/// Parses one resource record and pushes it into `sink`. Records are large (two names for a
/// SOA), so they are built where they are stored rather than returned through the layers of
/// `Result`s.
#[inline(always)]
fn record_into<'a, const LAZY: bool>(
    input: Wire<'a>,
    sink: &mut Sink<'_>,
) -> Result<Wire<'a>, nom::Err<ParseError>> {
    let head = record_head(input, sink.names)?;
    if head.rtype == RecordType::OPT {
        let seen = sink.edns.as_deref().is_some_and(Option::is_some);
        check_opt(&head, sink.edns.is_some(), seen, head.owner.is_root())?;
        if let Some(slot) = sink.edns.as_deref_mut() {
            *slot = Some(edns(head.rdata, head.class, head.ttl)?.to_edns());
        }
        return Ok(head.after);
    }
    let data = rdata_in(head.rdata, head.rtype, sink.names)?;
    // A const parameter, so the answer and authority loops carry no extra branch per record.
    if LAZY && sink.records.capacity() == 0 {
        sink.records.reserve_exact(sink.reserve.max(1));
    }
    sink.records.push(Record {
        name: head.owner,
        class: Class(head.class),
        ttl: head.ttl,
        data,
    });
    Ok(head.after)
}

/// One resource record of the answer or authority section (OPT is refused: it belongs in
/// the additional section, where [`message`] lifts it into [`Message::edns`]).
pub fn record(input: Wire<'_>) -> WireResult<'_, Record> {
    let at = input.pos;
    let mut records = Vec::new();
    let mut sink = Sink {
        records: &mut records,
        reserve: 1,
        edns: None,
        names: &mut Names::new(),
    };
    let rest = record_into::<true>(input, &mut sink)?;
    match records.pop() {
        Some(record) => Ok((rest, record)),
        // record_into either pushes a record or fails for OPT; keep a typed error regardless.
        None => Err(nom::Err::Error(ParseError::new(
            ParseErrorKind::OptOutsideAdditional,
            at,
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Record data

/// Runs `f` over the whole rdata window and checks it consumed exactly the window.
#[inline]
fn exact<'a, T>(
    window: Wire<'a>,
    rtype: RecordType,
    f: impl FnOnce(Wire<'a>) -> WireResult<'a, T>,
) -> Result<T, nom::Err<ParseError>> {
    match f(window) {
        Ok((rest, value)) => {
            if rest.remaining() != 0 {
                return Err(nom::Err::Error(ParseError::new(
                    ParseErrorKind::RdataUnderrun {
                        rtype,
                        unused: rest.remaining() as u16,
                    },
                    rest.pos,
                )));
            }
            Ok(value)
        }
        // Running out of the window is rdlength being too small for the type's fields.
        Err(nom::Err::Error(e)) if e.kind == ParseErrorKind::Truncated => Err(nom::Err::Error(
            ParseError::new(ParseErrorKind::RdataOverrun { rtype }, e.offset),
        )),
        Err(e) => Err(e),
    }
}

/// The record data of type `rtype`; the window must be exactly the rdata.
pub fn rdata(window: Wire<'_>, rtype: RecordType) -> Result<RData, nom::Err<ParseError>> {
    rdata_in(window, rtype, &mut Names::new())
}

#[inline(always)]
fn rdata_in(
    window: Wire<'_>,
    rtype: RecordType,
    names: &mut Names,
) -> Result<RData, nom::Err<ParseError>> {
    read_rdata(window, rtype, names)
}

/// The record data of type `rtype`, names read by `names`, octet strings borrowed; the window
/// must be exactly the rdata. The owned model and [`MessageView`](crate::MessageView) are both
/// read by this function.
#[inline(always)]
pub(crate) fn read_rdata<'a, R: NameReader<'a>>(
    window: Wire<'a>,
    rtype: RecordType,
    names: &mut R,
) -> Result<R::RData, nom::Err<ParseError>> {
    let done = R::finish;
    match rtype {
        RecordType::A => exact(window, rtype, |i| {
            take_array::<4>(i).map(|(i, b)| (i, done(RDataView::A(Ipv4Addr::from(b)))))
        }),
        RecordType::AAAA => exact(window, rtype, |i| {
            take_array::<16>(i).map(|(i, b)| (i, done(RDataView::Aaaa(Ipv6Addr::from(b)))))
        }),
        RecordType::NS => exact(window, rtype, |i| {
            names.name(i).map(|(i, n)| (i, done(RDataView::Ns(n))))
        }),
        RecordType::CNAME => exact(window, rtype, |i| {
            names.name(i).map(|(i, n)| (i, done(RDataView::Cname(n))))
        }),
        RecordType::DNAME => exact(window, rtype, |i| {
            names.name(i).map(|(i, n)| (i, done(RDataView::Dname(n))))
        }),
        RecordType::PTR => exact(window, rtype, |i| {
            names.name(i).map(|(i, n)| (i, done(RDataView::Ptr(n))))
        }),
        RecordType::SOA => exact(window, rtype, |i| {
            let (i, mname) = names.name(i)?;
            let (i, rname) = names.name(i)?;
            let (i, f) = take_array::<20>(i)?;
            let word = |k: usize| u32::from_be_bytes([f[k], f[k + 1], f[k + 2], f[k + 3]]);
            Ok((
                i,
                done(RDataView::Soa {
                    mname,
                    rname,
                    serial: word(0),
                    refresh: word(4),
                    retry: word(8),
                    expire: word(12),
                    minimum: word(16),
                }),
            ))
        }),
        RecordType::MX => exact(window, rtype, |i| {
            let (i, preference) = u16_(i)?;
            let (i, exchange) = names.name(i)?;
            Ok((
                i,
                done(RDataView::Mx {
                    preference,
                    exchange,
                }),
            ))
        }),
        RecordType::TXT => exact(window, rtype, |i| txt(i).map(|(i, t)| (i, done(t)))),
        RecordType::SRV => exact(window, rtype, |i| {
            let (i, f) = take_array::<6>(i)?;
            let (i, target) = names.name(i)?;
            Ok((
                i,
                done(RDataView::Srv {
                    priority: u16::from_be_bytes([f[0], f[1]]),
                    weight: u16::from_be_bytes([f[2], f[3]]),
                    port: u16::from_be_bytes([f[4], f[5]]),
                    target,
                }),
            ))
        }),
        RecordType::CAA => exact(window, rtype, |i| {
            let (i, flags) = u8_(i)?;
            let (i, tag) = character_string(i)?;
            let (i, value) = rest(i)?;
            Ok((i, done(RDataView::Caa { flags, tag, value })))
        }),
        RecordType::DS => exact(window, rtype, |i| {
            let (i, f) = take_array::<4>(i)?;
            let (i, digest) = rest(i)?;
            Ok((
                i,
                done(RDataView::Ds {
                    key_tag: u16::from_be_bytes([f[0], f[1]]),
                    algorithm: f[2],
                    digest_type: f[3],
                    digest,
                }),
            ))
        }),
        RecordType::DNSKEY => exact(window, rtype, |i| {
            let (i, f) = take_array::<4>(i)?;
            let (i, public_key) = rest(i)?;
            Ok((
                i,
                done(RDataView::Dnskey {
                    flags: u16::from_be_bytes([f[0], f[1]]),
                    protocol: f[2],
                    algorithm: f[3],
                    public_key,
                }),
            ))
        }),
        RecordType::RRSIG => exact(window, rtype, |i| {
            let (i, f) = take_array::<18>(i)?;
            let (i, signer) = names.name(i)?;
            let (i, signature) = rest(i)?;
            let word = |k: usize| u32::from_be_bytes([f[k], f[k + 1], f[k + 2], f[k + 3]]);
            Ok((
                i,
                done(RDataView::Rrsig {
                    type_covered: RecordType(u16::from_be_bytes([f[0], f[1]])),
                    algorithm: f[2],
                    labels: f[3],
                    original_ttl: word(4),
                    expiration: word(8),
                    inception: word(12),
                    key_tag: u16::from_be_bytes([f[16], f[17]]),
                    signer,
                    signature,
                }),
            ))
        }),
        RecordType::NSEC => exact(window, rtype, |i| {
            let (i, next) = names.name(i)?;
            let (i, types) = checked_type_bitmap(i)?;
            Ok((i, done(RDataView::Nsec { next, types })))
        }),
        RecordType::NSEC3 => exact(window, rtype, |i| {
            let (i, f) = take_array::<4>(i)?;
            let (i, salt) = character_string(i)?;
            let (i, next_hashed_owner) = character_string(i)?;
            let (i, types) = checked_type_bitmap(i)?;
            Ok((
                i,
                done(RDataView::Nsec3 {
                    hash_algorithm: f[0],
                    flags: f[1],
                    iterations: u16::from_be_bytes([f[2], f[3]]),
                    salt,
                    next_hashed_owner,
                    types,
                }),
            ))
        }),
        RecordType::NSEC3PARAM => exact(window, rtype, |i| {
            let (i, f) = take_array::<4>(i)?;
            let (i, salt) = character_string(i)?;
            Ok((
                i,
                done(RDataView::Nsec3param {
                    hash_algorithm: f[0],
                    flags: f[1],
                    iterations: u16::from_be_bytes([f[2], f[3]]),
                    salt,
                }),
            ))
        }),
        _ => Ok(done(RDataView::Unknown {
            rtype,
            data: window.as_bytes(),
        })),
    }
}

/// TXT data: the character-strings are checked to fill the window exactly; the data is the
/// window (see [`Txt`](crate::Txt) and [`TxtView`]).
#[inline(always)]
fn txt<'a, N>(i: Wire<'a>) -> WireResult<'a, RDataView<'a, N>> {
    let data = i.as_bytes();
    let mut at = 0;
    while let Some(&len) = data.get(at) {
        let end = at + 1 + usize::from(len);
        if end > data.len() {
            // A string running past the rdata: reported where its octets start.
            return i.advance(at + 1).error(ParseErrorKind::Truncated);
        }
        at = end;
    }
    Ok((i.advance(at), RDataView::Txt(TxtView::checked(data))))
}

/// An NSEC/NSEC3 type bitmap (RFC 4034 §4.1.2) filling the rest of the window: windows in
/// increasing order, each 1 to 32 octets. Trailing zero octets in a window are tolerated.
pub fn type_bitmap(i: Wire<'_>) -> WireResult<'_, Vec<RecordType>> {
    checked_type_bitmap(i).map(|(i, bitmap)| (i, bitmap.to_vec()))
}

/// [`type_bitmap`], checked and left in the message.
fn checked_type_bitmap(mut i: Wire<'_>) -> WireResult<'_, TypeBitmap<'_>> {
    let all = i.as_bytes();
    let mut last_window: Option<u8> = None;
    while i.remaining() > 0 {
        let at = i.pos;
        let (next, hdr) = take_array::<2>(i)?;
        let (window, len) = (hdr[0], hdr[1] as usize);
        if len == 0 || len > 32 || last_window.is_some_and(|w| w >= window) {
            return Err(nom::Err::Error(ParseError::new(
                ParseErrorKind::BadTypeBitmap,
                at,
            )));
        }
        last_window = Some(window);
        let (next, _) = bytes(len)(next)?;
        i = next;
    }
    Ok((i, TypeBitmap::checked(all)))
}

/// The types of a checked type bitmap, in increasing order.
pub(crate) fn bitmap_types(wire: &[u8]) -> impl Iterator<Item = RecordType> + '_ {
    let mut rest = wire;
    let windows = std::iter::from_fn(move || {
        let (&[window, len], tail) = rest.split_first_chunk::<2>()?;
        let (bits, after) = tail.split_at(usize::from(len).min(tail.len()));
        rest = after;
        Some((u16::from(window) << 8, bits))
    });
    windows.flat_map(|(base, bits)| {
        bits.iter().enumerate().flat_map(move |(k, &octet)| {
            (0..8u16)
                .filter(move |bit| octet & (0x80 >> bit) != 0)
                .map(move |bit| RecordType(base | (k as u16 * 8 + bit)))
        })
    })
}

/// The OPT record's data and its class and TTL fields (RFC 6891 §6.1.2-6.1.3).
pub(crate) fn edns(
    window: Wire<'_>,
    class: u16,
    ttl: u32,
) -> Result<EdnsView<'_>, nom::Err<ParseError>> {
    let options = exact(window, RecordType::OPT, checked_edns_options)?;
    Ok(EdnsView::from_fields(class, ttl, options))
}

/// The options filling an OPT record's data (code, length, data, repeated), checked to be
/// whole and kept in their wire form (see [`EdnsOptions`]).
pub fn edns_options(i: Wire<'_>) -> WireResult<'_, EdnsOptions> {
    checked_edns_options(i).map(|(i, wire)| (i, EdnsOptions::from_checked_wire(wire)))
}

/// [`edns_options`], checked and left in the message.
fn checked_edns_options(i: Wire<'_>) -> WireResult<'_, &[u8]> {
    let data = i.as_bytes();
    let mut at = 0;
    while at < data.len() {
        // Where reading the code, the length or the data would fail.
        let fail = |at: usize| i.advance(at).error(ParseErrorKind::Truncated);
        let Some(len) = data.get(at + 2..at + 4) else {
            return fail(if data.len() - at < 2 { at } else { at + 2 });
        };
        let end = at + 4 + usize::from(u16::from_be_bytes([len[0], len[1]]));
        if end > data.len() {
            return fail(at + 4);
        }
        at = end;
    }
    Ok((i.advance(at), data))
}

// ---------------------------------------------------------------------------------------------
// Message

/// How many entries to reserve for a section that claims `count` entries of at least
/// `min_len` octets each, given what is left of the message.
#[inline]
fn capacity(count: u16, remaining: usize, min_len: usize) -> usize {
    (count as usize).min(remaining / min_len)
}

/// A whole message; the cursor ends after the last record of the additional section.
pub fn message(input: Wire<'_>) -> WireResult<'_, Message> {
    let (mut i, (header, [qd, an, ns, ar])) = header(input)?;
    let mut names = Names::new();

    let mut questions = Questions::with_capacity(capacity(qd, i.remaining(), MIN_QUESTION_LEN));
    for _ in 0..qd {
        let (next, q) = question_in(i, &mut names)?;
        questions.push(q);
        i = next;
    }
    let mut answers = Vec::with_capacity(capacity(an, i.remaining(), MIN_RECORD_LEN));
    let mut sink = Sink {
        records: &mut answers,
        reserve: 0,
        edns: None,
        names: &mut names,
    };
    for _ in 0..an {
        i = record_into::<false>(i, &mut sink)?;
    }
    let mut authority = Vec::with_capacity(capacity(ns, i.remaining(), MIN_RECORD_LEN));
    let mut sink = Sink {
        records: &mut authority,
        reserve: 0,
        edns: None,
        names: &mut names,
    };
    for _ in 0..ns {
        i = record_into::<false>(i, &mut sink)?;
    }
    let mut additional = Vec::new();
    let mut edns: Option<Edns> = None;
    let mut sink = Sink {
        records: &mut additional,
        reserve: capacity(ar, i.remaining(), MIN_RECORD_LEN),
        edns: Some(&mut edns),
        names: &mut names,
    };
    for _ in 0..ar {
        i = record_into::<true>(i, &mut sink)?;
    }
    let message = Message {
        header,
        questions,
        answers,
        authority,
        additional,
        edns,
    };
    Ok((i, message))
}

pub(crate) fn flatten(e: nom::Err<ParseError>) -> ParseError {
    match e {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        // Only streaming parsers report Incomplete; none is used, but map it faithfully.
        nom::Err::Incomplete(_) => ParseError::new(ParseErrorKind::Truncated, 0),
    }
}

/// Parses a message that may be followed by other bytes; returns it and its length.
#[inline]
pub(crate) fn parse_message_prefix(bytes: &[u8]) -> Result<(Message, usize), ParseError> {
    let (rest, message) = message(Wire::new(bytes)).map_err(flatten)?;
    Ok((message, rest.pos))
}

/// Parses a message that must fill `bytes` exactly.
#[inline]
pub(crate) fn parse_message(bytes: &[u8]) -> Result<Message, ParseError> {
    let (message, used) = parse_message_prefix(bytes)?;
    check_end(bytes.len(), used)?;
    Ok(message)
}

/// A message of `len` octets whose last section ended at `used` must end there.
#[inline]
pub(crate) fn check_end(len: usize, used: usize) -> Result<(), ParseError> {
    if used != len {
        return Err(ParseError::new(
            ParseErrorKind::TrailingBytes { count: len - used },
            used,
        ));
    }
    Ok(())
}

/// The name at `pos` of `msg`, which [`InPlace`] checked, decoded into a [`Name`].
pub(crate) fn decode_checked(msg: &[u8], pos: usize) -> Name {
    let mut buf = [0; DECODE_BUF];
    match decode_name(
        Wire {
            msg,
            pos,
            end: msg.len(),
        },
        &mut buf,
    ) {
        Ok((len, _)) => Name::from_decode_buffer(&buf, len),
        // Not reached: the name was checked with the same rules.
        Err(_) => Name::root(),
    }
}

#[cfg(test)]
mod tests {
    use nom::{Input as _, Parser as _};

    use super::*;

    #[test]
    fn parsers_compose_with_nom_combinators() {
        let query = Message::query_without_edns(5, "a.example".parse().unwrap(), RecordType::MX);
        let mut two = query.clone();
        two.questions
            .push(Question::new("b.a.example".parse().unwrap(), RecordType::A));
        let bytes = two.to_bytes();
        let after_header = Wire::new(&bytes).take_from(12);
        let (rest, questions) = nom::multi::count(question, 2).parse(after_header).unwrap();
        assert_eq!(questions[..], two.questions[..]);
        // The second name is a label plus a pointer back to the first.
        assert_eq!(rest.offset(), 12 + 11 + 4 + 4 + 4);
        // A combinator failing for lack of input reports a typed error at the right byte.
        let e = nom::multi::count(question, 3)
            .parse(after_header)
            .unwrap_err();
        assert_eq!(
            e,
            nom::Err::Error(ParseError::new(ParseErrorKind::Truncated, rest.offset()))
        );
    }

    #[test]
    fn labels_near_the_end_of_the_message_are_copied_whole() {
        // Without EDNS the question name ends 5 octets before the message does, so its labels
        // take every copy path: a 64-octet block (none left), a 16-octet block ("ab", then
        // "example" with 14 octets after it: no), and the exact copy.
        let long = "x".repeat(40);
        for text in [
            format!("{long}.ab.example"),
            "ab.example".to_string(),
            "abcdefghijklmnopq.c".to_string(),
            "c".to_string(),
        ] {
            let name: Name = text.parse().unwrap();
            let msg = Message::query_without_edns(1, name.clone(), RecordType::TXT);
            let parsed = Message::from_bytes(&msg.to_bytes()).unwrap();
            assert_eq!(parsed.questions[0].name.to_string(), name.to_string());
            assert_eq!(parsed, msg);
        }
    }

    #[test]
    fn the_longest_name_decodes() {
        // 3 * 64 + 62 = 254 octets without the root: the whole decode buffer but its slack.
        let label = [b'x'; 63];
        let name = Name::from_labels([&label[..], &label, &label, &label[..61]]).unwrap();
        let msg = Message::query(1, name.clone(), RecordType::A);
        let parsed = Message::from_bytes(&msg.to_bytes()).unwrap();
        assert_eq!(parsed.questions[0].name, name);
        assert_eq!(parsed.questions[0].name.wire_len(), 255);
    }

    #[test]
    fn long_names_everywhere_read_back_and_outlive_the_message() {
        use crate::rdata::{Mx, Nsec, Rrsig, Soa, Srv};
        let long = |tag: &str| -> Name {
            format!("{tag}-abcdefghijklmnopqrstuvwxyz0123456789._domainkey.example.com")
                .parse()
                .unwrap()
        };
        let mut msg = Message::query(9, long("q"), RecordType::ANY);
        let data = vec![
            RData::Ns(long("ns")),
            RData::Cname(long("cname")),
            RData::Dname(long("dname")),
            RData::Ptr(long("ptr")),
            RData::Soa(Soa {
                mname: long("m"),
                rname: long("r"),
                serial: 1,
                refresh: 2,
                retry: 3,
                expire: 4,
                minimum: 5,
            }),
            RData::Mx(Mx {
                preference: 1,
                exchange: long("mx"),
            }),
            RData::Srv(Srv {
                priority: 1,
                weight: 2,
                port: 3,
                target: long("srv"),
            }),
            RData::Rrsig(Rrsig {
                type_covered: RecordType::A,
                algorithm: 8,
                labels: 3,
                original_ttl: 60,
                expiration: 2,
                inception: 1,
                key_tag: 9,
                signer: long("signer"),
                signature: vec![1],
            }),
            RData::Nsec(Nsec {
                next: long("next"),
                types: vec![RecordType::A],
            }),
        ];
        for (k, d) in data.into_iter().enumerate() {
            let owner = long(&format!("owner{k}"));
            msg.answers.push(Record::new(owner.clone(), 60, d.clone()));
            msg.authority
                .push(Record::new(owner.clone(), 60, d.clone()));
            msg.additional.push(Record::new(owner, 60, d));
        }
        let parsed = Message::from_bytes(&msg.to_bytes()).unwrap();
        assert_eq!(parsed, msg);
        let kept = parsed.answers[4].clone();
        drop(parsed);
        assert_eq!(kept.to_string(), msg.answers[4].to_string());
    }

    #[test]
    fn an_additional_section_holding_only_opt_stays_unallocated() {
        let msg = Message::query(4, "a.example".parse().unwrap(), RecordType::A);
        let parsed = Message::from_bytes(&msg.to_bytes()).unwrap();
        assert!(parsed.edns.is_some());
        assert_eq!(parsed.additional.capacity(), 0);
    }

    #[test]
    fn names_in_rdata_stay_inside_the_rdata_window() {
        // A CNAME whose rdlength (3) cuts its target "ab." (4 octets) short.
        let mut m = vec![
            0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 0, 0, 0, 3,
        ];
        m.extend_from_slice(&[2, b'a', b'b', 0]);
        let e = Message::from_bytes(&m).unwrap_err();
        assert_eq!(
            e.kind,
            ParseErrorKind::RdataOverrun {
                rtype: RecordType::CNAME
            }
        );
    }

    #[test]
    fn txt_strings_must_fill_the_rdata() {
        let txt = crate::Txt::new([&b"v=DKIM1;"[..], &[b'p'; 255], &[b'q'; 40], b""]);
        let rdata = txt_rdata(&txt);
        let (rest, parsed) = super::txt::<Name>(Wire::new(&rdata)).unwrap();
        assert_eq!(rest.remaining(), 0);
        assert_eq!(parsed.into_rdata(), RData::Txt(txt));
        // Without the empty string and the last `q`, the 40-octet string runs past the end.
        let short = &rdata[..rdata.len() - 2];
        let e = super::txt::<Name>(Wire::new(short)).unwrap_err();
        let start = 9 + 256 + 1;
        assert_eq!(
            e,
            nom::Err::Error(ParseError::new(ParseErrorKind::Truncated, start))
        );
    }

    fn txt_rdata(txt: &crate::Txt) -> Vec<u8> {
        txt.strings()
            .flat_map(|s| std::iter::once(s.len() as u8).chain(s.iter().copied()))
            .collect()
    }

    #[test]
    fn section_reservations_are_bounded_by_the_bytes_left() {
        assert_eq!(capacity(65535, 0, MIN_RECORD_LEN), 0);
        assert_eq!(capacity(65535, 110, MIN_RECORD_LEN), 10);
        assert_eq!(capacity(3, 1000, MIN_QUESTION_LEN), 3);
    }
}
