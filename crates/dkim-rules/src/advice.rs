//! From a [`Report`] to what a person does next: one sentence with the verdict and its main
//! cause ([`Advice::summary`]), the exact records to create or change and the other steps
//! ([`Advice::actions`]), each saying where to type it (the DNS host recognised from the name
//! servers, [`crate::HostServers`]) and the host's quirks that matter; and the findings folded,
//! one per code and fix, listing the names ([`fold_findings`]).

use std::collections::BTreeSet;

use dns_wire::{Name, RecordType};
use serde::Serialize;

use crate::check::Check;
use crate::finding::{Finding, FindingCode, SesErrorType, Severity};
use crate::hosts::HostServers;
use crate::observe::{AnswerOutcome, Observations, ServerRef};
use crate::probe::{expected_ses_target, probes, ProbePurpose};
use crate::providers::{provider_for_selector, PublishedAs};
use crate::report::{RecordReport, RecordStatus, Report, Verdict};
use crate::serde_dns;
use crate::Selector;

/// What to do, for people: the verdict in one sentence, then the actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advice {
    /// One line: the verdict and its main cause in words (`FAIL: none of the 3 SES records
    /// exist at the servers your domain uses (...)`).
    pub summary: String,
    /// The DNS hosts the domain is delegated to, recognised from their NS names.
    pub hosts: Vec<HostServers>,
    /// The records to create, change or delete, then the other steps, in order.
    pub actions: Vec<Action>,
    /// Where the zone's records are typed (the delegated host's record form).
    pub place: String,
    /// The zone that holds the records.
    #[serde(with = "serde_dns::name")]
    pub zone: Name,
}

impl Advice {
    /// A finding's fix with "At your DNS host" replaced by where that is.
    pub fn placed_fix(&self, fix: &str) -> String {
        placed(fix, &self.zone, &self.place)
    }
}

/// What an action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// Create a record that is not there.
    Create,
    /// Change the value of a record that is there.
    Change,
    /// Delete a record of the wrong type and create the right one.
    Replace,
    /// Anything that is not one record: the registrar's name servers, a server to repair, a
    /// key to ask the provider for.
    Step,
}

/// A record as a zone file and as a web form want it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSpec {
    /// The full name, with its final dot.
    #[serde(with = "serde_dns::name")]
    pub name: Name,
    /// What to type in a form's name field: the name without the zone.
    pub form_name: String,
    /// The record type (`CNAME`, `TXT`).
    #[serde(rename = "type")]
    pub rtype: String,
    /// The value, as a zone file writes it (CNAME targets with their final dot); `null`
    /// when only the provider knows it (a key record).
    pub value: Option<String>,
    /// The line for a zone file.
    pub zone_line: String,
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    /// What it does.
    pub kind: ActionKind,
    /// Where to do it (`the Route 53 hosted zone for example.com, the one whose NS records
    /// are ...`, or `your registrar`).
    #[serde(rename = "where")]
    pub place: String,
    /// The record to end up with (create, change, replace).
    pub record: Option<RecordSpec>,
    /// Records to delete first (the wrong type, a doubled or mangled name, the old value).
    pub delete: Vec<RecordSpec>,
    /// The action in one or two sentences.
    pub text: String,
    /// What the host does that matters here.
    pub quirks: Vec<String>,
    /// The finding codes this action answers.
    pub codes: Vec<FindingCode>,
}

/// Findings with the same code, severity and fix (apart from the record's own name), folded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoldedFinding {
    /// The code.
    pub code: FindingCode,
    /// The severity.
    pub severity: Severity,
    /// Every record name concerned, in report order.
    #[serde(with = "serde_dns::names")]
    pub names: Vec<Name>,
    /// The first finding's sentence.
    pub summary: String,
    /// The first finding's fix.
    pub fix: String,
    /// Every server that showed any of them.
    pub servers: Vec<ServerRef>,
    /// The SES error type.
    pub ses_error_type: Option<SesErrorType>,
}

