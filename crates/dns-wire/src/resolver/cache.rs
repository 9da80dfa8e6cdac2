//! The delegation cache: zone cuts and name server addresses learnt during a run, shared by
//! every lookup of a [`super::Run`], so a second name under a known zone starts at that
//! zone's servers instead of the root.
//!
//! It is plain data owned by one run (no lock: the run is the only one that touches it). A
//! diagnosis wants one consistent picture of the delegations, so within its lifetime an entry
//! never changes; a long-lived run (a service, a bulk run of a million domains) bounds the
//! cache by size and lets entries go when their TTL is over ([`DelegationCache::with_limits`]).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::trace::ServerAddr;
use crate::Name;

/// A zone cut as the parent zone describes it: the child zone, its NS set and glue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    /// The zone.
    pub zone: Name,
    /// The parent zone whose servers gave the referral; `None` for the root hints.
    pub parent: Option<Name>,
    /// The NS set in the parent's referral, in DNS order (root hints: the root server names in
    /// the hints' order, empty when only addresses were given).
    pub ns: Vec<Name>,
    /// The smallest TTL of the parent's NS records (0 for root hints).
    pub ttl: u32,
    /// Addresses that came with the referral (in-bailiwick glue), sorted by name then
    /// address, or the root hints.
    pub glue: Vec<ServerAddr>,
    /// The server that gave the referral.
    pub referred_by: Option<ServerAddr>,
    /// How many NS names the parent listed: more than [`Delegation::ns`] holds when the
    /// referral listed more than [`super::ResolverConfig::max_ns_per_zone`] (the rest are
    /// ignored, see [`Delegation::capped`]).
    pub ns_listed: usize,
}

impl Delegation {
    /// The name servers that came without glue, in [`Delegation::ns`] order: their
    /// addresses are looked up (or known from the cache), not given by the referral.
    pub fn glueless(&self) -> impl Iterator<Item = &Name> {
        self.ns
            .iter()
            .filter(|ns| !self.glue.iter().any(|g| g.name.as_ref() == Some(*ns)))
    }

    /// Whether the parent listed more name servers than are considered.
    pub fn capped(&self) -> bool {
        self.ns_listed > self.ns.len()
    }
}

/// Counters of a [`DelegationCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Zone cuts held.
    pub zones: usize,
    /// Name server host names with known addresses.
    pub hosts: usize,
    /// Lookups that started from a cached zone cut instead of the root.
    pub zone_hits: u64,
    /// Name server addresses found in the cache instead of being looked up.
    pub address_hits: u64,
    /// Entries dropped because the cache was full.
    pub evictions: u64,
}

/// How long an entry is kept at most, whatever its TTL (a service re-learns delegations at
/// least this often).
pub const MAX_CACHE_LIFETIME: Duration = Duration::from_secs(3600);

/// Entries a cache holds at most by default (zone cuts and host addresses each): about 10 MB.
pub const DEFAULT_CACHE_ENTRIES: usize = 20_000;

#[derive(Debug, Clone)]
struct Entry<T> {
    value: T,
    /// When the entry is no longer used (its TTL, bounded by [`MAX_CACHE_LIFETIME`]).
    expires: Option<Instant>,
}

/// A descent in progress: a zone, and the label below it that the descent is heading for.
type DescentKey = (Name, Vec<u8>);

/// Zone cuts and server addresses.
///
/// It also coordinates concurrent walks of one run (without any I/O): a walk about to ask the
/// root or a top-level domain's servers about a name *claims* that step (zone and next label),
/// and other walks heading the same way wait for the referral instead of asking the same
/// servers the same thing (see [`super::Walk`]). A walk that ends a claim says so
/// ([`super::Walk::take_released_descents`]) and whoever drives the walks polls the waiting
/// ones again; a walk that is never polled looks again after
/// [`super::WalkOptions::max_descent_wait`].
#[derive(Debug, Default, Clone)]
pub struct DelegationCache {
    zones: HashMap<Name, Entry<Delegation>>,
    addresses: HashMap<Name, Entry<Vec<IpAddr>>>,
    /// Insertion order, for eviction when [`DelegationCache::max_entries`] is reached.
    zone_order: VecDeque<Name>,
    host_order: VecDeque<Name>,
    /// `None`: entries never expire and the cache is not bounded (one diagnosis).
    limits: Option<CacheLimits>,
    descents: HashMap<DescentKey, u64>,
    /// Source of the identities walks claim descents under (see [`DelegationCache::walk_id`]).
    walk_ids: u64,
    zone_hits: u64,
    address_hits: u64,
    evictions: u64,
}

#[derive(Debug, Clone, Copy)]
struct CacheLimits {
    max_entries: usize,
    /// The time entries are judged against: set by [`DelegationCache::set_now`].
    now: Instant,
}

