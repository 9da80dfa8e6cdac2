//! What the MAIL FROM and DMARC answers mean: [`MailFromReport`], [`DmarcReport`] and their
//! findings (`mail-from-*`, `spf-*`, `dmarc-*`).

use dns_wire::{Name, RecordType};

use crate::check::{ses_feedback_region, Check, MailFromAttributes, MxFailureBehavior};
use crate::diagnose::view::ServerState;
use crate::dmarc::{is_dmarc_record, parse_dmarc, AlignmentMode, DmarcRecord, Policy};
use crate::finding::{Finding, FindingCode, Severity};
use crate::mail::{
    dmarc_name, doubled_names, fetched_map, organizational_name, synthesised, txt_texts,
    wildcard_beside, zone_of, NameView,
};
use crate::observe::Observations;
use crate::report::{
    Alignment, DmarcReport, MailFromReport, MailRecordReport, RecordFix, RecordStatus, ServerValue,
    SpfIncludeReport, SpfReport, Verdict,
};
use crate::spf::{
    evaluate_spf, is_spf_record, parse_spf, NodeOutcome, SPF_LOOKUP_LIMIT, SPF_VOID_LOOKUP_LIMIT,
};

/// The SPF record SES documents for a MAIL FROM domain.
const SES_SPF: &str = "v=spf1 include:amazonses.com ~all";

fn relative(name: &Name) -> String {
    name.to_string_relative()
}

/// What to type in a form's name field: `name` without the zone (the apex: `@`).
fn form_name(name: &Name, zone: &Name) -> String {
    match name.strip_suffix(zone) {
        Some(prefix) if prefix.is_root() => "@".into(),
        Some(prefix) => prefix.to_string_relative(),
        None => name.to_string(),
    }
}

fn finding(
    code: FindingCode,
    severity: Severity,
    name: &Name,
    summary: String,
    fix: String,
) -> Finding {
    Finding {
        code,
        severity,
        name: name.clone(),
        servers: vec![],
        summary,
        fix,
        ses_error_type: None,
    }
}

