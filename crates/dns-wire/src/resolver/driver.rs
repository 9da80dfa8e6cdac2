//! The tokio driver (the `io` cargo feature): moves the exchanges a [`Run`] asks for and the
//! time, nothing else. Every decision (what to ask, when, of whom, what to share) is the run's.
//!
//! A [`Resolver`] is a handle on one run: cheap to clone, and every clone's lookups share the
//! run. Each async method starts a task on the run and waits for its event; a pump task, started
//! on demand and ended when the run is idle, sends the exchanges and feeds the results and the
//! time back. The lock around the run is the driver's, held only while the run is called; the
//! run itself is plain data.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinSet;

use super::ExchangeId;
use super::{
    limits, Delegation, DelegationCache, Health, QueryPurpose, QueryRecord, ResolverConfig, Run,
    RunClient, RunEvent, RunStats, ServerAddr, Survey, TaskId, WalkResult, ZoneSurvey,
    DEFAULT_CACHE_ENTRIES,
};
use crate::transport::{self, NoNetwork, QueryError};
use crate::{Name, Question, RecordType};

#[derive(Debug)]
struct Shared {
    config: ResolverConfig,
    state: Mutex<DriverState>,
    /// New work for the pump.
    work: Notify,
}

#[derive(Debug)]
struct DriverState {
    run: Run,
    /// Where each running task's event goes.
    waiting: HashMap<TaskId, Route>,
    /// Whether a pump task is running.
    pumping: bool,
}

/// Who waits for a task's event.
#[derive(Debug)]
enum Route {
    /// One async call ([`Resolver::lookup`] and the like).
    Call(oneshot::Sender<RunEvent>),
    /// A [`RunClient`] driven by [`Resolver::drive`].
    Client(mpsc::UnboundedSender<RunEvent>),
}

/// An iterative resolver: the tokio driver of one [`Run`]. Cheap to clone; clones share the
/// run (its delegation cache, exchanges, health and counters).
#[derive(Debug, Clone)]
pub struct Resolver {
    shared: Arc<Shared>,
}

