//! What a run learns about each server and about this machine's own network, so that a lost
//! packet costs a retry, a dead server is waited out once, and a host without IPv6 (or without
//! any network) is not mistaken for broken servers.
//!
//! - Per server address: a smoothed round-trip time and its variation (RFC 6298), which set the
//!   first wait of the next query ([`crate::transport::TransportConfig::first_wait`]); how
//!   many queries it answered and how many it left unanswered after every try. A server that
//!   answered nothing and failed [`DEAD_AFTER`] whole exchanges, or refused one (nothing
//!   listens there), is not asked again in the run: later queries fail at once with its last
//!   failure.
//! - Per address family: answers received, and the local failures (no route, a local
//!   firewall) that say the family cannot be reached from here. A family with local failures
//!   and no answer is "not checked from here": its servers are skipped, not called lame.
//! - For the run: if every family failed locally, or several servers refused and none
//!   answered, or nothing at all answered for [`SILENT_AFTER`] while two addresses left whole
//!   exchanges unanswered (or for [`SILENT_LIMIT`] in any case; a few more root servers are
//!   probed at [`PROBE_AFTER`]), this machine cannot reach DNS servers: every query then
//!   fails at once with [`QueryError::NoNetwork`].

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::AddressFamilies;
use crate::transport::{Exchange, LocalCause, NoNetwork, NotChecked, Protocol, QueryError};

/// Whole exchanges (every UDP try and the TCP try) a server may fail, having answered nothing,
/// before the run stops asking it. Two, not one: at 20% loss each way one exchange of four
/// datagrams and a TCP try still fails about once in 400, and a healthy server must not be
/// written off by one such accident.
pub const DEAD_AFTER: u32 = 2;

/// Distinct servers that refused (ICMP unreachable, connection refused) with no answer from
/// anyone, after which DNS is taken to be rejected on the way out.
pub const REJECTED_AFTER: usize = 3;

/// With no answer from anyone by then, a few more root servers are asked at once.
pub const PROBE_AFTER: Duration = Duration::from_secs(1);

/// With no answer from anyone by then, and whole exchanges with two addresses unanswered,
/// this machine is taken to have no working DNS path.
pub const SILENT_AFTER: Duration = Duration::from_secs(6);

/// With no answer from anyone by then, this machine is taken to have no working DNS path
/// however few exchanges have ended (so the verdict comes within 10 s).
pub const SILENT_LIMIT: Duration = Duration::from_secs(9);

/// How often the silence is judged again between [`SILENT_AFTER`] and [`SILENT_LIMIT`].
pub const SILENCE_RECHECK: Duration = Duration::from_millis(250);

/// The smallest first wait derived from a measured round-trip time (Unbound's
/// `infra-cache-min-rtt` is 50 ms).
pub const MIN_WAIT: Duration = Duration::from_millis(50);

#[derive(Debug, Default, Clone)]
struct ServerRecord {
    /// Smoothed round-trip time and its mean deviation, in seconds (RFC 6298 §2).
    srtt: Option<(f64, f64)>,
    answered: u32,
    failed: u32,
    /// Why its last whole exchange failed (silence, or nothing listening), given to later
    /// questions once it is judged dead.
    last_failure: Option<QueryError>,
}

#[derive(Debug, Default, Clone)]
struct FamilyRecord {
    answered: u64,
    local: Option<LocalCause>,
}

#[derive(Debug, Default, Clone)]
struct State {
    /// Which families the run may use (index as in `families`).
    enabled: [bool; 2],
    servers: HashMap<IpAddr, ServerRecord>,
    /// Index 0: IPv4, 1: IPv6.
    families: [FamilyRecord; 2],
    refused_by: HashSet<IpAddr>,
    /// Addresses whose every try a local packet filter dropped.
    filtered: HashSet<IpAddr>,
    /// Addresses that answered REFUSED even after the retry over TCP.
    refuses_over_tcp: HashSet<IpAddr>,
    /// Whether any query was let through ([`Health::before_send`]).
    sent: bool,
    down: Option<NoNetwork>,
    discarded_datagrams: u64,
}

/// What this run has learned about servers and about its own network. Owned by the run
/// ([`super::Run`]), which asks it before every exchange and tells it every result.
#[derive(Debug, Clone)]
pub struct Health {
    state: State,
}

impl Default for Health {
    /// Both families in use.
    fn default() -> Self {
        Health::new(AddressFamilies::BOTH)
    }
}

