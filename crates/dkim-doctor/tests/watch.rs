//! `--watch` sees a fix: the lab is served without the records, the watch starts, then the
//! same servers (same addresses and port) come back with the records published. The watch
//! must print the first report in full, then only the change, then stop with exit code 0 and
//! the negative-caching warning.

mod common;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dns_lab::internet::miniature_internet;
use dns_lab::scenarios::{SES_DKIM_ZONE, SES_MISSING, SES_TOKENS};
use dns_lab::Network;
use dns_wire::{Name, RData, Record};

fn n(text: &str) -> Name {
    text.parse().unwrap()
}

/// The miniature internet with the three SES CNAMEs of `ses-missing.com` published.
fn fixed_network() -> Network {
    let mut network = miniature_internet();
    let origin = n(SES_MISSING);
    let mut found = false;
    for hosted in network.zones.iter_mut().filter(|z| z.zone.origin == origin) {
        for token in SES_TOKENS {
            hosted.zone.records.push(Record::new(
                n(&format!("{token}._domainkey.{SES_MISSING}")),
                300,
                RData::Cname(n(&format!("{token}.{SES_DKIM_ZONE}"))),
            ));
        }
        found = true;
    }
    assert!(found, "{SES_MISSING} is not in the lab");
    network
}

#[test]
fn watch_reports_the_fix_and_stops() {
    // The lab runs on its own thread; a message swaps its data.
    let (ready_tx, ready_rx) = mpsc::channel::<(Vec<String>, u16)>();
    let (swap_tx, swap_rx) = tokio::sync::oneshot::channel::<()>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let before = dns_lab::serve(miniature_internet(), 0).await.unwrap();
            let roots = before.roots.iter().map(|r| r.to_string()).collect();
            let port = before.port;
            ready_tx.send((roots, port)).unwrap();
            // Built (and signed) before the old servers stop: the gap in which nothing
            // answers stays shorter than a check, so no check sees the network gone.
            let fixed = fixed_network();
            let _ = swap_rx.await;
            before.shutdown().await;
            let after = dns_lab::serve(fixed, port).await.unwrap();
            let _ = stop_rx.await;
            after.shutdown().await;
        });
    });
    let (roots, port) = ready_rx.recv_timeout(Duration::from_secs(30)).unwrap();

    let mut args = vec![
        "ses".to_string(),
        SES_MISSING.to_string(),
        "--watch".to_string(),
        "1s".to_string(),
        "--color".to_string(),
        "never".to_string(),
        "-4".to_string(),
        "--timeout".to_string(),
        "1s".to_string(),
        "--roots".to_string(),
        roots.join(","),
        "--port".to_string(),
        port.to_string(),
    ];
    for token in SES_TOKENS {
        args.extend(["--token".to_string(), token.to_string()]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    swap_tx.send(()).unwrap();

    let status = wait_bounded(&mut child, "the watch did not stop after the fix");
    let output = child.wait_with_output().unwrap();
    let _ = stop_tx.send(());
    server.join().unwrap();

    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert_eq!(
        status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.matches("Verdict:").count(),
        1,
        "one full report only: {stdout}"
    );
    assert!(stdout.contains("Verdict: FAIL"), "{stdout}");
    assert!(stdout.contains("changed:"), "{stdout}");
    assert!(stdout.contains("verdict: fail -> pass"), "{stdout}");
    assert!(stdout.contains("Fixed: the check passes now."), "{stdout}");
    assert!(stdout.contains("at the latest"), "{stdout}");
}

/// Ctrl-C ends a watch with exit code 130 (128 + SIGINT, the shell's convention), and a watch
/// of a domain that does not change prints "no change" lines, not differences: the sockets and
/// timings of the queries change every round, the diagnosis does not.
#[test]
fn ctrl_c_exits_130_and_an_unchanged_domain_shows_no_change() {
    let mut args: Vec<String> = [
        "ses",
        // Nothing listens at its servers: every round fails the same way, with new sockets.
        "unreachable-dns.com",
        "--watch",
        "1s",
        "--color",
        "never",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for token in SES_TOKENS {
        args.extend(["--token".to_string(), token.to_string()]);
    }
    args.extend(common::lab().args());
    let mut child = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    // Wait (bounded) for two "no change" rounds after the first report.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(40);
    while seen
        .iter()
        .filter(|l: &&String| l.ends_with("no change"))
        .count()
        < 2
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no two unchanged rounds within 40 s: {seen:#?}");
            }
        }
    }
    assert!(
        !seen.iter().any(|l| l.ends_with("changed:")),
        "an unchanged domain showed changes: {seen:#?}"
    );
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let status = wait_bounded(&mut child, "the watch did not stop on SIGINT");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("stopped by Ctrl-C; last verdict: incomplete"),
        "{stderr}"
    );
}

/// The child's exit status, waited for at most 30 s (then it is killed and the test fails).
fn wait_bounded(child: &mut std::process::Child, failure: &str) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("{failure}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
