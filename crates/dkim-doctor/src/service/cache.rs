//! A cache of reports, for a service asked the same check again and again (`serve`): the same
//! request within the lifetime of its evidence gets the report already made, and identical
//! requests that arrive while their check runs wait for that one check instead of starting
//! their own (single flight).
//!
//! How long a report is kept is decided by what it rests on ([`CachePolicy::lifetime`]: the
//! smallest TTL of the records observed, a short time when a server did not answer), capped by
//! the service ([`CachePolicy::max_lifetime`]); how many are kept is bounded
//! ([`CachePolicy::max_entries`], the least recently used goes first).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use dkim_rules::{CheckRun, Verdict};
use tokio::sync::watch;
// Tokio's clock, so that tests can move it.
use tokio::time::Instant;

/// How long reports are kept, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Longest a report is kept, whatever the TTLs of its records (zero: reports are not
    /// kept, identical requests still share a running check).
    pub max_lifetime: Duration,
    /// Longest a report is kept when a second look may conclude otherwise with no record
    /// changed (an incomplete verdict, a server that did not answer, no record seen at all):
    /// long enough to spare the servers a burst of identical requests, short enough that a
    /// retry soon after gets a check of its own.
    pub unsettled_lifetime: Duration,
    /// Reports kept at most.
    pub max_entries: usize,
}

impl Default for CachePolicy {
    /// Ten seconds at most (as long as `serve` remembers the servers' answers), one second when
    /// unsettled, 4,096 reports.
    fn default() -> Self {
        CachePolicy {
            max_lifetime: Duration::from_secs(10),
            unsettled_lifetime: Duration::from_secs(1),
            max_entries: 4096,
        }
    }
}

impl CachePolicy {
    /// How long the report of `run` may be given again: the smallest TTL of the records it
    /// rests on ([`dkim_rules::Observations::min_ttl`]), or [`CachePolicy::unsettled_lifetime`]
    /// when its verdict is incomplete, its observations are unsettled
    /// ([`dkim_rules::Observations::unsettled`]) or hold no record; never more than
    /// [`CachePolicy::max_lifetime`].
    pub fn lifetime(&self, run: &CheckRun) -> Duration {
        let observations = &run.observations;
        let evidence = if run.report.verdict == Verdict::Incomplete || observations.unsettled() {
            self.unsettled_lifetime
        } else {
            observations
                .min_ttl()
                .map_or(self.unsettled_lifetime, |ttl| {
                    Duration::from_secs(u64::from(ttl))
                })
        };
        evidence.min(self.max_lifetime)
    }
}

/// Where a [`ReportCache`] answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// A report kept from an earlier check.
    Hit,
    /// The report of an identical check that was already running when the request came.
    Joined,
    /// A check run for this request.
    Miss,
}

impl CacheOutcome {
    /// `hit`, `joined` or `miss`.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Joined => "joined",
            CacheOutcome::Miss => "miss",
        }
    }
}

/// A value from a [`ReportCache`].
#[derive(Debug, Clone)]
pub struct Cached<V> {
    /// The value.
    pub value: V,
    /// Where it came from.
    pub outcome: CacheOutcome,
    /// Time since its check started.
    pub age: Duration,
}

/// Counts of a [`ReportCache`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Requests answered with a kept report.
    pub hits: u64,
    /// Requests answered with the report of an identical check already running.
    pub joined: u64,
    /// Requests that ran a check (with `fresh`, or nothing kept).
    pub misses: u64,
    /// Reports kept now (expired ones included until they are looked up or pushed out).
    pub entries: usize,
}

/// A value whose check has finished.
struct Ready<V> {
    value: V,
    /// When its check started (its evidence is no older).
    made: Instant,
    expires: Instant,
    /// Its place in [`Entries::by_use`].
    used: u64,
}

/// A running check: its id, and where its value will appear (`None` until then; the sender
/// dropped without a value when the check failed or was cancelled).
type Flight<V> = (u64, watch::Receiver<Option<(V, Instant)>>);

struct Entries<K, V> {
    ready: HashMap<K, Ready<V>>,
    /// The keys of `ready` by last use, least recent first.
    by_use: BTreeMap<u64, K>,
    running: HashMap<K, Flight<V>>,
    /// Source of use stamps and flight ids.
    tick: u64,
}