/// Folds findings with the same code, severity and fix (once the selector or token of each is
/// set aside), keeping the first one's words and listing every name.
pub fn fold_findings(findings: &[Finding]) -> Vec<FoldedFinding> {
    let mut folded: Vec<(String, FoldedFinding)> = Vec::new();
    for finding in findings {
        let key = format!(
            "{}|{}|{}",
            finding.code,
            finding.severity.as_str(),
            masked(&finding.fix, &finding.name)
        );
        match folded.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => {
                if !group.names.contains(&finding.name) {
                    group.names.push(finding.name.clone());
                }
                for server in &finding.servers {
                    if !group.servers.contains(server) {
                        group.servers.push(server.clone());
                    }
                }
            }
            None => folded.push((
                key,
                FoldedFinding {
                    code: finding.code,
                    severity: finding.severity,
                    names: vec![finding.name.clone()],
                    summary: finding.summary.clone(),
                    fix: finding.fix.clone(),
                    servers: finding.servers.clone(),
                    ses_error_type: finding.ses_error_type,
                },
            )),
        }
    }
    folded.into_iter().map(|(_, f)| f).collect()
}

/// `text` with the selector (or token) of `name` replaced, so two fixes that differ only by
/// the record they are about compare equal.
fn masked(text: &str, name: &Name) -> String {
    let text_name = name.to_string_relative().to_ascii_lowercase();
    let selector = text_name
        .split("._domainkey")
        .next()
        .filter(|s| text_name.contains("._domainkey") && !s.is_empty());
    match selector {
        Some(selector) => text.to_ascii_lowercase().replace(selector, "<selector>"),
        None => text.to_ascii_lowercase(),
    }
}

/// The advice for a report.
pub fn advise(check: &Check, observations: &Observations, report: &Report) -> Advice {
    let ctx = AdviceCtx::new(check, observations, report);
    Advice {
        summary: ctx.summary(),
        actions: ctx.actions(),
        hosts: ctx.delegated.clone(),
        place: ctx.place(&ctx.delegated),
        zone: ctx.zone.clone(),
    }
}

struct AdviceCtx<'a> {
    check: &'a Check,
    observations: &'a Observations,
    report: &'a Report,
    zone: Name,
    delegated: Vec<HostServers>,
    /// Servers the user named that the domain is not delegated to.
    user_only: Vec<HostServers>,
}

impl<'a> AdviceCtx<'a> {
    fn new(check: &'a Check, observations: &'a Observations, report: &'a Report) -> Self {
        let delegation = &observations.delegation;
        let domain = check.domain();
        let zone = delegation
            .zone
            .clone()
            .filter(|z| domain.is_subdomain_of(z) && !z.is_root())
            .unwrap_or_else(|| domain.clone());
        let mut delegated_ns: Vec<Name> = delegation.parent_ns.clone();
        for ns in &delegation.child_ns {
            if !delegated_ns.contains(ns) {
                delegated_ns.push(ns.clone());
            }
        }
        if delegated_ns.is_empty() {
            delegated_ns = delegation
                .servers
                .iter()
                .filter(|s| s.is_delegated())
                .map(|s| s.name.clone())
                .collect();
        }
        let user_ns: Vec<Name> = check
            .expect_ns()
            .iter()
            .filter(|ns| !delegated_ns.contains(ns))
            .cloned()
            .collect();
        AdviceCtx {
            check,
            observations,
            report,
            zone,
            delegated: HostServers::group(&delegated_ns),
            user_only: HostServers::group(&user_ns),
        }
    }