/// A family's index in [`State::families`].
fn family(ip: &IpAddr) -> usize {
    usize::from(ip.is_ipv6())
}

impl Health {
    /// Nothing learned yet; the run uses `families`.
    pub fn new(families: AddressFamilies) -> Health {
        Health {
            state: State {
                enabled: [families.ipv4, families.ipv6],
                ..State::default()
            },
        }
    }

    /// Starts learning afresh what it knows of servers (round-trip times, servers waited out,
    /// refusals, filters) and whether the network is down, for a long run in which those may
    /// have changed. What it knows of this machine's address families having answered stays:
    /// a check that ends just after is not taken for one on a machine without network.
    pub fn relearn(&mut self) {
        let state = &mut self.state;
        state.servers.clear();
        state.refused_by.clear();
        state.filtered.clear();
        state.refuses_over_tcp.clear();
        state.down = None;
        for family in &mut state.families {
            family.local = None;
        }
    }

    /// Before sending to `server`: the error to return at once (no network, family not
    /// reachable from here, a server already waited out), or the first wait to use (from the
    /// server's round-trip times, else `default_wait`; never above `cap`). Whatever drives
    /// the queries calls it before each exchange and [`Health::after`] after it; no clock is
    /// read here.
    pub fn before_send(
        &mut self,
        server: SocketAddr,
        default_wait: Duration,
        cap: Duration,
    ) -> Result<Duration, QueryError> {
        let state = &mut self.state;
        if let Some(cause) = state.down {
            return Err(QueryError::NoNetwork { server, cause });
        }
        let ip = server.ip();
        let fam = &state.families[family(&ip)];
        if let (0, Some(cause)) = (fam.answered, fam.local) {
            if cause != LocalCause::Resources {
                return Err(QueryError::NotChecked {
                    server,
                    why: NotChecked::Unreachable {
                        ipv6: ip.is_ipv6(),
                        cause,
                    },
                });
            }
        }
        state.sent = true;
        let state = &*state;
        let record = state.servers.get(&ip);
        if let Some(ServerRecord {
            answered: 0,
            failed,
            last_failure: Some(failure),
            ..
        }) = record
        {
            if *failed >= DEAD_AFTER {
                return Err(failure.clone());
            }
        }
        let rto = |(srtt, rttvar): (f64, f64)| {
            // RFC 6298 §2: RTO = SRTT + 4 RTTVAR, here floored and capped.
            Duration::from_secs_f64(srtt + 4.0 * rttvar).clamp(MIN_WAIT, cap.max(MIN_WAIT))
        };
        Ok(match record.and_then(|r| r.srtt) {
            Some(estimate) => rto(estimate),
            // A server not measured yet: the longest wait any measured server of the run
            // needs, but never more than the default for the unknown (Unbound's 376 ms). Under
            // loss this keeps a lost first datagram from costing the full default each time,
            // and it stays generous: it is the slowest server's wait, not the typical one's.
            None => state
                .servers
                .values()
                .filter_map(|r| r.srtt)
                .map(rto)
                .max()
                .map_or(default_wait, |slowest| slowest.min(default_wait))
                .min(cap),
        })
    }

