//! A delaying relay (UDP and TCP) to put in front of lab servers, because `tc netem` is not
//! available on the lab machines.
//!
//! For every address in the set it listens on `addr:listen_port` and forwards to
//! `addr:upstream_port` (the same address, so a BIND view chosen by destination address still
//! matches). Every UDP exchange gets `delay` added to its round trip; over TCP every chunk the
//! server sends is held back by `delay`. A resolver pointed at `listen_port` thus sees a lab
//! whose every hop costs at least `delay`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::server::LabError;

/// How long the relay waits for the upstream server's UDP answer before giving up on it.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(5);

/// A running set of relays; dropping it stops them.
#[derive(Debug)]
pub struct RelaySet {
    /// The port the relays listen on.
    pub listen_port: u16,
    /// The port they forward to.
    pub upstream_port: u16,
    /// The delay added per round trip.
    pub delay: Duration,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RelaySet {
    /// Stops every relay and waits for the listening sockets to close.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for RelaySet {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Starts a relay on `addr:listen_port` to `addr:upstream_port` for every address.
pub async fn start(
    addrs: &[Ipv4Addr],
    listen_port: u16,
    upstream_port: u16,
    delay: Duration,
) -> Result<RelaySet, LabError> {
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    for ip in addrs {
        let listen = SocketAddr::new(IpAddr::V4(*ip), listen_port);
        let upstream = SocketAddr::new(IpAddr::V4(*ip), upstream_port);
        let udp = UdpSocket::bind(listen)
            .await
            .map_err(|source| LabError::Bind {
                addr: listen,
                transport: "UDP",
                source,
            })?;
        let tcp = TcpListener::bind(listen)
            .await
            .map_err(|source| LabError::Bind {
                addr: listen,
                transport: "TCP",
                source,
            })?;
        tasks.push(tokio::spawn(relay_udp(
            Arc::new(udp),
            upstream,
            delay,
            stop_rx.clone(),
        )));
        tasks.push(tokio::spawn(relay_tcp(
            tcp,
            upstream,
            delay,
            stop_rx.clone(),
        )));
    }
    Ok(RelaySet {
        listen_port,
        upstream_port,
        delay,
        stop,
        tasks,
    })
}

async fn relay_udp(
    socket: Arc<UdpSocket>,
    upstream: SocketAddr,
    delay: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65535];
    loop {
        let (len, client) = tokio::select! {
            _ = stop.changed() => return,
            received = socket.recv_from(&mut buf) => match received {
                Ok(r) => r,
                Err(_) => continue,
            },
        };
        let query = buf[..len].to_vec();
        let socket = Arc::clone(&socket);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.changed() => {}
                _ = forward_udp(&socket, client, upstream, &query, delay) => {}
            }
        });
    }
}

async fn forward_udp(
    socket: &UdpSocket,
    client: SocketAddr,
    upstream: SocketAddr,
    query: &[u8],
    delay: Duration,
) {
    let Ok(out) = UdpSocket::bind(SocketAddr::new(upstream.ip(), 0)).await else {
        return;
    };
    if out.send_to(query, upstream).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 65535];
    let Ok(Ok((len, from))) = tokio::time::timeout(UPSTREAM_TIMEOUT, out.recv_from(&mut buf)).await
    else {
        return;
    };
    if from != upstream {
        return;
    }
    tokio::time::sleep(delay).await;
    let _ = socket.send_to(&buf[..len], client).await;
}

async fn relay_tcp(
    listener: TcpListener,
    upstream: SocketAddr,
    delay: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let client = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.changed() => {}
                _ = forward_tcp(client, upstream, delay) => {}
            }
        });
    }
}

async fn forward_tcp(client: TcpStream, upstream: SocketAddr, delay: Duration) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let to_server = async {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
        let _ = server_write.shutdown().await;
    };
    let to_client = async {
        let mut chunk = vec![0u8; 16384];
        loop {
            match server_read.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    tokio::time::sleep(delay).await;
                    if client_write.write_all(&chunk[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(to_server, to_client);
}
