//! Runs a check: the probes `dkim-rules` asks for, each asked of every authoritative server
//! through the resolver, the answers turned into `dkim-rules` observations, then the
//! diagnosis. This module only moves data between the two crates; what to ask and what the
//! answers mean are decided by them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use dkim_rules::{
    diagnose, follow_up_probes, probes, Check, Delegation, LameServer, NetworkProblem,
    NetworkProblemKind, Observations, ObservedRecord, Outcome as RulesOutcome, Probe,
    ProbeObservation, ProbePurpose, QueryError as RulesQueryError, ReducedCheck, Report, Response,
    ServerAnswer, ServerInfo, ServerRef, TargetOutcome, TargetResolution, ZoneSoa,
};
use dns_wire::resolver::{
    Classification, LameReason, Outcome as WalkOutcome, QueryPurpose, QueryRecord, Resolver,
    ServerAddr, Trace, WalkResult, ZoneSurvey,
};
use dns_wire::transport::{LocalCause, NoNetwork, QueryError};
use dns_wire::{Name, Question, RData, Rcode, RecordType};
use tokio::task::JoinSet;

/// Rounds of follow-up probes at most: targets found in the first answers are asked in the
/// second round, chains that end in yet another zone in the third. `dkim-rules` never asks
/// the same probe twice, so the rounds end anyway; the bound is a safety net.
const MAX_ROUNDS: usize = 4;

/// One zone cut on the way to the zone that holds the DKIM names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    /// The zone.
    pub zone: Name,
    /// Its NS set as its parent gives it (the root: the root servers' names, if known).
    pub ns: Vec<Name>,
}

/// Everything one check produced.
#[derive(Debug, Clone)]
pub struct CheckRun {
    /// What was checked.
    pub check: Check,
    /// What the servers answered, as `dkim-rules` reads it.
    pub observations: Observations,
    /// The diagnosis.
    pub report: Report,
    /// The zone cuts from the root to the zone that holds the names.
    pub path: Vec<PathStep>,
    /// Every query this check rests on, in the order made.
    pub trace: Vec<QueryRecord>,
    /// Wall time.
    pub elapsed: Duration,
}

impl CheckRun {
    /// How many queries the report rests on.
    pub fn queries(&self) -> u64 {
        self.trace.iter().filter(|q| !q.repeated).count() as u64
    }

    /// Datagrams thrown away during the check's exchanges because they did not match the
    /// query (wrong source, ID, QR bit, opcode or question).
    pub fn discarded_responses(&self) -> u64 {
        self.trace
            .iter()
            .filter(|q| !q.repeated)
            .map(|q| match &q.result {
                Ok(exchange) => u64::from(exchange.dropped_datagrams),
                Err(QueryError::Timeout { discarded, .. }) => u64::from(*discarded),
                Err(_) => 0,
            })
            .sum()
    }
}

/// A probe asked of every server of the zone that holds its name.
#[derive(Debug, Clone)]
struct Surveyed {
    /// Why it was asked.
    purpose: ProbePurpose,
    /// The zone and its servers.
    zone: ZoneSurvey,
    /// Each server's answer, in the order of the zone's servers.
    answers: Vec<QueryRecord>,
    /// The walk that located the zone, when one was needed (a name under a zone already
    /// surveyed in this check is asked of that zone's servers directly).
    located: Option<WalkResult>,
}

/// What one probe brought back.
enum ProbeResult {
    /// Asked of every server of the zone holding the name (and of the user's servers).
    Survey {
        probe: Probe,
        surveyed: Box<Surveyed>,
        extra: Vec<QueryRecord>,
    },
    /// Resolved through the target's own zone.
    Target {
        probe: Probe,
        lookup: Box<WalkResult>,
    },
}

