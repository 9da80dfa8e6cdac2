//! `bulk`: JSON lines and CSV against the in-process lab; one JSON object per domain on stdout
//! in input order, the summary on stderr, exit code = the worst outcome.

mod common;

use common::{lab, run_owned, validate_check_json};
use dns_lab::scenarios::{
    DNSSEC_MOVED, DNSSEC_SECURE, KEY_ED25519, KEY_WEAK_512, SELECTOR_HEALTHY, SES_HEALTHY,
    SES_MISSING, SES_TOKENS, UNREACHABLE,
};
use serde_json::Value;

fn bulk(text: &str, extra: &[&str]) -> common::Run {
    let mut all = vec!["--concurrency", "3"];
    all.extend_from_slice(extra);
    bulk_with(text, &all, |args| {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        run_owned(&args)
    })
}

/// Writes `text` to a file and runs `bulk FILE EXTRA... LAB-ARGS...` through `run`.
fn bulk_with(text: &str, extra: &[&str], run: impl FnOnce(&[&str]) -> common::Run) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input");
    std::fs::write(&path, text).unwrap();
    let lab_args = lab().args();
    let mut args = vec!["bulk", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend(lab_args.iter().map(String::as_str));
    run(&args)
}

fn reports(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| {
            let doc: Value = serde_json::from_str(line).unwrap();
            validate_check_json(&doc);
            doc
        })
        .collect()
}

fn tokens_json() -> String {
    serde_json::to_string(&SES_TOKENS).unwrap()
}

