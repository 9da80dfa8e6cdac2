//! One expected record: what each server holds and how it compares with what is expected.
//! The findings about one record are in [`findings`], those about all records in [`cross`].

use std::collections::BTreeMap;

use dns_wire::{Name, RecordType};

use crate::Selector;

use super::keys::KeyState;
use super::view::{Found, ServerState};
use super::Ctx;
use crate::check::{is_ses_dkim_zone, Check};
use crate::observe::ServerRef;
use crate::probe::{expected_ses_target, underscore_variants, WILDCARD_PROBE_LABEL};
use crate::providers::{provider_for_selector, provider_of_target, ProviderSelector, PublishedAs};
use crate::report::{RecordReport, RecordStatus, ServerValue};

mod cross;
mod findings;

pub(crate) use cross::{cross_record_findings, ses_keys_unknown};

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
    pub selector: Selector,
    pub name: Name,
    expected_target: Option<Name>,
    provider: Option<&'static ProviderSelector>,
    entries: Vec<ServerEntry>,
    user_entries: Vec<ServerEntry>,
    /// For SES: the key at the expected target.
    ses_key: Option<(KeyState, Name)>,
}

impl RecordAnalysis {
    pub fn new(ctx: &Ctx<'_>, selector: &Selector) -> Option<RecordAnalysis> {
        let name = selector.dkim_name(&ctx.domain)?;
        let expected_target = match ctx.check {
            Check::Ses { .. } => expected_ses_target(ctx.check, selector),
            Check::Selector { .. } => None,
        };
        let provider = match ctx.check {
            Check::Ses { .. } => None,
            Check::Selector { .. } => provider_for_selector(selector.as_str()),
        };
        let mut analysis = RecordAnalysis {
            selector: selector.clone(),
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

    /// The record's name with the domain (or the zone) appended once more, as a DNS host's
    /// form makes it when the name was typed in full.
    fn doubled_names(&self, ctx: &Ctx<'_>) -> Vec<Name> {
        [&ctx.domain, &ctx.zone]
            .iter()
            .filter_map(|suffix| self.name.clone().append(suffix).ok())
            .collect()
    }

    /// The names where a mistaken copy of this record would sit: the domain appended twice,
    /// `_domainkey` without its underscore or dot.
    fn variant_names(&self, ctx: &Ctx<'_>) -> Vec<Name> {
        let mut names = self.doubled_names(ctx);
        names.extend(
            underscore_variants(&self.selector, &ctx.domain, ctx.check)
                .into_iter()
                .map(|v| v.name),
        );
        names
    }

    fn entry(&self, ctx: &Ctx<'_>, server: &ServerRef) -> ServerEntry {
        let mut state = ctx.state(&self.name, Self::types(ctx), server);
        if matches!(state, ServerState::Missing { .. }) {
            // Missing here, but a name where a misplaced copy could sit went unanswered on
            // this server (after every try): whether the record is missing or misplaced is
            // unknown, so this server says nothing about it.
            let unanswered = self.variant_names(ctx).into_iter().find(|variant| {
                matches!(
                    ctx.state(variant, &[RecordType::TXT], server),
                    ServerState::Unreachable(_)
                )
            });
            if let Some(variant) = unanswered {
                state = ServerState::Unreachable(format!("no answer about {variant}"));
            }
        }
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
            if target_unanswered(ctx.observations, &end) {
                // No server of the target's zone answered: the key is unknown, not bad.
                return (Judgement::NoAnswer, None);
            }
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
    /// Where the record went for the servers that lack it: names with the domain doubled,
    /// mangled `_domainkey` names, and the servers where nothing explains the absence (a
    /// wildcard's answer counts as explained: `wildcard-answer` reports it).
    fn whereabouts(&self, ctx: &Ctx<'_>) -> Whereabouts {
        let token_hint = self
            .expected_target
            .as_ref()
            .map(|_| self.selector.as_str());
        let mut found = Whereabouts::default();
        let doubled_names = self.doubled_names(ctx);
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

/// Whether the lookup of `target` failed without any server of its zone answering.
fn target_unanswered(observations: &crate::observe::Observations, target: &Name) -> bool {
    observations.targets.iter().any(|t| {
        t.name == *target
            && matches!(
                t.outcome,
                crate::observe::TargetOutcome::Failed {
                    unanswered: true,
                    ..
                }
            )
    })
}
