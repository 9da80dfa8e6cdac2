//! The check machine: one check of a domain, run on a [`Run`] without I/O.
//!
//! [`CheckMachine`] decides which names to ask, when, and what to ask next given what came
//! back; the [`Run`] decides how (which servers, shared and remembered exchanges, retries,
//! limits). It is a [`RunClient`]: whatever drives the run (the tokio [`Resolver`] of
//! dns-wire's `io` feature, or a test's simulated network) calls [`RunClient::start`], hands
//! it the events of its tasks, and takes the [`CheckRun`] when it is done.
//!
//! The plan, in rounds:
//! 1. the user's `--expect-ns` servers are looked up, if any;
//! 2. every probe of [`probes`](crate::probes) goes out at once: the surveys of the zones that hold the
//!    names share one zone survey in the run, the key lookups at the provider's targets start
//!    with them, and every question to a server goes in one wave;
//! 3. when all are in (the key lookups excepted: nothing asked next depends on them, so they
//!    go on in the background and are read at the end), [`Rounds`] says what more to
//!    ask given what came back (the mistaken variants only when an expected record is missing
//!    or wrong), and the next round goes out; a name under a zone already surveyed is asked of
//!    that zone's servers directly.
//!
//! Rounds keep the result independent of the order answers arrive in: each round's results
//! are read in probe order, whatever finished first.
//!
//! [`Resolver`]: https://docs.rs/dns-wire (the `io` feature of `dns_wire::resolver`)

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use dns_wire::resolver::{
    Classification, QueryPurpose, QueryRecord, Run, RunClient, RunEvent, ServerAddr, Survey,
    TaskId, Trace, WalkOutcome, WalkResult, ZoneSurvey,
};
use dns_wire::transport::{LocalCause, NoNetwork, QueryError};
use dns_wire::{Name, Question, RData, Rcode, RecordType};

use crate::check::Check;
use crate::diagnose::diagnose;
pub use crate::dnssec_gather::DnssecSetup;
use crate::dnssec_gather::{authoritative_answers, signed_answer, zone_keys, Gathered};
use crate::observe::{
    AnswerError, AnswerOutcome, LameServer, NetworkProblem, NetworkProblemKind, Observations,
    ObservedData, ObservedRecord, ProbeObservation, ReducedCheck, Response, ServerAnswer,
    ServerInfo, ServerRef, TargetOutcome, TargetResolution, ZoneDelegation, ZoneSoa,
};
use crate::probe::{Probe, ProbePurpose, Rounds};
use crate::report::Report;

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
    /// What the servers answered, as the rules read it.
    pub observations: Observations,
    /// The diagnosis.
    pub report: Report,
    /// The zone cuts from the root to the zone that holds the names.
    pub path: Vec<PathStep>,
    /// The queries whose answers the check read, in the order made (answers it shared with
    /// another question of the run are not listed again).
    pub trace: Vec<QueryRecord>,
    /// How many queries the run sent for this check: those of the trace, and those whose
    /// answers no task of the check waited for any more when they came (a walk that went on
    /// without a name server's address). Each exchange counts once, whatever its retries.
    pub sent: u64,
    /// Time from the start to the diagnosis.
    pub elapsed: Duration,
}

impl CheckRun {
    /// How many queries were sent for this check ([`CheckRun::sent`]).
    pub fn queries(&self) -> u64 {
        self.sent
    }

