//! The tokio driver (the `io` cargo feature): moves the packets a [`Walk`] asks for and the
//! time, and shares what one run learns between concurrent lookups (see the parent module).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{Notify, OnceCell, Semaphore};
use tokio::task::JoinSet;

use super::classify::{self, Classification};
use super::{
    limits, CacheStats, DelegationCache, Health, QueryPurpose, QueryRecord, QueryToken,
    ResolverConfig, ServerAddr, Walk, WalkOptions, WalkResult, WalkStep, PROBE_AFTER,
    SILENCE_RECHECK, SILENT_AFTER, SILENT_LIMIT,
};
use crate::transport::{self, Exchange, LocalCause, NotChecked, QueryError};
use crate::{Name, RecordType};

/// Run-wide counters of a [`Resolver`] and its clones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResolverStats {
    /// Walks run (lookups, locates and name server address lookups of surveys).
    pub walks: u64,
    /// Queries sent (each counted once, whatever retries, EDNS fallback or TCP it took),
    /// survey queries included.
    pub queries: u64,
    /// Queries not sent because the same question to the same server was already in flight
    /// for another lookup; they share its response.
    pub coalesced: u64,
    /// Datagrams received and thrown away because their source, ID, QR bit, opcode or
    /// question did not match a query (possible spoofs).
    pub discarded_datagrams: u64,
    /// The delegation cache's counters (all zero when the cache is off).
    pub cache: CacheStats,
}

#[derive(Debug)]
pub(super) struct Shared {
    config: ResolverConfig,
    cache: Arc<DelegationCache>,
    /// Zone surveys of this run, reused by [`Resolver::survey`] when the cache is on.
    pub(super) zone_surveys: Mutex<HashMap<Name, super::ZoneSurvey>>,
    walks: AtomicU64,
    queries: AtomicU64,
    coalesced: AtomicU64,
    /// Queries in flight, so concurrent lookups asking the same server the same question at
    /// the same time share one exchange.
    in_flight: Mutex<HashMap<InFlightKey, Arc<OnceCell<QueryResult>>>>,
    /// Servers that answered only without EDNS this run.
    no_edns: Mutex<HashSet<SocketAddr>>,
    /// What the run learned about servers and about this machine's network.
    health: Health,
    /// Exchanges in flight in the whole run (each holds one socket at a time).
    sockets: Semaphore,
    /// Exchanges in flight per server address.
    per_server: Mutex<HashMap<std::net::IpAddr, Arc<Semaphore>>>,
    /// Whether the watch for a silent network has been started.
    watching: std::sync::atomic::AtomicBool,
    /// Woken when the run decides this machine cannot reach DNS servers, so exchanges still
    /// waiting out their tries end at once.
    network_down: Notify,
    /// Woken when a walk of this run ends a descent claim in the shared cache, so the walks
    /// waiting for that descent look at the cache again. The cache itself does no waking (it
    /// is sans-I/O): each walk says when it ended a claim ([`Walk::take_released_descents`]).
    descent_news: Notify,
}

type QueryResult = Result<Exchange, QueryError>;

/// Server and question, the name in lower case (servers answer names case-insensitively).
type InFlightKey = (SocketAddr, Name, RecordType, crate::Class);

/// An iterative resolver. Cheap to clone; clones share the delegation cache and counters.
#[derive(Debug, Clone)]
pub struct Resolver {
    pub(super) shared: Arc<Shared>,
}