/// Runs `check` to its diagnosis.
pub async fn run_check(resolver: &Resolver, check: Check) -> CheckRun {
    if let Some(address) = resolver.config().recursive {
        return run_reduced(resolver, check, address).await;
    }
    let started = Instant::now();
    let mut trace = Trace::default();
    let expected_servers = resolve_expected_ns(resolver, check.expect_ns(), &mut trace).await;

    let mut observations = Observations::default();
    let mut surveys: Vec<Surveyed> = Vec::new();
    let mut extra_records: Vec<QueryRecord> = Vec::new();
    let mut pending = probes(&check);
    let mut rounds = 0;
    while !pending.is_empty() && rounds < MAX_ROUNDS {
        rounds += 1;
        for result in run_batches(resolver, pending, &expected_servers, &surveys).await {
            match result {
                ProbeResult::Survey {
                    probe,
                    surveyed,
                    extra,
                } => {
                    let mut answers: Vec<ServerAnswer> =
                        surveyed.answers.iter().map(server_answer).collect();
                    answers.extend(extra.iter().map(server_answer));
                    // The user's servers among the zone's, in one order.
                    answers.sort_by(|a, b| a.server.cmp(&b.server));
                    observations.probes.push(ProbeObservation {
                        name: probe.name.clone(),
                        rtype: probe.rtype,
                        answers,
                    });
                    extra_records.extend(extra);
                    surveys.push(*surveyed);
                }
                ProbeResult::Target { probe, lookup } => {
                    observations.targets.push(TargetResolution {
                        name: probe.name.clone(),
                        outcome: target_outcome(&lookup),
                    });
                    trace.extend(lookup.trace.clone());
                }
            }
        }
        observations.delegation = delegation(&surveys, &expected_servers, &observations);
        if resolver.health().no_network().is_some() {
            // Every further query would fail at once: nothing more can be learned.
            break;
        }
        pending = follow_up_probes(&check, &observations);
    }
    observations.network = resolver.conclude().map(network_problem);

    let report = diagnose(&check, &observations);
    let zone = holding_survey(&surveys).map(|s| s.zone.zone.clone());
    let path = zone
        .map(|zone| delegation_path(resolver, &zone))
        .unwrap_or_default();
    CheckRun {
        check,
        observations,
        report,
        path,
        trace: collect_queries(trace, &surveys, extra_records),
        elapsed: started.elapsed(),
    }
}

/// A reduced check (`--resolver`): every probe asked of one recursive resolver, the rounds of
/// follow-up probes as in a full check, the resolver standing in for the zone's servers.
async fn run_reduced(resolver: &Resolver, check: Check, address: SocketAddr) -> CheckRun {
    let started = Instant::now();
    let server = ServerAddr::new(None, address.ip());
    let mut observations = Observations {
        reduced: Some(ReducedCheck { resolver: address }),
        ..Observations::default()
    };
    observations.delegation.servers.push(ServerInfo {
        name: server_name(&server),
        address: address.ip(),
        in_parent: true,
        in_child: true,
        user_named: false,
        soa_serial: None,
        not_checked: None,
    });
    let mut trace: Vec<QueryRecord> = Vec::new();
    let mut pending = probes(&check);
    let mut rounds = 0;
    while !pending.is_empty() && rounds < MAX_ROUNDS {
        rounds += 1;
        let questions: Vec<Question> = pending
            .iter()
            .map(|probe| Question::new(probe.name.clone(), probe.rtype))
            .collect();
        let records = resolver.ask_recursive_all(&questions).await;
        for (probe, record) in pending.into_iter().zip(records) {
            // No record only if the query task panicked: the probe stays unobserved, which
            // the diagnosis treats as unanswered.
            let Some(record) = record else { continue };
            if probe.resolves_through_target_zone() {
                observations.targets.push(TargetResolution {
                    name: probe.name.clone(),
                    outcome: recursive_target_outcome(&record),
                });
            } else {
                observations.probes.push(ProbeObservation {
                    name: probe.name.clone(),
                    rtype: probe.rtype,
                    answers: vec![server_answer(&record)],
                });
            }
            trace.push(record);
        }
        if resolver.health().no_network().is_some() {
            break;
        }
        pending = follow_up_probes(&check, &observations);
    }
    observations.network = resolver.conclude().map(network_problem);
    let report = diagnose(&check, &observations);
    CheckRun {
        check,
        observations,
        report,
        path: Vec::new(),
        trace,
        elapsed: started.elapsed(),
    }
}

/// A recursive resolver's answer for a target's key, as the rules read a target lookup.
fn recursive_target_outcome(record: &QueryRecord) -> TargetOutcome {
    match &record.result {
        Ok(exchange) => match exchange.response.rcode() {
            rcode @ (Rcode::NOERROR | Rcode::NXDOMAIN) => TargetOutcome::Answer {
                rcode,
                records: exchange
                    .response
                    .answers
                    .iter()
                    .map(ObservedRecord::from)
                    .collect(),
            },
            rcode => TargetOutcome::Failed {
                error: format!("the resolver answered {rcode}"),
                unanswered: false,
            },
        },
        Err(error) => TargetOutcome::Failed {
            error: error.to_string(),
            unanswered: true,
        },
    }
}

