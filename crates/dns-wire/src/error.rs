//! Parse and encode errors: what was wrong and, for parsing, at which byte offset.

use std::fmt;

use crate::types::RecordType;

/// What was wrong with a message. Each kind reads as the end of the sentence "malformed DNS
/// message at byte N: ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The message ended before a field was complete.
    Truncated,
    /// A compression pointer targets its own name or data after it (RFC 9267 §2).
    PointerForward {
        /// The offset the pointer targets.
        target: u16,
    },
    /// A compression pointer targets the very name it is part of.
    PointerLoop {
        /// The offset the pointer targets.
        target: u16,
    },
    /// A name follows more compression pointers than [`MAX_POINTER_HOPS`](crate::MAX_POINTER_HOPS).
    TooManyPointers,
    /// A label length byte uses the reserved label types `01` (0x40..=0x7F, which would also be
    /// a label over 63 octets) or `10` (0x80..=0xBF).
    BadLabelType {
        /// The offending length byte.
        byte: u8,
    },
    /// A name is longer than 255 octets once decompressed.
    NameTooLong,
    /// The record data ends before the fields its type requires (rdlength too small).
    RdataOverrun {
        /// Type of the record.
        rtype: RecordType,
    },
    /// The fields of the record type used fewer octets than rdlength announced.
    RdataUnderrun {
        /// Type of the record.
        rtype: RecordType,
        /// Octets left over.
        unused: u16,
    },
    /// An NSEC or NSEC3 type bitmap is malformed (RFC 4034 §4.1.2).
    BadTypeBitmap,
    /// A second OPT record (RFC 6891 §6.1.1 allows one).
    DuplicateOpt,
    /// An OPT record whose owner is not the root name.
    OptNotRoot,
    /// An OPT record outside the additional section.
    OptOutsideAdditional,
    /// Bytes remain after the last section.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A generic `nom` combinator failed (only produced by combinators composed by callers).
    Nom(nom::error::ErrorKind),
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParseErrorKind::Truncated => f.write_str("the message ends in the middle of a field"),
            ParseErrorKind::PointerForward { target } => {
                write!(f, "compression pointer to {target} does not point backwards")
            }
            ParseErrorKind::PointerLoop { target } => write!(
                f,
                "compression pointer to {target} points into its own name (a loop)"
            ),
            ParseErrorKind::TooManyPointers => write!(
                f,
                "name follows more than {} compression pointers",
                crate::MAX_POINTER_HOPS
            ),
            ParseErrorKind::BadLabelType { byte } => write!(
                f,
                "label length byte {byte:#04x} is a reserved label type (a label is at most 63 octets)"
            ),
            ParseErrorKind::NameTooLong => f.write_str("name is longer than 255 octets"),
            ParseErrorKind::RdataOverrun { rtype } => write!(
                f,
                "{rtype} record data ends before its fields do (rdlength too small)"
            ),
            ParseErrorKind::RdataUnderrun { rtype, unused } => write!(
                f,
                "{rtype} record data leaves {unused} octets unused (rdlength too large)"
            ),
            ParseErrorKind::BadTypeBitmap => f.write_str("malformed type bitmap"),
            ParseErrorKind::DuplicateOpt => f.write_str("second OPT record"),
            ParseErrorKind::OptNotRoot => f.write_str("OPT record owner is not the root name"),
            ParseErrorKind::OptOutsideAdditional => {
                f.write_str("OPT record outside the additional section")
            }
            ParseErrorKind::TrailingBytes { count } => {
                write!(f, "{count} bytes follow the last section")
            }
            ParseErrorKind::Nom(kind) => write!(f, "parser {} failed", kind.description()),
        }
    }
}

/// A message could not be parsed: what was wrong and where.
///
/// ```
/// use dns_wire::{Message, ParseErrorKind};
/// // A header claiming one question, then a name that is a pointer to itself.
/// let bytes = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12];
/// let err = Message::from_bytes(&bytes).unwrap_err();
/// assert_eq!(err.kind, ParseErrorKind::PointerLoop { target: 12 });
/// assert_eq!(err.offset, 12);
/// assert_eq!(
///     err.to_string(),
///     "malformed DNS message at byte 12: compression pointer to 12 points into its own name (a loop)"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed DNS message at byte {offset}: {kind}")]
pub struct ParseError {
    /// What was wrong.
    pub kind: ParseErrorKind,
    /// Byte offset from the start of the message where it was found.
    pub offset: usize,
}

impl ParseError {
    /// An error of `kind` at `offset`.
    pub fn new(kind: ParseErrorKind, offset: usize) -> Self {
        ParseError { kind, offset }
    }
}

impl<'a> nom::error::ParseError<crate::parse::Wire<'a>> for ParseError {
    fn from_error_kind(input: crate::parse::Wire<'a>, kind: nom::error::ErrorKind) -> Self {
        // nom's byte and number parsers only fail for lack of input.
        let kind = match kind {
            nom::error::ErrorKind::Eof | nom::error::ErrorKind::Complete => {
                ParseErrorKind::Truncated
            }
            other => ParseErrorKind::Nom(other),
        };
        ParseError {
            kind,
            offset: input.offset(),
        }
    }

    fn append(_: crate::parse::Wire<'a>, _: nom::error::ErrorKind, other: Self) -> Self {
        // The innermost error says most precisely what was wrong.
        other
    }
}

/// A message model that cannot be put on the wire (see [`Message::try_to_bytes`](crate::Message::try_to_bytes)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A TXT character-string is longer than 255 octets.
    #[error("TXT record of {owner} has a {len}-octet character-string; the limit is 255")]
    TxtStringTooLong {
        /// Owner of the record.
        owner: String,
        /// Length of the string.
        len: usize,
    },
    /// A length-prefixed field (CAA tag, NSEC3 salt or next hashed owner) is longer than 255
    /// octets.
    #[error("{rtype} record of {owner} has a {field} of {len} octets; the limit is 255")]
    FieldTooLong {
        /// Owner of the record.
        owner: String,
        /// Type of the record.
        rtype: RecordType,
        /// Which field.
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// The record data is longer than 65535 octets.
    #[error("{rtype} record of {owner} has {len} octets of data; the limit is 65535")]
    RdataTooLong {
        /// Owner of the record.
        owner: String,
        /// Type of the record.
        rtype: RecordType,
        /// Its length.
        len: usize,
    },
    /// An EDNS option is longer than 65535 octets (refused by
    /// [`EdnsOptions::push`](crate::EdnsOptions::push)).
    #[error("EDNS option {code} has {len} octets of data; the limit is 65535")]
    OptionTooLong {
        /// The option code.
        code: u16,
        /// Its length.
        len: usize,
    },
    /// A section holds more than 65535 entries.
    #[error("the {section} section has {count} entries; the limit is 65535")]
    TooManyEntries {
        /// Which section.
        section: &'static str,
        /// How many entries it has.
        count: usize,
    },
    /// The whole message is longer than 65535 octets, more than TCP framing (RFC 1035 §4.2.2)
    /// or any UDP datagram can carry.
    #[error("the message is {len} octets long; the limit is 65535")]
    MessageTooLong {
        /// Its length.
        len: usize,
    },
}
