//! One expected record: what each server holds, what is wrong with it, and the findings.

use std::collections::BTreeMap;

use dns_wire::{Name, RecordType};

use super::keys::{key_findings, ses_error_for, KeyContext, KeyState};
use super::view::{Found, ServerState};
use super::Ctx;
use crate::check::{is_ses_dkim_zone, ses_region_of_zone, Check};
use crate::finding::{Finding, FindingCode, Severity};
use crate::observe::ServerRef;
use crate::probe::{expected_name, expected_ses_target, underscore_variants, WILDCARD_PROBE_LABEL};
use crate::providers::{provider_for_selector, provider_of_target, ProviderSelector, PublishedAs};
use crate::report::{RecordReport, RecordStatus, ServerValue};

/// How one server's answer compares with what is expected.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Judgement {
    /// Correct.
    Correct,
    /// Nothing at the name (or only a wildcard's synthesised answer).
    Missing,
    /// Another type at the name.
    WrongType,
    /// A CNAME to somewhere else (SES) or to a provider name of the wrong shape.
    WrongTarget(Name),
    /// The chain leads to no usable key.
    BadKey,
    /// No authoritative answer.
    NoAnswer,
}

/// One server's data for the record.
struct ServerEntry {
    server: ServerRef,
    state: ServerState,
    /// The answer equals the one a made-up name gets: a wildcard made it.
    wildcard: bool,
    judgement: Judgement,
    /// For selector checks: the key the chain leads to, and where it was read.
    key: Option<(KeyState, Name)>,
}

/// Where a missing record was found instead.
#[derive(Default)]
struct Whereabouts {
    doubled: BTreeMap<Name, Vec<ServerRef>>,
    mangled: BTreeMap<Name, (&'static str, Vec<ServerRef>)>,
    unexplained: Vec<ServerRef>,
}

/// The analysis of one expected record.
pub(crate) struct RecordAnalysis {
    pub selector: String,
    pub name: Name,
    expected_target: Option<Name>,
    provider: Option<&'static ProviderSelector>,
    entries: Vec<ServerEntry>,
    user_entries: Vec<ServerEntry>,
    /// For SES: the key at the expected target.
    ses_key: Option<(KeyState, Name)>,
}

impl RecordAnalysis {
    pub fn new(ctx: &Ctx<'_>, selector: &str) -> Option<RecordAnalysis> {
        let name = expected_name(selector, &ctx.domain)?;
        let expected_target = match ctx.check {
            Check::Ses { .. } => expected_ses_target(ctx.check, selector),
            Check::Selector { .. } => None,
        };
        let provider = match ctx.check {
            Check::Ses { .. } => None,
            Check::Selector { .. } => provider_for_selector(selector),
        };
        let mut analysis = RecordAnalysis {
            selector: selector.to_string(),
            name,
            expected_target,
            provider,
            entries: vec![],
            user_entries: vec![],
            ses_key: None,
        };
        analysis.entries = ctx
            .sets
            .delegated
            .iter()
            .map(|s| analysis.entry(ctx, s))
            .collect();
        analysis.user_entries = ctx
            .sets
            .user_only
            .iter()
            .map(|s| analysis.entry(ctx, s))
            .collect();
        // SES's side is judged whatever the CNAMEs say: at least one of the identity's
        // targets must hold the key (a swapped CNAME is its own finding).
        if let Some(target) = &analysis.expected_target {
            analysis.ses_key = Some(KeyState::at_target(ctx.observations, target));
        }
        Some(analysis)
    }

