//! `dkim-doctor trace`: the walk from the root, then every zone on the path surveyed, so each
//! server of each zone is shown with its answer (where `dig +trace` shows one per zone).
//!
//! Only resolver calls are composed here: [`Resolver::lookup`] finds the path (and follows
//! CNAMEs), [`Resolver::survey_zone`] finds every server of each zone on it and their NS sets,
//! and [`Resolver::ask_all`] asks each of them the question.

use std::time::{Duration, Instant};

use dns_wire::resolver::{
    Delegation, Outcome as WalkOutcome, QueryPurpose, QueryRecord, Resolver, WalkResult, ZoneSurvey,
};
use dns_wire::transport::NoNetwork;
use dns_wire::{Name, Question, RecordType};
use tokio::task::JoinSet;

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
    /// Queries sent in all.
    pub queries: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Set when nothing answered at all: this machine cannot reach DNS servers.
    pub network: Option<NoNetwork>,
}

impl TraceRun {
    /// Why the walk ended without an answer, in one sentence, if it did.
    pub fn failure(&self) -> Option<String> {
        match (&self.network, &self.lookup.outcome) {
            (Some(cause), _) => Some(format!(
                "this machine cannot reach DNS servers directly ({cause}); outbound UDP and TCP port 53 seem blocked or there is no network: try another network, --resolver ADDRESS or --roots ADDRESS"
            )),
            (None, WalkOutcome::Failed(error)) => Some(error.to_string()),
            _ => None,
        }
    }
}

/// Walks to `name`/`rtype`, then surveys every zone the walk went through.
pub async fn run_trace(resolver: &Resolver, name: &Name, rtype: RecordType) -> TraceRun {
    let started = Instant::now();
    let before = resolver.stats().queries;
    let lookup = resolver.lookup(name, rtype).await;

    // The zones the lookup itself asked, with the name it asked there, in walk order.
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

    let mut running = JoinSet::new();
    for (index, (zone, qname)) in path.into_iter().enumerate() {
        let Some(delegation) = delegation_of(resolver, &zone) else {
            continue;
        };
        let resolver = resolver.clone();
        running.spawn(async move {
            let survey = resolver.survey_zone(&delegation).await;
            let answers = resolver.ask_all(&survey, &qname, rtype).await;
            (
                index,
                ZoneHop {
                    qname,
                    survey,
                    answers,
                },
            )
        });
    }
    let mut hops = Vec::new();
    while let Some(joined) = running.join_next().await {
        // A survey task cannot fail short of a panic in the resolver; a hop lost that way is
        // left out rather than taking the whole trace down.
        if let Ok(hop) = joined {
            hops.push(hop);
        }
    }
    hops.sort_by_key(|(index, _)| *index);

    TraceRun {
        question: Question::new(name.clone(), rtype),
        lookup,
        hops: hops.into_iter().map(|(_, hop)| hop).collect(),
        queries: resolver.stats().queries - before,
        elapsed: started.elapsed(),
        network: resolver.conclude(),
    }
}

/// The delegation of a zone on the walked path: the root hints for the root, the cached
/// referral for the others (every referral the walk followed is in the cache).
fn delegation_of(resolver: &Resolver, zone: &Name) -> Option<Delegation> {
    if zone.is_root() {
        return Some(resolver.config().roots.delegation());
    }
    resolver.delegation(zone)
}
