//! Shared helpers of the `lab_*` integration tests (a directory module, so Cargo does not build
//! it as a test of its own).

#![allow(dead_code)] // each test file uses part of it

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use dns_lab::bind::{LAB_DIR, PID_FILE, QUERY_LOG};
use dns_lab::probe::{self, TcpReply};
use dns_wire::{Message, Name, Rcode, RecordType};

/// Per-exchange deadline; the lab is on loopback, so anything slower is a failure.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(2);
/// Upper bound for any one test.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// The BIND lab's query log.
pub fn query_log_path() -> PathBuf {
    workspace_root().join(LAB_DIR).join(QUERY_LOG)
}

/// Panics with the one instruction that fixes it unless the BIND lab's named is running and
/// the first root server answers.
pub async fn require_bind_lab() {
    const NOT_UP: &str = "lab is not up: run cargo xtask lab up";
    let pid_file = workspace_root().join(LAB_DIR).join(PID_FILE);
    let pid = std::fs::read_to_string(&pid_file)
        .unwrap_or_else(|_| panic!("{NOT_UP} (no {})", pid_file.display()));
    let pid = pid.trim();
    assert!(
        std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "{NOT_UP} (named pid {pid} from {} is not running)",
        pid_file.display()
    );
    let root = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 53, 0, 1)), 53);
    let answer = ask(root, &Name::root(), RecordType::SOA).await;
    assert!(
        matches!(&answer, Ok(m) if m.rcode() == Rcode::NOERROR),
        "{NOT_UP} (127.53.0.1:53 answered {answer:?})"
    );
}

/// How many questions the model-comparison tests keep in flight at once (a UDP socket's
/// receive buffer holds a few hundred small datagrams; a loaded CI machine must not drop any).
pub const IN_FLIGHT: usize = 16;

/// Asks `server` for `name`/`qtype` over UDP (EDNS, RD clear), retrying over TCP when the
/// answer is truncated; checks the source and the ID. At most two UDP tries (a datagram can be
/// lost on a loaded machine) and one TCP try, each bounded by [`EXCHANGE_TIMEOUT`].
pub async fn ask(server: SocketAddr, name: &Name, qtype: RecordType) -> Result<Message, String> {
    let mut last_error = String::new();
    for _ in 0..2 {
        match ask_once(server, name, qtype).await {
            Err(AskError::Timeout(why)) => last_error = why,
            Err(AskError::Other(why)) => return Err(why),
            Ok(message) => return Ok(message),
        }
    }
    Err(last_error)
}

enum AskError {
    Timeout(String),
    Other(String),
}

async fn ask_once(server: SocketAddr, name: &Name, qtype: RecordType) -> Result<Message, AskError> {
    let other = |e: String| AskError::Other(e);
    let id: u16 = rand_id();
    let query = Message::query(id, name.clone(), qtype).to_bytes();
    let datagram = match probe::udp(server, &query, EXCHANGE_TIMEOUT).await {
        Ok(d) => d,
        Err(e @ probe::ProbeError::Timeout { .. }) => return Err(AskError::Timeout(e.to_string())),
        Err(e) => return Err(other(e.to_string())),
    };
    if datagram.from != server {
        return Err(other(format!(
            "answer came from {} instead of {server}",
            datagram.from
        )));
    }
    let message = Message::from_bytes(&datagram.bytes).map_err(|e| other(e.to_string()))?;
    if message.header.id != id {
        return Err(other(format!(
            "answer has ID {} instead of {id}",
            message.header.id
        )));
    }
    if !message.header.truncated {
        return Ok(message);
    }
    match probe::tcp(server, &query, EXCHANGE_TIMEOUT)
        .await
        .map_err(|e| other(e.to_string()))?
    {
        TcpReply::Message(bytes) => Message::from_bytes(&bytes).map_err(|e| other(e.to_string())),
        TcpReply::Cut {
            announced,
            received,
        } => Err(other(format!(
            "TCP stream cut after {} of {announced} octets",
            received.len()
        ))),
    }
}

/// Asks every question (server, name, type) with at most [`IN_FLIGHT`] in flight, and checks
/// each answer against the model's: the failures, one line each, and how many were asked.
pub async fn compare_with_model(
    questions: Vec<(SocketAddr, Name, RecordType, Message)>,
) -> (Vec<String>, usize) {
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    let asked = questions.len();
    for (server, name, qtype, expected) in questions {
        let permits = std::sync::Arc::clone(&permits);
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            let got = ask(server, &name, qtype).await;
            got.and_then(|got| same_answer(&expected, &got))
                .map_err(|why| format!("{server} {name} {qtype}: {why}"))
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Err(line) = joined.expect("query task") {
            failures.push(line);
        }
    }
    failures.sort();
    (failures, asked)
}

