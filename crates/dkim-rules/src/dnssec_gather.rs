//! What the check machine asks for DNSSEC, and how it turns the run's answers into
//! [`DnssecObservations`]: the sans-I/O half of the DNSSEC check that knows dns-wire's resolver
//! types (the rules in [`crate::dnssec`] see only the observations).
//!
//! The evidence, with as few extra queries as the chain allows (every query of the check
//! carries DO, so the answers already hold their RRSIGs and denials):
//! - the DS of each zone comes from the referral its parent gave during the check's walks
//!   (DS and RRSIG, or the NSEC/NSEC3 proof there is none); only a zone whose referral the
//!   check did not see (the run had the cut cached from an earlier check) gets a DS question,
//!   to the parent server that gave the referral;
//! - the DNSKEY set is asked of every server of the zone that holds the DKIM names (the zone
//!   whose servers the check surveys anyway, where servers that differ matter) and of the
//!   zone that answers each key lookup at a target (the run's lookups ask it, see
//!   `ResolverConfig::zone_keys`), and of one server of every other zone on the path: the
//!   root, the TLDs, the provider's parent zones, as a validating resolver asks them;
//! - the relied-on answers are the expected names' answers from every server, and the
//!   authoritative answers of the key lookups at the targets.

use std::collections::BTreeSet;

use dns_wire::resolver::{Classification, QueryPurpose, QueryRecord, ServerAddr};
use dns_wire::{Name, RecordType};

use crate::dnssec::{
    DnssecObservations, SignedAnswer, SignedOutcome, SignedProbe, ZoneKeysObservation,
};
use crate::observe::ServerRef;

/// What the check was told about DNSSEC: the time to validate at and the trust anchors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnssecSetup {
    /// Validation time, seconds since the Unix epoch: the one clock of the check, injected.
    pub now: u64,
    /// Trust anchors as zone-file lines (DS or DNSKEY); empty: the IANA root anchors.
    pub anchors: Vec<String>,
}

/// One server's response as the DNSSEC rules keep it.
pub(crate) fn signed_answer(record: &QueryRecord, server: ServerRef) -> SignedAnswer {
    let outcome = match &record.result {
        Ok(exchange) => SignedOutcome::from_message(&exchange.response),
        Err(error) => SignedOutcome::Error {
            error: crate::engine::rules_error(error),
        },
    };
    SignedAnswer { server, outcome }
}

/// The zone each referral among `records` delegates, with the referral (its authority
/// section holds the DS and its RRSIG, or the proof there is no DS).
pub(crate) fn referrals<'a>(
    records: impl Iterator<Item = &'a QueryRecord>,
) -> Vec<(Name, &'a QueryRecord)> {
    records
        .filter_map(|q| match &q.classification {
            // Only a parent speaks for a child's DS: a referral to a zone that is not below
            // the zone the server was asked as (a confused or lame server) is no evidence.
            Classification::Referral { zone }
                if q.result.is_ok() && zone != &q.zone && zone.is_subdomain_of(&q.zone) =>
            {
                Some((zone.clone(), q))
            }
            _ => None,
        })
        .collect()
}

/// The DNSKEY answers among `records` (asked by the run along its walks, see
/// `ResolverConfig::zone_keys`), with the zone each is of.
pub(crate) fn zone_keys<'a>(
    records: impl Iterator<Item = &'a QueryRecord>,
) -> Vec<&'a QueryRecord> {
    records
        .filter(|q| q.question.qtype == RecordType::DNSKEY && q.question.name == q.zone)
        .collect()
}

/// The authoritative answers to a lookup's own question of type `qtype` in its trace
/// (answers, CNAMEs, denials along its chain), each the answer of the zone that gave it.
/// The address lookups of name servers in the same trace are left out: whether a walk makes
/// them depends on what other walks of the run cached first, and they are not what the check
/// relies on.
pub(crate) fn authoritative_answers<'a>(
    records: impl Iterator<Item = &'a QueryRecord>,
    qtype: RecordType,
) -> Vec<&'a QueryRecord> {
    records
        // Not the zones' keys the run asked along the walk (see `zone_keys`).
        .filter(|q| q.purpose != QueryPurpose::ZoneApex)
        .filter(|q| q.question.qtype == qtype)
        .filter(|q| q.classification.is_authoritative() && q.result.is_ok())
        .collect()
}

/// The evidence being gathered.
#[derive(Debug, Default)]
pub(crate) struct Gathered {
    /// The zones to validate, parents before children.
    pub zones: Vec<Name>,
    /// DNSKEY answers per zone.
    pub dnskey: Vec<(Name, SignedAnswer)>,
    /// DS evidence per zone.
    pub ds: Vec<(Name, SignedAnswer)>,
    /// The relied-on answers.
    pub answers: Vec<SignedProbe>,
}

impl Gathered {
    /// Adds a zone and the zones above it (`path`: root first), once each.
    pub fn add_path(&mut self, path: impl IntoIterator<Item = Name>) {
        for zone in path {
            if !self.zones.contains(&zone) {
                self.zones.push(zone);
            }
        }
    }

