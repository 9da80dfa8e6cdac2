//! DNSSEC on the path to every name the check relies on: what was observed
//! ([`DnssecObservations`], plain serde data, per server) and what it means (the `dnssec-*`
//! findings). The validation itself is `dns_wire::dnssec`, at the time the observations carry
//! ([`DnssecObservations::now`]): this crate has no clock.
//!
//! A validating resolver (Google Public DNS, Cloudflare, Unbound, most large receivers)
//! answers SERVFAIL for a name whose chain of trust is bogus; a DKIM key lookup that ends in
//! SERVFAIL is a temporary error (RFC 6376 §6.1.2) and SES cannot verify the records. That is
//! why a bogus chain on any relied-on name is an error with the SES `ErrorType`
//! `DNS_SERVER_ERROR`: an inference from what SES's resolvers must see, not something SES
//! documents.

use std::collections::BTreeMap;

use dns_wire::dnssec::{
    BogusReason, DsEvidence, InsecureReason, Limits, RingCrypto, Rrset, Security, TrustAnchors,
    Validator, ZoneStatus,
};
use dns_wire::{Class, Message, Name, Rcode, Record, RecordType};
use serde::{Deserialize, Serialize};

use crate::finding::{Finding, FindingCode, SesErrorType, Severity};
use crate::observe::{AnswerError, ServerRef};
use crate::serde_dns;

/// Signatures that expire sooner than this are reported (a warning): a zone whose signer
/// stopped re-signing goes bogus when they run out.
pub const EXPIRY_WARNING_SECONDS: u32 = 7 * 86_400;

/// DNSSEC evidence for one check, gathered with the DO bit set (`Observations::dnssec`;
/// absent when DNSSEC checks are off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnssecObservations {
    /// The validation time, seconds since the Unix epoch: the one clock the run injects.
    pub now: u64,
    /// Trust anchors as zone-file lines (DS or DNSKEY records, `--trust-anchor`); empty means
    /// the IANA root anchors built into `dns_wire::dnssec`.
    #[serde(default)]
    pub anchors: Vec<String>,
    /// The DS and DNSKEY answers for every name on the way from the root to the zones that
    /// answer the relied-on names (one entry per name asked: names that are not zone apexes
    /// are recognised from their answers and skipped).
    #[serde(default)]
    pub zones: Vec<ZoneKeysObservation>,
    /// The signed answers to the relied-on questions (the expected DKIM names, the CNAME
    /// chain, the keys at the targets), per server of the zone that holds each name.
    #[serde(default)]
    pub answers: Vec<SignedProbe>,
    /// Why DNSSEC was not checked although it was on (a lab's roots without a trust anchor
    /// for them): the rules then say so (`dnssec-not-checked`) and judge nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
}

impl DnssecObservations {
    /// DNSSEC on but not checked, for the reason given.
    pub fn not_checked(now: u64, why: impl Into<String>) -> DnssecObservations {
        DnssecObservations {
            now,
            anchors: Vec::new(),
            zones: Vec::new(),
            answers: Vec::new(),
            not_checked: Some(why.into()),
        }
    }
}

/// The answers about one name's keys: its DS at the parent and its DNSKEY set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneKeysObservation {
    /// The name (a zone apex, or an ancestor name that turns out not to be one).
    #[serde(with = "serde_dns::name")]
    pub zone: Name,
    /// The DS question, as the parent's servers answered it.
    #[serde(default)]
    pub ds: Vec<SignedAnswer>,
    /// The DNSKEY question, as the name's own servers answered it (every server).
    #[serde(default)]
    pub dnskey: Vec<SignedAnswer>,
}

/// One relied-on question and each server's signed answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedProbe {
    /// The name asked.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The type asked.
    #[serde(with = "serde_dns::rtype")]
    pub rtype: RecordType,
    /// One entry per server asked.
    pub answers: Vec<SignedAnswer>,
}

