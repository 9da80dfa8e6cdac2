//! The run: every lookup and survey of one diagnosis (or of a bulk run, or a service), as one
//! sans-I/O state machine, in the manner of quinn-proto.
//!
//! A [`Run`] owns what its lookups share: the [`DelegationCache`], the walks ([`Walk`]), the
//! zone surveys, the exchanges in flight (the same question to the same server is sent once and
//! its result shared; a question answered earlier in the run is answered from memory), the
//! servers that answered only without EDNS, and [`Health`]. It never touches a socket or a
//! clock:
//!
//! - the caller starts work ([`Run::lookup`], [`Run::survey`], [`Run::ask_servers`], ...) and
//!   gets a [`TaskId`];
//! - [`Run::poll_transmit`] says which exchange to make next (one question to one server:
//!   the transport's tries over UDP and the TCP fallback are one exchange);
//! - [`Run::receive`] takes each exchange's result with the time;
//! - [`Run::poll_timeout`] says when to call [`Run::handle_timeout`] if nothing arrives;
//! - [`Run::poll_event`] hands out finished tasks ([`RunEvent`]).
//!
//! The tokio driver ([`super::Resolver`], with the `io` feature) only moves exchanges and
//! time; tests drive the same machine over an in-memory network with simulated time.
//!
//! Politeness and safety live here, not in the driver: at most
//! [`ResolverConfig::max_in_flight`] exchanges at once and
//! [`ResolverConfig::max_in_flight_per_server`] per server address, [`UNHEARD_IN_FLIGHT`] to
//! a server that has not answered yet (the rest wait in order);
//! a server that never answered is waited out [`super::DEAD_AFTER`] times, then skipped; a
//! silent network is recognised ([`super::SILENT_AFTER`]) and every waiting question then
//! fails at once.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use super::cache::{Delegation, DelegationCache};
use super::classify::{self, classify, Classification};
use super::config::ResolverConfig;
use super::health::{Health, PROBE_AFTER, SILENCE_RECHECK, SILENT_AFTER, SILENT_LIMIT};
use super::survey::{NsSet, Survey, ZoneServer, ZoneSurvey};
use super::trace::{QueryPurpose, QueryRecord, ServerAddr, Trace};
use super::walk::{PendingQuery, QueryToken, Walk, WalkOptions, WalkOutcome, WalkResult, WalkStep};
use crate::transport::{Exchange, LocalCause, NoNetwork, NotChecked, QueryError, TransportConfig};
use crate::{Class, Name, Question, RData, RecordType};

/// How many times an exchange that ran out of sockets or ports waits and tries again.
pub const RESOURCE_RETRIES: u32 = 20;

/// The first wait after running out of sockets; each further wait is one step longer.
pub const RESOURCE_WAIT: Duration = Duration::from_millis(10);

/// How long a result stays in the run's memory of answered questions by default
/// ([`ResolverConfig::answer_memory`]): a question asked again within it is answered from
/// memory, not sent (a diagnosis asks every server once per question). Long-lived runs forget
/// older results, so memory stays bounded.
pub const ANSWER_MEMORY: Duration = Duration::from_secs(60);

/// Results remembered at most (the oldest go first): far more than one check asks, and a bound
/// on a bulk run's memory (each holds a parsed response).
pub const ANSWER_MEMORY_ENTRIES: usize = 20_000;

/// How long a run keeps what it learned about servers and this machine's network before it
/// starts afresh ([`Health`]): longer than any one check, short enough that a long run
/// recovers from a server or a network that was down for a while.
pub const HEALTH_MEMORY: Duration = Duration::from_secs(300);

/// Zone surveys kept for reuse at most (the oldest go first).
pub const ZONE_SURVEYS_KEPT: usize = 10_000;

/// Exchanges in flight at once to a server that has not answered anything yet in the run:
/// if it is dead, that many are waited out together (once) and the rest then fail at once
/// ([`super::DEAD_AFTER`]), instead of every question of a wave waiting its own timeout. Eight:
/// a check's first wave to a zone's server (its SOA and NS, the expected names, the walks'
/// own questions) fits, so a live server costs no extra round trip.
pub const UNHEARD_IN_FLIGHT: usize = 4 * super::health::DEAD_AFTER as usize;

/// Identifies an exchange handed out by [`Run::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExchangeId(pub u64);

/// Identifies a piece of work started on a [`Run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(pub u64);

/// One exchange to make: one question to one server, under the given transport settings (the
/// first wait comes from the server's measured round-trip time; EDNS is off for a server that
/// answered only without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Give this back with the result ([`Run::receive`]).
    pub id: ExchangeId,
    /// Where to send.
    pub address: SocketAddr,
    /// The question.
    pub question: Question,
    /// How: tries, waits, EDNS, TCP fallback, RD bit.
    pub transport: TransportConfig,
}

/// A finished task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEvent {
    /// A lookup ([`Run::lookup`]) or a locate ([`Run::locate`]) ended.
    Lookup {
        /// The task.
        task: TaskId,
        /// What it found.
        result: Box<WalkResult>,
    },
    /// A survey of a name ([`Run::survey`]) ended.
    Survey {
        /// The task.
        task: TaskId,
        /// What every server of the zone said.
        result: Box<Survey>,
    },
    /// A survey of a zone ([`Run::survey_zone`]) ended.
    Zone {
        /// The task.
        task: TaskId,
        /// The zone's servers and what each says about the zone.
        result: Box<ZoneSurvey>,
    },
    /// A question asked of a list of servers ([`Run::ask_servers`]) has every answer.
    Asked {
        /// The task.
        task: TaskId,
        /// One record per server, in the servers' order.
        records: Vec<QueryRecord>,
    },
    /// A question to the recursive resolver ([`Run::ask_recursive`]) ended.
    Recursive {
        /// The task.
        task: TaskId,
        /// The resolver's answer, classified as a resolver's answer.
        record: Box<QueryRecord>,
    },
}

impl RunEvent {
    /// The task that ended.
    pub fn task(&self) -> TaskId {
        match self {
            RunEvent::Lookup { task, .. }
            | RunEvent::Survey { task, .. }
            | RunEvent::Zone { task, .. }
            | RunEvent::Asked { task, .. }
            | RunEvent::Recursive { task, .. } => *task,
        }
    }
}

/// Counters of a [`Run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunStats {
    /// Walks started (lookups, locates and name server address lookups of surveys).
    pub walks: u64,
    /// Exchanges made (each counted once, whatever retries, EDNS fallback or TCP it took).
    pub queries: u64,
    /// Questions not sent because the same question to the same server was in flight or
    /// answered earlier in the run; they share its result.
    pub coalesced: u64,
    /// Datagrams received and thrown away because their source, ID, QR bit, opcode or
    /// question did not match a query (possible spoofs).
    pub discarded_datagrams: u64,
    /// The delegation cache's counters.
    pub cache: super::CacheStats,
}

/// Server and question, the name in lower case (servers answer names case-insensitively), and
/// whether recursion was desired.
type ExchangeKey = (SocketAddr, Name, RecordType, Class, bool);

type QueryResult = Result<Exchange, QueryError>;

/// Who waits for an exchange's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Waiter {
    /// A walk's query.
    Walk { task: TaskId, token: QueryToken },
    /// One server of an [`Run::ask_servers`] task.
    Ask { task: TaskId, index: usize },
    /// The recursive resolver's answer.
    Recursive { task: TaskId },
    /// Nobody: a probe of other root servers, for [`Health`] only.
    Health,
}

#[derive(Debug)]
struct ExchangeState {
    key: ExchangeKey,
    question: Question,
    waiters: Vec<Waiter>,
    /// Sent and not yet back.
    in_flight: bool,
    /// A server that answered before gets one more whole exchange after a silent one.
    second_chance: bool,
    resource_waits: u32,
    /// Counted in [`RunStats::queries`] (a retried exchange is still one question).
    counted: bool,
    /// When a wait after running out of sockets ends.
    retry_at: Option<Instant>,
}

#[derive(Debug)]
enum TaskKind {
    Lookup {
        walk: Box<Walk>,
        /// The walk's own cache when the run's cache is off (the baseline).
        own_cache: Option<Box<DelegationCache>>,
        /// The zones' DNSKEY sets asked along the way, if the caller's walks ask them.
        keys: Option<Box<WalkKeys>>,
    },
    /// A walk that is done, waiting for the DNSKEY sets it asked.
    WalkKeys(Box<WalkKeys>),
    Survey(Box<SurveyTask>),
    Zone(Box<ZoneTask>),
    Ask(AskTask),
    Recursive {
        question: Question,
        address: SocketAddr,
    },
}

#[derive(Debug)]
struct Task {
    kind: TaskKind,
    /// Tasks that wait for this one's result; none: it goes out as a [`RunEvent`].
    parents: Vec<TaskId>,
    /// The caller's task this one works for (itself for a caller's task; the first
    /// parent's for another): the exchanges it makes are counted for it
    /// ([`Run::take_queries`]).
    root: TaskId,
}

#[derive(Debug)]
struct SurveyTask {
    question: Question,
    /// A zone at or below this name is surveyed as soon as the walk is referred to it (see
    /// [`Run::survey_within`]).
    floor: Option<Name>,
    located: Option<WalkResult>,
    /// The zone the survey works on: the walk's zone once it is at or below `floor`, then
    /// the zone the walk located.
    target: Option<Name>,
    zone: Option<ZoneSurvey>,
    /// The question asked of servers of a zone: with the zone's SOA and NS as they go out,
    /// then of the servers of the surveyed zone those did not reach.
    asks: Vec<SurveyAsk>,
}

/// One ask of a survey's question.
#[derive(Debug)]
struct SurveyAsk {
    task: TaskId,
    zone: Name,
    servers: Vec<IpAddr>,
    records: Option<Vec<QueryRecord>>,
}

#[derive(Debug)]
struct ZoneTask {
    delegation: Delegation,
    servers: Vec<ServerAddr>,
    unresolved: Vec<(Name, String)>,
    trace: Trace,
    /// Address lookups running: lookup task → host.
    hosts: HashMap<TaskId, Name>,
    /// Hosts being resolved in this phase, in order, with what their lookups found.
    resolving: Vec<HostLookup>,
    /// The apex asks running, per batch of servers.
    apex: Vec<ApexBatch>,
    apex_done: HashMap<TaskId, Vec<QueryRecord>>,
    surveyed: Vec<ZoneServer>,
    /// The servers asked for the SOA and NS so far (a survey joining late asks them its
    /// question at once).
    asked: Vec<ServerAddr>,
    /// Whether the servers the child lists beyond the parent's have been looked at.
    extra_phase: bool,
    child: Option<NsSet>,
    child_names: Vec<Name>,
    ns_ignored: usize,
}