    fn types(ctx: &Ctx<'_>) -> &'static [RecordType] {
        if ctx.is_ses() {
            &[RecordType::CNAME, RecordType::TXT, RecordType::A]
        } else {
            &[RecordType::TXT, RecordType::CNAME, RecordType::A]
        }
    }

    fn entry(&self, ctx: &Ctx<'_>, server: &ServerRef) -> ServerEntry {
        let state = ctx.state(&self.name, Self::types(ctx), server);
        let wildcard = match (&state, self.name.parent()) {
            (ServerState::Found(_), Some(parent)) => synthesised(
                ctx,
                &state,
                &parent,
                server,
                &[RecordType::TXT, RecordType::A],
            ),
            _ => false,
        };
        let (judgement, key) = self.judge(ctx, &state);
        // A wildcard's answer means the record itself does not exist, even when the
        // synthesised key happens to parse: it is not the key the provider signs with for
        // this selector, except by luck.
        let judgement = if wildcard {
            Judgement::Missing
        } else {
            judgement
        };
        ServerEntry {
            server: server.clone(),
            state,
            wildcard,
            judgement,
            key,
        }
    }

    fn judge(&self, ctx: &Ctx<'_>, state: &ServerState) -> (Judgement, Option<(KeyState, Name)>) {
        let found = match state {
            ServerState::Found(found) => found,
            ServerState::Missing { .. } => return (Judgement::Missing, None),
            ServerState::NotAsked | ServerState::Unreachable(_) | ServerState::Lame(_) => {
                return (Judgement::NoAnswer, None)
            }
        };
        if let Some(expected) = &self.expected_target {
            return match &found.cname {
                Some(target) if target == expected => (Judgement::Correct, None),
                Some(target) => (Judgement::WrongTarget(target.clone()), None),
                None => (Judgement::WrongType, None),
            };
        }
        if found.cname.is_none() && found.txt.is_empty() {
            return (Judgement::WrongType, None);
        }
        if let (Some(target), Some(provider)) = (&found.cname, self.provider) {
            if let Some(rule) = provider.target {
                if !rule.matches(target, &ctx.domain)
                    && (rule.in_provider_zone(target)
                        || origin_appended(target, &ctx.domain, &ctx.zone).is_some())
                {
                    return (Judgement::WrongTarget(target.clone()), None);
                }
            }
        }
        if let Some(target) = &found.cname {
            if origin_appended(target, &ctx.domain, &ctx.zone).is_some() {
                return (Judgement::WrongTarget(target.clone()), None);
            }
        }
        let key = if !found.txt.is_empty() {
            let at = found.chain_end.clone().unwrap_or_else(|| self.name.clone());
            (KeyState::from_txt(&found.txt), at)
        } else {
            let end = found.chain_end.clone().unwrap_or_else(|| self.name.clone());
            KeyState::at_target(ctx.observations, &end)
        };
        let judgement = if key.0.is_usable() {
            Judgement::Correct
        } else {
            Judgement::BadKey
        };
        (judgement, Some(key))
    }

    fn answered(&self) -> impl Iterator<Item = &ServerEntry> {
        self.entries.iter().filter(|e| e.state.answered())
    }

    /// Whether a delegated server holds something at the name (not a wildcard's answer).
    pub fn exists(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.state, ServerState::Found(_)) && e.judgement != Judgement::Missing)
    }

    /// The record is absent from every delegated server but present on a server the user named.
    pub fn only_on_user_servers(&self) -> bool {
        !self.exists()
            && self
                .user_entries
                .iter()
                .any(|e| matches!(e.state, ServerState::Found(_)))
    }

    pub fn status(&self) -> RecordStatus {
        let answered: Vec<&ServerEntry> = self.answered().collect();
        let Some(first) = answered.first() else {
            return RecordStatus::Unreachable;
        };
        let signature = |e: &ServerEntry| (e.state.signature(), e.judgement.clone());
        if answered.iter().any(|e| signature(e) != signature(first)) {
            return RecordStatus::Inconsistent;
        }
        match first.judgement {
            Judgement::Correct => RecordStatus::Ok,
            Judgement::Missing => RecordStatus::Missing,
            Judgement::WrongType => RecordStatus::WrongType,
            Judgement::WrongTarget(_) | Judgement::BadKey => RecordStatus::WrongValue,
            Judgement::NoAnswer => RecordStatus::Unreachable,
        }
    }