/// One server's answer, with every record kept whole (RRSIG, NSEC, NSEC3 included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedAnswer {
    /// Who answered.
    pub server: ServerRef,
    /// The answer.
    pub outcome: SignedOutcome,
}

/// A response with its records whole, or why there was none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignedOutcome {
    /// The server answered.
    Response {
        /// The response code.
        #[serde(with = "serde_dns::rcode")]
        rcode: Rcode,
        /// The answer section.
        #[serde(default)]
        answer: Vec<WireRecord>,
        /// The authority section (SOA, NS, DS, NSEC, NSEC3 and their RRSIGs).
        #[serde(default)]
        authority: Vec<WireRecord>,
    },
    /// No usable answer.
    Error {
        /// What went wrong.
        error: AnswerError,
    },
}

impl SignedOutcome {
    /// A parsed response as the DNSSEC rules keep it. A response without an OPT record is
    /// no evidence for or against signatures: the question went without EDNS (the transport
    /// falls back to plain DNS after losses or a FORMERR), so without the DO bit, and a
    /// server answers that without RRSIGs; it counts as not checked, like an answer that
    /// never came, rather than as a zone whose signatures are missing.
    pub fn from_message(message: &Message) -> SignedOutcome {
        if message.edns.is_none() {
            return SignedOutcome::Error {
                error: AnswerError::NotChecked,
            };
        }
        SignedOutcome::Response {
            rcode: message.rcode(),
            answer: message.answers.iter().map(WireRecord::from).collect(),
            authority: message.authority.iter().map(WireRecord::from).collect(),
        }
    }
}

/// A record in a form serde keeps whole: owner, TTL, type and the record data in hex (its
/// DNSSEC canonical form: no name compressed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// Owner name.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// TTL.
    pub ttl: u32,
    /// Type.
    #[serde(rename = "type", with = "serde_dns::rtype")]
    pub rtype: RecordType,
    /// The record data, hexadecimal.
    pub rdata: String,
}

impl From<&Record> for WireRecord {
    fn from(record: &Record) -> Self {
        let rdata = dns_wire::dnssec::rrset::canonical_rdata(&record.data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        WireRecord {
            name: record.name.clone(),
            ttl: record.ttl,
            rtype: record.rtype(),
            rdata,
        }
    }
}

impl WireRecord {
    /// The record, if its data parses for its type.
    pub fn to_record(&self) -> Option<Record> {
        let hex = self.rdata.as_bytes();
        if hex.len() % 2 != 0 {
            return None;
        }
        let bytes: Vec<u8> = hex
            .chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
            .collect::<Option<_>>()?;
        let data = dns_wire::parse::rdata(dns_wire::parse::Wire::new(&bytes), self.rtype).ok()?;
        Some(Record {
            name: self.name.clone(),
            class: Class::IN,
            ttl: self.ttl,
            data,
        })
    }
}

fn records(list: &[WireRecord]) -> Vec<Record> {
    list.iter().filter_map(WireRecord::to_record).collect()
}

/// A validation result tied to the server that gave the evidence.
struct ServerStatus {
    server: ServerRef,
    status: ZoneStatus,
}

/// What the DNSSEC rules concluded, for the diagnosis.
#[derive(Debug, Default)]
pub(crate) struct DnssecVerdict {
    pub findings: Vec<Finding>,
}

/// The DS evidence in one parent server's answer to the DS question.
fn ds_evidence(outcome: &SignedOutcome, zone: &Name) -> Option<DsEvidence> {
    let SignedOutcome::Response {
        rcode,
        answer,
        authority,
    } = outcome
    else {
        return None;
    };
    dns_wire::dnssec::ds_evidence(*rcode, &records(answer), &records(authority), zone)
}

/// Whether a DNSKEY answer says the name is a zone apex: a DNSKEY set, or a NODATA whose SOA
/// is owned by the name (an unsigned zone). A NODATA with the SOA of an enclosing zone, or
/// NXDOMAIN, says it is not.
fn is_apex(outcome: &SignedOutcome, name: &Name) -> Option<bool> {
    let SignedOutcome::Response {
        rcode,
        answer,
        authority,
    } = outcome
    else {
        return None;
    };
    if answer
        .iter()
        .any(|r| r.rtype == RecordType::DNSKEY && &r.name == name)
    {
        return Some(true);
    }
    match *rcode {
        Rcode::NXDOMAIN => Some(false),
        Rcode::NOERROR => authority
            .iter()
            .find(|r| r.rtype == RecordType::SOA)
            .map(|soa| &soa.name == name),
        _ => None,
    }
}

/// The DNSKEY RRset of one server's answer (an empty set for NODATA).
fn dnskey_rrset(outcome: &SignedOutcome, zone: &Name) -> Option<Rrset> {
    let SignedOutcome::Response { rcode, answer, .. } = outcome else {
        return None;
    };
    dns_wire::dnssec::dnskey_rrset(*rcode, &records(answer), zone)
}

/// The observed zone that holds `name` (strictly above it with `above`): the deepest that is
/// a zone apex ([`apexes`]), or of which nothing is known (every DNSKEY question to it went
/// unanswered, after losses). Which zone holds a name decides whose keys judge it; a zone
/// not known to be one must not hand that to the zone above it.
fn holding_zone<'a>(
    obs: &'a DnssecObservations,
    name: &Name,
    above: bool,
) -> Option<&'a ZoneKeysObservation> {
    obs.zones
        .iter()
        .filter(|z| name.is_subdomain_of(&z.zone) && !(above && z.zone == *name))
        .filter(|z| {
            known_apex(z)
                || z.dnskey
                    .iter()
                    .all(|a| is_apex(&a.outcome, &z.zone).is_none())
        })
        .max_by_key(|z| z.zone.label_count())
}

