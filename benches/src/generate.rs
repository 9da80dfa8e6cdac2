//! Builds the benchmark corpus with hickory-proto's encoder, independently of `dns-wire`, so the
//! bytes the benchmarks (and the differential tests) read were not written by the codec under test.
//!
//! Two fixtures need a shape hickory-proto's encoder will not produce, because it bounds its
//! compression (64 stored suffixes, 120 compressed names): the pathological message, whose names
//! form 120-deep pointer chains, and the 2000-PTR message are written by the small [`HandWriter`]
//! below. Every fixture is
//! read back by hickory-proto and `domain` in the `agreement` test, so none of them relies on
//! `dns-wire` to be well formed.

use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::rdata::opt::EdnsOption;
use hickory_proto::rr::rdata::{A, AAAA, CNAME, MX, NS, SOA, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

/// The public half of the RSA-2048 key generated with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` (private half discarded).
const DKIM_2048_PEM: &str = include_str!("../data/dkim-2048.pub.pem");
/// The public half of an RSA-1024 key made the same way, as Amazon SES Easy DKIM publishes.
const SES_1024_PEM: &str = include_str!("../data/ses-1024.pub.pem");
/// The public half of an Ed25519 key made with `openssl genpkey -algorithm ed25519` (private
/// half discarded); its `p=` value (RFC 8463) is the base64 of the last 32 octets of this DER.
const DKIM_ED25519_PEM: &str = include_str!("../data/dkim-ed25519.pub.pem");

/// Every corpus fixture: file stem and the bytes it must contain.
pub fn all() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("stub_query_edns", stub_query_edns()),
        ("referral_glue", referral_glue()),
        ("referral_root_tld", referral_root_tld()),
        ("referral_glueless", referral_glueless()),
        ("cname_chain_5", cname_chain_5()),
        ("txt_dkim_2048", txt_dkim_2048()),
        ("ses_cname_txt", ses_cname_txt()),
        ("nxdomain_soa", nxdomain_soa()),
        ("nodata_soa", nodata_soa()),
        ("aaaa_40", aaaa_40()),
        ("compressed_66", compressed_66()),
        ("pathological_chains", pathological_chains()),
        ("ptr_2000", ptr_message(2000)),
        ("txt_edns_options", txt_edns_options()),
    ]
}

fn name(text: &str) -> Name {
    Name::from_ascii(text).expect("fixture names are valid")
}

fn edns(payload: u16) -> Edns {
    let mut edns = Edns::new();
    edns.set_max_payload(payload);
    edns
}

fn response(id: u16, qname: &str, qtype: RecordType) -> Message {
    let mut msg = Message::new(id, MessageType::Response, OpCode::Query);
    msg.add_query(Query::query(name(qname), qtype));
    msg.edns = Some(edns(1232));
    msg
}

fn record(owner: &str, ttl: u32, data: RData) -> Record {
    Record::from_rdata(name(owner), ttl, data)
}

fn encode(msg: &Message) -> Vec<u8> {
    msg.to_vec().expect("hickory encodes every fixture")
}

/// The base64 body of a PEM public key: exactly the `p=` value of a DKIM key record.
fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}

/// Splits text into character-strings of at most 255 octets, as zone tools publish long TXT.
fn split_255(text: &str) -> Vec<&[u8]> {
    text.as_bytes().chunks(255).collect()
}

/// A stub resolver's query: RD set, EDNS0 with a 1232-octet payload and a client cookie.
fn stub_query_edns() -> Vec<u8> {
    let mut msg = Message::new(0x1c2d, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(
        name("s1._domainkey.example.com."),
        RecordType::TXT,
    ));
    let mut edns = edns(1232);
    edns.options_mut().insert(EdnsOption::Unknown(
        10,
        vec![0x5b, 0x1e, 0x43, 0x9a, 0x02, 0x7c, 0xd1, 0x08],
    ));
    msg.edns = Some(edns);
    encode(&msg)
}

