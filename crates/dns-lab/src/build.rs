//! Small builders that keep the lab description readable.
//!
//! They take names as text because the lab is described by constants in this crate; a name
//! that does not parse is a bug in the description, so it panics with the offending text (the
//! `miniature_internet_is_valid` test builds the whole description on every test run).

use std::net::{Ipv4Addr, Ipv6Addr};

use dns_wire::{Name, RData, Record, Soa, Txt};

use crate::network::Zone;

/// Default TTL of lab records.
pub const DEFAULT_TTL: u32 = 3600;
/// Default SOA serial of lab zones.
pub const DEFAULT_SERIAL: u32 = 2026112601;
/// SOA minimum (negative-caching TTL) of lab zones.
pub const NEGATIVE_TTL: u32 = 300;

/// Parses a name from the lab description.
pub fn name(text: &str) -> Name {
    text.parse()
        .unwrap_or_else(|e| panic!("lab description holds an invalid name {text:?}: {e}"))
}

/// Splits a text into character-strings of at most 255 octets, as zone files and DNS hosts do
/// for long DKIM keys.
pub fn split_255(text: &str) -> Vec<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return vec![Vec::new()];
    }
    bytes.chunks(255).map(<[u8]>::to_vec).collect()
}

/// Builds one zone: SOA and apex NS first, then the records added.
#[derive(Debug, Clone)]
pub struct ZoneBuilder {
    zone: Zone,
    ttl: u32,
}

impl ZoneBuilder {
    /// A zone at `origin` whose apex NS set is `ns_hosts` (the first is the SOA MNAME).
    pub fn new(origin: &str, ns_hosts: &[&str]) -> Self {
        let origin = name(origin);
        let mname = ns_hosts
            .first()
            .map(|h| name(h))
            .unwrap_or_else(|| origin.clone());
        let rname = origin
            .prepend(b"hostmaster")
            .unwrap_or_else(|_| origin.clone());
        let soa = Soa {
            mname,
            rname,
            serial: DEFAULT_SERIAL,
            refresh: 3600,
            retry: 600,
            expire: 604800,
            minimum: NEGATIVE_TTL,
        };
        let mut records = vec![Record::new(origin.clone(), DEFAULT_TTL, RData::Soa(soa))];
        for host in ns_hosts {
            records.push(Record::new(
                origin.clone(),
                DEFAULT_TTL,
                RData::Ns(name(host)),
            ));
        }
        ZoneBuilder {
            zone: Zone { origin, records },
            ttl: DEFAULT_TTL,
        }
    }

    /// Sets the SOA serial.
    pub fn serial(mut self, serial: u32) -> Self {
        for record in &mut self.zone.records {
            if let RData::Soa(soa) = &mut record.data {
                soa.serial = serial;
            }
        }
        self
    }

    /// Adds any record data at `owner`.
    pub fn record(mut self, owner: &str, data: RData) -> Self {
        self.zone
            .records
            .push(Record::new(name(owner), self.ttl, data));
        self
    }

    /// Adds an A record.
    pub fn a(self, owner: &str, addr: Ipv4Addr) -> Self {
        self.record(owner, RData::A(addr))
    }

    /// Adds an AAAA record.
    pub fn aaaa(self, owner: &str, addr: Ipv6Addr) -> Self {
        self.record(owner, RData::Aaaa(addr))
    }

    /// Adds an NS record (a delegation when `owner` is below the apex).
    pub fn ns(self, owner: &str, host: &str) -> Self {
        self.record(owner, RData::Ns(name(host)))
    }

    /// Adds an MX record.
    pub fn mx(self, owner: &str, preference: u16, exchange: &str) -> Self {
        self.record(
            owner,
            RData::Mx(dns_wire::Mx {
                preference,
                exchange: name(exchange),
            }),
        )
    }

    /// Adds a CNAME record.
    pub fn cname(self, owner: &str, target: &str) -> Self {
        self.record(owner, RData::Cname(name(target)))
    }

    /// Adds a TXT record made of exactly these character-strings.
    pub fn txt(self, owner: &str, strings: &[&str]) -> Self {
        self.record(owner, RData::Txt(Txt::new(strings)))
    }

    /// Adds a TXT record holding `text`, split into 255-octet character-strings.
    pub fn txt_long(self, owner: &str, text: &str) -> Self {
        self.record(owner, RData::Txt(Txt::new(split_255(text))))
    }

    /// The zone.
    pub fn build(self) -> Zone {
        self.zone
    }
}
