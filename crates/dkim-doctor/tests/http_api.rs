//! `dkim-doctor serve`: the HTTP API against in-process lab networks. The lab listens on
//! 127.53.0.0/16, so the servers here are started with `--allow-private 127.53.0.0/16`: every
//! other non-public address stays refused, which is what the address-policy tests rely on.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::server::{http, http_with, post_json, serve_network, start_serve, Server};
use dns_lab::fixtures::{private_glue_network, HOSTILE_ROOT, PRIVATE_GLUE, VICTIM_ZONE};
use serde_json::{json, Value};

fn serve_lab(port: u16, extra: &[&str]) -> Server {
    let mut args: Vec<String> = [
        "--roots",
        &HOSTILE_ROOT.to_string(),
        "--port",
        &port.to_string(),
        "-4",
        "--timeout",
        "500ms",
        "--allow-private",
        "127.53.0.0/16",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    start_serve(&args)
}

fn finding<'a>(report: &'a Value, code: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
}

fn selector_check(server: &Server) -> Value {
    let response = post_json(
        server.addr,
        "/v1/check/selector",
        &json!({"domain": VICTIM_ZONE, "selectors": ["mail"]}),
    );
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

/// A packet to 127.0.0.1 on the lab's port would land here.
fn canary(port: u16) -> Option<UdpSocket> {
    let socket = UdpSocket::bind(("127.0.0.1", port)).ok()?;
    socket.set_nonblocking(true).ok()?;
    Some(socket)
}

fn assert_nothing_arrived(canary: Option<UdpSocket>) {
    if let Some(socket) = canary {
        let mut buf = [0u8; 512];
        assert!(
            socket.recv_from(&mut buf).is_err(),
            "a query was sent to 127.0.0.1"
        );
    }
}

fn assert_refused(report: &Value) {
    let refused = finding(report, "address-not-public")
        .unwrap_or_else(|| panic!("no address-not-public finding: {report}"));
    assert_eq!(refused["severity"], "error");
    let addresses: Vec<&str> = refused["servers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["address"].as_str().unwrap())
        .collect();
    for (_, ip) in PRIVATE_GLUE {
        assert!(addresses.contains(&ip.to_string().as_str()), "{refused}");
    }
    let summary = refused["summary"].as_str().unwrap();
    assert!(summary.contains("loopback"), "{summary}");
    assert!(summary.contains("RFC 1918"), "{summary}");
    assert!(summary.contains("link-local"), "{summary}");
    // Refused servers are not lame and not "not checked from here".
    assert!(finding(report, "lame-delegation").is_none(), "{report}");
    assert!(
        finding(report, "not-checked-from-here").is_none(),
        "{report}"
    );
    for server in report["delegation"]["servers"].as_array().unwrap() {
        if PRIVATE_GLUE
            .iter()
            .any(|(_, ip)| server["address"] == ip.to_string().as_str())
        {
            assert!(
                server["not_checked"]
                    .as_str()
                    .is_some_and(|w| w.starts_with("not asked: ")),
                "{server}"
            );
        }
    }
}

#[test]
fn glue_at_loopback_private_and_metadata_addresses_is_refused_with_a_finding() {
    let network = serve_network(private_glue_network(true));
    let canary = canary(network.port);
    let server = serve_lab(network.port, &[]);
    let report = selector_check(&server);
    assert_refused(&report);
    // The healthy fourth server was asked and answered: the zone was checked.
    assert_eq!(report["verdict"], "fail", "{report}");
    assert!(finding(&report, "record-missing").is_some(), "{report}");
    assert_nothing_arrived(canary);
}

#[test]
fn a_zone_with_only_refused_servers_is_incomplete_and_says_why() {
    let network = serve_network(private_glue_network(false));
    let canary = canary(network.port);
    let server = serve_lab(network.port, &[]);
    let report = selector_check(&server);
    assert_refused(&report);
    assert_eq!(report["verdict"], "incomplete", "{report}");
    assert_nothing_arrived(canary);
}

#[test]
fn allow_private_without_networks_asks_every_address() {
    let network = serve_network(private_glue_network(true));
    let port = network.port.to_string();
    let root = HOSTILE_ROOT.to_string();
    let server = start_serve(
        &[
            "--roots",
            &root,
            "--port",
            &port,
            "-4",
            "--timeout",
            "200ms",
            "--allow-private",
        ]
        .map(String::from),
    );
    let report = selector_check(&server);
    assert!(finding(&report, "address-not-public").is_none(), "{report}");
}

#[test]
fn a_burst_over_the_client_rate_gets_429_with_retry_after() {
    let network = serve_network(private_glue_network(true));
    let server = serve_lab(network.port, &["--client-rate", "1", "--client-burst", "2"]);
    let body = json!({"domain": VICTIM_ZONE, "selectors": ["mail"]});
    let statuses: Vec<u16> = (0..4)
        .map(|_| post_json(server.addr, "/v1/check/selector", &body))
        .map(|r| {
            if r.status == 429 {
                let retry: u64 = r
                    .header("retry-after")
                    .expect("Retry-After")
                    .parse()
                    .unwrap();
                assert!((1..=60).contains(&retry), "{retry}");
                assert!(r.json()["error"].as_str().unwrap().contains("retry after"));
            }
            r.status
        })
        .collect();
    assert_eq!(statuses, [200, 200, 429, 429]);
}

#[test]
fn checks_beyond_the_global_cap_get_429() {
    // One slot, held by a check whose root never answers: a socket that reads nothing (no
    // ICMP "port unreachable" either), so the check waits out its tries.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let server = start_serve(
        &[
            "--roots",
            "127.0.0.1",
            "--port",
            &port,
            "-4",
            "--timeout",
            "1s",
            "--max-checks",
            "1",
        ]
        .map(String::from),
    );
    let addr = server.addr;
    let body = json!({"domain": "example.com", "selectors": ["mail"]});
    let slow = std::thread::spawn(move || post_json(addr, "/v1/check/selector", &body));
    // The first check holds the only slot for seconds (its root never answers).
    std::thread::sleep(Duration::from_millis(500));
    let second = post_json(
        addr,
        "/v1/check/selector",
        &json!({"domain": "example.org", "selectors": ["mail"]}),
    );
    assert_eq!(second.status, 429, "{}", second.body);
    assert_eq!(second.header("retry-after"), Some("1"));
    assert_eq!(slow.join().unwrap().status, 200);
}

#[test]
fn a_10_mb_body_gets_413() {
    let server = start_serve(&["--roots", "127.53.200.99", "--port", "9"].map(String::from));
    let huge = vec![b' '; 10 * 1024 * 1024];
    let response = http(server.addr, "POST", "/v1/check/ses", Some(&huge));
    assert_eq!(response.status, 413, "{}", response.body);
    assert!(response.json()["error"]
        .as_str()
        .unwrap()
        .contains("larger"));
}

#[test]
fn bad_requests_get_one_sentence_and_no_internal_text() {
    let server = start_serve(&["--roots", "127.53.200.99", "--port", "9"].map(String::from));
    for (path, body, words) in [
        ("/v1/check/ses", "{not json", "not a JSON object"),
        (
            "/v1/check/ses",
            r#"{"domain": "example.com"}"#,
            "\"tokens\"",
        ),
        ("/v1/check/ses", r#"{"tokens": ["t"]}"#, "\"domain\""),
        (
            "/v1/check/ses",
            r#"{"domain": "example.com", "tokens": ["t"], "expect_ns": ["192.0.2.1"]}"#,
            "host name",
        ),
        (
            "/v1/check/selector",
            r#"{"domain": "example.com"}"#,
            "\"selectors\"",
        ),
        (
            "/v1/check/ses",
            r#"{"domain": "10.0.0.1", "tokens": ["t"]}"#,
            "IP address",
        ),
        (
            "/v1/check/selector",
            r#"{"domain": "example.com", "tokens": ["t"]}"#,
            "selector",
        ),
        (
            "/v1/trace",
            r#"{"name": "example.com", "type": "NOPE"}"#,
            "record type",
        ),
    ] {
        let response = http(server.addr, "POST", path, Some(body.as_bytes()));
        assert_eq!(response.status, 400, "{path} {body}: {}", response.body);
        let error = response.json()["error"].as_str().unwrap().to_string();
        assert!(error.contains(words), "{error}");
        assert!(
            !error.contains("panicked") && !error.contains("src/"),
            "{error}"
        );
        // The API's words (its fields), not the command line's options.
        assert!(!error.contains("--"), "{error}");
    }
    let wrong_method = http(server.addr, "GET", "/v1/check/ses", None);
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.json()["error"].is_string());
    let missing = http(server.addr, "GET", "/v2/nothing", None);
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].is_string());
    let id = missing
        .header("x-request-id")
        .expect("request id")
        .to_string();
    // The log line of that request carries its id.
    let logged = (0..100)
        .filter_map(|_| server.log.recv_timeout(Duration::from_secs(5)).ok())
        .any(|line| line.contains(&format!("request={id}")) && line.contains("404"));
    assert!(logged, "no log line with request={id}");
}

