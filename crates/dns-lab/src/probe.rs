//! A deliberately small client for lab tests and readiness checks: one query, one socket,
//! one deadline, the raw bytes and where they came from. The project's real transport (ID and
//! source checks, TC fallback, retries) is `dns-wire`'s; this exists so tests can watch what a
//! lab server actually sends, hostile bytes included.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// What went wrong while probing a server.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Socket trouble (bind, send, connect, read).
    #[error("I/O error talking to {server}: {source}")]
    Io {
        /// The server probed.
        server: SocketAddr,
        /// The system error.
        source: std::io::Error,
    },
    /// Nothing came back before the deadline.
    #[error("no answer from {server} within {timeout:?}")]
    Timeout {
        /// The server probed.
        server: SocketAddr,
        /// The deadline.
        timeout: Duration,
    },
}

/// A datagram received after a UDP query, and who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// The payload.
    pub bytes: Vec<u8>,
    /// The source address and port.
    pub from: SocketAddr,
}

/// Sends `query` over UDP to `server` and returns the first datagram that arrives from
/// anywhere within `timeout` (the caller checks the source: that is the point).
pub async fn udp(
    server: SocketAddr,
    query: &[u8],
    timeout: Duration,
) -> Result<Datagram, ProbeError> {
    let io = |source| ProbeError::Io { server, source };
    // Loopback of the server's family: an IPv4 socket cannot send to an IPv6 address.
    let loopback = match server {
        SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    };
    let local = SocketAddr::new(loopback, 0);
    let socket = UdpSocket::bind(local).await.map_err(io)?;
    socket.send_to(query, server).await.map_err(io)?;
    let mut buf = vec![0u8; 65535];
    match tokio::time::timeout(timeout, socket.recv_from(&mut buf)).await {
        Ok(Ok((len, from))) => Ok(Datagram {
            bytes: buf[..len].to_vec(),
            from,
        }),
        Ok(Err(source)) => Err(io(source)),
        Err(_) => Err(ProbeError::Timeout { server, timeout }),
    }
}

/// What came back over TCP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpReply {
    /// A complete length-prefixed message.
    Message(Vec<u8>),
    /// The stream ended early: the announced length and the bytes that did arrive.
    Cut {
        /// Length the prefix announced.
        announced: usize,
        /// What arrived before EOF.
        received: Vec<u8>,
    },
}

/// Sends `query` over TCP (RFC 7766 framing) and reads one response within `timeout`.
pub async fn tcp(
    server: SocketAddr,
    query: &[u8],
    timeout: Duration,
) -> Result<TcpReply, ProbeError> {
    let io = |source| ProbeError::Io { server, source };
    let exchange = async {
        let mut stream = TcpStream::connect(server).await.map_err(io)?;
        let mut framed = (query.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(query);
        stream.write_all(&framed).await.map_err(io)?;
        let mut prefix = [0u8; 2];
        stream.read_exact(&mut prefix).await.map_err(io)?;
        let announced = u16::from_be_bytes(prefix) as usize;
        let mut received = Vec::with_capacity(announced);
        let mut chunk = [0u8; 4096];
        while received.len() < announced {
            let n = stream.read(&mut chunk).await.map_err(io)?;
            if n == 0 {
                return Ok(TcpReply::Cut {
                    announced,
                    received,
                });
            }
            received.extend_from_slice(&chunk[..n]);
        }
        received.truncate(announced);
        Ok(TcpReply::Message(received))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(ProbeError::Timeout { server, timeout }))
}
