//! The simulated internet without sockets or a clock: a [`Run`] and its clients driven over the
//! lab's [`Network`] in simulated time, as quinn-proto's tests drive a connection pair.
//!
//! Each exchange the run asks for is answered by the lab's own server logic
//! ([`crate::server::reply`]) for the server at that address, after `latency` (one round
//! trip), with each datagram lost with probability `loss` (either way, from a seeded
//! generator: a run is reproducible). A lost or unanswered try costs its wait, doubling as the
//! transport's does, then TCP is tried (not lost: a connection retransmits); a server that
//! never answers costs the whole exchange; an address where nothing listens is refused at once
//! (what the kernel's ICMP port unreachable gives).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dns_wire::resolver::{ExchangeId, Run, RunClient, Transmit};
use dns_wire::transport::{Exchange, Protocol, QueryError};
use dns_wire::{Message, Question};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::network::{Behaviour, Network};
use crate::server::{reply, Reply, Transport};

/// How the simulated network behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conditions {
    /// One round trip to any server.
    pub latency: Duration,
    /// Probability that a datagram is lost, each way.
    pub loss: f64,
    /// Seed of the loss and jitter generator.
    pub seed: u64,
    /// How much each exchange's round trip varies, as a fraction of `latency` either way
    /// (0.5: from half to one and a half times it), so that results come back in other orders
    /// than they were sent. 0 leaves every round trip at `latency`.
    pub jitter: f64,
}

impl Default for Conditions {
    /// 20 ms round trips, no loss, no jitter.
    fn default() -> Self {
        Conditions {
            latency: Duration::from_millis(20),
            loss: 0.0,
            seed: 1,
            jitter: 0.0,
        }
    }
}

/// What a simulated drive cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    /// Simulated time from the start to the client's end.
    pub elapsed: Duration,
    /// Exchanges made (each question to each server once, whatever its tries).
    pub exchanges: u64,
    /// Datagrams sent (tries), TCP connections counted as one.
    pub datagrams: u64,
}

/// A simulated network over a lab [`Network`].
#[derive(Debug)]
pub struct SimNet<'a> {
    network: &'a Network,
    conditions: Conditions,
    rng: StdRng,
    /// Exchanges on the wire, with when their result arrives.
    wire: Vec<(Instant, ExchangeId, Result<Exchange, QueryError>)>,
    cost: Cost,
    next_id: u16,
    /// Every exchange's server and question, in the order sent (tests' runs are bounded).
    asked: Vec<(SocketAddr, Question)>,
}

/// Steps a drive takes at most: each one moves time or hands out results, so a client that
/// never ends stops here instead of looping forever.
const MAX_STEPS: usize = 1_000_000;

