//! Authoritative answering, without I/O: given the zones one server holds and a query, the
//! response an authoritative server gives (RFC 1034 §4.3.2, RFC 2308, RFC 4592, RFC 6604).
//!
//! - The zone is the closest enclosing one the server holds; none gives REFUSED (what BIND
//!   does for a zone it does not serve with recursion off).
//! - A name at or below a delegation point gets a referral: the NS set in the authority
//!   section, glue in the additional section, AA clear. Glue is the address records the zone
//!   holds for the NS names at or below one of its delegation points (sibling glue included);
//!   addresses that are the zone's own authoritative data are not added, and positive answers
//!   carry no extra sections: minimal responses, exactly as the BIND lab's
//!   `minimal-responses yes` gives them, so the two can be compared record for record.
//!   A DS query at the cut is answered by the parent, as RFC 4035 §3.1.4.1 requires.
//! - CNAMEs are followed inside the zone (bounded), the chain is returned in the answer section.
//! - Names that do not exist get NXDOMAIN, names without the type get NODATA, both with the
//!   SOA in the authority section, its TTL capped by the SOA minimum (RFC 2308 §3).
//! - Wildcards synthesise answers for names that do not exist below the closest encloser
//!   (RFC 4592); an empty non-terminal exists and blocks them.

use std::collections::HashSet;

use dns_wire::{Edns, Message, Name, Opcode, RData, Rcode, Record, RecordType};

use crate::network::Zone;

/// At most this many CNAMEs are followed inside one zone, so a CNAME loop in a zone cannot
/// make the server spin.
pub const MAX_IN_ZONE_CNAME_HOPS: usize = 16;

/// The response of an authoritative server holding `zones` to `query`.
pub fn answer(zones: &[&Zone], query: &Message) -> Message {
    let mut response = Message {
        header: dns_wire::Header {
            id: query.header.id,
            response: true,
            opcode: query.header.opcode,
            recursion_desired: query.header.recursion_desired,
            ..Default::default()
        },
        questions: query.questions.clone(),
        ..Message::default()
    };
    let dnssec_ok = query.edns.as_ref().is_some_and(|e| e.dnssec_ok);
    if let Some(edns) = &query.edns {
        // DO is copied into the response (RFC 3225 §3).
        response.edns = Some(Edns {
            dnssec_ok,
            ..Edns::default()
        });
        if edns.version != 0 {
            response.set_rcode(Rcode::BADVERS);
            return response;
        }
    }
    if query.header.opcode != Opcode::QUERY {
        response.set_rcode(Rcode::NOTIMP);
        return response;
    }
    let [question] = query.questions.as_slice() else {
        response.set_rcode(Rcode::FORMERR);
        return response;
    };
    if question.qclass != dns_wire::Class::IN {
        response.set_rcode(Rcode::REFUSED);
        return response;
    }
    let Some(zone) = zones
        .iter()
        .filter(|z| question.name.is_subdomain_of(&z.origin))
        .max_by_key(|z| z.origin.label_count())
    else {
        response.set_rcode(Rcode::REFUSED);
        return response;
    };
    resolve_in_zone(zone, &question.name, question.qtype, &mut response);
    if dnssec_ok && is_signed(zone) {
        crate::signing::add_proofs(zone, &question.name, &mut response);
    }
    response
}

/// Whether the zone is signed (it has a DNSKEY set at its apex).
fn is_signed(zone: &Zone) -> bool {
    zone.records_at(&zone.origin)
        .any(|r| r.rtype() == RecordType::DNSKEY)
}

/// The highest delegation point at or above `name` (below the apex), if any.
pub(crate) fn delegation_cut(zone: &Zone, name: &Name) -> Option<Name> {
    let mut cut = None;
    let mut candidate = name.clone();
    while candidate != zone.origin {
        if zone
            .records_at(&candidate)
            .any(|r| r.rtype() == RecordType::NS)
        {
            cut = Some(candidate.clone());
        }
        match candidate.parent() {
            Some(parent) => candidate = parent,
            None => break,
        }
    }
    cut
}

