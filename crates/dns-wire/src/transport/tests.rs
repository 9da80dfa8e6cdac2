//! The transport against tiny servers on 127.0.0.1, each test bounded in time.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

use super::*;
use crate::{Message, Question, RData, Rcode, Record, RecordType};

const BOUND: Duration = Duration::from_secs(10);

fn question() -> Question {
    Question::new("www.example.com".parse().unwrap(), RecordType::A)
}

fn fast() -> TransportConfig {
    TransportConfig {
        timeout: Duration::from_millis(300),
        udp_retries: 0,
        tcp_timeout: Duration::from_secs(2),
        ..TransportConfig::default()
    }
}

/// An authoritative answer to `query` with one A record.
fn answer(query: &Message, last_octet: u8) -> Message {
    let mut m = query.clone();
    m.header.response = true;
    m.header.authoritative = true;
    m.answers.push(Record::new(
        m.questions[0].name.clone(),
        60,
        RData::A(Ipv4Addr::new(192, 0, 2, last_octet)),
    ));
    m
}

fn first_a(exchange: &Exchange) -> Ipv4Addr {
    match exchange.response.answers[0].data {
        RData::A(ip) => ip,
        ref other => panic!("not an A record: {other:?}"),
    }
}

async fn udp_server() -> (UdpSocket, SocketAddr) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    (socket, addr)
}

async fn receive(socket: &UdpSocket) -> (Message, SocketAddr) {
    let mut buf = vec![0u8; 65535];
    let (len, from) = socket.recv_from(&mut buf).await.unwrap();
    (Message::from_bytes(&buf[..len]).unwrap(), from)
}

/// A UDP socket and a TCP listener on the same loopback port.
async fn udp_and_tcp() -> (UdpSocket, TcpListener, SocketAddr) {
    for _ in 0..20 {
        let (udp, addr) = udp_server().await;
        if let Ok(tcp) = TcpListener::bind(addr).await {
            return (udp, tcp, addr);
        }
    }
    panic!("no loopback port free for both UDP and TCP");
}

async fn read_tcp_query(stream: &mut tokio::net::TcpStream) -> Message {
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await.unwrap();
    let mut body = vec![0u8; u16::from_be_bytes(prefix) as usize];
    stream.read_exact(&mut body).await.unwrap();
    Message::from_bytes(&body).unwrap()
}

fn framed(message: &Message) -> Vec<u8> {
    let body = message.to_bytes();
    let mut out = (body.len() as u16).to_be_bytes().to_vec();
    out.extend(body);
    out
}

#[tokio::test]
async fn a_wrong_id_is_dropped_and_the_right_one_taken() {
    let (server, addr) = udp_server().await;
    let serve = tokio::spawn(async move {
        let (query, from) = receive(&server).await;
        let mut wrong = answer(&query, 66);
        wrong.header.id = query.header.id.wrapping_add(1);
        server.send_to(&wrong.to_bytes(), from).await.unwrap();
        // Not a response at all (QR clear), right ID.
        let mut not_response = answer(&query, 67);
        not_response.header.response = false;
        server
            .send_to(&not_response.to_bytes(), from)
            .await
            .unwrap();
        server
            .send_to(&answer(&query, 1).to_bytes(), from)
            .await
            .unwrap();
    });
    let got = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first_a(&got), Ipv4Addr::new(192, 0, 2, 1));
    assert_eq!(got.dropped_datagrams, 2);
    assert_eq!(got.protocol, Protocol::Udp);
    serve.await.unwrap();
}

#[tokio::test]
async fn a_response_from_another_port_or_for_another_question_is_dropped() {
    let (server, addr) = udp_server().await;
    let (spoofer, _) = udp_server().await;
    let serve = tokio::spawn(async move {
        let (query, from) = receive(&server).await;
        // Right ID and question, wrong source port.
        spoofer
            .send_to(&answer(&query, 66).to_bytes(), from)
            .await
            .unwrap();
        // Right source and ID, another question.
        let mut other = query.clone();
        other.questions[0].name = "www.example.net".parse().unwrap();
        server
            .send_to(&answer(&other, 67).to_bytes(), from)
            .await
            .unwrap();
        // Right everything, the name in another case (names compare case-insensitively).
        let mut upper = query.clone();
        upper.questions[0].name = "WWW.Example.COM".parse().unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        server
            .send_to(&answer(&upper, 1).to_bytes(), from)
            .await
            .unwrap();
    });
    let got = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first_a(&got), Ipv4Addr::new(192, 0, 2, 1));
    // The socket is connected, so the kernel discards the other port's datagram before we
    // read; the wrong question is read and dropped by our own check.
    assert_eq!(got.dropped_datagrams, 1);
    serve.await.unwrap();
}