/// Whether the observed zone is known to be a zone apex: the root, or a server answered its
/// DNSKEY question as the apex.
fn known_apex(z: &ZoneKeysObservation) -> bool {
    z.zone.is_root()
        || z.dnskey
            .iter()
            .any(|a| is_apex(&a.outcome, &z.zone) == Some(true))
}

/// The zones of the observations that are apexes, parents before children.
fn apexes(obs: &DnssecObservations) -> Vec<&ZoneKeysObservation> {
    let mut zones: Vec<&ZoneKeysObservation> = obs.zones.iter().filter(|z| known_apex(z)).collect();
    zones.sort_by_key(|z| z.zone.label_count());
    zones.dedup_by(|a, b| a.zone == b.zone);
    zones
}

/// Validates everything observed and returns the findings. `checked_zone` is the zone that
/// holds the expected names: bogus zones outside it and its ancestors are the provider's.
pub(crate) fn dnssec_findings(obs: &DnssecObservations, checked_zone: &Name) -> DnssecVerdict {
    if let Some(why) = &obs.not_checked {
        let mut out = DnssecVerdict::default();
        out.findings.push(Finding {
            code: FindingCode::DnssecNotChecked,
            severity: Severity::Info,
            name: checked_zone.clone(),
            servers: vec![],
            summary: format!("DNSSEC was not checked: {why}."),
            fix: "To check DNSSEC against these servers, give their trust anchor with --trust-anchor FILE (the DS or DNSKEY of their root).".to_string(),
            ses_error_type: None,
        });
        return out;
    }
    let anchors = TrustAnchors::from_lines_or_iana(&obs.anchors);
    let mut v = Validator::new(&RingCrypto, obs.now, Limits::default());
    // Per zone: each server's status.
    let mut by_zone: BTreeMap<Name, Vec<ServerStatus>> = BTreeMap::new();
    let mut out = DnssecVerdict::default();
    let mut expiring: Vec<(Name, RecordType, u32, ServerRef)> = Vec::new();
    let zones = apexes(obs);
    for z in &zones {
        // The parent's keys: from its first secure server (servers that differ are reported
        // at the parent). A parent of which nothing is known (every DNSKEY question to it
        // went unanswered) leaves the zone unjudged too: its DS cannot be checked.
        let parent = holding_zone(obs, &z.zone, true);
        let parent_status: Option<ZoneStatus> = match parent {
            Some(p) => {
                let list = by_zone.get(&p.zone).map(Vec::as_slice).unwrap_or_default();
                let Some(status) = list
                    .iter()
                    .find(|s| s.status.security == Security::Secure)
                    .or_else(|| list.first())
                else {
                    by_zone.insert(z.zone.clone(), Vec::new());
                    continue;
                };
                Some(status.status.clone())
            }
            None => None,
        };
        let ds = z.ds.iter().find_map(|a| ds_evidence(&a.outcome, &z.zone));
        let mut statuses = Vec::new();
        for answer in &z.dnskey {
            let Some(dnskey) = dnskey_rrset(&answer.outcome, &z.zone) else {
                continue;
            };
            let (security, keys) = v.keys_below(
                &anchors,
                parent_status.as_ref(),
                &z.zone,
                ds.as_ref().unwrap_or(&DsEvidence::Missing),
                &dnskey,
            );
            if let Some(k) = &keys {
                if k.signature.expires_in < EXPIRY_WARNING_SECONDS {
                    expiring.push((
                        z.zone.clone(),
                        RecordType::DNSKEY,
                        k.signature.expires_in,
                        answer.server.clone(),
                    ));
                }
            }
            statuses.push(ServerStatus {
                server: answer.server.clone(),
                status: ZoneStatus {
                    zone: z.zone.clone(),
                    security,
                    keys,
                },
            });
        }
        by_zone.insert(z.zone.clone(), statuses);
    }

    // Zone-level findings: only where a zone's own evidence fails (not inherited).
    for (zone, statuses) in &by_zone {
        zone_findings(zone, statuses, checked_zone, &mut out.findings);
    }

    // The relied-on answers, each with the status of the zone that holds it, per server.
    let mut secure_names = 0;
    let mut unsigned: Vec<Name> = Vec::new();
    for probe in &obs.answers {
        // Judged with the keys of the zone that holds the name; not at all when nothing is
        // known of that zone (judged with the keys of the zone above, a name of an unsigned
        // zone whose servers did not answer the DNSKEY question would read as signed without
        // signatures).
        let holder = holding_zone(obs, &probe.name, false);
        let Some((zone, statuses)) = holder.and_then(|h| by_zone.get_key_value(&h.zone)) else {
            continue;
        };
        let mut bogus: Vec<(ServerRef, BogusReason)> = Vec::new();
        let mut secure = 0;
        for answer in &probe.answers {
            let status = statuses
                .iter()
                .find(|s| s.server == answer.server)
                .or_else(|| statuses.first());
            let Some(status) = status else { continue };
            match answer_security(&mut v, &status.status, probe, &answer.outcome) {
                AnswerSecurity::Secure(expires) => {
                    secure += 1;
                    if let Some(e) = expires.filter(|e| *e < EXPIRY_WARNING_SECONDS) {
                        expiring.push((probe.name.clone(), probe.rtype, e, answer.server.clone()));
                    }
                }
                AnswerSecurity::Bogus(reason) => bogus.push((answer.server.clone(), reason)),
                // An unsupported algorithm is reported at the zone; every insecure zone is
                // named in the "validly unsigned" note.
                AnswerSecurity::Insecure => {
                    if !unsigned.contains(zone) {
                        unsigned.push(zone.clone());
                    }
                }
                AnswerSecurity::Other => {}
            }
        }
        if !bogus.is_empty() {
            answer_findings(probe, zone, checked_zone, &bogus, secure, &mut out.findings);
        } else if secure > 0 {
            secure_names += 1;
        }
    }

    if !expiring.is_empty() {
        out.findings.push(expiring_finding(&expiring));
    }
    let errors = out.findings.iter().any(|f| f.severity == Severity::Error);
    if !errors && !obs.answers.is_empty() {
        if secure_names > 0 && unsigned.is_empty() {
            out.findings.push(info(
                FindingCode::DnssecSecure,
                checked_zone,
                format!(
                    "DNSSEC: the chain of trust from the root to every name the check relies on is validly signed ({secure_names} names checked on every server)."
                ),
            ));
        } else if !unsigned.is_empty() {
            let zones: Vec<String> = unsigned.iter().map(ToString::to_string).collect();
            out.findings.push(info(
                FindingCode::DnssecUnsigned,
                checked_zone,
                format!(
                    "DNSSEC: {} {} validly unsigned (the parent proves there is no DS record), so validating resolvers accept the answers without signatures.",
                    zones.join(", "),
                    if zones.len() == 1 { "is" } else { "are" }
                ),
            ));
        }
    }
    out
}

