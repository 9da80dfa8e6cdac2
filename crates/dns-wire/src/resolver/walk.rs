//! The iterative walk as a sans-I/O state machine.
//!
//! A [`Walk`] never touches a socket or a clock. [`Walk::poll`] says which queries to send
//! (several at once when they are independent), [`Walk::receive`] takes each result, and when
//! [`Walk::poll`] returns [`WalkStep::Done`], [`Walk::into_result`] gives the outcome with the
//! trace. The driver in [`super::Resolver`] owns the sockets; tests feed scripted responses.
//!
//! The walk is a set of tasks in an arena, not a call stack: the lookup itself is task 0, and a
//! delegation whose name servers came without glue spawns tasks for their addresses (A and/or
//! AAAA), whose results are fed back to the waiting task. A task that follows a CNAME restarts
//! at the target from the closest known zone cut. Nothing recurses on the native stack, and
//! every step is charged to the [`Budget`].
//!
//! The walk does not own the [`DelegationCache`]: whoever drives it lends the cache to each
//! call ([`Walk::poll`], [`Walk::receive`], [`Walk::into_result`]), so many walks of one run
//! share one cache without a lock. They cooperate through it without talking to each other: a
//! task about to ask the root's or a top-level domain's servers about a name first claims that
//! step in the cache; another task heading for the same child waits (bounded by
//! [`WalkOptions::max_descent_wait`]) and then starts from the cut the first one brought back,
//! whether it belongs to another walk or to the same one (two name server address lookups
//! started together), unless the claim is held by a task it works for.
//! A walk that ends a claim says so ([`Walk::take_released_descents`]); its driver then polls
//! the walks waiting on the same cache ([`super::Run`] does). A walk gives its claims back in
//! [`Walk::into_result`] or [`Walk::abandon`]: dropping it does nothing.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use super::cache::{Delegation, DelegationCache};
use super::classify::{classify, Classification, ThrowawayReason};
use super::config::Budget;
use super::hints::RootHints;
use super::trace::{BudgetLimit, QueryPurpose, QueryRecord, ServerAddr, Trace, WalkEvent};
use crate::transport::{Exchange, QueryError};
use crate::{Name, Question, RData, Record};

/// How many times one task may go back to a parent zone after a child zone failed.
const MAX_BACKTRACKS: u32 = 2;

/// A descent claim names its task as the walk's id with the task's index in the low bits
/// ([`Walk::claimant`]); a walk has far fewer than 2^20 tasks (one per name server address
/// lookup, bounded by [`Budget::max_ns_address_lookups`]).
const CLAIM_TASK_BITS: u32 = 20;
const CLAIM_TASK_MASK: u64 = (1 << CLAIM_TASK_BITS) - 1;

/// What a [`Walk`] needs besides the question.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Work bounds.
    pub budget: Budget,
    /// Where to start when the cache knows no closer zone.
    pub roots: RootHints,
    /// The port servers are asked on (recorded in the trace; the driver sends there).
    pub port: u16,
    /// The address families whose servers are asked.
    pub families: super::AddressFamilies,
    /// Follow CNAMEs to their targets; when off, the walk stops at the zone that holds the
    /// name, whatever it holds.
    pub follow_cnames: bool,
    /// How many glueless name server hosts one task resolves at once.
    pub ns_lookup_parallelism: usize,
    /// Share descents through the root and top-level domains with concurrent walks on the same
    /// cache: a walk about to ask such a zone's servers about a name waits while another walk
    /// asks them about a name below the same child (it will bring back the referral) instead
    /// of asking too. Nearly every answer at those levels is a referral; below them, lookups
    /// go in parallel.
    pub share_descents: bool,
    /// Longest wait for another walk's descent before asking anyway (a bound, so walks that
    /// wait on each other cannot stall).
    pub max_descent_wait: Duration,
    /// Name servers of one zone considered at most ([`super::ResolverConfig::max_ns_per_zone`]).
    pub max_ns_per_zone: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            budget: Budget::default(),
            roots: RootHints::default(),
            port: 53,
            families: super::AddressFamilies::BOTH,
            follow_cnames: true,
            ns_lookup_parallelism: 2,
            max_ns_per_zone: super::MAX_NS_PER_ZONE,
            share_descents: true,
            max_descent_wait: Duration::from_secs(3),
        }
    }
}

impl WalkOptions {
    /// The address families in use.
    pub fn families(&self) -> super::AddressFamilies {
        self.families
    }
}

/// Identifies a query handed out by [`Walk::poll`], to hand its result back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryToken(pub u64);

/// A query the walk wants sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingQuery {
    /// Give this back with the result.
    pub token: QueryToken,
    /// The server to ask.
    pub server: ServerAddr,
    /// Address and port to send to.
    pub address: SocketAddr,
    /// The question.
    pub question: Question,
    /// The zone the server is asked about.
    pub zone: Name,
    /// Why.
    pub purpose: QueryPurpose,
}

/// What the driver should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkStep {
    /// Send these queries (independent of each other), then feed each result back.
    Send(Vec<PendingQuery>),
    /// Nothing new to send: wait for results of queries already sent (or the deadline).
    Wait,
    /// The walk is over; call [`Walk::into_result`].
    Done,
}

/// A CNAME followed, and who said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CnameStep {
    /// The CNAME record.
    pub record: Record,
    /// The zone whose server gave it.
    pub zone: Name,
    /// That server.
    pub server: ServerAddr,
}

