//! The BIND lab (`cargo xtask lab up`) serves exactly what the Rust description says: every
//! zone copy on every server, compared with the in-process model, with `dig`, and with BIND's
//! query log.

mod lab_support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use dns_lab::bind::parse_query_log_line;
use dns_lab::internet::miniature_internet;
use dns_lab::scenarios::{self, SCENARIOS};
use dns_lab::Behaviour;
use dns_wire::{Message, Name, Rcode, RecordType};
use lab_support::*;

fn at53(ip: Ipv4Addr) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(ip), 53)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_zone_copy_answers_as_the_model_says() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let network = miniature_internet();
        let (failures, asked) = compare_with_model(model_questions(&network, at53)).await;
        assert!(asked > 500, "only {asked} questions asked");
        assert!(
            failures.is_empty(),
            "{} of {asked} answers differ from the model:\n{}",
            failures.len(),
            failures.join("\n")
        );
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn dig_sees_the_soa_of_every_copy_and_every_scenario_record() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let network = miniature_internet();
        for hosted in &network.zones {
            let soa = hosted.zone.soa().expect("zone has an SOA");
            let expected = dns_wire::RData::Soa(soa.clone()).to_string();
            for addr in &hosted.servers {
                let behaviour = &network.server(*addr).expect("server").behaviour;
                if *behaviour != Behaviour::Authoritative {
                    continue;
                }
                let origin = hosted.zone.origin.to_string();
                assert_eq!(
                    dig_short(*addr, 53, &origin, "SOA"),
                    vec![expected.clone()],
                    "dig +norec @{addr} {origin} SOA"
                );
            }
        }
        // The SES key, as dig shows it: two strings, the first 255 octets.
        let target = format!("{}.{}", scenarios::SES_TOKENS[0], scenarios::SES_DKIM_ZONE);
        let txt = dig_short(Ipv4Addr::new(127, 53, 3, 3), 53, &target, "TXT");
        assert_eq!(txt.len(), 1);
        assert!(txt[0].starts_with("\"p=MIIB"), "{txt:?}");
        assert_eq!(txt[0].matches("\" \"").count(), 1, "{txt:?}");
        let other = format!("{}.{}", scenarios::SES_TOKENS[1], scenarios::SES_DKIM_ZONE);
        assert_eq!(
            dig_short(Ipv4Addr::new(127, 53, 3, 4), 53, &other, "TXT"),
            vec!["\"\"".to_string()]
        );
        // Each healthy SES domain's CNAMEs.
        for domain in [scenarios::SES_HEALTHY, scenarios::GLUELESS] {
            for token in scenarios::SES_TOKENS {
                assert_eq!(
                    dig_short(
                        Ipv4Addr::new(127, 53, 10, 2),
                        53,
                        &format!("{token}._domainkey.{domain}"),
                        "CNAME"
                    ),
                    vec![format!("{token}.{}.", scenarios::SES_DKIM_ZONE)]
                );
            }
        }
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn lame_server_refuses_and_unreachable_servers_are_silent() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let network = miniature_internet();
        for server in &network.servers {
            match server.behaviour {
                Behaviour::Refuse => {
                    for zone in [scenarios::LAME, ".", "com"] {
                        let name: Name = zone.parse().unwrap();
                        let answer = ask(at53(server.addr), &name, RecordType::SOA)
                            .await
                            .expect("the lame server answers");
                        assert_eq!(answer.rcode(), Rcode::REFUSED, "{} {zone}", server.addr);
                        assert!(!answer.header.authoritative);
                    }
                }
                Behaviour::Unreachable => {
                    let query =
                        Message::query(7, scenarios::UNREACHABLE.parse().unwrap(), RecordType::SOA);
                    let udp = dns_lab::probe::udp(
                        at53(server.addr),
                        &query.to_bytes(),
                        Duration::from_millis(500),
                    )
                    .await;
                    assert!(udp.is_err(), "{} answered over UDP: {udp:?}", server.addr);
                    let tcp = tokio::net::TcpStream::connect(at53(server.addr)).await;
                    assert!(tcp.is_err(), "{} accepted a TCP connection", server.addr);
                }
                _ => {}
            }
        }
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn query_log_records_the_server_of_every_query() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let network = miniature_internet();
        let marker = format!("log-check-{}", std::process::id());
        let mut wanted = Vec::new();
        for server in network
            .servers
            .iter()
            .filter(|s| s.behaviour == Behaviour::Authoritative)
        {
            let zone = &network.zones_of(server.addr)[0].origin;
            let name = zone.prepend(marker.as_bytes()).unwrap();
            let answer = ask(at53(server.addr), &name, RecordType::TXT)
                .await
                .unwrap();
            assert_eq!(answer.rcode(), Rcode::NXDOMAIN);
            wanted.push((server.addr, name.to_string_relative().to_lowercase()));
        }
        // BIND writes each line as the query arrives; give the file system a bounded moment.
        let mut missing = wanted.clone();
        for _ in 0..50 {
            let log = std::fs::read_to_string(query_log_path()).unwrap_or_default();
            let logged: Vec<_> = log.lines().filter_map(parse_query_log_line).collect();
            missing.retain(|(addr, name)| {
                !logged.iter().any(|q| {
                    q.server == *addr && q.name.to_lowercase().trim_end_matches('.') == name
                })
            });
            if missing.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            missing.is_empty(),
            "not in {}: {missing:?}",
            query_log_path().display()
        );
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn every_scenario_domain_is_delegated_and_served() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        require_bind_lab().await;
        let network = miniature_internet();
        for scenario in SCENARIOS {
            // The zone delegated from the TLD that holds the scenario's domain (the domain
            // itself, or its parent for a subdomain identity such as news.dmarc-org.com).
            let mut domain: Name = scenario.domain.parse().unwrap();
            while domain.label_count() > 2 {
                domain = domain.parent().unwrap();
            }
            let tld = domain.parent().unwrap();
            for tld_server in network.servers_of(&tld) {
                let referral = ask(at53(tld_server), &domain, RecordType::SOA)
                    .await
                    .unwrap();
                assert!(!referral.header.authoritative, "{tld_server} {domain}");
                assert!(
                    referral
                        .authority
                        .iter()
                        .all(|r| r.name == domain && r.rtype() == RecordType::NS)
                        && !referral.authority.is_empty(),
                    "{tld_server} does not delegate {domain}: {:?}",
                    referral.authority
                );
            }
        }
    })
    .await
    .expect("test timed out");
}