/// The servers' values for a view, each marked correct by `correct`.
fn values(view: Option<&NameView>, correct: impl Fn(&ServerState) -> bool) -> Vec<ServerValue> {
    view.map(|v| {
        v.servers
            .iter()
            .map(|(server, state)| ServerValue {
                server: server.clone(),
                value: state.short(),
                correct: correct(state),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The finding for servers that disagree about `what` at `name` (each server's answer named),
/// or `None` when they agree.
fn inconsistent(
    code: FindingCode,
    name: &Name,
    view: &NameView,
    what: &str,
    consequence: &str,
) -> Option<Finding> {
    if !view.inconsistent() {
        return None;
    }
    let answered = view.servers.iter().filter(|(_, s)| s.answered());
    let mut f = finding(
        code,
        Severity::Error,
        name,
        format!(
            "The authoritative servers disagree about {what}: {}. {consequence}",
            answered
                .clone()
                .map(|(server, s)| format!("{server} says {}", s.short()))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        "Make every name server serve the same zone: at your DNS host, check that the secondary servers transfer the zone (the SOA serials match), or edit the record on each server.".into(),
    );
    f.servers = answered.map(|(server, _)| server.clone()).collect();
    Some(f)
}

/// The MAIL FROM report and its findings.
pub(crate) fn mail_from_report(
    check: &Check,
    observations: &Observations,
    out: &mut Vec<Finding>,
) -> Option<MailFromReport> {
    let attrs = check.mail_from()?;
    let name = &attrs.domain;
    let domain = check.domain();
    let region = check.ses_region();
    let endpoint = region
        .as_deref()
        .and_then(crate::check::ses_feedback_endpoint)
        .map_or_else(
            || "feedback-smtp.<region>.amazonses.com.".to_string(),
            |n| n.to_string(),
        );
    let expected_mx = format!("10 {endpoint}");
    // Mail goes out anyway with USE_DEFAULT_VALUE: an MX problem is then a warning.
    let (mx_severity, consequence) = match attrs.behavior_on_mx_failure {
        MxFailureBehavior::RejectMessage => (
            Severity::Error,
            "With BehaviorOnMxFailure REJECT_MESSAGE, SES refuses to send mail from this identity (MailFromDomainNotVerified) until it is fixed.",
        ),
        MxFailureBehavior::UseDefaultValue => (
            Severity::Warning,
            "With BehaviorOnMxFailure USE_DEFAULT_VALUE, SES still sends, but with a MAIL FROM under amazonses.com: SPF then passes for amazonses.com, which does not align with your From domain, so DMARC rests on DKIM alone.",
        ),
    };
    let mut fixes: Vec<RecordFix> = Vec::new();
    let mut found_codes: Vec<FindingCode> = Vec::new();
    let mut push = |f: Finding, out: &mut Vec<Finding>| {
        found_codes.push(f.code);
        out.push(f);
    };

    if !name.is_subdomain_of(domain) || name == domain {
        push(
            finding(
                FindingCode::MailFromNotSubdomain,
                Severity::Error,
                name,
                format!(
                    "The MAIL FROM domain {name} is not a subdomain of the identity {domain}: SES accepts only a subdomain (such as bounce.{}) that is not used to receive mail, and SPF could not align with {domain} otherwise.",
                    relative(domain)
                ),
                format!(
                    "Choose a subdomain of {domain} that receives no mail, such as bounce.{}, and set it in SES (aws sesv2 put-email-identity-mail-from-attributes --email-identity {} --mail-from-domain bounce.{}).",
                    relative(domain),
                    relative(domain),
                    relative(domain)
                ),
            ),
            out,
        );
    }

    // The MX.
    let mx_view = NameView::new(observations, name, RecordType::MX);
    let mx_list = mx_view.as_ref().map(NameView::mx).unwrap_or_default();
    let ses_hosts: Vec<(Name, String)> = mx_list
        .iter()
        .filter_map(|(_, host)| ses_feedback_region(host).map(|r| (host.clone(), r)))
        .collect();
    let right_region = |r: &String| region.as_ref().map_or(true, |want| want == r);
    let mx_ok = |state: &ServerState| match state {
        ServerState::Found(found) => found.other.iter().any(|d| match d {
            crate::observe::ObservedData::Mx { exchange, .. } => {
                ses_feedback_region(exchange).is_some_and(|r| right_region(&r))
            }
            _ => false,
        }),
        _ => false,
    };
    let mut mx_status = match mx_view.as_ref().and_then(NameView::main) {
        None => RecordStatus::Unreachable,
        Some(state) if mx_ok(state) => RecordStatus::Ok,
        Some(ServerState::Missing { .. }) => RecordStatus::Missing,
        Some(_) => RecordStatus::WrongValue,
    };
    let mx_fix = |change: bool, delete: Vec<(String, String, String)>, code| RecordFix {
        name: name.clone(),
        rtype: "MX".into(),
        value: expected_mx.clone(),
        change,
        delete,
        codes: vec![code],
    };
    let zone = zone_of(check, observations);
    let region_note = if region.is_none() {
        " (<region> is the identity's AWS region, as in the SES console's MAIL FROM records)"
    } else {
        ""
    };
    let create_mx = format!(
        "At your DNS host, create the MX record {} (name \"{}\", priority 10, value \"{endpoint}\"): zone-file line `{name} IN MX {expected_mx}`{region_note}.",
        relative(name),
        form_name(name, &zone),
    );
    if let Some(f) = mx_view.as_ref().and_then(|view| {
        inconsistent(
            FindingCode::MailFromInconsistent,
            name,
            view,
            &format!("the MX of {name}"),
            "SES and receivers see one or the other.",
        )
    }) {
        mx_status = RecordStatus::Inconsistent;
        push(f, out);
    }
    match (mx_status, mx_view.as_ref().and_then(NameView::main)) {
        (RecordStatus::Missing, _) => {
            let doubled = doubled_names(name, &[domain, &zone_of(check, observations)])
                .into_iter()
                .find(|d| {
                    NameView::new(observations, d, RecordType::MX)
                        .is_some_and(|v| !v.mx().is_empty())
                        && !synthesised(observations, d, RecordType::MX)
                });
            let txt_mx = txt_texts(observations, name).is_some_and(|texts| {
                texts
                    .iter()
                    .any(|t| t.to_ascii_lowercase().contains("feedback-smtp"))
            });
            if let Some(doubled) = doubled {
                push(
                    finding(
                        FindingCode::MailFromDomainDuplicated,
                        mx_severity,
                        name,
                        format!(
                            "The MX of the MAIL FROM domain is at {doubled}, not at {name}: the DNS host appended the domain to a name that already had it. {consequence}"
                        ),
                        format!(
                            "At your DNS host, delete the MX and TXT records named \"{}\" and create them with the name \"{}\" only (the host adds .{} itself), or with the full name and a final dot (\"{name}\").",
                            form_name(&doubled, &zone),
                            form_name(name, &zone),
                            relative(&zone)
                        ),
                    ),
                    out,
                );
                // Delete what is there, as it is there.
                let found: Vec<(String, String, String)> =
                    NameView::new(observations, &doubled, RecordType::MX)
                        .map(|v| v.mx())
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(p, h)| (doubled.to_string(), "MX".into(), format!("{p} {h}")))
                        .collect();
                fixes.push(mx_fix(false, found, FindingCode::MailFromDomainDuplicated));
            } else if txt_mx {
                mx_status = RecordStatus::WrongType;
                push(
                    finding(
                        FindingCode::MailFromWrongType,
                        mx_severity,
                        name,
                        format!(
                            "{name} holds the MX value as a TXT record, not as an MX record, so SES finds no MX. {consequence}"
                        ),
                        format!("Delete that TXT record (keep the SPF one) and create an MX record instead. {create_mx}"),
                    ),
                    out,
                );
                fixes.push(mx_fix(false, vec![], FindingCode::MailFromWrongType));
            } else {
                push(
                    finding(
                        FindingCode::MailFromMxMissing,
                        mx_severity,
                        name,
                        format!(
                            "The MAIL FROM domain {name} has no MX record on any authoritative server, so SES cannot verify it (MailFromDomainStatus PENDING, then FAILED). {consequence}"
                        ),
                        create_mx.clone(),
                    ),
                    out,
                );
                fixes.push(mx_fix(false, vec![], FindingCode::MailFromMxMissing));
            }
        }
        (RecordStatus::WrongValue, Some(ServerState::Found(found))) if found.cname.is_some() => {
            mx_status = RecordStatus::WrongType;
            let target = found.cname.clone().unwrap_or_else(Name::root);
            push(
                finding(
                    FindingCode::MailFromWrongType,
                    mx_severity,
                    name,
                    format!(
                        "{name} is a CNAME to {target}: a CNAME hides every other record at the name, so the MAIL FROM domain has neither its own MX nor its own SPF record. {consequence}"
                    ),
                    format!("Delete the CNAME record {} and create the MX and SPF records instead. {create_mx}", relative(name)),
                ),
                out,
            );
            fixes.push(mx_fix(
                false,
                vec![(name.to_string(), "CNAME".into(), target.to_string())],
                FindingCode::MailFromWrongType,
            ));
        }
        (RecordStatus::WrongValue, _) if !ses_hosts.is_empty() => {
            let regions: Vec<String> = ses_hosts.iter().map(|(_, r)| r.clone()).collect();
            let want = region.clone().unwrap_or_default();
            push(
                finding(
                    FindingCode::MailFromMxOtherRegion,
                    mx_severity,
                    name,
                    format!(
                        "The MX of {name} points to the SES feedback endpoint of {}, but the identity is in {want}: SES in {want} does not accept it (MailFromDomainStatus FAILED there). {consequence}",
                        regions.join(", ")
                    ),
                    format!(
                        "At your DNS host, change the MX record {} to \"10 {endpoint}\" (zone-file line `{name} IN MX {expected_mx}`). If the identity really lives in {}, run the check with --region {} instead.",
                        relative(name),
                        regions[0],
                        regions[0]
                    ),
                ),
                out,
            );
            fixes.push(mx_fix(true, vec![], FindingCode::MailFromMxOtherRegion));
        }
        (RecordStatus::WrongValue, _) => {
            let hosts: Vec<String> = mx_list.iter().map(|(p, h)| format!("{p} {h}")).collect();
            let wildcard = wildcard_beside(name)
                .and_then(|w| NameView::new(observations, &w, RecordType::MX))
                .is_some_and(|v| !v.mx().is_empty() && v.mx() == mx_list);
            let appended = mx_list.iter().any(|(_, h)| {
                h.is_subdomain_of(domain)
                    && h.to_string_relative()
                        .to_ascii_lowercase()
                        .contains("feedback-smtp")
            });
            let why = if wildcard {
                " It comes from a wildcard MX record (*), not from a record of its own."
            } else if appended {
                " The value was written without its final dot, so the zone name was appended to it."
            } else {
                ""
            };
            push(
                finding(
                    FindingCode::MailFromMxWrong,
                    mx_severity,
                    name,
                    format!(
                        "The MX of the MAIL FROM domain {name} is {}, not SES's feedback endpoint {endpoint}.{why} {consequence}",
                        hosts.join(", ")
                    ),
                    format!(
                        "At your DNS host, {} the MX record {} with the value \"10 {endpoint}\" (zone-file line `{name} IN MX {expected_mx}`, with the final dot).",
                        if wildcard { "create" } else { "change" },
                        relative(name)
                    ),
                ),
                out,
            );
            fixes.push(mx_fix(!wildcard, vec![], FindingCode::MailFromMxWrong));
        }
        _ => {}
    }
    if mx_status == RecordStatus::Ok {
        let others: Vec<String> = mx_list
            .iter()
            .filter(|(_, h)| ses_feedback_region(h).is_none())
            .map(|(p, h)| format!("{p} {h}"))
            .collect();
        if !others.is_empty() {
            mx_status = RecordStatus::WrongValue;
            push(
                finding(
                    FindingCode::MailFromReceivesMail,
                    mx_severity,
                    name,
                    format!(
                        "Beside SES's feedback endpoint, the MAIL FROM domain {name} has the MX {}: it is used to receive mail, which SES forbids for a MAIL FROM domain, and bounces may go to those servers instead of SES. {consequence}",
                        others.join(", ")
                    ),
                    format!(
                        "Delete the other MX records of {} (keep only \"10 {endpoint}\"), or choose another subdomain that receives no mail as the MAIL FROM domain.",
                        relative(name)
                    ),
                ),
                out,
            );
        }
    }
    let mx = MailRecordReport {
        status: mx_status,
        servers: values(mx_view.as_ref(), mx_ok),
    };

    let spf = spf_report(
        check,
        observations,
        attrs,
        &mut fixes,
        &mut |f, out| push(f, out),
        out,
    );

    let problems = !found_codes.is_empty();
    let mut summary = match (mx.status, spf.status, problems) {
        (RecordStatus::Unreachable, _, _) => {
            format!("No authoritative server answered for the MAIL FROM domain {name}.")
        }
        (RecordStatus::Ok, RecordStatus::Ok, false) => format!(
            "The MAIL FROM domain {name} is set up as SES wants it: an MX to SES's feedback endpoint and an SPF record that authorises SES{}.",
            if region.is_none() {
                " (the identity's region is not known here: give --region to check the endpoint's region)"
            } else {
                ""
            }
        ),
        (RecordStatus::Ok, RecordStatus::Ok, true) => {
            format!("SES cannot use the MAIL FROM domain {name} as it is (see the findings).")
        }
        (RecordStatus::Ok, _, _) => format!(
            "The MX of the MAIL FROM domain {name} is right, but its SPF record is not: the mail SES sends does not pass SPF."
        ),
        _ => format!("SES cannot use the MAIL FROM domain {name} as it is. {consequence}"),
    };
    // What SES reported, set against what the servers say now.
    let mx_right = mx.status == RecordStatus::Ok;
    match attrs.status.as_deref() {
        Some("SUCCESS") if !mx_right && mx.status != RecordStatus::Unreachable => summary.push_str(
            " SES reports SUCCESS from an earlier check: it will see the MX is wrong at its next one.",
        ),
        Some(status @ ("PENDING" | "FAILED" | "TEMPORARY_FAILURE")) if mx_right => {
            summary.push_str(&format!(
                " SES reports {status} from an earlier check; the MX is right now, so SES should verify it at its next check (up to 72 hours; setting the MAIL FROM domain again starts one)."
            ))
        }
        Some(status @ ("PENDING" | "FAILED")) => summary.push_str(&format!(
            " SES reports {status}, which the MX finding explains."
        )),
        _ => {}
    }
    Some(MailFromReport {
        domain: name.clone(),
        ses_status: attrs.status.clone(),
        behavior_on_mx_failure: attrs.behavior_on_mx_failure,
        region,
        expected_mx,
        mx,
        spf,
        fixes,
        summary,
    })
}

fn spf_report(
    check: &Check,
    observations: &Observations,
    attrs: &MailFromAttributes,
    fixes: &mut Vec<RecordFix>,
    push: &mut dyn FnMut(Finding, &mut Vec<Finding>),
    out: &mut Vec<Finding>,
) -> SpfReport {
    let name = &attrs.domain;
    let domain = check.domain();
    let view = NameView::new(observations, name, RecordType::TXT);
    let texts = txt_texts(observations, name);
    let spf_texts: Vec<String> = texts
        .iter()
        .flatten()
        .filter(|t| is_spf_record(t))
        .cloned()
        .collect();
    let correct = |state: &ServerState| match state {
        ServerState::Found(found) => {
            found
                .txt
                .iter()
                .filter(|rr| is_spf_record(&crate::mail::join(rr)))
                .count()
                == 1
        }
        _ => false,
    };
    let mut report = SpfReport {
        status: RecordStatus::Unreachable,
        record: None,
        servers: values(view.as_ref(), correct),
        lookups: None,
        lookups_complete: false,
        void_lookups: 0,
        includes_amazonses: false,
        includes: vec![],
    };
    let fix =
        |value: String, change: bool, delete: Vec<(String, String, String)>, code| RecordFix {
            name: name.clone(),
            rtype: "TXT".into(),
            value: format!("\"{value}\""),
            change,
            delete,
            codes: vec![code],
        };
    let Some(texts) = texts else {
        return report;
    };
    if let Some(f) = view.as_ref().and_then(|view| {
        inconsistent(
            FindingCode::MailFromInconsistent,
            name,
            view,
            &format!("the TXT (SPF) records of {name}"),
            "Receivers check SPF against one or the other.",
        )
    }) {
        report.status = RecordStatus::Inconsistent;
        push(f, out);
    }
    match spf_texts.as_slice() {
        [] => {
            report.status = RecordStatus::Missing;
            let doubled = doubled_names(name, &[domain, &zone_of(check, observations)])
                .into_iter()
                .find(|d| {
                    txt_texts(observations, d).is_some_and(|t| t.iter().any(|t| is_spf_record(t)))
                        && !synthesised(observations, d, RecordType::TXT)
                });
            let others = texts.len();
            let summary = match &doubled {
                Some(d) => format!(
                    "The SPF record of the MAIL FROM domain is at {d}, not at {name}: the DNS host appended the domain to a name that already had it. SPF gives \"none\" for the mail SES sends."
                ),
                None => format!(
                    "The MAIL FROM domain {name} has no SPF record ({}): SPF gives \"none\" for the mail SES sends, so it cannot pass DMARC through SPF.",
                    if others == 0 { "no TXT record at all".to_string() } else { format!("{others} TXT record(s), none starting with v=spf1") }
                ),
            };
            let code = if doubled.is_some() {
                FindingCode::MailFromDomainDuplicated
            } else {
                FindingCode::SpfMissing
            };
            push(
                finding(
                    code,
                    Severity::Error,
                    name,
                    summary,
                    format!(
                        "At your DNS host, create the TXT record {} with the value \"{SES_SPF}\" (zone-file line `{name} IN TXT \"{SES_SPF}\"`){}.",
                        relative(name),
                        doubled
                            .as_ref()
                            .map(|d| format!(", and delete the one at {}", relative(d)))
                            .unwrap_or_default()
                    ),
                ),
                out,
            );
            let delete = doubled
                .map(|d| vec![(d.to_string(), "TXT".to_string(), format!("\"{SES_SPF}\""))])
                .unwrap_or_default();
            add_fix(fixes, fix(SES_SPF.into(), false, delete, code));
        }
        [one] => {
            report.record = Some(one.clone());
            match parse_spf(one) {
                Err(e) => {
                    report.status = RecordStatus::WrongValue;
                    push(
                        finding(
                            FindingCode::SpfSyntax,
                            Severity::Error,
                            name,
                            format!("The SPF record of {name} does not parse: {e}. Receivers give SPF \"permerror\" for every message."),
                            format!("At your DNS host, correct the TXT record {}; SES needs only \"{SES_SPF}\".", relative(name)),
                        ),
                        out,
                    );
                    add_fix(
                        fixes,
                        fix(SES_SPF.into(), true, vec![], FindingCode::SpfSyntax),
                    );
                }
                Ok(record) => {
                    let eval = evaluate_spf(&record, &fetched_map(observations));
                    report.lookups = Some(eval.lookups);
                    report.lookups_complete = eval.complete();
                    report.void_lookups = eval.void_lookups;
                    report.includes_amazonses = eval.includes_amazonses;
                    report.includes = eval
                        .nodes
                        .iter()
                        .map(|node| SpfIncludeReport {
                            domain: node.domain.clone(),
                            depth: node.depth,
                            redirect: node.redirect,
                            lookups: match node.outcome {
                                NodeOutcome::Record { lookups } => Some(lookups),
                                _ => None,
                            },
                            outcome: node_words(&node.outcome),
                        })
                        .collect();
                    if report.status != RecordStatus::Inconsistent {
                        report.status = RecordStatus::Ok;
                    }
                    // Only a complete read can say amazonses.com is nowhere (an include not
                    // read could hold it).
                    if !eval.includes_amazonses && eval.complete() {
                        report.status = RecordStatus::WrongValue;
                        let value = with_amazonses(one);
                        push(
                            finding(
                                FindingCode::SpfAmazonsesMissing,
                                Severity::Error,
                                name,
                                format!("The SPF record of {name} (\"{one}\") does not include amazonses.com: SES's servers are not authorised, so SPF fails for the mail SES sends."),
                                format!("At your DNS host, change the TXT record {} to \"{value}\".", relative(name)),
                            ),
                            out,
                        );
                        add_fix(
                            fixes,
                            fix(value, true, vec![], FindingCode::SpfAmazonsesMissing),
                        );
                    }
                    if eval.lookups > SPF_LOOKUP_LIMIT {
                        report.status = RecordStatus::WrongValue;
                        let heavy: Vec<String> = eval
                            .nodes
                            .iter()
                            .filter(|n| n.depth == 1)
                            .map(|n| format!("{} ({})", n.domain, node_words(&n.outcome)))
                            .collect();
                        push(
                            finding(
                                FindingCode::SpfTooManyLookups,
                                Severity::Error,
                                name,
                                format!(
                                    "Evaluating the SPF record of {name} takes {}{} DNS lookups, more than the 10 RFC 7208 allows: receivers give SPF \"permerror\", and the mail SES sends cannot pass SPF. Its record costs {} itself; its includes: {}.",
                                    if eval.complete() { "" } else { "at least " },
                                    eval.lookups,
                                    record.own_lookups(),
                                    if heavy.is_empty() { "none".to_string() } else { heavy.join(", ") }
                                ),
                                format!(
                                    "A MAIL FROM subdomain needs only SES: at your DNS host, change the TXT record {} to \"{SES_SPF}\" (the other senders belong in the SPF record of their own MAIL FROM domains).",
                                    relative(name)
                                ),
                            ),
                            out,
                        );
                        add_fix(
                            fixes,
                            fix(SES_SPF.into(), true, vec![], FindingCode::SpfTooManyLookups),
                        );
                    }
                    let broken: Vec<String> = eval
                        .nodes
                        .iter()
                        .filter(|n| {
                            matches!(
                                n.outcome,
                                NodeOutcome::NoRecord { .. }
                                    | NodeOutcome::Multiple(_)
                                    | NodeOutcome::Invalid(_)
                                    | NodeOutcome::Failed(_)
                                    | NodeOutcome::Loop
                            )
                        })
                        .map(|n| format!("{} ({})", n.domain, node_words(&n.outcome)))
                        .collect();
                    if !broken.is_empty() || eval.void_lookups > SPF_VOID_LOOKUP_LIMIT {
                        report.status = RecordStatus::WrongValue;
                        push(
                            finding(
                                FindingCode::SpfIncludeBroken,
                                Severity::Error,
                                name,
                                format!(
                                    "The SPF record of {name} pulls in records that cannot be used: {}{}. Receivers give SPF \"permerror\" (or \"temperror\" for a lookup that failed).",
                                    broken.join(", "),
                                    if eval.void_lookups > SPF_VOID_LOOKUP_LIMIT {
                                        format!("; {} void lookups, more than the 2 allowed", eval.void_lookups)
                                    } else {
                                        String::new()
                                    }
                                ),
                                format!("At your DNS host, remove those includes from the TXT record {}, or set it to \"{SES_SPF}\".", relative(name)),
                            ),
                            out,
                        );
                    }
                }
            }
        }
        many => {
            report.status = RecordStatus::WrongValue;
            push(
                finding(
                    FindingCode::SpfMultiple,
                    Severity::Error,
                    name,
                    format!(
                        "The MAIL FROM domain {name} has {} SPF records ({}): receivers give SPF \"permerror\" for every message (RFC 7208 §4.5).",
                        many.len(),
                        many.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")
                    ),
                    format!(
                        "At your DNS host, keep a single TXT record starting with v=spf1 at {}: merge them into one (\"{SES_SPF}\" is all SES needs) and delete the others.",
                        relative(name)
                    ),
                ),
                out,
            );
            let delete = many
                .iter()
                .map(|t| (name.to_string(), "TXT".to_string(), format!("\"{t}\"")))
                .collect();
            add_fix(
                fixes,
                fix(SES_SPF.into(), false, delete, FindingCode::SpfMultiple),
            );
        }
    }
    report
}

/// Adds a record fix; a second fix of the same name and type (the SPF record lacks
/// amazonses.com and takes too many lookups) becomes one: SES's own record answers both.
fn add_fix(fixes: &mut Vec<RecordFix>, fix: RecordFix) {
    match fixes
        .iter_mut()
        .find(|f| f.name == fix.name && f.rtype == fix.rtype)
    {
        Some(earlier) => {
            earlier.codes.extend(fix.codes);
            earlier.value = format!("\"{SES_SPF}\"");
            earlier.delete.extend(fix.delete);
        }
        None => fixes.push(fix),
    }
}

/// The record with `include:amazonses.com` put before its `all` (or at its end).
fn with_amazonses(record: &str) -> String {
    let mut terms: Vec<&str> = record.split(' ').filter(|t| !t.is_empty()).collect();
    let at = terms
        .iter()
        .position(|t| {
            let bare = t.trim_start_matches(['+', '-', '~', '?']);
            bare.eq_ignore_ascii_case("all") || bare.to_ascii_lowercase().starts_with("redirect=")
        })
        .unwrap_or(terms.len());
    terms.insert(at, "include:amazonses.com");
    if !terms.iter().any(|t| {
        t.trim_start_matches(['+', '-', '~', '?'])
            .eq_ignore_ascii_case("all")
            || t.to_ascii_lowercase().starts_with("redirect=")
    }) {
        terms.push("~all");
    }
    terms.join(" ")
}

fn node_words(outcome: &NodeOutcome) -> String {
    match outcome {
        NodeOutcome::Record { lookups: 1 } => "1 lookup".into(),
        NodeOutcome::Record { lookups } => format!("{lookups} lookups"),
        NodeOutcome::Unknown(why) if why.is_empty() => "not read".into(),
        NodeOutcome::Unknown(why) => why.clone(),
        NodeOutcome::NoRecord { void: true } => "does not exist or has no TXT record".into(),
        NodeOutcome::NoRecord { void: false } => "no SPF record".into(),
        NodeOutcome::Multiple(n) => format!("{n} SPF records"),
        NodeOutcome::Invalid(e) => format!("does not parse: {e}"),
        NodeOutcome::Failed(why) => format!("lookup failed: {why}"),
        NodeOutcome::Loop => "includes itself".into(),
    }
}

/// The DMARC report and its findings. `dkim_verdict` says whether the DKIM records verify.
pub(crate) fn dmarc_report(
    check: &Check,
    observations: &Observations,
    dkim_verdict: Verdict,
    mail_from: Option<&MailFromReport>,
    out: &mut Vec<Finding>,
) -> Option<DmarcReport> {
    if !check.checks_dmarc() {
        return None;
    }
    let domain = check.domain();
    let name = dmarc_name(domain)?;
    let org = organizational_name(domain);
    let from = relative(domain).to_ascii_lowercase();
    let view = NameView::new(observations, &name, RecordType::TXT);
    let texts = txt_texts(observations, &name);
    let records: Vec<String> = texts
        .iter()
        .flatten()
        .filter(|t| is_dmarc_record(t))
        .cloned()
        .collect();
    let correct = |state: &ServerState| match state {
        ServerState::Found(found) => {
            let list: Vec<String> = found.txt.iter().map(|rr| crate::mail::join(rr)).collect();
            let dmarc: Vec<&String> = list.iter().filter(|t| is_dmarc_record(t)).collect();
            dmarc.len() == 1 && parse_dmarc(dmarc[0]).is_ok()
        }
        _ => false,
    };
    let servers = values(view.as_ref(), correct);
    let mut status = RecordStatus::Unreachable;
    let mut record_name = name.clone();
    let mut record_text = None;
    let mut policy: Option<DmarcRecord> = None;
    let mut fixes = Vec::new();
    let rua = format!("mailto:dmarc-reports@{}", relative(&org));
    let suggested = format!("v=DMARC1; p=none; rua={rua}");
    out.extend(view.as_ref().and_then(|view| {
        inconsistent(
            FindingCode::DmarcInconsistent,
            &name,
            view,
            &name.to_string(),
            "Receivers apply one policy or the other.",
        )
    }));
    if texts.is_some() {
        match records.as_slice() {
            [] => {
                status = RecordStatus::Missing;
                let org_record = (org != *domain)
                    .then(|| dmarc_name(&org))
                    .flatten()
                    .and_then(|org_name| {
                        let texts = txt_texts(observations, &org_name)?;
                        let list: Vec<String> =
                            texts.into_iter().filter(|t| is_dmarc_record(t)).collect();
                        match list.as_slice() {
                            [one] => Some((org_name, one.clone())),
                            _ => None,
                        }
                    });
                match org_record.and_then(|(n, t)| parse_dmarc(&t).ok().map(|p| (n, t, p))) {
                    Some((org_name, text, parsed)) => {
                        status = RecordStatus::Ok;
                        out.push(finding(
                            FindingCode::DmarcFromOrganization,
                            Severity::Info,
                            &name,
                            format!(
                                "{domain} has no DMARC record of its own; the record of its organizational domain {org} (Public Suffix List) applies, with its subdomain policy sp={}.",
                                parsed.effective_subdomain_policy().as_str()
                            ),
                            String::new(),
                        ));
                        record_name = org_name;
                        record_text = Some(text);
                        policy = Some(parsed);
                    }
                    None => {
                        out.push(finding(
                            FindingCode::DmarcMissing,
                            Severity::Warning,
                            &name,
                            format!(
                                "{domain} has no DMARC record ({name}{}): receivers apply no DMARC policy and send you no reports; Gmail and Yahoo require one from bulk senders.",
                                if org != *domain { format!(", nor {org}") } else { String::new() }
                            ),
                            format!(
                                "At your DNS host, create the TXT record {} with the value \"{suggested}\" (zone-file line `{name} IN TXT \"{suggested}\"`); move to p=quarantine or p=reject once the reports show all your mail passes.",
                                relative(&name)
                            ),
                        ));
                        fixes.push(RecordFix {
                            name: name.clone(),
                            rtype: "TXT".into(),
                            value: format!("\"{suggested}\""),
                            change: false,
                            delete: vec![],
                            codes: vec![FindingCode::DmarcMissing],
                        });
                    }
                }
            }
            [one] => {
                record_text = Some(one.clone());
                match parse_dmarc(one) {
                    Ok(parsed) => {
                        status = RecordStatus::Ok;
                        policy = Some(parsed);
                    }
                    Err(e) => {
                        status = RecordStatus::WrongValue;
                        out.push(finding(
                            FindingCode::DmarcSyntax,
                            Severity::Error,
                            &name,
                            format!("The DMARC record of {domain} (\"{one}\") does not parse: {e}. Receivers apply no DMARC policy at all (RFC 7489 §6.6.3)."),
                            format!("At your DNS host, correct the TXT record {}; a valid start is \"{suggested}\".", relative(&name)),
                        ));
                    }
                }
            }
            many => {
                status = RecordStatus::WrongValue;
                out.push(finding(
                    FindingCode::DmarcMultiple,
                    Severity::Error,
                    &name,
                    format!(
                        "{name} holds {} DMARC records ({}): receivers apply no DMARC policy at all (RFC 7489 §6.6.3).",
                        many.len(),
                        many.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(", ")
                    ),
                    format!("At your DNS host, keep a single TXT record starting with v=DMARC1 at {} and delete the others.", relative(&name)),
                ));
                fixes.push(RecordFix {
                    name: name.clone(),
                    rtype: "TXT".into(),
                    value: format!("\"{}\"", many[0]),
                    change: true,
                    delete: many[1..]
                        .iter()
                        .map(|t| (name.to_string(), "TXT".to_string(), format!("\"{t}\"")))
                        .collect(),
                    codes: vec![FindingCode::DmarcMultiple],
                });
            }
        }
    }
    if let Some(p) = &policy {
        if p.policy == Policy::None {
            out.push(finding(
                FindingCode::DmarcPolicyNone,
                Severity::Info,
                &record_name,
                format!("The DMARC policy of {domain} is p=none: failing mail is delivered as usual and only reported."),
                "Once the aggregate reports show that all your mail passes, raise the policy to p=quarantine, then p=reject.".into(),
            ));
        }
    }

    // Alignment of what is sent: DKIM d= is the checked domain (SES signs Easy DKIM mail with
    // the identity's domain), the From domain is taken to be the same.
    let adkim = policy.as_ref().map_or(AlignmentMode::Relaxed, |p| p.adkim);
    let aspf = policy.as_ref().map_or(AlignmentMode::Relaxed, |p| p.aspf);
    let dkim_passes = dkim_verdict == Verdict::Pass;
    let dkim = Alignment {
        domain: from.clone(),
        mode: adkim,
        aligned: true,
        passes: dkim_passes,
        summary: if dkim_passes {
            format!(
                "DKIM aligns: the signatures are made with d={from}, the From domain ({} mode).",
                adkim.as_str()
            )
        } else {
            format!("DKIM would align (d={from} is the From domain), but the DKIM records do not verify yet (see the findings above).")
        },
    };
    let spf = match check {
        Check::Ses { .. } => Some(match (check.mail_from(), mail_from) {
            (Some(attrs), Some(report)) => {
                let mail_domain = relative(&attrs.domain).to_ascii_lowercase();
                let aligned = aspf.aligns(&mail_domain, &from);
                let passes = report.mx.status == RecordStatus::Ok
                    && report.spf.status == RecordStatus::Ok;
                if !aligned && policy.is_some() && aspf == AlignmentMode::Strict {
                    out.push(finding(
                        FindingCode::DmarcSpfUnaligned,
                        Severity::Warning,
                        &record_name,
                        format!(
                            "The DMARC policy of {domain} asks for strict SPF alignment (aspf=s), and the MAIL FROM domain {} is a subdomain, not {from} itself: SPF never aligns, so the mail SES sends passes DMARC through DKIM alone.",
                            attrs.domain
                        ),
                        format!(
                            "At your DNS host, remove aspf=s from the TXT record {} (relaxed alignment, the default, accepts the MAIL FROM subdomain); or accept that DKIM alone carries DMARC.",
                            relative(&record_name)
                        ),
                    ));
                }
                Alignment {
                    domain: mail_domain.clone(),
                    mode: aspf,
                    aligned,
                    passes,
                    summary: match (aligned, passes) {
                        (true, true) => format!("SPF aligns through the custom MAIL FROM {mail_domain} ({} mode).", aspf.as_str()),
                        (true, false) => format!("SPF would align through the custom MAIL FROM {mail_domain}, but its MX or SPF record is wrong (see the findings)."),
                        (false, _) => format!("SPF does not align: the MAIL FROM {mail_domain} is not {from} and aspf is {}.", aspf.as_str()),
                    },
                }
            }
            _ => Alignment {
                domain: "amazonses.com".into(),
                mode: aspf,
                aligned: false,
                passes: true,
                summary: format!("SPF does not align: without a custom MAIL FROM domain, SES sends with a MAIL FROM under amazonses.com, which is not {from}; DMARC rests on DKIM (a custom MAIL FROM subdomain would add SPF)."),
            },
        }),
        Check::Selector { .. } => None,
    };
    let passes_dkim = dkim.passes && dkim.aligned;
    let passes_spf = spf.as_ref().is_some_and(|s| s.passes && s.aligned);
    let sender = if matches!(check, Check::Ses { .. }) {
        "The mail SES sends"
    } else {
        "Mail signed with these selectors"
    };
    // Mail from a subdomain covered by the organizational domain's record gets its sp=.
    let words = policy.as_ref().map(|p| {
        if record_name == name {
            p.in_words(&from)
        } else {
            let applied = DmarcRecord {
                policy: p.effective_subdomain_policy(),
                subdomain_policy: None,
                ..p.clone()
            };
            format!(
                "{} (the sp= of {}'s record)",
                applied.in_words(&from).trim_end_matches('.'),
                relative(&org)
            ) + "."
        }
    });
    let summary = match (&policy, passes_dkim || passes_spf) {
        (None, _) if status == RecordStatus::Unreachable => {
            format!(
                "The DMARC record of {domain} could not be read: no authoritative server answered."
            )
        }
        (None, _) => {
            format!("No DMARC policy applies to {domain}: receivers judge its mail without one.")
        }
        (Some(_), true) => format!(
            "{sender} passes DMARC ({}). {}",
            match (passes_dkim, passes_spf) {
                (true, true) => "DKIM and SPF both align",
                (true, false) => "through DKIM",
                _ => "through SPF",
            },
            words.clone().unwrap_or_default()
        ),
        (Some(_), false) if spf.is_none() => format!(
            "{sender} cannot pass DMARC through DKIM while the DKIM records do not verify (SPF depends on the MAIL FROM the sending service uses, not checked here). {}",
            words.clone().unwrap_or_default()
        ),
        (Some(_), false) => format!(
            "{sender} fails DMARC: neither DKIM nor SPF passes aligned. {}",
            words.clone().unwrap_or_default()
        ),
    };
    Some(DmarcReport {
        domain: domain.clone(),
        organizational_domain: org,
        organizational_domain_method: "public-suffix-list".into(),
        record_name,
        status,
        record: record_text,
        servers,
        policy,
        policy_words: words,
        dkim,
        spf,
        fixes,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazonses_goes_before_all_or_redirect() {
        assert_eq!(
            with_amazonses("v=spf1 mx -all"),
            "v=spf1 mx include:amazonses.com -all"
        );
        assert_eq!(
            with_amazonses("v=spf1 a redirect=_spf.example.com"),
            "v=spf1 a include:amazonses.com redirect=_spf.example.com"
        );
        assert_eq!(
            with_amazonses("v=spf1 ip4:192.0.2.1"),
            "v=spf1 ip4:192.0.2.1 include:amazonses.com ~all"
        );
    }

    #[test]
    fn two_fixes_of_one_record_become_one() {
        let fix = |value: &str, code| RecordFix {
            name: "bounce.example.com".parse().unwrap(),
            rtype: "TXT".into(),
            value: format!("\"{value}\""),
            change: true,
            delete: vec![],
            codes: vec![code],
        };
        let mut fixes = Vec::new();
        add_fix(
            &mut fixes,
            fix(
                "v=spf1 a include:amazonses.com ~all",
                FindingCode::SpfAmazonsesMissing,
            ),
        );
        add_fix(&mut fixes, fix(SES_SPF, FindingCode::SpfTooManyLookups));
        assert_eq!(fixes.len(), 1);
        assert_eq!(fixes[0].value, format!("\"{SES_SPF}\""));
        assert_eq!(
            fixes[0].codes,
            [
                FindingCode::SpfAmazonsesMissing,
                FindingCode::SpfTooManyLookups
            ]
        );
    }
}