enum AnswerSecurity {
    /// Secure; the expiry of the signature when the answer carried data.
    Secure(Option<u32>),
    Insecure,
    Bogus(BogusReason),
    Other,
}

/// Validates one server's answer to a relied-on question with the status of its zone
/// (`dns_wire::dnssec::Validator::response`). An answer covered only by an NSEC3 opt-out span
/// is neither counted secure nor named unsigned.
fn answer_security(
    v: &mut Validator<'_>,
    zone: &ZoneStatus,
    probe: &SignedProbe,
    outcome: &SignedOutcome,
) -> AnswerSecurity {
    // Below a bogus or undecided zone the zone's finding is the one to fix.
    match (&zone.security, &zone.keys) {
        (Security::Secure, Some(_)) => {}
        (Security::Insecure(_), _) => return AnswerSecurity::Insecure,
        _ => return AnswerSecurity::Other,
    }
    let SignedOutcome::Response {
        rcode,
        answer,
        authority,
    } = outcome
    else {
        return AnswerSecurity::Other;
    };
    let checked = v.response(
        zone,
        &probe.name,
        probe.rtype,
        *rcode,
        &records(answer),
        &records(authority),
    );
    match checked.security {
        Security::Secure => AnswerSecurity::Secure(checked.expires_in),
        Security::Bogus(why) => AnswerSecurity::Bogus(why),
        Security::Insecure(InsecureReason::OptOut { .. }) | Security::Indeterminate(_) => {
            AnswerSecurity::Other
        }
        Security::Insecure(_) => AnswerSecurity::Insecure,
    }
}

