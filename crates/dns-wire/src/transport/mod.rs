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
//! - no answer: up to [`TransportConfig::udp_retries`] more attempts, each with a new ID and port.
//!
//! ```no_run
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
mod tcp;
mod udp;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub use error::{Protocol, QueryError};

use crate::{Message, Question, Rcode};

/// How queries are sent: timeouts, retries, EDNS and size bounds.
///
/// The defaults are those of a careful iterative resolver: 1.5 s per UDP attempt and one retry
/// (a resolver has other servers to try, so waiting long on one is wasted), 5 s for a whole TCP
/// exchange, EDNS0 with the 1232-octet payload of DNS Flag Day 2020.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// How long to wait for a matching datagram after each UDP send.
    pub timeout: Duration,
    /// Extra UDP attempts after a timeout (0 = send once).
    pub udp_retries: u32,
    /// Bound on a whole TCP exchange: connect, send, read.
    pub tcp_timeout: Duration,
    /// Send an OPT record (EDNS0) in queries.
    pub edns: bool,
    /// UDP payload size announced in the OPT record.
    pub edns_payload_size: u16,
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
            udp_retries: 1,
            tcp_timeout: Duration::from_secs(5),
            edns: true,
            edns_payload_size: 1232,
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
    /// The parsed response.
    pub response: Message,
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
    /// The query was repeated without EDNS because the server rejected or garbled the EDNS one.
    pub edns_fallback: bool,
    /// The UDP response had TC set, so the response is the TCP one.
    pub truncated_udp: bool,
    /// Datagrams received and dropped because their source, ID or question did not match.
    pub dropped_datagrams: u32,
}

/// Asks `server` the `question` (in its class), following the rules in the module
/// documentation.
pub async fn query(
    server: SocketAddr,
    question: &Question,
    config: &TransportConfig,
) -> Result<Exchange, QueryError> {
    let start = Instant::now();
    let mut use_edns = config.edns;
    let mut edns_fallback = false;
    let mut udp_attempts = 0;
    let mut dropped = 0;
    loop {
        let outcome = udp::exchange(server, question, use_edns, config).await;
        let reply = match outcome {
            Ok(reply) => reply,
            Err(udp::Failure {
                error,
                attempts,
                dropped: d,
            }) => {
                udp_attempts += attempts;
                dropped += d;
                if use_edns && matches!(error, QueryError::Malformed { .. }) {
                    use_edns = false;
                    edns_fallback = true;
                    continue;
                }
                return Err(match error {
                    QueryError::Timeout { protocol, .. } => QueryError::Timeout {
                        server,
                        protocol,
                        attempts: udp_attempts,
                        waited: start.elapsed(),
                    },
                    other => other,
                });
            }
        };
        udp_attempts += reply.attempts;
        dropped += reply.dropped;
        if use_edns && rejects_edns(&reply.message) {
            use_edns = false;
            edns_fallback = true;
            continue;
        }
        if !reply.message.header.truncated {
            return Ok(Exchange {
                server,
                response: reply.message,
                size: reply.size,
                protocol: Protocol::Udp,
                rtt: reply.rtt,
                elapsed: start.elapsed(),
                udp_attempts,
                edns_fallback,
                truncated_udp: false,
                dropped_datagrams: dropped,
            });
        }
        let tcp_start = Instant::now();
        let (message, size) = tcp::exchange(server, question, use_edns, config).await?;
        return Ok(Exchange {
            server,
            response: message,
            size,
            protocol: Protocol::Tcp,
            rtt: tcp_start.elapsed(),
            elapsed: start.elapsed(),
            udp_attempts,
            edns_fallback,
            truncated_udp: true,
            dropped_datagrams: dropped,
        });
    }
}

/// Whether a reply to an EDNS query says the server does not do EDNS: FORMERR or NOTIMP with no
/// OPT record (a server that understood EDNS echoes one, RFC 6891 §7).
fn rejects_edns(message: &Message) -> bool {
    message.edns.is_none() && matches!(message.rcode(), Rcode::FORMERR | Rcode::NOTIMP)
}

/// The query message: random ID, RD as configured, EDNS as asked.
fn build_query(question: &Question, use_edns: bool, config: &TransportConfig) -> Message {
    let mut message = Message::query(rand::random(), question.name.clone(), question.qtype);
    message.questions[0].qclass = question.qclass;
    message.header.recursion_desired = config.recursion_desired;
    match (&mut message.edns, use_edns) {
        (Some(edns), true) => edns.udp_payload_size = config.edns_payload_size,
        (edns, _) => *edns = None,
    }
    message
}

/// Why a received message is not the response to a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mismatch {
    Id,
    NotResponse,
    Question,
}

/// Checks the part of a message that can be checked before parsing: ID and QR bit.
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

#[cfg(test)]
mod tests;
