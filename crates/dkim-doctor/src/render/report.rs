//! The report of a `ses` or `selector` check: the JSON document and the human text.

use std::fmt::Write as _;

use dkim_rules::{
    advise, fold_findings, Action, ActionKind, Advice, Check, DmarcReport, Finding, FindingCode,
    FoldedFinding, HostServers, MailFromReport, NegativeCaching, RecordReport, RecordStatus,
    Report, ServerValue, SesView, Severity, Verdict, ZoneDelegation,
};
use dns_wire::resolver::QueryRecord;
use dns_wire::Name;
use serde::Serialize;

use super::{millis, shorten};
use crate::exit::Outcome;
use crate::style::{Palette, Tone};
use dkim_rules::{CheckRun, PathStep, Selector};

/// The JSON document of one check (`ses --json`, `selector --json`, one line of `bulk`).
/// The shape is a contract, documented in the README.
#[derive(Debug, Clone, Serialize)]
pub struct CheckJson<'a> {
    /// The domain checked, in A-labels, without the final dot.
    pub domain: String,
    /// `ses` or `selector`.
    pub check: &'static str,
    /// `pass`, `fail` or `incomplete`.
    pub verdict: Verdict,
    /// The verdict and its main cause in one line, as the human report opens.
    pub summary: String,
    /// One entry per expected record.
    pub records: &'a [RecordReport],
    /// What was found, errors first; each fix names the DNS host where to type it.
    pub findings: Vec<Finding>,
    /// What to do: records to create, change or delete (each as a zone-file line and a
    /// name/type/value triple) and other steps, each saying where.
    pub actions: Vec<Action>,
    /// The DNS hosts the domain is delegated to, recognised from their NS names.
    pub dns_hosts: Vec<HostServers>,
    /// The delegation of the zone that holds the records.
    pub delegation: DelegationJson<'a>,
    /// How long "does not exist" answers may be cached by resolvers.
    pub negative_caching: Option<&'a NegativeCaching>,
    /// With `--identity-json`: what SES itself reported, and which findings explain it.
    pub ses_view: Option<&'a SesView>,
    /// The custom MAIL FROM domain (its MX and SPF records), when the identity JSON or
    /// `--mail-from` names one; else null.
    pub mail_from: Option<&'a MailFromReport>,
    /// The DMARC policy of the domain and the alignment of its mail; null with `--no-dmarc`.
    pub dmarc: Option<&'a DmarcReport>,
    /// How the input was understood, when it was rewritten (a token taken from a pasted
    /// record line...).
    pub notes: &'a [String],
    /// Queries the report rests on.
    pub queries: u64,
    /// Datagrams received during the check and thrown away because their source, ID, QR bit,
    /// opcode or question did not match a query (late duplicates, or spoofing attempts).
    pub discarded_responses: u64,
    /// Wall time of the check.
    pub elapsed_ms: u64,
    /// Every query, with `--trace`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<Vec<QueryJson>>,
}

/// `delegation` in [`CheckJson`]: the facts the diagnosis used, plus the path from the root.
#[derive(Debug, Clone, Serialize)]
pub struct DelegationJson<'a> {
    /// Zone, parent and child NS sets, every server, the SOA, lame servers.
    #[serde(flatten)]
    pub facts: &'a ZoneDelegation,
    /// The zone cuts from the root down to the zone.
    pub path: Vec<PathJson>,
}

/// One zone cut of the path.
#[derive(Debug, Clone, Serialize)]
pub struct PathJson {
    /// The zone.
    pub zone: String,
    /// Its NS set as the parent gives it.
    pub ns: Vec<String>,
}

/// One query of `--trace`.
#[derive(Debug, Clone, Serialize)]
pub struct QueryJson {
    /// The zone the server was asked about.
    pub zone: String,
    /// Server host name, when known.
    pub server: Option<String>,
    /// Server address.
    pub address: String,
    /// The name asked.
    pub name: String,
    /// The type asked.
    #[serde(rename = "type")]
    pub rtype: String,
    /// What the response meant.
    pub result: String,
    /// Response code, when a response came.
    pub rcode: Option<String>,
    /// Round-trip time in milliseconds, when a response came.
    pub rtt_ms: Option<f64>,
    /// Why no usable response came.
    pub error: Option<String>,
}