/// Whether `name` exists in the zone: it owns records, or it is an empty non-terminal. The
/// NSEC3 records of a signed zone (owners are hashes) are not names of the zone.
pub(crate) fn name_exists(zone: &Zone, name: &Name) -> bool {
    zone.records
        .iter()
        .any(|r| r.name.is_subdomain_of(name) && !crate::signing::is_nsec3_data(r))
}

/// The glue the zone holds for `hosts`: address records at or below one of its delegation
/// points.
fn glue_for(zone: &Zone, hosts: &[Name]) -> Vec<Record> {
    let hosts: HashSet<&Name> = hosts.iter().collect();
    zone.records
        .iter()
        .filter(|r| {
            matches!(r.rtype(), RecordType::A | RecordType::AAAA)
                && hosts.contains(&r.name)
                && delegation_cut(zone, &r.name).is_some()
        })
        .cloned()
        .collect()
}

fn ns_hosts(records: &[Record]) -> Vec<Name> {
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::Ns(host) => Some(host.clone()),
            _ => None,
        })
        .collect()
}

/// The SOA for a negative answer, its TTL lowered to the SOA minimum (RFC 2308 §3).
fn negative_soa(zone: &Zone) -> Option<Record> {
    let mut soa = zone.soa_record()?.clone();
    if let RData::Soa(data) = &soa.data {
        soa.ttl = soa.ttl.min(data.minimum);
    }
    Some(soa)
}

/// Appends the records not already in `section`. A set, not `contains`: a hostile referral
/// fixture holds thousands of NS records, and a quadratic scan made the server take seconds.
pub(crate) fn push_unique(section: &mut Vec<Record>, records: impl IntoIterator<Item = Record>) {
    let mut seen: HashSet<Record> = section.iter().cloned().collect();
    for record in records {
        if seen.insert(record.clone()) {
            section.push(record);
        }
    }
}

fn resolve_in_zone(zone: &Zone, qname: &Name, qtype: RecordType, response: &mut Message) {
    let mut name = qname.clone();
    for _ in 0..=MAX_IN_ZONE_CNAME_HOPS {
        if let Some(cut) = delegation_cut(zone, &name) {
            // The DS set and the NSEC at a delegation point are the parent's own data (RFC
            // 4035 §2.4, §2.3): answered here, as BIND does, not referred.
            let parent_side = name == cut && matches!(qtype, RecordType::DS | RecordType::NSEC);
            if !parent_side {
                let ns: Vec<Record> = zone
                    .records_at(&cut)
                    .filter(|r| r.rtype() == RecordType::NS)
                    .cloned()
                    .collect();
                let glue = glue_for(zone, &ns_hosts(&ns));
                push_unique(&mut response.authority, ns);
                push_unique(&mut response.additional, glue);
                // AA stays set only if part of the answer came from this zone (a CNAME chain
                // that ran into a delegation).
                response.header.authoritative = !response.answers.is_empty();
                return;
            }
        }
        response.header.authoritative = true;

        // The records at the name, or synthesised from a wildcard (owner rewritten).
        // NSEC3 records (owners are hashes) are not names of the zone: a query for one is
        // answered as for a name that does not exist, as BIND does.
        let exact: Vec<Record> = zone
            .records_at(&name)
            .filter(|r| !crate::signing::is_nsec3_data(r))
            .cloned()
            .collect();
        let found = if !exact.is_empty() {
            exact
        } else if name_exists(zone, &name) {
            Vec::new() // empty non-terminal: NODATA
        } else {
            let synthesised = wildcard_records(zone, &name);
            if synthesised.is_empty() {
                response.set_rcode(Rcode::NXDOMAIN);
                push_unique(&mut response.authority, negative_soa(zone));
                return;
            }
            synthesised
        };

        let matching: Vec<Record> = found
            .iter()
            .filter(|r| qtype == RecordType::ANY || r.rtype() == qtype)
            .cloned()
            .collect();
        if !matching.is_empty() {
            push_unique(&mut response.answers, matching);
            return;
        }
        let cname = found.iter().find_map(|r| match &r.data {
            RData::Cname(target) => Some((r.clone(), target.clone())),
            _ => None,
        });
        match cname {
            Some((record, target)) => {
                let seen = response.answers.contains(&record);
                push_unique(&mut response.answers, [record]);
                if seen || !target.is_subdomain_of(&zone.origin) {
                    return;
                }
                name = target;
            }
            None if crate::signing::nodata_unprovable(zone, &name) => {
                response.answers.clear();
                response.authority.clear();
                response.additional.clear();
                response.header.authoritative = false;
                response.set_rcode(Rcode::SERVFAIL);
                return;
            }
            None => {
                push_unique(&mut response.authority, negative_soa(zone));
                return;
            }
        }
    }
}

