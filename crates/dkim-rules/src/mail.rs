//! The rest of an SES identity's DNS besides DKIM: the custom MAIL FROM domain (its MX and SPF
//! records) and the From domain's DMARC policy. This module says what to ask
//! ([`mail_probes`], [`mail_follow_ups`]); `diagnose::mail` says what the answers mean.
//!
//! A healthy identity costs three questions of every server (the MAIL FROM MX and TXT, the
//! `_dmarc` TXT) and the SPF `include:`/`redirect=` targets. The probes that look for
//! mistakes (the domain appended twice, a wildcard, the organizational domain's policy) are
//! follow-ups, asked only when the first answers show a problem.

use std::collections::{BTreeMap, BTreeSet};

use dns_wire::{Name, RecordType};

use crate::check::Check;
use crate::diagnose::view::{Lookup, ServerState};
use crate::observe::{Observations, ObservedData, TargetOutcome};
use crate::probe::{Probe, ProbePurpose, WILDCARD_PROBE_LABEL};
use crate::spf::{evaluate_spf, is_spf_record, parse_spf, Fetched};

/// `_dmarc.<domain>`, or `None` when too long.
pub fn dmarc_name(domain: &Name) -> Option<Name> {
    domain.prepend(b"_dmarc").ok()
}

/// The organizational domain of `domain` (Public Suffix List) as a name.
pub(crate) fn organizational_name(domain: &Name) -> Name {
    registrable_name(domain).unwrap_or_else(|| domain.clone())
}

/// The registrable domain of `domain` (the Public Suffix List's public suffix and one label
/// more); `None` when `domain` is itself a public suffix.
pub(crate) fn registrable_name(domain: &Name) -> Option<Name> {
    let text = domain.to_string_relative().to_ascii_lowercase();
    psl::domain_str(&text)?.parse().ok()
}

/// The names a DNS host produces when it appends the zone to a name that already has it.
pub(crate) fn doubled_names(name: &Name, suffixes: &[&Name]) -> Vec<Name> {
    let mut list: Vec<Name> = Vec::new();
    for suffix in suffixes {
        if let Ok(doubled) = name.clone().append(suffix) {
            if !list.contains(&doubled) {
                list.push(doubled);
            }
        }
    }
    list
}

/// The made-up name beside `name` that tells a wildcard from a record.
pub(crate) fn wildcard_beside(name: &Name) -> Option<Name> {
    name.parent()?.prepend(WILDCARD_PROBE_LABEL.as_bytes()).ok()
}

/// The zone the names are relative to in the observations (the delegation's zone when it
/// holds the domain, else the domain).
pub(crate) fn zone_of(check: &Check, observations: &Observations) -> Name {
    let domain = check.domain();
    observations
        .delegation
        .zone
        .clone()
        .filter(|z| domain.is_subdomain_of(z) && !z.is_root())
        .unwrap_or_else(|| domain.clone())
}

/// Every name and type the MAIL FROM and DMARC probes ask of the zone's servers (the DKIM
/// diagnosis leaves their answers aside; a MAIL FROM domain at the apex shares its name with
/// the DKIM check's SOA and NS probes, not its types).
pub(crate) fn mail_names(
    check: &Check,
    observations: &Observations,
) -> BTreeSet<(Name, RecordType)> {
    let mut names = BTreeSet::new();
    let domain = check.domain();
    let zone = zone_of(check, observations);
    if let Some(mail_from) = check.mail_from() {
        let name = &mail_from.domain;
        for asked in std::iter::once(name.clone()).chain(doubled_names(name, &[domain, &zone])) {
            if let Some(wild) = wildcard_beside(&asked).filter(|_| asked != *name) {
                names.insert((wild.clone(), RecordType::MX));
                names.insert((wild, RecordType::TXT));
            }
            names.insert((asked.clone(), RecordType::MX));
            names.insert((asked, RecordType::TXT));
        }
        names.extend(wildcard_beside(name).map(|w| (w, RecordType::MX)));
    }
    if check.checks_dmarc() {
        for owner in [domain.clone(), organizational_name(domain)] {
            names.extend(dmarc_name(&owner).map(|n| (n, RecordType::TXT)));
        }
    }
    names
}

