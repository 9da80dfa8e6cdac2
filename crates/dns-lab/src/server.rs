//! In-process authoritative servers (UDP and TCP) answering from a [`Network`], each with its
//! [`Behaviour`].
//!
//! Every server of the network gets a UDP socket and a TCP listener on `addr:port` (and on its
//! IPv6 address too when it has one), all on the same port so a resolver can use one port
//! override. Binding 127.53.x.y needs no root and no interface configuration on Linux: all of
//! 127.0.0.0/8 is routed to `lo`. IPv6 loopback is only `::1`; other IPv6 addresses must be on
//! an interface first.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use dns_wire::{Message, Name, RData, Rcode, Record};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::authority;
use crate::network::{Behaviour, Network, NetworkError, Server, Zone};

/// UDP payload this server offers in its own OPT record and never exceeds.
pub const MAX_UDP_PAYLOAD: usize = 1232;
/// Payload limit for a query without EDNS (RFC 1035 §4.2.1).
pub const CLASSIC_UDP_PAYLOAD: usize = 512;
/// A TCP connection that sends nothing for this long is closed.
pub const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// How many ports are tried when the caller lets the lab pick one.
pub const PORT_ATTEMPTS: usize = 32;

/// Why the lab could not start.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The network description breaks a rule.
    #[error("the lab network is invalid: {0}")]
    Invalid(#[from] NetworkError),
    /// A socket could not be bound.
    #[error("cannot bind {transport} socket on {addr}: {source}")]
    Bind {
        /// The address and port.
        addr: SocketAddr,
        /// "UDP" or "TCP".
        transport: &'static str,
        /// The system error.
        source: std::io::Error,
    },
    /// No port was free on every lab address.
    #[error("no port was free on all {servers} lab addresses after {attempts} attempts")]
    NoFreePort {
        /// Number of servers to bind.
        servers: usize,
        /// Ports tried.
        attempts: usize,
    },
}

/// A running set of in-process servers. Dropping it stops them, as does [`RunningLab::shutdown`].
#[derive(Debug)]
pub struct RunningLab {
    /// Where a walk starts: the root servers' addresses (ask them on [`RunningLab::port`]).
    pub roots: Vec<IpAddr>,
    /// The port every server listens on.
    pub port: u16,
    /// Every listening socket address (unreachable servers excluded; a dual-stack server
    /// twice), with the port.
    pub servers: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningLab {
    /// The socket address of the server at `ip` on the lab's port.
    pub fn addr(&self, ip: Ipv4Addr) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(ip), self.port)
    }

    /// The root servers' socket addresses.
    pub fn root_addrs(&self) -> Vec<SocketAddr> {
        self.roots
            .iter()
            .map(|ip| SocketAddr::new(*ip, self.port))
            .collect()
    }

    /// Stops every server and every connection they hold, and waits until the sockets are
    /// closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for RunningLab {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts every server of `network` on `port` (0: pick a port free on every address).
pub async fn serve(network: Network, port: u16) -> Result<RunningLab, LabError> {
    network.validate()?;
    let network = Arc::new(network);
    let listening: Vec<&Server> = network
        .servers
        .iter()
        .filter(|s| s.behaviour != Behaviour::Unreachable)
        .collect();
    let sockets = if port != 0 {
        bind_all(&listening, port).await?
    } else {
        let mut bound = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port_candidate(&listening).await?;
            match bind_all(&listening, port).await {
                Ok(sockets) => {
                    bound = Some(sockets);
                    break;
                }
                Err(LabError::Bind { source, .. })
                    if source.kind() == std::io::ErrorKind::AddrInUse => {}
                Err(other) => return Err(other),
            }
        }
        bound.ok_or(LabError::NoFreePort {
            servers: listening.len(),
            attempts: PORT_ATTEMPTS,
        })?
    };
    let port = sockets
        .first()
        .and_then(|(udp, ..)| udp.local_addr().ok())
        .map_or(port, |a| a.port());

    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut servers = Vec::new();
    for (udp, tcp, server, ip) in sockets {
        servers.push(SocketAddr::new(ip, port));
        let ctx = Arc::new(ServerContext::new(Arc::clone(&network), server, ip));
        tasks.push(tokio::spawn(udp_loop(
            Arc::new(udp),
            Arc::clone(&ctx),
            stop_rx.clone(),
        )));
        tasks.push(tokio::spawn(tcp_loop(tcp, ctx, stop_rx.clone())));
    }
    Ok(RunningLab {
        roots: network.roots.iter().map(|a| IpAddr::V4(*a)).collect(),
        port,
        servers,
        stop,
        tasks,
    })
}