    fn hosts_label(hosts: &[HostServers]) -> String {
        if hosts.is_empty() {
            return "no name server found".to_string();
        }
        hosts
            .iter()
            .map(HostServers::label)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Where records of the zone are typed.
    fn place(&self, hosts: &[HostServers]) -> String {
        match hosts {
            [] => format!("the DNS host of {}", self.zone.to_string_relative()),
            [one] => one.place(&self.zone),
            several => format!(
                "each DNS host that serves {} ({})",
                self.zone.to_string_relative(),
                several
                    .iter()
                    .map(HostServers::label)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }

    fn quirks(hosts: &[HostServers], codes: &[FindingCode]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for host in hosts {
            for code in codes {
                for advice in host.advice_for(*code) {
                    if !out.contains(&advice) {
                        out.push(advice);
                    }
                }
            }
        }
        out
    }

    fn what(&self) -> &'static str {
        match self.check {
            Check::Ses { .. } => "SES",
            Check::Selector { .. } => "DKIM",
        }
    }

    fn records_word(count: usize) -> &'static str {
        if count == 1 {
            "record"
        } else {
            "records"
        }
    }

    /// The verdict and its main cause in one line.
    fn summary(&self) -> String {
        let report = self.report;
        let total = report.records.len();
        let what = self.what();
        let hosts = Self::hosts_label(&self.delegated);
        match report.verdict {
            Verdict::Incomplete => {
                let has = |code| report.findings.iter().any(|f| f.code == code);
                if let Some(problem) = &self.observations.network {
                    format!(
                        "INCOMPLETE: this machine cannot reach DNS servers directly ({}), so nothing about {} could be checked",
                        problem.cause,
                        self.zone.to_string_relative()
                    )
                } else if has(FindingCode::ZoneUnreachable) {
                    format!(
                        "INCOMPLETE: no name server of {} answered ({hosts}), so nothing could be checked",
                        self.zone.to_string_relative()
                    )
                } else {
                    format!(
                        "INCOMPLETE: some servers did not answer every question, even after retries, so the {what} records could not all be checked ({hosts}); run the check again"
                    )
                }
            }
            Verdict::Pass => {
                let warnings = report
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Warning)
                    .count();
                let base = if total == 1 {
                    format!("the {what} record resolves correctly on every server ({hosts})")
                } else {
                    format!(
                        "all {total} {what} records resolve correctly on every server ({hosts})"
                    )
                };
                match report
                    .findings
                    .iter()
                    .find(|f| f.severity == Severity::Warning)
                {
                    Some(first) => format!(
                        "PASS with {warnings} warning{}: {base}; {}",
                        if warnings == 1 { "" } else { "s" },
                        first_clause(&first.summary)
                    ),
                    None => format!("PASS: {base}"),
                }
            }
            Verdict::Fail => {
                let errors: Vec<&Finding> = report
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .collect();
                let Some(main) = errors.first() else {
                    return format!(
                        "FAIL: not every {what} record is correct on every server ({hosts})"
                    );
                };
                let same = errors.iter().filter(|f| f.code == main.code).count();
                let others: BTreeSet<FindingCode> = errors
                    .iter()
                    .map(|f| f.code)
                    .filter(|c| *c != main.code)
                    .collect();
                let mut line = format!("FAIL: {}", self.cause(main, same, total, &hosts));
                if !others.is_empty() {
                    let list: Vec<&str> = others.iter().map(|c| c.as_str()).collect();
                    line.push_str(&format!("; also {}", list.join(", ")));
                }
                line
            }
        }
    }

    fn cause(&self, main: &Finding, same: usize, total: usize, hosts: &str) -> String {
        let what = self.what();
        let zone = self.zone.to_string_relative();
        let records = |n: usize| Self::records_word(n);
        match main.code {
            FindingCode::RecordMissing if same >= total && total > 1 => format!(
                "none of the {total} {what} records exist at the servers your domain uses ({hosts})"
            ),
            FindingCode::RecordMissing => format!(
                "the {what} {} does not exist at the servers your domain uses ({hosts})",
                records(1)
            ),
            FindingCode::RecordsPartial => {
                let missing = self
                    .report
                    .records
                    .iter()
                    .filter(|r| r.status == RecordStatus::Missing)
                    .count();
                format!(
                    "{missing} of the {total} {what} records are missing at the servers your domain uses ({hosts})"
                )
            }
            FindingCode::DomainDuplicated => format!(
                "{same} {what} {} created with the domain twice (…{zone}.{zone}): the DNS host added {zone} to a name that already had it",
                verb(same, "record was", "records were")
            ),
            FindingCode::UnderscoreStripped => format!(
                "{same} {what} {} created without the underscore or dot of \"._domainkey\"",
                verb(same, "record was", "records were")
            ),
            FindingCode::WrongRecordType => {
                let found = self
                    .report
                    .records
                    .iter()
                    .find(|r| r.name == main.name)
                    .and_then(|r| r.servers.iter().find(|s| !s.correct))
                    .and_then(|s| s.value.split_whitespace().next().map(str::to_string))
                    .unwrap_or_else(|| "another type".into());
                let wanted = match self.check {
                    Check::Ses { .. } => "a CNAME",
                    Check::Selector { .. } => "a DKIM key TXT or a CNAME",
                };
                format!(
                    "{same} {what} {} {found} instead of {wanted}",
                    verb(same, "record holds", "records hold")
                )
            }
            FindingCode::TargetOriginAppended => format!(
                "{same} CNAME {} entered without the final dot, so {zone} was appended to the target",
                if same == 1 { "value was" } else { "values were" }
            ),
            FindingCode::TargetMismatch => format!(
                "{same} {what} {} to the wrong target",
                verb(same, "record points", "records point")
            ),
            FindingCode::DelegationMismatch if !self.user_only.is_empty() => format!(
                "the records exist only at {}, but {zone} is delegated to {hosts}",
                Self::hosts_label(&self.user_only)
            ),
            FindingCode::ServersInconsistent => format!(
                "the name servers of {zone} disagree about {same} {}",
                records(same)
            ),
            FindingCode::LameDelegation => format!(
                "{same} name server{} of {zone} do{} not answer for it",
                if same == 1 { "" } else { "s" },
                if same == 1 { "es" } else { "" }
            ),
            FindingCode::WildcardAnswer => format!(
                "{same} {what} {} not exist: a wildcard (*) record answers in {} place",
                verb(same, "record does", "records do"),
                if same == 1 { "its" } else { "their" }
            ),
            FindingCode::TargetUnresolvable => match self.check {
                Check::Ses { .. } => "none of this identity's SES targets holds a DKIM key (are the tokens this identity's?)".to_string(),
                Check::Selector { .. } => format!(
                    "{same} CNAME {} lead to no DKIM key",
                    if same == 1 { "target does" } else { "targets do" }
                ),
            },
            _ => cut_words(&first_clause(&main.summary), CAUSE_CHARS),
        }
    }