/// Why a lookup ended without an authoritative result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// Every known server of a zone was asked and none gave a usable answer.
    #[error("no server of zone {zone} gave a usable answer for {name} ({asked} asked)")]
    ZoneExhausted {
        /// The zone.
        zone: Name,
        /// The name being looked up.
        name: Name,
        /// How many server addresses were asked.
        asked: usize,
    },
    /// A budget ran out.
    #[error("the budget of {limit} ran out while resolving {name}")]
    BudgetExhausted {
        /// Which budget.
        limit: BudgetLimit,
        /// The name being looked up.
        name: Name,
    },
    /// A CNAME chain came back to a name already in it.
    #[error("CNAME loop: {name} appears twice in the chain")]
    CnameLoop {
        /// The repeated name.
        name: Name,
    },
    /// A sub-lookup was abandoned because the lookup that needed it ended.
    #[error("abandoned: the lookup that needed it ended first")]
    Abandoned,
}

/// How a lookup ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkOutcome {
    /// Authoritative records of the type asked, at the end of the CNAME chain.
    Answer(Vec<Record>),
    /// The name is a CNAME and the walk was told not to follow it (the chain holds it).
    Alias,
    /// The final name does not exist.
    NxDomain {
        /// The SOA from the authority section, if given.
        soa: Option<Record>,
    },
    /// The final name exists but has no records of the type asked.
    NoData {
        /// The SOA from the authority section, if given.
        soa: Option<Record>,
    },
    /// No authoritative result.
    Failed(ResolveError),
}

/// Work done by a walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WalkStats {
    /// Queries sent.
    pub queries: u32,
    /// Referrals followed.
    pub referrals: u32,
    /// CNAMEs followed.
    pub cname_hops: u32,
    /// Glueless name server address lookups started.
    pub ns_address_lookups: u32,
    /// Times a cached zone cut was used instead of starting from the root.
    pub cache_hits: u32,
}