impl DelegationCache {
    /// An empty cache whose entries never expire (one diagnosis: one picture).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty cache for a long-lived run: at most `max_entries` zone cuts and as many name
    /// server hosts (the oldest go first), each kept for its TTL (at most
    /// [`MAX_CACHE_LIFETIME`]). Time is whatever [`DelegationCache::set_now`] last said.
    pub fn with_limits(max_entries: usize, now: Instant) -> Self {
        DelegationCache {
            limits: Some(CacheLimits {
                max_entries: max_entries.max(1),
                now,
            }),
            ..Self::default()
        }
    }

    /// Tells a bounded cache the time (the cache reads no clock). Entries past their TTL are
    /// then ignored and dropped.
    pub fn set_now(&mut self, now: Instant) {
        if let Some(limits) = &mut self.limits {
            limits.now = now;
        }
    }

    fn expiry(&self, ttl: u32) -> Option<Instant> {
        let limits = self.limits?;
        let lifetime = Duration::from_secs(u64::from(ttl)).min(MAX_CACHE_LIFETIME);
        Some(limits.now + lifetime)
    }

    fn live<T>(&self, entry: &Entry<T>) -> bool {
        match (entry.expires, self.limits) {
            (Some(expires), Some(limits)) => limits.now < expires,
            _ => true,
        }
    }

    /// The deepest cached zone cut that encloses `name` (the root is never cached: the hints
    /// are the root).
    pub fn closest(&mut self, name: &Name) -> Option<Delegation> {
        let mut candidate = Some(name.clone());
        while let Some(zone) = candidate {
            if zone.is_root() {
                break;
            }
            if let Some(found) = self.zones.get(&zone).filter(|e| self.live(e)) {
                let found = found.value.clone();
                self.zone_hits += 1;
                return Some(found);
            }
            candidate = zone.parent();
        }
        None
    }

    /// The cached cut for exactly `zone`.
    pub fn delegation(&self, zone: &Name) -> Option<Delegation> {
        self.zones
            .get(zone)
            .filter(|e| self.live(e))
            .map(|e| e.value.clone())
    }

    /// Remembers a zone cut; the first referral seen for a zone is kept (until it expires), so
    /// every lookup of a diagnosis sees the same delegation.
    pub fn insert(&mut self, delegation: Delegation) {
        for glue in &delegation.glue {
            if let Some(name) = &glue.name {
                self.add_host_address(name, glue.ip, delegation.ttl);
            }
        }
        if self
            .zones
            .get(&delegation.zone)
            .is_some_and(|e| self.live(e))
        {
            return;
        }
        let entry = Entry {
            expires: self.expiry(delegation.ttl),
            value: delegation,
        };
        let zone = entry.value.zone.clone();
        if self.zones.insert(zone.clone(), entry).is_none() {
            self.zone_order.push_back(zone);
        }
        self.evict();
    }

    /// Known addresses of a name server host.
    pub fn addresses(&mut self, host: &Name) -> Option<Vec<IpAddr>> {
        let found = self
            .addresses
            .get(host)
            .filter(|e| self.live(e))
            .map(|e| e.value.clone());
        if found.is_some() {
            self.address_hits += 1;
        }
        found
    }

    /// Adds addresses found for a name server host, kept for `ttl` seconds in a bounded cache.
    pub fn add_addresses(&mut self, host: &Name, ips: &[IpAddr], ttl: u32) {
        for ip in ips {
            self.add_host_address(host, *ip, ttl);
        }
    }

    fn add_host_address(&mut self, host: &Name, ip: IpAddr, ttl: u32) {
        let expires = self.expiry(ttl);
        let live = self.addresses.get(host).is_some_and(|e| self.live(e));
        match self.addresses.get_mut(host) {
            Some(entry) if live => {
                if !entry.value.contains(&ip) {
                    entry.value.push(ip);
                }
            }
            Some(entry) => {
                *entry = Entry {
                    value: vec![ip],
                    expires,
                };
            }
            None => {
                self.addresses.insert(
                    host.clone(),
                    Entry {
                        value: vec![ip],
                        expires,
                    },
                );
                self.host_order.push_back(host.clone());
                self.evict();
            }
        }
    }