/// A port the kernel says is free on the first address (the others are checked by binding).
async fn free_port_candidate(servers: &[&Server]) -> Result<u16, LabError> {
    let ip = servers.first().map_or(Ipv4Addr::LOCALHOST, |s| s.addr);
    let addr = SocketAddr::new(IpAddr::V4(ip), 0);
    let socket = UdpSocket::bind(addr)
        .await
        .map_err(|source| LabError::Bind {
            addr,
            transport: "UDP",
            source,
        })?;
    let port = socket
        .local_addr()
        .map_err(|source| LabError::Bind {
            addr,
            transport: "UDP",
            source,
        })?
        .port();
    Ok(port)
}

/// The sockets of one address of a server: UDP, TCP, the server, the address.
type Bound = Vec<(UdpSocket, TcpListener, Server, IpAddr)>;

async fn bind_all(servers: &[&Server], port: u16) -> Result<Bound, LabError> {
    let mut bound = Vec::with_capacity(servers.len());
    let addrs = servers
        .iter()
        .flat_map(|server| server.addrs().map(move |ip| (*server, ip)));
    for (server, ip) in addrs {
        let addr = SocketAddr::new(ip, port);
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|source| LabError::Bind {
                addr,
                transport: "UDP",
                source,
            })?;
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|source| LabError::Bind {
                addr,
                transport: "TCP",
                source,
            })?;
        bound.push((udp, tcp, server.clone(), ip));
    }
    Ok(bound)
}

struct ServerContext {
    network: Arc<Network>,
    server: Server,
    /// The address this socket pair listens on (the server's IPv4 or IPv6 address).
    ip: IpAddr,
    /// The zones this server holds, by origin (indices into the network's zones): a server
    /// holding thousands of zones (a DNS provider in a bulk benchmark) must not scan them all
    /// for every query.
    origins: HashMap<Name, usize>,
}

impl ServerContext {
    fn new(network: Arc<Network>, server: Server, ip: IpAddr) -> ServerContext {
        let origins = network
            .zones
            .iter()
            .enumerate()
            .filter(|(_, hosted)| hosted.servers.contains(&server.addr))
            .map(|(i, hosted)| (hosted.zone.origin.clone(), i))
            .collect();
        ServerContext {
            network,
            server,
            ip,
            origins,
        }
    }

    /// The zones of this server that [`authority::answer`] chooses from for `query_bytes`:
    /// those at or above its question's name (every zone of the server when there is no one
    /// question to read; the answer does not then depend on them).
    fn zones_for(&self, query_bytes: &[u8]) -> Vec<&Zone> {
        let question = Message::from_bytes(query_bytes).ok().and_then(|query| {
            match query.questions.as_slice() {
                [question] => Some(question.name.clone()),
                _ => None,
            }
        });
        let Some(qname) = question else {
            return self.network.zones_of(self.server.addr);
        };
        let mut zones = Vec::new();
        let mut name = Some(qname);
        while let Some(at) = name {
            if let Some(i) = self.origins.get(&at) {
                zones.push(&self.network.zones[*i].zone);
            }
            name = at.parent();
        }
        zones
    }
}

/// Which transport a query came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// UDP: answers are limited in size and truncated (TC) beyond it.
    Udp,
    /// TCP: answers up to 65535 octets.
    Tcp,
}

/// What the server does with one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Nothing.
    Drop,
    /// Send these bytes (after `delay`).
    Send {
        /// The message.
        bytes: Vec<u8>,
        /// Wait this long first.
        delay: Duration,
    },
    /// Send these bytes from another source (port 0 = any port) on this address.
    SendFrom {
        /// The message.
        bytes: Vec<u8>,
        /// The source address to send from.
        source: Ipv4Addr,
    },
    /// TCP: write the length prefix and this part of the message, then close.
    SendPartAndClose {
        /// The full length the prefix announces.
        announced: u16,
        /// The bytes actually written.
        part: Vec<u8>,
    },
}

fn send(bytes: Vec<u8>) -> Reply {
    Reply::Send {
        bytes,
        delay: Duration::ZERO,
    }
}

