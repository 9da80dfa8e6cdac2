//! `trace` output: per zone, the parent's and the child's NS sets and every server's answer;
//! then the final answer.

use std::fmt::Write as _;

use dns_wire::resolver::{Classification, NsSet, QueryRecord, WalkOutcome, ZoneServer};
use dns_wire::{Name, Record};
use serde::Serialize;

use super::{millis, record_line, RecordJson};
use crate::style::{Palette, Tone};
use dns_wire::resolver::{TraceRun, ZoneHop};

/// `trace --json`.
#[derive(Debug, Clone, Serialize)]
pub struct TraceJson {
    /// The name asked.
    pub name: String,
    /// The type asked.
    #[serde(rename = "type")]
    pub rtype: String,
    /// `answer`, `nxdomain`, `nodata` or `failed`.
    pub outcome: &'static str,
    /// Why the walk failed, when it did.
    pub error: Option<String>,
    /// Every zone from the root down.
    pub hops: Vec<HopJson>,
    /// The final answer: CNAMEs followed, then the records of the type asked.
    pub answers: Vec<RecordJson>,
    /// Queries sent.
    pub queries: u64,
    /// Wall time.
    pub elapsed_ms: u64,
}

/// One zone of the path.
#[derive(Debug, Clone, Serialize)]
pub struct HopJson {
    /// The zone.
    pub zone: String,
    /// The name asked of its servers (differs from the name traced after a CNAME).
    pub name: String,
    /// The zone whose servers referred here (`null` for the starting zone).
    pub parent: Option<String>,
    /// The NS set in the parent's referral.
    pub parent_ns: Option<Vec<String>>,
    /// The NS set at the zone's apex.
    pub child_ns: Option<Vec<String>>,
    /// Name servers whose address could not be found.
    pub unresolved: Vec<UnresolvedJson>,
    /// Every server address, with its answer.
    pub servers: Vec<ServerJson>,
}

/// A name server whose address was not found.
#[derive(Debug, Clone, Serialize)]
pub struct UnresolvedJson {
    /// Its name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// One server's answer.
#[derive(Debug, Clone, Serialize)]
pub struct ServerJson {
    /// Host name, when known.
    pub name: Option<String>,
    /// Address asked.
    pub address: String,
    /// Listed in the parent's NS set.
    pub in_parent: bool,
    /// Listed in the apex NS set.
    pub in_child: bool,
    /// Its SOA serial for the zone, when it answered the SOA query.
    pub serial: Option<u32>,
    /// What the answer meant: `answer`, `referral to com.`, `NXDOMAIN`, `lame: REFUSED`...
    pub result: String,
    /// Response code, when a response came.
    pub rcode: Option<String>,
    /// AA flag, when a response came.
    pub authoritative: Option<bool>,
    /// Round-trip time in milliseconds, when a response came.
    pub rtt_ms: Option<f64>,
    /// Why no usable response came.
    pub error: Option<String>,
    /// Answer section.
    pub answer: Vec<RecordJson>,
    /// Authority section.
    pub authority: Vec<RecordJson>,
}

/// The outcome word used in JSON and in the human summary.
fn outcome_word(outcome: &WalkOutcome) -> &'static str {
    match outcome {
        WalkOutcome::Answer(_) | WalkOutcome::Alias => "answer",
        WalkOutcome::NxDomain { .. } => "nxdomain",
        WalkOutcome::NoData { .. } => "nodata",
        WalkOutcome::Failed(_) => "failed",
    }
}

/// Whether the walk reached an authoritative result (answer, NXDOMAIN, NODATA).
pub fn trace_completed(run: &TraceRun) -> bool {
    !matches!(run.lookup.outcome, WalkOutcome::Failed(_))
}

/// The final records: the CNAME chain, then the answer.
fn final_records(run: &TraceRun) -> Vec<&Record> {
    let mut records: Vec<&Record> = run.lookup.chain.iter().map(|step| &step.record).collect();
    if let WalkOutcome::Answer(answer) = &run.lookup.outcome {
        records.extend(answer.iter());
    }
    records
}

fn names(set: &Option<NsSet>) -> Option<Vec<String>> {
    set.as_ref()
        .map(|s| s.names.iter().map(Name::to_string).collect())
}

/// The survey entry of the server that gave `answer` (same address).
fn zone_server<'a>(hop: &'a ZoneHop, answer: &QueryRecord) -> Option<&'a ZoneServer> {
    hop.survey
        .servers
        .iter()
        .find(|s| s.server.ip == answer.server.ip)
}

