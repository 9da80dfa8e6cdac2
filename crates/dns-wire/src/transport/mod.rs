//! Asking one server one question, over UDP with a TCP retry (RFC 1035 §4.2, RFC 7766).
//!
//! [`query`] sends a query (non-recursive unless configured) with EDNS0 (RFC 6891, 1232-octet payload) from a fresh
//! random source port with a random ID. A datagram counts as the response only if it comes from
//! the server's address and port, carries the query's ID with QR set and echoes the question
//! (name compared case-insensitively, type and class); anything else is dropped and counted, and
//! waiting goes on until the attempt's timeout (RFC 5452 §9.1). The socket is connected to the
//! server, so the kernel also filters other sources and an ICMP "port unreachable" ends the
//! attempt at once (an [`QueryError::Io`] with kind `ConnectionRefused`). Then:
//!
//! - TC set: the same question is asked again over TCP (2-octet length prefix, partial reads,
//!   resets and early closes reported, response size bounded);
//! - FORMERR or NOTIMP without an OPT record, or an unparseable reply, to an EDNS query: one
//!   retry without EDNS (RFC 6891 §7; real servers still do this);
//! - REFUSED over UDP: asked once more over TCP before the answer is believed, because a server
//!   under response-rate limiting may refuse or truncate UDP answers while TCP still works;
//! - no answer: up to [`TransportConfig::udp_retries`] more attempts, each with a new ID and port
//!   and twice the wait of the one before (capped at [`TransportConfig::timeout`]), then one
//!   try over TCP ([`TransportConfig::tcp_fallback`]), as BIND and Unbound do before they
//!   give up on a server. One lost datagram costs one retry, not the server.
//!
//! [`query`] needs the `io` cargo feature (on by default); the types ([`TransportConfig`],
//! [`Exchange`], [`QueryError`]) are always there, for sans-I/O code that takes results from a
//! driver.
//!
//! ```no_run
//! # #[cfg(feature = "io")]
//! # async fn demo() -> Result<(), dns_wire::transport::QueryError> {
//! use dns_wire::transport::{query, TransportConfig};
//! use dns_wire::{Question, RecordType};
//! let question = Question::new("example.com".parse().unwrap(), RecordType::SOA);
//! let server = "127.53.0.1:53".parse().unwrap();
//! let exchange = query(server, &question, &TransportConfig::default()).await?;
//! println!("{} answered {} in {:?}", server, exchange.response.rcode(), exchange.rtt);
//! # Ok(()) }
//! ```

mod error;
#[cfg(feature = "io")]
mod tcp;
#[cfg(feature = "io")]
mod udp;

use std::net::SocketAddr;
use std::time::Duration;
#[cfg(feature = "io")]
use std::time::Instant;

pub use error::{LocalCause, NoNetwork, NotChecked, Protocol, QueryError};

use crate::Message;
#[cfg(feature = "io")]
use crate::{Question, Rcode};

/// How queries are sent: timeouts, retries, EDNS and size bounds.
///
/// The defaults are those of a careful iterative resolver on a lossy network: four UDP sends
/// waiting 400 ms, 800 ms, 1.5 s and 1.5 s (a measured round-trip time shortens the first wait:
/// see [`TransportConfig::first_wait`]), then one TCP try; 5 s for a whole TCP exchange after a
/// truncated answer; EDNS0 with the 1232-octet payload of DNS Flag Day 2020.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// The longest wait for a matching datagram after one UDP send (the cap of the backoff).
    pub timeout: Duration,
    /// The wait after the first UDP send; each retry waits twice as long as the one before, up
    /// to [`TransportConfig::timeout`]. A resolver sets it per server from the round-trip
    /// times it measured (RFC 6298's RTO); the default suits a server never heard from
    /// (Unbound starts unknown servers at 376 ms).
    pub first_wait: Duration,
    /// Extra UDP attempts after a timeout (0 = send once).
    pub udp_retries: u32,
    /// After every UDP attempt went unanswered, try once over TCP (bounded by twice
    /// [`TransportConfig::timeout`]): a path that drops datagrams often still carries TCP.
    pub tcp_fallback: bool,
    /// After a REFUSED over UDP, ask once more over TCP (response-rate limiting may refuse
    /// over UDP what it answers over TCP). A resolver turns it off for a server that refused
    /// over TCP too.
    pub tcp_after_refused: bool,
    /// Bound on a whole TCP exchange after a truncated UDP answer: connect, send, read.
    pub tcp_timeout: Duration,
    /// Send an OPT record (EDNS0) in queries.
    pub edns: bool,
    /// UDP payload size announced in the OPT record.
    pub edns_payload_size: u16,
    /// Set the DO bit in the OPT record (RFC 3225): ask for RRSIG, NSEC and NSEC3 records
    /// with the answer, as a validator must. Only sent with EDNS; the fallback without EDNS
    /// drops it with the OPT record, and the answer then carries no signatures.
    pub dnssec_ok: bool,
    /// Largest TCP response accepted, in octets (at most 65535 can be announced).
    pub max_tcp_response: usize,
    /// Set RD in queries. An iterative resolver asks authoritative servers with RD clear; set
    /// it only to ask a recursive resolver (a comparison, a benchmark).
    pub recursion_desired: bool,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            timeout: Duration::from_millis(1500),
            first_wait: Duration::from_millis(400),
            udp_retries: 3,
            tcp_fallback: true,
            tcp_after_refused: true,
            tcp_timeout: Duration::from_secs(5),
            edns: true,
            edns_payload_size: 1232,
            dnssec_ok: false,
            max_tcp_response: 65535,
            recursion_desired: false,
        }
    }
}

