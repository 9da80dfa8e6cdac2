//! Which names and types to ask: [`probes`] before any answer, [`follow_up_probes`] once the
//! first answers are in.
//!
//! Every probe except those whose purpose [`ProbePurpose::resolves_through_target_zone`]
//! (`TargetKey`, `SpfInclude`, `MailChainTarget`) goes to the authoritative servers of the
//! zone that holds the name (every server, every address, plus the user's `--expect-ns`),
//! and its answers go into [`crate::Observations::probes`]. The others are looked up
//! through the target's own zone (a CNAME target lives elsewhere) and go into
//! [`crate::Observations::targets`].

use std::collections::{BTreeSet, HashSet};

use dns_wire::{Name, RecordType};
use serde::Serialize;

use crate::check::Check;
use crate::observe::{AnswerOutcome, Observations, ObservedData};
use crate::serde_dns;
use crate::Selector;

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

/// The probes for a check, before any answer is known: the zone's SOA and NS, one question
/// per expected name (the CNAME for SES, the TXT for a selector: either question also
/// returns a CNAME at the name, so the answer tells what the other types would), and for SES
/// the keys at the targets the tokens name, so those lookups start at once. The mistaken
/// variants are asked only when an answer calls for them ([`follow_up_probes`]). Names that
/// would be too long to exist are left out; the list has no duplicates.
pub fn probes(check: &Check) -> Vec<Probe> {
    let mut list = ProbeList::default();
    let domain = check.domain();
    list.push(domain.clone(), RecordType::SOA, ProbePurpose::ZoneApex);
    list.push(domain.clone(), RecordType::NS, ProbePurpose::ZoneApex);
    let main_type = main_type(check);
    for selector in check.selectors() {
        if let Some(expected) = selector.dkim_name(domain) {
            list.push(expected, main_type, ProbePurpose::Expected);
        }
    }
    if let Check::Ses { tokens, .. } = check {
        for token in tokens {
            if let Some(target) = expected_ses_target(check, token) {
                list.push(target, RecordType::TXT, ProbePurpose::TargetKey);
            }
        }
    }
    for probe in crate::mail::mail_probes(check) {
        list.push(probe.name, probe.rtype, probe.purpose);
    }
    list.probes
}

/// Rounds of probes at most: the first, the variants and targets its answers call for, the
/// chains that end in yet another zone. [`follow_up_probes`] never asks the same probe twice,
/// so the rounds end anyway; the bound is a safety net.
pub const MAX_ROUNDS: usize = 4;

/// The round plan of one check, without I/O: the first round ([`probes`]), then, after each
/// round's answers are in the observations, the next ([`follow_up_probes`]), at most
/// [`MAX_ROUNDS`]. A key lookup at a provider's target is asked once in a check: it runs in
/// the background across rounds, so a later round that calls for it again leaves it out.
///
/// The check machine asks each round on a run; anything else that answers probes (a test's
/// simulated servers) follows the same plan by calling the same two methods.
#[derive(Debug, Clone, Default)]
pub struct Rounds {
    count: usize,
    /// The key lookups asked so far.
    keys: HashSet<(Name, ProbePurpose)>,
}

impl Rounds {
    /// The first round.
    pub fn first(&mut self, check: &Check) -> Option<Vec<Probe>> {
        self.admit(probes(check))
    }

    /// The round after the answers in `observations`; `None` when nothing is left to ask.
    pub fn next(&mut self, check: &Check, observations: &Observations) -> Option<Vec<Probe>> {
        self.admit(follow_up_probes(check, observations))
    }

    /// Rounds given so far (the current round's number, from 1).
    pub fn count(&self) -> usize {
        self.count
    }

    fn admit(&mut self, batch: Vec<Probe>) -> Option<Vec<Probe>> {
        let batch: Vec<Probe> = batch
            .into_iter()
            .filter(|p| {
                !p.resolves_through_target_zone() || self.keys.insert((p.name.clone(), p.purpose))
            })
            .collect();
        if batch.is_empty() || self.count >= MAX_ROUNDS {
            return None;
        }
        self.count += 1;
        Some(batch)
    }
}

/// The type the expected record has: CNAME for SES, TXT for a selector.
fn main_type(check: &Check) -> RecordType {
    match check {
        Check::Ses { .. } => RecordType::CNAME,
        Check::Selector { .. } => RecordType::TXT,
    }
}

