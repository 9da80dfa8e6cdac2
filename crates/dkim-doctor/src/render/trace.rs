//! `trace` output: per zone, the parent's and the child's NS sets and every server's answer;
//! then the final answer. With DNSSEC (the default), per zone the DS at the parent and the
//! DNSKEYs at the zone, and per server whether its keys and its answer validated, as DNSViz's
//! text output shows them.

use std::fmt::Write as _;

use dns_wire::dnssec::{algorithm_mnemonic, digest_mnemonic, Security};
use dns_wire::resolver::{
    Classification, DsSource, NsSet, PathSecurity, QueryRecord, ServerSecurity, WalkOutcome,
    ZoneSecurity, ZoneServer,
};
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
    /// DNSSEC of the final answer; `null` with `--no-dnssec` or through `--resolver`.
    pub dnssec: Option<TraceDnssecJson>,
}

/// A DNSSEC status: `secure`, `insecure`, `bogus`, `indeterminate` (or, for the whole trace,
/// `not-checked`), and why when it is not secure.
#[derive(Debug, Clone, Serialize)]
pub struct StatusJson {
    /// The status word.
    pub status: &'static str,
    /// Why, in one sentence (`null` when secure).
    pub reason: Option<String>,
}

/// A status as its word and its reason (none when secure).
fn status_parts(security: &Security) -> (&'static str, Option<String>) {
    match security {
        Security::Secure => ("secure", None),
        Security::Insecure(r) => ("insecure", Some(r.to_string())),
        Security::Bogus(r) => ("bogus", Some(r.to_string())),
        Security::Indeterminate(r) => ("indeterminate", Some(r.to_string())),
    }
}

impl From<&Security> for StatusJson {
    fn from(security: &Security) -> Self {
        let (status, reason) = status_parts(security);
        StatusJson { status, reason }
    }
}

/// DNSSEC of the whole trace.
#[derive(Debug, Clone, Serialize)]
pub struct TraceDnssecJson {
    /// The final answer as a validating resolver sees it (bogus if any server of the zone
    /// that answered gave a bogus answer).
    #[serde(flatten)]
    pub answer: StatusJson,
    /// The validation time, seconds since the Unix epoch (`null` when not checked).
    pub validation_time: Option<u64>,
    /// Signature verifications done.
    pub signatures_checked: u32,
}

impl TraceDnssecJson {
    /// DNSSEC was on but could not be checked (a private root without its anchor).
    pub fn not_checked(why: &str) -> Self {
        TraceDnssecJson {
            answer: StatusJson {
                status: "not-checked",
                reason: Some(why.to_string()),
            },
            validation_time: None,
            signatures_checked: 0,
        }
    }
}

/// DNSSEC of one zone of the path.
#[derive(Debug, Clone, Serialize)]
pub struct HopDnssecJson {
    /// The zone's keys: bogus if any server's are, else secure if one server's are, else the
    /// first server's status.
    #[serde(flatten)]
    pub status: StatusJson,
    /// Where the zone's entry keys come from: `anchor`, `parent` (the DS there), `no-ds`
    /// (the parent has none) or `none` (above the trust anchor).
    pub ds_source: &'static str,
    /// The DS records at the parent (or the anchor's).
    pub ds: Vec<DsJson>,
    /// The DNSKEYs the zone's servers publish.
    pub dnskeys: Vec<DnskeyJson>,
}

/// A DS record.
#[derive(Debug, Clone, Serialize)]
pub struct DsJson {
    /// Key tag of the key it names.
    pub key_tag: u16,
    /// DNSKEY algorithm number.
    pub algorithm: u8,
    /// Algorithm mnemonic, when known.
    pub algorithm_name: Option<&'static str>,
    /// Digest type.
    pub digest_type: u8,
    /// Whether a DNSKEY of the zone matches it.
    pub matches_key: bool,
}

/// A DNSKEY record.
#[derive(Debug, Clone, Serialize)]
pub struct DnskeyJson {
    /// Key tag.
    pub key_tag: u16,
    /// Algorithm number.
    pub algorithm: u8,
    /// Algorithm mnemonic, when known.
    pub algorithm_name: Option<&'static str>,
    /// Flags field.
    pub flags: u16,
    /// SEP flag (a key-signing key).
    pub sep: bool,
    /// Revoked (RFC 5011).
    pub revoked: bool,
    /// Named by a DS at the parent or a trust anchor.
    pub matched_by_ds: bool,
}