/// A TLD server's referral to example.com with in-bailiwick glue (A and AAAA).
fn referral_glue() -> Vec<u8> {
    let mut msg = response(0x2001, "www.example.com.", RecordType::A);
    for ns in ["ns1.example.com.", "ns2.example.com."] {
        msg.add_authority(record("example.com.", 172800, RData::NS(NS(name(ns)))));
    }
    let glue = [
        ("ns1.example.com.", "192.0.2.53", "2001:db8:53::1"),
        ("ns2.example.com.", "198.51.100.53", "2001:db8:53::2"),
    ];
    for (host, v4, v6) in glue {
        msg.add_additional(record(host, 172800, RData::A(A(v4.parse().unwrap()))));
        msg.add_additional(record(host, 172800, RData::AAAA(AAAA(v6.parse().unwrap()))));
    }
    encode(&msg)
}

/// A root server's referral to `com.`: 13 NS with A and AAAA glue for each (the published
/// gtld-servers.net addresses).
fn referral_root_tld() -> Vec<u8> {
    const GTLD: [(&str, &str); 13] = [
        ("192.5.6.30", "2001:503:a83e::2:30"),
        ("192.33.14.30", "2001:503:231d::2:30"),
        ("192.26.92.30", "2001:503:83eb::30"),
        ("192.31.80.30", "2001:500:856e::30"),
        ("192.12.94.30", "2001:502:1ca1::30"),
        ("192.35.51.30", "2001:503:d414::30"),
        ("192.42.93.30", "2001:503:eea3::30"),
        ("192.54.112.30", "2001:502:8cc::30"),
        ("192.43.172.30", "2001:503:39c1::30"),
        ("192.48.79.30", "2001:502:7094::30"),
        ("192.52.178.30", "2001:503:d2d::30"),
        ("192.41.162.30", "2001:500:d937::30"),
        ("192.55.83.30", "2001:501:b1f9::30"),
    ];
    let mut msg = response(0x3a3a, "selector1._domainkey.example.com.", RecordType::TXT);
    let hosts: Vec<String> = (b'a'..=b'm')
        .map(|c| format!("{}.gtld-servers.net.", c as char))
        .collect();
    for host in &hosts {
        msg.add_authority(record("com.", 172800, RData::NS(NS(name(host)))));
    }
    for (host, (v4, _)) in hosts.iter().zip(GTLD) {
        msg.add_additional(record(host, 172800, RData::A(A(v4.parse().unwrap()))));
    }
    for (host, (_, v6)) in hosts.iter().zip(GTLD) {
        msg.add_additional(record(host, 172800, RData::AAAA(AAAA(v6.parse().unwrap()))));
    }
    encode(&msg)
}

/// A referral whose name servers live in other zones, so no glue can be given.
fn referral_glueless() -> Vec<u8> {
    let mut msg = response(0x4b4b, "s1._domainkey.example.org.", RecordType::TXT);
    for ns in [
        "ns-1204.awsdns-22.org.",
        "ns-1797.awsdns-32.co.uk.",
        "ns-300.awsdns-37.com.",
        "ns-976.awsdns-58.net.",
    ] {
        msg.add_authority(record("example.org.", 172800, RData::NS(NS(name(ns)))));
    }
    encode(&msg)
}

/// A recursive answer through five CNAMEs (CDN style) ending in two A records.
fn cname_chain_5() -> Vec<u8> {
    let mut msg = response(0x5c5c, "www.shop.example.", RecordType::A);
    msg.metadata.recursion_desired = true;
    msg.metadata.recursion_available = true;
    let chain = [
        "www.shop.example.",
        "shop.example.cdn-a.net.",
        "edge.cdn-a.net.",
        "e1234.global.cdn-b.com.",
        "lb.eu-west.cdn-b.com.",
        "pop17.fra.cdn-b.com.",
    ];
    for pair in chain.windows(2) {
        msg.add_answer(record(pair[0], 300, RData::CNAME(CNAME(name(pair[1])))));
    }
    for v4 in ["203.0.113.17", "203.0.113.18"] {
        msg.add_answer(record(chain[5], 20, RData::A(A(v4.parse().unwrap()))));
    }
    encode(&msg)
}