/// What the servers said about an expected name, for planning what else to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpectedSeen {
    /// Every server that answered holds exactly the expected record (an SES CNAME to its
    /// target): nothing else to ask.
    Correct,
    /// Every server that answered holds something at the name, not provably the record meant
    /// (a selector's TXT or CNAME): only whether a wildcard made it is asked.
    Present,
    /// A server answered that the name does not exist, holds no record of the type, or
    /// points somewhere else: the mistaken variants and the other types are asked.
    Wrong,
}

fn expected_seen(
    check: &Check,
    observations: &Observations,
    selector: &Selector,
) -> Option<ExpectedSeen> {
    let name = selector.dkim_name(check.domain())?;
    let probe = observations
        .probes
        .iter()
        .find(|p| p.name == name && p.rtype == main_type(check))?;
    let target = match check {
        Check::Ses { .. } => expected_ses_target(check, selector),
        Check::Selector { .. } => None,
    };
    let mut seen = ExpectedSeen::Correct;
    for answer in &probe.answers {
        let AnswerOutcome::Response(response) = &answer.outcome else {
            // No answer from this server: variants would not tell more.
            continue;
        };
        let at_name: Vec<&ObservedData> = response
            .answer
            .iter()
            .filter(|r| r.name == name)
            .map(|r| &r.data)
            .collect();
        let cname = at_name.iter().find_map(|d| match d {
            ObservedData::Cname(target) => Some(target),
            _ => None,
        });
        let holds = match (&target, cname) {
            (Some(expected), Some(found)) if found == expected => ExpectedSeen::Correct,
            (Some(_), _) => ExpectedSeen::Wrong,
            (None, Some(_)) => ExpectedSeen::Present,
            (None, None) if at_name.iter().any(|d| matches!(d, ObservedData::Txt(_))) => {
                ExpectedSeen::Present
            }
            (None, None) => ExpectedSeen::Wrong,
        };
        seen = match (seen, holds) {
            (ExpectedSeen::Wrong, _) | (_, ExpectedSeen::Wrong) => ExpectedSeen::Wrong,
            (ExpectedSeen::Present, _) | (_, ExpectedSeen::Present) => ExpectedSeen::Present,
            _ => ExpectedSeen::Correct,
        };
    }
    Some(seen)
}