    /// Datagrams thrown away during the check's exchanges because they did not match the
    /// query (wrong source, ID, QR bit, opcode or question).
    pub fn discarded_responses(&self) -> u64 {
        self.trace
            .iter()
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
    purpose: ProbePurpose,
    zone: ZoneSurvey,
    answers: Vec<QueryRecord>,
    /// The walk that located the zone, when one was needed.
    located: Option<WalkResult>,
}

/// One probe and what came back so far.
#[derive(Debug)]
struct Slot {
    probe: Probe,
    /// The round it was asked in.
    round: usize,
    /// A key lookup at a provider's target: what the next round asks does not depend on it,
    /// so the round ends without waiting for it (its answer is read at the end, in order).
    background: bool,
    /// Read into the observations already.
    read: bool,
    surveyed: Option<Surveyed>,
    /// The user's servers' answers (asked once the zone is known).
    extra: Vec<QueryRecord>,
    lookup: Option<WalkResult>,
    recursive: Option<QueryRecord>,
    /// Tasks still running for this slot.
    open: usize,
}

/// What a running task is for.
#[derive(Debug, Clone)]
enum Pending {
    /// An address of a `--expect-ns` name.
    ExpectedNs { index: usize },
    /// A probe's name located and its zone surveyed.
    Survey { slot: usize },
    /// A probe asked of a zone surveyed earlier in the check.
    KnownZone { slot: usize, zone: Box<ZoneSurvey> },
    /// A probe asked of the user's servers outside the zone.
    Extra { slot: usize },
    /// A key looked up through the target's own zone.
    Target { slot: usize },
    /// A probe asked of the recursive resolver (a reduced check).
    Recursive { slot: usize },
    /// DNSSEC: a zone's DNSKEY set, asked of every server of a surveyed zone.
    DnssecKeysAll { zone: Name },
    /// DNSSEC: a zone's DNSKEY set, looked up (one server).
    DnssecKeys { zone: Name },
    /// DNSSEC: a zone's DS, asked of the parent server that referred to it.
    DnssecDs { zone: Name },
}

/// Where the DNSSEC part of a check stands.
#[derive(Debug, Default)]
enum DnssecState {
    /// Not checked (`--no-dnssec`, a reduced check).
    #[default]
    Off,
    /// To be gathered once the probes are in.
    Wanted(DnssecSetup),
    /// Being gathered: the tasks still out.
    Gathering {
        setup: DnssecSetup,
        gathered: Box<Gathered>,
        open: usize,
    },
    /// Gathered into the observations.
    Done,
}

/// One check of a domain on a run. See the module documentation.
#[derive(Debug)]
pub struct CheckMachine {
    check: Check,
    /// The registrable domain of the checked domain: no public suffix is at or below it, so
    /// a zone there is surveyed as soon as a walk is referred to it.
    floor: Option<Name>,
    /// A reduced check through this recursive resolver (`--resolver`).
    recursive: Option<SocketAddr>,
    started: Option<Instant>,
    pending: Vec<(TaskId, Pending)>,
    expected_ns: Vec<(usize, WalkResult)>,
    expected_servers: Vec<ServerAddr>,
    /// Every probe of the check, in the order asked (every round's).
    slots: Vec<Slot>,
    rounds: Rounds,
    /// No round is left to ask: the check ends when the last slot is in.
    probing_done: bool,
    observations: Observations,
    surveys: Vec<Surveyed>,
    extra_records: Vec<QueryRecord>,
    trace: Trace,
    reduced_trace: Vec<QueryRecord>,
    /// Exchanges the run made for the check's tasks (`Run::take_queries`).
    sent: u64,
    /// The key lookups' authoritative answers (the keys at the targets), for DNSSEC.
    target_answers: Vec<QueryRecord>,
    dnssec: DnssecState,
    result: Option<CheckRun>,
}

impl CheckMachine {
    /// A check of `check`, walking from the roots of the run it is started on.
    pub fn new(check: Check) -> CheckMachine {
        CheckMachine {
            floor: crate::mail::registrable_name(check.domain()),
            check,
            recursive: None,
            started: None,
            pending: Vec::new(),
            expected_ns: Vec::new(),
            expected_servers: Vec::new(),
            slots: Vec::new(),
            rounds: Rounds::default(),
            probing_done: false,
            observations: Observations::default(),
            surveys: Vec::new(),
            extra_records: Vec::new(),
            trace: Trace::default(),
            reduced_trace: Vec::new(),
            sent: 0,
            target_answers: Vec::new(),
            dnssec: DnssecState::Off,
            result: None,
        }
    }