    /// The records to create or change, then the other steps.
    fn actions(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut answered: BTreeSet<FindingCode> = BTreeSet::new();
        let place = self.place(&self.delegated);

        // Records that exist only at a host the domain is not delegated to: the registrar
        // is the first place to look.
        let elsewhere = self.report.findings.iter().find(|f| {
            f.code == FindingCode::DelegationMismatch
                && f.severity == Severity::Error
                && !f.servers.is_empty()
        });
        if let (Some(finding), false) = (elsewhere, self.user_only.is_empty()) {
            let user_ns: Vec<String> = self
                .user_only
                .iter()
                .flat_map(|h| h.ns.iter().map(Name::to_string_relative))
                .collect();
            let edited = match self.user_only.iter().find_map(|h| h.host) {
                Some(host) => format!("the {host} zone you edited"),
                None => "the zone you edited".to_string(),
            };
            actions.push(Action {
                kind: ActionKind::Step,
                place: "your registrar".into(),
                record: None,
                delete: vec![],
                text: format!(
                    "Either set the name servers of {} at your registrar to {} ({edited}), or create the records below in {place}.",
                    self.zone.to_string_relative(),
                    user_ns.join(", "),
                ),
                quirks: Self::quirks(&self.user_only, &[finding.code]),
                codes: vec![finding.code],
            });
        }

        for record in &self.report.records {
            if matches!(
                record.status,
                RecordStatus::Ok | RecordStatus::Unreachable | RecordStatus::Inconsistent
            ) {
                continue;
            }
            let codes: Vec<FindingCode> = self
                .report
                .findings
                .iter()
                .filter(|f| f.name == record.name && f.severity != Severity::Info)
                .map(|f| f.code)
                .collect();
            if let Some(action) = self.record_action(record, &codes, &place) {
                answered.extend(action.codes.iter().copied());
                if action.kind == ActionKind::Create {
                    // `records-partial` is raised once for the zone, listing the missing
                    // names: the records created here answer it.
                    answered.insert(FindingCode::RecordsPartial);
                }
                actions.push(action);
            }
        }

        // The MAIL FROM and DMARC records to create or change.
        let mut mail_answered: BTreeSet<FindingCode> = BTreeSet::new();
        let fixes = self
            .report
            .mail_from
            .iter()
            .flat_map(|m| &m.fixes)
            .chain(self.report.dmarc.iter().flat_map(|d| &d.fixes));
        for fix in fixes {
            let spec = self.spec(&fix.name, &fix.rtype, Some(fix.value.clone()));
            let delete: Vec<RecordSpec> = fix
                .delete
                .iter()
                .filter_map(|(name, rtype, value)| {
                    let name: Name = name.parse().ok()?;
                    Some(self.spec(&name, rtype, Some(value.clone())))
                })
                .collect();
            let kind = match (fix.change, delete.is_empty()) {
                (true, _) => ActionKind::Change,
                (false, true) => ActionKind::Create,
                (false, false) => ActionKind::Replace,
            };
            let verb = match kind {
                ActionKind::Change => "Change",
                ActionKind::Replace => "Delete the records listed, then create",
                _ => "Create",
            };
            mail_answered.extend(fix.codes.iter().copied());
            actions.push(Action {
                kind,
                place: place.clone(),
                text: format!(
                    "{verb} the {} record {} (name \"{}\", value {}).",
                    fix.rtype, fix.name, spec.form_name, fix.value
                ),
                record: Some(spec),
                delete,
                quirks: Self::quirks(&self.delegated, &fix.codes),
                codes: fix.codes.clone(),
            });
        }

        // Everything else, one step per folded finding.
        let rest: Vec<Finding> = self
            .report
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info && !f.fix.is_empty())
            .filter(|f| {
                !(answered.contains(&f.code)
                    && (self.is_record_code(f) || f.code == FindingCode::RecordsPartial))
            })
            .filter(|f| Some(*f) != elsewhere || self.user_only.is_empty())
            .filter(|f| !mail_answered.contains(&f.code))
            .cloned()
            .collect();
        for folded in fold_findings(&rest) {
            let names = if folded.names.len() > 1 {
                format!(
                    " (for {})",
                    folded
                        .names
                        .iter()
                        .map(Name::to_string_relative)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            };
            actions.push(Action {
                kind: ActionKind::Step,
                place: place.clone(),
                record: None,
                delete: vec![],
                text: format!("{}{names}", placed(&folded.fix, &self.zone, &place)),
                quirks: Self::quirks(&self.delegated, &[folded.code]),
                codes: vec![folded.code],
            });
        }
        // SES knows none of the tokens: the records above name them, so the tokens are checked
        // before anything is created or changed (records made of a mistyped or old token stay
        // pending however right they are).
        if matches!(self.check, Check::Ses { .. }) {
            let tokens_first = actions.iter().position(|a| {
                a.kind == ActionKind::Step && a.codes.contains(&FindingCode::TargetUnresolvable)
            });
            if let Some(at) = tokens_first {
                let step = actions.remove(at);
                actions.insert(0, step);
            }
        }
        actions
    }