#[tokio::test]
async fn a_closed_udp_port_fails_at_once_instead_of_timing_out() {
    let (socket, addr) = udp_server().await;
    drop(socket);
    let config = TransportConfig {
        timeout: Duration::from_secs(3),
        ..fast()
    };
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &config))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            err,
            QueryError::Io {
                protocol: Protocol::Udp,
                kind: std::io::ErrorKind::ConnectionRefused,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_no_response());
}

#[tokio::test]
async fn the_do_bit_is_sent_over_udp_and_tcp_only_when_configured() {
    for dnssec_ok in [false, true] {
        let (udp, tcp, addr) = udp_and_tcp().await;
        let serve = tokio::spawn(async move {
            let (query, from) = receive(&udp).await;
            let udp_do = query.dnssec_ok();
            let mut truncated = query.clone();
            truncated.header.response = true;
            truncated.header.truncated = true;
            udp.send_to(&truncated.to_bytes(), from).await.unwrap();
            let (mut stream, _) = tcp.accept().await.unwrap();
            let query = read_tcp_query(&mut stream).await;
            let tcp_do = query.dnssec_ok();
            stream.write_all(&framed(&answer(&query, 3))).await.unwrap();
            (udp_do, tcp_do)
        });
        let config = TransportConfig {
            dnssec_ok,
            ..fast()
        };
        let got = tokio::time::timeout(BOUND, query(addr, &question(), &config))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.protocol, Protocol::Tcp);
        assert_eq!(serve.await.unwrap(), (dnssec_ok, dnssec_ok));
    }
}

#[tokio::test]
async fn truncated_udp_is_retried_over_tcp_with_partial_writes() {
    let (udp, tcp, addr) = udp_and_tcp().await;
    let serve = tokio::spawn(async move {
        let (query, from) = receive(&udp).await;
        let mut truncated = query.clone();
        truncated.header.response = true;
        truncated.header.truncated = true;
        udp.send_to(&truncated.to_bytes(), from).await.unwrap();
        let (mut stream, _) = tcp.accept().await.unwrap();
        let query = read_tcp_query(&mut stream).await;
        let bytes = framed(&answer(&query, 2));
        // One octet of the prefix, then the rest in two pieces.
        for piece in [&bytes[..1], &bytes[1..7], &bytes[7..]] {
            stream.write_all(piece).await.unwrap();
            stream.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let got = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.protocol, Protocol::Tcp);
    assert!(got.truncated_udp);
    assert_eq!(first_a(&got), Ipv4Addr::new(192, 0, 2, 2));
    serve.await.unwrap();
}

#[tokio::test]
async fn a_tcp_stream_cut_short_is_reported() {
    let (udp, tcp, addr) = udp_and_tcp().await;
    let serve = tokio::spawn(async move {
        let (query, from) = receive(&udp).await;
        let mut truncated = query.clone();
        truncated.header.response = true;
        truncated.header.truncated = true;
        udp.send_to(&truncated.to_bytes(), from).await.unwrap();
        let (mut stream, _) = tcp.accept().await.unwrap();
        let query = read_tcp_query(&mut stream).await;
        let bytes = framed(&answer(&query, 3));
        stream.write_all(&bytes[..10]).await.unwrap();
        // Dropping the stream closes it mid-message.
    });
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap_err();
    match &err {
        QueryError::TcpClosed {
            server,
            received,
            expected,
        } => {
            assert_eq!(*server, addr);
            assert_eq!(*received, 10);
            assert!(*expected > 10);
        }
        other => panic!("expected TcpClosed, got {other:?}"),
    }
    assert!(err
        .to_string()
        .contains("closed the TCP connection after 10 of"));
    serve.await.unwrap();
}

#[tokio::test]
async fn an_oversized_or_truncated_tcp_response_is_refused() {
    let (udp, tcp, addr) = udp_and_tcp().await;
    let serve = tokio::spawn(async move {
        for round in 0..2 {
            let (query, from) = receive(&udp).await;
            let mut truncated = query.clone();
            truncated.header.response = true;
            truncated.header.truncated = true;
            udp.send_to(&truncated.to_bytes(), from).await.unwrap();
            let (mut stream, _) = tcp.accept().await.unwrap();
            let query = read_tcp_query(&mut stream).await;
            if round == 0 {
                stream.write_all(&5000u16.to_be_bytes()).await.unwrap();
            } else {
                let mut still_truncated = answer(&query, 4);
                still_truncated.header.truncated = true;
                stream.write_all(&framed(&still_truncated)).await.unwrap();
            }
        }
    });
    let config = TransportConfig {
        max_tcp_response: 4096,
        ..fast()
    };
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &config))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        err,
        QueryError::ResponseTooLarge {
            server: addr,
            length: 5000,
            limit: 4096
        }
    );
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &config))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(err, QueryError::TruncatedOverTcp { server: addr });
    serve.await.unwrap();
}