/// One server's DNSSEC.
#[derive(Debug, Clone, Serialize)]
pub struct ServerDnssecJson {
    /// The zone's DNSKEY set as this server serves it.
    pub keys: StatusJson,
    /// Its answer (for a referral: the delegation it gave), when it answered usably.
    pub answer: Option<StatusJson>,
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
    /// The chain of trust at this zone; `null` when DNSSEC was not checked.
    pub dnssec: Option<HopDnssecJson>,
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
    /// Whether its DNSSEC validated; `null` when DNSSEC was not checked.
    pub dnssec: Option<ServerDnssecJson>,
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

fn hop_dnssec(zone: &ZoneSecurity) -> HopDnssecJson {
    HopDnssecJson {
        status: StatusJson::from(&zone.security),
        ds_source: match zone.ds_source {
            DsSource::Anchor => "anchor",
            DsSource::Parent(_) => "parent",
            DsSource::NoDs(_) => "no-ds",
            DsSource::None => "none",
        },
        ds: zone
            .ds
            .iter()
            .map(|d| DsJson {
                key_tag: d.key_tag,
                algorithm: d.algorithm,
                algorithm_name: algorithm_mnemonic(d.algorithm),
                digest_type: d.digest_type,
                matches_key: d.matches_key,
            })
            .collect(),
        dnskeys: zone
            .keys
            .iter()
            .map(|k| DnskeyJson {
                key_tag: k.key_tag,
                algorithm: k.algorithm,
                algorithm_name: algorithm_mnemonic(k.algorithm),
                flags: k.flags,
                sep: k.sep(),
                revoked: k.revoked(),
                matched_by_ds: k.matched_by_ds,
            })
            .collect(),
    }
}

/// The DNSSEC of the server that gave `answer` at hop `index`.
fn server_security<'a>(
    dnssec: Option<&'a PathSecurity>,
    index: usize,
    answer: &QueryRecord,
) -> Option<&'a ServerSecurity> {
    dnssec?
        .zones
        .get(index)?
        .servers
        .iter()
        .find(|s| s.server == answer.server)
}

/// `trace --json`.
pub fn trace_json(run: &TraceRun) -> TraceJson {
    let dnssec = run.dnssec.as_ref();
    let hops = run
        .hops
        .iter()
        .enumerate()
        .map(|(index, hop)| HopJson {
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
                        dnssec: server_security(dnssec, index, answer).map(|s| ServerDnssecJson {
                            keys: StatusJson::from(&s.keys),
                            answer: s.answer.as_ref().map(StatusJson::from),
                        }),
                    }
                })
                .collect(),
            dnssec: dnssec.and_then(|d| d.zones.get(index)).map(hop_dnssec),
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
        dnssec: dnssec.map(|d| TraceDnssecJson {
            answer: StatusJson::from(&d.answer),
            validation_time: Some(d.now),
            signatures_checked: d.usage.signatures + d.usage.remembered,
        }),
    }
}

/// The human trace; `not_checked` says why DNSSEC was on but not validated, if it was.
pub fn trace_human(
    run: &TraceRun,
    palette: Palette,
    verbose: bool,
    not_checked: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} {}, from the root down, every server of every zone asked",
        palette.paint(Tone::Strong, "Trace of"),
        palette.paint(Tone::Strong, &run.question.name.to_string()),
        run.question.qtype,
    );
    for (index, hop) in run.hops.iter().enumerate() {
        out.push('\n');
        let dnssec = run.dnssec.as_ref().and_then(|d| d.zones.get(index));
        write_hop(&mut out, run, hop, dnssec, palette, verbose);
    }
    out.push('\n');
    write_final(&mut out, run, palette, verbose);
    match (&run.dnssec, not_checked) {
        (Some(dnssec), _) => {
            let when = jiff::Timestamp::from_second(dnssec.now as i64)
                .map(|t| t.to_string())
                .unwrap_or_else(|_| dnssec.now.to_string());
            let _ = writeln!(
                out,
                "{} {}",
                palette.paint(Tone::Strong, "DNSSEC:"),
                painted_security(&dnssec.answer, palette)
            );
            let _ = writeln!(
                out,
                "  {}",
                palette.paint(
                    Tone::Dim,
                    &format!(
                        "validated at {when}, {} signatures checked",
                        dnssec.usage.signatures + dnssec.usage.remembered
                    )
                )
            );
        }
        (None, Some(why)) => {
            let _ = writeln!(
                out,
                "{} {}",
                palette.paint(Tone::Strong, "DNSSEC:"),
                palette.paint(Tone::Dim, &format!("not checked: {why}"))
            );
        }
        (None, None) => {}
    }
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

/// The color of a status.
fn security_tone(security: &Security) -> Tone {
    match security {
        Security::Secure => Tone::Good,
        Security::Insecure(_) => Tone::Dim,
        Security::Indeterminate(_) => Tone::Warn,
        Security::Bogus(_) => Tone::Bad,
    }
}

/// A status as a word and its reason, colored by how it validates.
fn painted_security(security: &Security, palette: Palette) -> String {
    palette.paint(security_tone(security), &security.to_string())
}