impl<'a> SimNet<'a> {
    /// A simulated network over `network` under `conditions`.
    pub fn new(network: &'a Network, conditions: Conditions) -> SimNet<'a> {
        SimNet {
            network,
            rng: StdRng::seed_from_u64(conditions.seed),
            conditions,
            wire: Vec::new(),
            cost: Cost::default(),
            next_id: 0,
            asked: Vec::new(),
        }
    }

    /// The server and question of every exchange made so far, in the order sent: what the run
    /// put on the wire (a question joined to one in flight, or answered from the run's
    /// memory, is not here).
    pub fn asked(&self) -> &[(SocketAddr, Question)] {
        &self.asked
    }

    /// Drives `client` on `run` from `start` until it is done (or the run has nothing left to
    /// do), and says what it cost.
    pub fn drive<C: RunClient>(&mut self, run: &mut Run, client: &mut C, start: Instant) -> Cost {
        let before = self.cost;
        let mut now = start;
        client.start(run, now);
        for _ in 0..MAX_STEPS {
            while let Some(transmit) = run.poll_transmit(now) {
                let (delay, result) = self.exchange(&transmit);
                self.wire.push((now + delay, transmit.id, result));
            }
            while let Some(event) = run.poll_event() {
                client.handle(event, run, now);
            }
            if client.is_done() {
                break;
            }
            // Sent during `handle`: out before time moves.
            if let Some(transmit) = run.poll_transmit(now) {
                let (delay, result) = self.exchange(&transmit);
                self.wire.push((now + delay, transmit.id, result));
                continue;
            }
            let arrival = self.wire.iter().map(|(at, _, _)| *at).min();
            let next = match (arrival, run.poll_timeout()) {
                (Some(a), Some(t)) => a.min(t),
                (Some(a), None) => a,
                (None, Some(t)) => t,
                (None, None) => break,
            };
            now = now.max(next);
            // In arrival order, ties in the order sent: a reproducible run.
            let mut due: Vec<(Instant, ExchangeId, Result<Exchange, QueryError>)> = Vec::new();
            let mut index = 0;
            while index < self.wire.len() {
                if self.wire[index].0 <= now {
                    due.push(self.wire.remove(index));
                } else {
                    index += 1;
                }
            }
            due.sort_by_key(|(at, id, _)| (*at, *id));
            for (_, id, result) in due {
                run.receive(id, result, now);
            }
            run.handle_timeout(now);
        }
        Cost {
            elapsed: now.saturating_duration_since(start),
            exchanges: self.cost.exchanges - before.exchanges,
            datagrams: self.cost.datagrams - before.datagrams,
        }
    }

    /// One exchange: how long it takes, and its result.
    fn exchange(&mut self, transmit: &Transmit) -> (Duration, Result<Exchange, QueryError>) {
        self.cost.exchanges += 1;
        self.asked
            .push((transmit.address, transmit.question.clone()));
        let address = transmit.address;
        let config = &transmit.transport;
        let server = self
            .network
            .servers
            .iter()
            .find(|s| s.addrs().any(|a| a == address.ip()));
        let latency = self.round_trip();
        let Some(server) = server.filter(|s| s.behaviour != Behaviour::Unreachable) else {
            self.cost.datagrams += 1;
            return (latency, Err(refused(address)));
        };
        let zones = match address.ip() {
            IpAddr::V4(v4) => self.network.zones_of(v4),
            IpAddr::V6(_) => self.network.zones_of(server.addr),
        };
        self.next_id = self.next_id.wrapping_add(1);
        let mut query = Message::query(
            self.next_id,
            transmit.question.name.clone(),
            transmit.question.qtype,
        );
        query.header.recursion_desired = config.recursion_desired;
        match (&mut query.edns, config.edns) {
            (Some(edns), true) => edns.dnssec_ok = config.dnssec_ok,
            _ => query.edns = None,
        }
        let bytes = query.to_bytes();
        let mut waited = Duration::ZERO;
        let mut wait = config.first_wait.min(config.timeout);
        let tries = config.udp_retries + 1;
        for attempt in 1..=tries {
            self.cost.datagrams += 1;
            let lost = self.lost() || self.lost();
            match reply(&zones, &server.behaviour, &bytes, Transport::Udp) {
                Reply::Send { bytes, delay } if !lost && delay < wait => {
                    let Ok(response) = Message::from_bytes(&bytes) else {
                        break;
                    };
                    let rtt = latency + delay;
                    if response.header.truncated && config.tcp_fallback {
                        return self.over_tcp(transmit, &zones, server, &query, waited + rtt);
                    }
                    return (
                        waited + rtt,
                        Ok(Exchange {
                            elapsed: waited + rtt,
                            udp_attempts: attempt,
                            ..Exchange::first_udp(address, response, bytes.len(), rtt)
                        }),
                    );
                }
                _ => {
                    waited += wait;
                    wait = (wait * 2).min(config.timeout);
                }
            }
        }
        if config.tcp_fallback {
            let (delay, result) = self.over_tcp(transmit, &zones, server, &query, waited);
            if result.is_ok() {
                return (delay, result);
            }
            waited = delay;
        }
        (
            waited,
            Err(QueryError::Timeout {
                server: address,
                protocol: Protocol::Udp,
                attempts: tries,
                tcp: config.tcp_fallback,
                waited,
                discarded: 0,
            }),
        )
    }

    fn over_tcp(
        &mut self,
        transmit: &Transmit,
        zones: &[&crate::network::Zone],
        server: &crate::network::Server,
        query: &Message,
        waited: Duration,
    ) -> (Duration, Result<Exchange, QueryError>) {
        self.cost.datagrams += 1;
        let config = &transmit.transport;
        let latency = self.round_trip();
        // A connection first: one more round trip.
        let rtt = latency * 2;
        match reply(zones, &server.behaviour, &query.to_bytes(), Transport::Tcp) {
            Reply::Send { bytes, delay } if delay < config.tcp_timeout => {
                match Message::from_bytes(&bytes) {
                    Ok(response) => (
                        waited + rtt + delay,
                        Ok(Exchange {
                            server: transmit.address,
                            size: bytes.len(),
                            response: Arc::new(response),
                            protocol: Protocol::Tcp,
                            rtt: rtt + delay,
                            elapsed: waited + rtt + delay,
                            udp_attempts: config.udp_retries + 1,
                            tcp_fallback: true,
                            edns_fallback: false,
                            truncated_udp: true,
                            dropped_datagrams: 0,
                        }),
                    ),
                    Err(_) => (waited + rtt, Err(refused(transmit.address))),
                }
            }
            _ => (
                waited + config.tcp_timeout,
                Err(QueryError::Timeout {
                    server: transmit.address,
                    protocol: Protocol::Tcp,
                    attempts: config.udp_retries + 1,
                    tcp: true,
                    waited: waited + config.tcp_timeout,
                    discarded: 0,
                }),
            ),
        }
    }

    /// One exchange's round trip: `latency`, varied by `jitter` (the generator is drawn only
    /// with jitter, so runs without it lose the same datagrams as before it existed).
    fn round_trip(&mut self) -> Duration {
        let Conditions {
            latency, jitter, ..
        } = self.conditions;
        if jitter <= 0.0 {
            return latency;
        }
        let factor = 1.0 + jitter.min(1.0) * (self.rng.random::<f64>() * 2.0 - 1.0);
        latency.mul_f64(factor)
    }

    fn lost(&mut self) -> bool {
        self.conditions.loss > 0.0 && self.rng.random_bool(self.conditions.loss.clamp(0.0, 1.0))
    }
}

/// What the kernel says for an address where nothing listens.
fn refused(server: SocketAddr) -> QueryError {
    QueryError::Io {
        server,
        protocol: Protocol::Udp,
        operation: "receiving from",
        kind: std::io::ErrorKind::ConnectionRefused,
        message: "Connection refused".to_string(),
        errno: Some(111),
    }
}