/// An authoritative DKIM key record: an RSA-2048 key in 255-octet character-strings.
fn txt_dkim_2048() -> Vec<u8> {
    let mut msg = response(0x6d6d, "s2048._domainkey.example.com.", RecordType::TXT);
    msg.metadata.authoritative = true;
    let text = format!("v=DKIM1; k=rsa; p={}", pem_body(DKIM_2048_PEM));
    msg.add_answer(record(
        "s2048._domainkey.example.com.",
        3600,
        RData::TXT(TXT::from_bytes(split_255(&text))),
    ));
    encode(&msg)
}

/// What a recursive resolver returns for an Amazon SES Easy DKIM selector: the customer's CNAME
/// and the TXT key at `<token>.dkim.amazonses.com`.
fn ses_cname_txt() -> Vec<u8> {
    const TOKEN: &str = "4ovbs3e4yvbdqm5vbanqdtbwqo4xp7tb";
    let owner = format!("{TOKEN}._domainkey.example.com.");
    let target = format!("{TOKEN}.dkim.amazonses.com.");
    let mut msg = response(0x7e7e, &owner, RecordType::TXT);
    msg.metadata.recursion_desired = true;
    msg.metadata.recursion_available = true;
    msg.add_answer(record(&owner, 1800, RData::CNAME(CNAME(name(&target)))));
    let text = format!("p={}", pem_body(SES_1024_PEM));
    msg.add_answer(record(
        &target,
        1800,
        RData::TXT(TXT::from_bytes(split_255(&text))),
    ));
    encode(&msg)
}

/// A recursive resolver's answer over an encrypted transport, with every EDNS option kind the
/// codecs read: an Ed25519 DKIM key served stale, NSID, a client and server cookie (RFC 9018
/// layout), an Extended DNS Error 3 "Stale Answer" with text, and padding to a multiple of 468
/// octets (RFC 8467's block length for responses).
fn txt_edns_options() -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let der = b64
        .decode(pem_body(DKIM_ED25519_PEM))
        .expect("the committed PEM is base64");
    let key = b64.encode(&der[der.len() - 32..]);
    let owner = "ed1._domainkey.example.com.";
    let mut msg = response(0xe5e5, owner, RecordType::TXT);
    msg.metadata.recursion_desired = true;
    msg.metadata.recursion_available = true;
    let text = format!("v=DKIM1; k=ed25519; p={key}");
    msg.add_answer(record(
        owner,
        30,
        RData::TXT(TXT::from_bytes(split_255(&text))),
    ));
    let cookie = [
        // Client cookie.
        0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57,
        // Server cookie: version 1, reserved, timestamp, hash.
        0x01, 0x00, 0x00, 0x00, 0x65, 0x9f, 0x2e, 0x80, 0xe2, 0xf4, 0x1b, 0x36, 0x0c, 0x7a, 0x5d,
        0x91,
    ];
    let mut ede = 3u16.to_be_bytes().to_vec();
    ede.extend_from_slice(b"served stale: upstream timed out");
    let options = [
        EdnsOption::Unknown(3, b"res-fra-3".to_vec()),
        EdnsOption::Unknown(10, cookie.to_vec()),
        EdnsOption::Unknown(15, ede),
    ];
    let mut edns = edns(1232);
    for option in options {
        edns.options_mut().insert(option);
    }
    msg.edns = Some(edns.clone());
    // The padding option's own 4-octet header counts towards the block.
    let unpadded = encode(&msg).len() + 4;
    let padding = (468 - unpadded % 468) % 468;
    edns.options_mut()
        .insert(EdnsOption::Unknown(12, vec![0; padding]));
    msg.edns = Some(edns);
    let bytes = encode(&msg);
    assert_eq!(bytes.len() % 468, 0, "padded to the block");
    bytes
}

