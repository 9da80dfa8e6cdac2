//! The in-process hostile servers do exactly the wrong thing they are configured for, over
//! UDP and TCP, and the delaying relay adds its delay. These are the fixtures the resolver's
//! fault tests stand on, so each behaviour is pinned down here.

mod lab_support;

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use dns_lab::fixtures::{self, HOSTILE_SERVER, VICTIM_NAME, VICTIM_TXT, WRONG_SOURCE};
use dns_lab::probe::{self, TcpReply};
use dns_lab::{serve, Behaviour, RunningLab};
use dns_wire::{Message, Name, ParseErrorKind, RData, Rcode, RecordType, Txt};
use lab_support::*;

const SHORT: Duration = Duration::from_millis(300);

async fn start(behaviour: Behaviour) -> RunningLab {
    serve(fixtures::hostile_network(behaviour, false), 0)
        .await
        .expect("hostile lab starts")
}

fn victim_query(id: u16) -> Vec<u8> {
    let name: Name = VICTIM_NAME.parse().unwrap();
    Message::query(id, name, RecordType::TXT).to_bytes()
}

fn is_victim_answer(message: &Message) -> bool {
    message
        .answers
        .iter()
        .any(|r| r.data == RData::Txt(Txt::new([VICTIM_TXT])))
}

async fn bounded<F: std::future::Future<Output = ()>>(test: F) {
    tokio::time::timeout(TEST_TIMEOUT, test)
        .await
        .expect("test timed out");
}