impl From<&QueryRecord> for QueryJson {
    fn from(query: &QueryRecord) -> Self {
        QueryJson {
            zone: query.zone.to_string(),
            server: query.server.name.as_ref().map(Name::to_string),
            address: query.server.ip.to_string(),
            name: query.question.name.to_string(),
            rtype: query.question.qtype.to_string(),
            result: query.classification.to_string(),
            rcode: query.rcode().map(|r| r.to_string()),
            rtt_ms: query
                .rtt()
                .map(|d| (d.as_secs_f64() * 10_000.0).round() / 10.0),
            error: query.error().map(ToString::to_string),
        }
    }
}

/// `ses` or `selector`.
pub fn check_kind(check: &Check) -> &'static str {
    match check {
        Check::Ses { .. } => "ses",
        Check::Selector { .. } => "selector",
    }
}

/// The JSON document of a check.
pub fn check_json<'a>(run: &'a CheckRun, notes: &'a [String], with_trace: bool) -> CheckJson<'a> {
    let report = &run.report;
    let advice = advise(&run.check, &run.observations, report);
    CheckJson {
        domain: report.domain.to_string_relative(),
        check: check_kind(&run.check),
        verdict: report.verdict,
        findings: report
            .findings
            .iter()
            .map(|f| Finding {
                fix: advice.placed_fix(&f.fix),
                ..f.clone()
            })
            .collect(),
        summary: advice.summary,
        records: &report.records,
        actions: advice.actions,
        dns_hosts: advice.hosts,
        delegation: DelegationJson {
            facts: &run.observations.delegation,
            path: run
                .path
                .iter()
                .map(|step| PathJson {
                    zone: step.zone.to_string(),
                    ns: step.ns.iter().map(Name::to_string).collect(),
                })
                .collect(),
        },
        negative_caching: report.negative_caching.as_ref(),
        ses_view: report.ses_view.as_ref(),
        mail_from: report.mail_from.as_ref(),
        dmarc: report.dmarc.as_ref(),
        notes,
        queries: run.queries(),
        discarded_responses: run.discarded_responses(),
        elapsed_ms: millis(run.elapsed),
        trace: with_trace.then(|| run.trace.iter().map(QueryJson::from).collect()),
    }
}

/// How a report ends the process: incomplete → 3, an error finding or a failed verdict → 1,
/// else 0.
pub fn report_outcome(report: &Report) -> Outcome {
    match report.verdict {
        Verdict::Incomplete => Outcome::Incomplete,
        Verdict::Fail => Outcome::Fail,
        Verdict::Pass if report.worst_severity() == Some(Severity::Error) => Outcome::Fail,
        Verdict::Pass => Outcome::Pass,
    }
}

/// What the human report shows.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    /// Colors.
    pub palette: Palette,
    /// Every server's value even when they agree; full key texts.
    pub verbose: bool,
    /// Append every query.
    pub trace: bool,
}

fn verdict_mark(verdict: Verdict, palette: Palette) -> String {
    match verdict {
        Verdict::Pass => palette.paint(Tone::Good, "PASS"),
        Verdict::Fail => palette.paint(Tone::Bad, "FAIL"),
        Verdict::Incomplete => palette.paint(Tone::Warn, "INCOMPLETE"),
    }
}

fn status_mark(status: RecordStatus, palette: Palette) -> String {
    match status {
        RecordStatus::Ok => palette.paint(Tone::Good, "✓"),
        RecordStatus::Unreachable => palette.paint(Tone::Warn, "?"),
        _ => palette.paint(Tone::Bad, "✗"),
    }
}

fn severity_mark(severity: Severity, palette: Palette) -> String {
    match severity {
        Severity::Error => palette.paint(Tone::Bad, "✗ error  "),
        Severity::Warning => palette.paint(Tone::Warn, "! warning"),
        Severity::Info => palette.paint(Tone::Dim, "i info   "),
    }
}