/// A response accepted from a server, with how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The server that answered (address and port).
    pub server: SocketAddr,
    /// The parsed response, shared: a run keeps each response in several records of its
    /// trace, and a hostile referral can make one response large.
    pub response: std::sync::Arc<Message>,
    /// Size of the response on the wire, in octets.
    pub size: usize,
    /// The transport that carried the response.
    pub protocol: Protocol,
    /// Round-trip time of the attempt that produced the response.
    pub rtt: Duration,
    /// Time from the first send to the accepted response, retries and TCP included.
    pub elapsed: Duration,
    /// UDP datagrams sent (retries and the EDNS fallback included).
    pub udp_attempts: u32,
    /// The answer came over TCP after every UDP attempt went unanswered, or after a REFUSED
    /// over UDP.
    pub tcp_fallback: bool,
    /// The query was repeated without EDNS because the server rejected or garbled the EDNS one.
    pub edns_fallback: bool,
    /// The UDP response had TC set, so the response is the TCP one.
    pub truncated_udp: bool,
    /// Datagrams received and dropped because their source, ID or question did not match.
    pub dropped_datagrams: u32,
}

impl Exchange {
    /// `response` of `size` octets from `server`, to the first UDP datagram, `rtt` after it
    /// was sent: no retry, no fallback, nothing dropped. For a driver of the sans-I/O run that
    /// brings its own network (a simulation, a test), which sets the other fields as they were.
    pub fn first_udp(
        server: SocketAddr,
        response: Message,
        size: usize,
        rtt: Duration,
    ) -> Exchange {
        Exchange {
            server,
            response: std::sync::Arc::new(response),
            size,
            protocol: Protocol::Udp,
            rtt,
            elapsed: rtt,
            udp_attempts: 1,
            tcp_fallback: false,
            edns_fallback: false,
            truncated_udp: false,
            dropped_datagrams: 0,
        }
    }
}

/// Asks `server` the `question` (in its class), following the rules in the module
/// documentation.
#[cfg(feature = "io")]
pub async fn query(
    server: SocketAddr,
    question: &Question,
    config: &TransportConfig,
) -> Result<Exchange, QueryError> {
    let mut tally = Tally {
        server,
        start: Instant::now(),
        use_edns: config.edns,
        edns_fallback: false,
        udp_attempts: 0,
        dropped: 0,
    };
    // Bound on a TCP try made because UDP failed (not because the answer is large).
    let fallback_bound = config.timeout.saturating_mul(2);
    loop {
        let reply = match udp::exchange(server, question, tally.use_edns, config).await {
            Ok(reply) => reply,
            Err(udp::Failure {
                error,
                attempts,
                dropped,
            }) => {
                tally.udp_attempts += attempts;
                tally.dropped += dropped;
                if tally.use_edns && matches!(error, QueryError::Malformed { .. }) {
                    tally.without_edns();
                    continue;
                }
                if !matches!(error, QueryError::Timeout { .. }) {
                    return Err(error);
                }
                if !config.tcp_fallback {
                    return Err(tally.timeout(false));
                }
                // Every datagram went unanswered: one try over TCP before giving up.
                let tcp_start = Instant::now();
                return match tcp::exchange(server, question, tally.use_edns, config, fallback_bound)
                    .await
                {
                    Ok((message, size)) => {
                        Ok(tally.finish(message, size, Protocol::Tcp, tcp_start.elapsed(), true))
                    }
                    // A refused or reset connection says no more than the silence before it.
                    Err(QueryError::Timeout { .. } | QueryError::Io { .. }) => {
                        Err(tally.timeout(true))
                    }
                    Err(other) => Err(other),
                };
            }
        };
        tally.udp_attempts += reply.attempts;
        tally.dropped += reply.dropped;
        if tally.use_edns && rejects_edns(&reply.message) {
            tally.without_edns();
            continue;
        }
        let refused = reply.message.rcode() == Rcode::REFUSED && config.tcp_after_refused;
        if !reply.message.header.truncated && !refused {
            return Ok(tally.finish(reply.message, reply.size, Protocol::Udp, reply.rtt, false));
        }
        let tcp_start = Instant::now();
        if refused {
            // Response-rate limiting may refuse over UDP what it answers over TCP; a server
            // that refuses both is believed. A failed TCP try leaves the UDP answer standing.
            return Ok(
                match tcp::exchange(server, question, tally.use_edns, config, fallback_bound).await
                {
                    Ok((message, size)) => {
                        tally.finish(message, size, Protocol::Tcp, tcp_start.elapsed(), true)
                    }
                    Err(_) => {
                        tally.finish(reply.message, reply.size, Protocol::Udp, reply.rtt, false)
                    }
                },
            );
        }
        let (message, size) =
            tcp::exchange(server, question, tally.use_edns, config, config.tcp_timeout).await?;
        let mut exchange = tally.finish(message, size, Protocol::Tcp, tcp_start.elapsed(), false);
        exchange.truncated_udp = true;
        return Ok(exchange);
    }
}