#[test]
fn reports_healthz_and_metrics_against_the_demo_network() {
    let lab = common::lab();
    let mut args: Vec<String> = lab.args();
    args.extend(["--allow-private".to_string(), "127.53.0.0/16".to_string()]);
    let server = start_serve(&args);
    assert_eq!(http(server.addr, "GET", "/healthz", None).status, 200);
    let tokens: Vec<&str> = dns_lab::scenarios::SES_TOKENS.to_vec();
    let response = post_json(
        server.addr,
        "/v1/check/ses",
        &json!({"domain": dns_lab::scenarios::SES_HEALTHY, "tokens": tokens}),
    );
    assert_eq!(response.status, 200, "{}", response.body);
    let report = response.json();
    assert_eq!(report["verdict"], "pass", "{report}");
    assert_eq!(report["check"], "ses");
    // Exactly the CLI's report, apart from what varies from run to run.
    let cli = common::run_owned(&common::with_lab(
        &[
            ["ses", dns_lab::scenarios::SES_HEALTHY, "--json"].as_slice(),
            &tokens
                .iter()
                .flat_map(|t| ["--token", t])
                .collect::<Vec<_>>(),
        ]
        .concat(),
    ));
    let cli = common::check_report(&cli);
    let strip = |mut v: Value| {
        for key in ["queries", "elapsed_ms", "discarded_responses"] {
            v.as_object_mut().unwrap().remove(key);
        }
        v
    };
    assert_eq!(strip(report), strip(cli));
    let trace = post_json(
        server.addr,
        "/v1/trace",
        &json!({"name": dns_lab::scenarios::SES_HEALTHY, "type": "SOA"}),
    );
    assert_eq!(trace.status, 200, "{}", trace.body);
    assert_eq!(trace.json()["outcome"], "answer");
    let metrics = http(server.addr, "GET", "/metrics", None);
    assert_eq!(metrics.status, 200);
    let text = metrics.body;
    assert!(
        text.contains("dkim_doctor_checks_total{check=\"ses\",verdict=\"pass\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("dkim_doctor_check_duration_seconds_count 1"),
        "{text}"
    );
    assert!(text.contains("dkim_doctor_checks_in_flight 0"), "{text}");
    let queries: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("dkim_doctor_queries_total "))
        .and_then(|n| n.parse().ok())
        .expect("queries_total");
    assert!(queries > 10, "{text}");
}