impl<K: Hash + Eq + Clone, V: Clone> Entries<K, V> {
    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    /// The kept value of `key` if it has not expired (an expired one is dropped).
    fn hit(&mut self, key: &K, now: Instant) -> Option<(V, Instant)> {
        let ready = self.ready.get(key)?;
        if now >= ready.expires {
            let used = ready.used;
            self.ready.remove(key);
            self.by_use.remove(&used);
            return None;
        }
        let (old, made, value) = (ready.used, ready.made, ready.value.clone());
        let tick = self.next_tick();
        if let Some(owned) = self.by_use.remove(&old) {
            self.by_use.insert(tick, owned);
        }
        if let Some(ready) = self.ready.get_mut(key) {
            ready.used = tick;
        }
        Some((value, made))
    }

    /// Keeps `value`, pushing out the least recently used beyond `max`.
    fn keep(&mut self, key: K, value: V, made: Instant, expires: Instant, max: usize) {
        if max == 0 {
            return;
        }
        let used = self.next_tick();
        if let Some(old) = self.ready.insert(
            key.clone(),
            Ready {
                value,
                made,
                expires,
                used,
            },
        ) {
            self.by_use.remove(&old.used);
        }
        self.by_use.insert(used, key);
        while self.ready.len() > max {
            let Some((_, oldest)) = self.by_use.pop_first() else {
                break;
            };
            self.ready.remove(&oldest);
        }
    }
}

/// What a request does after looking at the cache.
enum Next<V> {
    Hit(Cached<V>),
    Join(watch::Receiver<Option<(V, Instant)>>),
    Lead(u64, watch::Sender<Option<(V, Instant)>>),
}

/// Reports (or any value made from one, such as its JSON bytes) by request, with single
/// flight. Shared behind an `Arc`; every method takes `&self`; no lock is held across an
/// await.
pub struct ReportCache<K, V> {
    policy: CachePolicy,
    entries: Mutex<Entries<K, V>>,
    hits: AtomicU64,
    joined: AtomicU64,
    misses: AtomicU64,
}

impl<K, V> std::fmt::Debug for ReportCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportCache")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone, V: Clone> ReportCache<K, V> {
    /// An empty cache.
    pub fn new(policy: CachePolicy) -> ReportCache<K, V> {
        ReportCache {
            policy,
            entries: Mutex::new(Entries {
                ready: HashMap::new(),
                by_use: BTreeMap::new(),
                running: HashMap::new(),
                tick: 0,
            }),
            hits: AtomicU64::new(0),
            joined: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &CachePolicy {
        &self.policy
    }

    fn lock(&self) -> MutexGuard<'_, Entries<K, V>> {
        // Every update under the lock leaves the maps consistent before it can panic.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The counts so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            joined: self.joined.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            entries: self.lock().ready.len(),
        }
    }

    /// The value for `key`: kept, or that of an identical check running now, or made by
    /// `run` (which gives the value and how long it may be kept, usually
    /// [`CachePolicy::lifetime`] of its run). With `fresh`, a kept value is not used (a check
    /// running now still is: it is asking the servers now). An error of `run` is returned to
    /// this caller and kept for nobody; the requests that were waiting for it look again (and
    /// one of them runs its own check), as they do when this caller is cancelled.
    pub async fn get_or_run<F, Fut, E>(&self, key: K, fresh: bool, run: F) -> Result<Cached<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(V, Duration), E>>,
    {
        let (id, sender) = loop {
            match self.look(&key, fresh) {
                Next::Hit(cached) => {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(cached);
                }
                Next::Join(mut receiver) => {
                    if let Ok(done) = receiver.wait_for(Option::is_some).await {
                        if let Some((value, made)) = done.clone() {
                            self.joined.fetch_add(1, Ordering::Relaxed);
                            return Ok(Cached {
                                value,
                                outcome: CacheOutcome::Joined,
                                age: made.elapsed(),
                            });
                        }
                    }
                    // The check failed or its caller went away: look again.
                }
                Next::Lead(id, sender) => break (id, sender),
            }
        };
        self.misses.fetch_add(1, Ordering::Relaxed);
        let flight = Leading {
            cache: self,
            key: &key,
            id,
            sender,
        };
        let started = Instant::now();
        let (value, lifetime) = run().await?;
        {
            let mut entries = self.lock();
            flight.land(&mut entries);
            let expires = started + lifetime;
            if expires > Instant::now() {
                entries.keep(
                    key.clone(),
                    value.clone(),
                    started,
                    expires,
                    self.policy.max_entries,
                );
            }
        }
        let _ = flight.sender.send(Some((value.clone(), started)));
        Ok(Cached {
            value,
            outcome: CacheOutcome::Miss,
            age: started.elapsed(),
        })
    }

    fn look(&self, key: &K, fresh: bool) -> Next<V> {
        let mut entries = self.lock();
        if !fresh {
            if let Some((value, made)) = entries.hit(key, Instant::now()) {
                return Next::Hit(Cached {
                    value,
                    outcome: CacheOutcome::Hit,
                    age: made.elapsed(),
                });
            }
        }
        if let Some((_, receiver)) = entries.running.get(key) {
            return Next::Join(receiver.clone());
        }
        let id = entries.next_tick();
        let (sender, receiver) = watch::channel(None);
        entries.running.insert(key.clone(), (id, receiver));
        Next::Lead(id, sender)
    }
}

