//! The findings about one record.

use std::collections::BTreeMap;

use dns_wire::{Name, RecordType};

use super::super::keys::{empty_record_finding, key_findings, ses_error_for, KeyContext, KeyState};
use super::super::view::{shorten, ServerState};
use super::super::Ctx;
use super::{origin_appended, Judgement, RecordAnalysis, ServerEntry};
use crate::check::{is_ses_dkim_zone, ses_region_of_zone};
use crate::finding::{Finding, FindingCode};
use crate::observe::ServerRef;
use crate::probe::WILDCARD_PROBE_LABEL;
use crate::providers::PublishedAs;
use crate::report::RecordStatus;

impl RecordAnalysis {
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
                "The answer for {} ({}) comes from a wildcard record (a * record for {parent} or a name above it): a made-up name ({WILDCARD_PROBE_LABEL}.{parent}) gets the same answer, so the record itself does not exist and receivers get whatever the wildcard holds, not the record meant for this {what}.",
                self.name,
                entry.state.short(),
            ),
            format!(
                "{} (a real record takes precedence over the wildcard); consider removing the wildcard if nothing needs it.",
                self.create_fix(ctx).trim_end_matches('.')
            ),
        ));
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
        if ctx.domain_absent() {
            let domain = ctx.domain.to_string_relative();
            return self.finding(
                FindingCode::RecordMissing,
                servers,
                format!(
                    "There is no record at {}: the name {domain} itself does not exist in DNS (its servers answer NXDOMAIN for it too).",
                    self.name
                ),
                format!(
                    "Check the spelling of {domain}. If it is right, make sure it is registered and delegated to your DNS host, then: {}",
                    self.create_fix(ctx)
                ),
            );
        }
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
                    shorten(&found.describe())
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
                    shorten(&found.describe())
                ),
                format!(
                    "At your DNS host, delete that record and create a CNAME record named \"{relative}\" with the value \"{target}\"."
                ),
            ),
            (None, _) => (
                format!(
                    "{} holds {} but neither a TXT key record nor a CNAME.",
                    self.name,
                    shorten(&found.describe())
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
                    && !other.selector.matches(self.selector.as_str())
                    && other.target.is_some_and(|r| r.matches(target, &ctx.domain))
            });
            let why = match swapped {
                Some(other) => format!(
                    ", which is the value for the selector {}: the two records' values are swapped",
                    other.selector
                ),
                None => String::new(),
            };
            return (
                format!(
                    "{} points to {target}{why}; {provider}'s selector {} should point to {wanted}.",
                    self.name, self.selector
                ),
                match rule {
                    Some((_, r)) if !r.customer_part => {
                        format!("At your DNS host, change the value of \"{relative}\" to \"{wanted}\".")
                    }
                    _ => format!("At your DNS host, change the value of \"{relative}\" to {wanted}, exactly as your provider's DNS settings page shows it."),
                },
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
        let other_token = ctx
            .check
            .selectors()
            .iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(&first) && **t != self.selector);
        let summary = if without_quotes_or_spaces(target).as_ref() == Some(expected) {
            format!(
                "{} points to {target}: the value was typed with quote characters or spaces, which became part of the name.",
                self.name
            )
        } else if let Some(other) = other_token {
            format!(
                "{} points to {target}, which is the target of the token {other}: the values of two records are swapped.",
                self.name
            )
        } else if first.eq_ignore_ascii_case(self.selector.as_str())
            && is_ses_dkim_zone(&target_zone)
        {
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
            if *state == KeyState::Empty && at == self.name {
                // No CNAME: the selector itself holds the empty record.
                out.push(empty_record_finding(&at, servers));
                continue;
            }
            if state.is_dead_end() || *state == KeyState::NotResolved || *state == KeyState::Empty {
                let summary = match state {
                    KeyState::NotResolved => format!(
                        "{} leads to {at}, which was not looked up, so its key could not be checked.",
                        self.name
                    ),
                    KeyState::Empty => format!("{} leads to {at}, which holds an empty TXT record instead of a key.", self.name),
                    _ => format!("{} leads to {at}, which has {}, so there is no DKIM key at the end.", self.name, state.describe()),
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
            .map(|e| format!("{} has {}", e.server, e.state.short()))
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

/// `target` with quote characters and spaces removed from its labels, if any were there.
fn without_quotes_or_spaces(target: &Name) -> Option<Name> {
    let unwanted = |b: &u8| matches!(b, b'"' | b'\'' | b' ' | b'\t');
    if !target.labels().any(|l| l.iter().any(unwanted)) {
        return None;
    }
    let labels: Vec<Vec<u8>> = target
        .labels()
        .map(|l| {
            l.iter()
                .copied()
                .filter(|b| !unwanted(b))
                .collect::<Vec<u8>>()
        })
        .filter(|l| !l.is_empty())
        .collect();
    Name::from_labels(labels).ok()
}