    /// After an exchange with `server` ended: learns its round-trip time, or that it did not
    /// answer, or what the failure says about this machine's network.
    pub fn after(&mut self, server: SocketAddr, result: &Result<Exchange, QueryError>) {
        let state = &mut self.state;
        let ip = server.ip();
        match result {
            Ok(exchange) => {
                if exchange.response.rcode() == crate::Rcode::REFUSED {
                    // Refused over TCP too (or TCP failed): asking it again over TCP is
                    // pointless for the rest of the run.
                    state.refuses_over_tcp.insert(ip);
                }
                state.families[family(&ip)].answered += 1;
                state.discarded_datagrams += u64::from(exchange.dropped_datagrams);
                let record = state.servers.entry(ip).or_default();
                record.answered += 1;
                // Karn's algorithm (RFC 6298 §3): only an answer to a datagram sent once
                // measures the round trip; after a retry, or over TCP (a connection set up
                // first, perhaps after a lost SYN), the time says nothing about the server.
                if exchange.protocol != Protocol::Udp || exchange.udp_attempts != 1 {
                    state.judge_network();
                    return;
                }
                let sample = exchange.rtt.as_secs_f64();
                record.srtt = Some(match record.srtt {
                    None => (sample, sample / 2.0),
                    Some((srtt, rttvar)) => (
                        0.875 * srtt + 0.125 * sample,
                        0.75 * rttvar + 0.25 * (srtt - sample).abs(),
                    ),
                });
            }
            Err(error @ QueryError::Timeout { discarded, .. }) => {
                state.discarded_datagrams += u64::from(*discarded);
                let record = state.servers.entry(ip).or_default();
                record.failed += 1;
                record.last_failure = Some(error.clone());
            }
            Err(error) => {
                if let Some(cause) = error.local_cause() {
                    let fam = family(&ip);
                    match cause {
                        // Routing is decided once for every address of the family.
                        LocalCause::NoRoute => {
                            state.families[fam].local.get_or_insert(cause);
                        }
                        // A filter may drop some datagrams and not others: only a filter that
                        // stopped every try to two addresses speaks for the family.
                        LocalCause::Firewall => {
                            state.filtered.insert(ip);
                            let filtered =
                                state.filtered.iter().filter(|a| family(a) == fam).count();
                            if filtered >= 2 {
                                state.families[fam].local.get_or_insert(cause);
                            }
                        }
                        LocalCause::Resources => {}
                    }
                } else if let QueryError::Io { kind, .. } = error {
                    use std::io::ErrorKind::{ConnectionRefused, ConnectionReset, HostUnreachable};
                    if matches!(kind, ConnectionRefused | ConnectionReset | HostUnreachable) {
                        state.refused_by.insert(ip);
                        // Nothing listens there (over UDP and TCP): dead at once. A refusal is
                        // not a lost packet, so one says what `DEAD_AFTER` silences say. It
                        // also keeps a run's questions independent of timing: a failed
                        // exchange is not remembered, so the same question asked again of
                        // this server (a walk's, after the zone survey's) would otherwise be
                        // joined to the exchange while in flight but sent anew once refused.
                        let record = state.servers.entry(ip).or_default();
                        record.failed = record.failed.saturating_add(1).max(DEAD_AFTER);
                        record.last_failure = Some(error.clone());
                    }
                }
            }
        }
        state.judge_network();
    }

    /// Whether a REFUSED from `server` is worth a retry over TCP: not once it refused the
    /// retry too (the driver clears [`crate::transport::TransportConfig::tcp_after_refused`]
    /// for it then).
    pub fn retry_refused_over_tcp(&self, server: &SocketAddr) -> bool {
        !self.state.refuses_over_tcp.contains(&server.ip())
    }

    /// Whether `server` has answered anything in this run.
    pub fn has_answered(&self, server: &SocketAddr) -> bool {
        self.state
            .servers
            .get(&server.ip())
            .is_some_and(|r| r.answered > 0)
    }

    /// Whether anything at all has answered in this run.
    pub fn anything_answered(&self) -> bool {
        self.state.families.iter().any(|f| f.answered > 0)
    }

    /// How many distinct addresses left a whole exchange unanswered, refused it, or had
    /// every try dropped by a local filter.
    pub fn unanswered_addresses(&self) -> usize {
        let state = &self.state;
        let mut addresses: HashSet<&IpAddr> = state
            .servers
            .iter()
            .filter(|(_, r)| r.failed > 0)
            .map(|(ip, _)| ip)
            .collect();
        addresses.extend(state.refused_by.iter());
        addresses.extend(state.filtered.iter());
        addresses.len()
    }

    /// Declares the network silent if nothing has answered by now (the driver calls it at
    /// [`SILENT_AFTER`] after the first query).
    pub fn judge_silence(&mut self) -> Option<NoNetwork> {
        let state = &mut self.state;
        if state.down.is_none() && state.families.iter().all(|f| f.answered == 0) {
            state.down = Some(NoNetwork::Silent);
        }
        state.down
    }

    /// At the end of a run: if queries were sent and nothing at all answered, this machine
    /// could not reach DNS servers, however short the run was (a walk that ran out of servers
    /// before [`SILENT_AFTER`]). Says why, as [`Health::no_network`] does from then on.
    pub fn conclude(&mut self) -> Option<NoNetwork> {
        let state = &mut self.state;
        if state.down.is_none() && state.sent && state.families.iter().all(|f| f.answered == 0) {
            let local = state.families.iter().find_map(|f| f.local);
            let single = match state.enabled {
                [true, false] => Some(false),
                [false, true] => Some(true),
                _ => None,
            };
            state.down = Some(match (local, single) {
                (Some(cause), Some(ipv6)) => NoNetwork::Family { ipv6, cause },
                (Some(cause), None) => NoNetwork::Local(cause),
                (None, _) if !state.refused_by.is_empty() => NoNetwork::Rejected,
                (None, _) => NoNetwork::Silent,
            });
        }
        state.down
    }

