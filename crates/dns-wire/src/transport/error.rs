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

/// Why this machine, rather than the server asked, kept a query from being answered: the
/// difference between "the server is broken" and "this host cannot test it".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocalCause {
    /// This host has no route to the address (ENETUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT): typically
    /// IPv6 on a host with IPv4 only, or no network at all.
    NoRoute,
    /// A local firewall refused to send the packet (EPERM, EACCES).
    Firewall,
    /// This host ran out of descriptors, ports or buffers (EMFILE, ENFILE, ENOBUFS, ENOMEM,
    /// EADDRINUSE).
    Resources,
}

impl fmt::Display for LocalCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LocalCause::NoRoute => "no route",
            LocalCause::Firewall => "blocked by a firewall on this machine",
            LocalCause::Resources => "out of sockets or memory",
        })
    }
}

/// Why a server was not asked at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotChecked {
    /// Its address family cannot be reached from this machine (learned from earlier queries of
    /// the run that failed locally and none of that family answered).
    Unreachable {
        /// Whether the family is IPv6.
        ipv6: bool,
        /// What the earlier queries ran into.
        cause: LocalCause,
    },
    /// Its address family was turned off (`-4` or `-6`).
    Disabled {
        /// Whether the family is IPv6.
        ipv6: bool,
    },
    /// Its address is not a public one and the run's
    /// [`crate::resolver::AddressPolicy`] refuses such addresses (a service checking
    /// strangers' domains must not send packets where a zone tells it to).
    Refused {
        /// The kind of address.
        range: crate::resolver::SpecialRange,
    },
}

impl NotChecked {
    /// How the text of [`NotChecked::Refused`] begins (and no other reason's): "not asked: ",
    /// then the kind of address.
    pub const REFUSED_PREFIX: &'static str = "not asked: ";
}

impl fmt::Display for NotChecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = |ipv6: bool| if ipv6 { "IPv6" } else { "IPv4" };
        match self {
            NotChecked::Unreachable { ipv6, cause } => write!(
                f,
                "not checked from here: this machine cannot reach {} addresses ({cause})",
                family(*ipv6)
            ),
            NotChecked::Disabled { ipv6 } => {
                write!(
                    f,
                    "not checked: {} was turned off (-{})",
                    family(*ipv6),
                    if *ipv6 { '4' } else { '6' }
                )
            }
            NotChecked::Refused { range } => write!(
                f,
                "{}{range}, which this checker does not send queries to",
                NotChecked::REFUSED_PREFIX
            ),
        }
    }
}

/// Why this machine cannot reach DNS servers at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoNetwork {
    /// Every family failed locally before a packet left (no route, a local firewall).
    Local(LocalCause),
    /// The only family the run may use (`-4` or `-6`) failed locally.
    Family {
        /// Whether the family is IPv6.
        ipv6: bool,
        /// What its queries ran into.
        cause: LocalCause,
    },
    /// Several servers refused the connection (ICMP port or host unreachable) and none
    /// answered: a firewall on the way rejects DNS.
    Rejected,
    /// Nothing answered at all for several seconds, from any server: DNS is silently dropped
    /// on the way, or there is no network.
    Silent,
}

impl fmt::Display for NoNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoNetwork::Family { ipv6, cause } => {
                let (family, flag) = if *ipv6 { ("IPv6", '6') } else { ("IPv4", '4') };
                write!(
                    f,
                    "{family} addresses cannot be reached from here ({cause}), and -{flag} allows no other"
                )
            }
            NoNetwork::Local(LocalCause::NoRoute) => f.write_str("there is no network route"),
            NoNetwork::Local(LocalCause::Firewall) => {
                f.write_str("a firewall on this machine refuses to send DNS queries")
            }
            NoNetwork::Local(LocalCause::Resources) => {
                f.write_str("this machine ran out of sockets")
            }
            NoNetwork::Rejected => f.write_str("DNS queries are rejected on the way"),
            NoNetwork::Silent => f.write_str("no DNS server answered at all"),
        }
    }
}