/// The apex questions asked of one batch of a zone's servers.
#[derive(Debug, Clone, Copy)]
struct ApexBatch {
    soa: TaskId,
    ns: TaskId,
    /// The zone's DNSKEY set ([`ResolverConfig::zone_keys`]).
    keys: Option<TaskId>,
}

/// The DNSKEY sets a walk asks of the zones it is referred to ([`ResolverConfig::zone_keys`]),
/// and its result, held until they are in.
#[derive(Debug, Default)]
struct WalkKeys {
    /// The zones asked, each with the servers asked.
    asked: Vec<(Name, Vec<ServerAddr>)>,
    /// Every server of the zone that answers is asked; at once for zones at or below this
    /// name ([`Run::lookup_keyed`]).
    every_server: Option<Name>,
    /// The zones asked of every server known, whose servers are asked as their addresses
    /// come in while the walk is in the zone.
    every_zones: Vec<Name>,
    /// Address lookups of name servers the walk did not resolve, each with its zone: the
    /// zone's DNSKEY set is asked of what they find.
    hosts: Vec<(TaskId, Name)>,
    /// The name servers those lookups were started for.
    hosts_looked_up: Vec<Name>,
    /// The asks still running.
    pending: Vec<TaskId>,
    records: Vec<QueryRecord>,
    /// The walk's result, once it is done.
    result: Option<Box<WalkResult>>,
}

#[derive(Debug, Clone)]
struct HostLookup {
    host: Name,
    running: usize,
    found: Vec<IpAddr>,
    failures: Vec<String>,
}

#[derive(Debug)]
struct AskTask {
    zone: Name,
    servers: Vec<ServerAddr>,
    question: Question,
    purpose: QueryPurpose,
    records: Vec<Option<QueryRecord>>,
    outstanding: usize,
}

/// The silence watch: whether this machine reaches any DNS server at all.
#[derive(Debug, Default)]
struct SilenceWatch {
    first_send: Option<Instant>,
    probed: bool,
    next_check: Option<Instant>,
}

/// One run. See the module documentation.
#[derive(Debug)]
pub struct Run {
    config: ResolverConfig,
    cache: DelegationCache,
    health: Health,
    /// In id order, so every walk over them (timeouts, a descent ended, a cancel) visits them
    /// in one order: a run is reproducible.
    tasks: BTreeMap<TaskId, Task>,
    next_task: u64,
    exchanges: BTreeMap<ExchangeId, ExchangeState>,
    by_key: HashMap<ExchangeKey, ExchangeId>,
    next_exchange: u64,
    /// Exchanges ready to go, in the order asked.
    queue: VecDeque<ExchangeId>,
    /// Exchanges waiting for their server to have room, per server address.
    blocked: HashMap<IpAddr, VecDeque<ExchangeId>>,
    in_flight: usize,
    in_flight_per_server: HashMap<IpAddr, usize>,
    /// Exchanges abandoned while in flight (the network was judged down): their results are
    /// ignored when they come.
    abandoned: HashMap<ExchangeId, IpAddr>,
    /// Answered questions, for [`ResolverConfig::answer_memory`].
    memory: HashMap<ExchangeKey, (QueryResult, Instant)>,
    memory_order: VecDeque<(ExchangeKey, Instant)>,
    /// Results to hand to their waiters, and whether each is shared (the exchange was made
    /// for another question of the run: not a query of the waiter's own).
    ready: VecDeque<(Waiter, QueryResult, bool)>,
    /// Walks to poll again.
    dirty: Vec<TaskId>,
    /// Asks of no server at all, to complete.
    empty_asks: Vec<TaskId>,
    events: VecDeque<RunEvent>,
    no_edns: HashSet<SocketAddr>,
    /// Zone surveys made in the run, reused for [`ResolverConfig::answer_memory`] (as the answers they rest
    /// on), at most [`ZONE_SURVEYS_KEPT`], oldest dropped first.
    zone_surveys: HashMap<Name, (ZoneSurvey, Instant)>,
    zone_survey_order: VecDeque<(Name, Instant)>,
    /// Zone surveys running, so that two surveys of one zone share one.
    zone_tasks: HashMap<Name, TaskId>,
    /// The server each zone's DNSKEY set was asked of ([`ResolverConfig::zone_keys`]): a
    /// later walk through the zone asks the same one, sharing the exchange. At most
    /// [`ZONE_SURVEYS_KEPT`] zones (then it starts afresh).
    key_servers: HashMap<Name, ServerAddr>,
    silence: SilenceWatch,
    /// When [`Run::health`] started learning (see [`HEALTH_MEMORY`]).
    health_since: Instant,
    stats: RunStats,
    now: Instant,
    /// Tasks started by callers since [`Run::take_started`] was last called.
    started: Vec<TaskId>,
    /// Exchanges made for each caller's task still running ([`Task::root`]).
    sent: HashMap<TaskId, u64>,
    /// The same for callers' tasks that have ended, until [`Run::take_queries`] (at most
    /// [`SENT_KEPT`], oldest dropped first).
    sent_out: HashMap<TaskId, u64>,
    sent_out_order: VecDeque<TaskId>,
}

/// How many ended tasks' exchange counts are kept for [`Run::take_queries`]: a caller that
/// never takes them does not grow the run.
const SENT_KEPT: usize = 65_536;

/// Something that works on a run through tasks: it starts some, is told how each ended, and
/// says when it needs nothing more. A check of a domain is one; a driver runs many on one
/// [`Run`] and routes each event to the client that started the task (see
/// [`Run::take_started`]). Sans-I/O like the run: the time is passed in.
pub trait RunClient {
    /// Starts the first tasks.
    fn start(&mut self, run: &mut Run, now: Instant);
    /// One of the tasks it started ended.
    fn handle(&mut self, event: RunEvent, run: &mut Run, now: Instant);
    /// Whether it needs nothing more from the run.
    fn is_done(&self) -> bool;
}

impl Run {
    /// A run with an empty cache, starting at `now`.
    pub fn new(config: ResolverConfig, now: Instant) -> Run {
        Run::with_cache(config, DelegationCache::new(), now)
    }

    /// A run that starts from `cache` (a service's or a bulk run's, bounded).
    pub fn with_cache(config: ResolverConfig, mut cache: DelegationCache, now: Instant) -> Run {
        cache.set_now(now);
        Run {
            health: Health::new(config.families()),
            config,
            cache,
            tasks: BTreeMap::new(),
            next_task: 0,
            exchanges: BTreeMap::new(),
            by_key: HashMap::new(),
            next_exchange: 0,
            queue: VecDeque::new(),
            blocked: HashMap::new(),
            in_flight: 0,
            in_flight_per_server: HashMap::new(),
            abandoned: HashMap::new(),
            memory: HashMap::new(),
            memory_order: VecDeque::new(),
            ready: VecDeque::new(),
            dirty: Vec::new(),
            empty_asks: Vec::new(),
            events: VecDeque::new(),
            no_edns: HashSet::new(),
            zone_surveys: HashMap::new(),
            zone_survey_order: VecDeque::new(),
            zone_tasks: HashMap::new(),
            key_servers: HashMap::new(),
            silence: SilenceWatch::default(),
            health_since: now,
            stats: RunStats::default(),
            now,
            started: Vec::new(),
            sent: HashMap::new(),
            sent_out: HashMap::new(),
            sent_out_order: VecDeque::new(),
        }
    }

    /// The tasks callers started since the last call, in order (a driver that serves several
    /// clients on one run learns this way which client each event goes to).
    pub fn take_started(&mut self) -> Vec<TaskId> {
        std::mem::take(&mut self.started)
    }

    /// How many exchanges the run made for caller's task `task` (a lookup, survey or ask a
    /// caller started), with every task that worked for it: name server address lookups,
    /// zone surveys, DNSKEY asks, a walk's lookups it went on without. Each exchange counts
    /// once, for the first task that asked it; a question answered from the run's memory or
    /// by an exchange another task made counts nothing. Taken once, after the task's
    /// [`RunEvent`] (then 0); the counts of the last 65,536 ended tasks are kept.
    pub fn take_queries(&mut self, task: TaskId) -> u64 {
        self.sent_out.remove(&task).unwrap_or(0)
    }

    /// The configuration.
    pub fn config(&self) -> &ResolverConfig {
        &self.config
    }

    /// The delegation cache.
    pub fn cache(&self) -> &DelegationCache {
        &self.cache
    }

    /// Gives the delegation cache up (to carry it to another run), leaving an empty one.
    pub fn take_cache(&mut self) -> DelegationCache {
        std::mem::take(&mut self.cache)
    }

    /// What the run learned about servers and about this machine's network.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// At the end of a check: whether this machine could reach DNS servers at all
    /// ([`Health::conclude`]).
    pub fn conclude(&mut self) -> Option<NoNetwork> {
        self.health.conclude()
    }

    /// Counters so far.
    pub fn stats(&self) -> RunStats {
        RunStats {
            discarded_datagrams: self.health.discarded_datagrams(),
            cache: self.cache.stats(),
            ..self.stats
        }
    }

    /// Whether no task is running and no exchange is waiting or in flight.
    pub fn is_idle(&self) -> bool {
        self.tasks.is_empty() && self.exchanges.is_empty() && self.events.is_empty()
    }

    /// Options for a walk under this run's configuration.
    pub fn walk_options(&self, follow_cnames: bool) -> WalkOptions {
        let config = &self.config;
        WalkOptions {
            budget: config.budget.clone(),
            roots: config.roots.clone(),
            port: config.port,
            families: config.families,
            follow_cnames,
            ns_lookup_parallelism: config.ns_lookup_parallelism,
            // Only walks that share the cache can share descents.
            share_descents: config.cache,
            // About one exchange with one server, retries included.
            max_descent_wait: config.transport.timeout * (config.transport.udp_retries + 1),
            max_ns_per_zone: config.max_ns_per_zone,
        }
    }

    // ---- starting work ------------------------------------------------------------------

