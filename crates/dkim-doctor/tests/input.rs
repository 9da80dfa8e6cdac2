//! Bad input gets one clear sentence on stderr and exit code 2, never a panic; input that can
//! be understood (a non-ASCII domain) is converted, not refused. None of these reach a server:
//! `--roots` points at a loopback address where nothing answers, with a short timeout.

mod common;

use common::{run, run_with, Run};

/// Loopback, nothing listening: a check that got past input validation would end
/// `incomplete` (3), never 2.
const NOWHERE: [&str; 6] = ["--roots", "127.0.0.9", "--port", "9", "--timeout", "100ms"];

fn with_nowhere(args: &[&str]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend_from_slice(&NOWHERE);
    run(&all)
}

fn assert_bad_input(result: &Run, needle: &str) {
    assert_eq!(
        result.code, 2,
        "stdout {} stderr {}",
        result.stdout, result.stderr
    );
    assert!(result.stdout.is_empty(), "stdout: {}", result.stdout);
    let stderr = result.stderr.trim_end();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{needle:?} not in {stderr:?}"
    );
}

fn assert_one_sentence(result: &Run) {
    let stderr = result.stderr.trim_end();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("dkim-doctor: "), "{stderr}");
}

#[test]
fn invalid_domain_characters() {
    let result = with_nowhere(&["selector", "exa mple.com", "s1"]);
    assert_bad_input(&result, "cannot hold");
    assert_one_sentence(&result);
    let result = with_nowhere(&["selector", "exa$mple.com", "s1"]);
    assert_bad_input(&result, "cannot hold");
}

#[test]
fn label_longer_than_63() {
    let long = format!("{}.com", "a".repeat(64));
    let result = with_nowhere(&["selector", &long, "s1"]);
    assert_bad_input(&result, "at most 63");
    assert_one_sentence(&result);
}

#[test]
fn empty_label() {
    let result = with_nowhere(&["ses", "example..com", "--token", "abc"]);
    assert_bad_input(&result, "empty label");
}

#[test]
fn token_with_spaces() {
    let result = with_nowhere(&["ses", "example.com", "--token", "abc def"]);
    assert_bad_input(&result, "spaces");
    assert_one_sentence(&result);
}

#[test]
fn token_for_another_domain() {
    let result = with_nowhere(&["ses", "example.com", "--token", "abc._domainkey.other.org"]);
    assert_bad_input(&result, "other.org");
}

#[test]
fn ses_without_tokens_or_domain() {
    assert_bad_input(&with_nowhere(&["ses", "example.com"]), "--token");
    assert_bad_input(&with_nowhere(&["ses"]), "needs the domain");
}

#[test]
fn unreadable_identity_json() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("identity.json");
    std::fs::write(&path, "{ not json").unwrap();
    let result = with_nowhere(&[
        "ses",
        "example.com",
        "--identity-json",
        path.to_str().unwrap(),
    ]);
    assert_bad_input(&result, "identity JSON");
    assert_one_sentence(&result);
}

#[test]
fn identity_json_from_stdin_that_is_not_json() {
    let mut args: Vec<&str> = vec!["ses", "example.com", "--identity-json", "-"];
    args.extend_from_slice(&NOWHERE);
    let result = run_with(&args, &[], Some("hello"));
    assert_bad_input(&result, "identity JSON");
}

#[test]
fn missing_file() {
    let result = with_nowhere(&["ses", "--records-csv", "/nonexistent/records.csv"]);
    assert_bad_input(&result, "cannot read /nonexistent/records.csv");
    assert_one_sentence(&result);
    let result = run(&["bulk", "/nonexistent/domains.csv"]);
    assert_bad_input(&result, "cannot read");
}

#[test]
fn bad_record_type_for_trace() {
    let result = with_nowhere(&["trace", "example.com", "BOGUS"]);
    assert_bad_input(&result, "not a record type");
}

#[test]
fn clap_usage_errors_exit_2() {
    assert_eq!(run(&["selector", "example.com"]).code, 2);
    assert_eq!(run(&["--timeout", "0", "demo"]).code, 2);
    assert_eq!(run(&["-4", "-6", "demo"]).code, 2);
    assert_eq!(run(&["no-such-command"]).code, 2);
    assert_eq!(run(&["--roots", "ns1.example.com", "trace", "x"]).code, 2);
}

#[test]
fn family_flag_without_a_matching_root() {
    let result = run(&["-6", "--roots", "127.0.0.1", "trace", "example.com"]);
    assert_bad_input(&result, "IPv6");
}

#[test]
fn non_ascii_domain_becomes_a_labels() {
    let result = with_nowhere(&["selector", "Bücher.Example", "s1", "--json"]);
    assert_ne!(result.code, 2, "{}", result.stderr);
    let doc: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    assert_eq!(doc["domain"], "xn--bcher-kva.example");
    // Nothing answers at 127.0.0.9: the check is incomplete, not a pass.
    assert_eq!(doc["verdict"], "incomplete");
    assert_eq!(result.code, 3);
}

#[test]
fn help_and_version_exit_0() {
    let help = run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Exit codes"));
    assert_eq!(run(&["--version"]).code, 0);
}