    /// Whether a finding is about one record (answered by that record's action) rather than
    /// the zone.
    fn is_record_code(&self, finding: &Finding) -> bool {
        self.report.records.iter().any(|r| r.name == finding.name)
    }

    fn record_action(
        &self,
        record: &RecordReport,
        codes: &[FindingCode],
        place: &str,
    ) -> Option<Action> {
        let selector = self
            .check
            .selectors()
            .iter()
            .find(|s| s.dkim_name(self.check.domain()).as_ref() == Some(&record.name))?;
        let (rtype, value) = self.expected_record(selector)?;
        // A record that is there but whose key only the provider can correct (a weak key,
        // two key records): its findings' own steps say what to do.
        if value.is_none() && record.status != RecordStatus::Missing {
            return None;
        }
        let spec = self.spec(&record.name, rtype, value.clone());
        let has = |code: FindingCode| codes.contains(&code);
        let mut delete = Vec::new();
        let kind = if has(FindingCode::WrongRecordType) {
            for found in self.found_values(record) {
                delete.push(self.spec(&record.name, &found.0, Some(found.1)));
            }
            ActionKind::Replace
        } else if has(FindingCode::TargetMismatch) || has(FindingCode::TargetOriginAppended) {
            ActionKind::Change
        } else {
            if has(FindingCode::DomainDuplicated) {
                for suffix in [self.check.domain(), &self.zone] {
                    if let Ok(doubled) = record.name.clone().append(suffix) {
                        if self.exists(&doubled) && !delete.iter().any(|d| d.name == doubled) {
                            delete.push(self.spec(&doubled, "CNAME", None));
                        }
                    }
                }
            }
            if has(FindingCode::UnderscoreStripped) {
                for probe in probes(self.check) {
                    if probe.purpose == ProbePurpose::UnderscoreVariant
                        && probe.name.to_string().starts_with(&format!("{selector}."))
                        && self.exists(&probe.name)
                        && !delete.iter().any(|d| d.name == probe.name)
                    {
                        delete.push(self.spec(&probe.name, rtype, None));
                    }
                }
            }
            ActionKind::Create
        };
        let value_text = match (&value, rtype) {
            (Some(v), _) => format!("the value \"{}\"", v.trim_end_matches('.')),
            (None, "TXT") => "the key record your email provider gives you".to_string(),
            (None, _) => "the value your email provider gives you".to_string(),
        };
        let verb = match kind {
            ActionKind::Create => "Create",
            ActionKind::Change => "Change",
            ActionKind::Replace => "Replace",
            ActionKind::Step => "Do",
        };
        let mut text = match kind {
            ActionKind::Change => format!(
                "{verb} the value of the {rtype} record \"{}\" to \"{}\".",
                spec.form_name,
                value
                    .as_deref()
                    .unwrap_or("the value your provider gives")
                    .trim_end_matches('.')
            ),
            _ => format!(
                "{verb}: a {rtype} record named \"{}\" with {value_text}.",
                spec.form_name
            ),
        };
        if !delete.is_empty() {
            let names: Vec<String> = delete.iter().map(|d| d.name.to_string_relative()).collect();
            text.push_str(&format!(" Delete {} first.", names.join(" and ")));
        }
        Some(Action {
            kind,
            place: place.to_string(),
            record: Some(spec),
            delete,
            text,
            quirks: Self::quirks(&self.delegated, codes),
            codes: codes.to_vec(),
        })
    }