#[test]
fn json_lines_in_input_order_with_the_worst_exit_code() {
    let text = format!(
        "# a comment\n\
         {{\"domain\": \"{SES_HEALTHY}\", \"tokens\": {tokens}}}\n\
         {{\"domain\": \"{SELECTOR_HEALTHY}\", \"selectors\": [\"google\"]}}\n\
         \n\
         {{\"domain\": \"{KEY_WEAK_512}\", \"selectors\": [\"mail\"]}}\n\
         {{\"domain\": \"{KEY_ED25519}\", \"selectors\": [\"mail\"]}}\n",
        tokens = tokens_json()
    );
    let result = bulk(&text, &[]);
    let docs = reports(&result.stdout);
    let domains: Vec<&str> = docs.iter().map(|d| d["domain"].as_str().unwrap()).collect();
    assert_eq!(
        domains,
        [SES_HEALTHY, SELECTOR_HEALTHY, KEY_WEAK_512, KEY_ED25519]
    );
    let verdicts: Vec<&str> = docs
        .iter()
        .map(|d| d["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["pass", "pass", "fail", "pass"]);
    assert_eq!(result.code, 1, "worst is a fail: {}", result.stderr);
    assert!(result.stderr.contains("4 domains"), "{}", result.stderr);
    assert!(
        result.stderr.contains("3 pass, 1 fail, 0 incomplete"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("shared cache"), "{}", result.stderr);
    // No progress bar on a pipe.
    assert!(!result.stderr.contains("eta"), "{}", result.stderr);
}

#[test]
fn csv_with_a_header_and_an_incomplete_domain() {
    let text = format!(
        "domain,token1,token2,token3\n\
         {SES_MISSING},{},{},{}\n\
         {UNREACHABLE},{},{},{}\n",
        SES_TOKENS[0], SES_TOKENS[1], SES_TOKENS[2], SES_TOKENS[0], SES_TOKENS[1], SES_TOKENS[2]
    );
    let result = bulk(&text, &[]);
    let docs = reports(&result.stdout);
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["verdict"], "fail");
    assert_eq!(docs[1]["verdict"], "incomplete");
    assert_eq!(
        result.code, 3,
        "incomplete is worse than fail: {}",
        result.stderr
    );
}

#[test]
fn bad_lines_are_reported_and_the_rest_is_checked() {
    let text = format!(
        "{{\"domain\": \"{KEY_ED25519}\", \"selectors\": [\"mail\"]}}\n\
         {{not json\n\
         {{\"domain\": \"bad domain.com\", \"selectors\": [\"mail\"]}}\n\
         {{\"domain\": \"{KEY_WEAK_512}\", \"selectors\": [\"mail\"]}}\n"
    );
    let result = bulk(&text, &[]);
    let docs = reports(&result.stdout);
    assert_eq!(docs.len(), 2);
    assert_eq!(result.code, 2, "bad input is the worst: {}", result.stderr);
    assert!(result.stderr.contains("line 2"), "{}", result.stderr);
    assert!(result.stderr.contains("line 3"), "{}", result.stderr);
    assert!(
        result.stderr.contains("2 unreadable lines"),
        "{}",
        result.stderr
    );
    assert!(!result.stderr.contains("panicked"));
}

#[test]
fn without_the_shared_cache_the_same_reports_cost_more_queries() {
    let mut lines = String::new();
    for scenario in [SES_HEALTHY, SES_MISSING] {
        lines.push_str(&format!(
            "{{\"domain\": \"{scenario}\", \"tokens\": {}}}\n",
            tokens_json()
        ));
    }
    let shared = bulk(&lines, &[]);
    let separate = bulk(&lines, &["--no-shared-cache"]);
    let verdicts = |r: &common::Run| -> Vec<String> {
        reports(&r.stdout)
            .iter()
            .map(|d| d["verdict"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(verdicts(&shared), verdicts(&separate));
    let sent = |r: &common::Run| -> u64 {
        let text = &r.stderr;
        let at = text
            .find(" queries (")
            .expect("summary has the query count");
        let start = text[..at].rfind(' ').unwrap() + 1;
        text[start..at].parse().unwrap()
    };
    assert!(
        sent(&shared) < sent(&separate),
        "shared {} vs separate {}",
        shared.stderr,
        separate.stderr
    );
}

#[test]
fn a_closed_stdout_stops_bulk_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.jsonl");
    let mut text = String::new();
    for _ in 0..20 {
        text.push_str(&format!(
            "{{\"domain\": \"{KEY_ED25519}\", \"selectors\": [\"mail\"]}}\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    let mut args = vec!["bulk".to_string(), path.to_str().unwrap().to_string()];
    args.extend(lab().args());
    common::assert_quiet_on_closed_stdout(&args);
}

/// Many checks at once under a small open-file limit: running out of descriptors slows the run
/// down and is never reported as a server's fault (every verdict is the scenario's own).
#[test]
fn a_small_open_file_limit_slows_a_wide_bulk_run_but_changes_no_verdict() {
    let domains = [SES_HEALTHY, SES_MISSING];
    let mut text = String::new();
    for i in 0..120 {
        text.push_str(&format!(
            "{{\"domain\": \"{}\", \"tokens\": {}}}\n",
            domains[i % 2],
            tokens_json()
        ));
    }
    let result = bulk_with(&text, &["--concurrency", "256"], |args| {
        common::run_with_open_file_limit(args, 40)
    });
    let docs = reports(&result.stdout);
    assert_eq!(docs.len(), 120, "{}", result.stderr);
    for (i, doc) in docs.iter().enumerate() {
        let (domain, verdict) = (domains[i % 2], ["pass", "fail"][i % 2]);
        assert_eq!(doc["domain"], domain);
        assert_eq!(doc["verdict"], verdict, "line {}: {doc}", i + 1);
        let codes: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["code"].as_str())
            .collect();
        assert!(
            !codes.contains(&"lame-delegation") && !codes.contains(&"zone-unreachable"),
            "line {}: {codes:?}",
            i + 1
        );
    }
    assert!(
        !result.stderr.contains("Too many open files"),
        "{}",
        result.stderr
    );
}

/// `--shard K/N`: the shares are disjoint, each keeps input order, and together they are the
/// whole list (bad lines included, each reported by one share only).
#[test]
fn shards_split_a_list_without_overlap() {
    let mut text = String::from("# domains\n");
    let domains = [
        SES_HEALTHY,
        SES_MISSING,
        SELECTOR_HEALTHY,
        KEY_ED25519,
        KEY_WEAK_512,
    ];
    for (i, domain) in domains.iter().enumerate() {
        if i < 2 {
            text.push_str(&format!(
                "{{\"domain\": \"{domain}\", \"tokens\": {}}}\n",
                tokens_json()
            ));
        } else {
            let selector = if *domain == SELECTOR_HEALTHY {
                "google"
            } else {
                "mail"
            };
            text.push_str(&format!(
                "{{\"domain\": \"{domain}\", \"selectors\": [\"{selector}\"]}}\n"
            ));
        }
    }
    text.push_str("not json\n");
    let mut seen: Vec<(usize, String)> = Vec::new();
    for k in 1..=2 {
        let shard = format!("{k}/2");
        let result = bulk(&text, &["--shard", &shard]);
        for doc in reports(&result.stdout) {
            let domain = doc["domain"].as_str().unwrap().to_string();
            let position = domains.iter().position(|d| *d == domain).unwrap();
            // Entries 1, 3, 5 go to 1/2; 2, 4 (and the bad sixth) to 2/2.
            assert_eq!(position % 2, k - 1, "{domain} in shard {shard}");
            seen.push((position, domain));
        }
    }
    seen.sort();
    let all: Vec<(usize, String)> = domains
        .iter()
        .enumerate()
        .map(|(i, d)| (i, d.to_string()))
        .collect();
    assert_eq!(seen, all);
    let bad = bulk(&text, &["--shard", "2/2"]);
    assert!(bad.stderr.contains("line 7"), "{}", bad.stderr);
    let good = bulk(&text, &["--shard", "1/2"]);
    assert!(!good.stderr.contains("line 7"), "{}", good.stderr);
    let refused = bulk(&text, &["--shard", "3/2"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
}

/// A line that is not UTF-8, or longer than 64 KB, is reported with its number and skipped;
/// the lines around it are still checked.
#[test]
fn a_latin1_line_and_an_overlong_line_do_not_stop_the_others() {
    let good = format!(
        "{{\"domain\": \"{SES_HEALTHY}\", \"tokens\": {}}}\n",
        tokens_json()
    );
    let mut bytes = good.clone().into_bytes();
    bytes.extend(b"{\"domain\": \"caf\xe9.example\", \"selectors\": [\"s1\"]}\n");
    bytes.extend(std::iter::repeat(b' ').take(70 * 1024));
    bytes.push(b'\n');
    bytes.extend(good.into_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input");
    std::fs::write(&path, bytes).unwrap();
    let mut args = vec!["bulk".to_string(), path.to_str().unwrap().to_string()];
    args.extend(lab().args());
    let result = run_owned(&args);
    assert_eq!(reports(&result.stdout).len(), 2, "{}", result.stderr);
    assert!(
        result.stderr.contains("line 2: not UTF-8 text"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("line 3: longer than 64 KB"),
        "{}",
        result.stderr
    );
    assert_eq!(result.code, 2, "bad input lines make the worst outcome 2");
}

/// `bulk /dev/zero` reads forever (there is no end), but its memory stays flat: the endless
/// line is never kept, and it is reported as soon as it is too long, not at an end that never
/// comes.
#[cfg(target_os = "linux")]
#[test]
fn bulk_of_dev_zero_keeps_its_memory_flat() {
    let errors = std::env::temp_dir().join(format!("dkim-doctor-zero-{}.err", std::process::id()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(["bulk", "/dev/zero"])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&errors).expect("stderr file"))
        .spawn()
        .expect("spawn dkim-doctor");
    std::thread::sleep(std::time::Duration::from_secs(2));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()));
    let _ = child.kill();
    let _ = child.wait();
    let stderr = std::fs::read_to_string(&errors).unwrap_or_default();
    let _ = std::fs::remove_file(&errors);
    assert!(
        stderr.contains("/dev/zero: line 1: longer than 64 KB, skipped"),
        "{stderr}"
    );
    let status = status.expect("the process was still running");
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    assert!(
        peak_kib < 64 * 1024,
        "peaked at {peak_kib} KiB after 2 s of /dev/zero"
    );
}

/// A plain list of domains with `--selectors`, as CSV rows, printed as each check ends.
#[test]
fn a_plain_domain_list_with_selectors_as_csv_rows() {
    let text = format!("# two customers\n{SELECTOR_HEALTHY}\n{KEY_WEAK_512}\n");
    let result = bulk(
        &text,
        &["--selectors", "google", "--format", "csv", "--unordered"],
    );
    let mut lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("domain,check,verdict,codes,summary"),
        "{}",
        result.stdout
    );
    lines.remove(0);
    lines.sort();
    assert_eq!(lines.len(), 2, "{}", result.stdout);
    // selector-healthy.org has google._domainkey; key-weak512.org has only mail._domainkey.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{SELECTOR_HEALTHY},selector,pass,"))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("{KEY_WEAK_512},selector,fail,record-missing"))),
        "{lines:?}"
    );
    assert_eq!(result.code, 1);

    // Without --selectors a plain list says what is missing, line by line.
    let bare = bulk(&text, &[]);
    assert!(
        bare.stderr
            .contains("line 2: a plain list of domains needs --selectors"),
        "{}",
        bare.stderr
    );
    assert_eq!(bare.code, 2);
}

/// Ctrl-C (SIGINT to the real binary) stops a long run: every finished report is printed as a
/// whole line, the summary says the run was interrupted and what was left, the exit code is
/// 130.
#[test]
fn sigint_stops_cleanly_after_printing_finished_reports() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.jsonl");
    let entries = 5000;
    let line = format!("{{\"domain\": \"{SELECTOR_HEALTHY}\", \"selectors\": [\"mail\"]}}\n");
    std::fs::write(&path, line.repeat(entries)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dkim-doctor"))
        .args(["bulk", path.to_str().unwrap(), "--concurrency", "2"])
        .args(lab().args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.ends_with('\n'), "{first:?}");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = common::wait_bounded(&mut child, Duration::from_secs(30))
        .expect("bulk did not stop within 30 s of SIGINT");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    let printed = reports(&(first + &rest));
    assert!(
        !printed.is_empty() && printed.len() < entries,
        "{}",
        printed.len()
    );
    assert!(
        rest.is_empty() || rest.ends_with('\n'),
        "a partial line: {rest:?}"
    );
    let summary = stderr.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("dkim-doctor bulk: interrupted: ")
            && summary.contains(&format!("{} domains", printed.len()))
            && summary.contains("not read"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Bulk validates DNSSEC like `ses`: from the `--trust-anchor` at the `--validation-time` the
/// lab arguments carry; `--no-dnssec` turns it off.
#[test]
fn bulk_checks_dnssec_like_the_single_commands() {
    let text = format!(
        "{{\"domain\": \"{DNSSEC_SECURE}\", \"tokens\": {tokens}}}\n\
         {{\"domain\": \"{DNSSEC_MOVED}\", \"tokens\": {tokens}}}\n",
        tokens = tokens_json()
    );
    let result = bulk(&text, &[]);
    let docs = reports(&result.stdout);
    assert_eq!(docs.len(), 2, "{}", result.stderr);
    let codes: Vec<Vec<String>> = docs.iter().map(common::codes).collect();
    assert!(codes[0].iter().any(|c| c == "dnssec-secure"), "{codes:?}");
    assert_eq!(docs[0]["verdict"], "pass");
    assert!(
        codes[1].iter().any(|c| c == "dnssec-ds-mismatch"),
        "{codes:?}"
    );
    assert_eq!(docs[1]["verdict"], "fail");
    assert_eq!(result.code, 1);

    let off = bulk(&text, &["--no-dnssec"]);
    let docs = reports(&off.stdout);
    assert!(
        docs.iter()
            .flat_map(common::codes)
            .all(|c| !c.starts_with("dnssec-")),
        "{}",
        off.stdout
    );
}