    pub fn report(&self, ctx: &Ctx<'_>) -> RecordReport {
        let expected = match (&self.expected_target, self.provider) {
            (Some(target), _) => format!("CNAME {target}"),
            (None, Some(p)) => match (p.published_as, p.target) {
                (PublishedAs::Cname, Some(rule)) => {
                    format!("CNAME {} (then a DKIM key TXT)", rule.describe(&ctx.domain))
                }
                _ => "TXT DKIM key record (v=DKIM1; ... p=...)".into(),
            },
            (None, None) => "TXT DKIM key record, directly or through a CNAME".into(),
        };
        let provider = match (&self.expected_target, self.provider) {
            (Some(_), _) => Some("Amazon SES".to_string()),
            (None, Some(p)) => Some(p.provider.to_string()),
            (None, None) => self.entries.iter().find_map(|e| match &e.state {
                ServerState::Found(Found { cname: Some(t), .. }) => {
                    provider_of_target(t).map(str::to_string)
                }
                _ => None,
            }),
        };
        let servers = self
            .entries
            .iter()
            .map(|e| ServerValue {
                server: e.server.clone(),
                value: if e.wildcard {
                    format!("{} (from a wildcard)", e.state.describe())
                } else {
                    e.state.describe()
                },
                correct: e.judgement == Judgement::Correct,
            })
            .collect();
        let key = self
            .ses_key
            .as_ref()
            .or_else(|| {
                self.entries
                    .iter()
                    .filter(|e| e.judgement == Judgement::Correct)
                    .chain(self.entries.iter())
                    .find_map(|e| e.key.as_ref())
            })
            .and_then(|(state, at)| state.summary(at));
        RecordReport {
            name: self.name.clone(),
            expected,
            provider,
            status: self.status(),
            servers,
            key,
        }
    }

    /// The findings about this record alone.
    pub fn findings(&self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        self.wildcard_finding(ctx, out);
        self.missing_findings(ctx, out);
        self.wrong_type_finding(ctx, out);
        self.target_findings(ctx, out);
        self.selector_key_findings(ctx, out);
        self.inconsistency_finding(ctx, out);
    }