    /// The record a selector must have: the SES CNAME, a provider's fixed CNAME, or a key TXT
    /// whose value only the provider knows.
    fn expected_record(&self, selector: &Selector) -> Option<(&'static str, Option<String>)> {
        match self.check {
            Check::Ses { .. } => {
                let target = expected_ses_target(self.check, selector)?;
                Some(("CNAME", Some(target.to_string())))
            }
            Check::Selector { domain, .. } => match provider_for_selector(selector.as_str()) {
                Some(p) => match (p.published_as, p.target) {
                    (PublishedAs::Cname, Some(rule))
                        if !rule.customer_part && rule.suffixes.len() == 1 =>
                    {
                        Some(("CNAME", Some(rule.describe(domain))))
                    }
                    (PublishedAs::Cname, Some(_)) => Some(("CNAME", None)),
                    _ => Some(("TXT", None)),
                },
                None => Some(("TXT", None)),
            },
        }
    }

    fn spec(&self, name: &Name, rtype: &str, value: Option<String>) -> RecordSpec {
        let form_name = match name.strip_suffix(&self.zone) {
            Some(prefix) if !prefix.is_root() => prefix.to_string_relative(),
            _ => name.to_string(),
        };
        let shown = match (&value, rtype) {
            (Some(v), _) => v.clone(),
            (None, "TXT") => "\"<the key record your provider gives you>\"".to_string(),
            (None, _) => "<the value your provider gives you>".to_string(),
        };
        RecordSpec {
            zone_line: format!("{name} IN {rtype} {shown}"),
            name: name.clone(),
            form_name,
            rtype: rtype.to_string(),
            value,
        }
    }

    /// The records of another type found at a name (type, value), from the observations.
    fn found_values(&self, record: &RecordReport) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for probe in &self.observations.probes {
            if probe.name != record.name {
                continue;
            }
            for answer in &probe.answers {
                let AnswerOutcome::Response(response) = &answer.outcome else {
                    continue;
                };
                for rr in response.answer.iter().filter(|rr| rr.name == record.name) {
                    let rtype = rr.data.rtype();
                    if rtype == RecordType::CNAME {
                        continue;
                    }
                    let shown = rr.data.presentation();
                    // The presentation starts with the type; the value column holds the rest.
                    let value = shown
                        .strip_prefix(&format!("{rtype} "))
                        .unwrap_or(&shown)
                        .to_string();
                    let item = (rtype.to_string(), value);
                    if !out.contains(&item) {
                        out.push(item);
                    }
                }
            }
        }
        out
    }

    /// Whether any server answered records at `name`.
    fn exists(&self, name: &Name) -> bool {
        self.observations
            .probes
            .iter()
            .filter(|p| p.name == *name)
            .flat_map(|p| &p.answers)
            .any(|a| match &a.outcome {
                AnswerOutcome::Response(r) => r.answer.iter().any(|rr| rr.name == *name),
                AnswerOutcome::Error { .. } => false,
            })
    }
}

/// A finding's fix with "At your DNS host" made precise.
fn placed(fix: &str, zone: &Name, place: &str) -> String {
    let zone = zone.to_string_relative();
    fix.replace(
        &format!("At the DNS host of {zone},"),
        &format!("In {place},"),
    )
    .replace("At your DNS host,", &format!("In {place},"))
}