    /// Whether this machine cannot reach DNS servers at all, and why.
    pub fn no_network(&self) -> Option<NoNetwork> {
        self.state.down
    }

    /// The address families this machine could not reach in this run (no answer, and a local
    /// failure), with the cause: `(ipv6, cause)`.
    pub fn unreachable_families(&self) -> Vec<(bool, LocalCause)> {
        let state = &self.state;
        (0..2)
            .filter_map(|i| {
                let f = &state.families[i];
                match (f.answered, f.local) {
                    (0, Some(cause)) if cause != LocalCause::Resources => Some((i == 1, cause)),
                    _ => None,
                }
            })
            .collect()
    }

    /// Datagrams received and thrown away in this run because their source, ID, QR bit, opcode
    /// or question did not match a query (possible spoofs).
    pub fn discarded_datagrams(&self) -> u64 {
        self.state.discarded_datagrams
    }
}

impl State {
    fn judge_network(&mut self) {
        if self.down.is_some() || self.families.iter().any(|f| f.answered > 0) {
            return;
        }
        // Every family in use failed before a packet left: the first cause found speaks for
        // them (resource exhaustion is never recorded per family).
        let enabled: Vec<usize> = (0..2).filter(|&i| self.enabled[i]).collect();
        let causes: Vec<Option<LocalCause>> =
            enabled.iter().map(|&i| self.families[i].local).collect();
        match (enabled.as_slice(), causes.as_slice()) {
            ([only], [Some(cause)]) => {
                self.down = Some(NoNetwork::Family {
                    ipv6: *only == 1,
                    cause: *cause,
                });
                return;
            }
            (_, [Some(first), rest @ ..]) if rest.iter().all(Option::is_some) => {
                self.down = Some(NoNetwork::Local(*first));
                return;
            }
            _ => {}
        }
        if self.refused_by.len() >= REJECTED_AFTER {
            self.down = Some(NoNetwork::Rejected);
        }
    }

