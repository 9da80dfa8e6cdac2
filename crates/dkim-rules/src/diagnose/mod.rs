//! The verdict: from a [`Check`] and its [`Observations`] to a [`Report`].

pub(crate) mod keys;
mod mail;
mod records;
mod ses_view;
pub(crate) mod view;

pub use keys::judge_key_record;

use std::collections::BTreeSet;

use dns_wire::Name;

use crate::check::Check;
use crate::finding::{Finding, FindingCode, Severity};
use crate::observe::{Observations, ServerInfo, ServerRef};
use crate::report::{NegativeCaching, RecordStatus, Report, Verdict};

use records::RecordAnalysis;
use view::{classify, Lookup, ServerSets, ServerState};

/// Diagnoses a check from what the servers answered.
///
/// The verdict is [`Verdict::Incomplete`] when no server the domain is delegated to gave an
/// authoritative answer (with a `zone-unreachable` finding), when this machine could not reach
/// DNS servers at all (`network-unreachable`, the only finding then), or, with no error
/// finding, when an expected record or the SES key is unknown because no server answered for
/// it; [`Verdict::Fail`] when any finding has severity error or any expected record is not
/// correct on every server that answered; [`Verdict::Pass`] otherwise. Findings come errors first, then in the order
/// of the rules; every server list in the report is sorted by name, then address, so two
/// diagnoses of the same observations are equal whatever order the servers were asked in.
pub fn diagnose(check: &Check, observations: &Observations) -> Report {
    let mut report = diagnose_in_rule_order(check, observations);
    for record in &mut report.records {
        record.servers.sort_by(|a, b| a.server.cmp(&b.server));
    }
    for finding in &mut report.findings {
        finding.servers.sort();
    }
    report
}

