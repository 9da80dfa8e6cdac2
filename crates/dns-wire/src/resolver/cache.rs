//! The delegation cache: zone cuts and name server addresses learnt during one run, shared by
//! every lookup of a [`super::Resolver`], so a second name under a known zone starts at that
//! zone's servers instead of the root. Entries do not expire: a run lasts minutes, and a
//! diagnosis wants one consistent picture of the delegations.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

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
}

#[derive(Debug, Default)]
struct Entries {
    zones: HashMap<Name, Delegation>,
    addresses: HashMap<Name, Vec<IpAddr>>,
}

/// A descent in progress: a zone, and the label below it that the descent is heading for.
type DescentKey = (Name, Vec<u8>);

/// Zone cuts and server addresses, safe to share between threads.
///
/// It also coordinates concurrent walks (without any I/O): a walk about to ask the root or a
/// top-level domain's servers about a name *claims* that step (zone and next label), and other
/// walks heading the same way wait for the referral instead of asking the same servers the
/// same thing (see [`super::Walk`]). The cache wakes nobody: a walk that ends a claim says so
/// ([`super::Walk::take_released_descents`]) and its driver wakes the waiting walks; a walk
/// that is never woken looks again after [`super::WalkOptions::max_descent_wait`].
#[derive(Debug, Default)]
pub struct DelegationCache {
    entries: Mutex<Entries>,
    descents: Mutex<HashMap<DescentKey, u64>>,
    /// Source of the identities walks claim descents under (see [`DelegationCache::walk_id`]).
    walk_ids: AtomicU64,
    zone_hits: AtomicU64,
    address_hits: AtomicU64,
}

impl DelegationCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the maps half-updated (each update is
        // one insert), so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The deepest cached zone cut that encloses `name` (the root is never cached: the hints
    /// are the root).
    pub fn closest(&self, name: &Name) -> Option<Delegation> {
        let entries = self.lock();
        let mut candidate = Some(name.clone());
        while let Some(zone) = candidate {
            if zone.is_root() {
                break;
            }
            if let Some(found) = entries.zones.get(&zone) {
                self.zone_hits.fetch_add(1, Ordering::Relaxed);
                return Some(found.clone());
            }
            candidate = zone.parent();
        }
        None
    }

    /// The cached cut for exactly `zone`.
    pub fn delegation(&self, zone: &Name) -> Option<Delegation> {
        self.lock().zones.get(zone).cloned()
    }

    /// Remembers a zone cut; the first referral seen for a zone is kept, so every lookup of the
    /// run sees the same delegation.
    pub fn insert(&self, delegation: Delegation) {
        let mut entries = self.lock();
        for glue in &delegation.glue {
            if let Some(name) = &glue.name {
                let known = entries.addresses.entry(name.clone()).or_default();
                if !known.contains(&glue.ip) {
                    known.push(glue.ip);
                }
            }
        }
        entries
            .zones
            .entry(delegation.zone.clone())
            .or_insert(delegation);
    }

    /// Known addresses of a name server host.
    pub fn addresses(&self, host: &Name) -> Option<Vec<IpAddr>> {
        let found = self.lock().addresses.get(host).cloned();
        if found.is_some() {
            self.address_hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Adds addresses found for a name server host.
    pub fn add_addresses(&self, host: &Name, ips: &[IpAddr]) {
        if ips.is_empty() {
            return;
        }
        let mut entries = self.lock();
        let known = entries.addresses.entry(host.clone()).or_default();
        for ip in ips {
            if !known.contains(ip) {
                known.push(*ip);
            }
        }
    }

    /// A new identity for a walk on this cache, under which it claims descents. Claims only
    /// matter between walks of one cache, so the cache hands the identities out (no global
    /// counter).
    pub(crate) fn walk_id(&self) -> u64 {
        self.walk_ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Claims the descent from `zone` towards `label` for walk `walk`; false if another walk
    /// holds it.
    pub(crate) fn claim_descent(&self, zone: &Name, label: &[u8], walk: u64) -> bool {
        let mut descents = self.descents.lock().unwrap_or_else(|e| e.into_inner());
        let owner = descents
            .entry((zone.to_lowercase(), label.to_ascii_lowercase()))
            .or_insert(walk);
        *owner == walk
    }

    /// Ends a claim of walk `walk`; true if the walk held it (walks waiting for it may now
    /// find a closer zone cut, or claim it themselves).
    pub(crate) fn release_descent(&self, zone: &Name, label: &[u8], walk: u64) -> bool {
        let key = (zone.to_lowercase(), label.to_ascii_lowercase());
        let mut descents = self.descents.lock().unwrap_or_else(|e| e.into_inner());
        if descents.get(&key) == Some(&walk) {
            descents.remove(&key);
            return true;
        }
        false
    }

    /// Sizes and hit counters.
    pub fn stats(&self) -> CacheStats {
        let entries = self.lock();
        CacheStats {
            zones: entries.zones.len(),
            hosts: entries.addresses.len(),
            zone_hits: self.zone_hits.load(Ordering::Relaxed),
            address_hits: self.address_hits.load(Ordering::Relaxed),
        }
    }
}