/// The chain of trust at one zone: its status, the DS at the parent, the DNSKEYs.
fn write_zone_dnssec(out: &mut String, zone: &ZoneSecurity, palette: Palette) {
    let source = match &zone.ds_source {
        DsSource::Anchor => "keys from the trust anchor".to_string(),
        DsSource::Parent(p) => format!("keys from the DS at {p}"),
        DsSource::NoDs(p) => format!("no DS at {p}"),
        DsSource::None => "no trust anchor above".to_string(),
    };
    let _ = writeln!(
        out,
        "  DNSSEC:           {}  {}",
        painted_security(&zone.security, palette),
        palette.paint(Tone::Dim, &format!("({source})"))
    );
    let algorithm = |a: u8| match algorithm_mnemonic(a) {
        Some(name) => format!("{name} ({a})"),
        None => format!("algorithm {a}"),
    };
    let label = match &zone.ds_source {
        DsSource::Anchor => "  DS (anchor):      ".to_string(),
        // Aligned with the other labels, and never run into the record after a long name.
        DsSource::Parent(p) | DsSource::NoDs(p) => format!("  {:<17} ", format!("DS at {p}:")),
        DsSource::None => "  DS:               ".to_string(),
    };
    // An anchor given as a DNSKEY has no DS: the key itself is marked.
    if zone.ds.is_empty() && matches!(zone.ds_source, DsSource::Parent(_) | DsSource::NoDs(_)) {
        let _ = writeln!(out, "{label}{}", palette.paint(Tone::Dim, "none"));
    }
    for (i, ds) in zone.ds.iter().enumerate() {
        let digest = digest_mnemonic(ds.digest_type)
            .map_or(format!("digest {}", ds.digest_type), |d| {
                format!("{d} ({})", ds.digest_type)
            });
        let mark = if ds.matches_key {
            palette.paint(Tone::Good, "✓ matches a DNSKEY")
        } else {
            palette.paint(Tone::Bad, "✗ matches no DNSKEY")
        };
        let lead = if i == 0 {
            label.clone()
        } else {
            " ".repeat(20)
        };
        let _ = writeln!(
            out,
            "{lead}key {} {} {digest}  {mark}",
            ds.key_tag,
            algorithm(ds.algorithm)
        );
    }
    if zone.keys.is_empty() {
        let _ = writeln!(
            out,
            "  DNSKEY:           {}",
            palette.paint(Tone::Dim, "none")
        );
    }
    for (i, key) in zone.keys.iter().enumerate() {
        let mut role = if key.sep() { "SEP (KSK)" } else { "ZSK" }.to_string();
        if !key.zone_key() {
            role = "not a zone key".to_string();
        }
        if key.revoked() {
            role.push_str(", revoked");
        }
        let lead = if i == 0 {
            "  DNSKEY:           "
        } else {
            "                    "
        };
        let named = if key.matched_by_ds {
            let by = match zone.ds_source {
                DsSource::Anchor => "← trust anchor",
                _ => "← DS",
            };
            format!("  {}", palette.paint(Tone::Good, by))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{lead}key {} {} flags {} {role}{named}",
            key.key_tag,
            algorithm(key.algorithm),
            key.flags
        );
    }
}

fn write_hop(
    out: &mut String,
    run: &TraceRun,
    hop: &ZoneHop,
    dnssec: Option<&ZoneSecurity>,
    palette: Palette,
    verbose: bool,
) {
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
    if let Some(zone) = dnssec {
        write_zone_dnssec(out, zone, palette);
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
        // A server that gave no usable answer has nothing to validate: no word.
        let shown = dnssec
            .and_then(|z| z.servers.iter().find(|s| s.server == answer.server))
            .and_then(|s| s.answer.as_ref());
        if let Some(shown) = shown {
            let word = status_parts(shown).0;
            let _ = write!(line, "  · {}", palette.paint(security_tone(shown), word));
        }
        let _ = writeln!(out, "{line}");
        if let Some(shown) = shown {
            // The zone's own failure is said once, above the servers.
            let zone_says = dnssec.is_some_and(|z| &z.security == shown);
            if (!matches!(shown, Security::Secure | Security::Insecure(_)) || verbose) && !zone_says
            {
                if let Some(reason) = status_parts(shown).1 {
                    let _ = writeln!(
                        out,
                        "  {rail}   {}",
                        palette.paint(Tone::Dim, &format!("DNSSEC: {reason}"))
                    );
                }
            }
        }
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
        // The signatures are summed up by the DNSSEC word on the server's line.
        Classification::Answer | Classification::Cname { .. } if !verbose => exchange
            .response
            .answers
            .iter()
            .filter(|r| r.rtype() != dns_wire::RecordType::RRSIG)
            .collect(),
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