fn diagnose_in_rule_order(check: &Check, observations: &Observations) -> Report {
    let resolver_view;
    let observations = match &observations.reduced {
        Some(_) => {
            resolver_view = resolver_answers_as_authoritative(observations);
            &resolver_view
        }
        None => observations,
    };
    let full = observations;
    // The DKIM rules see only the DKIM probes: the MAIL FROM and DMARC names may live in
    // other zones, on other servers.
    let mail_names = crate::mail::mail_names(check, observations);
    let dkim_only;
    let observations = if mail_names.is_empty() {
        observations
    } else {
        let mut view = observations.clone();
        view.probes
            .retain(|p| !mail_names.contains(&(p.name.clone(), p.rtype)));
        dkim_only = view;
        &dkim_only
    };
    let ctx = Ctx::new(check, observations);
    let mut findings = Vec::new();
    let analyses: Vec<RecordAnalysis> = check
        .selectors()
        .iter()
        .filter_map(|selector| RecordAnalysis::new(&ctx, selector))
        .collect();

    if let Some(problem) = &observations.network {
        return network_report(check, &ctx, &analyses, problem);
    }

    if !ctx.zone_answered() {
        let mut finding = ctx.zone_unreachable();
        finding.summary = tidy(&finding.summary);
        finding.fix = tidy(&finding.fix);
        findings.push(finding);
        // What this machine could not check, and a referral cut short, still say something.
        ctx.reach_findings(&mut findings);
        let records = analyses.iter().map(|a| a.report(&ctx)).collect();
        return Report {
            domain: ctx.domain.clone(),
            verdict: Verdict::Incomplete,
            records,
            ses_view: ses_view::ses_view(check, Verdict::Incomplete, &findings),
            findings,
            negative_caching: negative_caching(observations),
            mail_from: None,
            dmarc: None,
        };
    }

    for analysis in &analyses {
        analysis.findings(&ctx, &mut findings);
    }
    records::cross_record_findings(&ctx, &analyses, &mut findings);
    if let Some(dnssec) = &observations.dnssec {
        findings.extend(crate::dnssec::dnssec_findings(dnssec, &ctx.zone).findings);
    }
    match &observations.reduced {
        // One resolver's view says nothing about individual servers or the delegation.
        Some(reduced) => findings.push(reduced_check_finding(&ctx, reduced)),
        None => {
            ctx.lame_findings(&mut findings);
            ctx.delegation_findings(&analyses, &mut findings);
            ctx.reach_findings(&mut findings);
        }
    }

    if !check_is_ses(check) {
        for f in &mut findings {
            f.ses_error_type = None;
        }
    }
    for f in &mut findings {
        f.summary = tidy(&f.summary);
        f.fix = tidy(&f.fix);
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let records: Vec<_> = analyses.iter().map(|a| a.report(&ctx)).collect();
    // A record no server answered for is unknown, not wrong: without an error elsewhere the
    // verdict is then incomplete, never a fail the DNS did not show.
    let failed = findings.iter().any(|f| f.severity == Severity::Error)
        || records
            .iter()
            .any(|r| !matches!(r.status, RecordStatus::Ok | RecordStatus::Unreachable))
        || records.is_empty();
    let verdict = if failed {
        Verdict::Fail
    } else if records
        .iter()
        .any(|r| r.status == RecordStatus::Unreachable)
        || records::ses_keys_unknown(&ctx, &analyses)
    {
        Verdict::Incomplete
    } else {
        Verdict::Pass
    };
    // What SES says of the DKIM status is set against the DKIM findings only.
    let ses_view = ses_view::ses_view(check, verdict, &findings);
    // The MAIL FROM domain and DMARC, judged with what the DKIM records gave.
    let mut more = Vec::new();
    let mut mail_from = mail::mail_from_report(check, full, &mut more);
    let mut dmarc = mail::dmarc_report(check, full, verdict, mail_from.as_ref(), &mut more);
    for f in &mut more {
        f.summary = tidy(&f.summary);
        f.fix = tidy(&f.fix);
    }
    if let Some(report) = &mut mail_from {
        report.summary = tidy(&report.summary);
    }
    if let Some(report) = &mut dmarc {
        report.summary = tidy(&report.summary);
    }
    // An error fails the check; a MAIL FROM domain no server answered for is unknown, as a
    // DKIM record would be.
    let mail_from_unknown = mail_from
        .as_ref()
        .is_some_and(|m| m.mx.status == RecordStatus::Unreachable);
    let verdict = if more.iter().any(|f| f.severity == Severity::Error) {
        Verdict::Fail
    } else if verdict == Verdict::Pass && mail_from_unknown {
        Verdict::Incomplete
    } else {
        verdict
    };
    findings.extend(more);
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Report {
        domain: ctx.domain.clone(),
        verdict,
        records,
        ses_view,
        findings,
        negative_caching: negative_caching(observations),
        mail_from,
        dmarc,
    }
}

/// The report when this machine could not reach DNS at all: one finding about the machine,
/// nothing about the domain.
fn network_report(
    check: &Check,
    ctx: &Ctx<'_>,
    analyses: &[RecordAnalysis],
    problem: &crate::observe::NetworkProblem,
) -> Report {
    use crate::observe::NetworkProblemKind as Kind;
    let try_next = match problem.kind {
        Kind::LocalFirewall => "allow outbound UDP and TCP port 53 in this machine's firewall, or",
        Kind::Resources => "close other programs or raise the open-file limit (ulimit -n), or",
        Kind::NoRoute | Kind::Rejected | Kind::Silent => "try from another network, or",
    };
    let findings = vec![Finding {
        code: FindingCode::NetworkUnreachable,
        severity: Severity::Error,
        name: ctx.domain.clone(),
        servers: vec![],
        summary: tidy(&format!(
            "Nothing could be checked: this machine cannot reach DNS servers directly; outbound UDP and TCP port 53 seem blocked or there is no network ({}). This says nothing about {}.",
            problem.cause, ctx.domain
        )),
        fix: format!(
            "{} ask a resolver you can reach for a reduced check (--resolver ADDRESS), or start the walk at servers you can reach (--roots ADDRESS).",
            capitalise(try_next)
        ),
        ses_error_type: None,
    }];
    let records = analyses.iter().map(|a| a.report(ctx)).collect();
    Report {
        domain: ctx.domain.clone(),
        verdict: Verdict::Incomplete,
        records,
        ses_view: ses_view::ses_view(check, Verdict::Incomplete, &findings),
        findings,
        negative_caching: None,
        mail_from: None,
        dmarc: None,
    }
}

/// A reduced check's observations with the resolver's answers taken as the authorities' (a
/// recursive resolver clears AA on what it relays).
fn resolver_answers_as_authoritative(observations: &Observations) -> Observations {
    let mut view = observations.clone();
    for answer in view.probes.iter_mut().flat_map(|p| p.answers.iter_mut()) {
        if let crate::observe::AnswerOutcome::Response(response) = &mut answer.outcome {
            response.authoritative = true;
        }
    }
    view
}

fn reduced_check_finding(ctx: &Ctx<'_>, reduced: &crate::observe::ReducedCheck) -> Finding {
    Finding {
        code: FindingCode::ReducedCheck,
        severity: Severity::Info,
        name: ctx.domain.clone(),
        servers: vec![],
        summary: format!(
            "Reduced check: every question went to the resolver at {}, not to the name servers of {}. It shows the records, values and keys that resolver sees, but not differences between servers, lame servers or delegation faults.",
            reduced.resolver, ctx.domain
        ),
        fix: "For the full diagnosis, run the check again from a machine that can query name servers directly (outbound UDP and TCP port 53).".to_string(),
        ses_error_type: None,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn check_is_ses(check: &Check) -> bool {
    matches!(check, Check::Ses { .. })
}

/// The negative-caching hint from the zone's SOA (RFC 2308 §5).
pub fn negative_caching(observations: &Observations) -> Option<NegativeCaching> {
    let soa = observations.delegation.soa.as_ref()?;
    let seconds = soa.minimum.min(soa.ttl);
    Some(NegativeCaching {
        seconds,
        soa_minimum: soa.minimum,
        soa_ttl: soa.ttl,
        hint: format!(
            "If anything looked up a record before you created it, resolvers may keep the answer \"does not exist\" for up to {} after the record appears (the zone's SOA minimum is {} s and its TTL {} s).",
            human_duration(seconds),
            soa.minimum,
            soa.ttl
        ),
    })
}

/// Drops the final dot of a domain name inside a sentence: before punctuation
/// (`example.com.:` → `example.com:`, `example.com..` → `example.com.`) and before a word
/// that does not start a sentence (`example.com. is` → `example.com is`). Names inside
/// quotes keep their dot: those are values to type.
pub(crate) fn tidy(sentence: &str) -> String {
    let chars: Vec<char> = sentence.chars().collect();
    let mut out = String::with_capacity(sentence.len());
    for (i, &c) in chars.iter().enumerate() {
        let after_name = i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '-');
        let before_punct = matches!(chars.get(i + 1), Some(',' | ';' | ':' | ')' | '.'));
        // A name's final dot in mid-sentence: a space then a word that does not start a
        // new sentence (lower case, a digit, an opening parenthesis).
        let mid_sentence = chars.get(i + 1) == Some(&' ')
            && chars
                .get(i + 2)
                .is_some_and(|n| n.is_ascii_lowercase() || n.is_ascii_digit() || *n == '(');
        if c == '.' && after_name && (before_punct || mid_sentence) {
            continue;
        }
        out.push(c);
    }
    out
}

/// `90` → `1 min 30 s`, `7200` → `2 h`.
pub(crate) fn human_duration(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s} s"));
    }
    parts.join(" ")
}

