//! The path to a name, every server of every zone on it asked: what `dig +trace` shows for
//! one server per zone, for all of them. A sans-I/O [`RunClient`]: it walks to the name (CNAMEs
//! followed), then surveys each zone the walk asked and asks each of its servers the question,
//! all zones at once. With [`PathTrace::with_validation`] it also asks each zone's servers
//! for its DNSKEY set and its parent's servers for its DS, with DO, and validates the chain
//! from the trust anchors ([`PathSecurity`]).

use std::time::{Duration, Instant};

use super::chain::{validate_path, HopEvidence};
pub use super::chain::{
    DsSource, DsView, KeyView, PathSecurity, ServerSecurity, TraceValidation, ZoneSecurity,
};
use super::{
    Delegation, QueryPurpose, QueryRecord, Run, RunClient, RunEvent, TaskId, WalkResult, ZoneSurvey,
};
use crate::transport::NoNetwork;
use crate::{Name, Question, RecordType};

/// One zone on the path and what every one of its servers said.
#[derive(Debug, Clone)]
pub struct ZoneHop {
    /// The name asked of this zone's servers (the name itself, or a CNAME target).
    pub qname: Name,
    /// The zone, its servers, the parent's and the child's NS sets.
    pub survey: ZoneSurvey,
    /// Each server's answer to the question, in the order of the survey's servers.
    pub answers: Vec<QueryRecord>,
    /// With validation: each server's answer to the zone's DNSKEY question.
    pub dnskey: Vec<QueryRecord>,
    /// With validation: each of the parent's servers' answer to the zone's DS question
    /// (empty for the root, and when the parent zone is not on the path).
    pub ds: Vec<QueryRecord>,
}

/// A complete trace.
#[derive(Debug, Clone)]
pub struct TraceRun {
    /// The question.
    pub question: Question,
    /// The walk that found the path and the final answer.
    pub lookup: WalkResult,
    /// Every zone of the path, from the root down.
    pub hops: Vec<ZoneHop>,
    /// Queries sent by the run while tracing.
    pub queries: u64,
    /// Time from the start to the last answer.
    pub elapsed: Duration,
    /// Set when nothing answered at all: this machine cannot reach DNS servers.
    pub network: Option<NoNetwork>,
    /// The chain of trust along the path, when the trace validated.
    pub dnssec: Option<PathSecurity>,
}

#[derive(Debug)]
enum Stage {
    Lookup,
    Zone {
        hop: usize,
        qname: Name,
    },
    Ask {
        hop: usize,
        qname: Name,
        survey: Box<ZoneSurvey>,
    },
    /// The zone's DNSKEY asked of its servers (validation only).
    Dnskey {
        zone: usize,
    },
    /// The zone's DS asked of its parent's servers (validation only).
    Ds {
        zone: usize,
    },
}

/// A distinct zone of the path, for validation: its survey once done, its parent's index,
/// and the DNSSEC answers.
#[derive(Debug)]
struct PathZone {
    zone: Name,
    parent: Option<usize>,
    survey: Option<ZoneSurvey>,
    ds_asked: bool,
    dnskey: Vec<QueryRecord>,
    ds: Vec<QueryRecord>,
}

/// Traces the path to a name on a [`Run`]. See the module documentation.
#[derive(Debug)]
pub struct PathTrace {
    question: Question,
    started: Option<Instant>,
    queries_before: u64,
    lookup: Option<WalkResult>,
    pending: Vec<(TaskId, Stage)>,
    hops: Vec<Option<ZoneHop>>,
    /// The zone of each hop, as an index into `zones`.
    hop_zones: Vec<usize>,
    zones: Vec<PathZone>,
    validation: Option<TraceValidation>,
    result: Option<TraceRun>,
}

impl PathTrace {
    /// A trace of `name`/`rtype`.
    pub fn new(name: &Name, rtype: RecordType) -> PathTrace {
        PathTrace {
            question: Question::new(name.clone(), rtype),
            started: None,
            queries_before: 0,
            lookup: None,
            pending: Vec::new(),
            hops: Vec::new(),
            hop_zones: Vec::new(),
            zones: Vec::new(),
            validation: None,
            result: None,
        }
    }

    /// Also validates the path: each zone's DNSKEY asked of all its servers and its DS of all
    /// its parent's servers (the run's queries must set DO:
    /// [`crate::transport::TransportConfig::dnssec_ok`]), then the chain of trust from
    /// `validation`'s anchors at its time ([`TraceRun::dnssec`]).
    pub fn with_validation(mut self, validation: TraceValidation) -> PathTrace {
        self.validation = Some(validation);
        self
    }

    /// The trace. One stopped before its walk ended (its driver gave up) has the walk as
    /// abandoned, and no hops.
    pub fn into_result(self) -> TraceRun {
        let question = self.question;
        self.result.unwrap_or_else(|| TraceRun {
            lookup: WalkResult::abandoned(question.clone()),
            question,
            hops: Vec::new(),
            queries: 0,
            elapsed: Duration::ZERO,
            network: None,
            dnssec: None,
        })
    }

    /// The trace, if done.
    pub fn result(&self) -> Option<&TraceRun> {
        self.result.as_ref()
    }