impl Resolver {
    /// A resolver with an empty cache.
    pub fn new(config: ResolverConfig) -> Resolver {
        let sockets = config.max_in_flight.min(limits::socket_budget());
        Resolver {
            shared: Arc::new(Shared {
                health: Health::new(config.families()),
                sockets: Semaphore::new(sockets.max(1)),
                per_server: Mutex::new(HashMap::new()),
                watching: std::sync::atomic::AtomicBool::new(false),
                network_down: Notify::new(),
                descent_news: Notify::new(),
                config,
                cache: Arc::new(DelegationCache::new()),
                zone_surveys: Mutex::new(HashMap::new()),
                walks: AtomicU64::new(0),
                queries: AtomicU64::new(0),
                coalesced: AtomicU64::new(0),
                in_flight: Mutex::new(HashMap::new()),
                no_edns: Mutex::new(HashSet::new()),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ResolverConfig {
        &self.shared.config
    }

    /// Counters since the resolver was made.
    pub fn stats(&self) -> ResolverStats {
        ResolverStats {
            walks: self.shared.walks.load(Ordering::Relaxed),
            queries: self.shared.queries.load(Ordering::Relaxed),
            coalesced: self.shared.coalesced.load(Ordering::Relaxed),
            discarded_datagrams: self.shared.health.discarded_datagrams(),
            cache: if self.shared.config.cache {
                self.shared.cache.stats()
            } else {
                CacheStats::default()
            },
        }
    }

    /// What the run has learned about servers and about this machine's network: whether DNS
    /// can be reached at all ([`Health::no_network`]), which address families cannot
    /// ([`Health::unreachable_families`]).
    pub fn health(&self) -> &Health {
        &self.shared.health
    }

    /// The shared delegation cache (a fresh one per walk is used when the cache is off).
    pub fn cache(&self) -> &Arc<DelegationCache> {
        &self.shared.cache
    }

    /// Options for a walk under this configuration.
    pub fn walk_options(&self, follow_cnames: bool) -> WalkOptions {
        let config = &self.shared.config;
        WalkOptions {
            budget: config.budget.clone(),
            roots: config.roots.clone(),
            port: config.port,
            ipv4: config.ipv4,
            ipv6: config.ipv6,
            follow_cnames,
            ns_lookup_parallelism: config.ns_lookup_parallelism,
            // Only walks that share the cache can share descents.
            share_descents: config.cache,
            // About one exchange with one server, retries included.
            max_descent_wait: config.transport.timeout * (config.transport.udp_retries + 1),
            max_ns_per_zone: config.max_ns_per_zone,
        }
    }

    fn walk_cache(&self) -> Arc<DelegationCache> {
        if self.shared.config.cache {
            Arc::clone(&self.shared.cache)
        } else {
            Arc::new(DelegationCache::new())
        }
    }

    /// Resolves `name`/`rtype` from the authoritative servers, following CNAMEs.
    pub async fn lookup(&self, name: &Name, rtype: RecordType) -> WalkResult {
        let question = crate::Question::new(name.clone(), rtype);
        let walk = Walk::new(
            question,
            self.walk_options(true),
            self.walk_cache(),
            Instant::now(),
        );
        self.run(walk).await
    }

    /// Walks to the zone that holds `name` and stops at the first authoritative response
    /// there, whatever it is (CNAMEs are not followed). [`WalkResult::zone`] is that zone; if
    /// no server of it answered, the deepest zone reached.
    pub async fn locate(&self, name: &Name, rtype: RecordType) -> WalkResult {
        let question = crate::Question::new(name.clone(), rtype);
        let walk = Walk::new(
            question,
            self.walk_options(false),
            self.walk_cache(),
            Instant::now(),
        );
        self.run(walk).await
    }

    /// Sends one query, or joins the identical one another lookup has in flight. A server
    /// that needed the retry without EDNS once is asked without EDNS for the rest of the run
    /// (as Unbound remembers it), saving it a FORMERR per query. With the cache off, neither:
    /// the query is simply sent.
    pub(crate) async fn exchange(
        &self,
        address: SocketAddr,
        question: &crate::Question,
    ) -> QueryResult {
        if !self.shared.config.cache {
            // The baseline: every lookup on its own, nothing shared.
            return self.send(address, question).await;
        }
        let key = (
            address,
            question.name.to_lowercase(),
            question.qtype,
            question.qclass,
        );
        let cell = {
            let mut in_flight = self.in_flight();
            Arc::clone(in_flight.entry(key.clone()).or_default())
        };
        let sent = std::sync::atomic::AtomicBool::new(false);
        let result = cell
            .get_or_init(|| async {
                sent.store(true, Ordering::Relaxed);
                self.send(address, question).await
            })
            .await
            .clone();
        if !sent.load(Ordering::Relaxed) {
            self.shared.coalesced.fetch_add(1, Ordering::Relaxed);
        }
        // Later questions are asked afresh: only simultaneous ones share.
        let mut in_flight = self.in_flight();
        if in_flight.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            in_flight.remove(&key);
        }
        result
    }

    /// Sends one query under the run's rules: not at all when the family is switched off, when
    /// the address policy refuses the address, or
    /// cannot be reached from here, when there is no network, or when the server has already
    /// been waited out; otherwise within the limits on sockets and on queries per server,
    /// with a first wait from the server's measured round-trip time, and once more when a
    /// server that answered before leaves a whole exchange unanswered (one unlucky exchange
    /// under loss is not the server's fault). A server that needed the retry without EDNS
    /// once is asked without EDNS for the rest of the run (as Unbound remembers it).
    async fn send(&self, address: SocketAddr, question: &crate::Question) -> QueryResult {
        self.send_with(address, question, false).await
    }

    /// Asks the recursive resolver of [`ResolverConfig::recursive`] (RD set) the question and
    /// records its answer, classified as a resolver's answer: the records it found at the
    /// end of any CNAME chain, NXDOMAIN or NODATA, or why there is none (SERVFAIL, REFUSED,
    /// no response). `None` when no resolver is configured.
    pub async fn ask_recursive(&self, question: &crate::Question) -> Option<QueryRecord> {
        let address = self.shared.config.recursive?;
        let result = self.send_with(address, question, true).await;
        let classification = match &result {
            Ok(exchange) => classify::recursive(question, &exchange.response),
            Err(error) => Classification::of_error(error),
        };
        Some(QueryRecord {
            zone: crate::Name::root(),
            server: ServerAddr::new(None, address.ip()),
            address,
            question: question.clone(),
            purpose: QueryPurpose::Recursive,
            result,
            classification,
            discarded: Vec::new(),
            repeated: false,
        })
    }

    /// Asks the recursive resolver of [`ResolverConfig::recursive`] every question at once
    /// (within the run's in-flight limits), as [`Resolver::ask_recursive`] does one: one entry
    /// per question, in the questions' order (`None` when no resolver is configured).
    pub async fn ask_recursive_all(
        &self,
        questions: &[crate::Question],
    ) -> Vec<Option<QueryRecord>> {
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

    async fn send_with(
        &self,
        address: SocketAddr,
        question: &crate::Question,
        recursion_desired: bool,
    ) -> QueryResult {
        let config = &self.shared.config;
        let health = &self.shared.health;
        if !config.families().allows(&address.ip()) {
            return Err(QueryError::NotChecked {
                server: address,
                why: NotChecked::Disabled {
                    ipv6: address.is_ipv6(),
                },
            });
        }
        if let Some(range) = config.address_policy.refuses(address.ip()) {
            return Err(QueryError::NotChecked {
                server: address,
                why: NotChecked::Refused { range },
            });
        }
        self.watch_for_silence();
        let per_server = {
            let mut map = self.lock(&self.shared.per_server);
            Arc::clone(
                map.entry(address.ip())
                    .or_insert_with(|| Arc::new(Semaphore::new(config.max_in_flight_per_server))),
            )
        };
        // Neither semaphore is ever closed, so acquiring cannot fail; if it ever did, the
        // query would simply go out without the politeness limit.
        let _server_permit = per_server.acquire().await.ok();
        let _socket_permit = self.shared.sockets.acquire().await.ok();
        let mut second_chance = true;
        let mut resource_waits = 0;
        let mut counted = false;
        loop {
            let first_wait = match health.before_send(
                address,
                config.transport.first_wait,
                config.transport.timeout,
            ) {
                Ok(wait) => wait,
                Err(error) => return Err(error),
            };
            if !counted {
                // A retried question is still one question to one server.
                counted = true;
                self.shared.queries.fetch_add(1, Ordering::Relaxed);
            }
            let mut transport = config.transport.clone();
            transport.first_wait = first_wait;
            transport.recursion_desired |= recursion_desired;
            transport.tcp_after_refused &= health.retry_refused_over_tcp(&address);
            if self.lock(&self.shared.no_edns).contains(&address) {
                transport.edns = false;
            }
            let down = self.shared.network_down.notified();
            let result = tokio::select! {
                result = transport::query(address, question, &transport) => result,
                () = down => Err(QueryError::NoNetwork {
                    server: address,
                    cause: health.no_network().unwrap_or(crate::transport::NoNetwork::Silent),
                }),
            };
            health.after(address, &result);
            if health.no_network().is_some() {
                self.shared.network_down.notify_waiters();
            }
            match &result {
                Ok(exchange) if exchange.edns_fallback => {
                    self.lock(&self.shared.no_edns).insert(address);
                }
                Err(error)
                    if error.local_cause() == Some(LocalCause::Resources)
                        && resource_waits < limits::RESOURCE_RETRIES =>
                {
                    // Out of descriptors or ports: this machine's problem. Wait for other
                    // exchanges to give theirs back, and try again (bounded).
                    resource_waits += 1;
                    tokio::time::sleep(limits::RESOURCE_WAIT * resource_waits).await;
                    continue;
                }
                Err(QueryError::Timeout { .. })
                    if second_chance && health.has_answered(&address) =>
                {
                    second_chance = false;
                    continue;
                }
                _ => {}
            }
            return result;
        }
    }

    /// At the run's first query, starts the watch that decides whether this machine can reach
    /// DNS servers at all: with no answer from anyone after [`PROBE_AFTER`], a few other root
    /// servers are asked too (one silent root server is not a silent network). From
    /// [`SILENT_AFTER`] on, once whole exchanges with two addresses went unanswered and
    /// nothing answered at all, or at [`SILENT_LIMIT`] whatever the count, every query of the
    /// run fails at once with [`QueryError::NoNetwork`].
    fn watch_for_silence(&self) {
        if self.shared.watching.swap(true, Ordering::Relaxed) {
            return;
        }
        let resolver = self.clone();
        let started = Instant::now();
        tokio::spawn(async move {
            let health = &resolver.shared.health;
            tokio::time::sleep_until((started + PROBE_AFTER).into()).await;
            if health.anything_answered() || health.no_network().is_some() {
                return;
            }
            let config = &resolver.shared.config;
            let question = crate::Question::new(crate::Name::root(), crate::RecordType::NS);
            let families = config.families();
            let candidates = config
                .roots
                .servers
                .iter()
                .filter(|s| families.allows(&s.ip));
            for root in candidates.skip(1).take(3) {
                let address = SocketAddr::new(root.ip, config.port);
                let (question, transport) = (question.clone(), config.transport.clone());
                let prober = resolver.clone();
                // Each probe is one bounded exchange (every try, then TCP) and ends on its own.
                tokio::spawn(async move {
                    prober.shared.queries.fetch_add(1, Ordering::Relaxed);
                    let result = transport::query(address, &question, &transport).await;
                    prober.shared.health.after(address, &result);
                });
            }
            tokio::time::sleep_until((started + SILENT_AFTER).into()).await;
            loop {
                if health.anything_answered() || health.no_network().is_some() {
                    return;
                }
                let limit = started.elapsed() >= SILENT_LIMIT;
                if (limit || health.unanswered_addresses() >= 2) && health.judge_silence().is_some()
                {
                    resolver.shared.network_down.notify_waiters();
                    return;
                }
                tokio::time::sleep(SILENCE_RECHECK).await;
            }
        });
    }

    fn lock<'a, T>(&self, mutex: &'a Mutex<T>) -> std::sync::MutexGuard<'a, T> {
        // Every update under these locks is one insert or remove: a poisoned lock still holds
        // consistent data.
        mutex.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn in_flight(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<InFlightKey, Arc<OnceCell<QueryResult>>>> {
        // Each update is one insert or remove, so a poisoned lock still holds consistent data.
        self.shared
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Drives any walk to its end, running the queries it asks for concurrently.
    pub async fn run(&self, walk: Walk) -> WalkResult {
        self.shared.walks.fetch_add(1, Ordering::Relaxed);
        // Made before the walk is moved in, so it is dropped after the walk: a run cancelled
        // half-way (its future dropped) gives up the walk's descent claims, then wakes the
        // walks waiting for them.
        let mut announce = AnnounceOnDrop(Some(&self.shared.descent_news));
        let mut walk = walk;
        let mut running: JoinSet<(QueryToken, Result<Exchange, QueryError>)> = JoinSet::new();
        let mut tokens: HashMap<tokio::task::Id, (QueryToken, SocketAddr)> = HashMap::new();
        loop {
            // Armed before the walk is polled, so a descent that ends in between still wakes us.
            let changed = self.shared.descent_news.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let step = walk.poll(Instant::now());
            // What `receive` and `poll` did since the last look: a claim ended wakes the walks
            // waiting for it.
            self.announce_descents(&mut walk);
            match step {
                WalkStep::Done => break,
                WalkStep::Send(queries) => {
                    for query in queries {
                        let resolver = self.clone();
                        let (token, address) = (query.token, query.address);
                        let handle = running.spawn(async move {
                            let result = resolver.exchange(query.address, &query.question).await;
                            (query.token, result)
                        });
                        tokens.insert(handle.id(), (token, address));
                    }
                }
                WalkStep::Wait => {}
            }
            // Only a walk that waits for another walk's descent cares about the cache's news
            // (otherwise thousands of concurrent walks would all wake at every referral).
            let waiting = walk.next_wakeup();
            let wakeup = waiting.map_or(walk.deadline(), |w| w.min(walk.deadline()));
            let deadline = tokio::time::Instant::from_std(wakeup);
            tokio::select! {
                _ = &mut changed, if waiting.is_some() => {}
                joined = running.join_next_with_id(), if !running.is_empty() => {
                    match joined {
                        Some(Ok((id, (token, result)))) => {
                            tokens.remove(&id);
                            walk.receive(token, result, Instant::now());
                        }
                        Some(Err(error)) => {
                            // The query task panicked or was cancelled: report it as an I/O
                            // failure so the walk moves on to another server.
                            if let Some((token, server)) = tokens.remove(&error.id()) {
                                let failure = QueryError::Io {
                                    server,
                                    protocol: transport::Protocol::Udp,
                                    operation: "querying",
                                    kind: std::io::ErrorKind::Other,
                                    message: error.to_string(),
                                    errno: None,
                                };
                                walk.receive(token, Err(failure), Instant::now());
                            }
                        }
                        None => {}
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {}
            }
        }
        // Queries the walk no longer needs are cancelled.
        running.abort_all();
        let result = walk.into_result();
        // A walk that is done holds no claim (each task gives its claim up when it ends).
        announce.0 = None;
        result
    }

    /// Wakes the walks waiting for a descent if `walk` ended a claim since the last call.
    fn announce_descents(&self, walk: &mut Walk) {
        if walk.take_released_descents() {
            self.shared.descent_news.notify_waiters();
        }
    }
}

/// Wakes the walks waiting for a descent when dropped, unless disarmed (`None`).
struct AnnounceOnDrop<'a>(Option<&'a Notify>);

impl Drop for AnnounceOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(news) = self.0 {
            news.notify_waiters();
        }
    }
}