    #[cfg(test)]
    fn set_families_local(&mut self, cause: LocalCause) {
        for f in &mut self.families {
            f.local = Some(cause);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn timeout(server: SocketAddr) -> QueryError {
        QueryError::Timeout {
            protocol: Protocol::Udp,
            server,
            attempts: 4,
            tcp: true,
            waited: Duration::from_secs(4),
            discarded: 0,
        }
    }

    fn io(server: SocketAddr, kind: std::io::ErrorKind, errno: Option<i32>) -> QueryError {
        QueryError::Io {
            server,
            protocol: Protocol::Udp,
            operation: "sending to",
            kind,
            message: "x".into(),
            errno,
        }
    }

    #[test]
    fn a_server_that_never_answered_is_waited_out_twice_then_skipped() {
        let mut health = Health::default();
        let server = addr("192.0.2.1:53");
        let wait = Duration::from_millis(400);
        let cap = Duration::from_millis(1500);
        for _ in 0..DEAD_AFTER {
            assert_eq!(health.before_send(server, wait, cap), Ok(wait));
            health.after(server, &Err(timeout(server)));
        }
        assert_eq!(health.before_send(server, wait, cap), Err(timeout(server)));
    }

    #[test]
    fn relearning_forgets_the_servers_but_not_that_the_network_answered() {
        let mut health = Health::default();
        let dead = addr("192.0.2.1:53");
        let alive = addr("192.0.2.2:53");
        let wait = Duration::from_millis(400);
        health.before_send(alive, wait, wait).unwrap();
        health.state.families[0].answered = 1;
        for _ in 0..DEAD_AFTER {
            health.before_send(dead, wait, wait).unwrap();
            health.after(dead, &Err(timeout(dead)));
        }
        assert!(health.before_send(dead, wait, wait).is_err());
        health.relearn();
        // The dead server is asked again; a check ending before any new answer is not taken
        // for one without network.
        assert_eq!(health.before_send(dead, wait, wait), Ok(wait));
        assert_eq!(health.conclude(), None);
    }

    #[test]
    fn no_ipv6_route_makes_ipv6_not_checked_but_leaves_ipv4_alone() {
        let mut health = Health::default();
        let v6 = addr("[2001:db8::1]:53");
        let v4 = addr("192.0.2.1:53");
        let unreachable = io(v6, std::io::ErrorKind::NetworkUnreachable, Some(101));
        health.after(v6, &Err(unreachable));
        let wait = Duration::from_millis(400);
        let err = health.before_send(v6, wait, wait).unwrap_err();
        assert!(matches!(err, QueryError::NotChecked { .. }), "{err}");
        assert!(err.to_string().contains("not checked from here"), "{err}");
        assert_eq!(health.before_send(v4, wait, wait), Ok(wait));
        assert_eq!(health.no_network(), None);
        assert_eq!(
            health.unreachable_families(),
            vec![(true, LocalCause::NoRoute)]
        );
    }

    #[test]
    fn a_server_that_refused_is_not_asked_again_unless_it_answered_before() {
        let wait = Duration::from_millis(100);
        let refused =
            |server: SocketAddr| Err(io(server, std::io::ErrorKind::ConnectionRefused, Some(111)));
        let mut health = Health::default();
        let server = addr("192.0.2.1:53");
        health.before_send(server, wait, wait).unwrap();
        health.after(server, &refused(server));
        assert!(
            matches!(
                health.before_send(server, wait, wait),
                Err(QueryError::Io { .. })
            ),
            "one refusal: nothing listens there"
        );
        // A server that answered earlier in the run (restarted, say) is asked again.
        let other = addr("192.0.2.2:53");
        let answer = Exchange::first_udp(
            other,
            crate::Message::query(1, crate::Name::root(), crate::RecordType::NS),
            17,
            Duration::from_millis(10),
        );
        health.after(other, &Ok(answer));
        health.after(other, &refused(other));
        assert!(health.before_send(other, wait, wait).is_ok());
    }

    #[test]
    fn a_run_where_nothing_answered_concludes_no_network_and_one_answer_prevents_it() {
        let mut health = Health::default();
        assert_eq!(health.conclude(), None, "nothing was sent");
        let server = addr("192.0.2.1:53");
        let wait = Duration::from_millis(100);
        health.before_send(server, wait, wait).unwrap();
        health.after(
            server,
            &Err(io(server, std::io::ErrorKind::ConnectionRefused, Some(111))),
        );
        assert_eq!(health.no_network(), None, "one refusal is not enough alone");
        assert_eq!(health.conclude(), Some(NoNetwork::Rejected));

        let mut health = Health::default();
        health.before_send(server, wait, wait).unwrap();
        health.state.families[0].answered = 1;
        assert_eq!(health.conclude(), None);
    }

    #[test]
    fn both_families_failing_locally_is_no_network() {
        let mut health = Health::default();
        health.state.set_families_local(LocalCause::Firewall);
        health.state.judge_network();
        assert_eq!(
            health.no_network(),
            Some(NoNetwork::Local(LocalCause::Firewall))
        );
    }

    #[test]
    fn three_refusing_servers_and_no_answer_is_a_rejected_network_but_one_answer_is_not() {
        let refused = |h: &mut Health, n: u8| {
            let server = addr(&format!("192.0.2.{n}:53"));
            h.after(
                server,
                &Err(io(server, std::io::ErrorKind::ConnectionRefused, Some(111))),
            );
        };
        let mut health = Health::default();
        for n in 1..=3 {
            refused(&mut health, n);
        }
        assert_eq!(health.no_network(), Some(NoNetwork::Rejected));

        let mut health = Health::default();
        health.state.families[0].answered = 1;
        for n in 1..=5 {
            refused(&mut health, n);
        }
        assert_eq!(health.no_network(), None);
    }

    #[test]
    fn measured_rtt_sets_the_first_wait_within_bounds() {
        let mut health = Health::default();
        let server = addr("192.0.2.1:53");
        let exchange = Exchange {
            dropped_datagrams: 2,
            ..Exchange::first_udp(
                server,
                crate::Message::query(1, crate::Name::root(), crate::RecordType::NS),
                17,
                Duration::from_millis(100),
            )
        };
        health.after(server, &Ok(exchange));
        let wait = health
            .before_send(server, Duration::from_millis(400), Duration::from_secs(2))
            .unwrap();
        // 100 ms + 4 * 50 ms.
        assert_eq!(wait, Duration::from_millis(300));
        assert_eq!(health.discarded_datagrams(), 2);
        assert!(health.has_answered(&server));
        // The cap wins over a long estimate.
        let capped = health
            .before_send(
                server,
                Duration::from_millis(400),
                Duration::from_millis(200),
            )
            .unwrap();
        assert_eq!(capped, Duration::from_millis(200));
    }
}
