//! Which names and types to ask: [`probes`] before any answer, [`follow_up_probes`] once the
//! first answers are in.
//!
//! Every probe except those whose purpose [`ProbePurpose::resolves_through_target_zone`]
//! (`TargetKey`, `SpfInclude`, `MailChainTarget`) goes to the authoritative servers of the
//! zone that holds the name (every server, every address, plus the user's `--expect-ns`),
//! and its answers go into [`crate::Observations::probes`]. The others are looked up
//! through the target's own zone (a CNAME target lives elsewhere) and go into
//! [`crate::Observations::targets`].

use std::collections::BTreeSet;

use dns_wire::{Name, RecordType};
use serde::Serialize;

use crate::check::Check;
use crate::observe::{Observations, ObservedData, Outcome};
use crate::serde_dns;

/// The label used to ask for a name that cannot exist, to detect wildcard answers. Fixed, so
/// that runs are reproducible; no sane zone holds it.
pub const WILDCARD_PROBE_LABEL: &str = "zz-dkim-doctor-no-such-selector";

/// One question to ask.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// The name to ask about.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// The type to ask for.
    #[serde(with = "serde_dns::rtype")]
    pub rtype: RecordType,
    /// Why it is asked.
    pub purpose: ProbePurpose,
}

impl Probe {
    /// Whether this probe is resolved through the target's own zone (into
    /// [`crate::Observations::targets`]) rather than asked of every authoritative server of
    /// the checked zone (into [`crate::Observations::probes`]).
    pub fn resolves_through_target_zone(&self) -> bool {
        self.purpose.resolves_through_target_zone()
    }
}

impl ProbePurpose {
    /// Whether probes of this purpose are resolved through the name's own zone (into
    /// [`crate::Observations::targets`]) rather than asked of every authoritative server of
    /// the zone holding the name.
    pub fn resolves_through_target_zone(self) -> bool {
        matches!(
            self,
            ProbePurpose::TargetKey | ProbePurpose::SpfInclude | ProbePurpose::MailChainTarget
        )
    }
}

/// Why a probe is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbePurpose {
    /// The expected record itself (CNAME for SES, TXT for a selector).
    Expected,
    /// The expected name with another type, to tell "wrong record type" from "missing".
    ExpectedOtherType,
    /// The expected name with the domain appended once more (a DNS host that appends the
    /// domain to whatever is typed).
    DomainDuplicated,
    /// The expected name with `_domainkey` mangled (underscore or dot lost).
    UnderscoreVariant,
    /// A name that cannot exist, at the same depth as other probes: a wildcard answers it.
    WildcardCheck,
    /// The TXT at a CNAME target (the key), resolved through the target's own zone.
    TargetKey,
    /// The SOA and NS at the domain.
    ZoneApex,
    /// The MX at the custom MAIL FROM domain.
    MailFromMx,
    /// The TXT (SPF) at the custom MAIL FROM domain.
    MailFromTxt,
    /// A mistaken form of the MAIL FROM domain (the domain appended twice, a wildcard check),
    /// asked only when its MX or SPF record is missing or wrong.
    MailFromVariant,
    /// The TXT at `_dmarc.<domain>`.
    Dmarc,
    /// The TXT at `_dmarc.<organizational domain>`, asked only when the domain has no DMARC
    /// record of its own.
    DmarcOrganizational,
    /// The SPF record of an `include:` or `redirect=` target, resolved through its own zone.
    SpfInclude,
    /// The TXT at the end of a CNAME chain from the MAIL FROM domain or `_dmarc`, resolved
    /// through its own zone.
    MailChainTarget,
}