    /// Checks DNSSEC too: the chain of trust to every name the check relies on, validated at
    /// `setup.now` from `setup.anchors` (see the `dnssec_gather` module). The run's queries must
    /// set DO (`TransportConfig::dnssec_ok`) for the answers to carry their signatures. A
    /// reduced check (through a resolver) does not check DNSSEC.
    pub fn with_dnssec(mut self, setup: DnssecSetup) -> CheckMachine {
        if self.recursive.is_none() {
            self.dnssec = DnssecState::Wanted(setup);
        }
        self
    }

    /// DNSSEC on, but not checkable (a lab's roots without its trust anchor): the report says
    /// so with `dnssec-not-checked`.
    pub fn with_dnssec_not_checked(mut self, now: u64, why: &str) -> CheckMachine {
        self.observations.dnssec = Some(crate::DnssecObservations::not_checked(now, why));
        self
    }

    /// A reduced check: every probe asked of the recursive resolver at `resolver`, which stands
    /// in for the zone's servers (a machine that cannot reach name servers directly).
    pub fn reduced(check: Check, resolver: SocketAddr) -> CheckMachine {
        let mut machine = CheckMachine::new(check);
        machine.recursive = Some(resolver);
        machine.observations.reduced = Some(ReducedCheck { resolver });
        let server = ServerAddr::new(None, resolver.ip());
        machine.observations.delegation.servers.push(ServerInfo {
            name: server_name(&server),
            address: resolver.ip(),
            in_parent: true,
            in_child: true,
            user_named: false,
            soa_serial: None,
            not_checked: None,
        });
        machine
    }

    /// The check's result. A check stopped before it was done (its driver gave up at `now`)
    /// is diagnosed from what came back so far: the probes still out count as unanswered.
    pub fn into_result(mut self, now: Instant) -> CheckRun {
        match self.result.take() {
            Some(result) => result,
            None => self.conclude(None, Vec::new(), now),
        }
    }

    /// The result, if done.
    pub fn result(&self) -> Option<&CheckRun> {
        self.result.as_ref()
    }

    /// Surveys the zone holding the probe's name and asks its servers the probe.
    fn survey(&self, run: &mut Run, probe: &Probe, now: Instant) -> TaskId {
        match &self.floor {
            Some(floor) => run.survey_within(&probe.name, probe.rtype, floor, now),
            None => run.survey(&probe.name, probe.rtype, now),
        }
    }

    fn track(&mut self, task: TaskId, pending: Pending) {
        self.pending.push((task, pending));
    }

    /// Starts the round of probes [`Rounds`] gives, or, with none left, ends the check once
    /// the key lookups still running are in.
    fn next_round(&mut self, run: &mut Run, now: Instant, batch: Option<Vec<Probe>>) {
        let Some(batch) = batch else {
            self.probing_done = true;
            self.finish_when_in(run, now);
            return;
        };
        let round = self.rounds.count();
        let known: Vec<ZoneSurvey> = self.surveys.iter().map(|s| s.zone.clone()).collect();
        let first = self.slots.len();
        self.slots.extend(batch.into_iter().map(|probe| Slot {
            background: probe.purpose == ProbePurpose::TargetKey,
            probe,
            round,
            read: false,
            surveyed: None,
            extra: Vec::new(),
            lookup: None,
            recursive: None,
            open: 1,
        }));
        for index in first..self.slots.len() {
            let probe = self.slots[index].probe.clone();
            if let Some(resolver) = self.recursive {
                let question = Question::new(probe.name.clone(), probe.rtype);
                let task = run.ask_recursive(resolver, &question, now);
                self.track(task, Pending::Recursive { slot: index });
            } else if probe.resolves_through_target_zone() {
                // A key the check relies on is validated against each server of the zone
                // that answers it (DNSSEC: servers that differ fail some receivers).
                let validating = matches!(self.dnssec, DnssecState::Wanted(_));
                let task = if probe.purpose == ProbePurpose::TargetKey && validating {
                    // No zone expected below the provider's DKIM zone (SES's, from its
                    // table) or the registrable domain.
                    let floor = probe
                        .name
                        .parent()
                        .filter(crate::check::is_ses_dkim_zone)
                        .or_else(|| crate::mail::registrable_name(&probe.name))
                        .unwrap_or_else(|| probe.name.clone());
                    run.lookup_keyed(&probe.name, probe.rtype, &floor, now)
                } else {
                    run.lookup(&probe.name, probe.rtype, now)
                };
                self.track(task, Pending::Target { slot: index });
            } else if let Some(zone) = closest_known(&known, &probe.name) {
                // A name under a zone this check surveyed: its servers are asked directly;
                // a referral among their answers (a zone cut below) makes it surveyed anew.
                let task = run.ask_all(zone, &probe.name, probe.rtype, now);
                self.track(
                    task,
                    Pending::KnownZone {
                        slot: index,
                        zone: Box::new(zone.clone()),
                    },
                );
            } else {
                let task = self.survey(run, &probe, now);
                self.track(task, Pending::Survey { slot: index });
            }
        }
    }

