//! The path to a name, every server of every zone on it asked: what `dig +trace` shows for
//! one server per zone, for all of them. A sans-I/O [`RunClient`]: it walks to the name (CNAMEs
//! followed), then surveys each zone the walk asked and asks each of its servers the question,
//! all zones at once.

use std::time::{Duration, Instant};

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
            result: None,
        }
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
        self.result = Some(TraceRun {
            question: self.question.clone(),
            lookup,
            hops: std::mem::take(&mut self.hops)
                .into_iter()
                .flatten()
                .collect(),
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
            let task = run.survey_zone(&delegation, now);
            self.pending.push((task, Stage::Zone { hop, qname }));
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
                });
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