    fn finding(
        &self,
        code: FindingCode,
        servers: Vec<ServerRef>,
        summary: String,
        fix: String,
    ) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            name: self.name.clone(),
            servers,
            summary,
            fix,
            ses_error_type: code.ses_error_type(),
        }
    }

    fn servers_where(&self, pred: impl Fn(&ServerEntry) -> bool) -> Vec<ServerRef> {
        self.entries
            .iter()
            .filter(|e| pred(e))
            .map(|e| e.server.clone())
            .collect()
    }

    fn wildcard_finding(&self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let servers = self.servers_where(|e| e.wildcard);
        let Some(entry) = self.entries.iter().find(|e| e.wildcard) else {
            return;
        };
        let parent = self
            .name
            .parent()
            .map_or_else(|| ctx.domain.to_string(), |p| p.to_string());
        let what = if self.expected_target.is_some() {
            "token"
        } else {
            "selector"
        };
        out.push(self.finding(
            FindingCode::WildcardAnswer,
            servers,
            format!(
                "The answer for {} ({}) comes from a wildcard record (*.{parent}): a made-up name ({WILDCARD_PROBE_LABEL}.{parent}) gets the same answer, so the record itself does not exist and receivers get whatever the wildcard holds, not the record meant for this {what}.",
                self.name,
                entry.state.describe(),
            ),
            format!(
                "{} (a real record takes precedence over the wildcard); consider removing the wildcard *.{parent} if nothing needs it.",
                self.create_fix(ctx).trim_end_matches('.')
            ),
        ));
    }

    /// Where the record went for the servers that lack it: names with the domain doubled,
    /// mangled `_domainkey` names, and the servers where nothing explains the absence (a
    /// wildcard's answer counts as explained: `wildcard-answer` reports it).
    fn whereabouts(&self, ctx: &Ctx<'_>) -> Whereabouts {
        let token_hint = self
            .expected_target
            .as_ref()
            .map(|_| self.selector.as_str());
        let mut found = Whereabouts::default();
        let doubled_names: Vec<Name> = [&ctx.domain, &ctx.zone]
            .iter()
            .filter_map(|suffix| self.name.clone().append(suffix).ok())
            .collect();
        let variants = underscore_variants(&self.selector, &ctx.domain, ctx.check);
        for entry in self
            .entries
            .iter()
            .filter(|e| e.judgement == Judgement::Missing)
        {
            let hit = |name: &Name| variant_exists(ctx, name, &entry.server, token_hint);
            let mut explained = entry.wildcard;
            if let Some(name) = doubled_names.iter().find(|name| hit(name)) {
                found
                    .doubled
                    .entry(name.clone())
                    .or_default()
                    .push(entry.server.clone());
                explained = true;
            }
            for variant in &variants {
                if hit(&variant.name) {
                    found
                        .mangled
                        .entry(variant.name.clone())
                        .or_insert((variant.description, vec![]))
                        .1
                        .push(entry.server.clone());
                    explained = true;
                }
            }
            if !explained {
                found.unexplained.push(entry.server.clone());
            }
        }
        found
    }

    /// The servers to name in `record-missing` or `records-partial`: every server that
    /// answered lacks the record, and nothing else explains it on these.
    pub fn missing_on(&self, ctx: &Ctx<'_>) -> Vec<ServerRef> {
        let all_missing = self.answered().all(|e| e.judgement == Judgement::Missing);
        if !all_missing || self.only_on_user_servers() {
            return vec![];
        }
        self.whereabouts(ctx).unexplained
    }

    fn missing_findings(&self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let found = self.whereabouts(ctx);
        let relative = ctx.relative(&self.name);
        for (wrong, servers) in found.doubled {
            out.push(self.finding(
                FindingCode::DomainDuplicated,
                servers,
                format!(
                    "The record meant for {} was created as {wrong}: your DNS host added {} to a name that already ended with it.",
                    self.name, ctx.zone.to_string_relative()
                ),
                format!(
                    "At your DNS host, rename the record (or delete it and create it again) with the name \"{relative}\" (without the domain), or \"{}\" (with the final dot), so that it ends up at {}.",
                    self.name, self.name
                ),
            ));
        }
        for (wrong, (description, servers)) in found.mangled {
            out.push(self.finding(
                FindingCode::UnderscoreStripped,
                servers,
                format!(
                    "The record meant for {} was created as {wrong}: {description}, so nothing looks there.",
                    self.name
                ),
                format!(
                    "At your DNS host, rename the record to exactly \"{relative}\" (with the underscore and the dot before \"_domainkey\"); if its form will not accept an underscore, use its zone-file editor or another DNS host."
                ),
            ));
        }
    }

    /// `record-missing` for this record (when no expected record exists at all).
    pub fn record_missing(&self, ctx: &Ctx<'_>, servers: Vec<ServerRef>) -> Finding {
        self.finding(
            FindingCode::RecordMissing,
            servers,
            format!(
                "There is no record at {}: the name servers answer that it does not exist.",
                self.name
            ),
            self.create_fix(ctx),
        )
    }

    /// "Create a CNAME/TXT record named ... with value ...".
    pub fn create_fix(&self, ctx: &Ctx<'_>) -> String {
        let relative = ctx.relative(&self.name);
        if let Some(target) = &self.expected_target {
            return format!(
                "At the DNS host of {}, create a CNAME record with the name \"{relative}\" (or \"{}\" if it asks for the full name) and the value \"{target}\".",
                ctx.zone.to_string_relative(),
                self.name
            );
        }
        match self.provider {
            Some(p) => match (p.published_as, p.target) {
                (PublishedAs::Cname, Some(rule)) => format!(
                    "At the DNS host of {}, create the CNAME record {} gives you: name \"{relative}\", value {}.",
                    ctx.zone.to_string_relative(),
                    p.provider,
                    rule.describe(&ctx.domain)
                ),
                _ => format!(
                    "At the DNS host of {}, create a TXT record named \"{relative}\" holding the key {} gives you (it starts with v=DKIM1; or p=).",
                    ctx.zone.to_string_relative(),
                    p.provider
                ),
            },
            None => format!(
                "At the DNS host of {}, create the record your email provider gives you for the selector {} (a TXT record named \"{relative}\", or a CNAME), exactly as given.",
                ctx.zone.to_string_relative(),
                self.selector
            ),
        }
    }

    fn wrong_type_finding(&self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let entries: Vec<&ServerEntry> = self
            .entries
            .iter()
            .filter(|e| e.judgement == Judgement::WrongType)
            .collect();
        let Some(first) = entries.first() else {
            return;
        };
        let ServerState::Found(found) = &first.state else {
            return;
        };
        let servers = entries.iter().map(|e| e.server.clone()).collect();
        let relative = ctx.relative(&self.name);
        let has_address = found
            .other
            .iter()
            .any(|d| matches!(d.rtype(), RecordType::A | RecordType::AAAA));
        let (summary, fix) = match (&self.expected_target, has_address) {
            (_, true) if found.txt.is_empty() => (
                format!(
                    "{} answers with an IP address ({}) instead of a CNAME: the record is proxied (Cloudflare's orange cloud) or flattened, so the CNAME itself is hidden.",
                    self.name,
                    found.describe()
                ),
                format!(
                    "At your DNS host, set the record \"{relative}\" to \"DNS only\" (grey cloud) and turn off CNAME flattening for it."
                ),
            ),
            (Some(target), _) => (
                format!(
                    "{} holds a {} record ({}), but SES looks for a CNAME record there.",
                    self.name,
                    found.other.first().map_or("TXT".to_string(), |d| d.rtype().to_string()),
                    found.describe()
                ),
                format!(
                    "At your DNS host, delete that record and create a CNAME record named \"{relative}\" with the value \"{target}\"."
                ),
            ),
            (None, _) => (
                format!(
                    "{} holds {} but neither a TXT key record nor a CNAME.",
                    self.name,
                    found.describe()
                ),
                self.create_fix(ctx),
            ),
        };
        out.push(self.finding(FindingCode::WrongRecordType, servers, summary, fix));
    }

    fn target_findings(&self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let mut by_target: BTreeMap<Name, Vec<ServerRef>> = BTreeMap::new();
        for e in &self.entries {
            if let Judgement::WrongTarget(t) = &e.judgement {
                by_target
                    .entry(t.clone())
                    .or_default()
                    .push(e.server.clone());
            }
        }
        let relative = ctx.relative(&self.name);
        for (target, servers) in by_target {
            if let Some(meant) = origin_appended(&target, &ctx.domain, &ctx.zone) {
                let shown = self.expected_target.clone().unwrap_or(meant);
                out.push(self.finding(
                    FindingCode::TargetOriginAppended,
                    servers,
                    format!(
                        "{} points to {target}: the value was entered without its final dot, so the DNS host added {} to it.",
                        self.name,
                        ctx.zone.to_string_relative()
                    ),
                    format!(
                        "At your DNS host, change the value of \"{relative}\" to \"{shown}\" (with the final dot at the end)."
                    ),
                ));
                continue;
            }
            let (summary, fix) = self.mismatch_text(ctx, &target);
            out.push(self.finding(FindingCode::TargetMismatch, servers, summary, fix));
        }
    }

    fn mismatch_text(&self, ctx: &Ctx<'_>, target: &Name) -> (String, String) {
        let relative = ctx.relative(&self.name);
        let Some(expected) = &self.expected_target else {
            let rule = self.provider.and_then(|p| p.target.map(|r| (p, r)));
            let (provider, wanted) = rule
                .map(|(p, r)| (p.provider, r.describe(&ctx.domain)))
                .unwrap_or(("your provider", "the value your provider gives".into()));
            let swapped = crate::providers::PROVIDERS.iter().find(|other| {
                other.provider == provider
                    && !other.selector.matches(&self.selector)
                    && other.target.is_some_and(|r| r.matches(target, &ctx.domain))
            });
            let why = match swapped {
                Some(other) => format!(
                    ", which is the value for the selector {:?}: the two records' values are swapped",
                    other.selector
                ),
                None => String::new(),
            };
            return (
                format!(
                    "{} points to {target}{why}; {provider}'s selector {} should point to {wanted}.",
                    self.name, self.selector
                ),
                format!("At your DNS host, change the value of \"{relative}\" to {wanted}."),
            );
        };
        let first = target
            .first_label()
            .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
            .unwrap_or_default();
        let target_zone = target.parent().unwrap_or_else(Name::root);
        let expected_zone = expected.parent().unwrap_or_else(Name::root);
        let fix =
            format!("At your DNS host, change the value of \"{relative}\" to \"{expected}\".");
        let other_token =
            ctx.check.selectors().iter().find(|t| {
                t.eq_ignore_ascii_case(&first) && !t.eq_ignore_ascii_case(&self.selector)
            });
        let summary = if let Some(other) = other_token {
            format!(
                "{} points to {target}, which is the target of the token {other}: the values of two records are swapped.",
                self.name
            )
        } else if first.eq_ignore_ascii_case(&self.selector) && is_ses_dkim_zone(&target_zone) {
            let region = |zone: &Name| match ses_region_of_zone(zone) {
                Some(Some(r)) => format!("region {r}"),
                Some(None) => "most regions".to_string(),
                None => "a region newer than this tool's table".to_string(),
            };
            format!(
                "{} points into {target_zone} ({}), but this identity's DKIM zone is {expected_zone} ({}): the record was written for another SES region.",
                self.name,
                region(&target_zone),
                region(&expected_zone)
            )
        } else if is_ses_dkim_zone(&target_zone) {
            format!(
                "{} points to {target}, an SES target for a token that is not this identity's: it was probably copied from another identity, region or AWS account.",
                self.name
            )
        } else {
            format!("{} points to {target} instead of {expected}.", self.name)
        };
        (summary, fix)
    }

    fn selector_key_findings(&self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        if self.expected_target.is_some() {
            return;
        }
        // Group servers by (where the key was read, what it is).
        let mut groups: Vec<(Name, &KeyState, Vec<ServerRef>)> = Vec::new();
        for e in &self.entries {
            let Some((state, at)) = &e.key else { continue };
            if e.wildcard {
                continue;
            }
            match groups.iter_mut().find(|(a, s, _)| a == at && *s == state) {
                Some(group) => group.2.push(e.server.clone()),
                None => groups.push((at.clone(), state, vec![e.server.clone()])),
            }
        }
        for (at, state, servers) in groups {
            if state.is_dead_end() || *state == KeyState::NotResolved || *state == KeyState::Empty {
                let summary = match state {
                    KeyState::NotResolved => format!(
                        "{} leads to {at}, which was not looked up, so its key could not be checked.",
                        self.name
                    ),
                    KeyState::Empty => format!("{} leads to {at}, which holds an empty TXT record instead of a key.", self.name),
                    _ => format!("{} leads to {at}, where {}: there is no DKIM key at the end.", self.name, state.describe()),
                };
                let mut finding = self.finding(
                    FindingCode::TargetUnresolvable,
                    servers,
                    summary,
                    format!(
                        "Check the value of \"{}\" against what your email provider shows, and that the provider has activated DKIM for {}.",
                        ctx.relative(&self.name),
                        ctx.domain.to_string_relative()
                    ),
                );
                finding.ses_error_type = ses_error_for(state);
                out.push(finding);
                continue;
            }
            let key_ctx = KeyContext {
                record: &self.name,
                at: &at,
                servers,
                ses_rotation_ok: false,
                ses_target: false,
            };
            key_findings(state, &key_ctx, out);
        }
    }

    fn inconsistency_finding(&self, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        if self.status() != RecordStatus::Inconsistent {
            return;
        }
        let answered: Vec<&ServerEntry> = self.answered().collect();
        let detail: Vec<String> = answered
            .iter()
            .map(|e| format!("{} has {}", e.server, e.state.describe()))
            .collect();
        let serials = ctx.serials();
        let serials = if serials.is_empty() {
            String::new()
        } else {
            format!(" SOA serials: {serials}.")
        };
        out.push(self.finding(
            FindingCode::ServersInconsistent,
            answered.iter().map(|e| e.server.clone()).collect(),
            format!(
                "The name servers of {} disagree about {}: {}.{serials}",
                ctx.zone.to_string_relative(),
                self.name,
                detail.join("; ")
            ),
            format!(
                "Your name servers are out of sync: make the ones with the old data reload the zone (a secondary must transfer it again from the primary; a server at a second DNS host must get the same record), until all return the same answer for {}.",
                self.name
            ),
        ));
    }
}

