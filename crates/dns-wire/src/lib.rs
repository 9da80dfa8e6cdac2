//! `dns-wire`: a DNS message codec, transport and iterative resolver.
//!
//! - [`Message`] and friends model a DNS message (RFC 1035, EDNS0 from RFC 6891).
//! - [`Message::from_bytes`] is a hand-written `nom` parser that never panics and never trusts a
//!   length, count or compression pointer from the wire; errors are a [`ParseError`] with a
//!   [`ParseErrorKind`] and the byte offset. The [`parse`] module documents every rule and
//!   exposes the building blocks as `nom` parsers.
//! - [`MessageView`] reads a message in place, in one pass: names are positions in the
//!   message ([`NameView`], labels read through the compression pointers when asked),
//!   character-strings and opaque data are slices of it; exactly as strict as
//!   [`Message::from_bytes`] (the same parser), each error reported on the [`Entry`] that
//!   holds it. For a reader that looks at each field once; it allocates nothing.
//! - [`Message::to_bytes`] encodes with bounded name compression, only where the RFCs allow
//!   it; [`Message::try_to_bytes`] refuses a model the wire cannot carry ([`EncodeError`]).
//! - `Display` prints records, questions, headers and whole messages in zone-file form, as
//!   `dig` does.
//! - With the `proptest` cargo feature, the `arbitrary` module offers proptest strategies for
//!   every model type.
//! - [`transport`] (with `io`) asks one server one question over UDP (random ID and source port, strict
//!   response matching, EDNS0 with a fallback) and TCP when the answer is truncated.
//! - [`dnssec`] validates, sans-I/O and with the clock passed in: canonical form, key tags, DS
//!   digests, RRSIG verification, NSEC/NSEC3 denial, the chain of trust from the IANA root
//!   anchors (or anchors from a file), with `ring` behind a small trait.
//! - [`resolver`] walks from the root (or given roots) to the authoritative servers of a name,
//!   itself: a sans-I/O state machine ([`resolver::Walk`]) driven by tokio
//!   (`resolver::Resolver`, with `io`), with lookups that follow CNAMEs across zones, surveys that ask
//!   every server of a zone, budgets, a shared delegation cache and a full trace.
//!
//! The codec never does I/O; only [`transport`] and [`resolver::Resolver`] touch sockets, and
//! they only send where they are told (root hints, or addresses and a port the caller gives),
//! never to the system resolver.
//!
//! # Cargo features
//!
//! - `io` (on by default): the sockets and the tokio driver: `transport::query`,
//!   `resolver::Resolver` (lookups, surveys, the recursive check), `resolver::socket_budget`.
//!   Without it (`default-features = false`) the crate has no tokio in its tree and is the
//!   codec plus everything sans-I/O: the [`resolver::Walk`] state machine,
//!   [`resolver::classify`], the [`resolver::DelegationCache`], [`resolver::Health`], the
//!   trace types, root hints, the survey result types and the transport's configuration,
//!   result and error types, for a driver of one's own or for interpretation code such as
//!   `dkim-rules`.
//! - `proptest`: the `arbitrary` module (below).
//!
//! ```
//! use dns_wire::{Message, Name, RData, Record, RecordType};
//! // Build a query, then a response to it, and read the response back from the wire.
//! let name: Name = "abc._domainkey.example.com".parse().unwrap();
//! let query = Message::query(7, name.clone(), RecordType::CNAME);
//! let mut response = query.clone();
//! response.header.response = true;
//! response.header.authoritative = true;
//! let target: Name = "abc.dkim.amazonses.com".parse().unwrap();
//! response.answers.push(Record::new(name, 1800, RData::Cname(target.clone())));
//! let parsed = Message::from_bytes(&response.to_bytes()).unwrap();
//! assert_eq!(parsed.answers[0].data, RData::Cname(target));
//! ```

#![warn(missing_docs)]

#[cfg(feature = "proptest")]
pub mod arbitrary;
mod display;
pub mod dnssec;
mod encode;
mod error;
mod message;
mod name;
mod namebuf;
pub mod parse;
mod rdata;
pub mod resolver;
pub mod transport;
mod types;
mod view;

pub use display::{extended_error_name, rrsig_time};
pub use encode::MAX_COMPRESSION_TARGETS;
pub use error::{EncodeError, ParseError, ParseErrorKind};
pub use message::{
    Edns, EdnsOption, EdnsOptions, EdnsOptionsIter, Header, Message, Question, Questions, Record,
};
pub use name::{Labels, Name, NameError, MAX_LABEL_LEN, MAX_NAME_LEN};
pub use parse::MAX_POINTER_HOPS;
pub use rdata::{
    Caa, Dnskey, Ds, Mx, Nsec, Nsec3, Nsec3param, RData, Rrsig, Soa, Srv, Txt, TxtStrings,
};
pub use types::{Class, Opcode, Rcode, RecordType, UnknownMnemonic};
pub use view::{
    EdnsView, Entries, Entry, MessageView, NameView, QuestionView, RDataView, RecordView, Section,
    TxtView, TypeBitmap, ViewLabels,
};