/// More probes once answers are in:
/// - for an expected name that a server says is missing or wrong: the name's other types
///   (TXT or A where a CNAME belongs tells "wrong type" from "missing"), the name with the
///   domain appended again, the `_domainkey` variants a DNS host makes of it, and wildcard
///   checks at their parents; with the zone appended too when the zone that holds the names
///   is a parent of the domain (the DNS host appended the zone, not the domain);
/// - for an expected name that holds something not provably the record (a selector's key):
///   a wildcard check at its parent, so a wildcard's answer is not taken for the record;
/// - the TXT at every CNAME target found that no answer already resolved.
///
/// Probes already answered in `observations` are not repeated.
pub fn follow_up_probes(check: &Check, observations: &Observations) -> Vec<Probe> {
    let mut list = ProbeList::default();
    let domain = check.domain();
    let other_types: &[RecordType] = match check {
        Check::Ses { .. } => &[RecordType::TXT, RecordType::A],
        Check::Selector { .. } => &[RecordType::CNAME, RecordType::A],
    };
    let zone_appended = observations
        .delegation
        .zone
        .as_ref()
        .filter(|zone| *zone != domain && domain.is_subdomain_of(zone));
    for selector in check.selectors() {
        let Some(expected) = selector.dkim_name(domain) else {
            continue;
        };
        match expected_seen(check, observations, selector) {
            Some(ExpectedSeen::Wrong) => {}
            Some(ExpectedSeen::Present) => {
                add_wildcard_probe(&mut list, &expected, domain);
                continue;
            }
            Some(ExpectedSeen::Correct) | None => continue,
        }
        for t in other_types {
            list.push(expected.clone(), *t, ProbePurpose::ExpectedOtherType);
        }
        // A TXT question also returns a CNAME at the name, so one TXT probe per variant finds
        // either kind of record.
        let mut misplaced: Vec<(Name, ProbePurpose)> = Vec::new();
        for suffix in std::iter::once(domain).chain(zone_appended) {
            if let Ok(doubled) = expected.clone().append(suffix) {
                misplaced.push((doubled, ProbePurpose::DomainDuplicated));
            }
        }
        for variant in underscore_variants(selector, domain, check) {
            misplaced.push((variant.name, ProbePurpose::UnderscoreVariant));
        }
        add_wildcard_probe(&mut list, &expected, domain);
        for (name, purpose) in misplaced {
            // A made-up name beside each, so a wildcard is not taken for the misplaced record.
            add_wildcard_probe(&mut list, &name, domain);
            list.push(name, RecordType::TXT, purpose);
        }
    }
    let mail_names = crate::mail::mail_names(check, observations);
    for probe in observations
        .probes
        .iter()
        .filter(|p| !mail_names.contains(&(p.name.clone(), p.rtype)))
    {
        for answer in &probe.answers {
            let AnswerOutcome::Response(response) = &answer.outcome else {
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

/// For an SES check, `<token>.<ses zone>`.
pub fn expected_ses_target(check: &Check, token: &Selector) -> Option<Name> {
    token.prefixed_to(&check.ses_zone()?)
}

/// A mangled form of `_domainkey` and what it is called in reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Variant {
    pub name: Name,
    pub description: &'static str,
}

/// The names a DNS host produces when it drops the underscore or the dot of `_domainkey`.
pub(crate) fn underscore_variants(
    selector: &Selector,
    domain: &Name,
    check: &Check,
) -> Vec<Variant> {
    let selector = selector.as_str();
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

/// A name that cannot exist beside `name` (under its parent, when that is within the
/// domain): a wildcard answers it the way it answers `name`. At the selectors' own depth
/// (`_domainkey.<domain>`) an address wildcard is looked for too (it would pass for a proxied
/// or flattened record).
fn add_wildcard_probe(list: &mut ProbeList, name: &Name, domain: &Name) {
    let Some(parent) = name.parent().filter(|p| p.is_subdomain_of(domain)) else {
        return;
    };
    let Ok(made_up) = parent.prepend(WILDCARD_PROBE_LABEL.as_bytes()) else {
        return;
    };
    list.push(
        made_up.clone(),
        RecordType::TXT,
        ProbePurpose::WildcardCheck,
    );
    if domain.prepend(b"_domainkey").ok().as_ref() == Some(&parent) {
        list.push(made_up, RecordType::A, ProbePurpose::WildcardCheck);
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
            tokens: tokens.iter().map(|t| t.parse().unwrap()).collect(),
            signing_zone: None,
            region: Some("eu-south-1".into()),
            expect_ns: vec![],
            ses_soa: None,
            ses_status: None,
            mail_from: None,
            dmarc: false,
        }
    }

    #[test]
    fn rounds_ask_each_key_once_and_stop_at_the_bound() {
        let check = ses(&["aaaa", "bbbb"]);
        let mut rounds = Rounds::default();
        let first = rounds.first(&check).unwrap();
        let keys = |batch: &[Probe]| {
            batch
                .iter()
                .filter(|p| p.purpose == ProbePurpose::TargetKey)
                .count()
        };
        assert_eq!(keys(&first), 2);
        assert_eq!(rounds.count(), 1);
        // A round that calls for the same keys again (here: the first probes once more)
        // leaves them out, as they are still running from the first.
        let again = rounds.first(&check).unwrap();
        assert_eq!(keys(&again), 0);
        assert!(again.len() == first.len() - 2);
        let nothing = Observations::default();
        while rounds.next(&check, &nothing).is_some() {}
        assert!(rounds.count() <= MAX_ROUNDS);
        assert!(rounds.next(&check, &nothing).is_none());
    }

    fn has(list: &[Probe], name: &str, rtype: RecordType, purpose: ProbePurpose) -> bool {
        list.iter()
            .any(|p| p.name == n(name) && p.rtype == rtype && p.purpose == purpose)
    }

    fn server(n_: u8) -> ServerRef {
        ServerRef {
            name: n(&format!("ns{n_}.example.com")),
            address: format!("192.0.2.{n_}").parse().unwrap(),
        }
    }

    fn response(rcode: Rcode, answer: Vec<ObservedRecord>) -> AnswerOutcome {
        AnswerOutcome::Response(Response {
            rcode,
            authoritative: true,
            answer,
            authority: vec![],
        })
    }

    fn cname(from: &str, to: &str) -> ObservedRecord {
        ObservedRecord {
            name: n(from),
            ttl: 300,
            data: ObservedData::Cname(n(to)),
        }
    }

    fn observed(name: &str, rtype: RecordType, outcomes: Vec<AnswerOutcome>) -> ProbeObservation {
        ProbeObservation {
            name: n(name),
            rtype,
            answers: outcomes
                .into_iter()
                .enumerate()
                .map(|(i, outcome)| ServerAnswer {
                    server: server(i as u8 + 1),
                    outcome,
                })
                .collect(),
        }
    }

    fn no_duplicates(list: &[Probe]) {
        let mut keys: Vec<_> = list.iter().map(|p| (p.name.clone(), p.rtype)).collect();
        let before = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), before, "duplicates in {list:?}");
    }

    #[test]
    fn ses_first_probes_ask_one_question_per_name_and_the_keys_at_once() {
        let list = probes(&ses(&["tok1", "tok2"]));
        use ProbePurpose::*;
        let mut asked: Vec<(String, RecordType, ProbePurpose)> = list
            .iter()
            .map(|p| (p.name.to_string(), p.rtype, p.purpose))
            .collect();
        asked.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            asked,
            vec![
                ("example.com.".to_string(), RecordType::SOA, ZoneApex),
                ("example.com.".to_string(), RecordType::NS, ZoneApex),
                (
                    "tok1._domainkey.example.com.".into(),
                    RecordType::CNAME,
                    Expected
                ),
                (
                    "tok1.dkim.eu-south-1.amazonses.com.".into(),
                    RecordType::TXT,
                    TargetKey
                ),
                (
                    "tok2._domainkey.example.com.".into(),
                    RecordType::CNAME,
                    Expected
                ),
                (
                    "tok2.dkim.eu-south-1.amazonses.com.".into(),
                    RecordType::TXT,
                    TargetKey
                ),
            ]
        );
    }

    #[test]
    fn ses_variants_are_asked_only_for_a_name_that_is_missing_or_wrong() {
        use ProbePurpose::*;
        let check = ses(&["tok1", "tok2"]);
        let right = response(
            Rcode::NOERROR,
            vec![cname(
                "tok1._domainkey.example.com",
                "tok1.dkim.eu-south-1.amazonses.com",
            )],
        );
        let mut obs = Observations::default();
        obs.delegation.zone = Some(n("example.com"));
        obs.probes.push(observed(
            "tok1._domainkey.example.com",
            RecordType::CNAME,
            vec![right.clone(), right],
        ));
        // tok2: one server right, one without it.
        obs.probes.push(observed(
            "tok2._domainkey.example.com",
            RecordType::CNAME,
            vec![
                response(
                    Rcode::NOERROR,
                    vec![cname(
                        "tok2._domainkey.example.com",
                        "tok2.dkim.eu-south-1.amazonses.com",
                    )],
                ),
                response(Rcode::NXDOMAIN, vec![]),
            ],
        ));
        let list = follow_up_probes(&check, &obs);
        // The keys at the targets found (not yet resolved here), and nothing else for tok1.
        assert!(!list
            .iter()
            .any(|p| p.purpose != TargetKey && p.name.to_string().contains("tok1")));
        for t in [RecordType::TXT, RecordType::A] {
            assert!(has(
                &list,
                "tok2._domainkey.example.com",
                t,
                ExpectedOtherType
            ));
        }
        assert!(has(
            &list,
            "tok2._domainkey.example.com.example.com",
            RecordType::TXT,
            DomainDuplicated
        ));
        for v in [
            "tok2.domainkey",
            "tok2-domainkey",
            "tok2_domainkey",
            "tok2domainkey",
            "tok2",
        ] {
            let name = format!("{v}.example.com");
            assert!(has(&list, &name, RecordType::TXT, UnderscoreVariant), "{v}");
        }
        for parent in [
            "_domainkey.example.com",
            "example.com",
            "domainkey.example.com",
            "_domainkey.example.com.example.com",
        ] {
            let name = format!("{WILDCARD_PROBE_LABEL}.{parent}");
            assert!(has(&list, &name, RecordType::TXT, WildcardCheck), "{name}");
        }
        no_duplicates(&list);
        // Once asked, they are not asked again; a healthy check asks nothing more.
        for probe in list.iter().filter(|p| p.purpose != TargetKey) {
            obs.probes.push(observed(
                &probe.name.to_string(),
                probe.rtype,
                vec![response(Rcode::NXDOMAIN, vec![])],
            ));
        }
        let targets_only = |list: Vec<Probe>| list.iter().all(|p| p.purpose == TargetKey);
        assert!(targets_only(follow_up_probes(&check, &obs)));
        obs.probes
            .retain(|p| p.name.to_string().starts_with("tok1._"));
        assert!(targets_only(follow_up_probes(&check, &obs)));
    }

    #[test]
    fn selector_probes_ask_txt_and_skip_bare_selector_names() {
        let check = Check::Selector {
            domain: n("example.com"),
            selectors: vec!["google".parse().unwrap()],
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
        assert_eq!(list.len(), 3, "{list:?}");
        let mut obs = Observations::default();
        obs.probes.push(observed(
            "google._domainkey.example.com",
            RecordType::TXT,
            vec![response(Rcode::NOERROR, vec![])],
        ));
        let more = follow_up_probes(&check, &obs);
        assert!(has(
            &more,
            "google._domainkey.example.com",
            RecordType::CNAME,
            ProbePurpose::ExpectedOtherType
        ));
        assert!(!more.iter().any(|p| p.name == n("google.example.com")));
    }

    #[test]
    fn a_selector_key_that_is_present_gets_only_a_wildcard_check() {
        let check = Check::Selector {
            domain: n("example.com"),
            selectors: vec!["google".parse().unwrap()],
            expect_ns: vec![],
            dmarc: false,
        };
        let mut obs = Observations::default();
        let txt = ObservedRecord {
            name: n("google._domainkey.example.com"),
            ttl: 300,
            data: ObservedData::Txt(vec![b"v=DKIM1; p=".to_vec()]),
        };
        obs.probes.push(observed(
            "google._domainkey.example.com",
            RecordType::TXT,
            vec![response(Rcode::NOERROR, vec![txt])],
        ));
        let more = follow_up_probes(&check, &obs);
        let wildcard = format!("{WILDCARD_PROBE_LABEL}._domainkey.example.com");
        let asked: Vec<(String, RecordType)> =
            more.iter().map(|p| (p.name.to_string(), p.rtype)).collect();
        assert_eq!(
            asked,
            vec![
                (format!("{wildcard}."), RecordType::TXT),
                (format!("{wildcard}."), RecordType::A)
            ]
        );
    }

    #[test]
    fn follow_ups_resolve_dangling_cnames_and_zone_doubling() {
        let check = Check::Selector {
            domain: n("mail.example.com"),
            selectors: vec!["k2".parse().unwrap(), "k3".parse().unwrap()],
            expect_ns: vec![],
            dmarc: false,
        };
        let mut obs = Observations::default();
        obs.delegation.zone = Some(n("example.com"));
        obs.probes.push(observed(
            "k2._domainkey.mail.example.com",
            RecordType::TXT,
            vec![response(
                Rcode::NOERROR,
                vec![cname("k2._domainkey.mail.example.com", "dkim2.mcsv.net")],
            )],
        ));
        obs.probes.push(observed(
            "k3._domainkey.mail.example.com",
            RecordType::TXT,
            vec![response(Rcode::NXDOMAIN, vec![])],
        ));
        let more = follow_up_probes(&check, &obs);
        assert!(has(
            &more,
            "dkim2.mcsv.net",
            RecordType::TXT,
            ProbePurpose::TargetKey
        ));
        // The missing one is looked for with the zone appended (and with the domain).
        for doubled in [
            "k3._domainkey.mail.example.com.example.com",
            "k3._domainkey.mail.example.com.mail.example.com",
        ] {
            assert!(has(
                &more,
                doubled,
                RecordType::TXT,
                ProbePurpose::DomainDuplicated
            ));
        }
        assert!(!more
            .iter()
            .any(|p| p.purpose == ProbePurpose::DomainDuplicated
                && p.name.to_string().starts_with("k2")));
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