    /// A probe's zone is known: the user's servers outside it are asked too.
    fn ask_extra(&mut self, run: &mut Run, now: Instant, slot: usize) {
        let Some(surveyed) = &self.slots[slot].surveyed else {
            return;
        };
        let others: Vec<ServerAddr> = self
            .expected_servers
            .iter()
            .filter(|s| !surveyed.zone.servers.iter().any(|z| z.server.ip == s.ip))
            .cloned()
            .collect();
        if others.is_empty() {
            return;
        }
        let probe = &self.slots[slot].probe;
        let question = Question::new(probe.name.clone(), probe.rtype);
        let zone = surveyed.zone.zone.clone();
        let task = run.ask_servers(&zone, &others, &question, QueryPurpose::Survey, now);
        self.slots[slot].open += 1;
        self.track(task, Pending::Extra { slot });
    }

    fn slot_done(&mut self, run: &mut Run, now: Instant, slot: usize) {
        self.slots[slot].open = self.slots[slot].open.saturating_sub(1);
        if self.probing_done {
            self.finish_when_in(run, now);
            return;
        }
        let round = self.rounds.count();
        let waiting = self
            .slots
            .iter()
            .any(|s| s.round == round && !s.background && s.open > 0);
        if !waiting {
            self.round_done(run, now);
        }
    }

    /// Ends the check when every slot is in, reading the ones not read yet in order.
    fn finish_when_in(&mut self, run: &mut Run, now: Instant) {
        if self.result.is_some() || self.slots.iter().any(|s| s.open > 0) {
            return;
        }
        self.read_slots(|_| true);
        match std::mem::take(&mut self.dnssec) {
            DnssecState::Wanted(setup) => {
                // Ends the check itself when nothing more is to be asked.
                self.start_dnssec(run, now, setup);
                return;
            }
            DnssecState::Gathering {
                setup,
                gathered,
                open,
            } if open > 0 => {
                self.dnssec = DnssecState::Gathering {
                    setup,
                    gathered,
                    open,
                };
                return;
            }
            DnssecState::Gathering {
                setup, gathered, ..
            } => {
                self.observations.dnssec = Some(gathered.into_observations(&setup));
                self.dnssec = DnssecState::Done;
            }
            other => self.dnssec = other,
        }
        self.finish(run, now);
    }