/// What one [`query`] has done so far, for its [`Exchange`] or its timeout.
#[cfg(feature = "io")]
struct Tally {
    server: SocketAddr,
    start: Instant,
    use_edns: bool,
    edns_fallback: bool,
    udp_attempts: u32,
    dropped: u32,
}

#[cfg(feature = "io")]
impl Tally {
    fn without_edns(&mut self) {
        self.use_edns = false;
        self.edns_fallback = true;
    }

    fn timeout(&self, tcp: bool) -> QueryError {
        QueryError::Timeout {
            server: self.server,
            protocol: Protocol::Udp,
            attempts: self.udp_attempts,
            tcp,
            waited: self.start.elapsed(),
            discarded: self.dropped,
        }
    }

    fn finish(
        &self,
        response: Message,
        size: usize,
        protocol: Protocol,
        rtt: Duration,
        tcp_fallback: bool,
    ) -> Exchange {
        Exchange {
            server: self.server,
            response: std::sync::Arc::new(response),
            size,
            protocol,
            rtt,
            elapsed: self.start.elapsed(),
            udp_attempts: self.udp_attempts,
            tcp_fallback,
            edns_fallback: self.edns_fallback,
            truncated_udp: false,
            dropped_datagrams: self.dropped,
        }
    }
}

/// Whether a reply to an EDNS query says the server does not do EDNS: FORMERR or NOTIMP with no
/// OPT record (a server that understood EDNS echoes one, RFC 6891 §7).
#[cfg(feature = "io")]
fn rejects_edns(message: &Message) -> bool {
    message.edns.is_none() && matches!(message.rcode(), Rcode::FORMERR | Rcode::NOTIMP)
}

/// The query message: random ID, RD as configured, EDNS (and its DO bit) as asked.
#[cfg(feature = "io")]
fn build_query(question: &Question, use_edns: bool, config: &TransportConfig) -> Message {
    let mut message = Message::query(rand::random(), question.name.clone(), question.qtype);
    message.questions[0].qclass = question.qclass;
    message.header.recursion_desired = config.recursion_desired;
    match (&mut message.edns, use_edns) {
        (Some(edns), true) => {
            edns.udp_payload_size = config.edns_payload_size;
            edns.dnssec_ok = config.dnssec_ok;
        }
        (edns, _) => *edns = None,
    }
    message
}

/// Why a received message is not the response to a query.
#[cfg(feature = "io")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mismatch {
    Id,
    NotResponse,
    Question,
}

/// Checks the part of a message that can be checked before parsing: ID and QR bit.
#[cfg(feature = "io")]
fn header_matches(bytes: &[u8], id: u16) -> Result<(), Mismatch> {
    if bytes.len() < 3 || u16::from_be_bytes([bytes[0], bytes[1]]) != id {
        return Err(Mismatch::Id);
    }
    if bytes[2] & 0x80 == 0 {
        return Err(Mismatch::NotResponse);
    }
    Ok(())
}

/// Checks a parsed message against the query: opcode and question. A FORMERR or NOTIMP reply
/// may come without a question section (old servers drop it), which is accepted.
#[cfg(feature = "io")]
fn question_matches(message: &Message, question: &Question) -> Result<(), Mismatch> {
    if message.header.opcode != crate::Opcode::QUERY {
        return Err(Mismatch::Question);
    }
    match message.questions.as_slice() {
        [] if matches!(message.rcode(), Rcode::FORMERR | Rcode::NOTIMP) => Ok(()),
        [q] if q.name == question.name
            && q.qtype == question.qtype
            && q.qclass == question.qclass =>
        {
            Ok(())
        }
        _ => Err(Mismatch::Question),
    }
}

#[cfg(all(test, feature = "io"))]
mod tests;
