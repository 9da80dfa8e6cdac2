//! Why a query to one server produced no usable response.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use crate::ParseError;

/// The transport a query (or its final attempt) used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// A UDP datagram (RFC 1035 §4.2.1).
    Udp,
    /// A TCP connection with a 2-octet length prefix (RFC 1035 §4.2.2, RFC 7766).
    Tcp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Udp => "UDP",
            Protocol::Tcp => "TCP",
        })
    }
}

/// A query to one server failed. Every variant names the server, and the message reads as one
/// sentence (`no response from 192.0.2.1:53 over UDP after 3 attempts (6.0 s)`).
///
/// The type is `Clone` and holds plain data (an I/O error is kept as its kind and text), so it
/// can live in a [`crate::resolver::Trace`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Nothing that matched the query arrived in time.
    #[error(
        "no response from {server} over {protocol} after {attempts} attempt{plural} ({secs:.1} s)",
        plural = if *attempts == 1 { "" } else { "s" },
        secs = waited.as_secs_f64()
    )]
    Timeout {
        /// The server asked.
        server: SocketAddr,
        /// The transport of the last attempt.
        protocol: Protocol,
        /// How many times the query was sent.
        attempts: u32,
        /// Total time spent waiting.
        waited: Duration,
    },
    /// A socket operation failed (unreachable network, connection refused or reset...).
    #[error("{operation} {server} over {protocol} failed: {message}")]
    Io {
        /// The server asked.
        server: SocketAddr,
        /// The transport in use.
        protocol: Protocol,
        /// What was being done (`sending to`, `connecting to`, `reading from`).
        operation: &'static str,
        /// The kind of I/O error, for callers that want to tell cases apart.
        kind: io::ErrorKind,
        /// The operating system's description.
        message: String,
    },
    /// The server's response (ID matched) could not be parsed.
    #[error("the response from {server} over {protocol} is malformed: {error}")]
    Malformed {
        /// The server asked.
        server: SocketAddr,
        /// The transport in use.
        protocol: Protocol,
        /// What the parser found.
        error: ParseError,
    },
    /// The response over TCP still had the TC bit set, so the full answer cannot be had.
    #[error("the response from {server} over TCP is truncated (TC bit set) and cannot be retried")]
    TruncatedOverTcp {
        /// The server asked.
        server: SocketAddr,
    },
    /// The TCP connection ended before a whole response arrived.
    #[error(
        "{server} closed the TCP connection after {received} of {expected} octets of the response"
    )]
    TcpClosed {
        /// The server asked.
        server: SocketAddr,
        /// Octets of the current message read so far (length prefix included).
        received: usize,
        /// Octets the message needed (length prefix included); 2 while the prefix itself is read.
        expected: usize,
    },
    /// The response announced over TCP is larger than the configured bound.
    #[error("{server} announced a {length}-octet TCP response, more than the {limit}-octet limit")]
    ResponseTooLarge {
        /// The server asked.
        server: SocketAddr,
        /// The announced length.
        length: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Over TCP the server sent responses, but none matched the query's ID and question.
    #[error(
        "{server} sent {count} response(s) over TCP that do not match the query's ID and question"
    )]
    TcpMismatch {
        /// The server asked.
        server: SocketAddr,
        /// How many non-matching messages were read before giving up.
        count: u32,
    },
}

impl QueryError {
    /// The server the failed query was sent to.
    pub fn server(&self) -> SocketAddr {
        match self {
            QueryError::Timeout { server, .. }
            | QueryError::Io { server, .. }
            | QueryError::Malformed { server, .. }
            | QueryError::TruncatedOverTcp { server }
            | QueryError::TcpClosed { server, .. }
            | QueryError::ResponseTooLarge { server, .. }
            | QueryError::TcpMismatch { server, .. } => *server,
        }
    }

    /// Whether the server gave no answer at all (timeout or network error), as opposed to a
    /// bad one.
    pub fn is_no_response(&self) -> bool {
        matches!(self, QueryError::Timeout { .. } | QueryError::Io { .. })
    }

    pub(crate) fn io(
        server: SocketAddr,
        protocol: Protocol,
        operation: &'static str,
        error: &io::Error,
    ) -> QueryError {
        QueryError::Io {
            server,
            protocol,
            operation,
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}