/// The probes for a check, before any answer is known. Names that would be too long to
/// exist are left out; the list has no duplicates.
pub fn probes(check: &Check) -> Vec<Probe> {
    let mut list = ProbeList::default();
    let domain = check.domain();
    list.push(domain.clone(), RecordType::SOA, ProbePurpose::ZoneApex);
    list.push(domain.clone(), RecordType::NS, ProbePurpose::ZoneApex);
    let (main_type, other_types): (RecordType, &[RecordType]) = match check {
        Check::Ses { .. } => (RecordType::CNAME, &[RecordType::TXT, RecordType::A]),
        Check::Selector { .. } => (RecordType::TXT, &[RecordType::CNAME, RecordType::A]),
    };
    for selector in check.selectors() {
        let Some(expected) = expected_name(selector, domain) else {
            continue;
        };
        list.push(expected.clone(), main_type, ProbePurpose::Expected);
        for t in other_types {
            list.push(expected.clone(), *t, ProbePurpose::ExpectedOtherType);
        }
        // A TXT question also returns a CNAME at the name, so one TXT probe per variant finds
        // either kind of record.
        if let Ok(doubled) = expected.clone().append(domain) {
            list.push(doubled, RecordType::TXT, ProbePurpose::DomainDuplicated);
        }
        for variant in underscore_variants(selector, domain, check) {
            list.push(
                variant.name,
                RecordType::TXT,
                ProbePurpose::UnderscoreVariant,
            );
        }
    }
    if let Check::Ses { tokens, .. } = check {
        for token in tokens {
            if let Some(target) = expected_ses_target(check, token) {
                list.push(target, RecordType::TXT, ProbePurpose::TargetKey);
            }
        }
    }
    add_wildcard_probes(&mut list, domain);
    for probe in crate::mail::mail_probes(check) {
        list.push(probe.name, probe.rtype, probe.purpose);
    }
    list.probes
}

/// More probes once answers are in: the TXT at every CNAME target found that no answer
/// already resolved, and, when the zone that holds the names is a parent of the domain, the
/// names with that zone appended (the DNS host appended the zone, not the domain). Probes
/// already answered in `observations` are not repeated.
pub fn follow_up_probes(check: &Check, observations: &Observations) -> Vec<Probe> {
    let mut list = ProbeList::default();
    let domain = check.domain();
    if let Some(zone) = &observations.delegation.zone {
        if zone != domain && domain.is_subdomain_of(zone) {
            for selector in check.selectors() {
                if let Some(doubled) =
                    expected_name(selector, domain).and_then(|e| e.append(zone).ok())
                {
                    // And a made-up name beside it, so a wildcard is not taken for the record.
                    if let Some(wild) = doubled
                        .parent()
                        .and_then(|p| p.prepend(WILDCARD_PROBE_LABEL.as_bytes()).ok())
                    {
                        list.push(wild, RecordType::TXT, ProbePurpose::WildcardCheck);
                    }
                    list.push(doubled, RecordType::TXT, ProbePurpose::DomainDuplicated);
                }
            }
        }
    }
    let mail_names = crate::mail::mail_names(check, observations);
    for probe in observations
        .probes
        .iter()
        .filter(|p| !mail_names.contains(&(p.name.clone(), p.rtype)))
    {
        for answer in &probe.answers {
            let Outcome::Response(response) = &answer.outcome else {
                continue;
            };
            if let Some(target) = unresolved_chain_end(&probe.name, &response.answer) {
                list.push(target, RecordType::TXT, ProbePurpose::TargetKey);
            }
        }
    }
    for probe in crate::mail::mail_follow_ups(check, observations) {
        list.push(probe.name, probe.rtype, probe.purpose);
    }
    let asked: BTreeSet<(Name, RecordType)> = observations
        .probes
        .iter()
        .map(|p| (p.name.clone(), p.rtype))
        .collect();
    let resolved: BTreeSet<&Name> = observations.targets.iter().map(|t| &t.name).collect();
    list.probes
        .into_iter()
        .filter(|p| {
            if p.resolves_through_target_zone() {
                !resolved.contains(&p.name)
            } else {
                !asked.contains(&(p.name.clone(), p.rtype))
            }
        })
        .collect()
}

/// `<selector>._domainkey.<domain>`, or `None` if the selector is not a valid name part or
/// the name would be too long.
pub fn expected_name(selector: &str, domain: &Name) -> Option<Name> {
    let selector: Name = selector.trim_end_matches('.').parse().ok()?;
    if selector.is_root() {
        return None;
    }
    selector.append(&domain.prepend(b"_domainkey").ok()?).ok()
}

/// For an SES check, `<token>.<ses zone>`.
pub fn expected_ses_target(check: &Check, token: &str) -> Option<Name> {
    let zone = check.ses_zone()?;
    zone.prepend(token.as_bytes()).ok()
}

/// A mangled form of `_domainkey` and what it is called in reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variant {
    pub name: Name,
    pub description: &'static str,
}

