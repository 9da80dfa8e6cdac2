//! One TCP exchange (RFC 1035 §4.2.2, RFC 7766 §8): 2-octet length prefix, reads that may return
//! any part of a message, a bound on the announced size and on the whole exchange's time.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{build_query, header_matches, question_matches, Protocol, QueryError, TransportConfig};
use crate::{Message, Question};

/// How many non-matching messages we read on one connection before giving up.
const MAX_MESSAGES: u32 = 8;

/// Asks over a new TCP connection, the whole exchange bounded by `bound`; returns the matching
/// response and its size.
pub(super) async fn exchange(
    server: SocketAddr,
    question: &Question,
    use_edns: bool,
    config: &TransportConfig,
    bound: Duration,
) -> Result<(Message, usize), QueryError> {
    match tokio::time::timeout(bound, ask(server, question, use_edns, config)).await {
        Ok(result) => result,
        Err(_elapsed) => Err(QueryError::Timeout {
            server,
            protocol: Protocol::Tcp,
            attempts: 0,
            tcp: true,
            waited: bound,
            discarded: 0,
        }),
    }
}

async fn ask(
    server: SocketAddr,
    question: &Question,
    use_edns: bool,
    config: &TransportConfig,
) -> Result<(Message, usize), QueryError> {
    let query = build_query(question, use_edns, config);
    let id = query.header.id;
    let body = query.to_bytes();
    // A single question always fits the 2-octet length.
    let length = u16::try_from(body.len()).unwrap_or(u16::MAX);
    let mut framed = Vec::with_capacity(body.len() + 2);
    framed.extend_from_slice(&length.to_be_bytes());
    framed.extend_from_slice(&body);

    let mut stream = TcpStream::connect(server)
        .await
        .map_err(|e| QueryError::io(server, Protocol::Tcp, "connecting to", &e))?;
    stream
        .write_all(&framed)
        .await
        .map_err(|e| QueryError::io(server, Protocol::Tcp, "sending to", &e))?;

    for _ in 0..MAX_MESSAGES {
        let mut prefix = [0u8; 2];
        read_full(&mut stream, &mut prefix, server, 0, 2).await?;
        let length = u16::from_be_bytes(prefix) as usize;
        if length > config.max_tcp_response {
            return Err(QueryError::ResponseTooLarge {
                server,
                length,
                limit: config.max_tcp_response,
            });
        }
        let mut message = vec![0u8; length];
        read_full(&mut stream, &mut message, server, 2, length + 2).await?;
        if header_matches(&message, id).is_err() {
            continue;
        }
        let parsed = Message::from_bytes(&message).map_err(|error| QueryError::Malformed {
            server,
            protocol: Protocol::Tcp,
            error,
        })?;
        if question_matches(&parsed, question).is_err() {
            continue;
        }
        if parsed.header.truncated {
            return Err(QueryError::TruncatedOverTcp { server });
        }
        return Ok((parsed, length));
    }
    Err(QueryError::TcpMismatch {
        server,
        count: MAX_MESSAGES,
    })
}

/// Fills `buffer`, however the bytes arrive; `before` octets of the message were read earlier
/// and the message needs `expected` in all (both only for the error).
async fn read_full(
    stream: &mut TcpStream,
    buffer: &mut [u8],
    server: SocketAddr,
    before: usize,
    expected: usize,
) -> Result<(), QueryError> {
    let mut filled = 0;
    while filled < buffer.len() {
        match stream.read(&mut buffer[filled..]).await {
            Ok(0) => {
                return Err(QueryError::TcpClosed {
                    server,
                    received: before + filled,
                    expected,
                })
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(QueryError::io(server, Protocol::Tcp, "reading from", &e)),
        }
    }
    Ok(())
}