/// A query to one server failed. Every variant names the server, and the message reads as one
/// sentence (`192.0.2.1:53 did not answer 5 tries over 4.9 s (UDP, then TCP)`).
///
/// The type is `Clone` and holds plain data (an I/O error is kept as its kind and text), so it
/// can live in a [`crate::resolver::Trace`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Nothing that matched the query arrived in time.
    #[error("{server} {}", unanswered_tries(*.attempts, *.tcp, *.waited))]
    Timeout {
        /// The transport of the first attempts (UDP, unless only TCP was tried).
        protocol: Protocol,
        /// The server asked.
        server: SocketAddr,
        /// How many UDP datagrams were sent.
        attempts: u32,
        /// Whether a TCP try followed the unanswered datagrams.
        tcp: bool,
        /// Total time spent waiting.
        waited: Duration,
        /// Datagrams received meanwhile and thrown away because their ID, QR bit, opcode or
        /// question did not match (possible spoofs).
        discarded: u32,
    },
    /// The server was not asked: see [`NotChecked`].
    #[error("{server} {why}")]
    NotChecked {
        /// The server that would have been asked.
        server: SocketAddr,
        /// Why it was not.
        why: NotChecked,
    },
    /// The query was not answered because this machine cannot reach DNS servers at all.
    #[error("{server} was not asked: this machine cannot reach DNS servers directly ({cause})")]
    NoNetwork {
        /// The server that would have been asked.
        server: SocketAddr,
        /// What the run saw.
        cause: NoNetwork,
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
        /// The operating system's description, without the error number.
        message: String,
        /// The operating system's error number, when there is one.
        errno: Option<i32>,
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
            | QueryError::NotChecked { server, .. }
            | QueryError::NoNetwork { server, .. }
            | QueryError::Io { server, .. }
            | QueryError::Malformed { server, .. }
            | QueryError::TruncatedOverTcp { server }
            | QueryError::TcpClosed { server, .. }
            | QueryError::ResponseTooLarge { server, .. }
            | QueryError::TcpMismatch { server, .. } => *server,
        }
    }

    /// For a timeout, how hard the server was tried, without its address ("did not answer 5
    /// tries over 4.9 s (UDP, then TCP)"); `None` for any other error.
    pub fn unanswered_tries(&self) -> Option<String> {
        match self {
            QueryError::Timeout {
                attempts,
                tcp,
                waited,
                ..
            } => Some(unanswered_tries(*attempts, *tcp, *waited)),
            _ => None,
        }
    }

    /// Whether the server gave no answer at all (timeout or network error, whatever its
    /// cause), as opposed to a bad one or to not being asked.
    pub fn is_no_response(&self) -> bool {
        matches!(self, QueryError::Timeout { .. } | QueryError::Io { .. })
    }

    /// Whether the server was not asked at all, for a reason of this machine's: its address
    /// family cannot be reached from here or was switched off ([`QueryError::NotChecked`]), or
    /// there is no network ([`QueryError::NoNetwork`]), or this machine has no route to it.
    /// Such a server is neither lame nor compared with the others. (An exchange that a local
    /// filter or a lack of sockets stopped, see [`QueryError::local_cause`], still counts as
    /// no response: the next one may pass.)
    pub fn is_local(&self) -> bool {
        // No route is decided by this machine's routing table for every address alike, so
        // the exchange that ran into it did not test the server either.
        matches!(
            self,
            QueryError::NotChecked { .. } | QueryError::NoNetwork { .. }
        ) || self.local_cause() == Some(LocalCause::NoRoute)
    }

    /// The local cause of a failed socket operation, if the operating system's error says the
    /// packet never left this machine.
    pub fn local_cause(&self) -> Option<LocalCause> {
        let QueryError::Io { kind, errno, .. } = self else {
            return None;
        };
        if let Some(cause) = errno.and_then(local_errno) {
            return Some(cause);
        }
        match kind {
            io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::Unsupported => Some(LocalCause::NoRoute),
            io::ErrorKind::PermissionDenied => Some(LocalCause::Firewall),
            io::ErrorKind::AddrInUse | io::ErrorKind::OutOfMemory => Some(LocalCause::Resources),
            _ => None,
        }
    }

    #[cfg(feature = "io")]
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
            message: os_text(error),
            errno: error.raw_os_error(),
        }
    }
}

/// "did not answer 5 tries over 4.9 s (UDP, then TCP)": UDP datagrams, and the TCP try if
/// one followed.
fn unanswered_tries(attempts: u32, tcp: bool, waited: Duration) -> String {
    let tries = attempts + u32::from(tcp);
    let how = match (attempts, tcp) {
        (0, _) => "TCP",
        (_, true) => "UDP, then TCP",
        _ => "UDP",
    };
    format!(
        "did not answer {tries} tr{} over {:.1} s ({how})",
        if tries == 1 { "y" } else { "ies" },
        waited.as_secs_f64()
    )
}

/// The operating system's text for an error without its " (os error N)" suffix: the number
/// means nothing to the reader and is kept in [`QueryError::Io`]'s `errno`.
#[cfg(feature = "io")]
fn os_text(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_string(),
        _ => text,
    }
}

/// The Linux error numbers that mean the packet never left this machine (the `io::ErrorKind`s
/// do not cover all of them).
#[cfg(target_os = "linux")]
fn local_errno(errno: i32) -> Option<LocalCause> {
    match errno {
        // ENETUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT
        101 | 99 | 97 => Some(LocalCause::NoRoute),
        // EPERM, EACCES
        1 | 13 => Some(LocalCause::Firewall),
        // EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRINUSE
        24 | 23 | 105 | 12 | 98 => Some(LocalCause::Resources),
        _ => None,
    }
}

/// Elsewhere the numbers differ; the `io::ErrorKind`s decide alone.
#[cfg(not(target_os = "linux"))]
fn local_errno(_errno: i32) -> Option<LocalCause> {
    None
}
