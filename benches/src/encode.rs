//! Encoding with name compression, each library from its own in-memory model of the message.
//!
//! The models are built once from the corpus bytes (outside the measurement); the benchmark
//! times only "model to wire bytes". `domain` has no owned message type, so its model is the
//! header, the questions and the records in their owned typed form, pushed through a
//! `MessageBuilder` over a `HashCompressor` (unbounded compression, like the others).

use domain::base::message_builder::{HashCompressor, MessageBuilder};
use domain::base::name::FlattenInto;
use domain::base::{Header, Name, ParsedName, Question, Record, ToName};
use domain::rdata::AllRecordData;

/// A domain name owned by the `domain` model.
type OwnedName = Name<Vec<u8>>;
/// A record owned by the `domain` model.
pub type DomainRecord = Record<OwnedName, AllRecordData<Vec<u8>, OwnedName>>;

/// What `domain` needs to write a message: header and the four sections, OPT included as an
/// ordinary record of the additional section (where the wire puts it).
pub struct DomainModel {
    header: Header,
    questions: Vec<Question<OwnedName>>,
    sections: [Vec<DomainRecord>; 3],
}

/// The same message as each library's model.
pub struct Models {
    /// dns-wire's model.
    pub dns_wire: dns_wire::Message,
    /// hickory-proto's model.
    pub hickory: hickory_proto::op::Message,
    /// domain's model.
    pub domain: DomainModel,
}

impl Models {
    /// Parses `bytes` with each library.
    ///
    /// # Panics
    /// If a library rejects the bytes: the corpus is well formed.
    pub fn new(bytes: &[u8]) -> Models {
        Models {
            dns_wire: dns_wire::Message::from_bytes(bytes).expect("dns-wire parses the corpus"),
            hickory: hickory_proto::op::Message::from_vec(bytes).expect("hickory parses"),
            domain: domain_model(bytes),
        }
    }
}

fn domain_model(bytes: &[u8]) -> DomainModel {
    type Parsed<'a> = AllRecordData<&'a [u8], ParsedName<&'a [u8]>>;
    let msg = domain::base::Message::from_octets(bytes).expect("domain parses the header");
    let (questions, answer, authority, additional) = msg.sections().expect("domain sections");
    let questions = questions
        .map(|q| {
            let q = q.expect("domain parses the question");
            Question::new(q.qname().to_name(), q.qtype(), q.qclass())
        })
        .collect();
    let own = |section: domain::base::message::RecordSection<'_, &[u8]>| -> Vec<DomainRecord> {
        section
            .limit_to::<Parsed<'_>>()
            .map(|r| {
                let r = r.expect("domain parses the record");
                r.try_flatten_into()
                    .expect("flattening into a Vec cannot fail")
            })
            .collect()
    };
    DomainModel {
        header: msg.header(),
        questions,
        sections: [own(answer), own(authority), own(additional)],
    }
}

/// dns-wire: `Message::to_bytes`.
pub fn dns_wire(model: &dns_wire::Message) -> Vec<u8> {
    model.to_bytes()
}

/// hickory-proto: `Message::to_vec` (compresses by default).
pub fn hickory(model: &hickory_proto::op::Message) -> Vec<u8> {
    model.to_vec().expect("hickory encodes the corpus")
}

/// domain: a `MessageBuilder` over a `HashCompressor`.
pub fn domain(model: &DomainModel) -> Vec<u8> {
    let mut builder = MessageBuilder::from_target(HashCompressor::new(Vec::with_capacity(512)))
        .expect("an empty Vec holds a header");
    *builder.header_mut() = model.header;
    let mut builder = builder.question();
    for q in &model.questions {
        builder.push(q).expect("question fits");
    }
    let mut builder = builder.answer();
    for r in &model.sections[0] {
        builder.push(r).expect("answer fits");
    }
    let mut builder = builder.authority();
    for r in &model.sections[1] {
        builder.push(r).expect("authority record fits");
    }
    let mut builder = builder.additional();
    for r in &model.sections[2] {
        builder.push(r).expect("additional record fits");
    }
    builder.finish().into_target()
}