/// What the check was about, in words.
fn check_title(check: &Check) -> String {
    match check {
        Check::Ses { tokens, .. } => {
            let zone = check
                .ses_zone()
                .map(|z| z.to_string_relative())
                .unwrap_or_default();
            format!(
                "Amazon SES Easy DKIM, {} token{}, DKIM zone {zone}",
                tokens.len(),
                if tokens.len() == 1 { "" } else { "s" }
            )
        }
        Check::Selector { selectors, .. } => format!(
            "DKIM selector{} {}",
            if selectors.len() == 1 { "" } else { "s" },
            selectors
                .iter()
                .map(Selector::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The human report: the verdict and its cause in the first line, then what to do (the
/// records as a form asks for them and as zone-file lines, then the other steps), then the
/// details (records per server, findings folded unless `--verbose`, the delegation).
pub fn check_human(run: &CheckRun, notes: &[String], options: HumanOptions) -> String {
    let palette = options.palette;
    let report = &run.report;
    let advice = advise(&run.check, &run.observations, report);
    let mut out = String::new();
    let _ = writeln!(out, "{}", headline(&advice, report.verdict, palette));
    let _ = writeln!(
        out,
        "{}  {}",
        palette.paint(Tone::Strong, &report.domain.to_string_relative()),
        palette.paint(Tone::Dim, &check_title(&run.check))
    );
    for note in notes {
        let _ = writeln!(out, "{} {note}", palette.paint(Tone::Dim, "note:"));
    }
    if let Some(finding) = report
        .findings
        .iter()
        .find(|f| f.code == FindingCode::NetworkUnreachable)
    {
        // Nothing was learned about the domain: the records, servers and delegation would
        // only repeat "no answer" about every one of them.
        out.push('\n');
        for folded in fold_findings(std::slice::from_ref(finding)) {
            write_folded(&mut out, &folded, options);
        }
        let _ = writeln!(
            out,
            "\n{} {}",
            verdict_mark(report.verdict, palette),
            palette.paint(
                Tone::Dim,
                &format!("{} queries in {} ms", run.queries(), millis(run.elapsed))
            )
        );
        return out;
    }

    out.push('\n');
    write_actions(&mut out, &advice, report.verdict, palette);

    if let Some(view) = &report.ses_view {
        out.push('\n');
        let _ = writeln!(
            out,
            "{} {}",
            palette.paint(Tone::Strong, "SES says:"),
            view.summary
        );
    }

    out.push('\n');
    let _ = writeln!(out, "{}", palette.paint(Tone::Strong, "Records"));
    if report.records.is_empty() {
        let _ = writeln!(out, "  (no record to check)");
    }
    for record in &report.records {
        write_record(&mut out, record, options);
    }
    if let Some(mail_from) = &report.mail_from {
        out.push('\n');
        write_mail_from(&mut out, mail_from, options);
    }
    if let Some(dmarc) = &report.dmarc {
        out.push('\n');
        write_dmarc(&mut out, dmarc, options);
    }

    if !report.findings.is_empty() {
        out.push('\n');
        let _ = writeln!(out, "{}", palette.paint(Tone::Strong, "Findings"));
        // --verbose: each finding on its own (a fold of one), with its own words.
        let folded: Vec<FoldedFinding> = if options.verbose {
            report
                .findings
                .iter()
                .flat_map(|f| fold_findings(std::slice::from_ref(f)))
                .collect()
        } else {
            fold_findings(&report.findings)
        };
        for mut folded in folded {
            folded.fix = advice.placed_fix(&folded.fix);
            write_folded(&mut out, &folded, options);
        }
    }

    out.push('\n');
    let _ = writeln!(out, "{}", palette.paint(Tone::Strong, "Delegation"));
    write_delegation(
        &mut out,
        &run.path,
        &run.observations.delegation,
        &report.findings,
        palette,
    );

    if let Some(caching) = &report.negative_caching {
        if report.verdict != Verdict::Pass {
            out.push('\n');
            let _ = writeln!(
                out,
                "{} {}",
                palette.paint(Tone::Dim, "After a fix:"),
                caching.hint
            );
        }
    }

    if options.trace {
        out.push('\n');
        write_trace(&mut out, &run.trace, palette);
    }

    out.push('\n');
    let (errors, warnings) = counts(&report.findings);
    let _ = writeln!(
        out,
        "Verdict: {}  ({} error{}, {} warning{})",
        verdict_mark(report.verdict, palette),
        errors,
        if errors == 1 { "" } else { "s" },
        warnings,
        if warnings == 1 { "" } else { "s" },
    );
    let _ = writeln!(
        out,
        "{}",
        palette.paint(
            Tone::Dim,
            &format!("{} queries in {} ms", run.queries(), millis(run.elapsed))
        )
    );
    out
}

/// The first line: the verdict word colored, then its cause.
fn headline(advice: &Advice, verdict: Verdict, palette: Palette) -> String {
    let word = match verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Incomplete => "INCOMPLETE",
    };
    match advice.summary.strip_prefix(word) {
        Some(rest) => format!("{}{rest}", verdict_mark(verdict, palette)),
        None => advice.summary.clone(),
    }
}

/// "What to do": consecutive record actions at one place as one table (action, name, type,
/// value) and the same records as zone-file lines; every other step as a sentence.
fn write_actions(out: &mut String, advice: &Advice, verdict: Verdict, palette: Palette) {
    let _ = writeln!(out, "{}", palette.paint(Tone::Strong, "What to do"));
    if advice.actions.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            match verdict {
                Verdict::Pass => "Nothing: every record is in place.",
                _ => "Nothing this tool can name; see the findings below.",
            }
        );
        return;
    }
    let mut index = 0;
    let mut step = 0;
    while index < advice.actions.len() {
        let action = &advice.actions[index];
        if action.kind == ActionKind::Step {
            step += 1;
            let _ = writeln!(out, "  {step}. {}", action.text);
            for quirk in &action.quirks {
                let _ = writeln!(out, "     {} {quirk}", palette.paint(Tone::Dim, "note:"));
            }
            index += 1;
            continue;
        }
        let group: Vec<&Action> = advice.actions[index..]
            .iter()
            .take_while(|a| a.kind != ActionKind::Step && a.place == action.place)
            .collect();
        index += group.len();
        step += 1;
        let _ = writeln!(out, "  {step}. In {}:", action.place);
        write_record_table(out, &group, palette);
        let _ = writeln!(
            out,
            "     {}",
            palette.paint(Tone::Dim, "As zone-file lines:")
        );
        for a in &group {
            if let Some(record) = &a.record {
                let _ = writeln!(out, "       {}", record.zone_line);
            }
        }
        let mut quirks: Vec<&String> = Vec::new();
        for quirk in group.iter().flat_map(|a| &a.quirks) {
            if !quirks.contains(&quirk) {
                quirks.push(quirk);
            }
        }
        for quirk in quirks {
            let _ = writeln!(out, "     {} {quirk}", palette.paint(Tone::Dim, "note:"));
        }
    }
}

/// The records of a group as a web form asks for them: action, name, type, value.
fn write_record_table(out: &mut String, group: &[&Action], palette: Palette) {
    let mut rows: Vec<[String; 4]> = Vec::new();
    for action in group {
        for old in &action.delete {
            rows.push([
                "delete".into(),
                old.form_name.clone(),
                old.rtype.clone(),
                old.value
                    .clone()
                    .unwrap_or_else(|| "(whatever it holds)".into()),
            ]);
        }
        if let Some(record) = &action.record {
            let verb = match action.kind {
                ActionKind::Create => "create",
                ActionKind::Change => "change",
                ActionKind::Replace => "create",
                ActionKind::Step => "",
            };
            rows.push([
                verb.into(),
                record.form_name.clone(),
                record.rtype.clone(),
                record.value.as_deref().map_or_else(
                    || match record.rtype.as_str() {
                        "TXT" => "(the key record your provider gives you)".to_string(),
                        _ => "(the value your provider gives you)".to_string(),
                    },
                    |v| v.trim_end_matches('.').to_string(),
                ),
            ]);
        }
    }
    let header = ["", "name", "type", "value"];
    let width = |col: usize| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .chain([header[col].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let _ = writeln!(
        out,
        "     {}",
        palette.paint(
            Tone::Dim,
            format!(
                "{:w0$}  {:w1$}  {:w2$}  {}",
                header[0], header[1], header[2], header[3]
            )
            .trim_end()
        )
    );
    for row in rows {
        let _ = writeln!(
            out,
            "     {:w0$}  {:w1$}  {:w2$}  {}",
            row[0], row[1], row[2], row[3]
        );
    }
}

fn counts(findings: &[Finding]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    (errors, warnings)
}

/// A record's first line: its mark, its name (and what it is), its status.
fn status_line(status: RecordStatus, name: &str, palette: Palette) -> String {
    let tone = if status == RecordStatus::Ok {
        Tone::Good
    } else {
        Tone::Bad
    };
    format!(
        "  {} {name}  {}",
        status_mark(status, palette),
        palette.paint(tone, status.as_str())
    )
}

fn write_record(out: &mut String, record: &RecordReport, options: HumanOptions) {
    let palette = options.palette;
    let mut line = status_line(record.status, &record.name.to_string(), palette);
    if let Some(provider) = &record.provider {
        let _ = write!(
            line,
            "  {}",
            palette.paint(Tone::Dim, &format!("({provider})"))
        );
    }
    let _ = writeln!(out, "{line}");
    let _ = writeln!(
        out,
        "      expected  {}",
        shorten(&record.expected, options.verbose)
    );
    write_found(out, &record.servers, options);
    if let Some(key) = &record.key {
        let mut text = if key.empty {
            "empty (no key published here)".to_string()
        } else {
            match key.bits {
                Some(bits) => format!("{} {bits} bits", key.algorithm),
                None => key.algorithm.clone(),
            }
        };
        if !key.flags.is_empty() {
            let _ = write!(text, ", flags {}", key.flags.join(":"));
        }
        // Under a record that is not right, the key read is the one at the target the record
        // should point to, not something the record reaches today; a key read at the record's
        // own name (a TXT at the selector, no CNAME) is simply there.
        let place = if record.status == RecordStatus::Ok || key.at == record.name {
            "at"
        } else {
            "at the expected target"
        };
        let _ = writeln!(out, "      key       {text} {place} {}", key.at);
    }
}

/// The `found` lines: one value when every server agrees, else one line per server.
fn write_found(out: &mut String, servers: &[ServerValue], options: HumanOptions) {
    let palette = options.palette;
    let first = servers.first().map(|s| &s.value);
    let agree = servers.iter().all(|s| Some(&s.value) == first);
    match first {
        None => {
            let _ = writeln!(out, "      found     (no server was asked)");
        }
        Some(value) if agree && !options.verbose => {
            let servers = servers.len();
            let _ = writeln!(
                out,
                "      found     {}  {}",
                shorten(value, false),
                palette.paint(
                    Tone::Dim,
                    match servers {
                        1 => "(on the only server)".to_string(),
                        2 => "(on both servers)".to_string(),
                        n => format!("(on all {n} servers)"),
                    }
                    .as_str()
                )
            );
        }
        Some(_) => {
            let _ = writeln!(out, "      found");
            for server in servers {
                let mark = if server.correct {
                    palette.paint(Tone::Good, "✓")
                } else {
                    palette.paint(Tone::Bad, "✗")
                };
                let _ = writeln!(
                    out,
                    "        {mark} {}  {}",
                    server.server,
                    shorten(&server.value, options.verbose)
                );
            }
        }
    }
}

/// The custom MAIL FROM domain: its MX and SPF records.
fn write_mail_from(out: &mut String, mail_from: &MailFromReport, options: HumanOptions) {
    let palette = options.palette;
    let _ = writeln!(out, "{}", palette.paint(Tone::Strong, "MAIL FROM"));
    let _ = writeln!(out, "  {}", mail_from.summary);
    if let Some(status) = &mail_from.ses_status {
        let _ = writeln!(
            out,
            "  {}",
            palette.paint(
                Tone::Dim,
                &format!(
                    "SES status {status}, BehaviorOnMxFailure {}",
                    mail_from.behavior_on_mx_failure.as_str()
                )
            )
        );
    }
    let line =
        |status, what: &str| status_line(status, &format!("{} {what}", mail_from.domain), palette);
    let _ = writeln!(out, "{}", line(mail_from.mx.status, "MX"));
    let _ = writeln!(out, "      expected  {}", mail_from.expected_mx);
    write_found(out, &mail_from.mx.servers, options);
    let spf = &mail_from.spf;
    let _ = writeln!(out, "{}", line(spf.status, "TXT (SPF)"));
    let _ = writeln!(
        out,
        "      expected  one v=spf1 record including amazonses.com, at most 10 lookups"
    );
    write_found(out, &spf.servers, options);
    if let Some(lookups) = spf.lookups {
        let _ = writeln!(
            out,
            "      lookups   {}{lookups} of 10, {} void{}",
            if spf.lookups_complete {
                ""
            } else {
                "at least "
            },
            spf.void_lookups,
            if spf.includes.is_empty() {
                String::new()
            } else {
                format!(
                    "; {}",
                    spf.includes
                        .iter()
                        .map(|i| format!(
                            "{}{} ({})",
                            "  ".repeat(i.depth - 1),
                            i.domain,
                            i.outcome
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
    }
}

/// The DMARC policy and the alignment of the mail.
fn write_dmarc(out: &mut String, dmarc: &DmarcReport, options: HumanOptions) {
    let palette = options.palette;
    let _ = writeln!(out, "{}", palette.paint(Tone::Strong, "DMARC"));
    let _ = writeln!(out, "  {}", dmarc.summary);
    let _ = writeln!(
        out,
        "{}",
        status_line(dmarc.status, &dmarc.record_name.to_string(), palette)
    );
    write_found(out, &dmarc.servers, options);
    let _ = writeln!(out, "      DKIM      {}", dmarc.dkim.summary);
    if let Some(spf) = &dmarc.spf {
        let _ = writeln!(out, "      SPF       {}", spf.summary);
    }
    let _ = writeln!(
        out,
        "      {}",
        palette.paint(
            Tone::Dim,
            &format!(
                "organizational domain {} (Public Suffix List)",
                dmarc.organizational_domain.to_string_relative()
            )
        )
    );
}

/// A folded finding: the code once, every name, the first finding's words.
fn write_folded(out: &mut String, folded: &FoldedFinding, options: HumanOptions) {
    let palette = options.palette;
    let names = folded.names.len();
    let mut head = format!(
        "  {} {}",
        severity_mark(folded.severity, palette),
        palette.paint(Tone::Strong, folded.code.as_str()),
    );
    if names == 1 {
        let _ = write!(head, "  {}", folded.names[0]);
    } else {
        let _ = write!(
            head,
            "  {}",
            palette.paint(Tone::Dim, &format!("({names} names)"))
        );
    }
    if let Some(ses) = folded.ses_error_type {
        let _ = write!(
            head,
            "  {}",
            palette.paint(Tone::Dim, &format!("(SES: {})", ses.as_str()))
        );
    }
    let _ = writeln!(out, "{head}");
    if names > 1 {
        for name in &folded.names {
            let _ = writeln!(out, "      {name}");
        }
    }
    let _ = writeln!(out, "      {}", folded.summary);
    if names > 1 {
        let _ = writeln!(
            out,
            "      {}",
            palette.paint(
                Tone::Dim,
                "(the same for each name above; --verbose shows each)"
            )
        );
    }
    if !folded.fix.is_empty() {
        let _ = writeln!(
            out,
            "      {} {}",
            palette.paint(Tone::Strong, "Fix:"),
            folded.fix
        );
    }
    if !folded.servers.is_empty() {
        let servers: Vec<String> = folded.servers.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "      {}",
            palette.paint(Tone::Dim, &format!("seen on {}", servers.join(", ")))
        );
    }
}

/// The path as a compact tree, the last zone with every server and its state.
fn write_delegation(
    out: &mut String,
    path: &[PathStep],
    facts: &ZoneDelegation,
    findings: &[Finding],
    palette: Palette,
) {
    let mut indent = String::from("  ");
    let last_index = path.len().saturating_sub(1);
    for (index, step) in path.iter().enumerate() {
        let branch = if index == 0 { "" } else { "└─ " };
        let mut line = format!("{indent}{branch}{}", step.zone);
        if index < last_index && !step.ns.is_empty() {
            let ns: Vec<String> = step.ns.iter().map(Name::to_string).collect();
            let _ = write!(line, "  {}", palette.paint(Tone::Dim, &ns.join(" ")));
        }
        if index == last_index {
            let _ = write!(line, "  {}", ns_comparison(facts, palette));
        }
        let _ = writeln!(out, "{line}");
        if index > 0 {
            indent.push_str("   ");
        }
    }
    if path.is_empty() {
        let _ = writeln!(out, "  (the zone was not found)");
    }
    let count = facts.servers.len();
    for (index, server) in facts.servers.iter().enumerate() {
        let branch = if index + 1 == count {
            "└─"
        } else {
            "├─"
        };
        // The tree shows what the findings say: a server is marked lame when a
        // `lame-delegation` finding names it, whatever one exchange of the survey met.
        let lame = findings
            .iter()
            .filter(|f| f.code == FindingCode::LameDelegation)
            .find(|f| f.servers.iter().any(|s| s.address == server.address));
        let mark = if server.not_checked.is_some() {
            palette.paint(Tone::Dim, "-")
        } else if lame.is_some() {
            palette.paint(Tone::Bad, "✗")
        } else if server.soa_serial.is_some() {
            palette.paint(Tone::Good, "✓")
        } else {
            palette.paint(Tone::Warn, "?")
        };
        let mut line = format!(
            "{indent}{branch} {mark} {} ({})",
            server.name, server.address
        );
        if let Some(serial) = server.soa_serial {
            let _ = write!(line, "  serial {serial}");
        }
        let mut tags = Vec::new();
        if !server.in_parent && !server.user_named {
            tags.push("not in the parent's NS set");
        }
        if !server.in_child && !server.user_named {
            tags.push("not in the zone's own NS set");
        }
        if server.user_named {
            tags.push(if server.is_delegated() {
                "named with --expect-ns"
            } else {
                "named with --expect-ns, not delegated to"
            });
        }
        if !tags.is_empty() {
            let _ = write!(
                line,
                "  {}",
                palette.paint(Tone::Dim, &format!("({})", tags.join("; ")))
            );
        }
        if let Some(why) = &server.not_checked {
            let _ = write!(line, "  {}", palette.paint(Tone::Dim, why));
        } else if lame.is_some() {
            let reason = facts
                .lame
                .iter()
                .find(|l| l.address == Some(server.address))
                .map_or("see the finding above", |l| l.reason.as_str());
            let _ = write!(
                line,
                "  {}",
                palette.paint(Tone::Bad, &format!("lame: {reason}"))
            );
        }
        let _ = writeln!(out, "{line}");
    }
    for lame in facts.lame.iter().filter(|l| l.address.is_none()) {
        let _ = writeln!(
            out,
            "{indent}   {} {}  {}",
            palette.paint(Tone::Bad, "✗"),
            lame.name,
            palette.paint(Tone::Bad, &lame.reason)
        );
    }
}

/// `NS: parent = apex (2)`, or what differs.
fn ns_comparison(facts: &ZoneDelegation, palette: Palette) -> String {
    let parent = &facts.parent_ns;
    let child = &facts.child_ns;
    if parent.is_empty() && child.is_empty() {
        return palette.paint(Tone::Warn, "(no NS set known)");
    }
    let same = parent.len() == child.len() && parent.iter().all(|n| child.contains(n));
    if same {
        return palette.paint(
            Tone::Dim,
            &format!("(NS at the parent and at the zone agree: {})", parent.len()),
        );
    }
    let names = |list: &[Name]| -> String {
        if list.is_empty() {
            "none".to_string()
        } else {
            list.iter()
                .map(Name::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    palette.paint(
        Tone::Warn,
        &format!(
            "(NS differ: parent says {}; the zone says {})",
            names(parent),
            names(child)
        ),
    )
}

fn write_trace(out: &mut String, trace: &[QueryRecord], palette: Palette) {
    let _ = writeln!(out, "{}", palette.paint(Tone::Strong, "Queries"));
    for query in trace {
        let mut line = format!(
            "  {}  {} {}  → {}",
            query.server, query.question.name, query.question.qtype, query.classification
        );
        if let Some(rcode) = query.rcode() {
            let _ = write!(line, " ({rcode})");
        }
        let _ = writeln!(out, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dkim_rules::FindingCode;

    fn report(verdict: Verdict, severities: &[Severity]) -> Report {
        Report {
            domain: "example.com".parse().unwrap(),
            verdict,
            records: Vec::new(),
            findings: severities
                .iter()
                .map(|severity| Finding {
                    code: FindingCode::RecordMissing,
                    severity: *severity,
                    name: "example.com".parse().unwrap(),
                    servers: Vec::new(),
                    summary: "s".into(),
                    fix: "f".into(),
                    ses_error_type: None,
                })
                .collect(),
            negative_caching: None,
            ses_view: None,
            mail_from: None,
            dmarc: None,
        }
    }

    #[test]
    fn exit_codes_follow_the_verdict_and_error_findings() {
        assert_eq!(report_outcome(&report(Verdict::Pass, &[])), Outcome::Pass);
        assert_eq!(
            report_outcome(&report(Verdict::Pass, &[Severity::Warning, Severity::Info])),
            Outcome::Pass
        );
        assert_eq!(
            report_outcome(&report(Verdict::Pass, &[Severity::Error])),
            Outcome::Fail
        );
        assert_eq!(report_outcome(&report(Verdict::Fail, &[])), Outcome::Fail);
        assert_eq!(
            report_outcome(&report(Verdict::Incomplete, &[Severity::Error])),
            Outcome::Incomplete
        );
    }
}