    /// Starts the DNSSEC questions: the DNSKEY of every zone on the path to each zone that
    /// answered a relied-on name, the DS of those whose referral the check did not see.
    fn start_dnssec(&mut self, run: &mut Run, now: Instant, setup: DnssecSetup) {
        let mut gathered = Gathered::default();
        // The relied-on answers: the expected names from every server, the keys' answers.
        for survey in self
            .surveys
            .iter()
            .filter(|s| s.purpose == ProbePurpose::Expected)
        {
            for record in &survey.answers {
                gathered.add_answer(record, server_ref(&record.server));
            }
        }
        for record in &self.target_answers {
            gathered.add_answer(record, server_ref(&record.server));
        }
        // The zones that gave them, and every zone above them.
        let mut answering: Vec<Name> = self
            .surveys
            .iter()
            .filter(|s| s.purpose == ProbePurpose::Expected)
            .map(|s| s.zone.zone.clone())
            .collect();
        answering.extend(self.target_answers.iter().map(|q| q.zone.clone()));
        for zone in &answering {
            gathered.add_path(delegation_path(run, zone).into_iter().map(|s| s.zone));
        }
        // DS evidence from every referral the check saw.
        let mut seen: Vec<&QueryRecord> = self.trace.queries().collect();
        for survey in &self.surveys {
            if let Some(located) = &survey.located {
                seen.extend(located.trace.queries());
            }
        }
        // The keys the run asked along the walks (`ResolverConfig::zone_keys`).
        let walked: Vec<QueryRecord> = zone_keys(seen.iter().copied())
            .into_iter()
            .cloned()
            .collect();
        gathered.add_referrals(seen.into_iter(), server_ref);
        let mut open = 0;
        for zone in gathered.zones.clone() {
            let surveyed = self
                .surveys
                .iter()
                .find(|s| s.zone.zone == zone && s.purpose == ProbePurpose::Expected);
            match surveyed {
                // The zone survey asked every server with the SOA and NS.
                Some(s) if s.zone.servers.iter().all(|z| z.keys.is_some()) => {
                    for record in s.zone.servers.iter().filter_map(|z| z.keys.as_ref()) {
                        gathered.add_keys(&zone, record, server_ref(&record.server));
                    }
                }
                Some(s) => {
                    let task = run.ask_all(&s.zone, &zone, RecordType::DNSKEY, now);
                    self.track(task, Pending::DnssecKeysAll { zone });
                    open += 1;
                }
                None if walked.iter().any(|q| q.zone == zone) => {
                    for record in walked.iter().filter(|q| q.zone == zone) {
                        gathered.add_keys(&zone, record, server_ref(&record.server));
                    }
                }
                None => {
                    let task = run.lookup(&zone, RecordType::DNSKEY, now);
                    self.track(task, Pending::DnssecKeys { zone });
                    open += 1;
                }
            }
        }
        for zone in gathered.zones_without_ds() {
            let Some(delegation) = run.cache().delegation(&zone) else {
                continue;
            };
            let (Some(parent), Some(server)) = (delegation.parent, delegation.referred_by) else {
                continue;
            };
            let question = Question::new(zone.clone(), RecordType::DS);
            let task = run.ask_servers(&parent, &[server], &question, QueryPurpose::Survey, now);
            self.track(task, Pending::DnssecDs { zone });
            open += 1;
        }
        self.dnssec = DnssecState::Gathering {
            setup,
            gathered: Box::new(gathered),
            open,
        };
        if open == 0 {
            self.finish_when_in(run, now);
        }
    }

    /// A DNSSEC task is in.
    fn dnssec_done(&mut self, run: &mut Run, now: Instant, add: impl FnOnce(&mut Gathered)) {
        if let DnssecState::Gathering { gathered, open, .. } = &mut self.dnssec {
            add(gathered);
            *open = open.saturating_sub(1);
            if *open == 0 {
                self.finish_when_in(run, now);
            }
        }
    }