/// The first probes: the MAIL FROM MX and TXT, the `_dmarc` TXT.
pub fn mail_probes(check: &Check) -> Vec<Probe> {
    let mut list = Vec::new();
    let probe = |name: Name, rtype, purpose| Probe {
        name,
        rtype,
        purpose,
    };
    if let Some(mail_from) = check.mail_from() {
        let name = mail_from.domain.clone();
        list.push(probe(
            name.clone(),
            RecordType::MX,
            ProbePurpose::MailFromMx,
        ));
        list.push(probe(name, RecordType::TXT, ProbePurpose::MailFromTxt));
    }
    if check.checks_dmarc() {
        if let Some(name) = dmarc_name(check.domain()) {
            list.push(probe(name, RecordType::TXT, ProbePurpose::Dmarc));
        }
    }
    list
}

/// What the servers that answered say about one name and type.
pub(crate) struct NameView {
    /// Each server's state, for the servers asked (in observation order).
    pub servers: Vec<(crate::observe::ServerRef, ServerState)>,
}

impl NameView {
    pub fn new(observations: &Observations, name: &Name, rtype: RecordType) -> Option<Self> {
        let probe = observations
            .probes
            .iter()
            .find(|p| p.name == *name && p.rtype == rtype)?;
        let lookup = Lookup::new(observations);
        let servers = probe
            .answers
            .iter()
            .map(|a| (a.server.clone(), lookup.state(name, &[rtype], &a.server)))
            .filter(|(_, s)| *s != ServerState::NotAsked)
            .collect();
        Some(NameView { servers })
    }

    /// The states of the servers that answered authoritatively.
    pub fn answered(&self) -> impl Iterator<Item = &ServerState> {
        self.servers.iter().map(|(_, s)| s).filter(|s| s.answered())
    }

    /// Whether some server answered and none has data at the name.
    pub fn missing_everywhere(&self) -> bool {
        self.answered().next().is_some()
            && self
                .answered()
                .all(|s| matches!(s, ServerState::Missing { .. }))
    }

    /// Whether the servers that answered disagree.
    pub fn inconsistent(&self) -> bool {
        let signatures: BTreeSet<String> = self.answered().map(ServerState::signature).collect();
        signatures.len() > 1
    }

    /// The first answer with data, else the first answer.
    pub fn main(&self) -> Option<&ServerState> {
        self.answered()
            .find(|s| matches!(s, ServerState::Found(_)))
            .or_else(|| self.answered().next())
    }

