//! The in-process servers (`dns_lab::demo::start`) answer over real UDP and TCP sockets exactly
//! as the answering model says, truncate what does not fit, and stop on shutdown.

mod lab_support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use dns_lab::internet::miniature_internet;
use dns_lab::probe::{self, TcpReply};
use dns_lab::scenarios;
use dns_wire::{Message, Name, Rcode, RecordType};
use lab_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_servers_answer_as_the_model_says() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let lab = dns_lab::demo::start(0).await.expect("demo lab starts");
        assert_ne!(lab.port, 0);
        assert_eq!(
            lab.roots,
            vec![
                IpAddr::V4(Ipv4Addr::new(127, 53, 0, 1)),
                IpAddr::V4(Ipv4Addr::new(127, 53, 0, 2))
            ]
        );
        let network = miniature_internet();
        let (failures, asked) =
            compare_with_model(model_questions(&network, |ip| lab.addr(ip))).await;
        assert!(asked > 500, "only {asked} questions asked");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        lab.shutdown().await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn demo_lame_and_unreachable_servers() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let lab = dns_lab::demo::start(0).await.expect("demo lab starts");
        let lame = lab.addr(Ipv4Addr::new(127, 53, 12, 1));
        let name: Name = scenarios::LAME.parse().unwrap();
        let answer = ask(lame, &name, RecordType::SOA).await.unwrap();
        assert_eq!(answer.rcode(), Rcode::REFUSED);
        let void = lab.addr(Ipv4Addr::new(127, 53, 12, 2));
        assert!(!lab.servers.contains(&void));
        let query = Message::query(3, name, RecordType::SOA).to_bytes();
        assert!(probe::udp(void, &query, Duration::from_millis(300))
            .await
            .is_err());
        assert!(tokio::net::TcpStream::connect(void).await.is_err());
        lab.shutdown().await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn large_answers_are_truncated_over_udp_and_whole_over_tcp() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let lab = dns_lab::demo::start(0).await.expect("demo lab starts");
        let server = lab.addr(Ipv4Addr::new(127, 53, 10, 1));
        let name: Name = format!(
            "{}._domainkey.{}",
            scenarios::SELECTOR_MAIL,
            scenarios::KEY_MULTIPLE
        )
        .parse()
        .unwrap();
        // Without EDNS the limit is 512 octets; two keys do not fit.
        let mut query = Message::query(9, name.clone(), RecordType::TXT);
        query.edns = None;
        let bytes = query.to_bytes();
        let udp = probe::udp(server, &bytes, EXCHANGE_TIMEOUT).await.unwrap();
        assert!(udp.bytes.len() <= 512);
        let udp = Message::from_bytes(&udp.bytes).unwrap();
        assert!(udp.header.truncated);
        assert!(udp.answers.is_empty());
        assert_eq!(udp.questions, query.questions);
        let TcpReply::Message(tcp) = probe::tcp(server, &bytes, EXCHANGE_TIMEOUT).await.unwrap()
        else {
            panic!("TCP answer cut")
        };
        let tcp = Message::from_bytes(&tcp).unwrap();
        assert!(!tcp.header.truncated);
        assert_eq!(tcp.answers.len(), 2);
        // With EDNS (1232) the same answer fits.
        let edns = ask(server, &name, RecordType::TXT).await.unwrap();
        assert_eq!(edns.answers.len(), 2);
        lab.shutdown().await;
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn shutdown_closes_the_sockets_and_a_fixed_port_can_be_reused() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let lab = dns_lab::demo::start(0).await.expect("demo lab starts");
        let port = lab.port;
        let root = lab.addr(Ipv4Addr::new(127, 53, 0, 1));
        ask(root, &Name::root(), RecordType::SOA).await.unwrap();
        lab.shutdown().await;
        let query = Message::query(5, Name::root(), RecordType::SOA).to_bytes();
        assert!(probe::udp(root, &query, Duration::from_millis(300))
            .await
            .is_err());
        // The same port is free again (the sockets are closed, not leaked).
        let again = dns_lab::demo::start(port).await.expect("port reusable");
        assert_eq!(again.port, port);
        let root = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 53, 0, 1)), port);
        ask(root, &Name::root(), RecordType::SOA).await.unwrap();
        again.shutdown().await;
    })
    .await
    .expect("test timed out");
}

/// A server with an IPv6 address answers there exactly as on its IPv4 address (`::1`, the one
/// IPv6 loopback address every host has; other IPv6 addresses need a namespace, see netns.rs).
#[tokio::test]
async fn a_dual_stack_server_answers_on_both_addresses() {
    use dns_lab::fixtures::{hostile_network, HOSTILE_SERVER, VICTIM_NAME};
    tokio::time::timeout(TEST_TIMEOUT, async {
        let mut network = hostile_network(dns_lab::Behaviour::Authoritative, false);
        for server in &mut network.servers {
            if server.addr == HOSTILE_SERVER {
                server.ipv6 = Some(std::net::Ipv6Addr::LOCALHOST);
            }
        }
        let lab = match dns_lab::serve(network, 0).await {
            Ok(lab) => lab,
            Err(dns_lab::LabError::Bind { addr, source, .. }) if addr.is_ipv6() => {
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED a_dual_stack_server_answers_on_both_addresses: no IPv6 loopback \
                     here ({source})"
                );
                return;
            }
            Err(e) => panic!("{e}"),
        };
        let v6 = SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), lab.port);
        assert!(lab.servers.contains(&v6), "{:?}", lab.servers);
        let name: Name = VICTIM_NAME.parse().unwrap();
        let over_v4 = ask(lab.addr(HOSTILE_SERVER), &name, RecordType::TXT)
            .await
            .unwrap();
        let over_v6 = ask(v6, &name, RecordType::TXT).await.unwrap();
        assert_eq!(over_v6.answers, over_v4.answers);
        assert_eq!(over_v6.answers.len(), 1);
        assert!(over_v6.header.authoritative);
        lab.shutdown().await;
    })
    .await
    .expect("test timed out");
}
