//! Findings that look at all records together.

use dns_wire::Name;

use super::super::keys::{key_findings, ses_error_for, KeyContext, KeyState};
use super::super::view::{Found, ServerState};
use super::super::Ctx;
use super::RecordAnalysis;
use crate::finding::{Finding, FindingCode, Severity};
use crate::observe::ServerRef;
use crate::report::RecordStatus;

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

/// SES: whether it is unknown if any target holds a key: none of the keys learned is usable,
/// and some target's zone answered nothing (that target may hold the key). The verdict can
/// then be neither a pass nor a "no key" failure.
pub(crate) fn ses_keys_unknown(ctx: &Ctx<'_>, analyses: &[RecordAnalysis]) -> bool {
    let keys: Vec<&(KeyState, Name)> = analyses.iter().filter_map(|a| a.ses_key.as_ref()).collect();
    let unknown = |(state, at): &&(KeyState, Name)| {
        *state == KeyState::NotResolved || super::target_unanswered(ctx.observations, at)
    };
    keys.iter().any(unknown)
        && !keys
            .iter()
            .filter(|k| !unknown(k))
            .any(|(state, _)| state.is_usable())
}

/// SES: at least one target must hold a usable key; empty TXT on the others is rotation.
fn ses_key_rule(ctx: &Ctx<'_>, analyses: &[RecordAnalysis], out: &mut Vec<Finding>) {
    let keys: Vec<(&RecordAnalysis, &KeyState, &Name)> = analyses
        .iter()
        .filter_map(|a| a.ses_key.as_ref().map(|(s, at)| (a, s, at)))
        .filter(|(_, s, _)| **s != KeyState::NotResolved)
        // A target whose zone answered nothing is unknown, not keyless.
        .filter(|(_, _, at)| !super::target_unanswered(ctx.observations, at))
        .collect();
    if keys.is_empty() || ses_keys_unknown(ctx, analyses) {
        // Nothing learned, or the key may sit at a target that did not answer.
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
