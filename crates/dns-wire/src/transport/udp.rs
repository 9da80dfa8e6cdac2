//! One UDP exchange with retries: fresh connected socket (random source port) and random ID
//! per attempt.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use super::{
    build_query, header_matches, question_matches, LocalCause, Protocol, QueryError,
    TransportConfig,
};
use crate::{Message, Question};

/// The pause before the next try after a local packet filter dropped a datagram.
const LOCAL_DROP_PAUSE: Duration = Duration::from_millis(20);

/// Largest datagram we read; anything the kernel delivers fits.
const RECEIVE_BUFFER: usize = 65535;

/// A matching datagram.
pub(super) struct Reply {
    pub(super) message: Message,
    pub(super) size: usize,
    pub(super) rtt: Duration,
    pub(super) attempts: u32,
    pub(super) dropped: u32,
}

/// No usable datagram: the error, and the counts so far.
pub(super) struct Failure {
    pub(super) error: QueryError,
    pub(super) attempts: u32,
    pub(super) dropped: u32,
}

/// Sends the query up to `1 + udp_retries` times, each wait twice the one before (from
/// `first_wait`, capped at `timeout`), and returns the first matching datagram.
pub(super) async fn exchange(
    server: SocketAddr,
    question: &Question,
    use_edns: bool,
    config: &TransportConfig,
) -> Result<Reply, Failure> {
    let mut attempts = 0;
    let mut dropped = 0;
    // Uninitialised room for the largest datagram, filled by `recv_buf_from`: zeroing 64 KiB
    // per exchange was the largest single cost of a check on a fast network (12 % of a `ses`
    // run's instructions, 29 % of a cold check in bulk), for octets the kernel overwrites.
    let mut buffer: Vec<u8> = Vec::with_capacity(RECEIVE_BUFFER);
    let started = Instant::now();
    let fail = |error, attempts, dropped| Failure {
        error,
        attempts,
        dropped,
    };
    let mut wait = config.first_wait.min(config.timeout);
    let mut refused_locally = 0;
    for _ in 0..=config.udp_retries {
        let query = build_query(question, use_edns, config);
        let id = query.header.id;
        // A new socket bound to port 0 per attempt: the kernel picks a fresh random port.
        let local: SocketAddr = if server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).await.map_err(|e| {
            let error = QueryError::io(server, Protocol::Udp, "opening a socket for", &e);
            fail(error, attempts, dropped)
        })?;
        // Connected, as Unbound's `udp-connect` does: the kernel then drops datagrams from any
        // other address or port before we see them, and reports an ICMP "port unreachable"
        // as a refused connection instead of leaving us waiting for the timeout. The source
        // is still checked below.
        socket.connect(server).await.map_err(|e| {
            let error = QueryError::io(server, Protocol::Udp, "connecting a socket to", &e);
            fail(error, attempts, dropped)
        })?;
        attempts += 1;
        let this_wait = wait;
        wait = wait.saturating_mul(2).min(config.timeout);
        if let Err(e) = socket.send(&query.to_bytes()).await {
            let error = QueryError::io(server, Protocol::Udp, "sending to", &e);
            if error.local_cause() != Some(LocalCause::Firewall) {
                return Err(fail(error, attempts, dropped));
            }
            // A local packet filter dropped this datagram (EPERM, EACCES): as good as lost.
            // Another try may pass (a filter dropping at random, a rate limit); a filter that
            // drops them all ends the exchange with this error after every try, quickly,
            // since no answer can be on its way.
            refused_locally += 1;
            if attempts > config.udp_retries {
                if refused_locally == attempts {
                    return Err(fail(error, attempts, dropped));
                }
                break;
            }
            tokio::time::sleep(LOCAL_DROP_PAUSE.min(this_wait)).await;
            continue;
        }
        let sent = Instant::now();
        let deadline = tokio::time::Instant::from_std(sent + this_wait);
        loop {
            buffer.clear();
            let received =
                tokio::time::timeout_at(deadline, socket.recv_buf_from(&mut buffer)).await;
            let (len, from) = match received {
                Err(_elapsed) => break,
                Ok(Err(e)) => {
                    let error = QueryError::io(server, Protocol::Udp, "receiving from", &e);
                    return Err(fail(error, attempts, dropped));
                }
                Ok(Ok(got)) => got,
            };
            let datagram = buffer.as_slice();
            if from != server || header_matches(datagram, id).is_err() {
                dropped += 1;
                continue;
            }
            let message = match Message::from_bytes(datagram) {
                Ok(message) => message,
                Err(error) => {
                    let error = QueryError::Malformed {
                        server,
                        protocol: Protocol::Udp,
                        error,
                    };
                    return Err(fail(error, attempts, dropped));
                }
            };
            if question_matches(&message, question).is_err() {
                dropped += 1;
                continue;
            }
            return Ok(Reply {
                message,
                size: len,
                rtt: sent.elapsed(),
                attempts,
                dropped,
            });
        }
    }
    let error = QueryError::Timeout {
        server,
        protocol: Protocol::Udp,
        attempts,
        tcp: false,
        waited: started.elapsed(),
        discarded: dropped,
    };
    Err(fail(error, attempts, dropped))
}