/// RFC 4592 §4.3: the records of `*.<closest encloser>` with their owner set to `name`, if
/// `name` does not exist and that wildcard does.
pub(crate) fn wildcard_records(zone: &Zone, name: &Name) -> Vec<Record> {
    let mut encloser = name.parent();
    while let Some(candidate) = encloser {
        if !candidate.is_subdomain_of(&zone.origin) {
            break;
        }
        if name_exists(zone, &candidate) {
            let Ok(wildcard) = candidate.prepend(b"*") else {
                return Vec::new();
            };
            return zone
                .records_at(&wildcard)
                .map(|r| Record {
                    name: name.clone(),
                    ..r.clone()
                })
                .collect();
        }
        encloser = candidate.parent();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::ZoneBuilder;
    use std::net::Ipv4Addr;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn zone() -> Zone {
        ZoneBuilder::new("example.com", &["ns1.example.com", "ns2.host.net"])
            .a("ns1.example.com", Ipv4Addr::new(127, 53, 9, 1))
            .ns("sub.example.com", "ns.sub.example.com")
            .a("ns.sub.example.com", Ipv4Addr::new(127, 53, 9, 2))
            .cname("www.example.com", "host.example.com")
            .a("host.example.com", Ipv4Addr::new(192, 0, 2, 1))
            .cname("out.example.com", "elsewhere.net")
            .cname("loop1.example.com", "loop2.example.com")
            .cname("loop2.example.com", "loop1.example.com")
            .cname("intocut.example.com", "x.sub.example.com")
            .txt("a.b.c.example.com", &["deep"])
            .txt("*.wild.example.com", &["synthesised"])
            .txt("real.wild.example.com", &["real"])
            .build()
    }

    fn ask(zone: &Zone, name: &str, qtype: RecordType) -> Message {
        answer(&[zone], &Message::query(42, n(name), qtype))
    }

    #[test]
    fn authoritative_answers_are_minimal() {
        let z = zone();
        let r = ask(&z, "host.example.com", RecordType::A);
        assert!(r.header.response && r.header.authoritative);
        assert_eq!(r.header.id, 42);
        assert_eq!(r.rcode(), Rcode::NOERROR);
        assert_eq!(r.answers.len(), 1);
        assert!(r.authority.is_empty() && r.additional.is_empty());
        let r = ask(&z, "example.com", RecordType::NS);
        assert_eq!(r.answers.len(), 2);
        assert!(r.additional.is_empty());
    }

    #[test]
    fn referrals_carry_glue_but_not_authoritative_addresses() {
        // ns1.example.com is the zone's own data, not glue: a referral to it carries no address.
        let z = ZoneBuilder::new("example.com", &["ns1.example.com"])
            .a("ns1.example.com", Ipv4Addr::new(127, 53, 9, 1))
            .ns("child.example.com", "ns1.example.com")
            .build();
        let r = ask(&z, "x.child.example.com", RecordType::TXT);
        assert_eq!(r.authority.len(), 1);
        assert!(r.additional.is_empty());
    }

    #[test]
    fn referral_with_glue_and_no_aa() {
        let z = zone();
        for name in ["sub.example.com", "x.y.sub.example.com"] {
            let r = ask(&z, name, RecordType::TXT);
            assert!(!r.header.authoritative, "{name}");
            assert!(r.answers.is_empty());
            assert_eq!(r.authority.len(), 1);
            assert_eq!(r.authority[0].data, RData::Ns(n("ns.sub.example.com")));
            assert_eq!(r.additional.len(), 1);
            assert_eq!(r.rcode(), Rcode::NOERROR);
        }
        // DS at the cut belongs to the parent: NODATA with SOA, authoritative.
        let r = ask(&z, "sub.example.com", RecordType::DS);
        assert!(r.header.authoritative);
        assert_eq!(r.authority[0].rtype(), RecordType::SOA);
    }

    #[test]
    fn negative_answers_carry_the_soa() {
        let z = zone();
        let r = ask(&z, "nope.example.com", RecordType::TXT);
        assert_eq!(r.rcode(), Rcode::NXDOMAIN);
        assert!(r.header.authoritative);
        assert_eq!(r.authority[0].rtype(), RecordType::SOA);
        assert_eq!(r.authority[0].ttl, 300);
        let r = ask(&z, "host.example.com", RecordType::TXT);
        assert_eq!(r.rcode(), Rcode::NOERROR);
        assert!(r.answers.is_empty());
        assert_eq!(r.authority[0].rtype(), RecordType::SOA);
        // Empty non-terminals exist.
        let r = ask(&z, "b.c.example.com", RecordType::TXT);
        assert_eq!(r.rcode(), Rcode::NOERROR);
        assert!(r.answers.is_empty());
    }

    #[test]
    fn cname_chasing_inside_the_zone() {
        let z = zone();
        let r = ask(&z, "www.example.com", RecordType::A);
        assert_eq!(r.answers.len(), 2);
        assert_eq!(r.answers[1].data, RData::A(Ipv4Addr::new(192, 0, 2, 1)));
        // Asking for the CNAME itself does not chase.
        let r = ask(&z, "www.example.com", RecordType::CNAME);
        assert_eq!(r.answers.len(), 1);
        // Out of zone: the chain stops, the resolver goes on elsewhere.
        let r = ask(&z, "out.example.com", RecordType::TXT);
        assert_eq!(r.answers.len(), 1);
        assert!(r.authority.is_empty());
        // A loop ends.
        let r = ask(&z, "loop1.example.com", RecordType::TXT);
        assert_eq!(r.answers.len(), 2);
        // Into a delegation: CNAME plus referral, AA kept for the CNAME.
        let r = ask(&z, "intocut.example.com", RecordType::TXT);
        assert_eq!(r.answers.len(), 1);
        assert_eq!(r.authority[0].rtype(), RecordType::NS);
        assert!(r.header.authoritative);
    }

    #[test]
    fn wildcards_synthesise_but_not_over_existing_names() {
        let z = zone();
        let r = ask(&z, "random.wild.example.com", RecordType::TXT);
        assert_eq!(r.answers.len(), 1);
        assert_eq!(r.answers[0].name, n("random.wild.example.com"));
        let r = ask(&z, "a.b.random.wild.example.com", RecordType::TXT);
        assert_eq!(r.answers[0].name, n("a.b.random.wild.example.com"));
        let r = ask(&z, "real.wild.example.com", RecordType::TXT);
        assert_eq!(r.answers[0].data, RData::Txt(dns_wire::Txt::new(["real"])));
        // Below an existing name the wildcard of its parent does not apply.
        let r = ask(&z, "x.real.wild.example.com", RecordType::TXT);
        assert_eq!(r.rcode(), Rcode::NXDOMAIN);
    }

    #[test]
    fn refused_outside_served_zones_and_odd_queries() {
        let z = zone();
        let r = ask(&z, "example.org", RecordType::A);
        assert_eq!(r.rcode(), Rcode::REFUSED);
        assert!(!r.header.authoritative);
        let mut q = Message::query(1, n("example.com"), RecordType::A);
        q.questions.clear();
        assert_eq!(answer(&[&z], &q).rcode(), Rcode::FORMERR);
        let mut q = Message::query(1, n("example.com"), RecordType::A);
        q.header.opcode = Opcode::UPDATE;
        assert_eq!(answer(&[&z], &q).rcode(), Rcode::NOTIMP);
        let mut q = Message::query(1, n("example.com"), RecordType::A);
        q.edns.as_mut().unwrap().version = 1;
        assert_eq!(answer(&[&z], &q).rcode(), Rcode::BADVERS);
    }

    #[test]
    fn closest_zone_wins() {
        let parent = zone();
        let child = ZoneBuilder::new("sub.example.com", &["ns.sub.example.com"])
            .txt("x.sub.example.com", &["child"])
            .build();
        let r = answer(
            &[&parent, &child],
            &Message::query(1, n("x.sub.example.com"), RecordType::TXT),
        );
        assert!(r.header.authoritative);
        assert_eq!(r.answers.len(), 1);
    }
}