/// Shared state of one diagnosis.
pub(crate) struct Ctx<'a> {
    pub check: &'a Check,
    pub observations: &'a Observations,
    pub lookup: Lookup<'a>,
    pub sets: ServerSets,
    pub domain: Name,
    /// The zone holding the names (the domain when the walk did not say).
    pub zone: Name,
}

impl<'a> Ctx<'a> {
    fn new(check: &'a Check, observations: &'a Observations) -> Self {
        let lookup = Lookup::new(observations);
        let sets = ServerSets::new(observations, &lookup);
        let domain = check.domain().clone();
        let zone = observations
            .delegation
            .zone
            .clone()
            .filter(|z| domain.is_subdomain_of(z))
            .unwrap_or_else(|| domain.clone());
        Ctx {
            check,
            observations,
            lookup,
            sets,
            domain,
            zone,
        }
    }

    pub fn is_ses(&self) -> bool {
        check_is_ses(self.check)
    }

    /// `name` relative to the zone, as typed into a DNS host's form.
    pub fn relative(&self, name: &Name) -> String {
        match name.strip_suffix(&self.zone) {
            Some(prefix) if !prefix.is_root() => prefix.to_string_relative(),
            _ => name.to_string(),
        }
    }

    /// Whether a probe's name lies in the zone the servers are authoritative for: a server
    /// that refuses a name outside its zone (the apex above a `_domainkey` zone cut) is not lame.
    fn in_served_zone(&self, name: &Name) -> bool {
        self.observations
            .delegation
            .zone
            .as_ref()
            .map_or(true, |zone| name.is_subdomain_of(zone))
    }