    /// Reads into the observations, in probe order, the slots that `which` picks and that
    /// are not read yet.
    fn read_slots(&mut self, which: impl Fn(&Slot) -> bool) {
        for index in 0..self.slots.len() {
            if self.slots[index].read || !which(&self.slots[index]) {
                continue;
            }
            self.slots[index].read = true;
            let slot = &mut self.slots[index];
            let probe = slot.probe.clone();
            let (recursive, lookup, surveyed, extra) = (
                slot.recursive.take(),
                slot.lookup.take(),
                slot.surveyed.take(),
                std::mem::take(&mut slot.extra),
            );
            if let Some(record) = recursive {
                if probe.resolves_through_target_zone() {
                    self.observations.targets.push(TargetResolution {
                        name: probe.name.clone(),
                        outcome: recursive_target_outcome(&record),
                    });
                } else {
                    self.observations.probes.push(ProbeObservation {
                        name: probe.name.clone(),
                        rtype: probe.rtype,
                        answers: vec![server_answer(&record)],
                    });
                }
                self.reduced_trace.push(record);
            } else if let Some(lookup) = lookup {
                self.observations.targets.push(TargetResolution {
                    name: probe.name.clone(),
                    outcome: target_outcome(&lookup),
                });
                if probe.purpose == ProbePurpose::TargetKey
                    && !matches!(self.dnssec, DnssecState::Off)
                {
                    self.target_answers.extend(
                        authoritative_answers(lookup.trace.queries(), probe.rtype)
                            .into_iter()
                            .cloned(),
                    );
                }
                self.trace.extend(lookup.trace);
            } else if let Some(surveyed) = surveyed {
                let mut answers: Vec<ServerAnswer> =
                    surveyed.answers.iter().map(server_answer).collect();
                answers.extend(extra.iter().map(server_answer));
                // The user's servers among the zone's, in one order.
                answers.sort_by(|a, b| a.server.cmp(&b.server));
                self.observations.probes.push(ProbeObservation {
                    name: probe.name.clone(),
                    rtype: probe.rtype,
                    answers,
                });
                self.extra_records.extend(extra);
                self.surveys.push(surveyed);
            }
        }
    }

    /// The probes of the round are in (the key lookups may still run): their answers are
    /// read in probe order, and the next round is asked.
    fn round_done(&mut self, run: &mut Run, now: Instant) {
        let round = self.rounds.count();
        // The key lookups are read at the end, whenever they came in: no follow-up depends on
        // them, and the observations keep one order whatever the timing.
        self.read_slots(|s| s.round == round && !s.background);
        if self.recursive.is_none() {
            self.observations.delegation =
                delegation(&self.surveys, &self.expected_servers, &self.observations);
        }
        if run.health().no_network().is_some() {
            // Every further query would fail at once: nothing more can be learned.
            self.probing_done = true;
            self.finish_when_in(run, now);
            return;
        }
        let next = self.rounds.next(&self.check, &self.observations);
        self.next_round(run, now, next);
    }

    fn finish(&mut self, run: &mut Run, now: Instant) {
        let network = run.conclude();
        let path = match holding_survey(&self.surveys) {
            Some(survey) if self.recursive.is_none() => delegation_path(run, &survey.zone.zone),
            _ => Vec::new(),
        };
        self.result = Some(self.conclude(network, path, now));
    }

    /// Diagnoses what came back.
    fn conclude(
        &mut self,
        network: Option<NoNetwork>,
        path: Vec<PathStep>,
        now: Instant,
    ) -> CheckRun {
        self.observations.network = network.map(network_problem);
        let report = diagnose(&self.check, &self.observations);
        let started = self.started.unwrap_or(now);
        let mut trace = if self.recursive.is_some() {
            std::mem::take(&mut self.reduced_trace)
        } else {
            collect_queries(
                std::mem::take(&mut self.trace),
                &self.surveys,
                std::mem::take(&mut self.extra_records),
            )
        };
        trace.retain(|q| !q.repeated);
        CheckRun {
            check: self.check.clone(),
            observations: std::mem::take(&mut self.observations),
            report,
            path,
            trace,
            sent: self.sent,
            elapsed: now.saturating_duration_since(started),
        }
    }

    fn expected_ns_done(&mut self, run: &mut Run, now: Instant) {
        if self
            .pending
            .iter()
            .any(|(_, p)| matches!(p, Pending::ExpectedNs { .. }))
        {
            return;
        }
        let names = self.check.expect_ns().to_vec();
        let mut found = std::mem::take(&mut self.expected_ns);
        found.sort_by_key(|(index, result)| (*index, result.question.qtype));
        for (index, result) in found {
            if let WalkOutcome::Answer(records) = &result.outcome {
                for record in records {
                    let ip = match record.data {
                        RData::A(ip) => IpAddr::V4(ip),
                        RData::Aaaa(ip) => IpAddr::V6(ip),
                        _ => continue,
                    };
                    if !self.expected_servers.iter().any(|s| s.ip == ip) {
                        self.expected_servers
                            .push(ServerAddr::new(Some(names[index].clone()), ip));
                    }
                }
            }
            self.trace.extend(result.trace);
        }
        let first = self.rounds.first(&self.check);
        self.next_round(run, now, first);
    }
}

impl RunClient for CheckMachine {
    fn start(&mut self, run: &mut Run, now: Instant) {
        self.started = Some(now);
        let names = self.check.expect_ns().to_vec();
        if names.is_empty() || self.recursive.is_some() {
            let first = self.rounds.first(&self.check);
            self.next_round(run, now, first);
            return;
        }
        let types = run.config().families().address_types();
        for (index, name) in names.iter().enumerate() {
            for rtype in &types {
                let task = run.lookup(name, *rtype, now);
                self.track(task, Pending::ExpectedNs { index });
            }
        }
    }