/// The finding code and a plain sentence for a bogus reason.
fn describe(reason: &BogusReason) -> (FindingCode, String) {
    use BogusReason as B;
    match reason {
        B::NoDnskeyMatchesDs { .. } => (FindingCode::DnssecDsMismatch, reason.to_string()),
        B::DnskeyMissing { .. } => (FindingCode::DnssecDsUnsignedZone, reason.to_string()),
        B::RrsigMissing { .. } => (FindingCode::DnssecRrsigMissing, reason.to_string()),
        B::SignatureExpired { .. } => (FindingCode::DnssecSignatureExpired, reason.to_string()),
        B::SignatureNotYetValid { .. } => (FindingCode::DnssecSignatureExpired, reason.to_string()),
        B::NoMatchingKey { .. } | B::SignatureInvalid { .. } => {
            (FindingCode::DnssecSignatureInvalid, reason.to_string())
        }
        B::DnskeyNotSigned { why, .. } => {
            let (code, _) = describe(why);
            (code, reason.to_string())
        }
        B::DenialMissing { .. } | B::DenialInvalid { .. } | B::DsUnproven { .. } => {
            (FindingCode::DnssecDenialBroken, reason.to_string())
        }
        B::LimitExceeded { .. } => (FindingCode::DnssecSignatureInvalid, reason.to_string()),
    }
}