/// If `target` is a provider or SES name with the zone (or domain) appended, the name meant.
fn origin_appended(target: &Name, domain: &Name, zone: &Name) -> Option<Name> {
    for suffix in [zone, domain] {
        let Some(meant) = target.strip_suffix(suffix) else {
            continue;
        };
        if meant.is_root() {
            continue;
        }
        let meant_zone = meant.parent().unwrap_or_else(Name::root);
        if is_ses_dkim_zone(&meant_zone) || provider_of_target(&meant).is_some() {
            return Some(meant);
        }
    }
    None
}

/// Whether the answer at `name` on `server` equals the one for a made-up name beside it.
fn synthesised(
    ctx: &Ctx<'_>,
    state: &ServerState,
    parent: &Name,
    server: &ServerRef,
    types: &[RecordType],
) -> bool {
    let Ok(probe) = parent.prepend(WILDCARD_PROBE_LABEL.as_bytes()) else {
        return false;
    };
    let wild = ctx.state(&probe, types, server);
    matches!(wild, ServerState::Found(_)) && wild.signature() == state.signature()
}

/// Whether a mistaken variant holds a DKIM-looking record on this server (not from a wildcard).
fn variant_exists(
    ctx: &Ctx<'_>,
    name: &Name,
    server: &ServerRef,
    token_hint: Option<&str>,
) -> bool {
    let state = ctx.state(name, &[RecordType::TXT], server);
    let ServerState::Found(found) = &state else {
        return false;
    };
    if !found.looks_like_dkim(token_hint) {
        return false;
    }
    match name.parent() {
        Some(parent) => !synthesised(ctx, &state, &parent, server, &[RecordType::TXT]),
        None => true,
    }
}