    /// Resolves `name`/`rtype` from the authoritative servers, following CNAMEs
    /// ([`RunEvent::Lookup`]).
    pub fn lookup(&mut self, name: &Name, rtype: RecordType, now: Instant) -> TaskId {
        let id = self.start_walk(Question::new(name.clone(), rtype), true, Vec::new(), now);
        self.process();
        id
    }

    /// Like [`Run::lookup`], for a caller that validates the answer against the keys of the
    /// server that gave it: the zones on the way are asked their DNSKEY sets as with
    /// [`ResolverConfig::zone_keys`] (whether it is on or not), one server each, and the zone
    /// that answers of every one of its servers (all in the walk's trace). The addresses of
    /// name servers the walk does not look up (it goes on with the first it finds) are looked
    /// up for it. The caller names a `floor` below which it expects no zone but the one that
    /// answers (the provider's zone it knows, or the registrable domain): a zone at or below
    /// it has its servers looked up from the referral on and asked with the walk's question,
    /// as their addresses come in; a zone above it that turns out to answer is asked once the
    /// answer is in, one round trip more (two if addresses are to be looked up).
    pub fn lookup_keyed(
        &mut self,
        name: &Name,
        rtype: RecordType,
        floor: &Name,
        now: Instant,
    ) -> TaskId {
        let id = self.start_walk(Question::new(name.clone(), rtype), true, Vec::new(), now);
        if let Some(TaskKind::Lookup { keys, .. }) = self.tasks.get_mut(&id).map(|t| &mut t.kind) {
            keys.get_or_insert_with(Box::default).every_server = Some(floor.clone());
        }
        self.process();
        id
    }

    /// Walks to the zone that holds `name` and stops at the first authoritative response
    /// there, whatever it is ([`RunEvent::Lookup`]; CNAMEs are not followed).
    pub fn locate(&mut self, name: &Name, rtype: RecordType, now: Instant) -> TaskId {
        let id = self.start_walk(Question::new(name.clone(), rtype), false, Vec::new(), now);
        self.process();
        id
    }

    /// Locates the zone holding `name`, surveys it (once per run: a second survey of the
    /// zone reuses the first) and asks every server of it the question ([`RunEvent::Survey`]).
    /// The question goes to each server with the zone's own SOA and NS questions.
    pub fn survey(&mut self, name: &Name, rtype: RecordType, now: Instant) -> TaskId {
        self.start_survey(name, rtype, None, now)
    }

    /// Like [`Run::survey`], for a caller that knows no zone at or below `floor` is a public
    /// suffix (a TLD or a registry's zone, which it would be impolite and useless to survey):
    /// as soon as the walk is referred to a zone at or below `floor`, that zone is surveyed
    /// and its servers asked the question, in the round trip in which the walk asks them. If
    /// the walk then finds the name in a zone further down, that zone is surveyed too and
    /// the answers of the first are set aside.
    pub fn survey_within(
        &mut self,
        name: &Name,
        rtype: RecordType,
        floor: &Name,
        now: Instant,
    ) -> TaskId {
        self.start_survey(name, rtype, Some(floor.clone()), now)
    }

    fn start_survey(
        &mut self,
        name: &Name,
        rtype: RecordType,
        floor: Option<Name>,
        now: Instant,
    ) -> TaskId {
        self.set_now(now);
        let id = self.new_task(
            TaskKind::Survey(Box::new(SurveyTask {
                question: Question::new(name.clone(), rtype),
                floor,
                located: None,
                target: None,
                zone: None,
                asks: Vec::new(),
            })),
            Vec::new(),
        );
        self.start_walk(Question::new(name.clone(), rtype), false, vec![id], now);
        self.process();
        id
    }

    /// Finds every server of the delegated zone and asks each for the zone's SOA and NS
    /// ([`RunEvent::Zone`]).
    pub fn survey_zone(&mut self, delegation: &Delegation, now: Instant) -> TaskId {
        self.set_now(now);
        let id = self.start_zone(delegation.clone(), Vec::new());
        self.process();
        id
    }

    /// Asks every server of a surveyed zone `name`/`rtype` ([`RunEvent::Asked`]). A name
    /// below a further zone cut gets referrals (classified as such), which tells the caller
    /// to survey that zone instead.
    pub fn ask_all(
        &mut self,
        zone: &ZoneSurvey,
        name: &Name,
        rtype: RecordType,
        now: Instant,
    ) -> TaskId {
        self.ask_servers(
            &zone.zone,
            &zone.server_addresses(),
            &Question::new(name.clone(), rtype),
            QueryPurpose::Survey,
            now,
        )
    }

    /// Asks each of `servers` the question about `zone` ([`RunEvent::Asked`], one record per
    /// server in the given order). A server known by several names on one address is asked
    /// once: every name gets the same answer, the records after the first marked
    /// [`QueryRecord::repeated`].
    pub fn ask_servers(
        &mut self,
        zone: &Name,
        servers: &[ServerAddr],
        question: &Question,
        purpose: QueryPurpose,
        now: Instant,
    ) -> TaskId {
        self.set_now(now);
        let id = self.start_ask(zone, servers, question, purpose, Vec::new());
        self.process();
        id
    }

    /// Asks the recursive resolver at `address` (RD set; a reduced check, see
    /// [`ResolverConfig::recursive`]) ([`RunEvent::Recursive`]).
    pub fn ask_recursive(
        &mut self,
        address: SocketAddr,
        question: &Question,
        now: Instant,
    ) -> TaskId {
        self.set_now(now);
        let id = self.new_task(
            TaskKind::Recursive {
                question: question.clone(),
                address,
            },
            Vec::new(),
        );
        self.want(address, question, true, Waiter::Recursive { task: id });
        self.process();
        id
    }

    /// Stops a task the caller no longer wants: its walks give back their descent claims,
    /// the sub-tasks that served only it stop too, and its result is dropped. Exchanges
    /// already asked for still complete (other tasks may share them).
    pub fn cancel(&mut self, task: TaskId) {
        self.sent.remove(&task);
        let mut stack = vec![task];
        while let Some(id) = stack.pop() {
            let Some(task) = self.tasks.remove(&id) else {
                continue;
            };
            match task.kind {
                TaskKind::Lookup {
                    mut walk,
                    own_cache,
                    ..
                } => match own_cache {
                    Some(mut cache) => walk.abandon(&mut cache),
                    None => {
                        walk.abandon(&mut self.cache);
                        self.poll_waiting_walks();
                    }
                },
                TaskKind::Zone(_) => self.zone_tasks.retain(|_, t| *t != id),
                TaskKind::Survey(_)
                | TaskKind::Ask(_)
                | TaskKind::Recursive { .. }
                | TaskKind::WalkKeys(_) => {}
            }
            for (child, t) in self.tasks.iter_mut() {
                let served = t.parents.contains(&id);
                t.parents.retain(|p| *p != id);
                if served && t.parents.is_empty() {
                    stack.push(*child);
                }
            }
        }
        self.process();
    }

    // ---- driving ------------------------------------------------------------------------