/// What to do about a bogus reason, in words a domain owner can act on.
fn fix_for(reason: &BogusReason, zone: &Name) -> String {
    use BogusReason as B;
    match reason {
        B::NoDnskeyMatchesDs { ds, keys, .. } => {
            let ds_list: Vec<String> = ds
                .iter()
                .map(|(tag, alg, digest)| format!("key tag {tag}, algorithm {alg}, digest type {digest}"))
                .collect();
            // The keys flagged SEP (key-signing keys); a zone that flags none signs with any
            // of its keys, so the first one stands for them.
            let sep: Vec<_> = keys.iter().filter(|(_, _, flags)| flags & 1 == 1).collect();
            let candidates = if sep.is_empty() {
                keys.iter().take(1).collect()
            } else {
                sep
            };
            let entry: Vec<String> = candidates
                .iter()
                .map(|(tag, alg, _)| format!("key tag {tag}, algorithm {alg}"))
                .collect();
            format!(
                "At your domain registrar, replace the DS record of {zone} (now {}) with the DS record your DNS host shows for the zone's current key-signing key ({}); if you do not want DNSSEC, remove the DS record instead. Until then every validating resolver answers SERVFAIL for every name in {zone}.",
                ds_list.join("; "),
                if entry.is_empty() { "none published".to_string() } else { entry.join("; ") }
            )
        }
        B::DnskeyMissing { .. } => format!(
            "The parent zone has a DS record for {zone}, but the zone is not signed (its servers publish no DNSKEY): either turn on DNSSEC signing at your DNS host and publish its DS, or remove the DS record at your domain registrar. This happens after moving the domain to a new DNS host without DNSSEC."
        ),
        B::RrsigMissing { .. } => format!(
            "The servers of {zone} answer without signatures: make sure every server of the zone serves the signed zone (an unsigned secondary, or a server that was not updated after signing was turned on)."
        ),
        B::SignatureExpired { .. } | B::SignatureNotYetValid { .. } => format!(
            "The zone's signatures are outside their validity period: the signer of {zone} stopped re-signing (or a server serves an old copy, or its clock is wrong). Re-sign the zone and make sure every server loads the new copy."
        ),
        B::DnskeyNotSigned { why, .. } => fix_for(why, zone),
        B::DenialMissing { .. } | B::DenialInvalid { .. } | B::DsUnproven { .. } => format!(
            "The servers of {zone} deny names without a valid NSEC/NSEC3 proof: re-sign the zone (the NSEC/NSEC3 chain is incomplete or stale) and check that every server serves the same signed copy."
        ),
        _ => format!(
            "The signatures of {zone} do not verify: re-sign the zone with the keys it publishes, and check that every server serves the same signed copy."
        ),
    }
}

fn zone_findings(
    zone: &Name,
    statuses: &[ServerStatus],
    checked_zone: &Name,
    findings: &mut Vec<Finding>,
) {
    // Only a zone's own failures: a zone below a bogus parent repeats the parent's reason.
    let own = |s: &&ServerStatus| match &s.status.security {
        Security::Bogus(r) => bogus_zone(r) == Some(zone),
        _ => false,
    };
    let bogus: Vec<&ServerStatus> = statuses.iter().filter(own).collect();
    let secure = statuses
        .iter()
        .filter(|s| s.status.security == Security::Secure)
        .count();
    if let Some(first) = bogus.first() {
        let Security::Bogus(reason) = &first.status.security else {
            return;
        };
        let provider = !checked_zone.is_subdomain_of(zone) && !zone.is_subdomain_of(checked_zone);
        let (code, why) = if provider {
            (FindingCode::DnssecTargetBogus, reason.to_string())
        } else {
            describe(reason)
        };
        let servers: Vec<ServerRef> = bogus.iter().map(|s| s.server.clone()).collect();
        findings.push(Finding {
            code,
            severity: Severity::Error,
            name: zone.clone(),
            servers: servers.clone(),
            summary: format!(
                "DNSSEC is broken for {zone}: {why}. Validating resolvers (Google, Cloudflare, most mail receivers) answer SERVFAIL for every name in it, so DKIM keys there cannot be read."
            ),
            fix: if provider {
                format!("{zone} belongs to your email provider: there is nothing to change in your zone; report it to the provider. {}", fix_for(reason, zone))
            } else {
                fix_for(reason, zone)
            },
            ses_error_type: Some(SesErrorType::DnsServerError),
        });
        if secure > 0 {
            findings.push(servers_differ(zone, &servers));
        }
    }
    if let Some(s) = statuses.iter().find(|s| {
        matches!(
            s.status.security,
            Security::Insecure(InsecureReason::UnsupportedAlgorithms { .. })
        )
    }) {
        if let Security::Insecure(InsecureReason::UnsupportedAlgorithms {
            algorithms,
            deprecated,
            ..
        }) = &s.status.security
        {
            let kind = if *deprecated {
                "deprecated"
            } else {
                "unsupported"
            };
            findings.push(Finding {
                code: FindingCode::DnssecAlgorithmUnsupported,
                severity: Severity::Warning,
                name: zone.clone(),
                servers: vec![],
                summary: format!(
                    "{zone} is signed only with {kind} DNSSEC algorithms ({algorithms:?}): validators treat it as unsigned (RFC 6840 §5.2), so its answers get no DNSSEC protection, and validators that still accept the algorithm may reject it if it breaks."
                ),
                fix: format!(
                    "Roll the keys of {zone} to ECDSAP256SHA256 (13) or ED25519 (15) at your DNS host, then replace the DS record at your registrar with the new key's."
                ),
                ses_error_type: None,
            });
        }
    }
}