    fn handle(&mut self, event: RunEvent, run: &mut Run, now: Instant) {
        let task = event.task();
        self.sent += run.take_queries(task);
        let Some(at) = self.pending.iter().position(|(t, _)| *t == task) else {
            return;
        };
        let (_, pending) = self.pending.swap_remove(at);
        match (pending, event) {
            (Pending::ExpectedNs { index }, RunEvent::Lookup { result, .. }) => {
                self.expected_ns.push((index, *result));
                self.expected_ns_done(run, now);
            }
            (Pending::Survey { slot }, RunEvent::Survey { result, .. }) => {
                let Survey {
                    located,
                    zone,
                    answers,
                    ..
                } = *result;
                self.slots[slot].surveyed = Some(Surveyed {
                    purpose: self.slots[slot].probe.purpose,
                    zone,
                    answers,
                    located: Some(located),
                });
                self.ask_extra(run, now, slot);
                self.slot_done(run, now, slot);
            }
            (Pending::KnownZone { slot, zone }, RunEvent::Asked { records, .. }) => {
                let referred = records
                    .iter()
                    .any(|a| matches!(a.classification, Classification::Referral { .. }));
                if referred {
                    let probe = self.slots[slot].probe.clone();
                    let task = self.survey(run, &probe, now);
                    self.track(task, Pending::Survey { slot });
                    return;
                }
                self.slots[slot].surveyed = Some(Surveyed {
                    purpose: self.slots[slot].probe.purpose,
                    zone: *zone,
                    answers: records,
                    located: None,
                });
                self.ask_extra(run, now, slot);
                self.slot_done(run, now, slot);
            }
            (Pending::Extra { slot }, RunEvent::Asked { records, .. }) => {
                self.slots[slot].extra = records;
                self.slot_done(run, now, slot);
            }
            (Pending::Target { slot }, RunEvent::Lookup { result, .. }) => {
                self.slots[slot].lookup = Some(*result);
                self.slot_done(run, now, slot);
            }
            (Pending::Recursive { slot }, RunEvent::Recursive { record, .. }) => {
                self.slots[slot].recursive = Some(*record);
                self.slot_done(run, now, slot);
            }
            // Each task's queries join the check's trace before the task is counted in: the
            // last one in ends the check, which takes the trace.
            (Pending::DnssecKeysAll { zone }, RunEvent::Asked { records, .. }) => {
                self.extra_records.extend(records.iter().cloned());
                self.dnssec_done(run, now, |g| {
                    for record in &records {
                        g.add_keys(&zone, record, server_ref(&record.server));
                    }
                });
            }
            (Pending::DnssecKeys { zone }, RunEvent::Lookup { result, .. }) => {
                self.trace.extend(result.trace.clone());
                self.dnssec_done(run, now, |g| {
                    for record in authoritative_answers(result.trace.queries(), RecordType::DNSKEY)
                    {
                        g.add_keys(&zone, record, server_ref(&record.server));
                    }
                    // A walk to a zone not reached before brings its referrals too.
                    g.add_referrals(result.trace.queries(), server_ref);
                });
            }
            (Pending::DnssecDs { zone }, RunEvent::Asked { records, .. }) => {
                self.extra_records.extend(records.iter().cloned());
                self.dnssec_done(run, now, |g| {
                    for record in &records {
                        g.ds.push((
                            zone.clone(),
                            signed_answer(record, server_ref(&record.server)),
                        ));
                    }
                });
            }
            (
                Pending::DnssecKeysAll { .. }
                | Pending::DnssecKeys { .. }
                | Pending::DnssecDs { .. },
                _,
            ) => self.dnssec_done(run, now, |_| {}),
            // An event of another kind than the task's: cannot happen (each start method
            // ends in its own event); the slot is closed so the check still ends.
            (
                Pending::Survey { slot }
                | Pending::KnownZone { slot, .. }
                | Pending::Extra { slot }
                | Pending::Target { slot }
                | Pending::Recursive { slot },
                _,
            ) => self.slot_done(run, now, slot),
            (Pending::ExpectedNs { .. }, _) => self.expected_ns_done(run, now),
        }
    }