#[tokio::test]
async fn the_fixture_walk_reaches_the_victim_through_healthy_servers() {
    bounded(async {
        let lab = serve(fixtures::hostile_network(Behaviour::Silent, true), 0)
            .await
            .unwrap();
        let name: Name = VICTIM_NAME.parse().unwrap();
        let root = ask(lab.root_addrs()[0], &name, RecordType::TXT)
            .await
            .unwrap();
        assert!(!root.header.authoritative);
        assert_eq!(
            root.authority[0].name,
            "test".parse::<dns_wire::Name>().unwrap()
        );
        let tld = ask(lab.addr(fixtures::TEST_TLD_SERVER), &name, RecordType::TXT)
            .await
            .unwrap();
        assert_eq!(tld.authority.len(), 2);
        assert_eq!(tld.additional.len(), 2);
        let sibling = ask(lab.addr(fixtures::HEALTHY_SIBLING), &name, RecordType::TXT)
            .await
            .unwrap();
        assert!(sibling.header.authoritative && is_victim_answer(&sibling));
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn silent_server_never_answers() {
    bounded(async {
        let lab = start(Behaviour::Silent).await;
        let server = lab.addr(HOSTILE_SERVER);
        let udp = probe::udp(server, &victim_query(1), SHORT).await;
        assert!(
            matches!(udp, Err(probe::ProbeError::Timeout { .. })),
            "{udp:?}"
        );
        let tcp = probe::tcp(server, &victim_query(1), SHORT).await;
        assert!(
            matches!(tcp, Err(probe::ProbeError::Timeout { .. })),
            "{tcp:?}"
        );
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn garbage_server_sends_unparseable_bytes_with_the_right_id() {
    bounded(async {
        let lab = start(Behaviour::Garbage).await;
        let server = lab.addr(HOSTILE_SERVER);
        for id in [1u16, 0xbeef, 0xffff] {
            let reply = probe::udp(server, &victim_query(id), EXCHANGE_TIMEOUT)
                .await
                .unwrap();
            assert_eq!(reply.from, server);
            assert_eq!(u16::from_be_bytes([reply.bytes[0], reply.bytes[1]]), id);
            assert!(Message::from_bytes(&reply.bytes).is_err());
        }
        let TcpReply::Message(bytes) = probe::tcp(server, &victim_query(7), EXCHANGE_TIMEOUT)
            .await
            .unwrap()
        else {
            panic!("cut")
        };
        assert!(Message::from_bytes(&bytes).is_err());
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn wrong_id_server_answers_correctly_under_another_id() {
    bounded(async {
        let lab = start(Behaviour::WrongId).await;
        let server = lab.addr(HOSTILE_SERVER);
        let reply = probe::udp(server, &victim_query(100), EXCHANGE_TIMEOUT)
            .await
            .unwrap();
        let message = Message::from_bytes(&reply.bytes).unwrap();
        assert_ne!(message.header.id, 100);
        assert!(is_victim_answer(&message));
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn wrong_source_servers_answer_from_elsewhere() {
    bounded(async {
        let lab = start(Behaviour::WrongSourcePort).await;
        let server = lab.addr(HOSTILE_SERVER);
        let reply = probe::udp(server, &victim_query(5), EXCHANGE_TIMEOUT)
            .await
            .unwrap();
        assert_eq!(reply.from.ip(), server.ip());
        assert_ne!(reply.from.port(), server.port());
        assert!(is_victim_answer(
            &Message::from_bytes(&reply.bytes).unwrap()
        ));
        lab.shutdown().await;

        let lab = start(Behaviour::WrongSourceAddress(WRONG_SOURCE)).await;
        let server = lab.addr(HOSTILE_SERVER);
        let reply = probe::udp(server, &victim_query(6), EXCHANGE_TIMEOUT)
            .await
            .unwrap();
        assert_eq!(reply.from.ip(), IpAddr::V4(WRONG_SOURCE));
        assert!(is_victim_answer(
            &Message::from_bytes(&reply.bytes).unwrap()
        ));
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn truncating_server_sets_tc_on_udp_and_tcp() {
    bounded(async {
        let lab = start(Behaviour::TruncateForever).await;
        let server = lab.addr(HOSTILE_SERVER);
        let udp = probe::udp(server, &victim_query(8), EXCHANGE_TIMEOUT)
            .await
            .unwrap();
        let udp = Message::from_bytes(&udp.bytes).unwrap();
        assert!(udp.header.truncated && udp.answers.is_empty());
        let TcpReply::Message(tcp) = probe::tcp(server, &victim_query(8), EXCHANGE_TIMEOUT)
            .await
            .unwrap()
        else {
            panic!("cut")
        };
        let tcp = Message::from_bytes(&tcp).unwrap();
        assert!(tcp.header.truncated && tcp.answers.is_empty());
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn cutting_server_sends_tc_then_half_a_tcp_message() {
    bounded(async {
        let lab = start(Behaviour::CutTcpStream).await;
        let server = lab.addr(HOSTILE_SERVER);
        let udp = probe::udp(server, &victim_query(9), EXCHANGE_TIMEOUT)
            .await
            .unwrap();
        assert!(Message::from_bytes(&udp.bytes).unwrap().header.truncated);
        match probe::tcp(server, &victim_query(9), EXCHANGE_TIMEOUT)
            .await
            .unwrap()
        {
            TcpReply::Cut {
                announced,
                received,
            } => {
                assert!(received.len() < announced);
                assert!(!received.is_empty());
            }
            TcpReply::Message(m) => panic!("got a whole message of {} octets", m.len()),
        }
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn compression_loop_server_sends_a_self_pointing_name() {
    bounded(async {
        let lab = start(Behaviour::CompressionLoop).await;
        let server = lab.addr(HOSTILE_SERVER);
        let reply = probe::udp(server, &victim_query(10), EXCHANGE_TIMEOUT)
            .await
            .unwrap();
        let error = Message::from_bytes(&reply.bytes).unwrap_err();
        assert!(
            matches!(
                error.kind,
                ParseErrorKind::PointerLoop { .. } | ParseErrorKind::PointerForward { .. }
            ),
            "{error}"
        );
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn referring_servers_refer_in_circles() {
    bounded(async {
        let lab = serve(fixtures::referral_loop_network(), 0).await.unwrap();
        let name: Name = VICTIM_NAME.parse().unwrap();
        let mut server = lab.addr(HOSTILE_SERVER);
        let mut seen = Vec::new();
        for _ in 0..4 {
            let referral = ask(server, &name, RecordType::TXT).await.unwrap();
            assert!(!referral.header.authoritative);
            assert!(referral.answers.is_empty());
            assert_eq!(
                referral.authority[0].name,
                fixtures::VICTIM_ZONE.parse::<dns_wire::Name>().unwrap()
            );
            let RData::A(next) = referral.additional[0].data else {
                panic!("no glue")
            };
            seen.push(next);
            server = SocketAddr::new(IpAddr::V4(next), lab.port);
        }
        assert_eq!(
            seen,
            vec![
                fixtures::HEALTHY_SIBLING,
                HOSTILE_SERVER,
                fixtures::HEALTHY_SIBLING,
                HOSTILE_SERVER
            ]
        );
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn slow_server_answers_after_its_delay() {
    bounded(async {
        let delay = Duration::from_millis(400);
        let lab = start(Behaviour::Slow(delay)).await;
        let server = lab.addr(HOSTILE_SERVER);
        let early = probe::udp(server, &victim_query(11), Duration::from_millis(100)).await;
        assert!(early.is_err(), "answered before its delay: {early:?}");
        let started = Instant::now();
        let reply = probe::udp(server, &victim_query(12), Duration::from_secs(5))
            .await
            .unwrap();
        assert!(started.elapsed() >= delay);
        assert!(is_victim_answer(
            &Message::from_bytes(&reply.bytes).unwrap()
        ));
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn non_authoritative_and_refusing_servers() {
    bounded(async {
        let lab = start(Behaviour::NotAuthoritative).await;
        let name: Name = VICTIM_NAME.parse().unwrap();
        let reply = ask(lab.addr(HOSTILE_SERVER), &name, RecordType::TXT)
            .await
            .unwrap();
        assert!(!reply.header.authoritative);
        assert!(is_victim_answer(&reply));
        lab.shutdown().await;

        let lab = start(Behaviour::Refuse).await;
        let reply = ask(lab.addr(HOSTILE_SERVER), &name, RecordType::TXT)
            .await
            .unwrap();
        assert_eq!(reply.rcode(), Rcode::REFUSED);
        assert!(reply.answers.is_empty());
        lab.shutdown().await;

        let lab = start(Behaviour::Unreachable).await;
        let udp = probe::udp(lab.addr(HOSTILE_SERVER), &victim_query(13), SHORT).await;
        assert!(udp.is_err());
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn malformed_queries_get_formerr_or_nothing() {
    bounded(async {
        let lab = start(Behaviour::Authoritative).await;
        let server = lab.addr(HOSTILE_SERVER);
        // A header announcing one question that is not there: FORMERR with the same ID.
        let bad = [0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        let reply = probe::udp(server, &bad, EXCHANGE_TIMEOUT).await.unwrap();
        let reply = Message::from_bytes(&reply.bytes).unwrap();
        assert_eq!(reply.header.id, 0x1234);
        assert_eq!(reply.rcode(), Rcode::FORMERR);
        // Less than a header: silence.
        assert!(probe::udp(server, &[1, 2, 3], SHORT).await.is_err());
        lab.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn relay_adds_its_delay_and_changes_nothing_else() {
    bounded(async {
        let lab = start(Behaviour::Authoritative).await;
        let delay = Duration::from_millis(250);
        let addrs = [HOSTILE_SERVER];
        // Relay on another free port of the same address.
        let mut relays = None;
        for _ in 0..16 {
            let port = {
                let probe_socket =
                    tokio::net::UdpSocket::bind(SocketAddr::new(IpAddr::V4(HOSTILE_SERVER), 0))
                        .await
                        .unwrap();
                probe_socket.local_addr().unwrap().port()
            };
            if let Ok(set) = dns_lab::relay::start(&addrs, port, lab.port, delay).await {
                relays = Some(set);
                break;
            }
        }
        let relays = relays.expect("a free relay port");
        let name: Name = VICTIM_NAME.parse().unwrap();
        let direct = ask(lab.addr(HOSTILE_SERVER), &name, RecordType::TXT)
            .await
            .unwrap();
        let via = SocketAddr::new(IpAddr::V4(HOSTILE_SERVER), relays.listen_port);
        let started = Instant::now();
        let relayed = ask(via, &name, RecordType::TXT).await.unwrap();
        assert!(started.elapsed() >= delay);
        assert_eq!(direct.answers, relayed.answers);
        let mut relayed_header = relayed.header;
        relayed_header.id = direct.header.id;
        assert_eq!(direct.header, relayed_header);
        // TCP through the relay too.
        let started = Instant::now();
        let TcpReply::Message(tcp) = probe::tcp(via, &victim_query(14), Duration::from_secs(5))
            .await
            .unwrap()
        else {
            panic!("cut")
        };
        assert!(started.elapsed() >= delay);
        assert!(is_victim_answer(&Message::from_bytes(&tcp).unwrap()));
        relays.shutdown().await;
        lab.shutdown().await;
    })
    .await;
}