/// The zone whose evidence a bogus reason is about.
fn bogus_zone(reason: &BogusReason) -> Option<&Name> {
    use BogusReason as B;
    match reason {
        B::NoDnskeyMatchesDs { zone, .. }
        | B::DnskeyMissing { zone }
        | B::DnskeyNotSigned { zone, .. }
        | B::DsUnproven { zone } => Some(zone),
        B::RrsigMissing { name, .. }
        | B::SignatureInvalid { name, .. }
        | B::SignatureExpired { name, .. }
        | B::SignatureNotYetValid { name, .. } => Some(name),
        B::NoMatchingKey { zone, .. } => Some(zone),
        B::DenialMissing { name, .. } | B::DenialInvalid { name, .. } => Some(name),
        _ => None,
    }
}

fn servers_differ(name: &Name, bogus: &[ServerRef]) -> Finding {
    Finding {
        code: FindingCode::DnssecServersDiffer,
        severity: Severity::Error,
        name: name.clone(),
        servers: bogus.to_vec(),
        summary: format!(
            "The servers of {name} differ in DNSSEC: some answers validate and the listed servers' do not, so lookups fail intermittently, depending on which server a resolver asks."
        ),
        fix: "Make every listed server serve the same signed copy of the zone as the others (a secondary that did not transfer the signed zone, or a server left behind after a key change).".to_string(),
        ses_error_type: Some(SesErrorType::DnsServerError),
    }
}

fn answer_findings(
    probe: &SignedProbe,
    zone: &Name,
    checked_zone: &Name,
    bogus: &[(ServerRef, BogusReason)],
    secure: usize,
    findings: &mut Vec<Finding>,
) {
    let reason = &bogus[0].1;
    let provider = !checked_zone.is_subdomain_of(zone) && !zone.is_subdomain_of(checked_zone);
    let (code, why) = if provider {
        (FindingCode::DnssecTargetBogus, reason.to_string())
    } else {
        describe(reason)
    };
    let servers: Vec<ServerRef> = bogus.iter().map(|(s, _)| s.clone()).collect();
    findings.push(Finding {
        code,
        severity: Severity::Error,
        name: probe.name.clone(),
        servers: servers.clone(),
        summary: format!(
            "The answer for {} {} does not validate: {why}. Validating resolvers answer SERVFAIL for it, so the DKIM key cannot be read.",
            probe.name, probe.rtype
        ),
        fix: fix_for(reason, zone),
        ses_error_type: Some(SesErrorType::DnsServerError),
    });
    if secure > 0 {
        findings.push(servers_differ(&probe.name, &servers));
    }
}