    fn is_done(&self) -> bool {
        self.result.is_some()
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

/// The deepest zone surveyed earlier in this check that encloses `name`.
fn closest_known<'a>(known: &'a [ZoneSurvey], name: &Name) -> Option<&'a ZoneSurvey> {
    known
        .iter()
        .filter(|z| name.is_subdomain_of(&z.zone))
        .max_by_key(|z| z.zone.label_count())
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
) -> ZoneDelegation {
    let Some(survey) = holding_survey(surveys) else {
        return ZoneDelegation::default();
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
    ZoneDelegation {
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
        let AnswerOutcome::Response(response) = &answer.outcome else {
            return None;
        };
        response
            .answer
            .iter()
            .find_map(|record| match &record.data {
                ObservedData::Soa { serial, .. } => Some(*serial),
                _ => None,
            })
    })
}

/// One server's answer to one probe, as the rules read it.
fn server_answer(record: &QueryRecord) -> ServerAnswer {
    let outcome = match &record.result {
        Ok(exchange) => AnswerOutcome::Response(Response {
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
        Err(error) => AnswerOutcome::Error {
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

pub(crate) fn rules_error(error: &QueryError) -> AnswerError {
    if error.is_local() {
        return AnswerError::NotChecked;
    }
    match error {
        QueryError::Timeout { .. } => AnswerError::Timeout,
        QueryError::Io { .. } => AnswerError::Network,
        _ => AnswerError::Malformed,
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
fn delegation_path(run: &Run, zone: &Name) -> Vec<PathStep> {
    let mut steps = Vec::new();
    let mut current = Some(zone.clone());
    // Each step goes to the parent zone; the bound only guards against a cache that ever
    // held a cycle.
    for _ in 0..=dns_wire::MAX_NAME_LEN {
        let Some(zone) = current else { break };
        if zone.is_root() {
            break;
        }
        match run.cache().delegation(&zone) {
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
    let root_ns = run.config().roots.delegation().ns;
    if !steps.last().is_some_and(|s| s.zone.is_root()) {
        steps.push(PathStep {
            zone: Name::root(),
            ns: root_ns,
        });
    }
    steps.reverse();
    steps
}

/// Every query the check rests on: the walks, each zone survey once, every answer (shared
/// ones included; the caller drops them).
fn collect_queries(
    mut trace: Trace,
    surveys: &[Surveyed],
    extra: Vec<QueryRecord>,
) -> Vec<QueryRecord> {
    let mut seen_zones: HashSet<Name> = HashSet::new();
    let mut queries: Vec<QueryRecord> = Vec::new();
    for survey in surveys {
        if let Some(located) = &survey.located {
            queries.extend(located.trace.queries().cloned());
        }
        if seen_zones.insert(survey.zone.zone.clone()) {
            queries.extend(survey.zone.trace.queries().cloned());
            for server in &survey.zone.servers {
                queries.push(server.soa.clone());
                queries.push(server.apex_ns.clone());
                queries.extend(server.keys.clone());
            }
        }
        queries.extend(survey.answers.iter().cloned());
    }
    queries.extend(extra);
    queries.extend(std::mem::take(&mut trace).queries().cloned());
    queries
}