    /// MX records (preference, host) of the main answer.
    pub fn mx(&self) -> Vec<(u16, Name)> {
        match self.main() {
            Some(ServerState::Found(found)) => found
                .other
                .iter()
                .filter_map(|d| match d {
                    ObservedData::Mx {
                        preference,
                        exchange,
                    } => Some((*preference, exchange.clone())),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Whether the answer at `name` for `rtype` is the same as at the made-up name beside it:
/// a wildcard's, not a record of its own.
pub(crate) fn synthesised(observations: &Observations, name: &Name, rtype: RecordType) -> bool {
    let Some(wild) = wildcard_beside(name) else {
        return false;
    };
    // The data only: the owner names differ.
    let data = |owner: &Name| match NameView::new(observations, owner, rtype)?.main()? {
        ServerState::Found(found) => {
            let mut list: Vec<String> = found
                .other
                .iter()
                .map(ObservedData::presentation)
                .chain(found.txt.iter().map(|rr| join(rr)))
                .collect();
            list.sort();
            Some(list)
        }
        _ => None,
    };
    matches!((data(name), data(&wild)), (Some(a), Some(b)) if a == b)
}

/// The TXT texts at a name, each RR's strings joined: from the servers' main answer, or, when
/// the answer is a CNAME leaving the zone, from the resolution of the chain's end. `None`
/// when unknown (not asked, no answer, the chain end not resolved yet).
pub(crate) fn txt_texts(observations: &Observations, name: &Name) -> Option<Vec<String>> {
    let view = NameView::new(observations, name, RecordType::TXT)?;
    match view.main()? {
        ServerState::Missing { .. } => Some(Vec::new()),
        ServerState::Found(found) => {
            if found.txt.is_empty() {
                if let Some(end) = &found.chain_end {
                    return match fetched(observations, end) {
                        Fetched::Texts(texts) => Some(texts),
                        Fetched::NxDomain => Some(Vec::new()),
                        Fetched::NotAsked | Fetched::Failed(_) | Fetched::Unanswered(_) => None,
                    };
                }
            }
            Some(found.txt.iter().map(|rr| join(rr)).collect())
        }
        _ => None,
    }
}

/// A TXT RR's character-strings joined without separator (RFC 7208 §3.3, RFC 7489 §6.6.3).
pub(crate) fn join(strings: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&strings.concat()).into_owned()
}

/// What the lookup of a target (resolved through its own zone) gave, for the SPF count.
pub(crate) fn fetched(observations: &Observations, name: &Name) -> Fetched {
    let Some(resolution) = observations.targets.iter().find(|t| t.name == *name) else {
        return Fetched::NotAsked;
    };
    match &resolution.outcome {
        TargetOutcome::Failed {
            error,
            unanswered: true,
        } => Fetched::Unanswered(error.clone()),
        TargetOutcome::Failed { error, .. } => Fetched::Failed(error.clone()),
        TargetOutcome::Answer { rcode, records } => {
            let texts: Vec<String> = records
                .iter()
                .filter_map(|r| match &r.data {
                    ObservedData::Txt(strings) => Some(join(strings)),
                    _ => None,
                })
                .collect();
            if texts.is_empty() && *rcode == dns_wire::Rcode::NXDOMAIN {
                Fetched::NxDomain
            } else {
                Fetched::Texts(texts)
            }
        }
    }
}

/// Every target fetched so far, for [`evaluate_spf`].
pub(crate) fn fetched_map(observations: &Observations) -> BTreeMap<Name, Fetched> {
    observations
        .targets
        .iter()
        .map(|t| (t.name.clone(), fetched(observations, &t.name)))
        .collect()
}

/// The MAIL FROM domain's one SPF record, when its servers' main answer holds exactly one.
pub(crate) fn mail_from_spf(check: &Check, observations: &Observations) -> Option<String> {
    let mail_from = check.mail_from()?;
    let texts = txt_texts(observations, &mail_from.domain)?;
    let mut spf = texts.into_iter().filter(|t| is_spf_record(t));
    match (spf.next(), spf.next()) {
        (Some(one), None) => Some(one),
        _ => None,
    }
}

/// The follow-up probes once answers are in (see the module documentation).
pub fn mail_follow_ups(check: &Check, observations: &Observations) -> Vec<Probe> {
    let mut list: Vec<Probe> = Vec::new();
    let mut push = |name: Name, rtype: RecordType, purpose: ProbePurpose| {
        if !list.iter().any(|p| p.name == name && p.rtype == rtype) {
            list.push(Probe {
                name,
                rtype,
                purpose,
            });
        }
    };
    let domain = check.domain();
    let zone = zone_of(check, observations);
    let mut chain_sources: Vec<Name> = Vec::new();
    if let Some(mail_from) = check.mail_from() {
        let name = &mail_from.domain;
        let mx = NameView::new(observations, name, RecordType::MX);
        let txt = NameView::new(observations, name, RecordType::TXT);
        let mx_missing = mx.as_ref().is_some_and(NameView::missing_everywhere);
        let spf_missing = txt_texts(observations, name)
            .is_some_and(|texts| !texts.iter().any(|t| is_spf_record(t)));
        if mx_missing || spf_missing {
            for doubled in doubled_names(name, &[domain, &zone]) {
                let found = |rtype| {
                    NameView::new(observations, &doubled, rtype)
                        .is_some_and(|v| matches!(v.main(), Some(ServerState::Found(_))))
                };
                if found(RecordType::MX) || found(RecordType::TXT) {
                    // Something answers there: a made-up name beside it tells a wildcard.
                    if let Some(wild) = wildcard_beside(&doubled) {
                        push(wild.clone(), RecordType::MX, ProbePurpose::MailFromVariant);
                        push(wild, RecordType::TXT, ProbePurpose::MailFromVariant);
                    }
                }
                if mx_missing {
                    push(
                        doubled.clone(),
                        RecordType::MX,
                        ProbePurpose::MailFromVariant,
                    );
                }
                push(doubled, RecordType::TXT, ProbePurpose::MailFromVariant);
            }
        }
        let mx_found = mx.as_ref().map(NameView::mx).unwrap_or_default();
        let ses_mx = mx_found
            .iter()
            .any(|(_, host)| crate::check::ses_feedback_region(host).is_some());
        if !mx_found.is_empty() && !ses_mx {
            // Another MX than SES's: a wildcard MX for the zone would explain it.
            if let Some(wild) = wildcard_beside(name) {
                push(wild, RecordType::MX, ProbePurpose::MailFromVariant);
            }
        }
        if txt.is_some() {
            chain_sources.push(name.clone());
        }
        if let Some(record) = mail_from_spf(check, observations).and_then(|t| parse_spf(&t).ok()) {
            for target in evaluate_spf(&record, &fetched_map(observations)).to_fetch {
                push(target, RecordType::TXT, ProbePurpose::SpfInclude);
            }
        }
    }
    if check.checks_dmarc() {
        if let Some(name) = dmarc_name(domain) {
            let org = organizational_name(domain);
            let missing = txt_texts(observations, &name)
                .is_some_and(|texts| !texts.iter().any(|t| crate::dmarc::is_dmarc_record(t)));
            if missing && org != *domain {
                if let Some(org_name) = dmarc_name(&org) {
                    push(
                        org_name.clone(),
                        RecordType::TXT,
                        ProbePurpose::DmarcOrganizational,
                    );
                    chain_sources.push(org_name);
                }
            }
            chain_sources.push(name);
        }
    }
    // TXT records behind a CNAME that leaves the zone (a hosted DMARC or SPF record).
    for name in chain_sources {
        let Some(view) = NameView::new(observations, &name, RecordType::TXT) else {
            continue;
        };
        if let Some(ServerState::Found(found)) = view.main() {
            if let (Some(end), true) = (&found.chain_end, found.txt.is_empty()) {
                push(end.clone(), RecordType::TXT, ProbePurpose::MailChainTarget);
            }
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{MailFromAttributes, MxFailureBehavior};
    use crate::observe::{
        AnswerOutcome, ObservedRecord, ProbeObservation, Response, ServerAnswer, ServerRef,
        TargetResolution,
    };
    use dns_wire::Rcode;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    pub(crate) fn identity(mail_from: Option<&str>, dmarc: bool) -> Check {
        Check::Ses {
            domain: n("example.com"),
            tokens: vec!["tok1".parse().unwrap()],
            signing_zone: None,
            region: Some("us-east-1".into()),
            expect_ns: vec![],
            ses_soa: None,
            ses_status: None,
            mail_from: mail_from.map(|m| MailFromAttributes {
                domain: n(m),
                status: None,
                behavior_on_mx_failure: MxFailureBehavior::UseDefaultValue,
            }),
            dmarc,
        }
    }

    fn answer(
        name: &str,
        rtype: RecordType,
        rcode: Rcode,
        records: Vec<ObservedData>,
    ) -> ProbeObservation {
        let server = ServerRef {
            name: n("ns1.example.net"),
            address: "192.0.2.53".parse().unwrap(),
        };
        ProbeObservation {
            name: n(name),
            rtype,
            answers: vec![ServerAnswer {
                server,
                outcome: AnswerOutcome::Response(Response {
                    rcode,
                    authoritative: true,
                    answer: records
                        .into_iter()
                        .map(|data| ObservedRecord {
                            name: n(name),
                            ttl: 300,
                            data,
                        })
                        .collect(),
                    authority: vec![],
                }),
            }],
        }
    }

    fn txt(text: &str) -> ObservedData {
        ObservedData::Txt(vec![text.as_bytes().to_vec()])
    }

    #[test]
    fn first_probes_are_three_and_only_when_asked_for() {
        let list = mail_probes(&identity(Some("bounce.example.com"), true));
        let asked: Vec<(String, RecordType, ProbePurpose)> = list
            .iter()
            .map(|p| (p.name.to_string(), p.rtype, p.purpose))
            .collect();
        assert_eq!(
            asked,
            [
                (
                    "bounce.example.com.".into(),
                    RecordType::MX,
                    ProbePurpose::MailFromMx
                ),
                (
                    "bounce.example.com.".into(),
                    RecordType::TXT,
                    ProbePurpose::MailFromTxt
                ),
                (
                    "_dmarc.example.com.".into(),
                    RecordType::TXT,
                    ProbePurpose::Dmarc
                ),
            ]
        );
        assert!(mail_probes(&identity(None, false)).is_empty());
        assert!(list.iter().all(|p| !p.resolves_through_target_zone()));
    }

    #[test]
    fn a_healthy_identity_asks_only_the_spf_includes_next() {
        let check = identity(Some("bounce.example.com"), true);
        let mut obs = Observations::default();
        obs.probes.push(answer(
            "bounce.example.com",
            RecordType::MX,
            Rcode::NOERROR,
            vec![ObservedData::Mx {
                preference: 10,
                exchange: n("feedback-smtp.us-east-1.amazonses.com"),
            }],
        ));
        obs.probes.push(answer(
            "bounce.example.com",
            RecordType::TXT,
            Rcode::NOERROR,
            vec![txt("v=spf1 include:amazonses.com ~all")],
        ));
        obs.probes.push(answer(
            "_dmarc.example.com",
            RecordType::TXT,
            Rcode::NOERROR,
            vec![txt("v=DMARC1; p=reject")],
        ));
        let next = mail_follow_ups(&check, &obs);
        assert_eq!(next.len(), 1, "{next:?}");
        assert_eq!(next[0].name, n("amazonses.com"));
        assert!(next[0].resolves_through_target_zone());
        obs.targets.push(TargetResolution {
            name: n("amazonses.com"),
            outcome: TargetOutcome::Answer {
                rcode: Rcode::NOERROR,
                records: vec![ObservedRecord {
                    name: n("amazonses.com"),
                    ttl: 300,
                    data: txt("v=spf1 ip4:199.255.192.0/22 -all"),
                }],
            },
        });
        assert!(mail_follow_ups(&check, &obs).is_empty());
    }

    #[test]
    fn missing_records_bring_the_variant_probes() {
        let check = Check::Selector {
            domain: n("mail.example.co.uk"),
            selectors: vec!["s1".parse().unwrap()],
            expect_ns: vec![],
            dmarc: true,
        };
        let mut obs = Observations::default();
        obs.probes.push(answer(
            "_dmarc.mail.example.co.uk",
            RecordType::TXT,
            Rcode::NXDOMAIN,
            vec![],
        ));
        let next = mail_follow_ups(&check, &obs);
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].name, n("_dmarc.example.co.uk"));
        assert_eq!(next[0].purpose, ProbePurpose::DmarcOrganizational);

        let check = identity(Some("bounce.example.com"), false);
        let mut obs = Observations::default();
        obs.probes.push(answer(
            "bounce.example.com",
            RecordType::MX,
            Rcode::NXDOMAIN,
            vec![],
        ));
        obs.probes.push(answer(
            "bounce.example.com",
            RecordType::TXT,
            Rcode::NXDOMAIN,
            vec![],
        ));
        let next: Vec<(String, RecordType)> = mail_follow_ups(&check, &obs)
            .iter()
            .map(|p| (p.name.to_string(), p.rtype))
            .collect();
        assert_eq!(
            next,
            [
                ("bounce.example.com.example.com.".into(), RecordType::MX),
                ("bounce.example.com.example.com.".into(), RecordType::TXT),
            ]
        );
        let names = mail_names(&check, &obs);
        assert!(names.contains(&(n("bounce.example.com.example.com"), RecordType::MX)));
        assert!(!names.contains(&(n("_dmarc.example.com"), RecordType::TXT)));
    }
}