/// The singular or plural words for `count` things.
fn verb(count: usize, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 {
        one
    } else {
        many
    }
}

/// Longest cause taken from a finding's own sentence in the summary line, in characters.
const CAUSE_CHARS: usize = 160;

/// `text`, cut at a word boundary with an ellipsis when longer than `max` characters.
fn cut_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    let cut = head.rfind(' ').map_or(head.as_str(), |at| &head[..at]);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '(']))
}

/// A sentence's first clause (up to a colon outside parentheses), without its final period.
fn first_clause(sentence: &str) -> String {
    let text = sentence.trim().trim_end_matches('.');
    let mut depth = 0i32;
    let mut end = text.len();
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ':' if depth == 0 && text[at..].starts_with(": ") => {
                end = at;
                break;
            }
            _ => {}
        }
    }
    let mut first = text[..end].to_string();
    if let Some(c) = first.chars().next() {
        if c.is_ascii_uppercase() && !first.chars().nth(1).is_some_and(|d| d.is_ascii_uppercase()) {
            first.replace_range(0..1, &c.to_ascii_lowercase().to_string());
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: FindingCode, name: &str, fix: &str) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            name: name.parse().unwrap(),
            servers: vec![],
            summary: format!("There is no record at {name}."),
            fix: fix.into(),
            ses_error_type: code.ses_error_type(),
        }
    }

    #[test]
    fn findings_differing_only_by_token_fold_into_one() {
        let a = "aaaa._domainkey.example.com";
        let b = "bbbb._domainkey.example.com";
        let findings = [
            finding(
                FindingCode::RecordMissing,
                a,
                "Create \"aaaa._domainkey\" with the value \"aaaa.dkim.amazonses.com.\".",
            ),
            finding(
                FindingCode::RecordMissing,
                b,
                "Create \"bbbb._domainkey\" with the value \"bbbb.dkim.amazonses.com.\".",
            ),
            finding(FindingCode::RecordMissing, b, "Something else."),
            finding(FindingCode::TrailingDot, a, "Nothing to fix."),
        ];
        let folded = fold_findings(&findings);
        assert_eq!(folded.len(), 3);
        assert_eq!(folded[0].names.len(), 2);
        assert!(folded[0].fix.contains("aaaa"));
        assert_eq!(folded[1].names.len(), 1);
    }

    /// An SES domain at Cloudflare where every probe gets NXDOMAIN from both servers.
    fn missing_at_cloudflare() -> (Check, Observations) {
        use crate::observe::{
            ProbeObservation, Response, ServerAnswer, ServerInfo, ZoneDelegation,
        };
        let domain: Name = "example.com".parse().unwrap();
        let check = Check::Ses {
            domain: domain.clone(),
            tokens: vec!["aaaa".parse().unwrap(), "bbbb".parse().unwrap()],
            signing_zone: None,
            region: None,
            expect_ns: vec![],
            ses_soa: None,
            ses_status: None,
            mail_from: None,
            dmarc: false,
        };
        let ns: Vec<Name> = ["anna.ns.cloudflare.com", "bob.ns.cloudflare.com"]
            .iter()
            .map(|n| n.parse().unwrap())
            .collect();
        let servers: Vec<ServerInfo> = ns
            .iter()
            .enumerate()
            .map(|(i, name)| ServerInfo {
                name: name.clone(),
                address: format!("192.0.2.{}", i + 1).parse().unwrap(),
                in_parent: true,
                in_child: true,
                user_named: false,
                soa_serial: Some(1),
                not_checked: None,
            })
            .collect();
        let probes = probes(&check)
            .into_iter()
            .filter(|p| !p.resolves_through_target_zone())
            .map(|p| ProbeObservation {
                name: p.name,
                rtype: p.rtype,
                answers: servers
                    .iter()
                    .map(|s| ServerAnswer {
                        server: s.reference(),
                        outcome: AnswerOutcome::Response(Response {
                            rcode: dns_wire::Rcode::NXDOMAIN,
                            authoritative: true,
                            answer: vec![],
                            authority: vec![],
                        }),
                    })
                    .collect(),
            })
            .collect();
        let observations = Observations {
            delegation: ZoneDelegation {
                zone: Some(domain),
                parent_ns: ns.clone(),
                child_ns: ns,
                servers,
                soa: None,
                lame: vec![],
                ns_ignored: 0,
            },
            probes,
            targets: vec![],
            network: None,
            reduced: None,
            dnssec: None,
        };
        (check, observations)
    }

    #[test]
    fn missing_records_at_cloudflare_name_the_host_its_form_and_its_quirk() {
        let (check, observations) = missing_at_cloudflare();
        let report = crate::diagnose(&check, &observations);
        let advice = advise(&check, &observations, &report);
        assert_eq!(
            advice.summary,
            "FAIL: none of the 2 SES records exist at the servers your domain uses (Cloudflare: anna.ns.cloudflare.com, bob.ns.cloudflare.com)"
        );
        assert_eq!(advice.actions.len(), 2, "{:#?}", advice.actions);
        let first = &advice.actions[0];
        assert_eq!(first.kind, ActionKind::Create);
        assert_eq!(
            first.place,
            "Cloudflare's DNS records for example.com, the one whose NS records are anna.ns.cloudflare.com, bob.ns.cloudflare.com"
        );
        let record = first.record.as_ref().unwrap();
        assert_eq!(record.form_name, "aaaa._domainkey");
        assert_eq!(record.rtype, "CNAME");
        assert_eq!(record.value.as_deref(), Some("aaaa.dkim.amazonses.com."));
        assert_eq!(
            record.zone_line,
            "aaaa._domainkey.example.com. IN CNAME aaaa.dkim.amazonses.com."
        );
        assert!(
            first.quirks.iter().any(|q| q.contains("\"DNS only\"")),
            "{:?}",
            first.quirks
        );
        assert_eq!(first.codes, [FindingCode::RecordMissing]);
        // The finding's fix, placed at the host.
        let fix = &report.findings[0].fix;
        let placed = advice.placed_fix(fix);
        assert!(
            placed.contains("In Cloudflare's DNS records for example.com")
                && !placed.contains("At the DNS host"),
            "{placed}"
        );
    }

    #[test]
    fn tokens_that_ses_does_not_know_are_checked_before_the_records_are_created() {
        use crate::observe::{TargetOutcome, TargetResolution};
        let (check, mut observations) = missing_at_cloudflare();
        let Check::Ses { tokens, .. } = &check else {
            unreachable!()
        };
        for token in tokens {
            observations.targets.push(TargetResolution {
                name: crate::probe::expected_ses_target(&check, token).unwrap(),
                outcome: TargetOutcome::Answer {
                    rcode: dns_wire::Rcode::NXDOMAIN,
                    records: vec![],
                },
            });
        }
        let report = crate::diagnose(&check, &observations);
        assert!(report
            .findings
            .iter()
            .any(|f| f.code == FindingCode::TargetUnresolvable));
        let advice = advise(&check, &observations, &report);
        let kinds: Vec<ActionKind> = advice.actions.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [ActionKind::Step, ActionKind::Create, ActionKind::Create],
            "{:#?}",
            advice.actions
        );
        assert_eq!(advice.actions[0].codes, [FindingCode::TargetUnresolvable]);

        // With SES's keys there, the records come first and there is no such step.
        let (check, observations) = missing_at_cloudflare();
        let report = crate::diagnose(&check, &observations);
        let advice = advise(&check, &observations, &report);
        assert_eq!(advice.actions[0].kind, ActionKind::Create);
    }

    #[test]
    fn fixes_are_placed_at_the_host() {
        let zone: Name = "example.com".parse().unwrap();
        assert_eq!(
            placed(
                "At your DNS host, change it.",
                &zone,
                "the Route 53 hosted zone"
            ),
            "In the Route 53 hosted zone, change it."
        );
        assert_eq!(
            placed("At the DNS host of example.com, create it.", &zone, "X"),
            "In X, create it."
        );
    }

    #[test]
    fn long_causes_are_cut_at_a_word() {
        assert_eq!(cut_words("short", 10), "short");
        assert_eq!(cut_words("one two three four", 12), "one two…");
    }

    #[test]
    fn first_clause_keeps_acronyms() {
        assert_eq!(
            first_clause("The key is weak: 1024 bits."),
            "the key is weak"
        );
        assert_eq!(
            first_clause("SES saw another zone."),
            "SES saw another zone"
        );
        assert_eq!(
            first_clause("The lists differ (only at the registrar: ns2). Fix it: now."),
            "the lists differ (only at the registrar: ns2). Fix it"
        );
    }
}