/// The running check of one key, taken off the running list when it lands or is dropped
/// (its check failed, or its caller was cancelled): then the sender goes too, and the waiting
/// requests look again.
struct Leading<'a, K: Hash + Eq + Clone, V: Clone> {
    cache: &'a ReportCache<K, V>,
    key: &'a K,
    id: u64,
    sender: watch::Sender<Option<(V, Instant)>>,
}

impl<K: Hash + Eq + Clone, V: Clone> Leading<'_, K, V> {
    /// Takes this check off the running list (if it is still the one listed).
    fn land(&self, entries: &mut Entries<K, V>) {
        if entries.running.get(self.key).map(|(id, _)| *id) == Some(self.id) {
            entries.running.remove(self.key);
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Drop for Leading<'_, K, V> {
    fn drop(&mut self) {
        let mut entries = self.cache.lock();
        self.land(&mut entries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn policy(max_entries: usize) -> CachePolicy {
        CachePolicy {
            max_lifetime: Duration::from_secs(60),
            unsettled_lifetime: Duration::from_secs(1),
            max_entries,
        }
    }

    /// A "check" that counts its runs and gives `value`, kept for `lifetime`.
    async fn counted(
        runs: &AtomicU64,
        value: u32,
        lifetime: Duration,
    ) -> Result<(u32, Duration), ()> {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok((value, lifetime))
    }

    /// A selector check of `s1._domainkey.example.com` whose one server answered `outcome`.
    fn run_with(outcome: dkim_rules::AnswerOutcome) -> CheckRun {
        use dkim_rules::{Observations, ProbeObservation, ServerAnswer, ServerRef};
        let check = crate::service::selector_check("example.com", &["s1"])
            .unwrap()
            .check;
        let name: dns_wire::Name = "s1._domainkey.example.com".parse().unwrap();
        let observations = Observations {
            probes: vec![ProbeObservation {
                name,
                rtype: dns_wire::RecordType::TXT,
                answers: vec![ServerAnswer {
                    server: ServerRef {
                        name: "ns1.example.com".parse().unwrap(),
                        address: "192.0.2.1".parse().unwrap(),
                    },
                    outcome,
                }],
            }],
            ..Observations::default()
        };
        CheckRun {
            report: dkim_rules::diagnose(&check, &observations),
            check,
            observations,
            path: Vec::new(),
            trace: Vec::new(),
            sent: 0,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_report_is_kept_as_long_as_its_records_ttl_and_an_unsettled_one_briefly() {
        use dkim_rules::{AnswerError, AnswerOutcome, ObservedData, ObservedRecord, Response};
        let key = ObservedRecord {
            name: "s1._domainkey.example.com".parse().unwrap(),
            ttl: 30,
            data: ObservedData::Txt(vec![b"v=DKIM1; k=rsa; p=".to_vec()]),
        };
        let answered = run_with(AnswerOutcome::Response(Response {
            rcode: dns_wire::Rcode::NOERROR,
            authoritative: true,
            answer: vec![key],
            authority: Vec::new(),
        }));
        assert_eq!(policy(16).lifetime(&answered), Duration::from_secs(30));
        let capped = CachePolicy {
            max_lifetime: Duration::from_secs(10),
            ..policy(16)
        };
        assert_eq!(capped.lifetime(&answered), Duration::from_secs(10));
        let timed_out = run_with(AnswerOutcome::Error {
            error: AnswerError::Timeout,
            message: String::new(),
        });
        assert_eq!(policy(16).lifetime(&timed_out), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_kept_value_is_given_within_its_lifetime_and_not_after() {
        let cache = ReportCache::new(policy(16));
        let runs = AtomicU64::new(0);
        let life = Duration::from_secs(5);
        let first = cache
            .get_or_run("a", false, || counted(&runs, 1, life))
            .await
            .unwrap();
        assert_eq!((first.value, first.outcome), (1, CacheOutcome::Miss));
        tokio::time::advance(Duration::from_secs(4)).await;
        let second = cache
            .get_or_run("a", false, || counted(&runs, 2, life))
            .await
            .unwrap();
        assert_eq!((second.value, second.outcome), (1, CacheOutcome::Hit));
        assert!(second.age >= Duration::from_secs(4), "{:?}", second.age);
        // A fresh request runs its check, and its value replaces the kept one.
        let fresh = cache
            .get_or_run("a", true, || counted(&runs, 3, life))
            .await
            .unwrap();
        assert_eq!((fresh.value, fresh.outcome), (3, CacheOutcome::Miss));
        tokio::time::advance(Duration::from_secs(5)).await;
        let expired = cache
            .get_or_run("a", false, || counted(&runs, 4, life))
            .await
            .unwrap();
        assert_eq!((expired.value, expired.outcome), (4, CacheOutcome::Miss));
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 3, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_value_with_no_lifetime_or_an_error_is_not_kept() {
        let cache = ReportCache::new(policy(16));
        let runs = AtomicU64::new(0);
        cache
            .get_or_run("a", false, || counted(&runs, 1, Duration::ZERO))
            .await
            .unwrap();
        let failed: Result<_, &str> = cache.get_or_run("a", false, || async { Err("no") }).await;
        assert_eq!(failed.unwrap_err(), "no");
        let again = cache
            .get_or_run("a", false, || counted(&runs, 2, Duration::ZERO))
            .await
            .unwrap();
        assert_eq!(again.outcome, CacheOutcome::Miss);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(cache.stats().entries, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn identical_requests_during_a_check_wait_for_that_one_check() {
        let cache = Arc::new(ReportCache::new(policy(16)));
        let runs = Arc::new(AtomicU64::new(0));
        let mut requests = Vec::new();
        for _ in 0..50 {
            let (cache, runs) = (Arc::clone(&cache), Arc::clone(&runs));
            requests.push(tokio::spawn(async move {
                // Even a fresh request joins the check that is running now.
                cache
                    .get_or_run("a", true, || async {
                        runs.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok::<_, ()>((7u32, Duration::ZERO))
                    })
                    .await
                    .unwrap()
            }));
        }
        let mut outcomes = Vec::new();
        for request in requests {
            let cached = request.await.unwrap();
            assert_eq!(cached.value, 7);
            outcomes.push(cached.outcome);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        let misses = outcomes
            .iter()
            .filter(|o| **o == CacheOutcome::Miss)
            .count();
        assert_eq!(misses, 1, "{outcomes:?}");
        assert_eq!(cache.stats().joined, 49);
    }

    #[tokio::test(start_paused = true)]
    async fn the_waiting_requests_run_a_check_when_the_first_is_cancelled() {
        let cache = Arc::new(ReportCache::new(policy(16)));
        let runs = Arc::new(AtomicU64::new(0));
        let check = |cache: Arc<ReportCache<&'static str, u32>>, runs: Arc<AtomicU64>| async move {
            cache
                .get_or_run("a", false, || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok::<_, ()>((1u32, Duration::from_secs(5)))
                })
                .await
        };
        let first = tokio::spawn(check(Arc::clone(&cache), Arc::clone(&runs)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn(check(Arc::clone(&cache), Arc::clone(&runs)));
        tokio::time::sleep(Duration::from_millis(50)).await;
        first.abort();
        let second = second.await.unwrap().unwrap();
        assert_eq!(second.outcome, CacheOutcome::Miss);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_least_recently_used_goes_first_beyond_the_bound() {
        let cache = ReportCache::new(policy(3));
        let runs = AtomicU64::new(0);
        let life = Duration::from_secs(30);
        for (key, value) in [("a", 1), ("b", 2), ("c", 3)] {
            cache
                .get_or_run(key, false, || counted(&runs, value, life))
                .await
                .unwrap();
        }
        // "a" used again: "b" is now the least recently used.
        let a = cache
            .get_or_run("a", false, || counted(&runs, 10, life))
            .await
            .unwrap();
        assert_eq!(a.outcome, CacheOutcome::Hit);
        for (key, value) in [("d", 4), ("e", 5), ("f", 6), ("g", 7)] {
            cache
                .get_or_run(key, false, || counted(&runs, value, life))
                .await
                .unwrap();
            assert!(cache.stats().entries <= 3);
        }
        assert_eq!(cache.stats().entries, 3);
        for key in ["e", "f", "g"] {
            let kept = cache
                .get_or_run(key, false, || counted(&runs, 0, life))
                .await
                .unwrap();
            assert_eq!(kept.outcome, CacheOutcome::Hit, "{key}");
        }
        let b = cache
            .get_or_run("b", false, || counted(&runs, 20, life))
            .await
            .unwrap();
        assert_eq!((b.value, b.outcome), (20, CacheOutcome::Miss));
    }
}