    fn finish(&mut self, run: &mut Run, now: Instant) {
        let Some(lookup) = self.lookup.take() else {
            return;
        };
        let mut hops: Vec<ZoneHop> = Vec::new();
        for (hop, zone) in std::mem::take(&mut self.hops)
            .into_iter()
            .zip(&self.hop_zones)
        {
            let Some(mut hop) = hop else { continue };
            if let Some(z) = self.zones.get(*zone) {
                hop.dnskey = z.dnskey.clone();
                hop.ds = z.ds.clone();
            }
            hops.push(hop);
        }
        let dnssec = self.validation.as_ref().map(|setup| {
            let evidence: Vec<HopEvidence<'_>> = hops
                .iter()
                .map(|h| HopEvidence {
                    zone: &h.survey.zone,
                    ds: &h.ds,
                    dnskey: &h.dnskey,
                    answers: &h.answers,
                })
                .collect();
            validate_path(setup, &evidence)
        });
        self.result = Some(TraceRun {
            question: self.question.clone(),
            lookup,
            hops,
            dnssec,
            queries: run.stats().queries - self.queries_before,
            elapsed: now.saturating_duration_since(self.started.unwrap_or(now)),
            network: run.conclude(),
        });
    }

    /// The lookup ended: every zone it asked (with the name it asked there) is surveyed.
    fn survey_path(&mut self, lookup: WalkResult, run: &mut Run, now: Instant) {
        let mut path: Vec<(Name, Name)> = Vec::new();
        for query in lookup.trace.queries() {
            if query.purpose != QueryPurpose::Lookup {
                continue;
            }
            let step = (query.zone.clone(), query.question.name.clone());
            if !path.contains(&step) {
                path.push(step);
            }
        }
        self.lookup = Some(lookup);
        for (zone, qname) in path {
            let Some(delegation) = delegation_of(run, &zone) else {
                continue;
            };
            let hop = self.hops.len();
            self.hops.push(None);
            let zone_index = match self.zones.iter().position(|z| z.zone == zone) {
                Some(index) => index,
                None => {
                    // The parent: the closest enclosing zone already on the path (the walk
                    // asks parents before children).
                    let parent = self
                        .zones
                        .iter()
                        .enumerate()
                        .filter(|(_, z)| zone.is_subdomain_of(&z.zone) && z.zone != zone)
                        .max_by_key(|(_, z)| z.zone.label_count())
                        .map(|(i, _)| i);
                    self.zones.push(PathZone {
                        zone: zone.clone(),
                        parent,
                        survey: None,
                        ds_asked: false,
                        dnskey: Vec::new(),
                        ds: Vec::new(),
                    });
                    self.zones.len() - 1
                }
            };
            self.hop_zones.push(zone_index);
            let task = run.survey_zone(&delegation, now);
            self.pending.push((task, Stage::Zone { hop, qname }));
        }
    }

    /// A zone's survey is in: with validation, its DNSKEY is asked of its servers (once per
    /// zone), and each zone below it whose DS is not yet asked gets it asked of its servers.
    fn ask_dnssec(&mut self, hop: usize, survey: &ZoneSurvey, run: &mut Run, now: Instant) {
        if self.validation.is_none() {
            return;
        }
        let Some(&index) = self.hop_zones.get(hop) else {
            return;
        };
        if self.zones[index].survey.is_some() {
            return;
        }
        self.zones[index].survey = Some(survey.clone());
        let task = run.ask_all(survey, &survey.zone, RecordType::DNSKEY, now);
        self.pending.push((task, Stage::Dnskey { zone: index }));
        // The DS of each zone whose parent's survey is now known.
        for child in 0..self.zones.len() {
            let Some(parent) = self.zones[child].parent else {
                continue;
            };
            if self.zones[child].ds_asked {
                continue;
            }
            let Some(parent_survey) = &self.zones[parent].survey else {
                continue;
            };
            let name = self.zones[child].zone.clone();
            let task = run.ask_all(parent_survey, &name, RecordType::DS, now);
            self.zones[child].ds_asked = true;
            self.pending.push((task, Stage::Ds { zone: child }));
        }
    }
}

impl RunClient for PathTrace {
    fn start(&mut self, run: &mut Run, now: Instant) {
        self.started = Some(now);
        self.queries_before = run.stats().queries;
        let task = run.lookup(&self.question.name, self.question.qtype, now);
        self.pending.push((task, Stage::Lookup));
    }

    fn handle(&mut self, event: RunEvent, run: &mut Run, now: Instant) {
        let Some(at) = self.pending.iter().position(|(t, _)| *t == event.task()) else {
            return;
        };
        let (_, stage) = self.pending.swap_remove(at);
        match (stage, event) {
            (Stage::Lookup, RunEvent::Lookup { result, .. }) => self.survey_path(*result, run, now),
            (Stage::Zone { hop, qname }, RunEvent::Zone { result, .. }) => {
                self.ask_dnssec(hop, &result, run, now);
                let task = run.ask_all(&result, &qname, self.question.qtype, now);
                self.pending.push((
                    task,
                    Stage::Ask {
                        hop,
                        qname,
                        survey: result,
                    },
                ));
            }
            (Stage::Ask { hop, qname, survey }, RunEvent::Asked { records, .. }) => {
                self.hops[hop] = Some(ZoneHop {
                    qname,
                    survey: *survey,
                    answers: records,
                    dnskey: Vec::new(),
                    ds: Vec::new(),
                });
            }
            (Stage::Dnskey { zone }, RunEvent::Asked { records, .. }) => {
                self.zones[zone].dnskey = records;
            }
            (Stage::Ds { zone }, RunEvent::Asked { records, .. }) => {
                self.zones[zone].ds = records;
            }
            // Each start method ends in its own event; anything else leaves the hop out.
            _ => {}
        }
        if self.pending.is_empty() {
            self.finish(run, now);
        }
    }

    fn is_done(&self) -> bool {
        self.result.is_some()
    }
}

/// The delegation of a zone on the walked path: the root hints for the root, the cached
/// referral for the others (every referral the walk followed is in the cache).
fn delegation_of(run: &Run, zone: &Name) -> Option<Delegation> {
    if zone.is_root() {
        return Some(run.config().roots.delegation());
    }
    run.cache().delegation(zone)
}
