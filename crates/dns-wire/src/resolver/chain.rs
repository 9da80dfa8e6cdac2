//! DNSSEC along a traced path, as DNSViz's text output shows it: per zone, the DS records at
//! the parent (key tag, algorithm, digest type, whether they match a key) and the DNSKEYs at
//! the zone (key tag, algorithm, flags), and per server whether its DNSKEY set and its answer
//! validated. Plain data computed from the responses a [`super::PathTrace`] collected, with
//! the [`crate::dnssec`] validator at the time given.

use crate::dnssec::keys::{ds_matches, key_tag, FLAG_REVOKE, FLAG_SEP, FLAG_ZONE};
use crate::dnssec::{
    dnskey_rrset, ds_evidence, DsEvidence, IndeterminateReason, Limits, RingCrypto, Security,
    TrustAnchors, Usage, Validator, ZoneStatus,
};
use crate::rdata::RData;
use crate::{Name, RecordType};

use super::{Classification, QueryRecord, ServerAddr};

/// What a trace validates with: the trust anchors and the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceValidation {
    /// The anchors (the IANA root KSKs, or a lab's).
    pub anchors: TrustAnchors,
    /// The validation time, seconds since the Unix epoch.
    pub now: u64,
}

/// A DS record at the parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsView {
    /// Key tag of the key it names.
    pub key_tag: u16,
    /// Algorithm of that key.
    pub algorithm: u8,
    /// Digest type (1 SHA-1, 2 SHA-256, 4 SHA-384).
    pub digest_type: u8,
    /// Whether a DNSKEY the zone's servers publish matches it (tag, algorithm and digest).
    pub matches_key: bool,
}

/// A DNSKEY at the zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyView {
    /// Key tag.
    pub key_tag: u16,
    /// Algorithm.
    pub algorithm: u8,
    /// Flags (256 a zone key, 257 a zone key with SEP, +128 revoked).
    pub flags: u16,
    /// Whether a DS at the parent (or a trust anchor) names it.
    pub matched_by_ds: bool,
}

impl KeyView {
    /// The SEP flag: a key-signing key by convention (RFC 4034 §2.1.1).
    pub fn sep(&self) -> bool {
        self.flags & FLAG_SEP != 0
    }

    /// The zone-key flag: the key may sign the zone's data.
    pub fn zone_key(&self) -> bool {
        self.flags & FLAG_ZONE != 0
    }

    /// The REVOKE flag (RFC 5011).
    pub fn revoked(&self) -> bool {
        self.flags & FLAG_REVOKE != 0
    }
}

/// Where the zone's entry keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DsSource {
    /// A trust anchor for the zone itself.
    Anchor,
    /// The DS RRset at the parent zone.
    Parent(Name),
    /// The parent proves there is no DS (or no server of the parent answered).
    NoDs(Name),
    /// Above the trust anchor, or the parent is not on the path.
    None,
}

/// One server of a zone: its DNSKEY set's status and its answer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSecurity {
    /// The server.
    pub server: ServerAddr,
    /// The zone's keys as this server serves them, from the trust anchor or the DS.
    pub keys: Security,
    /// This server's answer to the traced question (a referral: its delegation), when it
    /// gave one; `None` when it did not answer usably.
    pub answer: Option<Security>,
}

/// One zone of the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneSecurity {
    /// The zone.
    pub zone: Name,
    /// Where its entry keys come from.
    pub ds_source: DsSource,
    /// The DS records its parent's servers gave (each once).
    pub ds: Vec<DsView>,
    /// The DNSKEYs its servers gave (each once).
    pub keys: Vec<KeyView>,
    /// The zone's status: bogus if any server's DNSKEY set is, else secure if one server's
    /// is, else the first server's.
    pub security: Security,
    /// Each server that answered the DNSKEY question or the traced one, in the hop's order.
    pub servers: Vec<ServerSecurity>,
}

/// DNSSEC along the whole path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSecurity {
    /// The validation time used, seconds since the Unix epoch.
    pub now: u64,
    /// One entry per hop of the trace, in the same order.
    pub zones: Vec<ZoneSecurity>,
    /// The final answer as a validating resolver would see it: bogus if any server of a
    /// zone that settled the question gave a bogus answer, else indeterminate, insecure or
    /// secure in that order.
    pub answer: Security,
    /// Signature checks and NSEC3 hashes spent.
    pub usage: Usage,
}