    /// Whether any delegated server answered any probe authoritatively.
    fn zone_answered(&self) -> bool {
        self.observations
            .probes
            .iter()
            .filter(|p| self.in_served_zone(&p.name))
            .flat_map(|p| &p.answers)
            .filter(|a| self.sets.delegated.contains(&a.server))
            .any(|a| classify(&a.outcome).is_ok())
    }

    fn zone_unreachable(&self) -> Finding {
        let mut servers = self.sets.delegated.clone();
        let who = if servers.is_empty() && self.observations.delegation.lame.is_empty() {
            "no name server could be found for it".to_string()
        } else {
            let mut reasons: Vec<String> = servers
                .iter()
                .map(|s| {
                    format!(
                        "{s}: {}",
                        self.first_failure(s).unwrap_or_else(|| "no answer".into())
                    )
                })
                .collect();
            for lame in &self.observations.delegation.lame {
                if let Some(address) = lame.address {
                    let server = ServerRef {
                        name: lame.name.clone(),
                        address,
                    };
                    if servers.contains(&server) {
                        continue;
                    }
                    servers.push(server);
                }
                reasons.push(format!("{}: {}", lame.name, lame.reason));
            }
            reasons.join("; ")
        };
        Finding {
            code: FindingCode::ZoneUnreachable,
            severity: Severity::Error,
            name: self.zone.clone(),
            servers,
            summary: format!(
                "No authoritative name server of {} answered ({who}), so nothing can be checked yet; receivers and SES cannot read the records either.",
                self.zone
            ),
            fix: format!(
                "Check at your registrar that {} is delegated to the name servers of your DNS host, and that those servers are up; then run the check again.",
                self.zone
            ),
            ses_error_type: FindingCode::ZoneUnreachable.ses_error_type(),
        }
    }

    /// The first reason a server failed a probe, if it did.
    fn first_failure(&self, server: &ServerRef) -> Option<String> {
        self.observations
            .probes
            .iter()
            .filter(|p| self.in_served_zone(&p.name))
            .flat_map(|p| p.answers.iter().map(move |a| (p, a)))
            .filter(|(_, a)| a.server == *server)
            .find_map(|(p, a)| match classify(&a.outcome) {
                Err(state) => Some(format!("{} for {} {}", state.describe(), p.name, p.rtype)),
                Ok(_) => None,
            })
    }

    /// A delegated server is lame when it answered a question of its zone with something
    /// other than an authoritative answer (REFUSED, SERVFAIL, no AA), or when it answered none
    /// at all. A server that left one question unanswered after every try but answered the
    /// others is not: under packet loss that is the network's doing, and its answer to that
    /// question is simply unknown.
    fn lame_findings(&self, out: &mut Vec<Finding>) {
        let total = self.sets.delegated.len();
        let mut reported = BTreeSet::new();
        for server in &self.sets.delegated {
            let Some(reason) = self.lame_reason(server) else {
                continue;
            };
            reported.insert(server.name.clone());
            out.push(self.lame_finding(vec![server.clone()], &server.to_string(), &reason, total));
        }
        for lame in &self.observations.delegation.lame {
            if reported.contains(&lame.name) {
                continue;
            }
            if let Some(address) = lame.address {
                let named = |s: &ServerInfo| s.name == lame.name && s.address == address;
                let infos = &self.observations.delegation.servers;
                if infos.iter().any(|s| named(s) && s.not_checked.is_some()) {
                    continue;
                }
                let server = ServerRef {
                    name: lame.name.clone(),
                    address,
                };
                if self.sets.delegated.contains(&server) && self.answered_any(&server) {
                    // The zone survey's SOA/NS exchange failed, the probes got answers.
                    continue;
                }
            }
            reported.insert(lame.name.clone());
            let servers = lame
                .address
                .map(|address| {
                    vec![ServerRef {
                        name: lame.name.clone(),
                        address,
                    }]
                })
                .unwrap_or_default();
            let label = servers
                .first()
                .map_or_else(|| lame.name.to_string(), ToString::to_string);
            out.push(self.lame_finding(servers, &label, &lame.reason, total));
        }
    }