impl Resolver {
    /// A resolver with an empty cache. The run's in-flight limit is lowered to this process's
    /// socket budget ([`super::socket_budget`]).
    pub fn new(config: ResolverConfig) -> Resolver {
        let mut run_config = config.clone();
        run_config.max_in_flight = config.max_in_flight.min(limits::socket_budget()).max(1);
        Resolver {
            shared: Arc::new(Shared {
                state: Mutex::new(DriverState {
                    // Bounded, for long runs (bulk, a service): TTLs honoured, a size cap.
                    run: Run::with_cache(
                        run_config,
                        DelegationCache::with_limits(DEFAULT_CACHE_ENTRIES, Instant::now()),
                        Instant::now(),
                    ),
                    waiting: HashMap::new(),
                    pumping: false,
                }),
                config,
                work: Notify::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ResolverConfig {
        &self.shared.config
    }

    /// Whether `other` is a clone of this resolver (the same run).
    pub fn same_run(&self, other: &Resolver) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    fn lock(&self) -> MutexGuard<'_, DriverState> {
        lock(&self.shared)
    }

    /// Counters since the resolver was made.
    pub fn stats(&self) -> RunStats {
        self.lock().run.stats()
    }

    /// What the run has learned about servers and about this machine's network so far (a
    /// copy).
    pub fn health(&self) -> Health {
        self.lock().run.health().clone()
    }

    /// At the end of a check: whether this machine could reach DNS servers at all
    /// ([`Health::conclude`]).
    pub fn conclude(&self) -> Option<NoNetwork> {
        self.lock().run.conclude()
    }

    /// The zone cut the run's cache holds for exactly `zone`.
    pub fn delegation(&self, zone: &Name) -> Option<Delegation> {
        self.lock().run.cache().delegation(zone)
    }

    /// Resolves `name`/`rtype` from the authoritative servers, following CNAMEs.
    pub async fn lookup(&self, name: &Name, rtype: RecordType) -> WalkResult {
        match self.start(|run, now| run.lookup(name, rtype, now)).await {
            Some(RunEvent::Lookup { result, .. }) => *result,
            _ => WalkResult::abandoned(Question::new(name.clone(), rtype)),
        }
    }

    /// Walks to the zone that holds `name` and stops at the first authoritative response
    /// there, whatever it is (CNAMEs are not followed). [`WalkResult::zone`] is that zone; if
    /// no server of it answered, the deepest zone reached.
    pub async fn locate(&self, name: &Name, rtype: RecordType) -> WalkResult {
        match self.start(|run, now| run.locate(name, rtype, now)).await {
            Some(RunEvent::Lookup { result, .. }) => *result,
            _ => WalkResult::abandoned(Question::new(name.clone(), rtype)),
        }
    }

    /// Locates the zone holding `name`, surveys it (once per run) and asks every server of
    /// it the question ([`Run::survey`]).
    pub async fn survey(&self, name: &Name, rtype: RecordType) -> Survey {
        match self.start(|run, now| run.survey(name, rtype, now)).await {
            Some(RunEvent::Survey { result, .. }) => *result,
            _ => {
                let located = WalkResult::abandoned(Question::new(name.clone(), rtype));
                Survey {
                    question: Question::new(name.clone(), rtype),
                    zone: empty_survey(&located.zone),
                    located,
                    answers: Vec::new(),
                }
            }
        }
    }

    /// Finds every server of the delegated zone and asks each for the zone's SOA and NS
    /// ([`Run::survey_zone`]).
    pub async fn survey_zone(&self, delegation: &Delegation) -> ZoneSurvey {
        match self
            .start(|run, now| run.survey_zone(delegation, now))
            .await
        {
            Some(RunEvent::Zone { result, .. }) => *result,
            _ => empty_survey(delegation),
        }
    }

    /// Asks every server of a surveyed zone `name`/`rtype` ([`Run::ask_all`]).
    pub async fn ask_all(
        &self,
        zone: &ZoneSurvey,
        name: &Name,
        rtype: RecordType,
    ) -> Vec<QueryRecord> {
        match self
            .start(|run, now| run.ask_all(zone, name, rtype, now))
            .await
        {
            Some(RunEvent::Asked { records, .. }) => records,
            _ => Vec::new(),
        }
    }

    /// Asks each of `servers` the question about `zone` ([`Run::ask_servers`]).
    pub async fn ask_servers(
        &self,
        zone: &Name,
        servers: &[ServerAddr],
        question: &Question,
        purpose: QueryPurpose,
    ) -> Vec<QueryRecord> {
        match self
            .start(|run, now| run.ask_servers(zone, servers, question, purpose, now))
            .await
        {
            Some(RunEvent::Asked { records, .. }) => records,
            _ => Vec::new(),
        }
    }

    /// Asks the recursive resolver of [`ResolverConfig::recursive`] (RD set) the question
    /// ([`Run::ask_recursive`]); `None` when no resolver is configured.
    pub async fn ask_recursive(&self, question: &Question) -> Option<QueryRecord> {
        let address = self.shared.config.recursive?;
        match self
            .start(|run, now| run.ask_recursive(address, question, now))
            .await
        {
            Some(RunEvent::Recursive { record, .. }) => Some(*record),
            _ => None,
        }
    }

    /// Asks the recursive resolver every question at once (within the run's in-flight
    /// limits): one entry per question, in the questions' order (`None` when no resolver is
    /// configured).
    pub async fn ask_recursive_all(&self, questions: &[Question]) -> Vec<Option<QueryRecord>> {
        let mut running = JoinSet::new();
        for (index, question) in questions.iter().enumerate() {
            let (resolver, question) = (self.clone(), question.clone());
            running.spawn(async move { (index, resolver.ask_recursive(&question).await) });
        }
        let mut records: Vec<Option<QueryRecord>> = vec![None; questions.len()];
        while let Some(joined) = running.join_next().await {
            // A task only fails by panicking; its question then has no record.
            if let Ok((index, record)) = joined {
                records[index] = record;
            }
        }
        records
    }

    /// Runs `client` on this resolver's run until it is done, and gives it back: its tasks
    /// share the run with every other lookup and client of the resolver (a bulk run drives many
    /// checks at once this way, in one async task, with no task of their own).
    pub async fn drive<C: RunClient>(&self, mut client: C) -> C {
        let (sender, mut events) = mpsc::unbounded_channel();
        let route = || Some(Route::Client(sender.clone()));
        self.call(|run, now| client.start(run, now), route);
        while !client.is_done() {
            // The sender is held here, so the channel stays open while the client waits.
            let Some(event) = events.recv().await else {
                break;
            };
            self.call(|run, now| client.handle(event, run, now), route);
        }
        client
    }

    /// Starts a task on the run and waits for its event. `None` only if the event never came
    /// (the run hands out one for every task it starts, so only a run lost with its lock could
    /// cause it): the callers then report the work as abandoned.
    async fn start(&self, begin: impl FnOnce(&mut Run, Instant) -> TaskId) -> Option<RunEvent> {
        let (sender, receiver) = oneshot::channel();
        let mut sender = Some(sender);
        self.call(
            |run, now| {
                begin(run, now);
            },
            || sender.take().map(Route::Call),
        );
        receiver.await.ok()
    }

    /// Calls into the run with the lock held, routes the events of the tasks the call started
    /// as `route` says, and makes sure the pump runs.
    fn call(&self, f: impl FnOnce(&mut Run, Instant), mut route: impl FnMut() -> Option<Route>) {
        {
            let mut state = self.lock();
            f(&mut state.run, Instant::now());
            for task in state.run.take_started() {
                if let Some(route) = route() {
                    state.waiting.insert(task, route);
                }
            }
            // A task answered entirely from the run's memory is already done.
            route_events(&mut state);
            if !state.pumping {
                state.pumping = true;
                tokio::spawn(pump(Arc::clone(&self.shared)));
            }
        }
        self.shared.work.notify_one();
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, DriverState> {
    // Every update under the lock is one call into the run, which leaves it consistent
    // whatever happens after: a poisoned lock still holds a usable run.
    shared.state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hands the run's finished tasks to their callers and clients.
fn route_events(state: &mut DriverState) {
    while let Some(event) = state.run.poll_event() {
        // The caller may have gone (its future dropped): nothing to do then.
        match state.waiting.remove(&event.task()) {
            Some(Route::Call(sender)) => {
                let _ = sender.send(event);
            }
            Some(Route::Client(sender)) => {
                let _ = sender.send(event);
            }
            None => {}
        }
    }
}

/// Moves exchanges and time for the run until it is idle.
async fn pump(shared: Arc<Shared>) {
    let mut running: JoinSet<(ExchangeId, Result<transport::Exchange, QueryError>)> =
        JoinSet::new();
    let mut exchanges: HashMap<tokio::task::Id, (ExchangeId, SocketAddr)> = HashMap::new();
    loop {
        let wakeup = {
            let mut state = lock(&shared);
            let now = Instant::now();
            while let Some(transmit) = state.run.poll_transmit(now) {
                let (id, address) = (transmit.id, transmit.address);
                let handle = running.spawn(async move {
                    let result =
                        transport::query(transmit.address, &transmit.question, &transmit.transport)
                            .await;
                    (transmit.id, result)
                });
                exchanges.insert(handle.id(), (id, address));
            }
            route_events(&mut state);
            if state.run.is_idle() && running.is_empty() {
                state.pumping = false;
                return;
            }
            state.run.poll_timeout()
        };
        let work = shared.work.notified();
        tokio::select! {
            joined = running.join_next_with_id(), if !running.is_empty() => {
                let Some(joined) = joined else { continue };
                let (id, result) = match joined {
                    Ok((task, (id, result))) => {
                        exchanges.remove(&task);
                        (id, result)
                    }
                    Err(error) => {
                        // The exchange task panicked: an I/O failure, so the run moves on.
                        let Some((id, server)) = exchanges.remove(&error.id()) else { continue };
                        (id, Err(QueryError::Io {
                            server,
                            protocol: transport::Protocol::Udp,
                            operation: "querying",
                            kind: std::io::ErrorKind::Other,
                            message: error.to_string(),
                            errno: None,
                        }))
                    }
                };
                lock(&shared).run.receive(id, result, Instant::now());
            }
            () = sleep_until(wakeup) => {
                lock(&shared).run.handle_timeout(Instant::now());
            }
            () = work => {}
        }
    }
}

async fn sleep_until(wakeup: Option<Instant>) {
    match wakeup {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// A zone survey that found nothing.
fn empty_survey(delegation: &Delegation) -> ZoneSurvey {
    ZoneSurvey {
        zone: delegation.zone.clone(),
        delegation: delegation.clone(),
        parent_ns: None,
        child_ns: None,
        servers: Vec::new(),
        unresolved: Vec::new(),
        ns_ignored: 0,
        trace: super::Trace::default(),
    }
}
