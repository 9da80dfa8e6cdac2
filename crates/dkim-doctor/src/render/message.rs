//! The report of `message`: the JSON document and the human text (shape documented in the
//! README).

use std::fmt::Write as _;
use std::time::Duration;

use dkim_rules::message::{
    DmarcView, MessageReport, MessageSummary, SignatureReport, SignatureResult,
};
use dkim_rules::Verdict;
use dns_wire::Name;
use serde::Serialize;

use super::millis;
use super::report::{check_human, check_json, CheckJson, HumanOptions};
use crate::style::Tone;
use dkim_rules::{CheckRun, Selector};

/// The selector check run for one (`d=`, `s=`).
#[derive(Debug, Clone)]
pub struct KeyRun {
    /// `d=`.
    pub domain: Name,
    /// `s=`.
    pub selector: Selector,
    /// The check.
    pub run: CheckRun,
}

impl KeyRun {
    fn matches(&self, signature: &SignatureReport) -> bool {
        signature.selector.as_deref() == Some(self.selector.as_str())
            && signature
                .domain
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(&self.domain.to_string_relative()))
    }
}

/// `message --json`.
#[derive(Debug, Clone, Serialize)]
pub struct MessageJson<'a> {
    /// Always `message`.
    pub check: &'static str,
    /// `pass`, `fail` or `incomplete`.
    pub verdict: Verdict,
    /// The message in brief.
    pub message: &'a MessageSummary,
    /// DMARC alignment of the passing signatures.
    pub dmarc: &'a DmarcView,
    /// One per DKIM-Signature.
    pub signatures: Vec<SignatureJson<'a>>,
    /// How the input was read.
    pub notes: &'a [String],
    /// Queries of all the key checks.
    pub queries: u64,
    /// Wall time.
    pub elapsed_ms: u64,
}

/// One signature, with the selector check of its key.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureJson<'a> {
    /// The verification.
    #[serde(flatten)]
    pub report: &'a SignatureReport,
    /// The `selector` report for `d=`/`s=` (null when the signature names no key).
    pub dns: Option<CheckJson<'a>>,
}

/// The JSON document.
pub fn message_json<'a>(
    report: &'a MessageReport,
    runs: &'a [KeyRun],
    with_trace: bool,
    elapsed: Duration,
) -> MessageJson<'a> {
    MessageJson {
        check: "message",
        verdict: report.verdict,
        message: &report.message,
        dmarc: &report.dmarc,
        signatures: report
            .signatures
            .iter()
            .map(|s| SignatureJson {
                report: s,
                dns: runs
                    .iter()
                    .find(|k| k.matches(s))
                    .map(|k| check_json(&k.run, &[], with_trace)),
            })
            .collect(),
        notes: &report.notes,
        queries: runs.iter().map(|k| k.run.queries()).sum(),
        elapsed_ms: millis(elapsed),
    }
}

/// The human report.
pub fn message_human(
    report: &MessageReport,
    runs: &[KeyRun],
    options: HumanOptions,
    elapsed: Duration,
) -> String {
    let palette = options.palette;
    let mut out = String::new();
    let summary = &report.message;
    let _ = writeln!(
        out,
        "{}  {}",
        palette.paint(Tone::Strong, "Message"),
        palette.paint(
            Tone::Dim,
            &format!(
                "{} bytes, {}, {} DKIM signature{}",
                summary.bytes,
                match summary.format {
                    dkim_rules::message::SourceFormat::Eml => "RFC 5322",
                    dkim_rules::message::SourceFormat::Mbox => "mbox",
                },
                summary.signatures,
                if summary.signatures == 1 { "" } else { "s" }
            )
        )
    );
    if let Some(from) = &summary.from {
        let _ = writeln!(out, "  From     {from}");
    }
    if let Some(subject) = &summary.subject {
        let _ = writeln!(out, "  Subject  {subject}");
    }
    if let Some(list) = &summary.list_id {
        let _ = writeln!(out, "  List-Id  {list}");
    }
    for note in &report.notes {
        let _ = writeln!(out, "{} {note}", palette.paint(Tone::Dim, "note:"));
    }

    for signature in &report.signatures {
        out.push('\n');
        write_signature(&mut out, signature, runs, options);
    }

    out.push('\n');
    let dmarc_tone = if report.dmarc.relaxed {
        Tone::Good
    } else {
        Tone::Bad
    };
    let _ = writeln!(
        out,
        "{} {}",
        palette.paint(dmarc_tone, "DMARC:"),
        report.dmarc.summary
    );
    out.push('\n');
    let passed = report
        .signatures
        .iter()
        .filter(|s| s.result == SignatureResult::Pass)
        .count();
    let verdict = match report.verdict {
        Verdict::Pass => palette.paint(Tone::Good, "PASS"),
        Verdict::Fail => palette.paint(Tone::Bad, "FAIL"),
        Verdict::Incomplete => palette.paint(Tone::Warn, "INCOMPLETE"),
    };
    let _ = writeln!(
        out,
        "Verdict: {verdict}  (signatures passing: {passed} of {})",
        report.signatures.len()
    );
    let queries: u64 = runs.iter().map(|k| k.run.queries()).sum();
    let _ = writeln!(
        out,
        "{}",
        palette.paint(
            Tone::Dim,
            &format!("{queries} queries in {} ms", millis(elapsed))
        )
    );
    out
}

