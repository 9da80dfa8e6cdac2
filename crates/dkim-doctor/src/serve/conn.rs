//! Connections: how many may be open (over all clients and per client address), and how long
//! one may sit without a byte moving. Without these, a client that opens connections and sends
//! nothing (or one byte a minute, "slowloris") would hold sockets forever: the HTTP server
//! itself sets no read timeout.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{sleep, Instant, Sleep};

/// Bounds on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Connections open at once over all clients; more wait to be accepted.
    pub total: usize,
    /// Connections open at once from one client address; more are closed at once.
    pub per_client: usize,
    /// Longest time without a byte read or written before the connection is closed: longer
    /// than a check may run, since the client waits silently for its report.
    pub idle: Duration,
}

/// The client address of a connection, for handlers (`ConnectInfo<ClientAddr>`).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, BoundedListener>> for ClientAddr {
    fn connect_info(stream: IncomingStream<'_, BoundedListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

/// Open connections per client address.
type PerClient = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// A TCP listener that enforces [`ConnectionLimits`].
pub struct BoundedListener {
    inner: TcpListener,
    open: Arc<Semaphore>,
    per_client: PerClient,
    limits: ConnectionLimits,
}

impl BoundedListener {
    /// Wraps a bound listener.
    pub fn new(inner: TcpListener, limits: ConnectionLimits) -> BoundedListener {
        BoundedListener {
            inner,
            open: Arc::new(Semaphore::new(limits.total.max(1))),
            per_client: Arc::default(),
            limits,
        }
    }
}

impl Listener for BoundedListener {
    type Io = GuardedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (GuardedStream, SocketAddr) {
        loop {
            // Never closed, so acquiring cannot fail.
            let Ok(permit) = Arc::clone(&self.open).acquire_owned().await else {
                continue;
            };
            let (stream, peer) = match self.inner.accept().await {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait a
                    // little rather than spin (as axum's own listener does).
                    sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Some(client) = ClientSlot::take(&self.per_client, peer.ip(), self.limits) else {
                // Over the per-client bound: dropped, the client sees the connection closed.
                continue;
            };
            let _ = stream.set_nodelay(true);
            let idle = self.limits.idle;
            return (
                GuardedStream {
                    inner: stream,
                    idle,
                    last_progress: Instant::now(),
                    deadline: Box::pin(sleep(idle)),
                    _permit: permit,
                    _client: client,
                },
                peer,
            );
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// One connection counted against its client address until dropped.
struct ClientSlot {
    map: PerClient,
    ip: IpAddr,
}

impl ClientSlot {
    fn take(map: &PerClient, ip: IpAddr, limits: ConnectionLimits) -> Option<ClientSlot> {
        let mut counts = map.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(ip).or_default();
        if *count >= limits.per_client {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            map: Arc::clone(map),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                // The map holds only clients with open connections.
                counts.remove(&self.ip);
            }
        }
    }
}

/// A connection that fails with `TimedOut` once no byte has moved for its idle time.
pub struct GuardedStream {
    inner: TcpStream,
    idle: Duration,
    /// When a byte last moved. The timer is not moved at every read and write (a timer-wheel
    /// update per request, thousands a second): when it fires, it is set again from here if
    /// bytes moved in the meantime.
    last_progress: Instant,
    deadline: Pin<Box<Sleep>>,
    _permit: OwnedSemaphorePermit,
    _client: ClientSlot,
}

impl GuardedStream {
    fn progressed(&mut self) {
        self.last_progress = Instant::now();
    }

    /// A write's outcome: progress noted, `Pending` as [`GuardedStream::pending_or_timed_out`].
    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    self.progressed();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.pending_or_timed_out(cx),
        }
    }

    /// `Pending` from the socket becomes `TimedOut` once no byte has moved for the idle time.
    fn pending_or_timed_out<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        loop {
            match self.deadline.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) => {
                    let due = self.last_progress + self.idle;
                    if Instant::now() >= due {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "idle connection",
                        )));
                    }
                    // Bytes moved since the timer was set: wait for the rest of the idle time.
                    self.deadline.as_mut().reset(due);
                }
            }
        }
    }
}

impl AsyncRead for GuardedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.progressed();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.pending_or_timed_out(cx),
        }
    }
}

impl AsyncWrite for GuardedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        self.after_write(cx, polled)
    }

    /// Vectored, as the socket is: hyper then writes a response's head and body in one call
    /// without first copying the body after the head.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.after_write(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn listener(per_client: usize, idle: Duration) -> (BoundedListener, SocketAddr) {
        let inner = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = inner.local_addr().unwrap();
        let limits = ConnectionLimits {
            total: 16,
            per_client,
            idle,
        };
        (BoundedListener::new(inner, limits), addr)
    }

    #[tokio::test]
    async fn a_client_over_its_connection_bound_is_closed_at_once() {
        let (mut listener, addr) = listener(2, Duration::from_secs(30)).await;
        let first = TcpStream::connect(addr).await.unwrap();
        let second = TcpStream::connect(addr).await.unwrap();
        let mut third = TcpStream::connect(addr).await.unwrap();
        let (_a, _) = listener.accept().await;
        let (_b, _) = listener.accept().await;
        // The third is accepted and dropped inside accept(), which then waits for a fourth.
        let waiting = tokio::time::timeout(Duration::from_millis(300), listener.accept()).await;
        assert!(waiting.is_err(), "a third connection was handed out");
        let mut buf = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf))
            .await
            .expect("the third connection was left open");
        assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
        drop((first, second));
    }

    #[tokio::test]
    async fn a_connection_where_nothing_moves_is_closed_after_its_idle_time() {
        let (mut listener, addr) = listener(4, Duration::from_millis(200)).await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await;
        // Bytes that keep coming keep it open.
        for _ in 0..3 {
            client.write_all(b"x").await.unwrap();
            let mut buf = [0u8; 1];
            server.read_exact(&mut buf).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let started = std::time::Instant::now();
        let mut buf = [0u8; 1];
        let error = server.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