fn expiring_finding(expiring: &[(Name, RecordType, u32, ServerRef)]) -> Finding {
    let soonest = expiring
        .iter()
        .min_by_key(|e| e.2)
        .map(|e| e.2)
        .unwrap_or(0);
    let mut names: Vec<String> = expiring
        .iter()
        .map(|(n, t, _, _)| format!("{n} {t}"))
        .collect();
    names.sort();
    names.dedup();
    let mut servers: Vec<ServerRef> = expiring.iter().map(|e| e.3.clone()).collect();
    servers.sort();
    servers.dedup();
    Finding {
        code: FindingCode::DnssecSignatureExpiring,
        severity: Severity::Warning,
        name: expiring[0].0.clone(),
        servers,
        summary: format!(
            "DNSSEC signatures expire within 7 days (the first in {}): {}. If the zone is not re-signed by then, validating resolvers answer SERVFAIL.",
            crate::diagnose::human_duration(soonest),
            names.join(", ")
        ),
        fix: "Check that the zone's signer is running and re-signs the zone (signatures are normally refreshed well before they expire), and that every server loads the new copy.".to_string(),
        ses_error_type: None,
    }
}

fn info(code: FindingCode, name: &Name, summary: String) -> Finding {
    Finding {
        code,
        severity: Severity::Info,
        name: name.clone(),
        servers: vec![],
        summary,
        fix: "Nothing to do.".to_string(),
        ses_error_type: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dns_wire::{RData, Txt};

    #[test]
    fn a_ds_mismatch_fix_names_the_key_signing_keys_only() {
        let zone: Name = "example.com".parse().unwrap();
        let fix = |keys: Vec<(u16, u8, u16)>| {
            fix_for(
                &BogusReason::NoDnskeyMatchesDs {
                    zone: zone.clone(),
                    ds: vec![(51195, 15, 2)],
                    keys,
                },
                &zone,
            )
        };
        let text = fix(vec![(33667, 15, 257), (15650, 15, 256)]);
        assert!(text.contains("key tag 33667, algorithm 15)"), "{text}");
        assert!(!text.contains("15650"), "{text}");
        // No key flagged SEP: the zone's first key stands for them.
        let text = fix(vec![(1, 13, 256), (2, 13, 256)]);
        assert!(text.contains("(key tag 1, algorithm 13)"), "{text}");
        assert!(!text.contains("key tag 2,"), "{text}");
    }

    #[test]
    fn an_answer_to_a_question_without_edns_is_not_evidence() {
        // The transport fell back to plain DNS (losses): no DO, so no RRSIG in the answer. It
        // must not read as a zone whose signatures are missing.
        let name: Name = "s1._domainkey.example.com".parse().unwrap();
        let record = Record::new(name.clone(), 60, RData::Txt(Txt::new(["v=DKIM1"])));
        let mut plain =
            dns_wire::Message::query_without_edns(7, name.clone(), RecordType::TXT).response();
        plain.answers.push(record.clone());
        assert_eq!(
            SignedOutcome::from_message(&plain),
            SignedOutcome::Error {
                error: AnswerError::NotChecked
            }
        );
        let mut with_edns = dns_wire::Message::query(7, name, RecordType::TXT).response();
        with_edns.answers.push(record.clone());
        assert!(matches!(
            SignedOutcome::from_message(&with_edns),
            SignedOutcome::Response { answer, .. } if answer == vec![WireRecord::from(&record)]
        ));
    }

    #[test]
    fn wire_records_round_trip_and_refuse_garbage() {
        let name: Name = "s1._domainkey.example.com".parse().unwrap();
        let r = Record::new(name.clone(), 60, RData::Txt(Txt::new(["a", "b"])));
        assert_eq!(WireRecord::from(&r).to_record(), Some(r));
        let bad = WireRecord {
            name,
            ttl: 1,
            rtype: RecordType::A,
            rdata: "0102".into(),
        };
        assert_eq!(bad.to_record(), None);
        let odd = WireRecord {
            rdata: "abc".into(),
            ..bad
        };
        assert_eq!(odd.to_record(), None);
    }
}