fn example_soa() -> RData {
    RData::SOA(SOA::new(
        name("ns1.example.com."),
        name("hostmaster.example.com."),
        2024052901,
        7200,
        3600,
        1209600,
        3600,
    ))
}

/// An authoritative NXDOMAIN for a selector that does not exist, with the zone's SOA.
fn nxdomain_soa() -> Vec<u8> {
    let mut msg = response(0x8f8f, "missing._domainkey.example.com.", RecordType::TXT);
    msg.metadata.authoritative = true;
    msg.metadata.response_code = ResponseCode::NXDomain;
    msg.add_authority(record("example.com.", 3600, example_soa()));
    encode(&msg)
}

/// An authoritative NODATA: the name exists (it has a CNAME elsewhere) but not the type.
fn nodata_soa() -> Vec<u8> {
    let mut msg = response(0x9090, "mail.example.com.", RecordType::AAAA);
    msg.metadata.authoritative = true;
    msg.add_authority(record("example.com.", 3600, example_soa()));
    encode(&msg)
}

/// A load-balancer pool: 40 AAAA records for one name.
fn aaaa_40() -> Vec<u8> {
    let mut msg = response(0xa0a0, "pool.example.net.", RecordType::AAAA);
    msg.metadata.authoritative = true;
    for i in 0..40u16 {
        let addr = Ipv6Addr::new(0x2001, 0xdb8, 0x40, 0, 0, 0, i / 7, i + 1);
        msg.add_answer(record("pool.example.net.", 60, RData::AAAA(AAAA(addr))));
    }
    encode(&msg)
}

/// About 1.3 KB, 66 records whose names nearly all compress into the zone: 30 hosts, 20
/// aliases pointing at them, 10 mail exchangers and 6 name servers.
fn compressed_66() -> Vec<u8> {
    let mut msg = response(0xb1b1, "example.com.", RecordType::ANY);
    msg.metadata.authoritative = true;
    for i in 0..6 {
        let ns = format!("ns{i}.example.com.");
        msg.add_answer(record("example.com.", 86400, RData::NS(NS(name(&ns)))));
    }
    for i in 0..10u16 {
        let mx = format!("mx{i}.example.com.");
        msg.add_answer(record(
            "example.com.",
            3600,
            RData::MX(MX::new(10 * (i + 1), name(&mx))),
        ));
    }
    for i in 0..30u8 {
        let host = format!("h{i}.example.com.");
        let addr = Ipv4Addr::new(192, 0, 2, i + 1);
        msg.add_answer(record(&host, 3600, RData::A(A(addr))));
    }
    for i in 0..20 {
        let alias = format!("w{i}.example.com.");
        let host = format!("h{}.example.com.", i % 30);
        msg.add_answer(record(&alias, 3600, RData::CNAME(CNAME(name(&host)))));
    }
    encode(&msg)
}

/// A PTR answer of `count` records (the CVE-2024-8508 shape: many distinct names that all
/// compress against each other), used to check that encoding stays linear. Written by
/// [`HandWriter`] with full compression: hickory-proto stops compressing after 120 names, and
/// 2000 uncompressed PTR records do not fit in one message.
pub fn ptr_message(count: usize) -> Vec<u8> {
    let mut w = HandWriter::new(0xc2c2, "2.0.192.in-addr.arpa.", RecordType::PTR);
    for i in 0..count {
        let owner = format!("{}.{}.2.0.192.in-addr.arpa.", i % 256, i / 256);
        let target = format!("host-{i}.rev.example.net.");
        w.record(&owner, RecordType::PTR, 3600, |w| w.name(&target));
    }
    w.finish()
}