/// Findings that look at all records together: records-partial, the SES key rule,
/// trailing-dot.
pub(crate) fn cross_record_findings(
    ctx: &Ctx<'_>,
    analyses: &[RecordAnalysis],
    out: &mut Vec<Finding>,
) {
    let existing = analyses.iter().filter(|a| a.exists()).count();
    let missing: Vec<(&RecordAnalysis, Vec<ServerRef>)> = analyses
        .iter()
        .map(|a| (a, a.missing_on(ctx)))
        .filter(|(_, servers)| !servers.is_empty())
        .collect();
    if existing == 0 {
        for (a, servers) in missing {
            out.push(a.record_missing(ctx, servers));
        }
    } else if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|(a, _)| a.name.to_string()).collect();
        let mut servers: Vec<ServerRef> = Vec::new();
        for (_, list) in &missing {
            for s in list {
                if !servers.contains(s) {
                    servers.push(s.clone());
                }
            }
        }
        let fixes: Vec<String> = missing.iter().map(|(a, _)| a.create_fix(ctx)).collect();
        out.push(Finding {
            code: FindingCode::RecordsPartial,
            severity: Severity::Error,
            name: ctx.domain.clone(),
            servers,
            summary: format!(
                "{existing} of the {} expected records exist; missing: {}.",
                analyses.len(),
                names.join(", ")
            ),
            fix: fixes.join(" "),
            ses_error_type: FindingCode::RecordsPartial.ses_error_type(),
        });
    }
    if ctx.is_ses() {
        ses_key_rule(ctx, analyses, out);
    }
    let cname_ok = analyses.iter().find(|a| {
        a.status() == RecordStatus::Ok
            && a.entries
                .iter()
                .any(|e| matches!(&e.state, ServerState::Found(Found { cname: Some(_), .. })))
    });
    if let Some(a) = cname_ok {
        let target = a.entries.iter().find_map(|e| match &e.state {
            ServerState::Found(Found { cname: Some(t), .. }) => Some(t.clone()),
            _ => None,
        });
        if let Some(target) = target {
            out.push(Finding {
                code: FindingCode::TrailingDot,
                severity: Severity::Info,
                name: a.name.clone(),
                servers: vec![],
                summary: format!(
                    "The value is shown as {target} with a final dot: that dot marks a complete name and is correct."
                ),
                fix: format!(
                    "Nothing to fix. In a web form you may type the value with or without the final dot; in a zone file, keep it (\"{target}\"), or the zone's name gets appended."
                ),
                ses_error_type: None,
            });
        }
    }
}