/// The names a DNS host produces when it drops the underscore or the dot of `_domainkey`.
pub(crate) fn underscore_variants(selector: &str, domain: &Name, check: &Check) -> Vec<Variant> {
    let selector = selector.trim_end_matches('.');
    let mut variants = Vec::new();
    let mut add = |text: String, description: &'static str| {
        if let Ok(prefix) = text.parse::<Name>() {
            if let Ok(name) = prefix.append(domain) {
                variants.push(Variant { name, description });
            }
        }
    };
    add(
        format!("{selector}.domainkey"),
        "the underscore of \"_domainkey\" was removed",
    );
    add(
        format!("{selector}-domainkey"),
        "\"._domainkey\" became \"-domainkey\"",
    );
    add(
        format!("{selector}_domainkey"),
        "the dot before \"_domainkey\" is missing",
    );
    add(
        format!("{selector}domainkey"),
        "\"._domainkey\" was removed and the rest joined",
    );
    // A bare `<selector>.<domain>` is a plausible host name for short selectors (`google`,
    // `s1`), so only SES tokens (random 32-character labels) are looked for there.
    if matches!(check, Check::Ses { .. }) {
        add(
            selector.to_string(),
            "\"._domainkey\" is missing from the name",
        );
    }
    variants
}

/// The parents under which a wildcard would answer the probes, each with a name below it
/// that cannot exist.
fn add_wildcard_probes(list: &mut ProbeList, domain: &Name) {
    let parents: BTreeSet<Name> = list
        .probes
        .iter()
        .filter(|p| {
            matches!(
                p.purpose,
                ProbePurpose::Expected
                    | ProbePurpose::DomainDuplicated
                    | ProbePurpose::UnderscoreVariant
            )
        })
        .filter_map(|p| p.name.parent())
        .filter(|parent| parent.is_subdomain_of(domain))
        .collect();
    let key_parent = domain.prepend(b"_domainkey").ok();
    for parent in parents {
        if let Ok(name) = parent.prepend(WILDCARD_PROBE_LABEL.as_bytes()) {
            list.push(name.clone(), RecordType::TXT, ProbePurpose::WildcardCheck);
            // At the selectors' own depth, also catch an address wildcard (it would pass
            // for a proxied or flattened record).
            if Some(&parent) == key_parent.as_ref() {
                list.push(name, RecordType::A, ProbePurpose::WildcardCheck);
            }
        }
    }
}

/// Where a CNAME chain in an answer stops without reaching data: the last target, if the
/// answer has no record at it.
fn unresolved_chain_end(qname: &Name, answer: &[crate::observe::ObservedRecord]) -> Option<Name> {
    let mut current = qname.clone();
    let mut followed_cname = false;
    // Bounded by the answer's length: each step consumes one distinct CNAME.
    for _ in 0..=answer.len() {
        let next = answer.iter().find_map(|r| match &r.data {
            ObservedData::Cname(target) if r.name == current => Some(target.clone()),
            _ => None,
        });
        match next {
            Some(target) => {
                current = target;
                followed_cname = true;
            }
            None => break,
        }
    }
    let has_data = answer
        .iter()
        .any(|r| r.name == current && !matches!(r.data, ObservedData::Cname(_)));
    (followed_cname && !has_data).then_some(current)
}

/// An ordered probe list without duplicates (a name and type is asked once, for the first
/// purpose that needed it).
#[derive(Default)]
struct ProbeList {
    probes: Vec<Probe>,
    seen: BTreeSet<(Name, RecordType)>,
}