/// 240 owners, each one label longer than the one before (two chains of 120 under two zones).
/// With full compression each owner is one label plus a pointer to the previous owner, so
/// decoding the last name of a chain follows 120 pointers. Written by [`HandWriter`] because
/// hickory-proto bounds its compression table and would not produce the chains.
fn pathological_chains() -> Vec<u8> {
    chain_message(2)
}

/// `chains` chains of 120 A records each, owners one label longer at every step (see
/// [`pathological_chains`]); used to check that encoding this shape stays linear.
pub fn chain_message(chains: usize) -> Vec<u8> {
    let mut w = HandWriter::new(0xd3d3, "example.com.", RecordType::A);
    for chain in 0..chains {
        let mut owner = format!("{}.example.com.", (b'x' + chain as u8) as char);
        for depth in 0..120u8 {
            let addr = Ipv4Addr::new(198, 51, chain as u8 + 1, depth);
            w.record(&owner, RecordType::A, 300, |w| {
                w.out.extend_from_slice(&addr.octets())
            });
            owner.insert_str(0, "a.");
        }
    }
    w.finish()
}

/// A minimal response writer with unbounded suffix compression (every suffix of every name
/// written is remembered), for the fixtures hickory-proto's bounded compressor cannot shape.
/// It writes one question and answer records only.
pub struct HandWriter {
    out: Vec<u8>,
    answers: u16,
    suffixes: std::collections::HashMap<Vec<u8>, u16>,
}

impl HandWriter {
    /// A response header (QR, AA, NOERROR) and one IN question.
    pub fn new(id: u16, qname: &str, qtype: RecordType) -> Self {
        let mut out = Vec::new();
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&[0x84, 0x00]);
        out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // answer count patched in finish
        let mut w = HandWriter {
            out,
            answers: 0,
            suffixes: Default::default(),
        };
        w.name(qname);
        w.out.extend_from_slice(&u16::from(qtype).to_be_bytes());
        w.out.extend_from_slice(&1u16.to_be_bytes());
        w
    }

    /// Writes a name, ending in a pointer to the longest suffix already written.
    pub fn name(&mut self, text: &str) {
        let labels: Vec<&str> = text.trim_end_matches('.').split('.').collect();
        for i in 0..labels.len() {
            let key = labels[i..].join(".").to_ascii_lowercase().into_bytes();
            if let Some(&at) = self.suffixes.get(&key) {
                self.out.extend_from_slice(&(0xc000 | at).to_be_bytes());
                return;
            }
            if self.out.len() < 0x3fff {
                self.suffixes.insert(key, self.out.len() as u16);
            }
            self.out.push(labels[i].len() as u8);
            self.out.extend_from_slice(labels[i].as_bytes());
        }
        self.out.push(0);
    }

    /// Appends an IN answer record whose rdata `write_rdata` writes.
    pub fn record(
        &mut self,
        owner: &str,
        rtype: RecordType,
        ttl: u32,
        write_rdata: impl FnOnce(&mut HandWriter),
    ) {
        self.name(owner);
        self.out.extend_from_slice(&u16::from(rtype).to_be_bytes());
        self.out.extend_from_slice(&1u16.to_be_bytes());
        self.out.extend_from_slice(&ttl.to_be_bytes());
        let len_at = self.out.len();
        self.out.extend_from_slice(&[0, 0]);
        write_rdata(self);
        let rdlen = (self.out.len() - len_at - 2) as u16;
        self.out[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        self.answers += 1;
    }

    /// The message, answer count filled in.
    ///
    /// # Panics
    /// If it grew past 65535 octets, the most a DNS message can be.
    pub fn finish(mut self) -> Vec<u8> {
        assert!(self.out.len() <= usize::from(u16::MAX), "message too long");
        self.out[6..8].copy_from_slice(&self.answers.to_be_bytes());
        self.out
    }
}