    /// The next exchange to make, if any may go now (within the in-flight limits). An
    /// exchange the run already knows the outcome of (no network, a server already waited
    /// out, an address family this machine cannot reach) is not handed out: its waiters get
    /// the error at once.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit> {
        self.set_now(now);
        loop {
            if self.in_flight >= self.config.max_in_flight.max(1) {
                return None;
            }
            let id = self.queue.pop_front()?;
            let Some(state) = self.exchanges.get(&id) else {
                continue;
            };
            let address = state.key.0;
            if state.retry_at.is_some_and(|at| at > now) {
                // Waiting out a shortage of sockets: back in the queue after its time.
                continue;
            }
            let per_server = self
                .in_flight_per_server
                .get(&address.ip())
                .copied()
                .unwrap_or(0);
            let mut limit = self.config.max_in_flight_per_server.max(1);
            if !self.health.has_answered(&address) {
                limit = limit.min(UNHEARD_IN_FLIGHT);
            }
            if per_server >= limit {
                self.blocked.entry(address.ip()).or_default().push_back(id);
                continue;
            }
            if !self.config.families().allows(&address.ip()) {
                let error = QueryError::NotChecked {
                    server: address,
                    why: NotChecked::Disabled {
                        ipv6: address.is_ipv6(),
                    },
                };
                self.finish_exchange(id, Err(error), false);
                self.process();
                continue;
            }
            // A service checking strangers' domains: their NS glue must not point it at
            // loopback, its private network or a metadata service.
            if let Some(range) = self.config.address_policy.refuses(address.ip()) {
                let error = QueryError::NotChecked {
                    server: address,
                    why: NotChecked::Refused { range },
                };
                self.finish_exchange(id, Err(error), false);
                self.process();
                continue;
            }
            let first_wait = match self.health.before_send(
                address,
                self.config.transport.first_wait,
                self.config.transport.timeout,
            ) {
                Ok(wait) => wait,
                Err(error) => {
                    self.finish_exchange(id, Err(error), false);
                    self.process();
                    continue;
                }
            };
            self.silence.first_send.get_or_insert(now);
            let Some(state) = self.exchanges.get_mut(&id) else {
                continue;
            };
            if !state.counted {
                state.counted = true;
                self.stats.queries += 1;
                // For the caller's task of the first waiter still there (a walk may have
                // gone on without the name server address it asked for).
                let root = state.waiters.iter().find_map(|w| {
                    let task = match w {
                        Waiter::Walk { task, .. }
                        | Waiter::Ask { task, .. }
                        | Waiter::Recursive { task } => task,
                        Waiter::Health => return None,
                    };
                    self.tasks.get(task).map(|t| t.root)
                });
                if let Some(root) = root.filter(|r| self.tasks.contains_key(r)) {
                    *self.sent.entry(root).or_default() += 1;
                }
            }
            state.in_flight = true;
            state.retry_at = None;
            let mut transport = self.config.transport.clone();
            transport.first_wait = first_wait;
            transport.recursion_desired |= state.key.4;
            transport.tcp_after_refused &= self.health.retry_refused_over_tcp(&address);
            if self.no_edns.contains(&address) {
                transport.edns = false;
            }
            self.in_flight += 1;
            *self.in_flight_per_server.entry(address.ip()).or_default() += 1;
            return Some(Transmit {
                id,
                address,
                question: state.question.clone(),
                transport,
            });
        }
    }

    /// Takes the result of an exchange handed out by [`Run::poll_transmit`] at `now`.
    /// Unknown ids are ignored.
    pub fn receive(&mut self, id: ExchangeId, result: QueryResult, now: Instant) {
        self.set_now(now);
        if let Some(ip) = self.abandoned.remove(&id) {
            self.exchange_ended(ip);
            return;
        }
        let Some(state) = self.exchanges.get_mut(&id) else {
            return;
        };
        if !state.in_flight {
            return;
        }
        state.in_flight = false;
        let address = state.key.0;
        self.exchange_ended(address.ip());
        let was_down = self.health.no_network().is_some();
        self.health.after(address, &result);
        if !was_down && self.health.no_network().is_some() {
            self.network_down();
        }
        let Some(state) = self.exchanges.get_mut(&id) else {
            self.process();
            return;
        };
        match &result {
            Ok(exchange) if exchange.edns_fallback => {
                self.no_edns.insert(address);
            }
            Err(error)
                if error.local_cause() == Some(LocalCause::Resources)
                    && state.resource_waits < RESOURCE_RETRIES =>
            {
                // Out of descriptors or ports: this machine's problem. Wait for other
                // exchanges to give theirs back, and try again (bounded).
                state.resource_waits += 1;
                state.retry_at = Some(now + RESOURCE_WAIT * state.resource_waits);
                return;
            }
            Err(QueryError::Timeout { .. })
                if state.second_chance && self.health.has_answered(&address) =>
            {
                // One unlucky exchange under loss is not the server's fault.
                state.second_chance = false;
                self.queue.push_back(id);
                return;
            }
            _ => {}
        }
        self.finish_exchange(id, result, true);
        self.process();
    }

    /// When [`Run::handle_timeout`] should be called if nothing arrives before: a walk's
    /// deadline or bounded wait, the end of a wait after a shortage of sockets, the silence
    /// watch.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let walks = self.tasks.values().filter_map(|t| match &t.kind {
            TaskKind::Lookup { walk, .. } if !walk.is_done() => Some(
                walk.next_wakeup()
                    .map_or(walk.deadline(), |w| w.min(walk.deadline())),
            ),
            _ => None,
        });
        let retries = self.exchanges.values().filter_map(|e| e.retry_at);
        walks.chain(retries).chain(self.silence_deadline()).min()
    }

    /// Advances the run to `now`: walks past their deadline end, bounded waits end, the
    /// silence watch looks at the network.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.set_now(now);
        let due: Vec<ExchangeId> = self
            .exchanges
            .iter()
            .filter(|(_, e)| e.retry_at.is_some_and(|at| at <= now) && !e.in_flight)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(state) = self.exchanges.get_mut(&id) {
                state.retry_at = None;
            }
            self.queue.push_back(id);
        }
        self.watch_silence(now);
        let walks: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, t)| matches!(&t.kind, TaskKind::Lookup { walk, .. } if !walk.is_done()))
            .map(|(id, _)| *id)
            .collect();
        self.dirty.extend(walks);
        self.process();
    }

    /// The next finished task.
    pub fn poll_event(&mut self) -> Option<RunEvent> {
        self.events.pop_front()
    }

    // ---- exchanges ----------------------------------------------------------------------

    fn set_now(&mut self, now: Instant) {
        // Time given by different callers may step back a little; the run never does.
        if now > self.now {
            self.now = now;
        }
        self.cache.set_now(self.now);
        // A long run (bulk, a service) learns afresh what it knows of servers and of this
        // machine's network: a server down for a minute, or a network that came back, must
        // not be written off for hours. Only between exchanges, so no answer is judged by
        // half of one epoch.
        if self.now.saturating_duration_since(self.health_since) >= HEALTH_MEMORY
            && self.in_flight == 0
        {
            self.health.relearn();
            self.health_since = self.now;
            self.silence = SilenceWatch::default();
        }
    }

    fn exchange_ended(&mut self, ip: IpAddr) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if let Some(count) = self.in_flight_per_server.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.in_flight_per_server.remove(&ip);
            }
        }
        // The server has room again: its waiting exchanges go first, in order.
        if let Some(mut waiting) = self.blocked.remove(&ip) {
            while let Some(id) = waiting.pop_back() {
                self.queue.push_front(id);
            }
        }
    }

    /// Asks `address` the question for `waiter`: answered from memory, joined to the same
    /// exchange in flight, or queued.
    fn want(&mut self, address: SocketAddr, question: &Question, rd: bool, waiter: Waiter) {
        let key: ExchangeKey = (
            address,
            question.name.to_lowercase(),
            question.qtype,
            question.qclass,
            rd,
        );
        let sharing = self.config.cache;
        if sharing {
            self.forget_old_answers();
            if let Some((result, _)) = self.memory.get(&key) {
                self.stats.coalesced += 1;
                self.ready.push_back((waiter, result.clone(), true));
                return;
            }
            if let Some(id) = self.by_key.get(&key) {
                if let Some(state) = self.exchanges.get_mut(id) {
                    self.stats.coalesced += 1;
                    state.waiters.push(waiter);
                    return;
                }
            }
        }
        let id = ExchangeId(self.next_exchange);
        self.next_exchange += 1;
        if sharing {
            self.by_key.insert(key.clone(), id);
        }
        self.exchanges.insert(
            id,
            ExchangeState {
                key,
                question: question.clone(),
                waiters: vec![waiter],
                in_flight: false,
                second_chance: true,
                resource_waits: 0,
                counted: false,
                retry_at: None,
            },
        );
        self.queue.push_back(id);
    }

    /// Hands an exchange's result to everyone waiting for it, and remembers it. An exchange
    /// that was never `sent` (the run knew its outcome) is nobody's query of its own.
    fn finish_exchange(&mut self, id: ExchangeId, result: QueryResult, sent: bool) {
        let Some(state) = self.exchanges.remove(&id) else {
            return;
        };
        if self.by_key.get(&state.key) == Some(&id) {
            self.by_key.remove(&state.key);
        }
        // Only answers are remembered: a timeout or a network error is the server's state of
        // the moment (a packet lost under load), which `Health` judges; remembered, one lost
        // packet would fail the same question for every check of the next minute.
        if self.config.cache && result.is_ok() {
            self.memory
                .insert(state.key.clone(), (result.clone(), self.now));
            self.memory_order.push_back((state.key, self.now));
        }
        // The first waiter asked for the exchange; the others joined it while in flight.
        for (index, waiter) in state.waiters.into_iter().enumerate() {
            self.ready
                .push_back((waiter, result.clone(), !sent || index > 0));
        }
    }

    fn forget_old_answers(&mut self) {
        while let Some((key, at)) = self.memory_order.front() {
            let old = self.now.saturating_duration_since(*at) >= self.config.answer_memory
                || self.memory_order.len() > ANSWER_MEMORY_ENTRIES;
            if !old {
                break;
            }
            if self.memory.get(key).is_some_and(|(_, when)| when == at) {
                self.memory.remove(key);
            }
            self.memory_order.pop_front();
        }
    }

    /// The network was judged down: every exchange waiting or in flight fails at once.
    fn network_down(&mut self) {
        let cause = self.health.no_network().unwrap_or(NoNetwork::Silent);
        let ids: Vec<ExchangeId> = self.exchanges.keys().copied().collect();
        for id in ids {
            let Some(state) = self.exchanges.get(&id) else {
                continue;
            };
            let server = state.key.0;
            if state.in_flight {
                self.abandoned.insert(id, server.ip());
            }
            self.finish_exchange(id, Err(QueryError::NoNetwork { server, cause }), false);
        }
        self.queue.clear();
        self.blocked.clear();
    }

    fn silence_deadline(&self) -> Option<Instant> {
        let first = self.silence.first_send?;
        if self.health.anything_answered() || self.health.no_network().is_some() {
            return None;
        }
        if !self.silence.probed {
            return Some(first + PROBE_AFTER);
        }
        Some(self.silence.next_check.unwrap_or(first + SILENT_AFTER))
    }

    /// The silence watch: with no answer from anyone after [`PROBE_AFTER`], a few other root
    /// servers are asked too (one silent root server is not a silent network). From
    /// [`SILENT_AFTER`] on, once whole exchanges with two addresses went unanswered and
    /// nothing answered at all, or at [`SILENT_LIMIT`] whatever the count, the network is
    /// judged down and every waiting question fails at once.
    fn watch_silence(&mut self, now: Instant) {
        let Some(first) = self.silence.first_send else {
            return;
        };
        if self.health.anything_answered() || self.health.no_network().is_some() {
            return;
        }
        if !self.silence.probed && now >= first + PROBE_AFTER {
            self.silence.probed = true;
            let question = Question::new(Name::root(), RecordType::NS);
            let families = self.config.families();
            let port = self.config.port;
            let candidates: Vec<SocketAddr> = self
                .config
                .roots
                .servers
                .iter()
                .filter(|s| families.allows(&s.ip))
                .skip(1)
                .take(3)
                .map(|s| SocketAddr::new(s.ip, port))
                .collect();
            for address in candidates {
                self.want(address, &question, false, Waiter::Health);
            }
        }
        if now < first + SILENT_AFTER {
            return;
        }
        let limit = now >= first + SILENT_LIMIT;
        if (limit || self.health.unanswered_addresses() >= 2)
            && self.health.judge_silence().is_some()
        {
            self.network_down();
            return;
        }
        self.silence.next_check = Some(now + SILENCE_RECHECK);
    }

    // ---- tasks --------------------------------------------------------------------------

    fn new_task(&mut self, kind: TaskKind, parents: Vec<TaskId>) -> TaskId {
        let id = TaskId(self.next_task);
        self.next_task += 1;
        if parents.is_empty() {
            self.started.push(id);
        }
        let root = parents
            .first()
            .and_then(|p| self.tasks.get(p))
            .map_or(id, |t| t.root);
        self.tasks.insert(
            id,
            Task {
                kind,
                parents,
                root,
            },
        );
        id
    }

    fn start_walk(
        &mut self,
        question: Question,
        follow_cnames: bool,
        parents: Vec<TaskId>,
        now: Instant,
    ) -> TaskId {
        self.set_now(now);
        self.stats.walks += 1;
        let options = self.walk_options(follow_cnames);
        let (walk, own_cache) = if self.config.cache {
            (
                Walk::new(question, options, &mut self.cache, self.now),
                None,
            )
        } else {
            // The baseline: every lookup on its own, nothing shared.
            let mut own = Box::new(DelegationCache::new());
            (Walk::new(question, options, &mut own, self.now), Some(own))
        };
        // The caller's walks (and a survey's) ask the zones' keys; a zone survey's name
        // server address lookups do not (those zones are not on the caller's path).
        let keys = (self.config.zone_keys
            && parents.iter().all(|p| {
                matches!(
                    self.tasks.get(p).map(|t| &t.kind),
                    Some(TaskKind::Survey(_))
                )
            }))
        .then(Box::default);
        let id = self.new_task(
            TaskKind::Lookup {
                walk: Box::new(walk),
                own_cache,
                keys,
            },
            parents,
        );
        self.dirty.push(id);
        id
    }

    fn start_ask(
        &mut self,
        zone: &Name,
        servers: &[ServerAddr],
        question: &Question,
        purpose: QueryPurpose,
        parents: Vec<TaskId>,
    ) -> TaskId {
        let id = self.new_task(
            TaskKind::Ask(AskTask {
                zone: zone.clone(),
                servers: servers.to_vec(),
                question: question.clone(),
                purpose,
                records: vec![None; servers.len()],
                outstanding: 0,
            }),
            parents,
        );
        let port = self.config.port;
        let mut outstanding = 0;
        for (index, server) in servers.iter().enumerate() {
            // One exchange per address, however many names it has.
            if servers[..index].iter().any(|s| s.ip == server.ip) {
                continue;
            }
            outstanding += 1;
            self.want(
                SocketAddr::new(server.ip, port),
                question,
                false,
                Waiter::Ask { task: id, index },
            );
        }
        if let Some(Task {
            kind: TaskKind::Ask(ask),
            ..
        }) = self.tasks.get_mut(&id)
        {
            ask.outstanding = outstanding;
        }
        if outstanding == 0 {
            // Completed from `process`, once the caller has noted the task.
            self.empty_asks.push(id);
        }
        id
    }

    fn start_zone(&mut self, delegation: Delegation, parents: Vec<TaskId>) -> TaskId {
        let mut servers: Vec<ServerAddr> = Vec::new();
        // Glue of a family switched off stays in the list: the server is then reported as
        // not checked (the exchange refuses to send), instead of disappearing without a word.
        for glue in &delegation.glue {
            if !servers.contains(glue) {
                servers.push(glue.clone());
            }
        }
        let glueless: Vec<Name> = delegation.glueless().cloned().collect();
        let zone_name = delegation.zone.clone();
        let id = self.new_task(
            TaskKind::Zone(Box::new(ZoneTask {
                delegation,
                servers,
                unresolved: Vec::new(),
                trace: Trace::default(),
                hosts: HashMap::new(),
                resolving: Vec::new(),
                apex: Vec::new(),
                apex_done: HashMap::new(),
                surveyed: Vec::new(),
                asked: Vec::new(),
                extra_phase: false,
                child: None,
                child_names: Vec::new(),
                ns_ignored: 0,
            })),
            parents,
        );
        if self.config.cache {
            self.zone_tasks.insert(zone_name, id);
        }
        self.resolve_hosts(id, glueless);
        id
    }

    /// Starts the address lookups of a zone survey's glueless hosts (cached addresses are
    /// used at once); asks the apex when none is needed.
    fn resolve_hosts(&mut self, zone_task: TaskId, hosts: Vec<Name>) {
        let families = self.config.families();
        let types = families.address_types();
        let mut resolving = Vec::new();
        let mut lookups = Vec::new();
        for host in hosts {
            if self.config.cache {
                if let Some(ips) = self.cache.addresses(&host) {
                    let found: Vec<IpAddr> =
                        ips.into_iter().filter(|ip| families.allows(ip)).collect();
                    if !found.is_empty() {
                        resolving.push(HostLookup {
                            host,
                            running: 0,
                            found,
                            failures: Vec::new(),
                        });
                        continue;
                    }
                }
            }
            resolving.push(HostLookup {
                host: host.clone(),
                running: types.len(),
                found: Vec::new(),
                failures: Vec::new(),
            });
            for rtype in &types {
                lookups.push(Question::new(host.clone(), *rtype));
            }
        }
        if let Some(TaskKind::Zone(zone)) = self.tasks.get_mut(&zone_task).map(|t| &mut t.kind) {
            zone.resolving = resolving;
        }
        let now = self.now;
        for question in lookups {
            let host = question.name.clone();
            let child = self.start_walk(question, true, vec![zone_task], now);
            if let Some(TaskKind::Zone(zone)) = self.tasks.get_mut(&zone_task).map(|t| &mut t.kind)
            {
                zone.hosts.insert(child, host);
            }
        }
        self.hosts_settled(zone_task);
    }

    /// When every address lookup of the current phase has ended: the servers found go into
    /// the list, and their SOA and NS are asked.
    fn hosts_settled(&mut self, zone_task: TaskId) {
        let Some(TaskKind::Zone(zone)) = self.tasks.get_mut(&zone_task).map(|t| &mut t.kind) else {
            return;
        };
        if !zone.hosts.is_empty() || !zone.apex.is_empty() {
            return;
        }
        let mut found = Vec::new();
        for lookup in std::mem::take(&mut zone.resolving) {
            if lookup.found.is_empty() {
                let reason = if lookup.failures.is_empty() {
                    "no address records".to_string()
                } else {
                    lookup.failures.join("; ")
                };
                if !zone
                    .servers
                    .iter()
                    .any(|s| s.name.as_ref() == Some(&lookup.host))
                {
                    zone.unresolved.push((lookup.host, reason));
                }
                continue;
            }
            for ip in lookup.found {
                let server = ServerAddr::new(Some(lookup.host.clone()), ip);
                if !found.contains(&server) {
                    found.push(server);
                }
            }
        }
        let to_ask: Vec<ServerAddr> = if zone.extra_phase {
            // A name on an address already asked under that name, or under no name (an
            // address given as a root), is not asked again.
            found
                .into_iter()
                .filter(|s| {
                    !zone.servers.iter().any(|known| {
                        known.ip == s.ip && (known.name.is_none() || known.name == s.name)
                    })
                })
                .collect()
        } else {
            for server in found {
                if !zone.servers.contains(&server) {
                    zone.servers.push(server);
                }
            }
            zone.servers.clone()
        };
        if zone.extra_phase {
            zone.servers.extend(to_ask.iter().cloned());
        }
        if to_ask.is_empty() {
            self.apex_settled(zone_task);
            return;
        }
        let name = zone.delegation.zone.clone();
        let soa = self.start_ask(
            &name,
            &to_ask,
            &Question::new(name.clone(), RecordType::SOA),
            QueryPurpose::ZoneApex,
            vec![zone_task],
        );
        let ns = self.start_ask(
            &name,
            &to_ask,
            &Question::new(name.clone(), RecordType::NS),
            QueryPurpose::ZoneApex,
            vec![zone_task],
        );
        let keys = self.config.zone_keys.then(|| {
            self.start_ask(
                &name,
                &to_ask,
                &Question::new(name.clone(), RecordType::DNSKEY),
                QueryPurpose::ZoneApex,
                vec![zone_task],
            )
        });
        if let Some(TaskKind::Zone(zone)) = self.tasks.get_mut(&zone_task).map(|t| &mut t.kind) {
            zone.apex.push(ApexBatch { soa, ns, keys });
            zone.asked.extend(to_ask.iter().cloned());
        }
        // The surveys waiting for the zone ask their question in the same round trip.
        let riders: Vec<TaskId> = self
            .tasks
            .get(&zone_task)
            .map(|t| t.parents.clone())
            .unwrap_or_default();
        for survey in riders {
            self.survey_ask(survey, &name, &to_ask);
        }
        self.apex_settled(zone_task);
    }

    /// When the apex questions of the current batch are answered: the servers are recorded,
    /// and the child's own extra name servers are looked up (once), else the survey ends.
    fn apex_settled(&mut self, zone_task: TaskId) {
        let cap = self.config.max_ns_per_zone;
        let Some(TaskKind::Zone(zone)) = self.tasks.get_mut(&zone_task).map(|t| &mut t.kind) else {
            return;
        };
        if !zone.hosts.is_empty() {
            return;
        }
        let mut batches = std::mem::take(&mut zone.apex);
        let mut pending = Vec::new();
        for batch in batches.drain(..) {
            let asks = [Some(batch.soa), Some(batch.ns), batch.keys];
            if asks
                .iter()
                .flatten()
                .all(|t| zone.apex_done.contains_key(t))
            {
                let soas = zone.apex_done.remove(&batch.soa).unwrap_or_default();
                let nss = zone.apex_done.remove(&batch.ns).unwrap_or_default();
                let mut keys = batch
                    .keys
                    .and_then(|t| zone.apex_done.remove(&t))
                    .unwrap_or_default()
                    .into_iter();
                for (soa, apex_ns) in soas.into_iter().zip(nss) {
                    zone.surveyed.push(ZoneServer {
                        keys: keys.next(),
                        in_parent: match &soa.server.name {
                            Some(name) => zone.delegation.ns.contains(name),
                            None => zone.delegation.glue.contains(&soa.server),
                        },
                        in_child: false,
                        server: soa.server.clone(),
                        soa,
                        apex_ns,
                    });
                }
            } else {
                pending.push(batch);
            }
        }
        zone.apex = pending;
        if !zone.apex.is_empty() {
            return;
        }
        if !zone.extra_phase {
            zone.extra_phase = true;
            // The child may list servers the parent does not: find and ask those too.
            let mut child: Option<NsSet> = None;
            let mut child_names: Vec<Name> = Vec::new();
            for server in &zone.surveyed {
                if let Some(set) = server.child_ns() {
                    for name in &set.names {
                        if !child_names.contains(name) {
                            child_names.push(name.clone());
                        }
                    }
                    child.get_or_insert(set);
                }
            }
            let delegation = &zone.delegation;
            let mut extra: Vec<Name> = child_names
                .iter()
                .filter(|n| !delegation.ns.contains(n))
                .filter(|n| !zone.servers.iter().any(|s| s.name.as_ref() == Some(*n)))
                .cloned()
                .collect();
            // The child's own list is bounded like the parent's (see `max_ns_per_zone`), and
            // compared with it in the same bounded form.
            let room = cap.saturating_sub(delegation.ns.len());
            zone.ns_ignored = delegation
                .ns_listed
                .max(child_names.len())
                .saturating_sub(cap);
            extra.sort_by_key(Name::to_lowercase);
            extra.truncate(room);
            if let Some(set) = child.as_mut().filter(|set| set.names.len() > cap) {
                set.names.sort_by_key(Name::to_lowercase);
                set.names.truncate(cap);
            }
            zone.child = child;
            zone.child_names = child_names;
            if !extra.is_empty() {
                self.resolve_hosts(zone_task, extra);
                return;
            }
        }
        self.complete_zone(zone_task);
    }

    fn complete_zone(&mut self, zone_task: TaskId) {
        let Some(task) = self.tasks.remove(&zone_task) else {
            return;
        };
        let TaskKind::Zone(mut zone) = task.kind else {
            return;
        };
        // One order whatever the responses' order or which exchange ended first.
        zone.surveyed.sort_by(|a, b| a.server.cmp(&b.server));
        for server in &mut zone.surveyed {
            server.in_child = server
                .server
                .name
                .as_ref()
                .is_some_and(|n| zone.child_names.contains(n));
        }
        let delegation = zone.delegation;
        let survey = ZoneSurvey {
            parent_ns: delegation.parent.as_ref().map(|_| {
                let mut names = delegation.ns.clone();
                names.sort();
                NsSet {
                    names,
                    ttl: delegation.ttl,
                }
            }),
            zone: delegation.zone.clone(),
            delegation,
            child_ns: zone.child,
            servers: zone.surveyed,
            unresolved: zone.unresolved,
            ns_ignored: zone.ns_ignored,
            trace: zone.trace,
        };
        if self.zone_tasks.get(&survey.zone) == Some(&zone_task) {
            self.zone_tasks.remove(&survey.zone);
        }
        if self.config.cache {
            self.forget_old_zone_surveys();
            if !self.zone_surveys.contains_key(&survey.zone) {
                self.zone_survey_order
                    .push_back((survey.zone.clone(), self.now));
                self.zone_surveys
                    .insert(survey.zone.clone(), (survey.clone(), self.now));
            }
        }
        self.deliver(zone_task, task.parents, Output::Zone(Box::new(survey)));
    }

    fn complete_ask(&mut self, ask_task: TaskId) {
        let Some(task) = self.tasks.remove(&ask_task) else {
            return;
        };
        let TaskKind::Ask(ask) = task.kind else {
            return;
        };
        let records: Vec<QueryRecord> = ask.records.into_iter().flatten().collect();
        self.deliver(ask_task, task.parents, Output::Asked(records));
    }

    /// The result of task `id` goes to the tasks waiting for it, or out as an event.
    fn deliver(&mut self, id: TaskId, parents: Vec<TaskId>, output: Output) {
        if parents.is_empty() {
            let sent = self.sent.remove(&id).unwrap_or(0);
            if self.sent_out_order.len() >= SENT_KEPT {
                if let Some(old) = self.sent_out_order.pop_front() {
                    self.sent_out.remove(&old);
                }
            }
            self.sent_out.insert(id, sent);
            self.sent_out_order.push_back(id);
            self.events.push_back(output.into_event(id));
            return;
        }
        for parent in parents {
            self.child_done(parent, id, output.clone());
        }
    }

    fn child_done(&mut self, parent: TaskId, child: TaskId, output: Output) {
        let Some(task) = self.tasks.get_mut(&parent) else {
            return;
        };
        match (&mut task.kind, output) {
            (TaskKind::Survey(survey), Output::Lookup(located)) => {
                let delegation = located.zone.clone();
                survey.located = Some(*located);
                if survey.target.as_ref() == Some(&delegation.zone) {
                    // Surveyed since the referral: the answers may all be in already.
                    self.survey_answered(parent);
                } else {
                    // The name is in another zone than the one surveyed at the referral
                    // (a cut further down): its answers are set aside.
                    survey.zone = None;
                    survey.asks.retain(|a| a.zone == delegation.zone);
                    self.survey_join(parent, delegation);
                }
            }
            // A survey that moved on to a zone further down ignores the first.
            (TaskKind::Survey(survey), Output::Zone(zone))
                if survey.target.as_ref() == Some(&zone.zone) =>
            {
                self.survey_has_zone(parent, *zone);
            }
            (TaskKind::Survey(survey), Output::Asked(answers)) => {
                if let Some(ask) = survey.asks.iter_mut().find(|a| a.task == child) {
                    ask.records = Some(answers);
                }
                self.survey_answered(parent);
            }
            (TaskKind::Lookup { .. } | TaskKind::WalkKeys(_), Output::Asked(records)) => {
                self.walk_keys_in(parent, child, records);
            }
            (TaskKind::Lookup { .. } | TaskKind::WalkKeys(_), Output::Lookup(lookup)) => {
                self.walk_host_found(parent, child, &lookup);
            }
            (TaskKind::Zone(_), Output::Lookup(lookup)) => {
                self.host_looked_up(parent, child, &lookup);
                self.hosts_settled(parent);
            }
            (TaskKind::Zone(zone), Output::Asked(records)) => {
                zone.apex_done.insert(child, records);
                self.apex_settled(parent);
            }
            _ => {}
        }
    }

    fn complete_survey(&mut self, survey_task: TaskId, answers: Vec<QueryRecord>) {
        let Some(Task {
            kind: TaskKind::Survey(survey),
            parents,
            ..
        }) = self.tasks.remove(&survey_task)
        else {
            return;
        };
        let survey = *survey;
        let (Some(located), Some(zone)) = (survey.located, survey.zone) else {
            return;
        };
        let result = Survey {
            question: survey.question,
            located,
            zone,
            answers,
        };
        self.deliver(survey_task, parents, Output::Survey(Box::new(result)));
    }

    /// A glueless host's address lookup of a zone survey ended.
    fn host_looked_up(&mut self, zone_task: TaskId, lookup_task: TaskId, lookup: &WalkResult) {
        let mut found: Vec<IpAddr> = Vec::new();
        let mut failure = None;
        match &lookup.outcome {
            WalkOutcome::Answer(records) => {
                found = records
                    .iter()
                    .filter_map(|r| match r.data {
                        RData::A(ip) => Some(IpAddr::V4(ip)),
                        RData::Aaaa(ip) => Some(IpAddr::V6(ip)),
                        _ => None,
                    })
                    .collect();
                let ttl = records.iter().map(|r| r.ttl).min().unwrap_or(0);
                self.cache.add_addresses(&lookup.question.name, &found, ttl);
            }
            WalkOutcome::NxDomain { .. } => failure = Some("the name does not exist".to_string()),
            WalkOutcome::NoData { .. } | WalkOutcome::Alias => {}
            WalkOutcome::Failed(error) => failure = Some(error.to_string()),
        }
        let Some(TaskKind::Zone(zone)) = self.tasks.get_mut(&zone_task).map(|t| &mut t.kind) else {
            return;
        };
        let Some(host) = zone.hosts.remove(&lookup_task) else {
            return;
        };
        zone.trace.extend(lookup.trace.clone());
        if let Some(entry) = zone.resolving.iter_mut().find(|h| h.host == host) {
            entry.running = entry.running.saturating_sub(1);
            for ip in found {
                if !entry.found.contains(&ip) {
                    entry.found.push(ip);
                }
            }
            // A and AAAA results in one order, whichever came first.
            entry.found.sort();
            entry.failures.extend(failure);
        }
    }

    fn forget_old_zone_surveys(&mut self) {
        while let Some((zone, at)) = self.zone_survey_order.front() {
            let old = self.now.saturating_duration_since(*at) >= self.config.answer_memory
                || self.zone_survey_order.len() > ZONE_SURVEYS_KEPT;
            if !old {
                break;
            }
            if self
                .zone_surveys
                .get(zone)
                .is_some_and(|(_, when)| when == at)
            {
                self.zone_surveys.remove(zone);
            }
            self.zone_survey_order.pop_front();
        }
    }

    /// The survey of this zone made earlier in the run (within the answer memory), if the
    /// delegation is the same.
    fn known_zone(&mut self, delegation: &Delegation) -> Option<ZoneSurvey> {
        self.forget_old_zone_surveys();
        self.zone_surveys
            .get(&delegation.zone)
            .map(|(survey, _)| survey)
            .filter(|z| {
                let known = &z.delegation.ns;
                known.len() == delegation.ns.len()
                    && delegation.ns.iter().all(|n| known.contains(n))
            })
            .cloned()
    }

    /// The survey works on `delegation`'s zone: from a survey made earlier in the run, by
    /// waiting for the one running (asking its question of the servers already asked for the
    /// SOA and NS), or by starting one (the question goes out with the SOA and NS).
    fn survey_join(&mut self, survey_task: TaskId, delegation: Delegation) {
        let Some(TaskKind::Survey(survey)) = self.tasks.get_mut(&survey_task).map(|t| &mut t.kind)
        else {
            return;
        };
        survey.target = Some(delegation.zone.clone());
        if let Some(zone) = self.known_zone(&delegation) {
            self.survey_has_zone(survey_task, zone);
            return;
        }
        match self.zone_tasks.get(&delegation.zone).copied() {
            Some(running) => {
                let mut asked = Vec::new();
                if let Some(task) = self.tasks.get_mut(&running) {
                    task.parents.push(survey_task);
                    if let TaskKind::Zone(zone) = &task.kind {
                        asked = zone.asked.clone();
                    }
                }
                self.survey_ask(survey_task, &delegation.zone, &asked);
            }
            None => {
                self.start_zone(delegation, vec![survey_task]);
            }
        }
    }

    /// Asks the survey's question of those of `servers` (of `zone`) it has not asked yet, if
    /// `zone` is the one it works on.
    fn survey_ask(&mut self, survey_task: TaskId, zone: &Name, servers: &[ServerAddr]) {
        let Some(TaskKind::Survey(survey)) = self.tasks.get(&survey_task).map(|t| &t.kind) else {
            return;
        };
        if survey.target.as_ref() != Some(zone) {
            return;
        }
        let asked: Vec<IpAddr> = survey
            .asks
            .iter()
            .filter(|a| a.zone == *zone)
            .flat_map(|a| a.servers.iter().copied())
            .collect();
        let mut to_ask: Vec<ServerAddr> = Vec::new();
        for server in servers {
            if !asked.contains(&server.ip) && !to_ask.iter().any(|s| s.ip == server.ip) {
                to_ask.push(server.clone());
            }
        }
        if to_ask.is_empty() {
            return;
        }
        let question = survey.question.clone();
        let task = self.start_ask(
            zone,
            &to_ask,
            &question,
            QueryPurpose::Survey,
            vec![survey_task],
        );
        if let Some(TaskKind::Survey(survey)) =
            self.tasks.get_mut(&survey_task).map(|t| &mut t.kind)
        {
            survey.asks.push(SurveyAsk {
                task,
                zone: zone.clone(),
                servers: to_ask.iter().map(|s| s.ip).collect(),
                records: None,
            });
        }
    }

    /// The surveys waiting for walk `id` that start on the zone the walk is in now: at or
    /// below a survey's floor, the zone is surveyed at once rather than once the walk has
    /// asked it too.
    fn surveys_to_start(&self, id: TaskId) -> Vec<TaskId> {
        let Some(task) = self.tasks.get(&id) else {
            return Vec::new();
        };
        let TaskKind::Lookup { walk, .. } = &task.kind else {
            return Vec::new();
        };
        let cut = &walk.zone().zone;
        if cut.is_root() || task.parents.is_empty() {
            return Vec::new();
        }
        task.parents
            .iter()
            .copied()
            .filter(|parent| match self.tasks.get(parent).map(|t| &t.kind) {
                Some(TaskKind::Survey(survey)) => {
                    survey.target.is_none()
                        && survey.located.is_none()
                        && survey
                            .floor
                            .as_ref()
                            .is_some_and(|floor| cut.is_subdomain_of(floor))
                }
                _ => false,
            })
            .collect()
    }

    /// The zone is surveyed: its servers the question did not reach yet are asked.
    fn survey_has_zone(&mut self, survey_task: TaskId, zone: ZoneSurvey) {
        let servers = zone.server_addresses();
        let name = zone.zone.clone();
        let Some(TaskKind::Survey(survey)) = self.tasks.get_mut(&survey_task).map(|t| &mut t.kind)
        else {
            return;
        };
        survey.zone = Some(zone);
        self.survey_ask(survey_task, &name, &servers);
        self.survey_answered(survey_task);
    }

    /// When the walk has located the zone, the zone is surveyed and every ask of it is in, the
    /// answers go out in the order of the zone's servers (a server asked under another name
    /// of its address shares that exchange).
    fn survey_answered(&mut self, survey_task: TaskId) {
        let Some(TaskKind::Survey(survey)) = self.tasks.get(&survey_task).map(|t| &t.kind) else {
            return;
        };
        let (Some(zone), Some(located)) = (&survey.zone, &survey.located) else {
            return;
        };
        if located.zone.zone != zone.zone {
            return;
        }
        let asks: Vec<&SurveyAsk> = survey.asks.iter().filter(|a| a.zone == zone.zone).collect();
        if asks.iter().any(|a| a.records.is_none()) {
            return;
        }
        let asked: Vec<&QueryRecord> = asks
            .iter()
            .filter_map(|a| a.records.as_ref())
            .flatten()
            .collect();
        let mut answers = Vec::new();
        for server in zone.server_addresses() {
            let same = asked.iter().find(|r| r.server == server);
            let by_address = asked.iter().find(|r| r.server.ip == server.ip);
            match (same, by_address) {
                (Some(record), _) => answers.push((*record).clone()),
                (None, Some(record)) => {
                    let mut record = (*record).clone();
                    record.server = server;
                    record.repeated = true;
                    answers.push(record);
                }
                // Cannot happen: every server of the zone was asked.
                (None, None) => {}
            }
        }
        self.complete_survey(survey_task, answers);
    }

    /// Hands ready results to their waiters and polls the walks that changed, until nothing
    /// moves.
    fn process(&mut self) {
        // Every turn hands out a result or polls a walk; each walk poll is bounded by the
        // walk's budget, and results only come from exchanges, so the loop ends.
        loop {
            if let Some((waiter, result, shared)) = self.ready.pop_front() {
                self.hand(waiter, result, shared);
                continue;
            }
            if let Some(id) = self.dirty.pop() {
                self.poll_walk(id);
                continue;
            }
            if let Some(id) = self.empty_asks.pop() {
                self.complete_ask(id);
                continue;
            }
            break;
        }
    }

    fn hand(&mut self, waiter: Waiter, result: QueryResult, shared: bool) {
        let now = self.now;
        match waiter {
            Waiter::Health => {}
            Waiter::Walk { task, token } => {
                let Some((walk, cache)) = walk_and_cache(&mut self.tasks, &mut self.cache, task)
                else {
                    return;
                };
                if shared {
                    walk.receive_shared(token, result, now, cache);
                } else {
                    walk.receive(token, result, now, cache);
                }
                self.dirty.push(task);
            }
            Waiter::Ask { task, index } => {
                let port = self.config.port;
                let Some(Task {
                    kind: TaskKind::Ask(ask),
                    ..
                }) = self.tasks.get_mut(&task)
                else {
                    return;
                };
                let (classification, discarded) = match &result {
                    Ok(exchange) => {
                        let analysis = classify(&ask.question, &ask.zone, &exchange.response);
                        (analysis.classification, analysis.discarded)
                    }
                    Err(error) => (Classification::of_error(error), Vec::new()),
                };
                let ip = ask.servers[index].ip;
                for (i, server) in ask.servers.iter().enumerate().skip(index) {
                    if server.ip != ip {
                        continue;
                    }
                    ask.records[i] = Some(QueryRecord {
                        zone: ask.zone.clone(),
                        server: server.clone(),
                        address: SocketAddr::new(ip, port),
                        question: ask.question.clone(),
                        purpose: ask.purpose.clone(),
                        result: result.clone(),
                        classification: classification.clone(),
                        discarded: discarded.clone(),
                        repeated: shared || i != index,
                    });
                }
                ask.outstanding = ask.outstanding.saturating_sub(1);
                if ask.outstanding == 0 {
                    self.complete_ask(task);
                }
            }
            Waiter::Recursive { task } => {
                let Some(Task {
                    kind: TaskKind::Recursive { question, address },
                    parents,
                    ..
                }) = self.tasks.remove(&task)
                else {
                    return;
                };
                let classification = match &result {
                    Ok(exchange) => classify::recursive(&question, &exchange.response),
                    Err(error) => Classification::of_error(error),
                };
                let record = QueryRecord {
                    zone: Name::root(),
                    server: ServerAddr::new(None, address.ip()),
                    address,
                    question,
                    purpose: QueryPurpose::Recursive,
                    result,
                    classification,
                    discarded: Vec::new(),
                    repeated: false,
                };
                self.deliver(task, parents, Output::Recursive(Box::new(record)));
            }
        }
    }

    fn poll_walk(&mut self, id: TaskId) {
        let now = self.now;
        let Some((walk, cache)) = walk_and_cache(&mut self.tasks, &mut self.cache, id) else {
            return;
        };
        let step = walk.poll(now, cache);
        let released = walk.take_released_descents();
        for survey in self.surveys_to_start(id) {
            let Some(TaskKind::Lookup { walk, .. }) = self.tasks.get(&id).map(|t| &t.kind) else {
                break;
            };
            let delegation = walk.zone().clone();
            self.survey_join(survey, delegation);
        }
        match step {
            WalkStep::Send(queries) => {
                self.ask_walk_keys(id, &queries);
                self.top_up_walk_keys(id);
                for query in queries {
                    self.want(
                        query.address,
                        &query.question,
                        false,
                        Waiter::Walk {
                            task: id,
                            token: query.token,
                        },
                    );
                }
            }
            WalkStep::Wait => self.top_up_walk_keys(id),
            WalkStep::Done => {
                let Some(task) = self.tasks.remove(&id) else {
                    return;
                };
                let TaskKind::Lookup {
                    walk,
                    own_cache,
                    keys,
                } = task.kind
                else {
                    return;
                };
                let result = match own_cache {
                    Some(mut cache) => walk.into_result(&mut cache),
                    None => walk.into_result(&mut self.cache),
                };
                match keys {
                    Some(mut keys) => {
                        let answered = keys.every_server.is_some()
                            && !matches!(result.outcome, WalkOutcome::Failed(_));
                        let zone = answered.then(|| result.zone.clone());
                        keys.result = Some(Box::new(result));
                        self.tasks.insert(
                            id,
                            Task {
                                kind: TaskKind::WalkKeys(keys),
                                parents: task.parents,
                                root: task.root,
                            },
                        );
                        // The zone that answered: its servers not asked yet (it was not the
                        // one expected to answer, or an address came in late).
                        if let Some(zone) = zone {
                            self.ask_missing_zone_keys(id, &zone);
                            // Those whose addresses the walk went on without.
                            let unknown = self.unknown_hosts(&zone);
                            self.look_up_zone_hosts(id, &zone.zone, unknown);
                        }
                        self.release_walk_keys(id);
                    }
                    None => self.deliver_walk(id, task.parents, result, None),
                }
            }
        }
        if released {
            self.poll_waiting_walks();
        }
    }

    /// Asks the DNSKEY set of each zone among `queries`' that walk `id` has not asked yet
    /// ([`ResolverConfig::zone_keys`]), in the same round trip as the walk's own question: of
    /// every server of the zone known now when the zone is at or below the floor of a
    /// [`Run::lookup_keyed`], else of one server (the one the run asked it of before, else the
    /// one the walk asks now), as a validating resolver asks the zones above.
    fn ask_walk_keys(&mut self, id: TaskId, queries: &[PendingQuery]) {
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        let TaskKind::Lookup {
            walk,
            keys: Some(keys),
            ..
        } = &task.kind
        else {
            return;
        };
        let floor = keys.every_server.clone();
        let current = walk.zone().clone();
        // The zone the walk is in, at or below the floor: every server, once the walk asks
        // it (its name servers' lookups may have asked some already).
        let every = floor.as_ref().is_some_and(|floor| {
            current.zone.is_subdomain_of(floor)
                && !keys.every_zones.contains(&current.zone)
                && queries
                    .iter()
                    .any(|q| q.purpose == QueryPurpose::Lookup && q.zone == current.zone)
        });
        let mut one_server: Vec<(Name, ServerAddr)> = Vec::new();
        for query in queries {
            // The walk's own descent, not the name server address lookups inside it.
            if query.purpose != QueryPurpose::Lookup
                || (every && query.zone == current.zone)
                || keys.asked.iter().any(|(z, _)| *z == query.zone)
                || one_server.iter().any(|(z, _)| *z == query.zone)
            {
                continue;
            }
            one_server.push((query.zone.clone(), query.server.clone()));
        }
        if every {
            if let Some(keys) = self.walk_keys_mut(id) {
                keys.every_zones.push(current.zone.clone());
            }
            self.ask_missing_zone_keys(id, &current);
        }
        for (zone, server) in one_server {
            if self.key_servers.len() >= ZONE_SURVEYS_KEPT {
                self.key_servers.clear();
            }
            let server = self
                .key_servers
                .entry(zone.clone())
                .or_insert(server)
                .clone();
            self.ask_zone_keys(id, &zone, vec![server]);
        }
    }

    /// Asks `servers` the DNSKEY set of `zone` for walk `id`, whose result waits for it.
    fn ask_zone_keys(&mut self, id: TaskId, zone: &Name, servers: Vec<ServerAddr>) {
        let question = Question::new(zone.clone(), RecordType::DNSKEY);
        let ask = self.start_ask(zone, &servers, &question, QueryPurpose::ZoneApex, vec![id]);
        let Some(keys) = self.walk_keys_mut(id) else {
            return;
        };
        keys.pending.push(ask);
        match keys.asked.iter_mut().find(|(z, _)| z == zone) {
            Some((_, asked)) => asked.extend(servers),
            None => keys.asked.push((zone.clone(), servers)),
        }
    }

    /// The name servers of `delegation` without glue whose addresses the run does not know.
    fn unknown_hosts(&mut self, delegation: &Delegation) -> Vec<Name> {
        let mut unknown = Vec::new();
        for ns in delegation.glueless() {
            if self.cache.addresses(ns).is_none() {
                unknown.push(ns.clone());
            }
        }
        unknown
    }

    /// The servers of `delegation` whose addresses the run knows: the glue, and the cached
    /// addresses of the other names, in the families the run uses.
    fn known_servers(&mut self, delegation: &Delegation) -> Vec<ServerAddr> {
        let families = self.config.families();
        let mut servers: Vec<ServerAddr> = delegation
            .glue
            .iter()
            .filter(|s| families.allows(&s.ip))
            .cloned()
            .collect();
        for ns in delegation.glueless() {
            for ip in self.cache.addresses(ns).unwrap_or_default() {
                if families.allows(&ip) && !servers.iter().any(|s| s.ip == ip) {
                    servers.push(ServerAddr::new(Some(ns.clone()), ip));
                }
            }
        }
        servers
    }

    /// Walk `id` of a [`Run::lookup_keyed`] is in a zone whose servers it asks the DNSKEY
    /// set of: the servers whose addresses came in since are asked too, in the wave in which
    /// they are found.
    fn top_up_walk_keys(&mut self, id: TaskId) {
        let (zone, unresolved, asked) = match self.tasks.get(&id).map(|t| &t.kind) {
            Some(TaskKind::Lookup {
                walk,
                keys: Some(keys),
                ..
            }) if keys
                .every_server
                .as_ref()
                .is_some_and(|floor| walk.zone().zone.is_subdomain_of(floor)) =>
            {
                let zone = walk.zone().clone();
                let asked = keys.every_zones.contains(&zone.zone);
                (zone, walk.unresolved().to_vec(), asked)
            }
            _ => return,
        };
        if asked {
            self.ask_missing_zone_keys(id, &zone);
        }
        // The servers the walk will not look up while the ones it has answer: looked up
        // beside it from the referral on, so that their keys are asked with its question.
        self.look_up_zone_hosts(id, &zone.zone, unresolved);
    }

    /// Asks the DNSKEY set of `zone` of its servers whose addresses the run knows and that
    /// walk `id` has not asked yet.
    fn ask_missing_zone_keys(&mut self, id: TaskId, zone: &Delegation) {
        let Some(keys) = self.walk_keys_mut(id) else {
            return;
        };
        let asked: Vec<IpAddr> = keys
            .asked
            .iter()
            .filter(|(z, _)| *z == zone.zone)
            .flat_map(|(_, servers)| servers.iter().map(|s| s.ip))
            .collect();
        let missing: Vec<ServerAddr> = self
            .known_servers(zone)
            .into_iter()
            .filter(|s| !asked.contains(&s.ip))
            .collect();
        if !missing.is_empty() {
            self.ask_zone_keys(id, &zone.zone, missing);
        }
    }

    /// The DNSKEY asks of walk `id`, running or holding its result.
    fn walk_keys_mut(&mut self, id: TaskId) -> Option<&mut WalkKeys> {
        match self.tasks.get_mut(&id).map(|t| &mut t.kind) {
            Some(TaskKind::Lookup {
                keys: Some(keys), ..
            })
            | Some(TaskKind::WalkKeys(keys)) => Some(keys),
            _ => None,
        }
    }

    /// Looks up the addresses of name servers `hosts` of `zone`, which walk `id` has not
    /// looked up (it went on with the first server it found), so that every server of the
    /// zone is asked its DNSKEY set, whatever order the answers came in. Each name once.
    fn look_up_zone_hosts(&mut self, id: TaskId, zone: &Name, hosts: Vec<Name>) {
        let now = self.now;
        let types = self.config.families().address_types();
        for ns in hosts {
            let Some(keys) = self.walk_keys_mut(id) else {
                return;
            };
            if keys.hosts_looked_up.contains(&ns) {
                continue;
            }
            keys.hosts_looked_up.push(ns.clone());
            for rtype in types.iter().copied() {
                let child = self.start_walk(Question::new(ns.clone(), rtype), true, vec![id], now);
                if let Some(keys) = self.walk_keys_mut(id) {
                    keys.pending.push(child);
                    keys.hosts.push((child, zone.clone()));
                }
            }
        }
    }

    /// An address lookup of walk `id`'s answering zone's name server is in: the addresses it
    /// found are asked the zone's DNSKEY set.
    fn walk_host_found(&mut self, id: TaskId, child: TaskId, lookup: &WalkResult) {
        let families = self.config.families();
        let Some(keys) = self.walk_keys_mut(id) else {
            return;
        };
        keys.pending.retain(|t| *t != child);
        keys.records.extend(lookup.trace.queries().cloned());
        let Some(index) = keys.hosts.iter().position(|(t, _)| *t == child) else {
            return;
        };
        let (_, zone) = keys.hosts.remove(index);
        let mut servers: Vec<ServerAddr> = Vec::new();
        if let WalkOutcome::Answer(records) = &lookup.outcome {
            for record in records {
                let ip = match &record.data {
                    RData::A(ip) => IpAddr::V4(*ip),
                    RData::Aaaa(ip) => IpAddr::V6(*ip),
                    _ => continue,
                };
                let asked = keys
                    .asked
                    .iter()
                    .any(|(z, s)| *z == zone && s.iter().any(|s| s.ip == ip));
                if families.allows(&ip) && !asked && !servers.iter().any(|s| s.ip == ip) {
                    servers.push(ServerAddr::new(Some(lookup.question.name.clone()), ip));
                }
            }
        }
        if !servers.is_empty() {
            self.ask_zone_keys(id, &zone, servers);
        }
        self.release_walk_keys(id);
    }

    /// A DNSKEY ask of walk `id` is in: the walk's result goes out once it and every ask are.
    fn walk_keys_in(&mut self, id: TaskId, ask: TaskId, records: Vec<QueryRecord>) {
        let Some(keys) = self.walk_keys_mut(id) else {
            return;
        };
        keys.pending.retain(|t| *t != ask);
        keys.records.extend(records);
        self.release_walk_keys(id);
    }

    /// Delivers the held result of walk `id` once its DNSKEY asks are all in.
    fn release_walk_keys(&mut self, id: TaskId) {
        match self.tasks.get(&id).map(|t| &t.kind) {
            Some(TaskKind::WalkKeys(keys)) if keys.pending.is_empty() => {}
            _ => return,
        }
        let Some(Task {
            kind: TaskKind::WalkKeys(mut keys),
            parents,
            ..
        }) = self.tasks.remove(&id)
        else {
            return;
        };
        if let Some(result) = keys.result.take() {
            self.deliver_walk(id, parents, *result, Some(keys));
        }
    }

    /// A walk's result goes out, the DNSKEY sets it asked at the end of its trace.
    fn deliver_walk(
        &mut self,
        id: TaskId,
        parents: Vec<TaskId>,
        mut result: WalkResult,
        keys: Option<Box<WalkKeys>>,
    ) {
        if let Some(keys) = keys {
            for record in keys.records {
                result.trace.query(record);
            }
        }
        self.deliver(id, parents, Output::Lookup(Box::new(result)));
    }

    /// A descent claim ended: the walks waiting for one look at the cache again.
    fn poll_waiting_walks(&mut self) {
        let waiting = self.tasks.iter().filter_map(|(id, t)| match &t.kind {
            TaskKind::Lookup { walk, .. } if walk.next_wakeup().is_some() => Some(*id),
            _ => None,
        });
        let waiting: Vec<TaskId> = waiting.collect();
        self.dirty.extend(waiting);
    }
}