    /// Drops the oldest entries beyond the bound, and expired ones met on the way.
    fn evict(&mut self) {
        let Some(limits) = self.limits else { return };
        while self.zones.len() > limits.max_entries {
            let Some(oldest) = self.zone_order.pop_front() else {
                break;
            };
            self.zones.remove(&oldest);
            self.evictions += 1;
        }
        while self.addresses.len() > limits.max_entries {
            let Some(oldest) = self.host_order.pop_front() else {
                break;
            };
            self.addresses.remove(&oldest);
            self.evictions += 1;
        }
        // Expired entries at the front go too (the queue is in insertion order, so these are
        // the likeliest to be stale); the rest are ignored by `live` until they reach it.
        while let Some(front) = self.zone_order.front() {
            match self.zones.get(front) {
                Some(entry) if self.live(entry) => break,
                _ => {
                    if let Some(zone) = self.zone_order.pop_front() {
                        self.zones.remove(&zone);
                    }
                }
            }
        }
        while let Some(front) = self.host_order.front() {
            match self.addresses.get(front) {
                Some(entry) if self.live(entry) => break,
                _ => {
                    if let Some(host) = self.host_order.pop_front() {
                        self.addresses.remove(&host);
                    }
                }
            }
        }
    }

    /// A new identity for a walk on this cache, under which it claims descents. Claims only
    /// matter between walks of one cache, so the cache hands the identities out (no global
    /// counter).
    pub(crate) fn walk_id(&mut self) -> u64 {
        self.walk_ids += 1;
        self.walk_ids
    }

    /// Claims the descent from `zone` towards `label` for walk `walk`; false if another walk
    /// holds it.
    pub(crate) fn claim_descent(&mut self, zone: &Name, label: &[u8], walk: u64) -> bool {
        let owner = self
            .descents
            .entry((zone.to_lowercase(), label.to_ascii_lowercase()))
            .or_insert(walk);
        *owner == walk
    }

    /// Who holds the descent from `zone` towards `label`, if anyone.
    pub(crate) fn descent_owner(&self, zone: &Name, label: &[u8]) -> Option<u64> {
        self.descents
            .get(&(zone.to_lowercase(), label.to_ascii_lowercase()))
            .copied()
    }

    /// Ends a claim of walk `walk`; true if the walk held it (walks waiting for it may now
    /// find a closer zone cut, or claim it themselves).
    pub(crate) fn release_descent(&mut self, zone: &Name, label: &[u8], walk: u64) -> bool {
        let key = (zone.to_lowercase(), label.to_ascii_lowercase());
        if self.descents.get(&key) == Some(&walk) {
            self.descents.remove(&key);
            return true;
        }
        false
    }

    /// Sizes and hit counters.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            zones: self.zones.len(),
            hosts: self.addresses.len(),
            zone_hits: self.zone_hits,
            address_hits: self.address_hits,
            evictions: self.evictions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(zone: &str, ttl: u32) -> Delegation {
        let zone: Name = zone.parse().unwrap();
        let host: Name = format!("ns1.{zone}").parse().unwrap();
        Delegation {
            parent: zone.parent(),
            ns: vec![host.clone()],
            ttl,
            glue: vec![ServerAddr::new(Some(host), "192.0.2.1".parse().unwrap())],
            referred_by: None,
            ns_listed: 1,
            zone,
        }
    }

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn one_diagnosis_keeps_its_first_picture() {
        let mut cache = DelegationCache::new();
        cache.insert(cut("example.com", 1));
        let mut other = cut("example.com", 1);
        other.ns = vec![n("ns9.example.net")];
        cache.insert(other);
        cache.set_now(Instant::now() + Duration::from_secs(86_400));
        let kept = cache.closest(&n("www.example.com")).unwrap();
        assert_eq!(kept.ns, vec![n("ns1.example.com")]);
    }

    #[test]
    fn a_bounded_cache_honours_ttls_and_drops_the_oldest() {
        let start = Instant::now();
        let mut cache = DelegationCache::with_limits(2, start);
        cache.insert(cut("a.example", 60));
        cache.insert(cut("b.example", 3600));
        cache.insert(cut("c.example", 3600));
        assert_eq!(cache.stats().zones, 2);
        assert!(
            cache.delegation(&n("a.example")).is_none(),
            "the oldest went"
        );
        assert!(cache.delegation(&n("b.example")).is_some());
        // A minute on, what lives for an hour is still there.
        cache.set_now(start + Duration::from_secs(61));
        assert!(cache.delegation(&n("c.example")).is_some());
        cache.set_now(start + Duration::from_secs(3601));
        assert!(cache.closest(&n("www.c.example")).is_none(), "expired");
        assert!(
            cache.addresses(&n("ns1.c.example")).is_none(),
            "its glue too"
        );
        // A new referral for an expired zone replaces it.
        let mut fresh = cut("c.example", 3600);
        fresh.ns = vec![n("ns2.c.example")];
        cache.insert(fresh);
        assert_eq!(
            cache.delegation(&n("c.example")).unwrap().ns,
            vec![n("ns2.c.example")]
        );
    }
}