fn write_signature(
    out: &mut String,
    signature: &SignatureReport,
    runs: &[KeyRun],
    options: HumanOptions,
) {
    let palette = options.palette;
    let (mark, word) = match signature.result {
        SignatureResult::Pass => (
            palette.paint(Tone::Good, "✓"),
            palette.paint(Tone::Good, "pass"),
        ),
        SignatureResult::Fail => (
            palette.paint(Tone::Bad, "✗"),
            palette.paint(Tone::Bad, "fail"),
        ),
        SignatureResult::Incomplete => (
            palette.paint(Tone::Warn, "?"),
            palette.paint(Tone::Warn, "incomplete"),
        ),
    };
    let reason = signature
        .reason
        .map(|r| format!(" {}", r.as_str()))
        .unwrap_or_default();
    let tags = [
        signature.domain.as_ref().map(|d| format!("d={d}")),
        signature.selector.as_ref().map(|s| format!("s={s}")),
        signature.algorithm.clone(),
        signature.canonicalization.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let _ = writeln!(
        out,
        "{} {}  {}  {word}{reason}",
        mark,
        palette.paint(Tone::Strong, &format!("Signature {}", signature.index)),
        tags
    );
    let _ = writeln!(out, "    {}", signature.summary);
    for problem in signature.problems.iter().skip(1) {
        let _ = writeln!(
            out,
            "    {} {}: {}",
            palette.paint(Tone::Bad, "also"),
            problem.code.as_str(),
            problem.summary
        );
    }
    for warning in &signature.warnings {
        let _ = writeln!(
            out,
            "    {} {warning}",
            palette.paint(Tone::Warn, "! warning")
        );
    }
    if let Some(alignment) = signature.alignment {
        if signature.result == SignatureResult::Pass {
            let yes_no = |b: bool| if b { "yes" } else { "no" };
            let _ = writeln!(
                out,
                "    DMARC alignment with From: relaxed {}, strict {}",
                yes_no(alignment.relaxed),
                yes_no(alignment.strict)
            );
        }
    }
    if let Some(key) = &signature.key {
        let servers: Vec<String> = key
            .servers
            .iter()
            .map(|s| format!("{} {}", s.server.name, s.outcome))
            .collect();
        let _ = writeln!(
            out,
            "    {} {}{}{}",
            palette.paint(Tone::Dim, "key:"),
            key.name,
            key.key
                .as_ref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default(),
            if servers.is_empty() {
                String::new()
            } else {
                format!("; {}", servers.join(", "))
            }
        );
    }
    if let Some(fix) = &signature.fix {
        let _ = writeln!(out, "    {} {fix}", palette.paint(Tone::Strong, "fix:"));
    }
    let about_key = signature.reason.is_some_and(|r| r.is_about_key());
    if about_key || options.verbose {
        if let Some(key_run) = runs.iter().find(|k| k.matches(signature)) {
            let _ = writeln!(
                out,
                "    {}",
                palette.paint(
                    Tone::Strong,
                    "DNS diagnosis of the key (as `selector` gives it):"
                )
            );
            for line in check_human(&key_run.run, &[], options).lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
}