/// Asks probes in three steps: the first one alone (it walks from the root and surveys the
/// domain's zone), then the first expected record alone (it surveys the zone of the DKIM
/// names, when `_domainkey` is a zone of its own), then all the others at once, which find
/// both surveys in the resolver's run cache instead of surveying the zones again each.
async fn run_batches(
    resolver: &Resolver,
    mut batch: Vec<Probe>,
    expected_servers: &[ServerAddr],
    earlier: &[Surveyed],
) -> Vec<ProbeResult> {
    let mut known: Vec<ZoneSurvey> = earlier.iter().map(|s| s.zone.clone()).collect();
    let mut first = Vec::new();
    if !batch.is_empty() {
        first.push(batch.remove(0));
    }
    let mut second = Vec::new();
    if let Some(at) = batch
        .iter()
        .position(|p| p.purpose == ProbePurpose::Expected)
    {
        second.push(batch.remove(at));
    }
    let mut results = run_probes(resolver, first, expected_servers, &known).await;
    learn_zones(&mut known, &results);
    if results.iter().any(zone_silent) {
        // Not one server of the domain's zone answered anything: every other probe would
        // wait out the same timeouts, and the diagnosis is "unreachable" either way.
        return results;
    }
    let second = run_probes(resolver, second, expected_servers, &known).await;
    learn_zones(&mut known, &second);
    results.extend(second);
    results.extend(run_probes(resolver, batch, expected_servers, &known).await);
    results
}

/// Adds the zones surveyed by `results` to `known`.
fn learn_zones(known: &mut Vec<ZoneSurvey>, results: &[ProbeResult]) {
    for result in results {
        if let ProbeResult::Survey { surveyed, .. } = result {
            if !known.iter().any(|z| z.zone == surveyed.zone.zone) {
                known.push(surveyed.zone.clone());
            }
        }
    }
}

/// Whether a survey found a zone none of whose servers gave any response (every query timed
/// out or failed in the network), or no server address at all.
fn zone_silent(result: &ProbeResult) -> bool {
    let ProbeResult::Survey { surveyed, .. } = result else {
        return false;
    };
    let no_response = |record: &QueryRecord| {
        matches!(
            record.classification,
            Classification::Lame(LameReason::NoResponse)
        )
    };
    surveyed
        .zone
        .servers
        .iter()
        .all(|s| no_response(&s.soa) && no_response(&s.apex_ns))
        && surveyed.answers.iter().all(no_response)
}