/// The wire response to `query_bytes` of a server with `zones` and `behaviour` (no I/O, so the
/// behaviours are unit-testable).
pub fn reply(
    zones: &[&Zone],
    behaviour: &Behaviour,
    query_bytes: &[u8],
    transport: Transport,
) -> Reply {
    let query = match Message::from_bytes(query_bytes) {
        Ok(query) if !query.header.response => query,
        Ok(_) => return Reply::Drop,
        Err(_) => return formerr(query_bytes).map_or(Reply::Drop, send),
    };
    match behaviour {
        Behaviour::Silent | Behaviour::Unreachable => Reply::Drop,
        Behaviour::Refuse => {
            let mut response = authority::answer(&[], &query);
            response.set_rcode(Rcode::REFUSED);
            send(response.to_bytes())
        }
        Behaviour::Garbage => send(garbage(query.header.id)),
        Behaviour::WrongId => {
            let mut response = authority::answer(zones, &query);
            response.header.id = query.header.id.wrapping_add(0x5a5a);
            send(fit(response, &query, transport))
        }
        Behaviour::WrongSourcePort => Reply::SendFrom {
            bytes: fit(authority::answer(zones, &query), &query, transport),
            source: Ipv4Addr::UNSPECIFIED,
        },
        Behaviour::WrongSourceAddress(source) => Reply::SendFrom {
            bytes: fit(authority::answer(zones, &query), &query, transport),
            source: *source,
        },
        Behaviour::TruncateForever => send(truncated(&query).to_bytes()),
        Behaviour::CutTcpStream => match transport {
            Transport::Udp => send(truncated(&query).to_bytes()),
            Transport::Tcp => {
                let bytes = authority::answer(zones, &query).to_bytes();
                let announced = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
                Reply::SendPartAndClose {
                    announced,
                    part: bytes[..bytes.len() / 2].to_vec(),
                }
            }
        },
        Behaviour::CompressionLoop => send(compression_loop(&query)),
        Behaviour::Refer { zone, servers } => {
            let mut response = authority::answer(&[], &query);
            response.set_rcode(Rcode::NOERROR);
            for (host, addr) in servers {
                response
                    .authority
                    .push(Record::new(zone.clone(), 3600, RData::Ns(host.clone())));
                response
                    .additional
                    .push(Record::new(host.clone(), 3600, RData::A(*addr)));
            }
            send(fit(response, &query, transport))
        }
        Behaviour::Slow(delay) => Reply::Send {
            bytes: fit(authority::answer(zones, &query), &query, transport),
            delay: *delay,
        },
        Behaviour::NotAuthoritative => {
            let mut response = authority::answer(zones, &query);
            response.header.authoritative = false;
            send(fit(response, &query, transport))
        }
        Behaviour::Authoritative => send(fit(authority::answer(zones, &query), &query, transport)),
    }
}

/// FORMERR for a query whose header could be read but the rest could not (RFC 1035 §4.1.1);
/// nothing at all when not even the header is there or it is a response.
fn formerr(query_bytes: &[u8]) -> Option<Vec<u8>> {
    let header = query_bytes.get(..12)?;
    if header[2] & 0x80 != 0 {
        return None;
    }
    let mut response = Message::default();
    response.header.id = u16::from_be_bytes([header[0], header[1]]);
    response.header.response = true;
    response.set_rcode(Rcode::FORMERR);
    Some(response.to_bytes())
}

/// A response that keeps the question and sets TC, with no records.
fn truncated(query: &Message) -> Message {
    let mut response = authority::answer(&[], query);
    response.set_rcode(Rcode::NOERROR);
    response.header.authoritative = true;
    response.header.truncated = true;
    response
}

/// Encodes `response`, truncating it (TC, sections emptied) when it does not fit the UDP
/// payload the query allows.
fn fit(response: Message, query: &Message, transport: Transport) -> Vec<u8> {
    let bytes = response.to_bytes();
    if transport == Transport::Tcp {
        return bytes;
    }
    let limit = query.edns.as_ref().map_or(CLASSIC_UDP_PAYLOAD, |e| {
        (e.udp_payload_size as usize).clamp(CLASSIC_UDP_PAYLOAD, MAX_UDP_PAYLOAD)
    });
    if bytes.len() <= limit {
        return bytes;
    }
    let mut short = response;
    short.answers.clear();
    short.authority.clear();
    short.additional.clear();
    short.header.truncated = true;
    short.to_bytes()
}