impl ProbeList {
    fn push(&mut self, name: Name, rtype: RecordType, purpose: ProbePurpose) {
        if self.seen.insert((name.clone(), rtype)) {
            self.probes.push(Probe {
                name,
                rtype,
                purpose,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::{ObservedRecord, ProbeObservation, Response, ServerAnswer, ServerRef};
    use dns_wire::Rcode;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    fn ses(tokens: &[&str]) -> Check {
        Check::Ses {
            domain: n("example.com"),
            tokens: tokens.iter().map(|t| t.to_string()).collect(),
            signing_zone: None,
            region: Some("eu-south-1".into()),
            expect_ns: vec![],
            ses_soa: None,
            ses_status: None,
            mail_from: None,
            dmarc: false,
        }
    }

    fn has(list: &[Probe], name: &str, rtype: RecordType, purpose: ProbePurpose) -> bool {
        list.iter()
            .any(|p| p.name == n(name) && p.rtype == rtype && p.purpose == purpose)
    }

    #[test]
    fn ses_probes_cover_expected_names_variants_and_targets() {
        let list = probes(&ses(&["tok1", "tok2"]));
        use ProbePurpose::*;
        assert!(has(&list, "example.com", RecordType::SOA, ZoneApex));
        assert!(has(&list, "example.com", RecordType::NS, ZoneApex));
        assert!(has(
            &list,
            "tok1._domainkey.example.com",
            RecordType::CNAME,
            Expected
        ));
        assert!(has(
            &list,
            "tok1._domainkey.example.com",
            RecordType::TXT,
            ExpectedOtherType
        ));
        assert!(has(
            &list,
            "tok1._domainkey.example.com",
            RecordType::A,
            ExpectedOtherType
        ));
        assert!(has(
            &list,
            "tok2._domainkey.example.com.example.com",
            RecordType::TXT,
            DomainDuplicated
        ));
        for v in [
            "tok1.domainkey",
            "tok1-domainkey",
            "tok1_domainkey",
            "tok1domainkey",
            "tok1",
        ] {
            assert!(
                has(
                    &list,
                    &format!("{v}.example.com"),
                    RecordType::TXT,
                    UnderscoreVariant
                ),
                "{v}"
            );
        }
        assert!(has(
            &list,
            "tok2.dkim.eu-south-1.amazonses.com",
            RecordType::TXT,
            TargetKey
        ));
        for parent in [
            "_domainkey.example.com",
            "example.com",
            "domainkey.example.com",
            "_domainkey.example.com.example.com",
        ] {
            let name = format!("{WILDCARD_PROBE_LABEL}.{parent}");
            assert!(has(&list, &name, RecordType::TXT, WildcardCheck), "{name}");
        }
        let mut keys: Vec<_> = list.iter().map(|p| (p.name.clone(), p.rtype)).collect();
        let before = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), before, "duplicates in {list:?}");
        assert!(list
            .iter()
            .filter(|p| p.resolves_through_target_zone())
            .all(|p| p.purpose == TargetKey));
    }

    #[test]
    fn selector_probes_ask_txt_and_skip_bare_selector_names() {
        let check = Check::Selector {
            domain: n("example.com"),
            selectors: vec!["google".into()],
            expect_ns: vec![],
            dmarc: false,
        };
        let list = probes(&check);
        assert!(has(
            &list,
            "google._domainkey.example.com",
            RecordType::TXT,
            ProbePurpose::Expected
        ));
        assert!(has(
            &list,
            "google._domainkey.example.com",
            RecordType::CNAME,
            ProbePurpose::ExpectedOtherType
        ));
        assert!(!list.iter().any(|p| p.name == n("google.example.com")));
    }

    #[test]
    fn follow_ups_resolve_dangling_cnames_and_zone_doubling() {
        let check = Check::Selector {
            domain: n("mail.example.com"),
            selectors: vec!["k2".into()],
            expect_ns: vec![],
            dmarc: false,
        };
        let server = ServerRef {
            name: n("ns1.example.com"),
            address: "192.0.2.1".parse().unwrap(),
        };
        let cname = |from: &str, to: &str| ObservedRecord {
            name: n(from),
            ttl: 300,
            data: ObservedData::Cname(n(to)),
        };
        let mut obs = Observations::default();
        obs.delegation.zone = Some(n("example.com"));
        obs.probes.push(ProbeObservation {
            name: n("k2._domainkey.mail.example.com"),
            rtype: RecordType::TXT,
            answers: vec![ServerAnswer {
                server,
                outcome: Outcome::Response(Response {
                    rcode: Rcode::NOERROR,
                    authoritative: true,
                    answer: vec![cname("k2._domainkey.mail.example.com", "dkim2.mcsv.net")],
                    authority: vec![],
                }),
            }],
        });
        let more = follow_up_probes(&check, &obs);
        assert!(has(
            &more,
            "dkim2.mcsv.net",
            RecordType::TXT,
            ProbePurpose::TargetKey
        ));
        assert!(has(
            &more,
            "k2._domainkey.mail.example.com.example.com",
            RecordType::TXT,
            ProbePurpose::DomainDuplicated
        ));
        obs.targets.push(crate::observe::TargetResolution {
            name: n("dkim2.mcsv.net"),
            outcome: crate::observe::TargetOutcome::Failed {
                error: "timeout".into(),
                unanswered: true,
            },
        });
        let again = follow_up_probes(&check, &obs);
        assert!(!again.iter().any(|p| p.purpose == ProbePurpose::TargetKey));
    }
}