    /// Adds one relied-on answer under its question.
    pub fn add_answer(&mut self, record: &QueryRecord, server: ServerRef) {
        let answer = signed_answer(record, server);
        let question = &record.question;
        match self
            .answers
            .iter_mut()
            .find(|p| p.name == question.name && p.rtype == question.qtype)
        {
            Some(probe) => {
                if !probe.answers.iter().any(|a| a.server == answer.server) {
                    probe.answers.push(answer);
                }
            }
            None => self.answers.push(SignedProbe {
                name: question.name.clone(),
                rtype: question.qtype,
                answers: vec![answer],
            }),
        }
    }

    /// Adds one server's answer to a zone's DNSKEY question (once per zone and server).
    pub fn add_keys(&mut self, zone: &Name, record: &QueryRecord, server: ServerRef) {
        if !self
            .dnskey
            .iter()
            .any(|(z, a)| z == zone && a.server == server)
        {
            self.dnskey
                .push((zone.clone(), signed_answer(record, server)));
        }
    }

    /// Adds the DS evidence of the referrals among `records` (one per zone and server).
    pub fn add_referrals<'a>(
        &mut self,
        records: impl Iterator<Item = &'a QueryRecord>,
        server_ref: impl Fn(&ServerAddr) -> ServerRef,
    ) {
        for (zone, record) in referrals(records) {
            let server = server_ref(&record.server);
            if self
                .ds
                .iter()
                .any(|(z, a)| *z == zone && a.server == server)
            {
                continue;
            }
            self.ds.push((zone, signed_answer(record, server)));
        }
    }

    /// Zones on the path whose DS evidence no referral brought.
    pub fn zones_without_ds(&self) -> Vec<Name> {
        let have: BTreeSet<&Name> = self.ds.iter().map(|(z, _)| z).collect();
        self.zones
            .iter()
            .filter(|z| !z.is_root() && !have.contains(z))
            .cloned()
            .collect()
    }

    /// The observations for the rules.
    pub fn into_observations(self, setup: &DnssecSetup) -> DnssecObservations {
        let mut zones: Vec<ZoneKeysObservation> = self
            .zones
            .iter()
            .map(|zone| ZoneKeysObservation {
                zone: zone.clone(),
                ds: self
                    .ds
                    .iter()
                    .filter(|(z, _)| z == zone)
                    .map(|(_, a)| a.clone())
                    .collect(),
                dnskey: self
                    .dnskey
                    .iter()
                    .filter(|(z, _)| z == zone)
                    .map(|(_, a)| a.clone())
                    .collect(),
            })
            .collect();
        // Parents before children, each server list in one order.
        zones.sort_by(|a, b| (a.zone.label_count(), &a.zone).cmp(&(b.zone.label_count(), &b.zone)));
        for z in &mut zones {
            z.ds.sort_by(|a, b| a.server.cmp(&b.server));
            z.dnskey.sort_by(|a, b| a.server.cmp(&b.server));
        }
        let mut answers = self.answers;
        for p in &mut answers {
            p.answers.sort_by(|a, b| a.server.cmp(&b.server));
        }
        DnssecObservations {
            now: setup.now,
            anchors: setup.anchors.clone(),
            zones,
            answers,
            not_checked: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dns_wire::resolver::Classification;
    use dns_wire::transport::Exchange;
    use dns_wire::{Message, Question};
    use std::net::SocketAddr;
    use std::time::Duration;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    /// A referral to `child` from a server asked as a server of `asked_in`.
    fn referral(asked_in: &str, child: &str) -> QueryRecord {
        let address: SocketAddr = "192.0.2.1:53".parse().unwrap();
        let question = Question::new(n(&format!("x.{child}")), RecordType::TXT);
        QueryRecord {
            zone: n(asked_in),
            server: ServerAddr::new(None, address.ip()),
            address,
            question: question.clone(),
            purpose: QueryPurpose::Lookup,
            result: Ok(Exchange::first_udp(
                address,
                Message::query(1, question.name.clone(), question.qtype).response(),
                100,
                Duration::from_millis(1),
            )),
            classification: Classification::Referral { zone: n(child) },
            discarded: Vec::new(),
            repeated: false,
        }
    }

    #[test]
    fn only_a_parent_speaks_for_a_childs_ds() {
        let records = [
            referral("com", "amazonses.com"),
            // A server of the zone itself "referring" to it (confused, or asked as the
            // wrong zone after losses): not evidence of the zone's DS.
            referral("amazonses.com", "amazonses.com"),
            referral("dkim.amazonses.com", "amazonses.com"),
        ];
        let found: Vec<(Name, Name)> = referrals(records.iter())
            .into_iter()
            .map(|(zone, q)| (zone, q.zone.clone()))
            .collect();
        assert_eq!(found, vec![(n("amazonses.com"), n("com"))]);
    }
}