#[tokio::test]
async fn formerr_to_edns_is_retried_once_without_edns() {
    let (server, addr) = udp_server().await;
    let serve = tokio::spawn(async move {
        let mut saw_edns = Vec::new();
        for _ in 0..2 {
            let (query, from) = receive(&server).await;
            saw_edns.push(query.edns.is_some());
            let reply = if query.edns.is_some() {
                let mut formerr = query.clone();
                formerr.header.response = true;
                formerr.edns = None;
                formerr.set_rcode(Rcode::FORMERR);
                formerr
            } else {
                answer(&query, 5)
            };
            server.send_to(&reply.to_bytes(), from).await.unwrap();
        }
        saw_edns
    });
    let got = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap();
    assert!(got.edns_fallback);
    assert_eq!(got.udp_attempts, 2);
    assert_eq!(first_a(&got), Ipv4Addr::new(192, 0, 2, 5));
    assert_eq!(serve.await.unwrap(), vec![true, false]);
}

#[tokio::test]
async fn garbage_to_edns_is_retried_without_edns_then_reported() {
    let (server, addr) = udp_server().await;
    let serve = tokio::spawn(async move {
        for _ in 0..2 {
            let mut buf = vec![0u8; 512];
            let (_, from) = server.recv_from(&mut buf).await.unwrap();
            // The right ID and QR, then a question count with no question.
            let garbage = [
                buf[0], buf[1], 0x84, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x07,
            ];
            server.send_to(&garbage, from).await.unwrap();
        }
    });
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(err, QueryError::Malformed { server, protocol: Protocol::Udp, .. } if server == addr)
    );
    assert!(err
        .to_string()
        .starts_with(&format!("the response from {addr} over UDP is malformed")));
    serve.await.unwrap();
}

#[tokio::test]
async fn silence_times_out_within_the_configured_bound_on_fresh_ports() {
    let (server, addr) = udp_server().await;
    let listen = tokio::spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let (query, from) = receive(&server).await;
            seen.push((from.port(), query.header.id));
        }
        seen
    });
    let config = TransportConfig {
        timeout: Duration::from_millis(200),
        udp_retries: 1,
        ..fast()
    };
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &config))
        .await
        .unwrap()
        .unwrap_err();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(400), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    match &err {
        QueryError::Timeout {
            server,
            protocol,
            attempts,
            ..
        } => {
            assert_eq!((*server, *protocol, *attempts), (addr, Protocol::Udp, 2));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Two datagrams, then the TCP try (refused: nothing listens on TCP).
    assert!(
        err.to_string()
            .starts_with(&format!("{addr} did not answer 3 tries over 0.4 s")),
        "{err}"
    );
    assert!(err.to_string().ends_with("(UDP, then TCP)"), "{err}");
    let seen = listen.await.unwrap();
    assert_ne!(seen[0].0, seen[1].0, "each attempt uses a new source port");
}

#[tokio::test]
async fn each_retry_waits_twice_as_long_up_to_the_cap() {
    let (server, addr) = udp_server().await;
    let listen = tokio::spawn(async move {
        let mut arrivals = Vec::new();
        for _ in 0..4 {
            receive(&server).await;
            arrivals.push(std::time::Instant::now());
        }
        arrivals
    });
    let config = TransportConfig {
        first_wait: Duration::from_millis(50),
        timeout: Duration::from_millis(150),
        udp_retries: 3,
        tcp_fallback: false,
        ..fast()
    };
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &config))
        .await
        .unwrap()
        .unwrap_err();
    let arrivals = listen.await.unwrap();
    let gaps: Vec<u128> = arrivals
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    // 50, 100, then capped at 150 (scheduling adds a little to each).
    for (gap, expected) in gaps.iter().zip([50u128, 100, 150]) {
        assert!(*gap >= expected && *gap < expected + 100, "gaps {gaps:?}");
    }
    assert!(
        err.to_string().ends_with("(UDP)"),
        "no TCP try when it is off: {err}"
    );
}