/// SES: at least one target must hold a usable key; empty TXT on the others is rotation.
fn ses_key_rule(ctx: &Ctx<'_>, analyses: &[RecordAnalysis], out: &mut Vec<Finding>) {
    let keys: Vec<(&RecordAnalysis, &KeyState, &Name)> = analyses
        .iter()
        .filter_map(|a| a.ses_key.as_ref().map(|(s, at)| (a, s, at)))
        .filter(|(_, s, _)| **s != KeyState::NotResolved)
        .collect();
    if keys.is_empty() {
        return;
    }
    let usable = keys.iter().filter(|(_, s, _)| s.is_usable()).count();
    if usable == 0 {
        let detail: Vec<String> = keys
            .iter()
            .map(|(_, s, at)| format!("{at} has {}", s.describe()))
            .collect();
        let failed = keys
            .iter()
            .all(|(_, s, _)| matches!(s, KeyState::LookupFailed(_)));
        out.push(Finding {
            code: FindingCode::TargetUnresolvable,
            severity: Severity::Error,
            name: ctx.domain.clone(),
            servers: vec![],
            summary: format!(
                "None of this identity's SES targets holds a DKIM key ({}), so SES cannot sign or verify with these tokens, whatever the CNAMEs say.",
                detail.join("; ")
            ),
            fix: format!(
                "Check that the tokens are this identity's, in this region and account: run aws sesv2 get-email-identity --email-identity {} and compare DkimAttributes.Tokens and SigningHostedZone with the records; if the identity was deleted and created again, publish the new tokens.",
                ctx.domain.to_string_relative()
            ),
            ses_error_type: Some(if failed {
                crate::finding::SesErrorType::DnsServerError
            } else {
                crate::finding::SesErrorType::InvalidValue
            }),
        });
    } else {
        for (a, state, at) in &keys {
            if state.is_dead_end() {
                out.push(Finding {
                    code: FindingCode::TargetUnresolvable,
                    severity: Severity::Warning,
                    name: a.name.clone(),
                    servers: vec![],
                    summary: format!(
                        "The SES target of the token {} ({at}) has {}; another token's target holds the key, so SES can still sign, but this token may not belong to this identity.",
                        a.selector,
                        state.describe()
                    ),
                    fix: format!(
                        "Compare the token {} with DkimAttributes.Tokens of aws sesv2 get-email-identity --email-identity {}.",
                        a.selector,
                        ctx.domain.to_string_relative()
                    ),
                    ses_error_type: ses_error_for(state),
                });
            }
        }
    }
    for (a, state, at) in &keys {
        let key_ctx = KeyContext {
            record: &a.name,
            at,
            servers: vec![],
            ses_rotation_ok: usable > 0,
            ses_target: true,
        };
        // With no usable key anywhere, the summary above already lists the empty keys.
        if usable == 0 && state.is_empty_key() {
            continue;
        }
        key_findings(state, &key_ctx, out);
    }
}