/// A server on the demo network, with `extra` options.
fn serve_demo(extra: &[&str]) -> Server {
    let lab = common::lab();
    let mut args: Vec<String> = lab.args();
    args.extend(["--allow-private", "127.53.0.0/16"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    start_serve(&args)
}

fn healthy_ses_body() -> Vec<u8> {
    let tokens: Vec<&str> = dns_lab::scenarios::SES_TOKENS.to_vec();
    json!({"domain": dns_lab::scenarios::SES_HEALTHY, "tokens": tokens})
        .to_string()
        .into_bytes()
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

#[test]
fn a_repeated_check_gets_the_kept_report_until_no_cache_is_asked() {
    let server = serve_demo(&[]);
    let body = healthy_ses_body();
    let check = |headers: &[(&str, &str)]| {
        let response = http_with(server.addr, "POST", "/v1/check/ses", headers, Some(&body));
        assert_eq!(response.status, 200, "{}", response.body);
        response
    };
    let first = check(&[]);
    assert_eq!(first.header("x-dkim-doctor-cache"), Some("miss"));
    assert_eq!(first.json()["verdict"], "pass");
    let second = check(&[]);
    assert_eq!(second.header("x-dkim-doctor-cache"), Some("hit"));
    assert!(second
        .header("age")
        .is_some_and(|a| a.parse::<u64>().is_ok()));
    // The same report, byte for byte (its query count and time included).
    assert_eq!(second.body, first.body);
    // The same request written otherwise (spaces, key order) is the same check.
    let tokens: Vec<&str> = dns_lab::scenarios::SES_TOKENS.to_vec();
    let reordered = format!(
        "{{ \"tokens\": {},  \"domain\": \"{}\" }}",
        serde_json::to_string(&tokens).unwrap(),
        dns_lab::scenarios::SES_HEALTHY
    );
    let third = http(
        server.addr,
        "POST",
        "/v1/check/ses",
        Some(reordered.as_bytes()),
    );
    assert_eq!(third.header("x-dkim-doctor-cache"), Some("hit"));
    let fresh = check(&[("Cache-Control", "no-cache")]);
    assert_eq!(fresh.header("x-dkim-doctor-cache"), Some("miss"));
    assert_eq!(fresh.json()["verdict"], "pass");
    let text = http(server.addr, "GET", "/metrics", None).body;
    assert_eq!(
        metric(&text, "dkim_doctor_report_cache_total{result=\"hit\"}"),
        2
    );
    assert_eq!(
        metric(&text, "dkim_doctor_report_cache_total{result=\"miss\"}"),
        2
    );
    assert_eq!(metric(&text, "dkim_doctor_report_cache_entries"), 1);
    // Checks run, not requests answered.
    assert_eq!(
        metric(
            &text,
            "dkim_doctor_checks_total{check=\"ses\",verdict=\"pass\"}"
        ),
        2
    );
}

#[test]
fn a_kept_report_is_not_given_after_cache_ttl_and_not_at_all_with_0s() {
    let server = serve_demo(&["--cache-ttl", "1s"]);
    let body = healthy_ses_body();
    let check = || {
        let response = http(server.addr, "POST", "/v1/check/ses", Some(&body));
        assert_eq!(response.status, 200, "{}", response.body);
        response.header("x-dkim-doctor-cache").unwrap().to_string()
    };
    assert_eq!(check(), "miss");
    assert_eq!(check(), "hit");
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(check(), "miss");

    let server = serve_demo(&["--cache-ttl", "0s"]);
    for _ in 0..2 {
        let response = http(server.addr, "POST", "/v1/check/ses", Some(&body));
        assert_eq!(response.header("x-dkim-doctor-cache"), Some("miss"));
    }
}

#[test]
fn identical_requests_at_once_run_one_check() {
    let server = serve_demo(&[]);
    // The first check of a fresh server walks from the root and asks both servers of the
    // zone (one answers REFUSED): the other requests come while it runs.
    let tokens: Vec<&str> = dns_lab::scenarios::SES_TOKENS.to_vec();
    let body = json!({"domain": dns_lab::scenarios::LAME, "tokens": tokens})
        .to_string()
        .into_bytes();
    let addr = server.addr;
    let requests: Vec<_> = (0..8)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || {
                http_with(
                    addr,
                    "POST",
                    "/v1/check/ses",
                    &[("Cache-Control", "no-cache")],
                    Some(&body),
                )
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    let mut bodies = std::collections::BTreeSet::new();
    for request in requests {
        let response = request.join().unwrap();
        assert_eq!(response.status, 200, "{}", response.body);
        outcomes.push(response.header("x-dkim-doctor-cache").unwrap().to_string());
        bodies.insert(response.body);
    }
    let text = http(addr, "GET", "/metrics", None).body;
    let checks: u64 = text
        .lines()
        .filter(|l| l.starts_with("dkim_doctor_checks_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    let misses = outcomes.iter().filter(|o| *o == "miss").count();
    assert_eq!(checks, misses as u64, "{outcomes:?}");
    assert_eq!(bodies.len(), misses, "one report per check run");
    // A request that came after its check ended would run one of its own (no-cache): the
    // rest joined the running check.
    assert!(misses < 8, "{outcomes:?}");
    assert_eq!(
        metric(&text, "dkim_doctor_report_cache_total{result=\"joined\"}") as usize,
        8 - misses
    );
}

/// `serve` validates DNSSEC as the other commands do, from its `--trust-anchor` at its
/// `--validation-time` (here the in-process lab's); `--no-dnssec` turns it off.
#[test]
fn serve_checks_dnssec_from_its_anchor() {
    use dns_lab::scenarios::{DNSSEC_MOVED, SES_TOKENS};
    let body = json!({"domain": DNSSEC_MOVED, "tokens": SES_TOKENS});
    let codes = |extra: &[&str]| -> Vec<String> {
        let mut args = common::lab().args();
        args.extend(["--allow-private".to_string()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let server = start_serve(&args);
        let response = post_json(server.addr, "/v1/check/ses", &body);
        assert_eq!(response.status, 200, "{}", response.body);
        common::codes(&response.json())
    };
    let validated = codes(&[]);
    assert!(
        validated.iter().any(|c| c == "dnssec-ds-mismatch"),
        "{validated:?}"
    );
    let off = codes(&["--no-dnssec"]);
    assert!(off.iter().all(|c| !c.starts_with("dnssec-")), "{off:?}");
}