/// Every question of [`questions_for`] for every zone copy of every authoritative server, with
/// the model's answer; `addr` maps a server address to where to ask it.
pub fn model_questions(
    network: &dns_lab::Network,
    addr: impl Fn(Ipv4Addr) -> SocketAddr,
) -> Vec<(SocketAddr, Name, RecordType, Message)> {
    let mut all = Vec::new();
    for server in network
        .servers
        .iter()
        .filter(|s| s.behaviour == dns_lab::Behaviour::Authoritative)
    {
        let zones = network.zones_of(server.addr);
        for zone in &zones {
            for (name, qtype) in questions_for(zone) {
                let expected =
                    dns_lab::authority::answer(&zones, &Message::query(0, name.clone(), qtype));
                all.push((addr(server.addr), name, qtype, expected));
            }
        }
    }
    all
}

fn rand_id() -> u16 {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (nanos ^ (nanos >> 16)) as u16
}

/// A record reduced to what two servers must agree on: owner (lower case), type, TTL, data in
/// presentation form.
pub fn rrs<'a>(records: impl IntoIterator<Item = &'a dns_wire::Record>) -> BTreeSet<String> {
    records
        .into_iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.name.to_lowercase(),
                r.ttl,
                r.rtype(),
                r.data
            )
        })
        .collect()
}

/// Compares what a server answered with what the model says an authoritative server answers:
/// rcode, AA, answer section; authority section for negative answers and referrals; additional
/// section (glue) for referrals. Section order and case are not compared.
pub fn same_answer(expected: &Message, got: &Message) -> Result<(), String> {
    let mut diffs = Vec::new();
    if expected.rcode() != got.rcode() {
        diffs.push(format!("rcode {} vs {}", expected.rcode(), got.rcode()));
    }
    if expected.header.authoritative != got.header.authoritative {
        diffs.push(format!(
            "AA {} vs {}",
            expected.header.authoritative, got.header.authoritative
        ));
    }
    if rrs(&expected.answers) != rrs(&got.answers) {
        diffs.push(format!(
            "answers {:?} vs {:?}",
            rrs(&expected.answers),
            rrs(&got.answers)
        ));
    }
    let negative_or_referral = expected.answers.is_empty()
        || expected
            .authority
            .iter()
            .any(|r| r.rtype() == RecordType::NS);
    if negative_or_referral && rrs(&expected.authority) != rrs(&got.authority) {
        diffs.push(format!(
            "authority {:?} vs {:?}",
            rrs(&expected.authority),
            rrs(&got.authority)
        ));
    }
    let referral = !expected.header.authoritative
        && expected
            .authority
            .iter()
            .any(|r| r.rtype() == RecordType::NS);
    if referral && rrs(&expected.additional) != rrs(&got.additional) {
        diffs.push(format!(
            "glue {:?} vs {:?}",
            rrs(&expected.additional),
            rrs(&got.additional)
        ));
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("; "))
    }
}

/// `dig +norec +short @server name type`, lines as printed (never the system resolver: the
/// server is always given and recursion is off).
pub fn dig_short(server: Ipv4Addr, port: u16, name: &str, qtype: &str) -> Vec<String> {
    let output = Command::new("dig")
        .args([
            "+norec",
            "+short",
            "+time=2",
            "+tries=1",
            "-p",
            &port.to_string(),
            &format!("@{server}"),
            name,
            qtype,
        ])
        .output()
        .expect("dig runs (install bind9-dnsutils: cargo xtask lab up does)");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The questions worth asking a server about one zone copy: every owner name with every type
/// it holds plus TXT, A and CNAME, a name that does not exist, a name below each delegation,
/// and a random name next to each wildcard.
pub fn questions_for(zone: &dns_lab::Zone) -> Vec<(Name, RecordType)> {
    let mut questions = BTreeSet::new();
    let probe_types = [RecordType::TXT, RecordType::A, RecordType::CNAME];
    for record in &zone.records {
        questions.insert((record.name.clone(), record.rtype()));
        for t in probe_types {
            questions.insert((record.name.clone(), t));
        }
        if record.name.first_label() == Some(b"*") {
            if let Some(parent) = record.name.parent() {
                if let Ok(random) = parent.prepend(b"random-selector-x7") {
                    questions.insert((random, RecordType::TXT));
                }
            }
        }
    }
    if let Ok(missing) = zone.origin.prepend(b"no-such-name-q9") {
        questions.insert((missing, RecordType::TXT));
    }
    for cut in zone.delegations() {
        if let Ok(below) = cut.prepend(b"below-the-cut") {
            questions.insert((below, RecordType::TXT));
        }
    }
    questions.into_iter().collect()
}