/// Bytes that start like a response to `id` (ID, QR set) but announce 65535 answers that are
/// not there, followed by random octets.
fn garbage(id: u16) -> Vec<u8> {
    use rand::Rng;
    let mut rng = rand::rng();
    let mut bytes = Vec::with_capacity(40);
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes.extend_from_slice(&[0x84, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00]);
    let tail: usize = rng.random_range(1..28);
    bytes.extend((0..tail).map(|_| rng.random::<u8>()));
    bytes
}

/// A response whose single answer's owner name is a compression pointer to itself.
fn compression_loop(query: &Message) -> Vec<u8> {
    let mut response = authority::answer(&[], query);
    response.set_rcode(Rcode::NOERROR);
    response.header.authoritative = true;
    response.edns = None;
    let mut bytes = response.to_bytes();
    if bytes.len() < 12 {
        return bytes;
    }
    bytes[6..8].copy_from_slice(&1u16.to_be_bytes());
    let offset = bytes.len() as u16;
    bytes.extend_from_slice(&(0xc000 | offset).to_be_bytes());
    // TYPE A, CLASS IN, TTL 60, RDLENGTH 4, 192.0.2.1
    bytes.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    bytes
}

async fn udp_loop(
    socket: Arc<UdpSocket>,
    ctx: Arc<ServerContext>,
    mut stop: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65535];
    loop {
        let (len, peer) = tokio::select! {
            _ = stop.changed() => return,
            received = socket.recv_from(&mut buf) => match received {
                Ok(r) => r,
                // ICMP errors from earlier sends surface here on some systems; keep serving.
                Err(_) => continue,
            },
        };
        let action = reply(
            &ctx.zones_for(&buf[..len]),
            &ctx.server.behaviour,
            &buf[..len],
            Transport::Udp,
        );
        let socket = Arc::clone(&socket);
        let mut stop = stop.clone();
        let local_ip = ctx.ip;
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.changed() => {}
                _ = send_udp(&socket, local_ip, peer, action) => {}
            }
        });
    }
}

async fn send_udp(socket: &UdpSocket, local_ip: IpAddr, peer: SocketAddr, action: Reply) {
    match action {
        Reply::Drop => {}
        Reply::Send { bytes, delay } => {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let _ = socket.send_to(&bytes, peer).await;
        }
        Reply::SendFrom { bytes, source } => {
            let ip = if source.is_unspecified() {
                local_ip
            } else {
                IpAddr::V4(source)
            };
            if let Ok(other) = UdpSocket::bind(SocketAddr::new(ip, 0)).await {
                let _ = other.send_to(&bytes, peer).await;
            }
        }
        Reply::SendPartAndClose { part, .. } => {
            let _ = socket.send_to(&part, peer).await;
        }
    }
}

async fn tcp_loop(listener: TcpListener, ctx: Arc<ServerContext>, mut stop: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let ctx = Arc::clone(&ctx);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.changed() => {}
                _ = tcp_connection(stream, ctx) => {}
            }
        });
    }
}

/// Serves queries on one connection (RFC 7766: several in a row) until EOF, an error or
/// [`TCP_IDLE_TIMEOUT`] of silence.
async fn tcp_connection(mut stream: TcpStream, ctx: Arc<ServerContext>) {
    loop {
        let mut prefix = [0u8; 2];
        match tokio::time::timeout(TCP_IDLE_TIMEOUT, stream.read_exact(&mut prefix)).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
        let mut query = vec![0u8; u16::from_be_bytes(prefix) as usize];
        match tokio::time::timeout(TCP_IDLE_TIMEOUT, stream.read_exact(&mut query)).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
        match reply(
            &ctx.zones_for(&query),
            &ctx.server.behaviour,
            &query,
            Transport::Tcp,
        ) {
            Reply::Drop => {}
            Reply::Send { bytes, delay } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                if write_framed(&mut stream, &bytes).await.is_err() {
                    return;
                }
            }
            // Over TCP the source is the connection; a wrong source only exists for UDP.
            Reply::SendFrom { bytes, .. } => {
                if write_framed(&mut stream, &bytes).await.is_err() {
                    return;
                }
            }
            Reply::SendPartAndClose { announced, part } => {
                let _ = stream.write_all(&announced.to_be_bytes()).await;
                let _ = stream.write_all(&part).await;
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}

async fn write_framed(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    let mut framed = Vec::with_capacity(bytes.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(&bytes[..len as usize]);
    stream.write_all(&framed).await
}