#[tokio::test]
async fn a_server_silent_over_udp_is_asked_over_tcp_before_giving_up() {
    let (udp, tcp, addr) = udp_and_tcp().await;
    let serve = tokio::spawn(async move {
        // Every datagram is read and dropped, as a path losing UDP would.
        let drop_udp = tokio::spawn(async move {
            loop {
                receive(&udp).await;
            }
        });
        let (mut stream, _) = tcp.accept().await.unwrap();
        let query = read_tcp_query(&mut stream).await;
        stream.write_all(&framed(&answer(&query, 7))).await.unwrap();
        drop_udp.abort();
    });
    let config = TransportConfig {
        first_wait: Duration::from_millis(30),
        timeout: Duration::from_millis(60),
        udp_retries: 2,
        ..fast()
    };
    let got = tokio::time::timeout(BOUND, query(addr, &question(), &config))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.protocol, Protocol::Tcp);
    assert!(got.tcp_fallback && !got.truncated_udp);
    assert_eq!(got.udp_attempts, 3);
    assert_eq!(first_a(&got), Ipv4Addr::new(192, 0, 2, 7));
    serve.await.unwrap();
}

#[tokio::test]
async fn refused_over_udp_is_asked_again_over_tcp() {
    let (udp, tcp, addr) = udp_and_tcp().await;
    let serve = tokio::spawn(async move {
        let (query, from) = receive(&udp).await;
        let mut refused = query.clone();
        refused.header.response = true;
        refused.set_rcode(Rcode::REFUSED);
        udp.send_to(&refused.to_bytes(), from).await.unwrap();
        let (mut stream, _) = tcp.accept().await.unwrap();
        let query = read_tcp_query(&mut stream).await;
        stream.write_all(&framed(&answer(&query, 9))).await.unwrap();
    });
    let got = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.protocol, Protocol::Tcp);
    assert_eq!(first_a(&got), Ipv4Addr::new(192, 0, 2, 9));
    serve.await.unwrap();
}

#[tokio::test]
async fn a_closed_port_gives_a_bounded_error() {
    // Nothing listens on this TCP port; the UDP side answers TC.
    let (udp, addr) = udp_server().await;
    let serve = tokio::spawn(async move {
        let (query, from) = receive(&udp).await;
        let mut truncated = query.clone();
        truncated.header.response = true;
        truncated.header.truncated = true;
        udp.send_to(&truncated.to_bytes(), from).await.unwrap();
    });
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            err,
            QueryError::Io {
                protocol: Protocol::Tcp,
                operation: "connecting to",
                ..
            }
        ),
        "{err:?}"
    );
    serve.await.unwrap();
}

#[tokio::test]
async fn a_tcp_reset_is_an_io_error_naming_the_server() {
    let (udp, tcp, addr) = udp_and_tcp().await;
    let serve = tokio::spawn(async move {
        let (query, from) = receive(&udp).await;
        let mut truncated = query.clone();
        truncated.header.response = true;
        truncated.header.truncated = true;
        udp.send_to(&truncated.to_bytes(), from).await.unwrap();
        let (mut stream, _) = tcp.accept().await.unwrap();
        let _ = read_tcp_query(&mut stream).await;
        // Linger 0: closing sends RST instead of FIN.
        stream.set_zero_linger().unwrap();
        drop(stream);
    });
    let err = tokio::time::timeout(BOUND, query(addr, &question(), &fast()))
        .await
        .unwrap()
        .unwrap_err();
    match &err {
        QueryError::Io {
            server,
            protocol: Protocol::Tcp,
            kind,
            ..
        } => {
            assert_eq!(*server, addr);
            assert_eq!(*kind, std::io::ErrorKind::ConnectionReset);
        }
        other => panic!("expected a reset, got {other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with(&format!("reading from {addr} over TCP failed")));
    serve.await.unwrap();
}