/// The DNSSEC evidence of one hop: the zone, the answers of its parent's servers to its DS,
/// of its own servers to its DNSKEY, and of its servers to the traced question.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HopEvidence<'a> {
    pub zone: &'a Name,
    pub ds: &'a [QueryRecord],
    pub dnskey: &'a [QueryRecord],
    pub answers: &'a [QueryRecord],
}

fn sections(record: &QueryRecord) -> Option<(crate::Rcode, &[crate::Record], &[crate::Record])> {
    let exchange = record.result.as_ref().ok()?;
    let m = &exchange.response;
    Some((m.rcode(), &m.answers, &m.authority))
}

/// Rank of a status for the summary: the worse, the higher.
fn rank(security: &Security) -> u8 {
    match security {
        Security::Secure => 0,
        Security::Insecure(_) => 1,
        Security::Indeterminate(_) => 2,
        Security::Bogus(_) => 3,
    }
}

/// Validates the path: `hops` from the root down (a zone may appear more than once, asked
/// for a CNAME target; its DNSKEY and DS evidence is the same each time).
pub(crate) fn validate_path(setup: &TraceValidation, hops: &[HopEvidence<'_>]) -> PathSecurity {
    let mut v = Validator::new(&RingCrypto, setup.now, Limits::default());
    let mut zones: Vec<ZoneSecurity> = Vec::with_capacity(hops.len());
    // Per distinct zone: each server's status, for the children and the answers.
    let mut statuses: Vec<(Name, Vec<(ServerAddr, ZoneStatus)>)> = Vec::new();
    let mut answer_summary: Option<Security> = None;
    for hop in hops {
        let zone = hop.zone;
        let anchor_zone = setup.anchors.closest(zone);
        let parent = statuses
            .iter()
            .filter(|(z, _)| z != zone && zone.is_subdomain_of(z))
            .max_by_key(|(z, _)| z.label_count())
            .map(|(z, list)| (z.clone(), list.clone()));
        let parent_status: Option<ZoneStatus> = parent.as_ref().and_then(|(_, list)| {
            list.iter()
                .find(|(_, s)| s.security == Security::Secure)
                .or_else(|| list.first())
                .map(|(_, s)| s.clone())
        });
        // The DS evidence: the first parent server that gave the DS RRset, else the first
        // that gave a denial.
        let evidence: Vec<DsEvidence> = hop
            .ds
            .iter()
            .filter_map(|r| {
                let (rcode, answer, authority) = sections(r)?;
                ds_evidence(rcode, answer, authority, zone)
            })
            .collect();
        let ds_evidence = evidence
            .iter()
            .find(|e| matches!(e, DsEvidence::Present(_)))
            .or_else(|| evidence.first())
            .cloned()
            .unwrap_or(DsEvidence::Missing);
        let (anchor_ds, anchor_keys) = setup.anchors.for_zone(zone);
        let anchored = anchor_zone.as_ref() == Some(zone);
        let ds_source = if anchored {
            DsSource::Anchor
        } else {
            match (&parent, &ds_evidence) {
                (Some((p, _)), DsEvidence::Present(_)) => DsSource::Parent(p.clone()),
                (Some((p, _)), _) => DsSource::NoDs(p.clone()),
                (None, _) => DsSource::None,
            }
        };
        let mut ds_records: Vec<crate::rdata::Ds> = Vec::new();
        if anchored {
            ds_records.extend(anchor_ds.iter().cloned());
        }
        for e in &evidence {
            if let DsEvidence::Present(set) = e {
                for d in &set.data {
                    if let RData::Ds(ds) = d {
                        if !ds_records.contains(ds) {
                            ds_records.push(ds.clone());
                        }
                    }
                }
            }
        }

        let mut dnskeys: Vec<crate::rdata::Dnskey> = anchor_keys.clone();
        let mut servers: Vec<ServerSecurity> = Vec::new();
        let mut own: Vec<(ServerAddr, ZoneStatus)> = Vec::new();
        let known = statuses.iter().find(|(z, _)| z == zone).map(|(_, l)| l);
        for record in hop.dnskey {
            let Some(set) =
                sections(record).and_then(|(rcode, answer, _)| dnskey_rrset(rcode, answer, zone))
            else {
                continue;
            };
            for d in &set.data {
                if let RData::Dnskey(k) = d {
                    if !dnskeys.contains(k) {
                        dnskeys.push(k.clone());
                    }
                }
            }
            let (security, keys) = match known.and_then(|l| {
                l.iter()
                    .find(|(s, _)| s == &record.server)
                    .map(|(_, st)| st.clone())
            }) {
                // Already validated at an earlier hop of the same zone.
                Some(status) => (status.security, status.keys),
                None => v.keys_below(
                    &setup.anchors,
                    parent_status.as_ref(),
                    zone,
                    &ds_evidence,
                    &set,
                ),
            };
            own.push((
                record.server.clone(),
                ZoneStatus {
                    zone: zone.clone(),
                    security,
                    keys,
                },
            ));
        }
        let fallback = own
            .iter()
            .find(|(_, s)| s.security == Security::Secure)
            .or_else(|| own.first())
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| ZoneStatus {
                zone: zone.clone(),
                security: Security::Indeterminate(IndeterminateReason::Missing {
                    name: zone.clone(),
                    rtype: RecordType::DNSKEY,
                }),
                keys: None,
            });
        for answer in hop.answers {
            let status = own
                .iter()
                .find(|(s, _)| s == &answer.server)
                .map(|(_, s)| s)
                .unwrap_or(&fallback);
            let security =
                sections(answer).and_then(|(rcode, ans, auth)| match &answer.classification {
                    Classification::Referral { zone: child } => {
                        Some(v.referral(status, child, rcode, ans, auth))
                    }
                    c if c.is_authoritative() => Some(
                        v.response(
                            status,
                            &answer.question.name,
                            answer.question.qtype,
                            rcode,
                            ans,
                            auth,
                        )
                        .security,
                    ),
                    _ => None,
                });
            if answer.classification.is_authoritative() {
                if let Some(s) = &security {
                    if answer_summary.as_ref().map_or(true, |w| rank(s) > rank(w)) {
                        answer_summary = Some(s.clone());
                    }
                }
            }
            servers.push(ServerSecurity {
                server: answer.server.clone(),
                keys: status.security.clone(),
                answer: security,
            });
        }
        // Servers that answered the DNSKEY question but not the traced one.
        for (server, status) in &own {
            if !servers.iter().any(|s| &s.server == server) {
                servers.push(ServerSecurity {
                    server: server.clone(),
                    keys: status.security.clone(),
                    answer: None,
                });
            }
        }
        let security = own
            .iter()
            .map(|(_, s)| &s.security)
            .find(|s| s.is_bogus())
            .cloned()
            .unwrap_or_else(|| fallback.security.clone());
        let ds_view: Vec<DsView> = ds_records
            .iter()
            .map(|d| DsView {
                key_tag: d.key_tag,
                algorithm: d.algorithm,
                digest_type: d.digest_type,
                matches_key: dnskeys.iter().any(|k| ds_matches(v.crypto(), d, zone, k)),
            })
            .collect();
        let keys_view: Vec<KeyView> = dnskeys
            .iter()
            .map(|k| KeyView {
                key_tag: key_tag(k),
                algorithm: k.algorithm,
                flags: k.flags,
                matched_by_ds: ds_records
                    .iter()
                    .any(|d| ds_matches(v.crypto(), d, zone, k))
                    || anchor_keys.iter().any(|a| a.public_key == k.public_key),
            })
            .collect();
        if known.is_none() {
            statuses.push((zone.clone(), own));
        }
        zones.push(ZoneSecurity {
            zone: zone.clone(),
            ds_source,
            ds: ds_view,
            keys: keys_view,
            security,
            servers,
        });
    }
    PathSecurity {
        now: setup.now,
        zones,
        answer: answer_summary.unwrap_or(Security::Indeterminate(IndeterminateReason::Missing {
            name: hops
                .last()
                .map(|h| h.zone.clone())
                .unwrap_or_else(Name::root),
            rtype: RecordType::ANY,
        })),
        usage: v.usage(),
    }
}
