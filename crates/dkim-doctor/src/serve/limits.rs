//! What keeps `serve` usable by everyone when exposed: a rate limit per client address (a
//! token bucket) and a cap on checks running at once. Both answer "not now, retry after N
//! seconds" instead of queueing, so a burst cannot pile up memory or sockets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Clients remembered at most; beyond it, those whose bucket has refilled are forgotten (they
/// start again with a full bucket, which is what forgetting them means anyway). A flood from
/// many addresses can only fill the map with buckets that are not full, each 40-odd bytes.
const MAX_CLIENTS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Per-client token buckets: `burst` checks at once, refilled at `per_minute`.
#[derive(Debug)]
pub struct ClientLimits {
    per_minute: f64,
    burst: f64,
    clients: Mutex<HashMap<IpAddr, Bucket>>,
}

impl ClientLimits {
    /// `per_minute` checks per minute per client address, `burst` of them at once.
    pub fn new(per_minute: u32, burst: u32) -> ClientLimits {
        ClientLimits {
            per_minute: f64::from(per_minute.max(1)),
            burst: f64::from(burst.max(1)),
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_minute / 60.0).min(self.burst);
        bucket.updated = now;
    }

    /// Takes one check from `client`'s bucket at `now`, or says how long until one is there.
    pub fn admit(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            // Keep only the clients that have used their bucket recently.
            let busy = |limits: &Self, bucket: &mut Bucket| {
                limits.refill(bucket, now);
                bucket.tokens < limits.burst
            };
            clients.retain(|_, bucket| busy(self, bucket));
        }
        let bucket = clients.entry(client).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        self.refill(bucket, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let missing = 1.0 - bucket.tokens;
        Err(Duration::from_secs_f64(missing * 60.0 / self.per_minute))
    }
}

/// The cap on checks running at once, over all clients.
#[derive(Debug, Clone)]
pub struct CheckSlots(Arc<Semaphore>);

impl CheckSlots {
    /// Room for `max` checks at once.
    pub fn new(max: usize) -> CheckSlots {
        CheckSlots(Arc::new(Semaphore::new(max.max(1))))
    }

    /// A slot held until dropped, or `None` when every slot is taken.
    pub fn try_take(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.0).try_acquire_owned().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_admitted_then_refused_until_the_bucket_refills() {
        let limits = ClientLimits::new(60, 3);
        let client: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limits.admit(client, start).is_ok());
        }
        let wait = limits.admit(client, start).unwrap_err();
        assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
        // Another client has a bucket of its own.
        assert!(limits.admit(other, start).is_ok());
        // One token per second at 60 per minute.
        assert!(limits.admit(client, start + Duration::from_secs(1)).is_ok());
        assert!(limits
            .admit(client, start + Duration::from_secs(1))
            .is_err());
    }

    #[test]
    fn slots_run_out_and_come_back() {
        let slots = CheckSlots::new(2);
        let a = slots.try_take().unwrap();
        let _b = slots.try_take().unwrap();
        assert!(slots.try_take().is_none());
        drop(a);
        assert!(slots.try_take().is_some());
    }
}