/// Asks a batch of probes concurrently; results come back in probe order.
async fn run_probes(
    resolver: &Resolver,
    batch: Vec<Probe>,
    expected_servers: &[ServerAddr],
    known: &[ZoneSurvey],
) -> Vec<ProbeResult> {
    let mut running = JoinSet::new();
    for (index, probe) in batch.into_iter().enumerate() {
        let resolver = resolver.clone();
        let expected_servers = expected_servers.to_vec();
        let known = closest_known(known, &probe.name).cloned();
        running.spawn(async move {
            let result = if probe.resolves_through_target_zone() {
                let lookup = resolver.lookup(&probe.name, probe.rtype).await;
                ProbeResult::Target {
                    probe,
                    lookup: Box::new(lookup),
                }
            } else {
                let surveyed = survey_probe(&resolver, &probe, known).await;
                let question = Question::new(probe.name.clone(), probe.rtype);
                let extra =
                    ask_expected(&resolver, &surveyed.zone, &question, &expected_servers).await;
                ProbeResult::Survey {
                    probe,
                    surveyed: Box::new(surveyed),
                    extra,
                }
            };
            (index, result)
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = running.join_next().await {
        // A probe task only fails by panicking inside the resolver; its answers are then
        // missing, which the diagnosis treats like servers that did not answer.
        if let Ok(result) = joined {
            results.push(result);
        }
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// Asks the user's `--expect-ns` servers that are not already servers of the zone.
async fn ask_expected(
    resolver: &Resolver,
    zone: &ZoneSurvey,
    question: &Question,
    expected_servers: &[ServerAddr],
) -> Vec<QueryRecord> {
    let others: Vec<ServerAddr> = expected_servers
        .iter()
        .filter(|s| !zone.servers.iter().any(|z| z.server.ip == s.ip))
        .cloned()
        .collect();
    if others.is_empty() {
        return Vec::new();
    }
    resolver
        .ask_servers(&zone.zone, &others, question, QueryPurpose::Survey)
        .await
}

/// The deepest zone surveyed earlier in this check that encloses `name`.
fn closest_known<'a>(known: &'a [ZoneSurvey], name: &Name) -> Option<&'a ZoneSurvey> {
    known
        .iter()
        .filter(|z| name.is_subdomain_of(&z.zone))
        .max_by_key(|z| z.zone.label_count())
}

/// Asks every server of the zone holding the probe's name. A name under a zone already
/// surveyed in this check is asked of that zone's servers directly (the resolver's advice for
/// many names of one zone); only when one of them refers further down (a zone cut below, like
/// a delegated `_domainkey`) is the name located and its own zone surveyed.
async fn survey_probe(resolver: &Resolver, probe: &Probe, known: Option<ZoneSurvey>) -> Surveyed {
    if let Some(zone) = known {
        let answers = resolver.ask_all(&zone, &probe.name, probe.rtype).await;
        let referred = answers
            .iter()
            .any(|a| matches!(a.classification, Classification::Referral { .. }));
        if !referred {
            return Surveyed {
                purpose: probe.purpose,
                zone,
                answers,
                located: None,
            };
        }
    }
    let survey = resolver.survey(&probe.name, probe.rtype).await;
    Surveyed {
        purpose: probe.purpose,
        zone: survey.zone,
        answers: survey.answers,
        located: Some(survey.located),
    }
}

/// The addresses of the name servers the user named.
async fn resolve_expected_ns(
    resolver: &Resolver,
    names: &[Name],
    trace: &mut Trace,
) -> Vec<ServerAddr> {
    let types = resolver.config().families().address_types();
    let mut running = JoinSet::new();
    for (index, name) in names.iter().enumerate() {
        for rtype in &types {
            let (resolver, name, rtype) = (resolver.clone(), name.clone(), *rtype);
            running.spawn(async move { (index, resolver.lookup(&name, rtype).await) });
        }
    }
    let mut found: Vec<(usize, WalkResult)> = Vec::new();
    while let Some(joined) = running.join_next().await {
        if let Ok(result) = joined {
            found.push(result);
        }
    }
    found.sort_by_key(|(index, result)| (*index, result.question.qtype));
    let mut servers = Vec::new();
    for (index, result) in found {
        trace.extend(result.trace.clone());
        if let WalkOutcome::Answer(records) = &result.outcome {
            for record in records {
                let ip = match record.data {
                    RData::A(ip) => IpAddr::V4(ip),
                    RData::Aaaa(ip) => IpAddr::V6(ip),
                    _ => continue,
                };
                if !servers.iter().any(|s: &ServerAddr| s.ip == ip) {
                    servers.push(ServerAddr::new(Some(names[index].clone()), ip));
                }
            }
        }
    }
    servers
}

/// The survey of the zone that holds the DKIM names: the first expected record's, else the
/// domain's own.
fn holding_survey(surveys: &[Surveyed]) -> Option<&Surveyed> {
    surveys
        .iter()
        .find(|s| s.purpose == ProbePurpose::Expected)
        .or_else(|| surveys.first())
}

/// A server's name for the rules, which need one: the NS host, or its address written as a
/// name when only the address is known (a server given with `--roots`).
fn server_name(server: &ServerAddr) -> Name {
    server
        .name
        .clone()
        .or_else(|| server.ip.to_string().replace(':', "-").parse().ok())
        .unwrap_or_else(Name::root)
}

fn server_ref(server: &ServerAddr) -> ServerRef {
    ServerRef {
        name: server_name(server),
        address: server.ip,
    }
}

/// The delegation facts of the zone that holds the names.
fn delegation(
    surveys: &[Surveyed],
    expected_servers: &[ServerAddr],
    observations: &Observations,
) -> Delegation {
    let Some(survey) = holding_survey(surveys) else {
        return Delegation::default();
    };
    let zone = &survey.zone;
    let mut servers: Vec<ServerInfo> = zone
        .servers
        .iter()
        .map(|s| ServerInfo {
            name: server_name(&s.server),
            address: s.server.ip,
            in_parent: s.in_parent,
            in_child: s.in_child,
            user_named: false,
            soa_serial: s.serial(),
            not_checked: s.not_checked().map(not_checked_reason),
        })
        .collect();
    let parent_ns = zone
        .parent_ns
        .as_ref()
        .map(|s| s.names.clone())
        .unwrap_or_default();
    let child_ns = zone
        .child_ns
        .as_ref()
        .map(|s| s.names.clone())
        .unwrap_or_default();
    for expected in expected_servers {
        if let Some(known) = servers.iter_mut().find(|s| s.address == expected.ip) {
            known.user_named = true;
            continue;
        }
        let name = server_name(expected);
        servers.push(ServerInfo {
            in_parent: parent_ns.contains(&name),
            in_child: child_ns.contains(&name),
            soa_serial: serial_from_probes(observations, &zone.zone, expected.ip),
            name,
            address: expected.ip,
            user_named: true,
            not_checked: None,
        });
    }
    let mut lame: Vec<LameServer> = zone
        .lame_servers()
        .map(|s| LameServer {
            name: server_name(&s.server),
            address: Some(s.server.ip),
            reason: s
                .lame_reason()
                .unwrap_or_else(|| "not authoritative".to_string()),
        })
        .collect();
    lame.extend(zone.unresolved.iter().map(|(name, reason)| LameServer {
        name: name.clone(),
        address: None,
        reason: format!("no address: {reason}"),
    }));
    // Name, then address, as every server list of the report.
    servers.sort_by(|a, b| (&a.name, a.address).cmp(&(&b.name, b.address)));
    lame.sort_by(|a, b| (&a.name, a.address).cmp(&(&b.name, b.address)));
    Delegation {
        zone: Some(zone.zone.clone()),
        parent_ns,
        child_ns,
        servers,
        soa: zone_soa(zone),
        lame,
        ns_ignored: zone.ns_ignored,
    }
}

/// Why a server was not checked, in words without its address (the report shows that).
fn not_checked_reason(error: &QueryError) -> String {
    match error {
        QueryError::NotChecked { why, .. } => why.to_string(),
        QueryError::NoNetwork { cause, .. } => format!("not checked: {cause}"),
        other => match other.local_cause() {
            Some(cause) => format!("not checked from here: {cause}"),
            None => other.to_string(),
        },
    }
}

/// The zone's SOA from the first server that answered it authoritatively.
fn zone_soa(zone: &ZoneSurvey) -> Option<ZoneSoa> {
    zone.servers.iter().find_map(|server| {
        server.serial()?;
        let exchange = server.soa.result.as_ref().ok()?;
        exchange
            .response
            .answers
            .iter()
            .filter(|record| record.name == zone.zone)
            .find_map(ZoneSoa::from_record)
    })
}

/// The SOA serial a user-named server gave to the `<zone> SOA` probe, if it did.
fn serial_from_probes(observations: &Observations, zone: &Name, ip: IpAddr) -> Option<u32> {
    let probe = observations
        .probes
        .iter()
        .find(|p| &p.name == zone && p.rtype == RecordType::SOA)?;
    probe.answers.iter().find_map(|answer| {
        if answer.server.address != ip {
            return None;
        }
        let RulesOutcome::Response(response) = &answer.outcome else {
            return None;
        };
        response
            .answer
            .iter()
            .find_map(|record| match &record.data {
                dkim_rules::ObservedData::Soa { serial, .. } => Some(*serial),
                _ => None,
            })
    })
}

/// One server's answer to one probe, as the rules read it.
fn server_answer(record: &QueryRecord) -> ServerAnswer {
    let outcome = match &record.result {
        Ok(exchange) => RulesOutcome::Response(Response {
            rcode: exchange.response.rcode(),
            authoritative: exchange.response.header.authoritative,
            answer: exchange
                .response
                .answers
                .iter()
                .map(ObservedRecord::from)
                .collect(),
            authority: exchange
                .response
                .authority
                .iter()
                .map(ObservedRecord::from)
                .collect(),
        }),
        Err(error) => RulesOutcome::Error {
            error: rules_error(error),
            message: error.to_string(),
        },
    };
    ServerAnswer {
        server: server_ref(&record.server),
        outcome,
    }
}

/// What the run learned about this machine's network, as the rules read it.
fn network_problem(cause: NoNetwork) -> NetworkProblem {
    let kind = match cause {
        NoNetwork::Local(LocalCause::NoRoute) => NetworkProblemKind::NoRoute,
        NoNetwork::Local(LocalCause::Firewall) => NetworkProblemKind::LocalFirewall,
        NoNetwork::Local(LocalCause::Resources) => NetworkProblemKind::Resources,
        NoNetwork::Family { cause, .. } => match cause {
            LocalCause::Firewall => NetworkProblemKind::LocalFirewall,
            LocalCause::Resources => NetworkProblemKind::Resources,
            LocalCause::NoRoute => NetworkProblemKind::NoRoute,
        },
        NoNetwork::Rejected => NetworkProblemKind::Rejected,
        NoNetwork::Silent => NetworkProblemKind::Silent,
    };
    NetworkProblem {
        cause: cause.to_string(),
        kind,
    }
}

fn rules_error(error: &QueryError) -> RulesQueryError {
    if error.is_local() {
        return RulesQueryError::NotChecked;
    }
    match error {
        QueryError::Timeout { .. } => RulesQueryError::Timeout,
        QueryError::Io { .. } => RulesQueryError::Network,
        _ => RulesQueryError::Malformed,
    }
}

/// A target lookup as the rules read it: the CNAME chain and the answer, or why it failed.
fn target_outcome(lookup: &WalkResult) -> TargetOutcome {
    let chain = lookup
        .chain
        .iter()
        .map(|step| ObservedRecord::from(&step.record));
    match &lookup.outcome {
        WalkOutcome::Answer(records) => TargetOutcome::Answer {
            rcode: Rcode::NOERROR,
            records: chain
                .chain(records.iter().map(ObservedRecord::from))
                .collect(),
        },
        WalkOutcome::NxDomain { .. } => TargetOutcome::Answer {
            rcode: Rcode::NXDOMAIN,
            records: chain.collect(),
        },
        WalkOutcome::NoData { .. } | WalkOutcome::Alias => TargetOutcome::Answer {
            rcode: Rcode::NOERROR,
            records: chain.collect(),
        },
        WalkOutcome::Failed(error) => TargetOutcome::Failed {
            error: error.to_string(),
            unanswered: lookup.unanswered(),
        },
    }
}

/// The zone cuts from the root down to `zone`, from the run's delegation cache.
fn delegation_path(resolver: &Resolver, zone: &Name) -> Vec<PathStep> {
    let mut steps = Vec::new();
    let mut current = Some(zone.clone());
    // Each step goes to the parent zone; the bound only guards against a cache that ever
    // held a cycle.
    for _ in 0..=dns_wire::MAX_NAME_LEN {
        let Some(zone) = current else { break };
        if zone.is_root() {
            break;
        }
        match resolver.delegation(&zone) {
            Some(delegation) => {
                current = delegation.parent.clone();
                steps.push(PathStep {
                    zone,
                    ns: delegation.ns,
                });
            }
            None => {
                // Not reached through a referral (the walk started at or below it).
                steps.push(PathStep {
                    zone,
                    ns: Vec::new(),
                });
                current = None;
            }
        }
    }
    let root_ns = resolver.config().roots.delegation().ns;
    if !steps.last().is_some_and(|s| s.zone.is_root()) {
        steps.push(PathStep {
            zone: Name::root(),
            ns: root_ns,
        });
    }
    steps.reverse();
    steps
}

/// Every query the check rests on: the walks, each zone survey once, every answer.
fn collect_queries(
    mut trace: Trace,
    surveys: &[Surveyed],
    extra: Vec<QueryRecord>,
) -> Vec<QueryRecord> {
    let mut seen_zones: HashMap<Name, ()> = HashMap::new();
    let mut queries: Vec<QueryRecord> = Vec::new();
    for survey in surveys {
        if let Some(located) = &survey.located {
            queries.extend(located.trace.queries().cloned());
        }
        if seen_zones.insert(survey.zone.zone.clone(), ()).is_none() {
            queries.extend(survey.zone.trace.queries().cloned());
            for server in &survey.zone.servers {
                queries.push(server.soa.clone());
                queries.push(server.apex_ns.clone());
            }
        }
        queries.extend(survey.answers.iter().cloned());
    }
    queries.extend(extra);
    queries.extend(std::mem::take(&mut trace).queries().cloned());
    queries
}