    /// Why a delegated server is lame, if it is (see [`Ctx::lame_findings`]).
    fn lame_reason(&self, server: &ServerRef) -> Option<String> {
        let mut silent = None;
        for (probe, answer) in self.server_answers(server) {
            match classify(&answer.outcome) {
                Ok(_) => {}
                Err(ServerState::Lame(why)) => {
                    return Some(format!("{why} for {} {}", probe.name, probe.rtype))
                }
                Err(ServerState::NotAsked) => {}
                Err(state) => {
                    silent.get_or_insert_with(|| {
                        format!("{} for {} {}", state.describe(), probe.name, probe.rtype)
                    });
                }
            }
        }
        if self.answered_any(server) {
            return None;
        }
        silent
    }

    /// Whether `server` answered any probe of its zone authoritatively.
    fn answered_any(&self, server: &ServerRef) -> bool {
        self.server_answers(server)
            .any(|(_, a)| classify(&a.outcome).is_ok())
    }

    /// Every answer `server` gave to a probe of the zone it serves.
    fn server_answers<'s>(
        &'s self,
        server: &'s ServerRef,
    ) -> impl Iterator<
        Item = (
            &'s crate::observe::ProbeObservation,
            &'s crate::observe::ServerAnswer,
        ),
    > {
        self.observations
            .probes
            .iter()
            .filter(|p| self.in_served_zone(&p.name))
            .flat_map(|p| p.answers.iter().map(move |a| (p, a)))
            .filter(move |(_, a)| a.server == *server)
    }

    /// Servers not checked from this machine (an info finding naming them, so that none
    /// disappears without a word) and name servers beyond the per-zone bound.
    fn reach_findings(&self, out: &mut Vec<Finding>) {
        let delegation = &self.observations.delegation;
        let (refused, skipped): (Vec<&ServerInfo>, Vec<&ServerInfo>) = delegation
            .servers
            .iter()
            .filter(|s| s.not_checked.is_some())
            .partition(|s| s.refused_range().is_some());
        if !refused.is_empty() {
            out.push(self.address_not_public(&refused));
        }
        if let Some(first) = skipped.first() {
            let why = first.not_checked.clone().unwrap_or_default();
            let why = why.strip_prefix("not checked from here: ").unwrap_or(&why);
            let list = skipped
                .iter()
                .map(|s| format!("{} ({})", s.name, s.address))
                .collect::<Vec<_>>()
                .join(", ");
            let verb = if skipped.len() == 1 { "was" } else { "were" };
            out.push(Finding {
                code: FindingCode::NotCheckedFromHere,
                severity: Severity::Info,
                name: self.zone.clone(),
                servers: skipped.iter().map(|s| s.reference()).collect(),
                summary: format!(
                    "{list} {verb} not checked from here: {why}. The verdict rests on the addresses that were checked."
                ),
                fix: "Nothing to fix in the zone. To test those addresses too, run the check from a machine that can reach them.".to_string(),
                ses_error_type: None,
            });
        }
        if delegation.ns_ignored > 0 {
            out.push(Finding {
                code: FindingCode::NsFanoutCapped,
                severity: Severity::Warning,
                name: self.zone.clone(),
                servers: vec![],
                summary: format!(
                    "{} lists {} name servers; only {} were checked, as resolvers also ask only a few of them (a bound against NXNSAttack), so the others serve no purpose.",
                    self.zone,
                    delegation.parent_ns.len() + delegation.ns_ignored,
                    delegation.parent_ns.len()
                ),
                fix: "List only the name servers your DNS host gives you (usually 2 to 8), at your registrar and in the zone's NS records.".to_string(),
                ses_error_type: None,
            });
        }
    }

    /// Servers not asked because their address is not a public one (an address policy).
    fn address_not_public(&self, refused: &[&ServerInfo]) -> Finding {
        let list = refused
            .iter()
            .filter_map(|s| {
                let range = s.refused_range()?;
                Some(format!("{} ({}, {})", s.name, s.address, range.describe()))
            })
            .collect::<Vec<_>>()
            .join("; ");
        let (who, them) = if refused.len() == 1 {
            ("The name server", "it")
        } else {
            ("The name servers", "them")
        };
        Finding {
            code: FindingCode::AddressNotPublic,
            severity: Severity::Error,
            name: self.zone.clone(),
            servers: refused.iter().map(|s| s.reference()).collect(),
            summary: format!(
                "{who} {list} of {zone} {have} no public address: resolvers on the Internet cannot reach {them}, and this checker does not send queries to such addresses, so {them} {were} not asked.",
                zone = self.zone,
                have = if refused.len() == 1 { "has" } else { "have" },
                were = if refused.len() == 1 { "was" } else { "were" },
            ),
            fix: format!(
                "Give {them} public addresses where {zone} is delegated (the glue records at your registrar) and in the zone's own address records, or remove {them} from the NS set at your registrar and in the zone.",
                zone = self.zone
            ),
            ses_error_type: FindingCode::AddressNotPublic.ses_error_type(),
        }
    }

    fn lame_finding(
        &self,
        servers: Vec<ServerRef>,
        label: &str,
        reason: &str,
        total: usize,
    ) -> Finding {
        let share = if total > 1 {
            format!(" Resolvers that pick this server (one of {total}) get no answer, so DKIM checks fail now and then.")
        } else {
            String::new()
        };
        Finding {
            code: FindingCode::LameDelegation,
            severity: Severity::Error,
            name: self.zone.clone(),
            servers,
            summary: format!(
                "The name server {label}, which {} is delegated to, does not answer for it properly ({reason}).{share}",
                self.zone
            ),
            fix: format!(
                "Make {label} serve {zone} again, or remove it: at your registrar and in the zone's NS records, list only the name servers your DNS host gives you for {zone}.",
                zone = self.zone
            ),
            ses_error_type: FindingCode::LameDelegation.ses_error_type(),
        }
    }

    fn delegation_findings(&self, analyses: &[RecordAnalysis], out: &mut Vec<Finding>) {
        let delegation = &self.observations.delegation;
        let parent: BTreeSet<Name> = delegation
            .parent_ns
            .iter()
            .map(Name::to_lowercase)
            .collect();
        let child: BTreeSet<Name> = delegation.child_ns.iter().map(Name::to_lowercase).collect();
        if !parent.is_empty() && !child.is_empty() && parent != child {
            let list = |set: &BTreeSet<&Name>| {
                set.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let only_parent: BTreeSet<&Name> = parent.difference(&child).collect();
            let only_child: BTreeSet<&Name> = child.difference(&parent).collect();
            let mut diff = Vec::new();
            if !only_parent.is_empty() {
                diff.push(format!("only at the registrar: {}", list(&only_parent)));
            }
            if !only_child.is_empty() {
                diff.push(format!("only in the zone: {}", list(&only_child)));
            }
            out.push(Finding {
                code: FindingCode::DelegationMismatch,
                severity: Severity::Warning,
                name: self.zone.clone(),
                servers: vec![],
                summary: format!(
                    "The name servers your registrar lists for {} are not the ones the zone itself lists ({}).",
                    self.zone,
                    diff.join("; ")
                ),
                fix: format!(
                    "Make both lists the same: at your registrar set the name servers of {} to exactly those of the DNS host that holds your records, and make the zone's NS records list the same servers.",
                    self.zone
                ),
                ses_error_type: None,
            });
        }

        // Records that exist only on servers the user named, not on the delegated ones.
        let misplaced: Vec<&RecordAnalysis> = analyses
            .iter()
            .filter(|a| a.only_on_user_servers())
            .collect();
        if !misplaced.is_empty() {
            let names: Vec<String> = misplaced.iter().map(|a| a.name.to_string()).collect();
            let user: Vec<String> = self
                .sets
                .user_only
                .iter()
                .map(|s| s.name.to_string())
                .collect();
            let delegated: BTreeSet<String> = self
                .sets
                .delegated
                .iter()
                .map(|s| s.name.to_string())
                .collect();
            let servers: Vec<ServerRef> = self.sets.user_only.clone();
            out.push(Finding {
                code: FindingCode::DelegationMismatch,
                severity: Severity::Error,
                name: self.zone.clone(),
                servers,
                summary: format!(
                    "{} exist on the name servers you named ({}), but {} is delegated to other servers ({}), and everyone (SES included) asks those.",
                    names.join(", "),
                    dedup(&user).join(", "),
                    self.zone,
                    delegated.into_iter().collect::<Vec<_>>().join(", ")
                ),
                fix: format!(
                    "Either, at your registrar, change the name servers of {} to {} (the zone you edited), or create the same records at the DNS host the domain is delegated to now.",
                    self.zone,
                    dedup(&user).join(", ")
                ),
                ses_error_type: Some(crate::finding::SesErrorType::HostNotFound),
            });
        }

        if let (
            Check::Ses {
                ses_soa: Some(seen),
                ..
            },
            Some(soa),
        ) = (self.check, &delegation.soa)
        {
            if seen.primary_name_server != soa.mname {
                out.push(Finding {
                    code: FindingCode::DelegationMismatch,
                    severity: Severity::Error,
                    name: self.zone.clone(),
                    servers: vec![],
                    summary: format!(
                        "SES last read a zone whose primary name server is {}, but the zone that {} is delegated to has the primary server {}: SES looked at a different copy of your zone (or the delegation changed since).",
                        seen.primary_name_server, self.zone, soa.mname
                    ),
                    fix: format!(
                        "Make sure the records are in the zone served by {} (the delegated one); if you just changed name servers, wait for SES's next check (up to 72 hours) or re-verify the identity.",
                        soa.mname
                    ),
                    ses_error_type: Some(crate::finding::SesErrorType::HostNotFound),
                });
            }
        }
    }

    /// Whether every delegated server that answered says the domain name itself does not
    /// exist (NXDOMAIN for its SOA question): nothing at or below it.
    pub fn domain_absent(&self) -> bool {
        let states: Vec<ServerState> = self
            .sets
            .delegated
            .iter()
            .map(|s| self.state(&self.domain, &[dns_wire::RecordType::SOA], s))
            .filter(ServerState::answered)
            .collect();
        !states.is_empty()
            && states
                .iter()
                .all(|s| *s == ServerState::Missing { nxdomain: true })
    }

    /// SOA serials per delegated server, for inconsistency reports.
    pub fn serials(&self) -> String {
        let serials: Vec<String> = self
            .observations
            .delegation
            .servers
            .iter()
            .filter(|s| self.sets.delegated.contains(&s.reference()))
            .filter_map(|s| s.soa_serial.map(|serial| format!("{} {serial}", s.name)))
            .collect();
        serials.join(", ")
    }

    /// One server's view of a name.
    pub fn state(
        &self,
        name: &Name,
        types: &[dns_wire::RecordType],
        server: &ServerRef,
    ) -> ServerState {
        self.lookup.state(name, types, server)
    }
}

fn dedup(list: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    list.iter()
        .filter(|s| seen.insert(s.as_str()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_lose_the_dots_of_names_only() {
        assert_eq!(tidy("at example.com.."), "at example.com.");
        assert_eq!(
            tidy("at example.com.: x (a.b.), \"c.d.\""),
            "at example.com: x (a.b), \"c.d.\""
        );
        assert_eq!(
            tidy("to a.b. instead of c. Done."),
            "to a.b instead of c. Done."
        );
        assert_eq!(
            tidy("ns1.example. (192.0.2.1) has"),
            "ns1.example (192.0.2.1) has"
        );
        assert_eq!(tidy("Ends here. Next"), "Ends here. Next");
        assert_eq!(tidy("(RFC 8301)."), "(RFC 8301).");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(0), "0 s");
        assert_eq!(human_duration(90), "1 min 30 s");
        assert_eq!(human_duration(7200), "2 h");
        assert_eq!(human_duration(86_461), "24 h 1 min 1 s");
    }
}