/// The result of a walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkResult {
    /// The question first asked.
    pub question: Question,
    /// How it ended.
    pub outcome: WalkOutcome,
    /// The name the outcome is about (the last CNAME target, or the name asked).
    pub final_name: Name,
    /// The CNAMEs followed, in order.
    pub chain: Vec<CnameStep>,
    /// The zone whose server gave the outcome; on failure, the deepest zone reached.
    pub zone: Delegation,
    /// The server that gave the outcome.
    pub answered_by: Option<ServerAddr>,
    /// Everything that was asked and decided.
    pub trace: Trace,
    /// Work done.
    pub stats: WalkStats,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TaskPurpose {
    Lookup,
    NsAddress { parent: usize, ns: Name },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TaskEnd {
    Answer(Vec<Record>),
    Alias,
    NxDomain(Option<Record>),
    NoData(Option<Record>),
    Failed(ResolveError),
}

/// A name server host whose address sub-lookups are running.
#[derive(Debug, Clone, Default)]
struct NsLookup {
    running: u8,
    found: bool,
    reasons: Vec<String>,
}

#[derive(Debug, Clone)]
struct Candidate {
    server: ServerAddr,
    tried: bool,
}

#[derive(Debug, Clone)]
struct Task {
    purpose: TaskPurpose,
    nesting: u32,
    question: Question,
    cut: Delegation,
    descent: u32,
    candidates: Vec<Candidate>,
    unresolved: Vec<Name>,
    ns_lookups: HashMap<Name, NsLookup>,
    children: Vec<usize>,
    waiting: Option<u64>,
    chain: Vec<CnameStep>,
    seen: HashSet<Name>,
    answered_by: Option<ServerAddr>,
    end: Option<TaskEnd>,
    /// Zones whose servers all failed, with the NS set they were entered with.
    failed_zones: HashMap<Name, Vec<Name>>,
    /// The first (deepest) failure, reported if backtracking does not help.
    first_failure: Option<ResolveError>,
    /// The zone of that failure.
    failed_cut: Option<Delegation>,
    backtracks: u32,
    /// The descent this task has claimed in the shared cache (zone, next label).
    claim: Option<(Name, Vec<u8>)>,
    /// Since when the task waits for another walk's descent from its current zone.
    waiting_for_descent: Option<Instant>,
}

#[derive(Debug, Clone)]
struct InFlight {
    task: usize,
    query: PendingQuery,
}

/// A lookup in progress. See the module documentation.
#[derive(Debug)]
pub struct Walk {
    options: WalkOptions,
    /// The root zone as the hints give it ([`RootHints::delegation`]), built once per walk.
    root: Delegation,
    /// The cache lent by the caller for the length of one public call (see
    /// [`Walk::with_cache`]); an empty placeholder in between.
    cache: DelegationCache,
    question: Question,
    tasks: Vec<Task>,
    in_flight: HashMap<u64, InFlight>,
    next_token: u64,
    stats: WalkStats,
    trace: Trace,
    deadline: Instant,
    /// Identifies this walk's descent claims in the shared cache.
    id: u64,
    /// A descent claim ended since the driver last asked ([`Walk::take_released_descents`]).
    released_descents: bool,
    /// The time given to the current [`Walk::poll`].
    now: Instant,
}

impl WalkResult {
    /// The result of a lookup of `question` that never ran to its end (its driver gave up, or
    /// the task was lost): failed as abandoned, at the root, with nothing asked.
    pub fn abandoned(question: Question) -> WalkResult {
        WalkResult {
            outcome: WalkOutcome::Failed(ResolveError::Abandoned),
            final_name: question.name.clone(),
            chain: Vec::new(),
            zone: Delegation {
                zone: Name::root(),
                parent: None,
                ns: Vec::new(),
                ttl: 0,
                glue: Vec::new(),
                referred_by: None,
                ns_listed: 0,
            },
            answered_by: None,
            trace: Trace::default(),
            stats: WalkStats::default(),
            question,
        }
    }

    /// Whether the walk failed without any server of the zone where it failed answering at
    /// all: every query there went unanswered after every try, or could not be sent from this
    /// machine. What the zone holds is then unknown, rather than broken.
    pub fn unanswered(&self) -> bool {
        if !matches!(self.outcome, WalkOutcome::Failed(_)) {
            return false;
        }
        let mut asked = self
            .trace
            .queries()
            .filter(|q| q.zone == self.zone.zone)
            .peekable();
        asked.peek().is_some()
            && asked.all(|q| {
                q.result
                    .as_ref()
                    .err()
                    .is_some_and(|e| e.is_no_response() || e.is_local())
            })
    }
}

impl Walk {
    /// Starts a lookup of `question` at `now`, from the closest zone cut in `cache` or the
    /// root hints. The walk adds what it learns to the cache it is given at each call.
    pub fn new(
        question: Question,
        options: WalkOptions,
        cache: &mut DelegationCache,
        now: Instant,
    ) -> Walk {
        let deadline = now + options.budget.max_time;
        let mut walk = Walk {
            root: options.roots.delegation(),
            options,
            id: cache.walk_id(),
            cache: DelegationCache::default(),
            question: question.clone(),
            tasks: Vec::new(),
            in_flight: HashMap::new(),
            next_token: 0,
            stats: WalkStats::default(),
            trace: Trace::default(),
            deadline,
            released_descents: false,
            now,
        };
        walk.with_cache(cache, |walk| {
            walk.spawn(TaskPurpose::Lookup, 0, question);
        });
        walk
    }

    /// Runs `step` with the caller's cache in [`Walk::cache`], then gives it back. The walk's
    /// internals read and fill `self.cache` as if they owned it, while the one cache of the
    /// run stays with its owner between calls (a swap of two small structs, no copy).
    fn with_cache<R>(
        &mut self,
        cache: &mut DelegationCache,
        step: impl FnOnce(&mut Walk) -> R,
    ) -> R {
        std::mem::swap(&mut self.cache, cache);
        let result = step(self);
        std::mem::swap(&mut self.cache, cache);
        result
    }

    /// When the walk gives up if it is still running ([`Budget::max_time`] after the start).
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// When the walk wants to be polled again even if no result arrives: the end of the
    /// earliest bounded wait for another walk's descent ([`WalkOptions::max_descent_wait`]).
    /// `None` if no task waits; the driver also polls at [`Walk::deadline`].
    pub fn next_wakeup(&self) -> Option<Instant> {
        self.tasks
            .iter()
            .filter(|t| t.end.is_none())
            .filter_map(|t| t.waiting_for_descent)
            .map(|since| since + self.options.max_descent_wait)
            .min()
    }

    /// Whether the walk has ended a descent claim in its cache since the last call (and
    /// forgets it). Walks of the same cache waiting for a descent ([`Walk::next_wakeup`]) may
    /// then go on: the driver polls them again. A driver that never asks only makes those
    /// walks wait their bound ([`WalkOptions::max_descent_wait`]).
    pub fn take_released_descents(&mut self) -> bool {
        std::mem::take(&mut self.released_descents)
    }

    /// The zone cut the lookup is in now: the one whose servers it asks the question, or
    /// looks up the addresses of (the root before the first referral).
    pub fn zone(&self) -> &Delegation {
        &self.tasks[0].cut
    }

    /// Whether the lookup has ended.
    pub fn is_done(&self) -> bool {
        self.tasks[0].end.is_some()
    }

    /// The name servers of the current zone ([`Walk::zone`]) whose addresses the lookup has
    /// not started to look up: it does only when the servers it knows have all failed.
    pub fn unresolved(&self) -> &[Name] {
        &self.tasks[0].unresolved
    }

    /// The queries still awaited.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Advances the walk to `now` and says what to do next.
    pub fn poll(&mut self, now: Instant, cache: &mut DelegationCache) -> WalkStep {
        self.with_cache(cache, |walk| walk.poll_inner(now))
    }

    fn poll_inner(&mut self, now: Instant) -> WalkStep {
        if self.is_done() {
            return WalkStep::Done;
        }
        if now >= self.deadline {
            self.exhausted(0, BudgetLimit::Time);
            return WalkStep::Done;
        }
        self.now = now;
        let mut sends = Vec::new();
        // Each pass advances every running task; a pass that changes nothing ends the loop.
        // Every change sends a query, spawns a task or ends one, all bounded by the budget.
        loop {
            let mut changed = false;
            for id in 0..self.tasks.len() {
                changed |= self.advance(id, &mut sends);
            }
            if !changed || self.is_done() {
                break;
            }
        }
        if self.is_done() {
            WalkStep::Done
        } else if !sends.is_empty() {
            WalkStep::Send(sends)
        } else if self.in_flight.is_empty() && self.next_wakeup().is_none() {
            // Cannot happen: a running task with nothing to wait for ends itself. Ending the
            // walk here keeps a driver from waiting forever if that reasoning is ever wrong.
            let name = self.tasks[0].question.name.clone();
            let zone = self.tasks[0].cut.zone.clone();
            self.finish(
                0,
                TaskEnd::Failed(ResolveError::ZoneExhausted {
                    zone,
                    name,
                    asked: 0,
                }),
            );
            WalkStep::Done
        } else {
            WalkStep::Wait
        }
    }

    /// Takes the result of a query handed out by [`Walk::poll`]. Unknown tokens are ignored.
    pub fn receive(
        &mut self,
        token: QueryToken,
        result: Result<Exchange, QueryError>,
        now: Instant,
        cache: &mut DelegationCache,
    ) {
        self.with_cache(cache, |walk| walk.receive_inner(token, result, now, false));
    }

    /// As [`Walk::receive`], for a result the driver shared with another question of the run
    /// (the same question to the same server, in flight at the same time or answered earlier):
    /// the walk uses it the same way, and its trace marks it [`QueryRecord::repeated`], not a
    /// query of its own.
    pub fn receive_shared(
        &mut self,
        token: QueryToken,
        result: Result<Exchange, QueryError>,
        now: Instant,
        cache: &mut DelegationCache,
    ) {
        self.with_cache(cache, |walk| walk.receive_inner(token, result, now, true));
    }

    fn receive_inner(
        &mut self,
        token: QueryToken,
        result: Result<Exchange, QueryError>,
        now: Instant,
        shared: bool,
    ) {
        let Some(InFlight { task: id, query }) = self.in_flight.remove(&token.0) else {
            return;
        };
        if self.tasks[id].waiting == Some(token.0) {
            self.tasks[id].waiting = None;
        }
        let zone = query.zone.clone();
        let (classification, analysis) = match &result {
            Ok(exchange) => {
                let analysis = classify(&query.question, &zone, &exchange.response);
                (analysis.classification.clone(), Some(analysis))
            }
            Err(error) => (Classification::of_error(error), None),
        };
        let task_running = self.tasks[id].end.is_none();
        let record = QueryRecord {
            zone,
            server: query.server.clone(),
            address: query.address,
            question: query.question.clone(),
            purpose: query.purpose.clone(),
            result,
            classification: if task_running {
                classification.clone()
            } else {
                Classification::Throwaway(ThrowawayReason::Late)
            },
            discarded: analysis
                .as_ref()
                .map(|a| a.discarded.clone())
                .unwrap_or_default(),
            repeated: shared,
        };
        self.trace.query(record);
        let (true, Some(analysis)) = (task_running, analysis) else {
            return;
        };
        if now >= self.deadline {
            self.exhausted(0, BudgetLimit::Time);
            return;
        }
        for dname in &analysis.dnames {
            if let RData::Dname(target) = &dname.data {
                self.trace.event(WalkEvent::Dname {
                    owner: dname.name.clone(),
                    target: target.clone(),
                });
            }
        }
        match classification {
            Classification::Answer => {
                if self.follow_chain(id, &analysis.chain, &query) {
                    self.tasks[id].answered_by = Some(query.server.clone());
                    self.finish(id, TaskEnd::Answer(analysis.answers));
                }
            }
            Classification::Cname { target } => {
                if !self.follow_chain(id, &analysis.chain, &query) {
                    return;
                }
                self.tasks[id].answered_by = Some(query.server.clone());
                let is_lookup = self.tasks[id].purpose == TaskPurpose::Lookup;
                if is_lookup && !self.options.follow_cnames {
                    self.finish(id, TaskEnd::Alias);
                } else {
                    self.restart(id, target);
                }
            }
            Classification::NxDomain => {
                self.tasks[id].answered_by = Some(query.server.clone());
                self.finish(id, TaskEnd::NxDomain(analysis.soa));
            }
            Classification::NoData => {
                self.tasks[id].answered_by = Some(query.server.clone());
                self.finish(id, TaskEnd::NoData(analysis.soa));
            }
            Classification::Referral { .. } => {
                if let Some(referral) = analysis.referral {
                    self.follow_referral(id, referral, query.server);
                }
            }
            Classification::Lame(_) | Classification::Throwaway(_) => {
                // The next poll asks the next server.
            }
        }
    }

    /// Ends the walk early: its descent claims go back to `cache`, its running tasks end as
    /// abandoned, and late results are ignored. [`Walk::into_result`] still works after it.
    pub fn abandon(&mut self, cache: &mut DelegationCache) {
        self.with_cache(cache, |walk| {
            for id in 0..walk.tasks.len() {
                walk.release_claim(id);
            }
        });
    }

    /// Ends the walk and returns what it found; its descent claims go back to `cache`.
    pub fn into_result(mut self, cache: &mut DelegationCache) -> WalkResult {
        self.with_cache(cache, |walk| walk.take_result())
    }

    fn take_result(&mut self) -> WalkResult {
        if self.tasks[0].end.is_none() {
            self.exhausted(0, BudgetLimit::Time);
        }
        for id in 0..self.tasks.len() {
            self.release_claim(id);
        }
        let task = std::mem::take(&mut self.tasks).swap_remove(0);
        let outcome = match task.end {
            Some(TaskEnd::Answer(records)) => WalkOutcome::Answer(records),
            Some(TaskEnd::Alias) => WalkOutcome::Alias,
            Some(TaskEnd::NxDomain(soa)) => WalkOutcome::NxDomain { soa },
            Some(TaskEnd::NoData(soa)) => WalkOutcome::NoData { soa },
            Some(TaskEnd::Failed(error)) => WalkOutcome::Failed(error),
            None => WalkOutcome::Failed(ResolveError::Abandoned),
        };
        // A failure is reported at the deepest zone that failed, even if the walk went back.
        let zone = match (&outcome, task.failed_cut) {
            (WalkOutcome::Failed(_), Some(failed)) => failed,
            _ => task.cut,
        };
        WalkResult {
            question: self.question.clone(),
            outcome,
            final_name: task.question.name,
            chain: task.chain,
            zone,
            answered_by: task.answered_by,
            trace: std::mem::take(&mut self.trace),
            stats: self.stats,
        }
    }

    // ---- tasks -------------------------------------------------------------------------

    fn spawn(&mut self, purpose: TaskPurpose, nesting: u32, question: Question) -> usize {
        let id = self.tasks.len();
        let root = self.root_delegation();
        self.tasks.push(Task {
            purpose,
            nesting,
            seen: HashSet::from([question.name.clone()]),
            question,
            cut: root,
            descent: 0,
            candidates: Vec::new(),
            unresolved: Vec::new(),
            ns_lookups: HashMap::new(),
            children: Vec::new(),
            waiting: None,
            chain: Vec::new(),
            answered_by: None,
            end: None,
            failed_zones: HashMap::new(),
            first_failure: None,
            failed_cut: None,
            backtracks: 0,
            claim: None,
            waiting_for_descent: None,
        });
        let start = self.start_cut(id);
        self.enter(id, start);
        id
    }

    fn root_delegation(&self) -> Delegation {
        self.root.clone()
    }

    /// The closest cached cut above the task's name, or the root.
    fn start_cut(&mut self, id: usize) -> Delegation {
        let name = self.tasks[id].question.name.clone();
        match self.cache.closest(&name) {
            Some(cut) => {
                self.stats.cache_hits += 1;
                self.trace.event(WalkEvent::CacheHit {
                    name,
                    zone: cut.zone.clone(),
                });
                cut
            }
            None => self.root_delegation(),
        }
    }

    fn family_enabled(&self, ip: &IpAddr) -> bool {
        self.options.families().allows(ip)
    }

    /// Makes `cut` the task's current zone: glue and cached addresses become candidates, the
    /// other NS names wait for address lookups.
    fn enter(&mut self, id: usize, cut: Delegation) {
        self.release_claim(id);
        self.abandon_children(id);
        let mut candidates: Vec<Candidate> = Vec::new();
        let add = |server: ServerAddr, list: &mut Vec<Candidate>| {
            if !list.iter().any(|c| c.server.ip == server.ip) {
                list.push(Candidate {
                    server,
                    tried: false,
                });
            }
        };
        for server in cut.glue.iter().filter(|s| self.family_enabled(&s.ip)) {
            add(server.clone(), &mut candidates);
        }
        let mut unresolved = Vec::new();
        for ns in cut.glueless() {
            match self.cache.addresses(ns) {
                Some(ips) => {
                    for ip in ips.into_iter().filter(|ip| self.family_enabled(ip)) {
                        add(ServerAddr::new(Some(ns.clone()), ip), &mut candidates);
                    }
                }
                None => unresolved.push(ns.clone()),
            }
        }
        let task = &mut self.tasks[id];
        task.cut = cut;
        task.candidates = candidates;
        task.unresolved = unresolved;
        task.ns_lookups.clear();
        task.waiting = None;
    }

    /// One step of one task; true if anything changed.
    fn advance(&mut self, id: usize, sends: &mut Vec<PendingQuery>) -> bool {
        let task = &self.tasks[id];
        if task.end.is_some() || task.waiting.is_some() {
            return false;
        }
        if task.candidates.iter().any(|c| !c.tried) {
            if self.wait_for_descent(id) {
                return false;
            }
            if self.tasks[id].end.is_some() || self.tasks[id].waiting.is_some() {
                return true;
            }
            let Some(index) = self.tasks[id].candidates.iter().position(|c| !c.tried) else {
                return true;
            };
            if self.stats.queries >= self.options.budget.max_queries {
                self.exhausted(id, BudgetLimit::Queries);
                return true;
            }
            let task = &mut self.tasks[id];
            task.candidates[index].tried = true;
            let server = task.candidates[index].server.clone();
            let token = self.next_token;
            self.next_token += 1;
            let query = PendingQuery {
                token: QueryToken(token),
                address: SocketAddr::new(server.ip, self.options.port),
                server,
                question: task.question.clone(),
                zone: task.cut.zone.clone(),
                purpose: match &task.purpose {
                    TaskPurpose::Lookup => QueryPurpose::Lookup,
                    TaskPurpose::NsAddress { ns, .. } => QueryPurpose::NsAddress { ns: ns.clone() },
                },
            };
            task.waiting = Some(token);
            self.stats.queries += 1;
            self.in_flight.insert(
                token,
                InFlight {
                    task: id,
                    query: query.clone(),
                },
            );
            sends.push(query);
            return true;
        }
        if self.start_ns_lookups(id) {
            return true;
        }
        if !self.tasks[id].ns_lookups.is_empty() {
            return false;
        }
        self.zone_exhausted(id);
        true
    }

    /// Every server of the task's zone failed. If the zone was entered by a referral, the
    /// referral may have been the bad part (a lame parent server delegating to nowhere), so the
    /// walk goes back to the parent zone once, skipping the server that referred; otherwise, or
    /// if the parent's other servers repeat the same delegation, the task fails naming the
    /// deepest zone that failed.
    fn zone_exhausted(&mut self, id: usize) {
        let task = &mut self.tasks[id];
        let (zone, name, asked) = (
            task.cut.zone.clone(),
            task.question.name.clone(),
            task.candidates.len(),
        );
        self.trace.event(WalkEvent::ZoneExhausted {
            zone: zone.clone(),
            name: name.clone(),
        });
        let task = &mut self.tasks[id];
        let failure = task
            .first_failure
            .get_or_insert(ResolveError::ZoneExhausted {
                zone: zone.clone(),
                name,
                asked,
            })
            .clone();
        if task.failed_cut.is_none() {
            task.failed_cut = Some(task.cut.clone());
        }
        task.failed_zones.insert(zone.clone(), task.cut.ns.clone());
        let referred_by = task.cut.referred_by.clone();
        let parent = match &task.cut.parent {
            Some(parent) if task.backtracks < MAX_BACKTRACKS => Some(parent.clone()),
            _ => None,
        };
        let parent_cut = parent.and_then(|p| {
            if p.is_root() {
                Some(self.root_delegation())
            } else {
                self.cache.delegation(&p)
            }
        });
        let Some(parent_cut) = parent_cut else {
            self.finish(id, TaskEnd::Failed(failure));
            return;
        };
        self.tasks[id].backtracks += 1;
        self.trace.event(WalkEvent::Backtrack {
            from: zone,
            to: parent_cut.zone.clone(),
        });
        self.enter(id, parent_cut);
        if let Some(referrer) = referred_by {
            for candidate in &mut self.tasks[id].candidates {
                if candidate.server.ip == referrer.ip {
                    candidate.tried = true;
                }
            }
        }
    }

    /// Whether task `id` should wait for another walk's descent instead of asking its zone's
    /// servers now. Claims the descent when it goes ahead; moves to a closer cached cut when
    /// another walk has brought one back.
    fn wait_for_descent(&mut self, id: usize) -> bool {
        if !self.options.share_descents || self.tasks[id].claim.is_some() {
            return false;
        }
        loop {
            let task = &self.tasks[id];
            let zone = task.cut.zone.clone();
            if zone.label_count() > 1 || task.candidates.iter().any(|c| c.tried) {
                return false;
            }
            let name = &task.question.name;
            let depth = name.label_count();
            let Some(label) = (depth > zone.label_count())
                .then(|| name.labels().nth(depth - zone.label_count() - 1))
                .flatten()
                .map(<[u8]>::to_vec)
            else {
                return false;
            };
            // Another walk may have brought back a cut closer to the name meanwhile.
            if let Some(closer) = self.cache.closest(name) {
                if closer.zone.label_count() > zone.label_count() {
                    self.stats.cache_hits += 1;
                    self.trace.event(WalkEvent::CacheHit {
                        name: name.clone(),
                        zone: closer.zone.clone(),
                    });
                    self.enter(id, closer);
                    continue;
                }
            }
            if self.cache.claim_descent(&zone, &label, self.claimant(id)) {
                let task = &mut self.tasks[id];
                task.claim = Some((zone, label));
                task.waiting_for_descent = None;
                return false;
            }
            // A task this one works for holds it (it waits for this address lookup): going
            // ahead is the only way on.
            let owner = self.cache.descent_owner(&zone, &label);
            if let Some(holder) = owner.and_then(|owner| self.own_claim_task(owner)) {
                if self.works_for(id, holder) {
                    return false;
                }
            }
            let now = self.now;
            let wait = self.options.max_descent_wait;
            let task = &mut self.tasks[id];
            return match task.waiting_for_descent {
                // Waited long enough: ask without a claim.
                Some(since) if now >= since + wait => {
                    task.waiting_for_descent = None;
                    false
                }
                Some(_) => true,
                None => {
                    task.waiting_for_descent = Some(now);
                    true
                }
            };
        }
    }

    /// Gives up the task's descent claim, if any.
    fn release_claim(&mut self, id: usize) {
        if let Some((zone, label)) = self.tasks[id].claim.take() {
            self.released_descents |= self.cache.release_descent(&zone, &label, self.claimant(id));
        }
        self.tasks[id].waiting_for_descent = None;
    }

    /// Whether task `id` works for task `other` (an address lookup for it, or for one of
    /// its own lookups).
    fn works_for(&self, id: usize, other: usize) -> bool {
        let mut current = id;
        while let TaskPurpose::NsAddress { parent, .. } = &self.tasks[current].purpose {
            if *parent == other {
                return true;
            }
            current = *parent;
        }
        false
    }

    /// Who task `id` claims descents as: the task, not the walk, so that two name server
    /// address lookups of one walk (started together) share a descent as two walks do, and
    /// the questions a run sends do not depend on which answer comes first.
    fn claimant(&self, id: usize) -> u64 {
        (self.id << CLAIM_TASK_BITS) | (id as u64 & CLAIM_TASK_MASK)
    }

    /// The task of this walk that holds a claim made as `owner` ([`Walk::claimant`]), if one
    /// of this walk's tasks does.
    fn own_claim_task(&self, owner: u64) -> Option<usize> {
        (owner >> CLAIM_TASK_BITS == self.id).then_some((owner & CLAIM_TASK_MASK) as usize)
    }

    /// Starts address lookups for unresolved NS names, up to the parallelism; true if any
    /// started or if addresses were found meanwhile.
    fn start_ns_lookups(&mut self, id: usize) -> bool {
        let mut changed = false;
        while self.tasks[id].ns_lookups.len() < self.options.ns_lookup_parallelism.max(1) {
            let task = &mut self.tasks[id];
            if task.unresolved.is_empty() {
                break;
            }
            let ns = task.unresolved.remove(0);
            let zone = task.cut.zone.clone();
            let nesting = task.nesting + 1;
            changed = true;
            // Another task may have found it since the zone was entered.
            if let Some(ips) = self.cache.addresses(&ns) {
                let servers: Vec<ServerAddr> = ips
                    .into_iter()
                    .filter(|ip| self.family_enabled(ip))
                    .map(|ip| ServerAddr::new(Some(ns.clone()), ip))
                    .collect();
                self.add_candidates(id, servers);
                continue;
            }
            if ns.is_subdomain_of(&zone) || self.needed_by_ancestor(id, &ns) {
                self.trace.event(WalkEvent::GluelessCycle { zone, ns });
                continue;
            }
            if nesting > self.options.budget.max_glueless_nesting {
                self.trace.event(WalkEvent::BudgetExhausted {
                    limit: BudgetLimit::GluelessNesting,
                });
                self.trace.event(WalkEvent::NsAddressFailed {
                    zone,
                    ns,
                    reason: "too many nested glueless delegations".to_string(),
                });
                continue;
            }
            let mut lookup = NsLookup::default();
            for rtype in self.options.families().address_types() {
                if self.stats.ns_address_lookups >= self.options.budget.max_ns_address_lookups {
                    self.trace.event(WalkEvent::BudgetExhausted {
                        limit: BudgetLimit::NsAddressLookups,
                    });
                    break;
                }
                self.stats.ns_address_lookups += 1;
                let purpose = TaskPurpose::NsAddress {
                    parent: id,
                    ns: ns.clone(),
                };
                let child = self.spawn(purpose, nesting, Question::new(ns.clone(), rtype));
                self.tasks[id].children.push(child);
                lookup.running += 1;
            }
            if lookup.running == 0 {
                self.trace.event(WalkEvent::NsAddressFailed {
                    zone,
                    ns,
                    reason: "the budget of name server address lookups ran out".to_string(),
                });
                continue;
            }
            self.trace.event(WalkEvent::NsAddressLookup {
                zone,
                ns: ns.clone(),
            });
            self.tasks[id].ns_lookups.insert(ns, lookup);
        }
        changed
    }

    /// Whether `ns` is the name being looked up by `id` or a task it serves (a glueless cycle).
    fn needed_by_ancestor(&self, id: usize, ns: &Name) -> bool {
        let mut current = Some(id);
        while let Some(t) = current {
            let task = &self.tasks[t];
            if task.question.name == *ns || task.seen.contains(ns) {
                return true;
            }
            current = match &task.purpose {
                TaskPurpose::NsAddress { parent, .. } => Some(*parent),
                TaskPurpose::Lookup => None,
            };
        }
        false
    }

    fn add_candidates(&mut self, id: usize, servers: Vec<ServerAddr>) {
        let task = &mut self.tasks[id];
        for server in servers {
            if !task.candidates.iter().any(|c| c.server.ip == server.ip) {
                task.candidates.push(Candidate {
                    server,
                    tried: false,
                });
            }
        }
    }

    /// Records the CNAMEs of one response; false if the task ended (loop or budget).
    fn follow_chain(&mut self, id: usize, chain: &[Record], query: &PendingQuery) -> bool {
        for record in chain {
            let RData::Cname(target) = &record.data else {
                continue;
            };
            if self.stats.cname_hops >= self.options.budget.max_cname_hops {
                self.exhausted(id, BudgetLimit::CnameHops);
                return false;
            }
            self.stats.cname_hops += 1;
            self.trace.event(WalkEvent::Cname {
                owner: record.name.clone(),
                target: target.clone(),
            });
            let task = &mut self.tasks[id];
            task.chain.push(CnameStep {
                record: record.clone(),
                zone: query.zone.clone(),
                server: query.server.clone(),
            });
            if !task.seen.insert(target.clone()) {
                let name = target.clone();
                self.trace
                    .event(WalkEvent::CnameLoop { name: name.clone() });
                self.finish(id, TaskEnd::Failed(ResolveError::CnameLoop { name }));
                return false;
            }
            task.question.name = target.clone();
        }
        true
    }

    /// Continues the task at a CNAME target, from the closest known cut.
    fn restart(&mut self, id: usize, target: Name) {
        self.tasks[id].question.name = target;
        self.tasks[id].descent = 0;
        let start = self.start_cut(id);
        self.enter(id, start);
    }

    fn follow_referral(
        &mut self,
        id: usize,
        referral: super::classify::Referral,
        server: ServerAddr,
    ) {
        if self.stats.referrals >= self.options.budget.max_referrals {
            self.exhausted(id, BudgetLimit::Referrals);
            return;
        }
        if self.tasks[id].descent >= self.options.budget.max_delegation_depth {
            self.exhausted(id, BudgetLimit::DelegationDepth);
            return;
        }
        if let Some(failed_ns) = self.tasks[id].failed_zones.get(&referral.zone) {
            let same = failed_ns.len() == referral.ns.len()
                && referral.ns.iter().all(|n| failed_ns.contains(n));
            if same {
                // Another parent server confirms the delegation that already failed.
                let failure =
                    self.tasks[id]
                        .first_failure
                        .clone()
                        .unwrap_or(ResolveError::ZoneExhausted {
                            zone: referral.zone,
                            name: self.tasks[id].question.name.clone(),
                            asked: 0,
                        });
                self.finish(id, TaskEnd::Failed(failure));
                return;
            }
        }
        self.stats.referrals += 1;
        let from = self.tasks[id].cut.zone.clone();
        let ns_listed = referral.ns.len();
        let mut ns = referral.ns;
        // DNS order, not the response's: servers rotate their RRsets, and two runs must ask
        // the same servers in the same order (and keep the same subset when capped: the first
        // names in DNS order).
        ns.sort();
        ns.truncate(self.options.max_ns_per_zone);
        let mut glue: Vec<ServerAddr> = referral
            .glue
            .iter()
            .filter(|(name, _)| ns.contains(name))
            .map(|(name, ip)| ServerAddr::new(Some(name.clone()), *ip))
            .collect();
        glue.sort();
        self.trace.event(WalkEvent::Referral {
            from: from.clone(),
            to: referral.zone.clone(),
            ns: ns.clone(),
            glue: glue.len(),
        });
        let delegation = Delegation {
            zone: referral.zone,
            parent: Some(from),
            ns_listed,
            ns,
            ttl: referral.ttl,
            glue,
            referred_by: Some(server),
        };
        self.cache.insert(delegation.clone());
        self.tasks[id].descent += 1;
        self.enter(id, delegation);
    }

    fn exhausted(&mut self, id: usize, limit: BudgetLimit) {
        self.trace.event(WalkEvent::BudgetExhausted { limit });
        let name = self.tasks[id].question.name.clone();
        self.finish(
            id,
            TaskEnd::Failed(ResolveError::BudgetExhausted { limit, name }),
        );
    }

    /// Ends every running sub-lookup of `id` (their late responses are recorded as such).
    fn abandon_children(&mut self, id: usize) {
        let mut stack = std::mem::take(&mut self.tasks[id].children);
        while let Some(child) = stack.pop() {
            if self.tasks[child].end.is_none() {
                self.release_claim(child);
                let task = &mut self.tasks[child];
                task.end = Some(TaskEnd::Failed(ResolveError::Abandoned));
                stack.append(&mut task.children);
            }
        }
        self.tasks[id].ns_lookups.clear();
    }

    fn finish(&mut self, id: usize, end: TaskEnd) {
        if self.tasks[id].end.is_some() {
            return;
        }
        self.release_claim(id);
        self.abandon_children(id);
        let TaskPurpose::NsAddress { parent, ns } = self.tasks[id].purpose.clone() else {
            self.tasks[id].end = Some(end);
            return;
        };
        let ttl = match &end {
            TaskEnd::Answer(records) => records.iter().map(|r| r.ttl).min().unwrap_or(0),
            _ => 0,
        };
        let ips: Vec<IpAddr> = match &end {
            TaskEnd::Answer(records) => records
                .iter()
                .filter_map(|r| match r.data {
                    RData::A(ip) => Some(IpAddr::V4(ip)),
                    RData::Aaaa(ip) => Some(IpAddr::V6(ip)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let reason = match &end {
            TaskEnd::Answer(_) | TaskEnd::Alias => "no address records".to_string(),
            TaskEnd::NxDomain(_) => "the name does not exist".to_string(),
            TaskEnd::NoData(_) => "no address records".to_string(),
            TaskEnd::Failed(error) => error.to_string(),
        };
        self.tasks[id].end = Some(end);
        self.cache.add_addresses(&ns, &ips, ttl);
        if self.tasks[parent].end.is_some() {
            return;
        }
        self.tasks[parent].children.retain(|c| *c != id);
        let servers: Vec<ServerAddr> = ips
            .iter()
            .filter(|ip| self.family_enabled(ip))
            .map(|ip| ServerAddr::new(Some(ns.clone()), *ip))
            .collect();
        let zone = self.tasks[parent].cut.zone.clone();
        let Some(lookup) = self.tasks[parent].ns_lookups.get_mut(&ns) else {
            return; // The parent moved to another zone meanwhile.
        };
        lookup.running = lookup.running.saturating_sub(1);
        lookup.found |= !servers.is_empty();
        lookup.reasons.push(reason);
        if lookup.running == 0 {
            let lookup = self.tasks[parent]
                .ns_lookups
                .remove(&ns)
                .unwrap_or_default();
            if !lookup.found {
                self.trace.event(WalkEvent::NsAddressFailed {
                    zone,
                    ns,
                    reason: lookup.reasons.join("; "),
                });
            }
        }
        self.add_candidates(parent, servers);
    }
}