/// The walk of lookup task `id` and the cache it is lent: its own when the run's cache is off
/// (the baseline), else the run's. Takes the two fields apart so both can be borrowed at once.
fn walk_and_cache<'a>(
    tasks: &'a mut BTreeMap<TaskId, Task>,
    run_cache: &'a mut DelegationCache,
    id: TaskId,
) -> Option<(&'a mut Walk, &'a mut DelegationCache)> {
    let Some(Task {
        kind: TaskKind::Lookup {
            walk, own_cache, ..
        },
        ..
    }) = tasks.get_mut(&id)
    else {
        return None;
    };
    let cache = match own_cache {
        Some(cache) => &mut **cache,
        None => run_cache,
    };
    Some((&mut **walk, cache))
}

/// A task's result on its way to its parent or out.
#[derive(Debug, Clone)]
enum Output {
    Lookup(Box<WalkResult>),
    Survey(Box<Survey>),
    Zone(Box<ZoneSurvey>),
    Asked(Vec<QueryRecord>),
    Recursive(Box<QueryRecord>),
}

impl Output {
    fn into_event(self, task: TaskId) -> RunEvent {
        match self {
            Output::Lookup(result) => RunEvent::Lookup { task, result },
            Output::Survey(result) => RunEvent::Survey { task, result },
            Output::Zone(result) => RunEvent::Zone { task, result },
            Output::Asked(records) => RunEvent::Asked { task, records },
            Output::Recursive(record) => RunEvent::Recursive { task, record },
        }
    }
}