/// `trace --json`.
pub fn trace_json(run: &TraceRun) -> TraceJson {
    let hops = run
        .hops
        .iter()
        .map(|hop| HopJson {
            zone: hop.survey.zone.to_string(),
            name: hop.qname.to_string(),
            parent: hop.survey.delegation.parent.as_ref().map(Name::to_string),
            parent_ns: names(&hop.survey.parent_ns),
            child_ns: names(&hop.survey.child_ns),
            unresolved: hop
                .survey
                .unresolved
                .iter()
                .map(|(name, reason)| UnresolvedJson {
                    name: name.to_string(),
                    reason: reason.clone(),
                })
                .collect(),
            servers: hop
                .answers
                .iter()
                .map(|answer| {
                    let surveyed = zone_server(hop, answer);
                    let response = answer.result.as_ref().ok();
                    ServerJson {
                        name: answer.server.name.as_ref().map(Name::to_string),
                        address: answer.server.ip.to_string(),
                        in_parent: surveyed.is_some_and(|s| s.in_parent),
                        in_child: surveyed.is_some_and(|s| s.in_child),
                        serial: surveyed.and_then(ZoneServer::serial),
                        result: answer.classification.to_string(),
                        rcode: answer.rcode().map(|r| r.to_string()),
                        authoritative: response.map(|e| e.response.header.authoritative),
                        rtt_ms: answer
                            .rtt()
                            .map(|d| (d.as_secs_f64() * 10_000.0).round() / 10.0),
                        error: answer.error().map(|e| e.to_string()),
                        answer: response
                            .map(|e| e.response.answers.iter().map(RecordJson::from).collect())
                            .unwrap_or_default(),
                        authority: response
                            .map(|e| e.response.authority.iter().map(RecordJson::from).collect())
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    TraceJson {
        name: run.question.name.to_string(),
        rtype: run.question.qtype.to_string(),
        outcome: outcome_word(&run.lookup.outcome),
        error: trace_failure(run),
        hops,
        answers: final_records(run)
            .into_iter()
            .map(RecordJson::from)
            .collect(),
        queries: run.queries,
        elapsed_ms: millis(run.elapsed),
    }
}

/// The human trace.
pub fn trace_human(run: &TraceRun, palette: Palette, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} {}, from the root down, every server of every zone asked",
        palette.paint(Tone::Strong, "Trace of"),
        palette.paint(Tone::Strong, &run.question.name.to_string()),
        run.question.qtype,
    );
    for hop in &run.hops {
        out.push('\n');
        write_hop(&mut out, run, hop, palette, verbose);
    }
    out.push('\n');
    write_final(&mut out, run, palette, verbose);
    let servers: usize = run.hops.iter().map(|h| h.answers.len()).sum();
    let _ = writeln!(
        out,
        "{}",
        palette.paint(
            Tone::Dim,
            &format!(
                "{} zones, {} server addresses, {} queries, {} ms",
                run.hops.len(),
                servers,
                run.queries,
                millis(run.elapsed)
            )
        )
    );
    out
}

fn write_hop(out: &mut String, run: &TraceRun, hop: &ZoneHop, palette: Palette, verbose: bool) {
    let survey = &hop.survey;
    let mut title = palette.paint(Tone::Strong, &survey.zone.to_string());
    match &survey.delegation.parent {
        Some(parent) => {
            let _ = write!(title, "  delegated by {parent}");
        }
        None if survey.zone.is_root() => title.push_str("  (root)"),
        None => title.push_str("  (where the walk starts)"),
    }
    if hop.qname != run.question.name {
        let _ = write!(title, "  asked for {}", hop.qname);
    }
    let _ = writeln!(out, "{title}");

    let parent = names(&survey.parent_ns);
    let child = names(&survey.child_ns);
    if let Some(parent) = &parent {
        let _ = writeln!(out, "  NS at the parent: {}", parent.join(" "));
    }
    match (&survey.parent_ns, &survey.child_ns) {
        (_, None) => {
            let _ = writeln!(
                out,
                "  NS at the apex:   {}",
                palette.paint(Tone::Bad, "no server answered the NS query")
            );
        }
        (Some(p), Some(c)) if p.same_names(c) => {
            let _ = writeln!(
                out,
                "  NS at the apex:   {} {}",
                child.unwrap_or_default().join(" "),
                palette.paint(Tone::Good, "(same)")
            );
        }
        (Some(p), Some(c)) => {
            let only_parent: Vec<String> = p
                .names
                .iter()
                .filter(|n| !c.names.contains(n))
                .map(Name::to_string)
                .collect();
            let only_child: Vec<String> = c
                .names
                .iter()
                .filter(|n| !p.names.contains(n))
                .map(Name::to_string)
                .collect();
            let mut diff = Vec::new();
            if !only_parent.is_empty() {
                diff.push(format!("only at the parent: {}", only_parent.join(" ")));
            }
            if !only_child.is_empty() {
                diff.push(format!("only at the apex: {}", only_child.join(" ")));
            }
            let _ = writeln!(
                out,
                "  NS at the apex:   {} {}",
                child.unwrap_or_default().join(" "),
                palette.paint(Tone::Warn, &format!("(differs; {})", diff.join("; ")))
            );
        }
        (None, Some(_)) => {
            let _ = writeln!(
                out,
                "  NS at the apex:   {}",
                child.unwrap_or_default().join(" ")
            );
        }
    }
    for (name, reason) in &survey.unresolved {
        let _ = writeln!(
            out,
            "  {} {name}: no address ({reason})",
            palette.paint(Tone::Bad, "✗")
        );
    }

    let count = hop.answers.len();
    let mut previous: Option<(&QueryRecord, String)> = None;
    for (index, answer) in hop.answers.iter().enumerate() {
        let last = index + 1 == count;
        let branch = if last { "└─" } else { "├─" };
        let rail = if last { "   " } else { "│  " };
        let surveyed = zone_server(hop, answer);
        let mut line = format!("  {branch} {}", answer.server);
        if let Some(serial) = surveyed.and_then(ZoneServer::serial) {
            let _ = write!(line, "  serial {serial}");
        }
        let tone = match &answer.classification {
            Classification::Answer | Classification::Cname { .. } => Tone::Good,
            Classification::Referral { .. } => Tone::Dim,
            Classification::NxDomain | Classification::NoData => Tone::Warn,
            Classification::Lame(_) | Classification::Throwaway(_) => Tone::Bad,
        };
        let _ = write!(
            line,
            "  {}",
            palette.paint(tone, &answer.classification.to_string())
        );
        if verbose {
            if let Some(rtt) = answer.rtt() {
                let _ = write!(line, "  {:.1} ms", rtt.as_secs_f64() * 1000.0);
            }
        }
        let _ = writeln!(out, "{line}");
        if let Some(error) = answer.error() {
            let _ = writeln!(
                out,
                "  {rail}   {}",
                palette.paint(Tone::Dim, &error.to_string())
            );
        }
        let records = shown_records(answer, verbose);
        let text: Vec<String> = records.iter().map(|r| record_line(r, verbose)).collect();
        let joined = text.join("\n");
        match &previous {
            Some((prev, prev_text))
                if !joined.is_empty()
                    && *prev_text == joined
                    && prev.classification == answer.classification =>
            {
                let _ = writeln!(
                    out,
                    "  {rail}   {}",
                    palette.paint(Tone::Dim, "(same records as above)")
                );
            }
            _ => {
                for line in &text {
                    let _ = writeln!(out, "  {rail}   {line}");
                }
            }
        }
        previous = Some((answer, joined));
    }
}

/// The records worth showing under a server: the answer section for answers (and CNAMEs);
/// nothing for referrals (the next zone lists the NS set) unless verbose.
fn shown_records(answer: &QueryRecord, verbose: bool) -> Vec<&Record> {
    let Ok(exchange) = &answer.result else {
        return Vec::new();
    };
    match answer.classification {
        Classification::Answer | Classification::Cname { .. } => {
            exchange.response.answers.iter().collect()
        }
        Classification::NxDomain | Classification::NoData if verbose => {
            exchange.response.authority.iter().collect()
        }
        _ if verbose => exchange.response.records().collect(),
        _ => Vec::new(),
    }
}

fn write_final(out: &mut String, run: &TraceRun, palette: Palette, verbose: bool) {
    let records = final_records(run);
    match &run.lookup.outcome {
        WalkOutcome::Answer(_) | WalkOutcome::Alias => {
            let _ = writeln!(out, "{}", palette.paint(Tone::Good, "Answer:"));
        }
        WalkOutcome::NxDomain { .. } => {
            let _ = writeln!(
                out,
                "{} {} does not exist (NXDOMAIN)",
                palette.paint(Tone::Warn, "Answer:"),
                run.lookup.final_name
            );
        }
        WalkOutcome::NoData { .. } => {
            let _ = writeln!(
                out,
                "{} {} exists but has no {} record (NODATA)",
                palette.paint(Tone::Warn, "Answer:"),
                run.lookup.final_name,
                run.question.qtype
            );
        }
        WalkOutcome::Failed(_) => {
            let why = trace_failure(run).unwrap_or_default();
            let _ = writeln!(out, "{} {why}", palette.paint(Tone::Bad, "No answer:"));
        }
    }
    for record in records {
        let _ = writeln!(out, "  {}", record_line(record, verbose));
    }
}

/// Why the walk ended without an answer, in one sentence, if it did.
fn trace_failure(run: &TraceRun) -> Option<String> {
    match (&run.network, &run.lookup.outcome) {
        (Some(cause), _) => Some(format!(
            "this machine cannot reach DNS servers directly ({cause}); outbound UDP and TCP port 53 seem blocked or there is no network: try another network, --resolver ADDRESS or --roots ADDRESS"
        )),
        (None, WalkOutcome::Failed(error)) => Some(error.to_string()),
        _ => None,
    }
}
